//! Two engines' windows side by side: the page's own, computed from the raw topic, and
//! Flink's, read from the job's results topic (`serve --windows-topic`).
//!
//! Windows are matched by their bounds whichever side has one first, then compared field by
//! field; the reader sees how many were compared, how many were equal and the first
//! difference with both values. The two sides need not start together — the page joins a
//! running job, the job may lag — so a window waits for its partner, and the waiting room
//! is bounded ([`Agreement::PENDING`]) so a side that never answers (another window size,
//! a job that stopped) cannot grow memory; windows that waited too long are counted.

use crate::window::WindowResult;
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// The first field in which two windows with the same bounds differ.
#[derive(Clone, Debug, PartialEq)]
pub struct Difference {
    pub window: WindowResult,
    pub field: &'static str,
    pub theirs: String,
    pub ours: String,
}

/// Two engines' windows side by side: matched by their bounds, compared field by field.
#[derive(Clone, Debug, Default)]
pub struct Agreement {
    ours: BTreeMap<(i64, i64), WindowResult>,
    theirs: BTreeMap<(i64, i64), WindowResult>,
    /// Bounds of the windows compared most recently ([`Agreement::PENDING`] of them): a
    /// window that comes again — a page that reconnects is sent the recent rows again —
    /// is recognised, not left waiting for a partner it already had.
    done: BTreeSet<(i64, i64)>,
    /// Windows both sides had.
    pub compared: u64,
    /// Of those, equal in every compared field.
    pub equal: u64,
    /// Windows that waited [`Agreement::PENDING`] others long for a partner and were let go.
    pub unmatched: u64,
    /// Windows received from the other engine.
    pub received: u64,
    /// Windows that came again after they were compared (counted, not compared twice).
    pub repeated: u64,
    pub first_difference: Option<Difference>,
    /// The most recently compared windows, (ours, theirs), newest last: what an inspector
    /// shows side by side ([`Agreement::RECENT`] of them).
    recent: VecDeque<(WindowResult, WindowResult)>,
}

impl Agreement {
    /// Windows kept per side while waiting for the other side's.
    pub const PENDING: usize = 4_096;
    /// Compared pairs kept for [`Agreement::theirs_for`].
    pub const RECENT: usize = 256;

    /// The other engine's row for the window `[start, end)`, if it came: compared recently,
    /// or still waiting for ours.
    pub fn theirs_for(&self, start: i64, end: i64) -> Option<&WindowResult> {
        self.recent
            .iter()
            .rev()
            .find(|(o, _)| o.window_start.0 == start && o.window_end.0 == end)
            .map(|(_, t)| t)
            .or_else(|| self.theirs.get(&(start, end)))
    }

    /// A window this side computed.
    pub fn ours(&mut self, w: &WindowResult) {
        self.arrive(w, true);
    }

    /// A window the other engine computed.
    pub fn theirs(&mut self, w: &WindowResult) {
        self.received += 1;
        self.arrive(w, false);
    }

    /// Windows waiting for a partner, (ours, theirs).
    pub fn waiting(&self) -> (usize, usize) {
        (self.ours.len(), self.theirs.len())
    }

    fn arrive(&mut self, w: &WindowResult, is_ours: bool) {
        let key = (w.window_start.0, w.window_end.0);
        if self.done.contains(&key) {
            self.repeated += 1;
            return;
        }
        let (mine, other) = if is_ours {
            (&mut self.ours, &mut self.theirs)
        } else {
            (&mut self.theirs, &mut self.ours)
        };
        let Some(partner) = other.remove(&key) else {
            mine.insert(key, w.clone());
            if mine.len() > Self::PENDING {
                mine.pop_first();
                self.unmatched += 1;
            }
            return;
        };
        let (ours, theirs) = if is_ours {
            (w, &partner)
        } else {
            (&partner, w)
        };
        self.done.insert(key);
        if self.done.len() > Self::PENDING {
            self.done.pop_first();
        }
        self.compared += 1;
        self.recent.push_back((ours.clone(), theirs.clone()));
        if self.recent.len() > Self::RECENT {
            self.recent.pop_front();
        }
        match first_difference(ours, theirs) {
            None => self.equal += 1,
            Some((field, o, t)) => {
                if self.first_difference.is_none() {
                    self.first_difference = Some(Difference {
                        window: ours.clone(),
                        field,
                        theirs: t,
                        ours: o,
                    });
                }
            }
        }
    }
}

/// The fields both engines compute, in the seed's order, as (name, ours, theirs) texts —
/// what is compared, and what an inspector shows side by side
/// ([`crate::window::COLUMNS`]'s compared ones).
pub fn compared_fields(o: &WindowResult, t: &WindowResult) -> Vec<(&'static str, String, String)> {
    crate::window::COLUMNS
        .iter()
        .filter(|c| c.compared)
        .map(|c| (c.name, (c.text)(o), (c.text)(t)))
        .collect()
}

/// The first field in which they differ; `ticket_stddev` to a millionth (two engines
/// summing squares in another order differ in the last bits).
fn first_difference(o: &WindowResult, t: &WindowResult) -> Option<(&'static str, String, String)> {
    if let Some((field, ours, theirs)) = compared_fields(o, t).into_iter().find(|(_, a, b)| a != b)
    {
        return Some((field, ours, theirs));
    }
    let (a, b) = (o.ticket_stddev, t.ticket_stddev);
    ((a - b).abs() > 1e-6 * a.abs().max(1.0))
        .then(|| ("ticket_stddev", format!("{a:.6}"), format!("{b:.6}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Cents;
    use crate::time::Timestamp;
    use crate::window::TopKey;

    fn w(start_s: i64, sales: u64) -> WindowResult {
        WindowResult {
            window_start: Timestamp(start_s * 1_000),
            window_end: Timestamp((start_s + 60) * 1_000),
            sales_in_window: sales,
            revenue: Cents(sales as i64 * 1_000),
            avg_ticket: Cents(1_000),
            active_sellers: 2,
            active_categories: 1,
            active_products: 1,
            biggest_sale: Cents(1_000),
            top_category: None,
            top_seller: Some(TopKey {
                name: "ana".into(),
                count: sales,
                share: 1.0,
            }),
            top_categories: vec![],
            top_sellers: vec![],
            sales_per_partition: vec![sales],
            ticket_stddev: 0.0,
        }
    }

    #[test]
    fn windows_meet_whichever_side_comes_first() {
        let mut a = Agreement::default();
        a.theirs(&w(0, 5));
        a.ours(&w(0, 5));
        a.ours(&w(10, 7));
        assert_eq!((a.compared, a.equal), (1, 1));
        let mut theirs = w(10, 7);
        theirs.sales_per_partition = vec![]; // Flink does not write it: not compared
        theirs.ticket_stddev = 1e-9;
        a.theirs(&theirs);
        assert_eq!((a.compared, a.equal, a.received), (2, 2, 2));
        assert_eq!(a.waiting(), (0, 0));
        assert_eq!(a.first_difference, None);
        // The inspector finds the other side's row for a window, compared or waiting.
        assert_eq!(a.theirs_for(10, 10 + 1), None);
        let bounds = |x: &WindowResult| (x.window_start.0, x.window_end.0);
        let (s, e) = bounds(&w(10, 7));
        assert_eq!(a.theirs_for(s, e), Some(&theirs));
        a.theirs(&w(20, 3));
        let (s, e) = bounds(&w(20, 3));
        assert_eq!(a.theirs_for(s, e).map(|t| t.sales_in_window), Some(3));
    }

    #[test]
    fn the_first_difference_keeps_both_values() {
        let mut a = Agreement::default();
        a.ours(&w(0, 5));
        let mut t = w(0, 5);
        t.revenue = Cents(4_999);
        a.theirs(&t);
        a.ours(&w(10, 1));
        a.theirs(&w(10, 2));
        assert_eq!((a.compared, a.equal), (2, 0));
        let d = a.first_difference.unwrap();
        assert_eq!(d.field, "revenue");
        assert_eq!((d.ours.as_str(), d.theirs.as_str()), ("$50.00", "$49.99"));
        assert_eq!(d.window.window_start, Timestamp(0));
    }

    #[test]
    fn a_window_sent_again_after_a_reconnect_is_not_left_waiting() {
        let mut a = Agreement::default();
        a.ours(&w(0, 5));
        a.theirs(&w(0, 5));
        a.theirs(&w(0, 5));
        assert_eq!((a.compared, a.equal, a.repeated, a.received), (1, 1, 1, 2));
        assert_eq!(a.waiting(), (0, 0));
        // Remembered for PENDING windows, then forgotten: memory stays bounded.
        for i in 1..=(Agreement::PENDING as i64 + 1) {
            a.ours(&w(i, 1));
            a.theirs(&w(i, 1));
        }
        assert_eq!(a.done.len(), Agreement::PENDING);
    }

    #[test]
    fn a_side_that_never_answers_cannot_grow_memory() {
        let mut a = Agreement::default();
        for i in 0..(Agreement::PENDING as i64 + 10) {
            a.theirs(&w(i, 1));
        }
        assert_eq!(a.waiting(), (0, Agreement::PENDING));
        assert_eq!(a.unmatched, 10);
        assert_eq!(a.compared, 0);
    }
}
