//! Support for the scenario tests: a real `fangpin serve` process on loopback that can be
//! killed, stopped and restarted, on a SQLite file or a throwaway PostgreSQL database; device
//! stores with their sync clients; and a loopback proxy that cuts or corrupts transfers.

#[path = "support/db.rs"]
pub mod db;
#[path = "support/device.rs"]
pub mod device;
#[path = "support/http.rs"]
pub mod http;
#[path = "support/proxy.rs"]
pub mod proxy;
#[path = "support/server.rs"]
pub mod server;
