//! Complaint classification (mission point 3 of the domain specification):
//! complaint text in, level-2 category, work group, signals, severity and a
//! calibrated confidence out.
//!
//! * [`Classifier::builtin`] is the default model for the specification's 24
//!   categories. It needs no data: it is trained, in a fraction of a second,
//!   from a corpus embedded in the library (Chinese and English, see
//!   `core/data/classify/README.md`; [`builtin_corpus`] hands it out).
//! * [`Classifier::train`] fits a model on an operator's own `(text, label)`
//!   pairs and any [`Taxonomy`]; [`Classifier::fine_tune`] does the same
//!   starting from (and regularised towards) another model, which is what
//!   makes 30 examples per category enough.
//! * [`Evaluation`], [`holdout`] and [`cross_validate`] measure a model and
//!   turn a target precision into abstention [`Thresholds`].
//! * [`Classifier::to_bytes`] / [`Classifier::from_bytes`] save and load a
//!   model in the crate's versioned, checksummed container.
//!
//! Text is normalised by [`crate::text::normalize`] (NFKC, case folding,
//! traditional → simplified, masking of phones, amounts, dates and tickets)
//! before features are taken: character 1–2-grams of Chinese, words, word
//! pairs, word prefixes and in-word character 3-grams of English, hashed
//! with a fixed FNV-1a hash and weighted by inverse document frequency
//! ([`FeatureConfig`]). The model is a multinomial logistic regression fitted
//! by SGD, whose probabilities are calibrated by temperature scaling on a
//! held-out share of the training data. Only the hash buckets training saw
//! are kept, their weights quantised to one byte per category (about 1 MB
//! for the built-in model).
//!
//! Signals are found by a keyword lexicon (one Aho-Corasick scan) and, in
//! the built-in model and models fine-tuned from it, by a learned detector
//! beside it (one logistic regression per signal on the same features;
//! [`Classifier::with_signal_threshold`] sets its sensitivity). Each signal
//! comes with the span of the original text that raised it.
//! [`Classifier::classify_compact`] gives an answer as plain numbers for
//! columnar batch work, and [`Classifier::predict`] the category and its
//! confidence alone (no signals, no strings), for scoring history in bulk.
//!
//! A [`Classifier`] is immutable, `Send` and `Sync`: share one across
//! threads (for instance in an `Arc`).
//!
//! ```
//! use custinsight::classify::Classifier;
//! use custinsight::{Severity, Signal};
//!
//! let classifier = Classifier::builtin();
//! let answer = classifier.classify("宽带又断网了，三天都上不了网，再不修好我就打12300投诉");
//! assert_eq!(answer.category, "broadband.outage");
//! assert_eq!(answer.work_group, "broadband_maintenance");
//! assert!(answer.signals.iter().any(|hit| hit.signal == Signal::Regulator && hit.matched == "12300"));
//! assert_eq!(answer.severity, Severity::Critical);
//! assert!(answer.confidence > 0.0 && answer.confidence <= 1.0);
//! ```

mod builtin;
mod eval;
mod features;
mod signal_model;
mod signals;
mod train;
mod weights;

use std::collections::BTreeMap;

use rayon::prelude::*;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::complaint::Complaint;
use crate::envelope::ArtefactKind;
use crate::error::{Error, Result};
use crate::taxonomy::{Severity, Signal, Taxonomy};
use crate::text::{self as text_map, normalize_mapped};

pub use eval::{cross_validate, holdout, Abstention, CategoryMetrics, CoveragePoint, Evaluation, Outcome};
pub use features::FeatureConfig;
use signal_model::SignalModel;
pub use signals::SignalHit;
use signals::SignalMatcher;
pub use train::TrainOptions;

use features::{extract, feature_name, feature_names, Feature, SavedFeatureConfigV2};
use train::{prepare, softmax, train_weights};
use weights::{JointWeights, Weights};

const MODEL_KIND: ArtefactKind = ArtefactKind {
    tag: *b"CLSF",
    name: "classifier model",
    // 3: features with `subword_words`; 2: weights quantised to i8 per
    // row; 1: f32 weights. All three are read.
    version: 3,
    is_snapshot: false,
};

/// The labelled corpus [`Classifier::builtin`] is trained on, as `(text,
/// category code)` pairs of [`Taxonomy::telecom_default`]: to fine-tune
/// on together with an operator's own examples, or to evaluate against.
pub fn builtin_corpus() -> Vec<(&'static str, &'static str)> {
    builtin::seed_examples()
}

/// How sure an answer is, in three bands set by [`Thresholds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ConfidenceBand {
    /// Below [`Thresholds::medium_from`].
    Low,
    /// From [`Thresholds::medium_from`] up to [`Thresholds::high_from`].
    Medium,
    /// From [`Thresholds::high_from`] up.
    High,
}

/// When a classifier abstains (`uncertain`) and how confidences are banded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    /// Answers whose confidence is below this are `uncertain`.
    pub uncertain_below: f32,
    /// Per-category overrides of `uncertain_below`, by category code.
    pub per_category: BTreeMap<String, f32>,
    /// Confidence from which the band is [`ConfidenceBand::High`].
    pub high_from: f32,
    /// Confidence from which the band is [`ConfidenceBand::Medium`].
    pub medium_from: f32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            uncertain_below: 0.4,
            per_category: BTreeMap::new(),
            high_from: 0.8,
            medium_from: 0.5,
        }
    }
}

impl Thresholds {
    /// Checks that every threshold is in [0, 1] (a per-category threshold
    /// may be just above 1 to abstain always) and that the bands are ordered.
    ///
    /// # Errors
    /// [`Error::Config`] naming the offending threshold.
    pub fn validate(&self) -> Result<()> {
        let in_range = |v: f32| (0.0..=1.0).contains(&v);
        if !in_range(self.uncertain_below) && self.uncertain_below != ABSTAIN_ALWAYS {
            return Err(Error::config("uncertain_below", "must be in [0, 1]"));
        }
        for (code, &v) in &self.per_category {
            if !in_range(v) && v != ABSTAIN_ALWAYS {
                return Err(Error::config(format!("per_category.{code}"), "must be in [0, 1]"));
            }
        }
        if !in_range(self.high_from) || !in_range(self.medium_from) || self.medium_from > self.high_from {
            return Err(Error::config(
                "high_from",
                "bands need 0 <= medium_from <= high_from <= 1",
            ));
        }
        Ok(())
    }

    /// The abstention threshold of `category`.
    pub fn threshold_for(&self, category: &str) -> f32 {
        self.per_category
            .get(category)
            .copied()
            .unwrap_or(self.uncertain_below)
    }

    /// The band of `confidence`.
    pub fn band(&self, confidence: f32) -> ConfidenceBand {
        if confidence >= self.high_from {
            ConfidenceBand::High
        } else if confidence >= self.medium_from {
            ConfidenceBand::Medium
        } else {
            ConfidenceBand::Low
        }
    }
}

/// A threshold no confidence reaches: the category always abstains (used
/// when a target precision cannot be reached).
pub const ABSTAIN_ALWAYS: f32 = 1.5;

/// A runner-up category with its confidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Alternative {
    /// Category code.
    pub category: String,
    /// Its calibrated probability.
    pub confidence: f32,
}

/// A feature that weighed in an answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct FeatureWeight {
    /// The feature as text: a character n-gram (`断网`), a word or word
    /// pair (`charged twice`), a word prefix (`prefix:charg`), or `bias`.
    /// Features that share a hash bucket are joined with ` | `.
    pub feature: String,
    /// Its contribution to the chosen category's score (positive: for it).
    pub weight: f32,
}

/// The answer for one complaint text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Classification {
    /// Most likely level-2 category code (given even when `uncertain`).
    pub category: String,
    /// Its calibrated probability, in [0, 1].
    pub confidence: f32,
    /// The confidence band.
    pub band: ConfidenceBand,
    /// Work group to dispatch to.
    pub work_group: String,
    /// The next most likely categories, best first (up to 3).
    pub alternatives: Vec<Alternative>,
    /// Signals with the span of the original text that raised each.
    pub signals: Vec<SignalHit>,
    /// Severity by the specification's rule, from `category` and `signals`.
    pub severity: Severity,
    /// Whether the confidence is below the category's threshold: the
    /// classifier abstains and a person should choose.
    pub uncertain: bool,
    /// The features that weighed most for `category`, when asked for with
    /// [`Classifier::classify_explained`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Vec<FeatureWeight>>,
}

impl Classification {
    /// The signals alone, in the fixed order of [`Signal::ALL`].
    pub fn signal_kinds(&self) -> Vec<Signal> {
        self.signals.iter().map(|hit| hit.signal).collect()
    }
}

/// An answer as plain numbers, for columnar output (data frames, batch
/// jobs): what [`Classification`] says, without its strings.
///
/// ```
/// let classifier = custinsight::Classifier::builtin();
/// let compact = classifier.classify_compact("宽带又断网了，再不修好我就打12300投诉");
/// let full = classifier.classify("宽带又断网了，再不修好我就打12300投诉");
/// assert_eq!(classifier.taxonomy().categories[compact.category].code, full.category);
/// assert_eq!(compact.signal_kinds(), full.signal_kinds());
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompactClassification {
    /// Index of the category in the classifier's taxonomy.
    pub category: usize,
    /// Its calibrated probability, in [0, 1].
    pub confidence: f32,
    /// The confidence band.
    pub band: ConfidenceBand,
    /// Severity by the specification's rule.
    pub severity: Severity,
    /// Whether the classifier abstains.
    pub uncertain: bool,
    /// Bit `i` is set when signal `Signal::ALL[i]` was raised.
    pub signals: u8,
}

impl CompactClassification {
    /// The category part of the answer: what [`Classifier::predict`] gives
    /// for the same text.
    pub fn prediction(&self) -> Prediction {
        Prediction {
            category: self.category,
            confidence: self.confidence,
            band: self.band,
            uncertain: self.uncertain,
        }
    }

    /// The raised signals, in the order of [`Signal::ALL`].
    pub fn signal_kinds(&self) -> Vec<Signal> {
        Signal::ALL
            .into_iter()
            .enumerate()
            .filter(|(i, _)| self.signals & (1 << i) != 0)
            .map(|(_, signal)| signal)
            .collect()
    }
}

/// The category of a text and how sure the classifier is, without signals
/// or strings: what [`Classifier::predict`] answers. Its fields are those of
/// [`Classifier::classify_compact`]'s answer for the same text.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// Index of the most likely category in the classifier's taxonomy.
    pub category: usize,
    /// Its calibrated probability, in [0, 1].
    pub confidence: f32,
    /// The confidence band.
    pub band: ConfidenceBand,
    /// Whether the confidence is below the category's threshold.
    pub uncertain: bool,
}

/// The parts every answer is made of.
struct Answer {
    mapped: text_map::Mapped,
    probs: Vec<f32>,
    ranked: Vec<usize>,
    features: Vec<Feature>,
    signals: Vec<SignalHit>,
}

/// A trained complaint classifier: immutable, `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Classifier {
    taxonomy: Taxonomy,
    features: FeatureConfig,
    /// The weights and idf of the buckets training saw.
    weights: Weights,
    temperature: f32,
    thresholds: Thresholds,
    /// The learned signal detector, when the model has one (the built-in
    /// model and models fine-tuned from it).
    detector: Option<Detector>,
    /// Derived from the fixed lexicon; not part of the model's identity.
    signals: SignalMatcher,
}

/// A classifier's learned signal detector, with the table that scores it
/// together with the classifier's category weights. Built only by
/// [`Detector::new`], so that the table always matches both models.
#[derive(Debug, Clone)]
struct Detector {
    model: SignalModel,
    /// Derived from the model and the category weights; not part of the
    /// model's identity.
    joint: JointWeights,
}

impl Detector {
    fn new(model: SignalModel, category_weights: &Weights) -> Detector {
        Detector {
            joint: JointWeights::new(category_weights, &model.weights),
            model,
        }
    }
}

/// Two classifiers are equal when they give the same answers: same
/// taxonomy, features, weights, calibration and thresholds.
impl PartialEq for Classifier {
    fn eq(&self, other: &Self) -> bool {
        self.taxonomy == other.taxonomy
            && self.features == other.features
            && self.weights == other.weights
            && self.temperature == other.temperature
            && self.thresholds == other.thresholds
            && self.detector.as_ref().map(|d| &d.model) == other.detector.as_ref().map(|d| &d.model)
    }
}

/// What version 1 saved: `f32` weights sparsely (rows that are all zero
/// are left out). Still read; quantised when loaded.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct ModelFileV1 {
    taxonomy: Taxonomy,
    features: SavedFeatureConfigV2,
    temperature: f32,
    thresholds: Thresholds,
    buckets: Vec<u32>,
    rows: Vec<f32>,
    /// The idf of buckets no training text had (the largest); empty `idf`
    /// buckets and values list the others.
    idf_unseen: f32,
    idf_buckets: Vec<u32>,
    idf_values: Vec<f32>,
}

/// What version 2 saved: as version 3, with the features of before
/// `subword_words`.
#[derive(Deserialize)]
#[cfg_attr(test, derive(Serialize))]
struct ModelFileV2 {
    taxonomy: Taxonomy,
    features: SavedFeatureConfigV2,
    temperature: f32,
    thresholds: Thresholds,
    weights: weights::SavedWeights,
    signal_model: Option<SavedSignalModel>,
}

impl From<ModelFileV2> for ModelFile {
    fn from(file: ModelFileV2) -> Self {
        ModelFile {
            taxonomy: file.taxonomy,
            features: file.features.into(),
            temperature: file.temperature,
            thresholds: file.thresholds,
            weights: file.weights,
            signal_model: file.signal_model,
        }
    }
}

/// What is saved: the quantised rows of the buckets training saw, and the
/// signal detector when there is one.
#[derive(Serialize, Deserialize)]
struct ModelFile {
    taxonomy: Taxonomy,
    features: FeatureConfig,
    temperature: f32,
    thresholds: Thresholds,
    weights: weights::SavedWeights,
    signal_model: Option<SavedSignalModel>,
}

#[derive(Serialize, Deserialize)]
struct SavedSignalModel {
    weights: weights::SavedWeights,
    thresholds: [f32; 5],
}

impl Classifier {
    /// The built-in classifier for [`Taxonomy::telecom_default`]: the model
    /// [`Classifier::train_builtin`] trains from the corpus embedded in the
    /// library, embedded pre-trained (loading it takes milliseconds). Load
    /// it once and share it.
    pub fn builtin() -> Classifier {
        builtin::load()
    }

    /// Trains the built-in model afresh from the embedded corpus
    /// (deterministic; about a second in a release build). It gives exactly
    /// the model [`Classifier::builtin`] loads: a test checks the saved
    /// bytes are equal, so the shipped model can always be rebuilt from its
    /// sources.
    pub fn train_builtin() -> Classifier {
        builtin::train()
    }

    /// Trains a classifier on `(text, label)` pairs, where every label is a
    /// category code of `taxonomy`.
    ///
    /// # Errors
    /// [`Error::Config`] for invalid options or taxonomy,
    /// [`Error::InvalidField`] naming the first example whose label is not
    /// in the taxonomy, [`Error::Training`] with fewer than 2 examples or a
    /// single category.
    ///
    /// # Examples
    /// ```
    /// use custinsight::classify::{Classifier, TrainOptions};
    /// use custinsight::{CategoryDef, Taxonomy};
    ///
    /// let category = |code: &str, group: &str| CategoryDef {
    ///     code: code.into(), zh: String::new(), en: code.into(), work_group: group.into(),
    /// };
    /// let taxonomy = Taxonomy {
    ///     categories: vec![category("tv.no_picture", "tv_team"), category("tv.remote", "shop")],
    /// };
    /// let examples = [
    ///     ("电视没有画面", "tv.no_picture"), ("the tv shows a black screen", "tv.no_picture"),
    ///     ("遥控器坏了", "tv.remote"), ("my remote control is broken", "tv.remote"),
    /// ];
    /// let model = Classifier::train(&examples, &taxonomy, &TrainOptions::default())?;
    /// assert_eq!(model.classify("电视黑屏没有画面").category, "tv.no_picture");
    /// assert_eq!(model.classify("remote broken").work_group, "shop");
    /// # Ok::<(), custinsight::Error>(())
    /// ```
    pub fn train<S, L>(examples: &[(S, L)], taxonomy: &Taxonomy, options: &TrainOptions) -> Result<Classifier>
    where
        S: AsRef<str> + Sync,
        L: AsRef<str> + Sync,
    {
        options.validate()?;
        taxonomy.validate()?;
        let (data, idf) = prepare(examples, taxonomy, &options.features, None)?;
        let classes = taxonomy.categories.len();
        let (weights, temperature) =
            train_weights(&data, classes, options.features.buckets(), options, None)?;
        Ok(Classifier {
            taxonomy: taxonomy.clone(),
            features: options.features.clone(),
            weights: Weights::from_dense(&weights, &idf, classes),
            temperature,
            thresholds: Thresholds::default(),
            detector: None,
            signals: SignalMatcher::new(),
        })
    }

    /// Trains a classifier for `taxonomy` starting from this one: the
    /// categories both share start from this model's weights, and training
    /// is regularised towards them, so a few dozen examples per category
    /// adjust the model rather than replace it. New categories start from
    /// zero. The features of this model are kept (`options.features` is
    /// ignored); its thresholds are carried over.
    ///
    /// # Errors
    /// As [`Classifier::train`]; a single labelled category is accepted.
    ///
    /// # Examples
    /// ```
    /// use custinsight::classify::{Classifier, TrainOptions};
    /// use custinsight::Taxonomy;
    ///
    /// let base = Classifier::builtin();
    /// let examples = [("IPTV回看功能用不了", "device.fault"), ("iptv replay not working", "device.fault")];
    /// let tuned = base.fine_tune(&examples, &Taxonomy::telecom_default(), &TrainOptions::default())?;
    /// assert_eq!(tuned.classify("IPTV的回看用不了").category, "device.fault");
    /// # Ok::<(), custinsight::Error>(())
    /// ```
    pub fn fine_tune<S, L>(
        &self,
        examples: &[(S, L)],
        taxonomy: &Taxonomy,
        options: &TrainOptions,
    ) -> Result<Classifier>
    where
        S: AsRef<str> + Sync,
        L: AsRef<str> + Sync,
    {
        options.validate()?;
        taxonomy.validate()?;
        let (old_weights, old_idf) = self.weights.to_dense();
        let (data, idf) = prepare(examples, taxonomy, &self.features, Some(&old_idf))?;
        let classes = taxonomy.categories.len();
        let old_classes = self.taxonomy.categories.len();
        let buckets = self.features.buckets();
        let mut init = vec![0.0f32; buckets * classes];
        for (new_index, category) in taxonomy.categories.iter().enumerate() {
            if let Some(old_index) = self
                .taxonomy
                .categories
                .iter()
                .position(|c| c.code == category.code)
            {
                for bucket in 0..buckets {
                    init[bucket * classes + new_index] = old_weights[bucket * old_classes + old_index];
                }
            }
        }
        let (weights, temperature) = train_weights(&data, classes, buckets, options, Some(&init))?;
        let mut thresholds = self.thresholds.clone();
        thresholds
            .per_category
            .retain(|code, _| taxonomy.get(code).is_some());
        let weights = Weights::from_dense(&weights, &idf, classes);
        Ok(Classifier {
            taxonomy: taxonomy.clone(),
            features: self.features.clone(),
            detector: self
                .detector
                .as_ref()
                .map(|detector| Detector::new(detector.model.clone(), &weights)),
            weights,
            temperature,
            thresholds,
            signals: SignalMatcher::new(),
        })
    }

    /// The taxonomy this classifier answers in.
    pub fn taxonomy(&self) -> &Taxonomy {
        &self.taxonomy
    }

    /// The features this classifier takes.
    pub fn feature_config(&self) -> &FeatureConfig {
        &self.features
    }

    /// Bytes of memory the classifier holds: the weights and idf of the
    /// hash buckets that training saw and their directory, for the
    /// categories and for the signal detector (apart, and together in the
    /// table that scores both at once), and the signal lexicon's automaton.
    pub fn memory_bytes(&self) -> usize {
        self.weights.memory_bytes()
            + self.detector.as_ref().map_or(0, |detector| {
                detector.model.weights.memory_bytes() + detector.joint.memory_bytes()
            })
            + self.signals.memory_bytes()
    }

    /// The calibration temperature (logits are divided by it).
    pub fn temperature(&self) -> f32 {
        self.temperature
    }

    /// The abstention thresholds and confidence bands in force.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// This classifier with other thresholds, e.g. those of
    /// [`Evaluation::abstention`].
    ///
    /// # Errors
    /// [`Error::Config`] when a threshold is out of range or names a category
    /// the taxonomy does not have.
    pub fn with_thresholds(mut self, thresholds: Thresholds) -> Result<Classifier> {
        thresholds.validate().map_err(|err| err.within("thresholds"))?;
        if let Some(code) = thresholds
            .per_category
            .keys()
            .find(|code| self.taxonomy.get(code).is_none())
        {
            return Err(Error::config(
                format!("thresholds.per_category.{code}"),
                "not a category of the model's taxonomy",
            ));
        }
        self.thresholds = thresholds;
        Ok(self)
    }

    /// Whether this classifier has a learned signal detector beside the
    /// keyword lexicon (the built-in model does; a model trained with
    /// [`Classifier::train`] finds signals by the lexicon alone).
    pub fn has_signal_model(&self) -> bool {
        self.detector.is_some()
    }

    /// This classifier with the learned signal detector raising a signal
    /// when its probability is above `threshold` (default 0.5): higher
    /// finds fewer signals the lexicon misses, and raises fewer false ones.
    ///
    /// # Errors
    /// [`Error::Config`] when `threshold` is not in [0, 1].
    pub fn with_signal_threshold(mut self, threshold: f32) -> Result<Classifier> {
        if !(0.0..=1.0).contains(&threshold) {
            return Err(Error::config("signal_threshold", "must be in [0, 1]"));
        }
        if let Some(detector) = &mut self.detector {
            detector.model.thresholds = [threshold; 5];
        }
        Ok(self)
    }

    /// Calibrated probabilities of every category of the taxonomy, in
    /// taxonomy order.
    pub fn probabilities(&self, text: &str) -> Vec<f32> {
        self.score_normalised(&crate::text::normalize(text)).0
    }

    /// Calibrated probabilities of already normalised text, with its
    /// weighed features.
    fn score_normalised(&self, normalised: &str) -> (Vec<f32>, Vec<Feature>) {
        let mut scratch = Vec::with_capacity(normalised.len() * 2 + 1);
        let features = extract(&self.features, normalised, &mut scratch);
        self.score_features(features)
    }

    /// Calibrated probabilities of damped feature counts, with the features
    /// weighed and normalised.
    fn score_features(&self, mut features: Vec<Feature>) -> (Vec<f32>, Vec<Feature>) {
        let mut probs = vec![0.0; self.taxonomy.categories.len()];
        self.weights.score(&mut features, &mut probs);
        softmax(&mut probs, self.temperature);
        (probs, features)
    }

    /// This classifier with a signal detector trained on `(text, signals)`
    /// pairs, with this classifier's features.
    pub(crate) fn with_signal_model<S: AsRef<str> + Sync>(
        mut self,
        examples: &[(S, Vec<Signal>)],
    ) -> Classifier {
        self.detector = (!examples.is_empty()).then(|| {
            Detector::new(
                SignalModel::train(examples, &self.features, 0x5167),
                &self.weights,
            )
        });
        self
    }

    /// Lexicon hits, and the signals the learned detector raises beyond
    /// them (with the span of the feature that weighed most).
    fn find_signals(
        &self,
        mapped: &text_map::Mapped,
        original: &str,
        detected: Option<(Vec<Signal>, Vec<Feature>)>,
    ) -> Vec<SignalHit> {
        let mut hits = self.signals.find(mapped, original);
        let (Some(Detector { model, .. }), Some((raised, features))) = (&self.detector, detected) else {
            return hits;
        };
        if raised.iter().all(|s| hits.iter().any(|h| h.signal == *s)) {
            return hits;
        }
        for signal in raised {
            if hits.iter().any(|h| h.signal == signal) {
                continue;
            }
            let span = model
                .strongest(&features, signal)
                .and_then(|bucket| feature_name(&self.features, &mapped.text, bucket))
                .and_then(|name| locate(&mapped.text, &name))
                .map(|(start, end)| mapped.original_range(start, end));
            let (start, end) = span.unwrap_or((0, 0));
            hits.push(SignalHit {
                signal,
                start,
                end,
                matched: original.get(start..end).unwrap_or_default().to_owned(),
            });
        }
        hits.sort_by_key(|hit| Signal::ALL.iter().position(|&s| s == hit.signal));
        hits
    }

    /// Classifies one complaint text. Any text is accepted (an empty one
    /// gets the prior's answer with a low confidence).
    pub fn classify(&self, text: &str) -> Classification {
        self.classify_inner(text, 0)
    }

    /// [`Classifier::classify`], also naming the `top` features that
    /// weighed most for the chosen category.
    ///
    /// ```
    /// let classifier = custinsight::classify::Classifier::builtin();
    /// let answer = classifier.classify_explained("I was charged for roaming in France", 5);
    /// assert_eq!(answer.category, "billing.roaming");
    /// let explanation = answer.explanation.unwrap();
    /// assert!(explanation.iter().any(|f| f.feature.contains("roaming")), "{explanation:?}");
    /// ```
    pub fn classify_explained(&self, text: &str, top: usize) -> Classification {
        self.classify_inner(text, top.max(1))
    }

    /// Classifies a complaint ticket at intake and records the answer on it:
    /// the category when the ticket has none and the answer is not
    /// `uncertain` (a category chosen by an agent is kept), the signals, and
    /// the severity of the ticket's resulting category (when it still has
    /// none, that of the answer's category).
    ///
    /// # Errors
    /// [`Error::InvalidField`] on field `text` when the ticket has no text.
    ///
    /// # Examples
    /// ```
    /// use custinsight::{Classifier, Complaint, Severity};
    ///
    /// let mut ticket: Complaint = custinsight::from_json("complaint", r#"{"id": "T9",
    ///     "phone": "13812345678", "received_at": "2026-11-02T09:30:00Z", "channel": "hotline",
    ///     "status": "open", "text": "充值了一百元话费没到账，第二次反映了"}"#)?;
    /// let answer = Classifier::builtin().classify_complaint(&mut ticket)?;
    /// assert_eq!(ticket.category.as_deref(), Some("billing.topup"));
    /// assert_eq!(ticket.severity, Some(Severity::High)); // repeat mention
    /// assert_eq!(ticket.signals, answer.signal_kinds());
    /// # Ok::<(), custinsight::Error>(())
    /// ```
    pub fn classify_complaint(&self, complaint: &mut Complaint) -> Result<Classification> {
        let text = complaint
            .text
            .as_deref()
            .ok_or_else(|| Error::invalid("text", "the complaint has no text to classify"))?;
        let answer = self.classify(text);
        if complaint.category.is_none() && !answer.uncertain {
            complaint.category = Some(answer.category.clone());
        }
        complaint.signals = answer.signal_kinds();
        let category = complaint.category.as_deref().unwrap_or(&answer.category);
        complaint.severity = Some(Severity::from_rule(category, &complaint.signals));
        Ok(answer)
    }

    /// Classifies many texts on all cores; the answers are those of
    /// [`Classifier::classify`], in input order.
    pub fn classify_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Classification> {
        texts
            .par_iter()
            .map(|text| self.classify(text.as_ref()))
            .collect()
    }

    /// What every answer is made of: the normalised text, the category
    /// probabilities, the four best categories, the weighed features and
    /// the signal hits.
    fn answer(&self, text: &str) -> Answer {
        let mapped = normalize_mapped(text);
        let mut scratch = Vec::with_capacity(mapped.text.len() * 2 + 1);
        let damped = extract(&self.features, &mapped.text, &mut scratch);
        let (probs, features, detected) = match &self.detector {
            Some(Detector { model, joint }) => {
                // One lookup per feature for both models.
                let mut features = damped;
                let mut for_signals = features.clone();
                let mut probs = vec![0.0; self.taxonomy.categories.len()];
                let mut signal_logits = [0.0f32; 5];
                joint.score(
                    [&mut features, &mut for_signals],
                    [&mut probs, &mut signal_logits],
                );
                softmax(&mut probs, self.temperature);
                let raised = model.raised_from_logits(signal_logits);
                (probs, features, Some((raised, for_signals)))
            }
            _ => {
                let (probs, features) = self.score_features(damped);
                (probs, features, None)
            }
        };
        let ranked = top_four(&probs);
        let signals = self.find_signals(&mapped, text, detected);
        Answer {
            mapped,
            probs,
            ranked,
            features,
            signals,
        }
    }

    /// Classifies one text into plain numbers (see [`CompactClassification`]):
    /// the same answer as [`Classifier::classify`] without the strings.
    pub fn classify_compact(&self, text: &str) -> CompactClassification {
        let answer = self.answer(text);
        let Prediction {
            category,
            confidence,
            band,
            uncertain,
        } = self.prediction_of(&answer.probs, answer.ranked[0]);
        let kinds: Vec<Signal> = answer.signals.iter().map(|hit| hit.signal).collect();
        CompactClassification {
            category,
            confidence,
            band,
            severity: Severity::from_rule(&self.taxonomy.categories[category].code, &kinds),
            uncertain,
            signals: kinds
                .iter()
                .map(|kind| 1u8 << Signal::ALL.iter().position(|s| s == kind).unwrap_or(0))
                .fold(0, |mask, bit| mask | bit),
        }
    }

    /// [`Classifier::classify_compact`] of many texts on all cores, in
    /// input order.
    pub fn classify_batch_compact<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<CompactClassification> {
        texts
            .par_iter()
            .map(|text| self.classify_compact(text.as_ref()))
            .collect()
    }

    /// The most likely category of a text and its calibrated confidence:
    /// [`Classifier::classify`]'s category, confidence, band and `uncertain`
    /// flag, without finding signals or building strings. For scoring
    /// millions of historic complaints, and what [`Evaluation`] measures.
    ///
    /// ```
    /// let classifier = custinsight::Classifier::builtin();
    /// let text = "I was charged for roaming in France";
    /// let prediction = classifier.predict(text);
    /// let answer = classifier.classify(text);
    /// assert_eq!(classifier.taxonomy().categories[prediction.category].code, answer.category);
    /// assert_eq!(prediction.confidence, answer.confidence);
    /// ```
    pub fn predict(&self, text: &str) -> Prediction {
        let (probs, _) = self.score_normalised(&crate::text::normalize(text));
        self.prediction_of(&probs, top_four(&probs)[0])
    }

    /// The prediction of category `best` from the category probabilities:
    /// the confidence, its band and whether it is below the category's
    /// threshold, as every answer gives them.
    fn prediction_of(&self, probs: &[f32], best: usize) -> Prediction {
        let confidence = probs[best].clamp(0.0, 1.0);
        Prediction {
            category: best,
            confidence,
            band: self.thresholds.band(confidence),
            uncertain: confidence
                < self
                    .thresholds
                    .threshold_for(&self.taxonomy.categories[best].code),
        }
    }

    /// [`Classifier::predict`] of many texts on all cores, in input order.
    pub fn predict_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Prediction> {
        texts.par_iter().map(|text| self.predict(text.as_ref())).collect()
    }

    fn classify_inner(&self, text: &str, explain: usize) -> Classification {
        let Answer {
            mapped,
            probs,
            ranked,
            features,
            signals,
        } = self.answer(text);
        let best = ranked[0];
        let category = &self.taxonomy.categories[best];
        let prediction = self.prediction_of(&probs, best);
        let kinds: Vec<Signal> = signals.iter().map(|hit| hit.signal).collect();
        let explanation = (explain > 0).then(|| self.explain(&mapped.text, &features, best, explain));
        Classification {
            category: category.code.clone(),
            confidence: prediction.confidence,
            band: prediction.band,
            work_group: category.work_group.clone(),
            alternatives: ranked
                .iter()
                .skip(1)
                .take(3)
                .map(|&i| Alternative {
                    category: self.taxonomy.categories[i].code.clone(),
                    confidence: probs[i],
                })
                .collect(),
            severity: Severity::from_rule(&category.code, &kinds),
            signals,
            uncertain: prediction.uncertain,
            explanation,
        }
    }

    fn explain(
        &self,
        normalised: &str,
        features: &[Feature],
        class: usize,
        top: usize,
    ) -> Vec<FeatureWeight> {
        let all_names = feature_names(&self.features, normalised);
        let mut weights: Vec<FeatureWeight> = features
            .iter()
            .map(|feature| {
                let names: Vec<&str> = all_names
                    .iter()
                    .filter(|(bucket, _)| *bucket == feature.bucket)
                    .map(|(_, name)| name.as_str())
                    .collect();
                FeatureWeight {
                    feature: names.join(" | "),
                    weight: feature.value * self.weights.weight(feature.bucket, class) / self.temperature,
                }
            })
            .collect();
        weights.sort_by(|a, b| {
            b.weight
                .total_cmp(&a.weight)
                .then_with(|| a.feature.cmp(&b.feature))
        });
        weights.truncate(top);
        weights
    }

    /// Saves the model (taxonomy, features, weights, calibration and
    /// thresholds) in the crate's versioned, checksummed container.
    pub fn to_bytes(&self) -> Vec<u8> {
        let file = ModelFile {
            taxonomy: self.taxonomy.clone(),
            features: self.features.clone(),
            temperature: self.temperature,
            thresholds: self.thresholds.clone(),
            weights: self.weights.to_saved(),
            signal_model: self.detector.as_ref().map(|detector| SavedSignalModel {
                weights: detector.model.weights.to_saved(),
                thresholds: detector.model.thresholds,
            }),
        };
        MODEL_KIND.seal_value(&file)
    }

    /// Loads a model saved by [`Classifier::to_bytes`] (this release's
    /// format, or version 1 of earlier releases).
    ///
    /// # Errors
    /// [`Error::ModelFormat`] when the bytes are truncated, corrupted, not a
    /// classifier model, of an unsupported version, or inconsistent.
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier> {
        let (version, payload) = MODEL_KIND.open(bytes, &[1, 2, 3])?;
        let bad = |reason: String| Error::ModelFormat {
            reason: format!("classifier model is inconsistent: {reason}"),
        };
        let check =
            |taxonomy: &Taxonomy, features: &FeatureConfig, thresholds: &Thresholds, temperature: f32| {
                taxonomy.validate().map_err(|err| bad(err.to_string()))?;
                features.validate().map_err(|err| bad(err.to_string()))?;
                thresholds.validate().map_err(|err| bad(err.to_string()))?;
                if !(temperature.is_finite() && temperature > 0.0) {
                    return Err(bad(format!("temperature {temperature}")));
                }
                Ok(())
            };
        if version == 1 {
            let file: ModelFileV1 = MODEL_KIND.decode(payload)?;
            let features = FeatureConfig::from(file.features.clone());
            check(&file.taxonomy, &features, &file.thresholds, file.temperature)?;
            return Classifier::from_v1(file, features).map_err(bad);
        }
        let file: ModelFile = if version == 2 {
            MODEL_KIND.decode::<ModelFileV2>(payload)?.into()
        } else {
            MODEL_KIND.decode(payload)?
        };
        check(&file.taxonomy, &file.features, &file.thresholds, file.temperature)?;
        let classes = file.taxonomy.categories.len();
        let (buckets, idf) = (file.features.buckets(), file.features.idf);
        let weights = Weights::from_saved(&file.weights, classes, buckets, idf).map_err(bad)?;
        let detector = match file.signal_model {
            None => None,
            Some(saved) => {
                if !saved.thresholds.iter().all(|t| (0.0..=1.0).contains(t)) {
                    return Err(bad(format!("signal thresholds {:?}", saved.thresholds)));
                }
                let signal_weights = Weights::from_saved(&saved.weights, Signal::ALL.len(), buckets, idf)
                    .map_err(|reason| bad(format!("signal model: {reason}")))?;
                let model = SignalModel {
                    weights: signal_weights,
                    thresholds: saved.thresholds,
                };
                Some(Detector::new(model, &weights))
            }
        };
        Ok(Classifier {
            taxonomy: file.taxonomy,
            features: file.features,
            weights,
            temperature: file.temperature,
            thresholds: file.thresholds,
            detector,
            signals: SignalMatcher::new(),
        })
    }

    /// A version 1 model with its (checked) features: dense `f32` rows,
    /// quantised now.
    fn from_v1(file: ModelFileV1, features: FeatureConfig) -> std::result::Result<Classifier, String> {
        let classes = file.taxonomy.categories.len();
        let buckets = features.buckets();
        if file.rows.len() != file.buckets.len() * classes {
            return Err(format!(
                "{} weights for {} rows of {classes} classes",
                file.rows.len(),
                file.buckets.len()
            ));
        }
        let mut weights = vec![0.0f32; buckets * classes];
        for (row, &bucket) in file.rows.chunks_exact(classes).zip(&file.buckets) {
            let bucket = bucket as usize;
            if bucket >= buckets {
                return Err(format!("bucket {bucket} out of {buckets}"));
            }
            weights[bucket * classes..(bucket + 1) * classes].copy_from_slice(row);
        }
        let idf = if features.idf {
            if file.idf_buckets.len() != file.idf_values.len() {
                return Err("idf buckets and values differ in length".into());
            }
            let mut idf = vec![file.idf_unseen; buckets];
            for (&bucket, &value) in file.idf_buckets.iter().zip(&file.idf_values) {
                let slot = idf
                    .get_mut(bucket as usize)
                    .ok_or_else(|| format!("idf bucket {bucket} out of {buckets}"))?;
                *slot = value;
            }
            idf
        } else {
            Vec::new()
        };
        Ok(Classifier {
            weights: Weights::from_dense(&weights, &idf, classes),
            taxonomy: file.taxonomy,
            features,
            temperature: file.temperature,
            thresholds: file.thresholds,
            detector: None,
            signals: SignalMatcher::new(),
        })
    }
}

/// Where the feature named `name` (as [`feature_names`] names it) first
/// occurs in normalised `text`: its first word or character run.
fn locate(text: &str, name: &str) -> Option<(usize, usize)> {
    let bare = name
        .strip_prefix("prefix:")
        .or_else(|| name.strip_prefix("subword:"))
        .unwrap_or(name)
        .trim_matches(|c| c == '<' || c == '>');
    let first = bare.split(' ').next().filter(|w| !w.is_empty())?;
    let start = text.find(first)?;
    Some((start, start + first.len()))
}

/// Indices of the (up to) four most probable categories, best first; ties
/// go to the earlier category.
fn top_four(probs: &[f32]) -> Vec<usize> {
    let mut top: Vec<usize> = Vec::with_capacity(5);
    for (i, &p) in probs.iter().enumerate() {
        let at = top.iter().position(|&j| p > probs[j]).unwrap_or(top.len());
        if at < 4 {
            top.insert(at, i);
            top.truncate(4);
        }
    }
    top
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::CategoryDef;

    #[test]
    fn top_four_ranks_like_a_full_sort() {
        let probs = [0.1, 0.3, 0.05, 0.3, 0.2, 0.05];
        assert_eq!(top_four(&probs), vec![1, 3, 4, 0]);
        assert_eq!(top_four(&[0.5, 0.5]), vec![0, 1]);
        assert_eq!(top_four(&[]), Vec::<usize>::new());
    }

    pub(crate) fn tiny_taxonomy() -> Taxonomy {
        let category = |code: &str, group: &str| CategoryDef {
            code: code.into(),
            zh: String::new(),
            en: code.into(),
            work_group: group.into(),
        };
        Taxonomy {
            categories: vec![
                category("billing.fee", "billing"),
                category("network.signal", "network"),
                category("service.rude", "service"),
            ],
        }
    }

    pub(crate) fn tiny_examples() -> Vec<(String, String)> {
        let mut out = Vec::new();
        for i in 0..20 {
            out.push((format!("乱扣费{i}元 多收了话费"), "billing.fee".to_owned()));
            out.push((
                format!("charged a fee I did not expect, bill {i}"),
                "billing.fee".to_owned(),
            ));
            out.push((format!("家里没有信号 {i}"), "network.signal".to_owned()));
            out.push((
                format!("no signal at home number {i}"),
                "network.signal".to_owned(),
            ));
            out.push((format!("客服态度很差 {i}"), "service.rude".to_owned()));
            out.push((format!("the agent was rude to me {i}"), "service.rude".to_owned()));
        }
        out
    }

    fn tiny_model() -> Classifier {
        Classifier::train(&tiny_examples(), &tiny_taxonomy(), &TrainOptions::default()).unwrap()
    }

    #[test]
    fn learns_and_answers_completely() {
        let model = tiny_model();
        let answer = model.classify("又乱扣费了,我要找记者");
        assert_eq!(answer.category, "billing.fee");
        assert_eq!(answer.work_group, "billing");
        assert_eq!(answer.alternatives.len(), 2);
        assert!(answer.confidence > answer.alternatives[0].confidence);
        assert_eq!(answer.signal_kinds(), vec![Signal::Media, Signal::RepeatMention]);
        assert_eq!(answer.severity, Severity::Critical);
        assert_eq!(model.classify("no signal").category, "network.signal");
        assert_eq!(model.classify("rude agent").category, "service.rude");
        let total: f32 = model.probabilities("no signal").iter().sum();
        assert!((total - 1.0).abs() < 1e-5);
    }

    #[test]
    fn training_is_deterministic_and_rejects_bad_labels() {
        assert_eq!(tiny_model(), tiny_model());
        let mut examples = tiny_examples();
        examples[7].1 = "billing.nope".into();
        let err = Classifier::train(&examples, &tiny_taxonomy(), &TrainOptions::default()).unwrap_err();
        assert!(err.to_string().contains("examples[7].label"), "{err}");
        let one = [("x", "billing.fee"), ("y", "billing.fee")];
        let err = Classifier::train(&one, &tiny_taxonomy(), &TrainOptions::default()).unwrap_err();
        assert!(matches!(err, Error::Training { .. }), "{err}");
    }

    #[test]
    fn thresholds_make_answers_uncertain() {
        let model = tiny_model();
        let strict = model
            .clone()
            .with_thresholds(Thresholds {
                uncertain_below: 0.999_999,
                ..Thresholds::default()
            })
            .unwrap();
        assert!(strict.classify("有点问题").uncertain);
        let err = model
            .with_thresholds(Thresholds {
                per_category: [("x.y".to_owned(), 0.5)].into(),
                ..Thresholds::default()
            })
            .unwrap_err();
        assert!(err.to_string().contains("per_category.x.y"), "{err}");
    }

    #[test]
    fn save_load_round_trip_and_corruption() {
        let model = tiny_model();
        let bytes = model.to_bytes();
        let loaded = Classifier::from_bytes(&bytes).unwrap();
        assert_eq!(loaded, model);
        let err = Classifier::from_bytes(&bytes[..bytes.len() / 2]).unwrap_err();
        assert!(err.to_string().contains("truncated"), "{err}");
        let mut corrupted = bytes.clone();
        corrupted[bytes.len() / 2] ^= 1;
        let err = Classifier::from_bytes(&corrupted).unwrap_err();
        assert!(err.to_string().contains("corrupted"), "{err}");
    }

    /// `model`'s features as formats 1 and 2 saved them, and the model as
    /// it loads from them (subwords from every word).
    fn as_version_2(mut model: Classifier) -> (SavedFeatureConfigV2, Classifier) {
        let f = &model.features;
        let saved = SavedFeatureConfigV2 {
            char_ngrams: f.char_ngrams,
            word_ngrams: f.word_ngrams,
            word_prefix: f.word_prefix,
            subword_ngrams: f.subword_ngrams,
            hash_bits: f.hash_bits,
            idf: f.idf,
        };
        model.features.subword_words = 0;
        (saved, model)
    }

    #[test]
    fn version_2_models_still_load_and_take_subwords_from_every_word() {
        let (features, model) = as_version_2(tiny_model());
        let file = ModelFileV2 {
            taxonomy: model.taxonomy.clone(),
            features,
            temperature: model.temperature,
            thresholds: model.thresholds.clone(),
            weights: model.weights.to_saved(),
            signal_model: None,
        };
        let v2 = ArtefactKind {
            version: 2,
            ..MODEL_KIND
        };
        let loaded = Classifier::from_bytes(&v2.seal_value(&file)).unwrap();
        assert_eq!(loaded.features.subword_words, 0);
        assert_eq!(loaded, model);
    }

    #[test]
    fn version_1_models_still_load() {
        let (features, model) = as_version_2(tiny_model());
        let classes = model.taxonomy.categories.len();
        let (dense, idf) = model.weights.to_dense();
        let mut file = ModelFileV1 {
            taxonomy: model.taxonomy.clone(),
            features,
            temperature: model.temperature,
            thresholds: model.thresholds.clone(),
            buckets: Vec::new(),
            rows: Vec::new(),
            idf_unseen: model.weights.idf_unseen(),
            idf_buckets: Vec::new(),
            idf_values: Vec::new(),
        };
        for (bucket, row) in dense.chunks_exact(classes).enumerate() {
            if row.iter().any(|&w| w != 0.0) {
                file.buckets.push(bucket as u32);
                file.rows.extend_from_slice(row);
            }
            if idf[bucket] != file.idf_unseen {
                file.idf_buckets.push(bucket as u32);
                file.idf_values.push(idf[bucket]);
            }
        }
        let v1 = ArtefactKind {
            version: 1,
            ..MODEL_KIND
        };
        let loaded = Classifier::from_bytes(&v1.seal_value(&file)).unwrap();
        // The v1 rows are the dequantised weights, which quantise back exactly.
        assert_eq!(loaded, model);
        file.rows.pop();
        let err = Classifier::from_bytes(&v1.seal_value(&file)).unwrap_err();
        assert!(err.to_string().contains("inconsistent"), "{err}");
    }

    #[test]
    fn explanations_name_features() {
        let answer = tiny_model().classify_explained("no signal at all", 3);
        let explanation = answer.explanation.unwrap();
        assert_eq!(explanation.len(), 3);
        assert!(
            explanation.iter().any(|f| f.feature.contains("signal")),
            "{explanation:?}"
        );
        assert!(explanation[0].weight >= explanation[1].weight);
    }

    #[test]
    fn complaints_get_category_signals_and_severity() {
        let model = tiny_model();
        let mut ticket: Complaint = crate::from_json(
            "complaint",
            r#"{"id": "T1", "customer_id": "C1", "received_at": "2026-11-02T09:30:00Z",
                "channel": "app", "status": "open", "text": "客服态度很差，我要找律师"}"#,
        )
        .unwrap();
        model.classify_complaint(&mut ticket).unwrap();
        assert_eq!(ticket.category.as_deref(), Some("service.rude"));
        assert_eq!(ticket.signals, vec![Signal::Legal]);
        assert_eq!(ticket.severity, Some(Severity::Critical));
        // An agent's category is kept and drives the severity.
        ticket.category = Some("billing.fee".into());
        ticket.text = Some("客服态度很差".into());
        model.classify_complaint(&mut ticket).unwrap();
        assert_eq!(ticket.category.as_deref(), Some("billing.fee"));
        assert_eq!(ticket.severity, Some(Severity::Medium));
        ticket.text = None;
        let err = model.classify_complaint(&mut ticket).unwrap_err();
        assert!(err.to_string().contains("invalid text"), "{err}");
    }

    #[test]
    fn compact_answers_are_the_full_ones() {
        let model = tiny_model();
        let texts = [
            "乱扣费 又来了",
            "no signal",
            "",
            "态度差 again, I will sue",
            "客服态度很差 找记者",
        ];
        let compact = model.classify_batch_compact(&texts);
        for (text, compact) in texts.iter().zip(&compact) {
            let full = model.classify(text);
            assert_eq!(model.taxonomy().categories[compact.category].code, full.category);
            assert_eq!(compact.confidence, full.confidence);
            assert_eq!(
                (compact.band, compact.severity, compact.uncertain),
                (full.band, full.severity, full.uncertain)
            );
            assert_eq!(compact.signal_kinds(), full.signal_kinds(), "{text}");
        }
        assert_ne!(compact[3].signals, 0);
    }

    #[test]
    fn batch_equals_one_by_one() {
        let model = tiny_model();
        let texts = ["乱扣费", "no signal", "", "态度差 again"];
        let batch = model.classify_batch(&texts);
        for (text, answer) in texts.iter().zip(&batch) {
            assert_eq!(&model.classify(text), answer);
        }
    }
}
