//! A record on a results topic (`analyze --windows-topic`), as any job might write it,
//! through the window-row decoder.
//!
//! Beyond "never panics": a row the decoder accepts must survive `hopscope window`'s own
//! encoding — counts, money, names and times exactly; the floats (`ticket_stddev`,
//! shares) to one unit in the last place, since serde_json's default float parser is not
//! correctly rounded for long mantissas (found by this target).
#![no_main]

use hopscope_core::WindowResult;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(row) = WindowResult::from_json(data) else {
        return;
    };
    let _ = row.mean_ticket();
    let mut again = WindowResult::from_json(row.to_json().as_bytes())
        .unwrap_or_else(|e| panic!("hopscope's JSON of an accepted row is refused: {e}"));
    let ulp = |a: f64, b: f64| a.to_bits().abs_diff(b.to_bits()) <= 1;
    assert!(ulp(row.ticket_stddev, again.ticket_stddev), "ticket_stddev drifts");
    again.ticket_stddev = row.ticket_stddev;
    for (a, b) in row
        .top_category
        .iter()
        .chain(row.top_seller.iter())
        .chain(row.top_categories.iter())
        .chain(row.top_sellers.iter())
        .zip(
            again
                .top_category
                .iter_mut()
                .chain(again.top_seller.iter_mut())
                .chain(again.top_categories.iter_mut())
                .chain(again.top_sellers.iter_mut()),
        )
    {
        assert!(ulp(a.share, b.share), "a share drifts");
        b.share = a.share;
    }
    assert_eq!(row, again, "window row JSON does not round-trip");
});
