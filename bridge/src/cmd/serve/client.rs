//! One WebSocket client: moves bytes between the socket, the readers and core's sans-IO
//! [`Session`], which makes every decision. Every send has a deadline: a client that takes
//! no frame for `--send-timeout` is closed with the reason, and its reader and buffers go.

use super::readers::{read_topic, ReaderEvent, TailBatch};
use super::windows::WindowsRelay;
use super::ServeState;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket};
use hopscope_core::protocol::{Record, ServerMessage, PROTOCOL_VERSION};
use hopscope_core::relay::{Session, SessionInput, SessionOutput};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, OwnedSemaphorePermit};

use crate::wall_now as now;

fn text(msg: &ServerMessage) -> WsMessage {
    WsMessage::Text(msg.to_json().into())
}

enum Reader {
    None,
    Tail {
        rx: broadcast::Receiver<Arc<TailBatch>>,
        _following: Following,
    },
    /// The replay's task, its batches, and its place among --max-replays (released when
    /// the reader goes).
    Own {
        task: tokio::task::JoinHandle<()>,
        rx: mpsc::Receiver<ReaderEvent>,
        _slot: OwnedSemaphorePermit,
    },
}

impl Reader {
    fn stop(&mut self) {
        if let Reader::Own { task, .. } = std::mem::replace(self, Reader::None) {
            task.abort();
        }
    }
}

/// Counts its client in `hopscope_clients_following` for as long as it follows the live
/// tail: from the moment its subscription is in place (records produced after that reach
/// it) until the reader is replaced or the client leaves.
struct Following(Arc<ServeState>);

impl Following {
    fn new(s: &Arc<ServeState>) -> Following {
        s.metrics.following.fetch_add(1, Ordering::Relaxed);
        Following(s.clone())
    }
}

impl Drop for Following {
    fn drop(&mut self) {
        self.0.metrics.following.fetch_sub(1, Ordering::Relaxed);
    }
}

enum Event {
    Tail(Result<Arc<TailBatch>, broadcast::error::RecvError>),
    Own(Option<ReaderEvent>),
}

/// Why a session ended early.
enum End {
    Gone,
    Slow,
}

struct Conn {
    socket: WebSocket,
    timeout: Duration,
}

impl Conn {
    async fn send(&mut self, m: WsMessage) -> Result<(), End> {
        match tokio::time::timeout(self.timeout, self.socket.send(m)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(End::Gone),
            Err(_) => Err(End::Slow),
        }
    }
}

pub async fn client(socket: WebSocket, s: Arc<ServeState>) {
    s.metrics.clients.fetch_add(1, Ordering::Relaxed);
    let id = s.next_client.fetch_add(1, Ordering::Relaxed);
    let mut conn = Conn {
        socket,
        timeout: s.send_timeout,
    };
    let end = session(&mut conn, &s, id).await;
    if let Err(End::Slow) = end {
        s.metrics.slow_closed.fetch_add(1, Ordering::Relaxed);
        tracing::info!(
            "client {id}: took no frame for {:?}; closed",
            s.send_timeout
        );
        let close = WsMessage::Close(Some(CloseFrame {
            code: 1008,
            reason: format!(
                "too slow: no frame taken for {} s (serve --send-timeout)",
                s.send_timeout.as_secs()
            )
            .into(),
        }));
        let _ = tokio::time::timeout(Duration::from_millis(200), conn.socket.send(close)).await;
    }
    s.client_next.lock().expect("not poisoned").remove(&id);
    s.metrics.clients.fetch_sub(1, Ordering::Relaxed);
}

async fn session(conn: &mut Conn, s: &Arc<ServeState>, id: u64) -> Result<(), End> {
    let partitions = s.partitions.load(Ordering::Relaxed);
    let mut session = Session::new(partitions, s.client_rate);
    let mut reader = Reader::None;
    let mut grew = s.grew.subscribe();
    let first_status = tokio::time::Instant::now() + Duration::from_secs(2);
    let mut status = tokio::time::interval_at(first_status, Duration::from_secs(2));
    let hello = |partitions| ServerMessage::Hello {
        version: PROTOCOL_VERSION,
        topic: s.topic.clone(),
        partitions,
        windows_topic: s.windows.as_ref().map(|w| w.topic.clone()),
        bridge: Some(format!(
            "hopscope {}, librdkafka {}",
            env!("CARGO_PKG_VERSION"),
            rdkafka::util::get_rdkafka_version().1
        )),
    };
    conn.send(text(&hello(partitions))).await?;
    let mut windows = match &s.windows {
        Some(relay) => {
            let (recent, rx) = relay.join();
            if let Some(m) = recent {
                conn.send(text(&m)).await?;
            }
            Some(rx)
        }
        None => None,
    };
    let mut counted_errors = 0;
    let mut last_owed = std::collections::BTreeMap::new();
    let result = loop {
        // What the session handed in last, for `SessionOutput::Forward`.
        let mut forward: Option<WsMessage> = None;
        let mut forwarded = 0u64;
        let wants = session.wants_batches();
        let batch = async {
            match &mut reader {
                Reader::Tail { rx, .. } if wants => Event::Tail(rx.recv().await),
                Reader::Own { rx, .. } if wants => Event::Own(rx.recv().await),
                _ => std::future::pending().await,
            }
        };
        tokio::select! {
            incoming = conn.socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => break Ok(()),
                Some(Ok(WsMessage::Text(t))) => session.handle_input(SessionInput::Frame(t.as_str()), now()),
                Some(Ok(WsMessage::Binary(_))) => session.handle_input(SessionInput::BinaryFrame, now()),
                Some(Ok(_)) => continue,
            },
            event = batch => match event {
                Event::Tail(Ok(b)) => {
                    session.handle_input(SessionInput::TailBatch { spans: &b.spans, after: &b.after }, now());
                    forward = Some(WsMessage::Text(b.json.clone()));
                    forwarded = b.count;
                }
                Event::Tail(Err(broadcast::error::RecvError::Lagged(_))) => {}
                Event::Tail(Err(broadcast::error::RecvError::Closed)) => reader = Reader::None,
                Event::Own(Some(ReaderEvent::Started(st))) => {
                    session.handle_input(SessionInput::ReplayStarted { from: &st.from, skipped: &st.skipped, past_end: &st.past_end }, now());
                }
                Event::Own(Some(ReaderEvent::Records(records))) => {
                    let at: Vec<(u32, i64)> = records.iter().map(|r: &Record| (r.partition, r.offset)).collect();
                    session.handle_input(SessionInput::Records(&at), now());
                    forwarded = records.len() as u64;
                    forward = Some(text(&ServerMessage::Records { records }));
                }
                Event::Own(Some(ReaderEvent::Failed(message))) => {
                    reader.stop();
                    session.handle_input(SessionInput::ReaderFailed(message), now());
                }
                Event::Own(None) => reader.stop(),
            },
            batch = async {
                match &mut windows {
                    Some(rx) => WindowsRelay::next_batch(rx).await,
                    None => std::future::pending().await,
                }
            } => {
                if batch.missed > 0 {
                    // Nothing is dropped unsaid: counted, logged and told to the page.
                    s.metrics.window_rows_missed.fetch_add(batch.missed, Ordering::Relaxed);
                    tracing::warn!("a client fell behind the windows topic and missed {} rows", batch.missed);
                    conn.send(text(&ServerMessage::Error {
                        message: format!(
                            "This connection fell behind the windows topic and missed {} of its rows: they are not compared.",
                            batch.missed
                        ),
                    }))
                    .await?;
                }
                if !batch.rows.is_empty() {
                    let relay = s.windows.as_ref().expect("a windows receiver has a relay");
                    conn.send(WsMessage::Text(relay.message(batch.rows))).await?;
                }
                if batch.closed {
                    windows = None;
                }
            },
            _ = grew.changed() => {
                let n = *grew.borrow_and_update();
                session.set_partitions(n);
                conn.send(text(&hello(n))).await?;
            }
            _ = status.tick() => {
                let marks = s.watermarks.lock().expect("not poisoned").clone();
                let since = s.since.lock().expect("not poisoned").0;
                session.handle_input(SessionInput::StatusDue(marks.as_deref(), since), now());
            }
        }
        // What the client is owed, for /metrics' lag: recorded before the sends below, so
        // a client whose socket has stalled still shows how far behind it is.
        if session.next_offsets() != &last_owed {
            last_owed = session.next_offsets().clone();
            s.client_next
                .lock()
                .expect("not poisoned")
                .insert(id, last_owed.clone());
        }
        let mut outcome = Ok(());
        while let Some(out) = session.poll_output() {
            let step = match out {
                SessionOutput::Send(m) => conn.send(text(&m)).await,
                SessionOutput::Forward => match forward.take() {
                    Some(m) => {
                        let r = conn.send(m).await;
                        if r.is_ok() {
                            s.metrics
                                .records_out
                                .fetch_add(forwarded, Ordering::Relaxed);
                        }
                        r
                    }
                    None => Ok(()),
                },
                SessionOutput::StopReader => {
                    reader.stop();
                    Ok(())
                }
                SessionOutput::FollowTail => {
                    let owed: Vec<(u32, i64)> = {
                        let owed = s.tail_next.lock().expect("not poisoned");
                        reader = Reader::Tail {
                            rx: s.tail.subscribe(),
                            _following: Following::new(s),
                        };
                        owed.iter().map(|(p, o)| (*p, *o)).collect()
                    };
                    session.handle_input(SessionInput::Following { owed: &owed }, now());
                    Ok(())
                }
                SessionOutput::Replay(start) => {
                    match s.replays.clone().try_acquire_owned() {
                        Ok(permit) => {
                            let (tx, rx) = mpsc::channel(4);
                            let task = tokio::spawn(read_topic(s.clone(), id, start, tx, None));
                            reader = Reader::Own {
                                task,
                                rx,
                                _slot: permit,
                            };
                        }
                        Err(_) => {
                            s.metrics.replays_refused.fetch_add(1, Ordering::Relaxed);
                            session.handle_input(
                                SessionInput::ReplayRefused {
                                    running: s.max_replays,
                                    max: s.max_replays,
                                },
                                now(),
                            );
                        }
                    }
                    Ok(())
                }
            };
            if step.is_err() {
                outcome = step;
                break;
            }
        }
        s.metrics
            .client_errors
            .fetch_add(session.errors - counted_errors, Ordering::Relaxed);
        counted_errors = session.errors;
        if outcome.is_err() {
            break outcome;
        }
    };
    reader.stop();
    result
}
