//! Watching a local tree for what to synchronise again (`notify`: inotify, FSEvents,
//! ReadDirectoryChangesW): changes are gathered until the tree has been quiet for a moment,
//! then handed over as the fewest directories that cover them. Reads are not changes (a pass
//! reads every file it sends, and would otherwise wake the next one). Used by
//! `skiff sync --watch` and by the TUI's "keep the server up to date".

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use notify::{RecursiveMode, Watcher as _};
use tokio::sync::mpsc;

/// A local tree being watched.
pub struct Watcher {
    _watcher: notify::RecommendedWatcher,
    rx: mpsc::UnboundedReceiver<notify::Result<notify::Event>>,
    root: String,
    top: PathBuf,
}

/// What changed since the last batch.
#[derive(Debug, Default)]
pub struct Batch {
    /// Directories to synchronise again, relative to the root (`""`: the root), none inside
    /// another.
    pub dirs: Vec<String>,
    /// What the watcher reported going wrong (an overflowed event queue, a directory it could
    /// not watch).
    pub errors: Vec<String>,
}

impl Watcher {
    /// Start watching `root` (before a first pass, so that nothing changed during it is
    /// missed).
    pub fn start(root: &str) -> Result<Watcher, String> {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut watcher = notify::recommended_watcher(move |ev| {
            let _ = tx.send(ev);
        })
        .map_err(|e| e.to_string())?;
        let top = crate::names::local_path(root);
        watcher
            .watch(&top, RecursiveMode::Recursive)
            .map_err(|e| format!("watching {root}: {e}"))?;
        Ok(Watcher {
            _watcher: watcher,
            rx,
            root: root.to_string(),
            top,
        })
    }

    /// The next batch: waits for the first change (or, with `pending` directories from a
    /// failed pass, at most `retry`), then until `quiet` passes without one. `None` when the
    /// watcher has stopped.
    pub async fn next_batch(
        &mut self,
        quiet: Duration,
        retry: Duration,
        pending: BTreeSet<String>,
    ) -> Option<Batch> {
        let mut changed = pending;
        let mut errors = Vec::new();
        let mut quiet_at =
            (!changed.is_empty()).then(|| tokio::time::Instant::now() + retry.max(quiet));
        let mut closed = false;
        loop {
            let ev = match quiet_at {
                Some(at) => match tokio::time::timeout_at(at, self.rx.recv()).await {
                    Ok(ev) => ev,
                    Err(_) => break,
                },
                None => self.rx.recv().await,
            };
            let Some(ev) = ev else {
                closed = true;
                break;
            };
            match ev {
                Ok(ev) if !changes(&ev.kind) => {}
                Ok(ev) => {
                    for p in ev.paths {
                        if let Ok(rel) = p.strip_prefix(&self.top) {
                            let rel = crate::names::from_os(rel.as_os_str());
                            changed.insert(existing(&self.root, &dir_of(&rel)));
                        }
                    }
                    quiet_at = Some(tokio::time::Instant::now() + quiet);
                }
                Err(e) => errors.push(e.to_string()),
            }
        }
        if closed && changed.is_empty() {
            return None;
        }
        Some(Batch {
            dirs: outermost(&changed),
            errors,
        })
    }
}

/// The directory to synchronise again for a change at `rel` (relative, `/`-separated): its
/// parent (what lists it), or the top for an entry of the top.
fn dir_of(rel: &str) -> String {
    match rel.rfind('/') {
        Some(i) => rel[..i].to_string(),
        None => String::new(),
    }
}

/// The fewest directories that cover `dirs`: one inside another goes (its pass is part of the
/// outer one's).
fn outermost(dirs: &BTreeSet<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for d in dirs {
        let covered = out
            .iter()
            .any(|o| o.is_empty() || d == o || d.starts_with(&format!("{o}/")));
        if !covered {
            out.push(d.clone());
        }
    }
    out
}

/// The deepest directory of `rel` (itself first) that still exists under `root`: a pass over
/// a directory that went away is a pass over what is left of its parent.
fn existing(root: &str, rel: &str) -> String {
    let mut r = rel.to_string();
    loop {
        if r.is_empty() || crate::names::local_path(&super::below(root, &r)).is_dir() {
            return r;
        }
        r = dir_of(&r);
    }
}

/// Whether an event changes the tree: made, written, renamed, removed, its mode changed. An
/// open, a read or a close after reading is not.
fn changes(kind: &notify::EventKind) -> bool {
    use notify::EventKind as K;
    use notify::event::{MetadataKind, ModifyKind};
    match kind {
        K::Access(_) => false,
        K::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)) => false,
        K::Create(_) | K::Modify(_) | K::Remove(_) | K::Any | K::Other => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_is_synchronised_through_its_directory_and_nested_ones_merge() {
        assert_eq!(dir_of("a/b/c.txt"), "a/b");
        assert_eq!(dir_of("top.txt"), "");
        let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert_eq!(
            outermost(&set(&["a", "a/b", "ab", "c/d", "c/d/e"])),
            vec!["a".to_string(), "ab".to_string(), "c/d".to_string()]
        );
        assert_eq!(outermost(&set(&["", "a", "b/c"])), vec![String::new()]);
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(root.path().join("x/y")).expect("mkdir");
        let r = root.path().to_string_lossy().into_owned();
        assert_eq!(existing(&r, "x/y"), "x/y");
        assert_eq!(existing(&r, "x/gone/deeper"), "x");
        assert_eq!(existing(&r, "gone"), "");
        use notify::EventKind as K;
        use notify::event::{AccessKind, CreateKind, ModifyKind, RemoveKind};
        assert!(!changes(&K::Access(AccessKind::Read)));
        assert!(changes(&K::Create(CreateKind::File)));
        assert!(changes(&K::Modify(ModifyKind::Any)));
        assert!(changes(&K::Remove(RemoveKind::Folder)));
    }

    #[tokio::test]
    async fn a_batch_comes_after_a_quiet_moment_and_reads_do_not_count() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(root.path().join("d")).expect("mkdir");
        std::fs::write(root.path().join("d/r.txt"), b"read me").expect("write");
        let r = root.path().to_string_lossy().into_owned();
        let mut w = Watcher::start(&r).expect("watching");
        // Reading is not a change: nothing comes within the wait.
        let _ = std::fs::read(root.path().join("d/r.txt")).expect("read");
        let q = Duration::from_millis(100);
        let none = tokio::time::timeout(
            Duration::from_millis(400),
            w.next_batch(q, q, BTreeSet::new()),
        )
        .await;
        assert!(none.is_err(), "a read woke the watcher: {none:?}");
        std::fs::write(root.path().join("d/new.txt"), b"x").expect("write");
        std::fs::write(root.path().join("top.txt"), b"y").expect("write");
        let b = w.next_batch(q, q, BTreeSet::new()).await.expect("a batch");
        assert_eq!(b.dirs, vec![String::new()], "the top covers d");
    }
}
