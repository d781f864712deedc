//! The page's state and everything that changes it, without the browser: a reducer with
//! named actions in str0m's sans-IO shape.
//!
//! [`Page::handle`] takes an [`Action`] and the wall clock (a function, read only where the
//! action needs it: the time it happened, and the simulator's frame budget), changes the
//! state, and queues what the browser must do as [`Effect`]s ([`Page::poll_effect`]):
//! write the URL, open or close the live socket, move the keyboard focus. The Yew side
//! (`lib.rs`, `hooks.rs`) feeds it actions from timers, the socket and the components, and
//! carries out its effects; the components only read it. So everything here runs in
//! native unit tests — the guided steps, refused input, reconnects, running behind.
//!
//! Invariant (*versions*): each part of the state the components draw has a version
//! ([`Versions`]) bumped whenever that part changes, and only then. Components take the
//! versions they draw as props, so a tick that changes the shop does not redraw the
//! lesson, and one that changes nothing redraws nothing.

use crate::lesson::{Lesson, Selected};
use crate::live::LiveEvent;
use crate::settings::{self, Settings, Source, Tab};
use crate::shop::Shop;
use crate::sim::Sim;
use crate::sql::SqlSource;
use hopscope_core::agree::Agreement;
use hopscope_core::generate::Scenario;
use hopscope_core::partition::Partitioner;
use hopscope_core::protocol::{
    ClientMessage, PartitionOffset, RecordValue, ServerMessage, StartFrom,
};
use hopscope_core::window::TimeDomain;
use hopscope_core::window::{EventTime, TimeMode};
use hopscope_core::{Span, Timestamp};
use std::collections::{BTreeMap, VecDeque};

mod exercise;
mod lesson;
mod live;

pub use exercise::{ExerciseAction, OpenExercise, PROGRESS_KEY};

use lesson::new_lesson;
pub use live::{backoff_ms, LiveState, SESSION_KEY};
use live::{LiveSession, SESSION_MAX_AGE};

/// Most wall time one slice of simulating may take: a third of a frame at 60 Hz, so
/// drawing and input still fit in the frame.
pub const WORK_BUDGET_MS: f64 = 6.0;
/// Sales simulated between two looks at the budget's clock.
const SALES_PER_SLICE: usize = 256;

/// Everything that can happen to the page, by name.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// The clock's regular tick: advance the shop and the lesson to the wall clock.
    Tick,
    /// Between ticks: more simulating, if the last tick's target is not reached yet.
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
    SetLiveTime(TimeDomain),
    SetPartitioner(Partitioner),
    /// What the live socket reported.
    Live(LiveEvent),
    /// The socket could not even be created (a malformed URL the browser refuses).
    ConnectFailed(String),
    Lesson(LessonAction),
    Exercise(ExerciseAction),
    /// The browser copied the lesson's SQL (true) or refused to (false).
    Copied(bool),
    /// The browser copied a link to the lesson's sales (true) or refused to (false).
    LinkCopied(bool),
    /// Open the dashboard's inspector on the window starting here (`None`: close it).
    Inspect(Option<i64>),
}

/// What the student does in the teaching view.
#[derive(Clone, Debug, PartialEq)]
pub enum LessonAction {
    NextEvent,
    StepSlide,
    TogglePlay,
    InjectOutOfOrder,
    InjectLate,
    InjectTooLate,
    /// A sale from a broken clock, a year ahead.
    InjectBrokenClock,
    /// The quarantine (`--max-ahead`) on or off.
    ToggleQuarantine,
    SetSize(String),
    SetSlide(String),
    SetDelay(String),
    SetTime(TimeDomain),
    SetParts(u32),
    TogglePartition(u32),
    /// End of input: a bounded source's last watermark fires every window.
    EndInput,
    /// The bounds lesson: a sale dated exactly at the end of the window starting here.
    InjectAtEnd(i64),
    /// Where the shown SQL reads its sales from.
    SetSqlSource(SqlSource),
    CopySql,
    /// Copy this text (a window in another system's syntax).
    CopyText(String),
    /// Save the lesson's sales as the JSON lines file the SQL's file source reads.
    DownloadSales,
    Select(Selected),
    Guide(isize),
    /// Whole windows or the sales, when windows are too many to draw one by one.
    ToggleZoom,
    /// The arrow keys moved to this sale or window: select it and keep the keyboard on it.
    KeyTo(Selected),
    /// Move the timeline by this many window sizes (negative: back in time).
    Scroll(i64),
    /// The timeline follows the clock again.
    ScrollToNow,
    /// Lesson seconds or UTC clock time on the axis.
    ToggleUtc,
    /// The keyboard is on a window bar: hold the many-windows picture around this instant
    /// (unless already held), so new sales do not replace the bars under the focus.
    HoldFocus(i64),
    /// The keyboard left the bars.
    ReleaseFocus,
    Reset,
    /// For the teacher: copy a link that plays exactly this lesson's sales again.
    CopyScriptLink,
    /// For the teacher: the presenter view on or off.
    TogglePresent,
    /// For the teacher: print a one-page summary of the lesson.
    Print,
}

/// What the browser must do for the page.
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Replace the URL's query (never with a refused value).
    WriteUrl(String),
    /// Open the live socket (closing any open one) and subscribe from `start`.
    Connect { url: String, start: StartFrom },
    /// Close the live socket, if one is open.
    Disconnect,
    /// Move the keyboard focus to the element with this id.
    Focus(&'static str),
    /// Move the keyboard focus to the first element matching this CSS selector.
    FocusQuery(String),
    /// Send a message on the open live socket.
    Send(ClientMessage),
    /// Put this text on the clipboard (answered with [`Action::Copied`]).
    Copy(String),
    /// Offer this text as a file download.
    Download { name: &'static str, text: String },
    /// Keep this in sessionStorage under [`SESSION_KEY`] (the live charts, for a reload).
    SaveSession(String),
    /// Keep the exercises' scores in localStorage under [`PROGRESS_KEY`].
    SaveProgress(String),
    /// Put the page's own address with this query on the clipboard (answered with
    /// [`Action::LinkCopied`]).
    CopyLink(String),
    /// Open the browser's print dialog.
    Print,
}

/// Versions of the parts of the state, for the components' props (see the module doc).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Versions {
    /// Settings and the fields' messages.
    pub settings: u64,
    /// The shop: sales, windows, alerts, the simulator's clock, the live status.
    pub shop: u64,
    /// Windows fired (and so KPIs, charts, top lists, alerts, cooldowns).
    pub windows: u64,
    /// The lesson, its selection, Play, zoom and guide.
    pub lesson: u64,
}

/// The whole page's state.
pub struct Page {
    pub settings: Settings,
    pub sim: Sim,
    pub shop: Shop,
    pub lesson: Lesson,
    pub lesson_playing: bool,
    /// At many windows per instant (15 min / 1 s), the timeline shows whole windows
    /// instead of zooming to the sales.
    pub lesson_zoomed_out: bool,
    /// How far back (ms) the timeline is scrolled from now: 0 follows the clock.
    pub lesson_back: i64,
    /// The timeline's axis in UTC clock time (the epoch the window starts count from)
    /// instead of lesson seconds.
    pub lesson_utc: bool,
    pub lesson_error: Option<String>,
    /// Where the many-windows picture holds still while the keyboard is on its bars.
    pub lesson_focus_hold: Option<i64>,
    pub guide_step: usize,
    pub live: LiveState,
    /// Why a field's last text was refused, by the field's test id.
    pub field_errors: BTreeMap<&'static str, String>,
    /// Bumped when a refused field must show its last good value again.
    pub field_resets: u32,
    pub versions: Versions,
    /// The wall clock at the last tick (ms).
    pub last_tick: f64,
    /// The shop's `windows_fired` when the windows version last moved.
    windows_seen: u64,
    lesson_acc_ms: f64,
    effects: VecDeque<Effect>,
    /// Where the lesson's SQL reads its sales from.
    pub sql_source: SqlSource,
    /// The last copy of the SQL: done (true) or refused by the browser (false).
    pub sql_copied: Option<bool>,
    /// The dashboard window under the inspector (its start), if one is open.
    pub inspected: Option<i64>,
    /// The live charts were last kept in sessionStorage at this wall time, with this many
    /// windows fired.
    saved_at: f64,
    saved_windows: u64,
    /// The exercise open in the teaching view.
    pub exercise: Option<OpenExercise>,
    /// Each exercise answered: right at the first try or not.
    pub exercise_progress: BTreeMap<String, bool>,
    /// The last copy of a link to the lesson's sales: done, or refused by the browser.
    pub link_copied: Option<bool>,
}

impl Page {
    /// The page for a URL query (`?tab=teach&size=…`) at wall time `now` (ms): refused
    /// parameters are named by their fields, and the URL is written back clean.
    pub fn from_query(query: &str, now: f64) -> Page {
        let (settings, problems) = Settings::from_query_checked(query);
        let (lesson, lesson_error) = new_lesson(&settings);
        let mut page = Page {
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
            lesson_back: 0,
            lesson_utc: false,
            lesson_error,
            lesson_focus_hold: None,
            guide_step: 0,
            live: LiveState::new(),
            field_errors: problems.into_iter().collect(),
            field_resets: 0,
            settings,
            versions: Versions::default(),
            last_tick: now,
            windows_seen: 0,
            lesson_acc_ms: 0.0,
            effects: VecDeque::new(),
            sql_source: SqlSource::default(),
            sql_copied: None,
            inspected: None,
            saved_at: 0.0,
            saved_windows: 0,
            exercise: None,
            exercise_progress: BTreeMap::new(),
            link_copied: None,
        };
        page.open_shared_window();
        if let Some(id) = page.settings.exercise.clone() {
            page.open_exercise(&id);
        }
        if page.settings.source == Source::Live {
            page.connect(now);
        }
        page.write_url();
        page
    }

    /// A link naming a lesson clock (`at=`) plays the seeded lesson to it; one naming a
    /// window (`window=`) selects it — so a teacher's "look at this window" opens on the
    /// same sales and the same window (injected sales are not in a link).
    fn open_shared_window(&mut self) {
        if self.settings.source == Source::Live {
            return;
        }
        if let Some(at) = self.settings.at {
            self.lesson.advance(at);
        }
        if let Some(w) = self.settings.window {
            if w.rem_euclid(self.lesson.config.slide.0) == 0 {
                self.lesson.selected = Selected::Window(w);
            } else {
                self.settings.window = None;
            }
        }
    }

    /// The lesson's Flink SQL, for its current settings.
    pub fn lesson_sql(&self) -> String {
        crate::sql::lesson_sql(&self.sql_params())
    }

    /// What the lesson's SQL depends on now.
    pub fn sql_params(&self) -> crate::sql::LessonSql {
        let l = &self.lesson;
        crate::sql::LessonSql {
            size: l.config.size,
            slide: l.config.slide,
            time: l.config.time,
            partitions: l.partitions,
            idle_timeout: crate::lesson::LESSON_IDLE_TIMEOUT,
            source: self.sql_source,
        }
    }

    /// The live charts to keep in sessionStorage, when there is something to keep (event
    /// time only: processing-time windows hold what arrived when, which a reload cannot
    /// read again).
    pub fn live_session(&self) -> Option<String> {
        if self.settings.source != Source::Live || self.settings.live_time != TimeDomain::Event {
            return None;
        }
        let through = self.shop.history.points().last()?.end;
        serde_json::to_string(&LiveSession {
            bridge: self.settings.bridge.clone(),
            history: self.shop.history.clone(),
            through,
        })
        .ok()
    }

    /// A reloaded live page picks up its charts (see [`LiveState::restored`]) from what
    /// [`Page::live_session`] kept — for the same bridge, in event time, if recent.
    pub fn restore_live_session(&mut self, text: &str, now: f64) {
        let Ok(s) = serde_json::from_str::<LiveSession>(text) else {
            return;
        };
        let fresh = Timestamp(now as i64).since(s.through) <= SESSION_MAX_AGE;
        if self.settings.source != Source::Live
            || self.settings.live_time != TimeDomain::Event
            || s.bridge != self.settings.bridge
            || !fresh
            || self.live.opened > 0
        {
            return;
        }
        self.live.restored = Some((s.history, s.through));
        // The first connection (already asked for) starts where the charts stopped.
        self.effects
            .retain(|e| !matches!(e, Effect::Connect { .. }));
        self.open_socket(now);
    }

    /// Whether effects wait to be carried out.
    pub fn has_effects(&self) -> bool {
        !self.effects.is_empty()
    }

    /// The next thing the browser must do, if any.
    pub fn poll_effect(&mut self) -> Option<Effect> {
        self.effects.pop_front()
    }

    /// Applies `action`. `clock` reads the wall clock (ms); it is read once for the
    /// action's time and, while simulating, to keep each slice within its budget.
    /// Returns whether anything drawn changed (the versions say what).
    pub fn handle(&mut self, action: Action, clock: &mut dyn FnMut() -> f64) -> bool {
        let before = self.versions;
        let now = clock();
        match action {
            Action::Tick => self.tick(now, clock),
            Action::Work => {
                if !(self.sim.paused || self.sim.caught_up() || self.live_active()) {
                    self.simulate_slice(now, clock);
                }
                // What the slice did is drawn at the next tick: no redraw between.
                return false;
            }
            Action::SetTab(t) => {
                self.settings.tab = t;
                self.settings_changed(true);
            }
            Action::FocusTab(t) => {
                self.settings.tab = t;
                self.settings_changed(true);
                self.effects.push_back(Effect::Focus(match t {
                    Tab::Dashboard => "tab-dashboard",
                    Tab::Teach => "tab-teach",
                }));
            }
            Action::SetSpeed(s) => {
                self.settings.speed = s;
                self.sim.speed = s;
                self.settings_changed(true);
            }
            Action::SetRate(text) => {
                if let Some(r) = self.checked("rate", settings::parse_rate(&text)) {
                    self.settings.rate = r;
                    self.sim.set_rate(r);
                    self.settings_changed(true);
                }
            }
            Action::SetSeed(text) => {
                if let Some(seed) = self.checked("seed", settings::parse_seed(&text)) {
                    self.settings.seed = seed;
                    self.restart_sim();
                    self.restart_lesson(now);
                    self.settings_changed(true);
                }
            }
            Action::TogglePause if self.live_active() => self.toggle_live_pause(),
            Action::TogglePause => {
                self.sim.paused = !self.sim.paused;
                self.versions.shop += 1;
            }
            Action::StepSlide => {
                self.sim.step(Span::seconds(1), &mut self.shop);
                self.shop_changed();
            }
            // Live: the windows are rebuilt from the warm start (a new session).
            Action::Reset if self.live_active() => self.connect(now),
            Action::Reset => self.restart_sim(),
            Action::Trigger(s) => {
                self.sim.trigger(s);
                self.versions.shop += 1;
            }
            Action::SetSource(s) => {
                self.settings.source = s;
                self.settings_changed(true);
                match s {
                    Source::Live => self.connect(now),
                    Source::Simulator => {
                        self.live = LiveState::new();
                        self.effects.push_back(Effect::Disconnect);
                    }
                }
            }
            Action::SetBridge(url) => {
                if let Some(url) = self.checked("bridge-url", settings::parse_bridge(&url)) {
                    self.settings.bridge = url;
                    self.settings_changed(true);
                    if self.settings.source == Source::Live {
                        self.connect(now);
                    }
                }
            }
            Action::SetLiveTime(t) => {
                self.settings.live_time = t;
                self.settings_changed(true);
                if self.settings.source == Source::Live {
                    self.connect(now);
                }
            }
            Action::SetPartitioner(p) => {
                self.settings.partitioner = p;
                self.settings_changed(true);
                self.restart_sim();
            }
            Action::Live(ev) => {
                self.on_live(ev, now);
                self.shop_changed();
            }
            Action::Inspect(start) => {
                self.inspected = start;
                self.versions.windows += 1;
            }
            Action::Copied(ok) => {
                self.sql_copied = Some(ok);
                self.versions.lesson += 1;
            }
            Action::LinkCopied(ok) => {
                self.link_copied = Some(ok);
                self.versions.lesson += 1;
            }
            Action::ConnectFailed(e) => {
                self.live.problem = Some(format!(
                    "Cannot connect to the bridge at {}: {e}",
                    self.settings.bridge
                ));
                self.versions.shop += 1;
            }
            Action::Lesson(a) => self.handle_lesson(a, now),
            Action::Exercise(a) => self.handle_exercise(a),
        }
        self.versions != before
    }

    /// The live source is on and its socket is open.
    pub fn live_active(&self) -> bool {
        self.settings.source == Source::Live && self.live.connected
    }

    /// The reason the field's last text was refused.
    pub fn field_error(&self, field: &str) -> Option<&str> {
        self.field_errors.get(field).map(String::as_str)
    }

    fn tick(&mut self, now: f64, clock: &mut dyn FnMut() -> f64) {
        if self.settings.source == Source::Live && self.live.retry_at.is_some_and(|at| now >= at) {
            self.open_socket(now);
        }
        let dt = now - self.last_tick;
        self.last_tick = now;
        // Once live data has come, a dropped connection pauses nothing but the stream: the
        // windows keep the wall clock and wait for it to resume (the simulator must not mix
        // its sales into them).
        let resuming =
            self.settings.source == Source::Live && self.live.opened > 0 && !self.live.incompatible;
        if self.live_active() || resuming {
            self.shop.advance(Timestamp(now as i64));
            self.lesson.live_advance(Timestamp(now as i64));
            self.shop_changed();
            self.versions.lesson += 1;
            // The charts, for a reload: when a window fired, at most once a second.
            if self.shop.windows_fired != self.saved_windows && now - self.saved_at >= 1_000.0 {
                if let Some(text) = self.live_session() {
                    self.saved_windows = self.shop.windows_fired;
                    self.saved_at = now;
                    self.effects.push_back(Effect::SaveSession(text));
                }
            }
        } else if !self.sim.paused {
            // What the slices since the last tick did not reach is let go: the shop runs
            // behind (and says so) rather than the page freezing.
            if !self.sim.caught_up() {
                self.sim.fall_behind();
            }
            self.sim.tick(dt);
            self.simulate_slice(now, clock);
            self.shop_changed();
        }
        if self.lesson_playing && !self.lesson.is_live() {
            // One simulated second per half real second: slow enough to follow.
            self.lesson_acc_ms += dt * 2.0;
            let whole = self.lesson_acc_ms.floor();
            self.lesson_acc_ms -= whole;
            self.lesson.advance(Span(whole as i64));
            self.versions.lesson += 1;
        }
    }

    /// Simulates towards the tick's target for at most [`WORK_BUDGET_MS`] of `clock`.
    fn simulate_slice(&mut self, start: f64, clock: &mut dyn FnMut() -> f64) {
        while !self.sim.work(SALES_PER_SLICE, &mut self.shop) {
            if clock() - start >= WORK_BUDGET_MS {
                break;
            }
        }
    }

    fn shop_changed(&mut self) {
        self.versions.shop += 1;
        if self.shop.windows_fired != self.windows_seen {
            self.windows_seen = self.shop.windows_fired;
            self.versions.windows += 1;
        }
    }

    /// A new shop: its windows are new, whatever it counts.
    fn new_shop(&mut self, shop: Shop) {
        self.shop = shop;
        self.windows_seen = 0;
        self.versions.windows += 1;
        self.versions.shop += 1;
    }

    fn settings_changed(&mut self, write_url: bool) {
        self.versions.settings += 1;
        if write_url {
            self.write_url();
        }
    }

    /// The selected window and the lesson clock, as a link names them.
    fn window_link(&self) -> (Option<i64>, Option<Span>) {
        match self.lesson.selected {
            Selected::Window(w) if !self.lesson.is_live() => (
                Some(w),
                Some(Span(self.lesson.clock.0.clamp(0, settings::MAX_AT.0))),
            ),
            _ => (None, None),
        }
    }

    fn write_url(&mut self) {
        (self.settings.window, self.settings.at) = self.window_link();
        let query = self.settings.to_query();
        // One pending write is enough: the newest replaces an unperformed older one.
        self.effects.retain(|e| !matches!(e, Effect::WriteUrl(_)));
        self.effects.push_back(Effect::WriteUrl(query));
    }

    /// A field's text, checked: the value, or `None` with the reason kept for the field
    /// (which then shows its last good value again). The URL only ever gets good values.
    fn checked<T>(&mut self, field: &'static str, r: Result<T, String>) -> Option<T> {
        self.versions.settings += 1;
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

    fn restart_sim(&mut self) {
        self.sim = Sim::new(
            self.settings.seed,
            self.settings.rate,
            self.settings.speed,
            self.settings.partitioner,
        );
        self.new_shop(Shop::new());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lesson::Selected;
    use hopscope_core::protocol::Record;
    use hopscope_core::Sale;

    /// A wall clock that moves `step` ms each time it is read.
    fn clock(start: f64, step: f64) -> impl FnMut() -> f64 {
        let mut t = start - step;
        move || {
            t += step;
            t
        }
    }

    fn effects(p: &mut Page) -> Vec<Effect> {
        std::iter::from_fn(|| p.poll_effect()).collect()
    }

    fn urls(p: &mut Page) -> Vec<String> {
        effects(p)
            .into_iter()
            .filter_map(|e| match e {
                Effect::WriteUrl(q) => Some(q),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_link_names_a_window_and_opens_on_the_same_sales_and_window() {
        let mut c = clock(0.0, 1.0);
        let mut teacher = Page::from_query("?tab=teach&size=10s&slide=2s&seed=2", 0.0);
        for _ in 0..15 {
            teacher.handle(Action::Lesson(LessonAction::NextEvent), &mut c);
        }
        let window = teacher
            .lesson
            .fired
            .keys()
            .copied()
            .find(|s| teacher.lesson.events_in(*s).len() >= 2);
        let window = window.expect("a fired window with sales");
        effects(&mut teacher);
        teacher.handle(
            Action::Lesson(LessonAction::Select(Selected::Window(window))),
            &mut c,
        );
        let link = urls(&mut teacher).pop().expect("the URL names the window");
        assert!(
            link.contains(&format!("&window={}", settings::instant_text(window))),
            "{link}"
        );
        let student = Page::from_query(&link, 0.0);
        assert_eq!(student.lesson.selected, Selected::Window(window));
        assert_eq!(student.lesson.clock, teacher.lesson.clock);
        let row = |p: &Page| p.lesson.fired.get(&window).map(|f| f.row.clone());
        assert_eq!(
            row(&student),
            row(&teacher),
            "the same window, the same row"
        );
        // Unselecting takes the window out of the link.
        teacher.handle(
            Action::Lesson(LessonAction::Select(Selected::Window(window))),
            &mut c,
        );
        assert!(!urls(&mut teacher).pop().unwrap().contains("window="));
    }

    #[test]
    fn copy_and_download_ask_the_browser_and_hear_back() {
        let mut c = clock(0.0, 1.0);
        let mut p = Page::from_query("?tab=teach", 0.0);
        p.handle(Action::Lesson(LessonAction::NextEvent), &mut c);
        effects(&mut p);
        p.handle(Action::Lesson(LessonAction::CopySql), &mut c);
        assert_eq!(effects(&mut p), vec![Effect::Copy(p.lesson_sql())]);
        p.handle(Action::Copied(true), &mut c);
        assert_eq!(p.sql_copied, Some(true));
        p.handle(
            Action::Lesson(LessonAction::SetSqlSource(SqlSource::File)),
            &mut c,
        );
        assert!(p.lesson_sql().contains("'connector' = 'filesystem'"));
        p.handle(Action::Lesson(LessonAction::DownloadSales), &mut c);
        match effects(&mut p).pop() {
            Some(Effect::Download { name, text }) => {
                assert_eq!(name, "lesson-sales.jsonl");
                assert_eq!(text.lines().count(), 1);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_refused_field_keeps_the_last_good_value_and_never_reaches_the_url() {
        let mut c = clock(0.0, 1.0);
        let mut p = Page::from_query("?rate=50", 0.0);
        assert!(
            urls(&mut p)[0].contains("rate=50"),
            "the opening URL is written clean"
        );
        for bad in ["-5", "20000", "abc", ""] {
            assert!(
                p.handle(Action::SetRate(bad.into()), &mut c),
                "{bad}: drawn"
            );
            assert_eq!(p.settings.rate, 50.0, "{bad}");
            assert!(
                p.field_error("rate").is_some(),
                "{bad}: a message by the field"
            );
            assert_eq!(urls(&mut p), Vec::<String>::new(), "{bad}: URL untouched");
        }
        let resets = p.field_resets;
        p.handle(Action::SetRate("200".into()), &mut c);
        assert_eq!(p.settings.rate, 200.0);
        assert_eq!(p.field_error("rate"), None);
        assert!(urls(&mut p)[0].contains("rate=200"));
        assert_eq!(p.field_resets, resets, "a good value resets nothing");
        // The lesson's fields: size 0 and slide > size are refused the same way.
        p.handle(Action::Lesson(LessonAction::SetSize("0".into())), &mut c);
        p.handle(Action::Lesson(LessonAction::SetSlide("20s".into())), &mut c);
        assert_eq!(
            (p.settings.size, p.settings.slide),
            (Span::seconds(10), Span::seconds(2))
        );
        assert!(p.field_error("lesson-size").is_some() && p.field_error("lesson-slide").is_some());
        assert_eq!(urls(&mut p), Vec::<String>::new());
    }

    #[test]
    fn the_guided_steps_keep_the_sales_and_the_selection() {
        let mut c = clock(0.0, 1.0);
        let mut p = Page::from_query("?tab=teach", 0.0);
        for _ in 0..6 {
            p.handle(Action::Lesson(LessonAction::NextEvent), &mut c);
        }
        let id = p.lesson.events[2].id;
        p.handle(
            Action::Lesson(LessonAction::Select(Selected::Event(id))),
            &mut c,
        );
        // Step 3: the slide to 3 s; step 7: processing time; step 8: three partitions.
        p.handle(Action::Lesson(LessonAction::SetSlide("3s".into())), &mut c);
        p.handle(
            Action::Lesson(LessonAction::SetTime(TimeDomain::Processing)),
            &mut c,
        );
        p.handle(
            Action::Lesson(LessonAction::SetTime(TimeDomain::Event)),
            &mut c,
        );
        p.handle(Action::Lesson(LessonAction::SetParts(3)), &mut c);
        assert_eq!(p.lesson.config.slide, Span::seconds(3));
        assert_eq!(p.lesson.events.len(), 6, "the student's sales stay");
        assert_eq!(p.lesson.selected, Selected::Event(id), "and the selection");
        assert!(urls(&mut p).last().unwrap().contains("slide=3s"));
        // Reset is what starts over.
        p.handle(Action::Lesson(LessonAction::Reset), &mut c);
        assert!(p.lesson.events.is_empty());
        assert_eq!(p.lesson.selected, Selected::Nothing);
    }

    #[test]
    fn a_tick_simulates_within_its_budget_and_lets_the_rest_go() {
        // Every look at the clock costs 1 ms: a slice stops after about WORK_BUDGET_MS.
        let mut p = Page::from_query("?rate=10000&speed=3600", 0.0);
        let mut c = clock(0.0, 1.0);
        let mut looks = 0;
        for _ in 0..20 {
            let mut counted = || {
                looks += 1;
                c()
            };
            p.handle(Action::Tick, &mut counted);
            p.handle(Action::Work, &mut counted);
        }
        assert!(
            looks <= 20 * 2 * (WORK_BUDGET_MS as usize + 2),
            "{looks} looks at the clock"
        );
        assert!(
            p.sim.pace() < 0.5,
            "it says it runs behind: pace {}",
            p.sim.pace()
        );
        assert!(p.shop.total_sales > 0, "and still sells");
    }

    #[test]
    fn versions_move_only_for_what_changed() {
        let mut c = clock(0.0, 1.0);
        let mut p = Page::from_query("?tab=teach", 0.0);
        effects(&mut p);
        // A work slice never draws; a tick with the shop paused and no Play draws nothing.
        assert!(!p.handle(Action::Work, &mut c));
        p.handle(Action::TogglePause, &mut c);
        let v = p.versions;
        assert!(
            !p.handle(Action::Tick, &mut c),
            "nothing moved, nothing drawn"
        );
        assert_eq!(p.versions, v);
        // A lesson step changes the lesson only.
        assert!(p.handle(Action::Lesson(LessonAction::NextEvent), &mut c));
        assert_eq!(
            (
                p.versions.lesson > v.lesson,
                p.versions.shop,
                p.versions.windows,
                p.versions.settings
            ),
            (true, v.shop, v.windows, v.settings)
        );
        // The running shop moves the shop each tick, and the windows once one fires.
        p.handle(Action::TogglePause, &mut c);
        let v = p.versions;
        let mut t = 1_000.0;
        while p.shop.windows_fired == 0 {
            t += 100.0;
            p.handle(Action::Tick, &mut || t);
        }
        assert!(p.versions.shop > v.shop && p.versions.windows > v.windows);
        assert_eq!(
            p.versions.lesson, v.lesson,
            "the shop running does not redraw the lesson"
        );
        // A reset shop counts from zero again; its windows are still new ones.
        let w = p.versions.windows;
        p.handle(Action::Reset, &mut c);
        assert!(p.versions.windows > w);
    }

    fn sale_record(partition: u32, offset: i64) -> Record {
        let json = r#"{"id_sale":"s","id_product":"CE-1","nm_product":"Duracell AA","nm_category":"Batteries","nm_brand":"Duracell","seller":"ana.silva","price":20.99,"quantity":2,"tp_payment":"PIX","sale_date":"2026-11-26T10:00:00.000000+0000"}"#;
        Record {
            partition,
            offset,
            timestamp: Timestamp(0),
            key: Some("ana.silva".into()),
            value: RecordValue::Sale(Sale::from_json(json.as_bytes()).unwrap()),
        }
    }

    #[test]
    fn live_pause_stops_the_bridge_and_resume_continues_from_the_next_offsets_once() {
        let mut p = Page::from_query("?source=live&ltime=processing", 0.0);
        let at = |t: f64| move || t;
        p.handle(Action::Live(LiveEvent::Open), &mut at(10.0));
        effects(&mut p);
        let batch = |offsets: &[(u32, i64)]| ServerMessage::Records {
            records: offsets.iter().map(|(p, o)| sale_record(*p, *o)).collect(),
        };
        p.handle(
            Action::Live(LiveEvent::Message(Box::new(batch(&[
                (0, 0),
                (1, 0),
                (0, 1),
            ])))),
            &mut at(11.0),
        );
        p.handle(Action::TogglePause, &mut at(12.0));
        assert!(p.live.paused);
        assert_eq!(effects(&mut p), vec![Effect::Send(ClientMessage::Pause)]);
        // A batch the bridge sent before the pause reached it still counts …
        p.handle(
            Action::Live(LiveEvent::Message(Box::new(batch(&[(1, 1)])))),
            &mut at(13.0),
        );
        p.handle(Action::TogglePause, &mut at(14.0));
        let resume = ClientMessage::Subscribe {
            start: StartFrom::Offsets {
                offsets: vec![
                    PartitionOffset {
                        partition: 0,
                        offset: 2,
                    },
                    PartitionOffset {
                        partition: 1,
                        offset: 2,
                    },
                ],
            },
        };
        assert_eq!(effects(&mut p), vec![Effect::Send(resume)]);
        // … and replayed again after the resume, it counts once.
        p.handle(
            Action::Live(LiveEvent::Message(Box::new(batch(&[(1, 1), (0, 2)])))),
            &mut at(15.0),
        );
        assert_eq!((p.live.records, p.live.repeated), (5, 1));
        // The simulator's controls do nothing to a live stream; Reset rebuilds the windows
        // from a new session.
        p.handle(Action::Reset, &mut at(16.0));
        assert!(effects(&mut p).iter().any(|e| matches!(
            e,
            Effect::Connect {
                start: StartFrom::Latest,
                ..
            }
        )));
        assert_eq!(p.live.records, 0);
    }

    #[test]
    fn a_reloaded_live_page_goes_on_with_its_charts_with_no_gap_and_no_window_twice() {
        let t0 = Timestamp::parse_iso("2026-11-26T10:00:00Z").unwrap();
        // A sale every 500 ms on two partitions, as the topic holds them.
        let records: Vec<Record> = (0..400i64)
            .map(|k| {
                let mut r = sale_record((k % 2) as u32, k / 2);
                if let RecordValue::Sale(s) = &mut r.value {
                    s.sale_date = hopscope_core::Micros::from_timestamp(t0.plus(Span(k * 500)));
                }
                r
            })
            .collect();
        let feed = |p: &mut Page, range: std::ops::Range<usize>| {
            for chunk in records[range].chunks(20) {
                let now = chunk
                    .last()
                    .and_then(|r| match &r.value {
                        RecordValue::Sale(s) => Some(s.event_time().0 as f64 + 300.0),
                        _ => None,
                    })
                    .unwrap_or(0.0);
                p.handle(
                    Action::Live(LiveEvent::Message(Box::new(ServerMessage::Records {
                        records: chunk.to_vec(),
                    }))),
                    &mut move || now,
                );
                p.handle(Action::Tick, &mut move || now);
            }
        };
        let open =
            |p: &mut Page, now: f64| p.handle(Action::Live(LiveEvent::Open), &mut move || now);
        let start = t0.0 as f64;
        // The page that never reloads.
        let mut whole = Page::from_query("?source=live", start);
        open(&mut whole, start);
        feed(&mut whole, 0..400);
        // The page reloaded after 200 sales: its charts kept, its first connection one
        // window before the last window drawn (the bridge re-reads from there: all of it).
        let mut before = Page::from_query("?source=live", start);
        open(&mut before, start);
        feed(&mut before, 0..200);
        let kept = before.live_session().expect("event-time charts are kept");
        let through = before.shop.history.points().last().unwrap().end;
        let reload = start + 100_000.0;
        let mut after = Page::from_query("?source=live", reload);
        after.restore_live_session(&kept, reload);
        let asked = effects(&mut after)
            .into_iter()
            .find_map(|e| match e {
                Effect::Connect { start, .. } => Some(start),
                _ => None,
            })
            .expect("it connects");
        let from = through
            .minus(Shop::event_time().window_size())
            .minus(EventTime::DEFAULT_DELAY);
        assert_eq!(asked, StartFrom::Timestamp { timestamp: from });
        open(&mut after, reload);
        feed(&mut after, 0..400);
        let ends = |p: &Page| {
            p.shop
                .history
                .points()
                .iter()
                .map(|x| x.end)
                .collect::<Vec<_>>()
        };
        assert!(ends(&whole).len() > 100);
        assert_eq!(ends(&after), ends(&whole), "no gap, no window twice");
        assert_eq!(after.shop.history.points(), whole.shop.history.points());
        // Another bridge's, processing time's or a day-old session is not resumed.
        let mut other = Page::from_query("?source=live&ltime=processing", reload);
        other.restore_live_session(&kept, reload);
        assert!(other.live.restored.is_none());
        let mut old = Page::from_query("?source=live", reload + 86_400_000.0);
        old.restore_live_session(&kept, reload + 86_400_000.0);
        assert!(old.live.restored.is_none());
    }

    #[test]
    fn in_processing_time_flinks_event_time_windows_are_counted_not_compared() {
        let row = |start: i64| {
            hopscope_core::protocol::WindowRow {
            partition: 0,
            offset: start,
            window: hopscope_core::WindowResult::from_json(
                format!(
                    r#"{{"window_start":"{}","window_end":"{}","sales_in_window":1,"revenue":1.0,"avg_ticket":1.0,"active_sellers":1,"active_categories":1,"active_products":1,"biggest_sale":1.0,"ticket_stddev":0.0}}"#,
                    Timestamp(start).to_iso(),
                    Timestamp(start + 900_000).to_iso()
                )
                .as_bytes(),
            )
            .unwrap(),
        }
        };
        for (ltime, compared) in [("processing", false), ("event", true)] {
            let mut p = Page::from_query(&format!("?source=live&ltime={ltime}"), 0.0);
            let at = |t: f64| move || t;
            p.handle(Action::Live(LiveEvent::Open), &mut at(10.0));
            let hello = ServerMessage::Hello {
                version: hopscope_core::protocol::PROTOCOL_VERSION,
                topic: "sales".into(),
                partitions: 2,
                windows_topic: Some("sales-windows".into()),
                bridge: None,
            };
            p.handle(
                Action::Live(LiveEvent::Message(Box::new(hello))),
                &mut at(11.0),
            );
            let rows = ServerMessage::Windows {
                topic: "sales-windows".into(),
                rows: vec![row(0), row(1_000)],
            };
            p.handle(
                Action::Live(LiveEvent::Message(Box::new(rows))),
                &mut at(12.0),
            );
            assert_eq!(p.live.windows_received, 2);
            assert_eq!(p.shop.agreement.is_some(), compared, "{ltime}");
        }
    }

    #[test]
    fn a_live_record_from_a_broken_clock_is_named_in_the_status() {
        let mut p = Page::from_query("?source=live", 0.0);
        let now = Timestamp::parse_iso("2026-11-26T10:00:05Z").unwrap().0 as f64;
        let at = |t: f64| move || t;
        p.handle(Action::Live(LiveEvent::Open), &mut at(now));
        let mut broken = sale_record(0, 9);
        if let RecordValue::Sale(s) = &mut broken.value {
            s.id_sale = "broken-clock".into();
            s.sale_date = hopscope_core::Micros::parse_iso("2100-01-01T00:00:00Z").unwrap();
        }
        let records = ServerMessage::Records {
            records: vec![sale_record(0, 7), sale_record(0, 8), broken],
        };
        p.handle(
            Action::Live(LiveEvent::Message(Box::new(records))),
            &mut at(now + 10.0),
        );
        let jump = p.live.jump.as_deref().expect("the jump is said");
        assert!(
            jump.starts_with("partition 0 offset 9: sale broken-clock at 2100-01-01T00:00:00.000Z")
                && jump.contains("every earlier sale on this partition is now late"),
            "{jump}"
        );
        assert_eq!(p.live.guard.stats().jumps, 1);
    }

    #[test]
    fn a_dropped_bridge_is_retried_with_backoff_and_resumed_from_the_next_offsets() {
        let mut p = Page::from_query("?source=live&ltime=processing", 0.0);
        let first = effects(&mut p);
        assert!(
            first.iter().any(|e| matches!(
                e,
                Effect::Connect {
                    start: StartFrom::Latest,
                    ..
                }
            )),
            "{first:?}"
        );
        let at = |t: f64| move || t;
        p.handle(Action::Live(LiveEvent::Open), &mut at(10.0));
        let hello = ServerMessage::Hello {
            version: hopscope_core::protocol::PROTOCOL_VERSION,
            topic: "sales".into(),
            partitions: 2,
            windows_topic: None,
            bridge: None,
        };
        p.handle(
            Action::Live(LiveEvent::Message(Box::new(hello))),
            &mut at(11.0),
        );
        let bad = Record {
            value: RecordValue::Invalid {
                error: "price: expected a number".into(),
                excerpt: "{\"price\":\"x\"".into(),
            },
            ..sale_record(1, 2)
        };
        let records = ServerMessage::Records {
            records: vec![sale_record(0, 7), bad, sale_record(1, 3), sale_record(0, 8)],
        };
        p.handle(
            Action::Live(LiveEvent::Message(Box::new(records))),
            &mut at(12.0),
        );
        // A bad record stalls nothing: counted, described, and the stream goes on past it.
        assert_eq!(
            (p.live.records, p.live.invalid, p.shop.total_sales),
            (4, 1, 3)
        );
        assert_eq!(
            p.live.last_invalid.as_deref(),
            Some("partition 1 offset 2: price: expected a number")
        );
        effects(&mut p);
        let closed = LiveEvent::Closed {
            code: 1006,
            reason: String::new(),
            was_open: true,
        };
        p.handle(Action::Live(closed), &mut at(100.0));
        assert_eq!(effects(&mut p), vec![Effect::Disconnect]);
        assert_eq!(p.live.retry_at, Some(100.0 + backoff_ms(0)));
        assert!(p
            .live
            .problem
            .as_deref()
            .unwrap()
            .contains("resuming where the stream stopped"));
        // Not before the backoff; then from exactly the next offset of each partition.
        p.handle(Action::Tick, &mut at(300.0));
        assert!(!effects(&mut p)
            .iter()
            .any(|e| matches!(e, Effect::Connect { .. })));
        p.handle(Action::Tick, &mut at(700.0));
        let offsets = vec![
            PartitionOffset {
                partition: 0,
                offset: 9,
            },
            PartitionOffset {
                partition: 1,
                offset: 4,
            },
        ];
        assert!(effects(&mut p).contains(&Effect::Connect {
            url: p.settings.bridge.clone(),
            start: StartFrom::Offsets { offsets }
        }));
        // The windows were kept across the drop.
        assert_eq!(p.shop.total_sales, 3);
    }

    #[test]
    fn a_bridge_of_another_protocol_version_is_named_and_not_retried() {
        let mut p = Page::from_query("?source=live", 0.0);
        effects(&mut p);
        let at = |t: f64| move || t;
        p.handle(Action::Live(LiveEvent::Open), &mut at(1.0));
        let hello = ServerMessage::Hello {
            version: 999,
            topic: "t".into(),
            partitions: 1,
            windows_topic: None,
            bridge: None,
        };
        p.handle(
            Action::Live(LiveEvent::Message(Box::new(hello))),
            &mut at(2.0),
        );
        assert_eq!(effects(&mut p), vec![Effect::Disconnect]);
        let closed = LiveEvent::Closed {
            code: 1000,
            reason: String::new(),
            was_open: true,
        };
        p.handle(Action::Live(closed), &mut at(3.0));
        assert_eq!(p.live.retry_at, None);
        assert!(p
            .live
            .problem
            .as_deref()
            .unwrap()
            .contains("protocol version 999"));
    }

    #[test]
    fn the_picture_holds_where_the_keyboard_arrived_until_it_leaves_the_bars() {
        let mut c = clock(0.0, 1.0);
        let mut p = Page::from_query("?tab=teach&size=15m&slide=1s", 0.0);
        assert!(p.handle(Action::Lesson(LessonAction::HoldFocus(4_000)), &mut c));
        // Moving to the next bar does not move the picture (nor draw).
        assert!(!p.handle(Action::Lesson(LessonAction::HoldFocus(9_000)), &mut c));
        assert_eq!(p.lesson_focus_hold, Some(4_000));
        p.handle(Action::Lesson(LessonAction::ReleaseFocus), &mut c);
        assert_eq!(p.lesson_focus_hold, None);
        p.handle(Action::Lesson(LessonAction::HoldFocus(9_000)), &mut c);
        p.handle(Action::Lesson(LessonAction::Reset), &mut c);
        assert_eq!(p.lesson_focus_hold, None, "a new lesson holds nothing");
    }

    #[test]
    fn keyboard_tab_moves_focus_and_source_switch_closes_the_socket() {
        let mut c = clock(0.0, 1.0);
        let mut p = Page::from_query("", 0.0);
        effects(&mut p);
        p.handle(Action::FocusTab(Tab::Teach), &mut c);
        let e = effects(&mut p);
        assert!(e.contains(&Effect::Focus("tab-teach")), "{e:?}");
        assert!(e
            .iter()
            .any(|e| matches!(e, Effect::WriteUrl(q) if q.contains("tab=teach"))));
        p.handle(Action::SetSource(Source::Live), &mut c);
        assert!(effects(&mut p)
            .iter()
            .any(|e| matches!(e, Effect::Connect { .. })));
        p.handle(Action::SetSource(Source::Simulator), &mut c);
        assert!(effects(&mut p).contains(&Effect::Disconnect));
    }
}
