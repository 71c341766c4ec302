//! Scenario tests across crates.
