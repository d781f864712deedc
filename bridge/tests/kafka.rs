//! The bridge against a real Apache Kafka broker (started by `scripts/kafka.sh start`, which
//! the test command runs; its address comes in `HOPSCOPE_KAFKA`). Every test uses its own
//! topic, so they can run together and again.

mod common;

use common::{
    brokers, collect, connect, handshake, hopscope, next_message, produce, reqwest_text, topic,
    Serve, Ws,
};
use futures_util::{SinkExt, StreamExt};
use hopscope_core::partition::partition_for_key;
use hopscope_core::protocol::{
    ClientMessage, PartitionOffset, Record, RecordValue, ServerMessage, StartFrom,
};
use hopscope_core::rng::Rng;
use hopscope_core::{Sale, Timestamp, WindowResult};
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use std::collections::{BTreeMap, HashSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

async fn serve(topic: &str) -> Serve {
    serve_with(topic, &[]).await
}

async fn serve_with(topic: &str, extra: &[&str]) -> Serve {
    common::serve(&brokers(), topic, extra).await
}

/// Collects records until `n` have arrived (or 60 s pass).
/// Every record that arrives until none has for `quiet` (status frames do not count).
async fn drain(ws: &mut Ws, quiet: Duration) -> Vec<Record> {
    let mut got = Vec::new();
    let mut last = Instant::now();
    while last.elapsed() < quiet {
        if let Ok(Some(Ok(Message::Text(t)))) = tokio::time::timeout(quiet, ws.next()).await {
            if let ServerMessage::Records { records } = ServerMessage::from_json(&t).unwrap() {
                got.extend(records);
                last = Instant::now();
            }
        }
    }
    got
}

fn raw_producer() -> BaseProducer {
    ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .create()
        .unwrap()
}

fn create_topic(t: &str) {
    // Producing nothing but creating the topic the way `produce` does.
    produce(&brokers(), t, &["--no-pace", "--count", "0"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn ten_thousand_sales_reach_a_client_exactly_once_in_order_on_the_predicted_partition() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("exact");
    let start = "2024-01-21T10:00:00Z";
    let out = produce(
        &brokers(),
        &t,
        &[
            "--no-pace",
            "--count",
            "10000",
            "--seed",
            "77",
            "--rate",
            "50",
            "--start",
            start,
        ],
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("10000 acknowledged, 0 failed"));
    let s = serve(&t).await;
    let mut ws = connect(s.1, StartFrom::Earliest).await;
    let got = collect(&mut ws, 10_000).await;
    assert_eq!(got.len(), 10_000, "every record arrives");
    let mut next: BTreeMap<u32, i64> = BTreeMap::new();
    let mut ids = HashSet::new();
    let mut sales = Vec::new();
    for r in &got {
        // Offsets per partition: contiguous from 0, in order.
        let want = next.entry(r.partition).or_insert(0);
        assert_eq!(
            r.offset, *want,
            "partition {} offsets in order",
            r.partition
        );
        *want += 1;
        let RecordValue::Sale(sale) = &r.value else {
            panic!("invalid record {r:?}")
        };
        assert_eq!(r.key.as_deref(), Some(sale.seller.as_str()), "key = seller");
        assert_eq!(
            r.partition,
            partition_for_key(sale.seller.as_bytes(), 6),
            "core predicts Kafka's partition"
        );
        assert!(ids.insert(sale.id_sale.clone()), "no duplicates");
        sales.push(sale.clone());
    }
    // Exactly the sales `hopscope generate` makes with the same seed and start.
    let gen = hopscope(&[
        "generate", "--seed", "77", "--rate", "50", "--count", "10000", "--start", start,
    ]);
    let mut want: Vec<String> = String::from_utf8_lossy(&gen.stdout)
        .lines()
        .map(String::from)
        .collect();
    let mut have: Vec<String> = sales.iter().map(Sale::to_json).collect();
    want.sort();
    have.sort();
    assert_eq!(have, want);
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_records_reach_the_client_as_invalid_and_the_stream_goes_on() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("poison");
    create_topic(&t);
    let s = serve(&t).await;
    let mut ws = connect(s.1, StartFrom::Earliest).await;
    let good = hopscope(&["generate", "--count", "1"]).stdout;
    let huge = format!("{{\"id_sale\":\"{}\"}}", "x".repeat(100_000));
    let values: Vec<(&str, Vec<u8>)> = vec![
        ("utf8", vec![0xff, 0xfe, 0x00]),
        ("json", b"{\"price\": ".to_vec()),
        ("schema", br#"{"id_sale":"a","nm_product":"P","seller":"s","price":-5,"sale_date":"2024-01-01T00:00:00Z"}"#.to_vec()),
        ("huge", huge.into_bytes()),
        ("good", good.trim_ascii().to_vec()),
    ];
    let p = raw_producer();
    for (key, v) in &values {
        p.send(BaseRecord::to(&t).key(*key).payload(v).partition(2))
            .unwrap();
    }
    p.flush(Duration::from_secs(10)).unwrap();
    let got = collect(&mut ws, values.len()).await;
    assert_eq!(got.len(), values.len());
    let reasons: Vec<String> = got
        .iter()
        .map(|r| match &r.value {
            RecordValue::Invalid { error, .. } => error.clone(),
            RecordValue::Sale(_) => "sale".into(),
        })
        .collect();
    assert!(reasons[0].contains("UTF-8"), "{reasons:?}");
    assert!(reasons[1].contains("not valid JSON"), "{reasons:?}");
    assert!(reasons[2].contains("price"), "{reasons:?}");
    assert!(reasons[3].contains("bytes"), "{reasons:?}");
    assert_eq!(
        reasons[4], "sale",
        "a valid sale after the poison still arrives"
    );
    for (i, r) in got.iter().enumerate() {
        assert_eq!((r.partition, r.offset), (2, i as i64));
    }
    // The relay counted them.
    let metrics = reqwest_text(s.1, "/metrics").await;
    assert!(
        metrics.contains("hopscope_invalid_records_total 4"),
        "{metrics}"
    );
    // Read once as they arrived, and once more for this client replaying from the start.
    assert!(metrics.contains("hopscope_records_in_total 5"), "{metrics}");
    assert!(
        metrics.contains("hopscope_records_replayed_total 5"),
        "{metrics}"
    );
}

/// Mutates a valid sale the way broken producers and bit rot do: flipped bytes, cut
/// records, fields of the wrong type, random bytes. Seeded, so a failure replays.
fn poison(rng: &mut Rng, good: &[u8]) -> Vec<u8> {
    let mut v = good.to_vec();
    match rng.below(6) {
        0 => {
            for _ in 0..=rng.below(4) {
                let i = rng.below(v.len() as u64) as usize;
                v[i] ^= 1 << rng.below(8);
            }
        }
        1 => v.truncate(rng.below(v.len() as u64) as usize),
        2 => {
            let field =
                ["price", "quantity", "seller", "sale_date", "id_sale"][rng.below(5) as usize];
            let wrong = [
                "null",
                "true",
                "[1,2]",
                "{\"a\":1}",
                "\"\"",
                "-1e400",
                "1.5",
                "\"x\"",
            ][rng.below(8) as usize];
            let mut sale: serde_json::Value = serde_json::from_slice(good).unwrap();
            sale[field] = serde_json::from_str(wrong).unwrap_or(serde_json::Value::Null);
            v = serde_json::to_vec(&sale).unwrap();
        }
        3 => v = (0..rng.below(300)).map(|_| rng.below(256) as u8).collect(),
        4 => {
            let i = rng.below(v.len() as u64) as usize;
            let junk: Vec<u8> = (0..rng.below(40)).map(|_| rng.below(256) as u8).collect();
            v.splice(i..i, junk);
        }
        _ => {} // left valid
    }
    v
}

#[tokio::test(flavor = "multi_thread")]
async fn fuzzed_poison_records_never_stall_the_relay_and_are_judged_as_the_decoder_judges_them() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("fuzzed-poison");
    create_topic(&t);
    let s = serve(&t).await;
    let mut ws = connect(s.1, StartFrom::Earliest).await;
    let good = hopscope(&["generate", "--count", "50", "--seed", "4"]).stdout;
    let good: Vec<&[u8]> = good
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let mut rng = Rng::seeded(2024);
    let values: Vec<Vec<u8>> = (0..2_000)
        .map(|i| poison(&mut rng, good[i % good.len()]))
        .collect();
    let p = raw_producer();
    for v in &values {
        loop {
            match p.send(BaseRecord::<(), _>::to(&t).payload(v).partition(1)) {
                Ok(()) => break,
                Err(_) => p.poll(Duration::from_millis(10)),
            }
        }
    }
    p.flush(Duration::from_secs(10)).unwrap();
    let got = collect(&mut ws, values.len()).await;
    assert_eq!(
        got.len(),
        values.len(),
        "every record arrives, none stalls the relay"
    );
    let mut invalid = 0;
    for (i, (r, v)) in got.iter().zip(&values).enumerate() {
        assert_eq!((r.partition, r.offset), (1, i as i64));
        match (&r.value, Sale::from_json(v)) {
            (RecordValue::Sale(relayed), Ok(decoded)) => assert_eq!(relayed, &decoded),
            (RecordValue::Invalid { error, .. }, Err(e)) => {
                assert_eq!(error, &e.to_string());
                invalid += 1;
            }
            (relayed, decoded) => panic!("record {i}: relay said {relayed:?}, decoder {decoded:?}"),
        }
    }
    assert!(
        invalid > 1_000,
        "the mutations produce mostly poison ({invalid})"
    );
    assert!(reqwest_text(s.1, "/healthz").await.ends_with("ok\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn replay_from_an_offset_and_from_a_timestamp_returns_exactly_the_expected_records() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("replay");
    create_topic(&t);
    let p = raw_producer();
    let base = 1_705_831_200_000i64;
    let sale = String::from_utf8(hopscope(&["generate", "--count", "1"]).stdout).unwrap();
    for i in 0..60i64 {
        let part = (i % 3) as i32;
        p.send(
            BaseRecord::to(&t)
                .key("k")
                .payload(sale.trim())
                .partition(part)
                .timestamp(base + i * 1_000),
        )
        .unwrap();
    }
    p.flush(Duration::from_secs(10)).unwrap();
    let s = serve(&t).await;
    // From offset 15 on partition 1 (20 records there): offsets 15..20 of partition 1 only.
    let mut ws = connect(
        s.1,
        StartFrom::Offsets {
            offsets: vec![PartitionOffset {
                partition: 1,
                offset: 15,
            }],
        },
    )
    .await;
    // The first records wait for the offsets lookup (long on a loaded machine): wait for
    // them, then for any that should not come.
    let mut got = collect(&mut ws, 5).await;
    got.extend(drain(&mut ws, Duration::from_secs(2)).await);
    let seen: Vec<(u32, i64)> = got.iter().map(|r| (r.partition, r.offset)).collect();
    assert_eq!(seen, (15..20).map(|o| (1, o)).collect::<Vec<_>>());
    // From a timestamp: records at or after base + 45 s, on every partition.
    let mut ws2 = connect(
        s.1,
        StartFrom::Timestamp {
            timestamp: Timestamp(base + 45_000),
        },
    )
    .await;
    let mut got = collect(&mut ws2, 15).await;
    got.extend(drain(&mut ws2, Duration::from_secs(2)).await);
    let mut times: Vec<i64> = got.iter().map(|r| r.timestamp.0 - base).collect();
    times.sort();
    assert_eq!(times, (45..60).map(|i| i * 1_000).collect::<Vec<_>>());
    // A client replaying did not disturb the first one: it still gets new records.
    p.send(
        BaseRecord::to(&t)
            .key("k")
            .payload(sale.trim())
            .partition(1)
            .timestamp(base + 99_000),
    )
    .unwrap();
    p.flush(Duration::from_secs(10)).unwrap();
    let more = collect(&mut ws, 1).await;
    assert_eq!((more[0].partition, more[0].offset), (1, 20));
}

#[tokio::test(flavor = "multi_thread")]
async fn malformed_client_messages_get_an_error_frame_not_a_crash() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("badclient");
    create_topic(&t);
    let s = serve(&t).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://127.0.0.1:{}/ws", s.1))
        .await
        .unwrap();
    let _hello = next_message(&mut ws).await;
    ws.send(Message::text("{\"type\":\"fly\"}")).await.unwrap();
    let mut reply = next_message(&mut ws).await.unwrap();
    while matches!(reply, ServerMessage::Status { .. }) {
        reply = next_message(&mut ws).await.unwrap();
    }
    assert!(
        matches!(reply, ServerMessage::Error { ref message } if message.contains("bad client message")),
        "{reply:?}"
    );
    // The session goes on.
    ws.send(Message::text(
        ClientMessage::Subscribe {
            start: StartFrom::Latest,
        }
        .to_json(),
    ))
    .await
    .unwrap();
    let health = reqwest_text(s.1, "/healthz").await;
    assert!(
        health.starts_with("HTTP/1.1 200") && health.ends_with("ok\n"),
        "{health}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn analyze_on_the_live_topic_prints_an_activity_spike() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("spike");
    produce(
        &brokers(),
        &t,
        &[
            "--no-pace",
            "--duration",
            "40m",
            "--rate",
            "5",
            "--seed",
            "4",
            "--start",
            "2024-01-21T10:00:00Z",
            "--scenario",
            "spike@35m,factor=10,for=30s",
        ],
    );
    // Reading history, partitions arrive one batch after another, far out of event-time
    // order across partitions: per-partition watermarks (as Flink's Kafka source) keep
    // every sale, with the default delay.
    let out = hopscope(&[
        "analyze",
        "--brokers",
        &brokers(),
        "--topic",
        &t,
        "--from-earliest",
        "--idle-exit",
        "3s",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("🚨 EVENT DETECTED: Activity spike!"),
        "{text}"
    );
    assert!(
        text.contains("late: 0 joined their unfired windows, 0 dropped"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn replaying_a_topic_in_event_time_equals_analyzing_the_same_sales_from_a_file() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("replay-equals-file");
    let gen = [
        "--count",
        "20000",
        "--seed",
        "8",
        "--start",
        "2025-05-01T10:00:00Z",
        "--scenario",
        "spike@10m,factor=8,for=40s",
    ];
    let mut args = vec!["--no-pace"];
    args.extend_from_slice(&gen);
    produce(&brokers(), &t, &args);
    let window = ["--windows", "--size", "5m", "--slide", "10s"];
    let offline = common::analyze_generated(&t, &gen, &window);
    let brokers = brokers();
    let mut live = vec![
        "analyze",
        "--brokers",
        &brokers,
        "--topic",
        &t,
        "--from",
        "earliest",
        "--idle-exit",
        "3s",
    ];
    live.extend_from_slice(&window);
    let live = hopscope(&live);
    common::assert_same_results(&offline, &live, "live replay");
    let live_text = String::from_utf8_lossy(&live.stdout);
    assert!(
        live_text.contains(
            "20000 records (0 not valid sales); late: 0 joined their unfired windows, 0 dropped"
        ),
        "{live_text}"
    );
}

/// Reads until records and gap notices together account for `n` records; returns the
/// covered offset spans per partition and how many gap notices came.
async fn cover(ws: &mut Ws, n: i64) -> (BTreeMap<u32, Vec<(i64, i64)>>, u32) {
    let mut covered: BTreeMap<u32, Vec<(i64, i64)>> = BTreeMap::new();
    let (mut gaps, mut total) = (0, 0i64);
    let t0 = Instant::now();
    while total < n && t0.elapsed() < Duration::from_secs(90) {
        match next_message(ws).await {
            Some(ServerMessage::Records { records }) => {
                for r in records {
                    covered
                        .entry(r.partition)
                        .or_default()
                        .push((r.offset, r.offset));
                    total += 1;
                }
            }
            Some(ServerMessage::Gap {
                partition,
                from,
                to,
            }) => {
                gaps += 1;
                covered.entry(partition).or_default().push((from, to));
                total += to - from + 1;
            }
            Some(_) => {}
            None => break,
        }
    }
    (covered, gaps)
}

/// Every offset from 0 to the partition's end exactly once: no hole, no overlap.
fn assert_exact_cover(covered: BTreeMap<u32, Vec<(i64, i64)>>, n: i64) {
    let mut sum = 0;
    for (p, mut spans) in covered {
        spans.sort();
        let mut want = 0;
        for (from, to) in spans {
            assert_eq!(from, want, "partition {p}: no hole, no overlap");
            want = to + 1;
        }
        sum += want;
    }
    assert_eq!(sum, n, "every record accounted for");
}

#[tokio::test(flavor = "multi_thread")]
async fn live_clients_share_one_reader_and_a_stalled_one_gets_exact_gap_notices() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("fanout");
    create_topic(&t);
    // Small batches and a small ring, so a stalled client surely falls behind it.
    let s = serve_with(&t, &["--batch", "20", "--ring", "32"]).await;
    let mut fast = connect(s.1, StartFrom::Latest).await;
    let mut stalled = connect(s.1, StartFrom::Latest).await;
    common::wait_following(s.1, 2).await;
    let n = 30_000i64;
    produce(
        &brokers(),
        &t,
        &["--no-pace", "--count", &n.to_string(), "--rate", "1000"],
    );
    // The reading client is not held up by the stalled one: it accounts for everything
    // while the other still reads nothing (on a loaded machine it may itself lag the ring,
    // and then it too is told exactly what it missed).
    let (covered, _) = cover(&mut fast, n).await;
    assert_exact_cover(covered, n);
    let (covered, gaps) = cover(&mut stalled, n).await;
    assert!(
        gaps > 0,
        "the stalled client fell behind the ring and was told"
    );
    assert_exact_cover(covered, n);
}

#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_flushes_what_is_in_flight_and_reports_it() {
    if common::skip_without_kafka() {
        return;
    }
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let t = topic("ctrlc");
    let child = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args([
            "produce",
            "--brokers",
            &brokers(),
            "--topic",
            &t,
            "--rate",
            "500",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt it mid-stream: once a few hundred sales are on the topic (a deadline, not
    // a fixed sleep, so a slow machine waits longer and a fast one less).
    let probe: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .create()
        .unwrap();
    let t0 = Instant::now();
    loop {
        let written: i64 = (0..6)
            .filter_map(|p| probe.fetch_watermarks(&t, p, Duration::from_secs(5)).ok())
            .map(|(_, high)| high)
            .sum();
        if written >= 300 {
            break;
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "the producer never got going"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let pid = child.id().to_string();
    assert!(Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap()
        .success());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted: flushing"));
    let summary = String::from_utf8_lossy(&out.stdout).to_string();
    let sent: i64 = summary.split_whitespace().nth(2).unwrap().parse().unwrap();
    assert!(sent > 100, "{summary}");
    assert!(
        summary.contains(&format!("{sent} acknowledged, 0 failed")),
        "{summary}"
    );
    // Everything acknowledged is on the topic, nothing more.
    let c: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .set("group.id", "x")
        .create()
        .unwrap();
    let on_topic: i64 = (0..6)
        .map(|p| {
            c.fetch_watermarks(&t, p, Duration::from_secs(10))
                .unwrap()
                .1
        })
        .sum();
    assert_eq!(on_topic, sent);
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_from_other_origins_are_refused_unless_allowed() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("origin");
    create_topic(&t);
    let s = serve_with(&t, &["--allow-origin", "https://dash.example"]).await;
    assert_eq!(
        handshake(s.1, "/ws", &[("origin", "https://evil.example")])
            .await
            .err(),
        Some(403)
    );
    assert!(
        handshake(s.1, "/ws", &[("origin", "http://localhost:8080")])
            .await
            .is_ok()
    );
    assert!(handshake(
        s.1,
        "/ws",
        &[("origin", &format!("http://127.0.0.1:{}", s.1))]
    )
    .await
    .is_ok());
    assert!(handshake(s.1, "/ws", &[("origin", "https://dash.example")])
        .await
        .is_ok());
    assert!(
        handshake(s.1, "/ws", &[]).await.is_ok(),
        "programs send no Origin"
    );
    let metrics = reqwest_text(s.1, "/metrics").await;
    assert!(
        metrics.contains("hopscope_refused_connections_total 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_guards_the_relay_when_set() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("token");
    create_topic(&t);
    let s = serve_with(&t, &["--token", "s3cret"]).await;
    type Headers<'a> = &'a [(&'a str, &'a str)];
    // (path, headers, accepted?)
    let cases: &[(&str, Headers, bool)] = &[
        ("/ws", &[], false),
        ("/ws", &[("authorization", "Bearer wrong")], false),
        ("/ws?token=wrong", &[], false),
        ("/ws", &[("authorization", "Bearer s3cret")], true),
        // What a browser can send.
        ("/ws?token=s3cret", &[], true),
    ];
    for (path, headers, accepted) in cases {
        let got = handshake(s.1, path, headers).await;
        if *accepted {
            assert!(got.is_ok(), "{path} {headers:?}");
        } else {
            assert_eq!(got.err(), Some(401), "{path} {headers:?}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn flooding_and_oversized_client_messages_are_refused_and_the_relay_goes_on() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("flood");
    create_topic(&t);
    let s = serve_with(&t, &["--client-rate", "5"]).await;
    let mut ws = handshake(s.1, "/ws", &[]).await.unwrap();
    let _hello = next_message(&mut ws).await;
    for _ in 0..40 {
        ws.send(Message::text(ClientMessage::Pause.to_json()))
            .await
            .unwrap();
    }
    let mut limited = false;
    for _ in 0..5 {
        if let Some(ServerMessage::Error { message }) = next_message(&mut ws).await {
            limited |= message.contains("rate limit");
            break;
        }
    }
    assert!(limited, "a flooding client is told it is rate limited");
    // An oversized frame ends that connection only.
    let mut big = handshake(s.1, "/ws", &[]).await.unwrap();
    let _hello = next_message(&mut big).await;
    let _ = big.send(Message::text("x".repeat(64 * 1024))).await;
    let mut closed = false;
    for _ in 0..5 {
        match tokio::time::timeout(Duration::from_secs(10), big.next()).await {
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(Message::Close(_)))) => {
                closed = true;
                break;
            }
            _ => {}
        }
    }
    assert!(closed, "the oversized sender is disconnected");
    let mut fresh = connect(s.1, StartFrom::Latest).await;
    let p = raw_producer();
    let sale = String::from_utf8(hopscope(&["generate", "--count", "1"]).stdout).unwrap();
    common::wait_following(s.1, 1).await;
    p.send(BaseRecord::to(&t).key("k").payload(sale.trim()))
        .unwrap();
    p.flush(Duration::from_secs(10)).unwrap();
    assert_eq!(
        collect(&mut fresh, 1).await.len(),
        1,
        "the relay still serves others"
    );
    // /metrics counts a follower only while it follows.
    drop(fresh);
    common::wait_following(s.1, 0).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_reconnects_with_its_last_offsets_sees_no_gap_and_no_duplicate() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("reconnect");
    produce(
        &brokers(),
        &t,
        &["--no-pace", "--count", "3000", "--seed", "5"],
    );
    let s = serve(&t).await;
    let mut first = connect(s.1, StartFrom::Earliest).await;
    let before = collect(&mut first, 1_000).await;
    drop(first); // the connection goes away mid-stream
    let mut next: BTreeMap<u32, i64> = (0..6).map(|p| (p, 0)).collect();
    for r in &before {
        next.insert(r.partition, r.offset + 1);
    }
    let offsets = next
        .iter()
        .map(|(p, o)| PartitionOffset {
            partition: *p,
            offset: *o,
        })
        .collect();
    let mut again = connect(s.1, StartFrom::Offsets { offsets }).await;
    let after = collect(&mut again, 3_000 - before.len()).await;
    let mut seen = std::collections::BTreeSet::new();
    for r in before.iter().chain(&after) {
        assert!(
            seen.insert((r.partition, r.offset)),
            "duplicate {:?}",
            (r.partition, r.offset)
        );
    }
    assert_eq!(seen.len(), 3_000, "no gap");
    assert!(
        drain(&mut again, Duration::from_secs(2)).await.is_empty(),
        "and nothing more"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn analyze_from_a_time_reads_only_the_records_written_since() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("analyze-from");
    let b = brokers();
    produce(&b, &t, &["--no-pace", "--count", "300", "--seed", "1"]);
    // Record timestamps are the producer's clock: a cut between the two batches.
    std::thread::sleep(Duration::from_millis(1_500));
    let cut = hopscope_core::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64,
    );
    std::thread::sleep(Duration::from_millis(500));
    produce(&b, &t, &["--no-pace", "--count", "200", "--seed", "2"]);
    let cut_iso = cut.to_iso();
    let out = hopscope(&[
        "analyze",
        "--brokers",
        &b,
        "--topic",
        &t,
        "--from",
        &cut_iso,
        "--idle-exit",
        "3s",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("from {cut_iso}")), "{text}");
    assert!(text.contains("📋 Summary: 200 records"), "{text}");
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(["analyze", "--brokers", &b, "--from", "yesterday"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("latest, earliest, warm or an ISO time"));
}

/// librdkafka itself places the records; core's prediction (what `partition` prints and the
/// page shows) must agree for both partitioners.
#[tokio::test(flavor = "multi_thread")]
async fn each_partitioner_places_sellers_where_core_predicts() {
    if common::skip_without_kafka() {
        return;
    }
    use hopscope_core::partition::Partitioner;
    // With several producer clients (the throughput profile's) hopscope picks each
    // record's partition itself: it must be librdkafka's choice, and each partition's
    // records must keep the order they were made in.
    // A `-X partitioner=` setting wins over --partitioner, with several clients too.
    let user_setting: &[&str] = &["-X", "partitioner=consistent_random"];
    for (name, partitioner, clients, extra) in [
        (
            "consistent-random",
            Partitioner::ConsistentRandom,
            "1",
            &[][..],
        ),
        ("murmur2", Partitioner::Murmur2, "1", &[]),
        ("consistent-random", Partitioner::ConsistentRandom, "3", &[]),
        ("murmur2", Partitioner::Murmur2, "3", &[]),
        ("murmur2", Partitioner::ConsistentRandom, "3", user_setting),
    ] {
        let t = topic(&format!("partitioner-{name}-{clients}-{}", extra.len()));
        let mut args = vec![
            "--no-pace",
            "--count",
            "2000",
            "--partitioner",
            name,
            "--profile",
            if clients == "1" { "seed" } else { "throughput" },
            "--clients",
            clients,
            "--start",
            "2024-01-21T10:00:00Z",
        ];
        args.extend_from_slice(extra);
        let out = produce(&brokers(), &t, &args);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("2000 acknowledged, 0 failed"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let s = serve(&t).await;
        let mut ws = connect(s.1, StartFrom::Earliest).await;
        let got = collect(&mut ws, 2_000).await;
        assert_eq!(got.len(), 2_000);
        for r in &got {
            let seller = r.key.as_deref().unwrap();
            assert_eq!(
                r.partition,
                partitioner.partition(seller.as_bytes(), 6),
                "{name}: {seller}"
            );
        }
        let seller = got[0].key.as_deref().unwrap();
        let in_effect = match partitioner {
            Partitioner::Murmur2 => "murmur2",
            _ => "consistent-random",
        };
        let cli = hopscope(&["partition", "--partitioner", in_effect, seller]);
        assert_eq!(
            String::from_utf8_lossy(&cli.stdout).trim(),
            got[0].partition.to_string()
        );
        let spread: HashSet<u32> = got.iter().map(|r| r.partition).collect();
        assert!(spread.len() > 1, "{name} spreads sellers");
        // Each partition holds its sales in the order they were generated.
        let gen = hopscope(&[
            "generate",
            "--count",
            "2000",
            "--start",
            "2024-01-21T10:00:00Z",
        ]);
        let made: Vec<String> = String::from_utf8_lossy(&gen.stdout)
            .lines()
            .map(|l| Sale::from_json(l.as_bytes()).unwrap().id_sale)
            .collect();
        for p in spread {
            let mut on_p: Vec<(i64, String)> = got
                .iter()
                .filter(|r| r.partition == p)
                .map(|r| match &r.value {
                    RecordValue::Sale(s) => (r.offset, s.id_sale.clone()),
                    other => panic!("{other:?}"),
                })
                .collect();
            on_p.sort();
            let ids: Vec<&String> = on_p.iter().map(|(_, id)| id).collect();
            let want: Vec<&String> = made
                .iter()
                .filter(|id| on_p.iter().any(|(_, x)| x == *id))
                .collect();
            assert_eq!(
                ids, want,
                "{name} × {clients} clients: partition {p} in order"
            );
        }
    }
}

/// `analyze --windows-topic`: window rows computed elsewhere (here by `hopscope window`,
/// in `tests/flink/job_test.py` by the Flink job) give the alerts the sales give, and rows
/// that are not windows — bad JSON, a wrong type, a missing field, a row repeated by a
/// restarted writer — are reported with partition and offset and skipped, the rows after
/// them still analysed.
#[tokio::test(flavor = "multi_thread")]
async fn window_rows_on_a_topic_give_the_alerts_of_the_sales_and_bad_rows_are_reported_and_skipped()
{
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("window-rows");
    let file = std::env::temp_dir().join(format!("{t}.jsonl"));
    let sales = hopscope(&[
        "generate",
        "--count",
        "9000",
        "--rate",
        "20",
        "--seed",
        "33",
        "--start",
        "2025-05-01T10:00:00Z",
        "--scenario",
        "spike@2m,factor=6,for=20s",
        "--scenario",
        "concentration@3m,for=40s",
        "--scenario",
        "outlier@210s",
    ]);
    std::fs::write(&file, &sales.stdout).unwrap();
    let path = file.to_str().unwrap();
    let window = ["--size", "60s", "--slide", "10s"];
    let rows = hopscope(&[&["window"][..], &window, &[path]].concat()).stdout;
    let offline = hopscope(&[&["analyze", "--windows"][..], &window, &[path]].concat());

    let rows: Vec<&[u8]> = rows
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    assert!(rows.len() > 30, "{} window rows", rows.len());
    let no_revenue = String::from_utf8_lossy(rows[1]).replace("\"revenue\":", "\"revenue_x\":");
    let bad: [&[u8]; 3] = [
        b"not a window",
        b"{\"window_start\":5}",
        no_revenue.as_bytes(),
    ];
    let p = raw_producer();
    let mut sent: Vec<&[u8]> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        sent.push(row);
        if i == 4 {
            sent.extend_from_slice(&bad);
            sent.push(rows[2]); // a restarted writer repeating an older window
        }
    }
    create_topic(&t);
    for v in &sent {
        p.send(BaseRecord::<(), _>::to(&t).payload(*v).partition(0))
            .unwrap();
    }
    p.flush(Duration::from_secs(10)).unwrap();

    let brokers = brokers();
    let topic_args = [
        "analyze",
        "--brokers",
        &brokers,
        "--windows-topic",
        &t,
        "--from",
        "earliest",
        "--idle-exit",
        "3s",
        "--windows",
    ];
    let live = hopscope(&[&topic_args[..], &window].concat());
    // The file run does not analyse the windows that fired only because the input ended;
    // compare everything up to its last analysed window.
    let want = common::results(&offline.stdout);
    let last = want
        .iter()
        .position(|l| l.ends_with("(input ended: not analysed)"))
        .expect("the file run ends with windows past its last sale");
    let want = &want[..last];
    let got = common::results(&live.stdout);
    assert!(want.iter().filter(|l| l.starts_with("🚨")).count() >= 3);
    assert_eq!(&got[..last.min(got.len())], want);

    let err = String::from_utf8_lossy(&live.stderr);
    for (offset, needle) in [
        (5, "is not valid JSON"),
        (
            6,
            "window row field \"window_start\" must be an ISO-8601 time as text",
        ),
        (7, "window row field \"revenue\" is missing"),
        (8, "repeats or precedes window ending"),
    ] {
        let line = format!("{t} partition 0 offset {offset}: ");
        assert!(
            err.lines().any(|l| l.contains(&line) && l.contains(needle)),
            "no report of {needle:?} at offset {offset}:\n{err}"
        );
    }
    let text = String::from_utf8_lossy(&live.stdout);
    let summary = format!(
        "{} window rows (3 not valid windows, 1 repeated or out of order, all skipped); {} windows analysed",
        rows.len() + 4,
        rows.len()
    );
    assert!(text.contains(&summary), "{summary:?} not in\n{text}");

    // Another window size than the rows': a clear error, not silent nonsense.
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(&topic_args[..topic_args.len() - 1])
        .args(["--size", "15m", "--slide", "1s"])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("long but --size is 15m"), "{err}");
}

/// `serve --windows-topic`: every client gets the recent window rows right after `hello`,
/// then each new row as it is written; rows that are not windows reach no client and are
/// counted in /metrics.
#[tokio::test(flavor = "multi_thread")]
async fn serve_relays_window_rows_and_keeps_bad_ones_from_clients() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("serve-windows");
    let wt = format!("{t}-windows");
    create_topic(&t);
    create_topic(&wt);
    let file = std::env::temp_dir().join(format!("{t}.jsonl"));
    let sales = hopscope(&[
        "generate",
        "--count",
        "600",
        "--rate",
        "1",
        "--seed",
        "4",
        "--start",
        "2025-05-01T10:00:00Z",
    ]);
    std::fs::write(&file, &sales.stdout).unwrap();
    let rows = hopscope(&[
        "window",
        "--size",
        "60s",
        "--slide",
        "30s",
        file.to_str().unwrap(),
    ])
    .stdout;
    let rows: Vec<WindowResult> = String::from_utf8_lossy(&rows)
        .lines()
        .map(|l| WindowResult::from_json(l.as_bytes()).unwrap())
        .collect();
    assert!(rows.len() > 10, "{} rows", rows.len());
    let p = raw_producer();
    let (first, later) = rows.split_at(rows.len() - 3);
    for (i, w) in first.iter().enumerate() {
        p.send(
            BaseRecord::<(), _>::to(&wt)
                .payload(&w.to_json())
                .partition(0),
        )
        .unwrap();
        if i == 2 {
            p.send(
                BaseRecord::<(), _>::to(&wt)
                    .payload("{\"window_start\":1}")
                    .partition(0),
            )
            .unwrap();
        }
    }
    p.flush(Duration::from_secs(10)).unwrap();
    let s = serve_with(&t, &["--windows-topic", &wt]).await;

    let windows_of = |m: ServerMessage| match m {
        ServerMessage::Windows { topic, rows } => {
            assert_eq!(topic, wt);
            rows.into_iter().map(|r| r.window).collect::<Vec<_>>()
        }
        other => panic!("expected windows, got {other:?}"),
    };
    // The hello names the results topic, so a page keeps its windows for comparison.
    let mut probe = common::handshake(s.1, "/ws", &[]).await.unwrap();
    match next_message(&mut probe).await {
        Some(ServerMessage::Hello { windows_topic, .. }) => {
            assert_eq!(windows_topic.as_deref(), Some(wt.as_str()))
        }
        other => panic!("expected hello, got {other:?}"),
    }
    drop(probe);
    // The reader may still be catching up when the client joins: rows come in the first
    // message and after it; together, each exactly once and in order.
    let mut ws = connect(s.1, StartFrom::Latest).await;
    let mut got: Vec<WindowResult> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while got.len() < first.len() && Instant::now() < deadline {
        match next_message(&mut ws).await {
            Some(m @ ServerMessage::Windows { .. }) => got.extend(windows_of(m)),
            Some(_) => {}
            None => break,
        }
    }
    assert_eq!(got, first);
    for w in later {
        p.send(
            BaseRecord::<(), _>::to(&wt)
                .payload(&w.to_json())
                .partition(0),
        )
        .unwrap();
    }
    p.flush(Duration::from_secs(10)).unwrap();
    while got.len() < rows.len() && Instant::now() < deadline {
        match next_message(&mut ws).await {
            Some(m @ ServerMessage::Windows { .. }) => got.extend(windows_of(m)),
            Some(_) => {}
            None => break,
        }
    }
    assert_eq!(got, rows);
    let metrics = common::reqwest_text(s.1, "/metrics").await;
    assert!(
        metrics.contains("hopscope_window_rows_invalid_total 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("hopscope_window_rows_total {}\n", rows.len())),
        "{metrics}"
    );
}

/// The status tells how old the topic is: the Kafka time of the oldest record it keeps
/// (the page shows it, and judges whether a warm start's first window is complete by it).
#[tokio::test(flavor = "multi_thread")]
async fn the_status_says_when_the_topics_oldest_record_was_written() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("since");
    create_topic(&t);
    let s = serve(&t).await;
    let mut ws = connect(s.1, StartFrom::Latest).await;
    // An empty topic has no age yet.
    loop {
        match next_message(&mut ws).await.expect("a frame") {
            ServerMessage::Status { since, .. } => {
                assert_eq!(since, None, "an empty topic has no oldest record");
                break;
            }
            _ => continue,
        }
    }
    let wall = || Timestamp(common::now_ms());
    let before = wall();
    produce(
        &brokers(),
        &t,
        &["--no-pace", "--count", "50", "--seed", "6"],
    );
    let after = wall();
    let t0 = Instant::now();
    let since = loop {
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "no status gave the topic's age"
        );
        if let Some(ServerMessage::Status {
            since: Some(since), ..
        }) = next_message(&mut ws).await
        {
            break since;
        }
    };
    assert!(
        since >= Timestamp(before.0 - 1_000) && since <= after,
        "oldest record at {since}, written between {before} and {after}"
    );
}
