//! EventTracker: how much a window grew against its baseline.
//!
//! The seed compared each window with "the previous window". With 15-minute windows that
//! slide by 1 second, the window just before shares 899 of its 900 seconds, so growth
//! between the two is at most a second's worth of sales and a 15% threshold would almost
//! never trip. hopscope therefore compares, by default, with the *previous disjoint*
//! window — the one that ended exactly where this one starts — which is what a person means
//! by "vs the previous 15 minutes". [`Baseline::Previous`] keeps the seed's literal rule.
//!
//! No growth is reported for the first window, when the baseline window is missing (a gap
//! in the stream), or when the baseline window began before the stream did (it is only
//! partly filled, so any comparison would report a fake spike while the stream warms up).

use crate::time::Span;
use crate::window::WindowResult;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// What a window is compared with to call its activity a spike or a drop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Baseline {
    /// The window that ended where this one starts (default).
    PreviousDisjoint,
    /// The window one slide earlier (the seed's literal comparison).
    Previous,
}

/// Growth of each metric against the baseline, as fractions (0.473 = +47.3%). `None`
/// where the baseline value is zero.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Growth {
    pub volume: Option<f64>,
    pub revenue: Option<f64>,
    pub avg_ticket: Option<f64>,
    pub sellers: Option<f64>,
}

#[derive(Clone, Copy, Debug, serde::Serialize, serde::Deserialize)]
struct Snapshot {
    start: i64,
    end: i64,
    sales: u64,
    revenue: i64,
    avg_ticket: i64,
    sellers: u64,
}

/// Keeps the recent windows' figures that the baseline is computed from.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct EventTracker {
    baseline: Baseline,
    size: i64,
    slide: i64,
    history: VecDeque<Snapshot>,
    /// Start of the first window seen; windows starting before `first + size` may be
    /// partly before the stream began.
    first_start: Option<i64>,
}

fn growth(now: f64, base: f64) -> Option<f64> {
    (base > 0.0).then(|| (now - base) / base)
}

impl EventTracker {
    /// A tracker for windows of `size` every `slide`, with no history yet.
    pub fn new(baseline: Baseline, size: Span, slide: Span) -> EventTracker {
        EventTracker {
            baseline,
            size: size.0,
            slide: slide.0.max(1),
            history: VecDeque::new(),
            first_start: None,
        }
    }

    /// Records `w` and returns its growth against the baseline, if there is a fair one.
    pub fn observe(&mut self, w: &WindowResult) -> Option<Growth> {
        let snap = Snapshot {
            start: w.window_start.0,
            end: w.window_end.0,
            sales: w.sales_in_window,
            revenue: w.revenue.0,
            avg_ticket: w.avg_ticket.0,
            sellers: w.active_sellers,
        };
        let first = *self.first_start.get_or_insert(snap.start);
        let base = self
            .history
            .iter()
            .rev()
            .find(|b| match self.baseline {
                Baseline::PreviousDisjoint => b.end == snap.start,
                Baseline::Previous => b.start == snap.start - self.slide,
            })
            .copied();
        self.history.push_back(snap);
        let keep = (self.size / self.slide + 2) as usize;
        while self.history.len() > keep {
            self.history.pop_front();
        }
        let base = base?;
        if self.baseline == Baseline::PreviousDisjoint && base.start < first + self.size {
            return None;
        }
        Some(Growth {
            volume: growth(snap.sales as f64, base.sales as f64),
            revenue: growth(snap.revenue as f64, base.revenue as f64),
            avg_ticket: growth(snap.avg_ticket as f64, base.avg_ticket as f64),
            sellers: growth(snap.sellers as f64, base.sellers as f64),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Cents;
    use crate::time::Timestamp;

    fn w(start_s: i64, size_s: i64, sales: u64, revenue: i64, sellers: u64) -> WindowResult {
        WindowResult {
            window_start: Timestamp(start_s * 1_000),
            window_end: Timestamp((start_s + size_s) * 1_000),
            sales_in_window: sales,
            revenue: Cents(revenue),
            avg_ticket: Cents(revenue / sales.max(1) as i64),
            active_sellers: sellers,
            active_categories: 1,
            active_products: 1,
            biggest_sale: Cents(0),
            top_category: None,
            top_seller: None,
            top_categories: vec![],
            top_sellers: vec![],
            sales_per_partition: vec![],
            ticket_stddev: 0.0,
        }
    }

    #[test]
    fn compares_with_the_previous_disjoint_window_once_it_is_complete() {
        let mut t = EventTracker::new(
            Baseline::PreviousDisjoint,
            Span::seconds(10),
            Span::seconds(5),
        );
        // Windows every 5 s, 10 s long; the stream starts in the window at 0.
        assert_eq!(t.observe(&w(0, 10, 10, 1_000, 2)), None, "first window");
        assert_eq!(t.observe(&w(5, 10, 10, 1_000, 2)), None);
        // Baseline [0,10) began with the stream: partly empty, so no comparison.
        assert_eq!(t.observe(&w(10, 10, 20, 2_000, 2)), None);
        assert_eq!(t.observe(&w(15, 10, 20, 2_000, 2)), None);
        // Baseline [10,20) is complete.
        let g = t.observe(&w(20, 10, 30, 2_500, 3)).unwrap();
        assert!((g.volume.unwrap() - 0.5).abs() < 1e-9);
        assert!((g.revenue.unwrap() - 0.25).abs() < 1e-9);
        assert!((g.sellers.unwrap() - 0.5).abs() < 1e-9);
        assert!(g.avg_ticket.unwrap() < 0.0);
    }

    #[test]
    fn a_gap_in_the_stream_means_no_baseline() {
        let mut t = EventTracker::new(
            Baseline::PreviousDisjoint,
            Span::seconds(10),
            Span::seconds(10),
        );
        t.observe(&w(0, 10, 10, 1_000, 2));
        t.observe(&w(10, 10, 10, 1_000, 2));
        assert!(t.observe(&w(20, 10, 10, 1_000, 2)).is_some());
        assert_eq!(t.observe(&w(50, 10, 99, 9_900, 2)), None);
    }

    #[test]
    fn seed_rule_compares_with_the_window_one_slide_earlier() {
        let mut t = EventTracker::new(Baseline::Previous, Span::seconds(10), Span::seconds(1));
        assert_eq!(
            t.observe(&w(0, 10, 10, 1_000, 2)),
            None,
            "never on the first window"
        );
        let g = t.observe(&w(1, 10, 12, 1_200, 2)).unwrap();
        assert!((g.volume.unwrap() - 0.2).abs() < 1e-9);
        assert_eq!(g.sellers, Some(0.0));
    }
}
