//! Core in headless Chromium (wasm32 + wasm-bindgen-test). The golden files prove the
//! browser computes byte-identical sales and windows to native; the rest re-checks the
//! behaviours users rely on in the browser: decoding errors, the partitioner, detection.
#![cfg(target_arch = "wasm32")]

#[path = "golden/mod.rs"]
mod golden;

use hopscope_core::detect::AlertKind;
use hopscope_core::partition::partition_for_key;
use hopscope_core::pipeline::{Analytics, AnalyticsConfig, AnalyticsOutput};
use hopscope_core::{Catalog, GeneratorConfig, Sale, SaleGenerator, Scenario, Span};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn generator_is_byte_identical_to_native() {
    assert!(
        golden::sales_jsonl() == golden::SALES,
        "wasm sales differ from native golden"
    );
}

#[wasm_bindgen_test]
fn windows_are_byte_identical_to_native() {
    assert!(golden::windows_jsonl(golden::SALES) == golden::WINDOWS);
}

#[wasm_bindgen_test]
fn embedded_catalog_loads() {
    let c = Catalog::embedded();
    assert_eq!(c.len(), 640);
    assert_eq!(c.categories().len(), 23);
}

#[wasm_bindgen_test]
fn decoder_names_fields_and_never_panics() {
    let e = Sale::from_json(br#"{"id_sale":"a","nm_product":"p","seller":"s","price":-1,"sale_date":"2024-01-01T00:00:00Z"}"#).unwrap_err();
    assert_eq!(e.field, Some("price"));
    for junk in [
        &b"\xff"[..],
        b"",
        b"{",
        b"[]",
        b"null",
        br#"{"price":1e999}"#,
    ] {
        assert!(Sale::from_json(junk).is_err());
    }
}

#[wasm_bindgen_test]
fn partitioner_matches_kafka() {
    assert_eq!(partition_for_key(b"ana.silva", 6), 2);
    assert_eq!(hopscope_core::partition::murmur2(b"21"), -973_932_308);
}

#[wasm_bindgen_test]
fn a_spike_is_detected_in_the_browser() {
    let config = GeneratorConfig {
        seed: 4,
        rate: 5.0,
        ..GeneratorConfig::default()
    };
    let start = config.start;
    let mut gen = SaleGenerator::new(Catalog::embedded(), &config);
    gen.trigger(
        Scenario::Spike {
            factor: 10.0,
            duration: Span::seconds(30),
        },
        start.plus(Span::minutes(35)),
    );
    let mut a = Analytics::new(AnalyticsConfig::default()).unwrap();
    let mut spikes = 0;
    let mut now = start;
    while now < start.plus(Span::minutes(40)) {
        now = now.plus(Span::millis(250));
        while let Some(g) = gen.poll(now) {
            a.push(&g.sale, g.partition, now);
        }
        a.advance(now);
        while let Some(o) = a.poll() {
            if matches!(o, AnalyticsOutput::Alert(ref al) if al.kind == AlertKind::ActivitySpike) {
                spikes += 1;
            }
        }
    }
    assert_eq!(spikes, 1);
}
