//! Connecting to a busy server: `421` at the greeting, a refused connection and a timeout are
//! tried again with a growing wait; `530` is not. In the session layer, in `skiff ls`, and in
//! the TUI (a countdown in the status line, Esc stops it).

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::common::{Side, SkiffScreen, TestServer, skiff};
use skiff::demo::DemoOptions;
use skiff::ftp::{ConnectOptions, ConnectRetry, FtpError, FtpSession, Secret, Tap};

fn opts(port: u16, password: &str, attempts: u32, wait_ms: u64) -> ConnectOptions {
    let mut o = ConnectOptions::new("127.0.0.1", port, Some("demo"), Some(Secret::new(password)));
    o.timeout = Duration::from_secs(5);
    o.retry = ConnectRetry {
        attempts,
        first_wait: Duration::from_millis(wait_ms),
    };
    o
}

#[test]
fn a_busy_server_is_tried_again_and_wrong_credentials_are_not() {
    let srv = TestServer::start(DemoOptions::default());
    let rt = tokio::runtime::Runtime::new().unwrap();

    // Busy twice, then in: three connections, two waits announced (attempts 2 and 3).
    let (port, count) = srv.busy_front(2);
    let mut waits = Vec::new();
    let s = rt.block_on(FtpSession::connect_retrying(
        opts(port, "demo", 4, 50),
        Tap::discard("browse"),
        |w| waits.push((w.next, w.of, w.reason.clone())),
    ));
    let s = s.expect("in on the third attempt");
    rt.block_on(s.quit());
    assert_eq!(count.load(Ordering::SeqCst), 3);
    let nexts: Vec<u32> = waits.iter().map(|w| w.0).collect();
    assert_eq!(nexts, vec![2, 3]);
    assert!(
        waits.iter().all(|w| w.1 == 4 && w.2.starts_with("421")),
        "{waits:?}"
    );

    // Busy for longer than the attempts: the 421 comes back, after exactly that many tries.
    let (port, count) = srv.busy_front(10);
    let r = rt.block_on(FtpSession::connect_retrying(
        opts(port, "demo", 2, 10),
        Tap::discard("browse"),
        |_| {},
    ));
    assert!(
        matches!(r, Err(FtpError::Reply { code: 421, .. })),
        "{:?}",
        r.err()
    );
    assert_eq!(count.load(Ordering::SeqCst), 2);

    // A wrong password is final at once: one connection, no wait.
    let (port, count) = srv.busy_front(0);
    let mut waited = false;
    let r = rt.block_on(FtpSession::connect_retrying(
        opts(port, "wrong", 4, 10),
        Tap::discard("browse"),
        |_| waited = true,
    ));
    assert!(
        matches!(r, Err(FtpError::Reply { code: 530, .. })),
        "{:?}",
        r.err()
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert!(!waited);

    // Nobody listening: refused, tried again, then the refusal.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = free.local_addr().unwrap().port();
    drop(free);
    let mut waits = 0;
    let r = rt.block_on(FtpSession::connect_retrying(
        opts(port, "demo", 3, 10),
        Tap::discard("browse"),
        |_| waits += 1,
    ));
    assert!(matches!(r, Err(FtpError::Connection(_))), "{:?}", r.err());
    assert_eq!(waits, 2, "one wait before each of attempts 2 and 3");
}

#[test]
fn skiff_ls_waits_for_a_busy_server() {
    let srv = TestServer::start(DemoOptions::default());
    let (port, count) = srv.busy_front(1);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args([
            "ls",
            &format!("ftp://demo:demo@127.0.0.1:{port}/"),
            "--connect-wait",
            "0",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("421") && stderr.contains("trying again"),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("README.txt"));
    assert_eq!(count.load(Ordering::SeqCst), 2);
    // --connect-attempts 1: no retry.
    let (port, _) = srv.busy_front(1);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args([
            "ls",
            &format!("ftp://demo:demo@127.0.0.1:{port}/"),
            "--connect-attempts",
            "1",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("421"));
}

#[test]
fn the_tui_counts_down_to_the_next_attempt_and_esc_stops_it() {
    let srv = TestServer::start(DemoOptions::default());
    let local = tempfile::tempdir().unwrap();
    // Busy once: the countdown shows, then the listing.
    let (port, _) = srv.busy_front(1);
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .args(["--connect-wait", "2"])
        .arg(format!("ftp://demo:demo@127.0.0.1:{port}/"))
        .spawn()
        .unwrap();
    let s = t.expect("the countdown", |s| s.status().contains("trying again in"));
    assert!(
        s.status().contains("421") && s.status().contains("attempt 2 of 4"),
        "{}",
        s.framed()
    );
    t.expect("in after the wait", |s| {
        s.has_entry(Side::Remote, "README.txt")
    });
    t.send_keys("q");
    let st = t.wait_exit(Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");

    // Busy for good: Esc stops waiting.
    let (port, count) = srv.busy_front(1000);
    let mut t = skiff()
        .arg("--local")
        .arg(local.path())
        .args(["--connect-wait", "30"])
        .arg(format!("ftp://demo:demo@127.0.0.1:{port}/"))
        .spawn()
        .unwrap();
    t.expect("the countdown", |s| s.status().contains("trying again in"));
    t.send_keys("<Esc>");
    t.expect("stopped", |s| s.status().contains("Stopped connecting"));
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(count.load(Ordering::SeqCst), 1, "no attempt after Esc");
    t.send_keys("q");
    let st = t.wait_exit(Duration::from_secs(10)).unwrap();
    assert!(st.success(), "{st:?}");
}
