//! End-to-end: the user's config.toml, read by the real binary in a pseudo-terminal. A mistake
//! is shown with its line while the rest of the file still applies; a chord from the file
//! works; `--print-default-config` prints the shipped file.

use crate::common::{Side, SkiffScreen, skiff};

#[test]
fn a_users_config_applies_and_its_mistakes_are_shown_with_the_line() {
    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("a.txt"), b"a").unwrap();
    std::fs::write(local.path().join(".hidden"), b"h").unwrap();
    let config = tempfile::tempdir().unwrap();
    std::fs::create_dir(config.path().join("skiff")).unwrap();
    std::fs::write(
        config.path().join("skiff/config.toml"),
        "[panes]\nshow_hidden = false\n\n[theme]\ndir = \"blurple\"\n\n\
         [keys]\nmkdir = [\"ctrl-x d\"]\n\n[confirm]\ndelete = false\n",
    )
    .unwrap();
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .env("XDG_CONFIG_HOME", config.path())
        .spawn()
        .unwrap();
    let s = t.expect("the local listing", |s| s.has_entry(Side::Local, "a.txt"));
    // The mistake, with its line, on the status line (and in the log).
    assert!(
        s.status()
            .contains("line 5: theme.dir: unknown colour \"blurple\""),
        "{}",
        s.framed()
    );
    // The rest of the file applies: dot files are hidden.
    assert!(!s.has_entry(Side::Local, ".hidden"), "{}", s.framed());
    // Without a server the bookmarks open first; close them.
    t.send_keys("<Esc>");
    t.expect("the bookmarks closed", |s| !s.contains("Enter connect"));
    // F7 is no longer bound; the chord is.
    t.send_keys("<F7>");
    t.send_keys("<C-x>");
    t.expect("the chord waiting for its next key", |s| {
        s.status().contains("ctrl-x …")
    });
    t.send_keys("d");
    t.expect_text("Make directory");
    t.send_keys("made<Enter>");
    t.expect("the new directory", |s| s.cursor_is(Side::Local, "made/"));
    assert!(local.path().join("made").is_dir());
    // Deleting does not ask (confirm.delete = false).
    t.send_keys("<F8>");
    t.expect("made gone without a question", |s| {
        !s.has_entry(Side::Local, "made/")
    });
    assert!(!local.path().join("made").exists());
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}

#[test]
fn print_default_config_prints_the_shipped_file() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_skiff"))
        .arg("--print-default-config")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        skiff::config::DEFAULT_CONFIG
    );
}

/// `LANG=zh_CN.UTF-8` gives the interface in Simplified Chinese; `--lang en` wins over it.
#[test]
fn the_interface_follows_lang_and_the_lang_option() {
    let local = tempfile::tempdir().unwrap();
    let mut t = skiff()
        .arg("--demo")
        .arg("--local")
        .arg(local.path())
        .env("LANG", "zh_CN.UTF-8")
        .spawn()
        .unwrap();
    let s = t.expect("connected and listed, in Chinese", |s| {
        s.status().contains("已连接到") && s.has_entry(Side::Remote, "README.txt")
    });
    assert!(s.contains("帮助") && s.contains("名称"), "{}", s.framed());
    t.send_keys("<F7>");
    t.expect_text("新建目录");
    t.send_keys("<Esc>");
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");

    let mut t = skiff()
        .args(["--demo", "--lang", "en", "--local"])
        .arg(local.path())
        .env("LANG", "zh_CN.UTF-8")
        .spawn()
        .unwrap();
    let s = t.expect("connected and listed, in English", |s| {
        s.status().contains("Connected to") && s.has_entry(Side::Remote, "README.txt")
    });
    assert!(!s.contains("帮助"), "{}", s.framed());
    t.send_keys("q");
    let st = t.wait_exit(std::time::Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}
