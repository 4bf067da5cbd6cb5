//! The bookmarks file: round trips, edits that keep comments and unknown keys, broken files,
//! permissions, links, and the lock between processes.

use super::*;

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
fn a_broken_file_is_reported_untouched_and_never_rewritten() {
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
            std::thread::spawn(move || run_child(module_path!(), "child_saver", &envs))
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
