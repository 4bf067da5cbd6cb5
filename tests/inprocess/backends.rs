//! The transfer engine over a second backend, the local disk (`transfer::LocalDisk`): the same
//! queue and worker code as over FTP copy trees between two local directories, resume a
//! temporary file, apply the on-exists policies and refuse a text-mode transfer the far side
//! cannot do. What would break here if the worker spoke FTP anywhere but through
//! `fs::Remote`.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use skiff::transfer::{
    Direction, Engine, EngineCmd, EngineConfig, EngineEvent, Job, JobId, JobKind, JobSpec,
    JobState, LocalDisk, OnExists, TransferMode,
};
use tokio::sync::mpsc;

use crate::common::trees::tree;

fn sample(root: &Path) {
    std::fs::create_dir_all(root.join("a/b/c")).unwrap();
    std::fs::create_dir_all(root.join("empty")).unwrap();
    std::fs::write(root.join("top.txt"), b"top\n").unwrap();
    std::fs::write(root.join("a/x"), b"x").unwrap();
    std::fs::write(root.join("a/x.part"), b"a leftover partial upload").unwrap();
    std::fs::write(root.join("a/x (1)"), b"numbered").unwrap();
    std::fs::write(root.join("a/b/数据.bin"), vec![7u8; 300_000]).unwrap();
    let big: Vec<u8> = (0..3_000_000u32).map(|i| (i * 13 % 251) as u8).collect();
    std::fs::write(root.join("a/b/c/big.bin"), big).unwrap();
    for i in 0..40 {
        std::fs::write(root.join(format!("a/f{i:02}")), format!("file {i}")).unwrap();
    }
}

fn config(parallel: usize, on_exists: OnExists) -> EngineConfig<LocalDisk> {
    let mut c = EngineConfig::new(LocalDisk::default());
    c.parallel = parallel;
    c.on_exists = on_exists;
    c.backoff = Duration::from_millis(20);
    c
}

fn spec(direction: Direction, kind: JobKind, src: &Path, dst: &Path) -> JobSpec {
    JobSpec {
        direction,
        kind,
        src: src.to_string_lossy().into_owned().into(),
        dst: dst.to_string_lossy().into_owned().into(),
        size: None,
        mtime: None,
        is_move: false,
    }
}

/// Run `specs` to the end; the jobs as they ended.
async fn run(cfg: EngineConfig<LocalDisk>, specs: Vec<JobSpec>) -> BTreeMap<JobId, Job> {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let engine = Engine::start(cfg, tx, None);
    engine.send(EngineCmd::Enqueue(specs));
    let mut jobs = BTreeMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let settled = !jobs.is_empty()
            && jobs.values().all(|j: &Job| {
                j.state.is_finished() || matches!(j.state, JobState::Conflict { .. })
            });
        if settled {
            break;
        }
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(EngineEvent::Added { jobs: added, .. })) => {
                jobs.extend(added.into_iter().map(|j| (j.id, j)));
            }
            Ok(Some(EngineEvent::Changed(j))) => {
                jobs.insert(j.id, j);
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("the engine stopped"),
            Err(_) => panic!("timed out: {jobs:#?}"),
        }
    }
    engine.shutdown().await;
    jobs
}

fn states(jobs: &BTreeMap<JobId, Job>) -> Vec<(String, String)> {
    jobs.values()
        .map(|j| (j.name().to_string(), j.state.label().to_string()))
        .collect()
}

#[tokio::test]
async fn the_engine_copies_trees_both_ways_over_the_local_disk_backend() {
    let far = tempfile::tempdir().unwrap();
    sample(far.path());
    for parallel in [1, 6] {
        let near = tempfile::tempdir().unwrap();
        let down = near.path().join("down");
        let jobs = run(
            config(parallel, OnExists::Overwrite),
            vec![spec(Direction::Download, JobKind::Dir, far.path(), &down)],
        )
        .await;
        assert!(
            jobs.values().all(|j| j.state == JobState::Done),
            "{:?}",
            states(&jobs)
        );
        assert_eq!(tree(&down), tree(far.path()), "download with {parallel}");

        let back = far.path().join(format!("up-{parallel}"));
        let jobs = run(
            config(parallel, OnExists::Overwrite),
            vec![spec(Direction::Upload, JobKind::Dir, &down, &back)],
        )
        .await;
        assert!(
            jobs.values().all(|j| j.state == JobState::Done),
            "{:?}",
            states(&jobs)
        );
        assert_eq!(tree(&back), tree(&down), "upload with {parallel}");
        std::fs::remove_dir_all(&back).unwrap();
    }
}

#[tokio::test]
async fn a_download_resumes_at_its_offset_and_the_policies_hold() {
    let far = tempfile::tempdir().unwrap();
    let data: Vec<u8> = (0..2_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    std::fs::write(far.path().join("f.bin"), &data).unwrap();
    let near = tempfile::tempdir().unwrap();
    let dst = near.path().join("f.bin");

    // The first 700,000 bytes are there under the destination's name: "resume" continues
    // them (the backend reads from the offset), and the result is byte-exact.
    std::fs::write(&dst, &data[..700_000]).unwrap();
    let mut s = spec(
        Direction::Download,
        JobKind::File,
        &far.path().join("f.bin"),
        &dst,
    );
    s.size = Some(data.len() as u64);
    let jobs = run(config(1, OnExists::Resume), vec![s.clone()]).await;
    assert!(
        jobs.values().all(|j| j.state == JobState::Done),
        "{:?}",
        states(&jobs)
    );
    assert_eq!(std::fs::read(&dst).unwrap(), data);
    // In one go: a read from the wrong offset would fail the size check and pass only on a
    // retry from 0.
    assert_eq!(jobs.values().next().unwrap().attempts, 1, "{jobs:#?}");

    // Complete now: resume skips it, skip skips it, rename writes `f (1).bin` beside it.
    let jobs = run(config(1, OnExists::Resume), vec![s.clone()]).await;
    assert!(
        matches!(
            jobs.values().next().unwrap().state,
            JobState::Skipped { .. }
        ),
        "{:?}",
        states(&jobs)
    );
    let jobs = run(config(1, OnExists::Rename), vec![s.clone()]).await;
    assert!(
        jobs.values().all(|j| j.state == JobState::Done),
        "{:?}",
        states(&jobs)
    );
    assert_eq!(std::fs::read(near.path().join("f (1).bin")).unwrap(), data);
    // Ask stops at a conflict with the destination's size.
    let jobs = run(config(1, OnExists::Ask), vec![s]).await;
    assert!(
        matches!(
            jobs.values().next().unwrap().state,
            JobState::Conflict { .. }
        ),
        "{:?}",
        states(&jobs)
    );
    // No temporary file is left behind.
    assert!(
        tree(near.path()).keys().all(|k| !k.ends_with(".part")),
        "{:?}",
        tree(near.path()).keys()
    );
}

#[tokio::test]
async fn an_upload_keeps_the_modification_time_and_text_mode_is_refused_where_there_is_none() {
    let near = tempfile::tempdir().unwrap();
    let far = tempfile::tempdir().unwrap();
    let src = near.path().join("notes.txt");
    std::fs::write(&src, b"one\ntwo\n").unwrap();
    let t = std::time::UNIX_EPOCH + Duration::from_secs(1_500_000_000);
    std::fs::File::options()
        .write(true)
        .open(&src)
        .unwrap()
        .set_modified(t)
        .unwrap();
    let dst = far.path().join("notes.txt");
    let jobs = run(
        config(1, OnExists::Overwrite),
        vec![spec(Direction::Upload, JobKind::File, &src, &dst)],
    )
    .await;
    assert!(
        jobs.values().all(|j| j.state == JobState::Done),
        "{:?}",
        states(&jobs)
    );
    assert_eq!(std::fs::read(&dst).unwrap(), b"one\ntwo\n");
    assert_eq!(std::fs::metadata(&dst).unwrap().modified().unwrap(), t);

    // ASCII mode needs a far side that converts line ends: this one does not, and the job
    // fails with the reason instead of copying something else than asked.
    let mut cfg = config(1, OnExists::Overwrite);
    cfg.mode = TransferMode::Ascii;
    cfg.max_attempts = 1;
    let other = far.path().join("other.txt");
    let jobs = run(
        cfg,
        vec![spec(Direction::Upload, JobKind::File, &src, &other)],
    )
    .await;
    let job = jobs.values().next().unwrap();
    assert!(
        matches!(job.state, JobState::Failed { .. }),
        "{:?}",
        states(&jobs)
    );
    assert!(!other.exists());
}

#[tokio::test]
async fn a_temporary_upload_replaces_a_file_even_where_renames_do_not_overwrite() {
    use skiff::transfer::UploadTemp;
    // The local disk as the far side refuses to rename over an existing file (as some FTP
    // servers do): the finished temporary file replaces the old one all the same, and the
    // worker remembers to write straight to the name next time.
    let near = tempfile::tempdir().unwrap();
    let far = tempfile::tempdir().unwrap();
    for (i, n) in ["a.bin", "b.bin"].iter().enumerate() {
        std::fs::write(near.path().join(n), vec![i as u8 + 1; 50_000]).unwrap();
        std::fs::write(far.path().join(n), b"old").unwrap();
    }
    std::fs::write(near.path().join("new.bin"), b"fresh").unwrap();
    for mode in [UploadTemp::Always, UploadTemp::Never, UploadTemp::Auto] {
        let mut cfg = config(1, OnExists::Overwrite);
        cfg.upload_temp = mode;
        let specs = ["a.bin", "b.bin", "new.bin"]
            .iter()
            .map(|n| {
                spec(
                    Direction::Upload,
                    JobKind::File,
                    &near.path().join(n),
                    &far.path().join(n),
                )
            })
            .collect();
        let jobs = run(cfg, specs).await;
        assert!(
            jobs.values().all(|j| j.state == JobState::Done),
            "{mode:?}: {:?}",
            states(&jobs)
        );
        assert_eq!(tree(far.path()), tree(near.path()), "{mode:?}");
        for n in ["a.bin", "b.bin"] {
            std::fs::write(far.path().join(n), b"old").unwrap();
        }
        std::fs::remove_file(far.path().join("new.bin")).unwrap();
    }
}

#[tokio::test]
async fn a_bandwidth_limit_holds_for_all_transfers_together() {
    // 4 MiB in two files at 2 MiB/s for both together: about 2 s (less the first quarter
    // second's worth, which goes at once). The exact figure belongs in the benchmark.
    let far = tempfile::tempdir().unwrap();
    let near = tempfile::tempdir().unwrap();
    for n in ["a.bin", "b.bin"] {
        std::fs::write(far.path().join(n), vec![3u8; 2 * 1024 * 1024]).unwrap();
    }
    let mut cfg = config(2, OnExists::Overwrite);
    cfg.limit_rate = Some(2 * 1024 * 1024);
    let started = std::time::Instant::now();
    let jobs = run(
        cfg,
        ["a.bin", "b.bin"]
            .iter()
            .map(|n| {
                spec(
                    Direction::Download,
                    JobKind::File,
                    &far.path().join(n),
                    &near.path().join(n),
                )
            })
            .collect(),
    )
    .await;
    let took = started.elapsed();
    assert!(
        jobs.values().all(|j| j.state == JobState::Done),
        "{:?}",
        states(&jobs)
    );
    assert_eq!(tree(near.path()), tree(far.path()));
    assert!(
        took > Duration::from_millis(1500) && took < Duration::from_secs(5),
        "{took:?}"
    );
}
