//! Names that are not valid UTF-8 (Latin-1 and GBK bytes on a server, or on the local disk)
//! are shown lossily but listed, downloaded and uploaded with their original bytes.

#![cfg(unix)]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use skiff::ftp::{ConnectOptions, FtpSession, Secret, Tap};
use skiff::transfer::{
    Direction, Engine, EngineCmd, EngineConfig, EngineEvent, JobKind, JobSpec, OnExists,
};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

const LATIN1: &[u8] = b"caf\xe9.txt";
const GBK: &[u8] = b"\xc4\xe3\xba\xc3.txt";

/// What the server saw: every command line as raw bytes, and the bytes of every upload.
#[derive(Default)]
struct Seen {
    commands: Vec<Vec<u8>>,
    uploads: Vec<(Vec<u8>, Vec<u8>)>,
}

/// A server whose `/d` holds a Latin-1 and a GBK name, byte for byte.
async fn serve(seen: Arc<Mutex<Seen>>) -> u16 {
    let ctrl = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = ctrl.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((sock, _)) = ctrl.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 ready\r\n").await.unwrap();
                let mut data: Option<TcpListener> = None;
                let mut line = Vec::new();
                loop {
                    line.clear();
                    if r.read_until(b'\n', &mut line).await.unwrap_or(0) == 0 {
                        return;
                    }
                    let cmd = line.strip_suffix(b"\r\n").unwrap_or(&line).to_vec();
                    seen.lock().unwrap().commands.push(cmd.clone());
                    let verb = String::from_utf8_lossy(cmd.split(|&b| b == b' ').next().unwrap())
                        .to_ascii_uppercase();
                    let arg = cmd.splitn(2, |&b| b == b' ').nth(1).unwrap_or(b"").to_vec();
                    let reply: Vec<u8> = match verb.as_str() {
                        "USER" => b"331 pw\r\n".to_vec(),
                        "PASS" => b"230 in\r\n".to_vec(),
                        "FEAT" => b"211-Features:\r\n SIZE\r\n211 End\r\n".to_vec(),
                        "TYPE" | "OPTS" => b"200 ok\r\n".to_vec(),
                        "PWD" => b"257 \"/\"\r\n".to_vec(),
                        "CWD" => b"250 ok\r\n".to_vec(),
                        "MKD" => b"257 made\r\n".to_vec(),
                        "SIZE" => b"550 no such file\r\n".to_vec(),
                        "PASV" => {
                            let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
                            let p = l.local_addr().unwrap().port();
                            data = Some(l);
                            format!(
                                "227 Entering Passive Mode (127,0,0,1,{},{})\r\n",
                                p >> 8,
                                p & 255
                            )
                            .into_bytes()
                        }
                        "LIST" | "RETR" | "STOR" => {
                            let Some(l) = data.take() else {
                                w.write_all(b"425 PASV first\r\n").await.unwrap();
                                continue;
                            };
                            let body: Option<Vec<u8>> = match verb.as_str() {
                                "LIST" => {
                                    let mut b = Vec::new();
                                    for name in [LATIN1, GBK] {
                                        b.extend_from_slice(b"-rw-r--r-- 1 u g 3 Nov 21 12:00 ");
                                        b.extend_from_slice(name);
                                        b.extend_from_slice(b"\r\n");
                                    }
                                    Some(b)
                                }
                                "RETR" if arg == [b"/d/", LATIN1].concat() => Some(b"abc".to_vec()),
                                "RETR" if arg == [b"/d/", GBK].concat() => Some(b"xyz".to_vec()),
                                "RETR" => None,
                                _ => Some(Vec::new()),
                            };
                            let Some(body) = body else {
                                w.write_all(b"550 no such file\r\n").await.unwrap();
                                continue;
                            };
                            w.write_all(b"150 here\r\n").await.unwrap();
                            let (mut d, _) = l.accept().await.unwrap();
                            if verb == "STOR" {
                                let mut got = Vec::new();
                                d.read_to_end(&mut got).await.unwrap();
                                seen.lock().unwrap().uploads.push((arg.clone(), got));
                            } else {
                                d.write_all(&body).await.unwrap();
                                d.shutdown().await.unwrap();
                            }
                            drop(d);
                            b"226 done\r\n".to_vec()
                        }
                        "QUIT" => {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"502 no\r\n".to_vec(),
                    };
                    if w.write_all(&reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

/// Copy a directory tree (`src` and `dst` as skiff keeps paths).
fn dir_job(direction: Direction, src: impl Into<String>, dst: impl Into<String>) -> JobSpec {
    JobSpec {
        direction,
        kind: JobKind::Dir,
        src: src.into().into(),
        dst: dst.into().into(),
        size: None,
        mtime: None,
        is_move: false,
    }
}

fn opts(port: u16) -> ConnectOptions {
    let mut o = ConnectOptions::new("127.0.0.1", port, Some("u"), Some(Secret::new("p")));
    o.timeout = Duration::from_secs(5);
    o
}

async fn run(port: u16, spec: JobSpec) {
    run_with(opts(port), spec).await
}

async fn run_with(o: ConnectOptions, spec: JobSpec) {
    let mut cfg = EngineConfig::new(o);
    cfg.parallel = 2;
    cfg.max_attempts = 1;
    cfg.on_exists = OnExists::Overwrite;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let engine = Engine::start(cfg, tx, None);
    engine.send(EngineCmd::Enqueue(vec![spec]));
    tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(e) = rx.recv().await {
            if let EngineEvent::Changed(j) = &e
                && let skiff::transfer::JobState::Failed { reason, .. } = &j.state
            {
                panic!("{} failed: {reason}", j.spec.src);
            }
            if matches!(e, EngineEvent::Idle) {
                break;
            }
        }
    })
    .await
    .expect("the run ends");
    engine.shutdown().await;
}

#[tokio::test]
async fn non_utf8_names_are_listed_shown_lossily_and_downloaded_with_their_bytes() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let port = serve(seen.clone()).await;
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut s = FtpSession::connect(opts(port), Tap::new("browse", tx))
        .await
        .unwrap();
    s.cwd_to("/d").await.unwrap();
    let entries = s.list_cwd().await.unwrap();
    let shown: Vec<String> = entries
        .iter()
        .map(|e| skiff::names::display(&e.name).into_owned())
        .collect();
    assert!(shown.contains(&"caf\u{fffd}.txt".to_string()), "{shown:?}");
    assert!(entries.iter().any(|e| skiff::names::encode(&e.name) == GBK));
    s.quit().await;

    let out = tempfile::tempdir().unwrap();
    run(
        port,
        dir_job(
            Direction::Download,
            "/d",
            out.path().join("d").to_string_lossy(),
        ),
    )
    .await;
    let d = out.path().join("d");
    assert_eq!(
        std::fs::read(d.join(OsStr::from_bytes(LATIN1))).unwrap(),
        b"abc"
    );
    assert_eq!(
        std::fs::read(d.join(OsStr::from_bytes(GBK))).unwrap(),
        b"xyz"
    );
    let retrs: Vec<Vec<u8>> = seen
        .lock()
        .unwrap()
        .commands
        .iter()
        .filter(|c| c.starts_with(b"RETR "))
        .cloned()
        .collect();
    assert!(retrs.contains(&[b"RETR /d/".as_slice(), LATIN1].concat()));
}

#[tokio::test]
async fn a_local_name_that_is_not_utf8_is_uploaded_with_its_bytes() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let port = serve(seen.clone()).await;
    let src = tempfile::tempdir().unwrap();
    let dir = src.path().join("up");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join(OsStr::from_bytes(LATIN1)), b"latin").unwrap();
    run(
        port,
        dir_job(Direction::Upload, dir.to_string_lossy(), "/up"),
    )
    .await;
    let uploads = &seen.lock().unwrap().uploads;
    assert_eq!(
        uploads.as_slice(),
        &[([b"/up/".as_slice(), LATIN1].concat(), b"latin".to_vec())]
    );
}

#[tokio::test]
async fn a_gbk_server_shows_real_names_and_gets_its_own_bytes_back() {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let port = serve(seen.clone()).await;
    let mut o = opts(port);
    o.encoding = skiff::ftp::encoding::by_label("gbk").unwrap();
    let (tx, _rx) = mpsc::unbounded_channel();
    let mut s = FtpSession::connect(o.clone(), Tap::new("browse", tx))
        .await
        .unwrap();
    s.cwd_to("/d").await.unwrap();
    let mut names: Vec<String> = s
        .list_cwd()
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.name)
        .collect();
    names.sort();
    // The GBK name reads as what it is; the Latin-1 one is not GBK and keeps its bytes.
    assert!(names.contains(&"你好.txt".to_string()), "{names:?}");
    assert!(
        names.iter().any(|n| skiff::names::encode(n) == LATIN1),
        "{names:?}"
    );
    s.quit().await;

    let out = tempfile::tempdir().unwrap();
    run_with(
        o.clone(),
        dir_job(
            Direction::Download,
            "/d",
            out.path().join("d").to_string_lossy(),
        ),
    )
    .await;
    // Locally the name is UTF-8, as everything else on this disk.
    assert_eq!(
        std::fs::read(out.path().join("d/你好.txt")).unwrap(),
        b"xyz"
    );
    assert_eq!(
        std::fs::read(out.path().join("d").join(OsStr::from_bytes(LATIN1))).unwrap(),
        b"abc"
    );
    // And a local UTF-8 name goes up in GBK.
    let src = tempfile::tempdir().unwrap();
    std::fs::create_dir(src.path().join("up")).unwrap();
    std::fs::write(src.path().join("up/你好.txt"), b"ni hao").unwrap();
    run_with(
        o,
        dir_job(
            Direction::Upload,
            src.path().join("up").to_string_lossy(),
            "/up",
        ),
    )
    .await;
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.uploads.as_slice(),
        &[([b"/up/".as_slice(), GBK].concat(), b"ni hao".to_vec())]
    );
    assert!(!seen.commands.iter().any(|c| c.starts_with(b"OPTS UTF8")));
}
