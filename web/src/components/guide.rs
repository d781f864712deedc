//! The guided steps beside the timeline.

use super::use_dispatch;
use crate::page::{Action, LessonAction, GUIDE};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GuideProps {
    pub step: usize,
}

#[function_component(Guide)]
pub fn guide(p: &GuideProps) -> Html {
    let dispatch = use_dispatch();
    let (title, text) = GUIDE[p.step];
    html! {
        <div class="guide" data-testid="guide">
            <h3>{ title }</h3>
            <p>{ text }</p>
            <button disabled={p.step == 0} onclick={dispatch.reform(|_| Action::Lesson(LessonAction::Guide(-1)))}>{ "← Back" }</button>
            <button data-testid="guide-next" disabled={p.step + 1 == GUIDE.len()} onclick={dispatch.reform(|_| Action::Lesson(LessonAction::Guide(1)))}>{ "Next tip →" }</button>
            <span class="muted">{ format!(" {}/{}", p.step + 1, GUIDE.len()) }</span>
        </div>
    }
}
