//! The built-in pager (`v`): a file's first few MiB, as text or, for binary content, as hex.

use super::action::{Effect, Key, KeyPress, Side};
use super::dialog::Dialog;
use super::{State, join_path};
use crate::fs::EntryKind;
use crate::i18n::t;
use crate::tr;

/// How much of a file the pager reads.
pub const VIEW_LIMIT: usize = 4 << 20;

/// The pager's content and position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewForm {
    pub title: String,
    pub bytes: Vec<u8>,
    /// The file is longer than what was read.
    pub truncated: bool,
    pub hex: bool,
    /// Text lines (made once; tabs expanded, control characters shown as `?`).
    pub lines: Vec<String>,
    /// First line (text) or row of 16 bytes (hex) shown.
    pub top: usize,
}

impl ViewForm {
    pub fn new(title: String, bytes: Vec<u8>, truncated: bool) -> ViewForm {
        let hex = looks_binary(&bytes);
        let lines = text_lines(&bytes);
        ViewForm {
            title,
            bytes,
            truncated,
            hex,
            lines,
            top: 0,
        }
    }

    /// Rows in the current mode.
    pub fn rows(&self) -> usize {
        if self.hex {
            self.bytes.len().div_ceil(16)
        } else {
            self.lines.len()
        }
    }

    /// Row `i` in hex: `00000010  48 65 6c …  |Hel…|`.
    pub fn hex_row(&self, i: usize) -> String {
        let start = i * 16;
        let chunk = &self.bytes[start.min(self.bytes.len())..(start + 16).min(self.bytes.len())];
        let mut s = format!("{start:08x}  ");
        for j in 0..16 {
            match chunk.get(j) {
                Some(b) => s.push_str(&format!("{b:02x} ")),
                None => s.push_str("   "),
            }
            if j == 7 {
                s.push(' ');
            }
        }
        s.push(' ');
        s.push('|');
        s.extend(chunk.iter().map(|&b| {
            if b.is_ascii_graphic() || b == b' ' {
                b as char
            } else {
                '.'
            }
        }));
        s.push('|');
        s
    }
}

/// NUL bytes, or mostly bytes that are not text, in the first 8 KiB.
pub fn looks_binary(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return true;
    }
    let text = String::from_utf8_lossy(head);
    let odd = text
        .chars()
        .filter(|c| {
            *c == '\u{fffd}' || (c.is_control() && !matches!(c, '\n' | '\r' | '\t' | '\x0c'))
        })
        .count();
    odd * 10 > text.chars().count().max(1)
}

fn text_lines(bytes: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(bytes)
        .split('\n')
        .map(|l| {
            let mut out = String::with_capacity(l.len());
            for c in l.trim_end_matches('\r').chars() {
                match c {
                    '\t' => {
                        let n = 8 - out.chars().count() % 8;
                        out.extend(std::iter::repeat_n(' ', n));
                    }
                    c if c.is_control() => out.push('?'),
                    c => out.push(c),
                }
            }
            out
        })
        .collect()
}

impl State {
    /// The regular file under the cursor (the status line says so when it is not one).
    pub(super) fn current_file(&mut self, side: Side) -> Option<&crate::fs::Entry> {
        let name = match self.pane(side).current() {
            Some(e) if e.kind == EntryKind::File => return self.pane(side).current(),
            Some(e) => e.name.clone(),
            None => return None,
        };
        self.set_status(tr!("{name} is not a file", name = name), true);
        None
    }

    /// `v` on a file: read its head in the background, then show it.
    pub(super) fn start_view(&mut self, side: Side) -> Vec<Effect> {
        let Some(e) = self.current_file(side) else {
            return vec![];
        };
        let (name, size) = (e.name.clone(), e.size);
        if side == Side::Remote && !matches!(self.conn, super::Conn::Connected { .. }) {
            return self.not_connected();
        }
        let path = join_path(side, &self.pane(side).path, &name);
        let req = self.req();
        self.viewing = req;
        self.set_status(
            if side == Side::Remote {
                tr!("Fetching {path} for viewing…", path = path)
            } else {
                tr!("Reading {path}…", path = path)
            },
            false,
        );
        vec![Effect::View {
            side,
            path,
            size,
            req,
        }]
    }

    pub(super) fn viewed(
        &mut self,
        req: u64,
        title: String,
        result: Result<(Vec<u8>, bool), super::ErrorInfo>,
    ) -> Vec<Effect> {
        if req != self.viewing || self.dialog.is_some() {
            return vec![];
        }
        self.viewing = 0;
        match result {
            Ok((bytes, truncated)) => {
                self.set_status(
                    if truncated {
                        tr!(
                            "{title}: {n} bytes shown (the first part)",
                            title = title,
                            n = bytes.len()
                        )
                    } else {
                        tr!("{title}: {n} bytes", title = title, n = bytes.len())
                    },
                    false,
                );
                self.dialog = Some(Dialog::View(Box::new(ViewForm::new(
                    title, bytes, truncated,
                ))));
            }
            Err(e) => self.show_error(t("Cannot view"), &e),
        }
        vec![]
    }

    pub(super) fn view_key(&mut self, mut form: Box<ViewForm>, key: KeyPress) -> Vec<Effect> {
        // The pager's rows: the screen less the status line and the frame's two borders.
        let page = self.height.saturating_sub(3).max(1) as usize;
        let last = form.rows().saturating_sub(page);
        match key.key {
            Key::Esc | Key::Char('q') | Key::Char('v') | Key::F(3) | Key::F(10) => return vec![],
            Key::Up | Key::Char('k') => form.top = form.top.saturating_sub(1),
            Key::Down | Key::Char('j') | Key::Enter => form.top = (form.top + 1).min(last),
            Key::PageUp | Key::Char('b') => form.top = form.top.saturating_sub(page),
            Key::PageDown | Key::Char(' ') => form.top = (form.top + page).min(last),
            Key::Home | Key::Char('g') => form.top = 0,
            Key::End | Key::Char('G') => form.top = last,
            Key::Char('h') => {
                form.hex = !form.hex;
                form.top = 0;
            }
            _ => {}
        }
        self.dialog = Some(Dialog::View(form));
        vec![]
    }
}

impl State {
    /// The context menu for the focused pane (F9, or a right click on a row).
    pub(super) fn open_menu(&mut self, side: Side) -> Vec<Effect> {
        use super::action::Action as A;
        let pane = self.pane(side);
        let Some(e) = pane.current() else {
            return vec![];
        };
        let mut items: Vec<(&'static str, A)> = Vec::new();
        let up = e.name == "..";
        if e.is_dir() || e.kind == EntryKind::Symlink {
            items.push((t("Open"), A::Open));
        }
        if e.kind == EntryKind::File {
            items.push((t("View"), A::View));
        }
        if !up {
            items.push((t("Copy to the other pane"), A::Copy));
            items.push((t("Move to the other pane"), A::Move));
            items.push((t("Rename"), A::Rename));
            items.push((t("Delete"), A::Delete));
            items.push((t("Permissions"), A::Chmod));
            items.push((t("Info"), A::Info));
        }
        if e.is_dir() && !up {
            items.push((t("Size"), A::DirSize));
        }
        items.push((t("Copy path"), A::CopyPath));
        items.push((t("New directory"), A::Mkdir));
        items.push((t("New file"), A::NewFile));
        items.push((t("Refresh"), A::Refresh));
        let title = if up {
            pane.path.clone()
        } else {
            e.name.clone()
        };
        self.dialog = Some(Dialog::Menu(super::dialog::MenuForm {
            title,
            items,
            cursor: 0,
        }));
        vec![]
    }

    pub(super) fn menu_key(
        &mut self,
        mut form: super::dialog::MenuForm,
        key: KeyPress,
    ) -> Vec<Effect> {
        let n = form.items.len();
        match key.key {
            Key::Esc | Key::Char('q') | Key::F(9) => vec![],
            Key::Up | Key::Char('k') => {
                form.cursor = (form.cursor + n - 1) % n.max(1);
                self.dialog = Some(Dialog::Menu(form));
                vec![]
            }
            Key::Down | Key::Char('j') | Key::Tab => {
                form.cursor = (form.cursor + 1) % n.max(1);
                self.dialog = Some(Dialog::Menu(form));
                vec![]
            }
            Key::Enter => match form.items.get(form.cursor) {
                Some((_, a)) => self.update(a.clone()),
                None => vec![],
            },
            _ => {
                self.dialog = Some(Dialog::Menu(form));
                vec![]
            }
        }
    }

    /// A click while the menu is open: an item runs, anywhere else closes the menu.
    pub(super) fn menu_click(&mut self, col: u16, row: u16) -> Vec<Effect> {
        let Some(Dialog::Menu(form)) = self.dialog.take() else {
            return vec![];
        };
        let r = super::dialog::menu_rect(self.width, self.height, form.items.len());
        let inside = col > r.x && col < r.x + r.width - 1 && row > r.y && row < r.y + r.height - 1;
        if !inside {
            return vec![];
        }
        match form.items.get((row - r.y - 1) as usize) {
            Some((_, a)) => self.update(a.clone()),
            None => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_binary() {
        assert!(!looks_binary(b"hello\nworld\t1\r\n"));
        assert!(looks_binary(b"PK\x03\x04\x00\x00"));
        assert!(!looks_binary("数据 文件\n".as_bytes()));
        let v = ViewForm::new("t".into(), b"a\tb\r\nc\x1bd, and more text".to_vec(), false);
        assert!(!v.hex);
        assert_eq!(v.lines, ["a       b", "c?d, and more text"]);
        let h = ViewForm::new("t".into(), (0u8..20).collect(), true);
        assert!(h.hex);
        assert_eq!(h.rows(), 2);
        let row = h.hex_row(1);
        assert!(row.starts_with("00000010  10 11 12 13    "), "{row}");
        assert!(row.ends_with("  |....|"), "{row}");
        // The text column starts at the same place in a short row as in a full one.
        assert_eq!(row.find('|'), h.hex_row(0).find('|'));
    }
}
