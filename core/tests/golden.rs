//! Native side of the wasm ⇄ native determinism check: the generator and the engine must
//! reproduce the committed golden files byte for byte. `tests/wasm.rs` checks the very same
//! files in headless Chromium, so both targets are proven identical.
//! Regenerate after an intended change with `HOPSCOPE_BLESS=1 cargo test --test golden`.
#![cfg(not(target_arch = "wasm32"))]

#[path = "golden/mod.rs"]
mod golden;

fn check(path: &str, got: &str, committed: &str) {
    if std::env::var_os("HOPSCOPE_BLESS").is_some() {
        std::fs::write(
            format!("{}/tests/golden/{path}", env!("CARGO_MANIFEST_DIR")),
            got,
        )
        .unwrap();
        return;
    }
    assert!(
        got == committed,
        "{path} differs from the committed golden file"
    );
}

#[test]
fn generator_output_matches_golden() {
    check("sales.jsonl", &golden::sales_jsonl(), golden::SALES);
}

#[test]
fn window_output_matches_golden() {
    check(
        "windows.jsonl",
        &golden::windows_jsonl(golden::SALES),
        golden::WINDOWS,
    );
}
