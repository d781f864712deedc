//! Window engine throughput: 1M generated sales through HOP(15 min, 1 s) and
//! HOP(15 min, 5 min) with every aggregate. The claim under test is that the per-event cost
//! does not depend on how many windows overlap (900 vs 3 per event).
//!
//! `cargo bench -p hopscope-core --bench window` (scripts/bench.sh prints the ratio).

#[path = "support/workload.rs"]
mod workload;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use hopscope_core::window::{TimeMode, WindowConfig};
use hopscope_core::Span;

const EVENTS: usize = 1_000_000;

fn bench(c: &mut Criterion) {
    let sales = workload::stream(&workload::sales(EVENTS));
    let mut group = c.benchmark_group("hop_1M_events");
    group.sample_size(10);
    group.throughput(Throughput::Elements(EVENTS as u64));
    for (name, slide) in [
        ("15min_1s", Span::seconds(1)),
        ("15min_5min", Span::minutes(5)),
    ] {
        let config = WindowConfig::hop(Span::minutes(15), slide, TimeMode::event(Span::seconds(5)));
        group.bench_with_input(BenchmarkId::from_parameter(name), &config, |b, config| {
            b.iter(|| workload::run(config, &sales))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
