//! A Kafka record value, as any producer might write it, through the sale decoders.
//!
//! Beyond "never panics": a value the decoder accepts must survive its own canonical
//! encoding unchanged, and its `value()` (price × quantity, used by every aggregate) must
//! be computable — the decoder's limits are what keep that multiplication in range.
//!
//! And the fast path (`SaleBatch::push_json`, a one-pass scanner that falls back to the
//! exact decoder for anything unusual) must agree with the exact decoder on every input:
//! the same error, or the same values.
#![no_main]

use hopscope_core::sale::{Sale, SaleBatch, SaleView};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let exact = Sale::from_json(data);
    let mut batch = SaleBatch::new();
    match (&exact, batch.push_json(data)) {
        (Ok(sale), Ok(())) => assert_eq!(batch.get(0), SaleView::from(sale), "fast path disagrees"),
        (Err(e), Err(fast)) => assert_eq!(e, &fast, "fast path reports another error"),
        (exact, fast) => panic!("exact decoder: {exact:?}; fast path: {fast:?}"),
    }
    let Ok(sale) = exact else {
        return;
    };
    let _ = sale.value();
    let again = Sale::from_json(sale.to_json().as_bytes())
        .unwrap_or_else(|e| panic!("canonical JSON of an accepted sale is refused: {e}"));
    assert_eq!(sale, again, "canonical JSON does not round-trip");
});
