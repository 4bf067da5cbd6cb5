//! Where a recursive walk must stop: one check for every walk skiff makes (delete, size count,
//! downloads and uploads of directories), so that a link a server lists as a directory, a
//! Windows junction or a bind mount can never send one round in circles.
//!
//! A directory is entered, then recognised by where the file system says it is (an FTP
//! server's `PWD` after `CWD`, a local canonical path) and by what identifies it besides (a
//! local directory's device and inode; a remote one's listing). The walk leaves it alone
//! when it lies elsewhere than where it was listed (a link), when it is one of the
//! directories above it (a loop), or when it is deeper than [`MAX_DEPTH`].

use serde::{Deserialize, Serialize};

use super::Entry;
use crate::i18n::t;
use crate::tr;

/// How deep a recursive walk goes below the directory it started from.
pub const MAX_DEPTH: usize = 200;

/// A directory a walk is in, as it will recognise it again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirMark {
    /// Where the file system says it is, after entering it.
    pub path: String,
    pub id: DirId,
}

/// What tells a directory apart besides its path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirId {
    /// A local directory: the same device and inode is the same directory, whatever the path
    /// (a bind mount of a directory inside itself).
    Inode { dev: u64, ino: u64 },
    /// A remote directory: a digest of its listing (names, kinds, sizes, times) and how many
    /// entries it has. A server that keeps the path as typed (`/a/loop/loop`) shows a loop
    /// only this way: the listing repeats.
    Listing { digest: u64, entries: u32 },
}

impl DirId {
    /// The identity of a listing (order does not matter).
    pub fn of_listing<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> DirId {
        let mut d = ListingDigest::default();
        for e in entries {
            d.add(e);
        }
        d.finish()
    }
}

/// A listing's digest built entry by entry, as the entries stream in.
#[derive(Debug, Default, Clone, Copy)]
pub struct ListingDigest {
    sum: u64,
    entries: u32,
}

impl ListingDigest {
    pub fn add(&mut self, e: &Entry) {
        // FNV-1a over each entry, summed: the same entries in any order give the same digest.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |bytes: &[u8]| {
            for &b in bytes {
                h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
            }
        };
        eat(e.name.as_bytes());
        eat(&[0, e.kind as u8]);
        eat(&e.size.to_le_bytes());
        eat(&e.mtime.unwrap_or(i64::MIN).to_le_bytes());
        self.sum = self.sum.wrapping_add(h);
        self.entries = self.entries.saturating_add(1);
    }

    pub fn finish(self) -> DirId {
        DirId::Listing {
            digest: self.sum,
            entries: self.entries,
        }
    }
}

fn norm(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() { "/" } else { t }
}

/// Whether the walk may go into `here`, `depth` levels below where it started, found through
/// a listing that placed it at `expect` (`None` for the starting directory: the user chose
/// it), below the directories `above` (outermost first). Otherwise the reason to leave it
/// alone, for the user.
pub fn check(
    expect: Option<&str>,
    here: &DirMark,
    depth: usize,
    above: &[DirMark],
) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err(tr!("more than {n} levels deep; left alone", n = MAX_DEPTH));
    }
    if expect.is_some_and(|e| norm(e) != norm(&here.path)) {
        return Err(tr!(
            "leads to {path} (a link?); left alone",
            path = here.path.as_str()
        ));
    }
    if above.iter().any(|a| norm(&a.path) == norm(&here.path)) {
        return Err(t("visited already (a link loop?); left alone").to_string());
    }
    match here.id {
        DirId::Inode { .. } => {
            if let Some(a) = above.iter().find(|a| a.id == here.id) {
                return Err(tr!(
                    "the same directory as {path} (a link loop?); left alone",
                    path = a.path.as_str()
                ));
            }
        }
        DirId::Listing { entries, .. } if entries > 0 => {
            // A directory whose listing is one above it is taken for that directory come
            // round again. With one entry only (the loop itself, or a plain chain `a/a/a`
            // that happens to look alike) it takes three repeats.
            let repeats = above.iter().filter(|a| a.id == here.id).count();
            let needed = if entries >= 2 { 1 } else { 3 };
            if repeats >= needed {
                return Err(t(
                    "lists the same entries as a directory above it (a link loop?); left alone",
                )
                .to_string());
            }
        }
        DirId::Listing { .. } => {}
    }
    Ok(())
}

/// A local directory's mark: its canonical path with its device and inode (on Unix; the path
/// alone elsewhere, through an identity that never repeats).
pub fn local_mark(canonical: &std::path::Path, display: String) -> std::io::Result<DirMark> {
    let meta = std::fs::metadata(canonical)?;
    #[cfg(unix)]
    let id = {
        use std::os::unix::fs::MetadataExt;
        DirId::Inode {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    };
    #[cfg(not(unix))]
    let id = {
        let _ = meta;
        DirId::Listing {
            digest: 0,
            entries: 0,
        }
    };
    Ok(DirMark { path: display, id })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::EntryKind;

    fn entry(name: &str, kind: EntryKind) -> Entry {
        Entry {
            name: name.into(),
            kind,
            size: 3,
            mtime: Some(1),
            perms: None,
            link_target: None,
        }
    }

    fn mark(path: &str, names: &[&str]) -> DirMark {
        let entries: Vec<Entry> = names.iter().map(|n| entry(n, EntryKind::Dir)).collect();
        DirMark {
            path: path.into(),
            id: DirId::of_listing(&entries),
        }
    }

    #[test]
    fn links_loops_and_depth_are_refused() {
        let root = mark("/a", &["f", "loop"]);
        // A server that resolves the link: PWD names where it really is.
        let here = mark("/a", &["f", "loop"]);
        assert!(check(Some("/a/loop"), &here, 1, std::slice::from_ref(&root)).is_err());
        // One that keeps the path as typed: the listing repeats.
        let here = mark("/a/loop", &["f", "loop"]);
        assert!(check(Some("/a/loop"), &here, 1, std::slice::from_ref(&root)).is_err());
        // A real subdirectory passes.
        let here = mark("/a/sub", &["g"]);
        assert!(check(Some("/a/sub/"), &here, 1, std::slice::from_ref(&root)).is_ok());
        assert!(check(None, &here, MAX_DEPTH + 1, &[]).is_err());
        // A chain of single subdirectories that look alike goes on for a while.
        let a = |p: &str| mark(p, &["a"]);
        let chain = [a("/a"), a("/a/a")];
        assert!(check(Some("/a/a/a"), &a("/a/a/a"), 2, &chain).is_ok());
        let chain = [a("/a"), a("/a/a"), a("/a/a/a")];
        assert!(check(Some("/a/a/a/a"), &a("/a/a/a/a"), 3, &chain).is_err());
        // Empty directories are never a loop.
        let e = mark("/e/e", &[]);
        assert!(check(Some("/e/e"), &e, 1, &[mark("/e", &[])]).is_ok());
    }

    #[test]
    fn the_same_inode_is_the_same_directory() {
        let id = DirId::Inode { dev: 1, ino: 2 };
        let top = DirMark {
            path: "/x".into(),
            id,
        };
        let bound = DirMark {
            path: "/x/m".into(),
            id,
        };
        assert!(check(Some("/x/m"), &bound, 1, &[top]).is_err());
    }

    #[test]
    fn a_listing_digest_ignores_order() {
        let a = [entry("a", EntryKind::File), entry("b", EntryKind::Dir)];
        let b = [entry("b", EntryKind::Dir), entry("a", EntryKind::File)];
        assert_eq!(DirId::of_listing(&a), DirId::of_listing(&b));
        assert_ne!(DirId::of_listing(&a), DirId::of_listing(&a[..1]));
    }
}
