//! Repeat-complaint detection (domain spec section 4): at intake with
//! [`RepeatDetector`], over whole data sets with [`label_batch`] and
//! [`summarize`], or with [`label_batch_compact`] when row numbers will do
//! (several times faster: no strings per row).
//!
//! # The rule
//!
//! * **Same customer**: equal customer id or equal normalised phone. A
//!   complaint that carries both links them for good, so a later complaint
//!   with only the phone finds the earlier ones filed under the id (links are
//!   transitive).
//! * **Same issue**: equal level-2 category; or equal level-1 category and
//!   text similarity ([`TextSignature`]) at or above
//!   [`RepeatConfig::similarity_threshold`]. A complaint without a category
//!   (none given, no [`Categorize`]r, or the categoriser had no answer) is
//!   compared by text similarity alone, against complaints of any category.
//!   A complaint with neither a category nor a text is rejected.
//! * **Window**: the prior was received at most `window_days` × 24 h before
//!   the new complaint (exactly 30 days apart is inside), and not after it.
//! * **Kind**, against the same-customer same-issue priors in the window:
//!   `duplicate` when the newest was received less than `dedup_minutes`
//!   before; else `repeat` when one of them is open at the new complaint's
//!   receive time (a complaint closed exactly then counts as closed); else
//!   `second`; `new` when there are none.
//! * **Escalated**: a prior exists and the new complaint came through a
//!   higher channel tier than the earliest prior (and at least
//!   [`RepeatConfig::escalation_min_tier`]), or carries one of
//!   [`RepeatConfig::escalation_signals`].
//! * A ticket id already remembered for the customer is a **status update**
//!   (closing, reopening), never a new complaint.
//!
//! # Memory
//!
//! A remembered complaint is a 56-byte record plus its ticket id; the text is
//! reduced to a 64-bit signature. [`RepeatDetector::compact`] drops what is
//! older than the window.
//!
//! # Durability
//!
//! [`RepeatDetector::snapshot`] and [`RepeatDetector::restore`] go through
//! the library's versioned, checksummed container; a truncated or corrupted
//! snapshot is refused with [`Error::SnapshotFormat`](crate::Error::SnapshotFormat).

mod batch;
mod config;
mod detector;
mod history;
mod signature;
mod store;
pub mod synth;
mod verdict;

pub use batch::{
    label_batch, label_batch_compact, label_batch_compact_rows, summarize, BatchLabels, BatchSummary,
    CompactLabel, Rates,
};
/// The string type of a [`Verdict`]'s ticket ids and category: kept inline
/// up to 24 bytes (the usual ticket id), so that a verdict costs no
/// allocation for them. It dereferences to `str` and compares with strings.
pub use compact_str::CompactString;
pub use config::RepeatConfig;
pub use detector::RepeatDetector;
pub use signature::TextSignature;
pub use verdict::{CustomerCounters, EscalationTendency, Intake, PriorMatch, RepeatKind, Verdict};

/// Classifies a complaint text into a level-2 category code, for complaints
/// that arrive without one. The built-in classifier implements it; a stub
/// will do in tests.
///
/// ```
/// use custinsight::repeat::Categorize;
/// struct Keyword;
/// impl Categorize for Keyword {
///     fn categorize(&self, text: &str) -> Option<String> {
///         text.contains("宽带").then(|| "broadband.outage".to_owned())
///     }
/// }
/// assert_eq!(Keyword.categorize("宽带断了").as_deref(), Some("broadband.outage"));
/// ```
pub trait Categorize: Send + Sync {
    /// The level-2 category code of `text`, or `None` when unsure.
    fn categorize(&self, text: &str) -> Option<String>;

    /// Whether [`Categorize::read`] finds signals: then the text of a
    /// complaint that came without signals is read even when the complaint
    /// has its category, as [`crate::Engine::intake`] reads it. `false`
    /// unless overridden.
    fn finds_signals(&self) -> bool {
        false
    }

    /// The category and the signals of `text`, from one reading: by
    /// default the category of [`Categorize::categorize`] and no signals.
    fn read(&self, text: &str) -> TextReading {
        TextReading {
            category: self.categorize(text),
            signals: Vec::new(),
        }
    }
}

/// What a [`Categorize`]r reads in a complaint text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextReading {
    /// The level-2 category code, or `None` when unsure.
    pub category: Option<String>,
    /// The signals the text raises (a regulator or media signal escalates a
    /// repeat).
    pub signals: Vec<crate::Signal>,
}

/// Size in bytes of one remembered complaint record, excluding its ticket id
/// (kept in a per-customer string arena) and the customer's key index.
pub const RECORD_BYTES: usize = std::mem::size_of::<history::Record>();
