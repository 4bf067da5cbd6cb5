//! The one owner of state. `update` folds user actions in, `apply` folds engine events in; both
//! are pure and synchronous and return the effects to run. Nothing here touches the network, the
//! disk or the terminal.

pub mod action;
pub mod dialog;
pub mod log;
pub mod pane;

pub use action::{Action, Effect, ErrorInfo, Event, Key, KeyPress, Nav, Side};
pub use dialog::{ConnectForm, Dialog};
pub use log::{LogLine, LogPanel, LogSize};
pub use pane::Pane;

use crate::ftp::replies::{Lang, book};
use crate::ui::layout::{Areas, RectExt};

/// How the remote side is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conn {
    Disconnected,
    Connecting { label: String, req: u64 },
    Connected { label: String },
}

/// A line under the panes: the last message, error or hint.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Status {
    pub text: String,
    pub error: bool,
}

#[derive(Debug, Clone)]
pub struct State {
    pub local: Pane,
    pub remote: Pane,
    pub focus: Side,
    pub log: LogPanel,
    pub dialog: Option<Dialog>,
    pub help: bool,
    pub status: Status,
    pub conn: Conn,
    pub lang: Lang,
    /// Terminal size, for paging and mouse hit-testing.
    pub width: u16,
    pub height: u16,
    pub quit: bool,
    /// The remote path to open once connected.
    pub initial_remote: Option<String>,
    next_req: u64,
}

impl State {
    pub fn new(local_path: &str, lang: Lang) -> State {
        let mut local = Pane::new(Side::Local, "local");
        local.path = local_path.to_string();
        State {
            local,
            remote: Pane::new(Side::Remote, "not connected"),
            focus: Side::Local,
            log: LogPanel::new(5000),
            dialog: None,
            help: false,
            status: Status::default(),
            conn: Conn::Disconnected,
            lang,
            width: 80,
            height: 24,
            quit: false,
            initial_remote: None,
            next_req: 0,
        }
    }

    pub fn pane(&self, side: Side) -> &Pane {
        match side {
            Side::Local => &self.local,
            Side::Remote => &self.remote,
        }
    }

    pub fn pane_mut(&mut self, side: Side) -> &mut Pane {
        match side {
            Side::Local => &mut self.local,
            Side::Remote => &mut self.remote,
        }
    }

    fn req(&mut self) -> u64 {
        self.next_req += 1;
        self.next_req
    }

    /// Whether keys should go to a dialog or overlay as text input rather than the keymap.
    pub fn wants_input(&self) -> bool {
        self.dialog.is_some() || self.help
    }

    /// Whether anything is still running (a confirmation is asked before quitting).
    pub fn busy(&self) -> bool {
        self.local.loading != 0
            || self.remote.loading != 0
            || matches!(self.conn, Conn::Connecting { .. })
    }

    pub fn areas(&self) -> Areas {
        crate::ui::layout::areas(self.width, self.height, self.log.size)
    }

    fn page_rows(&self) -> usize {
        self.areas().list_rows()
    }

    /// The first effects: read the local directory; connect if asked to.
    pub fn start(
        &mut self,
        connect: Option<(crate::ftp::ConnectOptions, Option<String>)>,
    ) -> Vec<Effect> {
        let mut fx = vec![self.list(Side::Local, Nav::To(self.local.path.clone()))];
        match connect {
            Some((opts, path)) => fx.extend(self.connect(opts, path)),
            None => {
                if self.dialog.is_none() {
                    self.dialog = Some(Dialog::Connect(ConnectForm::default()));
                }
            }
        }
        fx
    }

    fn list(&mut self, side: Side, nav: Nav) -> Effect {
        let req = self.req();
        self.pane_mut(side).loading = req;
        Effect::List { side, nav, req }
    }

    fn connect(&mut self, opts: crate::ftp::ConnectOptions, path: Option<String>) -> Vec<Effect> {
        let req = self.req();
        let label = opts.label();
        self.conn = Conn::Connecting {
            label: label.clone(),
            req,
        };
        self.remote.label = label.clone();
        self.remote.entries.clear();
        self.remote.path.clear();
        self.remote.error = None;
        self.initial_remote = path.clone();
        self.set_status(format!("Connecting to {label}…"), false);
        vec![Effect::Connect { opts, path, req }]
    }

    pub fn set_status(&mut self, text: impl Into<String>, error: bool) {
        self.status = Status {
            text: text.into(),
            error,
        };
    }

    fn show_error(&mut self, what: &str, e: &ErrorInfo) {
        let mut text = format!("{what}: {}", e.message);
        if let Some(code) = e.code
            && let Some(x) = book().explain(code, self.lang)
            && let Some(hint) = &x.hint
        {
            text.push_str(" — ");
            text.push_str(hint);
        }
        self.set_status(text, true);
    }

    /// Fold a user action in.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if let Action::Resize { width, height } = action {
            self.width = width;
            self.height = height;
            self.keep_cursors_visible();
            return vec![];
        }
        if let Action::Input(key) = action {
            return self.input(key);
        }
        if self.dialog.is_some() || self.help {
            // Mouse and keymap actions do not reach the panes under a dialog.
            return vec![];
        }
        let rows = self.page_rows() as i64;
        let focus = self.focus;
        let fx = match action {
            Action::Up => self.move_cursor(focus, -1),
            Action::Down => self.move_cursor(focus, 1),
            Action::PageUp => self.move_cursor(focus, -(rows - 1).max(1)),
            Action::PageDown => self.move_cursor(focus, (rows - 1).max(1)),
            Action::Home => self.move_cursor(focus, i64::MIN / 2),
            Action::End => self.move_cursor(focus, i64::MAX / 2),
            Action::Open => self.open(focus),
            Action::Parent => self.parent(focus),
            Action::Refresh => self.refresh(focus),
            Action::SwitchPane => {
                self.focus = focus.other();
                vec![]
            }
            Action::Help => {
                self.help = true;
                vec![]
            }
            Action::CycleLog => {
                self.log.size = self.log.size.next();
                self.keep_cursors_visible();
                vec![]
            }
            Action::LogUp => {
                self.log.scroll_by(3);
                vec![]
            }
            Action::LogDown => {
                self.log.scroll_by(-3);
                vec![]
            }
            Action::Connect => {
                let form = match &self.conn {
                    Conn::Connected { .. } | Conn::Connecting { .. } => ConnectForm::default(),
                    Conn::Disconnected => ConnectForm::default(),
                };
                self.dialog = Some(Dialog::Connect(form));
                vec![]
            }
            Action::Quit => {
                if self.busy() {
                    self.dialog = Some(Dialog::ConfirmQuit);
                    vec![]
                } else {
                    self.quit = true;
                    vec![Effect::Quit]
                }
            }
            Action::Click { col, row } => self.click(col, row),
            Action::Scroll { col, row, delta } => self.wheel(col, row, delta),
            Action::Input(_) | Action::Resize { .. } => vec![],
        };
        self.keep_cursors_visible();
        fx
    }

    fn keep_cursors_visible(&mut self) {
        let rows = self.page_rows();
        self.local.scroll_into_view(rows);
        self.remote.scroll_into_view(rows);
    }

    fn move_cursor(&mut self, side: Side, delta: i64) -> Vec<Effect> {
        self.pane_mut(side).move_by(delta);
        vec![]
    }

    fn can_browse(&self, side: Side) -> bool {
        side == Side::Local || matches!(self.conn, Conn::Connected { .. })
    }

    fn open(&mut self, side: Side) -> Vec<Effect> {
        if !self.can_browse(side) {
            return self.not_connected();
        }
        let pane = self.pane(side);
        let Some(entry) = pane.current() else {
            return vec![];
        };
        if entry.name == ".." {
            return self.parent(side);
        }
        match entry.kind {
            crate::fs::EntryKind::Dir | crate::fs::EntryKind::Symlink => {
                let target = join_path(side, &pane.path, &entry.name);
                vec![self.list(side, Nav::To(target))]
            }
            _ => {
                let name = entry.name.clone();
                self.set_status(format!("{name} is not a directory"), false);
                vec![]
            }
        }
    }

    fn parent(&mut self, side: Side) -> Vec<Effect> {
        if !self.can_browse(side) {
            return self.not_connected();
        }
        let pane = self.pane(side);
        if is_root(side, &pane.path) {
            return vec![];
        }
        let from = pane.path.clone();
        let name = last_component(side, &from);
        self.pane_mut(side).select = name;
        vec![self.list(side, Nav::Up(from))]
    }

    fn refresh(&mut self, side: Side) -> Vec<Effect> {
        if !self.can_browse(side) {
            return self.not_connected();
        }
        let path = self.pane(side).path.clone();
        vec![self.list(side, Nav::To(path))]
    }

    fn not_connected(&mut self) -> Vec<Effect> {
        self.set_status("Not connected: press o to connect", true);
        vec![]
    }

    fn click(&mut self, col: u16, row: u16) -> Vec<Effect> {
        let areas = self.areas();
        for side in [Side::Local, Side::Remote] {
            let a = areas.pane(side);
            if a.contains_cell(col, row) {
                self.focus = side;
                if let Some(i) = areas.row_at(side, row) {
                    let pane = self.pane_mut(side);
                    let idx = pane.offset + i;
                    if idx < pane.entries.len() {
                        if pane.cursor == idx {
                            // A second click on the same row opens it.
                            return self.open(side);
                        }
                        pane.cursor = idx;
                    }
                }
            }
        }
        vec![]
    }

    fn wheel(&mut self, col: u16, row: u16, delta: i16) -> Vec<Effect> {
        let areas = self.areas();
        if areas.log.contains_cell(col, row) {
            self.log.scroll_by(-(delta as i64) * 3);
            return vec![];
        }
        for side in [Side::Local, Side::Remote] {
            if areas.pane(side).contains_cell(col, row) {
                self.pane_mut(side).move_by(delta as i64 * 3);
            }
        }
        vec![]
    }

    /// Keys while a dialog or overlay is open.
    fn input(&mut self, key: KeyPress) -> Vec<Effect> {
        if self.help {
            if matches!(
                key.key,
                Key::Esc | Key::Enter | Key::F(1) | Key::Char('?') | Key::Char('q')
            ) {
                self.help = false;
            }
            return vec![];
        }
        let Some(dialog) = self.dialog.take() else {
            return vec![];
        };
        match dialog {
            Dialog::ConfirmQuit => match key.key {
                Key::Char('y') | Key::Char('Y') | Key::Enter => {
                    self.quit = true;
                    vec![Effect::Quit]
                }
                _ => vec![],
            },
            Dialog::Connect(mut form) => match key.key {
                Key::Esc => {
                    if matches!(self.conn, Conn::Disconnected) {
                        self.set_status("Remote pane not connected: press o to connect", false);
                    }
                    vec![]
                }
                Key::Enter => match form.validate() {
                    Ok((opts, path)) => self.connect(opts, path),
                    Err(msg) => {
                        form.error = Some(msg);
                        self.dialog = Some(Dialog::Connect(form));
                        vec![]
                    }
                },
                _ => {
                    form.key(key);
                    self.dialog = Some(Dialog::Connect(form));
                    vec![]
                }
            },
        }
    }

    /// Fold an engine event in.
    pub fn apply(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::Log(e) => {
                self.log.push(e, self.lang);
                vec![]
            }
            Event::Listed { side, req, result } => {
                let pane = self.pane_mut(side);
                if pane.loading != req {
                    // A newer request superseded this one.
                    return vec![];
                }
                pane.loading = 0;
                match result {
                    Ok(listing) => {
                        let root = is_root(side, &listing.path);
                        pane.set_listing(listing.path, listing.entries, root);
                        self.keep_cursors_visible();
                    }
                    Err(e) => {
                        pane.select = None;
                        pane.error = Some(e.message.clone());
                        self.show_error("Cannot open directory", &e);
                    }
                }
                vec![]
            }
            Event::Connected { req, label } => {
                if !matches!(self.conn, Conn::Connecting { req: r, .. } if r == req) {
                    return vec![];
                }
                self.conn = Conn::Connected {
                    label: label.clone(),
                };
                self.remote.label = label.clone();
                self.set_status(format!("Connected to {label}"), false);
                let path = self.initial_remote.take().unwrap_or_default();
                vec![self.list(Side::Remote, Nav::To(path))]
            }
            Event::ConnectFailed { req, error } => {
                if !matches!(self.conn, Conn::Connecting { req: r, .. } if r == req) {
                    return vec![];
                }
                self.conn = Conn::Disconnected;
                self.remote.loading = 0;
                self.remote.error = Some(error.message.clone());
                self.show_error("Connection failed", &error);
                vec![]
            }
            Event::Disconnected { error } => {
                self.conn = Conn::Disconnected;
                self.remote.loading = 0;
                self.remote.error = Some(error.message.clone());
                self.show_error("Disconnected", &error);
                vec![]
            }
        }
    }
}

fn is_root(side: Side, path: &str) -> bool {
    match side {
        Side::Remote => path == "/" || path.is_empty(),
        Side::Local => std::path::Path::new(path).parent().is_none(),
    }
}

fn join_path(side: Side, dir: &str, name: &str) -> String {
    match side {
        Side::Remote => crate::ftp::session::remote_join(dir, name),
        Side::Local => std::path::Path::new(dir)
            .join(name)
            .to_string_lossy()
            .into_owned(),
    }
}

fn last_component(side: Side, path: &str) -> Option<String> {
    match side {
        Side::Remote => path
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        Side::Local => std::path::Path::new(path)
            .file_name()
            .map(|s| s.to_string_lossy().into_owned()),
    }
}

#[cfg(test)]
mod tests;
