//! Tests of the store, password sources and imports. Some run parts of themselves in child
//! processes of this test binary (real OS file locks between processes; `$NETRC`, which a
//! test must not change in its own multi-threaded process): those children are the
//! `child_*` tests, which do nothing unless `SKIFF_BM_CHILD` names them.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::secrets::run_password_command;
use super::*;

const CHILD_VAR: &str = "SKIFF_BM_CHILD";

/// Every password the fixtures and tests use.
const PASSWORDS: &[&str] = &[
    "hunter2",
    "c0rrect horse",
    "pässwörd",
    "plainpw",
    "s3cr@t",
    "s3cr%40t",
    "me@example.org",
    "oops-in-file",
    "from-netrc",
    "from-command",
];

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/bookmarks/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn full_profile(name: &str) -> Profile {
    Profile {
        name: name.to_string(),
        host: "ftp.example.com".into(),
        port: 2121,
        protocol: Protocol::FtpsImplicit,
        user: Some("alice".into()),
        anonymous: false,
        password: PasswordSource::Command("pass show ftp/work".into()),
        passive: false,
        prefer_epsv: false,
        encoding: "windows-1252".into(),
        local_dir: Some("/home/alice/work dir".into()),
        remote_dir: Some("/srv/ftp/ünïcode".into()),
        parallel: Some(4),
        keepalive_secs: Some(45),
        cert_sha256: Some(
            "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
                .into(),
        ),
        active_ports: Some("50000-50100".into()),
        active_address: Some("203.0.113.7".into()),
        transfer_type: Some(crate::transfer::TransferMode::Auto),
    }
}

fn assert_no_password_in(dir: &Path) {
    for file in ["bookmarks.toml", "recent.toml"] {
        let path = dir.join(file);
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        for pw in PASSWORDS {
            assert!(
                !text.contains(pw),
                "{file} contains the password {pw:?}:\n{text}"
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Child processes

/// Runs one `child_*` test of this binary in a new process with `envs`; panics with its output
/// unless it ran that one test and passed.
fn run_child(test: &str, envs: &[(&str, OsString)]) {
    let exe = std::env::current_exe().expect("path of the test binary");
    // module_path!() is `crate::bookmarks::tests`; test names leave out the crate.
    let module = module_path!()
        .split_once("::")
        .map_or(module_path!(), |(_, m)| m);
    let out = Command::new(exe)
        .args([
            &format!("{module}::{test}"),
            "--exact",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD_VAR, test)
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("start the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {test} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

fn is_child(test: &str) -> bool {
    std::env::var(CHILD_VAR).is_ok_and(|v| v == test)
}

// ---------------------------------------------------------------------------------------------
// Profile basics

#[test]
fn new_has_the_documented_defaults() {
    let p = Profile::new("x", "h");
    assert_eq!(p.port, 21);
    assert_eq!(p.protocol, Protocol::Ftp);
    assert_eq!(p.password, PasswordSource::Ask);
    assert!(p.passive && p.prefer_epsv && !p.anonymous);
    assert_eq!(p.encoding, "utf-8");
    assert!(p.is_anonymous(), "no user means anonymous");
    assert!(p.validate().is_empty());
}

#[test]
fn validate_reports_each_field() {
    let mut p = Profile::new("", "bad host");
    p.port = 0;
    p.user = Some("a\u{7}b".into());
    p.encoding = "utf 8".into();
    p.parallel = Some(0);
    p.keepalive_secs = Some(0);
    p.cert_sha256 = Some("abc".into());
    p.remote_dir = Some("a\nb".into());
    p.password = PasswordSource::Command("  ".into());
    let fields: Vec<&str> = p.validate().into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        [
            "name",
            "host",
            "port",
            "user",
            "password",
            "encoding",
            "remote_dir",
            "parallel",
            "keepalive_secs",
            "cert_sha256"
        ]
    );
    let mut p = Profile::new("tab\there", "h\u{0}");
    p.local_dir = Some("x\u{1b}".into());
    let fields: Vec<&str> = p.validate().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["name", "host", "local_dir"]);
    assert!(!Profile::new("x", "ftp://h").validate().is_empty());
    assert!(full_profile("ok").validate().is_empty());
}

#[test]
fn url_never_has_a_password_and_encodes() {
    let mut p = full_profile("w");
    assert_eq!(
        p.url(),
        "ftps://alice@ftp.example.com:2121//srv/ftp/%C3%BCn%C3%AFcode"
    );
    p.protocol = Protocol::Ftps;
    p.user = Some("a@b c".into());
    p.remote_dir = Some("pub".into());
    assert_eq!(p.url(), "ftpes://a%40b%20c@ftp.example.com:2121/pub");
    let mut q = Profile::new("v6", "::1");
    assert_eq!(q.url(), "ftp://[::1]:21/");
    q.user = Some("bob".into());
    q.anonymous = true;
    assert_eq!(q.url(), "ftp://[::1]:21/", "anonymous shows no user");
}

#[test]
fn serde_shape_matches_the_file() {
    let text = r#"
name = "s"
host = "h"
protocol = "ftps-implicit"
password = { command = "pass show x" }
"#;
    let p: Profile = toml::from_str(text).expect("serde reads the file's shape");
    assert_eq!(p.port, 990);
    assert_eq!(p.password, PasswordSource::Command("pass show x".into()));
    assert!(p.passive && p.prefer_epsv);
    let k: Profile = toml::from_str("name = \"k\"\nhost = \"h\"\npassword = \"keyring\"")
        .expect("keyring source");
    assert_eq!(k.password, PasswordSource::Keyring);
    assert_eq!(k.port, 21);
}

// ---------------------------------------------------------------------------------------------
// Store

#[test]
fn missing_file_loads_empty_and_nothing_is_created() {
    let dir = tmp();
    let store = Store::at(dir.path().join("cfg"));
    let (profiles, err) = store.load().expect("load");
    assert!(profiles.is_empty() && err.is_none());
    assert_eq!(store.get("x").expect("get"), None);
    assert!(!store.remove("x").expect("remove"));
    assert!(store.recent().is_empty());
    assert!(
        !dir.path().join("cfg").exists(),
        "reads never create anything"
    );
}

#[test]
fn every_field_round_trips() {
    let dir = tmp();
    let store = Store::at(dir.path());
    let full = full_profile("Work/Main");
    let mut minimal = Profile::new("plain", "10.0.0.1");
    minimal.user = Some("bob".into());
    let mut kr = Profile::new("kr", "kr.example.com");
    kr.password = PasswordSource::Keyring;
    kr.anonymous = true;
    kr.protocol = Protocol::Ftps;
    for p in [&full, &minimal, &kr] {
        store.save(p, None).expect("save");
    }
    let (loaded, err) = store.load().expect("load");
    assert!(err.is_none(), "{err:?}");
    assert_eq!(loaded, vec![full.clone(), minimal, kr]);
    assert_eq!(store.get("Work/Main").expect("get"), Some(full));
    // The file is readable TOML with a version and explains itself.
    let text = read(&store.path());
    assert!(text.contains("version = 1"), "{text}");
    assert!(text.contains("[[bookmark]]"), "{text}");
    assert!(text.starts_with("# skiff bookmarks."), "{text}");
    assert!(
        text.contains(r#"password = { command = "pass show ftp/work" }"#),
        "{text}"
    );
}

#[test]
fn replace_rename_and_remove() {
    let dir = tmp();
    let store = Store::at(dir.path());
    store.save(&Profile::new("a", "h1"), None).expect("save a");
    store.save(&Profile::new("b", "h2"), None).expect("save b");
    // Replace by name.
    store
        .save(&Profile::new("a", "h1-new"), None)
        .expect("replace a");
    // Rename b -> c, keeping its place.
    store
        .save(&Profile::new("c", "h2"), Some("b"))
        .expect("rename");
    let names = |s: &Store| -> Vec<(String, String)> {
        s.load()
            .expect("load")
            .0
            .into_iter()
            .map(|p| (p.name, p.host))
            .collect()
    };
    assert_eq!(
        names(&store),
        [("a".into(), "h1-new".into()), ("c".into(), "h2".into())]
    );
    // Renaming onto another existing profile is refused and changes nothing.
    let before = read(&store.path());
    let err = store
        .save(&Profile::new("a", "h2"), Some("c"))
        .expect_err("rename onto existing");
    assert!(matches!(err, BookmarkError::Invalid(_)), "{err}");
    assert_eq!(read(&store.path()), before);
    // A rename whose old profile is gone (removed elsewhere) saves under the new name.
    store
        .save(&Profile::new("d", "h4"), Some("zzz"))
        .expect("save d");
    assert!(store.remove("a").expect("remove"));
    assert!(!store.remove("a").expect("remove again"));
    assert_eq!(
        names(&store),
        [("c".into(), "h2".into()), ("d".into(), "h4".into())]
    );
    // Invalid profiles are not saved.
    let err = store
        .save(&Profile::new("e", ""), None)
        .expect_err("invalid");
    assert!(err.to_string().contains("host"), "{err}");
}

#[test]
fn unknown_keys_comments_and_layout_survive() {
    let dir = tmp();
    let store = Store::at(dir.path());
    let original = fixture("handwritten.toml");
    fs::write(store.path(), &original).expect("write fixture");
    let (profiles, err) = store.load().expect("load");
    assert!(err.is_none(), "{err:?}");
    assert_eq!(profiles.len(), 2);
    assert_eq!(profiles[0].user.as_deref(), Some("me"));
    assert_eq!(
        profiles[0].password,
        PasswordSource::Command("pass show ftp/home".into())
    );

    // Saving an unchanged profile changes nothing at all.
    store.save(&profiles[0], None).expect("save unchanged");
    assert_eq!(read(&store.path()), original);

    // Changing one field of "minimal" adds just that key.
    let mut minimal = profiles[1].clone();
    minimal.remote_dir = Some("/pub".into());
    store.save(&minimal, None).expect("save minimal");
    let expected = original.replace(
        "host = \"ftp.example.org\"\n",
        "host = \"ftp.example.org\"\nremote_dir = \"/pub\"\n",
    );
    assert_eq!(read(&store.path()), expected);

    // Changing "home": comments after values, unknown keys and its sub-table stay.
    let mut home = profiles[0].clone();
    home.port = 2121;
    home.password = PasswordSource::Keyring;
    store.save(&home, None).expect("save home");
    let text = read(&store.path());
    for kept in [
        "# My FTP sites (hand-written)",
        "theme = \"dark\"            # a key skiff does not know",
        "name = \"home\"             # the NAS",
        "user = 'me'               # a literal string stays literal",
        "color = \"blue\"            # unknown key inside a profile",
        "[bookmark.extra]          # unknown sub-table of the \"home\" profile",
        "note = \"keep me\"",
        "# Another tool's settings share this file.",
        "[other_tool]\nsetting = 42",
        "password = \"keyring\"",
        "port = 2121",
    ] {
        assert!(text.contains(kept), "lost {kept:?}:\n{text}");
    }
    assert!(!text.contains("pass show ftp/home"), "{text}");

    // A new profile is appended; the other tool's table and everything else stay.
    let before_new = read(&store.path());
    store
        .save(&Profile::new("new", "n.example.com"), None)
        .expect("save new");
    let (after, err) = store.load().expect("load");
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        after.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["home", "minimal", "new"]
    );
    let text = read(&store.path());
    assert!(text.contains("[other_tool]\nsetting = 42"), "{text}");
    let doc: toml_edit::DocumentMut = text.parse().expect("still valid TOML");
    assert_eq!(
        doc["bookmark"][0]["extra"]["note"].as_str(),
        Some("keep me")
    );
    assert_eq!(doc["bookmark"][0]["color"].as_str(), Some("blue"));

    // Removing keeps the rest as it was.
    assert!(store.remove("new").expect("remove"));
    assert_eq!(read(&store.path()), before_new);
}

#[test]
fn password_subtable_form_is_read_and_updated_in_place() {
    let dir = tmp();
    let store = Store::at(dir.path());
    fs::write(
        store.path(),
        "[[bookmark]]\nname = \"s\"\nhost = \"h\"\n\n[bookmark.password]\ncommand = \"old cmd\"\n",
    )
    .expect("write");
    let (p, err) = store.load().expect("load");
    assert!(err.is_none(), "{err:?}");
    let mut p = p.into_iter().next().expect("one profile");
    assert_eq!(p.password, PasswordSource::Command("old cmd".into()));
    p.password = PasswordSource::Command("new cmd".into());
    store.save(&p, None).expect("save");
    let text = read(&store.path());
    assert!(
        text.contains("[bookmark.password]\ncommand = \"new cmd\""),
        "{text}"
    );
    assert_eq!(store.get("s").expect("get"), Some(p));
}

#[test]
fn bad_profiles_are_skipped_with_line_and_column_and_kept_in_the_file() {
    let dir = tmp();
    let store = Store::at(dir.path());
    let text = "\
version = 1

[[bookmark]]
name = \"good\"
host = \"g.example.com\"

[[bookmark]]
name = \"typed-a-password\"
host = \"h\"
password = \"oops-in-file\"

[[bookmark]]
name = \"bad-port\"
host = \"h\"
port = 70000

[[bookmark]]
name = \"good\"
host = \"duplicate\"
";
    fs::write(store.path(), text).expect("write");
    let (profiles, err) = store.load().expect("load");
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].host, "g.example.com");
    let err = err.expect("a problem is reported");
    match &err {
        BookmarkError::Parse {
            line,
            column,
            message,
            ..
        } => {
            assert_eq!((*line, *column), (10, 12), "{message}");
            assert!(message.contains("and 2 more problems"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    let shown = err.to_string();
    assert!(shown.contains("bookmarks.toml:10:12:"), "{shown}");
    assert!(!shown.contains("oops-in-file"), "{shown}");
    // `get` of the broken profile reports the problem instead of "not found".
    assert!(store.get("bad-port").is_err());
    assert!(store.get("good").expect("get").is_some());
    // Saving another profile leaves the bad ones as they were; saving one fixes it.
    store
        .save(&Profile::new("other", "o"), None)
        .expect("save other");
    let after = read(&store.path());
    assert!(after.starts_with(text), "{after}");
    let mut fixed = Profile::new("typed-a-password", "h");
    fixed.password = PasswordSource::Keyring;
    store.save(&fixed, None).expect("fix");
    let after = read(&store.path());
    assert!(!after.contains("oops-in-file"), "{after}");
    assert!(store.get("typed-a-password").expect("get").is_some());
}

#[test]
fn a_broken_file_is_reported_untouched_and_backed_up_before_a_rewrite() {
    let dir = tmp();
    let store = Store::at(dir.path());
    let broken = fixture("broken.toml");
    fs::write(store.path(), &broken).expect("write");
    let (profiles, err) = store.load().expect("a broken file still loads");
    assert!(profiles.is_empty());
    let err = err.expect("the error");
    let BookmarkError::Parse { line, column, .. } = &err else {
        panic!("{err:?}");
    };
    assert_eq!((*line, *column), (7, 8), "{err}");
    assert!(
        err.to_string()
            .starts_with(&format!("{}:7:8:", store.path().display())),
        "{err}"
    );
    assert_eq!(fs::read(store.path()).expect("read"), broken.as_bytes());
    assert!(matches!(
        store.get("work"),
        Err(BookmarkError::Parse { .. })
    ));
    assert!(matches!(
        store.remove("work"),
        Err(BookmarkError::Parse { .. })
    ));
    assert_eq!(fs::read(store.path()).expect("read"), broken.as_bytes());

    // A save is refused with the file and the line that is wrong, and the file stays.
    let err = store
        .save(&Profile::new("fresh", "f"), None)
        .expect_err("saved over a broken file");
    match &err {
        BookmarkError::Unsaved(inner) => {
            assert!(
                matches!(**inner, BookmarkError::Parse { line: 7, .. }),
                "{err}"
            )
        }
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains(&format!("{}:7:8:", store.path().display())),
        "{err}"
    );
    assert_eq!(fs::read(store.path()).expect("read"), broken.as_bytes());
    let others: Vec<PathBuf> = fs::read_dir(dir.path())
        .expect("list")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| n != "bookmarks.toml" && n != "bookmarks.lock")
        })
        .collect();
    assert!(others.is_empty(), "{others:?}");
}

#[test]
fn syntax_errors_do_not_quote_the_line() {
    let dir = tmp();
    let store = Store::at(dir.path());
    fs::write(
        store.path(),
        "[[bookmark]]\nname = \"x\"\npassword = \"oops-in-file\n",
    )
    .expect("write");
    let (_, err) = store.load().expect("load");
    let shown = err.expect("error").to_string();
    assert!(shown.contains(":3:"), "{shown}");
    assert!(!shown.contains("oops-in-file"), "{shown}");
    // Not UTF-8: the position of the bad byte.
    fs::write(store.path(), b"version = 1\nname = \"\xff\"\n").expect("write");
    let (_, err) = store.load().expect("load");
    let shown = err.expect("error").to_string();
    assert!(
        shown.contains(":2:9: the file is not valid UTF-8"),
        "{shown}"
    );
    // The wrong shape as a whole.
    fs::write(store.path(), "[bookmark]\nname = \"x\"\n").expect("write");
    let (_, err) = store.load().expect("load");
    assert!(err.expect("error").to_string().contains(":1:1:"));
}

#[test]
fn a_newer_format_is_read_but_never_written() {
    let dir = tmp();
    let store = Store::at(dir.path());
    let text = "version = 2\n[[bookmark]]\nname = \"x\"\nhost = \"h\"\nfuture = true\n";
    fs::write(store.path(), text).expect("write");
    let (profiles, err) = store.load().expect("load");
    assert_eq!(profiles.len(), 1);
    assert!(err.expect("warning").to_string().contains("newer skiff"));
    assert!(matches!(
        store.save(&Profile::new("y", "h"), None),
        Err(BookmarkError::Invalid(_))
    ));
    assert!(matches!(store.remove("x"), Err(BookmarkError::Invalid(_))));
    assert_eq!(read(&store.path()), text);
}

#[test]
fn inline_array_form_is_accepted() {
    let dir = tmp();
    let store = Store::at(dir.path());
    fs::write(
        store.path(),
        "bookmark = [ { name = \"a\", host = \"h\", extra = 1 }, { name = \"b\", host = \"i\" } ]\n",
    )
    .expect("write");
    let (p, err) = store.load().expect("load");
    assert!(err.is_none(), "{err:?}");
    assert_eq!(p.len(), 2);
    assert!(store.remove("b").expect("remove"));
    store.save(&Profile::new("c", "j"), None).expect("save");
    let (p, err) = store.load().expect("load");
    assert!(err.is_none(), "{err:?}");
    assert_eq!(
        p.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["a", "c"]
    );
    assert!(read(&store.path()).contains("extra = 1"));
}

#[cfg(unix)]
#[test]
fn permissions_are_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tmp();
    let cfg = dir.path().join("config").join("skiff");
    let store = Store::at(&cfg);
    store.save(&Profile::new("a", "h"), None).expect("save");
    store
        .push_recent(RecentEntry {
            host: "h".into(),
            port: 21,
            user: None,
            protocol: Protocol::Ftp,
            remote_dir: None,
            at_unix: 1,
        })
        .expect("recent");
    let mode = |p: &Path| fs::metadata(p).expect("stat").permissions().mode() & 0o777;
    assert_eq!(mode(&cfg), 0o700);
    assert_eq!(mode(&dir.path().join("config")), 0o700);
    assert_eq!(mode(&store.path()), 0o600);
    assert_eq!(mode(&store.recent_path()), 0o600);
    assert_eq!(mode(&cfg.join("bookmarks.lock")), 0o600);
    // A rewrite keeps 0600 even when the user loosened it, and leaves no temp files.
    fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).expect("chmod");
    store.save(&Profile::new("b", "h"), None).expect("save");
    assert_eq!(mode(&store.path()), 0o600);
    let names: Vec<String> = fs::read_dir(&cfg)
        .expect("list")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    for n in &names {
        assert!(!n.ends_with(".tmp"), "{names:?}");
        assert_eq!(mode(&cfg.join(n)), 0o600, "{n}");
    }
}

#[cfg(unix)]
#[test]
fn a_symlinked_file_stays_a_symlink() {
    let dir = tmp();
    let real_dir = dir.path().join("dotfiles");
    fs::create_dir(&real_dir).expect("mkdir");
    let real = real_dir.join("bookmarks.toml");
    fs::write(&real, "# mine\n").expect("write");
    let cfg = dir.path().join("cfg");
    fs::create_dir(&cfg).expect("mkdir");
    std::os::unix::fs::symlink(&real, cfg.join("bookmarks.toml")).expect("symlink");
    let store = Store::at(&cfg);
    store.save(&Profile::new("a", "h"), None).expect("save");
    assert!(
        fs::symlink_metadata(store.path())
            .expect("stat")
            .file_type()
            .is_symlink()
    );
    assert!(read(&real).starts_with("# mine\n"));
    assert_eq!(store.load().expect("load").0.len(), 1);
}

#[test]
fn the_lock_is_exclusive_across_open_files() {
    let dir = tmp();
    let mut store = Store::at(dir.path());
    store.lock_timeout = Duration::from_millis(150);
    store.save(&Profile::new("a", "h"), None).expect("save");
    // Another open file description of the lock file, as another process would have.
    let file = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(dir.path().join("bookmarks.lock"))
        .expect("open lock");
    let mut other = fd_lock::RwLock::new(file);
    let guard = other.write().expect("lock");
    let started = Instant::now();
    assert!(matches!(
        store.save(&Profile::new("b", "h"), None),
        Err(BookmarkError::Locked)
    ));
    assert!(started.elapsed() >= Duration::from_millis(150));
    drop(guard);
    store
        .save(&Profile::new("b", "h"), None)
        .expect("save after unlock");
    assert_eq!(store.load().expect("load").0.len(), 2);
}

const SAVERS: usize = 4;
const SAVES_EACH: usize = 25;

#[test]
fn concurrent_saves_from_processes_lose_nothing() {
    let dir = tmp();
    let store = Store::at(dir.path());
    fs::write(store.path(), fixture("handwritten.toml")).expect("seed");
    let children: Vec<_> = (0..SAVERS)
        .map(|id| {
            let envs = vec![
                ("SKIFF_BM_DIR", dir.path().as_os_str().to_owned()),
                ("SKIFF_BM_ID", OsString::from(id.to_string())),
            ];
            std::thread::spawn(move || run_child("child_saver", &envs))
        })
        .collect();
    for c in children {
        if let Err(panic) = c.join() {
            std::panic::resume_unwind(panic);
        }
    }
    let (profiles, err) = store.load().expect("load");
    assert!(err.is_none(), "{err:?}");
    let mut names: Vec<String> = profiles.into_iter().map(|p| p.name).collect();
    names.sort();
    let mut expected = vec!["home".to_string(), "minimal".to_string()];
    for id in 0..SAVERS {
        expected.push(format!("renamed-{id}"));
        for k in 2..SAVES_EACH {
            expected.push(format!("p{id}-{k}"));
        }
    }
    expected.sort();
    assert_eq!(names, expected);
    let text = read(&store.path());
    assert!(text.contains("[other_tool]\nsetting = 42"), "{text}");
    assert_eq!(store.recent().len(), RECENT_MAX);
}

/// Child of `concurrent_saves_from_processes_lose_nothing`.
#[test]
fn child_saver() {
    if !is_child("child_saver") {
        return;
    }
    let dir = std::env::var("SKIFF_BM_DIR").expect("SKIFF_BM_DIR");
    let id = std::env::var("SKIFF_BM_ID").expect("SKIFF_BM_ID");
    let store = Store::at(dir);
    for k in 0..SAVES_EACH {
        let mut p = Profile::new(&format!("p{id}-{k}"), "h.example.com");
        p.user = Some(format!("user{id}"));
        store.save(&p, None).expect("save");
        store
            .push_recent(RecentEntry {
                host: format!("h{id}-{k}.example.com"),
                port: 21,
                user: None,
                protocol: Protocol::Ftp,
                remote_dir: None,
                at_unix: k as i64,
            })
            .expect("recent");
    }
    let mut p = Profile::new(&format!("renamed-{id}"), "h.example.com");
    p.user = Some(format!("user{id}"));
    store.save(&p, Some(&format!("p{id}-0"))).expect("rename");
    assert!(store.remove(&format!("p{id}-1")).expect("remove"));
}

// ---------------------------------------------------------------------------------------------
// Recent

#[test]
fn recent_is_newest_first_deduplicated_and_bounded() {
    let dir = tmp();
    let store = Store::at(dir.path());
    let entry = |host: &str, user: Option<&str>, at: i64| RecentEntry {
        host: host.into(),
        port: 21,
        user: user.map(str::to_string),
        protocol: Protocol::Ftps,
        remote_dir: Some("/pub".into()),
        at_unix: at,
    };
    for i in 0..25 {
        store
            .push_recent(entry(&format!("h{i}"), Some("u"), 100 + i))
            .expect("push");
    }
    let list = store.recent();
    assert_eq!(list.len(), RECENT_MAX);
    assert_eq!(list[0].host, "h24");
    assert_eq!(list[19].host, "h5");
    // Same user@host:port again moves to the front instead of adding a row.
    store
        .push_recent(entry("H10", Some("u"), 200))
        .expect("push");
    let list = store.recent();
    assert_eq!(list.len(), RECENT_MAX);
    assert_eq!(list[0].host, "H10");
    assert_eq!(list.iter().filter(|e| e.key() == "u@h10:21").count(), 1);
    // A different user is a different entry.
    store.push_recent(entry("h24", None, 300)).expect("push");
    assert_eq!(store.recent()[0].key(), "anonymous@h24:21");
    assert_eq!(store.recent()[1].key(), "u@h10:21");
    assert_eq!(store.recent()[0].remote_dir.as_deref(), Some("/pub"));
    assert!(!store.path().exists(), "recent connections live apart");
    // Bad entries are refused; a broken file is an empty list and is backed up on push.
    assert!(store.push_recent(entry("a b", None, 1)).is_err());
    fs::write(store.recent_path(), "[[recent]\n").expect("break");
    assert!(store.recent().is_empty());
    store.push_recent(entry("z", None, 5)).expect("push");
    assert_eq!(store.recent().len(), 1);
    assert!(
        fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .any(|e| e
                .file_name()
                .to_string_lossy()
                .starts_with("recent.toml.bak-"))
    );
}

// ---------------------------------------------------------------------------------------------
// Password sources

fn with_command(cmd: &str) -> Profile {
    let mut p = Profile::new("c", "h");
    p.user = Some("u".into());
    p.password = PasswordSource::Command(cmd.into());
    p
}

#[cfg(unix)]
#[test]
fn command_source_takes_the_first_line() {
    let kr = MemoryKeyring::new();
    let pw = resolve_password(&with_command("printf 'from-command\\nsecond line\\n'"), &kr)
        .expect("runs");
    assert_eq!(pw.as_ref().map(Secret::expose), Some("from-command"));
    let pw = resolve_password(&with_command("printf 'crlf\\r\\n'"), &kr).expect("runs");
    assert_eq!(pw.as_ref().map(Secret::expose), Some("crlf"));
    let pw = resolve_password(&with_command("printf 'no newline'"), &kr).expect("runs");
    assert_eq!(pw.as_ref().map(Secret::expose), Some("no newline"));
    // Much output does not block it.
    let pw = resolve_password(&with_command("echo big; yes | head -c 300000"), &kr).expect("runs");
    assert_eq!(pw.as_ref().map(Secret::expose), Some("big"));
}

#[cfg(unix)]
#[test]
fn command_source_failures_are_clear_and_never_leak() {
    let kr = MemoryKeyring::new();
    let err = resolve_password(&with_command("echo hunter2; exit 3"), &kr).expect_err("fails");
    let shown = err.to_string();
    assert!(matches!(err, BookmarkError::Command(_)));
    assert!(shown.contains("exited with status 3"), "{shown}");
    assert!(
        !shown.contains("hunter2") && !shown.contains("echo"),
        "{shown}"
    );

    let err = resolve_password(
        &with_command("echo 'gpg: decryption failed' >&2; exit 2"),
        &kr,
    )
    .expect_err("fails");
    assert!(
        err.to_string().contains("status 2: gpg: decryption failed"),
        "{err}"
    );

    // A command that prints the password and then fails with it in its error output: the
    // error shown does not repeat it.
    let err = resolve_password(
        &with_command("echo hunter2; echo \"bad token hunter2\" >&2; exit 3"),
        &kr,
    )
    .expect_err("fails");
    assert!(!err.to_string().contains("hunter2"), "{err}");
    assert!(err.to_string().contains("bad token ****"), "{err}");

    let err = resolve_password(&with_command("true"), &kr).expect_err("empty");
    assert!(err.to_string().contains("printed no password"), "{err}");
    let err = resolve_password(&with_command("printf '\\nhunter2\\n'"), &kr).expect_err("empty");
    assert!(err.to_string().contains("first line"), "{err}");
    assert!(!err.to_string().contains("hunter2"));

    let started = Instant::now();
    let err = run_password_command("sleep 5", Duration::from_millis(300)).expect_err("timeout");
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(3));
    assert_eq!(PASSWORD_COMMAND_TIMEOUT, Duration::from_secs(10));
}

#[test]
fn keyring_source_via_memory_keyring() {
    let kr = MemoryKeyring::new();
    let mut p = Profile::new("k", "ftp.example.com");
    p.user = Some("alice".into());
    p.password = PasswordSource::Keyring;
    assert_eq!(keyring_account(&p), "alice@ftp.example.com:21");
    // No entry: ask, and say why.
    let (pw, note) = resolve_password_with_note(&p, &kr).expect("resolve");
    assert!(pw.is_none());
    assert!(
        note.expect("note")
            .contains("no password for alice@ftp.example.com:21")
    );
    store_password(&p, &kr, "hunter2").expect("store");
    assert_eq!(
        resolve_password(&p, &kr)
            .expect("resolve")
            .as_ref()
            .map(Secret::expose),
        Some("hunter2")
    );
    // Renaming the profile keeps the password; another port does not share it.
    p.name = "renamed".into();
    assert!(resolve_password(&p, &kr).expect("resolve").is_some());
    p.port = 2121;
    assert!(resolve_password(&p, &kr).expect("resolve").is_none());
    p.port = 21;
    assert!(
        kr.delete(KEYRING_SERVICE, &keyring_account(&p))
            .expect("delete")
    );
    assert!(
        !kr.delete(KEYRING_SERVICE, &keyring_account(&p))
            .expect("delete")
    );
    assert!(resolve_password(&p, &kr).expect("resolve").is_none());

    // No keyring service: say so and fall back to asking; storing fails clearly.
    let none = MemoryKeyring::unavailable();
    let (pw, note) = resolve_password_with_note(&p, &none).expect("resolve");
    assert!(pw.is_none());
    assert!(
        note.expect("note")
            .contains("No keyring service is reachable")
    );
    let err = store_password(&p, &none, "hunter2").expect_err("unavailable");
    assert!(matches!(err, BookmarkError::Keyring(_)));
    assert!(!err.to_string().contains("hunter2"));
    assert!(none.is_empty());

    let v6 = Profile::new("v6", "::1");
    assert_eq!(keyring_account(&v6), "anonymous@[::1]:21");
}

/// The keyring choice, through its seam (no desktop session needed): the Secret Service where
/// one answers, else the kernel keyring (named "until reboot"), else none (then a keyring
/// bookmark asks for its password).
#[test]
fn the_keyring_is_the_secret_service_else_the_kernel_one_until_reboot_else_none() {
    let (kind, why) = choose_keyring(|| Ok(()), || panic!("the kernel keyring was probed"));
    assert_eq!(kind, KeyringKind::SecretService);
    assert!(why.is_empty());
    assert_eq!(kind.describe(), "the desktop keyring (Secret Service)");

    let (kind, why) = choose_keyring(
        || Err("org.freedesktop.secrets was not provided by any .service files".into()),
        || Ok(()),
    );
    assert_eq!(kind, KeyringKind::Kernel);
    assert_eq!(
        why,
        vec!["Secret Service: org.freedesktop.secrets was not provided by any .service files"]
    );
    assert!(
        kind.describe().contains("until reboot"),
        "{}",
        kind.describe()
    );

    let (kind, why) = choose_keyring(|| Err("no session bus".into()), || Err("ENOSYS".into()));
    assert_eq!(kind, KeyringKind::None);
    assert_eq!(why.len(), 2, "{why:?}");
    assert!(kind.describe().contains("asks for the password"));
}

#[test]
fn os_keyring_round_trip_or_skip() {
    let os = OsKeyring;
    if let Err(why) = os.probe() {
        assert!(!os.available());
        println!("SKIPPED os_keyring_round_trip_or_skip: no OS keyring service here: {why}");
        return;
    }
    assert!(os.available());
    let account = format!("skiff-test-{}@localhost:21", std::process::id());
    assert_eq!(os.get(KEYRING_SERVICE, &account).expect("get"), None);
    os.set(KEYRING_SERVICE, &account, "hunter2").expect("set");
    assert_eq!(
        os.get(KEYRING_SERVICE, &account).expect("get").as_deref(),
        Some("hunter2")
    );
    assert!(os.delete(KEYRING_SERVICE, &account).expect("delete"));
    assert_eq!(os.get(KEYRING_SERVICE, &account).expect("get"), None);
}

const NETRC_TEXT: &str = "\
machine ftp.example.com login alice password from-netrc
machine ftp.example.com login bob password bobs-netrc
machine anon.example.org login anonymous password me@example.org
";

#[test]
fn ask_source_uses_netrc_via_the_netrc_variable() {
    let dir = tmp();
    let netrc = dir.path().join("netrc");
    fs::write(&netrc, NETRC_TEXT).expect("write netrc");
    run_child(
        "child_netrc",
        &[
            ("NETRC", netrc.into_os_string()),
            ("SKIFF_BM_CASE", "file".into()),
        ],
    );
    run_child(
        "child_netrc",
        &[
            ("NETRC", dir.path().join("missing").into_os_string()),
            ("SKIFF_BM_CASE", "missing".into()),
        ],
    );
}

/// Child of `ask_source_uses_netrc_via_the_netrc_variable`.
#[test]
fn child_netrc() {
    if !is_child("child_netrc") {
        return;
    }
    let kr = MemoryKeyring::new();
    let mut alice = Profile::new("a", "FTP.example.com");
    alice.user = Some("alice".into());
    let mut bob = alice.clone();
    bob.user = Some("bob".into());
    let mut dave = alice.clone();
    dave.user = Some("dave".into());
    let anon = Profile::new("anon", "anon.example.org");
    let pw = |p: &Profile| {
        resolve_password(p, &kr)
            .expect("resolve")
            .map(|s| s.expose().to_string())
    };
    if std::env::var("SKIFF_BM_CASE").as_deref() == Ok("missing") {
        assert_eq!(netrc::load_for("ftp.example.com", None), None);
        assert_eq!(pw(&alice), None);
        return;
    }
    assert_eq!(pw(&alice).as_deref(), Some("from-netrc"));
    assert_eq!(pw(&bob).as_deref(), Some("bobs-netrc"));
    assert_eq!(pw(&dave), None, "no entry for that login: ask");
    assert_eq!(pw(&anon).as_deref(), Some("me@example.org"));
    assert_eq!(
        netrc::load_for("ftp.example.com", None),
        Some((Some("alice".into()), "from-netrc".into()))
    );
    // A profile with another source does not read netrc.
    let mut k = alice.clone();
    k.password = PasswordSource::Keyring;
    assert_eq!(pw(&k), None);
}

// ---------------------------------------------------------------------------------------------
// Imports

fn by_name<'a>(profiles: &'a [Profile], name: &str) -> &'a Profile {
    profiles
        .iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no profile {name:?} in {profiles:#?}"))
}

#[test]
fn filezilla_import_without_passwords() {
    let kr = MemoryKeyring::new();
    let (profiles, notes) =
        import::filezilla(&fixture("sitemanager.xml"), false, &kr).expect("import");
    let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "Example & Co",
            "Work/Uploads",
            "Work/Legacy/Old box",
            "Work/Legacy/Win server",
            "Public mirror",
            "Old style site",
            "Locked",
            "Example & Co (2)",
        ]
    );
    let a = by_name(&profiles, "Example & Co");
    assert_eq!(
        (a.host.as_str(), a.port, a.protocol),
        ("ftp.example.com", 21, Protocol::FtpsIfAvailable)
    );
    assert_eq!(a.user.as_deref(), Some("alice"));
    assert_eq!(a.password, PasswordSource::Ask);
    assert!(a.passive);
    assert_eq!(a.local_dir.as_deref(), Some("/home/alice/site"));
    assert_eq!(a.remote_dir.as_deref(), Some("/pub/incoming"));

    let u = by_name(&profiles, "Work/Uploads");
    assert_eq!((u.port, u.protocol), (2121, Protocol::Ftps));
    assert!(!u.passive);
    assert_eq!(u.encoding, "iso-8859-1");
    assert_eq!(u.parallel, Some(3));
    assert_eq!(u.remote_dir.as_deref(), Some("/my files/web"));
    assert_eq!(u.local_dir, None);

    let o = by_name(&profiles, "Work/Legacy/Old box");
    assert_eq!((o.port, o.protocol), (990, Protocol::FtpsImplicit));
    assert_eq!(o.remote_dir.as_deref(), Some("/"));
    assert_eq!(o.password, PasswordSource::Ask);

    let w = by_name(&profiles, "Work/Legacy/Win server");
    assert_eq!(w.remote_dir.as_deref(), Some("C:\\Users\\greta"));

    let m = by_name(&profiles, "Public mirror");
    assert!(m.anonymous && m.user.is_none() && m.is_anonymous());
    assert_eq!(m.protocol, Protocol::Ftp);
    assert_eq!(m.remote_dir.as_deref(), Some("/pub/linux"));

    let dup = by_name(&profiles, "Example & Co (2)");
    assert_eq!(dup.port, 2100);

    let all = notes.join("\n");
    for expected in [
        "\"Work/Legacy/Shell box\": skipped, it is an SFTP site",
        "\"Buckets\": skipped, it uses S3",
        "\"Locked\": the password is protected by FileZilla's master password",
        "\"Work/Legacy/Win server\": the FTP account (ACCT) is not supported",
        "\"Work/Uploads\": 1 site bookmark(s)",
        "4 stored passwords were not imported",
        "3 sites used FileZilla's \"explicit TLS if available\" mode and were imported as ftps-if-available",
        "\"Example & Co\": a second site of that name was imported as \"Example & Co (2)\"",
    ] {
        assert!(
            all.contains(expected),
            "missing note {expected:?} in:\n{all}"
        );
    }
    for pw in PASSWORDS {
        assert!(!all.contains(pw), "a note shows {pw:?}");
    }
    assert!(kr.is_empty(), "nothing goes to the keyring unless asked");
}

#[test]
fn filezilla_import_with_passwords_goes_to_the_keyring_only() {
    let kr = MemoryKeyring::new();
    let (profiles, notes) =
        import::filezilla(&fixture("sitemanager.xml"), true, &kr).expect("import");
    assert_eq!(kr.len(), 4);
    let get = |user: &str, host: &str, port: u16| {
        kr.get(KEYRING_SERVICE, &format!("{user}@{host}:{port}"))
            .expect("get")
    };
    assert_eq!(
        get("alice", "ftp.example.com", 21).as_deref(),
        Some("hunter2")
    );
    assert_eq!(
        get("bob", "secure.example.net", 2121).as_deref(),
        Some("c0rrect horse")
    );
    assert_eq!(
        get("greta", "windows.example.org", 21).as_deref(),
        Some("pässwörd")
    );
    assert_eq!(
        by_name(&profiles, "Example & Co").password,
        PasswordSource::Keyring
    );
    assert_eq!(
        by_name(&profiles, "Old style site").password,
        PasswordSource::Keyring
    );
    assert_eq!(by_name(&profiles, "Locked").password, PasswordSource::Ask);
    assert_eq!(
        by_name(&profiles, "Work/Legacy/Old box").password,
        PasswordSource::Ask
    );
    // An old-style plain-text <Pass> is imported too.
    assert_eq!(
        get("erin", "old.example.com", 21).as_deref(),
        Some("plainpw")
    );
    assert!(
        !notes
            .join("\n")
            .contains("stored passwords were not imported"),
        "{notes:?}"
    );

    // Saved, the file names the source only.
    let dir = tmp();
    let store = Store::at(dir.path());
    for p in &profiles {
        store.save(p, None).expect("save");
    }
    assert_no_password_in(dir.path());

    // A password already in the keyring for an account is kept, not replaced by the file's.
    let kr = MemoryKeyring::new();
    kr.set(KEYRING_SERVICE, "alice@ftp.example.com:21", "newer-one")
        .expect("set");
    let (_, notes) = import::filezilla(&fixture("sitemanager.xml"), true, &kr).expect("import");
    assert_eq!(
        kr.get(KEYRING_SERVICE, "alice@ftp.example.com:21")
            .expect("get")
            .as_deref(),
        Some("newer-one")
    );
    assert!(
        notes.iter().any(|n| n.contains("kept that one")),
        "{notes:?}"
    );
    assert!(!notes.join("\n").contains("hunter2"));

    // Without a keyring, asking for passwords is a clear error and stores nothing.
    let none = MemoryKeyring::unavailable();
    let err = import::filezilla(&fixture("sitemanager.xml"), true, &none).expect_err("no keyring");
    assert!(matches!(err, BookmarkError::Keyring(_)));
    assert!(
        err.to_string().contains("no keyring service is reachable"),
        "{err}"
    );
    assert!(none.is_empty());
}

#[test]
fn filezilla_rejects_other_files() {
    let kr = MemoryKeyring::new();
    assert!(matches!(
        import::filezilla("<foo/>", false, &kr),
        Err(BookmarkError::Import(_))
    ));
    let err = import::filezilla("<FileZilla3><Servers><Server><Host>h</Host>", false, &kr)
        .expect_err("truncated");
    assert!(
        err.to_string()
            .contains("ends inside <FileZilla3> <Servers> <Server>"),
        "{err}"
    );
    let err =
        import::filezilla("<FileZilla3>\n<Servers></Server>", false, &kr).expect_err("bad xml");
    assert!(err.to_string().contains("line 2"), "{err}");
    let (p, notes) = import::filezilla("<FileZilla3/>", false, &kr).expect("empty");
    assert!(p.is_empty() && !notes.is_empty());
}

#[test]
fn filezilla_odd_values_fall_back_with_a_note() {
    let xml = "<FileZilla3><Servers><Server><Host>[2001:db8::1]</Host><Port>x</Port>\
               <Protocol>4</Protocol><Logontype>1</Logontype><User>u</User>\
               <EncodingType>Custom</EncodingType><CustomEncoding>ISO 8859 1</CustomEncoding>\
               <RemoteDir>1 0 9 bad</RemoteDir><Name>v6</Name></Server></Servers></FileZilla3>";
    let (p, notes) = import::filezilla(xml, false, &MemoryKeyring::new()).expect("import");
    assert_eq!(p.len(), 1, "{notes:?}");
    assert_eq!((p[0].host.as_str(), p[0].port), ("2001:db8::1", 21));
    assert_eq!(p[0].encoding, "utf-8");
    assert_eq!(p[0].remote_dir, None);
    let all = notes.join("\n");
    assert!(
        all.contains("custom encoding name is not understood"),
        "{all}"
    );
    assert!(
        all.contains("could not decode the remote directory"),
        "{all}"
    );
    assert_eq!(p[0].url(), "ftpes://u@[2001:db8::1]:21/");
}

#[test]
fn lftp_import() {
    let kr = MemoryKeyring::new();
    let (profiles, notes) = import::lftp(&fixture("lftp-bookmarks"), false, &kr).expect("import");
    let names: Vec<&str> = profiles.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "mirror",
            "work",
            "secure",
            "plainhost",
            "spaced",
            "anon",
            "work (2)"
        ]
    );
    let m = by_name(&profiles, "mirror");
    assert!(m.is_anonymous());
    assert_eq!(m.remote_dir.as_deref(), Some("/pub/linux"));
    let w = by_name(&profiles, "work");
    assert_eq!((w.host.as_str(), w.port), ("ftp.example.com", 2121));
    assert_eq!(w.user.as_deref(), Some("alice"));
    assert_eq!(w.remote_dir.as_deref(), Some("~/uploads"));
    assert_eq!(w.password, PasswordSource::Ask);
    let s = by_name(&profiles, "secure");
    assert_eq!((s.protocol, s.port), (Protocol::FtpsImplicit, 990));
    assert_eq!(s.remote_dir, None);
    let h = by_name(&profiles, "plainhost");
    assert_eq!(
        (h.host.as_str(), h.protocol),
        ("files.example.org", Protocol::Ftp)
    );
    assert_eq!(
        by_name(&profiles, "spaced").remote_dir.as_deref(),
        Some("/dir with spaces")
    );
    let a = by_name(&profiles, "anon");
    assert!(a.anonymous && a.user.is_none());
    let all = notes.join("\n");
    for expected in [
        "line 7: bookmark \"shell\" skipped: sftp:// is not FTP or FTPS",
        "line 9: bookmark \"badport\" skipped: bad port",
        "line 11: bookmark \"empty\" has no URL",
        "the anonymous password is not imported",
        "1 stored password was not imported",
    ] {
        assert!(
            all.contains(expected),
            "missing note {expected:?} in:\n{all}"
        );
    }
    for pw in PASSWORDS {
        assert!(!all.contains(pw), "a note shows {pw:?}");
    }
    assert!(kr.is_empty());

    let (profiles, _) = import::lftp(&fixture("lftp-bookmarks"), true, &kr).expect("import");
    assert_eq!(kr.len(), 1);
    assert_eq!(
        kr.get(KEYRING_SERVICE, "alice@ftp.example.com:2121")
            .expect("get")
            .as_deref(),
        Some("s3cr@t")
    );
    assert_eq!(by_name(&profiles, "work").password, PasswordSource::Keyring);
    assert!(
        import::lftp(
            &fixture("lftp-bookmarks"),
            true,
            &MemoryKeyring::unavailable()
        )
        .is_err()
    );
}

#[test]
fn no_password_ever_reaches_the_files() {
    let dir = tmp();
    let store = Store::at(dir.path());
    let kr = MemoryKeyring::new();
    let (fz, _) = import::filezilla(&fixture("sitemanager.xml"), true, &kr).expect("import");
    let (lf, _) = import::lftp(&fixture("lftp-bookmarks"), true, &kr).expect("import");
    let (fz_ask, _) = import::filezilla(&fixture("sitemanager.xml"), false, &kr).expect("import");
    for (i, p) in fz.iter().chain(&lf).chain(&fz_ask).enumerate() {
        let mut p = p.clone();
        p.name = format!("{i}-{}", p.name);
        store.save(&p, None).expect("save");
        store
            .push_recent(RecentEntry {
                host: p.host.clone(),
                port: p.port,
                user: p.user.clone(),
                protocol: p.protocol,
                remote_dir: p.remote_dir.clone(),
                at_unix: i as i64,
            })
            .expect("recent");
        assert_no_password_in(dir.path());
    }
    let (all, err) = store.load().expect("load");
    assert!(err.is_none(), "{err:?}");
    for (i, p) in all.iter().enumerate() {
        let mut q = p.clone();
        q.name = format!("renamed {i}");
        q.password = PasswordSource::Keyring;
        store.save(&q, Some(&p.name)).expect("rename");
        assert_no_password_in(dir.path());
    }
    for p in store.load().expect("load").0.iter().step_by(2) {
        store.remove(&p.name).expect("remove");
    }
    assert_no_password_in(dir.path());
    assert!(kr.len() >= 4);
    // Debug output of a resolved password is masked.
    let mut p = Profile::new("x", "ftp.example.com");
    p.user = Some("alice".into());
    p.password = PasswordSource::Keyring;
    let secret = resolve_password(&p, &kr).expect("resolve").expect("stored");
    assert_eq!(secret.expose(), "hunter2");
    assert!(!format!("{secret:?}").contains("hunter2"));
}

#[test]
fn connect_options_follow_the_profile() {
    use crate::ftp::tls::TlsMode;
    let mut p = Profile::new("t", "ftp.example.org");
    p.user = Some("alice".into());
    for (proto, tls) in [
        (Protocol::Ftp, TlsMode::Off),
        (Protocol::Ftps, TlsMode::Explicit),
        (Protocol::FtpsImplicit, TlsMode::Implicit),
        (Protocol::FtpsIfAvailable, TlsMode::IfAvailable),
    ] {
        p.protocol = proto;
        assert_eq!(p.connect_options(None).tls, tls, "{proto:?}");
        assert_eq!(Protocol::from_name(proto.as_str()), Some(proto));
    }
    p.passive = false;
    p.prefer_epsv = false;
    p.keepalive_secs = Some(45);
    p.cert_sha256 = Some("AB:CD".into());
    p.active_ports = Some("50000-50100".into());
    p.active_address = Some("203.0.113.7".into());
    let o = p.connect_options(None);
    assert_eq!(o.active_ports, Some((50000, 50100)));
    assert_eq!(o.active_address, Some("203.0.113.7".parse().unwrap()));
    assert!(o.active && !o.epsv);
    assert_eq!(o.keepalive, Some(std::time::Duration::from_secs(45)));
    assert_eq!(o.trust.pin.as_deref(), Some("AB:CD"));
    assert_eq!(o.user, "alice");
    p.keepalive_secs = Some(0);
    assert_eq!(p.connect_options(None).keepalive, None, "0 means off");
}

#[test]
fn active_mode_settings_are_checked() {
    let mut p = Profile::new("t", "h");
    p.active_ports = Some("70000-1".into());
    p.active_address = Some("not an address".into());
    let fields: Vec<&str> = p.validate().into_iter().map(|(f, _)| f).collect();
    assert!(fields.contains(&"active_ports"), "{fields:?}");
    assert!(fields.contains(&"active_address"), "{fields:?}");
}

#[test]
fn an_edited_account_keeps_its_keyring_password() {
    let kr = MemoryKeyring::new();
    let mut old = Profile::new("w", "ftp.example.com");
    old.user = Some("alice".into());
    old.password = PasswordSource::Keyring;
    kr.set(KEYRING_SERVICE, "alice@ftp.example.com:21", "s3cret")
        .expect("set");
    let mut new = old.clone();
    new.port = 2121;
    assert!(carry_keyring_password(&old, &new, &kr).expect("carry"));
    assert_eq!(
        kr.get(KEYRING_SERVICE, "alice@ftp.example.com:2121")
            .expect("get")
            .as_deref(),
        Some("s3cret")
    );
    // The old entry stays (another profile may share it); nothing to do when nothing moved,
    // and an entry already there for the new account is never replaced.
    assert!(
        kr.get(KEYRING_SERVICE, "alice@ftp.example.com:21")
            .expect("get")
            .is_some()
    );
    assert!(!carry_keyring_password(&old, &old, &kr).expect("same"));
    kr.set(KEYRING_SERVICE, "bob@ftp.example.com:21", "bobs")
        .expect("set");
    let mut bob = old.clone();
    bob.user = Some("bob".into());
    assert!(!carry_keyring_password(&old, &bob, &kr).expect("bob"));
    assert_eq!(
        kr.get(KEYRING_SERVICE, "bob@ftp.example.com:21")
            .expect("get")
            .as_deref(),
        Some("bobs")
    );
}

#[test]
fn deeply_nested_xml_is_refused_not_a_stack_overflow() {
    let kr = MemoryKeyring::new();
    let mut xml = String::from("<FileZilla3><Servers>");
    for _ in 0..200_000 {
        xml.push_str("<Folder>");
    }
    let err = import::filezilla(&xml, false, &kr).expect_err("refused");
    assert!(err.to_string().contains("deep"), "{err}");
    // A normal depth still imports.
    let mut ok = String::from("<FileZilla3><Servers>");
    for _ in 0..20 {
        ok.push_str("<Folder>f");
    }
    ok.push_str("<Server><Host>h.example.org</Host><Protocol>6</Protocol><Name>s</Name></Server>");
    for _ in 0..20 {
        ok.push_str("</Folder>");
    }
    ok.push_str("</Servers></FileZilla3>");
    let (profiles, _) = import::filezilla(&ok, false, &kr).expect("imports");
    assert_eq!(profiles.len(), 1);
}

/// `skiff bookmarks show` prints a password command with what looks like a literal secret
/// masked, and what only names where the secret is kept as it is.
#[test]
fn password_commands_are_shown_without_literal_secrets() {
    for (cmd, shown) in [
        // Fetchers: nothing to hide.
        ("pass show ftp/work", "pass show ftp/work"),
        (
            "secret-tool lookup service ftp user alice",
            "secret-tool lookup service ftp user alice",
        ),
        (
            "op read op://Private/ftp/password",
            "op read op://Private/ftp/password",
        ),
        (
            "security find-generic-password -s ftp -w",
            "security find-generic-password -s ftp -w",
        ),
        (
            "gpg -d ~/.ftp.gpg --passphrase-fd 0",
            "gpg -d ~/.ftp.gpg --passphrase-fd 0",
        ),
        // Literal secrets.
        ("echo hunter2", "echo ****"),
        (
            "printf '%s' 'hunter 2' | cat",
            "printf **** **** **** | cat",
        ),
        ("sshpass -p hunter2 cat", "sshpass -p **** cat"),
        ("tool --password hunter2 --x", "tool --password **** --x"),
        ("tool --password=hunter2", "tool --password=****"),
        ("FTP_PASSWORD=hunter2 tool", "FTP_PASSWORD=**** tool"),
        (
            "curl -s ftp://alice:hunter2@h/x",
            "curl -s ftp://alice:****@h/x",
        ),
        ("fetch alice:hunter2@host", "fetch alice:****@host"),
        ("decrypt Tr0ub4dor&3x", "decrypt ****"),
        ("vault get aB3dE5fG7hJ9kL2mN4", "vault get ****"),
    ] {
        assert_eq!(mask_password_command(cmd), shown, "{cmd}");
    }
    // Nothing of the secret is left in what is shown.
    for cmd in [
        "echo hunter2",
        "x -p hunter2",
        "x --token=hunter2",
        "x u:hunter2@h",
    ] {
        assert!(!mask_password_command(cmd).contains("hunter2"), "{cmd}");
    }
}
