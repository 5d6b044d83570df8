//! Amounts of money.

use std::fmt;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An amount of money in the operator's currency, held exactly as an integer
/// number of minor units (fen, cents).
///
/// In JSON it is a plain number of major units with at most two decimals
/// (`12.5` is 12 yuan 50 fen), which is what billing exports and analysts'
/// data frames carry. Parsing rounds to the nearest minor unit.
///
/// ```
/// use custinsight::Money;
/// let fee: Money = serde_json::from_str("58.9").unwrap();
/// assert_eq!(fee.minor_units(), 5890);
/// assert_eq!(fee.to_string(), "58.90");
/// assert_eq!(serde_json::to_string(&fee).unwrap(), "58.9");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money(i64);

/// Largest magnitude accepted from JSON: ten thousand billion major units,
/// far beyond any customer's account and well inside f64's exact range.
const MAX_MAJOR_UNITS: f64 = 1e13;

impl Money {
    /// Zero.
    pub const ZERO: Money = Money(0);

    /// An amount of `minor` minor units (fen, cents).
    pub const fn from_minor(minor: i64) -> Money {
        Money(minor)
    }

    /// An amount of `major` whole units (yuan, dollars).
    pub const fn from_major(major: i64) -> Money {
        Money(major * 100)
    }

    /// The amount in minor units.
    pub const fn minor_units(self) -> i64 {
        self.0
    }

    /// The amount in major units as a float, for models and ratios.
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }

    /// Whether the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }

    /// Converts a float amount of major units, rounding to the nearest
    /// minor unit; `None` when it is not finite or implausibly large.
    pub fn from_f64(major: f64) -> Option<Money> {
        if major.is_finite() && major.abs() <= MAX_MAJOR_UNITS {
            Some(Money((major * 100.0).round() as i64))
        } else {
            None
        }
    }

    /// Sum, saturating rather than overflowing.
    pub fn saturating_add(self, other: Money) -> Money {
        Money(self.0.saturating_add(other.0))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0 % 100 == 0 {
            serializer.serialize_i64(self.0 / 100)
        } else {
            serializer.serialize_f64(self.as_f64())
        }
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let major = f64::deserialize(deserializer)?;
        Money::from_f64(major).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "amount {major} is not a finite number of at most {MAX_MAJOR_UNITS:e} units"
            ))
        })
    }
}

impl JsonSchema for Money {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Money".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "number",
            "description": "An amount in major currency units (yuan, dollars) with at most two decimals.",
            "minimum": -MAX_MAJOR_UNITS,
            "maximum": MAX_MAJOR_UNITS,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn display_and_json() {
        assert_eq!(Money::from_minor(-5).to_string(), "-0.05");
        assert_eq!(Money::from_major(30).to_string(), "30.00");
        assert_eq!(serde_json::to_string(&Money::from_major(30)).unwrap(), "30");
        assert!(serde_json::from_str::<Money>("1e300").is_err());
        assert!(serde_json::from_str::<Money>("\"12\"").is_err());
    }

    proptest! {
        #[test]
        fn json_round_trips_exactly(minor in -1_000_000_000_000i64..1_000_000_000_000) {
            let money = Money::from_minor(minor);
            let json = serde_json::to_string(&money).unwrap();
            prop_assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), money);
        }
    }
}
