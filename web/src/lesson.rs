//! The teaching view's model: a slow stream of sales through a small hopping window
//! (e.g. 10 s / 2 s) run by core's real engine, with every event kept so the view can show
//! which windows hold it, where the watermark is, and which events came too late.

use hopscope_core::generate::{GeneratorConfig, SaleGenerator};
use hopscope_core::partition::partition_for_key;
use hopscope_core::rng::Rng;
use hopscope_core::window::kinds::{self, KindEvent, KindRun, WindowKind};
use hopscope_core::window::{
    ConfigError, Event, EventTime, HopWindows, PartitionWatermark, Pushed, StateSize, TimeMode,
    WindowConfig,
};
use hopscope_core::{Catalog, Cents, Span, Timestamp, WindowResult};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Generated, arriving in order.
    Normal,
    /// Injected with an event time behind the newest one, within the allowed lateness.
    OutOfOrder,
    /// Injected just behind the watermark: some of its windows have fired, some not.
    Late,
    /// Injected so far behind the watermark that every window of it has fired.
    TooLate,
    /// Injected from a broken clock, a year ahead: it moves the watermark with it.
    FarFuture,
    /// Injected exactly at a window's end (the bounds lesson): it is in the windows that
    /// start there, not in the one that ends there.
    AtEdge,
}

/// A window that fired: its result row, and when (the lesson clock and the watermark
/// that fired it) — what the inspector says of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Fired {
    pub row: WindowResult,
    /// The lesson clock when it fired.
    pub at: Timestamp,
    /// The watermark that fired it: `None` in processing time (the clock did), and
    /// `i64::MAX - 1` for the end of input.
    pub watermark: Option<Timestamp>,
}

impl Fired {
    /// Fired by the end of input (the bounded source's last, infinite watermark).
    pub fn by_end_of_input(&self) -> bool {
        self.watermark.is_some_and(|w| w.0 >= END_OF_INPUT.0)
    }
}

/// One line of the lesson's event log: what moved the watermark (or held it) and what fired.
#[derive(Clone, Debug, PartialEq)]
pub struct LogEntry {
    /// The lesson clock when it happened.
    pub at: Timestamp,
    pub text: String,
}

/// Lines the event log keeps.
pub const MAX_LOG: usize = 40;

/// What the log compares before and after a step: the watermark, which partitions are
/// idle, how many windows have fired.
struct Before {
    watermark: Option<Timestamp>,
    idle: Vec<bool>,
    fired: usize,
}

/// The watermark a bounded source sends when its input ends (Flink: `Long.MAX_VALUE`).
pub const END_OF_INPUT: Timestamp = Timestamp(i64::MAX - 1);

/// Why a sale near a window is not in it — each the inspector names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outside {
    /// Its time is before the window's start.
    BeforeStart,
    /// Its time is at or after the window's end (half-open bounds).
    AtOrAfterEnd,
    /// Inside the bounds, but it arrived after the window had fired (Flink's late rule).
    ArrivedAfterFired,
    /// Inside the bounds, but every window of it had fired: dropped.
    Dropped,
}

impl Outside {
    pub fn key(self) -> &'static str {
        match self {
            Outside::BeforeStart => "before-start",
            Outside::AtOrAfterEnd => "at-or-after-end",
            Outside::ArrivedAfterFired => "arrived-after-fired",
            Outside::Dropped => "dropped",
        }
    }
}

/// Why an open window has not fired yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    /// Processing time: the clock fires it when it reaches the window's end.
    Clock { end: Timestamp },
    /// No watermark yet: no sale has arrived (or a partition has delivered none).
    Input,
    /// The watermark is behind the window's end − 1 ms: a sale at `needs` or later
    /// (the end − 1 ms plus the watermark delay) moves it there.
    Watermark { now: Timestamp, needs: Timestamp },
    /// Partition `partition` holds the operator's watermark (the minimum) at `at`.
    Partition {
        partition: u32,
        at: Option<Timestamp>,
        held: bool,
    },
}

/// The windows before and after a change of time mode, for the before/after note.
#[derive(Clone, Debug, PartialEq)]
pub struct Switch {
    pub from_event_time: bool,
    /// The windows' size (for their bounds).
    pub size: Span,
    /// Windows with a result row, before and after.
    pub rows_before: usize,
    pub rows_after: usize,
    /// Late and dropped sales, before and after.
    pub late_before: usize,
    pub dropped_before: usize,
    /// Windows present in both whose count changed: (start, before, after), first few.
    pub changed: Vec<(i64, u64, u64)>,
    pub changed_total: usize,
}

/// How far ahead the quarantine lets a sale be (hopscope's `--max-ahead`).
pub const QUARANTINE_AHEAD: Span = Span::minutes(60);
/// How far ahead of the newest sale the broken clock dates its sale.
pub const BROKEN_CLOCK_AHEAD: Span = Span(365 * 86_400_000);

/// What the event-time guard saw in a lesson.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GuardView {
    /// Put aside sales (with quarantine on) and the last one's time.
    pub quarantined: u64,
    pub last_quarantined: Option<Timestamp>,
    /// The last jump of the watermark: (newest sale before, the sale's time).
    pub jump: Option<(Timestamp, Timestamp)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LessonEvent {
    pub id: u32,
    /// The sale's own time.
    pub event_time: Timestamp,
    /// When it reached the engine.
    pub arrival: Timestamp,
    pub value: Cents,
    pub seller: String,
    pub origin: Origin,
    /// The Kafka partition it was read from (its seller's, by the murmur2 partitioner).
    pub partition: u32,
    /// What the engine did with it.
    pub fate: Pushed,
    /// What the engine did with it before the time mode was switched, when that differs
    /// (a sale late in event time is on time in processing time): kept so its history is
    /// explained rather than silently repainted.
    pub before: Option<Pushed>,
}

impl LessonEvent {
    /// The sale as the engine takes it (what [`Lesson`] pushed when it arrived).
    pub fn as_event(&self) -> Event<'_> {
        Event {
            time: self.event_time,
            value: self.value,
            seller: &self.seller,
            category: "lesson",
            product: &self.seller,
            partition: self.partition,
        }
    }

    /// Behind the watermark and in none of its windows.
    pub fn dropped(&self) -> bool {
        matches!(self.fate, Pushed::Dropped { .. })
    }

    /// Behind the watermark: some of its windows had fired without it.
    pub fn late(&self) -> bool {
        !matches!(self.fate, Pushed::Accepted)
    }

    /// Whether the event counts in the window `[start, start + size)` that contains it:
    /// a late event joins only the windows not fired when it arrived (Flink's rule).
    pub fn counts_in(&self, start: i64, size: i64) -> bool {
        match self.fate {
            Pushed::Accepted => true,
            Pushed::LateJoined { watermark, .. } => start + size - 1 > watermark.0,
            Pushed::Dropped { .. } => false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Selected {
    Nothing,
    Event(u32),
    Window(i64),
}

/// The lesson's sales in event time × processing time ([`Lesson::time_plot`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TimePlot {
    /// (event time, arrival, what the engine did with it), in arrival order.
    pub sales: Vec<(Timestamp, Timestamp, Pushed)>,
    /// (arrival, the watermark after it).
    pub watermark: Vec<(Timestamp, Timestamp)>,
    /// (window end, when it fired).
    pub fired: Vec<(Timestamp, Timestamp)>,
}

impl TimePlot {
    /// Sales that joined only some of their windows, and sales in none.
    pub fn late(&self) -> (usize, usize) {
        let joined = self
            .sales
            .iter()
            .filter(|s| matches!(s.2, Pushed::LateJoined { .. }))
            .count();
        let dropped = self
            .sales
            .iter()
            .filter(|s| matches!(s.2, Pushed::Dropped { .. }))
            .count();
        (joined, dropped)
    }

    /// How long after its end each window fired: mean and longest (ms).
    pub fn latency(&self) -> Option<(i64, i64)> {
        let waits: Vec<i64> = self.fired.iter().map(|(end, at)| at.0 - end.0).collect();
        let max = *waits.iter().max()?;
        Some((waits.iter().sum::<i64>() / waits.len() as i64, max))
    }
}

pub struct Lesson {
    pub config: WindowConfig,
    engine: HopWindows,
    gen: SaleGenerator,
    /// Fired windows by start.
    pub fired: BTreeMap<i64, Fired>,
    /// The input ended ("End of input"): everything fired, nothing more arrives.
    ended: bool,
    /// The last change of time mode, before and after (until the next change of shape).
    pub switch: Option<Switch>,
    /// What happened to the watermark and why, newest last (at most [`MAX_LOG`]).
    pub log: std::collections::VecDeque<LogEntry>,
    pub events: Vec<LessonEvent>,
    /// The arrival clock.
    pub clock: Timestamp,
    pub selected: Selected,
    next_id: u32,
    live: bool,
    /// 1: one stream, one watermark. More: a Kafka source, one watermark per partition.
    pub partitions: u32,
    /// Partitions whose records are held back (a slow or stalled partition).
    paused: BTreeSet<u32>,
    /// Sales of paused partitions, waiting: (event time, value, seller).
    held: Vec<(Timestamp, Cents, String)>,
    /// Generated sales on their way: (arrival, event time, value, seller), by arrival.
    in_flight: Vec<(Timestamp, Timestamp, Cents, String)>,
    /// Draws each sale's transit time.
    transit: Rng,
    /// Events let go past [`KEPT_EVENTS`]: (all, late, dropped).
    forgotten: (usize, usize, usize),
    /// Puts aside sales more than [`QUARANTINE_AHEAD`] ahead (when on), notices jumps.
    guard: hopscope_core::window::guard::TimeGuard,
    pub quarantine: bool,
    pub guarded: GuardView,
    /// The sales come from a teacher's script ([`Lesson::with_script`]), not the generator.
    scripted: bool,
}

/// A sale a teacher wrote into a link: its own time, when it arrives, its price, its seller.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScriptedSale {
    pub time: Timestamp,
    pub arrival: Timestamp,
    pub value: Cents,
    pub seller: String,
}

/// Sales a link may script: a lesson's worth, and a link a browser still opens.
pub const MAX_SCRIPTED: usize = 500;

/// Reads a link's `sales=`: `TIME[@ARRIVAL]:PRICE:SELLER` separated by commas, times in
/// seconds (`3.5`, `-2`), the arrival defaulting to the time, the price in dollars, the
/// seller letters, digits, `.`, `_` or `-`. In arrival order as written (equal arrivals
/// keep it).
pub fn parse_script(text: &str) -> Result<Vec<ScriptedSale>, String> {
    let ms = |s: &str, what: &str| -> Result<Timestamp, String> {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite() && x.abs() < 1e9)
            .map(|x| Timestamp((x * 1000.0).round() as i64))
            .ok_or_else(|| format!("{what} {s:?} is not a number of seconds"))
    };
    let mut out = Vec::new();
    for (i, item) in text.split(',').filter(|s| !s.trim().is_empty()).enumerate() {
        if i >= MAX_SCRIPTED {
            return Err(format!("a link scripts at most {MAX_SCRIPTED} sales"));
        }
        let fail = |why: String| format!("sale {} ({item:?}): {why}", i + 1);
        let parts: Vec<&str> = item.split(':').collect();
        let [when, price, seller] = parts[..] else {
            return Err(fail("write TIME[@ARRIVAL]:PRICE:SELLER".into()));
        };
        let (time, arrival) = match when.split_once('@') {
            Some((t, a)) => (
                ms(t, "the time").map_err(fail)?,
                ms(a, "the arrival").map_err(fail)?,
            ),
            None => {
                let t = ms(when, "the time").map_err(fail)?;
                (t, t)
            }
        };
        let value = price
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(Cents::from_dollars)
            .filter(|c| c.0 > 0 && *c <= hopscope_core::money::MAX_PRICE)
            .ok_or_else(|| fail(format!("the price {price:?} is not a positive amount")))?;
        let seller = seller.trim();
        if seller.is_empty()
            || seller.len() > 40
            || !seller
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(fail(format!(
                "the seller {seller:?} is not 1 to 40 letters, digits, '.', '_' or '-'"
            )));
        }
        out.push(ScriptedSale {
            time,
            arrival,
            value,
            seller: seller.to_string(),
        });
    }
    if out.is_empty() {
        return Err("no sales in it".into());
    }
    Ok(out)
}

/// A script as a link writes it (what [`parse_script`] reads back).
pub fn script_text(sales: &[ScriptedSale]) -> String {
    let secs = |t: Timestamp| {
        let s = format!("{:.3}", t.0 as f64 / 1000.0);
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    sales
        .iter()
        .map(|s| {
            let when = if s.arrival == s.time {
                secs(s.time)
            } else {
                format!("{}@{}", secs(s.time), secs(s.arrival))
            };
            format!("{when}:{}:{}", s.value.display_plain(), s.seller)
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// With partitions, one that delivers nothing for this long (lesson clock) goes idle.
pub const LESSON_IDLE_TIMEOUT: Span = Span::seconds(15);

/// A lesson keeps this many of the newest events (live, or after hours of Play): older
/// ones are long off the picture; they stay in the counts ([`Lesson::event_count`]).
pub const KEPT_EVENTS: usize = 5_000;

/// A slow shop, so a learner can follow every event.
const LESSON_RATE: f64 = 0.6;

/// Sales reach the engine a moment after they happen (network, batching, a producer's
/// linger): a mean of this many milliseconds, so arrival order differs from event order
/// and processing time differs from event time, as on a real topic.
const TRANSIT_MEAN_MS: f64 = 600.0;
/// ... and never more than this, below the lesson's default 2 s watermark delay, so at
/// the defaults only injected sales are late.
const TRANSIT_MAX_MS: f64 = 1_500.0;

impl Lesson {
    pub fn new(size: Span, slide: Span, time: TimeMode, seed: u64) -> Result<Lesson, ConfigError> {
        let mut config = WindowConfig::hop(size, slide, time);
        config.emit_empty = true;
        let engine = HopWindows::new(config.clone())?;
        let gen_config = GeneratorConfig {
            seed,
            rate: LESSON_RATE,
            start: Timestamp(0),
            partitions: 6,
        };
        Ok(Lesson {
            config,
            engine,
            gen: SaleGenerator::new(Catalog::embedded(), &gen_config),
            fired: BTreeMap::new(),
            ended: false,
            switch: None,
            log: std::collections::VecDeque::new(),
            events: Vec::new(),
            clock: Timestamp(0),
            selected: Selected::Nothing,
            next_id: 1,
            live: false,
            partitions: 1,
            paused: BTreeSet::new(),
            held: Vec::new(),
            in_flight: Vec::new(),
            transit: Rng::seeded(seed ^ 0x7472_616e_7369_7400),
            forgotten: (0, 0, 0),
            guard: hopscope_core::window::guard::TimeGuard::default(),
            quarantine: false,
            guarded: GuardView::default(),
            scripted: false,
        })
    }

    /// The lesson plays exactly these sales, in this order, instead of generated ones — a
    /// teacher's prepared sequence. An arrival before the previous one's is moved up to it
    /// (arrivals are a clock).
    pub fn with_script(mut self, sales: &[ScriptedSale]) -> Lesson {
        self.scripted = true;
        let mut last = i64::MIN;
        self.in_flight = sales
            .iter()
            .map(|s| {
                last = last.max(s.arrival.0);
                (Timestamp(last), s.time, s.value, s.seller.clone())
            })
            .collect();
        self
    }

    pub fn is_scripted(&self) -> bool {
        self.scripted
    }

    /// The lesson's sales so far and those still on their way, as a script: a link that
    /// plays exactly them again.
    pub fn script(&self) -> Vec<ScriptedSale> {
        let mut sales: Vec<ScriptedSale> = self
            .events
            .iter()
            .map(|e| ScriptedSale {
                time: e.event_time,
                arrival: e.arrival,
                value: e.value,
                seller: e.seller.clone(),
            })
            .collect();
        sales.sort_by_key(|s| s.arrival);
        // Held back by a paused partition: they arrive once it is released.
        sales.extend(self.held.iter().map(|(t, v, s)| ScriptedSale {
            time: *t,
            arrival: self.clock,
            value: *v,
            seller: s.clone(),
        }));
        sales.extend(self.in_flight.iter().map(|(a, t, v, s)| ScriptedSale {
            time: *t,
            arrival: *a,
            value: *v,
            seller: s.clone(),
        }));
        sales.truncate(MAX_SCRIPTED);
        sales
    }

    /// Reads the lesson's sales from `n` Kafka partitions: in event time each partition
    /// gets its own watermark and the engine's is their minimum (idle partitions left out
    /// after [`LESSON_IDLE_TIMEOUT`]), as Flink's Kafka source and window operator do.
    pub fn with_partitions(mut self, n: u32) -> Result<Lesson, ConfigError> {
        let n = n.clamp(1, 6);
        self.partitions = n;
        if let TimeMode::Event(e) = self.config.time {
            if n > 1 {
                self.config.time =
                    TimeMode::Event(EventTime::per_partition(e.delay, Some(LESSON_IDLE_TIMEOUT)));
                self.engine = HopWindows::new(self.config.clone())?;
                for p in 0..n {
                    self.engine.declare_partition(p, self.clock);
                }
            }
        }
        Ok(self)
    }

    /// Carries a student's sales over from `old` into this lesson of another shape (size,
    /// slide, time, partitions): the same sales arrive at the same moments and land in
    /// this lesson's windows, held partitions stay held, the selection stays where it
    /// still means something, and "Next event" goes on where it was. Changing a setting
    /// must not wipe the work it is meant to show something about. (A live lesson starts
    /// over: its sales come from the bridge, on the wall clock.)
    pub fn take_over(&mut self, old: &Lesson) {
        if old.quarantine {
            self.set_quarantine(true);
        }
        if old.live {
            return;
        }
        for e in &old.events {
            self.clock = e.arrival;
            self.engine.advance(e.arrival);
            self.push(e.event_time, e.value, e.seller.clone(), e.origin);
        }
        self.held = old.held.clone();
        self.paused = old
            .paused
            .iter()
            .copied()
            .filter(|p| *p < self.partitions)
            .collect();
        // Sales the old lesson generated are delivered or in flight: skip them, carry
        // those in flight.
        let generated = old.gen.emitted();
        while self.gen.emitted() < generated {
            if self.gen.poll(Timestamp(i64::MAX / 2)).is_none() {
                break;
            }
            self.transit.exponential(TRANSIT_MEAN_MS);
        }
        self.in_flight = old.in_flight.clone();
        self.scripted = old.scripted;
        self.forgotten = old.forgotten;
        self.guarded.quarantined += old.guarded.quarantined;
        self.guarded.last_quarantined = self
            .guarded
            .last_quarantined
            .or(old.guarded.last_quarantined);
        self.clock = old.clock;
        self.engine.advance(old.clock);
        self.collect();
        self.remember_switch(old);
        self.log = old.log.clone();
        if old.partitions != self.partitions && self.is_event_time() {
            let wm = |w: Option<Timestamp>| {
                w.map(|w| crate::format::secs(w.0))
                    .unwrap_or_else(|| "none".into())
            };
            self.log.push_back(LogEntry {
                at: self.clock,
                text: format!(
                    "read from {}: the sales replayed from the start, as a new job would — the operator's watermark is now the minimum over the partitions: {} with {} → {} (a new job starts its watermark over; within a job it never moves back)",
                    if self.partitions > 1 { format!("{} partitions", self.partitions) } else { "one stream".into() },
                    wm(old.watermark()),
                    if old.partitions > 1 { format!("{} partitions", old.partitions) } else { "one stream".into() },
                    wm(self.watermark()),
                ),
            });
        }
        if old.ended {
            self.end_input();
        }
        self.selected = match old.selected {
            Selected::Window(s) if s.rem_euclid(self.config.slide.0) == 0 => Selected::Window(s),
            Selected::Window(_) => Selected::Nothing,
            other => other,
        };
    }

    /// After a change of time mode, each sale keeps what happened to it before when that
    /// differs, and the lesson keeps the windows' counts before and after; other changes
    /// of shape carry the earlier history on.
    fn remember_switch(&mut self, old: &Lesson) {
        let time_changed = old.is_event_time() != self.is_event_time();
        let olds: BTreeMap<u32, &LessonEvent> = old.events.iter().map(|e| (e.id, e)).collect();
        for e in &mut self.events {
            let Some(o) = olds.get(&e.id) else { continue };
            e.before = if time_changed {
                (o.fate != e.fate).then_some(o.fate)
            } else {
                o.before
            };
        }
        if !time_changed {
            self.switch = old.switch.clone();
            return;
        }
        let rows = |l: &Lesson| -> BTreeMap<i64, u64> {
            l.fired
                .iter()
                .filter(|(_, f)| f.row.sales_in_window > 0)
                .map(|(s, f)| (*s, f.row.sales_in_window))
                .collect()
        };
        let (before, after) = (rows(old), rows(self));
        let changed: Vec<(i64, u64, u64)> = before
            .iter()
            .filter_map(|(s, b)| after.get(s).filter(|a| *a != b).map(|a| (*s, *b, *a)))
            .collect();
        self.switch = Some(Switch {
            from_event_time: old.is_event_time(),
            size: self.config.size,
            rows_before: before.len(),
            rows_after: after.len(),
            late_before: old.late_count(),
            dropped_before: old.dropped_count(),
            changed_total: changed.len(),
            changed: changed.into_iter().take(3).collect(),
        });
    }

    /// Every partition's watermark (empty for one stream or processing time).
    pub fn partition_watermarks(&self) -> Vec<PartitionWatermark> {
        if self.partitions > 1 {
            self.engine.partition_watermarks()
        } else {
            Vec::new()
        }
    }

    pub fn is_paused(&self, partition: u32) -> bool {
        self.paused.contains(&partition)
    }

    /// Holds back (or releases) a partition's records. Released sales arrive now, behind
    /// the others: what a slow partition looks like to the window operator.
    pub fn toggle_pause(&mut self, partition: u32) {
        let before = self.before();
        let held = self.toggle_pause_unlogged(partition);
        let what = match held {
            None => format!("p{partition} held back"),
            Some(n) => format!(
                "p{partition} released: {} arrive{}",
                crate::format::count(n as u64, "held sale", "held sales"),
                if n == 1 { "s" } else { "" }
            ),
        };
        self.log_changes(before, Some(what));
    }

    /// Holds (`None`) or releases (`Some(sales released)`) a partition.
    fn toggle_pause_unlogged(&mut self, partition: u32) -> Option<usize> {
        if !self.paused.remove(&partition) {
            self.paused.insert(partition);
            return None;
        }
        let held = std::mem::take(&mut self.held);
        let (release, keep): (Vec<_>, Vec<_>) = held
            .into_iter()
            .partition(|(_, _, seller)| self.partition_of(seller) == partition);
        self.held = keep;
        let n = release.len();
        for (t, value, seller) in release {
            self.deliver(t, value, seller, Origin::Normal);
        }
        Some(n)
    }

    /// Sales waiting in paused partitions.
    pub fn held_count(&self) -> usize {
        self.held.len()
    }

    fn partition_of(&self, seller: &str) -> u32 {
        partition_for_key(seller.as_bytes(), self.partitions.max(1))
    }

    pub fn is_event_time(&self) -> bool {
        matches!(self.config.time, TimeMode::Event(_))
    }

    /// Where an event sits on the timeline: its own time in event time, its arrival in
    /// processing time (which is exactly the difference between the two).
    pub fn position(&self, e: &LessonEvent) -> Timestamp {
        if self.is_event_time() {
            e.event_time
        } else {
            e.arrival
        }
    }

    /// An engine for `config` with the lesson's partitions declared, for replaying the
    /// kept sales into (`None` for a query the engine refuses).
    fn fresh_engine(&self, config: WindowConfig) -> Option<HopWindows> {
        let mut engine = HopWindows::new(config).ok()?;
        if self.partitions > 1 {
            for p in 0..self.partitions {
                engine.declare_partition(p, Timestamp(0));
            }
        }
        Some(engine)
    }

    /// What the engine holds in memory now (its real counters).
    pub fn state(&self) -> StateSize {
        self.engine.state()
    }

    /// What an engine with another slide would hold for the same sales: the kept sales
    /// replayed, in arrival order, into a fresh engine. `None` for a slide the engine
    /// refuses.
    pub fn state_for_slide(&self, slide: Span) -> Option<StateSize> {
        let mut config = self.config.clone();
        config.slide = slide;
        let mut engine = self.fresh_engine(config)?;
        for e in &self.events {
            engine.push(&e.as_event(), e.arrival);
        }
        engine.advance(self.clock);
        while engine.poll().is_some() {}
        Some(engine.state())
    }

    /// The lesson's sales replayed in event time with watermark delay `delay` (same
    /// arrivals, same partitions): each sale at (event time, arrival) with what happened to
    /// it, the watermark after each arrival, and each window's end with when it fired —
    /// the Streaming 102 picture, and the trade between completeness (fewer late sales)
    /// and latency (windows fire later). `None` in processing time or for a refused delay.
    pub fn time_plot(&self, delay: Span) -> Option<TimePlot> {
        let TimeMode::Event(mut e) = self.config.time else {
            return None;
        };
        e.delay = delay;
        let mut config = self.config.clone();
        config.time = TimeMode::Event(e);
        let mut engine = self.fresh_engine(config)?;
        let mut plot = TimePlot::default();
        let mut events: Vec<&LessonEvent> = self.events.iter().collect();
        events.sort_by_key(|e| (e.arrival, e.id));
        for e in events {
            engine.advance(e.arrival);
            let fate = engine.push(&e.as_event(), e.arrival);
            plot.sales.push((e.event_time, e.arrival, fate));
            if let Some(wm) = engine.watermark() {
                plot.watermark.push((e.arrival, wm));
            }
            while let Some(w) = engine.poll() {
                plot.fired.push((w.window_end, e.arrival));
            }
        }
        engine.advance(self.clock);
        while let Some(w) = engine.poll() {
            plot.fired.push((w.window_end, self.clock));
        }
        Some(plot)
    }

    /// The lesson's sales under other window kinds ([`hopscope_core::window::kinds`]): in
    /// the order they reached the engine (the sales file's order, so Flink reading that
    /// file finds the same ones late), one watermark trailing the newest by the lesson's
    /// delay, ended when the lesson's input has. `None` in processing time.
    pub fn kinds(&self, kinds: &[WindowKind]) -> Option<Vec<KindRun>> {
        let TimeMode::Event(e) = self.config.time else {
            return None;
        };
        let events: Vec<KindEvent<'_>> = self
            .events
            .iter()
            .map(|e| KindEvent {
                time: e.event_time,
                value: e.value,
                seller: &e.seller,
            })
            .collect();
        Some(
            kinds
                .iter()
                .map(|k| kinds::run(k, e.delay, &events, self.ended))
                .collect(),
        )
    }

    pub fn watermark(&self) -> Option<Timestamp> {
        self.engine.watermark()
    }

    /// Moves the clock to the next sale's arrival and delivers it.
    pub fn next_event(&mut self) {
        let before = self.before();
        self.next_event_unlogged();
        self.log_changes(before, None);
    }

    fn next_event_unlogged(&mut self) {
        if self.ended {
            return;
        }
        if self.scripted {
            if let Some((arrival, ..)) = self.in_flight.first() {
                let at = (*arrival).max(self.clock);
                self.advance_to(at);
            }
            return;
        }
        // A sale generated later may still arrive first: generate until the earliest
        // arrival in flight comes before the next sale even happens.
        loop {
            let next_sale = self.gen.next_arrival();
            match self.in_flight.first() {
                Some((arrival, ..)) if *arrival <= next_sale => {
                    let at = (*arrival).max(self.clock);
                    self.advance_to(at);
                    return;
                }
                _ => self.generate_until(next_sale),
            }
        }
    }

    /// Moves the clock by `span`, delivering the sales that arrive meanwhile.
    pub fn advance(&mut self, span: Span) {
        let before = self.before();
        self.advance_to(self.clock.plus(span));
        self.log_changes(before, None);
    }

    fn before(&self) -> Before {
        Before {
            watermark: self.watermark(),
            idle: self.partition_watermarks().iter().map(|p| p.idle).collect(),
            fired: self.rows(),
        }
    }

    /// Windows that fired with sales (the query's rows) the lesson keeps.
    fn rows(&self) -> usize {
        self.fired
            .values()
            .filter(|f| f.row.sales_in_window > 0)
            .count()
    }

    /// Logs what a step did to the watermark: a partition going idle or active again (and
    /// what that fired), or `what` the student did, with its effect.
    fn log_changes(&mut self, before: Before, what: Option<String>) {
        let marks = self.partition_watermarks();
        let mut causes: Vec<String> = what.into_iter().collect();
        for (p, was_idle) in marks.iter().zip(&before.idle) {
            if p.idle && !was_idle {
                causes.push(format!(
                    "p{} idle (silent {}+, left out of the minimum)",
                    p.partition, LESSON_IDLE_TIMEOUT
                ));
            } else if !p.idle && *was_idle {
                causes.push(format!(
                    "p{} active again (counts in the minimum)",
                    p.partition
                ));
            }
        }
        if causes.is_empty() {
            return;
        }
        let wm = |w: Option<Timestamp>| match w {
            Some(w) if w.0 >= END_OF_INPUT.0 => "+∞".to_string(),
            Some(w) => crate::format::secs(w.0),
            None => "none".into(),
        };
        let now = self.watermark();
        let fired = self.rows().saturating_sub(before.fired);
        let effect = if now != before.watermark && self.is_event_time() {
            format!(
                " → watermark {} → {}, {} fired",
                wm(before.watermark),
                wm(now),
                crate::format::count(fired as u64, "window", "windows")
            )
        } else {
            String::new()
        };
        self.log.push_back(LogEntry {
            at: self.clock,
            text: format!("{}{effect}", causes.join("; ")),
        });
        while self.log.len() > MAX_LOG {
            self.log.pop_front();
        }
    }

    /// Puts every sale that happens by `to` in flight.
    fn generate_until(&mut self, to: Timestamp) {
        if self.scripted {
            return;
        }
        while let Some(g) = self.gen.poll(to) {
            let at = g.sale.event_time();
            let transit = self
                .transit
                .exponential(TRANSIT_MEAN_MS)
                .min(TRANSIT_MAX_MS) as i64;
            let arrival = at.plus(Span(transit));
            let i = self.in_flight.partition_point(|(a, ..)| *a <= arrival);
            self.in_flight
                .insert(i, (arrival, at, g.sale.value(), g.sale.seller.clone()));
        }
    }

    fn advance_to(&mut self, to: Timestamp) {
        if self.ended {
            return;
        }
        self.generate_until(to);
        let arrived = self.in_flight.partition_point(|(a, ..)| *a <= to);
        let arrived: Vec<_> = self.in_flight.drain(..arrived).collect();
        for (arrival, at, value, seller) in arrived {
            self.clock = self.clock.max(arrival);
            self.deliver(at, value, seller, Origin::Normal);
        }
        self.clock = to;
        self.engine.advance(to);
        self.collect();
    }

    /// Switches the lesson to live records: the clock becomes the caller's wall clock and
    /// the generator stops; sales come from [`Lesson::live_sale`].
    pub fn go_live(&mut self, now: Timestamp) {
        self.live = true;
        self.clock = now;
    }

    pub fn is_live(&self) -> bool {
        self.live
    }

    /// A real sale from the bridge, arriving at `now`.
    pub fn live_sale(&mut self, sale: &hopscope_core::Sale, now: Timestamp) {
        self.clock = self.clock.max(now);
        self.deliver(
            sale.event_time(),
            sale.value(),
            sale.seller.clone(),
            Origin::Normal,
        );
    }

    /// Keeps memory bounded on a busy topic or after hours of Play: the oldest events past
    /// [`KEPT_EVENTS`] are forgotten (counted), and windows fired long ago let go.
    fn trim(&mut self) {
        if self.events.len() > KEPT_EVENTS {
            let drop = self.events.len() - KEPT_EVENTS;
            for e in self.events.drain(..drop) {
                self.forgotten.0 += 1;
                self.forgotten.1 += usize::from(e.late());
                self.forgotten.2 += usize::from(e.dropped());
                if self.selected == Selected::Event(e.id) {
                    self.selected = Selected::Nothing;
                }
            }
            let oldest = self.clock.0 - 10 * self.config.size.0;
            self.fired.retain(|start, _| *start >= oldest);
        }
    }

    /// Every event the lesson has seen, forgotten ones included.
    pub fn event_count(&self) -> usize {
        self.events.len() + self.forgotten.0
    }

    /// Moves the live clock to `now` (processing-time windows fire as it passes them).
    pub fn live_advance(&mut self, now: Timestamp) {
        self.clock = self.clock.max(now);
        self.engine.advance(self.clock);
        self.collect();
    }

    /// An event that happened a little while ago but arrives now: within the allowed
    /// lateness, so it still counts (event time only; processing time ignores its time).
    pub fn inject_out_of_order(&mut self) {
        let lateness = match self.config.time {
            TimeMode::Event(e) => e.delay.0,
            TimeMode::Processing => 1_000,
        };
        let newest = self
            .events
            .iter()
            .map(|e| e.event_time)
            .max()
            .unwrap_or(self.clock);
        let t = Timestamp(newest.0 - (lateness / 2).max(1));
        self.deliver(t, Cents(4_999), "late.larissa".into(), Origin::OutOfOrder);
    }

    /// An event one slide behind the watermark: its first windows have fired (it misses
    /// them), its last ones have not (it joins those) — Flink's rule, visible.
    pub fn inject_late(&mut self) {
        let t = match self.watermark() {
            Some(wm) => Timestamp(wm.0 - self.config.slide.0),
            None => Timestamp(self.clock.0 - self.config.size.0),
        };
        self.deliver(t, Cents(12_999), "tardy.tiago".into(), Origin::Late);
    }

    /// An event so far behind the watermark that all its windows have fired: dropped.
    pub fn inject_too_late(&mut self) {
        let t = match self.watermark() {
            Some(wm) => Timestamp(wm.0 - self.config.size.0 - self.config.slide.0),
            None => Timestamp(self.clock.0 - 2 * self.config.size.0),
        };
        self.deliver(t, Cents(8_999), "belated.bruna".into(), Origin::TooLate);
    }

    /// A sale from a broken clock: dated a year after the newest sale. In event time it
    /// moves the watermark a year ahead, and every sale after it is dropped as late —
    /// unless the quarantine puts it aside.
    pub fn inject_broken_clock(&mut self) {
        let newest = self
            .events
            .iter()
            .map(|e| e.event_time)
            .max()
            .unwrap_or(self.clock)
            .max(self.clock);
        let t = newest.plus(BROKEN_CLOCK_AHEAD);
        self.deliver(t, Cents(9_999), "broken.clock".into(), Origin::FarFuture);
    }

    /// Turns the quarantine (`--max-ahead` [`QUARANTINE_AHEAD`]) on or off.
    pub fn set_quarantine(&mut self, on: bool) {
        self.quarantine = on;
        self.guard = hopscope_core::window::guard::TimeGuard::new(
            hopscope_core::window::guard::GuardConfig {
                max_ahead: on.then_some(QUARANTINE_AHEAD),
                ..Default::default()
            },
        );
        // The guard starts from the sales the lesson has.
        for e in &self.events {
            self.guard.check(e.event_time, 0, None, None);
        }
    }

    /// A sale dated exactly `t` arriving now (the bounds lesson: put one on a window's
    /// end and see which windows take it).
    pub fn inject_at(&mut self, t: Timestamp) {
        self.deliver(t, Cents(2_500), "edge.eva".into(), Origin::AtEdge);
    }

    fn deliver(&mut self, event_time: Timestamp, value: Cents, seller: String, origin: Origin) {
        // After the end of input nothing more arrives (the buttons say so).
        if self.ended {
            return;
        }
        let partition = self.partition_of(&seller);
        if origin == Origin::Normal && self.paused.contains(&partition) {
            self.held.push((event_time, value, seller));
            return;
        }
        self.push(event_time, value, seller, origin);
    }

    /// The sale reaches the engine now (the lesson clock).
    fn push(&mut self, event_time: Timestamp, value: Cents, seller: String, origin: Origin) {
        let arrival = self.clock;
        if matches!(self.config.time, TimeMode::Event(_)) {
            use hopscope_core::window::guard::Verdict;
            // Ahead of the newest sale so far (the lesson's stream), as for a file.
            match self
                .guard
                .check(event_time, 0, None, self.engine.watermark())
            {
                Verdict::Quarantine(_) => {
                    self.guarded.quarantined += 1;
                    self.guarded.last_quarantined = Some(event_time);
                    return;
                }
                Verdict::Jump { from, to } => self.guarded.jump = Some((from, to)),
                Verdict::Accept => {}
            }
        }
        let partition = self.partition_of(&seller);
        let ev = Event {
            time: event_time,
            value,
            seller: &seller,
            category: "lesson",
            product: &seller,
            partition,
        };
        let fate = self.engine.push(&ev, arrival);
        self.events.push(LessonEvent {
            id: self.next_id,
            event_time,
            arrival,
            value,
            seller,
            origin,
            partition,
            fate,
            before: None,
        });
        self.next_id += 1;
        self.collect();
        self.trim();
    }

    fn collect(&mut self) {
        let watermark = self
            .is_event_time()
            .then(|| self.engine.watermark())
            .flatten();
        while let Some(row) = self.engine.poll() {
            let fired = Fired {
                row,
                at: self.clock,
                watermark,
            };
            self.fired.insert(fired.row.window_start.0, fired);
        }
    }

    /// End of input, as a bounded source ends (Flink reading a file, or a Kafka source
    /// with `scan.bounded.mode`): what is on its way still arrives, held partitions are
    /// read to their end, then the last watermark (+∞) fires every window that holds a
    /// sale. Without it, the newest windows wait forever for a watermark that no sale
    /// will bring. (Event time only: processing-time windows fire on the clock.)
    pub fn end_input(&mut self) {
        if self.ended || !self.is_event_time() {
            return;
        }
        let before = self.before();
        for p in std::mem::take(&mut self.paused) {
            self.paused.insert(p);
            self.toggle_pause_unlogged(p);
        }
        let last = self.in_flight.last().map(|(a, ..)| *a);
        if let Some(last) = last {
            let arrived = std::mem::take(&mut self.in_flight);
            for (arrival, at, value, seller) in arrived {
                self.clock = self.clock.max(arrival);
                self.deliver(at, value, seller, Origin::Normal);
            }
            self.clock = self.clock.max(last);
        }
        self.ended = true;
        self.engine.flush();
        self.collect();
        self.log_changes(before, Some("end of input: the last watermark".into()));
    }

    /// Whether the input has ended: nothing more arrives until Reset.
    pub fn has_ended(&self) -> bool {
        self.ended
    }

    /// The lesson's sales as JSON lines with the seed's field names, in the order they
    /// reached the engine: the file the "lesson's sales file" SQL reads, so Flink sees
    /// the same records in the same order (and so the same late ones).
    pub fn sales_jsonl(&self) -> String {
        let mut out = String::new();
        for e in &self.events {
            // The seller is JSON-escaped (a live record's seller can hold anything); the
            // price is written as the exact decimal, as the DDL's DECIMAL(10, 2) reads it.
            out.push_str(&format!(
                "{{\"id_sale\":\"lesson-{}\",\"seller\":{},\"price\":{},\"sale_date\":\"{}\"}}\n",
                e.id,
                serde_json::Value::from(e.seller.as_str()),
                e.value.display_plain(),
                e.event_time.to_iso(),
            ));
        }
        out
    }

    /// Sales near window `start` that it does not hold, and why: within one slide before
    /// its start or at/after its end, or inside it but late (arrived after it fired) or
    /// dropped. Earliest first.
    pub fn not_in(&self, start: i64) -> Vec<(&LessonEvent, Outside)> {
        let (size, slide) = (self.config.size.0, self.config.slide.0);
        let end = start + size;
        let mut out: Vec<(&LessonEvent, Outside)> = self
            .events
            .iter()
            .filter_map(|e| {
                let t = self.position(e).0;
                let why = if (start - slide..start).contains(&t) {
                    Outside::BeforeStart
                } else if (end..end + slide).contains(&t) {
                    Outside::AtOrAfterEnd
                } else if (start..end).contains(&t) && !e.counts_in(start, size) {
                    if e.dropped() {
                        Outside::Dropped
                    } else {
                        Outside::ArrivedAfterFired
                    }
                } else {
                    return None;
                };
                Some((e, why))
            })
            .collect();
        out.sort_by_key(|(e, _)| (self.position(e), e.id));
        out
    }

    /// Window `start`'s panes (each [`WindowConfig::pane`] long): start, sales, revenue.
    /// The window's row is these combined: counts and sums add, the biggest sale is the
    /// largest of theirs, the sellers unite.
    pub fn panes_of(&self, start: i64) -> Vec<(i64, usize, Cents)> {
        let pane = self.config.pane().0;
        let n = self.config.size.0 / pane;
        let events = self.events_in(start);
        (0..n)
            .map(|k| {
                let p = start + k * pane;
                let inside: Vec<_> = events
                    .iter()
                    .filter(|e| (p..p + pane).contains(&self.position(e).0))
                    .collect();
                let sum = Cents(inside.iter().map(|e| e.value.0).sum());
                (p, inside.len(), sum)
            })
            .collect()
    }

    /// Why window `start` (not fired) has not fired yet.
    pub fn waiting(&self, start: i64) -> Waiting {
        let end = Timestamp(start + self.config.size.0);
        let TimeMode::Event(e) = self.config.time else {
            return Waiting::Clock { end };
        };
        if self.partitions > 1 {
            let marks = self.partition_watermarks();
            let holding = marks
                .iter()
                .filter(|p| !p.idle)
                .min_by_key(|p| (p.watermark.is_some(), p.watermark));
            if let Some(p) = holding {
                return Waiting::Partition {
                    partition: p.partition,
                    at: p.watermark,
                    held: self.is_paused(p.partition),
                };
            }
        }
        match self.watermark() {
            None => Waiting::Input,
            Some(now) => Waiting::Watermark {
                now,
                needs: Timestamp(end.0 - 1 + e.delay.0 + 1),
            },
        }
    }

    /// Every window containing instant `t`, earliest first.
    pub fn windows_containing(&self, t: Timestamp) -> Vec<(Timestamp, Timestamp)> {
        self.config.windows_containing(t).collect()
    }

    /// The events counted in `[start, start + size)`: those inside it, minus late ones
    /// that arrived after it had fired.
    pub fn events_in(&self, start: i64) -> Vec<&LessonEvent> {
        let size = self.config.size.0;
        self.events
            .iter()
            .filter(|e| e.counts_in(start, size))
            .filter(|e| {
                let t = self.position(e).0;
                start <= t && t < start + size
            })
            .collect()
    }

    /// An empty window that will never produce a result: no sale in it, and it has fired
    /// or ends before the first sale. (Flink emits no window without rows; the lesson's
    /// engine fires empty ones only so the picture can show them as such.)
    pub fn never_fires(&self, start: i64) -> bool {
        let end = start + self.config.size.0;
        let first_sale = self
            .events
            .iter()
            .filter(|e| !e.dropped())
            .map(|e| self.position(e).0)
            .min();
        self.events_in(start).is_empty()
            && (self.fired.contains_key(&start) || first_sale.is_none_or(|f| end <= f))
    }

    pub fn event(&self, id: u32) -> Option<&LessonEvent> {
        self.events.iter().find(|e| e.id == id)
    }

    /// Events that arrived behind the watermark (joined some windows, or dropped).
    pub fn late_count(&self) -> usize {
        self.events.iter().filter(|e| e.late()).count() + self.forgotten.1
    }

    pub fn dropped_count(&self) -> usize {
        self.events.iter().filter(|e| e.dropped()).count() + self.forgotten.2
    }

    /// Why an event is in as many windows as it is, in words.
    pub fn explain_count(&self, t: Timestamp) -> String {
        let n = self.windows_containing(t).len();
        let (size, slide) = (self.config.size, self.config.slide);
        if size.0 % slide.0 == 0 {
            format!(
                "This event belongs to {n} windows: size ÷ slide = {size} ÷ {slide} = {}. Every event in a hopping window belongs to exactly that many.",
                size.0 / slide.0
            )
        } else {
            let ratio = size.0 as f64 / slide.0 as f64;
            format!(
                "This event belongs to {n} windows. {size} ÷ {slide} = {ratio:.2} is not whole, so an event belongs to {} or {} windows depending on where it falls between window starts.",
                ratio.floor(),
                ratio.ceil()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lesson(size: i64, slide: i64) -> Lesson {
        Lesson::new(
            Span::seconds(size),
            Span::seconds(slide),
            TimeMode::event(Span::seconds(2)),
            1,
        )
        .unwrap()
    }

    #[test]
    fn each_kind_row_names_the_sale_that_fired_it() {
        let mut l = lesson(10, 2);
        for _ in 0..25 {
            l.next_event();
        }
        let kinds = [
            WindowKind::Hop {
                size: Span::seconds(10),
                slide: Span::seconds(2),
            },
            WindowKind::Session {
                gap: Span::seconds(2),
                per_seller: false,
            },
        ];
        let runs = l.kinds(&kinds).unwrap();
        let mut fired = 0;
        for run in &runs {
            for r in &run.rows {
                let e = &l.events[r.fired_after.expect("fired by a sale, the input goes on")];
                // Its arrival moved the watermark (newest − 2 s) to the window's end − 1 ms.
                let newest = l.events[..=r.fired_after.unwrap()]
                    .iter()
                    .map(|e| e.event_time.0)
                    .max()
                    .unwrap();
                assert!(newest - 2_000 >= r.end.0 - 1, "{r:?} fired by {e:?}");
                fired += 1;
            }
        }
        assert!(fired > 3);
    }

    #[test]
    fn a_script_plays_exactly_its_sales_and_reads_back_from_its_text() {
        // Sales at 1 s, 3 s and 7 s, then one from 0.5 s arriving at 9 s: the watermark is
        // 7 s − 2 s = 5 s by then, so two of its windows have fired — it is late.
        let text = "1:10:ana,3:20:bo,7:5.5:ana,0.5@9:1:cy";
        let script = parse_script(text).unwrap();
        assert_eq!(
            script_text(&script),
            "1:10.00:ana,3:20.00:bo,7:5.50:ana,0.5@9:1.00:cy"
        );
        assert_eq!(parse_script(&script_text(&script)).unwrap(), script);
        let mut l = Lesson::new(
            Span::seconds(10),
            Span::seconds(2),
            TimeMode::event(Span::seconds(2)),
            1,
        )
        .unwrap()
        .with_script(&script);
        for _ in 0..10 {
            l.next_event();
        }
        let got: Vec<(i64, i64, &str)> = l
            .events
            .iter()
            .map(|e| (e.event_time.0, e.value.0, e.seller.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (1_000, 1_000, "ana"),
                (3_000, 2_000, "bo"),
                (7_000, 550, "ana"),
                (500, 100, "cy")
            ],
            "exactly the script, nothing generated"
        );
        assert!(l.events[3].late(), "the last arrives behind the watermark");
        assert_eq!(l.script(), script, "the lesson writes its own script back");
    }

    #[test]
    fn a_bad_script_names_the_sale_and_what_is_wrong() {
        let e = parse_script("1:10:ana,x:2:bo").unwrap_err();
        assert!(e.starts_with("sale 2 (\"x:2:bo\"): the time \"x\""), "{e}");
        assert!(parse_script("1:-3:ana")
            .unwrap_err()
            .contains("not a positive amount"));
        assert!(parse_script("1:3:a b").unwrap_err().contains("the seller"));
        assert!(parse_script("1:3")
            .unwrap_err()
            .contains("TIME[@ARRIVAL]:PRICE:SELLER"));
        assert!(parse_script("").unwrap_err().contains("no sales"));
        let many = vec!["1:1:a"; MAX_SCRIPTED + 1].join(",");
        assert!(parse_script(&many).unwrap_err().contains("at most 500"));
    }

    #[test]
    fn the_state_panel_counts_what_the_engine_holds_and_a_smaller_slide_costs_per_window_operators_more(
    ) {
        let mut l = lesson(10, 2);
        for _ in 0..40 {
            l.next_event();
        }
        let real = l.state();
        assert!(real.panes > 0 && real.open_windows > 0, "{real:?}");
        // Replaying the same sales with the same slide gives the engine's own counters.
        assert_eq!(l.state_for_slide(Span::seconds(2)), Some(real));
        // A tenth of the slide: ten times the windows per instant. Per-window state grows
        // with them; the slicing operator's stays within its panes and keys.
        let fine = l
            .state_for_slide(Span(200))
            .expect("10 s / 0.2 s is a valid query");
        assert_eq!(fine.windows_per_pane, 50);
        assert!(
            fine.per_window_bytes() > 5 * fine.bytes(),
            "per window {} vs sliced {}",
            fine.per_window_bytes(),
            fine.bytes()
        );
        assert!(fine.per_window_bytes() > 5 * real.per_window_bytes());
        assert!(
            fine.bytes() < 5 * real.bytes(),
            "{} vs {}",
            fine.bytes(),
            real.bytes()
        );
        assert_eq!(l.state_for_slide(Span(0)), None, "a refused slide");
    }

    #[test]
    fn the_time_plot_replays_the_sales_and_a_longer_delay_trades_latency_for_completeness() {
        let mut l = lesson(10, 2);
        for _ in 0..30 {
            l.next_event();
        }
        l.inject_late();
        l.inject_too_late();
        for _ in 0..10 {
            l.next_event();
        }
        // At the lesson's own delay the replay is the lesson: same fates, same firings.
        let own = l.time_plot(Span::seconds(2)).expect("event time");
        let fates: Vec<Pushed> = l.events.iter().map(|e| e.fate).collect();
        assert_eq!(own.sales.iter().map(|s| s.2).collect::<Vec<_>>(), fates);
        let fired: BTreeSet<i64> = l.fired.values().map(|f| f.row.window_end.0).collect();
        assert_eq!(
            own.fired.iter().map(|f| f.0 .0).collect::<BTreeSet<_>>(),
            fired
        );
        assert!(
            own.late().1 >= 1,
            "the too-late sale is dropped: {:?}",
            own.late()
        );
        // No delay: at least as many late sales, windows fire sooner. A long delay: none
        // dropped, windows fire later.
        let none = l.time_plot(Span(0)).unwrap();
        let long = l.time_plot(Span::seconds(30)).unwrap();
        assert!(none.late().0 + none.late().1 >= own.late().0 + own.late().1);
        assert_eq!(long.late().1, 0, "{:?}", long.late());
        assert!(none.latency().unwrap().0 < long.latency().unwrap().0);
        // Processing time has no such picture.
        let p = Lesson::new(Span::seconds(10), Span::seconds(2), TimeMode::Processing, 1).unwrap();
        assert_eq!(p.time_plot(Span(0)), None);
    }

    #[test]
    fn a_new_shape_keeps_the_students_sales_and_selection() {
        // Guided step 3: "set the slide to 3 s" after a dozen sales and a click on one.
        let mut old = lesson(10, 2);
        for _ in 0..12 {
            old.next_event();
        }
        old.inject_late();
        old.selected = Selected::Event(5);
        let mut new = lesson(10, 3);
        new.take_over(&old);
        let key = |l: &Lesson| {
            l.events
                .iter()
                .map(|e| (e.id, e.event_time, e.arrival, e.value, e.origin))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            key(&new),
            key(&old),
            "the same sales, arriving when they did"
        );
        assert_eq!(new.clock, old.clock);
        assert_eq!(new.selected, Selected::Event(5));
        // They fall into the new windows: 3 or 4 per sale now, fired ones hold exactly them.
        let t = new.position(new.event(5).unwrap());
        let n = new.windows_containing(t).len();
        assert!(n == 3 || n == 4, "{n}");
        for (start, w) in &new.fired {
            assert_eq!(w.row.sales_in_window as usize, new.events_in(*start).len());
        }
        // The stream goes on where it was: the next sale is a new one.
        let newest = old.events.iter().map(|e| e.event_time).max().unwrap();
        new.next_event();
        let next = new.events.last().unwrap();
        assert_eq!(next.id, old.events.len() as u32 + 1);
        assert!(next.event_time > newest, "not a sale delivered before");
        // Guided step 7: processing time, same sales.
        let mut processing =
            Lesson::new(Span::seconds(10), Span::seconds(3), TimeMode::Processing, 1).unwrap();
        processing.take_over(&new);
        assert_eq!(processing.events.len(), new.events.len());
        assert!(
            processing.events.iter().all(|e| !e.late()),
            "nothing is late in processing time"
        );
        // A window selected on a 2 s grid means nothing on a 3 s one.
        old.selected = Selected::Window(4_000);
        let mut again = lesson(10, 3);
        again.take_over(&old);
        assert_eq!(again.selected, Selected::Nothing);
    }

    #[test]
    fn sales_arrive_a_moment_after_they_happen_and_not_always_in_order() {
        let mut l =
            Lesson::new(Span::seconds(10), Span::seconds(2), TimeMode::Processing, 1).unwrap();
        for _ in 0..40 {
            l.next_event();
        }
        assert_eq!(l.events.len(), 40, "one sale per press");
        let transit: Vec<i64> = l
            .events
            .iter()
            .map(|e| e.arrival.since(e.event_time).0)
            .collect();
        assert!(
            transit
                .iter()
                .all(|t| (0..=TRANSIT_MAX_MS as i64).contains(t)),
            "{transit:?}"
        );
        assert!(
            transit.iter().filter(|t| **t >= 100).count() >= 20,
            "most arrive visibly later: {transit:?}"
        );
        assert!(
            l.events
                .windows(2)
                .any(|w| w[1].event_time < w[0].event_time),
            "some arrive out of order"
        );
        assert!(
            l.events.windows(2).all(|w| w[1].arrival >= w[0].arrival),
            "delivered by arrival"
        );
        // In processing time a sale sits at its arrival: its windows are not its event time's.
        let e = l
            .events
            .iter()
            .find(|e| e.arrival.since(e.event_time).0 >= 500)
            .unwrap();
        assert_eq!(l.position(e), e.arrival);
    }

    #[test]
    fn events_arrive_and_windows_fire_behind_the_watermark() {
        let mut l = lesson(10, 2);
        for _ in 0..20 {
            l.next_event();
        }
        assert_eq!(l.events.len(), 20);
        let wm = l.watermark().unwrap();
        assert!(!l.fired.is_empty());
        assert!(l.fired.values().all(|w| w.row.window_end.0 - 1 <= wm.0));
        // A fired window holds exactly the accepted events inside it.
        for (start, w) in &l.fired {
            assert_eq!(w.row.sales_in_window as usize, l.events_in(*start).len());
        }
    }

    #[test]
    fn a_broken_clock_stops_the_windows_unless_the_quarantine_puts_it_aside() {
        let run = |quarantine: bool| {
            let mut l = lesson(10, 2);
            l.set_quarantine(quarantine);
            for _ in 0..10 {
                l.next_event();
            }
            let fired_before = l
                .fired
                .values()
                .filter(|w| w.row.sales_in_window > 0)
                .count();
            l.inject_broken_clock();
            for _ in 0..10 {
                l.next_event();
            }
            (l, fired_before)
        };
        // Flink's rule: the watermark jumps a year; every later sale is dropped.
        let (l, _) = run(false);
        let (from, to) = l.guarded.jump.expect("the jump is seen");
        assert!(to.since(from) >= BROKEN_CLOCK_AHEAD);
        assert_eq!(l.dropped_count(), 10, "every sale after the broken clock");
        assert!(l
            .watermark()
            .is_some_and(|w| w > from.plus(Span::seconds(3_600))));
        // A timeline over a year of empty windows stays bounded.
        assert!(l.fired.len() <= hopscope_core::window::MAX_EMPTY_RUN as usize + 100);
        // Put aside: counted, the watermark stays, the sales after it go on counting.
        let (q, fired_before) = run(true);
        assert_eq!(q.guarded.quarantined, 1);
        assert_eq!(q.guarded.jump, None);
        assert_eq!(q.dropped_count(), 0);
        assert!(q.events.iter().all(|e| e.origin != Origin::FarFuture));
        let fired_after = q
            .fired
            .values()
            .filter(|w| w.row.sales_in_window > 0)
            .count();
        assert!(fired_after > fired_before, "windows go on firing");
    }

    #[test]
    fn injected_late_events_are_dropped_and_out_of_order_ones_kept() {
        let mut l = lesson(10, 2);
        for _ in 0..10 {
            l.next_event();
        }
        l.inject_out_of_order();
        l.inject_late();
        l.inject_too_late();
        let ooo = l
            .events
            .iter()
            .find(|e| e.origin == Origin::OutOfOrder)
            .unwrap();
        let late = l.events.iter().find(|e| e.origin == Origin::Late).unwrap();
        let too_late = l
            .events
            .iter()
            .find(|e| e.origin == Origin::TooLate)
            .unwrap();
        assert!(!ooo.late());
        // One slide behind the watermark with 10 s / 2 s: the first window has fired, the
        // last ones have not.
        assert!(
            matches!(late.fate, Pushed::LateJoined { joined, windows: 5, .. } if (1..5).contains(&joined)),
            "{:?}",
            late.fate
        );
        assert!(too_late.dropped());
        assert_eq!(l.late_count(), 2);
        assert_eq!(l.dropped_count(), 1);
        // The late sale counts in the windows it joined and in no fired one.
        let t = late.event_time;
        let size = l.config.size.0;
        for (s, _) in l.windows_containing(t) {
            let inside = l.events_in(s.0).iter().any(|e| e.origin == Origin::Late);
            assert_eq!(inside, late.counts_in(s.0, size));
        }
        for _ in 0..30 {
            l.next_event();
        }
        for (start, w) in &l.fired {
            assert_eq!(w.row.sales_in_window as usize, l.events_in(*start).len());
        }
    }

    #[test]
    fn live_sales_drive_the_lesson_on_the_wall_clock() {
        let mut l =
            Lesson::new(Span::seconds(10), Span::seconds(2), TimeMode::Processing, 1).unwrap();
        let now = Timestamp(1_705_831_200_000);
        l.go_live(now);
        let sale = hopscope_core::Sale::from_json(
            br#"{"id_sale":"a","nm_product":"P","seller":"s","price":2,"sale_date":"2024-01-21T10:00:00Z"}"#,
        )
        .unwrap();
        l.live_sale(&sale, now.plus(Span::millis(500)));
        l.live_advance(now.plus(Span::seconds(11)));
        assert!(l.is_live());
        assert_eq!(l.events.len(), 1);
        let fired_with_sale = l
            .fired
            .values()
            .filter(|w| w.row.sales_in_window == 1)
            .count();
        assert_eq!(
            fired_with_sale, 5,
            "processing time: the sale is in the 5 windows of its arrival"
        );
    }

    #[test]
    fn a_paused_partition_holds_the_watermark_until_it_idles_then_its_sales_arrive_late() {
        let mut l = lesson(10, 2).with_partitions(3).unwrap();
        l.advance(Span::seconds(20));
        let before = l.watermark().unwrap();
        let wms = l.partition_watermarks();
        assert_eq!(wms.len(), 3);
        assert_eq!(
            before,
            wms.iter()
                .filter(|p| !p.idle)
                .filter_map(|p| p.watermark)
                .min()
                .unwrap(),
            "the engine's watermark is the minimum of the partitions not idle"
        );
        let slowest = wms
            .iter()
            .filter(|p| !p.idle)
            .min_by_key(|p| p.watermark)
            .unwrap()
            .partition;
        l.toggle_pause(slowest);
        // Held back, the partition keeps the watermark where it was until it has been
        // silent for the idle timeout: then the others move it on.
        l.advance(Span::millis(1));
        assert_eq!(l.watermark(), Some(before));
        l.advance(Span::seconds(30));
        assert!(l.partition_watermarks()[slowest as usize].idle);
        assert!(l.watermark().unwrap() > before);
        let held = l.held_count();
        assert!(held > 0, "sales waited in the paused partition");
        l.toggle_pause(slowest);
        assert_eq!(l.held_count(), 0);
        let released: Vec<_> = l.events.iter().rev().take(held).collect();
        assert!(released.iter().all(|e| e.partition == slowest));
        assert!(
            released.iter().any(|e| e.late()),
            "released behind the watermark, they are late"
        );
    }

    #[test]
    fn end_of_input_fires_every_window_with_sales_and_then_takes_nothing() {
        let mut l = lesson(10, 2);
        for _ in 0..15 {
            l.next_event();
        }
        let open_with_sales: Vec<i64> = (0..l.clock.0 / 2_000 + 1)
            .map(|k| k * 2_000)
            .filter(|s| !l.fired.contains_key(s) && !l.events_in(*s).is_empty())
            .collect();
        assert!(!open_with_sales.is_empty(), "the newest windows wait");
        l.end_input();
        assert!(l.has_ended());
        for s in &open_with_sales {
            let f = &l.fired[s];
            assert!(f.by_end_of_input(), "{s}");
            assert_eq!(f.row.sales_in_window as usize, l.events_in(*s).len());
        }
        let n = l.events.len();
        l.next_event();
        l.inject_late();
        l.advance(Span::seconds(10));
        assert_eq!(l.events.len(), n, "nothing arrives after the end");
        // Every fired row equals its sales, and the file holds them in arrival order.
        for (start, f) in &l.fired {
            assert_eq!(f.row.sales_in_window as usize, l.events_in(*start).len());
        }
        let file = l.sales_jsonl();
        assert_eq!(file.lines().count(), n);
        assert!(
            file.starts_with("{\"id_sale\":\"lesson-1\",\"seller\":"),
            "{file}"
        );
        assert!(file.contains("\"sale_date\":\"1970-01-01T00:00:"));
    }

    #[test]
    fn the_inspector_names_why_a_nearby_sale_is_not_in_a_window() {
        let mut l = lesson(10, 2);
        for _ in 0..12 {
            l.next_event();
        }
        l.inject_late();
        l.inject_too_late();
        let late = l
            .events
            .iter()
            .find(|e| e.origin == Origin::Late)
            .unwrap()
            .clone();
        let missed = l
            .windows_containing(late.event_time)
            .into_iter()
            .find(|(s, _)| !late.counts_in(s.0, 10_000))
            .unwrap()
            .0
             .0;
        let why = l.not_in(missed);
        assert!(why
            .iter()
            .any(|(e, w)| e.id == late.id && *w == Outside::ArrivedAfterFired));
        let too_late = l
            .events
            .iter()
            .find(|e| e.origin == Origin::TooLate)
            .unwrap()
            .clone();
        let (s, _) = l.windows_containing(too_late.event_time)[0];
        assert!(l
            .not_in(s.0)
            .iter()
            .any(|(e, w)| e.id == too_late.id && *w == Outside::Dropped));
        // A sale at exactly a window's end is in the windows starting there, not in it.
        let open = l.clock.0.div_euclid(2_000) * 2_000;
        l.inject_at(Timestamp(open + 10_000));
        let edge = l.events.last().unwrap().clone();
        assert!(l
            .not_in(open)
            .iter()
            .any(|(e, w)| e.id == edge.id && *w == Outside::AtOrAfterEnd));
        assert!(l.events_in(open + 10_000).iter().any(|e| e.id == edge.id));
        assert!(!l.events_in(open).iter().any(|e| e.id == edge.id));
        // Panes add up to the window.
        let panes = l.panes_of(missed);
        assert_eq!(panes.len(), 5);
        assert_eq!(
            panes.iter().map(|(_, n, _)| n).sum::<usize>(),
            l.events_in(missed).len()
        );
        // An open window waits for the watermark: the sale time that would fire it is
        // its end − 1 ms plus the delay.
        let newest_open = l.clock.0.div_euclid(2_000) * 2_000;
        match l.waiting(newest_open) {
            Waiting::Watermark { needs, .. } => assert_eq!(needs.0, newest_open + 10_000 + 2_000),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn switching_time_keeps_each_sales_history_and_the_windows_before_and_after() {
        let mut l = lesson(10, 2);
        for _ in 0..12 {
            l.next_event();
        }
        l.inject_late();
        l.inject_too_late();
        let mut p =
            Lesson::new(Span::seconds(10), Span::seconds(2), TimeMode::Processing, 1).unwrap();
        p.take_over(&l);
        let sw = p.switch.clone().expect("a switch is described");
        assert!(sw.from_event_time);
        assert_eq!((sw.late_before, sw.dropped_before), (2, 1));
        assert_eq!(
            sw.rows_before,
            l.fired
                .values()
                .filter(|f| f.row.sales_in_window > 0)
                .count()
        );
        let was_late = p.events.iter().filter(|e| e.before.is_some()).count();
        assert_eq!(was_late, 2, "the late and the dropped sale remember it");
        assert!(p.events.iter().all(|e| !e.late()));
        assert!(matches!(
            p.waiting(p.clock.0.div_euclid(2_000) * 2_000),
            Waiting::Clock { .. }
        ));
        // And back: history is the engine's again.
        let mut e = lesson(10, 2);
        e.take_over(&p);
        assert_eq!(e.late_count(), 2);
    }

    #[test]
    fn the_sales_file_is_json_whatever_a_live_seller_is_called() {
        let mut l =
            Lesson::new(Span::seconds(10), Span::seconds(2), TimeMode::Processing, 1).unwrap();
        l.go_live(Timestamp(1_000));
        let sale = hopscope_core::Sale::from_json(
            br#"{"id_sale":"a","nm_product":"P","seller":"ana \"la\" s\u00e9 \u0001","price":2.5,"sale_date":"2024-01-21T10:00:00Z"}"#,
        )
        .unwrap();
        l.live_sale(&sale, Timestamp(2_000));
        let line = l.sales_jsonl();
        let v: serde_json::Value = serde_json::from_str(line.trim()).expect("valid JSON");
        assert_eq!(v["seller"], "ana \"la\" sé \u{1}");
        assert!(line.contains("\"price\":2.50,"), "{line}");
    }

    #[test]
    fn explanations_follow_divisibility() {
        let l = lesson(10, 2);
        assert!(l.explain_count(Timestamp(5_000)).contains("5 windows"));
        let l = lesson(10, 3);
        let text = l.explain_count(Timestamp(5_000));
        assert!(text.contains("3 or 4"), "{text}");
    }

    #[test]
    fn hours_of_play_keep_memory_bounded_and_the_counts_whole() {
        let mut l = lesson(10, 2);
        l.advance(Span::seconds(60));
        l.inject_too_late();
        assert_eq!(l.dropped_count(), 1);
        let first = l.events[0].id;
        l.selected = Selected::Event(first);
        // Four hours of lesson time at 0.6 sales/s: about 8,600 sales.
        for _ in 0..4 * 3_600 / 2 {
            l.advance(Span::seconds(2));
        }
        assert!(
            l.events.len() <= KEPT_EVENTS,
            "{} events kept",
            l.events.len()
        );
        assert!(l.event_count() > 8_000, "{} counted", l.event_count());
        assert_eq!(
            l.dropped_count(),
            1,
            "the forgotten too-late sale still counts"
        );
        assert_eq!(
            l.selected,
            Selected::Nothing,
            "a forgotten sale is not selected"
        );
        assert!(
            l.fired.len() <= 10 * 10 / 2 + 10,
            "{} fired windows kept",
            l.fired.len()
        );
    }
}
