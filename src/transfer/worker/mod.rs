//! One transfer connection and what it does with a job: move one file (with `.part` files,
//! resume at an offset, size checks and modification times) or expand one directory.
//!
//! The worker is generic over the far side ([`Connect`] gives a `fs::Remote`: FTP and FTPS,
//! or the local disk); nothing here speaks a protocol. Here: the worker, its connection, what
//! a job's outcome can be, and the policy and file helpers both directions share; the jobs
//! themselves in `download`, `upload` and `expand`.

use std::io::{self, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use std::io::{Read, Seek, Write};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::backend::Connect;
use super::claims::{self, SharedClaims, Side};
use super::digest::{self, Digester};
use super::job::{Children, Direction, Job, JobKind, JobSpec, OnExists, numbered_name};
use crate::fs::walk::{self, DirMark, ListingDigest};
use crate::fs::{Entry, EntryKind, FileSystem, FsError, ListSink, Remote, WriteAt, validate_name};
use crate::ftp::{ConnectOptions, Tap};
use crate::i18n::n_;
use crate::names::local_path;
use crate::paths::remote_join;

mod download;
mod expand;
mod segmented;
mod upload;

/// Control flag values for a running job.
pub const RUN: u8 = 0;
pub const PAUSE: u8 = 1;
pub const CANCEL: u8 = 2;

/// Bytes moved per read or write. Allocated once per worker, not per file.
const CHUNK: usize = 256 * 1024;

/// Uploads of at least this many bytes are checked with `SIZE` after the final reply.
const VERIFY_UPLOADS_FROM: u64 = 1024 * 1024;

/// Uploads of at least this many bytes go to a temporary name first (`UploadTemp::Auto`).
pub const TEMP_UPLOADS_FROM: u64 = 1024 * 1024;

/// Why a job did not complete.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// From the far side (an FTP reply, a lost connection…), as it said it.
    #[error("{0}")]
    Remote(#[from] FsError),
    /// The stream of a transfer broke.
    #[error("connection failed: data connection: {0}")]
    Data(io::Error),
    /// The stream of a transfer moved nothing for too long.
    #[error("timed out after {}s while {what}", .after.as_secs())]
    Stalled { after: Duration, what: &'static str },
    #[error("{what}: {err}")]
    Local { what: String, err: io::Error },
    #[error("size check failed: expected {expected} bytes, got {got}")]
    Verify { expected: u64, got: u64 },
    /// The far side's digest of the file is not the one computed here (`--verify`).
    #[error("checksum mismatch ({algo}): here {here}, on the server {there}")]
    Checksum {
        algo: &'static str,
        here: String,
        there: String,
        /// Tried again from zero once; after that the failure is final.
        again: bool,
    },
    #[error("{0}")]
    Refused(String),
    /// The server would not write a range of an upload: the next attempt goes in one stream.
    #[error("the server would not write a range of the file: {0}")]
    Segments(String),
}

impl TransferError {
    pub fn code(&self) -> Option<u16> {
        match self {
            TransferError::Remote(e) => e.code(),
            _ => None,
        }
    }

    /// Worth retrying: 4xx replies, dropped or stalled connections, failed size checks.
    pub fn is_transient(&self) -> bool {
        match self {
            TransferError::Remote(e) => e.is_transient(),
            TransferError::Data(_) | TransferError::Stalled { .. } => true,
            TransferError::Verify { .. } => true,
            TransferError::Checksum { again, .. } => *again,
            TransferError::Segments(_) => true,
            _ => false,
        }
    }
}

fn local(what: impl Into<String>) -> impl FnOnce(io::Error) -> TransferError {
    let what = what.into();
    move |err| TransferError::Local { what, err }
}

/// How a job ended on this attempt.
#[derive(Debug)]
pub enum Outcome {
    Done,
    Skipped(String),
    /// The destination exists and the policy is to ask.
    Conflict {
        dst_size: Option<u64>,
        dst_mtime: Option<i64>,
    },
    /// A directory was listed: these are its entries (and the names skipped, with reasons).
    /// Their source paths are `src_base/name`, their destinations `dst/name`.
    Expanded {
        src_base: String,
        children: Children,
        skipped: Vec<(String, String)>,
        /// The directory as the walk recognised it (see `fs::walk`).
        mark: DirMark,
    },
    Paused,
    Cancelled,
    Failed(TransferError),
}

/// What a worker needs to run a job.
pub struct Assignment {
    pub job: Job,
    pub policy: OnExists,
    pub ctl: Arc<AtomicU8>,
    pub progress: Arc<AtomicU64>,
    /// The free name the rename policy chose, for the engine to keep: a retry continues that
    /// file, never the one the policy stepped around.
    pub renamed: Arc<std::sync::Mutex<Option<String>>>,
    /// Set when an upload opens its destination for writing (see `Job::touched`).
    pub touched: Arc<std::sync::atomic::AtomicBool>,
    /// No retry follows a failure of this attempt (the engine's last).
    pub last_try: bool,
    /// A segmented download's shared state (see `transfer::segments`), made from the job's
    /// plan; the engine lends it helpers.
    pub segmented: Option<Arc<crate::transfer::segments::Segmented>>,
}

impl Assignment {
    fn note_rename(&self, to: &str) {
        if let Ok(mut r) = self.renamed.lock() {
            *r = Some(to.to_string());
        }
    }
}

/// A transfer connection, opened lazily and dropped after any failure.
pub struct Worker<C: Connect = ConnectOptions> {
    connect: C,
    tap: Tap,
    session: Option<C::Remote>,
    stall: Duration,
    last_used: std::time::Instant,
    /// A connection unused for this long is replaced before the next job.
    idle_limit: Duration,
    /// The transfer buffer, reused by every job of this worker.
    buf: Vec<u8>,
    /// Remote directories this engine created in this run (shared by its workers): nothing
    /// can be in them that this run did not put there, so uploads into them skip the `SIZE`
    /// that asks whether the target exists.
    fresh_dirs: FreshDirs,
    /// A download resuming the user's own file moved it to `.part` (`.0`); unless the job
    /// ends well it goes back to its name (`.1`), never deleted.
    put_back: Option<(PathBuf, PathBuf)>,
    /// The paths the engine's running jobs hold (see `claims`): a free name for the rename
    /// policy is one no other job holds or will write.
    claims: SharedClaims,
    /// Compare each file's digest with the far side's after the transfer (`--verify`).
    verify: bool,
    /// Whether the worker has said that verification here is by size only.
    said_size_only: bool,
    /// The engine's bandwidth limit, shared by its workers.
    limit: Arc<super::rate::RateLimit>,
    /// This server refused to rename a finished temporary upload over an existing file: from
    /// then on an upload that replaces a file goes straight to its name.
    no_rename_over: bool,
    /// Asks the engine for this worker's next job (see [`Worker::with_peek`]).
    peek: Option<Peek>,
    /// The job the engine gave while the last download ended: the worker's next.
    next: Option<Box<Assignment>>,
}

/// Sends the engine a request for the worker's next job, answered on the channel given
/// (`None`: nothing can start now); `false` when the engine is gone.
pub type Peek =
    Box<dyn Fn(tokio::sync::oneshot::Sender<Option<Box<Assignment>>>) -> bool + Send + Sync>;

/// See [`Worker::with_fresh_dirs`].
pub type FreshDirs = Arc<std::sync::Mutex<std::collections::HashSet<String>>>;

/// A connection unused for this long is replaced before the next job.
const IDLE_RECONNECT: Duration = Duration::from_secs(60);

enum Stop {
    Pause,
    Cancel,
}

impl<C: Connect> Worker<C> {
    pub fn new(connect: C, tap: Tap, stall: Duration) -> Worker<C> {
        Worker {
            connect,
            tap,
            session: None,
            stall,
            last_used: std::time::Instant::now(),
            idle_limit: IDLE_RECONNECT,
            buf: Vec::new(),
            fresh_dirs: FreshDirs::default(),
            put_back: None,
            claims: SharedClaims::default(),
            verify: false,
            no_rename_over: false,
            said_size_only: false,
            limit: Arc::new(super::rate::RateLimit::new(None)),
            peek: None,
            next: None,
        }
    }

    /// Let the worker ask for its next job as a download's data ends, before the server's
    /// final reply: when it is a download too, the far side can ask for it at once (see
    /// [`Remote::read_next`]; over FTP half a round trip per file). The job given is the
    /// worker's next ([`Worker::take_next`]).
    pub fn with_peek(mut self, peek: Peek) -> Worker<C> {
        self.peek = Some(peek);
        self
    }

    /// The job the worker was given while its last one ended, to run next.
    pub fn take_next(&mut self) -> Option<Box<Assignment>> {
        self.next.take()
    }

    /// As a download's data has all come (before its final reply): ask for the next job and,
    /// when it is a plain download from byte 0 (no file or `.part` in the way, binary, one
    /// stream), tell the far side it is next.
    async fn hint_next(&mut self) {
        if !self.session.as_ref().is_some_and(|s| s.reads_ahead()) {
            return;
        }
        if self.next.is_none() {
            let Some(ask) = &self.peek else { return };
            let (tx, rx) = tokio::sync::oneshot::channel();
            if !ask(tx) {
                return;
            }
            self.next = rx.await.ok().flatten();
        }
        let Some(n) = self.next.as_deref() else {
            return;
        };
        let j = &n.job;
        let plain = j.spec.direction == Direction::Download
            && j.spec.kind == JobKind::File
            && !j.never
            && j.done == 0
            && n.segmented.is_none()
            && n.ctl.load(Ordering::Relaxed) == RUN
            && !j.mode.ascii_for(j.name())
            && !j.part.as_deref().is_some_and(claims::is_segmented_name)
            && std::fs::symlink_metadata(local_path(&j.spec.dst)).is_err()
            && std::fs::symlink_metadata(part_path(j)).is_err();
        if plain && let Some(s) = self.session.as_mut() {
            s.read_next(&j.spec.src);
        }
    }

    /// Replace the connection before a job when it was unused this long (60 s by default).
    pub fn with_idle_limit(mut self, idle: Duration) -> Worker<C> {
        self.idle_limit = idle;
        self
    }

    /// Share the engine's bandwidth limit.
    pub fn with_limit(mut self, limit: Arc<super::rate::RateLimit>) -> Worker<C> {
        self.limit = limit;
        self
    }

    /// After a block of `n` bytes: wait as long as the bandwidth limit asks.
    async fn pace(limit: &super::rate::RateLimit, n: usize) {
        let wait = limit.take(n as u64);
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Check each file with the far side's checksum (when it has one skiff can compute).
    pub fn with_verify(mut self, verify: bool) -> Worker<C> {
        self.verify = verify;
        self
    }

    /// The digest to compute for a transfer: with `--verify`, the strongest the far side
    /// offers that skiff computes too; never in ASCII mode (the bytes differ on both sides).
    fn digester(&mut self, caps: crate::fs::Capabilities, ascii: bool) -> Option<Digester> {
        if !self.verify || ascii {
            return None;
        }
        let Some(algo) = caps.checksums.best(digest::computable) else {
            // Said once per connection's worker, not per file.
            if !self.said_size_only {
                self.said_size_only = true;
                self.tap.info(
                    "verify: the server offers no checksum skiff can compute (SHA-256, SHA-512, \
                     SHA-1): files are checked by size only",
                );
            }
            return None;
        };
        Digester::start(algo)
    }

    /// Share the engine's claims (see [`Worker::claims`]).
    pub fn with_claims(mut self, claims: SharedClaims) -> Worker<C> {
        self.claims = claims;
        self
    }

    /// Share the set of directories created in this run with the other workers.
    pub fn with_fresh_dirs(mut self, dirs: FreshDirs) -> Worker<C> {
        self.fresh_dirs = dirs;
        self
    }

    /// Log in now rather than at the first job (a failure is left for that job to retry).
    pub async fn connect_now(&mut self) {
        if let Err(e) = self.session().await {
            self.tap
                .warn(format!("connecting ahead of the queue failed: {e}"));
        }
    }

    /// Start with a connection that is already logged in (e.g. the one `skiff get` used to
    /// look at the URL), so a one-file run logs in once.
    pub fn with_session(mut self, session: C::Remote) -> Worker<C> {
        let mut session = session;
        C::adopt(&mut session, self.tap.clone());
        self.session = Some(session);
        self
    }

    /// Before a job: servers drop idle connections (vsftpd after 300 s), so after a long
    /// idle spell start afresh rather than fail the job on a dead connection. Only between
    /// jobs: a transfer that runs longer than that is not idle (a check in the middle of one
    /// would close the connection under its final reply).
    async fn forget_if_idle(&mut self) {
        if self.last_used.elapsed() > self.idle_limit
            && let Some(old) = self.session.take()
        {
            let _ = tokio::time::timeout(Duration::from_secs(2), old.close()).await;
        }
    }

    async fn session(&mut self) -> Result<&mut C::Remote, TransferError> {
        if self.session.is_none() {
            let s = self.connect.connect(self.tap.clone()).await?;
            self.session = Some(s);
        }
        match self.session.as_mut() {
            Some(s) => Ok(s),
            None => Err(TransferError::Refused("no connection".into())),
        }
    }

    /// Close the connection (after a failure or an interrupted transfer its state is unknown).
    pub fn drop_session(&mut self) {
        self.session = None;
    }

    pub async fn close(&mut self) {
        if let Some(s) = self.session.take() {
            s.close().await;
        }
    }

    pub async fn run(&mut self, a: &Assignment) -> Outcome {
        if a.job.never {
            return Outcome::Failed(TransferError::Refused(format!(
                "{} is not copied: its name is unsafe or it is not a file",
                a.job.name()
            )));
        }
        self.put_back = None;
        self.forget_if_idle().await;
        let outcome = self.run_inner(a).await;
        self.last_used = std::time::Instant::now();
        // A segmented download that ended before its file opened (a conflict, a skip, an
        // error) lets the helpers lent to it go; after that, closing again changes nothing.
        if let Some(seg) = &a.segmented {
            seg.close();
            seg.helpers_gone().await;
        }
        // A cancelled upload, or one that failed for good, leaves no temporary file behind
        // (a paused one keeps it, and so does one that will be tried again: to go on from).
        let ended = match &outcome {
            Outcome::Cancelled => true,
            Outcome::Failed(e) => a.last_try || !e.is_transient(),
            _ => false,
        };
        if ended
            && a.job.spec.direction == Direction::Upload
            && a.job.spec.kind == JobKind::File
            && let Some(p) = a.job.part.as_deref()
        {
            let temp = claims::sibling(&a.job.spec.dst, p);
            let gone = async {
                if let Ok(s) = self.session().await {
                    let _ = FileSystem::remove_file(s, &temp).await;
                }
            };
            if tokio::time::timeout(Duration::from_secs(5), gone)
                .await
                .is_err()
            {
                self.drop_session();
            }
        }
        if let Some((part, dst)) = self.put_back.take()
            && !matches!(outcome, Outcome::Done)
            && std::fs::symlink_metadata(&dst).is_err()
        {
            // Not a new file: the user's, longer now, back under its name.
            let _ = std::fs::rename(&part, &dst);
        }
        outcome
    }

    async fn run_inner(&mut self, a: &Assignment) -> Outcome {
        let r = match (a.job.spec.direction, a.job.spec.kind) {
            (Direction::Download, JobKind::File) => self.download(a).await,
            (Direction::Upload, JobKind::File) => self.upload(a).await,
            (Direction::Download, JobKind::Dir) => self.expand_remote(a).await,
            (Direction::Upload, JobKind::Dir) => self.expand_local(a).await,
            (Direction::Download, JobKind::RemoveDir) => {
                let src = a.job.spec.src.clone();
                match self.session().await {
                    Ok(s) => FileSystem::remove_dir(s, &src)
                        .await
                        .map(|()| Outcome::Done)
                        .map_err(|e| TransferError::Refused(format!("removing {src}: {e}"))),
                    Err(e) => Err(e),
                }
            }
            (Direction::Upload, JobKind::RemoveDir) => {
                std::fs::remove_dir(local_path(&a.job.spec.src))
                    .map(|()| Outcome::Done)
                    .map_err(local(format!("removing {}", a.job.spec.src)))
            }
        };
        match r {
            Ok(o) => o,
            Err(e) => {
                // After a reply the server is in a known state; after anything else (a dropped
                // or stalled connection, a local error mid-stream) the connection is not to be
                // trusted and the next job gets a fresh one.
                let keep = match &e {
                    TransferError::Remote(f) => !f.is_connection_lost() && f.code().is_some(),
                    TransferError::Verify { .. } | TransferError::Checksum { .. } => true,
                    _ => false,
                };
                if !keep {
                    self.drop_session();
                }
                // An empty .part (the server said 150, then failed) is no use for a resume.
                if a.job.spec.direction == Direction::Download
                    && a.job.spec.kind == JobKind::File
                    && self.put_back.is_none()
                {
                    let part = part_path(&a.job);
                    if std::fs::symlink_metadata(&part).is_ok_and(|m| m.is_file() && m.len() == 0) {
                        let _ = std::fs::remove_file(&part);
                    }
                }
                Outcome::Failed(e)
            }
        }
    }

    fn check(a: &Assignment) -> Option<Stop> {
        match a.ctl.load(Ordering::Relaxed) {
            PAUSE => Some(Stop::Pause),
            CANCEL => Some(Stop::Cancel),
            _ => None,
        }
    }
}

enum Decision {
    Proceed,
    Skip(String),
    Ask,
    ResumeFrom,
    Rename,
}

/// In ASCII mode the sizes on the two sides differ by the number of lines: resuming at an
/// offset and "same size means same file" mean nothing, so both become overwrite.
fn ascii_policy(policy: OnExists, ascii: bool) -> OnExists {
    match policy {
        OnExists::Resume | OnExists::Size if ascii => OnExists::Overwrite,
        p => p,
    }
}

/// Apply an on-exists policy to a destination of `dst_size` bytes modified at `dst_mtime`.
fn decide(policy: OnExists, src: &JobSpec, dst_size: u64, dst_mtime: Option<i64>) -> Decision {
    match policy {
        OnExists::Overwrite => Decision::Proceed,
        OnExists::Skip => Decision::Skip(n_("exists").into()),
        OnExists::Ask => Decision::Ask,
        OnExists::Rename => Decision::Rename,
        OnExists::Newer => match (src.mtime, dst_mtime) {
            (Some(s), Some(d)) if s > d => Decision::Proceed,
            (Some(_), Some(_)) => Decision::Skip(n_("exists and is not older").into()),
            _ => Decision::Skip(n_("exists (times unknown)").into()),
        },
        OnExists::Size => match src.size {
            Some(s) if s == dst_size => Decision::Skip(n_("exists with the same size").into()),
            _ => Decision::Proceed,
        },
        OnExists::Resume => match src.size {
            Some(s) if dst_size == s => Decision::Skip(n_("already complete").into()),
            Some(s) if dst_size < s => Decision::ResumeFrom,
            _ => Decision::Proceed,
        },
    }
}

/// Downloads of at least this many bytes ask for the server's digest on a second connection
/// while they stream (the server has the whole file from the start): its time to read and
/// hash the file is then hidden behind the transfer instead of added after it.
const EARLY_HASH_FROM: u64 = 32 * 1024 * 1024;

/// The server's digest asked on a connection of its own; stopped when dropped.
pub(super) struct EarlyDigest(tokio::task::JoinHandle<Option<String>>);

impl Drop for EarlyDigest {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl<C: Connect> Worker<C> {
    /// Start asking for the server's `algo` digest of `path` on a second connection.
    pub(super) fn early_digest(&self, path: &str, algo: crate::fs::HashAlgo) -> EarlyDigest {
        let (c, tap, path) = (self.connect.clone(), self.tap.clone(), path.to_string());
        EarlyDigest(tokio::spawn(async move {
            let mut s = c.connect(tap).await.ok()?;
            let r = s.checksum(&path, algo).await.ok().flatten();
            s.close().await;
            r
        }))
    }
}

/// The far side's digest of `path` against the one computed here: `Ok(true)` when they
/// match, `Ok(false)` when the far side gave none (the size check stands alone), a
/// [`TransferError::Checksum`] when they differ. An `early` answer (see
/// [`Worker::early_digest`]) is used when it came; else the digest is asked on `s`.
async fn compare_digest<R: Remote>(
    s: &mut R,
    path: &str,
    d: Digester,
    attempts: u32,
    early: Option<EarlyDigest>,
) -> Result<bool, TransferError> {
    let algo = d.algo;
    let Some(here) = d.finish() else {
        return Ok(false);
    };
    let got = match early {
        Some(mut e) => (&mut e.0).await.ok().flatten(),
        None => None,
    };
    let there = match got {
        Some(t) => Some(t),
        None => s.checksum(path, algo).await?,
    };
    match there {
        Some(there) if there == here => Ok(true),
        Some(there) => Err(TransferError::Checksum {
            algo: algo.name(),
            here,
            there,
            again: attempts < 2,
        }),
        None => Ok(false),
    }
}

/// The warning for a file that looks binary but moves in ASCII mode.
fn wrong_mode(path: &str) -> String {
    format!(
        "{path} looks binary (NUL or control bytes) but moves in ASCII mode: its line ends are \
         being converted, which damages binary files; queue it again in binary mode (T) if it \
         is not text"
    )
}

fn unix_secs(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// The temporary file a download job writes: the name the engine gave it (see `claims`), next
/// to its destination.
fn part_path(job: &Job) -> PathBuf {
    let spec = &job.spec;
    let name = match &job.part {
        Some(p) => p.clone(),
        None => claims::temp_name(&spec.src, &spec.dst, 0),
    };
    local_path(&claims::sibling(&spec.dst, &name))
}

/// Open an upload's source for reading: never blocking (a pipe put there must not hang the
/// worker), and through no link when `no_follow`.
fn open_source(path: &Path, no_follow: bool) -> io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let flags = libc::O_NONBLOCK | if no_follow { libc::O_NOFOLLOW } else { 0 };
        o.custom_flags(flags);
    }
    #[cfg(not(unix))]
    let _ = no_follow;
    o.open(path)
}

/// Open a `.part` file for writing, and reading (a resumed or segmented download's digest
/// reads back what is in place) (`fresh`: create it, failing if it appeared meanwhile), never
/// through a symbolic link.
fn open_part(part: &Path, fresh: bool) -> io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true);
    if fresh {
        o.create_new(true);
    } else {
        o.create(true).truncate(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NOFOLLOW);
    }
    o.open(part)
}

impl<C: Connect> Worker<C> {
    /// Give a finished temporary upload its name. A server that will not rename over an
    /// existing file (a refusal while one is there) gets it removed first, and is remembered:
    /// the next uploads that replace a file go straight to their names.
    async fn rename_into_place(
        &mut self,
        temp: &str,
        dst: &str,
        tap: &Tap,
    ) -> Result<(), TransferError> {
        let s = self.session().await?;
        let Err(first) = FileSystem::rename(s, temp, dst).await else {
            return Ok(());
        };
        if first.is_transient() || Remote::size(s, dst).await?.is_none() {
            return Err(first.into());
        }
        tap.warn(format!(
            "the server will not rename over {dst} ({first}): removing it first; later \
             uploads that replace a file go straight to their names"
        ));
        self.no_rename_over = true;
        let s = self.session().await?;
        FileSystem::remove_file(s, dst).await?;
        FileSystem::rename(s, temp, dst).await?;
        Ok(())
    }

    /// `NAME (n)` for the rename policy: not a file there, not a path another job holds or
    /// will write (an entry of the same listing called `NAME (1)`); held for this job.
    fn free_local_name(
        &self,
        me: crate::transfer::JobId,
        dst: &str,
    ) -> Result<String, TransferError> {
        let name = dst
            .rsplit(['/', std::path::MAIN_SEPARATOR])
            .next()
            .unwrap_or(dst);
        for n in 1..10_000 {
            let candidate = claims::sibling(dst, &numbered_name(name, n));
            let mut c = lock(&self.claims);
            if c.taken(Side::Local, &candidate, me)
                || std::fs::symlink_metadata(local_path(&candidate)).is_ok()
            {
                continue;
            }
            c.hold(me, Side::Local, &candidate);
            // Kept clear until the queue runs dry: a retry of this job writes it again.
            c.plan(Side::Local, &candidate);
            return Ok(candidate);
        }
        Err(TransferError::Refused("no free name found".into()))
    }
}

fn lock(c: &SharedClaims) -> std::sync::MutexGuard<'_, claims::Claims> {
    c.lock().unwrap_or_else(|p| p.into_inner())
}

async fn free_remote_name<R: Remote>(
    s: &mut R,
    claims: &SharedClaims,
    me: crate::transfer::JobId,
    dst: &str,
) -> Result<String, TransferError> {
    let (dir, name) = match dst.rfind('/') {
        Some(i) => (&dst[..i.max(1)], &dst[i + 1..]),
        None => ("", dst),
    };
    for n in 1..10_000 {
        let candidate = remote_join(dir, &numbered_name(name, n));
        if lock(claims).taken(Side::Remote, &candidate, me) {
            continue;
        }
        if Remote::size(s, &candidate).await?.is_none() {
            let mut c = lock(claims);
            if !c.hold(me, Side::Remote, &candidate) {
                continue;
            }
            c.plan(Side::Remote, &candidate);
            return Ok(candidate);
        }
    }
    Err(TransferError::Refused("no free name found".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(size: u64, mtime: i64) -> JobSpec {
        JobSpec {
            direction: Direction::Download,
            kind: JobKind::File,
            src: "/a".into(),
            dst: "/b".into(),
            size: Some(size),
            mtime: Some(mtime),
            is_move: false,
        }
    }

    #[test]
    fn policies() {
        let s = spec(100, 1000);
        assert!(matches!(
            decide(OnExists::Overwrite, &s, 5, None),
            Decision::Proceed
        ));
        assert!(matches!(
            decide(OnExists::Skip, &s, 5, None),
            Decision::Skip(_)
        ));
        assert!(matches!(
            decide(OnExists::Newer, &s, 5, Some(999)),
            Decision::Proceed
        ));
        assert!(matches!(
            decide(OnExists::Newer, &s, 5, Some(1000)),
            Decision::Skip(_)
        ));
        assert!(matches!(
            decide(OnExists::Size, &s, 100, None),
            Decision::Skip(_)
        ));
        assert!(matches!(
            decide(OnExists::Size, &s, 99, None),
            Decision::Proceed
        ));
        assert!(matches!(
            decide(OnExists::Resume, &s, 40, None),
            Decision::ResumeFrom
        ));
        assert!(matches!(
            decide(OnExists::Resume, &s, 100, None),
            Decision::Skip(_)
        ));
        assert!(matches!(
            decide(OnExists::Resume, &s, 140, None),
            Decision::Proceed
        ));
        assert!(matches!(
            decide(OnExists::Rename, &s, 1, None),
            Decision::Rename
        ));
        assert!(matches!(decide(OnExists::Ask, &s, 1, None), Decision::Ask));
    }

    #[cfg(unix)]
    #[test]
    fn a_part_file_is_never_opened_through_a_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep me").expect("write");
        let part = dir.path().join("x.part");
        std::os::unix::fs::symlink(&victim, &part).expect("symlink");
        let err = open_part(&part, false).expect_err("opened through a symlink");
        assert_eq!(err.raw_os_error(), Some(libc::ELOOP));
        assert_eq!(std::fs::read(&victim).expect("read"), b"keep me");
        // A plain file opens, and keeps its bytes (resume).
        std::fs::remove_file(&part).expect("rm");
        std::fs::write(&part, b"abc").expect("write");
        let f = open_part(&part, false).expect("open");
        assert!(open_part(&part, true).is_err(), "fresh means new");
        assert_eq!(f.metadata().expect("meta").len(), 3);
    }

    #[cfg(unix)]
    #[test]
    fn an_upload_source_is_not_a_link_or_a_pipe_that_hangs() {
        let dir = tempfile::tempdir().expect("tempdir");
        let secret = dir.path().join("secret");
        std::fs::write(&secret, b"keep me").expect("write");
        let link = dir.path().join("f");
        std::os::unix::fs::symlink(&secret, &link).expect("symlink");
        let err = open_source(&link, true).expect_err("followed a link");
        assert_eq!(err.raw_os_error(), Some(libc::ELOOP));
        // Picked by the user, a link is what it points to.
        assert!(open_source(&link, false).is_ok());
        // A pipe opens at once (no writer needed) and is seen for what it is.
        let fifo = dir.path().join("p");
        let c = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).expect("path");
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let f = open_source(&fifo, true).expect("open the pipe");
        assert!(!f.metadata().expect("fstat").is_file());
    }

    #[test]
    fn transient_errors() {
        use crate::ftp::FtpError;
        let t = |e: FtpError| TransferError::Remote(e.into()).is_transient();
        assert!(t(FtpError::Reply {
            code: 421,
            text: String::new()
        }));
        assert!(t(FtpError::Reply {
            code: 426,
            text: String::new()
        }));
        assert!(!t(FtpError::Reply {
            code: 550,
            text: String::new()
        }));
        assert!(!t(FtpError::Reply {
            code: 552,
            text: String::new()
        }));
        assert!(t(FtpError::Connection("reset".into())));
        assert!(!t(FtpError::Tls("handshake".into())));
        assert!(TransferError::Data(io::Error::other("reset")).is_transient());
        assert!(
            !TransferError::Local {
                what: "w".into(),
                err: io::Error::other("disk full")
            }
            .is_transient()
        );
    }
}
