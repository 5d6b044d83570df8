//! Training: multinomial logistic regression over hashed features, fitted
//! by stochastic gradient descent with a linearly decaying learning rate,
//! then calibrated by temperature scaling on a held-out share.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::features::{extract, idf_of, normalise, Feature, FeatureConfig};
use crate::error::{Error, Result};
use crate::taxonomy::Taxonomy;
use crate::text::normalize;

/// Options of [`Classifier::train`](super::Classifier::train) and
/// [`Classifier::fine_tune`](super::Classifier::fine_tune).
///
/// Training is deterministic: the same examples, taxonomy and options give
/// the same model, bit for bit, on every run and thread count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainOptions {
    /// Which features to take (n-gram ranges, hash size). Ignored by
    /// `fine_tune`, which keeps the base model's features.
    pub features: FeatureConfig,
    /// Passes over the data; `None` chooses from the data size: about 20
    /// million feature updates in all, clamped to 5..=50 passes (so 50 for
    /// a thousand short texts, 5 for 100 thousand).
    pub epochs: Option<u32>,
    /// Initial learning rate, decaying linearly to 0.
    pub learning_rate: f32,
    /// L2 regularisation strength (towards zero, or towards the base model
    /// in `fine_tune`).
    pub l2: f32,
    /// Seed of the example order and of the calibration split.
    pub seed: u64,
    /// Share of the examples held out to calibrate confidences (temperature
    /// scaling) before the final fit on all examples; 0 turns calibration
    /// off. Calibration needs at least 50 examples.
    pub calibration_fraction: f32,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            features: FeatureConfig::default(),
            epochs: None,
            learning_rate: 0.5,
            l2: 1e-5,
            seed: 0x5eed,
            calibration_fraction: 0.1,
        }
    }
}

impl TrainOptions {
    /// Checks the options.
    ///
    /// # Errors
    /// [`Error::Config`] naming the offending option.
    pub fn validate(&self) -> Result<()> {
        self.features.validate().map_err(|err| err.within("features"))?;
        if self.epochs == Some(0) || self.epochs.is_some_and(|e| e > 1000) {
            return Err(Error::config("epochs", "must be in 1..=1000"));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 10.0) {
            return Err(Error::config("learning_rate", "must be in (0, 10]"));
        }
        if !(self.l2 >= 0.0 && self.l2 < 1.0) {
            return Err(Error::config("l2", "must be in [0, 1)"));
        }
        if !(0.0..0.9).contains(&self.calibration_fraction) {
            return Err(Error::config("calibration_fraction", "must be in [0, 0.9)"));
        }
        Ok(())
    }
}

/// A training example reduced to features and its label: a category
/// index, or (for the signal detector) which signals it carries.
pub(crate) struct Prepared<L = usize> {
    pub features: Vec<Feature>,
    pub label: L,
}

/// Normalises and featurises the examples in parallel (the order of the
/// result is that of the input, whatever the thread count). With
/// `config.idf`, the inverse document frequencies are `idf` when given
/// (fine-tuning keeps the base model's), else computed from these examples;
/// they are returned with the data (empty without `config.idf`).
pub(crate) fn prepare<S: AsRef<str> + Sync, L: AsRef<str> + Sync>(
    examples: &[(S, L)],
    taxonomy: &Taxonomy,
    config: &FeatureConfig,
    idf: Option<&[f32]>,
) -> Result<(Vec<Prepared>, Vec<f32>)> {
    let index: std::collections::HashMap<&str, usize> = taxonomy
        .categories
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.as_str(), i))
        .collect();
    let mut data: Vec<Prepared> = examples
        .par_iter()
        .enumerate()
        .map_init(Vec::new, |scratch, (i, (text, label))| {
            let label = label.as_ref();
            let label = *index.get(label).ok_or_else(|| {
                Error::invalid(
                    format!("examples[{i}].label"),
                    format!("{label:?} is not a category of the taxonomy"),
                )
            })?;
            Ok(Prepared {
                features: extract(config, &normalize(text.as_ref()), scratch),
                label,
            })
        })
        .collect::<Result<_>>()?;
    let idf = weigh(&mut data, config, idf);
    Ok((data, idf))
}

/// Weighs the damped counts of `data` by inverse document frequency (`idf`
/// when given, else computed from `data`; none without `config.idf`) and
/// normalises them: exactly what `Weights::score` does to a text at
/// prediction time. Returns the idf (empty without `config.idf`).
pub(crate) fn weigh<L: Send>(
    data: &mut [Prepared<L>],
    config: &FeatureConfig,
    idf: Option<&[f32]>,
) -> Vec<f32> {
    let idf = match (config.idf, idf) {
        (false, _) => Vec::new(),
        (true, Some(idf)) => idf.to_vec(),
        (true, None) => idf_of(config.buckets(), data.iter().map(|d| d.features.as_slice())),
    };
    data.par_iter_mut().for_each(|d| {
        if !idf.is_empty() {
            for feature in &mut d.features {
                feature.value *= idf[feature.bucket as usize];
            }
        }
        normalise(&mut d.features);
    });
    idf
}

/// Adds `features · weights` into `logits`.
#[inline]
pub(crate) fn score(weights: &[f32], classes: usize, features: &[Feature], logits: &mut [f32]) {
    logits.iter_mut().for_each(|l| *l = 0.0);
    for feature in features {
        let start = feature.bucket as usize * classes;
        let row = &weights[start..start + classes];
        for (logit, w) in logits.iter_mut().zip(row) {
            *logit += feature.value * w;
        }
    }
}

/// In-place softmax of `logits / temperature`.
pub(crate) fn softmax(logits: &mut [f32], temperature: f32) {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for l in logits.iter_mut() {
        *l = ((*l - max) / temperature).exp();
        sum += *l;
    }
    for l in logits.iter_mut() {
        *l /= sum;
    }
}

/// Fits weights by SGD. `init` is the starting point and the centre of the
/// L2 penalty (zero when absent).
pub(crate) fn fit(
    data: &[Prepared],
    subset: &[usize],
    classes: usize,
    buckets: usize,
    options: &TrainOptions,
    init: Option<&[f32]>,
) -> Vec<f32> {
    let mut weights = match init {
        Some(init) => init.to_vec(),
        None => vec![0.0f32; buckets * classes],
    };
    let epochs = options.epochs.map_or_else(
        || {
            let updates: usize = subset.iter().map(|&i| data[i].features.len()).sum();
            (20_000_000 / updates.max(1)).clamp(5, 50)
        },
        |epochs| epochs as usize,
    );
    let mut order = subset.to_vec();
    let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
    let total = (epochs * order.len()).max(1) as f32;
    let mut step = 0usize;
    let mut probs = vec![0.0f32; classes];
    for _ in 0..epochs {
        order.shuffle(&mut rng);
        for &i in &order {
            let example = &data[i];
            let lr = options.learning_rate * (1.0 - step as f32 / total);
            step += 1;
            score(&weights, classes, &example.features, &mut probs);
            softmax(&mut probs, 1.0);
            probs[example.label] -= 1.0;
            for feature in &example.features {
                let start = feature.bucket as usize * classes;
                let row = &mut weights[start..start + classes];
                let step_size = lr * feature.value;
                match init {
                    Some(init) => {
                        let centre = &init[start..start + classes];
                        for ((w, g), c) in row.iter_mut().zip(&probs).zip(centre) {
                            *w -= step_size * g + lr * options.l2 * (*w - c);
                        }
                    }
                    None => {
                        for (w, g) in row.iter_mut().zip(&probs) {
                            *w -= step_size * g + lr * options.l2 * *w;
                        }
                    }
                }
            }
        }
    }
    weights
}

/// The temperature minimising the negative log-likelihood of `held_out`
/// under `weights`, found on a log-spaced grid then refined.
pub(crate) fn fit_temperature(weights: &[f32], classes: usize, data: &[Prepared], held_out: &[usize]) -> f32 {
    let logits: Vec<(Vec<f32>, usize)> = held_out
        .iter()
        .map(|&i| {
            let mut l = vec![0.0; classes];
            score(weights, classes, &data[i].features, &mut l);
            (l, data[i].label)
        })
        .collect();
    let nll = |t: f32| -> f64 {
        let mut total = 0.0f64;
        let mut p = vec![0.0; classes];
        for (l, label) in &logits {
            p.copy_from_slice(l);
            softmax(&mut p, t);
            total -= f64::from(p[*label].max(1e-12)).ln();
        }
        total
    };
    let mut best = (1.0f32, nll(1.0));
    for step in -24..=24 {
        let t = 2f32.powf(step as f32 / 8.0);
        let value = nll(t);
        if value < best.1 {
            best = (t, value);
        }
    }
    best.0
}

/// Splits `0..n` into a training part and a held-out part of about
/// `fraction`, stratified by label so every category keeps examples in both
/// parts when it can.
pub(crate) fn split(data: &[Prepared], classes: usize, fraction: f32, seed: u64) -> (Vec<usize>, Vec<usize>) {
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, example) in data.iter().enumerate() {
        by_class[example.label].push(i);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x0ca1_1b7a);
    let (mut train, mut held) = (Vec::new(), Vec::new());
    for mut members in by_class {
        members.shuffle(&mut rng);
        let take = if members.len() >= 2 {
            ((members.len() as f32 * fraction).round() as usize).clamp(1, members.len() - 1)
        } else {
            0
        };
        held.extend_from_slice(&members[..take]);
        train.extend_from_slice(&members[take..]);
    }
    train.sort_unstable();
    held.sort_unstable();
    (train, held)
}

/// Trains weights and temperature on `data`.
pub(crate) fn train_weights(
    data: &[Prepared],
    classes: usize,
    buckets: usize,
    options: &TrainOptions,
    init: Option<&[f32]>,
) -> Result<(Vec<f32>, f32)> {
    if data.len() < 2 {
        return Err(Error::Training {
            reason: format!("{} example(s); at least 2 are needed", data.len()),
        });
    }
    let mut seen = vec![false; classes];
    data.iter().for_each(|e| seen[e.label] = true);
    if init.is_none() && seen.iter().filter(|&&s| s).count() < 2 {
        return Err(Error::Training {
            reason: "all examples have the same label; at least 2 categories need examples".into(),
        });
    }
    let all: Vec<usize> = (0..data.len()).collect();
    let temperature = if options.calibration_fraction > 0.0 && data.len() >= 50 {
        let (train, held) = split(data, classes, options.calibration_fraction, options.seed);
        let weights = fit(data, &train, classes, buckets, options, init);
        fit_temperature(&weights, classes, data, &held)
    } else {
        1.0
    };
    Ok((fit(data, &all, classes, buckets, options, init), temperature))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_are_checked() {
        TrainOptions::default().validate().unwrap();
        let bad = TrainOptions {
            learning_rate: 0.0,
            ..TrainOptions::default()
        };
        assert!(bad.validate().unwrap_err().to_string().contains("learning_rate"));
        let mut bad = TrainOptions::default();
        bad.features.char_ngrams = (3, 1);
        assert!(bad
            .validate()
            .unwrap_err()
            .to_string()
            .contains("features.char_ngrams"));
    }

    #[test]
    fn split_is_stratified() {
        let data: Vec<Prepared> = (0..40)
            .map(|i| Prepared {
                features: Vec::new(),
                label: i % 4,
            })
            .collect();
        let (train, held) = split(&data, 4, 0.2, 1);
        assert_eq!(train.len() + held.len(), 40);
        for label in 0..4 {
            assert_eq!(held.iter().filter(|&&i| data[i].label == label).count(), 2);
        }
    }

    #[test]
    fn softmax_sums_to_one() {
        let mut l = vec![1.0, 2.0, 3.0];
        softmax(&mut l, 2.0);
        assert!((l.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        assert!(l[2] > l[1] && l[1] > l[0]);
    }
}
