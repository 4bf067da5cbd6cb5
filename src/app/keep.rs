//! "Keep the server up to date" (`W`): a first pass over the whole directory, then the local
//! directory watched (`sync::watch`) and, after each quiet moment, every directory that
//! changed planned against the server's (`sync::plan`, on a login of its own) and queued on
//! the transfer engine: changed and new files, new directories whole. Nothing is deleted on
//! the server. A pass that fails (the server gone) is tried again a few seconds later.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::fs::local::LocalFs;
use crate::ftp::{ConnectOptions, FtpSession, Tap};
use crate::sync::watch::Watcher;
use crate::sync::{self, Rules, Step};
use crate::transfer::{Direction, Engine, EngineCmd, JobKind, JobSpec, OnExists};

/// How long the tree must stay quiet before a pass, and how long a failed pass waits.
const QUIET: Duration = Duration::from_secs(1);
const RETRY: Duration = Duration::from_secs(5);

/// Start keeping `remote` up to date with `local`; the task stops when aborted.
pub(super) fn start(
    local: String,
    remote: String,
    opts: ConnectOptions,
    engine: Engine,
    tap: Tap,
) -> Option<tokio::task::JoinHandle<()>> {
    let mut w = match Watcher::start(&local) {
        Ok(w) => w,
        Err(e) => {
            tap.warn(format!("cannot watch {local}: {e}"));
            return None;
        }
    };
    tap.info(format!("keeping {remote} up to date with {local}"));
    Some(tokio::spawn(async move {
        let mut pending: BTreeSet<String> = BTreeSet::new();
        // The whole directory first, then what changes.
        let mut first = Some(vec![String::new()]);
        loop {
            let dirs = match first.take() {
                Some(d) => d,
                None => {
                    let Some(batch) = w
                        .next_batch(QUIET, RETRY, std::mem::take(&mut pending))
                        .await
                    else {
                        break;
                    };
                    for e in &batch.errors {
                        tap.warn(format!("watching {local}: {e}"));
                    }
                    batch.dirs
                }
            };
            for rel in dirs {
                match specs_for(&opts, &tap, &local, &remote, &rel).await {
                    Ok(specs) if specs.is_empty() => {}
                    Ok(specs) => {
                        tap.info(format!(
                            "{}: {} changed, queued",
                            if rel.is_empty() { "." } else { &rel },
                            specs.len()
                        ));
                        engine.send(EngineCmd::EnqueueWith {
                            specs,
                            policy: OnExists::Overwrite,
                        });
                    }
                    Err(e) => {
                        tap.warn(format!(
                            "{}: {e}; trying again in {} s",
                            if rel.is_empty() { "." } else { &rel },
                            RETRY.as_secs()
                        ));
                        pending.insert(rel);
                    }
                }
            }
        }
    }))
}

/// The uploads that bring `remote/rel` up to date with `local/rel`: files that are new,
/// changed in size or newer here; a new directory as one job (it brings its content).
async fn specs_for(
    opts: &ConnectOptions,
    tap: &Tap,
    local: &str,
    remote: &str,
    rel: &str,
) -> Result<Vec<JobSpec>, String> {
    let mut s = FtpSession::connect(opts.clone(), tap.clone())
        .await
        .map_err(|e| e.to_string())?;
    let rules = Rules {
        within: rel.to_string(),
        ..Rules::default()
    };
    let (src_root, dst_root) = (sync::below(local, rel), sync::below(remote, rel));
    let plan = sync::plan(&mut LocalFs, &src_root, &mut s, &dst_root, &rules)
        .await
        .map_err(|e| e.to_string());
    s.quit().await;
    Ok(to_specs(&plan?, &src_root, &dst_root))
}

/// A plan as upload jobs: files copied or updated, new directories whole (and nothing under
/// them apart), no deletions.
fn to_specs(plan: &sync::Plan, src_root: &str, dst_root: &str) -> Vec<JobSpec> {
    let new_dirs: Vec<&str> = plan
        .items
        .iter()
        .filter(|i| i.step == Step::Mkdir && !i.rel.is_empty())
        .map(|i| i.rel.as_str())
        .collect();
    let inside_new = |rel: &str| {
        new_dirs
            .iter()
            .any(|d| rel != *d && rel.starts_with(&format!("{d}/")))
    };
    plan.items
        .iter()
        .filter(|i| !inside_new(&i.rel))
        .filter_map(|i| {
            let kind = match i.step {
                Step::Copy | Step::Update => JobKind::File,
                Step::Mkdir if !i.rel.is_empty() => JobKind::Dir,
                _ => return None,
            };
            Some(JobSpec {
                direction: Direction::Upload,
                kind,
                src: sync::below(src_root, &i.rel).into(),
                dst: sync::below(dst_root, &i.rel).into(),
                size: (kind == JobKind::File).then_some(i.size),
                mtime: i.mtime,
                is_move: false,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_directory_is_one_job_and_files_elsewhere_are_their_own() {
        let item = |rel: &str, step: Step, dir: bool| sync::Item {
            rel: rel.into(),
            step,
            dir,
            why: "",
            size: 3,
            mtime: None,
        };
        let plan = sync::Plan {
            items: vec![
                item("new", Step::Mkdir, true),
                item("new/deep", Step::Mkdir, true),
                item("new/deep/f", Step::Copy, false),
                item("old.txt", Step::Update, false),
                item("gone", Step::Delete, false),
            ],
            ..Default::default()
        };
        let specs = to_specs(&plan, "/l", "/r");
        let got: Vec<(String, JobKind)> =
            specs.iter().map(|s| (s.dst.to_string(), s.kind)).collect();
        assert_eq!(
            got,
            vec![
                ("/r/new".to_string(), JobKind::Dir),
                ("/r/old.txt".to_string(), JobKind::File)
            ]
        );
        assert!(specs.iter().all(|s| s.direction == Direction::Upload));
    }
}
