//! The guided steps beside the timeline, in words that follow the lesson's settings.

use super::{use_dispatch, Shared};
use crate::page::{Action, LessonAction};
use crate::steps::{step, STEPS};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GuideProps {
    pub page: Shared,
    pub step: usize,
    /// The settings' version: the text quotes them.
    pub settings: u64,
}

#[function_component(Guide)]
pub fn guide(p: &GuideProps) -> Html {
    let dispatch = use_dispatch();
    let (title, text) = step(p.step, &p.page.get().lesson);
    html! {
        <div class="guide" data-testid="guide">
            <h2>{ title }</h2>
            <p data-testid="guide-text">{ text }</p>
            <button disabled={p.step == 0} onclick={dispatch.reform(|_| Action::Lesson(LessonAction::Guide(-1)))}>{ "← Back" }</button>
            <button data-testid="guide-next" disabled={p.step + 1 == STEPS} onclick={dispatch.reform(|_| Action::Lesson(LessonAction::Guide(1)))}>{ "Next tip →" }</button>
            <span class="muted">{ format!(" {}/{STEPS}", p.step + 1) }</span>
        </div>
    }
}
