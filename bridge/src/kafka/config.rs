//! How every Kafka-facing command reaches the user's cluster: `--brokers`, a client
//! properties file (`--kafka-config`, as Kafka's tools read `--command-config` and kcat
//! `-F`), and `-X key=value` overrides.
//!
//! librdkafka's names pass straight through. The Java client's names that a user's existing
//! file carries (`sasl.mechanism`, `sasl.jaas.config`, PEM trust and key stores) are
//! translated, so the file that works for `kafka-console-consumer` works here. Precedence,
//! highest first: `-X`, then flags (`--brokers`), then the file, then hopscope's defaults.
//!
//! Secrets (passwords, private keys, JAAS lines) are remembered only to be *redacted*: every
//! message that may carry text from librdkafka passes through [`Connection::redact`].

use rdkafka::config::ClientConfig;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The broker when nothing names one.
pub const DEFAULT_BROKERS: &str = "127.0.0.1:9092";

/// Settings whose values are secrets: never printed, redacted from every message.
const SECRET_KEYS: &[&str] = &[
    "sasl.password",
    "sasl.jaas.config",
    "ssl.key.password",
    "ssl.key.pem",
    "ssl.keystore.password",
    "ssl.truststore.password",
    "ssl.keystore.key",
    "sasl.oauthbearer.client.secret",
    "sasl.oauthbearer.config",
    "basic.auth.user.info",
];

/// Java or Confluent client settings librdkafka has no use for: skipped with a note, so a
/// user's existing file works unchanged.
const JAVA_ONLY: &[&str] = &[
    "key.serializer",
    "value.serializer",
    "key.deserializer",
    "value.deserializer",
    "schema.registry.url",
    "basic.auth.credentials.source",
    "basic.auth.user.info",
    "ssl.truststore.password",
    "ssl.keystore.password",
];

/// The connection options every Kafka-facing command takes.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct KafkaArgs {
    /// Kafka bootstrap servers [default: bootstrap.servers of --kafka-config, else
    /// 127.0.0.1:9092].
    #[arg(long)]
    pub brokers: Option<String>,
    /// Client properties file, as Kafka's tools (`--command-config`) and kcat (`-F`) read
    /// it: `key=value` lines, `#` comments. librdkafka's names (security.protocol,
    /// sasl.mechanisms, sasl.username, sasl.password, ssl.ca.location,
    /// ssl.certificate.location, ssl.key.location, …) or the Java client's (sasl.mechanism,
    /// sasl.jaas.config, ssl.truststore.type=PEM …). Default: $HOPSCOPE_KAFKA_CONFIG.
    #[arg(long, value_name = "FILE")]
    pub kafka_config: Option<PathBuf>,
    /// Set one client property, overriding the file and the flags (repeatable), as kcat's -X.
    #[arg(short = 'X', value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

impl KafkaArgs {
    /// Whether the user named a cluster on the command line (analyze reads a file otherwise).
    pub fn given(&self) -> bool {
        self.brokers.is_some() || self.kafka_config.is_some() || !self.set.is_empty()
    }
}

/// Where a setting came from, for messages.
#[derive(Clone, Debug, PartialEq)]
enum Origin {
    File(PathBuf, usize),
    Flag(&'static str),
    Override,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::File(p, line) => write!(f, "{} line {line}", p.display()),
            Origin::Flag(flag) => write!(f, "{flag}"),
            Origin::Override => write!(f, "-X"),
        }
    }
}

/// The user's client settings, resolved: ready to lay over hopscope's defaults.
#[derive(Clone, Debug)]
pub struct Connection {
    /// librdkafka names → (value, where it came from); later sources already won.
    settings: BTreeMap<String, (String, Origin)>,
    secrets: Vec<String>,
    /// Notes for the user (Java-only settings skipped, a readable secret file).
    notes: Vec<String>,
}

/// What hopscope relies on for correctness, per kind of client: overriding one is allowed
/// but never silent.
const PRODUCER_GUARDS: &[(&str, &str, &str)] = &[
    (
        "acks",
        "all",
        "a sale acknowledged by the leader alone is lost if the leader fails before replicating it",
    ),
    (
        "enable.idempotence",
        "true",
        "a retried send can write a sale twice or out of order",
    ),
    (
        "partitioner",
        "murmur2_random",
        "sellers land on other partitions than `hopscope partition` and Java clients predict",
    ),
];
const CONSUMER_GUARDS: &[(&str, &str, &str)] = &[
    (
        "enable.auto.commit",
        "false",
        "hopscope places every read itself; committed group offsets are not used",
    ),
    (
        "enable.auto.offset.store",
        "false",
        "hopscope places every read itself; stored offsets are not used",
    ),
    (
        "enable.partition.eof",
        "false",
        "end-of-partition events are read as errors",
    ),
    (
        "isolation.level",
        "read_committed",
        "records of aborted transactions would be analysed and relayed",
    ),
];

/// Which client a configuration is for (which guards apply).
#[derive(Clone, Copy, PartialEq)]
pub enum Role {
    Producer,
    Consumer,
}

impl Connection {
    /// Reads the file (or `$HOPSCOPE_KAFKA_CONFIG`), the flags and `-X`; translates Java
    /// names; checks every key and value with librdkafka so a typo fails at start.
    pub fn from_args(a: &KafkaArgs) -> Result<Connection, String> {
        let env_file = std::env::var_os("HOPSCOPE_KAFKA_CONFIG")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let file = a.kafka_config.clone().or(env_file);
        let mut raw: Vec<(String, String, Origin)> = Vec::new();
        let mut notes = Vec::new();
        if let Some(path) = &file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| format!("--kafka-config {}: {e}", path.display()))?;
            for (line, k, v) in parse_properties(&text) {
                raw.push((k, v, Origin::File(path.clone(), line)));
            }
            if let Some(note) = readable_secret_file(path, &raw) {
                notes.push(note);
            }
        }
        if let Some(b) = &a.brokers {
            raw.push((
                "bootstrap.servers".into(),
                b.clone(),
                Origin::Flag("--brokers"),
            ));
        }
        for kv in &a.set {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| format!("-X {kv:?}: expected KEY=VALUE"))?;
            raw.push((k.trim().to_string(), v.to_string(), Origin::Override));
        }
        let secrets: Vec<String> = raw
            .iter()
            .filter(|(k, v, _)| is_secret(k) && !v.is_empty())
            .flat_map(|(k, v, _)| secret_values(k, v))
            .collect();
        let mut c = Connection {
            settings: BTreeMap::new(),
            secrets,
            notes,
        };
        translate(raw, &mut c).map_err(|e| c.redact(&e))?;
        c.settings
            .entry("bootstrap.servers".into())
            .or_insert_with(|| (DEFAULT_BROKERS.into(), Origin::Flag("default")));
        c.check()?;
        Ok(c)
    }

    /// librdkafka judges every key and value now, so an unknown key or a bad value is one
    /// line at start, not a failure deep inside a reader.
    fn check(&self) -> Result<(), String> {
        let mut probe = ClientConfig::new();
        self.apply(&mut probe);
        probe.create_native_config().map(|_| ()).map_err(|e| {
            let e = match e {
                rdkafka::error::KafkaError::ClientConfig(_, desc, _, _) => desc,
                e => e.to_string(),
            };
            let origin = self
                .settings
                .iter()
                .find(|(k, _)| e.contains(&format!("\"{k}\"")))
                .map(|(_, (_, o))| format!(" ({o})"))
                .unwrap_or_default();
            self.redact(&format!("Kafka client setting: {e}{origin}"))
        })
    }

    fn apply(&self, c: &mut ClientConfig) {
        for (k, (v, _)) in &self.settings {
            c.set(k, v);
        }
    }

    /// `defaults` with the user's settings laid over them.
    pub fn config(&self, mut defaults: ClientConfig) -> ClientConfig {
        self.apply(&mut defaults);
        defaults
    }

    /// The bootstrap servers, for messages.
    pub fn brokers(&self) -> &str {
        self.get("bootstrap.servers").unwrap_or(DEFAULT_BROKERS)
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.settings.get(key).map(|(v, _)| v.as_str())
    }

    /// `127.0.0.1:9094 (SASL_SSL, SCRAM-SHA-512 as alice)`: never a secret.
    pub fn describe(&self) -> String {
        let protocol = self.get("security.protocol").unwrap_or("plaintext");
        let mut how = protocol.to_uppercase();
        if how.starts_with("SASL") {
            let mech = self.get("sasl.mechanisms").unwrap_or("GSSAPI");
            how.push_str(&format!(", {mech}"));
            if let Some(u) = self.get("sasl.username") {
                how.push_str(&format!(" as {u}"));
            }
        }
        if self.get("ssl.certificate.location").is_some()
            || self.get("ssl.certificate.pem").is_some()
            || self.get("ssl.keystore.location").is_some()
        {
            how.push_str(", client certificate");
        }
        format!("{} ({how})", self.brokers())
    }

    /// The user name and mechanism, for an authentication failure.
    pub fn sasl_identity(&self) -> String {
        let mech = self.get("sasl.mechanisms").unwrap_or("GSSAPI");
        match self.get("sasl.username") {
            Some(u) => format!("user {u} ({mech})"),
            None => format!("mechanism {mech}"),
        }
    }

    /// `text` with every secret value replaced by `***`.
    pub fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for s in &self.secrets {
            if out.contains(s.as_str()) {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }

    /// Notes and warnings to print once at start: Java-only settings skipped, a secret file
    /// others can read, and every guard of `role` the user's settings override.
    pub fn warnings(&self, role: Role) -> Vec<String> {
        let mut w = self.notes.clone();
        let guards = match role {
            Role::Producer => PRODUCER_GUARDS,
            Role::Consumer => CONSUMER_GUARDS,
        };
        for (key, ours, why) in guards {
            if let Some((v, origin)) = self.settings.get(*key) {
                let same = v.eq_ignore_ascii_case(ours) || (*key == "acks" && v.trim() == "-1");
                if !same {
                    w.push(format!(
                        "warning: {key}={v} ({origin}) overrides hopscope's {key}={ours}: {why}"
                    ));
                }
            }
        }
        w
    }
}

fn is_secret(key: &str) -> bool {
    SECRET_KEYS.contains(&key) || key.ends_with(".password") || key.ends_with(".secret")
}

/// The values to redact for a secret setting: the whole value, and for a JAAS line each
/// quoted option value (a password appears alone in messages).
fn secret_values(key: &str, value: &str) -> Vec<String> {
    let mut v = vec![value.to_string()];
    if key == "sasl.jaas.config" {
        if let Ok((_, opts)) = parse_jaas(value) {
            v.extend(
                opts.into_iter()
                    .filter(|(k, _)| k != "username")
                    .map(|(_, val)| val)
                    .filter(|val| !val.is_empty()),
            );
        }
    }
    v
}

/// A warning when a file that holds a secret can be read by other users.
fn readable_secret_file(path: &Path, raw: &[(String, String, Origin)]) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let holds_secret = raw.iter().any(|(k, _, _)| is_secret(k));
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (holds_secret && mode & 0o044 != 0).then(|| {
        format!(
            "warning: {} holds a secret and other users can read it (mode {:o}): chmod 600 {}",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

/// java.util.Properties' format, which Kafka's tools read: `key=value`, `key: value` or
/// `key value`; `#` and `!` comments; a trailing `\` continues the line; `\t`, `\n`, `\uXXXX`
/// and escaped separators. Returns (line number, key, value).
pub fn parse_properties(text: &str) -> Vec<(usize, String, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().enumerate();
    while let Some((i, line)) = lines.next() {
        let start = line.trim_start();
        if start.is_empty() || start.starts_with('#') || start.starts_with('!') {
            continue;
        }
        let mut logical = start.to_string();
        while ends_with_continuation(&logical) {
            logical.pop();
            match lines.next() {
                Some((_, next)) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let (k, v) = split_key_value(&logical);
        out.push((i + 1, unescape(&k), unescape(v.trim_start())));
    }
    out
}

/// An odd number of trailing backslashes continues the line.
fn ends_with_continuation(s: &str) -> bool {
    s.chars().rev().take_while(|&c| c == '\\').count() % 2 == 1
}

fn split_key_value(line: &str) -> (String, &str) {
    let mut key = String::new();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                key.push(c);
                if let Some((_, n)) = chars.next() {
                    key.push(n);
                }
            }
            '=' | ':' => return (key, &line[i + 1..]),
            c if c.is_whitespace() => {
                let rest = line[i..].trim_start();
                let rest = rest
                    .strip_prefix('=')
                    .or_else(|| rest.strip_prefix(':'))
                    .unwrap_or(rest);
                return (key, rest);
            }
            c => key.push(c),
        }
    }
    (key, "")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&hex),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// A JAAS line: `org.….ScramLoginModule required username="alice" password='…';` →
/// (the login module's class, its options).
fn parse_jaas(text: &str) -> Result<(String, Vec<(String, String)>), String> {
    let text = text.trim().trim_end_matches(';').trim();
    let (class, rest) = text
        .split_once(char::is_whitespace)
        .ok_or("expected `<LoginModule class> required key=\"value\" …;`")?;
    let rest = rest.trim_start();
    let rest = ["required", "requisite", "sufficient", "optional"]
        .iter()
        .find_map(|flag| rest.strip_prefix(flag))
        .ok_or("expected `required` after the login module's class")?;
    let mut opts = Vec::new();
    let mut s = rest.trim_start();
    while !s.is_empty() {
        let (key, after) = s.split_once('=').ok_or_else(|| {
            format!(
                "expected key=value in the JAAS options, got {:?}",
                first_word(s)
            )
        })?;
        let after = after.trim_start();
        let (value, tail) = match after.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &after[1..];
                let end = body
                    .find(q)
                    .ok_or_else(|| format!("the value of {} has no closing quote", key.trim()))?;
                (body[..end].to_string(), &body[end + 1..])
            }
            _ => {
                let end = after.find(char::is_whitespace).unwrap_or(after.len());
                (after[..end].to_string(), &after[end..])
            }
        };
        opts.push((key.trim().to_string(), value));
        s = tail.trim_start();
    }
    Ok((class.to_string(), opts))
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or(s)
}

/// How to turn a Java key or trust store into the PEM files librdkafka reads.
const CONVERT_TRUSTSTORE: &str = "export the CA as PEM: `keytool -exportcert -rfc -alias <ca> \
    -keystore truststore.jks -file ca.pem`, then ssl.ca.location=ca.pem (or \
    ssl.truststore.type=PEM with ssl.truststore.location=ca.pem)";
const CONVERT_KEYSTORE: &str = "convert it: `keytool -importkeystore -srckeystore keystore.jks \
    -destkeystore keystore.p12 -deststoretype PKCS12`, then `openssl pkcs12 -in keystore.p12 \
    -nodes -out client.pem` and ssl.keystore.type=PEM with ssl.keystore.location=client.pem";

/// What kind of store a Java `*.type` (or, without one, the file's first bytes) says.
fn store_type(declared: Option<&str>, path: &str) -> String {
    if let Some(t) = declared {
        return t.trim().to_uppercase();
    }
    match std::fs::read(path) {
        Ok(bytes)
            if bytes.starts_with(b"-----BEGIN")
                || bytes.trim_ascii_start().starts_with(b"-----BEGIN") =>
        {
            "PEM".into()
        }
        Ok(bytes) if bytes.starts_with(&[0xfe, 0xed, 0xfe, 0xed]) => "JKS".into(),
        Ok(_) => "PKCS12".into(),
        // Missing files are reported by librdkafka with the path.
        Err(_) => "PEM".into(),
    }
}

/// Java names → librdkafka names; everything else passes through.
fn translate(raw: Vec<(String, String, Origin)>, c: &mut Connection) -> Result<(), String> {
    // Java's store settings are read together, whatever their order.
    let last = |key: &str| {
        raw.iter()
            .rev()
            .find(|(k, _, _)| k == key)
            .map(|(_, v, _)| v.clone())
    };
    let truststore_type = last("ssl.truststore.type");
    let keystore_type = last("ssl.keystore.type");
    for (key, value, origin) in raw {
        let mut set = |k: &str, v: String| {
            c.settings.insert(k.to_string(), (v, origin.clone()));
        };
        match key.as_str() {
            "sasl.mechanism" => set("sasl.mechanisms", value),
            "sasl.jaas.config" => {
                let (class, opts) =
                    parse_jaas(&value).map_err(|e| format!("sasl.jaas.config ({origin}): {e}"))?;
                let module = class.rsplit('.').next().unwrap_or(&class);
                match module {
                    "PlainLoginModule" | "ScramLoginModule" => {
                        for (k, v) in opts {
                            match k.as_str() {
                                "username" => set("sasl.username", v),
                                "password" => set("sasl.password", v),
                                _ => {}
                            }
                        }
                    }
                    "OAuthBearerLoginModule" => {
                        return Err(format!(
                            "sasl.jaas.config ({origin}): OAuthBearerLoginModule is the Java client's; \
                             give librdkafka's settings instead: sasl.oauthbearer.method=oidc, \
                             sasl.oauthbearer.client.id, sasl.oauthbearer.client.secret, \
                             sasl.oauthbearer.token.endpoint.url"
                        ))
                    }
                    other => {
                        return Err(format!(
                            "sasl.jaas.config ({origin}): login module {other} is not supported; \
                             PlainLoginModule and ScramLoginModule are (or set sasl.username and \
                             sasl.password)"
                        ))
                    }
                }
            }
            "ssl.truststore.type" | "ssl.keystore.type" => {}
            "ssl.truststore.location" => {
                match store_type(truststore_type.as_deref(), &value).as_str() {
                    "PEM" => set("ssl.ca.location", value),
                    t => {
                        return Err(format!(
                            "ssl.truststore.location ({origin}) is a {t} store, which librdkafka \
                             cannot read: {CONVERT_TRUSTSTORE}"
                        ))
                    }
                }
            }
            "ssl.truststore.certificates" => set("ssl.ca.pem", value),
            "ssl.keystore.location" => {
                match store_type(keystore_type.as_deref(), &value).as_str() {
                    // Key and chain in one file: librdkafka finds each in it.
                    "PEM" => {
                        set("ssl.certificate.location", value.clone());
                        set("ssl.key.location", value);
                    }
                    // librdkafka reads PKCS#12 itself, under the same name.
                    "PKCS12" => set("ssl.keystore.location", value),
                    t => {
                        return Err(format!(
                            "ssl.keystore.location ({origin}) is a {t} store, which librdkafka \
                             cannot read: {CONVERT_KEYSTORE}"
                        ))
                    }
                }
            }
            "ssl.keystore.password"
                if keystore_type
                    .as_deref()
                    .is_some_and(|t| t.eq_ignore_ascii_case("PKCS12")) =>
            {
                set("ssl.keystore.password", value)
            }
            "ssl.keystore.key" => set("ssl.key.pem", value),
            "ssl.keystore.certificate.chain" => set("ssl.certificate.pem", value),
            "ssl.endpoint.identification.algorithm" if value.trim().is_empty() => {
                set("ssl.endpoint.identification.algorithm", "none".into())
            }
            k if JAVA_ONLY.contains(&k) => {
                c.notes.push(format!(
                    "note: {k} ({origin}) is a Java client setting hopscope does not need: skipped"
                ));
            }
            _ => set(&key, value),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conn(file: &str, set: &[&str]) -> Result<Connection, String> {
        let dir = std::env::temp_dir().join(format!(
            "hopscope-kcfg-{}-{}",
            std::process::id(),
            file.len() + set.len() * 1000
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("client.properties");
        std::fs::write(&path, file).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        Connection::from_args(&KafkaArgs {
            brokers: None,
            kafka_config: Some(path),
            set: set.iter().map(|s| s.to_string()).collect(),
        })
    }

    #[test]
    fn properties_follow_java_rules() {
        let text =
            "# comment\n! also\n a = 1 \nb:2\nc 3\nd=x\\\n   y\ne=tab\\tand\\u0041\nf\\=g=h\n";
        let got: Vec<(String, String)> = parse_properties(text)
            .into_iter()
            .map(|(_, k, v)| (k, v))
            .collect();
        let want = [
            ("a", "1 "),
            ("b", "2"),
            ("c", "3"),
            ("d", "xy"),
            ("e", "tab\tandA"),
            ("f=g", "h"),
        ];
        assert_eq!(
            got,
            want.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_java_scram_file_becomes_librdkafka_settings() {
        let c = conn(
            "bootstrap.servers=b:9094\nsecurity.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\n\
             sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\\n  \
             username='alice' password=\"s3cret-pw\";\nssl.truststore.type=PEM\n\
             ssl.truststore.location=/tmp/ca.pem\nkey.serializer=org.StringSerializer\n",
            &[],
        )
        .unwrap();
        assert_eq!(c.get("sasl.mechanisms"), Some("SCRAM-SHA-512"));
        assert_eq!(c.get("sasl.username"), Some("alice"));
        assert_eq!(c.get("sasl.password"), Some("s3cret-pw"));
        assert_eq!(c.get("ssl.ca.location"), Some("/tmp/ca.pem"));
        assert_eq!(c.brokers(), "b:9094");
        assert_eq!(c.describe(), "b:9094 (SASL_SSL, SCRAM-SHA-512 as alice)");
        assert_eq!(c.redact("bad password s3cret-pw!"), "bad password ***!");
        let notes = c.warnings(Role::Consumer).join("\n");
        assert!(notes.contains("key.serializer"), "{notes}");
        assert!(!notes.contains("s3cret"), "{notes}");
    }

    #[test]
    fn shaded_and_plain_login_modules_are_read() {
        let c = conn(
            "sasl.jaas.config=org.apache.flink.kafka.shaded.org.apache.kafka.common.security.plain.PlainLoginModule required username=bob password=pw1234;\n",
            &[],
        )
        .unwrap();
        assert_eq!(c.get("sasl.username"), Some("bob"));
        assert_eq!(c.get("sasl.password"), Some("pw1234"));
    }

    #[test]
    fn precedence_is_x_then_flags_then_file() {
        let mut args = KafkaArgs {
            brokers: Some("flag:1".into()),
            ..KafkaArgs::default()
        };
        args.set.push("client.id=from-x".into());
        let c = Connection::from_args(&args).unwrap();
        assert_eq!(c.brokers(), "flag:1");
        assert_eq!(c.get("client.id"), Some("from-x"));
        let c = conn(
            "bootstrap.servers=file:1\nclient.id=file\n",
            &["bootstrap.servers=x:1"],
        )
        .unwrap();
        assert_eq!(c.brokers(), "x:1");
        assert_eq!(c.get("client.id"), Some("file"));
        let c = conn("client.id=file\n", &[]).unwrap();
        assert_eq!(c.brokers(), DEFAULT_BROKERS);
    }

    #[test]
    fn unknown_keys_and_bad_values_fail_with_librdkafkas_message_and_no_secret() {
        let e = conn("no.such.thing=1\n", &[]).unwrap_err();
        assert!(
            e.contains("No such configuration property") && e.contains("no.such.thing"),
            "{e}"
        );
        assert!(e.contains("line 1"), "{e}");
        let e = conn(
            "sasl.password=hunter22\nsecurity.protocol=carrier-pigeon\n",
            &[],
        )
        .unwrap_err();
        assert!(e.contains("security.protocol"), "{e}");
        assert!(!e.contains("hunter22"), "{e}");
    }

    #[test]
    fn jks_stores_are_refused_with_how_to_convert() {
        let e = conn(
            "ssl.truststore.location=/x/truststore.jks\nssl.truststore.type=JKS\n",
            &[],
        )
        .unwrap_err();
        assert!(
            e.contains("JKS") && e.contains("keytool -exportcert"),
            "{e}"
        );
        let e = conn(
            "ssl.keystore.location=/x/k.jks\nssl.keystore.type=JKS\n",
            &[],
        )
        .unwrap_err();
        assert!(
            e.contains("JKS") && e.contains("ssl.keystore.type=PEM"),
            "{e}"
        );
        let e = conn(
            "sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required;\n",
            &[],
        )
        .unwrap_err();
        assert!(e.contains("sasl.oauthbearer.method=oidc"), "{e}");
    }

    #[test]
    fn overriding_what_hopscope_relies_on_is_warned_about() {
        let c = conn(
            "",
            &[
                "acks=1",
                "enable.idempotence=false",
                "isolation.level=read_uncommitted",
            ],
        )
        .unwrap();
        let p = c.warnings(Role::Producer).join("\n");
        assert!(
            p.contains("acks=1") && p.contains("hopscope's acks=all"),
            "{p}"
        );
        assert!(p.contains("enable.idempotence=false"), "{p}");
        let k = c.warnings(Role::Consumer).join("\n");
        assert!(k.contains("isolation.level=read_uncommitted"), "{k}");
        assert!(!k.contains("acks"), "{k}");
        let same = conn("", &["acks=-1"]).unwrap();
        assert!(same.warnings(Role::Producer).is_empty());
    }

    #[test]
    fn a_secret_file_others_can_read_is_warned_about() {
        let dir = std::env::temp_dir().join(format!("hopscope-kperm-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("open.properties");
        std::fs::write(&path, "sasl.password=abcd1234\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let c = Connection::from_args(&KafkaArgs {
            kafka_config: Some(path.clone()),
            ..KafkaArgs::default()
        })
        .unwrap();
        let w = c.warnings(Role::Consumer).join("\n");
        assert!(
            w.contains("other users can read it") && w.contains("chmod 600"),
            "{w}"
        );
        assert!(!w.contains("abcd1234"));
    }
}
