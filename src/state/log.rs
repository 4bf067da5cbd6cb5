//! The log panel's model: a bounded history of control-connection lines, each with its reply
//! explanation looked up once, and a scroll position.

use std::collections::VecDeque;

use crate::ftp::replies::{Explanation, Lang, book};
use crate::ftp::{LogEvent, LogKind};

/// How much room the log panel takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogSize {
    Normal,
    Large,
    Hidden,
}

impl LogSize {
    pub fn next(self) -> LogSize {
        match self {
            LogSize::Normal => LogSize::Large,
            LogSize::Large => LogSize::Hidden,
            LogSize::Hidden => LogSize::Normal,
        }
    }
}

#[derive(Debug, Clone)]
pub struct LogLine {
    /// Local wall-clock time, `HH:MM:SS`.
    pub time: String,
    pub tag: std::sync::Arc<str>,
    pub kind: LogKind,
    pub text: String,
    /// For the last line of a reply: what its code means.
    pub explanation: Option<&'static Explanation>,
}

#[derive(Debug, Clone)]
pub struct LogPanel {
    pub lines: VecDeque<LogLine>,
    pub capacity: usize,
    /// Rows scrolled back from the newest line (0: follow the tail).
    pub scroll: usize,
    pub size: LogSize,
}

impl LogPanel {
    pub fn new(capacity: usize) -> LogPanel {
        LogPanel {
            lines: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            scroll: 0,
            size: LogSize::Normal,
        }
    }

    pub fn push(&mut self, e: LogEvent, lang: Lang) {
        let explanation = match e.kind {
            LogKind::Reply { code, last: true } if code >= 100 => book().explain(code, lang),
            _ => None,
        };
        let time = chrono::DateTime::<chrono::Local>::from(e.at)
            .format("%H:%M:%S")
            .to_string();
        if self.lines.len() == self.capacity {
            self.lines.pop_front();
        }
        self.lines.push_back(LogLine {
            time,
            tag: e.tag,
            kind: e.kind,
            text: e.text,
            explanation,
        });
        if self.scroll > 0 {
            // Stay on the same lines while the user reads back.
            self.scroll = (self.scroll + 1).min(self.lines.len().saturating_sub(1));
        }
    }

    pub fn scroll_by(&mut self, delta: i64) {
        let max = self.lines.len().saturating_sub(1) as i64;
        self.scroll = (self.scroll as i64 + delta).clamp(0, max) as usize;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::SystemTime;

    fn ev(kind: LogKind, text: &str) -> LogEvent {
        LogEvent {
            at: SystemTime::now(),
            tag: "browse".into(),
            kind,
            text: text.into(),
        }
    }

    #[test]
    fn bounded_and_explained() {
        let mut p = LogPanel::new(3);
        for i in 0..5 {
            p.push(ev(LogKind::Info, &format!("{i}")), Lang::En);
        }
        assert_eq!(p.lines.len(), 3);
        assert_eq!(p.lines[0].text, "2");
        p.push(
            ev(
                LogKind::Reply {
                    code: 530,
                    last: true,
                },
                "530 Login incorrect.",
            ),
            Lang::En,
        );
        let x = p.lines.back().unwrap().explanation.unwrap();
        assert!(x.hint.as_deref().unwrap().contains("password"));
        p.push(
            ev(
                LogKind::Reply {
                    code: 211,
                    last: false,
                },
                "211-Features",
            ),
            Lang::En,
        );
        assert!(p.lines.back().unwrap().explanation.is_none());
    }

    #[test]
    fn scrolling_is_clamped() {
        let mut p = LogPanel::new(10);
        for _ in 0..5 {
            p.push(ev(LogKind::Info, "x"), Lang::En);
        }
        p.scroll_by(100);
        assert_eq!(p.scroll, 4);
        p.scroll_by(-100);
        assert_eq!(p.scroll, 0);
    }
}
