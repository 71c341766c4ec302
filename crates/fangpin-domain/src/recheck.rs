//! The township's re-check (回访核查): which households of a village are drawn for a second
//! visit, and the record of what one re-check found.
//!
//! # The sample
//!
//! [`draw`] picks `max(⌈share × n⌉, min_count)` households of a village's `n` (capped at `n`,
//! see [`sample_size`]), favouring households at risk by a weight. It is reproducible from the
//! seed alone: the same seed and the same set of candidates give the same list on every
//! machine, in every Rust version, whatever order the candidates come in.
//!
//! Each candidate gets a 64-bit key: the largest of `w` hashes [`draw_hash`]`(seed, id, i)` for
//! `i` in `0..w`, where `w` is the risk weight for a household at risk and 1 otherwise. The
//! households with the largest keys are drawn, largest first (the order to visit), ties broken
//! by id. The maximum of `w` independent uniforms is distributed as `U^(1/w)`, so this is
//! Efraimidis–Spirakis weighted sampling without replacement, done without floats.
//!
//! The hash is written out here, not borrowed: FNV-1a (64-bit) over the id's UTF-8 bytes,
//! mixed with the seed and `i` through SplitMix64's finaliser ([`mix64`]). Neither `rand` nor
//! std's `DefaultHasher` is used, as their output may change between versions.
//!
//! # The result
//!
//! [`RecheckResult`] is the synced record of one re-check: when, by whom, whether the
//! screening agrees with what was found, and which form fields differ.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::field_error::{ErrorCode, FieldError, FieldErrors};
use crate::money::BasisPoints;

/// The largest risk weight [`draw`] honours; larger weights count as this one (each unit of
/// weight costs one hash per household at risk).
pub const MAX_RISK_WEIGHT: u32 = 100;

/// How many households of each village the township re-checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SampleSettings {
    /// Share of the village's households drawn, rounded up (default 1000 = 10%).
    pub share_bp: BasisPoints,
    /// Fewest households drawn per village, when it has that many (default 5).
    pub min_count: u32,
    /// How many times as likely a household at risk is to be drawn as another (default 3;
    /// 1 = unweighted; 0 counts as 1, above [`MAX_RISK_WEIGHT`] as that).
    pub risk_weight: u32,
}

impl Default for SampleSettings {
    /// 10% per village, at least 5, households at risk weighted 3.
    fn default() -> Self {
        SampleSettings {
            share_bp: BasisPoints(1_000),
            min_count: 5,
            risk_weight: 3,
        }
    }
}

impl SampleSettings {
    /// Checks the share (at most 10000 = 100%) and the risk weight (1 to
    /// [`MAX_RISK_WEIGHT`]); collects every problem.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.share_bp > BasisPoints::ONE {
            errors.push(FieldError::new(
                "share_bp",
                ErrorCode::OutOfRange,
                "must be at most 10000 (100%)",
                "抽查比例不得超过100%",
            ));
        }
        if self.risk_weight == 0 || self.risk_weight > MAX_RISK_WEIGHT {
            errors.push(FieldError::new(
                "risk_weight",
                ErrorCode::OutOfRange,
                format!("must be between 1 and {MAX_RISK_WEIGHT}"),
                format!("风险户权重须在1至{MAX_RISK_WEIGHT}之间"),
            ));
        }
        errors.into_result(())
    }

    /// The weight actually used for a household at risk: `risk_weight` within
    /// `1..=MAX_RISK_WEIGHT`.
    pub fn effective_risk_weight(&self) -> u32 {
        self.risk_weight.clamp(1, MAX_RISK_WEIGHT)
    }
}

/// One household that may be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// The household's row id.
    pub id: String,
    /// Whether the screening found the household at risk (weighted by
    /// [`SampleSettings::risk_weight`]).
    pub at_risk: bool,
}

/// How many households [`draw`] picks from `candidates` distinct households:
/// `max(⌈share_bp × candidates / 10000⌉, min_count)`, at most `candidates`.
pub fn sample_size(settings: &SampleSettings, candidates: usize) -> usize {
    let n = candidates as u128;
    let by_share = (n * u128::from(settings.share_bp.get())).div_ceil(10_000);
    let wanted = by_share.max(u128::from(settings.min_count));
    // `wanted.min(n)` fits in usize because `n` came from one.
    usize::try_from(wanted.min(n)).unwrap_or(candidates)
}

/// The households drawn in one village: reproducible from the seed alone (independent of the
/// candidates' input order), [`sample_size`] of them, weighted to households at risk by
/// [`SampleSettings::risk_weight`]. Returns row ids, largest key first (the order to visit).
///
/// Candidates with the same id count once, at risk if any of them is.
pub fn draw(seed: u64, settings: &SampleSettings, candidates: &[Candidate]) -> Vec<String> {
    let mut distinct: BTreeMap<&str, bool> = BTreeMap::new();
    for c in candidates {
        *distinct.entry(c.id.as_str()).or_insert(false) |= c.at_risk;
    }
    let weight = settings.effective_risk_weight();
    let mut keyed: Vec<(u64, &str)> = distinct
        .iter()
        .map(|(&id, &at_risk)| {
            let w = if at_risk { weight } else { 1 };
            let key = (0..w).map(|i| draw_hash(seed, id, i)).max().unwrap_or(0);
            (key, id)
        })
        .collect();
    // Largest key first; equal keys by id, ascending.
    keyed.sort_unstable_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
    keyed.truncate(sample_size(settings, distinct.len()));
    keyed.into_iter().map(|(_, id)| id.to_owned()).collect()
}

/// FNV-1a, 64-bit: offset basis `0xcbf29ce484222325`, prime `0x100000001b3`, over `bytes`.
pub const fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        i += 1;
    }
    hash
}

/// SplitMix64's finaliser (Steele, Lea and Flood; the output function of `splitmix64`):
/// `z ^= z >> 30; z *= 0xbf58476d1ce4e5b9; z ^= z >> 27; z *= 0x94d049bb133111eb;
/// z ^= z >> 31`, with wrapping multiplication.
pub const fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// SplitMix64's increment, the 64-bit golden ratio `0x9e3779b97f4a7c15`.
const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// The `i`-th 64-bit hash of a household for the sample drawn with `seed`:
/// `mix64(mix64(fnv1a64(id) ^ mix64(seed + G)) + (i + 1) × G)` with `G` = `0x9e3779b97f4a7c15`
/// and wrapping arithmetic. Part of the sample's contract: changing it changes every draw.
pub const fn draw_hash(seed: u64, id: &str, i: u32) -> u64 {
    let base = mix64(fnv1a64(id.as_bytes()) ^ mix64(seed.wrapping_add(GOLDEN)));
    mix64(base.wrapping_add((i as u64 + 1).wrapping_mul(GOLDEN)))
}

/// The longest re-checker's name, in characters.
pub const MAX_CHECKED_BY: usize = 64;
/// The most differing fields one result may name.
pub const MAX_DIFFERING_FIELDS: usize = 50;
/// The longest field name in [`RecheckResult::differing_fields`], in characters.
pub const MAX_FIELD_NAME: usize = 100;
/// The longest note, in characters.
pub const MAX_NOTE: usize = 1000;

/// The synced record of one re-check's result (回访核查结果).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RecheckResult {
    /// The day of the re-check.
    pub checked_on: NaiveDate,
    /// The re-checker's name, 1 to [`MAX_CHECKED_BY`] characters.
    pub checked_by: String,
    /// Whether the screening agrees with what the re-check found.
    pub agrees: bool,
    /// The form's field names that differ (`"phone"`, `"members[2].health"` …), at most
    /// [`MAX_DIFFERING_FIELDS`]; non-empty exactly when the screening does not agree.
    #[serde(default)]
    pub differing_fields: Vec<String>,
    /// Free text, at most [`MAX_NOTE`] characters.
    #[serde(default)]
    pub note: String,
}

impl RecheckResult {
    /// Checks the name, the differing fields (each named once, none empty, present exactly
    /// when the screening does not agree) and the lengths; collects every problem.
    pub fn validate(&self) -> Result<(), FieldErrors> {
        let mut errors = FieldErrors::new();
        if self.checked_by.trim().is_empty() {
            errors.push(FieldError::new(
                "checked_by",
                ErrorCode::Required,
                "the re-checker's name is required",
                "须填写核查人",
            ));
        } else if self.checked_by.chars().count() > MAX_CHECKED_BY {
            errors.push(FieldError::new(
                "checked_by",
                ErrorCode::WrongLength,
                format!("at most {MAX_CHECKED_BY} characters"),
                format!("核查人不超过{MAX_CHECKED_BY}个字"),
            ));
        }

        let fields = &self.differing_fields;
        if self.agrees && !fields.is_empty() {
            errors.push(FieldError::new(
                "differing_fields",
                ErrorCode::Inconsistent,
                "the screening agrees, so no field may be named as differing",
                "核查结果为一致，不应列出不一致的项目",
            ));
        }
        if !self.agrees && fields.is_empty() {
            errors.push(FieldError::new(
                "differing_fields",
                ErrorCode::Required,
                "name at least one field that differs",
                "核查结果为不一致，须列出不一致的项目",
            ));
        }
        if fields.len() > MAX_DIFFERING_FIELDS {
            errors.push(FieldError::new(
                "differing_fields",
                ErrorCode::TooMany,
                format!("at most {MAX_DIFFERING_FIELDS} fields"),
                format!("不一致的项目不超过{MAX_DIFFERING_FIELDS}项"),
            ));
        }
        for (i, field) in fields.iter().enumerate() {
            let path = format!("differing_fields[{i}]");
            if field.trim().is_empty() {
                errors.push(FieldError::new(
                    path,
                    ErrorCode::Required,
                    "a field name is required",
                    "项目名称不能为空",
                ));
            } else if field.chars().count() > MAX_FIELD_NAME {
                errors.push(FieldError::new(
                    path,
                    ErrorCode::WrongLength,
                    format!("at most {MAX_FIELD_NAME} characters"),
                    format!("项目名称不超过{MAX_FIELD_NAME}个字符"),
                ));
            } else if fields[..i].contains(field) {
                errors.push(FieldError::new(
                    path,
                    ErrorCode::Duplicate,
                    format!("{field:?} is named twice"),
                    format!("项目“{field}”重复"),
                ));
            }
        }

        if self.note.chars().count() > MAX_NOTE {
            errors.push(FieldError::new(
                "note",
                ErrorCode::WrongLength,
                format!("at most {MAX_NOTE} characters"),
                format!("备注不超过{MAX_NOTE}个字"),
            ));
        }
        errors.into_result(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidates(risk: usize, other: usize) -> Vec<Candidate> {
        (0..risk + other)
            .map(|i| Candidate {
                id: format!("h{i:03}"),
                at_risk: i < risk,
            })
            .collect()
    }

    fn settings(share_bp: u32, min_count: u32, risk_weight: u32) -> SampleSettings {
        SampleSettings {
            share_bp: BasisPoints(share_bp),
            min_count,
            risk_weight,
        }
    }

    #[test]
    fn hash_functions_match_their_published_definitions() {
        // FNV-1a 64 test vectors from the reference implementation.
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        // splitmix64 seeded with 0: its first output is mix64(0 + GOLDEN).
        assert_eq!(mix64(GOLDEN), 0xe220_a839_7b1d_cdaf);
        assert_eq!(mix64(GOLDEN.wrapping_mul(2)), 0x6e78_9e6a_a1b9_65f4);
    }

    #[test]
    fn draw_is_pinned_across_versions() {
        // Frozen output: a change here changes every village's sample.
        let drawn = draw(20_260_101, &SampleSettings::default(), &candidates(4, 16));
        assert_eq!(drawn, PINNED);
    }

    const PINNED: [&str; 5] = ["h003", "h011", "h014", "h018", "h001"];

    #[test]
    fn same_seed_same_list_whatever_the_input_order() {
        let s = SampleSettings::default();
        let mut c = candidates(20, 80);
        let first = draw(7, &s, &c);
        assert_eq!(first.len(), 10);
        assert_eq!(draw(7, &s, &c), first);
        c.reverse();
        assert_eq!(draw(7, &s, &c), first);
        // A fixed, seed-independent shuffle: rotate and interleave.
        c.rotate_left(37);
        let (even, odd): (Vec<_>, Vec<_>) =
            c.into_iter().enumerate().partition(|(i, _)| i % 2 == 0);
        let shuffled: Vec<Candidate> = odd.into_iter().chain(even).map(|(_, c)| c).collect();
        assert_eq!(draw(7, &s, &shuffled), first);
    }

    #[test]
    fn a_different_seed_gives_a_different_list() {
        let s = SampleSettings::default();
        let c = candidates(20, 80);
        let a = draw(1, &s, &c);
        let b = draw(2, &s, &c);
        assert_eq!((a.len(), b.len()), (10, 10));
        assert_ne!(a, b);
        let mut a_sorted = a.clone();
        let mut b_sorted = b.clone();
        a_sorted.sort();
        b_sorted.sort();
        assert_ne!(
            a_sorted, b_sorted,
            "different seeds should draw different households"
        );
    }

    #[test]
    fn drawn_ids_are_distinct_candidates_in_key_order() {
        let s = settings(10_000, 0, 3);
        let mut c = candidates(3, 7);
        c.push(Candidate {
            id: "h005".to_owned(),
            at_risk: true,
        });
        c.push(c[0].clone());
        let drawn = draw(99, &s, &c);
        assert_eq!(drawn.len(), 10, "duplicates count once");
        let mut sorted = drawn.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 10);
        // Visiting order is by key, descending; h005 counts as at risk (weight 3).
        let key = |id: &str| {
            let w = if ["h000", "h001", "h002", "h005"].contains(&id) {
                3
            } else {
                1
            };
            (0..w).map(|i| draw_hash(99, id, i)).max().unwrap_or(0)
        };
        let keys: Vec<u64> = drawn.iter().map(|id| key(id)).collect();
        assert!(keys.windows(2).all(|w| w[0] >= w[1]), "{keys:?}");
        // Duplicates in any order give the same list.
        let mut reversed = c.clone();
        reversed.reverse();
        assert_eq!(draw(99, &s, &reversed), drawn);
    }

    #[test]
    fn sample_size_at_its_boundaries() {
        let s = SampleSettings::default(); // 10%, at least 5
        assert_eq!(sample_size(&s, 0), 0);
        assert!(draw(1, &s, &[]).is_empty());
        // Fewer households than min_count: all of them.
        assert_eq!(sample_size(&s, 1), 1);
        assert_eq!(sample_size(&s, 4), 4);
        assert_eq!(sample_size(&s, 5), 5);
        assert_eq!(draw(1, &s, &candidates(1, 2)).len(), 3);
        // min_count dominates until 10% exceeds 5.
        assert_eq!(sample_size(&s, 50), 5);
        // 10% of 51 is 5.1: rounded up to 6.
        assert_eq!(sample_size(&s, 51), 6);
        assert_eq!(sample_size(&s, 60), 6);
        assert_eq!(sample_size(&s, 61), 7);
        assert_eq!(sample_size(&s, 1000), 100);
        // Share alone, rounded up: 1 bp of 1 household is 1.
        assert_eq!(sample_size(&settings(1, 0, 1), 1), 1);
        assert_eq!(sample_size(&settings(0, 0, 1), 100), 0);
        // Above 100% is capped at n.
        assert_eq!(sample_size(&settings(20_000, 0, 1), 7), 7);
        assert_eq!(
            sample_size(&settings(u32::MAX, u32::MAX, 1), usize::MAX),
            usize::MAX
        );
        assert_eq!(sample_size(&settings(0, u32::MAX, 1), 12), 12);
    }

    fn risk_share_percent(risk_weight: u32) -> u64 {
        let s = settings(1_000, 5, risk_weight);
        let c = candidates(20, 80);
        let (mut risk, mut total) = (0u64, 0u64);
        for seed in 0..200 {
            let drawn = draw(seed, &s, &c);
            assert_eq!(drawn.len(), 10);
            total += drawn.len() as u64;
            risk += drawn.iter().filter(|id| id.as_str() < "h020").count() as u64;
        }
        risk * 100 / total
    }

    #[test]
    fn risk_households_are_drawn_more_often_with_weight() {
        // 20 of 100 households at risk: with weight 3 the first draw is one of them with
        // probability 60/140 ≈ 43%; without weight, 20%.
        let weighted = risk_share_percent(3);
        assert!(weighted > 35, "weight 3: {weighted}% of draws at risk");
        let unweighted = risk_share_percent(1);
        assert!(
            (12..=28).contains(&unweighted),
            "weight 1: {unweighted}% of draws at risk"
        );
    }

    #[test]
    fn extreme_weights_are_bounded() {
        let c = candidates(2, 8);
        let zero = draw(5, &settings(10_000, 0, 0), &c);
        let one = draw(5, &settings(10_000, 0, 1), &c);
        assert_eq!(zero, one, "weight 0 counts as 1");
        let huge = draw(5, &settings(10_000, 0, u32::MAX), &c);
        let max = draw(5, &settings(10_000, 0, MAX_RISK_WEIGHT), &c);
        assert_eq!(huge, max, "weights above the maximum count as the maximum");
    }

    #[test]
    fn sample_settings_serde_and_validation() {
        let s: SampleSettings = serde_json::from_str("{}").unwrap();
        assert_eq!(s, SampleSettings::default());
        let s: SampleSettings = serde_json::from_str(r#"{"risk_weight":1}"#).unwrap();
        assert_eq!(s.share_bp, BasisPoints(1_000));
        assert!(serde_json::from_str::<SampleSettings>(r#"{"weight":1}"#).is_err());
        assert!(SampleSettings::default().validate().is_ok());
        let e = settings(10_001, 5, 0).validate().unwrap_err();
        assert!(e.has("share_bp") && e.has("risk_weight"), "{e}");
    }

    fn result() -> RecheckResult {
        RecheckResult {
            checked_on: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
            checked_by: "王芳".to_owned(),
            agrees: false,
            differing_fields: vec!["phone".to_owned(), "members[2].health".to_owned()],
            note: "户主电话已更换".to_owned(),
        }
    }

    fn codes(r: &RecheckResult) -> Vec<(String, ErrorCode)> {
        match r.validate() {
            Ok(()) => Vec::new(),
            Err(e) => e.into_iter().map(|e| (e.field, e.code)).collect(),
        }
    }

    fn one(field: &str, code: ErrorCode) -> Vec<(String, ErrorCode)> {
        vec![(field.to_owned(), code)]
    }

    #[test]
    fn a_valid_result_passes() {
        assert_eq!(result().validate(), Ok(()));
        let agreeing = RecheckResult {
            agrees: true,
            differing_fields: Vec::new(),
            note: String::new(),
            ..result()
        };
        assert_eq!(agreeing.validate(), Ok(()));
        let name = "名".repeat(MAX_CHECKED_BY);
        let note = "字".repeat(MAX_NOTE);
        let longest = RecheckResult {
            checked_by: name,
            note,
            differing_fields: (0..MAX_DIFFERING_FIELDS).map(|i| format!("f{i}")).collect(),
            ..result()
        };
        assert_eq!(longest.validate(), Ok(()));
    }

    #[test]
    fn result_errors_name_the_field() {
        let r = RecheckResult {
            checked_by: "  ".to_owned(),
            ..result()
        };
        assert_eq!(codes(&r), one("checked_by", ErrorCode::Required));
        let r = RecheckResult {
            checked_by: "名".repeat(MAX_CHECKED_BY + 1),
            ..result()
        };
        assert_eq!(codes(&r), one("checked_by", ErrorCode::WrongLength));
        let r = RecheckResult {
            differing_fields: Vec::new(),
            ..result()
        };
        assert_eq!(codes(&r), one("differing_fields", ErrorCode::Required));
        let r = RecheckResult {
            agrees: true,
            ..result()
        };
        assert_eq!(codes(&r), one("differing_fields", ErrorCode::Inconsistent));
        let r = RecheckResult {
            differing_fields: (0..=MAX_DIFFERING_FIELDS)
                .map(|i| format!("f{i}"))
                .collect(),
            ..result()
        };
        assert_eq!(codes(&r), one("differing_fields", ErrorCode::TooMany));
        let r = RecheckResult {
            differing_fields: vec![
                "phone".to_owned(),
                " ".to_owned(),
                "phone".to_owned(),
                "x".repeat(MAX_FIELD_NAME + 1),
            ],
            ..result()
        };
        assert_eq!(
            codes(&r),
            vec![
                ("differing_fields[1]".to_owned(), ErrorCode::Required),
                ("differing_fields[2]".to_owned(), ErrorCode::Duplicate),
                ("differing_fields[3]".to_owned(), ErrorCode::WrongLength),
            ]
        );
        let r = RecheckResult {
            note: "字".repeat(MAX_NOTE + 1),
            ..result()
        };
        let e = r.validate().unwrap_err();
        assert_eq!(e.len(), 1);
        let e = e.iter().next().unwrap();
        assert_eq!((e.field.as_str(), e.code), ("note", ErrorCode::WrongLength));
        assert!(e.message_zh.contains("备注"));
    }

    #[test]
    fn result_serde_is_strict() {
        let json = serde_json::json!({
            "checked_on": "2026-03-09",
            "checked_by": "王芳",
            "agrees": true,
        });
        let r: RecheckResult = serde_json::from_value(json).unwrap();
        assert!(r.differing_fields.is_empty() && r.note.is_empty());
        let back = serde_json::to_value(&r).unwrap();
        assert_eq!(back["checked_on"], "2026-03-09");
        assert_eq!(serde_json::from_value::<RecheckResult>(back).unwrap(), r);
        let extra = serde_json::json!({
            "checked_on": "2026-03-09", "checked_by": "王芳", "agrees": true, "score": 1,
        });
        assert!(serde_json::from_value::<RecheckResult>(extra).is_err());
        let missing = serde_json::json!({ "checked_on": "2026-03-09", "checked_by": "王芳" });
        assert!(serde_json::from_value::<RecheckResult>(missing).is_err());
    }
}
