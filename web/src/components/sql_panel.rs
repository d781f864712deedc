//! The lesson as Flink SQL, kept in step with every setting: the source table with its
//! `WATERMARK`, the HOP query (slide before size), and the settings that decide its rows;
//! a copy button, and the lesson's sales as the file the file source reads.

use super::{select_value, use_dispatch, PageRef};
use crate::format::count;
use crate::page::{Action, LessonAction};
use crate::sql::{SqlSource, SALES_FILE};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SqlPanelProps {
    pub page: PageRef,
    pub lesson: u64,
    pub settings: u64,
}

#[function_component(SqlPanel)]
pub fn sql_panel(p: &SqlPanelProps) -> Html {
    let dispatch = use_dispatch();
    let page = p.page.get();
    let l = &page.lesson;
    let source = page.sql_source;
    let text = page.lesson_sql();
    let on_source = dispatch.reform(|e: Event| {
        Action::Lesson(LessonAction::SetSqlSource(if select_value(&e) == "file" {
            SqlSource::File
        } else {
            SqlSource::Kafka
        }))
    });
    html! {
        <section class="panel sql" aria-labelledby="sql-title">
            <h2 id="sql-title">{ "The lesson in Flink SQL" }</h2>
            <div class="row">
                <label>{ "Read the sales from " }
                    <select data-testid="sql-source" onchange={on_source}>
                        <option value="kafka" selected={source == SqlSource::Kafka}>{ "a Kafka topic" }</option>
                        <option value="file" selected={source == SqlSource::File}>{ "the lesson's sales file" }</option>
                    </select>
                </label>
                <button data-testid="sql-copy" onclick={dispatch.reform(|_| Action::Lesson(LessonAction::CopySql))}>{ "Copy the SQL" }</button>
                if source == SqlSource::File {
                    <button data-testid="sql-download" disabled={l.events.is_empty()}
                        onclick={dispatch.reform(|_| Action::Lesson(LessonAction::DownloadSales))}>{
                        format!("Download {SALES_FILE} ({})", count(l.events.len() as u64, "sale", "sales"))
                    }</button>
                }
                <span class="muted" data-testid="sql-copied" aria-live="polite">{ match page.sql_copied {
                    Some(true) => "Copied.",
                    Some(false) => "The browser refused the clipboard: select the text and copy it.",
                    None => "",
                } }</span>
            </div>
            <pre class="sql-text" data-testid="sql-text"><code>{ text }</code></pre>
            <details class="systems" data-testid="other-systems">
                <summary>{ "The same window in other systems — mind the order of size and slide" }</summary>
                <table>
                    <tbody>
                    { for crate::sql::other_systems(l.config.size, l.config.slide).into_iter().map(|(system, code, mind)| {
                        let copy = { let c = code.clone(); dispatch.reform(move |_| Action::Lesson(LessonAction::CopyText(c.clone()))) };
                        html! {
                            <tr data-testid="other-system" data-system={system}>
                                <th scope="row">{ system }</th>
                                <td><code>{ code }</code></td>
                                <td class="muted">{ mind }</td>
                                <td><button class="link" aria-label={format!("Copy the {system} window")} onclick={copy}>{ "Copy" }</button></td>
                            </tr>
                        }
                    }) }
                    </tbody>
                </table>
            </details>
            <p class="muted">{ match source {
                SqlSource::File => format!(
                    "Paste it into Flink's SQL client (sql-client.sh) started in the folder holding {SALES_FILE}: it prints the rows of the table beside the picture — all of them, since a file ends and its end fires the last windows (press End of input here to see the same). The file holds the sales in the order they reached the lesson's engine, so Flink finds the same ones late."),
                SqlSource::Kafka => "Paste it into Flink's SQL client with the Kafka connector jar: it reads a topic `sales` of JSON sales keyed by seller (hopscope produce writes one). A topic does not end, so the newest windows wait for the watermark, as here.".to_string(),
            } }</p>
        </section>
    }
}
