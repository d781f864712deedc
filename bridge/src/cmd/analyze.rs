//! `hopscope analyze`: the seed's analytics console, offline over sale JSON lines.

use crate::checkpoint::{Checkpoints, Resume};
use crate::console::{banner, Printer};
use crate::input::{for_each_sale, FileInput};
use crate::kafka::seek::{assign, from_text, StartAt};
use crate::out::{self, Res};
use crate::report::{At, Kind};
use crate::window_args::{
    dead_letter_summary, guard_sale, guard_summary, late_summary, GuardInput, NewestSale,
    WindowArgs,
};
use clap::Parser;
use hopscope_core::pipeline::{Analytics, AnalyticsConfig};
use hopscope_core::window::align::Alignment;
use hopscope_core::window::guard::TimeGuard;
use std::collections::BTreeMap;
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
    /// Live: stop once every partition has been read up to the end it had when analyze
    /// started (`end`; as Flink's `scan.bounded.mode = latest-offset` and kcat's -e): the
    /// end of input then fires every window, as at the end of a file. Records written
    /// meanwhile are left for the next run.
    #[arg(long, value_parser = ["end"])]
    until: Option<String>,
    /// Live, event time: pause a partition that is more than this ahead of the slowest in
    /// event time, and resume it once the slowest is within half of it (watermark
    /// alignment, as Flink's `WITH ALIGNMENT`). The windows then hold about --size plus
    /// this of event time on a backlog, however unevenly its partitions are read, instead
    /// of the partitions' whole skew. Off by default (as in Flink): a paused partition's
    /// prefetched records are fetched again, which costs up to twice the fetching on a
    /// sparse backlog (BENCHMARKS.md, "watermark alignment").
    #[arg(long, value_name = "DURATION|off", value_parser = parse_drift)]
    max_drift: Option<Drift>,
    /// Live: stop after no record has arrived for this long (e.g. 5s).
    #[arg(long, value_parser = hopscope_core::Span::parse)]
    idle_exit: Option<hopscope_core::Span>,
    /// Write every record that was not analysed (invalid, quarantined, dropped as late) to
    /// this file, unchanged, in a JSON envelope with the reason, where it was (line, or
    /// partition and offset) and the watermark.
    #[arg(long, value_name = "FILE")]
    dead_letter: Option<PathBuf>,
    /// Live: write every record that was not analysed to this topic, unchanged (key and
    /// value), with the reason, the source partition and offset and the watermark in its
    /// headers (`hopscope.reason`, …). Replay it into the sales topic once the data is fixed.
    #[arg(long, value_name = "TOPIC")]
    dead_letter_topic: Option<String>,
    /// Live: keep checkpoints in this directory — the whole analytics state (windows in
    /// progress, every partition's watermark, tracker, gates, cooldown) with the next
    /// offset of every partition, written atomically. Started again with a checkpoint
    /// there, analyze resumes exactly where it was taken (--from does not apply): no sale
    /// lost or counted twice. Lines printed after the last checkpoint may print again.
    #[arg(long, value_name = "DIR")]
    checkpoint_dir: Option<PathBuf>,
    /// How often to checkpoint (wall time).
    #[arg(long, value_parser = hopscope_core::Span::parse, default_value = "10s")]
    checkpoint_interval: hopscope_core::Span,
    /// Delete the checkpoints in --checkpoint-dir and start over (at --from).
    #[arg(long, requires = "checkpoint_dir")]
    checkpoint_reset: bool,
    /// Live, with --checkpoint-dir: write every window to this topic (one JSON row, as
    /// `hopscope window` and the Flink job write them), exactly once: in Kafka
    /// transactions that also commit the consumed offsets, in step with the checkpoints —
    /// a `read_committed` reader sees each window once however often analyze is killed.
    #[arg(long, value_name = "TOPIC", requires = "checkpoint_dir")]
    windows_out: Option<String>,
    /// Live, with --checkpoint-dir: write every alert to this topic (its window, kind and
    /// figures, and the cooldown's decision: shown or held back), exactly once.
    #[arg(long, value_name = "TOPIC", requires = "checkpoint_dir")]
    alerts_out: Option<String>,
    /// Input: files of sale JSON lines — plain, gzip or zstd — or Parquet (all found by
    /// their first bytes), folders (their files, by name) and globs, read one after
    /// another as one stream; `-` or nothing reads stdin (JSON lines).
    files: Vec<PathBuf>,
}

/// `--max-drift`: a bound, or none.
#[derive(Clone, Copy, Debug)]
pub enum Drift {
    Off,
    At(hopscope_core::Span),
}

fn parse_drift(s: &str) -> Result<Drift, String> {
    if s == "off" {
        return Ok(Drift::Off);
    }
    match hopscope_core::Span::parse(s) {
        Ok(d) if d.0 > 0 => Ok(Drift::At(d)),
        Ok(_) => Err("the drift must be more than 0 (or `off`)".into()),
        Err(e) => Err(format!("{e} (or `off`)")),
    }
}

impl Args {
    /// Watermark alignment for a live read in event time (`--max-drift`; off by default).
    fn alignment(&self) -> Option<Alignment> {
        match self.max_drift {
            Some(Drift::At(d)) if self.window.is_event_time() => Some(Alignment::new(d)),
            _ => None,
        }
    }

    fn start(&self) -> StartAt {
        if self.from_earliest {
            StartAt::Earliest
        } else {
            self.from
        }
    }
}

/// Where a live read resumes: a checkpoint's next offsets, and the line that says so.
pub struct ResumeAt<'a> {
    offsets: &'a BTreeMap<u32, i64>,
    note: String,
}

/// What both live reads share: every partition of `topic` assigned at `--from` (or where a
/// checkpoint left off), the banner and a heading, then batches of records (read and
/// decoded on a thread of their own, `kafka::records`) → `on_record` for each →
/// `after_batch` → print → `at_rest`, until `--idle-exit` or, with `--until end`, the end
/// the topic had at the start. `on_start` gets the partition count before the first record;
/// `after_batch` gets how many records have arrived so far; `at_rest` runs when every
/// output has been printed, with the next offset of every partition (`true` the last time,
/// before the end of input is flushed): where a checkpoint is consistent. The count is
/// returned with the printer and the writer.
#[allow(clippy::too_many_arguments)]
fn follow(
    a: &Args,
    topic: &str,
    what: &str,
    decode: crate::kafka::records::Decode,
    analytics: &mut Analytics,
    resume: Option<ResumeAt<'_>>,
    on_start: impl FnOnce(&mut Analytics, u32),
    mut on_record: impl FnMut(
        &mut Analytics,
        &mut Printer,
        &crate::kafka::records::RecView<'_>,
        hopscope_core::Timestamp,
    ) -> Res<()>,
    mut after_batch: impl FnMut(&mut Analytics, u64),
    mut at_rest: impl FnMut(&Analytics, &mut Printer, &BTreeMap<u32, i64>, bool) -> Res<()>,
    results: Option<crate::exactly_once::Results>,
) -> Res<(Printer, BufWriter<Stdout>, Read)> {
    use crate::kafka::records::{Fetched, Records};
    use std::time::{Duration, Instant};
    let conn = crate::kafka::Connection::from_args(&a.kafka)?;
    for w in conn.warnings(crate::kafka::Role::Consumer) {
        eprintln!("hopscope: {w}");
    }
    let partitions =
        crate::kafka::connect_and_count(&conn, topic, crate::kafka::CONNECT_DEADLINE, true)?;
    let brokers = conn.describe();
    let start = a.start();
    // A time start seeks by the records' Kafka timestamps.
    let delay = if a.window.is_event_time() {
        a.window.watermark_delay
    } else {
        hopscope_core::Span(0)
    };
    let seek_to = start.time(crate::wall_now(), a.window.size, delay);
    let (consumer, ends) = assign(
        &conn,
        topic,
        partitions,
        start,
        seek_to,
        resume.as_ref().map(|r| r.offsets),
        a.until.is_some(),
        a.alignment().is_some(),
    )?;
    on_start(analytics, partitions);
    // A bounded read of a partition that has nothing to read is done before it starts: it
    // stops holding the watermark at once, as Flink's bounded Kafka source finishes a split
    // whose start is its end. (Held, it kept every window open until the end of input:
    // every pane in memory, and nothing fired as a result.)
    if let Some(ends) = &ends {
        let now = crate::wall_now();
        for p in (0..partitions).filter(|p| !ends.contains_key(p)) {
            analytics.finish_partition(p, now);
        }
    }
    let mut w = out::stdout();
    out::line(&mut w, &banner(&analytics.config()))?;
    let from = match &resume {
        Some(r) => r.note.clone(),
        None => from_text(start, seek_to),
    };
    let until = ends.as_ref().map_or(String::new(), |e| {
        let total: i64 = e.values().sum();
        format!(" until the end it has now ({total} offsets in all)")
    });
    writeln!(
        w,
        "📡 reading {what}topic {topic:?} ({partitions} partitions) from {brokers}, {from}{until}\n"
    )?;
    let mut next: BTreeMap<u32, i64> = resume.map(|r| r.offsets.clone()).unwrap_or_default();
    w.flush()?;
    let mut printer = Printer::new(a.windows, a.suppressed, a.dead_letter.as_deref())?;
    printer.results = results;
    if let Some(dlq) = &a.dead_letter_topic {
        crate::kafka::ensure_topic_blocking(&conn, dlq)?;
        printer.report.dead_topic = Some(crate::report::DeadTopic {
            producer: crate::kafka::producer::PolledProducer::create(
                &crate::kafka::producer_config(&conn, "murmur2_random", &[]),
                crate::kafka::Watch::new(&conn),
            )
            .map_err(|e| conn.redact(&e.to_string()))?,
            topic: dlq.clone(),
            source: topic.to_string(),
        });
    }
    let reader = Records::start(consumer, &conn, decode, ends);
    let mut read = Read {
        alignment: a.alignment(),
        ..Read::default()
    };
    let mut changes = Vec::new();
    // Partitions with nothing left to read for now (see `Block::at_end`).
    let mut at_end: Vec<u32> = Vec::new();
    let mut records = 0u64;
    let mut last_record = Instant::now();
    let mut ended = false;
    loop {
        // Until the next record or, in processing time, the moment the clock fires a
        // window; at most 100 ms (--idle-exit, checkpoints, idleness). Idleness keeps the
        // 100 ms tick: partitions whose last records came within one tick go idle together,
        // as before, so the windows the end of a stream fires by idleness do not depend on
        // the order of the last records' arrival (the exactly-once test compares a killed
        // run with one that never stopped, window for window).
        let now = crate::wall_now();
        let wait = match a.window.is_event_time() {
            true => 100,
            false => analytics
                .next_timeout(now)
                .map_or(100, |t| (t.0 - now.0).clamp(0, 100)),
        };
        match reader.next(Duration::from_millis(wait as u64)) {
            Some(Fetched::Block(block)) => {
                at_end.clone_from(&block.at_end);
                // A block may only say that partitions reached their end: not a record.
                if !block.recs.is_empty() || !block.finished.is_empty() {
                    last_record = Instant::now();
                }
                for r in block.iter() {
                    records += 1;
                    next.insert(r.rec.partition, r.rec.offset + 1);
                    on_record(analytics, &mut printer, &r, block.arrived)?;
                    // A late sale dropped now is this record: the dead letters get it whole.
                    let at = At::Offset {
                        partition: r.rec.partition,
                        offset: r.rec.offset,
                    };
                    printer.drain(analytics, &mut w, Some((&at, r.value.unwrap_or_default())))?;
                }
                // As Flink's bounded Kafka source releases a finished split's watermark.
                for p in &block.finished {
                    analytics.finish_partition(*p, block.arrived);
                }
                reader.recycle(block);
            }
            Some(Fetched::Error(why)) => eprintln!("hopscope: kafka: {why}"),
            Some(Fetched::End) => ended = true,
            None => {}
        }
        after_batch(analytics, records);
        read.peak_panes = read.peak_panes.max(analytics.engine().panes_held());
        if let Some(alignment) = read.alignment.as_mut() {
            changes.clear();
            let mut marks = analytics.partition_watermarks();
            for m in marks.iter_mut().filter(|m| at_end.contains(&m.partition)) {
                // Nothing to read: it cannot catch up, so it holds no one back.
                m.idle = true;
            }
            alignment.update(&marks, &mut changes);
            reader.align(&changes);
        }
        printer.drain(analytics, &mut w, None)?;
        w.flush()?;
        let done = ended
            || a.idle_exit
                .is_some_and(|idle| last_record.elapsed().as_millis() as i64 >= idle.0);
        at_rest(analytics, &mut printer, &next, done)?;
        if done {
            read.records = records;
            return Ok((printer, w, read));
        }
    }
}

/// What a live read did, for its summary.
#[derive(Default)]
pub struct Read {
    records: u64,
    /// Most panes the windows held at once (after a batch).
    peak_panes: usize,
    /// Watermark alignment, when on: its bound and how often it paused.
    alignment: Option<Alignment>,
}

impl Read {
    /// The summary's line on the windows' state: what a reader sizes memory by.
    fn state_line(&self, config: &AnalyticsConfig) -> String {
        let pane = config.window.pane();
        let align = match &self.alignment {
            Some(al) => format!(
                "; partitions paused {} time{} to stay within {} of the slowest in event time (--max-drift)",
                al.pauses(),
                if al.pauses() == 1 { "" } else { "s" },
                al.max_drift()
            ),
            None if matches!(config.window.time, hopscope_core::window::TimeMode::Event(_)) => {
                "; partitions read as fetched (--max-drift bounds this on a backlog)".to_string()
            }
            None => String::new(),
        };
        format!(
            "🧮 Window state: at most {} panes of {pane} held at once{align}",
            self.peak_panes
        )
    }
}

/// `--windows-topic`: detection on window rows a Flink job computed. Rows must come in the
/// order they fired (increasing `window_end`, as the job's single writer keeps them); a
/// row that is not a window, has another length than --size, or repeats or goes back in
/// time (a restarted job writing its windows again) is reported with partition and offset
/// and skipped — detection compares each window with an earlier one, so it never runs on a
/// row out of order.
fn run_windows_topic(a: &Args, topic: &str, mut analytics: Analytics) -> Res<ExitCode> {
    let size = a.window.size.0;
    let (mut rows, mut bad, mut out_of_order) = (0u64, 0u64, 0u64);
    let mut last_end: Option<hopscope_core::Timestamp> = None;
    let on_row = |analytics: &mut Analytics,
                  printer: &mut Printer,
                  m: &crate::kafka::records::RecView<'_>,
                  _| {
        rows += 1;
        let at = format!("partition {} offset {}", m.rec.partition, m.rec.offset);
        let row = m
            .value
            .ok_or_else(|| "no value".to_string())
            .and_then(|p| hopscope_core::WindowResult::from_json(p).map_err(|e| e.to_string()));
        match row {
            Err(e) => {
                bad += 1;
                printer
                    .report
                    .say(Kind::Invalid, || format!("{topic} {at}: {e} (skipped)"));
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
    let (mut printer, mut w, _) = follow(
        a,
        topic,
        "window rows from ",
        crate::kafka::records::Decode::Nothing,
        &mut analytics,
        None,
        |_, _| {},
        on_row,
        |_, _| {},
        |_, _, _, _| Ok(()),
        None,
    )?;
    printer.report.finish()?;
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
fn run_live(
    a: &Args,
    mut analytics: Analytics,
    checkpoints: Option<(Checkpoints, Option<Resume>)>,
    results: Option<crate::exactly_once::Results>,
) -> Res<ExitCode> {
    use std::time::{Duration, Instant};
    let mut invalid = 0u64;
    let (mut checkpoints, resume) = match checkpoints {
        Some((c, r)) => (Some(c), r),
        None => (None, None),
    };
    let guard = std::cell::RefCell::new(TimeGuard::new(a.window.guard()));
    let resume_offsets;
    let resume_at = match resume {
        Some(r) => {
            analytics = r.analytics;
            // Idleness is not carried over a restart: every partition's idle timer starts
            // again now, as Flink's sources do after a restore.
            analytics.restarted(crate::wall_now());
            *guard.borrow_mut() = r.guard;
            resume_offsets = r.offsets;
            Some(ResumeAt {
                offsets: &resume_offsets,
                note: resume_note(&r.path, r.written_at, &resume_offsets, &analytics),
            })
        }
        None => None,
    };
    let delay = a.window.watermark_delay;
    // Records arrive decoded (on the reading thread, `kafka::records`): a sale, or why not.
    let on_sale = |analytics: &mut Analytics,
                   printer: &mut Printer,
                   m: &crate::kafka::records::RecView<'_>,
                   now: hopscope_core::Timestamp|
     -> Res<()> {
        let at = At::Offset {
            partition: m.rec.partition,
            offset: m.rec.offset,
        };
        let raw = m.value.unwrap_or_default();
        let report = &mut printer.report;
        let e = match &m.sale {
            Some(Ok(sale)) => {
                let g = GuardInput {
                    stream: m.rec.partition,
                    reference: Some(now),
                    watermark: analytics.engine().watermark(),
                    at: &at,
                    raw,
                    key: m.key,
                };
                if !guard_sale(&mut guard.borrow_mut(), report, sale, delay, g)? {
                    return Ok(());
                }
                analytics.push(*sale, m.rec.partition, now);
                return Ok(());
            }
            Some(Err(Some(e))) => e.to_string(),
            _ => "no value".to_string(),
        };
        invalid += 1;
        report.say(Kind::Invalid, || format!("{at}: {e}"));
        report.dead_letter_keyed("invalid", &e, &at, None, raw, m.key)?;
        Ok(())
    };
    // Say once why windows do not fire, when a partition holds the watermark.
    let mut last_fired = (analytics.stats().windows_fired, Instant::now());
    let mut told_holding = None;
    let tick = |analytics: &mut Analytics, records: u64| {
        analytics.advance(crate::wall_now());
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
        let now = crate::wall_now();
        for p in 0..partitions {
            analytics.declare_partition(p, now);
        }
    };
    // A checkpoint every --checkpoint-interval, and one before the end of input is
    // flushed (a restart must find the windows still open, not fired by the end).
    let mut last_checkpoint = Instant::now();
    let mut told_checkpoint: Option<String> = None;
    let interval = Duration::from_millis(a.checkpoint_interval.0.max(0) as u64);
    let at_rest = |analytics: &Analytics,
                   printer: &mut Printer,
                   next: &BTreeMap<u32, i64>,
                   last: bool|
     -> Res<()> {
        let Some(c) = checkpoints.as_mut() else {
            return Ok(());
        };
        if !last && last_checkpoint.elapsed() < interval {
            return Ok(());
        }
        last_checkpoint = Instant::now();
        let save =
            |c: &mut Checkpoints| c.save(analytics, &guard.borrow(), next, crate::wall_now());
        // With results topics, the checkpoint goes between the offsets and the commit.
        if let Some(r) = printer.results.as_mut() {
            r.commit(next, || save(c).map(|_| ()), last)?;
            c.prune();
            return Ok(());
        }
        match save(c) {
            Ok(_) => {
                c.prune();
                told_checkpoint = None
            }
            // Said once per cause, not every interval; analysis goes on.
            Err(e) if told_checkpoint.as_deref() != Some(e.as_str()) => {
                eprintln!("hopscope: {e}");
                told_checkpoint = Some(e);
            }
            Err(_) => {}
        }
        Ok(())
    };
    let (mut printer, mut w, read) = follow(
        a,
        &a.topic,
        "",
        crate::kafka::records::Decode::Sales(a.shape.shape()?),
        &mut analytics,
        resume_at,
        declare,
        on_sale,
        tick,
        at_rest,
        results,
    )?;
    let guard = guard.into_inner();
    // Windows the end of input fires are not results: more sales may come for them (the
    // next run, resumed from the last checkpoint, fires them then). stdout shows them.
    let results = printer.results.take();
    analytics.flush();
    printer.drain(&mut analytics, &mut w, None)?;
    printer.report.finish()?;
    writeln!(
        w,
        "📋 Summary: {} records ({invalid} not valid sales); {}; {}; {} windows; {} alerts shown, {} held back by the cooldown{}",
        read.records,
        late_summary(&analytics.stats()),
        guard_summary(&guard),
        analytics.stats().windows_fired,
        printer.alerts,
        analytics.cooldown().blocked(),
        dead_letter_summary(&printer.report, a.dead_letter.as_deref())
            + &a
                .dead_letter_topic
                .as_ref()
                .map(|t| format!("; dead letters to topic {t}"))
                .unwrap_or_default()
            + &results
                .map(|r| format!("; {} results committed to the results topics in this run", r.committed))
                .unwrap_or_default()
    )?;
    writeln!(w, "{}", read.state_line(&analytics.config()))?;
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// The line that says where a resumed read starts.
fn resume_note(
    path: &std::path::Path,
    written: hopscope_core::Timestamp,
    offsets: &BTreeMap<u32, i64>,
    analytics: &Analytics,
) -> String {
    let at: Vec<String> = offsets.iter().map(|(p, o)| format!("{p}:{o}")).collect();
    format!(
        "♻️ resumed from checkpoint {} (written {written}): windows analysed through {}, next offsets {} (--from does not apply)",
        path.display(),
        analytics
            .analysed_through()
            .map_or_else(|| "none yet".to_string(), |t| t.to_string()),
        if at.is_empty() { "none yet".into() } else { at.join(" ") }
    )
}

pub fn run(a: Args) -> Res<ExitCode> {
    let config = AnalyticsConfig {
        window: a.window.config(a.kafka.given())?,
        ..AnalyticsConfig::default()
    };
    let mut analytics = Analytics::new(config.clone())?;
    if a.checkpoint_dir.is_some() && (a.windows_topic.is_some() || !a.kafka.given()) {
        return Err("--checkpoint-dir keeps a live analysis of the sales topic: name the cluster with --brokers, --kafka-config or -X (with --windows-topic it is not supported yet)".into());
    }
    if let Some(topic) = a.windows_topic.clone() {
        if !a.kafka.given() {
            return Err("--windows-topic reads a Kafka topic: name the cluster with --brokers, --kafka-config or -X".into());
        }
        return run_windows_topic(&a, &topic, analytics);
    }
    if a.kafka.given() {
        let (checkpoints, results) = match &a.checkpoint_dir {
            Some(dir) if a.windows_out.is_some() || a.alerts_out.is_some() => {
                let c = Checkpoints::open(dir, &a.topic, a.checkpoint_reset)?;
                let conn = crate::kafka::Connection::from_args(&a.kafka)?;
                let partitions = crate::kafka::connect_and_count(
                    &conn,
                    &a.topic,
                    crate::kafka::CONNECT_DEADLINE,
                    true,
                )?;
                let id = crate::exactly_once::ids(dir, &a.topic);
                // Fence an earlier analyze with this id first (its open transaction is
                // aborted), then read which checkpoint the committed results belong to.
                let results = crate::exactly_once::Results::open(
                    &conn,
                    &id,
                    &a.topic,
                    a.windows_out.clone(),
                    a.alerts_out.clone(),
                )?;
                let committed = crate::exactly_once::committed(&conn, &id, &a.topic, partitions)?;
                let resume = c.load_committed(&config, committed.as_ref())?;
                (Some((c, resume)), Some(results))
            }
            Some(dir) => {
                let c = Checkpoints::open(dir, &a.topic, a.checkpoint_reset)?;
                let resume = c.load(&config)?;
                (Some((c, resume)), None)
            }
            None => (None, None),
        };
        return run_live(&a, analytics, checkpoints, results);
    }
    let mut input = FileInput::open(&a.files, a.window.partitions, a.shape.file_shape()?)?;
    let mut w = out::stdout();
    out::line(&mut w, &banner(&config))?;
    let mut printer = Printer::new(a.windows, a.suppressed, a.dead_letter.as_deref())?;
    let mut guard = TimeGuard::new(a.window.guard());
    let delay = a.window.watermark_delay;
    let printer_cell = std::cell::RefCell::new(&mut printer);
    let mut newest = NewestSale::default();
    let summary = for_each_sale(
        &mut input,
        |sale, partition, now, line| {
            let at = line.at();
            newest.see(sale.event_time(), &line, sale.id_sale);
            let mut printer = printer_cell.borrow_mut();
            let g = GuardInput {
                stream: 0,
                reference: None,
                watermark: analytics.engine().watermark(),
                at: &at,
                raw: line.raw,
                key: None,
            };
            if !guard_sale(&mut guard, &mut printer.report, &sale, delay, g)? {
                return Ok(());
            }
            analytics.push(sale, partition, now);
            printer
                .drain(&mut analytics, &mut w, Some((&at, line.raw)))
                .map_err(|e| std::io::Error::other(e.to_string()))
        },
        |line, e| {
            let at = line.at();
            let mut printer = printer_cell.borrow_mut();
            printer.report.say(Kind::Invalid, || format!("{at}: {e}"));
            printer
                .report
                .dead_letter("invalid", &e.to_string(), &at, None, line.raw)
        },
    )?;
    analytics.flush();
    printer.drain(&mut analytics, &mut w, None)?;
    printer.report.finish()?;
    if let Some(hint) = newest.hint(analytics.stats().dropped, summary.sales) {
        eprintln!("hopscope: {hint}");
    }
    let blocked = analytics.cooldown().blocked();
    writeln!(
        w,
        "📋 Summary: {}; {}; {}; {} windows; {} alerts shown, {blocked} held back by the cooldown{}",
        summary.describe(),
        late_summary(&analytics.stats()),
        guard_summary(&guard),
        analytics.stats().windows_fired,
        printer.alerts,
        dead_letter_summary(&printer.report, a.dead_letter.as_deref())
    )?;
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
