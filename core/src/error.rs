//! The crate's one error type.
//!
//! [`Error`] carries a message that names what was wrong and where (a field
//! path such as `events[3].payload.balance`, a row, a byte offset). Callers
//! that need to branch use [`Error::kind`], whose [`ErrorKind`] is the
//! cross-language contract: the C layer maps each kind to one stable status
//! code and the Python layer to one exception class.

use std::fmt;

/// What went wrong, and where.
///
/// Every variant's message names the offending field, row or offset, so it can
/// be shown to an operator as it is.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A value was well-formed JSON (or a well-typed Rust value) but breaks a
    /// rule of the domain: a negative fee, a close time before the receive
    /// time, a malformed phone number.
    #[error("invalid {field}: {reason}")]
    InvalidField {
        /// Path of the offending field, e.g. `account.recurring_fee`.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Input could not be parsed: malformed JSON, an unknown enum value, a
    /// missing required field.
    #[error("cannot parse {what} at {location}: {reason}")]
    Parse {
        /// What was being parsed, e.g. `profile JSON`.
        what: String,
        /// Field path and/or line and column of the problem.
        location: String,
        /// The parser's explanation.
        reason: String,
    },
    /// A configuration value is missing, out of range or inconsistent.
    #[error("invalid configuration {field}: {reason}")]
    Config {
        /// Path of the offending configuration key.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A saved model is truncated, corrupted, of another version or of
    /// another kind.
    #[error("model format: {reason}")]
    ModelFormat {
        /// What is wrong with the bytes.
        reason: String,
    },
    /// A saved history snapshot is truncated, corrupted or of another version.
    #[error("snapshot format: {reason}")]
    SnapshotFormat {
        /// What is wrong with the bytes.
        reason: String,
    },
    /// Training could not proceed (too few examples, a single class, ...).
    #[error("training: {reason}")]
    Training {
        /// Why training could not proceed.
        reason: String,
    },
}

/// The category of an [`Error`], stable across releases and languages.
///
/// New kinds may be added; existing kinds are never renumbered or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input breaks a domain rule or cannot be parsed.
    InvalidInput,
    /// The configuration is invalid.
    Config,
    /// A saved model cannot be read.
    ModelFormat,
    /// A saved snapshot cannot be read.
    SnapshotFormat,
    /// Training failed.
    Training,
}

impl ErrorKind {
    /// A short stable name, e.g. `"invalid_input"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Config => "config",
            ErrorKind::ModelFormat => "model_format",
            ErrorKind::SnapshotFormat => "snapshot_format",
            ErrorKind::Training => "training",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Error {
    /// The error's category.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidField { .. } | Error::Parse { .. } => ErrorKind::InvalidInput,
            Error::Config { .. } => ErrorKind::Config,
            Error::ModelFormat { .. } => ErrorKind::ModelFormat,
            Error::SnapshotFormat { .. } => ErrorKind::SnapshotFormat,
            Error::Training { .. } => ErrorKind::Training,
        }
    }

    /// Shorthand for [`Error::InvalidField`].
    pub fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::InvalidField {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for [`Error::Config`].
    pub fn config(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Config {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Prefixes the field path of an [`Error::InvalidField`] or
    /// [`Error::Config`] with `parent`, so a nested validator's error names
    /// the full path (`complaints[2].closed_at`).
    pub fn within(self, parent: &str) -> Self {
        let join = |field: String| {
            if field.starts_with('[') {
                format!("{parent}{field}")
            } else {
                format!("{parent}.{field}")
            }
        };
        match self {
            Error::InvalidField { field, reason } => Error::InvalidField {
                field: join(field),
                reason,
            },
            Error::Config { field, reason } => Error::Config {
                field: join(field),
                reason,
            },
            other => other,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Parses JSON into `T`, reporting the path of the offending field as well as
/// the line and column, e.g. `account.status (line 4, column 15)`.
///
/// # Errors
/// [`Error::Parse`] when the text is not valid JSON for `T`.
pub fn from_json<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> Result<T> {
    // Tracking the path costs on every field; valid input (nearly all of it)
    // takes the plain parser, and only a failure is parsed again to say where.
    if let Ok(value) = serde_json::from_str(json) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        Error::Parse {
            what: what.to_owned(),
            location: format!("{} (line {}, column {})", path, inner.line(), inner.column()),
            reason: strip_position(&inner.to_string()),
        }
    })?;
    de.end().map_err(|err| Error::Parse {
        what: what.to_owned(),
        location: format!("line {}, column {}", err.line(), err.column()),
        reason: strip_position(&err.to_string()),
    })?;
    Ok(value)
}

/// serde_json appends " at line L column C" to its messages; we report the
/// position separately, so drop the duplicate.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn within_prefixes_field_paths() {
        let err = Error::invalid("closed_at", "before received_at").within("complaints[2]");
        assert_eq!(
            err.to_string(),
            "invalid complaints[2].closed_at: before received_at"
        );
        let err = Error::invalid("[1]", "malformed").within("phones");
        assert_eq!(err.to_string(), "invalid phones[1]: malformed");
    }

    #[test]
    fn parse_errors_name_the_field() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Outer {
            inner: Inner,
        }
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct Inner {
            count: u32,
        }
        let err = from_json::<Outer>("test JSON", "{\"inner\": {\"count\": -1}}").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        let text = err.to_string();
        assert!(text.contains("inner.count"), "{text}");
        assert!(text.contains("line 1"), "{text}");
    }
}
