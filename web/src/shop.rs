//! The dashboard's state: core's `Analytics` plus what the views show of its outputs.
//! Fed by the simulator or by live records; it does not care which.

use hopscope_core::agree::Agreement;
use hopscope_core::detect::{Alert, AlertKind, CooldownState};
use hopscope_core::generate::DEFAULT_PARTITIONS;
use hopscope_core::pipeline::{Analytics, AnalyticsConfig, AnalyticsOutput};
use hopscope_core::window::{EventTime, TimeMode, WindowConfig};
use hopscope_core::{Sale, Span, Timestamp, WindowResult};
use std::collections::{BTreeMap, VecDeque};

/// Points kept for the charts: past this the history halves its resolution, so the
/// chart covers the whole run (hours of shop time) in bounded memory.
pub const HISTORY: usize = 360;
/// Alerts kept in the feed.
pub const FEED: usize = 25;

#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    pub end: Timestamp,
    pub sales: u64,
    pub revenue: f64,
}

/// Fired windows for the charts, downsampled: every `stride`-th window is kept, and when
/// the points fill up, every other one goes and the stride doubles. At one window a
/// second, 360 points hold 6 minutes at full resolution and a day at a stride of 256.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct History {
    points: Vec<Point>,
    stride: u64,
    seen: u64,
}

impl History {
    pub fn push(&mut self, p: Point) {
        self.stride = self.stride.max(1);
        if self.seen % self.stride == 0 {
            self.points.push(p);
            if self.points.len() > HISTORY {
                let mut k = 0;
                self.points.retain(|_| {
                    k += 1;
                    k % 2 == 1
                });
                self.stride *= 2;
            }
        }
        self.seen += 1;
    }

    pub fn points(&self) -> &[Point] {
        &self.points
    }

    /// Windows per point.
    pub fn stride(&self) -> u64 {
        self.stride.max(1)
    }
}

pub struct Shop {
    analytics: Analytics,
    pub history: History,
    /// Newest first, each with why it fired when that is not obvious.
    pub alerts: VecDeque<(Alert, Option<String>)>,
    /// Window ends of the activity spikes raised, to explain the drop when one leaves.
    spikes: VecDeque<Timestamp>,
    pub suppressed: u64,
    pub total_sales: u64,
    /// Sales that arrived behind the watermark (event time), and of those, the dropped.
    pub late: u64,
    pub dropped: u64,
    /// Sales seen per partition since the start.
    pub per_partition: Vec<u64>,
    /// Which partition each seller's sales went to (one, always): the first
    /// [`MAX_SELLERS`] sellers seen.
    pub seller_partitions: BTreeMap<String, u32>,
    /// More sellers came than [`MAX_SELLERS`]; they are not listed.
    pub sellers_unlisted: bool,
    /// Sales from partitions numbered [`MAX_PARTITIONS`] or more (counted, not itemised).
    pub beyond_partitions: u64,
    /// The earliest time the windows count a sale at: its sale time in event time, its
    /// arrival in processing time — the clock the windows' bounds are on, so that
    /// [`Shop::ran_for`] compares like with like (a live topic's sales may be dated long
    /// before the page read them).
    pub first_sale: Option<Timestamp>,
    /// Windows fired since the start (what the KPIs, charts and alerts follow).
    pub windows_fired: u64,
    /// This page's windows beside another engine's (Flink's, relayed by the bridge); only
    /// when the bridge relays one, so the simulator keeps no copy of its windows.
    pub agreement: Option<Agreement>,
    /// The newest windows' rows and when they fired, for the inspector ([`RECENT`]).
    pub recent: VecDeque<Recent>,
    /// Windows ending at or before this are already in `history` (restored after a page
    /// reload, see `Page::restore_live_session`): fired again while the panes are rebuilt,
    /// they are not drawn twice.
    pub history_through: Option<Timestamp>,
}

/// A window the dashboard fired: its row, the clock then, and (event time) the watermark
/// that fired it.
#[derive(Clone, Debug, PartialEq)]
pub struct Recent {
    pub row: WindowResult,
    pub at: Timestamp,
    pub watermark: Option<Timestamp>,
}

/// Windows the dashboard's inspector can go back through.
pub const RECENT: usize = 120;

/// Partitions the page itemises (as many as it declares from the bridge's `hello`).
pub const MAX_PARTITIONS: usize = 4_096;
/// Sellers the partition view lists by name.
pub const MAX_SELLERS: usize = 1_000;

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
            history: History::default(),
            alerts: VecDeque::new(),
            spikes: VecDeque::new(),
            suppressed: 0,
            total_sales: 0,
            late: 0,
            dropped: 0,
            per_partition: vec![0; DEFAULT_PARTITIONS as usize],
            seller_partitions: BTreeMap::new(),
            sellers_unlisted: false,
            beyond_partitions: 0,
            first_sale: None,
            windows_fired: 0,
            agreement: None,
            recent: VecDeque::new(),
            history_through: None,
        }
    }

    pub fn push(&mut self, sale: &Sale, partition: u32, now: Timestamp) {
        self.total_sales += 1;
        let counted_at = if self.is_event_time() {
            sale.event_time()
        } else {
            now
        };
        let dropped_before = self.dropped;
        let p = partition as usize;
        // A partition number comes from the bridge: it must not size the page's memory.
        if p < MAX_PARTITIONS {
            if p >= self.per_partition.len() {
                self.per_partition.resize(p + 1, 0);
            }
            self.per_partition[p] += 1;
        } else {
            self.beyond_partitions += 1;
        }
        // A real topic may have millions of keys: the first MAX_SELLERS are listed.
        if !self.seller_partitions.contains_key(&sale.seller) {
            if self.seller_partitions.len() < MAX_SELLERS {
                self.seller_partitions
                    .insert(sale.seller.clone(), partition);
            } else {
                self.sellers_unlisted = true;
            }
        }
        self.analytics.push(sale, partition, now);
        self.drain(now);
        // A sale every window of which had fired is dropped (and counted): it is no data
        // the windows hold, however early it is dated.
        if self.dropped == dropped_before {
            self.first_sale = Some(self.first_sale.map_or(counted_at, |f| f.min(counted_at)));
        }
    }

    pub fn advance(&mut self, now: Timestamp) {
        self.analytics.advance(now);
        self.drain(now);
    }

    fn drain(&mut self, now: Timestamp) {
        while let Some(o) = self.analytics.poll() {
            match o {
                AnalyticsOutput::Window(w) => {
                    self.windows_fired += 1;
                    if let Some(a) = &mut self.agreement {
                        a.ours(&w);
                    }
                    self.recent.push_back(Recent {
                        row: w.clone(),
                        at: now,
                        watermark: self
                            .analytics
                            .engine()
                            .watermark()
                            .filter(|_| self.is_event_time()),
                    });
                    if self.recent.len() > RECENT {
                        self.recent.pop_front();
                    }
                    if self.history_through.is_none_or(|t| w.window_end > t) {
                        self.history.push(Point {
                            end: w.window_end,
                            sales: w.sales_in_window,
                            revenue: w.revenue.dollars(),
                        });
                    }
                }
                AnalyticsOutput::Alert(a) => {
                    let why = self.explain(&a);
                    if a.kind == AlertKind::ActivitySpike {
                        self.spikes.push_back(a.window_end);
                        if self.spikes.len() > FEED {
                            self.spikes.pop_front();
                        }
                    }
                    self.alerts.push_front((a, why));
                    self.alerts.truncate(FEED);
                }
                AnalyticsOutput::Suppressed(_) => self.suppressed += 1,
                AnalyticsOutput::Late(l) => {
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
        // The partition view shows every partition of the topic, sales or not yet.
        let p = partition as usize;
        if p < MAX_PARTITIONS && p >= self.per_partition.len() {
            self.per_partition.resize(p + 1, 0);
        }
    }

    /// The event-time watermark, if windows are in event time and one exists.
    pub fn watermark(&self) -> Option<Timestamp> {
        self.analytics.engine().watermark()
    }

    pub fn slide(&self) -> Span {
        self.analytics.engine().config().slide
    }

    pub fn window_size(&self) -> Span {
        self.analytics.engine().config().size
    }

    pub fn is_event_time(&self) -> bool {
        matches!(self.analytics.engine().config().time, TimeMode::Event(_))
    }

    /// Why an alert fired, when the window's arithmetic hides it: a drop one window after
    /// a spike is the spike's sales leaving the window, not the shop slowing down.
    fn explain(&self, a: &Alert) -> Option<String> {
        if a.kind != AlertKind::ActivityDrop {
            return None;
        }
        let size = self.analytics.engine().config().size;
        let left_at = a.window_end.minus(size);
        let spike = self.spikes.iter().rev().find(|s| {
            left_at.0 >= s.0 - Span::minutes(1).0 && left_at.0 <= s.0 + Span::minutes(10).0
        })?;
        Some(format!(
            "The spike that began near {} has just left the {size} window: this window is compared with one that still held it. The shop itself has not slowed down.",
            spike.to_iso()
        ))
    }

    /// How much data the windows have seen: from the earliest sale they count to the end of
    /// the newest window, on the windows' own clock.
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

    /// The growth (either way) that raises an alert: 0.15 = 15%.
    pub fn growth_threshold(&self) -> f64 {
        self.analytics.detect_config().growth_threshold
    }

    /// The cooldown's bounds and ratios.
    pub fn cooldown_config(&self) -> hopscope_core::detect::CooldownConfig {
        *self.analytics.cooldown().config()
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

#[cfg(test)]
mod tests {
    use super::*;
    use hopscope_core::generate::{GeneratorConfig, SaleGenerator, Scenario};
    use hopscope_core::Catalog;

    #[test]
    fn the_history_covers_the_whole_run_in_bounded_points() {
        let mut h = History::default();
        // Ten hours of windows, one a second.
        for i in 0..36_000 {
            h.push(Point {
                end: Timestamp(i * 1_000),
                sales: i as u64,
                revenue: 0.0,
            });
            assert!(h.points().len() <= HISTORY);
        }
        let p = h.points();
        assert_eq!(p[0].end, Timestamp(0), "the first window stays");
        let newest = p[p.len() - 1].end.0;
        assert!(
            newest >= 36_000_000 - h.stride() as i64 * 1_000,
            "newest {newest}"
        );
        assert!(
            h.stride().is_power_of_two() && h.stride() >= 64,
            "{}",
            h.stride()
        );
        // Evenly spaced: one point per `stride` windows.
        let gap = h.stride() as i64 * 1_000;
        assert!(p.windows(2).all(|w| w[1].end.0 - w[0].end.0 == gap));
    }

    #[test]
    fn partition_numbers_and_sellers_from_outside_are_bounded() {
        let mut shop = Shop::new();
        let mut gen = SaleGenerator::new(Catalog::embedded(), &GeneratorConfig::default());
        let mut sale = gen.poll(Timestamp(i64::MAX)).unwrap().sale;
        let now = sale.event_time();
        for (i, partition) in [u32::MAX, 4_096, 3, 70_000].into_iter().enumerate() {
            shop.push(&sale, partition, now.plus(hopscope_core::Span(i as i64)));
        }
        assert_eq!(shop.per_partition.len(), DEFAULT_PARTITIONS as usize);
        assert_eq!(shop.per_partition[3], 1);
        assert_eq!(shop.beyond_partitions, 3, "counted, not itemised");
        assert_eq!(shop.total_sales, 4);
        for i in 0..3 * MAX_SELLERS {
            sale.seller = format!("seller-{i}");
            shop.push(&sale, 1, now);
        }
        assert_eq!(shop.seller_partitions.len(), MAX_SELLERS);
        assert!(shop.sellers_unlisted);
        // A topic's partitions, declared by the bridge, are all shown (up to the cap).
        shop.declare_partition(23, now);
        shop.declare_partition(u32::MAX, now);
        assert_eq!(shop.per_partition.len(), 24);
        shop.advance(now.plus(hopscope_core::Span::minutes(20)));
        let w = shop.latest().expect("a window fired");
        assert!(
            w.sales_per_partition.len() <= hopscope_core::window::watermark::MAX_TRACKED_PARTITIONS
        );
    }

    /// A live topic's sales may be dated long before the page reads them (a back-filled
    /// topic): in event time the data the windows hold is measured in sale time, not from
    /// the moment the page read its first record.
    #[test]
    fn in_event_time_the_data_held_is_measured_in_sale_time() {
        let config = GeneratorConfig {
            seed: 4,
            rate: 2.0,
            ..GeneratorConfig::default()
        };
        let mut gen = SaleGenerator::new(Catalog::embedded(), &config);
        let end = config.start.plus(Span::minutes(20));
        // Read an hour after the last sale was made, all within one second of page time.
        let read_at = end.plus(Span::minutes(60));
        let (mut shop, mut sim) = (Shop::event_time(), Shop::new());
        for (i, g) in std::iter::from_fn(|| gen.poll(end)).enumerate() {
            let now = read_at.plus(Span(i as i64 % 1_000));
            shop.push(&g.sale, g.partition, now);
            sim.push(&g.sale, g.partition, now);
        }
        assert!(shop.windows_fired > 0);
        let held = shop.ran_for();
        assert!(
            held >= Span::minutes(19) && held <= Span::minutes(20),
            "{held:?}"
        );
        // A sale dated a day earlier arrives too late for any window: dropped, counted,
        // and no data the windows hold.
        let mut stale = hopscope_core::GeneratedSale::empty();
        SaleGenerator::new(Catalog::embedded(), &config).poll_into(end, &mut stale);
        stale.sale.sale_date =
            hopscope_core::Micros(config.start.plus(Span::minutes(-1_440)).0 * 1_000);
        let dropped = shop.dropped;
        shop.push(&stale.sale, stale.partition, read_at.plus(Span::seconds(1)));
        assert_eq!(shop.dropped, dropped + 1, "the stale sale is dropped");
        assert_eq!(shop.ran_for(), held, "and the data held is unchanged");
        // In processing time the same records arrived within a second: no window of data yet.
        sim.advance(read_at.plus(Span::seconds(2)));
        assert!(sim.ran_for() <= Span::seconds(2), "{:?}", sim.ran_for());
    }

    /// The drop a spike causes when it leaves the window is explained; the spike is not.
    #[test]
    fn a_drop_one_window_after_a_spike_says_the_spike_left_the_window() {
        let config = GeneratorConfig {
            seed: 3,
            rate: 5.0,
            ..GeneratorConfig::default()
        };
        let mut gen = SaleGenerator::new(Catalog::embedded(), &config);
        gen.trigger(Scenario::spike(), config.start.plus(Span::minutes(35)));
        let mut shop = Shop::new();
        let end = config.start.plus(Span::minutes(60));
        let mut t = config.start;
        while t < end {
            t = t.plus(Span::seconds(1));
            while let Some(g) = gen.poll(t) {
                shop.push(&g.sale, g.partition, g.sale.event_time());
            }
            shop.advance(t);
        }
        let spike = shop
            .alerts
            .iter()
            .find(|(a, _)| a.kind == AlertKind::ActivitySpike)
            .expect("the spike is detected");
        assert!(spike.1.is_none(), "a spike needs no explanation");
        let drop = shop
            .alerts
            .iter()
            .find(|(a, _)| a.kind == AlertKind::ActivityDrop)
            .expect("the spike leaving the window reads as a drop");
        let why = drop.1.as_deref().expect("and the drop says why");
        assert!(why.contains("has just left the 15m window"), "{why}");
    }
}
