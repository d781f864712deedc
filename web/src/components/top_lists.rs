//! The newest window's top categories and sellers.

use super::PageRef;
use crate::charts;
use hopscope_core::window::TopKey;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct TopListsProps {
    pub page: PageRef,
    pub windows: u64,
}

#[function_component(TopLists)]
pub fn top_lists(p: &TopListsProps) -> Html {
    let page = p.page.get();
    let w = page.shop.latest();
    let rows = |top: fn(&hopscope_core::WindowResult) -> &[TopKey]| -> Vec<(String, u64)> {
        w.map(|w| top(w).iter().map(|k| (k.name.clone(), k.count)).collect())
            .unwrap_or_default()
    };
    html! {
        <section class="panel">
            <h2>{ "Top categories" }</h2>
            { charts::bars(&rows(|w| &w.top_categories), "top-categories") }
            <h2>{ "Top sellers" }</h2>
            { charts::bars(&rows(|w| &w.top_sellers), "top-sellers") }
        </section>
    }
}
