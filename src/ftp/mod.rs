//! The FTP layer: sessions over suppaftp, the reply log tap, the listing parser, reply-code
//! explanations and safety checks. Nothing here knows about the terminal UI.

pub mod encoding;
pub mod listing;
pub mod logtap;
pub mod replies;
pub mod session;
pub mod tls;
pub mod url;

use std::time::Duration;

pub use logtap::{LogEvent, LogKind, Tap};
pub use session::{
    ConnectOptions, ConnectRetry, FtpSession, ListSink, PathKind, RetryWait, Secret,
};

/// Errors from the FTP layer, with the server's reply code when one was received.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FtpError {
    /// The server answered with a reply we did not expect (4xx, 5xx…).
    #[error("{code} {text}")]
    Reply { code: u16, text: String },
    #[error("timed out after {}s while {what}", .after.as_secs())]
    Timeout { after: Duration, what: &'static str },
    #[error("connection failed: {0}")]
    Connection(String),
    #[error("protocol error: {0}")]
    Protocol(String),
    #[error("refused to send unsafe text: {0}")]
    Unsafe(String),
    /// The server's certificate was not accepted; what it is, so the user can decide.
    #[error("{0}")]
    Certificate(Box<tls::CertInfo>),
    /// TLS could not be set up (refused `AUTH TLS`, a failed handshake, a bad CA file…).
    #[error("TLS: {0}")]
    Tls(String),
}

impl FtpError {
    pub fn code(&self) -> Option<u16> {
        match self {
            FtpError::Reply { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// Worth trying again: a 4xx reply ("not now"), a dropped or stalled connection, a reply
    /// that made no sense (often a connection out of step).
    pub fn is_transient(&self) -> bool {
        match self {
            FtpError::Reply { code, .. } => (400..500).contains(code),
            FtpError::Timeout { .. } | FtpError::Connection(_) | FtpError::Protocol(_) => true,
            _ => false,
        }
    }

    /// Whether the control connection can no longer be trusted (it must be reconnected).
    pub fn is_connection_lost(&self) -> bool {
        match self {
            FtpError::Timeout { .. } | FtpError::Connection(_) => true,
            FtpError::Reply { code, .. } => *code == 421,
            _ => false,
        }
    }
}

/// An FTP error as a file-system error: its reply code and whether the connection was lost go
/// with it, so `fs` can act on them without knowing FTP.
impl From<FtpError> for crate::fs::FsError {
    fn from(e: FtpError) -> crate::fs::FsError {
        crate::fs::FsError::Remote(crate::fs::RemoteError {
            code: e.code(),
            connection_lost: e.is_connection_lost(),
            transient: e.is_transient(),
            error: Box::new(e),
        })
    }
}

impl FtpError {
    /// The FTP error a file-system error carries, if it carries one.
    pub fn from_fs(e: crate::fs::FsError) -> Result<FtpError, crate::fs::FsError> {
        match e {
            crate::fs::FsError::Remote(r) => r.downcast().map_err(crate::fs::FsError::Remote),
            other => Err(other),
        }
    }
}

/// `LOW-HIGH` (or one port) as an inclusive range of ports for active mode.
pub fn parse_port_range(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let lo: u16 = a
        .trim()
        .parse()
        .map_err(|_| format!("not a port: {:?}", a.trim()))?;
    let hi: u16 = b
        .trim()
        .parse()
        .map_err(|_| format!("not a port: {:?}", b.trim()))?;
    if lo == 0 || lo > hi {
        return Err(format!("{s:?} is not a range LOW-HIGH of ports 1-65535"));
    }
    Ok((lo, hi))
}

/// The three-digit code at the start of a reply text, if there is one.
pub fn reply_code(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    if b.len() >= 3 && b[..3].iter().all(u8::is_ascii_digit) {
        text[..3].parse().ok()
    } else {
        None
    }
}

/// A multi-line reply must end with its own code (`211-` … `211 End`). suppaftp stops at the
/// first line that looks like an end (`200 x` inside a `211-` reply): the rest would answer
/// the next command. Such a reply is a protocol error, so the connection is not used again.
pub fn torn_reply(body: &str) -> Option<FtpError> {
    let mut lines = body.trim_end().lines();
    let first = lines.next()?;
    let last = lines.last()?;
    let (a, b) = (reply_code(first)?, reply_code(last)?);
    (first.as_bytes().get(3) == Some(&b'-') && a != b).then(|| {
        FtpError::Protocol(format!(
            "a {a} reply ended with a {b} line: the server's replies are out of step"
        ))
    })
}

impl From<suppaftp::FtpError> for FtpError {
    fn from(e: suppaftp::FtpError) -> Self {
        match e {
            suppaftp::FtpError::UnexpectedResponse(resp) => {
                let body = String::from_utf8_lossy(&resp.body);
                if let Some(torn) = torn_reply(&body) {
                    return torn;
                }
                let last = body
                    .trim_end()
                    .lines()
                    .last()
                    .unwrap_or("")
                    .trim()
                    .to_string();
                match reply_code(&last).or_else(|| reply_code(body.trim_start())) {
                    // The server's words go into error messages, the status line and stderr:
                    // no control characters.
                    Some(code) => FtpError::Reply {
                        code,
                        text: crate::text::printable(last.get(4..).unwrap_or("").trim())
                            .into_owned(),
                    },
                    None => FtpError::Protocol(format!(
                        "unexpected reply: {}",
                        crate::text::printable(&last)
                    )),
                }
            }
            suppaftp::FtpError::ConnectionError(io) => FtpError::Connection(io.to_string()),
            other => FtpError::Protocol(crate::text::printable(&other.to_string()).into_owned()),
        }
    }
}
