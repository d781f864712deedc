//! The relay when the broker is not there yet, and when it restarts mid-stream. These tests
//! run a broker of their own (scripts/kafka.sh on a free port), so stopping it disturbs no
//! other test. Like tests/kafka.rs they run when `HOPSCOPE_KAFKA` says Kafka tests are on.

mod common;

use common::{connect, produce, Ws};
use futures_util::StreamExt;
use hopscope_core::protocol::{Record, ServerMessage, StartFrom};
use std::collections::BTreeMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

struct Broker {
    port: u16,
    home: String,
}

impl Broker {
    fn script(&self, verb: &str) {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/kafka.sh");
        let out = Command::new("bash")
            .args([script, verb])
            .env("KAFKA_PORT", self.port.to_string())
            .env("HOPSCOPE_KAFKA_DIR", &self.home)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "kafka.sh {verb}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.script("stop");
        let _ = std::fs::remove_dir_all(&self.home);
    }
}

/// A port whose neighbour (the controller's) is free too.
fn two_free_ports() -> u16 {
    loop {
        let p = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if p < 65_000 && std::net::TcpListener::bind(("127.0.0.1", p + 1)).is_ok() {
            return p;
        }
    }
}

/// A child's stderr, read as it comes on a thread of its own, so a test can wait for a
/// line (an event) instead of sleeping, and still read everything at the end.
struct StderrLog {
    text: std::sync::Arc<std::sync::Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
}

impl StderrLog {
    fn of(child: &mut std::process::Child) -> StderrLog {
        use std::io::BufRead;
        let stderr = child.stderr.take().expect("stderr is piped");
        let text = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let sink = text.clone();
        let reader = std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { return };
                let mut t = sink.lock().unwrap();
                t.push_str(&line);
                t.push('\n');
            }
        });
        StderrLog { text, reader }
    }

    async fn wait_for(&self, needle: &str, within: Duration) {
        let t0 = Instant::now();
        while !self.text.lock().unwrap().contains(needle) {
            assert!(
                t0.elapsed() < within,
                "never logged {needle:?}: {}",
                self.text.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Everything, once the child has exited.
    fn finish(self) -> String {
        self.reader.join().unwrap();
        std::sync::Arc::try_unwrap(self.text)
            .unwrap()
            .into_inner()
            .unwrap()
    }
}

/// Waits until the relay's `/healthz` answer contains `want` (`503` in an outage, `ok`).
async fn wait_health(web_port: u16, want: &str, within: Duration) {
    let t0 = Instant::now();
    while !common::reqwest_text(web_port, "/healthz")
        .await
        .contains(want)
    {
        assert!(t0.elapsed() < within, "/healthz never said {want:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the relay has read more than `than` records from the topic.
async fn wait_records_in(web_port: u16, than: u64, within: Duration) -> u64 {
    let t0 = Instant::now();
    loop {
        let n = common::metric(web_port, "hopscope_records_in_total")
            .await
            .unwrap_or(0);
        if n > than {
            return n;
        }
        assert!(t0.elapsed() < within, "no record arrived past {than}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn records(ws: &mut Ws, n: usize, within: Duration) -> Vec<Record> {
    let mut got = Vec::new();
    let t0 = Instant::now();
    while got.len() < n && t0.elapsed() < within {
        if let Ok(Some(Ok(Message::Text(t)))) =
            tokio::time::timeout(Duration::from_secs(5), ws.next()).await
        {
            match ServerMessage::from_json(&t).unwrap() {
                ServerMessage::Records { records } => got.extend(records),
                ServerMessage::Gap { .. } => panic!("no record may be skipped"),
                _ => {}
            }
        }
    }
    got
}

#[tokio::test(flavor = "multi_thread")]
async fn the_relay_waits_for_a_missing_broker_and_survives_its_restart_losing_nothing() {
    if common::skip_without_kafka() {
        return;
    }
    let port = two_free_ports();
    let home = format!(
        "{}/../target/faults-{}",
        env!("CARGO_MANIFEST_DIR"),
        std::process::id()
    );
    let broker = Broker { port, home };
    let web_port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();

    // 1. No broker yet: serve says so and keeps retrying.
    let mut serve = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args([
            "serve",
            "--brokers",
            &broker.addr(),
            "--topic",
            "sales",
            "--bind",
            &format!("127.0.0.1:{web_port}"),
            "--web",
            "/nonexistent",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = StderrLog::of(&mut serve);
    log.wait_for("retrying", Duration::from_secs(30)).await;
    // It listens already, and every route says why it cannot relay yet.
    let health = common::reqwest_text(web_port, "/healthz").await;
    assert!(
        health.starts_with("HTTP/1.1 503") && health.contains("cannot reach"),
        "{health}"
    );

    // 2. The broker appears (and the topic): serve connects by itself.
    broker.script("start");
    produce(&broker.addr(), "sales", &["--no-pace", "--count", "0"]);
    common::wait_ready(web_port).await;
    let mut ws = connect(web_port, StartFrom::Latest).await;
    common::wait_following(web_port, 1).await;
    produce(
        &broker.addr(),
        "sales",
        &["--no-pace", "--count", "500", "--seed", "1"],
    );
    let mut got = records(&mut ws, 500, Duration::from_secs(30)).await;
    assert_eq!(got.len(), 500);

    // 3. The broker stops and comes back on the same data: the client gets what follows,
    // exactly once, offsets contiguous.
    broker.script("stop");
    wait_health(web_port, "503", Duration::from_secs(30)).await;
    broker.script("resume");
    produce(
        &broker.addr(),
        "sales",
        &["--no-pace", "--count", "500", "--seed", "2"],
    );
    got.extend(records(&mut ws, 500, Duration::from_secs(60)).await);
    assert_eq!(got.len(), 1_000, "every record after the restart arrives");
    let mut next: BTreeMap<u32, i64> = BTreeMap::new();
    for r in &got {
        let want = next.entry(r.partition).or_insert(0);
        assert_eq!(
            r.offset, *want,
            "partition {}: contiguous, no duplicate",
            r.partition
        );
        *want += 1;
    }

    // 4. A producer running through a broker restart: whatever it reports acknowledged is
    // on the topic exactly once (idempotence), and nothing fails silently.
    let mut producer = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args([
            "produce",
            "--brokers",
            &broker.addr(),
            "--rate",
            "300",
            "--seed",
            "3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Stop the broker once the producer's sales are arriving, bring it back once the
    // relay has seen the outage, stop the producer once its sales arrive again.
    let before = common::metric(web_port, "hopscope_records_in_total")
        .await
        .unwrap_or(0);
    wait_records_in(web_port, before, Duration::from_secs(30)).await;
    broker.script("stop");
    wait_health(web_port, "503", Duration::from_secs(30)).await;
    let during = common::metric(web_port, "hopscope_records_in_total")
        .await
        .unwrap_or(0);
    broker.script("resume");
    wait_records_in(web_port, during, Duration::from_secs(60)).await;
    assert!(Command::new("kill")
        .args(["-INT", &producer.id().to_string()])
        .status()
        .unwrap()
        .success());
    let mut summary = String::new();
    producer
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut summary)
        .unwrap();
    let status = producer.wait().unwrap();
    let words: Vec<&str> = summary.split_whitespace().collect();
    let (sent, acked, failed): (i64, i64, i64) = (
        words[2].parse().unwrap(),
        words[7].parse().unwrap(),
        words[9].parse().unwrap(),
    );
    assert_eq!(
        sent,
        acked + failed,
        "every sale is accounted for: {summary}"
    );
    assert_eq!(
        status.success(),
        failed == 0,
        "failures make the exit code non-zero: {summary}"
    );
    let mut all = connect(web_port, StartFrom::Earliest).await;
    let everything = records(&mut all, 1_000 + acked as usize, Duration::from_secs(60)).await;
    let ids: Vec<String> = everything
        .iter()
        .map(|r| match &r.value {
            hopscope_core::protocol::RecordValue::Sale(s) => s.id_sale.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    let unique: std::collections::HashSet<&String> = ids.iter().collect();
    assert_eq!(
        ids.len(),
        1_000 + acked as usize,
        "acknowledged sales are on the topic"
    );
    assert_eq!(
        unique.len(),
        ids.len(),
        "no duplicate id_sale after the restart"
    );

    // 5. An outage: health checks answer from the bridge's snapshot (a flood of them costs
    // no threads), and a replay asked for meanwhile starts by itself once Kafka is back.
    broker.script("stop");
    let t0 = Instant::now();
    while !common::reqwest_text(web_port, "/healthz")
        .await
        .contains("503")
    {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "/healthz saw the outage"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let checks: Vec<_> = (0..100)
        .map(|_| tokio::spawn(common::reqwest_text(web_port, "/healthz")))
        .collect();
    let threads_during = threads_of(serve.id());
    for c in checks {
        let health = c.await.unwrap();
        assert!(
            health.starts_with("HTTP/1.1 503") && health.contains("unavailable: Kafka at"),
            "{health}"
        );
    }
    assert!(
        threads_during < 64,
        "100 health checks in an outage must not each take a thread: {threads_during}"
    );
    let mut late = connect(web_port, StartFrom::Earliest).await;
    log.wait_for(
        "waiting for Kafka to place the start",
        Duration::from_secs(30),
    )
    .await;
    broker.script("resume");
    let t0 = Instant::now();
    let first = records(&mut late, 1, Duration::from_secs(45)).await;
    assert!(!first.is_empty(), "the replay started once Kafka came back");
    eprintln!(
        "replay's first record {:.1} s after the broker's return",
        t0.elapsed().as_secs_f64()
    );

    let _ = serve.kill();
    let _ = serve.wait();
    let err = log.finish();
    assert!(
        err.contains("waiting for Kafka at"),
        "serve says what it waits for: {err}"
    );
    assert!(
        err.contains("relaying topic"),
        "and when it got there: {err}"
    );
    // Each replay that waits says so once, not once per retry. More than one client may
    // wait (the replay from step 4 can start while the restarted broker has no metadata
    // yet), so count per client.
    let mut waits: BTreeMap<&str, usize> = BTreeMap::new();
    for line in err
        .lines()
        .filter(|l| l.contains("waiting for Kafka to place the start"))
    {
        let client = line
            .split("client ")
            .nth(1)
            .and_then(|rest| rest.split(':').next())
            .unwrap_or("?");
        *waits.entry(client).or_default() += 1;
    }
    assert!(!waits.is_empty(), "the replay in the outage waited: {err}");
    assert!(
        waits.values().all(|&n| n == 1),
        "a waiting replay says so once, not once per retry: {waits:?}\n{err}"
    );
    assert!(
        err.lines().count() < 200,
        "state changes are logged once, not per poll: {} lines\n{err}",
        err.lines().count()
    );
}

/// Threads of a process, from /proc.
fn threads_of(pid: u32) -> u32 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}
