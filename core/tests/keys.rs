//! The interner's hash, on both targets (native `cargo test`, and wasm32 in Chromium — the
//! hash mixes differently there, see `window/keys.rs`). A collision would only cost a
//! probe, never a wrong id, so these guard speed: the keys hopscope really sees must land
//! apart, and keys differing in any one byte must too.

use hopscope_core::generate::SELLERS;
use hopscope_core::window::keys::{Interner, KeyBuild};
use hopscope_core::Catalog;
use std::collections::HashSet;
use std::hash::BuildHasher;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

fn hash(key: &str) -> u64 {
    KeyBuild::default().hash_one(key)
}

#[test]
fn keys_that_differ_in_any_one_byte_hash_apart() {
    // Every key of every length up to 104 (titles run to 100) against the same key with
    // one byte changed, wherever it is.
    let base = "abcdefghijklmnopqrstuvwxyz".repeat(4);
    for len in 0..=base.len() {
        let k = &base[..len];
        let mut seen = HashSet::new();
        assert!(seen.insert(hash(k)));
        for i in 0..len {
            let mut other = k.as_bytes().to_vec();
            other[i] = b'#';
            let other = String::from_utf8(other).unwrap();
            assert!(seen.insert(hash(&other)), "{k:?} vs {other:?}");
        }
    }
}

#[test]
fn the_real_keys_hash_apart_and_intern_to_their_own_ids() {
    let catalog = Catalog::embedded();
    let mut keys: Vec<&str> = catalog
        .products()
        .iter()
        .flat_map(|p| [p.title.as_str(), p.category.as_str()])
        .chain(SELLERS.iter().copied())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let hashes: HashSet<u64> = keys.iter().map(|k| hash(k)).collect();
    assert_eq!(
        hashes.len(),
        keys.len(),
        "no two distinct keys share a hash"
    );
    let mut interner = Interner::default();
    let ids: Vec<u32> = keys.iter().map(|k| interner.id(k)).collect();
    for (k, id) in keys.iter().zip(&ids) {
        assert_eq!(interner.id(k), *id);
        assert_eq!(interner.name(*id), *k);
    }
}
