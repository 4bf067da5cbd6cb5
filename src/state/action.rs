//! What can happen: user actions (from the keymap or the mouse), effects that `update` asks the
//! runner to perform, and events the runner reports back. All plain data.

use serde::{Deserialize, Serialize};

use crate::fs::Listing;
use crate::ftp::{ConnectOptions, LogEvent};

/// Which pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Local,
    Remote,
}

impl Side {
    pub fn other(self) -> Side {
        match self {
            Side::Local => Side::Remote,
            Side::Remote => Side::Local,
        }
    }
}

/// A key, independent of the terminal library.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Left,
    Right,
    Up,
    Down,
    Home,
    End,
    PageUp,
    PageDown,
    Insert,
    F(u8),
}

/// A key with its modifiers (shift is folded into the character for printable keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyPress {
    pub key: Key,
    pub ctrl: bool,
    pub alt: bool,
}

impl KeyPress {
    pub fn plain(key: Key) -> KeyPress {
        KeyPress {
            key,
            ctrl: false,
            alt: false,
        }
    }
    pub fn ctrl(c: char) -> KeyPress {
        KeyPress {
            key: Key::Char(c),
            ctrl: true,
            alt: false,
        }
    }
}

/// Things the user can ask for. The `[keys]` section of `assets/config.toml` names these in
/// snake_case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Up,
    Down,
    PageUp,
    PageDown,
    Home,
    End,
    /// Enter the directory (or symlink) under the cursor.
    Open,
    /// Go to the parent directory.
    Parent,
    Refresh,
    SwitchPane,
    Help,
    /// Cycle the log panel: normal, large, hidden.
    CycleLog,
    LogUp,
    LogDown,
    /// Open the connect dialog.
    Connect,
    Quit,
    /// Mark the entry under the cursor and move down (in the queue: pause/resume the job).
    Mark,
    /// Invert the marks of the focused pane.
    InvertMarks,
    /// Queue a copy of the marked entries (or the one under the cursor) to the other pane.
    Copy,
    /// Queue a move: copy, verify, delete the source.
    Move,
    /// Show or hide the queue panel.
    ToggleQueue,
    /// Pause or resume the whole queue.
    PauseAll,
    /// Cancel the selected job.
    CancelJob,
    /// Retry the selected failed job (all failed jobs when none is selected).
    RetryJob,
    RetryFailed,
    JobUp,
    JobDown,
    ClearFinished,
    /// Cycle the queue filter: all, active, failed, done.
    QueueFilter,
    /// Open the bookmark manager.
    Bookmarks,
    /// Make a directory in the focused pane (asks for the name).
    Mkdir,
    /// Create an empty file in the focused pane (asks for the name).
    NewFile,
    /// Rename the entry under the cursor (a prompt prefilled with its name).
    Rename,
    /// Delete the marked entries (or the one under the cursor), after a confirmation.
    Delete,
    /// Change permissions of the marked entries (or the one under the cursor).
    Chmod,
    /// Show everything known about the entry under the cursor.
    Info,
    /// Add up the size of the marked entries (or the one under the cursor), in the background.
    DirSize,
    /// Copy the full path (local) or URL (remote) of the entry under the cursor.
    CopyPath,
    /// Cycle the focused pane's order: name, extension, size, time, each both ways.
    SortCycle,
    /// Show or hide names that start with a dot.
    ToggleHidden,
    /// Filter the pane as you type (fuzzy); Esc clears.
    Filter,
    /// Go to a path typed in a prompt.
    GoTo,
    /// Mark the entries whose names match a glob.
    MarkGlob,
    /// Unmark the entries whose names match a glob.
    UnmarkGlob,
    /// The directory visited before / after this one in the pane's history.
    Back,
    Forward,
    /// Show a file in the built-in pager.
    View,
    /// Edit a file in `$VISUAL`/`$EDITOR` (a remote one through a local copy).
    Edit,
    /// The menu of operations on the entry under the cursor.
    Menu,
    /// Compare the two directories (again to stop).
    Compare,
    /// Compare the files of the same size on both sides by content (the server's checksum
    /// against the local file's).
    CompareContent,
    /// Browse both panes in step.
    SyncBrowse,
    /// Set or clear a bandwidth limit for all transfers, while they run.
    RateLimit,
    /// Keep the server's directory up to date with the local one: what changes here is
    /// uploaded (again to stop).
    KeepUpToDate,
    /// Preview what would make the other pane mirror this one, then queue it.
    SyncPreview,
    /// The command line: FTP commands on the browsing connection.
    Console,
    /// Stop what is waiting: a connection being tried again.
    Cancel,
    /// The log panel takes the keyboard (filter, search, save, explain).
    LogFocus,
    /// What the server is: greeting, SYST, features, encryption, round trip.
    ServerFacts,
    /// Binary → ASCII → auto, for the transfers queued from now on.
    TransferMode,
    /// Text input for an open dialog or overlay (not in the keymap).
    #[serde(skip)]
    Input(KeyPress),
    /// The keys of a chord typed so far (the start of a chord waits for its next key; empty:
    /// none pending). Not in the keymap: the keymap's answer to a key.
    #[serde(skip)]
    Chord(Vec<KeyPress>),
    /// A left click at a screen cell.
    #[serde(skip)]
    Click {
        col: u16,
        row: u16,
    },
    /// The left button released at a screen cell (the end of a click or a drag).
    #[serde(skip)]
    Release {
        col: u16,
        row: u16,
    },
    /// The right button pressed at a screen cell (the context menu).
    #[serde(skip)]
    RightClick {
        col: u16,
        row: u16,
    },
    /// Mouse wheel at a screen cell (`delta` rows, negative is up).
    #[serde(skip)]
    Scroll {
        col: u16,
        row: u16,
        delta: i16,
    },
    #[serde(skip)]
    Resize {
        width: u16,
        height: u16,
    },
    /// Text pasted into the terminal (bracketed paste): typed into the text field that has the
    /// keyboard, never taken as keys.
    #[serde(skip)]
    Paste(String),
}

impl Action {
    /// Actions that only mean something in the queue panel.
    pub fn queue_only(&self) -> bool {
        matches!(
            self,
            Action::CancelJob
                | Action::RetryJob
                | Action::RetryFailed
                | Action::JobUp
                | Action::JobDown
                | Action::ClearFinished
                | Action::QueueFilter
        )
    }

    /// Actions on a pane's entries (not for the queue panel).
    pub fn pane_only(&self) -> bool {
        matches!(
            self,
            Action::SortCycle
                | Action::Refresh
                | Action::View
                | Action::Edit
                | Action::Menu
                | Action::Compare
                | Action::CompareContent
                | Action::SyncBrowse
                | Action::KeepUpToDate
                | Action::SyncPreview
                | Action::ToggleHidden
                | Action::Filter
                | Action::GoTo
                | Action::MarkGlob
                | Action::UnmarkGlob
                | Action::Back
                | Action::Forward
                | Action::Mkdir
                | Action::NewFile
                | Action::Rename
                | Action::Delete
                | Action::Chmod
                | Action::Info
                | Action::DirSize
                | Action::CopyPath
        )
    }
}

/// How a listing request moves the pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Nav {
    /// Go to this path.
    To(String),
    /// Go to the parent of the pane's current path.
    Up(String),
}

/// Work for the effect runner.
#[derive(Debug, Clone)]
pub enum Effect {
    List {
        side: Side,
        nav: Nav,
        req: u64,
    },
    Connect {
        opts: ConnectOptions,
        path: Option<String>,
        req: u64,
        /// Transfer connections for this server (a bookmark's setting), if not the default.
        parallel: Option<u8>,
        /// A bookmark's transfer settings (checks, temporary uploads, segments).
        transfer: crate::transfer::Overrides,
        /// The bandwidth limit in force for this server's transfers (`%`, a bookmark's,
        /// `[transfer] limit_rate`).
        limit_rate: Option<u64>,
    },
    /// The login of the last `Connect` succeeded: start (or keep) the transfer engine for it.
    StartTransfers,
    /// A command for the transfer engine.
    Engine(EngineCmd),
    /// Read the bookmarks file.
    LoadBookmarks,
    /// Add or replace a bookmark (`old_name` for a rename).
    SaveBookmark {
        profile: crate::bookmarks::Profile,
        old_name: Option<String>,
    },
    DeleteBookmark(String),
    /// Find the password for a profile (keyring, command, .netrc), then connect.
    ResolveProfile(crate::bookmarks::Profile),
    /// Remember a connection in the recent list (never with a password).
    RecordRecent(crate::bookmarks::RecentEntry),
    /// A file operation on one side (the browsing connection for the remote side).
    Fs {
        side: Side,
        op: crate::fs::ops::FsOp,
        req: u64,
    },
    /// Read the first `VIEW_LIMIT` bytes of a file for the pager.
    View {
        side: Side,
        path: String,
        size: u64,
        req: u64,
    },
    /// Run the editor on a local file (the TUI steps aside meanwhile); `remote` when it is
    /// the copy of a remote file.
    Edit {
        file: String,
        remote: Option<super::edit::RemoteEdit>,
    },
    /// Download a remote file whole into a private temporary directory, for editing.
    FetchForEdit {
        path: String,
        name: String,
        req: u64,
    },
    /// Stop connecting (the browsing connection's task ends).
    CancelConnect,
    /// Gather the server's facts on the browsing connection.
    ServerFacts {
        req: u64,
    },
    /// Write the log's text to a new file.
    SaveLog {
        path: String,
        text: String,
    },
    /// A command typed on the command line, sent on the browsing connection with the server
    /// in `dir` (the remote pane's directory).
    Quote {
        line: String,
        dir: String,
        req: u64,
    },
    /// A listing command typed on the command line: its output for the pager
    /// ([`Event::Viewed`]).
    RawListing {
        line: String,
        dir: String,
        req: u64,
    },
    /// The line the server's listing of `dir` gives for `name` (for the info dialog).
    ListingLine {
        dir: String,
        name: String,
        req: u64,
    },
    /// The server's checksum of a remote file (the strongest it offers; for the info dialog).
    Checksum {
        path: String,
        req: u64,
    },
    /// Watch a local directory and upload what changes to a remote one (`None`: stop).
    KeepUpToDate(Option<(String, String)>),
    /// Compare `names` (files of the same size in both directories) by content: the server's
    /// checksum against the local file's.
    CompareContent {
        local_dir: String,
        remote_dir: String,
        names: Vec<String>,
        req: u64,
    },
    /// Size and time of a remote file, as its directory's listing says now.
    StatRemote {
        path: String,
        req: u64,
    },
    /// Remove an edited copy and its private directory.
    RemoveTemp(String),
    /// The size of a local file about to be uploaded (answered with [`Event::LocalStat`]).
    StatLocal {
        path: String,
        req: u64,
    },
    /// Put text on the system clipboard (OSC 52, which terminals pass to the clipboard).
    Clipboard(String),
    /// "Trust always": pin this certificate for the server (in `known_hosts`).
    SavePin {
        host: String,
        port: u16,
        sha256: String,
    },
    Quit,
}

/// The transfer engine's commands: defined once, by the engine.
pub use crate::transfer::EngineCmd;

/// A failure as the UI shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorInfo {
    pub message: String,
    pub code: Option<u16>,
    /// The server's certificate, when it is why the connection failed.
    pub cert: Option<Box<crate::ftp::tls::CertInfo>>,
}

impl ErrorInfo {
    pub fn new(message: impl Into<String>, code: Option<u16>) -> ErrorInfo {
        ErrorInfo {
            message: message.into(),
            code,
            cert: None,
        }
    }
}

impl From<&crate::fs::FsError> for ErrorInfo {
    fn from(e: &crate::fs::FsError) -> Self {
        ErrorInfo::new(e.to_string(), e.code())
    }
}

impl From<&crate::ftp::FtpError> for ErrorInfo {
    fn from(e: &crate::ftp::FtpError) -> Self {
        let mut info = ErrorInfo::new(e.to_string(), e.code());
        if let crate::ftp::FtpError::Certificate(c) = e {
            info.cert = Some(c.clone());
        }
        info
    }
}

/// What the runner reports back.
#[derive(Debug, Clone)]
pub enum Event {
    Listed {
        side: Side,
        req: u64,
        result: Result<Listing, ErrorInfo>,
    },
    Connected {
        req: u64,
        label: String,
    },
    ConnectFailed {
        req: u64,
        error: ErrorInfo,
    },
    /// The browsing connection was lost and could not be re-established.
    Disconnected {
        error: ErrorInfo,
    },
    Log(LogEvent),
    Engine(crate::transfer::EngineEvent),
    BookmarksLoaded {
        profiles: Vec<crate::bookmarks::Profile>,
        error: Option<String>,
    },
    /// Which keyring a "keyring" password goes to (found once at start).
    KeyringFound(crate::bookmarks::KeyringKind),
    /// A save or delete finished (`Err` with the reason).
    BookmarkStored(Result<String, String>),
    /// A file's head for the pager (`true`: there is more).
    Viewed {
        req: u64,
        title: String,
        result: Result<(Vec<u8>, bool), ErrorInfo>,
    },
    /// A remote file was copied for editing (the local copy's path).
    FetchedForEdit {
        req: u64,
        result: Result<String, ErrorInfo>,
    },
    /// The editor exited: whether the file changed (or why it could not run).
    Edited {
        file: String,
        remote: Option<super::edit::RemoteEdit>,
        changed: Result<bool, String>,
    },
    /// The server's facts.
    ServerFacts {
        req: u64,
        result: Result<Box<crate::ftp::session::ServerFacts>, ErrorInfo>,
    },
    /// The log was written (how many lines) or not.
    LogSaved {
        path: String,
        result: Result<usize, String>,
    },
    /// Connecting failed for now and is tried again: a second of the countdown.
    ConnectWaiting {
        req: u64,
        wait: crate::ftp::RetryWait,
    },
    /// The final reply to a command typed on the command line.
    Quoted {
        req: u64,
        result: Result<(u16, String), ErrorInfo>,
    },
    /// The listing line asked for with [`Effect::ListingLine`] (`None`: not in the listing).
    ListingLine {
        req: u64,
        result: Result<Option<String>, ErrorInfo>,
    },
    /// The checksum asked for with [`Effect::Checksum`]: the algorithm's name and the digest
    /// (`None`: the server offers no checksum command).
    Checksum {
        req: u64,
        result: Result<Option<(String, String)>, ErrorInfo>,
    },
    /// What [`Effect::CompareContent`] found.
    ContentCompared {
        req: u64,
        result: Result<ContentComparison, ErrorInfo>,
    },
    /// A local file's size (`None`: it cannot be read).
    LocalStat {
        req: u64,
        size: Option<u64>,
    },
    /// A remote file's size and time now (`None`: not there).
    RemoteStat {
        req: u64,
        result: Result<Option<(u64, Option<i64>)>, ErrorInfo>,
    },
    /// A file operation finished (what did not work is in the report).
    FsDone {
        side: Side,
        req: u64,
        op: crate::fs::ops::FsOp,
        report: crate::fs::ops::OpReport,
    },
    /// The password of a profile: `Ok(None)` means ask; `note` says why, if it matters.
    ProfileResolved {
        profile: crate::bookmarks::Profile,
        password: Result<Option<crate::ftp::Secret>, String>,
        note: Option<String>,
    },
}

/// The outcome of comparing files by content.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ContentComparison {
    /// The digest compared (`None`: the server offers none skiff can compute).
    pub algo: Option<String>,
    /// Files whose digests differ.
    pub differ: Vec<String>,
    /// Files compared and found the same.
    pub same: usize,
    /// Files no digest could be had for, with why.
    pub unknown: Vec<(String, String)>,
}
