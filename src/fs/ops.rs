//! File operations that either pane can ask for, written once for anything that implements
//! [`FileSystem`] (a local directory or an FTP session): make a directory, create an empty file,
//! rename, delete (directories recursively, never following a link), change permissions, and
//! add up the size of a tree.

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
}

impl OpReport {
    fn fail(&mut self, path: &str, e: impl std::fmt::Display) {
        self.failed.push((path.to_string(), e.to_string()));
    }
}

/// Run `op` on `fs`. Every part that can be done is done; what fails is listed in the report.
pub async fn run<F: FileSystem>(fs: &mut F, op: &FsOp) -> OpReport {
    let mut r = OpReport::default();
    match op {
        FsOp::Mkdir(p) => note(&mut r, p, fs.mkdir(p).await),
        FsOp::Touch(p) => note(&mut r, p, fs.create_file(p).await),
        FsOp::Rename { from, to } => note(&mut r, from, fs.rename(from, to).await),
        FsOp::Delete(targets) => {
            for t in targets {
                delete_tree(fs, t, &mut r).await;
            }
        }
        FsOp::Chmod { paths, mode } => {
            for p in paths {
                note(&mut r, p, fs.chmod(p, *mode).await);
            }
        }
        FsOp::Size(targets) => {
            for t in targets {
                size_tree(fs, t, &mut r).await;
            }
        }
    }
    r
}

fn note(r: &mut OpReport, path: &str, result: Result<(), FsError>) {
    match result {
        Ok(()) => r.done += 1,
        Err(e) => r.fail(path, e),
    }
}

/// Delete one entry; a directory depth first, each directory after what it holds. A link is
/// removed itself, never what it points to. A directory with something left in it (a failure
/// below) is not attempted: the failures below say why.
async fn delete_tree<F: FileSystem>(fs: &mut F, root: &Target, r: &mut OpReport) {
    if root.kind != EntryKind::Dir {
        note(r, &root.path, fs.remove_file(&root.path).await);
        return;
    }
    // (directory, listed already, failures before it was listed)
    let mut stack = vec![(root.path.clone(), false, 0usize)];
    while let Some((dir, listed, failed_before)) = stack.pop() {
        if listed {
            if r.failed.len() == failed_before {
                note(r, &dir, fs.remove_dir(&dir).await);
            }
            continue;
        }
        let listing = match fs.list(&dir).await {
            Ok(l) => l,
            Err(e) => {
                r.fail(&dir, e);
                continue;
            }
        };
        stack.push((dir.clone(), true, r.failed.len()));
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
                stack.push((path, false, 0));
            } else {
                note(r, &path, fs.remove_file(&path).await);
            }
        }
    }
}

/// Add up the files and bytes under one entry (links are counted as themselves).
async fn size_tree<F: FileSystem>(fs: &mut F, root: &Target, r: &mut OpReport) {
    if root.kind != EntryKind::Dir {
        return;
    }
    let mut stack = vec![root.path.clone()];
    while let Some(dir) = stack.pop() {
        let listing = match fs.list(&dir).await {
            Ok(l) => l,
            Err(e) => {
                r.fail(&dir, e);
                continue;
            }
        };
        r.dirs += 1;
        for e in listing.entries {
            if e.kind == EntryKind::Dir {
                if let Ok(p) = fs.join(&dir, &e.name) {
                    stack.push(p);
                }
            } else {
                r.done += 1;
                r.bytes += e.size;
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
