//! Predict, then reveal: the exercise list with each one's score, and the open exercise —
//! its question as a fieldset (radio buttons, or checkboxes when several answers are
//! right), Check, the verdict with the misconceptions a wrong answer reveals, and "Show
//! me", which plays the moment in the lesson beside it.

use super::{use_dispatch, PageRef};
use crate::page::{Action, ExerciseAction};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ExercisesProps {
    pub page: PageRef,
    pub lesson: u64,
}

fn act(a: ExerciseAction) -> Action {
    Action::Exercise(a)
}

#[function_component(Exercises)]
pub fn exercises(p: &ExercisesProps) -> Html {
    let dispatch = use_dispatch();
    let page = p.page.get();
    let list = page.exercise_list();
    let right = list
        .iter()
        .filter(|e| page.exercise_progress.get(e.id) == Some(&true))
        .count();
    let tried = list
        .iter()
        .filter(|e| page.exercise_progress.contains_key(e.id))
        .count();
    let score = format!(
        "{right} of {} right at the first try ({tried} tried)",
        list.len()
    );
    let items = list.iter().enumerate().map(|(i, e)| {
        let open = page.exercise.as_ref().is_some_and(|o| o.id == e.id);
        let (mark, said) = match page.exercise_progress.get(e.id) {
            Some(true) => ("✓", "right"),
            Some(false) => ("✗", "wrong at the first try"),
            None => ("·", "not tried"),
        };
        let id = e.id.to_string();
        html! {
            <li>
                <button class={classes!("link", open.then_some("current"))} data-testid="exercise-item" data-id={e.id}
                    aria-current={open.then_some("true")}
                    aria-label={format!("Exercise {}: {} ({said})", i + 1, e.title)}
                    onclick={dispatch.reform(move |_| act(ExerciseAction::Open(id.clone())))}>
                    <span aria-hidden="true" class="mark">{ mark }</span>{ format!(" {}", e.title) }
                </button>
            </li>
        }
    });
    html! {
        <details class="exercises" data-testid="exercises" open={page.exercise.is_some()}>
            <summary>{ format!("Predict, then reveal — {} exercises", list.len()) }</summary>
            <p class="muted" data-testid="exercise-score">{ score }</p>
            if let Some(open) = &page.exercise { { question(open, &dispatch) } }
            <ol class="exercise-list">{ for items }</ol>
            <p class="muted">{ "A link to an exercise opens it on the same sales (the address bar holds it); add &set=join,late,end for a set of them. Scores stay in this browser. " }
                <button class="link" data-testid="exercise-clear" onclick={dispatch.reform(|_| act(ExerciseAction::ClearProgress))}>{ "Forget the scores" }</button>
            </p>
        </details>
    }
}

fn question(open: &crate::page::OpenExercise, dispatch: &Callback<Action>) -> Html {
    let q = &open.question;
    let kind = if q.multi { "checkbox" } else { "radio" };
    let choices = q.choices.iter().enumerate().map(|(i, c)| {
        let checked = open.chosen.contains(&i);
        let onchange = dispatch.reform(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            act(ExerciseAction::Choose(i, input.checked()))
        });
        let class = match &open.verdict {
            Some(_) if q.correct.contains(&i) => Some("right"),
            Some(_) if checked => Some("wrong"),
            _ => None,
        };
        html! {
            <label class={classes!("choice", class)} data-testid="exercise-choice" data-index={i.to_string()}>
                <input type={kind} name="exercise-choice" {checked} {onchange} />
                { format!(" {c}") }
            </label>
        }
    });
    let answered = open.verdict.is_some();
    html! {
        <form class="exercise" data-testid="exercise" data-id={open.id.clone()}
            onsubmit={dispatch.reform(|e: SubmitEvent| { e.prevent_default(); act(ExerciseAction::Check) })}>
            <fieldset>
                <legend data-testid="exercise-prompt">{ &q.prompt }</legend>
                { for choices }
            </fieldset>
            <div class="row">
                <button type="submit" data-testid="exercise-check" disabled={open.chosen.is_empty()}>{ "Check" }</button>
                <button type="button" data-testid="exercise-reveal" disabled={!answered || open.revealed}
                    onclick={dispatch.reform(|_| act(ExerciseAction::Reveal))}>{ "Show me in the lesson" }</button>
                <button type="button" data-testid="exercise-next" onclick={dispatch.reform(|_| act(ExerciseAction::Next))}>{ "Next exercise" }</button>
                <button type="button" class="link" data-testid="exercise-close" onclick={dispatch.reform(|_| act(ExerciseAction::Close))}>{ "Close" }</button>
            </div>
            <div id="exercise-verdict" tabindex="-1" data-testid="exercise-verdict" aria-live="polite">
                if let Some(v) = &open.verdict {
                    <p class={if v.right { "verdict right" } else { "verdict wrong" }}>
                        <strong>{ if v.right { "Right." } else { "Not quite." } }</strong>{ format!(" {}", q.why) }
                    </p>
                    if !v.traps.is_empty() {
                        <ul class="traps">{ for v.traps.iter().map(|t| html! { <li data-testid="exercise-trap">{ t }</li> }) }</ul>
                    }
                }
            </div>
            if open.revealed {
                <p class="muted" data-testid="exercise-revealed">{ "The lesson has moved on to that moment: the picture shows it." }</p>
            }
        </form>
    }
}
