//! `skiff sync`: make a server's directory mirror a local one (`skiff sync LOCAL URL`) or the
//! other way round (`skiff sync URL LOCAL`). The plan comes from `sync::plan` (both trees read
//! through `fs::Remote`), the copies run on the transfer engine like `get` and `put`, and
//! deletions happen only with `--delete`, after every copy succeeded (what is in the way of a
//! copy goes first).

use serde_json::json;

use super::*;
use crate::fs::local::LocalFs;
use crate::sync::{self, IN_THE_WAY, Item, Plan, Rules, Step};

/// How `skiff sync` runs, besides its connection.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub rules: Rules,
    pub dry_run: bool,
    pub json: bool,
    /// Refuse a plan that deletes more entries than this.
    pub max_delete: Option<usize>,
    pub x: XferOptions,
    /// After the first pass, watch the local tree and keep the server's copy up to date;
    /// changes are gathered until this long passes without one (`--watch`).
    pub watch: Option<Duration>,
}

/// Which way the copies go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Way {
    Up,
    Down,
}

/// Whether a command-line argument names a server (`ftp://`, `ftps://`, `ftpes://`).
pub fn is_url(arg: &str) -> bool {
    let lower = arg.to_ascii_lowercase();
    ["ftp://", "ftps://", "ftpes://"]
        .iter()
        .any(|s| lower.starts_with(s))
}

fn plan_line(i: &Item) -> String {
    let what = if i.dir && i.step != Step::Delete {
        format!("{}/", i.rel)
    } else if i.dir {
        format!("{}/ (directory)", i.rel)
    } else {
        i.rel.clone()
    };
    let size = match i.step {
        Step::Copy | Step::Update => format!(", {}", human_size(i.size)),
        _ => String::new(),
    };
    format!("{:<6} {what}  ({}{size})", i.step.name(), i.why)
}

fn item_json(i: &Item) -> serde_json::Value {
    json!({
        "type": "plan",
        "action": i.step.name(),
        "path": i.rel,
        "dir": i.dir,
        "size": i.size,
        "mtime": i.mtime,
        "why": i.why,
    })
}

/// One JSON line on stdout (names made printable like every other line skiff prints).
fn emit(v: serde_json::Value) {
    say_out(&v.to_string());
}

/// Run a synchronisation; the exit status (0 all done, 1 something failed). With `--watch`,
/// go on watching after the first pass (until interrupted).
pub async fn sync(
    way: Way,
    local: &Path,
    url: &FtpUrl,
    mut opts: ConnectOptions,
    o: SyncOptions,
) -> anyhow::Result<i32> {
    if way == Way::Up && !local.is_dir() {
        bail!("{} is not a directory", local.display());
    }
    if o.watch.is_some() && way != Way::Up {
        bail!("--watch watches a local tree: the source must be the local directory");
    }
    let local_root =
        std::path::absolute(local).with_context(|| format!("cannot use {}", local.display()))?;
    let local_root = crate::names::from_os(local_root.as_os_str());
    let s = connect_session(opts.clone(), verbose_tap("browse", o.x.verbose))
        .await
        .map_err(connect_error)?;
    if !o.json {
        say_verify(&s, &o.x);
    }
    // A server that lists times in its own zone would make every file look newer or older:
    // the offset is found (or taken from --time-offset) before anything is compared, and the
    // transfer connections use it too.
    let s = {
        let mut s = s;
        if let Some(offset) = s.detect_time_offset().await {
            opts.time_offset = Some(offset);
            if offset != 0 && !o.x.quiet && !o.json {
                say(&crate::tr!(
                    "skiff: the server lists times {hours} h from UTC; corrected",
                    hours = format!("{:+.2}", -(offset as f64) / 3600.0)
                ));
            }
        }
        s
    };
    let home = s.cwd().to_string();
    let remote_root = match url.path.clone() {
        None => home.clone(),
        Some(p) if p.starts_with('/') => p,
        Some(p) => remote_join(&home, &p),
    };
    let remote_root = match remote_root.trim_end_matches('/') {
        "" => "/".to_string(),
        r => r.to_string(),
    };
    // Watching starts before the first pass: what changes during it is not missed.
    let watching = match o.watch {
        Some(_) => Some(super::watch::Watch::start(&local_root)?),
        None => None,
    };
    let code = pass(way, s, &local_root, &remote_root, &opts, &o).await?;
    match (watching, o.watch) {
        (Some(w), Some(quiet)) => w.run(&local_root, &remote_root, &opts, &o, quiet).await,
        _ => Ok(code),
    }
}

/// One synchronisation of `local_root` and `remote_root` (below `o.rules.within`, which the
/// roots already point into) on the logged-in `s`: plan, say it, check `--max-delete`, carry
/// it out. The exit status.
pub(super) async fn pass(
    way: Way,
    mut s: FtpSession,
    local_root: &str,
    remote_root: &str,
    opts: &ConnectOptions,
    o: &SyncOptions,
) -> anyhow::Result<i32> {
    let (local_root, remote_root) = (local_root.to_string(), remote_root.to_string());
    let plan = match way {
        Way::Up => sync::plan(&mut LocalFs, &local_root, &mut s, &remote_root, &o.rules).await,
        Way::Down => sync::plan(&mut s, &remote_root, &mut LocalFs, &local_root, &o.rules).await,
    }
    .map_err(|e| anyhow::anyhow!("reading the source: {e}"))?;
    let (src_root, dst_root) = match way {
        Way::Up => (local_root.as_str(), remote_root.as_str()),
        Way::Down => (remote_root.as_str(), local_root.as_str()),
    };
    show_plan(&plan, o, src_root, dst_root);
    let deletes = plan.count(Step::Delete);
    if let Some(max) = o.max_delete
        && deletes > max
    {
        bail!(
            "the plan deletes {deletes} entries, more than --max-delete {max}: nothing was \
             changed (an empty or wrong source?)"
        );
    }
    if o.dry_run {
        s.quit().await;
        return Ok(0);
    }
    let mut failed: Vec<String> = Vec::new();
    let mut made = 0usize;
    let mut deleted = 0usize;

    // What is in the way of a copy goes first, then the directories are made.
    for i in plan.items.iter().filter(|i| i.why == IN_THE_WAY) {
        match delete(way, &mut s, dst_root, i).await {
            Ok(()) => deleted += 1,
            Err(e) => failed.push(format!("failed: delete {}: {e}", i.rel)),
        }
    }
    for i in plan.items.iter().filter(|i| i.step == Step::Mkdir) {
        let path = sync::below(dst_root, &i.rel);
        let r = match way {
            Way::Down => std::fs::create_dir(crate::names::local_path(&path))
                .or_else(|e| {
                    if i.rel.is_empty() && e.kind() == std::io::ErrorKind::NotFound {
                        std::fs::create_dir_all(crate::names::local_path(&path))
                    } else {
                        Err(e)
                    }
                })
                .map_err(|e| e.to_string()),
            Way::Up if i.rel.is_empty() => make_remote_dirs(&mut s, &path)
                .await
                .map(drop)
                .map_err(|e| e.to_string()),
            Way::Up => s.mkdir(&path).await.map_err(|e| e.to_string()),
        };
        match r {
            Ok(()) => made += 1,
            Err(e) => failed.push(format!("failed: mkdir {}: {e}", i.rel)),
        }
    }
    // The copies, on the engine (its own connections).
    let specs: Vec<JobSpec> = plan
        .items
        .iter()
        .filter(|i| matches!(i.step, Step::Copy | Step::Update))
        .map(|i| JobSpec {
            direction: match way {
                Way::Up => Direction::Upload,
                Way::Down => Direction::Download,
            },
            kind: JobKind::File,
            src: sync::below(src_root, &i.rel).into(),
            dst: sync::below(dst_root, &i.rel).into(),
            size: Some(i.size),
            mtime: i.mtime,
            is_move: false,
        })
        .collect();
    let mut report = run::Report::default();
    if !specs.is_empty() && failed.is_empty() {
        let x = XferOptions {
            // The plan decided what is copied: what is there is replaced.
            on_exists: OnExists::Overwrite,
            quiet: o.x.quiet || o.json,
            ..o.x.clone()
        };
        report = run::run_engine(opts.clone(), x, specs, None).await?;
        failed.extend(report.failed.iter().cloned());
    } else if !specs.is_empty() {
        failed.push(format!(
            "{} files not copied: a directory could not be made or cleared",
            specs.len()
        ));
    }
    // The deletions, only when everything else went well.
    let rest: Vec<&Item> = plan
        .items
        .iter()
        .filter(|i| i.step == Step::Delete && i.why != IN_THE_WAY)
        .collect();
    if !rest.is_empty() && failed.is_empty() {
        if s.quote("NOOP", &[200]).await.is_err() {
            s = connect_session(opts.clone(), verbose_tap("browse", o.x.verbose))
                .await
                .map_err(connect_error)?;
        }
        for i in rest {
            match delete(way, &mut s, dst_root, i).await {
                Ok(()) => deleted += 1,
                Err(e) => failed.push(format!("failed: delete {}: {e}", i.rel)),
            }
        }
    } else if !rest.is_empty() {
        say(&crate::tr!(
            "skiff: {n} deletions skipped: something failed, and a mirror is not cleaned up after a failed copy",
            n = rest.len()
        ));
    }
    s.quit().await;
    let code = if failed.is_empty() { 0 } else { 1 };
    if o.json {
        emit(json!({
            "type": "result",
            "made": made,
            "copied": report.ok,
            "bytes": report.ok_bytes,
            "deleted": deleted,
            "skipped": report.skipped,
            "failed": failed,
            "exit": code,
        }));
    } else {
        if !o.x.quiet {
            say(&crate::tr!(
                "sync: {made} directories made, {copied} files copied ({bytes}), {deleted} deleted, {failed} failed",
                made = made,
                copied = report.ok,
                bytes = human_size(report.ok_bytes),
                deleted = deleted,
                failed = failed.len()
            ));
        }
        // run_engine listed the copies that failed already.
        for line in failed.iter().filter(|l| !report.failed.contains(l)) {
            say!("{line}");
        }
    }
    Ok(code)
}

fn show_plan(plan: &Plan, o: &SyncOptions, src_root: &str, dst_root: &str) {
    if o.json {
        for i in &plan.items {
            emit(item_json(i));
        }
        for (rel, why) in &plan.passed_over {
            emit(json!({"type": "passed_over", "path": rel, "why": why}));
        }
        if o.rules.compare == sync::Compare::Checksum {
            emit(json!({
                "type": "checksum",
                "algorithm": plan.checksum.map(|a| a.name()),
                "compared": plan.compared,
            }));
        }
        return;
    }
    for (rel, why) in &plan.passed_over {
        if !o.x.quiet {
            say!("not copied: {rel}: {why}");
        }
    }
    if o.rules.compare == sync::Compare::Checksum && !o.x.quiet {
        match plan.checksum {
            Some(a) => say(&crate::tr!(
                "compared {n} files of the same size by their {algo} checksums",
                n = plan.compared,
                algo = a.name()
            )),
            None => say(crate::i18n::t(
                "the server offers no checksum skiff can compute (SHA-256, SHA-512, SHA-1): compared by size and time instead",
            )),
        }
    }
    // A dry run lists the plan; a watch lists what each pass does.
    if o.dry_run || o.watch.is_some() {
        for i in &plan.items {
            // A watch's pass over one directory says paths from the top all the same.
            let shown = Item {
                rel: match (o.rules.within.as_str(), i.rel.as_str()) {
                    ("", r) => r.to_string(),
                    (w, "") => w.to_string(),
                    (w, r) => format!("{w}/{r}"),
                },
                ..i.clone()
            };
            say_out!("{}", plan_line(&shown));
        }
    }
    if !o.x.quiet {
        let mut line = crate::tr!(
            "sync {from} -> {to}: {copy} to copy, {update} to update ({bytes}), {mkdir} directories to make, {delete} to delete",
            from = src_root,
            to = dst_root,
            copy = plan.count(Step::Copy),
            update = plan.count(Step::Update),
            bytes = human_size(plan.bytes()),
            mkdir = plan.count(Step::Mkdir),
            delete = plan.count(Step::Delete)
        );
        if o.dry_run {
            line.push(' ');
            line.push_str(crate::i18n::t("(dry run: nothing changed)"));
        }
        say(&line);
    }
}

/// Remove one planned entry from the target.
async fn delete(way: Way, s: &mut FtpSession, dst_root: &str, i: &Item) -> Result<(), String> {
    let path = sync::below(dst_root, &i.rel);
    match (way, i.dir) {
        (Way::Up, false) => s.remove_file(&path).await.map_err(|e| e.to_string()),
        (Way::Up, true) => s.remove_dir(&path).await.map_err(|e| e.to_string()),
        (Way::Down, false) => {
            std::fs::remove_file(crate::names::local_path(&path)).map_err(|e| e.to_string())
        }
        (Way::Down, true) => {
            std::fs::remove_dir(crate::names::local_path(&path)).map_err(|e| e.to_string())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_told_from_paths() {
        assert!(is_url("ftp://h/x"));
        assert!(is_url("FTPES://h/"));
        assert!(is_url("ftps://u@h:990/"));
        assert!(!is_url("./ftp:/x"));
        assert!(!is_url("/tmp/ftp://x"));
        assert!(!is_url("local"));
    }

    #[test]
    fn a_plan_line_says_what_why_and_how_much() {
        let i = Item {
            rel: "a/b.txt".into(),
            step: Step::Update,
            dir: false,
            why: "size differs",
            size: 2048,
            mtime: None,
        };
        let line = plan_line(&i);
        assert!(line.starts_with("update a/b.txt"), "{line}");
        assert!(
            line.contains("size differs") && line.contains("2"),
            "{line}"
        );
        let v = item_json(&i);
        assert_eq!(v["action"], "update");
        assert_eq!(v["path"], "a/b.txt");
        assert_eq!(v["size"], 2048);
    }
}
