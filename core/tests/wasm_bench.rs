//! Window-engine throughput compiled to wasm32, in headless Chromium. A measurement, not
//! a test: it asserts nothing about speed and only runs from scripts/bench.sh:
//! `cargo test --release -p hopscope-core --target wasm32-unknown-unknown --test wasm_bench`
#![cfg(target_arch = "wasm32")]

use hopscope_core::partition::partition_for_key;
use hopscope_core::window::{Event, HopWindows, TimeMode, WindowConfig};
use hopscope_core::{Catalog, GeneratorConfig, Sale, SaleGenerator, Span};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn window_throughput_in_the_browser() {
    let events = 1_000_000usize;
    let config = GeneratorConfig {
        seed: 1,
        rate: 1_000.0,
        ..GeneratorConfig::default()
    };
    let mut g = SaleGenerator::new(Catalog::embedded(), &config);
    let end = config.start.plus(Span::minutes(36_500 * 1_440));
    let sales: Vec<(Sale, u32)> = (0..events)
        .map(|_| {
            let s = g.poll(end).unwrap();
            let p = partition_for_key(s.key.as_bytes(), 6);
            (s.sale, p)
        })
        .collect();
    let mut line = format!("wasm_window_throughput events={events}");
    for (name, slide) in [
        ("15min_1s", Span::seconds(1)),
        ("15min_5min", Span::minutes(5)),
    ] {
        let wc = WindowConfig::hop(
            Span::minutes(15),
            slide,
            TimeMode::Event {
                lateness: Span::seconds(5),
            },
        );
        let mut best = f64::MAX;
        for _ in 0..5 {
            let t0 = js_sys::Date::now();
            let mut engine = HopWindows::new(wc.clone()).unwrap();
            let mut sum = 0;
            for (s, p) in &sales {
                engine.push(&Event::from_sale(s, *p), s.event_time());
                while let Some(w) = engine.poll() {
                    sum += w.sales_in_window;
                }
            }
            engine.flush();
            while let Some(w) = engine.poll() {
                sum += w.sales_in_window;
            }
            assert!(sum > 0);
            best = best.min(js_sys::Date::now() - t0);
        }
        line.push_str(&format!(
            " {name}={:.0}ev/s",
            events as f64 / (best / 1000.0)
        ));
    }
    console_log!("{line}");
}
