//! The versioned, checksummed container of every saved artefact (classifier
//! and churn models, repeat-complaint history snapshots).
//!
//! Layout, little-endian:
//!
//! | bytes | content |
//! |---|---|
//! | 4 | magic `CSIN` |
//! | 4 | artefact kind, e.g. `CLSF` |
//! | 4 | format version of that kind |
//! | 8 | payload length |
//! | n | payload |
//! | 4 | CRC-32 of everything before it |
//!
//! Opening checks each part in turn, so a truncated file, a corrupted byte,
//! a file of another kind and a file from a newer release each get their own
//! message.

use crate::error::{Error, Result};

const MAGIC: &[u8; 4] = b"CSIN";
const HEADER_LEN: usize = 4 + 4 + 4 + 8;
const TRAILER_LEN: usize = 4;

/// What a container holds and in which format version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ArtefactKind {
    /// Four ASCII bytes naming the artefact.
    pub tag: [u8; 4],
    /// Human name for messages, e.g. `classifier model`.
    pub name: &'static str,
    /// Current format version; older ones may still be readable.
    pub version: u32,
    /// Whether a failure is a model or a snapshot error.
    pub is_snapshot: bool,
}

impl ArtefactKind {
    fn error(&self, reason: String) -> Error {
        if self.is_snapshot {
            Error::SnapshotFormat { reason }
        } else {
            Error::ModelFormat { reason }
        }
    }

    /// Wraps `payload` in a container of this kind.
    pub fn seal(&self, payload: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(HEADER_LEN + payload.len() + TRAILER_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.tag);
        out.extend_from_slice(&self.version.to_le_bytes());
        out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        out.extend_from_slice(payload);
        let crc = crc32fast::hash(&out);
        out.extend_from_slice(&crc.to_le_bytes());
        out
    }

    /// Checks a container of this kind and returns its format version and
    /// payload.
    ///
    /// # Errors
    /// [`Error::ModelFormat`] or [`Error::SnapshotFormat`] saying whether the
    /// bytes are truncated, corrupted, of another kind or of an unsupported
    /// version.
    pub fn open<'a>(&self, bytes: &'a [u8], readable_versions: &[u32]) -> Result<(u32, &'a [u8])> {
        let name = self.name;
        if bytes.len() < HEADER_LEN + TRAILER_LEN {
            return Err(self.error(format!(
                "{name} is truncated: {} bytes, a header and checksum alone take {}",
                bytes.len(),
                HEADER_LEN + TRAILER_LEN
            )));
        }
        if &bytes[0..4] != MAGIC {
            return Err(self.error(format!("not a custinsight file (expected a {name})")));
        }
        if bytes[4..8] != self.tag {
            return Err(self.error(format!(
                "expected a {name} (kind {}), found kind {}",
                String::from_utf8_lossy(&self.tag),
                String::from_utf8_lossy(&bytes[4..8])
            )));
        }
        let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
        let declared = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
        let available = (bytes.len() - HEADER_LEN - TRAILER_LEN) as u64;
        if declared != available {
            return Err(self.error(if declared > available {
                format!("{name} is truncated: header says {declared} payload bytes, {available} present")
            } else {
                format!("{name} has {} unexpected trailing bytes", available - declared)
            }));
        }
        let body_end = bytes.len() - TRAILER_LEN;
        let stored = u32::from_le_bytes(bytes[body_end..].try_into().expect("4 bytes"));
        let computed = crc32fast::hash(&bytes[..body_end]);
        if stored != computed {
            return Err(self.error(format!(
                "{name} is corrupted: checksum {computed:08x} does not match stored {stored:08x}"
            )));
        }
        if !readable_versions.contains(&version) {
            return Err(self.error(format!(
                "{name} format version {version} is not supported by this release (reads {readable_versions:?})"
            )));
        }
        Ok((version, &bytes[HEADER_LEN..body_end]))
    }

    /// Seals a serde value, encoded with postcard.
    pub fn seal_value<T: serde::Serialize>(&self, value: &T) -> Vec<u8> {
        let payload = postcard::to_stdvec(value).expect("in-memory encoding of owned data cannot fail");
        self.seal(&payload)
    }

    /// Opens a container sealed by [`ArtefactKind::seal_value`] at the
    /// current version.
    ///
    /// # Errors
    /// As [`ArtefactKind::open`], or when the payload does not decode.
    pub fn open_value<T: serde::de::DeserializeOwned>(&self, bytes: &[u8]) -> Result<T> {
        let (_, payload) = self.open(bytes, &[self.version])?;
        self.decode(payload)
    }

    /// Decodes a payload returned by [`ArtefactKind::open`].
    ///
    /// # Errors
    /// This kind's format error when the payload does not decode.
    pub fn decode<T: serde::de::DeserializeOwned>(&self, payload: &[u8]) -> Result<T> {
        postcard::from_bytes(payload)
            .map_err(|err| self.error(format!("{} payload does not decode: {err}", self.name)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: ArtefactKind = ArtefactKind {
        tag: *b"TEST",
        name: "test artefact",
        version: 2,
        is_snapshot: false,
    };

    #[test]
    fn round_trip() {
        let sealed = KIND.seal_value(&vec![1u32, 2, 3]);
        assert_eq!(KIND.open_value::<Vec<u32>>(&sealed).unwrap(), vec![1, 2, 3]);
    }

    #[test]
    fn every_truncation_and_every_flipped_byte_is_rejected() {
        let sealed = KIND.seal(b"payload bytes");
        for len in 0..sealed.len() {
            let err = KIND.open(&sealed[..len], &[2]).unwrap_err();
            assert!(matches!(err, Error::ModelFormat { .. }), "{err}");
        }
        for index in 0..sealed.len() {
            let mut corrupted = sealed.clone();
            corrupted[index] ^= 0x40;
            assert!(KIND.open(&corrupted, &[2]).is_err(), "flip at {index} accepted");
        }
    }

    #[test]
    fn messages_say_what_is_wrong() {
        let sealed = KIND.seal(b"abc");
        let truncated = KIND
            .open(&sealed[..sealed.len() - 1], &[2])
            .unwrap_err()
            .to_string();
        assert!(truncated.contains("truncated"), "{truncated}");
        let mut flipped = sealed.clone();
        flipped[21] ^= 1;
        assert!(KIND
            .open(&flipped, &[2])
            .unwrap_err()
            .to_string()
            .contains("corrupted"));
        let other = ArtefactKind {
            tag: *b"OTHR",
            ..KIND
        }
        .seal(b"abc");
        assert!(KIND
            .open(&other, &[2])
            .unwrap_err()
            .to_string()
            .contains("found kind OTHR"));
        assert!(KIND
            .open(&sealed, &[1])
            .unwrap_err()
            .to_string()
            .contains("version 2"));
        let snapshot = ArtefactKind {
            is_snapshot: true,
            ..KIND
        };
        assert!(matches!(
            snapshot.open(b"xx", &[2]),
            Err(Error::SnapshotFormat { .. })
        ));
    }
}
