//! Prints window-engine throughput as one summary line a script can read:
//! `window_throughput events=… 15min_1s=…ev/s 15min_5min=…ev/s cost_ratio_1s_vs_5min=…
//! 15min_1s_scattered=…ev/s 15min_1s_per_partition=…ev/s` (scattered: from separately
//! allocated sales, see workload.rs; per_partition: one watermark per Kafka partition, as
//! a topic is read).
//! Best of several runs, so a noisy neighbour on a shared machine matters less.
//!
//! `cargo run --release -p hopscope-core --example window_throughput [EVENTS] [RUNS]`

// A benchmark measures wall time and prints its figures: what core's library may not do.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

#[path = "../benches/support/workload.rs"]
mod workload;

use hopscope_core::window::{EventTime, TimeMode, WindowConfig};
use hopscope_core::Span;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let events: usize = args
        .next()
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let runs: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(7);
    let sales = workload::sales(events);
    let stream = workload::stream(&sales);
    let mut rates = Vec::new();
    let one_stream = TimeMode::event(Span::seconds(5));
    let kafka = TimeMode::Event(EventTime::per_partition(Span::seconds(5), None));
    for (slide, scattered, time) in [
        (Span::seconds(1), false, one_stream),
        (Span::minutes(5), false, one_stream),
        (Span::seconds(1), true, one_stream),
        (Span::seconds(1), false, kafka),
    ] {
        let wc = WindowConfig::hop(Span::minutes(15), slide, time);
        let best = (0..runs)
            .map(|_| {
                let t = Instant::now();
                if scattered {
                    workload::run_scattered(&wc, &sales);
                } else {
                    workload::run(&wc, &stream);
                }
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min);
        rates.push(events as f64 / best);
    }
    println!(
        "window_throughput events={events} 15min_1s={:.0}ev/s 15min_5min={:.0}ev/s cost_ratio_1s_vs_5min={:.2} 15min_1s_scattered={:.0}ev/s 15min_1s_per_partition={:.0}ev/s",
        rates[0],
        rates[1],
        rates[1] / rates[0],
        rates[2],
        rates[3]
    );
}
