//! `hopscope produce`: generated sales into a Kafka topic, keyed by seller, with the
//! seed's durable producer settings.

mod generated;

use crate::catalog_file;
use crate::kafka;
use crate::kafka::producer::PolledProducer;
use crate::out::Res;
use clap::Parser;
use hopscope_core::generate::{
    GeneratorConfig, SaleGenerator, ScheduledScenario, DEFAULT_PARTITIONS,
};
use hopscope_core::{Span, Timestamp};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{DeliveryResult, Message};
use rdkafka::producer::{BaseRecord, Producer, ProducerContext};
use rdkafka::ClientContext;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Produce generated sales to a Kafka topic (created with 6 partitions if missing).
///
/// Key = seller, value = the sale's JSON; acks=all, idempotence, snappy, batch.size=16384,
/// linger.ms=5, retries=3, partitioner=murmur2_random (partitions equal Java clients' and
/// `hopscope partition`'s; --partitioner consistent-random for librdkafka's default, as the
/// seed's confluent-kafka producer). Ctrl-C stops generating and flushes what is in flight.
#[derive(Parser)]
pub struct Args {
    #[command(flatten)]
    kafka: kafka::TopicArgs,
    /// Partitions to create the topic with, if it does not exist.
    #[arg(long, default_value_t = DEFAULT_PARTITIONS)]
    partitions: u32,
    /// How keys (sellers) are placed on partitions.
    #[arg(long, value_enum, default_value = "murmur2")]
    partitioner: kafka::PartitionerArg,
    /// Producer settings: the seed's (default), or `throughput` for bulk loads (lz4,
    /// 1 MB batches, linger 50 ms; still acks=all and idempotent). -X and --kafka-config
    /// settings win over either.
    #[arg(long, value_enum, default_value = "seed")]
    profile: kafka::ProducerProfile,
    /// Sales per second.
    #[arg(long, default_value_t = 5.0)]
    rate: f64,
    /// Stop after this many sales.
    #[arg(long)]
    count: Option<u64>,
    /// Stop after this much time (simulated time with --no-pace).
    #[arg(long, value_parser = Span::parse)]
    duration: Option<Span>,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Scenario to trigger (repeatable), as for `hopscope generate`.
    #[arg(long = "scenario", value_parser = ScheduledScenario::parse)]
    scenarios: Vec<ScheduledScenario>,
    /// Do not wait for the wall clock: produce as fast as possible, sale times following a
    /// simulated clock from --start (default: now).
    #[arg(long)]
    no_pace: bool,
    /// Time of the first sale (ISO-8601); default now.
    #[arg(long, value_parser = Timestamp::parse_iso)]
    start: Option<Timestamp>,
    /// Sell from another catalog (see `hopscope generate --help`).
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// Write the sales in another shape (to try a pipeline on a topic like yours):
    /// `--field seller=/merchant/id` puts the seller there; with `sale_date=@timestamp` the
    /// sale's time is the record's timestamp.
    #[command(flatten)]
    shape: crate::shape::ShapeArgs,
    /// Write the sales in Kafka transactions under this `transactional.id` (the seed's
    /// "transactional producers"): a transaction commits every --transaction-size sales,
    /// at least every second, and at the end (Ctrl-C too). A producer killed mid-transaction
    /// leaves nothing a `read_committed` reader sees — and hopscope's readers all are; the
    /// next producer with the same id aborts what it left open.
    #[arg(long, value_name = "ID")]
    transactional_id: Option<String>,
    /// Sales per transaction.
    #[arg(long, default_value_t = 1_000, requires = "transactional_id")]
    transaction_size: u64,
    /// Producer clients sharing the partitions, each with its own connection and
    /// compression thread (a partition always goes through the same one, so its order
    /// and idempotence hold). Default: 1 with the seed's profile, one per core (up to 4)
    /// with `--profile throughput`.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..=64),
          conflicts_with = "transactional_id")]
    clients: Option<u16>,
}

/// Tests widen the moment between a transaction's records and its commit, to kill the
/// producer there (`HOPSCOPE_TEST_TXN_PAUSE_MS`; debug builds only).
fn test_pause_before_commit() {
    #[cfg(debug_assertions)]
    if let Some(ms) = std::env::var("HOPSCOPE_TEST_TXN_PAUSE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(Duration::from_millis(ms));
    }
}

/// A transaction around the sales sent, when --transactional-id asks for them.
struct Transactions {
    size: u64,
    open: u64,
    since: Instant,
    committed: u64,
}

impl Transactions {
    const TIMEOUT: Duration = Duration::from_secs(30);

    /// Commits the open transaction when it is full or a second old (`force`: any).
    fn maybe_commit(
        &mut self,
        producer: &PolledProducer<Delivery>,
        conn: &kafka::Connection,
        force: bool,
    ) -> Res<()> {
        if self.open == 0
            || !(force || self.open >= self.size || self.since.elapsed() >= Duration::from_secs(1))
        {
            return Ok(());
        }
        test_pause_before_commit();
        producer
            .commit_transaction(Self::TIMEOUT)
            .map_err(|e| conn.redact(&format!("cannot commit a transaction: {e}")))?;
        self.committed += self.open;
        self.open = 0;
        if !force {
            self.begin(producer, conn)?;
        }
        Ok(())
    }

    fn begin(&mut self, producer: &PolledProducer<Delivery>, conn: &kafka::Connection) -> Res<()> {
        producer
            .begin_transaction()
            .map_err(|e| conn.redact(&format!("cannot begin a transaction: {e}")))?;
        self.since = Instant::now();
        Ok(())
    }
}

#[derive(Default)]
struct Counts {
    acked: AtomicU64,
    failed: AtomicU64,
    first_errors: Mutex<Vec<String>>,
}

struct Delivery(Arc<Counts>, kafka::Watch);

impl ClientContext for Delivery {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, message: &str) {
        self.1.log(level, fac, message);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        self.1.error(error, reason);
    }
}

impl ProducerContext for Delivery {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &DeliveryResult<'_>, _: ()) {
        match result {
            Ok(_) => {
                self.0.acked.fetch_add(1, Ordering::Relaxed);
            }
            Err((e, m)) => {
                self.0.failed.fetch_add(1, Ordering::Relaxed);
                let mut errs = self.0.first_errors.lock().expect("not poisoned");
                if errs.len() < 10 {
                    let key = m.key().map(String::from_utf8_lossy).unwrap_or_default();
                    errs.push(format!("delivery failed (key {key:?}): {e}"));
                }
            }
        }
    }
}

pub fn run(a: Args) -> Res<ExitCode> {
    if !(a.rate.is_finite() && a.rate > 0.0) {
        return Err(format!("--rate must be positive, got {}", a.rate).into());
    }
    if a.count.is_none() && a.duration.is_none() && a.no_pace {
        return Err("--no-pace needs --count or --duration".into());
    }
    let shape = a.shape.shape()?;
    if let Some(s) = &shape {
        s.check_writable()?;
    }
    let conn = kafka::Connection::from_args(&a.kafka.conn)?;
    for w in conn.warnings(kafka::Role::Producer) {
        eprintln!("hopscope: {w}");
    }
    let known = kafka::check_connection(&conn, &a.kafka.topic, kafka::CONNECT_DEADLINE, true)?;
    let rt = tokio::runtime::Runtime::new()?;
    // A topic that exists is used as it is (the check counted its partitions): creating
    // one takes an admin client, and dropping that waits up to 100 ms.
    let partitions = match known {
        Some(n) => n,
        None => rt.block_on(kafka::ensure_topic(&conn, &a.kafka.topic, a.partitions))?,
    };
    let catalog = catalog_file::load(a.catalog.as_deref())?;
    let counts = Arc::new(Counts::default());
    let partitioner: hopscope_core::partition::Partitioner = a.partitioner.into();
    let watch = kafka::Watch::new(&conn);
    let mut config =
        kafka::producer_config(&conn, partitioner.librdkafka_name(), a.profile.settings());
    if let Some(id) = &a.transactional_id {
        config.set("transactional.id", id);
    }
    // With several clients hopscope places each record itself, so it must know the
    // partitioner in effect: a `-X partitioner=` it cannot reproduce keeps one client and
    // leaves placement to librdkafka.
    let placement = match conn.get("partitioner") {
        None => Some(partitioner),
        Some(name) => hopscope_core::partition::Partitioner::parse(name).ok(),
    };
    let clients = match placement {
        Some(_) => a
            .clients
            .map_or_else(
                || a.profile.clients(a.transactional_id.is_some(), partitions),
                usize::from,
            )
            .min(partitions.max(1) as usize),
        None => 1,
    };
    let producers = (0..clients)
        .map(|i| {
            let mut config = config.clone();
            if clients > 1 {
                config.set("client.id", format!("hopscope-producer-{i}"));
            }
            PolledProducer::create(&config, Delivery(counts.clone(), watch.clone())).map_err(|e| {
                conn.redact(&format!(
                    "cannot create a Kafka producer for {}: {e}",
                    conn.brokers()
                ))
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let producer = &producers[0];
    // An idempotent producer sends nothing before it has a producer id, and librdkafka
    // asks for one on a 500 ms timer from its creation, or sooner when a metadata answer
    // arrives while a broker connection is up: asking for the topic's metadata now gets
    // the id at once instead of holding the first half second of sales back (a bulk
    // load's whole run, at 300k sales). Twice: the first answer can come before its
    // connection counts as up (then the timer still decided, in about one run of three
    // here). Bounded to a second each: the connection was just checked, and a broker
    // that stops answering now must not hold the start back. A failure here is not one:
    // delivery reports whatever stays wrong.
    for p in &producers {
        for _ in 0..2 {
            let _ = p
                .client()
                .fetch_metadata(Some(&a.kafka.topic), Duration::from_secs(1));
        }
    }
    // Transactions: the id is registered (fencing any earlier producer with it, whose
    // open transaction is aborted), then one is begun.
    let mut txn = match &a.transactional_id {
        Some(id) => {
            producer
                .init_transactions(Transactions::TIMEOUT)
                .map_err(|e| {
                    conn.redact(&format!(
                        "cannot start transactions as {id:?} on {}: {e}",
                        conn.brokers()
                    ))
                })?;
            let mut t = Transactions {
                size: a.transaction_size.max(1),
                open: 0,
                since: Instant::now(),
                committed: 0,
            };
            t.begin(producer, &conn)?;
            Some(t)
        }
        None => None,
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        rt.spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                stop.store(true, Ordering::SeqCst);
            }
        });
    }
    eprintln!(
        "🚀 producing to topic {:?} on {} ({partitions} partitions, key = seller){}",
        a.kafka.topic,
        conn.describe(),
        if a.no_pace {
            ", as fast as possible"
        } else {
            ""
        }
    );
    // The generator starts now, not before the clients were set up: a paced sale's time
    // is the moment it is handed over (the set-up took tens of milliseconds, which every
    // paced sale's latency carried).
    let t0 = Instant::now();
    let start = a.start.unwrap_or_else(crate::wall_now);
    let mut gen = SaleGenerator::new(
        catalog,
        &GeneratorConfig {
            seed: a.seed,
            rate: a.rate,
            start,
            partitions,
        },
    );
    for s in &a.scenarios {
        gen.trigger(s.scenario.clone(), start.plus(s.after));
    }
    // The generator places each sale with the partitioner in effect (used with several
    // clients), on its own thread.
    if let Some(p) = placement {
        gen.set_partitioner(p);
    }
    let uses_record_timestamp = shape.as_ref().is_some_and(|s| s.uses_record_timestamp());
    let sales = generated::Sales::start(
        gen,
        generated::Plan {
            paced: !a.no_pace,
            start,
            end: a.duration.map(|d| start.plus(d)),
            limit: a.count.unwrap_or(u64::MAX),
            shape,
        },
        stop.clone(),
        t0,
    );
    let progress = std::io::stderr().is_terminal();
    let mut last_report = Instant::now();
    let mut sent = 0u64;
    'batches: while let Ok(batch) = sales.rx.recv() {
        let batch = match batch {
            generated::Generated::Sales(b) => b,
            generated::Generated::Failed(e) => return Err(e.into()),
        };
        for g in batch.iter() {
            if stop.load(Ordering::SeqCst) {
                break 'batches;
            }
            let mut record = BaseRecord::to(&a.kafka.topic).key(g.key).payload(g.value);
            // With several clients each partition has one of them, so its records stay in
            // order and each client's idempotence covers them; the partition is the one
            // the configured partitioner gives (librdkafka's own choice with one client).
            let client = if placement.is_some() && clients > 1 {
                record = record.partition(g.partition as i32);
                &producers[g.partition as usize % clients]
            } else {
                producer
            };
            if uses_record_timestamp {
                record = record.timestamp(g.time.0);
            }
            loop {
                match client.send(record) {
                    Ok(()) => break,
                    Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), r)) => {
                        record = r;
                        std::thread::sleep(Duration::from_millis(5));
                    }
                    Err((e, _)) => {
                        return Err(conn.redact(&format!("cannot enqueue a sale: {e}")).into())
                    }
                }
            }
            sent += 1;
            if let Some(t) = txn.as_mut() {
                t.open += 1;
                t.maybe_commit(producer, &conn, false)?;
            }
            if progress && last_report.elapsed() >= Duration::from_secs(1) {
                last_report = Instant::now();
                eprint!(
                    "\r📤 sent {sent} · acknowledged {} · failed {} · {:.0} sales/s   ",
                    counts.acked.load(Ordering::Relaxed),
                    counts.failed.load(Ordering::Relaxed),
                    sent as f64 / t0.elapsed().as_secs_f64()
                );
            }
        }
        sales.recycle(batch);
    }
    drop(sales);
    if stop.load(Ordering::SeqCst) {
        eprintln!("\n⏹  interrupted: flushing what is in flight…");
    }
    // The last transaction commits (which flushes it).
    let uncommitted = txn
        .as_mut()
        .and_then(|t| t.maybe_commit(producer, &conn, true).err());
    let flushed = producers
        .iter()
        .try_for_each(|p| p.flush(Duration::from_secs(30)));
    let (acked, failed) = (
        counts.acked.load(Ordering::SeqCst),
        counts.failed.load(Ordering::SeqCst),
    );
    let secs = t0.elapsed().as_secs_f64();
    for e in counts.first_errors.lock().expect("not poisoned").iter() {
        eprintln!("❌ {}", conn.redact(e));
    }
    if failed > 0 {
        if let Some(cause) = watch.cause() {
            eprintln!("❌ {}", cause.message());
        }
    }
    if progress {
        eprintln!();
    }
    println!(
        "✅ produced {sent} sales to topic {:?}: {acked} acknowledged, {failed} failed, in {secs:.1} s ({:.0} sales/s)",
        a.kafka.topic,
        acked as f64 / secs.max(1e-9)
    );
    if let Some(t) = &txn {
        println!(
            "🔒 in transactions as {:?}: {} sales committed",
            a.transactional_id.as_deref().unwrap_or_default(),
            t.committed
        );
    }
    if let Some(e) = uncommitted {
        eprintln!("❌ {e}: its sales are not visible to read_committed readers");
        return Ok(ExitCode::from(1));
    }
    if let Err(e) = flushed {
        eprintln!(
            "❌ flush did not complete: {e}; {} sales unconfirmed",
            sent - acked - failed
        );
        return Ok(ExitCode::from(1));
    }
    Ok(if failed > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
