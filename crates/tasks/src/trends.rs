//! Topics over time: how many texts each topic got per day, week or month,
//! and their mean sentiment (BERTopic's `topics_over_time`, by counting).
//!
//! Dates are ISO 8601 calendar dates, `YYYY-MM-DD` (or `YYYY/MM/DD`),
//! optionally followed by a time (`T…` or ` …`), which is ignored. Weeks
//! start on Monday and are labelled by that Monday's date; months read
//! `YYYY-MM`. Every period from the first text's to the last's is listed,
//! empty ones included, so that a chart's axis has no gaps.

use nunchi_engine::{Error, Result};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    Week,
    Month,
}

/// The period names users may give, and what they mean.
pub const PERIOD_NAMES: &[(&str, Period)] = &[("day", Period::Day), ("week", Period::Week), ("month", Period::Month)];

impl Period {
    pub fn parse(name: &str) -> Result<Self> {
        PERIOD_NAMES.iter().find(|(n, _)| *n == name).map(|&(_, p)| p).ok_or_else(|| {
            let names: Vec<&str> = PERIOD_NAMES.iter().map(|(n, _)| *n).collect();
            Error::input(format!("unknown period '{name}' (expected {})", names.join(", ")))
        })
    }
}

/// A calendar date as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Day(i64);

impl Day {
    pub fn from_ymd(year: i64, month: u32, day: u32) -> Option<Self> {
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if is_leap(year) => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month).contains(&day).then(|| Self(days_from_civil(year, month, day)))
    }

    /// Reads `YYYY-MM-DD` or `YYYY/MM/DD`, with anything after a `T` or a space ignored.
    pub fn parse(text: &str) -> Option<Self> {
        let date = text.trim().split(['T', ' ']).next()?;
        let sep = if date.contains('/') { '/' } else { '-' };
        let mut parts = date.split(sep);
        let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
        let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
        if parts.next().is_some() || !digits(y, 4) || !digits(m, 2) || !digits(d, 2) {
            return None;
        }
        Self::from_ymd(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
    }

    fn ymd(self) -> (i64, u32, u32) {
        civil_from_days(self.0)
    }

    /// The first day of the period holding this day.
    fn start_of(self, period: Period) -> Self {
        match period {
            Period::Day => self,
            // 1970-01-01 was a Thursday: Monday is 3 days before.
            Period::Week => Self(self.0 - (self.0 + 3).rem_euclid(7)),
            Period::Month => {
                let (y, m, _) = self.ymd();
                Self(days_from_civil(y, m, 1))
            }
        }
    }

    /// The first day of the next period, from a period's first day.
    fn next(self, period: Period) -> Self {
        match period {
            Period::Day => Self(self.0 + 1),
            Period::Week => Self(self.0 + 7),
            Period::Month => {
                let (y, m, _) = self.ymd();
                let (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
                Self(days_from_civil(y, m, 1))
            }
        }
    }

    fn label(self, period: Period) -> String {
        let (y, m, d) = self.ymd();
        match period {
            Period::Month => format!("{y:04}-{m:02}"),
            _ => format!("{y:04}-{m:02}-{d:02}"),
        }
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (i64::from(m) + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trends {
    pub period: Period,
    /// Each period's label, first to last, empty periods included.
    pub periods: Vec<String>,
    /// `sizes[topic][period]`: texts of each topic in each period.
    pub sizes: Vec<Vec<usize>>,
    /// Texts in no topic ("other" or new) per period.
    pub other: Vec<usize>,
    /// `sentiment[topic][period]`: the mean positive probability, `None`
    /// where the topic has no text in the period; absent without scores.
    pub sentiment: Option<Vec<Vec<Option<f32>>>>,
}

/// More periods than this is a mistake (daily periods over decades).
const MAX_PERIODS: usize = 10_000;

/// Counts texts per topic and period. `topics[i]` is text `i`'s topic (below
/// `topic_count`) or `None`; `dates[i]` its date; `positive[i]`, when given,
/// its probability of the positive class.
pub fn topic_trends(
    topics: &[Option<usize>],
    topic_count: usize,
    dates: &[&str],
    period: Period,
    positive: Option<&[f32]>,
) -> Result<Trends> {
    let n = topics.len();
    if dates.len() != n {
        return Err(Error::input(format!("{} dates for {n} texts", dates.len())));
    }
    if let Some(p) = positive.filter(|p| p.len() != n) {
        return Err(Error::input(format!("{} sentiment scores for {n} texts", p.len())));
    }
    if let Some((i, t)) = topics.iter().enumerate().find_map(|(i, t)| t.filter(|&t| t >= topic_count).map(|t| (i, t))) {
        return Err(Error::input(format!("text {i} is in topic {t}, but there are {topic_count} topics")));
    }
    let starts = parse_dates(dates)?.into_iter().map(|d| d.start_of(period)).collect::<Vec<_>>();
    let (Some(&first), Some(&last)) = (starts.iter().min(), starts.iter().max()) else {
        return Err(Error::input("no texts: trends need at least one dated text"));
    };
    let mut period_starts = vec![first];
    while let Some(&p) = period_starts.last().filter(|&&p| p < last) {
        if period_starts.len() >= MAX_PERIODS {
            return Err(Error::input(format!(
                "the dates span more than {MAX_PERIODS} {period:?} periods: choose a longer period"
            )));
        }
        period_starts.push(p.next(period));
    }
    let column = |start: Day| period_starts.binary_search(&start).unwrap_or(0);
    let mut sizes = vec![vec![0usize; period_starts.len()]; topic_count];
    let mut other = vec![0usize; period_starts.len()];
    let mut sums = vec![vec![0.0f64; period_starts.len()]; topic_count];
    for (i, (&topic, &start)) in topics.iter().zip(&starts).enumerate() {
        let p = column(start);
        match topic {
            Some(t) => {
                sizes[t][p] += 1;
                sums[t][p] += positive.map_or(0.0, |s| f64::from(s[i]));
            }
            None => other[p] += 1,
        }
    }
    let sentiment = positive.map(|_| {
        sizes
            .iter()
            .zip(&sums)
            .map(|(counts, sums)| counts.iter().zip(sums).map(|(&c, &s)| (c > 0).then(|| (s / c as f64) as f32)).collect())
            .collect()
    });
    let periods = period_starts.iter().map(|d| d.label(period)).collect();
    Ok(Trends { period, periods, sizes, other, sentiment })
}

/// Whether every date reads, checked before the costly embedding; the error
/// names the first rows (1-based) that do not.
pub fn check_dates(dates: &[&str]) -> Result<()> {
    parse_dates(dates).map(|_| ())
}

/// [`check_dates`] for dates read from a file's rows, naming the bad ones by
/// `rows[i]`, the file's (1-based) data row of `dates[i]`: rows without text
/// are skipped before the dates are checked, so positions would mislead.
pub fn check_dates_of_rows(dates: &[&str], rows: &[usize]) -> Result<()> {
    parse_dates_naming(dates, |i| rows.get(i).copied().unwrap_or(i + 1)).map(|_| ())
}

/// Every date, or an error naming the first rows (1-based) that are not dates.
fn parse_dates(dates: &[&str]) -> Result<Vec<Day>> {
    parse_dates_naming(dates, |i| i + 1)
}

fn parse_dates_naming(dates: &[&str], row_of: impl Fn(usize) -> usize) -> Result<Vec<Day>> {
    let parsed: Vec<Option<Day>> = dates.iter().map(|d| Day::parse(d)).collect();
    let bad: Vec<String> = parsed
        .iter()
        .zip(dates)
        .enumerate()
        .filter(|(_, (p, _))| p.is_none())
        .take(5)
        .map(|(i, (_, text))| format!("row {} ('{}')", row_of(i), text.chars().take(30).collect::<String>()))
        .collect();
    if !bad.is_empty() {
        let total = parsed.iter().filter(|p| p.is_none()).count();
        return Err(Error::input(format!(
            "{total} date(s) are not YYYY-MM-DD dates: {}{}",
            bad.join(", "),
            if total > bad.len() { ", …" } else { "" }
        )));
    }
    Ok(parsed.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_periods_start_where_calendars_do() {
        for (text, days) in [("1970-01-01", 0), ("2000-02-29", 11_016), ("2026-12-03T10:00:00Z", 20_790)] {
            let day = Day::parse(text).unwrap();
            assert_eq!(day, Day(days), "{text}");
            assert_eq!(day.label(Period::Day), text[..10]);
        }
        assert_eq!(Day::parse("2026/12/03"), Day::parse("2026-12-03"));
        for bad in ["2026-02-29", "2026-13-01", "2026-1-05", "26-01-05", "yesterday", "", "2026-01-05-1"] {
            assert_eq!(Day::parse(bad), None, "{bad}");
        }
        // 2026-12-03 is a Thursday; its week starts on Monday 2026-11-30.
        let day = Day::parse("2026-12-03").unwrap();
        assert_eq!(day.start_of(Period::Week).label(Period::Week), "2026-11-30");
        assert_eq!(day.start_of(Period::Month).label(Period::Month), "2026-12");
        assert_eq!(day.start_of(Period::Month).next(Period::Month).label(Period::Month), "2027-01");
    }

    #[test]
    fn counts_per_period_with_gaps_and_sentiment() {
        let dates = ["2026-01-30", "2026-01-31", "2026-03-02", "2026-03-09", "2026-01-02"];
        let topics = [Some(0), Some(1), Some(0), None, Some(0)];
        let positive = [1.0, 0.5, 0.0, 0.3, 0.5];
        let t = topic_trends(&topics, 2, &dates, Period::Month, Some(&positive)).unwrap();
        assert_eq!(t.periods, ["2026-01", "2026-02", "2026-03"]);
        assert_eq!(t.sizes, vec![vec![2, 0, 1], vec![1, 0, 0]]);
        assert_eq!(t.other, [0, 0, 1]);
        assert_eq!(t.sentiment.unwrap()[0], [Some(0.75), None, Some(0.0)]);
        let e = topic_trends(&topics, 2, &["2026-01-30", "x", "2026-03-02", "", "2026-01-02"], Period::Day, None);
        let message = e.unwrap_err().message().to_string();
        assert!(message.contains("row 2 ('x')") && message.contains("row 4 ('')"), "{message}");
        assert!(topic_trends(&[Some(2)], 2, &["2026-01-01"], Period::Day, None).is_err());
        assert!(Period::parse("fortnight").unwrap_err().message().contains("day, week, month"));
    }
}
