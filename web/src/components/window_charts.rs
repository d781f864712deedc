//! Sales and revenue per window over the whole run, drawn for the width they get.

use super::{use_dispatch, PageRef};
use crate::charts;
use crate::format::{compact_number, history_note};
use crate::hooks::use_element_width;
use crate::page::Action;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WindowChartsProps {
    pub page: PageRef,
    /// When to draw again: the windows' version (or, with reduced motion, a slower beat).
    pub windows: u64,
}

#[function_component(WindowCharts)]
pub fn window_charts(p: &WindowChartsProps) -> Html {
    let dispatch = use_dispatch();
    let node = use_node_ref();
    // One unit of the chart per CSS pixel: 10 px labels on a phone as on a desktop.
    let width = use_element_width(node.clone(), 600.0);
    let page = p.page.get();
    let points = page.shop.history.points();
    // A click on a chart opens the inspector on the nearest window drawn.
    let pick = {
        let ends: Vec<i64> = points.iter().map(|p| p.end.0).collect();
        let size = page.shop.window_size().0;
        dispatch.reform(move |t: i64| {
            let i = ends.partition_point(|e| *e < t);
            let nearest = [i.checked_sub(1), Some(i)]
                .into_iter()
                .flatten()
                .filter_map(|k| ends.get(k))
                .min_by_key(|e| (*e - t).abs());
            Action::Inspect(nearest.map(|e| e - size))
        })
    };
    html! {
        <section class="panel wide">
            // Measured inside the panel's padding: the charts' own width.
            <div ref={node}>
            <h2>{ "Sales per window" }<small class="muted">{ history_note(&page.shop.history) }</small></h2>
            { charts::series(points, |p| p.sales as f64, compact_number, "sales", "chart-sales", width, Some(pick.clone())) }
            <h2>{ "Revenue per window" }</h2>
            { charts::series(points, |p| p.revenue, |v| format!("${}", compact_number(v)), "revenue", "chart-revenue", width, Some(pick)) }
            </div>
        </section>
    }
}
