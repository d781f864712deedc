//! One WebSocket client of `hopscope serve`, as a sans-IO state machine.
//!
//! The socket task only moves bytes and runs readers; every decision about a client lives
//! here, with time as an argument, so it is unit-tested and fuzzed like the window engine:
//! which frames are accepted (size, rate, shape), where a subscription starts and whether it
//! is valid, which offsets the client is owed and which it missed (gap notices), pause and
//! resume, and the lag it reports. Feed [`Session::handle_input`], then drain
//! [`Session::poll_output`].
//!
//! # Invariants
//! * A client learns every offset it does not receive: records, or a `gap` naming them.
//! * Nothing a client sends makes the session panic or grow without bound: frames are
//!   capped ([`crate::protocol::MAX_CLIENT_FRAME`]), rate-limited, and a subscription names at most the
//!   topic's partitions.

use crate::protocol::{ClientMessage, PartitionOffset, PartitionStatus, ServerMessage, StartFrom};
use crate::time::Timestamp;
use std::collections::{BTreeMap, VecDeque};

/// A token bucket on the caller's clock: `rate` messages per second, bursts up to `burst`.
#[derive(Clone, Debug)]
pub struct RateLimit {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Option<Timestamp>,
    /// Messages refused so far.
    pub refused: u64,
}

impl RateLimit {
    /// Full bucket: `burst` messages may come at once.
    pub fn new(rate: f64, burst: f64) -> RateLimit {
        RateLimit {
            rate,
            burst,
            tokens: burst,
            last: None,
            refused: 0,
        }
    }

    /// Whether a message arriving at `now` may pass (refusals are counted).
    pub fn allow(&mut self, now: Timestamp) -> bool {
        let dt = self
            .last
            .map_or(0, |l| (now.0 - l.0).clamp(0, 60_000))
            .max(0);
        self.last = Some(self.last.map_or(now, |l| l.max(now)));
        self.tokens = (self.tokens + dt as f64 / 1_000.0 * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            self.refused += 1;
            false
        }
    }
}

/// What the relay tells the session.
#[derive(Debug)]
pub enum SessionInput<'a> {
    /// A text frame from the client.
    Frame(&'a str),
    /// A binary frame (not part of the protocol).
    BinaryFrame,
    /// The client now follows the shared live reader, owed these next offsets.
    Following {
        /// (partition, next offset) the shared reader will send next.
        owed: &'a [(u32, i64)],
    },
    /// A batch of the shared live reader: (partition, first, last offset) of its records,
    /// and every partition's next offset once it is out.
    TailBatch {
        /// (partition, first offset, last offset) of the batch's records.
        spans: &'a [(u32, i64, i64)],
        /// Every partition's next offset once the batch is out.
        after: &'a [(u32, i64)],
    },
    /// The client's own replay reader started at these offsets; `skipped` are requests
    /// retention had already deleted: (partition, requested, log start).
    ReplayStarted {
        /// (partition, first offset read).
        from: &'a [(u32, i64)],
        /// (partition, requested, log start): deleted before they could be read.
        skipped: &'a [(u32, i64, i64)],
        /// (partition, requested, end): not written yet; read from the end.
        past_end: &'a [(u32, i64, i64)],
    },
    /// The replay could not start: too many replays running.
    ReplayRefused {
        /// Replays running now.
        running: u32,
        /// `serve --max-replays`.
        max: u32,
    },
    /// Records from the client's own reader: (partition, offset) of each.
    Records(&'a [(u32, i64)]),
    /// The client's reader stopped, with the reason to tell it.
    ReaderFailed(String),
    /// Time for a status frame: the topic's high watermarks (`None` when the broker does
    /// not answer), and the time of the oldest record it still keeps, if known.
    StatusDue(Option<&'a [(u32, i64)]>, Option<Timestamp>),
}

/// What the session asks the relay to do.
#[derive(Clone, Debug, PartialEq)]
pub enum SessionOutput {
    /// Send this message to the client.
    Send(ServerMessage),
    /// Send the batch or records just handed in, unchanged (encoded once, shared).
    Forward,
    /// Stop the current reader (own or shared), if any.
    StopReader,
    /// Subscribe to the shared live reader and report what is owed with
    /// [`SessionInput::Following`].
    FollowTail,
    /// Start an own reader; report with [`SessionInput::ReplayStarted`] or [`SessionInput::ReplayRefused`].
    Replay(StartFrom),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sub {
    None,
    Tail,
    Replay,
}

/// The session of one client: feed [`SessionInput`]s, take [`SessionOutput`]s.
#[derive(Clone, Debug)]
pub struct Session {
    partitions: u32,
    rate: f64,
    limit: RateLimit,
    sub: Sub,
    paused: bool,
    /// Next offset the client is owed, per partition.
    next: BTreeMap<u32, i64>,
    out: VecDeque<SessionOutput>,
    /// Client frames refused for rate or shape.
    pub errors: u64,
}

/// Error frames told before a flooding client is only counted.
const TOLD: u64 = 3;

impl Session {
    /// A client of a topic with `partitions` partitions, allowed `rate` messages per second
    /// (bursts of twice that).
    pub fn new(partitions: u32, rate: f64) -> Session {
        Session {
            partitions,
            rate,
            limit: RateLimit::new(rate, 2.0 * rate),
            sub: Sub::None,
            paused: false,
            next: BTreeMap::new(),
            out: VecDeque::new(),
            errors: 0,
        }
    }

    /// Whether the relay should take batches for this client now.
    pub fn wants_batches(&self) -> bool {
        !self.paused && self.sub != Sub::None
    }

    /// The offsets the client is owed next.
    pub fn next_offsets(&self) -> &BTreeMap<u32, i64> {
        &self.next
    }

    /// The next thing to do for this client, oldest first.
    pub fn poll_output(&mut self) -> Option<SessionOutput> {
        self.out.pop_front()
    }

    fn error(&mut self, message: String) {
        self.out
            .push_back(SessionOutput::Send(ServerMessage::Error { message }));
    }

    /// Something happened, at `now` (the relay's clock: rate limits use it).
    pub fn handle_input(&mut self, input: SessionInput<'_>, now: Timestamp) {
        match input {
            SessionInput::Frame(text) => self.frame(text, now),
            SessionInput::BinaryFrame => {
                self.errors += 1;
                self.error("binary frames are not part of the protocol; send JSON text".into());
            }
            SessionInput::Following { owed } => {
                self.next = owed.iter().copied().collect();
            }
            SessionInput::TailBatch { spans, after } => {
                if self.sub != Sub::Tail {
                    return;
                }
                // Anything between what this client last had and this batch was lost to
                // the ring: say so, exactly.
                for &(p, next_after) in after {
                    let first = spans
                        .iter()
                        .find(|sp| sp.0 == p)
                        .map_or(next_after, |sp| sp.1);
                    if let Some(&want) = self.next.get(&p) {
                        if first > want {
                            self.out.push_back(SessionOutput::Send(ServerMessage::Gap {
                                partition: p,
                                from: want,
                                to: first - 1,
                            }));
                        }
                    }
                    self.next.insert(p, next_after);
                }
                self.out.push_back(SessionOutput::Forward);
            }
            SessionInput::ReplayStarted {
                from,
                skipped,
                past_end,
            } => {
                self.next = from.iter().copied().collect();
                for &(partition, requested, log_start) in skipped {
                    self.out.push_back(SessionOutput::Send(ServerMessage::Gap {
                        partition,
                        from: requested,
                        to: log_start - 1,
                    }));
                }
                for &(partition, requested, end) in past_end {
                    self.error(format!(
                        "partition {partition}: offset {requested} is past the end ({end}); reading from the end"
                    ));
                }
            }
            SessionInput::ReplayRefused { running, max } => {
                self.sub = Sub::None;
                self.error(format!(
                    "server busy: {running} of {max} replays running (serve --max-replays); subscribe from latest, or retry later"
                ));
            }
            SessionInput::Records(records) => {
                for &(p, o) in records {
                    self.next.insert(p, o + 1);
                }
                self.out.push_back(SessionOutput::Forward);
            }
            SessionInput::ReaderFailed(message) => {
                self.sub = Sub::None;
                self.error(message);
            }
            SessionInput::StatusDue(marks, since) => {
                let msg = self.status(marks, since);
                self.out.push_back(SessionOutput::Send(msg));
            }
        }
    }

    fn frame(&mut self, text: &str, now: Timestamp) {
        if !self.limit.allow(now) {
            self.errors += 1;
            // Tell the first few; after that a flooding client is only counted.
            if self.limit.refused <= TOLD {
                self.error(format!(
                    "rate limit: at most {} messages per second; message ignored",
                    self.rate
                ));
            }
            return;
        }
        match ClientMessage::from_json(text) {
            Ok(ClientMessage::Subscribe { start }) => {
                if let Err(e) = self.check_start(&start) {
                    self.errors += 1;
                    self.error(e);
                    return;
                }
                self.out.push_back(SessionOutput::StopReader);
                self.next.clear();
                self.paused = false;
                if start == StartFrom::Latest {
                    self.sub = Sub::Tail;
                    self.out.push_back(SessionOutput::FollowTail);
                } else {
                    self.sub = Sub::Replay;
                    self.out.push_back(SessionOutput::Replay(start));
                }
            }
            Ok(ClientMessage::Pause) => self.paused = true,
            Ok(ClientMessage::Resume) => self.paused = false,
            Err(e) => {
                self.errors += 1;
                self.error(e.to_string());
            }
        }
    }

    fn check_start(&self, start: &StartFrom) -> Result<(), String> {
        match start {
            StartFrom::Timestamp { timestamp } if timestamp.0 < 0 => Err(format!(
                "subscribe: timestamp {timestamp} is before 1970; Kafka record times start there"
            )),
            StartFrom::Offsets { offsets } => {
                if offsets.len() > self.partitions as usize {
                    return Err(format!(
                        "subscribe: {} offsets for a topic of {} partitions",
                        offsets.len(),
                        self.partitions
                    ));
                }
                for PartitionOffset { partition, offset } in offsets {
                    if *partition >= self.partitions {
                        return Err(format!(
                            "subscribe: partition {partition} does not exist (the topic has {})",
                            self.partitions
                        ));
                    }
                    if *offset < 0 {
                        return Err(format!(
                            "subscribe: partition {partition}: offset {offset} is negative"
                        ));
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The topic's partitions grew (new partitions are read from their start).
    pub fn set_partitions(&mut self, partitions: u32) {
        self.partitions = self.partitions.max(partitions);
    }

    /// The client's lag per partition against the high watermarks: what it has not been
    /// sent yet. A replay that has sent nothing is behind by everything from its start.
    pub fn lag(&self, marks: &[(u32, i64)]) -> Vec<(u32, i64)> {
        lag_behind(&self.next, marks)
    }

    fn status(&self, marks: Option<&[(u32, i64)]>, since: Option<Timestamp>) -> ServerMessage {
        let Some(marks) = marks else {
            return ServerMessage::Status {
                broker_connected: false,
                partitions: Vec::new(),
                since,
            };
        };
        ServerMessage::Status {
            broker_connected: true,
            since,
            partitions: marks
                .iter()
                .map(|&(p, high)| {
                    let next_offset = self.next.get(&p).copied().unwrap_or(high);
                    PartitionStatus {
                        partition: p,
                        next_offset,
                        high_watermark: high,
                        lag: (high - next_offset).max(0),
                    }
                })
                .collect(),
        }
    }
}

/// How far a client owed `next` offsets is behind the high watermarks `marks`, per
/// partition. A partition it is owed nothing on yet counts as caught up (it starts at the
/// end there). The one rule for status frames and for the relay's lag metric.
pub fn lag_behind(next: &BTreeMap<u32, i64>, marks: &[(u32, i64)]) -> Vec<(u32, i64)> {
    marks
        .iter()
        .map(|&(p, high)| (p, (high - next.get(&p).copied().unwrap_or(high)).max(0)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: Timestamp = Timestamp(1_000_000);

    fn drain(s: &mut Session) -> Vec<SessionOutput> {
        std::iter::from_fn(|| s.poll_output()).collect()
    }

    fn errors(out: &[SessionOutput]) -> Vec<String> {
        out.iter()
            .filter_map(|o| match o {
                SessionOutput::Send(ServerMessage::Error { message }) => Some(message.clone()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn subscribing_latest_follows_the_tail_and_gaps_name_every_missed_offset() {
        let mut s = Session::new(2, 20.0);
        s.handle_input(
            SessionInput::Frame(r#"{"type":"subscribe","from":"latest"}"#),
            T0,
        );
        assert_eq!(
            drain(&mut s),
            [SessionOutput::StopReader, SessionOutput::FollowTail]
        );
        s.handle_input(
            SessionInput::Following {
                owed: &[(0, 10), (1, 5)],
            },
            T0,
        );
        // The ring dropped offsets 10..=14 of partition 0 and 5..=6 of partition 1.
        s.handle_input(
            SessionInput::TailBatch {
                spans: &[(0, 15, 16)],
                after: &[(0, 17), (1, 7)],
            },
            T0,
        );
        assert_eq!(
            drain(&mut s),
            [
                SessionOutput::Send(ServerMessage::Gap {
                    partition: 0,
                    from: 10,
                    to: 14
                }),
                SessionOutput::Send(ServerMessage::Gap {
                    partition: 1,
                    from: 5,
                    to: 6
                }),
                SessionOutput::Forward
            ]
        );
        assert_eq!(s.lag(&[(0, 20), (1, 7)]), [(0, 3), (1, 0)]);
    }

    #[test]
    fn bad_subscriptions_get_an_error_and_start_nothing() {
        let mut s = Session::new(6, 20.0);
        for frame in [
            r#"{"type":"subscribe","from":"timestamp","timestamp":"1969-12-31T23:59:59Z"}"#,
            r#"{"type":"subscribe","from":"offsets","offsets":[{"partition":9,"offset":0}]}"#,
            r#"{"type":"subscribe","from":"offsets","offsets":[{"partition":1,"offset":-4}]}"#,
            r#"{"type":"subscribe","from":"nowhere"}"#,
        ] {
            s.handle_input(SessionInput::Frame(frame), T0);
            let out = drain(&mut s);
            assert_eq!(errors(&out).len(), 1, "{frame}: {out:?}");
            assert!(
                !out.iter().any(|o| matches!(o, SessionOutput::Replay(_))),
                "{frame}"
            );
        }
        assert!(!s.wants_batches());
    }

    #[test]
    fn a_replay_from_deleted_offsets_is_told_the_gap_and_past_the_end_is_an_error() {
        let mut s = Session::new(2, 20.0);
        s.handle_input(
            SessionInput::Frame(
                r#"{"type":"subscribe","from":"offsets","offsets":[{"partition":0,"offset":3},{"partition":1,"offset":99}]}"#,
            ),
            T0,
        );
        assert!(matches!(drain(&mut s)[1], SessionOutput::Replay(_)));
        s.handle_input(
            SessionInput::ReplayStarted {
                from: &[(0, 40), (1, 12)],
                skipped: &[(0, 3, 40)],
                past_end: &[(1, 99, 12)],
            },
            T0,
        );
        let out = drain(&mut s);
        assert_eq!(
            out[0],
            SessionOutput::Send(ServerMessage::Gap {
                partition: 0,
                from: 3,
                to: 39
            })
        );
        assert!(errors(&out)[0].contains("offset 99 is past the end (12)"));
        // Nothing sent yet: the replay is behind by everything from its start.
        assert_eq!(s.lag(&[(0, 100), (1, 12)]), [(0, 60), (1, 0)]);
    }

    #[test]
    fn floods_are_refused_told_three_times_then_only_counted() {
        let mut s = Session::new(1, 10.0);
        for _ in 0..50 {
            s.handle_input(SessionInput::Frame(r#"{"type":"pause"}"#), T0);
        }
        let out = drain(&mut s);
        assert_eq!(errors(&out).len(), 3);
        assert_eq!(s.errors, 30, "a burst of 20 passes, 30 are refused");
        s.handle_input(
            SessionInput::Frame(r#"{"type":"resume"}"#),
            T0.plus(crate::Span(200)),
        );
        assert!(drain(&mut s).is_empty(), "tokens came back with time");
    }

    #[test]
    fn pause_stops_batches_and_refusal_says_why() {
        let mut s = Session::new(1, 20.0);
        s.handle_input(
            SessionInput::Frame(r#"{"type":"subscribe","from":"earliest"}"#),
            T0,
        );
        drain(&mut s);
        assert!(s.wants_batches());
        s.handle_input(SessionInput::Frame(r#"{"type":"pause"}"#), T0);
        assert!(!s.wants_batches());
        s.handle_input(SessionInput::ReplayRefused { running: 8, max: 8 }, T0);
        assert!(errors(&drain(&mut s))[0].contains("8 of 8 replays"));
    }
}
