//! Where skiff's files are and how paths are put together: the config and data directories,
//! `/`-separated remote paths, and the one atomic file write (0600) every saved file goes
//! through. Neutral: imports nothing from skiff.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

fn project_dirs() -> Option<directories::ProjectDirs> {
    directories::ProjectDirs::from("", "", "skiff")
}

/// Where skiff keeps its state, such as the saved transfer queue (`~/.local/share/skiff`).
pub fn data_dir() -> Option<PathBuf> {
    project_dirs().map(|p| p.data_dir().to_path_buf())
}

/// Where skiff's configuration lives (`~/.config/skiff` on Linux).
pub fn config_dir() -> Option<PathBuf> {
    project_dirs().map(|p| p.config_dir().to_path_buf())
}

/// The parent of a `/`-separated remote path.
pub fn remote_parent(path: &str) -> String {
    let trimmed = path.trim_end_matches('/');
    match trimmed.rfind('/') {
        Some(0) | None => "/".to_string(),
        Some(i) => trimmed[..i].to_string(),
    }
}

/// `dir/name` for remote paths.
pub fn remote_join(dir: &str, name: &str) -> String {
    if dir.ends_with('/') {
        format!("{dir}{name}")
    } else {
        format!("{dir}/{name}")
    }
}

/// A failed [`write_atomic`]: the file it was about (the target, its directory or the
/// temporary file) and the error. Shown as the error alone.
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub source: io::Error,
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.source.fmt(f)
    }
}

impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

impl From<WriteError> for io::Error {
    fn from(e: WriteError) -> io::Error {
        e.source
    }
}

/// Writes `bytes` to a temporary file next to `path` (creating the directory if it is
/// missing), syncs it, sets `0600` and renames it over `path`, so a reader sees the old or the
/// new file, never half of one. When `path` is a symlink (dotfiles kept elsewhere), the file it
/// points to is replaced and the link stays.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let err = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WriteError { path, source }
    };
    let target = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path).map_err(err(path))?,
        _ => path.to_path_buf(),
    };
    let dir = match target.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        std::fs::create_dir_all(&dir).map_err(err(&dir))?;
    }
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .tempfile_in(&dir)
        .map_err(err(&dir))?;
    let tmp_path = tmp.path().to_path_buf();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))
            .map_err(err(&tmp_path))?;
    }
    tmp.write_all(bytes).map_err(err(&tmp_path))?;
    tmp.as_file().sync_all().map_err(err(&tmp_path))?;
    tmp.persist(&target).map_err(|e| WriteError {
        path: target.clone(),
        source: e.error,
    })?;
    sync_dir(&dir);
    Ok(())
}

/// Makes the rename durable (best effort; not possible on every platform).
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_paths() {
        assert_eq!(remote_parent("/a/b"), "/a");
        assert_eq!(remote_parent("/a/b/"), "/a");
        assert_eq!(remote_parent("/a"), "/");
        assert_eq!(remote_parent("/"), "/");
        assert_eq!(remote_join("/", "x"), "/x");
        assert_eq!(remote_join("/a", "x y"), "/a/x y");
    }

    #[test]
    fn write_atomic_replaces_the_file_private_and_makes_its_directory() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("new/dir/f.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&p).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }
}
