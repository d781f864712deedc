//! The benchmark workload, shared by the criterion bench, the throughput example and the
//! wasm measurement: generated sales at 1,000/s through the window engine.
#![allow(dead_code)] // each bench uses its own part

use hopscope_core::partition::partition_for_key;
use hopscope_core::window::{Event, HopWindows, WindowConfig};
use hopscope_core::{Catalog, GeneratorConfig, Sale, SaleGenerator, Span};
use std::hint::black_box;

/// `n` generated sales with their partitions, seed 1, 1,000 sales per simulated second.
pub fn sales(n: usize) -> Vec<(Sale, u32)> {
    let config = GeneratorConfig {
        seed: 1,
        rate: 1_000.0,
        ..GeneratorConfig::default()
    };
    let mut g = SaleGenerator::new(Catalog::embedded(), &config);
    let end = config.start.plus(Span::minutes(36_500 * 1_440));
    (0..n)
        .map(|_| {
            let s = g.poll(end).expect("enough sales");
            let p = partition_for_key(s.key.as_bytes(), 6);
            (s.sale, p)
        })
        .collect()
}

/// Every sale through a fresh engine, every window polled; returns the summed window sizes.
pub fn run(config: &WindowConfig, sales: &[(Sale, u32)]) -> u64 {
    let mut engine = HopWindows::new(config.clone()).expect("valid config");
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
