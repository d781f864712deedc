//! A WebSocket text frame from a bridge, through the decoder the browser uses.
//!
//! The web app may be pointed at any bridge URL, so its decoder faces outside input too:
//! it must never panic, and an accepted message must round-trip through its encoding.
#![no_main]

use hopscope_core::protocol::ServerMessage;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(msg) = ServerMessage::from_json(text) else {
        return;
    };
    let again = ServerMessage::from_json(&msg.to_json())
        .unwrap_or_else(|e| panic!("encoding of an accepted message is refused: {e}"));
    assert_eq!(msg, again, "server message does not round-trip");
});
