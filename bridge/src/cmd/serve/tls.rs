//! `serve --tls-cert/--tls-key`: the page and `wss://` on one port, with rustls.
//!
//! The certificate is read at start (a bad file fails the start with one line naming it)
//! and again on SIGHUP: new connections get the new certificate, open ones keep theirs, and
//! a file that does not load leaves the old certificate in place (logged). Certificates are
//! renewed this way without dropping a single client.

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

pub struct Tls {
    cert: PathBuf,
    key: PathBuf,
    current: RwLock<Arc<ServerConfig>>,
}

impl Tls {
    pub fn load(cert: &Path, key: &Path) -> Result<Tls, String> {
        let config = server_config(cert, key)?;
        Ok(Tls {
            cert: cert.to_path_buf(),
            key: key.to_path_buf(),
            current: RwLock::new(Arc::new(config)),
        })
    }

    /// The acceptor for the next connection.
    pub fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        tokio_rustls::TlsAcceptor::from(self.current.read().expect("not poisoned").clone())
    }

    /// Reads the files again; on failure the old certificate stays.
    pub fn reload(&self) -> Result<(), String> {
        let config = server_config(&self.cert, &self.key)?;
        *self.current.write().expect("not poisoned") = Arc::new(config);
        Ok(())
    }
}

fn server_config(cert: &Path, key: &Path) -> Result<ServerConfig, String> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| format!("--tls-cert {}: {e}", cert.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("--tls-cert {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "--tls-cert {}: no PEM certificate in it",
            cert.display()
        ));
    }
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        format!(
            "--tls-key {}: no PEM private key in it ({e})",
            key.display()
        )
    })?;
    // ring, not aws-lc-rs: no cmake or assembler toolchain in the build. (Deprecated only
    // for lacking post-quantum key exchange, which browsers fall back from.)
    #[allow(deprecated)]
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(|e| format!("--tls-cert {} and --tls-key: {e}", cert.display()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

/// Re-reads the certificate on every SIGHUP for as long as serve runs.
pub async fn reload_on_sighup(tls: Arc<Tls>) {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut hup) = signal(SignalKind::hangup()) else {
        tracing::warn!("cannot listen for SIGHUP: certificates will not be reloaded");
        return;
    };
    while hup.recv().await.is_some() {
        match tls.reload() {
            Ok(()) => tracing::info!(
                "🔐 SIGHUP: reloaded the TLS certificate from {}",
                tls.cert.display()
            ),
            Err(e) => tracing::warn!("SIGHUP: {e}; keeping the previous certificate"),
        }
    }
}
