//! The FTP layer against the in-process server (the same libunftp server as `--demo`), plus a
//! scripted hostile server for what a well-behaved one never sends.

use std::time::Duration;

use skiff::demo::{self, DemoOptions};
use skiff::fs::{EntryKind, FileSystem};
use skiff::ftp::{ConnectOptions, FtpError, FtpSession, LogEvent, LogKind, Secret, Tap};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

fn opts(port: u16, user: &str, pass: &str) -> ConnectOptions {
    let mut o = ConnectOptions::new("127.0.0.1", port, Some(user), Some(Secret::new(pass)));
    o.timeout = Duration::from_secs(10);
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

fn names(entries: &[skiff::fs::Entry]) -> Vec<String> {
    let mut v: Vec<String> = entries.iter().map(|e| e.name.clone()).collect();
    v.sort();
    v
}

#[tokio::test]
async fn login_sequence_is_logged_with_the_password_masked() {
    let server = demo::start(DemoOptions::default()).await.unwrap();
    let (tap, mut rx) = tap();
    let s = FtpSession::connect(opts(server.port, "demo", "demo"), tap)
        .await
        .unwrap();
    assert_eq!(s.cwd(), "/");
    assert!(
        s.uses_mlsd(),
        "libunftp advertises MLST: {:?}",
        s.features()
    );
    let log = drain(&mut rx);
    let commands: Vec<&str> = log
        .iter()
        .filter(|e| e.kind == LogKind::Command)
        .map(|e| e.text.as_str())
        .collect();
    assert_eq!(
        commands,
        [
            "USER demo",
            "PASS ****",
            "FEAT",
            "OPTS UTF8 ON",
            "TYPE I",
            "PWD"
        ]
    );
    assert!(log.iter().all(|e| e.tag.as_ref() == "browse"));
    let codes: Vec<u16> = log
        .iter()
        .filter_map(|e| match e.kind {
            LogKind::Reply { code, last: true } => Some(code),
            _ => None,
        })
        .collect();
    for code in [220, 331, 230, 211, 200, 257] {
        assert!(codes.contains(&code), "{code} missing from {codes:?}");
    }
    // FEAT's continuation lines are in the log too.
    assert!(log.iter().any(|e| e.text.contains("MLST")));
    assert!(!log.iter().any(|e| e.text.contains("PASS demo")));
    s.quit().await;
}

#[tokio::test]
async fn wrong_password_is_a_530_error() {
    let server = demo::start(DemoOptions::default()).await.unwrap();
    let (tap, mut rx) = tap();
    let err = match FtpSession::connect(opts(server.port, "demo", "nope"), tap).await {
        Err(e) => e,
        Ok(_) => panic!("logged in with a wrong password"),
    };
    assert_eq!(err.code(), Some(530), "{err:?}");
    assert!(!err.to_string().contains("nope"));
    let log = drain(&mut rx);
    assert!(log.iter().any(|e| e.kind
        == LogKind::Reply {
            code: 530,
            last: true
        }));
    assert!(!log.iter().any(|e| e.text.contains("nope")));
}

#[tokio::test]
async fn mlsd_and_list_agree_and_cwd_cdup_pwd_work() {
    let server = demo::start(DemoOptions::default()).await.unwrap();
    let (tap, _rx) = tap();
    let mut s = FtpSession::connect(opts(server.port, "demo", "demo"), tap)
        .await
        .unwrap();

    let mlsd = s.list_cwd().await.unwrap();
    for (name, kind) in [
        ("dir with spaces", EntryKind::Dir),
        ("数据", EntryKind::Dir),
        ("README.txt", EntryKind::File),
        ("big", EntryKind::Dir),
    ] {
        let e = mlsd
            .iter()
            .find(|e| e.name == name)
            .unwrap_or_else(|| panic!("{name} missing"));
        assert_eq!(e.kind, kind, "{name}");
        assert!(e.mtime.is_some(), "{name} has a time");
    }
    s.set_use_mlsd(false);
    let list = s.list_cwd().await.unwrap();
    assert_eq!(names(&mlsd), names(&list));
    let readme = list.iter().find(|e| e.name == "README.txt").unwrap();
    let on_disk = std::fs::metadata(server.root.join("README.txt"))
        .unwrap()
        .len();
    assert_eq!(readme.size, on_disk);

    for mlsd_on in [true, false] {
        s.set_use_mlsd(mlsd_on);
        assert_eq!(
            s.cwd_to("dir with spaces").await.unwrap(),
            "/dir with spaces"
        );
        let inner = s.list_cwd().await.unwrap();
        assert_eq!(names(&inner), ["another file.log", "hello world.txt"]);
        let hello = inner.iter().find(|e| e.name == "hello world.txt").unwrap();
        assert_eq!(hello.size, 13);
        assert_eq!(s.cdup().await.unwrap(), "/");
        assert_eq!(s.cwd_to("/数据").await.unwrap(), "/数据");
        let cjk = s.list_cwd().await.unwrap();
        assert_eq!(names(&cjk), ["图片说明.md", "报告 2026.txt"]);
        assert_eq!(s.pwd().await.unwrap(), "/数据");
        assert_eq!(s.cdup().await.unwrap(), "/");
    }

    // A missing directory is a 550 and the session stays usable.
    let err = s.cwd_to("/no such dir").await.unwrap_err();
    assert_eq!(err.code(), Some(550), "{err:?}");
    assert!(!err.is_connection_lost());
    assert_eq!(s.pwd().await.unwrap(), "/");
    s.quit().await;
}

#[tokio::test]
async fn file_system_trait_over_ftp() {
    let root = tempfile::tempdir().unwrap();
    let server = demo::start(DemoOptions {
        root: Some(root.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let (tap, _rx) = tap();
    let mut s = FtpSession::connect(opts(server.port, "demo", "demo"), tap)
        .await
        .unwrap();
    let dir = s.join("/", "new dir").unwrap();
    s.mkdir(&dir).await.unwrap();
    assert!(root.path().join("new dir").is_dir());
    std::fs::write(root.path().join("new dir/a.txt"), b"x").unwrap();
    let listing = s.list(&dir).await.unwrap();
    assert_eq!(listing.path, "/new dir");
    assert_eq!(names(&listing.entries), ["a.txt"]);
    s.rename("/new dir/a.txt", "/new dir/b.txt").await.unwrap();
    assert!(root.path().join("new dir/b.txt").is_file());
    s.remove_file("/new dir/b.txt").await.unwrap();
    s.cwd_to("/").await.unwrap();
    s.remove_dir("/new dir").await.unwrap();
    assert!(!root.path().join("new dir").exists());
    assert!(s.join("/", "../etc").is_err());
    assert!(s.join("/", "a/b").is_err());
}

#[tokio::test]
async fn control_line_injection_never_reaches_the_server() {
    let server = demo::start(DemoOptions::default()).await.unwrap();
    let (tap, mut rx) = tap();
    let mut s = FtpSession::connect(opts(server.port, "demo", "demo"), tap)
        .await
        .unwrap();
    drain(&mut rx);
    let err = s.cwd_to("x\r\nDELE README.txt").await.unwrap_err();
    assert!(matches!(err, FtpError::Unsafe(_)), "{err:?}");
    assert!(drain(&mut rx).is_empty(), "nothing was sent");
    assert!(server.root.join("README.txt").exists());
}

/// A scripted server: answers the login sequence, then serves one LIST with hostile lines
/// through a PASV reply that names a foreign address.
async fn hostile_server(listing: &'static [u8], stall_after_pasv: bool) -> u16 {
    let ctrl = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = ctrl.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (sock, _) = ctrl.accept().await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220-hostile\r\n220 \x1b[2Jready\r\n")
            .await
            .unwrap();
        let data = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let dport = data.local_addr().unwrap().port();
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let cmd = line.trim_end().to_ascii_uppercase();
            let reply: Vec<u8> = if cmd.starts_with("USER") {
                b"331 pw\r\n".to_vec()
            } else if cmd.starts_with("PASS") {
                b"230 in\r\n".to_vec()
            } else if cmd.starts_with("FEAT") {
                b"211-Features:\r\n SIZE\r\n211 End\r\n".to_vec()
            } else if cmd.starts_with("TYPE") {
                b"200 ok\r\n".to_vec()
            } else if cmd.starts_with("PWD") {
                b"257 \"/\"\r\n".to_vec()
            } else if cmd.starts_with("PASV") {
                if stall_after_pasv {
                    // Never answer: the client must time out.
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                }
                // Points at a documentation address: the client must ignore it.
                format!(
                    "227 Entering Passive Mode (192,0,2,1,{},{})\r\n",
                    dport >> 8,
                    dport & 255
                )
                .into_bytes()
            } else if cmd.starts_with("LIST") {
                w.write_all(b"150 here\r\n").await.unwrap();
                let (mut d, _) = data.accept().await.unwrap();
                d.write_all(listing).await.unwrap();
                d.shutdown().await.unwrap();
                drop(d);
                b"226 done\r\n".to_vec()
            } else if cmd.starts_with("QUIT") {
                let _ = w.write_all(b"221 bye\r\n").await;
                return;
            } else {
                b"502 no\r\n".to_vec()
            };
            w.write_all(&reply).await.unwrap();
        }
    });
    port
}

#[tokio::test]
async fn hostile_listing_lines_are_warned_about_not_trusted() {
    let listing: &[u8] = b"-rw-r--r-- 1 u g 5 Nov 21 12:00 good.txt\r\n\
        -rw-r--r-- 1 u g 5 Nov 21 12:00 ../../etc/passwd\r\n\
        -rw-r--r-- 1 u g 5 Nov 21 12:00 ..\r\n\
        drwxr-xr-x 2 u g 4096 Nov 21 12:00 bad\x1bname\r\n\
        this is not a listing line\r\n\
        lrwxrwxrwx 1 u g 11 Nov 21 12:00 pw -> /etc/passwd\r\n";
    let port = hostile_server(listing, false).await;
    let (tap, mut rx) = tap();
    let mut s = FtpSession::connect(opts(port, "u", "p"), tap)
        .await
        .unwrap();
    assert!(!s.uses_mlsd());
    let entries = s.list_cwd().await.unwrap();
    assert_eq!(names(&entries), ["good.txt", "pw"]);
    let pw = entries.iter().find(|e| e.name == "pw").unwrap();
    assert_eq!(pw.kind, EntryKind::Symlink);
    let log = drain(&mut rx);
    let warnings = log.iter().filter(|e| e.kind == LogKind::Warn).count();
    assert_eq!(warnings, 3, "{log:#?}");
    // The greeting's escape sequence is neutralised before it reaches the log.
    assert!(log.iter().all(|e| !e.text.contains('\x1b')));
    s.quit().await;
}

#[tokio::test]
async fn a_server_that_stops_answering_times_out() {
    let port = hostile_server(b"", true).await;
    let (tap, _rx) = tap();
    let mut o = opts(port, "u", "p");
    o.timeout = Duration::from_millis(500);
    let mut s = FtpSession::connect(o, tap).await.unwrap();
    let err = s.list_cwd().await.unwrap_err();
    assert!(matches!(err, FtpError::Timeout { .. }), "{err:?}");
    assert!(err.is_connection_lost());
}

#[tokio::test]
async fn connection_refused_is_a_clear_error() {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    let (tap, _rx) = tap();
    let err = match FtpSession::connect(opts(port, "u", "p"), tap).await {
        Err(e) => e,
        Ok(_) => panic!("connected to a closed port"),
    };
    assert!(matches!(err, FtpError::Connection(_)), "{err:?}");
}

/// A download stream dropped without its end being read (a read that failed, a pager closed
/// half-way): its final reply is read before the next command, so it never answers that one.
#[tokio::test]
async fn a_dropped_download_does_not_answer_the_next_command() {
    use tokio::io::AsyncReadExt;
    let root = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(root.path().join("big.bin"), &data).unwrap();
    std::fs::write(root.path().join("small.txt"), b"12345").unwrap();
    let server = demo::start(DemoOptions {
        root: Some(root.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let (tap, _rx) = tap();
    let mut s = FtpSession::connect(opts(server.port, "demo", "demo"), tap)
        .await
        .unwrap();
    for _ in 0..3 {
        let mut stream = s.retr("/big.bin", 0).await.unwrap();
        let mut head = [0u8; 1000];
        stream.read_exact(&mut head).await.unwrap();
        assert_eq!(&head[..], &data[..1000]);
        drop(stream);
        // The next commands get their own replies.
        assert_eq!(s.size("/small.txt").await.unwrap(), Some(5));
        let listing = s.list("/").await.unwrap();
        assert_eq!(listing.entries.len(), 2, "{:?}", names(&listing.entries));
    }
    // And a whole download after that is whole.
    let mut stream = s.retr("/small.txt", 0).await.unwrap();
    let mut all = Vec::new();
    stream.read_to_end(&mut all).await.unwrap();
    s.finish(stream).await.unwrap();
    assert_eq!(all, b"12345");
}
