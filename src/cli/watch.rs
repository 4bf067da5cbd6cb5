//! `skiff sync --watch LOCAL URL`: after the first pass, watch the local tree
//! (`sync::watch::Watcher`) and bring the server's copy up to date as things change: each
//! directory that changed is synchronised again with the same plan and engine as the first
//! pass (deletions only with `--delete`). Every pass logs in afresh, so a dropped connection
//! or a server restart costs one failed pass: its directories are tried again a little later,
//! and watching goes on.

use std::collections::BTreeSet;

use super::sync_cmd::{SyncOptions, Way, pass};
use super::*;
use crate::sync::watch::Watcher;

/// How long a failed pass waits before its directories are tried again (at least).
const RETRY: Duration = Duration::from_secs(5);

/// A local tree being watched for `skiff sync --watch`.
pub(super) struct Watch(Watcher);

impl Watch {
    /// Start watching `local_root` (before the first pass, so that nothing changed during it
    /// is missed).
    pub(super) fn start(local_root: &str) -> anyhow::Result<Watch> {
        Watcher::start(local_root)
            .map(Watch)
            .map_err(|e| anyhow::anyhow!("watching the local tree: {e}"))
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
        let mut w = self.0;
        say(&crate::tr!(
            "skiff: watching {dir} for changes (Ctrl-C stops)",
            dir = local_root
        ));
        // Directories still to synchronise again (after a failed pass).
        let mut pending: BTreeSet<String> = BTreeSet::new();
        while let Some(batch) = w
            .next_batch(quiet, RETRY, std::mem::take(&mut pending))
            .await
        {
            for e in &batch.errors {
                say!("skiff: watching: {e}");
            }
            for rel in batch.dirs {
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
                say(&crate::tr!(
                    "skiff: will try {n} again in {secs} s",
                    n = pending.len(),
                    secs = RETRY.max(quiet).as_secs()
                ));
            }
        }
        Ok(0)
    }
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
        &crate::sync::below(local_root, rel),
        &crate::sync::below(remote_root, rel),
        opts,
        &o,
    )
    .await
}
