//! The keymap: keys and chords to actions, the key names `config.toml` uses, and the help
//! overlay's list of actions. It is built from the `[keys]` tables the configuration read
//! (`config` sits below the actions and keeps them as written), and reports their mistakes by
//! line with the configuration's own.

use std::collections::{HashMap, HashSet};

use super::{Action, Key, KeyPress};
use crate::config::{Config, ConfigError, KeyEntry, KeysTable, array_of, str_of};
use crate::i18n::n_;

/// The configuration and the keymap its `[keys]` tables make.
#[derive(Debug, Clone)]
pub struct Settings {
    pub config: Config,
    pub keymap: Keymap,
}

impl Settings {
    /// The built-in settings (`assets/config.toml`; a test checks it has no mistakes).
    pub fn builtin() -> Settings {
        Settings::parse(None).0
    }

    /// The built-in settings overlaid by `user` (a config.toml text), and the mistakes found
    /// in it, in line order (each of those settings keeps its default).
    pub fn with_user(user: &str) -> (Settings, Vec<ConfigError>) {
        Settings::parse(Some(user))
    }

    /// The user's `config.toml`, if there is one ([`crate::config::load`]).
    pub fn load() -> (Settings, Vec<String>) {
        crate::config::load(Settings::parse)
    }

    fn parse(user: Option<&str>) -> (Settings, Vec<ConfigError>) {
        let (config, mut errors) = match user {
            Some(text) => Config::with_user(text),
            None => (Config::builtin(), Vec::new()),
        };
        let (keymap, key_errors) = Keymap::from_table(&config.keys);
        errors.extend(key_errors);
        errors.sort_by_key(|e| e.line);
        (Settings { config, keymap }, errors)
    }
}

/// The keys of one action while the tables are read: each binding with its line.
type Bindings = Vec<(Action, Vec<(String, usize)>)>;

/// One `[keys]` table over `bindings`; a mistake is reported and that action keeps its keys.
fn apply_keys(bindings: &mut Bindings, entries: &[KeyEntry], errors: &mut Vec<ConfigError>) {
    for e in entries {
        if let Err(message) = set_keys(bindings, &e.name, e.value.clone(), e.line) {
            errors.push(ConfigError {
                line: e.line,
                message: format!("keys.{}: {message}", e.name),
            });
        }
    }
}

fn set_keys(
    bindings: &mut Bindings,
    name: &str,
    v: toml::Value,
    line: usize,
) -> Result<(), String> {
    let action: Action = toml::Value::String(name.to_string())
        .try_into()
        .map_err(|_| "no such action (the list is in skiff --print-default-config)".to_string())?;
    if !ACTION_HELP.iter().any(|(a, _)| *a == action) {
        return Err("no such action".into());
    }
    let mut keys = Vec::new();
    for k in array_of(&v)? {
        let k = str_of(k)?;
        parse_chord(k)?;
        keys.push((k.to_string(), line));
    }
    match bindings.iter_mut().find(|(a, _)| *a == action) {
        Some(slot) => slot.1 = keys,
        None => bindings.push((action, keys)),
    }
    Ok(())
}

/// Keys to actions, plus the reverse for the help screen. A binding is one key or a chord
/// (keys pressed one after the other). A key may name several actions: the first that applies
/// where the keyboard is (a pane or the queue) is taken, so `Delete` deletes files in a pane
/// and cancels a job in the queue.
#[derive(Debug, Clone)]
pub struct Keymap {
    map: HashMap<Vec<KeyPress>, Vec<Action>>,
    /// Every proper prefix of a chord.
    prefixes: HashSet<Vec<KeyPress>>,
    /// Each action with its keys as written, in the help overlay's order.
    pub listing: Vec<(Action, Vec<String>)>,
}

/// What a key press means, given the keys pressed before it.
#[derive(Debug, PartialEq, Eq)]
pub enum Chord<'a> {
    /// These actions (the first that fits where the keyboard is wins).
    Actions(&'a [Action]),
    /// The start of a chord: wait for the next key.
    Pending,
    /// Nothing is bound to it.
    Unbound,
}

/// Parse a binding: one key, or keys separated by spaces (`"ctrl-x d"`).
pub fn parse_chord(s: &str) -> Result<Vec<KeyPress>, String> {
    let keys = if s == " " {
        vec![parse_key("space")?]
    } else {
        s.split_whitespace()
            .map(parse_key)
            .collect::<Result<Vec<_>, _>>()?
    };
    if keys.is_empty() {
        return Err("an empty key".into());
    }
    if keys.len() > 4 {
        return Err(format!("{s:?}: a chord has at most 4 keys"));
    }
    Ok(keys)
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
    (Action::Up, n_("Move up")),
    (Action::Down, n_("Move down")),
    (Action::PageUp, n_("Page up")),
    (Action::PageDown, n_("Page down")),
    (Action::Home, n_("First entry")),
    (Action::End, n_("Last entry")),
    (Action::Open, n_("Open directory")),
    (Action::Parent, n_("Parent directory")),
    (Action::Refresh, n_("Re-read directory")),
    (Action::SwitchPane, n_("Switch pane")),
    (Action::Connect, n_("Connect to a server")),
    (Action::Bookmarks, n_("Bookmarks")),
    (Action::Mark, n_("Mark / queue: pause job")),
    (Action::Mkdir, n_("Make directory")),
    (Action::NewFile, n_("New empty file")),
    (Action::Rename, n_("Rename")),
    (Action::Delete, n_("Delete (asks first)")),
    (Action::Chmod, n_("Permissions (chmod)")),
    (Action::Info, n_("File info")),
    (Action::DirSize, n_("Size of marked / directory")),
    (Action::CopyPath, n_("Copy path or URL")),
    (Action::View, n_("View a file")),
    (Action::Edit, n_("Edit a file ($EDITOR)")),
    (Action::Menu, n_("Menu (also right click)")),
    (Action::SortCycle, n_("Sort: name/ext/size/time")),
    (Action::ToggleHidden, n_("Show/hide dot files")),
    (Action::Filter, n_("Filter as you type")),
    (Action::GoTo, n_("Go to a path")),
    (Action::MarkGlob, n_("Mark by glob")),
    (Action::UnmarkGlob, n_("Unmark by glob")),
    (Action::Back, n_("Back (history)")),
    (Action::Forward, n_("Forward (history)")),
    (Action::Compare, n_("Compare directories")),
    (
        Action::CompareContent,
        n_("Compare same-size files by content (checksums)"),
    ),
    (Action::SyncBrowse, n_("Synchronised browsing")),
    (Action::RateLimit, n_("Bandwidth limit (all transfers)")),
    (
        Action::KeepUpToDate,
        n_("Keep the server's directory up to date (on/off)"),
    ),
    (Action::SyncPreview, n_("Synchronise (preview)")),
    (Action::InvertMarks, n_("Invert marks")),
    (Action::Copy, n_("Copy to the other pane")),
    (Action::Move, n_("Move to the other pane")),
    (Action::ToggleQueue, n_("Show/hide the queue")),
    (Action::PauseAll, n_("Pause/resume all jobs")),
    (Action::CancelJob, n_("Queue: cancel job")),
    (Action::RetryJob, n_("Queue: retry job")),
    (Action::RetryFailed, n_("Retry all failed jobs")),
    (Action::JobUp, n_("Queue: move job up")),
    (Action::JobDown, n_("Queue: move job down")),
    (Action::ClearFinished, n_("Clear finished jobs")),
    (Action::QueueFilter, n_("Queue filter (cycle)")),
    (Action::CycleLog, n_("Log size (cycle)")),
    (Action::LogFocus, n_("Log: find, filter, save, explain")),
    (
        Action::ServerFacts,
        n_("Server facts (FEAT, TLS, round trip)"),
    ),
    (Action::TransferMode, n_("Transfer type: binary/ASCII/auto")),
    (Action::LogUp, n_("Scroll log back")),
    (Action::LogDown, n_("Scroll log forward")),
    (Action::Console, n_("Command line (FTP commands)")),
    (Action::Cancel, n_("Stop connecting")),
    (Action::Help, n_("This help")),
    (Action::Quit, n_("Quit")),
];

impl Keymap {
    fn empty() -> Keymap {
        Keymap {
            map: HashMap::new(),
            prefixes: HashSet::new(),
            listing: Vec::new(),
        }
    }

    /// Build from the bindings read. The actions the user bound go first for their keys, so
    /// their keys win over a default that used the same key. A chord that starts with a key
    /// bound on its own could never be typed: it is reported and left out.
    fn build(bindings: &Bindings, user: &[Action], errors: &mut Vec<ConfigError>) -> Keymap {
        let mut k = Keymap::empty();
        let mut sorted: Vec<&(Action, Vec<(String, usize)>)> = bindings.iter().collect();
        sorted.sort_by_key(|(a, _)| (!user.contains(a), action_order(a)));
        let mut chords: Vec<(Vec<KeyPress>, &str, usize, &Action)> = Vec::new();
        for (action, keys) in &sorted {
            for (text, line) in keys {
                if let Ok(c) = parse_chord(text) {
                    chords.push((c, text, *line, action));
                }
            }
        }
        let singles: HashMap<&[KeyPress], &Action> = chords
            .iter()
            .filter(|(c, ..)| c.len() == 1)
            .map(|(c, _, _, a)| (c.as_slice(), *a))
            .collect();
        let mut dropped: HashSet<(usize, &str)> = HashSet::new();
        for (c, text, line, action) in &chords {
            // A chord whose beginning is itself bound to something.
            let clash = (1..c.len()).find_map(|n| {
                let head = &c[..n];
                singles.get(head).map(|a| (head.len(), *a)).or_else(|| {
                    chords
                        .iter()
                        .find(|(o, ..)| o.as_slice() == head)
                        .map(|(_, _, _, a)| (n, *a))
                })
            });
            if let Some((n, other)) = clash {
                let head: Vec<&str> = text.split_whitespace().take(n).collect();
                errors.push(ConfigError {
                    line: *line,
                    message: format!(
                        "keys.{}: {text:?} starts with {:?}, which is bound to {}; left out",
                        action_name(action),
                        head.join(" "),
                        action_name(other)
                    ),
                });
                dropped.insert((*line, text));
                continue;
            }
            let actions = k.map.entry(c.clone()).or_default();
            if !actions.contains(action) {
                actions.push((*action).clone());
            }
            for n in 1..c.len() {
                k.prefixes.insert(c[..n].to_vec());
            }
        }
        let mut listing: Vec<(Action, Vec<String>)> = bindings
            .iter()
            .map(|(a, keys)| {
                let shown = keys
                    .iter()
                    .filter(|(t, l)| !dropped.contains(&(*l, t.as_str())))
                    .map(|(t, _)| t.clone())
                    .collect();
                (a.clone(), shown)
            })
            .collect();
        listing.sort_by_key(|(a, _)| action_order(a));
        k.listing = listing;
        k
    }

    /// The built-in keymap.
    pub fn defaults() -> Keymap {
        Settings::builtin().keymap
    }

    /// The keymap the `[keys]` tables make, and their mistakes: the built-in table, then the
    /// user's over it action by action (a setting with a mistake keeps the default).
    pub fn from_table(table: &KeysTable) -> (Keymap, Vec<ConfigError>) {
        let mut bindings: Bindings = Vec::new();
        let mut ignored = Vec::new();
        apply_keys(&mut bindings, &table.builtin, &mut ignored);
        let before = bindings.clone();
        let mut errors = Vec::new();
        apply_keys(&mut bindings, &table.user, &mut errors);
        let user_actions: Vec<Action> = bindings
            .iter()
            .filter(|b| !before.contains(b))
            .map(|(a, _)| a.clone())
            .collect();
        let keymap = Keymap::build(&bindings, &user_actions, &mut errors);
        (keymap, errors)
    }

    /// The first action bound to `key` on its own.
    pub fn get(&self, key: &KeyPress) -> Option<&Action> {
        self.get_all(key).first()
    }

    /// Every action bound to `key` on its own, the user's first.
    pub fn get_all(&self, key: &KeyPress) -> &[Action] {
        self.map
            .get(std::slice::from_ref(key))
            .map_or(&[], |a| a.as_slice())
    }

    /// What `key` means after the keys in `pending` (the start of a chord). `pending` is kept
    /// while a chord is incomplete and emptied otherwise; Esc abandons a chord.
    pub fn resolve(&self, pending: &mut Vec<KeyPress>, key: KeyPress) -> Chord<'_> {
        if !pending.is_empty() && key == KeyPress::plain(Key::Esc) {
            pending.clear();
            return Chord::Unbound;
        }
        pending.push(key);
        if self.prefixes.contains(pending.as_slice()) {
            return Chord::Pending;
        }
        let found = self.map.get(pending.as_slice());
        pending.clear();
        match found {
            Some(a) => Chord::Actions(a),
            None => Chord::Unbound,
        }
    }
}

/// An action's name as the configuration writes it.
pub fn action_name(a: &Action) -> String {
    toml::Value::try_from(a)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{a:?}"))
}

impl Keymap {
    /// The key to show for `action` on a key bar: `preferred` (a binding as written) while it
    /// is bound to it, else the first key the keymap in effect binds to it, as written; `None`
    /// when nothing is.
    pub fn key_for(&self, action: &Action, preferred: &str) -> Option<String> {
        let bound = parse_chord(preferred)
            .ok()
            .and_then(|keys| self.map.get(&keys))
            .is_some_and(|actions| actions.contains(action));
        if bound {
            return Some(preferred.to_string());
        }
        self.listing
            .iter()
            .find(|(a, _)| a == action)
            .and_then(|(_, keys)| keys.first().cloned())
    }
}

/// The keys of a chord as the help overlay and the status line show them.
pub fn chord_label(keys: &[KeyPress]) -> String {
    keys.iter().map(key_label).collect::<Vec<_>>().join(" ")
}

fn key_label(k: &KeyPress) -> String {
    let mut s = String::new();
    if k.ctrl {
        s.push_str("ctrl-");
    }
    if k.alt {
        s.push_str("alt-");
    }
    match k.key {
        Key::Char(' ') => s.push_str("Space"),
        Key::Char(c) => s.push(c),
        Key::F(n) => s.push_str(&format!("F{n}")),
        other => s.push_str(&format!("{other:?}")),
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> (Settings, Vec<ConfigError>) {
        Settings::with_user(text)
    }

    #[test]
    fn the_shipped_keys_have_no_mistakes_and_bind_everything() {
        let mut b = Vec::new();
        let mut errors = Vec::new();
        apply_keys(&mut b, &Config::builtin().keys.builtin, &mut errors);
        assert_eq!(errors, vec![]);
        let k = Keymap::build(&b, &[], &mut errors);
        assert_eq!(errors, vec![]);
        for (a, _) in ACTION_HELP {
            assert!(
                k.listing.iter().any(|(x, keys)| x == a && !keys.is_empty()),
                "{a:?} has no key"
            );
        }
        assert_eq!(k.get(&KeyPress::plain(Key::Char('j'))), Some(&Action::Down));
        assert_eq!(k.get(&KeyPress::ctrl('r')), Some(&Action::Refresh));
        assert_eq!(k.get(&KeyPress::plain(Key::F(1))), Some(&Action::Help));
    }

    #[test]
    fn mistakes_are_reported_with_their_line_and_keep_the_default() {
        let (c, errors) = user(
            "[panes]\nsort = \"colour\"\ncolumns = [\"size\", \"owner\"]\n\n[theme]\ndir = \"blurple\"\n\
             nope = \"red\"\n[transfer]\nparallel = 99\n[keys]\nquit = [\"nokey\"]\nexplode = [\"x\"]\n\
             [colours]\na = 1\n",
        );
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, vec![2, 3, 6, 7, 9, 11, 12, 13], "{errors:#?}");
        assert!(errors[0].message.contains("panes.sort") && errors[0].message.contains("colour"));
        assert!(
            errors[2]
                .to_string()
                .starts_with("line 6: theme.dir: unknown colour \"blurple\"")
        );
        let d = Config::builtin();
        assert_eq!(c.config.sort, d.sort);
        assert_eq!(c.config.look.columns, d.look.columns);
        assert_eq!(c.config.look.theme.dir, d.look.theme.dir);
        assert_eq!(c.config.transfer.parallel, 4);
        assert_eq!(
            c.keymap.get(&KeyPress::plain(Key::Char('q'))),
            Some(&Action::Quit)
        );
        // A file that is not TOML at all: its line, and every default.
        let (c, errors) = user("[panes]\nsort = \"size\"\nthis is not toml\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 3, "{errors:?}");
        assert!(
            errors[0].message.contains("the whole file is ignored"),
            "{errors:?}"
        );
        assert_eq!(c.config.sort, d.sort);
    }

    #[test]
    fn keys_overlay_per_action_and_the_users_keys_win() {
        // `x` is also the default for cancel_job: the user's binding goes first.
        let (k, e) = user("[keys]\nquit = [\"x\"]\n");
        assert_eq!(e, vec![]);
        let k = k.keymap;
        assert_eq!(k.get(&KeyPress::plain(Key::Char('x'))), Some(&Action::Quit));
        assert_eq!(
            k.get_all(&KeyPress::plain(Key::Delete)),
            &[Action::Delete, Action::CancelJob]
        );
        assert_eq!(k.get(&KeyPress::plain(Key::Char('q'))), None);
        let (k, _) = user("[keys]\ninfo = [\"Delete\"]\n");
        assert_eq!(
            k.keymap.get_all(&KeyPress::plain(Key::Delete)),
            &[Action::Info, Action::Delete, Action::CancelJob]
        );
        // [] unbinds.
        let (k, _) = user("[keys]\nhelp = []\n");
        assert_eq!(k.keymap.get(&KeyPress::plain(Key::Char('?'))), None);
        assert!(
            k.keymap
                .listing
                .iter()
                .any(|(a, keys)| *a == Action::Help && keys.is_empty())
        );
    }

    #[test]
    fn chords_wait_for_their_second_key() {
        let (c, errors) =
            user("[keys]\nmkdir = [\"F7\", \"ctrl-x d\"]\nquit = [\"ctrl-x ctrl-c\"]\n");
        assert_eq!(errors, vec![]);
        let k = c.keymap;
        let mut pending = Vec::new();
        assert_eq!(k.resolve(&mut pending, KeyPress::ctrl('x')), Chord::Pending);
        assert_eq!(chord_label(&pending), "ctrl-x");
        assert_eq!(
            k.resolve(&mut pending, KeyPress::plain(Key::Char('d'))),
            Chord::Actions(&[Action::Mkdir])
        );
        assert!(pending.is_empty());
        assert_eq!(k.resolve(&mut pending, KeyPress::ctrl('x')), Chord::Pending);
        assert_eq!(
            k.resolve(&mut pending, KeyPress::ctrl('c')),
            Chord::Actions(&[Action::Quit])
        );
        // A key that ends no chord, and Esc, abandon it.
        k.resolve(&mut pending, KeyPress::ctrl('x'));
        assert_eq!(
            k.resolve(&mut pending, KeyPress::plain(Key::Char('z'))),
            Chord::Unbound
        );
        assert!(pending.is_empty());
        k.resolve(&mut pending, KeyPress::ctrl('x'));
        assert_eq!(
            k.resolve(&mut pending, KeyPress::plain(Key::Esc)),
            Chord::Unbound
        );
        assert!(pending.is_empty());
        assert_eq!(
            k.resolve(&mut pending, KeyPress::plain(Key::Char('j'))),
            Chord::Actions(&[Action::Down])
        );
        assert!(
            k.listing
                .iter()
                .any(|(a, keys)| *a == Action::Mkdir && keys == &["F7", "ctrl-x d"])
        );
        // A chord that starts with a key bound on its own cannot be typed.
        let (c, errors) = user("[keys]\nmkdir = [\"F7\", \"j d\"]\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2);
        assert!(errors[0].message.contains("bound to down"), "{errors:?}");
        assert_eq!(
            c.keymap.get(&KeyPress::plain(Key::F(7))),
            Some(&Action::Mkdir)
        );
        assert!(
            c.keymap
                .listing
                .iter()
                .any(|(a, keys)| *a == Action::Mkdir && keys == &["F7"])
        );
    }

    #[test]
    fn a_default_key_shared_by_two_actions_serves_two_places() {
        let k = Keymap::defaults();
        let mut seen: HashMap<Vec<KeyPress>, Action> = HashMap::new();
        for (a, keys) in &k.listing {
            for key in keys {
                let kp = parse_chord(key).unwrap();
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
        assert_eq!(parse_chord("ctrl-x  d").unwrap().len(), 2);
        assert!(parse_chord("").is_err());
        assert_eq!(action_name(&Action::SyncPreview), "sync_preview");
    }
}
