//! The one owner of state. `update` folds user actions in, `apply` folds engine events in; both
//! are pure and synchronous and return the effects to run. Nothing here touches the network, the
//! disk or the terminal.

pub mod action;
pub mod bookmarks;
pub mod dialog;
pub mod log;
pub mod pane;
pub mod queue;

pub use action::{Action, Effect, EngineCmd, ErrorInfo, Event, Key, KeyPress, Nav, Side};
pub use dialog::{ConflictForm, ConnectForm, Dialog};
pub use log::{LogLine, LogPanel, LogSize};
pub use pane::Pane;
pub use queue::{QueueFilter, QueueView};

use crate::ftp::replies::book;
use crate::i18n::Lang;
use crate::i18n::t;
use crate::tr;
use layout::{Areas, RectExt};

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
    /// The queue panel has the keyboard (the panes keep `focus` for when it returns).
    pub queue_focus: bool,
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
    /// Which keyring "keyring" passwords go to (the bookmark form names it), once known.
    pub keyring: Option<crate::bookmarks::KeyringKind>,
    /// The connection being made (to retry it when the user trusts its certificate).
    connecting: Option<(crate::ftp::ConnectOptions, Option<String>)>,
    /// `ftp://user@host:port` of the server, for copying remote URLs (never a password).
    url_base: Option<String>,
    /// The panes are being compared (marks are kept up to date as listings arrive).
    pub comparing: bool,
    /// Entering or leaving a directory in one pane does the same in the other.
    pub sync_browse: bool,
    /// How far the help overlay is scrolled.
    pub help_top: usize,
    /// Binary, ASCII or auto for the transfers queued from now on (`T` cycles it).
    pub transfer_mode: crate::transfer::TransferMode,
    /// The configured transfer type (a bookmark without one goes back to it).
    default_mode: crate::transfer::TransferMode,
    /// The log panel has the keyboard.
    pub log_focus: bool,
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
            queue_focus: false,
            queue: QueueView::default(),
            paused_all: false,
            drag: None,
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
            recent: None,
            profile_parallel: None,
            keyring: None,
            connecting: None,
            url_base: None,
            comparing: false,
            sync_browse: false,
            viewing: 0,
            help_top: 0,
            chord: Vec::new(),
            transfer_mode: Default::default(),
            default_mode: Default::default(),
            log_focus: false,
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
        self.dialog.is_some() || self.help || self.filtering() || self.log_focus
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
            None => !self.help && (self.filtering() || (self.log_focus && self.log.typing)),
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
        self.queue_focus = false;
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
        vec![Effect::Connect {
            opts,
            path,
            req,
            parallel: self.profile_parallel.take(),
        }]
    }

    /// Of the actions bound to one key, the one that applies where the keyboard is: queue
    /// actions in the queue panel, the others in a pane.
    pub fn pick<'a>(&self, actions: &'a [Action]) -> Option<&'a Action> {
        let fits = |a: &&Action| {
            if self.queue_focus {
                !a.pane_only()
            } else {
                !a.queue_only()
            }
        };
        actions.iter().find(fits).or_else(|| actions.first())
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
        if self.queue_focus
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
                if self.queue_focus {
                    self.queue_focus = false;
                    self.focus = Side::Local;
                } else if focus == Side::Remote && self.queue.visible {
                    self.queue_focus = true;
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
                if !self.queue.visible {
                    self.queue_focus = false;
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
            Action::View => self.start_view(focus),
            Action::Edit => self.start_edit(focus),
            Action::Menu => self.open_menu(focus),
            Action::RightClick { col, row } => {
                // Select what is under the pointer first, as a left click would.
                self.click(col, row);
                self.drag = None;
                if self.queue_focus {
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

    fn pause_all(&mut self) -> Vec<Effect> {
        self.paused_all = !self.paused_all;
        self.set_status(
            if self.paused_all {
                t("Queue paused")
            } else {
                t("Queue resumed")
            },
            false,
        );
        vec![Effect::Engine(if self.paused_all {
            EngineCmd::PauseAll
        } else {
            EngineCmd::ResumeAll
        })]
    }

    /// Keys while the queue panel has the focus. `None`: not a queue action, handle as usual.
    fn queue_action(&mut self, action: &Action) -> Option<Vec<Effect>> {
        let rows = self.areas().queue.height.saturating_sub(2).max(1) as i64;
        let selected = self
            .queue
            .selected()
            .map(|r| (r.job.id, r.job.state.clone()));
        let fx = match action {
            Action::Up => {
                self.queue.move_by(-1);
                vec![]
            }
            Action::Down => {
                self.queue.move_by(1);
                vec![]
            }
            Action::PageUp => {
                self.queue.move_by(-rows);
                vec![]
            }
            Action::PageDown => {
                self.queue.move_by(rows);
                vec![]
            }
            Action::Home => {
                self.queue.move_by(i64::MIN / 2);
                vec![]
            }
            Action::End => {
                self.queue.move_by(i64::MAX / 2);
                vec![]
            }
            Action::Mark => match selected {
                Some((id, crate::transfer::JobState::Paused)) => {
                    vec![Effect::Engine(EngineCmd::Resume(id))]
                }
                Some((id, st)) if !st.is_finished() => vec![Effect::Engine(EngineCmd::Pause(id))],
                _ => vec![],
            },
            Action::CancelJob => match selected {
                Some((id, _)) => vec![Effect::Engine(EngineCmd::Cancel(id))],
                None => vec![],
            },
            Action::RetryJob | Action::Refresh => match selected {
                Some((id, st)) if st.is_finished() && st != crate::transfer::JobState::Done => {
                    vec![Effect::Engine(EngineCmd::Retry(id))]
                }
                _ => vec![],
            },
            Action::JobUp | Action::JobDown => match selected {
                Some((id, _)) => {
                    let d = if *action == Action::JobUp { -1 } else { 1 };
                    self.queue.move_by(d);
                    vec![Effect::Engine(EngineCmd::MoveBy(id, d))]
                }
                None => vec![],
            },
            Action::QueueFilter => {
                self.queue.filter = self.queue.filter.next();
                self.queue.cursor = 0;
                self.queue.offset = 0;
                vec![]
            }
            Action::Open => {
                // Enter on a conflict opens its dialog again.
                if let Some(r) = self.queue.selected()
                    && matches!(r.job.state, crate::transfer::JobState::Conflict { .. })
                {
                    self.dialog = Some(Dialog::Conflict(ConflictForm::from_job(&r.job)));
                }
                vec![]
            }
            _ => return None,
        };
        self.queue.scroll_into_view(rows as usize);
        Some(fx)
    }

    /// Queue the marked entries of `side` (or the one under the cursor, or `only`) for the
    /// other pane's directory (or `into`, a directory there).
    fn queue_transfer(&mut self, side: Side, into: Option<String>, is_move: bool) -> Vec<Effect> {
        use crate::transfer::{Direction, JobKind, JobSpec};
        if !matches!(self.conn, Conn::Connected { .. }) {
            return self.not_connected();
        }
        let target = self.pane(side.other());
        if target.path.is_empty() {
            self.set_status(t("The other pane has no directory yet"), true);
            return vec![];
        }
        let dst_dir = into.unwrap_or_else(|| target.path.clone());
        let pane = self.pane(side);
        let chosen = self.chosen(side);
        let direction = match side {
            Side::Local => Direction::Upload,
            Side::Remote => Direction::Download,
        };
        let mut specs = Vec::new();
        let mut refused = Vec::new();
        for e in chosen {
            let kind = match e.kind {
                crate::fs::EntryKind::Dir => JobKind::Dir,
                crate::fs::EntryKind::File => JobKind::File,
                // Links are not followed: that is how trees escape their directory.
                _ => {
                    refused.push(e.name.clone());
                    continue;
                }
            };
            if crate::fs::validate_name(&e.name).is_err() {
                refused.push(e.name.clone());
                continue;
            }
            specs.push(JobSpec {
                direction,
                kind,
                src: join_path(side, &pane.path, &e.name).into(),
                dst: join_path(side.other(), &dst_dir, &e.name).into(),
                size: (kind == JobKind::File).then_some(e.size),
                mtime: e.mtime,
                is_move,
            });
        }
        if specs.is_empty() {
            let msg = if refused.is_empty() {
                t("Nothing to copy: mark entries with Space or move to one").to_string()
            } else {
                tr!(
                    "Not copied (links and special files are skipped): {names}",
                    names = refused.join(", ")
                )
            };
            self.set_status(msg, !refused.is_empty());
            return vec![];
        }
        let mut msg = if is_move {
            tr!(
                "Moving {n} item(s) to {dir}",
                n = specs.len(),
                dir = dst_dir
            )
        } else {
            tr!(
                "Copying {n} item(s) to {dir}",
                n = specs.len(),
                dir = dst_dir
            )
        };
        if !refused.is_empty() {
            msg.push(' ');
            msg.push_str(&tr!("(skipped: {names})", names = refused.join(", ")));
        }
        self.set_status(msg, false);
        self.pane_mut(side).marked.clear();
        self.queue.visible = true;
        vec![Effect::Engine(EngineCmd::Enqueue(specs))]
    }

    /// The end of a mouse drag: drop on the other pane queues a copy.
    fn drop_at(&mut self, col: u16, row: u16) -> Vec<Effect> {
        let Some((from, idx, was_selected)) = self.drag.take() else {
            return vec![];
        };
        let areas = self.areas();
        let to = from.other();
        if !areas.pane(to).contains_cell(col, row) {
            // A second click (press and release) on the selected row opens it.
            let same_row = areas.pane(from).contains_cell(col, row)
                && areas.row_at(from, row).map(|i| self.pane(from).offset + i) == Some(idx);
            if same_row && was_selected {
                return self.open(from);
            }
            return vec![];
        }
        // Dragging an unmarked row drags that row alone.
        let pane = self.pane_mut(from);
        if let Some(e) = pane.row(idx)
            && !pane.marked.contains(&e.name)
        {
            pane.marked.clear();
            pane.cursor = idx;
        }
        let target = self.pane(to);
        let into = areas
            .row_at(to, row)
            .map(|i| target.offset + i)
            .and_then(|i| target.row(i))
            .filter(|e| e.is_dir() && e.name != "..")
            .map(|e| join_path(to, &target.path, &e.name));
        self.queue_transfer(from, into, false)
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

    fn click(&mut self, col: u16, row: u16) -> Vec<Effect> {
        let areas = self.areas();
        self.drag = None;
        if areas.queue.contains_cell(col, row) {
            self.queue_focus = true;
            // Below the top border: the first job.
            let first = areas.queue.y + 1;
            if row >= first {
                let i = self.queue.offset + (row - first) as usize;
                if i < self.queue.filtered_len() {
                    self.queue.cursor = i;
                }
            }
            return vec![];
        }
        for side in [Side::Local, Side::Remote] {
            let a = areas.pane(side);
            if a.contains_cell(col, row) {
                self.focus = side;
                self.queue_focus = false;
                if let Some(i) = areas.row_at(side, row) {
                    let pane = self.pane_mut(side);
                    let idx = pane.offset + i;
                    if idx < pane.len() {
                        let was_selected = pane.cursor == idx;
                        pane.cursor = idx;
                        self.drag = Some((side, idx, was_selected));
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
            match key.key {
                Key::Esc | Key::Enter | Key::F(1) | Key::Char('?') | Key::Char('q') => {
                    self.help = false;
                    self.help_top = 0;
                }
                Key::Down | Key::Char('j') => self.help_top += 1,
                Key::Up | Key::Char('k') => self.help_top = self.help_top.saturating_sub(1),
                Key::PageDown | Key::Char(' ') => self.help_top += 10,
                Key::PageUp => self.help_top = self.help_top.saturating_sub(10),
                Key::Home => self.help_top = 0,
                Key::End => self.help_top = usize::MAX,
                _ => {}
            }
            self.help_top = self.help_top.min(layout::help_max_top(self.height));
            return vec![];
        }
        let Some(dialog) = self.dialog.take() else {
            if self.log_focus {
                return self.log_key(key);
            }
            if self.filtering() {
                return self.filter_key(key);
            }
            return vec![];
        };
        match dialog {
            Dialog::Conflict(mut form) => match form.key(key) {
                dialog::ConflictKey::Stay => {
                    self.dialog = Some(Dialog::Conflict(form));
                    vec![]
                }
                dialog::ConflictKey::Close => vec![],
                dialog::ConflictKey::Choose(choice) => {
                    let fx = vec![Effect::Engine(EngineCmd::Resolve {
                        id: form.id,
                        choice,
                        all: form.all,
                    })];
                    // "All" answers the conflicts of this job's operation (its batch) only.
                    let batch = self.queue.rows.get(&form.id).map(|r| r.job.batch);
                    if let (true, Some(b)) = (form.all, batch) {
                        self.queue.policies.insert(b, choice);
                    }
                    self.next_conflict(Some(form.id));
                    fx
                }
            },
            Dialog::Certificate(form) => match key.key {
                // A certificate that no longer matches its pin is refused: no key trusts it.
                Key::Char('o') | Key::Char('a') if form.info.pinned_mismatch.is_none() => {
                    let mut opts = form.opts.clone();
                    opts.trust.pin = Some(form.info.sha256.clone());
                    let mut fx = Vec::new();
                    if key.key == Key::Char('a') {
                        fx.push(Effect::SavePin {
                            host: opts.host.clone(),
                            port: opts.port,
                            sha256: form.info.sha256.clone(),
                        });
                    }
                    fx.extend(self.connect(opts, form.path.clone()));
                    fx
                }
                Key::Esc | Key::Char('q') | Key::Char('n') => {
                    self.set_status(
                        t("Not connected: the server's certificate was not trusted"),
                        true,
                    );
                    vec![]
                }
                _ => {
                    self.dialog = Some(Dialog::Certificate(form));
                    vec![]
                }
            },
            Dialog::Prompt(form) => self.prompt_key(form, key),
            Dialog::Console(form) => self.console_key(form, key),
            // Arrows and pages scroll the notes; any other key closes them.
            Dialog::Notes(mut v) => {
                let max = layout::notes_max_scroll(
                    &v,
                    ratatui::layout::Rect::new(0, 0, self.width, self.height),
                );
                let page = (self.height as usize).saturating_sub(6).max(1);
                v.scroll = match key.key {
                    Key::Up | Key::Char('k') => v.scroll.saturating_sub(1),
                    Key::Down | Key::Char('j') => v.scroll + 1,
                    Key::PageUp => v.scroll.saturating_sub(page),
                    Key::PageDown | Key::Char(' ') => v.scroll + page,
                    Key::Home => 0,
                    Key::End => max,
                    _ => return vec![],
                }
                .min(max);
                self.dialog = Some(Dialog::Notes(v));
                vec![]
            }
            Dialog::Sync(form) => self.sync_key(form, key),
            Dialog::View(form) => self.view_key(form, key),
            Dialog::Menu(form) => self.menu_key(form, key),
            Dialog::Confirm(form) => self.confirm_key(form, key),
            Dialog::Chmod(form) => self.chmod_key(form, key),
            // Any key closes the facts.
            Dialog::Info(_) => vec![],
            Dialog::ConfirmQuit => match key.key {
                Key::Char('y') | Key::Char('Y') | Key::Enter => {
                    self.quit = true;
                    vec![Effect::Quit]
                }
                _ => vec![],
            },
            Dialog::Bookmarks(mut list) => match list.key(key) {
                bookmarks::ListKey::Stay => {
                    self.dialog = Some(Dialog::Bookmarks(list));
                    vec![]
                }
                bookmarks::ListKey::Close => {
                    if matches!(self.conn, Conn::Disconnected) {
                        self.set_status(t("Not connected: o connects, b lists bookmarks"), false);
                    }
                    vec![]
                }
                bookmarks::ListKey::Connect(p) => {
                    self.set_status(tr!("Connecting to {label}…", label = p.name), false);
                    vec![Effect::ResolveProfile(p)]
                }
                bookmarks::ListKey::Add => {
                    let mut form =
                        bookmarks::BookmarkForm::new(crate::bookmarks::Profile::new("", ""), None);
                    form.keyring = self.keyring;
                    self.dialog = Some(Dialog::BookmarkForm(Box::new(form)));
                    vec![]
                }
                bookmarks::ListKey::Edit(p) => {
                    let old = Some(p.name.clone());
                    let mut form = bookmarks::BookmarkForm::new(p, old);
                    form.keyring = self.keyring;
                    self.dialog = Some(Dialog::BookmarkForm(Box::new(form)));
                    vec![]
                }
                bookmarks::ListKey::Duplicate(mut p) => {
                    let mut name = format!("{} (copy)", p.name);
                    let mut n = 2;
                    while list.profiles.iter().any(|x| x.name == name) {
                        name = format!("{} (copy {n})", p.name);
                        n += 1;
                    }
                    p.name = name;
                    self.dialog = Some(Dialog::Bookmarks(list));
                    vec![Effect::SaveBookmark {
                        profile: p,
                        old_name: None,
                    }]
                }
                bookmarks::ListKey::Delete(name) => {
                    self.dialog = Some(Dialog::Bookmarks(list));
                    vec![Effect::DeleteBookmark(name)]
                }
            },
            Dialog::BookmarkForm(mut form) => {
                if key.key == Key::Esc {
                    self.dialog = Some(Dialog::Bookmarks(bookmarks::BookmarkList::default()));
                    return vec![Effect::LoadBookmarks];
                }
                if form.key(key)
                    && let Ok(profile) = form.profile()
                {
                    let old_name = form.old_name.clone();
                    self.dialog = Some(Dialog::Bookmarks(bookmarks::BookmarkList {
                        unsaved: Some(form),
                        ..Default::default()
                    }));
                    return vec![Effect::SaveBookmark { profile, old_name }];
                }
                self.dialog = Some(Dialog::BookmarkForm(form));
                vec![]
            }
            Dialog::Connect(form) if key.ctrl && key.key == Key::Char('s') => {
                // Save what is typed as a bookmark (never the password).
                let mut p = crate::bookmarks::Profile::new(form.host.trim(), form.host.trim());
                p.port = form.port.trim().parse().unwrap_or(21);
                p.user = Some(form.user.trim().to_string()).filter(|u| !u.is_empty());
                p.anonymous = p.user.is_none();
                p.remote_dir = form.path.clone();
                let problems = p.validate();
                let mut form = form;
                if let Some((field, msg)) = problems.first() {
                    form.error = Some(tr!(
                        "Cannot save: {field} {problem}",
                        field = t(field),
                        problem = msg
                    ));
                    self.dialog = Some(Dialog::Connect(form));
                    return vec![];
                }
                form.error = Some(tr!(
                    "Saved as bookmark {name}",
                    name = format!("{:?}", p.name)
                ));
                self.dialog = Some(Dialog::Connect(form));
                vec![Effect::SaveBookmark {
                    profile: p,
                    old_name: None,
                }]
            }
            Dialog::Connect(mut form) => match key.key {
                Key::Esc => {
                    if matches!(self.conn, Conn::Disconnected) {
                        self.set_status(t("Remote pane not connected: press o to connect"), false);
                    }
                    vec![]
                }
                Key::Enter => match form.validate() {
                    Ok((opts, path)) => {
                        let mut fx = Vec::new();
                        if let Some(dir) = form.local_dir.clone() {
                            fx.push(self.list(Side::Local, Nav::To(dir)));
                        }
                        fx.extend(self.connect(opts, path));
                        fx
                    }
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
                if let crate::ftp::LogKind::Reply { code, .. } = e.kind {
                    self.learn_commands(code, &e.text);
                }
                self.log.push(e, self.lang);
                vec![]
            }
            Event::Quoted { req, result } => self.quoted(req, result),
            Event::ServerFacts { req, result } => {
                self.facts_arrived(req, result);
                vec![]
            }
            Event::LogSaved { path, result } => {
                self.log_saved(path, result);
                vec![]
            }
            Event::ConnectWaiting { req, wait } => {
                if matches!(self.conn, Conn::Connecting { req: r, .. } if r == req) {
                    self.set_status(
                        tr!(
                            "{reason}: trying again in {secs} s (attempt {next} of {of}) · Esc stops",
                            reason = wait.reason,
                            secs = wait.left.as_secs_f32().ceil(),
                            next = wait.next,
                            of = wait.of
                        ),
                        true,
                    );
                }
                vec![]
            }
            Event::Engine(e) => self.engine_event(e),
            Event::KeyringFound(kind) => {
                self.keyring = Some(kind);
                if let Some(Dialog::BookmarkForm(form)) = &mut self.dialog {
                    form.keyring = Some(kind);
                }
                vec![]
            }
            Event::BookmarksLoaded { profiles, error } => {
                if let Some(Dialog::Bookmarks(list)) = &mut self.dialog {
                    list.profiles = profiles;
                    list.error = error;
                    list.cursor = list.cursor.min(list.filtered().len().saturating_sub(1));
                }
                vec![]
            }
            Event::BookmarkStored(r) => {
                let unsaved = match &mut self.dialog {
                    Some(Dialog::Bookmarks(list)) => list.unsaved.take(),
                    _ => None,
                };
                match r {
                    Ok(msg) => self.set_status(msg, false),
                    Err(e) => {
                        self.set_status(tr!("Bookmarks: {error}", error = e), true);
                        // Back to the form as it was submitted: nothing typed is lost.
                        if let Some(form) = unsaved {
                            self.dialog = Some(Dialog::BookmarkForm(form));
                            return vec![];
                        }
                    }
                }
                if matches!(self.dialog, Some(Dialog::Bookmarks(_))) {
                    vec![Effect::LoadBookmarks]
                } else {
                    vec![]
                }
            }
            Event::ProfileResolved {
                profile,
                password,
                note,
            } => {
                if let Some(n) = note {
                    self.set_status(n, true);
                }
                match password {
                    Ok(Some(secret)) => self.connect_profile(profile, Some(secret)),
                    Ok(None) if profile.anonymous || profile.user.is_none() => {
                        self.connect_profile(profile, None)
                    }
                    Ok(None) => {
                        self.dialog = Some(Dialog::Connect(ConnectForm::for_profile(&profile)));
                        vec![]
                    }
                    Err(e) => {
                        self.set_status(format!("{}: {e}", profile.name), true);
                        vec![]
                    }
                }
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
                        self.recompare();
                        self.keep_cursors_visible();
                        let pane = self.pane_mut(side);
                        if pane.stale {
                            pane.stale = false;
                            let path = pane.path.clone();
                            return vec![self.list(side, Nav::To(path))];
                        }
                    }
                    Err(e) => {
                        pane.select = None;
                        pane.error = Some(e.message.clone());
                        // A move through the history that failed: still here, so the entry
                        // for here comes off the other list (the one that failed is dropped).
                        match pane.history_move.take() {
                            Some(true) => {
                                pane.forward.pop();
                            }
                            Some(false) => {
                                pane.back.pop();
                            }
                            None => {}
                        }
                        self.show_error(t("Cannot open directory"), &e);
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
                self.set_status(tr!("Connected to {label}", label = label), false);
                let path = self.initial_remote.take().unwrap_or_default();
                let mut fx = vec![
                    Effect::StartTransfers,
                    self.list(Side::Remote, Nav::To(path.clone())),
                ];
                if let Some(r) = self.recent.take() {
                    fx.push(Effect::RecordRecent(crate::bookmarks::RecentEntry {
                        remote_dir: Some(path).filter(|p| !p.is_empty()),
                        ..r
                    }));
                }
                fx
            }
            Event::ConnectFailed { req, error } => {
                if !matches!(self.conn, Conn::Connecting { req: r, .. } if r == req) {
                    return vec![];
                }
                self.conn = Conn::Disconnected;
                self.remote.loading = 0;
                self.remote.error = Some(error.message.clone());
                self.show_error(t("Connection failed"), &error);
                if let (Some(info), Some((opts, path))) = (&error.cert, self.connecting.take()) {
                    self.dialog = Some(Dialog::Certificate(Box::new(dialog::CertForm {
                        info: (**info).clone(),
                        opts,
                        path,
                    })));
                }
                vec![]
            }
            Event::Viewed { req, title, result } => self.viewed(req, title, result),
            Event::FetchedForEdit { req, result } => self.fetched_for_edit(req, result),
            Event::Edited {
                file,
                remote,
                changed,
            } => self.edited(file, remote, changed),
            Event::RemoteStat { req, result } => self.remote_stat(req, result),
            Event::LocalStat { req, size } => self.local_stat(req, size),
            Event::ListingLine { req, result } => {
                self.listing_line(req, result);
                vec![]
            }
            Event::FsDone {
                side,
                req: _,
                op,
                report,
            } => self.fs_done(side, op, report),
            Event::Disconnected { error } => {
                self.conn = Conn::Disconnected;
                self.remote.loading = 0;
                self.remote.error = Some(error.message.clone());
                self.show_error(t("Disconnected"), &error);
                vec![]
            }
        }
    }
}

impl State {
    fn engine_event(&mut self, e: crate::transfer::EngineEvent) -> Vec<Effect> {
        let conflict = matches!(&e, crate::transfer::EngineEvent::Changed(j)
            if matches!(j.state, crate::transfer::JobState::Conflict { .. }));
        let finished = self.queue.apply(e);
        let rows = self.areas().queue.height.saturating_sub(2) as usize;
        self.queue.scroll_into_view(rows);
        if conflict && self.dialog.is_none() {
            self.next_conflict(None);
        }
        // A finished transfer refreshes the pane that shows its target directory.
        let mut fx = Vec::new();
        for job in finished {
            if job.spec.direction == crate::transfer::Direction::Upload
                && let Some(e) = self.edit_upload_done(&job.spec.src)
            {
                fx.push(e);
            }
            let (side, dir) = match job.spec.direction {
                crate::transfer::Direction::Download => {
                    (Side::Local, parent_of(Side::Local, &job.spec.dst))
                }
                crate::transfer::Direction::Upload => {
                    (Side::Remote, parent_of(Side::Remote, &job.spec.dst))
                }
            };
            let pane = self.pane_mut(side);
            if pane.path == dir {
                if pane.loading == 0
                    && !fx
                        .iter()
                        .any(|f| matches!(f, Effect::List { side: s, .. } if *s == side))
                {
                    let path = pane.path.clone();
                    fx.push(self.list(side, Nav::To(path)));
                } else {
                    pane.stale = true;
                }
            }
        }
        fx
    }

    /// Open the dialog for the next job waiting on a conflict (after `done`, if given), not
    /// one of a batch an "apply to all" answer settles (the engine answers those).
    fn next_conflict(&mut self, done: Option<crate::transfer::JobId>) {
        let next = self
            .queue
            .order
            .iter()
            .filter_map(|id| self.queue.rows.get(id))
            .find(|r| {
                Some(r.job.id) != done
                    && !self.queue.policies.contains_key(&r.job.batch)
                    && matches!(r.job.state, crate::transfer::JobState::Conflict { .. })
            });
        if let Some(r) = next {
            self.dialog = Some(Dialog::Conflict(ConflictForm::from_job(&r.job)));
        }
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

pub mod compare;
pub mod console;
pub mod edit;
pub mod facts;
mod find;
pub mod keymap;
pub mod layout;
pub mod logview;
mod ops;
pub mod view;

#[cfg(test)]
mod tests;
