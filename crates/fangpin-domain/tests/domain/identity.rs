//! Identity numbers: fixed cases and property tests.

use chrono::NaiveDate;
use fangpin_domain::area::PROVINCE_CODES;
use fangpin_domain::identity::{check_char, normalize};
use fangpin_domain::{IdNumber, IdNumberError, Sex};
use proptest::prelude::*;

use crate::support::{date, today};

#[test]
fn the_documented_example_is_valid_and_masks() {
    let id = IdNumber::parse("11010519491231002X", today()).expect("valid");
    assert_eq!(id.masked(), "110105********002X");
    assert_eq!(id.sex(), Sex::Female);
    assert_eq!(id.birth_date(), date(1949, 12, 31));
    assert_eq!(id.age_on(date(2025, 12, 30)), 75);
    assert_eq!(id.age_on(date(2025, 12, 31)), 76);
}

#[test]
fn check_digit_error_names_expected_and_found() {
    let err = IdNumber::parse("530325197803120314", today()).expect_err("bad check digit");
    assert_eq!(
        err,
        IdNumberError::CheckDigit {
            expected: '3',
            found: '4'
        }
    );
    assert_eq!(
        err.to_string(),
        "check digit is wrong (expected 3, found 4)"
    );
    assert_eq!(err.at("members[1].id_number").field, "members[1].id_number");
    assert!(err.message_zh().contains("校验码"));
}

#[test]
fn a_birth_date_after_today_is_rejected() {
    let tomorrow = today().succ_opt().expect("date");
    let id = IdNumber::from_parts("530325", tomorrow, 11).expect("parts");
    assert!(matches!(
        IdNumber::parse(id.as_str(), today()),
        Err(IdNumberError::BirthInFuture { .. })
    ));
    let born_today = IdNumber::from_parts("530325", today(), 11).expect("parts");
    assert!(IdNumber::parse(born_today.as_str(), today()).is_ok());
}

fn body_strategy() -> impl Strategy<Value = (String, NaiveDate, u16)> {
    let province = prop::sample::select(PROVINCE_CODES.to_vec());
    let start = date(1900, 1, 1);
    let days = (today() - start).num_days();
    (province, 0u32..10_000, 0i64..=days, 0u16..=999).prop_map(move |(p, rest, d, seq)| {
        let birth = start + chrono::Duration::days(d);
        (format!("{p}{rest:04}"), birth, seq)
    })
}

fn valid_number(address: &str, birth: NaiveDate, seq: u16) -> String {
    let body = format!("{address}{}{seq:03}", birth.format("%Y%m%d"));
    let bytes: [u8; 17] = body.as_bytes().try_into().expect("17 digits");
    format!("{body}{}", check_char(&bytes))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn every_generated_number_is_valid((address, birth, seq) in body_strategy()) {
        let text = valid_number(&address, birth, seq);
        let id = IdNumber::parse(&text, today());
        prop_assert!(id.is_ok(), "{text}: {id:?}");
        let id = id.expect("checked");
        prop_assert_eq!(id.as_str(), text.as_str());
        prop_assert_eq!(id.birth_date(), birth);
        prop_assert_eq!(id.sequence(), seq);
        prop_assert_eq!(id.sex(), if seq % 2 == 1 { Sex::Male } else { Sex::Female });
        prop_assert_eq!(id.masked(), format!("{}********{}", &text[..6], &text[14..]));
        // Normalisation of a messy form gives the same number.
        let messy: String = text
            .chars()
            .map(|c| match c {
                '0'..='9' => char::from_u32(u32::from(c) - u32::from('0') + u32::from('０')).unwrap_or(c),
                'X' => 'x',
                other => other,
            })
            .collect();
        let messy = format!("\u{3000}{} {}", &messy[..18], &messy[18..]);
        prop_assert_eq!(normalize(&messy), text.clone());
        prop_assert!(IdNumber::parse(&messy, today()).is_ok());
    }

    #[test]
    fn every_single_character_change_is_rejected(
        (address, birth, seq) in body_strategy(),
        position in 0usize..18,
        replacement in prop::sample::select("0123456789X".chars().collect::<Vec<_>>()),
    ) {
        let text = valid_number(&address, birth, seq);
        let original = text.chars().nth(position).expect("18 chars");
        prop_assume!(original != replacement);
        let mut changed: Vec<char> = text.chars().collect();
        changed[position] = replacement;
        let changed: String = changed.into_iter().collect();
        prop_assert!(IdNumber::parse(&changed, today()).is_err(), "{text} -> {changed} accepted");
        prop_assert!(changed.parse::<IdNumber>().is_err(), "{changed} accepted without date check");
    }

    #[test]
    fn fifteen_digit_upgrade_round_trips(
        (address, birth, seq) in body_strategy(),
    ) {
        prop_assume!(birth.format("%Y").to_string().starts_with("19"));
        let text = valid_number(&address, birth, seq);
        let id = IdNumber::parse(&text, today()).expect("valid");
        let old = id.to_15().expect("born in the 1900s");
        prop_assert_eq!(old.len(), 15);
        let upgraded = IdNumber::upgrade_15(&old).expect("upgrades");
        prop_assert_eq!(upgraded.as_str(), text.as_str());
        prop_assert_eq!(IdNumber::parse(&old, today()).map(|i| i.as_str().to_owned()), Ok(text));
    }
}
