//! The engine against a naive model: for random streams, random size/slide (divisible or
//! not), out-of-order arrival and late events, every fired window must equal a from-scratch
//! recomputation over the events the engine accepted, and lateness must follow the rule
//! "late iff the first window containing the event has already fired".
#![cfg(not(target_arch = "wasm32"))]

use hopscope_core::window::{Event, HopWindows, Pushed, TimeMode, WindowConfig, WindowResult};
use hopscope_core::{Cents, Span, Timestamp};
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Debug)]
struct Ev {
    t: i64,
    value: i64,
    seller: u8,
    category: u8,
    product: u8,
    partition: u32,
}

const SELLERS: [&str; 5] = ["ana", "bia", "caio", "duda", "enzo"];
const CATEGORIES: [&str; 3] = ["TVs", "Laptops", "Batteries"];
const PRODUCTS: [&str; 7] = ["p0", "p1", "p2", "p3", "p4", "p5", "p6"];

fn event(e: &Ev) -> Event<'static> {
    Event {
        time: Timestamp(e.t),
        value: Cents(e.value),
        seller: SELLERS[e.seller as usize],
        category: CATEGORIES[e.category as usize],
        product: PRODUCTS[e.product as usize],
        partition: e.partition,
    }
}

/// Which events a correct engine accepts, decided by the watermark rule alone.
fn accepted(events: &[Ev], pane: i64, lateness: i64) -> (Vec<Ev>, u64) {
    let mut wm = i64::MIN;
    let mut keep = Vec::new();
    let mut late = 0;
    for e in events {
        let pane_end = (e.t.div_euclid(pane) + 1) * pane;
        if pane_end - 1 <= wm {
            late += 1;
            continue;
        }
        keep.push(e.clone());
        wm = wm.max(e.t - lateness);
    }
    (keep, late)
}

fn top(counts: &BTreeMap<&'static str, u64>) -> Option<(String, u64)> {
    // Highest count, ties to the alphabetically first name (BTreeMap iterates in order).
    let mut best: Option<(&str, u64)> = None;
    for (k, c) in counts {
        if best.is_none_or(|(_, bc)| *c > bc) {
            best = Some((k, *c));
        }
    }
    best.map(|(k, c)| (k.to_string(), c))
}

/// Every window with at least one event, computed from scratch.
fn naive_windows(events: &[Ev], size: i64, slide: i64, partitions: usize) -> Vec<WindowResult> {
    let mut starts = BTreeSet::new();
    for e in events {
        let mut s = e.t.div_euclid(slide) * slide;
        while s + size > e.t {
            starts.insert(s);
            s -= slide;
        }
    }
    starts
        .into_iter()
        .map(|s| {
            let inside: Vec<&Ev> = events
                .iter()
                .filter(|e| s <= e.t && e.t < s + size)
                .collect();
            let n = inside.len() as u64;
            let sum: i64 = inside.iter().map(|e| e.value).sum();
            let mut sellers = BTreeMap::new();
            let mut cats = BTreeMap::new();
            let mut prods = BTreeSet::new();
            let mut parts = vec![0u64; partitions];
            for e in &inside {
                *sellers.entry(SELLERS[e.seller as usize]).or_insert(0u64) += 1;
                *cats.entry(CATEGORIES[e.category as usize]).or_insert(0u64) += 1;
                prods.insert(e.product);
                if parts.len() <= e.partition as usize {
                    parts.resize(e.partition as usize + 1, 0);
                }
                parts[e.partition as usize] += 1;
            }
            let mean = sum as f64 / n as f64;
            let var = inside
                .iter()
                .map(|e| (e.value as f64 - mean).powi(2))
                .sum::<f64>()
                / n as f64;
            let avg = (sum as f64 / n as f64).round(); // values are positive: HALF_UP
            let to_key = |t: Option<(String, u64)>| {
                t.map(|(name, count)| hopscope_core::window::TopKey {
                    name,
                    count,
                    share: count as f64 / n as f64,
                })
            };
            WindowResult {
                window_start: Timestamp(s),
                window_end: Timestamp(s + size),
                sales_in_window: n,
                revenue: Cents(sum),
                avg_ticket: Cents(avg as i64),
                active_sellers: sellers.len() as u64,
                active_categories: cats.len() as u64,
                active_products: prods.len() as u64,
                biggest_sale: Cents(inside.iter().map(|e| e.value).max().unwrap()),
                top_category: to_key(top(&cats)),
                top_seller: to_key(top(&sellers)),
                top_categories: vec![],
                top_sellers: vec![],
                sales_per_partition: parts,
                ticket_stddev: var.sqrt() / 100.0,
            }
        })
        .collect()
}

fn assert_same(got: &[WindowResult], want: &[WindowResult]) {
    assert_eq!(got.len(), want.len(), "number of windows");
    for (g, w) in got.iter().zip(want) {
        let mut g2 = g.clone();
        assert!((g.ticket_stddev - w.ticket_stddev).abs() < 1e-6 * w.ticket_stddev.max(1.0));
        g2.ticket_stddev = w.ticket_stddev;
        assert_eq!(&g2, w);
    }
}

fn arb_stream() -> impl Strategy<Value = (i64, i64, i64, Vec<Ev>)> {
    (1i64..=12, 1i64..=12, 0i64..=6).prop_flat_map(|(a, b, lateness_units)| {
        let (slide_u, size_u) = if a <= b { (a, b) } else { (b, a) };
        let unit = 250i64;
        let ev = (
            (0i64..200, 0u8..4),
            -8i64..=3,
            1i64..50_000,
            0u8..5,
            0u8..3,
            0u8..7,
            0u32..6,
        );
        proptest::collection::vec(ev, 0..120).prop_map(move |raw| {
            // A mostly increasing clock with jitter backwards (out-of-order and late events)
            // and occasional gaps, in milliseconds that are not multiples of anything.
            let mut clock = 1_700_000_000_000i64 - 7;
            let events = raw
                .into_iter()
                .map(
                    |((step, edge), jitter, value, seller, category, product, partition)| {
                        clock += if step > 190 { step * 997 } else { step * 13 };
                        let t = clock + jitter * 97;
                        // Half the events sit exactly on, or 1 ms before, a pane boundary:
                        // where off-by-one errors in firing and lateness live.
                        let t = match edge {
                            0 => t.div_euclid(unit) * unit,
                            1 => t.div_euclid(unit) * unit - 1,
                            _ => t,
                        };
                        Ev {
                            t,
                            value,
                            seller,
                            category,
                            product,
                            partition,
                        }
                    },
                )
                .collect();
            (size_u * unit, slide_u * unit, lateness_units * unit, events)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn event_time_engine_equals_naive_recomputation((size, slide, lateness, events) in arb_stream()) {
        let config = WindowConfig::hop(Span(size), Span(slide), TimeMode::Event { lateness: Span(lateness) });
        let pane = config.pane().0;
        let mut engine = HopWindows::new(config).unwrap();
        let mut got = Vec::new();
        let mut late = 0;
        let mut seen = Vec::new();
        for e in &events {
            match engine.push(&event(e), Timestamp(0)) {
                Pushed::Late { .. } => late += 1,
                Pushed::Accepted => seen.push(e.t),
            }
            let wm = engine.watermark().unwrap().0;
            while let Some(w) = engine.poll() {
                // A window only fires once the watermark has reached its end − 1 …
                prop_assert!(w.window_end.0 - 1 <= wm);
                got.push(w);
            }
            // … and fires as soon as it has.
            for t in &seen {
                let mut s = t.div_euclid(slide) * slide;
                while s + size > *t {
                    if s + size - 1 <= wm {
                        prop_assert!(got.iter().any(|w| w.window_start.0 == s), "window {s} is due");
                    }
                    s -= slide;
                }
            }
        }
        engine.flush();
        while let Some(w) = engine.poll() {
            got.push(w);
        }
        let (kept, want_late) = accepted(&events, pane, lateness);
        prop_assert_eq!(late, want_late);
        prop_assert_eq!(engine.stats().late, want_late);
        prop_assert_eq!(engine.stats().accepted, kept.len() as u64);
        // Fired in order of window end, each once.
        prop_assert!(got.windows(2).all(|w| w[0].window_start < w[1].window_start));
        assert_same(&got, &naive_windows(&kept, size, slide, 6));
    }

    #[test]
    fn processing_time_engine_equals_naive_recomputation((size, slide, _l, events) in arb_stream()) {
        // In processing time the caller's clock stamps each event; feed a monotone clock.
        let mut engine = HopWindows::new(WindowConfig::hop(Span(size), Span(slide), TimeMode::Processing)).unwrap();
        let mut stamped = Vec::new();
        let mut now = 0i64;
        let mut got = Vec::new();
        for e in &events {
            now = now.max(e.t);
            engine.push(&event(e), Timestamp(now));
            stamped.push(Ev { t: now, ..e.clone() });
            while let Some(w) = engine.poll() {
                prop_assert!(w.window_end.0 <= now, "fired only once the clock passed its end");
                got.push(w);
            }
        }
        let end = now + size + slide;
        engine.advance(Timestamp(end));
        while let Some(w) = engine.poll() {
            got.push(w);
        }
        prop_assert_eq!(engine.stats().late, 0);
        assert_same(&got, &naive_windows(&stamped, size, slide, 6));
    }

    #[test]
    fn windows_containing_lists_exactly_the_windows_with_start_le_t_lt_end(
        size in 1i64..5_000, slide_frac in 1i64..=100, t in -1_000_000i64..1_000_000,
    ) {
        let slide = (size * slide_frac / 100).max(1);
        let c = WindowConfig::hop(Span(size), Span(slide), TimeMode::Processing);
        let ws: Vec<_> = c.windows_containing(Timestamp(t)).collect();
        let brute = ((t - size - slide).div_euclid(slide)..=t.div_euclid(slide) + 1)
            .map(|k| k * slide)
            .filter(|s| *s <= t && t < s + size)
            .count();
        prop_assert_eq!(ws.len(), brute);
        prop_assert!(ws.iter().all(|(s, e)| s.0 <= t && t < e.0 && s.0 % slide == 0));
    }
}

#[test]
fn divisible_hop_puts_every_event_in_size_over_slide_windows() {
    let c = WindowConfig::hop(Span::seconds(10), Span::seconds(2), TimeMode::Processing);
    assert_eq!(c.windows_per_event(Timestamp(12_345)), 5);
    let seed = WindowConfig::seed();
    assert_eq!(seed.windows_per_event(Timestamp(1_705_831_200_123)), 900);
    let odd = WindowConfig::hop(Span::seconds(10), Span::seconds(3), TimeMode::Processing);
    let counts: BTreeSet<u64> = (0..30_000)
        .step_by(100)
        .map(|t| odd.windows_per_event(Timestamp(t)))
        .collect();
    assert_eq!(
        counts,
        BTreeSet::from([3, 4]),
        "10 s / 3 s: three or four windows"
    );
    assert_eq!(odd.pane(), Span::seconds(1));
}

#[test]
fn empty_windows_can_be_emitted_for_a_timeline() {
    let mut c = WindowConfig::hop(
        Span::seconds(4),
        Span::seconds(2),
        TimeMode::Event { lateness: Span(0) },
    );
    c.emit_empty = true;
    let mut e = HopWindows::new(c).unwrap();
    let ev = |t| Ev {
        t,
        value: 100,
        seller: 0,
        category: 0,
        product: 0,
        partition: 0,
    };
    e.push(&event(&ev(1_000)), Timestamp(0));
    e.push(&event(&ev(11_000)), Timestamp(0));
    e.flush();
    let got: Vec<(i64, u64)> = std::iter::from_fn(|| e.poll())
        .map(|w| (w.window_start.0, w.sales_in_window))
        .collect();
    assert_eq!(
        got,
        [
            (-2_000, 1),
            (0, 1),
            (2_000, 0),
            (4_000, 0),
            (6_000, 0),
            (8_000, 1),
            (10_000, 1)
        ]
    );
}

#[test]
fn bad_configs_are_refused_with_reasons() {
    let mk = |size, slide| {
        HopWindows::new(WindowConfig::hop(
            Span(size),
            Span(slide),
            TimeMode::Processing,
        ))
    };
    assert!(mk(0, 1).unwrap_err().contains("size must be positive"));
    assert!(mk(10, 0).unwrap_err().contains("slide must be positive"));
    assert!(mk(10, 20).unwrap_err().contains("must not exceed size"));
    let neg = WindowConfig::hop(Span(10), Span(5), TimeMode::Event { lateness: Span(-1) });
    assert!(HopWindows::new(neg).unwrap_err().contains("lateness"));
}
