//! The hopping-window engine: Flink's `HOP(time, slide, size)` with O(1) work per event.
//!
//! # Semantics (Apache Flink's window TVF, checked against PyFlink by `tests/flink/`)
//! * Windows are `[start, start + size)`, with `start` a multiple of `slide` since the
//!   epoch. An event at `t` is in every window with `start <= t < start + size`.
//! * Only windows holding at least one event are emitted, unless `emit_empty` is set.
//! * Event time: the watermark is the newest event time − delay, per partition when the
//!   source is partitioned, the operator's being the minimum ([`watermark`]); a window
//!   fires once the watermark reaches `end − 1`. [`HopWindows::flush`] fires everything
//!   (bounded input).
//! * Processing time: the caller's clock is the time of every event and the watermark is
//!   `now − 1`, so a window fires as soon as the clock reaches its end.
//! * Late events, as Flink's slicing window operator (and its group-window operator)
//!   treat them: an event behind the watermark joins every one of its windows that has
//!   not fired yet; it is dropped only when all of them have fired. Fired results never
//!   change. [`Pushed`] says which happened, [`EngineStats`] counts both.
//!
//! # Why it is O(1) per event
//! Time is cut into panes of `gcd(size, slide)`; every window is a whole number of panes.
//! An event only updates its pane. When windows fire in order, a running aggregate slides
//! over the panes: each pane is added once when the window front reaches it and subtracted
//! once when the window back leaves it. Counts and sums subtract exactly (integer cents),
//! distinct counts use counted key sets ([`keys::Multiset`]), and the maximum uses a
//! monotonic deque of pane maxima. So the cost per event does not grow with size/slide:
//! 15 min / 1 s (900 windows per event) costs the same per event as 15 min / 5 min.
//! A late event whose pane the running aggregate already holds is added to it too (its
//! pane is subtracted later with the event in it); only the max deque needs a binary
//! search for it. Memory is O(panes in a window + distinct keys), never O(events × windows).

pub mod align;
mod config;
pub mod guard;
pub mod keys;
pub mod kinds;
mod pane;
mod result;
mod row;
pub mod watermark;

pub use config::{
    ConfigError, EventTime, TimeDomain, TimeMode, WindowConfig, MAX_WINDOWS_PER_EVENT,
};
pub use result::{Column, TopKey, WindowResult, COLUMNS};
pub use row::{WindowRowError, WindowRowErrorKind};
pub use watermark::{PartitionWatermark, Scope, Watermarks};

use crate::money::{div_round_half_up, Cents};
use crate::sale::SaleView;
use crate::time::Timestamp;
use config::{first_unfired_start, first_window_start};
use keys::{Interner, Multiset};
use pane::{Acc, Item, Key, Pane};
use std::collections::{BTreeMap, VecDeque};

/// What the engine needs of a sale. Borrowed, so pushing allocates nothing.
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    /// Event time (`sale_date`); ignored in processing time.
    pub time: Timestamp,
    /// `price × quantity`, exact.
    pub value: Cents,
    /// For `COUNT(DISTINCT seller)` and the top seller.
    pub seller: &'a str,
    /// For `COUNT(DISTINCT nm_category)` and the top category.
    pub category: &'a str,
    /// For `COUNT(DISTINCT nm_product)`.
    pub product: &'a str,
    /// Where it was read (per-partition watermarks, `sales_per_partition`).
    pub partition: u32,
}

impl<'a> Event<'a> {
    /// A sale (a [`Sale`](crate::Sale) or a decoded [`SaleView`]) at its own event time (`sale_date`).
    pub fn from_sale(sale: impl Into<SaleView<'a>>, partition: u32) -> Event<'a> {
        let sale = sale.into();
        Event {
            time: sale.event_time(),
            value: sale.value,
            seller: sale.seller,
            category: sale.nm_category,
            product: sale.nm_product,
            partition,
        }
    }
}

/// What [`HopWindows::push`] did with an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    /// In time: it is in every window containing it.
    Accepted,
    /// Behind the watermark: some of its windows had fired (they stay as they were); it
    /// joined the `joined` of its `windows` that had not.
    LateJoined {
        /// Windows it joined (not fired when it arrived).
        joined: u32,
        /// Windows containing it.
        windows: u32,
        /// The watermark when it arrived.
        watermark: Timestamp,
    },
    /// Every one of its `windows` had fired: it is in none (counted).
    Dropped {
        /// Windows containing it (all fired).
        windows: u32,
        /// The watermark when it arrived.
        watermark: Timestamp,
    },
}

/// The operator's state in memory, counted ([`HopWindows::state`]), and what it would be
/// for an operator that keeps one aggregate per window instead of one per pane.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StateSize {
    /// Panes held: each a partial aggregate of one pane length (gcd of size and slide).
    pub panes: usize,
    /// Per-key counters in those panes (seller, category, product and partition entries).
    pub pane_keys: usize,
    /// Distinct names interned, each stored once whatever the panes.
    pub names: usize,
    pub name_bytes: usize,
    /// Windows with data that have not fired.
    pub open_windows: u64,
    /// size / slide: how many windows hold each instant.
    pub windows_per_pane: usize,
    /// Start of the oldest pane held.
    pub oldest_pane: Option<Timestamp>,
    /// The oldest pane is freed when the watermark reaches this window end.
    pub oldest_freed_at: Option<Timestamp>,
}

impl StateSize {
    /// Bytes of a pane's totals (count, sum, sum of squares, max, four maps' headers).
    pub const PANE_BYTES: usize = 8 + 8 + 16 + 8 + 4 * 32;
    /// Bytes of one per-key counter in a hash map (u32 key, u64 count, the map's slack).
    pub const KEY_BYTES: usize = 16;

    /// An estimate of the bytes held: panes, their counters and the names.
    pub fn bytes(&self) -> usize {
        self.panes * Self::PANE_BYTES + self.pane_keys * Self::KEY_BYTES + self.name_bytes
    }

    /// The same data kept per window (each open window its own totals and a counter for
    /// every key of every pane it covers): what the slicing operator (hopscope's, and
    /// Flink's) saves. Grows as size / slide.
    pub fn per_window_bytes(&self) -> usize {
        self.open_windows as usize * Self::PANE_BYTES
            + self.pane_keys * self.windows_per_pane * Self::KEY_BYTES
            + self.name_bytes
    }
}

/// Running totals of what the engine has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EngineStats {
    /// Events in at least one window (late-joined ones included).
    pub accepted: u64,
    /// Of those, events that arrived behind the watermark and missed some windows.
    pub late_joined: u64,
    /// Events in no window: all their windows had fired.
    pub dropped: u64,
    /// Windows emitted.
    pub windows_fired: u64,
    /// Empty windows of a timeline (`emit_empty`) not emitted: past [`MAX_EMPTY_RUN`] in a
    /// row, only the last ones before data or the watermark are.
    pub empty_skipped: u64,
}

/// Most empty windows a timeline (`emit_empty`) emits in a row. One record from a broken
/// clock moves the watermark decades ahead: a timeline of every empty window between would
/// be a billion windows (and froze the page). The last ones of the gap are emitted, the
/// others counted in [`EngineStats::empty_skipped`].
pub const MAX_EMPTY_RUN: i64 = 10_000;

/// The engine. Feed it with [`push`](Self::push), move time with
/// [`advance`](Self::advance) / [`flush`](Self::flush), and take fired windows with
/// [`poll`](Self::poll).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct HopWindows {
    config: WindowConfig,
    size: i64,
    slide: i64,
    pane: i64,
    /// Windows whose end − 1 ≤ watermark have fired.
    watermark: i64,
    /// Panes not yet evicted, by pane index (pane start = index × pane length).
    panes: BTreeMap<i64, Pane>,
    /// The pane most events go to, kept out of the map so the common case is O(1).
    hot: Option<(i64, Pane)>,
    /// The next window may not start before this (all earlier ones have fired).
    next_start: i64,
    /// The running aggregate covers panes `acc_lo..acc_hi`.
    acc: Acc,
    acc_lo: i64,
    acc_hi: i64,
    sellers: Interner,
    categories: Interner,
    products: Interner,
    out: VecDeque<WindowResult>,
    stats: EngineStats,
    /// Evicted panes kept for reuse (bounded), so steady state allocates no maps. Not in a
    /// snapshot: empty panes say nothing.
    #[serde(skip)]
    spare: Vec<Pane>,
    /// Input has ended ([`HopWindows::flush`]).
    flushed: bool,
    /// Event time only: the per-partition (or one-stream) watermark state.
    marks: Option<Watermarks>,
}

impl HopWindows {
    /// An engine for `config`, refused with the reason when the config makes no sense.
    pub fn new(config: WindowConfig) -> Result<HopWindows, ConfigError> {
        config.validate()?;
        let pane = config.pane().0;
        let marks = match config.time {
            TimeMode::Event(e) => Some(Watermarks::new(e.scope, e.delay, e.idle_timeout)),
            TimeMode::Processing => None,
        };
        Ok(HopWindows {
            marks,
            size: config.size.0,
            slide: config.slide.0,
            pane,
            config,
            watermark: i64::MIN,
            panes: BTreeMap::new(),
            hot: None,
            next_start: i64::MIN,
            acc: Acc::default(),
            acc_lo: i64::MIN,
            acc_hi: i64::MIN,
            sellers: Interner::default(),
            categories: Interner::default(),
            products: Interner::default(),
            out: VecDeque::new(),
            stats: EngineStats::default(),
            spare: Vec::new(),
            flushed: false,
        })
    }

    /// The query it runs.
    pub fn config(&self) -> &WindowConfig {
        &self.config
    }

    /// What it has seen so far.
    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// The current watermark (`None` before any time has been seen).
    pub fn watermark(&self) -> Option<Timestamp> {
        (self.watermark != i64::MIN).then_some(Timestamp(self.watermark))
    }

    /// Adds an event. In processing-time mode the event's time is `now`; in event-time
    /// mode it is `event.time`, and `now` (the processing clock) only times idleness.
    /// Fired windows become available through [`poll`](Self::poll).
    pub fn push(&mut self, event: &Event<'_>, now: Timestamp) -> Pushed {
        let t = match self.config.time {
            TimeMode::Processing => {
                self.advance(now);
                now.0
            }
            TimeMode::Event(_) => event.time.0,
        };
        // Every window containing t ends after t, so t > watermark means none has fired:
        // the common case decides without a division.
        let late = t <= self.watermark
            && first_window_start(t, self.size, self.slide).saturating_add(self.size) - 1
                <= self.watermark;
        let mut result = Pushed::Accepted;
        if late {
            let (joined, windows) = self
                .config
                .unfired_windows(Timestamp(t), Some(Timestamp(self.watermark)));
            let watermark = Timestamp(self.watermark);
            if joined == 0 {
                self.stats.dropped += 1;
                // A dropped event still moves its partition's watermark, as in Flink (the
                // source assigns watermarks before the window operator drops anything).
                self.observe_watermark(event.partition, t, now);
                return Pushed::Dropped { windows, watermark };
            }
            self.stats.late_joined += 1;
            // Windows before the first unfired one count as fired even when they were
            // skipped for being empty: the late event must not resurrect them.
            self.next_start =
                self.next_start
                    .max(first_unfired_start(self.watermark, self.size, self.slide));
            result = Pushed::LateJoined {
                joined,
                windows,
                watermark,
            };
        }
        let item = Item::new(
            event.value.0,
            self.sellers.id(event.seller),
            self.categories.id(event.category),
            self.products.id(event.product),
            event.partition,
        );
        let index = t.div_euclid(self.pane);
        self.pane_mut(index).add(&item);
        if late && self.acc_lo <= index && index < self.acc_hi {
            // The running aggregate already holds this pane: the event joins it there
            // too, so the windows still to fire see it and the pane leaves with it.
            self.acc.add_late(index, &item);
        }
        self.stats.accepted += 1;
        self.observe_watermark(event.partition, t, now);
        result
    }

    #[inline]
    fn observe_watermark(&mut self, partition: u32, t: i64, now: Timestamp) {
        if let Some(marks) = self.marks.as_mut() {
            let wm = marks.observe(partition, t, now);
            self.set_watermark(wm);
        }
    }

    /// Moves the clock. In processing-time mode this fires every window that has ended by
    /// `now`; in event time it times partition idleness (which may free the watermark).
    pub fn advance(&mut self, now: Timestamp) {
        match self.marks.as_mut() {
            None => self.set_watermark(now.0.saturating_sub(1)),
            Some(marks) => {
                let wm = marks.tick(now);
                self.set_watermark(wm);
            }
        }
    }

    /// What the operator holds in memory now: the panes (slices) not yet evicted, their
    /// per-key counters, the interned names, and the windows with data not yet fired. A
    /// pane is evicted, and its memory freed, when the first window starting after it
    /// fires (the running aggregate drops it then).
    pub fn state(&self) -> StateSize {
        let panes = self
            .panes
            .iter()
            .chain(self.hot.iter().map(|(i, p)| (i, p)));
        let (mut count, mut keys, mut lo, mut hi) = (0usize, 0usize, i64::MAX, i64::MIN);
        for (&i, p) in panes {
            if p.totals.count == 0 {
                continue;
            }
            count += 1;
            keys += p.keys.iter().map(|m| m.len()).sum::<usize>();
            lo = lo.min(i * self.pane);
            hi = hi.max((i + 1) * self.pane);
        }
        let names = [&self.sellers, &self.categories, &self.products];
        // Windows (start = k·slide) overlapping [lo, hi) that have not fired.
        let open = if count == 0 {
            0
        } else {
            let first = (lo - self.size).div_euclid(self.slide) + 1;
            let last = (hi - 1).div_euclid(self.slide);
            (first..=last)
                .filter(|k| k * self.slide + self.size - 1 > self.watermark)
                .count() as u64
        };
        StateSize {
            panes: count,
            pane_keys: keys,
            names: names.iter().map(|n| n.len()).sum(),
            name_bytes: names.iter().map(|n| n.bytes()).sum(),
            open_windows: open,
            windows_per_pane: (self.size / self.slide.max(1)) as usize,
            oldest_pane: (count > 0).then_some(Timestamp(lo)),
            // The first window starting after the oldest pane's start ends here.
            oldest_freed_at: (count > 0)
                .then(|| Timestamp((lo.div_euclid(self.slide) + 1) * self.slide + self.size)),
        }
    }

    /// When [`HopWindows::advance`] next has something to do, after `now` (str0m's
    /// `poll_timeout`): in processing time the next window end, since a window fires when
    /// the clock passes it; in event time the next idleness check. `None`: nothing until
    /// the next record. A driver sleeps until then instead of polling the clock, so a
    /// processing-time window fires on time however quiet the input.
    pub fn next_timeout(&self, now: Timestamp) -> Option<Timestamp> {
        match self.marks.as_ref() {
            None if self.panes.is_empty() && self.hot.is_none() => None,
            // Window ends are size + k·slide.
            None => {
                let since = (now.0 - self.size).rem_euclid(self.slide);
                Some(Timestamp(now.0 - since + self.slide))
            }
            Some(marks) => marks.next_check().map(Timestamp),
        }
    }

    /// A partition the source will read, before its first record (event time, per
    /// partition): it holds the watermark back until it delivers, idles or finishes —
    /// as a Kafka split does in Flink, so reading partitions one after another loses
    /// nothing.
    pub fn declare_partition(&mut self, partition: u32, now: Timestamp) {
        if let Some(m) = self.marks.as_mut() {
            m.declare(partition, now);
        }
    }

    /// Restarted from a checkpoint at `now` (see [`Watermarks::restart`]).
    pub fn restarted(&mut self, now: Timestamp) {
        if let Some(m) = self.marks.as_mut() {
            m.restart(now);
        }
    }

    /// A bounded read reached the end of `partition`: it stops holding the watermark.
    pub fn finish_partition(&mut self, partition: u32, now: Timestamp) {
        if let Some(m) = self.marks.as_mut() {
            let wm = m.finish(partition, now);
            self.set_watermark(wm);
        }
    }

    /// The watermark state per partition (empty in processing time).
    pub fn partition_watermarks(&self) -> Vec<PartitionWatermark> {
        self.marks
            .as_ref()
            .map_or_else(Vec::new, |m| m.partitions())
    }

    /// Panes held now (each `gcd(size, slide)` of time): the windows' state, what grows
    /// when a partition holds the watermark back while the others read on.
    pub fn panes_held(&self) -> usize {
        self.panes.len() + usize::from(self.hot.is_some())
    }

    /// The partition holding the event-time watermark back, if any.
    pub fn holding_partition(&self) -> Option<u32> {
        self.marks.as_ref().and_then(|m| m.holding())
    }

    /// End of input: fire every window that holds events.
    pub fn flush(&mut self) {
        self.flushed = true;
        self.set_watermark(i64::MAX - 1);
    }

    /// The next fired window, oldest first.
    pub fn poll(&mut self) -> Option<WindowResult> {
        self.out.pop_front()
    }

    fn pane_mut(&mut self, index: i64) -> &mut Pane {
        if self.hot.as_ref().is_some_and(|(i, _)| *i != index) {
            let (i, p) = self.hot.take().expect("checked");
            self.panes.insert(i, p);
        }
        if self.hot.is_none() {
            let p = match self.panes.remove(&index) {
                Some(p) => p,
                None => self.spare.pop().unwrap_or_default(),
            };
            self.hot = Some((index, p));
        }
        &mut self.hot.as_mut().expect("just set").1
    }

    fn set_watermark(&mut self, wm: i64) {
        if wm <= self.watermark {
            return;
        }
        self.watermark = wm;
        while let Some(mut start) = self.next_window() {
            if start.saturating_add(self.size) - 1 > self.watermark {
                break;
            }
            if self.config.emit_empty && self.acc.totals.count == 0 {
                start = self.skip_long_empty_run(start);
            }
            self.fire(start);
        }
    }

    /// A timeline's run of empty windows from `start`: when it reaches more than
    /// [`MAX_EMPTY_RUN`] windows (up to the first window with data, or the last the
    /// watermark fires), the start of its last `MAX_EMPTY_RUN`; the others are counted.
    fn skip_long_empty_run(&mut self, start: i64) -> i64 {
        let last_firing = first_unfired_start(self.watermark, self.size, self.slide) - self.slide;
        let end = match self.first_data_start() {
            Some(s) => s.min(last_firing.saturating_add(self.slide)),
            None => last_firing.saturating_add(self.slide),
        };
        let run = end.saturating_sub(start) / self.slide;
        if run <= MAX_EMPTY_RUN {
            return start;
        }
        let skip = run - MAX_EMPTY_RUN;
        self.stats.empty_skipped += skip as u64;
        let start = start + skip * self.slide;
        self.next_start = start;
        start
    }

    /// The first window start holding the next pane with data, if any.
    fn first_data_start(&self) -> Option<i64> {
        let mapped = self.panes.range(self.acc_hi..).next().map(|(i, _)| *i);
        let hot = self
            .hot
            .as_ref()
            .map(|(i, _)| *i)
            .filter(|i| *i >= self.acc_hi);
        let first_pane = match (mapped, hot) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        first_pane.map(|index| first_window_start(index * self.pane, self.size, self.slide))
    }

    /// Start of the next window to fire, or `None` when no window can hold events yet.
    fn next_window(&self) -> Option<i64> {
        if self.acc.totals.count > 0 {
            return Some(self.next_start);
        }
        // The running window is empty: skip to the first window containing the next pane
        // with data (or, for a timeline, just the next window).
        match self.first_data_start() {
            Some(s) => {
                if self.config.emit_empty && self.next_start != i64::MIN {
                    Some(self.next_start)
                } else {
                    Some(s.max(self.next_start))
                }
            }
            // Trailing empty windows only while time really moves, not for a flush.
            None if self.config.emit_empty && self.next_start != i64::MIN && !self.flushed => {
                Some(self.next_start)
            }
            None => None,
        }
    }

    fn fire(&mut self, start: i64) {
        // Firing reads panes from the map; the hot pane joins it only now, so pushes
        // between firings never touch the map.
        if let Some((i, p)) = self.hot.take() {
            self.panes.insert(i, p);
        }
        let lo = start.div_euclid(self.pane);
        let hi = (start + self.size).div_euclid(self.pane);
        if self.acc_hi <= lo {
            // Disjoint from the running window: start afresh.
            self.acc.clear();
            let stale: Vec<i64> = self.panes.range(..lo).map(|(i, _)| *i).collect();
            for i in stale {
                if let Some(p) = self.panes.remove(&i) {
                    self.recycle(p);
                }
            }
            self.acc_lo = lo;
            self.acc_hi = lo;
        }
        for (i, p) in self.panes.range(self.acc_hi..hi) {
            self.acc.add(*i, p);
        }
        self.acc_hi = hi;
        while let Some((i, p)) = self.panes.first_key_value() {
            if *i >= lo {
                break;
            }
            self.acc.remove(p);
            if let Some((_, p)) = self.panes.pop_first() {
                self.recycle(p);
            }
        }
        self.acc_lo = lo;
        while self.acc.max.front().is_some_and(|(i, _)| *i < lo) {
            self.acc.max.pop_front();
        }
        self.next_start = start + self.slide;
        // After the input ends, a timeline stops at the last window holding data.
        let trailing = self.flushed && self.panes.range(hi..).next().is_none();
        if self.acc.totals.count > 0 || (self.config.emit_empty && !trailing) {
            let r = self.finish(start);
            self.out.push_back(r);
            self.stats.windows_fired += 1;
        }
    }

    fn recycle(&mut self, mut pane: Pane) {
        const SPARE_PANES: usize = 8;
        if self.spare.len() < SPARE_PANES {
            pane.reset();
            self.spare.push(pane);
        }
    }

    /// The finish step: the window starting at `start` as a row, from the running
    /// aggregate (its totals, keyed counters and maximum). Every derived field — the
    /// average, the distinct counts, the top lists, the standard deviation — is computed
    /// here and only here.
    fn finish(&self, start: i64) -> WindowResult {
        let a = &self.acc;
        let n = a.totals.count;
        let share = |c: u64| if n == 0 { 0.0 } else { c as f64 / n as f64 };
        let top = |m: &Multiset, names: &Interner| {
            m.top(|id| names.name(id)).map(|(id, count)| TopKey {
                name: names.name(id).to_string(),
                count,
                share: share(count),
            })
        };
        let list = |m: &Multiset, names: &Interner| -> Vec<TopKey> {
            m.top_n(self.config.top_n, |id| names.name(id))
                .into_iter()
                .map(|(id, count)| TopKey {
                    name: names.name(id).to_string(),
                    count,
                    share: share(count),
                })
                .collect()
        };
        let mut per_partition = vec![0u64; self.config.partitions as usize];
        let partitions = &a.keys[Key::Partition];
        for &p in partitions.live() {
            let p = p as usize;
            if p >= per_partition.len() {
                per_partition.resize(p + 1, 0);
            }
            per_partition[p] = partitions.count(p as u32);
        }
        let stddev = if n == 0 {
            0.0
        } else {
            let n = i128::from(n);
            let s = i128::from(a.totals.sum);
            // n²·variance = n·Σv² − (Σv)², exact in integers.
            let n2_var = (n * a.totals.sum_sq - s * s).max(0) as f64;
            n2_var.sqrt() / n as f64 / 100.0
        };
        WindowResult {
            window_start: Timestamp(start),
            window_end: Timestamp(start + self.size),
            sales_in_window: n,
            revenue: Cents(a.totals.sum),
            avg_ticket: if n == 0 {
                Cents(0)
            } else {
                Cents(div_round_half_up(i128::from(a.totals.sum), i128::from(n)) as i64)
            },
            active_sellers: a.keys[Key::Seller].distinct() as u64,
            active_categories: a.keys[Key::Category].distinct() as u64,
            active_products: a.keys[Key::Product].distinct() as u64,
            biggest_sale: Cents(a.max.front().map_or(0, |(_, m)| *m)),
            top_category: top(&a.keys[Key::Category], &self.categories),
            top_seller: top(&a.keys[Key::Seller], &self.sellers),
            top_categories: list(&a.keys[Key::Category], &self.categories),
            top_sellers: list(&a.keys[Key::Seller], &self.sellers),
            sales_per_partition: per_partition,
            ticket_stddev: stddev,
        }
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_timeline_over_a_decades_long_gap_emits_a_bounded_run_and_counts_the_rest() {
        let mut c = WindowConfig::hop(
            Span::seconds(10),
            Span::seconds(2),
            TimeMode::event(Span(1)),
        );
        c.emit_empty = true;
        let mut e = HopWindows::new(c).unwrap();
        let ev = |t: i64| Event {
            time: Timestamp(t),
            value: crate::Cents(100),
            seller: "s",
            category: "c",
            product: "p",
            partition: 0,
        };
        e.push(&ev(0), Timestamp(0));
        // A broken clock: 74 years later (1.2 billion empty windows between).
        let far = 74 * 365 * 86_400_000_i64;
        e.push(&ev(far), Timestamp(0));
        let mut fired = 0u64;
        let mut with_data = 0;
        while let Some(w) = e.poll() {
            fired += 1;
            with_data += usize::from(w.sales_in_window > 0);
        }
        let s = e.stats();
        assert!(fired <= (MAX_EMPTY_RUN + 10) as u64, "{fired} windows");
        assert_eq!(with_data, 5, "the first sale's five windows");
        assert_eq!(fired, s.windows_fired);
        assert!(s.empty_skipped > 1_000_000_000, "{}", s.empty_skipped);
        // Nothing lost: every window start from the first to the last fired is emitted or
        // counted as skipped.
        e.flush();
        while e.poll().is_some() {}
    }
    use super::*;
    use crate::time::Span;

    fn sale_at(seconds: i64) -> Event<'static> {
        Event {
            time: Timestamp(seconds * 1_000),
            value: Cents(100),
            seller: "s",
            category: "c",
            product: "p",
            partition: 0,
        }
    }

    fn run(config: WindowConfig, arrivals: &[i64]) -> (Vec<Pushed>, BTreeMap<i64, u64>) {
        let mut e = HopWindows::new(config).unwrap();
        let pushed = arrivals
            .iter()
            .map(|s| e.push(&sale_at(*s), Timestamp(0)))
            .collect();
        e.flush();
        let counts = std::iter::from_fn(|| e.poll())
            .map(|w| (w.window_start.0 / 1_000, w.sales_in_window))
            .collect();
        (pushed, counts)
    }

    /// The case from the issue tracker, with Flink's counts (window TVF, watermark per
    /// element): late sales join the windows that have not fired.
    #[test]
    fn late_sales_join_their_unfired_windows_as_in_flink() {
        let config = WindowConfig::hop(
            Span::seconds(10),
            Span::seconds(2),
            TimeMode::event(Span::seconds(2)),
        );
        let (pushed, counts) = run(config, &[1, 5, 13, 20, 15, 30, 21, 3, 31]);
        assert_eq!(counts[&10], 2, "[10 s, 20 s)");
        assert_eq!(counts[&12], 3, "[12 s, 22 s)");
        assert_eq!(counts[&14], 2, "[14 s, 24 s)");
        assert_eq!(counts[&20], 2, "[20 s, 30 s)");
        // 15 s arrives at watermark 18 s: [6,16) and [8,18) fired, 3 of 5 windows left.
        assert_eq!(
            pushed[4],
            Pushed::LateJoined {
                joined: 3,
                windows: 5,
                watermark: Timestamp(18_000)
            }
        );
        // 3 s arrives at watermark 28 s: every window of it has fired.
        assert_eq!(
            pushed[7],
            Pushed::Dropped {
                windows: 5,
                watermark: Timestamp(28_000)
            }
        );
    }

    #[test]
    fn the_default_delay_never_drops_in_order_ties() {
        let mut e = HopWindows::new(WindowConfig::hop(
            Span::seconds(10),
            Span::seconds(1),
            TimeMode::event(EventTime::DEFAULT_DELAY),
        ))
        .unwrap();
        let last_ms = |t| Event {
            time: Timestamp(t),
            ..sale_at(0)
        };
        for t in [999, 999, 1_999, 1_999, 1_999, 2_000] {
            assert_eq!(e.push(&last_ms(t), Timestamp(0)), Pushed::Accepted);
        }
        // With no delay at all, a tie at a pane's last millisecond is late, as in Flink.
        let mut e = HopWindows::new(WindowConfig::hop(
            Span::seconds(10),
            Span::seconds(1),
            TimeMode::event(Span(0)),
        ))
        .unwrap();
        e.push(&last_ms(999), Timestamp(0));
        assert!(matches!(
            e.push(&last_ms(999), Timestamp(0)),
            Pushed::LateJoined { joined: 9, .. }
        ));
    }

    #[test]
    fn a_huge_partition_number_counts_in_the_window_but_sizes_no_list() {
        let mut e = HopWindows::new(WindowConfig::hop(
            Span::seconds(10),
            Span::seconds(5),
            TimeMode::Processing,
        ))
        .unwrap();
        for (s, partition) in [(1, u32::MAX), (2, 3), (3, 70_000)] {
            let ev = Event {
                partition,
                ..sale_at(s)
            };
            assert_eq!(e.push(&ev, Timestamp(s * 1000)), Pushed::Accepted);
        }
        e.flush();
        let w = e.poll().expect("a window");
        assert_eq!(w.sales_in_window, 3, "every sale counts");
        assert!(
            w.sales_per_partition.len() <= 6,
            "{}",
            w.sales_per_partition.len()
        );
        assert_eq!(w.sales_per_partition[3], 1);
    }

    #[test]
    fn partitions_read_one_after_another_lose_nothing_when_declared() {
        let mut config = WindowConfig::hop(
            Span::seconds(10),
            Span::seconds(5),
            TimeMode::Event(EventTime::per_partition(Span(0), None)),
        );
        config.partitions = 2;
        let mut e = HopWindows::new(config).unwrap();
        e.declare_partition(0, Timestamp(0));
        e.declare_partition(1, Timestamp(0));
        for s in 0..100 {
            let ev = Event {
                partition: (s % 2) as u32,
                ..sale_at(s)
            };
            // Partition 0's sales first (all of them), then partition 1's.
            if s % 2 == 0 {
                assert_eq!(e.push(&ev, Timestamp(0)), Pushed::Accepted);
            }
        }
        assert!(e.poll().is_none(), "partition 1 holds the watermark");
        for s in (1..100).step_by(2) {
            let ev = Event {
                partition: 1,
                ..sale_at(s)
            };
            assert_eq!(e.push(&ev, Timestamp(0)), Pushed::Accepted);
        }
        e.flush();
        let total: u64 = std::iter::from_fn(|| e.poll())
            .map(|w| w.sales_in_window)
            .sum();
        assert_eq!(total, 200, "every sale in its two windows");
        assert_eq!(e.stats().dropped + e.stats().late_joined, 0);
    }

    #[test]
    fn the_next_timeout_is_when_the_clock_next_fires_a_window() {
        // Processing time, 3 s windows every 1 s: ends at whole seconds.
        let mut e = HopWindows::new(WindowConfig::hop(
            Span::seconds(3),
            Span::seconds(1),
            TimeMode::Processing,
        ))
        .unwrap();
        assert_eq!(e.next_timeout(Timestamp(10_200)), None, "nothing open");
        e.push(&sale_at(10), Timestamp(10_200));
        let due = e.next_timeout(Timestamp(10_200)).expect("a window is open");
        assert_eq!(due, Timestamp(11_000));
        e.advance(Timestamp(due.0 - 1));
        assert!(e.poll().is_none(), "not before its end");
        e.advance(due);
        assert_eq!(e.poll().map(|w| w.window_end), Some(Timestamp(11_000)));
        // Ends not on a slide boundary: 2.5 s windows every 1 s end at k + 0.5 s.
        let mut e = HopWindows::new(WindowConfig::hop(
            Span(2_500),
            Span::seconds(1),
            TimeMode::Processing,
        ))
        .unwrap();
        e.push(&sale_at(10), Timestamp(10_700));
        assert_eq!(e.next_timeout(Timestamp(10_700)), Some(Timestamp(11_500)));
        // Event time: only idleness is timed.
        let mut e = HopWindows::new(WindowConfig::hop(
            Span::seconds(3),
            Span::seconds(1),
            TimeMode::Event(EventTime::per_partition(Span(0), Some(Span::seconds(5)))),
        ))
        .unwrap();
        e.declare_partition(0, Timestamp(0));
        e.push(&sale_at(1), Timestamp(1_000));
        let check = e.next_timeout(Timestamp(1_000)).expect("idleness is timed");
        assert!(check.0 > 1_000 && check.0 <= 6_000, "{check:?}");
    }

    #[test]
    fn the_state_counts_panes_keys_and_open_windows_and_frees_panes_once_fired() {
        let mut e = HopWindows::new(WindowConfig::hop(
            Span::seconds(10),
            Span::seconds(2),
            TimeMode::event(Span(0)),
        ))
        .unwrap();
        assert_eq!(e.state().panes, 0);
        for s in [1, 3, 5] {
            e.push(&sale_at(s), Timestamp(0));
        }
        let st = e.state();
        assert_eq!(st.panes, 3, "[0,2) [2,4) [4,6)");
        assert!(
            st.pane_keys >= 9,
            "a seller, a category and a product per pane: {st:?}"
        );
        // Watermark 5 s − 1 ms: the windows ending at 2 s and 4 s fired, five are open.
        assert_eq!(st.open_windows, 5);
        assert_eq!(st.windows_per_pane, 5);
        assert!(st.per_window_bytes() > st.bytes());
        assert_eq!(st.oldest_pane, Some(Timestamp(0)));
        assert_eq!(
            st.oldest_freed_at,
            Some(Timestamp(12_000)),
            "the window from 2 s"
        );
        // A sale at 13 s fires every window ending by 13 s. [0,2) is freed (the window
        // from 2 s fired); [2,4) is in no open window but is freed only when the window
        // from 4 s fires, as the state says.
        e.push(&sale_at(13), Timestamp(0));
        let after = e.state();
        assert_eq!(after.panes, 3, "[2,4) [4,6) [12,14): {after:?}");
        assert_eq!(after.oldest_pane, Some(Timestamp(2_000)));
        assert_eq!(after.oldest_freed_at, Some(Timestamp(14_000)));
        assert_eq!(
            after.open_windows, 5,
            "the windows from 4, 6, 8, 10 and 12 s"
        );
        e.push(&sale_at(15), Timestamp(0));
        let later = e.state();
        assert_eq!(
            later.oldest_pane,
            Some(Timestamp(4_000)),
            "freed when promised"
        );
        assert!(
            later.names >= 1 && later.name_bytes > 0,
            "names stay interned"
        );
    }
}
