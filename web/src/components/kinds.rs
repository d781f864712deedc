//! Flink's window kinds on the lesson's own sales, stacked on one timeline: `TUMBLE`,
//! `HOP`, `CUMULATE` and `SESSION` — their windows, how many rows each emits and when,
//! and the SQL of each, which runs in Flink on the lesson's sales file and gives these
//! rows (the end-to-end test runs it). Computed only while the panel is open.

use super::{use_dispatch, PageRef};
use crate::format::{count, secs};
use crate::page::{Action, LessonAction};
use crate::sql::{flink_timestamp, kind_sql};
use hopscope_core::window::kinds::{KindRow, KindRun, WindowKind};
use hopscope_core::Span;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct KindsProps {
    pub page: PageRef,
    pub lesson: u64,
    pub settings: u64,
}

/// The session gaps offered (ms).
pub const GAPS: [i64; 5] = [1_000, 2_000, 3_000, 5_000, 10_000];

/// Rows listed per kind (the newest); older ones are counted.
const MAX_ROWS: usize = 60;

/// The four kinds beside a lesson of `size` every `slide`: `TUMBLE` of the size, the
/// lesson's `HOP`, `CUMULATE` to the size by the slide (or, when the slide does not divide
/// the size — Flink refuses that step — the nearest step below it that does), `SESSION`.
pub fn lesson_kinds(size: Span, slide: Span, gap: Span, per_seller: bool) -> [WindowKind; 4] {
    let step = match crate::sql::flink_accepts(size, slide) {
        Ok(()) => slide,
        Err(r) => r.slides.into_iter().find(|s| s.0 < slide.0).unwrap_or(size),
    };
    [
        WindowKind::Tumble { size },
        WindowKind::Hop { size, slide },
        WindowKind::Cumulate { step, size },
        WindowKind::Session { gap, per_seller },
    ]
}

/// What a kind does, in one sentence a learner can check against the picture.
fn what_it_does(kind: &WindowKind) -> String {
    match *kind {
        WindowKind::Tumble { size } => format!(
            "Back-to-back windows of {}: each sale is in exactly one; a row when a window with sales ends.",
            secs(size.0)
        ),
        WindowKind::Hop { size, slide } => {
            let (few, many) = (size.0 / slide.0, (size.0 + slide.0 - 1) / slide.0);
            format!(
                "Windows of {} starting every {}: each sale is in {} of them; a row every slide.",
                secs(size.0),
                secs(slide.0),
                if few == many {
                    few.to_string()
                } else {
                    format!("{few} or {many} (the slide does not divide the size)")
                }
            )
        }
        WindowKind::Cumulate { step, size } => format!(
            "Windows growing by {} from the start of each {} period: each sale is in every window of its period that ends after it — a running total, one row per step.",
            secs(step.0),
            secs(size.0)
        ),
        WindowKind::Session { gap, per_seller } => format!(
            "Windows follow the sales{}: a session ends {} after its last sale, so a burst is one row; a row only once the session has been quiet for the gap (and the watermark delay).",
            if per_seller { " of each seller" } else { "" },
            secs(gap.0)
        ),
    }
}

fn label(kind: &WindowKind) -> String {
    match *kind {
        WindowKind::Tumble { size } => format!("TUMBLE {}", secs(size.0)),
        WindowKind::Hop { size, slide } => {
            format!("HOP {} every {}", secs(size.0), secs(slide.0))
        }
        WindowKind::Cumulate { step, size } => {
            format!("CUMULATE by {} to {}", secs(step.0), secs(size.0))
        }
        WindowKind::Session { gap, per_seller } => format!(
            "SESSION gap {}{}",
            secs(gap.0),
            if per_seller { " per seller" } else { "" }
        ),
    }
}

/// Window updates the panel may compute per draw (sales × windows per sale): the exact
/// engine is O(windows) per sale, and a lesson at 15 min / 1 s after hours of Play holds
/// 5,000 sales × 900 windows — seconds of a frozen page.
pub const MAX_WORK: u64 = 300_000;

/// The work of computing `kinds` over `sales` sales, when it is over [`MAX_WORK`].
pub fn too_much(kinds: &[WindowKind], sales: usize) -> Option<u64> {
    let per_sale = kinds
        .iter()
        .map(|k| match *k {
            WindowKind::Tumble { .. } | WindowKind::Session { .. } => 1,
            WindowKind::Hop { size, slide } => (size.0 / slide.0.max(1)).max(1) as u64,
            WindowKind::Cumulate { step, size } => (size.0 / step.0.max(1)).max(1) as u64,
        })
        .sum::<u64>();
    let work = per_sale.saturating_mul(sales as u64);
    (work > MAX_WORK).then_some(work)
}

/// Windows packed into as few rows as overlap allows (first fit, by start).
fn pack<'a>(windows: &[(&'a KindRow, bool)]) -> Vec<Vec<(&'a KindRow, bool)>> {
    let mut sorted = windows.to_vec();
    sorted.sort_by_key(|(r, _)| (r.start, r.end));
    let mut rows: Vec<Vec<(&KindRow, bool)>> = Vec::new();
    for w in sorted {
        match rows
            .iter_mut()
            .find(|row| row.last().is_none_or(|(last, _)| last.end <= w.0.start))
        {
            Some(row) => row.push(w),
            None => rows.push(vec![w]),
        }
    }
    rows
}

/// Rows of overlapping windows drawn per lane.
const MAX_LANE_ROWS: usize = 24;

const W: f64 = 640.0;
const PAD: f64 = 8.0;
const LANE_HEAD: f64 = 16.0;
const BAR: f64 = 9.0;

#[function_component(KindsPanel)]
pub fn kinds_panel(p: &KindsProps) -> Html {
    let dispatch = use_dispatch();
    let open = use_state(|| false);
    let gap_at = use_state(|| 1usize);
    let per_seller = use_state(|| false);
    let on_toggle = {
        let open = open.clone();
        Callback::from(move |e: Event| {
            let d: web_sys::HtmlDetailsElement = e.target_unchecked_into();
            open.set(d.open());
        })
    };
    let title = "Window kinds side by side: TUMBLE, HOP, CUMULATE, SESSION";
    if !*open {
        return html! {
            <details class="kinds" data-testid="kinds" ontoggle={on_toggle}>
                <summary>{ title }</summary>
            </details>
        };
    }
    let page = p.page.get();
    let lesson = &page.lesson;
    let gap = Span(GAPS[(*gap_at).min(GAPS.len() - 1)]);
    let kinds = lesson_kinds(lesson.config.size, lesson.config.slide, gap, *per_seller);
    if let Some(work) = too_much(&kinds, lesson.events.len()) {
        return html! {
            <details class="kinds" data-testid="kinds" open=true ontoggle={on_toggle}>
                <summary>{ title }</summary>
                <p class="muted" data-testid="kinds-too-much">{ format!(
                    "{} under these windows is {work} window updates — too many to compute here without freezing the page. Compare the kinds on a coarser slide (fewer windows per sale) or after Reset.",
                    count(lesson.events.len() as u64, "sale", "sales")
                ) }</p>
            </details>
        };
    }
    let Some(runs) = lesson.kinds(&kinds) else {
        return html! {
            <details class="kinds" data-testid="kinds" open=true ontoggle={on_toggle}>
                <summary>{ title }</summary>
                <p class="muted">{ "The kinds are compared in event time, where a sale's own time places it: switch the lesson to event time." }</p>
            </details>
        };
    };
    let on_gap = {
        let gap_at = gap_at.clone();
        Callback::from(move |e: Event| {
            let s: web_sys::HtmlSelectElement = e.target_unchecked_into();
            gap_at.set(s.value().parse().unwrap_or(1));
        })
    };
    let on_per_seller = {
        let per_seller = per_seller.clone();
        Callback::from(move |e: Event| {
            let c: web_sys::HtmlInputElement = e.target_unchecked_into();
            per_seller.set(c.checked());
        })
    };
    let params = page.sql_params();
    let controls = html! {
        <div class="row">
            <label>{ "Session gap " }
                <select data-testid="kinds-gap" onchange={on_gap}>
                    { for GAPS.iter().enumerate().map(|(i, g)| html! {
                        <option value={i.to_string()} selected={i == *gap_at}>{ secs(*g) }</option>
                    }) }
                </select>
            </label>
            <label><input type="checkbox" data-testid="kinds-per-seller" checked={*per_seller} onchange={on_per_seller} />
                { " PARTITION BY seller (a session per seller)" }</label>
        </div>
    };
    if lesson.events.is_empty() {
        return html! {
            <details class="kinds" data-testid="kinds" open=true ontoggle={on_toggle}>
                <summary>{ title }</summary>
                { controls }
                <p class="muted">{ "No sales yet: each kind will cut the same sales into its own windows." }</p>
            </details>
        };
    }
    html! {
        <details class="kinds" data-testid="kinds" open=true ontoggle={on_toggle}>
            <summary>{ title }</summary>
            <p class="muted">{ format!(
                "The lesson's {} under each of Flink's window table functions, with the lesson's watermark (one for the whole input, as Flink reading the lesson's sales file has). Solid: fired (a row); dashed: open.",
                count(lesson.events.len() as u64, "sale", "sales")
            ) }</p>
            { controls }
            { timeline(lesson, &kinds, &runs) }
            { for kinds.iter().zip(runs.iter()).map(|(kind, run)| {
                let sql = kind_sql(&params, kind);
                let copy = { let c = sql.clone(); dispatch.reform(move |_| Action::Lesson(LessonAction::CopyText(c.clone()))) };
                html! {
                    <details class="kind" data-testid="kind" data-kind={kind.name()}>
                        <summary data-testid="kind-summary">{ summary(kind, run) }</summary>
                        <p>{ what_it_does(kind) }</p>
                        <pre class="sql-text" data-testid="kind-sql"><code>{ sql }</code></pre>
                        <button onclick={copy} aria-label={format!("Copy the {} query", kind.name())}>{ "Copy the SQL" }</button>
                        { rows_table(kind, run, &lesson.events) }
                    </details>
                }
            }) }
        </details>
    }
}

/// `HOP 10 s every 2 s: 14 rows, 3 windows open; 2 late sales joined windows not fired, 1 in none`
fn summary(kind: &WindowKind, run: &KindRun) -> String {
    format!(
        "{}: {}, {} open; {} joined windows not fired, {} in none",
        label(kind),
        count(run.rows.len() as u64, "row", "rows"),
        count(run.open.len() as u64, "window", "windows"),
        count(run.late_joined() as u64, "late sale", "late sales"),
        run.dropped()
    )
}

/// When a row was emitted: the sale whose arrival moved the watermark past its end, or the
/// end of input.
fn fired_text(r: &KindRow, events: &[crate::lesson::LessonEvent]) -> String {
    match r.fired_after.and_then(|i| events.get(i)) {
        Some(e) => format!(
            "when the sale at {} arrived (clock {})",
            secs(e.event_time.0),
            secs(e.arrival.0)
        ),
        None => "at the end of input".into(),
    }
}

fn rows_table(kind: &WindowKind, run: &KindRun, events: &[crate::lesson::LessonEvent]) -> Html {
    if run.rows.is_empty() {
        return html! { <p class="muted" data-testid="kind-rows-empty">{ "No row yet: no window with sales has fired." }</p> };
    }
    let per_seller = matches!(
        kind,
        WindowKind::Session {
            per_seller: true,
            ..
        }
    );
    let hidden = run.rows.len().saturating_sub(MAX_ROWS);
    html! {
        <>
            <table class="rows">
                <thead><tr>
                    <th scope="col">{ "window_start" }</th><th scope="col">{ "window_end" }</th><th scope="col">{ "window_time" }</th>
                    <th scope="col" class="num">{ "sales_in_window" }</th><th scope="col" class="num">{ "revenue" }</th>
                    <th scope="col" class="num">{ "avg_ticket" }</th><th scope="col" class="num">{ "biggest_sale" }</th>
                    <th scope="col" class="num">{ "active_sellers" }</th>
                    if per_seller { <th scope="col">{ "seller" }</th> }
                    <th scope="col" class="muted">{ "emitted" }</th>
                </tr></thead>
                <tbody>
                { for run.rows[hidden..].iter().map(|r| html! {
                    <tr data-testid="kind-row">
                        <td>{ flink_timestamp(r.start.0) }</td>
                        <td>{ flink_timestamp(r.end.0) }</td>
                        <td>{ flink_timestamp(r.end.0 - 1) }</td>
                        <td class="num">{ r.sales }</td>
                        <td class="num">{ r.revenue.display_plain() }</td>
                        <td class="num">{ r.avg_ticket().display_plain() }</td>
                        <td class="num">{ r.biggest.display_plain() }</td>
                        <td class="num">{ r.active_sellers() }</td>
                        if per_seller { <td>{ r.seller.clone().unwrap_or_default() }</td> }
                        <td class="muted" data-testid="kind-row-fired">{ fired_text(r, events) }</td>
                    </tr>
                }) }
                </tbody>
            </table>
            if hidden > 0 {
                <p class="muted">{ format!("The newest {MAX_ROWS} rows; {hidden} earlier ones are not listed.") }</p>
            }
        </>
    }
}

/// The sales as dots on top, then one lane per kind with its windows packed into rows.
fn timeline(lesson: &crate::lesson::Lesson, kinds: &[WindowKind], runs: &[KindRun]) -> Html {
    // The newest two minutes of event time at most, and the windows reaching into them.
    let newest = lesson
        .events
        .iter()
        .map(|e| e.event_time.0)
        .max()
        .unwrap_or(0);
    let oldest = lesson
        .events
        .iter()
        .map(|e| e.event_time.0)
        .min()
        .unwrap_or(0);
    let lo = oldest.max(newest - 120_000);
    let windows: Vec<Vec<(&KindRow, bool)>> = runs
        .iter()
        .map(|r| {
            r.rows
                .iter()
                .map(|w| (w, true))
                .chain(r.open.iter().map(|w| (w, false)))
                .filter(|(w, _)| w.end.0 > lo)
                .collect()
        })
        .collect();
    let hi = windows
        .iter()
        .flatten()
        .map(|(w, _)| w.end.0)
        .max()
        .unwrap_or(newest)
        .max(newest + 1);
    let x = |t: i64| PAD + (t.max(lo) - lo) as f64 / (hi - lo).max(1) as f64 * (W - 2.0 * PAD);
    let mut y = LANE_HEAD + 14.0;
    let mut lanes = Vec::new();
    for ((kind, run), ws) in kinds.iter().zip(runs).zip(&windows) {
        let mut packed = pack(ws);
        // At 15 min / 1 s a sale is in 900 windows: draw a readable lane, say what is left.
        let hidden_rows = packed.len().saturating_sub(MAX_LANE_ROWS);
        packed.truncate(MAX_LANE_ROWS);
        let top = y;
        let mut bars = Vec::new();
        for (i, row) in packed.iter().enumerate() {
            for (w, fired) in row {
                let by = top + LANE_HEAD + i as f64 * (BAR + 2.0);
                bars.push(html! {
                    <rect x={format!("{:.1}", x(w.start.0))} y={format!("{by:.1}")}
                        width={format!("{:.1}", (x(w.end.0) - x(w.start.0)).max(1.5))} height={BAR.to_string()}
                        class={if *fired { "kind-window fired" } else { "kind-window open" }}
                        data-testid="kind-window" data-kind={kind.name()}>
                        <title>{ format!("{} → {}: {}{}", secs(w.start.0), secs(w.end.0), count(w.sales, "sale", "sales"),
                            if *fired { "" } else { " (open)" }) }</title>
                    </rect>
                });
            }
        }
        lanes.push(html! {
            <g data-testid="kind-lane" data-kind={kind.name()}>
                <text x={PAD.to_string()} y={format!("{:.1}", top + 11.0)} class="lane-label">{
                    format!("{} — {}{}", label(kind), count(run.rows.len() as u64, "row", "rows"),
                        if hidden_rows > 0 { format!(" (overlapping windows: the first {MAX_LANE_ROWS} rows of {} drawn)", MAX_LANE_ROWS + hidden_rows) } else { String::new() })
                }</text>
                { for bars }
            </g>
        });
        y = top + LANE_HEAD + packed.len().max(1) as f64 * (BAR + 2.0) + 8.0;
    }
    let dots = lesson
        .events
        .iter()
        .filter(|e| e.event_time.0 >= lo)
        .map(|e| html! { <circle cx={format!("{:.1}", x(e.event_time.0))} cy="14" r="3.5" class="kind-sale"><title>{ format!("sale at {}", secs(e.event_time.0)) }</title></circle> });
    let aria = kinds
        .iter()
        .zip(runs)
        .map(|(k, r)| {
            format!(
                "{}: {}",
                label(k),
                count(r.rows.len() as u64, "row", "rows")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    html! {
        <svg viewBox={format!("0 0 {W} {y:.0}")} role="img" aria-label={format!("The same sales under each window kind. {aria}.")} data-testid="kinds-svg">
            <line x1={PAD.to_string()} y1="22" x2={(W - PAD).to_string()} y2="22" class="axis" />
            { for dots }
            { for lanes }
        </svg>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_seeds_shape_after_hours_of_play_is_refused_not_frozen_on() {
        let seed = lesson_kinds(Span::minutes(15), Span::seconds(1), Span::seconds(2), false);
        assert!(too_much(&seed, 20).is_none(), "a short lesson is fine");
        assert!(too_much(&seed, 5_000).is_some());
        let lesson = lesson_kinds(Span::seconds(10), Span::seconds(2), Span::seconds(2), true);
        assert!(too_much(&lesson, crate::lesson::KEPT_EVENTS).is_none());
    }

    #[test]
    fn cumulate_steps_by_the_slide_or_the_nearest_divisor_below_it() {
        let [_, _, c, _] =
            lesson_kinds(Span::seconds(10), Span::seconds(2), Span::seconds(2), false);
        assert_eq!(
            c,
            WindowKind::Cumulate {
                step: Span::seconds(2),
                size: Span::seconds(10)
            }
        );
        let [_, _, c, _] =
            lesson_kinds(Span::seconds(10), Span::seconds(3), Span::seconds(2), false);
        assert_eq!(
            c,
            WindowKind::Cumulate {
                step: Span::seconds(2),
                size: Span::seconds(10)
            }
        );
        assert!(c.validate().is_ok());
    }
}
