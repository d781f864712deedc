//! Helpers shared by the tests that drive the `hopscope` binary against Kafka.
#![allow(dead_code)] // each test file uses its own subset

use futures_util::{SinkExt, StreamExt};
use hopscope_core::protocol::{ClientMessage, ServerMessage, StartFrom};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio_tungstenite::tungstenite::Message;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Runs `hopscope ARGS…` and insists it succeeds.
pub fn hopscope(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "hopscope {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// Runs `hopscope produce --brokers BROKERS --topic TOPIC ARGS…` and insists it succeeds.
pub fn produce(brokers: &str, topic: &str, args: &[&str]) -> Output {
    let mut all = vec!["produce", "--brokers", brokers, "--topic", topic];
    all.extend_from_slice(args);
    hopscope(&all)
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on `port`.
pub async fn wait_for_port(port: u16, within: Duration, what: &str) {
    let t0 = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(t0.elapsed() < within, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The next server message, or `None` after 20 s of silence or a closed socket.
pub async fn next_message(ws: &mut Ws) -> Option<ServerMessage> {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .ok()??
        {
            Ok(Message::Text(t)) => {
                return Some(ServerMessage::from_json(&t).expect("valid server frame"))
            }
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

/// The first `n` records that arrive (within 60 s).
pub async fn collect(ws: &mut Ws, n: usize) -> Vec<hopscope_core::protocol::Record> {
    let mut got = Vec::new();
    let t0 = Instant::now();
    while got.len() < n && t0.elapsed() < Duration::from_secs(60) {
        match next_message(ws).await {
            Some(ServerMessage::Records { records }) => got.extend(records),
            Some(_) => {}
            None => break,
        }
    }
    got
}

/// A producer of raw records (any key, partition, bytes) to the test broker.
pub fn raw_producer() -> rdkafka::producer::BaseProducer {
    rdkafka::config::ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .create()
        .unwrap()
}

/// A fresh topic on the test broker (6 partitions), created empty by `hopscope produce`.
pub fn new_topic(name: &str) -> String {
    let t = topic(name);
    produce(&brokers(), &t, &["--no-pace", "--count", "0"]);
    t
}

/// `analyze` reading all of `t` from the test broker, from its earliest record, with
/// `more` options (how it stops among them).
pub fn analyze_from_earliest(t: &str, more: &[&str]) -> Output {
    let o = spawn_analyze(t, more).wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "analyze of {t} {more:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// `analyze` reading all of `t` live from the test broker, stopping 3 s after the last
/// record; more options follow.
pub fn analyze_topic(t: &str, more: &[&str]) -> Output {
    analyze_from_earliest(t, &[&["--idle-exit", "3s"], more].concat())
}

/// The lines of `analyze --windows` output that are results: KPI lines and alerts.
pub fn results(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|l| l.starts_with("📈") || l.starts_with("🚨") || l.starts_with("   "))
        .map(str::to_string)
        .collect()
}

/// `analyze WINDOW…` on the sales `hopscope generate GEN…` writes, from a file named
/// after topic `t`: the reference a topic's run is compared with.
pub fn analyze_generated(t: &str, gen: &[&str], window: &[&str]) -> Output {
    let file = std::env::temp_dir().join(format!("{t}.jsonl"));
    let mut g = vec!["generate"];
    g.extend_from_slice(gen);
    std::fs::write(&file, hopscope(&g).stdout).unwrap();
    let mut offline = vec!["analyze"];
    offline.extend_from_slice(window);
    offline.push(file.to_str().unwrap());
    let out = hopscope(&offline);
    let _ = std::fs::remove_file(&file);
    out
}

/// The result lines (KPI lines and alerts) of two `analyze --windows` runs are equal,
/// line for line (panics naming the first difference); the first run's lines, which must
/// be many and hold an alert, are returned.
pub fn assert_same_results(want: &Output, got: &Output, what: &str) -> Vec<String> {
    let (want, got) = (results(&want.stdout), results(&got.stdout));
    assert!(want.len() > 100, "{} result lines", want.len());
    assert!(
        want.iter().any(|l| l.starts_with("🚨")),
        "the input raises an alert"
    );
    if let Some(i) = (0..want.len().max(got.len())).find(|i| want.get(*i) != got.get(*i)) {
        panic!(
            "{what} differs from the file at result line {i}:\n file: {:?}\n {what}: {:?}\n({} vs {} lines)",
            want.get(i),
            got.get(i),
            want.len(),
            got.len()
        );
    }
    want
}

/// A file of `bytes` in the temporary directory, named after the test's topic naming.
pub fn temp_file(name: &str, bytes: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("{}-{name}", topic("file")));
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// Every record of `topic` from its start: waits (up to 60 s) for `n`, then 2 s more for
/// any beyond them, so a caller can require exactly `n`.
pub fn read_topic(brokers: &str, t: &str, n: usize) -> Vec<rdkafka::message::OwnedMessage> {
    use rdkafka::config::ClientConfig;
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("group.id", topic("reader"))
        .set("auto.offset.reset", "earliest")
        // As every reader in hopscope (and librdkafka's default): committed records only.
        .set("isolation.level", "read_committed")
        .create()
        .unwrap();
    consumer.subscribe(&[t]).unwrap();
    let mut got = Vec::new();
    let t0 = Instant::now();
    while got.len() < n && t0.elapsed() < Duration::from_secs(60) {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            got.push(m.detach());
        }
    }
    let t1 = Instant::now();
    while t1.elapsed() < Duration::from_secs(2) {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
            got.push(m.detach());
        }
    }
    got
}

/// The broker the test command started (`HOPSCOPE_KAFKA`). Call after
/// [`skip_without_kafka`].
pub fn brokers() -> String {
    std::env::var("HOPSCOPE_KAFKA").expect("checked by skip_without_kafka")
}

/// Whether this test must skip: no broker is configured. A plain `cargo test` then skips
/// the Kafka tests with a one-line notice; the README's test command (`make test`) starts a
/// broker and sets `HOPSCOPE_REQUIRE_KAFKA`, so there they can never be skipped silently.
pub fn skip_without_kafka() -> bool {
    if std::env::var_os("HOPSCOPE_KAFKA").is_some() {
        return false;
    }
    if std::env::var_os("HOPSCOPE_REQUIRE_KAFKA").is_some() {
        panic!(
            "HOPSCOPE_REQUIRE_KAFKA is set but HOPSCOPE_KAFKA is not: start a broker with \
             `scripts/kafka.sh start` and set HOPSCOPE_KAFKA=127.0.0.1:9092"
        );
    }
    eprintln!(
        "skipped: needs a Kafka broker (`scripts/kafka.sh start`, then HOPSCOPE_KAFKA=127.0.0.1:9092; `make test` does both)"
    );
    true
}

/// A topic name no other test or earlier run has used.
pub fn topic(name: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("it-{name}-{}-{nanos}", std::process::id())
}

/// A running `hopscope serve`, killed when dropped.
pub struct Serve(pub Child, pub u16);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `hopscope serve` for `topic` on a free port, with `extra` options, and waits until
/// it listens.
pub async fn serve(brokers: &str, topic: &str, extra: &[&str]) -> Serve {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args([
            "serve",
            "--brokers",
            brokers,
            "--topic",
            topic,
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--web",
            "/nonexistent",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let s = Serve(child, port);
    wait_ready(port).await;
    s
}

/// Waits until serve on `port` relays: it listens at once, answering 503 with the cause
/// until Kafka accepts it, then `/healthz` says ok.
pub async fn wait_ready(port: u16) {
    wait_for_port(port, Duration::from_secs(30), "serve did not start").await;
    let t0 = Instant::now();
    loop {
        let health = reqwest_text(port, "/healthz").await;
        if health.ends_with("ok\n") {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "serve never became ready: {health}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Opens a WebSocket to the relay on `port`, checks its hello and subscribes from `start`.
pub async fn connect(port: u16, start: StartFrom) -> Ws {
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{port}/ws"))
        .await
        .unwrap();
    let hello = next_message(&mut ws).await.unwrap();
    assert!(
        matches!(
            hello,
            ServerMessage::Hello {
                version: hopscope_core::protocol::PROTOCOL_VERSION,
                ..
            }
        ),
        "{hello:?}"
    );
    ws.send(Message::text(ClientMessage::Subscribe { start }.to_json()))
        .await
        .unwrap();
    ws
}

/// Opens a WebSocket with extra handshake headers; `Err(status)` when refused.
pub async fn handshake(port: u16, path: &str, headers: &[(&str, &str)]) -> Result<Ws, u16> {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://127.0.0.1:{port}{path}")
        .into_client_request()
        .unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(
            tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
            v.parse().unwrap(),
        );
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("unexpected handshake error: {e}"),
    }
}

/// The value of a gauge or counter on the relay's `/metrics`.
pub async fn metric(port: u16, name: &str) -> Option<u64> {
    let text = reqwest_text(port, "/metrics").await;
    let body = text.split("\r\n\r\n").nth(1)?;
    body.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

/// Waits (up to 30 s) until `n` clients follow the live tail: from then on, records
/// produced reach them. (A `latest` subscription takes effect a moment after it is sent;
/// tests used to sleep half a second for it.)
pub async fn wait_following(port: u16, n: u64) {
    let t0 = Instant::now();
    loop {
        let now = metric(port, "hopscope_clients_following").await;
        if now == Some(n) {
            return;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "{n} clients never followed the tail (/metrics says {now:?})"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `GET path` over plain HTTP/1.1 with this server's Host; the whole response as text.
pub async fn reqwest_text(port: u16, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(
        format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n")
            .as_bytes(),
    )
    .await
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}

/// Wall-clock milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// The sequence numbers of the checkpoints in `d`, oldest first.
pub fn checkpoints(d: &Path) -> Vec<u64> {
    let mut v: Vec<u64> = std::fs::read_dir(d)
        .map(|r| {
            r.filter_map(|e| e.ok())
                .filter_map(|e| {
                    let n = e.file_name().to_string_lossy().into_owned();
                    n.strip_prefix("checkpoint-")?
                        .strip_suffix(".ckpt")?
                        .parse()
                        .ok()
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Records the newest checkpoint has analysed (the sum of its next offsets).
pub fn covered(d: &Path) -> i64 {
    let Some(seq) = checkpoints(d).last().copied() else {
        return 0;
    };
    let Ok(text) = std::fs::read_to_string(d.join(format!("checkpoint-{seq}.ckpt"))) else {
        return 0;
    };
    // The second line: the header with the offsets (the first is the seal).
    let header: serde_json::Value =
        serde_json::from_str(text.lines().nth(1).unwrap_or("{}")).unwrap_or_default();
    header["offsets"]
        .as_object()
        .map_or(0, |o| o.values().filter_map(|v| v.as_i64()).sum())
}

/// Waits (up to 60 s) until `ready` holds while `run` goes on; a run that ends first, or
/// a wait that times out, fails with what the run said on stderr (why it stopped or hung).
pub fn wait_until(run: &mut Child, what: &str, mut ready: impl FnMut() -> bool) {
    let t0 = Instant::now();
    while !ready() {
        let ended = run.try_wait().unwrap();
        if ended.is_some() || t0.elapsed() >= Duration::from_secs(60) {
            let _ = run.kill();
            let status = run.wait().unwrap();
            let mut err = String::new();
            if let Some(mut e) = run.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut e, &mut err);
            }
            panic!(
                "waited {:.0?} for {what}; analyze {}: {err}",
                t0.elapsed(),
                match ended {
                    Some(_) => format!("ended first ({status})"),
                    None => "was killed".to_string(),
                }
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn kill(mut c: Child) -> Vec<u8> {
    c.kill().unwrap(); // SIGKILL
    c.wait_with_output().unwrap().stdout
}

/// How often a live read's summary says partitions were paused (`--max-drift`); `None`
/// when the read was not aligned.
pub fn pauses(stdout: &[u8]) -> Option<u64> {
    let out = String::from_utf8_lossy(stdout);
    let line = out.lines().find(|l| l.starts_with("🧮 Window state"))?;
    line.split("partitions paused ")
        .nth(1)?
        .split(' ')
        .next()?
        .parse()
        .ok()
}

/// The result lines printed by runs that were killed and restarted equal, as a set, those
/// of a run that never stopped (lines after a killed run's last checkpoint print again).
pub fn assert_same_set(
    want: &std::collections::BTreeSet<String>,
    got: &std::collections::BTreeSet<String>,
) {
    let missing: Vec<_> = want.difference(got).take(3).collect();
    let extra: Vec<_> = got.difference(want).take(3).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:?}, different {extra:?}"
    );
}

/// `analyze` of `t` on the test broker from its earliest record with `more` options,
/// running (stdout and stderr piped): for tests that kill it.
pub fn spawn_analyze(t: &str, more: &[&str]) -> Child {
    let b = brokers();
    Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args([
            "analyze",
            "--brokers",
            &b,
            "--topic",
            t,
            "--from",
            "earliest",
        ])
        .args(more)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A restarted run's end: it succeeds and says it went on from its checkpoint.
pub fn resumed_to_the_end(run: Child) -> Output {
    let last = run.wait_with_output().unwrap();
    assert!(
        last.status.success(),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );
    let text = String::from_utf8_lossy(&last.stdout);
    assert!(text.contains("♻️ resumed from checkpoint"), "{text}");
    last
}
