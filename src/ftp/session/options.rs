//! What a session is opened with: the options (address, credentials, TLS, data connection
//! mode, timeouts, limits), the password type that never shows, and how connecting is retried.

use super::*;

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
    /// Seconds to add to the times of `LIST` lines to get UTC: servers without `MLSD` list
    /// times in their own zone. `None`: not known (taken as 0 until
    /// [`super::FtpSession::detect_time_offset`] finds it).
    pub time_offset: Option<i64>,
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
            time_offset: None,
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
        self.time_offset = other.time_offset;
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
