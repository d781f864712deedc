//! Kafka plumbing shared by the subcommands: the seed's client settings and topic set-up.

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::RDKafkaErrorCode;
use std::time::Duration;

pub const DEFAULT_BROKERS: &str = "127.0.0.1:9092";
pub const DEFAULT_TOPIC: &str = "sales";

/// Where the sales are: shared by every subcommand that talks to Kafka.
#[derive(clap::Args, Clone, Debug)]
pub struct TopicArgs {
    /// Kafka bootstrap servers.
    #[arg(long, default_value = DEFAULT_BROKERS)]
    pub brokers: String,
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
/// may set `partitioner` to another.
pub fn producer_config(brokers: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", brokers)
        .set("client.id", "hopscope-producer")
        .set("acks", "all")
        .set("enable.idempotence", "true")
        .set("compression.type", "snappy")
        .set("batch.size", "16384")
        .set("linger.ms", "5")
        .set("retries", "3")
        .set("queue.buffering.max.kbytes", "32768")
        .set("partitioner", "murmur2_random")
        .set("message.timeout.ms", "30000");
    c
}

/// A consumer with no consumer group semantics in use: hopscope assigns partitions and
/// offsets itself, so every reader (each WebSocket client, each `analyze`) is independent.
pub fn consumer_config(brokers: &str, id: &str) -> ClientConfig {
    let mut c = ClientConfig::new();
    c.set("bootstrap.servers", brokers)
        .set("group.id", format!("hopscope-{id}"))
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
        .set("reconnect.backoff.max.ms", "1000");
    c
}

/// Creates `topic` with `partitions` partitions (replication 1) unless it exists; returns
/// the topic's actual partition count.
pub async fn ensure_topic(brokers: &str, topic: &str, partitions: u32) -> Result<u32, String> {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .create()
        .map_err(|e| format!("cannot create a Kafka admin client for {brokers}: {e}"))?;
    let new = NewTopic::new(topic, partitions as i32, TopicReplication::Fixed(1));
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(20)));
    let results = admin
        .create_topics([&new], &opts)
        .await
        .map_err(|e| format!("cannot reach Kafka at {brokers} to create topic {topic:?}: {e}"))?;
    for r in results {
        match r {
            Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((t, code)) => return Err(format!("cannot create topic {t:?}: {code}")),
        }
    }
    partition_count(brokers, topic)
}

/// How many partitions `topic` has, from the broker's metadata.
pub fn partition_count(brokers: &str, topic: &str) -> Result<u32, String> {
    let c: BaseConsumer = consumer_config(brokers, "metadata")
        .create()
        .map_err(|e| format!("cannot create a Kafka client for {brokers}: {e}"))?;
    for _ in 0..40 {
        let md = c
            .fetch_metadata(Some(topic), Duration::from_secs(10))
            .map_err(|e| format!("cannot read metadata of {topic:?} from {brokers}: {e}"))?;
        if let Some(t) = md.topics().iter().find(|t| t.name() == topic) {
            if t.error().is_none() && !t.partitions().is_empty() {
                return Ok(t.partitions().len() as u32);
            }
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    Err(format!("topic {topic:?} has no partitions on {brokers}"))
}
