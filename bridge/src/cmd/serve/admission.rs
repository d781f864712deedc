//! Who may talk to the bridge, and how fast a client may talk.
//!
//! Three checks, each against a concrete attack:
//! * **Host** (every route): a page on `evil.example` whose name an attacker re-points to
//!   127.0.0.1 (DNS rebinding) reaches the bridge with `Host: evil.example`. Only Host
//!   values that name this server pass: loopback addresses and `localhost` with its port,
//!   the `--bind` address, or a name given with `--allow-host`. Others get 421.
//! * **Origin** (WebSocket handshakes): browsers send it, and any page the user visits could
//!   try to reach a bridge on localhost. Allowed: the bridge's own origin, loopback pages
//!   (judged by the parsed address — `127.0.0.1.evil.example` is not loopback), and
//!   `--allow-origin`. Handshakes without an `Origin` come from programs, not pages, and
//!   are let through (a `--token` guards those).
//! * **Token** (optional): `Authorization: Bearer …` or `?token=…`, compared in constant time.

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::net::{IpAddr, SocketAddr};

#[derive(Clone, Debug)]
pub struct Admission {
    pub extra_origins: Vec<String>,
    pub token: Option<String>,
    /// The address the bridge listens on.
    pub bind: SocketAddr,
    /// More names (or name:port) clients may use in `Host`, from `--allow-host`.
    pub extra_hosts: Vec<String>,
    /// Served over TLS: a Host without a port means 443, and the own origin is https.
    pub tls: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 421: a Host that does not name this server (DNS rebinding).
    Host(String),
    /// 403: a page from another origin.
    Origin(String),
    /// 401: the token is missing or wrong.
    Token,
}

impl Refusal {
    /// The answer a refused request gets: its status and one line saying which option
    /// admits it.
    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::Host(_) => StatusCode::MISDIRECTED_REQUEST,
            Refusal::Origin(_) => StatusCode::FORBIDDEN,
            Refusal::Token => StatusCode::UNAUTHORIZED,
        }
    }

    pub fn message(&self) -> String {
        match self {
            Refusal::Host(host) => {
                format!("Host {host:?} does not name this server (see serve --allow-host)\n")
            }
            Refusal::Origin(origin) => {
                format!("origin {origin} may not connect (see serve --allow-origin)\n")
            }
            Refusal::Token => "a valid token is required (serve --token)\n".into(),
        }
    }
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        (self.status(), self.message()).into_response()
    }
}

/// A host and port, parsed strictly: `name`, `1.2.3.4`, `[::1]`, each with an optional port.
#[derive(Debug, PartialEq, Eq)]
struct HostPort {
    /// Lowercase name, or the address as text.
    host: String,
    ip: Option<IpAddr>,
    port: Option<u16>,
}

fn parse_host_port(text: &str) -> Option<HostPort> {
    let (host, port) = if let Some(rest) = text.strip_prefix('[') {
        let (v6, after) = rest.split_once(']')?;
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':')?.parse().ok()?),
        };
        let ip: std::net::Ipv6Addr = v6.parse().ok()?;
        return Some(HostPort {
            host: ip.to_string(),
            ip: Some(IpAddr::V6(ip)),
            port,
        });
    } else {
        match text.rsplit_once(':') {
            Some((h, p)) => (h, Some(p.parse::<u16>().ok()?)),
            None => (text, None),
        }
    };
    if host.is_empty()
        || !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
    {
        return None;
    }
    let host = host.to_ascii_lowercase();
    let ip = host.parse::<IpAddr>().ok();
    Some(HostPort { host, ip, port })
}

/// `scheme://host[:port]` with nothing after it (what browsers send as `Origin`).
fn parse_origin(origin: &str) -> Option<(String, HostPort)> {
    let (scheme, rest) = origin.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "http" && scheme != "https" {
        return None;
    }
    let mut hp = parse_host_port(rest.strip_suffix('/').unwrap_or(rest))?;
    hp.port = hp.port.or(Some(if scheme == "https" { 443 } else { 80 }));
    Some((scheme, hp))
}

fn is_loopback(hp: &HostPort) -> bool {
    hp.ip.is_some_and(|ip| ip.is_loopback()) || hp.host == "localhost"
}

impl Admission {
    fn default_port(&self) -> u16 {
        if self.tls {
            443
        } else {
            80
        }
    }

    /// Whether `Host` names this server (every route checks this).
    pub fn check_host(&self, headers: &HeaderMap) -> Result<(), Refusal> {
        let raw = headers
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let Some(hp) = parse_host_port(raw) else {
            return Err(Refusal::Host(raw.to_string()));
        };
        let port = hp.port.unwrap_or(self.default_port());
        let ours = port == self.bind.port();
        let this_machine = is_loopback(&hp)
            || hp
                .ip
                .is_some_and(|ip| ip == self.bind.ip() || self.bind.ip().is_unspecified());
        let named = self.extra_hosts.iter().any(|h| {
            let h = h.to_ascii_lowercase();
            (h == hp.host && ours) || h == format!("{}:{port}", hp.host)
        });
        let ok = (ours && this_machine) || named;
        if ok {
            Ok(())
        } else {
            Err(Refusal::Host(raw.to_string()))
        }
    }

    /// A WebSocket handshake: Host, Origin, then the token.
    pub fn check(&self, headers: &HeaderMap, query_token: Option<&str>) -> Result<(), Refusal> {
        self.check_host(headers)?;
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            let own = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_host_port);
            let allowed = match parse_origin(origin) {
                None => false,
                Some((_, hp)) => {
                    let same = own.as_ref().is_some_and(|own| {
                        own.host == hp.host
                            && own.port.unwrap_or(self.default_port())
                                == hp.port.unwrap_or(self.default_port())
                    });
                    same || is_loopback(&hp)
                }
            } || self
                .extra_origins
                .iter()
                .any(|o| o.trim_end_matches('/').eq_ignore_ascii_case(origin));
            if !allowed {
                return Err(Refusal::Origin(origin.to_string()));
            }
        }
        if let Some(want) = &self.token {
            let bearer = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            let given = bearer.or(query_token);
            if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), want.as_bytes())) {
                return Err(Refusal::Token);
            }
        }
        Ok(())
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn each_refusal_is_its_status_and_names_the_option_that_admits_it() {
        for (r, status, option) in [
            (Refusal::Host("evil.example".into()), 421, "--allow-host"),
            (
                Refusal::Origin("http://evil.example".into()),
                403,
                "--allow-origin",
            ),
            (Refusal::Token, 401, "--token"),
        ] {
            assert_eq!(r.status().as_u16(), status);
            assert!(r.message().contains(option), "{}", r.message());
            assert_eq!(r.into_response().status().as_u16(), status);
        }
    }

    fn headers(origin: Option<&str>, host: &str, auth: Option<&str>) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(host).unwrap());
        if let Some(o) = origin {
            h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
        }
        if let Some(a) = auth {
            h.insert(header::AUTHORIZATION, HeaderValue::from_str(a).unwrap());
        }
        h
    }

    fn admission() -> Admission {
        Admission {
            extra_origins: vec![],
            token: None,
            bind: "127.0.0.1:8081".parse().unwrap(),
            tls: false,
            extra_hosts: vec![],
        }
    }

    #[test]
    fn over_tls_a_host_without_a_port_is_443_and_the_own_origin_is_https() {
        let a = Admission {
            tls: true,
            bind: "0.0.0.0:443".parse().unwrap(),
            extra_hosts: vec!["bridge.lan".into()],
            ..admission()
        };
        let check = |o: &str, host: &str| a.check(&headers(Some(o), host, None), None);
        assert_eq!(check("https://bridge.lan", "bridge.lan"), Ok(()));
        assert_eq!(check("https://bridge.lan:443", "bridge.lan"), Ok(()));
        assert!(
            check("http://bridge.lan", "bridge.lan").is_err(),
            "port 80 is another origin"
        );
        let plain = Admission { tls: false, ..a };
        assert!(
            plain
                .check(
                    &headers(Some("https://bridge.lan"), "bridge.lan", None),
                    None
                )
                .is_err(),
            "without TLS a bare Host means port 80, not this server's 443"
        );
    }

    #[test]
    fn origins_default_to_same_origin_and_loopback_judged_by_address() {
        let a = Admission {
            tls: false,
            extra_hosts: vec!["bridge.lan".into()],
            ..admission()
        };
        let ok = |o: &str| a.check(&headers(Some(o), "bridge.lan:8081", None), None);
        assert_eq!(ok("http://bridge.lan:8081"), Ok(()));
        assert_eq!(ok("http://localhost:8080"), Ok(()));
        assert_eq!(ok("http://127.0.0.1:3000"), Ok(()));
        assert_eq!(ok("http://127.1.2.3:3000"), Ok(()));
        assert_eq!(ok("http://[::1]:8080"), Ok(()));
        for evil in [
            "https://evil.example",
            "http://localhost.evil.example",
            "http://127.0.0.1.evil.example",
            "http://127.evil.example:8081",
            "http://[::1].evil.example",
            "http://bridge.lan:9999",
            "javascript://127.0.0.1",
            "http://127.0.0.1@evil.example",
            "null",
        ] {
            assert!(matches!(ok(evil), Err(Refusal::Origin(_))), "{evil}");
        }
        assert_eq!(
            a.check(&headers(None, "127.0.0.1:8081", None), None),
            Ok(()),
            "programs send no Origin"
        );
        let b = Admission {
            extra_origins: vec!["https://dash.example".into()],
            ..admission()
        };
        assert_eq!(
            b.check(
                &headers(Some("https://dash.example"), "127.0.0.1:8081", None),
                None
            ),
            Ok(())
        );
    }

    #[test]
    fn only_hosts_that_name_this_server_pass() {
        let a = admission();
        let host = |h: &str| a.check_host(&headers(None, h, None));
        for good in [
            "127.0.0.1:8081",
            "localhost:8081",
            "[::1]:8081",
            "LOCALHOST:8081",
        ] {
            assert_eq!(host(good), Ok(()), "{good}");
        }
        for bad in [
            "evil.example:8081",
            "evil.example",
            "localhost:9999",
            "127.0.0.1",
            "127.0.0.1.evil.example:8081",
            "",
            "a b:8081",
        ] {
            assert!(matches!(host(bad), Err(Refusal::Host(_))), "{bad}");
        }
        let wide = Admission {
            bind: "0.0.0.0:8081".parse().unwrap(),
            tls: false,
            extra_hosts: vec!["bridge.lan".into(), "proxy.example:443".into()],
            ..admission()
        };
        let host = |h: &str| wide.check_host(&headers(None, h, None));
        assert_eq!(host("192.0.2.7:8081"), Ok(()), "an address of this machine");
        assert_eq!(host("bridge.lan:8081"), Ok(()));
        assert_eq!(host("proxy.example:443"), Ok(()));
        assert!(host("evil.example:8081").is_err());
    }

    #[test]
    fn a_token_is_required_when_set() {
        let a = Admission {
            token: Some("s3cret".into()),
            ..admission()
        };
        let h = |auth| headers(None, "127.0.0.1:8081", auth);
        assert_eq!(a.check(&h(None), None), Err(Refusal::Token));
        assert_eq!(a.check(&h(Some("Bearer nope")), None), Err(Refusal::Token));
        assert_eq!(a.check(&h(Some("Bearer s3cret")), None), Ok(()));
        assert_eq!(a.check(&h(None), Some("s3cret")), Ok(()));
        assert_eq!(a.check(&h(None), Some("s3cre")), Err(Refusal::Token));
    }
}
