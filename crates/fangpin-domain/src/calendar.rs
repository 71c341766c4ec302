//! Time limits counted in calendar days or working days (工作日).
//!
//! A [`WorkCalendar`] holds the days off (法定节假日) and the make-up working
//! days (调休上班) as data, since both are published each year; weekends are
//! days off unless listed as make-up working days. [`WorkCalendar::due`] turns
//! a start day and a [`DayLimit`] into the last day the limit allows.
//!
//! Counting starts after the start day: the start day itself is day 0, so a
//! 15-calendar-day limit from 2026-03-01 ends on 2026-03-16, and a
//! 20-working-day limit ends on the 20th working day after the start.
//!
//! No loop runs unbounded: a limit reaches at most [`MAX_SPAN_DAYS`] calendar
//! days past its start, and dates saturate at the ends of the calendar.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::policy::DayLimit;

/// The furthest a limit reaches past its start, in calendar days (about ten
/// years). A longer limit, or a working-day limit that a calendar full of
/// days off cannot fill within this span, ends this many days after the
/// start.
pub const MAX_SPAN_DAYS: u32 = 3660;

/// Days off and make-up working days (调休) as data; weekends are days off
/// unless listed in `workdays`.
///
/// A date listed in both lists is a day off: the data contradicts itself,
/// and the reading that gives the cadre more time is the safer one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkCalendar {
    /// Public holidays and other days off that fall on weekdays (days off on
    /// weekends may be listed too).
    pub holidays: Vec<NaiveDate>,
    /// Make-up working days (调休上班) that fall on weekends.
    pub workdays: Vec<NaiveDate>,
}

impl WorkCalendar {
    /// Whether `d` is a working day: a listed holiday is not; a listed
    /// make-up day is; otherwise Monday to Friday are and weekends are not.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.holidays.contains(&d) {
            false
        } else if self.workdays.contains(&d) {
            true
        } else {
            is_weekday(d)
        }
    }

    /// The last day a limit allows, counted from `start` (the start day
    /// itself is day 0: a 15-calendar-day limit from 2026-03-01 ends
    /// 2026-03-16; a 20-working-day limit ends on the 20th working day after
    /// `start`).
    ///
    /// A limit of 0 days ends on `start`. The result is at most
    /// [`MAX_SPAN_DAYS`] calendar days after `start`, and saturates at the
    /// last date chrono can represent.
    pub fn due(&self, start: NaiveDate, limit: DayLimit) -> NaiveDate {
        let cap = add_days(start, MAX_SPAN_DAYS);
        if !limit.working_days {
            return add_days(start, limit.days.min(MAX_SPAN_DAYS));
        }
        if limit.days == 0 {
            return start;
        }
        let days = Lookup::new(self);
        let mut counted = 0u32;
        let mut d = start;
        for _ in 0..MAX_SPAN_DAYS {
            let Some(next) = d.succ_opt() else {
                return d;
            };
            d = next;
            if days.is_working_day(d) {
                counted += 1;
                if counted == limit.days {
                    return d;
                }
            }
        }
        cap
    }

    /// Whether `on` is past the due day (`on > due`): the due day itself is
    /// not late, the day after is.
    pub fn is_late(&self, start: NaiveDate, limit: DayLimit, on: NaiveDate) -> bool {
        on > self.due(start, limit)
    }

    /// Days counted between two dates in the limit's unit (for display:
    /// "已用 12 个工作日"): the days after `start` up to and including `end`,
    /// all of them or only the working days. 0 when `end` is not after
    /// `start`.
    ///
    /// For a limit that was not capped, `elapsed(start, due(start, limit),
    /// limit.working_days) == limit.days`. Computed arithmetically, so any
    /// span is fast.
    pub fn elapsed(&self, start: NaiveDate, end: NaiveDate, working_days: bool) -> u32 {
        if end <= start {
            return 0;
        }
        let span = (end - start).num_days();
        if !working_days {
            return saturate_u32(span);
        }
        // Weekdays in (start, end]: five per whole week, then the remainder
        // (at most six days) one by one.
        let whole_weeks = span / 7;
        let mut count = whole_weeks * 5;
        let mut d = add_days(start, saturate_u32(whole_weeks * 7));
        while d < end {
            let Some(next) = d.succ_opt() else { break };
            d = next;
            if is_weekday(d) {
                count += 1;
            }
        }
        // Then correct for the listed days inside the span whose status
        // differs from the plain weekday rule.
        let listed: BTreeSet<NaiveDate> = self
            .holidays
            .iter()
            .chain(&self.workdays)
            .copied()
            .filter(|d| start < *d && *d <= end)
            .collect();
        for d in listed {
            match (is_weekday(d), self.is_working_day(d)) {
                (true, false) => count -= 1,
                (false, true) => count += 1,
                _ => {}
            }
        }
        saturate_u32(count)
    }
}

/// The calendar's lists as sets, for the day-by-day walk of [`WorkCalendar::due`].
struct Lookup {
    holidays: BTreeSet<NaiveDate>,
    workdays: BTreeSet<NaiveDate>,
}

impl Lookup {
    fn new(calendar: &WorkCalendar) -> Lookup {
        Lookup {
            holidays: calendar.holidays.iter().copied().collect(),
            workdays: calendar.workdays.iter().copied().collect(),
        }
    }

    /// Same rule as [`WorkCalendar::is_working_day`].
    fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.holidays.contains(&d) {
            false
        } else if self.workdays.contains(&d) {
            true
        } else {
            is_weekday(d)
        }
    }
}

fn is_weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// `d + n` days, saturating at [`NaiveDate::MAX`].
fn add_days(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_days(Days::new(u64::from(n)))
        .unwrap_or(NaiveDate::MAX)
}

fn saturate_u32(n: i64) -> u32 {
    u32::try_from(n.max(0)).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn calendar_days(days: u32) -> DayLimit {
        DayLimit {
            days,
            working_days: false,
        }
    }

    fn working_days(days: u32) -> DayLimit {
        DayLimit {
            days,
            working_days: true,
        }
    }

    /// A National Day week as test data: 2026-10-01 (Thursday) to 10-08 off,
    /// with make-up working days on Sunday 09-27 and Saturday 10-10.
    fn national_day() -> WorkCalendar {
        WorkCalendar {
            holidays: d(2026, 10, 1).iter_days().take(8).collect(),
            workdays: vec![d(2026, 9, 27), d(2026, 10, 10)],
        }
    }

    #[test]
    fn weekends_and_listed_days() {
        let plain = WorkCalendar::default();
        assert!(plain.is_working_day(d(2026, 3, 2)), "Monday");
        assert!(plain.is_working_day(d(2026, 3, 6)), "Friday");
        assert!(!plain.is_working_day(d(2026, 3, 7)), "Saturday");
        assert!(!plain.is_working_day(d(2026, 3, 8)), "Sunday");

        let cal = national_day();
        assert!(!cal.is_working_day(d(2026, 10, 1)), "holiday on a Thursday");
        assert!(!cal.is_working_day(d(2026, 10, 8)), "last holiday");
        assert!(cal.is_working_day(d(2026, 10, 9)), "Friday after");
        assert!(cal.is_working_day(d(2026, 9, 27)), "make-up Sunday");
        assert!(cal.is_working_day(d(2026, 10, 10)), "make-up Saturday");
        assert!(!cal.is_working_day(d(2026, 10, 11)), "ordinary Sunday");
    }

    #[test]
    fn a_date_in_both_lists_is_a_day_off() {
        let cal = WorkCalendar {
            holidays: vec![d(2026, 10, 10)],
            workdays: vec![d(2026, 10, 10)],
        };
        assert!(!cal.is_working_day(d(2026, 10, 10)));
    }

    #[test]
    fn calendar_day_limit_counts_from_day_zero() {
        let cal = WorkCalendar::default();
        assert_eq!(cal.due(d(2026, 3, 1), calendar_days(15)), d(2026, 3, 16));
        assert_eq!(cal.due(d(2026, 3, 1), calendar_days(0)), d(2026, 3, 1));
        // Holidays do not matter for calendar days.
        assert_eq!(
            national_day().due(d(2026, 9, 30), calendar_days(5)),
            d(2026, 10, 5)
        );
    }

    #[test]
    fn working_day_limit_skips_weekends() {
        let cal = WorkCalendar::default();
        // Monday 2026-03-02: 20 working days are four whole weeks.
        assert_eq!(cal.due(d(2026, 3, 2), working_days(20)), d(2026, 3, 30));
        // From a Friday, the first working day is the Monday.
        assert_eq!(cal.due(d(2026, 3, 6), working_days(1)), d(2026, 3, 9));
        // From a Saturday too.
        assert_eq!(cal.due(d(2026, 3, 7), working_days(1)), d(2026, 3, 9));
        assert_eq!(cal.due(d(2026, 3, 7), working_days(0)), d(2026, 3, 7));
    }

    #[test]
    fn calendar_versus_working_days() {
        let cal = national_day();
        let start = d(2026, 9, 25);
        assert_eq!(cal.due(start, calendar_days(20)), d(2026, 10, 15));
        assert_eq!(cal.due(start, working_days(20)), d(2026, 10, 29));
    }

    #[test]
    fn national_day_week_with_make_up_days() {
        let cal = national_day();
        // Friday 09-25: 09-27 (make-up Sunday) is the 1st working day,
        // 09-28..09-30 the 2nd to 4th, 10-09 the 5th, 10-10 (make-up
        // Saturday) the 6th, Monday 10-12 the 7th.
        let start = d(2026, 9, 25);
        assert_eq!(cal.due(start, working_days(1)), d(2026, 9, 27));
        assert_eq!(cal.due(start, working_days(4)), d(2026, 9, 30));
        assert_eq!(cal.due(start, working_days(5)), d(2026, 10, 9));
        assert_eq!(cal.due(start, working_days(6)), d(2026, 10, 10));
        assert_eq!(cal.due(start, working_days(7)), d(2026, 10, 12));
        // Found on the first day of the holiday: nothing counts until 10-09.
        assert_eq!(cal.due(d(2026, 10, 1), working_days(2)), d(2026, 10, 10));
        assert_eq!(cal.due(d(2026, 10, 1), working_days(3)), d(2026, 10, 12));
    }

    #[test]
    fn due_day_is_not_late_the_next_day_is() {
        let cal = national_day();
        let start = d(2026, 9, 25);
        let limit = working_days(5);
        assert!(!cal.is_late(start, limit, d(2026, 10, 8)));
        assert!(!cal.is_late(start, limit, d(2026, 10, 9)), "due day");
        assert!(cal.is_late(start, limit, d(2026, 10, 10)), "day after");

        let limit = calendar_days(15);
        assert!(!cal.is_late(d(2026, 3, 1), limit, d(2026, 3, 16)));
        assert!(cal.is_late(d(2026, 3, 1), limit, d(2026, 3, 17)));
        assert!(
            !cal.is_late(d(2026, 3, 1), limit, d(2026, 2, 1)),
            "before start"
        );
    }

    #[test]
    fn elapsed_in_either_unit() {
        let cal = national_day();
        let start = d(2026, 9, 25);
        assert_eq!(cal.elapsed(start, d(2026, 10, 12), false), 17);
        assert_eq!(cal.elapsed(start, d(2026, 10, 12), true), 7);
        assert_eq!(cal.elapsed(start, d(2026, 10, 8), true), 4);
        assert_eq!(cal.elapsed(start, start, true), 0);
        assert_eq!(cal.elapsed(start, start, false), 0);
        assert_eq!(cal.elapsed(d(2026, 10, 12), start, false), 0, "backwards");
        assert_eq!(cal.elapsed(d(2026, 10, 12), start, true), 0, "backwards");
        let plain = WorkCalendar::default();
        // Saturday to Sunday: no working day.
        assert_eq!(plain.elapsed(d(2026, 3, 7), d(2026, 3, 8), true), 0);
        assert_eq!(plain.elapsed(d(2026, 3, 2), d(2026, 3, 30), true), 20);
    }

    #[test]
    fn elapsed_up_to_due_is_the_limit() {
        let cal = national_day();
        for start in d(2026, 9, 1).iter_days().take(60) {
            for days in 0..40 {
                for limit in [calendar_days(days), working_days(days)] {
                    let due = cal.due(start, limit);
                    assert_eq!(
                        cal.elapsed(start, due, limit.working_days),
                        days,
                        "{start} {limit:?}"
                    );
                    if limit.working_days && days > 0 {
                        assert!(cal.is_working_day(due), "{start} {limit:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn huge_limits_are_capped_not_hung() {
        let start = d(2026, 3, 1);
        let cap = d(2026, 3, 1) + Days::new(u64::from(MAX_SPAN_DAYS));
        let plain = WorkCalendar::default();
        assert_eq!(plain.due(start, calendar_days(u32::MAX)), cap);
        assert_eq!(plain.due(start, working_days(u32::MAX)), cap);
        assert!(!plain.is_late(start, working_days(u32::MAX), cap));
        // A calendar with no working day at all.
        let all_off = WorkCalendar {
            holidays: start.iter_days().take(4000).collect(),
            workdays: Vec::new(),
        };
        assert_eq!(all_off.due(start, working_days(1)), cap);
        // Dates saturate at the end of the calendar.
        let last = NaiveDate::MAX - Days::new(3);
        assert_eq!(plain.due(last, calendar_days(10)), NaiveDate::MAX);
        assert!(plain.due(last, working_days(10)) <= NaiveDate::MAX);
        // Elapsed over the whole calendar is quick and saturates nowhere.
        let whole = plain.elapsed(NaiveDate::MIN, NaiveDate::MAX, true);
        assert!(whole > 0);
        assert!(plain.elapsed(NaiveDate::MIN, NaiveDate::MAX, false) > whole);
    }
}
