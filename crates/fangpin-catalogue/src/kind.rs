//! What a field's value may be, and the check every pushed or saved value passes: the type,
//! its range or length, and its size. Money is integer fen; an optional field may be null.

use serde_json::Value;

use crate::vocab::Vocabulary;

/// The type of a field's value.
#[derive(Debug)]
pub enum Kind {
    /// Text of at most this many characters, without control characters other than newlines.
    Text {
        /// The most characters.
        max_chars: u32,
    },
    /// A whole number in a range.
    Int {
        /// The smallest allowed.
        min: i64,
        /// The largest allowed.
        max: i64,
    },
    /// An amount of money: a whole number of fen (分), never negative, at most [`MAX_FEN`].
    Fen,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// true or false.
    Bool,
    /// A resident identity number (GB 11643), 18 characters, or an old 15-digit one.
    IdNumber,
    /// A 12-digit village-level statistical area code.
    VillageCode,
    /// A 12-digit statistical area code of any level (a township's ends in 000).
    AreaCode,
    /// The UUID of another synced row.
    RowId,
    /// The SHA-256 (64 lower-case hex digits) of an attachment: a photo or a signature.
    Attachment,
    /// One of a vocabulary's values.
    Enum(&'static Vocabulary),
    /// A list of values of one kind, at most this many.
    List(&'static Kind, u16),
    /// An object of the form's shape, checked by the domain type it stands for.
    Object(&'static Shape),
    /// A ledger status `{"round": n, "state": …}`, written only by transitions.
    LedgerStatus,
}

/// An object-valued field's shape: the domain type that checks it.
#[derive(Debug)]
pub struct Shape {
    /// What it is called in docs/household-json.md.
    pub name: &'static str,
    /// Checks a value by reading it as the domain type.
    pub check: fn(&Value) -> Result<(), String>,
}

/// The largest amount of money a field may hold: one billion yuan, in fen.
pub const MAX_FEN: i64 = 100_000_000_000;

/// The most bytes an object-valued field may hold as JSON.
pub const MAX_OBJECT_BYTES: usize = 4 * 1024;

/// The deepest nesting a value may have (the pull answer carrying it adds four levels, and
/// every reader accepts at least 128).
pub const MAX_DEPTH: usize = 16;

/// Why a value does not fit its field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// A stable code: `wrong_type`, `too_long`, `out_of_range`, `not_allowed`, `too_deep`.
    pub code: &'static str,
    /// What is wrong, in English, for logs.
    pub reason: String,
}

impl ValueError {
    fn new(code: &'static str, reason: impl Into<String>) -> Self {
        Self {
            code,
            reason: reason.into(),
        }
    }

    /// The Chinese text for a person.
    pub fn message_zh(&self) -> &'static str {
        match self.code {
            "too_long" => "内容过长",
            "out_of_range" => "数值超出允许范围",
            "not_allowed" => "不是允许的选项",
            "too_deep" => "数据层级过深",
            _ => "数据类型不正确",
        }
    }
}

/// The nesting depth of a value: 0 for a scalar, 1 for a flat array or object.
pub fn depth(v: &Value) -> usize {
    match v {
        Value::Array(a) => 1 + a.iter().map(depth).max().unwrap_or(0),
        Value::Object(o) => 1 + o.values().map(depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Kind {
    /// Checks a value (null is checked by the caller: every field but a row's references may
    /// be null).
    pub fn check(&self, v: &Value) -> Result<(), ValueError> {
        let wrong = |what: &str| Err(ValueError::new("wrong_type", format!("expected {what}")));
        match self {
            Kind::Text { max_chars } => {
                let Some(s) = v.as_str() else {
                    return wrong("text");
                };
                if s.chars().count() > *max_chars as usize {
                    return Err(ValueError::new(
                        "too_long",
                        format!("at most {max_chars} characters"),
                    ));
                }
                if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
                    return Err(ValueError::new(
                        "not_allowed",
                        "control characters are not allowed",
                    ));
                }
                Ok(())
            }
            Kind::Int { min, max } => match v.as_i64() {
                Some(n) if (*min..=*max).contains(&n) => Ok(()),
                Some(_) => Err(ValueError::new(
                    "out_of_range",
                    format!("expected {min} to {max}"),
                )),
                None => wrong("a whole number"),
            },
            Kind::Fen => match v.as_i64() {
                Some(n) if (0..=MAX_FEN).contains(&n) => Ok(()),
                Some(_) => Err(ValueError::new(
                    "out_of_range",
                    format!("expected 0 to {MAX_FEN} fen"),
                )),
                None => wrong("a whole number of fen"),
            },
            Kind::Date => match v.as_str() {
                Some(s)
                    if s.len() == 10
                        && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() =>
                {
                    Ok(())
                }
                _ => wrong("a date YYYY-MM-DD"),
            },
            Kind::Bool => {
                if v.is_boolean() {
                    Ok(())
                } else {
                    wrong("true or false")
                }
            }
            Kind::IdNumber => match v.as_str() {
                Some(s)
                    if s.chars().count() <= 24 && s.parse::<fangpin_domain::IdNumber>().is_ok() =>
                {
                    Ok(())
                }
                _ => wrong("a valid resident identity number"),
            },
            Kind::AreaCode => match v.as_str().map(fangpin_domain::AreaCode::parse) {
                Some(Ok(_)) => Ok(()),
                _ => wrong("a 12-digit area code"),
            },
            Kind::VillageCode => match v.as_str() {
                Some(s)
                    if s.len() == 12
                        && s.bytes().all(|b| b.is_ascii_digit())
                        && !s.ends_with("000") =>
                {
                    Ok(())
                }
                _ => wrong("a 12-digit village code"),
            },
            Kind::RowId => match v.as_str().map(uuid::Uuid::parse_str) {
                Some(Ok(_)) => Ok(()),
                _ => wrong("a row id (UUID)"),
            },
            Kind::Attachment => match v.as_str() {
                Some(s) if is_hex64(s) => Ok(()),
                _ => wrong("an attachment's SHA-256 in lower-case hex"),
            },
            Kind::Enum(vocab) => match v.as_str() {
                Some(s) if vocab.contains(s) => Ok(()),
                Some(_) => Err(ValueError::new(
                    "not_allowed",
                    format!("not one of the values of {}", vocab.name),
                )),
                None => wrong("text"),
            },
            Kind::List(inner, max) => {
                let Some(items) = v.as_array() else {
                    return wrong("a list");
                };
                if items.len() > usize::from(*max) {
                    return Err(ValueError::new(
                        "too_long",
                        format!("at most {max} entries"),
                    ));
                }
                for (i, item) in items.iter().enumerate() {
                    inner.check(item).map_err(|e| ValueError {
                        code: e.code,
                        reason: format!("entry {i}: {}", e.reason),
                    })?;
                }
                Ok(())
            }
            Kind::Object(shape) => {
                if !v.is_object() {
                    return wrong("an object");
                }
                let bytes = serde_json::to_vec(v).map_or(usize::MAX, |b| b.len());
                if bytes > MAX_OBJECT_BYTES {
                    return Err(ValueError::new(
                        "too_long",
                        format!("at most {MAX_OBJECT_BYTES} bytes"),
                    ));
                }
                (shape.check)(v).map_err(|e| ValueError::new("wrong_type", e))
            }
            Kind::LedgerStatus => serde_json::from_value::<fangpin_sync::LedgerStatus>(v.clone())
                .map(drop)
                .map_err(|e| ValueError::new("wrong_type", e.to_string())),
        }
    }

    /// How the data dictionary describes the type.
    pub fn describe(&self) -> String {
        match self {
            Kind::Text { max_chars } => format!("text, at most {max_chars} characters"),
            Kind::Int { min, max } => format!("integer, {min} to {max}"),
            Kind::Fen => "integer fen (分), 0 or more".into(),
            Kind::Date => "date `YYYY-MM-DD`".into(),
            Kind::Bool => "true or false".into(),
            Kind::IdNumber => "identity number (GB 11643)".into(),
            Kind::VillageCode => "12-digit village code".into(),
            Kind::AreaCode => "12-digit area code".into(),
            Kind::RowId => "row id (UUID)".into(),
            Kind::Attachment => "attachment SHA-256".into(),
            Kind::Enum(v) => format!("one of {} ({})", v.label_zh, v.name),
            Kind::List(inner, max) => format!("list of at most {max}: {}", inner.describe()),
            Kind::Object(s) => format!("object `{}`", s.name),
            Kind::LedgerStatus => "ledger status `{round, state}`".into(),
        }
    }

    /// The TypeScript type of a value.
    pub fn typescript(&self) -> String {
        match self {
            Kind::Int { .. } | Kind::Fen => "number".into(),
            Kind::Bool => "boolean".into(),
            Kind::Enum(v) => v
                .entries
                .iter()
                .map(|(value, _)| format!("'{value}'"))
                .collect::<Vec<_>>()
                .join(" | "),
            Kind::List(inner, _) => format!("Array<{}>", inner.typescript()),
            Kind::Object(_) => "Record<string, unknown>".into(),
            Kind::LedgerStatus => "{ round: number; state: string }".into(),
            _ => "string".into(),
        }
    }
}

/// Reads a value as the domain type `T`, naming what does not fit.
pub fn shaped<T: serde::de::DeserializeOwned>(v: &Value) -> Result<(), String> {
    serde_json::from_value::<T>(v.clone())
        .map(drop)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static RISKS: Kind = Kind::Enum(&crate::vocab::RISK_TYPES);

    #[test]
    fn each_kind_takes_its_values_and_refuses_others() {
        let cases: &[(Kind, Value, Result<(), &str>)] = &[
            (Kind::Text { max_chars: 3 }, json!("三个字"), Ok(())),
            (
                Kind::Text { max_chars: 3 },
                json!("四个字了"),
                Err("too_long"),
            ),
            (
                Kind::Text { max_chars: 9 },
                json!("a\u{0}b"),
                Err("not_allowed"),
            ),
            (Kind::Text { max_chars: 9 }, json!(5), Err("wrong_type")),
            (Kind::Fen, json!(123_456), Ok(())),
            (Kind::Fen, json!(123_456.5), Err("wrong_type")),
            (Kind::Fen, json!(1e300), Err("wrong_type")),
            (Kind::Fen, json!("一千元"), Err("wrong_type")),
            (Kind::Fen, json!(true), Err("wrong_type")),
            (Kind::Fen, json!(-1), Err("out_of_range")),
            (Kind::Fen, json!(MAX_FEN + 1), Err("out_of_range")),
            (Kind::Date, json!("2025-02-29"), Err("wrong_type")),
            (Kind::Date, json!("2024-02-29"), Ok(())),
            (Kind::IdNumber, json!("11010519491231002X"), Ok(())),
            (
                Kind::IdNumber,
                json!("110105194912310021"),
                Err("wrong_type"),
            ),
            (Kind::VillageCode, json!("530325101201"), Ok(())),
            (Kind::VillageCode, json!("530325101000"), Err("wrong_type")),
            (Kind::Attachment, json!("A".repeat(64)), Err("wrong_type")),
            (Kind::Attachment, json!("a".repeat(64)), Ok(())),
            (Kind::Enum(&crate::vocab::SEXES), json!("male"), Ok(())),
            (
                Kind::Enum(&crate::vocab::SEXES),
                json!("男"),
                Err("not_allowed"),
            ),
            (
                Kind::List(&RISKS, 2),
                json!(["01", "03", "09"]),
                Err("too_long"),
            ),
        ];
        for (kind, value, want) in cases {
            let got = kind.check(value).map_err(|e| e.code);
            assert_eq!(got, *want, "{kind:?} {value}");
        }
    }

    #[test]
    fn depth_counts_nesting() {
        assert_eq!(depth(&json!(1)), 0);
        assert_eq!(depth(&json!({"a": [1]})), 2);
    }
}
