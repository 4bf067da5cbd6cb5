//! Imports from FileZilla and lftp, and no password ever in the files.

use super::*;

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
