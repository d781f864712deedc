//! Why a connection to Kafka fails, in one line a user can act on.
//!
//! librdkafka retries a refused password or an untrusted certificate forever and says why
//! only in its log. Every client hopscope creates carries a [`Watch`] context that reads
//! those messages (log and error callbacks, from librdkafka's own threads, so nothing needs
//! to poll), classifies them into a [`Cause`], and keeps the newest. Commands fail fast on a
//! cause that retrying cannot cure ([`Cause::definitive`]); `serve` shows it on `/healthz`.
//! Messages pass through [`Connection::redact`](super::config::Connection::redact), so a
//! secret never reaches the user even if librdkafka ever echoed one.

use super::config::Connection;
use super::tls_probe::{self, Finding};
use rdkafka::client::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::consumer::ConsumerContext;
use rdkafka::error::KafkaError;
use std::sync::{Arc, Mutex};

/// Why the broker does not accept us.
#[derive(Clone, Debug, PartialEq)]
pub enum Cause {
    /// SASL: the user name or password was refused.
    Authentication(String),
    /// SASL: the broker does not offer the configured mechanism.
    Mechanism(String),
    /// TLS: the broker's certificate is not signed by a trusted CA.
    UntrustedCertificate(String),
    /// TLS: the broker's certificate does not name the host connected to.
    HostName(String),
    /// TLS: the broker requires a client certificate and none (or a refused one) was sent.
    ClientCertificate(String),
    /// The listener speaks another protocol (TLS vs plaintext, SASL vs none).
    Protocol(String),
    /// Any other TLS failure.
    Tls(String),
    /// The broker cannot be reached (refused, resolving, timing out): may pass.
    Unreachable(String),
}

impl Cause {
    /// A cause retrying will not cure: commands exit on it at once.
    pub fn definitive(&self) -> bool {
        !matches!(self, Cause::Unreachable(_))
    }

    pub fn message(&self) -> &str {
        match self {
            Cause::Authentication(m)
            | Cause::Mechanism(m)
            | Cause::UntrustedCertificate(m)
            | Cause::HostName(m)
            | Cause::ClientCertificate(m)
            | Cause::Protocol(m)
            | Cause::Tls(m)
            | Cause::Unreachable(m) => m,
        }
    }
}

/// What the classifier needs to know of the configuration (never a secret).
#[derive(Clone, Debug)]
struct Setup {
    identity: String,
    ca: Option<String>,
    client_cert: bool,
    protocol: String,
    mechanism: String,
}

/// The context of every client hopscope creates: remembers the newest cause.
#[derive(Clone)]
pub struct Watch {
    setup: Arc<Setup>,
    conn: Arc<Connection>,
    newest: Arc<Mutex<Option<Cause>>>,
    /// The broker address last probed with a handshake of our own, and what it found.
    probed: Arc<Mutex<Option<(String, Cause)>>>,
    /// As a producer's context: records the broker never acknowledged.
    undelivered: Arc<std::sync::atomic::AtomicU64>,
}

impl Watch {
    pub fn new(conn: &Connection) -> Watch {
        let ca = conn
            .get("ssl.ca.location")
            .map(str::to_string)
            .or_else(|| conn.get("ssl.ca.pem").map(|_| "ssl.ca.pem".to_string()));
        Watch {
            setup: Arc::new(Setup {
                identity: conn.sasl_identity(),
                ca,
                client_cert: conn.get("ssl.certificate.location").is_some()
                    || conn.get("ssl.certificate.pem").is_some()
                    || conn.get("ssl.keystore.location").is_some(),
                protocol: conn
                    .get("security.protocol")
                    .unwrap_or("plaintext")
                    .to_uppercase(),
                mechanism: conn.get("sasl.mechanisms").unwrap_or("GSSAPI").to_string(),
            }),
            conn: Arc::new(conn.clone()),
            newest: Arc::new(Mutex::new(None)),
            probed: Arc::new(Mutex::new(None)),
            undelivered: Arc::default(),
        }
    }

    /// The newest cause seen, if any.
    pub fn cause(&self) -> Option<Cause> {
        self.newest.lock().expect("not poisoned").clone()
    }

    /// Forgets the cause (the broker answered).
    pub fn clear(&self) {
        *self.newest.lock().expect("not poisoned") = None;
    }

    fn saw(&self, text: &str) {
        let text = self.conn.redact(text);
        if let Some(cause) = classify(&text, &self.setup) {
            let cause = self.refine(cause, &text);
            let mut newest = self.newest.lock().expect("not poisoned");
            // A definitive cause is not hidden by the disconnect that follows it.
            if newest.as_ref().is_some_and(Cause::definitive) && !cause.definitive() {
                return;
            }
            *newest = Some(cause);
        }
    }
}

impl Watch {
    /// OpenSSL's "certificate verify failed" covers an unknown CA and a wrong host name
    /// alike: one handshake of our own against the same CA file says which (once per
    /// broker address).
    fn refine(&self, cause: Cause, text: &str) -> Cause {
        if !matches!(cause, Cause::UntrustedCertificate(_) | Cause::Tls(_)) {
            return cause;
        }
        let Some(addr) = address_of(text) else {
            return cause;
        };
        let ca = self.setup.ca.as_deref();
        if ca.is_none() && matches!(cause, Cause::UntrustedCertificate(_)) {
            // Without the CA file librdkafka used, a handshake of ours proves nothing.
            return cause;
        }
        let mut probed = self.probed.lock().expect("not poisoned");
        if let Some((a, c)) = probed.as_ref() {
            if *a == addr {
                return c.clone();
            }
        }
        let refined = match tls_probe::probe(&addr, ca) {
            Some(Finding::NotTls) => Cause::Protocol(format!(
                "{addr} does not speak TLS but security.protocol is {}: set security.protocol=PLAINTEXT (or SASL_PLAINTEXT), or use the cluster's TLS port",
                self.setup.protocol
            )),
            Some(Finding::WrongName { host, names }) => Cause::HostName(format!(
                "TLS: the broker's certificate is not valid for {host}{}: connect by a name it lists, or set ssl.endpoint.identification.algorithm=none to skip the check",
                if names.is_empty() {
                    String::new()
                } else {
                    format!(" (it names {})", names.iter().map(|n| plain_name(n)).collect::<Vec<_>>().join(", "))
                }
            )),
            Some(Finding::Expired) => {
                Cause::UntrustedCertificate("TLS: the broker's certificate has expired".into())
            }
            Some(Finding::NotYetValid) => Cause::UntrustedCertificate(
                "TLS: the broker's certificate is not valid yet (is this machine's clock right?)"
                    .into(),
            ),
            _ => cause,
        };
        *probed = Some((addr, refined.clone()));
        refined
    }

    /// With a plaintext security.protocol, whether the first bootstrap server speaks TLS.
    pub fn protocol_mismatch(&self) -> Option<Cause> {
        if self.setup.protocol.contains("SSL") {
            return None;
        }
        let first = self.conn.brokers().split(',').next()?.trim().to_string();
        let addr = first
            .split_once("://")
            .map_or(first.as_str(), |(_, a)| a)
            .to_string();
        match tls_probe::probe(&addr, None) {
            Some(Finding::NotTls) | None => None,
            Some(_) => Some(Cause::Protocol(format!(
                "{addr} is a TLS listener but security.protocol is {}: set security.protocol=SSL (or SASL_SSL with SASL)",
                self.setup.protocol
            ))),
        }
    }
}

impl ClientContext for Watch {
    fn log(&self, level: RDKafkaLogLevel, fac: &str, message: &str) {
        if (level as i32) <= (RDKafkaLogLevel::Warning as i32) || fac == "FAIL" {
            self.saw(message);
        }
        let message = self.conn.redact(message);
        match level {
            RDKafkaLogLevel::Emerg
            | RDKafkaLogLevel::Alert
            | RDKafkaLogLevel::Critical
            | RDKafkaLogLevel::Error => {
                tracing::error!(target: "librdkafka", "librdkafka: {fac} {message}")
            }
            RDKafkaLogLevel::Warning => {
                tracing::warn!(target: "librdkafka", "librdkafka: {fac} {message}")
            }
            _ => tracing::debug!(target: "librdkafka", "librdkafka: {fac} {message}"),
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        self.saw(reason);
        tracing::debug!(target: "librdkafka", "librdkafka: {error}: {}", self.conn.redact(reason));
    }
}

impl ConsumerContext for Watch {}

impl rdkafka::producer::ProducerContext for Watch {
    type DeliveryOpaque = ();
    fn delivery(&self, result: &rdkafka::message::DeliveryResult<'_>, _: ()) {
        if let Err((e, _)) = result {
            self.undelivered
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.saw(&e.to_string());
        }
    }
}

impl Watch {
    /// Records a producer with this context could not deliver.
    pub fn undelivered(&self) -> u64 {
        self.undelivered.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// One librdkafka message → the cause it reports, if it reports one.
fn classify(text: &str, s: &Setup) -> Option<Cause> {
    let t = text.to_ascii_lowercase();
    let ca = || match &s.ca {
        Some(p) => format!("a CA in ssl.ca.location ({p})"),
        None => "a CA this system trusts (set ssl.ca.location to your cluster's CA)".to_string(),
    };
    if t.contains("authentication failed")
        || t.contains("invalid credentials")
        || t.contains("invalid username or password")
        || t.contains("sasl authentication error")
    {
        return Some(Cause::Authentication(format!(
            "authentication failed for {}: the broker refused the user name or password",
            s.identity
        )));
    }
    if t.contains("unsupported sasl mechanism")
        || (t.contains("sasl") && t.contains("not supported by broker"))
        || (t.contains("sasl") && t.contains("mechanism") && t.contains("broker supports"))
    {
        let offered = text
            .split_once("supported mechanisms:")
            .or_else(|| text.split_once("supports:"))
            .map(|(_, rest)| {
                let list = rest.split(" (after").next().unwrap_or(rest);
                format!(" (it offers {})", list.trim().trim_end_matches(')'))
            })
            .unwrap_or_default();
        return Some(Cause::Mechanism(format!(
            "the broker does not offer SASL mechanism {}{offered}: set sasl.mechanisms (Java: sasl.mechanism) to one it does",
            s.mechanism
        )));
    }
    if t.contains("hostname mismatch")
        || t.contains("host name mismatch")
        || t.contains("ip address mismatch")
        || t.contains("does not match")
    {
        return Some(Cause::HostName(format!(
            "TLS: the broker's certificate is not valid for the host name connected to ({}); connect by a name the certificate lists, or set ssl.endpoint.identification.algorithm=none to skip the check",
            host_of(text).unwrap_or("the broker")
        )));
    }
    if t.contains("certificate verify failed")
        || t.contains("broker certificate could not be verified")
    {
        if t.contains("hostname") {
            return Some(Cause::HostName(format!(
                "TLS: the broker's certificate is not valid for the host name connected to ({})",
                host_of(text).unwrap_or("the broker")
            )));
        }
        return Some(Cause::UntrustedCertificate(format!(
            "TLS: the broker's certificate is not signed by {}",
            ca()
        )));
    }
    if t.contains("certificate required")
        || t.contains("peer did not return a certificate")
        || t.contains("bad certificate")
        || t.contains("unknown ca")
        || t.contains("certificate unknown")
    {
        return Some(Cause::ClientCertificate(if s.client_cert {
            "TLS: the broker refused the client certificate (is it signed by a CA the broker trusts?)".to_string()
        } else {
            "TLS: the broker requires a client certificate: set ssl.certificate.location and ssl.key.location (Java: ssl.keystore.location with ssl.keystore.type=PEM)".to_string()
        }));
    }
    if t.contains("closed by peer") && t.contains("ssl_handshake") {
        // Refined by a handshake of our own: usually a plaintext listener.
        return Some(Cause::Tls(
            "TLS: the broker closed the connection during the handshake".to_string(),
        ));
    }
    if t.contains("incorrect security.protocol")
        || t.contains("wrong version number")
        || t.contains("packet length too long")
        || t.contains("record layer failure")
    {
        return Some(Cause::Protocol(format!(
            "the broker's listener does not speak security.protocol={}: check the port and security.protocol (SSL or SASL_SSL for TLS listeners)",
            s.protocol
        )));
    }
    if t.contains("ssl handshake failed") || t.contains("ssl routines") {
        return Some(Cause::Tls(format!(
            "TLS handshake failed: {}",
            after_colon(text)
        )));
    }
    if t.contains("connection refused")
        || t.contains("failed to resolve")
        || t.contains("all broker connections are down")
        || t.contains("timed out")
    {
        return Some(Cause::Unreachable(format!(
            "cannot reach the broker: {}",
            after_colon(text)
        )));
    }
    None
}

/// `sasl_ssl://127.0.0.1:9094/bootstrap: …` → `127.0.0.1:9094`.
fn host_of(text: &str) -> Option<&str> {
    let rest = text.split_once("://")?.1;
    rest.split(['/', ' ', ':']).next().filter(|h| !h.is_empty())
}

/// rustls lists names as `DnsName("broker.example")`: the name alone.
fn plain_name(n: &str) -> &str {
    match (n.find('"'), n.rfind('"')) {
        (Some(a), Some(b)) if b > a => &n[a + 1..b],
        _ => n,
    }
}

/// `ssl://127.0.0.1:9096/bootstrap: …` → `127.0.0.1:9096`.
fn address_of(text: &str) -> Option<String> {
    let rest = text.split_once("://")?.1;
    let addr = rest.split(['/', ' ']).next()?;
    addr.contains(':').then(|| addr.to_string())
}

/// The message without librdkafka's broker prefix.
fn after_colon(text: &str) -> &str {
    match text.split_once(": ") {
        Some((head, rest)) if head.contains("://") => rest,
        _ => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> Setup {
        Setup {
            identity: "user alice (SCRAM-SHA-512)".into(),
            ca: Some("/etc/ca.pem".into()),
            client_cert: false,
            protocol: "SASL_SSL".into(),
            mechanism: "SCRAM-SHA-512".into(),
        }
    }

    #[test]
    fn librdkafka_messages_become_one_line_causes() {
        let s = setup();
        let auth = classify("sasl_ssl://127.0.0.1:9094/bootstrap: SASL authentication error: Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512", &s).unwrap();
        assert_eq!(
            auth.message(),
            "authentication failed for user alice (SCRAM-SHA-512): the broker refused the user name or password"
        );
        let ca = classify("ssl://127.0.0.1:9095/bootstrap: SSL handshake failed: error:0A000086:SSL routines::certificate verify failed: broker certificate could not be verified, verify that ssl.ca.location is correctly configured", &s).unwrap();
        assert!(matches!(ca, Cause::UntrustedCertificate(_)));
        assert!(ca.message().contains("/etc/ca.pem"));
        assert!(
            classify("Connect to ipv4#127.0.0.1:1 failed: Connection refused", &s)
                .is_some_and(|c| !c.definitive())
        );
        assert_eq!(classify("some unrelated notice", &s), None);
    }
}
