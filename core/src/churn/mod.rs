//! The churn-risk model behind the `churn_risk` opportunity: gradient-boosted
//! trees over named features, trainable, explainable per customer and
//! saved in the crate's checksummed container.
//!
//! # Features
//!
//! A model is trained on a [`Dataset`] of named numeric columns, NaN for a
//! missing value. To score a [`CustomerProfile`], the model looks up each of
//! its features among [`PROFILE_FEATURES`] by name; a feature the profile
//! cannot provide is missing (NaN) and follows the missing-value branch the
//! trees learnt. [`iranian_dataset`] maps the UCI Iranian churn columns onto
//! these names (the mapping is documented there), so a model trained on it
//! can score profiles, with the caveats given there.
//!
//! # Example
//!
//! ```
//! use custinsight::churn::{ChurnModel, Dataset, TrainParams};
//!
//! // Churn follows "complained" in this toy set.
//! let features = vec!["complained".to_owned(), "tenure_months".to_owned()];
//! let mut rows = Vec::new();
//! let mut labels = Vec::new();
//! for i in 0..200 {
//!     let complained = (i % 4 == 0) as u8 as f64;
//!     rows.extend([complained, (i % 37) as f64]);
//!     labels.push(complained == 1.0);
//! }
//! let data = Dataset::new(features, rows, labels)?;
//! let params = TrainParams { trees: 20, ..TrainParams::default() };
//! let model = ChurnModel::train(&data, &params)?;
//! assert!(model.predict_row(&[1.0, 10.0]) > 0.9);
//! assert!(model.predict_row(&[0.0, 10.0]) < 0.1);
//! let explained = model.explain_row(&[1.0, 10.0]);
//! assert_eq!(explained.contributions[0].0, "complained");
//! let restored = ChurnModel::from_bytes(&model.to_bytes())?;
//! assert_eq!(restored, model);
//! # Ok::<(), custinsight::Error>(())
//! ```

mod data;
mod eval;
mod gbdt;

use chrono::{DateTime, Datelike, Months, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::envelope::ArtefactKind;
use crate::error::{Error, Result};
use crate::profile::{AccountStatus, CustomerProfile, PaymentType};

pub use data::{ibm_dataset, iranian_dataset};
pub use eval::{cross_validate, precision_at_top, roc_auc, stratified_folds, CvReport, FoldResult};
pub use gbdt::TrainParams;

const CHURN_MODEL: ArtefactKind = ArtefactKind {
    tag: *b"CHRN",
    name: "churn model",
    version: 1,
    is_snapshot: false,
};

/// The features a [`CustomerProfile`] provides, by name, in the order of
/// [`profile_features`]. Names follow the Iranian data set's columns where
/// the profile has an equivalent (see [`iranian_dataset`]).
pub const PROFILE_FEATURES: [&str; 13] = [
    "call_failures",
    "complained",
    "tenure_months",
    "charge_level",
    "voice_minutes_per_month",
    "calls_per_month",
    "sms_per_month",
    "distinct_called",
    "age_group",
    "contract_plan",
    "inactive",
    "age",
    "customer_value",
];

/// The features of [`PROFILE_FEATURES`] a profile actually fills (the others
/// are always missing): a model trained on these alone is what a profile
/// really gets scored with.
pub const PROFILE_FILLED_FEATURES: [&str; 6] = [
    "complained",
    "tenure_months",
    "voice_minutes_per_month",
    "sms_per_month",
    "contract_plan",
    "inactive",
];

/// Months of history the usage features average over (the Iranian data
/// aggregates the first 9 months of 12).
const HISTORY_MONTHS: u32 = 9;

/// The profile's values of [`PROFILE_FEATURES`] at `now`; NaN where the
/// profile has no such field.
///
/// * `complained`: 1 if a complaint was received in the last 9 months;
/// * `tenure_months`: whole months since `identity.joined_at`;
/// * `voice_minutes_per_month`, `sms_per_month`: average over the usage
///   cycles that started in the last 9 months;
/// * `contract_plan`: 1 for a postpaid account or one with a contract end,
///   else 0;
/// * `inactive`: 1 unless the account is active;
/// * `call_failures`, `charge_level`, `calls_per_month`, `distinct_called`,
///   `age_group`, `age`, `customer_value`: NaN (the profile does not carry
///   them).
pub fn profile_features(profile: &CustomerProfile, now: DateTime<Utc>) -> [f64; 13] {
    let since = now - TimeDelta::days(i64::from(HISTORY_MONTHS) * 30);
    let complained = profile
        .complaints
        .iter()
        .any(|complaint| complaint.received_at <= now && complaint.received_at >= since);
    let tenure = profile
        .identity
        .joined_at
        .map_or(f64::NAN, |joined| f64::from(whole_months(joined, now)));
    let since_date = since.date_naive();
    let today = now.date_naive();
    let (mut cycles, mut voice, mut sms) = (0u32, 0u64, 0u64);
    for usage in &profile.usage {
        if usage.cycle_start >= since_date && usage.cycle_start <= today {
            cycles += 1;
            voice = voice.saturating_add(usage.voice_minutes);
            sms = sms.saturating_add(usage.sms);
        }
    }
    let per_month = |total: u64| {
        if cycles == 0 {
            f64::NAN
        } else {
            total as f64 / f64::from(cycles)
        }
    };
    let account = &profile.account;
    let contract = account.payment_type == PaymentType::Postpaid || account.contract_end.is_some();
    [
        f64::NAN,
        f64::from(u8::from(complained)),
        tenure,
        f64::NAN,
        per_month(voice),
        f64::NAN,
        per_month(sms),
        f64::NAN,
        f64::NAN,
        f64::from(u8::from(contract)),
        f64::from(u8::from(account.status != AccountStatus::Active)),
        f64::NAN,
        f64::NAN,
    ]
}

/// Whole calendar months from `from` to `to` (0 when `to` is earlier): the
/// largest `m` with `from + m months <= to`, a month added to the 31st
/// ending on the last day of a shorter month.
fn whole_months(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    if to <= from {
        return 0;
    }
    let rough = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    let mut months = rough.max(0) as u32;
    // `from + rough months` may overshoot by one (day or time of day later).
    while months > 0
        && from
            .checked_add_months(Months::new(months))
            .is_none_or(|at| at > to)
    {
        months -= 1;
    }
    months
}

/// A training table: named numeric feature columns (NaN = missing) and a
/// churn label per row.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset {
    features: Vec<String>,
    rows: Vec<f64>,
    labels: Vec<bool>,
}

impl Dataset {
    /// A data set of `labels.len()` rows, `rows` row-major.
    ///
    /// # Errors
    /// [`Error::InvalidField`] when `rows` does not hold one value per
    /// feature per label, a feature name repeats, or a value is infinite.
    pub fn new(features: Vec<String>, rows: Vec<f64>, labels: Vec<bool>) -> Result<Dataset> {
        if features.is_empty() || features.len() > usize::from(u16::MAX - 1) {
            return Err(Error::invalid(
                "features",
                format!("{} features; need 1 to 65534", features.len()),
            ));
        }
        if rows.len() != features.len() * labels.len() {
            return Err(Error::invalid(
                "rows",
                format!(
                    "{} values for {} rows of {} features",
                    rows.len(),
                    labels.len(),
                    features.len()
                ),
            ));
        }
        for (i, name) in features.iter().enumerate() {
            if features[..i].contains(name) {
                return Err(Error::invalid(
                    format!("features[{i}]"),
                    format!("{name:?} repeats"),
                ));
            }
        }
        if let Some(i) = rows.iter().position(|v| v.is_infinite()) {
            return Err(Error::invalid(
                format!("rows[{}][{}]", i / features.len(), i % features.len()),
                "is infinite",
            ));
        }
        Ok(Dataset {
            features,
            rows,
            labels,
        })
    }

    /// Feature names.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Row `i`'s values.
    pub fn row(&self, i: usize) -> &[f64] {
        let n = self.features.len();
        &self.rows[i * n..(i + 1) * n]
    }

    /// Labels (true = churned).
    pub fn labels(&self) -> &[bool] {
        &self.labels
    }

    /// The same rows with only the named features, in the given order.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming a feature the data set lacks.
    pub fn select(&self, features: &[&str]) -> Result<Dataset> {
        let columns = features
            .iter()
            .map(|name| {
                self.features
                    .iter()
                    .position(|f| f == name)
                    .ok_or_else(|| Error::invalid("features", format!("{name:?} is not in the data set")))
            })
            .collect::<Result<Vec<usize>>>()?;
        let mut rows = Vec::with_capacity(self.len() * columns.len());
        for i in 0..self.len() {
            let row = self.row(i);
            rows.extend(columns.iter().map(|&c| row[c]));
        }
        Dataset::new(
            features.iter().map(|f| (*f).to_owned()).collect(),
            rows,
            self.labels.clone(),
        )
    }

    /// The rows at `indices`, in that order.
    pub fn subset(&self, indices: &[usize]) -> Dataset {
        let mut rows = Vec::with_capacity(indices.len() * self.features.len());
        for &i in indices {
            rows.extend_from_slice(self.row(i));
        }
        Dataset {
            features: self.features.clone(),
            rows,
            labels: indices.iter().map(|&i| self.labels[i]).collect(),
        }
    }
}

/// A prediction split into per-feature contributions (log-odds), the path
/// attribution of each tree summed over the trees.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    /// Churn probability.
    pub probability: f64,
    /// Log-odds before any feature is looked at.
    pub bias: f64,
    /// `(feature, contribution)`, largest absolute contribution first;
    /// `bias` plus all contributions is the log-odds of `probability`.
    pub contributions: Vec<(String, f64)>,
}

/// A trained churn model. `Send + Sync`: one model can serve every thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChurnModel {
    features: Vec<String>,
    base: f64,
    trees: Vec<gbdt::Tree>,
    /// For each model feature, its index in [`PROFILE_FEATURES`].
    #[serde(skip)]
    profile_map: Vec<Option<usize>>,
}

impl ChurnModel {
    /// Trains boosted trees on `data`.
    ///
    /// # Errors
    /// [`Error::Config`] for out-of-range parameters; [`Error::Training`]
    /// when the data has fewer than 2 rows or a single class.
    pub fn train(data: &Dataset, params: &TrainParams) -> Result<ChurnModel> {
        params.validate().map_err(|e| e.within("churn"))?;
        let positives = data.labels.iter().filter(|&&y| y).count();
        if data.len() < 2 || positives == 0 || positives == data.len() {
            return Err(Error::Training {
                reason: format!("need both classes: {} rows, {positives} churners", data.len()),
            });
        }
        let (base, trees) = gbdt::train(&data.rows, data.features.len(), &data.labels, params);
        Ok(ChurnModel::assemble(data.features.clone(), base, trees))
    }

    fn assemble(features: Vec<String>, base: f64, trees: Vec<gbdt::Tree>) -> ChurnModel {
        let profile_map = features
            .iter()
            .map(|name| PROFILE_FEATURES.iter().position(|p| p == name))
            .collect();
        ChurnModel {
            features,
            base,
            trees,
            profile_map,
        }
    }

    /// The feature names, in the order [`ChurnModel::predict_row`] expects.
    pub fn features(&self) -> &[String] {
        &self.features
    }

    /// Number of trees.
    pub fn tree_count(&self) -> usize {
        self.trees.len()
    }

    fn raw(&self, x: &[f64]) -> f64 {
        self.base + gbdt::predict_sum(&self.trees, x)
    }

    /// Churn probability of one row of [`ChurnModel::features`] values.
    ///
    /// # Panics
    /// When `x` does not hold one value per feature.
    pub fn predict_row(&self, x: &[f64]) -> f64 {
        assert_eq!(x.len(), self.features.len(), "one value per model feature");
        gbdt::sigmoid(self.raw(x))
    }

    /// [`ChurnModel::predict_row`] with the per-feature contributions.
    ///
    /// # Panics
    /// When `x` does not hold one value per feature.
    pub fn explain_row(&self, x: &[f64]) -> Explanation {
        assert_eq!(x.len(), self.features.len(), "one value per model feature");
        let mut contributions = vec![0.0; self.features.len()];
        let mut bias = self.base;
        for tree in &self.trees {
            bias += tree.explain(x, &mut contributions);
        }
        let raw = bias + contributions.iter().sum::<f64>();
        let mut contributions: Vec<(String, f64)> = self
            .features
            .iter()
            .cloned()
            .zip(contributions)
            .filter(|(_, c)| *c != 0.0)
            .collect();
        contributions.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then_with(|| a.0.cmp(&b.0)));
        Explanation {
            probability: gbdt::sigmoid(raw),
            bias,
            contributions,
        }
    }

    fn profile_row(&self, profile: &CustomerProfile, now: DateTime<Utc>) -> Vec<f64> {
        let values = profile_features(profile, now);
        self.profile_map
            .iter()
            .map(|index| index.map_or(f64::NAN, |i| values[i]))
            .collect()
    }

    /// Churn probability of a profile at `now` (see [`profile_features`]).
    pub fn predict_profile(&self, profile: &CustomerProfile, now: DateTime<Utc>) -> f64 {
        const STACK: usize = 32;
        if self.features.len() > STACK {
            return self.predict_row(&self.profile_row(profile, now));
        }
        let values = profile_features(profile, now);
        let mut row = [f64::NAN; STACK];
        for (slot, index) in row.iter_mut().zip(&self.profile_map) {
            *slot = index.map_or(f64::NAN, |i| values[i]);
        }
        self.predict_row(&row[..self.features.len()])
    }

    /// [`ChurnModel::predict_profile`] with the per-feature contributions.
    pub fn explain_profile(&self, profile: &CustomerProfile, now: DateTime<Utc>) -> Explanation {
        self.explain_row(&self.profile_row(profile, now))
    }

    /// Global importance: the mean absolute contribution of each feature
    /// over the rows of `data` (log-odds), largest first.
    ///
    /// # Panics
    /// When `data` has other features than the model.
    pub fn importance(&self, data: &Dataset) -> Vec<(String, f64)> {
        assert_eq!(data.features(), self.features.as_slice(), "the model's features");
        let mut totals = vec![0.0; self.features.len()];
        let mut contributions = vec![0.0; self.features.len()];
        for i in 0..data.len() {
            contributions.fill(0.0);
            for tree in &self.trees {
                tree.explain(data.row(i), &mut contributions);
            }
            for (total, c) in totals.iter_mut().zip(&contributions) {
                *total += c.abs();
            }
        }
        let n = data.len().max(1) as f64;
        let mut importance: Vec<(String, f64)> = self
            .features
            .iter()
            .cloned()
            .zip(totals.into_iter().map(|t| t / n))
            .collect();
        importance.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        importance
    }

    /// Saves the model in the versioned, checksummed container (kind `CHRN`).
    pub fn to_bytes(&self) -> Vec<u8> {
        CHURN_MODEL.seal_value(self)
    }

    /// Loads a model saved by [`ChurnModel::to_bytes`].
    ///
    /// # Errors
    /// [`Error::ModelFormat`] when the bytes are truncated, corrupted, of
    /// another kind or version, or describe an inconsistent model.
    pub fn from_bytes(bytes: &[u8]) -> Result<ChurnModel> {
        let model: ChurnModel = CHURN_MODEL.open_value(bytes)?;
        let n = model.features.len();
        if !model.base.is_finite() || n == 0 {
            return Err(Error::ModelFormat {
                reason: "churn model has no features or a non-finite base score".to_owned(),
            });
        }
        for (t, tree) in model.trees.iter().enumerate() {
            let len = tree.nodes.len();
            if len == 0 {
                return Err(Error::ModelFormat {
                    reason: format!("churn model tree {t} has no nodes"),
                });
            }
            for (i, node) in tree.nodes.iter().enumerate() {
                // Children come after their parent, so every path ends.
                let bad_split = node.feature != u16::MAX
                    && (usize::from(node.feature) >= n
                        || node.left as usize <= i
                        || node.right as usize <= i
                        || node.left as usize >= len
                        || node.right as usize >= len);
                if bad_split || !node.value.is_finite() {
                    return Err(Error::ModelFormat {
                        reason: format!("churn model tree {t} node {i} is inconsistent"),
                    });
                }
            }
        }
        Ok(ChurnModel::assemble(model.features, model.base, model.trees))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_months_counts_calendar_months() {
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // Adding a month clamps to the month's last day, as chrono does.
        assert_eq!(
            whole_months(at("2026-01-31T10:00:00Z"), at("2026-02-28T09:00:00Z")),
            0
        );
        assert_eq!(
            whole_months(at("2026-01-31T10:00:00Z"), at("2026-02-28T10:00:00Z")),
            1
        );
        assert_eq!(
            whole_months(at("2026-01-31T10:00:00Z"), at("2026-03-31T10:00:00Z")),
            2
        );
        assert_eq!(
            whole_months(at("2026-01-15T10:00:00Z"), at("2026-02-15T09:59:59Z")),
            0
        );
        assert_eq!(
            whole_months(at("2026-01-15T10:00:00Z"), at("2026-02-15T10:00:00Z")),
            1
        );
        assert_eq!(
            whole_months(at("2020-06-01T00:00:00Z"), at("2026-11-20T00:00:00Z")),
            77
        );
        assert_eq!(
            whole_months(at("2026-11-20T00:00:00Z"), at("2020-06-01T00:00:00Z")),
            0
        );
    }
}
