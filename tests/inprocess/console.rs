//! The command line's session side against the in-process server: raw commands answered with
//! their replies in the log, listing commands read for the pager, and nothing unsafe sent.

use std::time::Duration;

use skiff::app::remote::RemoteCmd;
use skiff::demo::{self, DemoOptions};
use skiff::ftp::{ConnectOptions, FtpSession, LogKind, Secret, Tap};
use skiff::state::console::{Plan, plan};

#[tokio::test]
async fn raw_commands_and_their_replies_in_the_log() {
    let server = demo::start(DemoOptions::default()).await.unwrap();
    let mut o = ConnectOptions::new(
        "127.0.0.1",
        server.port,
        Some("demo"),
        Some(Secret::new("demo")),
    );
    o.timeout = Duration::from_secs(5);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let mut s = FtpSession::connect(o, Tap::new("browse", tx))
        .await
        .unwrap();
    while rx.try_recv().is_ok() {}

    let sent = |line: &str| {
        assert!(
            matches!(plan(line), Plan::Raw(_)),
            "{line} is sent as typed"
        );
        line.to_string()
    };
    assert_eq!(
        s.raw_command(&sent("SYST")).await.unwrap(),
        (215, "UNIX Type: L8".to_string())
    );
    assert_eq!(s.raw_command(&sent("NOOP")).await.unwrap().0, 200);
    let (code, _) = s.raw_command(&sent("STAT")).await.unwrap();
    assert!((211..=213).contains(&code), "STAT: {code}");
    let (code, _) = s
        .raw_command(&sent("SITE CHMOD 644 README.txt"))
        .await
        .unwrap();
    assert!(code >= 500, "this server has no SITE CHMOD: {code}");
    let (code, _) = s.raw_command(&sent("SIZE README.txt")).await.unwrap();
    assert_eq!(code, 213);
    // A 5xx is an answer, not a broken session.
    let (code, _) = s.raw_command(&sent("XYZZY")).await.unwrap();
    assert!((500..=502).contains(&code), "{code}");
    assert_eq!(s.raw_command("NOOP").await.unwrap().0, 200);

    // Every command and reply went to the log, replies with their codes.
    let mut log = Vec::new();
    while let Ok(e) = rx.try_recv() {
        log.push(e);
    }
    for cmd in ["SYST", "NOOP", "STAT", "SITE CHMOD 644 README.txt", "XYZZY"] {
        assert!(
            log.iter()
                .any(|e| e.kind == LogKind::Command && e.text == cmd),
            "{cmd} in the log: {log:#?}"
        );
    }
    assert!(log.iter().any(|e| matches!(
        e.kind,
        LogKind::Reply {
            code: 215,
            last: true
        }
    )));
    assert!(
        log.iter().any(|e| matches!(
            e.kind,
            LogKind::Reply {
                code: 211..=213,
                last: true
            }
        )),
        "STAT's reply: {log:#?}"
    );

    // Listing commands come back as the server's text, for the pager.
    assert_eq!(plan("list"), Plan::Listing("LIST".into()));
    let (bytes, more) = s.raw_listing("LIST", 1 << 20).await.unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(!more && text.contains("README.txt"), "{text}");
    let (bytes, _) = s.raw_listing("NLST", 1 << 20).await.unwrap();
    let text = String::from_utf8_lossy(&bytes);
    assert!(text.lines().any(|l| l.trim_end() == "README.txt"), "{text}");
    // Cut at the limit, and the session goes on.
    let (bytes, more) = s.raw_listing("LIST", 10).await.unwrap();
    assert_eq!((bytes.len(), more), (10, true));
    assert_eq!(s.raw_command("NOOP").await.unwrap().0, 200);

    // CR, LF or NUL never reach the control connection.
    for bad in ["NOOP\r\nDELE README.txt", "SYST\0", "NOOP\n"] {
        assert!(s.raw_command(bad).await.is_err(), "{bad:?}");
    }
    assert!(server.root.join("README.txt").exists());
    s.quit().await;
}

/// A typed command's names are the remote pane's: the browsing actor puts the server in the
/// pane's directory first, wherever an earlier listing or count left it.
#[tokio::test]
async fn a_typed_command_runs_in_the_panes_directory() {
    use skiff::state::{Event, Nav};
    let server = demo::start(DemoOptions::default()).await.unwrap();
    let mut o = ConnectOptions::new(
        "127.0.0.1",
        server.port,
        Some("demo"),
        Some(Secret::new("demo")),
    );
    o.timeout = Duration::from_secs(10);
    let (etx, mut erx) = tokio::sync::mpsc::unbounded_channel();
    let (ltx, _lrx) = tokio::sync::mpsc::unbounded_channel();
    let h = skiff::app::remote::spawn(o, 1, etx, ltx);
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), erx.recv())
            .await
            .expect("an event in time")
            .expect("the actor is alive")
    };
    assert!(matches!(next().await, Event::Connected { req: 1, .. }));
    // The server is in /docs now; the pane (say) in /dir with spaces.
    h.send(RemoteCmd::List {
        nav: Nav::To("/docs".into()),
        req: 2,
    });
    assert!(matches!(next().await, Event::Listed { req: 2, .. }));
    h.send(RemoteCmd::Quote {
        line: "SIZE hello world.txt".into(),
        dir: "/dir with spaces".into(),
        req: 3,
    });
    match next().await {
        Event::Quoted { req: 3, result } => assert_eq!(result.unwrap().0, 213),
        other => panic!("{other:?}"),
    }
    h.send(RemoteCmd::RawListing {
        line: "NLST".into(),
        dir: "/docs".into(),
        req: 4,
    });
    match next().await {
        Event::Viewed { req: 4, result, .. } => {
            let text = String::from_utf8_lossy(&result.unwrap().0).into_owned();
            assert!(!text.contains("hello world.txt"), "{text}");
        }
        other => panic!("{other:?}"),
    }
    h.send(RemoteCmd::Quit);
}
