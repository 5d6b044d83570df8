//! The engine, classifier and evaluation classes. Records cross as JSON text
//! (one record) or as columns (batches), which the Python package turns into
//! result objects and data frames.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyList, PyString, PyTuple};
use rayon::prelude::*;
use serde::Serialize;

use custinsight::classify::{Classification, Evaluation as CoreEvaluation, Prediction, TrainOptions};
use custinsight::{CompactClassification, Complaint, CustomerProfile, Taxonomy};

use crate::columns::{compact_labels, label_lists, ComplaintColumns};
use crate::{to_py_err, InvalidInputError};

/// Rows handed to the core per step when a progress callback is given.
const PROGRESS_CHUNK: usize = 16_384;

fn json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("custinsight results always serialise")
}

/// The snake_case JSON name of a fieldless enum value.
fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        other => format!("{other:?}"),
    }
}

/// An [`InvalidInputError`] naming the field and what was wrong with it.
pub(crate) fn invalid(field: &str, reason: impl std::fmt::Display) -> PyErr {
    InvalidInputError::new_err(format!("invalid {field}: {reason}"))
}

/// Parses an RFC 3339 time (the Python layer converts `datetime`s).
fn parse_time(field: &str, text: &str) -> PyResult<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|err| invalid(field, format!("{text:?} is not an RFC 3339 time ({err})")))
}

/// A JSON value as Python objects (dict, list, str, int, float, bool, None),
/// built directly: cheaper than JSON text parsed again in Python.
fn to_py<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use pyo3::types::PyDict;
    use serde_json::Value;
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => i.into_pyobject(py)?.into_any(),
            (None, Some(f)) => f.into_pyobject(py)?.into_any(),
            (None, None) => n.to_string().into_pyobject(py)?.into_any(),
        },
        Value::String(text) => PyString::new(py, text).into_any(),
        Value::Array(items) => PyList::new(
            py,
            items
                .iter()
                .map(|item| to_py(py, item))
                .collect::<PyResult<Vec<_>>>()?,
        )?
        .into_any(),
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (key, item) in map {
                dict.set_item(key, to_py(py, item)?)?;
            }
            dict.into_any()
        }
    })
}

fn classification_dict<'py>(py: Python<'py>, answer: &Classification) -> PyResult<Bound<'py, PyAny>> {
    to_py(
        py,
        &serde_json::to_value(answer).expect("classifications serialise"),
    )
}

/// Texts of a list, naming the first item that is not a `str`.
fn texts_of(list: &Bound<'_, PyList>, field: &str) -> PyResult<Vec<String>> {
    list.iter()
        .enumerate()
        .map(|(i, item)| match item.cast::<PyString>() {
            Ok(text) => Ok(text.to_cow()?.into_owned()),
            Err(_) => Err(invalid(
                &format!("{field}[{i}]"),
                format!(
                    "expected str, got {}",
                    item.get_type()
                        .name()
                        .map_or_else(|_| "?".to_owned(), |n| n.to_string())
                ),
            )),
        })
        .collect()
}

/// Runs `work` over `items` without the GIL, in chunks when a progress
/// callback wants to hear about each `(done, total)`.
fn chunked<T: Sync, R: Send>(
    py: Python<'_>,
    items: &[T],
    progress: Option<&Bound<'_, PyAny>>,
    work: impl Fn(&[T]) -> Vec<R> + Sync,
) -> PyResult<Vec<R>> {
    let Some(callback) = progress else {
        return Ok(py.detach(|| work(items)));
    };
    let mut out = Vec::with_capacity(items.len());
    callback.call1((0, items.len()))?;
    for chunk in items.chunks(PROGRESS_CHUNK) {
        out.extend(py.detach(|| work(chunk)));
        callback.call1((out.len(), items.len()))?;
    }
    Ok(out)
}

/// A row of a batch answer: a whole classification, or a prediction (the
/// category alone, `Classifier::predict`), which has no severity or signals.
trait BatchAnswer: Send {
    fn prediction(&self) -> Prediction;
    /// The whole classification, when the row is one.
    fn whole(&self) -> Option<&CompactClassification>;
}

impl BatchAnswer for CompactClassification {
    fn prediction(&self) -> Prediction {
        CompactClassification::prediction(self)
    }
    fn whole(&self) -> Option<&CompactClassification> {
        Some(self)
    }
}

impl BatchAnswer for Prediction {
    fn prediction(&self) -> Prediction {
        *self
    }
    fn whole(&self) -> Option<&CompactClassification> {
        None
    }
}

/// One Python string per distinct value: a batch names a few dozen
/// categories, work groups, bands and severities millions of times.
#[derive(Default)]
struct Interned<'py>(std::collections::HashMap<String, Bound<'py, PyString>>);

impl<'py> Interned<'py> {
    fn get(&mut self, py: Python<'py>, text: &str) -> Bound<'py, PyString> {
        if let Some(found) = self.0.get(text) {
            return found.clone();
        }
        let value = PyString::new(py, text);
        self.0.insert(text.to_owned(), value.clone());
        value
    }
}

/// Per row of a batch: the strings of its category and work group, and
/// the names of its band, severity and signals.
struct Names<'a> {
    codes: Vec<&'a str>,
    work_groups: Vec<&'a str>,
}

impl<'a> Names<'a> {
    fn of(taxonomy: &'a Taxonomy) -> Self {
        Names {
            codes: taxonomy.categories.iter().map(|c| c.code.as_str()).collect(),
            work_groups: taxonomy
                .categories
                .iter()
                .map(|c| c.work_group.as_str())
                .collect(),
        }
    }
}

/// The signals of a row as a Python list of interned names.
fn signal_list<'py>(
    py: Python<'py>,
    answer: &CompactClassification,
    strings: &mut Interned<'py>,
) -> PyResult<Bound<'py, PyList>> {
    PyList::new(
        py,
        answer
            .signal_kinds()
            .into_iter()
            .map(|signal| strings.get(py, signal.as_str())),
    )
}

/// Batch columns as Python lists: category, confidence, band, work_group,
/// severity, uncertain, signals; a prediction has no severity or signals
/// column.
fn answer_columns<'py, A: BatchAnswer>(
    py: Python<'py>,
    taxonomy: &Taxonomy,
    answers: &[A],
) -> PyResult<Bound<'py, PyList>> {
    let names = Names::of(taxonomy);
    let mut strings = Interned::default();
    let mut column = |values: Vec<&str>| PyList::new(py, values.into_iter().map(|v| strings.get(py, v)));
    let category = column(
        answers
            .iter()
            .map(|a| names.codes[a.prediction().category])
            .collect(),
    )?;
    let bands = column(answers.iter().map(|a| band_name(a.prediction().band)).collect())?;
    let work_group = column(
        answers
            .iter()
            .map(|a| names.work_groups[a.prediction().category])
            .collect(),
    )?;
    let wholes: Option<Vec<&CompactClassification>> = answers.iter().map(A::whole).collect();
    let severity = match &wholes {
        Some(wholes) => Some(column(
            wholes.iter().map(|a| severity_name(a.severity)).collect(),
        )?),
        None => None,
    };
    let mut columns = vec![
        category,
        PyList::new(py, answers.iter().map(|a| a.prediction().confidence))?,
        bands,
        work_group,
    ];
    columns.extend(severity);
    columns.push(PyList::new(py, answers.iter().map(|a| a.prediction().uncertain))?);
    if let Some(wholes) = &wholes {
        let signals = wholes
            .iter()
            .map(|a| signal_list(py, a, &mut strings))
            .collect::<PyResult<Vec<_>>>()?;
        columns.push(PyList::new(py, signals)?);
    }
    PyList::new(py, columns)
}

/// A column of a few distinct strings as little-endian `i32` codes and the
/// dictionary they index, for pandas `Categorical` and arrow dictionary
/// arrays. `dictionary` lists every value a code can name, in a fixed order.
fn coded<'py>(
    py: Python<'py>,
    dictionary: &[&str],
    codes: impl Iterator<Item = usize>,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyList>)> {
    let codes: Vec<u8> = codes.flat_map(|code| (code as i32).to_le_bytes()).collect();
    Ok((PyBytes::new(py, &codes), PyList::new(py, dictionary)?))
}

/// Classification columns for data frames: the four text columns coded
/// (see [`coded`]), confidence as little-endian `f32`, uncertain as bytes.
/// Categories keep the taxonomy's order; work groups the order they first
/// appear in it.
fn coded_columns<'py, A: BatchAnswer>(
    py: Python<'py>,
    taxonomy: &Taxonomy,
    answers: &[A],
) -> PyResult<Bound<'py, PyAny>> {
    let names = Names::of(taxonomy);
    let mut groups: Vec<&str> = Vec::new();
    let group_of: Vec<usize> = names
        .work_groups
        .iter()
        .map(|group| match groups.iter().position(|g| g == group) {
            Some(at) => at,
            None => {
                groups.push(group);
                groups.len() - 1
            }
        })
        .collect();
    const BANDS: [&str; 3] = ["low", "medium", "high"];
    const SEVERITIES: [&str; 4] = ["low", "medium", "high", "critical"];
    let band_code = |band| BANDS.iter().position(|&b| b == band_name(band)).unwrap_or(0);
    let severity_code = |s| {
        SEVERITIES
            .iter()
            .position(|&v| v == severity_name(s))
            .unwrap_or(0)
    };
    let mut strings = Interned::default();
    let confidence: Vec<u8> = answers
        .iter()
        .flat_map(|a| a.prediction().confidence.to_le_bytes())
        .collect();
    let uncertain: Vec<u8> = answers
        .iter()
        .map(|a| u8::from(a.prediction().uncertain))
        .collect();
    let mut columns: Vec<Bound<'py, PyAny>> = vec![
        coded(py, &names.codes, answers.iter().map(|a| a.prediction().category))?
            .into_pyobject(py)?
            .into_any(),
        PyBytes::new(py, &confidence).into_any(),
        coded(py, &BANDS, answers.iter().map(|a| band_code(a.prediction().band)))?
            .into_pyobject(py)?
            .into_any(),
        coded(
            py,
            &groups,
            answers.iter().map(|a| group_of[a.prediction().category]),
        )?
        .into_pyobject(py)?
        .into_any(),
    ];
    let wholes: Option<Vec<&CompactClassification>> = answers.iter().map(A::whole).collect();
    if let Some(wholes) = &wholes {
        let severities = coded(py, &SEVERITIES, wholes.iter().map(|a| severity_code(a.severity)))?;
        columns.push(severities.into_pyobject(py)?.into_any());
    }
    columns.push(PyBytes::new(py, &uncertain).into_any());
    if let Some(wholes) = &wholes {
        let signals = wholes
            .iter()
            .map(|a| signal_list(py, a, &mut strings))
            .collect::<PyResult<Vec<_>>>()?;
        columns.push(PyList::new(py, signals)?.into_any());
    }
    Ok(PyList::new(py, columns)?.into_any())
}

fn columns_of<'py, A: BatchAnswer>(
    py: Python<'py>,
    taxonomy: &Taxonomy,
    answers: &[A],
    coded: bool,
) -> PyResult<Bound<'py, PyAny>> {
    if coded {
        coded_columns(py, taxonomy, answers)
    } else {
        Ok(answer_columns(py, taxonomy, answers)?.into_any())
    }
}

/// The columns of a batch: whole classifications, or with `whole` false
/// predictions (`Classifier::predict`).
fn batch_columns<'py, S: AsRef<str> + Sync>(
    py: Python<'py>,
    classifier: &custinsight::Classifier,
    texts: &[S],
    progress: Option<&Bound<'py, PyAny>>,
    coded: bool,
    whole: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let taxonomy = classifier.taxonomy();
    if whole {
        let answers = chunked(py, texts, progress, |chunk| {
            classifier.classify_batch_compact(chunk)
        })?;
        columns_of(py, taxonomy, &answers, coded)
    } else {
        let answers = chunked(py, texts, progress, |chunk| classifier.predict_batch(chunk))?;
        columns_of(py, taxonomy, &answers, coded)
    }
}

fn band_name(band: custinsight::classify::ConfidenceBand) -> &'static str {
    use custinsight::classify::ConfidenceBand;
    match band {
        ConfidenceBand::Low => "low",
        ConfidenceBand::Medium => "medium",
        ConfidenceBand::High => "high",
    }
}

fn severity_name(severity: custinsight::Severity) -> &'static str {
    use custinsight::Severity;
    match severity {
        Severity::Low => "low",
        Severity::Medium => "medium",
        Severity::High => "high",
        Severity::Critical => "critical",
    }
}

fn classify_columns<'py>(
    py: Python<'py>,
    classifier: &custinsight::Classifier,
    texts: &Bound<'py, PyList>,
    progress: Option<&Bound<'py, PyAny>>,
    coded: bool,
    whole: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let texts = texts_of(texts, "texts")?;
    batch_columns(py, classifier, &texts, progress, coded, whole)
}

/// Texts packed by the Python layer as one UTF-8 buffer, separated by NUL
/// (one C-level join instead of a conversion per object); `None` when the
/// count does not match (a text held a NUL) and the list path must be used.
fn split_packed(packed: &[u8], count: usize) -> PyResult<Option<Vec<&str>>> {
    let text = std::str::from_utf8(packed).map_err(|err| invalid("texts", err))?;
    if count == 0 {
        return Ok(Some(Vec::new()));
    }
    let texts: Vec<&str> = text.split('\0').collect();
    Ok((texts.len() == count).then_some(texts))
}

fn classify_packed<'py>(
    py: Python<'py>,
    classifier: &custinsight::Classifier,
    packed: &[u8],
    count: usize,
    progress: Option<&Bound<'py, PyAny>>,
    coded: bool,
    whole: bool,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Some(texts) = split_packed(packed, count)? else {
        return Ok(None);
    };
    batch_columns(py, classifier, &texts, progress, coded, whole).map(Some)
}

/// `classify`, or `classify_explained` when features are asked for.
trait ClassifyExt {
    fn classify_explained_or_not(&self, text: &str, explain: usize) -> Classification;
}

impl ClassifyExt for custinsight::Classifier {
    fn classify_explained_or_not(&self, text: &str, explain: usize) -> Classification {
        if explain > 0 {
            self.classify_explained(text, explain)
        } else {
            self.classify(text)
        }
    }
}

/// A complaint classifier: the built-in one, trained, or loaded.
#[pyclass(frozen, module = "custinsight._custinsight")]
pub struct Classifier {
    inner: Arc<custinsight::Classifier>,
}

fn examples(texts: Vec<String>, labels: Vec<String>) -> PyResult<Vec<(String, String)>> {
    if texts.len() != labels.len() {
        return Err(invalid(
            "labels",
            format!("{} labels for {} texts", labels.len(), texts.len()),
        ));
    }
    Ok(texts.into_iter().zip(labels).collect())
}

fn taxonomy_of(json: Option<&str>) -> PyResult<Taxonomy> {
    match json {
        None => Ok(Taxonomy::telecom_default()),
        Some(json) => custinsight::from_json::<Taxonomy>("taxonomy", json).map_err(to_py_err),
    }
}

fn options_of(json: Option<&str>) -> PyResult<TrainOptions> {
    match json {
        None => Ok(TrainOptions::default()),
        Some(json) => custinsight::from_json::<TrainOptions>("options", json)
            .map_err(|err| crate::ConfigError::new_err(err.to_string())),
    }
}

#[pymethods]
impl Classifier {
    /// The built-in classifier of the specification's 24 categories.
    #[staticmethod]
    fn builtin(py: Python<'_>) -> Self {
        Classifier {
            inner: Arc::new(py.detach(custinsight::Classifier::builtin)),
        }
    }

    /// Trains on texts and labels (category codes of the taxonomy, JSON).
    #[staticmethod]
    #[pyo3(signature = (texts, labels, taxonomy_json=None, options_json=None))]
    fn train(
        py: Python<'_>,
        texts: Vec<String>,
        labels: Vec<String>,
        taxonomy_json: Option<&str>,
        options_json: Option<&str>,
    ) -> PyResult<Self> {
        let examples = examples(texts, labels)?;
        let taxonomy = taxonomy_of(taxonomy_json)?;
        let options = options_of(options_json)?;
        let model = py
            .detach(|| custinsight::Classifier::train(&examples, &taxonomy, &options))
            .map_err(to_py_err)?;
        Ok(Classifier {
            inner: Arc::new(model),
        })
    }

    /// Loads a model saved by `to_bytes`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<Self> {
        let model = custinsight::Classifier::from_bytes(data).map_err(to_py_err)?;
        Ok(Classifier {
            inner: Arc::new(model),
        })
    }

    /// The model in the versioned, checksummed format.
    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.inner.to_bytes())
    }

    /// The taxonomy as JSON.
    fn taxonomy_json(&self) -> String {
        json(self.inner.taxonomy())
    }

    /// The thresholds as JSON.
    fn thresholds_json(&self) -> String {
        json(self.inner.thresholds())
    }

    /// A copy with other thresholds (JSON).
    fn with_thresholds(&self, thresholds_json: &str) -> PyResult<Self> {
        let thresholds = custinsight::from_json("thresholds", thresholds_json)
            .map_err(|err| crate::ConfigError::new_err(err.to_string()))?;
        let model = (*self.inner)
            .clone()
            .with_thresholds(thresholds)
            .map_err(to_py_err)?;
        Ok(Classifier {
            inner: Arc::new(model),
        })
    }

    /// One text's classification as JSON; `explain` > 0 adds that many features.
    #[pyo3(signature = (text, explain=0))]
    fn classify_json(&self, text: &str, explain: usize) -> String {
        if explain > 0 {
            json(&self.inner.classify_explained(text, explain))
        } else {
            json(&self.inner.classify(text))
        }
    }

    /// One text's classification as a dict; `explain` > 0 adds that many features.
    #[pyo3(signature = (text, explain=0))]
    fn classify_dict<'py>(&self, py: Python<'py>, text: &str, explain: usize) -> PyResult<Bound<'py, PyAny>> {
        classification_dict(py, &self.inner.classify_explained_or_not(text, explain))
    }

    /// Classifies a list of texts on all cores without the GIL; columns.
    /// With `whole` false, predicts the category alone (no severity or
    /// signals columns).
    #[pyo3(signature = (texts, progress=None, coded=false, whole=true))]
    fn classify_columns<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyList>,
        progress: Option<&Bound<'py, PyAny>>,
        coded: bool,
        whole: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        classify_columns(py, &self.inner, texts, progress, coded, whole)
    }

    /// As `classify_columns`, texts packed in one NUL-separated UTF-8 buffer;
    /// None when the count does not match.
    #[pyo3(signature = (packed, count, progress=None, coded=false, whole=true))]
    fn classify_packed<'py>(
        &self,
        py: Python<'py>,
        packed: &[u8],
        count: usize,
        progress: Option<&Bound<'py, PyAny>>,
        coded: bool,
        whole: bool,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        classify_packed(py, &self.inner, packed, count, progress, coded, whole)
    }

    /// Evaluates the classifier on texts and labels.
    fn evaluate(&self, py: Python<'_>, texts: Vec<String>, labels: Vec<String>) -> PyResult<Evaluation> {
        let examples = examples(texts, labels)?;
        let evaluation = py
            .detach(|| CoreEvaluation::evaluate(&self.inner, &examples))
            .map_err(to_py_err)?;
        Ok(Evaluation { inner: evaluation })
    }
}

/// Trains on a stratified share and evaluates on the rest.
#[pyfunction]
#[pyo3(signature = (texts, labels, taxonomy_json=None, options_json=None, test_fraction=0.2, seed=0))]
pub fn holdout(
    py: Python<'_>,
    texts: Vec<String>,
    labels: Vec<String>,
    taxonomy_json: Option<&str>,
    options_json: Option<&str>,
    test_fraction: f64,
    seed: u64,
) -> PyResult<Evaluation> {
    let examples = examples(texts, labels)?;
    let taxonomy = taxonomy_of(taxonomy_json)?;
    let options = options_of(options_json)?;
    let evaluation = py
        .detach(|| custinsight::classify::holdout(&examples, &taxonomy, &options, test_fraction, seed))
        .map_err(to_py_err)?;
    Ok(Evaluation { inner: evaluation })
}

/// Stratified k-fold cross-validation.
#[pyfunction]
#[pyo3(signature = (texts, labels, taxonomy_json=None, options_json=None, folds=5, seed=0))]
pub fn cross_validate(
    py: Python<'_>,
    texts: Vec<String>,
    labels: Vec<String>,
    taxonomy_json: Option<&str>,
    options_json: Option<&str>,
    folds: usize,
    seed: u64,
) -> PyResult<Evaluation> {
    let examples = examples(texts, labels)?;
    let taxonomy = taxonomy_of(taxonomy_json)?;
    let options = options_of(options_json)?;
    let evaluation = py
        .detach(|| custinsight::classify::cross_validate(&examples, &taxonomy, &options, folds, seed))
        .map_err(to_py_err)?;
    Ok(Evaluation { inner: evaluation })
}

/// The measured quality of a classifier.
#[pyclass(frozen, module = "custinsight._custinsight")]
pub struct Evaluation {
    inner: CoreEvaluation,
}

#[pymethods]
impl Evaluation {
    /// Everything, outcomes included, as JSON.
    fn to_json(&self) -> String {
        json(&self.inner)
    }

    /// The precision–coverage curve (overall, or of one category) as JSON.
    #[pyo3(signature = (category=None))]
    fn precision_coverage_json(&self, category: Option<&str>) -> PyResult<String> {
        self.inner
            .precision_coverage(category)
            .map(|curve| json(&curve))
            .map_err(to_py_err)
    }

    /// The lowest threshold reaching `target` precision, as JSON (or `null`).
    #[pyo3(signature = (target, category=None))]
    fn operating_point_json(&self, target: f64, category: Option<&str>) -> PyResult<String> {
        self.inner
            .operating_point(target, category)
            .map(|point| json(&point))
            .map_err(to_py_err)
    }

    /// Thresholds reaching target precisions, as JSON.
    #[pyo3(signature = (target=None, per_category=BTreeMap::new()))]
    fn abstention_json(&self, target: Option<f64>, per_category: BTreeMap<String, f64>) -> PyResult<String> {
        self.inner
            .abstention(target, &per_category)
            .map(|abstention| json(&abstention))
            .map_err(to_py_err)
    }
}

/// Pop-up score columns: customer_id, churn_probability, top_intent,
/// top_intent_probability, top_opportunity, top_opportunity_score,
/// opportunities.
type ScoreColumns = (
    Vec<Option<String>>,
    Vec<Option<f64>>,
    Vec<Option<&'static str>>,
    Vec<Option<f64>>,
    Vec<Option<&'static str>>,
    Vec<Option<f64>>,
    Vec<Vec<&'static str>>,
);

/// Audit finding columns: row, customer_id, code, product, severity,
/// systems, detail.
type FindingColumns = (
    Vec<usize>,
    Vec<Option<String>>,
    Vec<String>,
    Vec<Option<String>>,
    Vec<String>,
    Vec<Vec<String>>,
    Vec<String>,
);

fn profiles_of(profiles: &[String]) -> PyResult<Vec<CustomerProfile>> {
    profiles
        .par_iter()
        .enumerate()
        .map(|(i, text)| CustomerProfile::from_json(text).map_err(|err| format!("profiles[{i}]: {err}")))
        .collect::<Result<Vec<_>, String>>()
        .map_err(InvalidInputError::new_err)
}

/// The façade: classification, complaint intake and repeat detection, the
/// call pop-up, audit, history snapshots.
#[pyclass(frozen, module = "custinsight._custinsight")]
pub struct Engine {
    inner: Arc<custinsight::Engine>,
}

#[pymethods]
impl Engine {
    #[new]
    #[pyo3(signature = (config_json=None, config_toml=None, classifier=None, churn_model=None, history=None))]
    fn new(
        py: Python<'_>,
        config_json: Option<&str>,
        config_toml: Option<&str>,
        classifier: Option<&Classifier>,
        churn_model: Option<&[u8]>,
        history: Option<&[u8]>,
    ) -> PyResult<Self> {
        let config = match (config_json, config_toml) {
            (Some(json), _) => custinsight::EngineConfig::from_json(json).map_err(to_py_err)?,
            (None, Some(toml)) => custinsight::EngineConfig::from_toml(toml).map_err(to_py_err)?,
            (None, None) => custinsight::EngineConfig::default(),
        };
        let mut builder = custinsight::Engine::builder().config(config);
        if let Some(classifier) = classifier {
            builder = builder.classifier((*classifier.inner).clone());
        }
        if let Some(bytes) = churn_model {
            builder = builder.churn_model(custinsight::ChurnModel::from_bytes(bytes).map_err(to_py_err)?);
        }
        if let Some(snapshot) = history {
            builder = builder.history_snapshot(snapshot.to_vec());
        }
        let engine = py.detach(|| builder.build()).map_err(to_py_err)?;
        Ok(Engine {
            inner: Arc::new(engine),
        })
    }

    /// The configuration, defaults included, as JSON.
    fn config_json(&self) -> String {
        self.inner.config().to_json_pretty()
    }

    /// The engine's classifier.
    fn classifier(&self) -> Classifier {
        Classifier {
            inner: Arc::new(self.inner.classifier().clone()),
        }
    }

    /// One text's classification as JSON.
    #[pyo3(signature = (text, explain=0))]
    fn classify_json(&self, text: &str, explain: usize) -> String {
        if explain > 0 {
            json(&self.inner.classifier().classify_explained(text, explain))
        } else {
            json(&self.inner.classify(text))
        }
    }

    /// One text's classification as a dict; `explain` > 0 adds that many features.
    #[pyo3(signature = (text, explain=0))]
    fn classify_dict<'py>(&self, py: Python<'py>, text: &str, explain: usize) -> PyResult<Bound<'py, PyAny>> {
        classification_dict(
            py,
            &self.inner.classifier().classify_explained_or_not(text, explain),
        )
    }

    /// Classifies a list of texts on all cores without the GIL; columns.
    /// With `whole` false, predicts the category alone (no severity or
    /// signals columns).
    #[pyo3(signature = (texts, progress=None, coded=false, whole=true))]
    fn classify_columns<'py>(
        &self,
        py: Python<'py>,
        texts: &Bound<'py, PyList>,
        progress: Option<&Bound<'py, PyAny>>,
        coded: bool,
        whole: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        classify_columns(py, self.inner.classifier(), texts, progress, coded, whole)
    }

    /// As `classify_columns`, texts packed in one NUL-separated UTF-8 buffer;
    /// None when the count does not match.
    #[pyo3(signature = (packed, count, progress=None, coded=false, whole=true))]
    fn classify_packed<'py>(
        &self,
        py: Python<'py>,
        packed: &[u8],
        count: usize,
        progress: Option<&Bound<'py, PyAny>>,
        coded: bool,
        whole: bool,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        classify_packed(py, self.inner.classifier(), packed, count, progress, coded, whole)
    }

    /// Complaint intake (JSON in, JSON out); the complaint is remembered.
    fn intake_json(&self, py: Python<'_>, complaint_json: &str) -> PyResult<String> {
        let complaint: Complaint = custinsight::from_json("complaint", complaint_json).map_err(to_py_err)?;
        py.detach(|| self.inner.intake(&complaint))
            .map(|answer| json(&answer))
            .map_err(to_py_err)
    }

    /// The verdict intake would give, without remembering (JSON).
    fn check_json(&self, complaint_json: &str) -> PyResult<String> {
        let complaint: Complaint = custinsight::from_json("complaint", complaint_json).map_err(to_py_err)?;
        self.inner.check(&complaint).map(|v| json(&v)).map_err(to_py_err)
    }

    /// The verdicts of a JSON array of complaints, without remembering them
    /// (JSON array in input order).
    fn check_many_json(&self, py: Python<'_>, complaints_json: &str) -> PyResult<String> {
        let complaints: Vec<Complaint> =
            custinsight::from_json("complaints", complaints_json).map_err(to_py_err)?;
        py.detach(|| self.inner.check_many(&complaints))
            .map(|verdicts| json(&verdicts))
            .map_err(to_py_err)
    }

    /// Labels a whole data set against a fresh history; verdict columns and,
    /// when asked, the summary as JSON.
    #[pyo3(signature = (columns, summary=false, customer_base=None, compact=false))]
    fn label_columns<'py>(
        &self,
        py: Python<'py>,
        columns: &Bound<'py, PyAny>,
        summary: bool,
        customer_base: Option<u64>,
        compact: bool,
    ) -> PyResult<(Bound<'py, PyTuple>, Option<String>)> {
        let parsed = ComplaintColumns::from_dict(columns)?;
        let (complaints, batch, summary) = py.detach(|| -> PyResult<_> {
            let complaints = parsed.table()?;
            let batch = self
                .inner
                .label_batch_compact_rows(&complaints)
                .map_err(to_py_err)?;
            let summary = if summary {
                let summary = batch
                    .summarize_rows(&complaints, customer_base)
                    .map_err(to_py_err)?;
                Some(json(&summary))
            } else {
                None
            };
            Ok((complaints, batch, summary))
        })?;
        let labels = if compact {
            compact_labels(py, &batch)?
        } else {
            let ids = columns.get_item("id")?;
            PyTuple::new(
                py,
                label_lists(py, ids.cast::<PyList>().ok(), &complaints, &batch)?,
            )?
        };
        Ok((labels, summary))
    }

    /// A customer's repeat and escalation counters as of `now`, as JSON.
    #[pyo3(signature = (now, customer_id=None, phone=None))]
    fn customer_counters_json(
        &self,
        now: &str,
        customer_id: Option<&str>,
        phone: Option<&str>,
    ) -> PyResult<String> {
        let now = parse_time("now", now)?;
        self.inner
            .customer_counters(customer_id, phone, now)
            .map(|counters| json(&counters))
            .map_err(to_py_err)
    }

    /// Number of complaints remembered.
    fn history_len(&self) -> usize {
        self.inner.history_len()
    }

    /// Forgets complaints that can no longer match; returns how many.
    fn compact_history(&self, py: Python<'_>, now: &str) -> PyResult<usize> {
        let now = parse_time("now", now)?;
        Ok(py.detach(|| self.inner.compact_history(now)))
    }

    /// A snapshot of the complaint history.
    fn snapshot_history<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let bytes = py.detach(|| self.inner.snapshot_history());
        PyBytes::new(py, &bytes)
    }

    /// The call pop-up of one profile (JSON) at `now`, as JSON.
    fn pop_up_json(&self, profile_json: &str, now: &str) -> PyResult<String> {
        let now = parse_time("now", now)?;
        let profile = CustomerProfile::from_json(profile_json).map_err(to_py_err)?;
        Ok(self.inner.pop_up(&profile, now).to_json())
    }

    /// Pop-ups of many profiles (JSON) on all cores, as JSON.
    #[pyo3(signature = (profiles, now, progress=None))]
    fn pop_up_batch_json(
        &self,
        py: Python<'_>,
        profiles: Vec<String>,
        now: &str,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Vec<String>> {
        let now = parse_time("now", now)?;
        let profiles = py.detach(|| profiles_of(&profiles))?;
        chunked(py, &profiles, progress, |chunk| {
            self.inner
                .pop_up_batch(chunk, now)
                .iter()
                .map(custinsight::PopUp::to_json)
                .collect()
        })
    }

    /// Scores many profiles (JSON) on all cores; one row of columns each.
    #[pyo3(signature = (profiles, now, progress=None))]
    fn score_columns(
        &self,
        py: Python<'_>,
        profiles: Vec<String>,
        now: &str,
        progress: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<ScoreColumns> {
        let now = parse_time("now", now)?;
        let profiles = py.detach(|| profiles_of(&profiles))?;
        let popups = chunked(py, &profiles, progress, |chunk| {
            self.inner.pop_up_batch(chunk, now)
        })?;
        let mut columns = ScoreColumns::default();
        for popup in popups {
            let intent = popup
                .call_intents
                .iter()
                .max_by(|a, b| a.probability.total_cmp(&b.probability));
            let top = popup.opportunities.first();
            columns.0.push(popup.customer_id.clone());
            columns.1.push(popup.churn_probability);
            columns.2.push(intent.map(|i| i.reason.as_str()));
            columns.3.push(intent.map(|i| i.probability));
            columns.4.push(top.map(|o| o.kind.as_str()));
            columns.5.push(top.map(|o| o.score));
            columns
                .6
                .push(popup.opportunities.iter().map(|o| o.kind.as_str()).collect());
        }
        Ok(columns)
    }

    /// Cross-system audit of one customer (JSON), findings as JSON.
    fn audit_json(&self, input_json: &str) -> PyResult<String> {
        let input: custinsight::audit::AuditInput =
            custinsight::from_json("audit input", input_json).map_err(to_py_err)?;
        Ok(json(&self.inner.audit(&input)))
    }

    /// Audit of many customers (JSON) on all cores; one row per finding.
    fn audit_columns(&self, py: Python<'_>, inputs: Vec<String>) -> PyResult<FindingColumns> {
        py.detach(|| {
            let inputs = inputs
                .par_iter()
                .enumerate()
                .map(|(i, text)| {
                    custinsight::from_json::<custinsight::audit::AuditInput>(&format!("inputs[{i}]"), text)
                })
                .collect::<custinsight::Result<Vec<_>>>()
                .map_err(to_py_err)?;
            let reports = self.inner.audit_batch(&inputs);
            let mut columns = FindingColumns::default();
            for (row, report) in reports.iter().enumerate() {
                for finding in &report.findings {
                    columns.0.push(row);
                    columns.1.push(report.customer_id.clone());
                    columns.2.push(name(&finding.code));
                    columns.3.push(finding.product.clone());
                    columns.4.push(name(&finding.severity));
                    columns.5.push(finding.systems().iter().map(name).collect());
                    columns.6.push(finding.detail());
                }
            }
            Ok(columns)
        })
    }
}

/// Benchmark support: times the core's `classify_batch` (or, with
/// `compact`, `classify_batch_compact`, which the data-frame path uses) with `engine`'s
/// classifier on Rust-owned copies of `texts` (no Python object inside the
/// timed region). Returns `(wall seconds, clock seconds)`, where `clock` is
/// a Python callable read just before and after (e.g. `time.process_time`).
#[pyfunction]
#[pyo3(signature = (engine, texts, clock, compact = false))]
pub fn native_classify_batch_times(
    py: Python<'_>,
    engine: &Engine,
    texts: Vec<String>,
    clock: &Bound<'_, PyAny>,
    compact: bool,
) -> PyResult<(f64, f64)> {
    let classifier = engine.inner.classifier();
    let clock_start: f64 = clock.call0()?.extract()?;
    let start = std::time::Instant::now();
    let answered = if compact {
        py.detach(|| classifier.classify_batch_compact(&texts).len())
    } else {
        py.detach(|| classifier.classify_batch(&texts).len())
    };
    let wall = start.elapsed().as_secs_f64();
    let clock_end: f64 = clock.call0()?.extract()?;
    assert_eq!(answered, texts.len());
    Ok((wall, clock_end - clock_start))
}

/// Benchmark support: seconds the core's `classify` takes per call on
/// `text`, over `calls` calls on one thread.
#[pyfunction]
pub fn native_classify_one_seconds(py: Python<'_>, text: String, calls: usize) -> f64 {
    py.detach(|| {
        let classifier = custinsight::Classifier::builtin();
        let start = std::time::Instant::now();
        for _ in 0..calls {
            std::hint::black_box(classifier.classify(std::hint::black_box(&text)));
        }
        start.elapsed().as_secs_f64() / calls.max(1) as f64
    })
}
