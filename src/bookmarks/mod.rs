//! Bookmarks: saved connection profiles and recent connections.
//!
//! Profiles live in `bookmarks.toml` in skiff's config directory, a file meant to be read and
//! edited by hand:
//!
//! ```toml
//! version = 1
//!
//! [[bookmark]]
//! name = "Work/Uploads"
//! host = "ftp.example.com"
//! port = 21
//! protocol = "ftps"              # "ftp" | "ftps" (explicit, AUTH TLS) | "ftps-implicit" | "ftps-if-available"
//! user = "alice"
//! password = "keyring"           # "ask" | "keyring" | { command = "pass show ftp/work" }
//! passive = true
//! prefer_epsv = true
//! encoding = "utf-8"
//! remote_dir = "/incoming"
//! ```
//!
//! Recent connections (never with a password) are kept apart in `recent.toml`.
//!
//! Rules this module keeps:
//! - a password is never written to either file; `password` only says where it comes from;
//! - the config directory is created `0700`, the files are written `0600`, always through a
//!   temporary file in the same directory that is synced and renamed over the old one;
//! - every change takes the lock file `bookmarks.lock`, re-reads the file and applies one
//!   change (add, replace, rename, remove one profile), so concurrent skiff processes never lose
//!   each other's profiles; keys skiff does not know and the user's comments and layout survive;
//! - a file that does not parse is reported with line and column and never touched: a load
//!   reads around it, a save or a removal is refused with the same line and column.
//!
//! Every call here is blocking: file I/O of a few milliseconds, but a change may wait up to
//! 10 s for another process's lock and a password command may run up to 10 s. From async code
//! call them through `tokio::task::spawn_blocking`.

use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use crate::ftp::Secret;

pub mod import;
pub mod netrc;
mod secrets;
mod store;
mod toml_io;

#[cfg(test)]
mod tests;

pub use secrets::{
    KEYRING_SERVICE, Keyring, KeyringKind, MemoryKeyring, OsKeyring, PASSWORD_COMMAND_TIMEOUT,
    carry_keyring_password, choose_keyring, keyring_account, mask_password_command,
    resolve_password, resolve_password_with_note, store_password,
};
pub use store::{FORMAT_VERSION, RECENT_MAX, Store};

/// How the control connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Protocol {
    /// Plain FTP.
    #[default]
    Ftp,
    /// Explicit FTPS: connect in clear, then `AUTH TLS`.
    Ftps,
    /// Implicit FTPS: TLS from the first byte (usually port 990).
    FtpsImplicit,
    /// `AUTH TLS` when the server offers it, plain FTP (said loudly) when it refuses:
    /// FileZilla's default, "Use explicit FTP over TLS if available".
    FtpsIfAvailable,
}

impl Protocol {
    /// The name used in `bookmarks.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Ftp => "ftp",
            Protocol::Ftps => "ftps",
            Protocol::FtpsImplicit => "ftps-implicit",
            Protocol::FtpsIfAvailable => "ftps-if-available",
        }
    }

    /// Parses the name used in `bookmarks.toml`.
    pub fn from_name(s: &str) -> Option<Protocol> {
        match s {
            "ftp" => Some(Protocol::Ftp),
            "ftps" => Some(Protocol::Ftps),
            "ftps-implicit" => Some(Protocol::FtpsImplicit),
            "ftps-if-available" => Some(Protocol::FtpsIfAvailable),
            _ => None,
        }
    }

    /// The port used when a profile names none: 990 for implicit FTPS, else 21.
    pub fn default_port(self) -> u16 {
        match self {
            Protocol::FtpsImplicit => 990,
            _ => 21,
        }
    }

    /// URL scheme, following the FileZilla/curl convention: `ftps://` is implicit TLS and
    /// `ftpes://` explicit TLS.
    pub fn url_scheme(self) -> &'static str {
        match self {
            Protocol::Ftp | Protocol::FtpsIfAvailable => "ftp",
            Protocol::Ftps => "ftpes",
            Protocol::FtpsImplicit => "ftps",
        }
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a profile's password comes from. The password itself is never stored in the file.
///
/// In TOML: `password = "ask"` (default), `password = "keyring"` or
/// `password = { command = "pass show ftp/work" }`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PasswordSource {
    /// Ask the user (after looking in `~/.netrc`).
    #[default]
    Ask,
    /// The OS keyring, service [`KEYRING_SERVICE`], account [`keyring_account`].
    Keyring,
    /// Run this through `sh -c` and use the first line of its standard output.
    Command(String),
}

/// One saved connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "ProfileRepr")]
pub struct Profile {
    /// Unique name; `/` separates folders by convention (`Work/Uploads`).
    pub name: String,
    pub host: String,
    pub port: u16,
    pub protocol: Protocol,
    /// `None` (or `anonymous = true`) means an anonymous login.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub anonymous: bool,
    pub password: PasswordSource,
    /// Passive mode (default) or active mode.
    pub passive: bool,
    /// Try `EPSV` before `PASV` (default true).
    pub prefer_epsv: bool,
    /// Encoding of file names on the server: `utf-8` (default) or a legacy encoding's name.
    pub encoding: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local_dir: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_dir: Option<String>,
    /// Maximum parallel transfers; `None` uses skiff's setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel: Option<u8>,
    /// Send a keepalive (`NOOP`) after this many idle seconds; `None` uses skiff's setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub keepalive_secs: Option<u32>,
    /// Pinned SHA-256 fingerprint of the server certificate (hex, colons allowed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_sha256: Option<String>,
    /// Active mode: listen on a port of this range, `LOW-HIGH`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_ports: Option<String>,
    /// Active mode: announce this address (behind NAT).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active_address: Option<String>,
    /// Binary, ASCII or auto for this server's transfers; `None`: skiff's setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transfer_type: Option<crate::transfer::TransferMode>,
    /// Seconds to add to this server's `LIST` times to get UTC (a server without `MLSD` that
    /// lists in its own zone); `None`: found with `MDTM` where it matters (`skiff sync`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_offset: Option<i64>,
    /// Check each file with the server's checksum; `None`: skiff's setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verify: Option<bool>,
    /// When uploads go to a temporary name first; `None`: skiff's setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upload_temp: Option<crate::transfer::UploadTemp>,
    /// At most this many bytes per second for this server's transfers; `None`: skiff's
    /// setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_rate: Option<u64>,
    /// Connections one big download from this server may use; `None`: skiff's setting.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segments: Option<crate::transfer::Segments>,
}

/// Serde's view of a profile, with the same defaults as the file reader.
#[derive(Deserialize)]
struct ProfileRepr {
    name: String,
    host: String,
    port: Option<u16>,
    #[serde(default)]
    protocol: Protocol,
    user: Option<String>,
    #[serde(default)]
    anonymous: bool,
    #[serde(default)]
    password: PasswordSource,
    passive: Option<bool>,
    prefer_epsv: Option<bool>,
    encoding: Option<String>,
    local_dir: Option<String>,
    remote_dir: Option<String>,
    parallel: Option<u8>,
    keepalive_secs: Option<u32>,
    cert_sha256: Option<String>,
    active_ports: Option<String>,
    active_address: Option<String>,
    transfer_type: Option<crate::transfer::TransferMode>,
    time_offset: Option<i64>,
    verify: Option<bool>,
    upload_temp: Option<crate::transfer::UploadTemp>,
    limit_rate: Option<u64>,
    segments: Option<crate::transfer::Segments>,
}

impl From<ProfileRepr> for Profile {
    fn from(r: ProfileRepr) -> Profile {
        Profile {
            port: r.port.unwrap_or(r.protocol.default_port()),
            name: r.name,
            host: r.host,
            protocol: r.protocol,
            user: r.user.filter(|u| !u.is_empty()),
            anonymous: r.anonymous,
            password: r.password,
            passive: r.passive.unwrap_or(true),
            prefer_epsv: r.prefer_epsv.unwrap_or(true),
            encoding: r.encoding.unwrap_or_else(|| DEFAULT_ENCODING.to_string()),
            local_dir: r.local_dir.filter(|s| !s.is_empty()),
            remote_dir: r.remote_dir.filter(|s| !s.is_empty()),
            parallel: r.parallel,
            keepalive_secs: r.keepalive_secs,
            cert_sha256: r.cert_sha256.filter(|s| !s.is_empty()),
            active_ports: r.active_ports.filter(|s| !s.is_empty()),
            active_address: r.active_address.filter(|s| !s.is_empty()),
            transfer_type: r.transfer_type,
            time_offset: r.time_offset,
            verify: r.verify,
            upload_temp: r.upload_temp,
            limit_rate: r.limit_rate,
            segments: r.segments,
        }
    }
}

/// The encoding a profile uses when it names none.
pub const DEFAULT_ENCODING: &str = "utf-8";

fn has_control(s: &str) -> bool {
    s.chars().any(char::is_control)
}

impl Profile {
    /// How to connect: host, port, user, the protocol's TLS mode and the pinned certificate.
    pub fn connect_options(
        &self,
        password: Option<crate::ftp::Secret>,
    ) -> crate::ftp::ConnectOptions {
        let anonymous = self.anonymous || self.user.is_none();
        let user = if anonymous {
            None
        } else {
            self.user.as_deref()
        };
        let mut o = crate::ftp::ConnectOptions::new(&self.host, self.port, user, password);
        o.tls = match self.protocol {
            Protocol::Ftp => crate::ftp::tls::TlsMode::Off,
            Protocol::Ftps => crate::ftp::tls::TlsMode::Explicit,
            Protocol::FtpsImplicit => crate::ftp::tls::TlsMode::Implicit,
            Protocol::FtpsIfAvailable => crate::ftp::tls::TlsMode::IfAvailable,
        };
        o.trust.pin = self.cert_sha256.clone();
        o.encoding = crate::ftp::encoding::by_label(&self.encoding).flatten();
        o.active = !self.passive;
        o.active_ports = self
            .active_ports
            .as_deref()
            .and_then(|r| crate::ftp::parse_port_range(r).ok());
        o.active_address = self
            .active_address
            .as_deref()
            .and_then(|a| a.trim().parse().ok());
        o.epsv = self.prefer_epsv;
        o.keepalive = self
            .keepalive_secs
            .filter(|&s| s > 0)
            .map(|s| std::time::Duration::from_secs(u64::from(s)));
        o.time_offset = self.time_offset;
        o
    }

    /// A profile with the defaults: port 21, plain FTP, anonymous, password asked, passive mode,
    /// EPSV preferred, UTF-8 names.
    pub fn new(name: &str, host: &str) -> Profile {
        Profile {
            name: name.to_string(),
            host: host.to_string(),
            port: 21,
            protocol: Protocol::Ftp,
            user: None,
            anonymous: false,
            password: PasswordSource::Ask,
            passive: true,
            prefer_epsv: true,
            encoding: DEFAULT_ENCODING.to_string(),
            local_dir: None,
            remote_dir: None,
            parallel: None,
            keepalive_secs: None,
            cert_sha256: None,
            active_ports: None,
            active_address: None,
            transfer_type: None,
            time_offset: None,
            verify: None,
            upload_temp: None,
            limit_rate: None,
            segments: None,
        }
    }

    /// Whether this profile logs in anonymously (`anonymous = true` or no user).
    pub fn is_anonymous(&self) -> bool {
        self.anonymous || self.user.as_deref().is_none_or(str::is_empty)
    }

    /// The user to log in as, `None` for anonymous.
    pub fn login_user(&self) -> Option<&str> {
        if self.is_anonymous() {
            None
        } else {
            self.user.as_deref()
        }
    }

    /// Validation for the edit form: port 1..=65535, host not empty and no whitespace/control
    /// chars, name not empty, no control chars anywhere, user without control chars; also the
    /// encoding name, the password command, parallel >= 1, keepalive >= 1 and the certificate
    /// fingerprint. Returns `(field, message)` pairs; field names are the TOML keys. Messages
    /// never repeat a field's value.
    pub fn validate(&self) -> Vec<(&'static str, String)> {
        let mut out: Vec<(&'static str, String)> = Vec::new();
        if self.name.trim().is_empty() {
            out.push(("name", "the name must not be empty".into()));
        } else if has_control(&self.name) {
            out.push((
                "name",
                "the name must not contain control characters".into(),
            ));
        }
        if self.host.is_empty() {
            out.push(("host", "the host must not be empty".into()));
        } else if self
            .host
            .chars()
            .any(|c| c.is_whitespace() || c.is_control())
        {
            out.push((
                "host",
                "the host must not contain spaces or control characters".into(),
            ));
        } else if self.host.contains(['/', '@']) {
            out.push((
                "host",
                "the host is a name or an address only (no '/', '@' or URL)".into(),
            ));
        }
        if self.port == 0 {
            out.push(("port", "the port must be between 1 and 65535".into()));
        }
        if self.user.as_deref().is_some_and(has_control) {
            out.push((
                "user",
                "the user must not contain control characters".into(),
            ));
        }
        if let PasswordSource::Command(c) = &self.password {
            if c.trim().is_empty() {
                out.push(("password", "the password command must not be empty".into()));
            } else if has_control(c) {
                out.push((
                    "password",
                    "the password command must not contain control characters".into(),
                ));
            }
        }
        let enc_ok = !self.encoding.is_empty()
            && self.encoding.len() <= 40
            && self
                .encoding
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
        if !enc_ok {
            out.push((
                "encoding",
                "the encoding must be an encoding's name such as utf-8, windows-1252 or iso-8859-1"
                    .into(),
            ));
        }
        if self.local_dir.as_deref().is_some_and(has_control) {
            out.push((
                "local_dir",
                "the local directory must not contain control characters".into(),
            ));
        }
        if self.remote_dir.as_deref().is_some_and(has_control) {
            out.push((
                "remote_dir",
                "the remote directory must not contain control characters".into(),
            ));
        }
        if self.parallel == Some(0) {
            out.push((
                "parallel",
                "parallel transfers must be at least 1 (leave it empty for skiff's default)".into(),
            ));
        }
        if self.keepalive_secs == Some(0) {
            out.push((
                "keepalive_secs",
                "the keepalive must be at least 1 second (leave it empty for skiff's default)"
                    .into(),
            ));
        }
        if let Some(fp) = &self.cert_sha256
            && normalize_fingerprint(fp).is_none()
        {
            out.push((
                "cert_sha256",
                "the fingerprint must be a SHA-256 hash: 64 hex digits, colons allowed".into(),
            ));
        }
        if let Some(r) = &self.active_ports
            && let Err(e) = crate::ftp::parse_port_range(r)
        {
            out.push(("active_ports", e));
        }
        if let Some(a) = &self.active_address
            && a.trim().parse::<std::net::IpAddr>().is_err()
        {
            out.push(("active_address", format!("{a:?} is not an IP address")));
        }
        out
    }

    /// `scheme://user@host:port/remote_dir`, percent-encoded; never a password. The scheme is
    /// `ftp`, `ftpes` (explicit TLS) or `ftps` (implicit TLS). As in RFC 1738 (and skiff's own
    /// URL parser), an absolute remote directory gives a double slash: `ftp://h:21//srv/pub`.
    pub fn url(&self) -> String {
        let mut s = format!("{}://", self.protocol.url_scheme());
        if let Some(u) = self.login_user() {
            s.push_str(&percent_encode(u, false));
            s.push('@');
        }
        if self.host.contains(':') {
            s.push('[');
            s.push_str(&self.host);
            s.push(']');
        } else {
            s.push_str(&self.host);
        }
        s.push(':');
        s.push_str(&self.port.to_string());
        s.push('/');
        if let Some(d) = &self.remote_dir {
            s.push_str(&percent_encode(d, true));
        }
        s
    }
}

/// Why a URL typed where a host is asked for was not taken. The text never repeats the URL
/// (it may hold a password).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostUrlError {
    /// The URL names a password: bookmarks never keep one in the file.
    Password,
    /// It does not parse.
    Url(crate::ftp::url::UrlError),
}

impl fmt::Display for HostUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostUrlError::Password => f.write_str(
                "the URL holds a password, which skiff never keeps with a bookmark (it would \
                 be readable in the file and the shell history): leave it out and choose the \
                 keyring, a password command or \"ask\"",
            ),
            HostUrlError::Url(e) => write!(f, "{e}"),
        }
    }
}

impl Profile {
    /// When `text` is an `ftp://`, `ftpes://` or `ftps://` URL (given where a host is asked
    /// for, as lftp's `bookmark add NAME URL` takes one): its host, port, scheme (as the
    /// protocol), user and path (as the remote directory) are taken into the profile and
    /// `Ok(true)` is returned; `Ok(false)` when `text` is not a URL (nothing changes). A URL
    /// with a password is refused.
    pub fn take_url(&mut self, text: &str) -> Result<bool, HostUrlError> {
        let text = text.trim();
        if !crate::ftp::url::FtpUrl::looks_like_url(text) {
            return Ok(false);
        }
        let u = crate::ftp::url::FtpUrl::parse(text).map_err(HostUrlError::Url)?;
        if u.password.is_some() {
            return Err(HostUrlError::Password);
        }
        self.host = u.host;
        self.port = u.port;
        self.protocol = match u.tls {
            crate::ftp::tls::TlsMode::Explicit => Protocol::Ftps,
            crate::ftp::tls::TlsMode::Implicit => Protocol::FtpsImplicit,
            // ftp:// keeps "FTPS if available" (the URL of such a bookmark is ftp://).
            _ if self.protocol == Protocol::FtpsIfAvailable => Protocol::FtpsIfAvailable,
            _ => Protocol::Ftp,
        };
        if let Some(user) = u.user {
            self.user = Some(user);
            self.anonymous = false;
        }
        if let Some(path) = u.path {
            self.remote_dir = Some(path);
        }
        Ok(true)
    }
}

/// Lower-case hex without separators, when `fp` is a SHA-256 fingerprint.
pub fn normalize_fingerprint(fp: &str) -> Option<String> {
    let hex: String = fp
        .chars()
        .filter(|c| *c != ':')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

fn percent_encode(s: &str, keep_slash: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~')
            || (keep_slash && b == b'/');
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes; `None` for a bad escape or text that is not UTF-8.
pub(crate) fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// One recent connection. Never holds a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentEntry {
    pub host: String,
    pub port: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub protocol: Protocol,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote_dir: Option<String>,
    /// When, in seconds since the Unix epoch.
    pub at_unix: i64,
}

impl RecentEntry {
    /// `user@host:port`, the key entries are de-duplicated by (`anonymous` for no user; the
    /// host compared without regard to ASCII case).
    pub fn key(&self) -> String {
        format!(
            "{}@{}:{}",
            self.user.as_deref().unwrap_or("anonymous"),
            self.host.to_ascii_lowercase(),
            self.port
        )
    }
}

impl BookmarkError {
    /// The error as the reason a change was not saved (a file that does not parse says so).
    pub fn unsaved(self) -> BookmarkError {
        match self {
            e @ BookmarkError::Parse { .. } => BookmarkError::Unsaved(Box::new(e)),
            e => e,
        }
    }
}

/// Everything that can go wrong here. `Display` is meant for the user and never contains a
/// password (nor a password command, nor a line of the file).
#[derive(Debug, thiserror::Error)]
pub enum BookmarkError {
    #[error("{}:{line}:{column}: {message}", .path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        message: String,
    },
    /// A save refused because the file on disk does not parse (its error inside): it is
    /// never replaced, the user fixes it or moves it away.
    #[error("bookmark not saved: {0}; fix that line, or move the file away to start a new one")]
    Unsaved(Box<BookmarkError>),
    #[error("{}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the bookmarks are locked by another skiff process; try again")]
    Locked,
    #[error("keyring: {0}")]
    Keyring(String),
    #[error("password command: {0}")]
    Command(String),
    #[error("{0}")]
    Invalid(String),
    #[error("import: {0}")]
    Import(String),
}

impl BookmarkError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> BookmarkError {
        BookmarkError::Io {
            path: path.into(),
            source,
        }
    }
}
