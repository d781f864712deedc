//! Sales and revenue per window over the whole run, drawn for the width they get.

use super::Shared;
use crate::charts;
use crate::format::{compact_number, history_note};
use crate::hooks::use_element_width;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WindowChartsProps {
    pub page: Shared,
    /// When to draw again: the windows' version (or, with reduced motion, a slower beat).
    pub windows: u64,
}

#[function_component(WindowCharts)]
pub fn window_charts(p: &WindowChartsProps) -> Html {
    let node = use_node_ref();
    // One unit of the chart per CSS pixel: 10 px labels on a phone as on a desktop.
    let width = use_element_width(node.clone(), 600.0);
    let page = p.page.get();
    let points = page.shop.history.points();
    html! {
        <section class="panel wide">
            // Measured inside the panel's padding: the charts' own width.
            <div ref={node}>
            <h2>{ "Sales per window" }<small class="muted">{ history_note(&page.shop.history) }</small></h2>
            { charts::series(points, |p| p.sales as f64, compact_number, "sales", "chart-sales", width) }
            <h2>{ "Revenue per window" }</h2>
            { charts::series(points, |p| p.revenue, |v| format!("${}", compact_number(v)), "revenue", "chart-revenue", width) }
            </div>
        </section>
    }
}
