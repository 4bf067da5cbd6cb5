//! FTPS with rustls: which certificates are trusted, pinning, and what the user is shown about a
//! certificate that is not trusted.
//!
//! A server certificate is accepted when
//! - the connection pins a SHA-256 fingerprint and the certificate has exactly that fingerprint
//!   (the user looked at it and said "trust": chain and name are not checked again); a pinned
//!   fingerprint that does not match is refused, even if the certificate would verify; or
//! - nothing is pinned, and it chains to one of the system's roots (or the extra CA file) and
//!   is valid for the host name or address that was dialled.
//!
//! Anything else fails the handshake, and the certificate's facts are kept so the caller can
//! show them and ask. Data connections use the same configuration, so they resume the control
//! connection's TLS session from rustls' in-memory cache (servers that require session reuse,
//! like vsftpd's default `require_ssl_reuse=YES`, accept them).

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use suppaftp::tokio::AsyncRustlsConnector;
use suppaftp::tokio_rustls::TlsConnector;
use suppaftp::tokio_rustls::rustls;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};

/// How the control connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsMode {
    /// Plain FTP.
    #[default]
    Off,
    /// `AUTH TLS` when the server offers it; plain FTP (said loudly) when it refuses.
    IfAvailable,
    /// `AUTH TLS`, `PBSZ 0`, `PROT P`; never falls back to plain FTP.
    Explicit,
    /// TLS from the first byte (port 990 by convention), then `PBSZ 0`, `PROT P`.
    Implicit,
}

impl TlsMode {
    pub fn is_tls(self) -> bool {
        self != TlsMode::Off
    }
}

/// What the user is shown about a certificate that was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_before: String,
    pub not_after: String,
    /// `AB:CD:…`, 32 bytes.
    pub sha256: String,
    /// Why it was not accepted.
    pub reason: String,
    /// A pinned fingerprint that this certificate does not match (the loud case).
    pub pinned_mismatch: Option<String>,
}

impl fmt::Display for CertInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(pin) = &self.pinned_mismatch {
            write!(
                f,
                "the server's certificate CHANGED: pinned SHA-256 {pin}, offered {} ({})",
                self.sha256, self.subject
            )
        } else {
            write!(
                f,
                "untrusted certificate ({}): subject {}, issuer {}, valid {} to {}, SHA-256 {}",
                self.reason,
                self.subject,
                self.issuer,
                self.not_before,
                self.not_after,
                self.sha256
            )
        }
    }
}

/// Trust settings of one connection.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsTrust {
    /// A pinned SHA-256 fingerprint (any case, with or without colons).
    pub pin: Option<String>,
    /// Extra trusted roots (PEM), on top of the system's.
    pub ca_file: Option<PathBuf>,
}

/// SHA-256 of `der` as `AB:CD:…`.
pub fn fingerprint(der: &[u8]) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, der);
    hex_colons(d.as_ref())
}

fn hex_colons(b: &[u8]) -> String {
    let mut s = String::with_capacity(b.len() * 3);
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        s.push_str(&format!("{x:02X}"));
    }
    s
}

/// A fingerprint as typed or stored (`sha256:ab cd…`, `AB:CD:…`, plain hex) in the canonical
/// `AB:CD:…` form, or `None` when it is not 32 bytes of hex.
pub fn normalize_fingerprint(s: &str) -> Option<String> {
    let s = s.trim();
    let s = s
        .strip_prefix("sha256:")
        .or_else(|| s.strip_prefix("SHA256:"))
        .or_else(|| s.strip_prefix("SHA-256:"))
        .unwrap_or(s);
    let hex: String = s
        .chars()
        .filter(|c| !matches!(c, ':' | ' ' | '-'))
        .collect();
    if hex.len() != 64 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let bytes: Vec<u8> = (0..32)
        .filter_map(|i| u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).ok())
        .collect();
    (bytes.len() == 32).then(|| hex_colons(&bytes))
}

/// The certificate's facts, for the user.
pub fn describe(der: &[u8], reason: String) -> CertInfo {
    let sha256 = fingerprint(der);
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, cert)) => {
            let v = cert.validity();
            CertInfo {
                subject: cert.subject().to_string(),
                issuer: cert.issuer().to_string(),
                not_before: v
                    .not_before
                    .to_rfc2822()
                    .unwrap_or_else(|_| v.not_before.to_string()),
                not_after: v
                    .not_after
                    .to_rfc2822()
                    .unwrap_or_else(|_| v.not_after.to_string()),
                sha256,
                reason,
                pinned_mismatch: None,
            }
        }
        Err(e) => CertInfo {
            subject: format!("(unreadable certificate: {e})"),
            issuer: String::new(),
            not_before: String::new(),
            not_after: String::new(),
            sha256,
            reason,
            pinned_mismatch: None,
        },
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The system's trust anchors, loaded once per process.
fn system_roots() -> &'static [CertificateDer<'static>] {
    static ROOTS: OnceLock<Vec<CertificateDer<'static>>> = OnceLock::new();
    ROOTS.get_or_init(|| rustls_native_certs::load_native_certs().certs)
}

fn roots(ca_file: Option<&Path>) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    store.add_parsable_certificates(system_roots().iter().cloned());
    if let Some(path) = ca_file {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| format!("reading {}: {e}", path.display()))?
            .collect::<Result<_, _>>()
            .map_err(|e| format!("reading {}: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!("{} holds no PEM certificate", path.display()));
        }
        let (_, bad) = store.add_parsable_certificates(certs);
        if bad > 0 {
            return Err(format!(
                "{}: {bad} certificate(s) could not be used",
                path.display()
            ));
        }
    }
    Ok(store)
}

/// The verifier: pin first, then the roots; remembers the last refused certificate.
#[derive(Debug)]
struct Verifier {
    webpki: Option<Arc<WebPkiServerVerifier>>,
    pin: Option<String>,
    provider: Arc<CryptoProvider>,
    refused: Arc<Mutex<Option<CertInfo>>>,
    seen: Arc<Mutex<Seen>>,
}

/// What the handshakes showed of the server: its certificate (once accepted) and the TLS
/// version (told by which signature check rustls asked for).
#[derive(Debug, Clone, Default)]
pub struct Seen {
    pub cert: Option<CertInfo>,
    pub version: Option<&'static str>,
}

impl Verifier {
    fn saw(&self, info: CertInfo) {
        if let Ok(mut s) = self.seen.lock() {
            s.cert = Some(info);
        }
    }

    fn version(&self, v: &'static str) {
        if let Ok(mut s) = self.seen.lock() {
            s.version = Some(v);
        }
    }

    fn refuse(&self, info: CertInfo) {
        if let Ok(mut slot) = self.refused.lock() {
            *slot = Some(info);
        }
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(pin) = &self.pin {
            let got = fingerprint(end_entity.as_ref());
            if &got == pin {
                self.saw(describe(
                    end_entity.as_ref(),
                    "trusted: it matches the pinned fingerprint".into(),
                ));
                return Ok(ServerCertVerified::assertion());
            }
            let mut info = describe(
                end_entity.as_ref(),
                "it does not match the pinned fingerprint".into(),
            );
            info.pinned_mismatch = Some(pin.clone());
            self.refuse(info);
            return Err(rustls::Error::General(
                "the certificate does not match the pinned fingerprint".into(),
            ));
        }
        let result = match &self.webpki {
            Some(v) => {
                v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Err(rustls::Error::General(
                "no trusted root certificates on this system".into(),
            )),
        };
        match &result {
            Err(e) => self.refuse(describe(end_entity.as_ref(), e.to_string())),
            Ok(_) => self.saw(describe(
                end_entity.as_ref(),
                "trusted: signed by a known certificate authority".into(),
            )),
        }
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.version("TLS 1.2");
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.version("TLS 1.3");
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// rustls' in-memory session cache, counting the TLS 1.3 tickets it holds: rustls uses each
/// ticket once, so when none is left the next data connection cannot resume the session.
#[derive(Debug)]
pub struct TicketStore {
    inner: rustls::client::ClientSessionMemoryCache,
    tickets: Mutex<std::collections::HashMap<String, usize>>,
    /// This connection offered TLS 1.2 only.
    pub tls12_only: bool,
}

impl TicketStore {
    fn new(tls12_only: bool) -> TicketStore {
        TicketStore {
            inner: rustls::client::ClientSessionMemoryCache::new(64),
            tickets: Mutex::new(Default::default()),
            tls12_only,
        }
    }

    /// TLS 1.3 tickets held for `host`; `None` if the server never sent one (TLS 1.2, or no
    /// tickets at all).
    pub fn tickets_for(&self, host: &str) -> Option<usize> {
        self.tickets.lock().ok()?.get(host).copied()
    }

    fn count(&self, server: &ServerName<'_>, delta: isize) {
        if let Ok(mut t) = self.tickets.lock() {
            let n = t.entry(server.to_str().into_owned()).or_insert(0);
            // The inner cache keeps at most 8 tickets per server.
            *n = n.saturating_add_signed(delta).min(8);
        }
    }
}

impl rustls::client::ClientSessionStore for TicketStore {
    fn set_kx_hint(&self, server_name: ServerName<'static>, group: rustls::NamedGroup) {
        self.inner.set_kx_hint(server_name, group)
    }
    fn kx_hint(&self, server_name: &ServerName<'_>) -> Option<rustls::NamedGroup> {
        self.inner.kx_hint(server_name)
    }
    fn set_tls12_session(
        &self,
        server_name: ServerName<'static>,
        value: rustls::client::Tls12ClientSessionValue,
    ) {
        self.inner.set_tls12_session(server_name, value)
    }
    fn tls12_session(
        &self,
        server_name: &ServerName<'_>,
    ) -> Option<rustls::client::Tls12ClientSessionValue> {
        self.inner.tls12_session(server_name)
    }
    fn remove_tls12_session(&self, server_name: &ServerName<'static>) {
        self.inner.remove_tls12_session(server_name)
    }
    fn insert_tls13_ticket(
        &self,
        server_name: ServerName<'static>,
        value: rustls::client::Tls13ClientSessionValue,
    ) {
        self.count(&server_name, 1);
        self.inner.insert_tls13_ticket(server_name, value)
    }
    fn take_tls13_ticket(
        &self,
        server_name: &ServerName<'static>,
    ) -> Option<rustls::client::Tls13ClientSessionValue> {
        let t = self.inner.take_tls13_ticket(server_name);
        if t.is_some() {
            self.count(server_name, -1);
        }
        t
    }
}

/// A connector for one session (control and data connections), and where a refused
/// certificate's facts end up.
pub struct Tls {
    pub connector: AsyncRustlsConnector,
    pub refused: Arc<Mutex<Option<CertInfo>>>,
    /// The certificate and TLS version of the handshakes that worked.
    pub seen: Arc<Mutex<Seen>>,
    pub tickets: Arc<TicketStore>,
    /// The same configuration, for data connections skiff opens itself (active mode with a
    /// port range or an external address).
    pub raw: TlsConnector,
}

impl Tls {
    /// `tls12_only`: offer only TLS 1.2. rustls uses each TLS 1.3 session ticket once, so a
    /// server that requires session reuse on data connections but sends no new ticket after
    /// some of them (proftpd after an upload) refuses the connection after the tickets run out;
    /// a TLS 1.2 session can be resumed any number of times.
    pub fn new(trust: &TlsTrust, tls12_only: bool) -> Result<Tls, String> {
        let provider = provider();
        let pin = match &trust.pin {
            Some(p) => Some(
                normalize_fingerprint(p)
                    .ok_or_else(|| format!("not a SHA-256 fingerprint: {p}"))?,
            ),
            None => None,
        };
        let store = roots(trust.ca_file.as_deref())?;
        let webpki = if store.is_empty() {
            None
        } else {
            Some(
                WebPkiServerVerifier::builder_with_provider(Arc::new(store), provider.clone())
                    .build()
                    .map_err(|e| e.to_string())?,
            )
        };
        let refused = Arc::new(Mutex::new(None));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let verifier = Verifier {
            webpki,
            pin,
            provider: provider.clone(),
            refused: refused.clone(),
            seen: seen.clone(),
        };
        let versions: &[&'static rustls::SupportedProtocolVersion] = if tls12_only {
            &[&rustls::version::TLS12]
        } else {
            rustls::DEFAULT_VERSIONS
        };
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(versions)
            .map_err(|e| e.to_string())?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        let tickets = Arc::new(TicketStore::new(tls12_only));
        config.resumption = rustls::client::Resumption::store(tickets.clone());
        let raw = TlsConnector::from(Arc::new(config));
        Ok(Tls {
            connector: AsyncRustlsConnector::from(raw.clone()),
            refused,
            seen,
            tickets,
            raw,
        })
    }

    /// The certificate refused by the last handshake, if that is why it failed.
    pub fn take_refused(&self) -> Option<CertInfo> {
        self.refused.lock().ok().and_then(|mut s| s.take())
    }
}

/// Where "trust always" is remembered for servers without a bookmark: `known_hosts` in the
/// config directory, one `HOST:PORT FINGERPRINT` per line (`[v6]:PORT` for IPv6).
pub fn known_hosts_path() -> Option<PathBuf> {
    crate::paths::config_dir().map(|d| d.join("known_hosts"))
}

fn host_key(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{}]:{port}", host.to_ascii_lowercase())
    } else {
        format!("{}:{port}", host.to_ascii_lowercase())
    }
}

/// The fingerprint pinned for `host:port` in `path`, if any.
pub fn known_pin(path: &Path, host: &str, port: u16) -> Option<String> {
    let text = std::fs::read_to_string(path).ok()?;
    let key = host_key(host, port);
    text.lines().find_map(|l| {
        let mut parts = l.split_whitespace();
        (parts.next()? == key)
            .then(|| parts.next().and_then(normalize_fingerprint))
            .flatten()
    })
}

/// Pin `sha256` for `host:port` in `path` (replacing an earlier pin), atomically, 0600.
pub fn save_pin(path: &Path, host: &str, port: u16, sha256: &str) -> std::io::Result<()> {
    let sha = normalize_fingerprint(sha256).ok_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "not a SHA-256 fingerprint",
        )
    })?;
    let key = host_key(host, port);
    let old = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let mut out = String::new();
    if old.is_empty() {
        out.push_str(
            "# skiff: server certificates trusted with \"trust always\" (HOST:PORT SHA-256)\n",
        );
    }
    for l in old.lines() {
        if l.split_whitespace().next() != Some(key.as_str()) {
            out.push_str(l);
            out.push('\n');
        }
    }
    out.push_str(&format!("{key} {sha}\n"));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::paths::write_atomic(path, out.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// Fill in a pin from `known_hosts` for an FTPS connection that has none.
pub fn apply_known_pin(opts: &mut crate::ftp::ConnectOptions) {
    if opts.tls.is_tls()
        && opts.trust.pin.is_none()
        && let Some(path) = known_hosts_path()
    {
        opts.trust.pin = known_pin(&path, &opts.host, opts.port);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hosts_pins_are_saved_replaced_and_found() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub/known_hosts");
        let a = "ab".repeat(32);
        let b = "cd".repeat(32);
        assert_eq!(known_pin(&path, "h", 21), None);
        save_pin(&path, "Example.org", 21, &a).expect("save");
        save_pin(&path, "::1", 990, &b).expect("save");
        assert_eq!(
            known_pin(&path, "example.org", 21),
            normalize_fingerprint(&a)
        );
        assert_eq!(known_pin(&path, "example.org", 22), None);
        assert_eq!(known_pin(&path, "::1", 990), normalize_fingerprint(&b));
        save_pin(&path, "example.org", 21, &b).expect("replace");
        assert_eq!(
            known_pin(&path, "example.org", 21),
            normalize_fingerprint(&b)
        );
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(
            text.lines()
                .filter(|l| l.starts_with("example.org:21 "))
                .count(),
            1
        );
        assert!(save_pin(&path, "h", 21, "nope").is_err());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn fingerprints_normalize() {
        let hex = "ab".repeat(32);
        let canon = normalize_fingerprint(&hex).expect("valid");
        assert_eq!(canon.len(), 32 * 3 - 1);
        assert!(canon.starts_with("AB:AB:"));
        assert_eq!(
            normalize_fingerprint(&format!("sha256:{canon}")),
            Some(canon.clone())
        );
        assert_eq!(
            normalize_fingerprint(&canon.to_lowercase()),
            Some(canon.clone())
        );
        assert_eq!(normalize_fingerprint("abcd"), None);
        assert_eq!(normalize_fingerprint(&"zz".repeat(32)), None);
        assert_eq!(fingerprint(b"").len(), 95);
        assert!(fingerprint(b"").starts_with("E3:B0:C4:42"));
    }

    #[test]
    fn a_bad_pin_is_an_error() {
        assert!(
            Tls::new(
                &TlsTrust {
                    pin: Some("nope".into()),
                    ca_file: None
                },
                false
            )
            .is_err()
        );
    }
}
