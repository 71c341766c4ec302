//! Support for the scenario tests: a real `fangpin serve` process on loopback that can be
//! killed and restarted, device stores with their sync clients, and a loopback proxy that cuts
//! or corrupts transfers.

#[path = "support/device.rs"]
pub mod device;
#[path = "support/proxy.rs"]
pub mod proxy;
#[path = "support/server.rs"]
pub mod server;
