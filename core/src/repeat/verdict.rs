//! What the detector answers.

use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::complaint::ComplaintStatus;

/// How a new complaint relates to the same customer's earlier complaints on
/// the same issue within the window (domain spec section 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepeatKind {
    /// No earlier complaint of this customer on this issue in the window.
    New,
    /// 重复投诉: at least one of the earlier ones is still open.
    Repeat,
    /// 二次投诉: all of the earlier ones are closed.
    Second,
    /// The newest earlier one was received less than the de-duplication
    /// interval before: the same ticket dispatched twice. Not counted as a
    /// repeat.
    Duplicate,
}

impl RepeatKind {
    /// The snake_case name used in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            RepeatKind::New => "new",
            RepeatKind::Repeat => "repeat",
            RepeatKind::Second => "second",
            RepeatKind::Duplicate => "duplicate",
        }
    }

    pub(crate) fn to_bits(self) -> u8 {
        match self {
            RepeatKind::New => 0,
            RepeatKind::Repeat => 1,
            RepeatKind::Second => 2,
            RepeatKind::Duplicate => 3,
        }
    }

    pub(crate) fn from_bits(bits: u8) -> RepeatKind {
        match bits & 3 {
            0 => RepeatKind::New,
            1 => RepeatKind::Repeat,
            2 => RepeatKind::Second,
            _ => RepeatKind::Duplicate,
        }
    }
}

/// One earlier complaint that a new complaint matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PriorMatch {
    /// The earlier ticket's id.
    pub id: CompactString,
    /// Days (of 24 hours, fractional) from the earlier complaint's receive
    /// time to the new one's.
    pub days_since: f64,
    /// Text similarity in `[0, 1]`, when both complaints had text.
    pub similarity: Option<f32>,
    /// Whether the level-2 categories are equal (otherwise the match is by
    /// level-1 category, or missing category, plus text similarity).
    pub same_category: bool,
    /// Whether the earlier complaint was still open at the new one's receive
    /// time.
    pub open: bool,
}

/// The detector's answer for one new complaint.
///
/// `matched` is ordered most relevant first: most recent first, then equal
/// level-2 category before a match by text, then higher similarity, then
/// ticket id. The first match is the ticket a `duplicate` is linked to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// The new complaint's ticket id.
    pub id: CompactString,
    /// New, repeat, second or duplicate.
    pub kind: RepeatKind,
    /// 越级投诉: the complaint came through a higher channel tier than the
    /// earliest matched one, or carries an escalation signal (regulator,
    /// media) while a matched one exists. Never set on a `new` complaint.
    pub escalated: bool,
    /// Earlier complaints of the same customer on the same issue within the
    /// window, most relevant first.
    pub matched: Vec<PriorMatch>,
    /// How many of `matched` are not themselves duplicates: how many times
    /// the customer already complained about this issue within the window.
    pub repeat_count: u32,
    /// The issue thread the complaint joins: the ticket id that opened it
    /// (the complaint's own id when it is `new`).
    pub thread: CompactString,
    /// The level-2 category the complaint was judged under: the given one,
    /// or the categoriser's; `None` when it was compared by text alone.
    pub category: Option<CompactString>,
}

/// The outcome of [`RepeatDetector::intake`](super::RepeatDetector::intake).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum Intake {
    /// A complaint seen for the first time, judged and remembered.
    Judged(Verdict),
    /// A ticket id already remembered for this customer: its status and
    /// close time were updated; nothing was counted again.
    Updated {
        /// The ticket id.
        id: String,
        /// Its status now.
        status: ComplaintStatus,
    },
}

impl Intake {
    /// The verdict, when the complaint was new.
    pub fn verdict(&self) -> Option<&Verdict> {
        match self {
            Intake::Judged(verdict) => Some(verdict),
            Intake::Updated { .. } => None,
        }
    }

    /// The ticket id.
    pub fn id(&self) -> &str {
        match self {
            Intake::Judged(verdict) => &verdict.id,
            Intake::Updated { id, .. } => id,
        }
    }
}

/// How far a customer has taken complaints before, low to high.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum EscalationTendency {
    /// Never escalated.
    #[default]
    None,
    /// Complained at a higher level (an escalated complaint, or the executive
    /// desk) but not to a regulator or the media.
    SkipLevel,
    /// Went to a regulator (channel or signal).
    Regulator,
    /// Went to the media (channel or signal).
    Media,
}

impl EscalationTendency {
    pub(crate) fn from_bits(bits: u8) -> EscalationTendency {
        match bits {
            0 => EscalationTendency::None,
            1 => EscalationTendency::SkipLevel,
            2 => EscalationTendency::Regulator,
            _ => EscalationTendency::Media,
        }
    }

    pub(crate) fn to_bits(self) -> u8 {
        self as u8
    }
}

/// Per-customer counters carriers keep, for the call pop-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CustomerCounters {
    /// Complaints remembered for the customer within the window before `now`.
    pub complaints: u32,
    /// Of those, judged `repeat` (重复投诉).
    pub repeats: u32,
    /// Of those, judged `second` (二次投诉).
    pub seconds: u32,
    /// Of those, escalated (越级投诉).
    pub escalated: u32,
    /// Of those, still open at `now`.
    pub open: u32,
    /// The highest escalation the customer ever reached, kept even when
    /// their older history has been compacted away.
    pub tendency: EscalationTendency,
}
