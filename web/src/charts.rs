//! Small SVG charts drawn by the app itself (no chart library: a few paths suffice).

use crate::format::utc;
use crate::shop::Point;
use yew::prelude::*;

/// One series over the windows fired so far: a time axis (UTC, the windows' ends) and a
/// value axis from the series' own low to high (a steady shop is a wavy line across the
/// chart, not a flat one at its top), labelled outside the plot.
pub fn series(
    points: &[Point],
    value: fn(&Point) -> f64,
    fmt: fn(f64) -> String,
    class: &str,
    testid: &str,
    width: f64,
    on_pick: Option<Callback<i64>>,
) -> Html {
    // Drawn one unit per CSS pixel of `width` (the box's measured width), so labels are
    // 10 px on a phone and on a wide screen alike.
    let (w, h) = (width.clamp(280.0, 1_600.0), 120.0_f64);
    let (left, right, top, bottom) = (58.0, 8.0, 8.0, 18.0);
    if points.len() < 2 {
        return html! { <p class="muted">{ "The chart fills in as windows fire." }</p> };
    }
    let values: Vec<f64> = points.iter().map(value).collect();
    let (mut lo, mut hi) = values
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(*v), b.max(*v)));
    let pad = ((hi - lo) * 0.1).max(hi.abs() * 0.01).max(1.0);
    lo = (lo - pad).max(0.0);
    hi += pad;
    let (t0, t1) = (points[0].end.0, points[points.len() - 1].end.0);
    let span = (t1 - t0).max(1);
    let x = |t: i64| left + (w - left - right) * (t - t0) as f64 / span as f64;
    let y = |v: f64| top + (h - top - bottom) * (1.0 - (v - lo) / (hi - lo));
    let mut d = String::new();
    for (i, (p, v)) in points.iter().zip(&values).enumerate() {
        d.push_str(&format!(
            "{}{:.1},{:.1} ",
            if i == 0 { 'M' } else { 'L' },
            x(p.end.0),
            y(*v)
        ));
    }
    let step = tick_spacing(span, ((w / 110.0) as i64).clamp(2, 8));
    // A label cut by the picture's edge read as another ("21:24" for 21:24:30): only
    // labels drawn whole are drawn.
    let ticks: Vec<i64> = (t0.div_euclid(step) + 1..=t1.div_euclid(step))
        .map(|k| k * step)
        .filter(|t| label_fits(x(*t), &utc(*t), w))
        .collect();
    let levels = [lo, (lo + hi) / 2.0, hi];
    html! {
        <svg class="chart" viewBox={format!("0 0 {w} {h}")} role="img" data-testid={testid.to_string()}
             data-points={points.len().to_string()} data-from={t0.to_string()} data-to={t1.to_string()}
             data-ends={points.iter().map(|p| p.end.0.to_string()).collect::<Vec<_>>().join(",")}
             aria-label={format!("{testid}: {} to {} from {} to {}", fmt(values.iter().cloned().fold(f64::MAX, f64::min)), fmt(values.iter().cloned().fold(f64::MIN, f64::max)), utc(t0), utc(t1))}>
            { for levels.iter().map(|v| html! {
                <g>
                    <line x1={left.to_string()} x2={(w - right).to_string()} y1={y(*v).to_string()} y2={y(*v).to_string()} class="grid" />
                    <text x={(left - 4.0).to_string()} y={(y(*v) + 3.5).to_string()} class="vlabel">{ fmt(*v) }</text>
                </g>
            }) }
            { for ticks.iter().map(|t| html! {
                <text x={x(*t).to_string()} y={(h - 4.0).to_string()} class="tlabel">{ utc(*t) }</text>
            }) }
            <path class={class.to_string()} d={d} />
            // A click or tap picks the window whose end is nearest (its end, in ms).
            if let Some(pick) = on_pick {
                <rect class="pick" x={left.to_string()} y="0" width={(w - left - right).to_string()} height={h.to_string()}
                    data-testid={format!("{testid}-pick")}
                    onclick={pick.reform(move |e: MouseEvent| {
                        let shown = e
                            .target()
                            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                            .map_or(w - left - right, |el| el.get_bounding_client_rect().width().max(1.0));
                        let frac = f64::from(e.offset_x()) / shown;
                        t0 + (frac.clamp(0.0, 1.0) * span as f64).round() as i64
                    })} />
            }
        </svg>
    }
}

/// Whether a time label centred at `x` (10 px text, about 6.2 px a character) lies
/// wholly inside a picture `width` wide.
pub fn label_fits(x: f64, text: &str, width: f64) -> bool {
    let half = text.chars().count() as f64 * 6.2 / 2.0;
    x - half >= 0.0 && x + half <= width
}

/// A round spacing (1 s … 12 h) giving at most `labels` ticks over `range` ms.
pub fn tick_spacing(range: i64, labels: i64) -> i64 {
    const NICE: [i64; 17] = [
        1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000, 120_000, 300_000, 600_000, 900_000,
        1_800_000, 3_600_000, 7_200_000, 10_800_000, 21_600_000, 43_200_000,
    ];
    NICE.into_iter()
        .find(|n| range / n <= labels)
        .unwrap_or_else(|| (range / labels / 86_400_000 + 1) * 86_400_000)
}

/// Horizontal bars, label and value, longest first. Values are compact (`612.4K`) so a
/// count at 10,000 sales/s still fits its column; the exact count is the value's title.
pub fn bars(rows: &[(String, u64)], testid: &str) -> Html {
    let max = rows.iter().map(|r| r.1).max().unwrap_or(1).max(1) as f64;
    html! {
        <ul class="bars" data-testid={testid.to_string()}>
            { for rows.iter().map(|(label, n)| html! {
                <li>
                    <span class="bar-label" title={label.clone()}>{ label.clone() }</span>
                    <span class="bar" style={format!("width:{:.1}%", 100.0 * *n as f64 / max)}></span>
                    <span class="bar-value" title={n.to_string()}>{ crate::format::compact_number(*n as f64) }</span>
                </li>
            }) }
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_labels_are_whole_and_unique_at_any_width_and_span() {
        for width in [280.0, 390.0, 640.0, 1_280.0] {
            for span in [2_000, 7_000, 59_000, 90_000, 600_000, 3_600_000, 86_400_000] {
                let (left, right) = (58.0, 8.0);
                let t0 = 1_796_597_000_123_i64;
                let t1 = t0 + span;
                let x = |t: i64| left + (width - left - right) * (t - t0) as f64 / span as f64;
                let step = tick_spacing(span, ((width / 110.0) as i64).clamp(2, 8));
                let labels: Vec<String> = (t0.div_euclid(step) + 1..=t1.div_euclid(step))
                    .map(|k| k * step)
                    .filter(|t| label_fits(x(*t), &utc(*t), width))
                    .map(utc)
                    .collect();
                let unique: std::collections::BTreeSet<&String> = labels.iter().collect();
                assert_eq!(
                    unique.len(),
                    labels.len(),
                    "{width} px, {span} ms: {labels:?}"
                );
            }
        }
        assert!(
            !label_fits(1_275.0, "22:56:29", 1_280.0),
            "cut at the right edge"
        );
        assert!(label_fits(640.0, "22:56:29", 1_280.0));
    }
}
