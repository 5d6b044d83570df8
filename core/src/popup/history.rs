//! Repeat/second history of a complaint, judged from the profile's own
//! complaint list (domain spec section 4, simplified: same level-2
//! category only, no text similarity, no de-duplication interval).
//!
//! Kept behind one function so the repeat-complaint detector's counters can
//! replace it without touching the pop-up rules.

use chrono::TimeDelta;
use serde::{Deserialize, Serialize};

use crate::complaint::Complaint;
use crate::profile::CustomerProfile;

/// Earlier complaints about the same issue as one complaint.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintHistory {
    /// Earlier same-category complaints in the window that are still open
    /// (the complaint is a repeat, 重复投诉).
    pub open_before: u32,
    /// Earlier same-category complaints in the window already closed (the
    /// complaint is a second complaint, 二次投诉).
    pub closed_before: u32,
    /// Ids of those earlier complaints, oldest first.
    pub prior_ids: Vec<String>,
}

impl ComplaintHistory {
    /// Whether there is any repeat or second history.
    pub fn is_recurring(&self) -> bool {
        self.open_before + self.closed_before > 0
    }
}

/// The history of `complaint` among `profile.complaints`: complaints of the
/// same level-2 category received before it and at most `window_days` × 24 h
/// earlier. A complaint without a category has no history.
pub fn complaint_history(
    profile: &CustomerProfile,
    complaint: &Complaint,
    window_days: u32,
) -> ComplaintHistory {
    let mut history = ComplaintHistory::default();
    let Some(category) = complaint.category.as_deref() else {
        return history;
    };
    let window = TimeDelta::days(i64::from(window_days));
    for prior in &profile.complaints {
        if prior.id == complaint.id
            || prior.category.as_deref() != Some(category)
            || prior.received_at >= complaint.received_at
            || complaint.received_at - prior.received_at > window
        {
            continue;
        }
        if prior.is_open() {
            history.open_before += 1;
        } else {
            history.closed_before += 1;
        }
        history.prior_ids.push(prior.id.clone());
    }
    history
}
