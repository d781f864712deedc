//! Snapshots of the analytics state, for checkpoints: [`Analytics::snapshot`] and
//! [`Analytics::restore`] are pure functions of the state — no clock, no file, no offsets
//! (the caller stores those beside the snapshot).
//!
//! Invariant (*restore is invisible*): for any state `s` and any continuation (sales,
//! clock moves, partitions declared or finished, the end of input), `restore(snapshot(s))`
//! produces exactly the outputs `s` produces. Proven by `core/tests/snapshot.rs` against
//! uninterrupted runs.
//!
//! The snapshot is a header line — format name, version, the state's length and checksum
//! (FNV-1a, 64 bits: a flipped byte inside a product name is still valid JSON, so parsing
//! alone would not notice it) — and the state as JSON (readable when something goes wrong;
//! its size is O(panes + keys)). Restoring checks all of that, and that the snapshot was taken with
//! the same query as the one restoring it — a checkpoint of another window shape,
//! watermark delay or detection setting is refused with the setting named, never resumed
//! silently wrong.

use crate::pipeline::{Analytics, AnalyticsConfig};
use crate::window::{TimeMode, WindowConfig};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The snapshot format's name.
pub const FORMAT: &str = "hopscope-analytics";
/// The snapshot format's version: bumped whenever the state's shape changes.
pub const VERSION: u32 = 2;

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    /// Bytes of the state after the header line.
    length: usize,
    /// FNV-1a (64 bits) of those bytes, in hex.
    checksum: String,
}

/// FNV-1a, 64 bits, in hex: cheap, and any flipped byte changes it. (The bridge's
/// checkpoint files and transactional ids use it too.)
pub fn checksum(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// Why a snapshot could not be restored.
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreError {
    pub kind: RestoreErrorKind,
}

#[derive(Clone, Debug, PartialEq)]
// New kinds may come: matches outside core need a catch-all arm (as globset's).
#[non_exhaustive]
pub enum RestoreErrorKind {
    /// Not a snapshot at all, or a damaged one.
    NotASnapshot(String),
    /// A snapshot of another version of the format.
    Version { found: u32, expected: u32 },
    /// Taken with another query: the first setting that differs, as (name, snapshot's,
    /// the one restoring).
    Mismatch {
        setting: &'static str,
        snapshot: String,
        given: String,
    },
}

impl fmt::Display for RestoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RestoreErrorKind::NotASnapshot(e) => {
                write!(f, "not a hopscope analytics snapshot: {e}")
            }
            RestoreErrorKind::Version { found, expected } => write!(
                f,
                "a snapshot of format version {found}; this hopscope reads version {expected}"
            ),
            RestoreErrorKind::Mismatch {
                setting,
                snapshot,
                given,
            } => write!(
                f,
                "taken with {setting} {snapshot}, but this run has {setting} {given}"
            ),
        }
    }
}

impl std::error::Error for RestoreError {}

impl Analytics {
    /// The whole state as bytes (see the module doc). Take it between records, after
    /// polling every output: outputs not yet polled are in it and come out again after a
    /// restore.
    pub fn snapshot(&self) -> Vec<u8> {
        let state = serde_json::to_vec(self).expect("the analytics state serializes");
        let header = Header {
            format: FORMAT.into(),
            version: VERSION,
            length: state.len(),
            checksum: checksum(&state),
        };
        let mut out = serde_json::to_vec(&header).expect("a header serializes");
        out.push(b'\n');
        out.extend_from_slice(&state);
        out
    }

    /// The state a [`snapshot`](Analytics::snapshot) holds, if it was taken with `config`.
    pub fn restore(config: &AnalyticsConfig, bytes: &[u8]) -> Result<Analytics, RestoreError> {
        let err = |kind| RestoreError { kind };
        let not = |e: String| err(RestoreErrorKind::NotASnapshot(e));
        let split = bytes
            .iter()
            .position(|b| *b == b'\n')
            .ok_or_else(|| not("no header line".into()))?;
        let (head, state) = (&bytes[..split], &bytes[split + 1..]);
        let header: Header =
            serde_json::from_slice(head).map_err(|e| not(format!("its header: {e}")))?;
        if header.format != FORMAT {
            return Err(err(RestoreErrorKind::NotASnapshot(format!(
                "its format is {:?}",
                header.format
            ))));
        }
        if header.version != VERSION {
            return Err(err(RestoreErrorKind::Version {
                found: header.version,
                expected: VERSION,
            }));
        }
        if state.len() != header.length {
            return Err(not(format!(
                "truncated: {} bytes of state where it wrote {}",
                state.len(),
                header.length
            )));
        }
        if checksum(state) != header.checksum {
            return Err(not("damaged: its checksum does not match".into()));
        }
        let state: Analytics =
            serde_json::from_slice(state).map_err(|e| not(format!("its state: {e}")))?;
        if let Some((setting, snapshot, given)) =
            window_mismatch(state.engine().config(), &config.window)
        {
            return Err(err(RestoreErrorKind::Mismatch {
                setting,
                snapshot,
                given,
            }));
        }
        if state.detect_config() != &config.detect {
            return Err(err(RestoreErrorKind::Mismatch {
                setting: "detection settings",
                snapshot: format!("{:?}", state.detect_config()),
                given: format!("{:?}", config.detect),
            }));
        }
        if state.cooldown().config() != &config.cooldown {
            return Err(err(RestoreErrorKind::Mismatch {
                setting: "cooldown settings",
                snapshot: format!("{:?}", state.cooldown().config()),
                given: format!("{:?}", config.cooldown),
            }));
        }
        Ok(state)
    }
}

/// The first window setting that differs: (name, snapshot's, given).
fn window_mismatch(s: &WindowConfig, g: &WindowConfig) -> Option<(&'static str, String, String)> {
    let time = |c: &WindowConfig| match c.time {
        TimeMode::Processing => "processing".to_string(),
        TimeMode::Event(_) => "event".to_string(),
    };
    let delay = |c: &WindowConfig| match c.time {
        TimeMode::Event(e) => e.delay.to_string(),
        TimeMode::Processing => "none".into(),
    };
    let scope = |c: &WindowConfig| match c.time {
        TimeMode::Event(e) => format!("{:?}", e.scope),
        TimeMode::Processing => "none".into(),
    };
    let idle = |c: &WindowConfig| match c.time {
        TimeMode::Event(e) => e.idle_timeout.map_or("none".into(), |s| s.to_string()),
        TimeMode::Processing => "none".into(),
    };
    let fields: [(&'static str, String, String); 8] = [
        ("--size", s.size.to_string(), g.size.to_string()),
        ("--slide", s.slide.to_string(), g.slide.to_string()),
        ("--time", time(s), time(g)),
        ("--watermark-delay", delay(s), delay(g)),
        ("watermarks per", scope(s), scope(g)),
        ("--idle-timeout", idle(s), idle(g)),
        (
            "--partitions",
            s.partitions.to_string(),
            g.partitions.to_string(),
        ),
        ("top-N lists of", s.top_n.to_string(), g.top_n.to_string()),
    ];
    fields.into_iter().find(|(_, a, b)| a != b).or_else(|| {
        (s.emit_empty != g.emit_empty).then(|| {
            (
                "--emit-empty",
                s.emit_empty.to_string(),
                g.emit_empty.to_string(),
            )
        })
    })
}
