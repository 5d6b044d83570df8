//! Public churn data sets mapped onto model features. These functions parse
//! CSV text handed in by the caller; reading the file is the caller's job.

use std::collections::HashSet;

use crate::churn::Dataset;
use crate::error::{Error, Result};

fn header_index(header: &[&str], name: &str) -> Result<usize> {
    header
        .iter()
        .position(|h| *h == name)
        .ok_or_else(|| Error::invalid("header", format!("column {name:?} is missing")))
}

fn number(field: &str, line: usize, column: &str) -> Result<f64> {
    field
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            Error::invalid(
                format!("line {line}, column {column:?}"),
                format!("{field:?} is not a number"),
            )
        })
}

fn split_line(line: &str, number: usize) -> Result<Vec<&str>> {
    if line.contains('"') {
        return Err(Error::invalid(
            format!("line {number}"),
            "quoted fields are not supported",
        ));
    }
    Ok(line.split(',').collect())
}

/// The UCI "Iranian Churn" data set (id 563, CC BY 4.0; DOI
/// 10.24432/C5JW3Z), de-duplicated: exact duplicate rows after the first are
/// dropped (300 of 3,150 in the UCI release), in file order.
///
/// Column mapping onto [`crate::churn::PROFILE_FEATURES`] (every attribute
/// but `Churn` aggregates the first 9 of 12 months):
///
/// | column | feature | profile equivalent |
/// |---|---|---|
/// | `Call  Failure` | `call_failures` | none (NaN) |
/// | `Complains` | `complained` | a complaint in the last 9 months |
/// | `Subscription  Length` | `tenure_months` | months since `joined_at` |
/// | `Charge  Amount` (ordinal 0–9) | `charge_level` | none: an ordinal bucket, not money |
/// | `Seconds of Use` / 60 / 9 | `voice_minutes_per_month` | mean `usage.voice_minutes` |
/// | `Frequency of use` / 9 | `calls_per_month` | none (the profile has no call count) |
/// | `Frequency of SMS` / 9 | `sms_per_month` | mean `usage.sms` |
/// | `Distinct Called Numbers` | `distinct_called` | none |
/// | `Age Group` | `age_group` | none |
/// | `Tariff Plan` (2 = contractual) | `contract_plan` | postpaid or a contract end |
/// | `Status` (2 = non-active) | `inactive` | account not active |
/// | `Age` | `age` | none |
/// | `Customer Value` | `customer_value` | none (UCI's own computed value) |
///
/// A model trained on all 13 columns scores a profile with 7 of them
/// missing, so on profiles it is much weaker than its cross-validated AUC
/// (which uses every column); the AUC measures the learner, not a
/// deployable model for another operator.
///
/// # Errors
/// [`Error::InvalidField`] naming the line and column of a bad value or a
/// missing column.
pub fn iranian_dataset(csv: &str) -> Result<Dataset> {
    let (header, lines) = split_header(csv)?;
    let columns: [(&str, f64, bool); 13] = [
        ("Call  Failure", 1.0, false),
        ("Complains", 1.0, false),
        ("Subscription  Length", 1.0, false),
        ("Charge  Amount", 1.0, false),
        ("Seconds of Use", 60.0 * 9.0, false),
        ("Frequency of use", 9.0, false),
        ("Frequency of SMS", 9.0, false),
        ("Distinct Called Numbers", 1.0, false),
        ("Age Group", 1.0, false),
        ("Tariff Plan", 1.0, true),
        ("Status", 1.0, true),
        ("Age", 1.0, false),
        ("Customer Value", 1.0, false),
    ];
    let indices = columns
        .iter()
        .map(|(name, ..)| header_index(&header, name))
        .collect::<Result<Vec<usize>>>()?;
    let churn = header_index(&header, "Churn")?;
    let mut seen = HashSet::new();
    let (mut rows, mut labels) = (Vec::new(), Vec::new());
    for (i, line) in lines {
        let line = line.trim();
        if line.is_empty() || !seen.insert(line) {
            continue;
        }
        let fields = split_line(line, i + 1)?;
        if fields.len() != header.len() {
            return Err(Error::invalid(
                format!("line {}", i + 1),
                format!("{} fields, the header has {}", fields.len(), header.len()),
            ));
        }
        for ((name, divisor, is_code_two), &index) in columns.iter().zip(&indices) {
            let value = number(fields[index], i + 1, name)?;
            rows.push(if *is_code_two {
                f64::from(u8::from(value == 2.0))
            } else {
                value / divisor
            });
        }
        labels.push(number(fields[churn], i + 1, "Churn")? == 1.0);
    }
    Dataset::new(
        crate::churn::PROFILE_FEATURES
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        rows,
        labels,
    )
}

/// IBM's fictional "Telco Customer Churn" sample, every column but the id
/// encoded as a number: yes/no as 1/0 ("No phone/internet service" as
/// missing), categories as small codes, blank `TotalCharges` as missing.
/// `tenure` becomes `tenure_months` and `Contract` other than month-to-month
/// becomes `contract_plan`, the two columns the profile also provides.
///
/// # Errors
/// [`Error::InvalidField`] naming the line and column of a value outside
/// the known categories.
pub fn ibm_dataset(csv: &str) -> Result<Dataset> {
    let (header, lines) = split_header(csv)?;
    let names: Vec<&str> = header
        .iter()
        .copied()
        .filter(|h| *h != "customerID" && *h != "Churn")
        .collect();
    let mut features: Vec<String> = names
        .iter()
        .map(|name| match *name {
            "tenure" => "tenure_months".to_owned(),
            other => other.to_owned(),
        })
        .collect();
    features.push("contract_plan".to_owned());
    let indices = names
        .iter()
        .map(|name| header_index(&header, name))
        .collect::<Result<Vec<usize>>>()?;
    let churn = header_index(&header, "Churn")?;
    let contract = header_index(&header, "Contract")?;
    let (mut rows, mut labels) = (Vec::new(), Vec::new());
    for (i, line) in lines {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let fields = split_line(line, i + 1)?;
        if fields.len() != header.len() {
            return Err(Error::invalid(
                format!("line {}", i + 1),
                format!("{} fields, the header has {}", fields.len(), header.len()),
            ));
        }
        for (name, &index) in names.iter().zip(&indices) {
            let field = fields[index].trim();
            let value = match field {
                "Yes" | "Male" => 1.0,
                "No" | "Female" => 0.0,
                "No phone service" | "No internet service" | "" => f64::NAN,
                "DSL" | "One year" | "Electronic check" => 1.0,
                "Fiber optic" | "Two year" | "Mailed check" => 2.0,
                "Month-to-month" | "Bank transfer (automatic)" => 0.0,
                "Credit card (automatic)" => 3.0,
                _ => number(field, i + 1, name)?,
            };
            rows.push(value);
        }
        rows.push(f64::from(u8::from(fields[contract].trim() != "Month-to-month")));
        labels.push(match fields[churn].trim() {
            "Yes" => true,
            "No" => false,
            other => {
                return Err(Error::invalid(
                    format!("line {}, column \"Churn\"", i + 1),
                    format!("{other:?} is neither Yes nor No"),
                ))
            }
        });
    }
    Dataset::new(features, rows, labels)
}

/// The trimmed column names of a CSV text (a byte-order mark dropped) and
/// its remaining lines, numbered from 0 for the header.
fn split_header(csv: &str) -> Result<(Vec<&str>, std::iter::Enumerate<std::str::Lines<'_>>)> {
    let mut lines = csv.lines().enumerate();
    let (_, header) = lines
        .next()
        .ok_or_else(|| Error::invalid("header", "the file is empty"))?;
    let header = header
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(str::trim)
        .collect();
    Ok((header, lines))
}
