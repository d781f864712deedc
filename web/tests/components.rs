//! The app's components mounted in headless Chromium (wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use gloo_timers::future::TimeoutFuture;
use hopscope_core::window::TimeMode;
use hopscope_core::Span;
use hopscope_web::lesson::{Lesson, Origin};
use hopscope_web::App;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn mount() -> web_sys::Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    yew::Renderer::<App>::with_root(root.clone()).render();
    root
}

fn count(root: &web_sys::Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

#[wasm_bindgen_test]
async fn dashboard_renders_kpis_partitions_and_fills_in() {
    let root = mount();
    TimeoutFuture::new(50).await;
    assert_eq!(count(&root, "[data-testid^=kpi-]"), 7);
    assert_eq!(count(&root, "[data-testid=partitions] .partition"), 6);
    // The simulator runs at 60× by default: within a second a window has fired.
    TimeoutFuture::new(1_200).await;
    let sales = root
        .query_selector("[data-testid=kpi-sales] .kpi-value")
        .unwrap()
        .unwrap();
    // A fired window holds at least one sale (Flink, and so hopscope, emits no empty ones).
    let text = sales.text_content().unwrap_or_default();
    let n: u64 = text
        .parse()
        .unwrap_or_else(|_| panic!("sales in window is not a count: {text:?}"));
    assert!(n > 0, "a fired window with no sales: {text:?}");
    root.remove();
}

#[wasm_bindgen_test]
async fn tabs_switch_to_the_teaching_view_and_back() {
    let root = mount();
    TimeoutFuture::new(50).await;
    let teach = root.query_selector("#tab-teach").unwrap().unwrap();
    teach.dyn_ref::<web_sys::HtmlElement>().unwrap().click();
    TimeoutFuture::new(50).await;
    assert_eq!(count(&root, "[data-testid=lesson-status]"), 1);
    let next = root
        .query_selector("[data-testid=lesson-next]")
        .unwrap()
        .unwrap();
    for _ in 0..5 {
        next.dyn_ref::<web_sys::HtmlElement>().unwrap().click();
        TimeoutFuture::new(10).await;
    }
    assert_eq!(count(&root, "[data-testid=event-dot]"), 5);
    root.query_selector("#tab-dashboard")
        .unwrap()
        .unwrap()
        .dyn_ref::<web_sys::HtmlElement>()
        .unwrap()
        .click();
    TimeoutFuture::new(50).await;
    assert_eq!(count(&root, "[data-testid=kpi-sales]"), 1);
    root.remove();
}

#[wasm_bindgen_test]
fn lesson_model_counts_windows_and_late_events_in_the_browser() {
    let mut l = Lesson::new(
        Span::seconds(10),
        Span::seconds(3),
        TimeMode::event(Span::seconds(2)),
        9,
    )
    .unwrap();
    for _ in 0..8 {
        l.next_event();
    }
    l.inject_late();
    assert!(l
        .events
        .iter()
        .any(|e| e.origin == Origin::Late && e.late()));
    for e in l.events.iter().filter(|e| !e.late()) {
        let n = l.windows_containing(e.event_time).len();
        assert!(n == 3 || n == 4);
    }
}
