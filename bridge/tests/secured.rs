//! hopscope against a broker secured as managed Kafka services are: SASL_SSL (PLAIN and
//! SCRAM-SHA-512) and TLS with client certificates, from `scripts/kafka.sh start --secured`
//! (the test command's broker; its client settings in `HOPSCOPE_KAFKA_SECURED`). Also the
//! bridge's own TLS (`serve --tls-cert`). Every output of these tests is searched for the
//! password: it must never appear.

mod common;

use common::{collect, hopscope, reqwest_text, topic, Serve};
use futures_util::{SinkExt, StreamExt};
use hopscope_core::protocol::{ClientMessage, ServerMessage, StartFrom};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

/// The secured broker's client settings, or `None` (skip) without one.
struct Secured {
    dir: PathBuf,
    cluster: BTreeMap<String, String>,
    password: String,
}

impl Secured {
    fn get() -> Option<Secured> {
        if common::skip_without_kafka() {
            return None;
        }
        let Some(dir) = std::env::var_os("HOPSCOPE_KAFKA_SECURED") else {
            assert!(
                std::env::var_os("HOPSCOPE_REQUIRE_KAFKA").is_none(),
                "HOPSCOPE_REQUIRE_KAFKA is set but HOPSCOPE_KAFKA_SECURED is not: \
                 `scripts/kafka.sh start --secured` (make test does it)"
            );
            eprintln!(
                "skipped: needs `scripts/kafka.sh start --secured` and HOPSCOPE_KAFKA_SECURED"
            );
            return None;
        };
        let dir = PathBuf::from(dir);
        let cluster = std::fs::read_to_string(dir.join("cluster"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let password = std::fs::read_to_string(dir.join("password"))
            .unwrap()
            .trim()
            .to_string();
        assert!(password.len() >= 12);
        Some(Secured {
            dir,
            cluster,
            password,
        })
    }

    fn file(&self, name: &str) -> String {
        self.dir
            .join(format!("{name}.properties"))
            .to_string_lossy()
            .into_owned()
    }

    fn tls(&self, name: &str) -> String {
        format!("{}/{name}", self.cluster["tls"])
    }

    /// A properties file of our own (mode 600) in a fresh directory.
    fn write(&self, name: &str, text: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(topic("secured-cfg"));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.properties"));
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        path.to_string_lossy().into_owned()
    }

    /// `name`'s settings with `edit` applied to each `key=value` line.
    fn variant(&self, name: &str, new: &str, edit: impl Fn(&str) -> Option<String>) -> String {
        let text = std::fs::read_to_string(self.file(name)).unwrap();
        let lines: Vec<String> = text.lines().filter_map(&edit).collect();
        self.write(new, &(lines.join("\n") + "\n"))
    }

    /// `name`'s settings with `key` set to `value`.
    fn with(&self, name: &str, new: &str, key: &str, value: &str) -> String {
        let prefix = format!("{key}=");
        self.variant(name, new, |l| {
            Some(if l.starts_with(&prefix) {
                format!("{prefix}{value}")
            } else {
                l.into()
            })
        })
    }

    /// Fails if the password is anywhere in `text`.
    fn assert_no_secret(&self, what: &str, text: &str) {
        assert!(
            !text.contains(&self.password),
            "the password appears in {what}:\n{text}"
        );
    }

    fn assert_output_clean(&self, what: &str, o: &Output) {
        self.assert_no_secret(what, &String::from_utf8_lossy(&o.stdout));
        self.assert_no_secret(what, &String::from_utf8_lossy(&o.stderr));
    }
}

fn run(args: &[&str]) -> (Output, Duration) {
    let t0 = Instant::now();
    let o = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (o, t0.elapsed())
}

const GEN: [&str; 8] = [
    "--count",
    "3000",
    "--seed",
    "21",
    "--start",
    "2025-05-01T10:00:00Z",
    "--scenario",
    "spike@4m,factor=8,for=30s",
];
const WINDOW: [&str; 5] = ["--windows", "--size", "2m", "--slide", "10s"];

/// What `analyze` says of the generated sales from a file: the referee of every round trip.
fn file_results() -> Vec<String> {
    let file = std::env::temp_dir().join(format!("{}.jsonl", topic("secured-file")));
    let mut g = vec!["generate"];
    g.extend_from_slice(&GEN);
    std::fs::write(&file, hopscope(&g).stdout).unwrap();
    let mut a = vec!["analyze"];
    a.extend_from_slice(&WINDOW);
    let path = file.to_string_lossy().into_owned();
    a.push(&path);
    let out = common::results(&hopscope(&a).stdout);
    let _ = std::fs::remove_file(&file);
    assert!(
        out.len() > 20 && out.iter().any(|l| l.starts_with("🚨")),
        "{out:?}"
    );
    out
}

#[tokio::test(flavor = "multi_thread")]
async fn round_trips_over_scram_plain_mtls_and_java_files_equal_the_same_sales_from_a_file() {
    let Some(s) = Secured::get() else { return };
    let want = file_results();
    for name in ["scram", "plain", "mtls", "java-scram", "java-mtls"] {
        let config = s.file(name);
        let t = topic(&format!("secured-{name}"));
        let mut p = vec![
            "produce",
            "--kafka-config",
            &config,
            "--topic",
            &t,
            "--no-pace",
        ];
        p.extend_from_slice(&GEN);
        let (o, _) = run(&p);
        s.assert_output_clean(&format!("produce over {name}"), &o);
        assert!(
            o.status.success(),
            "produce over {name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("3000 acknowledged, 0 failed"),
            "{}",
            String::from_utf8_lossy(&o.stdout)
        );
        let head = [
            "analyze",
            "--kafka-config",
            &config,
            "--topic",
            &t,
            "--from",
            "earliest",
        ];
        let (o, _) = run(&[&head[..], &["--idle-exit", "3s"], &WINDOW].concat());
        s.assert_output_clean(&format!("analyze over {name}"), &o);
        assert!(
            o.status.success(),
            "analyze over {name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let got = common::results(&o.stdout);
        if let Some(i) = (0..want.len().max(got.len())).find(|i| want.get(*i) != got.get(*i)) {
            panic!(
                "analyze over {name} differs from the file at result line {i}:\n file: {:?}\n topic: {:?}",
                want.get(i),
                got.get(i)
            );
        }
        // Watermark alignment pauses and resumes partitions over the same connection
        // (small fetches, so the partitions drift apart): the same results.
        if name == "scram" || name == "mtls" {
            let aligned = [
                "--until",
                "end",
                "--max-drift",
                "2s",
                "-X",
                "max.partition.fetch.bytes=2048",
            ];
            let (o, _) = run(&[&head[..], &aligned, &WINDOW].concat());
            s.assert_output_clean(&format!("aligned analyze over {name}"), &o);
            assert!(
                common::pauses(&o.stdout).is_some_and(|n| n > 0),
                "aligned analyze over {name} paused no partition: {}",
                String::from_utf8_lossy(&o.stdout)
            );
            assert_eq!(
                common::results(&o.stdout),
                want,
                "aligned analyze over {name}"
            );
        }
        // The same topic relayed by serve over the same connection.
        if name == "scram" || name == "java-mtls" {
            let srv = serve(&config, &t, &[]).await;
            let mut ws = connect_plain(srv.1).await;
            let got = collect(&mut ws, 3000).await;
            assert_eq!(got.len(), 3000, "serve over {name} relays every sale");
        }
    }
}

/// `hopscope serve --kafka-config CONFIG` on a free port (stderr kept in a file).
async fn serve(config: &str, t: &str, extra: &[&str]) -> Serve {
    let port = common::free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(["serve", "--kafka-config", config, "--topic", t])
        .args([
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--web",
            "/nonexistent",
        ])
        .args(extra)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let s = Serve(child, port);
    common::wait_ready(port).await;
    s
}

async fn connect_plain(port: u16) -> common::Ws {
    common::connect(port, StartFrom::Earliest).await
}

/// One misconfiguration, what analyze and produce must say about it.
struct Case {
    name: &'static str,
    config: String,
    says: &'static str,
}

#[tokio::test(flavor = "multi_thread")]
async fn each_misconfiguration_fails_within_seconds_with_one_line_naming_the_cause() {
    let Some(s) = Secured::get() else { return };
    let t = topic("secured-fail");
    let ca_other = s.tls("other-ca.pem");
    let mismatch = s.cluster["mismatch"].clone();
    let sasl = s.cluster["sasl_ssl"].clone();
    let cases = [
        Case {
            name: "wrong password",
            config: s.with("scram", "badpw", "sasl.password", "not-the-password"),
            says: "authentication failed for user alice (SCRAM-SHA-512)",
        },
        Case {
            name: "untrusted CA",
            config: s.with("scram", "badca", "ssl.ca.location", &ca_other),
            says: "TLS: the broker's certificate is not signed by a CA in ssl.ca.location",
        },
        Case {
            name: "host name not in the certificate",
            config: s.with("mtls", "mismatch", "bootstrap.servers", &mismatch),
            says: "TLS: the broker's certificate is not valid for 127.0.0.1 (it names broker.invalid)",
        },
        Case {
            name: "no client certificate",
            config: s.variant("mtls", "nocert", |l| {
                (!l.starts_with("ssl.certificate") && !l.starts_with("ssl.key")).then(|| l.into())
            }),
            says: "TLS: the broker requires a client certificate",
        },
        Case {
            name: "mechanism not offered",
            config: s.with("scram", "mech", "sasl.mechanisms", "SCRAM-SHA-256"),
            says: "the broker does not offer SASL mechanism SCRAM-SHA-256 (it offers PLAIN,SCRAM-SHA-512)",
        },
        Case {
            name: "plaintext to a TLS listener",
            config: s.write(
                "plain-to-tls",
                &format!("bootstrap.servers={sasl}\nsasl.password={}\n", s.password),
            ),
            says: "is a TLS listener but security.protocol is PLAINTEXT",
        },
    ];
    for case in &cases {
        for cmd in [
            vec![
                "analyze",
                "--kafka-config",
                &case.config,
                "--topic",
                &t,
                "--idle-exit",
                "1s",
            ],
            vec![
                "produce",
                "--kafka-config",
                &case.config,
                "--topic",
                &t,
                "--no-pace",
                "--count",
                "10",
            ],
        ] {
            let (o, took) = run(&cmd);
            let stderr = String::from_utf8_lossy(&o.stderr);
            s.assert_output_clean(case.name, &o);
            assert_eq!(
                o.status.code(),
                Some(2),
                "{} ({}): {stderr}",
                case.name,
                cmd[0]
            );
            assert!(
                took < Duration::from_secs(30),
                "{} ({}) took {took:?}",
                case.name,
                cmd[0]
            );
            let lines: Vec<&str> = stderr.lines().collect();
            assert_eq!(
                lines.len(),
                1,
                "{} ({}): one line, got {stderr}",
                case.name,
                cmd[0]
            );
            assert!(
                lines[0].contains(case.says),
                "{} ({}): expected {:?} in {stderr}",
                case.name,
                cmd[0],
                case.says
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_says_why_on_healthz_logs_it_once_and_recovers_when_the_broker_accepts_the_user() {
    let Some(s) = Secured::get() else { return };
    let t = topic("secured-recover");
    let (o, _) = run(&[
        "produce",
        "--kafka-config",
        &s.file("scram"),
        "--topic",
        &t,
        "--no-pace",
        "--count",
        "50",
    ]);
    assert!(o.status.success());
    // A user the broker does not know yet.
    let user = format!("carol{}", std::process::id());
    let secret = format!("carol-secret-{}", std::process::id());
    let config = s.variant("scram", "carol", |l| {
        Some(if l.starts_with("sasl.username=") {
            format!("sasl.username={user}")
        } else if l.starts_with("sasl.password=") {
            format!("sasl.password={secret}")
        } else {
            l.into()
        })
    });
    let port = common::free_port();
    let log = std::env::temp_dir().join(format!("{}.log", topic("serve-recover")));
    let child = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(["serve", "--kafka-config", &config, "--topic", &t])
        .args([
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--web",
            "/nonexistent",
        ])
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let srv = Serve(child, port);
    common::wait_for_port(port, Duration::from_secs(30), "serve did not listen").await;
    let t0 = Instant::now();
    let health = loop {
        let h = reqwest_text(port, "/healthz").await;
        if h.contains("authentication failed") {
            break h;
        }
        assert!(t0.elapsed() < Duration::from_secs(30), "{h}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(health.starts_with("HTTP/1.1 503"), "{health}");
    // Not kept alive: a reused connection would stay with the waiting answers.
    assert!(
        health.to_ascii_lowercase().contains("connection: close"),
        "{health}"
    );
    assert!(
        health.contains(&format!(
            "authentication failed for user {user} (SCRAM-SHA-512)"
        )),
        "{health}"
    );
    // The broker learns the user (Kafka's own tool, on the plaintext listener).
    let jars = format!("{}/*", s.cluster["jars"]);
    let added = Command::new("java")
        .args([
            "-cp",
            &jars,
            "kafka.admin.ConfigCommand",
            "--bootstrap-server",
            &s.cluster["plaintext"],
        ])
        .args([
            "--alter",
            "--entity-type",
            "users",
            "--entity-name",
            &user,
            "--add-config",
        ])
        .arg(format!("SCRAM-SHA-512=[password={secret}]"))
        .output()
        .unwrap();
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    common::wait_ready(port).await;
    let mut ws = common::connect(port, StartFrom::Earliest).await;
    assert_eq!(collect(&mut ws, 50).await.len(), 50);
    let metrics = reqwest_text(port, "/metrics").await;
    drop(ws);
    drop(srv);
    let text = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        text.matches("authentication failed").count(),
        1,
        "the cause is logged once, not per retry:\n{text}"
    );
    assert!(text.contains("Kafka accepts us now"), "{text}");
    for (what, out) in [
        ("the log", &text),
        ("/healthz", &health),
        ("/metrics", &metrics),
    ] {
        assert!(!out.contains(&secret), "the password appears in {what}");
    }
    let _ = std::fs::remove_file(&log);
}

/// A rustls client that trusts the test CA.
fn tls_client(ca: &str) -> tokio_rustls::TlsConnector {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls::pki_types::CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(c.unwrap()).unwrap();
    }
    #[allow(deprecated)]
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(std::sync::Arc::new(config))
}

type TlsWs =
    tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>;

/// A wss:// connection through `tls`; returns it with the certificate the server showed.
async fn wss(tls: &tokio_rustls::TlsConnector, port: u16) -> (TlsWs, Vec<u8>) {
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let stream = tls.connect(name, tcp).await.unwrap();
    let cert = stream.get_ref().1.peer_certificates().unwrap()[0].to_vec();
    let (ws, _) = tokio_tungstenite::client_async(format!("wss://localhost:{port}/ws"), stream)
        .await
        .unwrap();
    (ws, cert)
}

async fn records(ws: &mut TlsWs, n: usize) -> usize {
    let mut got = 0;
    let t0 = Instant::now();
    while got < n && t0.elapsed() < Duration::from_secs(60) {
        match tokio::time::timeout(Duration::from_secs(20), ws.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                if let Ok(ServerMessage::Records { records }) = ServerMessage::from_json(&text) {
                    got += records.len();
                }
            }
            Ok(Some(Ok(_))) => {}
            _ => break,
        }
    }
    got
}

fn pem_der(path: &Path) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_file_iter(path)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .to_vec()
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_over_tls_relays_to_wss_clients_and_reloads_its_certificate_on_sighup() {
    let Some(s) = Secured::get() else { return };
    let t = topic("secured-wss");
    let (o, _) = run(&[
        "produce",
        "--kafka-config",
        &s.file("scram"),
        "--topic",
        &t,
        "--no-pace",
        "--count",
        "200",
    ]);
    assert!(o.status.success());
    // The server's files in a directory of their own, to be replaced while it runs.
    let dir = std::env::temp_dir().join(topic("tls"));
    std::fs::create_dir_all(&dir).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::copy(s.tls("broker.pem"), &cert).unwrap();
    std::fs::copy(s.tls("broker.key"), &key).unwrap();
    let port = common::free_port();
    let log = dir.join("serve.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(["serve", "--kafka-config", &s.file("scram"), "--topic", &t])
        .args([
            "--bind",
            &format!("127.0.0.1:{port}"),
            "--web",
            "/nonexistent",
        ])
        .args([
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ])
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let tls = tls_client(&s.tls("ca.pem"));
    // Ready: the relay answers over wss with its hello.
    let t0 = Instant::now();
    let (mut ws, first_cert) = loop {
        let tcp_up = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok();
        if tcp_up {
            let probe = tokio::time::timeout(Duration::from_secs(5), async {
                let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.ok()?;
                let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
                let mut stream = tls.connect(name, tcp).await.ok()?;
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                stream
                    .write_all(format!("GET /healthz HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n").as_bytes())
                    .await
                    .ok()?;
                let mut out = String::new();
                stream.read_to_string(&mut out).await.ok()?;
                Some(out)
            })
            .await
            .ok()
            .flatten();
            if probe.is_some_and(|h| h.ends_with("ok\n")) {
                break wss(&tls, port).await;
            }
        }
        assert!(
            t0.elapsed() < Duration::from_secs(60),
            "serve over TLS never became ready"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(first_cert, pem_der(&cert));
    assert!(matches!(
        next_message_tls(&mut ws).await,
        Some(ServerMessage::Hello { .. })
    ));
    ws.send(Message::text(
        ClientMessage::Subscribe {
            start: StartFrom::Earliest,
        }
        .to_json(),
    ))
    .await
    .unwrap();
    assert_eq!(records(&mut ws, 200).await, 200);
    // Plain HTTP on the TLS port gets no page.
    let plain = reqwest_text(port, "/healthz").await;
    assert!(!plain.contains("ok\n"), "{plain}");

    // A new certificate, then SIGHUP: new connections see it, the open one stays.
    std::fs::copy(s.tls("client.pem"), &cert).unwrap();
    std::fs::copy(s.tls("client.key"), &key).unwrap();
    let status = Command::new("kill")
        .args(["-HUP", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let t0 = Instant::now();
    while !std::fs::read_to_string(&log)
        .unwrap()
        .contains("reloaded the TLS certificate")
    {
        assert!(t0.elapsed() < Duration::from_secs(30), "no reload logged");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    // The new certificate names hopscope-client, not localhost.
    let name = rustls::pki_types::ServerName::try_from("hopscope-client").unwrap();
    let stream = tls.connect(name, tcp).await.unwrap();
    assert_eq!(
        stream.get_ref().1.peer_certificates().unwrap()[0].to_vec(),
        pem_der(&cert),
        "a new connection gets the reloaded certificate"
    );
    let (o, _) = run(&[
        "produce",
        "--kafka-config",
        &s.file("scram"),
        "--topic",
        &t,
        "--no-pace",
        "--count",
        "100",
    ]);
    assert!(o.status.success());
    assert_eq!(
        records(&mut ws, 100).await,
        100,
        "the connection opened before the reload goes on"
    );
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
}

async fn next_message_tls(ws: &mut TlsWs) -> Option<ServerMessage> {
    loop {
        match tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .ok()??
        {
            Ok(Message::Text(t)) => return ServerMessage::from_json(&t).ok(),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
}

#[test]
fn a_token_on_a_public_address_without_tls_is_refused() {
    let (o, took) = run(&[
        "serve",
        "--bind",
        "0.0.0.0:0",
        "--token",
        "abcdefgh",
        "--brokers",
        "127.0.0.1:1",
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("without TLS") && stderr.contains("--allow-insecure"),
        "{stderr}"
    );
    assert!(!stderr.contains("abcdefgh"));
    assert!(took < Duration::from_secs(10));
}

#[test]
fn version_names_librdkafka_and_its_security_features() {
    let o = hopscope(&["--version"]);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("librdkafka 2."), "{text}");
    for feature in [
        "ssl",
        "sasl_plain",
        "sasl_scram",
        "sasl_oauthbearer",
        "oidc",
    ] {
        assert!(text.contains(feature), "{feature} missing: {text}");
    }
}

#[test]
fn hopscope_kafka_config_names_the_default_file_and_flags_override_it() {
    let Some(s) = Secured::get() else { return };
    let t = topic("secured-env");
    // No connection flag at all: the file from the environment (SCRAM over TLS).
    let o = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(["produce", "--topic", &t, "--no-pace", "--count", "20"])
        .env("HOPSCOPE_KAFKA_CONFIG", s.file("scram"))
        .output()
        .unwrap();
    s.assert_output_clean("produce with HOPSCOPE_KAFKA_CONFIG", &o);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("(SASL_SSL, SCRAM-SHA-512 as alice)"), "{err}");
    // A flag beats the file: --brokers at the plaintext port, -X the protocol.
    let o = Command::new(env!("CARGO_BIN_EXE_hopscope"))
        .args(["produce", "--topic", &t, "--no-pace", "--count", "5"])
        .args([
            "--brokers",
            &s.cluster["plaintext"],
            "-X",
            "security.protocol=plaintext",
        ])
        .env("HOPSCOPE_KAFKA_CONFIG", s.file("scram"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(
        err.contains(&format!("{} (PLAINTEXT", s.cluster["plaintext"])),
        "{err}"
    );
}
