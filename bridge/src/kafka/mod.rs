//! Kafka plumbing shared by the subcommands: how to reach the cluster (`config`), why a
//! connection fails (`diagnose`), the seed's client settings and topic set-up.

pub mod config;
pub mod diagnose;
pub mod producer;
pub mod records;
pub mod seek;
mod tls_probe;

pub use config::{Connection, KafkaArgs, Role};
pub use diagnose::Watch;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::RDKafkaErrorCode;
use std::time::{Duration, Instant};

pub const DEFAULT_TOPIC: &str = "sales";

/// Where the sales are: shared by every subcommand that talks to Kafka.
#[derive(clap::Args, Clone, Debug)]
pub struct TopicArgs {
    #[command(flatten)]
    pub conn: KafkaArgs,
    /// The topic of sales.
    #[arg(long, default_value = DEFAULT_TOPIC)]
    pub topic: String,
}

/// Which keyed partitioner `produce` uses, and what `partition` predicts.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum PartitionerArg {
    /// toPositive(murmur2(key)) % n: Kafka's Java client, Kafka Streams, librdkafka's
    /// murmur2_random. The default, so every Java consumer agrees on where a seller is.
    Murmur2,
    /// crc32(key) % n: librdkafka's default consistent_random, so confluent-kafka (the
    /// seed's Python producer) and other librdkafka clients left on their defaults.
    ConsistentRandom,
}

impl From<PartitionerArg> for hopscope_core::partition::Partitioner {
    fn from(p: PartitionerArg) -> Self {
        match p {
            PartitionerArg::Murmur2 => hopscope_core::partition::Partitioner::Murmur2,
            PartitionerArg::ConsistentRandom => {
                hopscope_core::partition::Partitioner::ConsistentRandom
            }
        }
    }
}

/// The seed's durable producer settings, with murmur2 keyed partitioning so librdkafka
/// places keys exactly like Kafka's Java client (and core's `partition_for_key`); callers
/// may set `partitioner` to another, and `tune` (a [`ProducerProfile`]'s settings) changes
/// hopscope's values; the user's settings still win.
pub fn producer_config(
    conn: &Connection,
    partitioner: &str,
    tune: &[(&str, &str)],
) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set_log_level(rdkafka::config::RDKafkaLogLevel::Warning);
    c.set("client.id", "hopscope-producer")
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("compression.type", "snappy")
        .set("batch.size", "16384")
        .set("linger.ms", "5")
        .set("retries", "3")
        .set("queue.buffering.max.kbytes", "32768")
        .set("partitioner", partitioner)
        .set("message.timeout.ms", "30000");
    for (k, v) in tune {
        c.set(*k, *v);
    }
    conn.config(c)
}

/// How `produce` trades latency for throughput. Both keep every record durable and in
/// order: acks=all and idempotence are not a profile's to change.
#[derive(Clone, Copy, Debug, Default, PartialEq, clap::ValueEnum)]
pub enum ProducerProfile {
    /// The seed's settings: snappy, batch.size=16384, linger.ms=5 — small batches sent
    /// soon (a few ms from send to broker).
    #[default]
    Seed,
    /// Large batches for bulk loads: lz4 (cheaper to compress and to read back than
    /// snappy), batch.size=1000000, linger.ms=50, a queue of up to 1,000,000 records or
    /// 256 MiB, and one producer client per core. Two to three times the seed's rate here
    /// (BENCHMARKS.md), each record up to 50 ms later.
    Throughput,
}

impl ProducerProfile {
    /// How many producer clients share the partitions. librdkafka compresses and builds
    /// requests on one thread per broker connection, and with large lz4 batches that
    /// thread is the bottleneck (BENCHMARKS.md): the throughput profile runs one client per
    /// core, each with its own connection and thread, up to one per partition. The seed's
    /// profile keeps the seed's single producer; transactions keep one (one id, one
    /// producer).
    pub fn clients(self, transactional: bool, partitions: u32) -> usize {
        match self {
            ProducerProfile::Throughput if !transactional => std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, 4)
                .min(partitions.max(1) as usize),
            _ => 1,
        }
    }

    /// The settings this profile changes from the seed's.
    pub fn settings(self) -> &'static [(&'static str, &'static str)] {
        match self {
            ProducerProfile::Seed => &[],
            ProducerProfile::Throughput => &[
                ("compression.type", "lz4"),
                ("batch.size", "1000000"),
                ("linger.ms", "50"),
                ("queue.buffering.max.messages", "1000000"),
                ("queue.buffering.max.kbytes", "262144"),
            ],
        }
    }
}

/// A consumer with no consumer group semantics in use: hopscope assigns partitions and
/// offsets itself, so every reader (each WebSocket client, each `analyze`) is independent.
/// `tune` sets hopscope's own values that differ by reader; the user's settings still win.
pub fn consumer_config(conn: &Connection, id: &str, tune: &[(&str, &str)]) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("group.id", format!("hopscope-{id}"))
        .set("client.id", format!("hopscope-{id}"))
        .set("enable.auto.commit", "false")
        .set("enable.auto.offset.store", "false")
        .set("enable.partition.eof", "false")
        .set("fetch.wait.max.ms", "20")
        // Each reader's prefetch queue is bounded (memory per WebSocket client stays small)
        // and refilled promptly once drained: librdkafka's default 1 s back-off after the
        // queue was full left the relay idle for half of every second when replaying.
        .set("queued.max.messages.kbytes", "16384")
        .set("fetch.queue.backoff.ms", "5")
        .set("socket.keepalive.enable", "true")
        // Back within about a second of the broker's return (librdkafka's default backoff
        // grows to 10 s: a replay asked for during an outage waited 20–90 s).
        .set("reconnect.backoff.ms", "100")
        .set("reconnect.backoff.max.ms", "1000")
        // Only committed records: a producer's aborted transaction is never analysed.
        .set("isolation.level", "read_committed")
        // Warnings reach the Watch context (why a broker refuses us), whatever logger runs.
        .set_log_level(rdkafka::config::RDKafkaLogLevel::Warning);
    for (k, v) in tune {
        c.set(*k, *v);
    }
    conn.config(c)
}

/// Closes and drops a consumer without rust-rdkafka's wait.
///
/// Why: rust-rdkafka's `Drop` closes a consumer that has a group and then polls in steps of
/// 100 ms until librdkafka says it is closed. The close itself takes about a millisecond,
/// so each consumer dropped cost up to 100 ms: a tenth of a second at the end of every
/// `analyze --until end`, and another on its start (the metadata client). Closed here,
/// checked every millisecond (at most [`CLOSE_DEADLINE`]), the drop has nothing left to
/// wait for.
pub fn close<C: rdkafka::consumer::ConsumerContext>(consumer: BaseConsumer<C>) {
    if consumer.close_queue().is_ok() {
        let t0 = Instant::now();
        while !consumer.closed() && t0.elapsed() < CLOSE_DEADLINE {
            consumer.poll(Duration::from_millis(1));
        }
    }
}

/// How long [`close`] waits for librdkafka to close a consumer.
const CLOSE_DEADLINE: Duration = Duration::from_secs(5);

/// How long a command waits for the broker to accept it before giving up.
pub const CONNECT_DEADLINE: Duration = Duration::from_secs(25);

/// After this long without an answer, [`check_connection`] says it is still trying.
const TELL_WAITING: Duration = Duration::from_secs(4);

/// Connects once and reads `topic`'s metadata: `Ok` as soon as the broker answers (with
/// the topic's partition count if it has partitions: callers need not ask again), an
/// error naming the cause as soon as it is one retrying cannot cure (a refused password,
/// an untrusted certificate, …), or after `within`. With `tell`, a broker still
/// unreachable after [`TELL_WAITING`] is said once on stderr, with how long it is retried
/// (a wrong port or a broker still starting look the same for that long).
pub fn check_connection(
    conn: &Connection,
    topic: &str,
    within: Duration,
    tell: bool,
) -> Result<Option<u32>, String> {
    let watch = Watch::new(conn);
    // No group.id: metadata only, and librdkafka's messages reach the watch directly.
    let mut cfg = consumer_config(conn, "check", &[]);
    cfg.remove("group.id");
    let client: BaseConsumer<Watch> = cfg
        .create_with_context(watch.clone())
        .map_err(|e| conn.redact(&format!("cannot create a Kafka client: {e}")))?;
    let t0 = Instant::now();
    let mut told_protocol = false;
    let mut told_waiting = false;
    loop {
        let left = within.saturating_sub(t0.elapsed());
        let last = match client.fetch_metadata(Some(topic), left.min(Duration::from_secs(1))) {
            Ok(md) => return Ok(partitions_in(&md, topic)),
            Err(e) => e.to_string(),
        };
        // librdkafka queues its log and error events: serving them hands their text to
        // the watch.
        while client.poll(Duration::ZERO).is_some() {}
        if let Some(cause) = watch.cause().filter(diagnose::Cause::definitive) {
            return Err(format!("Kafka at {}: {}", conn.describe(), cause.message()));
        }
        // A plaintext client at a TLS listener hears nothing librdkafka reports: ask the port.
        if t0.elapsed() >= Duration::from_secs(3) && !told_protocol {
            told_protocol = true;
            if let Some(cause) = watch.protocol_mismatch() {
                return Err(format!("Kafka at {}: {}", conn.describe(), cause.message()));
            }
        }
        if tell && !told_waiting && t0.elapsed() >= TELL_WAITING {
            if let Some(diagnose::Cause::Unreachable(why)) = watch.cause() {
                told_waiting = true;
                eprintln!(
                    "hopscope: ⏳ Kafka at {} does not answer yet ({}); trying for up to {} s",
                    conn.describe(),
                    conn.redact(&why),
                    within.as_secs()
                );
            }
        }
        if t0.elapsed() >= within {
            // A known cause reads the same however the attempt ended, so a caller that says
            // each cause once (serve) says it once.
            return Err(conn.redact(&match watch.cause() {
                Some(c) => format!("Kafka at {}: {}", conn.describe(), c.message()),
                None => format!(
                    "Kafka at {} did not answer within {} s: {last}",
                    conn.describe(),
                    within.as_secs()
                ),
            }));
        }
    }
}

/// librdkafka's version and the features it was built with, for `--version`.
pub fn librdkafka_version() -> String {
    let (_, version) = rdkafka::util::get_rdkafka_version();
    let features = ClientConfig::new()
        .create_native_config()
        .ok()
        .and_then(|c| c.get("builtin.features").ok())
        .unwrap_or_default();
    format!("librdkafka {version} ({features})")
}

/// Creates `topic` with `partitions` partitions (replication 1) unless it exists; returns
/// the topic's actual partition count.
pub async fn ensure_topic(conn: &Connection, topic: &str, partitions: u32) -> Result<u32, String> {
    let brokers = conn.brokers();
    let admin: AdminClient<Watch> = conn
        .config(ClientConfig::new())
        .create_with_context(Watch::new(conn))
        .map_err(|e| {
            conn.redact(&format!(
                "cannot create a Kafka admin client for {brokers}: {e}"
            ))
        })?;
    let new = NewTopic::new(topic, partitions as i32, TopicReplication::Fixed(1));
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(20)));
    let results = admin.create_topics([&new], &opts).await.map_err(|e| {
        conn.redact(&format!(
            "cannot reach Kafka at {brokers} to create topic {topic:?}: {e}"
        ))
    })?;
    for r in results {
        match r {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((t, code)) => return Err(format!("cannot create topic {t:?}: {code}")),
        }
    }
    partition_count(conn, topic)
}

/// [`ensure_topic`] from synchronous code: creates `topic` (6 partitions) unless it exists.
pub fn ensure_topic_blocking(conn: &Connection, topic: &str) -> Result<u32, String> {
    ensure_topic_with(conn, topic, 6)
}

/// A results topic: one partition, so its readers get the results in the order they came.
pub fn ensure_topic_one_partition(conn: &Connection, topic: &str) -> Result<u32, String> {
    ensure_topic_with(conn, topic, 1)
}

fn ensure_topic_with(conn: &Connection, topic: &str, partitions: u32) -> Result<u32, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?
        .block_on(ensure_topic(conn, topic, partitions))
}

/// [`check_connection`], then `topic`'s partition count: the one the check read, or (a
/// topic without partitions yet) [`partition_count`]'s.
pub fn connect_and_count(
    conn: &Connection,
    topic: &str,
    within: Duration,
    tell: bool,
) -> Result<u32, String> {
    match check_connection(conn, topic, within, tell)? {
        Some(n) => Ok(n),
        None => partition_count(conn, topic),
    }
}

/// How many partitions `topic` has, from the broker's metadata.
fn partition_count(conn: &Connection, topic: &str) -> Result<u32, String> {
    let brokers = conn.brokers();
    // No group.id: metadata only (a group consumer's close costs time, see `close`).
    let mut cfg = consumer_config(conn, "metadata", &[]);
    cfg.remove("group.id");
    let c: BaseConsumer<Watch> = cfg
        .create_with_context(Watch::new(conn))
        .map_err(|e| conn.redact(&format!("cannot create a Kafka client for {brokers}: {e}")))?;
    for _ in 0..40 {
        let md = c
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .map_err(|e| {
                conn.redact(&format!(
                    "cannot read metadata of {topic:?} from {brokers}: {e}"
                ))
            })?;
        if let Some(n) = partitions_in(&md, topic) {
            return Ok(n);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(format!("topic {topic:?} has no partitions on {brokers}"))
}

/// `topic`'s partition count in `md`, if it is there without error and has partitions.
fn partitions_in(md: &rdkafka::metadata::Metadata, topic: &str) -> Option<u32> {
    let t = md.topics().iter().find(|t| t.name() == topic)?;
    (t.error().is_none() && !t.partitions().is_empty()).then(|| t.partitions().len() as u32)
}
