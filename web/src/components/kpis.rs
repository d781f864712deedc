//! The newest window's figures as KPI cards.

use super::{use_dispatch, PageRef};
use crate::format::compact_usd;
use crate::page::Action;
use hopscope_core::generate::SELLERS;
use hopscope_core::WindowResult;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct KpisProps {
    pub page: PageRef,
    /// Version of the windows fired: the cards change only when one fires.
    pub windows: u64,
}

#[function_component(Kpis)]
pub fn kpis(p: &KpisProps) -> Html {
    let dispatch = use_dispatch();
    let page = p.page.get();
    let w = page.shop.latest();
    let v = |f: &dyn Fn(&WindowResult) -> String| w.map(f).unwrap_or_else(|| "—".into());
    html! {
        <section class="kpis" aria-label="Newest window">
            <h2>{ "Newest window " }<small class="muted" data-testid="window-range">{
                w.map(|w| format!("{} → {}", w.window_start.to_iso(), w.window_end.to_iso())).unwrap_or_default()
            }</small>
            if let Some(start) = w.map(|w| w.window_start.0) {
                <button class="inspect" data-testid="inspect-newest" onclick={dispatch.reform(move |_| Action::Inspect(Some(start)))}>{ "Inspect" }</button>
            }
            </h2>
            <div class="kpi-grid">
                { kpi("Sales in window", v(&|w| w.sales_in_window.to_string()), None, "kpi-sales") }
                { kpi("Revenue", v(&|w| compact_usd(w.revenue)), w.map(|w| w.revenue.display_usd()), "kpi-revenue") }
                { kpi("Average ticket", v(&|w| w.avg_ticket.display_usd()), None, "kpi-ticket") }
                { kpi("Active sellers", v(&|w| format!("{}/{}", w.active_sellers, SELLERS.len())), None, "kpi-sellers") }
                { kpi("Categories", v(&|w| w.active_categories.to_string()), None, "kpi-categories") }
                { kpi("Products", v(&|w| w.active_products.to_string()), None, "kpi-products") }
                { kpi("Biggest sale", v(&|w| compact_usd(w.biggest_sale)), w.map(|w| w.biggest_sale.display_usd()), "kpi-biggest") }
            </div>
        </section>
    }
}

/// A KPI card; when the shown value is compact, `exact` (the full figure) is its tooltip.
fn kpi(label: &str, value: String, exact: Option<String>, testid: &str) -> Html {
    html! {
        <div class="kpi" data-testid={testid.to_string()}>
            <div class="kpi-label">{ label.to_string() }</div>
            <div class="kpi-value" title={exact}>{ value }</div>
        </div>
    }
}
