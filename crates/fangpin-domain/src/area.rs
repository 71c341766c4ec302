//! Statistical area codes (统计用区划代码) and village groups (组).
//!
//! A code has 12 digits: province 2, prefecture 2, county 2, township 3,
//! village 3. Its level is the deepest non-zero segment; once a segment is
//! all zeros, every later one must be too. Codes change yearly, so a code
//! is kept with its version year ([`VersionedArea`]).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::field_error::{ErrorCode, FieldError};

/// The real province-level codes (31 provinces plus 台湾, 香港, 澳门).
pub const PROVINCE_CODES: [&str; 34] = [
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37", "41",
    "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65", "71",
    "81", "82",
];

/// Whether `code` is one of [`PROVINCE_CODES`].
pub fn is_province_code(code: &str) -> bool {
    PROVINCE_CODES.contains(&code)
}

/// The five levels of a statistical area code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AreaLevel {
    /// 省级 (digits 1-2).
    Province,
    /// 地级 (digits 3-4).
    Prefecture,
    /// 县级 (digits 5-6).
    County,
    /// 乡级 (digits 7-9).
    Township,
    /// 村级 (digits 10-12).
    Village,
}

impl AreaLevel {
    /// All levels, from the top.
    pub const ALL: [AreaLevel; 5] = [
        AreaLevel::Province,
        AreaLevel::Prefecture,
        AreaLevel::County,
        AreaLevel::Township,
        AreaLevel::Village,
    ];

    /// Number of significant digits of a code at this level.
    pub const fn digits(self) -> usize {
        match self {
            AreaLevel::Province => 2,
            AreaLevel::Prefecture => 4,
            AreaLevel::County => 6,
            AreaLevel::Township => 9,
            AreaLevel::Village => 12,
        }
    }

    /// The byte range of this level's own segment.
    const fn segment(self) -> std::ops::Range<usize> {
        match self {
            AreaLevel::Province => 0..2,
            AreaLevel::Prefecture => 2..4,
            AreaLevel::County => 4..6,
            AreaLevel::Township => 6..9,
            AreaLevel::Village => 9..12,
        }
    }

    /// Chinese name of the level.
    pub const fn name_zh(self) -> &'static str {
        match self {
            AreaLevel::Province => "省级",
            AreaLevel::Prefecture => "地级",
            AreaLevel::County => "县级",
            AreaLevel::Township => "乡级",
            AreaLevel::Village => "村级",
        }
    }

    /// English name of the level.
    pub const fn name(self) -> &'static str {
        match self {
            AreaLevel::Province => "province",
            AreaLevel::Prefecture => "prefecture",
            AreaLevel::County => "county",
            AreaLevel::Township => "township",
            AreaLevel::Village => "village",
        }
    }
}

/// Why a string is not a valid area code (or area prefix).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AreaCodeError {
    /// Not 12 characters (or, for a prefix, not 0, 2, 4, 6, 9 or 12).
    #[error("has {found} characters, expected {expected}")]
    WrongLength {
        /// Characters found.
        found: usize,
        /// What was expected, in words.
        expected: &'static str,
    },
    /// A character is not an ASCII digit.
    #[error("character {ch:?} at position {position} is not a digit")]
    NotDigit {
        /// 1-based position.
        position: usize,
        /// The character.
        ch: char,
    },
    /// The first two digits are not a province.
    #[error("{0:?} is not a province code")]
    UnknownProvince(String),
    /// A level below a zero level is not zero.
    #[error("the {zero} level is zero but the {nonzero} level is not")]
    NonZeroAfterZeroLevel {
        /// The zero level.
        zero: &'static str,
        /// The later non-zero level.
        nonzero: &'static str,
    },
}

impl AreaCodeError {
    /// The stable error code.
    pub const fn code(&self) -> ErrorCode {
        match self {
            AreaCodeError::WrongLength { .. } => ErrorCode::WrongLength,
            AreaCodeError::NotDigit { .. } => ErrorCode::NotDigit,
            AreaCodeError::UnknownProvince(_) => ErrorCode::UnknownProvince,
            AreaCodeError::NonZeroAfterZeroLevel { .. } => ErrorCode::NonZeroAfterZeroLevel,
        }
    }

    /// The message in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            AreaCodeError::WrongLength { found, expected } => {
                format!("区划代码长度为{found}位，应为{expected}位")
            }
            AreaCodeError::NotDigit { position, ch } => {
                format!("区划代码第{position}位“{ch}”不是数字")
            }
            AreaCodeError::UnknownProvince(p) => format!("“{p}”不是有效的省级代码"),
            AreaCodeError::NonZeroAfterZeroLevel { zero, nonzero } => {
                format!(
                    "{}代码为零，但其下的{}代码不为零",
                    zh_level(zero),
                    zh_level(nonzero)
                )
            }
        }
    }

    /// As a [`FieldError`] on `field`.
    pub fn at(&self, field: impl Into<String>) -> FieldError {
        FieldError::new(field, self.code(), self.to_string(), self.message_zh())
    }
}

fn zh_level(name: &str) -> &'static str {
    AreaLevel::ALL
        .iter()
        .find(|l| l.name() == name)
        .map_or("", |l| l.name_zh())
}

/// A valid 12-digit statistical area code.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AreaCode([u8; 12]);

impl AreaCode {
    /// Parses and validates a 12-digit code.
    pub fn parse(s: &str) -> Result<AreaCode, AreaCodeError> {
        let found = s.chars().count();
        if found != 12 {
            return Err(AreaCodeError::WrongLength {
                found,
                expected: "12",
            });
        }
        check_digits(s)?;
        let mut bytes = [0u8; 12];
        bytes.copy_from_slice(s.as_bytes());
        check_province(&s[..2])?;
        check_zero_levels(&bytes, AreaLevel::Village)?;
        Ok(AreaCode(bytes))
    }

    /// The code as a string.
    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("")
    }

    /// The level: the deepest non-zero segment.
    pub fn level(&self) -> AreaLevel {
        let mut level = AreaLevel::Province;
        for l in AreaLevel::ALL {
            if self.0[l.segment()].iter().any(|&b| b != b'0') {
                level = l;
            }
        }
        level
    }

    /// The significant digits (e.g. `53` for a province, `530325101201`
    /// for a village): the prefix every code inside this area starts with.
    pub fn prefix(&self) -> &str {
        &self.as_str()[..self.level().digits()]
    }

    /// The code of the enclosing area, or `None` for a province.
    pub fn parent(&self) -> Option<AreaCode> {
        let level = self.level();
        if level == AreaLevel::Province {
            return None;
        }
        let mut bytes = self.0;
        for b in &mut bytes[level.segment()] {
            *b = b'0';
        }
        Some(AreaCode(bytes))
    }

    /// The enclosing areas, nearest first.
    pub fn ancestors(&self) -> Vec<AreaCode> {
        let mut out = Vec::new();
        let mut current = self.parent();
        while let Some(code) = current {
            current = code.parent();
            out.push(code);
        }
        out
    }

    /// The province code (first two digits).
    pub fn province(&self) -> &str {
        &self.as_str()[..2]
    }

    /// Whether this code lies inside (or is) the area given by `prefix`
    /// (an empty prefix covers everything).
    pub fn is_within(&self, prefix: &str) -> bool {
        self.as_str().starts_with(prefix)
    }
}

impl fmt::Debug for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AreaCode({})", self.as_str())
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for AreaCode {
    type Err = AreaCodeError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        AreaCode::parse(s)
    }
}

impl TryFrom<String> for AreaCode {
    type Error = AreaCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AreaCode::parse(&s)
    }
}

impl From<AreaCode> for String {
    fn from(code: AreaCode) -> String {
        code.as_str().to_owned()
    }
}

impl Serialize for AreaCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for AreaCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AreaCode::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// Validates an area prefix as used by policy settings: empty (everywhere),
/// or the significant digits of a province, prefecture, county, township
/// or village code (2, 4, 6, 9 or 12 digits) with no zero level followed
/// by a non-zero one.
pub fn validate_area_prefix(prefix: &str) -> Result<(), AreaCodeError> {
    let found = prefix.chars().count();
    if !matches!(found, 0 | 2 | 4 | 6 | 9 | 12) {
        return Err(AreaCodeError::WrongLength {
            found,
            expected: "0, 2, 4, 6, 9 or 12",
        });
    }
    if found == 0 {
        return Ok(());
    }
    check_digits(prefix)?;
    check_province(&prefix[..2])?;
    let mut bytes = [b'0'; 12];
    bytes[..found].copy_from_slice(prefix.as_bytes());
    let deepest = AreaLevel::ALL
        .into_iter()
        .find(|l| l.digits() == found)
        .unwrap_or(AreaLevel::Village);
    check_zero_levels(&bytes, deepest)
}

fn check_digits(s: &str) -> Result<(), AreaCodeError> {
    match s.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, ch)) => Err(AreaCodeError::NotDigit {
            position: i + 1,
            ch,
        }),
        None => Ok(()),
    }
}

fn check_province(p: &str) -> Result<(), AreaCodeError> {
    if is_province_code(p) {
        Ok(())
    } else {
        Err(AreaCodeError::UnknownProvince(p.to_owned()))
    }
}

fn check_zero_levels(bytes: &[u8; 12], deepest: AreaLevel) -> Result<(), AreaCodeError> {
    let mut zero: Option<AreaLevel> = None;
    for level in AreaLevel::ALL.into_iter().filter(|l| *l <= deepest) {
        let is_zero = bytes[level.segment()].iter().all(|&b| b == b'0');
        match (zero, is_zero) {
            (Some(z), false) => {
                return Err(AreaCodeError::NonZeroAfterZeroLevel {
                    zero: z.name(),
                    nonzero: level.name(),
                })
            }
            (None, true) => zero = Some(level),
            _ => {}
        }
    }
    Ok(())
}

/// An area code with the year of the code table it comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VersionedArea {
    /// The code.
    pub code: AreaCode,
    /// The year of the statistical code table.
    pub version_year: i32,
}

/// A group (组, 村民小组) inside a village.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VillageGroup {
    /// The village's code (village level).
    pub village: AreaCode,
    /// The group's name as used locally, e.g. `3组` or `大村组`.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> AreaCode {
        match AreaCode::parse(s) {
            Ok(c) => c,
            Err(e) => panic!("{s}: {e}"),
        }
    }

    #[test]
    fn levels_and_prefixes() {
        let cases = [
            ("530000000000", AreaLevel::Province, "53"),
            ("530300000000", AreaLevel::Prefecture, "5303"),
            ("530325000000", AreaLevel::County, "530325"),
            ("530325101000", AreaLevel::Township, "530325101"),
            ("530325101201", AreaLevel::Village, "530325101201"),
            ("110101001001", AreaLevel::Village, "110101001001"),
        ];
        for (s, level, prefix) in cases {
            let c = code(s);
            assert_eq!(c.level(), level, "{s}");
            assert_eq!(c.prefix(), prefix, "{s}");
            assert!(c.is_within(prefix));
            assert!(c.is_within(""));
        }
    }

    #[test]
    fn parents_walk_up_to_the_province() {
        let village = code("530325101201");
        let chain: Vec<String> = village.ancestors().iter().map(|c| c.to_string()).collect();
        assert_eq!(
            chain,
            [
                "530325101000",
                "530325000000",
                "530300000000",
                "530000000000"
            ]
        );
        assert_eq!(code("530000000000").parent(), None);
        assert_eq!(village.province(), "53");
    }

    #[test]
    fn invalid_codes_say_why() {
        let cases = [
            ("53032510120", ErrorCode::WrongLength),
            ("5303251012011", ErrorCode::WrongLength),
            ("53032510120a", ErrorCode::NotDigit),
            ("５30325101201", ErrorCode::NotDigit),
            ("100325101201", ErrorCode::UnknownProvince),
            ("000000000000", ErrorCode::UnknownProvince),
            ("900325101201", ErrorCode::UnknownProvince),
            ("530025101201", ErrorCode::NonZeroAfterZeroLevel),
            ("530300101201", ErrorCode::NonZeroAfterZeroLevel),
            ("530325000201", ErrorCode::NonZeroAfterZeroLevel),
        ];
        for (s, expected) in cases {
            match AreaCode::parse(s) {
                Ok(_) => panic!("{s} accepted"),
                Err(e) => assert_eq!(e.code(), expected, "{s}: {e}"),
            }
        }
        let e = AreaCode::parse("53032510120a").err();
        assert_eq!(
            e.map(|e| e.to_string()),
            Some("character 'a' at position 12 is not a digit".to_owned())
        );
    }

    #[test]
    fn every_real_province_is_accepted() {
        for p in PROVINCE_CODES {
            assert!(AreaCode::parse(&format!("{p}0000000000")).is_ok(), "{p}");
        }
        for p in [
            "10", "16", "20", "24", "30", "38", "40", "47", "49", "55", "60", "66", "70", "72",
            "80", "83", "99",
        ] {
            assert!(AreaCode::parse(&format!("{p}0000000000")).is_err(), "{p}");
        }
    }

    #[test]
    fn prefixes() {
        for ok in ["", "53", "5303", "530325", "530325101", "530325101201"] {
            assert_eq!(validate_area_prefix(ok), Ok(()), "{ok}");
        }
        for bad in ["5", "530", "99", "5300250", "530025", "53x3"] {
            assert!(validate_area_prefix(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn serde_round_trip() {
        let c = code("530325101201");
        let json = serde_json::to_string(&c).unwrap_or_default();
        assert_eq!(json, "\"530325101201\"");
        let back: Result<AreaCode, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(c));
        assert!(serde_json::from_str::<AreaCode>("\"530325101\"").is_err());
    }
}
