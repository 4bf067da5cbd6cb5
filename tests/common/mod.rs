//! Helpers for the end-to-end tests: the pty harness, skiff's screen layout, and an in-process
//! FTP server (the same libunftp server `skiff --demo` embeds).

#![allow(dead_code, unused_imports)]

pub mod busy;
pub mod collide;
pub mod engine;
pub mod fault_proxy;
pub mod ftpstub;
pub mod pki;
pub mod pty;
pub mod trees;

use std::path::PathBuf;

pub use pty::{Pty, Screen, Spawn, TIMEOUT};

use skiff::demo::{DemoOptions, DemoServer};

/// The skiff binary Cargo built for these tests.
pub fn skiff() -> Spawn {
    Spawn::new(env!("CARGO_BIN_EXE_skiff")).size(120, 36)
}

/// An embedded FTP server on 127.0.0.1, with the tokio runtime that drives it kept alive for
/// as long as the value lives.
pub struct TestServer {
    server: Option<DemoServer>,
    stub: Option<ftpstub::StubServer>,
    rt: Option<tokio::runtime::Runtime>,
    pub port: u16,
    pub root: PathBuf,
}

impl TestServer {
    pub fn start(opts: DemoOptions) -> TestServer {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime for the test server");
        let server = rt
            .block_on(skiff::demo::start(opts))
            .expect("starting the embedded FTP server");
        TestServer {
            port: server.port,
            root: server.root.clone(),
            server: Some(server),
            stub: None,
            rt: Some(rt),
        }
    }

    /// The scripted stub server (see `ftpstub`) serving `tree` to demo/demo.
    pub fn stub(tree: ftpstub::StubTree) -> TestServer {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime for the test server");
        let stub = rt
            .block_on(ftpstub::start(tree, "demo", "demo"))
            .expect("starting the stub FTP server");
        TestServer {
            port: stub.port,
            root: PathBuf::new(),
            server: None,
            stub: Some(stub),
            rt: Some(rt),
        }
    }

    /// A front that answers its first `refuse_first` connections with `421` (see `busy`).
    pub fn busy_front(
        &self,
        refuse_first: usize,
    ) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
        let rt = self.rt.as_ref().expect("the server's runtime");
        rt.block_on(busy::start(self.port, refuse_first))
    }

    /// `ftp://USER[:PASSWORD]@127.0.0.1:PORT/`
    pub fn url(&self, user: &str, password: Option<&str>) -> String {
        match password {
            Some(p) => format!("ftp://{user}:{p}@127.0.0.1:{}/", self.port),
            None => format!("ftp://{user}@127.0.0.1:{}/", self.port),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        drop(self.server.take());
        drop(self.stub.take());
        if let Some(rt) = self.rt.take() {
            rt.shutdown_background();
        }
    }
}

/// Where a pane is on screen, found from its frame (so it follows the log panel's size).
#[derive(Debug, Clone, Copy)]
pub struct PaneBox {
    /// Column of the left border.
    pub x: u16,
    pub width: u16,
    /// Row of the top border (0) and of the bottom border.
    pub top: u16,
    pub bottom: u16,
}

impl PaneBox {
    /// First column inside the frame.
    pub fn inner_x(&self) -> u16 {
        self.x + 1
    }
    pub fn inner_width(&self) -> u16 {
        self.width.saturating_sub(2)
    }
    /// Screen row of the first entry (under the column header).
    pub fn first_row(&self) -> u16 {
        self.top + 2
    }
    /// Screen rows that show entries.
    pub fn entry_rows(&self) -> std::ops::Range<u16> {
        self.first_row()..self.bottom
    }
}

/// Which pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Local,
    Remote,
}

/// Move a pane's cursor down (`j`) until it is on `name`, waiting for each step to show;
/// panics with the screen when the end of the list comes first.
pub fn walk_to(t: &mut Pty, side: Side, name: &str) {
    for _ in 0..500 {
        let s = t.screen();
        if s.cursor_is(side, name) {
            return;
        }
        let before = s.cursor(side);
        t.send_keys("j");
        t.expect(&format!("the cursor to move towards {name}"), |s| {
            s.cursor(side) != before
        });
    }
    panic!("{name} not reached\n{}", t.screen().framed());
}

/// skiff-specific reading of a screen.
pub trait SkiffScreen {
    fn pane(&self, side: Side) -> Option<PaneBox>;
    /// The entry rows of a pane, trimmed.
    fn entries(&self, side: Side) -> Vec<String>;
    /// The highlighted entry row of a pane (the cursor), trimmed.
    fn cursor(&self, side: Side) -> Option<String>;
    /// The pane's bottom border line (its footer: `N dirs, M files`, `loading…`, an error).
    fn footer(&self, side: Side) -> String;
    /// The status line under the log.
    fn status(&self) -> String;
    /// Whether the pane has the keyboard (its border is thick).
    fn focused(&self, side: Side) -> bool;
    /// Whether a pane's cursor row starts with `name` (the name column, then spaces).
    fn cursor_is(&self, side: Side, name: &str) -> bool {
        self.cursor(side)
            .is_some_and(|c| c == name || c.starts_with(&format!("{name} ")))
    }
    /// Whether any entry row of the pane starts with `name`.
    fn has_entry(&self, side: Side, name: &str) -> bool {
        self.entries(side)
            .iter()
            .any(|r| r == name || r.starts_with(&format!("{name} ")))
    }
}

impl SkiffScreen for Screen {
    fn pane(&self, side: Side) -> Option<PaneBox> {
        let (cols, rows) = self.size();
        let left_w = cols / 2;
        let (x, width) = match side {
            Side::Local => (0, left_w),
            Side::Remote => (left_w, cols - left_w),
        };
        let corner = |row: u16| self.0.cell(row, x).map(|c| c.contents().to_string());
        if !matches!(corner(0).as_deref(), Some("┌" | "┏")) {
            return None;
        }
        let bottom = (1..rows).find(|&r| matches!(corner(r).as_deref(), Some("└" | "┗")))?;
        Some(PaneBox {
            x,
            width,
            top: 0,
            bottom,
        })
    }

    fn entries(&self, side: Side) -> Vec<String> {
        let Some(p) = self.pane(side) else {
            return Vec::new();
        };
        p.entry_rows()
            .map(|r| {
                self.cells(r, p.inner_x(), p.inner_width())
                    .trim_end()
                    .to_string()
            })
            .collect()
    }

    fn cursor(&self, side: Side) -> Option<String> {
        let p = self.pane(side)?;
        p.entry_rows()
            .find(|&r| self.highlighted(r, p.inner_x()))
            .map(|r| {
                self.cells(r, p.inner_x(), p.inner_width())
                    .trim_end()
                    .to_string()
            })
    }

    fn footer(&self, side: Side) -> String {
        match self.pane(side) {
            Some(p) => self.cells(p.bottom, p.x, p.width),
            None => String::new(),
        }
    }

    fn focused(&self, side: Side) -> bool {
        self.pane(side)
            .is_some_and(|p| self.0.cell(p.top, p.x).is_some_and(|c| c.contents() == "┏"))
    }

    fn status(&self) -> String {
        let (cols, rows) = self.size();
        self.cells(rows.saturating_sub(2), 0, cols)
            .trim_end()
            .to_string()
    }
}
