//! Files as data engineers keep them: gzip and zstd JSON lines (found by their first
//! bytes, stdin too), a UTF-8 byte-order mark, UTF-16 refused by name, folders and globs
//! read as one stream with per-file line numbers — the same windows as the plain file —
//! and every failure an error naming the input, never "0 sales".
mod common;

use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(topic(name));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn sales() -> Vec<u8> {
    hopscope(&["generate", "--count", "6000", "--rate", "1", "--seed", "3"]).stdout
}

fn window(args: &[&str]) -> Output {
    let mut all = vec!["window", "--size", "15m", "--slide", "5m"];
    all.extend_from_slice(args);
    Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(&all)
        .output()
        .unwrap()
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn write(d: &Path, name: &str, bytes: &[u8]) -> String {
    let p = d.join(name);
    std::fs::write(&p, bytes).unwrap();
    p.to_string_lossy().into_owned()
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn gzip_zstd_a_bom_and_stdin_give_the_windows_of_the_plain_file() {
    let d = dir("files");
    let plain = sales();
    let want = ok(&window(&[&write(&d, "sales.jsonl", &plain)]));
    assert!(want.lines().count() > 10);
    let gz = gzip(&plain);
    let zst = zstd::encode_all(&plain[..], 3).unwrap();
    let mut bom = vec![0xef, 0xbb, 0xbf];
    bom.extend_from_slice(&plain);
    for (name, bytes) in [
        ("sales.jsonl.gz", &gz),
        ("sales.jsonl.zst", &zst),
        // Found by its first bytes, not its name.
        ("export-without-extension", &gz),
        ("bom.jsonl", &bom),
    ] {
        assert_eq!(ok(&window(&[&write(&d, name, bytes)])), want, "{name}");
    }
    // Concatenated gzip members (`cat a.gz b.gz`) are one stream.
    let half = plain.len() / 2;
    let cut = half + plain[half..].iter().position(|b| *b == b'\n').unwrap() + 1;
    let mut two = gzip(&plain[..cut]);
    two.extend(gzip(&plain[cut..]));
    assert_eq!(
        ok(&window(&[&write(&d, "two.gz", &two)])),
        want,
        "two members"
    );
    // stdin, compressed.
    let mut child = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(["window", "--size", "15m", "--slide", "5m", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(&zst).unwrap();
    assert_eq!(
        ok(&child.wait_with_output().unwrap()),
        want,
        "zstd on stdin"
    );
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_damaged_or_cut_compressed_file_or_utf16_is_an_error_naming_it() {
    let d = dir("files-bad");
    let plain = sales();
    let gz = gzip(&plain);
    let cut = write(&d, "cut.jsonl.gz", &gz[..gz.len() * 2 / 3]);
    let o = window(&[&cut]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "a cut file is not a success");
    assert!(
        err.contains("cut.jsonl.gz: the gzip data is damaged or cut short (near byte"),
        "{err}"
    );
    let mut flipped = gzip(&plain);
    let i = flipped.len() / 2;
    flipped[i] ^= 0xff;
    let o = window(&[&write(&d, "flipped.gz", &flipped)]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("flipped.gz: the gzip data is damaged"));
    let mut utf16 = vec![0xff, 0xfe];
    for c in "{\"id_sale\":\"x\"}\n".encode_utf16() {
        utf16.extend_from_slice(&c.to_le_bytes());
    }
    let o = window(&[&write(&d, "utf16.jsonl", &utf16)]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains("utf16.jsonl: the text is UTF-16 little-endian"),
        "{err}"
    );
    for (args, says) in [
        (vec![d.join("missing.jsonl")], "missing.jsonl"),
        (
            vec![d.join("nothing-*.jsonl")],
            "nothing-*.jsonl: no file matches",
        ),
    ] {
        let a: Vec<String> = args
            .iter()
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let o = window(&a.iter().map(String::as_str).collect::<Vec<_>>());
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{says}: {err}");
    }
    let empty = d.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let o = window(&[&empty.to_string_lossy()]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("a folder with no files to read"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_folder_or_a_glob_is_one_stream_with_line_numbers_per_file() {
    let d = dir("files-many");
    let plain = sales();
    let want = ok(&window(&[&write(&d, "all.jsonl", &plain)]));
    let hourly = d.join("hourly");
    std::fs::create_dir_all(&hourly).unwrap();
    let lines: Vec<&[u8]> = plain
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let third = lines.len() / 3;
    let parts = [
        &lines[..third],
        &lines[third..2 * third],
        &lines[2 * third..],
    ];
    for (k, part) in parts.iter().enumerate() {
        let mut bytes = part.join(&b'\n');
        // The last file has no final line end; the middle one is gzip.
        if k < 2 {
            bytes.push(b'\n');
        }
        let (name, bytes) = if k == 1 {
            ("h01.jsonl.gz".to_string(), gzip(&bytes))
        } else {
            (format!("h0{k}.jsonl"), bytes)
        };
        write(&hourly, &name, &bytes);
    }
    write(&hourly, ".hidden", b"not a sale\n");
    assert_eq!(ok(&window(&[&hourly.to_string_lossy()])), want, "a folder");
    let glob = hourly.join("h0*");
    assert_eq!(ok(&window(&[&glob.to_string_lossy()])), want, "a glob");
    // A bad line is named by its file and its line in that file.
    let mut bad = parts[2].join(&b'\n');
    bad.splice(0..0, b"{broken\n".iter().copied());
    write(&hourly, "h02.jsonl", &bad);
    let o = window(&[&hourly.to_string_lossy()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("h02.jsonl line 1:"), "{err}");
    let _ = std::fs::remove_dir_all(&d);
}
