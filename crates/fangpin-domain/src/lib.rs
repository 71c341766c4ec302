//! The 防止返贫监测帮扶 domain: households, members, income and spending,
//! 两不愁三保障 and drinking-water indicators, risk types, assistance
//! measures, policy settings, identity-number and area-code validation, and
//! the assessment that turns one household's screening record into the
//! rules that fire (each with its figures), a suggested monitoring
//! category, measures and risk types. Pure: no I/O, no clock (dates are
//! passed in), no floats (money is integer fen, ratios are basis points).
//!
//! Start with [`record::HouseholdRecord`] (the input),
//! [`policy::PolicyBook`] (the settings) and [`assessment::assess`].

#![forbid(unsafe_code)]

pub mod area;
pub mod assessment;
pub mod calendar;
pub mod campaign;
pub mod elimination;
pub mod field_error;
pub mod household;
pub mod identity;
pub mod income;
pub mod indicator;
pub mod ledger;
pub mod measure;
pub mod member;
pub mod money;
mod nullable;
pub mod policy;
pub mod procedure;
pub mod rating;
pub mod recheck;
pub mod record;
pub mod risk;
pub mod role;

pub use area::{AreaCode, AreaCodeError, AreaLevel, VersionedArea, VillageGroup};
pub use assessment::{assess, assess_valid, AssessError, Assessment, Figures, Finding, RuleId};
pub use field_error::{ErrorCode, FieldError, FieldErrors};
pub use household::{Household, HouseholdType, MonitoringType};
pub use identity::{IdNumber, IdNumberError};
pub use income::{IncomeYears, YearIncome};
pub use indicator::{Indicator, IndicatorResult, IndicatorStatus};
pub use measure::{Measure, MeasureKind};
pub use member::{Member, Sex};
pub use money::{BasisPoints, Fen};
pub use policy::{
    MedicalThreshold, MonitoringLine, PolicyBook, PolicyError, PolicySettings, ResolvedPolicy,
};
pub use record::{HouseholdRecord, ValidRecord};
pub use risk::RiskType;
