//! The call pop-up (domain spec section 5): why this customer is probably
//! calling and what the agent should do or offer, ranked and explained.
//!
//! [`pop_up`] is a pure function of the profile, the time, the
//! configuration and (optionally) a churn model: the same inputs give the
//! same answer, on any thread. [`pop_up_batch`] and [`push_lists`] score many
//! profiles on all cores and give exactly the one-by-one answers.
//!
//! ```
//! use custinsight::CustomerProfile;
//! use custinsight::popup::{pop_up, OpportunityKind, PopUpConfig};
//!
//! let profile = CustomerProfile::from_json(
//!     r#"{"customer_id": "C1", "account": {"balance": 12.5, "recurring_fee": 58}}"#,
//! )?;
//! let now = "2026-11-20T09:00:00Z".parse().unwrap();
//! let popup = pop_up(&profile, now, &PopUpConfig::default(), None);
//! assert_eq!(popup.opportunities[0].kind, OpportunityKind::LowBalance);
//! assert!(popup.opportunities[0].script.en.contains("12.50"));
//! # Ok::<(), custinsight::Error>(())
//! ```

mod config;
mod history;
mod intent;
mod rules;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::churn::ChurnModel;
use crate::profile::CustomerProfile;

pub use config::{
    AuditAnomalyConfig, BillShockConfig, ChurnRiskConfig, ContractExpiringConfig, DefaultPasswordConfig,
    EscalationRiskConfig, FrequentCallerConfig, IntentConfig, LowBalanceConfig, NewUserFirstCallConfig,
    OpenComplaintConfig, PendingOrderConfig, PlanUpgradeConfig, PopUpConfig, RetentionTaskConfig,
    RoamingBillConfig, SuppressionConfig, SuspendedConfig, SuspensionImminentConfig, WatchListConfig,
};
pub use history::{complaint_history, ComplaintHistory};

/// A kind of service opportunity (服务机会).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpportunityKind {
    /// 余额不足抵扣月租: balance (plus credit) below next month's fee.
    LowBalance,
    /// 即将停机: balance or credit runs out within 3 days.
    SuspensionImminent,
    /// 已停机/半停机: suspended or half-suspended.
    Suspended,
    /// 国际漫游话单影响: roaming charges this cycle, or on a roaming list.
    RoamingBill,
    /// 新入网首次来电: joined within 30 days, no earlier hotline contact.
    NewUserFirstCall,
    /// 新入网未改服务密码: joined within 90 days, password never changed.
    DefaultPassword,
    /// 高频来电: 3 or more person-handled contacts in 30 days.
    FrequentCaller,
    /// 稽核异常: an open cross-system audit anomaly.
    AuditAnomaly,
    /// 工单进展: an open complaint ticket.
    OpenComplaint,
    /// 投诉升级风险: an open complaint nearing the 15-day appeal age, or
    /// with repeat/second history (issue 5's refinement of open_complaint).
    EscalationRisk,
    /// 网上商城订单: an online order unfinished or late.
    PendingOrder,
    /// 维系任务: on a retention list.
    RetentionTask,
    /// 流失风险: the churn model scores above its threshold.
    ChurnRisk,
    /// 套餐升级推荐: over the allowance in 2 of the last 3 cycles.
    PlanUpgrade,
    /// 合约到期: contract ends within 30 days.
    ContractExpiring,
    /// 账单突增: current bill at least 1.5 × the average of the 3 before.
    BillShock,
    /// 服务推送名单: on a configured push list.
    WatchList,
}

impl OpportunityKind {
    /// Every kind, in tie-break order (more urgent first).
    pub const ALL: [OpportunityKind; 17] = [
        OpportunityKind::Suspended,
        OpportunityKind::SuspensionImminent,
        OpportunityKind::EscalationRisk,
        OpportunityKind::AuditAnomaly,
        OpportunityKind::OpenComplaint,
        OpportunityKind::LowBalance,
        OpportunityKind::BillShock,
        OpportunityKind::RoamingBill,
        OpportunityKind::PendingOrder,
        OpportunityKind::FrequentCaller,
        OpportunityKind::ChurnRisk,
        OpportunityKind::RetentionTask,
        OpportunityKind::NewUserFirstCall,
        OpportunityKind::WatchList,
        OpportunityKind::ContractExpiring,
        OpportunityKind::PlanUpgrade,
        OpportunityKind::DefaultPassword,
    ];

    /// The snake_case name used in JSON and TOML.
    pub fn as_str(self) -> &'static str {
        match self {
            OpportunityKind::LowBalance => "low_balance",
            OpportunityKind::SuspensionImminent => "suspension_imminent",
            OpportunityKind::Suspended => "suspended",
            OpportunityKind::RoamingBill => "roaming_bill",
            OpportunityKind::NewUserFirstCall => "new_user_first_call",
            OpportunityKind::DefaultPassword => "default_password",
            OpportunityKind::FrequentCaller => "frequent_caller",
            OpportunityKind::AuditAnomaly => "audit_anomaly",
            OpportunityKind::OpenComplaint => "open_complaint",
            OpportunityKind::EscalationRisk => "escalation_risk",
            OpportunityKind::PendingOrder => "pending_order",
            OpportunityKind::RetentionTask => "retention_task",
            OpportunityKind::ChurnRisk => "churn_risk",
            OpportunityKind::PlanUpgrade => "plan_upgrade",
            OpportunityKind::ContractExpiring => "contract_expiring",
            OpportunityKind::BillShock => "bill_shock",
            OpportunityKind::WatchList => "watch_list",
        }
    }

    /// The Chinese name of the spec's table.
    pub fn zh_name(self) -> &'static str {
        match self {
            OpportunityKind::LowBalance => "余额不足抵扣月租",
            OpportunityKind::SuspensionImminent => "即将停机",
            OpportunityKind::Suspended => "已停机/半停机",
            OpportunityKind::RoamingBill => "国际漫游话单影响",
            OpportunityKind::NewUserFirstCall => "新入网首次来电",
            OpportunityKind::DefaultPassword => "新入网未改服务密码",
            OpportunityKind::FrequentCaller => "高频来电",
            OpportunityKind::AuditAnomaly => "稽核异常",
            OpportunityKind::OpenComplaint => "工单进展",
            OpportunityKind::EscalationRisk => "投诉升级风险",
            OpportunityKind::PendingOrder => "网上商城订单",
            OpportunityKind::RetentionTask => "维系任务",
            OpportunityKind::ChurnRisk => "流失风险",
            OpportunityKind::PlanUpgrade => "套餐升级推荐",
            OpportunityKind::ContractExpiring => "合约到期",
            OpportunityKind::BillShock => "账单突增",
            OpportunityKind::WatchList => "服务推送名单",
        }
    }

    fn rank(self) -> usize {
        OpportunityKind::ALL
            .iter()
            .position(|&kind| kind == self)
            .expect("ALL lists every kind")
    }
}

/// Why a customer calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallReason {
    /// A question about a bill, a charge or the balance.
    BillingQuestion,
    /// Service barred or about to be.
    Suspension,
    /// Roaming charges or roaming service.
    Roaming,
    /// Something does not work (network, provisioning).
    NetworkFault,
    /// Following up an open complaint.
    ComplaintFollowUp,
    /// Where an order is.
    OrderStatus,
    /// Wants to leave, or is being kept.
    Retention,
    /// Plan, contract or offer.
    PlanChange,
    /// Account set-up, password, identity.
    AccountService,
    /// Anything else: the remainder of the probability.
    Other,
}

impl CallReason {
    /// Every reason, `Other` last.
    pub const ALL: [CallReason; 10] = [
        CallReason::BillingQuestion,
        CallReason::Suspension,
        CallReason::Roaming,
        CallReason::NetworkFault,
        CallReason::ComplaintFollowUp,
        CallReason::OrderStatus,
        CallReason::Retention,
        CallReason::PlanChange,
        CallReason::AccountService,
        CallReason::Other,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            CallReason::BillingQuestion => "billing_question",
            CallReason::Suspension => "suspension",
            CallReason::Roaming => "roaming",
            CallReason::NetworkFault => "network_fault",
            CallReason::ComplaintFollowUp => "complaint_follow_up",
            CallReason::OrderStatus => "order_status",
            CallReason::Retention => "retention",
            CallReason::PlanChange => "plan_change",
            CallReason::AccountService => "account_service",
            CallReason::Other => "other",
        }
    }

    /// Chinese label for the agent's screen.
    pub fn zh_name(self) -> &'static str {
        match self {
            CallReason::BillingQuestion => "账单/费用咨询",
            CallReason::Suspension => "停复机",
            CallReason::Roaming => "漫游",
            CallReason::NetworkFault => "故障",
            CallReason::ComplaintFollowUp => "投诉进展",
            CallReason::OrderStatus => "订单查询",
            CallReason::Retention => "维系/离网",
            CallReason::PlanChange => "套餐/合约",
            CallReason::AccountService => "账户服务",
            CallReason::Other => "其他",
        }
    }
}

/// A text in both languages of the agent desktop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bilingual {
    /// Chinese.
    pub zh: String,
    /// English.
    pub en: String,
}

/// One fact that fired an opportunity: the profile field, its value, and the
/// threshold it was compared with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// Profile field path, e.g. `account.balance`.
    pub field: String,
    /// The value found.
    pub value: String,
    /// The rule it met, e.g. `< 58.00 (account.recurring_fee)`.
    pub threshold: String,
}

/// A service opportunity (服务机会) for this contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Opportunity {
    /// What kind.
    pub kind: OpportunityKind,
    /// Score in `[0, 1]` after the kind's weight; ranking key.
    pub score: f64,
    /// The facts that fired it.
    pub evidence: Vec<Evidence>,
    /// Explanation script (解释口径), rendered with the profile's values.
    pub script: Bilingual,
    /// Handling guidance (处理指引).
    pub guidance: Bilingual,
    /// The call reason it predicts.
    pub call_reason: CallReason,
    /// The ticket, order, task, anomaly or list it is about, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject_id: Option<String>,
}

/// The probability that the customer calls for one reason.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CallIntent {
    /// The reason.
    pub reason: CallReason,
    /// Probability in `[0, 1]`; all intents of a pop-up sum to 1 with
    /// `other` taking the remainder.
    pub probability: f64,
}

/// Why an opportunity that fired is not shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SuppressionReason {
    /// Marketing held back: the customer has an open complaint.
    OpenComplaint,
    /// Marketing held back: a critical complaint in the last days.
    RecentCriticalComplaint,
    /// Retention task: another channel contacted the customer about it
    /// within the cooldown.
    RetentionCooldown,
}

/// An opportunity that fired but is held back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppressed {
    /// The kind held back.
    pub kind: OpportunityKind,
    /// Why.
    pub reason: SuppressionReason,
    /// The complaint, task or contact that caused it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub because_of: Option<String>,
}

/// What the agent sees when the call rings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PopUp {
    /// The customer, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// The time the pop-up was computed for.
    pub at: DateTime<Utc>,
    /// Predicted call reasons, most likely first, `other` included.
    pub call_intents: Vec<CallIntent>,
    /// Opportunities, best first, one per kind, at most `top_n`.
    pub opportunities: Vec<Opportunity>,
    /// Opportunities that fired but are held back.
    pub suppressed: Vec<Suppressed>,
    /// The churn model's probability, when a model was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub churn_probability: Option<f64>,
}

impl PopUp {
    /// Serialises to compact JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a pop-up always serialises: scores are finite")
    }

    /// The probability of one call reason (0 when not listed).
    pub fn intent(&self, reason: CallReason) -> f64 {
        self.call_intents
            .iter()
            .find(|intent| intent.reason == reason)
            .map_or(0.0, |intent| intent.probability)
    }

    /// The shown opportunity of a kind, if any.
    pub fn get(&self, kind: OpportunityKind) -> Option<&Opportunity> {
        self.opportunities
            .iter()
            .find(|opportunity| opportunity.kind == kind)
    }
}

/// Computes the call pop-up for one profile at `now`.
///
/// Pure and deterministic; `churn` is only needed for the `churn_risk` kind.
/// The configuration is assumed valid ([`PopUpConfig::validate`]); weights
/// and scores are clamped so an unchecked one cannot push a score out of
/// `[0, 1]`.
pub fn pop_up(
    profile: &CustomerProfile,
    now: DateTime<Utc>,
    config: &PopUpConfig,
    churn: Option<&ChurnModel>,
) -> PopUp {
    let churn = churn.map(|model| (model, model.predict_profile(profile, now)));
    let churn_probability = churn.map(|(_, probability)| probability);
    let fired = rules::evaluate(profile, now, config, churn);
    let mut suppressed = Vec::new();
    let mut shown: Vec<Opportunity> = Vec::with_capacity(fired.len());
    let marketing_block = rules::marketing_block(profile, now, config);
    for (opportunity, cooldown) in fired {
        if let Some(because_of) = cooldown {
            suppressed.push(Suppressed {
                kind: opportunity.kind,
                reason: SuppressionReason::RetentionCooldown,
                because_of: Some(because_of),
            });
            continue;
        }
        if config.suppression.marketing_kinds.contains(&opportunity.kind) {
            if let Some((reason, because_of)) = &marketing_block {
                suppressed.push(Suppressed {
                    kind: opportunity.kind,
                    reason: *reason,
                    because_of: Some(because_of.clone()),
                });
                continue;
            }
        }
        shown.push(opportunity);
    }
    shown.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.kind.rank().cmp(&b.kind.rank()))
    });
    shown.dedup_by_key(|opportunity| opportunity.kind);
    let call_intents = intent::predict(&shown, profile, now, config);
    shown.truncate(config.top_n);
    PopUp {
        customer_id: profile.customer_id.clone(),
        at: now,
        call_intents,
        opportunities: shown,
        suppressed,
        churn_probability,
    }
}

/// [`pop_up`] for many profiles on all cores, in input order; each answer
/// equals the one-by-one answer.
pub fn pop_up_batch(
    profiles: &[CustomerProfile],
    now: DateTime<Utc>,
    config: &PopUpConfig,
    churn: Option<&ChurnModel>,
) -> Vec<PopUp> {
    profiles
        .par_iter()
        .with_min_len(64)
        .map(|profile| pop_up(profile, now, config, churn))
        .collect()
}

/// Nightly push lists: customer ids to remind, to retain and to call back.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushLists {
    /// Payment and renewal reminders: low balance, imminent suspension,
    /// suspended, bill shock, contract expiring.
    pub remind: Vec<String>,
    /// Retention: churn risk or an open retention task.
    pub retain: Vec<String>,
    /// Call back: escalation risk, open complaint, audit anomaly, pending
    /// order.
    pub call_back: Vec<String>,
}

/// Which push list an opportunity kind feeds, if any.
pub fn push_list_of(kind: OpportunityKind) -> Option<&'static str> {
    match kind {
        OpportunityKind::LowBalance
        | OpportunityKind::SuspensionImminent
        | OpportunityKind::Suspended
        | OpportunityKind::BillShock
        | OpportunityKind::ContractExpiring => Some("remind"),
        OpportunityKind::ChurnRisk | OpportunityKind::RetentionTask => Some("retain"),
        OpportunityKind::EscalationRisk
        | OpportunityKind::OpenComplaint
        | OpportunityKind::AuditAnomaly
        | OpportunityKind::PendingOrder => Some("call_back"),
        _ => None,
    }
}

/// Builds the nightly push lists from the pop-ups of many profiles (all
/// shown opportunities count, not only the top N), on all cores. Profiles
/// without a customer id are skipped; each list is sorted and duplicate-free.
pub fn push_lists(
    profiles: &[CustomerProfile],
    now: DateTime<Utc>,
    config: &PopUpConfig,
    churn: Option<&ChurnModel>,
) -> PushLists {
    let unlimited = PopUpConfig {
        top_n: usize::MAX,
        ..config.clone()
    };
    let mut lists = profiles
        .par_iter()
        .filter_map(|profile| {
            let id = profile.customer_id.as_ref()?;
            let popup = pop_up(profile, now, &unlimited, churn);
            let mut lists = PushLists::default();
            for opportunity in &popup.opportunities {
                let list = match push_list_of(opportunity.kind) {
                    Some("remind") => &mut lists.remind,
                    Some("retain") => &mut lists.retain,
                    Some(_) => &mut lists.call_back,
                    None => continue,
                };
                if !list.contains(id) {
                    list.push(id.clone());
                }
            }
            Some(lists)
        })
        .reduce(PushLists::default, |mut a, b| {
            a.remind.extend(b.remind);
            a.retain.extend(b.retain);
            a.call_back.extend(b.call_back);
            a
        });
    for list in [&mut lists.remind, &mut lists.retain, &mut lists.call_back] {
        list.sort();
        list.dedup();
    }
    lists
}
