//! Integration tests of the store: crash safety with a killed child process, encryption at
//! rest and passcodes, pulled batches, migrations from fixture databases, and the writes and
//! queries the screens use.

mod store {
    pub mod crash;
    pub mod encryption;
    pub mod fill;
    pub mod keys;
    pub mod migrate;
    pub mod protocol;
    pub mod pull;
    pub mod support;
    pub mod writes;
}
