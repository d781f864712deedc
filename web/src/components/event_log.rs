//! The lesson's event log: what moved the watermark or held it (a partition going idle, a
//! partition held or released, the end of input, a change of source) and what fired —
//! the story the picture's lines tell, in words, newest first.

use super::PageRef;
use crate::format::secs;
use yew::prelude::*;

/// Lines drawn, newest first (the lesson keeps [`crate::lesson::MAX_LOG`]).
const SHOWN: usize = 8;

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    pub page: PageRef,
    pub lesson: u64,
}

#[function_component(EventLog)]
pub fn event_log(p: &EventLogProps) -> Html {
    let page = p.page.get();
    let log = &page.lesson.log;
    if log.is_empty() {
        return html! {};
    }
    html! {
        <div class="event-log">
            <h3>{ "What moved the watermark" }</h3>
            <ol data-testid="lesson-log" reversed=true aria-live="polite">
                { for log.iter().rev().take(SHOWN).map(|e| html! {
                    <li data-testid="lesson-log-entry">{ format!("at {}: {}", secs(e.at.0), e.text) }</li>
                }) }
            </ol>
        </div>
    }
}
