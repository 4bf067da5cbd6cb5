//! End-to-end: add a bookmark in the TUI, quit, start again with `skiff -b NAME` and land in
//! the bookmark's directories on both sides, the password coming from `.netrc` and never
//! touching the bookmarks file.

use std::time::Duration;

use crate::common::{self, Side, SkiffScreen, TestServer};
use skiff::demo::DemoOptions;

fn spawn(home: &std::path::Path, netrc: &std::path::Path, args: &[&str]) -> common::Pty {
    common::skiff()
        .keep_home()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("NETRC", netrc)
        .args(args.iter().copied())
        .spawn()
        .unwrap()
}

#[test]
fn add_a_bookmark_then_connect_with_it() {
    let server = TestServer::start(DemoOptions::default());
    let home = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("local-marker.txt"), b"x").unwrap();
    let netrc = home.path().join("netrc");
    std::fs::write(&netrc, "machine 127.0.0.1 login demo password demo\n").unwrap();

    // First run: no URL, so the bookmark manager opens; add one.
    let mut t = spawn(home.path(), &netrc, &[]);
    t.expect("the empty bookmark manager", |s| {
        s.contains("No bookmarks yet")
    });
    t.send_keys("a");
    t.expect("the form", |s| s.contains("New bookmark"));
    let keys = format!(
        "work<Tab>127.0.0.1<Tab><BS><BS>{}<Tab><Tab>demo<Tab><Tab><Tab><Tab><Tab><Tab>{}<Tab>dir with spaces",
        server.port,
        work.path().display()
    );
    t.send_keys(&keys);
    let s = t.expect("a valid form", |s| s.contains("Enter save"));
    assert!(s.contains("dir with spaces"), "{}", s.framed());
    t.send_keys("<Enter>");
    t.expect("the saved bookmark in the list", |s| {
        s.contains("work") && s.contains("demo@127.0.0.1")
    });
    t.send_keys("<Esc>q");
    let st = t.wait_exit(Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");

    let file = home.path().join("config/skiff/bookmarks.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("work") && text.contains("127.0.0.1"),
        "{text}"
    );
    assert!(
        !text.contains("password = \"demo\""),
        "no password in the file:\n{text}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{mode:o}");
    }

    // Second run: -b work puts both panes in the bookmark's directories.
    let mut t = spawn(home.path(), &netrc, &["-b", "work"]);
    let s = t.expect("both panes where the bookmark says", |s| {
        s.has_entry(Side::Remote, "hello world.txt") && s.has_entry(Side::Local, "local-marker.txt")
    });
    assert!(s.contains("/dir with spaces"), "{}", s.framed());
    // The server the bookmark opened has the keyboard.
    assert!(
        s.focused(Side::Remote) && !s.focused(Side::Local),
        "{}",
        s.framed()
    );
    t.send_keys("q");
    let st = t.wait_exit(Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
    // The recent list has the connection, without a password.
    let recent =
        std::fs::read_to_string(home.path().join("config/skiff/recent.toml")).unwrap_or_default();
    assert!(recent.contains("127.0.0.1"), "{recent}");
    assert!(!recent.contains("password ="), "{recent}");
}
