//! The alert feed, newest first, with why an alert fired when the window hides it, and
//! the adaptive cooldown's state per kind.

use super::Shared;
use crate::format::{cooldown_rule, moved, plain};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct AlertsProps {
    pub page: Shared,
    /// Alerts are raised (and held back) as windows fire.
    pub windows: u64,
}

#[function_component(Alerts)]
pub fn alerts(p: &AlertsProps) -> Html {
    let page = p.page.get();
    let shop = &page.shop;
    let c = shop.cooldown_config();
    html! {
        <section class="panel" aria-label="Alerts">
            <h2>{ "Alerts" }</h2>
            <details class="cooldown" data-testid="cooldown">
                <summary>{ format!("Adaptive cooldown: {} alerts held back", shop.blocked()) }</summary>
                <p class="muted" data-testid="cooldown-rule">{ cooldown_rule(&c) }</p>
                <table>
                    <tr><th>{ "kind" }</th><th>{ "cooldown now" }</th><th>{ "moved" }</th><th>{ "shown" }</th><th>{ "held back" }</th></tr>
                    { for shop.cooldowns().into_iter().map(|(k, st)| html! {
                        <tr data-testid="cooldown-row" data-kind={format!("{k:?}")}>
                            <td>{ k.title() }</td><td>{ format!("{:.2} s", st.current.as_secs_f64()) }</td>
                            <td>{ moved(st.current, &c) }</td>
                            <td>{ st.shown }</td><td>{ st.blocked }</td></tr>
                    }) }
                </table>
            </details>
            if shop.alerts.is_empty() {
                <p class="muted" data-testid="no-alerts">{
                    if page.live_active() {
                        let size = crate::shop::Shop::event_time().window_size();
                        let have = shop.ran_for().0.min(size.0);
                        format!(
                            "No alert yet: the windows hold {} of {} of the topic's data{}. Alerts compare a window with the one before; a spike on the topic shows here (hopscope produce --scenario spike@0s,factor=10,for=30s).",
                            crate::format::human_span(have),
                            crate::format::human_span(size.0),
                            if have < size.0 { " so far" } else { "" }
                        )
                    } else if shop.ran_for() < hopscope_core::Span::minutes(30) {
                        "No events detected yet. Try a scenario once the shop has run for 30 minutes.".to_string()
                    } else {
                        "No alerts: the shop has been calm (growth within ±15%, no dominant seller or category, no outlier). Trigger a scenario to see one.".to_string()
                    }
                }</p>
            }
            <ol class="alerts" aria-live="polite">
                { for shop.alerts.iter().map(|(a, why)| html! {
                    <li class="alert" data-testid="alert" data-kind={format!("{:?}", a.kind)}>
                        <pre>{ plain(&a.console_lines()) }</pre>
                        if let Some(why) = why {
                            <p class="why" data-testid="alert-why">{ why.clone() }</p>
                        }
                        <small class="muted">{ format!("window ending {}", a.window_end.to_iso()) }</small>
                    </li>
                }) }
            </ol>
        </section>
    }
}
