//! The complaint taxonomy of the domain specification (section 3), and the
//! signals and severities that every classified complaint carries.
//!
//! Category codes are strings of the form `level1.level2` so that operators
//! can bring their own taxonomy; [`Taxonomy::telecom_default`] is the spec's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One level-2 category of a taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryDef {
    /// `level1.level2`, lower-case ASCII, e.g. `billing.unknown_charge`.
    pub code: String,
    /// Chinese name, e.g. `不明扣费`.
    pub zh: String,
    /// English name.
    pub en: String,
    /// Work group that tickets of this category are dispatched to.
    pub work_group: String,
}

/// A two-level complaint taxonomy: every ticket gets exactly one level-2
/// category; the level-1 part is the code's prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    /// The level-2 categories, in presentation order.
    pub categories: Vec<CategoryDef>,
}

const TELECOM_DEFAULT: &[(&str, &str, &str, &str)] = &[
    (
        "billing.unknown_charge",
        "不明扣费",
        "charge the customer does not recognise",
        "billing_center",
    ),
    (
        "billing.plan_mismatch",
        "资费与承诺不符",
        "billed differently from the plan or promotion promised",
        "billing_center",
    ),
    (
        "billing.roaming",
        "漫游费用争议",
        "roaming charges disputed",
        "billing_center",
    ),
    (
        "billing.refund",
        "退费未到账",
        "promised refund not received",
        "billing_center",
    ),
    (
        "billing.topup",
        "充值未到账",
        "payment or top-up not credited",
        "billing_center",
    ),
    (
        "vas.unsolicited",
        "未经同意订购增值业务",
        "value-added service added without consent",
        "vas_management",
    ),
    (
        "vas.unsubscribe",
        "增值业务退订困难",
        "cannot cancel a value-added service",
        "vas_management",
    ),
    (
        "network.coverage",
        "无信号/信号弱",
        "no or weak mobile signal",
        "network_optimization",
    ),
    (
        "network.data_speed",
        "手机上网慢/无法上网",
        "mobile data slow or not working",
        "network_optimization",
    ),
    (
        "network.voice_quality",
        "通话质量差/掉话",
        "dropped calls, poor voice quality",
        "network_optimization",
    ),
    (
        "network.sms",
        "短信收发异常",
        "SMS not sent or not received",
        "network_optimization",
    ),
    (
        "broadband.outage",
        "宽带断网/频繁掉线",
        "home broadband down or dropping",
        "broadband_maintenance",
    ),
    (
        "broadband.speed",
        "宽带网速不达标",
        "home broadband slower than contracted",
        "broadband_maintenance",
    ),
    (
        "broadband.installation",
        "装机/移机延误",
        "installation or relocation late, missed appointment",
        "broadband_maintenance",
    ),
    (
        "device.fault",
        "终端/机顶盒/光猫故障",
        "set-top box, modem, router, SIM or handset fault",
        "terminal_support",
    ),
    (
        "account.suspension",
        "停复机问题",
        "wrongly suspended, or not restored after payment",
        "business_support",
    ),
    (
        "account.cancellation",
        "销户/携号转网受阻",
        "cancellation or number porting blocked",
        "business_support",
    ),
    (
        "account.plan_change",
        "套餐变更未生效",
        "plan change refused or not applied",
        "business_support",
    ),
    (
        "account.identity",
        "实名登记/服务密码问题",
        "real-name registration, service password, identity",
        "business_support",
    ),
    (
        "service.attitude",
        "服务态度差",
        "rude or unhelpful staff",
        "service_quality",
    ),
    (
        "service.no_follow_up",
        "处理超时/无人回复",
        "promised call-back or fix never came",
        "service_quality",
    ),
    (
        "service.misleading",
        "误导宣传/承诺未兑现",
        "sales misrepresentation, promise not kept",
        "service_quality",
    ),
    (
        "marketing.harassment",
        "营销电话短信骚扰",
        "unwanted marketing calls or messages",
        "marketing_compliance",
    ),
    (
        "privacy.data_leak",
        "个人信息泄露/被冒名办理",
        "personal data leaked, service opened in the customer's name",
        "security",
    ),
];

impl Taxonomy {
    /// The 24-category default taxonomy of the domain specification.
    ///
    /// ```
    /// let taxonomy = custinsight::Taxonomy::telecom_default();
    /// assert_eq!(taxonomy.categories.len(), 24);
    /// assert_eq!(taxonomy.work_group("network.coverage"), Some("network_optimization"));
    /// ```
    pub fn telecom_default() -> Self {
        Taxonomy {
            categories: TELECOM_DEFAULT
                .iter()
                .map(|&(code, zh, en, work_group)| CategoryDef {
                    code: code.to_owned(),
                    zh: zh.to_owned(),
                    en: en.to_owned(),
                    work_group: work_group.to_owned(),
                })
                .collect(),
        }
    }

    /// Checks that codes are well-formed and unique and that every category
    /// names a work group.
    ///
    /// # Errors
    /// [`Error::Config`] naming the first offending category.
    pub fn validate(&self) -> Result<()> {
        if self.categories.is_empty() {
            return Err(Error::config(
                "categories",
                "a taxonomy needs at least one category",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (index, category) in self.categories.iter().enumerate() {
            let field = format!("categories[{index}]");
            validate_category_code(&category.code)
                .map_err(|err| Error::config(format!("{field}.code"), err.to_string()))?;
            if !seen.insert(category.code.as_str()) {
                return Err(Error::config(
                    format!("{field}.code"),
                    format!("duplicate category code {:?}", category.code),
                ));
            }
            if category.work_group.trim().is_empty() {
                return Err(Error::config(format!("{field}.work_group"), "must not be empty"));
            }
        }
        Ok(())
    }

    /// The definition of `code`, if the taxonomy has it.
    pub fn get(&self, code: &str) -> Option<&CategoryDef> {
        self.categories.iter().find(|category| category.code == code)
    }

    /// The work group tickets of `code` are dispatched to.
    pub fn work_group(&self, code: &str) -> Option<&str> {
        self.get(code).map(|category| category.work_group.as_str())
    }
}

impl Default for Taxonomy {
    fn default() -> Self {
        Taxonomy::telecom_default()
    }
}

/// The level-1 part of a category code: `billing` for `billing.refund`.
///
/// ```
/// assert_eq!(custinsight::level1("billing.refund"), "billing");
/// assert_eq!(custinsight::level1("other"), "other");
/// ```
pub fn level1(code: &str) -> &str {
    // A byte search: `.` is ASCII, so it always ends a char.
    code.bytes()
        .position(|b| b == b'.')
        .map_or(code, |dot| &code[..dot])
}

/// Checks that `code` looks like `level1.level2` in lower-case ASCII letters,
/// digits and underscores.
///
/// # Errors
/// [`Error::InvalidField`] on field `category` saying what is wrong.
pub fn validate_category_code(code: &str) -> Result<()> {
    // A table lookup a byte, without `split_once`'s searcher: this runs for
    // every complaint a check, an intake or a batch takes in.
    let well_formed_part = |part: &str| !part.is_empty() && part.bytes().all(|b| CODE_BYTES[usize::from(b)]);
    let head = level1(code);
    match code.get(head.len() + 1..) {
        Some(tail) if well_formed_part(head) && well_formed_part(tail) => Ok(()),
        _ => Err(Error::invalid(
            "category",
            format!("{code:?} is not of the form level1.level2 (lower-case letters, digits, underscores)"),
        )),
    }
}

/// The bytes a part of a category code may hold: `a`-`z`, `0`-`9`, `_`.
const CODE_BYTES: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        let byte = b as u8;
        table[b] = byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_';
        b += 1;
    }
    table
};

/// A signal raised by the wording of a complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// Mentions a regulator (工信部, 12300, FCC, ...).
    Regulator,
    /// Mentions the media or social media.
    Media,
    /// Mentions lawyers or courts.
    Legal,
    /// Threatens to cancel or switch carrier.
    ChurnThreat,
    /// Says the problem is recurring ("again", 第三次).
    RepeatMention,
}

impl Signal {
    /// All signals, in a fixed order.
    pub const ALL: [Signal; 5] = [
        Signal::Regulator,
        Signal::Media,
        Signal::Legal,
        Signal::ChurnThreat,
        Signal::RepeatMention,
    ];

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Regulator => "regulator",
            Signal::Media => "media",
            Signal::Legal => "legal",
            Signal::ChurnThreat => "churn_threat",
            Signal::RepeatMention => "repeat_mention",
        }
    }

    /// The signal of a snake_case name ([`Signal::as_str`]).
    pub fn parse(name: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|signal| signal.as_str() == name)
    }

    /// The signals of a text listing their names, as a spreadsheet or a CSV
    /// export writes them: separated by commas, semicolons, `|` or white
    /// space, in any order; an empty text lists none. A name given twice
    /// counts once; the signals come back in [`Signal::ALL`] order.
    ///
    /// ```
    /// use custinsight::Signal;
    /// assert_eq!(Signal::parse_list("media; regulator")?, vec![Signal::Regulator, Signal::Media]);
    /// assert_eq!(Signal::parse_list("")?, vec![]);
    /// assert!(Signal::parse_list("regulator, press").is_err());
    /// # Ok::<(), custinsight::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`crate::Error::InvalidField`] on field `signals` naming the first word
    /// that is not a signal.
    pub fn parse_list(text: &str) -> crate::Result<Vec<Signal>> {
        let separator = |c: char| c == ',' || c == ';' || c == '|' || c.is_whitespace();
        Signal::parse_names(text.split(separator).filter(|name| !name.is_empty()))
    }

    /// The signals of some names, each a [`Signal::as_str`] name: once each,
    /// in [`Signal::ALL`] order.
    ///
    /// # Errors
    /// [`crate::Error::InvalidField`] on field `signals` naming the first
    /// name that is not a signal's.
    pub fn parse_names<'a>(names: impl IntoIterator<Item = &'a str>) -> crate::Result<Vec<Signal>> {
        let mut present = [false; Signal::ALL.len()];
        for name in names {
            let signal = Signal::parse(name).ok_or_else(|| {
                let known: Vec<&str> = Signal::ALL.iter().map(|signal| signal.as_str()).collect();
                crate::Error::invalid(
                    "signals",
                    format!("{name:?} is not a signal (one of {})", known.join(", ")),
                )
            })?;
            // `Signal::ALL` lists the signals in declaration order.
            present[signal as usize] = true;
        }
        Ok(Signal::ALL
            .into_iter()
            .zip(present)
            .filter_map(|(signal, present)| present.then_some(signal))
            .collect())
    }
}

/// How serious a complaint is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Everything else.
    Low,
    /// Billing and account categories.
    Medium,
    /// Churn threat, repeat mention, or a privacy category.
    High,
    /// Regulator, media or legal signal.
    Critical,
}

impl Severity {
    /// The severity rule of the domain specification (section 3): critical
    /// when regulator, media or legal is present; high for churn_threat,
    /// repeat_mention or any privacy category; medium for billing and
    /// account; low otherwise.
    ///
    /// ```
    /// use custinsight::{Severity, Signal};
    /// assert_eq!(Severity::from_rule("billing.refund", &[]), Severity::Medium);
    /// assert_eq!(Severity::from_rule("network.sms", &[Signal::Media]), Severity::Critical);
    /// assert_eq!(Severity::from_rule("privacy.data_leak", &[]), Severity::High);
    /// ```
    pub fn from_rule(category: &str, signals: &[Signal]) -> Severity {
        let has = |signal: Signal| signals.contains(&signal);
        if has(Signal::Regulator) || has(Signal::Media) || has(Signal::Legal) {
            Severity::Critical
        } else if has(Signal::ChurnThreat) || has(Signal::RepeatMention) || level1(category) == "privacy" {
            Severity::High
        } else if matches!(level1(category), "billing" | "account") {
            Severity::Medium
        } else {
            Severity::Low
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_taxonomy_is_valid_and_matches_the_spec() {
        let taxonomy = Taxonomy::telecom_default();
        taxonomy.validate().unwrap();
        assert_eq!(taxonomy.categories.len(), 24);
        let groups: std::collections::BTreeSet<_> = taxonomy
            .categories
            .iter()
            .map(|c| c.work_group.as_str())
            .collect();
        assert_eq!(groups.len(), 9);
        assert_eq!(taxonomy.work_group("privacy.data_leak"), Some("security"));
        assert_eq!(taxonomy.work_group("nope.nope"), None);
    }

    #[test]
    fn validation_names_the_bad_category() {
        let mut taxonomy = Taxonomy::telecom_default();
        taxonomy.categories[3].code = "Billing Refund".into();
        let err = taxonomy.validate().unwrap_err().to_string();
        assert!(err.contains("categories[3].code"), "{err}");
        let mut taxonomy = Taxonomy::telecom_default();
        taxonomy.categories[5].code = taxonomy.categories[0].code.clone();
        assert!(taxonomy.validate().unwrap_err().to_string().contains("duplicate"));
    }

    #[test]
    fn category_codes_are_level1_dot_level2() {
        for good in ["broadband.outage", "a.b", "vas_2.unsolicited_sub", "0.1"] {
            assert!(validate_category_code(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            ".",
            "a",
            "a.",
            ".b",
            "a.b.c",
            "a..b",
            "A.b",
            "a.b-c",
            "a b.c",
            "宽带.断网",
            "a.b ",
        ] {
            let err = validate_category_code(bad).unwrap_err().to_string();
            assert!(err.contains("level1.level2"), "{bad}: {err}");
        }
    }

    #[test]
    fn signal_names_round_trip_and_lists_parse_in_any_form() {
        for signal in Signal::ALL {
            assert_eq!(Signal::parse(signal.as_str()), Some(signal));
            let json = serde_json::to_string(&signal).unwrap();
            assert_eq!(json, format!("\"{}\"", signal.as_str()));
        }
        assert_eq!(Signal::parse("Regulator"), None);
        let all = Signal::ALL.to_vec();
        for text in [
            "regulator,media,legal,churn_threat,repeat_mention",
            " repeat_mention | churn_threat ;legal media\tregulator ",
            "media, media, regulator, legal; churn_threat repeat_mention",
        ] {
            assert_eq!(Signal::parse_list(text).unwrap(), all, "{text:?}");
        }
        assert_eq!(Signal::parse_list(" ,; ").unwrap(), vec![]);
        assert_eq!(
            Signal::parse_names(["media", "regulator", "media"]).unwrap(),
            vec![Signal::Regulator, Signal::Media]
        );
        let err = Signal::parse_list("media, journalist").unwrap_err().to_string();
        assert!(err.contains("signals") && err.contains("\"journalist\""), "{err}");
    }

    #[test]
    fn severity_follows_the_spec_precedence() {
        assert_eq!(Severity::from_rule("service.attitude", &[]), Severity::Low);
        assert_eq!(Severity::from_rule("account.identity", &[]), Severity::Medium);
        assert_eq!(
            Severity::from_rule("service.attitude", &[Signal::RepeatMention]),
            Severity::High
        );
        assert_eq!(
            Severity::from_rule("privacy.data_leak", &[Signal::Legal, Signal::ChurnThreat]),
            Severity::Critical
        );
    }
}
