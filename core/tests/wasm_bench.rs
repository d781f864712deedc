//! Window-engine throughput compiled to wasm32, in headless Chromium. A measurement, not
//! a test: it asserts nothing about speed and only runs from scripts/bench.sh:
//! `cargo test --release -p hopscope-core --target wasm32-unknown-unknown --test wasm_bench -- --nocapture`
#![cfg(target_arch = "wasm32")]

#[path = "../benches/support/workload.rs"]
mod workload;

use hopscope_core::window::{TimeMode, WindowConfig};
use hopscope_core::Span;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn window_throughput_in_the_browser() {
    let events = 1_000_000usize;
    let sales = workload::stream(&workload::sales(events));
    let mut line = format!("wasm_window_throughput events={events}");
    for (name, slide) in [
        ("15min_1s", Span::seconds(1)),
        ("15min_5min", Span::minutes(5)),
    ] {
        let wc = WindowConfig::hop(Span::minutes(15), slide, TimeMode::event(Span::seconds(5)));
        let best = (0..5)
            .map(|_| {
                let t0 = js_sys::Date::now();
                assert!(workload::run(&wc, &sales) > 0);
                js_sys::Date::now() - t0
            })
            .fold(f64::MAX, f64::min);
        line.push_str(&format!(
            " {name}={:.0}ev/s",
            events as f64 / (best / 1000.0)
        ));
    }
    console_log!("{line}");
}
