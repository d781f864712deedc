//! Scripted scenarios through the whole pipeline (generator → 15 min / 1 s windows →
//! tracker → analyzer → cooldown), on a simulated clock that runs hours in milliseconds.

use hopscope_core::detect::AlertKind;
use hopscope_core::pipeline::{Analytics, AnalyticsConfig, AnalyticsOutput};
use hopscope_core::{Catalog, GeneratorConfig, SaleGenerator, ScheduledScenario, Span, Timestamp};
use std::collections::BTreeMap;

struct Run {
    shown: Vec<(Timestamp, AlertKind)>,
    suppressed: BTreeMap<AlertKind, u64>,
    windows: u64,
    analytics: Analytics,
}

/// Runs the seed's pipeline in processing time: the clock ticks every 100 ms, sales are
/// pushed when they happen, scenarios fire `after` the start.
fn run(seed: u64, rate: f64, scenarios: &[&str], minutes: i64) -> Run {
    let config = GeneratorConfig {
        seed,
        rate,
        ..GeneratorConfig::default()
    };
    let start = config.start;
    let mut gen = SaleGenerator::new(Catalog::embedded(), &config);
    let mut pending: Vec<ScheduledScenario> = scenarios
        .iter()
        .map(|s| ScheduledScenario::parse(s).unwrap())
        .collect();
    let mut analytics = Analytics::new(AnalyticsConfig::default()).unwrap();
    let mut out = Run {
        shown: Vec::new(),
        suppressed: BTreeMap::new(),
        windows: 0,
        analytics: analytics.clone(),
    };
    let end = start.plus(Span::minutes(minutes));
    let mut now = start;
    while now < end {
        now = now.plus(Span::millis(100));
        pending.retain(|s| {
            let at = start.plus(s.after);
            if at <= now {
                gen.trigger(s.scenario.clone(), at);
                false
            } else {
                true
            }
        });
        while let Some(g) = gen.poll(now) {
            analytics.push(&g.sale, g.partition, g.sale.event_time());
        }
        analytics.advance(now);
        while let Some(o) = analytics.poll() {
            match o {
                AnalyticsOutput::Alert(a) => out.shown.push((a.window_end, a.kind)),
                AnalyticsOutput::Suppressed(a) => *out.suppressed.entry(a.kind).or_default() += 1,
                AnalyticsOutput::Window(_) => out.windows += 1,
                AnalyticsOutput::Late(l) => panic!("processing time has no late sales: {l:?}"),
            }
        }
    }
    out.analytics = analytics;
    out
}

fn kinds(r: &Run) -> Vec<AlertKind> {
    let mut k: Vec<AlertKind> = r.shown.iter().map(|(_, k)| *k).collect();
    k.dedup();
    k
}

#[test]
fn a_calm_shop_raises_no_alerts() {
    for seed in [1, 2, 3] {
        let r = run(seed, 5.0, &[], 60);
        assert_eq!(
            r.windows,
            60 * 60 + 15 * 60 - 1 - 899,
            "one window per second once the stream runs"
        );
        assert!(r.shown.is_empty(), "seed {seed}: {:?}", r.shown);
    }
}

#[test]
fn a_spike_raises_activity_spike_alerts_only_while_it_shows() {
    // 10× the rate for 30 s at minute 35, once the baseline window is complete.
    let r = run(4, 5.0, &["spike@35m,factor=10,for=30s"], 60);
    let spikes: Vec<Timestamp> = r
        .shown
        .iter()
        .filter(|(_, k)| *k == AlertKind::ActivitySpike)
        .map(|(t, _)| *t)
        .collect();
    assert!(!spikes.is_empty(), "{:?}", r.shown);
    let start = GeneratorConfig::default().start;
    let first = spikes[0];
    assert!(
        first >= start.plus(Span::minutes(35)) && first <= start.plus(Span::minutes(36)),
        "{first}"
    );
    // One event, one alert: the spike is announced at its onset, not for every window
    // it stays in (the cooldown would otherwise be all that held it back).
    assert_eq!(spikes.len(), 1, "{:?}", r.shown);
    // Only spike-related kinds are raised by a pure rate spike.
    assert!(
        kinds(&r).iter().all(|k| matches!(
            k,
            AlertKind::ActivitySpike | AlertKind::ActivityDrop | AlertKind::RevenueSurge
        )),
        "{:?}",
        kinds(&r)
    );
}

#[test]
fn seller_concentration_names_the_dominant_seller() {
    let r = run(
        5,
        5.0,
        &["concentration@20m,seller=ana.silva,share=0.9,for=10m"],
        40,
    );
    assert!(
        kinds(&r).contains(&AlertKind::SellerConcentration),
        "{:?}",
        r.shown
    );
    let st = r.analytics.cooldown().state(AlertKind::SellerConcentration);
    assert!(st.shown >= 1);
}

#[test]
fn category_surge_raises_a_category_peak() {
    let r = run(6, 5.0, &["surge@20m,category=TVs,share=0.9,for=10m"], 40);
    assert!(
        kinds(&r).contains(&AlertKind::CategoryPeak),
        "{:?}",
        r.shown
    );
    assert!(!kinds(&r).contains(&AlertKind::SellerConcentration));
}

#[test]
fn an_outlier_sale_is_reported_once() {
    let r = run(7, 5.0, &["outlier@20m"], 40);
    let outliers = r
        .shown
        .iter()
        .filter(|(_, k)| *k == AlertKind::OutlierSale)
        .count();
    assert_eq!(outliers, 1, "{:?}", r.shown);
}

#[test]
fn the_cooldown_holds_back_a_second_outlier_within_its_window_of_time() {
    let config = GeneratorConfig {
        seed: 9,
        rate: 5.0,
        ..GeneratorConfig::default()
    };
    let start = config.start;
    let mut gen = SaleGenerator::new(Catalog::embedded(), &config);
    let mut analytics = Analytics::new(AnalyticsConfig::default()).unwrap();
    // Three bulk orders, each bigger than the last: at 20 min, 1 s later, 30 s later.
    let mut bulk: Vec<(Timestamp, i64)> = vec![
        (start.plus(Span::minutes(20)), 20),
        (start.plus(Span::minutes(20)).plus(Span::seconds(1)), 40),
        (start.plus(Span::minutes(20)).plus(Span::seconds(31)), 80),
    ];
    let (mut shown, mut held) = (Vec::new(), Vec::new());
    let mut now = start;
    while now < start.plus(Span::minutes(22)) {
        now = now.plus(Span::millis(100));
        while let Some(g) = gen.poll(now) {
            analytics.push(&g.sale, g.partition, now);
        }
        if let Some(&(at, qty)) = bulk.first() {
            if at <= now {
                let mut big = gen.poll(now.plus(Span::seconds(60))).unwrap().sale;
                big.price = hopscope_core::Cents(799_999);
                big.quantity = qty as u32;
                analytics.push(&big, 0, now);
                bulk.remove(0);
            }
        }
        analytics.advance(now);
        while let Some(o) = analytics.poll() {
            match o {
                AnalyticsOutput::Alert(a) if a.kind == AlertKind::OutlierSale => {
                    shown.push(a.window_end)
                }
                AnalyticsOutput::Suppressed(a) if a.kind == AlertKind::OutlierSale => {
                    held.push(a.window_end)
                }
                _ => {}
            }
        }
    }
    assert_eq!(shown.len(), 2, "first and third shown: {shown:?}");
    assert_eq!(held.len(), 1, "second held back: {held:?}");
    assert!(held[0] > shown[0] && held[0] < shown[1]);
    let st = analytics.cooldown().state(AlertKind::OutlierSale);
    assert_eq!((st.shown, st.blocked), (2, 1));
    // 1.5 s, stretched ×1.2 by the block, then relaxed ×0.9 by the calm 30 s gap.
    assert_eq!(st.current, Span::millis(1_620));
}
