//! The dashboard's window inspector: one of the newest windows — its bounds and why they
//! are aligned there, when it fired, its figures, and Flink's row beside it when the
//! bridge relays the Flink job's windows (`serve --windows-topic`).

use super::{use_dispatch, PageRef};
use crate::format::count;
use crate::page::Action;
use hopscope_core::agree::compared_fields;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WindowInspectorProps {
    pub page: PageRef,
    pub windows: u64,
}

#[function_component(WindowInspector)]
pub fn window_inspector(p: &WindowInspectorProps) -> Html {
    let dispatch = use_dispatch();
    let page = p.page.get();
    let Some(start) = page.inspected else {
        return html! {};
    };
    let shop = &page.shop;
    let recent = &shop.recent;
    let Some(k) = recent.iter().position(|r| r.row.window_start.0 == start) else {
        return html! {
            <section class="panel" data-testid="window-inspector" data-start={start.to_string()}>
                <p class="muted">{ format!("The window starting {} is no longer among the newest {} kept.", hopscope_core::Timestamp(start).to_iso(), crate::shop::RECENT) }</p>
                <button onclick={dispatch.reform(|_| Action::Inspect(None))}>{ "Close" }</button>
            </section>
        };
    };
    let r = &recent[k];
    let w = &r.row;
    let size = w.window_end.0 - w.window_start.0;
    let older = k.checked_sub(1).map(|j| recent[j].row.window_start.0);
    let newer = recent.get(k + 1).map(|n| n.row.window_start.0);
    let fired = match r.watermark {
        Some(wm) => format!(
            "It fired when the watermark (the oldest partition's newest sale − the delay) reached {} — at or past its end − 1 ms.",
            wm.to_iso()
        ),
        None => format!(
            "It fired when the clock passed its end ({}): processing time.",
            r.at.to_iso()
        ),
    };
    let flink = shop
        .agreement
        .as_ref()
        .map(|a| a.theirs_for(w.window_start.0, w.window_end.0));
    html! {
        <section class="panel inspector" data-testid="window-inspector" data-start={start.to_string()} aria-labelledby="window-inspector-title">
            <h2 id="window-inspector-title">{ format!("Window [{}, {})", w.window_start.to_iso(), w.window_end.to_iso()) }</h2>
            <div class="row">
                <button data-testid="inspect-older" disabled={older.is_none()} onclick={dispatch.reform(move |_| Action::Inspect(older))}>{ "◀ Older" }</button>
                <button data-testid="inspect-newer" disabled={newer.is_none()} onclick={dispatch.reform(move |_| Action::Inspect(newer))}>{ "Newer ▶" }</button>
                <button data-testid="inspect-close" onclick={dispatch.reform(|_| Action::Inspect(None))}>{ "Close" }</button>
            </div>
            <p data-testid="window-inspector-bounds">{ format!(
                "Half-open, {} long: it holds sales from its start up to, not including, its end. A window starts every {}; starts are multiples of the slide counted from the epoch (1970-01-01 00:00:00 UTC), so every window ends on a whole slide.",
                crate::format::human_span(size), shop.slide()) }</p>
            <p data-testid="window-inspector-fired">{ fired }</p>
            <p data-testid="window-inspector-row" data-sales={w.sales_in_window.to_string()}>{ format!(
                "{} · revenue {} · average {} · biggest {} · {} · {} · {}",
                count(w.sales_in_window, "sale", "sales"), w.revenue.display_usd(), w.avg_ticket.display_usd(), w.biggest_sale.display_usd(),
                count(w.active_sellers, "seller", "sellers"), count(w.active_categories, "category", "categories"), count(w.active_products, "product", "products")) }</p>
            { match flink {
                None => html! {},
                Some(None) => html! {
                    <p class="muted" data-testid="window-inspector-flink" data-equal="none">{ "Flink's row for this window has not come (yet): the job may lag, or compute other windows." }</p>
                },
                Some(Some(t)) => {
                    let fields = compared_fields(w, t);
                    let equal = fields.iter().all(|(_, a, b)| a == b);
                    html! {
                        <div data-testid="window-inspector-flink" data-equal={equal.to_string()}>
                            <h3>{ if equal { "Flink's row beside this page's: equal" } else { "Flink's row beside this page's: they differ" } }</h3>
                            <div class="table-scroll"><table class="compare">
                                <thead><tr><th scope="col">{ "field" }</th><th scope="col">{ "this page" }</th><th scope="col">{ "Flink" }</th></tr></thead>
                                <tbody>{ for fields.iter().map(|(name, a, b)| html! {
                                    <tr class={classes!((a != b).then_some("differs"))}>
                                        <td>{ *name }</td><td>{ a.clone() }</td><td>{ format!("{b}{}", if a == b { " ✓" } else { " ✕" }) }</td>
                                    </tr>
                                }) }</tbody>
                            </table></div>
                        </div>
                    }
                }
            } }
        </section>
    }
}
