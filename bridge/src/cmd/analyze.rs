//! `hopscope analyze`: the seed's analytics console, offline over sale JSON lines.

use super::window_args::WindowArgs;
use crate::input::{for_each_sale, Lines};
use crate::out::{self, Res};
use clap::Parser;
use hopscope_core::pipeline::{Analytics, AnalyticsConfig, Output};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Run the whole pipeline (hopping windows → growth tracker → quality gates → insights →
/// adaptive cooldown) and print alerts in the seed's console format.
#[derive(Parser)]
pub struct Args {
    #[command(flatten)]
    window: WindowArgs,
    /// Also print a KPI line for every fired window.
    #[arg(long)]
    windows: bool,
    /// Also print alerts the cooldown held back.
    #[arg(long)]
    suppressed: bool,
    /// Read the live topic from these Kafka brokers instead of a file (the seed's
    /// `--analytics` mode). Use `--time processing` for the seed's proctime windows.
    #[arg(long)]
    brokers: Option<String>,
    #[arg(long, default_value = crate::kafka::DEFAULT_TOPIC)]
    topic: String,
    /// With --brokers: start from the earliest record instead of new ones only.
    #[arg(long)]
    from_earliest: bool,
    /// With --brokers: stop after no record has arrived for this long (e.g. 5s).
    #[arg(long, value_parser = hopscope_core::Span::parse)]
    idle_exit: Option<hopscope_core::Span>,
    /// Input file of sale JSON lines; `-` or nothing reads stdin.
    file: Option<PathBuf>,
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
                Output::Window(r) if self.windows => writeln!(w, "{}", kpi_line(&r))?,
                Output::Late(l) => eprintln!(
                    "hopscope: late sale {} at {} (watermark {})",
                    l.id_sale, l.event_time, l.watermark
                ),
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

/// The live mode: the topic through the pipeline as records arrive, clock = wall clock.
fn run_live(a: &Args, brokers: &str, mut analytics: Analytics) -> Res<ExitCode> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::Message;
    use rdkafka::{Offset, TopicPartitionList};
    use std::time::{Duration, Instant};
    let partitions = crate::kafka::partition_count(brokers, &a.topic)?;
    let consumer: BaseConsumer = crate::kafka::consumer_config(brokers, "analyze").create()?;
    let mut tpl = TopicPartitionList::new();
    let from = if a.from_earliest {
        Offset::Beginning
    } else {
        Offset::End
    };
    for p in 0..partitions as i32 {
        tpl.add_partition_offset(&a.topic, p, from)?;
    }
    consumer.assign(&tpl)?;
    let mut w = out::stdout();
    out::line(&mut w, &banner(&a.window))?;
    writeln!(
        w,
        "📡 reading topic {:?} ({partitions} partitions) from {brokers}\n",
        a.topic
    )?;
    w.flush()?;
    let mut printer = Printer {
        windows: a.windows,
        suppressed: a.suppressed,
        alerts: 0,
    };
    let (mut records, mut invalid) = (0u64, 0u64);
    let mut last_record = Instant::now();
    loop {
        match consumer.poll(Duration::from_millis(100)) {
            Some(Ok(m)) => {
                last_record = Instant::now();
                records += 1;
                match m.payload().map(hopscope_core::Sale::from_json) {
                    Some(Ok(sale)) => analytics.push(&sale, m.partition() as u32, wall_now()),
                    Some(Err(e)) => {
                        invalid += 1;
                        eprintln!(
                            "hopscope: partition {} offset {}: {e}",
                            m.partition(),
                            m.offset()
                        );
                    }
                    None => invalid += 1,
                }
            }
            Some(Err(e)) => eprintln!("hopscope: kafka: {e}"),
            None => {}
        }
        analytics.advance(wall_now());
        printer.drain(&mut analytics, &mut w)?;
        if a.idle_exit
            .is_some_and(|idle| last_record.elapsed().as_millis() as i64 >= idle.0)
        {
            break;
        }
    }
    analytics.flush();
    printer.drain(&mut analytics, &mut w)?;
    writeln!(
        w,
        "📋 Summary: {records} records ({invalid} not valid sales); {} windows; {} alerts shown, {} held back by the cooldown",
        analytics.stats().windows_fired,
        printer.alerts,
        analytics.cooldown().blocked()
    )?;
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}

pub fn run(a: Args) -> Res<ExitCode> {
    let config = AnalyticsConfig {
        window: a.window.config()?,
        ..AnalyticsConfig::default()
    };
    let mut analytics = Analytics::new(config)?;
    if let Some(brokers) = a.brokers.clone() {
        return run_live(&a, &brokers, analytics);
    }
    let mut lines = Lines::open(a.file.as_deref())?;
    let mut w = out::stdout();
    out::line(&mut w, &banner(&a.window))?;
    let mut printer = Printer {
        windows: a.windows,
        suppressed: a.suppressed,
        alerts: 0,
    };
    let summary = for_each_sale(&mut lines, a.window.partitions, |sale, partition, now| {
        analytics.push(sale, partition, now);
        printer.drain(&mut analytics, &mut w)
    })?;
    analytics.flush();
    printer.drain(&mut analytics, &mut w)?;
    let blocked = analytics.cooldown().blocked();
    writeln!(
        w,
        "📋 Summary: {}; {} windows; {} alerts shown, {blocked} held back by the cooldown",
        summary.describe(),
        analytics.stats().windows_fired,
        printer.alerts
    )?;
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
