//! `analyze --windows-out/--alerts-out`: results as topics, exactly once.
//!
//! Consume-transform-produce, as Flink's exactly-once Kafka sink does it: every window
//! and alert goes into an open Kafka transaction; at each checkpoint the transaction also
//! carries the consumed offsets (`send_offsets_to_transaction`, for the run's consumer
//! group), the checkpoint file is written, and only then the transaction commits. So the
//! group's committed offsets say which checkpoint the committed results belong to:
//!
//! - killed before the commit (while writing the checkpoint, or between it and the
//!   commit): the restart's producer, with the same `transactional.id`, aborts the open
//!   transaction; the committed offsets are the previous checkpoint's, and analyze resumes
//!   there, producing those results again — once, in a new transaction;
//! - killed after the commit: the committed offsets are the newest checkpoint's.
//!
//! A `read_committed` consumer of the results topics therefore sees every window and
//! alert exactly once, however often analyze is killed. The ids are derived from the
//! checkpoint directory (its canonical path), so a restart fences its own zombie and two
//! analyses with different directories never fence each other.

use crate::kafka::producer::PolledProducer;
use crate::kafka::{self, Connection, Watch};
use crate::out::Res;
use hopscope_core::detect::Alert;
use hopscope_core::WindowResult;
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerGroupMetadata};
use rdkafka::producer::{BaseRecord, Producer};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(30);

/// The results topics and the transaction they are written in.
pub struct Results {
    producer: PolledProducer<Watch>,
    group: ConsumerGroupMetadata,
    source: String,
    windows: Option<String>,
    alerts: Option<String>,
    conn: Connection,
    /// Records in the open transaction.
    open: u64,
    /// Committed so far, for the summary.
    pub committed: u64,
}

/// The consumer group and transactional id of the analysis keeping its checkpoints in
/// `dir` (stable across restarts, distinct per directory).
pub fn ids(dir: &Path, source: &str) -> String {
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    let h = hopscope_core::snapshot::checksum(canonical.to_string_lossy().as_bytes());
    format!("hopscope-analyze-{source}-{h}")
}

/// The group's committed offsets on `source`, by partition (`None`: it never committed).
pub fn committed(
    conn: &Connection,
    group: &str,
    source: &str,
    partitions: u32,
) -> Res<Option<BTreeMap<u32, i64>>> {
    let consumer: BaseConsumer<Watch> = kafka::consumer_config(conn, group, &[])
        .create_with_context(Watch::new(conn))
        .map_err(|e| conn.redact(&e.to_string()))?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions as i32 {
        tpl.add_partition(source, p);
    }
    let got = consumer.committed_offsets(tpl, TIMEOUT);
    kafka::close(consumer);
    let got = got.map_err(|e| {
        conn.redact(&format!(
            "cannot read the offsets committed for {group}: {e}"
        ))
    })?;
    let offsets: BTreeMap<u32, i64> = got
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(o) => Some((e.partition() as u32, o)),
            _ => None,
        })
        .collect();
    Ok((!offsets.is_empty()).then_some(offsets))
}

impl Results {
    /// Registers the transactional id (fencing an earlier analyze with it, whose open
    /// transaction is aborted), creates the topics (one partition each: results in the
    /// order they fired) and begins a transaction.
    pub fn open(
        conn: &Connection,
        id: &str,
        source: &str,
        windows: Option<String>,
        alerts: Option<String>,
    ) -> Res<Results> {
        for t in windows.iter().chain(alerts.iter()) {
            kafka::ensure_topic_one_partition(conn, t)?;
        }
        let mut config = kafka::producer_config(conn, "murmur2_random", &[]);
        config.set("transactional.id", id);
        let producer = PolledProducer::create(&config, Watch::new(conn))
            .map_err(|e| conn.redact(&e.to_string()))?;
        producer
            .init_transactions(TIMEOUT)
            .map_err(|e| conn.redact(&format!("cannot start transactions as {id:?}: {e}")))?;
        producer
            .begin_transaction()
            .map_err(|e| conn.redact(&format!("cannot begin a transaction: {e}")))?;
        let group_consumer: BaseConsumer<Watch> = kafka::consumer_config(conn, id, &[])
            .create_with_context(Watch::new(conn))
            .map_err(|e| conn.redact(&e.to_string()))?;
        let group = group_consumer.group_metadata();
        kafka::close(group_consumer);
        let group = group.ok_or("the consumer has no group metadata")?;
        Ok(Results {
            producer,
            group,
            source: source.to_string(),
            windows,
            alerts,
            conn: conn.clone(),
            open: 0,
            committed: 0,
        })
    }

    fn send(&mut self, topic: &str, key: &str, value: &str) -> Res<()> {
        let mut record = BaseRecord::to(topic).key(key).payload(value);
        loop {
            match self.producer.send(record) {
                Ok(()) => {
                    self.open += 1;
                    return Ok(());
                }
                Err((
                    rdkafka::error::KafkaError::MessageProduction(
                        rdkafka::types::RDKafkaErrorCode::QueueFull,
                    ),
                    r,
                )) => {
                    record = r;
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err((e, _)) => {
                    return Err(self
                        .conn
                        .redact(&format!("cannot write a result to {topic}: {e}"))
                        .into())
                }
            }
        }
    }

    /// A fired window, as `hopscope window` and the Flink job write it.
    pub fn window(&mut self, w: &WindowResult) -> Res<()> {
        match self.windows.clone() {
            Some(t) => self.send(&t, &w.window_start.to_iso(), &w.to_json()),
            None => Ok(()),
        }
    }

    /// An alert, shown or held back by the cooldown.
    pub fn alert(&mut self, a: &Alert, shown: bool) -> Res<()> {
        match self.alerts.clone() {
            Some(t) => self.send(&t, &a.window_end.to_iso(), &a.to_json(shown)),
            None => Ok(()),
        }
    }

    /// Commits the open transaction with the consumed offsets `next`; `checkpoint` writes
    /// the checkpoint at those offsets in between (see the module doc). A new transaction
    /// begins unless `last`.
    pub fn commit(
        &mut self,
        next: &BTreeMap<u32, i64>,
        checkpoint: impl FnOnce() -> Result<(), String>,
        last: bool,
    ) -> Res<()> {
        let mut tpl = TopicPartitionList::new();
        for (p, o) in next {
            tpl.add_partition_offset(&self.source, *p as i32, Offset::Offset(*o))?;
        }
        if tpl.count() > 0 {
            self.producer
                .send_offsets_to_transaction(&tpl, &self.group, TIMEOUT)
                .map_err(|e| {
                    self.conn
                        .redact(&format!("cannot add the offsets to the transaction: {e}"))
                })?;
        }
        checkpoint().map_err(|e| {
            format!("{e}; with --windows-out/--alerts-out analyze stops rather than commit results it could not resume from (the last committed checkpoint stays)")
        })?;
        crate::checkpoint::test_pause("HOPSCOPE_TEST_TXN_PAUSE_MS");
        self.producer
            .commit_transaction(TIMEOUT)
            .map_err(|e| self.conn.redact(&format!("cannot commit the results: {e}")))?;
        self.committed += self.open;
        self.open = 0;
        if !last {
            self.producer.begin_transaction().map_err(|e| {
                self.conn
                    .redact(&format!("cannot begin a transaction: {e}"))
            })?;
        }
        Ok(())
    }
}
