//! The headless commands, run as a user would: the real binary against the in-process server.

use std::path::Path;
use std::process::Command;

use skiff::demo::{self, DemoOptions};

use crate::common::collide;

fn skiff(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(args)
        .current_dir(dir)
        .env("SKIFF_PASSWORD", "demo")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("running skiff")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_put_ls_round_trip() {
    let remote = tempfile::tempdir().unwrap();
    demo::populate_sample_tree(remote.path()).unwrap();
    std::fs::remove_file(remote.path().join("readme-link")).unwrap();
    let server = demo::start(DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let base = format!("ftp://demo@127.0.0.1:{}", server.port);
    let work = tempfile::tempdir().unwrap();

    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || skiff(&["ls", &format!("{base}/dir%20with%20spaces")], &dir)
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("hello world.txt") && text.contains("another file.log"),
        "{text}"
    );

    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || {
            skiff(
                &["get", "--parallel", "8", &format!("{base}/many"), "."],
                &dir,
            )
        }
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("150 files"), "{summary}");
    assert_eq!(
        std::fs::read_dir(work.path().join("many")).unwrap().count(),
        150
    );
    assert_eq!(
        std::fs::read(work.path().join("many/file-042.txt")).unwrap(),
        b"file number 42\n"
    );

    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || skiff(&["put", "-q", "many", &format!("{base}/")], &dir)
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "--quiet prints nothing");

    // Failures are listed with their reply codes and the exit status says so.
    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || skiff(&["get", &format!("{base}/no-such-file.txt")], &dir)
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("failed [550]"), "{err}");
    assert!(
        !err.contains("demo@") || !err.contains(":demo@"),
        "no password in the output"
    );

    // --on-exists skip leaves what is there.
    std::fs::write(work.path().join("README.txt"), b"mine").unwrap();
    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || {
            skiff(
                &["get", "--on-exists", "skip", &format!("{base}/README.txt")],
                &dir,
            )
        }
    })
    .await
    .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(work.path().join("README.txt")).unwrap(),
        b"mine"
    );
}

/// `skiff bookmarks …` on a config directory of its own.
#[test]
fn bookmarks_commands() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_skiff"))
            .args(args)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("running skiff")
    };
    let out = run(&[
        "bookmarks",
        "add",
        "work",
        "ftp.example.org",
        "--user",
        "alice",
        "--port",
        "2121",
        "--remote-dir",
        "/pub",
        "--password",
        "command:pass show ftp/work",
        "--protocol",
        "ftps-if-available",
        "--transfer-type",
        "ascii",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["bookmarks", "show", "work"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("port        2121") && text.contains("command: pass show ftp/work"),
        "{text}"
    );
    assert!(text.contains("transfer    ascii"), "{text}");
    assert!(text.contains("protocol    ftps-if-available"), "{text}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A password command with the secret written in it: shown masked, with a note that the
    // process list shows it too.
    let out = run(&[
        "bookmarks",
        "add",
        "literal",
        "ftp.example.org",
        "--user",
        "bob",
        "--password",
        "command:sshpass -p hunter2 echo",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["bookmarks", "show", "literal"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("command: sshpass -p **** echo"), "{text}");
    assert!(
        !text.contains("hunter2") && !err.contains("hunter2"),
        "{text}{err}"
    );
    assert!(err.contains("process list"), "{err}");
    assert!(run(&["bookmarks", "rm", "literal"]).status.success());
    // Bad input is refused with a clear message.
    let out = run(&["bookmarks", "add", "bad", "two words"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("host"));
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/bookmarks/sitemanager.xml"
    );
    let out = run(&["bookmarks", "import", "--from", "filezilla", fixture]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let list = String::from_utf8_lossy(&run(&["bookmarks", "list"]).stdout).to_string();
    assert!(
        list.contains("work\tftp://alice@ftp.example.org:2121//pub"),
        "{list}"
    );
    assert!(list.lines().count() > 3, "{list}");
    assert!(run(&["bookmarks", "rm", "work"]).status.success());
    assert!(!run(&["bookmarks", "rm", "work"]).status.success());
    let file = home.path().join("config/skiff/bookmarks.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    // FileZilla's sample stores passwords; none of them reach the file.
    let xml = std::fs::read_to_string(fixture).unwrap();
    for pass in xml.split("<Pass").skip(1) {
        let value = pass
            .split('>')
            .nth(1)
            .and_then(|v| v.split('<').next())
            .unwrap_or("");
        if !value.is_empty() {
            assert!(
                !text.contains(value),
                "a password from the import reached the file"
            );
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir = std::fs::metadata(file.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(dir, 0o700);
    }
}

/// `skiff bookmarks add NAME URL`, as lftp's `bookmark add NAME URL`: the URL's user, port,
/// scheme and path fill the fields; a password in it is refused without being repeated.
#[test]
fn bookmarks_add_takes_a_url_for_the_host() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_skiff"))
            .args(args)
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("running skiff")
    };
    let out = run(&["bookmarks", "add", "work", "ftp://alice@host:2121/pub"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&run(&["bookmarks", "show", "work"]).stdout).to_string();
    for want in [
        "host        host\n",
        "port        2121",
        "protocol    ftp\n",
        "user        alice",
        "remote dir  pub",
    ] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }
    // An ftpes:// URL without a port: explicit FTPS on 21; options beside the URL win.
    let out = run(&[
        "bookmarks",
        "add",
        "secure",
        "FTPES://bob@[2001:db8::1]//srv",
        "--user",
        "carol",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&run(&["bookmarks", "show", "secure"]).stdout).to_string();
    for want in [
        "host        2001:db8::1",
        "port        21\n",
        "protocol    ftps\n",
        "user        carol",
        "remote dir  /srv",
    ] {
        assert!(text.contains(want), "{want:?} in\n{text}");
    }
    // edit --host takes one too.
    let out = run(&[
        "bookmarks",
        "edit",
        "work",
        "--host",
        "ftps://other.example",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&run(&["bookmarks", "show", "work"]).stdout).to_string();
    assert!(
        text.contains("host        other.example") && text.contains("port        990"),
        "{text}"
    );
    assert!(text.contains("protocol    ftps-implicit"), "{text}");
    // A password in the URL: refused, with the reason, and not echoed.
    let out = run(&["bookmarks", "add", "leak", "ftp://alice:hunter2@host/"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("password") && !err.contains("hunter2"),
        "{err}"
    );
    let file = home.path().join("config/skiff/bookmarks.toml");
    let saved = std::fs::read_to_string(&file).unwrap();
    assert!(
        !saved.contains("hunter2") && !saved.contains("leak"),
        "{saved}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_and_put_take_a_transfer_type() {
    let remote = tempfile::tempdir().unwrap();
    std::fs::write(remote.path().join("notes.txt"), b"one\r\ntwo\r\nthree").unwrap();
    let server = demo::start(DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let base = format!("ftp://demo@127.0.0.1:{}", server.port);
    let work = tempfile::tempdir().unwrap();
    let run = |args: Vec<String>| {
        let dir = work.path().to_path_buf();
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            skiff(&args, &dir)
        })
    };

    // ASCII download: CRLF on the wire becomes LF here, and the log shows TYPE A.
    let out = run(vec![
        "get".into(),
        "-v".into(),
        "--type".into(),
        "ascii".into(),
        format!("{base}/notes.txt"),
        "got.txt".into(),
    ])
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("TYPE A"), "{err}");
    assert_eq!(
        std::fs::read(work.path().join("got.txt")).unwrap(),
        b"one\ntwo\nthree"
    );

    // Binary is the default: the same file arrives byte for byte.
    let out = run(vec![
        "get".into(),
        "-q".into(),
        format!("{base}/notes.txt"),
        "raw.txt".into(),
    ])
    .await
    .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(work.path().join("raw.txt")).unwrap(),
        b"one\r\ntwo\r\nthree"
    );

    // auto on upload: the text file goes up with CRLF, the other byte for byte.
    let up = work.path().join("up");
    std::fs::create_dir(&up).unwrap();
    std::fs::write(up.join("page.html"), b"<p>\nhi\n</p>\n").unwrap();
    std::fs::write(up.join("blob.dat"), b"x\ny\n").unwrap();
    let out = run(vec![
        "put".into(),
        "-q".into(),
        "--type".into(),
        "auto".into(),
        "up".into(),
        format!("{base}/"),
    ])
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(remote.path().join("up/page.html")).unwrap(),
        b"<p>\r\nhi\r\n</p>\r\n"
    );
    assert_eq!(
        std::fs::read(remote.path().join("up/blob.dat")).unwrap(),
        b"x\ny\n"
    );

    // Anything else is refused before connecting.
    let out = run(vec![
        "get".into(),
        "--type".into(),
        "ebcdic".into(),
        format!("{base}/notes.txt"),
    ])
    .await
    .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("ebcdic"));
}

/// `put` of a symbolic link uploads the file it points to under the link's own name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_of_a_link_keeps_the_links_name() {
    let remote = tempfile::tempdir().unwrap();
    let server = demo::start(DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("SHA256E-s5--abc.jpg"), b"photo").unwrap();
    std::os::unix::fs::symlink("SHA256E-s5--abc.jpg", work.path().join("photo.jpg")).unwrap();
    let url = format!("ftp://demo@127.0.0.1:{}/", server.port);
    let dir = work.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || skiff(&["put", "-q", "photo.jpg", &url], &dir))
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(remote.path().join("photo.jpg")).unwrap(),
        b"photo"
    );
    assert!(!remote.path().join("SHA256E-s5--abc.jpg").exists());
}

/// Issue 14.1, headless: `skiff get` of a directory holding `x`, `x.part`, `x (1)` and
/// `x (1).part` into a target that already has a shorter `x`, with one and eight connections
/// and every policy: each file byte-exact under its own name, nothing else left, exit 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_never_lets_two_files_share_a_local_path() {
    let remote = tempfile::tempdir().unwrap();
    std::fs::create_dir(remote.path().join("d")).unwrap();
    let files = collide::colliding_tree(&remote.path().join("d"));
    let server = demo::start(DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let url = format!("ftp://demo@127.0.0.1:{}/d", server.port);
    for policy in ["overwrite", "newer", "size", "resume", "skip", "rename"] {
        for parallel in ["1", "8"] {
            let work = tempfile::tempdir().unwrap();
            std::fs::create_dir(work.path().join("d")).unwrap();
            std::fs::write(work.path().join("d/x"), collide::local_x(&files)).unwrap();
            let out = tokio::task::spawn_blocking({
                let (url, dir) = (url.clone(), work.path().to_path_buf());
                move || {
                    skiff(
                        &[
                            "get",
                            "--parallel",
                            parallel,
                            "--on-exists",
                            policy,
                            &url,
                            ".",
                        ],
                        &dir,
                    )
                }
            })
            .await
            .unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "{policy} {parallel}: {err}");
            assert!(err.contains("0 failed"), "{policy} {parallel}: {err}");
            assert_eq!(
                collide::summary(&collide::files_in(&work.path().join("d"))),
                collide::summary(&collide::expected(&files, policy)),
                "{policy} with {parallel} connections: {err}"
            );
        }
    }
}

/// Issue 14.3: a bookmarks file that does not parse is never replaced: `skiff bookmarks add`
/// (and `edit`, `import`) is refused with the file's path and the line that is wrong, the
/// file keeps every byte, and no other file is made beside it.
#[test]
fn a_broken_bookmarks_file_is_never_overwritten() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("config/skiff");
    std::fs::create_dir_all(&cfg).unwrap();
    let broken = "version = 1\n\n[[bookmark]]\nname = \"mine\"\nhost = \"h\nuser = \"me\"\n";
    std::fs::write(cfg.join("bookmarks.toml"), broken).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(["bookmarks", "add", "work", "ftp.example.org"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("running skiff");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.contains(&format!("{}:5:", cfg.join("bookmarks.toml").display())),
        "{err}"
    );
    assert!(err.contains("not saved"), "{err}");
    assert_eq!(
        std::fs::read_to_string(cfg.join("bookmarks.toml")).unwrap(),
        broken
    );
    let names: Vec<String> = std::fs::read_dir(&cfg)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n != "bookmarks.lock")
        .collect();
    assert_eq!(names, ["bookmarks.toml"]);
    // Listing a file that does not parse is an error too (a script must notice).
    let out = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(["bookmarks", "list"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("running skiff");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains(":5:"), "{err}");
}

/// `skiff put ./site ftp://host/www/new/` where `new/` does not exist: the missing directories
/// of the destination are made (as `curl --ftp-create-dirs` does), and said on stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn put_makes_the_missing_directories_of_the_destination() {
    let remote = tempfile::tempdir().unwrap();
    std::fs::create_dir(remote.path().join("www")).unwrap();
    let server = demo::start(DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let base = format!("ftp://demo@127.0.0.1:{}", server.port);
    let work = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(work.path().join("site/css")).unwrap();
    std::fs::write(work.path().join("site/index.html"), b"<p>hi</p>").unwrap();
    std::fs::write(work.path().join("site/css/a.css"), b"p{}").unwrap();
    std::fs::write(work.path().join("notes.txt"), b"notes").unwrap();

    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || skiff(&["put", "./site", &format!("{base}//www/new/")], &dir)
    })
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("created the remote directory /www/new"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(remote.path().join("www/new/site/css/a.css")).unwrap(),
        b"p{}"
    );
    assert_eq!(
        std::fs::read(remote.path().join("www/new/site/index.html")).unwrap(),
        b"<p>hi</p>"
    );

    // A file to a name in two missing levels, relative to the login directory.
    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || {
            skiff(
                &["put", "notes.txt", &format!("{base}/a/b/renamed.txt")],
                &dir,
            )
        }
    })
    .await
    .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("created the remote directory /a\n")
            && err.contains("created the remote directory /a/b\n"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(remote.path().join("a/b/renamed.txt")).unwrap(),
        b"notes"
    );
}

/// `skiff get` takes its defaults from the config file's `[transfer]` section, as the TUI does
/// (`on_exists = "skip"` keeps a file that is there), the switches win over it, and a mistake
/// in the file is said on stderr.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_commands_take_their_defaults_from_the_config_file() {
    let remote = tempfile::tempdir().unwrap();
    std::fs::write(remote.path().join("f.txt"), b"from the server").unwrap();
    let server = demo::start(DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let url = format!("ftp://demo@127.0.0.1:{}/f.txt", server.port);
    let work = tempfile::tempdir().unwrap();
    let xdg = work.path().join("xdg");
    std::fs::create_dir_all(xdg.join("skiff")).unwrap();
    std::fs::write(
        xdg.join("skiff/config.toml"),
        "[transfer]\non_exists = \"skip\"\nparallel = 99\n",
    )
    .unwrap();
    std::fs::write(work.path().join("f.txt"), b"mine").unwrap();
    let run = |args: Vec<String>| {
        let (dir, xdg) = (work.path().to_path_buf(), xdg.clone());
        tokio::task::spawn_blocking(move || {
            Command::new(env!("CARGO_BIN_EXE_skiff"))
                .args(&args)
                .current_dir(dir)
                .env("SKIFF_PASSWORD", "demo")
                .env("XDG_CONFIG_HOME", xdg)
                .env_remove("RUST_BACKTRACE")
                .output()
                .expect("running skiff")
        })
    };
    let out = run(vec!["get".into(), url.clone(), ".".into()])
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("1 skipped"), "{err}");
    assert!(
        err.contains("parallel") && err.contains("using the default"),
        "{err}"
    );
    assert_eq!(std::fs::read(work.path().join("f.txt")).unwrap(), b"mine");
    let out = run(vec![
        "get".into(),
        url.clone(),
        ".".into(),
        "--on-exists".into(),
        "overwrite".into(),
    ])
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read(work.path().join("f.txt")).unwrap(),
        b"from the server"
    );
}

/// `skiff get` of one file gives it the server's modification time (`MDTM`), as the files of
/// a directory get theirs from its listing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_of_one_file_keeps_its_time() {
    let remote = tempfile::tempdir().unwrap();
    let f = remote.path().join("dated.txt");
    std::fs::write(&f, b"from 2020").unwrap();
    let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_577_880_000);
    std::fs::File::options()
        .write(true)
        .open(&f)
        .unwrap()
        .set_modified(t)
        .unwrap();
    let server = demo::start(DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let url = format!("ftp://demo@127.0.0.1:{}/dated.txt", server.port);
    let out = tokio::task::spawn_blocking({
        let dir = work.path().to_path_buf();
        move || skiff(&["get", "-q", &url, "."], &dir)
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got = std::fs::metadata(work.path().join("dated.txt"))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(got, t);
}

/// The headless commands speak the configured language, as the TUI does: the locale, or
/// `[ui] lang` in the config file over it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn headless_commands_speak_the_configured_language() {
    let remote = tempfile::tempdir().unwrap();
    std::fs::write(remote.path().join("f.txt"), b"x").unwrap();
    let server = demo::start(DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let url = format!("ftp://demo@127.0.0.1:{}/f.txt", server.port);
    let work = tempfile::tempdir().unwrap();
    let xdg = work.path().join("xdg");
    let run = |lang: &'static str, config: Option<&'static str>| {
        let (dir, xdg, url) = (work.path().to_path_buf(), xdg.clone(), url.clone());
        tokio::task::spawn_blocking(move || {
            let _ = std::fs::remove_dir_all(&xdg);
            if let Some(text) = config {
                std::fs::create_dir_all(xdg.join("skiff")).unwrap();
                std::fs::write(xdg.join("skiff/config.toml"), text).unwrap();
            }
            Command::new(env!("CARGO_BIN_EXE_skiff"))
                .args(["get", &url, "."])
                .current_dir(dir)
                .env("SKIFF_PASSWORD", "demo")
                .env("XDG_CONFIG_HOME", xdg)
                .env("LANG", lang)
                .env_remove("LC_ALL")
                .env_remove("LC_MESSAGES")
                .env_remove("RUST_BACKTRACE")
                .output()
                .expect("running skiff")
        })
    };
    let out = run("zh_CN.UTF-8", None).await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("1 个文件"), "{err}");
    let out = run("zh_CN.UTF-8", Some("[ui]\nlang = \"en\"\n"))
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 file,"),
        "the config file wins over the locale: {err}"
    );
    let out = run("C.UTF-8", Some("[ui]\nlang = \"zh\"\n")).await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("1 个文件"), "{err}");
}

/// An error from a command ends with its causes, not with a backtrace, even with
/// `RUST_BACKTRACE=1` in the environment (common for Rust developers); `SKIFF_BACKTRACE` asks
/// for one.
#[test]
fn errors_carry_no_backtrace_unless_asked() {
    let dir = tempfile::tempdir().unwrap();
    let run = |extra: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_skiff"));
        c.args(["ls", "ftp://[::1"])
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("RUST_BACKTRACE", "1")
            .env_remove("SKIFF_BACKTRACE");
        if let Some(v) = extra {
            c.env("SKIFF_BACKTRACE", v);
        }
        c.output().unwrap()
    };
    let out = run(None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("Error: "), "{err}");
    assert!(!err.to_lowercase().contains("backtrace"), "{err}");
    let out = run(Some("1"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.to_lowercase().contains("backtrace"), "{err}");
}
