//! The transfer engine: one task owns the queue, a pool of workers (each with its own FTP
//! connection, tagged `xfer-1`…) pulls jobs from it, and the engine reports what happens as
//! events. Progress is sampled from shared counters a few times a second, so a fast transfer
//! never floods anyone. The same engine serves the TUI and the headless commands.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::claims::{self, SharedClaims, Side};
use super::job::{Children, Direction, Job, JobId, JobKind, JobSpec, JobState, OnExists};
use super::worker::{Assignment, CANCEL, Outcome, PAUSE, RUN, Worker};
use crate::ftp::{ConnectOptions, LogEvent, Tap};

/// How the engine runs.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    pub connect: ConnectOptions,
    /// Parallel connections, 1–16.
    pub parallel: usize,
    pub on_exists: OnExists,
    /// Attempts per job before a transient failure is final.
    pub max_attempts: u32,
    /// First retry delay; doubles each time, capped at 30 s.
    pub backoff: Duration,
    /// A data connection that moves nothing for this long is a failure (and retried).
    pub stall: Duration,
    /// Where the queue is saved (and restored from).
    pub state_file: Option<PathBuf>,
    /// Log every worker in at start instead of at its first job (for a run that is known to
    /// need them all, such as a directory download: saves a login's wait per worker).
    pub preconnect: bool,
    /// Keep finished jobs in the queue (the TUI shows them). A headless run turns this off:
    /// a job that is done, skipped or cancelled is reported and forgotten, so memory stays
    /// flat however many files a run moves (failed jobs are kept).
    pub keep_finished: bool,
    /// Binary, ASCII or auto for jobs queued (the engine's current setting; see `set_mode`).
    pub mode: super::TransferMode,
}

impl EngineConfig {
    pub fn new(connect: ConnectOptions) -> EngineConfig {
        EngineConfig {
            stall: connect.stall,
            connect,
            parallel: 4,
            on_exists: OnExists::Ask,
            max_attempts: 5,
            backoff: Duration::from_secs(1),
            state_file: None,
            preconnect: false,
            keep_finished: true,
            mode: super::TransferMode::Binary,
        }
    }
}

/// Progress of one running job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub id: JobId,
    pub done: u64,
    /// Bytes per second, smoothed.
    pub rate: u64,
}

/// What the engine reports.
#[derive(Debug, Clone)]
pub enum EngineEvent {
    /// New jobs, inserted right after `after` (or appended when `None`).
    Added {
        after: Option<JobId>,
        jobs: Vec<Job>,
    },
    /// A job's state changed (the whole job, as it is now).
    Changed(Job),
    Progress(Vec<Progress>),
    Removed(Vec<JobId>),
    /// A job moved to a new position in the queue.
    Moved {
        id: JobId,
        index: usize,
    },
    /// What is left of a directory's listing that is not in the queue yet (the engine adds
    /// a directory's entries as jobs a few at a time): files and their bytes, and all
    /// entries. Zero when it is used up or cancelled.
    Backlog {
        dir: JobId,
        files: usize,
        bytes: u64,
        entries: usize,
    },
    /// Nothing is queued or running any more.
    Idle,
}

/// What the engine is told to do: the one definition of its commands, sent with
/// [`Engine::send`] by the TUI (as `state::Effect::Engine`) and the headless commands alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineCmd {
    Enqueue(Vec<JobSpec>),
    /// Enqueue with a fixed answer for destinations that exist (a synchronisation's "newer
    /// wins"); a directory's entries inherit it.
    EnqueueWith {
        specs: Vec<JobSpec>,
        policy: OnExists,
    },
    /// Binary, ASCII or auto for the transfers queued from now on.
    SetMode(super::TransferMode),
    /// A job and everything that came from it.
    Pause(JobId),
    Resume(JobId),
    PauseAll,
    ResumeAll,
    Cancel(JobId),
    /// A failed, cancelled or skipped job, from its first attempt.
    Retry(JobId),
    RetryFailed,
    /// Move a job by this many places in the queue.
    MoveBy(JobId, i64),
    ClearFinished,
    /// The answer to a job's existing destination; `all`: to every conflict of its batch.
    Resolve {
        id: JobId,
        choice: OnExists,
        all: bool,
    },
}

enum Msg {
    Cmd(EngineCmd),
    /// Stop, then say so (see [`Engine::shutdown`]).
    Shutdown(oneshot::Sender<()>),
    Want(oneshot::Sender<Assignment>),
    Finished {
        id: JobId,
        outcome: Outcome,
    },
}

/// The handle: cheap to clone; [`Engine::send`] gives it a command.
#[derive(Clone)]
pub struct Engine {
    tx: mpsc::UnboundedSender<Msg>,
}

impl Engine {
    /// Give the engine a command (after it stopped, nothing happens).
    pub fn send(&self, c: EngineCmd) {
        let _ = self.tx.send(Msg::Cmd(c));
    }

    /// Stop: running transfers are interrupted (their `.part` files stay), the queue is saved.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        let _ = self.tx.send(Msg::Shutdown(tx));
        let _ = rx.await;
    }

    /// Start the engine and its workers. Jobs saved in `cfg.state_file` for the same server
    /// come back (pending and failed ones; interrupted ones resume).
    pub fn start(
        cfg: EngineConfig,
        events: mpsc::UnboundedSender<EngineEvent>,
        log: Option<mpsc::UnboundedSender<LogEvent>>,
    ) -> Engine {
        Engine::start_with(cfg, events, log, None)
    }

    /// Like [`Engine::start`], with a connection that is already logged in for the first
    /// worker (the headless commands log in once to look at the URL, and keep that login).
    pub fn start_with(
        cfg: EngineConfig,
        events: mpsc::UnboundedSender<EngineEvent>,
        log: Option<mpsc::UnboundedSender<LogEvent>>,
        first: Option<crate::ftp::FtpSession>,
    ) -> Engine {
        Engine::spawn(cfg, events, log, first).0
    }

    /// Start the engine on a thread of its own, with a single-threaded runtime: transfers
    /// neither wait for the UI's tasks nor make them wait, and a block written to a local file
    /// blocks only this thread (the headless commands run the same way on their main thread).
    pub fn start_threaded(
        cfg: EngineConfig,
        events: mpsc::UnboundedSender<EngineEvent>,
        log: Option<mpsc::UnboundedSender<LogEvent>>,
    ) -> std::io::Result<Engine> {
        let (etx, erx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("skiff-xfer".into())
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = etx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let (engine, core, workers) = Engine::spawn(cfg, events, log, None);
                    let _ = etx.send(Ok(engine));
                    let _ = core.await;
                    // Let the workers say QUIT (briefly: a stalled one is not waited for).
                    let _ = tokio::time::timeout(Duration::from_secs(1), async {
                        for w in workers {
                            let _ = w.await;
                        }
                    })
                    .await;
                });
            })?;
        erx.recv()
            .map_err(|_| std::io::Error::other("the transfer thread did not start"))?
    }

    fn spawn(
        cfg: EngineConfig,
        events: mpsc::UnboundedSender<EngineEvent>,
        log: Option<mpsc::UnboundedSender<LogEvent>>,
        first: Option<crate::ftp::FtpSession>,
    ) -> (
        Engine,
        tokio::task::JoinHandle<()>,
        Vec<tokio::task::JoinHandle<()>>,
    ) {
        let mut first = first;
        let mut workers = Vec::new();
        let fresh_dirs = super::worker::FreshDirs::default();
        let claims = SharedClaims::default();
        let preconnect = cfg.preconnect;
        let (tx, rx) = mpsc::unbounded_channel();
        let parallel = cfg.parallel.clamp(1, 16);
        for i in 1..=parallel {
            let tag = format!("xfer-{i}");
            let tap = match &log {
                Some(l) => Tap::new(&tag, l.clone()),
                None => Tap::discard(&tag),
            };
            let mut worker = Worker::new(cfg.connect.clone(), tap, cfg.stall)
                .with_fresh_dirs(fresh_dirs.clone())
                .with_claims(claims.clone());
            if let Some(s) = first.take() {
                worker = worker.with_session(s);
            }
            let tx = tx.clone();
            workers.push(tokio::spawn(async move {
                if preconnect {
                    worker.connect_now().await;
                }
                loop {
                    let (want_tx, want_rx) = oneshot::channel();
                    if tx.send(Msg::Want(want_tx)).is_err() {
                        break;
                    }
                    let Ok(a) = want_rx.await else { break };
                    let outcome = worker.run(&a).await;
                    if tx
                        .send(Msg::Finished {
                            id: a.job.id,
                            outcome,
                        })
                        .is_err()
                    {
                        break;
                    }
                }
                worker.close().await;
            }));
        }
        let tap = match &log {
            Some(l) => Tap::new("xfer", l.clone()),
            None => Tap::discard("xfer"),
        };
        let mut core = Core::new(cfg, events, tap);
        core.fresh_dirs = fresh_dirs;
        core.claims = claims;
        core.restore();
        let core = tokio::spawn(core.run(rx));
        (Engine { tx }, core, workers)
    }
}

struct Running {
    ctl: Arc<AtomicU8>,
    progress: Arc<AtomicU64>,
    renamed: Arc<std::sync::Mutex<Option<String>>>,
    last: u64,
    rate: f64,
}

#[derive(Serialize, Deserialize)]
struct SavedQueue {
    version: u32,
    server: String,
    jobs: Vec<Job>,
    #[serde(default)]
    backlogs: Vec<Backlog>,
}

/// A listed directory whose entries are not all jobs yet. The directory's job stays
/// `Running` until they are.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Backlog {
    dir: JobId,
    /// The directory's source path as listed (entries are `src/name`).
    src: String,
    children: Children,
    /// The last entry made a job (the next ones go after it).
    last: JobId,
    /// Entries made jobs that no worker has taken yet.
    #[serde(skip)]
    ahead: usize,
    /// The directory and those above it, as the walk recognised them: what its
    /// subdirectories' jobs carry (see `Job::above`).
    #[serde(default)]
    above: Option<Arc<[crate::fs::walk::DirMark]>>,
}

struct Core {
    cfg: EngineConfig,
    events: mpsc::UnboundedSender<EngineEvent>,
    tap: Tap,
    jobs: HashMap<JobId, Job>,
    order: Vec<JobId>,
    next_id: JobId,
    running: HashMap<JobId, Running>,
    waiting: Vec<oneshot::Sender<Assignment>>,
    not_before: HashMap<JobId, Instant>,
    /// No job before this index is queued.
    scan_from: usize,
    paused_all: bool,
    /// "Apply to all conflicts" answers, per batch (see [`Job::batch`]); forgotten when the
    /// queue runs dry.
    remembered: HashMap<JobId, OnExists>,
    save_due: Option<Instant>,
    was_busy: bool,
    /// Directories being moved: how many of their entries are not yet moved, and whether one
    /// failed or was skipped (then the source directory stays).
    moving: HashMap<JobId, (usize, bool)>,
    /// Listed directories whose entries are still being made jobs.
    backlogs: HashMap<JobId, Backlog>,
    /// The remote directories the workers made (see `Worker::with_fresh_dirs`): forgotten
    /// when the queue runs dry, so a later upload into them asks what exists again.
    fresh_dirs: super::worker::FreshDirs,
    /// The paths running jobs write and the made-up names to keep clear of (see `claims`).
    claims: SharedClaims,
}

const TICK: Duration = Duration::from_millis(250);

impl Core {
    fn new(cfg: EngineConfig, events: mpsc::UnboundedSender<EngineEvent>, tap: Tap) -> Core {
        Core {
            cfg,
            events,
            tap,
            jobs: HashMap::new(),
            order: Vec::new(),
            next_id: 1,
            running: HashMap::new(),
            waiting: Vec::new(),
            not_before: HashMap::new(),
            scan_from: 0,
            paused_all: false,
            remembered: HashMap::new(),
            save_due: None,
            was_busy: false,
            moving: HashMap::new(),
            backlogs: HashMap::new(),
            fresh_dirs: Default::default(),
            claims: Default::default(),
        }
    }

    /// How many of a directory's entries are kept as queued jobs ahead of the workers; the
    /// rest wait in its compact backlog.
    fn ahead_target(&self) -> usize {
        (self.cfg.parallel * 4).max(32)
    }

    fn server_key(&self) -> String {
        let c = &self.cfg.connect;
        format!("{}@{}:{}", c.user, c.host, c.port)
    }

    /// The claims, even after a worker panicked holding the lock (they are plain data).
    fn claims(&self) -> std::sync::MutexGuard<'_, claims::Claims> {
        self.claims.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Note a file job's destination, so that no made-up name lands on it.
    fn plan(&self, spec: &JobSpec) {
        if spec.kind == JobKind::File {
            self.claims().plan(side_of(spec.direction), &spec.dst);
        }
    }

    /// Note the destinations of a listed directory's entries (see [`Core::plan`]).
    fn plan_children(&self, direction: Direction, dst: &str, children: &Children) {
        // The paths `materialise` will make.
        let base = dst.trim_end_matches('/');
        let mut c = self.claims();
        for (name, kind) in children.remaining() {
            if kind == JobKind::File && claims::looks_made_up(name) {
                c.plan(side_of(direction), &format!("{base}/{name}"));
            }
        }
    }

    /// Whether a queued job must wait: a running job writes one of its paths.
    fn blocked(&self, id: JobId) -> bool {
        let Some(j) = self.jobs.get(&id) else {
            return false;
        };
        let side = side_of(j.spec.direction);
        let c = self.claims();
        c.held_by_other(side, &j.spec.dst, id)
            || j.part
                .as_deref()
                .is_some_and(|p| c.held_by_other(side, &claims::sibling(&j.spec.dst, p), id))
    }

    /// Give a download its temporary file's name (at its first run) and hold its paths; false
    /// when another running job holds one of them.
    fn claim_paths(&mut self, id: JobId) -> bool {
        let Some(j) = self.jobs.get(&id) else {
            return false;
        };
        let side = side_of(j.spec.direction);
        if j.spec.kind != JobKind::File {
            return true;
        }
        let dst = j.spec.dst.to_string();
        let mut part = j.part.clone();
        if side == Side::Local && part.is_none() {
            part = Some(self.pick_temp_name(j));
        }
        let mut paths = vec![(side, dst.as_str())];
        let part_path = part.as_deref().map(|p| claims::sibling(&dst, p));
        if let Some(p) = &part_path {
            paths.push((side, p.as_str()));
        }
        if !self.claims().hold_all(id, &paths) {
            return false;
        }
        if let Some(j) = self.jobs.get_mut(&id) {
            j.part = part;
        }
        true
    }

    /// A temporary name for a download's first run: not held by another running job nor
    /// planned as one's destination (a listed entry called `NAME.skiff-XXXXXXXX.part`). A file
    /// already there under it is an earlier run's of the same job: the worker continues it
    /// only when it is the job's own (see `Worker::download`). A job queued by an older skiff
    /// with bytes in place keeps writing its `NAME.part`.
    fn pick_temp_name(&self, j: &Job) -> String {
        let c = self.claims();
        let free = |name: &str| {
            let path = claims::sibling(&j.spec.dst, name);
            !c.taken(Side::Local, &path, j.id)
        };
        let legacy = format!("{}.part", j.name());
        if j.done > 0 && free(&legacy) {
            return legacy;
        }
        let mut n = 0;
        loop {
            let name = claims::temp_name(&j.spec.src, &j.spec.dst, n);
            if free(&name) || n >= 1000 {
                return name;
            }
            n += 1;
        }
    }

    fn emit(&self, e: EngineEvent) {
        let _ = self.events.send(e);
    }

    fn changed(&mut self, id: JobId) {
        if let Some(j) = self.jobs.get(&id) {
            self.emit(EngineEvent::Changed(j.clone()));
        }
        self.mark_save();
    }

    fn mark_save(&mut self) {
        if self.cfg.state_file.is_some() && self.save_due.is_none() {
            self.save_due = Some(Instant::now() + Duration::from_secs(1));
        }
    }

    fn restore(&mut self) {
        let Some(path) = &self.cfg.state_file else {
            return;
        };
        let Ok(text) = std::fs::read_to_string(path) else {
            return;
        };
        let saved: SavedQueue = match serde_json::from_str(&text) {
            Ok(s) => s,
            Err(e) => {
                self.tap
                    .warn(format!("ignoring the saved queue {}: {e}", path.display()));
                return;
            }
        };
        if saved.server != self.server_key() {
            return;
        }
        let draining: std::collections::HashSet<JobId> =
            saved.backlogs.iter().map(|b| b.dir).collect();
        let mut jobs = Vec::new();
        for mut j in saved.jobs {
            if draining.contains(&j.id) {
                // Still adding its entries (or paused while doing so).
                if j.state != JobState::Paused {
                    j.state = JobState::Running;
                }
            } else if matches!(j.state, JobState::Running | JobState::Conflict { .. }) {
                j.state = JobState::Queued;
            }
            self.next_id = self.next_id.max(j.id + 1);
            self.plan(&j.spec);
            self.order.push(j.id);
            jobs.push(j.clone());
            self.jobs.insert(j.id, j);
        }
        if !jobs.is_empty() {
            self.tap
                .info(format!("restored {} jobs from the saved queue", jobs.len()));
            self.emit(EngineEvent::Added { after: None, jobs });
        }
        for b in saved.backlogs {
            if let Some(d) = self.jobs.get(&b.dir)
                && !b.children.is_empty()
            {
                let (direction, dst) = (d.spec.direction, d.spec.dst.clone());
                self.plan_children(direction, &dst, &b.children);
                let dir = b.dir;
                self.backlogs.insert(dir, b);
                self.report_backlog(dir);
            }
        }
    }

    /// Write the queue atomically: temp file, fsync, rename.
    fn save(&mut self) {
        self.save_due = None;
        let Some(path) = self.cfg.state_file.clone() else {
            return;
        };
        let jobs: Vec<Job> = self
            .order
            .iter()
            .filter_map(|id| self.jobs.get(id))
            .filter(|j| {
                !matches!(
                    j.state,
                    JobState::Done | JobState::Skipped { .. } | JobState::Cancelled
                )
            })
            .map(|j| {
                let mut j = j.clone();
                if let Some(r) = self.running.get(&j.id) {
                    j.done = r.progress.load(Ordering::Relaxed);
                }
                j
            })
            .collect();
        let mut backlogs: Vec<Backlog> = self.backlogs.values().cloned().collect();
        backlogs.sort_by_key(|b| b.dir);
        let saved = SavedQueue {
            version: 1,
            server: self.server_key(),
            jobs,
            backlogs,
        };
        let bytes = match serde_json::to_vec(&saved) {
            Ok(b) => b,
            Err(e) => {
                self.tap.warn(format!("cannot save the queue: {e}"));
                return;
            }
        };
        if let Err(e) = crate::paths::write_atomic(&path, &bytes) {
            self.tap
                .warn(format!("cannot save the queue to {}: {e}", path.display()));
        }
    }

    /// Where a job is in the queue. Searched from the end: the job asked about is most often
    /// one just added (a directory's last entry made a job, when the next ones go after it).
    fn index_of(&self, id: JobId) -> Option<usize> {
        self.order.iter().rposition(|&x| x == id)
    }

    fn requeued(&mut self, id: JobId) {
        if let Some(i) = self.index_of(id) {
            self.scan_from = self.scan_from.min(i);
        }
    }

    /// Queue `specs` after `after` (at the end: `None`). They take the transfer type of their
    /// parent directory's job, or the one in force now.
    fn add(
        &mut self,
        after: Option<JobId>,
        parent: Option<JobId>,
        specs: Vec<JobSpec>,
    ) -> Vec<Job> {
        let mode = parent
            .and_then(|p| self.jobs.get(&p))
            .map_or(self.cfg.mode, |p| p.mode);
        // A directory's entries are in its batch; anything else starts one, named by its
        // first job.
        let batch = parent
            .and_then(|p| self.jobs.get(&p))
            .map_or(self.next_id, |p| p.batch);
        let mut new = Vec::with_capacity(specs.len());
        for spec in specs {
            if parent.is_none() {
                // A directory's entries were planned when it was listed.
                self.plan(&spec);
            }
            let id = self.next_id;
            self.next_id += 1;
            new.push(Job {
                id,
                parent,
                spec,
                state: JobState::Queued,
                done: 0,
                attempts: 0,
                on_exists: None,
                mode,
                never: false,
                part: None,
                above: None,
                batch,
            });
        }
        let at = match after.and_then(|a| self.index_of(a)) {
            Some(i) => i + 1,
            None => self.order.len(),
        };
        self.order.splice(at..at, new.iter().map(|j| j.id));
        self.scan_from = self.scan_from.min(at);
        for j in &new {
            self.jobs.insert(j.id, j.clone());
        }
        self.mark_save();
        new
    }

    fn next_runnable(&mut self) -> Option<JobId> {
        if self.paused_all {
            return None;
        }
        let now = Instant::now();
        let mut i = self.scan_from;
        let mut can_advance = true;
        while i < self.order.len() {
            let id = self.order[i];
            let queued = self
                .jobs
                .get(&id)
                .is_some_and(|j| j.state == JobState::Queued);
            if queued {
                match self.not_before.get(&id) {
                    Some(t) if *t > now => can_advance = false,
                    // Another running job writes one of its paths: it waits for that one.
                    _ if self.blocked(id) => can_advance = false,
                    _ => return Some(id),
                }
            } else if can_advance {
                self.scan_from = i + 1;
            }
            i += 1;
        }
        None
    }

    /// Whether any job is queued (scans from `scan_from`, so it is cheap in a long queue).
    fn has_queued(&self) -> bool {
        self.order[self.scan_from.min(self.order.len())..]
            .iter()
            .any(|id| {
                self.jobs
                    .get(id)
                    .is_some_and(|j| j.state == JobState::Queued)
            })
    }

    /// The oldest directory whose backlog may feed the queue now (not paused or cancelled).
    fn feeder(&self) -> Option<JobId> {
        if self.paused_all {
            return None;
        }
        self.backlogs
            .keys()
            .copied()
            .filter(|d| {
                self.jobs
                    .get(d)
                    .is_some_and(|j| j.state == JobState::Running)
            })
            .min()
    }

    /// Make up to `n` more of a directory's entries jobs, right after the last ones made.
    fn materialise(&mut self, dir: JobId, n: usize) {
        let Some(d) = self.jobs.get(&dir) else {
            self.backlogs.remove(&dir);
            return;
        };
        let (direction, dst, is_move) = (d.spec.direction, d.spec.dst.clone(), d.spec.is_move);
        let inherited = d.on_exists;
        let Some(b) = self.backlogs.get_mut(&dir) else {
            return;
        };
        let above = b.above.clone();
        let src = b.src.trim_end_matches('/');
        let dst_base = dst.trim_end_matches('/');
        let mut specs = Vec::with_capacity(n.min(b.children.len()));
        while specs.len() < n {
            let Some(c) = b.children.pop() else { break };
            specs.push(JobSpec {
                direction,
                kind: c.kind,
                src: format!("{src}/{}", c.name).into(),
                dst: format!("{dst_base}/{}", c.name).into(),
                size: c.size,
                mtime: c.mtime,
                is_move,
            });
        }
        let after = if self.jobs.contains_key(&b.last) {
            b.last
        } else {
            dir
        };
        let mut jobs = self.add(Some(after), Some(dir), specs);
        for j in &mut jobs {
            if inherited.is_some() {
                j.on_exists = inherited;
            }
            if j.spec.kind == JobKind::Dir {
                j.above = above.clone();
            }
            if let Some(stored) = self.jobs.get_mut(&j.id) {
                stored.on_exists = j.on_exists;
                stored.above = j.above.clone();
            }
        }
        if let Some(b) = self.backlogs.get_mut(&dir) {
            b.ahead += jobs.len();
            if let Some(l) = jobs.last() {
                b.last = l.id;
            }
        }
        if !jobs.is_empty() {
            self.emit(EngineEvent::Added {
                after: Some(after),
                jobs,
            });
        }
        self.report_backlog(dir);
        if self
            .backlogs
            .get(&dir)
            .is_some_and(|b| b.children.is_empty())
        {
            self.backlogs.remove(&dir);
            if self
                .jobs
                .get(&dir)
                .is_some_and(|j| j.state == JobState::Running)
            {
                self.set_state(dir, JobState::Done);
                self.maybe_forget(dir);
            }
        }
    }

    fn report_backlog(&self, dir: JobId) {
        let (files, bytes, entries) = match self.backlogs.get(&dir) {
            Some(b) => {
                let (f, by) = b.children.files_left();
                (f, by, b.children.len())
            }
            None => (0, 0, 0),
        };
        self.emit(EngineEvent::Backlog {
            dir,
            files,
            bytes,
            entries,
        });
    }

    /// Without `keep_finished`, a job that ended well is dropped once nothing needs it.
    fn maybe_forget(&mut self, id: JobId) {
        if self.cfg.keep_finished
            || self.backlogs.contains_key(&id)
            || self.moving.contains_key(&id)
            || !self.jobs.get(&id).is_some_and(|j| {
                matches!(
                    j.state,
                    JobState::Done | JobState::Skipped { .. } | JobState::Cancelled
                )
            })
        {
            return;
        }
        self.jobs.remove(&id);
        self.not_before.remove(&id);
        if let Some(i) = self.index_of(id) {
            self.order.remove(i);
            if i < self.scan_from {
                self.scan_from -= 1;
            }
        }
    }

    fn dispatch(&mut self) {
        while !self.waiting.is_empty() {
            let id = match self.next_runnable() {
                Some(id) => id,
                None => {
                    // Nothing queued: take more entries from a listed directory.
                    let Some(dir) = self.feeder() else { break };
                    let n = self.ahead_target();
                    self.materialise(dir, n);
                    continue;
                }
            };
            if !self.claim_paths(id) {
                break;
            }
            let Some(worker) = self.waiting.pop() else {
                self.claims().release(id);
                break;
            };
            let Some(job) = self.jobs.get_mut(&id) else {
                break;
            };
            job.state = JobState::Running;
            job.attempts += 1;
            let ctl = Arc::new(AtomicU8::new(RUN));
            let progress = Arc::new(AtomicU64::new(job.done));
            let policy = job.on_exists.unwrap_or(self.cfg.on_exists);
            let renamed = Arc::new(std::sync::Mutex::new(None));
            let a = Assignment {
                job: job.clone(),
                policy,
                ctl: ctl.clone(),
                progress: progress.clone(),
                renamed: renamed.clone(),
            };
            let parent = job.parent;
            self.not_before.remove(&id);
            self.running.insert(
                id,
                Running {
                    ctl,
                    progress,
                    renamed,
                    last: job.done,
                    rate: 0.0,
                },
            );
            let target = self.ahead_target();
            if let Some(p) = parent
                && let Some(b) = self.backlogs.get_mut(&p)
            {
                b.ahead = b.ahead.saturating_sub(1);
                if b.ahead <= target / 2 {
                    let n = target - b.ahead;
                    self.materialise(p, n);
                }
            }
            match worker.send(a) {
                Ok(()) => self.changed(id),
                Err(a) => {
                    // The worker is gone; put the job back.
                    self.running.remove(&id);
                    self.claims().release(id);
                    if let Some(j) = self.jobs.get_mut(&a.job.id) {
                        j.state = JobState::Queued;
                        j.attempts = j.attempts.saturating_sub(1);
                    }
                }
            }
        }
        let busy = !self.running.is_empty() || self.has_queued() || self.feeder().is_some();
        if self.was_busy && !busy {
            if let Ok(mut d) = self.fresh_dirs.lock() {
                d.clear();
            }
            self.remembered.clear();
            self.emit(EngineEvent::Idle);
        }
        self.was_busy = busy;
    }

    fn finished(&mut self, id: JobId, outcome: Outcome) {
        let run = self.running.remove(&id);
        self.claims().release(id);
        let progress = run.as_ref().map(|r| r.progress.load(Ordering::Relaxed));
        let renamed = run.and_then(|r| r.renamed.lock().ok().and_then(|mut n| n.take()));
        let Some(job) = self.jobs.get_mut(&id) else {
            return;
        };
        if let Some(p) = progress {
            job.done = p;
        }
        // The rename policy picked a free name: from now on that is the job's destination, and
        // the file there is the job's own (a retry continues it; no second free name).
        if let Some(to) = renamed {
            job.spec.dst = to.into();
            job.on_exists = Some(OnExists::Overwrite);
        }
        match outcome {
            Outcome::Done => {
                job.state = JobState::Done;
                if let Some(s) = job.spec.size {
                    job.done = s;
                }
            }
            Outcome::Skipped(reason) => job.state = JobState::Skipped { reason },
            Outcome::Paused => {
                // A pause is not a failed attempt: it must not use up the retries.
                job.state = JobState::Paused;
                job.attempts = job.attempts.saturating_sub(1);
            }
            Outcome::Cancelled => job.state = JobState::Cancelled,
            Outcome::Conflict {
                dst_size,
                dst_mtime,
            } => match self.remembered.get(&job.batch).copied() {
                Some(choice) => {
                    job.on_exists = Some(choice);
                    job.state = JobState::Queued;
                    job.attempts = job.attempts.saturating_sub(1);
                    self.requeued(id);
                }
                None => {
                    job.attempts = job.attempts.saturating_sub(1);
                    job.state = JobState::Conflict {
                        dst_size,
                        dst_mtime,
                    };
                }
            },
            Outcome::Expanded {
                src_base,
                children,
                skipped,
                mark,
            } => {
                let mut chain = job.above.as_deref().unwrap_or(&[]).to_vec();
                chain.push(mark);
                self.expanded(id, src_base, children, skipped, Arc::from(chain));
                return;
            }
            Outcome::Failed(e) => {
                let transient = e.is_transient();
                if transient && job.attempts < self.cfg.max_attempts {
                    let wait = self
                        .cfg
                        .backoff
                        .saturating_mul(1 << job.attempts.saturating_sub(1).min(5))
                        .min(Duration::from_secs(30));
                    self.tap.warn(format!(
                        "{} (attempt {}/{}): {e}; retrying in {:.1}s",
                        job.name(),
                        job.attempts,
                        self.cfg.max_attempts,
                        wait.as_secs_f64()
                    ));
                    job.state = JobState::Queued;
                    self.not_before.insert(id, Instant::now() + wait);
                    self.requeued(id);
                } else {
                    self.tap.error(format!("{}: {e}", job.name()));
                    job.state = JobState::Failed {
                        reason: e.to_string(),
                        code: e.code(),
                    };
                }
            }
        }
        self.changed(id);
        self.track_move(id);
        self.maybe_forget(id);
    }

    /// A directory was listed: the names it will not copy are listed as skipped at once, its
    /// entries go into a backlog that feeds the queue as workers take jobs, and the
    /// directory's job runs until the backlog is used up.
    fn expanded(
        &mut self,
        id: JobId,
        src_base: String,
        children: Children,
        skipped: Vec<(String, String)>,
        above: Arc<[crate::fs::walk::DirMark]>,
    ) {
        let Some(dir) = self.jobs.get_mut(&id) else {
            return;
        };
        let entries = children.len();
        dir.state = if entries == 0 {
            JobState::Done
        } else {
            JobState::Running
        };
        let dir_spec = dir.spec.clone();
        if dir_spec.is_move {
            // Entries skipped now keep the directory in place.
            self.moving.insert(id, (entries, !skipped.is_empty()));
        }
        self.changed(id);
        let mut last = id;
        if !skipped.is_empty() {
            let specs: Vec<JobSpec> = skipped
                .iter()
                .map(|(name, _)| JobSpec {
                    kind: JobKind::File,
                    src: format!("{}/{}", src_base.trim_end_matches('/'), name).into(),
                    dst: format!("{}/{}", dir_spec.dst.trim_end_matches('/'), name).into(),
                    size: None,
                    mtime: None,
                    ..dir_spec.clone()
                })
                .collect();
            let mut extra = self.add(Some(id), Some(id), specs);
            for (j, (_, reason)) in extra.iter_mut().zip(skipped) {
                j.state = JobState::Skipped { reason };
                // Its path was made from a name skiff refused (`../x`, a special file): it is
                // listed so the user sees it, and can never run.
                j.never = true;
                if let Some(stored) = self.jobs.get_mut(&j.id) {
                    stored.state = j.state.clone();
                    stored.never = true;
                }
            }
            last = extra.last().map_or(id, |j| j.id);
            let ids: Vec<JobId> = extra.iter().map(|j| j.id).collect();
            self.emit(EngineEvent::Added {
                after: Some(id),
                jobs: extra,
            });
            for j in ids {
                self.maybe_forget(j);
            }
        }
        if entries > 0 {
            self.plan_children(dir_spec.direction, &dir_spec.dst, &children);
            self.backlogs.insert(
                id,
                Backlog {
                    dir: id,
                    src: src_base,
                    children,
                    last,
                    ahead: 0,
                    above: Some(above),
                },
            );
            let n = self.ahead_target();
            self.materialise(id, n);
        } else {
            self.maybe_remove_dir(id);
            self.maybe_forget(id);
        }
    }

    /// Moving a directory ends with removing its source, once every entry in it has moved.
    fn track_move(&mut self, id: JobId) {
        let Some(job) = self.jobs.get(&id) else {
            return;
        };
        if !job.spec.is_move || !job.state.is_finished() {
            return;
        }
        let (state, kind, parent) = (job.state.clone(), job.spec.kind, job.parent);
        if kind == JobKind::Dir && state == JobState::Done {
            // Listed (see `expanded`): its own removal counts for its parent.
            return;
        }
        // A file, a removed subdirectory, or anything that failed: one entry less to wait for.
        let Some(p) = parent else { return };
        if let Some((left, poisoned)) = self.moving.get_mut(&p) {
            *left = left.saturating_sub(1);
            *poisoned |= state != JobState::Done;
        }
        self.maybe_remove_dir(p);
    }

    fn maybe_remove_dir(&mut self, dir: JobId) {
        let Some(&(left, poisoned)) = self.moving.get(&dir) else {
            return;
        };
        if left > 0 {
            return;
        }
        self.moving.remove(&dir);
        let Some(d) = self.jobs.get(&dir).cloned() else {
            return;
        };
        if poisoned {
            self.tap.warn(format!(
                "{}: not every entry moved; the source directory stays",
                d.name()
            ));
            // Its parent cannot be removed either.
            if let Some(p) = d.parent
                && let Some(entry) = self.moving.get_mut(&p)
            {
                entry.0 = entry.0.saturating_sub(1);
                entry.1 = true;
                self.maybe_remove_dir(p);
            }
            return;
        }
        let spec = JobSpec {
            kind: JobKind::RemoveDir,
            size: None,
            ..d.spec.clone()
        };
        let last = self
            .order
            .iter()
            .rev()
            .find(|&&j| j == dir || self.jobs.get(&j).is_some_and(|x| x.parent == Some(dir)))
            .copied();
        let jobs = self.add(last, d.parent, vec![spec]);
        self.emit(EngineEvent::Added { after: last, jobs });
    }

    /// A job and everything that came from it, in queue order.
    fn subtree(&self, id: JobId) -> Vec<JobId> {
        let mut inside = std::collections::HashSet::from([id]);
        for &jid in &self.order {
            if let Some(p) = self.jobs.get(&jid).and_then(|j| j.parent)
                && inside.contains(&p)
            {
                inside.insert(jid);
            }
        }
        self.order
            .iter()
            .copied()
            .filter(|j| inside.contains(j))
            .collect()
    }

    /// What a paused job goes back to: queued, or running for a directory that was adding
    /// its entries (it was listed already).
    fn unpaused(&self, id: JobId) -> JobState {
        if self.backlogs.contains_key(&id) {
            JobState::Running
        } else {
            JobState::Queued
        }
    }

    fn set_state(&mut self, id: JobId, state: JobState) {
        if let Some(j) = self.jobs.get_mut(&id) {
            j.state = state;
        }
        self.changed(id);
    }

    fn command(&mut self, c: EngineCmd) {
        match c {
            EngineCmd::Enqueue(specs) => {
                let jobs = self.add(None, None, specs);
                self.emit(EngineEvent::Added { after: None, jobs });
            }
            EngineCmd::SetMode(mode) => self.cfg.mode = mode,
            EngineCmd::EnqueueWith { specs, policy } => {
                let mut jobs = self.add(None, None, specs);
                for j in &mut jobs {
                    j.on_exists = Some(policy);
                    if let Some(stored) = self.jobs.get_mut(&j.id) {
                        stored.on_exists = Some(policy);
                    }
                }
                self.emit(EngineEvent::Added { after: None, jobs });
            }
            EngineCmd::Pause(id) => {
                // A directory pauses with everything that came from it.
                for jid in self.subtree(id) {
                    match (
                        self.running.get(&jid),
                        self.jobs.get(&jid).map(|j| &j.state),
                    ) {
                        (Some(r), _) => r.ctl.store(PAUSE, Ordering::Relaxed),
                        (None, Some(JobState::Queued | JobState::Conflict { .. })) => {
                            self.set_state(jid, JobState::Paused)
                        }
                        // A directory still adding its entries stops adding them.
                        (None, Some(JobState::Running)) if self.backlogs.contains_key(&jid) => {
                            self.set_state(jid, JobState::Paused)
                        }
                        _ => {}
                    }
                }
            }
            EngineCmd::Resume(id) => {
                for jid in self.subtree(id) {
                    if self
                        .jobs
                        .get(&jid)
                        .is_some_and(|j| j.state == JobState::Paused)
                    {
                        self.set_state(jid, self.unpaused(jid));
                        self.requeued(jid);
                    }
                }
            }
            EngineCmd::PauseAll => {
                self.paused_all = true;
                for r in self.running.values() {
                    r.ctl.store(PAUSE, Ordering::Relaxed);
                }
            }
            EngineCmd::ResumeAll => {
                self.paused_all = false;
                let paused: Vec<JobId> = self
                    .order
                    .iter()
                    .copied()
                    .filter(|id| {
                        self.jobs
                            .get(id)
                            .is_some_and(|j| j.state == JobState::Paused)
                    })
                    .collect();
                for id in paused {
                    self.set_state(id, self.unpaused(id));
                }
                self.scan_from = 0;
            }
            EngineCmd::Cancel(id) => {
                for jid in self.subtree(id) {
                    if self.backlogs.remove(&jid).is_some() {
                        self.report_backlog(jid);
                    }
                    if let Some(r) = self.running.get(&jid) {
                        r.ctl.store(CANCEL, Ordering::Relaxed);
                    } else if self.jobs.get(&jid).is_some_and(|j| !j.state.is_finished()) {
                        self.set_state(jid, JobState::Cancelled);
                    }
                }
            }
            EngineCmd::Retry(id) => {
                if self.jobs.get(&id).is_some_and(|j| {
                    !j.never
                        && matches!(
                            j.state,
                            JobState::Failed { .. }
                                | JobState::Cancelled
                                | JobState::Skipped { .. }
                        )
                }) {
                    if let Some(j) = self.jobs.get_mut(&id) {
                        j.attempts = 0;
                    }
                    self.set_state(id, JobState::Queued);
                    self.requeued(id);
                }
            }
            EngineCmd::RetryFailed => {
                let failed: Vec<JobId> = self
                    .order
                    .iter()
                    .copied()
                    .filter(|id| {
                        self.jobs
                            .get(id)
                            .is_some_and(|j| matches!(j.state, JobState::Failed { .. }))
                    })
                    .collect();
                for id in failed {
                    if let Some(j) = self.jobs.get_mut(&id) {
                        j.attempts = 0;
                    }
                    self.set_state(id, JobState::Queued);
                }
                self.scan_from = 0;
            }
            EngineCmd::MoveBy(id, delta) => {
                if let Some(i) = self.index_of(id) {
                    let to = (i as i64 + delta).clamp(0, self.order.len() as i64 - 1) as usize;
                    if to != i {
                        let x = self.order.remove(i);
                        self.order.insert(to, x);
                        self.scan_from = self.scan_from.min(to.min(i));
                        self.emit(EngineEvent::Moved { id, index: to });
                        self.mark_save();
                    }
                }
            }
            EngineCmd::ClearFinished => {
                let gone: Vec<JobId> = self
                    .order
                    .iter()
                    .copied()
                    .filter(|id| {
                        // A directory being moved is still needed to remove its source.
                        !self.moving.contains_key(id)
                            && self.jobs.get(id).is_some_and(|j| {
                                matches!(
                                    j.state,
                                    JobState::Done | JobState::Skipped { .. } | JobState::Cancelled
                                )
                            })
                    })
                    .collect();
                if !gone.is_empty() {
                    let set: std::collections::HashSet<JobId> = gone.iter().copied().collect();
                    self.order.retain(|id| !set.contains(id));
                    for id in &gone {
                        self.jobs.remove(id);
                    }
                    self.scan_from = 0;
                    self.emit(EngineEvent::Removed(gone));
                    self.mark_save();
                }
            }
            EngineCmd::Resolve { id, choice, all } => {
                // "All" holds for the operation the conflict came from, not for later ones.
                let batch = self.jobs.get(&id).map(|j| j.batch);
                let targets: Vec<JobId> = if let (true, Some(batch)) = (all, batch) {
                    self.remembered.insert(batch, choice);
                    self.order
                        .iter()
                        .copied()
                        .filter(|j| {
                            self.jobs.get(j).is_some_and(|j| {
                                j.batch == batch && matches!(j.state, JobState::Conflict { .. })
                            })
                        })
                        .collect()
                } else {
                    vec![id]
                };
                for t in targets {
                    if let Some(j) = self.jobs.get_mut(&t)
                        && matches!(j.state, JobState::Conflict { .. })
                    {
                        j.on_exists = Some(choice);
                        self.set_state(t, JobState::Queued);
                        self.requeued(t);
                    }
                }
            }
        }
    }

    fn tick(&mut self) {
        let mut out = Vec::with_capacity(self.running.len());
        let secs = TICK.as_secs_f64();
        for (&id, r) in self.running.iter_mut() {
            let done = r.progress.load(Ordering::Relaxed);
            let inst = done.saturating_sub(r.last) as f64 / secs;
            r.rate = if r.rate == 0.0 {
                inst
            } else {
                r.rate * 0.7 + inst * 0.3
            };
            if done != r.last || inst == 0.0 {
                out.push(Progress {
                    id,
                    done,
                    rate: r.rate as u64,
                });
            }
            r.last = done;
        }
        if !out.is_empty() {
            self.emit(EngineEvent::Progress(out));
        }
    }

    /// Stop for good: running transfers are interrupted (briefly waited for: what they report
    /// is what gets saved, and none of them is still writing a `.part` once this returns),
    /// and the queue is saved with them queued, to resume next time.
    async fn stop(&mut self, rx: &mut mpsc::UnboundedReceiver<Msg>) {
        for r in self.running.values() {
            r.ctl.store(PAUSE, Ordering::Relaxed);
        }
        let interrupted: Vec<JobId> = self.running.keys().copied().collect();
        self.paused_all = true;
        let deadline = Instant::now() + Duration::from_secs(2);
        while !self.running.is_empty() {
            match tokio::time::timeout_at(deadline.into(), rx.recv()).await {
                Ok(Some(Msg::Finished { id, outcome })) => self.finished(id, outcome),
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => break,
            }
        }
        for id in interrupted {
            if let Some(j) = self.jobs.get_mut(&id)
                && j.state == JobState::Paused
            {
                j.state = JobState::Queued;
            }
        }
        // Interrupted jobs are saved as queued so they resume next time.
        let ids: Vec<JobId> = self.running.keys().copied().collect();
        for id in ids {
            if let (Some(j), Some(r)) = (self.jobs.get_mut(&id), self.running.get(&id)) {
                j.done = r.progress.load(Ordering::Relaxed);
                j.state = JobState::Queued;
            }
        }
        self.save();
        self.waiting.clear();
    }

    async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
        let mut next_tick = Instant::now() + TICK;
        loop {
            // A retry whose wait is over is free to go (dispatch treats "no entry" the same);
            // keeping it would wake this loop at once, over and over, while every worker is
            // busy.
            let now = Instant::now();
            self.not_before.retain(|_, t| *t > now);
            let wake = {
                let mut w: Option<Instant> = None;
                if !self.running.is_empty() {
                    w = Some(next_tick);
                }
                if let Some(t) = self.not_before.values().min() {
                    w = Some(w.map_or(*t, |x| x.min(*t)));
                }
                if let Some(t) = self.save_due {
                    w = Some(w.map_or(t, |x| x.min(t)));
                }
                w
            };
            let msg = match wake {
                Some(t) => {
                    tokio::select! {
                        m = rx.recv() => m,
                        _ = tokio::time::sleep_until(t.into()) => {
                            let now = Instant::now();
                            if now >= next_tick {
                                self.tick();
                                next_tick = now + TICK;
                            }
                            if self.save_due.is_some_and(|d| d <= now) {
                                self.save();
                            }
                            self.dispatch();
                            continue;
                        }
                    }
                }
                None => rx.recv().await,
            };
            let Some(msg) = msg else { break };
            match msg {
                Msg::Want(w) => self.waiting.push(w),
                Msg::Finished { id, outcome } => self.finished(id, outcome),
                Msg::Cmd(c) => self.command(c),
                Msg::Shutdown(ack) => {
                    self.stop(&mut rx).await;
                    let _ = ack.send(());
                    return;
                }
            }
            if self.running.is_empty() {
                next_tick = Instant::now() + TICK;
            }
            self.dispatch();
        }
    }
}

fn side_of(d: Direction) -> Side {
    match d {
        Direction::Download => Side::Local,
        Direction::Upload => Side::Remote,
    }
}
