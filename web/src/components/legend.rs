//! What every mark of the teaching picture means — each by shape or text as well as by
//! colour, so nothing is said by colour alone.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct LegendProps {
    pub event_time: bool,
    pub partitions: u32,
}

#[function_component(Legend)]
pub fn legend(p: &LegendProps) -> Html {
    // Open beside a wide picture; on a phone, one line to open it, so the picture and the
    // selection stay together on the first screen.
    let node = use_node_ref();
    let width = crate::hooks::use_element_width(node.clone(), 900.0);
    let item = |class: &'static str, mark: Html, text: &'static str| {
        html! {
            <li class={classes!("legend-item", class)}>
                <svg class="timeline" width="30" height="16" viewBox="0 0 30 16" aria-hidden="true">{ mark }</svg>
                { text }
            </li>
        }
    };
    let bar = |class: &'static str| html! { <g class={classes!("window", class)}><rect x="1" y="2" width="28" height="12" rx="3" /></g> };
    html! {
        <details class="marks" data-testid="legend" open={width >= 600.0} ref={node}>
            <summary>{ "What the marks mean" }</summary>
            <ul>
                { item("l-sale", html! { <g class="event"><circle cx="15" cy="8" r="6" /></g> }, "a sale (dot), placed by its time") }
                if p.event_time {
                    { item("l-late", html! { <g class="event late"><circle cx="15" cy="8" r="6" /><text x="12" y="12" class="x">{ "!" }</text></g> }, "! late: it missed the windows already fired, joined the open ones") }
                    { item("l-dropped", html! { <g class="event dropped"><circle cx="15" cy="8" r="6" /><text x="11" y="12" class="x">{ "✕" }</text></g> }, "✕ too late: every window had fired — dropped, counted") }
                }
                { item("l-open", bar("open"), "open window (dashed): may still get sales") }
                { item("l-fired", bar("fired"), "fired window (solid): its row is out, final") }
                { item("l-never", bar("never"), "empty window (faint): no sale, never fires") }
                { item("l-hl", bar("open hl"), "outlined: a window of the selected sale") }
                { item("l-missed", html! { <g class="window fired hl missed"><rect x="1" y="2" width="28" height="12" rx="3" /><text x="17" y="12" class="wmissed">{ "✕" }</text></g> }, "✕ on a window: it fired before the selected sale arrived") }
                if p.event_time {
                    { item("l-wm", html! { <g class="watermark"><line x1="15" x2="15" y1="0" y2="16" /></g> }, "red line: the watermark (windows up to it have fired)") }
                }
                { item("l-now", html! { <g class="now"><line x1="15" x2="15" y1="0" y2="16" /></g> }, "grey line: now, the lesson's clock") }
                { item("l-pane", html! { <line x1="15" x2="15" y1="0" y2="16" class="pane" /> }, "thin dashed lines: pane edges") }
                if p.partitions > 1 && p.event_time {
                    { item("l-parts", html! { <g class="event p1"><circle cx="15" cy="8" r="6" /></g> }, "ring colour and p0/p1/p2 labels: the sale's partition and each partition's watermark") }
                }
            </ul>
        </details>
    }
}
