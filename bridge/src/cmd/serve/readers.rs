//! Kafka readers: the shared live reader (one for every client following the topic) and
//! each replaying client's own reader.
//!
//! Readers batch only what has already arrived (no linger), so a client's loop never waits
//! on the broker; each reader's prefetch is bounded, so memory per replay is too.

use super::ServeState;
use crate::kafka;
use crate::kafka::records::{Queue, Taken, Trouble, Troubles};
use hopscope_core::protocol::{PartitionOffset, Record, RecordValue, ServerMessage, StartFrom};
use hopscope_core::Timestamp;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// One batch of the shared live reader, encoded once for every client.
pub struct TailBatch {
    /// Shared by every client's send, not copied.
    pub json: axum::extract::ws::Utf8Bytes,
    /// (partition, first offset, last offset) of the records in the batch.
    pub spans: Vec<(u32, i64, i64)>,
    /// The reader's next offset of every partition once this batch is out: a client that
    /// missed batches learns every missed offset from the first batch it does get, even of
    /// partitions this batch does not touch.
    pub after: Vec<(u32, i64)>,
    pub count: u64,
}

/// Where a replay starts, resolved against the broker.
#[derive(Debug, Default)]
pub struct Start {
    pub from: Vec<(u32, i64)>,
    /// (partition, requested, log start): retention had deleted the requested offsets.
    pub skipped: Vec<(u32, i64, i64)>,
    /// (partition, requested, end): asked for offsets not written yet.
    pub past_end: Vec<(u32, i64, i64)>,
}

pub enum ReaderEvent {
    Started(Start),
    Records(Vec<Record>),
    Failed(String),
}

/// Positions the shared live reader at the topic's current end, as explicit offsets, so the
/// next offset of every partition is known before any client can connect: a client joining
/// is owed exactly what comes after.
pub async fn tail_start(s: &Arc<ServeState>) -> Vec<PartitionOffset> {
    let ends = loop {
        let probe = s.clone();
        let marks = tokio::task::spawn_blocking(move || probe.high_watermarks(5)).await;
        match marks {
            Ok(Ok(ends)) => {
                break ends
                    .into_iter()
                    .map(|(partition, offset)| PartitionOffset { partition, offset })
                    .collect::<Vec<_>>()
            }
            Ok(Err(e)) => tracing::warn!("live reader: cannot read partition ends: {e}; retrying"),
            Err(e) => tracing::warn!("live reader: {e}; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    *s.tail_next.lock().expect("not poisoned") =
        ends.iter().map(|o| (o.partition, o.offset)).collect();
    // The broker snapshot starts here too, so /healthz and the first status are right
    // before the first refresh.
    *s.watermarks.lock().expect("not poisoned") =
        Some(ends.iter().map(|o| (o.partition, o.offset)).collect());
    ends
}

/// The shared live reader: reads new records once and broadcasts each batch. Partitions
/// added to the topic later get a reader of their own from their first offset, feeding the
/// same broadcast.
pub async fn follow_tail(s: Arc<ServeState>, ends: Vec<PartitionOffset>) {
    let (tx, mut rx) = mpsc::channel(4);
    let known: Vec<u32> = ends.iter().map(|o| o.partition).collect();
    tokio::spawn(read_topic(
        s.clone(),
        0,
        StartFrom::Offsets { offsets: ends },
        tx.clone(),
        Some(known.clone()),
    ));
    let mut known = known.len() as u32;
    let mut grew = s.grew.subscribe();
    loop {
        let event = tokio::select! {
            e = rx.recv() => e,
            _ = grew.changed() => {
                let n = *grew.borrow_and_update();
                if n > known {
                    let new: Vec<u32> = (known..n).collect();
                    {
                        let mut next = s.tail_next.lock().expect("not poisoned");
                        for &p in &new {
                            next.insert(p, 0);
                        }
                    }
                    let offsets = new.iter().map(|&partition| PartitionOffset { partition, offset: 0 }).collect();
                    tokio::spawn(read_topic(s.clone(), 0, StartFrom::Offsets { offsets }, tx.clone(), Some(new)));
                    known = n;
                }
                continue;
            }
        };
        let Some(event) = event else { break };
        match event {
            ReaderEvent::Started(_) => {}
            ReaderEvent::Records(records) => {
                let mut spans: Vec<(u32, i64, i64)> = Vec::new();
                for r in &records {
                    match spans.iter_mut().find(|(p, _, _)| *p == r.partition) {
                        Some(span) => span.2 = r.offset,
                        None => spans.push((r.partition, r.offset, r.offset)),
                    }
                }
                let count = records.len() as u64;
                let json = ServerMessage::Records { records }.to_json().into();
                let mut next = s.tail_next.lock().expect("not poisoned");
                for &(p, _, last) in &spans {
                    next.insert(p, last + 1);
                }
                let after = next.iter().map(|(p, o)| (*p, *o)).collect();
                // No receivers is fine: nobody is following right now.
                let _ = s.tail.send(Arc::new(TailBatch {
                    json,
                    spans,
                    after,
                    count,
                }));
            }
            ReaderEvent::Failed(e) => tracing::error!("live reader: {e}"),
        }
    }
}

/// Reads the topic from `start` for one client (0: the shared live reader) and hands it
/// batches. The channel holds at most four batches: a client that does not keep up slows
/// only its own reader. While the broker is away the reader waits for it, saying so once.
pub async fn read_topic(
    s: Arc<ServeState>,
    client: u64,
    start: StartFrom,
    tx: mpsc::Sender<ReaderEvent>,
    only: Option<Vec<u32>>,
) {
    let who = if client == 0 {
        "live reader".to_string()
    } else {
        format!("client {client}")
    };
    let mut waited = false;
    let resolved = loop {
        let (s2, start2, only2) = (s.clone(), start.clone(), only.clone());
        match tokio::task::spawn_blocking(move || resolve(&s2, &start2, only2.as_deref())).await {
            Ok(Ok(r)) => break r,
            Ok(Err(e)) => {
                if !waited {
                    tracing::warn!("{who}: waiting for Kafka to place the start: {e}");
                    waited = true;
                }
            }
            Err(e) => {
                let _ = tx.send(ReaderEvent::Failed(e.to_string())).await;
                return;
            }
        }
        if tx.is_closed() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    if waited {
        tracing::info!("{who}: Kafka answers again; reading");
    }
    // Created once the broker answers: a reader born during an outage took 20 s and more
    // to fetch after the broker's return.
    // A replay's prefetch: enough to stream at full speed, small enough that the
    // --max-replays readers together stay within a few tens of MiB.
    let tune: &[(&str, &str)] = if client != 0 {
        &[("queued.max.messages.kbytes", "4096")]
    } else {
        &[]
    };
    let config = kafka::consumer_config(&s.conn, &format!("serve-{client}"), tune);
    let consumer: BaseConsumer<kafka::Watch> = match config
        .create_with_context(kafka::Watch::new(&s.conn))
        .map_err(|e| s.conn.redact(&e.to_string()))
    {
        Ok(c) => c,
        Err(e) => {
            let _ = tx
                .send(ReaderEvent::Failed(format!(
                    "cannot create a Kafka reader: {e}"
                )))
                .await;
            return;
        }
    };

    // Closing a consumer blocks: never on the runtime's threads.
    let close = |consumer| {
        tokio::task::spawn_blocking(move || kafka::close(consumer));
    };
    let mut tpl = TopicPartitionList::new();
    for &(p, o) in &resolved.from {
        if let Err(e) = tpl.add_partition_offset(&s.topic, p as i32, Offset::Offset(o)) {
            close(consumer);
            let _ = tx
                .send(ReaderEvent::Failed(format!("partition {p}: {e}")))
                .await;
            return;
        }
    }
    if let Err(e) = consumer.assign(&tpl) {
        close(consumer);
        let _ = tx
            .send(ReaderEvent::Failed(format!(
                "cannot assign partitions: {e}"
            )))
            .await;
        return;
    }
    if tx.send(ReaderEvent::Started(resolved)).await.is_err() {
        close(consumer);
        return;
    }
    // Records are taken in batches on a thread of the blocking pool (librdkafka's batch
    // call, `kafka::records`): per record, one record to build, no clock read or waker.
    // The thread ends when its client (or the broadcast) hangs up, and closes the consumer
    // there.
    let _ = tokio::task::spawn_blocking(move || {
        take_batches(&s, client, &who, &consumer, &tx);
        kafka::close(consumer);
    })
    .await;
}

/// The blocking half of [`read_topic`]: batches of what has already arrived (never waiting
/// for more: at a trickle each record goes out at once; under load the queue fills while
/// the previous batch is being sent and batches grow by themselves), at most `s.batch`
/// records each.
fn take_batches(
    s: &ServeState,
    client: u64,
    who: &str,
    consumer: &BaseConsumer<kafka::Watch>,
    tx: &mpsc::Sender<ReaderEvent>,
) {
    let mut queue = Queue::of(consumer);
    let mut trouble = Troubles::first_only();
    let mut batch: Vec<Record> = Vec::new();
    while !tx.is_closed() {
        let mut failure = None;
        let taken = std::cell::Cell::new(0usize);
        queue.take(
            Duration::from_millis(100),
            |m| match m {
                Taken::Record {
                    partition,
                    offset,
                    timestamp,
                    key,
                    value,
                } => {
                    batch.push(to_record(
                        s, client, partition, offset, timestamp, key, value,
                    ));
                    taken.set(batch.len());
                }
                Taken::Eof { .. } => {}
                Taken::Error(e) => failure = Some(e),
            },
            || s.batch.saturating_sub(taken.get()),
        );
        // Transient broker errors are retried by librdkafka; say so when reading stops
        // and when it resumes, not once per poll.
        match trouble.after(consumer, !batch.is_empty(), failure) {
            Trouble::New(e) => tracing::warn!("{who}: kafka: {} (reconnecting)", s.conn.redact(&e)),
            Trouble::Over => tracing::info!("{who}: records flow again"),
            Trouble::Nothing => {}
        }
        if batch.is_empty() {
            continue;
        }
        if tx
            .blocking_send(ReaderEvent::Records(std::mem::take(&mut batch)))
            .is_err()
        {
            return;
        }
    }
}

/// Turns a start into explicit offsets per partition, against the log's current bounds:
/// requests before the log start (deleted by retention) and past the end are reported,
/// never silently moved.
fn resolve(s: &ServeState, start: &StartFrom, only: Option<&[u32]>) -> Result<Start, String> {
    let partitions = s.partitions.load(Ordering::Relaxed);
    let mut bounds = BTreeMap::new();
    for p in (0..partitions).filter(|p| only.is_none_or(|o| o.contains(p))) {
        let (low, high) = s
            .probe
            .fetch_watermarks(&s.topic, p as i32, Duration::from_secs(2))
            .map_err(|e| {
                s.conn
                    .redact(&format!("cannot read partition {p}'s offsets: {e}"))
            })?;
        bounds.insert(p, (low, high));
    }
    let mut out = Start::default();
    match start {
        StartFrom::Latest => out.from = bounds.iter().map(|(p, (_, h))| (*p, *h)).collect(),
        StartFrom::Earliest => out.from = bounds.iter().map(|(p, (l, _))| (*p, *l)).collect(),
        StartFrom::Offsets { offsets } => {
            for (&p, &(low, high)) in &bounds {
                let o = match offsets.iter().find(|o| o.partition == p) {
                    // Partitions not named start at the latest record.
                    None => high,
                    Some(o) if o.offset < low => {
                        out.skipped.push((p, o.offset, low));
                        low
                    }
                    Some(o) if o.offset > high => {
                        out.past_end.push((p, o.offset, high));
                        high
                    }
                    Some(o) => o.offset,
                };
                out.from.push((p, o));
            }
        }
        StartFrom::Timestamp { timestamp } => {
            let ps: Vec<u32> = bounds.keys().copied().collect();
            for (p, o) in kafka::seek::offsets_for_time(&s.probe, &s.topic, &ps, *timestamp)? {
                // No record at or after the time: from the end.
                let high = bounds.get(&p).map_or(0, |b| b.1);
                out.from.push((p, o.unwrap_or(high)));
            }
        }
    }
    Ok(out)
}

/// The event-time guard on a sale: the live reader logs (and counts) a record that moves its
/// partition's newest time by more than `--max-jump`; every reader relays a record further
/// than `--max-ahead` ahead of processing time as invalid, so no page windows it.
fn guard(
    s: &ServeState,
    live: bool,
    partition: u32,
    offset: i64,
    sale: hopscope_core::Sale,
) -> RecordValue {
    use hopscope_core::window::guard::Verdict;
    let t = sale.event_time();
    let now = crate::wall_now();
    if let Some(max) = s.max_ahead {
        let ahead = t.since(now);
        if ahead > max {
            s.metrics.quarantined.fetch_add(1, Ordering::Relaxed);
            return RecordValue::Invalid {
                error: format!(
                    "quarantined: sale {} at {t} is {ahead} ahead of processing time (--max-ahead {max})",
                    sale.id_sale
                ),
                excerpt: String::new(),
            };
        }
    }
    if live {
        let verdict = s
            .guard
            .lock()
            .expect("not poisoned")
            .check(t, partition, Some(now), None);
        if let Verdict::Jump { from, to } = verdict {
            let n = s.metrics.watermark_jumps.fetch_add(1, Ordering::Relaxed) + 1;
            // Rare by nature; a producer gone mad still logs a bounded amount.
            if n <= 10 || n.is_power_of_two() {
                tracing::warn!(
                    "⚠️  partition {} offset {}: sale {} at {to} moved the partition's newest sale time from {from} in one step: pages in event time now drop every earlier sale on this partition (jump {n}; serve --max-ahead relays such records as invalid)",
                    partition,
                    offset,
                    sale.id_sale
                );
            }
        }
    }
    RecordValue::Sale(sale)
}

/// `client` 0 is the shared live reader: only its records count as arriving.
fn to_record(
    s: &ServeState,
    client: u64,
    partition: u32,
    offset: i64,
    timestamp: Option<i64>,
    key: Option<&[u8]>,
    value: Option<&[u8]>,
) -> Record {
    let live = client == 0;
    if live {
        s.metrics.records_in.fetch_add(1, Ordering::Relaxed);
    } else {
        s.metrics.replayed.fetch_add(1, Ordering::Relaxed);
    }
    let raw = value;
    let value = match raw {
        None => RecordValue::Invalid {
            error: "record has no value".into(),
            excerpt: String::new(),
        },
        Some(bytes) => {
            match crate::shape::decode(s.shape.as_deref(), bytes, timestamp.map(Timestamp)) {
                Ok(sale) => guard(s, live, partition, offset, sale),
                Err(e) => RecordValue::Invalid {
                    error: e.to_string(),
                    excerpt: String::from_utf8_lossy(&bytes[..bytes.len().min(120)]).into_owned(),
                },
            }
        }
    };
    if live {
        if let RecordValue::Invalid { error, .. } = &value {
            s.metrics.invalid.fetch_add(1, Ordering::Relaxed);
            if let Some(dead) = &s.dead {
                let reason = if error.starts_with("quarantined") {
                    "ahead"
                } else {
                    "invalid"
                };
                let at = crate::report::At::Offset { partition, offset };
                let raw = raw.unwrap_or_default();
                if let Err(e) = dead.send(reason, error, &at, None, raw, key) {
                    tracing::warn!("{e}");
                }
            }
        }
    }
    Record {
        partition,
        offset,
        timestamp: Timestamp(timestamp.unwrap_or(0)),
        key: key.map(|k| String::from_utf8_lossy(k).into_owned()),
        value,
    }
}
