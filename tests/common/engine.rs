//! The transfer engine driven from a test: an in-process server on a directory, the engine's
//! settings for it, and [`Run`], the engine plus a mirror of its jobs kept from its events.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use skiff::demo::{self, DemoOptions, DemoServer};
use skiff::ftp::{ConnectOptions, LogEvent, Secret};
use skiff::transfer::{
    Connect, Direction, Engine, EngineConfig, EngineEvent, Job, JobId, JobKind, JobSpec, JobState,
    OnExists,
};
use tokio::sync::mpsc;

pub async fn server_on(root: &Path) -> DemoServer {
    demo::start(DemoOptions {
        root: Some(root.to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap()
}

pub fn config(port: u16, parallel: usize) -> EngineConfig {
    let mut o = ConnectOptions::new("127.0.0.1", port, Some("demo"), Some(Secret::new("demo")));
    o.timeout = Duration::from_secs(10);
    let mut c = EngineConfig::new(o);
    c.parallel = parallel;
    c.on_exists = OnExists::Overwrite;
    c.backoff = Duration::from_millis(50);
    c.stall = Duration::from_secs(5);
    c
}

/// The engine plus a mirror of its jobs, kept by folding its events.
pub struct Run {
    pub engine: Engine,
    pub rx: mpsc::UnboundedReceiver<EngineEvent>,
    pub jobs: BTreeMap<JobId, Job>,
    pub log_rx: mpsc::UnboundedReceiver<LogEvent>,
    pub log: Vec<LogEvent>,
    /// Per directory: entries of its listing not in the queue yet, as last reported.
    pub backlog: BTreeMap<JobId, usize>,
    /// The most jobs one `Added` event brought.
    pub max_added: usize,
}

impl Run {
    pub fn start<C: Connect>(cfg: EngineConfig<C>) -> Run {
        let (tx, rx) = mpsc::unbounded_channel();
        let (ltx, log_rx) = mpsc::unbounded_channel();
        let engine = Engine::start(cfg, tx, Some(ltx));
        Run {
            engine,
            rx,
            jobs: BTreeMap::new(),
            log_rx,
            log: Vec::new(),
            backlog: BTreeMap::new(),
            max_added: 0,
        }
    }

    pub fn fold(&mut self, e: EngineEvent) {
        match e {
            EngineEvent::Added { jobs, .. } => {
                self.max_added = self.max_added.max(jobs.len());
                for j in jobs {
                    self.jobs.insert(j.id, j);
                }
            }
            EngineEvent::Backlog { dir, entries, .. } => {
                self.backlog.insert(dir, entries);
            }
            EngineEvent::Changed(j) => {
                self.jobs.insert(j.id, j);
            }
            EngineEvent::Removed(ids) => {
                for id in ids {
                    self.jobs.remove(&id);
                }
            }
            _ => {}
        }
    }

    /// Fold events until `pred` holds (or fail after a generous timeout).
    pub async fn until(&mut self, what: &str, pred: impl Fn(&BTreeMap<JobId, Job>) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
        while !pred(&self.jobs) {
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(e)) => self.fold(e),
                Ok(None) => panic!("engine stopped while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}: {:#?}", self.jobs),
            }
        }
        while let Ok(l) = self.log_rx.try_recv() {
            self.log.push(l);
        }
    }

    pub async fn until_settled(&mut self) {
        self.until("all jobs to finish", |jobs| {
            !jobs.is_empty()
                && jobs.values().all(|j| {
                    j.state.is_finished()
                        || matches!(j.state, JobState::Conflict { .. } | JobState::Paused)
                })
        })
        .await;
    }

    pub fn states(&self) -> Vec<(String, String)> {
        self.jobs
            .values()
            .map(|j| (j.name().to_string(), j.state.label().to_string()))
            .collect()
    }
}

pub fn spec(
    direction: Direction,
    kind: JobKind,
    src: impl Into<String>,
    dst: impl Into<String>,
) -> JobSpec {
    JobSpec {
        direction,
        kind,
        src: src.into().into(),
        dst: dst.into().into(),
        size: None,
        mtime: None,
        is_move: false,
    }
}

pub fn local(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}
