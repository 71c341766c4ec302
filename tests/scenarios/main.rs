//! Scenarios across crates: the domain and the merge engine together, and devices syncing with
//! a real service process on loopback, with faults and a security matrix.

mod assessment;
mod devices;
mod faults;
mod security;
