//! Watermarks as Apache Flink computes them: one per source partition, the operator's the
//! minimum over the partitions that still count.
//!
//! # The rules (Flink's Kafka source + window operator)
//! * A partition's watermark is the newest event time it has delivered minus the delay
//!   (`WATERMARK FOR ts AS ts - INTERVAL …`). Before its first record it is −∞, so a
//!   known partition that has delivered nothing holds the operator back.
//! * The operator's watermark is the minimum over partitions that are neither idle nor
//!   finished, and it never moves back: a partition that joins late (a new partition, or
//!   one waking from idleness behind the others) does not pull it down — its records that
//!   are behind are late.
//! * Idle: no record for `idle_timeout` of *processing* time (the caller's clock, as
//!   Flink's `scan.watermark.idle-timeout` / `table.exec.source.idle-timeout`). An idle
//!   partition is left out of the minimum until its next record. When every partition is
//!   idle, the watermark stays where it is.
//! * Finished: a bounded read reached the partition's end; it no longer counts.
//!
//! A file is one stream: one "partition" carries every event ([`Scope::Stream`]).
//!
//! # Cost
//! Partitions live in slots (order of first sight) under a tournament tree of their
//! newest event times, so a record costs O(log P) and the minimum is read in O(1).
//! Idleness is checked only when the earliest possible idle deadline has passed.

use crate::time::{Span, Timestamp};
use std::collections::HashMap;

/// How many partitions are tracked; records of further partitions still reach their
/// windows but do not hold the watermark back (counted in [`Watermarks::untracked`]).
/// Kafka topics stay far below this; the cap keeps a hostile partition number from
/// growing memory.
pub const MAX_TRACKED_PARTITIONS: usize = 65_536;

/// Partition numbers below this are found by index, not by hashing (Kafka's are small).
const DENSE: usize = 4_096;

/// Which events share a watermark.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Scope {
    /// One ordered stream (a file): one watermark over every event.
    Stream,
    /// A partitioned source (Kafka): one watermark per partition, the minimum rules.
    PerPartition,
}

/// A partition's watermark state, for views and status lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PartitionWatermark {
    /// The Kafka partition (0 for a single stream).
    pub partition: u32,
    /// Newest event time − delay; `None` before its first record.
    pub watermark: Option<Timestamp>,
    /// Silent for the idle timeout: left out of the minimum.
    pub idle: bool,
    /// Its bounded read ended: left out of the minimum.
    pub finished: bool,
}

#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
struct Slot {
    partition: u32,
    /// Newest event time delivered (`i64::MIN`: none yet).
    newest: i64,
    /// Processing time of the last record (or of the declaration).
    last_seen: i64,
    idle: bool,
    finished: bool,
}

/// The watermark state machine. Feed records with [`observe`](Self::observe), the clock
/// with [`tick`](Self::tick); read [`current`](Self::current).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Watermarks {
    scope: Scope,
    delay: i64,
    idle_timeout: Option<i64>,
    slots: Vec<Slot>,
    /// Slot of partition p < DENSE at `dense[p]` (u32::MAX: none); larger ids in the map.
    dense: Vec<u32>,
    slot_of: HashMap<u32, usize>,
    /// Tournament tree over slots: leaf `cap + i` is slot i's newest event time, or
    /// `i64::MAX` when it does not count (idle or finished); inner nodes hold the minimum.
    tree: Vec<i64>,
    cap: usize,
    /// The operator's watermark: never decreases.
    combined: i64,
    /// No slot can turn idle before this processing time.
    next_idle_check: i64,
    untracked: u64,
}

impl Watermarks {
    /// Watermarks `delay` behind the newest event; `idle_timeout` of `None` or 0: never idle.
    pub fn new(scope: Scope, delay: Span, idle_timeout: Option<Span>) -> Watermarks {
        Watermarks {
            scope,
            delay: delay.0,
            idle_timeout: idle_timeout.map(|s| s.0).filter(|s| *s > 0),
            slots: Vec::new(),
            dense: Vec::new(),
            slot_of: HashMap::new(),
            tree: vec![i64::MAX; 2],
            cap: 1,
            combined: i64::MIN,
            next_idle_check: i64::MAX,
            untracked: 0,
        }
    }

    /// One stream, or one watermark per partition.
    pub fn scope(&self) -> Scope {
        self.scope
    }

    /// The operator's watermark (`i64::MIN` before any).
    pub fn current(&self) -> i64 {
        self.combined
    }

    /// Records from partitions past [`MAX_TRACKED_PARTITIONS`].
    pub fn untracked(&self) -> u64 {
        self.untracked
    }

    /// A partition the source will read (Flink knows its splits before their first record):
    /// it holds the watermark at −∞ until it delivers, goes idle or finishes.
    pub fn declare(&mut self, partition: u32, now: Timestamp) {
        if self.scope == Scope::PerPartition {
            self.slot(partition, now.0);
        }
    }

    /// A record at event time `t` from `partition`, seen at processing time `now`.
    /// Returns the operator's watermark afterwards.
    #[inline]
    pub fn observe(&mut self, partition: u32, t: i64, now: Timestamp) -> i64 {
        if self.scope == Scope::Stream && self.idle_timeout.is_none() {
            // One stream that never idles: the watermark is just newest − delay.
            self.combined = self.combined.max(t.saturating_sub(self.delay));
            return self.combined;
        }
        let key = match self.scope {
            Scope::Stream => 0,
            Scope::PerPartition => partition,
        };
        let Some(i) = self.slot(key, now.0) else {
            self.untracked += 1;
            return self.combined;
        };
        let s = &mut self.slots[i];
        s.last_seen = now.0;
        let woke = s.idle || s.finished;
        s.idle = false;
        s.finished = false;
        if t > s.newest || woke {
            s.newest = s.newest.max(t);
            let newest = s.newest;
            self.set_leaf(i, newest);
        }
        if woke {
            if let Some(timeout) = self.idle_timeout {
                self.next_idle_check = self.next_idle_check.min(now.0.saturating_add(timeout));
            }
        }
        self.recombine()
    }

    /// Moves the processing clock: partitions silent for the idle timeout stop counting.
    pub fn tick(&mut self, now: Timestamp) -> i64 {
        let Some(timeout) = self.idle_timeout else {
            return self.combined;
        };
        if now.0 < self.next_idle_check {
            return self.combined;
        }
        let mut next = i64::MAX;
        for i in 0..self.slots.len() {
            let s = &self.slots[i];
            if s.idle || s.finished {
                continue;
            }
            let deadline = s.last_seen.saturating_add(timeout);
            if now.0 >= deadline {
                self.slots[i].idle = true;
                self.set_leaf(i, i64::MAX);
            } else {
                next = next.min(deadline);
            }
        }
        self.next_idle_check = next;
        self.recombine()
    }

    /// The job restarted from a checkpoint at `now`: every partition not finished counts
    /// again and its idle timer starts over, as Flink's sources do after a restore
    /// (idleness is not checkpointed). Otherwise a restart after a pause would find every
    /// partition idle at its first tick — before the backlog is read — and move the
    /// watermark past records still waiting in it, making them late.
    pub fn restart(&mut self, now: Timestamp) {
        for i in 0..self.slots.len() {
            let s = &mut self.slots[i];
            if s.finished {
                continue;
            }
            s.last_seen = now.0;
            if s.idle {
                s.idle = false;
                let newest = s.newest;
                self.set_leaf(i, newest);
            }
        }
        self.next_idle_check = self
            .idle_timeout
            .map_or(i64::MAX, |t| now.0.saturating_add(t));
        self.recombine();
    }

    /// When idleness is next checked (ms), if ever.
    pub fn next_check(&self) -> Option<i64> {
        (self.next_idle_check != i64::MAX).then_some(self.next_idle_check)
    }

    /// A bounded read reached the end of `partition`: it stops holding the watermark.
    pub fn finish(&mut self, partition: u32, now: Timestamp) -> i64 {
        let key = match self.scope {
            Scope::Stream => 0,
            Scope::PerPartition => partition,
        };
        if let Some(i) = self.slot(key, now.0) {
            self.slots[i].finished = true;
            self.set_leaf(i, i64::MAX);
        }
        self.recombine()
    }

    /// Every tracked partition's state, in partition order.
    pub fn partitions(&self) -> Vec<PartitionWatermark> {
        let mut v: Vec<PartitionWatermark> = self
            .slots
            .iter()
            .map(|s| PartitionWatermark {
                partition: s.partition,
                watermark: (s.newest != i64::MIN)
                    .then(|| Timestamp(s.newest.saturating_sub(self.delay))),
                idle: s.idle,
                finished: s.finished,
            })
            .collect();
        v.sort_by_key(|p| p.partition);
        v
    }

    /// The partition holding the watermark back (the counting one with the oldest newest
    /// event), if any — what a status line names when windows do not fire.
    pub fn holding(&self) -> Option<u32> {
        if self.tree[1] == i64::MAX {
            return None;
        }
        let mut n = 1;
        while n < self.cap {
            n = if self.tree[2 * n] == self.tree[n] {
                2 * n
            } else {
                2 * n + 1
            };
        }
        self.slots.get(n - self.cap).map(|s| s.partition)
    }

    #[inline]
    fn slot(&mut self, key: u32, now: i64) -> Option<usize> {
        if let Some(&i) = self.dense.get(key as usize) {
            if i != u32::MAX {
                return Some(i as usize);
            }
        } else if let Some(&i) = self.slot_of.get(&key) {
            return Some(i);
        }
        self.new_slot(key, now)
    }

    fn new_slot(&mut self, key: u32, now: i64) -> Option<usize> {
        if self.slots.len() >= MAX_TRACKED_PARTITIONS {
            return None;
        }
        let i = self.slots.len();
        self.slots.push(Slot {
            partition: key,
            newest: i64::MIN,
            last_seen: now,
            idle: false,
            finished: false,
        });
        if (key as usize) < DENSE {
            if self.dense.len() <= key as usize {
                self.dense.resize(key as usize + 1, u32::MAX);
            }
            self.dense[key as usize] = i as u32;
        } else {
            self.slot_of.insert(key, i);
        }
        if i >= self.cap {
            self.grow();
        }
        self.set_leaf(i, i64::MIN);
        if let Some(timeout) = self.idle_timeout {
            self.next_idle_check = self.next_idle_check.min(now.saturating_add(timeout));
        }
        Some(i)
    }

    /// Doubles the tree, re-seating the leaves.
    fn grow(&mut self) {
        let cap = self.cap * 2;
        let mut tree = vec![i64::MAX; 2 * cap];
        tree[cap..cap + self.cap].copy_from_slice(&self.tree[self.cap..2 * self.cap]);
        for n in (1..cap).rev() {
            tree[n] = tree[2 * n].min(tree[2 * n + 1]);
        }
        self.tree = tree;
        self.cap = cap;
    }

    #[inline]
    fn set_leaf(&mut self, i: usize, value: i64) {
        let mut n = self.cap + i;
        self.tree[n] = value;
        while n > 1 {
            n /= 2;
            let m = self.tree[2 * n].min(self.tree[2 * n + 1]);
            if self.tree[n] == m {
                break;
            }
            self.tree[n] = m;
        }
    }

    #[inline]
    fn recombine(&mut self) -> i64 {
        let min = self.tree[1];
        if min != i64::MAX {
            self.combined = self.combined.max(min.saturating_sub(self.delay));
        }
        self.combined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: Timestamp = Timestamp(1_000_000);

    fn per_partition(delay: i64, idle: Option<i64>) -> Watermarks {
        Watermarks::new(Scope::PerPartition, Span(delay), idle.map(Span))
    }

    #[test]
    fn one_stream_follows_the_newest_event_minus_the_delay() {
        let mut w = Watermarks::new(Scope::Stream, Span(100), None);
        assert_eq!(w.current(), i64::MIN);
        assert_eq!(w.observe(3, 1_000, NOW), 900);
        assert_eq!(w.observe(5, 500, NOW), 900, "never moves back");
        assert_eq!(w.observe(1, 2_000, NOW), 1_900);
    }

    #[test]
    fn partitions_take_the_minimum_and_a_declared_silent_one_holds_it() {
        let mut w = per_partition(0, None);
        for p in 0..3 {
            w.declare(p, NOW);
        }
        w.observe(0, 5_000, NOW);
        w.observe(1, 3_000, NOW);
        assert_eq!(w.current(), i64::MIN, "partition 2 has delivered nothing");
        assert_eq!(w.holding(), Some(2));
        w.observe(2, 4_000, NOW);
        assert_eq!(w.current(), 3_000);
        assert_eq!(w.holding(), Some(1));
        w.observe(1, 9_000, NOW);
        assert_eq!(w.current(), 4_000);
    }

    #[test]
    fn an_idle_partition_stops_holding_and_rejoins_without_pulling_back() {
        let mut w = per_partition(0, Some(5_000));
        w.declare(0, NOW);
        w.declare(1, NOW);
        w.observe(0, 10_000, NOW);
        w.observe(1, 2_000, NOW);
        assert_eq!(w.current(), 2_000);
        assert_eq!(w.tick(NOW.plus(Span(4_999))), 2_000, "not idle yet");
        w.observe(0, 11_000, NOW.plus(Span(4_000)));
        assert_eq!(
            w.tick(NOW.plus(Span(5_000))),
            11_000,
            "partition 1 is idle: only partition 0 counts"
        );
        assert!(w.partitions()[1].idle);
        // Partition 1 wakes up far behind: the watermark does not move back.
        assert_eq!(w.observe(1, 3_000, NOW.plus(Span(6_000))), 11_000);
        assert!(!w.partitions()[1].idle);
        w.observe(0, 20_000, NOW.plus(Span(6_000)));
        assert_eq!(w.current(), 11_000, "partition 1 counts again");
    }

    #[test]
    fn all_idle_keeps_the_watermark() {
        let mut w = per_partition(0, Some(1_000));
        w.declare(0, NOW);
        w.declare(1, NOW);
        w.observe(0, 10_000, NOW);
        w.observe(1, 7_000, NOW);
        assert_eq!(w.tick(NOW.plus(Span(1_000))), 7_000);
    }

    #[test]
    fn an_undeclared_partition_first_seen_behind_does_not_pull_the_watermark_back() {
        let mut w = per_partition(0, None);
        w.observe(0, 10_000, NOW);
        assert_eq!(w.observe(1, 2_000, NOW), 10_000);
        w.observe(0, 30_000, NOW);
        assert_eq!(w.current(), 10_000, "partition 1 now holds it");
        w.observe(1, 12_000, NOW);
        assert_eq!(w.current(), 12_000);
    }

    #[test]
    fn finished_partitions_no_longer_count() {
        let mut w = per_partition(10, None);
        w.declare(0, NOW);
        w.declare(1, NOW);
        w.observe(0, 1_000, NOW);
        assert_eq!(w.current(), i64::MIN);
        assert_eq!(w.finish(1, NOW), 990, "an empty partition that ended");
    }

    #[test]
    fn many_partitions_grow_the_tree_and_the_minimum_stays_right() {
        let mut w = per_partition(0, None);
        for p in 0..1_000u32 {
            w.observe(p, 10_000 + i64::from(p), NOW);
        }
        assert_eq!(w.current(), 10_000);
        w.observe(0, 50_000, NOW);
        assert_eq!(w.current(), 10_001);
        assert_eq!(w.holding(), Some(1));
    }

    #[test]
    fn partitions_past_the_cap_are_counted_not_tracked() {
        let mut w = per_partition(0, None);
        for p in 0..MAX_TRACKED_PARTITIONS as u32 {
            w.observe(p, 1_000, NOW);
        }
        w.observe(u32::MAX, 5, NOW);
        assert_eq!(w.untracked(), 1);
        assert_eq!(w.current(), 1_000);
    }
}
