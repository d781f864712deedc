//! Window engine throughput: 1M generated sales through HOP(15 min, 1 s) and
//! HOP(15 min, 5 min) with every aggregate. The claim under test is that the per-event cost
//! does not depend on how many windows overlap (900 vs 3 per event).
//!
//! `cargo bench -p hopscope-core --bench window` (scripts/bench.sh prints the ratio).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hopscope_core::partition::partition_for_key;
use hopscope_core::window::{Event, HopWindows, TimeMode, WindowConfig};
use hopscope_core::{Catalog, GeneratorConfig, Sale, SaleGenerator, Span};
use std::hint::black_box;

pub const EVENTS: usize = 1_000_000;

fn sales() -> Vec<(Sale, u32)> {
    let config = GeneratorConfig {
        seed: 1,
        rate: 1_000.0,
        ..GeneratorConfig::default()
    };
    let mut g = SaleGenerator::new(Catalog::embedded(), &config);
    let end = config.start.plus(Span::minutes(60));
    (0..EVENTS)
        .map(|_| {
            let s = g.poll(end).expect("enough sales");
            let p = partition_for_key(s.key.as_bytes(), 6);
            (s.sale, p)
        })
        .collect()
}

fn run(config: &WindowConfig, sales: &[(Sale, u32)]) -> u64 {
    let mut engine = HopWindows::new(config.clone()).unwrap();
    let mut fired = 0u64;
    for (s, p) in sales {
        engine.push(&Event::from_sale(s, *p), s.event_time());
        while let Some(w) = engine.poll() {
            fired += black_box(w).sales_in_window;
        }
    }
    engine.flush();
    while let Some(w) = engine.poll() {
        fired += black_box(w).sales_in_window;
    }
    fired
}

fn bench(c: &mut Criterion) {
    let sales = sales();
    let mut group = c.benchmark_group("hop_1M_events");
    group.sample_size(10);
    group.throughput(Throughput::Elements(EVENTS as u64));
    for (name, slide) in [
        ("15min_1s", Span::seconds(1)),
        ("15min_5min", Span::minutes(5)),
    ] {
        let config = WindowConfig::hop(
            Span::minutes(15),
            slide,
            TimeMode::Event {
                lateness: Span::seconds(5),
            },
        );
        group.bench_with_input(BenchmarkId::from_parameter(name), &config, |b, config| {
            b.iter(|| run(config, &sales))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
