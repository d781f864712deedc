//! `hopscope window`: sale JSON lines in, one JSON line per fired hopping window out.

use crate::input::{for_each_sale, FileInput};
use crate::out::{self, Res};
use crate::report::{Kind, Reporter};
use crate::window_args::{
    dead_letter_summary, guard_sale, guard_summary, late_summary, GuardInput, NewestSale,
    WindowArgs,
};
use clap::Parser;
use hopscope_core::window::guard::TimeGuard;
use hopscope_core::window::{Event, HopWindows, Pushed};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Compute hopping windows over sales (as `hopscope generate` writes them) and print one
/// JSON object per fired window: window_start, window_end (ISO-8601 UTC), sales_in_window,
/// revenue, avg_ticket, active_sellers, active_categories, active_products, biggest_sale,
/// top_category, top_seller, sales_per_partition, ticket_stddev.
///
/// Malformed lines are reported on stderr with their line number and skipped; late sales
/// (behind the watermark) are reported — which of their windows they still joined, or that
/// they were dropped — and counted. A summary goes to stderr at the end.
#[derive(Parser)]
pub struct Args {
    #[command(flatten)]
    window: WindowArgs,
    #[command(flatten)]
    shape: crate::shape::ShapeArgs,
    /// Also print windows that hold no sales (a full timeline).
    #[arg(long)]
    emit_empty: bool,
    /// Write every record that was not windowed (invalid, quarantined, dropped as late) to
    /// this file, unchanged, in a JSON envelope with the reason, its line and the watermark.
    #[arg(long, value_name = "FILE")]
    dead_letter: Option<PathBuf>,
    /// How to write the windows: JSON lines (to stdout, or --output), or a Parquet file
    /// (--output required: typed columns, money as exact decimals, times in UTC).
    #[arg(long, value_enum, default_value = "jsonl")]
    format: Format,
    /// Write the windows to this file instead of stdout.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
    /// Input: files of sale JSON lines — plain, gzip or zstd — or Parquet (all found by
    /// their first bytes), folders (their files, by name) and globs, read one after
    /// another as one stream; `-` or nothing reads stdin (JSON lines).
    files: Vec<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Jsonl,
    Parquet,
}

/// Where fired windows go.
enum Sink {
    Lines(Box<dyn Write>),
    Parquet(Box<crate::parquet_output::WindowParquet>),
}

impl Sink {
    fn open(format: Format, output: Option<&std::path::Path>) -> Res<Sink> {
        Ok(match (format, output) {
            (Format::Parquet, None) => {
                return Err("--format parquet writes a file: give --output FILE".into())
            }
            (Format::Parquet, Some(p)) => {
                Sink::Parquet(Box::new(crate::parquet_output::WindowParquet::create(p)?))
            }
            (Format::Jsonl, None) => Sink::Lines(Box::new(out::stdout())),
            (Format::Jsonl, Some(p)) => Sink::Lines(Box::new(std::io::BufWriter::new(
                std::fs::File::create(p)
                    .map_err(|e| format!("cannot create {}: {e}", p.display()))?,
            ))),
        })
    }

    fn write(&mut self, r: hopscope_core::WindowResult) -> std::io::Result<()> {
        match self {
            Sink::Lines(w) => {
                w.write_all(r.to_json().as_bytes())?;
                w.write_all(b"\n")
            }
            Sink::Parquet(p) => p.push(r),
        }
    }

    fn finish(self) -> std::io::Result<()> {
        match self {
            Sink::Lines(mut w) => w.flush(),
            Sink::Parquet(p) => p.finish().map(|_| ()),
        }
    }
}

pub fn run(a: Args) -> Res<ExitCode> {
    let mut config = a.window.config(false)?;
    config.emit_empty = a.emit_empty;
    let mut engine = HopWindows::new(config)?;
    let mut input = FileInput::open(&a.files, a.window.partitions, a.shape.file_shape()?)?;
    let mut w = Sink::open(a.format, a.output.as_deref())?;
    let write_fired = |engine: &mut HopWindows, w: &mut Sink| -> std::io::Result<()> {
        while let Some(r) = engine.poll() {
            w.write(r)?;
        }
        Ok(())
    };
    let mut guard = TimeGuard::new(a.window.guard());
    let mut report = Reporter::to_file(a.dead_letter.as_deref())?;
    let delay = a.window.watermark_delay;
    let report = std::cell::RefCell::new(&mut report);
    let mut newest = NewestSale::default();
    let summary = for_each_sale(
        &mut input,
        |sale, partition, now, line| {
            let at = line.at();
            newest.see(sale.event_time(), &line, sale.id_sale);
            let mut report = report.borrow_mut();
            let g = GuardInput {
                stream: 0,
                reference: None,
                watermark: engine.watermark(),
                at: &at,
                raw: line.raw,
                key: None,
            };
            if !guard_sale(&mut guard, &mut report, &sale, delay, g)? {
                return Ok(());
            }
            match engine.push(&Event::from_sale(sale, partition), now) {
                Pushed::Accepted => {}
                Pushed::LateJoined {
                    joined,
                    windows,
                    watermark,
                } => report.say(Kind::Late, || format!(
                    "late sale {} at {} joined {joined} of its {windows} windows (the others had fired; watermark {watermark})",
                    sale.id_sale,
                    sale.event_time(),
                )),
                Pushed::Dropped { windows, watermark } => {
                    let detail =
                        format!("all its {windows} windows had fired (watermark {watermark})");
                    report.say(Kind::Dropped, || {
                        format!("late sale {} at {} dropped: {detail}", sale.id_sale, sale.event_time())
                    });
                    report.dead_letter("dropped", &detail, &at, Some(watermark), line.raw)?;
                }
            }
            write_fired(&mut engine, &mut w)
        },
        |line, e| {
            let at = line.at();
            let mut report = report.borrow_mut();
            report.say(Kind::Invalid, || format!("{at}: {e}"));
            report.dead_letter("invalid", &e.to_string(), &at, None, line.raw)
        },
    )?;
    let report = report.into_inner();
    engine.flush();
    write_fired(&mut engine, &mut w)?;
    w.finish()?;
    report.finish()?;
    let stats = engine.stats();
    if let Some(hint) = newest.hint(stats.dropped, summary.sales) {
        eprintln!("hopscope: {hint}");
    }
    let skipped = if stats.empty_skipped > 0 {
        format!(
            " ({} empty windows not printed: past {} in a row only the last are)",
            stats.empty_skipped,
            hopscope_core::window::MAX_EMPTY_RUN
        )
    } else {
        String::new()
    };
    eprintln!(
        "hopscope window: {}; {}; {}; {} windows{skipped}{}",
        summary.describe(),
        late_summary(&stats),
        guard_summary(&guard),
        stats.windows_fired,
        dead_letter_summary(report, a.dead_letter.as_deref())
    );
    Ok(ExitCode::SUCCESS)
}
