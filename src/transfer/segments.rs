//! Segmented downloads: one big file fetched over several of the engine's connections at once,
//! each reading a byte range (`REST offset` + `RETR`, the data connection closed at the range's
//! end) into the one temporary file at its offset.
//!
//! The plan (the ranges and how far each got) is part of the job and saved with the queue, so a
//! pause, a retry or a restart continues every range where it stopped. A job starts as one
//! range; a connection that joins it takes a range nobody reads, or splits the biggest one being
//! read in two, so a slow connection never holds the end up alone and any number of
//! connections share the work evenly.
//!
//! Here: the plan as data ([`Segment`]), and [`Segmented`], the state the job's connections
//! share while it runs (the worker that runs the job leads; idle workers the engine lends to it
//! help, see `worker::segmented`).

use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use serde::{Deserialize, Serialize};

/// Binary downloads of at least this many bytes are segmented (unless segments are off).
pub const SEGMENTS_FROM: u64 = 16 * 1024 * 1024;

/// A range is split only when both halves are at least this long: a new range costs three
/// round trips (`EPSV`, `REST`, `RETR`), which a smaller half does not pay back (1 MiB takes
/// 0.2 s at 40 Mbit/s, the three round trips 0.15 s at 25 ms each way).
pub const MIN_SPLIT: u64 = 1024 * 1024;

/// An upload's ranges are split only down to halves of this: each range's first bytes are
/// read back at the end (see `worker::segmented`), a few round trips per range.
pub const MIN_SPLIT_UPLOAD: u64 = 8 * 1024 * 1024;

/// How many connections one file may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Segments {
    /// As many as the engine has (its `parallel`), for files of [`SEGMENTS_FROM`] or more.
    #[default]
    Auto,
    /// At most this many (1: never segmented).
    Max(usize),
}

impl Segments {
    /// `auto`, or a number from 1 to 16.
    pub fn parse(s: &str) -> Option<Segments> {
        match s.trim() {
            "auto" => Some(Segments::Auto),
            n => match n.parse::<usize>() {
                Ok(n @ 1..=16) => Some(Segments::Max(n)),
                _ => None,
            },
        }
    }

    pub fn label(self) -> String {
        match self {
            Segments::Auto => "auto".into(),
            Segments::Max(n) => n.to_string(),
        }
    }

    /// The connections a file may use in an engine of `parallel` connections.
    pub fn connections(self, parallel: usize) -> usize {
        match self {
            Segments::Auto => parallel,
            Segments::Max(n) => n.min(parallel),
        }
        .max(1)
    }
}

impl From<Segments> for String {
    fn from(s: Segments) -> String {
        s.label()
    }
}

impl TryFrom<String> for Segments {
    type Error = String;
    fn try_from(s: String) -> Result<Segments, String> {
        Segments::parse(&s).ok_or_else(|| format!("{s:?} is not \"auto\" or 1 to 16"))
    }
}

/// Servers (by `Connect::server_key`) found to take ranges of an upload but not keep the
/// rest of the file (pure-ftpd): one stream for them for the rest of this run.
fn unsafe_servers() -> &'static Mutex<std::collections::HashSet<String>> {
    static S: std::sync::OnceLock<Mutex<std::collections::HashSet<String>>> =
        std::sync::OnceLock::new();
    S.get_or_init(Default::default)
}

/// Whether `server` was found not to write ranges of one file correctly.
pub fn ranges_unsafe(server: &str) -> bool {
    unsafe_servers().lock().is_ok_and(|s| s.contains(server))
}

/// Remember that `server` does not write ranges of one file correctly.
pub fn mark_ranges_unsafe(server: &str) {
    if let Ok(mut s) = unsafe_servers().lock() {
        s.insert(server.to_string());
    }
}

/// One range of a segmented download: bytes `start..end` of the file, of which the first
/// `done` are in the temporary file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Segment {
    pub start: u64,
    pub end: u64,
    pub done: u64,
}

impl Segment {
    /// Where reading goes on.
    pub fn next(&self) -> u64 {
        self.start + self.done
    }

    /// Bytes not in place yet.
    pub fn left(&self) -> u64 {
        self.end.saturating_sub(self.next())
    }
}

/// The plan of a file of `size` bytes that nothing was read of.
pub fn whole(size: u64) -> Vec<Segment> {
    vec![Segment {
        start: 0,
        end: size,
        done: 0,
    }]
}

/// The plan of a file whose first `have` bytes are in place already (a resumed file).
pub fn resumed(have: u64, size: u64) -> Vec<Segment> {
    let have = have.min(size);
    if have == 0 {
        return whole(size);
    }
    let mut plan = vec![Segment {
        start: 0,
        end: have,
        done: have,
    }];
    if have < size {
        plan.push(Segment {
            start: have,
            end: size,
            done: 0,
        });
    }
    plan
}

/// Bytes in place by the plan.
pub fn bytes_done(plan: &[Segment]) -> u64 {
    plan.iter().map(|s| s.done).sum()
}

/// Where the last byte in place by the plan ends: a file shorter than this lost bytes the plan
/// counts.
pub fn extent(plan: &[Segment]) -> u64 {
    plan.iter()
        .filter(|s| s.done > 0)
        .map(Segment::next)
        .max()
        .unwrap_or(0)
}

/// Whether `plan` covers `0..size` exactly, in order, with no range past its end (what a
/// saved queue must hold to be trusted).
pub fn valid(plan: &[Segment], size: u64) -> bool {
    let mut at = 0;
    for s in plan {
        // Ranges are named by their starts: an empty one would share its start with the next.
        if s.start != at || s.end <= s.start || s.done > s.end - s.start {
            return false;
        }
        at = s.end;
    }
    at == size && !plan.is_empty()
}

/// What the connections of a running segmented download share.
#[derive(Debug)]
pub struct Segmented {
    inner: Mutex<Inner>,
    wake: tokio::sync::Notify,
    /// The job's pause and cancel flag (see `worker::RUN`).
    pub ctl: Arc<AtomicU8>,
    /// The job's bytes in place, all ranges together.
    pub progress: Arc<AtomicU64>,
    /// Connections this file may use, its lead's included.
    max_connections: usize,
}

#[derive(Debug)]
struct Inner {
    plan: Vec<Segment>,
    /// Per range: a connection is reading it.
    taken: Vec<bool>,
    /// Per range: bytes an upload sent that the server has not confirmed yet (its `226`);
    /// they count in `done` only then. Always 0 for a download.
    inflight: Vec<u64>,
    phase: Phase,
    /// Connections on the job: its lead, and helpers lent to it that have not left.
    connections: usize,
    /// The server refused a helper's connection (too many per user): no more are lent.
    refused: bool,
    /// The server refused to write a range of the file (an upload): the job goes on in one
    /// stream.
    ranges_refused: Option<String>,
}

/// The file the ranges are written to, once the lead has opened it.
#[derive(Debug)]
pub struct Open {
    /// The local file: the one written for a download, the one read for an upload.
    pub file: std::fs::File,
    /// The far side's path: the file read for a download, the one written for an upload.
    pub src: Arc<str>,
    pub size: u64,
    pub upload: bool,
}

#[derive(Debug, Clone)]
enum Phase {
    /// The lead is checking the destination and opening the file: helpers wait.
    Preparing,
    Open(Arc<Open>),
    /// Done, stopped or failed: helpers leave.
    Closed,
}

/// The range a connection took, named by its start (ranges never overlap).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Taken(pub u64);

impl Segmented {
    pub fn new(
        plan: Vec<Segment>,
        ctl: Arc<AtomicU8>,
        progress: Arc<AtomicU64>,
        max_connections: usize,
    ) -> Segmented {
        progress.store(bytes_done(&plan), Ordering::Relaxed);
        Segmented {
            inner: Mutex::new(Inner {
                taken: vec![false; plan.len()],
                inflight: vec![0; plan.len()],
                ranges_refused: None,
                plan,
                phase: Phase::Preparing,
                connections: 1,
                refused: false,
            }),
            wake: tokio::sync::Notify::new(),
            ctl,
            progress,
            max_connections: max_connections.max(1),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The plan as it is now (what the saved queue records).
    pub fn plan(&self) -> Vec<Segment> {
        self.lock().plan.clone()
    }

    /// A new plan before the file opens (the destination was resumed, or the temporary file
    /// lost bytes the plan counted).
    pub fn replan(&self, plan: Vec<Segment>) {
        let mut i = self.lock();
        i.taken = vec![false; plan.len()];
        i.inflight = vec![0; plan.len()];
        self.progress.store(bytes_done(&plan), Ordering::Relaxed);
        i.plan = plan;
    }

    /// The file is open: helpers may start.
    pub fn open(&self, open: Open) {
        self.publish(Arc::new(open));
    }

    /// [`Segmented::open`] with the `Open` already shared (an upload's lead starts its own
    /// range first, so that the file exists before any helper writes a range of it).
    pub fn publish(&self, open: Arc<Open>) {
        self.lock().phase = Phase::Open(open);
        self.wake.notify_waiters();
    }

    /// Stop lending and let every helper go (after the last range, a stop or a failure).
    pub fn close(&self) {
        self.lock().phase = Phase::Closed;
        self.wake.notify_waiters();
    }

    /// Whether one more connection would have work: the job still runs, the server took the
    /// ones so far, and there is a range nobody reads or one long enough to split.
    pub fn wants_helper(&self) -> bool {
        let i = self.lock();
        // Paused or cancelled (the lead has not noticed yet): nothing for a helper.
        let stopping = self.ctl.load(Ordering::Relaxed) != 0;
        if stopping
            || matches!(i.phase, Phase::Closed)
            || i.refused
            || i.connections >= self.max_connections
        {
            return false;
        }
        // Each range with bytes left keeps a connection busy, and a long one more: one per
        // twice `MIN_SPLIT` it has left (what a split needs).
        let capacity: u64 = i
            .plan
            .iter()
            .filter(|s| s.left() > 0)
            .map(|s| (s.left() / (2 * MIN_SPLIT)).max(1))
            .sum();
        (i.connections as u64) < capacity.min(self.max_connections as u64)
    }

    /// The engine lent a connection to the job.
    pub fn lend(&self) {
        self.lock().connections += 1;
    }

    /// A helper left (or never came: the worker was gone).
    pub fn leave(&self) {
        let mut i = self.lock();
        i.connections = i.connections.saturating_sub(1);
        drop(i);
        self.wake.notify_waiters();
    }

    /// The server refused a helper's connection: go on with those there are.
    pub fn refuse(&self) {
        self.lock().refused = true;
    }

    /// The open file, waiting while the lead prepares it; `None` once closed.
    pub async fn opened(&self) -> Option<Arc<Open>> {
        loop {
            let notified = self.wake.notified();
            match self.lock().phase.clone() {
                Phase::Open(o) => return Some(o),
                Phase::Closed => return None,
                Phase::Preparing => {}
            }
            notified.await;
        }
    }

    /// Take a range to read: one nobody reads, else the second half of the biggest one being
    /// read (when both halves are worth a connection). `None` when there is none, or closed.
    pub fn take(&self) -> Option<Taken> {
        let mut i = self.lock();
        if matches!(i.phase, Phase::Closed) {
            return None;
        }
        let inner = &mut *i;
        if let Some(k) =
            (0..inner.plan.len()).find(|&k| !inner.taken[k] && inner.plan[k].left() > 0)
        {
            inner.inflight[k] = 0;
            inner.taken[k] = true;
            return Some(Taken(inner.plan[k].start));
        }
        let min = match &inner.phase {
            Phase::Open(o) if o.upload => MIN_SPLIT_UPLOAD,
            _ => MIN_SPLIT,
        };
        let k = splittable(&inner.plan, &inner.taken, &inner.inflight, min)?;
        let s = inner.plan[k];
        // Halves on 64 KiB boundaries; the half being read keeps over a block (256 KiB) ahead of
        // where its reader writes (or an upload's sender sends), so no block in flight crosses
        // the cut.
        let at = s.next() + inner.inflight[k];
        let mid = (at + s.end.saturating_sub(at) / 2) & !0xFFFF;
        inner.plan[k].end = mid;
        let new = Segment {
            start: mid,
            end: s.end,
            done: 0,
        };
        inner.plan.insert(k + 1, new);
        inner.taken.insert(k + 1, true);
        inner.inflight.insert(k + 1, 0);
        Some(Taken(mid))
    }

    fn index(i: &Inner, t: Taken) -> Option<usize> {
        i.plan.iter().position(|s| s.start == t.0)
    }

    /// The range as it is now (its end moves down when another connection splits it).
    pub fn range(&self, t: Taken) -> Option<Segment> {
        let i = self.lock();
        Self::index(&i, t).map(|k| i.plan[k])
    }

    /// `n` more bytes of the range are in the file.
    pub fn wrote(&self, t: Taken, n: u64) {
        let mut i = self.lock();
        if let Some(k) = Self::index(&i, t) {
            i.plan[k].done += n;
            self.progress.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// An upload sent `n` more bytes of the range (counted in the progress; in the plan once
    /// the server confirms them).
    pub fn sent(&self, t: Taken, n: u64) {
        let mut i = self.lock();
        if let Some(k) = Self::index(&i, t) {
            i.inflight[k] += n;
            self.progress.fetch_add(n, Ordering::Relaxed);
        }
    }

    /// Where an upload's sender is in the range (confirmed and unconfirmed bytes).
    pub fn position(&self, t: Taken) -> Option<u64> {
        let i = self.lock();
        Self::index(&i, t).map(|k| i.plan[k].next() + i.inflight[k])
    }

    /// The server confirmed what the range's connection sent (its `226`), up to the range's
    /// end as it is now; with `false`, it did not: those bytes are sent again.
    pub fn settle(&self, t: Taken, confirmed: bool) {
        let mut i = self.lock();
        if let Some(k) = Self::index(&i, t) {
            let sent = std::mem::take(&mut i.inflight[k]);
            let s = i.plan[k];
            let keep = if confirmed { sent.min(s.left()) } else { 0 };
            i.plan[k].done += keep;
            self.progress.fetch_sub(sent - keep, Ordering::Relaxed);
        }
    }

    /// The server will not write ranges of this file (see [`Segmented::ranges_refused`]).
    pub fn refuse_ranges(&self, why: String) {
        self.lock().ranges_refused = Some(why);
        self.wake.notify_waiters();
    }

    /// Why the server would not write a range, if it would not.
    pub fn ranges_refused(&self) -> Option<String> {
        self.lock().ranges_refused.clone()
    }

    /// The connection is off the range (read to its end, or failed: then another takes it).
    pub fn release(&self, t: Taken) {
        let mut i = self.lock();
        if let Some(k) = Self::index(&i, t) {
            i.taken[k] = false;
        }
        drop(i);
        self.wake.notify_waiters();
    }

    /// Every byte is in place, and no connection is still on a range (the one that read the
    /// last bytes may be waiting for the end of the file and the server's reply).
    pub fn all_done(&self) -> bool {
        let i = self.lock();
        i.plan.iter().all(|s| s.left() == 0) && !i.taken.iter().any(|t| *t)
    }

    /// Helpers on the job now (not counting its lead).
    pub fn helpers(&self) -> usize {
        self.lock().connections.saturating_sub(1)
    }

    /// A future that completes at the next change (a range released, a helper gone, the file
    /// opened or closed); made before looking, so that no change in between is missed.
    pub fn notified(&self) -> tokio::sync::futures::Notified<'_> {
        self.wake.notified()
    }

    /// The job ended: helpers stop after the block they are on.
    pub fn is_closed(&self) -> bool {
        matches!(self.lock().phase, Phase::Closed)
    }

    /// The lead's wait after closing: until every helper has left.
    pub async fn helpers_gone(&self) {
        loop {
            let notified = self.wake.notified();
            if self.helpers() == 0 {
                return;
            }
            notified.await;
        }
    }
}

/// The range being read with the most bytes left, when both its halves would be at least
/// [`MIN_SPLIT`].
fn splittable(plan: &[Segment], taken: &[bool], inflight: &[u64], min: u64) -> Option<usize> {
    let left = |k: usize| plan[k].left().saturating_sub(inflight[k]);
    (0..plan.len())
        .filter(|&k| taken[k] && left(k) >= 2 * min)
        .max_by_key(|&k| left(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    fn shared(plan: Vec<Segment>, max: usize) -> Segmented {
        Segmented::new(plan, Arc::default(), Arc::default(), max)
    }

    fn open(s: &Segmented, size: u64) {
        let file = tempfile::tempfile().expect("temp file");
        s.open(Open {
            file,
            src: "/f".into(),
            size,
            upload: false,
        });
    }

    #[test]
    fn settings_parse() {
        assert_eq!(Segments::parse("auto"), Some(Segments::Auto));
        assert_eq!(Segments::parse("4"), Some(Segments::Max(4)));
        assert_eq!(Segments::parse("0"), None);
        assert_eq!(Segments::parse("17"), None);
        assert_eq!(Segments::Auto.connections(6), 6);
        assert_eq!(Segments::Max(8).connections(4), 4);
        assert_eq!(Segments::Max(2).connections(4), 2);
    }

    #[test]
    fn plans_are_checked_before_they_are_trusted() {
        assert!(valid(&whole(10), 10));
        assert!(valid(&resumed(4, 10), 10));
        assert_eq!(resumed(10, 10).len(), 1);
        assert_eq!(
            resumed(0, 10),
            whole(10),
            "nothing in place: one range, not an empty one"
        );
        assert!(!valid(&whole(10), 11), "another size");
        let gap = vec![
            Segment {
                start: 0,
                end: 4,
                done: 4,
            },
            Segment {
                start: 5,
                end: 10,
                done: 0,
            },
        ];
        assert!(!valid(&gap, 10));
        let over = vec![Segment {
            start: 0,
            end: 4,
            done: 5,
        }];
        assert!(!valid(&over, 4));
        assert!(!valid(&[], 0));
        let empty_first = vec![
            Segment {
                start: 0,
                end: 0,
                done: 0,
            },
            Segment {
                start: 0,
                end: 4,
                done: 0,
            },
        ];
        assert!(!valid(&empty_first, 4), "an empty range");
        assert_eq!(extent(&resumed(4, 10)), 4);
        // A range nothing was read of asks nothing of the file's length.
        let mut plan = resumed(4, 10);
        plan.push(Segment {
            start: 10,
            end: 20,
            done: 0,
        });
        assert_eq!(extent(&plan), 4);
        assert_eq!(bytes_done(&resumed(4, 10)), 4);
    }

    #[test]
    fn connections_share_a_file_by_splitting_the_biggest_range() {
        let s = shared(whole(100 * MIB), 4);
        open(&s, 100 * MIB);
        let lead = s.take().expect("the lead takes the file");
        assert_eq!(lead, Taken(0));
        assert!(s.wants_helper());
        s.lend();
        let h1 = s.take().expect("a helper splits it");
        assert_eq!(h1, Taken(50 * MIB));
        assert_eq!(s.range(lead).map(|r| r.end), Some(50 * MIB));
        s.lend();
        let h2 = s.take().expect("and another");
        s.lend();
        let h3 = s.take().expect("and another");
        assert!(!s.wants_helper(), "four connections is the most");
        let mut plan = s.plan();
        assert_eq!(plan.len(), 4);
        assert!(valid(&plan, 100 * MIB));
        plan.sort_by_key(|p| p.end - p.start);
        assert!(plan[0].end - plan[0].start >= 20 * MIB, "{plan:?}");
        // Bytes in place count; a released range is taken again where it stopped.
        s.wrote(h2, MIB);
        s.release(h2);
        let again = s.take().expect("the released range");
        assert_eq!(again, h2);
        assert_eq!(s.range(again).map(|r| r.next()), Some(h2.0 + MIB));
        assert_eq!(s.progress.load(Ordering::Relaxed), MIB);
        let _ = h3;
    }

    #[test]
    fn small_ranges_are_not_split_and_a_refusal_stops_lending() {
        let s = shared(whole(3 * MIB / 2), 4);
        open(&s, 3 * MIB / 2);
        let _lead = s.take();
        assert!(!s.wants_helper(), "1.5 MiB is not worth two connections");
        assert_eq!(s.take(), None);
        let s = shared(whole(100 * MIB), 4);
        open(&s, 100 * MIB);
        let _lead = s.take();
        s.refuse();
        assert!(!s.wants_helper());
        // Nor to a paused one.
        let s = shared(whole(100 * MIB), 4);
        open(&s, 100 * MIB);
        let _lead = s.take();
        s.ctl.store(1, Ordering::Relaxed);
        assert!(!s.wants_helper(), "paused");
    }

    #[test]
    fn an_upload_range_counts_in_the_plan_only_once_the_server_confirms_it() {
        let s = shared(whole(100 * MIB), 4);
        open(&s, 100 * MIB);
        let lead = s.take().expect("the lead");
        s.sent(lead, 10 * MIB);
        assert_eq!(s.position(lead), Some(10 * MIB));
        assert_eq!(s.plan()[0].done, 0, "not confirmed yet");
        assert_eq!(s.progress.load(Ordering::Relaxed), 10 * MIB);
        // A split goes by where the sender is, not by what is confirmed.
        let h = s.take().expect("a helper");
        assert_eq!(h, Taken(55 * MIB));
        // A failed stream: its bytes are sent again.
        s.settle(lead, false);
        assert_eq!(s.plan()[0].done, 0);
        assert_eq!(s.progress.load(Ordering::Relaxed), 0);
        s.sent(lead, 55 * MIB);
        s.settle(lead, true);
        assert_eq!(s.plan()[0].done, 55 * MIB, "the 226 confirms the range");
        assert_eq!(s.progress.load(Ordering::Relaxed), 55 * MIB);
    }

    #[test]
    fn a_saved_plan_with_free_ranges_wants_as_many_helpers_as_ranges() {
        let plan = vec![
            Segment {
                start: 0,
                end: 10 * MIB,
                done: 10 * MIB,
            },
            Segment {
                start: 10 * MIB,
                end: 20 * MIB,
                done: MIB,
            },
            Segment {
                start: 20 * MIB,
                end: 30 * MIB,
                done: 0,
            },
        ];
        let s = shared(plan, 2);
        assert_eq!(s.progress.load(Ordering::Relaxed), 11 * MIB);
        // Preparing: the lead will take one free range, a helper the other.
        assert!(s.wants_helper());
        s.lend();
        assert!(!s.wants_helper(), "two connections are the most");
        open(&s, 30 * MIB);
        assert_eq!(s.take(), Some(Taken(10 * MIB)));
        assert_eq!(s.take(), Some(Taken(20 * MIB)));
        s.close();
        assert_eq!(s.take(), None, "closed");
        assert!(!s.wants_helper());
    }
}
