//! `hopscope generate`: seeded sales as JSON lines, no Kafka involved.

use crate::catalog_file;
use crate::out::{self, Res};
use clap::Parser;
use hopscope_core::generate::{
    GeneratorConfig, SaleGenerator, ScheduledScenario, DEFAULT_PARTITIONS,
};
use hopscope_core::{Span, Timestamp};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Write generated sales, one JSON object per line, to stdout.
///
/// The same seed and options always give byte-identical output (also in the browser).
#[derive(Parser)]
#[command(after_help = "Scenarios: KIND[@AFTER][,key=value…]\n  \
    spike@2m,factor=10,for=30s          rate ×10 for 30 s, 2 minutes in\n  \
    concentration@1m,seller=ana.silva,share=0.8,for=10m\n  \
    surge@1m,category=TVs,share=0.8,for=10m\n  \
    outlier@90s                         one huge bulk order")]
pub struct Args {
    /// Seed of the random generator.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Mean sales per simulated second.
    #[arg(long, default_value_t = 5.0)]
    rate: f64,
    /// Simulated time to cover, e.g. 90s, 15m, 2h.
    #[arg(long, value_parser = Span::parse, required_unless_present = "count")]
    duration: Option<Span>,
    /// Stop after this many sales.
    #[arg(long)]
    count: Option<u64>,
    /// Simulated start time (ISO-8601).
    #[arg(long, value_parser = Timestamp::parse_iso, default_value = "2024-01-21T10:00:00Z")]
    start: Timestamp,
    /// A scenario to trigger (repeatable); see below.
    #[arg(long = "scenario", value_parser = ScheduledScenario::parse)]
    scenarios: Vec<ScheduledScenario>,
    /// Partitions of the target topic (for the key → partition mapping).
    #[arg(long, default_value_t = DEFAULT_PARTITIONS, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    partitions: u32,
    /// A catalog to sell from instead of the embedded one: the seed's Amazon 2023
    /// dataset (folder or amazon_products.csv) or a hopscope catalog.csv.
    #[arg(long)]
    catalog: Option<PathBuf>,
}

pub fn run(a: Args) -> Res<ExitCode> {
    if !(a.rate.is_finite() && a.rate > 0.0 && a.rate <= hopscope_core::generate::MAX_RATE) {
        return Err(format!(
            "--rate must be a number in (0, {}], got {}",
            hopscope_core::generate::MAX_RATE,
            a.rate
        )
        .into());
    }
    let catalog = catalog_file::load(a.catalog.as_deref())?;
    let config = GeneratorConfig {
        seed: a.seed,
        rate: a.rate,
        start: a.start,
        partitions: a.partitions,
    };
    let mut gen = SaleGenerator::new(catalog, &config);
    for s in a.scenarios {
        gen.trigger(s.scenario, a.start.plus(s.after));
    }
    // Without --duration, run until --count sales (a century of simulated time at most).
    let end = a
        .start
        .plus(a.duration.unwrap_or(Span::minutes(36_500 * 1_440)));
    let limit = a.count.unwrap_or(u64::MAX);
    let mut w = out::stdout();
    let mut n = 0;
    let mut g = hopscope_core::GeneratedSale::empty();
    while n < limit && gen.poll_into(end, &mut g) && g.sale.event_time() < end {
        out::line(&mut w, &g.sale.to_json())?;
        n += 1;
    }
    w.flush()?;
    Ok(ExitCode::SUCCESS)
}
