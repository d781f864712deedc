//! The benchmark workload, shared by the criterion bench, the throughput example and the
//! wasm measurement: generated sales at 1,000/s through the window engine.
//!
//! Events borrow their key strings from one buffer, in arrival order — the layout of a
//! batch of records just decoded, which is how the engine is fed in `hopscope analyze` and
//! the browser. [`run_scattered`] feeds the same sales from a million separately allocated
//! `Sale`s instead: there, reading each event's strings is a cache miss, and that memory
//! latency, not the engine, is most of what is measured.
#![allow(dead_code)] // each bench uses its own part

use hopscope_core::partition::partition_for_key;
use hopscope_core::window::{Event, HopWindows, WindowConfig};
use hopscope_core::{Catalog, Cents, GeneratorConfig, Sale, SaleGenerator, Span, Timestamp};
use std::hint::black_box;

/// `n` generated sales with their partitions, seed 1, 1,000 sales per simulated second.
pub fn sales(n: usize) -> Vec<(Sale, u32)> {
    sales_at(1_000.0, n)
}

/// `n` generated sales with their partitions, seed 1, `rate` sales per simulated second.
pub fn sales_at(rate: f64, n: usize) -> Vec<(Sale, u32)> {
    let config = GeneratorConfig {
        seed: 1,
        rate,
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

/// The sales as a decoded batch: key strings side by side in one buffer.
pub struct Stream {
    text: String,
    events: Vec<Slot>,
}

struct Slot {
    time: Timestamp,
    value: Cents,
    partition: u32,
    keys: [(u32, u32); 3],
}

impl Stream {
    pub fn len(&self) -> usize {
        self.events.len()
    }
}

pub fn stream(sales: &[(Sale, u32)]) -> Stream {
    let mut text = String::new();
    let events = sales
        .iter()
        .map(|(s, p)| {
            let mut key = |k: &str| {
                let at = text.len() as u32;
                text.push_str(k);
                (at, k.len() as u32)
            };
            Slot {
                time: s.event_time(),
                value: s.value(),
                partition: *p,
                keys: [key(&s.seller), key(&s.nm_category), key(&s.nm_product)],
            }
        })
        .collect();
    Stream { text, events }
}

/// Every event through a fresh engine, every window polled; returns the summed window sizes.
pub fn run(config: &WindowConfig, stream: &Stream) -> u64 {
    let key = |(at, len): (u32, u32)| &stream.text[at as usize..(at + len) as usize];
    drive(
        config,
        stream.events.iter().map(|e| Event {
            time: e.time,
            value: e.value,
            seller: key(e.keys[0]),
            category: key(e.keys[1]),
            product: key(e.keys[2]),
            partition: e.partition,
        }),
    )
}

/// As [`run`], from separately allocated sales (see the module notes).
pub fn run_scattered(config: &WindowConfig, sales: &[(Sale, u32)]) -> u64 {
    drive(config, sales.iter().map(|(s, p)| Event::from_sale(s, *p)))
}

fn drive<'a>(config: &WindowConfig, events: impl Iterator<Item = Event<'a>>) -> u64 {
    let mut engine = HopWindows::new(config.clone()).expect("valid config");
    let mut fired = 0u64;
    for event in events {
        engine.push(&event, event.time);
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
