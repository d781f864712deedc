//! What checkpointing costs (`scripts/bench.sh` prints it): the size of a snapshot of the
//! whole analytics state at the seed's HOP(15 min, 1 s), the time to take and restore one,
//! and the throughput of the pipeline snapshotting every 100 ms of wall time (100 times
//! `analyze`'s default `--checkpoint-interval 10s`) against the same run without — both
//! measured in this run, best of 3. The default's cost is the snapshot time ÷ 10 s.
//!
//! `cargo run --release -p hopscope-core --example checkpoint_cost`

// A benchmark measures wall time and prints: the sans-IO rule is for the library.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use hopscope_core::pipeline::{Analytics, AnalyticsConfig};
use hopscope_core::window::{EventTime, TimeMode, WindowConfig};
use hopscope_core::{Sale, Span};

#[path = "../benches/support/workload.rs"]
mod workload;
use std::time::Instant;
use workload::sales_at as sales;

fn config() -> AnalyticsConfig {
    AnalyticsConfig {
        window: WindowConfig {
            time: TimeMode::Event(EventTime::per_partition(Span::seconds(5), None)),
            ..WindowConfig::seed()
        },
        ..AnalyticsConfig::default()
    }
}

/// Runs `sales` through the pipeline, snapshotting every `every` of wall time (as
/// `analyze` does; `None`: never); returns (seconds, snapshots taken).
fn run(sales: &[(Sale, u32)], every: Option<std::time::Duration>) -> (f64, u64) {
    let mut a = Analytics::new(config()).unwrap();
    let t0 = Instant::now();
    let mut last = Instant::now();
    let mut taken = 0u64;
    for (i, (s, p)) in sales.iter().enumerate() {
        a.push(s, *p, s.event_time());
        while a.poll().is_some() {}
        // The wall clock is read every 1,024 records, as a poll loop would.
        if i % 1_024 == 0 && every.is_some_and(|e| last.elapsed() >= e) {
            std::hint::black_box(a.snapshot());
            taken += 1;
            last = Instant::now();
        }
    }
    (t0.elapsed().as_secs_f64(), taken)
}

fn main() {
    // A state as a shop keeps it: the last 15 minutes at 20 sales/s (18,000 sales in the
    // window), and at 1,000 sales/s (900,000) — every product of the catalog in every pane.
    for (rate, n) in [(20.0, 18_000), (1_000.0, 900_000)] {
        let s = sales(rate, n);
        let mut a = Analytics::new(config()).unwrap();
        for (sale, p) in &s {
            a.push(sale, *p, sale.event_time());
            while a.poll().is_some() {}
        }
        let (mut write, mut read, mut bytes) = (f64::MAX, f64::MAX, 0);
        for _ in 0..3 {
            let t = Instant::now();
            let snap = a.snapshot();
            write = write.min(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let back = Analytics::restore(&config(), &snap).unwrap();
            read = read.min(t.elapsed().as_secs_f64());
            std::hint::black_box(back);
            bytes = snap.len();
        }
        println!(
            "checkpoint_snapshot rate={rate}/s window_sales={n} bytes={bytes} ({:.1} MB) snapshot_ms={:.1} restore_ms={:.1}",
            bytes as f64 / 1e6,
            write * 1e3,
            read * 1e3
        );
    }
    // Throughput snapshotting every 100 ms of wall time, against none — the same 3M
    // sales, best of 3 each, interleaved.
    let s = sales(1_000.0, 3_000_000);
    let every = std::time::Duration::from_millis(100);
    let (mut plain, mut with, mut taken) = (f64::MAX, f64::MAX, 0);
    for _ in 0..3 {
        plain = plain.min(run(&s, None).0);
        let (t, k) = run(&s, Some(every));
        with = with.min(t);
        taken = k;
    }
    let n = s.len() as f64 / 1e6;
    println!(
        "checkpoint_throughput events=3000000 none={:.2}M/s snapshot_every_100ms={:.2}M/s ({taken} snapshots) ratio={:.3}",
        n / plain,
        n / with,
        plain / with
    );
}
