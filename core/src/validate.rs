//! Small checks shared by the validators of every record type.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::error::{Error, Result};
use crate::money::Money;

/// Earliest year a record may carry: nothing in a telecom CRM predates 1970.
pub(crate) const MIN_YEAR: i32 = 1970;
/// Latest year a record may carry; later dates are typing errors.
pub(crate) const MAX_YEAR: i32 = 2100;

/// First instant of [`MIN_YEAR`] and of the year after [`MAX_YEAR`], in
/// seconds since the Unix epoch.
const MIN_SECONDS: i64 = 0;
const END_SECONDS: i64 = 4_133_980_800;

#[inline]
pub(crate) fn check_time(field: &str, at: DateTime<Utc>) -> Result<()> {
    checked_millis(field, at).map(drop)
}

pub(crate) fn check_date(field: &str, date: NaiveDate) -> Result<()> {
    check_year(field, date.year())
}

fn check_year(field: &str, year: i32) -> Result<()> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("year {year} is outside {MIN_YEAR}..={MAX_YEAR}"),
        ))
    }
}

pub(crate) fn check_non_negative(field: &str, amount: Money) -> Result<()> {
    if amount.is_negative() {
        Err(Error::invalid(
            field,
            format!("amount {amount} must not be negative"),
        ))
    } else {
        Ok(())
    }
}

/// Whether `text` starts or ends with whitespace (as `str::trim` sees it),
/// looking at its end bytes when they are ASCII: ids are checked for every
/// row of a batch.
fn has_surrounding_whitespace(text: &str) -> bool {
    let bytes = text.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(&first), Some(&last)) if first.is_ascii() && last.is_ascii() => {
            // The ASCII characters of Unicode's White_Space: tab to
            // carriage return, and space.
            let white = |byte: u8| matches!(byte, b'\t'..=b'\r' | b' ');
            white(first) || white(last)
        }
        _ => text.trim().len() != text.len(),
    }
}

/// [`check_time`], returning the time in milliseconds since the Unix epoch:
/// a batch needs both, and computing the seconds is the cost of either.
// Inlined: this and `check_id` run for every complaint of a batch, and a
// call that must be ready to build an error costs more than the check.
#[inline(always)]
pub(crate) fn checked_millis(field: &str, at: DateTime<Utc>) -> Result<i64> {
    // Comparing seconds spares the calendar arithmetic of `year()`.
    let seconds = at.timestamp();
    if (MIN_SECONDS..END_SECONDS).contains(&seconds) {
        Ok(seconds * 1000 + i64::from(at.timestamp_subsec_millis()))
    } else {
        check_year(field, at.year())?;
        Ok(at.timestamp_millis())
    }
}

/// Ids are opaque, but an empty or whitespace-padded id is always a mistake
/// that would silently split or merge records.
// Inlined, with its error built out of line (`id_error`).
#[inline(always)]
pub(crate) fn check_id(field: &str, id: &str) -> Result<()> {
    if id.is_empty() || has_surrounding_whitespace(id) {
        Err(id_error(field, id))
    } else {
        Ok(())
    }
}

#[cold]
fn id_error(field: &str, id: &str) -> Error {
    if id.is_empty() {
        Error::invalid(field, "must not be empty")
    } else {
        Error::invalid(field, format!("{id:?} has leading or trailing whitespace"))
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

    #[test]
    fn surrounding_whitespace_is_what_trim_removes() {
        let mut texts: Vec<String> = (0u32..=0x3000)
            .filter_map(char::from_u32)
            .flat_map(|c| {
                [
                    format!("{c}id"),
                    format!("id{c}"),
                    format!("{c}"),
                    format!("i{c}d"),
                ]
            })
            .collect();
        texts.extend(["", "id", "\u{a0}x", "x\u{3000}", "中文", "é"].map(String::from));
        for text in &texts {
            assert_eq!(
                super::has_surrounding_whitespace(text),
                text.trim().len() != text.len(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn the_year_bounds_in_seconds_match_the_years() {
        let start = Utc.with_ymd_and_hms(super::MIN_YEAR, 1, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(super::MAX_YEAR + 1, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(start.timestamp(), super::MIN_SECONDS);
        assert_eq!(end.timestamp(), super::END_SECONDS);
        assert!(super::check_time("t", end).is_err());
        assert!(super::check_time("t", end - Duration::seconds(1)).is_ok());
        assert!(super::check_time("t", start).is_ok());
        assert!(super::check_time("t", start - Duration::seconds(1)).is_err());
    }

    #[test]
    fn checked_millis_checks_as_check_time_and_counts_milliseconds() {
        let start = Utc.with_ymd_and_hms(super::MIN_YEAR, 1, 1, 0, 0, 0).unwrap();
        let end = Utc.with_ymd_and_hms(super::MAX_YEAR + 1, 1, 1, 0, 0, 0).unwrap();
        let mut times = vec![
            start,
            end,
            start - Duration::nanoseconds(1),
            end - Duration::nanoseconds(1),
        ];
        for nanos in [0, 999_999, 1_000_000, 123_456_789, 999_999_999] {
            times
                .push(Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 59).unwrap() + Duration::nanoseconds(nanos));
        }
        for at in times {
            let millis = super::checked_millis("t", at);
            assert_eq!(millis.is_ok(), super::check_time("t", at).is_ok(), "{at}");
            if let Ok(millis) = millis {
                assert_eq!(millis, at.timestamp_millis(), "{at}");
            }
        }
    }
}
