//! Resident identity numbers (公民身份号码, GB 11643).
//!
//! 18 characters: a 6-digit address code, an 8-digit birth date, a 3-digit
//! sequence (odd for men, even for women) and a check character computed by
//! ISO 7064 MOD 11-2. Old 15-digit numbers (2-digit year, no check
//! character) are upgraded on parse. Input is normalised first: full-width
//! digits and `Ｘ`, spaces of any kind (including U+3000) and a lower-case
//! `x` are common in department spreadsheets.
//!
//! The crate is pure: "not in the future" is checked against a `today` the
//! caller passes in.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::field_error::{ErrorCode, FieldError};
use crate::member::Sex;

/// Weights of the 17 body digits.
pub const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for each remainder 0 to 10.
pub const CHECK_MAP: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Why a string is not a valid identity number.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdNumberError {
    /// Nothing left after normalisation.
    #[error("is empty")]
    Empty,
    /// Neither 18 nor 15 characters.
    #[error("has {0} characters, expected 18 (or 15 for an old number)")]
    WrongLength(usize),
    /// A character that must be a digit is not (the last of 18 may be `X`).
    #[error("character {ch:?} at position {position} is not a digit")]
    NotDigit {
        /// 1-based position.
        position: usize,
        /// The character.
        ch: char,
    },
    /// The check character does not match the body.
    #[error("check digit is wrong (expected {expected}, found {found})")]
    CheckDigit {
        /// The correct check character.
        expected: char,
        /// The one given.
        found: char,
    },
    /// The birth date digits are not a real date.
    #[error("birth date {0} is not a real date")]
    InvalidBirthDate(String),
    /// The birth date is after `today`.
    #[error("birth date {birth} is after today ({today})")]
    BirthInFuture {
        /// The birth date.
        birth: NaiveDate,
        /// The date it was checked against.
        today: NaiveDate,
    },
}

impl IdNumberError {
    /// The stable error code.
    pub const fn code(&self) -> ErrorCode {
        match self {
            IdNumberError::Empty => ErrorCode::Required,
            IdNumberError::WrongLength(_) => ErrorCode::WrongLength,
            IdNumberError::NotDigit { .. } => ErrorCode::NotDigit,
            IdNumberError::CheckDigit { .. } => ErrorCode::CheckDigit,
            IdNumberError::InvalidBirthDate(_) => ErrorCode::InvalidBirthDate,
            IdNumberError::BirthInFuture { .. } => ErrorCode::FutureDate,
        }
    }

    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            IdNumberError::Empty => "身份证号码为空".to_owned(),
            IdNumberError::WrongLength(n) => format!("身份证号码为{n}位，应为18位（旧号码15位）"),
            IdNumberError::NotDigit { position, ch } => {
                format!("身份证号码第{position}位“{ch}”不是数字")
            }
            IdNumberError::CheckDigit { expected, found } => {
                format!("身份证号码校验码错误（应为{expected}，实为{found}）")
            }
            IdNumberError::InvalidBirthDate(d) => format!("出生日期{d}不是有效日期"),
            IdNumberError::BirthInFuture { birth, today } => {
                format!("出生日期{birth}晚于今天（{today}）")
            }
        }
    }

    /// As a [`FieldError`] on `field`.
    pub fn at(&self, field: impl Into<String>) -> FieldError {
        FieldError::new(field, self.code(), self.to_string(), self.message_zh())
    }
}

/// Normalises a typed or imported number: drops whitespace (including
/// U+3000) and zero-width marks, turns full-width digits and `Ｘ`/`ｘ` into
/// ASCII, and upper-cases `x`.
pub fn normalize(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200B}' | '\u{FEFF}'))
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (u32::from(c) - u32::from('０')) as u8),
            'Ｘ' | 'ｘ' | 'x' => 'X',
            other => other,
        })
        .collect()
}

/// The check character for 17 body digits (ASCII `0`-`9`).
pub fn check_char(body: &[u8; 17]) -> char {
    let sum: u32 = body
        .iter()
        .zip(WEIGHTS)
        .map(|(d, w)| u32::from(d.wrapping_sub(b'0')) * w)
        .sum();
    CHECK_MAP[(sum % 11) as usize]
}

/// A valid 18-character identity number.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdNumber {
    text: String,
    birth: NaiveDate,
}

impl IdNumber {
    /// Normalises, upgrades a 15-digit number, and validates: digits, check
    /// character, a real birth date not after `today`.
    pub fn parse(raw: &str, today: NaiveDate) -> Result<IdNumber, IdNumberError> {
        let id: IdNumber = raw.parse()?;
        if id.birth > today {
            return Err(IdNumberError::BirthInFuture {
                birth: id.birth,
                today,
            });
        }
        Ok(id)
    }

    /// Builds a number from its parts, computing the check character:
    /// `address` must be 6 ASCII digits and `sequence` at most 999.
    pub fn from_parts(
        address: &str,
        birth: NaiveDate,
        sequence: u16,
    ) -> Result<IdNumber, IdNumberError> {
        if address.chars().count() != 6 {
            return Err(IdNumberError::WrongLength(address.chars().count() + 12));
        }
        if sequence > 999 || !(0..=9999).contains(&birth.year()) {
            return Err(IdNumberError::InvalidBirthDate(birth.to_string()));
        }
        let body = format!("{address}{}{sequence:03}", birth.format("%Y%m%d"));
        let bytes = body17(&body)?;
        let mut text = body;
        text.push(check_char(&bytes));
        text.parse()
    }

    /// Upgrades an old 15-digit number: inserts `19` before the 2-digit
    /// year and appends the check character.
    pub fn upgrade_15(raw: &str) -> Result<IdNumber, IdNumberError> {
        let s = normalize(raw);
        let n = s.chars().count();
        if n != 15 {
            return Err(IdNumberError::WrongLength(n));
        }
        check_all_digits(&s, 15)?;
        let body = format!("{}19{}", &s[..6], &s[6..]);
        let bytes = body17(&body)?;
        let mut text = body;
        text.push(check_char(&bytes));
        text.parse()
    }

    /// The 15-digit form (drops the century and the check character), for
    /// matching against old department data; `None` unless born 1900-1999.
    pub fn to_15(&self) -> Option<String> {
        if &self.text[6..8] != "19" {
            return None;
        }
        Some(format!("{}{}", &self.text[..6], &self.text[8..17]))
    }

    /// The number, 18 characters, check character upper-case.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The 6-digit address code (of the place of first registration).
    pub fn address_code(&self) -> &str {
        &self.text[..6]
    }

    /// The birth date.
    pub fn birth_date(&self) -> NaiveDate {
        self.birth
    }

    /// The 3-digit sequence number.
    pub fn sequence(&self) -> u16 {
        self.text[14..17].parse().unwrap_or(0)
    }

    /// Sex: odd sequence is male, even is female.
    pub fn sex(&self) -> Sex {
        if self.sequence() % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in whole years on `date` (0 before birth). Someone born on
    /// 29 February turns a year older on 1 March in common years.
    pub fn age_on(&self, date: NaiveDate) -> u32 {
        age_on(self.birth, date)
    }

    /// The form for public notices: first 6 and last 4 characters, the 8
    /// between as `*` (`110105********1234`).
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.text[..6], &self.text[14..])
    }
}

/// Age in whole years on `date` of someone born on `birth` (0 before birth).
pub fn age_on(birth: NaiveDate, date: NaiveDate) -> u32 {
    if date < birth {
        return 0;
    }
    let mut years = date.year() - birth.year();
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

fn check_all_digits(s: &str, count: usize) -> Result<(), IdNumberError> {
    match s
        .chars()
        .take(count)
        .enumerate()
        .find(|(_, c)| !c.is_ascii_digit())
    {
        Some((i, ch)) => Err(IdNumberError::NotDigit {
            position: i + 1,
            ch,
        }),
        None => Ok(()),
    }
}

fn body17(body: &str) -> Result<[u8; 17], IdNumberError> {
    check_all_digits(body, 17)?;
    let mut bytes = [0u8; 17];
    if body.len() != 17 {
        return Err(IdNumberError::WrongLength(body.chars().count() + 1));
    }
    bytes.copy_from_slice(body.as_bytes());
    Ok(bytes)
}

impl FromStr for IdNumber {
    type Err = IdNumberError;

    /// Like [`IdNumber::parse`] without the "not after today" check.
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let s = normalize(raw);
        let n = s.chars().count();
        match n {
            0 => return Err(IdNumberError::Empty),
            15 => return IdNumber::upgrade_15(&s),
            18 => {}
            _ => return Err(IdNumberError::WrongLength(n)),
        }
        check_all_digits(&s, 17)?;
        let found = s.chars().nth(17).unwrap_or(' ');
        if !(found.is_ascii_digit() || found == 'X') {
            return Err(IdNumberError::NotDigit {
                position: 18,
                ch: found,
            });
        }
        let bytes = body17(&s[..17])?;
        let birth_text = &s[6..14];
        let birth = NaiveDate::parse_from_str(birth_text, "%Y%m%d")
            .map_err(|_| IdNumberError::InvalidBirthDate(birth_text.to_owned()))?;
        let expected = check_char(&bytes);
        if expected != found {
            return Err(IdNumberError::CheckDigit { expected, found });
        }
        Ok(IdNumber { text: s, birth })
    }
}

impl fmt::Debug for IdNumber {
    /// Masked, so numbers do not leak into logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({})", self.masked())
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for IdNumber {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> Deserialize<'de> for IdNumber {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    const TODAY: (i32, u32, u32) = (2025, 11, 20);

    fn today() -> NaiveDate {
        date(TODAY.0, TODAY.1, TODAY.2)
    }

    #[test]
    fn the_standard_example_is_valid() {
        let id = IdNumber::parse("11010519491231002X", today());
        let id = id.ok();
        assert!(id.is_some());
        let Some(id) = id else { return };
        assert_eq!(id.birth_date(), date(1949, 12, 31));
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(id.sequence(), 2);
        assert_eq!(id.address_code(), "110105");
        assert_eq!(id.masked(), "110105********002X");
        assert_eq!(id.age_on(today()), 75);
        assert_eq!(id.to_15().as_deref(), Some("110105491231002"));
    }

    #[test]
    fn normalisation() {
        for raw in [
            "11010519491231002x",
            "１１０１０５１９４９１２３１００２Ｘ",
            " 110105 19491231 002X ",
            "110105\u{3000}19491231002ｘ",
            "\u{FEFF}11010519491231002X",
        ] {
            let id = IdNumber::parse(raw, today());
            assert_eq!(
                id.map(|i| i.as_str().to_owned()),
                Ok("11010519491231002X".to_owned()),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn errors_say_what_is_wrong() {
        let cases: [(&str, IdNumberError); 7] = [
            ("", IdNumberError::Empty),
            ("1101051949123100", IdNumberError::WrongLength(16)),
            (
                "11010519491231002Y",
                IdNumberError::NotDigit {
                    position: 18,
                    ch: 'Y',
                },
            ),
            (
                "1101051949X231002X",
                IdNumberError::NotDigit {
                    position: 11,
                    ch: 'X',
                },
            ),
            (
                "110105194912310021",
                IdNumberError::CheckDigit {
                    expected: 'X',
                    found: '1',
                },
            ),
            (
                "110105194902300021",
                IdNumberError::InvalidBirthDate("19490230".to_owned()),
            ),
            (
                "110105203001010011",
                IdNumberError::BirthInFuture {
                    birth: date(2030, 1, 1),
                    today: today(),
                },
            ),
        ];
        for (raw, expected) in cases {
            let got = IdNumber::parse(raw, today());
            // Make the future-date case's check digit right first.
            if let IdNumberError::BirthInFuture { .. } = expected {
                let fixed = IdNumber::from_parts("110105", date(2030, 1, 1), 1);
                let Ok(fixed) = fixed else {
                    panic!("from_parts failed")
                };
                assert_eq!(IdNumber::parse(fixed.as_str(), today()), Err(expected));
                continue;
            }
            assert_eq!(got, Err(expected), "{raw}");
        }
        assert_eq!(
            IdNumberError::CheckDigit {
                expected: '7',
                found: '3'
            }
            .to_string(),
            "check digit is wrong (expected 7, found 3)"
        );
    }

    #[test]
    fn fifteen_digit_numbers_are_upgraded() {
        let id = IdNumber::parse("110105491231002", today());
        assert_eq!(
            id.map(|i| i.as_str().to_owned()),
            Ok("11010519491231002X".to_owned())
        );
        assert!(IdNumber::parse("110105490231002", today()).is_err());
    }

    #[test]
    fn age_counts_whole_years() {
        let birth = date(2010, 6, 15);
        assert_eq!(age_on(birth, date(2016, 6, 14)), 5);
        assert_eq!(age_on(birth, date(2016, 6, 15)), 6);
        assert_eq!(age_on(birth, date(2009, 1, 1)), 0);
        let leap = date(2008, 2, 29);
        assert_eq!(age_on(leap, date(2009, 2, 28)), 0);
        assert_eq!(age_on(leap, date(2009, 3, 1)), 1);
        assert_eq!(age_on(leap, date(2012, 2, 29)), 4);
    }

    #[test]
    fn debug_is_masked() {
        let Ok(id) = "11010519491231002X".parse::<IdNumber>() else {
            panic!("valid number rejected")
        };
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
    }
}
