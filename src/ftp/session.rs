//! One logged-in FTP control connection: login sequence, feature detection, directory changes
//! and streamed, parsed listings. Every network wait has a timeout; every control line goes to
//! the connection's [`Tap`].

use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use suppaftp::Status;
use suppaftp::tokio::AsyncRustlsFtpStream;
use suppaftp::types::FileType;
use tokio::io::AsyncReadExt;

use super::listing::{parse_list_line, parse_mlsd_line};
use super::tls::{TicketStore, Tls, TlsMode, TlsTrust};
use super::{FtpError, Tap};
use crate::fs::{Entry, FileSystem, FsError, Listing, validate_name};
use crate::paths::{remote_join, remote_parent};

/// A password that never shows up in `Debug`, `Display` or a panic message.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    /// The clear text, for the one place that sends it.
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort: overwrite the bytes before the allocation is freed.
        // SAFETY-free version: replace every byte through a safe API.
        let len = self.0.len();
        self.0.clear();
        self.0.extend(std::iter::repeat_n('\0', len));
    }
}

/// Everything needed to open (and re-open) a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectOptions {
    pub host: String,
    pub port: u16,
    /// `anonymous` when the URL had no user.
    pub user: String,
    pub password: Secret,
    /// Timeout of every single wait for a reply or for data.
    pub timeout: Duration,
    /// Timeout of opening the control connection (resolving, connecting, the greeting and
    /// the TLS handshake); `None`: `timeout`.
    pub connect_timeout: Option<Duration>,
    /// Timeout of opening a data connection (connecting, or waiting for the server's in active
    /// mode); `None`: `timeout`.
    pub data_timeout: Option<Duration>,
    /// Plain FTP, or FTPS (explicit, implicit, or explicit if the server offers it).
    pub tls: TlsMode,
    /// Which certificates FTPS accepts beyond the system's roots.
    pub trust: TlsTrust,
    /// Active mode: the server connects back to skiff (`PORT`, or `EPRT` over IPv6).
    pub active: bool,
    /// Active mode listens on a port of this range (inclusive) instead of one the system picks.
    pub active_ports: Option<(u16, u16)>,
    /// Active mode announces this address instead of the control connection's own (behind NAT).
    pub active_address: Option<std::net::IpAddr>,
    /// Passive mode uses `EPSV` when the server lists it in `FEAT` (else `PASV`); an `EPSV`
    /// data connection that cannot be opened falls back to `PASV`, remembered per server.
    pub epsv: bool,
    /// Open passive data connections to the control connection's peer, ignoring the address a
    /// `227` reply names (on by default: a hostile or misconfigured server cannot point skiff
    /// at another host).
    pub pasv_use_peer: bool,
    /// A listing with more lines than this is refused (a clean error, not a memory blow-up).
    pub max_listing_lines: usize,
    /// A listing whose entries' names (with their permissions and link targets) add up to
    /// more bytes than this is refused too: lines may be 64 KiB long, so the line count alone
    /// does not bound the memory a listing takes.
    pub max_listing_bytes: usize,
    /// Send `NOOP` on the idle browsing connection this often (off by default).
    pub keepalive: Option<Duration>,
    /// A transfer whose data connection moves nothing for this long fails (and is retried).
    pub stall: Duration,
    /// The server's encoding of names when it is not UTF-8 (GBK, windows-1252…).
    pub encoding: Option<&'static encoding_rs::Encoding>,
    /// How a busy (`421`) or unreachable server is tried again when connecting.
    pub retry: ConnectRetry,
}

/// How connecting tries again: `attempts` in all, waiting `first_wait`, then twice as long
/// each time (at most 60 s). Only a busy server (`4xx` at the greeting or login), a refused or
/// reset connection, a timeout and a handshake the server answered in clear text after `AUTH
/// TLS` are tried again; wrong credentials (`530`), certificates and TLS failures the peers
/// disagreed on are final at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectRetry {
    pub attempts: u32,
    pub first_wait: Duration,
}

impl Default for ConnectRetry {
    fn default() -> Self {
        ConnectRetry {
            attempts: 4,
            first_wait: Duration::from_secs(2),
        }
    }
}

/// A wait between two connection attempts, for a countdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryWait {
    /// The attempt that comes next (2 is the first retry) and how many there are in all.
    pub next: u32,
    pub of: u32,
    /// Time left before it.
    pub left: Duration,
    /// What went wrong with the last attempt.
    pub reason: String,
}

/// Whether an error text says the network failed (rather than the peers disagreeing).
fn network_broke(text: &str) -> bool {
    let t = text.to_ascii_lowercase();
    [
        "reset",
        "eof",
        "end of file",
        "broken pipe",
        "timed out",
        "aborted",
        "not connected",
    ]
    .iter()
    .any(|w| t.contains(w))
}

/// Whether a failed TLS handshake met bytes that are not TLS: the first byte of a record is
/// no TLS content type (rustls: "received corrupt message of type InvalidContentType"), as
/// when the peer writes an FTP reply instead.
fn answered_in_clear(text: &str) -> bool {
    text.contains("InvalidContentType")
}

/// Whether a failed connect is worth another attempt (see [`ConnectRetry`]).
pub fn retryable(e: &FtpError) -> bool {
    match e {
        // 430 and 434 (RFC 7151: invalid credentials, host unavailable) do not pass.
        FtpError::Reply { code, .. } => (400..500).contains(code) && !matches!(code, 430 | 434),
        FtpError::Timeout { .. } => true,
        // Refused, reset, unreachable: maybe not in a moment. An unknown host stays unknown.
        FtpError::Connection(m) => {
            let m = m.to_ascii_lowercase();
            !(m.contains("lookup") || m.contains("resolve") || m.contains("name or service"))
        }
        _ => false,
    }
}

impl FtpSession {
    /// [`FtpSession::connect`], tried again as `opts.retry` says. `wait` hears about each
    /// second of every wait (for a countdown); the caller cancels by dropping the future.
    pub async fn connect_retrying(
        opts: ConnectOptions,
        tap: Tap,
        mut wait: impl FnMut(&RetryWait),
    ) -> Result<FtpSession, FtpError> {
        let retry = opts.retry;
        let mut attempt = 1;
        let mut delay = retry.first_wait;
        loop {
            match FtpSession::connect(opts.clone(), tap.clone()).await {
                Ok(s) => return Ok(s),
                Err(e) if attempt < retry.attempts.max(1) && retryable(&e) => {
                    tap.warn(format!(
                        "{e}: trying again in {} s (attempt {} of {})",
                        delay.as_secs_f32().ceil(),
                        attempt + 1,
                        retry.attempts
                    ));
                    // Each second of the wait is announced (at least once, even for no wait).
                    let mut left = delay;
                    loop {
                        wait(&RetryWait {
                            next: attempt + 1,
                            of: retry.attempts,
                            left,
                            reason: e.to_string(),
                        });
                        let step = left.min(Duration::from_secs(1));
                        tokio::time::sleep(step).await;
                        left -= step;
                        if left.is_zero() {
                            break;
                        }
                    }
                    attempt += 1;
                    // Doubling up to a minute (or the first wait, if that was set longer).
                    delay = (delay * 2).min(Duration::from_secs(60).max(retry.first_wait));
                }
                Err(e) => return Err(e),
            }
        }
    }
}

impl ConnectOptions {
    pub fn new(host: &str, port: u16, user: Option<&str>, password: Option<Secret>) -> Self {
        let anonymous = user.is_none();
        ConnectOptions {
            host: host.to_string(),
            port,
            user: user.unwrap_or("anonymous").to_string(),
            password: password
                .unwrap_or_else(|| Secret::new(if anonymous { "skiff@" } else { "" }.to_string())),
            timeout: Duration::from_secs(20),
            connect_timeout: None,
            data_timeout: None,
            tls: TlsMode::Off,
            trust: TlsTrust::default(),
            active: false,
            active_ports: None,
            active_address: None,
            epsv: true,
            pasv_use_peer: true,
            max_listing_lines: 5_000_000,
            max_listing_bytes: MAX_LISTING_BYTES,
            keepalive: None,
            stall: Duration::from_secs(30),
            encoding: None,
            retry: ConnectRetry::default(),
        }
    }

    /// Take every setting but the address and the credentials from `other` (FTPS, trust,
    /// data connection mode, timeout).
    pub fn copy_settings(&mut self, other: &ConnectOptions) {
        self.timeout = other.timeout;
        self.connect_timeout = other.connect_timeout;
        self.data_timeout = other.data_timeout;
        self.tls = other.tls;
        self.trust = other.trust.clone();
        self.active = other.active;
        self.active_ports = other.active_ports;
        self.active_address = other.active_address;
        self.epsv = other.epsv;
        self.pasv_use_peer = other.pasv_use_peer;
        self.max_listing_lines = other.max_listing_lines;
        self.max_listing_bytes = other.max_listing_bytes;
        self.keepalive = other.keepalive;
        self.stall = other.stall;
        self.encoding = other.encoding;
        self.retry = other.retry;
    }

    /// `user@host:port` for path bars and titles (never the password).
    pub fn label(&self) -> String {
        if self.port == 21 {
            format!("{}@{}", self.user, self.host)
        } else {
            format!("{}@{}:{}", self.user, self.host, self.port)
        }
    }
}

/// A data connection in progress (read it for a download, write it for an upload, then
/// [`FtpSession::finish`] it).
pub enum DataStream {
    /// Opened by suppaftp (passive mode, and active mode without a port range or address).
    Suppa(suppaftp::tokio::TransferStream<suppaftp::tokio::AsyncRustlsStream>),
    /// Opened by skiff: active mode on a port of a configured range and/or announcing an
    /// external address, which suppaftp cannot do.
    Own(OwnData),
}

/// An active-mode data connection skiff accepted itself.
pub struct OwnData {
    conn: OwnConn,
    upload: bool,
}

enum OwnConn {
    Plain(tokio::net::TcpStream),
    Tls(Box<suppaftp::tokio_rustls::client::TlsStream<tokio::net::TcpStream>>),
}

macro_rules! delegate {
    ($self:ident, $s:ident => $e:expr) => {
        match Pin::into_inner($self) {
            DataStream::Suppa($s) => {
                let $s = Pin::new($s);
                $e
            }
            DataStream::Own(OwnData {
                conn: OwnConn::Plain($s),
                ..
            }) => {
                let $s = Pin::new($s);
                $e
            }
            DataStream::Own(OwnData {
                conn: OwnConn::Tls($s),
                ..
            }) => {
                let $s = Pin::new(&mut **$s);
                $e
            }
        }
    };
}

impl tokio::io::AsyncRead for DataStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        delegate!(self, s => s.poll_read(cx, buf))
    }
}

impl tokio::io::AsyncWrite for DataStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        delegate!(self, s => s.poll_write(cx, buf))
    }
    fn poll_flush(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        delegate!(self, s => s.poll_flush(cx))
    }
    fn poll_shutdown(
        self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        delegate!(self, s => s.poll_shutdown(cx))
    }
}

/// Listen for an active-mode data connection on `ip`, on a port of `range` (tried from a
/// random point, so parallel connections do not collide) or one the system picks.
fn listen_active(
    ip: std::net::IpAddr,
    range: Option<(u16, u16)>,
) -> std::io::Result<tokio::net::TcpListener> {
    let bind = |port: u16| -> std::io::Result<tokio::net::TcpListener> {
        let l = std::net::TcpListener::bind((ip, port))?;
        l.set_nonblocking(true)?;
        tokio::net::TcpListener::from_std(l)
    };
    let Some((lo, hi)) = range else {
        return bind(0);
    };
    let n = u32::from(hi.saturating_sub(lo)) + 1;
    let start = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
        % n;
    let mut last = None;
    for i in 0..n {
        let port = lo + ((start + i) % n) as u16;
        match bind(port) {
            Ok(l) => return Ok(l),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("empty port range")))
}

/// Open the control connection as `opts.tls` says: plain, `AUTH TLS` on a plain connection, or
/// TLS from the first byte. Returns the stream (greeting read) and whether it is encrypted.
async fn open_control(
    opts: &ConnectOptions,
    addr: SocketAddr,
    tap: &Tap,
) -> Result<(AsyncRustlsFtpStream, Option<TlsParts>), FtpError> {
    let t = opts.connect_timeout.unwrap_or(opts.timeout);
    let plain = || {
        timed(t, "waiting for the greeting", async {
            AsyncRustlsFtpStream::connect_timeout(addr, t)
                .await
                .map_err(FtpError::from)
        })
    };
    if opts.tls == TlsMode::Off {
        return Ok((plain().await?, None));
    }
    let tls12 = tls12_only()
        .lock()
        .is_ok_and(|s| s.contains(&format!("{}:{}", opts.host, opts.port)));
    if tls12 {
        tap.info("Offering TLS 1.2 only to this server (its data connections could not resume a TLS 1.3 session)");
    }
    let tls = Tls::new(&opts.trust, tls12).map_err(FtpError::Tls)?;
    let refused = tls.refused.clone();
    let parts = TlsParts {
        tickets: tls.tickets.clone(),
        connector: tls.raw.clone(),
        seen: tls.seen.clone(),
    };
    let certificate = |e: FtpError| match refused.lock().ok().and_then(|mut s| s.take()) {
        Some(info) => FtpError::Certificate(Box::new(info)),
        None => e,
    };
    let host = opts.host.clone();
    if opts.tls == TlsMode::Implicit {
        let ftp = timed(t, "opening an implicit TLS connection", async {
            AsyncRustlsFtpStream::connect_secure_implicit(addr, tls.connector, &host)
                .await
                .map_err(FtpError::from)
        })
        .await
        .map_err(certificate)?;
        return Ok((ftp, Some(parts)));
    }
    let ftp = plain().await?;
    match timed(t, "setting up TLS (AUTH TLS)", async {
        ftp.into_secure(tls.connector, &host)
            .await
            .map_err(FtpError::from)
    })
    .await
    {
        Ok(ftp) => Ok((ftp, Some(parts))),
        Err(e) => {
            let e = certificate(e);
            let refused_by_server = e.code().is_some_and(|c| c >= 500);
            // A pinned certificate (the bookmark's `cert_sha256` or a `known_hosts` entry) says
            // this server has spoken TLS before: a refusal now is a downgrade, not a server
            // without FTPS, so "if available" requires TLS as explicit FTPS does.
            let pinned = opts.trust.pin.is_some();
            if opts.tls == TlsMode::IfAvailable && refused_by_server && !pinned {
                tap.warn(format!(
                    "The server does not offer FTPS ({e}): continuing WITHOUT encryption; \
                     the password and every file travel in clear text"
                ));
                return Ok((plain().await?, None));
            }
            Err(match e {
                FtpError::Reply { code, text } if opts.tls == TlsMode::IfAvailable && pinned => {
                    FtpError::Tls(format!(
                        "the server refused AUTH TLS ({code} {text}); a certificate is pinned \
                         for it, so FTPS is required and skiff does not fall back to plain FTP"
                    ))
                }
                FtpError::Reply { code, text } => FtpError::Tls(format!(
                    "the server refused AUTH TLS ({code} {text}); FTPS is required, so skiff \
                     does not fall back to plain FTP"
                )),
                // A handshake the network broke (a reset, the connection closed) is a failed
                // connection, worth another try; one the peers disagreed on (an alert, no common
                // version or cipher, a bad name) fails the same way every time.
                FtpError::Protocol(p) if network_broke(&p) => {
                    FtpError::Connection(format!("TLS handshake: {p}"))
                }
                // Neither is a server that agreed to AUTH TLS and then answers the handshake
                // with something that is not TLS at all (libunftp, unFTP's engine, now and then
                // reads the ClientHello as a command and answers `500` in clear text: its AUTH
                // handler switches to TLS from another task, racing its own command reader).
                // The same server completes the handshake on another connection.
                FtpError::Protocol(p) if answered_in_clear(&p) => FtpError::Connection(format!(
                    "TLS handshake: the server answered in clear text after agreeing to AUTH \
                     TLS ({p})"
                )),
                FtpError::Protocol(p) => FtpError::Tls(format!("handshake: {p}")),
                other => other,
            })
        }
    }
}

trait MapErrFtp<T> {
    fn map_err_ftp(self) -> impl std::future::Future<Output = Result<T, FtpError>>;
}

impl<T, F> MapErrFtp<T> for F
where
    F: std::future::Future<Output = Result<T, suppaftp::FtpError>>,
{
    async fn map_err_ftp(self) -> Result<T, FtpError> {
        self.await.map_err(FtpError::from)
    }
}

/// Preliminary (`1xx`) replies read after a typed command before giving up on it.
const MAX_PRELIMINARY: usize = 4;

/// A logged-in FTP session.
pub struct FtpSession {
    ftp: AsyncRustlsFtpStream,
    tap: Tap,
    opts: ConnectOptions,
    use_mlsd: bool,
    features: Arc<[String]>,
    welcome: String,
    cwd: String,
    /// Control and data connections are encrypted.
    encrypted: bool,
    data_mode: DataMode,
    /// The TLS session cache of this connection (FTPS only).
    tickets: Option<Arc<TicketStore>>,
    /// For data connections skiff opens itself over FTPS.
    data_tls: Option<suppaftp::tokio_rustls::TlsConnector>,
    /// What the TLS handshakes showed (FTPS only).
    tls_seen: Option<Arc<std::sync::Mutex<super::tls::Seen>>>,
    /// `TYPE A` is in force (login sets `TYPE I`).
    ascii: bool,
    /// The server answered `SIZE` with "not implemented": sizes come from listings.
    no_size: bool,
}

/// What an FTPS control connection leaves for the session.
struct TlsParts {
    tickets: Arc<TicketStore>,
    connector: suppaftp::tokio_rustls::TlsConnector,
    seen: Arc<std::sync::Mutex<super::tls::Seen>>,
}

/// How data connections are opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataMode {
    Epsv,
    Pasv,
    Active,
}

/// End a data connection skiff opened: close it (with TLS close_notify), after an upload over
/// TLS wait for the server to close its side (tickets it sent are read, and no reset races
/// the close_notify), then read the final reply.
async fn finish_own(ftp: &mut AsyncRustlsFtpStream, d: OwnData) -> Result<(), FtpError> {
    use tokio::io::AsyncWriteExt;
    let mut s = DataStream::Own(d);
    let shut = s.shutdown().await;
    if let DataStream::Own(OwnData {
        conn: OwnConn::Tls(_),
        upload: true,
    }) = &s
        && shut.is_ok()
    {
        let mut buf = [0u8; 1024];
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            while matches!(s.read(&mut buf).await, Ok(n) if n > 0) {}
        })
        .await;
    }
    let upload = matches!(&s, DataStream::Own(OwnData { upload: true, .. }));
    drop(s);
    ftp.read_response_in(&[Status::ClosingDataConnection, Status::RequestedFileActionOk])
        .await
        .map_err(FtpError::from)?;
    if upload {
        shut.map_err(|e| FtpError::Connection(format!("data connection: {e}")))?;
    }
    Ok(())
}

fn rustls_name(
    host: &str,
) -> Result<suppaftp::tokio_rustls::rustls::pki_types::ServerName<'static>, FtpError> {
    suppaftp::tokio_rustls::rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| FtpError::Tls(format!("{host}: {e}")))
}

/// Whether active-mode data connections are opened by skiff rather than suppaftp.
fn own_active(o: &ConnectOptions) -> bool {
    o.active && (o.active_ports.is_some() || o.active_address.is_some())
}

/// Servers (`host:port`) whose `EPSV` data connections could not be opened in this process.
fn pasv_only() -> &'static std::sync::Mutex<std::collections::HashSet<String>> {
    static SET: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<String>>> =
        std::sync::OnceLock::new();
    SET.get_or_init(Default::default)
}

/// FTPS servers (`host:port`) that refused a data connection over TLS 1.3 in this process.
fn tls12_only() -> &'static std::sync::Mutex<std::collections::HashSet<String>> {
    static SET: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<String>>> =
        std::sync::OnceLock::new();
    SET.get_or_init(Default::default)
}

/// What the data-connection opener says when it fails, so a failure to reach the data port
/// is told apart from a dropped control connection.
const DATA_CONNECT: &str = "opening the data connection to";

/// How many unparsable listing lines are logged one by one before they are only counted.
const MAX_WARNED_LINES: usize = 20;

/// The most bytes of names (with permissions and link targets) one listing may hold: 256 MiB.
pub const MAX_LISTING_BYTES: usize = 256 << 20;

impl FtpSession {
    /// Connect, log in, and run the opening sequence: `FEAT`, `OPTS UTF8 ON` when advertised,
    /// `TYPE I`, `PWD`.
    pub async fn connect(opts: ConnectOptions, tap: Tap) -> Result<FtpSession, FtpError> {
        let t = opts.timeout;
        let scope_tap = tap.clone();
        scope_tap
            .scope(async move {
                let addr =
                    resolve(&opts.host, opts.port, opts.connect_timeout.unwrap_or(t)).await?;
                tap.info(format!(
                    "Connecting to {}:{} ({addr})",
                    opts.host, opts.port
                ));
                let (mut ftp, tls) = open_control(&opts, addr, &tap).await?;
                let (tickets, data_tls, tls_seen) = match tls {
                    Some(p) => (Some(p.tickets), Some(p.connector), Some(p.seen)),
                    None => (None, None, None),
                };
                // Names are sent and read byte for byte, whatever their encoding.
                ftp.set_encoding(super::encoding::ServerEncoding(opts.encoding))
                    .await;
                let encrypted = tickets.is_some();
                let welcome = ftp.get_welcome_msg().unwrap_or("").to_string();
                // Passive data connections open with a timeout of their own (a port nobody
                // answers on must fail the transfer, not hang it), and by default go to the
                // control peer, never to an address a PASV reply names.
                let dt = opts.data_timeout.unwrap_or(t);
                let mut ftp = ftp.passive_stream_builder(move |addr| {
                    Box::pin(async move {
                        match tokio::time::timeout(dt, tokio::net::TcpStream::connect(addr)).await {
                            Ok(Ok(s)) => Ok(s),
                            Ok(Err(e)) => {
                                Err(suppaftp::FtpError::ConnectionError(std::io::Error::new(
                                    e.kind(),
                                    format!("{DATA_CONNECT} {addr}: {e}"),
                                )))
                            }
                            Err(_) => {
                                Err(suppaftp::FtpError::ConnectionError(std::io::Error::new(
                                    std::io::ErrorKind::TimedOut,
                                    format!("{DATA_CONNECT} {addr}: timed out"),
                                )))
                            }
                        }
                    })
                });
                ftp.set_passive_nat_workaround(opts.pasv_use_peer);
                // Active mode with a port range or an external address is skiff's own (see
                // `open_own_active`); otherwise suppaftp's.
                if opts.active && !own_active(&opts) {
                    ftp = ftp.active_mode(dt);
                }
                check_line(&opts.user)?;
                check_line(opts.password.expose())?;
                timed(t, "logging in", async {
                    ftp.login(opts.user.as_str(), opts.password.expose())
                        .await
                        .map_err(FtpError::from)
                })
                .await?;
                let features: Vec<String> = match timed(t, "reading FEAT", async {
                    ftp.feat().await.map_err(FtpError::from)
                })
                .await
                {
                    Ok(f) => {
                        let mut v: Vec<String> =
                            f.into_keys().map(|k| k.to_ascii_uppercase()).collect();
                        v.sort();
                        v
                    }
                    Err(e) if e.code().is_some() => Vec::new(),
                    Err(e) => return Err(e),
                };
                // With a legacy encoding chosen for this server, it must not switch to UTF-8.
                if opts.encoding.is_none() && features.iter().any(|f| f == "UTF8") {
                    let r = timed(t, "OPTS UTF8", async {
                        ftp.custom_command(
                            "OPTS UTF8 ON",
                            &[Status::CommandOk, Status::CommandNotImplemented],
                        )
                        .await
                        .map_err(FtpError::from)
                    })
                    .await;
                    if let Err(e) = r {
                        if e.is_connection_lost() {
                            return Err(e);
                        }
                        tap.warn(format!("OPTS UTF8 ON refused: {e}"));
                    }
                }
                timed(t, "TYPE I", async {
                    ftp.transfer_type(FileType::Binary)
                        .await
                        .map_err(FtpError::from)
                })
                .await?;
                if encrypted && opts.tls == TlsMode::Implicit {
                    // Implicit FTPS still has to ask for protected data connections.
                    for cmd in ["PBSZ 0", "PROT P"] {
                        timed(t, "setting up protected data connections", async {
                            ftp.custom_command(cmd, &[Status::CommandOk])
                                .await
                                .map_err(FtpError::from)
                        })
                        .await?;
                    }
                }
                let cwd =
                    timed(t, "PWD", async { ftp.pwd().await.map_err(FtpError::from) }).await?;
                let use_mlsd = features.iter().any(|f| f == "MLST");
                let key = format!("{}:{}", opts.host, opts.port);
                let data_mode = if opts.active {
                    DataMode::Active
                } else if opts.epsv
                    && features.iter().any(|f| f == "EPSV")
                    && !pasv_only().lock().is_ok_and(|s| s.contains(&key))
                {
                    ftp.set_mode(suppaftp::Mode::ExtendedPassive);
                    DataMode::Epsv
                } else {
                    DataMode::Pasv
                };
                Ok(FtpSession {
                    ftp,
                    tap,
                    opts,
                    use_mlsd,
                    features: features.into(),
                    welcome,
                    cwd,
                    encrypted,
                    data_mode,
                    tickets,
                    data_tls,
                    tls_seen,
                    ascii: false,
                    no_size: false,
                })
            })
            .await
    }

    /// The TLS version and the server's certificate, as the handshakes showed them (FTPS).
    pub fn tls_facts(&self) -> Option<super::tls::Seen> {
        self.tls_seen
            .as_ref()
            .and_then(|s| s.lock().ok().map(|s| s.clone()))
    }

    pub fn options(&self) -> &ConnectOptions {
        &self.opts
    }
    pub fn tap(&self) -> &Tap {
        &self.tap
    }
    /// Log this session's conversation under another tag from now on (a connection handed from
    /// one role to another, e.g. a probe that becomes a transfer connection).
    pub fn set_tap(&mut self, tap: Tap) {
        self.tap = tap;
    }
    pub fn features(&self) -> &[String] {
        &self.features
    }
    /// Whether control and data connections are encrypted (FTPS).
    pub fn is_encrypted(&self) -> bool {
        self.encrypted
    }
    /// How data connections are opened now.
    pub fn data_mode(&self) -> DataMode {
        self.data_mode
    }

    /// After a failed data command: if it was an `EPSV` data connection that could not be
    /// opened, switch to `PASV` (for this server, for the rest of the process) and say so; the
    /// caller then tries once more.
    fn epsv_failed(&mut self, e: &FtpError) -> bool {
        let unreachable = matches!(e, FtpError::Connection(m) if m.contains(DATA_CONNECT));
        if self.data_mode != DataMode::Epsv || !unreachable {
            return false;
        }
        self.use_pasv(format!("EPSV data connection failed ({e})"));
        true
    }

    /// After a data command refused with 500–504 in EPSV mode: ask `EPSV` alone. If that is
    /// what the server refuses (it listed EPSV in FEAT but does not do it), switch to `PASV`
    /// like [`Self::epsv_failed`] and let the caller try again; otherwise the refusal was the
    /// command's own.
    async fn epsv_refused(&mut self, e: &FtpError) -> bool {
        if self.data_mode != DataMode::Epsv || !e.code().is_some_and(|c| (500..=504).contains(&c)) {
            return false;
        }
        match self.quote("EPSV", &[229]).await {
            Err(FtpError::Reply { code, text }) if (500..=504).contains(&code) => {
                self.use_pasv(format!("EPSV refused ({code} {text})"));
                true
            }
            _ => false,
        }
    }

    fn use_pasv(&mut self, why: String) {
        self.ftp.set_mode(suppaftp::Mode::Passive);
        self.data_mode = DataMode::Pasv;
        if let Ok(mut s) = pasv_only().lock() {
            s.insert(format!("{}:{}", self.opts.host, self.opts.port));
        }
        self.tap.warn(format!("{why}; using PASV from now on"));
    }
    pub fn welcome(&self) -> &str {
        &self.welcome
    }
    /// The working directory as the server last reported it.
    pub fn cwd(&self) -> &str {
        &self.cwd
    }
    /// Whether listings use MLSD (the server advertised MLST) rather than LIST.
    pub fn uses_mlsd(&self) -> bool {
        self.use_mlsd
    }
    /// Force LIST even when MLSD is available (tests and servers with broken MLSD).
    pub fn set_use_mlsd(&mut self, on: bool) {
        self.use_mlsd = on;
    }

    pub async fn cwd_to(&mut self, path: &str) -> Result<String, FtpError> {
        check_line(path)?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        let cwd = self
            .tap
            .scope(async {
                timed(t, "CWD", async {
                    ftp.cwd(path).await.map_err(FtpError::from)
                })
                .await?;
                timed(t, "PWD", async { ftp.pwd().await.map_err(FtpError::from) }).await
            })
            .await?;
        self.cwd = cwd.clone();
        Ok(cwd)
    }

    pub async fn cdup(&mut self) -> Result<String, FtpError> {
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        let cwd = self
            .tap
            .scope(async {
                timed(t, "CDUP", async {
                    ftp.cdup().await.map_err(FtpError::from)
                })
                .await?;
                timed(t, "PWD", async { ftp.pwd().await.map_err(FtpError::from) }).await
            })
            .await?;
        self.cwd = cwd.clone();
        Ok(cwd)
    }

    pub async fn pwd(&mut self) -> Result<String, FtpError> {
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        let cwd = self
            .tap
            .scope(timed(t, "PWD", async {
                ftp.pwd().await.map_err(FtpError::from)
            }))
            .await?;
        self.cwd = cwd.clone();
        Ok(cwd)
    }

    /// Send a command that needs no data connection and return the final reply line.
    pub async fn quote(&mut self, line: &str, ok: &[u16]) -> Result<String, FtpError> {
        check_line(line)?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        let expected: Vec<Status> = ok.iter().map(|&c| Status::from(u32::from(c))).collect();
        let resp = self
            .tap
            .scope(timed(t, "a reply", async {
                ftp.custom_command(line, &expected)
                    .await
                    .map_err(FtpError::from)
            }))
            .await?;
        let body = String::from_utf8_lossy(&resp.body);
        if let Some(torn) = super::torn_reply(&body) {
            return Err(torn);
        }
        Ok(body.trim_end().lines().last().unwrap_or("").to_string())
    }

    /// List the working directory, streaming and parsing the data connection line by line.
    /// Lines that cannot be parsed are logged as warnings and skipped.
    pub async fn list_cwd(&mut self) -> Result<Vec<Entry>, FtpError> {
        let mut entries = Vec::new();
        self.list_cwd_into(&mut entries).await?;
        Ok(entries)
    }

    /// Like [`FtpSession::list_cwd`], handing each entry to `sink` as it is parsed (a caller
    /// that keeps entries in a compact form of its own never holds the whole `Vec<Entry>`).
    pub async fn list_cwd_into(&mut self, sink: &mut dyn ListSink) -> Result<(), FtpError> {
        self.ensure_resumable().await?;
        match self.list_cwd_once(sink).await {
            Err(e) if self.recoverable(&e).await? => self.list_cwd_once(sink).await,
            r => r,
        }
    }

    /// After a failed data command: whether one of the fallbacks every data command shares
    /// explains it and has switched (EPSV unreachable or refused → PASV; a data connection
    /// refused for not resuming the TLS session → TLS 1.2), so that one more try makes sense.
    async fn recoverable(&mut self, e: &FtpError) -> Result<bool, FtpError> {
        Ok(self.epsv_failed(e) || self.epsv_refused(e).await || self.tls13_data_refused(e).await?)
    }

    async fn list_cwd_once(&mut self, sink: &mut dyn ListSink) -> Result<(), FtpError> {
        match self.list_with(self.use_mlsd, sink).await {
            // The refusal may be EPSV's, not MLSD's: that is checked first.
            Err(e) if self.epsv_refused(&e).await => self.list_with(self.use_mlsd, sink).await,
            Err(FtpError::Reply { code, .. }) if self.use_mlsd && (500..=504).contains(&code) => {
                self.tap
                    .warn(format!("MLSD refused ({code}); falling back to LIST"));
                self.use_mlsd = false;
                self.list_with(false, sink).await
            }
            other => other,
        }
    }

    async fn list_with(&mut self, mlsd: bool, sink: &mut dyn ListSink) -> Result<(), FtpError> {
        sink.start();
        let t = self.opts.timeout;
        let max_lines = self.opts.max_listing_lines;
        let max_bytes = self.opts.max_listing_bytes;
        let enc = self.opts.encoding;
        let tap = self.tap.clone();
        let cmd = if mlsd { "MLSD" } else { "LIST" };
        let stream = if own_active(&self.opts) {
            self.open_own_active(cmd, 0, false).await?
        } else {
            let ftp = &mut self.ftp;
            let (_resp, s) = self
                .tap
                .scope(timed(t, "opening the listing", async {
                    ftp.custom_data_command(cmd, &[Status::AboutToSend, Status::AlreadyOpen])
                        .await
                        .map_err(FtpError::from)
                }))
                .await?;
            DataStream::Suppa(s)
        };
        let ftp = &mut self.ftp;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        self.tap
            .scope(async move {
                // Read in large chunks and cut lines out of them: one timeout per chunk, not
                // per line, and a line that never ends cannot grow without bound.
                let mut stream = stream;
                let mut buf = vec![0u8; 64 * 1024];
                let mut pending: Vec<u8> = Vec::new();
                let entries = sink;
                let mut bad = 0usize;
                let mut lines = 0usize;
                // What the entries handed over hold (names, permissions, link targets).
                let mut kept = 0usize;
                let mut handle = |raw: &[u8], entries: &mut dyn ListSink, kept: &mut usize| {
                    let text = super::encoding::decode_with(enc, raw);
                    let text = text.trim_end_matches(['\r', '\n']);
                    if text.is_empty() {
                        return;
                    }
                    let parsed = if mlsd {
                        parse_mlsd_line(text)
                    } else {
                        parse_list_line(text, now)
                    };
                    match parsed {
                        Ok(Some(e)) if validate_name(&e.name).is_ok() => {
                            *kept += e.name.len()
                                + e.perms.as_deref().map_or(0, str::len)
                                + e.link_target.as_deref().map_or(0, str::len);
                            entries.line(text, &e);
                            entries.entry(e);
                        }
                        Ok(Some(e)) => {
                            bad += 1;
                            if bad <= MAX_WARNED_LINES {
                                tap.warn(format!(
                                    "skipped an entry with an unsafe name: {:?}",
                                    e.name
                                ));
                            }
                        }
                        Ok(None) => {}
                        Err(err) => {
                            bad += 1;
                            if bad <= MAX_WARNED_LINES {
                                tap.warn(format!("could not parse listing line ({err}): {text:?}"));
                            }
                        }
                    }
                };
                loop {
                    let n = timed(t, "reading the listing", async {
                        stream
                            .read(&mut buf)
                            .await
                            .map_err(|e| FtpError::Connection(e.to_string()))
                    })
                    .await?;
                    if n == 0 {
                        break;
                    }
                    pending.extend_from_slice(&buf[..n]);
                    let mut start = 0;
                    while let Some(pos) = pending[start..].iter().position(|&b| b == b'\n') {
                        handle(&pending[start..start + pos], &mut *entries, &mut kept);
                        start += pos + 1;
                        lines += 1;
                        if kept > max_bytes {
                            return Err(FtpError::Protocol(format!(
                                "the listing's names add up to more than {} MiB; refused",
                                max_bytes >> 20
                            )));
                        }
                    }
                    pending.drain(..start);
                    if lines > max_lines {
                        return Err(FtpError::Protocol(format!(
                            "the listing has more than {max_lines} lines; refused"
                        )));
                    }
                    if pending.len() > 64 * 1024 {
                        return Err(FtpError::Protocol("listing line longer than 64 KiB".into()));
                    }
                }
                if !pending.is_empty() {
                    handle(&pending, &mut *entries, &mut kept);
                }
                timed(t, "the end of the listing", async {
                    match stream {
                        DataStream::Suppa(s) => s.finish().await.map_err(FtpError::from),
                        DataStream::Own(d) => finish_own(ftp, d).await,
                    }
                })
                .await?;
                if bad > MAX_WARNED_LINES {
                    tap.warn(format!("{bad} listing lines were skipped in all"));
                }
                Ok(())
            })
            .await
    }

    /// Send a command typed by the user and return its final reply, whatever its code (a 5xx is
    /// an answer here, not an error). Every line is in the log through the tap.
    ///
    /// A `1xx` is preliminary: the final reply is read too (a few at most), so the next
    /// command is not answered with this one's leftovers. Any error other than a reply means
    /// the control connection may be out of step: the caller must not use it again.
    pub async fn raw_command(&mut self, line: &str) -> Result<(u16, String), FtpError> {
        fn answer(r: Result<String, FtpError>) -> Result<(u16, String), FtpError> {
            match r {
                Ok(last) => Err(FtpError::Protocol(format!("unexpected reply: {last}"))),
                Err(FtpError::Reply { code, text }) => Ok((code, text)),
                Err(e) => Err(e),
            }
        }
        let mut reply = answer(self.quote(line, &[]).await)?;
        for _ in 0..MAX_PRELIMINARY {
            if !(100..200).contains(&reply.0) {
                return Ok(reply);
            }
            let t = self.opts.timeout;
            let ftp = &mut self.ftp;
            let next = self
                .tap
                .scope(timed(t, "the final reply", async {
                    ftp.read_response_in(&[]).await.map_err(FtpError::from)
                }))
                .await
                .map(|r| String::from_utf8_lossy(&r.body).trim_end().to_string());
            reply = answer(next)?;
        }
        if (100..200).contains(&reply.0) {
            return Err(FtpError::Protocol(format!(
                "more than {MAX_PRELIMINARY} preliminary replies to {line}"
            )));
        }
        Ok(reply)
    }

    /// A listing command typed by the user (`LIST -la /pub`, `NLST`, `MLSD x`): the data
    /// connection's bytes as the server sent them, at most `limit` of them (and whether there
    /// was more), for the pager.
    pub async fn raw_listing(
        &mut self,
        line: &str,
        limit: usize,
    ) -> Result<(Vec<u8>, bool), FtpError> {
        check_line(line)?;
        self.ensure_resumable().await?;
        let t = self.opts.timeout;
        let mut stream = if own_active(&self.opts) {
            self.open_own_active(line, 0, false).await?
        } else {
            let ftp = &mut self.ftp;
            let (_resp, s) = self
                .tap
                .scope(timed(t, "opening the listing", async {
                    ftp.custom_data_command(line, &[Status::AboutToSend, Status::AlreadyOpen])
                        .await
                        .map_err(FtpError::from)
                }))
                .await?;
            DataStream::Suppa(s)
        };
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut more = false;
        loop {
            let n = timed(t, "reading the listing", async {
                stream
                    .read(&mut buf)
                    .await
                    .map_err(|e| FtpError::Connection(e.to_string()))
            })
            .await?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
            if out.len() > limit {
                out.truncate(limit);
                more = true;
                break;
            }
        }
        let ftp = &mut self.ftp;
        let finished = self
            .tap
            .scope(timed(t, "the end of the listing", async {
                match stream {
                    DataStream::Suppa(s) => s.finish().await.map_err(FtpError::from),
                    DataStream::Own(d) => finish_own(ftp, d).await,
                }
            }))
            .await;
        match finished {
            Ok(()) => Ok((out, more)),
            // Stopping early makes some servers answer 426: expected.
            Err(e) if more && e.code().is_some() => Ok((out, more)),
            Err(e) => Err(e),
        }
    }

    /// The line the listing of `dir` gives for `name`, as the server wrote it (MLSD facts or
    /// `ls -l` text), for the info dialog. `None` when it is not there.
    pub async fn listing_line(
        &mut self,
        dir: &str,
        name: &str,
    ) -> Result<Option<String>, FtpError> {
        struct Find<'a> {
            name: &'a str,
            found: Option<String>,
        }
        impl ListSink for Find<'_> {
            fn start(&mut self) {
                self.found = None;
            }
            fn entry(&mut self, _e: Entry) {}
            fn line(&mut self, text: &str, e: &Entry) {
                if self.found.is_none() && e.name == self.name {
                    self.found = Some(text.to_string());
                }
            }
        }
        self.cwd_to(dir).await?;
        let mut find = Find { name, found: None };
        self.list_cwd_into(&mut find).await?;
        Ok(find.found)
    }

    /// `TYPE A` (ASCII, line ends converted by the client) or back to `TYPE I` (binary); sent
    /// only when the type in force differs.
    pub async fn set_ascii(&mut self, ascii: bool) -> Result<(), FtpError> {
        if self.ascii == ascii {
            return Ok(());
        }
        self.quote(if ascii { "TYPE A" } else { "TYPE I" }, &[200])
            .await?;
        self.ascii = ascii;
        Ok(())
    }

    /// `SIZE path`: `None` when the file does not exist (550) or the server lacks SIZE.
    pub async fn size(&mut self, path: &str) -> Result<Option<u64>, FtpError> {
        check_line(path)?;
        if self.no_size {
            return self.size_from_listing(path).await;
        }
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        let r = self
            .tap
            .scope(timed(t, "SIZE", async {
                ftp.size(path).await.map_err(FtpError::from)
            }))
            .await;
        match r {
            Ok(n) => Ok(Some(n as u64)),
            // No SIZE on this server: "no such file" would be a guess (a transfer's on-exists
            // choice would overwrite what it cannot see), so the directory's listing says.
            Err(e) if matches!(e.code(), Some(500 | 502 | 504)) => {
                self.no_size = true;
                self.tap.info(format!(
                    "the server has no SIZE ({e}): sizes come from directory listings"
                ));
                self.size_from_listing(path).await
            }
            Err(e) if e.code().is_some_and(|c| c >= 500) => Ok(None),
            // A 213 with junk where the number should be: the size is unknown, not an error
            // (the reply was read whole, so the connection is still in step).
            Err(FtpError::Protocol(why)) => {
                self.tap.warn(format!(
                    "unreadable SIZE reply for {path} ({why}); size unknown"
                ));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The size of the file `path` as its directory's listing gives it (`None`: not there, or
    /// not a file), for servers without `SIZE`. Leaves the server in that directory.
    async fn size_from_listing(&mut self, path: &str) -> Result<Option<u64>, FtpError> {
        let path = path.trim_end_matches('/');
        let (dir, name) = match path.rsplit_once('/') {
            Some((_, name)) => (remote_parent(path), name),
            None => (self.cwd.clone(), path),
        };
        if dir != self.cwd {
            match self.cwd_to(&dir).await {
                Ok(_) => {}
                Err(e) if e.code().is_some_and(|c| c >= 500) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        let entries = self.list_cwd().await?;
        Ok(entries
            .iter()
            .find(|e| e.name == name && e.kind == crate::fs::EntryKind::File)
            .map(|e| e.size))
    }

    /// Open a download of `path`, starting at `offset` (sends `REST` first when non-zero).
    pub async fn retr(&mut self, path: &str, offset: u64) -> Result<DataStream, FtpError> {
        self.ensure_resumable().await?;
        match self.retr_once(path, offset).await {
            Err(e) if self.recoverable(&e).await? => self.retr_once(path, offset).await,
            r => r,
        }
    }

    /// After a failed data command on an FTPS connection: if the server refused the data
    /// connection (425, or 522 "TLS required/failed", RFC 4217), it may be one that insists on
    /// TLS session reuse while rustls has no TLS 1.3 ticket left to offer. Log in again with
    /// TLS 1.2 only (remembered for the server), back in the same directory; the caller then
    /// tries once more. Returns whether it did.
    async fn tls13_data_refused(&mut self, e: &FtpError) -> Result<bool, FtpError> {
        let refused = matches!(e.code(), Some(425 | 522));
        if !self.encrypted || !refused || self.tls12_marked() {
            return Ok(false);
        }
        self.relogin_tls12(format!(
            "the server refused a TLS data connection ({e}): it probably requires TLS session \
             reuse, which TLS 1.3 tickets cannot always give"
        ))
        .await?;
        Ok(true)
    }

    /// This connection already speaks TLS 1.2 only (another one switching the server over
    /// does not change a connection that is still on TLS 1.3).
    fn tls12_marked(&self) -> bool {
        self.tickets.as_ref().is_some_and(|t| t.tls12_only)
    }

    /// Before a data connection over TLS 1.3: rustls uses each session ticket once, and a
    /// server that sends no new ticket after some data connections (proftpd after an upload)
    /// leaves none, so the next data connection could not resume the session, which such
    /// servers require. Then switch this server to TLS 1.2 (whose sessions resume any number
    /// of times) before the data connection, not after it failed.
    async fn ensure_resumable(&mut self) -> Result<(), FtpError> {
        let dry = self
            .tickets
            .as_ref()
            .is_some_and(|t| t.tickets_for(&self.opts.host) == Some(0));
        if dry && !self.tls12_marked() {
            self.relogin_tls12(
                "no TLS 1.3 session ticket is left for the next data connection (the server \
                 sends no new one after some transfers)"
                    .into(),
            )
            .await?;
        }
        Ok(())
    }

    /// Log in again offering TLS 1.2 only (remembered for this server), back in the same
    /// directory.
    async fn relogin_tls12(&mut self, why: String) -> Result<(), FtpError> {
        if let Ok(mut s) = tls12_only().lock() {
            s.insert(format!("{}:{}", self.opts.host, self.opts.port));
        }
        self.tap
            .warn(format!("{why}; logging in again with TLS 1.2"));
        let dir = self.cwd.clone();
        let ascii = self.ascii;
        let fresh = FtpSession::connect(self.opts.clone(), self.tap.clone()).await?;
        let old = std::mem::replace(self, fresh);
        let _ = tokio::time::timeout(Duration::from_secs(2), old.quit()).await;
        // Transfers name absolute paths: a directory that is gone by now (a tree being
        // deleted) is no reason to fail the login.
        if let Err(e) = self.cwd_to(&dir).await {
            self.tap
                .warn(format!("logged in again, but not back in {dir}: {e}"));
        }
        // The transfer this login is for was to run in the type set before it.
        self.set_ascii(ascii).await
    }

    async fn retr_once(&mut self, path: &str, offset: u64) -> Result<DataStream, FtpError> {
        check_line(path)?;
        if own_active(&self.opts) {
            return self
                .open_own_active(&format!("RETR {path}"), offset, false)
                .await;
        }
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(
                t,
                "opening the download",
                async {
                    ftp.resume_transfer(offset as usize).await?;
                    ftp.retr_as_stream(path).await
                }
                .map_err_ftp(),
            ))
            .await
            .map(DataStream::Suppa)
    }

    /// Active mode the way suppaftp cannot do it: listen on a port of the configured range,
    /// announce the configured external address (`PORT`, or `EPRT` for IPv6), send `REST` and
    /// the command, take the server's connection (from the control connection's peer only:
    /// anyone else who reaches the port first is ignored), and start TLS on it when the
    /// session is encrypted, resuming its TLS session.
    async fn open_own_active(
        &mut self,
        cmd: &str,
        offset: u64,
        upload: bool,
    ) -> Result<DataStream, FtpError> {
        let t = self.opts.timeout;
        let (local, peer) = {
            let sock = self.ftp.get_ref().await;
            (sock.local_addr(), sock.peer_addr())
        };
        let lost = |e: std::io::Error| FtpError::Connection(e.to_string());
        let (local, peer) = (local.map_err(lost)?, peer.map_err(lost)?);
        // Behind NAT (an external address set) the server reaches this host through a
        // forwarded port, maybe not on the control connection's address: listen on all.
        let bind_ip = match (self.opts.active_address, local.ip()) {
            (None, ip) => ip,
            (Some(_), std::net::IpAddr::V4(_)) => std::net::Ipv4Addr::UNSPECIFIED.into(),
            (Some(_), std::net::IpAddr::V6(_)) => std::net::Ipv6Addr::UNSPECIFIED.into(),
        };
        let listener = listen_active(bind_ip, self.opts.active_ports).map_err(|e| {
            FtpError::Connection(format!("{DATA_CONNECT} listen for active mode: {e}"))
        })?;
        let port = listener.local_addr().map_err(lost)?.port();
        let announce = self.opts.active_address.unwrap_or(local.ip());
        let port_cmd = match announce {
            std::net::IpAddr::V4(a) => {
                let o = a.octets();
                format!(
                    "PORT {},{},{},{},{},{}",
                    o[0],
                    o[1],
                    o[2],
                    o[3],
                    port >> 8,
                    port & 255
                )
            }
            std::net::IpAddr::V6(a) => format!("EPRT |2|{a}|{port}|"),
        };
        self.quote(&port_cmd, &[200]).await?;
        if offset > 0 {
            self.quote(&format!("REST {offset}"), &[350]).await?;
        }
        self.quote(cmd, &[150, 125]).await?;
        let tap = self.tap.clone();
        let dt = self.opts.data_timeout.unwrap_or(t);
        let stream = timed(dt, "waiting for the server's data connection", async {
            loop {
                let (s, from) = listener.accept().await.map_err(lost)?;
                if from.ip().to_canonical() == peer.ip().to_canonical() {
                    break Ok(s);
                }
                tap.warn(format!(
                    "ignored a data connection from {from} (not the server)"
                ));
            }
        })
        .await?;
        let conn = match &self.data_tls {
            Some(c) => {
                let name = rustls_name(&self.opts.host)?;
                let s = timed(t, "TLS on the data connection", async {
                    c.connect(name, stream)
                        .await
                        .map_err(|e| FtpError::Connection(format!("TLS handshake: {e}")))
                })
                .await?;
                OwnConn::Tls(Box::new(s))
            }
            None => OwnConn::Plain(stream),
        };
        Ok(DataStream::Own(OwnData { conn, upload }))
    }

    /// Open an upload to `path`: `STOR`, `REST offset` + `STOR`, or `APPE`.
    pub async fn stor(
        &mut self,
        path: &str,
        offset: u64,
        append: bool,
    ) -> Result<DataStream, FtpError> {
        self.ensure_resumable().await?;
        match self.stor_once(path, offset, append).await {
            Err(e) if self.recoverable(&e).await? => self.stor_once(path, offset, append).await,
            r => r,
        }
    }

    async fn stor_once(
        &mut self,
        path: &str,
        offset: u64,
        append: bool,
    ) -> Result<DataStream, FtpError> {
        check_line(path)?;
        if own_active(&self.opts) {
            let cmd = if append {
                format!("APPE {path}")
            } else {
                format!("STOR {path}")
            };
            return self.open_own_active(&cmd, offset, true).await;
        }
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(
                t,
                "opening the upload",
                async {
                    if append {
                        ftp.append_with_stream(path).await
                    } else {
                        ftp.resume_transfer(offset as usize).await?;
                        ftp.put_with_stream(path).await
                    }
                }
                .map_err_ftp(),
            ))
            .await
            .map(DataStream::Suppa)
    }

    /// Close a data stream and read the transfer's final reply (226/250).
    pub async fn finish(&mut self, stream: DataStream) -> Result<(), FtpError> {
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        let r = self
            .tap
            .scope(timed(t, "the end of the transfer", async {
                match stream {
                    DataStream::Suppa(s) => s.finish().await.map_err(FtpError::from),
                    DataStream::Own(d) => finish_own(ftp, d).await,
                }
            }))
            .await;
        // A server that rejects a data connection that did not resume the TLS session says so
        // only here, after the fact (proftpd: 425). The transfer failed (its caller retries);
        // the connection switches to TLS 1.2 so that the retry can succeed.
        if let Err(e) = &r
            && let Err(again) = self.tls13_data_refused(e).await
        {
            self.tap
                .warn(format!("logging in again with TLS 1.2 failed: {again}"));
        }
        r
    }

    /// Whether FEAT lists `name` (e.g. `MFMT`, `REST STREAM`).
    pub fn has_feature(&self, name: &str) -> bool {
        self.features
            .iter()
            .any(|f| f == name || f.starts_with(&format!("{name} ")))
    }

    /// Set a remote file's modification time with `MFMT` (when the server has it).
    pub async fn mfmt(&mut self, path: &str, mtime: i64) -> Result<(), FtpError> {
        let (y, mo, d, h, mi, s) = super::listing::civil_from_unix(mtime);
        let cmd = format!("MFMT {y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02} {path}");
        self.quote(&cmd, &[213, 253]).await.map(|_| ())
    }

    /// Say goodbye; errors are irrelevant at this point.
    pub async fn quit(mut self) {
        let t = self.opts.timeout.min(Duration::from_secs(3));
        let ftp = &mut self.ftp;
        let _ = self
            .tap
            .scope(timed(t, "QUIT", async {
                ftp.quit().await.map_err(FtpError::from)
            }))
            .await;
    }

    fn remote_path_checked(path: &str) -> Result<(), FtpError> {
        check_line(path)
    }
}

impl FileSystem for FtpSession {
    async fn list(&mut self, path: &str) -> Result<Listing, FsError> {
        let path = if path.is_empty() {
            self.cwd.clone()
        } else {
            path.to_string()
        };
        let canonical = if path == self.cwd {
            path
        } else {
            self.cwd_to(&path).await?
        };
        let entries = self.list_cwd().await?;
        Ok(Listing {
            path: canonical,
            entries,
        })
    }

    fn parent(&self, path: &str) -> String {
        remote_parent(path)
    }

    fn join(&self, dir: &str, name: &str) -> Result<String, FsError> {
        validate_name(name)?;
        Ok(remote_join(dir, name))
    }

    async fn mkdir(&mut self, path: &str) -> Result<(), FsError> {
        Self::remote_path_checked(path)?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(t, "MKD", async {
                ftp.mkdir(path).await.map_err(FtpError::from)
            }))
            .await?;
        Ok(())
    }

    async fn rename(&mut self, from: &str, to: &str) -> Result<(), FsError> {
        Self::remote_path_checked(from)?;
        Self::remote_path_checked(to)?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(t, "RNFR/RNTO", async {
                ftp.rename(from, to).await.map_err(FtpError::from)
            }))
            .await?;
        Ok(())
    }

    async fn remove_file(&mut self, path: &str) -> Result<(), FsError> {
        Self::remote_path_checked(path)?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(t, "DELE", async {
                ftp.rm(path).await.map_err(FtpError::from)
            }))
            .await?;
        Ok(())
    }

    async fn remove_dir(&mut self, path: &str) -> Result<(), FsError> {
        Self::remote_path_checked(path)?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(t, "RMD", async {
                ftp.rmdir(path).await.map_err(FtpError::from)
            }))
            .await?;
        Ok(())
    }

    /// An empty upload, after checking with `SIZE` (or the listing of the directory, when the
    /// server lacks `SIZE`) that nothing by that name exists.
    async fn create_file(&mut self, path: &str) -> Result<(), FsError> {
        Self::remote_path_checked(path)?;
        let exists = if self.has_feature("SIZE") {
            self.size(path).await?.is_some()
        } else {
            let (dir, name) = (remote_parent(path), path.rsplit('/').next().unwrap_or(path));
            let listing = FileSystem::list(self, &dir).await?;
            listing.entries.iter().any(|e| e.name == name)
        };
        if exists {
            return Err(FsError::Exists(path.to_string()));
        }
        let stream = self.stor(path, 0, false).await?;
        self.finish(stream).await?;
        Ok(())
    }

    async fn chmod(&mut self, path: &str, mode: u32) -> Result<(), FsError> {
        Self::remote_path_checked(path)?;
        self.quote(&format!("SITE CHMOD {mode:03o} {path}"), &[200])
            .await?;
        Ok(())
    }
}

/// Where a listing's entries go as they are parsed.
pub trait ListSink: Send {
    /// A listing (re)starts: whatever an earlier, failed attempt delivered is void.
    fn start(&mut self);
    fn entry(&mut self, e: Entry);
    /// The line `e` was parsed from, just before `entry(e)` (for a sink that wants it).
    fn line(&mut self, _text: &str, _e: &Entry) {}
}

impl ListSink for Vec<Entry> {
    fn start(&mut self) {
        self.clear();
    }
    fn entry(&mut self, e: Entry) {
        self.push(e);
    }
}

/// Nothing with CR, LF or NUL goes onto the control connection.
fn check_line(s: &str) -> Result<(), FtpError> {
    if s.contains(['\r', '\n', '\0']) {
        Err(FtpError::Unsafe(
            "CR, LF or NUL in a command argument".into(),
        ))
    } else {
        Ok(())
    }
}

async fn timed<T, F>(after: Duration, what: &'static str, fut: F) -> Result<T, FtpError>
where
    F: std::future::Future<Output = Result<T, FtpError>>,
{
    match tokio::time::timeout(after, fut).await {
        Ok(r) => r,
        Err(_) => Err(FtpError::Timeout { after, what }),
    }
}

async fn resolve(host: &str, port: u16, t: Duration) -> Result<SocketAddr, FtpError> {
    check_line(host)?;
    let mut addrs = timed(t, "resolving the host name", async {
        tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| FtpError::Connection(format!("cannot resolve {host}: {e}")))
    })
    .await?;
    addrs
        .next()
        .ok_or_else(|| FtpError::Connection(format!("{host} has no address")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_tried_again_when_connecting() {
        let reply = |code| FtpError::Reply {
            code,
            text: String::new(),
        };
        assert!(retryable(&reply(421)));
        assert!(retryable(&reply(450)));
        for final_code in [430, 434, 530, 550] {
            assert!(!retryable(&reply(final_code)), "{final_code}");
        }
        assert!(retryable(&FtpError::Connection(
            "Connection refused (os error 111)".into()
        )));
        assert!(!retryable(&FtpError::Connection(
            "failed to lookup address information".into()
        )));
        assert!(!retryable(&FtpError::Tls(
            "handshake: received fatal alert".into()
        )));
        assert!(network_broke("Connection reset by peer (os error 104)"));
        assert!(network_broke("tls handshake eof"));
        assert!(!network_broke("received fatal alert: ProtocolVersion"));
        assert!(!network_broke("invalid dns name"));
        assert!(answered_in_clear(
            "Secure error: received corrupt message of type InvalidContentType"
        ));
        assert!(!answered_in_clear("received fatal alert: HandshakeFailure"));
        assert!(!answered_in_clear(
            "invalid peer certificate: UnknownIssuer"
        ));
    }

    #[test]
    fn secrets_do_not_leak_through_debug() {
        let o = ConnectOptions::new("h", 21, Some("u"), Some(Secret::new("hunter2")));
        assert!(!format!("{o:?}").contains("hunter2"));
        assert_eq!(o.label(), "u@h");
    }

    #[test]
    fn control_line_injection_is_refused() {
        assert!(check_line("a\r\nDELE x").is_err());
        assert!(check_line("dir with spaces").is_ok());
    }
}

/// What a server is and how skiff talks to it, for the server facts dialog.
#[derive(Debug, Clone)]
pub struct ServerFacts {
    pub label: String,
    pub greeting: String,
    /// The `SYST` reply (code and text).
    pub system: Option<(u16, String)>,
    pub features: Vec<String>,
    pub encrypted: bool,
    pub tls: Option<super::tls::Seen>,
    pub data_mode: DataMode,
    /// The best of three `NOOP` round trips.
    pub rtt: Option<Duration>,
}

impl FtpSession {
    /// Ask the server what it is (`SYST`) and time three `NOOP`s; the rest is known already.
    pub async fn facts(&mut self) -> Result<ServerFacts, FtpError> {
        let system = match self.raw_command("SYST").await {
            Ok(r) => Some(r),
            Err(e) if e.is_connection_lost() => return Err(e),
            Err(_) => None,
        };
        let mut rtt: Option<Duration> = None;
        for _ in 0..3 {
            let start = std::time::Instant::now();
            self.quote("NOOP", &[200]).await?;
            let took = start.elapsed();
            rtt = Some(rtt.map_or(took, |r| r.min(took)));
        }
        Ok(ServerFacts {
            label: self.opts.label(),
            greeting: self.welcome.clone(),
            system,
            features: self.features.to_vec(),
            encrypted: self.encrypted,
            tls: self.tls_facts(),
            data_mode: self.data_mode,
            rtt,
        })
    }
}
