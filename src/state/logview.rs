//! The log as a tool: with the keyboard on it (F12), a cursor moves over its lines; it filters
//! by text, by connection and to errors only, jumps between errors, folds multi-line replies,
//! copies a line, saves what it shows, switches between clock and relative times, and opens a
//! reply code's full explanation.

use super::action::{Effect, Key, KeyPress};
use super::dialog::{Dialog, PromptFor, PromptForm, TextInput};
use super::log::is_error;
use super::{Panel, Side, State};
use crate::ftp::LogKind;
use crate::i18n::t;
use crate::tr;

/// Headed paragraphs in a dialog: a reply code explained, the server's facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotesView {
    pub title: String,
    /// Heading and text (lines separated by `\n`).
    pub parts: Vec<(String, String)>,
    /// Rows scrolled off the top (when the text is taller than the screen).
    pub scroll: usize,
}

impl State {
    /// F12: the log takes the keyboard (or gives it back).
    pub(super) fn toggle_log_focus(&mut self) -> Vec<Effect> {
        if self.panel == Panel::Log {
            self.leave_log();
            return vec![];
        }
        if self.log.size == super::log::LogSize::Hidden {
            self.log.size = super::log::LogSize::Normal;
        }
        self.panel = Panel::Log;
        let n = self.log.view().len();
        self.log.cursor = n.checked_sub(1 + self.log.scroll.min(n.saturating_sub(1)));
        self.set_status(
            t("Log: ↑↓ move · / find · e errors only · c connection · n/N next/previous error · Space fold · Enter explain · y copy · w save · t times · Esc back"),
            false,
        );
        vec![]
    }

    /// Give the keyboard to `panel`; leaving the log forgets its cursor and what was being typed.
    pub(super) fn focus_panel(&mut self, panel: Panel) {
        if self.panel == Panel::Log && panel != Panel::Log {
            self.leave_log();
        }
        self.panel = panel;
    }

    pub(super) fn leave_log(&mut self) {
        self.panel = Panel::Panes;
        self.log.typing = false;
        self.log.cursor = None;
        self.log.scroll = 0;
    }

    /// Rows of the log panel (for paging and keeping the cursor in view).
    fn log_rows(&self) -> usize {
        (self.areas().log.height as usize).saturating_sub(1).max(1)
    }

    /// Keep the cursor inside the window the panel shows.
    fn log_follow_cursor(&mut self) {
        let n = self.log.view().len();
        let rows = self.log_rows();
        let Some(c) = self.log.cursor else {
            return;
        };
        let c = c.min(n.saturating_sub(1));
        self.log.cursor = (n > 0).then_some(c);
        let end = n.saturating_sub(self.log.scroll);
        if c >= end {
            self.log.scroll = n.saturating_sub(c + 1);
        } else if c + rows < end {
            self.log.scroll = n.saturating_sub(c + rows);
        }
    }

    pub(super) fn log_key(&mut self, key: KeyPress) -> Vec<Effect> {
        if self.log.typing {
            match key.key {
                Key::Enter => self.log.typing = false,
                Key::Esc => {
                    self.log.typing = false;
                    self.log.filter.text.clear();
                }
                Key::Backspace => {
                    self.log.filter.text.pop();
                }
                Key::Char(c) if !key.ctrl && !key.alt && !c.is_control() => {
                    self.log.filter.text.push(c)
                }
                _ => {}
            }
            self.log.cursor = self.log.view().len().checked_sub(1);
            self.log.scroll = 0;
            return vec![];
        }
        let view = self.log.view();
        let n = view.len();
        let cur = self
            .log
            .cursor
            .unwrap_or(n.saturating_sub(1))
            .min(n.saturating_sub(1));
        let rows = self.log_rows();
        let mut fx = Vec::new();
        match key.key {
            Key::Esc | Key::Tab | Key::F(12) => {
                if !self.log.filter.is_empty() && key.key == Key::Esc {
                    self.log.filter = Default::default();
                    self.set_status(t("Log filter cleared"), false);
                } else if key.key == Key::Esc && matches!(self.conn, super::Conn::Connecting { .. })
                {
                    // The status line says Esc stops a connection being tried: it does here too.
                    self.leave_log();
                    return self.update(super::Action::Cancel);
                } else {
                    self.leave_log();
                    self.set_status("", false);
                }
                return vec![];
            }
            Key::Up | Key::Char('k') => self.log.cursor = Some(cur.saturating_sub(1)),
            Key::Down | Key::Char('j') => {
                self.log.cursor = Some((cur + 1).min(n.saturating_sub(1)))
            }
            Key::PageUp => self.log.cursor = Some(cur.saturating_sub(rows)),
            Key::PageDown => self.log.cursor = Some((cur + rows).min(n.saturating_sub(1))),
            Key::Home | Key::Char('g') => self.log.cursor = Some(0),
            Key::End | Key::Char('G') => self.log.cursor = n.checked_sub(1),
            Key::Char('/') => {
                self.log.typing = true;
                self.log.filter.text.clear();
            }
            Key::Char('e') => {
                self.log.filter.errors_only = !self.log.filter.errors_only;
                self.log.cursor = self.log.view().len().checked_sub(1);
                self.log.scroll = 0;
            }
            Key::Char('c') => {
                // All connections, then each tag in turn.
                let tags = self.log.tags();
                let next = match &self.log.filter.tag {
                    None => tags.first().cloned(),
                    Some(t) => {
                        let i = tags.iter().position(|x| x == t);
                        i.and_then(|i| tags.get(i + 1)).cloned()
                    }
                };
                self.log.filter.tag = next;
                self.log.cursor = self.log.view().len().checked_sub(1);
                self.log.scroll = 0;
            }
            Key::Char('n') | Key::Char('N') => {
                let forward = key.key == Key::Char('n');
                let found = if forward {
                    (cur + 1..n).find(|&i| is_error(&self.log.lines[view[i]]))
                } else {
                    (0..cur).rev().find(|&i| is_error(&self.log.lines[view[i]]))
                };
                match found {
                    Some(i) => self.log.cursor = Some(i),
                    None => self.set_status(
                        if forward {
                            t("No error after this line")
                        } else {
                            t("No error before this line")
                        },
                        false,
                    ),
                }
            }
            Key::Char(' ') => {
                if let Some(g) = view.get(cur).and_then(|&i| self.log.lines[i].group) {
                    if !self.log.expanded.remove(&g) {
                        self.log.expanded.insert(g);
                    }
                    // Stay on the reply's first line.
                    let v = self.log.view();
                    let first = v.iter().position(|&i| self.log.lines[i].group == Some(g));
                    self.log.cursor = first.or(self.log.cursor);
                }
            }
            Key::Char('t') => self.log.relative = !self.log.relative,
            Key::Char('y') => {
                if let Some(&i) = view.get(cur) {
                    let text = self.log.line_text(i);
                    self.set_status(t("Copied the log line"), false);
                    fx.push(Effect::Clipboard(text));
                }
            }
            Key::Char('w') => {
                let name = chrono::Local::now()
                    .format("skiff-log-%Y%m%d-%H%M%S.txt")
                    .to_string();
                let path = super::join_path(Side::Local, &self.local.path, &name);
                self.dialog = Some(Dialog::Prompt(PromptForm {
                    side: Side::Local,
                    purpose: PromptFor::SaveLog,
                    title: t("Save the log").to_string(),
                    label: t("File (what the log shows, passwords masked):").to_string(),
                    input: TextInput::new(&path),
                    error: None,
                }));
            }
            Key::Enter => {
                if let Some(&i) = view.get(cur)
                    && let LogKind::Reply { code, .. } = self.log.lines[i].kind
                {
                    self.dialog = Some(Dialog::Notes(self.explain(code)));
                }
            }
            _ => {}
        }
        self.log_follow_cursor();
        fx
    }

    /// Everything the reply book says of `code`.
    pub(super) fn explain(&self, code: u16) -> NotesView {
        use crate::ftp::replies::{ReplyClass, book};
        let mut parts = Vec::new();
        if let Some(x) = book().explain(code, self.lang) {
            parts.push((t("Meaning").to_string(), x.meaning.clone()));
            if let Some(c) = &x.causes {
                parts.push((t("Common causes").to_string(), c.clone()));
            }

            if let Some(h) = &x.hint {
                parts.push((t("What to try").to_string(), h.clone()));
            }
        }
        let class = match ReplyClass::of(code) {
            ReplyClass::Preliminary => t("1xx: positive preliminary (another reply follows)"),
            ReplyClass::Completion => t("2xx: positive completion"),
            ReplyClass::Intermediate => t("3xx: positive intermediate (more input expected)"),
            ReplyClass::TransientNegative => {
                t("4xx: transient negative (the same command may work later)")
            }
            ReplyClass::PermanentNegative => {
                t("5xx: permanent negative (repeating it will not help)")
            }
            ReplyClass::Protected => t("6xx: protected reply (RFC 2228)"),
            ReplyClass::Unknown => t("not an FTP reply code"),
        };
        parts.push((t("Class").to_string(), class.to_string()));
        NotesView {
            title: tr!("Reply {code}", code = code),
            parts,
            scroll: 0,
        }
    }

    /// The text the log shows (filtered, folded replies whole) for saving.
    pub(super) fn log_for_saving(&self) -> String {
        let mut log = self.log.clone();
        log.expanded
            .extend(log.lines.iter().filter_map(|l| l.group));
        let mut out = String::new();
        for i in log.view() {
            out.push_str(&log.line_text(i));
            out.push('\n');
        }
        out
    }

    /// Saved (or not).
    pub(super) fn log_saved(&mut self, path: String, result: Result<usize, String>) {
        match result {
            Ok(n) => self.set_status(
                tr!("Saved {n} log lines to {path}", n = n, path = path),
                false,
            ),
            Err(e) => self.set_status(tr!("Cannot save the log: {error}", error = e), true),
        }
    }
}
