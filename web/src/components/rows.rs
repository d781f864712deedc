//! The lesson query's result rows: one per window that fired with sales, in the order they
//! fired — what Flink's SQL client prints for the query beside it. A row and its bar are
//! one selection: click a row and its bar lights, click a bar and its row does.

use super::{send_if, use_dispatch, PageRef};
use crate::lesson::Selected;
use crate::page::{Action, LessonAction};
use crate::sql::flink_timestamp;
use yew::prelude::*;

/// Rows drawn (the newest); older ones are counted, not drawn.
pub const MAX_ROWS_SHOWN: usize = 40;

#[derive(Properties, PartialEq)]
pub struct RowsProps {
    pub page: PageRef,
    pub lesson: u64,
}

#[function_component(Rows)]
pub fn rows(p: &RowsProps) -> Html {
    let dispatch = use_dispatch();
    let page = p.page.get();
    let l = &page.lesson;
    // Flink emits no row for a window without sales (the lesson fires empty ones only to
    // draw them).
    let rows: Vec<_> = l
        .fired
        .values()
        .filter(|f| f.row.sales_in_window > 0)
        .collect();
    let hidden = rows.len().saturating_sub(MAX_ROWS_SHOWN);
    html! {
        <section class="panel rows" aria-labelledby="rows-title">
            <h2 id="rows-title">{ "The query's rows" }</h2>
            <p class="muted">{ if l.is_event_time() {
                "A row appears when its window fires (the watermark reaches its end − 1 ms), as Flink emits it, and never changes after. window_time is the window's end − 1 ms: the time a row carries into the next query."
            } else {
                "A row appears when the clock passes its window's end, as Flink emits it, and never changes after."
            } }</p>
            if rows.is_empty() {
                <p class="muted" data-testid="sql-rows-empty">{ "No row yet: no window with sales has fired." }</p>
            } else {
                <div class="table-scroll">
                <table data-testid="sql-rows">
                    <thead><tr>
                        <th scope="col">{ "window_start" }</th><th scope="col">{ "window_end" }</th><th scope="col">{ "window_time" }</th>
                        <th scope="col" class="num">{ "sales_in_window" }</th><th scope="col" class="num">{ "revenue" }</th>
                        <th scope="col" class="num">{ "avg_ticket" }</th><th scope="col" class="num">{ "biggest_sale" }</th>
                        <th scope="col" class="num">{ "active_sellers" }</th>
                    </tr></thead>
                    <tbody>
                    { for rows[hidden..].iter().map(|f| {
                        let start = f.row.window_start.0;
                        let select = Action::Lesson(LessonAction::Select(Selected::Window(start)));
                        let on = { let a = select.clone(); dispatch.reform(move |_| a.clone()) };
                        let on_key = send_if(&dispatch, move |e: &KeyboardEvent| {
                            (e.key() == "Enter" || e.key() == " ").then(|| select.clone())
                        });
                        let selected = l.selected == Selected::Window(start);
                        html! {
                            <tr key={start} data-testid="sql-row" data-start={start.to_string()}
                                class={classes!(selected.then_some("selected"))} tabindex="0"
                                aria-selected={selected.to_string()} onclick={on} onkeydown={on_key}>
                                <td>{ flink_timestamp(start) }</td>
                                <td>{ flink_timestamp(f.row.window_end.0) }</td>
                                <td>{ flink_timestamp(f.row.window_end.0 - 1) }</td>
                                <td class="num">{ f.row.sales_in_window }</td>
                                <td class="num">{ f.row.revenue.display_plain() }</td>
                                <td class="num">{ f.row.avg_ticket.display_plain() }</td>
                                <td class="num">{ f.row.biggest_sale.display_plain() }</td>
                                <td class="num">{ f.row.active_sellers }</td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
                </div>
                if hidden > 0 {
                    <p class="muted">{ format!("The newest {MAX_ROWS_SHOWN} rows; {hidden} earlier ones above them are not drawn.") }</p>
                }
            }
        </section>
    }
}
