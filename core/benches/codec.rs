//! The relay's per-record work: decoding a Kafka value into a `Sale` (validation included;
//! and the fast path into a `SaleBatch` that `window` and `analyze` use)
//! and encoding a batch of records as one `records` frame. `hopscope serve` does both for
//! every record it relays, so their cost bounds its throughput.
//!
//! `cargo bench -p hopscope-core --bench codec`

#[path = "support/workload.rs"]
mod workload;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hopscope_core::protocol::{Record, RecordValue, ServerMessage};
use hopscope_core::{Sale, SaleBatch, Timestamp};
use std::hint::black_box;

const RECORDS: usize = 10_000;

fn bench(c: &mut Criterion) {
    let sales = workload::sales(RECORDS);
    let values: Vec<Vec<u8>> = sales
        .iter()
        .map(|(s, _)| s.to_json().into_bytes())
        .collect();
    let mut group = c.benchmark_group("codec_10k_records");
    group.throughput(Throughput::Elements(RECORDS as u64));
    group.bench_function("sale_from_json", |b| {
        b.iter(|| {
            for v in &values {
                black_box(Sale::from_json(black_box(v)).is_ok());
            }
        })
    });
    // The fast path `hopscope window` and `analyze` decode files with.
    let mut batch = SaleBatch::new();
    group.bench_function("sale_batch_push_json", |b| {
        b.iter(|| {
            batch.clear();
            for v in &values {
                black_box(batch.push_json(black_box(v)).is_ok());
            }
        })
    });
    let records: Vec<Record> = sales
        .into_iter()
        .enumerate()
        .map(|(i, (s, partition))| Record {
            partition,
            offset: i as i64,
            timestamp: Timestamp(1_705_831_200_000 + i as i64),
            key: Some(s.seller.clone()),
            value: RecordValue::Sale(s),
        })
        .collect();
    let frames: Vec<ServerMessage> = records
        .chunks(500)
        .map(|chunk| ServerMessage::Records {
            records: chunk.to_vec(),
        })
        .collect();
    group.bench_function("records_frame_to_json", |b| {
        b.iter(|| {
            for frame in &frames {
                black_box(frame.to_json());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
