//! How data connections are opened: EPSV when the server lists it, PASV when EPSV cannot be
//! reached (remembered per server), the 227 address ignored unless asked for, and active mode.

use std::time::Duration;

use skiff::demo::{self, DemoOptions};
use skiff::ftp::session::DataMode;
use skiff::ftp::{ConnectOptions, FtpSession, LogEvent, LogKind, Secret, Tap};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

fn opts(port: u16) -> ConnectOptions {
    let mut o = ConnectOptions::new("127.0.0.1", port, Some("demo"), Some(Secret::new("demo")));
    o.timeout = Duration::from_secs(5);
    o
}

fn tap() -> (Tap, mpsc::UnboundedReceiver<LogEvent>) {
    let (tx, rx) = mpsc::unbounded_channel();
    (Tap::new("browse", tx), rx)
}

fn commands(rx: &mut mpsc::UnboundedReceiver<LogEvent>) -> (Vec<String>, Vec<String>) {
    let (mut cmds, mut warns) = (Vec::new(), Vec::new());
    while let Ok(e) = rx.try_recv() {
        match e.kind {
            LogKind::Command => cmds.push(e.text),
            LogKind::Warn => warns.push(e.text),
            _ => {}
        }
    }
    (cmds, warns)
}

/// A scripted server (any number of sessions): FEAT lists EPSV, but the port its 229 reply
/// names has nobody listening; PASV names `pasv_host` with a data listener bound there.
async fn broken_epsv_server(pasv_host: &'static str, data_host: &'static str) -> u16 {
    epsv_server(pasv_host, data_host, false).await
}

/// The same; with `refuse`, EPSV is answered with 502 (though FEAT lists it) and MLSD works.
async fn epsv_server(pasv_host: &'static str, data_host: &'static str, refuse: bool) -> u16 {
    let ctrl = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = ctrl.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = ctrl.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut r = BufReader::new(r);
                w.write_all(b"220 ready\r\n").await.unwrap();
                let data = TcpListener::bind((data_host, 0)).await.unwrap();
                let dport = data.local_addr().unwrap().port();
                // A port that was free a moment ago: connecting to it is refused.
                let dead = {
                    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
                    l.local_addr().unwrap().port()
                };
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
                    } else if cmd.starts_with("FEAT") && refuse {
                        b"211-Features:\r\n EPSV\r\n MLST type*;size*;\r\n SIZE\r\n211 End\r\n"
                            .to_vec()
                    } else if cmd.starts_with("FEAT") {
                        b"211-Features:\r\n EPSV\r\n SIZE\r\n211 End\r\n".to_vec()
                    } else if cmd.starts_with("EPSV") && refuse {
                        b"502 EPSV not implemented\r\n".to_vec()
                    } else if cmd.starts_with("TYPE") {
                        b"200 ok\r\n".to_vec()
                    } else if cmd.starts_with("PWD") {
                        b"257 \"/\"\r\n".to_vec()
                    } else if cmd.starts_with("EPSV") {
                        format!("229 Entering Extended Passive Mode (|||{dead}|)\r\n").into_bytes()
                    } else if cmd.starts_with("PASV") {
                        let h = pasv_host.replace('.', ",");
                        format!(
                            "227 Entering Passive Mode ({h},{},{})\r\n",
                            dport >> 8,
                            dport & 255
                        )
                        .into_bytes()
                    } else if cmd.starts_with("LIST") || (refuse && cmd.starts_with("MLSD")) {
                        let line: &[u8] = if cmd.starts_with("MLSD") {
                            b"type=file;size=5; a.txt\r\n"
                        } else {
                            b"-rw-r--r-- 1 u g 5 Nov 21 12:00 a.txt\r\n"
                        };
                        w.write_all(b"150 here\r\n").await.unwrap();
                        match tokio::time::timeout(Duration::from_secs(3), data.accept()).await {
                            Ok(Ok((mut d, _))) => {
                                d.write_all(line).await.unwrap();
                                d.shutdown().await.unwrap();
                                b"226 done\r\n".to_vec()
                            }
                            _ => b"425 no data connection\r\n".to_vec(),
                        }
                    } else if cmd.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"502 no\r\n".to_vec()
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

#[tokio::test]
async fn an_unreachable_epsv_port_falls_back_to_pasv_and_the_server_is_remembered() {
    let port = broken_epsv_server("192.0.2.1", "127.0.0.1").await;
    let (tap, mut rx) = tap();
    let mut s = FtpSession::connect(opts(port), tap.clone()).await.unwrap();
    assert_eq!(s.data_mode(), DataMode::Epsv, "FEAT lists EPSV");
    let entries = s.list_cwd().await.expect("listing after the fallback");
    assert_eq!(entries.len(), 1);
    assert_eq!(s.data_mode(), DataMode::Pasv);
    let (cmds, warns) = commands(&mut rx);
    let epsv = cmds.iter().position(|c| c == "EPSV").expect("EPSV tried");
    let pasv = cmds.iter().position(|c| c == "PASV").expect("then PASV");
    assert!(epsv < pasv, "{cmds:?}");
    assert!(
        warns.iter().any(|w| w.contains("using PASV")),
        "the fallback is in the log: {warns:?}"
    );
    s.quit().await;
    // The next session to this server goes straight to PASV.
    let mut s = FtpSession::connect(opts(port), tap).await.unwrap();
    assert_eq!(s.data_mode(), DataMode::Pasv);
    s.list_cwd().await.unwrap();
    let (cmds, _) = commands(&mut rx);
    assert!(!cmds.iter().any(|c| c == "EPSV"), "{cmds:?}");
    s.quit().await;
}

#[tokio::test]
async fn the_address_in_a_227_reply_is_used_only_when_asked() {
    // The server's data listener is on 127.0.0.2, which its 227 reply names; the control
    // connection is to 127.0.0.1.
    let port = broken_epsv_server("127.0.0.2", "127.0.0.2").await;
    let mut o = opts(port);
    o.epsv = false;
    let (tap, _rx) = tap();
    let mut s = FtpSession::connect(o.clone(), tap.clone()).await.unwrap();
    assert_eq!(s.data_mode(), DataMode::Pasv);
    assert!(
        s.list_cwd().await.is_err(),
        "by default the data connection goes to the control peer, where nothing listens"
    );
    o.pasv_use_peer = false;
    let mut s = FtpSession::connect(o, tap).await.unwrap();
    let entries = s.list_cwd().await.expect("the 227 address, as asked");
    assert_eq!(entries[0].name, "a.txt");
    s.quit().await;
}

#[tokio::test]
async fn epsv_is_used_when_the_server_lists_it() {
    let server = demo::start(DemoOptions::default()).await.unwrap();
    let (tap, mut rx) = tap();
    let mut s = FtpSession::connect(opts(server.port), tap).await.unwrap();
    assert_eq!(s.data_mode(), DataMode::Epsv);
    s.list_cwd().await.unwrap();
    let (cmds, warns) = commands(&mut rx);
    assert!(cmds.iter().any(|c| c == "EPSV"), "{cmds:?}");
    assert!(!cmds.iter().any(|c| c == "PASV"), "{cmds:?}");
    assert!(warns.is_empty(), "{warns:?}");
    s.quit().await;
}

#[tokio::test]
async fn active_mode_lists_downloads_and_uploads() {
    let server = demo::start(DemoOptions {
        active: true,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let mut o = opts(server.port);
    o.active = true;
    let (tap, mut rx) = tap();
    let mut s = FtpSession::connect(o, tap).await.unwrap();
    assert_eq!(s.data_mode(), DataMode::Active);
    let entries = s.list_cwd().await.expect("listing in active mode");
    assert!(entries.iter().any(|e| e.name == "README.txt"));
    let body = b"sent the other way round\n".repeat(1000);
    let mut up = s.stor("/active.txt", 0, false).await.expect("STOR");
    up.write_all(&body).await.unwrap();
    s.finish(up).await.expect("226");
    let mut down = s.retr("/active.txt", 0).await.expect("RETR");
    let mut got = Vec::new();
    down.read_to_end(&mut got).await.unwrap();
    s.finish(down).await.expect("226");
    assert_eq!(got, body);
    let (cmds, _) = commands(&mut rx);
    assert!(
        cmds.iter().any(|c| c.starts_with("PORT 127,0,0,1,")),
        "{cmds:?}"
    );
    assert!(!cmds.iter().any(|c| c == "PASV" || c == "EPSV"), "{cmds:?}");
    s.quit().await;
}

/// A run of `n` ports that are free right now.
fn free_range(n: u16) -> (u16, u16) {
    for base in (42_000u16..60_000).step_by(97) {
        if (base..base + n).all(|p| std::net::TcpListener::bind(("127.0.0.1", p)).is_ok()) {
            return (base, base + n - 1);
        }
    }
    panic!("no free port range");
}

#[tokio::test]
async fn active_mode_uses_the_port_range_asked_for() {
    let server = demo::start(DemoOptions {
        active: true,
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let (lo, hi) = free_range(8);
    // (libunftp does not deliver to a second loopback address; see the scripted test below.)
    for external in [None, Some("127.0.0.1")] {
        let mut o = opts(server.port);
        o.active = true;
        o.active_ports = Some((lo, hi));
        o.active_address = external.map(|a| a.parse().unwrap());
        let (tap, mut rx) = tap();
        let mut s = FtpSession::connect(o, tap).await.unwrap();
        assert_eq!(s.data_mode(), DataMode::Active);
        let entries = match s.list_cwd().await {
            Ok(e) => e,
            Err(e) => {
                while let Ok(l) = rx.try_recv() {
                    eprintln!("LOG {:?} {}", l.kind, l.text);
                }
                panic!("listing: {e:?}");
            }
        };
        assert!(entries.iter().any(|e| e.name == "README.txt"));
        let body = b"through a port of the range\n".repeat(500);
        let mut up = s.stor("/ranged.txt", 0, false).await.expect("STOR");
        up.write_all(&body).await.unwrap();
        s.finish(up).await.expect("226 after STOR");
        let mut down = s.retr("/ranged.txt", 0).await.expect("RETR");
        let mut got = Vec::new();
        down.read_to_end(&mut got).await.unwrap();
        s.finish(down).await.expect("226 after RETR");
        assert_eq!(got, body);
        let (cmds, _) = commands(&mut rx);
        let ports: Vec<&String> = cmds.iter().filter(|c| c.starts_with("PORT ")).collect();
        assert_eq!(ports.len(), 3, "{cmds:?}");
        let want = external.unwrap_or("127.0.0.1").replace('.', ",");
        for p in ports {
            let nums: Vec<u16> = p[5..].split(',').map(|n| n.parse().unwrap()).collect();
            assert!(p[5..].starts_with(&want), "{p} announces {want}");
            let port = nums[4] * 256 + nums[5];
            assert!((lo..=hi).contains(&port), "{port} outside {lo}-{hi}");
        }
        assert!(!cmds.iter().any(|c| c == "PASV" || c == "EPSV"), "{cmds:?}");
        s.quit().await;
    }
}

/// A scripted server for active mode: it connects to whatever `PORT` named, when the data
/// command comes (as real servers do).
async fn active_server() -> u16 {
    let ctrl = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = ctrl.local_addr().unwrap().port();
    tokio::spawn(async move {
        let (sock, _) = ctrl.accept().await.unwrap();
        let (r, mut w) = sock.into_split();
        let mut r = BufReader::new(r);
        w.write_all(b"220 ready\r\n").await.unwrap();
        let mut target: Option<std::net::SocketAddr> = None;
        let mut line = String::new();
        loop {
            line.clear();
            if r.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let cmd = line.trim_end().to_string();
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
            } else if let Some(a) = cmd.strip_prefix("PORT ") {
                let n: Vec<u16> = a.split(',').map(|x| x.parse().unwrap()).collect();
                let ip = std::net::Ipv4Addr::new(n[0] as u8, n[1] as u8, n[2] as u8, n[3] as u8);
                target = Some((ip, n[4] * 256 + n[5]).into());
                b"200 PORT ok\r\n".to_vec()
            } else if cmd.starts_with("LIST") {
                w.write_all(b"150 connecting to you\r\n").await.unwrap();
                let mut d = tokio::net::TcpStream::connect(target.take().unwrap())
                    .await
                    .unwrap();
                d.write_all(b"-rw-r--r-- 1 u g 5 Nov 21 12:00 a.txt\r\n")
                    .await
                    .unwrap();
                d.shutdown().await.unwrap();
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
async fn active_mode_announces_the_external_address_and_listens_for_it() {
    let port = active_server().await;
    let mut o = opts(port);
    o.active = true;
    // As if 127.0.0.2 were the router's address, forwarding to this host.
    o.active_address = Some("127.0.0.2".parse().unwrap());
    let (tap, mut rx) = tap();
    let mut s = FtpSession::connect(o, tap).await.unwrap();
    let entries = s
        .list_cwd()
        .await
        .expect("the server reached us via the announced address");
    assert_eq!(entries[0].name, "a.txt");
    let (cmds, _) = commands(&mut rx);
    assert!(
        cmds.iter().any(|c| c.starts_with("PORT 127,0,0,2,")),
        "{cmds:?}"
    );
    s.quit().await;
}

#[tokio::test]
async fn an_ipv6_server_lists_and_transfers() {
    let server = demo::start(DemoOptions {
        ipv6: true,
        active: true,
        ..DemoOptions::default()
    })
    .await
    .expect("a server on [::1] (this machine has IPv6 loopback)");
    let url = skiff::ftp::url::FtpUrl::parse(&format!("ftp://demo@[::1]:{}/", server.port))
        .expect("an IPv6 URL");
    assert_eq!(url.host, "::1");
    // Passive only: libunftp does not implement EPRT (the active-mode command over IPv6);
    // skiff sends `EPRT |2|::1|PORT|`, which it answers with 500.
    for active in [false] {
        let mut o =
            ConnectOptions::new(&url.host, url.port, Some("demo"), Some(Secret::new("demo")));
        o.timeout = Duration::from_secs(5);
        o.active = active;
        let (tap, mut rx) = tap();
        let mut s = FtpSession::connect(o, tap).await.expect("login over IPv6");
        let entries = match s.list_cwd().await {
            Ok(e) => e,
            Err(e) => {
                while let Ok(l) = rx.try_recv() {
                    eprintln!("LOG {:?} {}", l.kind, l.text);
                }
                panic!("a listing over IPv6 (active: {active}): {e:?}");
            }
        };
        assert!(entries.iter().any(|e| e.name == "README.txt"));
        let mut down = s.retr("/docs/changelog.txt", 0).await.expect("RETR");
        let mut got = Vec::new();
        down.read_to_end(&mut got).await.unwrap();
        s.finish(down).await.expect("226");
        assert_eq!(got, b"0.1.0 first demo\n");
        let (cmds, _) = commands(&mut rx);
        let data_cmd = if active { "EPRT |2|::1|" } else { "EPSV" };
        assert!(cmds.iter().any(|c| c.starts_with(data_cmd)), "{cmds:?}");
        s.quit().await;
    }
}

#[tokio::test]
async fn an_epsv_the_server_lists_but_refuses_falls_back_to_pasv_and_keeps_mlsd() {
    let port = epsv_server("127.0.0.1", "127.0.0.1", true).await;
    let (tap, mut rx) = tap();
    let mut s = FtpSession::connect(opts(port), tap).await.unwrap();
    assert_eq!(s.data_mode(), DataMode::Epsv);
    assert!(s.uses_mlsd());
    let entries = s.list_cwd().await.expect("listing after the fallback");
    assert_eq!(entries[0].name, "a.txt");
    assert_eq!(s.data_mode(), DataMode::Pasv);
    assert!(s.uses_mlsd(), "the refusal was EPSV's, not MLSD's");
    let (cmds, warns) = commands(&mut rx);
    assert!(cmds.iter().any(|c| c == "PASV"), "{cmds:?}");
    assert!(cmds.iter().any(|c| c == "MLSD"), "{cmds:?}");
    assert!(!cmds.iter().any(|c| c == "LIST"), "{cmds:?}");
    assert!(
        warns.iter().any(|w| w.contains("EPSV refused")),
        "{warns:?}"
    );
    s.quit().await;
}
