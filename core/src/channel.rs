//! Contact channels and their escalation tiers (domain spec section 4).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A channel through which a customer contacts the operator or files a
/// complaint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Interactive voice response menu of the hotline.
    Ivr,
    /// The operator's mobile app.
    App,
    /// The operator's web site.
    Web,
    /// WeChat official account or mini-program (also QQ).
    Wechat,
    /// SMS to a service number.
    Sms,
    /// E-mail.
    Email,
    /// Online chat with a human agent.
    OnlineChat,
    /// Voice hotline answered by an agent (10010/10086-style).
    Hotline,
    /// A retail store or business hall.
    Store,
    /// A business customer's account manager.
    AccountManager,
    /// An outbound call made by the operator (retention, care).
    Outbound,
    /// The executive complaint desk (higher-level complaint handling).
    ExecutiveDesk,
    /// A regulator: 12300, 12315, 工信部, 通管局, FCC.
    Regulator,
    /// The press or social media.
    Media,
}

/// Escalation tier of a channel, low to high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChannelTier {
    /// App, web, WeChat, IVR, SMS, e-mail.
    SelfService,
    /// Hotline, store, online chat, account manager, outbound.
    Agent,
    /// Executive complaint desk.
    Executive,
    /// A regulator.
    Regulator,
    /// The media.
    Media,
}

impl Channel {
    /// Every channel, in declaration order.
    pub const ALL: [Channel; 14] = [
        Channel::Ivr,
        Channel::App,
        Channel::Web,
        Channel::Wechat,
        Channel::Sms,
        Channel::Email,
        Channel::OnlineChat,
        Channel::Hotline,
        Channel::Store,
        Channel::AccountManager,
        Channel::Outbound,
        Channel::ExecutiveDesk,
        Channel::Regulator,
        Channel::Media,
    ];

    /// The default escalation tier of the domain specification: self-service
    /// < hotline and store < executive desk < regulator < media.
    pub fn default_tier(self) -> ChannelTier {
        match self {
            Channel::Ivr | Channel::App | Channel::Web | Channel::Wechat | Channel::Sms | Channel::Email => {
                ChannelTier::SelfService
            }
            Channel::OnlineChat
            | Channel::Hotline
            | Channel::Store
            | Channel::AccountManager
            | Channel::Outbound => ChannelTier::Agent,
            Channel::ExecutiveDesk => ChannelTier::Executive,
            Channel::Regulator => ChannelTier::Regulator,
            Channel::Media => ChannelTier::Media,
        }
    }

    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Ivr => "ivr",
            Channel::App => "app",
            Channel::Web => "web",
            Channel::Wechat => "wechat",
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::OnlineChat => "online_chat",
            Channel::Hotline => "hotline",
            Channel::Store => "store",
            Channel::AccountManager => "account_manager",
            Channel::Outbound => "outbound",
            Channel::ExecutiveDesk => "executive_desk",
            Channel::Regulator => "regulator",
            Channel::Media => "media",
        }
    }

    /// Parses the snake_case name used in JSON.
    pub fn parse(name: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|channel| channel.as_str() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for channel in Channel::ALL {
            assert_eq!(Channel::parse(channel.as_str()), Some(channel));
            let json = serde_json::to_string(&channel).unwrap();
            assert_eq!(json, format!("\"{}\"", channel.as_str()));
        }
        assert_eq!(Channel::parse("fax"), None);
    }

    #[test]
    fn tiers_are_ordered_as_in_the_spec() {
        assert!(Channel::App.default_tier() < Channel::Hotline.default_tier());
        assert_eq!(Channel::Hotline.default_tier(), Channel::Store.default_tier());
        assert!(Channel::Store.default_tier() < Channel::ExecutiveDesk.default_tier());
        assert!(Channel::ExecutiveDesk.default_tier() < Channel::Regulator.default_tier());
        assert!(Channel::Regulator.default_tier() < Channel::Media.default_tier());
    }
}
