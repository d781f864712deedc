//! Reading a topic as fast as a file: records are taken from librdkafka in batches on a
//! thread of their own, copied into a reused block and decoded there; the caller windows
//! whole blocks.
//!
//! Why: `analyze` used to take one record per `poll` and then ran its clock, checkpoint
//! and idle checks, and flushed stdout, for every record. The profile (BENCHMARKS.md,
//! "Reading a topic") had a tenth of the time in `clock_gettime` and a fifth in the
//! broker thread and ours waking each other for every record. Now one call takes
//! everything librdkafka holds (up to [`MAX_BATCH`] records or [`MAX_BATCH_BYTES`]) and
//! the caller's per-batch work runs once per batch, while this thread decodes the next
//! batch on the other core.
//!
//! Invariants:
//! - **Order.** Records come out exactly in the order librdkafka hands them over (per
//!   partition: by offset), one block after another, so windows, late decisions and dead
//!   letters are those of a one-record-at-a-time read.
//! - **Bounded.** A block holds at most [`MAX_BATCH_BYTES`] of values and keys (plus one
//!   record that alone is larger); [`QUEUED`] blocks wait in the channel and blocks are
//!   recycled, so memory is librdkafka's prefetch (`queued.max.messages.kbytes`) plus a
//!   few blocks, whatever the topic's size.
//! - **No wait for a full batch.** Only what has already arrived is taken: at a low rate
//!   a batch is one record and goes out at once (latency is unchanged by batching).

use hopscope_core::sale::{SaleError, SaleShape};
use hopscope_core::window::align::Change;
use hopscope_core::{SaleBatch, SaleView, Timestamp};
use rdkafka::bindings as rd;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::TopicPartitionList;
use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

/// Records per batch at most.
pub const MAX_BATCH: usize = 4096;
/// Bytes of values and keys per block, about (a batch stops once past it).
pub const MAX_BATCH_BYTES: usize = 2 << 20;
/// Messages per call to librdkafka: between calls the block's size is checked.
const TAKE: usize = 256;
/// Blocks waiting for the caller.
const QUEUED: usize = 2;

/// One record of a block: where it is and its bytes' places in [`Block::bytes`].
#[derive(Clone, Debug)]
pub struct Rec {
    pub partition: u32,
    pub offset: i64,
    /// The record's Kafka timestamp (ms), if it has one.
    pub timestamp: Option<i64>,
    key: Option<Range<usize>>,
    value: Option<Range<usize>>,
    /// Decoded as a sale: `Ok(())` is the next sale of [`Block::sales`]; `Err(None)`: the
    /// record has no value.
    decoded: Option<Result<(), Option<SaleError>>>,
}

/// A batch of records as taken, and (with a sale decoder) as decoded.
#[derive(Default)]
pub struct Block {
    bytes: Vec<u8>,
    pub recs: Vec<Rec>,
    pub sales: SaleBatch,
    /// Wall time when the batch was taken: the records' arrival.
    pub arrived: Timestamp,
    /// `until_end`: partitions that reached their end with this batch (after its records).
    pub finished: Vec<u32>,
    /// Partitions with nothing more to read when this batch was taken: librdkafka reported
    /// their end after their last record (`enable.partition.eof`), and no record of theirs
    /// came since. Watermark alignment does not let them hold the others back: a partition
    /// that has nothing to read cannot catch up.
    pub at_end: Vec<u32>,
}

/// One record of a block, as the caller sees it.
pub struct RecView<'a> {
    pub rec: &'a Rec,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
    /// With a sale decoder: the sale, or why the value is not one (`None`: there is no
    /// value).
    pub sale: Option<Result<SaleView<'a>, Option<&'a SaleError>>>,
}

impl Block {
    fn clear(&mut self) {
        self.finished.clear();
        self.at_end.clear();
        self.bytes.clear();
        self.recs.clear();
        self.sales.clear();
    }

    fn push(
        &mut self,
        partition: u32,
        offset: i64,
        timestamp: Option<i64>,
        key: Option<&[u8]>,
        value: Option<&[u8]>,
    ) {
        let mut place = |b: Option<&[u8]>| {
            b.map(|b| {
                let start = self.bytes.len();
                self.bytes.extend_from_slice(b);
                start..self.bytes.len()
            })
        };
        let key = place(key);
        let value = place(value);
        self.recs.push(Rec {
            partition,
            offset,
            timestamp,
            key,
            value,
            decoded: None,
        });
    }

    /// Every record, in order, with its decoded sale.
    pub fn iter(&self) -> impl Iterator<Item = RecView<'_>> {
        let mut next_sale = 0;
        self.recs.iter().map(move |rec| {
            let sale = rec.decoded.as_ref().map(|d| match d {
                Ok(()) => {
                    next_sale += 1;
                    Ok(self.sales.get(next_sale - 1))
                }
                Err(e) => Err(e.as_ref()),
            });
            RecView {
                rec,
                key: rec.key.clone().map(|r| &self.bytes[r]),
                value: rec.value.clone().map(|r| &self.bytes[r]),
                sale,
            }
        })
    }

    /// Decodes every record's value as a sale, in the seed's shape or `shape`.
    fn decode_sales(&mut self, shape: Option<&SaleShape>) {
        for rec in &mut self.recs {
            let Some(v) = rec.value.clone().map(|r| &self.bytes[r]) else {
                rec.decoded = Some(Err(None));
                continue;
            };
            rec.decoded = Some(
                match shape {
                    None => self.sales.push_json(v),
                    Some(shape) => shape
                        .decode(v, rec.timestamp.map(Timestamp))
                        .map(|s| self.sales.push_sale(&s)),
                }
                .map_err(Some),
            );
        }
    }
}

/// What the reading thread hands over.
pub enum Fetched {
    Block(Block),
    /// The consumer failed; the text names the cause (already redacted).
    Error(String),
    /// `until_end`: every partition reached the end it had when reading started.
    End,
}

/// How records are decoded on the reading thread.
pub enum Decode {
    /// Not at all (the caller reads the values).
    Nothing,
    /// As sales, in the seed's shape or the given one.
    Sales(Option<Arc<SaleShape>>),
}

/// A topic's records, read and decoded on a thread of its own.
pub struct Records {
    rx: Receiver<Fetched>,
    recycle: SyncSender<Block>,
    /// Partitions to pause or resume (watermark alignment), applied before the next take.
    align: std::sync::mpsc::Sender<Change>,
    /// Tells the thread to stop (it may be waiting for records, with nothing to send).
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Records {
    /// Starts reading with `consumer` (already assigned). `until_end`: the end offset of
    /// every partition when reading started; [`Fetched::End`] comes once each is reached
    /// (the consumer must have `enable.partition.eof=true`, so that a partition ending in
    /// transaction markers is known to be done). Partitions not in it are not waited for.
    pub fn start(
        consumer: BaseConsumer<super::Watch>,
        conn: &super::Connection,
        decode: Decode,
        until_end: Option<BTreeMap<u32, i64>>,
    ) -> Records {
        let (tx, rx) = sync_channel(QUEUED);
        let (recycle, recycled) = sync_channel(QUEUED + 2);
        let (align, aligned) = std::sync::mpsc::channel();
        let conn = conn.clone();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        let thread = std::thread::Builder::new()
            .name("hopscope-kafka-read".into())
            .spawn(move || {
                let ends = Ends {
                    tx,
                    recycled,
                    aligned,
                };
                read(&consumer, &conn, decode, until_end, ends, &stopping);
                // At once (the caller joins this thread): see `close`.
                super::close(consumer);
            })
            .expect("spawning the topic reader");
        Records {
            rx,
            recycle,
            align,
            stop,
            thread: Some(thread),
        }
    }

    /// The next batch, error or end, waiting at most `wait`; `None` if nothing came.
    pub fn next(&self, wait: Duration) -> Option<Fetched> {
        match self.rx.recv_timeout(wait) {
            Ok(f) => Some(f),
            Err(RecvTimeoutError::Timeout) => None,
            // The thread ended without saying why (it only ends when told to).
            Err(RecvTimeoutError::Disconnected) => Some(Fetched::Error(
                "the topic reader stopped unexpectedly".into(),
            )),
        }
    }

    /// Gives a block back for reuse.
    pub fn recycle(&self, block: Block) {
        let _ = self.recycle.try_send(block);
    }

    /// Pauses or resumes partitions (watermark alignment, [`hopscope_core::window::align`]):
    /// applied by the reading thread before it next takes records. Records of a paused
    /// partition already taken still come; librdkafka drops what it had prefetched for it
    /// and fetches again from the next record not yet taken when it is resumed, so nothing
    /// is skipped or read twice.
    pub fn align(&self, changes: &[Change]) {
        for c in changes {
            let _ = self.align.send(*c);
        }
    }
}

/// The reading thread's channels: blocks out, blocks back, alignment in.
struct Ends {
    tx: SyncSender<Fetched>,
    recycled: Receiver<Block>,
    aligned: Receiver<Change>,
}

/// Applies alignment changes to the consumer. librdkafka refuses only partitions that are
/// not assigned, which alignment never names (it names partitions records came from); a
/// refusal would only leave that partition reading on, unaligned.
fn apply(consumer: &BaseConsumer<super::Watch>, topic: &str, changes: &Receiver<Change>) {
    let (mut pause, mut resume) = (TopicPartitionList::new(), TopicPartitionList::new());
    for c in changes.try_iter() {
        match c {
            Change::Pause(p) => pause.add_partition(topic, p as i32),
            Change::Resume(p) => resume.add_partition(topic, p as i32),
        };
    }
    if pause.count() > 0 {
        let _ = consumer.pause(&pause);
    }
    if resume.count() > 0 {
        let _ = consumer.resume(&resume);
    }
}

impl Drop for Records {
    fn drop(&mut self) {
        // The thread sees the flag within a poll's wait; closing the channel frees it if
        // it is waiting for room to send.
        self.stop.store(true, Ordering::Relaxed);
        let (_, dead) = sync_channel(0);
        self.rx = dead;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The reading thread: batches until the caller hangs up.
fn read(
    consumer: &BaseConsumer<super::Watch>,
    conn: &super::Connection,
    decode: Decode,
    until_end: Option<BTreeMap<u32, i64>>,
    ends: Ends,
    stop: &AtomicBool,
) {
    let Ends {
        tx,
        recycled,
        aligned,
    } = ends;
    let topic = consumer
        .assignment()
        .ok()
        .and_then(|a| a.elements().first().map(|e| e.topic().to_string()))
        .unwrap_or_default();
    let mut queue = Queue::of(consumer);
    let mut at_end = std::collections::BTreeSet::new();
    let mut told_at_end: Vec<u32> = Vec::new();
    // Partitions not yet at their end (`until_end`).
    let mut left: Option<BTreeMap<u32, i64>> = until_end;
    let mut trouble = Troubles::default();
    while !stop.load(Ordering::Relaxed) {
        if left.as_ref().is_some_and(BTreeMap::is_empty) {
            let _ = tx.send(Fetched::End);
            return;
        }
        apply(consumer, &topic, &aligned);
        let mut block = recycled.try_recv().unwrap_or_default();
        block.clear();
        let mut failure = None;
        let bytes = std::cell::Cell::new(0usize);
        let count = std::cell::Cell::new(0usize);
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
                    if !at_end.is_empty() {
                        at_end.remove(&partition);
                    }
                    block.push(partition, offset, timestamp, key, value);
                    if let Some(left) = left.as_mut() {
                        if left.get(&partition).is_some_and(|end| offset + 1 >= *end) {
                            left.remove(&partition);
                            block.finished.push(partition);
                        }
                    }
                    bytes.set(block.bytes.len());
                    count.set(block.recs.len());
                }
                Taken::Eof { partition, offset } => {
                    at_end.insert(partition);
                    if let Some(left) = left.as_mut() {
                        if left.get(&partition).is_some_and(|end| offset >= *end) {
                            left.remove(&partition);
                            block.finished.push(partition);
                        }
                    }
                }
                Taken::Error(e) => failure = Some(e),
            },
            || {
                if bytes.get() < MAX_BATCH_BYTES {
                    MAX_BATCH.saturating_sub(count.get())
                } else {
                    0
                }
            },
        );
        let flowing = !block.recs.is_empty();
        block.at_end.extend(&at_end);
        // A block with no record still goes out when the set changed (a partition's end).
        let news = block.at_end != told_at_end;
        if news {
            told_at_end.clone_from(&block.at_end);
        }
        if flowing || !block.finished.is_empty() || news {
            block.arrived = crate::wall_now();
            if let Decode::Sales(shape) = &decode {
                block.decode_sales(shape.as_deref());
            }
            if tx.send(Fetched::Block(block)).is_err() {
                return;
            }
        }
        if let Trouble::New(why) = trouble.after(consumer, flowing, failure) {
            if tx.send(Fetched::Error(conn.redact(&why))).is_err() {
                return;
            }
        }
    }
}

/// What a reader has to say about its consumer after a batch.
#[derive(Debug, PartialEq)]
pub enum Trouble {
    Nothing,
    /// A cause not said yet: a record's own error, or what the consumer's context saw in
    /// librdkafka's logs (a broker down, refused, …).
    New(String),
    /// Records flow again after a cause was said.
    Over,
}

/// librdkafka repeats a failing broker's error every poll: each cause is said once, and
/// forgotten when records flow again (so a later failure is news).
#[derive(Default)]
pub struct Troubles {
    told: Option<String>,
    /// Say only the first cause until records flow (a log line per outage).
    first_only: bool,
}

impl Troubles {
    /// One line per outage, whatever causes librdkafka goes through meanwhile.
    pub fn first_only() -> Troubles {
        Troubles {
            told: None,
            first_only: true,
        }
    }

    /// After a batch: `flowing` when records came, `failure` a record's own error.
    pub fn after(
        &mut self,
        consumer: &BaseConsumer<super::Watch>,
        flowing: bool,
        failure: Option<String>,
    ) -> Trouble {
        if flowing {
            consumer.context().clear();
            return match self.told.take() {
                Some(_) => Trouble::Over,
                None => Trouble::Nothing,
            };
        }
        let cause = consumer.context().cause().map(|c| c.message().to_string());
        match failure.or(cause) {
            Some(_) if self.first_only && self.told.is_some() => Trouble::Nothing,
            Some(why) if self.told.as_deref() != Some(why.as_str()) => {
                self.told = Some(why.clone());
                Trouble::New(why)
            }
            _ => Trouble::Nothing,
        }
    }
}

/// What one message of a batch is.
pub enum Taken<'a> {
    Record {
        partition: u32,
        offset: i64,
        timestamp: Option<i64>,
        key: Option<&'a [u8]>,
        value: Option<&'a [u8]>,
    },
    /// The partition's end (`enable.partition.eof`): the next offset there.
    Eof {
        partition: u32,
        offset: i64,
    },
    Error(String),
}

/// The consumer's queue, taken from in batches: librdkafka's `rd_kafka_consume_batch_queue`,
/// which rust-rdkafka does not wrap (its `poll` takes one message per call, with a clock
/// read and an allocation each).
///
/// librdkafka's log lines (and the errors it logs) would reach the batch call too, which
/// prints them raw to stderr: they go to a queue of their own instead, read before every
/// batch and handed to the consumer's [`super::Watch`] as rust-rdkafka's poll does, so the
/// causes it diagnoses and the logs' redaction stay as they were.
pub struct Queue<'c> {
    consumer: &'c BaseConsumer<super::Watch>,
    raw: *mut rd::rd_kafka_queue_t,
    logs: *mut rd::rd_kafka_queue_t,
    taken: Vec<*mut rd::rd_kafka_message_t>,
}

impl<'c> Queue<'c> {
    pub fn of(consumer: &'c BaseConsumer<super::Watch>) -> Queue<'c> {
        let rk = consumer.client().native_ptr();
        // SAFETY: the client is alive for 'c; both handles are released in Drop, before
        // the consumer (which the borrow keeps alive) is destroyed. A consumer with a
        // group.id (consumer_config sets one) forwards its main queue to this queue.
        let (raw, logs) = unsafe {
            let logs = rd::rd_kafka_queue_new(rk);
            rd::rd_kafka_set_log_queue(rk, logs);
            (rd::rd_kafka_queue_get_consumer(rk), logs)
        };
        assert!(!raw.is_null(), "a consumer has a consumer queue");
        Queue {
            consumer,
            raw,
            logs,
            taken: Vec::with_capacity(TAKE),
        }
    }

    /// Hands the log lines waiting to the consumer's context.
    fn serve_logs(&self) {
        use rdkafka::config::RDKafkaLogLevel as L;
        loop {
            // SAFETY: `logs` is a live queue handle; each event is destroyed once, after
            // its strings (owned by the event) were copied by `log`.
            unsafe {
                let ev = rd::rd_kafka_queue_poll(self.logs, 0);
                if ev.is_null() {
                    return;
                }
                let (mut fac, mut text, mut level) = (std::ptr::null(), std::ptr::null(), 0);
                if rd::rd_kafka_event_log(ev, &mut fac, &mut text, &mut level) == 0 {
                    let level = match level {
                        0 => L::Emerg,
                        1 => L::Alert,
                        2 => L::Critical,
                        3 => L::Error,
                        4 => L::Warning,
                        5 => L::Notice,
                        6 => L::Info,
                        _ => L::Debug,
                    };
                    let fac = std::ffi::CStr::from_ptr(fac).to_string_lossy();
                    let text = std::ffi::CStr::from_ptr(text).to_string_lossy();
                    rdkafka::ClientContext::log(
                        &**self.consumer.context(),
                        level,
                        fac.trim(),
                        text.trim(),
                    );
                }
                rd::rd_kafka_event_destroy(ev);
            }
        }
    }

    /// Waits up to `wait` for the first message, then takes what else is already there,
    /// handing every message to `f` in order. `room()` says how many more the caller
    /// wants (asked before each call into librdkafka, which takes at most [`TAKE`]), so
    /// every message taken is handed over and a batch ends as soon as the caller is full.
    pub fn take(&mut self, wait: Duration, mut f: impl FnMut(Taken<'_>), room: impl Fn() -> usize) {
        let mut timeout = wait.as_millis().min(i32::MAX as u128) as i32;
        let mut first = true;
        self.serve_logs();
        loop {
            let want = if first { 1 } else { TAKE.min(room()) };
            first = false;
            if want == 0 {
                return;
            }
            self.taken.clear();
            // SAFETY: `taken` has capacity for TAKE ≥ want pointers; librdkafka writes at
            // most `want` and returns how many (or -1 on error).
            let n = unsafe {
                rd::rd_kafka_consume_batch_queue(self.raw, timeout, self.taken.as_mut_ptr(), want)
            };
            timeout = 0;
            if n <= 0 {
                return;
            }
            // SAFETY: librdkafka initialised the first n pointers.
            unsafe { self.taken.set_len(n as usize) };
            for &m in &self.taken {
                // SAFETY: m is a message librdkafka handed over, not yet destroyed; the
                // view does not outlive this statement.
                f(unsafe { view(m) });
                // SAFETY: each message is destroyed once, after its last use above.
                unsafe { rd::rd_kafka_message_destroy(m) };
            }
            if (n as usize) < want {
                return;
            }
        }
    }
}

impl Drop for Queue<'_> {
    fn drop(&mut self) {
        self.serve_logs();
        let rk = self.consumer.client().native_ptr();
        // SAFETY: each handle came from librdkafka and is released once; logs go back to
        // the main queue, where rust-rdkafka's poll (and the consumer's close) serve them.
        unsafe {
            let main = rd::rd_kafka_queue_get_main(rk);
            rd::rd_kafka_set_log_queue(rk, main);
            rd::rd_kafka_queue_destroy(main);
            rd::rd_kafka_queue_destroy(self.logs);
            rd::rd_kafka_queue_destroy(self.raw);
        }
    }
}

/// What a message is, borrowing its bytes.
///
/// SAFETY: `m` must be a live message from librdkafka; the result must not outlive it.
unsafe fn view<'a>(m: *mut rd::rd_kafka_message_t) -> Taken<'a> {
    let msg = &*m;
    let bytes = |p: *mut std::ffi::c_void, len: usize| {
        (!p.is_null()).then(|| std::slice::from_raw_parts(p as *const u8, len))
    };
    match msg.err {
        rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR => {
            let mut kind = rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
            let ts = rd::rd_kafka_message_timestamp(m, &mut kind);
            Taken::Record {
                partition: msg.partition as u32,
                offset: msg.offset,
                timestamp: (ts >= 0
                    && kind != rd::rd_kafka_timestamp_type_t::RD_KAFKA_TIMESTAMP_NOT_AVAILABLE)
                    .then_some(ts),
                key: bytes(msg.key, msg.key_len),
                value: bytes(msg.payload, msg.len),
            }
        }
        rd::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR__PARTITION_EOF => Taken::Eof {
            partition: msg.partition as u32,
            offset: msg.offset,
        },
        _ => {
            let text = std::ffi::CStr::from_ptr(rd::rd_kafka_message_errstr(m));
            Taken::Error(text.to_string_lossy().into_owned())
        }
    }
}
