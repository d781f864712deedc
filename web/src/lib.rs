//! The browser app's components. `main.rs` only mounts [`App`].

use yew::prelude::*;

#[function_component(App)]
pub fn app() -> Html {
    let catalog = hopscope_core::Catalog::embedded();
    html! {
        <main class="app">
            <h1>{ "hopscope" }</h1>
            <p>{ format!("A simulated shop selling {} real products.", catalog.len()) }</p>
        </main>
    }
}
