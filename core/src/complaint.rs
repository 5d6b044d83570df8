//! Complaint tickets as the CRM records them.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::error::{Error, Result};
use crate::taxonomy::{validate_category_code, Severity, Signal};
use crate::validate::{check_id, checked_millis};

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
        self.view().validate_fields(true).map(|checked| checked.phone)
    }

    /// The complaint's fields, borrowed.
    #[inline]
    pub fn view(&self) -> ComplaintRef<'_> {
        ComplaintRef {
            id: &self.id,
            customer_id: self.customer_id.as_deref(),
            phone: self.phone.as_deref(),
            received_at: self.received_at,
            channel: self.channel,
            category: self.category.as_deref(),
            text: self.text.as_deref(),
            status: self.status,
            closed_at: self.closed_at,
            signals: &self.signals,
        }
    }

    /// Whether the ticket is open.
    pub fn is_open(&self) -> bool {
        self.status == ComplaintStatus::Open
    }
}

/// A complaint's fields, borrowed from wherever they are held: a
/// [`Complaint`] ([`Complaint::view`]) or the columns of a data frame.
/// Batch labelling reads its complaints through this, so that columnar
/// input needs no [`Complaint`] (and no string copies) per row.
#[derive(Debug, Clone, Copy)]
pub struct ComplaintRef<'a> {
    /// Ticket number, unique within the operator.
    pub id: &'a str,
    /// The customer's id in CRM, when known.
    pub customer_id: Option<&'a str>,
    /// The customer's phone number (any spelling).
    pub phone: Option<&'a str>,
    /// When the ticket was received.
    pub received_at: DateTime<Utc>,
    /// Channel the complaint came through.
    pub channel: Channel,
    /// Level-2 category code.
    pub category: Option<&'a str>,
    /// The complaint text.
    pub text: Option<&'a str>,
    /// Open or closed.
    pub status: ComplaintStatus,
    /// When the ticket was closed.
    pub closed_at: Option<DateTime<Utc>>,
    /// Signals raised by the text, when already classified.
    pub signals: &'a [Signal],
}

impl ComplaintRef<'_> {
    /// [`Complaint::validate`] of the fields.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the first offending field.
    pub fn validate(&self) -> Result<()> {
        self.validate_fields(true).map(drop)
    }

    /// The checks of [`Complaint::validate`], but for the category code's
    /// form when `check_category` is false (a batch checks each of its
    /// distinct codes once instead of every row's); returns what the checks
    /// computed.
    pub(crate) fn validate_fields(&self, check_category: bool) -> Result<CheckedFields> {
        check_id("id", self.id)?;
        if self.customer_id.is_none() && self.phone.is_none() {
            return Err(Error::invalid(
                "customer_id",
                "a complaint needs a customer_id or a phone to tell whose it is",
            ));
        }
        if let Some(customer_id) = self.customer_id {
            check_id("customer_id", customer_id)?;
        }
        let phone = self.phone.map(crate::normalize_phone).transpose()?;
        let received_ms = checked_millis("received_at", self.received_at)?;
        if let Some(category) = self.category.filter(|_| check_category) {
            validate_category_code(category)?;
        }
        let closed_ms = match (self.status, self.closed_at) {
            (ComplaintStatus::Open, Some(_)) => {
                return Err(Error::invalid("closed_at", "an open complaint has no close time"))
            }
            (_, Some(closed_at)) => {
                let closed_ms = checked_millis("closed_at", closed_at)?;
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
                Some(closed_ms)
            }
            _ => None,
        };
        Ok(CheckedFields {
            phone,
            received_ms,
            closed_ms,
        })
    }
}

/// What [`ComplaintRef::validate_fields`] computes as it checks.
pub(crate) struct CheckedFields {
    /// The normalised phone.
    pub phone: Option<String>,
    /// `received_at` in milliseconds since the Unix epoch.
    pub received_ms: i64,
    /// `closed_at` in milliseconds since the Unix epoch.
    pub closed_ms: Option<i64>,
}

/// Complaints a batch reads by row: a slice of [`Complaint`]s, or
/// any columnar store that can lend a row's fields as a [`ComplaintRef`].
///
/// # Example
///
/// ```
/// use custinsight::{Complaint, ComplaintRows};
///
/// let rows: Vec<Complaint> = vec![custinsight::from_json("complaint", r#"{"id": "T1",
///     "customer_id": "C1", "received_at": "2026-11-01T09:00:00Z", "channel": "app",
///     "status": "open"}"#)?];
/// assert_eq!(rows.count(), 1);
/// assert_eq!(rows.row(0).id, "T1");
/// # Ok::<(), custinsight::Error>(())
/// ```
pub trait ComplaintRows: Sync {
    /// How many complaints there are.
    fn count(&self) -> usize;

    /// The fields of complaint `row` (below [`ComplaintRows::count`]).
    fn row(&self, row: usize) -> ComplaintRef<'_>;

    /// The ticket id of complaint `row`: `row(row).id`, for a store that
    /// can give one field faster than all of them.
    fn id(&self, row: usize) -> &str {
        self.row(row).id
    }

    /// The customer id of complaint `row`, as [`ComplaintRows::id`].
    fn customer_id(&self, row: usize) -> Option<&str> {
        self.row(row).customer_id
    }

    /// The category of complaint `row`, as [`ComplaintRows::id`].
    fn category(&self, row: usize) -> Option<&str> {
        self.row(row).category
    }
}

impl ComplaintRows for [Complaint] {
    #[inline]
    fn count(&self) -> usize {
        self.len()
    }

    #[inline]
    fn row(&self, row: usize) -> ComplaintRef<'_> {
        self[row].view()
    }

    #[inline]
    fn id(&self, row: usize) -> &str {
        &self[row].id
    }

    #[inline]
    fn customer_id(&self, row: usize) -> Option<&str> {
        self[row].customer_id.as_deref()
    }

    #[inline]
    fn category(&self, row: usize) -> Option<&str> {
        self[row].category.as_deref()
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
