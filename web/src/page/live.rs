//! The live half of the page's reducer: the connection to the bridge (open, retry with
//! backoff, pause and resume by offsets) and what its messages do to the state.

use super::*;

/// The live connection and what it has seen.
pub struct LiveState {
    pub connected: bool,
    pub problem: Option<String>,
    pub records: u64,
    pub invalid: u64,
    pub last_invalid: Option<String>,
    pub last: Option<(u32, i64)>,
    pub lag: Vec<(u32, i64)>,
    pub gaps: u64,
    pub topic: Option<String>,
    /// The bridge's `--windows-topic` (Flink's windows), once a row came.
    pub windows_topic: Option<String>,
    /// Rows received from it.
    pub windows_received: u64,
    /// Event time: where the warm start began (now − window size − delay).
    pub warm_from: Option<Timestamp>,
    /// Next offset owed per partition (records and gap notices received): a reconnect
    /// resumes exactly there, so no record is lost or seen twice and windows are kept.
    pub next: BTreeMap<u32, i64>,
    /// Reconnect attempts since the last open connection.
    pub attempt: u32,
    /// When the next attempt is due (wall clock, ms), while the bridge is away.
    pub retry_at: Option<f64>,
    /// Connections opened in this live session (more than 1: it reconnected).
    pub opened: u32,
    /// The bridge speaks another protocol version: no point retrying.
    pub incompatible: bool,
    /// Notices a record whose sale time jumps far ahead (a broken clock): in event time,
    /// every earlier sale on its partition is late after it.
    pub guard: hopscope_core::window::guard::TimeGuard,
    /// The last such jump, said in the live status.
    pub jump: Option<String>,
    /// Paused by the user: the bridge sends nothing until Resume.
    pub paused: bool,
    /// Records received again (by offset) and skipped.
    pub repeated: u64,
    /// The Kafka timestamp of the first record received (how young the topic is, for a
    /// warm start).
    pub first_record: Option<Timestamp>,
    /// The oldest record the topic still keeps (the bridge's status), if known.
    pub topic_since: Option<Timestamp>,
    /// Records received per wall-clock second and partition, the last 11 seconds.
    pub arrivals: std::collections::VecDeque<(i64, BTreeMap<u32, u64>)>,
    /// What the bridge said it is (its `hello`).
    pub bridge: Option<String>,
    /// A reloaded page's charts and the last window they show (from sessionStorage): the
    /// first connection starts a window before it, rebuilding the panes, and windows up
    /// to it are not drawn again.
    pub restored: Option<(crate::shop::History, Timestamp)>,
}

/// What a live page keeps in sessionStorage, so a reload goes on with no gap and no
/// window counted twice in its charts.
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct LiveSession {
    pub(super) bridge: String,
    pub(super) history: crate::shop::History,
    /// The newest window in the history.
    pub(super) through: Timestamp,
}

/// The sessionStorage key of [`LiveSession`].
pub const SESSION_KEY: &str = "hopscope.live";
/// A session older than this is not resumed (the page would re-read hours of records).
pub(super) const SESSION_MAX_AGE: Span = Span(6 * 3_600_000);

impl LiveState {
    /// The next offset of every partition seen: where a resumed stream starts, so nothing
    /// is lost or seen twice.
    pub fn resume_from(&self) -> StartFrom {
        StartFrom::Offsets {
            offsets: self
                .next
                .iter()
                .map(|(p, o)| PartitionOffset {
                    partition: *p,
                    offset: *o,
                })
                .collect(),
        }
    }

    /// Records per second measured over the last 10 whole seconds before `now`: in all,
    /// and per partition.
    pub fn measured_rate(&self, now: Timestamp) -> (f64, BTreeMap<u32, f64>) {
        let sec = now.0.div_euclid(1000);
        let mut per = BTreeMap::new();
        let mut all = 0u64;
        for (s, counts) in &self.arrivals {
            if (sec - 10..sec).contains(s) {
                for (p, n) in counts {
                    *per.entry(*p).or_insert(0.0) += *n as f64 / 10.0;
                    all += n;
                }
            }
        }
        (all as f64 / 10.0, per)
    }

    pub(super) fn arrived(&mut self, partition: u32, now: Timestamp) {
        let sec = now.0.div_euclid(1000);
        if self.arrivals.back().is_none_or(|(s, _)| *s != sec) {
            self.arrivals.push_back((sec, BTreeMap::new()));
            while self.arrivals.len() > 11 {
                self.arrivals.pop_front();
            }
        }
        if let Some((_, counts)) = self.arrivals.back_mut() {
            *counts.entry(partition).or_insert(0) += 1;
        }
    }
}

impl LiveState {
    pub(super) fn new() -> LiveState {
        LiveState {
            connected: false,
            problem: None,
            records: 0,
            invalid: 0,
            last_invalid: None,
            last: None,
            lag: Vec::new(),
            gaps: 0,
            topic: None,
            windows_topic: None,
            windows_received: 0,
            warm_from: None,
            next: BTreeMap::new(),
            attempt: 0,
            retry_at: None,
            opened: 0,
            incompatible: false,
            guard: hopscope_core::window::guard::TimeGuard::default(),
            jump: None,
            paused: false,
            repeated: 0,
            first_record: None,
            topic_since: None,
            arrivals: std::collections::VecDeque::new(),
            bridge: None,
            restored: None,
        }
    }
}

/// Reconnect delay after `attempt` failures: 0.5 s doubling to 10 s.
pub fn backoff_ms(attempt: u32) -> f64 {
    (500.0 * 2f64.powi(attempt.min(5) as i32)).min(10_000.0)
}

impl Page {
    /// Live Pause: the bridge stops sending (the protocol's `pause`). Resume subscribes again
    /// from the next offset of every partition, so nothing is lost however long the pause
    /// (a paused client's place in the shared live ring would have run out), and records
    /// already seen that were still on their way are skipped by offset: nothing twice.
    pub(super) fn toggle_live_pause(&mut self) {
        self.versions.shop += 1;
        if !self.live.paused {
            self.live.paused = true;
            self.effects.push_back(Effect::Send(ClientMessage::Pause));
            return;
        }
        self.live.paused = false;
        let message = if self.live.next.is_empty() {
            ClientMessage::Resume
        } else {
            ClientMessage::Subscribe {
                start: self.live.resume_from(),
            }
        };
        self.effects.push_back(Effect::Send(message));
    }

    /// A new live session: forgets what an earlier one saw.
    pub(super) fn connect(&mut self, now: f64) {
        self.live = LiveState::new();
        self.versions.shop += 1;
        self.open_socket(now);
    }

    /// Opens the socket; after a drop, resumes from the next offset of every partition.
    pub(super) fn open_socket(&mut self, now: f64) {
        self.live.retry_at = None;
        let resume = !self.live.next.is_empty();
        let start = match self.settings.live_time {
            _ if resume => self.live.resume_from(),
            // A reloaded page: one window (and the delay) before the last window it drew.
            TimeDomain::Event if self.live.restored.is_some() => {
                let through = self
                    .live
                    .restored
                    .as_ref()
                    .map(|(_, t)| *t)
                    .unwrap_or_default();
                let from = through
                    .minus(Shop::event_time().window_size())
                    .minus(EventTime::DEFAULT_DELAY);
                self.live.warm_from = Some(from);
                StartFrom::Timestamp { timestamp: from }
            }
            // Warm start: one window (and the delay) back, so the first window that fires
            // after catching up is complete instead of filling for 15 minutes.
            TimeDomain::Event => {
                let from = Timestamp(now as i64)
                    .minus(Shop::event_time().window_size())
                    .minus(EventTime::DEFAULT_DELAY);
                self.live.warm_from = Some(from);
                StartFrom::Timestamp { timestamp: from }
            }
            TimeDomain::Processing => StartFrom::Latest,
        };
        self.effects.push_back(Effect::Connect {
            url: self.settings.bridge.clone(),
            start,
        });
    }

    pub(super) fn on_live(&mut self, ev: LiveEvent, now: f64) {
        let at = Timestamp(now as i64);
        match ev {
            LiveEvent::Open => {
                self.live.connected = true;
                self.live.problem = None;
                self.live.attempt = 0;
                self.live.opened += 1;
                // A reconnect keeps the windows: the stream resumes where it stopped.
                if self.live.opened == 1 {
                    self.new_shop(match self.settings.live_time {
                        TimeDomain::Event => Shop::event_time(),
                        TimeDomain::Processing => Shop::new(),
                    });
                    if let Some((history, through)) = self.live.restored.take() {
                        self.shop.history = history;
                        self.shop.history_through = Some(through);
                    }
                    self.restart_lesson(now);
                }
            }
            LiveEvent::Message(m) => self.on_message(*m, at),
            LiveEvent::BadFrame(e) => self.live.problem = Some(e),
            LiveEvent::Closed {
                code,
                reason,
                was_open,
            } => {
                self.live.connected = false;
                self.effects.push_back(Effect::Disconnect);
                if self.live.incompatible {
                    return;
                }
                let url = &self.settings.bridge;
                let wait = backoff_ms(self.live.attempt);
                self.live.attempt += 1;
                self.live.retry_at = Some(now + wait);
                let why = if was_open {
                    format!(
                        "The bridge at {url} closed the connection (code {code}{})",
                        if reason.is_empty() {
                            String::new()
                        } else {
                            format!(": {reason}")
                        }
                    )
                } else {
                    format!("Cannot connect to the bridge at {url} (start it with `hopscope serve`, or check the address)")
                };
                self.live.problem = Some(format!(
                    "{why}. Reconnecting in {:.1} s (attempt {}){}.",
                    wait / 1000.0,
                    self.live.attempt,
                    if self.live.opened > 0 {
                        ", then resuming where the stream stopped; the windows wait for it"
                    } else {
                        "; the simulator runs meanwhile"
                    }
                ));
            }
        }
    }

    pub(super) fn on_message(&mut self, m: ServerMessage, now: Timestamp) {
        match m {
            ServerMessage::Hello {
                version,
                topic,
                partitions,
                windows_topic,
                bridge,
            } => {
                self.live.bridge = bridge;
                if version != hopscope_core::protocol::PROTOCOL_VERSION {
                    self.live.incompatible = true;
                    self.live.problem = Some(format!(
                        "The bridge speaks protocol version {version}; this page speaks {}. Use a page and a bridge of the same hopscope release.",
                        hopscope_core::protocol::PROTOCOL_VERSION
                    ));
                    self.live.connected = false;
                    self.effects.push_back(Effect::Disconnect);
                    return;
                }
                self.live.topic = Some(topic);
                if windows_topic.is_some() {
                    // Kept across reconnects, as the windows are. Only in event time: the
                    // job windows by sale time, and windows by arrival would differ from
                    // its by design, not by a fault (the status says so instead).
                    if self.settings.live_time == TimeDomain::Event {
                        self.shop.agreement.get_or_insert_with(Agreement::default);
                    }
                    self.live.windows_topic = windows_topic;
                }
                // Flink's Kafka source knows its partitions before their first record; so
                // does the page, so a partition read later is not behind.
                for p in 0..partitions.min(crate::shop::MAX_PARTITIONS as u32) {
                    self.shop.declare_partition(p, now);
                }
            }
            ServerMessage::Records { records } => {
                for r in records {
                    // Seen already (sent before a pause took effect, then replayed on
                    // resume): each record counts once.
                    if self
                        .live
                        .next
                        .get(&r.partition)
                        .is_some_and(|n| r.offset < *n)
                    {
                        self.live.repeated += 1;
                        continue;
                    }
                    self.live.records += 1;
                    self.live.first_record.get_or_insert(r.timestamp);
                    self.live.arrived(r.partition, now);
                    self.live.last = Some((r.partition, r.offset));
                    self.live.next.insert(r.partition, r.offset + 1);
                    match r.value {
                        RecordValue::Sale(s) => {
                            use hopscope_core::window::guard::Verdict;
                            let t = s.event_time();
                            if let Verdict::Jump { from, to } =
                                self.live.guard.check(t, r.partition, Some(now), None)
                            {
                                self.live.jump = Some(format!(
                                    "partition {} offset {}: sale {} at {to} jumped the partition's clock from {from} in one step; in event time every earlier sale on this partition is now late (a producer's clock is wrong; serve --max-ahead relays such records as invalid)",
                                    r.partition, r.offset, s.id_sale
                                ));
                            }
                            self.shop.push(&s, r.partition, now);
                            self.lesson.live_sale(&s, now);
                            self.versions.lesson += 1;
                        }
                        RecordValue::Invalid { error, .. } => {
                            self.live.invalid += 1;
                            self.live.last_invalid = Some(format!(
                                "partition {} offset {}: {error}",
                                r.partition, r.offset
                            ));
                        }
                    }
                }
            }
            ServerMessage::Status {
                partitions,
                broker_connected,
                since,
            } => {
                self.live.lag = partitions.iter().map(|p| (p.partition, p.lag)).collect();
                if since.is_some() {
                    self.live.topic_since = since;
                }
                if !broker_connected {
                    self.live.problem = Some("The bridge is up but cannot reach Kafka.".into());
                }
            }
            ServerMessage::Gap { partition, to, .. } => {
                self.live.gaps += 1;
                let next = self.live.next.entry(partition).or_insert(0);
                *next = (*next).max(to + 1);
            }
            ServerMessage::Error { message } => self.live.problem = Some(message),
            ServerMessage::Windows { topic, rows } => {
                self.live.windows_topic = Some(topic);
                self.live.windows_received += rows.len() as u64;
                if self.settings.live_time == TimeDomain::Event {
                    let agreement = self.shop.agreement.get_or_insert_with(Agreement::default);
                    for r in rows {
                        agreement.theirs(&r.window);
                    }
                }
            }
        }
    }
}
