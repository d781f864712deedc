//! `--windows-topic`: relays the rows of a results topic — the Flink job's windows — to
//! every client, so the page can set Flink's windows beside the ones it computes itself.
//!
//! One reader for all clients (rows are few: one per slide). It starts [`RECENT`] rows back
//! on every partition so a page that opens gets recent windows at once, keeps the last
//! [`RECENT`] valid rows for clients that join later (bounded), and broadcasts each new row.
//! A row that is not a window is logged with partition and offset, counted in /metrics
//! (`hopscope_window_rows_invalid_total`) and never reaches a client.

use super::ServeState;
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
/// Rows waiting for the slowest client. A bounded Flink job writes its rows in one burst
/// (thousands at once); a client takes everything waiting as one message (up to
/// [`MAX_BATCH`]), so it keeps up, and what it still misses is counted and reported.
const CHANNEL: usize = 4_096;
/// Most rows in one `windows` message to a client.
pub const MAX_BATCH: usize = 500;

pub struct WindowsRelay {
    pub topic: String,
    pub tx: broadcast::Sender<Arc<WindowRow>>,
    recent: Mutex<VecDeque<WindowRow>>,
}

/// What a client has to send: the rows waiting for it (in order), and how many it missed
/// by falling more than [`CHANNEL`] rows behind.
#[derive(Debug, Default)]
pub struct Batch {
    pub rows: Vec<WindowRow>,
    pub missed: u64,
    /// The relay stopped (serve is shutting down).
    pub closed: bool,
}

impl WindowsRelay {
    pub fn new(topic: String) -> WindowsRelay {
        WindowsRelay {
            topic,
            tx: broadcast::channel(CHANNEL).0,
            recent: Mutex::new(VecDeque::with_capacity(RECENT)),
        }
    }

    /// Keeps `row` among the recent ones (the oldest goes past [`RECENT`]) and sends it to
    /// every client. Kept and broadcast under one lock, so a client that joins gets each row
    /// once: either in `recent` or from the broadcast (see [`WindowsRelay::join`]).
    fn publish(&self, row: WindowRow) {
        let shared = Arc::new(row.clone());
        let mut recent = self.recent.lock().expect("not poisoned");
        if recent.len() == RECENT {
            recent.pop_front();
        }
        recent.push_back(row);
        // No receiver (no client yet) is not an error.
        let _ = self.tx.send(shared);
    }

    /// Waits for the next row, then takes every row already waiting (up to
    /// [`MAX_BATCH`]): one message per burst instead of one per row.
    pub async fn next_batch(rx: &mut broadcast::Receiver<Arc<WindowRow>>) -> Batch {
        let mut batch = Batch::default();
        let first = rx.recv().await;
        Self::take(&mut batch, first);
        while !batch.closed && batch.rows.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(row) => batch.rows.push((*row).clone()),
                Err(broadcast::error::TryRecvError::Lagged(n)) => batch.missed += n,
                Err(broadcast::error::TryRecvError::Closed) => batch.closed = true,
                Err(broadcast::error::TryRecvError::Empty) => break,
            }
        }
        batch
    }

    fn take(batch: &mut Batch, r: Result<Arc<WindowRow>, broadcast::error::RecvError>) {
        match r {
            Ok(row) => batch.rows.push((*row).clone()),
            Err(broadcast::error::RecvError::Lagged(n)) => batch.missed += n,
            Err(broadcast::error::RecvError::Closed) => batch.closed = true,
        }
    }

    /// The message a batch's rows travel in.
    pub fn message(&self, rows: Vec<WindowRow>) -> Utf8Bytes {
        Utf8Bytes::from(
            ServerMessage::Windows {
                topic: self.topic.clone(),
                rows,
            }
            .to_json(),
        )
    }

    /// For a client that just connected: the recent rows as one message, and a receiver
    /// of every row after them — no row missed, none twice.
    pub fn join(&self) -> (Option<ServerMessage>, broadcast::Receiver<Arc<WindowRow>>) {
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
pub async fn follow(s: Arc<ServeState>, relay: Arc<WindowsRelay>) {
    let partitions = super::wait_for_topic(&s.conn, &relay.topic, None).await;
    let consumer: StreamConsumer<kafka::Watch> =
        match kafka::consumer_config(&s.conn, "serve-windows", &[])
            .create_with_context(kafka::Watch::new(&s.conn))
        {
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
        relay.publish(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hopscope_core::{Cents, Timestamp};

    fn row(i: i64) -> WindowRow {
        WindowRow {
            partition: 0,
            offset: i,
            window: WindowResult {
                window_start: Timestamp(i * 1_000),
                window_end: Timestamp(i * 1_000 + 60_000),
                sales_in_window: 1,
                revenue: Cents(100),
                avg_ticket: Cents(100),
                active_sellers: 1,
                active_categories: 1,
                active_products: 1,
                biggest_sale: Cents(100),
                top_category: None,
                top_seller: None,
                top_categories: vec![],
                top_sellers: vec![],
                sales_per_partition: vec![],
                ticket_stddev: 0.0,
            },
        }
    }

    fn offsets(m: &ServerMessage) -> Vec<i64> {
        match m {
            ServerMessage::Windows { rows, .. } => rows.iter().map(|r| r.offset).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_joining_client_gets_the_newest_rows_up_to_the_cap_then_each_new_one_once() {
        let relay = WindowsRelay::new("w".into());
        assert!(relay.join().0.is_none(), "no rows yet, no message");
        let n = RECENT as i64 + 100;
        for i in 0..n {
            relay.publish(row(i));
        }
        let (recent, mut rx) = relay.join();
        let got = offsets(&recent.unwrap());
        assert_eq!(got.len(), RECENT);
        assert_eq!(got, (100..n).collect::<Vec<_>>());
        relay.publish(row(n));
        assert_eq!(rx.try_recv().unwrap().offset, n);
        assert!(rx.try_recv().is_err(), "each row once");
    }

    #[tokio::test]
    async fn a_burst_goes_out_in_few_messages_and_what_a_slow_client_misses_is_counted() {
        let relay = WindowsRelay::new("w".into());
        let (_, mut rx) = relay.join();
        // A bounded Flink job's burst: 1,200 rows before the client reads one.
        for i in 0..1_200 {
            relay.publish(row(i));
        }
        let mut got = Vec::new();
        let mut messages = 0;
        while got.len() < 1_200 {
            let b = WindowsRelay::next_batch(&mut rx).await;
            assert_eq!(b.missed, 0, "a burst within the channel loses nothing");
            assert!(b.rows.len() <= MAX_BATCH);
            let m = ServerMessage::from_json(relay.message(b.rows).as_str()).unwrap();
            got.extend(offsets(&m));
            messages += 1;
        }
        assert_eq!(got, (0..1_200).collect::<Vec<_>>(), "in order, each once");
        assert_eq!(messages, 3, "500 + 500 + 200 rows");
        // A client further behind than the channel holds: the oldest are missed, counted.
        let n = CHANNEL as i64 + 300;
        for i in 0..n {
            relay.publish(row(i));
        }
        let (mut received, mut missed) = (0u64, 0u64);
        while received + missed < n as u64 {
            let b = WindowsRelay::next_batch(&mut rx).await;
            received += b.rows.len() as u64;
            missed += b.missed;
        }
        assert_eq!(missed, 300);
        assert_eq!(received, CHANNEL as u64);
    }
}
