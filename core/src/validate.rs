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

pub(crate) fn check_time(field: &str, at: DateTime<Utc>) -> Result<()> {
    // Comparing seconds spares the calendar arithmetic of `year()`: this
    // runs once or twice for every complaint of a batch.
    if (MIN_SECONDS..END_SECONDS).contains(&at.timestamp()) {
        Ok(())
    } else {
        check_year(field, at.year())
    }
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

/// Ids are opaque, but an empty or whitespace-padded id is always a mistake
/// that would silently split or merge records.
pub(crate) fn check_id(field: &str, id: &str) -> Result<()> {
    if id.is_empty() {
        Err(Error::invalid(field, "must not be empty"))
    } else if id.trim().len() != id.len() {
        Err(Error::invalid(
            field,
            format!("{id:?} has leading or trailing whitespace"),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone, Utc};

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
}
