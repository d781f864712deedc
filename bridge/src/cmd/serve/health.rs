//! What the bridge knows of the broker (one snapshot, refreshed once a second for everyone),
//! and what it tells operators: `/healthz` and `/metrics`.
//!
//! Neither route ever waits on the broker: both read the snapshot, so a flood of health
//! checks during an outage costs nothing (it once spent a blocking thread for 2 s each).

use super::ServeState;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use rdkafka::consumer::Consumer;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[derive(Default)]
pub struct Metrics {
    pub records_in: AtomicU64,
    pub records_out: AtomicU64,
    pub invalid: AtomicU64,
    pub replayed: AtomicU64,
    pub clients: AtomicU64,
    pub following: AtomicU64,
    pub connections: AtomicU64,
    pub client_errors: AtomicU64,
    pub refused: AtomicU64,
    pub hosts_refused: AtomicU64,
    pub connections_refused: AtomicU64,
    pub replays_refused: AtomicU64,
    pub slow_closed: AtomicU64,
    pub partitions_added: AtomicU64,
    pub window_rows_in: AtomicU64,
    pub window_rows_invalid: AtomicU64,
    /// Window rows a client fell too far behind to get (reported to it).
    pub window_rows_missed: AtomicU64,
    /// Records that moved a partition's newest sale time by more than --max-jump.
    pub watermark_jumps: AtomicU64,
    /// Records relayed as invalid for being more than --max-ahead ahead.
    pub quarantined: AtomicU64,
}

/// Refreshes the broker snapshot: every partition's high watermark once a second (`None`
/// while the broker does not answer), the partition count every five seconds. New
/// partitions are announced to the live reader and to clients.
pub async fn watch_broker(s: Arc<ServeState>, grew: tokio::sync::watch::Sender<u32>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let mut n = 0u64;
    let mut was_up = true;
    let mut told: Option<String> = None;
    loop {
        tick.tick().await;
        n += 1;
        if n % 5 == 0 {
            let probe = s.clone();
            if let Ok(Some(count)) =
                tokio::task::spawn_blocking(move || probe.partition_count_now()).await
            {
                let before = s.partitions.load(Ordering::Relaxed);
                if count > before {
                    s.partitions.store(count, Ordering::Relaxed);
                    s.metrics
                        .partitions_added
                        .fetch_add(u64::from(count - before), Ordering::Relaxed);
                    tracing::info!(
                        "topic {:?} grew from {before} to {count} partitions: relaying the new ones from their start",
                        s.topic
                    );
                    let _ = grew.send(count);
                }
            }
        }
        let probe = s.clone();
        let marks = tokio::task::spawn_blocking(move || {
            // Serve the probe's queued librdkafka events: their text tells its Watch why
            // the broker refuses us.
            while probe.probe.poll(Duration::ZERO).is_some() {}
            let bounds = probe.log_bounds(2).ok()?;
            // The oldest record's time: read again only when retention moved a log start
            // or an empty partition got its first record.
            let lows: Vec<(u32, i64, bool)> = bounds
                .iter()
                .map(|&(p, low, high)| (p, low, high > low))
                .collect();
            let known = probe.since.lock().expect("not poisoned").1 == lows;
            if !known {
                let oldest = probe.oldest_record(&bounds);
                if oldest.is_some() || bounds.iter().all(|&(_, low, high)| low == high) {
                    *probe.since.lock().expect("not poisoned") = (oldest, lows);
                }
            }
            Some(
                bounds
                    .iter()
                    .map(|&(p, _, high)| (p, high))
                    .collect::<Vec<_>>(),
            )
        })
        .await
        .ok()
        .flatten();
        let up = marks.is_some();
        let cause = s.probe.context().cause().map(|c| c.message().to_string());
        if up {
            s.probe.context().clear();
            if !was_up {
                tracing::info!("Kafka at {} answers again", s.conn.describe());
            }
            told = None;
        } else if was_up || cause != told {
            // Once per cause, not once a second.
            tracing::warn!(
                "Kafka at {} does not answer{}",
                s.conn.describe(),
                cause
                    .as_deref()
                    .map(|c| format!(": {c}"))
                    .unwrap_or_default()
            );
            told = cause;
        }
        was_up = up;
        *s.watermarks.lock().expect("not poisoned") = marks;
    }
}

pub async fn healthz(State(s): State<Arc<ServeState>>) -> Response {
    if s.watermarks.lock().expect("not poisoned").is_some() {
        (StatusCode::OK, "ok\n").into_response()
    } else {
        let why = s.probe.context().cause().map_or_else(
            || "does not answer".to_string(),
            |c| c.message().to_string(),
        );
        unavailable(&format!("Kafka at {}: {why}", s.conn.describe()))
    }
}

/// 503 with the cause, for /healthz and for every route while serve waits for Kafka.
pub fn unavailable(why: &str) -> Response {
    (
        StatusCode::SERVICE_UNAVAILABLE,
        format!("unavailable: {why}\n"),
    )
        .into_response()
}

pub async fn metrics(State(s): State<Arc<ServeState>>) -> Response {
    let m = &s.metrics;
    let mut text = String::new();
    let counters: [(&str, &str, &str, &AtomicU64); 19] = [
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
            "hopscope_clients_following",
            "Clients following the live tail (the others replay, or have not subscribed).",
            "gauge",
            &m.following,
        ),
        (
            "hopscope_connections",
            "Open connections (HTTP and WebSocket).",
            "gauge",
            &m.connections,
        ),
        (
            "hopscope_refused_connections_total",
            "WebSocket handshakes refused (origin or token).",
            "counter",
            &m.refused,
        ),
        (
            "hopscope_refused_hosts_total",
            "Requests refused for a Host that does not name this server (DNS rebinding).",
            "counter",
            &m.hosts_refused,
        ),
        (
            "hopscope_connections_over_limit_total",
            "Connections closed at once: --max-connections were open.",
            "counter",
            &m.connections_refused,
        ),
        (
            "hopscope_replays_refused_total",
            "Replays refused: --max-replays were running.",
            "counter",
            &m.replays_refused,
        ),
        (
            "hopscope_slow_clients_closed_total",
            "Clients closed for taking no frame within --send-timeout.",
            "counter",
            &m.slow_closed,
        ),
        (
            "hopscope_client_errors_total",
            "Malformed or rate-limited client messages.",
            "counter",
            &m.client_errors,
        ),
        (
            "hopscope_partitions_added_total",
            "Partitions added to the topic while serving.",
            "counter",
            &m.partitions_added,
        ),
        (
            "hopscope_window_rows_total",
            "Window rows relayed from --windows-topic.",
            "counter",
            &m.window_rows_in,
        ),
        (
            "hopscope_window_rows_invalid_total",
            "Rows on --windows-topic that are not windows (logged with partition and offset, skipped).",
            "counter",
            &m.window_rows_invalid,
        ),
        (
            "hopscope_window_rows_missed_total",
            "Window rows a client fell too far behind to receive (each told to its client).",
            "counter",
            &m.window_rows_missed,
        ),
        (
            "hopscope_watermark_jumps_total",
            "Records that moved their partition's newest sale time by more than --max-jump in one step (logged).",
            "counter",
            &m.watermark_jumps,
        ),
        (
            "hopscope_quarantined_total",
            "Records relayed as invalid for being more than --max-ahead ahead of processing time.",
            "counter",
            &m.quarantined,
        ),
    ];
    for (name, help, kind, value) in counters {
        let value = value.load(Ordering::Relaxed);
        text.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    }
    text.push_str("# HELP hopscope_partition_lag Largest lag of any connected client, per partition.\n# TYPE hopscope_partition_lag gauge\n");
    let mut worst: BTreeMap<u32, i64> = BTreeMap::new();
    if let Some(marks) = s.watermarks.lock().expect("not poisoned").clone() {
        for next in s.client_next.lock().expect("not poisoned").values() {
            for (p, lag) in hopscope_core::relay::lag_behind(next, &marks) {
                let w = worst.entry(p).or_insert(0);
                *w = (*w).max(lag);
            }
        }
    }
    for (p, lag) in worst {
        text.push_str(&format!(
            "hopscope_partition_lag{{partition=\"{p}\"}} {lag}\n"
        ));
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
