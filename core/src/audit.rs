//! Cross-system audit (稽核, domain spec section 6): one customer's records as
//! CRM/BSS, the network element (HLR/HSS) and billing see them, compared;
//! every disagreement becomes an [`AuditFinding`] with its code, the systems
//! and values that disagree, a severity and the agent's script. Findings
//! become profile [`AuditAnomaly`] records ([`AuditFinding::to_anomaly`]),
//! which the pop-up's `audit_anomaly` kind explains before the customer
//! complains.
//!
//! Rules, in report order:
//!
//! 1. **Status** (`status_mismatch`): the network barring CRM's status
//!    implies (active: none, half-suspended: outgoing, suspended or
//!    cancelled: all) differs from the network's. High severity when the
//!    network bars more than CRM says (the customer loses service), low when
//!    it bars less (revenue leak, no harm to the customer).
//! 2. **Plan** (`plan_mismatch`): CRM's plan differs from billing's (one
//!    missing counts as different). Medium.
//! 3. **Charged, not provisioned** (`charged_not_provisioned`): billing
//!    charges a product that needs provisioning and the network does not
//!    provide. High when the charge is above zero, else low.
//! 4. **Provisioned, not ordered** (`provisioned_not_ordered`): the network
//!    provides a product CRM has no order for. High when billing also
//!    charges it (an unsolicited paid service), else medium.
//!
//! ```
//! use custinsight::audit::{audit, AuditInput, Barring};
//! use custinsight::{AccountStatus, AnomalyCode};
//!
//! let mut input = AuditInput::default();
//! input.crm.status = AccountStatus::Active;
//! input.network.barring = Barring::All;
//! let findings = audit(&input);
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].code, AnomalyCode::StatusMismatch);
//! assert!(findings[0].script.en.contains("barred"));
//! ```

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::money::Money;
use crate::popup::Bilingual;
use crate::profile::{AccountStatus, AnomalyCode, AuditAnomaly, SourceSystem};
use crate::taxonomy::Severity;

/// What the network element bars.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Barring {
    /// Nothing barred.
    #[default]
    None,
    /// Outgoing calls and data barred (半停机).
    Outgoing,
    /// All service barred (停机).
    All,
}

impl Barring {
    fn as_str(self) -> &'static str {
        match self {
            Barring::None => "not barred",
            Barring::Outgoing => "outgoing barred",
            Barring::All => "all barred",
        }
    }

    fn zh(self) -> &'static str {
        match self {
            Barring::None => "正常",
            Barring::Outgoing => "半停机",
            Barring::All => "停机",
        }
    }

    /// The barring an account status implies.
    pub fn implied_by(status: AccountStatus) -> Barring {
        match status {
            AccountStatus::Active => Barring::None,
            AccountStatus::HalfSuspended => Barring::Outgoing,
            AccountStatus::Suspended | AccountStatus::Cancelled => Barring::All,
        }
    }
}

/// The subscription as CRM/BSS records it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrmView {
    /// Account status.
    pub status: AccountStatus,
    /// Plan code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Product codes the customer ordered (value-added services, add-ons).
    pub products: Vec<String>,
}

/// The subscription as the network element (HLR/HSS, AAA) provisions it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NetworkView {
    /// What is barred.
    pub barring: Barring,
    /// Product codes provisioned.
    pub services: Vec<String>,
}

/// One charged item on the customer's bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChargedItem {
    /// Product code.
    pub product: String,
    /// Amount charged in the cycle.
    pub amount: Money,
    /// Whether the product must be provisioned on the network (false for
    /// insurance, handset instalments, one-off fees); default true.
    #[serde(default = "yes")]
    pub needs_provisioning: bool,
}

fn yes() -> bool {
    true
}

/// What billing rates the customer on and charges.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BillingView {
    /// Plan code billing rates with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Charged items of the current cycle.
    pub charged: Vec<ChargedItem>,
}

/// One customer's records in the three systems.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuditInput {
    /// The customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// CRM/BSS.
    pub crm: CrmView,
    /// Network element.
    pub network: NetworkView,
    /// Billing.
    pub billing: BillingView,
}

/// What one system says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SystemValue {
    /// The system.
    pub system: SourceSystem,
    /// Its value, e.g. `active` or `not provisioned`.
    pub value: String,
}

/// One disagreement between systems.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFinding {
    /// What kind of mismatch.
    pub code: AnomalyCode,
    /// The product concerned, for product-level mismatches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Each system's value.
    pub values: Vec<SystemValue>,
    /// How much it affects the customer.
    pub severity: Severity,
    /// Explanation script for the agent.
    pub script: Bilingual,
}

impl AuditFinding {
    /// The systems that disagree.
    pub fn systems(&self) -> Vec<SourceSystem> {
        self.values.iter().map(|v| v.system).collect()
    }

    /// One line naming each system's value, e.g. `crm: active; network_element: all barred`.
    pub fn detail(&self) -> String {
        let parts: Vec<String> = self
            .values
            .iter()
            .map(|v| format!("{}: {}", system_name(v.system), v.value))
            .collect();
        match &self.product {
            Some(product) => format!("{product}: {}", parts.join("; ")),
            None => parts.join("; "),
        }
    }

    /// The open profile anomaly this finding becomes.
    pub fn to_anomaly(&self, id: impl Into<String>, detected_at: DateTime<Utc>) -> AuditAnomaly {
        AuditAnomaly {
            id: id.into(),
            code: self.code,
            systems: self.systems(),
            detail: Some(self.detail()),
            severity: self.severity,
            detected_at,
            resolved_at: None,
        }
    }
}

fn system_name(system: SourceSystem) -> &'static str {
    match system {
        SourceSystem::Billing => "billing",
        SourceSystem::Crm => "crm",
        SourceSystem::NetworkElement => "network_element",
        SourceSystem::OnlineShop => "online_shop",
        SourceSystem::Retention => "retention",
        SourceSystem::ContactChannel => "contact_channel",
        SourceSystem::Audit => "audit",
    }
}

fn status_name(status: AccountStatus) -> &'static str {
    match status {
        AccountStatus::Active => "active",
        AccountStatus::HalfSuspended => "half_suspended",
        AccountStatus::Suspended => "suspended",
        AccountStatus::Cancelled => "cancelled",
    }
}

fn value(system: SourceSystem, value: impl Into<String>) -> SystemValue {
    SystemValue {
        system,
        value: value.into(),
    }
}

/// Audits one customer; findings in rule order, products sorted.
pub fn audit(input: &AuditInput) -> Vec<AuditFinding> {
    let mut findings = Vec::new();
    let crm = &input.crm;
    let expected = Barring::implied_by(crm.status);
    let actual = input.network.barring;
    if expected != actual {
        let worse = actual > expected;
        findings.push(AuditFinding {
            code: AnomalyCode::StatusMismatch,
            product: None,
            values: vec![
                value(SourceSystem::Crm, status_name(crm.status)),
                value(SourceSystem::NetworkElement, actual.as_str()),
            ],
            severity: if worse { Severity::High } else { Severity::Low },
            script: if worse {
                Bilingual {
                    zh: format!(
                        "您的号码在营业系统中为{}状态，但网络侧显示为{}，导致无法正常使用；我们已提交修复，预计很快恢复。",
                        expected.zh(),
                        actual.zh()
                    ),
                    en: format!(
                        "Your line is {} in our customer system but {} on the network, so service fails; a fix has been raised and service will be back shortly.",
                        status_name(crm.status),
                        actual.as_str()
                    ),
                }
            } else {
                Bilingual {
                    zh: format!(
                        "系统核查发现号码状态不一致（营业系统：{}，网络侧：{}），我们将按营业系统状态同步。",
                        expected.zh(),
                        actual.zh()
                    ),
                    en: format!(
                        "Our checks found the line's status out of step (customer system: {}, network: {}); it will be aligned with the customer system.",
                        status_name(crm.status),
                        actual.as_str()
                    ),
                }
            },
        });
    }
    if crm.plan != input.billing.plan {
        let show = |plan: &Option<String>| plan.clone().unwrap_or_else(|| "none".to_owned());
        let (crm_plan, billing_plan) = (show(&crm.plan), show(&input.billing.plan));
        findings.push(AuditFinding {
            code: AnomalyCode::PlanMismatch,
            product: None,
            values: vec![
                value(SourceSystem::Crm, crm_plan.clone()),
                value(SourceSystem::Billing, billing_plan.clone()),
            ],
            severity: Severity::Medium,
            script: Bilingual {
                zh: format!("您办理的套餐为{crm_plan}，计费系统却按{billing_plan}计费；我们将按您办理的套餐核实并调整费用。"),
                en: format!("You signed up for plan {crm_plan} but billing rates you on {billing_plan}; charges will be checked and corrected to the plan you chose."),
            },
        });
    }
    let mut charged: Vec<&ChargedItem> = input.billing.charged.iter().collect();
    charged.sort_by(|a, b| a.product.cmp(&b.product));
    for item in charged {
        if !item.needs_provisioning || input.network.services.contains(&item.product) {
            continue;
        }
        findings.push(AuditFinding {
            code: AnomalyCode::ChargedNotProvisioned,
            product: Some(item.product.clone()),
            values: vec![
                value(SourceSystem::Billing, format!("charged {}", item.amount)),
                value(SourceSystem::NetworkElement, "not provisioned"),
            ],
            severity: if item.amount.minor_units() > 0 {
                Severity::High
            } else {
                Severity::Low
            },
            script: Bilingual {
                zh: format!("您被收取了{}的费用{}元，但该业务并未开通；该费用将核实后退还。", item.product, item.amount),
                en: format!("You were charged {} for {}, which was never switched on; the charge will be verified and refunded.", item.amount, item.product),
            },
        });
    }
    let mut services: Vec<&String> = input.network.services.iter().collect();
    services.sort();
    services.dedup();
    for service in services {
        if crm.products.contains(service) {
            continue;
        }
        let charge = input.billing.charged.iter().find(|item| &item.product == service);
        let mut values = vec![
            value(SourceSystem::NetworkElement, "provisioned"),
            value(SourceSystem::Crm, "no order"),
        ];
        if let Some(item) = charge {
            values.push(value(SourceSystem::Billing, format!("charged {}", item.amount)));
        }
        let paid = charge.is_some_and(|item| item.amount.minor_units() > 0);
        findings.push(AuditFinding {
            code: AnomalyCode::ProvisionedNotOrdered,
            product: Some(service.clone()),
            values,
            severity: if paid { Severity::High } else { Severity::Medium },
            script: Bilingual {
                zh: format!(
                    "系统发现{service}已为您开通，但没有您的订购记录；我们将为您关闭该业务{}。",
                    if paid { "并退还相关费用" } else { "" }
                ),
                en: format!(
                    "{service} is switched on for you without any order from you; it will be switched off{}.",
                    if paid { " and its charges refunded" } else { "" }
                ),
            },
        });
    }
    findings
}

/// The findings of one customer in a batch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    /// The customer, as given in the input.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<String>,
    /// Its findings; empty when the systems agree.
    pub findings: Vec<AuditFinding>,
}

/// Audits many customers on all cores; reports in input order, each equal to
/// [`audit`] of that customer.
pub fn audit_batch(inputs: &[AuditInput]) -> Vec<AuditReport> {
    // Work per customer is well under a microsecond: hand threads runs of
    // customers rather than single ones.
    inputs
        .par_iter()
        .with_min_len(1024)
        .map(|input| AuditReport {
            customer_id: input.customer_id.clone(),
            findings: audit(input),
        })
        .collect()
}
