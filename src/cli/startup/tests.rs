//! Start-up resolution against a made-up environment: which language, directory and transfer
//! defaults win, and when a URL or a bookmark connects, asks for a password, or is refused.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::path::Path;

use clap::Parser;

use super::*;
use crate::bookmarks::PasswordSource;
use crate::ftp::tls::TlsMode;
use crate::transfer::OnExists;

/// An environment that answers from its fields and counts what was read.
struct Fake {
    lang: Lang,
    cwd: std::io::Result<PathBuf>,
    vars: HashMap<&'static str, &'static str>,
    /// `None`: reading standard input fails the test.
    stdin: Option<&'static str>,
    stdin_reads: Cell<usize>,
    store: Option<PathBuf>,
    /// What [`Environment::profile_password`] answers, and its note.
    profile_password: Result<Option<&'static str>, &'static str>,
    note: Option<&'static str>,
    warnings: RefCell<Vec<String>>,
}

impl Fake {
    fn new(cwd: &Path) -> Fake {
        Fake {
            lang: Lang::En,
            cwd: Ok(cwd.to_path_buf()),
            vars: HashMap::new(),
            stdin: None,
            stdin_reads: Cell::new(0),
            store: None,
            profile_password: Ok(None),
            note: None,
            warnings: RefCell::new(Vec::new()),
        }
    }
}

impl Environment for Fake {
    fn lang(&self) -> Lang {
        self.lang
    }

    fn current_dir(&self) -> std::io::Result<PathBuf> {
        match &self.cwd {
            Ok(d) => Ok(d.clone()),
            Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
        }
    }

    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).map(|v| v.to_string())
    }

    fn stdin_line(&self) -> std::io::Result<String> {
        self.stdin_reads.set(self.stdin_reads.get() + 1);
        Ok(self
            .stdin
            .expect("standard input is not read here")
            .to_string())
    }

    fn bookmarks(&self) -> Option<Store> {
        self.store.as_ref().map(Store::at)
    }

    fn profile_password(&self, _: &Profile) -> (Result<Option<Secret>, String>, Option<String>) {
        (
            self.profile_password
                .map(|p| p.map(Secret::new))
                .map_err(str::to_string),
            self.note.map(str::to_string),
        )
    }

    fn warn(&self, line: &str) {
        self.warnings.borrow_mut().push(line.to_string());
    }
}

fn args(a: &[&str]) -> Cli {
    Cli::try_parse_from(std::iter::once("skiff").chain(a.iter().copied())).expect("parses")
}

fn start(a: &[&str], config: &str, env: &Fake) -> anyhow::Result<Start> {
    let (settings, errors) = Settings::with_user(config);
    assert!(errors.is_empty(), "{errors:?}");
    resolve(&args(a), settings, Vec::new(), env)
}

fn launch(a: &[&str], env: &Fake) -> Launch {
    start(a, "", env).expect("resolves").launch
}

fn error(a: &[&str], env: &Fake) -> String {
    match start(a, "", env) {
        Ok(_) => panic!("{a:?} resolved"),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn the_language_is_the_flag_then_the_config_then_the_environment() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Fake {
        lang: Lang::Zh,
        ..Fake::new(dir.path())
    };
    let lang = |a: &[&str], config: &str| start(a, config, &env).expect("resolves").launch.lang;
    // `lang = "auto"` (the default): the environment's.
    assert_eq!(lang(&[], ""), Lang::Zh);
    assert_eq!(lang(&[], "[ui]\nlang = \"auto\"\n"), Lang::Zh);
    assert_eq!(lang(&[], "[ui]\nlang = \"en\"\n"), Lang::En);
    assert_eq!(lang(&["--lang", "zh"], "[ui]\nlang = \"en\"\n"), Lang::Zh);
    assert_eq!(lang(&["--lang", "en"], ""), Lang::En);
}

#[test]
fn transfer_defaults_are_the_flags_else_the_config_transfer_table() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Fake::new(dir.path());
    let config = "[transfer]\non_exists = \"skip\"\nparallel = 2\n";
    let got = |a: &[&str], config: &str| {
        let l = start(a, config, &env).expect("resolves").launch;
        (l.on_exists, l.parallel)
    };
    assert_eq!(got(&[], ""), (OnExists::Ask, 4));
    assert_eq!(got(&[], config), (OnExists::Skip, 2));
    assert_eq!(
        got(&["--on-exists", "newer", "-P", "8"], config),
        (OnExists::Newer, 8)
    );
    assert_eq!(got(&["--on-exists", "ask"], config), (OnExists::Ask, 2));
}

#[test]
fn the_left_pane_is_local_else_the_current_directory_resolved() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    let real = std::fs::canonicalize(dir.path()).expect("canonical");
    let env = Fake::new(&dir.path().join("sub/.."));
    assert_eq!(launch(&[], &env).local_dir, real.to_string_lossy());
    let sub = dir.path().join("sub");
    let sub = sub.to_str().expect("utf-8");
    assert_eq!(
        launch(&["--local", sub], &env).local_dir,
        real.join("sub").to_string_lossy()
    );
    let missing = dir.path().join("missing");
    let e = error(&["--local", missing.to_str().expect("utf-8")], &env);
    assert!(e.starts_with("cannot open local directory"), "{e}");
    let env = Fake {
        cwd: Err(std::io::Error::other("gone")),
        ..Fake::new(dir.path())
    };
    assert!(error(&[], &env).starts_with("reading the current directory"));
    // --local does not need the current directory.
    launch(&["--local", sub], &env);
}

#[test]
fn a_url_with_a_user_and_no_password_opens_the_password_prompt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Fake::new(dir.path());
    let l = launch(&["ftpes://alice@example.org:2121/pub", "--active"], &env);
    assert!(l.connect.is_none());
    let form = l.prompt.expect("a password prompt");
    assert_eq!(
        (form.host.as_str(), form.port.as_str(), form.user.as_str()),
        ("example.org", "2121", "alice")
    );
    assert_eq!(form.path.as_deref(), Some("pub"));
    // The settings the prompt connects with: the scheme's TLS and the switches.
    assert_eq!(form.settings.tls, TlsMode::Explicit);
    assert!(form.settings.active);
    assert_eq!(env.stdin_reads.get(), 0);
    assert!(env.warnings.borrow().is_empty());
}

#[test]
fn a_url_password_comes_from_the_url_then_stdin_then_skiff_password() {
    let dir = tempfile::tempdir().expect("tempdir");
    let connect = |l: Launch| l.connect.expect("connects");
    let password = |o: &ConnectOptions| o.password.expose().to_string();

    // In the URL: used, with a warning; nothing else is read.
    let env = Fake::new(dir.path());
    let (o, path) = connect(launch(
        &[
            "ftp://alice:pw@h/dir",
            "--password-stdin",
            "--trust",
            "AB:CD",
        ],
        &env,
    ));
    assert_eq!((o.user.as_str(), password(&o).as_str()), ("alice", "pw"));
    assert_eq!(path.as_deref(), Some("dir"));
    assert_eq!(o.trust.pin.as_deref(), Some("AB:CD"));
    assert_eq!(env.stdin_reads.get(), 0);
    assert_eq!(env.warnings.borrow().len(), 1);
    assert!(env.warnings.borrow()[0].contains("process list"));

    // --password-stdin: one line of standard input, before SKIFF_PASSWORD.
    let env = Fake {
        stdin: Some("typed"),
        vars: HashMap::from([("SKIFF_PASSWORD", "env")]),
        ..Fake::new(dir.path())
    };
    let (o, _) = connect(launch(&["ftp://alice@h", "--password-stdin"], &env));
    assert_eq!(password(&o), "typed");
    assert_eq!(env.stdin_reads.get(), 1);

    // SKIFF_PASSWORD.
    let env = Fake {
        vars: HashMap::from([("SKIFF_PASSWORD", "env")]),
        ..Fake::new(dir.path())
    };
    let (o, _) = connect(launch(&["ftp://alice@h"], &env));
    assert_eq!(password(&o), "env");
    assert!(env.warnings.borrow().is_empty());
}

#[test]
fn an_anonymous_url_connects_and_ignores_password_stdin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Fake::new(dir.path());
    let l = launch(&["ftp://example.org", "--password-stdin"], &env);
    assert!(l.prompt.is_none());
    let (o, path) = l.connect.expect("connects");
    assert_eq!(
        (o.host.as_str(), o.port, o.user.as_str()),
        ("example.org", 21, "anonymous")
    );
    assert_eq!(path, None);
    assert_eq!(env.stdin_reads.get(), 0);
    let e = error(&["ftp://h:0/"], &env);
    assert!(e.starts_with("cannot use that URL"), "{e}");
}

#[test]
fn password_stdin_without_a_url_is_refused_but_not_with_the_demo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Fake::new(dir.path());
    assert_eq!(
        error(&["--password-stdin"], &env),
        "--password-stdin needs a URL with a user name"
    );
    // The demo server's own login is used: standard input is not read.
    let s = start(&["--demo", "--password-stdin", "--trust", "AB"], "", &env).expect("resolves");
    assert!(s.demo);
    assert!(s.launch.connect.is_none() && s.launch.prompt.is_none());
    assert_eq!(env.stdin_reads.get(), 0);
    // Nothing at all: the TUI starts unconnected.
    let s = start(&[], "", &env).expect("resolves");
    assert!(!s.demo);
    assert!(s.launch.connect.is_none() && s.launch.prompt.is_none());
}

/// The certificate pin of the bookmark `work`.
const PIN: &str = "ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab:ab";

/// A store in `dir` with one bookmark, `work`: alice at example.org, its own directories.
fn store_with_work(dir: &Path, anonymous: bool) -> PathBuf {
    let store = dir.join("config");
    let mut p = Profile::new("work", "example.org");
    p.user = Some("alice".into());
    p.anonymous = anonymous;
    p.password = PasswordSource::Keyring;
    p.remote_dir = Some("/srv".into());
    p.local_dir = Some("/somewhere".into());
    p.cert_sha256 = Some(PIN.into());
    Store::at(&store).save(&p, None).expect("saved");
    store
}

#[test]
fn a_bookmark_without_a_password_opens_its_prompt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Fake {
        store: Some(store_with_work(dir.path(), false)),
        note: Some("the keyring is away"),
        ..Fake::new(dir.path())
    };
    for a in [&["-b", "work"][..], &["work"]] {
        let ca = dir.path().join("ca.pem");
        let ca = ca.to_str().expect("utf-8");
        let a = [a, &["--ca-file", ca, "--trust", "AB:CD", "--no-epsv"]].concat();
        let l = launch(&a, &env);
        assert!(l.connect.is_none());
        assert_eq!(l.local_dir, "/somewhere");
        assert_eq!(l.notes, ["the keyring is away"]);
        let form = l.prompt.expect("a password prompt");
        assert_eq!(
            (form.host.as_str(), form.user.as_str()),
            ("example.org", "alice")
        );
        assert_eq!(form.path.as_deref(), Some("/srv"));
        // --ca-file and the switches apply; the bookmark's pin stays (--trust is not read).
        assert_eq!(form.settings.trust.ca_file.as_deref(), Some(Path::new(ca)));
        let saved = Store::at(env.store.as_ref().expect("a store"))
            .get("work")
            .expect("read")
            .expect("saved");
        assert_eq!(form.settings.trust.pin, saved.cert_sha256);
        assert!(form.settings.trust.pin.is_some());
        assert!(!form.settings.epsv);
    }
}

#[test]
fn a_bookmark_with_a_password_or_anonymous_connects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Fake {
        store: Some(store_with_work(dir.path(), false)),
        profile_password: Ok(Some("kept")),
        ..Fake::new(dir.path())
    };
    // --password-stdin is not read for a bookmark.
    let l = launch(&["-b", "work", "--password-stdin"], &env);
    let (o, path) = l.connect.expect("connects");
    assert_eq!((o.user.as_str(), o.password.expose()), ("alice", "kept"));
    assert_eq!(path.as_deref(), Some("/srv"));
    assert_eq!(env.stdin_reads.get(), 0);

    let env = Fake {
        store: Some(store_with_work(dir.path(), true)),
        ..Fake::new(dir.path())
    };
    let (o, _) = launch(&["-b", "work"], &env).connect.expect("connects");
    assert_eq!(o.user, "anonymous");
}

#[test]
fn a_missing_bookmark_or_its_password_is_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Fake {
        store: Some(store_with_work(dir.path(), false)),
        ..Fake::new(dir.path())
    };
    assert_eq!(
        error(&["-b", "home"], &env),
        "\"home\" is neither an ftp:// URL nor a saved bookmark (see `skiff bookmarks list`)"
    );
    // What looks like credentials is not repeated.
    let e = error(&["alice:secret@host"], &env);
    assert!(
        !e.contains("secret") && e.contains("nor a saved bookmark"),
        "{e}"
    );
    let env = Fake {
        store: Some(store_with_work(dir.path(), false)),
        profile_password: Err("the command failed"),
        ..Fake::new(dir.path())
    };
    assert_eq!(error(&["work"], &env), "work: the command failed");
    let env = Fake::new(dir.path());
    assert_eq!(
        error(&["work"], &env),
        "this system has no config directory for bookmarks"
    );
}

#[test]
fn a_headless_command_needs_a_password_for_a_user() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tls = args(&["--active"]).tls;
    let env = Fake::new(dir.path());
    let e = url_options("ftp://alice@h/f", false, &tls, &env).expect_err("no password");
    assert!(format!("{e}").starts_with("no password for alice"), "{e}");
    let env = Fake {
        stdin: Some("typed"),
        ..Fake::new(dir.path())
    };
    let (u, o) = url_options("ftp://alice@h/f", true, &tls, &env).expect("options");
    assert_eq!(
        (u.path.as_deref(), o.password.expose()),
        (Some("f"), "typed")
    );
    assert!(o.active);
    let (_, o) = url_options("ftp://alice:pw@h/f", true, &tls, &env).expect("options");
    assert_eq!(o.password.expose(), "pw");
    assert_eq!(env.stdin_reads.get(), 1);
    assert_eq!(env.warnings.borrow().len(), 1);
    assert!(url_options("h/f", false, &tls, &env).is_err());
}

#[test]
fn completions_and_the_manual_come_from_the_parser() {
    for shell in [
        clap_complete::Shell::Bash,
        clap_complete::Shell::Zsh,
        clap_complete::Shell::Fish,
        clap_complete::Shell::PowerShell,
    ] {
        let text = String::from_utf8(completions(shell)).expect("UTF-8");
        for word in ["sync", "max-delete", "verify", "bookmarks"] {
            assert!(text.contains(word), "{shell:?} lacks {word}");
        }
    }
    let man = String::from_utf8(man_page().expect("renders")).expect("UTF-8");
    assert!(man.contains(".TH skiff 1"), "{man}");
    assert!(man.contains("sync") && man.contains("completions"), "{man}");
}
