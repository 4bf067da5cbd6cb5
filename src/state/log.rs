//! The log panel's model: a bounded history of control-connection lines, each with its reply
//! explanation looked up once, and a scroll position.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::SystemTime;

use crate::ftp::replies::{Explanation, book};
use crate::ftp::{LogEvent, LogKind};
use crate::i18n::Lang;

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
    pub at: SystemTime,
    /// The multi-line reply (`211-`…`211 End`) this line belongs to.
    pub group: Option<u64>,
    pub tag: std::sync::Arc<str>,
    pub kind: LogKind,
    pub text: String,
    /// For the last line of a reply: what its code means.
    pub explanation: Option<&'static Explanation>,
}

/// Which lines the log shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogFilter {
    /// Lines containing this (any case), in their text or connection tag.
    pub text: String,
    /// Only errors and warnings: 4xx/5xx replies and skiff's own errors and warnings.
    pub errors_only: bool,
    /// Only this connection's lines (`browse`, `xfer-1`…).
    pub tag: Option<Arc<str>>,
}

impl LogFilter {
    pub fn is_empty(&self) -> bool {
        self.text.is_empty() && !self.errors_only && self.tag.is_none()
    }
}

#[derive(Debug, Clone)]
pub struct LogPanel {
    pub lines: VecDeque<LogLine>,
    pub capacity: usize,
    /// Rows scrolled back from the newest line (0: follow the tail).
    pub scroll: usize,
    pub size: LogSize,
    pub filter: LogFilter,
    /// The text filter is being typed.
    pub typing: bool,
    /// Times relative to the line before (`+0.023`) instead of the clock.
    pub relative: bool,
    /// The line under the cursor while the log has the keyboard (an index into `view()`).
    pub cursor: Option<usize>,
    /// Multi-line replies shown whole (the others show their first and last lines).
    pub expanded: HashSet<u64>,
    /// Each connection's reply that is still open, and the next group number.
    open: HashMap<Arc<str>, u64>,
    next_group: u64,
}

/// Whether a line counts as an error for the filter and for jumping.
pub fn is_error(l: &LogLine) -> bool {
    match l.kind {
        LogKind::Reply { code, .. } => code >= 400,
        LogKind::Error | LogKind::Warn => true,
        _ => false,
    }
}

impl LogPanel {
    pub fn new(capacity: usize) -> LogPanel {
        LogPanel {
            lines: VecDeque::with_capacity(capacity.min(1024)),
            capacity,
            scroll: 0,
            size: LogSize::Normal,
            filter: LogFilter::default(),
            typing: false,
            relative: false,
            cursor: None,
            expanded: HashSet::new(),
            open: HashMap::new(),
            next_group: 0,
        }
    }

    /// The lines shown, as indices into `lines`, oldest first: those the filter lets through,
    /// with the middle of every folded multi-line reply left out.
    pub fn view(&self) -> Vec<usize> {
        let text = self.filter.text.to_lowercase();
        let n = self.lines.len();
        let mut out = Vec::with_capacity(n.min(4096));
        for (i, l) in self.lines.iter().enumerate() {
            if let Some(g) = l.group
                && !self.expanded.contains(&g)
            {
                // Folded: keep the first and the last line of the reply.
                let first = i == 0 || self.lines[i - 1].group != Some(g);
                let last = i + 1 == n || self.lines[i + 1].group != Some(g);
                if !first && !last {
                    continue;
                }
            }
            if !self.passes(l, &text) {
                continue;
            }
            out.push(i);
        }
        out
    }

    /// Whether `l` passes the filters (errors only, one connection, text; `text` lowercase).
    fn passes(&self, l: &LogLine, text: &str) -> bool {
        (is_error(l) || !self.filter.errors_only)
            && self.filter.tag.as_ref().is_none_or(|t| *t == l.tag)
            && (text.is_empty()
                || l.text.to_lowercase().contains(text)
                || l.tag.to_lowercase().contains(text))
    }

    /// How many lines of `line`'s reply are hidden while it is folded (0: none, or not the
    /// first line of a folded reply).
    pub fn hidden_after(&self, i: usize) -> usize {
        let Some(g) = self.lines.get(i).and_then(|l| l.group) else {
            return 0;
        };
        if self.expanded.contains(&g) || (i > 0 && self.lines[i - 1].group == Some(g)) {
            return 0;
        }
        let len = self
            .lines
            .iter()
            .skip(i)
            .take_while(|l| l.group == Some(g))
            .count();
        len.saturating_sub(2)
    }

    /// The connection tags seen, in order of first appearance.
    pub fn tags(&self) -> Vec<Arc<str>> {
        let mut out: Vec<Arc<str>> = Vec::new();
        for l in &self.lines {
            if !out.contains(&l.tag) {
                out.push(l.tag.clone());
            }
        }
        out
    }

    /// A line as text, for copying and saving (its explanation after a dash).
    pub fn line_text(&self, i: usize) -> String {
        let Some(l) = self.lines.get(i) else {
            return String::new();
        };
        let marker = match l.kind {
            LogKind::Command => ">",
            LogKind::Reply { .. } => "<",
            LogKind::Info => "*",
            LogKind::Warn | LogKind::Error => "!",
        };
        let text = if l.kind == LogKind::Command {
            crate::ftp::logtap::mask_command(&l.text)
        } else {
            l.text.clone()
        };
        let mut s = format!("{} {} {marker} {text}", l.time, l.tag);
        if let Some(x) = l.explanation {
            s.push_str(" — ");
            s.push_str(&x.meaning);
        }
        s
    }

    pub fn push(&mut self, e: LogEvent, lang: Lang) {
        let explanation = match e.kind {
            LogKind::Reply { code, last: true } if code >= 100 => book().explain(code, lang),
            _ => None,
        };
        let time = chrono::DateTime::<chrono::Local>::from(e.at)
            .format("%H:%M:%S")
            .to_string();
        // The line under the cursor (an index into `lines`), to find it again afterwards: the
        // view shifts by what the filters show of the line dropped and the line added.
        let under_cursor = self.cursor.and_then(|c| self.view().get(c).copied());
        let dropped = self.lines.len() == self.capacity;
        if dropped {
            self.lines.pop_front();
        }
        // Lines of one multi-line reply share a group (per connection: replies of different
        // connections interleave). A command ends whatever reply was left open (a connection
        // that broke in the middle of one).
        if e.kind == LogKind::Command {
            self.open.remove(&e.tag);
        }
        let group = match e.kind {
            LogKind::Reply { last, .. } => {
                let open = self.open.get(&e.tag).copied();
                match (open, last) {
                    (Some(g), true) => {
                        self.open.remove(&e.tag);
                        Some(g)
                    }
                    (Some(g), false) => Some(g),
                    (None, false) => {
                        self.next_group += 1;
                        self.open.insert(e.tag.clone(), self.next_group);
                        Some(self.next_group)
                    }
                    (None, true) => None,
                }
            }
            _ => None,
        };
        let line = LogLine {
            time,
            at: e.at,
            group,
            tag: e.tag,
            kind: e.kind,
            text: e.text,
            explanation,
        };
        self.lines.push_back(line);
        // Only a reader scrolled back cares whether the filters show the new line.
        if self.scroll > 0
            && self
                .lines
                .back()
                .is_some_and(|l| self.passes(l, &self.filter.text.to_lowercase()))
        {
            // Stay on the same lines while the user reads back.
            self.scroll = (self.scroll + 1).min(self.lines.len().saturating_sub(1));
        }
        if let Some(at) = under_cursor {
            let view = self.view();
            self.cursor = Some(match at.checked_sub(usize::from(dropped)) {
                // The same line, or the nearest shown one before it (a reply folds again as it
                // grows).
                Some(at) => view.partition_point(|&i| i <= at).saturating_sub(1),
                None => 0,
            });
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

    /// The cursor stays on the line the user chose while the log fills up and drops its
    /// oldest lines behind a filter (errors only) and while a reply folds as it grows.
    #[test]
    fn the_cursor_keeps_its_line_while_lines_come_and_go() {
        let reply = |code: u16, last: bool, text: &str| ev(LogKind::Reply { code, last }, text);
        let mut p = LogPanel::new(8);
        p.push(reply(550, true, "550 first"), Lang::En);
        p.push(ev(LogKind::Info, "note"), Lang::En);
        p.push(reply(550, true, "550 second"), Lang::En);
        p.filter.errors_only = true;
        p.cursor = Some(1);
        let at = |p: &LogPanel| p.lines[p.view()[p.cursor.unwrap()]].text.clone();
        assert_eq!(at(&p), "550 second");
        // Enough other lines to push "550 first" out, and more.
        for i in 0..6 {
            p.push(ev(LogKind::Info, &format!("n{i}")), Lang::En);
            assert_eq!(at(&p), "550 second", "after {i}");
        }
        p.push(reply(550, true, "550 third"), Lang::En);
        assert_eq!(at(&p), "550 second");
        // Its own line dropped: the cursor goes to the first line shown.
        for _ in 0..3 {
            p.push(ev(LogKind::Info, "more"), Lang::En);
        }
        assert_eq!(at(&p), "550 third");

        // Unfiltered, on the last line of a reply that is still growing: it folds, and the
        // cursor stays on that reply.
        let mut p = LogPanel::new(100);
        p.push(reply(211, false, "211-Features"), Lang::En);
        p.push(reply(211, false, " MLST"), Lang::En);
        p.cursor = Some(1);
        p.push(reply(211, false, " EPSV"), Lang::En);
        assert_eq!(at(&p), "211-Features");
        // A command closes a reply the connection never finished.
        p.push(ev(LogKind::Command, "NOOP"), Lang::En);
        p.push(reply(200, true, "200 ok"), Lang::En);
        assert!(p.lines.back().unwrap().group.is_none());
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
