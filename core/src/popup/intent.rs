//! Call-intent prediction (智能预判): a probability per call reason.
//!
//! Each reason gets a mass: the noisy-or of the scores of the shown
//! opportunities that predict it (two independent hints of the same reason
//! reinforce each other without exceeding 1), plus a fixed mass per recent
//! agent-handled contact about a record of that reason. `other` gets a
//! fixed mass plus the opportunities that predict no specific reason. The
//! masses are normalised, so the named reasons sum to less than 1 whenever
//! the `other` mass is positive, and all intents together sum to 1.

use chrono::{DateTime, TimeDelta, Utc};

use crate::popup::rules::contact_reason;
use crate::popup::{CallIntent, CallReason, Opportunity, PopUpConfig};
use crate::profile::CustomerProfile;

const REASONS: usize = CallReason::ALL.len();

fn index(reason: CallReason) -> usize {
    CallReason::ALL
        .iter()
        .position(|&r| r == reason)
        .expect("ALL lists every reason")
}

pub(crate) fn predict(
    shown: &[Opportunity],
    profile: &CustomerProfile,
    now: DateTime<Utc>,
    config: &PopUpConfig,
) -> Vec<CallIntent> {
    let other = index(CallReason::Other);
    // Probability that no hint of the reason is the real one (noisy-or).
    let mut none = [1.0f64; REASONS];
    for opportunity in shown {
        let i = index(opportunity.call_reason);
        none[i] *= 1.0 - opportunity.score.clamp(0.0, 1.0);
    }
    let mut mass = [0.0f64; REASONS];
    for (m, n) in mass.iter_mut().zip(none) {
        *m = 1.0 - n;
    }
    let window = TimeDelta::days(i64::from(config.intent.recent_days));
    for contact in &profile.contacts {
        if contact.at > now || now - contact.at > window || !contact.is_handled_by_person() {
            continue;
        }
        let reason = contact_reason(profile, contact.related_id.as_deref());
        if reason != CallReason::Other {
            let i = index(reason);
            mass[i] = (mass[i] + config.intent.recent_contact_mass).min(1.0);
        }
    }
    mass[other] += config.intent.other_mass;
    let total: f64 = mass.iter().sum();
    if total.is_nan() || total <= 0.0 || !total.is_finite() {
        return vec![CallIntent {
            reason: CallReason::Other,
            probability: 1.0,
        }];
    }
    let mut intents: Vec<CallIntent> = CallReason::ALL
        .iter()
        .zip(mass)
        .filter(|(&reason, m)| *m > 0.0 || reason == CallReason::Other)
        .map(|(&reason, m)| CallIntent {
            reason,
            probability: m / total,
        })
        .collect();
    intents.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then_with(|| index(a.reason).cmp(&index(b.reason)))
    });
    intents
}
