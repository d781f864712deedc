//! Small SVG charts drawn by the app itself (no chart library: a few paths suffice).

use crate::shop::Point;
use yew::prelude::*;

/// Sales (line) and revenue (area) over the recent windows.
pub fn sales_revenue(points: &[Point]) -> Html {
    let (w, h, pad) = (600.0_f64, 160.0_f64, 4.0_f64);
    if points.len() < 2 {
        return html! { <p class="muted">{ "The chart fills in as windows fire." }</p> };
    }
    let max_sales = points.iter().map(|p| p.sales).max().unwrap_or(1).max(1) as f64;
    let max_rev = points
        .iter()
        .map(|p| p.revenue)
        .fold(0.0, f64::max)
        .max(1.0);
    let x = |i: usize| pad + (w - 2.0 * pad) * i as f64 / (points.len() - 1) as f64;
    let y = |v: f64, max: f64| h - pad - (h - 2.0 * pad) * v / max;
    let mut sales = String::new();
    let mut revenue = format!("M{:.1},{:.1}", x(0), h - pad);
    for (i, p) in points.iter().enumerate() {
        let cmd = if i == 0 { 'M' } else { 'L' };
        sales.push_str(&format!(
            "{cmd}{:.1},{:.1} ",
            x(i),
            y(p.sales as f64, max_sales)
        ));
        revenue.push_str(&format!(" L{:.1},{:.1}", x(i), y(p.revenue, max_rev)));
    }
    revenue.push_str(&format!(" L{:.1},{:.1} Z", x(points.len() - 1), h - pad));
    html! {
        <svg class="chart" viewBox={format!("0 0 {w} {h}")} role="img"
             aria-label="Sales and revenue per window over the recent windows">
            <path class="revenue" d={revenue} />
            <path class="sales" d={sales} />
            <text x="8" y="16" class="legend sales-legend">{ format!("sales (max {max_sales:.0})") }</text>
            <text x="8" y="32" class="legend revenue-legend">{ format!("revenue (max ${max_rev:.0})") }</text>
        </svg>
    }
}

/// Horizontal bars, label and value, longest first.
pub fn bars(rows: &[(String, u64)], testid: &str) -> Html {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    html! {
        <ul class="bars" data-testid={testid.to_string()}>
            { for rows.iter().map(|(label, n)| html! {
                <li>
                    <span class="bar-label" title={label.clone()}>{ label.clone() }</span>
                    <span class="bar" style={format!("width:{:.1}%", 100.0 * *n as f64 / max)}></span>
                    <span class="bar-value">{ n }</span>
                </li>
            }) }
        </ul>
    }
}
