//! `Analytics`: the seed's analytics controller as one sans-IO state machine.
//!
//! Push sales with the time they were seen, move the clock, poll outputs. Inside, the
//! window engine fires windows; each fired window goes through the tracker (growth), the
//! analyzer (candidate alerts, behind the quality gates) and the adaptive cooldown (which
//! alerts are shown). The browser and the bridge drive the very same type.

use crate::detect::{
    AdaptiveCooldown, Alert, CooldownConfig, DetectConfig, EventAnalyzer, EventTracker,
};
use crate::sale::SaleView;
use crate::time::Timestamp;
use crate::window::{
    ConfigError, EngineStats, Event, HopWindows, PartitionWatermark, Pushed, TimeMode,
    WindowConfig, WindowResult,
};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

/// The query (window) and detection settings of one analytics pipeline.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AnalyticsConfig {
    pub window: WindowConfig,
    pub detect: DetectConfig,
    pub cooldown: CooldownConfig,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        AnalyticsConfig {
            window: WindowConfig::seed(),
            detect: DetectConfig::default(),
            cooldown: CooldownConfig::default(),
        }
    }
}

/// A sale that arrived behind the watermark: it joined `joined` of its `windows` (those
/// not fired yet) and is dropped when that is 0.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LateSale {
    pub id_sale: String,
    pub event_time: Timestamp,
    pub watermark: Timestamp,
    pub joined: u32,
    pub windows: u32,
}

impl LateSale {
    /// True when the sale joined none of its windows (all had fired).
    pub fn dropped(&self) -> bool {
        self.joined == 0
    }

    /// One line for a log: what happened to the sale and why.
    pub fn describe(&self) -> String {
        if self.dropped() {
            format!(
                "late sale {} at {} dropped: all its {} windows had fired (watermark {})",
                self.id_sale, self.event_time, self.windows, self.watermark
            )
        } else {
            format!(
                "late sale {} at {} joined {} of its {} windows (the others had fired; watermark {})",
                self.id_sale, self.event_time, self.joined, self.windows, self.watermark
            )
        }
    }
}

/// What the pipeline has to say, in order, from [`Analytics::poll`].
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum AnalyticsOutput {
    Window(WindowResult),
    /// An alert that passed the cooldown.
    Alert(Alert),
    /// An alert the cooldown held back (counted; shown only to those who ask).
    Suppressed(Alert),
    Late(LateSale),
}

/// The whole analysis: window engine, tracker, analyzer and cooldown, sans-IO.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Analytics {
    engine: HopWindows,
    tracker: EventTracker,
    analyzer: EventAnalyzer,
    cooldown: AdaptiveCooldown,
    out: VecDeque<AnalyticsOutput>,
    latest: Option<WindowResult>,
    /// Newest time any sale was placed at (event or processing time).
    newest: Option<Timestamp>,
    flushing: bool,
    analysed_through: Option<Timestamp>,
}

impl Analytics {
    /// A pipeline for this config; fails when the window settings are invalid.
    pub fn new(config: AnalyticsConfig) -> Result<Analytics, ConfigError> {
        let engine = HopWindows::new(config.window.clone())?;
        Ok(Analytics {
            tracker: EventTracker::new(
                config.detect.baseline,
                config.window.size,
                config.window.slide,
            ),
            analyzer: EventAnalyzer::new(config.detect),
            cooldown: AdaptiveCooldown::new(config.cooldown),
            engine,
            out: VecDeque::new(),
            latest: None,
            newest: None,
            flushing: false,
            analysed_through: None,
        })
    }

    /// A sale seen at `now` (processing time) and placed on `partition`.
    pub fn push<'a>(&mut self, sale: impl Into<SaleView<'a>>, partition: u32, now: Timestamp) {
        let sale = sale.into();
        let placed = match self.engine.config().time {
            TimeMode::Processing => now,
            TimeMode::Event(_) => sale.event_time(),
        };
        self.newest = Some(self.newest.map_or(placed, |n| n.max(placed)));
        let late = match self.engine.push(&Event::from_sale(sale, partition), now) {
            Pushed::Accepted => None,
            Pushed::LateJoined {
                joined,
                windows,
                watermark,
            } => Some((joined, windows, watermark)),
            Pushed::Dropped { windows, watermark } => Some((0, windows, watermark)),
        };
        if let Some((joined, windows, watermark)) = late {
            self.out.push_back(AnalyticsOutput::Late(LateSale {
                id_sale: sale.id_sale.to_string(),
                event_time: sale.event_time(),
                watermark,
                joined,
                windows,
            }));
        }
        self.drain();
    }

    /// A partition the source will read (see [`HopWindows::declare_partition`]).
    pub fn declare_partition(&mut self, partition: u32, now: Timestamp) {
        self.engine.declare_partition(partition, now);
    }

    /// Restored from a snapshot and started again at `now`: every partition's idle timer
    /// starts over, as Flink's sources do after a restore.
    pub fn restarted(&mut self, now: Timestamp) {
        self.engine.restarted(now);
    }

    /// A bounded read reached the end of `partition`.
    pub fn finish_partition(&mut self, partition: u32, now: Timestamp) {
        self.engine.finish_partition(partition, now);
        self.drain();
    }

    /// Each partition's watermark (event time), for display.
    pub fn partition_watermarks(&self) -> Vec<PartitionWatermark> {
        self.engine.partition_watermarks()
    }

    /// When [`Analytics::advance`] next has something to do ([`HopWindows::next_timeout`]).
    pub fn next_timeout(&self, now: Timestamp) -> Option<Timestamp> {
        self.engine.next_timeout(now)
    }

    /// Moves the clock (processing time fires windows; event time waits for events).
    pub fn advance(&mut self, now: Timestamp) {
        self.engine.advance(now);
        self.drain();
    }

    /// End of input: fire every remaining window. Windows reaching past the last sale
    /// are reported but not analysed: they are emptying because the input stopped, not
    /// because the shop did.
    pub fn flush(&mut self) {
        self.engine.flush();
        self.flushing = true;
        self.drain();
    }

    /// The next output (window, alert, held-back alert or late sale), oldest first.
    pub fn poll(&mut self) -> Option<AnalyticsOutput> {
        self.out.pop_front()
    }

    /// The newest fired window.
    pub fn latest(&self) -> Option<&WindowResult> {
        self.latest.as_ref()
    }

    /// `window_end` of the newest window detection ran on. Windows fired after it only
    /// because the input ended ([`Analytics::flush`]) were not analysed.
    pub fn analysed_through(&self) -> Option<Timestamp> {
        self.analysed_through
    }

    /// The cooldown's state: each kind's current cooldown and what it held back.
    pub fn cooldown(&self) -> &AdaptiveCooldown {
        &self.cooldown
    }

    /// The detection settings (gates, thresholds) it runs with.
    pub fn detect_config(&self) -> &crate::detect::DetectConfig {
        self.analyzer.config()
    }

    /// The configuration it runs with (what a banner describes).
    pub fn config(&self) -> AnalyticsConfig {
        AnalyticsConfig {
            window: self.engine.config().clone(),
            detect: self.analyzer.config().clone(),
            cooldown: *self.cooldown.config(),
        }
    }

    /// The window engine, read-only.
    pub fn engine(&self) -> &HopWindows {
        &self.engine
    }

    /// The engine's counts: events, late joins and drops, windows fired.
    pub fn stats(&self) -> EngineStats {
        self.engine.stats()
    }

    /// A window someone else computed — the Flink job's results topic — through the same
    /// tracker, gates, insights and cooldown as the engine's own windows. The caller hands
    /// windows in the order they fired (increasing `window_end`); the engine is not used.
    pub fn push_window(&mut self, w: WindowResult) {
        self.analyse(w);
    }

    fn drain(&mut self) {
        while let Some(w) = self.engine.poll() {
            let complete = !self.flushing || self.newest.is_some_and(|n| w.window_end.0 <= n.0 + 1);
            if !complete {
                self.latest = Some(w.clone());
                self.out.push_back(AnalyticsOutput::Window(w));
                continue;
            }
            self.analyse(w);
        }
    }

    fn analyse(&mut self, w: WindowResult) {
        self.analysed_through = Some(w.window_end);
        let growth = self.tracker.observe(&w);
        for alert in self.analyzer.analyze(&w, growth.as_ref()) {
            // Alerts are timed by the window that raised them, so the decision is the
            // same however fast the caller replays the stream.
            if self.cooldown.should_output(alert.kind, w.window_end) {
                self.out.push_back(AnalyticsOutput::Alert(alert));
            } else {
                self.out.push_back(AnalyticsOutput::Suppressed(alert));
            }
        }
        self.latest = Some(w.clone());
        self.out.push_back(AnalyticsOutput::Window(w));
    }
}
