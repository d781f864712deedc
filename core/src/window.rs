//! The hopping-window engine: Flink's `HOP(time, slide, size)` with O(1) work per event.
//!
//! # Semantics (Apache Flink's window TVF, checked against PyFlink by `tests/flink/`)
//! * Windows are `[start, start + size)`, with `start` a multiple of `slide` since the
//!   epoch. An event at `t` is in every window with `start <= t < start + size`.
//! * Only windows holding at least one event are emitted, unless `emit_empty` is set.
//! * Event time: the watermark is `max event time − lateness`; a window fires once the
//!   watermark reaches `end − 1`. [`HopWindows::flush`] fires everything (bounded input).
//! * Processing time: the caller's clock is the time of every event and the watermark is
//!   `now − 1`, so a window fires as soon as the clock reaches its end.
//! * Late events: as in Flink's slicing window operator, an event is late when the first
//!   window it belongs to has already fired (its pane's end − 1 ≤ watermark). A late event
//!   is dropped from *all* its windows — so every window holds exactly the same events as a
//!   recomputation from scratch would — and is counted and handed back to the caller.
//!
//! # Why it is O(1) per event
//! Time is cut into panes of `gcd(size, slide)`; every window is a whole number of panes.
//! An event only updates its pane. When windows fire in order, a running aggregate slides
//! over the panes: each pane is added once when the window front reaches it and subtracted
//! once when the window back leaves it. Counts and sums subtract exactly (integer cents),
//! distinct counts use counted key sets ([`keys::Multiset`]), and the maximum uses a
//! monotonic deque of pane maxima. So the cost per event does not grow with size/slide:
//! 15 min / 1 s (900 windows per event) costs the same per event as 15 min / 5 min.
//! Memory is O(panes in a window + distinct keys), never O(events × windows).

pub mod keys;
mod result;

pub use result::{TopKey, WindowResult};

use crate::money::{div_round_half_up, Cents};
use crate::sale::Sale;
use crate::time::{Span, Timestamp};
use keys::{FxMap, Interner, Multiset};
use std::collections::{BTreeMap, VecDeque};

/// Which clock assigns events to windows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeMode {
    /// The sale's own time (`sale_date`), with this much allowed out-of-orderness.
    Event { lateness: Span },
    /// The caller's clock when the event is pushed (the seed's `proctime`).
    Processing,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WindowConfig {
    pub size: Span,
    pub slide: Span,
    pub time: TimeMode,
    /// Also emit windows with no events (for a timeline); Flink does not.
    pub emit_empty: bool,
    /// Partitions to report in `sales_per_partition` (more appear if seen).
    pub partitions: u32,
    /// How many leading categories and sellers to list per window (0: only the top one).
    pub top_n: usize,
}

impl WindowConfig {
    /// The seed's query: `HOP(proctime, INTERVAL '1' SECOND, INTERVAL '15' MINUTE)`.
    pub fn seed() -> WindowConfig {
        WindowConfig {
            size: Span::minutes(15),
            slide: Span::seconds(1),
            time: TimeMode::Processing,
            emit_empty: false,
            partitions: 6,
            top_n: 0,
        }
    }

    pub fn hop(size: Span, slide: Span, time: TimeMode) -> WindowConfig {
        WindowConfig {
            size,
            slide,
            time,
            ..WindowConfig::seed()
        }
    }

    /// Checks the spans make sense; the engine refuses a config that fails this.
    pub fn validate(&self) -> Result<(), String> {
        if self.size.0 <= 0 {
            return Err(format!("window size must be positive, got {}", self.size));
        }
        if self.slide.0 <= 0 {
            return Err(format!("window slide must be positive, got {}", self.slide));
        }
        if self.slide > self.size {
            return Err(format!(
                "slide ({}) must not exceed size ({}): events between windows would be lost",
                self.slide, self.size
            ));
        }
        if let TimeMode::Event { lateness } = self.time {
            if lateness.0 < 0 {
                return Err(format!("lateness must not be negative, got {lateness}"));
            }
        }
        Ok(())
    }

    /// The pane (slice) length: `gcd(size, slide)`.
    pub fn pane(&self) -> Span {
        Span(gcd(self.size.0, self.slide.0))
    }

    /// How many windows contain any given instant. Exactly `size / slide` when the slide
    /// divides the size; otherwise it alternates between the floor and the ceiling.
    pub fn windows_per_event(&self, t: Timestamp) -> u64 {
        self.windows_containing(t).count() as u64
    }

    /// Every window `[start, end)` containing `t`, earliest first.
    pub fn windows_containing(&self, t: Timestamp) -> impl Iterator<Item = (Timestamp, Timestamp)> {
        let (size, slide) = (self.size.0, self.slide.0);
        let last = t.0.div_euclid(slide) * slide;
        let first = first_window_start(t.0, size, slide);
        (0..)
            .map(move |k| first + k * slide)
            .take_while(move |s| *s <= last)
            .map(move |s| (Timestamp(s), Timestamp(s + size)))
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// Start of the earliest window (aligned to `slide`) that contains instant `t`.
fn first_window_start(t: i64, size: i64, slide: i64) -> i64 {
    (t - size).div_euclid(slide) * slide + slide
}

/// What the engine needs of a sale. Borrowed, so pushing allocates nothing.
#[derive(Clone, Copy, Debug)]
pub struct Event<'a> {
    pub time: Timestamp,
    pub value: Cents,
    pub seller: &'a str,
    pub category: &'a str,
    pub product: &'a str,
    pub partition: u32,
}

impl<'a> Event<'a> {
    /// A sale at its own event time (`sale_date`).
    pub fn from_sale(sale: &'a Sale, partition: u32) -> Event<'a> {
        Event {
            time: sale.event_time(),
            value: sale.value(),
            seller: &sale.seller,
            category: &sale.nm_category,
            product: &sale.nm_product,
            partition,
        }
    }
}

/// Whether [`HopWindows::push`] took the event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    Accepted,
    /// Dropped: the first window containing the event had already fired.
    Late {
        watermark: Timestamp,
    },
}

/// Running totals of what the engine has seen.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    pub accepted: u64,
    pub late: u64,
    pub windows_fired: u64,
}

#[derive(Default, Clone, Debug)]
struct Pane {
    count: u64,
    sum: i64,
    sum_sq: i128,
    max: i64,
    sellers: FxMap<u32, u64>,
    categories: FxMap<u32, u64>,
    products: FxMap<u32, u64>,
    partitions: FxMap<u32, u64>,
}

impl Pane {
    /// Empties the pane but keeps its maps' capacity, so a recycled pane allocates nothing.
    fn reset(&mut self) {
        self.count = 0;
        self.sum = 0;
        self.sum_sq = 0;
        self.max = 0;
        self.sellers.clear();
        self.categories.clear();
        self.products.clear();
        self.partitions.clear();
    }
}

/// The running aggregate over the panes of the window being fired.
#[derive(Default, Clone, Debug)]
struct Acc {
    count: u64,
    sum: i64,
    sum_sq: i128,
    sellers: Multiset,
    categories: Multiset,
    products: Multiset,
    partitions: Multiset,
    /// (pane index, pane max), maxima decreasing from front to back.
    max: VecDeque<(i64, i64)>,
}

impl Acc {
    fn add(&mut self, index: i64, p: &Pane) {
        self.count += p.count;
        self.sum += p.sum;
        self.sum_sq += p.sum_sq;
        for (k, n) in &p.sellers {
            self.sellers.add(*k, *n);
        }
        for (k, n) in &p.categories {
            self.categories.add(*k, *n);
        }
        for (k, n) in &p.products {
            self.products.add(*k, *n);
        }
        for (k, n) in &p.partitions {
            self.partitions.add(*k, *n);
        }
        while self.max.back().is_some_and(|(_, m)| *m <= p.max) {
            self.max.pop_back();
        }
        self.max.push_back((index, p.max));
    }

    fn remove(&mut self, p: &Pane) {
        self.count -= p.count;
        self.sum -= p.sum;
        self.sum_sq -= p.sum_sq;
        for (k, n) in &p.sellers {
            self.sellers.remove(*k, *n);
        }
        for (k, n) in &p.categories {
            self.categories.remove(*k, *n);
        }
        for (k, n) in &p.products {
            self.products.remove(*k, *n);
        }
        for (k, n) in &p.partitions {
            self.partitions.remove(*k, *n);
        }
    }

    fn clear(&mut self) {
        self.count = 0;
        self.sum = 0;
        self.sum_sq = 0;
        self.sellers.clear();
        self.categories.clear();
        self.products.clear();
        self.partitions.clear();
        self.max.clear();
    }
}

/// The engine. Feed it with [`push`](Self::push), move time with
/// [`advance`](Self::advance) / [`flush`](Self::flush), and take fired windows with
/// [`poll`](Self::poll).
#[derive(Clone, Debug)]
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
    /// Evicted panes kept for reuse (bounded), so steady state allocates no maps.
    spare: Vec<Pane>,
    /// Input has ended ([`HopWindows::flush`]).
    flushed: bool,
}

impl HopWindows {
    pub fn new(config: WindowConfig) -> Result<HopWindows, String> {
        config.validate()?;
        let pane = config.pane().0;
        Ok(HopWindows {
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

    pub fn config(&self) -> &WindowConfig {
        &self.config
    }

    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// The current watermark (`None` before any time has been seen).
    pub fn watermark(&self) -> Option<Timestamp> {
        (self.watermark != i64::MIN).then_some(Timestamp(self.watermark))
    }

    /// Adds an event. In processing-time mode the event's time is `now`; in event-time
    /// mode it is `event.time` and `now` is ignored. Fired windows become available
    /// through [`poll`](Self::poll).
    pub fn push(&mut self, event: &Event<'_>, now: Timestamp) -> Pushed {
        let t = match self.config.time {
            TimeMode::Processing => {
                self.advance(now);
                now.0
            }
            TimeMode::Event { .. } => event.time.0,
        };
        let index = t.div_euclid(self.pane);
        let pane_end = (index + 1) * self.pane;
        if pane_end - 1 <= self.watermark {
            self.stats.late += 1;
            return Pushed::Late {
                watermark: Timestamp(self.watermark),
            };
        }
        let seller = self.sellers.id(event.seller);
        let category = self.categories.id(event.category);
        let product = self.products.id(event.product);
        let pane = self.pane_mut(index);
        let v = event.value.0;
        pane.count += 1;
        pane.sum += v;
        pane.sum_sq += i128::from(v) * i128::from(v);
        pane.max = if pane.count == 1 { v } else { pane.max.max(v) };
        *pane.sellers.entry(seller).or_insert(0) += 1;
        *pane.categories.entry(category).or_insert(0) += 1;
        *pane.products.entry(product).or_insert(0) += 1;
        *pane.partitions.entry(event.partition).or_insert(0) += 1;
        self.stats.accepted += 1;
        if let TimeMode::Event { lateness } = self.config.time {
            self.set_watermark(t.saturating_sub(lateness.0));
        }
        Pushed::Accepted
    }

    /// Moves the clock. In processing-time mode this fires every window that has ended by
    /// `now`; in event-time mode time only moves with events, so this does nothing.
    pub fn advance(&mut self, now: Timestamp) {
        if self.config.time == TimeMode::Processing {
            self.set_watermark(now.0.saturating_sub(1));
        }
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
        while let Some(start) = self.next_window() {
            if start.saturating_add(self.size) - 1 > self.watermark {
                break;
            }
            self.fire(start);
        }
    }

    /// Start of the next window to fire, or `None` when no window can hold events yet.
    fn next_window(&self) -> Option<i64> {
        if self.acc.count > 0 {
            return Some(self.next_start);
        }
        // The running window is empty: skip to the first window containing the next pane
        // with data (or, for a timeline, just the next window).
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
        match first_pane {
            Some(index) => {
                let s = first_window_start(index * self.pane, self.size, self.slide);
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
        if self.acc.count > 0 || (self.config.emit_empty && !trailing) {
            let r = self.result(start);
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

    fn result(&self, start: i64) -> WindowResult {
        let a = &self.acc;
        let n = a.count;
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
        for &p in a.partitions.live() {
            let p = p as usize;
            if p >= per_partition.len() {
                per_partition.resize(p + 1, 0);
            }
            per_partition[p] = a.partitions.count(p as u32);
        }
        let stddev = if n == 0 {
            0.0
        } else {
            let n = i128::from(n);
            let s = i128::from(a.sum);
            // n²·variance = n·Σv² − (Σv)², exact in integers.
            let n2_var = (n * a.sum_sq - s * s).max(0) as f64;
            n2_var.sqrt() / n as f64 / 100.0
        };
        WindowResult {
            window_start: Timestamp(start),
            window_end: Timestamp(start + self.size),
            sales_in_window: n,
            revenue: Cents(a.sum),
            avg_ticket: if n == 0 {
                Cents(0)
            } else {
                Cents(div_round_half_up(i128::from(a.sum), i128::from(n)) as i64)
            },
            active_sellers: a.sellers.distinct() as u64,
            active_categories: a.categories.distinct() as u64,
            active_products: a.products.distinct() as u64,
            biggest_sale: Cents(a.max.front().map_or(0, |(_, m)| *m)),
            top_category: top(&a.categories, &self.categories),
            top_seller: top(&a.sellers, &self.sellers),
            top_categories: list(&a.categories, &self.categories),
            top_sellers: list(&a.sellers, &self.sellers),
            sales_per_partition: per_partition,
            ticket_stddev: stddev,
        }
    }
}
