//! The page's components, one per file, each a function component that draws one part of
//! the [`Page`] and sends [`Action`]s.
//!
//! Every component takes the page as [`PageRef`] (compared by pointer, so it never makes
//! props differ) and the [`Versions`](crate::page::Versions) of the parts it draws: Yew
//! skips a component whose props are equal, so a part is drawn again only when it
//! changed. Actions go through the [`Dispatch`] context.

mod alerts;
mod dashboard;
mod event_log;
mod exercises;
mod guide;
mod inspector;
mod kinds;
mod kpis;
mod legend;
mod lesson_controls;
mod partitions;
mod print_summary;
mod rows;
mod selection;
mod sim_controls;
mod sql_panel;
mod state_panel;
mod status;
mod tabs;
mod teach;
mod time_plot;
mod timeline;
mod top_lists;
mod window_charts;
mod window_inspector;

pub use dashboard::Dashboard;
pub use tabs::Tabs;
pub use teach::Teach;

use crate::page::{Action, Page};
use std::cell::{Ref, RefCell};
use std::rc::Rc;
use yew::prelude::*;

/// The page, shared by every component; equal to itself always, so it is never the
/// reason a component draws again (its versions are).
#[derive(Clone)]
pub struct PageRef(pub Rc<RefCell<Page>>);

impl PageRef {
    /// The page, to read while drawing (actions change it only between draws).
    pub fn get(&self) -> Ref<'_, Page> {
        self.0.borrow()
    }
}

impl PartialEq for PageRef {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Where components send actions (a context, so no prop drilling).
#[derive(Clone, PartialEq)]
pub struct Dispatch(pub Callback<Action>);

/// The page's action callback.
#[hook]
pub fn use_dispatch() -> Callback<Action> {
    use_context::<Dispatch>()
        .expect("components are mounted inside the App's Dispatch provider")
        .0
}

/// A `<select>`'s value, for its `onchange`.
pub fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<web_sys::HtmlSelectElement>()
        .value()
}

/// An event handler (a key, a focus change) sending the action `f` picks, if any.
pub fn send_if<E: 'static>(
    dispatch: &Callback<Action>,
    f: impl Fn(&E) -> Option<Action> + 'static,
) -> Callback<E> {
    let dispatch = dispatch.clone();
    Callback::from(move |e: E| {
        if let Some(a) = f(&e) {
            dispatch.emit(a);
        }
    })
}
