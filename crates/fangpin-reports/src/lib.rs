//! The township's paperwork from the service's read model: the 问题台账 and the national
//! system's 监测对象信息 workbook with its data-quality check, as XLSX written in constant
//! memory (rows stream from the read model a page at a time) or CSV with a byte-order mark so
//! Excel on Chinese Windows opens it. Every report holds only what the user may see, and no
//! published report shows a full identity number.

#![forbid(unsafe_code)]

pub mod briefing;
pub mod export;
pub mod ledger;
pub mod national;
pub mod notice_pdf;
pub mod publicity;
pub mod quality;
pub mod screening;
pub mod source;
pub mod table;

use fangpin_server::state::RowRecord;

/// One household with the rows the reports need, from the read model.
#[derive(Debug, Clone, Default)]
pub struct HouseholdBundle {
    /// The `household` row.
    pub household: Option<RowRecord>,
    /// Its `member` rows, in form order.
    pub members: Vec<RowRecord>,
    /// Its `income_year` rows.
    pub incomes: Vec<RowRecord>,
    /// Its `measure` rows.
    pub measures: Vec<RowRecord>,
    /// Its `procedure` rows.
    pub procedures: Vec<RowRecord>,
}

/// What every sheet's header names: the area and the day it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportHeader {
    /// The area's name (全镇, a village …).
    pub area_name: String,
    /// The area's code.
    pub area_code: String,
    /// The day the report was made.
    pub made_on: chrono::NaiveDate,
}
