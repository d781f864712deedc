//! hopscope in the browser: a simulated (or live) shop on the seed's 15 min / 1 s hopping
//! window, and a teaching view of how hopping windows work. All computing is core's; this
//! crate drives it with the wall clock and draws.
//!
//! Map:
//! - `page.rs` — the whole page's state and a reducer with named actions ([`page::Action`]),
//!   sans-IO: it queues effects (URL, socket, focus) instead of doing them. Tested natively.
//! - `hooks.rs` — the browser side: the clock, carrying out effects (it owns the live
//!   socket), element widths, reduced motion.
//! - `components/` — one function component per file; each takes the versions of what it
//!   draws, so only what changed is drawn again.
//! - `sim.rs`, `shop.rs`, `lesson.rs` — the simulator, the dashboard's analytics, the
//!   lesson's engine (core's, with a clock the student drives).
//! - `sql.rs` — the lesson as Flink SQL (source with its `WATERMARK`, the HOP query), and
//!   whether Flink's window TVF accepts a shape.
//! - `settings.rs` (the URL query), `format.rs`, `charts.rs`, `field.rs`, `icon.rs`, `live.rs`.

mod charts;
mod components;
pub mod exercises;
mod field;
mod format;
mod hooks;
mod icon;
pub mod lesson;
mod live;
pub mod page;
pub mod settings;
pub mod shop;
pub mod sim;
pub mod sql;
pub mod steps;

use components::{Dashboard, Dispatch, PageRef, Tabs, Teach};
use page::{Action, Page};
use settings::Tab;
use std::cell::RefCell;
use std::rc::Rc;
use yew::prelude::*;

/// The page behind `use_reducer`. The page is changed in place — it holds a shop with
/// thousands of windows, and copying it for every action would cost more than the action —
/// and a new cell (same page) is what tells Yew that something drawn changed.
struct PageCell(Rc<RefCell<Page>>);

impl Reducible for PageCell {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut page = self.0.borrow_mut();
        let changed = page.handle(action, &mut hooks::now_ms);
        let effects = page.has_effects();
        drop(page);
        if changed || effects {
            Rc::new(PageCell(self.0.clone()))
        } else {
            // Nothing drawn changed (a work slice, a tick while paused): no draw at all.
            self
        }
    }
}

/// The app: owns the page, runs its clock and effects, and lays out the tabs.
#[function_component(App)]
pub fn app() -> Html {
    let cell = use_reducer(|| {
        let location = web_sys::window().map(|w| w.location());
        let read = |f: fn(&web_sys::Location) -> Result<String, wasm_bindgen::JsValue>| {
            location
                .as_ref()
                .and_then(|l| f(l).ok())
                .unwrap_or_default()
        };
        // A page served over https talks wss (to its own origin unless a bridge is named).
        let query = settings::query_for_page(
            &read(web_sys::Location::search),
            &read(web_sys::Location::protocol),
            &read(web_sys::Location::host),
        );
        let mut page = Page::from_query(&query, hooks::now_ms());
        // A reloaded live page goes on with its charts.
        if let Some(saved) =
            hooks::session_storage().and_then(|s| s.get_item(page::SESSION_KEY).ok().flatten())
        {
            page.restore_live_session(&saved, hooks::now_ms());
        }
        // The exercises' scores, from an earlier visit.
        if let Some(saved) =
            hooks::local_storage().and_then(|s| s.get_item(page::PROGRESS_KEY).ok().flatten())
        {
            page.load_progress(&saved);
        }
        PageCell(Rc::new(RefCell::new(page)))
    });
    let dispatch: Callback<Action> = {
        let d = cell.dispatcher();
        Callback::from(move |a| d.dispatch(a))
    };
    let dispatch = use_memo((), move |_| dispatch);
    hooks::use_clock((*dispatch).clone());
    hooks::use_page_effects(cell.0.clone(), (*dispatch).clone());
    let reduced_motion = hooks::use_reduced_motion();
    let shared = PageRef(cell.0.clone());
    let page = cell.0.borrow();
    let tab = page.settings.tab;
    let versions = page.versions;
    html! {
        <ContextProvider<Dispatch> context={Dispatch((*dispatch).clone())}>
            <div class={classes!("app", (tab == Tab::Teach && page.settings.present).then_some("presenting"))}>
                <header class="top">
                    <h1><span class="logo">{ "hopscope" }</span>
                        <small>{ "hopping windows over a live shop" }</small></h1>
                    <Tabs {tab} />
                </header>
                <main role="tabpanel" id="tabpanel"
                      aria-labelledby={if tab == Tab::Dashboard { "tab-dashboard" } else { "tab-teach" }}>
                    { match tab {
                        Tab::Dashboard => html! { <Dashboard page={shared} {versions} {reduced_motion} /> },
                        Tab::Teach => html! { <Teach page={shared} lesson={versions.lesson} settings={versions.settings} guide_step={page.guide_step} {reduced_motion} /> },
                    } }
                </main>
                <footer class="muted">
                    { "Products: Costco electronics listings (CC BY 4.0, elvinrustam via Kaggle). Windows computed by hopscope-core, checked against Apache Flink." }
                </footer>
            </div>
        </ContextProvider<Dispatch>>
    }
}
