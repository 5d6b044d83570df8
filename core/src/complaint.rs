//! Complaint tickets as the CRM records them.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::error::{Error, Result};
use crate::taxonomy::{validate_category_code, Severity, Signal};
use crate::validate::{check_id, check_time};

/// Whether a complaint ticket is still being handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ComplaintStatus {
    /// Received and not yet closed (including in progress and reopened).
    Open,
    /// Closed by the work group.
    Closed,
}

/// One complaint ticket.
///
/// At least one of `customer_id` and `phone` identifies the customer. The
/// text is optional because history kept for repeat detection does not need
/// it; the category is optional because intake may ask the classifier for it.
///
/// ```
/// let json = r#"{"id": "T1", "phone": "+86 138 1234 5678",
///     "received_at": "2026-11-02T09:30:00+08:00", "channel": "hotline",
///     "category": "billing.unknown_charge", "status": "open"}"#;
/// let complaint: custinsight::Complaint = custinsight::from_json("complaint", json).unwrap();
/// complaint.validate().unwrap();
/// assert_eq!(complaint.received_at.to_rfc3339(), "2026-11-02T01:30:00+00:00");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Complaint {
    /// Ticket number, unique within the operator.
    pub id: String,
    /// The customer's id in CRM, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// The customer's phone number (any spelling; normalised on intake).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// When the ticket was received (RFC 3339 with offset).
    pub received_at: DateTime<Utc>,
    /// Channel the complaint came through.
    pub channel: Channel,
    /// Level-2 category code, e.g. `billing.unknown_charge`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The complaint text as the customer or agent wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Open or closed.
    pub status: ComplaintStatus,
    /// When the ticket was closed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<DateTime<Utc>>,
    /// Severity, when already classified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    /// Signals raised by the text, when already classified.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signals: Vec<Signal>,
}

impl Complaint {
    /// Checks the domain rules: an id, a customer key, a well-formed category,
    /// times in range and a close time not before the receive time.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the first offending field.
    pub fn validate(&self) -> Result<()> {
        self.validate_normalizing_phone().map(drop)
    }

    /// [`Complaint::validate`], returning the normalised phone it had to
    /// compute anyway (the repeat detector keys customers by it).
    pub(crate) fn validate_normalizing_phone(&self) -> Result<Option<String>> {
        self.validate_fields(true)
    }

    /// [`Complaint::validate_normalizing_phone`] without the check of the
    /// category code's form, for a batch that checks each of its distinct
    /// codes once instead of every row's.
    pub(crate) fn validate_except_category(&self) -> Result<Option<String>> {
        self.validate_fields(false)
    }

    fn validate_fields(&self, check_category: bool) -> Result<Option<String>> {
        check_id("id", &self.id)?;
        if self.customer_id.is_none() && self.phone.is_none() {
            return Err(Error::invalid(
                "customer_id",
                "a complaint needs a customer_id or a phone to tell whose it is",
            ));
        }
        if let Some(customer_id) = &self.customer_id {
            check_id("customer_id", customer_id)?;
        }
        let phone = self.phone.as_deref().map(crate::normalize_phone).transpose()?;
        check_time("received_at", self.received_at)?;
        if let Some(category) = self.category.as_deref().filter(|_| check_category) {
            validate_category_code(category)?;
        }
        match (self.status, self.closed_at) {
            (ComplaintStatus::Open, Some(_)) => {
                return Err(Error::invalid("closed_at", "an open complaint has no close time"))
            }
            (_, Some(closed_at)) => {
                check_time("closed_at", closed_at)?;
                if closed_at < self.received_at {
                    return Err(Error::invalid(
                        "closed_at",
                        format!(
                            "{} is before received_at {}",
                            closed_at.to_rfc3339(),
                            self.received_at.to_rfc3339()
                        ),
                    ));
                }
            }
            _ => {}
        }
        Ok(phone)
    }

    /// Whether the ticket is open.
    pub fn is_open(&self) -> bool {
        self.status == ComplaintStatus::Open
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Complaint {
        crate::from_json(
            "complaint",
            r#"{"id": "T1", "customer_id": "C1", "received_at": "2026-11-02T09:30:00Z",
                "channel": "app", "status": "closed", "closed_at": "2026-11-03T09:30:00Z"}"#,
        )
        .unwrap()
    }

    #[test]
    fn valid_complaint_passes() {
        sample().validate().unwrap();
    }

    #[test]
    fn close_before_receive_is_rejected() {
        let mut complaint = sample();
        complaint.closed_at = Some("2026-11-01T00:00:00Z".parse().unwrap());
        let err = complaint.validate().unwrap_err().to_string();
        assert!(err.starts_with("invalid closed_at:"), "{err}");
        assert!(err.contains("before received_at"), "{err}");
    }

    #[test]
    fn open_with_close_time_and_missing_keys_are_rejected() {
        let mut complaint = sample();
        complaint.status = ComplaintStatus::Open;
        assert!(complaint
            .validate()
            .unwrap_err()
            .to_string()
            .contains("closed_at"));
        let mut complaint = sample();
        complaint.customer_id = None;
        assert!(complaint
            .validate()
            .unwrap_err()
            .to_string()
            .contains("customer_id"));
    }

    #[test]
    fn unknown_enum_values_and_fields_name_the_field() {
        let err = crate::from_json::<Complaint>(
            "complaint",
            r#"{"id": "T1", "customer_id": "C1", "received_at": "2026-11-02T09:30:00Z",
                "channel": "fax", "status": "open"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("channel"), "{err}");
        assert!(err.contains("fax"), "{err}");
        let err = crate::from_json::<Complaint>(
            "complaint",
            r#"{"id": "T1", "customer_id": "C1", "received_at": "2026-11-02T09:30:00Z",
                "channel": "app", "status": "open", "stauts": "x"}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("stauts"), "{err}");
    }
}
