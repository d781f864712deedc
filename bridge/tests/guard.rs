//! Guard rails for bad event times (#28): one sale from a broken clock, dated 2100, in the
//! middle of ordinary sales. Without options the results stay Flink's (every later sale is
//! late), but the record is named at once; `--max-ahead` puts it aside; `--dead-letter`
//! keeps every record that was not windowed; per-record messages stay a handful of lines.

mod common;

use common::{brokers, hopscope, topic};
use hopscope_core::Sale;
use rdkafka::producer::{BaseRecord, Producer};
use std::process::{Command, Output};
use std::time::Duration;

const FUTURE: &str = "2100-01-01T00:00:00.000Z";

fn run(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "hopscope {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// `n` generated sales as lines, and the same with one sale dated 2100 after line `at`.
fn sales_with_a_broken_clock(n: u32, at: usize) -> (Vec<String>, Vec<String>, String) {
    let out = hopscope(&[
        "generate",
        "--count",
        &n.to_string(),
        "--seed",
        "5",
        "--start",
        "2025-05-01T10:00:00Z",
    ]);
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let mut bad: Sale = Sale::from_json(lines[0].as_bytes()).unwrap();
    bad.id_sale = "broken-clock".into();
    bad.sale_date = hopscope_core::Micros::parse_iso(FUTURE).unwrap();
    let bad = bad.to_json();
    let mut with = lines.clone();
    with.insert(at, bad.clone());
    (lines, with, bad)
}

fn joined(lines: &[String]) -> Vec<u8> {
    (lines.join("\n") + "\n").into_bytes()
}

#[test]
fn one_far_future_sale_in_a_file_is_named_and_with_max_ahead_changes_nothing() {
    let (clean, with, bad) = sales_with_a_broken_clock(2000, 1000);
    let (clean_file, bad_file) = (
        common::temp_file("clean.jsonl", &joined(&clean)),
        common::temp_file("bad.jsonl", &joined(&with)),
    );
    let window = ["window", "--size", "5m", "--slide", "1m"];

    // Flink's results: every later sale is late; the warning names the record once.
    let o = run(&[&window[..], &[bad_file.as_str()]].concat());
    let err = String::from_utf8_lossy(&o.stderr);
    let warnings: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("moved the watermark"))
        .collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].contains("line 1001: sale broken-clock at 2100-01-01T00:00:00.000Z")
            && warnings[0].contains("every sale before 2099-12-31T23:59:59.999Z will now be late"),
        "{}",
        warnings[0]
    );
    assert!(
        err.contains("late: 0 joined their unfired windows, 1000 dropped"),
        "{err}"
    );
    assert!(
        err.lines().count() < 30,
        "a thousand dropped sales make a handful of lines, not a thousand: {} lines",
        err.lines().count()
    );

    // Put aside: the windows of the file without it, and the record in the dead letters.
    let dead = std::env::temp_dir().join(format!("{}-dead.jsonl", topic("guard")));
    let dead_s = dead.to_string_lossy().into_owned();
    let guarded = run(&[
        &window[..],
        &["--max-ahead", "1h", "--dead-letter", &dead_s, &bad_file],
    ]
    .concat());
    let want = run(&[&window[..], &[clean_file.as_str()]].concat());
    assert_eq!(
        String::from_utf8_lossy(&guarded.stdout),
        String::from_utf8_lossy(&want.stdout)
    );
    let err = String::from_utf8_lossy(&guarded.stderr);
    assert!(err.contains("quarantined: 1 ahead, 0 behind"), "{err}");
    assert!(err.contains("1 records in the dead letters"), "{err}");
    let letters: Vec<serde_json::Value> = std::fs::read_to_string(&dead)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0]["reason"], "ahead");
    assert_eq!(letters[0]["line"], 1001);
    assert_eq!(letters[0]["record"], bad.as_str(), "the record unchanged");
    for f in [clean_file, bad_file, dead_s] {
        let _ = std::fs::remove_file(f);
    }
}

#[test]
fn the_dead_letters_hold_exactly_the_records_not_windowed_each_once() {
    let (_, mut with, bad) = sales_with_a_broken_clock(1500, 700);
    with.insert(100, "{\"not\": \"a sale\"}".into());
    with.insert(200, "\u{1}garbage".into());
    let file = common::temp_file("mixed.jsonl", &joined(&with));
    let dead = std::env::temp_dir().join(format!("{}-dead.jsonl", topic("guard")));
    let dead_s = dead.to_string_lossy().into_owned();
    for cmd in ["window", "analyze"] {
        let o = run(&[
            cmd,
            "--size",
            "5m",
            "--slide",
            "1m",
            "--dead-letter",
            &dead_s,
            &file,
        ]);
        let text =
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr);
        let letters: Vec<serde_json::Value> = std::fs::read_to_string(&dead)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let count = |reason: &str| letters.iter().filter(|l| l["reason"] == reason).count();
        assert_eq!(count("invalid"), 2, "{cmd}");
        // Every sale after the broken clock, except itself, was dropped as late.
        let dropped: usize = text
            .split("late: 0 joined their unfired windows, ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("{cmd}: no late summary: {text}"));
        assert!(dropped > 700, "{cmd}: {dropped}");
        assert_eq!(count("dropped"), dropped, "{cmd}");
        assert_eq!(letters.len(), dropped + 2, "{cmd}: each record once");
        // Unchanged, with where it was: each dropped line is the input's line.
        for l in letters.iter().filter(|l| l["reason"] == "dropped") {
            let n = l["line"].as_u64().unwrap() as usize;
            assert_eq!(l["record"].as_str().unwrap(), with[n - 1], "{cmd} line {n}");
        }
        assert!(
            !letters.iter().any(|l| l["record"] == bad.as_str()),
            "the far-future sale was windowed"
        );
        assert!(
            text.contains(&format!("{} records in the dead letters", dropped + 2)),
            "{cmd}: {text}"
        );
    }
    let _ = std::fs::remove_file(file);
    let _ = std::fs::remove_file(dead);
}

#[test]
fn a_million_late_records_make_a_bounded_number_of_lines_and_the_cause_is_named() {
    // The broken clock on the first line: no jump to see, every later sale late.
    for (cmd, n) in [("window", 1_000_000), ("analyze", 100_000)] {
        let (_, with, _) = sales_with_a_broken_clock(n, 0);
        let file = common::temp_file("late.jsonl", &joined(&with));
        let o = run(&[cmd, "--size", "5m", "--slide", "1m", &file]);
        let err = String::from_utf8_lossy(&o.stderr);
        let text = String::from_utf8_lossy(&o.stdout).into_owned() + &err;
        assert!(
            text.contains(&format!("{n} dropped")),
            "{cmd}: {}",
            &text[text.len().saturating_sub(600)..]
        );
        assert!(
            err.lines().count() < 60,
            "{cmd}: {} lines",
            err.lines().count()
        );
        assert!(
            err.contains(&format!("{n} of {} sales were dropped as late", n + 1))
                && err.contains("came from line 1 (sale broken-clock)"),
            "{cmd}: {err}"
        );
        let _ = std::fs::remove_file(file);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_topic_the_record_is_named_by_partition_and_offset_and_max_ahead_keeps_the_windows() {
    if common::skip_without_kafka() {
        return;
    }
    let (clean, _, bad) = sales_with_a_broken_clock(3000, 0);
    let t = common::new_topic("broken-clock");
    let producer = common::raw_producer();
    for (i, line) in clean.iter().enumerate() {
        let seller = Sale::from_json(line.as_bytes()).unwrap().seller;
        producer
            .send(BaseRecord::to(&t).key(&seller).payload(line))
            .unwrap();
        if i == 1500 {
            producer
                .send(BaseRecord::<str, str>::to(&t).partition(0).payload(&bad))
                .unwrap();
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(30)).unwrap();
    let file = common::temp_file("clean.jsonl", &joined(&clean));
    let window = ["--windows", "--size", "5m", "--slide", "1m"];
    let want = hopscope(&[&["analyze"][..], &window[..], &[file.as_str()]].concat());
    // Named by partition and offset; the other partitions keep their windows for now.
    let o = common::analyze_topic(&t, &window);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.lines().any(|l| l.contains("partition 0 offset")
            && l.contains("sale broken-clock")
            && l.contains("moved the watermark")),
        "{err}"
    );
    // Put aside: exactly the windows of the sales without it.
    let guarded = common::analyze_topic(&t, &[&window[..], &["--max-ahead", "1d"]].concat());
    assert_eq!(
        common::results(&guarded.stdout),
        common::results(&want.stdout)
    );
    assert!(
        String::from_utf8_lossy(&guarded.stdout).contains("quarantined: 1 ahead, 0 behind"),
        "{}",
        String::from_utf8_lossy(&guarded.stdout)
    );
    let _ = std::fs::remove_file(file);
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_logs_and_counts_a_broken_clock_and_with_max_ahead_relays_it_as_invalid() {
    if common::skip_without_kafka() {
        return;
    }
    let (clean, _, bad) = sales_with_a_broken_clock(200, 0);
    let t = common::new_topic("serve-broken-clock");
    let b = brokers();
    let producer = common::raw_producer();
    let send = |payload: &str, partition: i32| {
        producer
            .send(
                BaseRecord::<str, str>::to(&t)
                    .partition(partition)
                    .payload(payload),
            )
            .unwrap();
    };
    let dlq = topic("serve-dlq");
    for (label, extra) in [
        ("plain", vec![]),
        (
            "guarded",
            vec!["--max-ahead", "1d", "--dead-letter-topic", dlq.as_str()],
        ),
    ] {
        let port = common::free_port();
        let log = std::env::temp_dir().join(format!("{}-{label}.log", topic("serve-guard")));
        let child = Command::new(env!("CARGO_BIN_EXE_hopscope"))
            .args([
                "serve",
                "--brokers",
                &b,
                "--topic",
                &t,
                "--web",
                "/nonexistent",
            ])
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(&extra)
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let srv = common::Serve(child, port);
        common::wait_ready(port).await;
        let mut ws = common::connect(port, hopscope_core::protocol::StartFrom::Latest).await;
        common::wait_following(port, 1).await;
        for line in &clean[..100] {
            send(line, 1);
        }
        send(&bad, 0);
        for line in &clean[100..] {
            send(line, 1);
        }
        producer.flush(Duration::from_secs(30)).unwrap();
        let got = common::collect(&mut ws, 201).await;
        assert_eq!(got.len(), 201, "{label}");
        let relayed_bad = got
            .iter()
            .find(|r| r.partition == 0)
            .expect("the broken-clock record");
        let metrics = common::reqwest_text(port, "/metrics").await;
        // Read while serve runs: its dead letters are on their way (killed, it would lose
        // them; Ctrl-C flushes them).
        let letters: Vec<String> = if label == "guarded" {
            use rdkafka::message::Message;
            common::read_topic(&b, &dlq, 1)
                .iter()
                .map(|m| String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned())
                .collect()
        } else {
            Vec::new()
        };
        drop(ws);
        drop(srv);
        let text = std::fs::read_to_string(&log).unwrap();
        match relayed_bad.value {
            hopscope_core::protocol::RecordValue::Sale(_) => {
                assert_eq!(label, "plain");
                let warnings: Vec<&str> = text
                    .lines()
                    .filter(|l| l.contains("moved the partition's newest sale time"))
                    .collect();
                assert_eq!(warnings.len(), 1, "{text}");
                assert!(
                    warnings[0].contains("partition 0 offset")
                        && warnings[0].contains("broken-clock")
                );
                assert!(
                    metrics.contains("hopscope_watermark_jumps_total 1\n"),
                    "{metrics}"
                );
            }
            hopscope_core::protocol::RecordValue::Invalid { ref error, .. } => {
                assert_eq!(label, "guarded");
                assert!(error.contains("quarantined: sale broken-clock"), "{error}");
                assert!(
                    metrics.contains("hopscope_quarantined_total 1\n"),
                    "{metrics}"
                );
                // … and the record itself went to the dead-letter topic, once, unchanged.
                assert_eq!(letters, vec![bad.clone()]);
            }
        }
        let _ = std::fs::remove_file(log);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_dead_letter_topic_gets_every_record_not_analysed_unchanged_with_why_in_its_headers() {
    use rdkafka::message::{Headers, Message};
    if common::skip_without_kafka() {
        return;
    }
    let (clean, _, bad) = sales_with_a_broken_clock(500, 0);
    let t = topic("dlq-source");
    let dlq = topic("dlq");
    let b = brokers();
    hopscope(&[
        "produce",
        "--brokers",
        &b,
        "--topic",
        &t,
        "--no-pace",
        "--count",
        "0",
    ]);
    let producer = common::raw_producer();
    let odd = ["{\"not\": \"a sale\"}", "\u{1}garbage"];
    for (i, line) in clean.iter().enumerate() {
        producer
            .send(
                BaseRecord::<str, str>::to(&t)
                    .key("k")
                    .partition(1)
                    .payload(line),
            )
            .unwrap();
        if i == 100 {
            for o in odd {
                producer
                    .send(
                        BaseRecord::<str, str>::to(&t)
                            .key("odd")
                            .partition(2)
                            .payload(o),
                    )
                    .unwrap();
            }
            producer
                .send(
                    BaseRecord::<str, str>::to(&t)
                        .key("clock")
                        .partition(3)
                        .payload(&bad),
                )
                .unwrap();
        }
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(30)).unwrap();
    let out = hopscope(&[
        "analyze",
        "--brokers",
        &b,
        "--topic",
        &t,
        "--from",
        "earliest",
        "--idle-exit",
        "3s",
        "--max-ahead",
        "1d",
        "--dead-letter-topic",
        &dlq,
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("dead letters to topic {dlq}")),
        "{text}"
    );
    // Read the dead letters back: each once (nothing more arrives).
    let mut got: Vec<_> = common::read_topic(&b, &dlq, 3)
        .into_iter()
        .map(|m| {
            let header = |name: &str| {
                m.headers()
                    .and_then(|h| h.iter().find(|x| x.key == name))
                    .and_then(|x| x.value)
                    .map(|v| String::from_utf8_lossy(v).into_owned())
                    .unwrap_or_default()
            };
            (
                header("hopscope.reason"),
                header("hopscope.source.topic"),
                header("hopscope.source.partition"),
                m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
                String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned(),
                header("hopscope.source.offset").parse::<i64>().is_ok(),
            )
        })
        .collect();
    got.sort();
    let mut want = vec![
        (
            "ahead".to_string(),
            t.clone(),
            "3".to_string(),
            Some("clock".to_string()),
            bad.clone(),
            true,
        ),
        (
            "invalid".to_string(),
            t.clone(),
            "2".to_string(),
            Some("odd".to_string()),
            odd[0].to_string(),
            true,
        ),
        (
            "invalid".to_string(),
            t.clone(),
            "2".to_string(),
            Some("odd".to_string()),
            odd[1].to_string(),
            true,
        ),
    ];
    want.sort();
    assert_eq!(got, want);
}
