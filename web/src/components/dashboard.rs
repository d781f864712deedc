//! The shop dashboard: controls and status, KPI cards, charts, top lists, the alert feed
//! with the cooldown's state, and the partition view.

use super::alerts::Alerts;
use super::kpis::Kpis;
use super::partitions::Partitions;
use super::sim_controls::SimControls;
use super::status::Status;
use super::top_lists::TopLists;
use super::window_charts::WindowCharts;
use super::window_inspector::WindowInspector;
use super::PageRef;
use crate::page::Versions;
use yew::prelude::*;

/// With reduced motion the charts are drawn again at most this often (ms of wall time):
/// they change in steps instead of crawling ten times a second.
const REDUCED_MOTION_CHART_MS: f64 = 2_000.0;

#[derive(Properties, PartialEq)]
pub struct DashboardProps {
    pub page: PageRef,
    pub versions: Versions,
    pub reduced_motion: bool,
}

#[function_component(Dashboard)]
pub fn dashboard(p: &DashboardProps) -> Html {
    let v = p.versions;
    let page = p.page.get();
    let paused = if page.live_active() {
        page.live.paused
    } else {
        page.sim.paused
    };
    let charts = if p.reduced_motion {
        (page.last_tick / REDUCED_MOTION_CHART_MS) as u64
    } else {
        v.windows
    };
    html! {
        <div class="dashboard">
            <section class="controls" aria-label="Simulation controls">
                <SimControls page={p.page.clone()} settings={v.settings} {paused} />
                <Status page={p.page.clone()} shop={v.shop} settings={v.settings} />
            </section>
            <Kpis page={p.page.clone()} windows={v.windows} />
            <WindowInspector page={p.page.clone()} windows={v.windows} />
            <div class="cols">
                <WindowCharts page={p.page.clone()} windows={charts} />
                <TopLists page={p.page.clone()} windows={v.windows} />
            </div>
            <div class="cols">
                <Alerts page={p.page.clone()} windows={v.windows} />
                <Partitions page={p.page.clone()} shop={v.shop} settings={v.settings} />
            </div>
        </div>
    }
}
