//! `analyze --until end` against a real broker: a topic read in batches (`kafka::records`)
//! up to the end it had at the start, then the end of input — as `hopscope window` ends a
//! file, and as Flink's `scan.bounded.mode = latest-offset` ends a job.

mod common;

use common::{brokers, produce, topic};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Runs `hopscope analyze --brokers … --topic t --from earliest --until end ARGS…`; fails
/// the test if it has not ended after a generous deadline (it must end by itself).
fn analyze_until_end(t: &str, more: &[&str]) -> Output {
    let child = common::spawn_analyze(t, &[&["--until", "end"], more].concat());
    // Output is read on a thread of its own (a full pipe would stall analyze).
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    let Ok(out) = rx.recv_timeout(Duration::from_secs(180)) else {
        let _ = Command::new("kill").arg(pid.to_string()).status();
        panic!("analyze --until end did not end by itself");
    };
    let out = out.unwrap();
    assert!(
        out.status.success(),
        "analyze failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn records_in(summary: &Output) -> u64 {
    let text = String::from_utf8_lossy(&summary.stdout);
    let at = text.find("📋 Summary: ").expect("a summary") + "📋 Summary: ".len();
    text[at..]
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a record count")
}

/// Sales written in transactions with the throughput profile (lz4, large batches): every
/// partition ends in a commit marker, so its last offset is never a record's — the read
/// must still know it is done. Windows and alerts equal the same sales from a file.
#[test]
fn a_topic_read_until_its_end_gives_the_windows_of_the_same_sales_from_a_file() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("until-end");
    let gen = [
        "--count",
        "20000",
        "--seed",
        "11",
        "--start",
        "2025-05-01T10:00:00Z",
        "--scenario",
        "spike@10m,factor=8,for=40s",
    ];
    let mut args = vec![
        "--no-pace",
        "--profile",
        "throughput",
        "--transactional-id",
        "until-end-test",
        "--transaction-size",
        "3000",
    ];
    args.extend_from_slice(&gen);
    let made = produce(&brokers(), &t, &args);
    assert!(
        String::from_utf8_lossy(&made.stdout).contains("20000 sales committed"),
        "{}",
        String::from_utf8_lossy(&made.stdout)
    );
    let window = ["--windows", "--size", "5m", "--slide", "10s"];
    let offline = common::analyze_generated(&t, &gen, &window);
    let live = analyze_until_end(&t, &window);
    common::assert_same_results(&offline, &live, "the topic");
    let text = String::from_utf8_lossy(&live.stdout);
    assert!(
        text.contains("until the end it has now"),
        "the heading says where the read stops: {text}"
    );
    assert_eq!(records_in(&live), 20_000);
}

/// A topic written to all the while: the read stops at the end the topic had when it
/// started (it neither follows the producer forever nor stops short of that end).
#[test]
fn a_growing_topic_is_read_to_the_end_it_had_at_the_start_and_an_empty_one_at_once() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("until-end-growing");
    produce(
        &brokers(),
        &t,
        &["--no-pace", "--count", "5000", "--seed", "3"],
    );
    let b = brokers();
    let mut producer = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args([
            "produce",
            "--brokers",
            &b,
            "--topic",
            &t,
            "--rate",
            "200",
            "--seed",
            "4",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let total = |t: &str| -> i64 {
        let probe: rdkafka::consumer::BaseConsumer = rdkafka::config::ClientConfig::new()
            .set("bootstrap.servers", brokers())
            .create()
            .unwrap();
        use rdkafka::consumer::Consumer;
        (0..6)
            .map(|p| {
                let (lo, hi) = probe
                    .fetch_watermarks(t, p, Duration::from_secs(10))
                    .unwrap();
                hi - lo
            })
            .sum()
    };
    // The paced producer is writing before the read starts.
    let t0 = Instant::now();
    while total(&t) < 5_100 {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the producer writes"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let before = total(&t);
    let out = analyze_until_end(&t, &[]);
    let after = total(&t);
    let _ = producer.kill();
    let _ = producer.wait();
    let read = records_in(&out) as i64;
    assert!(
        (before..=after).contains(&read),
        "read {read} records; the topic had {before} at the start and {after} at the end"
    );
    assert!(
        after > before,
        "the topic grew meanwhile ({before} → {after})"
    );

    let empty = topic("until-end-empty");
    produce(&brokers(), &empty, &["--no-pace", "--count", "0"]);
    let out = analyze_until_end(&empty, &[]);
    assert_eq!(records_in(&out), 0);
}
