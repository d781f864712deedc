//! The state a stream processor keeps: what the lesson's engine holds in memory now (its
//! panes, their per-key counters, the names, the windows still open) and when it is freed,
//! against an operator that keeps one aggregate per window — and, with the slide slider,
//! how each grows as the slide shrinks on the same sales (Flink's slicing operator, like
//! hopscope's, keeps slices: its state stays at panes + keys).

use super::PageRef;
use crate::format::{count, secs};
use hopscope_core::window::StateSize;
use hopscope_core::Span;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StatePanelProps {
    pub page: PageRef,
    pub lesson: u64,
}

/// A byte count in the unit that reads best.
pub fn bytes(n: usize) -> String {
    match n {
        0..1_024 => format!("{n} B"),
        1_024..1_048_576 => format!("{:.1} KiB", n as f64 / 1_024.0),
        _ => format!("{:.1} MiB", n as f64 / 1_048_576.0),
    }
}

/// The slides the slider offers for a window of `size`: `size` divided by 1, 2, 5, 10, 20,
/// 50, 100 (Flink's window TVF needs the slide to divide the size), at least 100 ms.
pub fn slide_choices(size: Span) -> Vec<Span> {
    [1, 2, 5, 10, 20, 50, 100]
        .into_iter()
        .filter(|d| size.0 % d == 0 && size.0 / d >= 100)
        .map(|d| Span(size.0 / d))
        .collect()
}

/// The panel's sentences for a state of a window of `size`.
pub fn describe(st: &StateSize, size: Span, slide: Span, pane: Span) -> Vec<String> {
    let mut lines = vec![format!(
        "Holds {} of {} (the greatest common divisor of size {} and slide {}), {} and {}: about {}.",
        count(st.panes as u64, "pane", "panes"),
        secs(pane.0),
        secs(size.0),
        secs(slide.0),
        count(st.pane_keys as u64, "per-key counter", "per-key counters"),
        count(st.names as u64, "name", "names"),
        bytes(st.bytes())
    )];
    lines.push(format!(
        "{} open. Kept per window instead, each instant counted in all {} of its windows, the same sales would take about {} ({:.1}×).",
        count(st.open_windows, "window", "windows"),
        st.windows_per_pane,
        bytes(st.per_window_bytes()),
        st.per_window_bytes() as f64 / st.bytes().max(1) as f64
    ));
    if let (Some(oldest), Some(freed)) = (st.oldest_pane, st.oldest_freed_at) {
        lines.push(format!(
            "The oldest pane (from {}) is freed when the watermark reaches {}: the window starting after it fires then.",
            secs(oldest.0),
            secs(freed.0)
        ));
    }
    lines
}

#[function_component(StatePanel)]
pub fn state_panel(p: &StatePanelProps) -> Html {
    let page = p.page.get();
    let lesson = &page.lesson;
    let (size, slide) = (lesson.config.size, lesson.config.slide);
    let choices = slide_choices(size);
    let pick = use_state(|| None::<usize>);
    let now = lesson.state();
    let chosen = (*pick).and_then(|i| choices.get(i).copied());
    let what_if = chosen
        .filter(|s| *s != slide)
        .and_then(|s| lesson.state_for_slide(s).map(|st| (s, st)));
    let at = choices
        .iter()
        .position(|s| Some(*s) == chosen.or(Some(slide)))
        .unwrap_or(0);
    let on_input = {
        let pick = pick.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            pick.set(input.value().parse::<usize>().ok());
        })
    };
    html! {
        <details class="state-panel" data-testid="state-panel">
            <summary>{ "What the operator keeps in memory" }</summary>
            if now.panes == 0 {
                <p class="muted" data-testid="state-now">{ "Nothing yet: state starts with the first sale." }</p>
            } else {
                { for describe(&now, size, slide, lesson.config.pane()).into_iter().map(|l| html! { <p data-testid="state-now">{ l }</p> }) }
            }
            if !choices.is_empty() {
                <label class="state-slider">
                    { "The same sales with a slide of " }
                    <input type="range" data-testid="state-slide" min="0" max={(choices.len() - 1).to_string()}
                        value={at.to_string()} oninput={on_input}
                        aria-valuetext={secs(choices[at].0)} />
                    <strong>{ secs(choices[at].0) }</strong>
                </label>
                if let Some((s, st)) = what_if {
                    <p data-testid="state-what-if">{ format!(
                        "With a slide of {}: {} per instant; sliced {}, per window {} ({:.1}×).",
                        secs(s.0),
                        count(st.windows_per_pane as u64, "window", "windows"),
                        bytes(st.bytes()),
                        bytes(st.per_window_bytes()),
                        st.per_window_bytes() as f64 / st.bytes().max(1) as f64
                    ) }</p>
                }
            }
        </details>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slides_divide_the_size_and_bytes_read_in_their_unit() {
        assert_eq!(
            slide_choices(Span::seconds(10)),
            [10_000, 5_000, 2_000, 1_000, 500, 200, 100]
                .map(Span)
                .to_vec()
        );
        assert_eq!(slide_choices(Span(300)), vec![Span(300), Span(150)]);
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(2_048), "2.0 KiB");
        assert_eq!(bytes(3 << 20), "3.0 MiB");
    }
}
