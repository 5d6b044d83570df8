//! Python bindings of custinsight (module `custinsight._custinsight`; the
//! public module is `custinsight`, see `python/custinsight/__init__.py`).
//!
//! Behaviour lives in the `custinsight` crate. This layer converts
//! arguments, releases the GIL around heavy work, and maps
//! `custinsight::ErrorKind` to one exception class each under
//! `custinsight.Error`.

use std::sync::Mutex;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

mod columns;
mod engine;

create_exception!(
    custinsight,
    Error,
    PyException,
    "Base class of every custinsight error."
);
create_exception!(
    custinsight,
    InvalidInputError,
    Error,
    "The input breaks a rule or cannot be parsed; the message names the field or row."
);
create_exception!(custinsight, ConfigError, Error, "The configuration is invalid.");
create_exception!(
    custinsight,
    ModelFormatError,
    Error,
    "A saved model is truncated, corrupted or of another version."
);
create_exception!(
    custinsight,
    SnapshotFormatError,
    Error,
    "A saved snapshot is truncated, corrupted or of another version."
);
create_exception!(custinsight, TrainingError, Error, "Training could not proceed.");

/// Maps a core error to its exception class; the one place that knows the
/// correspondence.
pub(crate) fn to_py_err(err: custinsight::Error) -> PyErr {
    let message = err.to_string();
    match err.kind() {
        custinsight::ErrorKind::InvalidInput => InvalidInputError::new_err(message),
        custinsight::ErrorKind::Config => ConfigError::new_err(message),
        custinsight::ErrorKind::ModelFormat => ModelFormatError::new_err(message),
        custinsight::ErrorKind::SnapshotFormat => SnapshotFormatError::new_err(message),
        custinsight::ErrorKind::Training => TrainingError::new_err(message),
        _ => Error::new_err(message),
    }
}

/// The library version, e.g. ``"0.1.0"``.
#[pyfunction]
fn version() -> &'static str {
    custinsight::VERSION
}

/// Normalises a phone number: ``normalize_phone("+86 138-1234-5678") == "13812345678"``.
///
/// Raises:
///     InvalidInputError: the number is malformed.
#[pyfunction]
fn normalize_phone(phone: &str) -> PyResult<String> {
    custinsight::normalize_phone(phone).map_err(to_py_err)
}

/// Parses and validates a profile in JSON; returns it in canonical JSON.
///
/// Raises:
///     InvalidInputError: naming the offending field.
#[pyfunction]
fn canonical_profile_json(json: &str) -> PyResult<String> {
    custinsight::CustomerProfile::from_json(json)
        .map(|profile| profile.to_json())
        .map_err(to_py_err)
}

/// The JSON Schemas of the interchange types, by file name.
#[pyfunction]
fn json_schemas() -> Vec<(&'static str, String)> {
    custinsight::schema::all().into_iter().collect()
}

/// Folds source-system events (JSON strings) into unified profiles.
///
/// Thread-safe: calls from several Python threads are serialised.
#[pyclass(frozen, module = "custinsight")]
struct ProfileBuilder {
    inner: Mutex<custinsight::ProfileBuilder>,
}

impl ProfileBuilder {
    fn lock(&self) -> std::sync::MutexGuard<'_, custinsight::ProfileBuilder> {
        // `add` validates before it mutates, so a poisoned builder is whole.
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[pymethods]
impl ProfileBuilder {
    #[new]
    fn new() -> Self {
        ProfileBuilder {
            inner: Mutex::new(custinsight::ProfileBuilder::new()),
        }
    }

    /// Validates one event (JSON text) and folds it in.
    ///
    /// Raises:
    ///     InvalidInputError: naming the event and field; nothing is changed.
    fn add_event_json(&self, json: &str) -> PyResult<()> {
        let event = custinsight::SourceEvent::from_json(json).map_err(to_py_err)?;
        self.lock().add(event).map_err(to_py_err)
    }

    /// Folds many events (JSON texts) without stopping at a bad one.
    ///
    /// Returns:
    ///     (accepted count, list of (position, message) for rejected events)
    fn add_events_json(&self, py: Python<'_>, events: Vec<String>) -> (u64, Vec<(usize, String)>) {
        py.detach(|| {
            let mut builder = self.lock();
            let report = builder.add_all(
                events
                    .iter()
                    .map(|json| custinsight::SourceEvent::from_json(json)),
            );
            let rejected = report
                .rejected
                .into_iter()
                .map(|(index, err)| (index, err.to_string()))
                .collect();
            (report.accepted, rejected)
        })
    }

    /// The current profile of a customer id as JSON, or None.
    fn profile_json(&self, customer_id: &str) -> Option<String> {
        self.lock().profile(customer_id).map(|profile| profile.to_json())
    }

    /// The current profile of whoever the phone number belongs to, or None.
    ///
    /// Raises:
    ///     InvalidInputError: the number is malformed.
    fn profile_by_phone_json(&self, phone: &str) -> PyResult<Option<String>> {
        let profile = self.lock().profile_by_phone(phone).map_err(to_py_err)?;
        Ok(profile.map(|profile| profile.to_json()))
    }

    /// Number of events accepted so far.
    #[getter]
    fn accepted(&self) -> u64 {
        self.lock().accepted()
    }

    /// Finishes: every profile as JSON text, customers sorted by id; the
    /// builder is left empty.
    fn take_profiles_json(&self, py: Python<'_>) -> Vec<String> {
        py.detach(|| {
            let builder = std::mem::take(&mut *self.lock());
            builder
                .build()
                .iter()
                .map(custinsight::CustomerProfile::to_json)
                .collect()
        })
    }
}

/// The default taxonomy (the specification's 24 categories) as JSON.
#[pyfunction]
fn taxonomy_json() -> String {
    serde_json::to_string(&custinsight::Taxonomy::telecom_default()).expect("taxonomies serialise")
}

fn population(customers: u64, seed: u64, months: u32) -> custinsight::synth::Population {
    custinsight::synth::Population::new(custinsight::synth::SynthConfig {
        customers,
        seed,
        months,
        ..custinsight::synth::SynthConfig::default()
    })
}

/// A synthetic population's source events as JSON texts (deterministic).
#[pyfunction]
#[pyo3(signature = (customers, seed=20261101, months=6))]
fn synthetic_events_json(py: Python<'_>, customers: u64, seed: u64, months: u32) -> Vec<String> {
    py.detach(|| {
        population(customers, seed, months)
            .events()
            .map(|event| serde_json::to_string(&event).expect("events serialise"))
            .collect()
    })
}

/// A synthetic population's complaints as JSON texts (deterministic).
#[pyfunction]
#[pyo3(signature = (customers, seed=20261101, months=6))]
fn synthetic_complaints_json(py: Python<'_>, customers: u64, seed: u64, months: u32) -> Vec<String> {
    py.detach(|| {
        population(customers, seed, months)
            .complaints()
            .map(|complaint| serde_json::to_string(&complaint).expect("complaints serialise"))
            .collect()
    })
}

#[pymodule]
fn _custinsight(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("__version__", custinsight::VERSION)?;
    m.add("Error", py.get_type::<Error>())?;
    m.add("InvalidInputError", py.get_type::<InvalidInputError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("ModelFormatError", py.get_type::<ModelFormatError>())?;
    m.add("SnapshotFormatError", py.get_type::<SnapshotFormatError>())?;
    m.add("TrainingError", py.get_type::<TrainingError>())?;
    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(normalize_phone, m)?)?;
    m.add_function(wrap_pyfunction!(canonical_profile_json, m)?)?;
    m.add_function(wrap_pyfunction!(json_schemas, m)?)?;
    m.add_class::<ProfileBuilder>()?;
    m.add_class::<engine::Engine>()?;
    m.add_class::<engine::Classifier>()?;
    m.add_class::<engine::Evaluation>()?;
    m.add_function(wrap_pyfunction!(engine::holdout, m)?)?;
    m.add_function(wrap_pyfunction!(engine::cross_validate, m)?)?;
    m.add_function(wrap_pyfunction!(taxonomy_json, m)?)?;
    m.add_function(wrap_pyfunction!(engine::native_classify_batch_times, m)?)?;
    m.add_function(wrap_pyfunction!(engine::native_classify_one_seconds, m)?)?;
    m.add_function(wrap_pyfunction!(synthetic_events_json, m)?)?;
    m.add_function(wrap_pyfunction!(synthetic_complaints_json, m)?)?;
    Ok(())
}
