//! What the selection holds, in words: a sale's windows and what each did with it, or
//! (through the [inspector](super::inspector)) everything about a window.

use super::inspector::inspector;
use super::{use_dispatch, PageRef};
use crate::format::{count, secs, summarised, AROUND};
use crate::lesson::{LessonEvent, Selected};
use crate::page::{Action, LessonAction};
use hopscope_core::Pushed;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SelectionProps {
    pub page: PageRef,
    pub lesson: u64,
}

#[function_component(Selection)]
pub fn selection(p: &SelectionProps) -> Html {
    let dispatch = use_dispatch();
    let page = p.page.get();
    let l = &page.lesson;
    match l.selected {
        Selected::Nothing => html! {
            <p class="muted">{ "Click, tap or press Enter on a sale (dot) or a window (bar, or a row of the query's results) to see what it holds." }</p>
        },
        Selected::Window(start) => inspector(l, start, &dispatch),
        Selected::Event(id) => {
            let Some(e) = l.event(id) else {
                return html! {};
            };
            let t = l.position(e);
            let windows = l.windows_containing(t);
            html! {
                <div class="selection" data-testid="selection">
                    <h2>{ format!("Sale {id}: {} by {}", e.value.display_usd(), e.seller) }</h2>
                    <p>{ format!("event time {} · arrived {}", secs(e.event_time.0), secs(e.arrival.0)) }</p>
                    { fate_text(l, e, windows.len()) }
                    if let Some(before) = e.before.filter(|b| !matches!(b, Pushed::Accepted)) {
                        <p class="note" data-testid="selection-before">{ format!(
                            "Before the switch of time it was {}: in event time it arrived behind the watermark. {}",
                            if matches!(before, Pushed::Dropped { .. }) { "too late (dropped)" } else { "late" },
                            if l.is_event_time() { "" } else { "Processing time places it where it arrived, and there nothing is ever late." }) }</p>
                    }
                    <ul class="windows-of-sale">{ for summarised(&windows).into_iter().map(|w| {
                        let Some((s, end)) = w else {
                            return html! { <li class="muted" data-testid="selection-window-more">{ format!(
                                "… {} more, one every {} …", windows.len() - 2 * AROUND, l.config.slide) }</li> };
                        };
                        let (state, mark) = if !e.counts_in(s.0, l.config.size.0) {
                            ("missed: it fired before the sale arrived", "✕ ")
                        } else if l.fired.contains_key(&s.0) {
                            ("joined, fired", "✓ ")
                        } else {
                            ("joined, open", "○ ")
                        };
                        let start = s.0;
                        let on = dispatch.reform(move |_| Action::Lesson(LessonAction::Select(Selected::Window(start))));
                        html! { <li data-testid="selection-window-state">
                            <button class="link" onclick={on}>{ format!("{mark}[{}, {}) — {state}", secs(s.0), secs(end.0)) }</button>
                        </li> }
                    }) }</ul>
                </div>
            }
        }
    }
}

/// What the engine did with the sale, in a sentence (not a paragraph of red).
fn fate_text(l: &crate::lesson::Lesson, e: &LessonEvent, n: usize) -> Html {
    match e.fate {
        Pushed::Dropped { windows, watermark } => html! {
            <p class="note late" data-testid="selection-late" data-joined="0">
                <strong>{ "✕ Too late. " }</strong>{ format!(
                "It arrived when the watermark was at {}: all {} had fired, and fired rows never change — so it was dropped, and counted, as Flink does.",
                secs(watermark.0), count(windows as u64, "of its window", "of its windows")) }</p>
        },
        Pushed::LateJoined {
            joined,
            windows,
            watermark,
        } => html! {
            <p class="note late" data-testid="selection-late" data-joined={joined.to_string()}>
                <strong>{ "! Late. " }</strong>{ format!(
                "It arrived when the watermark was at {}: {} of its {windows} windows had fired and keep their rows without it (✕ below); it joined the {joined} still open. Flink drops a sale only when all its windows have fired.",
                secs(watermark.0), windows - joined) }</p>
        },
        Pushed::Accepted => html! {
            <p data-testid="selection-count" data-count={n.to_string()}>{ l.explain_count(l.position(e)) }</p>
        },
    }
}
