//! Watermark alignment: which partitions a reader pauses so that none runs more than a
//! bound ahead of the slowest in event time (Flink's `WITH ALIGNMENT`, its Kafka source's
//! `maxAllowedWatermarkDrift`).
//!
//! Why: a Kafka consumer fetches each partition by bytes, not by event time. On a backlog
//! a partition holding more of the sales moves more slowly in event time, while the
//! operator's watermark is the slowest partition's. Without alignment the windows of every
//! faster partition are held open until it catches up: on a week-long backlog with 1 s
//! panes that is a week of panes in memory (BENCHMARKS.md, "why a topic's 1 s panes cost
//! more"). With alignment the windows hold at most `size + max drift` of event time
//! whatever the skew, and the records wait in Kafka instead.
//!
//! Pure policy, no I/O: the caller feeds each partition's watermark state after a batch
//! and applies the [`Change`]s to its consumer (librdkafka's pause and resume). A partition
//! with nothing left to read for now (the consumer reported its end) should be fed as
//! idle: it cannot catch up, so it must not hold the others back.
//!
//! Invariants:
//! - **Progress.** The slowest counting partition is never paused, so some partition is
//!   always read. When no partition counts (all idle, finished or without a record yet),
//!   every paused partition is resumed.
//! - **Results unchanged for in-order partitions.** Pausing only changes how the partitions'
//!   records interleave. An event that is not behind its own partition's watermark is
//!   never late whatever the interleaving (the operator's watermark is a minimum that
//!   includes its partition's), so windows are those of any other read of the topic; only
//!   events already behind their own partition's watermark can fare differently, as they
//!   do between two unaligned reads.
//! - **Hysteresis.** A partition is paused past `floor + max drift` and resumed once it is
//!   within `floor + max drift / 2`: librdkafka drops what it had prefetched for a paused
//!   partition, so pausing and resuming at one bound would fetch the same records again
//!   and again.

use super::watermark::PartitionWatermark;
use crate::time::Span;
use std::collections::BTreeSet;

/// What the reader should do with one partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Pause(u32),
    Resume(u32),
}

/// The alignment state: the bound and the partitions paused.
#[derive(Clone, Debug)]
pub struct Alignment {
    max_drift: i64,
    paused: BTreeSet<u32>,
    pauses: u64,
}

impl Alignment {
    /// Partitions more than `max_drift` ahead of the slowest are paused (at least 1 ms).
    pub fn new(max_drift: Span) -> Alignment {
        Alignment {
            max_drift: max_drift.0.max(1),
            paused: BTreeSet::new(),
            pauses: 0,
        }
    }

    /// The bound.
    pub fn max_drift(&self) -> Span {
        Span(self.max_drift)
    }

    /// Partitions paused now.
    pub fn paused(&self) -> impl Iterator<Item = u32> + '_ {
        self.paused.iter().copied()
    }

    /// How many times a partition was paused so far.
    pub fn pauses(&self) -> u64 {
        self.pauses
    }

    /// The slowest counting partition's watermark: the minimum over partitions that have
    /// delivered a record and are neither idle nor finished (as the operator's watermark,
    /// except that a partition without a record yet does not hold the others back: it is
    /// never paused, and its first records come whenever the broker sends them).
    pub fn floor(partitions: &[PartitionWatermark]) -> Option<i64> {
        partitions
            .iter()
            .filter(|p| !p.idle && !p.finished)
            .filter_map(|p| p.watermark.map(|w| w.0))
            .min()
    }

    /// After a batch: each partition's watermark state (the engine's). Appends to `out`
    /// what changed: partitions to pause, partitions to resume.
    pub fn update(&mut self, partitions: &[PartitionWatermark], out: &mut Vec<Change>) {
        let floor = Self::floor(partitions);
        for p in partitions {
            let was = self.paused.contains(&p.partition);
            let ahead = match (floor, p.watermark) {
                (Some(f), Some(w)) if !p.finished => Some(w.0.saturating_sub(f)),
                _ => None,
            };
            let pause = match ahead {
                None => false,
                Some(a) if was => a > self.max_drift / 2,
                Some(a) => a > self.max_drift,
            };
            if pause && !was {
                self.paused.insert(p.partition);
                self.pauses += 1;
                out.push(Change::Pause(p.partition));
            } else if !pause && was {
                self.paused.remove(&p.partition);
                out.push(Change::Resume(p.partition));
            }
        }
        // A paused partition the engine no longer lists (it cannot forget one; kept for
        // safety): resumed rather than left paused forever.
        let listed: BTreeSet<u32> = partitions.iter().map(|p| p.partition).collect();
        let gone: Vec<u32> = self.paused.difference(&listed).copied().collect();
        for p in gone {
            self.paused.remove(&p);
            out.push(Change::Resume(p));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn at(partition: u32, w: Option<i64>) -> PartitionWatermark {
        PartitionWatermark {
            partition,
            watermark: w.map(Timestamp),
            idle: false,
            finished: false,
        }
    }

    fn run(a: &mut Alignment, ps: &[PartitionWatermark]) -> Vec<Change> {
        let mut out = Vec::new();
        a.update(ps, &mut out);
        out
    }

    #[test]
    fn a_partition_past_the_drift_is_paused_and_resumed_once_the_slowest_is_within_half() {
        let mut a = Alignment::new(Span(1_000));
        assert_eq!(run(&mut a, &[at(0, Some(0)), at(1, Some(1_000))]), vec![]);
        assert_eq!(
            run(&mut a, &[at(0, Some(0)), at(1, Some(1_001))]),
            vec![Change::Pause(1)]
        );
        // Still more than half the drift ahead: stays paused, nothing said again.
        assert_eq!(run(&mut a, &[at(0, Some(400)), at(1, Some(1_001))]), vec![]);
        assert_eq!(
            run(&mut a, &[at(0, Some(501)), at(1, Some(1_001))]),
            vec![Change::Resume(1)]
        );
        assert_eq!(a.pauses(), 1);
        assert_eq!(a.paused().count(), 0);
    }

    #[test]
    fn the_slowest_partition_is_never_paused() {
        let mut a = Alignment::new(Span(10));
        let ps: Vec<_> = (0..6).map(|p| at(p, Some(i64::from(p) * 100))).collect();
        let out = run(&mut a, &ps);
        assert_eq!(out, (1..6).map(Change::Pause).collect::<Vec<_>>());
        assert!(!a.paused().any(|p| p == 0));
    }

    #[test]
    fn idle_finished_and_silent_partitions_do_not_hold_the_others() {
        let mut a = Alignment::new(Span(1_000));
        // Partition 0 has no record yet, 1 is idle, 2 finished, far behind: 3 and 4 are
        // within the drift of each other and read on.
        let mut idle = at(1, Some(-1_000_000));
        idle.idle = true;
        let mut done = at(2, Some(-2_000_000));
        done.finished = true;
        let ps = [at(0, None), idle, done, at(3, Some(0)), at(4, Some(900))];
        assert_eq!(run(&mut a, &ps), vec![]);
    }

    #[test]
    fn when_nothing_counts_every_paused_partition_is_resumed() {
        let mut a = Alignment::new(Span(1_000));
        assert_eq!(
            run(&mut a, &[at(0, Some(0)), at(1, Some(5_000))]),
            vec![Change::Pause(1)]
        );
        // The slow partition's bounded read ended: nothing left holds partition 1.
        let mut done = at(0, Some(0));
        done.finished = true;
        assert_eq!(
            run(&mut a, &[done, at(1, Some(5_000))]),
            vec![Change::Resume(1)]
        );
        // A paused partition that went idle meanwhile (nothing read from it) is resumed
        // when nothing else counts either.
        assert_eq!(
            run(&mut a, &[at(0, Some(0)), at(1, Some(5_000))]),
            vec![Change::Pause(1)]
        );
        let mut quiet = at(0, Some(0));
        quiet.idle = true;
        let mut paused_idle = at(1, Some(5_000));
        paused_idle.idle = true;
        assert_eq!(run(&mut a, &[quiet, paused_idle]), vec![Change::Resume(1)]);
    }

    #[test]
    fn a_finished_partition_is_never_paused() {
        let mut a = Alignment::new(Span(1_000));
        let mut done = at(1, Some(9_000));
        done.finished = true;
        assert_eq!(run(&mut a, &[at(0, Some(0)), done]), vec![]);
    }
}
