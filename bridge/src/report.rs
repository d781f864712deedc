//! What becomes of records that are not windowed, said at a pace a terminal can take.
//!
//! Per-record messages (invalid, late, dropped, quarantined) print in full for the first
//! [`DETAILS`] of each kind; after that they are counted and one summary line per
//! [`INTERVAL`] says how many more came — a million late records make a handful of lines, not
//! a million. Every record that was not windowed (invalid, quarantined, dropped as late) also
//! goes, unchanged, to the dead-letter file when one is given, in a JSON envelope with the
//! reason, where it was, and the watermark at the time.

use hopscope_core::Timestamp;
use rdkafka::producer::Producer;
use std::io::{self, Write};
use std::time::{Duration, Instant};

/// Messages shown in full per kind before the summaries take over.
pub const DETAILS: u64 = 10;
/// How often a summary of what was not shown is printed.
pub const INTERVAL: Duration = Duration::from_secs(10);

/// The kinds of per-record message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Invalid,
    Late,
    Dropped,
    Quarantined,
    Jump,
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Invalid,
        Kind::Late,
        Kind::Dropped,
        Kind::Quarantined,
        Kind::Jump,
    ];

    fn plural(self) -> &'static str {
        match self {
            Kind::Invalid => "invalid records",
            Kind::Late => "late sales that joined their unfired windows",
            Kind::Dropped => "late sales dropped",
            Kind::Quarantined => "records quarantined",
            Kind::Jump => "watermark jumps",
        }
    }
}

/// Where a record came from.
pub enum At<'a> {
    /// A line of a file (named when there are several inputs).
    Line {
        file: Option<&'a str>,
        number: u64,
    },
    /// A row of a Parquet file.
    Row {
        file: Option<&'a str>,
        number: u64,
    },
    Offset {
        partition: u32,
        offset: i64,
    },
    #[allow(dead_code)] // for sources without positions
    Unknown(&'a str),
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            At::Line { file: None, number } => write!(f, "line {number}"),
            At::Line {
                file: Some(file),
                number,
            } => write!(f, "{file} line {number}"),
            At::Row { file: None, number } => write!(f, "row {number}"),
            At::Row {
                file: Some(file),
                number,
            } => write!(f, "{file} row {number}"),
            At::Offset { partition, offset } => write!(f, "partition {partition} offset {offset}"),
            At::Unknown(s) => f.write_str(s),
        }
    }
}

/// A dead-letter topic: every record not windowed, unchanged (key and value), with why in
/// its headers, as Kafka Connect's `errors.deadletterqueue.topic.name` does.
pub struct DeadTopic {
    pub producer: crate::kafka::producer::PolledProducer<crate::kafka::Watch>,
    pub topic: String,
    /// The topic the records came from (a header).
    pub source: String,
}

/// Rate-limited messages and the dead letters (a file, a topic, or both).
pub struct Reporter {
    shown: [u64; 5],
    /// Counted since the last summary, per kind.
    unshown: [u64; 5],
    last_summary: Instant,
    dead: Option<Box<dyn Write>>,
    pub dead_topic: Option<DeadTopic>,
    pub dead_letters: u64,
}

impl Reporter {
    pub fn new(dead: Option<Box<dyn Write>>) -> Reporter {
        Reporter {
            shown: [0; 5],
            unshown: [0; 5],
            last_summary: Instant::now(),
            dead,
            dead_topic: None,
            dead_letters: 0,
        }
    }

    /// Opens `--dead-letter FILE` (created or truncated).
    pub fn to_file(path: Option<&std::path::Path>) -> io::Result<Reporter> {
        let dead = match path {
            None => None,
            Some(p) => Some(
                Box::new(io::BufWriter::new(std::fs::File::create(p).map_err(
                    |e| io::Error::new(e.kind(), format!("--dead-letter {}: {e}", p.display())),
                )?)) as Box<dyn Write>,
            ),
        };
        Ok(Reporter::new(dead))
    }

    /// One message of `kind`: printed while under the limit, else counted for the summary.
    pub fn say(&mut self, kind: Kind, message: impl FnOnce() -> String) {
        let k = kind as usize;
        if self.shown[k] < DETAILS {
            self.shown[k] += 1;
            eprintln!("hopscope: {}", message());
            if self.shown[k] == DETAILS {
                eprintln!(
                    "hopscope: (the first {DETAILS} {} are shown; more are counted, with a summary every {} s)",
                    kind.plural(),
                    INTERVAL.as_secs()
                );
            }
        } else {
            self.unshown[k] += 1;
        }
        if self.last_summary.elapsed() >= INTERVAL {
            self.summary();
        }
    }

    /// Prints what was counted and not shown since the last summary.
    pub fn summary(&mut self) {
        self.last_summary = Instant::now();
        let parts: Vec<String> = Kind::ALL
            .iter()
            .filter(|k| self.unshown[**k as usize] > 0)
            .map(|k| format!("{} more {}", self.unshown[*k as usize], k.plural()))
            .collect();
        if !parts.is_empty() {
            eprintln!("hopscope: … and {} (not shown)", parts.join(", "));
        }
        self.unshown = [0; 5];
    }

    /// A record that was not windowed, to the dead letters (if any).
    pub fn dead_letter(
        &mut self,
        reason: &str,
        detail: &str,
        at: &At<'_>,
        watermark: Option<Timestamp>,
        raw: &[u8],
    ) -> io::Result<()> {
        self.dead_letter_keyed(reason, detail, at, watermark, raw, None)
    }

    /// [`dead_letter`](Self::dead_letter) with the record's Kafka key.
    pub fn dead_letter_keyed(
        &mut self,
        reason: &str,
        detail: &str,
        at: &At<'_>,
        watermark: Option<Timestamp>,
        raw: &[u8],
        key: Option<&[u8]>,
    ) -> io::Result<()> {
        if let Some(t) = self.dead_topic.as_ref() {
            t.send(reason, detail, at, watermark, raw, key)?;
            if self.dead.is_none() {
                self.dead_letters += 1;
            }
        }
        let Some(w) = self.dead.as_mut() else {
            return Ok(());
        };
        let mut env = serde_json::Map::new();
        env.insert("reason".into(), reason.into());
        env.insert("detail".into(), detail.into());
        match at {
            At::Line { file, number } => {
                if let Some(file) = file {
                    env.insert("file".into(), (*file).into());
                }
                env.insert("line".into(), (*number).into());
            }
            At::Row { file, number } => {
                if let Some(file) = file {
                    env.insert("file".into(), (*file).into());
                }
                env.insert("row".into(), (*number).into());
            }
            At::Offset { partition, offset } => {
                env.insert("partition".into(), (*partition).into());
                env.insert("offset".into(), (*offset).into());
            }
            At::Unknown(s) => {
                env.insert("at".into(), (*s).into());
            }
        }
        env.insert(
            "watermark".into(),
            watermark.map_or(serde_json::Value::Null, |t| t.to_iso().into()),
        );
        // The record unchanged: as text when it is UTF-8, else its bytes in base64.
        match std::str::from_utf8(raw) {
            Ok(text) => env.insert("record".into(), text.into()),
            Err(_) => env.insert("record_base64".into(), base64(raw).into()),
        };
        serde_json::to_writer(&mut *w, &env)?;
        w.write_all(b"\n")?;
        self.dead_letters += 1;
        Ok(())
    }

    /// Flushes the dead letters and prints the last summary.
    pub fn finish(&mut self) -> io::Result<()> {
        self.summary();
        if let Some(w) = self.dead.as_mut() {
            w.flush()?;
        }
        if let Some(t) = self.dead_topic.as_ref() {
            t.producer
                .flush(Duration::from_secs(30))
                .map_err(|e| io::Error::other(format!("dead-letter topic {}: {e}", t.topic)))?;
            let lost = t.producer.context().undelivered();
            if lost > 0 {
                return Err(io::Error::other(format!(
                    "dead-letter topic {}: {lost} records were not delivered{}",
                    t.topic,
                    t.producer
                        .context()
                        .cause()
                        .map(|c| format!(" ({})", c.message()))
                        .unwrap_or_default()
                )));
            }
        }
        Ok(())
    }
}

impl DeadTopic {
    /// One dead letter: the record unchanged, the reason and its origin in headers.
    pub fn send(
        &self,
        reason: &str,
        detail: &str,
        at: &At<'_>,
        watermark: Option<Timestamp>,
        raw: &[u8],
        key: Option<&[u8]>,
    ) -> io::Result<()> {
        let t = self;
        use rdkafka::message::{Header, OwnedHeaders};
        use rdkafka::producer::BaseRecord;
        let (partition, offset) = match at {
            At::Offset { partition, offset } => (partition.to_string(), offset.to_string()),
            _ => (String::new(), String::new()),
        };
        let watermark = watermark.map(|w| w.to_iso()).unwrap_or_default();
        let headers = OwnedHeaders::new()
            .insert(Header {
                key: "hopscope.reason",
                value: Some(reason),
            })
            .insert(Header {
                key: "hopscope.detail",
                value: Some(detail),
            })
            .insert(Header {
                key: "hopscope.source.topic",
                value: Some(t.source.as_str()),
            })
            .insert(Header {
                key: "hopscope.source.partition",
                value: Some(partition.as_str()),
            })
            .insert(Header {
                key: "hopscope.source.offset",
                value: Some(offset.as_str()),
            })
            .insert(Header {
                key: "hopscope.watermark",
                value: Some(watermark.as_str()),
            });
        let mut record = BaseRecord::<[u8], [u8]>::to(&t.topic)
            .payload(raw)
            .headers(headers);
        if let Some(k) = key {
            record = record.key(k);
        }
        loop {
            match t.producer.send(record) {
                Ok(()) => break,
                Err((
                    rdkafka::error::KafkaError::MessageProduction(
                        rdkafka::types::RDKafkaErrorCode::QueueFull,
                    ),
                    r,
                )) => {
                    // The producer's event thread frees room as reports come back.
                    record = r;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((e, _)) => {
                    return Err(io::Error::other(format!(
                        "dead-letter topic {}: {e}",
                        t.topic
                    )))
                }
            }
        }
        Ok(())
    }
}

fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(&[0xff, 0xfe, 0x00]), "//4A");
    }
}
