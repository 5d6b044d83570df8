//! Deterministic synthetic complaint streams, for benchmarks, examples and
//! the comparisons with other tools (which must see the same data).

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::channel::Channel;
use crate::complaint::{Complaint, ComplaintStatus};
use crate::taxonomy::{Signal, Taxonomy};

/// Shape of a synthetic complaint stream.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSpec {
    /// Number of complaints.
    pub complaints: usize,
    /// Number of distinct customers complaints are drawn from (uniformly).
    pub customers: usize,
    /// Receive times are spread uniformly over this many days.
    pub days: u32,
    /// Share of complaints that carry a text (the rest carry a category only).
    pub text_share: f64,
    /// Whether some complaints name the customer by phone (25 % by phone
    /// only, 15 % by both); when false, every complaint carries only the
    /// customer id.
    pub phones: bool,
    /// Seed of the ChaCha8 generator.
    pub seed: u64,
}

impl SynthSpec {
    /// `complaints` complaints from `complaints / 2` customers over 30 days,
    /// 30 % with text, phones on, seed 42.
    pub fn new(complaints: usize) -> Self {
        SynthSpec {
            complaints,
            customers: (complaints / 2).max(1),
            days: 30,
            text_share: 0.3,
            phones: true,
            seed: 42,
        }
    }
}

const PHRASES: [&str; 12] = [
    "宽带又断网了，晚上一直掉线",
    "my broadband keeps dropping every evening",
    "手机没有信号，家里完全打不了电话",
    "charged for a service I never ordered",
    "话费里有不明扣费，要求退还",
    "promised refund has still not arrived",
    "套餐变更一直没有生效",
    "营销短信太多了，每天都有骚扰电话",
    "installation appointment missed twice",
    "客服态度很差，说好回电话没人回",
    "mobile data is very slow in the city centre",
    "携号转网被拒绝，无法销户",
];

/// An endless-until-`complaints` iterator of synthetic complaints, in
/// generation order (not time order). The same spec gives the same stream on
/// every platform.
///
/// Shape: customers are drawn uniformly; each has a habitual category that
/// 60 % of their complaints carry; 60 % of complaints name the customer by id
/// only, 25 % by phone only, 15 % by both; channels are mostly the hotline,
/// with 1.5 % regulator and 0.5 % media; 70 % are closed within 10 days.
///
/// ```
/// use custinsight::repeat::synth::{synthetic_complaints, SynthSpec};
/// let a: Vec<_> = synthetic_complaints(&SynthSpec::new(100)).collect();
/// let b: Vec<_> = synthetic_complaints(&SynthSpec::new(100)).collect();
/// assert_eq!(a, b);
/// assert_eq!(a.len(), 100);
/// assert!(a.iter().all(|c| c.validate().is_ok()));
/// ```
pub fn synthetic_complaints(spec: &SynthSpec) -> impl Iterator<Item = Complaint> {
    let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
    let spec = spec.clone();
    let start: DateTime<Utc> = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let span_ms = i64::from(spec.days.max(1)) * 86_400_000;
    let codes: Vec<String> = Taxonomy::telecom_default()
        .categories
        .into_iter()
        .map(|category| category.code)
        .collect();
    (0..spec.complaints).map(move |index| {
        let customer = rng.random_range(0..spec.customers.max(1)) as u64;
        let habitual = &codes[(customer.wrapping_mul(0x9E37_79B9) % codes.len() as u64) as usize];
        let category = if rng.random_bool(0.6) {
            habitual
        } else {
            &codes[rng.random_range(0..codes.len())]
        };
        let phone = format!("138{:08}", customer % 100_000_000);
        let draw = rng.random_range(0..100);
        let (customer_id, phone) = match if spec.phones { draw } else { 0 } {
            0..60 => (Some(format!("C{customer}")), None),
            60..85 => (None, Some(phone)),
            _ => (Some(format!("C{customer}")), Some(phone)),
        };
        let received_at = start + Duration::milliseconds(rng.random_range(0..span_ms));
        let channel = match rng.random_range(0..1000) {
            0..500 => Channel::Hotline,
            500..650 => Channel::App,
            650..750 => Channel::Web,
            750..850 => Channel::Wechat,
            850..900 => Channel::Store,
            900..950 => Channel::OnlineChat,
            950..980 => Channel::ExecutiveDesk,
            980..995 => Channel::Regulator,
            _ => Channel::Media,
        };
        let (status, closed_at) = if rng.random_bool(0.7) {
            let after = Duration::milliseconds(rng.random_range(3_600_000..10 * 86_400_000));
            (ComplaintStatus::Closed, Some(received_at + after))
        } else {
            (ComplaintStatus::Open, None)
        };
        let text = rng.random_bool(spec.text_share).then(|| {
            let phrase = PHRASES[(customer as usize + usize::from(rng.random_bool(0.3))) % PHRASES.len()];
            format!("{phrase} {}", rng.random_range(0..5))
        });
        let mut signals = Vec::new();
        if rng.random_bool(0.02) {
            signals.push(Signal::Regulator);
        }
        if rng.random_bool(0.01) {
            signals.push(Signal::Media);
        }
        Complaint {
            id: format!("T{:08}", index),
            customer_id,
            phone,
            received_at,
            channel,
            category: Some(category.clone()),
            text,
            status,
            closed_at,
            severity: None,
            signals,
        }
    })
}
