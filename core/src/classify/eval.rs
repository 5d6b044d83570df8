//! Evaluation of a classifier: accuracy, macro-F1, per-category precision
//! and recall, confusion matrix, first-dispatch (work-group) accuracy,
//! calibration, precision–coverage curves and abstention thresholds.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{Classifier, Thresholds, TrainOptions, ABSTAIN_ALWAYS};
use crate::error::{Error, Result};
use crate::taxonomy::Taxonomy;

/// One evaluated example.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// Index of the true category in [`Evaluation::labels`].
    pub truth: usize,
    /// Index of the predicted category.
    pub predicted: usize,
    /// Confidence of the prediction.
    pub confidence: f32,
}

/// Precision and recall of one category.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryMetrics {
    /// Category code.
    pub code: String,
    /// Examples whose true category this is.
    pub support: usize,
    /// Share of the predictions of this category that were right (0 when
    /// it was never predicted).
    pub precision: f64,
    /// Share of this category's examples predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// One point of a precision–coverage curve: answering only when the
/// confidence is at least `threshold` gives this precision on this share of
/// the examples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CoveragePoint {
    /// Confidence threshold.
    pub threshold: f32,
    /// Accuracy of the answered examples (1 when none is answered).
    pub precision: f64,
    /// Share of the examples answered.
    pub coverage: f64,
}

/// The thresholds that reach a target precision, and what they cost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Abstention {
    /// Thresholds to give [`Classifier::with_thresholds`].
    pub thresholds: Thresholds,
    /// Share of the evaluated examples still answered (not `uncertain`).
    pub coverage: f64,
    /// Accuracy on the answered examples.
    pub precision: f64,
    /// Categories whose target cannot be reached: they always abstain.
    pub unreachable: Vec<String>,
}

/// The measured quality of a classifier on labelled examples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Category codes, in taxonomy order (the indices of [`Outcome`]).
    pub labels: Vec<String>,
    /// Work group of each category.
    pub work_groups: Vec<String>,
    /// Share of examples whose category was right.
    pub accuracy: f64,
    /// Mean F1 over the categories that have examples or predictions.
    pub macro_f1: f64,
    /// Share of examples dispatched to the right work group
    /// (first-dispatch accuracy).
    pub work_group_accuracy: f64,
    /// Expected calibration error over 10 equal-width confidence bins:
    /// how far confidence is from accuracy, on average.
    pub calibration_error: f64,
    /// Per-category precision and recall, in taxonomy order.
    pub per_category: Vec<CategoryMetrics>,
    /// `confusion[truth][predicted]` counts.
    pub confusion: Vec<Vec<u32>>,
    /// Every evaluated example.
    pub outcomes: Vec<Outcome>,
}

impl Evaluation {
    /// Evaluates `classifier` on `(text, label)` pairs.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the first example whose label is not a
    /// category of the classifier's taxonomy, or when there are no examples.
    pub fn evaluate<S, L>(classifier: &Classifier, examples: &[(S, L)]) -> Result<Evaluation>
    where
        S: AsRef<str> + Sync,
        L: AsRef<str> + Sync,
    {
        let taxonomy = classifier.taxonomy();
        let texts: Vec<&str> = examples.iter().map(|(text, _)| text.as_ref()).collect();
        let predictions = classifier.predict_batch(&texts);
        let mut outcomes = Vec::with_capacity(examples.len());
        for (i, ((_, label), prediction)) in examples.iter().zip(&predictions).enumerate() {
            let label = label.as_ref();
            let truth = index_of(taxonomy, label).ok_or_else(|| {
                Error::invalid(
                    format!("examples[{i}].label"),
                    format!("{label:?} is not a category of the taxonomy"),
                )
            })?;
            outcomes.push(Outcome {
                truth,
                predicted: prediction.category,
                confidence: prediction.confidence,
            });
        }
        Evaluation::from_outcomes(taxonomy, outcomes)
    }

    /// Computes the metrics of already evaluated examples.
    ///
    /// # Errors
    /// [`Error::InvalidField`] when there are no outcomes or one names a
    /// category index outside the taxonomy.
    pub fn from_outcomes(taxonomy: &Taxonomy, outcomes: Vec<Outcome>) -> Result<Evaluation> {
        let classes = taxonomy.categories.len();
        if outcomes.is_empty() {
            return Err(Error::invalid("examples", "nothing to evaluate"));
        }
        if let Some(i) = outcomes
            .iter()
            .position(|o| o.truth >= classes || o.predicted >= classes)
        {
            return Err(Error::invalid(
                format!("outcomes[{i}]"),
                "category index outside the taxonomy",
            ));
        }
        let labels: Vec<String> = taxonomy.categories.iter().map(|c| c.code.clone()).collect();
        let work_groups: Vec<String> = taxonomy.categories.iter().map(|c| c.work_group.clone()).collect();
        let mut confusion = vec![vec![0u32; classes]; classes];
        for o in &outcomes {
            confusion[o.truth][o.predicted] += 1;
        }
        let n = outcomes.len() as f64;
        let correct = outcomes.iter().filter(|o| o.truth == o.predicted).count();
        let group_correct = outcomes
            .iter()
            .filter(|o| work_groups[o.truth] == work_groups[o.predicted])
            .count();
        let mut per_category = Vec::with_capacity(classes);
        let mut f1_sum = 0.0;
        let mut f1_count = 0;
        for (c, code) in labels.iter().enumerate() {
            let tp = f64::from(confusion[c][c]);
            let support: u32 = confusion[c].iter().sum();
            let predicted: u32 = confusion.iter().map(|row| row[c]).sum();
            let precision = if predicted > 0 {
                tp / f64::from(predicted)
            } else {
                0.0
            };
            let recall = if support > 0 { tp / f64::from(support) } else { 0.0 };
            let f1 = if precision + recall > 0.0 {
                2.0 * precision * recall / (precision + recall)
            } else {
                0.0
            };
            if support > 0 || predicted > 0 {
                f1_sum += f1;
                f1_count += 1;
            }
            per_category.push(CategoryMetrics {
                code: code.clone(),
                support: support as usize,
                precision,
                recall,
                f1,
            });
        }
        let mut bins = [(0.0f64, 0.0f64, 0usize); 10];
        for o in &outcomes {
            let bin = ((o.confidence * 10.0) as usize).min(9);
            bins[bin].0 += f64::from(o.confidence);
            bins[bin].1 += f64::from(u8::from(o.truth == o.predicted));
            bins[bin].2 += 1;
        }
        let calibration_error = bins
            .iter()
            .filter(|b| b.2 > 0)
            .map(|b| (b.0 - b.1).abs() / n)
            .sum();
        Ok(Evaluation {
            labels,
            work_groups,
            accuracy: correct as f64 / n,
            macro_f1: if f1_count > 0 {
                f1_sum / f64::from(f1_count)
            } else {
                0.0
            },
            work_group_accuracy: group_correct as f64 / n,
            calibration_error,
            per_category,
            confusion,
            outcomes,
        })
    }

    fn category_index(&self, category: Option<&str>) -> Result<Option<usize>> {
        category
            .map(|code| {
                self.labels.iter().position(|l| l == code).ok_or_else(|| {
                    Error::invalid(
                        "category",
                        format!("{code:?} is not a category of the evaluation"),
                    )
                })
            })
            .transpose()
    }

    /// The outcomes a curve is computed on: all, or those predicted as
    /// `category`, as `(confidence, correct)` sorted by falling confidence.
    fn scored(&self, category: Option<usize>) -> Vec<(f32, bool)> {
        let mut scored: Vec<(f32, bool)> = self
            .outcomes
            .iter()
            .filter(|o| category.is_none_or(|c| o.predicted == c))
            .map(|o| (o.confidence, o.truth == o.predicted))
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0));
        scored
    }

    /// The precision–coverage curve at thresholds 0.00, 0.01, …, 1.00,
    /// overall (`None`) or for the predictions of one category, whose
    /// coverage is then the share of that category's predictions answered.
    ///
    /// # Errors
    /// [`Error::InvalidField`] when `category` is not in the evaluation.
    pub fn precision_coverage(&self, category: Option<&str>) -> Result<Vec<CoveragePoint>> {
        let scored = self.scored(self.category_index(category)?);
        Ok((0..=100)
            .map(|step| {
                let threshold = step as f32 / 100.0;
                let answered = scored.iter().take_while(|(c, _)| *c >= threshold).count();
                let right = scored[..answered].iter().filter(|(_, ok)| *ok).count();
                CoveragePoint {
                    threshold,
                    precision: if answered > 0 {
                        right as f64 / answered as f64
                    } else {
                        1.0
                    },
                    coverage: if scored.is_empty() {
                        0.0
                    } else {
                        answered as f64 / scored.len() as f64
                    },
                }
            })
            .collect())
    }

    /// The lowest confidence threshold at which the answered predictions
    /// (overall, or of one category) reach `target` precision, with the
    /// coverage it leaves; `None` when no threshold reaches it.
    ///
    /// # Errors
    /// [`Error::InvalidField`] when `category` is not in the evaluation.
    pub fn operating_point(&self, target: f64, category: Option<&str>) -> Result<Option<CoveragePoint>> {
        let scored = self.scored(self.category_index(category)?);
        let mut right = 0usize;
        let mut best = None;
        for (answered, (confidence, ok)) in scored.iter().enumerate() {
            right += usize::from(*ok);
            let answered = answered + 1;
            // Only cut between different confidences.
            if scored.get(answered).is_some_and(|next| next.0 == *confidence) {
                continue;
            }
            let precision = right as f64 / answered as f64;
            if precision >= target {
                best = Some(CoveragePoint {
                    threshold: *confidence,
                    precision,
                    coverage: answered as f64 / scored.len() as f64,
                });
            }
        }
        Ok(best)
    }

    /// Thresholds that make a classifier abstain wherever the evaluation
    /// says it would fall below a target precision: `global` sets
    /// [`Thresholds::uncertain_below`] from the overall curve, and
    /// `per_category` sets a threshold for each named category from its own
    /// curve (a category whose target cannot be reached always abstains).
    /// The coverage and precision are those of the evaluated examples under
    /// the resulting thresholds.
    ///
    /// # Errors
    /// [`Error::Config`] for a target outside (0, 1] or an unknown category.
    pub fn abstention(
        &self,
        global: Option<f64>,
        per_category: &BTreeMap<String, f64>,
    ) -> Result<Abstention> {
        let check = |field: String, target: f64| {
            if target > 0.0 && target <= 1.0 {
                Ok(())
            } else {
                Err(Error::config(
                    field,
                    format!("target precision {target} is outside (0, 1]"),
                ))
            }
        };
        let mut thresholds = Thresholds::default();
        let mut unreachable = Vec::new();
        if let Some(target) = global {
            check("global".into(), target)?;
            thresholds.uncertain_below = match self.operating_point(target, None)? {
                Some(point) => point.threshold,
                None => {
                    unreachable.push("*".to_owned());
                    ABSTAIN_ALWAYS
                }
            };
        } else {
            thresholds.uncertain_below = 0.0;
        }
        for (code, &target) in per_category {
            check(format!("per_category.{code}"), target)?;
            let point = self.operating_point(target, Some(code)).map_err(|_| {
                Error::config(format!("per_category.{code}"), "not a category of the evaluation")
            })?;
            let threshold = match point {
                Some(point) => point.threshold,
                None => {
                    unreachable.push(code.clone());
                    ABSTAIN_ALWAYS
                }
            };
            thresholds.per_category.insert(code.clone(), threshold);
        }
        let answered: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| o.confidence >= thresholds.threshold_for(&self.labels[o.predicted]))
            .collect();
        let right = answered.iter().filter(|o| o.truth == o.predicted).count();
        Ok(Abstention {
            coverage: answered.len() as f64 / self.outcomes.len() as f64,
            precision: if answered.is_empty() {
                1.0
            } else {
                right as f64 / answered.len() as f64
            },
            thresholds,
            unreachable,
        })
    }
}

fn index_of(taxonomy: &Taxonomy, code: &str) -> Option<usize> {
    taxonomy.categories.iter().position(|c| c.code == code)
}

fn stratified_folds<L: AsRef<str>>(labels: &[L], folds: usize, seed: u64) -> Vec<usize> {
    let mut by_label: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, label) in labels.iter().enumerate() {
        by_label.entry(label.as_ref()).or_default().push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fold_of = vec![0; labels.len()];
    let mut next = 0;
    for members in by_label.values_mut() {
        members.shuffle(&mut rng);
        for &i in members.iter() {
            fold_of[i] = next % folds;
            next += 1;
        }
    }
    fold_of
}

/// Trains on a stratified `1 - test_fraction` of the examples and evaluates
/// on the rest.
///
/// # Errors
/// [`Error::Config`] for a fraction outside (0, 1), and the errors of
/// [`Classifier::train`].
pub fn holdout<S, L>(
    examples: &[(S, L)],
    taxonomy: &Taxonomy,
    options: &TrainOptions,
    test_fraction: f64,
    seed: u64,
) -> Result<Evaluation>
where
    S: AsRef<str> + Sync + Clone,
    L: AsRef<str> + Sync + Clone,
{
    if !(test_fraction > 0.0 && test_fraction < 1.0) {
        return Err(Error::config("test_fraction", "must be in (0, 1)"));
    }
    let folds = (1.0 / test_fraction).round().max(2.0) as usize;
    let labels: Vec<&str> = examples.iter().map(|(_, l)| l.as_ref()).collect();
    let fold_of = stratified_folds(&labels, folds, seed);
    let (train, test): (Vec<_>, Vec<_>) = examples.iter().cloned().zip(&fold_of).partition(|(_, &f)| f != 0);
    let train: Vec<(S, L)> = train.into_iter().map(|(e, _)| e).collect();
    let test: Vec<(S, L)> = test.into_iter().map(|(e, _)| e).collect();
    let model = Classifier::train(&train, taxonomy, options)?;
    Evaluation::evaluate(&model, &test)
}

/// Stratified k-fold cross-validation: every example is evaluated once, by
/// a model trained on the other folds; the metrics are those of all the
/// pooled outcomes.
///
/// # Errors
/// [`Error::Config`] for fewer than 2 folds or more folds than examples, and
/// the errors of [`Classifier::train`].
pub fn cross_validate<S, L>(
    examples: &[(S, L)],
    taxonomy: &Taxonomy,
    options: &TrainOptions,
    folds: usize,
    seed: u64,
) -> Result<Evaluation>
where
    S: AsRef<str> + Sync,
    L: AsRef<str> + Sync,
{
    if folds < 2 || folds > examples.len() {
        return Err(Error::config(
            "folds",
            format!("{folds} folds for {} examples", examples.len()),
        ));
    }
    let labels: Vec<&str> = examples.iter().map(|(_, l)| l.as_ref()).collect();
    let fold_of = stratified_folds(&labels, folds, seed);
    let mut outcomes = vec![None; examples.len()];
    for fold in 0..folds {
        let train: Vec<(&str, &str)> = examples
            .iter()
            .zip(&fold_of)
            .filter(|(_, &f)| f != fold)
            .map(|((t, l), _)| (t.as_ref(), l.as_ref()))
            .collect();
        let test_idx: Vec<usize> = (0..examples.len()).filter(|&i| fold_of[i] == fold).collect();
        let test: Vec<(&str, &str)> = test_idx
            .iter()
            .map(|&i| (examples[i].0.as_ref(), examples[i].1.as_ref()))
            .collect();
        let model = Classifier::train(&train, taxonomy, options)?;
        let evaluation = Evaluation::evaluate(&model, &test)?;
        for (&i, outcome) in test_idx.iter().zip(evaluation.outcomes) {
            outcomes[i] = Some(outcome);
        }
    }
    Evaluation::from_outcomes(
        taxonomy,
        outcomes
            .into_iter()
            .map(|o| o.expect("every example is in one fold"))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::{tiny_examples, tiny_taxonomy};
    use super::*;

    fn outcome(truth: usize, predicted: usize, confidence: f32) -> Outcome {
        Outcome {
            truth,
            predicted,
            confidence,
        }
    }

    #[test]
    fn metrics_by_hand() {
        let taxonomy = tiny_taxonomy();
        // truth 0: predicted 0, 0, 1; truth 1: predicted 1; truth 2: predicted 0.
        let evaluation = Evaluation::from_outcomes(
            &taxonomy,
            vec![
                outcome(0, 0, 0.9),
                outcome(0, 0, 0.8),
                outcome(0, 1, 0.4),
                outcome(1, 1, 0.7),
                outcome(2, 0, 0.3),
            ],
        )
        .unwrap();
        assert!((evaluation.accuracy - 0.6).abs() < 1e-9);
        assert_eq!(evaluation.confusion[0], vec![2, 1, 0]);
        let billing = &evaluation.per_category[0];
        assert!((billing.precision - 2.0 / 3.0).abs() < 1e-9);
        assert!((billing.recall - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(evaluation.per_category[2].f1, 0.0);
        // f1: 2/3, 2/3 (p 1/2, r 1), 0.
        assert!((evaluation.macro_f1 - (2.0 / 3.0 + 2.0 / 3.0) / 3.0).abs() < 1e-9);
        // Raising the threshold to 0.7 answers the three right ones.
        let point = evaluation.operating_point(1.0, None).unwrap().unwrap();
        assert_eq!(point.threshold, 0.7);
        assert!((point.coverage - 0.6).abs() < 1e-9);
        let curve = evaluation.precision_coverage(None).unwrap();
        assert_eq!(curve.len(), 101);
        assert_eq!(curve[0].coverage, 1.0);
        assert_eq!(curve[100].coverage, 0.0);
        let per = evaluation.precision_coverage(Some("billing.fee")).unwrap();
        assert!((per[50].coverage - 2.0 / 3.0).abs() < 1e-9);
        let abstention = evaluation
            .abstention(None, &[("billing.fee".to_owned(), 1.0)].into())
            .unwrap();
        assert_eq!(abstention.thresholds.per_category["billing.fee"], 0.8);
        // The wrong billing answer (0.3) abstains; the network answers stay.
        assert!((abstention.coverage - 0.8).abs() < 1e-9, "{abstention:?}");
        assert!((abstention.precision - 0.75).abs() < 1e-9, "{abstention:?}");
        assert!(evaluation.abstention(Some(1.5), &BTreeMap::new()).is_err());
    }

    #[test]
    fn holdout_and_cross_validation_run() {
        let examples = tiny_examples();
        let options = TrainOptions::default();
        let evaluation = cross_validate(&examples, &tiny_taxonomy(), &options, 4, 7).unwrap();
        assert_eq!(evaluation.outcomes.len(), examples.len());
        assert!(evaluation.accuracy > 0.9, "{}", evaluation.accuracy);
        let evaluation = holdout(&examples, &tiny_taxonomy(), &options, 0.25, 7).unwrap();
        assert_eq!(evaluation.outcomes.len(), examples.len() / 4);
        assert!(cross_validate(&examples, &tiny_taxonomy(), &options, 1, 7).is_err());
    }
}
