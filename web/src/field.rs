//! A text field that commits on change and is not overwritten while the user types.
//!
//! The controls redraw while the page runs; an `<input value=…>` would have its text reset
//! on a redraw. This field writes its value into the DOM only when the value it is given
//! changes, and reports the typed text when the user commits it (Enter or leaving the field).
//! When the app refuses the text it passes the reason as `error` (shown beside the field and
//! announced) and bumps `reset`, which puts the last good value back in the box.

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
    /// Why the last text was refused, if it was.
    #[prop_or_default]
    pub error: Option<AttrValue>,
    /// Changes when the box must show `value` again (after a refused text).
    #[prop_or_default]
    pub reset: u32,
}

#[function_component(Field)]
pub fn field(p: &FieldProps) -> Html {
    let node = use_node_ref();
    {
        let node = node.clone();
        use_effect_with((p.value.clone(), p.reset), move |(v, _)| {
            if let Some(input) = node.cast::<HtmlInputElement>() {
                input.set_value(v);
            }
        });
    }
    let commit = p.on_commit.clone();
    let error_id = format!("{}-error", p.testid);
    html! {
        <span class="field">
            <input ref={node} data-testid={p.testid.clone()} type={p.kind.clone()} size={p.size.to_string()}
                aria-label={p.label.clone()} aria-invalid={p.error.is_some().to_string()}
                aria-describedby={p.error.as_ref().map(|_| error_id.clone())}
                onchange={Callback::from(move |e: Event| commit.emit(e.target_unchecked_into::<HtmlInputElement>().value()))} />
            if let Some(e) = &p.error {
                <span class="field-error" role="alert" id={error_id.clone()} data-testid={error_id}>{ e.clone() }</span>
            }
        </span>
    }
}
