//! FTPS against the in-process server (libunftp with `AUTH TLS`), with a CA and a server
//! certificate made for each test run: verified connections, refused unknown certificates
//! (with their facts), pinning, "FTPS required" never falling back, and transfers over
//! `PROT P` through the engine and the headless commands.

use std::path::{Path, PathBuf};

use crate::common::pki::{Pki, pki};
use std::process::Command;
use std::time::Duration;

use skiff::demo::{self, DemoOptions};
use skiff::ftp::tls::{TlsMode, fingerprint};
use skiff::ftp::{ConnectOptions, FtpError, FtpSession, LogEvent, LogKind, Secret, Tap};
use skiff::transfer::{
    Direction, Engine, EngineCmd, EngineConfig, EngineEvent, JobKind, JobSpec, OnExists,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// The in-process FTPS server, on a runtime and thread of its own, as a real server is another
/// process: sharing the test's runtime let a long-lived client task and the server's tasks
/// settle into one interleaving, and in some of them libunftp lost the race between its `AUTH
/// TLS` handler (which switches to TLS from another task) and its command reader on every
/// attempt, for seconds on end. Dropping it stops the server.
struct FtpsServer {
    port: u16,
    root: PathBuf,
    _stop: tokio::sync::oneshot::Sender<()>,
}

fn ftps_server(pki: &Pki, root: Option<PathBuf>) -> FtpsServer {
    let o = DemoOptions {
        root,
        ftps: Some((pki.chain_pem.clone(), pki.key_pem.clone())),
        ..DemoOptions::default()
    };
    let (started, up) = std::sync::mpsc::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime for the FTPS server");
        rt.block_on(async move {
            let server = demo::start(o).await.expect("FTPS server");
            let _ = started.send((server.port, server.root.clone()));
            let _ = stopped.await;
        });
    });
    let (port, root) = up.recv().expect("the FTPS server started");
    FtpsServer {
        port,
        root,
        _stop: stop,
    }
}

fn opts(port: u16, tls: TlsMode) -> ConnectOptions {
    let mut o = ConnectOptions::new("127.0.0.1", port, Some("demo"), Some(Secret::new("demo")));
    o.timeout = Duration::from_secs(10);
    o.tls = tls;
    o
}

fn tap() -> (Tap, mpsc::UnboundedReceiver<LogEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Tap::new("browse", tx), rx)
}

fn drain(rx: &mut mpsc::UnboundedReceiver<LogEvent>) -> Vec<LogEvent> {
    let mut v = Vec::new();
    while let Ok(e) = rx.try_recv() {
        v.push(e);
    }
    v
}

#[tokio::test]
async fn explicit_ftps_verified_by_a_ca_lists_uploads_and_downloads() {
    let pki = pki();
    let server = ftps_server(&pki, None);
    let mut o = opts(server.port, TlsMode::Explicit);
    o.trust.ca_file = Some(pki.ca_pem.clone());
    let (tap, mut rx) = tap();
    let mut s = FtpSession::connect(o, tap).await.expect("FTPS login");
    assert!(s.is_encrypted());
    let log = drain(&mut rx);
    let commands: Vec<&str> = log
        .iter()
        .filter(|e| e.kind == LogKind::Command)
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        &commands[..5],
        ["AUTH TLS", "PBSZ 0", "PROT P", "USER demo", "PASS ****"],
        "{commands:?}"
    );
    assert!(
        !log.iter()
            .any(|e| e.text.contains("demo\n") || e.text == "PASS demo"),
        "password in the log"
    );
    // A listing over a protected data connection.
    let entries = s.list_cwd().await.expect("MLSD over PROT P");
    assert!(entries.iter().any(|e| e.name == "docs"), "{entries:?}");
    // Upload, then download the same bytes.
    let body: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
    let mut up = s.stor("/tls-up.bin", 0, false).await.expect("STOR");
    up.write_all(&body).await.expect("write");
    s.finish(up).await.expect("226 after STOR");
    assert_eq!(
        std::fs::read(server.root.join("tls-up.bin")).expect("uploaded"),
        body
    );
    let mut down = s.retr("/tls-up.bin", 0).await.expect("RETR");
    let mut got = Vec::new();
    down.read_to_end(&mut got).await.expect("read");
    s.finish(down).await.expect("226 after RETR");
    assert_eq!(got, body);
    s.quit().await;
}

#[tokio::test]
async fn an_unknown_certificate_is_refused_with_its_facts() {
    let pki = pki();
    let server = ftps_server(&pki, None);
    let (tap, _rx) = tap();
    let err = match FtpSession::connect(opts(server.port, TlsMode::Explicit), tap).await {
        Ok(_) => panic!("a certificate from an unknown CA was accepted"),
        Err(e) => e,
    };
    let FtpError::Certificate(info) = err else {
        panic!("expected a certificate error, got {err:?}");
    };
    assert_eq!(info.sha256, fingerprint(&pki.leaf_der));
    assert!(info.subject.contains("skiff test server"), "{info:?}");
    assert!(info.issuer.contains("skiff test CA"), "{info:?}");
    assert!(!info.not_after.is_empty());
    assert!(info.pinned_mismatch.is_none());
    let shown = info.to_string();
    assert!(shown.contains(&info.sha256), "{shown}");
}

#[tokio::test]
async fn a_pinned_certificate_is_accepted_and_a_changed_one_refused_loudly() {
    let pki = pki();
    let server = ftps_server(&pki, None);
    let mut o = opts(server.port, TlsMode::Explicit);
    o.trust.pin = Some(fingerprint(&pki.leaf_der).to_lowercase());
    let (tap, _rx) = tap();
    let mut s = FtpSession::connect(o.clone(), tap.clone())
        .await
        .expect("a pinned certificate is trusted without the CA");
    assert!(s.is_encrypted());
    // The server facts name the TLS version and the certificate that was accepted, and why.
    let facts = s.facts().await.unwrap();
    let seen = facts.tls.expect("TLS facts");
    assert!(
        matches!(seen.version, Some("TLS 1.3") | Some("TLS 1.2")),
        "{seen:?}"
    );
    let cert = seen.cert.expect("the certificate");
    assert_eq!(cert.sha256, fingerprint(&pki.leaf_der));
    assert!(cert.reason.contains("pinned"), "{cert:?}");
    assert!(facts.rtt.is_some() && facts.encrypted);
    s.quit().await;
    // Pinned to something else: refused even though the CA would vouch for it.
    o.trust.pin = Some(fingerprint(&pki.ca_der));
    o.trust.ca_file = Some(pki.ca_pem.clone());
    match FtpSession::connect(o, tap).await {
        Err(FtpError::Certificate(info)) => {
            assert_eq!(info.pinned_mismatch, Some(fingerprint(&pki.ca_der)));
            assert_eq!(info.sha256, fingerprint(&pki.leaf_der));
            assert!(info.to_string().contains("CHANGED"), "{info}");
        }
        Err(e) => panic!("expected a certificate error, got {e:?}"),
        Ok(_) => panic!("a certificate that does not match the pin was accepted"),
    }
}

#[tokio::test]
async fn ftps_required_never_falls_back_and_if_available_says_so() {
    // A server without TLS.
    let server = demo::start(DemoOptions::default()).await.expect("server");
    let (tap, mut rx) = tap();
    match FtpSession::connect(opts(server.port, TlsMode::Explicit), tap.clone()).await {
        Err(FtpError::Tls(msg)) => {
            assert!(msg.contains("refused AUTH TLS"), "{msg}");
            assert!(msg.contains("does not fall back"), "{msg}");
        }
        Err(e) => panic!("expected a TLS error, got {e:?}"),
        Ok(_) => panic!("connected in clear text although FTPS was required"),
    }
    let log = drain(&mut rx);
    assert!(
        !log.iter()
            .any(|e| e.text.starts_with("USER") || e.text.starts_with("PASS")),
        "credentials were sent in clear text: {log:?}"
    );
    let s = FtpSession::connect(opts(server.port, TlsMode::IfAvailable), tap)
        .await
        .expect("FTPS if available connects in clear");
    assert!(!s.is_encrypted());
    let log = drain(&mut rx);
    assert!(
        log.iter()
            .any(|e| e.kind == LogKind::Warn && e.text.contains("WITHOUT encryption")),
        "{log:?}"
    );
    s.quit().await;
}

#[tokio::test]
async fn if_available_with_a_pinned_certificate_requires_tls() {
    // A server without TLS, and a bookmark "FTPS if available" whose certificate was pinned
    // (its cert_sha256, or a known_hosts entry: both arrive as the pin): the refusal of
    // AUTH TLS is a downgrade, so nothing is sent in clear text.
    let server = demo::start(DemoOptions::default()).await.expect("server");
    let (tap, mut rx) = tap();
    let mut o = opts(server.port, TlsMode::IfAvailable);
    o.trust.pin = Some("AB:".repeat(31) + "AB");
    match FtpSession::connect(o, tap).await {
        Err(FtpError::Tls(msg)) => {
            assert!(msg.contains("refused AUTH TLS"), "{msg}");
            assert!(msg.contains("pinned"), "{msg}");
        }
        Err(e) => panic!("expected a TLS error, got {e:?}"),
        Ok(_) => panic!("a pinned server that refused AUTH TLS was used in clear text"),
    }
    let log = drain(&mut rx);
    assert!(
        !log.iter()
            .any(|e| e.text.starts_with("USER") || e.text.starts_with("PASS")),
        "credentials were sent in clear text: {log:?}"
    );
    assert!(
        !log.iter().any(|e| e.text.contains("WITHOUT encryption")),
        "{log:?}"
    );
}

fn tree(root: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for d in 0..3 {
        for f in 0..4 {
            let rel = format!("d{d}/f{f}.bin");
            let body: Vec<u8> = (0..(d * 40_000 + f * 999 + 1))
                .map(|i| (i * 31 + d * 7 + f) as u8)
                .collect();
            let p = root.join(&rel);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
            std::fs::write(&p, &body).expect("write");
            files.push((rel, body));
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_moves_a_tree_both_ways_over_protected_data_connections() {
    let pki = pki();
    let remote = tempfile::tempdir().expect("tempdir");
    let local = tempfile::tempdir().expect("tempdir");
    let files = tree(&local.path().join("src"));
    let server = ftps_server(&pki, Some(remote.path().to_path_buf()));
    let mut o = opts(server.port, TlsMode::Explicit);
    o.trust.ca_file = Some(pki.ca_pem.clone());
    let run = |specs: Vec<JobSpec>| {
        let o = o.clone();
        async move {
            let mut cfg = EngineConfig::new(o);
            cfg.parallel = 3;
            cfg.on_exists = OnExists::Overwrite;
            let (tx, mut rx) = mpsc::unbounded_channel();
            let engine = Engine::start(cfg, tx, None);
            engine.send(EngineCmd::Enqueue(specs));
            let mut failures = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(60), async {
                while let Some(e) = rx.recv().await {
                    match e {
                        EngineEvent::Changed(j) => {
                            if let skiff::transfer::JobState::Failed { reason, .. } = &j.state {
                                failures.push(format!("{}: {reason}", j.spec.src));
                            }
                        }
                        EngineEvent::Idle => break,
                        _ => {}
                    }
                }
            })
            .await;
            engine.shutdown().await;
            failures
        }
    };
    let up = run(vec![JobSpec {
        direction: Direction::Upload,
        kind: JobKind::Dir,
        src: local.path().join("src").to_string_lossy().into(),
        dst: "/up".into(),
        size: None,
        mtime: None,
        is_move: false,
    }])
    .await;
    assert!(up.is_empty(), "{up:?}");
    for (rel, body) in &files {
        assert_eq!(
            &std::fs::read(remote.path().join("up").join(rel)).expect("uploaded"),
            body,
            "{rel}"
        );
    }
    let down = run(vec![JobSpec {
        direction: Direction::Download,
        kind: JobKind::Dir,
        src: "/up".into(),
        dst: local.path().join("back").to_string_lossy().into(),
        size: None,
        mtime: None,
        is_move: false,
    }])
    .await;
    assert!(down.is_empty(), "{down:?}");
    for (rel, body) in &files {
        assert_eq!(
            &std::fs::read(local.path().join("back").join(rel)).expect("downloaded"),
            body,
            "{rel}"
        );
    }
}

/// A front for the FTPS server whose first `garble` connections behave as libunftp does when
/// it loses the race between its AUTH handler (which switches to TLS from another task) and its
/// command reader: `234` to `AUTH TLS`, then the ClientHello read as a command and answered in
/// clear text. Later connections pass through to `target`. Returns the front's port.
async fn clear_text_front(target: u16, garble: usize) -> u16 {
    use tokio::io::AsyncBufReadExt;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    tokio::spawn(async move {
        let mut n = 0usize;
        while let Ok((mut sock, _)) = listener.accept().await {
            n += 1;
            let garbled = n <= garble;
            tokio::spawn(async move {
                if !garbled {
                    if let Ok(mut up) = tokio::net::TcpStream::connect(("127.0.0.1", target)).await
                    {
                        let _ = tokio::io::copy_bidirectional(&mut sock, &mut up).await;
                    }
                    return;
                }
                let mut r = tokio::io::BufReader::new(sock);
                let mut line = String::new();
                let _ = r.get_mut().write_all(b"220 front ready\r\n").await;
                let _ = r.read_line(&mut line).await;
                let _ = r.get_mut().write_all(b"234 Upgrading to TLS\r\n").await;
                let mut hello = [0u8; 512];
                let _ = r.read(&mut hello).await;
                let _ = r
                    .get_mut()
                    .write_all(b"500 Invalid UTF8 in command\r\n")
                    .await;
                let _ = r.get_mut().shutdown().await;
            });
        }
    });
    port
}

#[tokio::test]
async fn a_handshake_answered_in_clear_text_is_a_failed_connection_tried_again() {
    let pki = pki();
    let remote = tempfile::tempdir().expect("tempdir");
    let server = ftps_server(&pki, Some(remote.path().to_path_buf()));
    // Always answered in clear text: a failed connection, worth another attempt (not a TLS
    // failure the peers disagreed on, which would be final).
    let always = clear_text_front(server.port, usize::MAX).await;
    let mut o = opts(always, TlsMode::Explicit);
    o.trust.ca_file = Some(pki.ca_pem.clone());
    let (tap, _rx) = tap();
    match FtpSession::connect(o, tap).await {
        Err(e @ FtpError::Connection(_)) => {
            assert!(e.to_string().contains("clear text"), "{e}");
            assert!(skiff::ftp::session::retryable(&e), "{e}");
        }
        Err(e) => panic!("expected a failed connection, got {e:?}"),
        Ok(_) => panic!("connected through a handshake answered in clear text"),
    }
    // Once: the engine's worker connects again and the upload goes through.
    let once = clear_text_front(server.port, 1).await;
    let mut o = opts(once, TlsMode::Explicit);
    o.trust.ca_file = Some(pki.ca_pem.clone());
    let local = tempfile::tempdir().expect("tempdir");
    let src = local.path().join("a.bin");
    std::fs::write(&src, b"protected").expect("write");
    let mut cfg = EngineConfig::new(o);
    cfg.parallel = 1;
    cfg.backoff = Duration::from_millis(20);
    let (tx, mut rx) = mpsc::unbounded_channel();
    let engine = Engine::start(cfg, tx, None);
    engine.send(EngineCmd::Enqueue(vec![JobSpec {
        direction: Direction::Upload,
        kind: JobKind::File,
        src: src.to_string_lossy().into(),
        dst: "/a.bin".into(),
        size: Some(9),
        mtime: None,
        is_move: false,
    }]));
    let mut failures = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(30), async {
        while let Some(e) = rx.recv().await {
            match e {
                EngineEvent::Changed(j) => {
                    if let skiff::transfer::JobState::Failed { reason, .. } = &j.state {
                        failures.push(reason.clone());
                    }
                }
                EngineEvent::Idle => break,
                _ => {}
            }
        }
    })
    .await;
    engine.shutdown().await;
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(
        std::fs::read(remote.path().join("a.bin")).expect("uploaded"),
        b"protected"
    );
}

#[test]
fn skiff_get_over_ftpes_trusts_a_ca_file_or_a_pin_and_refuses_otherwise() {
    let pki = pki();
    let server = ftps_server(&pki, None);
    let out = tempfile::tempdir().expect("tempdir");
    let url = format!("ftpes://demo@127.0.0.1:{}/docs/changelog.txt", server.port);
    let get = |extra: &[&str], dst: &str| {
        Command::new(env!("CARGO_BIN_EXE_skiff"))
            .args(["get", &url, dst, "--quiet"])
            .args(extra)
            .env("SKIFF_PASSWORD", "demo")
            .env_remove("SKIFF_CA_FILE")
            // No "trust always" answers from the person running the tests.
            .env("XDG_CONFIG_HOME", out.path().join("config"))
            .env("HOME", out.path())
            .output()
            .expect("running skiff")
    };
    let refused = get(&[], &out.path().join("a.txt").to_string_lossy());
    assert!(!refused.status.success());
    let err = String::from_utf8_lossy(&refused.stderr);
    let fp = fingerprint(&pki.leaf_der);
    assert!(err.contains("untrusted certificate"), "{err}");
    assert!(err.contains(&fp), "the fingerprint is shown: {err}");
    assert!(err.contains("--trust"), "says how to trust it: {err}");
    assert!(!out.path().join("a.txt").exists());

    let ca = pki.ca_pem.to_string_lossy().into_owned();
    let ok = get(
        &["--ca-file", &ca],
        &out.path().join("b.txt").to_string_lossy(),
    );
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let pinned = get(
        &["--trust", &fp],
        &out.path().join("c.txt").to_string_lossy(),
    );
    assert!(
        pinned.status.success(),
        "{}",
        String::from_utf8_lossy(&pinned.stderr)
    );
    let want = std::fs::read(server.root.join("docs/changelog.txt")).expect("source");
    assert_eq!(std::fs::read(out.path().join("b.txt")).expect("b"), want);
    assert_eq!(std::fs::read(out.path().join("c.txt")).expect("c"), want);
    drop(pki.dir);
}

/// A scripted FTPS server that sends a file's bytes and then closes the data connection
/// WITHOUT a TLS close_notify (a truncation attack, or a broken server), and still claims
/// success with 226 on the control connection.
async fn truncating_ftps_server(pki: &Pki, body: &'static [u8]) -> u16 {
    use suppaftp::tokio_rustls::TlsAcceptor;
    use suppaftp::tokio_rustls::rustls;
    use tokio::io::{AsyncBufReadExt, BufReader};
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(
        vec![rustls::pki_types::CertificateDer::from(
            pki.leaf_der.clone(),
        )],
        rustls::pki_types::PrivateKeyDer::Pkcs8(pki.leaf_key_der.clone().into()),
    )
    .unwrap();
    let acceptor = TlsAcceptor::from(std::sync::Arc::new(config));
    let ctrl = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = ctrl.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (mut sock, _) = ctrl.accept().await.unwrap();
        sock.write_all(b"220 ready\r\n").await.unwrap();
        let mut line = String::new();
        {
            let mut r = BufReader::new(&mut sock);
            r.read_line(&mut line).await.unwrap();
        }
        assert!(line.starts_with("AUTH TLS"), "{line:?}");
        sock.write_all(b"234 go ahead\r\n").await.unwrap();
        let tls = acceptor.accept(sock).await.unwrap();
        let (r, mut w) = tokio::io::split(tls);
        let mut r = BufReader::new(r);
        let data = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dport = data.local_addr().unwrap().port();
        loop {
            line.clear();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let cmd = line.trim_end().to_ascii_uppercase();
            let reply = if cmd.starts_with("USER") {
                "331 pw\r\n".to_string()
            } else if cmd.starts_with("PASS") {
                "230 in\r\n".to_string()
            } else if cmd.starts_with("FEAT") {
                "211-Features:\r\n SIZE\r\n211 End\r\n".to_string()
            } else if cmd.starts_with("PBSZ") || cmd.starts_with("PROT") || cmd.starts_with("TYPE")
            {
                "200 ok\r\n".to_string()
            } else if cmd.starts_with("PWD") {
                "257 \"/\"\r\n".to_string()
            } else if cmd.starts_with("PASV") {
                format!(
                    "227 Entering Passive Mode (127,0,0,1,{},{})\r\n",
                    dport >> 8,
                    dport & 255
                )
            } else if cmd.starts_with("RETR") {
                w.write_all(b"150 here\r\n").await.unwrap();
                let (d, _) = data.accept().await.unwrap();
                let mut d = acceptor.accept(d).await.unwrap();
                d.write_all(body).await.unwrap();
                d.flush().await.unwrap();
                // Close the TCP connection under the TLS session: no close_notify.
                let (mut tcp, _) = d.into_inner();
                let _ = tcp.shutdown().await;
                drop(tcp);
                "226 all done, honest\r\n".to_string()
            } else if cmd.starts_with("QUIT") {
                let _ = w.write_all(b"221 bye\r\n").await;
                return;
            } else {
                "502 no\r\n".to_string()
            };
            if w.write_all(reply.as_bytes()).await.is_err() {
                return;
            }
            let _ = w.flush().await;
        }
    });
    port
}

#[tokio::test]
async fn a_data_connection_closed_without_tls_close_notify_fails_the_download() {
    let pki = pki();
    static BODY: &[u8] = b"the first half of a file that looks complete";
    let port = truncating_ftps_server(&pki, BODY).await;
    let out = tempfile::tempdir().expect("tempdir");
    let mut o = opts(port, TlsMode::Explicit);
    o.trust.ca_file = Some(pki.ca_pem.clone());
    let mut cfg = EngineConfig::new(o);
    cfg.parallel = 1;
    cfg.max_attempts = 1;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let engine = Engine::start(cfg, tx, None);
    let dst = out.path().join("f.bin");
    engine.send(EngineCmd::Enqueue(vec![JobSpec {
        direction: Direction::Download,
        kind: JobKind::File,
        src: "/f.bin".into(),
        dst: dst.to_string_lossy().into(),
        size: None,
        mtime: None,
        is_move: false,
    }]));
    let state = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            match rx.recv().await {
                Some(EngineEvent::Changed(j)) if j.state.is_finished() => break j.state,
                Some(_) => {}
                None => panic!("the engine stopped"),
            }
        }
    })
    .await
    .expect("the job ends");
    match state {
        skiff::transfer::JobState::Failed { reason, .. } => {
            assert!(reason.contains("close_notify"), "{reason}");
        }
        other => panic!("a truncated TLS stream passed as {other:?}"),
    }
    assert!(!dst.exists(), "no complete-looking file");
    engine.shutdown().await;
}

/// A server certificate whose subject and issuer carry terminal escape sequences and a
/// right-to-left override (any TLS peer can send one before it is trusted): `skiff ls`
/// refuses it and prints its facts on stderr with those characters as `?`.
#[test]
fn an_untrusted_certificate_reaches_stderr_only_as_printable_text() {
    use suppaftp::tokio_rustls::TlsAcceptor;
    use suppaftp::tokio_rustls::rustls;
    let key = rcgen::KeyPair::generate().expect("key");
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "evil\u{1b}]0;owned\u{7}\u{202E}gpj.exe",
    );
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "\u{1b}[2Jclear");
    params.is_ca = rcgen::IsCa::ExplicitNoCa;
    let cert = params.self_signed(&key).expect("certificate");
    let config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(
        vec![cert.der().clone()],
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
    .expect("server config");
    let acceptor = TlsAcceptor::from(std::sync::Arc::new(config));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    // Implicit FTPS: TLS from the first byte; the client gives up in the handshake.
    let port = rt.block_on(async {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = l.local_addr().expect("addr").port();
        tokio::spawn(async move {
            while let Ok((sock, _)) = l.accept().await {
                let _ = acceptor.accept(sock).await;
            }
        });
        port
    });
    let home = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args([
            "ls",
            &format!("ftps://127.0.0.1:{port}/"),
            "--connect-attempts",
            "1",
        ])
        .env_remove("SKIFF_CA_FILE")
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("HOME", home.path())
        .output()
        .expect("running skiff");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("evil?]0;owned??gpj.exe"), "{err}");
    assert!(err.contains("?[2Jclear"), "{err}");
    let hidden: Vec<char> = err
        .chars()
        .filter(|&c| c != '\n' && skiff::text::is_hidden(c))
        .collect();
    assert_eq!(hidden, Vec::<char>::new(), "{err:?}");
    drop(rt);
}
