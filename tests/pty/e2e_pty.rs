//! End-to-end tests: the real `skiff` binary in a pseudo-terminal, its screen read back through
//! a vt100 emulator, against the embedded FTP server (`--demo`, or one started by the test).
//!
//! Every wait polls the screen (see `common::pty`), with generous timeouts for a 2-core CI box.

use std::time::{Duration, Instant};

use crate::common::{self, Side, SkiffScreen, TestServer, skiff, walk_to};
use skiff::demo::DemoOptions;

/// `--demo`: log in (password masked in the log), browse into `docs/` and back, quit cleanly.
#[test]
fn demo_browse_and_quit() {
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("local-file.txt"), b"x").unwrap();
    let mut t = skiff()
        .arg("--demo")
        .arg("--local")
        .arg(local.path())
        .watch("PASS")
        .watch("< 230")
        .spawn()
        .unwrap();

    t.expect("the demo tree in the remote pane", |s| {
        s.has_entry(Side::Remote, "dir with spaces/")
    });
    // The login lines scroll out of the small log panel at once (several can land in one
    // frame), so enlarge the log and scroll back until the login reply shows.
    t.send_keys("L");
    t.expect("the large log", |s| {
        s.pane(Side::Remote).is_some_and(|p| p.bottom < 20)
    });
    for _ in 0..10 {
        if t.screen().contains("< 230") {
            break;
        }
        let before = t.screen().text();
        t.send_keys("[");
        t.expect("the log to scroll back", |s| s.text() != before);
    }
    let s = t.expect_text("< 230");
    assert!(s.contains("> PASS ****"), "{}", s.framed());
    // Back to following the tail, and back to the normal log size.
    t.send_keys("]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]LL");
    t.expect("the normal layout", |s| {
        s.pane(Side::Remote).is_some_and(|p| p.bottom > 20) && s.contains(" Log ─")
    });
    let s = t.expect_text("local-file.txt");
    assert!(s.has_entry(Side::Local, "local-file.txt"), "{}", s.framed());

    // The server asked for (--demo, a URL, a bookmark) has the keyboard: walk down to docs/.
    t.expect("the remote pane focused, cursor on its first row", |s| {
        s.focused(Side::Remote)
            && !s.focused(Side::Local)
            && s.cursor(Side::Remote).is_some_and(|c| !c.is_empty())
            && s.cursor(Side::Local).is_some()
    });
    walk_to(&mut t, Side::Remote, "docs/");
    assert!(
        t.screen().cursor_is(Side::Remote, "docs/"),
        "{}",
        t.screen().framed()
    );

    t.send_keys("<Enter>");
    let s = t.expect("guide.md in docs/", |s| {
        s.has_entry(Side::Remote, "guide.md")
    });
    assert!(s.has_entry(Side::Remote, "archive/"), "{}", s.framed());
    assert!(s.has_entry(Side::Remote, ".."), "{}", s.framed());

    t.send_keys("<BS>");
    t.expect("back at the root with the cursor on docs/", |s| {
        s.has_entry(Side::Remote, "dir with spaces/") && s.cursor_is(Side::Remote, "docs/")
    });

    // The password is masked everywhere the log ever showed it.
    let pass_rows = t.seen_rows("PASS");
    assert!(
        pass_rows.iter().any(|r| r.contains("> PASS ****")),
        "no masked PASS line was ever on screen: {pass_rows:#?}"
    );
    for r in &pass_rows {
        let after = &r[r.find("PASS").unwrap() + 4..];
        assert!(
            !after.contains("demo"),
            "the password shows after PASS: {r:?}"
        );
    }

    t.send_keys("q");
    let st = t.wait_exit(Duration::from_secs(5)).unwrap();
    assert!(st.success(), "exit status {st:?}\n{}", t.screen().framed());
    let raw = t.raw_output();
    let tail = &raw[raw.len().saturating_sub(128)..];
    assert!(
        tail.windows(8).any(|w| w == b"\x1b[?1049l"),
        "the output does not end by leaving the alternate screen: {:?}",
        String::from_utf8_lossy(tail)
    );
    assert!(
        !t.screen().0.alternate_screen(),
        "still on the alternate screen"
    );
    assert!(!t.screen().0.hide_cursor(), "the cursor is left hidden");
}

/// A wrong password: the 530 reply, its explanation, and a remote pane that says so.
#[test]
fn wrong_password_shows_530_and_its_meaning() {
    let srv = TestServer::start(DemoOptions::default());
    let local = tempfile::tempdir().unwrap();
    let t = skiff()
        .arg("--local")
        .arg(local.path())
        .arg(srv.url("demo", Some("wrong")))
        .watch("530")
        .spawn()
        .unwrap();
    let s = t.expect("530 and a failed connection", |s| {
        s.contains("530") && s.status().contains("Connection failed")
    });
    // The hint from assets/reply-codes.toml, in the status line or the log.
    let hint = "Check the user name and password";
    assert!(
        s.status().contains(hint) || t.seen_rows("530").iter().any(|r| r.contains(hint)),
        "no explanation of 530 on screen\n{}",
        s.framed()
    );
    assert!(
        s.entries(Side::Remote)
            .iter()
            .any(|r| r.contains("Not connected")),
        "{}",
        s.framed()
    );
    assert!(s.status().starts_with(" offline"), "{}", s.framed());
    assert!(
        !s.contains("wrong"),
        "the password is on screen\n{}",
        s.framed()
    );
}

/// No password in the URL: a masked prompt, then a normal login.
#[test]
fn password_prompt_is_masked() {
    let srv = TestServer::start(DemoOptions::default());
    let local = tempfile::tempdir().unwrap();
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .arg(srv.url("demo", None))
        .watch("Password ")
        .spawn()
        .unwrap();
    let s = t.expect_text("Password for demo@127.0.0.1");
    assert!(s.status().starts_with(" offline"), "{}", s.framed());

    t.send_keys("demo");
    let s = t.expect("four stars in the password field", |s| s.contains("****▏"));
    let (row, _) = s.find("Password  ").expect("the password field");
    let field = s.rows()[row as usize].clone();
    assert!(
        !field.contains("demo"),
        "password field shows the password: {field:?}"
    );
    for r in t.seen_rows("Password  ") {
        assert!(
            !r.contains("demo"),
            "password field showed the password: {r:?}"
        );
    }

    t.send_keys("<Enter>");
    let s = t.expect("connected and listed", |s| {
        s.has_entry(Side::Remote, "dir with spaces/") && s.status().starts_with(" online")
    });
    assert!(!s.contains("Password for"), "{}", s.framed());
}

/// Mouse: a click selects, a second click opens, the wheel scrolls.
#[test]
fn mouse_click_opens_and_wheel_scrolls() {
    let local = tempfile::tempdir().unwrap();
    let mut t = skiff()
        .arg("--demo")
        .arg("--local")
        .arg(local.path())
        .spawn()
        .unwrap();
    let s = t.expect("many/ in the remote pane", |s| {
        s.has_entry(Side::Remote, "many/")
    });
    let pane = s.pane(Side::Remote).unwrap();
    let (row, _) = s.find("many/").unwrap();
    let col = pane.inner_x() + 3;

    t.click(col, row);
    t.expect("many/ selected in the focused remote pane", |s| {
        s.cursor_is(Side::Remote, "many/")
    });
    t.click(col, row);
    let s = t.expect("many/ opened", |s| {
        s.footer(Side::Remote).contains("0 dirs, 150 files")
    });
    assert!(s.cursor_is(Side::Remote, ".."), "{}", s.framed());
    assert!(s.has_entry(Side::Remote, "file-000.txt"), "{}", s.framed());

    // Each notch moves the cursor three rows; ten notches put it on entry 30 (file-029).
    let mid = pane.first_row() + 3;
    for _ in 0..10 {
        t.wheel(col, mid, true);
    }
    let s = t.expect("the wheel to scroll down", |s| {
        s.cursor_is(Side::Remote, "file-029.txt")
    });
    assert!(
        !s.has_entry(Side::Remote, ".."),
        "the view did not scroll\n{}",
        s.framed()
    );
    for _ in 0..10 {
        t.wheel(col, mid, false);
    }
    t.expect("the wheel to scroll back up", |s| {
        s.cursor_is(Side::Remote, "..")
    });
    quit(&mut t);
}

/// `?` opens the key help, Esc closes it.
#[test]
fn help_overlay() {
    let local = tempfile::tempdir().unwrap();
    let mut t = skiff()
        .arg("--demo")
        .arg("--local")
        .arg(local.path())
        .spawn()
        .unwrap();
    t.expect("the demo listing", |s| s.has_entry(Side::Remote, "docs/"));
    t.send_keys("?");
    let s = t.expect_text(" Keys ");
    for want in [
        "Move up",
        "Page down",
        "Open directory",
        "Parent directory",
        "Switch pane",
        "Connect to a server",
        "Quit",
        "PageDown",
        "Backspace",
    ] {
        assert!(s.contains(want), "help lacks {want:?}\n{}", s.framed());
    }
    t.send_keys("<Esc>");
    let s = t.expect("the help to close", |s| !s.contains(" Keys "));
    assert!(s.has_entry(Side::Remote, "docs/"), "{}", s.framed());
    // Keys reach the panes again.
    t.send_keys("j");
    t.expect("the remote cursor to move", |s| {
        s.cursor(Side::Remote).is_some_and(|c| !c.is_empty())
    });
    quit(&mut t);
}

/// Quit with `q` and expect a clean exit. (Dropping the `Pty` kills skiff with SIGHUP, which
/// skiff doesn't handle: `--demo` would leave its temporary tree behind.)
fn quit(t: &mut common::Pty) {
    t.send_keys("q");
    let st = t
        .wait_exit(Duration::from_secs(5))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(st.success(), "exit status {st:?}\n{}", t.screen().framed());
}

const N: usize = 100_000;

/// Open `big100k/` from the root of the server at `url` and page through it.
fn browse_hundred_thousand(url: &str, list_timeout: Duration) {
    let local = tempfile::tempdir().unwrap();
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .arg(url)
        .spawn()
        .unwrap();
    t.expect("big100k/ in the remote pane", |s| {
        s.has_entry(Side::Remote, "big100k/")
    });
    t.expect("big100k/ under the cursor", |s| {
        s.cursor_is(Side::Remote, "big100k/")
    });
    let t1 = Instant::now();
    t.send_keys("<Enter>");
    let s = t
        .wait_settled("the 100,000 entries", list_timeout, |s| {
            s.footer(Side::Remote).contains("0 dirs, 100000 files")
        })
        .unwrap_or_else(|e| panic!("{e}"));
    eprintln!("listed {N} entries in {:?}", t1.elapsed());
    assert!(s.has_entry(Side::Remote, "f000000"), "{}", s.framed());
    assert!(s.cursor_is(Side::Remote, ".."), "{}", s.framed());
    let rows = s.pane(Side::Remote).unwrap().entry_rows().len();

    // PageDown moves the cursor a page less one row; the second one scrolls the view.
    let before = s.entries(Side::Remote);
    t.send_keys("<PgDn>");
    let page = rows - 1; // entry 0 is `..`, so entry k is f{k-1}
    t.expect("the cursor a page down", |s| {
        s.cursor_is(Side::Remote, &format!("f{:06}", page - 1))
    });
    t.send_keys("<PgDn>");
    let s = t.expect("the next page", |s| {
        s.cursor_is(Side::Remote, &format!("f{:06}", 2 * page - 1))
    });
    let after = s.entries(Side::Remote);
    assert_ne!(after, before, "the visible rows did not change");
    assert!(!s.has_entry(Side::Remote, "f000000"), "{}", s.framed());
    assert!(
        after[0].starts_with(&format!("f{:06}", page - 1)),
        "{}",
        s.framed()
    );
    t.send_keys("<End>");
    t.expect("the last entry", |s| {
        s.cursor_is(Side::Remote, &format!("f{:06}", N - 1))
    });
    t.send_keys("<Home>");
    t.expect("the first entry", |s| s.cursor_is(Side::Remote, ".."));
}

/// A 100,000-entry directory: listed, sorted, counted and paged. Served by the scripted stub
/// server, in shuffled order: libunftp's file-system backend needs ~20 s just to stat 100,000
/// files in a debug build (see `hundred_thousand_real_files` for that variant).
#[test]
fn hundred_thousand_entries() {
    let mut names: Vec<usize> = (0..N).collect();
    // A fixed shuffle (an LCG), so skiff's sort is exercised.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for i in (1..names.len()).rev() {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        names.swap(i, (x >> 33) as usize % (i + 1));
    }
    let mut tree = common::ftpstub::StubTree::new();
    tree.insert(
        "/".into(),
        vec![
            common::ftpstub::StubEntry::file("readme.txt", 12),
            common::ftpstub::StubEntry::dir("big100k"),
        ],
    );
    tree.insert(
        "/big100k".into(),
        names
            .iter()
            .map(|i| common::ftpstub::StubEntry::file(format!("f{i:06}"), 0))
            .collect(),
    );
    let srv = TestServer::stub(tree);
    browse_hundred_thousand(&srv.url("demo", Some("demo")), Duration::from_secs(30));
}

/// The same with 100,000 real empty files behind the embedded libunftp server. The slowest
/// test (file creation plus ~20 s of server-side stat calls in a debug build), hence its own
/// generous listing timeout.
#[test]
fn hundred_thousand_real_files() {
    let root = tempfile::tempdir().unwrap();
    let big = root.path().join("big100k");
    std::fs::create_dir(&big).unwrap();
    let t0 = Instant::now();
    for i in 0..N {
        std::fs::File::create(big.join(format!("f{i:06}"))).unwrap();
    }
    eprintln!("created {N} files in {:?}", t0.elapsed());
    let srv = TestServer::start(DemoOptions {
        root: Some(root.path().to_path_buf()),
        ..DemoOptions::default()
    });
    browse_hundred_thousand(&srv.url("demo", Some("demo")), Duration::from_secs(120));
}

/// SIGTERM and SIGHUP quit like `q`: exit status 0, the terminal restored, the demo tree gone.
#[test]
fn termination_signals_restore_the_terminal() {
    for sig in ["-TERM", "-HUP"] {
        let local = tempfile::tempdir().unwrap();
        let mut t = skiff()
            .arg("--demo")
            .arg("--local")
            .arg(local.path())
            .spawn()
            .unwrap();
        t.expect("the demo tree", |s| s.has_entry(Side::Remote, "README.txt"));
        // The log's first line names the demo tree's directory.
        t.send_keys("L");
        let mut root = None;
        for _ in 0..40 {
            let text = t.screen().text();
            if let Some(p) = text.split_whitespace().find(|w| w.contains("skiff-demo-")) {
                root = Some(std::path::PathBuf::from(p));
                break;
            }
            let before = text;
            t.send_keys("[");
            t.expect("the log to scroll back", |s| {
                s.text() != before || s.text().contains("skiff-demo-")
            });
        }
        let root = root.expect("the demo root in the log");
        assert!(root.is_dir(), "{}", root.display());
        let pid = t.pid().expect("a pid");
        let st = std::process::Command::new("kill")
            .args([sig, &pid.to_string()])
            .status()
            .unwrap();
        assert!(st.success());
        let st = t.wait_exit(Duration::from_secs(10)).unwrap();
        assert!(st.success(), "{sig}: {st:?}");
        let out = t.raw_output();
        let tail = String::from_utf8_lossy(&out[out.len().saturating_sub(200)..]).to_string();
        assert!(
            tail.contains("\x1b[?1049l"),
            "{sig}: left the alternate screen: {tail:?}"
        );
        assert!(!root.exists(), "{sig}: the demo tree was removed");
    }
}
