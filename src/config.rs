//! Configuration: `assets/config.toml` holds every default and is built into the binary; the
//! user's `config.toml` in the config directory overlays it setting by setting. A mistake in
//! the user's file is reported with its line and that setting keeps its default.

use std::collections::{BTreeMap, HashMap, HashSet};

use ratatui::style::{Color, Modifier, Style};
use toml::Spanned;

use crate::fs::sort::{Sort, SortBy};
use crate::i18n::Lang;
use crate::i18n::n_;
use crate::state::{Action, Key, KeyPress};
use crate::transfer::OnExists;

/// The documented defaults, as shipped.
pub const DEFAULT_CONFIG: &str = include_str!("../assets/config.toml");

/// An optional pane column (the name is always shown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    Size,
    Time,
    Perms,
}

macro_rules! theme {
    ($($field:ident),* $(,)?) => {
        /// Styles of everything skiff colours, by the names `[theme]` uses.
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        pub struct Theme {
            $(pub $field: Style,)*
        }

        impl Theme {
            /// Every style's name, as in `[theme]`.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($field)),*];

            fn set(&mut self, name: &str, style: Style) -> bool {
                match name {
                    $(stringify!($field) => self.$field = style,)*
                    _ => return false,
                }
                true
            }
        }
    };
}

theme!(
    file,
    dir,
    link,
    special,
    marked,
    cursor,
    filter_match,
    header,
    border_focused,
    border,
    diff_only,
    diff_newer,
    diff_older,
    diff_differs,
    log_command,
    log_info,
    log_warn,
    log_error,
    reply_1xx,
    reply_2xx,
    reply_3xx,
    reply_4xx,
    reply_5xx,
    reply_6xx,
    queue_queued,
    queue_running,
    queue_done,
    queue_failed,
    queue_waiting,
    queue_paused,
    queue_skipped,
    dialog_border,
    selected,
    hint,
    faint,
    error,
    key,
);

/// Parse a style: colours and modifiers separated by spaces, `on` before a background colour
/// (`"black on cyan bold"`, `"#ff8700 underlined"`, `""`).
pub fn parse_style(s: &str) -> Result<Style, String> {
    let mut style = Style::new();
    let mut words = s.split_whitespace();
    while let Some(w) = words.next() {
        let lower = w.to_ascii_lowercase();
        let m = match lower.as_str() {
            "bold" => Some(Modifier::BOLD),
            "dim" => Some(Modifier::DIM),
            "italic" => Some(Modifier::ITALIC),
            "underlined" | "underline" => Some(Modifier::UNDERLINED),
            "reversed" | "reverse" => Some(Modifier::REVERSED),
            _ => None,
        };
        if let Some(m) = m {
            style = style.add_modifier(m);
        } else if lower == "on" {
            let Some(c) = words.next() else {
                return Err(format!("{s:?}: a colour must follow \"on\""));
            };
            style = style.bg(parse_color(c)?);
        } else {
            style = style.fg(parse_color(w)?);
        }
    }
    Ok(style)
}

fn parse_color(s: &str) -> Result<Color, String> {
    let lower = s.to_ascii_lowercase();
    let c = match lower.replace(['-', '_'], "").as_str() {
        "default" | "reset" => Color::Reset,
        "grey" => Color::Gray,
        "darkgrey" => Color::DarkGray,
        other => other.parse::<Color>().map_err(|_| {
            format!("unknown colour {s:?} (a name such as light-red, a number 0-255, or #rrggbb)")
        })?,
    };
    Ok(c)
}

/// How things look: the theme and the pane columns. The UI reads it from [`look`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Look {
    pub theme: Theme,
    pub columns: Vec<Column>,
}

thread_local! {
    static LOOK: std::cell::RefCell<std::rc::Rc<Look>> =
        std::cell::RefCell::new(std::rc::Rc::new(Config::builtin().look));
}

/// The look the UI draws with on this thread (the built-in one unless [`set_look`] was called).
pub fn look() -> std::rc::Rc<Look> {
    LOOK.with(|l| l.borrow().clone())
}

/// Draw with `look` on this thread from now on.
pub fn set_look(look: Look) {
    LOOK.with(|l| *l.borrow_mut() = std::rc::Rc::new(look));
}

/// Which confirmations are asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Confirmations {
    pub delete: bool,
    pub quit: bool,
    pub upload_edited: bool,
}

impl Default for Confirmations {
    fn default() -> Self {
        Confirmations {
            delete: true,
            quit: true,
            upload_edited: true,
        }
    }
}

/// Transfer settings the TUI starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransferDefaults {
    pub parallel: usize,
    pub on_exists: OnExists,
    pub attempts: u32,
    pub mode: crate::transfer::TransferMode,
}

/// Everything `config.toml` sets.
#[derive(Debug, Clone)]
pub struct Config {
    pub keymap: Keymap,
    pub look: Look,
    /// `None`: from the environment.
    pub lang: Option<Lang>,
    pub sort: Sort,
    pub show_hidden: bool,
    pub confirm: Confirmations,
    pub transfer: TransferDefaults,
}

/// A mistake in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// 1-based; 0 when the place is not known.
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: {}", self.line, self.message)
        } else {
            f.write_str(&self.message)
        }
    }
}

type Table = BTreeMap<Spanned<String>, Spanned<toml::Value>>;
type Doc = BTreeMap<Spanned<String>, Spanned<Table>>;

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The keys of one action while a configuration is read: each binding with its line.
type Bindings = Vec<(Action, Vec<(String, usize)>)>;

impl Config {
    fn skeleton() -> Config {
        Config {
            keymap: Keymap::empty(),
            look: Look {
                theme: Theme::default(),
                columns: vec![Column::Size, Column::Time, Column::Perms],
            },
            lang: None,
            sort: Sort::default(),
            show_hidden: true,
            confirm: Confirmations::default(),
            transfer: TransferDefaults {
                parallel: 4,
                on_exists: OnExists::Ask,
                attempts: 5,
                mode: crate::transfer::TransferMode::Binary,
            },
        }
    }

    /// The built-in configuration (`assets/config.toml`; a test checks it has no mistakes).
    pub fn builtin() -> Config {
        Config::parse_over(None).0
    }

    /// The built-in configuration overlaid by `user` (a config.toml text), and the mistakes
    /// found in it (each of those settings keeps its default).
    pub fn with_user(user: &str) -> (Config, Vec<ConfigError>) {
        Config::parse_over(Some(user))
    }

    fn parse_over(user: Option<&str>) -> (Config, Vec<ConfigError>) {
        let mut c = Config::skeleton();
        let mut bindings: Bindings = Vec::new();
        let mut ignored = Vec::new();
        c.apply(DEFAULT_CONFIG, &mut bindings, &mut ignored);
        let mut user_actions = Vec::new();
        let mut errors = Vec::new();
        if let Some(text) = user {
            let before: Vec<(Action, Vec<(String, usize)>)> = bindings.clone();
            c.apply(text, &mut bindings, &mut errors);
            user_actions = bindings
                .iter()
                .filter(|b| !before.contains(b))
                .map(|(a, _)| a.clone())
                .collect();
        }
        c.keymap = Keymap::build(&bindings, &user_actions, &mut errors);
        errors.sort_by_key(|e| e.line);
        (c, errors)
    }

    /// Read `config.toml` from the config directory, if there is one. Mistakes come back as
    /// messages naming the file and the line.
    pub fn load() -> (Config, Vec<String>) {
        let Some(path) = crate::paths::config_dir().map(|d| d.join("config.toml")) else {
            return (Config::builtin(), Vec::new());
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let (c, errors) = Config::with_user(&text);
                let shown = errors
                    .iter()
                    .map(|e| {
                        if e.message.contains("the whole file is ignored") {
                            format!("{}: {e}", path.display())
                        } else {
                            format!("{}: {e}; using the default", path.display())
                        }
                    })
                    .collect();
                (c, shown)
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::builtin(), Vec::new()),
            Err(e) => (
                Config::builtin(),
                vec![format!("{}: {e}; using the defaults", path.display())],
            ),
        }
    }

    fn apply(&mut self, text: &str, bindings: &mut Bindings, errors: &mut Vec<ConfigError>) {
        let doc: Doc = match toml::from_str(text) {
            Ok(d) => d,
            Err(e) => {
                let line = e.span().map_or(0, |s| line_of(text, s.start));
                // Nothing of a file that does not parse is used: say so, not just this line.
                let message = format!(
                    "{}; the whole file is ignored until this is fixed",
                    e.message().trim()
                );
                errors.push(ConfigError { line, message });
                return;
            }
        };
        for (section, table) in doc {
            let sline = line_of(text, section.span().start);
            let table = table.into_inner();
            for (key, value) in table {
                let line = line_of(text, key.span().start);
                let name = key.into_inner();
                let value = value.into_inner();
                let r = match section.get_ref().as_str() {
                    "ui" => self.set_ui(&name, value),
                    "panes" => self.set_panes(&name, value),
                    "confirm" => self.set_confirm(&name, value),
                    "transfer" => self.set_transfer(&name, value),
                    "theme" => self.set_theme(&name, value),
                    "keys" => set_keys(bindings, &name, value, line),
                    other => {
                        errors.push(ConfigError {
                            line: sline,
                            message: format!(
                                "unknown section [{other}] (there are [ui], [panes], [confirm], \
                                 [transfer], [theme] and [keys])"
                            ),
                        });
                        break;
                    }
                };
                if let Err(message) = r {
                    errors.push(ConfigError {
                        line,
                        message: format!("{}.{name}: {message}", section.get_ref()),
                    });
                }
            }
        }
    }

    fn set_ui(&mut self, name: &str, v: toml::Value) -> Result<(), String> {
        match name {
            "lang" => {
                self.lang = match str_of(&v)? {
                    "auto" => None,
                    "en" => Some(Lang::En),
                    "zh" => Some(Lang::Zh),
                    other => return Err(format!("{other:?} is not \"auto\", \"en\" or \"zh\"")),
                }
            }
            _ => return Err(unknown(name, &["lang"])),
        }
        Ok(())
    }

    fn set_panes(&mut self, name: &str, v: toml::Value) -> Result<(), String> {
        match name {
            "columns" => {
                let mut cols = Vec::new();
                for c in array_of(&v)? {
                    let col = match str_of(c)? {
                        "size" => Column::Size,
                        "time" => Column::Time,
                        "perms" => Column::Perms,
                        other => {
                            return Err(format!(
                                "{other:?} is not a column (\"size\", \"time\", \"perms\")"
                            ));
                        }
                    };
                    if cols.contains(&col) {
                        return Err(format!("{col:?} is listed twice").to_lowercase());
                    }
                    cols.push(col);
                }
                self.look.columns = cols;
            }
            "sort" => {
                self.sort.by = match str_of(&v)? {
                    "name" => SortBy::Name,
                    "ext" => SortBy::Ext,
                    "size" => SortBy::Size,
                    "time" => SortBy::Time,
                    other => {
                        return Err(format!(
                            "{other:?} is not \"name\", \"ext\", \"size\" or \"time\""
                        ));
                    }
                }
            }
            "descending" => self.sort.desc = bool_of(&v)?,
            "show_hidden" => self.show_hidden = bool_of(&v)?,
            _ => {
                return Err(unknown(
                    name,
                    &["columns", "sort", "descending", "show_hidden"],
                ));
            }
        }
        Ok(())
    }

    fn set_confirm(&mut self, name: &str, v: toml::Value) -> Result<(), String> {
        let b = bool_of(&v)?;
        match name {
            "delete" => self.confirm.delete = b,
            "quit" => self.confirm.quit = b,
            "upload_edited" => self.confirm.upload_edited = b,
            _ => return Err(unknown(name, &["delete", "quit", "upload_edited"])),
        }
        Ok(())
    }

    fn set_transfer(&mut self, name: &str, v: toml::Value) -> Result<(), String> {
        match name {
            "parallel" => self.transfer.parallel = int_in(&v, 1, 16)? as usize,
            "attempts" => self.transfer.attempts = int_in(&v, 1, 100)? as u32,
            "mode" => {
                let s = str_of(&v)?;
                self.transfer.mode = crate::transfer::TransferMode::parse(s)
                    .filter(|_| matches!(s, "binary" | "ascii" | "auto"))
                    .ok_or_else(|| format!("{s:?} is not \"binary\", \"ascii\" or \"auto\""))?;
            }
            "on_exists" => {
                let s = str_of(&v)?;
                self.transfer.on_exists = OnExists::parse(s).ok_or_else(|| {
                    format!("{s:?} is not one of ask, overwrite, newer, size, resume, skip, rename")
                })?;
            }
            _ => {
                return Err(unknown(
                    name,
                    &["parallel", "on_exists", "attempts", "mode"],
                ));
            }
        }
        Ok(())
    }

    fn set_theme(&mut self, name: &str, v: toml::Value) -> Result<(), String> {
        let style = parse_style(str_of(&v)?)?;
        if self.look.theme.set(name, style) {
            Ok(())
        } else {
            Err(format!(
                "no such style (there are: {})",
                Theme::NAMES.join(", ")
            ))
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

fn unknown(name: &str, known: &[&str]) -> String {
    format!("unknown setting {name:?} (known: {})", known.join(", "))
}

fn str_of(v: &toml::Value) -> Result<&str, String> {
    v.as_str()
        .ok_or_else(|| format!("expected a string, found {}", v.type_str()))
}

fn bool_of(v: &toml::Value) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("expected true or false, found {}", v.type_str()))
}

fn array_of(v: &toml::Value) -> Result<&Vec<toml::Value>, String> {
    v.as_array().ok_or_else(|| {
        format!(
            "expected a list such as [\"a\", \"b\"], found {}",
            v.type_str()
        )
    })
}

fn int_in(v: &toml::Value, lo: i64, hi: i64) -> Result<i64, String> {
    match v.as_integer() {
        Some(n) if (lo..=hi).contains(&n) => Ok(n),
        Some(n) => Err(format!("{n} is not between {lo} and {hi}")),
        None => Err(format!("expected a number, found {}", v.type_str())),
    }
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
    (Action::SyncBrowse, n_("Synchronised browsing")),
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
        Config::builtin().keymap
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

    fn user(text: &str) -> (Config, Vec<ConfigError>) {
        Config::with_user(text)
    }

    #[test]
    fn the_shipped_file_has_no_mistakes_and_sets_everything() {
        let mut c = Config::skeleton();
        let mut b = Vec::new();
        let mut errors = Vec::new();
        c.apply(DEFAULT_CONFIG, &mut b, &mut errors);
        assert_eq!(errors, vec![]);
        let k = Keymap::build(&b, &[], &mut errors);
        assert_eq!(errors, vec![]);
        for (a, _) in ACTION_HELP {
            assert!(
                k.listing.iter().any(|(x, keys)| x == a && !keys.is_empty()),
                "{a:?} has no key"
            );
        }
        // Every style is named in [theme].
        let doc: toml::Table = toml::from_str(DEFAULT_CONFIG).unwrap();
        let theme = doc["theme"].as_table().unwrap();
        for n in Theme::NAMES {
            assert!(theme.contains_key(*n), "[theme] has no {n}");
        }
        assert_eq!(
            c.look.theme.cursor,
            Style::new()
                .fg(Color::Black)
                .bg(Color::Cyan)
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(k.get(&KeyPress::plain(Key::Char('j'))), Some(&Action::Down));
        assert_eq!(k.get(&KeyPress::ctrl('r')), Some(&Action::Refresh));
        assert_eq!(k.get(&KeyPress::plain(Key::F(1))), Some(&Action::Help));
    }

    #[test]
    fn a_user_file_overlays_setting_by_setting() {
        let (c, errors) = user(
            "[panes]\ncolumns = [\"time\"]\nsort = \"size\"\ndescending = true\nshow_hidden = false\n\
             [theme]\ndir = \"#ff8700 italic\"\n[confirm]\ndelete = false\n\
             [transfer]\nparallel = 8\non_exists = \"resume\"\n[ui]\nlang = \"zh\"\n",
        );
        assert_eq!(errors, vec![]);
        assert_eq!(c.look.columns, vec![Column::Time]);
        assert_eq!(
            c.sort,
            Sort {
                by: SortBy::Size,
                desc: true
            }
        );
        assert!(!c.show_hidden);
        assert_eq!(
            c.look.theme.dir,
            Style::new()
                .fg(Color::Rgb(0xff, 0x87, 0))
                .add_modifier(Modifier::ITALIC)
        );
        // What the user did not set keeps its default.
        assert_eq!(c.look.theme.link, Config::builtin().look.theme.link);
        assert!(!c.confirm.delete && c.confirm.quit);
        assert_eq!(c.transfer.parallel, 8);
        assert_eq!(c.transfer.on_exists, OnExists::Resume);
        assert_eq!(c.transfer.attempts, 5);
        assert_eq!(c.lang, Some(Lang::Zh));
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
        assert_eq!(c.sort, d.sort);
        assert_eq!(c.look.columns, d.look.columns);
        assert_eq!(c.look.theme.dir, d.look.theme.dir);
        assert_eq!(c.transfer.parallel, 4);
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
        assert_eq!(c.sort, d.sort);
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
    fn styles() {
        assert_eq!(parse_style("").unwrap(), Style::new());
        assert_eq!(
            parse_style("black on light-yellow underlined").unwrap(),
            Style::new()
                .fg(Color::Black)
                .bg(Color::LightYellow)
                .add_modifier(Modifier::UNDERLINED)
        );
        assert_eq!(
            parse_style("208").unwrap(),
            Style::new().fg(Color::Indexed(208))
        );
        assert_eq!(
            parse_style("dark-grey").unwrap(),
            Style::new().fg(Color::DarkGray)
        );
        assert!(parse_style("red on").is_err());
        assert!(parse_style("reddish").is_err());
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
