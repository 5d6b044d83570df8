//! Small checks shared by the validators of every record type.

use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::error::{Error, Result};
use crate::money::Money;

/// Earliest year a record may carry: nothing in a telecom CRM predates 1970.
pub(crate) const MIN_YEAR: i32 = 1970;
/// Latest year a record may carry; later dates are typing errors.
pub(crate) const MAX_YEAR: i32 = 2100;

pub(crate) fn check_time(field: &str, at: DateTime<Utc>) -> Result<()> {
    check_year(field, at.year())
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
    } else if id.trim() != id {
        Err(Error::invalid(
            field,
            format!("{id:?} has leading or trailing whitespace"),
        ))
    } else {
        Ok(())
    }
}
