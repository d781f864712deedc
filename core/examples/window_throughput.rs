//! Prints window-engine throughput as one summary line a script can read:
//! `window_throughput events=… 15min_1s=…ev/s 15min_5min=…ev/s cost_ratio_1s_vs_5min=…`
//! Best of several runs, so a noisy neighbour on a shared machine matters less.
//!
//! `cargo run --release -p hopscope-core --example window_throughput [EVENTS] [RUNS]`

#[path = "../benches/support/workload.rs"]
mod workload;

use hopscope_core::window::{TimeMode, WindowConfig};
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
    let mut rates = Vec::new();
    for slide in [Span::seconds(1), Span::minutes(5)] {
        let wc = WindowConfig::hop(
            Span::minutes(15),
            slide,
            TimeMode::Event {
                lateness: Span::seconds(5),
            },
        );
        let best = (0..runs)
            .map(|_| {
                let t = Instant::now();
                workload::run(&wc, &sales);
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min);
        rates.push(events as f64 / best);
    }
    println!(
        "window_throughput events={events} 15min_1s={:.0}ev/s 15min_5min={:.0}ev/s cost_ratio_1s_vs_5min={:.2}",
        rates[0],
        rates[1],
        rates[1] / rates[0]
    );
}
