//! AdaptiveCooldown: anti-spam for alerts, one independent cooldown per alert kind.
//!
//! An alert may be shown only when its kind's cooldown has passed since the last one shown.
//! Attempts during the cooldown are blocked and counted, and each one stretches the
//! cooldown by ×1.2 (the condition is "hot"); an alert shown after a quiet spell of at
//! least twice the cooldown shrinks it by ×0.9 (things are calm). It starts at 1.5 s and
//! stays within 0.8 s ..= 4.0 s — the seed's numbers. Time is whatever the caller passes.

use super::alert::AlertKind;
use crate::time::{Span, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Bounds, starting value and exact grow/shrink ratios of the adaptive cooldown.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct CooldownConfig {
    pub min: Span,
    pub max: Span,
    pub start: Span,
    /// Multiplier per blocked attempt, as a ratio num/den to stay exact (6/5 = 1.2).
    pub grow: (i64, i64),
    /// Multiplier after a calm output (9/10 = 0.9).
    pub shrink: (i64, i64),
}

impl Default for CooldownConfig {
    fn default() -> Self {
        CooldownConfig {
            min: Span::millis(800),
            max: Span::millis(4_000),
            start: Span::millis(1_500),
            grow: (6, 5),
            shrink: (9, 10),
        }
    }
}

/// One kind's cooldown, observable for the UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CooldownState {
    pub current: Span,
    pub last_output: Option<Timestamp>,
    pub blocked: u64,
    pub shown: u64,
}

/// Rate-limits alerts per kind: a kind's cooldown grows while its alerts keep being held
/// back and shrinks once it is calm.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct AdaptiveCooldown {
    config: CooldownConfig,
    kinds: BTreeMap<AlertKind, CooldownState>,
}

impl AdaptiveCooldown {
    /// Every kind starts at the configured starting cooldown.
    pub fn new(config: CooldownConfig) -> AdaptiveCooldown {
        AdaptiveCooldown {
            config,
            kinds: BTreeMap::new(),
        }
    }

    /// Whether an alert of `kind` may be shown at `now`; records the decision.
    pub fn should_output(&mut self, kind: AlertKind, now: Timestamp) -> bool {
        let c = self.config;
        let st = self.kinds.entry(kind).or_insert(CooldownState {
            current: c.start,
            last_output: None,
            blocked: 0,
            shown: 0,
        });
        let scale = |span: Span, (num, den): (i64, i64)| Span(span.0 * num / den);
        match st.last_output {
            Some(last) if now.since(last) < st.current => {
                st.blocked += 1;
                st.current = scale(st.current, c.grow).min(c.max);
                false
            }
            last => {
                if last.is_some_and(|l| now.since(l).0 >= 2 * st.current.0) {
                    st.current = scale(st.current, c.shrink).max(c.min);
                }
                st.last_output = Some(now);
                st.shown += 1;
                true
            }
        }
    }

    /// The state of one kind (the starting state if it never fired).
    pub fn state(&self, kind: AlertKind) -> CooldownState {
        self.kinds.get(&kind).copied().unwrap_or(CooldownState {
            current: self.config.start,
            last_output: None,
            blocked: 0,
            shown: 0,
        })
    }

    /// Every kind that has been asked about, in a stable order.
    pub fn states(&self) -> impl Iterator<Item = (AlertKind, CooldownState)> + '_ {
        self.kinds.iter().map(|(k, s)| (*k, *s))
    }

    /// The bounds and ratios in use.
    pub fn config(&self) -> &CooldownConfig {
        &self.config
    }

    /// Total alerts blocked across kinds.
    pub fn blocked(&self) -> u64 {
        self.kinds.values().map(|s| s.blocked).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(ms: i64) -> Timestamp {
        Timestamp(ms)
    }

    #[test]
    fn blocks_inside_the_cooldown_and_stretches_it() {
        let mut c = AdaptiveCooldown::new(CooldownConfig::default());
        let k = AlertKind::ActivitySpike;
        assert!(c.should_output(k, at(0)), "the first alert always shows");
        assert_eq!(c.state(k).current, Span(1_500));
        assert!(!c.should_output(k, at(1_000)));
        assert_eq!(c.state(k).current, Span(1_800));
        assert!(!c.should_output(k, at(1_700)));
        assert_eq!(c.state(k).current, Span(2_160));
        assert!(c.should_output(k, at(2_200)));
        assert_eq!(c.state(k).blocked, 2);
        assert_eq!(c.state(k).shown, 2);
    }

    #[test]
    fn never_exceeds_max_and_relaxes_to_min_when_calm() {
        let mut c = AdaptiveCooldown::new(CooldownConfig::default());
        let k = AlertKind::OutlierSale;
        c.should_output(k, at(0));
        for i in 1..50 {
            c.should_output(k, at(i * 10));
        }
        assert_eq!(c.state(k).current, Span(4_000));
        let mut t = 0;
        for _ in 0..40 {
            t += 10_000;
            assert!(c.should_output(k, at(t)));
        }
        assert_eq!(c.state(k).current, Span(800));
    }

    #[test]
    fn kinds_cool_down_independently() {
        let mut c = AdaptiveCooldown::new(CooldownConfig::default());
        assert!(c.should_output(AlertKind::ActivitySpike, at(0)));
        assert!(c.should_output(AlertKind::SellerConcentration, at(100)));
        assert!(!c.should_output(AlertKind::ActivitySpike, at(200)));
        assert_eq!(c.state(AlertKind::SellerConcentration).blocked, 0);
        assert_eq!(c.blocked(), 1);
        assert_eq!(c.states().count(), 2);
    }
}
