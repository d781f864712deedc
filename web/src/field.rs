//! A text field that commits on change and is not overwritten while the user types.
//!
//! The app redraws ten times a second; an `<input value=…>` would have its text reset on
//! every redraw. This field writes its value into the DOM only when the value it is given
//! changes, and reports the typed text when the user commits it (Enter or leaving the field).

use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FieldProps {
    pub value: AttrValue,
    pub testid: AttrValue,
    pub on_commit: Callback<String>,
    #[prop_or(AttrValue::Static("text"))]
    pub kind: AttrValue,
    #[prop_or(8)]
    pub size: u32,
    #[prop_or_default]
    pub label: AttrValue,
}

#[function_component(Field)]
pub fn field(p: &FieldProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with(p.value.clone(), move |v| {
            if let Some(input) = node.cast::<HtmlInputElement>() {
                input.set_value(v);
            }
        });
    }
    let commit = p.on_commit.clone();
    html! {
        <input ref={node} data-testid={p.testid.clone()} type={p.kind.clone()} size={p.size.to_string()}
            aria-label={p.label.clone()}
            onchange={Callback::from(move |e: Event| commit.emit(e.target_unchecked_into::<HtmlInputElement>().value()))} />
    }
}
