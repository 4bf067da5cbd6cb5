//! Modal dialogs: the connect form (also the password prompt) and the quit confirmation.

use super::action::{Key, KeyPress};
use crate::ftp::{ConnectOptions, Secret};
use crate::i18n::{n_, t};
use crate::tr;
use crate::transfer::{Job, JobId, JobState, OnExists};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialog {
    Connect(ConnectForm),
    ConfirmQuit,
    /// A transfer's destination exists: what to do.
    Conflict(ConflictForm),
    Bookmarks(super::bookmarks::BookmarkList),
    BookmarkForm(Box<super::bookmarks::BookmarkForm>),
    /// The server's certificate is not trusted: what it is, and trust once / always / abort.
    Certificate(Box<CertForm>),
    /// A line of text for a file operation (a new name, a directory to make).
    Prompt(PromptForm),
    /// Yes or no before an operation that cannot be undone.
    Confirm(ConfirmForm),
    Chmod(ChmodForm),
    /// Facts about one entry.
    Info(InfoView),
    /// What a synchronisation would do, each line on or off.
    Sync(Box<super::compare::SyncForm>),
    /// The pager.
    View(Box<super::view::ViewForm>),
    /// The context menu: operations on the entry under the cursor.
    Menu(MenuForm),
    /// The command line (`:`), drawn over the status line.
    Console(super::console::ConsoleForm),
    /// Headed paragraphs: a reply code explained, the server's facts.
    Notes(super::logview::NotesView),
}

/// The context menu: its entries (a label and the action it runs) and the cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MenuForm {
    pub title: String,
    pub items: Vec<(&'static str, super::action::Action)>,
    pub cursor: usize,
}

/// Where the context menu is drawn (and clicked): centred, one row per item.
pub fn menu_rect(width: u16, height: u16, items: usize) -> ratatui::layout::Rect {
    let w = 36u16.min(width);
    let h = (items as u16 + 2).min(height);
    ratatui::layout::Rect::new(
        width.saturating_sub(w) / 2,
        height.saturating_sub(h) / 2,
        w,
        h,
    )
}

/// A one-line text field with a cursor (in characters).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TextInput {
    pub text: String,
    pub cursor: usize,
    /// The whole text is selected (a prefilled value): a typed character replaces it,
    /// Backspace or Delete clears it, a movement key keeps it and ends the selection.
    pub selected: bool,
}

impl TextInput {
    pub fn new(text: &str) -> TextInput {
        TextInput {
            text: text.to_string(),
            cursor: text.chars().count(),
            selected: false,
        }
    }

    /// Prefilled with `text`, all of it selected (see [`TextInput::selected`]).
    pub fn selected(text: &str) -> TextInput {
        TextInput {
            selected: !text.is_empty(),
            ..TextInput::new(text)
        }
    }

    /// The text before and after the cursor.
    pub fn split(&self) -> (&str, &str) {
        self.text.split_at(self.byte_at(self.cursor))
    }

    fn byte_at(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Edit with a key; `false` when the key is not an editing key.
    pub fn key(&mut self, k: KeyPress) -> bool {
        if std::mem::take(&mut self.selected) {
            let replaces = matches!(k.key, Key::Char(c) if !k.ctrl && !k.alt && !c.is_control())
                || matches!(k.key, Key::Backspace | Key::Delete);
            if replaces {
                self.text.clear();
                self.cursor = 0;
                if matches!(k.key, Key::Backspace | Key::Delete) {
                    return true;
                }
            }
        }
        let n = self.text.chars().count();
        match k.key {
            Key::Char(c) if !k.ctrl && !k.alt && !c.is_control() => {
                let at = self.byte_at(self.cursor);
                self.text.insert(at, c);
                self.cursor += 1;
            }
            // Ctrl-U clears, as in a shell.
            Key::Char('u') if k.ctrl => {
                self.text.clear();
                self.cursor = 0;
            }
            Key::Backspace if self.cursor > 0 => {
                self.cursor -= 1;
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            Key::Delete if self.cursor < n => {
                let at = self.byte_at(self.cursor);
                self.text.remove(at);
            }
            Key::Left => self.cursor = self.cursor.saturating_sub(1),
            Key::Right => self.cursor = (self.cursor + 1).min(n),
            Key::Home => self.cursor = 0,
            Key::End => self.cursor = n,
            Key::Backspace | Key::Delete => {}
            _ => return false,
        }
        true
    }
}

/// What a prompt's answer is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptFor {
    Mkdir,
    NewFile,
    /// Rename this entry (its name in the pane's directory).
    Rename(String),
    /// A directory to go to.
    GoTo,
    /// A glob: mark (`true`) or unmark what matches.
    Glob(bool),
    /// Where to save the log.
    SaveLog,
    /// A bandwidth limit for all transfers (empty: none).
    RateLimit,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromptForm {
    pub side: super::action::Side,
    pub purpose: PromptFor,
    pub title: String,
    pub label: String,
    pub input: TextInput,
    pub error: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmForm {
    pub side: super::action::Side,
    pub title: String,
    pub lines: Vec<String>,
    pub then: Confirmed,
}

/// What a "yes" does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmed {
    Fs(crate::fs::ops::FsOp),
    /// Upload an edited copy back over the remote file.
    Upload(super::edit::RemoteEdit),
    /// Send a command typed on the command line (then read the pane again).
    Raw(String),
}

impl Confirmed {
    /// The keys line of the dialog.
    pub fn prompt(&self) -> &'static str {
        match self {
            Confirmed::Fs(crate::fs::ops::FsOp::Delete(_)) => {
                t("y / Enter: delete · n / Esc: keep")
            }
            Confirmed::Fs(_) => t("y / Enter: go ahead · n / Esc: cancel"),
            Confirmed::Upload(_) => t("y / Enter: upload · n / Esc: keep it only here"),
            Confirmed::Raw(_) => t("y / Enter: send · n / Esc: cancel"),
        }
    }
}

/// Permission bits as nine check boxes (owner, group, others × r, w, x) and the octal value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChmodForm {
    pub side: super::action::Side,
    pub paths: Vec<String>,
    pub mode: u32,
    /// Which box (0..9) has the cursor.
    pub cursor: usize,
    /// Octal digits being typed (replaces `mode` once valid).
    pub typed: String,
}

/// What a key did in the chmod dialog.
pub enum ChmodKey {
    Stay,
    Close,
    Apply(u32),
}

impl ChmodForm {
    pub fn key(&mut self, k: KeyPress) -> ChmodKey {
        match k.key {
            Key::Esc => return ChmodKey::Close,
            Key::Enter => return ChmodKey::Apply(self.mode),
            Key::Left => self.cursor = self.cursor.saturating_sub(1),
            Key::Right | Key::Tab => self.cursor = (self.cursor + 1).min(8),
            Key::BackTab => self.cursor = self.cursor.saturating_sub(1),
            Key::Up => self.cursor = self.cursor.saturating_sub(3),
            Key::Down => self.cursor = (self.cursor + 3).min(8),
            Key::Char(' ') | Key::Char('x') => {
                self.mode ^= 1 << (8 - self.cursor);
                self.typed.clear();
            }
            Key::Char(c @ '0'..='7') => {
                if self.typed.len() >= 4 {
                    self.typed.clear();
                }
                self.typed.push(c);
                if let Some(m) = crate::fs::ops::parse_mode(&self.typed) {
                    // Three digits or more set the whole value; fewer are still being typed.
                    if self.typed.len() >= 3 {
                        self.mode = m;
                    }
                }
            }
            Key::Backspace => {
                self.typed.pop();
            }
            _ => {}
        }
        ChmodKey::Stay
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InfoView {
    pub title: String,
    /// Label and value.
    pub rows: Vec<(String, String)>,
    /// The request whose answer fills the last row (the remote listing line; 0: none).
    pub waiting: u64,
    /// A remote file whose checksum `c` asks the server for, and the row that shows it.
    pub checksum: Option<(String, usize)>,
    /// The checksum request in flight (0: none).
    pub checksum_req: u64,
}

/// The certificate dialog: the facts, and the connection to retry if the user trusts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertForm {
    pub info: crate::ftp::tls::CertInfo,
    pub opts: ConnectOptions,
    pub path: Option<String>,
}

/// The choices of the conflict dialog, with their keys, in the order shown.
pub const CONFLICT_CHOICES: [(char, &str, OnExists); 6] = [
    ('o', n_("Overwrite"), OnExists::Overwrite),
    ('n', n_("Overwrite if the source is newer"), OnExists::Newer),
    ('s', n_("Overwrite if the size differs"), OnExists::Size),
    (
        'r',
        n_("Resume (append the missing bytes)"),
        OnExists::Resume,
    ),
    (
        'e',
        n_("Rename: keep both, as name (1).ext"),
        OnExists::Rename,
    ),
    ('k', n_("Skip"), OnExists::Skip),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConflictForm {
    pub id: JobId,
    pub name: String,
    pub dst: String,
    pub src_size: Option<u64>,
    pub src_mtime: Option<i64>,
    pub dst_size: Option<u64>,
    pub dst_mtime: Option<i64>,
    /// Index into [`CONFLICT_CHOICES`].
    pub choice: usize,
    /// Apply the answer to every conflict of the operation (F5/F6, drop, synchronisation)
    /// this job came from.
    pub all: bool,
}

/// What a key did in the conflict dialog.
pub enum ConflictKey {
    Stay,
    Close,
    Choose(OnExists),
}

impl ConflictForm {
    pub fn from_job(j: &Job) -> ConflictForm {
        let (dst_size, dst_mtime) = match j.state {
            JobState::Conflict {
                dst_size,
                dst_mtime,
            } => (dst_size, dst_mtime),
            _ => (None, None),
        };
        ConflictForm {
            id: j.id,
            name: j.name().to_string(),
            dst: j.spec.dst.to_string(),
            src_size: j.spec.size,
            src_mtime: j.spec.mtime,
            dst_size,
            dst_mtime,
            choice: 0,
            all: false,
        }
    }

    pub fn key(&mut self, k: KeyPress) -> ConflictKey {
        match k.key {
            Key::Esc => ConflictKey::Close,
            Key::Up | Key::BackTab => {
                self.choice = (self.choice + CONFLICT_CHOICES.len() - 1) % CONFLICT_CHOICES.len();
                ConflictKey::Stay
            }
            Key::Down | Key::Tab => {
                self.choice = (self.choice + 1) % CONFLICT_CHOICES.len();
                ConflictKey::Stay
            }
            Key::Char('a') | Key::Char(' ') => {
                self.all = !self.all;
                ConflictKey::Stay
            }
            Key::Enter => ConflictKey::Choose(CONFLICT_CHOICES[self.choice].2),
            Key::Char(c) => match CONFLICT_CHOICES.iter().find(|(k, _, _)| *k == c) {
                Some((_, _, p)) => ConflictKey::Choose(*p),
                None => ConflictKey::Stay,
            },
            _ => ConflictKey::Stay,
        }
    }
}

/// The fields of the connect dialog, in order.
pub const FIELDS: [&str; 4] = [n_("Host"), n_("Port"), n_("User"), n_("Password")];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectForm {
    pub host: String,
    pub port: String,
    pub user: String,
    pub password: Secret,
    /// Index into [`FIELDS`].
    pub focus: usize,
    pub error: Option<String>,
    /// Where to go once connected (from a URL).
    pub path: Option<String>,
    /// A title such as "Password for alice@host" when the form is a prompt.
    pub title: Option<String>,
    /// The left pane's directory to open too (a bookmark's initial local directory).
    pub local_dir: Option<String>,
    /// Settings carried from a URL, a bookmark or the command line (FTPS, trust, data
    /// connection mode): the form edits only the address and the credentials.
    pub settings: Box<ConnectOptions>,
}

impl Default for ConnectForm {
    fn default() -> Self {
        ConnectForm {
            host: String::new(),
            port: "21".into(),
            user: String::new(),
            password: Secret::default(),
            focus: 0,
            error: None,
            path: None,
            title: None,
            local_dir: None,
            settings: Box::new(ConnectOptions::new("", 21, None, None)),
        }
    }
}

impl ConnectForm {
    /// A form filled from a URL that lacked a password, focused on the password field.
    pub fn password_prompt(host: &str, port: u16, user: &str, path: Option<String>) -> ConnectForm {
        ConnectForm {
            host: host.into(),
            port: port.to_string(),
            user: user.into(),
            focus: 3,
            path,
            title: Some(tr!("Password for {user}@{host}", user = user, host = host)),
            ..ConnectForm::default()
        }
    }

    /// The password prompt for a bookmark: its address and user, its directories, and its
    /// connection settings (FTPS, trust, data connection mode…).
    pub fn for_profile(p: &crate::bookmarks::Profile) -> ConnectForm {
        let mut form = ConnectForm::password_prompt(
            &p.host,
            p.port,
            p.user.as_deref().unwrap_or(""),
            p.remote_dir.clone(),
        );
        form.local_dir = p.local_dir.clone();
        form.settings = Box::new(p.connect_options(None));
        form
    }

    fn field_mut(&mut self) -> Option<&mut String> {
        match self.focus {
            0 => Some(&mut self.host),
            1 => Some(&mut self.port),
            2 => Some(&mut self.user),
            _ => None,
        }
    }

    /// The host field as a URL: `None` when it is not one; an error (that never repeats it)
    /// when it does not parse or holds a password.
    fn host_url(&self) -> Option<Result<crate::ftp::url::FtpUrl, String>> {
        let text = self.host.trim();
        if !crate::ftp::url::FtpUrl::looks_like_url(text) {
            return None;
        }
        Some(match crate::ftp::url::FtpUrl::parse(text) {
            Ok(u) if u.password.is_some() => Err(t(
                "A password in the URL is not taken (it would stay on the screen): leave it out and type it in the Password field",
            )
            .into()),
            Ok(u) => Ok(u),
            Err(e) => Err(e.to_string()),
        })
    }

    /// A URL typed as the host: its host, port and user go to their fields, its scheme and
    /// path to the connection.
    fn split_host_url(&mut self) {
        if let Some(Ok(u)) = self.host_url() {
            self.host = u.host;
            self.port = u.port.to_string();
            if let Some(user) = u.user {
                self.user = user;
            }
            if u.path.is_some() {
                self.path = u.path;
            }
            self.settings.tls = u.tls;
        }
    }

    /// Edit the focused field.
    pub fn key(&mut self, k: KeyPress) {
        if self.focus == 0 && matches!(k.key, Key::Tab | Key::BackTab | Key::Up | Key::Down) {
            self.split_host_url();
        }
        match k.key {
            Key::Tab | Key::Down => self.focus = (self.focus + 1) % FIELDS.len(),
            Key::BackTab | Key::Up => self.focus = (self.focus + FIELDS.len() - 1) % FIELDS.len(),
            Key::Backspace => {
                if let Some(f) = self.field_mut() {
                    f.pop();
                } else {
                    let mut p = self.password.expose().to_string();
                    p.pop();
                    self.password = Secret::new(p);
                }
            }
            Key::Char('u') if k.ctrl => {
                if let Some(f) = self.field_mut() {
                    f.clear();
                } else {
                    self.password = Secret::default();
                }
            }
            Key::Char(c) if !k.ctrl && !k.alt && !c.is_control() => {
                if self.focus == 1 && !c.is_ascii_digit() {
                    return;
                }
                if let Some(f) = self.field_mut() {
                    f.push(c);
                } else {
                    let mut p = self.password.expose().to_string();
                    p.push(c);
                    self.password = Secret::new(p);
                }
                self.error = None;
            }
            _ => {}
        }
    }

    /// Check the fields; an empty user means anonymous.
    pub fn validate(&self) -> Result<(ConnectOptions, Option<String>), String> {
        if let Some(url) = self.host_url() {
            url?;
            let mut form = self.clone();
            form.split_host_url();
            return form.validate();
        }
        let host = self.host.trim();
        if host.is_empty() {
            return Err(t("Host is empty").into());
        }
        if host.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(t("Host has spaces or control characters").into());
        }
        // A pasted URL or user:password@host: not a host, and not to be shown back as one.
        if host.contains(['@', '/']) {
            return Err(t("Host is a name or an address only: put the user and the password in their own fields").into());
        }
        let port: u16 = match self.port.trim().parse() {
            Ok(p) if p > 0 => p,
            _ => return Err(t("Port must be 1-65535").into()),
        };
        let user = self.user.trim();
        let (user, pass) = if user.is_empty() {
            (None, None)
        } else {
            (Some(user), Some(self.password.clone()))
        };
        let mut opts = ConnectOptions::new(host, port, user, pass);
        opts.copy_settings(&self.settings);
        Ok((opts, self.path.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(form: &mut ConnectForm, s: &str) {
        for c in s.chars() {
            form.key(KeyPress::plain(Key::Char(c)));
        }
    }

    #[test]
    fn a_url_typed_as_the_host_fills_the_fields() {
        let mut f = ConnectForm::default();
        typed(&mut f, "ftpes://alice@host:2121/pub");
        // Enter straight away: the URL is taken whole.
        let (opts, path) = f.validate().expect("a URL is a valid host");
        assert_eq!((opts.host.as_str(), opts.port), ("host", 2121));
        assert_eq!(opts.user, "alice");
        assert_eq!(opts.tls, crate::ftp::tls::TlsMode::Explicit);
        assert_eq!(path.as_deref(), Some("pub"));
        // Tab: the fields show its parts.
        f.key(KeyPress::plain(Key::Tab));
        assert_eq!(
            (&f.host[..], &f.port[..], &f.user[..]),
            ("host", "2121", "alice")
        );
        // A password in it: refused with the reason, not repeated.
        let mut f = ConnectForm::default();
        typed(&mut f, "ftp://alice:hunter2@host/");
        let e = f.validate().unwrap_err();
        assert!(
            e.contains("Password field") && !e.contains("hunter2"),
            "{e}"
        );
        f.key(KeyPress::plain(Key::Tab));
        assert_eq!(f.host, "ftp://alice:hunter2@host/");
    }

    #[test]
    fn fill_and_validate() {
        let mut f = ConnectForm::default();
        assert_eq!(f.validate().unwrap_err(), "Host is empty");
        // A pasted user:password@host is refused, and the error does not repeat it.
        typed(&mut f, "alice:hunter2@example.org");
        let e = f.validate().unwrap_err();
        assert!(e.contains("own fields") && !e.contains("hunter2"), "{e}");
        f.host.clear();
        typed(&mut f, "example.org");
        f.key(KeyPress::plain(Key::Tab));
        f.key(KeyPress::plain(Key::Backspace));
        f.key(KeyPress::plain(Key::Backspace));
        typed(&mut f, "21x21");
        f.key(KeyPress::plain(Key::Tab));
        typed(&mut f, "alice");
        f.key(KeyPress::plain(Key::Tab));
        typed(&mut f, "s3cret");
        let (o, _) = f.validate().unwrap();
        assert_eq!(
            (o.host.as_str(), o.port, o.user.as_str()),
            ("example.org", 2121, "alice")
        );
        assert_eq!(o.password.expose(), "s3cret");
        assert!(!format!("{f:?}").contains("s3cret"));
    }

    #[test]
    fn bad_port_and_anonymous() {
        let mut f = ConnectForm {
            host: "h".into(),
            port: "70000".into(),
            ..ConnectForm::default()
        };
        assert!(f.validate().is_err());
        f.port = "21".into();
        let (o, _) = f.validate().unwrap();
        assert_eq!(o.user, "anonymous");
    }
}
