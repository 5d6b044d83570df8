//! Configuration of the call pop-up: one section per opportunity kind with
//! its switch, weight and thresholds, plus ranking, suppression and
//! call-intent settings.
//!
//! Every default equals the domain specification (section 5). A missing key
//! takes its default, an unknown key is an error, so a typo in a deployed
//! file is reported rather than silently ignored.

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::error::{Error, Result};
use crate::popup::OpportunityKind;

fn yes() -> bool {
    true
}

fn one() -> f64 {
    1.0
}

/// Declares one kind's configuration section: `enabled`, `weight` and the
/// kind's own thresholds, each with a documented default.
macro_rules! kind_config {
    (
        $(#[$meta:meta])*
        $name:ident {
            $(
                $(#[$fmeta:meta])*
                $field:ident : $ty:ty = $default:expr
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            /// Whether the kind is evaluated at all (default `true`).
            #[serde(default = "yes")]
            pub enabled: bool,
            /// Multiplier of the kind's score before ranking (default `1.0`);
            /// the result is clamped to `[0, 1]`.
            #[serde(default = "one")]
            pub weight: f64,
            $(
                $(#[$fmeta])*
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    enabled: true,
                    weight: 1.0,
                    $($field: $default,)*
                }
            }
        }
    };
}

kind_config! {
    /// `low_balance`: balance plus credit limit below the recurring fee.
    LowBalanceConfig {}
}

kind_config! {
    /// `suspension_imminent`: balance and credit run out within `days` at the
    /// customer's daily spend.
    SuspensionImminentConfig {
        /// Days ahead (inclusive); default 3.
        days: u32 = 3,
        /// Days per bill cycle used to turn monthly spend into daily spend;
        /// default 30.
        cycle_days: u32 = 30,
    }
}

kind_config! {
    /// `suspended`: the account is suspended or half-suspended.
    SuspendedConfig {}
}

kind_config! {
    /// `roaming_bill`: roaming charges in the current cycle or bill, or on a
    /// roaming watch list.
    RoamingBillConfig {
        /// Watch lists that mean "roaming"; default `["roaming"]`.
        lists: Vec<String> = vec!["roaming".to_owned()],
    }
}

kind_config! {
    /// `new_user_first_call`: joined within `days` and no earlier contact
    /// through `channels`.
    NewUserFirstCallConfig {
        /// Days since joining (inclusive); default 30.
        days: u32 = 30,
        /// Channels whose earlier contacts make it not the first call;
        /// default `["hotline"]`.
        channels: Vec<Channel> = vec![Channel::Hotline],
    }
}

kind_config! {
    /// `default_password`: joined within `days` and the service password
    /// never changed.
    DefaultPasswordConfig {
        /// Days since joining (inclusive); default 90.
        days: u32 = 90,
    }
}

kind_config! {
    /// `frequent_caller`: at least `min_contacts` person-handled contacts in
    /// the last `days`.
    FrequentCallerConfig {
        /// Contacts handled by a person (inclusive); default 3.
        min_contacts: u32 = 3,
        /// Look-back in days (inclusive); default 30.
        days: u32 = 30,
    }
}

kind_config! {
    /// `audit_anomaly`: an open cross-system audit anomaly.
    AuditAnomalyConfig {}
}

kind_config! {
    /// `open_complaint`: an open complaint ticket.
    OpenComplaintConfig {}
}

kind_config! {
    /// `escalation_risk`: an open complaint nearing the regulator's appeal
    /// age, or with repeat/second history (issue 5; not one of the 16 kinds
    /// of the table, a refinement of `open_complaint`).
    EscalationRiskConfig {
        /// Unresolved age at which regulators accept an appeal; default 15.
        appeal_days: u32 = 15,
        /// Fires once an open complaint is at least this many days old;
        /// default 12 ("nearing 15 days").
        warn_days: u32 = 12,
        /// Window for same-category history, days (inclusive); default 30.
        history_days: u32 = 30,
    }
}

kind_config! {
    /// `pending_order`: an online order unfinished or late.
    PendingOrderConfig {}
}

kind_config! {
    /// `retention_task`: an open retention task, unless another channel
    /// contacted the customer about it within `cooldown_days`.
    RetentionTaskConfig {
        /// Cooldown in days (inclusive); default 7.
        cooldown_days: u32 = 7,
    }
}

kind_config! {
    /// `churn_risk`: the churn model scores the customer above `threshold`.
    ChurnRiskConfig {
        /// Probability the score must exceed (strict); default 0.5.
        threshold: f64 = 0.5,
    }
}

kind_config! {
    /// `plan_upgrade`: usage above the allowance in `min_months` of the last
    /// `months` complete cycles.
    PlanUpgradeConfig {
        /// Months over the allowance (inclusive); default 2.
        min_months: u32 = 2,
        /// Complete cycles looked at; default 3.
        months: u32 = 3,
    }
}

kind_config! {
    /// `contract_expiring`: the contract ends within `days`.
    ContractExpiringConfig {
        /// Days ahead (inclusive); default 30.
        days: u32 = 30,
    }
}

kind_config! {
    /// `bill_shock`: the current bill is at least `factor` times the average
    /// of the `previous` bills before it.
    BillShockConfig {
        /// Ratio (inclusive); default 1.5.
        factor: f64 = 1.5,
        /// Bills averaged; default 3. Fewer issued bills: does not fire.
        previous: u32 = 3,
    }
}

kind_config! {
    /// `watch_list`: an active membership of a configured push list.
    WatchListConfig {
        /// Lists that fire; empty (the default) means every list except the
        /// roaming lists, which `roaming_bill` covers.
        lists: Vec<String> = Vec::new(),
    }
}

/// Which kinds are marketing and when they are held back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SuppressionConfig {
    /// Kinds not shown to an upset customer; default `plan_upgrade`,
    /// `contract_expiring`.
    pub marketing_kinds: Vec<OpportunityKind>,
    /// A critical complaint received within this many days (inclusive)
    /// suppresses marketing; default 7.
    pub critical_days: u32,
}

impl Default for SuppressionConfig {
    fn default() -> Self {
        SuppressionConfig {
            marketing_kinds: vec![OpportunityKind::PlanUpgrade, OpportunityKind::ContractExpiring],
            critical_days: 7,
        }
    }
}

/// How call intents are derived.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IntentConfig {
    /// Unnormalised mass of "something else": the larger, the more modest
    /// the named reasons; default 0.25.
    pub other_mass: f64,
    /// Mass added to a reason per agent-handled contact about it in the
    /// last `recent_days`; default 0.15.
    pub recent_contact_mass: f64,
    /// Look-back for recent contacts, days (inclusive); default 7.
    pub recent_days: u32,
}

impl Default for IntentConfig {
    fn default() -> Self {
        IntentConfig {
            other_mass: 0.25,
            recent_contact_mass: 0.15,
            recent_days: 7,
        }
    }
}

/// The whole pop-up configuration.
///
/// ```
/// use custinsight::popup::PopUpConfig;
/// let config = PopUpConfig::from_toml("top_n = 3\n[bill_shock]\nfactor = 2.0\n").unwrap();
/// assert_eq!(config.top_n, 3);
/// assert_eq!(config.bill_shock.factor, 2.0);
/// assert_eq!(config.frequent_caller.min_contacts, 3); // default kept
/// assert!(PopUpConfig::from_json(r#"{"bill_shok": {}}"#).is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PopUpConfig {
    /// Opportunities shown, best first; default 5.
    pub top_n: usize,
    /// The channel this pop-up serves (a retention task contacted through
    /// any other channel within the cooldown is held back); default hotline.
    pub channel: Channel,
    /// `low_balance`.
    pub low_balance: LowBalanceConfig,
    /// `suspension_imminent`.
    pub suspension_imminent: SuspensionImminentConfig,
    /// `suspended`.
    pub suspended: SuspendedConfig,
    /// `roaming_bill`.
    pub roaming_bill: RoamingBillConfig,
    /// `new_user_first_call`.
    pub new_user_first_call: NewUserFirstCallConfig,
    /// `default_password`.
    pub default_password: DefaultPasswordConfig,
    /// `frequent_caller`.
    pub frequent_caller: FrequentCallerConfig,
    /// `audit_anomaly`.
    pub audit_anomaly: AuditAnomalyConfig,
    /// `open_complaint`.
    pub open_complaint: OpenComplaintConfig,
    /// `escalation_risk`.
    pub escalation_risk: EscalationRiskConfig,
    /// `pending_order`.
    pub pending_order: PendingOrderConfig,
    /// `retention_task`.
    pub retention_task: RetentionTaskConfig,
    /// `churn_risk`.
    pub churn_risk: ChurnRiskConfig,
    /// `plan_upgrade`.
    pub plan_upgrade: PlanUpgradeConfig,
    /// `contract_expiring`.
    pub contract_expiring: ContractExpiringConfig,
    /// `bill_shock`.
    pub bill_shock: BillShockConfig,
    /// `watch_list`.
    pub watch_list: WatchListConfig,
    /// Marketing suppression.
    pub suppression: SuppressionConfig,
    /// Call-intent prediction.
    pub intent: IntentConfig,
}

impl Default for PopUpConfig {
    fn default() -> Self {
        PopUpConfig {
            top_n: 5,
            channel: Channel::Hotline,
            low_balance: Default::default(),
            suspension_imminent: Default::default(),
            suspended: Default::default(),
            roaming_bill: Default::default(),
            new_user_first_call: Default::default(),
            default_password: Default::default(),
            frequent_caller: Default::default(),
            audit_anomaly: Default::default(),
            open_complaint: Default::default(),
            escalation_risk: Default::default(),
            pending_order: Default::default(),
            retention_task: Default::default(),
            churn_risk: Default::default(),
            plan_upgrade: Default::default(),
            contract_expiring: Default::default(),
            bill_shock: Default::default(),
            watch_list: Default::default(),
            suppression: Default::default(),
            intent: Default::default(),
        }
    }
}

impl PopUpConfig {
    /// Parses a JSON configuration and validates it.
    ///
    /// # Errors
    /// [`Error::Parse`] for malformed JSON or unknown keys,
    /// [`Error::Config`] for out-of-range values.
    pub fn from_json(json: &str) -> Result<PopUpConfig> {
        let config: PopUpConfig = crate::from_json("pop-up configuration JSON", json)?;
        config.validate()?;
        Ok(config)
    }

    /// Parses a TOML configuration and validates it.
    ///
    /// # Errors
    /// [`Error::Parse`] for malformed TOML or unknown keys,
    /// [`Error::Config`] for out-of-range values.
    pub fn from_toml(text: &str) -> Result<PopUpConfig> {
        let config: PopUpConfig = toml::from_str(text).map_err(|err| Error::Parse {
            what: "pop-up configuration TOML".to_owned(),
            location: err
                .span()
                .map(|span| format!("bytes {}..{}", span.start, span.end))
                .unwrap_or_else(|| "unknown position".to_owned()),
            reason: err.message().to_owned(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Serialises to pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("the configuration always serialises")
    }

    /// Serialises to TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).expect("the configuration always serialises: no maps with non-string keys")
    }

    /// The enabled flag and weight of one kind.
    pub fn switch(&self, kind: OpportunityKind) -> (bool, f64) {
        macro_rules! pick {
            ($section:expr) => {
                ($section.enabled, $section.weight)
            };
        }
        match kind {
            OpportunityKind::LowBalance => pick!(self.low_balance),
            OpportunityKind::SuspensionImminent => pick!(self.suspension_imminent),
            OpportunityKind::Suspended => pick!(self.suspended),
            OpportunityKind::RoamingBill => pick!(self.roaming_bill),
            OpportunityKind::NewUserFirstCall => pick!(self.new_user_first_call),
            OpportunityKind::DefaultPassword => pick!(self.default_password),
            OpportunityKind::FrequentCaller => pick!(self.frequent_caller),
            OpportunityKind::AuditAnomaly => pick!(self.audit_anomaly),
            OpportunityKind::OpenComplaint => pick!(self.open_complaint),
            OpportunityKind::EscalationRisk => pick!(self.escalation_risk),
            OpportunityKind::PendingOrder => pick!(self.pending_order),
            OpportunityKind::RetentionTask => pick!(self.retention_task),
            OpportunityKind::ChurnRisk => pick!(self.churn_risk),
            OpportunityKind::PlanUpgrade => pick!(self.plan_upgrade),
            OpportunityKind::ContractExpiring => pick!(self.contract_expiring),
            OpportunityKind::BillShock => pick!(self.bill_shock),
            OpportunityKind::WatchList => pick!(self.watch_list),
        }
    }

    /// Switches one kind on or off.
    pub fn set_enabled(&mut self, kind: OpportunityKind, enabled: bool) {
        macro_rules! set {
            ($section:expr) => {
                $section.enabled = enabled
            };
        }
        match kind {
            OpportunityKind::LowBalance => set!(self.low_balance),
            OpportunityKind::SuspensionImminent => set!(self.suspension_imminent),
            OpportunityKind::Suspended => set!(self.suspended),
            OpportunityKind::RoamingBill => set!(self.roaming_bill),
            OpportunityKind::NewUserFirstCall => set!(self.new_user_first_call),
            OpportunityKind::DefaultPassword => set!(self.default_password),
            OpportunityKind::FrequentCaller => set!(self.frequent_caller),
            OpportunityKind::AuditAnomaly => set!(self.audit_anomaly),
            OpportunityKind::OpenComplaint => set!(self.open_complaint),
            OpportunityKind::EscalationRisk => set!(self.escalation_risk),
            OpportunityKind::PendingOrder => set!(self.pending_order),
            OpportunityKind::RetentionTask => set!(self.retention_task),
            OpportunityKind::ChurnRisk => set!(self.churn_risk),
            OpportunityKind::PlanUpgrade => set!(self.plan_upgrade),
            OpportunityKind::ContractExpiring => set!(self.contract_expiring),
            OpportunityKind::BillShock => set!(self.bill_shock),
            OpportunityKind::WatchList => set!(self.watch_list),
        }
    }

    /// Checks every value is in range.
    ///
    /// # Errors
    /// [`Error::Config`] naming the key, e.g. `bill_shock.factor`.
    pub fn validate(&self) -> Result<()> {
        if self.top_n == 0 {
            return Err(Error::config("top_n", "must be at least 1"));
        }
        for kind in OpportunityKind::ALL {
            let (_, weight) = self.switch(kind);
            if !weight.is_finite() || weight < 0.0 {
                return Err(Error::config(
                    format!("{}.weight", kind.as_str()),
                    format!("{weight} must be a finite number at least 0"),
                ));
            }
        }
        if self.suspension_imminent.cycle_days == 0 {
            return Err(Error::config(
                "suspension_imminent.cycle_days",
                "must be at least 1",
            ));
        }
        let threshold = self.churn_risk.threshold;
        if !(0.0..=1.0).contains(&threshold) {
            return Err(Error::config(
                "churn_risk.threshold",
                format!("{threshold} is outside [0, 1]"),
            ));
        }
        if self.plan_upgrade.months == 0 || self.plan_upgrade.min_months > self.plan_upgrade.months {
            return Err(Error::config(
                "plan_upgrade.min_months",
                format!(
                    "{} must be between 1 and plan_upgrade.months ({})",
                    self.plan_upgrade.min_months, self.plan_upgrade.months
                ),
            ));
        }
        let factor = self.bill_shock.factor;
        if !factor.is_finite() || factor <= 0.0 {
            return Err(Error::config(
                "bill_shock.factor",
                format!("{factor} must be a finite number above 0"),
            ));
        }
        if self.bill_shock.previous == 0 {
            return Err(Error::config("bill_shock.previous", "must be at least 1"));
        }
        if self.escalation_risk.warn_days > self.escalation_risk.appeal_days {
            return Err(Error::config(
                "escalation_risk.warn_days",
                "must not exceed escalation_risk.appeal_days",
            ));
        }
        for (field, value) in [
            ("intent.other_mass", self.intent.other_mass),
            ("intent.recent_contact_mass", self.intent.recent_contact_mass),
        ] {
            if !value.is_finite() || value < 0.0 {
                return Err(Error::config(
                    field,
                    format!("{value} must be a finite number at least 0"),
                ));
            }
        }
        Ok(())
    }
}
