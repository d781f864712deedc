//! `produce --transactional-id`, against the real broker: a producer killed between a
//! transaction's records and its commit leaves nothing that `analyze` analyses or `serve`
//! relays (both read `read_committed`); the next producer with the same id aborts what it
//! left open, and only its committed sales are seen.
mod common;

use common::*;
use hopscope_core::protocol::StartFrom;
use rdkafka::consumer::{BaseConsumer, Consumer};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Each partition's log end (committed or not), by partition.
fn log_ends(t: &str) -> BTreeMap<i32, i64> {
    let c: BaseConsumer = rdkafka::config::ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .set("group.id", "log-ends")
        // Uncommitted records too (librdkafka's default reads only up to the last stable
        // offset, which an open transaction holds back).
        .set("isolation.level", "read_uncommitted")
        .create()
        .unwrap();
    (0..6)
        .map(|p| {
            let (_, high) = c.fetch_watermarks(t, p, Duration::from_secs(10)).unwrap();
            (p, high)
        })
        .collect()
}

#[tokio::test]
async fn a_producer_killed_mid_transaction_leaves_nothing_analyze_or_serve_reads() {
    if skip_without_kafka() {
        return;
    }
    let t = new_topic("txn");
    let id = format!("{t}-producer");
    // 500 sales in one open transaction; the producer then waits before committing.
    let mut killed = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args([
            "produce",
            "--brokers",
            &brokers(),
            "--topic",
            &t,
            "--no-pace",
            "--count",
            "500",
            "--seed",
            "1",
            "--transactional-id",
            &id,
        ])
        .env("HOPSCOPE_TEST_TXN_PAUSE_MS", "120000")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    let mut ends = log_ends(&t);
    while ends.values().sum::<i64>() < 500 {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the 500 records reached the log"
        );
        std::thread::sleep(Duration::from_millis(50));
        ends = log_ends(&t);
    }
    killed.kill().unwrap(); // SIGKILL: the transaction stays open
    killed.wait().unwrap();
    // The next producer with the id fences the dead one (its transaction is aborted) and
    // commits its own 100.
    let out = produce(
        &brokers(),
        &t,
        &[
            "--no-pace",
            "--count",
            "100",
            "--seed",
            "2",
            "--transactional-id",
            &id,
        ],
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("100 sales committed"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // analyze sees the 100, none of the 500.
    let a = analyze_topic(&t, &[]);
    let text = String::from_utf8_lossy(&a.stdout);
    assert!(text.contains("📋 Summary: 100 records"), "{text}");
    // serve relays the 100, all past where the aborted ones were.
    let s = serve(&brokers(), &t, &[]).await;
    let mut ws = connect(s.1, StartFrom::Earliest).await;
    let got = collect(&mut ws, 100).await;
    assert_eq!(got.len(), 100);
    for r in &got {
        assert!(
            r.offset >= ends[&(r.partition as i32)],
            "partition {} offset {} was in the aborted transaction (log end then {})",
            r.partition,
            r.offset,
            ends[&(r.partition as i32)]
        );
    }
}
