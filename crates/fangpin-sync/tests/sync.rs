//! Integration tests of the merge engine: hand-written scenarios and property tests over random
//! schedules with a ground truth.

mod sync {
    pub mod properties;
    pub mod scenarios;
    pub mod sim;
}
