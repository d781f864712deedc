//! `hopscope serve`: relay a Kafka topic to browsers over WebSocket, and serve the web UI.
//!
//! Clients following the topic live (`subscribe` from `latest`) share one Kafka reader: its
//! batches are encoded once and fanned out through a bounded broadcast ring. A client that
//! falls more than the ring behind loses the oldest batches and is told exactly which
//! offsets it missed (a `gap` notice per partition), so it can replay them; the others are
//! never slowed. Clients replaying from `earliest`, offsets or a timestamp get a reader of
//! their own (partitions and offsets assigned by hopscope, no consumer group), so a replay
//! never disturbs anyone. Frames are core's `protocol` messages.

mod admission;

use crate::kafka;
use crate::out::Res;
use admission::{Admission, RateLimit, Refusal};
use axum::extract::ws::{Message as WsMessage, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::Query;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use clap::Parser;
use futures_util::FutureExt;
use hopscope_core::protocol::{
    ClientMessage, PartitionOffset, PartitionStatus, Record, ServerMessage, StartFrom, Value,
    MAX_CLIENT_FRAME, PROTOCOL_VERSION,
};
use hopscope_core::{Sale, Timestamp};
use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::message::{BorrowedMessage, Message};
use rdkafka::{Offset, TopicPartitionList};
use std::collections::BTreeMap;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// Default number of batches the shared live reader keeps for clients that are behind.
const TAIL_RING: usize = 256;

/// One batch of the shared live reader, encoded once for every client.
struct TailBatch {
    /// Shared by every client's send, not copied.
    json: Utf8Bytes,
    /// (partition, first offset, last offset) of the records in the batch.
    spans: Vec<(u32, i64, i64)>,
    /// The reader's next offset of every partition once this batch is out: a client that
    /// missed batches learns every missed offset from the first batch it does get, even of
    /// partitions this batch does not touch.
    after: Vec<(u32, i64)>,
    count: u64,
}

/// Relay a Kafka topic to WebSocket clients at /ws, serve the built web UI at /, health at
/// /healthz and Prometheus metrics at /metrics.
#[derive(Parser)]
pub struct Args {
    #[command(flatten)]
    kafka: kafka::TopicArgs,
    /// Address to listen on. Loopback by default: exposing it is a deliberate choice.
    #[arg(long, default_value = "127.0.0.1:8081")]
    bind: SocketAddr,
    /// Folder with the built web UI (`trunk build --release` writes dist/).
    #[arg(long, default_value = "dist")]
    web: PathBuf,
    /// Most records per WebSocket frame.
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Batches the shared live reader keeps for clients that fall behind; a client further
    /// behind gets gap notices for what it missed.
    #[arg(long, default_value_t = TAIL_RING)]
    ring: usize,
    /// Also accept WebSocket connections from pages of this origin (repeatable), e.g.
    /// https://dash.example.com. The bridge's own origin and loopback pages always may.
    #[arg(long = "allow-origin")]
    allow_origins: Vec<String>,
    /// Require this token: `Authorization: Bearer TOKEN`, or `?token=TOKEN` in the URL
    /// (what a browser can send).
    #[arg(long, env = "HOPSCOPE_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Most messages per second a client may send (bursts of twice that).
    #[arg(long, default_value_t = 20.0)]
    client_rate: f64,
}

#[derive(Default)]
struct Metrics {
    records_in: AtomicU64,
    records_out: AtomicU64,
    invalid: AtomicU64,
    replayed: AtomicU64,
    clients: AtomicU64,
    client_errors: AtomicU64,
    refused: AtomicU64,
}

struct Shared {
    brokers: String,
    topic: String,
    partitions: u32,
    batch: usize,
    metrics: Metrics,
    /// For metadata and watermarks only.
    probe: BaseConsumer,
    /// Largest lag any client has, per partition (for /metrics).
    lag: Mutex<BTreeMap<u32, i64>>,
    /// Latest high watermark per partition, `None` while the broker does not answer.
    watermarks: Mutex<Option<Vec<(u32, i64)>>>,
    next_client: AtomicU64,
    admission: Admission,
    client_rate: f64,
    tail: broadcast::Sender<Arc<TailBatch>>,
    /// Next offset the shared reader will broadcast, per partition. Updated together with
    /// each broadcast under this lock, so a client joining knows exactly what it is owed.
    tail_next: Mutex<BTreeMap<u32, i64>>,
}

pub fn run(a: Args) -> Res<ExitCode> {
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(serve(a))
}

async fn serve(a: Args) -> Res<ExitCode> {
    let partitions = wait_for_topic(&a.kafka.brokers, &a.kafka.topic).await;
    let probe: BaseConsumer = kafka::consumer_config(&a.kafka.brokers, "serve-probe").create()?;
    let shared = Arc::new(Shared {
        brokers: a.kafka.brokers.clone(),
        topic: a.kafka.topic.clone(),
        partitions,
        batch: a.batch.clamp(1, 10_000),
        metrics: Metrics::default(),
        probe,
        lag: Mutex::new(BTreeMap::new()),
        watermarks: Mutex::new(None),
        next_client: AtomicU64::new(1),
        admission: Admission {
            extra_origins: a.allow_origins.clone(),
            token: a.token.clone(),
        },
        client_rate: a.client_rate.clamp(0.1, 10_000.0),
        tail: broadcast::channel(a.ring.clamp(1, 65_536)).0,
        tail_next: Mutex::new(BTreeMap::new()),
    });
    let ends = tail_start(&shared).await;
    tokio::spawn(follow_tail(shared.clone(), ends));
    tokio::spawn(watch_watermarks(shared.clone()));
    let mut app = Router::new()
        .route("/ws", get(ws_upgrade))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics));
    if a.web.join("index.html").exists() {
        app = app.fallback_service(tower_http::services::ServeDir::new(&a.web));
    } else {
        eprintln!(
            "note: no web UI at {} (build it with `trunk build --release`); serving /ws only",
            a.web.display()
        );
    }
    let listener = tokio::net::TcpListener::bind(a.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", a.bind))?;
    eprintln!(
        "🔌 relaying topic {:?} ({partitions} partitions) from {} on ws://{}/ws — UI at http://{}/",
        a.kafka.topic, a.kafka.brokers, a.bind, a.bind
    );
    axum::serve(listener, app.with_state(shared))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(ExitCode::SUCCESS)
}

/// Waits for the broker and the topic, retrying with backoff and saying why.
async fn wait_for_topic(brokers: &str, topic: &str) -> u32 {
    eprintln!("⏳ waiting for Kafka at {brokers} (topic {topic:?})…");
    let mut delay = Duration::from_millis(500);
    loop {
        let (b, t) = (brokers.to_string(), topic.to_string());
        match tokio::task::spawn_blocking(move || kafka::partition_count(&b, &t)).await {
            Ok(Ok(n)) => return n,
            Ok(Err(e)) => eprintln!("⏳ {e}; retrying in {:.1} s", delay.as_secs_f64()),
            Err(e) => eprintln!("⏳ {e}; retrying in {:.1} s", delay.as_secs_f64()),
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

async fn healthz(State(s): State<Arc<Shared>>) -> Response {
    let probe = s.clone();
    let ok = tokio::task::spawn_blocking(move || {
        probe
            .probe
            .fetch_metadata(Some(&probe.topic), Duration::from_secs(2))
            .is_ok()
    })
    .await
    .unwrap_or(false);
    if ok {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "kafka unreachable\n").into_response()
    }
}

async fn metrics(State(s): State<Arc<Shared>>) -> Response {
    let m = &s.metrics;
    let mut text = String::new();
    let counters: [(&str, &str, &str, &AtomicU64); 7] = [
        (
            "hopscope_records_in_total",
            "Records arriving on the topic (read once, by the shared live reader).",
            "counter",
            &m.records_in,
        ),
        (
            "hopscope_records_replayed_total",
            "Records read again for clients replaying history.",
            "counter",
            &m.replayed,
        ),
        (
            "hopscope_records_out_total",
            "Records sent to WebSocket clients.",
            "counter",
            &m.records_out,
        ),
        (
            "hopscope_invalid_records_total",
            "Arriving records that were not valid sales.",
            "counter",
            &m.invalid,
        ),
        (
            "hopscope_clients",
            "Connected WebSocket clients.",
            "gauge",
            &m.clients,
        ),
        (
            "hopscope_refused_connections_total",
            "WebSocket handshakes refused (origin or token).",
            "counter",
            &m.refused,
        ),
        (
            "hopscope_client_errors_total",
            "Malformed or rate-limited client messages.",
            "counter",
            &m.client_errors,
        ),
    ];
    for (name, help, kind, value) in counters {
        let value = value.load(Ordering::Relaxed);
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    }
    text.push_str("# HELP hopscope_partition_lag Largest lag of any client, per partition.\n# TYPE hopscope_partition_lag gauge\n");
    for (p, lag) in s.lag.lock().expect("not poisoned").iter() {
        text.push_str(&format!(
            "hopscope_partition_lag{{partition=\"{p}\"}} {lag}\n"
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn ws_upgrade(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    State(s): State<Arc<Shared>>,
) -> Response {
    match s
        .admission
        .check(&headers, query.get("token").map(String::as_str))
    {
        Err(Refusal::Origin(origin)) => {
            s.metrics.refused.fetch_add(1, Ordering::Relaxed);
            (
                StatusCode::FORBIDDEN,
                format!("origin {origin} may not connect (see --allow-origin)\n"),
            )
                .into_response()
        }
        Err(Refusal::Token) => {
            s.metrics.refused.fetch_add(1, Ordering::Relaxed);
            (StatusCode::UNAUTHORIZED, "a valid token is required\n").into_response()
        }
        Ok(()) => ws
            .max_message_size(MAX_CLIENT_FRAME)
            .max_frame_size(MAX_CLIENT_FRAME)
            .on_upgrade(move |socket| client(socket, s)),
    }
}

fn send_text(msg: &ServerMessage) -> WsMessage {
    WsMessage::Text(msg.to_json().into())
}

/// One WebSocket client's session.
async fn client(mut socket: WebSocket, s: Arc<Shared>) {
    s.metrics.clients.fetch_add(1, Ordering::Relaxed);
    let id = s.next_client.fetch_add(1, Ordering::Relaxed);
    let hello = ServerMessage::Hello {
        version: PROTOCOL_VERSION,
        topic: s.topic.clone(),
        partitions: s.partitions,
    };
    let mut reader: Option<(tokio::task::JoinHandle<()>, mpsc::Receiver<ReaderEvent>)> = None;
    let mut tail: Option<broadcast::Receiver<Arc<TailBatch>>> = None;
    let mut paused = false;
    let mut limit = RateLimit::new(s.client_rate, 2.0 * s.client_rate);
    let mut next: BTreeMap<u32, i64> = BTreeMap::new();
    let first_status = tokio::time::Instant::now() + Duration::from_secs(2);
    let mut status = tokio::time::interval_at(first_status, Duration::from_secs(2));
    if socket.send(send_text(&hello)).await.is_err() {
        s.metrics.clients.fetch_sub(1, Ordering::Relaxed);
        return;
    }
    loop {
        let batch = async {
            match (reader.as_mut(), tail.as_mut()) {
                (Some((_, rx)), _) if !paused => Source::Own(rx.recv().await),
                (_, Some(rx)) if !paused => Source::Tail(rx.recv().await),
                _ => std::future::pending().await,
            }
        };
        tokio::select! {
            incoming = socket.recv() => {
                let text = match incoming {
                    None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => break,
                    Some(Ok(WsMessage::Text(t))) => t.to_string(),
                    Some(Ok(WsMessage::Binary(_))) => {
                        s.metrics.client_errors.fetch_add(1, Ordering::Relaxed);
                        let e = ServerMessage::Error { message: "binary frames are not part of the protocol; send JSON text".into() };
                        if socket.send(send_text(&e)).await.is_err() { break }
                        continue;
                    }
                    Some(Ok(_)) => continue,
                };
                if !limit.allow(std::time::Instant::now()) {
                    s.metrics.client_errors.fetch_add(1, Ordering::Relaxed);
                    // Tell the first few; after that a flooding client is only dropped.
                    if limit.refused <= 3 {
                        let e = ServerMessage::Error { message: format!("rate limit: at most {} messages per second; message ignored", s.client_rate) };
                        if socket.send(send_text(&e)).await.is_err() { break }
                    }
                    continue;
                }
                match ClientMessage::from_json(&text) {
                    Ok(ClientMessage::Subscribe { start }) => {
                        if let Some((task, _)) = reader.take() { task.abort(); }
                        tail = None;
                        next.clear();
                        if start == StartFrom::Latest {
                            let owed = s.tail_next.lock().expect("not poisoned");
                            tail = Some(s.tail.subscribe());
                            next = owed.clone();
                        } else {
                            let (tx, rx) = mpsc::channel(4);
                            let task = tokio::spawn(read_topic(s.clone(), id, start, tx));
                            reader = Some((task, rx));
                        }
                        paused = false;
                    }
                    Ok(ClientMessage::Pause) => paused = true,
                    Ok(ClientMessage::Resume) => paused = false,
                    Err(message) => {
                        s.metrics.client_errors.fetch_add(1, Ordering::Relaxed);
                        if socket.send(send_text(&ServerMessage::Error { message })).await.is_err() { break }
                    }
                }
            }
            event = batch => match event {
                Source::Tail(Ok(b)) => {
                    // Anything between what this client last had and this batch was lost
                    // to the ring: say so, exactly.
                    let mut gaps = Vec::new();
                    for &(p, after) in &b.after {
                        let first = b.spans.iter().find(|sp| sp.0 == p).map_or(after, |sp| sp.1);
                        if let Some(&want) = next.get(&p) {
                            if first > want {
                                gaps.push(ServerMessage::Gap { partition: p, from: want, to: first - 1 });
                            }
                        }
                        next.insert(p, after);
                    }
                    let mut ok = true;
                    for g in &gaps {
                        ok &= socket.send(send_text(g)).await.is_ok();
                    }
                    if !ok || socket.send(WsMessage::Text(b.json.clone())).await.is_err() { break }
                    s.metrics.records_out.fetch_add(b.count, Ordering::Relaxed);
                }
                Source::Tail(Err(broadcast::error::RecvError::Lagged(_))) => {}
                Source::Tail(Err(broadcast::error::RecvError::Closed)) => tail = None,
                Source::Own(Some(ReaderEvent::Records(records))) => {
                    for r in &records {
                        next.insert(r.partition, r.offset + 1);
                    }
                    let n = records.len() as u64;
                    if socket.send(send_text(&ServerMessage::Records { records })).await.is_err() { break }
                    s.metrics.records_out.fetch_add(n, Ordering::Relaxed);
                }
                Source::Own(Some(ReaderEvent::Failed(message))) => {
                    let _ = socket.send(send_text(&ServerMessage::Error { message })).await;
                    reader = None;
                }
                Source::Own(None) => reader = None,
            },
            _ = status.tick() => {
                let st = partition_status(&s, &next);
                if socket.send(send_text(&st)).await.is_err() { break }
            }
        }
    }
    if let Some((task, _)) = reader.take() {
        task.abort();
    }
    s.metrics.clients.fetch_sub(1, Ordering::Relaxed);
}

enum Source {
    Own(Option<ReaderEvent>),
    Tail(Result<Arc<TailBatch>, broadcast::error::RecvError>),
}

/// The high watermarks of every partition, read once a second for all clients (`None`
/// while the broker does not answer). Clients read this snapshot: a client's status never
/// waits on the broker, so it never stops draining its records meanwhile.
async fn watch_watermarks(s: Arc<Shared>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let probe = s.clone();
        let marks: Option<Vec<(u32, i64)>> = tokio::task::spawn_blocking(move || {
            (0..probe.partitions)
                .map(|p| {
                    probe
                        .probe
                        .fetch_watermarks(&probe.topic, p as i32, Duration::from_secs(2))
                        .map(|(_, high)| (p, high))
                        .ok()
                })
                .collect()
        })
        .await
        .ok()
        .flatten();
        *s.watermarks.lock().expect("not poisoned") = marks;
    }
}

fn partition_status(s: &Shared, next: &BTreeMap<u32, i64>) -> ServerMessage {
    let marks = s.watermarks.lock().expect("not poisoned").clone();
    let Some(marks) = marks else {
        return ServerMessage::Status {
            broker_connected: false,
            partitions: Vec::new(),
        };
    };
    let partitions: Vec<PartitionStatus> = marks
        .into_iter()
        .map(|(p, high)| {
            let next_offset = next.get(&p).copied().unwrap_or(high);
            PartitionStatus {
                partition: p,
                next_offset,
                high_watermark: high,
                lag: (high - next_offset).max(0),
            }
        })
        .collect();
    {
        let mut lag = s.lag.lock().expect("not poisoned");
        for p in &partitions {
            lag.insert(p.partition, p.lag);
        }
    }
    ServerMessage::Status {
        broker_connected: true,
        partitions,
    }
}

/// Positions the shared live reader at the topic's current end, as explicit offsets, so the
/// next offset of every partition is known before any client can connect: a client joining
/// is owed exactly what comes after.
async fn tail_start(s: &Arc<Shared>) -> Vec<PartitionOffset> {
    let ends = loop {
        let probe = s.clone();
        let marks = tokio::task::spawn_blocking(move || {
            (0..probe.partitions)
                .map(|p| {
                    probe
                        .probe
                        .fetch_watermarks(&probe.topic, p as i32, Duration::from_secs(5))
                        .map(|(_, high)| PartitionOffset {
                            partition: p,
                            offset: high,
                        })
                })
                .collect::<Result<Vec<_>, _>>()
        })
        .await;
        match marks {
            Ok(Ok(ends)) => break ends,
            Ok(Err(e)) => eprintln!("live reader: cannot read partition ends: {e}; retrying"),
            Err(e) => eprintln!("live reader: {e}; retrying"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    };
    *s.tail_next.lock().expect("not poisoned") =
        ends.iter().map(|o| (o.partition, o.offset)).collect();
    ends
}

/// The shared live reader: reads new records once and broadcasts each batch.
async fn follow_tail(s: Arc<Shared>, ends: Vec<PartitionOffset>) {
    let (tx, mut rx) = mpsc::channel(4);
    tokio::spawn(read_topic(
        s.clone(),
        0,
        StartFrom::Offsets { offsets: ends },
        tx,
    ));
    while let Some(event) = rx.recv().await {
        match event {
            ReaderEvent::Records(records) => {
                let mut spans: Vec<(u32, i64, i64)> = Vec::new();
                for r in &records {
                    match spans.iter_mut().find(|(p, _, _)| *p == r.partition) {
                        Some(span) => span.2 = r.offset,
                        None => spans.push((r.partition, r.offset, r.offset)),
                    }
                }
                let count = records.len() as u64;
                let json = Utf8Bytes::from(ServerMessage::Records { records }.to_json());
                let mut next = s.tail_next.lock().expect("not poisoned");
                for &(p, _, last) in &spans {
                    next.insert(p, last + 1);
                }
                let after = next.iter().map(|(p, o)| (*p, *o)).collect();
                // No receivers is fine: nobody is following right now.
                let _ = s.tail.send(Arc::new(TailBatch {
                    json,
                    spans,
                    after,
                    count,
                }));
            }
            ReaderEvent::Failed(e) => eprintln!("live reader: {e}"),
        }
    }
}

enum ReaderEvent {
    Records(Vec<Record>),
    Failed(String),
}

/// Reads the topic from `start` for one client and hands it batches. The channel holds at
/// most four batches: a client that does not keep up slows only its own reader.
async fn read_topic(s: Arc<Shared>, client: u64, start: StartFrom, tx: mpsc::Sender<ReaderEvent>) {
    let consumer: StreamConsumer =
        match kafka::consumer_config(&s.brokers, &format!("serve-{client}")).create() {
            Ok(c) => c,
            Err(e) => {
                let _ = tx
                    .send(ReaderEvent::Failed(format!(
                        "cannot create a Kafka reader: {e}"
                    )))
                    .await;
                return;
            }
        };
    let assignment = {
        let (s2, start2) = (s.clone(), start.clone());
        tokio::task::spawn_blocking(move || assignment(&s2, &start2)).await
    };
    let tpl = match assignment {
        Ok(Ok(tpl)) => tpl,
        Ok(Err(e)) => {
            let _ = tx.send(ReaderEvent::Failed(e)).await;
            return;
        }
        Err(e) => {
            let _ = tx.send(ReaderEvent::Failed(e.to_string())).await;
            return;
        }
    };
    if let Err(e) = consumer.assign(&tpl) {
        let _ = tx
            .send(ReaderEvent::Failed(format!(
                "cannot assign partitions: {e}"
            )))
            .await;
        return;
    }
    loop {
        let first = match consumer.recv().await {
            Ok(m) => m,
            Err(e) => {
                // Transient broker errors are retried by librdkafka; keep reading.
                let who = if client == 0 {
                    "live reader".to_string()
                } else {
                    format!("client {client}")
                };
                eprintln!("{who}: kafka: {e} (librdkafka reconnects by itself)");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let mut batch = vec![to_record(&s, client, &first)];
        drop(first);
        // Batch what has already arrived, never wait for more: at a trickle each record goes
        // out at once (latency), under load the queue fills while the previous batch is
        // being sent and batches grow by themselves (throughput).
        while batch.len() < s.batch {
            match consumer.recv().now_or_never() {
                Some(Ok(m)) => batch.push(to_record(&s, client, &m)),
                _ => break,
            }
        }
        if tx.send(ReaderEvent::Records(batch)).await.is_err() {
            return;
        }
    }
}

fn assignment(s: &Shared, start: &StartFrom) -> Result<TopicPartitionList, String> {
    let mut tpl = TopicPartitionList::new();
    let all = 0..s.partitions as i32;
    match start {
        StartFrom::Latest => all.for_each(|p| {
            tpl.add_partition_offset(&s.topic, p, Offset::End)
                .expect("valid");
        }),
        StartFrom::Earliest => all.for_each(|p| {
            tpl.add_partition_offset(&s.topic, p, Offset::Beginning)
                .expect("valid");
        }),
        StartFrom::Offsets { offsets } => {
            for p in all {
                let o = offsets
                    .iter()
                    .find(|o| o.partition as i32 == p)
                    .map_or(Offset::End, |o| Offset::Offset(o.offset.max(0)));
                tpl.add_partition_offset(&s.topic, p, o).expect("valid");
            }
        }
        StartFrom::Timestamp { timestamp } => {
            let mut query = TopicPartitionList::new();
            for p in all {
                query
                    .add_partition_offset(&s.topic, p, Offset::Offset(timestamp.0))
                    .expect("valid");
            }
            let found = s
                .probe
                .offsets_for_times(query, Duration::from_secs(10))
                .map_err(|e| format!("cannot look up offsets for {timestamp}: {e}"))?;
            for e in found.elements() {
                let o = match e.offset() {
                    Offset::Offset(o) => Offset::Offset(o),
                    _ => Offset::End,
                };
                tpl.add_partition_offset(&s.topic, e.partition(), o)
                    .expect("valid");
            }
        }
    }
    Ok(tpl)
}

/// `client` 0 is the shared live reader: only its records count as arriving.
fn to_record(s: &Shared, client: u64, m: &BorrowedMessage<'_>) -> Record {
    let live = client == 0;
    if live {
        s.metrics.records_in.fetch_add(1, Ordering::Relaxed);
    } else {
        s.metrics.replayed.fetch_add(1, Ordering::Relaxed);
    }
    let value = match m.payload() {
        None => Value::Invalid {
            error: "record has no value".into(),
            excerpt: String::new(),
        },
        Some(bytes) => match Sale::from_json(bytes) {
            Ok(sale) => Value::Sale(sale),
            Err(e) => Value::Invalid {
                error: e.to_string(),
                excerpt: String::from_utf8_lossy(&bytes[..bytes.len().min(120)]).into_owned(),
            },
        },
    };
    if live && matches!(value, Value::Invalid { .. }) {
        s.metrics.invalid.fetch_add(1, Ordering::Relaxed);
    }
    Record {
        partition: m.partition() as u32,
        offset: m.offset(),
        timestamp: Timestamp(m.timestamp().to_millis().unwrap_or(0)),
        key: m.key().map(|k| String::from_utf8_lossy(k).into_owned()),
        value,
    }
}
