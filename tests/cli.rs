//! The headless commands, run as a user would: the real binary against the in-process server.

use std::path::Path;
use std::process::Command;

use skiff::demo::{self, DemoOptions};

fn skiff(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_skiff"))
        .args(args)
        .current_dir(dir)
        .env("SKIFF_PASSWORD", "demo")
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("running skiff")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_put_ls_round_trip() {
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

    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || skiff(&["ls", &format!("{base}/dir%20with%20spaces")], &dir)
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("hello world.txt") && text.contains("another file.log"),
        "{text}"
    );

    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || {
            skiff(
                &["get", "--parallel", "8", &format!("{base}/many"), "."],
                &dir,
            )
        }
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = String::from_utf8_lossy(&out.stderr);
    assert!(summary.contains("150 files"), "{summary}");
    assert_eq!(
        std::fs::read_dir(work.path().join("many")).unwrap().count(),
        150
    );
    assert_eq!(
        std::fs::read(work.path().join("many/file-042.txt")).unwrap(),
        b"file number 42\n"
    );

    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || skiff(&["put", "-q", "many", &format!("{base}/")], &dir)
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "--quiet prints nothing");

    // Failures are listed with their reply codes and the exit status says so.
    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || skiff(&["get", &format!("{base}/no-such-file.txt")], &dir)
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("failed [550]"), "{err}");
    assert!(
        !err.contains("demo@") || !err.contains(":demo@"),
        "no password in the output"
    );

    // --on-exists skip leaves what is there.
    std::fs::write(work.path().join("README.txt"), b"mine").unwrap();
    let out = tokio::task::spawn_blocking({
        let (base, dir) = (base.clone(), work.path().to_path_buf());
        move || {
            skiff(
                &["get", "--on-exists", "skip", &format!("{base}/README.txt")],
                &dir,
            )
        }
    })
    .await
    .unwrap();
    assert!(out.status.success());
    assert_eq!(
        std::fs::read(work.path().join("README.txt")).unwrap(),
        b"mine"
    );
}
