//! The dashboard's state: core's `Analytics` plus what the views show of its outputs.
//! Fed by the simulator or by live records; it does not care which.

use hopscope_core::detect::{Alert, AlertKind, CooldownState};
use hopscope_core::generate::DEFAULT_PARTITIONS;
use hopscope_core::pipeline::{Analytics, AnalyticsConfig, Output};
use hopscope_core::window::{EventTime, TimeMode, WindowConfig};
use hopscope_core::{Sale, Span, Timestamp, WindowResult};
use std::collections::{BTreeMap, VecDeque};

/// Windows kept for the charts (the newest first fired last).
pub const HISTORY: usize = 300;
/// Alerts kept in the feed.
pub const FEED: usize = 25;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub end: Timestamp,
    pub sales: u64,
    pub revenue: f64,
}

pub struct Shop {
    analytics: Analytics,
    pub history: VecDeque<Point>,
    pub alerts: VecDeque<Alert>,
    pub suppressed: u64,
    pub total_sales: u64,
    /// Sales that arrived behind the watermark (event time), and of those, the dropped.
    pub late: u64,
    pub dropped: u64,
    /// Sales seen per partition since the start.
    pub per_partition: Vec<u64>,
    /// Which partition each seller's sales went to (one, always).
    pub seller_partitions: BTreeMap<String, u32>,
    pub first_sale: Option<Timestamp>,
}

/// A live partition with no record for this long stops holding the event-time watermark
/// (Flink's `scan.watermark.idle-timeout`): an empty partition must not freeze the page.
pub const LIVE_IDLE_TIMEOUT: Span = Span::seconds(10);

impl Shop {
    /// The seed's query in processing time (the simulator: sales are seen as they happen).
    pub fn new() -> Shop {
        Shop::with_time(TimeMode::Processing)
    }

    /// The seed's window in event time over a partitioned topic: one watermark per
    /// partition (the default delay, the live idle timeout).
    pub fn event_time() -> Shop {
        Shop::with_time(TimeMode::Event(EventTime::per_partition(
            EventTime::DEFAULT_DELAY,
            Some(LIVE_IDLE_TIMEOUT),
        )))
    }

    fn with_time(time: TimeMode) -> Shop {
        Shop {
            analytics: Analytics::new(AnalyticsConfig {
                window: WindowConfig {
                    top_n: 5,
                    time,
                    ..WindowConfig::seed()
                },
                ..AnalyticsConfig::default()
            })
            .expect("the seed's window config is valid"),
            history: VecDeque::new(),
            alerts: VecDeque::new(),
            suppressed: 0,
            total_sales: 0,
            late: 0,
            dropped: 0,
            per_partition: vec![0; DEFAULT_PARTITIONS as usize],
            seller_partitions: BTreeMap::new(),
            first_sale: None,
        }
    }

    pub fn push(&mut self, sale: &Sale, partition: u32, now: Timestamp) {
        self.total_sales += 1;
        self.first_sale.get_or_insert(now);
        let p = partition as usize;
        if p >= self.per_partition.len() {
            self.per_partition.resize(p + 1, 0);
        }
        self.per_partition[p] += 1;
        if !self.seller_partitions.contains_key(&sale.seller) {
            self.seller_partitions
                .insert(sale.seller.clone(), partition);
        }
        self.analytics.push(sale, partition, now);
        self.drain();
    }

    pub fn advance(&mut self, now: Timestamp) {
        self.analytics.advance(now);
        self.drain();
    }

    fn drain(&mut self) {
        while let Some(o) = self.analytics.poll() {
            match o {
                Output::Window(w) => {
                    self.history.push_back(Point {
                        end: w.window_end,
                        sales: w.sales_in_window,
                        revenue: w.revenue.dollars(),
                    });
                    if self.history.len() > HISTORY {
                        self.history.pop_front();
                    }
                }
                Output::Alert(a) => {
                    self.alerts.push_front(a);
                    self.alerts.truncate(FEED);
                }
                Output::Suppressed(_) => self.suppressed += 1,
                Output::Late(l) => {
                    self.late += 1;
                    self.dropped += u64::from(l.dropped());
                }
            }
        }
    }

    /// A partition the live topic has (event time: it holds the watermark until it
    /// delivers or idles).
    pub fn declare_partition(&mut self, partition: u32, now: Timestamp) {
        self.analytics.declare_partition(partition, now);
    }

    /// The event-time watermark, if windows are in event time and one exists.
    pub fn watermark(&self) -> Option<Timestamp> {
        self.analytics.engine().watermark()
    }

    pub fn window_size(&self) -> Span {
        self.analytics.engine().config().size
    }

    pub fn is_event_time(&self) -> bool {
        matches!(self.analytics.engine().config().time, TimeMode::Event(_))
    }

    /// How long the shop has run: from its first sale to the end of the newest window.
    pub fn ran_for(&self) -> Span {
        match (self.first_sale, self.latest()) {
            (Some(first), Some(w)) => w.window_end.since(first),
            _ => Span(0),
        }
    }

    pub fn latest(&self) -> Option<&WindowResult> {
        self.analytics.latest()
    }

    pub fn cooldowns(&self) -> Vec<(AlertKind, CooldownState)> {
        AlertKind::ALL
            .iter()
            .map(|k| (*k, self.analytics.cooldown().state(*k)))
            .collect()
    }

    pub fn blocked(&self) -> u64 {
        self.analytics.cooldown().blocked()
    }
}

impl Default for Shop {
    fn default() -> Self {
        Shop::new()
    }
}
