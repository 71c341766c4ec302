//! Scenarios across crates: the domain and the merge engine together, and devices syncing with
//! a real service process on loopback (on SQLite and on PostgreSQL), with faults, recovery from
//! a restored backup, scope changes and stops mid-request, and a security matrix.

mod assessment;
mod devices;
mod faults;
mod hardening;
mod recovery;
mod security;
