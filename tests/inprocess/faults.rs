//! Faults that need no luck: a proxy between the engine and the in-process server cuts data
//! connections, stalls them, refuses REST or answers 421. Each job must end complete and
//! byte-exact after a retry, or failed with the right reason, and no other job is lost.

use std::path::Path;
use std::time::Duration;

use crate::common::fault_proxy::{FaultProxy, Faults};
use skiff::app::remote::RemoteCmd;
use skiff::demo::{self, DemoOptions, DemoServer};
use skiff::ftp::{ConnectOptions, LogEvent, Secret};
use skiff::transfer::{
    Direction, Engine, EngineCmd, EngineConfig, EngineEvent, Job, JobKind, JobSpec, JobState,
    OnExists,
};
use tokio::sync::mpsc;

fn data(n: usize, seed: u32) -> Vec<u8> {
    (0..n as u32)
        .map(|i| (i.wrapping_mul(seed) % 251) as u8)
        .collect()
}

async fn server(root: &Path) -> DemoServer {
    demo::start(DemoOptions {
        root: Some(root.to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap()
}

fn config(port: u16) -> EngineConfig {
    let mut o = ConnectOptions::new("127.0.0.1", port, Some("demo"), Some(Secret::new("demo")));
    o.timeout = Duration::from_secs(5);
    let mut c = EngineConfig::new(o);
    c.parallel = 2;
    c.on_exists = OnExists::Overwrite;
    c.backoff = Duration::from_millis(50);
    c.stall = Duration::from_secs(1);
    c.max_attempts = 4;
    c
}

/// Run `specs` to the end; returns the final jobs (in id order) and the log.
async fn run(cfg: EngineConfig, specs: Vec<JobSpec>) -> (Vec<Job>, Vec<LogEvent>) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let (ltx, mut lrx) = mpsc::unbounded_channel();
    let engine = Engine::start(cfg, tx, Some(ltx));
    engine.send(EngineCmd::Enqueue(specs));
    let mut jobs = std::collections::BTreeMap::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let e = tokio::time::timeout_at(deadline, rx.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out: {jobs:#?}"))
            .expect("engine alive");
        match e {
            EngineEvent::Added { jobs: new, .. } => {
                for j in new {
                    jobs.insert(j.id, j);
                }
            }
            EngineEvent::Changed(j) => {
                jobs.insert(j.id, j);
            }
            _ => {}
        }
        if !jobs.is_empty() && jobs.values().all(|j: &Job| j.state.is_finished()) {
            break;
        }
    }
    engine.shutdown().await;
    let mut log = Vec::new();
    while let Ok(l) = lrx.try_recv() {
        log.push(l);
    }
    (jobs.into_values().collect(), log)
}

fn download(name: &str, size: usize, dst: &Path) -> JobSpec {
    JobSpec {
        direction: Direction::Download,
        kind: JobKind::File,
        src: format!("/{name}").into(),
        dst: dst.join(name).to_string_lossy().into(),
        size: Some(size as u64),
        mtime: None,
        is_move: false,
    }
}

/// Whether any temporary download file (`NAME.skiff-XXXXXXXX.part`) is left in `dir`.
fn has_part_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .unwrap()
        .any(|e| e.unwrap().file_name().to_string_lossy().ends_with(".part"))
}

fn texts(log: &[LogEvent]) -> Vec<String> {
    log.iter().map(|l| l.text.clone()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_data_connection_is_resumed_to_a_byte_exact_file() {
    let remote = tempfile::tempdir().unwrap();
    let a = data(3_000_000, 7);
    let b = data(1_000_000, 13);
    std::fs::write(remote.path().join("a.bin"), &a).unwrap();
    std::fs::write(remote.path().join("b.bin"), &b).unwrap();
    let srv = server(remote.path()).await;
    // The first data connection (a.bin's, with one worker first in line) is cut at 1 MB.
    let proxy = FaultProxy::start(
        srv.port,
        Faults {
            cut_after: Some((1_000_000, 1)),
            ..Faults::default()
        },
    )
    .await;
    let down = tempfile::tempdir().unwrap();
    let mut cfg = config(proxy.port);
    cfg.parallel = 1;
    let (jobs, log) = run(
        cfg,
        vec![
            download("a.bin", a.len(), down.path()),
            download("b.bin", b.len(), down.path()),
        ],
    )
    .await;
    assert!(jobs.iter().all(|j| j.state == JobState::Done), "{jobs:#?}");
    assert_eq!(jobs[0].attempts, 2, "one retry");
    assert_eq!(std::fs::read(down.path().join("a.bin")).unwrap(), a);
    assert_eq!(std::fs::read(down.path().join("b.bin")).unwrap(), b);
    assert!(
        texts(&log).iter().any(|t| t.starts_with("REST ")),
        "resumed with REST: {:?}",
        texts(&log)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_rest_restarts_from_zero() {
    let remote = tempfile::tempdir().unwrap();
    let a = data(500_000, 3);
    std::fs::write(remote.path().join("a.bin"), &a).unwrap();
    let srv = server(remote.path()).await;
    let proxy = FaultProxy::start(
        srv.port,
        Faults {
            refuse_rest: true,
            ..Faults::default()
        },
    )
    .await;
    let down = tempfile::tempdir().unwrap();
    // A .part with wrong bytes, continued because the policy says resume: it must not
    // survive the restart from 0 that the refused REST forces.
    let dst = down.path().join("a.bin").to_string_lossy().into_owned();
    let part = skiff::transfer::claims::temp_name("/a.bin", &dst, 0);
    std::fs::write(down.path().join(part), vec![0xAAu8; 200_000]).unwrap();
    let mut cfg = config(proxy.port);
    cfg.on_exists = OnExists::Resume;
    let (jobs, log) = run(cfg, vec![download("a.bin", a.len(), down.path())]).await;
    assert_eq!(jobs[0].state, JobState::Done, "{jobs:#?}");
    assert_eq!(std::fs::read(down.path().join("a.bin")).unwrap(), a);
    assert!(
        texts(&log).iter().any(|t| t.contains("REST refused")),
        "{:?}",
        texts(&log)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_421_reconnects_and_retries() {
    let remote = tempfile::tempdir().unwrap();
    let a = data(200_000, 5);
    std::fs::write(remote.path().join("a.bin"), &a).unwrap();
    let srv = server(remote.path()).await;
    let proxy = FaultProxy::start(
        srv.port,
        Faults {
            fail_421: Some(("RETR".into(), 1)),
            ..Faults::default()
        },
    )
    .await;
    let down = tempfile::tempdir().unwrap();
    let (jobs, log) = run(
        config(proxy.port),
        vec![download("a.bin", a.len(), down.path())],
    )
    .await;
    assert_eq!(jobs[0].state, JobState::Done, "{jobs:#?}");
    assert_eq!(jobs[0].attempts, 2);
    assert_eq!(std::fs::read(down.path().join("a.bin")).unwrap(), a);
    let t = texts(&log);
    assert!(t.iter().any(|l| l.starts_with("421")), "{t:?}");
    assert!(
        t.iter().filter(|l| l.as_str() == "PASS ****").count() >= 2,
        "reconnected: {t:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_transfer_times_out_and_resumes() {
    let remote = tempfile::tempdir().unwrap();
    let a = data(2_000_000, 11);
    std::fs::write(remote.path().join("a.bin"), &a).unwrap();
    let srv = server(remote.path()).await;
    let proxy = FaultProxy::start(
        srv.port,
        Faults {
            stall_after: Some((700_000, 1)),
            ..Faults::default()
        },
    )
    .await;
    let down = tempfile::tempdir().unwrap();
    let (jobs, log) = run(
        config(proxy.port),
        vec![download("a.bin", a.len(), down.path())],
    )
    .await;
    assert_eq!(jobs[0].state, JobState::Done, "{jobs:#?}");
    assert_eq!(std::fs::read(down.path().join("a.bin")).unwrap(), a);
    let t = texts(&log);
    assert!(t.iter().any(|l| l.contains("stalled")), "{t:?}");
    assert!(t.iter().any(|l| l.starts_with("REST ")), "{t:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_421_fails_that_job_with_its_code_and_spares_the_others() {
    let remote = tempfile::tempdir().unwrap();
    std::fs::write(remote.path().join("bad.bin"), b"never").unwrap();
    std::fs::write(remote.path().join("good.bin"), b"always").unwrap();
    let srv = server(remote.path()).await;
    let proxy = FaultProxy::start(
        srv.port,
        Faults {
            fail_421: Some(("RETR /bad.bin".into(), 100)),
            ..Faults::default()
        },
    )
    .await;
    let down = tempfile::tempdir().unwrap();
    let mut cfg = config(proxy.port);
    cfg.max_attempts = 3;
    let (jobs, _) = run(
        cfg,
        vec![
            download("bad.bin", 5, down.path()),
            download("good.bin", 6, down.path()),
        ],
    )
    .await;
    match &jobs[0].state {
        JobState::Failed { code, .. } => assert_eq!(*code, Some(421)),
        other => panic!("{other:?}"),
    }
    assert_eq!(jobs[0].attempts, 3, "bounded retries");
    assert_eq!(jobs[1].state, JobState::Done);
    assert!(!down.path().join("bad.bin").exists());
    assert_eq!(
        std::fs::read(down.path().join("good.bin")).unwrap(),
        b"always"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_upload_resumes_with_rest_stor() {
    let remote = tempfile::tempdir().unwrap();
    let srv = server(remote.path()).await;
    let proxy = FaultProxy::start(
        srv.port,
        Faults {
            cut_after: Some((600_000, 1)),
            ..Faults::default()
        },
    )
    .await;
    let local = tempfile::tempdir().unwrap();
    let a = data(2_500_000, 17);
    std::fs::write(local.path().join("up.bin"), &a).unwrap();
    let spec = JobSpec {
        direction: Direction::Upload,
        kind: JobKind::File,
        src: local.path().join("up.bin").to_string_lossy().into(),
        dst: "/up.bin".into(),
        size: Some(a.len() as u64),
        mtime: None,
        is_move: false,
    };
    let (jobs, log) = run(config(proxy.port), vec![spec]).await;
    assert_eq!(jobs[0].state, JobState::Done, "{jobs:#?}");
    assert_eq!(std::fs::read(remote.path().join("up.bin")).unwrap(), a);
    let t = texts(&log);
    assert!(
        t.iter()
            .any(|l| l.starts_with("REST ") || l.starts_with("APPE ")),
        "resumed: {t:?}"
    );
    // It went to a temporary name (2.5 MB: `UploadTemp::Auto`), continued there, and only the
    // complete file got the name.
    assert!(
        t.iter().any(|l| l.starts_with("STOR /up.bin.skiff-")),
        "{t:?}"
    );
    assert!(t.iter().any(|l| l == "RNTO /up.bin"), "{t:?}");
    assert_eq!(
        std::fs::read_dir(remote.path()).unwrap().count(),
        1,
        "no temporary file left"
    );
}

/// An upload cut for good (no attempt left) leaves nothing under the real name and no
/// temporary file: a web server never serves half of it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_upload_that_fails_for_good_leaves_no_half_file() {
    let remote = tempfile::tempdir().unwrap();
    std::fs::write(remote.path().join("site.bin"), b"the old version").unwrap();
    let srv = server(remote.path()).await;
    let proxy = FaultProxy::start(
        srv.port,
        Faults {
            cut_after: Some((600_000, 1)),
            ..Faults::default()
        },
    )
    .await;
    let local = tempfile::tempdir().unwrap();
    let a = data(2_500_000, 23);
    std::fs::write(local.path().join("site.bin"), &a).unwrap();
    let spec = JobSpec {
        direction: Direction::Upload,
        kind: JobKind::File,
        src: local.path().join("site.bin").to_string_lossy().into(),
        dst: "/site.bin".into(),
        size: Some(a.len() as u64),
        mtime: None,
        is_move: false,
    };
    let mut cfg = config(proxy.port);
    cfg.max_attempts = 1;
    let (jobs, log) = run(cfg, vec![spec]).await;
    assert!(
        matches!(jobs[0].state, JobState::Failed { .. }),
        "{jobs:#?}"
    );
    // The old version is still whole under its name, and the partial upload is gone.
    assert_eq!(
        std::fs::read(remote.path().join("site.bin")).unwrap(),
        b"the old version"
    );
    let names: Vec<String> = std::fs::read_dir(remote.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["site.bin".to_string()], "{:?}", texts(&log));
}

/// Resuming the user's own partial file that then fails for good: the file is back under its
/// name (with what arrived), never left as `.part` or deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_resume_of_an_existing_file_puts_it_back() {
    let remote = tempfile::tempdir().unwrap();
    let a = data(2_500_000, 5);
    std::fs::write(remote.path().join("big.bin"), &a).unwrap();
    let srv = server(remote.path()).await;
    let proxy = FaultProxy::start(
        srv.port,
        Faults {
            cut_after: Some((300_000, 1)),
            ..Faults::default()
        },
    )
    .await;
    let down = tempfile::tempdir().unwrap();
    std::fs::write(down.path().join("big.bin"), &a[..500_000]).unwrap();
    let mut cfg = config(proxy.port);
    cfg.on_exists = OnExists::Resume;
    cfg.max_attempts = 1;
    let (jobs, log) = run(cfg, vec![download("big.bin", a.len(), down.path())]).await;
    assert!(
        matches!(jobs[0].state, JobState::Failed { .. }),
        "{jobs:#?}"
    );
    assert!(texts(&log).iter().any(|l| l == "REST 500000"));
    assert!(!has_part_files(down.path()));
    let now = std::fs::read(down.path().join("big.bin")).unwrap();
    assert!(now.len() >= 500_000 && now.len() < a.len(), "{}", now.len());
    assert_eq!(
        now,
        a[..now.len()],
        "the user's bytes and what arrived after them"
    );
}

/// Upload with the rename policy over an existing file, cut half-way: the retry continues the
/// renamed copy and leaves the original alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cut_upload_under_a_new_name_resumes_that_name_and_spares_the_original() {
    let remote = tempfile::tempdir().unwrap();
    let old = data(1_000_000, 3);
    std::fs::write(remote.path().join("up.bin"), &old).unwrap();
    let srv = server(remote.path()).await;
    let proxy = FaultProxy::start(
        srv.port,
        Faults {
            cut_after: Some((1_600_000, 1)),
            ..Faults::default()
        },
    )
    .await;
    let local = tempfile::tempdir().unwrap();
    let a = data(2_500_000, 17);
    std::fs::write(local.path().join("up.bin"), &a).unwrap();
    let spec = JobSpec {
        direction: Direction::Upload,
        kind: JobKind::File,
        src: local.path().join("up.bin").to_string_lossy().into(),
        dst: "/up.bin".into(),
        size: Some(a.len() as u64),
        mtime: None,
        is_move: false,
    };
    let mut cfg = config(proxy.port);
    cfg.on_exists = OnExists::Rename;
    let (jobs, log) = run(cfg, vec![spec]).await;
    assert_eq!(jobs[0].state, JobState::Done, "{jobs:#?}");
    assert!(jobs[0].attempts >= 2, "the cut happened: {jobs:#?}");
    assert_eq!(std::fs::read(remote.path().join("up.bin")).unwrap(), old);
    assert_eq!(std::fs::read(remote.path().join("up (1).bin")).unwrap(), a);
    assert_eq!(&*jobs[0].spec.dst, "/up (1).bin");
    assert!(!remote.path().join("up (2).bin").exists());
    let t = texts(&log);
    assert!(t.iter().any(|l| l.starts_with("REST ")), "resumed: {t:?}");
}

#[tokio::test]
async fn a_dropped_browsing_connection_comes_back_in_the_same_directory() {
    use skiff::state::{Event, Nav};
    let server = demo::start(DemoOptions::default()).await.unwrap();
    let proxy = FaultProxy::start(server.port, Faults::default()).await;
    let mut o = ConnectOptions::new(
        "127.0.0.1",
        proxy.port,
        Some("demo"),
        Some(Secret::new("demo")),
    );
    o.timeout = Duration::from_secs(10);
    let (etx, mut erx) = mpsc::unbounded_channel();
    let (ltx, mut lrx) = mpsc::unbounded_channel::<LogEvent>();
    let h = skiff::app::remote::spawn(o, 1, etx, ltx);
    let mut next = async || {
        tokio::time::timeout(Duration::from_secs(10), erx.recv())
            .await
            .expect("an event in time")
            .expect("the actor is alive")
    };
    assert!(matches!(next().await, Event::Connected { req: 1, .. }));
    h.send(RemoteCmd::List {
        nav: Nav::To("/docs".into()),
        req: 2,
    });
    match next().await {
        Event::Listed { req: 2, result, .. } => assert_eq!(result.unwrap().path, "/docs"),
        other => panic!("{other:?}"),
    }
    // The server goes away in the middle of the next request (421 and a hang-up)...
    proxy.faults.lock().unwrap().fail_421 = Some(("EPSV".into(), 1));
    h.send(RemoteCmd::List {
        nav: Nav::To(String::new()),
        req: 3,
    });
    // ...and the reload still answers, from the same directory, after a reconnect.
    match next().await {
        Event::Listed { req: 3, result, .. } => {
            let listing = result.expect("answered after reconnecting");
            assert_eq!(listing.path, "/docs");
            assert!(listing.entries.iter().any(|e| e.name == "guide.md"));
        }
        other => panic!("{other:?}"),
    }
    let mut log = Vec::new();
    while let Ok(e) = lrx.try_recv() {
        log.push(e.text);
    }
    assert!(log.iter().any(|l| l.starts_with("421")), "{log:#?}");
    assert!(
        log.iter().any(|l| l == "reconnected; back in /docs"),
        "{log:#?}"
    );
    h.send(RemoteCmd::Quit);
}

#[tokio::test]
async fn an_idle_browsing_connection_sends_keepalive_noops_only_when_asked() {
    use skiff::state::Event;
    let server = demo::start(DemoOptions::default()).await.unwrap();
    for keepalive in [None, Some(Duration::from_millis(150))] {
        let mut o = ConnectOptions::new(
            "127.0.0.1",
            server.port,
            Some("demo"),
            Some(Secret::new("demo")),
        );
        o.keepalive = keepalive;
        let (etx, mut erx) = mpsc::unbounded_channel();
        let (ltx, mut lrx) = mpsc::unbounded_channel::<LogEvent>();
        let h = skiff::app::remote::spawn(o, 1, etx, ltx);
        let ev = tokio::time::timeout(Duration::from_secs(10), erx.recv()).await;
        assert!(matches!(ev, Ok(Some(Event::Connected { .. }))), "{ev:?}");
        tokio::time::sleep(Duration::from_millis(700)).await;
        let mut noops = 0;
        while let Ok(e) = lrx.try_recv() {
            if e.text == "NOOP" {
                noops += 1;
            }
        }
        match keepalive {
            None => assert_eq!(noops, 0),
            Some(_) => assert!(noops >= 2, "{noops} NOOPs in 700 ms"),
        }
        h.send(RemoteCmd::Quit);
    }
}
