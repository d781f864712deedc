//! `hopscope window`: sale JSON lines in, one JSON line per fired hopping window out.

use super::window_args::{late_summary, WindowArgs};
use crate::input::{for_each_sale, Input};
use crate::out::{self, Res};
use clap::Parser;
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
    /// Input file of sale JSON lines; `-` or nothing reads stdin.
    file: Option<PathBuf>,
}

pub fn run(a: Args) -> Res<ExitCode> {
    let mut config = a.window.config(false)?;
    config.emit_empty = a.emit_empty;
    let mut engine = HopWindows::new(config)?;
    let mut input = Input::open(
        a.file.as_deref(),
        a.window.partitions,
        a.shape.file_shape()?,
    )?;
    let mut w = out::stdout();
    let write_fired = |engine: &mut HopWindows, w: &mut dyn Write| -> std::io::Result<()> {
        while let Some(r) = engine.poll() {
            w.write_all(r.to_json().as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    };
    let summary = for_each_sale(&mut input, |sale, partition, now| {
        match engine.push(&Event::from_sale(sale, partition), now) {
            Pushed::Accepted => {}
            Pushed::LateJoined {
                joined,
                windows,
                watermark,
            } => eprintln!(
                "hopscope: late sale {} at {} joined {joined} of its {windows} windows (the others had fired; watermark {watermark})",
                sale.id_sale,
                sale.event_time(),
            ),
            Pushed::Dropped { windows, watermark } => eprintln!(
                "hopscope: late sale {} at {} dropped: all its {windows} windows had fired (watermark {watermark})",
                sale.id_sale,
                sale.event_time(),
            ),
        }
        write_fired(&mut engine, &mut w)
    })?;
    engine.flush();
    write_fired(&mut engine, &mut w)?;
    w.flush()?;
    let stats = engine.stats();
    eprintln!(
        "hopscope window: {}; {}; {} windows",
        summary.describe(),
        late_summary(&stats),
        stats.windows_fired
    );
    Ok(ExitCode::SUCCESS)
}
