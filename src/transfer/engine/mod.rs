//! The transfer engine: one task owns the queue, a pool of workers (each with its own FTP
//! connection, tagged `xfer-1`…) pulls jobs from it, and the engine reports what happens as
//! events. Progress is sampled from shared counters a few times a second, so a fast transfer
//! never floods anyone. The same engine serves the TUI and the headless commands.
//!
//! Here: the handle ([`Engine`]), its commands ([`EngineCmd`]) and events, and the core's
//! state. The core's work is in the modules below: `dispatch` (the loop, handing jobs to
//! workers, folding in what they report), `commands`, `tree` (directories and moves), `paths`
//! (what running jobs hold, temporary names) and `saved` (the queue on disk).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};

use super::backend::Connect;
use super::claims::{self, SharedClaims, Side};
use super::job::{Children, Direction, Job, JobId, JobKind, JobSpec, JobState, OnExists};
use super::segments::{self, Segmented};
use super::worker::{Assignment, CANCEL, Outcome, PAUSE, RUN, Worker};
use crate::ftp::{ConnectOptions, LogEvent, Tap};

mod commands;
mod dispatch;
mod paths;
mod saved;
mod tree;

/// How the engine runs, and what its workers connect with (FTP's `ConnectOptions`, or any
/// other [`Connect`]).
#[derive(Debug, Clone)]
pub struct EngineConfig<C = ConnectOptions> {
    pub connect: C,
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
    /// Check every file with the server's checksum after the transfer (`--verify`).
    pub verify: bool,
    /// When an upload goes to a temporary name first, renamed once complete and checked.
    pub upload_temp: UploadTemp,
    /// All transfers together move at most this many bytes per second (`None`: no limit).
    pub limit_rate: Option<u64>,
    /// How many connections one big download may use (see `transfer::segments`).
    pub segments: super::Segments,
}

/// A bookmark's transfer settings, each winning over the configured one for its server's
/// engine (`None`: the configured one).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Overrides {
    pub verify: Option<bool>,
    pub upload_temp: Option<UploadTemp>,
    pub segments: Option<super::Segments>,
}

/// Whether an upload is written under a temporary name in the destination's directory and
/// renamed to its own once complete (and checked), so that nobody (a web server) ever reads
/// half a file under the real name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UploadTemp {
    /// For files of 1 MiB or more (and every file of a `skiff sync`), unless the server is
    /// known to refuse renaming over an existing file and one is there.
    #[default]
    Auto,
    Always,
    Never,
}

impl UploadTemp {
    pub fn label(self) -> &'static str {
        match self {
            UploadTemp::Auto => "auto",
            UploadTemp::Always => "always",
            UploadTemp::Never => "never",
        }
    }

    pub fn parse(s: &str) -> Option<UploadTemp> {
        Some(match s {
            "auto" => UploadTemp::Auto,
            "always" => UploadTemp::Always,
            "never" => UploadTemp::Never,
            _ => return None,
        })
    }

    /// Whether an upload of `size` bytes (when known) starts under a temporary name.
    pub fn applies(self, size: Option<u64>) -> bool {
        match self {
            UploadTemp::Always => true,
            UploadTemp::Never => false,
            UploadTemp::Auto => size.is_some_and(|s| s >= super::worker::TEMP_UPLOADS_FROM),
        }
    }
}

impl<C: Connect> EngineConfig<C> {
    pub fn new(connect: C) -> EngineConfig<C> {
        EngineConfig {
            stall: connect.stall(),
            connect,
            parallel: 4,
            on_exists: OnExists::Ask,
            max_attempts: 5,
            backoff: Duration::from_secs(1),
            state_file: None,
            preconnect: false,
            keep_finished: true,
            mode: super::TransferMode::Binary,
            verify: false,
            upload_temp: UploadTemp::Auto,
            limit_rate: None,
            segments: super::Segments::Auto,
        }
    }
}

impl<C> EngineConfig<C> {
    /// The connection settings, and the rest (what the queue's core keeps).
    fn split(self) -> (C, EngineConfig<()>) {
        let EngineConfig {
            connect,
            parallel,
            on_exists,
            max_attempts,
            backoff,
            stall,
            state_file,
            preconnect,
            keep_finished,
            mode,
            verify,
            upload_temp,
            limit_rate,
            segments,
        } = self;
        let rest = EngineConfig {
            connect: (),
            parallel,
            on_exists,
            max_attempts,
            backoff,
            stall,
            state_file,
            preconnect,
            keep_finished,
            mode,
            verify,
            upload_temp,
            limit_rate,
            segments,
        };
        (connect, rest)
    }
}

/// Progress of one running job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub id: JobId,
    pub done: u64,
    /// Bytes per second, smoothed.
    pub rate: u64,
    /// Connections reading it: 1, or more for a segmented download.
    pub connections: u8,
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
    /// How fast the queue moves, all jobs together (every tick while it is busy, and once
    /// more when it runs dry, with `done`).
    Speed(Speed),
    /// Nothing is queued or running any more.
    Idle,
}

/// The whole queue's speed: bytes of every job, including those that started and ended
/// between two ticks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Speed {
    /// Bytes per second now, smoothed.
    pub rate: u64,
    /// Bytes moved since the queue became busy.
    pub bytes: u64,
    /// Time since the queue became busy, in milliseconds.
    pub elapsed_ms: u64,
    /// The queue ran dry: `bytes` over `elapsed_ms` is the run's average.
    pub done: bool,
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
    /// A new bandwidth limit for all transfers, from now on (`None`: none).
    SetRateLimit(Option<u64>),
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
    Want(oneshot::Sender<Work>),
    /// A worker whose download is ending asks for its next job ahead (see `Core::peek`).
    Peek(oneshot::Sender<Option<Box<Assignment>>>),
    Finished {
        id: JobId,
        outcome: Outcome,
    },
}

/// What a worker that asked for work is given.
enum Work {
    Job(Box<Assignment>),
    /// Read a range of a segmented download (see `transfer::segments`), then ask again.
    Help(Arc<Segmented>),
}

/// The handle: cheap to clone; [`Engine::send`] gives it a command.
#[derive(Clone)]
pub struct Engine {
    tx: mpsc::UnboundedSender<Msg>,
    /// The workers of an engine started on the caller's runtime: `shutdown` waits (briefly)
    /// for them to say QUIT, so that what they log never comes after the next engine's.
    workers: Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
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
        // The workers leave once the core has stopped: wait for their QUIT (briefly: a
        // stalled one is not waited for).
        let workers = self
            .workers
            .lock()
            .map(|mut w| std::mem::take(&mut *w))
            .unwrap_or_default();
        let _ = tokio::time::timeout(Duration::from_secs(2), async {
            for w in workers {
                let _ = w.await;
            }
        })
        .await;
    }

    /// Start the engine and its workers. Jobs saved in `cfg.state_file` for the same server
    /// come back (pending and failed ones; interrupted ones resume).
    pub fn start<C: Connect>(
        cfg: EngineConfig<C>,
        events: mpsc::UnboundedSender<EngineEvent>,
        log: Option<mpsc::UnboundedSender<LogEvent>>,
    ) -> Engine {
        Engine::start_with(cfg, events, log, None)
    }

    /// Like [`Engine::start`], with a connection that is already logged in for the first
    /// worker (the headless commands log in once to look at the URL, and keep that login).
    pub fn start_with<C: Connect>(
        cfg: EngineConfig<C>,
        events: mpsc::UnboundedSender<EngineEvent>,
        log: Option<mpsc::UnboundedSender<LogEvent>>,
        first: Option<C::Remote>,
    ) -> Engine {
        let (engine, _core, workers) = Engine::spawn(cfg, events, log, first);
        if let Ok(mut w) = engine.workers.lock() {
            *w = workers;
        }
        engine
    }

    /// Start the engine on a thread of its own, with a single-threaded runtime: transfers
    /// neither wait for the UI's tasks nor make them wait, and a block written to a local file
    /// blocks only this thread (the headless commands run the same way on their main thread).
    pub fn start_threaded<C: Connect>(
        cfg: EngineConfig<C>,
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
                    let (engine, core, workers) =
                        Engine::spawn(cfg, events, log, None::<C::Remote>);
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

    fn spawn<C: Connect>(
        cfg: EngineConfig<C>,
        events: mpsc::UnboundedSender<EngineEvent>,
        log: Option<mpsc::UnboundedSender<LogEvent>>,
        first: Option<C::Remote>,
    ) -> (
        Engine,
        tokio::task::JoinHandle<()>,
        Vec<tokio::task::JoinHandle<()>>,
    ) {
        let mut first = first;
        let server = cfg.connect.server_key();
        let (connect, cfg) = cfg.split();
        let limit = Arc::new(super::rate::RateLimit::new(cfg.limit_rate));
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
            let peek_tx = tx.clone();
            let mut worker = Worker::new(connect.clone(), tap, cfg.stall)
                .with_fresh_dirs(fresh_dirs.clone())
                .with_claims(claims.clone())
                .with_verify(cfg.verify)
                .with_limit(limit.clone())
                .with_peek(Box::new(move |ask| peek_tx.send(Msg::Peek(ask)).is_ok()));
            if let Some(s) = first.take() {
                worker = worker.with_session(s);
            }
            let tx = tx.clone();
            workers.push(tokio::spawn(async move {
                if preconnect {
                    worker.connect_now().await;
                }
                // A job the worker was given while its last download ended (see `peek`).
                let mut next: Option<Box<Assignment>> = None;
                loop {
                    let a = match next.take() {
                        Some(a) => *a,
                        None => {
                            let (want_tx, want_rx) = oneshot::channel();
                            if tx.send(Msg::Want(want_tx)).is_err() {
                                break;
                            }
                            // A worker lent to a job that did not need it after all is given
                            // nothing: it asks again.
                            let Ok(work) = want_rx.await else { continue };
                            match work {
                                Work::Job(a) => *a,
                                Work::Help(seg) => {
                                    worker.help(seg).await;
                                    continue;
                                }
                            }
                        }
                    };
                    let outcome = worker.run(&a).await;
                    next = worker.take_next();
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
        let mut core = Core::new(cfg, server, events, tap);
        core.limit = limit;
        core.fresh_dirs = fresh_dirs;
        core.claims = claims;
        core.restore();
        let core = tokio::spawn(core.run(rx));
        (
            Engine {
                tx,
                workers: Default::default(),
            },
            core,
            workers,
        )
    }
}

impl Running {
    /// What the job must carry of this run (when it ends, and in the saved queue while it
    /// runs): its progress, the free name the rename policy chose (its destination from now
    /// on, the file there its own), whether it began its destination (see `Job::touched`),
    /// and a segmented download's plan (none: it went in one stream after all).
    fn note_into(&self, j: &mut Job) {
        j.done = self.progress.load(Ordering::Relaxed);
        if let Some(s) = &self.segmented {
            let plan = s.plan();
            j.segments = (!plan.is_empty()).then_some(plan);
        }
        if let Ok(n) = self.renamed.lock()
            && let Some(to) = n.as_ref()
        {
            j.spec.dst = to.as_str().into();
            j.on_exists = Some(OnExists::Overwrite);
        }
        j.touched |= self.touched.load(Ordering::Relaxed);
    }
}

struct Running {
    ctl: Arc<AtomicU8>,
    progress: Arc<AtomicU64>,
    renamed: Arc<std::sync::Mutex<Option<String>>>,
    /// The job's upload has opened its destination (see `Job::touched`).
    touched: Arc<std::sync::atomic::AtomicBool>,
    /// A segmented download's shared state: its plan as it goes, and whether it wants more
    /// connections.
    segmented: Option<Arc<Segmented>>,
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
    /// The settings (the connection's stay with the workers).
    cfg: EngineConfig<()>,
    /// The server the queue is for (see [`Connect::server_key`]).
    server: String,
    events: mpsc::UnboundedSender<EngineEvent>,
    tap: Tap,
    jobs: HashMap<JobId, Job>,
    order: Vec<JobId>,
    next_id: JobId,
    running: HashMap<JobId, Running>,
    waiting: Vec<oneshot::Sender<Work>>,
    not_before: HashMap<JobId, Instant>,
    /// No job before this index is queued.
    scan_from: usize,
    paused_all: bool,
    /// Jobs that `PauseAll` interrupted: the ones `ResumeAll` goes on with (a job paused on
    /// its own is not among them).
    paused_by_all: std::collections::HashSet<JobId>,
    /// "Apply to all conflicts" answers, per batch (see [`Job::batch`]); forgotten when the
    /// queue runs dry.
    remembered: HashMap<JobId, OnExists>,
    save_due: Option<Instant>,
    was_busy: bool,
    /// Bytes moved by jobs that ended since the last tick (the running ones are sampled).
    moved: u64,
    /// The queue's speed (see [`Speed`]), and when it became busy.
    speed: f64,
    busy_since: Option<Instant>,
    busy_bytes: u64,
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
    /// The bandwidth limit the workers share (see `rate`).
    limit: Arc<super::rate::RateLimit>,
}

const TICK: Duration = Duration::from_millis(250);

fn side_of(d: Direction) -> Side {
    match d {
        Direction::Download => Side::Local,
        Direction::Upload => Side::Remote,
    }
}
