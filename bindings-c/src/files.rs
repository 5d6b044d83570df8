//! File I/O for snapshots, models and configuration files. The core crate
//! does no I/O; this layer owns the files.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::boundary::Failure;
use crate::status::CustinsightStatus;

fn io_failure(action: &str, path: &Path, err: std::io::Error) -> Failure {
    Failure::new(
        CustinsightStatus::Io,
        format!("cannot {action} {}: {err}", path.display()),
    )
}

/// Reads a whole file.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    fs::read(path).map_err(|err| io_failure("read", path, err))
}

/// Replaces `path` with `bytes` atomically: the bytes go to a temporary file
/// in the same directory, which is flushed to disk and renamed over `path`;
/// then the directory itself is flushed so the rename survives a crash. A
/// crash at any point leaves either the previous file or the new one, never
/// a mix.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().ok_or_else(|| {
        Failure::new(
            CustinsightStatus::Io,
            format!("{} does not name a file", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut temp_name = name.to_os_string();
    temp_name.push(format!(
        ".tmp.{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let temp = dir.join(temp_name);
    let result = (|| {
        let mut file = File::create(&temp).map_err(|err| io_failure("create", &temp, err))?;
        file.write_all(bytes)
            .map_err(|err| io_failure("write", &temp, err))?;
        file.sync_all().map_err(|err| io_failure("flush", &temp, err))?;
        drop(file);
        fs::rename(&temp, path).map_err(|err| io_failure("replace", path, err))?;
        File::open(&dir)
            .and_then(|dir| dir.sync_all())
            .map_err(|err| io_failure("flush directory", &dir, err))
    })();
    if result.is_err() {
        // Best effort: the temporary file may not exist.
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("custinsight-ffi-files-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("snapshot.bin");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(read(&path).unwrap(), b"second");
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("snapshot.bin")]);
        let err = write_atomically(&dir.join("missing/x.bin"), b"x").unwrap_err();
        assert_eq!(err.status(), CustinsightStatus::Io);
        fs::remove_dir_all(&dir).unwrap();
    }
}
