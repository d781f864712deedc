//! Watermark alignment on a real broker: a backlog whose partitions are read unevenly in
//! event time keeps the windows' state within --size plus --max-drift, with the same
//! windows as the file of the same sales.
//!
//! Why a test with a broker: the skew comes from librdkafka itself, which fetches each
//! partition by bytes. Here partition 0 holds nine sales for every one on partition 1, so
//! each fetch moves partition 1 ten times further in event time; unaligned, it runs ahead
//! until it ends and the windows hold its panes all the while.

mod common;

use common::{
    brokers, covered, hopscope, kill, new_topic, results, skip_without_kafka, wait_until,
};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use std::collections::BTreeSet;
use std::process::Output;
use std::time::Duration;

/// The summary's "at most N panes … held at once".
fn peak_panes(stdout: &[u8]) -> usize {
    let out = String::from_utf8_lossy(stdout);
    let line = out
        .lines()
        .find(|l| l.starts_with("🧮 Window state"))
        .unwrap_or_else(|| panic!("no window state line in:\n{out}"));
    line.split("at most ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no pane count in {line:?}"))
}

/// `n` generated sales, ten a second from 2026-01-01: as JSON lines.
fn sales(n: usize) -> Vec<u8> {
    let n = n.to_string();
    let start = "2026-01-01T00:00:00Z";
    hopscope(&[
        "generate", "--count", &n, "--seed", "3", "--start", start, "--rate", "10",
    ])
    .stdout
}

/// Where line `n` (from 0) of `text` starts.
fn nth_line(text: &[u8], n: usize) -> usize {
    text.iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(n - 1)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// Each line of `sales` to topic `t`, on the partition `partition_of(line number)`, in
/// small record batches (Kafka hands out whole batches whatever the fetch size).
fn produce_to(t: &str, sales: &[u8], partition_of: impl Fn(usize) -> i32) {
    let p: BaseProducer = rdkafka::config::ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .set("linger.ms", "20")
        .set("batch.size", "16384")
        .create()
        .unwrap();
    let lines = sales.split(|b| *b == b'\n').filter(|l| !l.is_empty());
    for (i, line) in lines.enumerate() {
        let mut record = BaseRecord::<(), [u8]>::to(t)
            .payload(line)
            .partition(partition_of(i));
        while let Err((_, r)) = p.send(record) {
            record = r;
            p.poll(Duration::from_millis(10));
        }
    }
    p.flush(Duration::from_secs(60)).unwrap();
}

/// `analyze` of all of `t` from the earliest record, stopping at `stop` (`--until end`, or
/// `--idle-exit`), at `size`/1 s with `more` options, in small fetches and prefetch: records
/// arrive a few hundred at a time, as on a backlog far larger than these.
fn analyze(t: &str, stop: &[&str], size: &str, more: &[&str]) -> Output {
    let window = ["--size", size, "--slide", "1s", "--windows"];
    let fetch = [
        "-X",
        "max.partition.fetch.bytes=16384",
        "-X",
        "queued.max.messages.kbytes=64",
    ];
    let out = common::analyze_from_earliest(t, &[stop, &window, &fetch, more].concat());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

const UNTIL_END: &[&str] = &["--until", "end"];

/// The same sales from a file: the reference.
fn analyze_file(t: &str, sales: &[u8], size: &str) -> Vec<String> {
    let file = common::temp_file(&format!("{t}.jsonl"), sales);
    let out = hopscope(&[
        "analyze",
        "--size",
        size,
        "--slide",
        "1s",
        "--windows",
        &file,
    ]);
    assert!(out.status.success());
    let _ = std::fs::remove_file(&file);
    results(&out.stdout)
}

#[test]
fn a_skewed_backlog_keeps_the_windows_within_the_drift_and_the_same_results() {
    if skip_without_kafka() {
        return;
    }
    let t = new_topic("align");
    // 110 minutes of sales: partition 0 has nine of every ten, partition 1 the tenth.
    let sales = sales(66_000);
    produce_to(&t, &sales, |i| if i % 10 == 0 { 1 } else { 0 });
    let aligned = analyze(&t, UNTIL_END, "5m", &["--max-drift", "5m"]);
    let unaligned = analyze(&t, UNTIL_END, "5m", &["--max-drift", "off"]);

    // The same windows and alerts as the file, aligned or not.
    let want = analyze_file(&t, &sales, "5m");
    assert!(want.len() > 6_000, "{} result lines", want.len());
    assert_eq!(
        results(&aligned.stdout),
        want,
        "aligned windows differ from the file's"
    );
    assert_eq!(
        results(&unaligned.stdout),
        want,
        "unaligned windows differ from the file's"
    );

    // A window is 300 panes of 1 s, the drift 300 more. What the reading thread had already
    // taken when a pause was decided comes on top: with these fetch sizes at most a few
    // blocks of some hundred records each; on partition 1 a record is 1 s, so a pane.
    let (a, u) = (peak_panes(&aligned.stdout), peak_panes(&unaligned.stdout));
    let bound = 300 + 300 + 1_200;
    assert!(
        a <= bound,
        "aligned: {a} panes held, more than {bound} (unaligned {u})"
    );
    assert!(
        common::pauses(&aligned.stdout).is_some_and(|n| n > 0),
        "the summary says how often partitions were paused"
    );
    // The scenario is skewed: unaligned, partition 1 runs far ahead (about 100 minutes of
    // panes by the end) — otherwise this test would show nothing.
    assert!(
        u > 2 * bound,
        "unaligned: only {u} panes held (aligned {a})"
    );
}

#[test]
fn an_empty_partition_does_not_hold_a_bounded_read_back() {
    if skip_without_kafka() {
        return;
    }
    // 20 minutes of sales, all on partition 0; partitions 1 to 5 stay empty. A bounded
    // read has nothing to wait for from them: windows fire as partition 0 goes, instead
    // of every pane staying open until the end of input.
    let t = new_topic("empty-parts");
    let sales = sales(12_000);
    produce_to(&t, &sales, |_| 0);
    let out = analyze(&t, UNTIL_END, "1m", &[]);
    assert_eq!(results(&out.stdout), analyze_file(&t, &sales, "1m"));
    let held = peak_panes(&out.stdout);
    assert!(held <= 600, "{held} of the 1200 panes held at once");
}

#[test]
fn a_partition_with_nothing_left_to_read_does_not_pause_the_others() {
    if skip_without_kafka() {
        return;
    }
    // Partition 1 has sales for the first 10 minutes only, partition 0 for the whole hour.
    // A live read (no --until) reaches partition 1's end at its 10th minute: with nothing
    // left to read it cannot catch up, so partition 0 must read on past the drift, not
    // wait paused until --idle-exit ends the run with most of it unread.
    let t = new_topic("align-end");
    let sales = sales(36_000);
    produce_to(&t, &sales, |i| if i < 6_000 && i % 2 == 0 { 1 } else { 0 });
    // A generous --idle-exit: a loaded machine may pause the read for seconds; only a
    // stall behind a paused partition lasts for ever.
    let out = analyze(&t, &["--idle-exit", "10s"], "5m", &["--max-drift", "5m"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("📋 Summary: 36000 records"),
        "{}",
        stdout.lines().rev().take(3).collect::<Vec<_>>().join("\n")
    );
    // Every window, as from the file (alerts aside: the windows this run fires at its end
    // are not analysed, as at the end of any input).
    let kpis = |lines: Vec<String>| -> Vec<String> {
        lines.into_iter().filter(|l| l.starts_with("📈")).collect()
    };
    let want = kpis(analyze_file(&t, &sales, "5m"));
    assert!(want.len() > 3_000, "{} windows", want.len());
    assert_eq!(kpis(results(&out.stdout)), want);
}

#[test]
fn killed_while_partitions_are_paused_and_restarted_it_prints_what_the_file_gives() {
    if skip_without_kafka() {
        return;
    }
    // The skewed backlog of the first test, read with alignment and checkpoints, killed
    // (SIGKILL) twice mid-read — partitions are paused and resumed all along it — and
    // restarted from its checkpoint each time. A paused partition's prefetch is dropped
    // and fetched again, so what librdkafka has fetched is not what was analysed: the
    // checkpoint must hold the offsets of records analysed, and the restored watermarks
    // must pause the same partitions again.
    let t = new_topic("align-ckpt");
    let sales = sales(60_000);
    let skew = |i: usize| if i % 10 == 0 { 1 } else { 0 };
    // The first 30,000 now; the rest once the killed runs are done, so the restarted run
    // to the end has a skewed backlog of its own to align, however far the killed ones got.
    let split = nth_line(&sales, 30_000);
    produce_to(&t, &sales[..split], skew);
    let d = std::env::temp_dir().join(&t);
    std::fs::create_dir_all(&d).unwrap();
    let ds = d.to_string_lossy().into_owned();
    let run = |more: &[&str]| {
        let args = [
            "--size",
            "5m",
            "--slide",
            "1s",
            "--windows",
            "--max-drift",
            "5m",
            "--checkpoint-dir",
            &ds,
            "--checkpoint-interval",
            "200ms",
            "-X",
            "max.partition.fetch.bytes=16384",
            "-X",
            "queued.max.messages.kbytes=64",
        ];
        common::spawn_analyze(&t, &[&args[..], more].concat())
    };
    let mut printed = Vec::new();
    // Live reads (no --until): they end only when killed.
    for at in [6_000, 15_000] {
        let mut r = run(&[]);
        wait_until(&mut r, &format!("a checkpoint of {at} records"), || {
            covered(&d) >= at
        });
        printed.extend(kill(r));
    }
    produce_to(&t, &sales[split..], |i| skew(i + 30_000));
    let last = common::resumed_to_the_end(run(&["--until", "end"]));
    let text = String::from_utf8_lossy(&last.stdout);
    assert!(
        common::pauses(&last.stdout).is_some_and(|n| n > 0),
        "the restarted read pauses partitions too: {}",
        text.lines().rev().take(3).collect::<Vec<_>>().join("\n")
    );
    printed.extend(last.stdout);

    // Every window and alert the file gives, none different (lines after the last
    // checkpoint of a killed run print again on restart, so compared as sets).
    let want: BTreeSet<String> = analyze_file(&t, &sales, "5m").into_iter().collect();
    let got: BTreeSet<String> = results(&printed).into_iter().collect();
    assert!(want.len() > 3_000, "{} result lines", want.len());
    common::assert_same_set(&want, &got);
    let _ = std::fs::remove_dir_all(&d);
}
