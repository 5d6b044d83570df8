//! Model evaluation: stratified k-fold cross-validation, ROC AUC and
//! precision at the top of the ranking.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::churn::{ChurnModel, Dataset, TrainParams};
use crate::error::{Error, Result};

/// Area under the ROC curve: the probability that a random churner scores
/// above a random non-churner, ties counting one half. NaN when a class is
/// absent.
///
/// ```
/// use custinsight::churn::roc_auc;
/// assert_eq!(roc_auc(&[0.9, 0.8, 0.3, 0.1], &[true, false, true, false]), 0.75);
/// ```
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> f64 {
    assert_eq!(scores.len(), labels.len(), "one score per label");
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the (tie-averaged, 1-based) ranks of the positives.
    let mut rank_sum = 0.0;
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let average_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            if labels[k] {
                rank_sum += average_rank;
            }
        }
        i = j + 1;
    }
    let positives = labels.iter().filter(|&&y| y).count() as f64;
    let negatives = labels.len() as f64 - positives;
    (rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives)
}

/// Share of churners among the `fraction` highest-scored rows (at least
/// one row; ties broken by input order).
///
/// ```
/// use custinsight::churn::precision_at_top;
/// let scores = [0.9, 0.8, 0.7, 0.1];
/// assert_eq!(precision_at_top(&scores, &[true, false, true, false], 0.5), 0.5);
/// ```
pub fn precision_at_top(scores: &[f64], labels: &[bool], fraction: f64) -> f64 {
    assert_eq!(scores.len(), labels.len(), "one score per label");
    if scores.is_empty() {
        return f64::NAN;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then_with(|| a.cmp(&b)));
    let top = ((scores.len() as f64 * fraction).ceil() as usize).clamp(1, scores.len());
    order[..top].iter().filter(|&&i| labels[i]).count() as f64 / top as f64
}

/// Assigns each row a fold in `0..k` so every fold holds the same share of
/// churners (±1 row): each class is shuffled with `seed` and dealt out in
/// turn.
///
/// # Errors
/// [`Error::Config`] when `k` is below 2 or above the size of a class.
pub fn stratified_folds(labels: &[bool], k: usize, seed: u64) -> Result<Vec<usize>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut folds = vec![0; labels.len()];
    for class in [false, true] {
        let mut members: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        if k < 2 || members.len() < k {
            return Err(Error::config(
                "folds",
                format!("{k} folds for a class of {} rows", members.len()),
            ));
        }
        members.shuffle(&mut rng);
        for (j, i) in members.into_iter().enumerate() {
            folds[i] = j % k;
        }
    }
    Ok(folds)
}

/// The result on one held-out fold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// Fold number.
    pub fold: usize,
    /// ROC AUC on the fold.
    pub auc: f64,
    /// Precision among the top 10 % of the fold.
    pub precision_at_decile: f64,
}

/// Cross-validation results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvReport {
    /// Per fold.
    pub folds: Vec<FoldResult>,
    /// Mean ROC AUC over the folds.
    pub mean_auc: f64,
    /// Mean precision at the top decile over the folds.
    pub mean_precision_at_decile: f64,
    /// Out-of-fold churn probability of every row.
    pub out_of_fold: Vec<f64>,
}

/// Trains on all folds but one and scores the held-out one, for each fold
/// (in parallel).
///
/// # Errors
/// [`Error::InvalidField`] when `folds` does not give one fold per row;
/// training errors of [`ChurnModel::train`].
pub fn cross_validate(data: &Dataset, params: &TrainParams, folds: &[usize]) -> Result<CvReport> {
    if folds.len() != data.len() {
        return Err(Error::invalid(
            "folds",
            format!("{} folds for {} rows", folds.len(), data.len()),
        ));
    }
    let k = folds.iter().max().map_or(0, |&m| m + 1);
    // Per fold: its metrics and the (row, score) pairs it held out.
    type FoldOutcome = Result<(FoldResult, Vec<(usize, f64)>)>;
    let results: Vec<FoldOutcome> = (0..k)
        .into_par_iter()
        .map(|fold| {
            let train: Vec<usize> = (0..data.len()).filter(|&i| folds[i] != fold).collect();
            let test: Vec<usize> = (0..data.len()).filter(|&i| folds[i] == fold).collect();
            let model = ChurnModel::train(&data.subset(&train), params)?;
            let scores: Vec<f64> = test.iter().map(|&i| model.predict_row(data.row(i))).collect();
            let labels: Vec<bool> = test.iter().map(|&i| data.labels()[i]).collect();
            Ok((
                FoldResult {
                    fold,
                    auc: roc_auc(&scores, &labels),
                    precision_at_decile: precision_at_top(&scores, &labels, 0.1),
                },
                test.into_iter().zip(scores).collect(),
            ))
        })
        .collect();
    let mut out_of_fold = vec![f64::NAN; data.len()];
    let mut fold_results = Vec::with_capacity(k);
    for result in results {
        let (fold, scores) = result?;
        for (i, score) in scores {
            out_of_fold[i] = score;
        }
        fold_results.push(fold);
    }
    let mean = |f: fn(&FoldResult) -> f64| fold_results.iter().map(f).sum::<f64>() / k.max(1) as f64;
    Ok(CvReport {
        mean_auc: mean(|f| f.auc),
        mean_precision_at_decile: mean(|f| f.precision_at_decile),
        folds: fold_results,
        out_of_fold,
    })
}
