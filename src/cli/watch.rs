//! `skiff sync --watch LOCAL URL`: after the first pass, watch the local tree (inotify and its
//! kin, through the `notify` crate) and bring the server's copy up to date as things change.
//! Changes are gathered until the tree has been quiet for a moment (`--watch-delay`), then
//! each directory that changed is synchronised again with the same plan and engine as the
//! first pass (deletions only with `--delete`). Every pass logs in afresh, so a dropped
//! connection or a server restart costs one failed pass: its directories are tried again a
//! little later, and watching goes on.

use std::collections::BTreeSet;

use notify::{RecursiveMode, Watcher};

use super::sync_cmd::{SyncOptions, Way, pass};
use super::*;

/// How long a failed pass waits before its directories are tried again (at least).
const RETRY: Duration = Duration::from_secs(5);

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
        if r.is_empty() || crate::names::local_path(&sync_below(root, &r)).is_dir() {
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

fn sync_below(root: &str, rel: &str) -> String {
    crate::sync::below(root, rel)
}

/// A local tree being watched: its events wait in a channel until [`Watch::run`] reads them.
pub(super) struct Watch {
    _watcher: notify::RecommendedWatcher,
    rx: mpsc::UnboundedReceiver<notify::Result<notify::Event>>,
}

impl Watch {
    /// Start watching `local_root` (before the first pass, so that nothing changed during it
    /// is missed).
    pub(super) fn start(local_root: &str) -> anyhow::Result<Watch> {
        let (tx, rx) = mpsc::unbounded_channel::<notify::Result<notify::Event>>();
        let mut watcher = notify::recommended_watcher(move |ev| {
            let _ = tx.send(ev);
        })
        .context("watching the local tree")?;
        watcher
            .watch(
                &crate::names::local_path(local_root),
                RecursiveMode::Recursive,
            )
            .with_context(|| format!("watching {local_root}"))?;
        Ok(Watch {
            _watcher: watcher,
            rx,
        })
    }

    /// Until interrupted, synchronise what changes under `local_root` to `remote_root`.
    pub(super) async fn run(
        self,
        local_root: &str,
        remote_root: &str,
        opts: &ConnectOptions,
        o: &SyncOptions,
        quiet: Duration,
    ) -> anyhow::Result<i32> {
        let Watch { _watcher, rx } = self;
        watch(rx, local_root, remote_root, opts, o, quiet).await
    }
}

async fn watch(
    mut rx: mpsc::UnboundedReceiver<notify::Result<notify::Event>>,
    local_root: &str,
    remote_root: &str,
    opts: &ConnectOptions,
    o: &SyncOptions,
    quiet: Duration,
) -> anyhow::Result<i32> {
    say!("skiff: watching {local_root} for changes (Ctrl-C stops)");
    let top = crate::names::local_path(local_root);
    // Directories still to synchronise again (after a failed pass).
    let mut pending: BTreeSet<String> = BTreeSet::new();
    loop {
        // The first change (or the retry of a failed pass), then more until the tree has
        // been quiet for a moment. Reads (anyone's, skiff's own passes among them) neither
        // start a pass nor hold one back.
        let retry_at =
            (!pending.is_empty()).then(|| tokio::time::Instant::now() + RETRY.max(quiet));
        let mut changed: BTreeSet<String> = std::mem::take(&mut pending);
        let mut quiet_at: Option<tokio::time::Instant> = retry_at;
        let mut closed = false;
        loop {
            let ev = match quiet_at {
                Some(at) => match tokio::time::timeout_at(at, rx.recv()).await {
                    Ok(ev) => ev,
                    Err(_) => break,
                },
                None => rx.recv().await,
            };
            let Some(ev) = ev else {
                closed = true;
                break;
            };
            match ev {
                Ok(ev) if !changes(&ev.kind) => {}
                Ok(ev) => {
                    for p in ev.paths {
                        if let Ok(rel) = p.strip_prefix(&top) {
                            let rel = crate::names::from_os(rel.as_os_str());
                            changed.insert(existing(local_root, &dir_of(&rel)));
                        }
                    }
                    quiet_at = Some(tokio::time::Instant::now() + quiet);
                }
                Err(e) => say!("skiff: watching: {e}"),
            }
        }
        if closed && changed.is_empty() {
            break;
        }
        for rel in outermost(&changed) {
            let failed = match one_pass(local_root, remote_root, &rel, opts, o).await {
                Ok(0) => false,
                Ok(_) => true,
                Err(e) => {
                    say!("skiff: {}: {e:#}", if rel.is_empty() { "." } else { &rel });
                    true
                }
            };
            if failed {
                pending.insert(rel);
            }
        }
        if !pending.is_empty() {
            say!(
                "skiff: will try {} again in {} s",
                pending.len(),
                RETRY.max(quiet).as_secs()
            );
        }
    }
    Ok(0)
}

/// Synchronise the subtree `rel` once, on a fresh login.
async fn one_pass(
    local_root: &str,
    remote_root: &str,
    rel: &str,
    opts: &ConnectOptions,
    o: &SyncOptions,
) -> anyhow::Result<i32> {
    let s = connect_session(opts.clone(), verbose_tap("browse", o.x.verbose))
        .await
        .map_err(connect_error)?;
    let mut o = o.clone();
    o.rules.within = rel.to_string();
    pass(
        Way::Up,
        s,
        &sync_below(local_root, rel),
        &sync_below(remote_root, rel),
        opts,
        &o,
    )
    .await
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
}
