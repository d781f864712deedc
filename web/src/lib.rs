//! hopscope in the browser: a simulated (or live) shop on the seed's 15 min / 1 s hopping
//! window, and a teaching view of how hopping windows work. All computing is core's; this
//! crate drives it with the wall clock and draws.
//!
//! One struct component owns the run state (`App`); `dashboard.rs` and `teach.rs` draw its
//! two tabs. Settings live in the URL query (`settings.rs`).

mod charts;
mod dashboard;
mod field;
mod icon;
pub mod lesson;
mod live;
pub mod settings;
pub mod shop;
pub mod sim;
mod teach;

use gloo_timers::callback::Interval;
use hopscope_core::agree::Agreement;
use hopscope_core::generate::Scenario;
use hopscope_core::protocol::{ServerMessage, StartFrom, Value};
use hopscope_core::window::{EventTime, TimeMode};
use hopscope_core::{Span, Timestamp};
use lesson::Lesson;
use live::{Live, LiveEvent};
use settings::{LessonTime, LiveTime, Settings, Source, Tab};
use shop::Shop;
use sim::Sim;
use yew::prelude::*;

/// How often the page advances the clocks and redraws.
const TICK_MS: u32 = 100;
/// Most wall time one slice of simulating may take: a third of a frame at 60 Hz, so
/// drawing and input still fit in the frame.
const WORK_BUDGET_MS: f64 = 6.0;
/// How often a slice of simulating may run between ticks (about once a frame).
const WORK_MS: u32 = 16;
/// Sales simulated between two looks at the budget's clock.
const SALES_PER_SLICE: usize = 256;

pub enum Msg {
    Tick,
    /// Between ticks: more simulating, if the last tick's target is not reached yet (no
    /// redraw).
    Work,
    SetTab(Tab),
    /// From the keyboard: select the tab and move the focus to it.
    FocusTab(Tab),
    SetSpeed(f64),
    SetRate(String),
    SetSeed(String),
    TogglePause,
    StepSlide,
    Reset,
    Trigger(Scenario),
    SetSource(Source),
    SetBridge(String),
    SetLiveTime(LiveTime),
    SetPartitioner(hopscope_core::partition::Partitioner),
    Live(LiveEvent),
    Lesson(LessonMsg),
    /// The teaching timeline's box was measured at this many CSS pixels wide.
    TimelineWidth(f64),
}

pub enum LessonMsg {
    NextEvent,
    StepSlide,
    TogglePlay,
    InjectOutOfOrder,
    InjectLate,
    InjectTooLate,
    SetSize(String),
    SetSlide(String),
    SetLateness(String),
    SetTime(LessonTime),
    SetParts(u32),
    TogglePartition(u32),
    Select(lesson::Selected),
    Guide(isize),
    /// Whole windows or the sales, when windows are too many to draw one by one.
    ToggleZoom,
    Reset,
}

/// The live connection and what it has seen.
pub struct LiveState {
    pub conn: Option<Live>,
    pub connected: bool,
    pub problem: Option<String>,
    pub records: u64,
    pub invalid: u64,
    pub last_invalid: Option<String>,
    pub last: Option<(u32, i64)>,
    pub lag: Vec<(u32, i64)>,
    pub gaps: u64,
    pub topic: Option<String>,
    /// The bridge's `--windows-topic` (Flink's windows), once a row came.
    pub windows_topic: Option<String>,
    /// Event time: where the warm start began (now − window size − delay).
    pub warm_from: Option<Timestamp>,
    /// Next offset owed per partition (records and gap notices received): a reconnect
    /// resumes exactly there, so no record is lost or seen twice and windows are kept.
    pub next: std::collections::BTreeMap<u32, i64>,
    /// Reconnect attempts since the last open connection.
    pub attempt: u32,
    /// When the next attempt is due (wall clock, ms), while the bridge is away.
    pub retry_at: Option<f64>,
    /// Connections opened in this live session (more than 1: it reconnected).
    pub opened: u32,
    /// The bridge speaks another protocol version: no point retrying.
    pub incompatible: bool,
}

/// Reconnect delay after `attempt` failures: 0.5 s doubling to 10 s.
pub fn backoff_ms(attempt: u32) -> f64 {
    (500.0 * 2f64.powi(attempt.min(5) as i32)).min(10_000.0)
}

pub struct App {
    pub settings: Settings,
    pub sim: Sim,
    pub shop: Shop,
    pub lesson: Lesson,
    pub lesson_playing: bool,
    /// At many windows per instant (15 min / 1 s), the timeline shows whole windows
    /// instead of zooming to the sales.
    pub lesson_zoomed_out: bool,
    pub lesson_error: Option<String>,
    pub guide_step: usize,
    pub live: LiveState,
    /// Why a field's last text was refused, by the field's test id.
    pub field_errors: std::collections::BTreeMap<&'static str, String>,
    /// Bumped when a refused field must show its last good value again.
    pub field_resets: u32,
    /// The teaching timeline's box, measured after each draw.
    pub timeline_ref: NodeRef,
    /// Its width in CSS pixels: the picture is drawn one unit per pixel.
    pub timeline_width: f64,
    /// The reader asked for reduced motion (`prefers-reduced-motion: reduce`): pictures
    /// stand still and change in steps instead of scrolling.
    pub reduced_motion: bool,
    last_tick: f64,
    lesson_acc_ms: f64,
    _interval: Interval,
    _work: Interval,
}

/// Whether the reader's system asks for reduced motion.
fn prefers_reduced_motion() -> bool {
    web_sys::window()
        .and_then(|w| {
            w.match_media("(prefers-reduced-motion: reduce)")
                .ok()
                .flatten()
        })
        .is_some_and(|m| m.matches())
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn lesson_time(s: &Settings) -> TimeMode {
    match s.time {
        LessonTime::Event => TimeMode::event(s.lateness),
        LessonTime::Processing => TimeMode::Processing,
    }
}

fn new_lesson(s: &Settings) -> (Lesson, Option<String>) {
    match Lesson::new(s.size, s.slide, lesson_time(s), s.seed)
        .and_then(|l| l.with_partitions(s.parts))
    {
        Ok(l) => (l, None),
        Err(e) => {
            let e = e.to_string();
            let fallback = Settings::default();
            (
                Lesson::new(
                    fallback.size,
                    fallback.slide,
                    lesson_time(&fallback),
                    s.seed,
                )
                .expect("default lesson is valid"),
                Some(e),
            )
        }
    }
}

impl App {
    /// A field's text, checked: the value, or `None` with the reason kept for the field
    /// (which then shows its last good value again). The URL only ever gets good values.
    fn checked<T>(&mut self, field: &'static str, r: Result<T, String>) -> Option<T> {
        match r {
            Ok(v) => {
                self.field_errors.remove(field);
                Some(v)
            }
            Err(e) => {
                self.field_errors.insert(field, e);
                self.field_resets += 1;
                None
            }
        }
    }

    /// The reason the field's last text was refused, for `<Field error=…>`.
    pub(crate) fn field_error(&self, field: &str) -> Option<AttrValue> {
        self.field_errors
            .get(field)
            .map(|e| AttrValue::from(e.clone()))
    }

    fn write_url(&self) {
        if let Some(w) = web_sys::window() {
            if let Ok(h) = w.history() {
                let _ = h.replace_state_with_url(
                    &wasm_bindgen::JsValue::NULL,
                    "",
                    Some(&self.settings.to_query()),
                );
            }
        }
    }

    fn restart_sim(&mut self) {
        self.sim = Sim::new(
            self.settings.seed,
            self.settings.rate,
            self.settings.speed,
            self.settings.partitioner,
        );
        self.shop = Shop::new();
    }

    /// A new lesson of the settings' shape with the student's sales carried over (see
    /// [`Lesson::take_over`]); `Reset` is what starts from nothing.
    fn reshape_lesson(&mut self) {
        let (l, err) = new_lesson(&self.settings);
        let old = std::mem::replace(&mut self.lesson, l);
        self.lesson_error = err;
        self.lesson.take_over(&old);
        if old.is_live() {
            self.lesson.go_live(Timestamp(now_ms() as i64));
        }
    }

    fn restart_lesson(&mut self) {
        let (l, err) = new_lesson(&self.settings);
        self.lesson = l;
        self.lesson_error = err;
        self.lesson_playing = false;
        if self.live_active() {
            self.lesson.go_live(Timestamp(now_ms() as i64));
        }
    }

    /// A new live session: forgets what an earlier one saw.
    fn connect(&mut self, ctx: &Context<Self>) {
        self.live = LiveState::new();
        self.open_socket(ctx);
    }

    /// Opens the socket; after a drop, resumes from the next offset of every partition.
    fn open_socket(&mut self, ctx: &Context<Self>) {
        self.live.retry_at = None;
        let url = self.settings.bridge.clone();
        let resume = !self.live.next.is_empty();
        let start = match self.settings.live_time {
            _ if resume => StartFrom::Offsets {
                offsets: self
                    .live
                    .next
                    .iter()
                    .map(|(p, o)| hopscope_core::protocol::PartitionOffset {
                        partition: *p,
                        offset: *o,
                    })
                    .collect(),
            },
            // Warm start: one window (and the delay) back, so the first window that fires
            // after catching up is complete instead of filling for 15 minutes.
            LiveTime::Event => {
                let from = Timestamp(now_ms() as i64)
                    .minus(Shop::event_time().window_size())
                    .minus(EventTime::DEFAULT_DELAY);
                self.live.warm_from = Some(from);
                StartFrom::Timestamp { timestamp: from }
            }
            LiveTime::Processing => StartFrom::Latest,
        };
        match Live::connect(&url, start, ctx.link().callback(Msg::Live)) {
            Ok(c) => self.live.conn = Some(c),
            Err(e) => {
                self.live.problem = Some(format!("Cannot connect to the bridge at {url}: {e}"))
            }
        }
    }

    fn on_live(&mut self, ev: LiveEvent) {
        match ev {
            LiveEvent::Open => {
                self.live.connected = true;
                self.live.problem = None;
                self.live.attempt = 0;
                self.live.opened += 1;
                // A reconnect keeps the windows: the stream resumes where it stopped.
                if self.live.opened == 1 {
                    self.shop = match self.settings.live_time {
                        LiveTime::Event => Shop::event_time(),
                        LiveTime::Processing => Shop::new(),
                    };
                    self.restart_lesson();
                }
            }
            LiveEvent::Message(m) => match *m {
                ServerMessage::Hello {
                    version,
                    topic,
                    partitions,
                    windows_topic,
                } => {
                    if version != hopscope_core::protocol::PROTOCOL_VERSION {
                        self.live.incompatible = true;
                        self.live.problem = Some(format!(
                            "The bridge speaks protocol version {version}; this page speaks {}. Use a page and a bridge of the same hopscope release.",
                            hopscope_core::protocol::PROTOCOL_VERSION
                        ));
                        self.live.conn = None;
                        self.live.connected = false;
                        return;
                    }
                    self.live.topic = Some(topic);
                    if windows_topic.is_some() {
                        // Kept across reconnects, as the windows are.
                        self.shop.agreement.get_or_insert_with(Agreement::default);
                        self.live.windows_topic = windows_topic;
                    }
                    // Flink's Kafka source knows its partitions before their first record;
                    // so does the page, so a partition read later is not behind.
                    let now = Timestamp(now_ms() as i64);
                    for p in 0..partitions.min(4_096) {
                        self.shop.declare_partition(p, now);
                    }
                }
                ServerMessage::Records { records } => {
                    let now = Timestamp(now_ms() as i64);
                    for r in records {
                        self.live.records += 1;
                        self.live.last = Some((r.partition, r.offset));
                        self.live.next.insert(r.partition, r.offset + 1);
                        match r.value {
                            Value::Sale(s) => {
                                self.shop.push(&s, r.partition, now);
                                self.lesson.live_sale(&s, now);
                            }
                            Value::Invalid { error, .. } => {
                                self.live.invalid += 1;
                                self.live.last_invalid = Some(format!(
                                    "partition {} offset {}: {error}",
                                    r.partition, r.offset
                                ));
                            }
                        }
                    }
                }
                ServerMessage::Status {
                    partitions,
                    broker_connected,
                } => {
                    self.live.lag = partitions.iter().map(|p| (p.partition, p.lag)).collect();
                    if !broker_connected {
                        self.live.problem = Some("The bridge is up but cannot reach Kafka.".into());
                    }
                }
                ServerMessage::Gap { partition, to, .. } => {
                    self.live.gaps += 1;
                    let next = self.live.next.entry(partition).or_insert(0);
                    *next = (*next).max(to + 1);
                }
                ServerMessage::Error { message } => self.live.problem = Some(message),
                ServerMessage::Windows { topic, rows } => {
                    self.live.windows_topic = Some(topic);
                    let agreement = self.shop.agreement.get_or_insert_with(Agreement::default);
                    for r in rows {
                        agreement.theirs(&r.window);
                    }
                }
            },
            LiveEvent::BadFrame(e) => self.live.problem = Some(e),
            LiveEvent::Closed {
                code,
                reason,
                was_open,
            } => {
                self.live.connected = false;
                self.live.conn = None;
                if self.live.incompatible {
                    return;
                }
                let url = &self.settings.bridge;
                let wait = backoff_ms(self.live.attempt);
                self.live.attempt += 1;
                self.live.retry_at = Some(now_ms() + wait);
                let why = if was_open {
                    format!(
                        "The bridge at {url} closed the connection (code {code}{})",
                        if reason.is_empty() {
                            String::new()
                        } else {
                            format!(": {reason}")
                        }
                    )
                } else {
                    format!("Cannot connect to the bridge at {url} (start it with `hopscope serve`, or check the address)")
                };
                self.live.problem = Some(format!(
                    "{why}. Reconnecting in {:.1} s (attempt {}){}.",
                    wait / 1000.0,
                    self.live.attempt,
                    if self.live.opened > 0 {
                        ", then resuming where the stream stopped; the windows wait for it"
                    } else {
                        "; the simulator runs meanwhile"
                    }
                ));
            }
        }
    }

    /// Simulates towards the tick's target for at most [`WORK_BUDGET_MS`].
    fn simulate_slice(&mut self) {
        let t0 = now_ms();
        while !self.sim.work(SALES_PER_SLICE, &mut self.shop) {
            if now_ms() - t0 >= WORK_BUDGET_MS {
                break;
            }
        }
    }

    fn live_active(&self) -> bool {
        self.settings.source == Source::Live && self.live.connected
    }
}

impl LiveState {
    fn new() -> LiveState {
        LiveState {
            conn: None,
            connected: false,
            problem: None,
            records: 0,
            invalid: 0,
            last_invalid: None,
            last: None,
            lag: Vec::new(),
            gaps: 0,
            topic: None,
            windows_topic: None,
            warm_from: None,
            next: std::collections::BTreeMap::new(),
            attempt: 0,
            retry_at: None,
            opened: 0,
            incompatible: false,
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let query = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .unwrap_or_default();
        let (settings, problems) = Settings::from_query_checked(&query);
        let link = ctx.link().clone();
        let interval = Interval::new(TICK_MS, move || link.send_message(Msg::Tick));
        let link = ctx.link().clone();
        let work = Interval::new(WORK_MS, move || link.send_message(Msg::Work));
        let (lesson, lesson_error) = new_lesson(&settings);
        let mut app = App {
            sim: Sim::new(
                settings.seed,
                settings.rate,
                settings.speed,
                settings.partitioner,
            ),
            shop: Shop::new(),
            lesson,
            lesson_playing: false,
            lesson_zoomed_out: false,
            lesson_error,
            guide_step: 0,
            live: LiveState::new(),
            field_errors: problems.into_iter().collect(),
            field_resets: 0,
            timeline_ref: NodeRef::default(),
            timeline_width: 900.0,
            reduced_motion: prefers_reduced_motion(),
            settings,
            last_tick: now_ms(),
            lesson_acc_ms: 0.0,
            _interval: interval,
            _work: work,
        };
        if app.settings.source == Source::Live {
            app.connect(ctx);
        }
        app.write_url();
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let mut url_changed = false;
        match msg {
            Msg::Tick => {
                let now = now_ms();
                if self.settings.source == Source::Live
                    && self.live.retry_at.is_some_and(|at| now >= at)
                {
                    self.open_socket(ctx);
                }
                let dt = now - self.last_tick;
                self.last_tick = now;
                // Once live data has come, a dropped connection pauses nothing but the
                // stream: the windows keep the wall clock and wait for it to resume (the
                // simulator must not mix its sales into them).
                let resuming = self.settings.source == Source::Live
                    && self.live.opened > 0
                    && !self.live.incompatible;
                if self.live_active() || resuming {
                    self.shop.advance(Timestamp(now as i64));
                    self.lesson.live_advance(Timestamp(now as i64));
                } else {
                    // What the slices since the last tick did not reach is let go: the
                    // shop runs behind (and says so) rather than the page freezing.
                    if !self.sim.caught_up() {
                        self.sim.fall_behind();
                    }
                    self.sim.tick(dt);
                    self.simulate_slice();
                }
                if self.lesson_playing && !self.lesson.is_live() {
                    // One simulated second per half real second: slow enough to follow.
                    self.lesson_acc_ms += dt * 2.0;
                    let whole = self.lesson_acc_ms.floor();
                    self.lesson_acc_ms -= whole;
                    self.lesson.advance(Span(whole as i64));
                }
            }
            Msg::Work => {
                if !(self.sim.paused || self.sim.caught_up() || self.live_active()) {
                    self.simulate_slice();
                }
                // The next tick draws what this slice did.
                return false;
            }
            Msg::SetTab(t) => {
                self.settings.tab = t;
                url_changed = true;
            }
            Msg::FocusTab(t) => {
                use wasm_bindgen::JsCast;
                self.settings.tab = t;
                url_changed = true;
                let id = if t == Tab::Dashboard {
                    "tab-dashboard"
                } else {
                    "tab-teach"
                };
                if let Some(el) = web_sys::window()
                    .and_then(|w| w.document())
                    .and_then(|d| d.get_element_by_id(id))
                {
                    if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
                        let _ = el.focus();
                    }
                }
            }
            Msg::SetSpeed(s) => {
                self.settings.speed = s;
                self.sim.speed = s;
                url_changed = true;
            }
            Msg::SetRate(text) => {
                if let Some(r) = self.checked("rate", settings::parse_rate(&text)) {
                    self.settings.rate = r;
                    self.sim.set_rate(r);
                    url_changed = true;
                }
            }
            Msg::SetSeed(text) => {
                if let Some(seed) = self.checked("seed", settings::parse_seed(&text)) {
                    self.settings.seed = seed;
                    self.restart_sim();
                    self.restart_lesson();
                    url_changed = true;
                }
            }
            Msg::TogglePause => self.sim.paused = !self.sim.paused,
            Msg::StepSlide => self.sim.step(Span::seconds(1), &mut self.shop),
            Msg::Reset => self.restart_sim(),
            Msg::Trigger(s) => self.sim.trigger(s),
            Msg::SetSource(s) => {
                self.settings.source = s;
                url_changed = true;
                match s {
                    Source::Live => self.connect(ctx),
                    Source::Simulator => self.live = LiveState::new(),
                }
            }
            Msg::SetBridge(url) => {
                if let Some(url) = self.checked("bridge-url", settings::parse_bridge(&url)) {
                    self.settings.bridge = url;
                    url_changed = true;
                    if self.settings.source == Source::Live {
                        self.connect(ctx);
                    }
                }
            }
            Msg::SetLiveTime(t) => {
                self.settings.live_time = t;
                url_changed = true;
                if self.settings.source == Source::Live {
                    self.connect(ctx);
                }
            }
            Msg::SetPartitioner(p) => {
                self.settings.partitioner = p;
                url_changed = true;
                self.restart_sim();
            }
            Msg::Live(ev) => self.on_live(ev),
            Msg::TimelineWidth(w) => self.timeline_width = w,
            Msg::Lesson(m) => url_changed = self.update_lesson(m),
        }
        if url_changed {
            self.write_url();
        }
        true
    }

    fn rendered(&mut self, ctx: &Context<Self>, _first_render: bool) {
        // A resized window or a rotated phone is picked up at the next draw.
        if let Some(el) = self.timeline_ref.cast::<web_sys::Element>() {
            let w = f64::from(el.client_width());
            if w > 0.0 && (w - self.timeline_width).abs() >= 1.0 {
                ctx.link().send_message(Msg::TimelineWidth(w));
            }
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let tab = self.settings.tab;
        // WAI-ARIA tabs: the selected tab is the one tab stop; arrows, Home and End move
        // between tabs (and select them); each tab controls the one tab panel.
        let tab_button = |t: Tab, label: &str, id: &str| {
            let on_key = link.batch_callback(move |e: KeyboardEvent| {
                let to = match e.key().as_str() {
                    "ArrowRight" | "ArrowLeft" => Some(if t == Tab::Dashboard {
                        Tab::Teach
                    } else {
                        Tab::Dashboard
                    }),
                    "Home" => Some(Tab::Dashboard),
                    "End" => Some(Tab::Teach),
                    _ => None,
                };
                to.map(|to| {
                    e.prevent_default();
                    Msg::FocusTab(to)
                })
            });
            html! {
                <button role="tab" id={id.to_string()} aria-selected={(tab == t).to_string()}
                        aria-controls="tabpanel" tabindex={if tab == t { "0" } else { "-1" }}
                        class={classes!("tab", (tab == t).then_some("active"))}
                        onclick={link.callback(move |_| Msg::SetTab(t))} onkeydown={on_key}>{ label.to_string() }</button>
            }
        };
        html! {
            <div class="app">
                <header class="top">
                    <h1><span class="logo">{ "hopscope" }</span>
                        <small>{ "hopping windows over a live shop" }</small></h1>
                    <nav role="tablist" aria-label="Views">
                        { tab_button(Tab::Dashboard, "Shop dashboard", "tab-dashboard") }
                        { tab_button(Tab::Teach, "How hopping windows work", "tab-teach") }
                    </nav>
                </header>
                <main role="tabpanel" id="tabpanel"
                      aria-labelledby={if tab == Tab::Dashboard { "tab-dashboard" } else { "tab-teach" }}>
                    { match tab {
                        Tab::Dashboard => self.view_dashboard(ctx),
                        Tab::Teach => self.view_teach(ctx),
                    } }
                </main>
                <footer class="muted">
                    { "Products: Costco electronics listings (CC BY 4.0, elvinrustam via Kaggle). Windows computed by hopscope-core, checked against Apache Flink." }
                </footer>
            </div>
        }
    }
}
