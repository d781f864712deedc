//! The lesson's settings and buttons, its partitions, and its status line.

use super::timeline::MAX_ROWS;
use super::{select_value, use_dispatch, PageRef};
use crate::field::Field;
use crate::format::{count, secs};
use crate::icon::{icon, Icon};
use crate::lesson::{Lesson, LESSON_IDLE_TIMEOUT};
use crate::page::{Action, LessonAction};
use hopscope_core::window::TimeDomain;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LessonControlsProps {
    pub page: PageRef,
    pub lesson: u64,
    pub settings: u64,
}

#[function_component(LessonControls)]
pub fn lesson_controls(p: &LessonControlsProps) -> Html {
    let dispatch = use_dispatch();
    let page = p.page.get();
    let (s, l) = (&page.settings, &page.lesson);
    let event_time = s.time == TimeDomain::Event;
    let ended = l.has_ended();
    let ended_title = ended.then_some("The input has ended: Reset to start over");
    let late_title = if !event_time {
        "Processing time places a sale where it arrives, whatever its own time: nothing is ever late"
    } else if ended {
        "The input has ended: Reset to start over"
    } else {
        "A sale from behind the watermark"
    };
    let error = |f: &str| page.field_error(f).map(|e| AttrValue::from(e.to_string()));
    let resets = page.field_resets;
    // A duration field of the lesson: label, box, and the message when refused.
    let duration = |testid: &'static str,
                    label: &'static str,
                    value: String,
                    to: fn(String) -> LessonAction| {
        html! {
            <label>{ format!("{label} ") }
                <Field {testid} {value} size={6} {label} error={error(testid)} reset={resets}
                    on_commit={dispatch.reform(move |v| Action::Lesson(to(v)))} />
            </label>
        }
    };
    html! {
        <section class="controls" aria-label="Lesson controls">
            <div class="row">
                { duration("lesson-size", "Window size", s.size.to_string(), LessonAction::SetSize) }
                { duration("lesson-slide", "Slide", s.slide.to_string(), LessonAction::SetSlide) }
                <label>{ "Time " }
                    <select data-testid="lesson-time" onchange={dispatch.reform(|e: Event| {
                        Action::Lesson(LessonAction::SetTime(TimeDomain::from_name(&select_value(&e)).unwrap_or(TimeDomain::Event)))
                    })}>
                        <option value="event" selected={event_time}>{ "event time" }</option>
                        <option value="processing" selected={!event_time}>{ "processing time" }</option>
                    </select>
                </label>
                if event_time {
                    { duration("lesson-delay", "Watermark delay", s.delay.to_string(), LessonAction::SetDelay) }
                }
                <label>{ "Read from " }
                    <select data-testid="lesson-parts" onchange={dispatch.reform(|e: Event| {
                        Action::Lesson(LessonAction::SetParts(select_value(&e).parse().unwrap_or(1)))
                    })}>
                        <option value="1" selected={s.parts == 1}>{ "one stream" }</option>
                        <option value="3" selected={s.parts == 3}>{ "3 Kafka partitions" }</option>
                    </select>
                </label>
            </div>
            { flink_badge(l) }
            <div class="row">
                <button data-testid="lesson-next" disabled={l.is_live() || ended} title={ended_title}
                    onclick={dispatch.reform(|_| Action::Lesson(LessonAction::NextEvent))}>{ icon(Icon::Plus) }{ " Next event" }</button>
                <button data-testid="lesson-step" disabled={l.is_live() || ended} title={ended_title}
                    onclick={dispatch.reform(|_| Action::Lesson(LessonAction::StepSlide))}>{ icon(Icon::Step) }{ format!(" Step one slide ({})", l.config.slide) }</button>
                <button data-testid="lesson-play" disabled={l.is_live() || ended} title={ended_title}
                    onclick={dispatch.reform(|_| Action::Lesson(LessonAction::TogglePlay))}>
                    if page.lesson_playing { { icon(Icon::Pause) }{ " Pause" } } else { { icon(Icon::Play) }{ " Play" } }</button>
                <button data-testid="lesson-end" disabled={!event_time || ended || l.is_live()}
                    title={if !event_time { "Processing-time windows fire on the clock, input or not: there is no last watermark to send" } else if ended { "The input has ended: Reset to start over" } else { "A bounded source's end: its last watermark (+∞) fires every window still open" }}
                    onclick={dispatch.reform(|_| Action::Lesson(LessonAction::EndInput))}>{ icon(Icon::Step) }{ " End of input" }</button>
                <button data-testid="lesson-ooo" disabled={ended} title={ended_title}
                    onclick={dispatch.reform(|_| Action::Lesson(LessonAction::InjectOutOfOrder))}>{ icon(Icon::Back) }{ " Inject out-of-order" }</button>
                <button data-testid="lesson-late" disabled={!event_time || ended} title={late_title}
                    onclick={dispatch.reform(|_| Action::Lesson(LessonAction::InjectLate))}>{ icon(Icon::Clock) }{ " Inject late" }</button>
                <button data-testid="lesson-too-late" disabled={!event_time || ended} title={late_title}
                    onclick={dispatch.reform(|_| Action::Lesson(LessonAction::InjectTooLate))}>{ icon(Icon::Bin) }{ " Inject too late" }</button>
                <button data-testid="lesson-broken-clock" disabled={!event_time || ended}
                    title={if !event_time { "Processing time ignores a sale's own time: switch to event time" } else if ended { "The input has ended: Reset to start over" } else { "A sale from a producer whose clock is a year ahead" }}
                    onclick={dispatch.reform(|_| Action::Lesson(LessonAction::InjectBrokenClock))}>{ icon(Icon::Clock) }{ " Broken clock" }</button>
                <button data-testid="lesson-quarantine" aria-pressed={l.quarantine.to_string()} disabled={!event_time}
                    class={classes!(l.quarantine.then_some("active"))}
                    onclick={dispatch.reform(|_| Action::Lesson(LessonAction::ToggleQuarantine))}>{
                    if l.quarantine { "Quarantine on (--max-ahead 1h)" } else { "Quarantine off" }
                }</button>
                <button data-testid="lesson-reset" onclick={dispatch.reform(|_| Action::Lesson(LessonAction::Reset))}>{ icon(Icon::Reset) }{ " Reset" }</button>
                if l.config.size.0 / l.config.slide.0 > MAX_ROWS as i64 {
                    <button data-testid="lesson-zoom" aria-pressed={page.lesson_zoomed_out.to_string()}
                        onclick={dispatch.reform(|_| Action::Lesson(LessonAction::ToggleZoom))}>{
                        if page.lesson_zoomed_out { "Zoom to the sales" } else { "Zoom out: whole windows" }
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
                                onclick={dispatch.reform(move |_| Action::Lesson(LessonAction::TogglePartition(p)))}>
                                if paused { { icon(Icon::Play) }{ format!(" Release partition {p}") } } else { { icon(Icon::Pause) }{ format!(" Hold partition {p}") } }</button>
                        }
                    }) }
                </div>
                <p class="muted" data-testid="lesson-partitions">{ partition_text(l) }</p>
            }
            if let Some(text) = guard_text(l) {
                <p class={classes!(if l.quarantine { "muted" } else { "problem" })} data-testid="lesson-guard">{ text }</p>
            }
            if !event_time {
                <p class="muted" data-testid="lesson-processing-note">{
                    "Processing time: a sale belongs to the windows of the moment it arrives, and a window fires when the clock passes its end. There is no watermark, so nothing is late — the late buttons and End of input are for event time."
                }</p>
            }
            if let Some(text) = l.switch.as_ref().map(switch_text) {
                <p class="muted" data-testid="lesson-switch">{ text }</p>
            }
            if ended {
                <p class="note" data-testid="lesson-ended">{
                    "End of input: the source has no more records, so it sent its last watermark (+∞) and every window holding a sale fired — as Flink's bounded sources (a file, or Kafka with scan.bounded.mode) do. Without it the newest windows wait for a watermark no sale will bring. Reset to start over."
                }</p>
            }
            if l.is_live() {
                <p class="badge" data-testid="lesson-live">{ "Live: the dots are real records from the bridge, on the wall clock." }</p>
            }
            <div class="row teacher" role="group" aria-label="For the teacher">
                <button data-testid="lesson-present" aria-pressed={page.settings.present.to_string()}
                    onclick={dispatch.reform(|_| Action::Lesson(LessonAction::TogglePresent))}>{
                    if page.settings.present { "Leave the presenter view" } else { "Presenter view" }
                }</button>
                <button data-testid="lesson-script-link" disabled={l.events.is_empty() || l.is_live()}
                    onclick={dispatch.reform(|_| Action::Lesson(LessonAction::CopyScriptLink))}>{ "Copy a link to these exact sales" }</button>
                <button data-testid="lesson-print" onclick={dispatch.reform(|_| Action::Lesson(LessonAction::Print))}>{ "Print a one-page summary" }</button>
                <span class="muted" data-testid="lesson-link-copied" aria-live="polite">{ match page.link_copied {
                    Some(true) => "Link copied: it plays these sales, in this order, for anyone who opens it.",
                    Some(false) => "The browser refused the clipboard.",
                    None => "",
                } }</span>
            </div>
            if l.is_scripted() {
                <p class="muted" data-testid="lesson-scripted">{ format!(
                    "A teacher's sales: the link's {} play in the order written; Reset plays them again.",
                    count(page.settings.script.as_ref().map_or(0, |s| s.len()) as u64, "sale", "sales")
                ) }</p>
            }
            if let Some(e) = page.field_errors.get("lesson-script") {
                <p class="problem" role="alert" data-testid="lesson-script-error">{ format!("The link's sales were refused — {e}. Playing generated sales instead.") }</p>
            }
            if let Some(e) = &page.lesson_error {
                <p class="problem" role="alert">{ format!("{e} — showing the default lesson instead.") }</p>
            }
            <p class="muted" data-testid="lesson-status">{ status_text(l) }</p>
        </section>
    }
}

/// The lesson's status line: the clock, the counts, and in event time the watermark.
fn status_text(l: &Lesson) -> String {
    let mut text = format!(
        "clock {} · {} · {} late · {} dropped",
        secs(l.clock.0),
        count(l.event_count() as u64, "event", "events"),
        l.late_count(),
        l.dropped_count()
    );
    if l.is_event_time() {
        let wm = match l.watermark() {
            Some(w) if w.0 >= crate::lesson::END_OF_INPUT.0 => "+∞ (end of input)".to_string(),
            Some(w) => secs(w.0),
            None => "—".into(),
        };
        text.push_str(&format!(" · watermark {wm}"));
    }
    text
}

/// Whether Flink's window TVF takes this shape — and if not, its error, what it would take,
/// and that the SQL shown uses the legacy group window, which does.
fn flink_badge(l: &Lesson) -> Html {
    let (size, slide) = (l.config.size, l.config.slide);
    match crate::sql::flink_accepts(size, slide) {
        Ok(()) => html! {
            <p class="flink ok" data-testid="flink-badge" data-accepted="true">{ format!(
                "✓ Flink's window TVF accepts this: HOP(…, {}, {}) — the slide comes first in Flink's SQL.",
                crate::sql::interval(slide), crate::sql::interval(size)) }</p>
        },
        Err(r) => html! {
            <p class="flink refused" data-testid="flink-badge" data-accepted="false">
                <strong>{ "✕ Flink's window TVF refuses this shape. " }</strong>
                { format!("Flink says: “{}”. It would accept {}{}. The legacy GROUP BY HOP(…) accepts it, and the SQL below uses that.",
                    r.error,
                    list_or(&r.slides.iter().map(|s| format!("slide {s}")).collect::<Vec<_>>()),
                    if r.sizes.is_empty() { String::new() } else {
                        format!(" with size {size}, or {} with slide {slide}", list_or(&r.sizes.iter().map(|s| format!("size {s}")).collect::<Vec<_>>()))
                    }) }
            </p>
        },
    }
}

/// `a`, `a or b`, `a, b or c`.
fn list_or(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    }
}

/// The windows before and after a switch of time mode.
fn switch_text(s: &crate::lesson::Switch) -> String {
    let (from, to) = if s.from_event_time {
        ("event time", "processing time")
    } else {
        ("processing time", "event time")
    };
    let changed = if s.changed.is_empty() {
        "no window present in both changed its count".to_string()
    } else {
        format!(
            "{} changed its count ({}{})",
            count(s.changed_total as u64, "window", "windows"),
            s.changed
                .iter()
                .map(|(w, b, a)| format!("[{}, {}) {b} → {a}", secs(*w), secs(*w + s.size.0)))
                .collect::<Vec<_>>()
                .join(", "),
            if s.changed_total > s.changed.len() {
                ", …"
            } else {
                ""
            }
        )
    };
    format!(
        "Switched from {from} to {to}, same sales: before, {} had rows ({} late, {} dropped); now {}; {changed}.",
        count(s.rows_before as u64, "window", "windows"),
        s.late_before,
        s.dropped_before,
        s.rows_after,
    )
}

/// What the event-time guard saw: a broken clock's jump, or the sales it put aside.
fn guard_text(l: &Lesson) -> Option<String> {
    let g = &l.guarded;
    if l.quarantine && g.quarantined > 0 {
        return Some(format!(
            "Quarantine on (hopscope --max-ahead {}): {} sale{} put aside, the last dated {} — far ahead of the newest sale. It did not move the watermark ({}), so windows go on firing; hopscope counts it and keeps it in the dead letters.",
            crate::lesson::QUARANTINE_AHEAD,
            g.quarantined,
            if g.quarantined == 1 { "" } else { "s" },
            secs(g.last_quarantined.unwrap_or_default().0),
            l.watermark().map(|w| secs(w.0)).unwrap_or_else(|| "none yet".into()),
        ));
    }
    let (from, to) = g.jump?;
    Some(format!(
        "Broken clock: a sale dated {} — a year after the newest sale ({}) — moved the watermark a year ahead in one step. Every sale after it is late and dropped (✕), and no window fires until the clock catches up: Flink does exactly this. hopscope names such a record (--max-jump); turn the quarantine on and inject it again to put it aside instead.",
        secs(to.0),
        secs(from.0),
    ))
}

/// Each partition's watermark, which one holds the operator's, and what is held back.
fn partition_text(l: &Lesson) -> String {
    let marks = l.partition_watermarks();
    if marks.is_empty() {
        return "Processing time has no watermarks: switch to event time to see one per partition."
            .into();
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
        "Partition watermarks {} · the window operator's watermark is the minimum over the partitions not idle for {}, and never moves back: {}; {} held back.",
        parts.join(" · "),
        LESSON_IDLE_TIMEOUT,
        l.watermark().map(|w| secs(w.0)).unwrap_or_else(|| "none yet: a partition has delivered nothing".into()),
        count(l.held_count() as u64, "sale", "sales")
    )
}
