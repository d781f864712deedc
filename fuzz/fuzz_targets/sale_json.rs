//! A Kafka record value, as any producer might write it, through the sale decoder.
//!
//! Beyond "never panics": a value the decoder accepts must survive its own canonical
//! encoding unchanged, and its `value()` (price × quantity, used by every aggregate) must
//! be computable — the decoder's limits are what keep that multiplication in range.
#![no_main]

use hopscope_core::sale::Sale;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(sale) = Sale::from_json(data) else {
        return;
    };
    let _ = sale.value();
    let again = Sale::from_json(sale.to_json().as_bytes())
        .unwrap_or_else(|e| panic!("canonical JSON of an accepted sale is refused: {e}"));
    assert_eq!(sale, again, "canonical JSON does not round-trip");
});
