//! End-to-end: queueing transfers in the real binary, in a pseudo-terminal, as a person would:
//! mark two files and press F5; drag a file from one pane to the other with the mouse.

use crate::common::collide;

use crate::common::{self, Side, SkiffScreen, skiff, walk_to};

/// Mark two files in the remote pane, F5: they show in the queue, finish, and appear in the
/// local pane, byte for byte.
#[test]
fn mark_two_files_and_copy_with_f5() {
    let local = tempfile::tempdir().unwrap();
    let mut t = skiff()
        .arg("--demo")
        .arg("--local")
        .arg(local.path())
        .spawn()
        .unwrap();
    t.expect("the demo tree", |s| s.has_entry(Side::Remote, "README.txt"));
    t.expect("the remote pane focused", |s| {
        s.cursor(Side::Remote).is_some_and(|c| !c.is_empty())
    });
    // Walk to "dir with spaces/" and open it.
    walk_to(&mut t, Side::Remote, "dir with spaces/");
    t.send_keys("<Enter>");
    t.expect("inside dir with spaces", |s| {
        s.has_entry(Side::Remote, "hello world.txt")
    });
    // Row 0 is "..": Space on the two files below it.
    t.send_keys("j  ");
    let s = t.expect("two marked", |s| {
        s.footer(Side::Remote).contains("2 marked")
    });
    assert!(s.contains("*another file.log"), "{}", s.framed());
    t.send_keys("<F5>");
    let s = t.expect("both files done in the queue", |s| {
        s.contains(" Queue ·") && s.contains("2/2 files")
    });
    assert!(s.contains("another file.log"), "{}", s.framed());
    let s = t.expect("both files in the local pane", |s| {
        s.has_entry(Side::Local, "hello world.txt") && s.has_entry(Side::Local, "another file.log")
    });
    assert!(
        s.contains("xfer-"),
        "the transfer connections show in the log\n{}",
        s.framed()
    );
    assert_eq!(
        std::fs::read(local.path().join("hello world.txt")).unwrap(),
        b"hello, world\n"
    );
    assert_eq!(
        std::fs::read(local.path().join("another file.log")).unwrap(),
        b"line 1\nline 2\n"
    );
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

/// Press on README.txt in the remote pane, drag, release over the local pane.
#[test]
fn drag_a_file_to_the_other_pane() {
    let local = tempfile::tempdir().unwrap();
    std::fs::create_dir(local.path().join("inbox")).unwrap();
    let mut t = skiff()
        .arg("--demo")
        .arg("--local")
        .arg(local.path())
        .spawn()
        .unwrap();
    let s = t.expect("both panes listed", |s| {
        s.has_entry(Side::Remote, "README.txt") && s.has_entry(Side::Local, "inbox/")
    });
    let (row, col) = s.find("README.txt").unwrap();
    let (inbox_row, inbox_col) = s.find("inbox/").unwrap();
    // SGR coordinates are 1-based.
    let (x, y) = (col + 2, row + 1);
    let (tx, ty) = (inbox_col + 3, inbox_row + 1);
    // SGR mouse: press, two motion events with the button held, release on the inbox row.
    t.send(format!("\x1b[<0;{x};{y}M").as_bytes());
    t.send(format!("\x1b[<32;{};{y}M", x - 10).as_bytes());
    t.send(format!("\x1b[<32;{tx};{ty}M").as_bytes());
    t.send(format!("\x1b[<0;{tx};{ty}m").as_bytes());
    t.expect("the queued copy to finish", |s| s.contains("1/1 files"));
    let got = wait_for_file(&local.path().join("inbox/README.txt"));
    assert!(
        got.starts_with(b"Welcome to the skiff demo server."),
        "{got:?}"
    );
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

fn wait_for_file(p: &std::path::Path) -> Vec<u8> {
    for _ in 0..200 {
        if let Ok(b) = std::fs::read(p) {
            return b;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("{} never appeared", p.display());
}

/// Issue 14.1 in the TUI: F5 on a remote directory holding `x`, `x.part`, `x (1)` and
/// `x (1).part`, eight connections, the rename policy, a shorter `x` already local: every
/// file arrives byte-exact under its own name and the local `x` is kept.
#[test]
fn f5_on_names_that_used_to_collide_keeps_every_file() {
    let remote = tempfile::tempdir().unwrap();
    std::fs::create_dir(remote.path().join("d")).unwrap();
    let files = collide::colliding_tree(&remote.path().join("d"));
    let server = common::TestServer::start(skiff::demo::DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..Default::default()
    });
    let local = tempfile::tempdir().unwrap();
    std::fs::create_dir(local.path().join("d")).unwrap();
    std::fs::write(local.path().join("d/x"), collide::local_x(&files)).unwrap();
    let mut t = skiff()
        .arg(server.url("demo", None))
        .args(["--parallel", "8", "--on-exists", "rename", "--local"])
        .arg(local.path())
        .env("SKIFF_PASSWORD", "demo")
        .spawn()
        .unwrap();
    t.expect("the remote listing", |s| s.has_entry(Side::Remote, "d/"));
    // The focused pane has the heavy frame.
    let remote_x = t.screen().pane(Side::Remote).unwrap().x;
    if !t.screen().cells(0, remote_x, 1).starts_with('┏') {
        t.send_keys("<Tab>");
        t.expect("the remote pane focused", |s| {
            s.cells(0, remote_x, 1).starts_with('┏')
        });
    }
    walk_to(&mut t, Side::Remote, "d/");
    t.send_keys("<F5>");
    let want = collide::expected(&files, "rename");
    for _ in 0..400 {
        if collide::summary(&collide::files_in(&local.path().join("d"))) == collide::summary(&want)
        {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    t.expect("the queue done", |s| s.contains("4/4 files"));
    assert_eq!(
        collide::summary(&collide::files_in(&local.path().join("d"))),
        collide::summary(&want),
        "{}",
        t.screen().framed()
    );
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}
