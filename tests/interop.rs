//! Interop with real servers from Debian's packages: vsftpd, pure-ftpd and proftpd, started on
//! loopback by `tests/servers/servers.sh start` (which writes their URLs to
//! `/tmp/skiff-servers/env`; `.ci/run` exports them). With `CI=true` a missing server is a
//! failure, never a skip.

use std::time::Duration;

use skiff::fs::{Entry, EntryKind};
use skiff::ftp::url::FtpUrl;
use skiff::ftp::{ConnectOptions, FtpSession, LogKind, Tap};
use tokio::sync::mpsc;

/// The server's URL, or `None` (with a note) when it is not running outside CI.
fn server_url(var: &str) -> Option<FtpUrl> {
    let from_env = std::env::var(var).ok();
    let from_file = || {
        let text = std::fs::read_to_string("/tmp/skiff-servers/env").ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{var}=")).map(str::to_string))
    };
    let url = from_env.or_else(from_file);
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    match url {
        Some(u) => Some(FtpUrl::parse(&u).expect("a valid server URL")),
        None if in_ci => {
            panic!("{var} is not set: CI must start the servers (tests/servers/servers.sh start)")
        }
        None => {
            eprintln!(
                "NOTE: {var} not set and CI is not true: skipping; run tests/servers/servers.sh start"
            );
            None
        }
    }
}

fn find<'a>(entries: &'a [Entry], name: &str) -> &'a Entry {
    entries.iter().find(|e| e.name == name).unwrap_or_else(|| {
        panic!(
            "{name} not in {:?}",
            entries.iter().map(|e| &e.name).collect::<Vec<_>>()
        )
    })
}

async fn exercise(var: &str, expect_mlsd: bool) {
    let Some(u) = server_url(var) else { return };
    let mut opts = ConnectOptions::new(&u.host, u.port, u.user.as_deref(), u.password.clone());
    opts.timeout = Duration::from_secs(15);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut s = FtpSession::connect(opts.clone(), Tap::new("browse", tx))
        .await
        .unwrap_or_else(|e| panic!("{var}: login failed: {e}"));
    assert_eq!(s.uses_mlsd(), expect_mlsd, "{var}: FEAT {:?}", s.features());
    let home = s.cwd().to_string();

    let modes: &[bool] = if expect_mlsd {
        &[true, false]
    } else {
        &[false]
    };
    for &mlsd in modes {
        s.set_use_mlsd(mlsd);
        let root = s
            .list_cwd()
            .await
            .unwrap_or_else(|e| panic!("{var} mlsd={mlsd}: {e}"));
        assert_eq!(find(&root, "hello.txt").size, 6, "{var} mlsd={mlsd}");
        assert_eq!(find(&root, "hello.txt").kind, EntryKind::File);
        assert_eq!(find(&root, "dir with spaces").kind, EntryKind::Dir);
        assert_eq!(find(&root, "数据").kind, EntryKind::Dir);
        assert_eq!(find(&root, "sub").kind, EntryKind::Dir);
        assert_eq!(
            find(&root, "link-to-hello").kind,
            EntryKind::Symlink,
            "{var} mlsd={mlsd}"
        );
        assert!(root.iter().all(|e| e.name != "." && e.name != ".."));
        assert!(find(&root, "hello.txt").mtime.is_some());

        let spaced = s.cwd_to("dir with spaces").await.unwrap();
        assert!(spaced.ends_with("/dir with spaces"), "{var}: {spaced}");
        let inner = s.list_cwd().await.unwrap();
        assert_eq!(find(&inner, "inner.txt").size, 6);
        assert_eq!(s.cdup().await.unwrap(), home);

        s.cwd_to("数据").await.unwrap();
        let cjk = s.list_cwd().await.unwrap();
        assert_eq!(find(&cjk, "文件.txt").size, 4);
        assert_eq!(s.cdup().await.unwrap(), home);

        s.cwd_to("sub/deeper").await.unwrap();
        assert_eq!(find(&s.list_cwd().await.unwrap(), "x.bin").size, 4096);
        s.cdup().await.unwrap();
        assert_eq!(s.cdup().await.unwrap(), home);
    }
    let err = s.cwd_to("no such directory").await.unwrap_err();
    assert_eq!(err.code(), Some(550), "{var}: {err:?}");
    s.quit().await;

    let mut saw_pass = false;
    while let Ok(e) = rx.try_recv() {
        assert!(
            !e.text.contains("skiff-ci-pass"),
            "{var}: password in the log: {}",
            e.text
        );
        saw_pass |= e.kind == LogKind::Command && e.text == "PASS ****";
    }
    assert!(saw_pass, "{var}: PASS **** logged");

    // A wrong password is a 530 on every server.
    let mut bad = opts.clone();
    bad.password = skiff::ftp::Secret::new("definitely-wrong");
    let (tx, _rx) = mpsc::unbounded_channel();
    match FtpSession::connect(bad, Tap::new("browse", tx)).await {
        Err(e) => assert_eq!(e.code(), Some(530), "{var}: {e:?}"),
        Ok(_) => panic!("{var}: logged in with a wrong password"),
    }
}

#[tokio::test]
async fn vsftpd() {
    exercise("SKIFF_VSFTPD_URL", false).await;
}

#[tokio::test]
async fn pure_ftpd() {
    exercise("SKIFF_PUREFTPD_URL", true).await;
}

#[tokio::test]
async fn proftpd() {
    exercise("SKIFF_PROFTPD_URL", true).await;
}

/// Upload a tree with the transfer engine, download it again, compare byte for byte.
async fn round_trip(var: &str) {
    use skiff::transfer::{
        Direction, Engine, EngineConfig, EngineEvent, JobKind, JobSpec, JobState, OnExists,
    };
    let Some(u) = server_url(var) else { return };
    let mut opts = ConnectOptions::new(&u.host, u.port, u.user.as_deref(), u.password.clone());
    opts.timeout = Duration::from_secs(15);
    let (tx, _rx) = mpsc::unbounded_channel();
    let s = FtpSession::connect(opts.clone(), Tap::new("browse", tx))
        .await
        .unwrap();
    let home = s.cwd().to_string();
    s.quit().await;

    let src = tempfile::tempdir().unwrap();
    let tree = src.path().join("tree");
    for (i, dir) in ["", "a", "a/b", "名字 with space"].iter().enumerate() {
        std::fs::create_dir_all(tree.join(dir)).unwrap();
        for n in 0..5 {
            let body: Vec<u8> = (0..(n * 7919 + i * 13))
                .map(|x| (x * 31 % 256) as u8)
                .collect();
            std::fs::write(tree.join(dir).join(format!("f{n}.bin")), body).unwrap();
        }
    }
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let remote = format!("{}/rt-{stamp}", home.trim_end_matches('/'));
    let back = tempfile::tempdir().unwrap();

    for (direction, from, to) in [
        (
            Direction::Upload,
            tree.to_string_lossy().into_owned(),
            remote.clone(),
        ),
        (
            Direction::Download,
            remote.clone(),
            back.path().join("tree").to_string_lossy().into_owned(),
        ),
    ] {
        let mut cfg = EngineConfig::new(opts.clone());
        cfg.parallel = 4;
        cfg.on_exists = OnExists::Overwrite;
        let (etx, mut erx) = mpsc::unbounded_channel();
        let engine = Engine::start(cfg, etx, None);
        engine.enqueue(vec![JobSpec {
            direction,
            kind: JobKind::Dir,
            src: from.into(),
            dst: to.into(),
            size: None,
            mtime: None,
            is_move: false,
        }]);
        let mut jobs = std::collections::BTreeMap::new();
        let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
        loop {
            match tokio::time::timeout_at(deadline, erx.recv()).await {
                Ok(Some(EngineEvent::Added { jobs: new, .. })) => {
                    for j in new {
                        jobs.insert(j.id, j);
                    }
                }
                Ok(Some(EngineEvent::Changed(j))) => {
                    jobs.insert(j.id, j);
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => panic!("{var}: {direction:?} did not finish: {jobs:#?}"),
            }
            if !jobs.is_empty()
                && jobs
                    .values()
                    .all(|j: &skiff::transfer::Job| j.state.is_finished())
            {
                break;
            }
        }
        engine.shutdown().await;
        let bad: Vec<_> = jobs
            .values()
            .filter(|j| j.state != JobState::Done)
            .collect();
        assert!(bad.is_empty(), "{var} {direction:?}: {bad:#?}");
    }
    for dir in ["", "a", "a/b", "名字 with space"] {
        for n in 0..5 {
            let rel = std::path::Path::new(dir).join(format!("f{n}.bin"));
            assert_eq!(
                std::fs::read(back.path().join("tree").join(&rel)).unwrap(),
                std::fs::read(tree.join(&rel)).unwrap(),
                "{var}: {}",
                rel.display()
            );
        }
    }
}

#[tokio::test]
async fn vsftpd_tree_round_trip() {
    round_trip("SKIFF_VSFTPD_URL").await;
}

#[tokio::test]
async fn pure_ftpd_tree_round_trip() {
    round_trip("SKIFF_PUREFTPD_URL").await;
}

#[tokio::test]
async fn proftpd_tree_round_trip() {
    round_trip("SKIFF_PROFTPD_URL").await;
}
