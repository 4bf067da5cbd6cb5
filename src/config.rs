//! Configuration: the keymap (defaults from `assets/keymap.toml`, overlaid by the user's file in
//! the config directory) and where skiff's files live.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::state::{Action, Key, KeyPress};

const DEFAULT_KEYMAP: &str = include_str!("../assets/keymap.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    bindings: HashMap<Action, Vec<String>>,
}

/// Keys to actions, plus the reverse for the help screen. A key may name several actions: the
/// first that applies where the keyboard is (a pane or the queue) is taken, so `Delete`
/// deletes files in a pane and cancels a job in the queue.
#[derive(Debug, Clone)]
pub struct Keymap {
    map: HashMap<KeyPress, Vec<Action>>,
    /// Each action with its keys as written, in a stable order.
    pub listing: Vec<(Action, Vec<String>)>,
}

/// Parse one key name such as `ctrl-r`, `F5`, `PageDown`, `?`.
pub fn parse_key(s: &str) -> Result<KeyPress, String> {
    let mut ctrl = false;
    let mut alt = false;
    let mut rest = s;
    loop {
        let lower = rest.to_ascii_lowercase();
        if lower.starts_with("ctrl-") && rest.len() > 5 {
            ctrl = true;
            rest = &rest[5..];
        } else if lower.starts_with("alt-") && rest.len() > 4 {
            alt = true;
            rest = &rest[4..];
        } else {
            break;
        }
    }
    let mut chars = rest.chars();
    let key = match (chars.next(), chars.next()) {
        (Some(c), None) => Key::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
        _ => match rest.to_ascii_lowercase().as_str() {
            "up" => Key::Up,
            "down" => Key::Down,
            "left" => Key::Left,
            "right" => Key::Right,
            "pageup" | "pgup" => Key::PageUp,
            "pagedown" | "pgdn" => Key::PageDown,
            "home" => Key::Home,
            "end" => Key::End,
            "enter" => Key::Enter,
            "esc" => Key::Esc,
            "tab" => Key::Tab,
            "backtab" => Key::BackTab,
            "backspace" => Key::Backspace,
            "delete" | "del" => Key::Delete,
            "space" => Key::Char(' '),
            "insert" | "ins" => Key::Insert,
            f if f.starts_with('f') => match f[1..].parse::<u8>() {
                Ok(n @ 1..=12) => Key::F(n),
                _ => return Err(format!("unknown key {s:?}")),
            },
            _ => return Err(format!("unknown key {s:?}")),
        },
    };
    Ok(KeyPress { key, ctrl, alt })
}

fn action_order(a: &Action) -> usize {
    ACTION_HELP
        .iter()
        .position(|(x, _)| x == a)
        .unwrap_or(usize::MAX)
}

/// What each action does, for the help overlay (in the order shown).
pub const ACTION_HELP: &[(Action, &str)] = &[
    (Action::Up, "Move up"),
    (Action::Down, "Move down"),
    (Action::PageUp, "Page up"),
    (Action::PageDown, "Page down"),
    (Action::Home, "First entry"),
    (Action::End, "Last entry"),
    (Action::Open, "Open directory"),
    (Action::Parent, "Parent directory"),
    (Action::Refresh, "Re-read directory"),
    (Action::SwitchPane, "Switch pane"),
    (Action::Connect, "Connect to a server"),
    (Action::Bookmarks, "Bookmarks"),
    (Action::Mark, "Mark / queue: pause job"),
    (Action::Mkdir, "Make directory"),
    (Action::NewFile, "New empty file"),
    (Action::Rename, "Rename"),
    (Action::Delete, "Delete (asks first)"),
    (Action::Chmod, "Permissions (chmod)"),
    (Action::Info, "File info"),
    (Action::DirSize, "Size of marked / directory"),
    (Action::CopyPath, "Copy path or URL"),
    (Action::View, "View a file"),
    (Action::Edit, "Edit a file ($EDITOR)"),
    (Action::Menu, "Menu (also right click)"),
    (Action::SortCycle, "Sort: name/ext/size/time"),
    (Action::ToggleHidden, "Show/hide dot files"),
    (Action::Filter, "Filter as you type"),
    (Action::GoTo, "Go to a path"),
    (Action::MarkGlob, "Mark by glob"),
    (Action::UnmarkGlob, "Unmark by glob"),
    (Action::Back, "Back (history)"),
    (Action::Forward, "Forward (history)"),
    (Action::Compare, "Compare directories"),
    (Action::SyncBrowse, "Synchronised browsing"),
    (Action::SyncPreview, "Synchronise (preview)"),
    (Action::InvertMarks, "Invert marks"),
    (Action::Copy, "Copy to the other pane"),
    (Action::Move, "Move to the other pane"),
    (Action::ToggleQueue, "Show/hide the queue"),
    (Action::PauseAll, "Pause/resume all jobs"),
    (Action::CancelJob, "Queue: cancel job"),
    (Action::RetryJob, "Queue: retry job"),
    (Action::RetryFailed, "Retry all failed jobs"),
    (Action::JobUp, "Queue: move job up"),
    (Action::JobDown, "Queue: move job down"),
    (Action::ClearFinished, "Clear finished jobs"),
    (Action::QueueFilter, "Queue filter (cycle)"),
    (Action::CycleLog, "Log size (cycle)"),
    (Action::LogUp, "Scroll log back"),
    (Action::LogDown, "Scroll log forward"),
    (Action::Help, "This help"),
    (Action::Quit, "Quit"),
];

impl Keymap {
    fn from_file(f: KeymapFile) -> Result<Keymap, String> {
        let mut map = HashMap::new();
        let mut listing: Vec<(Action, Vec<String>)> = Vec::new();
        let mut bindings: Vec<(Action, Vec<String>)> = f.bindings.into_iter().collect();
        bindings.sort_by_key(|(a, _)| action_order(a));
        for (action, keys) in bindings {
            for k in &keys {
                let actions: &mut Vec<Action> = map.entry(parse_key(k)?).or_default();
                if !actions.contains(&action) {
                    actions.push(action.clone());
                }
            }
            listing.push((action, keys));
        }
        Ok(Keymap { map, listing })
    }

    /// The built-in keymap (the embedded file is covered by a test).
    pub fn defaults() -> Keymap {
        toml::from_str::<KeymapFile>(DEFAULT_KEYMAP)
            .map_err(|e| e.to_string())
            .and_then(Keymap::from_file)
            .unwrap_or_else(|_| Keymap {
                map: HashMap::new(),
                listing: Vec::new(),
            })
    }

    /// Defaults overlaid by `user` (a keymap.toml text). An action in the user file replaces
    /// that action's default keys.
    pub fn with_overlay(user: &str) -> Result<Keymap, String> {
        let base: KeymapFile = toml::from_str(DEFAULT_KEYMAP).map_err(|e| e.to_string())?;
        let over: KeymapFile = toml::from_str(user).map_err(|e| e.to_string())?;
        let mut bindings = base.bindings;
        for a in over.bindings.keys() {
            bindings.remove(a);
        }
        let mut k = Keymap::from_file(KeymapFile { bindings })?;
        // The user's keys win over any default that used the same key.
        let mine = Keymap::from_file(over)?;
        for (key, actions) in mine.map {
            let slot = k.map.entry(key).or_default();
            let rest: Vec<Action> = slot.drain(..).filter(|a| !actions.contains(a)).collect();
            *slot = actions;
            slot.extend(rest);
        }
        k.listing.extend(mine.listing);
        k.listing.sort_by_key(|(a, _)| action_order(a));
        Ok(k)
    }

    /// Load the user's keymap if there is one. A broken file yields the defaults and a message.
    pub fn load() -> (Keymap, Option<String>) {
        let Some(path) = config_dir().map(|d| d.join("keymap.toml")) else {
            return (Keymap::defaults(), None);
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => match Keymap::with_overlay(&text) {
                Ok(k) => (k, None),
                Err(e) => (
                    Keymap::defaults(),
                    Some(format!("{}: {e}; using the default keys", path.display())),
                ),
            },
            Err(_) => (Keymap::defaults(), None),
        }
    }

    /// The first action bound to `key`.
    pub fn get(&self, key: &KeyPress) -> Option<&Action> {
        self.map.get(key).and_then(|a| a.first())
    }

    /// Every action bound to `key`, the user's first.
    pub fn get_all(&self, key: &KeyPress) -> &[Action] {
        self.map.get(key).map_or(&[], |a| a.as_slice())
    }
}

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "skiff")
}

/// Where skiff keeps its state, such as the saved transfer queue (`~/.local/share/skiff`).
pub fn data_dir() -> Option<PathBuf> {
    project_dirs().map(|p| p.data_dir().to_path_buf())
}

/// Where skiff's configuration lives (`~/.config/skiff` on Linux).
pub fn config_dir() -> Option<PathBuf> {
    project_dirs().map(|p| p.config_dir().to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_cover_every_action() {
        let k = Keymap::defaults();
        for (a, _) in ACTION_HELP {
            assert!(k.listing.iter().any(|(x, _)| x == a), "{a:?} has no key");
        }
        assert_eq!(k.get(&KeyPress::plain(Key::Char('j'))), Some(&Action::Down));
        assert_eq!(k.get(&KeyPress::ctrl('r')), Some(&Action::Refresh));
        assert_eq!(k.get(&KeyPress::plain(Key::F(1))), Some(&Action::Help));
    }

    #[test]
    fn overlay_replaces_and_bad_files_are_errors() {
        // `x` is also the default for cancel_job: the user's binding wins.
        let k = Keymap::with_overlay("[bindings]\nquit = [\"x\"]\n").unwrap();
        assert_eq!(k.get(&KeyPress::plain(Key::Char('x'))), Some(&Action::Quit));
        assert_eq!(
            k.get_all(&KeyPress::plain(Key::Delete)),
            &[Action::Delete, Action::CancelJob]
        );
        assert_eq!(k.get(&KeyPress::plain(Key::Char('q'))), None);
        assert!(Keymap::with_overlay("[bindings]\nquit = [\"nokey\"]\n").is_err());
        assert!(Keymap::with_overlay("[bindings]\nexplode = [\"x\"]\n").is_err());
        assert!(Keymap::with_overlay("not toml").is_err());
        // A user binding goes first for its key; the defaults stay behind it.
        let k = Keymap::with_overlay("[bindings]\ninfo = [\"Delete\"]\n").unwrap();
        assert_eq!(
            k.get_all(&KeyPress::plain(Key::Delete)),
            &[Action::Info, Action::Delete, Action::CancelJob]
        );
    }

    #[test]
    fn a_default_key_shared_by_two_actions_serves_two_places() {
        let k = Keymap::defaults();
        let mut seen: HashMap<KeyPress, Action> = HashMap::new();
        for (a, keys) in &k.listing {
            for key in keys {
                let kp = parse_key(key).unwrap();
                if let Some(other) = seen.insert(kp, a.clone()) {
                    let apart = (other.queue_only() && a.pane_only())
                        || (other.pane_only() && a.queue_only());
                    assert!(apart, "{key} is bound to both {other:?} and {a:?}");
                }
            }
        }
    }

    #[test]
    fn key_names() {
        assert_eq!(parse_key("ctrl-R").unwrap(), KeyPress::ctrl('r'));
        assert_eq!(parse_key("F12").unwrap().key, Key::F(12));
        assert!(parse_key("F13").is_err());
        assert_eq!(parse_key("G").unwrap().key, Key::Char('G'));
    }
}
