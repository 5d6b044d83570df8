//! A learned detector of the five signals, beside the keyword lexicon.
//!
//! The lexicon ([`super::signals`]) finds the wordings it lists, and real
//! customers have endless others ("I'm gone if nothing changes", "合约到期
//! 我绝对不续"). This model reads the same hashed features as the category
//! model and gives each signal an independent probability (one logistic
//! regression per signal); a signal is raised when the lexicon finds it or
//! the probability reaches the signal's threshold. It is trained on texts
//! labelled with their signals (`core/data/classify/signals/`).

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::features::{extract, Feature, FeatureConfig};
use super::train::{weigh, Prepared};
use super::weights::Weights;
use crate::taxonomy::Signal;
use crate::text::normalize;

/// Probability above which the model alone raises a signal. Chosen on
/// blind sets 4 and 5 (`cargo run --release --example classify_signals`):
/// from 0.7 to 0.5, recall rose 4 points for 2 points of precision.
pub(crate) const DEFAULT_THRESHOLD: f32 = 0.5;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SignalModel {
    /// One column per signal of [`Signal::ALL`].
    pub weights: Weights,
    /// Per signal of [`Signal::ALL`].
    pub thresholds: [f32; 5],
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl SignalModel {
    /// Fits the model on `(text, signals)` pairs with `features`.
    pub fn train<S: AsRef<str> + Sync>(
        examples: &[(S, Vec<Signal>)],
        features: &FeatureConfig,
        seed: u64,
    ) -> Self {
        let signals = Signal::ALL.len();
        let mut data: Vec<Prepared<[bool; 5]>> = examples
            .par_iter()
            .map_init(Vec::new, |scratch, (text, labels)| {
                let mut present = [false; 5];
                for (slot, signal) in present.iter_mut().zip(Signal::ALL) {
                    *slot = labels.contains(&signal);
                }
                Prepared {
                    features: extract(features, &normalize(text.as_ref()), scratch),
                    label: present,
                }
            })
            .collect();
        let idf = weigh(&mut data, features, None);
        // Logistic regression per signal by SGD, as the category model is
        // fitted: linearly decaying rate, fixed shuffled order per seed.
        let mut dense = vec![0.0f32; features.buckets() * signals];
        let mut order: Vec<usize> = (0..data.len()).collect();
        let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5167_7a15);
        let epochs = 30;
        let (rate, l2) = (0.5f32, 1e-5f32);
        let total = (epochs * order.len()).max(1) as f32;
        let mut step = 0usize;
        for _ in 0..epochs {
            order.shuffle(&mut rng);
            for &i in &order {
                let Prepared {
                    features: vector,
                    label: present,
                } = &data[i];
                let lr = rate * (1.0 - step as f32 / total);
                step += 1;
                let mut logits = [0.0f32; 5];
                for feature in vector {
                    let row = &dense[feature.bucket as usize * signals..][..signals];
                    for (logit, w) in logits.iter_mut().zip(row) {
                        *logit += feature.value * w;
                    }
                }
                let gradient: Vec<f32> = logits
                    .iter()
                    .zip(present)
                    .map(|(&logit, &y)| sigmoid(logit) - f32::from(u8::from(y)))
                    .collect();
                for feature in vector {
                    let row = &mut dense[feature.bucket as usize * signals..][..signals];
                    for (w, g) in row.iter_mut().zip(&gradient) {
                        *w -= lr * (feature.value * g + l2 * *w);
                    }
                }
            }
        }
        SignalModel {
            weights: Weights::from_dense(&dense, &idf, signals),
            thresholds: [DEFAULT_THRESHOLD; 5],
        }
    }

    /// The signals the model raises for a text's damped feature counts (as
    /// [`extract`] gives them; weighed in place). Classifiers score through
    /// their joint table instead.
    #[cfg(test)]
    pub fn raised(&self, features: &mut [Feature]) -> Vec<Signal> {
        let mut logits = [0.0f32; 5];
        self.weights.score(features, &mut logits);
        self.raised_from_logits(logits)
    }

    /// The signals the model raises for the logits its weights give a text.
    pub fn raised_from_logits(&self, logits: [f32; 5]) -> Vec<Signal> {
        let probabilities = logits.map(sigmoid);
        Signal::ALL
            .into_iter()
            .zip(probabilities.iter().zip(&self.thresholds))
            .filter(|(_, (p, t))| p > t)
            .map(|(signal, _)| signal)
            .collect()
    }

    /// The bucket that weighs most for `signal` among `features` (weighed
    /// and normalised), to show where in the text the model saw it.
    pub fn strongest(&self, features: &[Feature], signal: Signal) -> Option<u32> {
        let column = Signal::ALL.iter().position(|&s| s == signal)?;
        features
            .iter()
            .map(|f| (f.bucket, f.value * self.weights.weight(f.bucket, column)))
            .filter(|&(_, w)| w > 0.0)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
            .map(|(bucket, _)| bucket)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_wordings_the_lexicon_does_not_list() {
        let mut examples: Vec<(String, Vec<Signal>)> = Vec::new();
        for i in 0..30 {
            examples.push((format!("合约到期我就不续了 {i}"), vec![Signal::ChurnThreat]));
            examples.push((
                format!("next month I'm gone, contract {i}"),
                vec![Signal::ChurnThreat],
            ));
            examples.push((format!("宽带断网了 第{i}天"), vec![]));
            examples.push((format!("my bill is wrong by {i}"), vec![]));
        }
        let model = SignalModel::train(&examples, &FeatureConfig::default(), 1);
        let features = |text: &str| extract(&FeatureConfig::default(), &normalize(text), &mut Vec::new());
        assert_eq!(
            model.raised(&mut features("合约到期就不续了")),
            vec![Signal::ChurnThreat]
        );
        assert!(model.raised(&mut features("宽带断网了")).is_empty());
        assert_eq!(model, SignalModel::train(&examples, &FeatureConfig::default(), 1));
    }
}
