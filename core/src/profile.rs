//! The unified customer profile (domain spec sections 1 and 5): everything
//! known about one customer, merged from BSS, CRM, network elements, the
//! retention system, the online shop and the contact channels.
//!
//! Every list is kept sorted (by time, then id) so that two profiles with the
//! same content are equal and serialise to the same JSON.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::complaint::Complaint;
use crate::error::{Error, Result};
use crate::money::Money;
use crate::taxonomy::Severity;
use crate::validate::{check_date, check_id, check_non_negative, check_time};

/// One customer, merged from every source system.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerProfile {
    /// The CRM customer id; `None` for a caller known only by phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Who the customer is.
    #[serde(default)]
    pub identity: Identity,
    /// Account state from BSS.
    #[serde(default)]
    pub account: Account,
    /// Usage per bill cycle, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub usage: Vec<MonthlyUsage>,
    /// Issued bills, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bills: Vec<Bill>,
    /// Payments and top-ups, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payments: Vec<Payment>,
    /// Contacts through any channel, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<Contact>,
    /// Complaint tickets, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub complaints: Vec<Complaint>,
    /// Retention tasks from the retention system, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub retention_tasks: Vec<RetentionTask>,
    /// Cross-system audit anomalies, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub audit_anomalies: Vec<AuditAnomaly>,
    /// Orders from the online shop, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<OnlineOrder>,
    /// Push and watch lists the customer is on, by list id.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub watch_lists: Vec<WatchListMembership>,
    /// Free tags: preferred channel, temperament, matched agent, and more.
    #[serde(default)]
    pub tags: Tags,
    /// Time of the newest event folded into this profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<DateTime<Utc>>,
}

/// Who the customer is.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// Normalised phone numbers (see [`crate::normalize_phone`]), sorted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<String>,
    /// Name as registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Market segment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<Segment>,
    /// Value tier (star level).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_tier: Option<ValueTier>,
    /// When the customer joined the network (入网时间).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_at: Option<DateTime<Utc>>,
}

/// Market segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Segment {
    /// A private person.
    Individual,
    /// A household with shared plans.
    Family,
    /// A business customer.
    Business,
    /// A government or public-sector customer.
    Government,
}

/// Value tier, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ValueTier {
    /// No tier.
    Standard,
    /// Silver.
    Silver,
    /// Gold.
    Gold,
    /// Platinum.
    Platinum,
    /// Diamond.
    Diamond,
}

/// Account status in BSS.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// In service.
    #[default]
    Active,
    /// Outgoing calls barred, incoming allowed (半停机).
    HalfSuspended,
    /// All service barred (停机).
    Suspended,
    /// Cancelled (销户).
    Cancelled,
}

/// How the customer pays.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum PaymentType {
    /// Pays in advance from a balance.
    #[default]
    Prepaid,
    /// Billed after the cycle, within a credit limit.
    Postpaid,
}

/// Account state from BSS.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// In service, suspended, ...
    #[serde(default)]
    pub status: AccountStatus,
    /// Prepaid or postpaid.
    #[serde(default)]
    pub payment_type: PaymentType,
    /// Balance; negative when the customer owes money.
    #[serde(default)]
    pub balance: Money,
    /// Credit limit (postpaid); never negative.
    #[serde(default)]
    pub credit_limit: Money,
    /// Recurring monthly fee (月租); never negative.
    #[serde(default)]
    pub recurring_fee: Money,
    /// The plan (套餐) and its allowances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// When the contract or package commitment ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contract_end: Option<DateTime<Utc>>,
    /// Whether the service password was changed since joining.
    #[serde(default)]
    pub service_password_changed: bool,
}

/// A tariff plan and its monthly allowances.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Plan code in the product catalogue.
    pub code: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Monthly data allowance in MB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_mb: Option<u64>,
    /// Monthly voice allowance in minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_minutes: Option<u64>,
    /// Monthly SMS allowance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<u64>,
}

/// Usage in one bill cycle, with the allowances that applied to it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MonthlyUsage {
    /// First day of the bill cycle; identifies the cycle.
    pub cycle_start: NaiveDate,
    /// Data used, MB.
    #[serde(default)]
    pub data_mb: u64,
    /// Voice used, minutes.
    #[serde(default)]
    pub voice_minutes: u64,
    /// SMS sent.
    #[serde(default)]
    pub sms: u64,
    /// Data allowance of the cycle, MB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_allowance_mb: Option<u64>,
    /// Voice allowance of the cycle, minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub voice_allowance_minutes: Option<u64>,
    /// SMS allowance of the cycle.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_allowance: Option<u64>,
    /// Roaming charges incurred in the cycle.
    #[serde(default)]
    pub roaming_charges: Money,
}

/// An issued bill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bill {
    /// Bill number.
    pub id: String,
    /// First day of the bill cycle.
    pub cycle_start: NaiveDate,
    /// When the bill was issued.
    pub issued_at: DateTime<Utc>,
    /// Payment due date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// Total amount; never negative.
    pub amount: Money,
    /// Part of the amount from roaming; never negative.
    #[serde(default)]
    pub roaming_amount: Money,
    /// Whether it has been paid in full.
    #[serde(default)]
    pub paid: bool,
}

/// A payment or top-up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    /// Payment reference.
    pub id: String,
    /// When it was paid.
    pub paid_at: DateTime<Utc>,
    /// Amount; never negative.
    pub amount: Money,
    /// Channel the payment came through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
    /// Whether it has been credited to the account.
    #[serde(default = "yes")]
    pub credited: bool,
}

fn yes() -> bool {
    true
}

/// Who handled a contact.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum HandledBy {
    /// A person: hotline agent, online agent, store clerk, account manager.
    #[default]
    Agent,
    /// Self-service: IVR, app, web.
    SelfService,
}

/// One contact between the customer and the operator.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Contact record id.
    pub id: String,
    /// Channel.
    pub channel: Channel,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Recorded reason (call reason code or free text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// A person or self-service.
    #[serde(default)]
    pub handled_by: HandledBy,
    /// The agent, when a person handled it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Id of the complaint, order or retention task the contact was about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related_id: Option<String>,
}

/// State of a retention task.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    /// To be worked.
    #[default]
    Open,
    /// Offer accepted or task completed.
    Done,
    /// Customer declined.
    Declined,
    /// No longer valid.
    Expired,
}

/// A retention (维系) task from the retention system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionTask {
    /// Task id.
    pub id: String,
    /// The retention list (campaign) it belongs to.
    pub list: String,
    /// What to offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<String>,
    /// The approved script for the offer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Open, done, declined, expired.
    #[serde(default)]
    pub status: TaskStatus,
}

/// Kind of cross-system mismatch (domain spec section 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyCode {
    /// BSS and the network element disagree on whether service is barred.
    StatusMismatch,
    /// Billing charges for a product the network has not provisioned.
    ChargedNotProvisioned,
    /// The network provides a product nobody ordered in CRM.
    ProvisionedNotOrdered,
    /// CRM and billing name different plans.
    PlanMismatch,
}

/// A source system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SourceSystem {
    /// Billing (BSS charging and invoicing).
    Billing,
    /// CRM (customer, subscription and complaint records).
    Crm,
    /// Network element provisioning (HLR/HSS, AAA).
    NetworkElement,
    /// The online shop.
    OnlineShop,
    /// The retention system.
    Retention,
    /// A contact channel (hotline, IVR, app, WeChat, store).
    ContactChannel,
    /// The audit system.
    Audit,
}

/// An open or resolved cross-system audit anomaly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditAnomaly {
    /// Anomaly id.
    pub id: String,
    /// What kind of mismatch.
    pub code: AnomalyCode,
    /// The systems that disagree.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub systems: Vec<SourceSystem>,
    /// The disagreeing values, e.g. `BSS active, HLR barred`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// How much it affects the customer.
    pub severity: Severity,
    /// When it was detected.
    pub detected_at: DateTime<Utc>,
    /// When it was resolved; `None` while open.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
}

/// State of an online-shop order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed, not yet paid.
    Placed,
    /// Paid, being prepared.
    Paid,
    /// Shipped.
    Shipped,
    /// Delivered and finished.
    Completed,
    /// Cancelled.
    Cancelled,
    /// Failed (payment, activation or delivery).
    Failed,
}

impl OrderStatus {
    /// Whether the order still needs something to happen.
    pub fn is_unfinished(self) -> bool {
        matches!(
            self,
            OrderStatus::Placed | OrderStatus::Paid | OrderStatus::Shipped | OrderStatus::Failed
        )
    }
}

/// An order from the online shop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnlineOrder {
    /// Order number.
    pub id: String,
    /// What was ordered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// When it was placed.
    pub placed_at: DateTime<Utc>,
    /// Current state.
    pub status: OrderStatus,
    /// When it was promised to be done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub promised_by: Option<DateTime<Utc>>,
}

/// Membership of a push or watch list (服务推送名单), e.g. a roaming watch list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WatchListMembership {
    /// List id, e.g. `roaming`.
    pub list: String,
    /// When the customer was put on it.
    pub added_at: DateTime<Utc>,
    /// Guidance for the agent that comes with the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guidance: Option<String>,
    /// When the customer was taken off it; `None` while on it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_at: Option<DateTime<Utc>>,
}

/// Free tags kept by CRM and agents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tags {
    /// The channel the customer prefers to be contacted through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_channel: Option<Channel>,
    /// Temperament noted by agents, e.g. `impatient`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperament: Option<String>,
    /// The agent the customer is matched to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matched_agent: Option<String>,
    /// Any other tags, by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub extra: BTreeMap<String, String>,
}

impl CustomerProfile {
    /// Parses a profile from JSON and validates it.
    ///
    /// # Errors
    /// [`Error::Parse`] naming the field for malformed JSON or unknown enum
    /// values; [`Error::InvalidField`] naming the field for broken rules.
    ///
    /// ```
    /// let profile = custinsight::CustomerProfile::from_json(
    ///     r#"{"customer_id": "C1", "account": {"status": "half_suspended", "balance": -3.5}}"#,
    /// ).unwrap();
    /// assert_eq!(profile.account.balance.minor_units(), -350);
    /// let err = custinsight::CustomerProfile::from_json(r#"{"account": {"recurring_fee": -1}}"#)
    ///     .unwrap_err();
    /// assert_eq!(err.to_string(), "invalid account.recurring_fee: amount -1.00 must not be negative");
    /// ```
    pub fn from_json(json: &str) -> Result<CustomerProfile> {
        let profile: CustomerProfile = crate::from_json("profile JSON", json)?;
        profile.validate()?;
        Ok(profile)
    }

    /// Serialises to compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a profile always serialises: keys are strings, numbers finite")
    }

    /// Checks every domain rule, naming the first offending field.
    ///
    /// # Errors
    /// [`Error::InvalidField`] with the field path, e.g.
    /// `complaints[2].closed_at`.
    pub fn validate(&self) -> Result<()> {
        if let Some(customer_id) = &self.customer_id {
            check_id("customer_id", customer_id)?;
        }
        self.identity.validate().map_err(|e| e.within("identity"))?;
        self.account.validate().map_err(|e| e.within("account"))?;
        validate_list("usage", &self.usage, MonthlyUsage::validate)?;
        validate_list("bills", &self.bills, Bill::validate)?;
        validate_list("payments", &self.payments, Payment::validate)?;
        validate_list("contacts", &self.contacts, Contact::validate)?;
        validate_list("complaints", &self.complaints, Complaint::validate)?;
        validate_list("retention_tasks", &self.retention_tasks, RetentionTask::validate)?;
        validate_list("audit_anomalies", &self.audit_anomalies, AuditAnomaly::validate)?;
        validate_list("orders", &self.orders, OnlineOrder::validate)?;
        validate_list("watch_lists", &self.watch_lists, WatchListMembership::validate)?;
        if let Some(at) = self.updated_at {
            check_time("updated_at", at)?;
        }
        Ok(())
    }
}

fn validate_list<T>(name: &str, items: &[T], validate: impl Fn(&T) -> Result<()>) -> Result<()> {
    for (index, item) in items.iter().enumerate() {
        validate(item).map_err(|e| e.within(&format!("{name}[{index}]")))?;
    }
    Ok(())
}

impl Identity {
    /// Checks phones are in normalised form and the join date is in range.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        for (index, phone) in self.phones.iter().enumerate() {
            let normalised =
                crate::normalize_phone(phone).map_err(|e| e.within(&format!("phones[{index}]")))?;
            if &normalised != phone {
                return Err(Error::invalid(
                    format!("phones[{index}]"),
                    format!("{phone:?} is not normalised (expected {normalised:?})"),
                ));
            }
        }
        if let Some(at) = self.joined_at {
            check_time("joined_at", at)?;
        }
        Ok(())
    }
}

impl Account {
    /// Checks that the credit limit and the recurring fee are not negative
    /// and that the contract end is in range.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_non_negative("credit_limit", self.credit_limit)?;
        check_non_negative("recurring_fee", self.recurring_fee)?;
        if let Some(plan) = &self.plan {
            check_id("plan.code", &plan.code)?;
        }
        if let Some(at) = self.contract_end {
            check_time("contract_end", at)?;
        }
        Ok(())
    }
}

impl MonthlyUsage {
    /// Checks the cycle date and that roaming charges are not negative.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_date("cycle_start", self.cycle_start)?;
        check_non_negative("roaming_charges", self.roaming_charges)
    }
}

impl Bill {
    /// Checks the id, the dates and that amounts are not negative.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_id("id", &self.id)?;
        check_date("cycle_start", self.cycle_start)?;
        check_time("issued_at", self.issued_at)?;
        if let Some(due_at) = self.due_at {
            check_time("due_at", due_at)?;
            if due_at < self.issued_at {
                return Err(Error::invalid("due_at", "is before issued_at"));
            }
        }
        check_non_negative("amount", self.amount)?;
        check_non_negative("roaming_amount", self.roaming_amount)?;
        if self.roaming_amount > self.amount {
            return Err(Error::invalid(
                "roaming_amount",
                format!("{} exceeds the bill amount {}", self.roaming_amount, self.amount),
            ));
        }
        Ok(())
    }
}

impl Payment {
    /// Checks the id, the time and that the amount is not negative.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_id("id", &self.id)?;
        check_time("paid_at", self.paid_at)?;
        check_non_negative("amount", self.amount)
    }
}

impl Contact {
    /// Checks the id and the time.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_id("id", &self.id)?;
        check_time("at", self.at)
    }

    /// Whether a person handled it (what frequent-caller detection counts).
    pub fn is_handled_by_person(&self) -> bool {
        self.handled_by == HandledBy::Agent
    }
}

impl RetentionTask {
    /// Checks the id, the list and the dates.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_id("id", &self.id)?;
        check_id("list", &self.list)?;
        check_time("created_at", self.created_at)?;
        if let Some(expires_at) = self.expires_at {
            check_time("expires_at", expires_at)?;
            if expires_at < self.created_at {
                return Err(Error::invalid("expires_at", "is before created_at"));
            }
        }
        Ok(())
    }
}

impl AuditAnomaly {
    /// Checks the id and that it was not resolved before it was detected.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_id("id", &self.id)?;
        check_time("detected_at", self.detected_at)?;
        if let Some(resolved_at) = self.resolved_at {
            check_time("resolved_at", resolved_at)?;
            if resolved_at < self.detected_at {
                return Err(Error::invalid("resolved_at", "is before detected_at"));
            }
        }
        Ok(())
    }

    /// Whether the anomaly is still open.
    pub fn is_open(&self) -> bool {
        self.resolved_at.is_none()
    }
}

impl OnlineOrder {
    /// Checks the id and the dates.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_id("id", &self.id)?;
        check_time("placed_at", self.placed_at)?;
        if let Some(promised_by) = self.promised_by {
            check_time("promised_by", promised_by)?;
        }
        Ok(())
    }
}

impl WatchListMembership {
    /// Checks the list id and the dates.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field.
    pub fn validate(&self) -> Result<()> {
        check_id("list", &self.list)?;
        check_time("added_at", self.added_at)?;
        if let Some(removed_at) = self.removed_at {
            check_time("removed_at", removed_at)?;
        }
        Ok(())
    }

    /// Whether the customer is still on the list.
    pub fn is_active(&self) -> bool {
        self.removed_at.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_nested_fields() {
        let json = r#"{"customer_id": "C1", "complaints": [
            {"id": "T1", "customer_id": "C1", "received_at": "2026-01-02T00:00:00Z", "channel": "app", "status": "open"},
            {"id": "T2", "customer_id": "C1", "received_at": "2026-01-02T00:00:00Z", "channel": "app",
             "status": "closed", "closed_at": "2026-01-01T00:00:00Z"}]}"#;
        let err = CustomerProfile::from_json(json).unwrap_err().to_string();
        assert!(err.starts_with("invalid complaints[1].closed_at:"), "{err}");
    }

    #[test]
    fn unnormalised_phones_and_out_of_range_dates_are_rejected() {
        let err = CustomerProfile::from_json(r#"{"identity": {"phones": ["+86 13812345678"]}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("identity.phones[0]") && err.contains("13812345678"),
            "{err}"
        );
        let err = CustomerProfile::from_json(r#"{"identity": {"joined_at": "2190-01-01T00:00:00Z"}}"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("identity.joined_at") && err.contains("2190"),
            "{err}"
        );
    }

    #[test]
    fn unknown_status_names_the_field() {
        let err = CustomerProfile::from_json(r#"{"account": {"status": "frozen"}}"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("account.status") && err.contains("frozen"), "{err}");
    }
}
