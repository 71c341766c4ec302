//! Field errors: what is wrong with which input field, in English and Chinese.
//!
//! Validation never stops at the first problem: it collects every
//! [`FieldError`] into [`FieldErrors`], each naming the field by its path
//! (`members[2].id_number`) and a stable [`ErrorCode`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// Stable machine-readable codes for field errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A required value is missing or empty.
    Required,
    /// The value has the wrong number of characters.
    WrongLength,
    /// A character that must be a digit is not.
    NotDigit,
    /// The identity number's check character is wrong.
    CheckDigit,
    /// The birth date inside an identity number is not a real date.
    InvalidBirthDate,
    /// A date lies after the given `today`.
    FutureDate,
    /// The first two digits are not a real province code.
    UnknownProvince,
    /// A non-zero area level follows a zero level.
    NonZeroAfterZeroLevel,
    /// An area code is of the wrong level for its use.
    WrongAreaLevel,
    /// A number is outside its allowed range.
    OutOfRange,
    /// More items than allowed.
    TooMany,
    /// The same item appears twice.
    Duplicate,
    /// Two fields disagree with each other.
    Inconsistent,
    /// A phone number is malformed.
    InvalidPhone,
}

impl ErrorCode {
    /// The code as its stable snake_case string.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Required => "required",
            ErrorCode::WrongLength => "wrong_length",
            ErrorCode::NotDigit => "not_digit",
            ErrorCode::CheckDigit => "check_digit",
            ErrorCode::InvalidBirthDate => "invalid_birth_date",
            ErrorCode::FutureDate => "future_date",
            ErrorCode::UnknownProvince => "unknown_province",
            ErrorCode::NonZeroAfterZeroLevel => "non_zero_after_zero_level",
            ErrorCode::WrongAreaLevel => "wrong_area_level",
            ErrorCode::OutOfRange => "out_of_range",
            ErrorCode::TooMany => "too_many",
            ErrorCode::Duplicate => "duplicate",
            ErrorCode::Inconsistent => "inconsistent",
            ErrorCode::InvalidPhone => "invalid_phone",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing wrong with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// Path of the field, e.g. `members[2].id_number`.
    pub field: String,
    /// Stable code.
    pub code: ErrorCode,
    /// What is wrong, in English.
    pub message: String,
    /// What is wrong, in Chinese.
    pub message_zh: String,
}

impl FieldError {
    /// A new field error.
    pub fn new(
        field: impl Into<String>,
        code: ErrorCode,
        message: impl Into<String>,
        message_zh: impl Into<String>,
    ) -> Self {
        FieldError {
            field: field.into(),
            code,
            message: message.into(),
            message_zh: message_zh.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// Every field error found in one input, in the order found.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        FieldErrors(Vec::new())
    }

    /// Records one error.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Whether nothing was found.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many errors.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The errors.
    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    /// Whether some error concerns exactly this field.
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// `Ok(value)` when empty, else `Err(self)`.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for FieldErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for FieldErrors {}

impl IntoIterator for FieldErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a FieldErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_lists_every_error_with_its_field() {
        let mut errors = FieldErrors::new();
        errors.push(FieldError::new(
            "a",
            ErrorCode::Required,
            "is required",
            "必填",
        ));
        errors.push(FieldError::new(
            "b[1].c",
            ErrorCode::OutOfRange,
            "is too big",
            "过大",
        ));
        assert_eq!(errors.to_string(), "a: is required\nb[1].c: is too big");
        assert!(errors.has("b[1].c"));
        assert_eq!(
            ErrorCode::NonZeroAfterZeroLevel.as_str(),
            "non_zero_after_zero_level"
        );
        assert_eq!(
            serde_json::to_value(ErrorCode::CheckDigit).ok(),
            Some(serde_json::json!("check_digit"))
        );
    }
}
