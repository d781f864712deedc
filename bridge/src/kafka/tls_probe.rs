//! A TLS handshake of hopscope's own, to say *why* librdkafka could not verify a broker.
//!
//! OpenSSL, as librdkafka reports it, says "certificate verify failed" both for a
//! certificate signed by an unknown CA and for one issued to another host name. One
//! handshake with rustls against the same CA file tells them apart (and names the host
//! names the certificate does list), and tells a TLS listener from a plaintext one when
//! security.protocol does not match the port.

use rustls::client::danger::ServerCertVerifier;
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{CertificateError, ClientConfig, ClientConnection, RootCertStore};
use std::io::ErrorKind;
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

/// What a handshake with `addr` (host:port) found.
#[derive(Debug, PartialEq)]
pub enum Finding {
    /// The certificate does not name `host`; it names these.
    WrongName {
        host: String,
        names: Vec<String>,
    },
    /// Not signed by a CA in the file.
    UnknownIssuer,
    Expired,
    NotYetValid,
    /// The certificate is fine by this CA file (the failure is elsewhere).
    Valid,
    /// The port did not answer TLS.
    NotTls,
}

#[allow(deprecated)] // ring: see serve/tls.rs
fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn roots(ca_path: Option<&str>) -> RootCertStore {
    let mut roots = RootCertStore::empty();
    if let Some(path) = ca_path {
        if let Ok(iter) = CertificateDer::pem_file_iter(path) {
            for cert in iter.flatten() {
                let _ = roots.add(cert);
            }
        }
    }
    roots
}

/// One handshake with `addr`, verifying against the CAs of `ca_path` (none: every
/// certificate is of an unknown issuer, which still proves the port speaks TLS).
pub fn probe(addr: &str, ca_path: Option<&str>) -> Option<Finding> {
    let (host, _) = addr.rsplit_once(':')?;
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let name = ServerName::try_from(host.clone()).ok()?;
    let roots = roots(ca_path);
    let verifier: Arc<dyn ServerCertVerifier> = if roots.is_empty() {
        Arc::new(UnknownIssuer(provider()))
    } else {
        WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
            .build()
            .ok()?
    };
    let config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .ok()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    let sock_addr = addr.to_socket_addrs().ok()?.next()?;
    let mut sock = TcpStream::connect_timeout(&sock_addr, Duration::from_secs(3)).ok()?;
    sock.set_read_timeout(Some(Duration::from_secs(3))).ok()?;
    sock.set_write_timeout(Some(Duration::from_secs(3))).ok()?;
    let mut conn = ClientConnection::new(Arc::new(config), name).ok()?;
    while conn.is_handshaking() {
        match conn.complete_io(&mut sock) {
            Ok(_) => {}
            Err(e) => {
                let tls = e
                    .get_ref()
                    .and_then(|inner| inner.downcast_ref::<rustls::Error>());
                return Some(match tls {
                    Some(rustls::Error::InvalidCertificate(ce)) => certificate_finding(ce, &host),
                    // Client-certificate demands and the like: the server's own was fine.
                    Some(rustls::Error::AlertReceived(_)) => Finding::Valid,
                    Some(_) => Finding::NotTls,
                    // A plaintext listener closes on a ClientHello it cannot frame.
                    None if matches!(
                        e.kind(),
                        ErrorKind::InvalidData
                            | ErrorKind::UnexpectedEof
                            | ErrorKind::ConnectionReset
                            | ErrorKind::ConnectionAborted
                    ) =>
                    {
                        Finding::NotTls
                    }
                    None => return None,
                });
            }
        }
    }
    Some(Finding::Valid)
}

fn certificate_finding(e: &CertificateError, host: &str) -> Finding {
    match e {
        CertificateError::NotValidForNameContext { presented, .. } => Finding::WrongName {
            host: host.to_string(),
            names: presented.clone(),
        },
        CertificateError::NotValidForName => Finding::WrongName {
            host: host.to_string(),
            names: Vec::new(),
        },
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => Finding::Expired,
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            Finding::NotYetValid
        }
        _ => Finding::UnknownIssuer,
    }
}

/// With no CA to judge by, every certificate is of an unknown issuer: the handshake still
/// gets as far as the certificate, which proves the port speaks TLS.
#[derive(Debug)]
struct UnknownIssuer(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for UnknownIssuer {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Err(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ))
    }

    fn verify_tls12_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ))
    }

    fn verify_tls13_signature(
        &self,
        _: &[u8],
        _: &CertificateDer<'_>,
        _: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        Err(rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer,
        ))
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}
