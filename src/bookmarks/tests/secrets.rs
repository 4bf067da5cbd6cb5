//! Password sources: commands, the keyring, `~/.netrc`, and how they are shown.

use super::*;

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
        module_path!(),
        "child_netrc",
        &[
            ("NETRC", netrc.into_os_string()),
            ("SKIFF_BM_CASE", "file".into()),
        ],
    );
    run_child(
        module_path!(),
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
