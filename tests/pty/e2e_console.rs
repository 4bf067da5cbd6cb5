//! End-to-end: the command line (`:`) in the real binary, in a pseudo-terminal: a raw command
//! and its explained reply, a refused one, a mapped one, history and completion.

use crate::common::{self, Side, SkiffScreen, skiff};

#[test]
fn syst_on_the_command_line_shows_215_and_its_explanation() {
    let local = tempfile::tempdir().unwrap();
    let mut t = skiff()
        .arg("--demo")
        .arg("--local")
        .arg(local.path())
        .spawn()
        .unwrap();
    t.expect("the demo tree", |s| s.has_entry(Side::Remote, "README.txt"));
    t.send_keys(":");
    t.expect_text("Tab complete");
    // Tab completes the command name.
    t.send_keys("sy<Tab>");
    t.expect("SYST completed", |s| s.contains(":SYST"));
    t.send_keys("<Enter>");
    let s = t.expect("the reply with its meaning", |s| {
        s.status().contains("215 UNIX") && s.status().contains(" — System type")
    });
    // The command and the reply are in the log, explained.
    assert!(s.contains("> SYST"), "{}", s.framed());
    let reply = s
        .rows()
        .into_iter()
        .find(|r| r.contains("< 215"))
        .unwrap_or_default();
    assert!(reply.contains(" — "), "{}", s.framed());

    // A command that would change the session is refused, with the reason.
    t.send_keys(":TYPE A<Enter>");
    t.expect("TYPE refused", |s| {
        s.status().contains("TYPE is not sent") && s.status().contains("binary")
    });
    // LIST becomes the pager with the listing.
    t.send_keys(":LIST<Enter>");
    let s = t.expect("the listing in the pager", |s| {
        s.contains("LIST ·") && s.contains("README.txt")
    });
    assert!(!s.contains("Tab complete"), "{}", s.framed());
    t.send_keys("q");
    // Up brings back the last command.
    t.send_keys(":<Up>");
    t.expect("the history", |s| s.contains(":LIST"));
    t.send_keys("<Esc>");
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

/// F12 gives the log the keyboard; `e` shows errors only; `w` saves what it shows to a new file
/// in the local directory, with the password masked.
#[test]
fn the_log_is_filtered_and_saved_without_the_password() {
    let local = tempfile::tempdir().unwrap();
    let srv = common::TestServer::start(skiff::demo::DemoOptions::default());
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .arg(srv.url("demo", Some("demo")))
        .spawn()
        .unwrap();
    t.expect("the listing", |s| s.has_entry(Side::Remote, "README.txt"));
    // An error to find: a command that fails.
    t.send_keys(":MDTM nothing-here<Enter>");
    t.expect("the 550", |s| s.status().contains("550"));
    t.send_keys("<F12>");
    t.expect_text("n/N next/previous error");
    t.send_keys("e");
    let s = t.expect("errors only", |s| s.contains("Log · errors only"));
    let log_rows: Vec<String> = s
        .rows()
        .into_iter()
        .filter(|r| r.contains(" browse "))
        .collect();
    assert!(!log_rows.is_empty(), "{}", s.framed());
    assert!(
        log_rows
            .iter()
            .all(|r| r.contains("< 5") || r.contains("< 4") || r.contains(" ! ")),
        "{}",
        s.framed()
    );
    t.send_keys("e");
    t.send_keys("w");
    t.expect_text("Save the log");
    t.send_keys("<Enter>");
    t.expect("saved", |s| s.status().contains("log lines to"));
    let saved: Vec<_> = std::fs::read_dir(local.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("skiff-log-")
        })
        .collect();
    assert_eq!(saved.len(), 1, "{saved:?}");
    let text = std::fs::read_to_string(&saved[0]).unwrap();
    assert!(text.contains("> PASS ****"), "{text}");
    assert!(!text.contains("PASS demo"), "{text}");
    assert!(
        text.contains("> MDTM nothing-here") && text.contains("< 550"),
        "{text}"
    );
    t.send_keys("<Esc>");
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

/// `I` shows what the server is: SYST, its features explained, how skiff talks to it.
#[test]
fn server_facts() {
    let local = tempfile::tempdir().unwrap();
    let mut t = skiff()
        .arg("--demo")
        .arg("--local")
        .arg(local.path())
        .spawn()
        .unwrap();
    t.expect("the demo tree", |s| s.has_entry(Side::Remote, "README.txt"));
    t.send_keys("I");
    let s = t.expect("the facts", |s| {
        s.contains("Server facts:") && s.contains("round trip")
    });
    assert!(s.contains("215 UNIX"), "{}", s.framed());
    assert!(s.contains("NOT encrypted"), "{}", s.framed());
    assert!(s.contains("passive (EPSV)"), "{}", s.framed());
    assert!(
        s.rows()
            .iter()
            .any(|r| r.contains("SIZE — the size of a file") && r.contains("skiff uses it")),
        "{}",
        s.framed()
    );
    t.send_keys("<Esc>");
    t.expect("closed", |s| !s.contains("Server facts:"));
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

/// A typed command answered with `150` before its final reply, and one whose reply comes after
/// the timeout: neither leaves a reply unread for the next command (the second logs in again).
#[test]
fn preliminary_and_late_replies_do_not_put_the_connection_out_of_step() {
    let local = tempfile::tempdir().unwrap();
    let mut tree = common::ftpstub::StubTree::new();
    tree.insert(
        "/".into(),
        vec![common::ftpstub::StubEntry::file("disk.img", 4096)],
    );
    let srv = common::TestServer::stub(tree);
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .arg("--timeout")
        .arg("1")
        .arg(srv.url("demo", Some("demo")))
        .spawn()
        .unwrap();
    t.expect("the listing", |s| s.has_entry(Side::Remote, "disk.img"));
    t.send_keys(":XCRC disk.img<Enter>");
    // The final reply (said as what it is: a checksum), not the 150.
    t.expect("the final reply, not the 150", |s| {
        s.status()
            .contains("250 — the server's CRC32 checksum of disk.img: 1a2b3c4d")
    });
    t.send_keys(":NOOP<Enter>");
    t.expect("NOOP's own reply", |s| s.status().contains("200 OK"));
    t.send_keys(":SITE SLEEP<Enter>");
    t.expect("the timeout", |s| s.status().contains("timed out"));
    let s = t.expect("a new login", |s| s.contains("reconnected; back in /"));
    assert!(!s.contains("Awake"), "{}", s.framed());
    t.send_keys(":NOOP<Enter>");
    let s = t.expect("NOOP answered in step", |s| {
        s.status().contains("200 OK") && !s.status().contains("timed out")
    });
    assert!(!s.status().contains("250"), "{}", s.framed());
    // A bracketed paste with line breaks lands on the command line as text; nothing is sent.
    t.send_keys(":");
    t.send(b"\x1b[200~SITE\r\nSLEEP\r\n\x1b[201~");
    t.expect("the pasted text on one line", |s| s.contains(":SITE SLEEP"));
    t.send_keys("<Esc>");
    t.expect("the command line closed", |s| !s.contains(":SITE SLEEP"));
    // Sent, it would have timed out by now (--timeout 1) and said so.
    std::thread::sleep(std::time::Duration::from_millis(1600));
    let s = t.screen();
    assert!(
        s.status().contains("200 OK") && !s.status().contains("timed out"),
        "{}",
        s.framed()
    );
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}
