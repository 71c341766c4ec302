//! The use cases of fangpin, shared by the field app, the command line and the tests.
//!
//! [`rows`] splits a household in the JSON form of docs/household-json.md into the synced rows
//! of docs/data-dictionary.md (household, member, income_year) and puts it together again, so
//! two cadres who edit different figures of one household edit different fields and merge
//! silently. [`township`] generates a realistic demo township for the demo command, tests and
//! benchmarks.

pub mod field;
pub mod rows;
pub mod township;
