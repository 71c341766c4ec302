//! Integration tests of the domain crate: identity numbers (with property
//! tests), validation, every rule at and around its threshold, the
//! category, measure and risk suggestions, and snapshots of the example
//! households' full assessments.

#[path = "domain/support.rs"]
mod support;

#[path = "domain/identity.rs"]
mod identity;

#[path = "domain/validation.rs"]
mod validation;

#[path = "domain/rules.rs"]
mod rules;

#[path = "domain/suggestions.rs"]
mod suggestions;

#[path = "domain/example.rs"]
mod example;
