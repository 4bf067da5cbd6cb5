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
