//! The local file system behind the left pane. Directory reads run on a blocking thread in one
//! go (one `read_dir` plus one `lstat` per entry), never on the UI task.

use std::path::Path;
use std::time::UNIX_EPOCH;

use super::{Entry, EntryKind, FileSystem, FsError, Listing, validate_name};
use crate::names::local_path;

#[derive(Debug, Default, Clone)]
pub struct LocalFs;

/// Read one directory synchronously (call it from a blocking context).
pub fn read_dir_blocking(path: &Path) -> std::io::Result<Listing> {
    let canonical = std::fs::canonicalize(path)?;
    let mut entries = Vec::new();
    for item in std::fs::read_dir(&canonical)? {
        let item = item?;
        // Non-UTF-8 bytes are kept (see `ftp::encoding`).
        let name = crate::names::from_os(&item.file_name());
        // A vanished entry between readdir and lstat is skipped, not fatal.
        let Ok(meta) = std::fs::symlink_metadata(item.path()) else {
            continue;
        };
        let ft = meta.file_type();
        let kind = if ft.is_dir() {
            EntryKind::Dir
        } else if ft.is_symlink() {
            EntryKind::Symlink
        } else if ft.is_file() {
            EntryKind::File
        } else {
            EntryKind::Other
        };
        let link_target = if ft.is_symlink() {
            std::fs::read_link(item.path())
                .ok()
                .map(|t| crate::names::from_os(t.as_os_str()).into_boxed_str())
        } else {
            None
        };
        let mtime = meta
            .modified()
            .ok()
            .map(|t| match t.duration_since(UNIX_EPOCH) {
                Ok(d) => d.as_secs() as i64,
                Err(e) => -(e.duration().as_secs() as i64),
            });
        entries.push(Entry {
            name,
            kind,
            size: if kind == EntryKind::Dir {
                0
            } else {
                meta.len()
            },
            mtime,
            perms: Some(perms_string(&meta).into_boxed_str()),
            link_target,
        });
    }
    Ok(Listing {
        path: crate::names::from_os(canonical.as_os_str()),
        entries,
    })
}

#[cfg(unix)]
fn perms_string(meta: &std::fs::Metadata) -> String {
    use std::os::unix::fs::PermissionsExt;
    mode_to_rwx(meta.permissions().mode())
}

#[cfg(not(unix))]
fn perms_string(meta: &std::fs::Metadata) -> String {
    if meta.permissions().readonly() {
        "r--r--r--"
    } else {
        "rw-rw-rw-"
    }
    .to_string()
}

/// `0o755` → `rwxr-xr-x` (with setuid/setgid/sticky shown the way `ls` does).
pub fn mode_to_rwx(mode: u32) -> String {
    let mut s = String::with_capacity(9);
    for shift in [6u32, 3, 0] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        let special = match shift {
            6 => mode & 0o4000 != 0,
            3 => mode & 0o2000 != 0,
            _ => mode & 0o1000 != 0,
        };
        let x = bits & 1 != 0;
        s.push(match (special, x, shift) {
            (true, true, 0) => 't',
            (true, false, 0) => 'T',
            (true, true, _) => 's',
            (true, false, _) => 'S',
            (false, true, _) => 'x',
            (false, false, _) => '-',
        });
    }
    s
}

async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::io::Result<T> + Send + 'static,
) -> Result<T, FsError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(r) => r.map_err(FsError::from),
        Err(e) => Err(FsError::Io(std::io::Error::other(e.to_string()))),
    }
}

impl FileSystem for LocalFs {
    async fn list(&mut self, path: &str) -> Result<Listing, FsError> {
        let p = local_path(path);
        run_blocking(move || read_dir_blocking(&p)).await
    }

    fn parent(&self, path: &str) -> String {
        Path::new(path)
            .parent()
            .map(|p| crate::names::from_os(p.as_os_str()))
            .unwrap_or_else(|| path.to_string())
    }

    fn join(&self, dir: &str, name: &str) -> Result<String, FsError> {
        validate_name(name)?;
        Ok(crate::names::from_os(Path::new(dir).join(name).as_os_str()))
    }

    async fn mkdir(&mut self, path: &str) -> Result<(), FsError> {
        let p = local_path(path);
        run_blocking(move || std::fs::create_dir(p)).await
    }

    /// Never replaces an existing entry (`rename(2)` would, silently).
    async fn rename(&mut self, from: &str, to: &str) -> Result<(), FsError> {
        let (a, b) = (local_path(from), local_path(to));
        if std::fs::symlink_metadata(&b).is_ok() {
            return Err(FsError::Exists(to.to_string()));
        }
        run_blocking(move || std::fs::rename(a, b)).await
    }

    async fn remove_file(&mut self, path: &str) -> Result<(), FsError> {
        let p = local_path(path);
        run_blocking(move || std::fs::remove_file(p)).await
    }

    async fn remove_dir(&mut self, path: &str) -> Result<(), FsError> {
        let p = local_path(path);
        run_blocking(move || std::fs::remove_dir(p)).await
    }

    async fn create_file(&mut self, path: &str) -> Result<(), FsError> {
        let p = local_path(path);
        run_blocking(move || {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(p)
                .map(drop)
        })
        .await
    }

    /// A link is refused: `chmod(2)` would change what it points to.
    async fn chmod(&mut self, path: &str, mode: u32) -> Result<(), FsError> {
        use std::os::unix::fs::PermissionsExt;
        let p = local_path(path);
        let meta = std::fs::symlink_metadata(&p)?;
        if meta.file_type().is_symlink() {
            return Err(FsError::Refused(format!(
                "{path} is a symbolic link; its permissions are its target's"
            )));
        }
        run_blocking(move || std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)))
            .await
    }
}

/// An open local file as a transfer stream. Reads and writes happen on the calling thread, as
/// the worker's own file I/O does (a block into the page cache takes microseconds; a trip
/// through a blocking pool per block costs more than the write, see BENCHMARKS.md).
#[derive(Debug)]
pub struct LocalStream {
    file: std::fs::File,
}

impl tokio::io::AsyncRead for LocalStream {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        use std::io::Read;
        let n = self.file.read(buf.initialize_unfilled());
        std::task::Poll::Ready(n.map(|n| buf.advance(n)))
    }
}

impl tokio::io::AsyncWrite for LocalStream {
    fn poll_write(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        use std::io::Write;
        std::task::Poll::Ready(self.file.write(buf))
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Open through no symbolic link at the last component (a planted link must not redirect a
/// transfer), never blocking on a pipe.
fn open_no_follow(o: &mut std::fs::OpenOptions, path: &Path) -> std::io::Result<std::fs::File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let f = o.open(path)?;
    if !f.metadata()?.is_file() {
        return Err(std::io::Error::other(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    Ok(f)
}

/// The local disk as the far side of a transfer: what lets the transfer engine copy between
/// two local directories through the same code as over FTP (and what its tests use as a second
/// protocol), and the local side of a synchronisation that compares by content. No text mode;
/// its checksums are computed here (SHA-256, SHA-512, SHA-1), reading the file once.
impl super::Remote for LocalFs {
    type Stream = LocalStream;

    fn capabilities(&self) -> super::Capabilities {
        super::Capabilities {
            text_mode: false,
            set_mtime: true,
            checksums: [
                super::HashAlgo::Sha256,
                super::HashAlgo::Sha512,
                super::HashAlgo::Sha1,
            ]
            .into_iter()
            .collect(),
            offsets: true,
            ranged_writes: true,
        }
    }

    async fn size(&mut self, path: &str) -> Result<Option<u64>, FsError> {
        match std::fs::symlink_metadata(local_path(path)) {
            Ok(m) if m.is_file() => Ok(Some(m.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn mtime(&mut self, path: &str) -> Option<i64> {
        let t = std::fs::symlink_metadata(local_path(path))
            .ok()?
            .modified()
            .ok()?;
        Some(match t.duration_since(UNIX_EPOCH) {
            Ok(d) => d.as_secs() as i64,
            Err(e) => -(e.duration().as_secs() as i64),
        })
    }

    async fn set_mtime(&mut self, path: &str, secs: i64) -> Result<(), FsError> {
        let f = open_no_follow(std::fs::OpenOptions::new().write(true), &local_path(path))?;
        f.set_modified(UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64))?;
        Ok(())
    }

    async fn set_text_mode(&mut self, text: bool) -> Result<(), FsError> {
        if text {
            return Err(std::io::Error::from(std::io::ErrorKind::Unsupported).into());
        }
        Ok(())
    }

    async fn enter(&mut self, path: &str) -> Result<String, FsError> {
        let p = std::fs::canonicalize(local_path(path))?;
        if !p.is_dir() {
            return Err(FsError::Refused(format!("{path} is not a directory")));
        }
        Ok(crate::names::from_os(p.as_os_str()))
    }

    async fn list_into(
        &mut self,
        path: &str,
        sink: &mut dyn super::ListSink,
    ) -> Result<String, FsError> {
        let p = local_path(path);
        let listing = run_blocking(move || read_dir_blocking(&p)).await?;
        sink.start();
        for e in listing.entries {
            sink.entry(e);
        }
        Ok(listing.path)
    }

    async fn open_read(&mut self, path: &str, offset: u64) -> Result<LocalStream, FsError> {
        use std::io::Seek;
        let mut file = open_no_follow(std::fs::OpenOptions::new().read(true), &local_path(path))?;
        file.seek(std::io::SeekFrom::Start(offset))?;
        Ok(LocalStream { file })
    }

    async fn open_write(&mut self, path: &str, at: super::WriteAt) -> Result<LocalStream, FsError> {
        use std::io::Seek;
        let p = local_path(path);
        let mut o = std::fs::OpenOptions::new();
        match at {
            super::WriteAt::Start => o.write(true).create(true).truncate(true),
            super::WriteAt::Offset(_) | super::WriteAt::Range(_) => o.write(true),
            super::WriteAt::Append => o.append(true).create(true),
        };
        let mut file = open_no_follow(&mut o, &p)?;
        match at {
            super::WriteAt::Offset(n) => {
                file.set_len(n)?;
                file.seek(std::io::SeekFrom::Start(n))?;
            }
            super::WriteAt::Range(n) => {
                file.seek(std::io::SeekFrom::Start(n))?;
            }
            _ => {}
        }
        Ok(LocalStream { file })
    }

    async fn finish(&mut self, stream: LocalStream) -> Result<(), FsError> {
        // Written through to the file before it is reported complete.
        stream.file.sync_data()?;
        Ok(())
    }

    async fn cut(&mut self, stream: LocalStream) -> Result<(), FsError> {
        drop(stream);
        Ok(())
    }

    async fn checksum(
        &mut self,
        path: &str,
        algo: super::HashAlgo,
    ) -> Result<Option<String>, FsError> {
        let Some(ring_algo) = algo.ring() else {
            return Ok(None);
        };
        let p = local_path(path);
        run_blocking(move || {
            use std::io::Read;
            let mut f = open_no_follow(std::fs::OpenOptions::new().read(true), &p)?;
            let mut ctx = ring::digest::Context::new(ring_algo);
            let mut buf = vec![0u8; 256 * 1024];
            loop {
                let n = f.read(&mut buf)?;
                if n == 0 {
                    break;
                }
                ctx.update(&buf[..n]);
            }
            Ok(Some(super::HashAlgo::hex(ctx.finish().as_ref())))
        })
        .await
    }

    async fn close(self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        assert_eq!(mode_to_rwx(0o755), "rwxr-xr-x");
        assert_eq!(mode_to_rwx(0o644), "rw-r--r--");
        assert_eq!(mode_to_rwx(0o4755), "rwsr-xr-x");
        assert_eq!(mode_to_rwx(0o1777), "rwxrwxrwt");
        assert_eq!(mode_to_rwx(0o2640), "rw-r-S---");
    }

    #[tokio::test]
    async fn lists_a_directory_with_kinds() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub dir")).unwrap();
        std::fs::write(dir.path().join("f.txt"), b"12345").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink("f.txt", dir.path().join("link")).unwrap();
        let mut fs = LocalFs;
        let l = fs.list(dir.path().to_str().unwrap()).await.unwrap();
        let find = |n: &str| l.entries.iter().find(|e| e.name == n).unwrap().clone();
        assert_eq!(find("sub dir").kind, EntryKind::Dir);
        assert_eq!(find("f.txt").size, 5);
        #[cfg(unix)]
        assert_eq!(find("link").link_target.as_deref(), Some("f.txt"));
        assert!(fs.join("/x", "..").is_err());
        assert_eq!(fs.parent("/a/b"), "/a");
    }
}
