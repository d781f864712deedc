//! What the selected sale or window holds, in words: which windows a sale is in and in
//! what state, or a window's figures and sales.

use super::Shared;
use crate::format::{secs, summarised, AROUND};
use crate::lesson::Selected;
use hopscope_core::Pushed;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SelectionProps {
    pub page: Shared,
    pub lesson: u64,
}

#[function_component(Selection)]
pub fn selection(p: &SelectionProps) -> Html {
    let page = p.page.get();
    let l = &page.lesson;
    match l.selected {
        Selected::Nothing => html! {
            <p class="muted">{ "Click a sale (dot) or a window (bar) to see what it holds." }</p>
        },
        Selected::Event(id) => {
            let Some(e) = l.event(id) else {
                return html! {};
            };
            let t = l.position(e);
            let windows = l.windows_containing(t);
            html! {
                <div class="selection" data-testid="selection">
                    <h3>{ format!("Sale {id}: {} by {}", e.value.display_usd(), e.seller) }</h3>
                    <p>{ format!("event time {} · arrived {}", secs(e.event_time.0), secs(e.arrival.0)) }</p>
                    { match e.fate {
                        Pushed::Dropped { windows: n, watermark } => html! {
                            <p class="problem" data-testid="selection-late" data-joined="0">{ format!(
                                "Too late: it arrived when the watermark was at {}, and all {n} of its windows had already fired (a window fires when the watermark reaches its end − 1 ms). Fired results never change, so the engine dropped it — and counted it, as Flink does.",
                                secs(watermark.0)) }</p>
                        },
                        Pushed::LateJoined { joined, windows: n, watermark } => html! {
                            <p class="problem" data-testid="selection-late" data-joined={joined.to_string()}>{ format!(
                                "Late: it arrived when the watermark was at {}. {} of its {n} windows had already fired and keep their results without it; it joined the {joined} still open — Flink's rule. It is dropped only when every one of its windows has fired.",
                                secs(watermark.0), n - joined) }</p>
                        },
                        Pushed::Accepted => html! {
                            <p data-testid="selection-count" data-count={windows.len().to_string()}>{ l.explain_count(t) }</p>
                        },
                    } }
                    <ul>{ for summarised(&windows).into_iter().map(|w| {
                        let Some((s, end)) = w else {
                            return html! { <li class="muted" data-testid="selection-window-more">{ format!(
                                "… {} more, one every {} …", windows.len() - 2 * AROUND, l.config.slide) }</li> };
                        };
                        let state = if !e.counts_in(s.0, l.config.size.0) {
                            "fired before it arrived: without it"
                        } else if l.fired.contains_key(&s.0) {
                            "fired"
                        } else {
                            "open"
                        };
                        html! { <li data-testid="selection-window-state">{ format!("[{}, {}) — {state}", secs(s.0), secs(end.0)) }</li> }
                    }) }</ul>
                </div>
            }
        }
        Selected::Window(start) => {
            let end = start + l.config.size.0;
            let events = l.events_in(start);
            let fired = l.fired.get(&start);
            let never = l.never_fires(start);
            html! {
                <div class="selection" data-testid="selection">
                    <h3>{ format!("Window [{}, {})", secs(start), secs(end)) }</h3>
                    { match fired {
                        _ if never => html! {
                            <p data-testid="selection-window">{
                                "Empty: no sale falls in it. Flink emits no window without rows, so this one never fires — it produces no result at all."
                            }</p>
                        },
                        Some(w) => html! {
                            <p data-testid="selection-window">{ format!(
                                "Fired: {} sales, revenue {}, average {}, biggest {}, {} sellers.",
                                w.sales_in_window, w.revenue.display_usd(), w.avg_ticket.display_usd(),
                                w.biggest_sale.display_usd(), w.active_sellers) }</p>
                        },
                        None => html! {
                            <p data-testid="selection-window">{ if l.is_event_time() {
                                format!("Open: it fires when the watermark reaches {} (its end − 1 ms). {} sales so far.", secs(end - 1), events.len())
                            } else {
                                format!("Open: it fires when the clock reaches {}. {} sales so far.", secs(end), events.len())
                            } }</p>
                        },
                    } }
                    <ul>{ for summarised(&events).into_iter().map(|e| match e {
                        Some(e) => html! {
                            <li>{ format!("sale {} at {}: {}", e.id, secs(l.position(e).0), e.value.display_usd()) }</li>
                        },
                        None => html! { <li class="muted">{ format!("… {} more sales …", events.len() - 2 * AROUND) }</li> },
                    }) }</ul>
                    <p class="muted">{ format!("{} panes of {} each.", l.config.size.0 / l.config.pane().0, l.config.pane()) }</p>
                </div>
            }
        }
    }
}
