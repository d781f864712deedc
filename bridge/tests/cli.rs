//! The `hopscope` binary as a user runs it: arguments in, lines and exit codes out.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn hopscope(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("hopscope runs");
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn generate_is_deterministic_and_honours_count_and_duration() {
    let a = hopscope(
        &[
            "generate",
            "--seed",
            "7",
            "--rate",
            "20",
            "--duration",
            "30s",
        ],
        b"",
    );
    let b = hopscope(
        &[
            "generate",
            "--seed",
            "7",
            "--rate",
            "20",
            "--duration",
            "30s",
        ],
        b"",
    );
    let c = hopscope(
        &[
            "generate",
            "--seed",
            "8",
            "--rate",
            "20",
            "--duration",
            "30s",
        ],
        b"",
    );
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
    let lines: Vec<serde_json::Value> = text(&a.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!((450..750).contains(&lines.len()), "{} sales", lines.len());
    for l in &lines {
        let date = l["sale_date"].as_str().unwrap();
        assert!(date.starts_with("2024-01-21T10:00:"), "{date}");
        assert!(date.ends_with("+00:00") && date.len() == "2024-01-21T10:00:00.000000+00:00".len());
    }
    let n = hopscope(&["generate", "--count", "25", "--rate", "1000"], b"");
    assert_eq!(text(&n.stdout).lines().count(), 25);
}

#[test]
fn generate_rejects_bad_arguments_clearly() {
    let cases: &[(&[&str], &str)] = &[
        (
            &["generate", "--duration", "forever"],
            "must start with a number",
        ),
        (
            &["generate", "--duration", "1m", "--scenario", "party"],
            "unknown kind",
        ),
        (&["generate", "--duration", "1m", "--rate=-3"], "--rate"),
        (
            &["generate", "--duration", "1m", "--start", "noon"],
            "ISO-8601",
        ),
        (&["generate"], "--duration"),
        (&["partition"], "KEYS"),
        (&["partition", "-p", "0", "k"], "0"),
        (
            &["window", "--size", "1s", "--slide", "5s"],
            "must not exceed size",
        ),
        // A unit mistyped: 8.6 × 10¹² windows per sale would print for ever.
        (
            &["window", "--size", "100000000d", "--slide", "1s"],
            "at most 1000000 are supported",
        ),
        (
            &["analyze", "--size", "100000000d", "--slide", "1s"],
            "at most 1000000 are supported",
        ),
        // Producer clients: at least one, and one producer per transactional id. Refused
        // before any broker is asked.
        (&["produce", "--clients", "0"], "--clients"),
        // Two fields at one place in the records it would write: one would overwrite the
        // other. Refused before any broker is asked.
        (
            &[
                "produce",
                "--field",
                "id_product=sku",
                "--field",
                "nm_product=sku",
            ],
            "id_product (sku) and nm_product (sku) are written to the same place",
        ),
        (
            &["produce", "--clients", "2", "--transactional-id", "t"],
            "cannot be used with",
        ),
        (
            &["window", "--time", "wall"],
            "possible values: event, processing",
        ),
        (
            &[
                "generate",
                "--duration",
                "1m",
                "--catalog",
                "/nonexistent/x.csv",
            ],
            "cannot read catalog",
        ),
    ];
    for (args, want) in cases {
        let o = hopscope(args, b"");
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(
            text(&o.stderr).contains(want),
            "{args:?}: {}",
            text(&o.stderr)
        );
    }
}

#[test]
fn partition_matches_kafka_java_client() {
    // Values from kafka-clients' Utils (see core/src/partition/tests_vectors.rs).
    let o = hopscope(
        &[
            "partition",
            "--partitions",
            "6",
            "ana.silva",
            "bruno.souza",
            "joão.pereira",
            "",
        ],
        b"",
    );
    assert!(o.status.success());
    assert_eq!(text(&o.stdout), "2\n4\n1\n3\n");
}

#[test]
fn window_prints_one_json_line_per_window_and_survives_bad_lines() {
    let sales = hopscope(
        &[
            "generate",
            "--seed",
            "3",
            "--rate",
            "2",
            "--duration",
            "20s",
        ],
        b"",
    );
    let mut input = b"not json\n\n{\"id_sale\":\"x\"}\n".to_vec();
    input.extend_from_slice(&sales.stdout);
    input.extend_from_slice(b"\xff\xfe\n");
    let o = hopscope(&["window", "--size", "10s", "--slide", "5s", "-"], &input);
    assert!(o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("line 1: record is not valid JSON"), "{err}");
    assert!(
        err.contains("line 3: field `nm_product` is missing") || err.contains("line 3: field"),
        "{err}"
    );
    let last_line = input
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count()
        + 1;
    assert!(
        err.contains(&format!("line {last_line}: record is not valid UTF-8")),
        "{err}"
    );
    assert!(err.contains("3 malformed"), "{err}");
    let windows: Vec<serde_json::Value> = text(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // 20 s of sales, 10 s windows every 5 s: [-5,5) … [15,25) around 10:00:00.
    assert_eq!(windows.len(), 5);
    assert_eq!(windows[0]["window_start"], "2024-01-21T09:59:55.000Z");
    assert_eq!(windows[4]["window_end"], "2024-01-21T10:00:25.000Z");
    let total: u64 = windows
        .iter()
        .map(|w| w["sales_in_window"].as_u64().unwrap())
        .sum();
    assert_eq!(
        total,
        2 * (text(&sales.stdout).lines().count() as u64),
        "each sale in two windows"
    );
    for key in [
        "revenue",
        "avg_ticket",
        "active_sellers",
        "active_categories",
        "active_products",
        "biggest_sale",
    ] {
        assert!(windows[1].get(key).is_some(), "{key}");
    }
}

/// Sales at 1, 5, 13, 20, 15, 30, 21, 3, 31 s in that order, 10 s / 2 s windows,
/// watermark 2 s behind: the counts Flink's window TVF gives (watermark per element).
#[test]
fn window_lets_late_sales_join_their_unfired_windows_as_flink_does() {
    let line = |t: &str| {
        format!(
            "{{\"id_sale\":\"{t}\",\"nm_product\":\"P\",\"seller\":\"s\",\"price\":1.5,\"sale_date\":\"2024-01-01T00:00:{t}Z\"}}\n"
        )
    };
    let input: String = ["01", "05", "13", "20", "15", "30", "21", "03", "31"]
        .iter()
        .map(|t| line(t))
        .collect();
    let o = hopscope(
        &[
            "window",
            "--size",
            "10s",
            "--slide",
            "2s",
            "--time",
            "event",
            "--watermark-delay",
            "2s",
        ],
        input.as_bytes(),
    );
    let err = text(&o.stderr);
    assert!(
        err.contains("late sale 15 at 2024-01-01T00:00:15.000Z joined 3 of its 5 windows"),
        "{err}"
    );
    assert!(
        err.contains("late sale 21 at 2024-01-01T00:00:21.000Z joined 1 of its 5 windows"),
        "{err}"
    );
    assert!(
        err.contains(
            "late sale 03 at 2024-01-01T00:00:03.000Z dropped: all its 5 windows had fired"
        ),
        "{err}"
    );
    assert!(
        err.contains("late: 2 joined their unfired windows, 1 dropped"),
        "{err}"
    );
    let counts: std::collections::BTreeMap<String, u64> = text(&o.stdout)
        .lines()
        .map(|l| {
            let w = serde_json::from_str::<serde_json::Value>(l).unwrap();
            (
                w["window_start"].as_str().unwrap()[17..19].to_string(),
                w["sales_in_window"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(counts["10"], 2, "[10 s, 20 s): {counts:?}");
    assert_eq!(counts["12"], 3, "[12 s, 22 s): {counts:?}");
    assert_eq!(counts["14"], 2, "[14 s, 24 s): {counts:?}");
    assert_eq!(counts["20"], 2, "[20 s, 30 s): {counts:?}");
    // `--lateness` is kept as an alias of the delay for earlier scripts.
    let alias = hopscope(
        &[
            "window",
            "--size",
            "10s",
            "--slide",
            "2s",
            "--lateness",
            "2s",
        ],
        input.as_bytes(),
    );
    assert_eq!(alias.stdout, o.stdout);
}

#[test]
fn the_default_delay_keeps_every_in_order_sale_even_in_the_same_millisecond() {
    let line = |id: u32, ms: &str| {
        format!(
            "{{\"id_sale\":\"{id}\",\"nm_product\":\"P\",\"seller\":\"s\",\"price\":1,\"sale_date\":\"2024-01-01T00:00:{ms}Z\"}}\n"
        )
    };
    let input = [
        line(1, "00.999"),
        line(2, "00.999"),
        line(3, "01.999"),
        line(4, "01.999"),
        line(5, "02.000"),
    ]
    .concat();
    let o = hopscope(
        &["window", "--size", "1s", "--slide", "1s"],
        input.as_bytes(),
    );
    let err = text(&o.stderr);
    assert!(
        err.contains("late: 0 joined their unfired windows, 0 dropped"),
        "{err}"
    );
    let total: u64 = text(&o.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["sales_in_window"]
                .as_u64()
                .unwrap()
        })
        .sum();
    assert_eq!(total, 5);
}

#[test]
fn negative_delays_and_durations_without_a_unit_are_clear_errors() {
    for (args, want) in [
        (
            vec!["window", "--watermark-delay", "-1s"],
            "must not be negative",
        ),
        (
            vec!["window", "--idle-timeout", "-5s"],
            "must not be negative",
        ),
        (
            vec!["generate", "--duration", "60"],
            "needs a unit: 60ms, 60s",
        ),
        (vec!["window", "--size", "15"], "needs a unit"),
    ] {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_hopscope"))
            .args(&args)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert!(!o.status.success(), "{args:?} must fail");
        let err = text(&o.stderr);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

#[test]
fn analyze_prints_the_seed_console_alert_for_a_spike() {
    let sales = hopscope(
        &[
            "generate",
            "--seed",
            "4",
            "--rate",
            "5",
            "--duration",
            "40m",
            "--scenario",
            "spike@35m,factor=10,for=30s",
        ],
        b"",
    );
    let o = hopscope(&["analyze"], &sales.stdout);
    assert!(o.status.success());
    let out = text(&o.stdout);
    assert!(out.contains("🚨 EVENT DETECTED: Activity spike!"), "{out}");
    assert!(out.contains("📊 Growth: +"), "{out}");
    assert!(out.contains("👥 Active sellers: 16/16"), "{out}");
    assert!(out.contains("📋 Summary:"), "{out}");
    let calm = hopscope(
        &[
            "generate",
            "--seed",
            "4",
            "--rate",
            "5",
            "--duration",
            "40m",
        ],
        b"",
    );
    let quiet = text(&hopscope(&["analyze"], &calm.stdout).stdout);
    assert!(!quiet.contains("EVENT DETECTED"), "{quiet}");
}

#[test]
fn amazon_catalog_can_replace_the_embedded_one() {
    let dir = std::env::temp_dir().join(format!("hopscope-amazon-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("amazon_products.csv"),
        "asin,title,imgUrl,productURL,stars,reviews,price,listPrice,category_id,isBestSeller,boughtInLastMonth\n\
         B0A,\"Kindle Paperwhite, 16 GB\",u,u,4.7,100,149.99,0,7,False,0\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("amazon_categories.csv"),
        "id,category_name\n7,eBook Readers\n",
    )
    .unwrap();
    let o = hopscope(
        &[
            "generate",
            "--count",
            "3",
            "--catalog",
            dir.to_str().unwrap(),
        ],
        b"",
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    for l in text(&o.stdout).lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert_eq!(v["id_product"], "B0A");
        assert_eq!(v["nm_brand"], "Amazon");
        assert_eq!(v["nm_category"], "eBook Readers");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A catalog file that is neither format, and a products file without its categories,
/// each say so (an empty file asked for a companion `amazon_categories.csv` it never
/// needed).
#[test]
fn a_catalog_that_cannot_be_read_says_why() {
    let dir = std::env::temp_dir().join(format!("hopscope-badcat-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("empty.csv", "", "not a catalog: the first line has neither"),
        ("other.csv", "sku,name,cost\nA,b,1\n", "not a catalog"),
        (
            "products.csv",
            "asin,title,stars,reviews,price,category_id\nB0A,K,4.7,1,9.99,7\n",
            "needs amazon_categories.csv beside it",
        ),
    ];
    for (name, body, want) in cases {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        let o = hopscope(
            &[
                "generate",
                "--count",
                "1",
                "--catalog",
                path.to_str().unwrap(),
            ],
            b"",
        );
        assert!(!o.status.success(), "{name}");
        let err = text(&o.stderr);
        assert!(err.contains(want) && err.contains(name), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: one line: {err}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn serve_refuses_a_non_loopback_address_without_a_token_unless_told_it_is_public() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(["serve", "--bind", "0.0.0.0:0", "--brokers", "127.0.0.1:1"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains("refusing to serve on 0.0.0.0:0 without --token"),
        "{err}"
    );
    assert!(err.contains("--public"), "{err}");
}

/// A broker that does not answer (nothing listens on its port): the commands retry for a
/// while, as a broker still starting looks the same, but say so on stderr rather than
/// keep silent, then fail with the cause.
#[test]
fn a_broker_that_does_not_answer_is_said_while_retrying_then_named() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let brokers = format!("127.0.0.1:{port}");
    let o = hopscope(&["analyze", "--brokers", &brokers, "--topic", "t"], b"");
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert!(
        lines[0].contains(&format!(
            "Kafka at {brokers} (PLAINTEXT) does not answer yet"
        )) && lines[0].contains("trying for up to 25 s"),
        "{err}"
    );
    assert!(lines[1].contains("cannot reach the broker"), "{err}");
}
