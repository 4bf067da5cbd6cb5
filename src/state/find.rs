//! Finding things in a pane: the order, hidden files, filter-as-you-type, go to a path, marks by
//! glob, and the back/forward history.

use super::action::{Effect, Key, KeyPress, Nav, Side};
use super::dialog::{Dialog, PromptFor, PromptForm, TextInput};
use super::{Panel, State};
use crate::i18n::t;
use crate::tr;

impl State {
    pub(super) fn sort_cycle(&mut self, side: Side) -> Vec<Effect> {
        let pane = self.pane_mut(side);
        let next = pane.sort.next();
        pane.set_sort(next);
        self.set_status(tr!("Sorted by {order}", order = next.label()), false);
        vec![]
    }

    pub(super) fn toggle_hidden(&mut self, side: Side) -> Vec<Effect> {
        let pane = self.pane_mut(side);
        pane.show_hidden = !pane.show_hidden;
        pane.rebuild_view();
        let text = if pane.show_hidden {
            t("Hidden files shown")
        } else {
            t("Hidden files hidden (. shows them)")
        };
        self.set_status(text, false);
        vec![]
    }

    pub(super) fn start_filter(&mut self, side: Side) -> Vec<Effect> {
        let pane = self.pane_mut(side);
        pane.filter_typing = true;
        if pane.filter.is_none() {
            pane.set_filter("");
        }
        vec![]
    }

    /// Whether the focused pane's filter line has the keyboard.
    pub(super) fn filtering(&self) -> bool {
        self.panel != Panel::Queue && self.pane(self.focus).filter_typing
    }

    /// A key while the filter line has the keyboard: text narrows the pane at once; arrows
    /// move in what is left; Enter keeps the filter and gives the keys back; Esc clears it.
    pub(super) fn filter_key(&mut self, key: KeyPress) -> Vec<Effect> {
        let rows = self.page_rows() as i64;
        let pane = self.pane_mut(self.focus);
        let mut query = pane
            .filter
            .as_ref()
            .map(|f| f.query.clone())
            .unwrap_or_default();
        match key.key {
            Key::Esc => {
                pane.filter_typing = false;
                pane.set_filter("");
                return vec![];
            }
            Key::Enter => {
                pane.filter_typing = false;
                if query.is_empty() {
                    pane.set_filter("");
                }
                return vec![];
            }
            Key::Up => pane.move_by(-1),
            Key::Down => pane.move_by(1),
            Key::PageUp => pane.move_by(-(rows - 1).max(1)),
            Key::PageDown => pane.move_by((rows - 1).max(1)),
            Key::Backspace => {
                query.pop();
                pane.set_filter(&query);
            }
            Key::Char('u') if key.ctrl => pane.set_filter(""),
            Key::Char(c) if !key.ctrl && !key.alt && !c.is_control() => {
                query.push(c);
                pane.set_filter(&query);
            }
            _ => {}
        }
        // An empty query while typing still shows the filter line.
        if pane.filter.is_none() {
            pane.filter = Some(super::pane::Finder::new(""));
        }
        self.keep_cursors_visible();
        vec![]
    }

    pub(super) fn start_goto(&mut self, side: Side) -> Vec<Effect> {
        if side == Side::Remote && !matches!(self.conn, super::Conn::Connected { .. }) {
            return self.not_connected();
        }
        let path = self.pane(side).path.clone();
        self.dialog = Some(Dialog::Prompt(PromptForm {
            side,
            purpose: PromptFor::GoTo,
            title: t("Go to").into(),
            label: t("Directory:").into(),
            // Selected: what is typed replaces it (an edit starts with a movement key).
            input: TextInput::selected(&path),
            error: None,
        }));
        vec![]
    }

    pub(super) fn start_glob(&mut self, side: Side, mark: bool) -> Vec<Effect> {
        self.dialog = Some(Dialog::Prompt(PromptForm {
            side,
            purpose: PromptFor::Glob(mark),
            title: if mark { t("Mark") } else { t("Unmark") }.into(),
            label: t("Names matching (* ? [abc]):").into(),
            input: TextInput::new("*"),
            error: None,
        }));
        vec![]
    }

    /// Go to a typed path: absolute, `~` for the home directory on the local side, or
    /// relative to the pane's directory.
    pub(super) fn goto(&mut self, side: Side, typed: &str) -> Vec<Effect> {
        let typed = typed.trim();
        let here = self.pane(side).path.clone();
        let target = match side {
            Side::Local => {
                let expanded = match typed.strip_prefix('~') {
                    Some(rest) if rest.is_empty() || rest.starts_with('/') => {
                        match directories::BaseDirs::new() {
                            Some(b) => format!("{}{rest}", b.home_dir().to_string_lossy()),
                            None => typed.to_string(),
                        }
                    }
                    _ => typed.to_string(),
                };
                std::path::Path::new(&here)
                    .join(expanded)
                    .to_string_lossy()
                    .into_owned()
            }
            Side::Remote if typed.starts_with('/') => typed.to_string(),
            Side::Remote => crate::paths::remote_join(&here, typed),
        };
        vec![self.list(side, Nav::To(target))]
    }

    /// Mark or unmark the shown entries whose names match `glob`.
    pub(super) fn apply_glob(&mut self, side: Side, glob: &str, mark: bool) -> Result<(), String> {
        let pattern =
            glob::Pattern::new(glob.trim()).map_err(|e| tr!("Not a glob: {error}", error = e))?;
        let pane = self.pane_mut(side);
        let names: Vec<String> = pane
            .rows()
            .filter(|e| e.name != ".." && pattern.matches(&e.name))
            .map(|e| e.name.clone())
            .collect();
        let n = names.len();
        for name in names {
            if mark {
                pane.marked.insert(name);
            } else {
                pane.marked.remove(&name);
            }
        }
        let total = pane.marked.len();
        self.set_status(
            if mark {
                tr!(
                    "Marked {n} entries matching {glob}; {total} marked",
                    n = n,
                    glob = glob,
                    total = total
                )
            } else {
                tr!(
                    "Unmarked {n} entries matching {glob}; {total} marked",
                    n = n,
                    glob = glob,
                    total = total
                )
            },
            false,
        );
        Ok(())
    }

    pub(super) fn history(&mut self, side: Side, back: bool) -> Vec<Effect> {
        let pane = self.pane_mut(side);
        let target = if back {
            pane.back.pop()
        } else {
            pane.forward.pop()
        };
        let Some(target) = target else {
            self.set_status(
                if back {
                    t("No directory before this one")
                } else {
                    t("No directory after this one")
                },
                false,
            );
            return vec![];
        };
        let here = pane.path.clone();
        if back {
            pane.forward.push(here.clone());
        } else {
            pane.back.push(here.clone());
        }
        pane.history_move = Some(back);
        // Coming back to a directory puts the cursor where we left it when that was a child.
        pane.select = super::last_component(side, &here).filter(|_| here.starts_with(&target));
        vec![self.list(side, Nav::To(target))]
    }
}
