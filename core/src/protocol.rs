//! Bridge ⇄ browser messages: the one definition of the wire, used by web and bridge alike.
//!
//! JSON text frames, tagged by `"type"`. Every server message carries the protocol
//! version in the `hello` that opens a session; a client that sees another major version
//! says so instead of misreading frames. Decoding returns `Result` with a readable reason,
//! so a malformed frame costs one error reply, never a crash.

use crate::sale::Sale;
use crate::time::Timestamp;
use crate::window::WindowResult;
use serde::{Deserialize, Serialize};

/// 2: `windows` (rows of a results topic, `serve --windows-topic`), named in `hello`.
pub const PROTOCOL_VERSION: u32 = 2;
/// Largest client frame a server should accept, in bytes.
pub const MAX_CLIENT_FRAME: usize = 4 * 1024;

/// A record as read from Kafka: where it was, and what was in it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub partition: u32,
    pub offset: i64,
    /// The Kafka record timestamp.
    pub timestamp: Timestamp,
    pub key: Option<String>,
    #[serde(flatten)]
    pub value: RecordValue,
}

/// A record's value: a valid sale, or why it is not one (with a short excerpt).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordValue {
    Sale(Sale),
    Invalid { error: String, excerpt: String },
}

/// A position in one partition: where a client resumes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionOffset {
    pub partition: u32,
    pub offset: i64,
}

/// One partition as a client stands in it: its next offset, the partition's end, the lag.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartitionStatus {
    pub partition: u32,
    /// Next offset this client will receive.
    pub next_offset: i64,
    /// The partition's high watermark (offset of the next record to be written).
    pub high_watermark: i64,
    pub lag: i64,
}

/// Bridge → browser.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    Hello {
        version: u32,
        topic: String,
        partitions: u32,
        /// The results topic the bridge relays as `windows` messages (`--windows-topic`),
        /// so the page sets its windows aside for comparison only when there is one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        windows_topic: Option<String>,
        /// What the bridge is (`hopscope 0.1.0, librdkafka 2.12.1`), for the page to show;
        /// older bridges send none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bridge: Option<String>,
    },
    Records {
        records: Vec<Record>,
    },
    Status {
        broker_connected: bool,
        partitions: Vec<PartitionStatus>,
        /// The Kafka timestamp of the oldest record the topic still keeps (the earliest
        /// of the records at each partition's log start): how old the topic is, as far as
        /// its data goes. Older bridges send none.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since: Option<Timestamp>,
    },
    /// Records `from..to` of `partition` were skipped (the client fell behind its buffer);
    /// it can ask for them again with `subscribe` from offsets.
    Gap {
        partition: u32,
        from: i64,
        to: i64,
    },
    Error {
        message: String,
    },
    /// Windows another engine computed (the Flink job's results topic, relayed by
    /// `serve --windows-topic`), for the page to set beside its own. Sent to every client:
    /// the recent ones right after `hello`, then each as it arrives. Rows that are not
    /// windows never reach a client (the bridge logs and counts them).
    Windows {
        topic: String,
        rows: Vec<WindowRow>,
    },
}

/// One row of a results topic and where it was.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WindowRow {
    pub partition: u32,
    pub offset: i64,
    pub window: WindowResult,
}

/// Where a subscription starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "snake_case")]
pub enum StartFrom {
    Latest,
    Earliest,
    /// Per-partition offsets; partitions not named start at the latest record.
    Offsets {
        offsets: Vec<PartitionOffset>,
    },
    /// The first record at or after this time, on every partition.
    Timestamp {
        timestamp: Timestamp,
    },
}

/// Browser → bridge.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    Subscribe {
        #[serde(flatten)]
        start: StartFrom,
    },
    Pause,
    Resume,
}

/// Why a frame could not be decoded. `Display` gives the reason a peer is told.
#[derive(Clone, Debug, PartialEq, Eq)]
// New kinds may come: matches outside core need a catch-all arm (as globset's).
#[non_exhaustive]
pub enum ProtocolError {
    /// A client frame over [`MAX_CLIENT_FRAME`], refused before parsing.
    TooLarge { bytes: usize, max: usize },
    /// Not a client message (the parser's reason, naming the field or the type).
    BadClientMessage(String),
    /// Not a server message (the parser's reason).
    BadServerMessage(String),
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ProtocolError::TooLarge { bytes, max } => {
                write!(
                    f,
                    "client message is {bytes} bytes, more than the {max} allowed"
                )
            }
            ProtocolError::BadClientMessage(e) => write!(f, "bad client message: {e}"),
            ProtocolError::BadServerMessage(e) => write!(f, "bad server message: {e}"),
        }
    }
}

impl std::error::Error for ProtocolError {}

impl ServerMessage {
    /// One WebSocket text frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server messages always serialize")
    }
    /// Decodes a frame from the bridge; typed error on anything else.
    pub fn from_json(text: &str) -> Result<ServerMessage, ProtocolError> {
        serde_json::from_str(text).map_err(|e| ProtocolError::BadServerMessage(e.to_string()))
    }
}

impl ClientMessage {
    /// One WebSocket text frame.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("client messages always serialize")
    }
    /// Decodes a client frame, refusing oversized ones before parsing.
    pub fn from_json(text: &str) -> Result<ClientMessage, ProtocolError> {
        if text.len() > MAX_CLIENT_FRAME {
            return Err(ProtocolError::TooLarge {
                bytes: text.len(),
                max: MAX_CLIENT_FRAME,
            });
        }
        serde_json::from_str(text).map_err(|e| ProtocolError::BadClientMessage(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_messages_round_trip_in_their_documented_shape() {
        let m = ClientMessage::Subscribe {
            start: StartFrom::Offsets {
                offsets: vec![
                    PartitionOffset {
                        partition: 0,
                        offset: 5,
                    },
                    PartitionOffset {
                        partition: 3,
                        offset: 0,
                    },
                ],
            },
        };
        let json = m.to_json();
        assert_eq!(
            json,
            r#"{"type":"subscribe","from":"offsets","offsets":[{"partition":0,"offset":5},{"partition":3,"offset":0}]}"#
        );
        assert_eq!(ClientMessage::from_json(&json), Ok(m));
        assert_eq!(
            ClientMessage::from_json(r#"{"type":"subscribe","from":"latest"}"#),
            Ok(ClientMessage::Subscribe {
                start: StartFrom::Latest
            })
        );
        assert_eq!(
            ClientMessage::from_json(r#"{"type":"pause"}"#),
            Ok(ClientMessage::Pause)
        );
    }

    #[test]
    fn bad_client_frames_are_errors_not_panics() {
        assert!(ClientMessage::from_json("{")
            .unwrap_err()
            .to_string()
            .contains("bad client message"));
        assert!(matches!(
            ClientMessage::from_json(r#"{"type":"fly"}"#),
            Err(ProtocolError::BadClientMessage(e)) if e.contains("fly")
        ));
        let e = ClientMessage::from_json(&"x".repeat(MAX_CLIENT_FRAME + 1)).unwrap_err();
        assert_eq!(
            e,
            ProtocolError::TooLarge {
                bytes: MAX_CLIENT_FRAME + 1,
                max: MAX_CLIENT_FRAME
            }
        );
        assert!(e.to_string().contains("allowed"));
    }

    #[test]
    fn records_carry_a_sale_or_the_reason_it_is_invalid() {
        let sale = Sale::from_json(
            br#"{"id_sale":"a","nm_product":"P","seller":"s","price":2,"sale_date":"2024-01-01T00:00:00Z"}"#,
        )
        .unwrap();
        let msg = ServerMessage::Records {
            records: vec![
                Record {
                    partition: 1,
                    offset: 7,
                    timestamp: Timestamp(1_000),
                    key: Some("s".into()),
                    value: RecordValue::Sale(sale),
                },
                Record {
                    partition: 1,
                    offset: 8,
                    timestamp: Timestamp(1_001),
                    key: None,
                    value: RecordValue::Invalid {
                        error: "record is not valid JSON".into(),
                        excerpt: "{oops".into(),
                    },
                },
            ],
        };
        let back = ServerMessage::from_json(&msg.to_json()).unwrap();
        assert_eq!(back, msg);
        // An invalid sale inside a record frame is a decoding error with the field named.
        let bad = r#"{"type":"records","records":[{"partition":0,"offset":1,"timestamp":"2024-01-01T00:00:00.000Z","key":null,"sale":{"id_sale":"a"}}]}"#;
        assert!(matches!(
            ServerMessage::from_json(bad),
            Err(ProtocolError::BadServerMessage(e)) if e.contains("nm_product")
        ));
    }
}
