//! Commands sent together and downloads asked ahead (`RETR` sent with the end of the download
//! before), against a scripted server that answers in turn the way vsftpd does (it says it is
//! vsftpd: skiff sends commands together only to servers it knows answer in turn). The server
//! serves files from memory and records every line it reads, and where the data connections
//! of its transfers were opened and closed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use skiff::fs::Remote;
use skiff::ftp::{ConnectOptions, FtpSession, LogEvent, LogKind, PathKind, Secret, Tap};
use skiff::transfer::{Direction, EngineCmd, JobKind, JobState};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use crate::common::engine::{Run, config, local, spec};

/// How the scripted server misbehaves.
#[derive(Clone, Copy, PartialEq)]
enum Turn {
    /// Every reply in turn, as vsftpd.
    Polite,
    /// A command read after a download's data is answered before that download's `226`.
    EpsvFirst,
    /// The same, refused as proftpd does during a transfer: `450 … data transfer in progress`.
    BusyFirst,
    /// The second `EPSV` of a session is refused, and a `RETR` with no passive port is never
    /// answered (proftpd after `425 EPSV: Address already in use`).
    SecondEpsvRefused,
    /// The same, and every login after the first is refused (a limit of one connection).
    SecondEpsvRefusedOneLogin,
}

impl Turn {
    fn refuses_second_epsv(self) -> bool {
        matches!(
            self,
            Turn::SecondEpsvRefused | Turn::SecondEpsvRefusedOneLogin
        )
    }
}

struct Script {
    port: u16,
    /// Every line the server read, per session, in order.
    lines: Arc<Mutex<Vec<String>>>,
    /// What uploads stored, by path.
    stored: Stored,
}

type Stored = Arc<Mutex<HashMap<String, Vec<u8>>>>;

impl Script {
    fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }
}

async fn serve(files: HashMap<String, Vec<u8>>, turn: Turn) -> Script {
    let ctrl = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = ctrl.local_addr().unwrap().port();
    let lines = Arc::new(Mutex::new(Vec::new()));
    let files = Arc::new(files);
    let seen = lines.clone();
    let stored = Stored::default();
    let store = stored.clone();
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((sock, _)) = ctrl.accept().await {
            let (files, seen, store) = (files.clone(), seen.clone(), store.clone());
            n += 1;
            let first = n == 1;
            tokio::spawn(async move {
                let _ = session(sock, files, seen, turn, first, store).await;
            });
        }
    });
    Script {
        port,
        lines,
        stored,
    }
}

async fn session(
    sock: tokio::net::TcpStream,
    files: Arc<HashMap<String, Vec<u8>>>,
    seen: Arc<Mutex<Vec<String>>>,
    turn: Turn,
    first: bool,
    store: Stored,
) -> std::io::Result<()> {
    let (r, mut w) = sock.into_split();
    let mut r = BufReader::new(r);
    w.write_all(b"220 (vsFTPd 3.0.3)\r\n").await?;
    let mut passive: Option<TcpListener> = None;
    // Passive ports given up for a newer one, still open and never accepted on (a server
    // that keeps them: a connection to one gets through, and nothing comes).
    let mut given_up: Vec<TcpListener> = Vec::new();
    let mut rest = 0usize;
    let mut epsvs = 0;
    // A 226 not sent yet (`EpsvFirst`: after the reply to the next command).
    let mut owed: Option<&'static [u8]> = None;
    let mut line = String::new();
    loop {
        line.clear();
        if r.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let l = line.trim_end().to_string();
        seen.lock().unwrap().push(l.clone());
        let (verb, arg) = l.split_once(' ').unwrap_or((&l, ""));
        let reply: Vec<u8> = match verb.to_ascii_uppercase().as_str() {
            _ if owed.is_some() && turn == Turn::BusyFirst => {
                format!("450 {verb}: data transfer in progress\r\n").into_bytes()
            }
            "USER" => b"331 pw\r\n".to_vec(),
            "PASS" if !first && turn == Turn::SecondEpsvRefusedOneLogin => {
                b"530 Too many connections for this user\r\n".to_vec()
            }
            "PASS" => b"230 in\r\n".to_vec(),
            "FEAT" => {
                b"211-Features:\r\n EPSV\r\n MDTM\r\n REST STREAM\r\n SIZE\r\n UTF8\r\n211 End\r\n"
                    .to_vec()
            }
            "OPTS" => b"200 Always in UTF8 mode.\r\n".to_vec(),
            "TYPE" => b"200 Switching to Binary mode.\r\n".to_vec(),
            "PWD" => b"257 \"/\" is the current directory\r\n".to_vec(),
            "CWD" if arg == "/" => b"250 ok\r\n".to_vec(),
            "CWD" => b"550 Failed to change directory.\r\n".to_vec(),
            "SIZE" => match files.get(arg) {
                Some(f) => format!("213 {}\r\n", f.len()).into_bytes(),
                None => b"550 Could not get file size.\r\n".to_vec(),
            },
            "MDTM" => match files.get(arg) {
                Some(_) => b"213 20260102030405\r\n".to_vec(),
                None => b"550 Could not get file modification time.\r\n".to_vec(),
            },
            "REST" => {
                rest = arg.parse().unwrap_or(0);
                b"350 Restart position accepted.\r\n".to_vec()
            }
            "EPSV" if turn.refuses_second_epsv() && epsvs == 1 => {
                epsvs += 1;
                given_up.extend(passive.take());
                b"425 EPSV: Address already in use\r\n".to_vec()
            }
            "EPSV" => {
                epsvs += 1;
                let l = TcpListener::bind("127.0.0.1:0").await?;
                let p = l.local_addr()?.port();
                given_up.extend(passive.replace(l));
                format!("229 Entering Extended Passive Mode (|||{p}|)\r\n").into_bytes()
            }
            "LIST" => {
                let mut d = match data_connection(passive.take()).await {
                    Ok(d) => d,
                    Err(refusal) => {
                        w.write_all(refusal).await?;
                        continue;
                    }
                };
                w.write_all(b"150 Here comes the directory listing.\r\n")
                    .await?;
                for name in files.keys() {
                    let line = format!("-rw-r--r-- 1 u g 5 Nov 21 12:00 {}\r\n", &name[1..]);
                    d.write_all(line.as_bytes()).await?;
                }
                drop(d);
                b"226 Directory send OK.\r\n".to_vec()
            }
            "STOR" => {
                let mut d = match data_connection(passive.take()).await {
                    Ok(d) => d,
                    Err(refusal) => {
                        w.write_all(refusal).await?;
                        continue;
                    }
                };
                w.write_all(b"150 Ok to send data.\r\n").await?;
                let mut got = Vec::new();
                d.read_to_end(&mut got).await?;
                store.lock().unwrap().insert(arg.to_string(), got);
                b"226 Transfer complete.\r\n".to_vec()
            }
            "RETR" if passive.is_none() && turn.refuses_second_epsv() => {
                // Waits for a data connection that cannot come.
                std::future::pending::<()>().await;
                continue;
            }
            "RETR" => {
                // As vsftpd: no port is a 425, a missing file a 550 (its port given up).
                let f = files.get(arg);
                if passive.is_some() && f.is_none() {
                    passive = None;
                    w.write_all(b"550 Failed to open file.\r\n").await?;
                    continue;
                }
                let mut d = match data_connection(passive.take()).await {
                    Ok(d) => d,
                    Err(refusal) => {
                        w.write_all(refusal).await?;
                        continue;
                    }
                };
                let f = f.expect("checked above");
                w.write_all(b"150 Opening BINARY mode data connection.\r\n")
                    .await?;
                let from = std::mem::take(&mut rest).min(f.len());
                let sent = d.write_all(&f[from..]).await.is_ok() && d.shutdown().await.is_ok();
                // As vsftpd: the final reply once the client has closed its side.
                let mut sink = [0u8; 512];
                let closed = tokio::time::timeout(Duration::from_secs(5), async {
                    while matches!(d.read(&mut sink).await, Ok(n) if n > 0) {}
                })
                .await
                .is_ok();
                let end: &'static [u8] = if sent && closed {
                    b"226 Transfer complete.\r\n"
                } else {
                    b"426 Failure writing network stream.\r\n"
                };
                if turn == Turn::EpsvFirst || turn == Turn::BusyFirst {
                    owed = Some(end);
                    continue;
                }
                end.to_vec()
            }
            "QUIT" => {
                w.write_all(b"221 Goodbye.\r\n").await?;
                return Ok(());
            }
            _ => b"502 no\r\n".to_vec(),
        };
        w.write_all(&reply).await?;
        if let Some(end) = owed.take() {
            w.write_all(end).await?;
        }
    }
}

/// The data connection of a transfer: the client's connection to the passive port, or the
/// refusal to send (no port asked, or nobody connected in time).
async fn data_connection(
    passive: Option<TcpListener>,
) -> Result<tokio::net::TcpStream, &'static [u8]> {
    let Some(l) = passive else {
        return Err(b"425 Use PORT or PASV first.\r\n");
    };
    match tokio::time::timeout(Duration::from_secs(5), l.accept()).await {
        Ok(Ok((d, _))) => Ok(d),
        _ => Err(b"425 Failed to establish connection.\r\n"),
    }
}

fn files() -> HashMap<String, Vec<u8>> {
    (0..6)
        .map(|i| {
            let body: Vec<u8> = (0..1000 * (i + 1)).map(|b| (b * 7 + i) as u8).collect();
            (format!("/f{i}.bin"), body)
        })
        .collect()
}

fn opts(port: u16) -> ConnectOptions {
    let mut o = ConnectOptions::new("127.0.0.1", port, Some("u"), Some(Secret::new("p")));
    o.timeout = Duration::from_secs(10);
    o
}

async fn connect(port: u16) -> (FtpSession, mpsc::UnboundedReceiver<LogEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    let s = FtpSession::connect(opts(port), Tap::new("t", tx))
        .await
        .unwrap();
    (s, rx)
}

async fn read_all(s: &mut FtpSession, path: &str, next: Option<&str>) -> Vec<u8> {
    let mut stream = Remote::open_read(s, path, 0).await.unwrap();
    let mut got = Vec::new();
    stream.read_to_end(&mut got).await.unwrap();
    if let Some(n) = next {
        assert!(s.reads_ahead(), "a server that answers in turn");
        s.read_next(n);
    }
    Remote::finish(s, stream).await.unwrap();
    got
}

#[tokio::test]
async fn the_login_and_a_probe_go_out_together_and_read_right() {
    let files = files();
    let server = serve(files.clone(), Turn::Polite).await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut s = FtpSession::connect(opts(server.port), Tap::new("t", tx))
        .await
        .unwrap();
    assert_eq!(s.cwd(), "/");
    assert_eq!(
        s.probe("/f2.bin").await.unwrap(),
        PathKind::File {
            size: Some(3000),
            mtime: Some(1_767_323_045),
        }
    );
    assert_eq!(s.probe("/").await.unwrap(), PathKind::Dir);
    assert_eq!(
        s.probe("/nothing").await.unwrap(),
        PathKind::File {
            size: None,
            mtime: None
        }
    );
    // CWD and PWD together: the directory entered, or the refusal with the session in step.
    assert_eq!(s.cwd_to("/").await.unwrap(), "/");
    let err = s.cwd_to("/nope").await.expect_err("no such directory");
    assert_eq!(err.code(), Some(550), "{err}");
    assert_eq!(s.pwd().await.unwrap(), "/");
    assert_eq!(
        s.probe("/f1.bin").await.unwrap(),
        PathKind::File {
            size: Some(2000),
            mtime: Some(1_767_323_045),
        }
    );
    // The log shows the commands as sent, before their replies.
    let mut log = Vec::new();
    while let Ok(e) = rx.try_recv() {
        log.push(e);
    }
    let kinds: Vec<String> = log
        .iter()
        .filter(|e| matches!(e.kind, LogKind::Command | LogKind::Reply { .. }))
        .map(|e| e.text.clone())
        .collect();
    let at = kinds.iter().position(|t| t == "OPTS UTF8 ON").unwrap();
    assert_eq!(kinds[at + 1], "TYPE I");
    assert_eq!(kinds[at + 2], "PWD");
    assert!(kinds[at + 3].starts_with("200 "), "{kinds:?}");
    let at = kinds.iter().position(|t| t == "CWD /f2.bin").unwrap();
    assert_eq!(kinds[at + 1], "SIZE /f2.bin");
    assert_eq!(kinds[at + 2], "MDTM /f2.bin");
    assert!(kinds[at + 3].starts_with("550 "), "{kinds:?}");
    assert_eq!(kinds[at + 4], "213 3000");
}

#[tokio::test]
async fn a_download_asked_ahead_is_read_when_it_comes_and_settled_when_it_does_not() {
    let files = files();
    let server = serve(files.clone(), Turn::Polite).await;
    let (mut s, mut rx) = connect(server.port).await;

    // Asked ahead and taken: byte-exact, and its RETR went out before the 226 before it.
    assert_eq!(
        read_all(&mut s, "/f0.bin", Some("/f1.bin")).await,
        files["/f0.bin"]
    );
    assert_eq!(
        read_all(&mut s, "/f1.bin", Some("/f2.bin")).await,
        files["/f1.bin"]
    );
    let lines = server.lines();
    let retr1 = lines.iter().position(|l| l == "RETR /f1.bin").unwrap();
    assert_eq!(lines[retr1 - 1], "EPSV");
    assert_eq!(
        lines.iter().filter(|l| l.starts_with("EPSV")).count(),
        3,
        "no EPSV but the ones asked ahead: {lines:?}"
    );
    let log: Vec<LogEvent> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    let texts: Vec<&str> = log.iter().map(|e| e.text.as_str()).collect();
    let sent = texts.iter().position(|t| *t == "RETR /f1.bin").unwrap();
    let done0 = texts.iter().position(|t| t.starts_with("226 ")).unwrap();
    assert!(
        sent < done0,
        "RETR of the next file before the 226: {texts:?}"
    );

    // Asked ahead (f2), but another command comes first: the download is opened and closed
    // (the server said 150, then 226 or 426), the command gets its own reply.
    assert_eq!(Remote::size(&mut s, "/f3.bin").await.unwrap(), Some(4000));
    let log: Vec<LogEvent> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert!(
        log.iter()
            .any(|e| e.kind == LogKind::Info && e.text.contains("asked ahead is not needed")),
        "{log:?}"
    );
    // The same file, now read for real from an offset: a fresh RETR with REST.
    let mut stream = Remote::open_read(&mut s, "/f2.bin", 100).await.unwrap();
    let mut got = Vec::new();
    stream.read_to_end(&mut got).await.unwrap();
    assert_eq!(got, files["/f2.bin"][100..]);
    s.read_next("/missing.bin");
    Remote::finish(&mut s, stream).await.unwrap();

    // Asked ahead for a file that is not there: the download's error, the session in step.
    let err = match Remote::open_read(&mut s, "/missing.bin", 0).await {
        Ok(_) => panic!("a missing file opened"),
        Err(e) => e,
    };
    assert_eq!(err.code(), Some(550), "{err}");
    assert_eq!(
        read_all(&mut s, "/f4.bin", Some("/f5.bin")).await,
        files["/f4.bin"]
    );
    // Asked ahead and never taken: QUIT still gets its answer.
    tokio::time::timeout(Duration::from_secs(5), s.quit())
        .await
        .expect("QUIT in time");
    let lines = server.lines();
    assert_eq!(lines.last().map(String::as_str), Some("QUIT"), "{lines:?}");
    assert!(lines.contains(&"RETR /f5.bin".to_string()));
}

#[tokio::test]
async fn a_server_that_answers_out_of_turn_is_not_asked_ahead_again() {
    let files = files();
    let server = serve(files.clone(), Turn::EpsvFirst).await;
    let (mut s, _rx) = connect(server.port).await;
    let mut stream = Remote::open_read(&mut s, "/f0.bin", 0).await.unwrap();
    let mut got = Vec::new();
    stream.read_to_end(&mut got).await.unwrap();
    s.read_next("/f1.bin");
    let err = Remote::finish(&mut s, stream)
        .await
        .expect_err("out of turn");
    assert!(err.to_string().contains("cannot be told apart"), "{err}");
    // A new connection to the same server downloads in turn, without asking ahead.
    let (mut s, _rx) = connect(server.port).await;
    for f in ["/f1.bin", "/f2.bin", "/f3.bin"] {
        assert_eq!(read_all(&mut s, f, Some("/f4.bin")).await, files[f]);
    }
    let lines = server.lines();
    assert_eq!(
        lines.iter().filter(|l| *l == "RETR /f4.bin").count(),
        0,
        "{lines:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_asks_each_next_download_ahead_and_copies_every_byte() {
    let files = files();
    let server = serve(files.clone(), Turn::Polite).await;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(server.port, 1);
    cfg.connect = opts(server.port);
    let mut run = Run::start(cfg);
    // A file already there (the policy overwrites it): not asked ahead, and still right.
    std::fs::write(dir.path().join("f3.bin"), b"old").unwrap();
    let specs: Vec<_> = (0..6)
        .map(|i| {
            let mut s = spec(
                Direction::Download,
                JobKind::File,
                format!("/f{i}.bin"),
                local(&dir.path().join(format!("f{i}.bin"))),
            );
            // Sizes known, as a listing gives them (else SIZE follows each download).
            s.size = Some(files[&format!("/f{i}.bin")].len() as u64);
            s
        })
        .collect();
    run.engine.send(EngineCmd::Enqueue(specs));
    run.until_settled().await;
    for j in run.jobs.values() {
        assert_eq!(j.state, JobState::Done, "{:?}", run.states());
    }
    for i in 0..6 {
        let name = format!("f{i}.bin");
        assert_eq!(
            std::fs::read(dir.path().join(&name)).unwrap(),
            files[&format!("/{name}")],
            "{name}"
        );
    }
    run.engine.shutdown().await;
    while let Ok(l) = run.log_rx.try_recv() {
        run.log.push(l);
    }
    // A RETR sent ahead follows its EPSV with no reply between (the 226 before it and the
    // 229 come after both): f1, f2, f4 and f5 (f3 had a file in the way).
    let cmds: Vec<(bool, &str)> = run
        .log
        .iter()
        .filter(|e| e.tag.as_ref() == "xfer-1")
        .filter_map(|e| match e.kind {
            LogKind::Command => Some((true, e.text.as_str())),
            LogKind::Reply { .. } => Some((false, e.text.as_str())),
            _ => None,
        })
        .collect();
    let ahead: Vec<&str> = cmds
        .windows(2)
        .filter(|w| w[0] == (true, "EPSV") && w[1].0 && w[1].1.starts_with("RETR "))
        .map(|w| w[1].1)
        .collect();
    assert_eq!(
        ahead,
        [
            "RETR /f1.bin",
            "RETR /f2.bin",
            "RETR /f4.bin",
            "RETR /f5.bin"
        ],
        "{cmds:?}"
    );
    let retrs = server
        .lines()
        .iter()
        .filter(|l| l.starts_with("RETR"))
        .count();
    assert_eq!(retrs, 6);
}

#[tokio::test]
async fn a_port_asked_ahead_is_not_used_after_another_transfer() {
    let files = files();
    let server = serve(files.clone(), Turn::Polite).await;
    let (mut s, _rx) = connect(server.port).await;
    // The end of f0 asks the next port ahead; a listing then takes a port of its own, and the
    // server keeps the first one open without ever accepting on it again.
    assert_eq!(read_all(&mut s, "/f0.bin", None).await, files["/f0.bin"]);
    let mut entries = Vec::new();
    Remote::list_into(&mut s, "/", &mut entries).await.unwrap();
    assert_eq!(entries.len(), files.len());
    // The next download asks its own port: it reads its file, not a stall or a 425.
    let got = tokio::time::timeout(Duration::from_secs(5), read_all(&mut s, "/f1.bin", None))
        .await
        .expect("not stalled on a port given up");
    assert_eq!(got, files["/f1.bin"]);
    let lines = server.lines();
    let retr = lines.iter().position(|l| l == "RETR /f1.bin").unwrap();
    assert_eq!(lines[retr - 1], "EPSV", "{lines:?}");
}

#[tokio::test]
async fn a_refused_port_with_a_download_asked_ahead_means_a_new_login_not_a_wait() {
    let files = files();
    let server = serve(files.clone(), Turn::SecondEpsvRefused).await;
    let (mut s, mut rx) = connect(server.port).await;
    // f0's end asks EPSV (refused) and RETR f1 (which the server would wait on for good).
    assert_eq!(
        read_all(&mut s, "/f0.bin", Some("/f1.bin")).await,
        files["/f0.bin"]
    );
    let got = tokio::time::timeout(Duration::from_secs(5), read_all(&mut s, "/f1.bin", None))
        .await
        .expect("no wait for a reply that never comes");
    assert_eq!(got, files["/f1.bin"]);
    let log: Vec<LogEvent> = std::iter::from_fn(|| rx.try_recv().ok()).collect();
    assert!(
        log.iter()
            .any(|e| e.kind == LogKind::Warn && e.text.contains("logging in again")),
        "{log:?}"
    );
    let logins = server
        .lines()
        .iter()
        .filter(|l| l.starts_with("USER"))
        .count();
    assert_eq!(logins, 2);
}

#[tokio::test]
async fn a_new_login_refused_after_a_refused_port_leaves_no_session_to_reuse() {
    let files = files();
    let server = serve(files.clone(), Turn::SecondEpsvRefusedOneLogin).await;
    let (mut s, _rx) = connect(server.port).await;
    assert_eq!(
        read_all(&mut s, "/f0.bin", Some("/f1.bin")).await,
        files["/f0.bin"]
    );
    // The new login is refused: the old connection still has a RETR the server waits on, so
    // the error is one of the connection (the caller drops it), not a reply it could go on
    // after.
    let err = match Remote::open_read(&mut s, "/f1.bin", 0).await {
        Ok(_) => panic!("opened"),
        Err(e) => e,
    };
    assert_eq!(err.code(), None, "{err}");
    assert!(err.to_string().contains("logging in again"), "{err}");
}

#[tokio::test]
async fn a_name_the_servers_encoding_cannot_carry_is_not_asked_ahead() {
    let files = files();
    let server = serve(files.clone(), Turn::Polite).await;
    let mut o = opts(server.port);
    o.encoding = skiff::ftp::encoding::by_label("latin1").unwrap();
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut s = FtpSession::connect(o, Tap::new("t", tx)).await.unwrap();
    // The download before it ends well; the one named in Chinese is not sent ahead.
    assert_eq!(
        read_all(&mut s, "/f0.bin", Some("/数据.bin")).await,
        files["/f0.bin"]
    );
    let lines = server.lines();
    let retrs = lines.iter().filter(|l| l.starts_with("RETR")).count();
    assert_eq!(retrs, 1, "{lines:?}");
}

#[tokio::test]
async fn an_upload_asks_the_next_port_with_its_end() {
    let server = serve(files(), Turn::Polite).await;
    let (mut s, mut rx) = connect(server.port).await;
    for (name, body) in [("/u1.bin", vec![1u8; 5000]), ("/u2.bin", vec![2u8; 7000])] {
        let mut w = Remote::open_write(&mut s, name, skiff::fs::WriteAt::Start)
            .await
            .unwrap();
        w.write_all(&body).await.unwrap();
        Remote::finish(&mut s, w).await.unwrap();
        assert_eq!(
            server.stored.lock().unwrap().get(name),
            Some(&body),
            "{name}"
        );
    }
    // The EPSV for u2 went out before u1's 226 came; u2 asked no EPSV of its own.
    let texts: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok())
        .filter(|e| matches!(e.kind, LogKind::Command | LogKind::Reply { .. }))
        .map(|e| e.text)
        .collect();
    let stor1 = texts.iter().position(|t| t == "STOR /u1.bin").unwrap();
    let done1 = stor1
        + texts[stor1..]
            .iter()
            .position(|t| t.starts_with("226"))
            .unwrap();
    assert_eq!(texts[done1 - 1], "EPSV", "{texts:?}");
    let stor2 = texts.iter().position(|t| t == "STOR /u2.bin").unwrap();
    assert_eq!(
        texts[done1..stor2].iter().filter(|t| *t == "EPSV").count(),
        0,
        "{texts:?}"
    );
}

#[tokio::test]
async fn a_port_refused_during_the_transfer_leaves_the_transfer_done() {
    let files = files();
    let server = serve(files.clone(), Turn::BusyFirst).await;
    let (mut s, _rx) = connect(server.port).await;
    // f0's end asks EPSV ahead, refused before f0's 226: f0 is done, and f1 asks its own.
    assert_eq!(read_all(&mut s, "/f0.bin", None).await, files["/f0.bin"]);
    assert_eq!(read_all(&mut s, "/f1.bin", None).await, files["/f1.bin"]);
}
