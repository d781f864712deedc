//! The teaching timeline: sales as dots, windows as bars, panes, the watermark(s) and
//! "now"; past [`MAX_ROWS`] windows per instant, the windows around the focus and a band
//! of sales per window for all.

use super::{send_if, use_dispatch, PageRef};
use crate::format::{clock_label, paged, secs, utc_label, AROUND};
use crate::hooks::use_element_width;
use crate::lesson::{Lesson, Origin, Selected};
use crate::page::{Action, LessonAction};
use hopscope_core::Timestamp;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Most rows of windows drawn one by one; past this many windows per instant the
/// timeline shows [`AROUND`] at each end of those around the focus, and a band for all.
pub const MAX_ROWS: usize = 16;
/// The height of a partition's lane.
const LANE_H: f64 = 20.0;
/// The timeline's narrowest and widest picture, in CSS pixels.
const MIN_TIMELINE_PX: f64 = 280.0;
const MAX_TIMELINE_PX: f64 = 1_600.0;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub page: PageRef,
    pub lesson: u64,
    /// The reader asked for reduced motion: the picture stands still under Play and turns
    /// pages instead of scrolling.
    pub reduced_motion: bool,
}

#[function_component(Timeline)]
pub fn timeline(p: &TimelineProps) -> Html {
    let dispatch = use_dispatch();
    let node = use_node_ref();
    let width_px = use_element_width(node.clone(), 900.0);
    let page = p.page.get();
    let l = &page.lesson;
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
    let (range, hi) = if many && !page.lesson_zoomed_out {
        let range = (newest - oldest + 20_000).clamp(20_000, whole);
        (range, l.clock.0.max(newest) + range / 8)
    } else {
        (whole, l.clock.0.max(newest) + size / 2 + slide)
    };
    // With reduced motion the picture does not scroll under Play: it stands still and
    // turns a page (half its width) when the clock reaches its edge.
    let hi = if p.reduced_motion {
        paged(hi, range)
    } else {
        hi
    } - page.lesson_back;
    let lo = hi - range;
    // One unit of the picture is one CSS pixel at every screen width (the box's
    // measured width), so text stays 10 px and bars 14 px on a phone instead of
    // shrinking with a fixed 900-unit picture.
    let view_w = width_px.clamp(MIN_TIMELINE_PX, MAX_TIMELINE_PX);
    let (left, width) = (40.0, view_w - 60.0);
    let x = |t: i64| left + width * (t - lo) as f64 / range as f64;
    let row_h = 14.0;
    let band_h = if many { 56.0 } else { 0.0 };
    // With partitions (event time) the sales sit in one lane per partition, each lane
    // with its own watermark: the operator's (red, full height) is their minimum.
    let lanes = l.partitions > 1 && l.is_event_time();
    let cy = |p: u32| {
        if lanes {
            56.0 + f64::from(p) * LANE_H
        } else {
            60.0
        }
    };
    let dots_bottom = cy(if lanes { l.partitions - 1 } else { 0 }) + 10.0;
    let top_band = dots_bottom + 22.0;
    let top_windows = top_band + band_h + if many { 8.0 } else { 0.0 };
    let selected_sale = match l.selected {
        Selected::Event(id) => l.event(id),
        _ => None,
    };
    let selected_event = selected_sale.map(|e| l.position(e));
    // The selected sale's windows keep their own state (fill) and get an outline; those
    // that fired before it arrived (a late sale's) are crossed: it missed them.
    let highlighted: Vec<i64> = selected_event
        .map(|t| {
            l.windows_containing(t)
                .into_iter()
                .map(|(s, _)| s.0)
                .collect()
        })
        .unwrap_or_default();
    let missed: Vec<i64> = selected_sale
        .map(|e| {
            highlighted
                .iter()
                .copied()
                .filter(|s| !e.counts_in(*s, size))
                .collect()
        })
        .unwrap_or_default();
    // The windows drawn as bars, and the row each sits in.
    let (bars, rows, focus): (Vec<(i64, usize)>, usize, Option<i64>) = if many {
        // While the keyboard is on one of the bars, the picture holds still around the
        // instant it had then, so new sales (Play) do not take the bars from under it.
        let focus = selected_event
            .map(|t| t.0)
            .or(page.lesson_focus_hold)
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
    // One tab stop for the bars and one for the dots (the selected one, else the first
    // bar / the newest sale); the arrow keys move inside each.
    let mut visible_bars: Vec<i64> = bars
        .iter()
        .map(|(s, _)| *s)
        .filter(|s| s + size > lo && *s < hi)
        .collect();
    visible_bars.sort_unstable();
    let rover_bar = match l.selected {
        Selected::Window(w) if visible_bars.contains(&w) => Some(w),
        _ => visible_bars.first().copied(),
    };
    let mut drawn: Vec<(i64, u32)> = l
        .events
        .iter()
        .filter(|e| l.position(e).0 >= lo)
        .map(|e| (l.position(e).0, e.id))
        .collect();
    drawn.sort_unstable();
    let dot_ids: Vec<u32> = drawn.iter().map(|(_, id)| *id).collect();
    let rover_dot = match l.selected {
        Selected::Event(id) if dot_ids.contains(&id) => Some(id),
        _ => dot_ids.last().copied(),
    };
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
    // Processing time has no watermark: none is drawn (the clock fires windows).
    let wm = l
        .watermark()
        .filter(|_| l.is_event_time())
        .map(|w| w.0)
        .filter(|w| *w >= lo && *w < crate::lesson::END_OF_INPUT.0);
    let band = many.then(|| density_band(l, lo, range, left, width, top_band, band_h));
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
        <div class="timeline-box" ref={node.clone()}>
        <div class="row timeline-nav" role="group" aria-label="Move through time">
            <button data-testid="timeline-earlier" onclick={dispatch.reform(|_| Action::Lesson(LessonAction::Scroll(-1)))}>{ "◀ Earlier" }</button>
            <button data-testid="timeline-later" disabled={page.lesson_back == 0} onclick={dispatch.reform(|_| Action::Lesson(LessonAction::Scroll(1)))}>{ "Later ▶" }</button>
            if page.lesson_back > 0 {
                <button data-testid="timeline-now" onclick={dispatch.reform(|_| Action::Lesson(LessonAction::ScrollToNow))}>{ "Back to now" }</button>
                <span class="muted" data-testid="timeline-back">{ format!("{} back", secs(page.lesson_back)) }</span>
            }
            <button data-testid="timeline-utc" aria-pressed={page.lesson_utc.to_string()}
                onclick={dispatch.reform(|_| Action::Lesson(LessonAction::ToggleUtc))}>{
                if page.lesson_utc { "Axis: UTC (1970-01-01)" } else { "Axis: lesson seconds" }
            }</button>
            if page.lesson_utc {
                <span class="muted">{ "The lesson's clock starts at the epoch: 0 s is 1970-01-01 00:00:00 UTC, where window starts are counted from." }</span>
            }
        </div>
        if let Some(text) = around_text {
            <p class="muted around" data-testid="windows-around">{ text }</p>
        }
        <svg class="timeline" viewBox={format!("0 0 {view_w} {height}")} role="group"
             aria-label="Timeline: sales as dots, windows as bars">
            <line x1={left.to_string()} x2={(left + width).to_string()} y1="24" y2="24" class="axis" />
            { for ticks.iter().map(|t| html! {
                <g>
                    <line x1={x(*t).to_string()} x2={x(*t).to_string()} y1="20" y2="28" class="axis" />
                    <text x={x(*t).to_string()} y="14" class="tick">{ if page.lesson_utc { utc_label(*t) } else { clock_label(*t, tick_every) } }</text>
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
                let (prev_bar, next_bar) = neighbours(&visible_bars, *s);
                let s = *s;
                let y = top_windows + *row as f64 * (row_h + 3.0);
                let (x0, x1) = (x(s).max(left - 10.0), x(s + size).min(left + width + 10.0));
                let fired = l.fired.get(&s);
                let count = fired.map(|w| w.row.sales_in_window).unwrap_or_else(|| l.events_in(s).len() as u64);
                // Flink emits no window without sales: an empty window never fires.
                let never = count == 0 && l.never_fires(s);
                let state = if never { "never" } else if fired.is_some() { "fired" } else { "open" };
                let is_missed = missed.contains(&s);
                let class = classes!(
                    "window",
                    state,
                    highlighted.contains(&s).then_some("hl"),
                    is_missed.then_some("missed"),
                    (l.selected == Selected::Window(s)).then_some("selected"),
                );
                let said = match state {
                    "never" => "empty, never fires".to_string(),
                    "fired" => format!("fired, {}", crate::format::count(count, "sale", "sales")),
                    _ => format!("open, {} so far", crate::format::count(count, "sale", "sales")),
                };
                let on = dispatch.reform(move |_| Action::Lesson(LessonAction::Select(Selected::Window(s))));
                // Enter selects; the arrow keys move to the window before or after.
                let on_key = send_if(&dispatch, move |e: &KeyboardEvent| match e.key().as_str() {
                    "Enter" | " " => Some(Action::Lesson(LessonAction::Select(Selected::Window(s)))),
                    "ArrowRight" | "ArrowDown" => next_bar.map(|n| Action::Lesson(LessonAction::KeyTo(Selected::Window(n)))),
                    "ArrowLeft" | "ArrowUp" => prev_bar.map(|n| Action::Lesson(LessonAction::KeyTo(Selected::Window(n)))),
                    _ => None,
                });
                let on_focus = {
                    let at = focus.unwrap_or(l.clock.0);
                    dispatch.reform(move |_: FocusEvent| Action::Lesson(LessonAction::HoldFocus(at)))
                };
                // Released when the focus leaves the bars (not when it moves between them).
                let on_blur = send_if(&dispatch, |e: &FocusEvent| {
                    let to_bar = e
                        .related_target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .is_some_and(|el| el.get_attribute("data-testid").as_deref() == Some("window-bar"));
                    (!to_bar).then_some(Action::Lesson(LessonAction::ReleaseFocus))
                });
                html! {
                    // Keyed by window start: as Play moves the picture, a focused bar
                    // stays the window it was (unkeyed, its element would be reused
                    // for another window under the keyboard focus).
                    <g key={s} class={class} data-testid="window-bar" data-start={s.to_string()}
                       tabindex={if rover_bar == Some(s) { "0" } else { "-1" }} role="button" onclick={on} onkeydown={on_key}
                       onfocus={on_focus} onblur={on_blur}
                       data-state={state} data-missed={is_missed.to_string()}
                       aria-label={format!("window [{}, {}): {said}{}", secs(s), secs(s + size), if is_missed { "; the selected sale missed it" } else { "" })}>
                        <rect x={x0.to_string()} y={y.to_string()} width={(x1 - x0).max(1.0).to_string()} height={row_h.to_string()} rx="3" />
                        // No "0" on empty bars: a number only where there are sales.
                        if count > 0 {
                            <text x={(x0 + 4.0).to_string()} y={(y + row_h - 3.5).to_string()} class="wlabel">{ count }</text>
                        }
                        if is_missed {
                            <text x={(x1 - 12.0).max(x0 + 14.0).to_string()} y={(y + row_h - 3.0).to_string()} class="wmissed">{ "✕" }</text>
                        }
                    </g>
                }
            }) }
            </g>
            if lanes {
                { for l.partition_watermarks().iter().map(|pw| {
                    let p = pw.partition;
                    let y = cy(p);
                    let state = if pw.idle { "idle" } else if l.is_paused(p) { "held" } else { "active" };
                    html! {
                        <g class={classes!("lane", format!("p{p}"), state)} data-testid="partition-lane" data-partition={p.to_string()}
                           data-state={state} data-watermark={pw.watermark.map(|w| w.0.to_string()).unwrap_or_default()}>
                            <rect x={left.to_string()} y={(y - LANE_H / 2.0).to_string()} width={width.to_string()} height={LANE_H.to_string()} class="lane-bg" />
                            <text x="2" y={(y + 3.5).to_string()} class="lane-label">{ format!("p{p}") }</text>
                        </g>
                    }
                }) }
            }
            { for l.partition_watermarks().iter().filter_map(|p| p.watermark.filter(|w| w.0 >= lo).map(|w| (p.partition, w.0, p.idle))).map(|(p, w, idle)| {
                let y = cy(p);
                let state = if idle { " idle" } else if l.is_paused(p) { " held" } else { "" };
                html! {
                    <g class={classes!("pwatermark", format!("p{p}"), idle.then_some("idle"))} data-testid="partition-watermark" data-partition={p.to_string()}>
                        <line x1={x(w).to_string()} x2={x(w).to_string()} y1={(y - 9.0).to_string()} y2={(y + 9.0).to_string()} />
                        <text x={(x(w) + 3.0).to_string()} y={(y - 2.0).to_string()}>{ format!("p{p}{state}") }</text>
                    </g>
                }
            }) }
            if let Some(w) = wm {
                <g class="watermark" data-testid="watermark">
                    <line x1={x(w).to_string()} x2={x(w).to_string()} y1="30" y2={height.to_string()} />
                    <text x={(x(w) + 3.0).to_string()} y="40">{ "watermark" }</text>
                </g>
            }
            <g class="now"><line x1={x(l.clock.0).to_string()} x2={x(l.clock.0).to_string()} y1="30" y2={(dots_bottom + 10.0).to_string()} />
                <text x={(x(l.clock.0) + 3.0).to_string()} y={(dots_bottom + 10.0).to_string()}>{ "now" }</text></g>
            // 24 px targets for a finger around the 14 px dots, under all the dots (so a
            // dot itself is never covered by a neighbour's target).
            <g class="hits" aria-hidden="true">
            { for l.events.iter().filter(|e| l.position(e).0 >= lo).map(|e| {
                let id = e.id;
                let on = dispatch.reform(move |_| Action::Lesson(LessonAction::Select(Selected::Event(id))));
                html! { <circle key={id} class="hit" cx={x(l.position(e).0).to_string()} cy={cy(if lanes { e.partition } else { 0 }).to_string()} r="12" onclick={on} /> }
            }) }
            </g>
            <g class="events">
            { for l.events.iter().filter(|e| l.position(e).0 >= lo).map(|e| {
                let id = e.id;
                let cx = x(l.position(e).0);
                let y = cy(if lanes { e.partition } else { 0 });
                let class = classes!(
                    "event",
                    (l.partitions > 1).then(|| format!("p{}", e.partition)),
                    (e.late() && !e.dropped()).then_some("late"),
                    e.dropped().then_some("dropped"),
                    (e.origin == Origin::OutOfOrder).then_some("ooo"),
                    e.before.is_some_and(|b| !matches!(b, hopscope_core::Pushed::Accepted)).then_some("was-late"),
                    (l.selected == Selected::Event(id)).then_some("selected"),
                );
                let on = dispatch.reform(move |_| Action::Lesson(LessonAction::Select(Selected::Event(id))));
                let (prev_dot, next_dot) = neighbours(&dot_ids, id);
                let on_key = send_if(&dispatch, move |k: &KeyboardEvent| match k.key().as_str() {
                    "Enter" | " " => Some(Action::Lesson(LessonAction::Select(Selected::Event(id)))),
                    "ArrowRight" | "ArrowDown" => next_dot.map(|n| Action::Lesson(LessonAction::KeyTo(Selected::Event(n)))),
                    "ArrowLeft" | "ArrowUp" => prev_dot.map(|n| Action::Lesson(LessonAction::KeyTo(Selected::Event(n)))),
                    _ => None,
                });
                html! {
                    <g key={id} class={class} data-testid="event-dot" data-id={id.to_string()} data-late={e.late().to_string()} data-dropped={e.dropped().to_string()}
                       data-t={l.position(e).0.to_string()}
                       tabindex={if rover_dot == Some(id) { "0" } else { "-1" }} role="button" onclick={on} onkeydown={on_key}
                       aria-label={format!("sale {id} at {}{}", secs(l.position(e).0), if e.dropped() { ", too late: dropped" } else if e.late() { ", late" } else { "" })}>
                        <circle cx={cx.to_string()} cy={y.to_string()} r="7" />
                        if e.dropped() { <text x={(cx - 4.0).to_string()} y={(y + 4.0).to_string()} class="x">{ "✕" }</text> }
                        else if e.late() { <text x={(cx - 4.0).to_string()} y={(y + 4.0).to_string()} class="x">{ "!" }</text> }
                    </g>
                }
            }) }
            </g>
        </svg>
        </div>
    }
}

/// The items before and after `x` in `items` (in order), for the arrow keys.
fn neighbours<T: Copy + PartialEq>(items: &[T], x: T) -> (Option<T>, Option<T>) {
    match items.iter().position(|i| *i == x) {
        Some(k) => (
            k.checked_sub(1).map(|j| items[j]),
            items.get(k + 1).copied(),
        ),
        None => (None, None),
    }
}

/// Sales per window for every window start across the picture, as one filled path
/// (one sample per pixel column): what hundreds of overlapping windows hold, without
/// drawing hundreds of bars or tab stops.
fn density_band(l: &Lesson, lo: i64, range: i64, left: f64, width: f64, top: f64, h: f64) -> Html {
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
            let n = times.partition_point(|x| *x < s + size) - times.partition_point(|x| *x < s);
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
