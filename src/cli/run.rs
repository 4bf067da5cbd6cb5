//! Running jobs headless: the transfer engine's events folded into counters (not a second copy
//! of the queue), a progress line on a terminal, and the summary with what failed or was not
//! copied.

use super::*;

/// What `run_jobs` remembers of a job: enough for the counters, not the job itself (a
/// 100,000-file run must not hold the queue a second time).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    Open,
    Done,
    Failed,
    Skipped,
    Ended,
}

/// The counters of a headless run.
#[derive(Default)]
struct Tally {
    /// Per job: is it a file, and how it stands.
    seen: HashMap<JobId, (bool, Seen)>,
    open: usize,
    files: usize,
    files_finished: usize,
    ok: usize,
    ok_bytes: u64,
    skipped: usize,
    failed: BTreeMap<JobId, String>,
    /// Entries of listed directories that were not copied (links, unsafe names), with why:
    /// the first few are listed at the end.
    passed_over: Vec<String>,
    passed_over_count: usize,
    /// Bytes of the files in flight (finished ones are in `ok_bytes`).
    moving: HashMap<JobId, u64>,
    /// Files of listed directories not in the queue yet, per directory.
    backlog: HashMap<JobId, usize>,
    /// Whether any job was seen at all.
    any: bool,
}

impl Tally {
    fn note(&mut self, j: &Job) {
        let file = j.spec.kind == JobKind::File;
        let now = match &j.state {
            JobState::Done => Seen::Done,
            JobState::Failed { .. } => Seen::Failed,
            JobState::Skipped { .. } => Seen::Skipped,
            // A conflict cannot be answered here (it only happens with the policy `ask`).
            JobState::Cancelled | JobState::Conflict { .. } => Seen::Ended,
            _ => Seen::Open,
        };
        self.any = true;
        let before = self.seen.insert(j.id, (file, now)).map(|(_, s)| s);
        if before.is_none() && file {
            self.files += 1;
        }
        if now == Seen::Open {
            if file {
                self.moving.insert(j.id, j.done);
            }
        } else {
            self.moving.remove(&j.id);
        }
        if before == Some(now) {
            return;
        }
        match before {
            Some(Seen::Open) => self.open -= 1,
            Some(Seen::Done) if file => {
                self.ok -= 1;
                self.ok_bytes -= j.spec.size.unwrap_or(j.done);
            }
            Some(Seen::Skipped) => self.skipped -= 1,
            Some(Seen::Failed) => {
                self.failed.remove(&j.id);
            }
            _ => {}
        }
        if file && before.is_some_and(|b| b != Seen::Open) {
            self.files_finished -= 1;
        }
        if file && now != Seen::Open {
            self.files_finished += 1;
        }
        match now {
            Seen::Open => self.open += 1,
            Seen::Done if file => {
                self.ok += 1;
                self.ok_bytes += j.spec.size.unwrap_or(j.done);
            }
            Seen::Skipped => {
                self.skipped += 1;
                // A name it would not copy, or a directory a walk left alone (a loop).
                let listed = j.never || j.spec.kind == JobKind::Dir;
                if let (true, JobState::Skipped { reason }) = (listed, &j.state) {
                    self.passed_over_count += 1;
                    if self.passed_over.len() < 20 {
                        self.passed_over
                            .push(format!("not copied: {}: {reason}", j.spec.src));
                    }
                }
            }
            Seen::Failed => {
                if let JobState::Failed { reason, code } = &j.state {
                    let code = code.map(|c| format!(" [{c}]")).unwrap_or_default();
                    self.failed.insert(
                        j.id,
                        format!("failed{code}: {} -> {}: {reason}", j.spec.src, j.spec.dst),
                    );
                }
            }
            _ => {}
        }
        // The engine forgets a job that ended well (`keep_finished` is off) and says no more
        // of it: neither does the tally, so a long run costs no memory per file.
        if matches!(now, Seen::Done | Seen::Skipped | Seen::Ended) {
            self.seen.remove(&j.id);
        }
    }
}

/// How a run ended: what was copied, and the lines saying what failed.
#[derive(Debug, Default)]
pub(super) struct Report {
    pub ok: usize,
    pub ok_bytes: u64,
    pub skipped: usize,
    pub failed: Vec<String>,
}

/// Run `specs` on the engine to the end, printing progress and the summary; the exit status
/// (0 when nothing failed, else 1).
pub(super) async fn run_jobs(
    opts: ConnectOptions,
    x: XferOptions,
    specs: Vec<JobSpec>,
    first: Option<FtpSession>,
) -> anyhow::Result<i32> {
    let r = run_engine(opts, x, specs, first).await?;
    Ok(if r.failed.is_empty() { 0 } else { 1 })
}

/// [`run_jobs`], returning what happened.
pub(super) async fn run_engine(
    opts: ConnectOptions,
    x: XferOptions,
    specs: Vec<JobSpec>,
    first: Option<FtpSession>,
) -> anyhow::Result<Report> {
    let mut cfg = EngineConfig::new(opts);
    cfg.parallel = x.parallel;
    cfg.on_exists = x.on_exists;
    cfg.mode = x.mode;
    cfg.verify = x.verify;
    cfg.max_attempts = x.attempts.max(1);
    cfg.upload_temp = x.upload_temp;
    cfg.limit_rate = x.limit_rate;
    cfg.segments = x.segments;
    // A directory needs every connection, and so does a file big enough to be read over
    // several (their logins then overlap with the first one's work); another file needs one.
    let segmented = |s: &JobSpec| {
        s.direction == crate::transfer::Direction::Download
            && s.size
                .is_some_and(|n| n >= crate::transfer::segments::SEGMENTS_FROM)
            && x.segments.connections(x.parallel) > 1
    };
    cfg.preconnect = specs.iter().any(|s| s.kind == JobKind::Dir || segmented(s));
    cfg.keep_finished = false;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let log = if x.verbose {
        let (ltx, mut lrx) = mpsc::unbounded_channel::<crate::ftp::LogEvent>();
        tokio::spawn(async move {
            while let Some(e) = lrx.recv().await {
                say!("[{}] {}", e.tag, e.text);
            }
        });
        Some(ltx)
    } else {
        None
    };
    let engine = Engine::start_with(cfg, tx, log, first);
    engine.send(crate::transfer::EngineCmd::Enqueue(specs));
    let show = !x.quiet && std::io::stderr().is_terminal();
    let start = Instant::now();
    let mut t = Tally::default();
    let mut rate_total = 0u64;
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    while let Some(ev) = rx.recv().await {
        match ev {
            EngineEvent::Added { jobs: new, .. } => {
                for j in &new {
                    t.note(j);
                }
            }
            EngineEvent::Changed(j) => t.note(&j),
            // The engine's speed counts every job, small ones between two ticks too.
            EngineEvent::Speed(s) => {
                rate_total = s.rate;
            }
            EngineEvent::Progress(p) => {
                for p in p {
                    if let Some(b) = t.moving.get_mut(&p.id) {
                        *b = p.done;
                    }
                }
            }
            EngineEvent::Backlog { dir, files, .. } => {
                if files == 0 {
                    t.backlog.remove(&dir);
                } else {
                    t.backlog.insert(dir, files);
                }
            }
            EngineEvent::Idle => break,
            _ => {}
        }
        if show && last_draw.elapsed() >= Duration::from_millis(200) {
            last_draw = Instant::now();
            let bytes = t.ok_bytes + t.moving.values().sum::<u64>();
            eprint!(
                "\r\x1b[K{}/{} files  {}  {}/s",
                t.files_finished,
                t.files + t.backlog.values().sum::<usize>(),
                human_size(bytes),
                human_size(rate_total)
            );
        }
        if t.any && t.open == 0 {
            break;
        }
    }
    engine.shutdown().await;
    if show {
        eprint!("\r\x1b[K");
    }
    let elapsed = start.elapsed().as_secs_f64();
    if !x.quiet {
        let files = if t.ok == 1 {
            crate::i18n::t("1 file").to_string()
        } else {
            crate::tr!("{n} files", n = t.ok)
        };
        say(&crate::tr!(
            "{files}, {bytes} in {secs} s ({rate}/s); {failed} failed, {skipped} skipped",
            files = files,
            bytes = human_size(t.ok_bytes),
            secs = format!("{elapsed:.2}"),
            rate = human_size((t.ok_bytes as f64 / elapsed.max(0.001)) as u64),
            failed = t.failed.len(),
            skipped = t.skipped
        ));
    }
    for line in t.failed.values() {
        say!("{line}");
    }
    if !x.quiet {
        for line in &t.passed_over {
            say!("{line}");
        }
        if t.passed_over_count > t.passed_over.len() {
            say(&crate::tr!(
                "… and {n} more not copied",
                n = t.passed_over_count - t.passed_over.len()
            ));
        }
    }
    Ok(Report {
        ok: t.ok,
        ok_bytes: t.ok_bytes,
        skipped: t.skipped,
        failed: t.failed.into_values().collect(),
    })
}
