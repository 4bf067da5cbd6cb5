//! `skiff sync` as a user runs it: the real binary against the in-process server, both ways,
//! a second run that finds nothing to do, deletions only with `--delete` and within
//! `--max-delete`, excludes, `--dry-run` and `--json`, and bad arguments.

use std::path::Path;
use std::process::{Command, Output};

use skiff::demo::{self, DemoOptions};

use crate::common::trees::{tree, tree_now};

async fn skiff(args: Vec<String>, dir: &Path) -> Output {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_skiff"))
            .args(&args)
            .current_dir(dir)
            .env("SKIFF_PASSWORD", "demo")
            .env_remove("RUST_BACKTRACE")
            .output()
            .expect("running skiff")
    })
    .await
    .unwrap()
}

fn args(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn ok(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "exit {:?}: {err}", out.status.code());
    err
}

/// The JSON lines of a `--json` run: the plan's lines and the result.
fn json_lines(out: &Output) -> (Vec<serde_json::Value>, serde_json::Value) {
    let text = String::from_utf8_lossy(&out.stdout);
    let mut plan = Vec::new();
    let mut result = serde_json::Value::Null;
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {line:?} in {text}"));
        match v["type"].as_str() {
            Some("plan") | Some("passed_over") => plan.push(v),
            Some("result") => result = v,
            other => panic!("unknown line type {other:?}: {line}"),
        }
    }
    (plan, result)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_mirrors_both_ways_and_a_second_run_does_nothing() {
    let remote = tempfile::tempdir().unwrap();
    demo::populate_sample_tree(remote.path()).unwrap();
    std::fs::remove_file(remote.path().join("readme-link")).unwrap();
    let server = demo::start(DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let base = format!("ftp://demo@127.0.0.1:{}", server.port);
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("docs-copy");

    // Down: the server's docs into a directory that does not exist yet.
    let out = skiff(
        args(&["sync", &format!("{base}/docs"), local.to_str().unwrap()]),
        work.path(),
    )
    .await;
    let err = ok(&out);
    assert!(err.contains("sync: "), "{err}");
    assert_eq!(tree(&local), tree(&remote.path().join("docs")));

    // Again: nothing planned, nothing copied.
    let out = skiff(
        args(&[
            "sync",
            "--json",
            &format!("{base}/docs"),
            local.to_str().unwrap(),
        ]),
        work.path(),
    )
    .await;
    ok(&out);
    let (plan, result) = json_lines(&out);
    assert!(plan.is_empty(), "second run planned {plan:#?}");
    assert_eq!(result["copied"], 0, "{result}");
    assert_eq!(result["exit"], 0);

    // Up: the local copy, changed, to a new directory on the server; then again, nothing.
    std::fs::write(local.join("added.txt"), b"new here\n").unwrap();
    std::fs::create_dir_all(local.join("new/deeper")).unwrap();
    std::fs::write(local.join("new/deeper/x.bin"), vec![9u8; 70_000]).unwrap();
    let up = format!("{base}/mirror/of/docs");
    let out = skiff(
        args(&["sync", "-P", "3", local.to_str().unwrap(), &up]),
        work.path(),
    )
    .await;
    ok(&out);
    let mirror = remote.path().join("mirror/of/docs");
    assert_eq!(tree(&mirror), tree(&local));
    let out = skiff(
        args(&["sync", "--json", local.to_str().unwrap(), &up]),
        work.path(),
    )
    .await;
    ok(&out);
    let (plan, result) = json_lines(&out);
    assert!(plan.is_empty(), "second upload planned {plan:#?}");
    assert_eq!(result["copied"], 0, "{result}");

    // A file changed in size is replaced; excluded names are neither copied nor deleted.
    std::fs::write(local.join("added.txt"), b"longer than before\n").unwrap();
    std::fs::write(local.join("skip.log"), b"log").unwrap();
    std::fs::write(mirror.join("keep.log"), b"theirs").unwrap();
    std::fs::write(mirror.join("stray.txt"), b"only there").unwrap();
    let out = skiff(
        args(&[
            "sync",
            "--json",
            "--exclude",
            "*.log",
            local.to_str().unwrap(),
            &up,
        ]),
        work.path(),
    )
    .await;
    ok(&out);
    let (plan, _) = json_lines(&out);
    let actions: Vec<(String, String)> = plan
        .iter()
        .map(|v| {
            (
                v["action"].as_str().unwrap_or("").into(),
                v["path"].as_str().unwrap_or("").into(),
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![("update".to_string(), "added.txt".to_string())]
    );
    assert_eq!(
        std::fs::read(mirror.join("added.txt")).unwrap(),
        b"longer than before\n"
    );
    assert!(!mirror.join("skip.log").exists());
    assert!(
        mirror.join("stray.txt").exists(),
        "no deletion without --delete"
    );

    // --delete within --max-delete; beyond it nothing changes at all.
    std::fs::write(local.join("later.txt"), b"later").unwrap();
    let out = skiff(
        args(&[
            "sync",
            "--delete",
            "--max-delete",
            "0",
            "--exclude",
            "*.log",
            local.to_str().unwrap(),
            &up,
        ]),
        work.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--max-delete"));
    assert!(mirror.join("stray.txt").exists() && !mirror.join("later.txt").exists());
    // A dry run prints the plan and changes nothing.
    let out = skiff(
        args(&[
            "sync",
            "--delete",
            "--dry-run",
            "--exclude",
            "*.log",
            local.to_str().unwrap(),
            &up,
        ]),
        work.path(),
    )
    .await;
    ok(&out);
    let plan_text = String::from_utf8_lossy(&out.stdout);
    assert!(plan_text.contains("delete stray.txt"), "{plan_text}");
    assert!(plan_text.contains("copy   later.txt"), "{plan_text}");
    assert!(mirror.join("stray.txt").exists() && !mirror.join("later.txt").exists());
    let out = skiff(
        args(&[
            "sync",
            "--delete",
            "--max-delete",
            "1",
            "--exclude",
            "*.log",
            local.to_str().unwrap(),
            &up,
        ]),
        work.path(),
    )
    .await;
    ok(&out);
    assert!(!mirror.join("stray.txt").exists());
    assert!(mirror.join("keep.log").exists(), "excluded: not deleted");
    assert_eq!(std::fs::read(mirror.join("later.txt")).unwrap(), b"later");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_arguments_exit_with_2_and_change_nothing() {
    let work = tempfile::tempdir().unwrap();
    let out = skiff(args(&["sync", "a", "b"]), work.path()).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("one side must be"));
    let out = skiff(args(&["sync", "ftp://h/a", "ftp://h/b"]), work.path()).await;
    assert_eq!(out.status.code(), Some(2));
    let out = skiff(
        args(&["sync", "--exclude", "a[", ".", "ftp://127.0.0.1:1/x"]),
        work.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("a["));
    let out = skiff(
        args(&["sync", "--only-newer", "--size-only", ".", "ftp://h/"]),
        work.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(2));
    assert!(std::fs::read_dir(work.path()).unwrap().next().is_none());
}

/// A `skiff sync --watch` running in the background, stopped when dropped.
struct Watching(std::process::Child);

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Wait (up to 20 s) until `what` holds; on a timeout, say what the watcher printed (its
/// logs are in `logs`).
async fn until(what: &str, logs: &Path, mut ok: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while !ok() {
        let read = |n: &str| std::fs::read_to_string(logs.join(n)).unwrap_or_default();
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}\n--- stdout\n{}\n--- stderr\n{}",
            read("out.txt"),
            read("err.txt")
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_mode_uploads_what_is_created_or_changed_and_deletes_only_with_delete() {
    let remote = tempfile::tempdir().unwrap();
    let server = demo::start(DemoOptions {
        root: Some(remote.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("site");
    std::fs::create_dir_all(local.join("css")).unwrap();
    std::fs::write(local.join("index.html"), b"<h1>one</h1>").unwrap();
    std::fs::write(local.join("css/a.css"), b"a{}").unwrap();
    std::fs::write(local.join("old.txt"), b"to be deleted").unwrap();
    let mirror = remote.path().join("www");
    let child = Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args([
            "sync",
            "--watch",
            "--watch-delay",
            "0.2",
            "--delete",
            "--exclude",
            "*.swp",
            local.to_str().unwrap(),
            &format!("ftp://demo@127.0.0.1:{}/www", server.port),
        ])
        .env("SKIFF_PASSWORD", "demo")
        .env_remove("RUST_BACKTRACE")
        .stdout(std::fs::File::create(work.path().join("out.txt")).unwrap())
        .stderr(std::fs::File::create(work.path().join("err.txt")).unwrap())
        .spawn()
        .expect("skiff sync --watch");
    let _w = Watching(child);
    until("the first pass", work.path(), || {
        tree_now(&mirror) == Some(tree(&local))
    })
    .await;

    // Created (in a new directory too), changed, deleted; an excluded file stays here.
    std::fs::write(local.join("index.html"), b"<h1>two, longer</h1>").unwrap();
    std::fs::create_dir_all(local.join("img/icons")).unwrap();
    std::fs::write(local.join("img/icons/x.png"), vec![1u8; 40_000]).unwrap();
    std::fs::remove_file(local.join("old.txt")).unwrap();
    std::fs::write(local.join(".index.html.swp"), b"editor junk").unwrap();
    until("the changes", work.path(), || {
        let mut want = tree(&local);
        want.remove(".index.html.swp");
        tree_now(&mirror) == Some(want)
    })
    .await;
    assert!(!mirror.join(".index.html.swp").exists());
    assert!(!mirror.join("old.txt").exists());

    // A whole directory removed goes too.
    std::fs::remove_dir_all(local.join("css")).unwrap();
    until("the removed directory", work.path(), || {
        !mirror.join("css").exists()
    })
    .await;
    let mut want = tree(&local);
    want.remove(".index.html.swp");
    assert_eq!(tree(&mirror), want);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_needs_a_local_source() {
    let work = tempfile::tempdir().unwrap();
    let out = skiff(
        args(&[
            "sync",
            "--watch",
            "ftp://127.0.0.1:1/x",
            work.path().to_str().unwrap(),
        ]),
        work.path(),
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--watch watches a local tree"));
    let out = skiff(
        args(&["sync", "--watch", "--dry-run", ".", "ftp://h/"]),
        work.path(),
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "--watch and --dry-run do not mix"
    );
}
