//! The alert feed, newest first, with why an alert fired when the window hides it, and
//! the adaptive cooldown's state per kind.

use super::PageRef;
use crate::format::{cooldown_rule, moved, plain};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct AlertsProps {
    pub page: PageRef,
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
                <p class="muted" data-testid="no-alerts">{ quiet_text(
                    shop.ran_for(),
                    shop.window_size(),
                    shop.growth_threshold(),
                    page.live_active(),
                ) }</p>
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

/// A spike written to the live topic, for the quiet texts to suggest.
const TOPIC_SPIKE: &str = "hopscope produce --scenario spike@0s,factor=10,for=30s";

/// What the feed says while no alert has fired: how much data the windows hold (on their
/// own clock: sale time for a live topic's back-dated sales too) and what each kind of
/// alert needs. Growth compares a window with the one that ended where it starts, so it
/// needs two windows of data; the other kinds can show from the first window.
fn quiet_text(
    ran: hopscope_core::Span,
    size: hopscope_core::Span,
    growth_threshold: f64,
    live: bool,
) -> String {
    use crate::format::human_span;
    let two = hopscope_core::Span(size.0 * 2);
    let growth = format!(
        "growth alerts compare a window with the {} before it, so they need {} of data",
        human_span(size.0),
        human_span(two.0)
    );
    let calm = format!(
        "growth within ±{}%, no dominant seller or category, no outlier",
        (growth_threshold * 100.0).round()
    );
    match (live, ran < size, ran < two) {
        (true, true, _) => format!(
            "No alert yet: the windows hold {} of {} of the topic's data so far. Seller and category alerts can show from the first window; {growth}. A spike on the topic shows here ({TOPIC_SPIKE}).",
            human_span(ran.0),
            human_span(size.0)
        ),
        (true, false, true) => format!(
            "No alert yet: the windows hold {} of the topic's data, no dominant seller or category, no outlier; {growth}. A spike on the topic shows here ({TOPIC_SPIKE}).",
            human_span(ran.0)
        ),
        (true, false, false) => format!(
            "No alerts: the topic has been calm ({calm}). A spike on the topic shows here ({TOPIC_SPIKE})."
        ),
        (false, _, true) => format!(
            "No events detected yet. Try a scenario once the shop has run for {}.",
            human_span(two.0)
        ),
        (false, _, false) => {
            format!("No alerts: the shop has been calm ({calm}). Trigger a scenario to see one.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::quiet_text;
    use hopscope_core::Span;

    #[test]
    fn the_quiet_feed_says_how_much_data_the_windows_hold_and_what_alerts_need() {
        let size = Span::minutes(15);
        let live = |ran| quiet_text(ran, size, 0.15, true);
        assert!(live(Span::seconds(90)).starts_with(
            "No alert yet: the windows hold 1 min 30 s of 15 min of the topic's data so far."
        ));
        // A topic whose sales span 20 minutes holds a whole window, whatever its age.
        let whole = live(Span::minutes(20));
        assert!(
            whole.starts_with("No alert yet: the windows hold 20 min of the topic's data"),
            "{whole}"
        );
        assert!(whole.contains("so they need 30 min of data"), "{whole}");
        assert!(live(Span::minutes(31))
            .starts_with("No alerts: the topic has been calm (growth within ±15%"));
        // The threshold and the window come from the configuration.
        let other = quiet_text(Span::minutes(11), Span::minutes(5), 0.25, true);
        assert!(
            other.starts_with("No alerts: the topic has been calm (growth within ±25%"),
            "{other}"
        );
        assert_eq!(
            quiet_text(Span::minutes(29), size, 0.15, false),
            "No events detected yet. Try a scenario once the shop has run for 30 min."
        );
        assert!(quiet_text(Span::minutes(30), size, 0.15, false)
            .starts_with("No alerts: the shop has been calm"));
    }
}
