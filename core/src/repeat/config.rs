//! Configuration of repeat-complaint detection.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::channel::{Channel, ChannelTier};
use crate::error::{Error, Result};
use crate::taxonomy::Signal;

/// Thresholds of repeat-complaint detection. Every default is the domain
/// specification's (section 4).
///
/// Deserialises from JSON or TOML; missing fields take their default,
/// unknown fields are rejected.
///
/// ```
/// use custinsight::repeat::RepeatConfig;
/// let config: RepeatConfig =
///     custinsight::from_json("repeat config", r#"{"window_days": 15}"#).unwrap();
/// config.validate().unwrap();
/// assert_eq!(config.window_days, 15);
/// assert_eq!(config.dedup_minutes, 60);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RepeatConfig {
    /// A prior complaint counts when it was received at most this many days
    /// (of 24 hours) before the new one. Default 30.
    pub window_days: u32,
    /// Two complaints whose categories share only the level-1 part (or that
    /// lack a category) are about the same issue when the similarity of their
    /// texts is at or above this value, in `(0, 1]`. Default 0.75.
    ///
    /// The similarity is `1 - d / 64` for the Hamming distance `d` of the
    /// texts' 64-bit SimHash signatures (see [`TextSignature`](super::TextSignature)):
    /// unrelated texts score about 0.5, so 0.75 is about four standard
    /// deviations above chance.
    pub similarity_threshold: f32,
    /// A complaint received less than this many minutes after the newest
    /// matching one is the same ticket dispatched twice (`duplicate`).
    /// Default 60.
    pub dedup_minutes: u32,
    /// Tier overrides per channel; a channel not listed keeps
    /// [`Channel::default_tier`]. Default empty.
    pub channel_tiers: BTreeMap<Channel, ChannelTier>,
    /// A complaint arriving through a higher tier than the earliest prior one
    /// counts as escalated only when its tier is at least this one. Default
    /// [`ChannelTier::Agent`], which is no restriction (anything higher than
    /// some prior tier is at least `Agent`); set `executive` to ignore moves
    /// from self-service to the hotline.
    pub escalation_min_tier: ChannelTier,
    /// Signals that make a complaint escalated while a prior one exists.
    /// Default `regulator` and `media`.
    pub escalation_signals: Vec<Signal>,
}

impl Default for RepeatConfig {
    fn default() -> Self {
        RepeatConfig {
            window_days: 30,
            similarity_threshold: 0.75,
            dedup_minutes: 60,
            channel_tiers: BTreeMap::new(),
            escalation_min_tier: ChannelTier::Agent,
            escalation_signals: vec![Signal::Regulator, Signal::Media],
        }
    }
}

impl RepeatConfig {
    /// Checks ranges: a window of 1 to 3650 days, a threshold in `(0, 1]`
    /// and a de-duplication interval shorter than the window.
    ///
    /// # Errors
    /// [`Error::Config`] naming the offending field.
    pub fn validate(&self) -> Result<()> {
        if !(1..=3650).contains(&self.window_days) {
            return Err(Error::config(
                "window_days",
                format!("{} is outside 1..=3650", self.window_days),
            ));
        }
        let threshold = self.similarity_threshold;
        if !(threshold.is_finite() && threshold > 0.0 && threshold <= 1.0) {
            return Err(Error::config(
                "similarity_threshold",
                format!("{threshold} is outside (0, 1]"),
            ));
        }
        if u64::from(self.dedup_minutes) >= u64::from(self.window_days) * 24 * 60 {
            return Err(Error::config(
                "dedup_minutes",
                format!(
                    "{} minutes is not shorter than the window of {} days",
                    self.dedup_minutes, self.window_days
                ),
            ));
        }
        Ok(())
    }

    /// The tier of `channel` under this configuration.
    pub fn tier(&self, channel: Channel) -> ChannelTier {
        self.channel_tiers
            .get(&channel)
            .copied()
            .unwrap_or_else(|| channel.default_tier())
    }
}

/// The configuration in the form the hot path reads.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub window_ms: i64,
    pub dedup_ms: i64,
    /// Similarity threshold as a maximum Hamming distance of signatures.
    pub max_distance: u32,
    pub tiers: [ChannelTier; Channel::ALL.len()],
    pub escalation_min_tier: ChannelTier,
    /// [`signal_bit`](super::history::signal_bit)s of the escalation signals.
    pub escalation_signals: u8,
}

impl Resolved {
    pub fn new(config: &RepeatConfig) -> Self {
        let mut tiers = [ChannelTier::SelfService; Channel::ALL.len()];
        for (index, channel) in Channel::ALL.into_iter().enumerate() {
            tiers[index] = config.tier(channel);
        }
        Resolved {
            window_ms: i64::from(config.window_days) * 86_400_000,
            dedup_ms: i64::from(config.dedup_minutes) * 60_000,
            max_distance: super::signature::max_distance(config.similarity_threshold),
            tiers,
            escalation_min_tier: config.escalation_min_tier,
            escalation_signals: super::history::signal_bits(&config.escalation_signals),
        }
    }

    pub fn tier(&self, channel_index: u8) -> ChannelTier {
        self.tiers[usize::from(channel_index)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_spec_and_valid() {
        let config = RepeatConfig::default();
        config.validate().unwrap();
        assert_eq!(config.window_days, 30);
        assert_eq!(config.dedup_minutes, 60);
        assert_eq!(config.tier(Channel::Media), ChannelTier::Media);
        let resolved = Resolved::new(&config);
        assert_eq!(resolved.window_ms, 30 * 86_400_000);
        assert_eq!(resolved.dedup_ms, 3_600_000);
        assert_eq!(resolved.max_distance, 16);
    }

    #[test]
    fn bad_values_name_the_field() {
        let config = RepeatConfig {
            window_days: 0,
            ..RepeatConfig::default()
        };
        assert!(config.validate().unwrap_err().to_string().contains("window_days"));
        let config = RepeatConfig {
            similarity_threshold: 1.5,
            ..RepeatConfig::default()
        };
        assert!(config
            .validate()
            .unwrap_err()
            .to_string()
            .contains("similarity_threshold"));
        let config = RepeatConfig {
            window_days: 1,
            dedup_minutes: 1440,
            ..RepeatConfig::default()
        };
        assert!(config
            .validate()
            .unwrap_err()
            .to_string()
            .contains("dedup_minutes"));
        let err = crate::from_json::<RepeatConfig>("repeat config", r#"{"window": 3}"#).unwrap_err();
        assert!(err.to_string().contains("window"), "{err}");
    }

    #[test]
    fn tiers_can_be_overridden() {
        let config: RepeatConfig = crate::from_json(
            "repeat config",
            r#"{"channel_tiers": {"online_chat": "self_service"}, "escalation_signals": ["regulator"]}"#,
        )
        .unwrap();
        assert_eq!(config.tier(Channel::OnlineChat), ChannelTier::SelfService);
        assert_eq!(config.tier(Channel::Hotline), ChannelTier::Agent);
        let resolved = Resolved::new(&config);
        assert_eq!(
            resolved.escalation_signals,
            super::super::history::signal_bits(&[Signal::Regulator])
        );
    }
}
