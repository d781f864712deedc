//! `analyze --checkpoint-dir` against the real broker: killed with SIGKILL at several
//! moments — one of them between writing a checkpoint and putting it in place — and
//! restarted each time, it prints exactly the windows and alerts of a run that never
//! stopped (lines after the last checkpoint may print twice, never differently); a
//! checkpoint that does not match is refused with the mismatch named; a full disk while
//! checkpointing keeps the previous checkpoint whole.
mod common;

use common::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Event time, one watermark per partition; a partition no seller lands in goes idle after
/// 2 s (otherwise it holds every window until the end of input). Each partition is in
/// order, so no sale is ever late and idleness moves only when windows fire, never what
/// they hold: the runs are comparable.
const SHAPE: [&str; 12] = [
    "--windows",
    "--size",
    "4s",
    "--slide",
    "1s",
    "--time",
    "event",
    "--watermark-delay",
    "1s",
    "--suppressed",
    "--idle-timeout",
    "2s",
];

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(topic(name));
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A live shop producing to `t`: 3,600 sales over about 12 s, four times as many for 4 s
/// in the middle (a spike, so alerts and the cooldown are in the state).
fn live_shop(t: &str, seed: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args([
            "produce",
            "--brokers",
            &brokers(),
            "--topic",
            t,
            "--rate",
            "150",
            "--count",
            "3600",
            "--seed",
            seed,
            "--scenario",
            "spike@6s,factor=4,for=4s",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn analyze(t: &str, d: &Path, idle_exit: bool, pause_ms: Option<u64>) -> Child {
    analyze_with(
        t,
        d,
        idle_exit,
        pause_ms.map(|ms| ("HOPSCOPE_TEST_CHECKPOINT_PAUSE_MS", ms)),
        &[],
    )
}

fn analyze_with(
    t: &str,
    d: &Path,
    idle_exit: bool,
    pause: Option<(&str, u64)>,
    more: &[&str],
) -> Child {
    let b = brokers();
    let mut args: Vec<String> = vec![
        "analyze".into(),
        "--brokers".into(),
        b,
        "--topic".into(),
        t.into(),
        "--from".into(),
        "earliest".into(),
        "--checkpoint-dir".into(),
        d.to_string_lossy().into_owned(),
        "--checkpoint-interval".into(),
        "300ms".into(),
    ];
    args.extend(SHAPE.iter().map(|s| s.to_string()));
    if idle_exit {
        args.extend(["--idle-exit".into(), "4s".into()]);
    }
    args.extend(more.iter().map(|s| s.to_string()));
    let mut c = Command::new(env!("CARGO_BIN_EXE_hopscope"));
    c.args(&args).stdout(Stdio::piped()).stderr(Stdio::piped());
    if let Some((var, ms)) = pause {
        c.env(var, ms.to_string());
    }
    c.spawn().unwrap()
}

#[test]
fn killed_and_restarted_it_prints_what_a_run_that_never_stopped_prints() {
    if skip_without_kafka() {
        return;
    }
    let t = new_topic("ckpt");
    let d = dir("ckpt");
    let mut producer = live_shop(&t, "11");
    let mut printed = Vec::new();
    // 1: killed once a checkpoint covers 700 sales.
    let mut run = analyze(&t, &d, false, None);
    wait_until(&mut run, "a checkpoint of 700 sales", || covered(&d) >= 700);
    printed.extend(kill(run));
    // 2: restarted, killed once a checkpoint covers 1,600.
    let mut run = analyze(&t, &d, false, None);
    wait_until(&mut run, "a checkpoint of 1,600 sales", || {
        covered(&d) >= 1_600
    });
    printed.extend(kill(run));
    // 3: killed while a checkpoint is written but not yet in place.
    let mut run = analyze(&t, &d, false, Some(3_000));
    wait_until(&mut run, "a checkpoint being written", || {
        d.join("checkpoint.tmp").exists()
    });
    let newest = *checkpoints(&d).last().unwrap();
    printed.extend(kill(run));
    assert_eq!(
        *checkpoints(&d).last().unwrap(),
        newest,
        "the one in place stays"
    );
    // 4: to the end.
    assert!(producer.wait().unwrap().success());
    let last = resumed_to_the_end(analyze(&t, &d, true, None));
    let last_windows = results(&last.stdout)
        .iter()
        .filter(|l| l.starts_with("📈"))
        .count();
    printed.extend(last.stdout);

    // The run that never stopped, on the same topic.
    let whole = analyze_topic(&t, &SHAPE);
    let want: BTreeSet<String> = results(&whole.stdout).into_iter().collect();
    let got: BTreeSet<String> = results(&printed).into_iter().collect();
    let windows = want.iter().filter(|l| l.starts_with("📈")).count();
    assert!(windows > 5);
    assert!(
        want.iter().any(|l| l.starts_with("🚨")),
        "the spike raises alerts: {}",
        String::from_utf8_lossy(&whole.stdout)
            .lines()
            .filter(|l| l.starts_with("📈"))
            .map(|l| l.split(" | ").take(2).collect::<Vec<_>>().join(" | "))
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The last run went on from its checkpoint: it did not analyse the topic again.
    assert!(
        last_windows < windows,
        "the last run printed {last_windows} of {windows} windows"
    );
    assert_same_set(&want, &got);
    let _ = std::fs::remove_dir_all(&d);
}

/// `analyze` with a checkpoint directory and `more` options; its output.
fn analyze_once(t: &str, d: &Path, more: &[&str]) -> std::process::Output {
    let ds = d.to_string_lossy().into_owned();
    let head = ["--idle-exit", "2s", "--checkpoint-dir", &ds];
    spawn_analyze(t, &[&head[..], more].concat())
        .wait_with_output()
        .unwrap()
}

#[test]
fn a_checkpoint_that_does_not_match_is_refused_with_the_mismatch_named() {
    if skip_without_kafka() {
        return;
    }
    let t = new_topic("ckpt-bad");
    produce(
        &brokers(),
        &t,
        &["--no-pace", "--count", "300", "--seed", "3"],
    );
    let d = dir("ckpt-bad");
    let ok = analyze_once(&t, &d, &SHAPE);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(!checkpoints(&d).is_empty());
    let refused = |t: &str, more: &[&str], why: &str| {
        let o = analyze_once(t, &d, more);
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert_eq!(o.status.code(), Some(2), "{why}: {err}");
        assert!(err.contains(why), "{why}: {err}");
        assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
        assert!(err.contains("--checkpoint-reset"), "{err}");
    };
    let other = new_topic("ckpt-other");
    refused(&other, &SHAPE, "a checkpoint of topic");
    let mut slide = SHAPE.to_vec();
    slide[4] = "2s";
    refused(
        &t,
        &slide,
        "taken with --slide 1s, but this run has --slide 2s",
    );
    let mut delay = SHAPE.to_vec();
    delay[8] = "3s";
    refused(&t, &delay, "--watermark-delay");
    // Truncated: the newest file cut short.
    let newest = d.join(format!(
        "checkpoint-{}.ckpt",
        checkpoints(&d).last().unwrap()
    ));
    let bytes = std::fs::read(&newest).unwrap();
    std::fs::write(&newest, &bytes[..bytes.len() / 2]).unwrap();
    refused(&t, &SHAPE, "truncated");
    // --checkpoint-reset starts over on purpose.
    let mut reset = SHAPE.to_vec();
    reset.push("--checkpoint-reset");
    let o = analyze_once(&t, &d, &reset);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("from the earliest record"));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn a_full_disk_while_checkpointing_keeps_the_previous_checkpoint_whole() {
    if skip_without_kafka() {
        return;
    }
    let t = new_topic("ckpt-full");
    produce(
        &brokers(),
        &t,
        &["--no-pace", "--count", "300", "--seed", "4"],
    );
    let d = dir("ckpt-full");
    let first = analyze_once(&t, &d, &SHAPE);
    assert!(first.status.success());
    let kept = d.join(format!(
        "checkpoint-{}.ckpt",
        checkpoints(&d).last().unwrap()
    ));
    let bytes = std::fs::read(&kept).unwrap();
    // More sales, then a run whose files may not grow past 1 KiB (a full disk, as the
    // process sees it: writes fail with EFBIG; the signal that would kill it is ignored).
    produce(
        &brokers(),
        &t,
        &["--no-pace", "--count", "300", "--seed", "5"],
    );
    let b = brokers();
    let mut args = vec![
        "analyze".to_string(),
        "--brokers".into(),
        b,
        "--topic".into(),
        t.clone(),
        "--idle-exit".into(),
        "2s".into(),
        "--checkpoint-dir".into(),
        d.to_string_lossy().into_owned(),
    ];
    args.extend(SHAPE.iter().map(|s| s.to_string()));
    let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
    let o = Command::new("bash")
        .arg("-c")
        .arg(format!(
            "trap '' XFSZ; ulimit -f 1; exec '{}' {}",
            env!("CARGO_BIN_EXE_hopscope"),
            quoted.join(" ")
        ))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "analysis goes on: {err}");
    assert!(
        err.contains("failed") && err.contains("(the previous checkpoint is kept)"),
        "{err}"
    );
    assert_eq!(err.matches("checkpoint to").count(), 1, "said once: {err}");
    assert!(String::from_utf8_lossy(&o.stdout).contains("♻️ resumed from checkpoint"));
    assert_eq!(
        std::fs::read(&kept).unwrap(),
        bytes,
        "the previous checkpoint is whole"
    );
    assert!(
        !d.join("checkpoint.tmp").exists(),
        "no half-written file left"
    );
    let _ = std::fs::remove_dir_all(&d);
}

/// The values of every committed record of `topic` (read_committed), in order.
fn committed_values(t: &str) -> Vec<String> {
    use rdkafka::message::Message;
    read_topic(&brokers(), t, 1)
        .iter()
        .map(|m| String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_and_restarted_its_results_topics_hold_every_window_and_alert_exactly_once() {
    if skip_without_kafka() {
        return;
    }
    let t = new_topic("eo");
    let (windows, alerts) = (format!("{t}-windows"), format!("{t}-alerts"));
    let out = [
        "--windows-out",
        windows.as_str(),
        "--alerts-out",
        alerts.as_str(),
    ];
    let d = dir("eo");
    let mut producer = live_shop(&t, "12");
    // 1 and 2: killed after checkpoints (and their commits) of 700 and 1,600 sales.
    let mut run = analyze_with(&t, &d, false, None, &out);
    wait_until(&mut run, "a checkpoint of 700 sales", || covered(&d) >= 700);
    kill(run);
    let mut run = analyze_with(&t, &d, false, None, &out);
    wait_until(&mut run, "a checkpoint of 1,600 sales", || {
        covered(&d) >= 1_600
    });
    kill(run);
    // 3: killed between a transaction's results and its commit — its checkpoint is
    // already written: the restart must not resume from it.
    let before = *checkpoints(&d).last().unwrap();
    let mut run = analyze_with(
        &t,
        &d,
        false,
        Some(("HOPSCOPE_TEST_TXN_PAUSE_MS", 60_000)),
        &out,
    );
    wait_until(
        &mut run,
        "a checkpoint written for a transaction not yet committed",
        || checkpoints(&d).last().is_some_and(|s| *s > before),
    );
    kill(run);
    // 4: killed while a checkpoint is being written.
    let mut run = analyze_with(
        &t,
        &d,
        false,
        Some(("HOPSCOPE_TEST_CHECKPOINT_PAUSE_MS", 60_000)),
        &out,
    );
    wait_until(&mut run, "a checkpoint being written", || {
        d.join("checkpoint.tmp").exists()
    });
    kill(run);
    // 5: to the end.
    assert!(producer.wait().unwrap().success());
    let last = analyze_with(&t, &d, true, None, &out)
        .wait_with_output()
        .unwrap();
    assert!(
        last.status.success(),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );
    assert!(String::from_utf8_lossy(&last.stdout).contains("♻️ resumed from checkpoint"));

    // The run that never stopped, into topics of its own.
    let (w0, a0) = (format!("{t}-windows-0"), format!("{t}-alerts-0"));
    let d0 = dir("eo-ref");
    let whole = analyze_with(
        &t,
        &d0,
        true,
        None,
        &["--windows-out", &w0, "--alerts-out", &a0],
    )
    .wait_with_output()
    .unwrap();
    assert!(
        whole.status.success(),
        "{}",
        String::from_utf8_lossy(&whole.stderr)
    );
    let (want_w, got_w) = (committed_values(&w0), committed_values(&windows));
    let (want_a, got_a) = (committed_values(&a0), committed_values(&alerts));
    assert!(want_w.len() > 5, "{} windows", want_w.len());
    assert!(!want_a.is_empty(), "the spike raises alerts");
    assert_eq!(
        got_w.len(),
        want_w.len(),
        "windows: nothing missing, nothing twice"
    );
    assert_eq!(got_w, want_w, "windows row for row");
    assert_eq!(got_a, want_a, "alerts row for row");
    // They are rows `analyze --windows-topic` (and `serve --windows-topic`) read, as
    // they read the Flink job's.
    let b = brokers();
    let read = hopscope(&[
        "analyze",
        "--brokers",
        &b,
        "--windows-topic",
        &windows,
        "--from",
        "earliest",
        "--size",
        "4s",
        "--slide",
        "1s",
        "--idle-exit",
        "3s",
    ]);
    let text = String::from_utf8_lossy(&read.stdout);
    assert!(
        text.contains(&format!(
            "📋 Summary: {} window rows (0 not valid windows, 0 repeated or out of order",
            want_w.len()
        )),
        "{text}"
    );
    assert!(got_a[0].contains("\"decision\":"), "{}", got_a[0]);
    // serve relays them to pages as it relays the Flink job's rows: all of them, none bad.
    let s = serve(&brokers(), &t, &["--windows-topic", &windows]).await;
    let t1 = Instant::now();
    while metric(s.1, "hopscope_window_rows_total").await.unwrap_or(0) < want_w.len() as u64 {
        assert!(
            t1.elapsed() < Duration::from_secs(60),
            "serve read the rows"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        metric(s.1, "hopscope_window_rows_total").await,
        Some(want_w.len() as u64)
    );
    assert_eq!(
        metric(s.1, "hopscope_window_rows_invalid_total")
            .await
            .unwrap_or(0),
        0
    );
    let _ = std::fs::remove_dir_all(&d);
    let _ = std::fs::remove_dir_all(&d0);
}
