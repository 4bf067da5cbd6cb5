//! A server that misbehaves on purpose, scripted per test: a greeting that is not FTP, a reply
//! line of 1 MiB, long multi-line replies, junk after `213`, a `550` on one `RETR` then a
//! normal next file, a data connection that never opens and one that trickles, and listings
//! with `../x`, `/etc/passwd`, `a/b`, a name with a CR, a symlink and the same name twice.
//! Each ends as asserted: success, or a clean failure with the reason, nothing written
//! outside the target, and no hang (every test finishes in seconds).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use skiff::ftp::{ConnectOptions, FtpError, FtpSession, LogEvent, LogKind, Secret, Tap};
use skiff::transfer::{
    Direction, Engine, EngineCmd, EngineConfig, EngineEvent, Job, JobId, JobKind, JobSpec,
    JobState, OnExists,
};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// What the server does with one command.
enum Act {
    /// Send these bytes (one or more reply lines).
    Reply(Vec<u8>),
    /// `150`, then `body` on the data connection, closed, then `226`.
    Data(Vec<u8>),
    /// `150`, then `body` one byte at a time with `gap` between bytes, then `226`.
    Trickle(Vec<u8>, Duration),
    /// `150`, then never accept the data connection and never answer again.
    DataNeverOpens,
}

type Script = Arc<dyn Fn(&str) -> Option<Act> + Send + Sync>;

/// Start the server; `script` sees each command line (upper-cased verb, original argument)
/// first, and the usual login and passive-mode answers fill in the rest. The server keeps each
/// connection's directory as the last `CWD` it accepted named it: `PWD` and an argument-less
/// `LIST`/`MLSD`/`NLST` reach the script with that directory appended (`LIST /d`), and the
/// usual `PWD` answer names it.
async fn serve(greeting: &'static [u8], script: Script) -> u16 {
    let ctrl = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = ctrl.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = ctrl.accept().await {
            let script = script.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                if w.write_all(greeting).await.is_err() {
                    return;
                }
                let mut data: Option<TcpListener> = None;
                let mut cwd = "/".to_string();
                let mut line = String::new();
                loop {
                    line.clear();
                    if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let mut cmd = line.trim_end().to_string();
                    let verb = cmd.split(' ').next().unwrap_or("").to_ascii_uppercase();
                    if matches!(verb.as_str(), "PWD" | "LIST" | "MLSD" | "NLST")
                        && cmd.len() == verb.len()
                    {
                        cmd = format!("{cmd} {cwd}");
                    }
                    let act = script(&cmd).unwrap_or_else(|| {
                        Act::Reply(match verb.as_str() {
                            "USER" => b"331 password please\r\n".to_vec(),
                            "PASS" => b"230 logged in\r\n".to_vec(),
                            "FEAT" => b"211-Features:\r\n SIZE\r\n211 End\r\n".to_vec(),
                            "TYPE" | "OPTS" => b"200 ok\r\n".to_vec(),
                            "PWD" => format!("257 \"{cwd}\" is the directory\r\n").into_bytes(),
                            "CWD" => b"250 ok\r\n".to_vec(),
                            "QUIT" => b"221 bye\r\n".to_vec(),
                            "PASV" => Vec::new(), // below
                            _ => b"502 not here\r\n".to_vec(),
                        })
                    });
                    let result = match act {
                        Act::Reply(bytes) if verb == "PASV" && bytes.is_empty() => {
                            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
                            let p = l.local_addr().unwrap().port();
                            data = Some(l);
                            w.write_all(
                                format!(
                                    "227 Entering Passive Mode (127,0,0,1,{},{})\r\n",
                                    p >> 8,
                                    p & 255
                                )
                                .as_bytes(),
                            )
                            .await
                        }
                        Act::Reply(bytes) => {
                            if verb == "CWD" && bytes.starts_with(b"250") {
                                let arg = cmd.get(4..).unwrap_or("").to_string();
                                cwd = if arg.starts_with('/') {
                                    arg
                                } else {
                                    format!("{}/{arg}", cwd.trim_end_matches('/'))
                                };
                            }
                            w.write_all(&bytes).await
                        }
                        Act::Data(body) => {
                            send_data(&mut w, data.take(), &body, Duration::ZERO).await
                        }
                        Act::Trickle(body, gap) => send_data(&mut w, data.take(), &body, gap).await,
                        Act::DataNeverOpens => {
                            let _ = w.write_all(b"150 opening\r\n").await;
                            // Keep the listener (so the connect succeeds) but never accept.
                            let _keep = data.take();
                            tokio::time::sleep(Duration::from_secs(3600)).await;
                            return;
                        }
                    };
                    if result.is_err() || verb == "QUIT" {
                        return;
                    }
                }
            });
        }
    });
    port
}

async fn send_data(
    w: &mut tokio::net::tcp::OwnedWriteHalf,
    data: Option<TcpListener>,
    body: &[u8],
    gap: Duration,
) -> std::io::Result<()> {
    let Some(l) = data else {
        return w.write_all(b"425 use PASV first\r\n").await;
    };
    w.write_all(b"150 here it comes\r\n").await?;
    let (mut d, _) = l.accept().await?;
    if gap.is_zero() {
        d.write_all(body).await?;
    } else {
        for b in body {
            d.write_all(&[*b]).await?;
            tokio::time::sleep(gap).await;
        }
    }
    d.shutdown().await?;
    drop(d);
    w.write_all(b"226 done\r\n").await
}

fn opts(port: u16) -> ConnectOptions {
    let mut o = ConnectOptions::new("127.0.0.1", port, Some("u"), Some(Secret::new("p")));
    o.timeout = Duration::from_secs(3);
    o
}

fn new_tap() -> (Tap, mpsc::UnboundedReceiver<LogEvent>) {
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

fn no_script() -> Script {
    Arc::new(|_| None)
}

#[tokio::test]
async fn a_greeting_that_is_not_ftp_is_a_clean_error() {
    let port = serve(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", no_script()).await;
    let started = Instant::now();
    let (tap, _rx) = new_tap();
    let err = match FtpSession::connect(opts(port), tap).await {
        Ok(_) => panic!("an SSH server was taken for an FTP server"),
        Err(e) => e,
    };
    assert!(started.elapsed() < Duration::from_secs(3), "{err:?}");
    assert!(
        !matches!(err, FtpError::Timeout { .. }),
        "a clear error, not a timeout: {err:?}"
    );
    assert!(!err.to_string().is_empty());
}

#[tokio::test]
async fn a_reply_line_of_one_mib_is_a_clean_error() {
    let script: Script = Arc::new(|cmd| {
        cmd.starts_with("PWD").then(|| {
            let mut r = b"257 \"/".to_vec();
            r.extend(std::iter::repeat_n(b'A', 1024 * 1024));
            r.extend_from_slice(b"\"\r\n");
            Act::Reply(r)
        })
    });
    let port = serve(b"220 ready\r\n", script).await;
    let started = Instant::now();
    let (tap, mut rx) = new_tap();
    let err = match FtpSession::connect(opts(port), tap).await {
        Ok(_) => panic!("a 1 MiB reply was accepted"),
        Err(e) => e,
    };
    assert!(started.elapsed() < Duration::from_secs(3), "{err:?}");
    assert!(err.to_string().contains("larger"), "{err}");
    // The log does not hold the megabyte either.
    let logged: usize = drain(&mut rx).iter().map(|e| e.text.len()).sum();
    assert!(logged < 300 * 1024, "{logged} bytes logged");
}

#[tokio::test]
async fn long_multi_line_replies_are_read_whole_and_oversized_ones_refused() {
    let feat = |n: usize| {
        let mut r = b"211-Features:\r\n".to_vec();
        for i in 0..n {
            r.extend_from_slice(format!(" X-FEATURE-{i:05}\r\n").as_bytes());
        }
        r.extend_from_slice(b" MLST type*;size*;modify*;\r\n UTF8\r\n211 End\r\n");
        r
    };
    let port = serve(
        b"220-Welcome\r\n220-to a chatty\r\n220 server\r\n",
        Arc::new(move |cmd| cmd.starts_with("FEAT").then(|| Act::Reply(feat(3000)))),
    )
    .await;
    let (tap, _rx) = new_tap();
    let s = FtpSession::connect(opts(port), tap)
        .await
        .expect("3,000 lines");
    assert_eq!(s.features().len(), 3002);
    assert!(s.uses_mlsd());
    assert!(s.welcome().contains("chatty"), "{}", s.welcome());
    s.quit().await;
    // 20,000 lines is over 256 KiB: refused cleanly.
    let port = serve(
        b"220 ready\r\n",
        Arc::new(move |cmd| cmd.starts_with("FEAT").then(|| Act::Reply(feat(20_000)))),
    )
    .await;
    let (tap, _rx) = new_tap();
    match FtpSession::connect(opts(port), tap).await {
        Err(e) => assert!(e.to_string().contains("larger"), "{e}"),
        Ok(_) => panic!("an endless reply was accepted"),
    }
}

#[tokio::test]
async fn junk_after_213_means_an_unknown_size_not_a_crash() {
    let script: Script = Arc::new(|cmd| {
        cmd.starts_with("SIZE")
            .then(|| Act::Reply(b"213 about twelve bytes\r\n".to_vec()))
    });
    let port = serve(b"220 ready\r\n", script).await;
    let (tap, mut rx) = new_tap();
    let mut s = FtpSession::connect(opts(port), tap).await.unwrap();
    assert_eq!(s.size("/f").await.expect("not an error"), None);
    let log = drain(&mut rx);
    assert!(
        log.iter()
            .any(|e| e.kind == LogKind::Warn && e.text.contains("SIZE")),
        "{log:#?}"
    );
    s.quit().await;
}

#[tokio::test]
async fn a_server_checksum_counts_only_for_the_whole_file_and_the_algorithm_asked() {
    use skiff::fs::{HashAlgo, Remote};
    const SHA: &str = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
    // The draft HASH command: SHA-256 for /f; a digest of part of the file for /part.
    let script: Script = Arc::new(|cmd| {
        let r = match cmd {
            "FEAT" => "211-Features:\r\n SIZE\r\n HASH SHA-256*;MD5\r\n211 End\r\n".into(),
            "SIZE /f" | "SIZE /part" => "213 4\r\n".into(),
            "HASH /f" => format!("213 SHA-256 0-3 {SHA} f\r\n"),
            "HASH /part" => format!("213 SHA-256 0-1 {SHA} part\r\n"),
            _ => return None,
        };
        Some(Act::Reply(r.into_bytes()))
    });
    let port = serve(b"220 ready\r\n", script).await;
    let (tap, mut rx) = new_tap();
    let mut s = FtpSession::connect(opts(port), tap).await.unwrap();
    assert_eq!(s.capabilities().checksum(), Some(HashAlgo::Sha256));
    assert_eq!(
        s.checksum("/f", HashAlgo::Sha256).await.unwrap(),
        Some(SHA.to_ascii_lowercase())
    );
    assert_eq!(s.checksum("/part", HashAlgo::Sha256).await.unwrap(), None);
    // Asked for MD5, answered with SHA-256: not taken for an MD5.
    assert_eq!(s.checksum("/f", HashAlgo::Md5).await.unwrap(), None);
    let log = drain(&mut rx);
    assert!(
        log.iter().any(|e| e.text == "OPTS HASH MD5"),
        "the algorithm is chosen first: {log:#?}"
    );
    s.quit().await;

    // The older one-algorithm commands; nothing is asked for one the server lacks.
    let script: Script = Arc::new(|cmd| {
        let r: &[u8] = match cmd {
            "FEAT" => b"211-Features:\r\n SIZE\r\n XMD5\r\n211 End\r\n",
            "XMD5 /f" => b"250 D41D8CD98F00B204E9800998ECF8427E\r\n",
            _ => return None,
        };
        Some(Act::Reply(r.to_vec()))
    });
    let port = serve(b"220 ready\r\n", script).await;
    let (tap, mut rx) = new_tap();
    let mut s = FtpSession::connect(opts(port), tap).await.unwrap();
    assert_eq!(s.capabilities().checksum(), Some(HashAlgo::Md5));
    assert_eq!(
        s.checksum("/f", HashAlgo::Md5).await.unwrap().as_deref(),
        Some("d41d8cd98f00b204e9800998ecf8427e")
    );
    drain(&mut rx);
    assert_eq!(s.checksum("/f", HashAlgo::Sha256).await.unwrap(), None);
    assert!(
        drain(&mut rx).is_empty(),
        "no command for an algorithm not offered"
    );
    s.quit().await;
}

#[tokio::test]
async fn list_times_in_the_servers_zone_are_corrected_by_what_mdtm_says() {
    // A server three hours ahead of UTC that lists in its own time (no MLSD): its LIST says
    // 15:00 for a file MDTM (UTC) says was written at 12:00.
    let utc = chrono::Utc::now() - chrono::Duration::hours(5);
    let utc = utc - chrono::Duration::seconds(utc.timestamp().rem_euclid(60));
    let shown = utc + chrono::Duration::hours(3);
    let line = format!(
        "-rw-r--r-- 1 u g 5 {} f.txt\r\n-rw-r--r-- 1 u g 9 Jan 01  2001 old.txt\r\n",
        shown.format("%b %d %H:%M")
    );
    let mdtm = format!("213 {}\r\n", utc.format("%Y%m%d%H%M%S"));
    let script: Script = Arc::new(move |cmd| {
        if cmd.starts_with("LIST") {
            Some(Act::Data(line.clone().into_bytes()))
        } else if cmd == "MDTM /f.txt" {
            Some(Act::Reply(mdtm.clone().into_bytes()))
        } else {
            None
        }
    });
    let port = serve(b"220 ready\r\n", script).await;
    let (tap, _rx) = new_tap();
    let mut s = FtpSession::connect(opts(port), tap).await.unwrap();
    let before = s.list_cwd().await.unwrap();
    let f = |v: &[skiff::fs::Entry]| v.iter().find(|e| e.name == "f.txt").and_then(|e| e.mtime);
    assert_eq!(f(&before), Some(shown.timestamp()), "as listed, before");
    assert_eq!(s.detect_time_offset().await, Some(-3 * 3600));
    let after = s.list_cwd().await.unwrap();
    assert_eq!(f(&after), Some(utc.timestamp()), "corrected to UTC");
    s.quit().await;

    // The TUI's browsing connection finds it at login too, for its panes and for the
    // transfer connections it starts.
    let (etx, mut erx) = mpsc::unbounded_channel();
    let (ltx, _lrx) = mpsc::unbounded_channel();
    let h = skiff::app::remote::spawn(opts(port), 7, etx, ltx);
    let ev = tokio::time::timeout(Duration::from_secs(10), erx.recv()).await;
    assert!(
        matches!(ev, Ok(Some(skiff::state::Event::Connected { req: 7, .. }))),
        "{ev:?}"
    );
    assert_eq!(h.time_offset(), Some(-3 * 3600));

    // A server whose MDTM says nothing believable (or nothing at all) is left as it lists.
    let script: Script = Arc::new(|cmd| {
        cmd.starts_with("LIST")
            .then(|| Act::Data(b"-rw-r--r-- 1 u g 5 Jan 01  2001 old.txt\r\n".to_vec()))
    });
    let port = serve(b"220 ready\r\n", script).await;
    let (tap, _rx) = new_tap();
    let mut s = FtpSession::connect(opts(port), tap).await.unwrap();
    assert_eq!(
        s.detect_time_offset().await,
        None,
        "only a bare date: nothing to go by"
    );
    s.quit().await;
}

struct Run {
    rx: mpsc::UnboundedReceiver<EngineEvent>,
    jobs: BTreeMap<JobId, Job>,
    engine: Engine,
}

impl Run {
    fn start(port: u16, tweak: impl FnOnce(&mut EngineConfig), spec: JobSpec) -> Run {
        let mut cfg = EngineConfig::new(opts(port));
        cfg.parallel = 2;
        cfg.on_exists = OnExists::Overwrite;
        cfg.backoff = Duration::from_millis(100);
        tweak(&mut cfg);
        let (tx, rx) = mpsc::unbounded_channel();
        let engine = Engine::start(cfg, tx, None);
        engine.send(EngineCmd::Enqueue(vec![spec]));
        Run {
            rx,
            jobs: BTreeMap::new(),
            engine,
        }
    }

    async fn settle(&mut self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            if !self.jobs.is_empty() && self.jobs.values().all(|j| j.state.is_finished()) {
                return;
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(EngineEvent::Added { jobs, .. })) => {
                    for j in jobs {
                        self.jobs.insert(j.id, j);
                    }
                }
                Ok(Some(EngineEvent::Changed(j))) => {
                    self.jobs.insert(j.id, j);
                }
                Ok(Some(_)) => {}
                Ok(None) => panic!("the engine stopped"),
                Err(_) => panic!("no end in sight: {:#?}", self.jobs),
            }
        }
    }

    fn by_name(&self, name: &str) -> &Job {
        self.jobs
            .values()
            .find(|j| j.name() == name)
            .unwrap_or_else(|| panic!("no job {name}: {:#?}", self.jobs))
    }
}

fn download(src: &str, dst: &std::path::Path, kind: JobKind) -> JobSpec {
    JobSpec {
        direction: Direction::Download,
        kind,
        src: src.into(),
        dst: dst.to_string_lossy().into(),
        size: None,
        mtime: None,
        is_move: false,
    }
}

#[tokio::test]
async fn a_550_on_one_retr_fails_that_file_only() {
    let script: Script = Arc::new(|cmd| {
        if cmd.starts_with("LIST") {
            Some(Act::Data(
                b"-rw-r--r-- 1 u g 5 Nov 21 12:00 a.bin\r\n\
                  -rw-r--r-- 1 u g 6 Nov 21 12:00 b.bin\r\n"
                    .to_vec(),
            ))
        } else if cmd == "RETR /d/a.bin" {
            Some(Act::Reply(b"550 a.bin: Permission denied\r\n".to_vec()))
        } else if cmd == "RETR /d/b.bin" {
            Some(Act::Data(b"bbbbbb".to_vec()))
        } else {
            None
        }
    });
    let port = serve(b"220 ready\r\n", script).await;
    let out = tempfile::tempdir().unwrap();
    let mut run = Run::start(
        port,
        |_| {},
        download("/d", &out.path().join("d"), JobKind::Dir),
    );
    run.settle().await;
    let a = run.by_name("a.bin");
    match &a.state {
        JobState::Failed { code, reason } => {
            assert_eq!(*code, Some(550));
            assert!(reason.contains("Permission denied"), "{reason}");
        }
        other => panic!("a.bin: {other:?}"),
    }
    assert_eq!(a.attempts, 1, "a 550 is not retried");
    assert_eq!(run.by_name("b.bin").state, JobState::Done);
    assert_eq!(
        std::fs::read(out.path().join("d/b.bin")).unwrap(),
        b"bbbbbb"
    );
    assert!(!out.path().join("d/a.bin").exists());
    assert!(
        std::fs::read_dir(out.path().join("d")).unwrap().all(|e| !e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".part")),
        "no temporary file left"
    );
    run.engine.shutdown().await;
}

#[tokio::test]
async fn a_wrong_server_checksum_fails_the_file_after_one_retry_from_zero() {
    // SHA-256 of "hello" and of "hellp".
    const GOOD: &str = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";
    const WRONG: &str = "0b6b0d1ef8e0a7d8ec1f44f2a1ab0c2f0e2c8e6d5f4f14d7e6e5b0f9a8c7d6e5";
    let retrs = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let script: Script = Arc::new({
        let retrs = retrs.clone();
        move |cmd| {
            let r = match cmd {
                "FEAT" => "211-Features:\r\n SIZE\r\n HASH SHA-256*\r\n211 End\r\n".into(),
                "SIZE /good.bin" | "SIZE /bad.bin" => "213 5\r\n".into(),
                "HASH /good.bin" => format!("213 SHA-256 0-4 {GOOD} good.bin\r\n"),
                "HASH /bad.bin" => format!("213 SHA-256 0-4 {WRONG} bad.bin\r\n"),
                "RETR /good.bin" | "RETR /bad.bin" => {
                    retrs.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    return Some(Act::Data(b"hello".to_vec()));
                }
                _ => return None,
            };
            Some(Act::Reply(r.into_bytes()))
        }
    });
    let port = serve(b"220 ready\r\n", script).await;
    let out = tempfile::tempdir().unwrap();
    for (name, ok) in [("good.bin", true), ("bad.bin", false)] {
        let dst = out.path().join(name);
        let mut spec = download(&format!("/{name}"), &dst, JobKind::File);
        spec.size = Some(5);
        let mut run = Run::start(port, |c| c.verify = true, spec);
        run.settle().await;
        let job = run.by_name(name);
        if ok {
            assert_eq!(job.state, JobState::Done, "{job:?}");
            assert_eq!(std::fs::read(&dst).unwrap(), b"hello");
        } else {
            match &job.state {
                JobState::Failed { reason, .. } => {
                    assert!(reason.contains("checksum mismatch"), "{reason}");
                    assert!(reason.contains(GOOD) && reason.contains(WRONG), "{reason}");
                }
                other => panic!("{name}: {other:?}"),
            }
            assert_eq!(job.attempts, 2, "retried once from zero, then final");
            assert!(!dst.exists(), "a file that failed its check is not there");
        }
        run.engine.shutdown().await;
    }
    assert_eq!(retrs.load(std::sync::atomic::Ordering::SeqCst), 3);
    let left: Vec<String> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(left, vec!["good.bin".to_string()], "no temporary file left");
}

#[tokio::test]
async fn a_data_connection_that_never_opens_fails_after_its_retries_and_one_that_trickles_completes()
 {
    let script: Script = Arc::new(|cmd| {
        if cmd == "RETR /never.bin" {
            Some(Act::DataNeverOpens)
        } else if cmd == "RETR /slow.bin" {
            Some(Act::Trickle(
                b"0123456789".to_vec(),
                Duration::from_millis(60),
            ))
        } else {
            None
        }
    });
    let port = serve(b"220 ready\r\n", script).await;
    let out = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut run = Run::start(
        port,
        |c| {
            c.stall = Duration::from_millis(500);
            c.max_attempts = 2;
        },
        download("/never.bin", &out.path().join("never.bin"), JobKind::File),
    );
    run.engine.send(EngineCmd::Enqueue(vec![download(
        "/slow.bin",
        &out.path().join("slow.bin"),
        JobKind::File,
    )]));
    run.settle().await;
    assert!(started.elapsed() < Duration::from_secs(15));
    let never = run.by_name("never.bin");
    assert!(
        matches!(&never.state, JobState::Failed { reason, .. } if reason.contains("timed out")),
        "{:?}",
        never.state
    );
    assert_eq!(never.attempts, 2, "retried, then given up");
    assert!(!out.path().join("never.bin").exists());
    // 10 bytes at 60 ms each: slow, but never idle for the stall time.
    assert_eq!(run.by_name("slow.bin").state, JobState::Done);
    assert_eq!(
        std::fs::read(out.path().join("slow.bin")).unwrap(),
        b"0123456789"
    );
    run.engine.shutdown().await;
}

#[tokio::test]
async fn hostile_listing_names_never_write_outside_the_target() {
    let script: Script = Arc::new(|cmd| {
        if cmd.starts_with("LIST") {
            Some(Act::Data(
                b"-rw-r--r-- 1 u g 3 Nov 21 12:00 ok.txt\r\n\
                  -rw-r--r-- 1 u g 3 Nov 21 12:00 ../x\r\n\
                  -rw-r--r-- 1 u g 3 Nov 21 12:00 /etc/passwd\r\n\
                  -rw-r--r-- 1 u g 3 Nov 21 12:00 a/b\r\n\
                  -rw-r--r-- 1 u g 3 Nov 21 12:00 cr\rname\r\n\
                  -rw-r--r-- 1 u g 3 Nov 21 12:00 ..\r\n\
                  lrwxrwxrwx 1 u g 11 Nov 21 12:00 pw -> /etc/passwd\r\n\
                  -rw-r--r-- 1 u g 3 Nov 21 12:00 ok.txt\r\n"
                    .to_vec(),
            ))
        } else if cmd.starts_with("RETR ") {
            Some(Act::Data(b"abc".to_vec()))
        } else {
            None
        }
    });
    let port = serve(b"220 ready\r\n", script).await;
    let outer = tempfile::tempdir().unwrap();
    let target = outer.path().join("target");
    let mut run = Run::start(port, |_| {}, download("/d", &target, JobKind::Dir));
    run.settle().await;
    // Only the one good name arrived (twice listed, written once), and nothing else anywhere.
    let inside: Vec<String> = std::fs::read_dir(&target)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(inside, ["ok.txt"]);
    assert_eq!(std::fs::read(target.join("ok.txt")).unwrap(), b"abc");
    let outside: Vec<String> = std::fs::read_dir(outer.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(outside, ["target"]);
    // The symlink was seen and skipped with its reason, not followed or recreated.
    let pw = run.by_name("pw");
    assert!(
        matches!(&pw.state, JobState::Skipped { reason } if reason.contains("link")),
        "{:?}",
        pw.state
    );
    assert!(std::fs::symlink_metadata(target.join("pw")).is_err());
    // Asking for the skipped entries again (the queue's retry) changes nothing: they never run.
    let skipped: Vec<JobId> = run
        .jobs
        .values()
        .filter(|j| matches!(j.state, JobState::Skipped { .. }))
        .map(|j| j.id)
        .collect();
    assert!(!skipped.is_empty(), "{:#?}", run.jobs);
    for id in &skipped {
        run.engine.send(EngineCmd::Retry(*id));
    }
    run.engine.send(EngineCmd::RetryFailed);
    tokio::time::sleep(Duration::from_millis(500)).await;
    while let Ok(e) = run.rx.try_recv() {
        if let EngineEvent::Changed(j) = e {
            run.jobs.insert(j.id, j);
        }
    }
    for id in &skipped {
        assert!(
            matches!(run.jobs[id].state, JobState::Skipped { .. }),
            "{:?}",
            run.jobs[id]
        );
    }
    let outside: Vec<String> = std::fs::read_dir(outer.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(outside, ["target"]);
    run.engine.shutdown().await;
}

#[tokio::test]
async fn a_listing_longer_than_the_cap_is_refused_cleanly() {
    let script: Script = Arc::new(|cmd| {
        cmd.starts_with("LIST").then(|| {
            let mut body = Vec::new();
            for i in 0..50 {
                body.extend_from_slice(
                    format!("-rw-r--r-- 1 u g 1 Nov 21 12:00 f{i}\r\n").as_bytes(),
                );
            }
            Act::Data(body)
        })
    });
    let port = serve(b"220 ready\r\n", script).await;
    let (tap, _rx) = new_tap();
    let mut o = opts(port);
    o.max_listing_lines = 10;
    let mut s = FtpSession::connect(o, tap).await.unwrap();
    match s.list_cwd().await {
        Err(FtpError::Protocol(m)) => assert!(m.contains("more than 10 lines"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_server_that_never_greets_fails_within_the_timeout_asked_for() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    // Accept, then say nothing.
    let _hold = std::thread::spawn(move || {
        let _conns: Vec<_> = listener.incoming().take(1).collect();
        std::thread::sleep(Duration::from_secs(30));
    });
    let started = Instant::now();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_skiff"))
        // One attempt: a timed-out connect is otherwise tried again (tests/pty/connect_retry.rs).
        .args([
            "ls",
            &format!("ftp://127.0.0.1:{port}/"),
            "--timeout",
            "1",
            "--connect-attempts",
            "1",
        ])
        .output()
        .expect("running skiff");
    let took = started.elapsed();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("timed out after 1s"), "{err}");
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn a_data_connection_that_never_opens_in_active_mode_fails_within_the_data_timeout() {
    // The server accepts PORT and answers 150, but never connects back.
    let script: Script = Arc::new(|cmd| {
        if cmd.starts_with("PORT ") {
            Some(Act::Reply(b"200 ok\r\n".to_vec()))
        } else if cmd.starts_with("LIST") {
            Some(Act::Reply(b"150 connecting, honestly\r\n".to_vec()))
        } else {
            None
        }
    });
    let port = serve(b"220 ready\r\n", script).await;
    let mut o = opts(port);
    o.timeout = Duration::from_secs(20);
    o.data_timeout = Some(Duration::from_millis(500));
    o.active = true;
    o.active_ports = Some((40_000, 65_000));
    let (tap, _rx) = new_tap();
    let mut s = FtpSession::connect(o, tap).await.unwrap();
    let started = Instant::now();
    let err = s.list_cwd().await.expect_err("nobody connected");
    assert!(
        matches!(err, FtpError::Timeout { what, .. } if what.contains("data connection")),
        "{err:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// A reply carrying terminal escape sequences and bidi/invisible characters: they reach
/// neither the error (status line, stderr) nor any log line (the log panel, a saved log, a
/// copied line), whatever its kind.
#[tokio::test]
async fn escape_sequences_in_replies_reach_no_terminal() {
    let port = serve(
        b"421 \x1b]52;c;aGVsbG8=\x07 \x1b[2J busy \x9b31m \xe2\x80\xaetxt.exe\xe2\x80\x8b\r\n",
        no_script(),
    )
    .await;
    let (tap, mut rx) = new_tap();
    let err = match FtpSession::connect(opts(port), tap.clone()).await {
        Ok(_) => panic!("a 421 greeting logged in"),
        Err(e) => e,
    };
    tap.error(format!("connection failed: {err}"));
    let text = err.to_string();
    assert!(text.contains("421") && text.contains("busy"), "{text}");
    assert!(!text.chars().any(skiff::text::is_hidden), "{text:?}");
    let log = drain(&mut rx);
    assert!(!log.is_empty());
    for l in &log {
        assert!(!l.text.chars().any(skiff::text::is_hidden), "{l:?}");
    }
}

/// A multi-line reply with a line inside that looks like an end (`200 …` within `211-`):
/// suppaftp stops there, so the rest would answer the next command. It is a protocol error,
/// which makes the command line log in again (tests/e2e_console.rs covers that part).
#[tokio::test]
async fn a_multi_line_reply_torn_by_an_inner_code_is_a_protocol_error() {
    let script: Script = Arc::new(|cmd| {
        cmd.starts_with("STAT")
            .then(|| Act::Reply(b"211-Status\r\n200 looks like an end\r\n211 End\r\n".to_vec()))
    });
    let port = serve(b"220 ready\r\n", script).await;
    let (tap, _rx) = new_tap();
    let mut s = FtpSession::connect(opts(port), tap).await.unwrap();
    match s.raw_command("STAT").await {
        Err(FtpError::Protocol(why)) => assert!(why.contains("out of step"), "{why}"),
        other => panic!("{other:?}"),
    }
}

/// A server without SIZE (502): sizes come from the directory's listing, so an existing file
/// is seen (and `skip` skips it) instead of being taken for absent and overwritten.
#[tokio::test]
async fn without_size_the_listing_tells_what_exists() {
    let script: Script = Arc::new(|cmd| {
        if cmd.starts_with("LIST") {
            Some(Act::Data(
                b"-rw-r--r-- 1 u g 5 Nov 21 12:00 there.txt\r\n\
                  drwxr-xr-x 2 u g 0 Nov 21 12:00 adir\r\n"
                    .to_vec(),
            ))
        } else if cmd.starts_with("STOR") {
            Some(Act::Reply(b"553 this test never stores\r\n".to_vec()))
        } else {
            None
        }
    });
    let port = serve(b"220 ready\r\n", script).await;
    let (tap, mut rx) = new_tap();
    let mut s = FtpSession::connect(opts(port), tap).await.unwrap();
    assert_eq!(s.size("/there.txt").await.unwrap(), Some(5));
    assert_eq!(s.size("/absent.txt").await.unwrap(), None);
    assert_eq!(
        s.size("/adir").await.unwrap(),
        None,
        "a directory is not a file"
    );
    let said: Vec<String> = drain(&mut rx).into_iter().map(|e| e.text).collect();
    assert_eq!(
        said.iter().filter(|t| t.starts_with("SIZE")).count(),
        1,
        "SIZE is asked once, then the listing: {said:?}"
    );
    s.quit().await;

    let local = tempfile::tempdir().unwrap();
    std::fs::write(local.path().join("there.txt"), b"mine!").unwrap();
    let spec = JobSpec {
        direction: Direction::Upload,
        kind: JobKind::File,
        src: local.path().join("there.txt").to_string_lossy().into(),
        dst: "/there.txt".into(),
        size: None,
        mtime: None,
        is_move: false,
    };
    let mut run = Run::start(port, |c| c.on_exists = OnExists::Skip, spec);
    run.settle().await;
    let job = run.by_name("there.txt");
    assert!(
        matches!(job.state, JobState::Skipped { .. }),
        "{:?}",
        job.state
    );
    run.engine.shutdown().await;
}

/// A server whose `PWD` answers a path full of terminal escape sequences (a title change, a
/// screen clear, a bell) and a right-to-left override; `RETR` of anything fails, `STOR` is
/// refused.
fn hostile_pwd_script() -> Script {
    Arc::new(|cmd| {
        let verb = cmd.split(' ').next().unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "PWD" => Some(Act::Reply(
                "257 \"/\u{1b}]0;owned\u{7}\u{1b}[2J\u{202E}cod\" is the directory\r\n"
                    .as_bytes()
                    .to_vec(),
            )),
            "CWD" if cmd.contains("missing") => {
                Some(Act::Reply(b"550 no such directory\r\n".to_vec()))
            }
            "SIZE" => Some(Act::Reply(b"213 5\r\n".to_vec())),
            "RETR" => Some(Act::Reply(b"550 no such file\r\n".to_vec())),
            _ => None,
        }
    })
}

/// Run the real binary (off the runtime, so the scripted server keeps answering).
async fn run_skiff(args: Vec<String>) -> std::process::Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_skiff"))
            .args(&args)
            .env_remove("SKIFF_PASSWORD")
            .output()
            .expect("running skiff")
    })
    .await
    .expect("the runner thread")
}

/// What a terminal must never get: a control character other than the line break, or a
/// bidirectional or invisible format character.
fn hidden_chars(text: &str) -> Vec<char> {
    text.chars()
        .filter(|&c| c != '\n' && skiff::text::is_hidden(c))
        .collect()
}

/// `skiff get` of a missing file below a hostile `PWD`: the failure names the path, with the
/// escape sequences and the bidi override shown as `?`, with and without `--quiet`.
#[tokio::test]
async fn a_hostile_pwd_reaches_stderr_only_as_printable_text() {
    let port = serve(b"220 ready\r\n", hostile_pwd_script()).await;
    let dir = tempfile::tempdir().unwrap();
    for quiet in [false, true] {
        let mut args: Vec<String> = [
            "get",
            &format!("ftp://u:p@127.0.0.1:{port}/missing"),
            &dir.path().display().to_string(),
            "--connect-attempts",
            "1",
            "--timeout",
            "3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        if quiet {
            args.push("--quiet".into());
        }
        let out = run_skiff(args).await;
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{err}");
        assert!(err.contains("missing"), "the failure is reported: {err}");
        assert!(err.contains("/?]0;owned??[2J?cod/missing"), "{err}");
        assert_eq!(hidden_chars(&err), Vec::<char>::new(), "{err:?}");
        assert!(hidden_chars(&String::from_utf8_lossy(&out.stdout)).is_empty());
    }
}

/// `skiff put` of a local directory: a file whose name carries an escape sequence is not
/// copied, and a file named `photo<RLO>gpj.exe` fails (the server refuses `STOR`); both lines
/// on stderr show those characters as `?`.
#[tokio::test]
async fn local_names_reach_stderr_only_as_printable_text() {
    let port = serve(b"220 ready\r\n", hostile_pwd_script()).await;
    let dir = tempfile::tempdir().unwrap();
    let up = dir.path().join("up");
    std::fs::create_dir(&up).unwrap();
    std::fs::write(up.join("evil\u{1b}]0;owned\u{7}name"), b"x").unwrap();
    std::fs::write(up.join("photo\u{202E}gpj.exe"), b"x").unwrap();
    let out = run_skiff(vec![
        "put".into(),
        up.display().to_string(),
        format!("ftp://u:p@127.0.0.1:{port}//srv/"),
        "--connect-attempts".into(),
        "1".into(),
        "--timeout".into(),
        "3".into(),
    ])
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with("not copied: ") && l.contains("evil?]0;owned?name")),
        "{err}"
    );
    assert!(
        err.lines()
            .any(|l| l.starts_with("failed") && l.contains("photo?gpj.exe")),
        "{err}"
    );
    assert_eq!(hidden_chars(&err), Vec::<char>::new(), "{err:?}");
}

/// A password typed in the URL: one line on stderr says it is in the process list, for the
/// headless commands and for the TUI's start; none without a password in the URL.
#[tokio::test]
async fn a_password_in_the_url_is_warned_about_once() {
    let port = serve(b"220 ready\r\n", no_script()).await;
    let warned = |err: &str| {
        err.matches("visible to other local users in the process list")
            .count()
    };
    let url = format!("ftp://u:hunter2@127.0.0.1:{port}/");
    let out = run_skiff(vec![
        "ls".into(),
        url.clone(),
        "--connect-attempts".into(),
        "1".into(),
    ])
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(warned(&err), 1, "{err}");
    assert!(!err.contains("hunter2"), "{err}");
    // The TUI checks for a terminal after reading the URL: the warning is printed first.
    let out = run_skiff(vec![url.clone()]).await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(warned(&err), 1, "{err}");
    // A user without a password in the URL: no warning.
    let out = run_skiff(vec![
        "ls".into(),
        format!("ftp://127.0.0.1:{port}/"),
        "--connect-attempts".into(),
        "1".into(),
    ])
    .await;
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(warned(&err), 0, "{err}");
}

/// A server whose `/d` lists `loop` (a link to `.`) and `up` (a link to `..`) as directories,
/// besides a file and a real subdirectory, as Windows junctions and some appliances do. With
/// `resolve_pwd` its `PWD` names where a link really leads; without, it keeps the path as
/// typed (`/d/loop/loop/…`), so only the repeating listings give the loop away.
fn junction_server(resolve_pwd: bool) -> Script {
    fn real(path: &str) -> Option<String> {
        let mut cur = "/".to_string();
        for c in path.split('/').filter(|c| !c.is_empty()) {
            cur = match (cur.as_str(), c) {
                ("/", "d") => "/d".into(),
                ("/d", "loop") => "/d".into(),
                ("/d", "up") => "/".into(),
                ("/d", "sub") => "/d/sub".into(),
                _ => return None,
            };
        }
        Some(cur)
    }
    Arc::new(move |cmd| {
        let (verb, arg) = cmd.split_once(' ').unwrap_or((cmd, ""));
        match verb {
            "PWD" if resolve_pwd => Some(Act::Reply(
                format!("257 \"{}\"\r\n", real(arg).unwrap_or_default()).into_bytes(),
            )),
            "CWD" if real(arg).is_none() => Some(Act::Reply(b"550 no such directory\r\n".to_vec())),
            "LIST" => Some(match real(arg).as_deref() {
                Some("/") => Act::Data(b"drwxr-xr-x 2 u g 0 Nov 21 12:00 d\r\n".to_vec()),
                Some("/d") => Act::Data(
                    b"-rw-r--r-- 1 u g 3 Nov 21 12:00 f.txt\r\n\
                      drwxr-xr-x 2 u g 0 Nov 21 12:00 loop\r\n\
                      drwxr-xr-x 2 u g 0 Nov 21 12:00 up\r\n\
                      drwxr-xr-x 2 u g 0 Nov 21 12:00 sub\r\n"
                        .to_vec(),
                ),
                Some("/d/sub") => Act::Data(b"-rw-r--r-- 1 u g 4 Nov 21 12:00 g.txt\r\n".to_vec()),
                _ => Act::Reply(b"550 no such directory\r\n".to_vec()),
            }),
            "RETR" => {
                let (dir, name) = arg.rsplit_once('/')?;
                Some(match (real(dir).as_deref(), name) {
                    (Some("/d"), "f.txt") => Act::Data(b"fff".to_vec()),
                    (Some("/d/sub"), "g.txt") => Act::Data(b"gggg".to_vec()),
                    _ => Act::Reply(b"550 no such file\r\n".to_vec()),
                })
            }
            _ => None,
        }
    })
}

/// Issue 14.2: a download of a tree whose listing holds links to `.` and `..` reported as
/// directories ends, with both kinds of server: the real files arrive, the looping directories
/// are skipped with the reason on their rows, and nothing fails.
#[tokio::test]
async fn a_download_through_links_to_dot_and_dotdot_ends() {
    for resolve_pwd in [true, false] {
        let port = serve(b"220 ready\r\n", junction_server(resolve_pwd)).await;
        let out = tempfile::tempdir().unwrap();
        let target = out.path().join("d");
        let mut run = Run::start(port, |_| {}, download("/d", &target, JobKind::Dir));
        run.settle().await;
        let case = format!("PWD resolves links: {resolve_pwd}");
        assert_eq!(
            std::fs::read(target.join("f.txt")).unwrap(),
            b"fff",
            "{case}"
        );
        assert_eq!(
            std::fs::read(target.join("sub/g.txt")).unwrap(),
            b"gggg",
            "{case}"
        );
        assert!(
            run.jobs
                .values()
                .all(|j| !matches!(j.state, JobState::Failed { .. })),
            "{case}: {:#?}",
            run.jobs
        );
        let loops: Vec<&Job> = run
            .jobs
            .values()
            .filter(|j| matches!(&j.state, JobState::Skipped { reason } if reason.contains("link")))
            .collect();
        assert!(
            loops.iter().any(|j| j.spec.src.as_ref() == "/d/loop"),
            "{case}: {:#?}",
            run.jobs
        );
        let dirs = run
            .jobs
            .values()
            .filter(|j| j.spec.kind == JobKind::Dir)
            .count();
        assert!(dirs <= 6, "{case}: {dirs} directory jobs: {:#?}", run.jobs);
        // No directory was made for a loop.
        assert!(!target.join("loop").exists(), "{case}");
        run.engine.shutdown().await;
    }
}

/// Issue 14.2, headless: `skiff get` of the same tree ends, exits 0, and names each looping
/// directory it left alone, with the reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skiff_get_names_the_loops_it_left_alone() {
    let port = serve(b"220 ready\r\n", junction_server(false)).await;
    let out = tempfile::tempdir().unwrap();
    let url = format!("ftp://u@127.0.0.1:{port}/d");
    let dir = out.path().to_path_buf();
    let done = tokio::task::spawn_blocking(move || {
        std::process::Command::new(env!("CARGO_BIN_EXE_skiff"))
            .args(["get", "--parallel", "4", &url, "."])
            .current_dir(&dir)
            .env("SKIFF_PASSWORD", "p")
            .output()
            .expect("running skiff")
    });
    let o = tokio::time::timeout(Duration::from_secs(60), done)
        .await
        .expect("skiff get ends")
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "{err}");
    assert!(err.contains("not copied: /d/loop: "), "{err}");
    assert!(err.contains("0 failed"), "{err}");
    assert_eq!(std::fs::read(out.path().join("d/f.txt")).unwrap(), b"fff");
    assert_eq!(
        std::fs::read(out.path().join("d/sub/g.txt")).unwrap(),
        b"gggg"
    );
}

/// Issue 14.6: a listing of few lines but huge names (4,400 names of 61,000 bytes, 256 MiB
/// and more in all) ends in a clean error at the documented limit, not in memory exhaustion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_of_huge_names_is_refused_at_its_byte_limit() {
    let script: Script = Arc::new(|cmd| {
        cmd.starts_with("LIST").then(|| {
            let long = "x".repeat(61_000);
            let mut body = Vec::with_capacity(4_400 * 61_050);
            for i in 0..4_400 {
                body.extend_from_slice(
                    format!("-rw-r--r-- 1 u g 1 Nov 21 12:00 n{i:05}{long}\r\n").as_bytes(),
                );
            }
            Act::Data(body)
        })
    });
    let port = serve(b"220 ready\r\n", script).await;
    let (tap, _rx) = new_tap();
    let mut o = opts(port);
    o.timeout = Duration::from_secs(20);
    assert_eq!(o.max_listing_bytes, skiff::ftp::session::MAX_LISTING_BYTES);
    let mut s = FtpSession::connect(o, tap).await.unwrap();
    match s.list_cwd().await {
        Err(FtpError::Protocol(m)) => {
            assert!(m.contains("more than 256 MiB"), "{m}")
        }
        Ok(v) => panic!("{} entries listed", v.len()),
        Err(other) => panic!("{other:?}"),
    }
}
