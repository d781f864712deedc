//! A record on a results topic (`analyze --windows-topic`), as any job might write it,
//! through the window-row decoder.
//!
//! Beyond "never panics": a row the decoder accepts must survive `hopscope window`'s own
//! encoding unchanged, so what detection reads is what a hopscope window would hold.
#![no_main]

use hopscope_core::WindowResult;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(row) = WindowResult::from_json(data) else {
        return;
    };
    let _ = row.mean_ticket();
    let again = WindowResult::from_json(row.to_json().as_bytes())
        .unwrap_or_else(|e| panic!("hopscope's JSON of an accepted row is refused: {e}"));
    assert_eq!(row, again, "window row JSON does not round-trip");
});
