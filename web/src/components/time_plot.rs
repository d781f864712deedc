//! Event time × processing time, as in Streaming 102: each sale at (its own time, when it
//! arrived), the watermark as a line, each window's firing, late sales on the wrong side of
//! the line. A delay slider replays the same sales with another watermark delay, and says
//! what it buys (fewer late sales) and what it costs (windows fire later).

use super::PageRef;
use crate::format::secs;
use crate::lesson::TimePlot;
use hopscope_core::window::{Pushed, TimeMode};
use hopscope_core::Span;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TimePlotProps {
    pub page: PageRef,
    pub lesson: u64,
}

/// The delays the slider offers (ms).
pub const DELAYS: [i64; 7] = [0, 500, 1_000, 2_000, 3_000, 5_000, 10_000];

const W: f64 = 560.0;
const H: f64 = 260.0;
const PAD: f64 = 36.0;

/// What a delay gives, in one sentence.
pub fn summary(plot: &TimePlot, delay: Span) -> String {
    let (joined, dropped) = plot.late();
    let latency = plot.latency().map_or_else(
        || "no window has fired yet".to_string(),
        |(mean, max)| {
            format!(
                "windows fired {} after their end on average (at most {})",
                secs(mean),
                secs(max)
            )
        },
    );
    format!(
        "With a delay of {}: {} of {} sales late ({} joined the windows still open, {} in none); {}.",
        secs(delay.0),
        joined + dropped,
        plot.sales.len(),
        joined,
        dropped,
        latency
    )
}

#[function_component(TimePlotPanel)]
pub fn time_plot_panel(p: &TimePlotProps) -> Html {
    let page = p.page.get();
    let lesson = &page.lesson;
    let own = match lesson.config.time {
        TimeMode::Event(e) => Some(e.delay),
        TimeMode::Processing => None,
    };
    let pick = use_state(|| None::<usize>);
    let Some(own) = own else {
        return html! {
            <details class="time-plot" data-testid="time-plot">
                <summary>{ "Event time × processing time" }</summary>
                <p class="muted">{ "In processing time a sale's own time plays no part: every sale is on time, in the windows of its arrival. Switch to event time to see the watermark and late sales." }</p>
            </details>
        };
    };
    let at = (*pick).map(|i| i.min(DELAYS.len() - 1)).unwrap_or_else(|| {
        DELAYS
            .iter()
            .position(|d| *d >= own.0)
            .unwrap_or(DELAYS.len() - 1)
    });
    let delay = Span(DELAYS[at]);
    let plot = lesson.time_plot(delay).unwrap_or_default();
    let on_input = {
        let pick = pick.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            pick.set(input.value().parse::<usize>().ok());
        })
    };
    if plot.sales.is_empty() {
        return html! {
            <details class="time-plot" data-testid="time-plot">
                <summary>{ "Event time × processing time" }</summary>
                <p class="muted">{ "No sales yet: each will appear at its own time (across) and its arrival (up)." }</p>
            </details>
        };
    }
    let text = summary(&plot, delay);
    // Scales: event time across, arrival up.
    let xs = plot
        .sales
        .iter()
        .map(|s| s.0 .0)
        .chain(plot.fired.iter().map(|f| f.0 .0));
    let ys = plot
        .sales
        .iter()
        .map(|s| s.1 .0)
        .chain(plot.fired.iter().map(|f| f.1 .0));
    let (x0, x1) = bounds(xs);
    let (y0, y1) = bounds(ys);
    let x = |t: i64| PAD + (t - x0) as f64 / (x1 - x0).max(1) as f64 * (W - 2.0 * PAD);
    let y = |t: i64| H - PAD - (t - y0) as f64 / (y1 - y0).max(1) as f64 * (H - 2.0 * PAD);
    let line: String = plot
        .watermark
        .iter()
        .map(|(at, wm)| format!("{:.1},{:.1}", x(wm.0.max(x0)), y(at.0)))
        .collect::<Vec<_>>()
        .join(" ");
    html! {
        <details class="time-plot" data-testid="time-plot">
            <summary>{ "Event time × processing time" }</summary>
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={text.clone()} data-testid="time-plot-svg">
                <line x1={PAD.to_string()} y1={(H - PAD).to_string()} x2={(W - PAD).to_string()} y2={(H - PAD).to_string()} class="axis" />
                <line x1={PAD.to_string()} y1={PAD.to_string()} x2={PAD.to_string()} y2={(H - PAD).to_string()} class="axis" />
                <text x={(W / 2.0).to_string()} y={(H - 6.0).to_string()} class="axis-label">{ "event time (the sale's own) →" }</text>
                <text x="4" y={(PAD - 10.0).to_string()} class="axis-label">{ "↑ processing time (arrival)" }</text>
                <polyline points={line} class="watermark-line" data-testid="time-plot-watermark" />
                { for plot.fired.iter().map(|(end, at)| html! {
                    <rect x={(x(end.0) - 3.0).to_string()} y={(y(at.0) - 3.0).to_string()} width="6" height="6" class="fired-mark">
                        <title>{ format!("window ending {} fired at {}", secs(end.0), secs(at.0)) }</title>
                    </rect>
                }) }
                { for plot.sales.iter().map(|(t, at, fate)| {
                    let class = match fate {
                        Pushed::Accepted => "sale on-time",
                        Pushed::LateJoined { .. } => "sale late",
                        Pushed::Dropped { .. } => "sale dropped",
                    };
                    html! {
                        <circle cx={x(t.0).to_string()} cy={y(at.0).to_string()} r="4" class={class} data-testid="time-plot-sale">
                            <title>{ format!("sale at {}, arrived {}", secs(t.0), secs(at.0)) }</title>
                        </circle>
                    }
                }) }
            </svg>
            <p class="muted">{ "Dots are sales: filled on time, a ring late but counted in the windows still open, a red dot with a dark edge in no window. The line is the watermark: a sale left of it when it arrived is late. Squares are windows firing at their end (across) and when (up)." }</p>
            <label class="delay-slider">
                { "Watermark delay " }
                <input type="range" data-testid="time-plot-delay" min="0" max={(DELAYS.len() - 1).to_string()}
                    value={at.to_string()} oninput={on_input} aria-valuetext={secs(delay.0)} />
                <strong>{ secs(delay.0) }</strong>
                if delay != own { <span class="muted">{ format!(" (the lesson runs with {})", secs(own.0)) }</span> }
            </label>
            <p data-testid="time-plot-summary" aria-live="polite">{ text }</p>
        </details>
    }
}

fn bounds(ts: impl Iterator<Item = i64>) -> (i64, i64) {
    ts.fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)))
}
