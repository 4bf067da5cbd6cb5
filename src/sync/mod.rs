//! Mirroring one directory tree onto another: the plan. Both trees are read through
//! `fs::Remote` (an FTP session, the local disk), level by level, with the same loop guard
//! as every other walk (`fs::walk`); the plan says which directories to make, which files to
//! copy or replace and why, and (only when asked) what to delete. `skiff sync` carries it out
//! with the transfer engine; the TUI's preview compares with the same rule ([`needs_copy`]).
//!
//! The rule: a file missing on the target is copied; one that differs in size is replaced;
//! one whose source is newer (beyond what the listings can tell apart, [`same_time`]) is
//! replaced. A target that is newer with the same size is left alone: a server that cannot
//! set times (no `MFMT`) dates an upload at its arrival, and a second run must find nothing
//! to do.

pub mod filter;
pub mod watch;

use std::collections::HashMap;

use crate::fs::walk::{self, DirId, DirMark};
use crate::fs::{Entry, EntryKind, FsError, Remote, validate_name};
use crate::paths::remote_join;

pub use filter::{BadPattern, Filter};

/// How files present on both sides are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compare {
    /// Size, then time: a different size or a newer source is copied.
    #[default]
    SizeAndTime,
    /// Only a newer source is copied (`--only-newer`).
    OnlyNewer,
    /// Only a different size is copied (`--size-only`).
    SizeOnly,
    /// A different size, or the same size and a different digest (`--checksum`: the
    /// server's own, and the one computed here; times are ignored). Where the two sides have
    /// no digest in common, size and time decide, and the plan says so.
    Checksum,
}

/// What a synchronisation may do.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// Delete on the target what the source lacks (never without `--delete`).
    pub delete: bool,
    pub compare: Compare,
    pub filter: Filter,
    /// Where the trees planned lie below the top the filter's patterns are written for (`""`:
    /// they are the top; `skiff sync --watch` plans one changed directory at a time).
    pub within: String,
}

/// Why a deletion is planned: the source lacks the entry.
pub const NOT_ON_SOURCE: &str = "not on the source";
/// Why a deletion is planned: an entry of another kind is in the way of the source's (it
/// goes before anything is copied).
pub const IN_THE_WAY: &str = "in the way (another kind on the source)";

/// Times closer than this are the same: many listings only give minutes.
pub const TIME_SLACK: i64 = 60;

/// Whether two modification times are the same as far as listings can tell: within a minute,
/// or the same day when one of them is a bare date (a `LIST` line for an old file says only
/// the day, which parses to midnight).
pub fn same_time(a: i64, b: i64) -> bool {
    if (a - b).abs() <= TIME_SLACK {
        return true;
    }
    let day = 86_400;
    (a.rem_euclid(day) == 0 || b.rem_euclid(day) == 0) && a.div_euclid(day) == b.div_euclid(day)
}

/// Why a file present on both sides is copied again, or `None` when it is not.
pub fn needs_copy(src: &Entry, dst: &Entry, compare: Compare) -> Option<&'static str> {
    let newer = match (src.mtime, dst.mtime) {
        (Some(s), Some(d)) => s > d && !same_time(s, d),
        _ => false,
    };
    let size = src.size != dst.size;
    match compare {
        Compare::SizeOnly | Compare::Checksum => size.then_some("size differs"),
        Compare::OnlyNewer => newer.then_some("newer on the source"),
        Compare::SizeAndTime if size => Some("size differs"),
        Compare::SizeAndTime => newer.then_some("newer on the source"),
    }
}

/// One step of a plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Step {
    /// Make a directory on the target.
    Mkdir,
    /// Copy a file the target lacks.
    Copy,
    /// Replace the target's file.
    Update,
    /// Remove from the target (a file, a link, or an emptied directory).
    Delete,
}

impl Step {
    pub fn name(self) -> &'static str {
        match self {
            Step::Mkdir => "mkdir",
            Step::Copy => "copy",
            Step::Update => "update",
            Step::Delete => "delete",
        }
    }
}

/// A step on one path, relative to the two trees' tops (`""` is the top itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub rel: String,
    pub step: Step,
    pub dir: bool,
    pub why: &'static str,
    /// The source file's size and time (the target's, for a deletion).
    pub size: u64,
    pub mtime: Option<i64>,
}

/// What would make the target mirror the source.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub items: Vec<Item>,
    /// With `Compare::Checksum`: the digest compared, or `None` when the two sides have none
    /// in common (then size and time decided).
    pub checksum: Option<crate::fs::HashAlgo>,
    /// Files compared by digest.
    pub compared: usize,
    /// Entries left alone, with why (links, unsafe names, loops, directories that could not
    /// be read, a file where a directory is and no `--delete`).
    pub passed_over: Vec<(String, String)>,
}

impl Plan {
    pub fn count(&self, step: Step) -> usize {
        self.items.iter().filter(|i| i.step == step).count()
    }

    /// Bytes the copies and updates will move.
    pub fn bytes(&self) -> u64 {
        self.items
            .iter()
            .filter(|i| matches!(i.step, Step::Copy | Step::Update))
            .map(|i| i.size)
            .sum()
    }

    /// Nothing to do.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// `rel` below `root`.
pub fn below(root: &str, rel: &str) -> String {
    if rel.is_empty() {
        root.to_string()
    } else {
        remote_join(root.trim_end_matches('/'), rel)
    }
}

fn child(rel: &str, name: &str) -> String {
    if rel.is_empty() {
        name.to_string()
    } else {
        format!("{rel}/{name}")
    }
}

/// A directory still to compare.
struct Pending {
    rel: String,
    /// Whether it exists on the target (else everything in it is copied, nothing listed).
    there: bool,
    /// The source directories above it, as the walk recognised them.
    above: Vec<DirMark>,
    /// Where the source's listing of its parent placed it.
    expect: Option<String>,
}

/// Read a directory through `fs`: its entries and its mark for the walk guard.
async fn read<R: Remote>(fs: &mut R, path: &str) -> Result<(Vec<Entry>, DirMark), FsError> {
    let mut entries: Vec<Entry> = Vec::new();
    let canonical = fs.list_into(path, &mut entries).await?;
    entries.retain(|e| e.name != "." && e.name != "..");
    let id = DirId::of_listing(&entries);
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok((
        entries,
        DirMark {
            path: canonical,
            id,
        },
    ))
}

/// The plan that makes `dst_root` (read through `dst`) mirror `src_root` (through `src`).
/// An error only when the source's top cannot be read; anything below that cannot be read is
/// passed over, and nothing under it is deleted.
pub async fn plan<A: Remote, B: Remote>(
    src: &mut A,
    src_root: &str,
    dst: &mut B,
    dst_root: &str,
    rules: &Rules,
) -> Result<Plan, FsError> {
    let mut plan = Plan::default();
    let mut compare = rules.compare;
    if compare == Compare::Checksum {
        let theirs = dst.capabilities().checksums;
        plan.checksum = src.capabilities().checksums.best(|a| theirs.contains(a));
        if plan.checksum.is_none() {
            compare = Compare::SizeAndTime;
        }
    }
    let there = dst.enter(dst_root).await.is_ok();
    if !there {
        plan.items.push(Item {
            rel: String::new(),
            step: Step::Mkdir,
            dir: true,
            why: "missing there",
            size: 0,
            mtime: None,
        });
    }
    let mut todo = vec![Pending {
        rel: String::new(),
        there,
        above: Vec::new(),
        expect: None,
    }];
    while let Some(d) = todo.pop() {
        let (entries, mark) = match read(src, &below(src_root, &d.rel)).await {
            Ok(r) => r,
            Err(e) if d.rel.is_empty() => return Err(e),
            Err(e) => {
                plan.passed_over.push((d.rel.clone(), e.to_string()));
                continue;
            }
        };
        if let Err(why) = walk::check(d.expect.as_deref(), &mark, d.above.len(), &d.above) {
            plan.passed_over.push((d.rel.clone(), why));
            continue;
        }
        let theirs = if d.there {
            match read(dst, &below(dst_root, &d.rel)).await {
                Ok((t, _)) => t,
                Err(e) => {
                    plan.passed_over
                        .push((d.rel.clone(), format!("on the target: {e}")));
                    continue;
                }
            }
        } else {
            Vec::new()
        };
        let index: HashMap<&str, &Entry> = theirs.iter().map(|e| (e.name.as_str(), e)).collect();
        let mut above = d.above.clone();
        above.push(mark.clone());
        let mut subdirs = Vec::new();
        for e in &entries {
            let rel = child(&d.rel, &e.name);
            if validate_name(&e.name).is_err() {
                plan.passed_over.push((rel, "unsafe name".into()));
                continue;
            }
            let dir = match e.kind {
                EntryKind::File => false,
                EntryKind::Dir => true,
                EntryKind::Symlink => {
                    plan.passed_over
                        .push((rel, "symbolic link (not followed)".into()));
                    continue;
                }
                EntryKind::Other => {
                    plan.passed_over.push((rel, "not a regular file".into()));
                    continue;
                }
            };
            if !rules.filter.wants(&child(&rules.within, &rel), dir) {
                continue;
            }
            let item = |step, why| Item {
                rel: rel.clone(),
                step,
                dir,
                why,
                size: if dir { 0 } else { e.size },
                mtime: e.mtime,
            };
            let target = index.get(e.name.as_str()).copied();
            // What is there in the way (of another kind) goes first, with `--delete` only.
            if let Some(t) = target
                && t.is_dir() != dir
            {
                if !rules.delete {
                    let what = if t.is_dir() { "a directory" } else { "a file" };
                    plan.passed_over.push((
                        rel,
                        format!("{what} of that name on the target (--delete replaces it)"),
                    ));
                    continue;
                }
                delete_tree(dst, dst_root, &rel, t, IN_THE_WAY, &mut plan).await;
            }
            let target = target.filter(|t| t.is_dir() == dir);
            match (dir, target) {
                (false, None) => plan.items.push(item(Step::Copy, "missing there")),
                (false, Some(t)) => {
                    if let Some(why) = needs_copy(e, t, compare) {
                        plan.items.push(item(Step::Update, why));
                    } else if let Some(algo) =
                        plan.checksum.filter(|_| compare == Compare::Checksum)
                    {
                        plan.compared += 1;
                        let ours = src.checksum(&below(src_root, &rel), algo).await;
                        let theirs = dst.checksum(&below(dst_root, &rel), algo).await;
                        match (ours, theirs) {
                            (Ok(Some(a)), Ok(Some(b))) if a == b => {}
                            (Ok(Some(_)), Ok(Some(_))) => {
                                plan.items.push(item(Step::Update, "content differs"));
                            }
                            (Err(e), _) | (_, Err(e)) => {
                                plan.passed_over.push((rel, format!("no checksum: {e}")));
                            }
                            _ => {
                                plan.passed_over
                                    .push((rel, "no checksum given; left as it is".into()));
                            }
                        }
                    }
                }
                (true, t) => {
                    if t.is_none() {
                        plan.items.push(item(Step::Mkdir, "missing there"));
                    }
                    subdirs.push(Pending {
                        expect: Some(below(&mark.path, &e.name)),
                        rel,
                        there: t.is_some(),
                        above: above.clone(),
                    });
                }
            }
        }
        if rules.delete {
            let ours: std::collections::HashSet<&str> =
                entries.iter().map(|e| e.name.as_str()).collect();
            for t in theirs.iter().filter(|t| !ours.contains(t.name.as_str())) {
                let rel = child(&d.rel, &t.name);
                if validate_name(&t.name).is_err()
                    || !rules.filter.wants(&child(&rules.within, &rel), t.is_dir())
                {
                    continue;
                }
                delete_tree(dst, dst_root, &rel, t, NOT_ON_SOURCE, &mut plan).await;
            }
        }
        // Depth first, in name order.
        todo.extend(subdirs.into_iter().rev());
    }
    Ok(plan)
}

/// Deletions for `t` at `rel` on the target: for a directory, everything in it first (each
/// file listed, so that `--dry-run` and `--max-delete` see them), then the directory.
async fn delete_tree<B: Remote>(
    dst: &mut B,
    dst_root: &str,
    rel: &str,
    t: &Entry,
    why: &'static str,
    plan: &mut Plan,
) {
    let del = |rel: &str, e: &Entry| Item {
        rel: rel.to_string(),
        step: Step::Delete,
        dir: e.is_dir(),
        why,
        size: e.size,
        mtime: e.mtime,
    };
    if !t.is_dir() {
        plan.items.push(del(rel, t));
        return;
    }
    // Children before parents: collected depth first, the directory itself after its content.
    let mut stack: Vec<(String, Vec<DirMark>, Option<String>)> =
        vec![(rel.to_string(), Vec::new(), None)];
    let mut dirs: Vec<Item> = Vec::new();
    let mut files: Vec<Item> = Vec::new();
    while let Some((r, above, expect)) = stack.pop() {
        let (entries, mark) = match read(dst, &below(dst_root, &r)).await {
            Ok(x) => x,
            Err(e) => {
                plan.passed_over
                    .push((r.clone(), format!("on the target, not deleted: {e}")));
                continue;
            }
        };
        if let Err(why) = walk::check(expect.as_deref(), &mark, above.len(), &above) {
            plan.passed_over
                .push((r.clone(), format!("on the target, not deleted: {why}")));
            continue;
        }
        dirs.push(Item {
            rel: r.clone(),
            step: Step::Delete,
            dir: true,
            why,
            size: 0,
            mtime: None,
        });
        let mut above = above;
        above.push(mark.clone());
        for e in &entries {
            if validate_name(&e.name).is_err() {
                plan.passed_over.push((
                    child(&r, &e.name),
                    "unsafe name on the target, not deleted".into(),
                ));
                continue;
            }
            let cr = child(&r, &e.name);
            if e.is_dir() {
                stack.push((cr, above.clone(), Some(below(&mark.path, &e.name))));
            } else {
                files.push(del(&cr, e));
            }
        }
    }
    plan.items.extend(files);
    // Deepest first.
    dirs.sort_by_key(|d| std::cmp::Reverse(d.rel.matches('/').count()));
    plan.items.extend(dirs);
}

#[cfg(test)]
mod tests;
