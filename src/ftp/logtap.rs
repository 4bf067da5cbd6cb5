//! The reply log tap: every command sent and every reply line received, on every connection,
//! tagged with the connection it belongs to, with `PASS` masked before anything is stored.
//!
//! suppaftp traces each control line it writes (`CC OUT: …`) and reads (`CC IN: [bytes]`,
//! `FEAT IN: "…"`) through the `log` crate, but with no connection id and with the password in
//! clear. We install one process-wide `log` logger that accepts only those records, masks them at
//! once, and hands them to the [`Tap`] of the task that produced them (a tokio task-local set by
//! [`Tap::scope`]). Records from tasks outside a scope are dropped: nothing is printed or written
//! to a file.

use std::future::Future;
use std::sync::Arc;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::SystemTime;

use tokio::sync::mpsc::UnboundedSender;

use crate::text::{printable, printable_lines};

/// What a log line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    /// A command we sent (already masked).
    Command,
    /// A reply line. `code` is the reply's code (continuation lines carry their reply's code);
    /// `last` is true for the final line of a reply.
    Reply {
        code: u16,
        last: bool,
    },
    Info,
    Warn,
    Error,
}

/// One line for the log panel.
#[derive(Debug, Clone)]
pub struct LogEvent {
    pub at: SystemTime,
    pub tag: Arc<str>,
    pub kind: LogKind,
    pub text: String,
}

/// The log sink of one connection: a tag (`browse`, `xfer-1`…) and where its lines go.
#[derive(Debug, Clone)]
pub struct Tap {
    inner: Arc<TapInner>,
}

#[derive(Debug)]
struct TapInner {
    tag: Arc<str>,
    tx: Option<UnboundedSender<LogEvent>>,
    /// Code of a multi-line reply in progress (0 when none).
    open_reply: AtomicU16,
}

tokio::task_local! {
    static CURRENT: Tap;
}

impl Tap {
    pub fn new(tag: &str, tx: UnboundedSender<LogEvent>) -> Tap {
        install();
        Tap {
            inner: Arc::new(TapInner {
                tag: Arc::from(tag),
                tx: Some(tx),
                open_reply: AtomicU16::new(0),
            }),
        }
    }

    /// A tap that records nothing (headless commands with `--quiet`).
    pub fn discard(tag: &str) -> Tap {
        Tap {
            inner: Arc::new(TapInner {
                tag: Arc::from(tag),
                tx: None,
                open_reply: AtomicU16::new(0),
            }),
        }
    }

    pub fn tag(&self) -> &str {
        &self.inner.tag
    }

    /// Run `fut` with this tap receiving the control lines it produces.
    pub fn scope<F: Future>(&self, fut: F) -> impl Future<Output = F::Output> {
        CURRENT.scope(self.clone(), fut)
    }

    pub fn emit(&self, kind: LogKind, text: String) {
        // Notes and errors quote servers too (a reply's text in an error): nothing in them
        // may reach a terminal, a saved log or the clipboard as a control sequence.
        let text = match kind {
            LogKind::Info | LogKind::Warn | LogKind::Error => printable_lines(&text).into_owned(),
            _ => text,
        };
        if let Some(tx) = &self.inner.tx {
            // A closed receiver means the UI is gone; there is nobody left to tell.
            let _ = tx.send(LogEvent {
                at: SystemTime::now(),
                tag: self.inner.tag.clone(),
                kind,
                text,
            });
        }
    }

    pub fn info(&self, text: impl Into<String>) {
        self.emit(LogKind::Info, text.into());
    }

    pub fn warn(&self, text: impl Into<String>) {
        self.emit(LogKind::Warn, text.into());
    }

    pub fn error(&self, text: impl Into<String>) {
        self.emit(LogKind::Error, text.into());
    }

    /// Record a command line we sent, masking secrets.
    pub fn command(&self, line: &str) {
        // A new command: any reply still open (the connection broke in the middle of one) is
        // over.
        self.inner.open_reply.store(0, Ordering::Relaxed);
        self.emit(
            LogKind::Command,
            mask_command(line.trim_end_matches(['\r', '\n'])),
        );
    }

    /// Record one reply line as received.
    pub fn reply_line(&self, raw: &str) {
        let line = printable(raw.trim_end_matches(['\r', '\n'])).into_owned();
        let b = line.as_bytes();
        let code = super::reply_code(&line);
        let open = self.inner.open_reply.load(Ordering::Relaxed);
        let (code, last) = match (code, b.get(3)) {
            // "NNN " ends a reply (or is a one-line reply).
            (Some(c), Some(b' ')) | (Some(c), None) if open == 0 || open == c => {
                self.inner.open_reply.store(0, Ordering::Relaxed);
                (c, true)
            }
            (Some(c), Some(b'-')) if open == 0 => {
                self.inner.open_reply.store(c, Ordering::Relaxed);
                (c, false)
            }
            _ if open != 0 => (open, false),
            (Some(c), _) => (c, true),
            (None, _) => (0, true),
        };
        self.emit(LogKind::Reply { code, last }, line);
    }

    /// A FEAT continuation line (suppaftp reads those apart from ordinary replies).
    fn feat_line(&self, raw: &str) {
        let line = printable(raw.trim_end_matches(['\r', '\n'])).into_owned();
        let last = super::reply_code(&line).is_some() && line.as_bytes().get(3) == Some(&b' ');
        if last {
            self.inner.open_reply.store(0, Ordering::Relaxed);
        }
        self.emit(LogKind::Reply { code: 211, last }, line);
    }
}

/// Replace the argument of commands that carry secrets.
pub fn mask_command(line: &str) -> String {
    let mut words = line.split_whitespace();
    let verb = words.next().unwrap_or_default().to_ascii_uppercase();
    let second = words.next().unwrap_or_default().to_ascii_uppercase();
    match (verb.as_str(), second.as_str()) {
        (v, _) if v.starts_with("PASS") || v.starts_with("ACCT") => format!("{} ****", &v[..4]),
        // Password changes some servers offer through SITE.
        ("SITE", "PASSWD" | "CPWD" | "PASSWORD") => format!("SITE {second} ****"),
        _ => printable(line).into_owned(),
    }
}

/// Turn the `Debug` of a byte vector (`[50, 50, 48]`) back into text.
fn bytes_from_debug(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix('[')?.strip_suffix(']')?;
    let bytes: Option<Vec<u8>> = inner
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<u8>().ok())
        .collect();
    Some(String::from_utf8_lossy(&bytes?).into_owned())
}

/// Undo the `Debug` quoting of a string (`"211-Features:\r\n"`).
fn string_from_debug(s: &str) -> Option<String> {
    let inner = s.trim().strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            '0' => out.push('\0'),
            '\\' => out.push('\\'),
            '"' => out.push('"'),
            '\'' => out.push('\''),
            'u' => {
                let rest: String = chars.by_ref().take_while(|&c| c != '}').collect();
                let hex = rest.strip_prefix('{')?;
                out.push(char::from_u32(u32::from_str_radix(hex, 16).ok()?)?);
            }
            other => {
                out.push('\\');
                out.push(other);
            }
        }
    }
    Some(out)
}

const CONTROL_TARGET: &str = "suppaftp::async_ftp::tokio_ftp::control";
const STREAM_TARGET: &str = "suppaftp::async_ftp::tokio_ftp";

struct SuppaTap;

impl log::Log for SuppaTap {
    fn enabled(&self, meta: &log::Metadata) -> bool {
        meta.level() == log::Level::Trace
            && (meta.target() == CONTROL_TARGET || meta.target() == STREAM_TARGET)
    }

    fn log(&self, record: &log::Record) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let Ok(tap) = CURRENT.try_with(Tap::clone) else {
            return;
        };
        let msg = record.args().to_string();
        if let Some(cmd) = msg.strip_prefix("CC OUT: ") {
            tap.command(cmd);
        } else if let Some(bytes) = msg.strip_prefix("CC IN: ") {
            if let Some(line) = bytes_from_debug(bytes) {
                tap.reply_line(&line);
            }
        } else if let Some(quoted) = msg.strip_prefix("FEAT IN: ")
            && let Some(line) = string_from_debug(quoted)
        {
            tap.feat_line(&line);
        }
    }

    fn flush(&self) {}
}

/// Install the process-wide tap logger once. If another logger is already installed (a test
/// harness), the log panel only shows what the session records itself.
pub fn install() {
    static DONE: OnceLock<bool> = OnceLock::new();
    DONE.get_or_init(|| {
        let ok = log::set_boxed_logger(Box::new(SuppaTap)).is_ok();
        if ok {
            log::set_max_level(log::LevelFilter::Trace);
        }
        ok
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pass_is_masked_in_any_case() {
        assert_eq!(mask_command("PASS hunter2"), "PASS ****");
        assert_eq!(mask_command("pass hunter2"), "PASS ****");
        assert_eq!(mask_command("PASS"), "PASS ****");
        assert_eq!(mask_command("ACCT secret"), "ACCT ****");
        assert_eq!(mask_command("  PASS hunter2"), "PASS ****");
        assert_eq!(mask_command("pass\thunter2"), "PASS ****");
        assert_eq!(mask_command("PASShunter2"), "PASS ****");
        assert_eq!(mask_command("site passwd old new"), "SITE PASSWD ****");
        assert_eq!(mask_command("SITE CHMOD 644 x"), "SITE CHMOD 644 x");
        assert_eq!(mask_command("USER alice"), "USER alice");
        assert_eq!(mask_command("PASV"), "PASV");
    }

    #[test]
    fn debug_forms_round_trip() {
        let line = "230 Logged on, 你好\r\n";
        let dbg = format!("{:?}", line.as_bytes().to_vec());
        assert_eq!(bytes_from_debug(&dbg).as_deref(), Some(line));
        let dbg = format!("{:?}", " UTF8\r\n");
        assert_eq!(string_from_debug(&dbg).as_deref(), Some(" UTF8\r\n"));
        let dbg = format!("{:?}", "a\"b\\c\u{7}");
        assert_eq!(string_from_debug(&dbg).as_deref(), Some("a\"b\\c\u{7}"));
        assert_eq!(bytes_from_debug("nonsense"), None);
    }

    #[tokio::test]
    async fn multiline_replies_carry_their_code() {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let tap = Tap::new("browse", tx);
        for l in [
            "220-Welcome\r\n",
            "  to the server\r\n",
            "220 ready\r\n",
            "230 ok\r\n",
        ] {
            tap.reply_line(l);
        }
        tap.command("PASS secret\r\n");
        let mut got = Vec::new();
        while let Ok(e) = rx.try_recv() {
            got.push((e.kind, e.text));
        }
        assert_eq!(
            got,
            vec![
                (
                    LogKind::Reply {
                        code: 220,
                        last: false
                    },
                    "220-Welcome".to_string()
                ),
                (
                    LogKind::Reply {
                        code: 220,
                        last: false
                    },
                    "  to the server".to_string()
                ),
                (
                    LogKind::Reply {
                        code: 220,
                        last: true
                    },
                    "220 ready".to_string()
                ),
                (
                    LogKind::Reply {
                        code: 230,
                        last: true
                    },
                    "230 ok".to_string()
                ),
                (LogKind::Command, "PASS ****".to_string()),
            ]
        );
    }

    #[test]
    fn control_characters_are_neutralised() {
        assert_eq!(mask_command("NOOP \u{1b}[31mred\u{202E}"), "NOOP ?[31mred?");
    }
}
