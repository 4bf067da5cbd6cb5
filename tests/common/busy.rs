//! A front for a test server that is "busy" for its first connections: it greets them with
//! `421 Too many users` and hangs up, then passes later connections through to the real
//! server (data connections go to the server directly: its PASV/EPSV replies name its port).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

/// Start the front on 127.0.0.1; returns its port and the count of connections it took.
pub async fn start(target: u16, refuse_first: usize) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                if n < refuse_first {
                    let _ = sock
                        .write_all(b"421 Too many users are connected, please try later.\r\n")
                        .await;
                    let _ = sock.shutdown().await;
                    return;
                }
                if let Ok(mut up) = TcpStream::connect(("127.0.0.1", target)).await {
                    let _ = tokio::io::copy_bidirectional(&mut sock, &mut up).await;
                }
            });
        }
    });
    (port, count)
}

/// Start a front that lets at most `max` connections in at once and greets any beyond with
/// `421` (a server's connections-per-user limit); returns its port and the count it refused.
pub async fn start_limited(target: u16, max: usize) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    let refused = Arc::new(AtomicUsize::new(0));
    let open = Arc::new(AtomicUsize::new(0));
    let r = refused.clone();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let (r, open) = (r.clone(), open.clone());
            tokio::spawn(async move {
                if open.fetch_add(1, Ordering::SeqCst) >= max {
                    open.fetch_sub(1, Ordering::SeqCst);
                    r.fetch_add(1, Ordering::SeqCst);
                    let _ = sock
                        .write_all(b"421 There are too many connections from your address.\r\n")
                        .await;
                    let _ = sock.shutdown().await;
                    return;
                }
                if let Ok(mut up) = TcpStream::connect(("127.0.0.1", target)).await {
                    let _ = tokio::io::copy_bidirectional(&mut sock, &mut up).await;
                }
                open.fetch_sub(1, Ordering::SeqCst);
            });
        }
    });
    (port, refused)
}
