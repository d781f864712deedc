//! `hopscope serve`: relay a Kafka topic to browsers over WebSocket, and serve the web UI.
//!
//! Clients following the topic live (`subscribe` from `latest`) share one Kafka reader: its
//! batches are encoded once and fanned out through a bounded broadcast ring. A client that
//! falls more than the ring behind loses the oldest batches and is told exactly which
//! offsets it missed (a `gap` notice per partition), so it can replay them; the others are
//! never slowed. Clients replaying from `earliest`, offsets or a timestamp get a reader of
//! their own (partitions and offsets assigned by hopscope, no consumer group), so a replay
//! never disturbs anyone. Frames are core's `protocol` messages.
//!
//! Modules: `client` (the socket task around core's sans-IO `relay::Session`), `readers`
//! (the shared live reader and replay readers), `health` (broker snapshot, /healthz,
//! /metrics), `admission` (Host, Origin, token).
//!
//! Every resource a client can make grow has a limit: connections (`--max-connections`),
//! replay readers (`--max-replays`, each with a bounded prefetch), time to send request
//! headers (`--header-timeout`) and to take a frame (`--send-timeout`), frame size and
//! message rate.

mod admission;
mod client;
mod health;
mod readers;
mod tls;
mod windows;

use crate::kafka;
use crate::out::Res;
use admission::{Admission, Refusal};
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use clap::Parser;
use hopscope_core::protocol::MAX_CLIENT_FRAME;
use rdkafka::consumer::{BaseConsumer, Consumer};
use readers::TailBatch;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, watch, Semaphore};

/// Default number of batches the shared live reader keeps for clients that are behind.
const TAIL_RING: usize = 256;

/// Relay a Kafka topic to WebSocket clients at /ws, serve the built web UI at /, health at
/// /healthz and Prometheus metrics at /metrics.
#[derive(Parser)]
pub struct Args {
    #[command(flatten)]
    kafka: kafka::TopicArgs,
    /// The topic's shape, when it is not the seed's: pages receive ordinary sales.
    #[command(flatten)]
    shape: crate::shape::ShapeArgs,
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
    /// Also accept this name (or name:port) in the Host header (repeatable), e.g. the name
    /// a reverse proxy or a LAN uses. Loopback names, the --bind address and, when bound to
    /// 0.0.0.0, this machine's addresses always pass; any other Host gets 421 (DNS rebinding).
    #[arg(long = "allow-host")]
    allow_hosts: Vec<String>,
    /// Serve on a non-loopback address without --token: the topic is then readable by
    /// anyone who can reach the port. Without this, serve refuses to start that way.
    #[arg(long)]
    public: bool,
    /// Most open connections (HTTP and WebSocket); more are refused at once.
    #[arg(long, default_value_t = 1_024, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    max_connections: u32,
    /// Most clients replaying history at once (each replay has its own Kafka reader:
    /// threads and a prefetch buffer); more get an error frame and may retry.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    max_replays: u32,
    /// A client that has not taken a frame for this long is closed, with the reason: a
    /// stalled client must not hold its reader and buffers forever.
    #[arg(long, value_parser = hopscope_core::Span::parse, default_value = "10s")]
    send_timeout: hopscope_core::Span,
    /// A connection must send its request headers within this long.
    #[arg(long, value_parser = hopscope_core::Span::parse, default_value = "10s")]
    header_timeout: hopscope_core::Span,
    /// Also relay the window rows of this topic (the Flink job's results, flink/) to every
    /// client, so the page shows Flink's windows beside its own with an agreement line.
    #[arg(long, value_name = "TOPIC")]
    windows_topic: Option<String>,
    /// Serve the page and wss:// over TLS with this certificate chain (PEM; rustls). Re-read,
    /// with --tls-key, on SIGHUP: open connections stay.
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// The private key of --tls-cert (PEM).
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// Allow --token on a non-loopback address without TLS, where the token travels in clear.
    #[arg(long)]
    allow_insecure: bool,
    /// Log (and count in /metrics) a record that moves its partition's newest sale time by
    /// more than this in one step: a broken clock makes every later sale late in the pages.
    #[arg(long, value_parser = hopscope_core::Span::parse, default_value = "1d")]
    max_jump: hopscope_core::Span,
    /// Relay records more than this far ahead of processing time as invalid (quarantined),
    /// so pages never window them. Default: off (Flink's results).
    #[arg(long, value_parser = hopscope_core::Span::parse)]
    max_ahead: Option<hopscope_core::Span>,
    /// Write every record pages cannot window (invalid, quarantined) to this topic, once
    /// (from the live reader), unchanged, with why in its headers (`hopscope.reason`, …).
    #[arg(long, value_name = "TOPIC")]
    dead_letter_topic: Option<String>,
}

pub(crate) struct ServeState {
    conn: kafka::Connection,
    /// The topic's shape (`None`: the seed's); records are relayed as ordinary sales.
    shape: Option<Arc<hopscope_core::sale::SaleShape>>,
    topic: String,
    /// Grows when partitions are added to the topic.
    partitions: AtomicU32,
    batch: usize,
    metrics: health::Metrics,
    /// For metadata and watermarks only; its context knows why the broker refuses us.
    probe: BaseConsumer<kafka::Watch>,
    /// Each connected client's next owed offset per partition (for /metrics' lag).
    client_next: Mutex<HashMap<u64, BTreeMap<u32, i64>>>,
    /// Latest high watermark per partition, `None` while the broker does not answer.
    watermarks: Mutex<Option<Vec<(u32, i64)>>>,
    /// The oldest record's time, and the log starts it was read at with whether each
    /// partition had records (probed again when retention moves them or one fills).
    #[allow(clippy::type_complexity)]
    since: Mutex<(Option<hopscope_core::Timestamp>, Vec<(u32, i64, bool)>)>,
    next_client: AtomicU64,
    admission: Admission,
    client_rate: f64,
    tail: broadcast::Sender<Arc<TailBatch>>,
    /// Next offset the shared reader will broadcast, per partition. Updated together with
    /// each broadcast under this lock, so a client joining knows exactly what it is owed.
    tail_next: Mutex<BTreeMap<u32, i64>>,
    /// The topic's partition count, announced when it grows.
    grew: watch::Sender<u32>,
    replays: Arc<Semaphore>,
    max_replays: u32,
    send_timeout: Duration,
    windows: Option<Arc<windows::WindowsRelay>>,
    /// The live reader's event-time guard (jumps are logged once per record, not per client).
    guard: Mutex<hopscope_core::window::guard::TimeGuard>,
    /// `--dead-letter-topic`.
    dead: Option<crate::report::DeadTopic>,
    /// `--max-ahead`, read by every reader for every record without a lock.
    max_ahead: Option<hopscope_core::Span>,
}

impl ServeState {
    /// Every partition's high watermark (blocking: call from a blocking task).
    fn high_watermarks(&self, timeout_secs: u64) -> Result<Vec<(u32, i64)>, String> {
        (0..self.partitions.load(Ordering::Relaxed))
            .map(|p| {
                self.probe
                    .fetch_watermarks(&self.topic, p as i32, Duration::from_secs(timeout_secs))
                    .map(|(_, high)| (p, high))
                    .map_err(|e| self.conn.redact(&e.to_string()))
            })
            .collect()
    }

    /// Every partition's (log start, high watermark) (blocking).
    fn log_bounds(&self, timeout_secs: u64) -> Result<Vec<(u32, i64, i64)>, String> {
        (0..self.partitions.load(Ordering::Relaxed))
            .map(|p| {
                self.probe
                    .fetch_watermarks(&self.topic, p as i32, Duration::from_secs(timeout_secs))
                    .map(|(low, high)| (p, low, high))
                    .map_err(|e| self.conn.redact(&e.to_string()))
            })
            .collect()
    }

    /// The Kafka timestamp of the oldest record at the partitions' log starts (blocking):
    /// one record read from each non-empty partition, within a few seconds.
    fn oldest_record(&self, bounds: &[(u32, i64, i64)]) -> Option<hopscope_core::Timestamp> {
        let consumer: BaseConsumer<kafka::Watch> =
            kafka::consumer_config(&self.conn, "serve-age", &[])
                .create_with_context(kafka::Watch::new(&self.conn))
                .ok()?;
        let mut tpl = rdkafka::TopicPartitionList::new();
        let mut left: Vec<u32> = Vec::new();
        for &(p, low, high) in bounds {
            if high > low {
                tpl.add_partition_offset(&self.topic, p as i32, rdkafka::Offset::Offset(low))
                    .ok()?;
                left.push(p);
            }
        }
        consumer.assign(&tpl).ok()?;
        let oldest = Self::first_timestamps(&consumer, left);
        kafka::close(consumer);
        oldest.map(hopscope_core::Timestamp)
    }

    /// The oldest Kafka timestamp among the first records of the partitions `left`.
    fn first_timestamps(consumer: &BaseConsumer<kafka::Watch>, mut left: Vec<u32>) -> Option<i64> {
        use rdkafka::message::Message;
        let mut oldest: Option<i64> = None;
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !left.is_empty() && std::time::Instant::now() < deadline {
            if let Some(Ok(m)) = consumer.poll(Duration::from_millis(200)) {
                let p = m.partition() as u32;
                if let Some(i) = left.iter().position(|&q| q == p) {
                    left.swap_remove(i);
                    if let Some(t) = m.timestamp().to_millis() {
                        oldest = Some(oldest.map_or(t, |o| o.min(t)));
                    }
                }
            }
        }
        oldest
    }

    /// The topic's partition count from fresh metadata (blocking), if the broker answers.
    fn partition_count_now(&self) -> Option<u32> {
        let md = self
            .probe
            .fetch_metadata(Some(&self.topic), Duration::from_secs(2))
            .ok()?;
        let t = md.topics().iter().find(|t| t.name() == self.topic)?;
        (t.error().is_none() && !t.partitions().is_empty()).then(|| t.partitions().len() as u32)
    }
}

pub fn run(a: Args) -> Res<ExitCode> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("HOPSCOPE_LOG")
                // librdkafka repeats a broker outage every poll; the bridge logs each change
                // of state once itself. HOPSCOPE_LOG=info,librdkafka=warn shows librdkafka's own.
                .unwrap_or_else(|_| {
                    tracing_subscriber::EnvFilter::new("info,rdkafka=off,librdkafka=off")
                }),
        )
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
    if !a.bind.ip().is_loopback() && a.token.is_none() && !a.public {
        return Err(format!(
            "refusing to serve on {} without --token: anyone who can reach it could read topic {:?}. \
             Set --token (or HOPSCOPE_TOKEN), bind to 127.0.0.1, or pass --public if the stream is public.",
            a.bind, a.kafka.topic
        )
        .into());
    }
    if !a.bind.ip().is_loopback() && a.token.is_some() && a.tls_cert.is_none() && !a.allow_insecure
    {
        return Err(format!(
            "refusing to serve on {} with --token but without TLS: the token would cross the network \
             in clear. Give --tls-cert and --tls-key, put a TLS proxy in front and pass --allow-insecure, \
             or bind to 127.0.0.1.",
            a.bind
        )
        .into());
    }
    let conn = kafka::Connection::from_args(&a.kafka.conn)?;
    for w in conn.warnings(kafka::Role::Consumer) {
        tracing::warn!("{w}");
    }
    // A bad --field fails the start, not the first record.
    a.shape.shape()?;
    let tls = match (&a.tls_cert, &a.tls_key) {
        (Some(c), Some(k)) => Some(Arc::new(tls::Tls::load(c, k)?)),
        _ => None,
    };
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(serve(a, conn, tls))
}

async fn serve(a: Args, conn: kafka::Connection, tls: Option<Arc<tls::Tls>>) -> Res<ExitCode> {
    let listener = tokio::net::TcpListener::bind(a.bind)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", a.bind))?;
    if let Some(tls) = &tls {
        tokio::spawn(tls::reload_on_sighup(tls.clone()));
    }
    let (scheme, ws) = if tls.is_some() {
        ("https", "wss")
    } else {
        ("http", "ws")
    };
    let header_timeout = Duration::from_millis(a.header_timeout.0.max(1) as u64);
    let max_connections = a.max_connections as usize;
    // Until Kafka accepts us every route answers 503 with the cause, so an operator (and a
    // load balancer's health check) sees why; the same port then serves the bridge.
    let waiting = Arc::new(Mutex::new(format!(
        "waiting for Kafka at {}",
        conn.describe()
    )));
    let partitions = {
        let status = waiting.clone();
        // `Connection: close`: a kept-alive connection would stay with this router after
        // the bridge starts (load balancers and Node's agent keep them).
        let app = Router::new().fallback(move || {
            let why = status.lock().expect("not poisoned").clone();
            async move {
                let mut r = health::unavailable(&why);
                r.headers_mut().insert(
                    axum::http::header::CONNECTION,
                    axum::http::HeaderValue::from_static("close"),
                );
                r
            }
        });
        let gate = Gate {
            slots: Arc::new(Semaphore::new(max_connections)),
            header_timeout,
            tls: tls.clone(),
        };
        tokio::select! {
            n = wait_for_topic(&conn, &a.kafka.topic, Some(&waiting)) => n,
            _ = accept(&listener, app, None, &gate) => return Ok(ExitCode::SUCCESS),
        }
    };
    let probe: BaseConsumer<kafka::Watch> = kafka::consumer_config(&conn, "serve-probe", &[])
        .create_with_context(kafka::Watch::new(&conn))
        .map_err(|e| conn.redact(&e.to_string()))?;
    let shared = Arc::new(ServeState {
        conn: conn.clone(),
        shape: a.shape.shape()?,
        topic: a.kafka.topic.clone(),
        partitions: AtomicU32::new(partitions),
        batch: a.batch.clamp(1, 10_000),
        metrics: health::Metrics::default(),
        probe,
        client_next: Mutex::new(HashMap::new()),
        watermarks: Mutex::new(None),
        since: Mutex::new((None, Vec::new())),
        next_client: AtomicU64::new(1),
        admission: Admission {
            extra_origins: a.allow_origins.clone(),
            token: a.token.clone(),
            bind: a.bind,
            extra_hosts: a.allow_hosts.clone(),
            tls: tls.is_some(),
        },
        client_rate: a.client_rate.clamp(0.1, 10_000.0),
        tail: broadcast::channel(a.ring.clamp(1, 65_536)).0,
        tail_next: Mutex::new(BTreeMap::new()),
        grew: watch::channel(partitions).0,
        replays: Arc::new(Semaphore::new(a.max_replays as usize)),
        max_replays: a.max_replays,
        send_timeout: Duration::from_millis(a.send_timeout.0.max(1) as u64),
        windows: a
            .windows_topic
            .clone()
            .map(|t| Arc::new(windows::WindowsRelay::new(t))),
        dead: match &a.dead_letter_topic {
            None => None,
            Some(dlq) => {
                let (c, t) = (conn.clone(), dlq.clone());
                tokio::task::spawn_blocking(move || kafka::ensure_topic_blocking(&c, &t))
                    .await
                    .map_err(|e| e.to_string())??;
                Some(crate::report::DeadTopic {
                    producer: kafka::producer::PolledProducer::create(
                        &kafka::producer_config(&conn, "murmur2_random", &[]),
                        kafka::Watch::new(&conn),
                    )
                    .map_err(|e| conn.redact(&e.to_string()))?,
                    topic: dlq.clone(),
                    source: a.kafka.topic.clone(),
                })
            }
        },
        max_ahead: a.max_ahead,
        guard: Mutex::new(hopscope_core::window::guard::TimeGuard::new(
            hopscope_core::window::guard::GuardConfig {
                max_jump: a.max_jump,
                max_ahead: a.max_ahead,
                max_behind: None,
            },
        )),
    });
    if let Some(relay) = shared.windows.clone() {
        tokio::spawn(windows::follow(shared.clone(), relay));
    }
    let ends = readers::tail_start(&shared).await;
    tokio::spawn(readers::follow_tail(shared.clone(), ends));
    tokio::spawn(health::watch_broker(shared.clone(), shared.grew.clone()));
    let mut app = Router::new()
        .route("/ws", get(ws_upgrade))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics));
    if a.web.join("index.html").exists() {
        app = app.fallback_service(tower_http::services::ServeDir::new(&a.web));
    } else {
        tracing::warn!(
            "no web UI at {} (build it with `trunk build --release`); serving /ws only",
            a.web.display()
        );
    }
    let app = app
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            check_host,
        ))
        .with_state(shared.clone());
    tracing::info!(
        "🔌 relaying topic {:?} ({partitions} partitions) from {} on {ws}://{}/ws — UI at {scheme}://{}/",
        a.kafka.topic,
        shared.conn.describe(),
        a.bind,
        a.bind
    );
    let gate = Gate {
        slots: Arc::new(Semaphore::new(max_connections)),
        header_timeout,
        tls,
    };
    accept(&listener, app, Some(shared.clone()), &gate).await;
    if let Some(dead) = &shared.dead {
        // Ctrl-C: the dead letters in flight reach their topic first.
        let _ = dead.producer.flush(Duration::from_secs(10));
    }
    Ok(ExitCode::SUCCESS)
}

/// What every connection passes: the connection cap, the header deadline, TLS.
struct Gate {
    slots: Arc<Semaphore>,
    header_timeout: Duration,
    tls: Option<Arc<tls::Tls>>,
}

/// The accept loop: at most `max` connections at once (one more is closed at once and
/// counted), each with a deadline for its TLS handshake and request headers; ends on Ctrl-C.
async fn accept(
    listener: &tokio::net::TcpListener,
    app: Router,
    s: Option<Arc<ServeState>>,
    gate: &Gate,
) {
    let slots = &gate.slots;
    let header_timeout = gate.header_timeout;
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let (stream, _) = tokio::select! {
            _ = &mut ctrl_c => return,
            r = listener.accept() => match r {
                Ok(c) => c,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!("accept: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = slots.clone().try_acquire_owned() else {
            if let Some(s) = &s {
                s.metrics
                    .connections_refused
                    .fetch_add(1, Ordering::Relaxed);
            }
            drop(stream);
            continue;
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let s = s.clone();
        let acceptor = gate.tls.as_ref().map(|t| t.acceptor());
        tokio::spawn(async move {
            if let Some(s) = &s {
                s.metrics.connections.fetch_add(1, Ordering::Relaxed);
            }
            match acceptor {
                None => serve_connection(stream, app, header_timeout).await,
                // The handshake shares the header deadline: a client that opens a TCP
                // connection and never speaks TLS is closed like one that sends no headers.
                Some(acceptor) => {
                    if let Ok(Ok(tls)) =
                        tokio::time::timeout(header_timeout, acceptor.accept(stream)).await
                    {
                        serve_connection(tls, app, header_timeout).await;
                    }
                }
            }
            if let Some(s) = &s {
                s.metrics.connections.fetch_sub(1, Ordering::Relaxed);
            }
            drop(permit);
        });
    }
}

/// HTTP/1.1 with upgrades (WebSocket) on one connection, plain or TLS.
async fn serve_connection<S>(io: S, app: Router, header_timeout: Duration)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use hyper_util::server::conn::auto::Builder;
    use hyper_util::service::TowerToHyperService;
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout);
    let _ = builder
        .serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(app))
        .await;
}

/// Every route: a Host that does not name this server is refused (DNS rebinding).
async fn check_host(State(s): State<Arc<ServeState>>, req: Request, next: Next) -> Response {
    match s.admission.check_host(req.headers()) {
        Ok(()) => next.run(req).await,
        Err(r) => refuse(&s, r),
    }
}

/// A refused request: counted (Host refusals apart: they are DNS rebinding, not a
/// misconfigured page), then answered with its status and the option that admits it.
fn refuse(s: &ServeState, r: Refusal) -> Response {
    let counter = match r {
        Refusal::Host(_) => &s.metrics.hosts_refused,
        Refusal::Origin(_) | Refusal::Token => &s.metrics.refused,
    };
    counter.fetch_add(1, Ordering::Relaxed);
    r.into_response()
}

/// Waits for the broker to accept us and for the topic, retrying with backoff. Each cause
/// is logged once (not once per retry) and kept in `status` for the 503 answers.
async fn wait_for_topic(
    conn: &kafka::Connection,
    topic: &str,
    status: Option<&Mutex<String>>,
) -> u32 {
    tracing::info!(
        "⏳ waiting for Kafka at {} (topic {topic:?})…",
        conn.describe()
    );
    let mut delay = Duration::from_millis(500);
    let mut told = String::new();
    loop {
        let (c, t) = (conn.clone(), topic.to_string());
        let attempt = tokio::task::spawn_blocking(move || {
            kafka::connect_and_count(&c, &t, Duration::from_secs(10), false)
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()));
        let why = match attempt {
            Ok(n) => {
                if !told.is_empty() {
                    tracing::info!("Kafka accepts us now: topic {topic:?} has {n} partitions");
                }
                return n;
            }
            Err(e) => e,
        };
        if why != told {
            tracing::warn!("⏳ {why}; retrying until it does (every ≤ 10 s)");
            if let Some(status) = status {
                *status.lock().expect("not poisoned") = why.clone();
            }
            told = why;
        }
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(10));
    }
}

async fn ws_upgrade(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
    State(s): State<Arc<ServeState>>,
) -> Response {
    match s
        .admission
        .check(&headers, query.get("token").map(String::as_str))
    {
        Err(r) => refuse(&s, r),
        Ok(()) => ws
            .max_message_size(MAX_CLIENT_FRAME)
            .max_frame_size(MAX_CLIENT_FRAME)
            .on_upgrade(move |socket| client::client(socket, s)),
    }
}
