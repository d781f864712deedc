//! Native side of the wasm ⇄ native determinism check: the generator and the engine must
//! reproduce the committed golden files byte for byte. `tests/wasm.rs` checks the very same
//! files in headless Chromium, so both targets are proven identical.
//! Regenerate after an intended change with `HOPSCOPE_BLESS=1 cargo test --test golden`.
#![cfg(not(target_arch = "wasm32"))]

#[path = "golden/mod.rs"]
mod golden;

/// Compares with the committed file; on a difference, names the first differing line with
/// both versions. Blessing writes the new file and still fails the run, so a blessed run is
/// never mistaken for a passing one: run again to check.
// A test writes the golden file it is told to bless: core's library may not touch files.
#[allow(clippy::disallowed_methods)]
fn check(path: &str, got: &str, committed: &str) {
    if got == committed {
        return;
    }
    if std::env::var_os("HOPSCOPE_BLESS").is_some() {
        std::fs::write(
            format!("{}/tests/golden/{path}", env!("CARGO_MANIFEST_DIR")),
            got,
        )
        .unwrap();
        panic!("{path} blessed with the new output: review the diff and run the tests again");
    }
    let (g, c): (Vec<&str>, Vec<&str>) = (got.lines().collect(), committed.lines().collect());
    let i = (0..g.len().max(c.len()))
        .find(|i| g.get(*i) != c.get(*i))
        .unwrap_or(0);
    panic!(
        "{path} differs from the committed golden file at line {}:\n committed: {}\n      got: {}\n({} lines committed, {} now; HOPSCOPE_BLESS=1 rewrites it after an intended change)",
        i + 1,
        c.get(i).unwrap_or(&"(end of file)"),
        g.get(i).unwrap_or(&"(end of file)"),
        c.len(),
        g.len()
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
