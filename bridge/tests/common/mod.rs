//! Helpers shared by the tests that drive the `hopscope` binary against Kafka.
#![allow(dead_code)] // each test file uses its own subset

use futures_util::StreamExt;
use hopscope_core::protocol::ServerMessage;
use std::process::{Command, Output};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

pub type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Runs `hopscope ARGS…` and insists it succeeds.
pub fn hopscope(args: &[&str]) -> Output {
    let o = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "hopscope {args:?} failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits until something accepts connections on `port`.
pub async fn wait_for_port(port: u16, within: Duration, what: &str) {
    let t0 = Instant::now();
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(t0.elapsed() < within, "{what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The next server message, or `None` after 20 s of silence or a closed socket.
pub async fn next_message(ws: &mut Ws) -> Option<ServerMessage> {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .ok()??
        {
            Ok(Message::Text(t)) => {
                return Some(ServerMessage::from_json(&t).expect("valid server frame"))
            }
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}
