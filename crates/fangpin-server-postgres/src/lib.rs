//! The PostgreSQL backend of the fangpin sync service, for a county or a province.
//!
//! The tables mirror the SQLite backend; a push loads what its batch touches in a few
//! set-based queries, plans with `fangpin_server::plan`, and writes with `UNNEST` inserts.
//! Pushes take a transaction-scoped advisory lock, so global sequence numbers commit in order
//! and a pull never skips a change that commits late. Every query is keyed by area code, so
//! the tables can be partitioned by county (docs/scaling.md).

mod backend;
mod schema;

pub use backend::PostgresBackend;
