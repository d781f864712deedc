//! Flink's four window table-valued functions — `TUMBLE`, `HOP`, `CUMULATE` and `SESSION`
//! — computed exactly on a small input, so the teaching view can put them side by side on
//! the same sales.
//!
//! Why a second engine: [`super::HopWindows`] is O(1) per event for hopping windows at any
//! volume; this one keeps every window it has open and is O(windows per event), which is
//! nothing at a lesson's size (its input is bounded by the lesson's kept events) and lets
//! one short function per kind say which windows an event belongs to. The two agree on
//! `HOP` (a test replays random inputs through both, slides dividing the size or not).
//!
//! # Semantics (Flink 2.x, checked against PyFlink by `e2e/teach_sql.test.mjs`)
//! * One watermark for the whole input, `newest event time − delay`, moved after every
//!   event (`pipeline.auto-watermark-interval: 0`); a window fires once the watermark
//!   reaches `end − 1`; the end of input fires the rest. Only windows holding an event are
//!   emitted.
//! * `TUMBLE(size)`: `[k·size, (k+1)·size)`. `HOP(slide, size)`: every `[k·slide,
//!   k·slide + size)` holding the event. `CUMULATE(step, size)`: within the event's
//!   `[k·size, (k+1)·size)`, every window `[k·size, k·size + j·step)` ending after it.
//! * Late events, as the slicing operator treats them (`TUMBLE`, `HOP`, `CUMULATE`): an
//!   event joins those of its windows that have not fired; it is dropped only when all
//!   have.
//! * `SESSION(gap)`, optionally `PARTITION BY seller`: an event opens `[t, t + gap)`,
//!   which merges with every session of its key it overlaps or touches (Flink's
//!   `TimeWindow.intersects`); a session fires when the watermark passes its end. A late
//!   event counts if the session it lands in (after merging) has not fired, else it is
//!   dropped; a fired session is gone, so a late event next to it starts a new one.

use crate::money::{div_round_half_up, Cents};
use crate::time::{Span, Timestamp};
use std::collections::{BTreeMap, BTreeSet};

/// A window table-valued function and its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WindowKind {
    /// `TUMBLE(TABLE t, DESCRIPTOR(ts), size)`
    Tumble { size: Span },
    /// `HOP(TABLE t, DESCRIPTOR(ts), slide, size)`
    Hop { size: Span, slide: Span },
    /// `CUMULATE(TABLE t, DESCRIPTOR(ts), step, size)`
    Cumulate { step: Span, size: Span },
    /// `SESSION(TABLE t [PARTITION BY seller], DESCRIPTOR(ts), gap)`
    Session { gap: Span, per_seller: bool },
}

impl WindowKind {
    /// The function's name as SQL writes it.
    pub fn name(&self) -> &'static str {
        match self {
            WindowKind::Tumble { .. } => "TUMBLE",
            WindowKind::Hop { .. } => "HOP",
            WindowKind::Cumulate { .. } => "CUMULATE",
            WindowKind::Session { .. } => "SESSION",
        }
    }

    /// The arguments Flink's window TVFs refuse, refused here in Flink's terms.
    pub fn validate(&self) -> Result<(), KindError> {
        let positive = |what: &'static str, s: Span| {
            if s.0 > 0 {
                Ok(())
            } else {
                Err(KindError::NotPositive { what, got: s })
            }
        };
        match *self {
            WindowKind::Tumble { size } => positive("size", size),
            // The HOP window TVF wants a multiple of the slide; the legacy `GROUP BY HOP`
            // takes any slide up to the size, with the same windows (the teaching view
            // writes that form then), so only what no form accepts is refused here.
            WindowKind::Hop { size, slide } => {
                positive("size", size)?;
                positive("slide", slide)?;
                if slide.0 > size.0 {
                    return Err(KindError::SlideExceedsSize { size, slide });
                }
                Ok(())
            }
            WindowKind::Cumulate { step, size } => {
                positive("size", size)?;
                positive("step", step)?;
                if size.0 % step.0 != 0 {
                    return Err(KindError::NotAMultiple {
                        function: "CUMULATE",
                        size,
                        of: step,
                    });
                }
                Ok(())
            }
            WindowKind::Session { gap, .. } => positive("gap", gap),
        }
    }

    /// The windows `[start, end)` an event at `t` belongs to (not `SESSION`'s, which
    /// depend on the other events).
    fn assign(&self, t: i64) -> Vec<(i64, i64)> {
        let fixed = |size: i64, slide: i64| {
            let last = t.div_euclid(slide) * slide;
            let mut out = Vec::new();
            let mut start = last;
            while start > t - size {
                out.push((start, start + size));
                start -= slide;
            }
            out.reverse();
            out
        };
        match *self {
            WindowKind::Tumble { size } => fixed(size.0, size.0),
            WindowKind::Hop { size, slide } => fixed(size.0, slide.0),
            WindowKind::Cumulate { step, size } => {
                let start = t.div_euclid(size.0) * size.0;
                (1..=size.0 / step.0)
                    .map(|j| (start, start + j * step.0))
                    .filter(|(_, end)| *end > t)
                    .collect()
            }
            WindowKind::Session { .. } => Vec::new(),
        }
    }
}

/// Arguments a window table-valued function refuses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum KindError {
    /// A size, slide, step or gap of 0 or less.
    NotPositive { what: &'static str, got: Span },
    /// `HOP`'s slide beyond its size would leave sales in no window.
    SlideExceedsSize { size: Span, slide: Span },
    /// `CUMULATE`'s size must be a multiple of its step.
    NotAMultiple {
        function: &'static str,
        size: Span,
        of: Span,
    },
}

impl std::fmt::Display for KindError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KindError::NotPositive { what, got } => {
                write!(f, "the {what} must be positive, got {got}")
            }
            KindError::SlideExceedsSize { size, slide } => write!(
                f,
                "the slide ({slide}) must not exceed the size ({size}): sales between windows would be in none"
            ),
            // Flink's own words (its TableException), so a learner recognises them.
            KindError::NotAMultiple { function, size, of } => write!(
                f,
                "{function} table function based aggregate requires maxSize must be an integral multiple of step, but got maxSize {} ms and step {} ms",
                size.0, of.0
            ),
        }
    }
}

impl std::error::Error for KindError {}

/// A sale as the comparison needs it.
#[derive(Clone, Copy, Debug)]
pub struct KindEvent<'a> {
    pub time: Timestamp,
    pub value: Cents,
    pub seller: &'a str,
}

/// One window's row: the lesson query's columns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KindRow {
    pub start: Timestamp,
    pub end: Timestamp,
    /// `SESSION … PARTITION BY seller`: the seller whose session it is.
    pub seller: Option<String>,
    pub sales: u64,
    pub revenue: Cents,
    pub biggest: Cents,
    sellers: BTreeSet<String>,
    /// After which event (index into the input) it fired; `None`: by the end of input, or
    /// (in [`KindRun::open`]) not yet.
    pub fired_after: Option<usize>,
}

impl KindRow {
    fn new(start: i64, end: i64, seller: Option<String>) -> KindRow {
        KindRow {
            start: Timestamp(start),
            end: Timestamp(end),
            seller,
            sales: 0,
            revenue: Cents(0),
            biggest: Cents(0),
            sellers: BTreeSet::new(),
            fired_after: None,
        }
    }

    fn add(&mut self, e: &KindEvent<'_>) {
        self.sales += 1;
        self.revenue.0 += e.value.0;
        self.biggest = if self.sales == 1 {
            e.value
        } else {
            self.biggest.max(e.value)
        };
        self.sellers.insert(e.seller.to_string());
    }

    fn absorb(&mut self, other: KindRow) {
        self.start = self.start.min(other.start);
        self.end = self.end.max(other.end);
        self.biggest = match (self.sales, other.sales) {
            (0, _) => other.biggest,
            (_, 0) => self.biggest,
            _ => self.biggest.max(other.biggest),
        };
        self.sales += other.sales;
        self.revenue.0 += other.revenue.0;
        self.sellers.extend(other.sellers);
    }

    /// `ROUND(AVG(price), 2)`, half up as Flink rounds.
    pub fn avg_ticket(&self) -> Cents {
        if self.sales == 0 {
            return Cents(0);
        }
        Cents(div_round_half_up(self.revenue.0 as i128, self.sales as i128) as i64)
    }

    /// `COUNT(DISTINCT seller)`
    pub fn active_sellers(&self) -> usize {
        self.sellers.len()
    }
}

/// What happened to one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KindFate {
    /// In every window it belongs to.
    Counted,
    /// Behind the watermark; in `joined` of its `windows` (those not fired yet). A
    /// session's late event whose own gap has passed but which lands in a session not
    /// fired yet is in 1 of 1.
    LateJoined { joined: usize, windows: usize },
    /// Behind the watermark and in no window.
    Dropped,
}

/// Every row of one window kind over an input.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KindRun {
    /// Fired windows, in the order they fired (window end, then start, then key).
    pub rows: Vec<KindRow>,
    /// Windows holding events that have not fired (none after the end of input).
    pub open: Vec<KindRow>,
    /// Each event's fate, index = input index.
    pub fates: Vec<KindFate>,
    /// The watermark after the last event.
    pub watermark: Option<Timestamp>,
}

impl KindRun {
    pub fn dropped(&self) -> usize {
        self.fates
            .iter()
            .filter(|f| **f == KindFate::Dropped)
            .count()
    }

    pub fn late_joined(&self) -> usize {
        self.fates
            .iter()
            .filter(|f| matches!(f, KindFate::LateJoined { .. }))
            .count()
    }
}

/// Runs `kind` over `events` in the order given (their arrival order) with one watermark
/// trailing the newest event time by `delay`; `ended` fires what is left, as a bounded
/// source's last watermark does. A kind [`WindowKind::validate`] refuses gives no rows.
pub fn run(kind: &WindowKind, delay: Span, events: &[KindEvent<'_>], ended: bool) -> KindRun {
    let mut out = KindRun::default();
    if kind.validate().is_err() {
        return out;
    }
    // Open windows by (end, start, key): firing takes them from the front.
    let mut open: BTreeMap<(i64, i64, Option<String>), KindRow> = BTreeMap::new();
    let mut wm: Option<i64> = None;
    let fired = |end: i64, wm: Option<i64>| wm.is_some_and(|w| end - 1 <= w);
    for (i, e) in events.iter().enumerate() {
        let t = e.time.0;
        let fate = match kind {
            WindowKind::Session { gap, per_seller } => {
                let key = per_seller.then(|| e.seller.to_string());
                let (mut start, mut end) = (t, t + gap.0);
                // Flink's TimeWindow.intersects: overlapping or touching.
                let touching: Vec<_> = open
                    .keys()
                    .filter(|(e2, s2, k)| *k == key && *s2 <= end && *e2 >= start)
                    .cloned()
                    .collect();
                for (e2, s2, _) in &touching {
                    start = start.min(*s2);
                    end = end.max(*e2);
                }
                if fired(end, wm) {
                    KindFate::Dropped
                } else {
                    let mut row = KindRow::new(start, end, key.clone());
                    for k in touching {
                        if let Some(r) = open.remove(&k) {
                            row.absorb(r);
                        }
                    }
                    row.add(e);
                    open.insert((end, start, key), row);
                    // Alone, its session would have fired: it counts only because it
                    // lands in one that has not.
                    if fired(t + gap.0, wm) {
                        KindFate::LateJoined {
                            joined: 1,
                            windows: 1,
                        }
                    } else {
                        KindFate::Counted
                    }
                }
            }
            _ => {
                let windows = kind.assign(t);
                let mut joined = 0;
                for (start, end) in windows.iter().copied() {
                    if fired(end, wm) {
                        continue;
                    }
                    joined += 1;
                    open.entry((end, start, None))
                        .or_insert_with(|| KindRow::new(start, end, None))
                        .add(e);
                }
                match joined {
                    0 => KindFate::Dropped,
                    j if j == windows.len() => KindFate::Counted,
                    j => KindFate::LateJoined {
                        joined: j,
                        windows: windows.len(),
                    },
                }
            }
        };
        out.fates.push(fate);
        let mark = t - delay.0;
        wm = Some(wm.map_or(mark, |w| w.max(mark)));
        while let Some(entry) = open.first_entry() {
            if !fired(entry.key().0, wm) {
                break;
            }
            let mut row = entry.remove();
            row.fired_after = Some(i);
            out.rows.push(row);
        }
    }
    out.watermark = wm.map(Timestamp);
    if ended {
        out.rows.extend(open.into_values());
    } else {
        out.open = open.into_values().collect();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::window::{Event, HopWindows, Pushed, TimeMode, WindowConfig};

    fn ev(t: i64, cents: i64, seller: &str) -> KindEvent<'_> {
        KindEvent {
            time: Timestamp(t),
            value: Cents(cents),
            seller,
        }
    }

    fn spans(run: &KindRun) -> Vec<(i64, i64, u64)> {
        run.rows
            .iter()
            .map(|r| (r.start.0, r.end.0, r.sales))
            .collect()
    }

    const S: i64 = 1_000;

    #[test]
    fn tumble_hop_and_cumulate_assign_as_flink_documents() {
        let events = [ev(500, 100, "a"), ev(2_500, 200, "b"), ev(4_200, 50, "a")];
        let tumble = run(
            &WindowKind::Tumble { size: Span(2 * S) },
            Span(0),
            &events,
            true,
        );
        assert_eq!(
            spans(&tumble),
            [(0, 2_000, 1), (2_000, 4_000, 1), (4_000, 6_000, 1)]
        );
        let hop = run(
            &WindowKind::Hop {
                size: Span(4 * S),
                slide: Span(2 * S),
            },
            Span(0),
            &events,
            true,
        );
        assert_eq!(
            spans(&hop),
            [
                (-2_000, 2_000, 1),
                (0, 4_000, 2),
                (2_000, 6_000, 2),
                (4_000, 8_000, 1)
            ]
        );
        // CUMULATE(step 1 s, size 4 s): [0, 1), [0, 2), [0, 3), [0, 4), then [4, 5) …
        let cumulate = run(
            &WindowKind::Cumulate {
                step: Span(S),
                size: Span(4 * S),
            },
            Span(0),
            &events,
            true,
        );
        assert_eq!(
            spans(&cumulate),
            [
                (0, 1_000, 1),
                (0, 2_000, 1),
                (0, 3_000, 2),
                (0, 4_000, 2),
                (4_000, 5_000, 1),
                (4_000, 6_000, 1),
                (4_000, 7_000, 1),
                (4_000, 8_000, 1)
            ]
        );
        assert_eq!(cumulate.rows[3].revenue, Cents(300));
        assert_eq!(cumulate.rows[3].avg_ticket(), Cents(150));
        assert_eq!(cumulate.rows[3].active_sellers(), 2);
    }

    #[test]
    fn sessions_merge_overlapping_and_touching_gaps_per_key_when_partitioned() {
        let events = [
            ev(0, 1, "a"),
            ev(2_000, 1, "b"),
            ev(5_000, 1, "a"),
            ev(12_000, 1, "a"),
        ];
        // One session for all: a's [0, 3) and b's [2, 5) overlap, a's [5, 8) touches.
        let gap = Span(3 * S);
        let one = run(
            &WindowKind::Session {
                gap,
                per_seller: false,
            },
            Span(0),
            &events,
            true,
        );
        // 0 → [0, 3); 2 s overlaps → [0, 5); 5 s touches → [0, 8); 12 s alone.
        assert_eq!(spans(&one), [(0, 8_000, 3), (12_000, 15_000, 1)]);
        let per = run(
            &WindowKind::Session {
                gap,
                per_seller: true,
            },
            Span(0),
            &events,
            true,
        );
        let mut got: Vec<_> = per
            .rows
            .iter()
            .map(|r| (r.seller.clone().unwrap(), r.start.0, r.end.0, r.sales))
            .collect();
        got.sort();
        assert_eq!(
            got,
            [
                ("a".to_string(), 0, 3_000, 1),
                ("a".to_string(), 5_000, 8_000, 1),
                ("a".to_string(), 12_000, 15_000, 1),
                ("b".to_string(), 2_000, 5_000, 1),
            ]
        );
    }

    #[test]
    fn late_events_join_the_windows_not_fired_and_sessions_not_fired() {
        let cumulate = WindowKind::Cumulate {
            step: Span(S),
            size: Span(4 * S),
        };
        // Watermark 2.5 s after the second event: [0, 1) and [0, 2) have fired.
        let events = [ev(200, 1, "a"), ev(2_500, 1, "a"), ev(300, 1, "a")];
        let r = run(&cumulate, Span(0), &events, true);
        assert_eq!(
            r.fates[2],
            KindFate::LateJoined {
                joined: 2,
                windows: 4
            }
        );
        assert_eq!(
            spans(&r),
            [(0, 1_000, 1), (0, 2_000, 1), (0, 3_000, 3), (0, 4_000, 3)]
        );
        // Session: a late event inside an open session extends it; one beside a fired
        // session starts its own; one whose own gap has passed is dropped.
        let session = WindowKind::Session {
            gap: Span(2 * S),
            per_seller: false,
        };
        let events = [
            ev(0, 1, "a"),      // [0, 2)
            ev(10_000, 1, "a"), // wm 10 s: [0, 2) fires; [10, 12)
            ev(9_000, 1, "a"),  // late, touches the open [10, 12) → [9, 12)
            ev(1_500, 1, "a"),  // late: [1.5, 3.5) has passed the watermark → dropped
            ev(8_500, 1, "a"),  // behind the watermark, but [8.5, 10.5) is open → counts
            ev(7_500, 1, "a"),
        ];
        let r = run(&session, Span(0), &events, true);
        assert_eq!(r.fates[3], KindFate::Dropped);
        assert_eq!(r.fates[4], KindFate::Counted);
        // Alone its session [7.5, 9.5) would have fired; it touches [8.5, 12): it counts.
        assert_eq!(
            r.fates[5],
            KindFate::LateJoined {
                joined: 1,
                windows: 1
            }
        );
        assert_eq!(spans(&r), [(0, 2_000, 1), (7_500, 12_000, 4)]);
        assert_eq!(r.rows[0].fired_after, Some(1));
        assert_eq!(r.rows[1].fired_after, None, "fired by the end of input");
        // Without the end of input the newest waits, open.
        let r = run(&session, Span(0), &events, false);
        assert_eq!(r.open.len(), 1);
    }

    #[test]
    fn refused_arguments_give_no_rows_and_say_why() {
        let cumulate = WindowKind::Cumulate {
            step: Span(3 * S),
            size: Span(10 * S),
        };
        assert_eq!(
            cumulate.validate().unwrap_err().to_string(),
            "CUMULATE table function based aggregate requires maxSize must be an integral multiple of step, but got maxSize 10000 ms and step 3000 ms"
        );
        assert!(run(&cumulate, Span(0), &[ev(1, 1, "a")], true)
            .rows
            .is_empty());
        let hop = WindowKind::Hop {
            size: Span(2 * S),
            slide: Span(3 * S),
        };
        assert!(hop.validate().is_err());
        assert!(WindowKind::Session {
            gap: Span(0),
            per_seller: false
        }
        .validate()
        .is_err());
    }

    /// The exact engine and the O(1) engine agree on HOP, late events included.
    #[test]
    fn hop_equals_the_hopping_engine_on_random_inputs() {
        let mut rng = crate::rng::Rng::seeded(7);
        for case in 0..200 {
            // Sizes a multiple of the slide (the TVF) and not (the legacy group window).
            let slide = S * (1 + rng.below(3) as i64);
            let size = slide * (1 + rng.below(4) as i64) + [0, 500, 1_000][rng.below(3) as usize];
            let delay = Span(S * rng.below(3) as i64);
            let sellers = ["a", "b", "c"];
            let mut t = 0i64;
            let events: Vec<KindEvent<'_>> = (0..40)
                .map(|_| {
                    t += rng.below(900) as i64;
                    // One in five goes back in time, some far behind the watermark.
                    let at = if rng.below(5) == 0 {
                        t - rng.below(8_000) as i64
                    } else {
                        t
                    };
                    ev(
                        at,
                        1 + rng.below(500) as i64,
                        sellers[rng.below(3) as usize],
                    )
                })
                .collect();
            let kind = WindowKind::Hop {
                size: Span(size),
                slide: Span(slide),
            };
            let exact = run(&kind, delay, &events, true);
            let mut engine = HopWindows::new(WindowConfig::hop(
                Span(size),
                Span(slide),
                TimeMode::event(delay),
            ))
            .unwrap();
            let mut rows = Vec::new();
            for (i, e) in events.iter().enumerate() {
                let pushed = engine.push(
                    &Event {
                        time: e.time,
                        value: e.value,
                        seller: e.seller,
                        category: "c",
                        product: "p",
                        partition: 0,
                    },
                    Timestamp(0),
                );
                let fate = match pushed {
                    Pushed::Accepted => KindFate::Counted,
                    Pushed::LateJoined {
                        joined, windows, ..
                    } => KindFate::LateJoined {
                        joined: joined as usize,
                        windows: windows as usize,
                    },
                    Pushed::Dropped { .. } => KindFate::Dropped,
                };
                assert_eq!(fate, exact.fates[i], "case {case} event {i}");
                while let Some(w) = engine.poll() {
                    rows.push(w);
                }
            }
            engine.flush();
            while let Some(w) = engine.poll() {
                rows.push(w);
            }
            let want: Vec<_> = rows
                .iter()
                .map(|w| {
                    (
                        w.window_start.0,
                        w.window_end.0,
                        w.sales_in_window,
                        w.revenue,
                        w.biggest_sale,
                        w.avg_ticket,
                        w.active_sellers as usize,
                    )
                })
                .collect();
            let got: Vec<_> = exact
                .rows
                .iter()
                .map(|r| {
                    (
                        r.start.0,
                        r.end.0,
                        r.sales,
                        r.revenue,
                        r.biggest,
                        r.avg_ticket(),
                        r.active_sellers(),
                    )
                })
                .collect();
            assert_eq!(got, want, "case {case}");
        }
    }
}
