//! "How hopping windows work": a timeline of events and the overlapping windows over them,
//! panes, the watermark and late events, with guided steps beside the picture.

use crate::field::Field;
use crate::icon::{icon, Icon};
use crate::lesson::{Origin, Selected, LESSON_IDLE_TIMEOUT};
use crate::settings::{self, LessonTime};
use crate::{App, LessonMsg, Msg};
use hopscope_core::{Pushed, Timestamp};
use yew::prelude::*;

const GUIDE: [(&str, &str); 8] = [
    ("1. A stream of sales",
     "Each dot is a sale. Press “Next event” a few times: sales arrive one by one, like records read from a Kafka topic."),
    ("2. Hopping windows",
     "Each bar is a window of a fixed size. A new window starts every slide, so windows overlap. Click a sale: every window containing it lights up."),
    ("3. How many windows?",
     "With size 10 s and slide 2 s every sale is in 10 ÷ 2 = 5 windows. Set the slide to 3 s: now a sale is in 3 or 4 windows, depending on where it falls."),
    ("4. Panes",
     "The thin dashed lines cut time into panes of gcd(size, slide). Every window is a whole number of panes. The engine keeps one small summary per pane, adds a pane when a window reaches it and subtracts it when the window leaves it — so each sale costs the same however many windows overlap."),
    ("5. The watermark",
     "In event time the red line is the watermark: the newest sale time minus the watermark delay (Flink: WATERMARK FOR ts AS ts − INTERVAL delay). A window fires (turns solid) once the watermark reaches its end − 1 ms. Until then it is open and may still receive sales."),
    ("6. Out of order and late",
     "“Inject out-of-order” adds a sale from a moment ago: within the delay it still counts everywhere. “Inject late” adds one from behind the watermark (!): its first windows have fired and keep their results without it, and it joins the ones still open — as Flink does. “Inject too late” adds one whose every window has fired: only then is it dropped (✕), and counted."),
    ("7. Processing time",
     "Sales reach the engine a moment after they happen (up to 1.5 s here: network, batching), so they arrive in a slightly different order than they happened. Switch to processing time: a sale now belongs to the windows of the moment it arrives, whatever its own timestamp — watch the dots move to their arrival times (your sales and selection stay). Nothing is ever late, but results depend on when data shows up."),
    ("8. Partitions",
     "Read from 3 Kafka partitions (event time): each partition has its own watermark (short lines p0, p1, p2) and the window operator's is their minimum (red), as in Flink's Kafka source. Hold a partition: the watermark stops at it — windows wait — until it has been silent for the idle timeout; then it is left out and the others move the watermark on. Release it: its held sales arrive behind the watermark and are late."),
];

fn secs(t: i64) -> String {
    let s = t as f64 / 1000.0;
    if t % 1000 == 0 {
        format!("{s:.0} s")
    } else {
        format!("{s:.3} s")
    }
}

/// Most rows of windows drawn one by one; past this many windows per instant the
/// timeline shows [`AROUND`] at each end of those around the focus, and a band for all.
const MAX_ROWS: usize = 16;
/// The timeline's narrowest and widest picture, in CSS pixels.
pub(crate) const MIN_TIMELINE_PX: f64 = 280.0;
pub(crate) const MAX_TIMELINE_PX: f64 = 1_600.0;
/// Windows shown at each end of those containing the focus, in the many-windows view.
const AROUND: usize = 3;

/// A long list cut to its first and last [`AROUND`] items, `None` standing for the rest.
fn summarised<T: Copy>(items: &[T]) -> Vec<Option<T>> {
    if items.len() <= 2 * AROUND + 1 {
        return items.iter().copied().map(Some).collect();
    }
    let ends = items[..AROUND].iter().chain(&items[items.len() - AROUND..]);
    let mut out: Vec<Option<T>> = ends.copied().map(Some).collect();
    out.insert(AROUND, None);
    out
}

/// The picture's right edge for reduced motion: `hi` rounded up to a whole page (half the
/// range), so the picture moves only when the clock turns a page.
fn paged(hi: i64, range: i64) -> i64 {
    let page = (range / 2).max(1);
    (hi + page - 1).div_euclid(page) * page
}

/// A timeline label in the unit of the tick spacing `step`: `42s` for steps under a
/// minute, `12:30` (min:s) under an hour, `1:02:00` above — one format per axis.
fn clock_label(t: i64, step: i64) -> String {
    let s = t.div_euclid(1_000);
    let sign = if s < 0 { "-" } else { "" };
    let a = s.abs();
    if step < 60_000 {
        format!("{s}s")
    } else if step < 3_600_000 {
        format!("{sign}{}:{:02}", a / 60, a % 60)
    } else {
        format!("{sign}{}:{:02}:{:02}", a / 3_600, a / 60 % 60, a % 60)
    }
}

impl App {
    /// Sales per window for every window start across the picture, as one filled path
    /// (one sample per pixel column): what hundreds of overlapping windows hold, without
    /// drawing hundreds of bars or tab stops.
    fn density_band(&self, lo: i64, range: i64, left: f64, width: f64, top: f64, h: f64) -> Html {
        let l = &self.lesson;
        let (size, slide) = (l.config.size.0, l.config.slide.0);
        let mut times: Vec<i64> = l
            .events
            .iter()
            .filter(|e| !e.dropped())
            .map(|e| l.position(e).0)
            .collect();
        times.sort_unstable();
        let columns = width as usize;
        let counts: Vec<(f64, usize)> = (0..=columns)
            .map(|c| {
                let t = lo + range * c as i64 / columns as i64;
                let s = t.div_euclid(slide) * slide;
                let n =
                    times.partition_point(|x| *x < s + size) - times.partition_point(|x| *x < s);
                (left + c as f64, n)
            })
            .collect();
        let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1);
        let y = |n: usize| top + h - h * n as f64 / max as f64;
        let mut path = format!("M{left},{}", top + h);
        for (cx, n) in &counts {
            path.push_str(&format!(" L{cx:.1},{:.1}", y(*n)));
        }
        path.push_str(&format!(" L{},{} Z", left + width, top + h));
        html! {
            <g class="band" data-testid="window-band" data-max={max.to_string()}>
                <title>{ format!("Sales per window, by window start: every {} a window of {} starts; the fullest here holds {max}.", l.config.slide, l.config.size) }</title>
                <rect x={left.to_string()} y={top.to_string()} width={width.to_string()} height={h.to_string()} class="band-bg" />
                <path d={path} />
                <text x={(left + 4.0).to_string()} y={(top + 11.0).to_string()} class="tick left">{ format!("sales per window by window start (max {max})") }</text>
            </g>
        }
    }

    pub(crate) fn update_lesson(&mut self, m: LessonMsg) -> bool {
        let mut url_changed = false;
        match m {
            LessonMsg::NextEvent => self.lesson.next_event(),
            LessonMsg::StepSlide => self.lesson.advance(self.lesson.config.slide),
            LessonMsg::TogglePlay => self.lesson_playing = !self.lesson_playing,
            LessonMsg::InjectOutOfOrder => self.lesson.inject_out_of_order(),
            LessonMsg::InjectLate => self.lesson.inject_late(),
            LessonMsg::InjectTooLate => self.lesson.inject_too_late(),
            LessonMsg::SetSize(text) => {
                let slide = self.settings.slide;
                let r = settings::parse_size(&text)
                    .and_then(|s| settings::check_shape(s, slide.min(s)).map(|_| s));
                if let Some(s) = self.checked("lesson-size", r) {
                    self.settings.size = s;
                    if self.settings.slide > s {
                        self.settings.slide = s;
                    }
                    self.reshape_lesson();
                    url_changed = true;
                }
            }
            LessonMsg::SetSlide(text) => {
                let r = settings::parse_slide(&text, self.settings.size);
                if let Some(s) = self.checked("lesson-slide", r) {
                    self.settings.slide = s;
                    self.reshape_lesson();
                    url_changed = true;
                }
            }
            LessonMsg::SetLateness(text) => {
                if let Some(s) = self.checked("lesson-lateness", settings::parse_delay(&text)) {
                    self.settings.lateness = s;
                    self.reshape_lesson();
                    url_changed = true;
                }
            }
            LessonMsg::SetTime(t) => {
                self.settings.time = t;
                self.reshape_lesson();
                url_changed = true;
            }
            LessonMsg::SetParts(n) => {
                self.settings.parts = n;
                self.reshape_lesson();
                url_changed = true;
            }
            LessonMsg::TogglePartition(p) => self.lesson.toggle_pause(p),
            LessonMsg::Select(s) => {
                self.lesson.selected = if self.lesson.selected == s {
                    Selected::Nothing
                } else {
                    s
                }
            }
            LessonMsg::Guide(d) => {
                self.guide_step =
                    (self.guide_step as isize + d).clamp(0, GUIDE.len() as isize - 1) as usize
            }
            LessonMsg::ToggleZoom => self.lesson_zoomed_out = !self.lesson_zoomed_out,
            LessonMsg::Reset => self.restart_lesson(),
        }
        url_changed
    }

    pub(crate) fn view_teach(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let l = &self.lesson;
        let event_time = self.settings.time == LessonTime::Event;
        html! {
            <div class="teach">
                <section class="controls" aria-label="Lesson controls">
                    <div class="row">
                        <label>{ "Window size " }
                            <Field testid="lesson-size" value={self.settings.size.to_string()} size={6} label="Window size"
                                error={self.field_error("lesson-size")} reset={self.field_resets}
                                on_commit={link.callback(|v| Msg::Lesson(LessonMsg::SetSize(v)))} />
                        </label>
                        <label>{ "Slide " }
                            <Field testid="lesson-slide" value={self.settings.slide.to_string()} size={6} label="Slide"
                                error={self.field_error("lesson-slide")} reset={self.field_resets}
                                on_commit={link.callback(|v| Msg::Lesson(LessonMsg::SetSlide(v)))} />
                        </label>
                        <label>{ "Time " }
                            <select data-testid="lesson-time" onchange={link.callback(|e: Event| {
                                let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                                Msg::Lesson(LessonMsg::SetTime(if v == "processing" { LessonTime::Processing } else { LessonTime::Event }))
                            })}>
                                <option value="event" selected={event_time}>{ "event time" }</option>
                                <option value="processing" selected={!event_time}>{ "processing time" }</option>
                            </select>
                        </label>
                        if event_time {
                            <label>{ "Watermark delay " }
                                <Field testid="lesson-lateness" value={self.settings.lateness.to_string()} size={6} label="Watermark delay"
                                error={self.field_error("lesson-lateness")} reset={self.field_resets}
                                on_commit={link.callback(|v| Msg::Lesson(LessonMsg::SetLateness(v)))} />
                            </label>
                        }
                        <label>{ "Read from " }
                            <select data-testid="lesson-parts" onchange={link.callback(|e: Event| {
                                let v = e.target_unchecked_into::<web_sys::HtmlSelectElement>().value();
                                Msg::Lesson(LessonMsg::SetParts(v.parse().unwrap_or(1)))
                            })}>
                                <option value="1" selected={self.settings.parts == 1}>{ "one stream" }</option>
                                <option value="3" selected={self.settings.parts == 3}>{ "3 Kafka partitions" }</option>
                            </select>
                        </label>
                    </div>
                    <div class="row">
                        <button data-testid="lesson-next" disabled={l.is_live()} onclick={link.callback(|_| Msg::Lesson(LessonMsg::NextEvent))}>{ icon(Icon::Plus) }{ " Next event" }</button>
                        <button data-testid="lesson-step" disabled={l.is_live()} onclick={link.callback(|_| Msg::Lesson(LessonMsg::StepSlide))}>{ icon(Icon::Step) }{ format!(" Step one slide ({})", l.config.slide) }</button>
                        <button data-testid="lesson-play" disabled={l.is_live()} onclick={link.callback(|_| Msg::Lesson(LessonMsg::TogglePlay))}>
                            if self.lesson_playing { { icon(Icon::Pause) }{ " Pause" } } else { { icon(Icon::Play) }{ " Play" } }</button>
                        <button data-testid="lesson-ooo" onclick={link.callback(|_| Msg::Lesson(LessonMsg::InjectOutOfOrder))}>{ icon(Icon::Back) }{ " Inject out-of-order" }</button>
                        <button data-testid="lesson-late" onclick={link.callback(|_| Msg::Lesson(LessonMsg::InjectLate))}>{ icon(Icon::Clock) }{ " Inject late" }</button>
                        <button data-testid="lesson-too-late" onclick={link.callback(|_| Msg::Lesson(LessonMsg::InjectTooLate))}>{ icon(Icon::Bin) }{ " Inject too late" }</button>
                        <button data-testid="lesson-reset" onclick={link.callback(|_| Msg::Lesson(LessonMsg::Reset))}>{ icon(Icon::Reset) }{ " Reset" }</button>
                        if l.config.size.0 / l.config.slide.0 > MAX_ROWS as i64 {
                            <button data-testid="lesson-zoom" aria-pressed={self.lesson_zoomed_out.to_string()}
                                onclick={link.callback(|_| Msg::Lesson(LessonMsg::ToggleZoom))}>{
                                if self.lesson_zoomed_out { "Zoom to the sales" } else { "Zoom out: whole windows" }
                            }</button>
                        }
                    </div>
                    if l.partitions > 1 && !l.is_live() {
                        <div class="row" role="group" aria-label="Partitions">
                            { for (0..l.partitions).map(|p| {
                                let paused = l.is_paused(p);
                                html! {
                                    <button data-testid={format!("lesson-pause-{p}")} aria-pressed={paused.to_string()}
                                        class={classes!(format!("p{p}"), paused.then_some("active"))}
                                        onclick={link.callback(move |_| Msg::Lesson(LessonMsg::TogglePartition(p)))}>
                                        if paused { { icon(Icon::Play) }{ format!(" Release partition {p}") } } else { { icon(Icon::Pause) }{ format!(" Hold partition {p}") } }</button>
                                }
                            }) }
                        </div>
                        <p class="muted" data-testid="lesson-partitions">{ self.partition_text() }</p>
                    }
                    if self.lesson.is_live() {
                        <p class="badge" data-testid="lesson-live">{ "Live: the dots are real records from the bridge, on the wall clock." }</p>
                    }
                    if let Some(e) = &self.lesson_error {
                        <p class="problem" role="alert">{ format!("{e} — showing the default lesson instead.") }</p>
                    }
                    <p class="muted" data-testid="lesson-status">{ format!(
                        "clock {} · {} events · {} late · {} dropped · watermark {} · panes of {} (gcd of size and slide)",
                        secs(l.clock.0), l.events.len(), l.late_count(), l.dropped_count(),
                        l.watermark().map(|w| secs(w.0)).unwrap_or_else(|| "—".into()),
                        l.config.pane()) }</p>
                </section>
                <div class="cols">
                    <section class="panel wide">{ self.view_timeline(ctx) }</section>
                    <section class="panel side" aria-live="polite">{ self.view_selection() }{ self.view_guide(ctx) }</section>
                </div>
            </div>
        }
    }

    /// Each partition's watermark, which one holds the operator's, and what is held back.
    fn partition_text(&self) -> String {
        let l = &self.lesson;
        let marks = l.partition_watermarks();
        if marks.is_empty() {
            return "Processing time has no watermarks: switch to event time to see one per partition.".into();
        }
        let parts: Vec<String> = marks
            .iter()
            .map(|p| {
                let behind = match (p.watermark, l.watermark()) {
                    (Some(pw), Some(w)) => pw < w,
                    _ => false,
                };
                let state = if p.idle {
                    format!(" idle (silent {}+, left out)", LESSON_IDLE_TIMEOUT)
                } else if l.is_paused(p.partition) {
                    " held".into()
                } else if behind {
                    " behind (woke up late: its older sales are late)".into()
                } else {
                    String::new()
                };
                format!(
                    "p{}: {}{state}",
                    p.partition,
                    p.watermark
                        .map(|w| secs(w.0))
                        .unwrap_or_else(|| "none yet".into())
                )
            })
            .collect();
        format!(
            "Partition watermarks {} · the window operator's watermark is the minimum over the partitions not idle for {}, and never moves back: {}; {} sales held back.",
            parts.join(" · "),
            LESSON_IDLE_TIMEOUT,
            l.watermark().map(|w| secs(w.0)).unwrap_or_else(|| "none yet: a partition has delivered nothing".into()),
            l.held_count()
        )
    }

    fn view_timeline(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let l = &self.lesson;
        let (size, slide, pane) = (l.config.size.0, l.config.slide.0, l.config.pane().0);
        let newest = l.events.iter().map(|e| l.position(e).0).max().unwrap_or(0);
        let oldest = l.events.iter().map(|e| l.position(e).0).min().unwrap_or(0);
        let per_instant = ((size + slide - 1) / slide) as usize;
        // Past MAX_ROWS windows per instant (15 min / 1 s has 900) the picture shows the
        // windows around the focus one by one and summarises all of them in a band; and
        // it zooms to the sales (a few a second, they would sit on one pixel in a
        // picture of whole 15-minute windows) unless asked for whole windows.
        let many = per_instant > MAX_ROWS;
        let whole = (size * 2 + slide * 4).max(20_000);
        let (range, hi) = if many && !self.lesson_zoomed_out {
            let range = (newest - oldest + 20_000).clamp(20_000, whole);
            (range, l.clock.0.max(newest) + range / 8)
        } else {
            (whole, l.clock.0.max(newest) + size / 2 + slide)
        };
        // With reduced motion the picture does not scroll under Play: it stands still and
        // turns a page (half its width) when the clock reaches its edge.
        let hi = if self.reduced_motion {
            paged(hi, range)
        } else {
            hi
        };
        let lo = hi - range;
        // One unit of the picture is one CSS pixel at every screen width (the box's
        // measured width), so text stays 10 px and bars 14 px on a phone instead of
        // shrinking with a fixed 900-unit picture.
        let view_w = self.timeline_width.clamp(MIN_TIMELINE_PX, MAX_TIMELINE_PX);
        let (left, width) = (40.0, view_w - 60.0);
        let x = |t: i64| left + width * (t - lo) as f64 / range as f64;
        let row_h = 14.0;
        let band_h = if many { 56.0 } else { 0.0 };
        let top_band = 92.0;
        let top_windows = top_band + band_h + if many { 8.0 } else { 0.0 };
        let selected_event = match l.selected {
            Selected::Event(id) => l.event(id).filter(|e| !e.dropped()).map(|e| l.position(e)),
            _ => None,
        };
        let highlighted: Vec<i64> = selected_event
            .map(|t| {
                l.windows_containing(t)
                    .into_iter()
                    .map(|(s, _)| s.0)
                    .collect()
            })
            .unwrap_or_default();
        // The windows drawn as bars, and the row each sits in.
        let (bars, rows, focus): (Vec<(i64, usize)>, usize, Option<i64>) = if many {
            let focus = selected_event
                .map(|t| t.0)
                .unwrap_or(if l.events.is_empty() {
                    l.clock.0
                } else {
                    newest
                });
            let around: Vec<i64> = l
                .windows_containing(Timestamp(focus))
                .into_iter()
                .map(|(s, _)| s.0)
                .collect();
            let shown: Vec<i64> = if around.len() > 2 * AROUND {
                around[..AROUND]
                    .iter()
                    .chain(&around[around.len() - AROUND..])
                    .copied()
                    .collect()
            } else {
                around
            };
            let n = shown.len();
            (
                shown.into_iter().enumerate().map(|(i, s)| (s, i)).collect(),
                n,
                Some(focus),
            )
        } else {
            let first_start = (lo - size).div_euclid(slide) * slide;
            let bars = (0..)
                .map(|k| first_start + k * slide)
                .take_while(|s| *s < hi)
                .map(|s| {
                    (
                        s,
                        s.div_euclid(slide).rem_euclid(per_instant as i64) as usize,
                    )
                })
                .collect();
            (bars, per_instant, None)
        };
        let height = top_windows + rows as f64 * (row_h + 3.0) + 12.0;
        // About one label per 80 px: labels never crowd, however narrow.
        let tick_every = crate::charts::tick_spacing(range, ((width / 80.0) as i64).clamp(3, 10));
        let ticks: Vec<i64> = (lo.div_euclid(tick_every) + 1..=hi.div_euclid(tick_every))
            .map(|k| k * tick_every)
            .collect();
        let panes: Vec<i64> = if width * pane as f64 / range as f64 >= 6.0 {
            (lo.div_euclid(pane) + 1..=hi.div_euclid(pane))
                .map(|k| k * pane)
                .collect()
        } else {
            Vec::new()
        };
        let wm = l.watermark().map(|w| w.0).filter(|w| *w >= lo);
        let band = many.then(|| self.density_band(lo, range, left, width, top_band, band_h));
        let around_text = match (many, focus) {
            (true, Some(f)) => Some(format!(
                "The {} windows containing {} — {} shown: the first {AROUND} and the last {AROUND}, one every {}.",
                per_instant,
                if selected_event.is_some() {
                    format!("the selected sale ({})", secs(f))
                } else {
                    format!("{} (select a sale to see its own)", secs(f))
                },
                bars.len(),
                l.config.slide
            )),
            _ => None,
        };
        html! {
            <div class="timeline-box" ref={self.timeline_ref.clone()}>
            if let Some(text) = around_text {
                <p class="muted around" data-testid="windows-around">{ text }</p>
            }
            <svg class="timeline" viewBox={format!("0 0 {view_w} {height}")} role="group"
                 aria-label="Timeline: sales as dots, windows as bars">
                <line x1={left.to_string()} x2={(left + width).to_string()} y1="24" y2="24" class="axis" />
                { for ticks.iter().map(|t| html! {
                    <g>
                        <line x1={x(*t).to_string()} x2={x(*t).to_string()} y1="20" y2="28" class="axis" />
                        <text x={x(*t).to_string()} y="14" class="tick">{ clock_label(*t, tick_every) }</text>
                    </g>
                }) }
                { for panes.iter().map(|p| html! {
                    <line x1={x(*p).to_string()} x2={x(*p).to_string()} y1="30" y2={height.to_string()} class="pane" data-testid="pane-line" />
                }) }
                { band.unwrap_or_else(|| html! {}) }
                // Its own group, so the bars are the whole (keyed) child list: among
                // unkeyed siblings Yew would replace every bar each frame instead.
                <g class="windows">
                { for bars.iter().map(|(s, row)| {
                    let s = *s;
                    let y = top_windows + *row as f64 * (row_h + 3.0);
                    let (x0, x1) = (x(s).max(left - 10.0), x(s + size).min(left + width + 10.0));
                    let fired = l.fired.get(&s);
                    let count = fired.map(|w| w.sales_in_window).unwrap_or_else(|| l.events_in(s).len() as u64);
                    // Flink emits no window without sales: an empty window never fires.
                    let never = count == 0 && l.never_fires(s);
                    let class = classes!(
                        "window",
                        if never { "never" } else if fired.is_some() { "fired" } else { "open" },
                        highlighted.contains(&s).then_some("hl"),
                        (l.selected == Selected::Window(s)).then_some("selected"),
                    );
                    let on = link.callback(move |_| Msg::Lesson(LessonMsg::Select(Selected::Window(s))));
                    let on_key = link.batch_callback(move |e: KeyboardEvent| {
                        (e.key() == "Enter" || e.key() == " ").then_some(Msg::Lesson(LessonMsg::Select(Selected::Window(s))))
                    });
                    // Bars outside the picture are not drawn as stops for the keyboard.
                    let visible = s + size > lo && s < hi;
                    html! {
                        // Keyed by window start: as Play moves the picture, a focused bar
                        // stays the window it was (unkeyed, its element would be reused
                        // for another window under the keyboard focus).
                        <g key={s} class={class} data-testid="window-bar" data-start={s.to_string()}
                           tabindex={if visible { "0" } else { "-1" }} role="button" onclick={on} onkeydown={on_key}
                           aria-label={format!("window [{}, {}) with {count} sales", secs(s), secs(s + size))}>
                            <rect x={x0.to_string()} y={y.to_string()} width={(x1 - x0).max(1.0).to_string()} height={row_h.to_string()} rx="3" />
                            <text x={(x0 + 4.0).to_string()} y={(y + row_h - 3.5).to_string()} class="wlabel">{ count }</text>
                        </g>
                    }
                }) }
                </g>
                { for l.partition_watermarks().iter().filter_map(|p| p.watermark.filter(|w| w.0 >= lo).map(|w| (p.partition, w.0, p.idle))).map(|(p, w, idle)| html! {
                    <g class={classes!("pwatermark", format!("p{p}"), idle.then_some("idle"))} data-testid="partition-watermark" data-partition={p.to_string()}>
                        <line x1={x(w).to_string()} x2={x(w).to_string()} y1="44" y2="76" />
                        <text x={(x(w) + 2.0).to_string()} y={(52 + 9 * p).to_string()}>{ format!("p{p}{}", if idle { " idle" } else { "" }) }</text>
                    </g>
                }) }
                if let Some(w) = wm {
                    <g class="watermark" data-testid="watermark">
                        <line x1={x(w).to_string()} x2={x(w).to_string()} y1="30" y2={height.to_string()} />
                        <text x={(x(w) + 3.0).to_string()} y="40">{ "watermark" }</text>
                    </g>
                }
                <g class="now"><line x1={x(l.clock.0).to_string()} x2={x(l.clock.0).to_string()} y1="30" y2="80" />
                    <text x={(x(l.clock.0) + 3.0).to_string()} y="80">{ "now" }</text></g>
                <g class="events">
                { for l.events.iter().filter(|e| l.position(e).0 >= lo).map(|e| {
                    let id = e.id;
                    let cx = x(l.position(e).0);
                    let class = classes!(
                        "event",
                        (l.partitions > 1).then(|| format!("p{}", e.partition)),
                        (e.late() && !e.dropped()).then_some("late"),
                        e.dropped().then_some("dropped"),
                        (e.origin == Origin::OutOfOrder).then_some("ooo"),
                        (l.selected == Selected::Event(id)).then_some("selected"),
                    );
                    let on = link.callback(move |_| Msg::Lesson(LessonMsg::Select(Selected::Event(id))));
                    let on_key = link.batch_callback(move |k: KeyboardEvent| {
                        (k.key() == "Enter" || k.key() == " ").then_some(Msg::Lesson(LessonMsg::Select(Selected::Event(id))))
                    });
                    html! {
                        <g key={id} class={class} data-testid="event-dot" data-id={id.to_string()} data-late={e.late().to_string()} data-dropped={e.dropped().to_string()}
                           data-t={l.position(e).0.to_string()}
                           tabindex="0" role="button" onclick={on} onkeydown={on_key}
                           aria-label={format!("sale {id} at {}{}", secs(l.position(e).0), if e.dropped() { ", too late: dropped" } else if e.late() { ", late" } else { "" })}>
                            <circle cx={cx.to_string()} cy="60" r="7" />
                            if e.dropped() { <text x={(cx - 4.0).to_string()} y="64" class="x">{ "✕" }</text> }
                            else if e.late() { <text x={(cx - 4.0).to_string()} y="64" class="x">{ "!" }</text> }
                        </g>
                    }
                }) }
                </g>
            </svg>
            </div>
        }
    }

    fn view_selection(&self) -> Html {
        let l = &self.lesson;
        match l.selected {
            Selected::Nothing => html! {
                <p class="muted">{ "Click a sale (dot) or a window (bar) to see what it holds." }</p>
            },
            Selected::Event(id) => {
                let Some(e) = l.event(id) else {
                    return html! {};
                };
                let t = l.position(e);
                let windows = l.windows_containing(t);
                html! {
                    <div class="selection" data-testid="selection">
                        <h3>{ format!("Sale {id}: {} by {}", e.value.display_usd(), e.seller) }</h3>
                        <p>{ format!("event time {} · arrived {}", secs(e.event_time.0), secs(e.arrival.0)) }</p>
                        { match e.fate {
                            Pushed::Dropped { windows: n, watermark } => html! {
                                <p class="problem" data-testid="selection-late" data-joined="0">{ format!(
                                    "Too late: it arrived when the watermark was at {}, and all {n} of its windows had already fired (a window fires when the watermark reaches its end − 1 ms). Fired results never change, so the engine dropped it — and counted it, as Flink does.",
                                    secs(watermark.0)) }</p>
                            },
                            Pushed::LateJoined { joined, windows: n, watermark } => html! {
                                <p class="problem" data-testid="selection-late" data-joined={joined.to_string()}>{ format!(
                                    "Late: it arrived when the watermark was at {}. {} of its {n} windows had already fired and keep their results without it; it joined the {joined} still open — Flink's rule. It is dropped only when every one of its windows has fired.",
                                    secs(watermark.0), n - joined) }</p>
                            },
                            Pushed::Accepted => html! {
                                <p data-testid="selection-count" data-count={windows.len().to_string()}>{ l.explain_count(t) }</p>
                            },
                        } }
                        <ul>{ for summarised(&windows).into_iter().map(|w| {
                            let Some((s, end)) = w else {
                                return html! { <li class="muted" data-testid="selection-window-more">{ format!(
                                    "… {} more, one every {} …", windows.len() - 2 * AROUND, l.config.slide) }</li> };
                            };
                            let state = if !e.counts_in(s.0, l.config.size.0) {
                                "fired before it arrived: without it"
                            } else if l.fired.contains_key(&s.0) {
                                "fired"
                            } else {
                                "open"
                            };
                            html! { <li data-testid="selection-window-state">{ format!("[{}, {}) — {state}", secs(s.0), secs(end.0)) }</li> }
                        }) }</ul>
                    </div>
                }
            }
            Selected::Window(start) => {
                let end = start + l.config.size.0;
                let events = l.events_in(start);
                let fired = l.fired.get(&start);
                let never = l.never_fires(start);
                html! {
                    <div class="selection" data-testid="selection">
                        <h3>{ format!("Window [{}, {})", secs(start), secs(end)) }</h3>
                        { match fired {
                            _ if never => html! {
                                <p data-testid="selection-window">{
                                    "Empty: no sale falls in it. Flink emits no window without rows, so this one never fires — it produces no result at all."
                                }</p>
                            },
                            Some(w) => html! {
                                <p data-testid="selection-window">{ format!(
                                    "Fired: {} sales, revenue {}, average {}, biggest {}, {} sellers.",
                                    w.sales_in_window, w.revenue.display_usd(), w.avg_ticket.display_usd(),
                                    w.biggest_sale.display_usd(), w.active_sellers) }</p>
                            },
                            None => html! {
                                <p data-testid="selection-window">{ if self.lesson.is_event_time() {
                                    format!("Open: it fires when the watermark reaches {} (its end − 1 ms). {} sales so far.", secs(end - 1), events.len())
                                } else {
                                    format!("Open: it fires when the clock reaches {}. {} sales so far.", secs(end), events.len())
                                } }</p>
                            },
                        } }
                        <ul>{ for summarised(&events).into_iter().map(|e| match e {
                            Some(e) => html! {
                                <li>{ format!("sale {} at {}: {}", e.id, secs(l.position(e).0), e.value.display_usd()) }</li>
                            },
                            None => html! { <li class="muted">{ format!("… {} more sales …", events.len() - 2 * AROUND) }</li> },
                        }) }</ul>
                        <p class="muted">{ format!("{} panes of {} each.", l.config.size.0 / l.config.pane().0, l.config.pane()) }</p>
                    </div>
                }
            }
        }
    }

    fn view_guide(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let (title, text) = GUIDE[self.guide_step];
        html! {
            <div class="guide" data-testid="guide">
                <h3>{ title }</h3>
                <p>{ text }</p>
                <button disabled={self.guide_step == 0} onclick={link.callback(|_| Msg::Lesson(LessonMsg::Guide(-1)))}>{ "← Back" }</button>
                <button data-testid="guide-next" disabled={self.guide_step + 1 == GUIDE.len()} onclick={link.callback(|_| Msg::Lesson(LessonMsg::Guide(1)))}>{ "Next tip →" }</button>
                <span class="muted">{ format!(" {}/{}", self.guide_step + 1, GUIDE.len()) }</span>
            </div>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::paged;

    #[test]
    fn a_reduced_motion_picture_stands_still_until_the_clock_turns_a_page() {
        let range = 28_000;
        // Every right edge within one page draws the same picture…
        let edges: std::collections::BTreeSet<i64> = (0..14_000)
            .step_by(100)
            .map(|hi| paged(hi + 1, range))
            .collect();
        assert_eq!(edges.into_iter().collect::<Vec<_>>(), vec![14_000]);
        // …the next page is half the picture on, and the edge is never left of `hi`.
        assert_eq!(paged(14_001, range), 28_000);
        for hi in [-30_001, -1, 0, 1, 13_999, 99_999] {
            let p = paged(hi, range);
            assert!(p >= hi && p - hi < range / 2, "{hi} → {p}");
        }
    }
}
