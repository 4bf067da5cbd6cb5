//! The file-system seam: the entry model both panes show, and the trait that a local
//! directory and an FTP session both implement.

pub mod local;
pub mod ops;
pub mod remote;
pub mod sort;
pub mod walk;

use std::future::Future;

pub use remote::{Algos, Capabilities, HashAlgo, ListSink, Remote, WriteAt};

/// What kind of thing a directory entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Dir,
    File,
    Symlink,
    /// Device, pipe, socket or anything else that is neither a file nor a directory.
    Other,
}

/// One row of a listing, local or remote. Kept small: a 100,000-entry directory lives in memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub kind: EntryKind,
    /// Size in bytes (0 when unknown).
    pub size: u64,
    /// Modification time in seconds since the Unix epoch, UTC.
    pub mtime: Option<i64>,
    /// Permissions as text: `rwxr-xr-x` from `ls -l`/unix modes, or MLSD `perm` facts.
    pub perms: Option<Box<str>>,
    /// Where a symlink points, when the listing says.
    pub link_target: Option<Box<str>>,
}

impl Entry {
    pub fn is_dir(&self) -> bool {
        self.kind == EntryKind::Dir
    }
}

/// A directory that was read: its canonical path and its entries (unsorted).
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub path: String,
    pub entries: Vec<Entry>,
}

/// Errors from any file system, with the server's reply code when there was one.
#[derive(Debug, thiserror::Error)]
pub enum FsError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    /// From a remote file system (an FTP session, which converts its errors into this).
    #[error(transparent)]
    Remote(RemoteError),
    #[error("unsafe name rejected: {0:?}")]
    UnsafeName(String),
    #[error("{0} already exists")]
    Exists(String),
    #[error("{0}")]
    Refused(String),
}

impl FsError {
    /// The FTP reply code behind this error, if a server sent one.
    pub fn code(&self) -> Option<u16> {
        match self {
            FsError::Remote(e) => e.code,
            _ => None,
        }
    }

    /// Whether the connection behind a remote file system is gone (nothing more can be done
    /// on it until it is made again).
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, FsError::Remote(e) if e.connection_lost)
    }

    /// Worth trying again: the far side said "not now" (FTP 4xx), or the connection dropped
    /// or stalled.
    pub fn is_transient(&self) -> bool {
        use std::io::ErrorKind as K;
        match self {
            FsError::Remote(e) => e.transient,
            FsError::Io(e) => matches!(
                e.kind(),
                K::TimedOut
                    | K::Interrupted
                    | K::ConnectionReset
                    | K::ConnectionAborted
                    | K::BrokenPipe
                    | K::UnexpectedEof
            ),
            _ => false,
        }
    }

    /// The far side does not do what was asked (FTP 500–504: a command or an argument it
    /// does not know, such as `REST` or `APPE`); the caller may try another way.
    pub fn is_unsupported(&self) -> bool {
        match self {
            FsError::Remote(e) => e.code.is_some_and(|c| (500..=504).contains(&c)),
            FsError::Io(e) => e.kind() == std::io::ErrorKind::Unsupported,
            _ => false,
        }
    }
}

/// A remote file system's error, opaque to this layer: shown as the error it carries, with the
/// server's reply code and whether the connection was lost. The protocol layer makes these
/// from its own errors and can take its error back out ([`RemoteError::downcast`]).
#[derive(Debug)]
pub struct RemoteError {
    pub error: Box<dyn std::error::Error + Send + Sync>,
    pub code: Option<u16>,
    pub connection_lost: bool,
    /// Worth trying again (see [`FsError::is_transient`]).
    pub transient: bool,
}

impl RemoteError {
    /// The error carried, if it is an `E`; else this error again.
    pub fn downcast<E: std::error::Error + 'static>(self) -> Result<E, RemoteError> {
        let RemoteError {
            error,
            code,
            connection_lost,
            transient,
        } = self;
        error
            .downcast::<E>()
            .map(|e| *e)
            .map_err(|error| RemoteError {
                error,
                code,
                connection_lost,
                transient,
            })
    }
}

impl std::fmt::Display for RemoteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.error.fmt(f)
    }
}

/// Transparent, as the error it carries: its source is that error's source.
impl std::error::Error for RemoteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

/// Everything a pane needs from the thing it browses. Paths are absolute, `/`-separated for
/// FTP and native for local directories.
pub trait FileSystem: Send {
    /// Read a directory; the returned listing carries the canonical path.
    fn list(&mut self, path: &str) -> impl Future<Output = Result<Listing, FsError>> + Send;
    /// The parent of `path` (the same path at the root).
    fn parent(&self, path: &str) -> String;
    /// `dir` joined with one validated name component.
    fn join(&self, dir: &str, name: &str) -> Result<String, FsError>;
    fn mkdir(&mut self, path: &str) -> impl Future<Output = Result<(), FsError>> + Send;
    fn rename(&mut self, from: &str, to: &str) -> impl Future<Output = Result<(), FsError>> + Send;
    fn remove_file(&mut self, path: &str) -> impl Future<Output = Result<(), FsError>> + Send;
    fn remove_dir(&mut self, path: &str) -> impl Future<Output = Result<(), FsError>> + Send;
    /// A new empty file; an error when something by that name exists.
    fn create_file(&mut self, path: &str) -> impl Future<Output = Result<(), FsError>> + Send;
    /// Set permission bits (`SITE CHMOD` on FTP).
    fn chmod(&mut self, path: &str, mode: u32) -> impl Future<Output = Result<(), FsError>> + Send;
}

fn rank(e: &Entry) -> u8 {
    if e.name == ".." {
        0
    } else if e.kind == EntryKind::Dir {
        1
    } else {
        2
    }
}

/// Directories first, then by name (case-insensitive, then exact, so the order is total).
pub fn sort_entries(entries: &mut [Entry]) {
    entries.sort_unstable_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then_with(|| compare_names(&a.name, &b.name))
    });
}

pub fn compare_names(a: &str, b: &str) -> std::cmp::Ordering {
    // Most names are ASCII: compare bytes folded in place (sorting 100,000 names runs this
    // about two million times).
    if a.is_ascii() && b.is_ascii() {
        let (x, y) = (a.as_bytes(), b.as_bytes());
        for (p, q) in x.iter().zip(y) {
            let (p, q) = (p.to_ascii_lowercase(), q.to_ascii_lowercase());
            if p != q {
                return p.cmp(&q);
            }
        }
        return x.len().cmp(&y.len()).then_with(|| a.cmp(b));
    }
    let ai = a.chars().flat_map(char::to_lowercase);
    let bi = b.chars().flat_map(char::to_lowercase);
    ai.cmp(bi).then_with(|| a.cmp(b))
}

/// Check one name component that came from a listing or a user before it is used to build a
/// path: no separators, no `.`/`..`, no control characters.
pub fn validate_name(name: &str) -> Result<(), FsError> {
    let bad = name.is_empty()
        || name == "."
        || name == ".."
        || name.contains('/')
        || name.contains('\\')
        || name.chars().any(|c| c.is_control());
    if bad {
        Err(FsError::UnsafeName(name.to_string()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cmp::Ordering;

    #[test]
    fn name_order_is_case_insensitive_then_exact_for_ascii_and_not() {
        assert_eq!(compare_names("abc", "ABD"), Ordering::Less);
        assert_eq!(compare_names("B", "a"), Ordering::Greater);
        assert_eq!(compare_names("a", "A"), "a".cmp("A"));
        assert_eq!(compare_names("ab", "a"), Ordering::Greater);
        assert_eq!(compare_names("Äb", "äa"), Ordering::Greater);
        assert_eq!(compare_names("数据", "数据"), Ordering::Equal);
        // The ASCII fast path agrees with the general one.
        let names = ["Zeta", "alpha", "ALPHA", "a_b", "a-b", "A1", "a10", "", "z"];
        for x in names {
            for y in names {
                let slow = x
                    .chars()
                    .flat_map(char::to_lowercase)
                    .cmp(y.chars().flat_map(char::to_lowercase))
                    .then_with(|| x.cmp(y));
                assert_eq!(compare_names(x, y), slow, "{x} vs {y}");
            }
        }
    }

    #[test]
    fn names_are_validated() {
        for bad in ["", ".", "..", "a/b", "a\\b", "a\nb", "x\u{1b}"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
        assert!(validate_name("dir with spaces").is_ok());
        assert!(validate_name("数据").is_ok());
    }
}
