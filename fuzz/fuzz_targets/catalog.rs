//! A user's catalog files (`hopscope generate --catalog DIR`): the seed's Kaggle
//! "Amazon Products Dataset 2023" CSVs and hopscope's own catalog CSV, through core's CSV
//! reader and loaders.
//!
//! Checks that no input panics, and that a catalog the loaders accept is usable: it has
//! products, each with a positive price and a category the catalog lists.
#![no_main]

use hopscope_core::Catalog;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // A record separator (0x1E) splits the input into the two files the Amazon loader reads.
    let (products, categories) = text.split_once('\u{1e}').unwrap_or((text, "id,category_name\n1,TVs\n"));
    for catalog in [
        Catalog::from_amazon_csv(products, categories),
        Catalog::from_hopscope_csv(text),
    ]
    .into_iter()
    .flatten()
    {
        assert!(!catalog.is_empty(), "an accepted catalog has products");
        for p in catalog.products() {
            assert!(p.price.0 > 0, "an accepted product has a positive price: {p:?}");
            assert!(
                catalog.categories().contains(&p.category),
                "an accepted product's category is listed: {p:?}"
            );
        }
    }
});
