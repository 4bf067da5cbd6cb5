//! The embedded FTP server behind `skiff --demo` and the hermetic tests: libunftp with its
//! file-system backend, serving a directory on 127.0.0.1 at a random port, with one user.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use libunftp::ServerBuilder;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use unftp_core::auth::{AuthenticationError, Authenticator, Credentials, Principal};
use unftp_sbe_fs::Filesystem;

/// The demo login (shown in the README; it protects nothing but a temp directory).
pub const DEMO_USER: &str = "demo";
pub const DEMO_PASSWORD: &str = "demo";

#[derive(Debug)]
struct OneUser {
    user: String,
    password: String,
    anonymous: bool,
}

#[async_trait::async_trait]
impl Authenticator for OneUser {
    async fn authenticate(
        &self,
        username: &str,
        creds: &Credentials,
    ) -> Result<Principal, AuthenticationError> {
        let anon = self.anonymous && (username == "anonymous" || username == "ftp");
        let ok = anon
            || (username == self.user && creds.password.as_deref() == Some(self.password.as_str()));
        if ok {
            Ok(Principal {
                username: username.to_string(),
            })
        } else if username == self.user {
            Err(AuthenticationError::BadPassword)
        } else {
            Err(AuthenticationError::BadUser)
        }
    }
}

/// A running embedded server. Dropping it stops accepting connections.
pub struct DemoServer {
    pub port: u16,
    pub root: PathBuf,
    _tmp: Option<tempfile::TempDir>,
    accept: JoinHandle<()>,
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl DemoServer {
    /// `ftp://demo:demo@127.0.0.1:PORT/`.
    pub fn url(&self) -> String {
        format!("ftp://{DEMO_USER}@127.0.0.1:{}/", self.port)
    }
}

/// Options for [`start`].
#[derive(Debug, Clone)]
pub struct DemoOptions {
    /// Serve this directory instead of a generated sample tree.
    pub root: Option<PathBuf>,
    pub user: String,
    pub password: String,
    pub allow_anonymous: bool,
    /// Offer explicit FTPS (`AUTH TLS`) with this certificate chain and key (PEM files).
    pub ftps: Option<(PathBuf, PathBuf)>,
    /// Accept active mode (`PORT`) as well as passive.
    pub active: bool,
    /// Listen on `[::1]` instead of 127.0.0.1.
    pub ipv6: bool,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions {
            root: None,
            user: DEMO_USER.into(),
            password: DEMO_PASSWORD.into(),
            allow_anonymous: true,
            ftps: None,
            active: false,
            ipv6: false,
        }
    }
}

/// Start the server on 127.0.0.1 with a port the OS picks.
pub async fn start(opts: DemoOptions) -> io::Result<DemoServer> {
    let (root, tmp) = match &opts.root {
        Some(r) => (r.clone(), None),
        None => {
            let tmp = tempfile::Builder::new().prefix("skiff-demo-").tempdir()?;
            let root = tmp.path().to_path_buf();
            let r2 = root.clone();
            tokio::task::spawn_blocking(move || populate_sample_tree(&r2))
                .await
                .map_err(io::Error::other)??;
            (root, Some(tmp))
        }
    };
    let listener = if opts.ipv6 {
        TcpListener::bind(("::1", 0)).await?
    } else {
        TcpListener::bind(("127.0.0.1", 0)).await?
    };
    let port = listener.local_addr()?.port();
    let auth = Arc::new(OneUser {
        user: opts.user.clone(),
        password: opts.password.clone(),
        anonymous: opts.allow_anonymous,
    });
    let serve_root = root.clone();
    let ftps = opts.ftps.clone();
    let modes = if opts.active {
        libunftp::options::ActivePassiveMode::ActiveAndPassive
    } else {
        libunftp::options::ActivePassiveMode::PassiveOnly
    };
    let accept = tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            // Opened per connection, so a failure only refuses that connection.
            let Ok(fs) = Filesystem::new(serve_root.clone()) else {
                continue;
            };
            let slot = Mutex::new(Some(fs));
            let again = serve_root.clone();
            let builder = ServerBuilder::with_authenticator(
                Box::new(move || {
                    let taken = slot.lock().ok().and_then(|mut s| s.take());
                    match taken {
                        Some(fs) => fs,
                        None => match Filesystem::new(again.clone()) {
                            Ok(fs) => fs,
                            Err(e) => panic!("demo server root is gone: {e}"),
                        },
                    }
                }),
                auth.clone(),
            )
            .greeting("skiff demo server ready")
            .passive_ports(49152..=65535)
            .logger(None)
            .active_passive_mode(modes);
            let built = match &ftps {
                Some((certs, key)) => builder.ftps(certs.clone(), key.clone()).build(),
                None => builder.build(),
            };
            if let Ok(server) = built {
                tokio::spawn(async move {
                    let _ = server.service(stream).await;
                });
            }
        }
    });
    Ok(DemoServer {
        port,
        root,
        _tmp: tmp,
        accept,
    })
}

/// A deterministic pseudo-random byte generator (xorshift), so sample files need no crate.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        out.extend_from_slice(&seed.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// Write the sample tree the demo serves: a few folders, text files, one file of a few MiB,
/// names with spaces and CJK characters, a long name and a folder with many files.
pub fn populate_sample_tree(root: &Path) -> io::Result<()> {
    use std::fs;
    let w = |rel: &str, data: &[u8]| -> io::Result<()> {
        let p = root.join(rel);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(p, data)
    };
    w(
        "README.txt",
        b"Welcome to the skiff demo server.\n\nThis tree lives in a temporary directory and is \
          deleted when skiff quits.\nBrowse with the arrow keys, Enter opens, Backspace goes up.\n",
    )?;
    w(
        "docs/guide.md",
        b"# Guide\n\nTab switches panes. ? shows every key.\n",
    )?;
    w("docs/changelog.txt", b"0.1.0 first demo\n")?;
    w(
        "docs/archive/2024/report.csv",
        b"month,bytes\njan,1024\nfeb,2048\n",
    )?;
    w("dir with spaces/hello world.txt", b"hello, world\n")?;
    w("dir with spaces/another file.log", b"line 1\nline 2\n")?;
    w("数据/报告 2026.txt", "年度报告\n".as_bytes())?;
    w("数据/图片说明.md", "这是一个示例文件。\n".as_bytes())?;
    w("big/sample-4MiB.bin", &noise(4 * 1024 * 1024, 0x5eed_cafe))?;
    w(
        "a file with a rather long name that will not fit in a narrow pane at all.txt",
        b"long names are truncated with an ellipsis\n",
    )?;
    w(
        "src/main.rs",
        b"fn main() {\n    println!(\"hello from the demo\");\n}\n",
    )?;
    for i in 0..150 {
        w(
            &format!("many/file-{i:03}.txt"),
            format!("file number {i}\n").as_bytes(),
        )?;
    }
    #[cfg(unix)]
    {
        let link = root.join("readme-link");
        if !link.exists() {
            std::os::unix::fs::symlink("README.txt", link)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_is_deterministic() {
        assert_eq!(noise(100, 7), noise(100, 7));
        assert_ne!(noise(100, 7), noise(100, 8));
        assert_eq!(noise(13, 1).len(), 13);
    }

    #[test]
    fn sample_tree_has_what_the_readme_promises() {
        let d = tempfile::tempdir().unwrap();
        populate_sample_tree(d.path()).unwrap();
        assert!(d.path().join("dir with spaces/hello world.txt").is_file());
        assert!(d.path().join("数据/报告 2026.txt").is_file());
        assert_eq!(
            std::fs::metadata(d.path().join("big/sample-4MiB.bin"))
                .unwrap()
                .len(),
            4 * 1024 * 1024
        );
        assert_eq!(
            std::fs::read_dir(d.path().join("many")).unwrap().count(),
            150
        );
    }
}
