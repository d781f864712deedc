//! The source's settings and buttons. The simulator: seed, rate, speed, scenarios. Live:
//! only what acts on what is shown — the bridge, the clock, Pause (the bridge stops
//! sending) and Reset (windows rebuilt from the warm start); scenarios are produced on the
//! topic, and the page says how.

use super::{select_value, use_dispatch, PageRef};
use crate::field::Field;
use crate::icon::{icon, Icon};
use crate::page::Action;
use crate::settings::{Source, SPEEDS};
use hopscope_core::generate::Scenario;
use hopscope_core::window::TimeDomain;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SimControlsProps {
    pub page: PageRef,
    /// Version of the settings (and the fields' messages).
    pub settings: u64,
    pub paused: bool,
}

#[function_component(SimControls)]
pub fn sim_controls(p: &SimControlsProps) -> Html {
    let dispatch = use_dispatch();
    let page = p.page.get();
    let s = &page.settings;
    let live = s.source == Source::Live;
    let speed = s.speed;
    let error = |f: &str| page.field_error(f).map(|e| AttrValue::from(e.to_string()));
    let resets = page.field_resets;
    let trigger = |scenario: Scenario| dispatch.reform(move |_| Action::Trigger(scenario.clone()));
    html! {
        <>
            <div class="row">
                <label>{ "Source " }
                    <select data-testid="source" onchange={dispatch.reform(|e: Event| {
                        Action::SetSource(if select_value(&e) == "live" { Source::Live } else { Source::Simulator })
                    })}>
                        <option value="sim" selected={!live}>{ "Simulator (in this page)" }</option>
                        <option value="live" selected={live}>{ "Live (bridge)" }</option>
                    </select>
                </label>
                if live {
                    <label>{ "Bridge " }
                        <Field testid="bridge-url" value={s.bridge.clone()} size={28} label="Bridge WebSocket URL"
                            error={error("bridge-url")} reset={resets}
                            on_commit={dispatch.reform(Action::SetBridge)} />
                    </label>
                    <label>{ "Windows by " }
                        <select data-testid="live-time" onchange={dispatch.reform(|e: Event| {
                            Action::SetLiveTime(TimeDomain::from_name(&select_value(&e)).unwrap_or(TimeDomain::Event))
                        })}>
                            <option value="event" selected={s.live_time == TimeDomain::Event}>{ "sale time (warm start)" }</option>
                            <option value="processing" selected={s.live_time == TimeDomain::Processing}>{ "arrival time (new records only)" }</option>
                        </select>
                    </label>
                }
                if !live {
                <label>{ "Seed " }
                    <Field testid="seed" kind="number" value={s.seed.to_string()} label="Seed"
                        error={error("seed")} reset={resets}
                        on_commit={dispatch.reform(Action::SetSeed)} />
                </label>
                <label>{ "Sales/s " }
                    <Field testid="rate" kind="number" value={s.rate.to_string()} label="Sales per second"
                        error={error("rate")} reset={resets}
                        on_commit={dispatch.reform(Action::SetRate)} />
                </label>
                <span class="speed" role="group" aria-label="Simulation speed">
                    { for SPEEDS.iter().map(|s| {
                        let s = *s;
                        html! {
                            <button class={classes!((speed == s).then_some("active"))}
                                data-testid={format!("speed-{s}")} aria-pressed={(speed == s).to_string()}
                                onclick={dispatch.reform(move |_| Action::SetSpeed(s))}>{ format!("{s}×") }</button>
                        }
                    }) }
                </span>
                }
            </div>
            <div class="row">
                <button data-testid="pause" onclick={dispatch.reform(|_| Action::TogglePause)}
                    title={if live { "The bridge stops sending; Resume continues from the next offset of every partition" } else { "Stop the shop's clock" }}>
                    if p.paused { { icon(Icon::Play) }{ " Resume" } } else { { icon(Icon::Pause) }{ " Pause" } }</button>
                if !live {
                <button data-testid="step" onclick={dispatch.reform(|_| Action::StepSlide)}
                    title="Advance the shop clock by one slide (1 s)">{ icon(Icon::Step) }{ " Step one slide" }</button>
                }
                <button data-testid="reset" onclick={dispatch.reform(|_| Action::Reset)}
                    title={if live { "Forget the windows and rebuild them from the warm start" } else { "Start the shop again" }}>{ icon(Icon::Reset) }{ " Reset" }</button>
                if live {
                    <p class="muted" data-testid="live-scenarios">{
                        "Scenarios happen on the topic, not in this page: cause a spike with `hopscope produce --brokers … --scenario spike@0s,factor=10,for=30s` (make live: SCENARIO=spike@30s,factor=8,for=20s)."
                    }</p>
                } else {
                <span class="sep"></span>
                <button data-testid="trigger-spike" onclick={trigger(Scenario::spike())}
                    title="Sales ×10 for 30 s">{ icon(Icon::Bolt) }{ " Activity spike" }</button>
                <button data-testid="trigger-concentration" onclick={trigger(Scenario::concentration())}
                    title="One seller takes 80% of sales for 10 minutes">{ icon(Icon::Target) }{ " Seller concentration" }</button>
                <button data-testid="trigger-surge" onclick={trigger(Scenario::surge())}
                    title="One category takes 80% of sales for 10 minutes">{ icon(Icon::Star) }{ " Category surge" }</button>
                <button data-testid="trigger-outlier" onclick={trigger(Scenario::OutlierSale)}
                    title="One huge bulk order">{ icon(Icon::Diamond) }{ " Outlier sale" }</button>
                }
            </div>
        </>
    }
}
