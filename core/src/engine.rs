//! The façade every binding wraps: one [`Engine`], built by an
//! [`EngineBuilder`] from an [`EngineConfig`], that answers the questions a
//! service system asks: classify this complaint and tell whether it repeats
//! an earlier one, what to show the agent for this caller, what the systems
//! disagree about.
//!
//! The C and Python layers expose the same two types, so the three languages
//! read alike.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::audit::{AuditFinding, AuditInput, AuditReport};
use crate::classify::{Classification, Classifier, Thresholds};
use crate::error::{Error, Result};
use crate::popup::{PopUp, PopUpConfig};
use crate::repeat::{
    Categorize, CustomerCounters, Intake, RepeatConfig, RepeatDetector, TextReading, Verdict,
};
use crate::{ChurnModel, Complaint, ComplaintRows, CustomerProfile};

/// Everything an [`Engine`] can be configured with. Every part has the
/// defaults of the domain specification, so `{}` is a valid configuration.
///
/// ```
/// let config = custinsight::EngineConfig::from_toml(r#"
///     [repeat]
///     window_days = 45
///
///     [classifier]
///     uncertain_below = 0.5
/// "#).unwrap();
/// assert_eq!(config.repeat.window_days, 45);
/// assert!(custinsight::EngineConfig::from_json(r#"{"repeat": {"window": 3}}"#).is_err());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// Abstention and confidence-band thresholds of the complaint classifier;
    /// `None` keeps the model's own.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classifier: Option<Thresholds>,
    /// Repeat-complaint detection.
    pub repeat: RepeatConfig,
    /// The call pop-up.
    pub popup: PopUpConfig,
}

impl EngineConfig {
    /// Parses and validates a configuration in JSON.
    ///
    /// # Errors
    /// [`Error::Config`] naming the offending key.
    pub fn from_json(json: &str) -> Result<EngineConfig> {
        let config: EngineConfig = crate::from_json("engine configuration", json).map_err(as_config_error)?;
        config.validate()?;
        Ok(config)
    }

    /// Parses and validates a configuration in TOML.
    ///
    /// # Errors
    /// [`Error::Config`] naming the offending key.
    pub fn from_toml(text: &str) -> Result<EngineConfig> {
        let config: EngineConfig = toml::from_str(text).map_err(|err| {
            Error::config(
                "engine configuration",
                err.message().to_owned() + &toml_location(text, &err),
            )
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Checks every part.
    ///
    /// # Errors
    /// [`Error::Config`] naming the offending key.
    pub fn validate(&self) -> Result<()> {
        if let Some(thresholds) = &self.classifier {
            thresholds.validate().map_err(|e| e.within("classifier"))?;
        }
        self.repeat.validate().map_err(|e| e.within("repeat"))?;
        self.popup.validate().map_err(|e| e.within("popup"))?;
        Ok(())
    }

    /// The configuration as pretty JSON, defaults included: a starting point
    /// for an operator's own file.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("configurations always serialise")
    }
}

fn as_config_error(err: Error) -> Error {
    match err {
        Error::Parse { location, reason, .. } => Error::config(location, reason),
        other => other,
    }
}

fn toml_location(text: &str, err: &toml::de::Error) -> String {
    err.span().map_or_else(String::new, |span| {
        let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
        format!(" (line {line})")
    })
}

/// Builds an [`Engine`].
#[derive(Debug, Default)]
pub struct EngineBuilder {
    config: EngineConfig,
    classifier: Option<Classifier>,
    churn: Option<ChurnModel>,
    history: Option<Vec<u8>>,
}

impl EngineBuilder {
    /// A builder with the default configuration and the built-in classifier.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `config`.
    pub fn config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Uses a trained or loaded classifier instead of the built-in one.
    pub fn classifier(mut self, classifier: Classifier) -> Self {
        self.classifier = Some(classifier);
        self
    }

    /// Uses a churn model for the pop-up's churn-risk opportunity.
    pub fn churn_model(mut self, model: ChurnModel) -> Self {
        self.churn = Some(model);
        self
    }

    /// Starts the complaint history from a snapshot taken by
    /// [`Engine::snapshot_history`]. The snapshot carries the repeat settings
    /// it was taken with; the configuration's must be equal.
    pub fn history_snapshot(mut self, snapshot: Vec<u8>) -> Self {
        self.history = Some(snapshot);
        self
    }

    /// Validates the configuration and builds the engine.
    ///
    /// # Errors
    /// [`Error::Config`] for an invalid configuration;
    /// [`Error::SnapshotFormat`] for a damaged history snapshot.
    pub fn build(self) -> Result<Engine> {
        self.config.validate()?;
        let mut classifier = self.classifier.unwrap_or_else(Classifier::builtin);
        if let Some(thresholds) = &self.config.classifier {
            classifier = classifier.with_thresholds(thresholds.clone())?;
        }
        let classifier = Arc::new(classifier);
        let detector = match &self.history {
            Some(snapshot) => {
                let restored = RepeatDetector::restore(snapshot)?;
                if restored.config() != &self.config.repeat {
                    return Err(Error::config(
                        "repeat",
                        "differs from the configuration the history snapshot was taken with; \
                         verdicts would change meaning (use the snapshot's settings, or start a new history)",
                    ));
                }
                restored
            }
            None => RepeatDetector::new(self.config.repeat.clone())?,
        }
        .with_categorizer(Arc::new(ClassifierCategorizer::new(&classifier, false)));
        Ok(Engine {
            config: self.config,
            classifier,
            churn: self.churn.map(Arc::new),
            detector,
        })
    }
}

/// The repeat detector asks the classifier for a category only when it is
/// sure; otherwise the detector compares the text against every category.
struct ClassifierCategorizer {
    classifier: Arc<Classifier>,
    /// Whether texts are read for their signals too: in a batch, where no
    /// complaint went through [`Engine::intake`]'s enrichment, so that a
    /// batch labels as intake would. The streaming detector's categoriser
    /// does not: intake has read the signals already.
    signals: bool,
}

impl ClassifierCategorizer {
    fn new(classifier: &Arc<Classifier>, signals: bool) -> Self {
        ClassifierCategorizer {
            classifier: Arc::clone(classifier),
            signals,
        }
    }
}

impl Categorize for ClassifierCategorizer {
    fn categorize(&self, text: &str) -> Option<String> {
        self.read(text).category
    }

    fn finds_signals(&self) -> bool {
        self.signals
    }

    fn read(&self, text: &str) -> TextReading {
        let answer = self.classifier.classify_compact(text);
        let taxonomy = self.classifier.taxonomy();
        TextReading {
            category: (!answer.uncertain).then(|| taxonomy.categories[answer.category].code.clone()),
            signals: answer.signal_kinds(),
        }
    }
}

/// The answer to a complaint at intake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintIntake {
    /// The classification of the text, when the complaint had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
    /// The repeat-detection verdict, or the update of a known ticket.
    pub repeat: Intake,
}

impl ComplaintIntake {
    /// The repeat verdict, when the complaint was new.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.repeat.verdict()
    }
}

/// The façade of the library: complaint intake (classification and repeat
/// detection), the call pop-up and the cross-system audit, configured once.
///
/// `Engine` is `Send + Sync`: share one (in an `Arc`) between all worker
/// threads. The complaint history inside is synchronised; everything else is
/// read-only.
///
/// ```
/// use custinsight::{Complaint, Engine};
///
/// let engine = Engine::new();
/// let complaint: Complaint = custinsight::from_json("complaint", r#"{
///     "id": "T1", "phone": "13812345678", "received_at": "2026-11-02T09:30:00+08:00",
///     "channel": "hotline", "status": "open",
///     "text": "宽带断网三天了，一直没人修"}"#)?;
/// let answer = engine.intake(&complaint)?;
/// let classification = answer.classification.as_ref().unwrap();
/// assert_eq!(classification.work_group, "broadband_maintenance");
/// assert_eq!(answer.verdict().unwrap().kind, custinsight::RepeatKind::New);
/// # Ok::<(), custinsight::Error>(())
/// ```
#[derive(Debug)]
pub struct Engine {
    config: EngineConfig,
    classifier: Arc<Classifier>,
    churn: Option<Arc<ChurnModel>>,
    detector: RepeatDetector,
}

impl Default for Engine {
    fn default() -> Self {
        Engine::new()
    }
}

impl Engine {
    /// An engine with the default configuration and the built-in classifier.
    pub fn new() -> Engine {
        EngineBuilder::new()
            .build()
            .expect("the default configuration is valid")
    }

    /// A builder, to configure the engine.
    pub fn builder() -> EngineBuilder {
        EngineBuilder::new()
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The complaint classifier.
    pub fn classifier(&self) -> &Classifier {
        &self.classifier
    }

    /// The churn model, when one was given.
    pub fn churn_model(&self) -> Option<&ChurnModel> {
        self.churn.as_deref()
    }

    /// Classifies one complaint text.
    pub fn classify(&self, text: &str) -> Classification {
        self.classifier.classify(text)
    }

    /// Classifies many texts on all cores; the same answers as one by one.
    pub fn classify_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Classification> {
        self.classifier.classify_batch(texts)
    }

    /// Complaint intake: classifies the text (filling in the category,
    /// signals and severity the caller left out), judges whether the
    /// complaint repeats an earlier one, and remembers it. A known ticket id
    /// is a status update, not a new complaint.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the field when the complaint breaks a
    /// domain rule; nothing is remembered then.
    pub fn intake(&self, complaint: &Complaint) -> Result<ComplaintIntake> {
        let (enriched, classification) = self.enrich(complaint);
        let repeat = self.detector.intake(&enriched)?;
        Ok(ComplaintIntake {
            classification,
            repeat,
        })
    }

    /// Like [`Engine::intake`] but only judges: nothing is remembered.
    ///
    /// # Errors
    /// As [`Engine::intake`].
    pub fn check(&self, complaint: &Complaint) -> Result<Verdict> {
        let (enriched, _) = self.enrich(complaint);
        self.detector.check(&enriched)
    }

    /// [`Engine::check`] of many complaints: a queue of intake previews, or
    /// a nightly list of open tickets to re-judge. The same verdicts, in
    /// input order; the texts are classified on all cores, then the checks
    /// read the history side by side ([`RepeatDetector::check_many`]), which
    /// is faster than checking one by one against a large history. Nothing
    /// is remembered.
    ///
    /// ```
    /// let engine = custinsight::Engine::new();
    /// let complaint = |id: &str, day: u32| -> custinsight::Complaint {
    ///     custinsight::from_json("complaint", &format!(r#"{{"id": "{id}", "customer_id": "C1",
    ///         "received_at": "2026-11-{day:02}T09:00:00Z", "channel": "hotline",
    ///         "category": "broadband.outage", "status": "open"}}"#)).unwrap()
    /// };
    /// engine.intake(&complaint("T1", 1))?;
    /// let verdicts = engine.check_many(&[complaint("T2", 3), complaint("T3", 20)])?;
    /// assert_eq!(verdicts[0].kind, custinsight::RepeatKind::Repeat);
    /// assert_eq!(verdicts[1].matched[0].id, "T1");
    /// assert_eq!(engine.history_len(), 1);
    /// # Ok::<(), custinsight::Error>(())
    /// ```
    ///
    /// # Errors
    /// As [`Engine::check`], for the first complaint that fails, named by its
    /// place (`complaints[2].channel`).
    pub fn check_many(&self, complaints: &[Complaint]) -> Result<Vec<Verdict>> {
        let enriched: Vec<Complaint> = complaints
            .par_iter()
            .map(|complaint| self.enrich(complaint).0)
            .collect();
        self.detector
            .check_many(&enriched)
            .into_iter()
            .enumerate()
            .map(|(at, verdict)| verdict.map_err(|err| err.within(&format!("complaints[{at}]"))))
            .collect()
    }

    fn enrich(&self, complaint: &Complaint) -> (Complaint, Option<Classification>) {
        let mut enriched = complaint.clone();
        let classification = complaint
            .text
            .as_deref()
            .map(|text| self.classifier.classify(text));
        if let Some(answer) = &classification {
            if enriched.category.is_none() && !answer.uncertain {
                enriched.category = Some(answer.category.clone());
            }
            if enriched.signals.is_empty() {
                enriched.signals = answer.signal_kinds();
            }
            if enriched.severity.is_none() {
                enriched.severity = Some(answer.severity);
            }
        }
        (enriched, classification)
    }

    /// Labels a whole data set of complaints, in any order, as if they had
    /// arrived in time order, against a fresh history (the engine's own
    /// history is neither used nor changed). As at [`Engine::intake`], a
    /// complaint's text is classified for what the complaint lacks: its
    /// category, and its signals (so that a text naming the regulator
    /// escalates a repeat here as it does at intake). Complaints that carry
    /// their category and signals, or have no text, are not classified.
    ///
    /// # Errors
    /// [`Error::InvalidField`] naming the row and field of the first invalid
    /// complaint.
    pub fn label_batch(&self, complaints: &[Complaint]) -> Result<Vec<Intake>> {
        let categorizer = ClassifierCategorizer::new(&self.classifier, true);
        crate::repeat::label_batch(&self.config.repeat, Some(&categorizer), complaints)
    }

    /// [`Engine::label_batch`] as plain numbers
    /// ([`label_batch_compact`](crate::repeat::label_batch_compact)): the same
    /// verdicts, rows for ticket ids, for data frames and exports.
    ///
    /// # Errors
    /// As [`Engine::label_batch`].
    pub fn label_batch_compact(&self, complaints: &[Complaint]) -> Result<crate::repeat::BatchLabels> {
        let categorizer = ClassifierCategorizer::new(&self.classifier, true);
        crate::repeat::label_batch_compact(&self.config.repeat, Some(&categorizer), complaints)
    }

    /// [`Engine::label_batch_compact`] of the rows of a columnar store
    /// ([`crate::repeat::label_batch_compact_rows`]).
    ///
    /// # Errors
    /// As [`Engine::label_batch`].
    pub fn label_batch_compact_rows(&self, rows: &dyn ComplaintRows) -> Result<crate::repeat::BatchLabels> {
        let categorizer = ClassifierCategorizer::new(&self.classifier, true);
        crate::repeat::label_batch_compact_rows(&self.config.repeat, Some(&categorizer), rows)
    }

    /// The customer's repeat and escalation counters as of `now`, for the
    /// pop-up.
    ///
    /// # Errors
    /// [`Error::InvalidField`] when neither key is given or the phone is
    /// malformed.
    pub fn customer_counters(
        &self,
        customer_id: Option<&str>,
        phone: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<CustomerCounters> {
        self.detector.customer_counters(customer_id, phone, now)
    }

    /// Number of complaints remembered.
    pub fn history_len(&self) -> usize {
        self.detector.len()
    }

    /// Forgets complaints that can no longer match (older than the window
    /// before `now`); returns how many were dropped.
    pub fn compact_history(&self, now: DateTime<Utc>) -> usize {
        self.detector.compact(now)
    }

    /// A versioned, checksummed snapshot of the complaint history, for
    /// [`EngineBuilder::history_snapshot`].
    pub fn snapshot_history(&self) -> Vec<u8> {
        self.detector.snapshot()
    }

    /// The call pop-up for `profile` at `now`: ranked service opportunities
    /// with evidence and scripts, and the call-intent prediction.
    pub fn pop_up(&self, profile: &CustomerProfile, now: DateTime<Utc>) -> PopUp {
        crate::popup::pop_up(profile, now, &self.config.popup, self.churn.as_deref())
    }

    /// Pop-ups of many profiles on all cores, in input order.
    pub fn pop_up_batch(&self, profiles: &[CustomerProfile], now: DateTime<Utc>) -> Vec<PopUp> {
        crate::popup::pop_up_batch(profiles, now, &self.config.popup, self.churn.as_deref())
    }

    /// Cross-system audit of one customer.
    pub fn audit(&self, input: &AuditInput) -> Vec<AuditFinding> {
        crate::audit::audit(input)
    }

    /// Cross-system audit of many customers on all cores, in input order.
    pub fn audit_batch(&self, inputs: &[AuditInput]) -> Vec<AuditReport> {
        crate::audit::audit_batch(inputs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn complaint(id: &str, at: &str, text: &str) -> Complaint {
        crate::from_json(
            "complaint",
            &format!(
                r#"{{"id": "{id}", "customer_id": "C1", "received_at": "{at}", "channel": "hotline",
                    "status": "open", "text": "{text}"}}"#
            ),
        )
        .unwrap()
    }

    #[test]
    fn intake_classifies_then_detects_the_repeat() {
        let engine = Engine::new();
        let first = engine
            .intake(&complaint(
                "T1",
                "2026-11-01T09:00:00Z",
                "家里宽带断网两天了，一直掉线",
            ))
            .unwrap();
        assert_eq!(
            first.verdict().unwrap().category.as_deref(),
            Some("broadband.outage")
        );
        let second = engine
            .intake(&complaint(
                "T2",
                "2026-11-04T09:00:00Z",
                "宽带又断网了，还是没修好，第三次反映",
            ))
            .unwrap();
        let verdict = second.verdict().unwrap();
        assert_eq!(verdict.kind, crate::RepeatKind::Repeat);
        assert_eq!(verdict.matched[0].id, "T1");
        assert_eq!(engine.history_len(), 2);
    }

    #[test]
    fn closing_a_ticket_needs_no_text_but_a_new_one_does() {
        let engine = Engine::new();
        engine
            .intake(&complaint(
                "T1",
                "2026-11-01T09:00:00Z",
                "家里宽带断网两天了，一直掉线",
            ))
            .unwrap();
        let mut closing = complaint("T1", "2026-11-01T09:00:00Z", "");
        closing.text = None;
        closing.status = crate::ComplaintStatus::Closed;
        closing.closed_at = Some("2026-11-02T09:00:00Z".parse().unwrap());
        let update = engine.intake(&closing).unwrap();
        assert!(update.verdict().is_none(), "{update:?}");
        closing.id = "T9".into();
        let err = engine.intake(&closing).unwrap_err();
        assert!(err.to_string().contains("needs a category"), "{err}");
        assert_eq!(engine.history_len(), 1);
    }

    #[test]
    fn history_survives_a_snapshot() {
        let engine = Engine::new();
        engine
            .intake(&complaint(
                "T1",
                "2026-11-01T09:00:00Z",
                "家里宽带断网两天了，一直掉线",
            ))
            .unwrap();
        let restored = Engine::builder()
            .history_snapshot(engine.snapshot_history())
            .build()
            .unwrap();
        let next = complaint("T2", "2026-11-04T09:00:00Z", "宽带又断网了");
        assert_eq!(restored.check(&next).unwrap(), engine.check(&next).unwrap());
        let damaged = &engine.snapshot_history()[..10];
        let err = Engine::builder()
            .history_snapshot(damaged.to_vec())
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::SnapshotFormat);
    }

    #[test]
    fn a_batch_reads_texts_for_signals_as_intake_does() {
        // One customer, one category given, through the hotline: only the
        // regulator mentioned in the third text can escalate it.
        let texts = [
            "家里宽带断网两天了，一直掉线",
            "宽带还是断网",
            "宽带又断网了，再不修好我就打12300投诉",
            "broadband down again, I will go to the regulator",
        ];
        let complaints: Vec<Complaint> = texts
            .iter()
            .enumerate()
            .map(|(day, text)| {
                let mut complaint = complaint(
                    &format!("T{day}"),
                    &format!("2026-11-0{}T09:00:00Z", day + 1),
                    text,
                );
                complaint.category = Some("broadband.outage".into());
                complaint
            })
            .collect();
        let engine = Engine::new();
        let streamed: Vec<Intake> = complaints
            .iter()
            .map(|complaint| engine.intake(complaint).unwrap().repeat)
            .collect();
        let escalated: Vec<bool> = streamed
            .iter()
            .map(|intake| intake.verdict().unwrap().escalated)
            .collect();
        assert_eq!(escalated, [false, false, true, true]);
        // In reverse order, as a batch may hold them: the same labels.
        let mut reversed = complaints.clone();
        reversed.reverse();
        let mut batch = Engine::new().label_batch(&reversed).unwrap();
        batch.reverse();
        assert_eq!(batch, streamed);
        let compact = Engine::new().label_batch_compact(&complaints).unwrap();
        let flags: Vec<bool> = compact.labels.iter().map(|label| label.escalated).collect();
        assert_eq!(flags, escalated);
        // Signals the complaint carries are taken as given, the text unread.
        let mut given = complaints.clone();
        given[2].signals = vec![crate::Signal::Legal];
        given[3].signals = vec![crate::Signal::Media];
        let labels = Engine::new().label_batch_compact(&given).unwrap();
        let flags: Vec<bool> = labels.labels.iter().map(|label| label.escalated).collect();
        assert_eq!(flags, [false, false, false, true]);
    }

    #[test]
    fn check_many_answers_as_check_does_and_names_the_bad_row() {
        let engine = Engine::new();
        for (id, at, text) in [
            ("T1", "2026-11-01T09:00:00Z", "家里宽带断网两天了，一直掉线"),
            ("T2", "2026-11-02T09:00:00Z", "充值了一百元话费没到账"),
        ] {
            engine.intake(&complaint(id, at, text)).unwrap();
        }
        let probes: Vec<Complaint> = [
            (
                "P1",
                "2026-11-03T09:00:00Z",
                "宽带又断网了，再不修好我就打12300投诉",
            ),
            ("P2", "2026-11-03T10:00:00Z", "话费充值还是没到账"),
            ("P3", "2026-12-30T09:00:00Z", "宽带又断网了"),
        ]
        .iter()
        .map(|(id, at, text)| complaint(id, at, text))
        .collect();
        let one_by_one: Vec<Verdict> = probes.iter().map(|probe| engine.check(probe).unwrap()).collect();
        let many = engine.check_many(&probes).unwrap();
        assert_eq!(many, one_by_one);
        assert!(
            many[0].escalated,
            "the regulator in the text escalates: {:?}",
            many[0]
        );
        assert_eq!(many[2].kind, crate::RepeatKind::New);
        assert_eq!(engine.history_len(), 2);
        let mut bad = probes.clone();
        bad[1].customer_id = None;
        let err = engine.check_many(&bad).unwrap_err().to_string();
        assert!(err.contains("complaints[1].customer_id"), "{err}");
    }

    #[test]
    fn configuration_errors_name_the_key() {
        let err = EngineConfig::from_json(r#"{"repeat": {"window_days": 0}}"#).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Config);
        assert!(err.to_string().contains("repeat.window_days"), "{err}");
        let err = EngineConfig::from_json(r#"{"classifier": {"uncertain_bellow": 0.5}}"#).unwrap_err();
        assert!(err.to_string().contains("uncertain_bellow"), "{err}");
        let err = EngineConfig::from_toml("[popup]\nbill_shok = 1\n").unwrap_err();
        assert!(err.to_string().contains("bill_shok"), "{err}");
        let defaults = EngineConfig::default();
        assert_eq!(
            EngineConfig::from_json(&defaults.to_json_pretty()).unwrap(),
            defaults
        );
    }
}
