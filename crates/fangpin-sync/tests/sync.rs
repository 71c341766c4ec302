//! Integration tests of the merge engine: hand-written scenarios and property tests over random
//! schedules with a ground truth.

mod sync {
    pub mod properties;
    pub mod scenarios;
    pub mod sim;

    /// The merge rules these tests use: fangpin's own, as the record catalogue declares them
    /// (the catalogue's tests check that it still does).
    pub fn test_schema() -> fangpin_sync::Schema {
        use fangpin_sync::FieldRule;
        fangpin_sync::Schema::new()
            .with("ledger_item", "status", FieldRule::Status)
            .with("household", "visit_notes", FieldRule::AppendLog)
            .with("ledger_item", "progress_notes", FieldRule::AppendLog)
            .with("ledger_item", "evidence", FieldRule::AppendLog)
            .with("procedure", "steps", FieldRule::AppendLog)
    }
}
