//! Button icons as inline SVG: emoji glyphs render as empty boxes where no emoji font is
//! installed (most Linux desktops, headless Chromium), SVG renders everywhere and follows
//! the text colour. Icons are decorative (`aria-hidden`): every button says what it does.

use yew::prelude::*;

/// The icons the page uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    Play,
    Pause,
    Step,
    Plus,
    Reset,
    Back,
    Clock,
    Bin,
    Bolt,
    Target,
    Star,
    Diamond,
}

/// A 1em icon, then a space for the label after it.
pub fn icon(i: Icon) -> Html {
    let path = match i {
        Icon::Play => "M4 2 L13 8 L4 14 Z",
        Icon::Pause => "M3 2 H6.5 V14 H3 Z M9.5 2 H13 V14 H9.5 Z",
        Icon::Step => "M2 2 L9 8 L2 14 Z M10 2 H13 V14 H10 Z",
        Icon::Plus => "M7 2 H9 V7 H14 V9 H9 V14 H7 V9 H2 V7 H7 Z",
        Icon::Reset => "M8 2 A6 6 0 1 1 2.6 5.4 L4.4 6.3 A4 4 0 1 0 8 4 V6.5 L4 3 L8 -0.5 Z",
        Icon::Back => "M6 2 V5 C11 5 14 8 14 13 C12 10 10 9 6 9 V12 L1 7 Z",
        Icon::Clock => "M8 1 A7 7 0 1 1 7.99 1 Z M7 4 V9 H11 V7.5 H8.5 V4 Z",
        Icon::Bin => "M3 4 H13 V5.5 H3 Z M6 2 H10 V4 H6 Z M4 6 H12 L11 15 H5 Z",
        Icon::Bolt => "M9 1 L3 9 H7 L6 15 L13 6 H9 Z",
        Icon::Target => {
            "M8 1 A7 7 0 1 1 7.99 1 Z M8 4 A4 4 0 1 0 8.01 4 Z M8 6.5 A1.5 1.5 0 1 1 7.99 6.5 Z"
        }
        Icon::Star => "M8 1 L10 6 H15 L11 9.5 L12.5 15 L8 11.7 L3.5 15 L5 9.5 L1 6 H6 Z",
        Icon::Diamond => "M4 2 H12 L15 6 L8 15 L1 6 Z",
    };
    html! {
        <svg class="icon" viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true" focusable="false">
            <path d={path} fill="currentColor" fill-rule="evenodd" />
        </svg>
    }
}
