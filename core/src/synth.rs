//! Deterministic synthetic customers, source-system events and complaint
//! histories, for tests, examples and benchmarks at any size.
//!
//! Customer `i` of a [`Population`] depends only on the seed and `i` (each
//! customer draws from its own ChaCha8 stream), so any slice of a population
//! of ten million can be generated alone, in parallel, and always the same.
//!
//! The data is shaped like an operator's: most customers are quiet, some
//! call often, a few complain, and some of those complain again about the
//! same thing, sometimes to a regulator. Some events (IVR and app contacts)
//! carry only the phone number, as those channels do, so profile building
//! has to link them.
//!
//! ```
//! use custinsight::synth::{Population, SynthConfig};
//! let population = Population::new(SynthConfig { customers: 100, ..SynthConfig::default() });
//! let events: Vec<_> = population.events().collect();
//! assert!(events.len() > 1000);
//! assert_eq!(population.customer_events(42), population.customer_events(42));
//! ```

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    AccountStatus, AccountUpdate, AnomalyCode, AuditAnomaly, Bill, Channel, Complaint, ComplaintStatus,
    Contact, EventPayload, HandledBy, IdentityUpdate, Money, MonthlyUsage, OnlineOrder, OrderStatus, Payment,
    PaymentType, Plan, RetentionTask, Segment, Severity, SourceEvent, SourceSystem, Tags, TaskStatus,
    ValueTier, WatchListMembership,
};

/// Size and shape of a synthetic population.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// Seed; the same seed gives the same population.
    pub seed: u64,
    /// Number of customers.
    pub customers: u64,
    /// The "as of" time: histories end here.
    pub now: DateTime<Utc>,
    /// Bill cycles of history per customer.
    pub months: u32,
    /// Share of customers with at least one complaint in the history.
    pub complainer_share: f64,
    /// Chance that a complaint is followed by another on the same issue.
    pub follow_up_chance: f64,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 20261101,
            customers: 1000,
            now: Utc
                .with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
                .single()
                .expect("valid date"),
            months: 6,
            complainer_share: 0.08,
            follow_up_chance: 0.35,
        }
    }
}

/// A synthetic population of customers.
#[derive(Debug, Clone)]
pub struct Population {
    config: SynthConfig,
}

/// (code, zh name, en name, recurring fee in yuan, data MB, voice minutes)
const PLANS: &[(&str, &str, &str, i64, u64, u64)] = &[
    ("P19", "19元基础卡", "Basic 19", 19, 5_120, 100),
    ("P39", "39元畅享", "Enjoy 39", 39, 20_480, 200),
    ("P59", "59元畅享", "Enjoy 59", 59, 40_960, 500),
    ("P99", "99元全家享", "Family 99", 99, 81_920, 1_000),
    ("P129", "129元5G尊享", "5G Premium 129", 129, 153_600, 1_500),
];

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "强", "洋", "艳", "杰", "军", "勇", "霞", "涛",
];

/// One Chinese and one English template per category; `{amount}` and
/// `{days}` are filled in per complaint.
const COMPLAINT_TEXTS: &[(&str, &str, &str)] = &[
    (
        "billing.unknown_charge",
        "本月话费多扣了{amount}元，我没有用过这个业务，请查明。",
        "I was charged {amount} this month for something I never used.",
    ),
    (
        "billing.plan_mismatch",
        "办理时说好月租{amount}元，实际扣费和套餐承诺不符。",
        "The bill does not match the plan I was promised, {amount} extra.",
    ),
    (
        "billing.roaming",
        "出国{days}天回来漫游费{amount}元，太离谱了。",
        "Roaming charges of {amount} after a {days}-day trip are wrong.",
    ),
    (
        "billing.refund",
        "说好的退费{amount}元{days}天了还没到账。",
        "The refund of {amount} promised {days} days ago never arrived.",
    ),
    (
        "billing.topup",
        "充值{amount}元一直没到账，余额没变。",
        "I topped up {amount} but the balance did not change.",
    ),
    (
        "vas.unsolicited",
        "莫名其妙被开通了增值业务，每月扣{amount}元，我从没同意。",
        "A value-added service was added without my consent, {amount} a month.",
    ),
    (
        "vas.unsubscribe",
        "想退订增值业务，试了{days}次都退不掉。",
        "I cannot cancel this subscription service, tried {days} times.",
    ),
    (
        "network.coverage",
        "家里一直没信号，打电话要跑到楼下。",
        "No signal at home at all, I have to go outside to call.",
    ),
    (
        "network.data_speed",
        "手机上网特别慢，网页打不开已经{days}天了。",
        "Mobile data has been extremely slow for {days} days.",
    ),
    (
        "network.voice_quality",
        "通话经常掉线，声音断断续续。",
        "Calls keep dropping and the voice breaks up.",
    ),
    (
        "network.sms",
        "收不到验证码短信，银行短信也收不到。",
        "I am not receiving any SMS, including verification codes.",
    ),
    (
        "broadband.outage",
        "家里宽带断网{days}天了，一直没人修。",
        "Home broadband has been down for {days} days.",
    ),
    (
        "broadband.speed",
        "办的千兆宽带实际网速只有几十兆。",
        "My broadband is far slower than the speed in the contract.",
    ),
    (
        "broadband.installation",
        "预约装宽带师傅没来，已经拖了{days}天。",
        "The technician missed the installation appointment, {days} days late.",
    ),
    (
        "device.fault",
        "光猫一直红灯，机顶盒也开不了机。",
        "The modem light is red and the set-top box will not start.",
    ),
    (
        "account.suspension",
        "已经交了{amount}元话费还是停机，没有恢复。",
        "I paid {amount} but my line is still suspended.",
    ),
    (
        "account.cancellation",
        "要求携号转网一直被拒，销户也办不了。",
        "They keep blocking my request to port my number.",
    ),
    (
        "account.plan_change",
        "申请变更套餐{days}天了还没有生效。",
        "My plan change request from {days} days ago was never applied.",
    ),
    (
        "account.identity",
        "服务密码被锁，实名登记信息也不对。",
        "My service password is locked and the registration details are wrong.",
    ),
    (
        "service.attitude",
        "营业厅工作人员态度很差，爱理不理。",
        "The store staff were rude and would not help me.",
    ),
    (
        "service.no_follow_up",
        "说好{days}天内回电，到现在没人联系我。",
        "They promised to call back within {days} days and nobody did.",
    ),
    (
        "service.misleading",
        "业务员承诺送{amount}元话费，结果根本没有兑现。",
        "The salesperson promised a {amount} credit that never came.",
    ),
    (
        "marketing.harassment",
        "每天都接到推销电话和营销短信，烦死了。",
        "I get marketing calls and messages every day, stop it.",
    ),
    (
        "privacy.data_leak",
        "有人用我的身份信息办了号码，个人信息泄露了。",
        "Someone opened a line in my name, my personal data leaked.",
    ),
];

/// Phrases that escalate a complaint, appended to some follow-ups.
const ESCALATION_ZH: &[&str] = &[
    "再不解决我就打12300投诉到工信部。",
    "我已经第三次反映了，还是没解决。",
    "不处理我就找媒体曝光。",
];
const ESCALATION_EN: &[&str] = &[
    "If this is not fixed I will file with the FCC.",
    "This is the third time I am reporting this.",
    "I will take this to the press.",
];

impl Population {
    /// A population of `config.customers` customers.
    pub fn new(config: SynthConfig) -> Population {
        Population { config }
    }

    /// The configuration.
    pub fn config(&self) -> &SynthConfig {
        &self.config
    }

    /// The customer id of customer `index`.
    pub fn customer_id(index: u64) -> String {
        format!("C{index:09}")
    }

    /// The (normalised) phone number of customer `index`: unique for the
    /// first 500 million customers.
    pub fn phone(index: u64) -> String {
        const PREFIXES: [&str; 5] = ["138", "139", "186", "133", "199"];
        let prefix = PREFIXES[((index / 100_000_000) % 5) as usize];
        format!("{prefix}{:08}", index % 100_000_000)
    }

    /// Every event of every customer, customer by customer.
    pub fn events(&self) -> impl Iterator<Item = SourceEvent> + '_ {
        (0..self.config.customers).flat_map(move |index| self.customer_events(index))
    }

    /// Every complaint of every customer, customer by customer (each
    /// customer's in time order), as the CRM would export them.
    pub fn complaints(&self) -> impl Iterator<Item = Complaint> + '_ {
        (0..self.config.customers).flat_map(move |index| {
            self.customer_events(index)
                .into_iter()
                .filter_map(|event| match event.payload {
                    EventPayload::Complaint(complaint) => Some(complaint),
                    _ => None,
                })
        })
    }

    /// The events of customer `index`, in the order the sources emitted them.
    pub fn customer_events(&self, index: u64) -> Vec<SourceEvent> {
        CustomerGenerator::new(&self.config, index).run()
    }
}

struct CustomerGenerator<'a> {
    config: &'a SynthConfig,
    rng: ChaCha8Rng,
    index: u64,
    customer_id: String,
    phone: String,
    events: Vec<SourceEvent>,
}

impl<'a> CustomerGenerator<'a> {
    fn new(config: &'a SynthConfig, index: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        rng.set_stream(index);
        CustomerGenerator {
            config,
            rng,
            index,
            customer_id: Population::customer_id(index),
            phone: Population::phone(index),
            events: Vec::new(),
        }
    }

    fn emit(&mut self, source: SourceSystem, at: DateTime<Utc>, phone_only: bool, payload: EventPayload) {
        let sequence = self.events.len();
        self.events.push(SourceEvent {
            event_id: format!("{}-{}-{sequence}", self.customer_id, payload.type_name()),
            source,
            at,
            customer_id: (!phone_only).then(|| self.customer_id.clone()),
            phone: Some(self.phone.clone()),
            payload,
        });
    }

    fn chance(&mut self, probability: f64) -> bool {
        self.rng.random_bool(probability.clamp(0.0, 1.0))
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.random_range(0..items.len())]
    }

    /// A time in the `days` days before `now`.
    fn recent(&mut self, days: i64) -> DateTime<Utc> {
        self.config.now - Duration::seconds(self.rng.random_range(1..=days.max(1) * 86_400))
    }

    fn run(mut self) -> Vec<SourceEvent> {
        let now = self.config.now;
        let joined_at = if self.chance(0.05) {
            self.recent(60)
        } else {
            self.recent(3650)
        };
        let (plan_code, plan_zh, _, fee, data_mb, voice_minutes) = self.pick(PLANS);
        let name = format!("{}{}", self.pick(SURNAMES), self.pick(GIVEN));
        let segment = if self.chance(0.1) {
            Segment::Business
        } else if self.chance(0.2) {
            Segment::Family
        } else {
            Segment::Individual
        };
        let value_tier = self.pick(&[
            ValueTier::Standard,
            ValueTier::Standard,
            ValueTier::Silver,
            ValueTier::Gold,
            ValueTier::Platinum,
            ValueTier::Diamond,
        ]);
        self.emit(
            SourceSystem::Crm,
            joined_at,
            false,
            EventPayload::Identity(IdentityUpdate {
                phones: Vec::new(),
                name: Some(name),
                segment: Some(segment),
                value_tier: Some(value_tier),
                joined_at: Some(joined_at),
            }),
        );

        let postpaid = self.chance(0.4);
        let status = match self.rng.random_range(0..100) {
            0..=2 => AccountStatus::HalfSuspended,
            3..=4 => AccountStatus::Suspended,
            _ => AccountStatus::Active,
        };
        let contract_end = self
            .chance(0.3)
            .then(|| now + Duration::days(self.rng.random_range(-30..400)));
        self.emit(
            SourceSystem::Billing,
            joined_at,
            false,
            EventPayload::Account(AccountUpdate {
                status: Some(AccountStatus::Active),
                payment_type: Some(if postpaid {
                    PaymentType::Postpaid
                } else {
                    PaymentType::Prepaid
                }),
                balance: Some(Money::from_major(fee)),
                credit_limit: Some(Money::from_major(if postpaid { 200 } else { 0 })),
                recurring_fee: Some(Money::from_major(fee)),
                plan: Some(Plan {
                    code: plan_code.to_owned(),
                    name: Some(plan_zh.to_owned()),
                    data_mb: Some(data_mb),
                    voice_minutes: Some(voice_minutes),
                    sms: Some(100),
                }),
                contract_end,
                service_password_changed: Some(false),
            }),
        );
        if self.chance(0.6) {
            let at = joined_at + Duration::days(self.rng.random_range(1..200));
            if at < now {
                self.emit(
                    SourceSystem::Crm,
                    at,
                    false,
                    EventPayload::Account(AccountUpdate {
                        service_password_changed: Some(true),
                        ..AccountUpdate::default()
                    }),
                );
            }
        }

        self.usage_bills_and_payments(fee, data_mb, voice_minutes, joined_at);

        // Current balance and status, as billing reports them today.
        let balance_minor = self.rng.random_range(-2_000..30_000);
        let balance_at = self.recent(2);
        self.emit(
            SourceSystem::Billing,
            balance_at,
            false,
            EventPayload::Account(AccountUpdate {
                status: Some(status),
                balance: Some(Money::from_minor(balance_minor)),
                ..AccountUpdate::default()
            }),
        );

        self.contacts();
        if self.chance(self.config.complainer_share) {
            self.complaints();
        }
        self.side_records();
        self.events
    }

    fn usage_bills_and_payments(
        &mut self,
        fee: i64,
        data_mb: u64,
        voice_minutes: u64,
        joined_at: DateTime<Utc>,
    ) {
        let now = self.config.now;
        let heavy = self.chance(0.15);
        let traveller = self.chance(0.05);
        for back in (1..=self.config.months).rev() {
            let cycle_start = month_start(now, back);
            let cycle_end_at =
                Utc.from_utc_datetime(&month_start(now, back - 1).and_hms_opt(0, 0, 0).expect("midnight"));
            if cycle_end_at <= joined_at {
                continue;
            }
            let scale = if heavy { 1.3 } else { 0.7 };
            let data_used = (data_mb as f64 * scale * self.rng.random_range(0.5..1.3)) as u64;
            let roaming = if traveller && self.chance(0.4) {
                Money::from_minor(self.rng.random_range(5_000..80_000))
            } else {
                Money::ZERO
            };
            let voice_used = (voice_minutes as f64 * scale * self.rng.random_range(0.3..1.2)) as u64;
            let sms = self.rng.random_range(0..60);
            self.emit(
                SourceSystem::Billing,
                cycle_end_at,
                false,
                EventPayload::Usage(MonthlyUsage {
                    cycle_start,
                    data_mb: data_used,
                    voice_minutes: voice_used,
                    sms,
                    data_allowance_mb: Some(data_mb),
                    voice_allowance_minutes: Some(voice_minutes),
                    sms_allowance: Some(100),
                    roaming_charges: roaming,
                }),
            );
            let overage = Money::from_minor(data_used.saturating_sub(data_mb) as i64 * 3 / 10);
            let shock = if self.chance(0.03) {
                Money::from_major(fee)
            } else {
                Money::ZERO
            };
            let amount = Money::from_major(fee)
                .saturating_add(overage)
                .saturating_add(roaming)
                .saturating_add(shock);
            let bill_id = format!("B{}-{}", self.index, cycle_start.format("%Y%m"));
            let paid = back > 1 || self.chance(0.7);
            self.emit(
                SourceSystem::Billing,
                cycle_end_at + Duration::hours(6),
                false,
                EventPayload::Bill(Bill {
                    id: bill_id.clone(),
                    cycle_start,
                    issued_at: cycle_end_at + Duration::hours(6),
                    due_at: Some(cycle_end_at + Duration::days(20)),
                    amount,
                    roaming_amount: roaming,
                    paid,
                }),
            );
            if paid {
                let paid_at = (cycle_end_at + Duration::days(self.rng.random_range(1..20))).min(now);
                let channel = self.pick(&[Channel::App, Channel::Wechat, Channel::Web, Channel::Store]);
                self.emit(
                    SourceSystem::Billing,
                    paid_at,
                    false,
                    EventPayload::Payment(Payment {
                        id: format!("P{bill_id}"),
                        paid_at,
                        amount,
                        channel: Some(channel),
                        credited: true,
                    }),
                );
            }
        }
    }

    fn contacts(&mut self) {
        let frequent = self.chance(0.04);
        let count = if frequent {
            self.rng.random_range(3..8)
        } else {
            self.rng.random_range(0..3)
        };
        for number in 0..count {
            let window = if frequent { 30 } else { 180 };
            let at = self.recent(window);
            let (channel, handled_by) = match self.rng.random_range(0..10) {
                0..=4 => (Channel::Hotline, HandledBy::Agent),
                5..=6 => (Channel::Ivr, HandledBy::SelfService),
                7 => (Channel::App, HandledBy::SelfService),
                8 => (Channel::OnlineChat, HandledBy::Agent),
                _ => (Channel::Store, HandledBy::Agent),
            };
            let reason = self.pick(&["话费查询", "套餐咨询", "网络故障报修", "业务办理", "投诉进展查询"]);
            // IVR and app sessions know the calling number, not the customer id.
            let phone_only = handled_by == HandledBy::SelfService;
            self.emit(
                SourceSystem::ContactChannel,
                at,
                phone_only,
                EventPayload::Contact(Contact {
                    id: format!("K{}-{number}", self.index),
                    channel,
                    at,
                    reason: Some(reason.to_owned()),
                    handled_by,
                    agent_id: (handled_by == HandledBy::Agent).then(|| format!("A{:04}", self.index % 997)),
                    related_id: None,
                }),
            );
        }
    }

    fn complaints(&mut self) {
        let (category, zh, en) = self.pick(COMPLAINT_TEXTS);
        let chinese = self.chance(0.8);
        let mut at = self.recent(150);
        let mut sequence = 0;
        loop {
            let amount = format!(
                "{}.{:02}",
                self.rng.random_range(5..300),
                self.rng.random_range(0..100)
            );
            let days = self.rng.random_range(2..20).to_string();
            let template = if chinese { zh } else { en };
            let mut text = template.replace("{amount}", &amount).replace("{days}", &days);
            let mut channel = self.pick(&[
                Channel::Hotline,
                Channel::Hotline,
                Channel::App,
                Channel::Wechat,
                Channel::Store,
            ]);
            if sequence > 0 && self.chance(0.3) {
                let escalation = self.rng.random_range(0..3);
                text.push(' ');
                text.push_str(if chinese {
                    ESCALATION_ZH[escalation]
                } else {
                    ESCALATION_EN[escalation]
                });
                if escalation == 0 && self.chance(0.5) {
                    channel = Channel::Regulator;
                }
            }
            let handling_days = self.rng.random_range(1..12);
            let closed_at = at + Duration::days(handling_days);
            let closed = closed_at < self.config.now && self.chance(0.85);
            let id = format!("T{}-{sequence}", self.index);
            let complaint = Complaint {
                id: id.clone(),
                customer_id: Some(self.customer_id.clone()),
                phone: Some(self.phone.clone()),
                received_at: at,
                channel,
                category: Some(category.to_owned()),
                text: Some(text),
                status: ComplaintStatus::Open,
                closed_at: None,
                severity: None,
                signals: Vec::new(),
            };
            self.emit(
                SourceSystem::Crm,
                at,
                false,
                EventPayload::Complaint(complaint.clone()),
            );
            if closed {
                // Closing is an update of the same ticket, reported later.
                self.emit(
                    SourceSystem::Crm,
                    closed_at,
                    false,
                    EventPayload::Complaint(Complaint {
                        status: ComplaintStatus::Closed,
                        closed_at: Some(closed_at),
                        ..complaint
                    }),
                );
            }
            sequence += 1;
            if sequence >= 4 || !self.chance(self.config.follow_up_chance) {
                break;
            }
            // Follow-ups come sooner when the ticket is still open; a few
            // are the same ticket re-dispatched within the hour.
            let gap = if self.chance(0.1) {
                Duration::minutes(self.rng.random_range(5..50))
            } else {
                Duration::hours(self.rng.random_range(6..24 * 25))
            };
            at += gap;
            if at >= self.config.now {
                break;
            }
        }
    }

    fn side_records(&mut self) {
        let now = self.config.now;
        if self.chance(0.05) {
            let created_at = self.recent(20);
            let offer = self.pick(&["赠送10GB流量", "月租8折12个月", "免费升级千兆宽带"]);
            self.emit(
                SourceSystem::Retention,
                created_at,
                false,
                EventPayload::RetentionTask(RetentionTask {
                    id: format!("R{}", self.index),
                    list: "high_value_churn_2026q4".to_owned(),
                    offer: Some(offer.to_owned()),
                    script: Some(format!(
                        "您好，感谢您长期使用我们的服务，现为您准备了{offer}的专属优惠。"
                    )),
                    created_at,
                    expires_at: Some(created_at + Duration::days(30)),
                    status: TaskStatus::Open,
                }),
            );
        }
        if self.chance(0.01) {
            let detected_at = self.recent(10);
            let code = self.pick(&[
                AnomalyCode::StatusMismatch,
                AnomalyCode::ChargedNotProvisioned,
                AnomalyCode::PlanMismatch,
            ]);
            self.emit(
                SourceSystem::Audit,
                detected_at,
                false,
                EventPayload::AuditAnomaly(AuditAnomaly {
                    id: format!("AN{}", self.index),
                    code,
                    systems: vec![SourceSystem::Billing, SourceSystem::NetworkElement],
                    detail: None,
                    severity: Severity::High,
                    detected_at,
                    resolved_at: None,
                }),
            );
        }
        if self.chance(0.03) {
            let placed_at = self.recent(15);
            let status = self.pick(&[OrderStatus::Paid, OrderStatus::Shipped, OrderStatus::Completed]);
            let item = self.pick(&["5G手机", "千兆宽带", "光猫"]);
            self.emit(
                SourceSystem::OnlineShop,
                placed_at,
                false,
                EventPayload::Order(OnlineOrder {
                    id: format!("O{}", self.index),
                    item: Some(item.to_owned()),
                    placed_at,
                    status,
                    promised_by: Some(placed_at + Duration::days(3)),
                }),
            );
        }
        if self.chance(0.02) {
            let added_at = self.recent(30);
            self.emit(
                SourceSystem::Crm,
                added_at,
                false,
                EventPayload::WatchList(WatchListMembership {
                    list: "roaming".to_owned(),
                    added_at,
                    guidance: Some("客户近期出境，提醒漫游资费与流量包。".to_owned()),
                    removed_at: None,
                }),
            );
        }
        if self.chance(0.1) {
            let at = self.recent(365);
            let temperament = self.pick(&["急躁", "温和", "理性"]);
            let preferred = self.pick(&[Channel::Wechat, Channel::Hotline, Channel::App]);
            self.emit(
                SourceSystem::Crm,
                at.min(now),
                false,
                EventPayload::Tags(Tags {
                    preferred_channel: Some(preferred),
                    temperament: Some(temperament.to_owned()),
                    matched_agent: None,
                    extra: Default::default(),
                }),
            );
        }
    }
}

/// First day of the month `back` months before the month of `now`.
fn month_start(now: DateTime<Utc>, back: u32) -> NaiveDate {
    let months = now.year() * 12 + now.month0() as i32 - back as i32;
    NaiveDate::from_ymd_opt(months.div_euclid(12), months.rem_euclid(12) as u32 + 1, 1).expect("valid month")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generated_event_is_valid() {
        let population = Population::new(SynthConfig {
            customers: 300,
            ..SynthConfig::default()
        });
        let mut complaints = 0;
        for event in population.events() {
            event.validate().unwrap_or_else(|err| panic!("{err}: {event:?}"));
            complaints += matches!(event.payload, EventPayload::Complaint(_)) as usize;
        }
        assert!(complaints > 10, "{complaints}");
    }

    #[test]
    fn customers_depend_only_on_seed_and_index() {
        let small = Population::new(SynthConfig {
            customers: 10,
            ..SynthConfig::default()
        });
        let large = Population::new(SynthConfig {
            customers: 10_000_000,
            ..SynthConfig::default()
        });
        assert_eq!(small.customer_events(7), large.customer_events(7));
        let reseeded = Population::new(SynthConfig {
            seed: 1,
            ..SynthConfig::default()
        });
        assert_ne!(small.customer_events(7), reseeded.customer_events(7));
    }

    #[test]
    fn phones_are_unique_and_normalised() {
        let phones: std::collections::HashSet<_> = (0..1000).map(Population::phone).collect();
        assert_eq!(phones.len(), 1000);
        for phone in phones {
            assert_eq!(crate::normalize_phone(&phone).unwrap(), phone);
        }
    }

    #[test]
    fn month_start_crosses_years() {
        let now = Utc.with_ymd_and_hms(2026, 2, 10, 0, 0, 0).unwrap();
        assert_eq!(month_start(now, 0), NaiveDate::from_ymd_opt(2026, 2, 1).unwrap());
        assert_eq!(month_start(now, 2), NaiveDate::from_ymd_opt(2025, 12, 1).unwrap());
    }
}
