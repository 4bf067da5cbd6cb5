//! Interop with real servers from Debian's packages: vsftpd, pure-ftpd and proftpd, started on
//! loopback by `tests/servers/servers.sh start` (which writes their URLs to
//! `/tmp/skiff-servers/env`; `.ci/run` exports them). With `CI=true` a missing server is a
//! failure, never a skip.
//!
//! FTPS: the same servers offer `AUTH TLS` with a certificate signed by a CA made at start
//! (`SKIFF_TLS_CA`); vsftpd and proftpd insist that data connections resume the control
//! connection's TLS session. A second pure-ftpd (`SKIFF_PUREFTPD_TLS_URL`) refuses clear text.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use base64::Engine as _;
use skiff::fs::{Entry, EntryKind};
use skiff::ftp::tls::{TlsMode, fingerprint};
use skiff::ftp::url::FtpUrl;
use skiff::ftp::{ConnectOptions, FtpError, FtpSession, LogEvent, LogKind, Tap};
use skiff::transfer::{
    Direction, Engine, EngineConfig, EngineEvent, JobKind, JobSpec, JobState, OnExists,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// A value from the environment or `/tmp/skiff-servers/env`, or `None` (with a note) when it
/// is not there outside CI. In CI it must be there.
fn env_value(var: &str) -> Option<String> {
    let from_env = std::env::var(var).ok();
    let from_file = || {
        let text = std::fs::read_to_string("/tmp/skiff-servers/env").ok()?;
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{var}=")).map(str::to_string))
    };
    let value = from_env.or_else(from_file);
    let in_ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    match value {
        Some(v) => Some(v),
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

/// The server's URL, or `None` (with a note) when it is not running outside CI.
fn server_url(var: &str) -> Option<FtpUrl> {
    env_value(var).map(|u| FtpUrl::parse(&u).expect("a valid server URL"))
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

/// Run one directory job through the engine to its end; every job must be done.
async fn run_engine(
    var: &str,
    cfg: EngineConfig,
    direction: Direction,
    from: String,
    to: String,
    log: Option<mpsc::UnboundedSender<LogEvent>>,
) -> Vec<skiff::transfer::Job> {
    let (etx, mut erx) = mpsc::unbounded_channel();
    let engine = Engine::start(cfg, etx, log);
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
    jobs.into_values().collect()
}

/// A local tree of small files in a few directories (and names that need care), plus
/// `extra` bytes as `big.bin` at its top. Returns the relative paths of its files.
fn make_tree(tree: &Path, extra: Option<&[u8]>) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (i, dir) in ["", "a", "a/b", "名字 with space"].iter().enumerate() {
        std::fs::create_dir_all(tree.join(dir)).unwrap();
        for n in 0..5 {
            let body: Vec<u8> = (0..(n * 7919 + i * 13))
                .map(|x| (x * 31 % 256) as u8)
                .collect();
            let rel = Path::new(dir).join(format!("f{n}.bin"));
            std::fs::write(tree.join(&rel), body).unwrap();
            files.push(rel);
        }
    }
    if let Some(body) = extra {
        std::fs::write(tree.join("big.bin"), body).unwrap();
        files.push(PathBuf::from("big.bin"));
    }
    files
}

fn stamp() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// Upload a tree with the transfer engine, download it again, compare byte for byte.
async fn round_trip(var: &str) {
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
    let files = make_tree(&tree, None);
    let remote = format!("{}/rt-{}", home.trim_end_matches('/'), stamp());
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
        run_engine(var, cfg, direction, from, to, None).await;
    }
    for rel in &files {
        assert_eq!(
            std::fs::read(back.path().join("tree").join(rel)).unwrap(),
            std::fs::read(tree.join(rel)).unwrap(),
            "{var}: {}",
            rel.display()
        );
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

// ---------------------------------------------------------------------------------- FTPS

/// The CA that signed the servers' certificate (`SKIFF_TLS_CA`) and that certificate (DER).
struct Pki {
    ca: PathBuf,
    server_pem: PathBuf,
    leaf_der: Vec<u8>,
}

fn pki() -> Option<Pki> {
    let ca = PathBuf::from(env_value("SKIFF_TLS_CA")?);
    assert!(ca.is_file(), "SKIFF_TLS_CA={} is not a file", ca.display());
    let server_pem = ca.with_file_name("server.pem");
    let text = std::fs::read_to_string(&server_pem)
        .unwrap_or_else(|e| panic!("{}: {e}", server_pem.display()));
    let leaf_der = pem_certificate(&text);
    Some(Pki {
        ca,
        server_pem,
        leaf_der,
    })
}

/// The first certificate in a PEM text, as DER.
fn pem_certificate(text: &str) -> Vec<u8> {
    let b64: String = text
        .lines()
        .map(str::trim)
        .skip_while(|l| *l != "-----BEGIN CERTIFICATE-----")
        .skip(1)
        .take_while(|l| *l != "-----END CERTIFICATE-----")
        .collect();
    assert!(!b64.is_empty(), "no certificate in {text}");
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("PEM body is base64")
}

/// openssl's own SHA-256 fingerprint of a PEM certificate (`AB:CD:…`), as a second opinion.
fn openssl_fingerprint(pem: &Path) -> String {
    let out = Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(pem)
        .output()
        .expect("running openssl (servers.sh install installs it)");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    // "sha256 Fingerprint=AB:CD:…"
    text.trim()
        .rsplit('=')
        .next()
        .expect("a fingerprint")
        .to_string()
}

fn drain(rx: &mut mpsc::UnboundedReceiver<LogEvent>) -> Vec<LogEvent> {
    let mut v = Vec::new();
    while let Ok(e) = rx.try_recv() {
        v.push(e);
    }
    v
}

fn commands(log: &[LogEvent]) -> Vec<&str> {
    log.iter()
        .filter(|e| e.kind == LogKind::Command)
        .map(|e| e.text.as_str())
        .collect()
}

/// Explicit FTPS options for the server at `u` (no CA, no pin: add them as needed).
fn ftps_opts(u: &FtpUrl) -> ConnectOptions {
    let mut o = ConnectOptions::new(&u.host, u.port, u.user.as_deref(), u.password.clone());
    o.timeout = Duration::from_secs(15);
    o.tls = TlsMode::Explicit;
    o
}

/// Whether a server's FTPS test expects skiff to switch to TLS 1.2 for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tls12Switch {
    /// The server renews TLS 1.3 tickets after every data connection (vsftpd): no switch.
    Never,
    /// proftpd 1.3.8 (mod_tls 2.9.2, OpenSSL 3.0) sends 2 tickets on the control connection
    /// and a new one after a resumed data connection for LIST/RETR, but none after one for
    /// STOR, and it refuses a data connection that does not resume the session
    /// ("client did not reuse TLS session", 425). rustls uses each TLS 1.3 ticket once, so
    /// skiff sees its tickets run out after uploads and logs in again with TLS 1.2 (whose
    /// sessions resume any number of times) before the next data connection.
    Expected,
    /// Either is fine.
    Either,
}

/// Explicit FTPS against a real server: verified by the CA, the whole session protected
/// (`PROT P`), a file and a tree both ways through several data connections that each resume
/// the control connection's TLS session; an unknown certificate refused with its facts
/// without a CA or pin, and accepted when pinned.
async fn ftps_exercise(var: &str, switch: Tls12Switch) {
    let Some(u) = server_url(var) else { return };
    let Some(pki) = pki() else { return };
    let user = u.user.clone().expect("a user in the URL");
    let mut verified = ftps_opts(&u);
    verified.trust.ca_file = Some(pki.ca.clone());

    // Login: TLS first, credentials only after PROT P.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut s = FtpSession::connect(verified.clone(), Tap::new("browse", tx))
        .await
        .unwrap_or_else(|e| panic!("{var}: FTPS login failed: {e:?}"));
    assert!(s.is_encrypted(), "{var}");
    let log = drain(&mut rx);
    let cmds = commands(&log);
    let user_cmd = format!("USER {user}");
    assert_eq!(
        cmds.get(..5),
        Some(
            &[
                "AUTH TLS",
                "PBSZ 0",
                "PROT P",
                user_cmd.as_str(),
                "PASS ****"
            ][..]
        ),
        "{var}: {cmds:?}"
    );
    assert!(
        log.iter()
            .any(|e| matches!(e.kind, LogKind::Reply { code: 234, .. })),
        "{var}: no 234 reply to AUTH TLS: {log:?}"
    );
    assert!(
        !log.iter().any(|e| e.text.contains("skiff-ci-pass")),
        "{var}: password in the log"
    );
    let home = s.cwd().to_string();

    // A listing over a protected data connection.
    let root = s
        .list_cwd()
        .await
        .unwrap_or_else(|e| panic!("{var}: listing over PROT P: {e:?}"));
    assert_eq!(find(&root, "hello.txt").size, 6, "{var}");
    assert_eq!(find(&root, "sub").kind, EntryKind::Dir, "{var}");

    // One file of 300 kB up and down on this session.
    let body: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let name = format!("tls-{}.bin", stamp());
    let path = format!("{}/{name}", home.trim_end_matches('/'));
    let mut up = s
        .stor(&path, 0, false)
        .await
        .unwrap_or_else(|e| panic!("{var}: STOR over PROT P: {e:?}"));
    up.write_all(&body).await.expect("upload write");
    s.finish(up)
        .await
        .unwrap_or_else(|e| panic!("{var}: end of STOR: {e:?}"));
    // The servers run here without chroot: the remote path is the local one.
    assert!(
        std::fs::read(&path).expect("the uploaded file on disk") == body,
        "{var}: uploaded bytes differ"
    );
    let mut down = s
        .retr(&path, 0)
        .await
        .unwrap_or_else(|e| panic!("{var}: RETR over PROT P: {e:?}"));
    let mut got = Vec::new();
    down.read_to_end(&mut got).await.expect("download read");
    s.finish(down)
        .await
        .unwrap_or_else(|e| panic!("{var}: end of RETR: {e:?}"));
    assert!(got == body, "{var}: downloaded {} bytes differ", got.len());
    let again = s.list_cwd().await.expect("listing again");
    assert_eq!(find(&again, &name).size, body.len() as u64, "{var}");

    // Several uploads in a row on the same control connection (what a directory upload does):
    // each data connection must resume the TLS session.
    let mut results = Vec::new();
    for n in 0..4u8 {
        let body: Vec<u8> = (0..50_000u32).map(|i| (i as u8) ^ n).collect();
        let path = format!("{}/tls-row-{}-{n}.bin", home.trim_end_matches('/'), stamp());
        let r = async {
            let mut up = s.stor(&path, 0, false).await?;
            up.write_all(&body)
                .await
                .map_err(|e| FtpError::Connection(e.to_string()))?;
            s.finish(up).await
        }
        .await;
        if r.is_ok() {
            assert!(
                std::fs::read(&path).expect("uploaded") == body,
                "{var}: upload {n} differs"
            );
        }
        results.push(r);
    }
    for (n, r) in results.iter().enumerate() {
        assert!(r.is_ok(), "{var}: upload {n} of 4 in a row: {r:?}");
    }
    let switched = drain(&mut rx)
        .iter()
        .any(|e| e.kind == LogKind::Warn && e.text.contains("logging in again with TLS 1.2"));
    match switch {
        Tls12Switch::Never => assert!(!switched, "{var}: switched to TLS 1.2"),
        Tls12Switch::Expected => assert!(
            switched,
            "{var}: expected the switch to TLS 1.2 after the TLS 1.3 tickets ran out"
        ),
        Tls12Switch::Either => {}
    }
    s.quit().await;

    // A tree (with a 400 kB file among small ones) both ways through the engine: three workers,
    // each with its own TLS control connection and one protected data connection per file.
    let src = tempfile::tempdir().unwrap();
    let tree = src.path().join("tree");
    let big: Vec<u8> = (0..400_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let files = make_tree(&tree, Some(&big));
    let remote = format!("{}/tls-rt-{}", home.trim_end_matches('/'), stamp());
    let back = tempfile::tempdir().unwrap();
    let (ltx, mut lrx) = mpsc::unbounded_channel();
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
        let mut cfg = EngineConfig::new(verified.clone());
        cfg.parallel = 3;
        cfg.preconnect = true;
        // No retries: a data connection the server refuses (e.g. for not resuming the TLS
        // session) must fail the test, not be papered over by a second attempt.
        cfg.max_attempts = 1;
        cfg.on_exists = OnExists::Overwrite;
        let _jobs = run_engine(var, cfg, direction, from, to, Some(ltx.clone())).await;
    }
    for rel in &files {
        assert!(
            std::fs::read(back.path().join("tree").join(rel)).unwrap()
                == std::fs::read(tree.join(rel)).unwrap(),
            "{var}: {} differs after the round trip",
            rel.display()
        );
    }
    let xlog = drain(&mut lrx);
    let tls_tags: std::collections::BTreeSet<&str> = xlog
        .iter()
        .filter(|e| e.kind == LogKind::Command && e.text == "AUTH TLS")
        .map(|e| &*e.tag)
        .collect();
    assert!(
        tls_tags.len() >= 2,
        "{var}: expected several TLS workers, got {tls_tags:?}"
    );
    let xcmds = commands(&xlog);
    let count = |prefix: &str| xcmds.iter().filter(|c| c.starts_with(prefix)).count();
    assert_eq!(count("AUTH TLS"), count("PROT P"), "{var}: {xcmds:?}");
    assert!(
        count("STOR ") >= files.len() && count("RETR ") >= files.len(),
        "{var}: {} STOR, {} RETR for {} files",
        count("STOR "),
        count("RETR "),
        files.len()
    );
    assert!(
        !xcmds
            .iter()
            .any(|c| c.starts_with("PROT C") || c.starts_with("CCC")),
        "{var}: {xcmds:?}"
    );

    // Without the CA and without a pin: refused, with the certificate's facts, before USER.
    let (tx, mut rx) = mpsc::unbounded_channel();
    let info = match FtpSession::connect(ftps_opts(&u), Tap::new("browse", tx)).await {
        Err(FtpError::Certificate(info)) => info,
        Err(e) => panic!("{var}: expected a certificate error, got {e:?}"),
        Ok(_) => panic!("{var}: a certificate from an unknown CA was accepted"),
    };
    let fp = fingerprint(&pki.leaf_der);
    assert_eq!(info.sha256, fp, "{var}: {info:?}");
    assert_eq!(info.sha256, openssl_fingerprint(&pki.server_pem), "{var}");
    assert!(info.subject.contains("skiff CI server"), "{var}: {info:?}");
    assert!(
        info.issuer.contains("skiff CI throwaway CA"),
        "{var}: {info:?}"
    );
    assert!(info.pinned_mismatch.is_none(), "{var}: {info:?}");
    let cmds_refused = drain(&mut rx);
    assert!(
        !commands(&cmds_refused)
            .iter()
            .any(|c| c.starts_with("USER") || c.starts_with("PASS")),
        "{var}: credentials sent to an untrusted server: {cmds_refused:?}"
    );

    // Pinned (no CA): accepted, and the data connection is trusted too.
    let mut pinned = ftps_opts(&u);
    pinned.trust.pin = Some(fp.to_lowercase());
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut s = FtpSession::connect(pinned, Tap::new("browse", tx))
        .await
        .unwrap_or_else(|e| panic!("{var}: the pinned certificate was refused: {e:?}"));
    assert!(s.is_encrypted(), "{var}");
    let listed = s.list_cwd().await.expect("listing with a pin");
    assert_eq!(find(&listed, "hello.txt").size, 6, "{var}");
    s.quit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vsftpd_ftps() {
    ftps_exercise("SKIFF_VSFTPD_URL", Tls12Switch::Never).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pure_ftpd_ftps() {
    ftps_exercise("SKIFF_PUREFTPD_URL", Tls12Switch::Either).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proftpd_ftps() {
    // Uploads over TLS 1.3 exhaust rustls' tickets: see Tls12Switch::Expected.
    ftps_exercise("SKIFF_PROFTPD_URL", Tls12Switch::Expected).await;
}

/// proftpd's TLS 1.2-only virtual host (TLS required): everything passes, uploads included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proftpd_tls12_ftps() {
    let var = "SKIFF_PROFTPD_TLS12_URL";
    let Some(u) = server_url(var) else { return };
    assert_eq!(u.tls, TlsMode::Explicit, "{var} is an ftpes:// URL");
    refuses_clear_text(var, &u, 550).await;
    ftps_exercise(var, Tls12Switch::Either).await;
}

/// A clear-text login to a server that requires TLS is refused with `code`.
async fn refuses_clear_text(var: &str, u: &FtpUrl, code: u16) {
    let mut plain = ConnectOptions::new(&u.host, u.port, u.user.as_deref(), u.password.clone());
    plain.timeout = Duration::from_secs(15);
    let (tx, _rx) = mpsc::unbounded_channel();
    match FtpSession::connect(plain, Tap::new("browse", tx)).await {
        Err(e) => assert_eq!(e.code(), Some(code), "{var}: {e:?}"),
        Ok(_) => panic!("{var}: logged in over clear text although TLS is required"),
    }
}

/// pure-ftpd with `-Y 2`: clear text refused, FTPS works as everywhere else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pure_ftpd_tls_required() {
    let var = "SKIFF_PUREFTPD_TLS_URL";
    let Some(u) = server_url(var) else { return };
    assert_eq!(u.tls, TlsMode::Explicit, "{var} is an ftpes:// URL");
    // "421 Sorry, cleartext sessions and weak ciphers are not accepted on this server."
    refuses_clear_text(var, &u, 421).await;
    ftps_exercise(var, Tls12Switch::Either).await;
}

/// The command line: `skiff get ftpes://…` trusts `--ca-file` or `--trust FINGERPRINT` and
/// refuses the certificate otherwise.
#[test]
fn skiff_get_over_ftpes_from_vsftpd() {
    let var = "SKIFF_VSFTPD_URL";
    let Some(u) = server_url(var) else { return };
    let Some(pki) = pki() else { return };
    let Some(fixture) = env_value("SKIFF_FIXTURE_DIR") else {
        return;
    };
    let want = std::fs::read(Path::new(&fixture).join("sub/deeper/x.bin")).expect("fixture");
    let out = tempfile::tempdir().unwrap();
    let url = format!(
        "ftpes://{}@{}:{}/sub/deeper/x.bin",
        u.user.as_deref().expect("a user"),
        u.host,
        u.port
    );
    let password = u
        .password
        .as_ref()
        .expect("a password")
        .expose()
        .to_string();
    let get = |extra: &[&str], dst: &Path| {
        Command::new(env!("CARGO_BIN_EXE_skiff"))
            .args(["get", &url])
            .arg(dst)
            .arg("--quiet")
            .args(extra)
            .env("SKIFF_PASSWORD", &password)
            .env_remove("SKIFF_CA_FILE")
            .env("HOME", out.path())
            .env("XDG_CONFIG_HOME", out.path().join("config"))
            .env("XDG_DATA_HOME", out.path().join("data"))
            .output()
            .expect("running skiff")
    };
    let fp = fingerprint(&pki.leaf_der);

    let refused = get(&[], &out.path().join("a.bin"));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success(), "{err}");
    assert!(err.contains("untrusted certificate"), "{err}");
    assert!(err.contains(&fp), "the fingerprint is shown: {err}");
    assert!(err.contains("--trust"), "says how to trust it: {err}");
    assert!(!out.path().join("a.bin").exists());

    let ca = pki.ca.to_string_lossy().into_owned();
    let ok = get(&["--ca-file", &ca], &out.path().join("b.bin"));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(std::fs::read(out.path().join("b.bin")).unwrap() == want);

    let pinned = get(&["--trust", &fp], &out.path().join("c.bin"));
    assert!(
        pinned.status.success(),
        "{}",
        String::from_utf8_lossy(&pinned.stderr)
    );
    assert!(std::fs::read(out.path().join("c.bin")).unwrap() == want);
}
