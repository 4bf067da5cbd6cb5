//! File operations that either pane can ask for, written once for anything that implements
//! [`FileSystem`] (a local directory or an FTP session): make a directory, create an empty file,
//! rename, delete (directories recursively, never following a link), change permissions, and
//! add up the size of a tree.

use std::sync::Arc;

use super::walk::{self, DirId, DirMark};
use super::{EntryKind, FileSystem, FsError, validate_name};
use crate::i18n::t;
use crate::tr;

/// One entry an operation applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: String,
    pub kind: EntryKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FsOp {
    Mkdir(String),
    /// A new empty file (refused when the name exists).
    Touch(String),
    Rename {
        from: String,
        to: String,
    },
    /// Delete these entries; directories with everything in them.
    Delete(Vec<Target>),
    /// Set these permission bits (`0o755`…) on each path.
    Chmod {
        paths: Vec<String>,
        mode: u32,
    },
    /// Add up files and bytes under these entries (nothing is changed).
    Size(Vec<Target>),
}

impl FsOp {
    /// A short description for the status line and the log ("delete 3 entries").
    pub fn describe(&self) -> String {
        fn name(p: &str) -> &str {
            p.trim_end_matches(['/', std::path::MAIN_SEPARATOR])
                .rsplit(['/', std::path::MAIN_SEPARATOR])
                .next()
                .unwrap_or(p)
        }
        fn entries(n: usize) -> String {
            if n == 1 {
                t("1 entry").into()
            } else {
                tr!("{n} entries", n = n)
            }
        }
        match self {
            FsOp::Mkdir(p) => tr!("make directory {name}", name = name(p)),
            FsOp::Touch(p) => tr!("create {name}", name = name(p)),
            FsOp::Rename { from, to } => {
                tr!("rename {from} to {to}", from = name(from), to = name(to))
            }
            FsOp::Delete(ts) if ts.len() == 1 => tr!("delete {name}", name = name(&ts[0].path)),
            FsOp::Delete(ts) => tr!("delete {name}", name = entries(ts.len())),
            FsOp::Chmod { paths, mode } if paths.len() == 1 => {
                format!("chmod {mode:03o} {}", name(&paths[0]))
            }
            FsOp::Chmod { paths, mode } => format!("chmod {mode:03o} {}", entries(paths.len())),
            FsOp::Size(ts) if ts.len() == 1 => tr!("size of {name}", name = name(&ts[0].path)),
            FsOp::Size(ts) => tr!("size of {name}", name = entries(ts.len())),
        }
    }

    /// Whether the operation changes anything (a listing must be read again afterwards).
    pub fn changes(&self) -> bool {
        !matches!(self, FsOp::Size(_))
    }
}

/// What an operation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpReport {
    /// Entries created, renamed, deleted or changed (for `Size`: files counted).
    pub done: usize,
    /// For `Size`: bytes counted, and directories walked.
    pub bytes: u64,
    pub dirs: usize,
    /// What could not be done: the path and why (with the server's reply when there was one).
    pub failed: Vec<(String, String)>,
    /// The connection was lost (or timed out) on the way: the operation stopped there, and
    /// the connection must not be used again (a late reply would answer the next command).
    pub lost: bool,
}

impl OpReport {
    fn fail(&mut self, path: &str, e: impl std::fmt::Display) {
        self.failed.push((path.to_string(), e.to_string()));
    }

    /// Record a failure; true when it lost the connection (then nothing more is tried).
    fn failed_with(&mut self, path: &str, e: FsError) -> bool {
        let lost = e.is_connection_lost();
        self.fail(path, e);
        self.lost |= lost;
        lost
    }
}

/// Run `op` on `fs`. Every part that can be done is done; what fails is listed in the report.
pub async fn run<F: FileSystem>(fs: &mut F, op: &FsOp) -> OpReport {
    let mut r = OpReport::default();
    match op {
        FsOp::Mkdir(p) => {
            note(&mut r, p, fs.mkdir(p).await);
        }
        FsOp::Touch(p) => {
            note(&mut r, p, fs.create_file(p).await);
        }
        FsOp::Rename { from, to } => {
            note(&mut r, from, fs.rename(from, to).await);
        }
        FsOp::Delete(targets) => {
            for t in targets {
                if r.lost {
                    break;
                }
                delete_tree(fs, t, &mut r).await;
            }
        }
        FsOp::Chmod { paths, mode } => {
            for p in paths {
                if note(&mut r, p, fs.chmod(p, *mode).await) {
                    break;
                }
            }
        }
        FsOp::Size(targets) => {
            for t in targets {
                if r.lost {
                    break;
                }
                size_tree(fs, t, &mut r).await;
            }
        }
    }
    r
}

/// Count a success or record a failure; true when the connection was lost.
fn note(r: &mut OpReport, path: &str, result: Result<(), FsError>) -> bool {
    match result {
        Ok(()) => {
            r.done += 1;
            false
        }
        Err(e) => r.failed_with(path, e),
    }
}

/// A directory a walk is about to go through: where the listing should say it is (the
/// directory it was found in, as listed, plus its name), how deep it lies, and the directories
/// above it.
struct Step {
    path: String,
    expect: Option<String>,
    depth: usize,
    above: Arc<[DirMark]>,
}

impl Step {
    fn root(path: &str) -> Step {
        Step {
            path: path.to_string(),
            expect: None,
            depth: 0,
            above: Arc::from(Vec::new()),
        }
    }
}

/// Whether the directory listed as `listing` (its path as the file system reports it after
/// entering `step`) may be walked (see [`walk::check`]; besides, a directory met anywhere
/// earlier in this walk is not walked twice). Otherwise the reason to leave it alone. On
/// success, the directories above its entries.
fn enter(
    step: &Step,
    listing: &super::Listing,
    seen: &mut std::collections::HashSet<String>,
) -> Result<Arc<[DirMark]>, String> {
    let here = DirMark {
        path: listing.path.clone(),
        id: DirId::of_listing(&listing.entries),
    };
    walk::check(step.expect.as_deref(), &here, step.depth, &step.above)?;
    let norm = listing.path.trim_end_matches('/');
    if !seen.insert(if norm.is_empty() { "/" } else { norm }.to_string()) {
        return Err(t("visited already (a link loop?); left alone").to_string());
    }
    let mut above = step.above.to_vec();
    above.push(here);
    Ok(Arc::from(above))
}

/// Delete one entry; a directory depth first, each directory after what it holds. A link is
/// removed itself, never what it points to, and a directory that turns out to be somewhere
/// else than where it was listed (a link reported as a directory) is left alone. A directory
/// with something left in it (a failure below) is not attempted: the failures below say why.
async fn delete_tree<F: FileSystem>(fs: &mut F, root: &Target, r: &mut OpReport) {
    if root.kind != EntryKind::Dir {
        note(r, &root.path, fs.remove_file(&root.path).await);
        return;
    }
    let mut seen = std::collections::HashSet::new();
    // (directory, listed already, failures before it was listed)
    let mut stack = vec![(Step::root(&root.path), false, 0usize)];
    while let Some((step, listed, failed_before)) = stack.pop() {
        let dir = step.path.clone();
        if listed {
            if r.failed.len() == failed_before && note(r, &dir, fs.remove_dir(&dir).await) {
                return;
            }
            continue;
        }
        let listing = match fs.list(&dir).await {
            Ok(l) => l,
            Err(e) => {
                if r.failed_with(&dir, e) {
                    return;
                }
                continue;
            }
        };
        let above = match enter(&step, &listing, &mut seen) {
            Ok(a) => a,
            Err(why) => {
                r.fail(&dir, why);
                continue;
            }
        };
        let depth = step.depth;
        stack.push((step, true, r.failed.len()));
        for e in listing.entries {
            if validate_name(&e.name).is_err() {
                r.fail(&format!("{dir}/{}", e.name), "unsafe name; left alone");
                continue;
            }
            let path = match fs.join(&dir, &e.name) {
                Ok(p) => p,
                Err(err) => {
                    r.fail(&e.name, err);
                    continue;
                }
            };
            if e.kind == EntryKind::Dir {
                let expect = fs.join(&listing.path, &e.name).ok();
                stack.push((
                    Step {
                        path,
                        expect,
                        depth: depth + 1,
                        above: above.clone(),
                    },
                    false,
                    0,
                ));
            } else if note(r, &path, fs.remove_file(&path).await) {
                return;
            }
        }
    }
}

/// Add up the files and bytes under one entry (links are counted as themselves; a directory
/// that is really elsewhere is not counted, see [`delete_tree`]).
async fn size_tree<F: FileSystem>(fs: &mut F, root: &Target, r: &mut OpReport) {
    if root.kind != EntryKind::Dir {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    let mut stack = vec![Step::root(&root.path)];
    while let Some(step) = stack.pop() {
        let listing = match fs.list(&step.path).await {
            Ok(l) => l,
            Err(e) => {
                if r.failed_with(&step.path, e) {
                    return;
                }
                continue;
            }
        };
        let above = match enter(&step, &listing, &mut seen) {
            Ok(a) => a,
            Err(why) => {
                r.fail(&step.path, why);
                continue;
            }
        };
        r.dirs += 1;
        for e in listing.entries {
            if e.kind == EntryKind::Dir {
                if let Ok(p) = fs.join(&step.path, &e.name) {
                    stack.push(Step {
                        path: p,
                        expect: fs.join(&listing.path, &e.name).ok(),
                        depth: step.depth + 1,
                        above: above.clone(),
                    });
                }
            } else {
                r.done += 1;
                r.bytes = r.bytes.saturating_add(e.size);
            }
        }
    }
}

/// Parse a permission value typed by a user: octal digits (`755`, `0644`) only.
pub fn parse_mode(s: &str) -> Option<u32> {
    let s = s.trim();
    let s = s.strip_prefix("0o").unwrap_or(s);
    if s.is_empty() || s.len() > 4 || !s.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    u32::from_str_radix(s, 8).ok().filter(|m| *m <= 0o7777)
}

/// `rwxr-xr-x` (or `drwxr-xr-x`, a listing's form) as bits, when it reads as one.
pub fn mode_from_perms(perms: &str) -> Option<u32> {
    let p = perms.as_bytes();
    let p = if p.len() == 10 { &p[1..] } else { p };
    if p.len() != 9 {
        return None;
    }
    let mut mode = 0;
    for (i, &c) in p.iter().enumerate() {
        let bit = 1 << (8 - i);
        let want = [b'r', b'w', b'x'][i % 3];
        match c {
            b'-' => {}
            c if c == want => mode |= bit,
            // setuid/setgid/sticky shown in the x column: the x bit is set (s, t) or not (S, T).
            b's' | b't' if i % 3 == 2 => mode |= bit,
            b'S' | b'T' if i % 3 == 2 => {}
            _ => return None,
        }
    }
    Some(mode)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::{Entry, Listing};
    use std::collections::HashMap;

    /// A server that reports links to directories as directories and resolves them when it
    /// enters one (its PWD names the real directory), as a junction or a proftpd without
    /// `UseSlink` would.
    #[derive(Default)]
    struct Lying {
        dirs: HashMap<String, Vec<(String, EntryKind)>>,
        links: HashMap<String, String>,
        removed: Vec<String>,
        /// The connection times out at this removal.
        dies_at: Option<usize>,
    }

    impl FileSystem for Lying {
        async fn list(&mut self, path: &str) -> Result<Listing, FsError> {
            let real = self.links.get(path).cloned().unwrap_or(path.to_string());
            let entries = self
                .dirs
                .get(&real)
                .ok_or_else(|| FsError::Refused(format!("550 {path}")))?
                .iter()
                .map(|(name, kind)| Entry {
                    name: name.clone(),
                    kind: *kind,
                    size: 10,
                    mtime: None,
                    perms: None,
                    link_target: None,
                })
                .collect();
            Ok(Listing {
                path: real,
                entries,
            })
        }
        fn parent(&self, path: &str) -> String {
            crate::paths::remote_parent(path)
        }
        fn join(&self, dir: &str, name: &str) -> Result<String, FsError> {
            Ok(crate::paths::remote_join(dir, name))
        }
        async fn mkdir(&mut self, _: &str) -> Result<(), FsError> {
            Ok(())
        }
        async fn rename(&mut self, _: &str, _: &str) -> Result<(), FsError> {
            Ok(())
        }
        async fn remove_file(&mut self, path: &str) -> Result<(), FsError> {
            if self.dies_at == Some(self.removed.len()) {
                // What an FTP session's timeout turns into.
                return Err(FsError::Remote(crate::fs::RemoteError {
                    error: "timed out after 20s while DELE".into(),
                    code: None,
                    connection_lost: true,
                    transient: true,
                }));
            }
            self.removed.push(path.to_string());
            Ok(())
        }
        async fn remove_dir(&mut self, path: &str) -> Result<(), FsError> {
            self.removed.push(format!("{path}/"));
            Ok(())
        }
        async fn create_file(&mut self, _: &str) -> Result<(), FsError> {
            Ok(())
        }
        async fn chmod(&mut self, _: &str, _: u32) -> Result<(), FsError> {
            Ok(())
        }
    }

    fn lying() -> Lying {
        let f = |n: &str| (n.to_string(), EntryKind::File);
        let d = |n: &str| (n.to_string(), EntryKind::Dir);
        let mut fs = Lying::default();
        fs.dirs
            .insert("/top".into(), vec![f("keep.txt"), d("site")]);
        fs.dirs.insert(
            "/top/site".into(),
            vec![f("f.txt"), d("sub"), d("up"), d("self"), d("again")],
        );
        fs.dirs.insert("/top/site/sub".into(), vec![f("g.txt")]);
        fs.links.insert("/top/site/up".into(), "/top".into());
        fs.links.insert("/top/site/self".into(), "/top/site".into());
        fs.links
            .insert("/top/site/again".into(), "/top/site/sub".into());
        fs
    }

    #[tokio::test]
    async fn a_recursive_delete_never_goes_through_a_link_listed_as_a_directory() {
        let mut fs = lying();
        let site = Target {
            path: "/top/site".into(),
            kind: EntryKind::Dir,
        };
        let r = run(&mut fs, &FsOp::Delete(vec![site.clone()])).await;
        assert!(
            !fs.removed
                .iter()
                .any(|p| p == "/top/keep.txt" || p == "/top/site/up/keep.txt"),
            "deleted outside the tree: {:?}",
            fs.removed
        );
        assert!(fs.removed.contains(&"/top/site/f.txt".to_string()));
        assert!(fs.removed.contains(&"/top/site/sub/g.txt".to_string()));
        // The links are refused with their reason, so the directory itself stays.
        let failed: Vec<&str> = r.failed.iter().map(|(p, _)| p.as_str()).collect();
        for link in ["/top/site/up", "/top/site/self", "/top/site/again"] {
            assert!(failed.contains(&link), "{failed:?}");
        }
        assert!(r.failed.iter().any(|(_, why)| why.contains("a link?")));
        assert!(!fs.removed.contains(&"/top/site/".to_string()));

        // The connection dies at the second removal: nothing more is sent on it.
        let mut fs = lying();
        fs.dies_at = Some(1);
        let two = vec![
            site.clone(),
            Target {
                path: "/top/keep.txt".into(),
                kind: EntryKind::File,
            },
        ];
        let r = run(&mut fs, &FsOp::Delete(two)).await;
        assert!(r.lost, "{r:?}");
        assert_eq!(fs.removed.len(), 1, "{:?}", fs.removed);
        assert!(
            r.failed.iter().any(|(_, why)| why.contains("timed out")),
            "{r:?}"
        );

        // Counting sizes walks the real tree once.
        let mut fs = lying();
        let r = run(&mut fs, &FsOp::Size(vec![site])).await;
        assert_eq!((r.done, r.dirs, r.bytes), (2, 2, 20), "{:?}", r.failed);
    }

    #[test]
    fn modes_parse() {
        assert_eq!(parse_mode("755"), Some(0o755));
        assert_eq!(parse_mode("0644"), Some(0o644));
        assert_eq!(parse_mode(" 0o600 "), Some(0o600));
        assert_eq!(parse_mode("4755"), Some(0o4755));
        for bad in ["", "8", "75a", "12345", "-1", "rwx"] {
            assert_eq!(parse_mode(bad), None, "{bad}");
        }
        assert_eq!(mode_from_perms("rwxr-xr-x"), Some(0o755));
        assert_eq!(mode_from_perms("-rw-r-----"), Some(0o640));
        assert_eq!(mode_from_perms("drwx--x--T"), Some(0o710));
        assert_eq!(mode_from_perms("elcdmp"), None);
    }

    #[test]
    fn descriptions() {
        let t = |p: &str| Target {
            path: p.into(),
            kind: EntryKind::File,
        };
        assert_eq!(FsOp::Delete(vec![t("/a/b.txt")]).describe(), "delete b.txt");
        assert_eq!(
            FsOp::Delete(vec![t("/a"), t("/b")]).describe(),
            "delete 2 entries"
        );
        assert_eq!(
            FsOp::Chmod {
                paths: vec!["/x/y".into()],
                mode: 0o644
            }
            .describe(),
            "chmod 644 y"
        );
    }
}
