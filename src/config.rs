//! Configuration: `assets/config.toml` holds every default and is built into the binary; the
//! user's `config.toml` in the config directory overlays it setting by setting. A mistake in
//! the user's file is reported with its line and that setting keeps its default.

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};
use toml::Spanned;

use crate::fs::sort::{Sort, SortBy};
use crate::i18n::Lang;
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
    /// Check each file with the server's checksum after its transfer.
    pub verify: bool,
    /// When uploads go to a temporary name first.
    pub upload_temp: crate::transfer::UploadTemp,
    /// Bytes per second for all transfers together; `None`: no limit.
    pub limit_rate: Option<u64>,
    /// How many connections one big download may use.
    pub segments: crate::transfer::Segments,
}

/// Everything `config.toml` sets.
#[derive(Debug, Clone)]
pub struct Config {
    /// The `[keys]` tables as written; `state::keymap` makes the keymap from them.
    pub keys: KeysTable,
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

/// One setting of a `[keys]` table as written: the action's name, its value and its line.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyEntry {
    pub name: String,
    pub value: toml::Value,
    pub line: usize,
}

/// The `[keys]` tables read, the built-in one and the user's, each in file order. They name
/// actions, which live above this layer: the keymap is built from them next to the actions
/// (`state::keymap`), and that is where their mistakes are found and reported.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeysTable {
    pub builtin: Vec<KeyEntry>,
    pub user: Vec<KeyEntry>,
}

impl Config {
    fn skeleton() -> Config {
        Config {
            keys: KeysTable::default(),
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
                verify: false,
                upload_temp: crate::transfer::UploadTemp::Auto,
                limit_rate: None,
                segments: crate::transfer::Segments::Auto,
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
        let mut keys = KeysTable::default();
        let mut ignored = Vec::new();
        c.apply(DEFAULT_CONFIG, &mut keys.builtin, &mut ignored);
        let mut errors = Vec::new();
        if let Some(text) = user {
            c.apply(text, &mut keys.user, &mut errors);
        }
        c.keys = keys;
        errors.sort_by_key(|e| e.line);
        (c, errors)
    }

    fn apply(&mut self, text: &str, keys: &mut Vec<KeyEntry>, errors: &mut Vec<ConfigError>) {
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
                    "keys" => {
                        keys.push(KeyEntry {
                            name: name.clone(),
                            value,
                            line,
                        });
                        Ok(())
                    }
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
            "verify" => self.transfer.verify = bool_of(&v)?,
            "limit_rate" => {
                let s = str_of(&v)?;
                self.transfer.limit_rate = match s.trim() {
                    "" => None,
                    r => Some(crate::transfer::rate::parse_rate(r)?),
                };
            }
            "segments" => {
                self.transfer.segments = match &v {
                    toml::Value::Integer(_) => {
                        crate::transfer::Segments::Max(int_in(&v, 1, 16)? as usize)
                    }
                    _ => {
                        let s = str_of(&v)?;
                        crate::transfer::Segments::parse(s)
                            .ok_or_else(|| format!("{s:?} is not \"auto\" or 1 to 16"))?
                    }
                };
            }
            "upload_temp" => {
                let s = str_of(&v)?;
                self.transfer.upload_temp = crate::transfer::UploadTemp::parse(s)
                    .ok_or_else(|| format!("{s:?} is not \"auto\", \"always\" or \"never\""))?;
            }
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
                    &[
                        "parallel",
                        "on_exists",
                        "attempts",
                        "mode",
                        "verify",
                        "upload_temp",
                        "limit_rate",
                        "segments",
                    ],
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

/// Read `config.toml` from the config directory, if there is one, with `parse` (given the
/// user's text, or `None` for the built-in configuration alone). Mistakes come back as messages
/// naming the file and the line.
pub fn load<T>(parse: impl Fn(Option<&str>) -> (T, Vec<ConfigError>)) -> (T, Vec<String>) {
    let Some(path) = crate::paths::config_dir().map(|d| d.join("config.toml")) else {
        return (parse(None).0, Vec::new());
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let (c, errors) = parse(Some(&text));
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
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => (parse(None).0, Vec::new()),
        Err(e) => (
            parse(None).0,
            vec![format!("{}: {e}; using the defaults", path.display())],
        ),
    }
}

fn unknown(name: &str, known: &[&str]) -> String {
    format!("unknown setting {name:?} (known: {})", known.join(", "))
}

pub(crate) fn str_of(v: &toml::Value) -> Result<&str, String> {
    v.as_str()
        .ok_or_else(|| format!("expected a string, found {}", v.type_str()))
}

fn bool_of(v: &toml::Value) -> Result<bool, String> {
    v.as_bool()
        .ok_or_else(|| format!("expected true or false, found {}", v.type_str()))
}

pub(crate) fn array_of(v: &toml::Value) -> Result<&Vec<toml::Value>, String> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn user(text: &str) -> (Config, Vec<ConfigError>) {
        Config::with_user(text)
    }

    #[test]
    fn the_shipped_file_has_no_mistakes_and_sets_everything() {
        let mut c = Config::skeleton();
        let mut keys = Vec::new();
        let mut errors = Vec::new();
        c.apply(DEFAULT_CONFIG, &mut keys, &mut errors);
        assert_eq!(errors, vec![]);
        assert!(!keys.is_empty(), "the shipped file has a [keys] table");
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
}
