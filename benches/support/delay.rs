//! A slow link for the benchmarks: a TCP proxy (tokio, on a thread of its own) on another
//! loopback address (127.0.0.2) in front of a server's control port and every port of its
//! passive range, adding a fixed delay each way and, optionally, a rate cap per connection and
//! direction (what a long path's TCP window or a provider's per-flow shaping does).
//!
//! The proxy listens on the same port numbers as the server, so a `227`/`229` reply names a
//! port the proxy has too: a client that opens data connections to the control connection's
//! address (skiff and curl with EPSV; lftp with `set ftp:ignore-pasv-address yes`) goes
//! through it. The TCP handshake itself is not delayed (the kernel completes it before the
//! proxy accepts), so every new connection costs one round trip less than on a real link,
//! for every tool alike.

use std::net::{IpAddr, SocketAddr};
use std::ops::RangeInclusive;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::time::Instant;

/// What the link does to every connection.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    /// Added to every byte, each way (a round trip gains twice this).
    pub one_way: Duration,
    /// Bytes per second per connection and direction; `None`: as fast as loopback.
    pub rate: Option<u64>,
}

/// Start the proxy on `listen` for `control` and every port of `pasv`, forwarding to the same
/// ports on `target`. Returns once every port listens; the proxy lives as long as the process.
pub fn start(
    listen: IpAddr,
    target: IpAddr,
    control: u16,
    pasv: RangeInclusive<u16>,
    link: Link,
) -> Result<(), String> {
    let (tx, rx) = std::sync::mpsc::channel::<Result<(), String>>();
    std::thread::Builder::new()
        .name("delay-proxy".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = tx.send(Err(e.to_string()));
                    return;
                }
            };
            rt.block_on(async move {
                let mut listeners = Vec::new();
                for port in std::iter::once(control).chain(pasv) {
                    match TcpListener::bind(SocketAddr::new(listen, port)).await {
                        Ok(l) => listeners.push((l, port)),
                        Err(e) => {
                            let _ = tx.send(Err(format!("binding {listen}:{port}: {e}")));
                            return;
                        }
                    }
                }
                for (l, port) in listeners {
                    tokio::spawn(accept(l, SocketAddr::new(target, port), link));
                }
                let _ = tx.send(Ok(()));
                std::future::pending::<()>().await;
            });
        })
        .map_err(|e| e.to_string())?;
    rx.recv().map_err(|e| e.to_string())?
}

async fn accept(l: TcpListener, target: SocketAddr, link: Link) {
    while let Ok((client, _)) = l.accept().await {
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(target).await else {
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            let mut up = tokio::spawn(pipe(cr, sw, link));
            let mut down = tokio::spawn(pipe(sr, cw, link));
            // A direction that ends cleanly leaves the other running (a half-closed
            // connection); one that fails (a peer gone) ends both, as a reset would.
            tokio::select! {
                r = &mut up => if !matches!(r, Ok(true)) { down.abort() } else { let _ = down.await; },
                r = &mut down => if !matches!(r, Ok(true)) { up.abort() } else { let _ = up.await; },
            }
        });
    }
}

/// Bytes read but not yet passed on, per direction: about what a real link holds in flight
/// (more would let a sender finish long before its receiver, unlike TCP).
const CHUNK: usize = 16 * 1024;

/// Relay one direction: each chunk goes on `one_way` after it was read, no sooner than the
/// rate allows after the one before. True when it ended at the sender's end of stream.
async fn pipe(mut r: OwnedReadHalf, mut w: OwnedWriteHalf, link: Link) -> bool {
    let in_flight = match link.rate {
        Some(rate) => ((rate as f64 * link.one_way.as_secs_f64() * 2.0) as usize / CHUNK).max(8),
        None => 32,
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<(Instant, Vec<u8>)>(in_flight);
    let reader = tokio::spawn(async move {
        let mut buf = vec![0u8; CHUNK];
        loop {
            match r.read(&mut buf).await {
                Ok(0) => return true,
                Ok(n) => {
                    if tx.send((Instant::now(), buf[..n].to_vec())).await.is_err() {
                        return false;
                    }
                }
                Err(_) => return false,
            }
        }
    });
    // When the link is free again (the rate cap).
    let mut free = Instant::now();
    let mut ok = true;
    while let Some((at, chunk)) = rx.recv().await {
        let start = at.max(free);
        let wire = link.rate.map_or(Duration::ZERO, |r| {
            Duration::from_secs_f64(chunk.len() as f64 / r as f64)
        });
        free = start + wire;
        tokio::time::sleep_until(free + link.one_way).await;
        if w.write_all(&chunk).await.is_err() {
            ok = false;
            break;
        }
    }
    if !ok {
        reader.abort();
        return false;
    }
    let eof = reader.await.unwrap_or(false);
    let _ = w.shutdown().await;
    eof
}
