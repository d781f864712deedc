//! The two views as WAI-ARIA tabs.

use super::{send_if, use_dispatch};
use crate::page::Action;
use crate::settings::Tab;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TabsProps {
    pub tab: Tab,
}

/// The selected tab is the one tab stop; arrows, Home and End move between tabs (and
/// select them); each tab controls the one tab panel.
#[function_component(Tabs)]
pub fn tabs(p: &TabsProps) -> Html {
    let dispatch = use_dispatch();
    let tab = p.tab;
    let button = |t: Tab, label: &str, id: &str| {
        let on_key = send_if(&dispatch, move |e: &KeyboardEvent| {
            let to = match e.key().as_str() {
                "ArrowRight" | "ArrowLeft" => Some(if t == Tab::Dashboard {
                    Tab::Teach
                } else {
                    Tab::Dashboard
                }),
                "Home" => Some(Tab::Dashboard),
                "End" => Some(Tab::Teach),
                _ => None,
            };
            to.map(|to| {
                e.prevent_default();
                Action::FocusTab(to)
            })
        });
        html! {
            <button role="tab" id={id.to_string()} aria-selected={(tab == t).to_string()}
                    aria-controls="tabpanel" tabindex={if tab == t { "0" } else { "-1" }}
                    class={classes!("tab", (tab == t).then_some("active"))}
                    onclick={dispatch.reform(move |_| Action::SetTab(t))} onkeydown={on_key}>{ label.to_string() }</button>
        }
    };
    html! {
        <nav role="tablist" aria-label="Views">
            { button(Tab::Dashboard, "Shop dashboard", "tab-dashboard") }
            { button(Tab::Teach, "How hopping windows work", "tab-teach") }
        </nav>
    }
}
