//! The bridge against a real Apache Kafka broker, measured: producer throughput, relay
//! throughput to one and to a hundred WebSocket clients (with the bridge's CPU and memory),
//! and produce → client latency at 1,000 records/s. Each prints one summary line of
//! `key=value` fields; `make bench` starts the broker and records the machine.
//!
//! Also the relay's limits: 100 clients replaying a 150,000-record topic that never read
//! (`stalled`), and 1,000 idle live clients (`idle`): the bridge's memory and threads.
//!
//! Reading a topic (`read`): kcat's raw read next to `analyze --until end` on a million
//! sales; produce → insight latency of `analyze` (`latency`); the producer's two profiles
//! with the broker's CPU (`produce`).
//!
//! `cargo bench -p hopscope-bridge --bench kafka [-- produce|relay_1|relay_100|latency|read|stalled|idle]`
//! with `HOPSCOPE_KAFKA` set. Sizes: `BENCH_RECORDS` (default 300,000), `BENCH_CLIENTS`
//! (100), `BENCH_FANOUT_SECS` (15, at 5,000 and at 10,000 sales/s), `BENCH_LATENCY_SECS` (20),
//! `BENCH_READ_SALES` (1,000,000).
//!
//! Everything runs on one machine: the broker, the bridge, the producer and the clients that
//! count what arrives share its cores, so the figures are a floor, not a ceiling.

#[path = "../tests/common/mod.rs"]
mod common;

use common::{brokers, connect, topic, Ws};
use futures_util::StreamExt;
use hopscope_core::protocol::StartFrom;
use hopscope_core::time::Micros;
use serde::Deserialize;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_tungstenite::tungstenite::Message;

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// What a counting client needs of a frame; serde skips the rest without allocating it, so
/// the clients cost the machine less than the bridge they measure.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    #[serde(default, borrow)]
    records: Vec<LightRecord<'a>>,
}

#[derive(Deserialize)]
struct LightRecord<'a> {
    #[serde(borrow)]
    sale: Option<LightSale<'a>>,
}

#[derive(Deserialize)]
struct LightSale<'a> {
    sale_date: &'a str,
}

/// What one client saw. Its rate runs from its first record to its last: the subscription
/// set-up before (reported apart) is not throughput.
#[derive(Default)]
struct Seen {
    records: u64,
    frames: u64,
    gaps: u64,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl Seen {
    fn rate(&self) -> f64 {
        match (self.first, self.last) {
            (Some(a), Some(b)) if b > a => self.records as f64 / (b - a).as_secs_f64(),
            _ => 0.0,
        }
    }
}

/// Reads frames until `want` records arrived or none came for `quiet`. With `each`, frames
/// are decoded and `each` gets every sale's date; without, records are only counted, by
/// their `"offset":` keys (which cannot occur unescaped inside a JSON string), so that a
/// hundred counting clients cost the machine little next to the bridge they measure.
async fn count(
    ws: &mut Ws,
    want: u64,
    quiet: Duration,
    mut each: Option<&mut (dyn FnMut(&str) + Send)>,
) -> Seen {
    let mut seen = Seen::default();
    // Status frames keep coming while records do not: only records reset the quiet clock.
    let mut deadline = tokio::time::Instant::now() + quiet;
    while seen.records < want {
        let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline, ws.next()).await else {
            break;
        };
        let Message::Text(text) = msg else { continue };
        let records = if let Some(each) = each.as_mut() {
            let frame: Frame = serde_json::from_str(&text).expect("the relay sends valid frames");
            if frame.kind == "gap" {
                seen.gaps += 1;
            }
            for r in &frame.records {
                if let Some(s) = &r.sale {
                    each(s.sale_date);
                }
            }
            frame.records.len() as u64
        } else if text.starts_with(r#"{"type":"records""#) {
            text.matches(r#""offset":"#).count() as u64
        } else {
            if text.starts_with(r#"{"type":"gap""#) {
                seen.gaps += 1;
            }
            0
        };
        if records > 0 {
            let now = Instant::now();
            seen.first.get_or_insert(now);
            seen.last = Some(now);
            seen.records += records;
            seen.frames += 1;
            deadline = tokio::time::Instant::now() + quiet;
        }
    }
    seen
}

/// CPU seconds a process has used so far, and its peak resident memory (MiB), from /proc.
struct Usage {
    cpu_secs: f64,
    peak_rss_mib: f64,
}

fn usage(pid: u32) -> Usage {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("a live process");
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let after = &stat[stat.rfind(')').expect("stat format") + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let hwm_kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    Usage {
        cpu_secs: ticks / clock_ticks(),
        peak_rss_mib: hwm_kib / 1024.0,
    }
}

fn clock_ticks() -> f64 {
    let out = Command::new("getconf").arg("CLK_TCK").output();
    out.ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// Runs `hopscope produce` with `args` on `topic`; returns its own summary line.
fn produce(topic: &str, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(["produce", "--brokers", &brokers(), "--topic", topic])
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .expect("hopscope runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "produce failed: {text}");
    text
}

/// `hopscope produce`'s summary "… N acknowledged, F failed, in S s (R sales/s)" as
/// (N, F, R); R is computed by `produce` from unrounded time.
fn produce_figures(summary: &str) -> (u64, u64, f64) {
    let number_before = |word: &str| -> f64 {
        let at = summary.find(word).expect("summary format");
        summary[..at]
            .split(|c: char| !(c.is_ascii_digit() || c == '.'))
            .rfind(|t| !t.is_empty())
            .and_then(|t| t.parse().ok())
            .expect("a number")
    };
    (
        number_before(" acknowledged") as u64,
        number_before(" failed") as u64,
        number_before(" sales/s"),
    )
}

/// The broker's process (the JVM running `kafka.Kafka` on this machine), if there is one.
fn broker_pid() -> Option<u32> {
    std::fs::read_dir("/proc").ok()?.flatten().find_map(|e| {
        let pid: u32 = e.file_name().to_str()?.parse().ok()?;
        let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
        let cmd = String::from_utf8_lossy(&cmd);
        (cmd.contains("kafka.Kafka") && cmd.contains("java")).then_some(pid)
    })
}

/// Seconds of wall time and of the broker's CPU that `f` took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, f64, f64) {
    let broker = broker_pid();
    let before = broker.map_or(0.0, |p| usage(p).cpu_secs);
    let t0 = Instant::now();
    let out = f();
    let wall = t0.elapsed().as_secs_f64();
    let after = broker.map_or(0.0, |p| usage(p).cpu_secs);
    (out, wall, after - before)
}

/// The producer with the seed's settings and with `--profile throughput`, alternately, best
/// of three each, with what each cost the broker.
fn bench_produce(t: &str, n: u64) {
    // A broker just started runs its request path interpreted until the JIT has seen it:
    // one run to a topic of its own warms it up, then the best of three runs counts.
    produce(
        &topic("bench-warm-up"),
        &["--no-pace", "--count", &n.to_string()],
    );
    let count = n.to_string();
    let mut best: Vec<(&str, Vec<(f64, f64)>)> = vec![("seed", vec![]), ("throughput", vec![])];
    for i in 0..3 {
        for (profile, runs) in best.iter_mut() {
            // The seed's first run writes the topic the relay bench replays.
            let topic = if i == 0 && *profile == "seed" {
                t.to_string()
            } else {
                topic("bench-produce-again")
            };
            let (summary, _, broker_cpu) = timed(|| {
                produce(
                    &topic,
                    &["--no-pace", "--count", &count, "--profile", profile],
                )
            });
            let (acked, failed, rate) = produce_figures(&summary);
            assert_eq!((acked, failed), (n, 0), "every sale acknowledged");
            runs.push((rate, broker_cpu));
        }
    }
    let top = |runs: &[(f64, f64)]| {
        *runs
            .iter()
            .max_by(|a, b| a.0.total_cmp(&b.0))
            .expect("three runs")
    };
    let seed_rate = top(&best[0].1).0;
    for (profile, runs) in &best {
        let (rate, broker_cpu) = top(runs);
        println!(
            "bench=produce profile={profile} sales={n} secs={:.2} rate={rate:.0}/s broker_cpu_s={broker_cpu:.2} vs_seed={:.2}x runs={}",
            n as f64 / rate,
            rate / seed_rate,
            runs.iter()
                .map(|r| format!("{:.0}", r.0))
                .collect::<Vec<_>>()
                .join(",")
        );
    }
}

/// `hopscope analyze ARGS…` (on the bench broker with `--topic`); its stdout.
fn analyze(args: &[&str]) -> String {
    let b = brokers();
    let on_topic: &[&str] = if args.contains(&"--topic") {
        &["--brokers", &b]
    } else {
        &[]
    };
    let out = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .arg("analyze")
        .args(on_topic)
        .args(args)
        .stderr(Stdio::inherit())
        .output()
        .expect("hopscope runs");
    assert!(out.status.success(), "analyze failed");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Reading a topic of `n` generated sales (6 partitions, written with the seed's producer
/// settings): kcat's raw read (`kcat -C -e -o beginning -q`, no decoding, no windows) next
/// to `analyze --from earliest --until end` at 15 min / 5 min and 15 min / 1 s, best of
/// three each, alternately. The windows are first checked equal to the same sales from a
/// file.
fn bench_read(n: u64) {
    let t = topic("bench-read");
    let count = n.to_string();
    // 100 sales/s of simulated time: a million sales span 2.8 hours, 33 windows of 15 min.
    let gen = [
        "--count",
        &count,
        "--rate",
        "100",
        "--seed",
        "5",
        "--start",
        "2026-01-01T00:00:00Z",
    ];
    let mut args = vec!["--no-pace"];
    args.extend_from_slice(&gen);
    produce(&t, &args);
    let file = std::env::temp_dir().join(format!("{t}.jsonl"));
    let generated = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .arg("generate")
        .args(gen)
        .output()
        .expect("hopscope runs");
    std::fs::write(&file, generated.stdout).unwrap();
    let kpis = |text: &str| -> Vec<String> {
        text.lines()
            .filter(|l| l.starts_with("📈"))
            .map(str::to_string)
            .collect()
    };
    let hop = ["--size", "15m", "--slide", "5m", "--windows"];
    let from_file = kpis(&analyze(&[&hop[..], &[file.to_str().unwrap()]].concat()));
    let from_topic = kpis(&analyze(
        &[
            &hop[..],
            &["--topic", &t, "--from", "earliest", "--until", "end"],
        ]
        .concat(),
    ));
    let _ = std::fs::remove_file(&file);
    assert!(!from_file.is_empty(), "windows from the file");
    assert_eq!(
        from_topic, from_file,
        "the topic's windows equal the file's"
    );
    let kcat = Command::new("kcat").arg("-V").output().is_ok();
    let b = brokers();
    // `1s-aligned`: the same with watermark alignment (`--max-drift 15m`), what pausing the
    // partitions that run ahead costs or saves.
    let mut times: Vec<(&str, Vec<f64>)> = vec![
        ("kcat", vec![]),
        ("5m", vec![]),
        ("1s", vec![]),
        ("1s-aligned", vec![]),
    ];
    for _ in 0..3 {
        for (what, runs) in times.iter_mut() {
            let (_, wall, _) = timed(|| match *what {
                "kcat" if kcat => kcat_read(&b, &t),
                "kcat" => {}
                "1s-aligned" => {
                    analyze(&[
                        "--topic",
                        &t,
                        "--from",
                        "earliest",
                        "--until",
                        "end",
                        "--size",
                        "15m",
                        "--slide",
                        "1s",
                        "--max-drift",
                        "15m",
                    ]);
                }
                slide => {
                    analyze(&[
                        "--topic", &t, "--from", "earliest", "--until", "end", "--size", "15m",
                        "--slide", slide,
                    ]);
                }
            });
            runs.push(wall);
        }
    }
    let best = |runs: &[f64]| runs.iter().copied().fold(f64::INFINITY, f64::min);
    let kcat_s = best(&times[0].1);
    let (a5, a1, aligned) = (best(&times[1].1), best(&times[2].1), best(&times[3].1));
    let rate = |s: f64| format!("{:.0}k", n as f64 / s / 1e3);
    if kcat {
        println!(
            "bench=read sales={n} partitions=6 windows_equal_file=yes kcat_s={kcat_s:.2} kcat_rate={} analyze_15m5m_s={a5:.2} rate={} vs_kcat={:.2}x analyze_15m1s_s={a1:.2} rate={} vs_kcat={:.2}x aligned_15m1s_s={aligned:.2} vs_kcat={:.2}x target=2x",
            rate(kcat_s),
            rate(a5),
            kcat_s / a5,
            rate(a1),
            kcat_s / a1,
            kcat_s / aligned
        );
    } else {
        println!(
            "bench=read sales={n} partitions=6 windows_equal_file=yes kcat=missing analyze_15m5m_s={a5:.2} rate={} analyze_15m1s_s={a1:.2} rate={} aligned_15m1s_s={aligned:.2}",
            rate(a5),
            rate(a1)
        );
    }
    bench_read_fixed(kcat);
}

/// kcat's raw read of `topic` from its beginning to its end, the output thrown away.
fn kcat_read(brokers: &str, topic: &str) {
    let out = Command::new("kcat")
        .args([
            "-b",
            brokers,
            "-C",
            "-t",
            topic,
            "-e",
            "-o",
            "beginning",
            "-q",
        ])
        .stdout(Stdio::null())
        .status()
        .expect("kcat runs");
    assert!(out.success());
}

/// What a read costs whatever the topic's size (start, connection, offsets, the end):
/// both tools on a topic of ten sales, best of three each.
fn bench_read_fixed(kcat: bool) {
    let t = topic("bench-read-fixed");
    produce(&t, &["--no-pace", "--count", "10", "--seed", "5"]);
    let b = brokers();
    let best = |f: &dyn Fn()| (0..3).map(|_| timed(f).1).fold(f64::INFINITY, f64::min);
    let analyze_s = best(&|| {
        analyze(&["--topic", &t, "--from", "earliest", "--until", "end"]);
    });
    let kcat_s = if kcat {
        let s = best(&|| kcat_read(&b, &t));
        format!("{s:.3}")
    } else {
        "missing".into()
    };
    println!("bench=read_fixed sales=10 partitions=6 kcat_s={kcat_s} analyze_s={analyze_s:.3}");
}

/// Produce → insight in processing time at 1,000 sales/s: `analyze --time processing
/// --windows` with 1 s windows every 100 ms prints each window's line when the clock
/// passes its end; the delay from the end to the line is what hopscope adds. The same in
/// event time with no watermark delay: a window fires when a sale past its end has
/// arrived on every partition, so the delay includes the sales' own spacing.
fn bench_latency_analyze(secs: u64) {
    use std::io::BufRead;
    for mode in ["processing", "event"] {
        let t = topic("bench-latency-analyze");
        produce(&t, &["--no-pace", "--count", "0"]);
        let mut args = vec![
            "analyze".to_string(),
            "--brokers".into(),
            brokers(),
            "--topic".into(),
            t.clone(),
            "--windows".into(),
            "--size".into(),
            "1s".into(),
            "--slide".into(),
            "100ms".into(),
            "--time".into(),
            mode.into(),
            "--idle-exit".into(),
            "10s".into(),
        ];
        if mode == "event" {
            args.extend(["--watermark-delay".into(), "0s".into()]);
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_hopscope"))
            .args(&args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("hopscope runs");
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        // Reading starts once the heading is out.
        for l in lines.by_ref() {
            if l.unwrap().starts_with("📡") {
                break;
            }
        }
        let producer = {
            let t = t.clone();
            std::thread::spawn(move || {
                produce(&t, &["--rate", "1000", "--duration", &format!("{secs}s")])
            })
        };
        let mut late_ms: Vec<f64> = Vec::new();
        for l in lines {
            let l = l.unwrap();
            let now = wall_micros();
            let Some(end) = l
                .strip_prefix("📈 ")
                .and_then(|r| r.split(" → ").nth(1))
                .and_then(|r| r.split(' ').next())
            else {
                continue;
            };
            // The last windows close when the input ends, not on time: left out.
            if l.contains("input ended") {
                continue;
            }
            let end = Micros::parse_iso(end).expect("a window end").0;
            late_ms.push((now - end) as f64 / 1000.0);
        }
        producer.join().unwrap();
        let _ = child.wait();
        // The first second: the producer starting, windows not yet full.
        let skip = late_ms.len().min(10);
        let mut l = late_ms.split_off(skip);
        assert!(l.len() > 10, "{} windows", l.len());
        l.sort_by(f64::total_cmp);
        let pct = |p: f64| l[((l.len() - 1) as f64 * p).round() as usize];
        println!(
            "bench=latency_analyze time={mode} rate=1000/s windows={} p50_ms={:.2} p99_ms={:.2} max_ms={:.2} target_p99_ms=20",
            l.len(),
            pct(0.50),
            pct(0.99),
            l[l.len() - 1]
        );
    }
}

async fn bench_relay_1(t: &str, n: u64) {
    let s = common::serve(&brokers(), t, &[]).await;
    let pid = s.0.id();
    let (before, clients_before) = (usage(pid), usage(std::process::id()));
    let t0 = Instant::now();
    let mut ws = connect(s.1, StartFrom::Earliest).await;
    let seen = count(&mut ws, n, Duration::from_secs(20), None).await;
    let wall = t0.elapsed().as_secs_f64();
    let (after, clients_after) = (usage(pid), usage(std::process::id()));
    assert_eq!(seen.records, n, "every record reaches the client");
    println!(
        "bench=relay_1 mode=replay_from_earliest records={} records_per_frame={:.0} first_record_ms={:.0} secs={wall:.2} rate={:.0}/s bridge_cpu={:.0}% bridge_peak_rss_mib={:.0} client_cpu={:.0}% target=200000/s",
        seen.records,
        seen.records as f64 / seen.frames.max(1) as f64,
        seen.first.map_or(0.0, |f| (f - t0).as_secs_f64() * 1e3),
        seen.rate(),
        100.0 * (after.cpu_secs - before.cpu_secs) / wall,
        after.peak_rss_mib,
        100.0 * (clients_after.cpu_secs - clients_before.cpu_secs) / wall,
    );
}

/// A class of `clients` browsers following the topic live while sales arrive at `rate`
/// per second for `secs`: does every client get every record, with no gap, and how fast?
/// (Each client is owed every record, so the rate per client is the topic's rate.)
async fn bench_relay_many(clients: u64, rate: u64, secs: u64) {
    let t = topic("bench-fanout");
    produce(&t, &["--no-pace", "--count", "0"]);
    let s = common::serve(&brokers(), &t, &[]).await;
    let pid = s.0.id();
    let mut sockets = Vec::new();
    for _ in 0..clients {
        sockets.push(connect(s.1, StartFrom::Latest).await);
    }
    // Every client is following before the first record is written.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let tasks: Vec<_> = sockets
        .into_iter()
        .map(|mut ws| {
            tokio::spawn(
                async move { count(&mut ws, u64::MAX, Duration::from_secs(5), None).await },
            )
        })
        .collect();
    let (before, clients_before) = (usage(pid), usage(std::process::id()));
    let t0 = Instant::now();
    let summary = {
        let t = t.clone();
        tokio::task::spawn_blocking(move || {
            produce(
                &t,
                &[
                    "--rate",
                    &rate.to_string(),
                    "--duration",
                    &format!("{secs}s"),
                ],
            )
        })
        .await
        .unwrap()
    };
    let wall = t0.elapsed().as_secs_f64();
    let (after, clients_after) = (usage(pid), usage(std::process::id()));
    let mut seen = Vec::new();
    for task in tasks {
        seen.push(task.await.unwrap());
    }
    let (acked, _, _) = produce_figures(&summary);
    let mut rates: Vec<f64> = seen.iter().map(Seen::rate).collect();
    rates.sort_by(f64::total_cmp);
    let complete = seen.iter().filter(|c| c.records == acked).count();
    println!(
        "bench=relay_{clients} mode=live clients={clients} rate_each={rate}/s records={acked} complete_clients={complete} gaps={} min_rate_each={:.0}/s median_rate_each={:.0}/s bridge_cpu={:.0}% bridge_peak_rss_mib={:.0} clients_cpu={:.0}% target_each=5000/s",
        seen.iter().map(|c| c.gaps).sum::<u64>(),
        rates[0],
        rates[rates.len() / 2],
        100.0 * (after.cpu_secs - before.cpu_secs) / wall,
        after.peak_rss_mib,
        100.0 * (clients_after.cpu_secs - clients_before.cpu_secs) / wall,
    );
}

fn wall_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// Paced `produce` stamps each sale with the wall-clock time it is due and sends it then, so
/// arrival time − sale_date is produce → client latency (plus the producer's pacing slack
/// of under a millisecond).
async fn bench_latency(secs: u64) {
    let t = topic("bench-latency");
    produce(&t, &["--no-pace", "--count", "0"]);
    let s = common::serve(&brokers(), &t, &[]).await;
    let mut ws = connect(s.1, StartFrom::Latest).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let producer = {
        let t = t.clone();
        tokio::task::spawn_blocking(move || {
            produce(&t, &["--rate", "1000", "--duration", &format!("{secs}s")])
        })
    };
    let mut latencies_ms: Vec<f64> = Vec::new();
    let mut latency = |date: &str| {
        let sent = Micros::parse_iso(date).expect("sales carry their date").0;
        latencies_ms.push((wall_micros() - sent) as f64 / 1000.0);
    };
    count(
        &mut ws,
        u64::MAX,
        Duration::from_secs(5),
        Some(&mut latency),
    )
    .await;
    producer.await.unwrap();
    // The first second includes connection set-up on both sides.
    let warm = latencies_ms.len().min(1_000);
    let mut l = latencies_ms.split_off(warm);
    assert!(!l.is_empty(), "no record arrived");
    l.sort_by(f64::total_cmp);
    let pct = |p: f64| l[((l.len() - 1) as f64 * p).round() as usize];
    println!(
        "bench=latency rate=1000/s records={} p50_ms={:.2} p99_ms={:.2} max_ms={:.2} target_p99_ms=20",
        l.len(),
        pct(0.50),
        pct(0.99),
        l[l.len() - 1]
    );
}

/// Resident memory (MiB) and threads of a process now, from /proc.
fn rss_and_threads(pid: u32) -> (f64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| -> f64 {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    };
    (field("VmRSS:") / 1024.0, field("Threads:") as u64)
}

/// A metric's value from the relay's /metrics.
async fn metric(port: u16, name: &str) -> String {
    common::reqwest_text(port, "/metrics")
        .await
        .lines()
        .find(|l| l.starts_with(name) && l[name.len()..].starts_with(' '))
        .and_then(|l| l.rsplit(' ').next())
        .unwrap_or("?")
        .to_string()
}

/// Careless clients: `clients` WebSocket clients subscribe from the earliest record of a
/// topic of `records` records and never read a frame. Without limits this held 55 MB and
/// four librdkafka threads per client, forever (5.5 GiB, 412 threads for 100). Samples the
/// bridge's memory and threads for `secs`.
async fn bench_stalled(clients: u64, records: u64, secs: u64) {
    let t = topic("bench-stalled");
    produce(&t, &["--no-pace", "--count", &records.to_string()]);
    let s = common::serve(&brokers(), &t, &[]).await;
    let pid = s.0.id();
    let mut sockets = Vec::new();
    for _ in 0..clients {
        sockets.push(connect(s.1, StartFrom::Earliest).await);
    }
    let (mut peak_rss, mut peak_threads) = (0.0f64, 0u64);
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(secs) {
        let (rss, threads) = rss_and_threads(pid);
        peak_rss = peak_rss.max(rss);
        peak_threads = peak_threads.max(threads);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (end_rss, end_threads) = rss_and_threads(pid);
    println!(
        "bench=stalled clients={clients} records={records} secs={secs} bridge_peak_rss_mib={peak_rss:.0} bridge_peak_threads={peak_threads} end_rss_mib={end_rss:.0} end_threads={end_threads} replays_refused={} slow_clients_closed={} target_rss_mib=256 target_threads=64",
        metric(s.1, "hopscope_replays_refused_total").await,
        metric(s.1, "hopscope_slow_clients_closed_total").await,
    );
    drop(sockets);
}

/// Many clients following the live topic, idle: what each costs the bridge at rest.
async fn bench_idle(clients: u64, secs: u64) {
    let t = topic("bench-idle");
    produce(&t, &["--no-pace", "--count", "0"]);
    let s = common::serve(&brokers(), &t, &[]).await;
    let pid = s.0.id();
    let (base_rss, _) = rss_and_threads(pid);
    let mut sockets = Vec::new();
    for _ in 0..clients {
        sockets.push(connect(s.1, StartFrom::Latest).await);
    }
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let (rss, threads) = rss_and_threads(pid);
    println!(
        "bench=idle clients={clients} bridge_rss_mib={rss:.0} before_clients_mib={base_rss:.0} per_client_kib={:.0} bridge_threads={threads} connected={} target_rss_mib=256",
        (rss - base_rss) * 1024.0 / clients as f64,
        metric(s.1, "hopscope_clients").await,
    );
    drop(sockets);
}

fn main() {
    if common::skip_without_kafka() {
        return;
    }
    let only: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let run = |name: &str| only.is_empty() || only.iter().any(|o| o == name);
    let n = env_or("BENCH_RECORDS", 300_000);
    let rt = tokio::runtime::Runtime::new().unwrap();
    // The relay bench replays what the producer bench wrote.
    let t = topic("bench-produce");
    if run("produce") || run("relay_1") {
        bench_produce(&t, n);
    }
    if run("relay_1") {
        rt.block_on(bench_relay_1(&t, n));
    }
    if run("relay_100") {
        let clients = env_or("BENCH_CLIENTS", 100);
        let secs = env_or("BENCH_FANOUT_SECS", 15);
        for rate in [5_000, 10_000] {
            rt.block_on(bench_relay_many(clients, rate, secs));
        }
    }
    if run("latency") {
        rt.block_on(bench_latency(env_or("BENCH_LATENCY_SECS", 20)));
        bench_latency_analyze(env_or("BENCH_LATENCY_SECS", 20));
    }
    if run("read") {
        bench_read(env_or("BENCH_READ_SALES", 1_000_000));
    }
    if run("stalled") {
        rt.block_on(bench_stalled(
            100,
            150_000,
            env_or("BENCH_STALLED_SECS", 30),
        ));
    }
    if run("idle") {
        rt.block_on(bench_idle(env_or("BENCH_IDLE_CLIENTS", 1_000), 5));
    }
}
