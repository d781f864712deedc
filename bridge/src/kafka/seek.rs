//! Where a read of a topic starts and ends: `--from` (latest, earliest, warm, a duration
//! ago, a time — found with Kafka's offsets-for-times on the record timestamps), a
//! checkpoint's offsets, and `--until end`. `analyze` assigns its consumer here; `serve`'s
//! replays look times up with the same [`offsets_for_time`].

use rdkafka::consumer::Consumer;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::time::Duration;

/// Where a live read starts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum StartAt {
    Latest,
    Earliest,
    Warm,
    Ago(hopscope_core::Span),
    At(hopscope_core::Timestamp),
}

impl StartAt {
    pub fn parse(text: &str) -> Result<StartAt, String> {
        match text.trim() {
            "latest" => Ok(StartAt::Latest),
            "earliest" => Ok(StartAt::Earliest),
            "warm" => Ok(StartAt::Warm),
            t if t.contains('T') || t.matches('-').count() >= 2 => {
                hopscope_core::Timestamp::parse_iso(t)
                    .map(StartAt::At)
                    .map_err(|e| format!("{t:?} is not an ISO time: {e}"))
            }
            t => hopscope_core::Span::parse(t)
                .map(StartAt::Ago)
                .map_err(|e| format!("{e}; or use latest, earliest, warm or an ISO time")),
        }
    }

    /// The record timestamp to seek to, if this start is a time: `warm` is one window
    /// (`size`) and the watermark delay (`delay`, zero in processing time) before `now`.
    pub fn time(
        self,
        now: hopscope_core::Timestamp,
        size: hopscope_core::Span,
        delay: hopscope_core::Span,
    ) -> Option<hopscope_core::Timestamp> {
        match self {
            StartAt::Latest | StartAt::Earliest => None,
            StartAt::Warm => Some(now.minus(size).minus(delay)),
            StartAt::Ago(d) => Some(now.minus(d)),
            StartAt::At(t) => Some(t),
        }
    }
}

/// How a heading says where reading starts.
pub fn from_text(start: StartAt, seek_to: Option<hopscope_core::Timestamp>) -> String {
    match seek_to {
        Some(t) => format!("from {t}"),
        None if start == StartAt::Earliest => "from the earliest record".into(),
        None => "new records only".into(),
    }
}

/// The first offset whose record time is at or after `t`, for each of `partitions` of
/// `topic` (`None`: every record there is older, the reader starts at the end).
pub fn offsets_for_time<C: rdkafka::consumer::ConsumerContext>(
    consumer: &impl Consumer<C>,
    topic: &str,
    partitions: &[u32],
    t: hopscope_core::Timestamp,
) -> Result<Vec<(u32, Option<i64>)>, String> {
    let mut query = TopicPartitionList::new();
    for &p in partitions {
        query
            .add_partition_offset(topic, p as i32, Offset::Offset(t.0.max(0)))
            .map_err(|e| e.to_string())?;
    }
    let found = consumer
        .offsets_for_times(query, Duration::from_secs(10))
        .map_err(|e| format!("cannot look up offsets for {t}: {e}"))?;
    found
        .elements()
        .iter()
        .map(|e| match e.offset() {
            Offset::Offset(o) => Ok((e.partition() as u32, Some(o))),
            Offset::End => Ok((e.partition() as u32, None)),
            _ => Err(format!("no offset for {t} on partition {}", e.partition())),
        })
        .collect()
}

/// A consumer assigned every one of the `partitions` of `topic`, each at `start` (a time
/// is looked up with offsets-for-times on the record timestamps). `bounded`: also the end offset of
/// every partition now (the last stable offset: what a `read_committed` reader can reach).
/// `ends`: the consumer reports each partition's end (a bounded read stops at them;
/// watermark alignment does not let a partition with nothing left to read hold the others
/// back); a live read without alignment has no use for them. (Two consumers, each with half the
/// partitions and a broker thread of its own, read slower on two cores: BENCHMARKS.md.)
#[allow(clippy::type_complexity, clippy::too_many_arguments)]
pub fn assign(
    conn: &super::Connection,
    topic: &str,
    partitions: u32,
    start: StartAt,
    seek_to: Option<hopscope_core::Timestamp>,
    resume: Option<&BTreeMap<u32, i64>>,
    bounded: bool,
    ends: bool,
) -> Result<
    (
        rdkafka::consumer::BaseConsumer<super::Watch>,
        Option<BTreeMap<u32, i64>>,
    ),
    Box<dyn std::error::Error>,
> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::{Offset, TopicPartitionList};
    use std::time::Duration;
    let eof = if bounded || ends { "true" } else { "false" };
    let consumer: BaseConsumer<super::Watch> =
        super::consumer_config(conn, "analyze", &[("enable.partition.eof", eof)])
            .create_with_context(super::Watch::new(conn))
            .map_err(|e| conn.redact(&e.to_string()))?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions as i32 {
        let offset = match (resume, start, seek_to) {
            // A checkpoint's next offsets; a partition added since is read from its start.
            (Some(next), ..) => next
                .get(&(p as u32))
                .map_or(Offset::Beginning, |o| Offset::Offset(*o)),
            (None, _, Some(t)) => Offset::Offset(t.0),
            (None, StartAt::Earliest, None) => Offset::Beginning,
            _ => Offset::End,
        };
        tpl.add_partition_offset(topic, p, offset)?;
    }
    if let (Some(t), None) = (seek_to, resume) {
        let ps: Vec<u32> = (0..partitions).collect();
        tpl = TopicPartitionList::new();
        for (p, o) in offsets_for_time(&consumer, topic, &ps, t)? {
            let offset = match o {
                Some(o) => Offset::Offset(o),
                None => Offset::End,
            };
            tpl.add_partition_offset(topic, p as i32, offset)?;
        }
    }
    // The ends before the first fetch: records written from now on are not waited for.
    let ends = if bounded {
        let mut ends = BTreeMap::new();
        for p in 0..partitions as i32 {
            let (low, high) = consumer.fetch_watermarks(topic, p, Duration::from_secs(10))?;
            // An empty partition is done before it starts.
            if high > low {
                ends.insert(p as u32, high);
            }
        }
        Some(ends)
    } else {
        None
    };
    consumer.assign(&tpl)?;
    Ok((consumer, ends))
}
