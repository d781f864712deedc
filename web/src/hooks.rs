//! The page's hooks: everything that touches the browser (timers, the socket, the URL,
//! the focus, element sizes, media queries) lives here, so `page.rs` stays sans-IO.

use crate::live::Live;
use crate::page::{Action, Effect, Page};
use gloo_timers::callback::Interval;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// How often the page advances the clocks (and draws what changed).
pub const TICK_MS: u32 = 100;
/// How often a slice of simulating may run between ticks (about once a frame).
pub const WORK_MS: u32 = 16;

/// The wall clock, in ms since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// The page's clock: a tick every [`TICK_MS`] and a work slice every [`WORK_MS`], for as
/// long as the component lives.
#[hook]
pub fn use_clock(dispatch: Callback<Action>) {
    use_effect_with((), move |_| {
        let tick = {
            let d = dispatch.clone();
            Interval::new(TICK_MS, move || d.emit(Action::Tick))
        };
        let work = Interval::new(WORK_MS, move || dispatch.emit(Action::Work));
        move || drop((tick, work))
    });
}

/// Carries out the page's effects after each draw: the URL, the live socket, the focus.
/// The socket is owned here; what it reports comes back as [`Action::Live`].
#[hook]
pub fn use_page_effects(page: Rc<RefCell<Page>>, dispatch: Callback<Action>) {
    let socket = use_mut_ref(|| None::<Live>);
    use_effect(move || {
        // Taken one by one: carrying one out may dispatch (a refused URL), which needs
        // the page.
        loop {
            let Some(effect) = page.borrow_mut().poll_effect() else {
                break;
            };
            match effect {
                Effect::WriteUrl(query) => write_url(&query),
                Effect::Connect { url, start } => {
                    // The old socket goes first: its close must not report into the new
                    // session.
                    socket.borrow_mut().take();
                    match Live::connect(&url, start, dispatch.reform(Action::Live)) {
                        Ok(live) => *socket.borrow_mut() = Some(live),
                        Err(e) => dispatch.emit(Action::ConnectFailed(e)),
                    }
                }
                Effect::Disconnect => drop(socket.borrow_mut().take()),
                Effect::Send(message) => {
                    if let Some(live) = socket.borrow().as_ref() {
                        live.send(&message);
                    }
                }
                Effect::Focus(id) => focus(id),
                Effect::FocusQuery(selector) => focus_query(&selector),
                Effect::Copy(text) => copy(&text, dispatch.reform(Action::Copied)),
                Effect::Download { name, text } => download(name, &text),
                Effect::CopyLink(query) => {
                    let here = web_sys::window().map(|w| w.location());
                    let base = here
                        .map(|l| {
                            format!(
                                "{}{}",
                                l.origin().unwrap_or_default(),
                                l.pathname().unwrap_or_default()
                            )
                        })
                        .unwrap_or_default();
                    copy(
                        &format!("{base}{query}"),
                        dispatch.reform(Action::LinkCopied),
                    )
                }
                Effect::Print => {
                    if let Some(w) = web_sys::window() {
                        let _ = w.print();
                    }
                }
                Effect::SaveProgress(text) => {
                    if let Some(store) = local_storage() {
                        let _ = store.set_item(crate::page::PROGRESS_KEY, &text);
                    }
                }
                Effect::SaveSession(text) => {
                    if let Some(store) = session_storage() {
                        let _ = store.set_item(crate::page::SESSION_KEY, &text);
                    }
                }
            }
        }
    });
}

fn write_url(query: &str) {
    if let Some(h) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(query));
    }
}

/// The tab's sessionStorage (gone when the tab closes), if the browser allows it.
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

pub fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.session_storage().ok().flatten())
}

/// Puts `text` on the clipboard; `done` hears whether the browser allowed it.
fn copy(text: &str, done: Callback<bool>) {
    let Some(clipboard) = web_sys::window().map(|w| w.navigator().clipboard()) else {
        done.emit(false);
        return;
    };
    let (ok, refused) = (done.clone(), done);
    let ok = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |_| ok.emit(true));
    let refused = Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(move |_| refused.emit(false));
    let _ = clipboard.write_text(text).then2(&ok, &refused);
    // The promise calls one of them once, later: they must outlive this function.
    ok.forget();
    refused.forget();
}

/// Offers `text` as a file named `name` (a Blob URL and a click on a link to it).
fn download(name: &str, text: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/x-ndjson");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Some(a) = document
        .create_element("a")
        .ok()
        .and_then(|el| el.dyn_into::<web_sys::HtmlAnchorElement>().ok())
    {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    // Revoked once the download has surely started, not under it.
    gloo_timers::callback::Timeout::new(60_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
}

/// Focuses the first element matching `selector` — SVG ones too (a window bar is an SVG
/// group, which `HtmlElement` is not; both have `focus()`).
fn focus_query(selector: &str) {
    let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.query_selector(selector).ok().flatten())
    else {
        return;
    };
    if let Ok(f) = js_sys::Reflect::get(&el, &"focus".into()) {
        if let Some(f) = f.dyn_ref::<js_sys::Function>() {
            let _ = f.call0(&el);
        }
    }
}

fn focus(id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// The width in CSS pixels of the element `node` is attached to (`initial` until it is
/// drawn): measured after each draw and when the window is resized or a phone rotated, so
/// a picture can be drawn one unit per pixel.
#[hook]
pub fn use_element_width(node: NodeRef, initial: f64) -> f64 {
    let width = use_state_eq(|| initial);
    {
        let (node, width) = (node.clone(), width.clone());
        use_effect(move || {
            if let Some(el) = node.cast::<web_sys::Element>() {
                let w = f64::from(el.client_width());
                if w > 0.0 {
                    width.set(w.round());
                }
            }
        });
    }
    {
        let width = width.clone();
        use_effect_with((), move |_| {
            let on_resize = Closure::<dyn FnMut()>::new(move || {
                if let Some(el) = node.cast::<web_sys::Element>() {
                    width.set(f64::from(el.client_width()).round());
                }
            });
            let window = web_sys::window();
            if let Some(w) = &window {
                let _ = w
                    .add_event_listener_with_callback("resize", on_resize.as_ref().unchecked_ref());
            }
            move || {
                if let Some(w) = window {
                    let _ = w.remove_event_listener_with_callback(
                        "resize",
                        on_resize.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }
    *width
}

/// Whether the reader's system asks for reduced motion (read once, when the page opens).
#[hook]
pub fn use_reduced_motion() -> bool {
    *use_memo((), |_| {
        web_sys::window()
            .and_then(|w| {
                w.match_media("(prefers-reduced-motion: reduce)")
                    .ok()
                    .flatten()
            })
            .is_some_and(|m| m.matches())
    })
}
