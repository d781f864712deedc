//! The guided steps beside the timeline, in words that follow the lesson's settings. On a
//! phone the tip is one line (its title and the step buttons) that opens to its text, so
//! the picture, the selection and the tip share the first screen.

use super::{use_dispatch, PageRef};
use crate::hooks::use_element_width;
use crate::page::{Action, LessonAction};
use crate::steps::{step, STEPS};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct GuideProps {
    pub page: PageRef,
    pub step: usize,
    /// The settings' version: the text quotes them.
    pub settings: u64,
}

#[function_component(Guide)]
pub fn guide(p: &GuideProps) -> Html {
    let dispatch = use_dispatch();
    let node = use_node_ref();
    let width = use_element_width(node.clone(), 900.0);
    let (title, text) = step(p.step, &p.page.get().lesson);
    // A button in the summary steps the guide without opening or closing it.
    let go = |d: isize| {
        dispatch.reform(move |e: MouseEvent| {
            e.prevent_default();
            Action::Lesson(LessonAction::Guide(d))
        })
    };
    html! {
        <details class="guide" data-testid="guide" open={width >= 600.0} ref={node}>
            <summary>
                <h2>{ title }</h2>
                <span class="guide-nav">
                    <button disabled={p.step == 0} onclick={go(-1)} aria-label="Previous tip">{ "←" }</button>
                    <button data-testid="guide-next" disabled={p.step + 1 == STEPS} onclick={go(1)} aria-label="Next tip">{ "→" }</button>
                    <span class="muted">{ format!(" {}/{STEPS}", p.step + 1) }</span>
                </span>
            </summary>
            <p data-testid="guide-text">{ text }</p>
        </details>
    }
}
