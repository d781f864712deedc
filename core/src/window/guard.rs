//! Guard rails for bad event times: one wrong clock must not silence the analytics unsaid.
//!
//! Flink-exact windows let one record dated 2100-01-01 move the watermark a century ahead,
//! after which every real sale is late and dropped. The guard sits *before* the engine and
//! changes nothing unless asked:
//! * it always **notices** a record that moves its stream's newest event time (and so the
//!   watermark) by more than `max_jump` in one step ([`Verdict::Jump`]), so the bridge can
//!   name the record and say what follows;
//! * with `max_ahead` / `max_behind` it **quarantines** records too far ahead of the
//!   reference clock (processing time for live sources, the stream's newest event so far for
//!   files) or too far behind the watermark: they neither move the watermark nor reach a
//!   window, and are counted per reason.
//!
//! Sans-IO: the reference time and the watermark are arguments; memory is one timestamp per
//! stream (partition) seen, bounded by the source's partitions.

use crate::time::{Span, Timestamp};
use std::collections::HashMap;

/// The default `max_jump`: a day. A real stream never jumps a day in one record.
pub const DEFAULT_MAX_JUMP: Span = Span(24 * 3_600_000);

/// What the guard says of one record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Window it as usual.
    Accept,
    /// Window it as usual, but it moved its stream's newest event time from `from` to `to`
    /// in one step, more than `max_jump`: every sale before `to − delay` is now late there.
    Jump { from: Timestamp, to: Timestamp },
    /// Put it aside: it is neither windowed nor allowed to move the watermark.
    Quarantine(Quarantine),
}

/// Why a record was put aside.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Quarantine {
    /// More than `max_ahead` ahead of the reference clock, by this much.
    Ahead(Span),
    /// More than `max_behind` behind the watermark, by this much.
    Behind(Span),
}

impl Quarantine {
    /// `ahead`, `behind`: the reason's name in summaries, metrics and dead letters.
    pub fn name(self) -> &'static str {
        match self {
            Quarantine::Ahead(_) => "ahead",
            Quarantine::Behind(_) => "behind",
        }
    }
}

/// The guard's settings; `GuardConfig::default()` only notices jumps (Flink-exact results).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GuardConfig {
    pub max_jump: Span,
    pub max_ahead: Option<Span>,
    pub max_behind: Option<Span>,
}

impl Default for GuardConfig {
    fn default() -> Self {
        GuardConfig {
            max_jump: DEFAULT_MAX_JUMP,
            max_ahead: None,
            max_behind: None,
        }
    }
}

/// Counts of what the guard did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GuardStats {
    pub jumps: u64,
    pub ahead: u64,
    pub behind: u64,
}

/// Streams below this number keep their newest time in a list (the guard runs for every
/// record: a map lookup per record cost the file path 9 %); others, in a map.
const DENSE_STREAMS: u32 = 4_096;

/// The guard: one newest event time per stream.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct TimeGuard {
    config: GuardConfig,
    /// By stream number below [`DENSE_STREAMS`]; `i64::MIN`: none yet.
    dense: Vec<i64>,
    sparse: HashMap<u32, Timestamp>,
    stats: GuardStats,
}

impl TimeGuard {
    pub fn new(config: GuardConfig) -> TimeGuard {
        TimeGuard {
            config,
            ..TimeGuard::default()
        }
    }

    /// Judges a record of `stream` at `t`. `reference` is what "ahead" is measured from
    /// (`None`: the stream's newest event so far, i.e. a file); `watermark` what "behind" is.
    pub fn check(
        &mut self,
        t: Timestamp,
        stream: u32,
        reference: Option<Timestamp>,
        watermark: Option<Timestamp>,
    ) -> Verdict {
        let newest = self.newest(stream);
        if let Some(max) = self.config.max_ahead {
            if let Some(reference) = reference.or(newest) {
                let by = t.since(reference);
                if by > max {
                    self.stats.ahead += 1;
                    return Verdict::Quarantine(Quarantine::Ahead(by));
                }
            }
        }
        if let (Some(max), Some(w)) = (self.config.max_behind, watermark) {
            let by = w.since(t);
            if by > max {
                self.stats.behind += 1;
                return Verdict::Quarantine(Quarantine::Behind(by));
            }
        }
        match newest {
            Some(n) if t > n => {
                self.set_newest(stream, t);
                if t.since(n) > self.config.max_jump {
                    self.stats.jumps += 1;
                    return Verdict::Jump { from: n, to: t };
                }
                Verdict::Accept
            }
            Some(_) => Verdict::Accept,
            None => {
                self.set_newest(stream, t);
                // A stream's first record has no newest to jump from: a live source measures
                // it against processing time instead.
                match reference {
                    Some(r) if t.since(r) > self.config.max_jump => {
                        self.stats.jumps += 1;
                        Verdict::Jump { from: r, to: t }
                    }
                    _ => Verdict::Accept,
                }
            }
        }
    }

    fn newest(&self, stream: u32) -> Option<Timestamp> {
        if stream < DENSE_STREAMS {
            let t = *self.dense.get(stream as usize)?;
            (t != i64::MIN).then_some(Timestamp(t))
        } else {
            self.sparse.get(&stream).copied()
        }
    }

    fn set_newest(&mut self, stream: u32, t: Timestamp) {
        if stream < DENSE_STREAMS {
            let i = stream as usize;
            if self.dense.len() <= i {
                self.dense.resize(i + 1, i64::MIN);
            }
            self.dense[i] = t.0;
        } else {
            self.sparse.insert(stream, t);
        }
    }

    pub fn stats(&self) -> GuardStats {
        self.stats
    }

    pub fn config(&self) -> GuardConfig {
        self.config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: i64 = 3_600_000;

    #[test]
    fn by_default_it_only_notices_a_jump_and_accepts_everything() {
        let mut g = TimeGuard::new(GuardConfig::default());
        assert_eq!(g.check(Timestamp(0), 0, None, None), Verdict::Accept);
        assert_eq!(g.check(Timestamp(H), 0, None, None), Verdict::Accept);
        let far = Timestamp(100 * 24 * H);
        assert_eq!(
            g.check(far, 0, None, None),
            Verdict::Jump {
                from: Timestamp(H),
                to: far
            }
        );
        // Later, earlier sales are accepted (the engine judges them late), no second jump.
        assert_eq!(g.check(Timestamp(2 * H), 0, None, None), Verdict::Accept);
        assert_eq!(g.stats().jumps, 1);
        // Streams are apart: another partition's first record is no jump …
        assert_eq!(g.check(far, 1, None, None), Verdict::Accept);
        // … unless it is far ahead of processing time (a live source's first record).
        assert_eq!(
            g.check(far, 2, Some(Timestamp(H)), None),
            Verdict::Jump {
                from: Timestamp(H),
                to: far
            }
        );
    }

    #[test]
    fn quarantine_ahead_of_the_reference_and_behind_the_watermark() {
        let mut g = TimeGuard::new(GuardConfig {
            max_ahead: Some(Span(H)),
            max_behind: Some(Span(2 * H)),
            ..GuardConfig::default()
        });
        let now = Timestamp(10 * H);
        assert_eq!(
            g.check(Timestamp(10 * H + 1), 0, Some(now), None),
            Verdict::Accept
        );
        assert_eq!(
            g.check(Timestamp(12 * H), 0, Some(now), None),
            Verdict::Quarantine(Quarantine::Ahead(Span(2 * H)))
        );
        // A quarantined record does not move the stream's newest time.
        assert_eq!(
            g.check(Timestamp(11 * H + 2), 0, None, None),
            Verdict::Quarantine(Quarantine::Ahead(Span(H + 1)))
        );
        assert_eq!(
            g.check(Timestamp(5 * H), 0, Some(now), Some(Timestamp(8 * H))),
            Verdict::Quarantine(Quarantine::Behind(Span(3 * H)))
        );
        assert_eq!(
            g.check(Timestamp(7 * H), 0, Some(now), Some(Timestamp(8 * H))),
            Verdict::Accept
        );
        assert_eq!(
            g.stats(),
            GuardStats {
                jumps: 0,
                ahead: 2,
                behind: 1
            }
        );
    }

    /// Kafka with idle partitions: one far-future record on partition 0 harms only its
    /// partition while partition 1 is active, but once partition 1 goes idle the whole
    /// stream is poisoned and partition 1's later sales are dropped. With the quarantine in
    /// front the record never reaches the engine, so nothing is.
    #[test]
    fn with_idle_partitions_one_record_poisons_the_stream_unless_quarantined() {
        use crate::window::{Event, EventTime, HopWindows, Pushed, TimeMode, WindowConfig};
        const S: i64 = 1_000;
        let sale = |t: i64, partition: u32| Event {
            time: Timestamp(t),
            value: crate::Cents(100),
            seller: "s",
            category: "c",
            product: "p",
            partition,
        };
        let run = |guard: Option<GuardConfig>| -> (u64, u64) {
            let config = WindowConfig::hop(
                Span(10 * S),
                Span(5 * S),
                TimeMode::Event(EventTime::per_partition(Span(1), Some(Span(2 * S)))),
            );
            let mut e = HopWindows::new(config).unwrap();
            let mut g = guard.map(TimeGuard::new);
            e.declare_partition(0, Timestamp(0));
            e.declare_partition(1, Timestamp(0));
            let mut dropped = 0;
            let mut push = |e: &mut HopWindows, ev: Event<'_>, now: i64| {
                if let Some(g) = g.as_mut() {
                    if let Verdict::Quarantine(_) =
                        g.check(ev.time, ev.partition, Some(Timestamp(now)), e.watermark())
                    {
                        return;
                    }
                }
                if let Pushed::Dropped { .. } = e.push(&ev, Timestamp(now)) {
                    dropped += 1;
                }
            };
            for i in 0..10 {
                push(&mut e, sale(i * S, 0), i * S);
                push(&mut e, sale(i * S, 1), i * S);
            }
            // A broken clock on partition 0, 74 years ahead; partition 0 then falls silent.
            push(&mut e, sale(74 * 365 * 86_400 * S, 0), 10 * S);
            // Partition 1 goes on; partition 0 goes idle after 2 s (processing time).
            for i in 10..30 {
                push(&mut e, sale(i * S, 1), i * S);
                e.advance(Timestamp(i * S));
            }
            // Partition 0 back to normal, partition 1 silent long enough to go idle …
            e.advance(Timestamp(40 * S));
            push(&mut e, sale(30 * S, 0), 40 * S);
            // … and partition 1's next sales.
            for i in 31..40 {
                push(&mut e, sale(i * S, 1), 41 * S);
            }
            (dropped, e.stats().windows_fired)
        };
        let (poisoned, _) = run(None);
        assert!(
            poisoned > 0,
            "Flink's rule: once partition 1 idles, its later sales are dropped"
        );
        let (guarded, fired) = run(Some(GuardConfig {
            max_ahead: Some(Span(3_600 * S)),
            ..GuardConfig::default()
        }));
        assert_eq!(guarded, 0, "quarantined, the record poisons nothing");
        assert!(fired > 0);
    }
}
