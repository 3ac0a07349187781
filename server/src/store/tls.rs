//! TLS to PostgreSQL through rustls (with ring), honouring libpq's `sslmode` and `sslrootcert`
//! in `DATABASE_URL`:
//!
//! | `sslmode` | encrypted | server certificate checked |
//! | --- | --- | --- |
//! | `disable` | no | – |
//! | `prefer` (default) | if the server offers it | no (as libpq; with `sslrootcert`, the chain) |
//! | `require` | always, or the connection fails | no (as libpq; with `sslrootcert`, the chain) |
//! | `verify-ca` | always | chain to `sslrootcert` (or the Mozilla roots) |
//! | `verify-full` | always | chain and host name |
//!
//! `tokio-postgres` knows only `disable`, `prefer` and `require` and refuses `sslrootcert`, so
//! [`split_url`] takes those out of the URL first.

use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::config::SslMode;
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

/// How strictly the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Encrypt without checking who answers (libpq's `prefer` and `require`).
    Nothing,
    /// The certificate chains to a trusted root (`verify-ca`).
    Chain,
    /// The chain, and the certificate names the host connected to (`verify-full`).
    Full,
}

/// What `DATABASE_URL` asks of TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// Whether TLS is off, tried, or required (for `tokio-postgres`).
    pub mode: SslMode,
    /// How the certificate is checked.
    pub verify: Verify,
    /// A PEM file of trusted roots (`sslrootcert`); the Mozilla roots when absent.
    pub root_cert: Option<PathBuf>,
}

/// A `DATABASE_URL` that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// `sslmode` is none of libpq's values.
    #[error("sslmode `{0}` is not one of disable, allow, prefer, require, verify-ca, verify-full")]
    BadMode(String),
    /// The `sslrootcert` file could not be read or holds no certificate.
    #[error("sslrootcert {path}: {problem}")]
    RootCert {
        /// The file named.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
    /// rustls refused the configuration.
    #[error("TLS: {0}")]
    Rustls(#[from] rustls::Error),
}

/// Splits `sslmode` and `sslrootcert` off a `postgres://` URL (or libpq `key=value` string):
/// the URL `tokio-postgres` can parse, and the TLS settings.
pub fn split_url(url: &str) -> Result<(String, TlsSettings), TlsError> {
    let mut mode = None;
    let mut root_cert = None;
    let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let (base, query) = match url.split_once('?') {
            Some((base, query)) => (base, query),
            None => (url, ""),
        };
        let kept: Vec<&str> = query
            .split('&')
            .filter(|pair| !pair.is_empty())
            .filter(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                match key {
                    "sslmode" => {
                        mode = Some(percent_decode(value));
                        false
                    }
                    "sslrootcert" => {
                        root_cert = Some(PathBuf::from(percent_decode(value)));
                        false
                    }
                    _ => true,
                }
            })
            .collect();
        if kept.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", kept.join("&"))
        }
    } else {
        let kept: Vec<&str> = url
            .split_whitespace()
            .filter(|pair| {
                let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                let value = value.trim_matches('\'');
                match key {
                    "sslmode" => {
                        mode = Some(value.to_owned());
                        false
                    }
                    "sslrootcert" => {
                        root_cert = Some(PathBuf::from(value));
                        false
                    }
                    _ => true,
                }
            })
            .collect();
        kept.join(" ")
    };
    let (mode, verify) = match mode.as_deref().unwrap_or("prefer") {
        "disable" => (SslMode::Disable, Verify::Nothing),
        // libpq's `allow` tries plain first; trying TLS first is no weaker.
        "allow" | "prefer" => (SslMode::Prefer, Verify::Nothing),
        "require" => (SslMode::Require, Verify::Nothing),
        "verify-ca" => (SslMode::Require, Verify::Chain),
        "verify-full" => (SslMode::Require, Verify::Full),
        other => return Err(TlsError::BadMode(other.to_owned())),
    };
    // As libpq: a root certificate file turns `prefer`/`require` into a chain check.
    let verify = if verify == Verify::Nothing && root_cert.is_some() {
        Verify::Chain
    } else {
        verify
    };
    Ok((
        rest,
        TlsSettings {
            mode,
            verify,
            root_cert,
        },
    ))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = text
            .get(i + 1..i + 3)
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The rustls client configuration for `settings`.
pub fn client_config(settings: &TlsSettings) -> Result<ClientConfig, TlsError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()?;
    let mut roots = RootCertStore::empty();
    match &settings.root_cert {
        Some(path) => {
            let problem = |problem: String| TlsError::RootCert {
                path: path.clone(),
                problem,
            };
            let certificates = CertificateDer::pem_file_iter(path)
                .map_err(|e| problem(e.to_string()))?
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| problem(e.to_string()))?;
            let (added, _) = roots.add_parsable_certificates(certificates);
            if added == 0 {
                return Err(problem("no usable certificate".to_owned()));
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| TlsError::Rustls(rustls::Error::General(e.to_string())))?;
    let verifier: Arc<dyn ServerCertVerifier> = match settings.verify {
        Verify::Full => webpki,
        Verify::Chain => Arc::new(ChainOnly(webpki)),
        Verify::Nothing => Arc::new(Unchecked(provider)),
    };
    Ok(builder
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// `verify-ca`: the chain must check out; the name in the certificate may be any.
#[derive(Debug)]
struct ChainOnly(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `prefer` / `require` without a root file, as libpq: the link is encrypted, the peer is not
/// authenticated (handshake signatures are still checked, so the session keys are the peer's).
#[derive(Debug)]
struct Unchecked(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// `tokio-postgres`'s TLS hook over a rustls configuration.
#[derive(Clone)]
pub struct MakeRustls(Arc<ClientConfig>);

impl MakeRustls {
    /// Connects with `config`.
    pub fn new(config: ClientConfig) -> Self {
        Self(Arc::new(config))
    }
}

impl<S> MakeTlsConnect<S> for MakeRustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = io::Error;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, io::Error> {
        let name = ServerName::try_from(domain.to_owned())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Ok(RustlsConnect {
            config: self.0.clone(),
            name,
        })
    }
}

/// One TLS handshake to come.
pub struct RustlsConnect {
    config: Arc<ClientConfig>,
    name: ServerName<'static>,
}

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = io::Error;
    type Future = Pin<Box<dyn Future<Output = io::Result<RustlsStream<S>>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        let connector = tokio_rustls::TlsConnector::from(self.config);
        Box::pin(async move {
            let tls = connector.connect(self.name, stream).await?;
            Ok(RustlsStream(Box::new(tls)))
        })
    }
}

/// An encrypted connection to PostgreSQL.
pub struct RustlsStream<S>(Box<tokio_rustls::client::TlsStream<S>>);

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    fn channel_binding(&self) -> ChannelBinding {
        // SCRAM without channel binding: the PLUS variant needs the certificate's hash under
        // its own signature algorithm, which is not worth the code for a demo server.
        ChannelBinding::none()
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sslmode_and_sslrootcert_are_taken_out_of_the_url() {
        let (url, tls) = split_url(
            "postgres://u:p@db:5432/consent?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&options=-c%20x%3Dy",
        )
        .expect("url");
        assert_eq!(url, "postgres://u:p@db:5432/consent?options=-c%20x%3Dy");
        assert_eq!(tls.mode, SslMode::Require);
        assert_eq!(tls.verify, Verify::Full);
        assert_eq!(tls.root_cert, Some(PathBuf::from("/etc/ca.pem")));

        let (url, tls) = split_url("postgres://db/consent?sslmode=require").expect("url");
        assert_eq!(url, "postgres://db/consent");
        assert_eq!((tls.mode, tls.verify), (SslMode::Require, Verify::Nothing));

        let (_, tls) = split_url("postgres://db/consent").expect("url");
        assert_eq!((tls.mode, tls.verify), (SslMode::Prefer, Verify::Nothing));

        let (_, tls) = split_url("postgres://db/c?sslmode=disable").expect("url");
        assert_eq!(tls.mode, SslMode::Disable);

        let (_, tls) =
            split_url("postgres://db/c?sslmode=require&sslrootcert=ca.pem").expect("url");
        assert_eq!(
            tls.verify,
            Verify::Chain,
            "a root file means the chain is checked"
        );

        let (rest, tls) =
            split_url("host=db user=u sslmode=verify-ca sslrootcert=/ca.pem").expect("kv");
        assert_eq!(rest, "host=db user=u");
        assert_eq!((tls.mode, tls.verify), (SslMode::Require, Verify::Chain));

        assert!(matches!(
            split_url("postgres://db/c?sslmode=sometimes"),
            Err(TlsError::BadMode(_))
        ));
    }

    #[test]
    fn a_missing_root_certificate_file_is_an_error() {
        let (_, tls) = split_url("postgres://db/c?sslmode=verify-full&sslrootcert=/no/such/ca.pem")
            .expect("url");
        assert!(matches!(
            client_config(&tls),
            Err(TlsError::RootCert { .. })
        ));
    }

    #[test]
    fn every_mode_builds_a_client_configuration() {
        for mode in ["disable", "prefer", "require", "verify-ca", "verify-full"] {
            let (_, tls) = split_url(&format!("postgres://db/c?sslmode={mode}")).expect("url");
            assert!(client_config(&tls).is_ok(), "{mode}");
        }
    }
}
