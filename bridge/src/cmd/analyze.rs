//! `hopscope analyze`: the seed's analytics console, offline over sale JSON lines.

use super::window_args::{late_summary, WindowArgs};
use crate::input::{for_each_sale, Input};
use crate::out::{self, Res};
use clap::Parser;
use hopscope_core::pipeline::{Analytics, AnalyticsConfig, Output};
use std::io::{BufWriter, Stdout, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Run the whole pipeline (hopping windows → growth tracker → quality gates → insights →
/// adaptive cooldown) and print alerts in the seed's console format.
#[derive(Parser)]
pub struct Args {
    #[command(flatten)]
    window: WindowArgs,
    #[command(flatten)]
    shape: crate::shape::ShapeArgs,
    /// Also print a KPI line for every fired window.
    #[arg(long)]
    windows: bool,
    /// Also print alerts the cooldown held back.
    #[arg(long)]
    suppressed: bool,
    /// Read the live topic instead of a file (the seed's `--analytics` mode) when
    /// --brokers, --kafka-config or -X names a cluster. Use `--time processing` for the
    /// seed's proctime windows.
    #[command(flatten)]
    kafka: crate::kafka::KafkaArgs,
    #[arg(long, default_value = crate::kafka::DEFAULT_TOPIC)]
    topic: String,
    /// Live: where to start reading. `latest` (new records only), `earliest`,
    /// `warm` (now − size − watermark delay: the first window that fires is already
    /// complete), a duration ago such as `15m`, or an ISO time. Times are found with
    /// Kafka's offsets-for-times on the record timestamps.
    #[arg(long, value_parser = StartAt::parse, default_value = "latest", conflicts_with = "from_earliest")]
    from: StartAt,
    /// Live: same as `--from earliest`.
    #[arg(long)]
    from_earliest: bool,
    /// Live: read window rows that a Flink job (flink/, `scripts/flink.sh`)
    /// computed, from this topic, instead of computing windows from the sales topic: the
    /// same detection and console on Flink's windows. --size and --slide must be the
    /// job's; rows that are not windows are reported with partition and offset and skipped.
    #[arg(long, value_name = "TOPIC")]
    windows_topic: Option<String>,
    /// Live: stop after no record has arrived for this long (e.g. 5s).
    #[arg(long, value_parser = hopscope_core::Span::parse)]
    idle_exit: Option<hopscope_core::Span>,
    /// Input file of sale JSON lines; `-` or nothing reads stdin.
    file: Option<PathBuf>,
}

impl Args {
    fn start(&self) -> StartAt {
        if self.from_earliest {
            StartAt::Earliest
        } else {
            self.from
        }
    }
}

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

    /// The record timestamp to seek to, if this start is a time.
    fn time(
        self,
        now: hopscope_core::Timestamp,
        w: &WindowArgs,
    ) -> Option<hopscope_core::Timestamp> {
        match self {
            StartAt::Latest | StartAt::Earliest => None,
            StartAt::Warm => {
                let delay = if w.is_event_time() {
                    w.watermark_delay
                } else {
                    hopscope_core::Span(0)
                };
                Some(now.minus(w.size).minus(delay))
            }
            StartAt::Ago(d) => Some(now.minus(d)),
            StartAt::At(t) => Some(t),
        }
    }
}

pub fn banner(a: &WindowArgs) -> String {
    format!(
        "🎯 HOPSCOPE REAL-TIME ANALYTICS — {} window, sliding every {}\n{}\n\
         🔧 EventTracker: growth vs the previous window (threshold 15%)\n\
         🔧 AdaptiveCooldown: spam protection (0.8 s – 4.0 s)\n\
         🔧 EventAnalyzer: concentration, category peaks, outliers\n",
        a.size,
        a.slide,
        "=".repeat(63)
    )
}

pub fn kpi_line(w: &hopscope_core::WindowResult) -> String {
    format!(
        "📈 {} → {} | {} sales | {} revenue | avg {} | sellers {} | categories {} | products {} | biggest {}",
        w.window_start,
        w.window_end,
        w.sales_in_window,
        w.revenue.display_usd(),
        w.avg_ticket.display_usd(),
        w.active_sellers,
        w.active_categories,
        w.active_products,
        w.biggest_sale.display_usd()
    )
}

/// Prints what the pipeline has for the reader; counts alerts shown.
struct Printer {
    windows: bool,
    suppressed: bool,
    alerts: u64,
}

impl Printer {
    fn new(a: &Args) -> Printer {
        Printer {
            windows: a.windows,
            suppressed: a.suppressed,
            alerts: 0,
        }
    }

    fn drain(&mut self, analytics: &mut Analytics, w: &mut dyn Write) -> std::io::Result<()> {
        while let Some(o) = analytics.poll() {
            match o {
                Output::Alert(al) => {
                    self.alerts += 1;
                    writeln!(w, "{}\n", al.console_text())?;
                }
                Output::Suppressed(al) if self.suppressed => {
                    writeln!(w, "🔇 (cooldown) {}", al.kind.title())?;
                }
                Output::Window(r) if self.windows => {
                    // Windows fired only because the input ended reach past the last sale:
                    // they empty because the input stopped, so detection skips them.
                    let skipped = analytics
                        .analysed_through()
                        .is_none_or(|t| r.window_end > t);
                    let note = if skipped {
                        " (input ended: not analysed)"
                    } else {
                        ""
                    };
                    writeln!(w, "{}{note}", kpi_line(&r))?
                }
                Output::Late(l) => eprintln!("hopscope: {}", l.describe()),
                _ => {}
            }
        }
        w.flush()
    }
}

fn wall_now() -> hopscope_core::Timestamp {
    hopscope_core::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64),
    )
}

fn from_text(start: StartAt, seek_to: Option<hopscope_core::Timestamp>) -> String {
    match seek_to {
        Some(t) => format!("from {t}"),
        None if start == StartAt::Earliest => "from the earliest record".into(),
        None => "new records only".into(),
    }
}

/// A consumer assigned every partition of `topic`, each at `start` (a time is looked up
/// with offsets-for-times on the record timestamps).
fn assign(
    conn: &crate::kafka::Connection,
    topic: &str,
    start: StartAt,
    seek_to: Option<hopscope_core::Timestamp>,
) -> Res<(rdkafka::consumer::BaseConsumer<crate::kafka::Watch>, u32)> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::{Offset, TopicPartitionList};
    use std::time::Duration;
    let partitions = crate::kafka::partition_count(conn, topic)?;
    let consumer: BaseConsumer<crate::kafka::Watch> =
        crate::kafka::consumer_config(conn, "analyze", &[])
            .create_with_context(crate::kafka::Watch::new(conn))
            .map_err(|e| conn.redact(&e.to_string()))?;
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions as i32 {
        let offset = match (start, seek_to) {
            (_, Some(t)) => Offset::Offset(t.0),
            (StartAt::Earliest, None) => Offset::Beginning,
            _ => Offset::End,
        };
        tpl.add_partition_offset(topic, p, offset)?;
    }
    if seek_to.is_some() {
        // offsets-for-times: the first record at or after the time; none → the end.
        tpl = consumer.offsets_for_times(tpl, Duration::from_secs(10))?;
        for e in tpl.elements() {
            if e.offset() == Offset::Invalid {
                return Err(format!("no offset for time on partition {}", e.partition()).into());
            }
        }
    }
    consumer.assign(&tpl)?;
    Ok((consumer, partitions))
}

/// What both live reads share: every partition of `topic` assigned at `--from`, the banner
/// and a heading, then poll → `on_message` → `after_poll` → print, until `--idle-exit`.
/// `on_start` gets the partition count before the first record; `after_poll` gets how many
/// records have arrived so far; the count is returned with the printer and the writer.
fn follow(
    a: &Args,
    topic: &str,
    what: &str,
    analytics: &mut Analytics,
    on_start: impl FnOnce(&mut Analytics, u32),
    mut on_message: impl FnMut(&mut Analytics, &rdkafka::message::BorrowedMessage<'_>) -> Res<()>,
    mut after_poll: impl FnMut(&mut Analytics, u64),
) -> Res<(Printer, BufWriter<Stdout>, u64)> {
    use rdkafka::consumer::Consumer;
    use std::time::{Duration, Instant};
    let conn = crate::kafka::Connection::from_args(&a.kafka)?;
    for w in conn.warnings(crate::kafka::Role::Consumer) {
        eprintln!("hopscope: {w}");
    }
    crate::kafka::check_connection(&conn, topic, crate::kafka::CONNECT_DEADLINE)?;
    let brokers = conn.describe();
    let start = a.start();
    // A time start seeks by the records' Kafka timestamps.
    let seek_to = start.time(wall_now(), &a.window);
    let (consumer, partitions) = assign(&conn, topic, start, seek_to)?;
    on_start(analytics, partitions);
    let mut w = out::stdout();
    out::line(&mut w, &banner(&a.window))?;
    writeln!(
        w,
        "📡 reading {what}topic {topic:?} ({partitions} partitions) from {brokers}, {}\n",
        from_text(start, seek_to)
    )?;
    w.flush()?;
    let mut printer = Printer::new(a);
    let mut records = 0u64;
    let mut last_record = Instant::now();
    // librdkafka repeats a failing broker every poll: say each new cause once.
    let mut told: Option<String> = None;
    loop {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                last_record = Instant::now();
                records += 1;
                told = None;
                on_message(analytics, &m)?;
            }
            Some(Err(e)) => {
                let why = consumer
                    .context()
                    .cause()
                    .map_or_else(|| e.to_string(), |c| c.message().to_string());
                if told.as_deref() != Some(why.as_str()) {
                    eprintln!("hopscope: kafka: {}", conn.redact(&why));
                    told = Some(why);
                }
            }
            None => {}
        }
        after_poll(analytics, records);
        printer.drain(analytics, &mut w)?;
        if a.idle_exit
            .is_some_and(|idle| last_record.elapsed().as_millis() as i64 >= idle.0)
        {
            return Ok((printer, w, records));
        }
    }
}

/// `--windows-topic`: detection on window rows a Flink job computed. Rows must come in the
/// order they fired (increasing `window_end`, as the job's single writer keeps them); a
/// row that is not a window, has another length than --size, or repeats or goes back in
/// time (a restarted job writing its windows again) is reported with partition and offset
/// and skipped — detection compares each window with an earlier one, so it never runs on a
/// row out of order.
fn run_windows_topic(a: &Args, topic: &str, mut analytics: Analytics) -> Res<ExitCode> {
    use rdkafka::message::Message;
    let size = a.window.size.0;
    let (mut rows, mut bad, mut out_of_order) = (0u64, 0u64, 0u64);
    let mut last_end: Option<hopscope_core::Timestamp> = None;
    let on_row =
        |analytics: &mut Analytics, m: &rdkafka::message::BorrowedMessage<'_>| -> Res<()> {
            rows += 1;
            let at = format!("partition {} offset {}", m.partition(), m.offset());
            let row = m
                .payload()
                .ok_or_else(|| "no value".to_string())
                .and_then(|p| hopscope_core::WindowResult::from_json(p).map_err(|e| e.to_string()));
            match row {
                Err(e) => {
                    bad += 1;
                    eprintln!("hopscope: {topic} {at}: {e} (skipped)");
                }
                Ok(r) if r.window_end.0 - r.window_start.0 != size => {
                    return Err(format!(
                        "{topic} {at}: the window {} → {} is {} long but --size is {}: \
                     give analyze the job's --size and --slide",
                        r.window_start,
                        r.window_end,
                        hopscope_core::Span(r.window_end.0 - r.window_start.0),
                        a.window.size
                    )
                    .into());
                }
                Ok(r) if last_end.is_some_and(|t| r.window_end <= t) => {
                    out_of_order += 1;
                    eprintln!(
                        "hopscope: {topic} {at}: window {} → {} repeats or precedes window \
                     ending {} (skipped)",
                        r.window_start,
                        r.window_end,
                        last_end.unwrap_or_default()
                    );
                }
                Ok(r) => {
                    last_end = Some(r.window_end);
                    analytics.push_window(r);
                }
            }
            Ok(())
        };
    let (printer, mut w, _) = follow(
        a,
        topic,
        "window rows from ",
        &mut analytics,
        |_, _| {},
        on_row,
        |_, _| {},
    )?;
    writeln!(
        w,
        "📋 Summary: {rows} window rows ({bad} not valid windows, {out_of_order} repeated or out of order, all skipped); {} windows analysed; {} alerts shown, {} held back by the cooldown",
        rows - bad - out_of_order,
        printer.alerts,
        analytics.cooldown().blocked()
    )?;
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The live mode: the topic through the pipeline as records arrive, clock = wall clock.
/// In event time every partition has its own watermark (declared before the first record,
/// as Flink's Kafka source knows its splits), so reading partitions at different paces —
/// a replay reads them one batch after another — loses nothing.
fn run_live(a: &Args, mut analytics: Analytics) -> Res<ExitCode> {
    use rdkafka::message::Message;
    use std::time::{Duration, Instant};
    let mut invalid = 0u64;
    // One reused batch: records decode by the fast path into its buffers, no allocation
    // per record (a mapped shape reads each record to a Sale first).
    let mut batch = hopscope_core::SaleBatch::new();
    let shape = a.shape.shape()?;
    let on_sale =
        |analytics: &mut Analytics, m: &rdkafka::message::BorrowedMessage<'_>| -> Res<()> {
            batch.clear();
            let pushed = m.payload().map(|v| match &shape {
                None => batch.push_json(v),
                Some(shape) => {
                    let at = m.timestamp().to_millis().map(hopscope_core::Timestamp);
                    shape.decode(v, at).map(|s| batch.push_sale(&s))
                }
            });
            match pushed {
                Some(Ok(())) => analytics.push(batch.get(0), m.partition() as u32, wall_now()),
                Some(Err(e)) => {
                    invalid += 1;
                    eprintln!(
                        "hopscope: partition {} offset {}: {e}",
                        m.partition(),
                        m.offset()
                    );
                }
                None => {
                    invalid += 1;
                    eprintln!(
                        "hopscope: partition {} offset {}: no value",
                        m.partition(),
                        m.offset()
                    );
                }
            }
            Ok(())
        };
    // Say once why windows do not fire, when a partition holds the watermark.
    let mut last_fired = (analytics.stats().windows_fired, Instant::now());
    let mut told_holding = None;
    let tick = |analytics: &mut Analytics, records: u64| {
        analytics.advance(wall_now());
        let fired = analytics.stats().windows_fired;
        if fired != last_fired.0 {
            last_fired = (fired, Instant::now());
        } else if records > 0 && last_fired.1.elapsed() >= Duration::from_secs(10) {
            let holding = analytics.engine().holding_partition();
            if holding.is_some() && holding != told_holding {
                told_holding = holding;
                eprintln!(
                    "hopscope: no window has fired for 10 s: partition {} holds the watermark \
                     (no newer records); --idle-timeout lets a silent partition go",
                    holding.unwrap_or_default()
                );
            }
        }
    };
    // Flink's Kafka source knows its splits before their first record; so does analyze.
    let declare = |analytics: &mut Analytics, partitions: u32| {
        let now = wall_now();
        for p in 0..partitions {
            analytics.declare_partition(p, now);
        }
    };
    let (mut printer, mut w, records) =
        follow(a, &a.topic, "", &mut analytics, declare, on_sale, tick)?;
    analytics.flush();
    printer.drain(&mut analytics, &mut w)?;
    writeln!(
        w,
        "📋 Summary: {records} records ({invalid} not valid sales); {}; {} windows; {} alerts shown, {} held back by the cooldown",
        late_summary(&analytics.stats()),
        analytics.stats().windows_fired,
        printer.alerts,
        analytics.cooldown().blocked()
    )?;
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn run(a: Args) -> Res<ExitCode> {
    let config = AnalyticsConfig {
        window: a.window.config(a.kafka.given())?,
        ..AnalyticsConfig::default()
    };
    let mut analytics = Analytics::new(config)?;
    if let Some(topic) = a.windows_topic.clone() {
        if !a.kafka.given() {
            return Err("--windows-topic reads a Kafka topic: name the cluster with --brokers, --kafka-config or -X".into());
        }
        return run_windows_topic(&a, &topic, analytics);
    }
    if a.kafka.given() {
        return run_live(&a, analytics);
    }
    let mut input = Input::open(
        a.file.as_deref(),
        a.window.partitions,
        a.shape.file_shape()?,
    )?;
    let mut w = out::stdout();
    out::line(&mut w, &banner(&a.window))?;
    let mut printer = Printer::new(&a);
    let summary = for_each_sale(&mut input, |sale, partition, now| {
        analytics.push(sale, partition, now);
        printer.drain(&mut analytics, &mut w)
    })?;
    analytics.flush();
    printer.drain(&mut analytics, &mut w)?;
    let blocked = analytics.cooldown().blocked();
    writeln!(
        w,
        "📋 Summary: {}; {}; {} windows; {} alerts shown, {blocked} held back by the cooldown",
        summary.describe(),
        late_summary(&analytics.stats()),
        analytics.stats().windows_fired,
        printer.alerts
    )?;
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
