//! `analyze --checkpoint-dir`: the analytics state and the next offset of every partition,
//! written together, atomically, so a restarted `analyze` resumes exactly where the last
//! checkpoint was taken — no sale lost, none counted twice.
//!
//! A checkpoint is one file `checkpoint-<seq>.ckpt`: a seal line (format, version, the
//! length and FNV-1a checksum of everything after it), a header line (the topic, the
//! offsets, the event-time guard's state) and core's analytics snapshot (which carries its
//! own version, checksum and the query it was taken with). The seal covers the offsets:
//! a damaged digit there would resume at the wrong place without a word. It is written to a temporary file, synced, renamed into place
//! and the directory synced: a crash or a full disk while writing leaves the previous
//! checkpoint whole. The newest two are kept.
//!
//! Invariant: nothing is resumed from a checkpoint that does not match — another topic,
//! window shape, watermark delay, detection setting or format version is an error naming
//! the mismatch (`--checkpoint-reset` starts over on purpose).

use hopscope_core::pipeline::{Analytics, AnalyticsConfig};
use hopscope_core::window::guard::TimeGuard;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

const FORMAT: &str = "hopscope-checkpoint";
const VERSION: u32 = 1;
/// Checkpoints kept: the newest and the one before.
const KEEP: usize = 2;

/// The first line: what the file is, and the length and checksum of the rest.
#[derive(Serialize, Deserialize)]
struct Seal {
    format: String,
    version: u32,
    length: usize,
    checksum: String,
}

/// The second line: where the snapshot that follows it was taken.
#[derive(Serialize, Deserialize)]
struct Header {
    seq: u64,
    topic: String,
    /// Next offset to read, by partition.
    offsets: BTreeMap<u32, i64>,
    /// When it was written (ms since the epoch), for the reader.
    written_at: i64,
    guard: TimeGuard,
}

/// A checkpoint read back: where to resume and with what.
pub struct Resume {
    pub path: PathBuf,
    pub offsets: BTreeMap<u32, i64>,
    pub written_at: hopscope_core::Timestamp,
    pub analytics: Analytics,
    pub guard: TimeGuard,
}

/// The checkpoint directory of one `analyze` run.
pub struct Checkpoints {
    dir: PathBuf,
    topic: String,
    seq: u64,
}

use hopscope_core::snapshot::checksum as fnv;

/// Tests widen a moment — between writing a checkpoint and putting it in place
/// (`HOPSCOPE_TEST_CHECKPOINT_PAUSE_MS`), between a transaction's results and its commit
/// (`HOPSCOPE_TEST_TXN_PAUSE_MS`) — to kill the process there. Debug builds only.
pub fn test_pause(var: &str) {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var(var).ok().and_then(|v| v.parse::<u64>().ok()) {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
    #[cfg(not(debug_assertions))]
    let _ = var;
}

fn seq_of(path: &Path) -> Option<u64> {
    let name = path.file_name()?.to_str()?;
    name.strip_prefix("checkpoint-")?
        .strip_suffix(".ckpt")?
        .parse()
        .ok()
}

impl Checkpoints {
    /// Opens (creating) `dir` for `topic`; `reset` deletes the checkpoints there first.
    pub fn open(dir: &Path, topic: &str, reset: bool) -> Result<Checkpoints, String> {
        fs::create_dir_all(dir).map_err(|e| format!("--checkpoint-dir {}: {e}", dir.display()))?;
        let mut c = Checkpoints {
            dir: dir.to_path_buf(),
            topic: topic.to_string(),
            seq: 0,
        };
        if reset {
            for (_, p) in c.files()? {
                fs::remove_file(&p).map_err(|e| format!("{}: {e}", p.display()))?;
            }
        }
        c.seq = c.files()?.last().map_or(0, |(s, _)| *s);
        Ok(c)
    }

    /// The checkpoints in the directory, oldest first.
    fn files(&self) -> Result<Vec<(u64, PathBuf)>, String> {
        let mut out: Vec<(u64, PathBuf)> = fs::read_dir(&self.dir)
            .map_err(|e| format!("--checkpoint-dir {}: {e}", self.dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter_map(|p| seq_of(&p).map(|s| (s, p)))
            .collect();
        out.sort();
        Ok(out)
    }

    /// The newest checkpoint, restored with `config`; `None` when there is none. A
    /// checkpoint that cannot be resumed exactly is an error naming why.
    pub fn load(&self, config: &AnalyticsConfig) -> Result<Option<Resume>, String> {
        match self.files()?.pop() {
            Some((_, path)) => self.read(&path, config).map(Some),
            None => Ok(None),
        }
    }

    /// The checkpoint whose offsets are `committed` — the one the committed results of
    /// `--windows-out`/`--alerts-out` belong to (newest first; a newer one was written for
    /// a transaction that never committed). `None` when nothing committed yet.
    pub fn load_committed(
        &self,
        config: &AnalyticsConfig,
        committed: Option<&BTreeMap<u32, i64>>,
    ) -> Result<Option<Resume>, String> {
        let Some(committed) = committed else {
            return Ok(None);
        };
        for (_, path) in self.files()?.iter().rev() {
            let r = self.read(path, config)?;
            let matches = committed
                .iter()
                .all(|(p, o)| r.offsets.get(p).copied().unwrap_or(0) == *o);
            if matches {
                return Ok(Some(r));
            }
        }
        Err(format!(
            "no checkpoint in {} has the offsets the results were committed at ({}) — the directory belongs to another run; start over with --checkpoint-reset (and new results topics)",
            self.dir.display(),
            committed
                .iter()
                .map(|(p, o)| format!("{p}:{o}"))
                .collect::<Vec<_>>()
                .join(" ")
        ))
    }

    fn read(&self, path: &Path, config: &AnalyticsConfig) -> Result<Resume, String> {
        let path = path.to_path_buf();
        let bad = |why: String| {
            format!(
                "checkpoint {}: {why} — fix the options to match it, or start over with --checkpoint-reset",
                path.display()
            )
        };
        let bytes = fs::read(&path).map_err(|e| bad(e.to_string()))?;
        let line = |b: &[u8]| b.iter().position(|c| *c == b'\n');
        let split =
            line(&bytes).ok_or_else(|| bad("not a hopscope checkpoint (no seal line)".into()))?;
        let seal: Seal = serde_json::from_slice(&bytes[..split])
            .map_err(|e| bad(format!("not a hopscope checkpoint ({e})")))?;
        if seal.format != FORMAT {
            return Err(bad(format!(
                "not a hopscope checkpoint (format {:?})",
                seal.format
            )));
        }
        if seal.version != VERSION {
            return Err(bad(format!(
                "written by a hopscope with checkpoint format {}; this one reads {VERSION}",
                seal.version
            )));
        }
        let sealed = &bytes[split + 1..];
        if sealed.len() != seal.length {
            return Err(bad(format!(
                "truncated: {} bytes where it wrote {}",
                sealed.len(),
                seal.length
            )));
        }
        if fnv(sealed) != seal.checksum {
            return Err(bad("damaged: its checksum does not match".into()));
        }
        let split = line(sealed).ok_or_else(|| bad("no header line".into()))?;
        let header: Header = serde_json::from_slice(&sealed[..split])
            .map_err(|e| bad(format!("its header: {e}")))?;
        let body = &sealed[split + 1..];
        if header.topic != self.topic {
            return Err(bad(format!(
                "a checkpoint of topic {:?}, but this run reads topic {:?}",
                header.topic, self.topic
            )));
        }
        let analytics = Analytics::restore(config, body).map_err(|e| bad(e.to_string()))?;
        Ok(Resume {
            path,
            offsets: header.offsets,
            written_at: hopscope_core::Timestamp(header.written_at),
            analytics,
            guard: header.guard,
        })
    }

    /// Writes a checkpoint of `analytics` and `guard` at `offsets` (the next offset of every
    /// partition): temporary file, sync, rename, directory sync. On any failure the previous
    /// checkpoint is untouched. Older ones stay until [`Checkpoints::prune`]: with results
    /// topics the checkpoint to resume from is the last *committed* one, which may be older
    /// than several written ones (each run killed between its write and its commit adds
    /// one), so only a commit may let it go.
    pub fn save(
        &mut self,
        analytics: &Analytics,
        guard: &TimeGuard,
        offsets: &BTreeMap<u32, i64>,
        now: hopscope_core::Timestamp,
    ) -> Result<PathBuf, String> {
        let header = Header {
            seq: self.seq + 1,
            topic: self.topic.clone(),
            offsets: offsets.clone(),
            written_at: now.0,
            guard: guard.clone(),
        };
        let mut sealed = serde_json::to_vec(&header).map_err(|e| e.to_string())?;
        sealed.push(b'\n');
        sealed.extend_from_slice(&analytics.snapshot());
        let seal = Seal {
            format: FORMAT.into(),
            version: VERSION,
            length: sealed.len(),
            checksum: fnv(&sealed),
        };
        let tmp = self.dir.join("checkpoint.tmp");
        let path = self.dir.join(format!("checkpoint-{}.ckpt", header.seq));
        let write = || -> std::io::Result<()> {
            let mut f = fs::File::create(&tmp)?;
            serde_json::to_writer(&mut f, &seal)?;
            f.write_all(b"\n")?;
            f.write_all(&sealed)?;
            f.sync_all()?;
            drop(f);
            test_pause("HOPSCOPE_TEST_CHECKPOINT_PAUSE_MS");
            fs::rename(&tmp, &path)?;
            // The rename itself must survive a power cut.
            fs::File::open(&self.dir)?.sync_all()
        };
        if let Err(e) = write() {
            let _ = fs::remove_file(&tmp);
            return Err(format!(
                "checkpoint to {} failed: {e} (the previous checkpoint is kept)",
                self.dir.display()
            ));
        }
        self.seq = header.seq;
        Ok(path)
    }

    /// Deletes all but the newest [`KEEP`] checkpoints. Call it once the newest is the one
    /// a restart resumes from: at once without results topics, after the commit with them.
    pub fn prune(&self) {
        let Ok(files) = self.files() else {
            return;
        };
        for (_, old) in files.iter().take(files.len().saturating_sub(KEEP)) {
            let _ = fs::remove_file(old);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopscope_core::window::{EventTime, TimeMode, WindowConfig};
    use hopscope_core::Span;

    fn config(slide: i64) -> AnalyticsConfig {
        AnalyticsConfig {
            window: WindowConfig::hop(
                Span::seconds(60),
                Span::seconds(slide),
                TimeMode::Event(EventTime::per_partition(Span::seconds(2), None)),
            ),
            ..AnalyticsConfig::default()
        }
    }

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "hopscope-ckpt-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_checkpoint_resumes_its_state_and_offsets_and_refuses_what_does_not_match() {
        let d = dir();
        let a = Analytics::new(config(10)).unwrap();
        let mut c = Checkpoints::open(&d, "sales", false).unwrap();
        assert!(c.load(&config(10)).unwrap().is_none());
        let offsets = BTreeMap::from([(0, 17), (1, 4)]);
        for _ in 0..3 {
            c.save(
                &a,
                &TimeGuard::default(),
                &offsets,
                hopscope_core::Timestamp(5),
            )
            .unwrap();
            c.prune();
        }
        assert_eq!(c.files().unwrap().len(), KEEP, "the newest two are kept");
        let r = c.load(&config(10)).unwrap().unwrap();
        assert!(
            r.path.ends_with("checkpoint-3.ckpt"),
            "{}",
            r.path.display()
        );
        assert_eq!(r.offsets, offsets);
        // Another topic, another slide, damage, truncation: refused, named.
        let other = Checkpoints::open(&d, "orders", false).unwrap();
        let e = other.load(&config(10)).err().unwrap();
        assert!(
            e.contains("a checkpoint of topic \"sales\", but this run reads topic \"orders\""),
            "{e}"
        );
        let e = c.load(&config(5)).err().unwrap();
        assert!(
            e.contains("--slide 10s, but this run has --slide 5s"),
            "{e}"
        );
        let newest = r.path.clone();
        let bytes = fs::read(&newest).unwrap();
        fs::write(&newest, &bytes[..bytes.len() - 10]).unwrap();
        let e = c.load(&config(10)).err().unwrap();
        assert!(
            e.contains("truncated") && e.contains("--checkpoint-reset"),
            "{e}"
        );
        let mut flipped = bytes.clone();
        let i = bytes.len() - 40;
        flipped[i] ^= 1;
        fs::write(&newest, &flipped).unwrap();
        assert!(c.load(&config(10)).err().unwrap().contains("checksum"));
        // A damaged offset is damage too, not a resume at the wrong place.
        let text = String::from_utf8(bytes.clone()).unwrap();
        let moved = text.replacen("\"0\":17", "\"0\":71", 1);
        assert_ne!(moved, text);
        fs::write(&newest, moved).unwrap();
        assert!(c.load(&config(10)).err().unwrap().contains("checksum"));
        // Results topics: the committed checkpoint outlives any number of written ones
        // whose transactions never committed (runs killed between write and commit).
        let d2 = dir();
        let mut c2 = Checkpoints::open(&d2, "sales", false).unwrap();
        let committed = BTreeMap::from([(0, 5), (1, 5)]);
        let at = |o: i64| BTreeMap::from([(0, o), (1, o)]);
        for o in [3, 5] {
            c2.save(
                &a,
                &TimeGuard::default(),
                &at(o),
                hopscope_core::Timestamp(5),
            )
            .unwrap();
            c2.prune(); // committed
        }
        for o in [8, 9, 12] {
            // Each run: resumed from the committed one, wrote, killed before its commit.
            let mut run = Checkpoints::open(&d2, "sales", false).unwrap();
            let r = run.load_committed(&config(10), Some(&committed)).unwrap();
            assert_eq!(r.unwrap().offsets, committed);
            run.save(
                &a,
                &TimeGuard::default(),
                &at(o),
                hopscope_core::Timestamp(5),
            )
            .unwrap();
        }
        let run = Checkpoints::open(&d2, "sales", false).unwrap();
        let r = run.load_committed(&config(10), Some(&committed)).unwrap();
        assert_eq!(r.unwrap().offsets, committed);
        fs::remove_dir_all(&d2).unwrap();
        // Reset starts over on purpose.
        let c = Checkpoints::open(&d, "sales", true).unwrap();
        assert!(c.load(&config(10)).unwrap().is_none());
        fs::remove_dir_all(&d).unwrap();
    }
}
