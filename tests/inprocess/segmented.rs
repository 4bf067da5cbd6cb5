//! Segmented downloads against the in-process server: one big file over several connections,
//! byte-exact; with a range's data connection cut; across a restart of the engine; through a
//! front that refuses connections beyond two; and the files that are never segmented.

use std::time::Duration;

use skiff::transfer::{Direction, EngineCmd, EngineEvent, JobKind, JobState, Segments};

use crate::common::busy;
use crate::common::engine::{Run, config, local, server_on, spec};
use crate::common::fault_proxy::{FaultProxy, Faults};

const MIB: usize = 1024 * 1024;

/// `n` bytes no two ranges of which look alike (a misplaced range shows).
fn content(n: usize) -> Vec<u8> {
    (0..n as u64)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

/// The offsets the log shows `REST` asked for.
fn rests(run: &Run) -> Vec<u64> {
    run.log
        .iter()
        .filter_map(|l| l.text.strip_prefix("REST ")?.parse().ok())
        .collect()
}

fn download(src: &str, dst: &std::path::Path, size: usize) -> skiff::transfer::JobSpec {
    let mut s = spec(Direction::Download, JobKind::File, src, local(dst));
    s.size = Some(size as u64);
    s
}

#[tokio::test]
async fn a_big_file_comes_over_several_connections_byte_exact() {
    let remote = tempfile::tempdir().unwrap();
    let data = content(40 * MIB + 12_345);
    std::fs::write(remote.path().join("big.bin"), &data).unwrap();
    let server = server_on(remote.path()).await;
    let down = tempfile::tempdir().unwrap();
    let mut cfg = config(server.port, 4);
    // Slowed down, so that the other connections log in before the first has read it all.
    cfg.limit_rate = Some(40 * MIB as u64);
    let mut run = Run::start(cfg);
    let dst = down.path().join("big.bin");
    run.engine.send(EngineCmd::Enqueue(vec![download(
        "/big.bin",
        &dst,
        data.len(),
    )]));
    run.until_settled().await;
    assert!(
        run.jobs.values().all(|j| j.state == JobState::Done),
        "{:?}",
        run.states()
    );
    assert!(std::fs::read(&dst).unwrap() == data, "byte-exact");
    let rests = rests(&run);
    assert!(
        rests.len() >= 2,
        "ranges after the first start at offsets: {rests:?}"
    );
    let tags: std::collections::BTreeSet<&str> = run
        .log
        .iter()
        .filter(|l| l.text.starts_with("RETR "))
        .map(|l| &*l.tag)
        .collect();
    assert!(tags.len() >= 3, "several connections read it: {tags:?}");
    let left: Vec<_> = std::fs::read_dir(down.path()).unwrap().flatten().collect();
    assert_eq!(left.len(), 1, "no temporary file left");
}

#[tokio::test]
async fn a_range_whose_connection_drops_is_taken_up_again_byte_exact() {
    let remote = tempfile::tempdir().unwrap();
    let data = content(32 * MIB);
    std::fs::write(remote.path().join("big.bin"), &data).unwrap();
    let server = server_on(remote.path()).await;
    // The second and third data connections are cut 3 MB in (the first is a listing-free RETR
    // too, so cut two of the first three).
    let proxy = FaultProxy::start(
        server.port,
        Faults {
            cut_after: Some((3_000_000, 2)),
            ..Faults::default()
        },
    )
    .await;
    let down = tempfile::tempdir().unwrap();
    let mut run = Run::start(config(proxy.port, 3));
    let dst = down.path().join("big.bin");
    run.engine.send(EngineCmd::Enqueue(vec![download(
        "/big.bin",
        &dst,
        data.len(),
    )]));
    run.until_settled().await;
    assert!(
        run.jobs.values().all(|j| j.state == JobState::Done),
        "{:?}",
        run.states()
    );
    assert!(
        std::fs::read(&dst).unwrap() == data,
        "byte-exact after the cuts"
    );
    // The cut ranges went on from where they stopped, not from their starts.
    let rests = rests(&run);
    assert!(
        rests.iter().any(|r| *r > 0 && r % 65_536 != 0),
        "a range resumed mid-way: {rests:?}"
    );
}

#[tokio::test]
async fn a_restart_continues_every_range_where_it_stopped() {
    let remote = tempfile::tempdir().unwrap();
    let data = content(32 * MIB);
    std::fs::write(remote.path().join("big.bin"), &data).unwrap();
    let server = server_on(remote.path()).await;
    let down = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let mut cfg = config(server.port, 4);
    cfg.state_file = Some(state.path().join("queue.json"));
    // Slow enough to stop half-way.
    cfg.limit_rate = Some(8 * MIB as u64);
    let dst = down.path().join("big.bin");
    let mut run = Run::start(cfg.clone());
    run.engine.send(EngineCmd::Enqueue(vec![download(
        "/big.bin",
        &dst,
        data.len(),
    )]));
    // Until a quarter is in.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match tokio::time::timeout_at(deadline, run.rx.recv()).await {
            Ok(Some(EngineEvent::Progress(p))) if p.iter().any(|p| p.done >= 8 * MIB as u64) => {
                break;
            }
            Ok(Some(e)) => run.fold(e),
            other => panic!("no progress: {other:?}"),
        }
    }
    run.engine.shutdown().await;
    let saved = std::fs::read_to_string(state.path().join("queue.json")).unwrap();
    let queue: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let plan = queue["jobs"][0]["segments"]
        .as_array()
        .unwrap_or_else(|| panic!("the plan is saved: {saved}"))
        .clone();
    assert!(plan.len() >= 2, "several ranges: {plan:?}");
    let in_place: Vec<(u64, u64)> = plan
        .iter()
        .map(|s| (s["start"].as_u64().unwrap(), s["done"].as_u64().unwrap()))
        .collect();
    assert!(
        in_place.iter().filter(|(_, d)| *d > 0).count() >= 2,
        "{in_place:?}"
    );
    let part = queue["jobs"][0]["part"].as_str().unwrap().to_string();
    assert!(part.ends_with(".seg.part"), "{part}");
    assert!(down.path().join(&part).exists());

    cfg.limit_rate = None;
    let mut again = Run::start(cfg);
    again.until("restored", |j| j.len() == 1).await;
    again.until_settled().await;
    assert!(
        again.jobs.values().all(|j| j.state == JobState::Done),
        "{:?}",
        again.states()
    );
    assert!(
        std::fs::read(&dst).unwrap() == data,
        "byte-exact after the restart"
    );
    // Every range with bytes in place went on from there.
    let rests = rests(&again);
    for (start, done) in in_place.iter().filter(|(_, d)| *d > 0) {
        assert!(
            rests.iter().any(|r| *r >= start + done),
            "the range at {start} went on at {} or later: {rests:?}",
            start + done
        );
    }
    assert!(!down.path().join(&part).exists());
}

#[tokio::test]
async fn a_server_that_refuses_more_connections_gets_fewer_ranges() {
    let remote = tempfile::tempdir().unwrap();
    let data = content(40 * MIB);
    std::fs::write(remote.path().join("big.bin"), &data).unwrap();
    let server = server_on(remote.path()).await;
    let (port, refused) = busy::start_limited(server.port, 2).await;
    let down = tempfile::tempdir().unwrap();
    let mut run = Run::start(config(port, 4));
    let dst = down.path().join("big.bin");
    run.engine.send(EngineCmd::Enqueue(vec![download(
        "/big.bin",
        &dst,
        data.len(),
    )]));
    run.until_settled().await;
    assert!(
        run.jobs.values().all(|j| j.state == JobState::Done),
        "{:?}",
        run.states()
    );
    assert!(std::fs::read(&dst).unwrap() == data, "byte-exact");
    assert!(
        refused.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "a connection was refused"
    );
    assert!(
        run.log
            .iter()
            .any(|l| l.text.contains("no more connections")),
        "the log says why it goes on with fewer"
    );
}

#[tokio::test]
async fn small_files_ascii_and_one_connection_are_never_segmented() {
    let remote = tempfile::tempdir().unwrap();
    let big = content(20 * MIB);
    std::fs::write(remote.path().join("big.bin"), &big).unwrap();
    std::fs::write(remote.path().join("small.bin"), &big[..MIB]).unwrap();
    let server = server_on(remote.path()).await;
    let down = tempfile::tempdir().unwrap();
    let mut cfg = config(server.port, 4);
    cfg.segments = Segments::Max(1);
    let mut run = Run::start(cfg);
    run.engine.send(EngineCmd::Enqueue(vec![
        download("/big.bin", &down.path().join("big.bin"), big.len()),
        download("/small.bin", &down.path().join("small.bin"), MIB),
    ]));
    run.until_settled().await;
    assert!(
        run.jobs.values().all(|j| j.state == JobState::Done),
        "{:?}",
        run.states()
    );
    assert!(std::fs::read(down.path().join("big.bin")).unwrap() == big);
    assert_eq!(rests(&run), Vec::<u64>::new(), "one stream each");
    assert!(run.jobs.values().all(|j| j.segments.is_none()));

    // With segments on, the small file still goes in one stream, and ASCII mode never splits.
    let down = tempfile::tempdir().unwrap();
    let mut cfg = config(server.port, 4);
    cfg.mode = skiff::transfer::TransferMode::Ascii;
    let mut run = Run::start(cfg);
    run.engine.send(EngineCmd::Enqueue(vec![download(
        "/big.bin",
        &down.path().join("big.bin"),
        big.len(),
    )]));
    run.until_settled().await;
    assert_eq!(rests(&run), Vec::<u64>::new(), "ASCII: one stream");
}

#[tokio::test]
async fn a_conflict_on_a_big_file_gives_back_every_connection() {
    let remote = tempfile::tempdir().unwrap();
    let big = content(24 * MIB);
    std::fs::write(remote.path().join("big.bin"), &big).unwrap();
    std::fs::write(remote.path().join("small.txt"), b"small").unwrap();
    let server = server_on(remote.path()).await;
    let down = tempfile::tempdir().unwrap();
    std::fs::write(down.path().join("big.bin"), b"mine").unwrap();
    let mut cfg = config(server.port, 3);
    cfg.on_exists = skiff::transfer::OnExists::Ask;
    let mut run = Run::start(cfg);
    // Every worker asks for work first, so that two are lent to the big file at once.
    tokio::time::sleep(Duration::from_millis(300)).await;
    run.engine.send(EngineCmd::Enqueue(vec![download(
        "/big.bin",
        &down.path().join("big.bin"),
        big.len(),
    )]));
    run.until("the conflict", |j| {
        j.values()
            .any(|j| matches!(j.state, JobState::Conflict { .. }))
    })
    .await;
    // The connections lent to it came back: three more files go through.
    let mut more = Vec::new();
    for i in 0..3 {
        more.push(download(
            "/small.txt",
            &down.path().join(format!("small-{i}.txt")),
            5,
        ));
    }
    run.engine.send(EngineCmd::Enqueue(more));
    run.until("the small files", |j| {
        j.values().filter(|j| j.state == JobState::Done).count() == 3
    })
    .await;
    let tags: std::collections::BTreeSet<&str> = run
        .log
        .iter()
        .filter(|l| l.text.starts_with("RETR /small.txt"))
        .map(|l| &*l.tag)
        .collect();
    assert_eq!(tags.len(), 3, "three connections took them: {tags:?}");
    let id = *run.jobs.keys().next().unwrap();
    run.engine.send(EngineCmd::Resolve {
        id,
        choice: skiff::transfer::OnExists::Overwrite,
        all: false,
    });
    run.until("all done", |j| {
        j.values().all(|j| j.state == JobState::Done)
    })
    .await;
    assert!(std::fs::read(down.path().join("big.bin")).unwrap() == big);
}

#[tokio::test]
async fn resuming_a_file_of_yours_is_one_stream_from_its_end() {
    let remote = tempfile::tempdir().unwrap();
    let data = content(24 * MIB);
    std::fs::write(remote.path().join("big.bin"), &data).unwrap();
    let server = server_on(remote.path()).await;
    let down = tempfile::tempdir().unwrap();
    let dst = down.path().join("big.bin");
    std::fs::write(&dst, &data[..5 * MIB]).unwrap();
    let mut cfg = config(server.port, 4);
    cfg.on_exists = skiff::transfer::OnExists::Resume;
    let mut run = Run::start(cfg);
    run.engine.send(EngineCmd::Enqueue(vec![download(
        "/big.bin",
        &dst,
        data.len(),
    )]));
    run.until_settled().await;
    assert!(
        run.jobs.values().all(|j| j.state == JobState::Done),
        "{:?}",
        run.states()
    );
    assert!(std::fs::read(&dst).unwrap() == data, "byte-exact");
    // Its bytes stay where they are and one stream goes on from them, so that a stop leaves
    // the file whole up to its length (never with holes).
    assert_eq!(rests(&run), vec![5 * MIB as u64]);
}

/// An upload over the local disk (whose writes at an offset leave the rest of the file, as
/// vsftpd's do): in ranges, byte-exact, and across a restart of the engine.
#[tokio::test]
async fn an_upload_goes_in_ranges_where_the_far_side_keeps_them_and_survives_a_restart() {
    use skiff::transfer::{EngineConfig, LocalDisk};
    let here = tempfile::tempdir().unwrap();
    let there = tempfile::tempdir().unwrap();
    let state = tempfile::tempdir().unwrap();
    let data = content(32 * MIB);
    let src = here.path().join("big.bin");
    std::fs::write(&src, &data).unwrap();
    let dst = there.path().join("big.bin");
    let mut cfg = EngineConfig::new(LocalDisk::default());
    cfg.parallel = 4;
    // Uploads go in ranges only when asked for by number.
    cfg.segments = skiff::transfer::Segments::Max(4);
    cfg.on_exists = skiff::transfer::OnExists::Overwrite;
    cfg.state_file = Some(state.path().join("queue.json"));
    cfg.limit_rate = Some(16 * MIB as u64);
    let mut up = spec(Direction::Upload, JobKind::File, local(&src), local(&dst));
    up.size = Some(data.len() as u64);
    let mut run = Run::start(cfg.clone());
    run.engine.send(EngineCmd::Enqueue(vec![up]));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        match tokio::time::timeout_at(deadline, run.rx.recv()).await {
            Ok(Some(EngineEvent::Progress(p)))
                if p.iter()
                    .any(|p| p.done >= 8 * MIB as u64 && p.connections > 1) =>
            {
                break;
            }
            Ok(Some(e)) => run.fold(e),
            other => panic!("no progress over several connections: {other:?}"),
        }
    }
    run.engine.shutdown().await;
    let saved = std::fs::read_to_string(state.path().join("queue.json")).unwrap();
    let queue: serde_json::Value = serde_json::from_str(&saved).unwrap();
    let plan = queue["jobs"][0]["segments"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(plan.len() >= 2, "several ranges: {saved}");
    let part = queue["jobs"][0]["part"].as_str().unwrap().to_string();
    assert!(part.ends_with(".seg.part"), "{part}");
    assert!(
        !dst.exists(),
        "nothing under the name before it is complete"
    );

    cfg.limit_rate = None;
    let mut again = Run::start(cfg);
    again.until("restored", |j| j.len() == 1).await;
    again.until_settled().await;
    assert!(
        again.jobs.values().all(|j| j.state == JobState::Done),
        "{:?}",
        again.states()
    );
    assert!(
        std::fs::read(&dst).unwrap() == data,
        "byte-exact after the restart"
    );
    assert!(
        !there.path().join(&part).exists(),
        "the temporary name is gone"
    );
}

/// With segments on `auto`, an upload goes in one stream (vsftpd, the server that writes
/// ranges right, locks a file being uploaded by default: its ranges would only wait on each
/// other).
#[tokio::test]
async fn an_upload_goes_in_ranges_only_when_asked_for_by_number() {
    use skiff::transfer::{EngineConfig, LocalDisk};
    let here = tempfile::tempdir().unwrap();
    let there = tempfile::tempdir().unwrap();
    let data = content(20 * MIB);
    let src = here.path().join("big.bin");
    std::fs::write(&src, &data).unwrap();
    let dst = there.path().join("big.bin");
    let mut cfg = EngineConfig::new(LocalDisk::default());
    cfg.parallel = 4;
    cfg.on_exists = skiff::transfer::OnExists::Overwrite;
    let mut up = spec(Direction::Upload, JobKind::File, local(&src), local(&dst));
    up.size = Some(data.len() as u64);
    let mut run = Run::start(cfg);
    run.engine.send(EngineCmd::Enqueue(vec![up]));
    run.until_settled().await;
    let j = run.jobs.values().next().unwrap();
    assert_eq!(j.state, JobState::Done, "{:?}", run.states());
    assert!(
        !j.part.as_deref().unwrap_or("").ends_with(".seg.part"),
        "{:?}",
        j.part
    );
    assert!(std::fs::read(&dst).unwrap() == data);
}
