//! End-to-end: file operations in the real binary, in a pseudo-terminal, as a person would use
//! them: make, rename and delete a directory on the server (F7, F2, F8), and create and delete
//! a file in the local pane; each checked on screen and on disk.

use crate::common::{self, Side, SkiffScreen, TestServer, skiff, walk_to};
use skiff::demo::DemoOptions;

#[test]
fn mkdir_rename_and_delete_on_the_remote_pane() {
    let srv = TestServer::start(DemoOptions::default());
    let local = tempfile::tempdir().unwrap();
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .arg(srv.url("demo", Some("demo")))
        .spawn()
        .unwrap();
    t.expect("the remote listing", |s| {
        s.has_entry(Side::Remote, "README.txt")
    });
    t.expect("the remote pane focused", |s| {
        s.cursor(Side::Remote).is_some_and(|c| !c.is_empty())
    });

    // F7: a prompt; the new directory shows, with the cursor on it, and exists on the server.
    t.send_keys("<F7>");
    t.expect_text("Make directory");
    t.send_keys("fresh dir<Enter>");
    let s = t.expect("the new directory under the cursor", |s| {
        s.cursor_is(Side::Remote, "fresh dir/")
    });
    assert!(s.status().contains("done"), "{}", s.framed());
    assert!(srv.root.join("fresh dir").is_dir());

    // F2: the prompt starts with the old name; replace it.
    t.send_keys("<F2>");
    t.expect("the rename prompt with the old name", |s| {
        s.contains("New name:") && s.contains("fresh dir")
    });
    t.send_keys("<C-u>renamed<Enter>");
    t.expect("the renamed directory under the cursor", |s| {
        s.cursor_is(Side::Remote, "renamed/")
    });
    assert!(srv.root.join("renamed").is_dir());
    assert!(!srv.root.join("fresh dir").exists());

    // Put something in it, so the delete has to recurse.
    std::fs::create_dir(srv.root.join("renamed/inner")).unwrap();
    std::fs::write(srv.root.join("renamed/inner/f.txt"), b"x").unwrap();

    // F8: asks first; n keeps it, y deletes it with everything inside.
    t.send_keys("<F8>");
    t.expect_text("Delete this directory and everything in it?");
    t.send_keys("n");
    t.expect("the dialog gone", |s| !s.contains("Delete this directory"));
    assert!(srv.root.join("renamed/inner/f.txt").exists());
    t.send_keys("<F8>");
    t.expect_text("Delete this directory and everything in it?");
    t.send_keys("y");
    let s = t.expect("the directory gone from the pane", |s| {
        !s.has_entry(Side::Remote, "renamed/") && s.status().contains("done")
    });
    assert!(!srv.root.join("renamed").exists(), "{}", s.framed());
    assert!(s.has_entry(Side::Remote, "README.txt"), "{}", s.framed());

    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

#[test]
fn new_file_and_delete_in_the_local_pane() {
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("old.txt"), b"old").unwrap();
    let mut t = skiff()
        .arg("--demo")
        .arg("--local")
        .arg(local.path())
        .spawn()
        .unwrap();
    t.expect("the local listing", |s| s.has_entry(Side::Local, "old.txt"));
    // The server has the keyboard at start: Tab to the local pane.
    t.send_keys("<Tab>");
    t.expect("the local pane focused", |s| s.focused(Side::Local));
    t.send_keys("N");
    t.expect_text("New empty file");
    // A name that exists is refused in the dialog.
    t.send_keys("old.txt<Enter>");
    t.expect_text("old.txt already exists here");
    t.send_keys("<C-u>new.txt<Enter>");
    t.expect("new.txt under the cursor", |s| {
        s.cursor_is(Side::Local, "new.txt")
    });
    assert_eq!(std::fs::read(local.path().join("new.txt")).unwrap(), b"");
    // Delete (the key) in a pane deletes, after asking.
    t.send_keys("<Delete>");
    t.expect_text("Delete this file?");
    t.send_keys("<Enter>");
    t.expect("new.txt gone", |s| !s.has_entry(Side::Local, "new.txt"));
    assert!(!local.path().join("new.txt").exists());
    assert_eq!(std::fs::read(local.path().join("old.txt")).unwrap(), b"old");
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

/// `/` filters the remote pane as you type; Enter keeps the filter, Enter again opens what is
/// under the cursor; the filter does not follow into the new directory.
#[test]
fn filter_then_open() {
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
    t.send_keys("/spaces");
    let s = t.expect("only the matching directory left", |s| {
        s.has_entry(Side::Remote, "dir with spaces/") && !s.has_entry(Side::Remote, "README.txt")
    });
    assert!(s.contains("/spaces"), "the filter line\n{}", s.framed());
    assert!(
        s.cursor_is(Side::Remote, "dir with spaces/"),
        "{}",
        s.framed()
    );
    t.send_keys("<Enter><Enter>");
    let s = t.expect("inside the directory", |s| {
        s.has_entry(Side::Remote, "hello world.txt")
    });
    assert!(!s.contains("/spaces"), "the filter is gone\n{}", s.framed());
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

/// Compare the panes (`=`), preview the synchronisation (`M`), queue it (Enter): the file only
/// on the local side arrives on the server; nothing there is deleted.
#[test]
fn compare_two_directories_and_queue_the_sync() {
    let srv = TestServer::start(DemoOptions::default());
    let local = tempfile::tempdir().unwrap();
    std::fs::write(
        local.path().join("only-local.txt"),
        b"from the local side\n",
    )
    .unwrap();
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .arg(srv.url("demo", Some("demo")))
        .spawn()
        .unwrap();
    t.expect("both panes listed", |s| {
        s.has_entry(Side::Remote, "README.txt") && s.has_entry(Side::Local, "only-local.txt")
    });
    // From the local pane.
    t.send_keys("<Tab>");
    t.expect("the local pane focused", |s| s.focused(Side::Local));
    t.send_keys("=");
    let s = t.expect_text("Compared: local 1 only");
    assert!(s.status().contains("remote"), "{}", s.framed());
    t.send_keys("M");
    let s = t.expect_text("Synchronise: make the remote directory match the local one");
    assert!(s.contains("[x] copy   only-local.txt"), "{}", s.framed());
    assert!(
        s.contains("DELETE"),
        "remote-only entries are offered for deletion\n{}",
        s.framed()
    );
    t.send_keys("<Enter>");
    t.expect("the file on the server, in the remote pane", |s| {
        s.has_entry(Side::Remote, "only-local.txt")
    });
    assert_eq!(
        std::fs::read(srv.root.join("only-local.txt")).unwrap(),
        b"from the local side\n"
    );
    assert!(
        srv.root.join("README.txt").exists(),
        "deletions were not chosen"
    );
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

/// `v` on a remote file shows its text; on a file longer than the pager reads, the first part
/// (the data connection is closed early) and the browsing connection still works afterwards.
/// A right click opens the menu of the row under the pointer.
#[test]
fn view_remote_files_and_the_context_menu() {
    let srv = TestServer::start(DemoOptions::default());
    // 6 MiB of text: more than the pager's 4 MiB.
    let line = "0123456789 the quick brown fox jumps over the lazy dog\n";
    let big: String = line.repeat(6 * 1024 * 1024 / line.len() + 1);
    std::fs::write(srv.root.join("long.txt"), &big).unwrap();
    let local = tempfile::tempdir().unwrap();
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .arg(srv.url("demo", Some("demo")))
        .spawn()
        .unwrap();
    t.expect("the remote listing", |s| {
        s.has_entry(Side::Remote, "long.txt")
    });
    t.expect("the remote pane focused", |s| {
        s.cursor(Side::Remote).is_some_and(|c| !c.is_empty())
    });
    walk_to(&mut t, Side::Remote, "README.txt");
    t.send_keys("v");
    let s = t.expect_text("Welcome to the skiff demo server.");
    assert!(s.contains("README.txt · text"), "{}", s.framed());
    t.send_keys("q");
    t.expect("the pager closed", |s| !s.contains("Welcome to the skiff"));
    t.send_keys("<Home>");
    t.expect("the cursor on the first row", |s| {
        s.cursor_is(Side::Remote, "big/")
    });
    walk_to(&mut t, Side::Remote, "long.txt");
    t.send_keys("v");
    let s = t.expect_text("the first 4 MiB");
    assert!(s.contains("the quick brown fox"), "{}", s.framed());
    t.send_keys("G");
    t.expect("the end of what was read", |s| s.contains("0123456789"));
    t.send_keys("q");
    // The browsing connection is still usable: open a directory.
    t.send_keys("<Home><Down>");
    t.send_keys("<Enter>");
    t.expect("a directory opened", |s| s.has_entry(Side::Remote, ".."));

    // Right click on the first row of the local pane: its menu.
    let s = t.screen();
    let local = s.pane(Side::Local).expect("the local pane");
    t.right_click(local.x + 2, local.top + 2);
    let s = t.expect_text("New directory");
    assert!(s.contains("Refresh"), "{}", s.framed());
    t.send_keys("<Esc>q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

/// `e` on a remote file with a scripted `$EDITOR`: the TUI steps aside, the script changes the
/// copy, skiff asks, uploads it over the server's file, and removes its copy.
#[test]
fn edit_a_remote_file_with_a_scripted_editor_and_see_it_uploaded() {
    use std::os::unix::fs::PermissionsExt;
    let srv = TestServer::start(DemoOptions::default());
    let local = tempfile::tempdir().unwrap();
    let tools = tempfile::tempdir().unwrap();
    // The "editor" appends a line and notes which file it was given.
    let script = tools.path().join("editor.sh");
    let seen = tools.path().join("seen.txt");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf 'edited in skiff\\n' >> \"$1\"\nprintf '%s' \"$1\" > '{}'\n",
            seen.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let before = std::fs::read_to_string(srv.root.join("README.txt")).unwrap();
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .arg(srv.url("demo", Some("demo")))
        .env("VISUAL", "")
        .env("EDITOR", script.as_os_str())
        .spawn()
        .unwrap();
    t.expect("the remote listing", |s| {
        s.has_entry(Side::Remote, "README.txt")
    });
    t.send_keys("<End>");
    t.expect("README.txt under the cursor", |s| {
        s.cursor_is(Side::Remote, "README.txt")
    });
    t.send_keys("e");
    let s = t.expect_text("Upload the changed file?");
    assert!(
        s.contains("as it was when you opened it"),
        "no warning when nothing changed there\n{}",
        s.framed()
    );
    t.send_keys("y");
    t.expect("the upload done", |s| s.contains("1/1 files"));
    let after = std::fs::read_to_string(srv.root.join("README.txt")).unwrap();
    assert_eq!(after, format!("{before}edited in skiff\n"));
    // The copy was private and is gone.
    let copy = std::fs::read_to_string(&seen).unwrap();
    assert!(
        copy.contains("skiff-edit-") && copy.ends_with("README.txt"),
        "{copy}"
    );
    let dir = std::path::Path::new(&copy).parent().unwrap().to_path_buf();
    for _ in 0..50 {
        if !dir.exists() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(
        !dir.exists(),
        "the edited copy was removed: {}",
        dir.display()
    );
    // The remote pane is read again after the upload: the new size shows.
    let size = after.len().to_string();
    t.expect("the new size in the remote pane", |s| {
        s.text()
            .lines()
            .any(|l| l.contains("README.txt") && l.contains(&format!(" {size} ")))
    });
    // Nothing is being read any more (a listing in flight would make q ask first).
    t.expect("no listing in flight", |s| !s.contains("loading…"));
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

/// `z` on a remote directory counts it on a connection of its own (tagged `size` in the log)
/// and shows the total in the size column; `i` shows the server's listing line for it.
#[test]
fn directory_size_in_the_background_and_the_listing_line_in_info() {
    let local = tempfile::tempdir().unwrap();
    let mut t = skiff()
        .arg("--demo")
        .arg("--local")
        .arg(local.path())
        .spawn()
        .unwrap();
    t.expect("the demo tree", |s| s.has_entry(Side::Remote, "big/"));
    walk_to(&mut t, Side::Remote, "big/");
    let row = |s: &common::pty::Screen| {
        s.entries(Side::Remote)
            .into_iter()
            .find(|r| r.starts_with("big/"))
            .unwrap_or_default()
    };
    assert!(
        row(&t.screen()).contains("<DIR>"),
        "{}",
        t.screen().framed()
    );
    t.send_keys("z");
    let s = t.expect("the counted size in the row", |s| row(s).contains("4.0M"));
    assert!(
        s.text()
            .lines()
            .any(|l| ["size    >", "size    <"].iter().any(|m| l.contains(m))),
        "the size connection in the log\n{}",
        s.framed()
    );
    t.send_keys("i");
    let s = t.expect("the listing line", |s| {
        s.contains("Listing") && !s.contains("reading…")
    });
    let line = s
        .rows()
        .into_iter()
        .find(|r| r.contains("Listing"))
        .unwrap_or_default();
    assert!(line.contains("big"), "{}", s.framed());
    t.send_keys("<Esc>");
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

/// `W` keeps the server's directory up to date with the local one: a file written and a
/// directory made here arrive there (and show in the queue) until `W` again stops it.
#[test]
fn w_keeps_the_server_up_to_date_until_pressed_again() {
    let remote = tempfile::tempdir().unwrap();
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("before.txt"), b"already here").unwrap();
    let srv = TestServer::start(DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..DemoOptions::default()
    });
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .arg(srv.url("demo", Some("demo")))
        .spawn()
        .unwrap();
    t.expect("the remote listing", |s| {
        s.status().contains("Connected to") && s.footer(Side::Remote).contains("0 dirs, 0 files")
    });
    t.send_keys("W");
    let s = t.expect("keeping up to date", |s| s.status().contains("Keeping"));
    assert!(s.contains(" SYNC "), "{}", s.framed());
    std::fs::write(local.path().join("new.txt"), b"written while kept").unwrap();
    std::fs::create_dir_all(local.path().join("d/e")).unwrap();
    std::fs::write(local.path().join("d/e/deep.txt"), b"deep").unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let there = |p: &str| std::fs::read(remote.path().join(p)).ok();
    while there("new.txt").as_deref() != Some(&b"written while kept"[..])
        || there("d/e/deep.txt").as_deref() != Some(&b"deep"[..])
    {
        assert!(
            std::time::Instant::now() < deadline,
            "not uploaded\n{}",
            t.screen().framed()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // The first pass brought what was there before too.
    assert_eq!(
        std::fs::read(remote.path().join("before.txt")).unwrap(),
        b"already here"
    );
    t.expect("the uploads in the queue", |s| s.contains("new.txt"));
    t.send_keys("W");
    let s = t.expect("stopped", |s| {
        s.status()
            .contains("No longer keeping the server up to date")
    });
    assert!(!s.contains(" SYNC "), "{}", s.framed());
    std::fs::write(local.path().join("after.txt"), b"not sent").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert!(!remote.path().join("after.txt").exists());
    t.send_keys("q");
    let _ = t.wait_exit(std::time::Duration::from_secs(10));
}
