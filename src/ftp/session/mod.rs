//! One logged-in FTP control connection: login sequence, feature detection, directory changes
//! and streamed, parsed listings. Every network wait has a timeout; every control line goes to
//! the connection's [`Tap`].
//!
//! Here: the session's state, connecting and logging in, the data connection types. In the
//! modules below: `options` (what a session is opened with, `Secret`), `commands` (no data connection), `data` (RETR, STOR and the
//! passive/active and TLS fallbacks they share), `lists` (listings), `fs` (the
//! [`FileSystem`] the panes use), `facts` (the server facts dialog).

use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use suppaftp::Status;
use suppaftp::tokio::AsyncRustlsFtpStream;
use tokio::io::AsyncReadExt;

use super::listing::{parse_list_line, parse_mlsd_line};
use super::tls::{TicketStore, Tls, TlsMode, TlsTrust};
use super::{FtpError, Tap};
use crate::fs::{Entry, FileSystem, FsError, Listing, validate_name};
use crate::paths::{remote_join, remote_parent};

mod commands;
mod data;
mod facts;
mod fs;
mod lists;
mod options;
mod pipeline;
mod remote;

pub use crate::fs::ListSink;
pub use facts::ServerFacts;
pub use options::{ConnectOptions, ConnectRetry, RetryWait, Secret};
pub use pipeline::PathKind;
pub use remote::digest_of_reply;

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
    /// Opened by skiff to a passive port (EPSV mode): its end asks the next port ahead (see
    /// `FtpSession::finish`).
    passive: bool,
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
    /// Set while the final reply of a data stream skiff opened itself is still to be read:
    /// `finish` and `cut` read it; a stream dropped without them (an error, an abandoned read)
    /// leaves it for the session to read before its next command (see `FtpSession::settle`).
    reply_due: bool,
    /// A passive data port asked ahead with the last download's end (`EPSV` sent before its
    /// `226` came), and when: the next download connects to it at once.
    next_epsv: Option<(u16, std::time::Instant)>,
    /// The download said to come next (see `Remote::read_next`): its `RETR` goes out with
    /// the current download's end.
    read_next: Option<String>,
    /// A `RETR` sent ahead that is not answered yet (see `FtpSession::retr`, `settle`).
    retr_ahead: Option<RetrAhead>,
    /// The server answers one command at a time (`remote::answers_in_turn`, from its
    /// greeting): commands may go to it together.
    in_turn: bool,
    /// The server reads no command during an upload (`remote::reads_nothing_during_uploads`):
    /// the next port may be asked as an upload's data connection closes.
    quiet_uploads: bool,
    ftp: AsyncRustlsFtpStream,
    tap: Tap,
    opts: ConnectOptions,
    use_mlsd: bool,
    features: Arc<[String]>,
    /// What the server offers for transfers, read from `FEAT` once at login (asked for every
    /// file a worker moves).
    offer: remote::Offer,
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
    /// Seconds added to `LIST` times to make them UTC (see `ConnectOptions::time_offset`).
    time_offset: Option<i64>,
}

/// A `RETR` sent before the server answered the transfer before it (see `FtpSession::finish`):
/// the path, and the port of the `EPSV` sent with it (none: refused).
struct RetrAhead {
    path: String,
    port: Option<u16>,
    /// When it was sent: one not taken at once (its job ended without it) is undone rather
    /// than taken later, when the server may have given up on it.
    at: std::time::Instant,
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
        ..
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

/// Servers (`host:port`) that refused `LIST -a` or took `-a` for a name, in this process:
/// plain `LIST` for them.
pub(super) fn plain_list_only() -> &'static std::sync::Mutex<std::collections::HashSet<String>> {
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
                let (features, hash_algos, rest) = match timed(t, "reading FEAT", async {
                    ftp.feat().await.map_err(FtpError::from)
                })
                .await
                {
                    Ok(f) => {
                        let algos = f
                            .iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case("HASH"))
                            .and_then(|(_, v)| v.as_deref())
                            .map(remote::hash_list)
                            .unwrap_or_default();
                        let rest = f.iter().any(|(k, v)| {
                            k.eq_ignore_ascii_case("REST")
                                && v.as_deref().is_some_and(|v| {
                                    v.split_whitespace()
                                        .any(|w| w.eq_ignore_ascii_case("STREAM"))
                                })
                        });
                        let mut v: Vec<String> =
                            f.into_keys().map(|k| k.to_ascii_uppercase()).collect();
                        v.sort();
                        (v, algos, rest)
                    }
                    Err(e) if e.code().is_some() => (Vec::new(), Vec::new(), false),
                    Err(e) => return Err(e),
                };
                // The rest of the opening sequence goes out together (one round trip on a
                // plain connection, see `pipeline`). With a legacy encoding chosen for this
                // server, it must not switch to UTF-8.
                let utf8 = opts.encoding.is_none() && features.iter().any(|f| f == "UTF8");
                let mut lines: Vec<String> = Vec::new();
                if utf8 {
                    lines.push("OPTS UTF8 ON".into());
                }
                lines.push("TYPE I".into());
                if encrypted && opts.tls == TlsMode::Implicit {
                    // Implicit FTPS still has to ask for protected data connections.
                    lines.push("PBSZ 0".into());
                    lines.push("PROT P".into());
                }
                lines.push("PWD".into());
                let together = pipeline::together(encrypted, &welcome);
                let replies =
                    pipeline::exchange(&mut ftp, opts.encoding, together, &tap, t, &lines).await?;
                let mut replies = replies.iter();
                if utf8
                    && let Some(r) = replies.next()
                    && let Err(e) = r.expect(&[200, 202])
                {
                    tap.warn(format!("OPTS UTF8 ON refused: {e}"));
                }
                for r in replies.by_ref().take(lines.len() - usize::from(utf8) - 1) {
                    r.expect(&[200])?;
                }
                let cwd = match replies.next() {
                    Some(r) => {
                        r.expect(&[257])?;
                        pipeline::pwd_of(r, opts.encoding).ok_or_else(|| {
                            FtpError::Protocol(format!(
                                "no directory in the PWD reply: {}",
                                r.last_line()
                            ))
                        })?
                    }
                    None => return Err(FtpError::Protocol("no reply to PWD".into())),
                };
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
                let time_offset = opts.time_offset;
                Ok(FtpSession {
                    reply_due: false,
                    next_epsv: None,
                    read_next: None,
                    retr_ahead: None,
                    in_turn: remote::answers_in_turn(&welcome),
                    quiet_uploads: remote::reads_nothing_during_uploads(&welcome),
                    ftp,
                    tap,
                    opts,
                    use_mlsd,
                    offer: remote::Offer::from_features(&features, hash_algos, rest),
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
                    time_offset,
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

    /// Whether FEAT lists `name` (e.g. `MFMT`, `REST STREAM`).
    pub fn has_feature(&self, name: &str) -> bool {
        self.features
            .iter()
            .any(|f| f == name || f.starts_with(&format!("{name} ")))
    }

    /// Say goodbye; errors are irrelevant at this point.
    pub async fn quit(mut self) {
        let t = self.opts.timeout.min(Duration::from_secs(3));
        // A download asked ahead and not taken: its reply first (the server may be waiting
        // for its data connection); with no port for it, the server may wait for good: the
        // connection is closed without a word.
        match self.retr_ahead.as_ref().map(|a| a.port.is_some()) {
            Some(false) => return,
            Some(true) if timed(t, "QUIT", self.settle()).await.is_err() => return,
            _ => {}
        }
        let ftp = &mut self.ftp;
        let _ = self
            .tap
            .scope(timed(t, "QUIT", async {
                ftp.quit().await.map_err(FtpError::from)
            }))
            .await;
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
