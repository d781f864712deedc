//! "How hopping windows work": the lesson's controls, a timeline of events and the
//! overlapping windows over them with a legend, beside it the selection (or window
//! inspector) and the guided steps; below, the query's rows, the lesson as Flink SQL, and
//! the same sales under Flink's other window kinds.

use super::event_log::EventLog;
use super::exercises::Exercises;
use super::guide::Guide;
use super::kinds::KindsPanel;
use super::legend::Legend;
use super::lesson_controls::LessonControls;
use super::print_summary::PrintSummary;
use super::rows::Rows;
use super::selection::Selection;
use super::sql_panel::SqlPanel;
use super::state_panel::StatePanel;
use super::time_plot::TimePlotPanel;
use super::timeline::Timeline;
use super::PageRef;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TeachProps {
    pub page: PageRef,
    /// Versions of the lesson and of the settings: the shop running does not redraw it.
    pub lesson: u64,
    pub settings: u64,
    pub guide_step: usize,
    pub reduced_motion: bool,
}

#[function_component(Teach)]
pub fn teach(p: &TeachProps) -> Html {
    let (event_time, partitions, present) = {
        let page = p.page.get();
        (
            page.lesson.is_event_time(),
            page.lesson.partitions,
            page.settings.present,
        )
    };
    if present {
        // The presenter view: large type, the picture and one prompt (the open exercise,
        // or the guide's step).
        return html! {
            <div class="teach present" data-testid="presenter">
                <LessonControls page={p.page.clone()} lesson={p.lesson} settings={p.settings} />
                <section class="panel wide" aria-labelledby="timeline-title">
                    <h2 id="timeline-title" class="sr-only">{ "The timeline" }</h2>
                    <Timeline page={p.page.clone()} lesson={p.lesson} reduced_motion={p.reduced_motion} />
                </section>
                <section class="panel prompt" aria-label="The prompt" data-testid="presenter-prompt">
                    if p.page.get().exercise.is_some() {
                        <Exercises page={p.page.clone()} lesson={p.lesson} />
                    } else {
                        <Guide page={p.page.clone()} step={p.guide_step} settings={p.settings} />
                    }
                </section>
                <PrintSummary page={p.page.clone()} lesson={p.lesson} settings={p.settings} />
            </div>
        };
    }
    html! {
        <div class="teach">
            <LessonControls page={p.page.clone()} lesson={p.lesson} settings={p.settings} />
            <div class="cols">
                <section class="panel wide" aria-labelledby="timeline-title">
                    <h2 id="timeline-title" class="sr-only">{ "The timeline" }</h2>
                    <Timeline page={p.page.clone()} lesson={p.lesson} reduced_motion={p.reduced_motion} />
                    <Legend {event_time} {partitions} />
                    <EventLog page={p.page.clone()} lesson={p.lesson} />
                    <TimePlotPanel page={p.page.clone()} lesson={p.lesson} />
                    <StatePanel page={p.page.clone()} lesson={p.lesson} />
                </section>
                <section class="panel side" aria-label="Exercises, selection and guide">
                    <Exercises page={p.page.clone()} lesson={p.lesson} />
                    <Selection page={p.page.clone()} lesson={p.lesson} />
                    <Guide page={p.page.clone()} step={p.guide_step} settings={p.settings} />
                </section>
            </div>
            <div class="stack">
                <Rows page={p.page.clone()} lesson={p.lesson} />
                <SqlPanel page={p.page.clone()} lesson={p.lesson} settings={p.settings} />
                <KindsPanel page={p.page.clone()} lesson={p.lesson} settings={p.settings} />
            </div>
            <PrintSummary page={p.page.clone()} lesson={p.lesson} settings={p.settings} />
        </div>
    }
}
