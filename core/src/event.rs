//! Events from source systems, the input of [`crate::ProfileBuilder`].

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::complaint::Complaint;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::profile::{
    AccountStatus, AuditAnomaly, Bill, Contact, MonthlyUsage, OnlineOrder, Payment, PaymentType, Plan,
    RetentionTask, Segment, SourceSystem, Tags, ValueTier, WatchListMembership,
};
use crate::validate::{check_id, check_non_negative, check_time};

/// One change reported by a source system about one customer.
///
/// The customer is named by `customer_id`, by `phone`, or both; an event that
/// carries both links the number to the customer, so events keyed only by
/// that number land in the same profile.
///
/// `at` orders events: for a single-valued field the newest event wins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceEvent {
    /// Unique id of the event within its source system; breaks ties between
    /// events with the same `at`.
    pub event_id: String,
    /// The system that reported it.
    pub source: SourceSystem,
    /// When the change happened in the source system (RFC 3339).
    pub at: DateTime<Utc>,
    /// The CRM customer id, when the source knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// The customer's phone number, any spelling.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// What changed.
    pub payload: EventPayload,
}

/// What an event says. The JSON form is tagged by `type`, e.g.
/// `{"type": "account", "balance": 12.5}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventPayload {
    /// Identity fields from CRM.
    Identity(IdentityUpdate),
    /// Account fields from BSS or CRM.
    Account(AccountUpdate),
    /// One bill cycle's usage from billing or the network element.
    Usage(MonthlyUsage),
    /// An issued bill.
    Bill(Bill),
    /// A payment or top-up.
    Payment(Payment),
    /// A contact through any channel.
    Contact(Contact),
    /// A complaint ticket, new or updated (same id: the newer event wins).
    Complaint(Complaint),
    /// A retention task, new or updated.
    RetentionTask(RetentionTask),
    /// An audit anomaly, new or updated.
    AuditAnomaly(AuditAnomaly),
    /// An online-shop order, new or updated.
    Order(OnlineOrder),
    /// Added to or removed from a push or watch list.
    WatchList(WatchListMembership),
    /// Free tags; absent fields are left as they are, and each `extra` tag
    /// is replaced individually.
    Tags(Tags),
}

/// Identity fields; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdentityUpdate {
    /// Further phone numbers of the customer (any spelling).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// Registered name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Market segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
    /// Value tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_tier: Option<ValueTier>,
    /// Join date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_at: Option<DateTime<Utc>>,
}

/// Account fields; absent fields are left as they are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountUpdate {
    /// Account status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<AccountStatus>,
    /// Prepaid or postpaid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_type: Option<PaymentType>,
    /// Balance (may be negative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<Money>,
    /// Credit limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit_limit: Option<Money>,
    /// Recurring monthly fee.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurring_fee: Option<Money>,
    /// Plan and allowances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// Contract end.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_end: Option<DateTime<Utc>>,
    /// Whether the service password has been changed since joining.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_password_changed: Option<bool>,
}

impl SourceEvent {
    /// Parses an event from JSON and validates it.
    ///
    /// # Errors
    /// [`Error::Parse`] or [`Error::InvalidField`] naming the field.
    pub fn from_json(json: &str) -> Result<SourceEvent> {
        let event: SourceEvent =
            crate::from_json("event JSON", json).map_err(|err| locate_payload_error(json).unwrap_or(err))?;
        event.validate()?;
        Ok(event)
    }

    /// Checks the event and its payload, naming the first offending field
    /// (e.g. `payload.closed_at`).
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_id("event_id", &self.event_id)?;
        check_time("at", self.at)?;
        if self.customer_id.is_none() && self.phone.is_none() {
            return Err(Error::invalid(
                "customer_id",
                "an event needs a customer_id or a phone to tell whose it is",
            ));
        }
        if let Some(customer_id) = &self.customer_id {
            check_id("customer_id", customer_id)?;
        }
        if let Some(phone) = &self.phone {
            crate::normalize_phone(phone)?;
        }
        self.payload.validate().map_err(|e| e.within("payload"))?;
        if let EventPayload::Complaint(complaint) = &self.payload {
            if let (Some(ours), Some(theirs)) = (&self.customer_id, &complaint.customer_id) {
                if ours != theirs {
                    return Err(Error::invalid(
                        "payload.customer_id",
                        format!("{theirs:?} differs from the event's customer_id {ours:?}"),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// serde buffers an internally tagged enum before choosing the variant, so a
/// parse error inside the payload is reported at `payload` only. Parsing the
/// payload again as its variant's own type recovers the field path
/// (`payload.balance`).
fn locate_payload_error(json: &str) -> Option<Error> {
    fn path_of<T: serde::de::DeserializeOwned>(payload: serde_json::Value) -> Option<Error> {
        let err = serde_path_to_error::deserialize::<_, T>(payload).err()?;
        Some(Error::Parse {
            what: "event JSON".to_owned(),
            location: format!("payload.{}", err.path()),
            reason: err.into_inner().to_string(),
        })
    }
    let value: serde_json::Value = serde_json::from_str(json).ok()?;
    let mut payload = value.get("payload")?.as_object()?.clone();
    let tag = payload.remove("type")?;
    let payload = serde_json::Value::Object(payload);
    match tag.as_str()? {
        "identity" => path_of::<IdentityUpdate>(payload),
        "account" => path_of::<AccountUpdate>(payload),
        "usage" => path_of::<MonthlyUsage>(payload),
        "bill" => path_of::<Bill>(payload),
        "payment" => path_of::<Payment>(payload),
        "contact" => path_of::<Contact>(payload),
        "complaint" => path_of::<Complaint>(payload),
        "retention_task" => path_of::<RetentionTask>(payload),
        "audit_anomaly" => path_of::<AuditAnomaly>(payload),
        "order" => path_of::<OnlineOrder>(payload),
        "watch_list" => path_of::<WatchListMembership>(payload),
        "tags" => path_of::<Tags>(payload),
        _ => None,
    }
}

impl EventPayload {
    /// The payload's `type` tag, e.g. `"account"`.
    pub fn type_name(&self) -> &'static str {
        match self {
            EventPayload::Identity(_) => "identity",
            EventPayload::Account(_) => "account",
            EventPayload::Usage(_) => "usage",
            EventPayload::Bill(_) => "bill",
            EventPayload::Payment(_) => "payment",
            EventPayload::Contact(_) => "contact",
            EventPayload::Complaint(_) => "complaint",
            EventPayload::RetentionTask(_) => "retention_task",
            EventPayload::AuditAnomaly(_) => "audit_anomaly",
            EventPayload::Order(_) => "order",
            EventPayload::WatchList(_) => "watch_list",
            EventPayload::Tags(_) => "tags",
        }
    }

    /// Checks the payload's own rules.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        match self {
            EventPayload::Identity(update) => {
                for (index, phone) in update.phones.iter().enumerate() {
                    crate::normalize_phone(phone).map_err(|e| e.within(&format!("phones[{index}]")))?;
                }
                if let Some(at) = update.joined_at {
                    check_time("joined_at", at)?;
                }
                Ok(())
            }
            EventPayload::Account(update) => {
                if let Some(limit) = update.credit_limit {
                    check_non_negative("credit_limit", limit)?;
                }
                if let Some(fee) = update.recurring_fee {
                    check_non_negative("recurring_fee", fee)?;
                }
                if let Some(plan) = &update.plan {
                    check_id("plan.code", &plan.code)?;
                }
                if let Some(at) = update.contract_end {
                    check_time("contract_end", at)?;
                }
                Ok(())
            }
            EventPayload::Usage(usage) => usage.validate(),
            EventPayload::Bill(bill) => bill.validate(),
            EventPayload::Payment(payment) => payment.validate(),
            EventPayload::Contact(contact) => contact.validate(),
            EventPayload::Complaint(complaint) => complaint.validate(),
            EventPayload::RetentionTask(task) => task.validate(),
            EventPayload::AuditAnomaly(anomaly) => anomaly.validate(),
            EventPayload::Order(order) => order.validate(),
            EventPayload::WatchList(membership) => membership.validate(),
            EventPayload::Tags(tags) => {
                for key in tags.extra.keys() {
                    check_id("extra", key)?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: &str = r#"{"event_id": "e1", "source": "billing", "at": "2026-11-01T00:00:00Z",
        "customer_id": "C1", "payload": {"type": "account", "balance": 3}}"#;

    #[test]
    fn tagged_payload_parses_and_round_trips() {
        let event = SourceEvent::from_json(ACCOUNT).unwrap();
        assert_eq!(event.payload.type_name(), "account");
        let json = serde_json::to_string(&event).unwrap();
        assert_eq!(SourceEvent::from_json(&json).unwrap(), event);
    }

    #[test]
    fn unknown_payload_fields_and_types_are_rejected_by_name() {
        let err = SourceEvent::from_json(&ACCOUNT.replace("balance", "balanse"))
            .unwrap_err()
            .to_string();
        assert!(err.contains("balanse"), "{err}");
        let err = SourceEvent::from_json(&ACCOUNT.replace("\"account\"", "\"acount\""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("payload") && err.contains("acount"), "{err}");
    }

    #[test]
    fn invalid_payload_names_the_nested_field() {
        let err = SourceEvent::from_json(
            r#"{"event_id": "e1", "source": "billing", "at": "2026-11-01T00:00:00Z", "customer_id": "C1",
                "payload": {"type": "bill", "id": "B1", "cycle_start": "2026-10-01",
                            "issued_at": "2026-11-01T00:00:00Z", "amount": -4}}"#,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(err, "invalid payload.amount: amount -4.00 must not be negative");
        let err = SourceEvent::from_json(&ACCOUNT.replace("\"customer_id\": \"C1\",", "\"phone\": \"12\","))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("invalid phone:"), "{err}");
    }
}
