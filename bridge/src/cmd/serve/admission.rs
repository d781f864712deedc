//! Who may open a WebSocket, and how fast a client may talk.
//!
//! Browsers send `Origin` on every WebSocket handshake, and any page the user visits could
//! try to reach a bridge on localhost, so the default allowlist is the bridge's own origin
//! and loopback pages; more origins are added with `--allow-origin`. Handshakes without an
//! `Origin` come from programs, not pages, and are let through (a `--token` guards those).

use axum::http::{header, HeaderMap};
use std::time::{Duration, Instant};

#[derive(Clone, Debug, Default)]
pub struct Admission {
    pub extra_origins: Vec<String>,
    pub token: Option<String>,
}

#[derive(Debug, PartialEq, Eq)]
pub enum Refusal {
    /// 403: a page from another origin.
    Origin(String),
    /// 401: the token is missing or wrong.
    Token,
}

fn host_of(origin: &str) -> Option<&str> {
    let rest = origin.split_once("://")?.1;
    let host_port = rest.split('/').next()?;
    Some(host_port)
}

fn is_loopback(host_port: &str) -> bool {
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or("")
    } else {
        host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
    };
    host == "localhost" || host == "::1" || host.starts_with("127.")
}

impl Admission {
    pub fn check(&self, headers: &HeaderMap, query_token: Option<&str>) -> Result<(), Refusal> {
        if let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
            let own = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            let host = host_of(origin);
            let same = host.is_some() && host == own;
            let allowed = same
                || host.is_some_and(is_loopback)
                || self
                    .extra_origins
                    .iter()
                    .any(|o| o.trim_end_matches('/') == origin);
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

/// A token bucket: `rate` messages per second, bursts up to `burst`.
pub struct RateLimit {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: Instant,
    pub refused: u64,
}

impl RateLimit {
    pub fn new(rate: f64, burst: f64) -> RateLimit {
        RateLimit {
            rate,
            burst,
            tokens: burst,
            last: Instant::now(),
            refused: 0,
        }
    }

    pub fn allow(&mut self, now: Instant) -> bool {
        let dt = now
            .saturating_duration_since(self.last)
            .min(Duration::from_secs(60));
        self.last = now;
        self.tokens = (self.tokens + dt.as_secs_f64() * self.rate).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            self.refused += 1;
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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

    #[test]
    fn origins_default_to_same_origin_and_loopback() {
        let a = Admission::default();
        let ok = |o: &str| a.check(&headers(Some(o), "bridge.lan:8081", None), None);
        assert_eq!(ok("http://bridge.lan:8081"), Ok(()));
        assert_eq!(ok("http://localhost:8080"), Ok(()));
        assert_eq!(ok("http://127.0.0.1:3000"), Ok(()));
        assert_eq!(ok("http://[::1]:8080"), Ok(()));
        assert!(matches!(
            ok("https://evil.example"),
            Err(Refusal::Origin(_))
        ));
        assert!(matches!(
            ok("http://localhost.evil.example"),
            Err(Refusal::Origin(_))
        ));
        assert_eq!(
            a.check(&headers(None, "x", None), None),
            Ok(()),
            "programs send no Origin"
        );
        let b = Admission {
            extra_origins: vec!["https://dash.example".into()],
            token: None,
        };
        assert_eq!(
            b.check(&headers(Some("https://dash.example"), "x", None), None),
            Ok(())
        );
    }

    #[test]
    fn a_token_is_required_when_set() {
        let a = Admission {
            extra_origins: vec![],
            token: Some("s3cret".into()),
        };
        let h = |auth| headers(None, "x", auth);
        assert_eq!(a.check(&h(None), None), Err(Refusal::Token));
        assert_eq!(a.check(&h(Some("Bearer nope")), None), Err(Refusal::Token));
        assert_eq!(a.check(&h(Some("Bearer s3cret")), None), Ok(()));
        assert_eq!(a.check(&h(None), Some("s3cret")), Ok(()));
        assert_eq!(a.check(&h(None), Some("s3cre")), Err(Refusal::Token));
    }

    #[test]
    fn the_rate_limit_allows_bursts_then_refuses() {
        let mut r = RateLimit::new(10.0, 5.0);
        let t = Instant::now();
        assert!((0..5).all(|_| r.allow(t)));
        assert!(!r.allow(t));
        assert_eq!(r.refused, 1);
        assert!(r.allow(t + Duration::from_millis(150)));
    }
}
