//! hopscope-web: the browser app. Everything it computes comes from hopscope-core.

fn main() {
    yew::Renderer::<hopscope_web::App>::new().render();
}
