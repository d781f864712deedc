//! "How hopping windows work": the lesson's controls, a timeline of events and the
//! overlapping windows over them, and beside it the selection and the guided steps.

use super::guide::Guide;
use super::lesson_controls::LessonControls;
use super::selection::Selection;
use super::timeline::Timeline;
use super::Shared;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TeachProps {
    pub page: Shared,
    /// Versions of the lesson and of the settings: the shop running does not redraw it.
    pub lesson: u64,
    pub settings: u64,
    pub guide_step: usize,
    pub reduced_motion: bool,
}

#[function_component(Teach)]
pub fn teach(p: &TeachProps) -> Html {
    html! {
        <div class="teach">
            <LessonControls page={p.page.clone()} lesson={p.lesson} settings={p.settings} />
            <div class="cols">
                <section class="panel wide">
                    <Timeline page={p.page.clone()} lesson={p.lesson} reduced_motion={p.reduced_motion} />
                </section>
                <section class="panel side" aria-live="polite">
                    <Selection page={p.page.clone()} lesson={p.lesson} />
                    <Guide step={p.guide_step} />
                </section>
            </div>
        </div>
    }
}
