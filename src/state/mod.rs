//! The one owner of state. `update` folds user actions in, `apply` folds engine events in; both
//! are pure and synchronous and return the effects to run. Nothing here touches the network, the
//! disk or the terminal.
//!
//! Here: the state itself, starting and connecting, `update` and the pane actions it leads to.
//! Keys with a dialog open are in `input`, the mouse in `mouse`, copies and the queue's keys
//! in `transfers`, events in `apply`.

pub mod action;
pub mod bookmarks;
pub mod dialog;
pub mod log;
pub mod pane;
pub mod queue;

pub use action::{
    Action, ContentComparison, Effect, EngineCmd, ErrorInfo, Event, Key, KeyPress, Nav, Side,
};
pub use dialog::{ConflictForm, ConnectForm, Dialog};
pub use log::{LogLine, LogPanel, LogSize};
pub use pane::Pane;
pub use queue::{QueueFilter, QueueView};

use crate::ftp::replies::book;
use crate::i18n::Lang;
use crate::i18n::t;
use crate::tr;
use layout::{Areas, RectExt};

/// Which part of the screen has the keyboard, when no dialog does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Panel {
    /// The panes: the one in `State::focus`.
    #[default]
    Panes,
    /// The queue panel.
    Queue,
    /// The log panel (`F12`): it takes every key until `Esc` or `F12` gives them back.
    Log,
}

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
    /// The pane that has the keyboard when the panes have it (it keeps its side while the
    /// queue or the log has the keys, for when they come back).
    pub focus: Side,
    /// Which part of the screen has the keyboard (a dialog or the help, when open, comes
    /// first).
    pub panel: Panel,
    pub queue: QueueView,
    /// Whole-queue pause.
    pub paused_all: bool,
    /// A mouse press in a pane: where, on which entry, and whether that entry was already
    /// selected (releasing there again opens it; releasing on the other pane drops it there).
    pub drag: Option<(Side, usize, bool)>,
    pub log: LogPanel,
    pub dialog: Option<Dialog>,
    pub help: bool,
    pub status: Status,
    /// A message that stays in the status line until a key is pressed (the configuration's
    /// mistakes at start), over whatever is said meanwhile ("Connected to…").
    pub pinned: Option<Status>,
    pub conn: Conn,
    pub lang: Lang,
    /// Terminal size, for paging and mouse hit-testing.
    pub width: u16,
    pub height: u16,
    pub quit: bool,
    /// The remote path to open once connected.
    pub initial_remote: Option<String>,
    /// The connection being made, for the recent list once it succeeds.
    recent: Option<crate::bookmarks::RecentEntry>,
    /// A bookmark's number of transfer connections, for the next connect.
    profile_parallel: Option<u8>,
    /// The connecting bookmark's transfer settings (for the transfer engine).
    profile_transfer: crate::transfer::Overrides,
    /// Which keyring "keyring" passwords go to (the bookmark form names it), once known.
    pub keyring: Option<crate::bookmarks::KeyringKind>,
    /// The connection being made (to retry it when the user trusts its certificate).
    connecting: Option<(crate::ftp::ConnectOptions, Option<String>)>,
    /// `ftp://user@host:port` of the server, for copying remote URLs (never a password).
    url_base: Option<String>,
    /// The panes are being compared (marks are kept up to date as listings arrive).
    pub comparing: bool,
    /// The comparison by content in flight (0: none).
    content_req: u64,
    /// The local and remote directories kept in step (`W`): what changes in the first is
    /// uploaded to the second.
    pub keep_up: Option<(String, String)>,
    /// The bandwidth limit for all transfers (`%`, `[transfer] limit_rate`), if any.
    pub limit_rate: Option<u64>,
    /// Entering or leaving a directory in one pane does the same in the other.
    pub sync_browse: bool,
    /// How far the help overlay is scrolled.
    pub help_top: usize,
    /// Binary, ASCII or auto for the transfers queued from now on (`T` cycles it).
    pub transfer_mode: crate::transfer::TransferMode,
    /// The configured transfer type (a bookmark without one goes back to it).
    default_mode: crate::transfer::TransferMode,
    /// The server facts asked for (0: none).
    facts_req: u64,
    /// Commands typed on the command line, oldest first.
    pub console_history: Vec<String>,
    /// Command names the server listed in its `FEAT` and `HELP` replies (for completion).
    pub server_commands: Vec<String>,
    /// A typed command waiting for its reply: request, the line, read the pane again after.
    quoting: Option<(u64, String, bool)>,
    /// The `RNFR` waiting for its `RNTO` (a remote path).
    rename_from: Option<String>,
    /// The keys of a chord typed so far.
    pub chord: Vec<KeyPress>,
    /// Which confirmations are asked.
    pub confirm: crate::config::Confirmations,
    /// The pager is waiting for this request (0: none).
    viewing: u64,
    /// A remote file being edited, with the request it waits for.
    editing: Option<(u64, edit::RemoteEdit)>,
    /// Local copies of edited remote files being uploaded (removed once done).
    edit_uploads: std::collections::HashSet<String>,
    /// Uploads waiting for their source's size ([`Effect::StatLocal`]), by request, with the
    /// policy they are queued with (`None`: the queue's).
    uploads_to_size: std::collections::HashMap<
        u64,
        (crate::transfer::JobSpec, Option<crate::transfer::OnExists>),
    >,
    next_req: u64,
}

impl State {
    pub fn new(local_path: &str, lang: Lang) -> State {
        let mut local = Pane::new(Side::Local, t("local"));
        local.path = local_path.to_string();
        State {
            local,
            remote: Pane::new(Side::Remote, t("not connected")),
            focus: Side::Local,
            panel: Panel::Panes,
            queue: QueueView::default(),
            paused_all: false,
            drag: None,
            log: LogPanel::new(5000),
            dialog: None,
            help: false,
            status: Status::default(),
            pinned: None,
            conn: Conn::Disconnected,
            lang,
            width: 80,
            height: 24,
            quit: false,
            initial_remote: None,
            recent: None,
            profile_parallel: None,
            profile_transfer: Default::default(),
            keyring: None,
            connecting: None,
            url_base: None,
            comparing: false,
            content_req: 0,
            keep_up: None,
            limit_rate: None,
            sync_browse: false,
            viewing: 0,
            help_top: 0,
            chord: Vec::new(),
            transfer_mode: Default::default(),
            default_mode: Default::default(),
            facts_req: 0,
            console_history: Vec::new(),
            server_commands: Vec::new(),
            quoting: None,
            rename_from: None,
            confirm: Default::default(),
            editing: None,
            edit_uploads: Default::default(),
            uploads_to_size: Default::default(),
            next_req: 0,
        }
    }

    /// Take the settings of the configuration file: the panes' order and hidden files, and
    /// which confirmations are asked.
    pub fn configure(&mut self, config: &crate::config::Config) {
        for p in [&mut self.local, &mut self.remote] {
            p.sort = config.sort;
            p.show_hidden = config.show_hidden;
        }
        self.confirm = config.confirm;
        self.transfer_mode = config.transfer.mode;
        self.default_mode = config.transfer.mode;
        self.limit_rate = config.transfer.limit_rate;
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
        self.dialog.is_some() || self.help || self.filtering() || self.panel == Panel::Log
    }

    /// Whether a line of text has the keyboard (where a paste goes).
    fn takes_text(&self) -> bool {
        match &self.dialog {
            Some(
                Dialog::Console(_)
                | Dialog::Prompt(_)
                | Dialog::Connect(_)
                | Dialog::BookmarkForm(_),
            ) => true,
            Some(Dialog::Bookmarks(b)) => b.filtering,
            Some(_) => false,
            None => {
                !self.help && (self.filtering() || (self.panel == Panel::Log && self.log.typing))
            }
        }
    }

    /// Pasted text goes into the focused text field as if typed, one line: line breaks and
    /// tabs become spaces and other control characters are dropped, so a paste can neither
    /// press Enter (send a command, answer a confirmation) nor put CR/LF into a command. Where
    /// no text field has the keyboard, a paste does nothing.
    fn paste(&mut self, text: &str) -> Vec<Effect> {
        if !self.takes_text() {
            return vec![];
        }
        let mut fx = Vec::new();
        let line = text.trim_end_matches(['\r', '\n']).replace("\r\n", "\n");
        for c in line.chars() {
            let c = match c {
                '\r' | '\n' | '\t' => ' ',
                c if c.is_control() => continue,
                c => c,
            };
            fx.extend(self.input(KeyPress::plain(Key::Char(c))));
        }
        fx
    }

    /// Whether anything is still running (a confirmation is asked before quitting).
    pub fn busy(&self) -> bool {
        self.local.loading != 0
            || self.remote.loading != 0
            || matches!(self.conn, Conn::Connecting { .. })
            || self.queue.busy()
    }

    pub fn areas(&self) -> Areas {
        layout::areas(self.width, self.height, self.log.size, self.queue.visible)
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
                    // No URL: the saved servers first (the connect dialog is one key away).
                    self.dialog = Some(Dialog::Bookmarks(bookmarks::BookmarkList::default()));
                    fx.push(Effect::LoadBookmarks);
                }
            }
        }
        fx
    }

    /// Connect with a profile whose password is known (or not needed).
    fn connect_profile(
        &mut self,
        p: crate::bookmarks::Profile,
        password: Option<crate::ftp::Secret>,
    ) -> Vec<Effect> {
        let opts = p.connect_options(password);
        self.profile_parallel = p.parallel;
        self.profile_transfer = crate::transfer::Overrides {
            verify: p.verify,
            upload_temp: p.upload_temp,
            segments: p.segments,
        };
        // The bookmark's bandwidth limit is the one in force (shown in the queue's title).
        if p.limit_rate.is_some() {
            self.limit_rate = p.limit_rate;
        }
        let mut fx = Vec::new();
        // The bookmark's transfer type, else the configured one.
        let mode = p.transfer_type.unwrap_or(self.default_mode);
        if mode != self.transfer_mode {
            self.transfer_mode = mode;
            fx.push(Effect::Engine(EngineCmd::SetMode(mode)));
        }
        if let Some(dir) = &p.local_dir {
            fx.push(self.list(Side::Local, Nav::To(dir.clone())));
        }
        fx.extend(self.connect(opts, p.remote_dir.clone()));
        fx
    }

    fn list(&mut self, side: Side, nav: Nav) -> Effect {
        let req = self.req();
        self.pane_mut(side).loading = req;
        Effect::List { side, nav, req }
    }

    fn connect(&mut self, opts: crate::ftp::ConnectOptions, path: Option<String>) -> Vec<Effect> {
        let req = self.req();
        self.recent = Some(crate::bookmarks::RecentEntry {
            host: opts.host.clone(),
            port: opts.port,
            user: Some(opts.user.clone()).filter(|u| u != "anonymous"),
            protocol: match opts.tls {
                crate::ftp::tls::TlsMode::Implicit => crate::bookmarks::Protocol::FtpsImplicit,
                crate::ftp::tls::TlsMode::Explicit => crate::bookmarks::Protocol::Ftps,
                _ => crate::bookmarks::Protocol::Ftp,
            },
            remote_dir: None,
            at_unix: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        });
        let label = opts.label();
        // The user asked for this server (a URL, a bookmark, the connect dialog): the keyboard
        // goes to its pane.
        self.focus = Side::Remote;
        self.focus_panel(Panel::Panes);
        self.conn = Conn::Connecting {
            label: label.clone(),
            req,
        };
        self.remote.label = label.clone();
        self.remote.entries.clear();
        self.remote.view.clear();
        self.remote.path.clear();
        self.remote.error = None;
        self.initial_remote = path.clone();
        self.connecting = Some((opts.clone(), path.clone()));
        self.url_base = Some(format!(
            "{}://{}@{}:{}",
            match opts.tls {
                crate::ftp::tls::TlsMode::Implicit => "ftps",
                crate::ftp::tls::TlsMode::Explicit => "ftpes",
                _ => "ftp",
            },
            opts.user,
            if opts.host.contains(':') {
                format!("[{}]", opts.host)
            } else {
                opts.host.clone()
            },
            opts.port
        ));
        self.set_status(tr!("Connecting to {label}…", label = label), false);
        // Keeping a directory of the old server up to date ends with its connection.
        let stop = self
            .keep_up
            .take()
            .map(|_| Effect::KeepUpToDate(None))
            .into_iter();
        stop.chain([Effect::Connect {
            opts,
            path,
            req,
            parallel: self.profile_parallel.take(),
            transfer: std::mem::take(&mut self.profile_transfer),
            limit_rate: self.limit_rate,
        }])
        .collect()
    }

    /// Of the actions bound to one key, the one that applies where the keyboard is: queue
    /// actions in the queue panel, the others in a pane.
    pub fn pick<'a>(&self, actions: &'a [Action]) -> Option<&'a Action> {
        let fits = |a: &&Action| {
            if self.panel == Panel::Queue {
                !a.pane_only()
            } else {
                !a.queue_only()
            }
        };
        actions.iter().find(fits).or_else(|| actions.first())
    }

    /// What the status line shows: a pinned message, else the last status.
    pub fn shown_status(&self) -> &Status {
        self.pinned.as_ref().unwrap_or(&self.status)
    }

    /// Show `text` until the next key or click (see [`State::pinned`]).
    pub fn pin_status(&mut self, text: impl Into<String>, error: bool) {
        self.pinned = Some(Status {
            text: text.into(),
            error,
        });
    }

    /// The configuration's mistakes, pinned: one as it is; several counted, with where to
    /// read them all and the first.
    pub fn config_problems(&mut self, errors: &[String]) {
        match errors {
            [] => {}
            [one] => self.pin_status(one.clone(), true),
            [first, ..] => self.pin_status(
                tr!(
                    "{n} problems in config.toml, each in the log (F12); the first: {first}",
                    n = errors.len(),
                    first = first
                ),
                true,
            ),
        }
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
        if let Action::Chord(keys) = action {
            self.chord = keys;
            return vec![];
        }
        if let Action::Resize { width, height } = action {
            self.width = width;
            self.height = height;
            self.keep_cursors_visible();
            return vec![];
        }
        // The user has seen a pinned message once they press a key or click.
        self.pinned = None;
        if self.width < layout::MIN_WIDTH || self.height < layout::MIN_HEIGHT {
            // Only a message is drawn: keys and clicks must not act on what cannot be seen.
            // q (or Ctrl-C) quits, as the message says (the queue is saved as on any quit).
            let quit = match &action {
                Action::Quit => true,
                Action::Input(k) => {
                    (k.key == Key::Char('q') && !k.ctrl && !k.alt)
                        || (k.ctrl && k.key == Key::Char('c'))
                }
                _ => false,
            };
            if quit {
                self.dialog = None;
                self.help = false;
                self.quit = true;
                return vec![Effect::Quit];
            }
            return vec![];
        }
        if let Action::Input(key) = action {
            return self.input(key);
        }
        if let Action::Paste(text) = action {
            return self.paste(&text);
        }
        if let (Action::Click { col, row }, Some(Dialog::Menu(_))) = (&action, &self.dialog) {
            return self.menu_click(*col, *row);
        }
        if self.dialog.is_some() || self.help {
            // Mouse and keymap actions do not reach the panes under a dialog.
            return vec![];
        }
        if self.panel == Panel::Queue
            && let Some(fx) = self.queue_action(&action)
        {
            self.keep_cursors_visible();
            return fx;
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
                // Local → remote → queue (when shown) → local.
                if self.panel == Panel::Queue {
                    self.panel = Panel::Panes;
                    self.focus = Side::Local;
                } else if focus == Side::Remote && self.queue.visible {
                    self.panel = Panel::Queue;
                } else {
                    self.focus = focus.other();
                }
                vec![]
            }
            Action::Mark => {
                let pane = self.pane_mut(focus);
                if let Some(e) = pane.current()
                    && e.name != ".."
                {
                    let name = e.name.clone();
                    if !pane.marked.remove(&name) {
                        pane.marked.insert(name);
                    }
                }
                pane.move_by(1);
                vec![]
            }
            Action::InvertMarks => {
                let pane = self.pane_mut(focus);
                // The rows shown: with a filter, what it matched.
                let all: Vec<String> = pane
                    .rows()
                    .filter(|e| e.name != "..")
                    .map(|e| e.name.clone())
                    .collect();
                for n in all {
                    if !pane.marked.remove(&n) {
                        pane.marked.insert(n);
                    }
                }
                vec![]
            }
            Action::Copy => self.queue_transfer(focus, None, false),
            Action::Move => self.queue_transfer(focus, None, true),
            Action::ToggleQueue => {
                self.queue.visible = !self.queue.visible;
                if !self.queue.visible && self.panel == Panel::Queue {
                    self.panel = Panel::Panes;
                }
                vec![]
            }
            Action::PauseAll => self.pause_all(),
            Action::Bookmarks => {
                self.dialog = Some(Dialog::Bookmarks(bookmarks::BookmarkList::default()));
                vec![Effect::LoadBookmarks]
            }
            Action::ClearFinished => vec![Effect::Engine(EngineCmd::ClearFinished)],
            Action::Mkdir => self.start_mkdir(focus),
            Action::NewFile => self.start_new_file(focus),
            Action::Rename => self.start_rename(focus),
            Action::Delete => self.start_delete(focus),
            Action::Chmod => self.start_chmod(focus),
            Action::Info => self.show_info(focus),
            Action::DirSize => self.dir_size(focus),
            Action::CopyPath => self.copy_path(focus),
            Action::SortCycle => self.sort_cycle(focus),
            Action::ToggleHidden => self.toggle_hidden(focus),
            Action::Filter => self.start_filter(focus),
            Action::GoTo => self.start_goto(focus),
            Action::MarkGlob => self.start_glob(focus, true),
            Action::UnmarkGlob => self.start_glob(focus, false),
            Action::Back => self.history(focus, true),
            Action::Forward => self.history(focus, false),
            Action::Compare => self.toggle_compare(),
            Action::CompareContent => self.compare_content(),
            Action::KeepUpToDate => self.toggle_keep_up(),
            Action::RateLimit => self.ask_rate_limit(),
            Action::View => self.start_view(focus),
            Action::Edit => self.start_edit(focus),
            Action::Menu => self.open_menu(focus),
            Action::RightClick { col, row } => {
                // Select what is under the pointer first, as a left click would.
                self.click(col, row);
                self.drag = None;
                if self.panel == Panel::Queue {
                    vec![]
                } else {
                    self.open_menu(self.focus)
                }
            }
            Action::SyncBrowse => self.toggle_sync_browse(),
            Action::SyncPreview => self.start_sync(focus),
            Action::RetryFailed => vec![Effect::Engine(EngineCmd::RetryFailed)],
            Action::CancelJob
            | Action::RetryJob
            | Action::JobUp
            | Action::JobDown
            | Action::QueueFilter => {
                self.set_status(
                    t("Tab to the queue panel first (press Q to show it)"),
                    false,
                );
                vec![]
            }
            Action::Release { col, row } => self.drop_at(col, row),
            Action::Console => self.open_console(),
            Action::LogFocus => self.toggle_log_focus(),
            Action::ServerFacts => self.server_facts(),
            Action::TransferMode => {
                use crate::transfer::TransferMode;
                self.transfer_mode = self.transfer_mode.next();
                self.set_status(
                    match self.transfer_mode {
                        TransferMode::Binary => t("Transfers queued from now on: binary (TYPE I, bytes as they are)"),
                        TransferMode::Ascii => t("Transfers queued from now on: ASCII (TYPE A, CRLF on the wire, LF here)"),
                        TransferMode::Auto => t("Transfers queued from now on: auto (ASCII for text extensions, binary for the rest)"),
                    },
                    false,
                );
                vec![Effect::Engine(EngineCmd::SetMode(self.transfer_mode))]
            }
            Action::Cancel => match &self.conn {
                Conn::Connecting { label, .. } => {
                    self.set_status(tr!("Stopped connecting to {label}", label = label), false);
                    self.conn = Conn::Disconnected;
                    self.remote.loading = 0;
                    self.connecting = None;
                    vec![Effect::CancelConnect]
                }
                _ => vec![],
            },
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
                self.dialog = Some(Dialog::Connect(ConnectForm::default()));
                vec![]
            }
            Action::Quit => {
                if self.busy() && self.confirm.quit {
                    self.dialog = Some(Dialog::ConfirmQuit);
                    vec![]
                } else {
                    self.quit = true;
                    vec![Effect::Quit]
                }
            }
            Action::Click { col, row } => self.click(col, row),
            Action::Scroll { col, row, delta } => self.wheel(col, row, delta),
            Action::Input(_) | Action::Chord(_) | Action::Resize { .. } | Action::Paste(_) => {
                vec![]
            }
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
                let name = entry.name.clone();
                let mut fx = vec![self.list(side, Nav::To(target))];
                fx.extend(self.follow(side, Some(&name)));
                fx
            }
            _ => {
                let name = entry.name.clone();
                self.set_status(tr!("{name} is not a directory", name = name), false);
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
        let mut fx = vec![self.list(side, Nav::Up(from))];
        fx.extend(self.follow(side, None));
        fx
    }

    fn refresh(&mut self, side: Side) -> Vec<Effect> {
        if !self.can_browse(side) {
            return self.not_connected();
        }
        let path = self.pane(side).path.clone();
        vec![self.list(side, Nav::To(path))]
    }

    fn not_connected(&mut self) -> Vec<Effect> {
        self.set_status(t("Not connected: press o to connect"), true);
        vec![]
    }
}

fn parent_of(side: Side, path: &str) -> String {
    match side {
        Side::Remote => crate::paths::remote_parent(path),
        Side::Local => std::path::Path::new(path)
            .parent()
            .map(|p| p.to_string_lossy().into_owned())
            .unwrap_or_default(),
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
        Side::Remote => crate::paths::remote_join(dir, name),
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

mod apply;
pub mod compare;
pub mod console;
pub mod edit;
pub mod facts;
mod find;
mod input;
pub mod keymap;
pub mod layout;
pub mod logview;
mod mouse;
mod ops;
mod transfers;
pub mod view;

#[cfg(test)]
mod tests;
