//! A one-page summary of the lesson for the teacher to print (hidden on screen; the print
//! style shows it with the timeline and nothing else): the settings, what happened (sales,
//! late, dropped, windows fired, the watermark), the newest rows, the Flink SQL, and the
//! link that plays the same sales again.

use super::PageRef;
use crate::format::{count, secs};
use crate::sql::flink_timestamp;
use hopscope_core::window::TimeMode;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PrintSummaryProps {
    pub page: PageRef,
    pub lesson: u64,
    pub settings: u64,
}

/// Rows a page holds beside the SQL and the picture.
const ROWS: usize = 10;

#[function_component(PrintSummary)]
pub fn print_summary(p: &PrintSummaryProps) -> Html {
    let page = p.page.get();
    let l = &page.lesson;
    let time = match l.config.time {
        TimeMode::Event(e) => format!("event time, watermark delay {}", secs(e.delay.0)),
        TimeMode::Processing => "processing time".into(),
    };
    let source = if l.is_scripted() {
        "a teacher's scripted sales".to_string()
    } else {
        format!("generated sales, seed {}", page.settings.seed)
    };
    let rows: Vec<_> = l
        .fired
        .values()
        .filter(|f| f.row.sales_in_window > 0)
        .collect();
    let shown = &rows[rows.len().saturating_sub(ROWS)..];
    let wm = match l.watermark() {
        Some(w) if w.0 >= crate::lesson::END_OF_INPUT.0 => "+∞ (end of input)".to_string(),
        Some(w) => secs(w.0),
        None => "—".into(),
    };
    let mut again = page.settings.clone();
    again.script = Some(l.script());
    again.exercise = None;
    again.present = false;
    (again.window, again.at) = (None, None);
    html! {
        <section class="print-summary" data-testid="print-summary" aria-hidden="true">
            <h2>{ "hopscope — the lesson in one page" }</h2>
            <p data-testid="print-settings">{ format!(
                "HOP windows of {} every {} ({} per sale), {}, {}, {}.",
                secs(l.config.size.0), secs(l.config.slide.0), l.config.size.0 / l.config.slide.0, time,
                count(l.partitions, "partition", "partitions"), source
            ) }</p>
            <p data-testid="print-counts">{ format!(
                "Clock {}: {}, {} late, {} dropped; {} fired with sales; watermark {}.",
                secs(l.clock.0), count(l.event_count() as u64, "sale", "sales"), l.late_count(), l.dropped_count(),
                count(rows.len() as u64, "window", "windows"), wm
            ) }</p>
            if !shown.is_empty() {
                <table class="print-rows">
                    <thead><tr><th>{ "window_start" }</th><th>{ "window_end" }</th><th>{ "sales" }</th><th>{ "revenue" }</th><th>{ "biggest" }</th><th>{ "sellers" }</th></tr></thead>
                    <tbody>{ for shown.iter().map(|f| html! {
                        <tr data-testid="print-row">
                            <td>{ flink_timestamp(f.row.window_start.0) }</td><td>{ flink_timestamp(f.row.window_end.0) }</td>
                            <td>{ f.row.sales_in_window }</td><td>{ f.row.revenue.display_plain() }</td>
                            <td>{ f.row.biggest_sale.display_plain() }</td><td>{ f.row.active_sellers }</td>
                        </tr>
                    }) }</tbody>
                </table>
                if rows.len() > ROWS { <p>{ format!("The newest {ROWS} of {} rows.", rows.len()) }</p> }
            }
            <pre class="print-sql">{ page.lesson_sql() }</pre>
            <p class="print-link" data-testid="print-link">{ format!("Open the same sales again: {}", again.to_query()) }</p>
        </section>
    }
}
