//! The engine against a brute-force model of Flink's event-time rules: for random streams,
//! random size/slide (divisible or not), out-of-order arrival, late events, one watermark
//! or one per partition (declared up front or not, idle timeouts, finished partitions),
//! every fired window must equal a from-scratch recomputation over exactly the events the
//! rules let into it, and fire exactly when the watermark reaches its end − 1.
//!
//! The rules, as the model applies them event by event:
//! * a partition's watermark is its newest event time − delay (−∞ before its first record);
//!   the operator's is the minimum over partitions neither idle nor finished, never
//!   decreasing (one stream: every event is "partition 0");
//! * an arriving event joins each window containing it whose end − 1 > the watermark,
//!   and is dropped when there is none.
#![cfg(not(target_arch = "wasm32"))]

use hopscope_core::window::{
    Event, EventTime, HopWindows, Pushed, Scope, TimeMode, WindowConfig, WindowResult,
};
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

/// Every window start containing `t`.
fn starts_of(t: i64, size: i64, slide: i64) -> Vec<i64> {
    let mut v = Vec::new();
    let mut s = t.div_euclid(slide) * slide;
    while s + size > t {
        v.push(s);
        s -= slide;
    }
    v.reverse();
    v
}

/// Flink's watermark rules, brute force: a list of partitions, a full scan per question.
struct ModelMarks {
    per_partition: bool,
    delay: i64,
    idle: Option<i64>,
    /// partition → (newest event time or MIN, last seen, idle, finished)
    parts: BTreeMap<u32, (i64, i64, bool, bool)>,
    wm: i64,
}

impl ModelMarks {
    fn key(&self, p: u32) -> u32 {
        if self.per_partition {
            p
        } else {
            0
        }
    }
    fn recompute(&mut self) {
        let counting: Vec<i64> = self
            .parts
            .values()
            .filter(|(_, _, idle, fin)| !idle && !fin)
            .map(|(n, ..)| *n)
            .collect();
        if let Some(min) = counting.into_iter().min() {
            if min != i64::MIN {
                self.wm = self.wm.max(min - self.delay);
            }
        }
    }
    fn declare(&mut self, p: u32, now: i64) {
        if self.per_partition {
            self.parts.entry(p).or_insert((i64::MIN, now, false, false));
        }
    }
    fn observe(&mut self, p: u32, t: i64, now: i64) {
        let k = self.key(p);
        let e = self.parts.entry(k).or_insert((i64::MIN, now, false, false));
        e.0 = e.0.max(t);
        e.1 = now;
        e.2 = false;
        e.3 = false;
        self.recompute();
    }
    fn tick(&mut self, now: i64) {
        if let Some(timeout) = self.idle {
            for e in self.parts.values_mut() {
                if !e.3 && now - e.1 >= timeout {
                    e.2 = true;
                }
            }
            self.recompute();
        }
    }
    fn finish(&mut self, p: u32, now: i64) {
        let k = self.key(p);
        let e = self.parts.entry(k).or_insert((i64::MIN, now, false, false));
        e.3 = true;
        self.recompute();
    }
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

/// One window computed from scratch over the events in it.
fn naive_window(s: i64, size: i64, inside: &[&Ev], partitions: usize) -> WindowResult {
    let n = inside.len() as u64;
    let sum: i64 = inside.iter().map(|e| e.value).sum();
    let mut sellers = BTreeMap::new();
    let mut cats = BTreeMap::new();
    let mut prods = BTreeSet::new();
    let mut parts = vec![0u64; partitions];
    for e in inside {
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
}

/// Every window with at least one event, computed from scratch.
fn naive_windows(events: &[Ev], size: i64, slide: i64, partitions: usize) -> Vec<WindowResult> {
    let starts: BTreeSet<i64> = events
        .iter()
        .flat_map(|e| starts_of(e.t, size, slide))
        .collect();
    starts
        .into_iter()
        .map(|s| {
            let inside: Vec<&Ev> = events
                .iter()
                .filter(|e| s <= e.t && e.t < s + size)
                .collect();
            naive_window(s, size, &inside, partitions)
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

/// How a generated stream is read.
#[derive(Clone, Debug)]
struct Reading {
    per_partition: bool,
    /// Partitions declared before the first record (per-partition only).
    declared: Vec<u32>,
    idle: Option<i64>,
    /// After the events, these partitions finish (a bounded read) before the flush.
    finish: Vec<u32>,
}

fn arb_reading() -> impl Strategy<Value = Reading> {
    (
        any::<bool>(),
        proptest::collection::vec(0u32..6, 0..6),
        prop_oneof![Just(None), (1i64..4).prop_map(|k| Some(k * 400))],
        proptest::collection::vec(0u32..6, 0..3),
    )
        .prop_map(|(per_partition, declared, idle, finish)| Reading {
            per_partition,
            declared,
            idle,
            finish,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn event_time_engine_equals_the_brute_force_model(
        (size, slide, delay, events) in arb_stream(),
        reading in arb_reading(),
        clock_steps in proptest::collection::vec(0i64..700, 120),
    ) {
        let time = if reading.per_partition {
            EventTime::per_partition(Span(delay), reading.idle.map(Span))
        } else {
            EventTime { idle_timeout: reading.idle.map(Span), ..EventTime::stream(Span(delay)) }
        };
        let config = WindowConfig::hop(Span(size), Span(slide), TimeMode::Event(time));
        prop_assert_eq!(time.scope == Scope::PerPartition, reading.per_partition);
        let mut engine = HopWindows::new(config).unwrap();
        let mut model = ModelMarks {
            per_partition: reading.per_partition,
            delay,
            idle: reading.idle,
            parts: BTreeMap::new(),
            wm: i64::MIN,
        };
        let mut now = 0i64;
        for p in &reading.declared {
            engine.declare_partition(*p, Timestamp(now));
            model.declare(*p, now);
        }
        // Window start → the events the rules let in; the windows the model has fired.
        let mut contents: BTreeMap<i64, Vec<Ev>> = BTreeMap::new();
        let mut fired_model: BTreeSet<i64> = BTreeSet::new();
        let mut got: Vec<WindowResult> = Vec::new();
        let (mut joined_n, mut dropped_n) = (0u64, 0u64);
        let check = |engine: &mut HopWindows, model: &ModelMarks,
                         contents: &BTreeMap<i64, Vec<Ev>>,
                         fired_model: &mut BTreeSet<i64>, got: &mut Vec<WindowResult>|
         -> Result<(), TestCaseError> {
            prop_assert_eq!(engine.watermark().map_or(i64::MIN, |w| w.0), model.wm);
            let due: Vec<i64> = contents
                .keys()
                .filter(|s| *s + size - 1 <= model.wm && !fired_model.contains(s))
                .copied()
                .collect();
            let mut out = Vec::new();
            while let Some(w) = engine.poll() {
                out.push(w);
            }
            let starts: Vec<i64> = out.iter().map(|w| w.window_start.0).collect();
            prop_assert_eq!(&starts, &due, "windows fire exactly when the watermark reaches end − 1");
            for w in out {
                let inside: Vec<&Ev> = contents[&w.window_start.0].iter().collect();
                assert_same(std::slice::from_ref(&w), &[naive_window(w.window_start.0, size, &inside, 6)]);
                fired_model.insert(w.window_start.0);
                got.push(w);
            }
            Ok(())
        };
        for (i, e) in events.iter().enumerate() {
            now += clock_steps[i % clock_steps.len()];
            if i % 7 == 3 {
                engine.advance(Timestamp(now));
                model.tick(now);
                check(&mut engine, &model, &contents, &mut fired_model, &mut got)?;
            }
            let wm = model.wm;
            let starts = starts_of(e.t, size, slide);
            let open: Vec<i64> = starts.iter().copied().filter(|s| s + size - 1 > wm).collect();
            let want = if open.len() == starts.len() {
                Pushed::Accepted
            } else if open.is_empty() {
                Pushed::Dropped { windows: starts.len() as u32, watermark: Timestamp(wm) }
            } else {
                Pushed::LateJoined { joined: open.len() as u32, windows: starts.len() as u32, watermark: Timestamp(wm) }
            };
            prop_assert_eq!(engine.push(&event(e), Timestamp(now)), want);
            match want {
                Pushed::LateJoined { .. } => joined_n += 1,
                Pushed::Dropped { .. } => dropped_n += 1,
                Pushed::Accepted => {}
            }
            for s in open {
                contents.entry(s).or_default().push(e.clone());
            }
            model.observe(e.partition, e.t, now);
            check(&mut engine, &model, &contents, &mut fired_model, &mut got)?;
        }
        for p in &reading.finish {
            engine.finish_partition(*p, Timestamp(now));
            model.finish(*p, now);
            check(&mut engine, &model, &contents, &mut fired_model, &mut got)?;
        }
        engine.flush();
        while let Some(w) = engine.poll() {
            got.push(w);
        }
        let stats = engine.stats();
        prop_assert_eq!(stats.late_joined, joined_n);
        prop_assert_eq!(stats.dropped, dropped_n);
        prop_assert_eq!(stats.accepted, events.len() as u64 - dropped_n);
        // Fired in order of window start, each once, each exactly the events let in.
        prop_assert!(got.windows(2).all(|w| w[0].window_start < w[1].window_start));
        let want: Vec<WindowResult> = contents
            .iter()
            .map(|(s, evs)| naive_window(*s, size, &evs.iter().collect::<Vec<_>>(), 6))
            .collect();
        assert_same(&got, &want);
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
        prop_assert_eq!(engine.stats().late_joined + engine.stats().dropped, 0);
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
    let mut c = WindowConfig::hop(Span::seconds(4), Span::seconds(2), TimeMode::event(Span(0)));
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
    let text =
        |r: Result<HopWindows, hopscope_core::window::ConfigError>| r.unwrap_err().to_string();
    assert!(text(mk(0, 1)).contains("size must be positive"));
    assert!(text(mk(10, 0)).contains("slide must be positive"));
    assert!(text(mk(10, 20)).contains("must not exceed size"));
    let neg = WindowConfig::hop(Span(10), Span(5), TimeMode::event(Span(-1)));
    assert!(text(HopWindows::new(neg)).contains("watermark delay"));
}
