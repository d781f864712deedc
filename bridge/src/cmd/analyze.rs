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

pub fn run(a: Args) -> Res<ExitCode> {
    let config = AnalyticsConfig {
        window: a.window.config()?,
        ..AnalyticsConfig::default()
    };
    let mut analytics = Analytics::new(config)?;
    let mut lines = Lines::open(a.file.as_deref())?;
    let mut w = out::stdout();
    out::line(&mut w, &banner(&a.window))?;
    let (show_windows, show_suppressed) = (a.windows, a.suppressed);
    let mut alerts = 0u64;
    let mut print = |analytics: &mut Analytics, w: &mut dyn Write| -> std::io::Result<()> {
        while let Some(o) = analytics.poll() {
            match o {
                Output::Alert(al) => {
                    alerts += 1;
                    writeln!(w, "{}\n", al.console_text())?;
                }
                Output::Suppressed(al) if show_suppressed => {
                    writeln!(w, "🔇 (cooldown) {}", al.kind.title())?;
                }
                Output::Window(r) if show_windows => writeln!(w, "{}", kpi_line(&r))?,
                Output::Late(l) => eprintln!(
                    "hopscope: late sale {} at {} (watermark {})",
                    l.id_sale, l.event_time, l.watermark
                ),
                _ => {}
            }
        }
        Ok(())
    };
    let summary = for_each_sale(&mut lines, a.window.partitions, |sale, partition, now| {
        analytics.push(sale, partition, now);
        print(&mut analytics, &mut w)
    })?;
    analytics.flush();
    print(&mut analytics, &mut w)?;
    let blocked = analytics.cooldown().blocked();
    writeln!(
        w,
        "📋 Summary: {}; {} windows; {alerts} alerts shown, {blocked} held back by the cooldown",
        summary.describe(),
        analytics.stats().windows_fired
    )?;
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
