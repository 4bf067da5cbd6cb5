//! A tiny scripted FTP server for listings too big for the embedded libunftp server to serve in
//! test time: its file-system backend stats every entry through `spawn_blocking`, one after
//! another, which takes ~20 s for 100,000 entries in a debug build. This one serves synthetic
//! directories from memory: login, FEAT (with MLST), PWD/CWD/CDUP, PASV/EPSV, LIST and MLSD;
//! for the command line, `XCRC` answers `150` before its final reply and `SITE SLEEP` answers
//! after 3 s.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};

/// One directory entry of the stub's tree.
#[derive(Debug, Clone)]
pub struct StubEntry {
    pub name: String,
    pub dir: bool,
    pub size: u64,
}

impl StubEntry {
    pub fn file(name: impl Into<String>, size: u64) -> StubEntry {
        StubEntry {
            name: name.into(),
            dir: false,
            size,
        }
    }
    pub fn dir(name: impl Into<String>) -> StubEntry {
        StubEntry {
            name: name.into(),
            dir: true,
            size: 0,
        }
    }
}

/// Directories by absolute path (`/`, `/big`), each with its entries in server order.
pub type StubTree = HashMap<String, Vec<StubEntry>>;

pub struct StubServer {
    pub port: u16,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for StubServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serve `tree` on 127.0.0.1 to `user`/`password`. Call inside a tokio runtime.
pub async fn start(tree: StubTree, user: &str, password: &str) -> std::io::Result<StubServer> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let tree = Arc::new(tree);
    let creds = Arc::new((user.to_string(), password.to_string()));
    let task = tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let tree = tree.clone();
            let creds = creds.clone();
            tokio::spawn(async move {
                let _ = session(sock, tree, creds).await;
            });
        }
    });
    Ok(StubServer { port, task })
}

fn parent(p: &str) -> String {
    match p.trim_end_matches('/').rfind('/') {
        Some(0) | None => "/".into(),
        Some(i) => p[..i].to_string(),
    }
}

fn resolve(cwd: &str, arg: &str) -> String {
    let joined = if arg.starts_with('/') {
        arg.to_string()
    } else if cwd == "/" {
        format!("/{arg}")
    } else {
        format!("{cwd}/{arg}")
    };
    let mut parts: Vec<&str> = Vec::new();
    for c in joined.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            c => parts.push(c),
        }
    }
    format!("/{}", parts.join("/"))
}

async fn session(
    sock: TcpStream,
    tree: Arc<StubTree>,
    creds: Arc<(String, String)>,
) -> std::io::Result<()> {
    let (rd, wr) = sock.into_split();
    let mut rd = BufReader::new(rd);
    let mut wr = BufWriter::new(wr);
    let mut cwd = "/".to_string();
    let mut user = String::new();
    let mut logged_in = false;
    let mut pasv: Option<TcpListener> = None;
    wr.write_all(b"220 skiff test stub ready\r\n").await?;
    wr.flush().await?;
    let mut line = String::new();
    loop {
        line.clear();
        if rd.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let l = line.trim_end_matches(['\r', '\n']);
        let (cmd, arg) = match l.find(' ') {
            Some(i) => (l[..i].to_ascii_uppercase(), &l[i + 1..]),
            None => (l.to_ascii_uppercase(), ""),
        };
        let reply: String = match cmd.as_str() {
            "USER" => {
                user = arg.to_string();
                "331 Password required\r\n".into()
            }
            "PASS" => {
                if user == creds.0 && arg == creds.1 {
                    logged_in = true;
                    "230 Logged in\r\n".into()
                } else {
                    "530 Login incorrect\r\n".into()
                }
            }
            "QUIT" => {
                wr.write_all(b"221 Bye\r\n").await?;
                wr.flush().await?;
                return Ok(());
            }
            _ if !logged_in => "530 Please log in\r\n".into(),
            "FEAT" => {
                "211-Features:\r\n MLST type*;size*;modify*;\r\n EPSV\r\n UTF8\r\n211 End\r\n"
                    .into()
            }
            "OPTS" | "TYPE" | "NOOP" | "MODE" | "STRU" => "200 OK\r\n".into(),
            "SYST" => "215 UNIX Type: L8\r\n".into(),
            // A preliminary reply before the final one, as some servers answer checksums.
            "XCRC" => {
                wr.write_all(b"150 Computing the checksum\r\n").await?;
                wr.flush().await?;
                "250 1A2B3C4D\r\n".into()
            }
            // Slower than a client's timeout: its reply comes late.
            "SITE" if arg.eq_ignore_ascii_case("SLEEP") => {
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
                "250 Awake at last\r\n".into()
            }
            "PWD" | "XPWD" => format!("257 \"{cwd}\" is the current directory\r\n"),
            "CWD" | "CDUP" => {
                let to = if cmd == "CDUP" {
                    parent(&cwd)
                } else {
                    resolve(&cwd, arg)
                };
                if tree.contains_key(&to) {
                    cwd = to;
                    "250 OK\r\n".into()
                } else {
                    "550 No such directory\r\n".into()
                }
            }
            "PASV" | "EPSV" => {
                let l = TcpListener::bind(("127.0.0.1", 0)).await?;
                let p = l.local_addr()?.port();
                pasv = Some(l);
                if cmd == "PASV" {
                    format!(
                        "227 Entering Passive Mode (127,0,0,1,{},{})\r\n",
                        p >> 8,
                        p & 0xff
                    )
                } else {
                    format!("229 Entering Extended Passive Mode (|||{p}|)\r\n")
                }
            }
            "LIST" | "MLSD" | "NLST" => match pasv.take() {
                None => "425 Use PASV first\r\n".into(),
                Some(l) => {
                    let path = if arg.is_empty() || arg.starts_with('-') {
                        cwd.clone()
                    } else {
                        resolve(&cwd, arg)
                    };
                    match tree.get(&path) {
                        None => "550 No such directory\r\n".into(),
                        Some(entries) => {
                            wr.write_all(b"150 Here comes the listing\r\n").await?;
                            wr.flush().await?;
                            let (data, _) = l.accept().await?;
                            let mut data = BufWriter::with_capacity(256 * 1024, data);
                            for e in entries.iter() {
                                let row = match cmd.as_str() {
                                    "MLSD" => format!(
                                        "type={};size={};modify=20260101120000; {}\r\n",
                                        if e.dir { "dir" } else { "file" },
                                        e.size,
                                        e.name
                                    ),
                                    "NLST" => format!("{}\r\n", e.name),
                                    _ => format!(
                                        "{}rw-r--r--    1 1000     1000     {:>8} Jan 01 12:00 {}\r\n",
                                        if e.dir { 'd' } else { '-' },
                                        e.size,
                                        e.name
                                    ),
                                };
                                data.write_all(row.as_bytes()).await?;
                            }
                            data.flush().await?;
                            data.shutdown().await?;
                            drop(data);
                            "226 Transfer complete\r\n".into()
                        }
                    }
                }
            },
            _ => "502 Command not implemented\r\n".into(),
        };
        wr.write_all(reply.as_bytes()).await?;
        wr.flush().await?;
    }
}
