//! What the golden files hold, computed the same way on every target.

use hopscope_core::generate::{GeneratorConfig, SaleGenerator, ScheduledScenario};
use hopscope_core::partition::partition_for_key;
use hopscope_core::window::{Event, HopWindows, TimeMode, WindowConfig};
use hopscope_core::{Catalog, Sale, Span};

pub const SALES: &str = include_str!("sales.jsonl");
pub const WINDOWS: &str = include_str!("windows.jsonl");

/// 2 minutes at 5 sales/s with every scenario kind, seed 42.
pub fn sales_jsonl() -> String {
    let config = GeneratorConfig {
        seed: 42,
        rate: 5.0,
        ..GeneratorConfig::default()
    };
    let mut g = SaleGenerator::new(Catalog::embedded(), &config);
    for s in [
        "spike@20s,factor=4,for=10s",
        "concentration@40s,for=20s",
        "surge@70s,for=20s",
        "outlier@100s",
    ] {
        let s = ScheduledScenario::parse(s).unwrap();
        g.trigger(s.scenario, config.start.plus(s.after));
    }
    let end = config.start.plus(Span::minutes(2));
    let mut out = String::new();
    while let Some(s) = g.poll(end) {
        out.push_str(&s.sale.to_json());
        out.push('\n');
    }
    out
}

/// 30 s windows sliding by 7 s (not a divisor), event time with a 2 s watermark delay.
pub fn windows_jsonl(sales: &str) -> String {
    let config = WindowConfig::hop(
        Span::seconds(30),
        Span::seconds(7),
        TimeMode::event(Span::seconds(2)),
    );
    let mut engine = HopWindows::new(config).unwrap();
    let mut out = String::new();
    for line in sales.lines() {
        let sale = Sale::from_json(line.as_bytes()).unwrap();
        let p = partition_for_key(sale.seller.as_bytes(), 6);
        engine.push(&Event::from_sale(&sale, p), sale.event_time());
    }
    engine.flush();
    while let Some(w) = engine.poll() {
        out.push_str(&w.to_json());
        out.push('\n');
    }
    out
}
