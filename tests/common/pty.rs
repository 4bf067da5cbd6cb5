//! Drive a terminal program in a pseudo-terminal and read its screen back through a vt100
//! emulator. Shared by the end-to-end tests (`tests/e2e_pty.rs`) and the benchmark harness
//! (`benches/tui.rs`, which includes this file by path), so it depends only on `portable-pty`
//! and `vt100`.
//!
//! A reader thread feeds everything the child writes into a `vt100::Parser` and wakes waiters
//! through a condition variable, so `wait_for` sees each new screen state as soon as it is
//! drawn, without fixed sleeps. Dropping a [`Pty`] kills the child.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

/// The default time a test waits for something to appear. Generous: CI is a 2-core machine.
pub const TIMEOUT: Duration = Duration::from_secs(20);

/// How long the output must pause before a screen counts as settled (fully drawn).
pub const SETTLE: Duration = Duration::from_millis(25);

/// What to spawn and how.
pub struct Spawn {
    program: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, OsString)>,
    cols: u16,
    rows: u16,
    cwd: Option<PathBuf>,
    /// A fresh, empty `HOME` and `XDG_CONFIG_HOME` so the user's config never leaks in.
    isolate_home: bool,
    watches: Vec<String>,
}

impl Spawn {
    pub fn new(program: impl AsRef<Path>) -> Spawn {
        Spawn {
            program: program.as_ref().to_path_buf(),
            args: Vec::new(),
            env: Vec::new(),
            cols: 120,
            rows: 36,
            cwd: None,
            isolate_home: true,
            watches: Vec::new(),
        }
    }

    /// Record every screen row that ever contains `needle` from the first byte on (see
    /// [`Pty::watch`]).
    pub fn watch(mut self, needle: &str) -> Spawn {
        self.watches.push(needle.to_string());
        self
    }

    pub fn arg(mut self, a: impl Into<OsString>) -> Spawn {
        self.args.push(a.into());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Spawn
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    pub fn env(mut self, k: impl Into<OsString>, v: impl Into<OsString>) -> Spawn {
        self.env.push((k.into(), v.into()));
        self
    }

    pub fn size(mut self, cols: u16, rows: u16) -> Spawn {
        self.cols = cols;
        self.rows = rows;
        self
    }

    pub fn cwd(mut self, dir: impl AsRef<Path>) -> Spawn {
        self.cwd = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Keep the caller's HOME (benchmarks against a release build may want that; tests never).
    pub fn keep_home(mut self) -> Spawn {
        self.isolate_home = false;
        self
    }

    pub fn spawn(self) -> Result<Pty, String> {
        Pty::spawn(self)
    }
}

struct Shared {
    parser: vt100::Parser,
    /// Every byte the child wrote, in order.
    raw: Vec<u8>,
    /// Number of reads so far (each one a chunk of output).
    chunks: u64,
    last_output: Option<Instant>,
    eof: bool,
    /// Substrings to look for on every intermediate screen, and the rows they were seen in.
    watches: Vec<String>,
    seen: BTreeSet<String>,
}

/// A child process in a pseudo-terminal.
pub struct Pty {
    shared: Arc<(Mutex<Shared>, Condvar)>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    // Kept so the pty stays open (and resizable) for the child's whole life.
    master: Box<dyn MasterPty + Send>,
    reader: Option<JoinHandle<()>>,
    pid: Option<u32>,
    spawned_at: Instant,
    exit: Option<ExitStatus>,
    _home: Option<TempDirGuard>,
    cols: u16,
    rows: u16,
}

/// A throwaway directory removed on drop (the harness avoids depending on `tempfile` so the
/// benchmark can include it as it is).
struct TempDirGuard(PathBuf);

impl TempDirGuard {
    fn new(prefix: &str) -> std::io::Result<TempDirGuard> {
        let base = std::env::temp_dir();
        for i in 0..1000u32 {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.subsec_nanos())
                .unwrap_or(0);
            let p = base.join(format!("{prefix}{}-{nanos:x}-{i}", std::process::id()));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(TempDirGuard(p)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(std::io::Error::other("could not create a temp dir"))
    }
}

impl Drop for TempDirGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn lock(m: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    // A panicking waiter must not hide the screen from the next one.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Pty {
    fn spawn(s: Spawn) -> Result<Pty, String> {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: s.rows,
                cols: s.cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| format!("openpty: {e}"))?;
        let mut cmd = CommandBuilder::new(&s.program);
        cmd.args(&s.args);
        // A known, minimal environment: nothing from the caller's shell changes the result.
        cmd.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            cmd.env("PATH", path);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        cmd.env("RUST_BACKTRACE", "1");
        let home = if s.isolate_home {
            let h = TempDirGuard::new("skiff-pty-home-").map_err(|e| format!("temp home: {e}"))?;
            let config = h.0.join(".config");
            std::fs::create_dir_all(&config).map_err(|e| format!("temp home: {e}"))?;
            cmd.env("HOME", &h.0);
            cmd.env("XDG_CONFIG_HOME", &config);
            Some(h)
        } else {
            for k in ["HOME", "XDG_CONFIG_HOME"] {
                if let Some(v) = std::env::var_os(k) {
                    cmd.env(k, v);
                }
            }
            None
        };
        for (k, v) in &s.env {
            cmd.env(k, v);
        }
        match &s.cwd {
            Some(d) => cmd.cwd(d),
            None => cmd.cwd(std::env::temp_dir()),
        }
        let spawned_at = Instant::now();
        let child = pair
            .slave
            .spawn_command(cmd)
            .map_err(|e| format!("spawning {}: {e}", s.program.display()))?;
        // Only the child holds the slave side now, so its exit gives the reader an EOF.
        drop(pair.slave);
        let pid = child.process_id();
        let mut reader = pair
            .master
            .try_clone_reader()
            .map_err(|e| format!("pty reader: {e}"))?;
        let writer = pair
            .master
            .take_writer()
            .map_err(|e| format!("pty writer: {e}"))?;
        let shared = Arc::new((
            Mutex::new(Shared {
                parser: vt100::Parser::new(nz(s.rows), nz(s.cols), 0),
                raw: Vec::with_capacity(64 * 1024),
                chunks: 0,
                last_output: None,
                eof: false,
                watches: s.watches.clone(),
                seen: BTreeSet::new(),
            }),
            Condvar::new(),
        ));
        let sh = shared.clone();
        let reader = std::thread::Builder::new()
            .name("pty-reader".into())
            .spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                loop {
                    // EIO once the child has exited and the slave is closed: that is the EOF.
                    let n = reader.read(&mut buf).unwrap_or_default();
                    let (m, cv) = &*sh;
                    let mut g = lock(m);
                    if n == 0 {
                        g.eof = true;
                        cv.notify_all();
                        break;
                    }
                    g.parser.process(&buf[..n]);
                    g.raw.extend_from_slice(&buf[..n]);
                    g.chunks += 1;
                    g.last_output = Some(Instant::now());
                    if !g.watches.is_empty() {
                        let rows: Vec<String> = g.parser.screen().rows(0, s.cols).collect();
                        let Shared { watches, seen, .. } = &mut *g;
                        for r in rows {
                            if watches.iter().any(|w| r.contains(w.as_str())) {
                                seen.insert(r.trim_end().to_string());
                            }
                        }
                    }
                    cv.notify_all();
                }
            })
            .map_err(|e| format!("reader thread: {e}"))?;
        Ok(Pty {
            shared,
            writer,
            child,
            master: pair.master,
            reader: Some(reader),
            pid,
            spawned_at,
            exit: None,
            _home: home,
            cols: s.cols,
            rows: s.rows,
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.pid
    }

    pub fn spawned_at(&self) -> Instant {
        self.spawned_at
    }

    pub fn size(&self) -> (u16, u16) {
        (self.cols, self.rows)
    }

    // ---------------------------------------------------------------- input

    /// Write raw bytes to the child's terminal.
    pub fn send(&mut self, bytes: &[u8]) {
        self.writer
            .write_all(bytes)
            .and_then(|_| self.writer.flush())
            .unwrap_or_else(|e| panic!("writing to the pty: {e}"));
    }

    /// Send keys written as text with `<Name>` for special keys, e.g. `"<Tab>jj<Enter>"`.
    /// Names: Enter Tab BackTab Esc BS Del Up Down Left Right Home End PgUp PgDn F1..F12 lt
    /// (a literal `<`). A bare Esc is sent on its own, followed by a tiny pause, so that the
    /// next key is not read as Alt+key.
    pub fn send_keys(&mut self, spec: &str) {
        let mut pending = Vec::new();
        let mut rest = spec;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('<')
                && let Some(end) = after.find('>')
                && let Some(seq) = key_bytes(&after[..end])
            {
                if seq == b"\x1b" {
                    if !pending.is_empty() {
                        self.send(&std::mem::take(&mut pending));
                    }
                    self.send(b"\x1b");
                    std::thread::sleep(Duration::from_millis(60));
                } else {
                    pending.extend_from_slice(seq);
                }
                rest = &after[end + 1..];
                continue;
            }
            let c = rest.chars().next().unwrap_or_default();
            let mut b = [0u8; 4];
            pending.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
            rest = &rest[c.len_utf8()..];
        }
        if !pending.is_empty() {
            self.send(&pending);
        }
    }

    /// A left click (press and release) at a 0-based screen cell, in SGR mouse encoding.
    pub fn click(&mut self, col: u16, row: u16) {
        let (x, y) = (col + 1, row + 1);
        self.send(format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m").as_bytes());
    }

    /// A right click (press) at a 0-based screen cell, in SGR mouse encoding.
    pub fn right_click(&mut self, col: u16, row: u16) {
        let (x, y) = (col + 1, row + 1);
        self.send(format!("\x1b[<2;{x};{y}M\x1b[<2;{x};{y}m").as_bytes());
    }

    /// One notch of the mouse wheel at a 0-based screen cell (`down` scrolls towards the end).
    pub fn wheel(&mut self, col: u16, row: u16, down: bool) {
        let b = if down { 65 } else { 64 };
        self.send(format!("\x1b[<{b};{};{}M", col + 1, row + 1).as_bytes());
    }

    // ---------------------------------------------------------------- output

    /// The screen as plain text, one line per row.
    pub fn screen_text(&self) -> String {
        let (m, _) = &*self.shared;
        lock(m).parser.screen().contents()
    }

    /// A copy of the emulated screen.
    pub fn screen(&self) -> Screen {
        let (m, _) = &*self.shared;
        Screen(lock(m).parser.screen().clone())
    }

    /// Everything the child has written so far.
    pub fn raw_output(&self) -> Vec<u8> {
        let (m, _) = &*self.shared;
        lock(m).raw.clone()
    }

    /// How many output chunks have been read, and when the last one arrived.
    pub fn output_stats(&self) -> (u64, Option<Instant>) {
        let (m, _) = &*self.shared;
        let g = lock(m);
        (g.chunks, g.last_output)
    }

    /// Record every screen row that ever contains `needle`, even on screens that are drawn
    /// over before a test looks (e.g. a log line that scrolls away).
    pub fn watch(&self, needle: &str) {
        let (m, _) = &*self.shared;
        let mut g = lock(m);
        g.watches.push(needle.to_string());
        let rows: Vec<String> = g.parser.screen().rows(0, self.cols).collect();
        for r in rows {
            if r.contains(needle) {
                g.seen.insert(r.trim_end().to_string());
            }
        }
    }

    /// The rows recorded by [`Pty::watch`] that contain `needle`.
    pub fn seen_rows(&self, needle: &str) -> Vec<String> {
        let (m, _) = &*self.shared;
        lock(m)
            .seen
            .iter()
            .filter(|r| r.contains(needle))
            .cloned()
            .collect()
    }

    /// Wait until `pred` holds for the screen, re-checking on every chunk of output. On timeout
    /// the error shows what was expected and the final screen.
    pub fn wait_for<F>(&self, what: &str, timeout: Duration, pred: F) -> Result<Screen, String>
    where
        F: FnMut(&Screen) -> bool,
    {
        self.wait_for_timed(what, timeout, pred).map(|(s, _)| s)
    }

    /// [`Pty::wait_for`] that also returns when the chunk of output that made `pred` true
    /// arrived (for timing; `None` if it already held before any output).
    pub fn wait_for_timed<F>(
        &self,
        what: &str,
        timeout: Duration,
        mut pred: F,
    ) -> Result<(Screen, Option<Instant>), String>
    where
        F: FnMut(&Screen) -> bool,
    {
        let (m, cv) = &*self.shared;
        let deadline = Instant::now() + timeout;
        let mut g = lock(m);
        let mut seen_chunks = u64::MAX;
        loop {
            if g.chunks != seen_chunks {
                seen_chunks = g.chunks;
                let s = Screen(g.parser.screen().clone());
                if pred(&s) {
                    return Ok((s, g.last_output));
                }
            }
            let now = Instant::now();
            if now >= deadline || g.eof {
                let eof = g.eof;
                let screen = Screen(g.parser.screen().clone());
                drop(g);
                let why = if eof {
                    "the program exited while waiting for".to_string()
                } else {
                    format!("timed out after {timeout:?} waiting for")
                };
                return Err(format!("{why}: {what}\n{}", screen.framed()));
            }
            g = cv
                .wait_timeout(g, (deadline - now).min(Duration::from_millis(250)))
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Like [`Pty::wait_for`], but returns a settled screen: once `pred` holds, wait until the
    /// output pauses (a frame can arrive in several writes) and check again, so that the caller
    /// can assert on other parts of the same screen.
    pub fn wait_settled<F>(
        &self,
        what: &str,
        timeout: Duration,
        mut pred: F,
    ) -> Result<Screen, String>
    where
        F: FnMut(&Screen) -> bool,
    {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            self.wait_for(what, left, &mut pred)?;
            self.wait_quiet(SETTLE, Duration::from_secs(2));
            let s = self.screen();
            if pred(&s) {
                return Ok(s);
            }
            if Instant::now() >= deadline {
                return Err(format!("{what} held only briefly\n{}", s.framed()));
            }
        }
    }

    /// `wait_settled` with the default timeout that panics with the screen on failure.
    #[track_caller]
    pub fn expect(&self, what: &str, pred: impl FnMut(&Screen) -> bool) -> Screen {
        match self.wait_settled(what, TIMEOUT, pred) {
            Ok(s) => s,
            Err(e) => panic!("{e}"),
        }
    }

    /// Wait until the screen shows `text`.
    #[track_caller]
    pub fn expect_text(&self, text: &str) -> Screen {
        self.expect(&format!("{text:?} on screen"), |s| s.contains(text))
    }

    /// Wait until no output has arrived for `quiet`, at most `timeout`. Returns the time the
    /// last chunk arrived (None if nothing has arrived at all).
    pub fn wait_quiet(&self, quiet: Duration, timeout: Duration) -> Option<Instant> {
        let (m, cv) = &*self.shared;
        let deadline = Instant::now() + timeout;
        let mut g = lock(m);
        loop {
            let now = Instant::now();
            let last = g.last_output;
            match last {
                Some(t) if now.duration_since(t) >= quiet => return last,
                _ if now >= deadline || g.eof => return last,
                Some(t) => {
                    let wait = (t + quiet)
                        .saturating_duration_since(now)
                        .max(Duration::from_millis(1));
                    g = cv
                        .wait_timeout(g, wait)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
                None => {
                    g = cv
                        .wait_timeout(g, quiet)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
    }

    // ---------------------------------------------------------------- process

    /// Wait for the child to exit and for its last output to be read.
    pub fn wait_exit(&mut self, timeout: Duration) -> Result<ExitStatus, String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(st) = &self.exit {
                let st = st.clone();
                self.wait_eof(
                    deadline
                        .saturating_duration_since(Instant::now())
                        .max(Duration::from_secs(1)),
                );
                return Ok(st);
            }
            match self.child.try_wait() {
                Ok(Some(st)) => self.exit = Some(st),
                Ok(None) if Instant::now() >= deadline => {
                    return Err(format!(
                        "the program did not exit within {timeout:?}\n{}",
                        self.screen().framed()
                    ));
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(10)),
                Err(e) => return Err(format!("waiting for the program: {e}")),
            }
        }
    }

    fn wait_eof(&self, timeout: Duration) -> bool {
        let (m, cv) = &*self.shared;
        let deadline = Instant::now() + timeout;
        let mut g = lock(m);
        while !g.eof {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            g = cv
                .wait_timeout(g, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
        true
    }

    pub fn is_running(&mut self) -> bool {
        self.exit.is_none() && matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGHUP, then SIGKILL after a short grace period (portable-pty's kill).
    pub fn kill(&mut self) {
        if self.exit.is_none() {
            let _ = self.child.kill();
            if let Ok(st) = self.child.wait() {
                self.exit = Some(st);
            }
        }
    }

    /// Resize the terminal (the child gets SIGWINCH).
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let _ = self.master.resize(PtySize {
            rows,
            cols,
            pixel_width: 0,
            pixel_height: 0,
        });
        let (m, _) = &*self.shared;
        lock(m).parser.screen_mut().set_size(nz(rows), nz(cols));
        self.cols = cols;
        self.rows = rows;
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        self.kill();
        // The reader ends with the child (EIO on the master); don't hang a test on it.
        if let Some(r) = self.reader.take()
            && self.wait_eof(Duration::from_secs(2))
        {
            let _ = r.join();
        }
    }
}

fn nz(n: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(n.max(1)).unwrap_or(std::num::NonZeroU16::MIN)
}

/// The escape sequence an xterm sends for a named key.
pub fn key_bytes(name: &str) -> Option<&'static [u8]> {
    Some(match name {
        "Enter" | "CR" => b"\r",
        "Tab" => b"\t",
        "BackTab" | "S-Tab" => b"\x1b[Z",
        "Esc" => b"\x1b",
        "BS" | "Backspace" => b"\x7f",
        "Del" | "Delete" => b"\x1b[3~",
        "Up" => b"\x1b[A",
        "Down" => b"\x1b[B",
        "Right" => b"\x1b[C",
        "Left" => b"\x1b[D",
        "Home" => b"\x1b[H",
        "End" => b"\x1b[F",
        "PgUp" | "PageUp" => b"\x1b[5~",
        "PgDn" | "PageDown" => b"\x1b[6~",
        "F1" => b"\x1bOP",
        "F2" => b"\x1bOQ",
        "F3" => b"\x1bOR",
        "F4" => b"\x1bOS",
        "F5" => b"\x1b[15~",
        "F6" => b"\x1b[17~",
        "F7" => b"\x1b[18~",
        "F8" => b"\x1b[19~",
        "F9" => b"\x1b[20~",
        "F10" => b"\x1b[21~",
        "F11" => b"\x1b[23~",
        "F12" => b"\x1b[24~",
        "C-c" => b"\x03",
        "C-u" => b"\x15",
        "C-x" => b"\x18",
        "lt" => b"<",
        _ => return None,
    })
}

/// A snapshot of the emulated screen with helpers for skiff's layout.
#[derive(Clone)]
pub struct Screen(pub vt100::Screen);

impl Screen {
    pub fn size(&self) -> (u16, u16) {
        let (rows, cols) = self.0.size();
        (cols.get(), rows.get())
    }

    pub fn text(&self) -> String {
        self.0.contents()
    }

    /// The screen with colours and attributes (as escape sequences), to tell apart screens
    /// that differ only in highlighting.
    pub fn formatted(&self) -> String {
        self.0.contents_formatted()
    }

    pub fn contains(&self, s: &str) -> bool {
        self.rows().iter().any(|r| r.contains(s))
    }

    /// Every row in full width (trailing blanks trimmed).
    pub fn rows(&self) -> Vec<String> {
        let (cols, _) = self.size();
        self.0
            .rows(0, cols)
            .map(|r| r.trim_end().to_string())
            .collect()
    }

    /// Row `row`, columns `col..col+width`.
    pub fn cells(&self, row: u16, col: u16, width: u16) -> String {
        self.0
            .rows(col, width)
            .nth(row as usize)
            .unwrap_or_default()
    }

    /// The 0-based screen row of the first row containing `s`.
    pub fn find_row(&self, s: &str) -> Option<u16> {
        self.rows()
            .iter()
            .position(|r| r.contains(s))
            .map(|i| i as u16)
    }

    /// First (row, col) where `s` starts, in display cells.
    pub fn find(&self, s: &str) -> Option<(u16, u16)> {
        let (cols, rows) = self.size();
        for row in 0..rows {
            let text = self.cells(row, 0, cols);
            if let Some(byte) = text.find(s) {
                let col = unicode_cols(&text[..byte]);
                return Some((row, col));
            }
        }
        None
    }

    /// The rows of a rectangle of the screen.
    pub fn region(&self, col: u16, width: u16, top: u16, height: u16) -> Vec<String> {
        self.0
            .rows(col, width)
            .skip(top as usize)
            .take(height as usize)
            .collect()
    }

    /// Whether the cell is drawn highlighted (a background colour or reverse video).
    pub fn highlighted(&self, row: u16, col: u16) -> bool {
        self.0
            .cell(row, col)
            .is_some_and(|c| c.bgcolor() != vt100::Color::Default || c.inverse())
    }

    /// The screen in a frame with row numbers, for failure messages.
    pub fn framed(&self) -> String {
        let (cols, _) = self.size();
        let mut out = String::new();
        let _ = writeln!(out, "     +{}+", "-".repeat(cols as usize));
        for (i, r) in self.0.rows(0, cols).enumerate() {
            let pad = (cols as usize).saturating_sub(unicode_cols(&r) as usize);
            let _ = writeln!(out, "{i:>4} |{r}{}|", " ".repeat(pad));
        }
        let _ = write!(out, "     +{}+", "-".repeat(cols as usize));
        out
    }
}

/// Display width of text as the emulator lays it out (wide CJK cells count 2).
fn unicode_cols(s: &str) -> u16 {
    s.chars()
        .map(|c| {
            let c = c as u32;
            // Enough for the tests' CJK names; vt100 uses unicode-width internally.
            if (0x1100..=0x115F).contains(&c)
                || (0x2E80..=0xA4CF).contains(&c)
                || (0xAC00..=0xD7A3).contains(&c)
                || (0xF900..=0xFAFF).contains(&c)
                || (0xFE30..=0xFE4F).contains(&c)
                || (0xFF00..=0xFF60).contains(&c)
                || (0xFFE0..=0xFFE6).contains(&c)
            {
                2
            } else {
                1
            }
        })
        .sum()
}
