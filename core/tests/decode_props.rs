//! The sale decoder never panics, whatever arrives, and every error names a field.
#![cfg(not(target_arch = "wasm32"))]
// The fuzz seeds are files; reading them is the test's job, not core's.
#![allow(clippy::disallowed_methods)]

use hopscope_core::Sale;
use proptest::prelude::*;

const FIELDS: [&str; 12] = [
    "id_sale",
    "id_product",
    "asin",
    "nm_product",
    "nm_category",
    "nm_brand",
    "seller",
    "price",
    "quantity",
    "tp_payment",
    "sale_date",
    "extra",
];

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, serde_json::Value::Number)),
        ".{0,40}".prop_map(serde_json::Value::from),
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:?[0-9]{2})?"
            .prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(2, 8, 4, |inner| {
        prop::collection::vec(inner, 0..3).prop_map(serde_json::Value::from)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Sale::from_json(&bytes);
    }

    #[test]
    fn arbitrary_records_decode_or_name_the_field(
        fields in prop::collection::btree_map(prop::sample::select(FIELDS.to_vec()), json_value(), 0..12)
    ) {
        let obj: serde_json::Map<String, serde_json::Value> =
            fields.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        let bytes = serde_json::to_vec(&obj).unwrap();
        match Sale::from_json(&bytes) {
            Ok(sale) => {
                // What decodes, re-encodes and decodes to the same sale.
                prop_assert_eq!(Sale::from_json(sale.to_json().as_bytes()).unwrap(), sale);
            }
            Err(e) => prop_assert!(e.field.is_none_or(|f| FIELDS.contains(&f)), "{}", e),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    /// The hand-written encoder writes exactly what serde's `Serialize` does: any text
    /// (quotes, backslashes, every control character, non-ASCII), any price in cents
    /// (the exact path and the float fallback past 10^13 dollars), any date.
    #[test]
    fn write_json_is_serdes_json_byte_for_byte(
        texts in prop::collection::vec("(\\PC|[\\x00-\\x1f\"\\\\\\x7f])*", 7),
        cents in prop_oneof![
            -1_000_000i64..1_000_000,
            any::<i64>(),
            (-2i64..3).prop_map(|d| d * 1_000_000_000_000_000 + d.signum() * 7),
        ],
        quantity in any::<u32>(),
        micros in -62_000_000_000_000_000i64..253_000_000_000_000_000,
    ) {
        let sale = Sale {
            id_sale: texts[0].clone(),
            id_product: texts[1].clone(),
            nm_product: texts[2].clone(),
            nm_category: texts[3].clone(),
            nm_brand: texts[4].clone(),
            seller: texts[5].clone(),
            price: hopscope_core::Cents(cents),
            quantity,
            tp_payment: texts[6].clone(),
            sale_date: hopscope_core::Micros(micros),
        };
        prop_assert_eq!(sale.to_json(), serde_json::to_string(&sale).unwrap());
    }
}

/// The fuzzers start from `fuzz/seeds/`: seeds that no longer decode would start them from
/// nothing useful, so each must still be a valid message of its kind.
#[test]
fn the_fuzz_seeds_are_valid_messages() {
    use hopscope_core::protocol::{ClientMessage, ServerMessage};
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/seeds");
    let read = |target: &str| -> Vec<(String, String)> {
        let mut files: Vec<_> = std::fs::read_dir(format!("{dir}/{target}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        assert!(!files.is_empty(), "no seeds for {target}");
        files
            .into_iter()
            .map(|p| {
                (
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                )
            })
            .collect()
    };
    for (path, text) in read("sale_json") {
        Sale::from_json(text.as_bytes()).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    for (path, text) in read("client_message") {
        ClientMessage::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    for (path, text) in read("server_message") {
        ServerMessage::from_json(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    }
}
