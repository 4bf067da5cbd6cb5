//! End-to-end: the command line (`:`) in the real binary, in a pseudo-terminal: a raw command
//! and its explained reply, a refused one, a mapped one, history and completion.

mod common;

use common::{Side, SkiffScreen, skiff};

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
