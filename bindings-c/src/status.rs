//! Status codes: the C face of `custinsight::ErrorKind`.

use std::ffi::c_char;

use custinsight::ErrorKind;

/// The outcome of a custinsight call. The numbers are stable: codes are
/// never renumbered, retired codes are never reused.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CustinsightStatus {
    /// Success; outputs were written.
    Ok = 0,
    /// The input breaks a rule or cannot be parsed; the message names the field.
    InvalidInput = 1,
    /// The configuration is invalid.
    Config = 2,
    /// A saved model is truncated, corrupted or of another version.
    ModelFormat = 3,
    /// A saved snapshot is truncated, corrupted or of another version.
    SnapshotFormat = 4,
    /// Training failed.
    Training = 5,
    /// A file could not be read or written.
    Io = 6,
    /// A required pointer argument was NULL.
    NullArgument = 100,
    /// A string argument was not valid UTF-8.
    InvalidUtf8 = 101,
    /// A caller-provided buffer was too small; the message says how large it must be.
    BufferTooSmall = 102,
    /// An input was larger than the configured limit (see
    /// `custinsight_engine_builder_max_input_bytes`).
    InputTooLarge = 103,
    /// The library failed internally (a bug); the message says where. The
    /// objects passed in stay usable.
    Internal = 200,
}

impl From<ErrorKind> for CustinsightStatus {
    fn from(kind: ErrorKind) -> Self {
        match kind {
            ErrorKind::InvalidInput => CustinsightStatus::InvalidInput,
            ErrorKind::Config => CustinsightStatus::Config,
            ErrorKind::ModelFormat => CustinsightStatus::ModelFormat,
            ErrorKind::SnapshotFormat => CustinsightStatus::SnapshotFormat,
            ErrorKind::Training => CustinsightStatus::Training,
            // ErrorKind is non-exhaustive: a kind added to the core before
            // this layer knows it still reaches the caller as an error.
            _ => CustinsightStatus::Internal,
        }
    }
}

impl CustinsightStatus {
    fn name(self) -> &'static [u8] {
        match self {
            CustinsightStatus::Ok => b"ok\0",
            CustinsightStatus::InvalidInput => b"invalid_input\0",
            CustinsightStatus::Config => b"config\0",
            CustinsightStatus::ModelFormat => b"model_format\0",
            CustinsightStatus::SnapshotFormat => b"snapshot_format\0",
            CustinsightStatus::Training => b"training\0",
            CustinsightStatus::Io => b"io\0",
            CustinsightStatus::NullArgument => b"null_argument\0",
            CustinsightStatus::InvalidUtf8 => b"invalid_utf8\0",
            CustinsightStatus::BufferTooSmall => b"buffer_too_small\0",
            CustinsightStatus::InputTooLarge => b"input_too_large\0",
            CustinsightStatus::Internal => b"internal\0",
        }
    }
}

/// The static name of a status code, e.g. `"invalid_input"`; `"unknown"`
/// for a number that is not a status code. Do not free it.
#[no_mangle]
pub extern "C" fn custinsight_status_name(status: i32) -> *const c_char {
    const ALL: [CustinsightStatus; 12] = [
        CustinsightStatus::Ok,
        CustinsightStatus::InvalidInput,
        CustinsightStatus::Config,
        CustinsightStatus::ModelFormat,
        CustinsightStatus::SnapshotFormat,
        CustinsightStatus::Training,
        CustinsightStatus::Io,
        CustinsightStatus::NullArgument,
        CustinsightStatus::InvalidUtf8,
        CustinsightStatus::BufferTooSmall,
        CustinsightStatus::InputTooLarge,
        CustinsightStatus::Internal,
    ];
    let name = ALL
        .into_iter()
        .find(|code| *code as i32 == status)
        .map_or(&b"unknown\0"[..], CustinsightStatus::name);
    name.as_ptr().cast()
}
