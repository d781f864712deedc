//! A WebSocket text frame from a browser, through the client → server decoder.
//!
//! The bridge answers a bad frame with an error frame; this checks that decoding never
//! panics, that frames over the size cap are refused, and that an accepted message
//! round-trips through its own encoding.
#![no_main]

use hopscope_core::protocol::{ClientMessage, MAX_CLIENT_FRAME};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // WebSocket text frames are UTF-8 by the time they reach the decoder.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(msg) = ClientMessage::from_json(text) else {
        return;
    };
    assert!(text.len() <= MAX_CLIENT_FRAME, "oversized frame accepted");
    let again = ClientMessage::from_json(&msg.to_json())
        .unwrap_or_else(|e| panic!("encoding of an accepted message is refused: {e}"));
    assert_eq!(msg, again, "client message does not round-trip");
});
