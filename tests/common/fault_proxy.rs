//! A fault-injecting FTP proxy for tests: it sits between skiff and a real server, relays the
//! control connection line by line and every passive data connection byte by byte, and on
//! request cuts a data connection after N bytes, stalls it, refuses `REST`, or answers a
//! command with `421` and hangs up. Faults fire a set number of times, so tests need no luck.

#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

#[derive(Debug, Default, Clone)]
pub struct Faults {
    /// Close the next N data connections after this many bytes.
    pub cut_after: Option<(u64, u32)>,
    /// Stop relaying the next N data connections after this many bytes (sockets stay open).
    pub stall_after: Option<(u64, u32)>,
    /// Answer every `REST` with 502 instead of forwarding it.
    pub refuse_rest: bool,
    /// Answer the next N commands starting with this verb (and argument text) with 421 and
    /// close the control connection.
    pub fail_421: Option<(String, u32)>,
    /// Replace the server's greeting (its last `220 ` line) with this one.
    pub greeting: Option<String>,
}

pub struct FaultProxy {
    pub port: u16,
    pub faults: Arc<Mutex<Faults>>,
}

fn take(counter: &mut Option<(u64, u32)>) -> Option<u64> {
    match counter {
        Some((n, left)) if *left > 0 => {
            *left -= 1;
            Some(*n)
        }
        _ => None,
    }
}

impl FaultProxy {
    pub async fn start(upstream_port: u16, faults: Faults) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let faults = Arc::new(Mutex::new(faults));
        let f = faults.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let f = f.clone();
                tokio::spawn(async move {
                    let _ = control(client, upstream_port, f).await;
                });
            }
        });
        FaultProxy { port, faults }
    }
}

async fn control(
    client: TcpStream,
    upstream_port: u16,
    faults: Arc<Mutex<Faults>>,
) -> std::io::Result<()> {
    let server = TcpStream::connect(("127.0.0.1", upstream_port)).await?;
    let (cr, mut cw) = client.into_split();
    let (sr, mut sw) = server.into_split();
    let (to_client_tx, mut to_client_rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
    // Server → client, rewriting 227 and 229 replies to our own data listeners.
    let tx = to_client_tx.clone();
    let f2 = faults.clone();
    let down = tokio::spawn(async move {
        let mut sr = BufReader::new(sr);
        let mut line = Vec::new();
        loop {
            line.clear();
            if sr.read_until(b'\n', &mut line).await.unwrap_or(0) == 0 {
                break;
            }
            let text = String::from_utf8_lossy(&line).to_string();
            let greeting = f2.lock().unwrap().greeting.clone();
            let out = if let Some(g) = greeting.filter(|_| text.starts_with("220 ")) {
                format!("{g}\r\n").into_bytes()
            } else if text.starts_with("227 ") {
                rewrite_pasv(&text, f2.clone()).await.into_bytes()
            } else if text.starts_with("229 ") {
                rewrite_epsv(&text, f2.clone()).await.into_bytes()
            } else {
                line.clone()
            };
            if tx.send(out).is_err() {
                break;
            }
        }
    });
    let writer = tokio::spawn(async move {
        while let Some(bytes) = to_client_rx.recv().await {
            if bytes.is_empty() {
                // Hang up.
                let _ = cw.shutdown().await;
                break;
            }
            if cw.write_all(&bytes).await.is_err() {
                break;
            }
        }
    });
    // Client → server, with command faults.
    let mut cr = BufReader::new(cr);
    let mut line = Vec::new();
    loop {
        line.clear();
        if cr.read_until(b'\n', &mut line).await.unwrap_or(0) == 0 {
            break;
        }
        let cmd = String::from_utf8_lossy(&line).trim_end().to_string();
        let upper = cmd.to_ascii_uppercase();
        let action = {
            let mut f = faults.lock().unwrap();
            if f.refuse_rest && upper.starts_with("REST ") {
                Some(b"502 REST not implemented here\r\n".to_vec())
            } else if let Some((prefix, left)) = &mut f.fail_421
                && *left > 0
                && upper.starts_with(&prefix.to_ascii_uppercase())
            {
                *left -= 1;
                Some(b"421 Service not available, closing control connection\r\n".to_vec())
            } else {
                None
            }
        };
        match action {
            Some(reply) => {
                let hang_up = reply.starts_with(b"421");
                let _ = to_client_tx.send(reply);
                if hang_up {
                    let _ = to_client_tx.send(Vec::new());
                    break;
                }
            }
            None => {
                if sw.write_all(&line).await.is_err() {
                    break;
                }
            }
        }
    }
    down.abort();
    drop(to_client_tx);
    let _ = writer.await;
    Ok(())
}

/// The same for `229 Entering Extended Passive Mode (|||PORT|)`.
async fn rewrite_epsv(reply: &str, faults: Arc<Mutex<Faults>>) -> String {
    let Some(upstream) = reply
        .split("(|||")
        .nth(1)
        .and_then(|r| r.split('|').next())
        .and_then(|p| p.trim().parse::<u16>().ok())
    else {
        return reply.to_string();
    };
    let port = relay_port(upstream, faults).await;
    format!("229 Entering Extended Passive Mode (|||{port}|)\r\n")
}

/// Listen on a port of our own and relay the first connection to the server's `upstream`
/// data port, with the faults that are due.
async fn relay_port(upstream: u16, faults: Arc<Mutex<Faults>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (cut, stall) = {
        let mut f = faults.lock().unwrap();
        (take(&mut f.cut_after), take(&mut f.stall_after))
    };
    tokio::spawn(async move {
        let Ok(Ok((client, _))) =
            tokio::time::timeout(Duration::from_secs(20), listener.accept()).await
        else {
            return;
        };
        let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)).await else {
            return;
        };
        relay(client, server, cut, stall).await;
    });
    port
}

/// Open a listener that relays to the server's passive port, and name it in the reply.
async fn rewrite_pasv(reply: &str, faults: Arc<Mutex<Faults>>) -> String {
    let inner = reply
        .split('(')
        .nth(1)
        .and_then(|r| r.split(')').next())
        .unwrap_or("");
    let nums: Vec<u16> = inner
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    if nums.len() != 6 {
        return reply.to_string();
    }
    let upstream = nums[4] * 256 + nums[5];
    let port = relay_port(upstream, faults).await;
    format!(
        "227 Entering Passive Mode (127,0,0,1,{},{})\r\n",
        port >> 8,
        port & 255
    )
}

/// Relay both ways; in each direction, stop after `cut` bytes (closing) or `stall` bytes
/// (keeping the sockets open for a minute).
async fn relay(client: TcpStream, server: TcpStream, cut: Option<u64>, stall: Option<u64>) {
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let limit = cut.or(stall);
    let pump = |mut from: tokio::net::tcp::OwnedReadHalf,
                mut to: tokio::net::tcp::OwnedWriteHalf| async move {
        let mut buf = vec![0u8; 64 * 1024];
        let mut moved = 0u64;
        loop {
            let n = match from.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let mut n = n as u64;
            if let Some(l) = limit {
                n = n.min(l.saturating_sub(moved));
            }
            if n > 0 && to.write_all(&buf[..n as usize]).await.is_err() {
                break;
            }
            moved += n;
            if limit.is_some_and(|l| moved >= l) {
                if stall.is_some() {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                }
                break;
            }
        }
        let _ = to.shutdown().await;
        (from, to)
    };
    let a = tokio::spawn(pump(sr, cw));
    let b = tokio::spawn(pump(cr, sw));
    let _ = a.await;
    let _ = b.await;
}
