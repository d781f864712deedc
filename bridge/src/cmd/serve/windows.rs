//! `--windows-topic`: relays the rows of a results topic — the Flink job's windows — to
//! every client, so the page can set Flink's windows beside the ones it computes itself.
//!
//! One reader for all clients (rows are few: one per slide). It starts [`RECENT`] rows back
//! on every partition so a page that opens gets recent windows at once, keeps the last
//! [`RECENT`] valid rows for clients that join later (bounded), and broadcasts each new row.
//! A row that is not a window is logged with partition and offset, counted in /metrics
//! (`hopscope_window_rows_invalid_total`) and never reaches a client.

use super::Shared;
use crate::kafka;
use axum::extract::ws::Utf8Bytes;
use hopscope_core::protocol::{ServerMessage, WindowRow};
use hopscope_core::WindowResult;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::broadcast;

/// Rows read back at start and kept for clients that join (15 minutes of 1 s windows).
pub const RECENT: usize = 900;

pub struct WindowsRelay {
    pub topic: String,
    pub tx: broadcast::Sender<Utf8Bytes>,
    recent: Mutex<VecDeque<WindowRow>>,
}

impl WindowsRelay {
    pub fn new(topic: String) -> WindowsRelay {
        WindowsRelay {
            topic,
            tx: broadcast::channel(256).0,
            recent: Mutex::new(VecDeque::with_capacity(RECENT)),
        }
    }

    /// For a client that just connected: the recent rows as one message, and a receiver
    /// of every row after them — no row missed, none twice.
    pub fn join(&self) -> (Option<ServerMessage>, broadcast::Receiver<Utf8Bytes>) {
        let recent = self.recent.lock().expect("not poisoned");
        let rx = self.tx.subscribe();
        let rows: Vec<WindowRow> = recent.iter().cloned().collect();
        let first = (!rows.is_empty()).then(|| ServerMessage::Windows {
            topic: self.topic.clone(),
            rows,
        });
        (first, rx)
    }
}

/// Reads the results topic for as long as serve runs (waiting for it to exist: the Flink
/// job may start after the bridge).
pub async fn follow(s: Arc<Shared>, relay: Arc<WindowsRelay>) {
    let partitions = super::wait_for_topic(&s.brokers, &relay.topic).await;
    let consumer: StreamConsumer =
        match kafka::consumer_config(&s.brokers, "serve-windows").create() {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(
                    "windows topic {:?}: cannot create a reader: {e}",
                    relay.topic
                );
                return;
            }
        };
    let mut tpl = TopicPartitionList::new();
    for p in 0..partitions as i32 {
        if let Err(e) = tpl.add_partition_offset(&relay.topic, p, Offset::OffsetTail(RECENT as i64))
        {
            tracing::error!("windows topic {:?}: {e}", relay.topic);
            return;
        }
    }
    if let Err(e) = consumer.assign(&tpl) {
        tracing::error!("windows topic {:?}: {e}", relay.topic);
        return;
    }
    tracing::info!(
        "🪟 relaying window rows from topic {:?} ({partitions} partitions)",
        relay.topic
    );
    loop {
        let m = match consumer.recv().await {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!("windows topic {:?}: {e}", relay.topic);
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let at = (m.partition() as u32, m.offset());
        let decoded = match m.payload() {
            Some(p) => WindowResult::from_json(p).map_err(|e| e.to_string()),
            None => Err("no value".to_string()),
        };
        let window = match decoded {
            Ok(w) => w,
            Err(e) => {
                s.metrics
                    .window_rows_invalid
                    .fetch_add(1, Ordering::Relaxed);
                tracing::warn!(
                    "windows topic {:?} partition {} offset {}: {e} (skipped)",
                    relay.topic,
                    at.0,
                    at.1
                );
                continue;
            }
        };
        s.metrics.window_rows_in.fetch_add(1, Ordering::Relaxed);
        let row = WindowRow {
            partition: at.0,
            offset: at.1,
            window,
        };
        let json = Utf8Bytes::from(
            ServerMessage::Windows {
                topic: relay.topic.clone(),
                rows: vec![row.clone()],
            }
            .to_json(),
        );
        // Kept and broadcast under one lock, so a client that joins gets each row once:
        // either in `recent` or from the broadcast (see `join`).
        let mut recent = relay.recent.lock().expect("not poisoned");
        if recent.len() == RECENT {
            recent.pop_front();
        }
        recent.push_back(row);
        // No receiver (no client yet) is not an error.
        let _ = relay.tx.send(json);
    }
}
