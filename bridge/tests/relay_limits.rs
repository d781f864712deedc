//! `hopscope serve` probed as an attacker and as a careless client would, against a real
//! broker on loopback: Host and Origin checks, connection and replay caps, slow clients,
//! half-sent requests, partitions added while serving, replays from deleted offsets, and
//! the lag the operator sees.

mod common;

use common::{brokers, connect, handshake, next_message, produce, reqwest_text, topic, Serve, Ws};
use futures_util::SinkExt;
use hopscope_core::protocol::{ClientMessage, PartitionOffset, ServerMessage, StartFrom};
use hopscope_core::Timestamp;
use rdkafka::admin::{AdminClient, AdminOptions, NewPartitions};
use rdkafka::client::DefaultClientContext;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::TopicPartitionList;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

async fn serve_with(topic: &str, extra: &[&str]) -> Serve {
    common::serve(&brokers(), topic, extra).await
}

fn admin() -> AdminClient<DefaultClientContext> {
    ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .create()
        .unwrap()
}

/// Sends raw bytes on a new connection and returns what the server answers until it closes
/// (or `wait` passes).
async fn raw(port: u16, request: &str, wait: Duration) -> String {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, s.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// Waits, up to `within`, until `/metrics` contains `line`.
async fn metric_reaches(port: u16, line: &str, within: Duration) -> String {
    let t0 = Instant::now();
    loop {
        let m = reqwest_text(port, "/metrics").await;
        if m.contains(line) || t0.elapsed() > within {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The next message that is not a status frame.
async fn next_non_status(ws: &mut Ws) -> Option<ServerMessage> {
    loop {
        match next_message(ws).await? {
            ServerMessage::Status { .. } => continue,
            m => return Some(m),
        }
    }
}

/// A one-partition topic holding `n` copies of one generated sale, written straight to
/// partition 0 (offsets 0..n).
fn one_partition_topic(name: &str, n: usize) -> String {
    let t = topic(name);
    produce(
        &brokers(),
        &t,
        &["--no-pace", "--count", "0", "--partitions", "1"],
    );
    let p: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .create()
        .unwrap();
    let sale = String::from_utf8(common::hopscope(&["generate", "--count", "1"]).stdout).unwrap();
    for _ in 0..n {
        p.send(
            BaseRecord::<(), str>::to(&t)
                .partition(0)
                .payload(sale.trim()),
        )
        .unwrap();
    }
    p.flush(Duration::from_secs(10)).unwrap();
    t
}

#[tokio::test(flavor = "multi_thread")]
async fn look_alike_origins_and_foreign_hosts_are_refused_on_every_route() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("hosts");
    produce(&brokers(), &t, &["--no-pace", "--count", "0"]);
    let s = serve_with(&t, &[]).await;
    let port = s.1;
    for evil in [
        "http://127.0.0.1.evil.example".to_string(),
        format!("http://127.evil.example:{port}"),
        "http://[::1].evil.example".to_string(),
    ] {
        assert_eq!(
            handshake(port, "/ws", &[("origin", &evil)]).await.err(),
            Some(403),
            "{evil}"
        );
    }
    // DNS rebinding: a page on evil.example, its name pointed at 127.0.0.1.
    let upgrade = format!(
        "GET /ws HTTP/1.1\r\nHost: evil.example:{port}\r\nOrigin: http://evil.example:{port}\r\n\
         Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    );
    let answer = raw(port, &upgrade, Duration::from_secs(5)).await;
    assert!(answer.starts_with("HTTP/1.1 421"), "{answer}");
    for path in ["/metrics", "/healthz", "/"] {
        let answer = raw(
            port,
            &format!("GET {path} HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n"),
            Duration::from_secs(5),
        )
        .await;
        assert!(answer.starts_with("HTTP/1.1 421"), "{path}: {answer}");
    }
    let ok = reqwest_text(port, "/metrics").await;
    assert!(ok.starts_with("HTTP/1.1 200"), "{ok}");
    assert!(ok.contains("hopscope_refused_hosts_total 4"), "{ok}");
}

#[tokio::test(flavor = "multi_thread")]
async fn replays_past_the_cap_get_a_clear_refusal_and_a_freed_slot_is_reused() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("replay-cap");
    produce(&brokers(), &t, &["--no-pace", "--count", "100"]);
    let s = serve_with(&t, &["--max-replays", "1"]).await;
    let mut first = connect(s.1, StartFrom::Earliest).await;
    assert!(matches!(
        next_non_status(&mut first).await,
        Some(ServerMessage::Records { .. })
    ));
    let mut second = connect(s.1, StartFrom::Earliest).await;
    match next_non_status(&mut second).await {
        Some(ServerMessage::Error { message }) => {
            assert!(message.contains("1 of 1 replays"), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // The live tail is never capped.
    second
        .send(Message::text(
            ClientMessage::Subscribe {
                start: StartFrom::Latest,
            }
            .to_json(),
        ))
        .await
        .unwrap();
    drop(first);
    // The first client's slot frees when it goes: a new replay starts.
    let t0 = Instant::now();
    loop {
        let mut third = connect(s.1, StartFrom::Earliest).await;
        match next_non_status(&mut third).await {
            Some(ServerMessage::Records { .. }) => break,
            Some(ServerMessage::Error { .. }) if t0.elapsed() < Duration::from_secs(10) => {
                tokio::time::sleep(Duration::from_millis(200)).await
            }
            other => panic!("the freed slot was not reused: {other:?}"),
        }
    }
    let m = reqwest_text(s.1, "/metrics").await;
    assert!(m.contains("hopscope_replays_refused_total"), "{m}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_client_that_stops_reading_is_closed_after_the_send_timeout() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("stalled");
    produce(
        &brokers(),
        &t,
        &["--no-pace", "--count", "60000", "--rate", "1000"],
    );
    let s = serve_with(&t, &["--send-timeout", "1s", "--batch", "500"]).await;
    // Subscribes to the whole topic and never reads a frame.
    let _stalled = connect(s.1, StartFrom::Earliest).await;
    let m = metric_reaches(
        s.1,
        "hopscope_slow_clients_closed_total 1",
        Duration::from_secs(60),
    )
    .await;
    assert!(m.contains("hopscope_slow_clients_closed_total 1"), "{m}");
    assert!(
        metric_reaches(s.1, "hopscope_clients 0", Duration::from_secs(10))
            .await
            .contains("hopscope_clients 0"),
        "its session is gone"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn half_sent_requests_time_out_and_connections_past_the_cap_are_closed() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("slowloris");
    produce(&brokers(), &t, &["--no-pace", "--count", "0"]);
    let s = serve_with(&t, &["--header-timeout", "10s", "--max-connections", "4"]).await;
    let port = s.1;
    // Four connections that never finish their headers hold every slot, so a fifth is
    // closed at once with nothing said. The connection that last read /metrics may still
    // hold its slot for a moment after its answer (its server side is still closing): then
    // one of the four is refused, and the fifth too if that slot is still held when it
    // comes, or else the fifth gets an answer. That is seen, not timed: start over until
    // the fifth is refused, and count every refusal.
    let mut attempts = 0;
    let held = loop {
        attempts += 1;
        assert!(
            attempts <= 20,
            "the fifth connection was never the one refused"
        );
        let t0 = Instant::now();
        while !reqwest_text(port, "/metrics")
            .await
            .contains("\nhopscope_connections 1\n")
        {
            assert!(
                t0.elapsed() < Duration::from_secs(20),
                "connections never settled"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut held = Vec::new();
        for _ in 0..4 {
            let mut c = tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .unwrap();
            c.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                .await
                .unwrap();
            held.push(c);
        }
        let fifth = raw(
            port,
            &format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
            Duration::from_secs(5),
        )
        .await;
        if fifth.is_empty() {
            break held;
        }
        assert!(fifth.starts_with("HTTP/1.1 200"), "{fifth}");
    };
    // … and the half-sent ones are cut after the header timeout, freeing the slots. Cut
    // means closed: an orderly end (EOF) or, when the server closes with our unread bytes
    // in its buffer, a reset — both are the connection gone, neither is an answer.
    for mut c in held {
        let mut buf = Vec::new();
        let n = tokio::time::timeout(Duration::from_secs(20), c.read_to_end(&mut buf))
            .await
            .expect("the server closed the half-sent request");
        match n {
            Ok(_) => assert!(
                buf.is_empty(),
                "no answer: {}",
                String::from_utf8_lossy(&buf)
            ),
            Err(e) => assert!(
                matches!(
                    e.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                ),
                "closed, not failed otherwise: {e}"
            ),
        }
    }
    let health = reqwest_text(port, "/healthz").await;
    assert!(health.ends_with("ok\n"), "{health}");
    let m = reqwest_text(port, "/metrics").await;
    let refused: u32 = m
        .lines()
        .find_map(|l| l.strip_prefix("hopscope_connections_over_limit_total "))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the refusals are counted: {m}"));
    // Every attempt had its fifth or one of its four refused, and at most one of the four
    // besides the fifth (only the one lingering /metrics connection can take a slot).
    assert!(
        (attempts..=2 * attempts).contains(&refused),
        "{refused} refusals in {attempts} attempts: {m}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn partitions_added_while_serving_are_relayed_from_their_start_and_announced() {
    if common::skip_without_kafka() {
        return;
    }
    let t = topic("grow");
    produce(
        &brokers(),
        &t,
        &["--no-pace", "--count", "0", "--partitions", "2"],
    );
    let s = serve_with(&t, &[]).await;
    let mut ws = connect(s.1, StartFrom::Latest).await;
    let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(20)));
    let r = admin()
        .create_partitions([&NewPartitions::new(&t, 3)], &opts)
        .await
        .unwrap();
    assert!(r.iter().all(|r| r.is_ok()), "{r:?}");
    let p: BaseProducer = ClientConfig::new()
        .set("bootstrap.servers", brokers())
        .create()
        .unwrap();
    let sale = String::from_utf8(common::hopscope(&["generate", "--count", "1"]).stdout).unwrap();
    let (mut hello, mut got) = (false, false);
    let t0 = Instant::now();
    let mut sent = false;
    while !(hello && got) && t0.elapsed() < Duration::from_secs(40) {
        if !sent && t0.elapsed() > Duration::from_secs(1) {
            // Written to the new partition right away, before the bridge has noticed it.
            p.send(
                BaseRecord::<(), str>::to(&t)
                    .partition(2)
                    .payload(sale.trim()),
            )
            .unwrap();
            p.flush(Duration::from_secs(10)).unwrap();
            sent = true;
        }
        match tokio::time::timeout(Duration::from_secs(2), next_message(&mut ws)).await {
            Ok(Some(ServerMessage::Hello { partitions, .. })) => {
                assert_eq!(partitions, 3);
                hello = true;
            }
            Ok(Some(ServerMessage::Records { records })) => {
                got |= records.iter().any(|r| r.partition == 2 && r.offset == 0)
            }
            _ => {}
        }
    }
    assert!(hello, "clients are told the topic has 3 partitions now");
    assert!(
        got,
        "the new partition's first record reached the live client"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn replays_from_deleted_or_future_offsets_and_unknown_partitions_are_told() {
    if common::skip_without_kafka() {
        return;
    }
    let t = one_partition_topic("retention", 50);
    // What retention would do: records before offset 20 are gone.
    let mut tpl = TopicPartitionList::new();
    tpl.add_partition_offset(&t, 0, rdkafka::Offset::Offset(20))
        .unwrap();
    admin()
        .delete_records(&tpl, &AdminOptions::new())
        .await
        .unwrap();
    let s = serve_with(&t, &[]).await;
    let at = |offset| StartFrom::Offsets {
        offsets: vec![PartitionOffset {
            partition: 0,
            offset,
        }],
    };
    let mut ws = connect(s.1, at(5)).await;
    assert_eq!(
        next_non_status(&mut ws).await,
        Some(ServerMessage::Gap {
            partition: 0,
            from: 5,
            to: 19
        })
    );
    match next_non_status(&mut ws).await {
        Some(ServerMessage::Records { records }) => assert_eq!(records[0].offset, 20),
        other => panic!("{other:?}"),
    }
    let mut ws = connect(s.1, at(80)).await;
    match next_non_status(&mut ws).await {
        Some(ServerMessage::Error { message }) => {
            assert!(
                message.contains("offset 80 is past the end (50)"),
                "{message}"
            )
        }
        other => panic!("{other:?}"),
    }
    let mut ws = connect(
        s.1,
        StartFrom::Offsets {
            offsets: vec![PartitionOffset {
                partition: 7,
                offset: 0,
            }],
        },
    )
    .await;
    match next_non_status(&mut ws).await {
        Some(ServerMessage::Error { message }) => {
            assert!(message.contains("partition 7 does not exist"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    // A time before 1970: an error frame, and the session goes on.
    let mut ws = connect(
        s.1,
        StartFrom::Timestamp {
            timestamp: Timestamp(-86_400_000),
        },
    )
    .await;
    match next_non_status(&mut ws).await {
        Some(ServerMessage::Error { message }) => assert!(message.contains("before 1970")),
        other => panic!("{other:?}"),
    }
    ws.send(Message::text(
        ClientMessage::Subscribe {
            start: StartFrom::Earliest,
        }
        .to_json(),
    ))
    .await
    .unwrap();
    assert!(matches!(
        next_non_status(&mut ws).await,
        Some(ServerMessage::Records { .. })
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn partition_lag_is_the_largest_of_connected_clients_and_leaves_with_them() {
    if common::skip_without_kafka() {
        return;
    }
    // More than socket buffers hold (about 35 MB): a replaying client that reads nothing
    // stays far behind, however fast the machine.
    let t = topic("lag");
    produce(
        &brokers(),
        &t,
        &["--no-pace", "--count", "100000", "--partitions", "1"],
    );
    let s = serve_with(&t, &["--batch", "10", "--send-timeout", "60s"]).await;
    let _live = connect(s.1, StartFrom::Latest).await;
    let behind = connect(s.1, StartFrom::Earliest).await;
    // Status (and so the lag) comes every 2 s per client; whichever reports last, the
    // metric is the largest lag.
    let mut worst = 0;
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(7) {
        let m = reqwest_text(s.1, "/metrics").await;
        if let Some(v) = m
            .lines()
            .find(|l| l.starts_with("hopscope_partition_lag{partition=\"0\"}"))
        {
            let v: i64 = v.rsplit(' ').next().unwrap().parse().unwrap();
            if t0.elapsed() > Duration::from_secs(3) {
                assert!(
                    v > 50_000,
                    "the stalled replay's lag, not the live client's 0: {v}"
                );
            }
            worst = worst.max(v);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(worst > 50_000, "{worst}");
    drop(behind);
    let m = metric_reaches(
        s.1,
        "hopscope_partition_lag{partition=\"0\"} 0",
        Duration::from_secs(10),
    )
    .await;
    assert!(
        m.contains("hopscope_partition_lag{partition=\"0\"} 0"),
        "the lag left with the client: {m}"
    );
}
