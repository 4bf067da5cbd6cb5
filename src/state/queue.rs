//! The queue panel's model: a mirror of the engine's jobs, folded from its events, with a
//! cursor, a filter and the totals line.

use crate::i18n::n_;
use std::collections::HashMap;

use crate::transfer::{EngineEvent, Job, JobId, JobKind, JobState, OnExists};

/// Which jobs the panel shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum QueueFilter {
    #[default]
    All,
    Active,
    Failed,
    Done,
}

impl QueueFilter {
    pub fn next(self) -> QueueFilter {
        match self {
            QueueFilter::All => QueueFilter::Active,
            QueueFilter::Active => QueueFilter::Failed,
            QueueFilter::Failed => QueueFilter::Done,
            QueueFilter::Done => QueueFilter::All,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            QueueFilter::All => n_("all"),
            QueueFilter::Active => n_("active"),
            QueueFilter::Failed => n_("failed"),
            QueueFilter::Done => n_("done"),
        }
    }
    pub fn accepts(self, j: &Job) -> bool {
        match self {
            QueueFilter::All => true,
            QueueFilter::Active => !j.state.is_finished(),
            QueueFilter::Failed => matches!(j.state, JobState::Failed { .. }),
            QueueFilter::Done => j.state == JobState::Done,
        }
    }
}

/// A job as the panel shows it.
#[derive(Debug, Clone)]
pub struct JobRow {
    pub job: Job,
    /// Bytes per second while running.
    pub rate: u64,
    /// Connections reading it while running (more than one: a segmented download).
    pub connections: u8,
    /// For a directory: entries of its listing not in the queue yet.
    pub left: usize,
}

#[derive(Debug, Clone, Default)]
pub struct QueueView {
    /// Job ids in queue order.
    pub order: Vec<JobId>,
    pub rows: HashMap<JobId, JobRow>,
    /// Index into the filtered list: where the selected job is shown (kept in step with
    /// `selected_id` after every change of the list; set it with `set_cursor`).
    pub cursor: usize,
    /// The job the highlight is on. It stays on that job whatever is added above it or
    /// removed (a directory adding its entries moves every row below): a key acts on the job
    /// the user saw highlighted, never on whatever row took its place.
    pub selected_id: Option<JobId>,
    pub offset: usize,
    pub filter: QueueFilter,
    /// Shown under the panes.
    pub visible: bool,
    /// Per directory still adding its entries: files and bytes not in the queue yet.
    pub backlog: HashMap<JobId, (usize, u64)>,
    /// "Apply to all conflicts" answers, per batch (one F5/F6, drop or synchronisation; see
    /// `Job::batch`), as the engine keeps them: forgotten when the queue runs dry.
    pub policies: HashMap<JobId, OnExists>,
    /// The whole queue's speed as the engine last said it (see `transfer::Speed`).
    pub speed: Option<crate::transfer::Speed>,
}

/// Totals for the summary line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub files: usize,
    pub files_done: usize,
    pub bytes: u64,
    pub bytes_done: u64,
    pub rate: u64,
    pub running: usize,
    pub failed: usize,
    pub pending: usize,
}

impl QueueView {
    /// Fold one engine event in. Returns the jobs that just finished successfully.
    pub fn apply(&mut self, e: EngineEvent) -> Vec<Job> {
        // Progress moves no row: the selection needs no looking up.
        let progress_only = matches!(e, EngineEvent::Progress(_) | EngineEvent::Speed(_));
        let mut finished = Vec::new();
        match e {
            EngineEvent::Added { after, mut jobs } => {
                // A job we already show (a restored queue seen twice) is updated, not repeated.
                jobs.retain(|j| match self.rows.get_mut(&j.id) {
                    Some(r) => {
                        r.job = j.clone();
                        false
                    }
                    None => true,
                });
                let at = after
                    // From the end: new jobs mostly go after the last ones added.
                    .and_then(|a| self.order.iter().rposition(|&x| x == a))
                    .map(|i| i + 1)
                    .unwrap_or(self.order.len());
                self.order.splice(at..at, jobs.iter().map(|j| j.id));
                for job in jobs {
                    self.rows.insert(
                        job.id,
                        JobRow {
                            job,
                            rate: 0,
                            connections: 1,
                            left: 0,
                        },
                    );
                }
                self.visible = true;
            }
            EngineEvent::Changed(job) => {
                if job.state == JobState::Done {
                    finished.push(job.clone());
                }
                match self.rows.get_mut(&job.id) {
                    Some(r) => {
                        r.job = job;
                        r.rate = 0;
                    }
                    None => {
                        self.order.push(job.id);
                        self.rows.insert(
                            job.id,
                            JobRow {
                                job,
                                rate: 0,
                                connections: 1,
                                left: 0,
                            },
                        );
                    }
                }
            }
            EngineEvent::Progress(ps) => {
                for p in ps {
                    if let Some(r) = self.rows.get_mut(&p.id) {
                        r.job.done = p.done;
                        r.rate = p.rate;
                        r.connections = p.connections;
                    }
                }
            }
            EngineEvent::Removed(ids) => {
                let set: std::collections::HashSet<JobId> = ids.into_iter().collect();
                self.order.retain(|id| !set.contains(id));
                self.rows.retain(|id, _| !set.contains(id));
                self.backlog.retain(|id, _| !set.contains(id));
            }
            EngineEvent::Moved { id, index } => {
                if let Some(i) = self.order.iter().position(|&x| x == id) {
                    let x = self.order.remove(i);
                    self.order.insert(index.min(self.order.len()), x);
                }
            }
            EngineEvent::Backlog {
                dir,
                files,
                bytes,
                entries,
            } => {
                if entries == 0 {
                    self.backlog.remove(&dir);
                } else {
                    self.backlog.insert(dir, (files, bytes));
                }
                if let Some(r) = self.rows.get_mut(&dir) {
                    r.left = entries;
                }
            }
            EngineEvent::Speed(s) => self.speed = Some(s),
            EngineEvent::Idle => self.policies.clear(),
        }
        if !progress_only {
            self.follow_selection();
        }
        finished
    }

    /// Put the cursor back on the selected job (after rows were added, removed or moved), or,
    /// when that job is gone or filtered out, on the row now at its place.
    pub fn follow_selection(&mut self) {
        // Most events move no row (a job starts or ends): the selected job is still where the
        // cursor is, found without a scan of a queue that may hold 100,000 jobs.
        if self.filter == QueueFilter::All
            && self.selected_id.is_some()
            && self.order.get(self.cursor).copied() == self.selected_id
        {
            return;
        }
        let n = self.filtered_len();
        let at = self
            .selected_id
            .and_then(|id| self.filtered().position(|r| r.job.id == id));
        match at {
            Some(i) => self.cursor = i,
            None => {
                self.cursor = self.cursor.min(n.saturating_sub(1));
                self.selected_id = self.selected().map(|r| r.job.id);
            }
        }
    }

    /// Highlight the row at `i` of the filtered list (and so its job).
    pub fn set_cursor(&mut self, i: usize) {
        self.cursor = i.min(self.filtered_len().saturating_sub(1));
        self.selected_id = self.selected().map(|r| r.job.id);
    }

    /// Ids shown with the current filter, in order.
    pub fn filtered(&self) -> impl Iterator<Item = &JobRow> {
        self.order
            .iter()
            .filter_map(|id| self.rows.get(id))
            .filter(|r| self.filter.accepts(&r.job))
    }

    pub fn filtered_len(&self) -> usize {
        if self.filter == QueueFilter::All {
            self.order.len()
        } else {
            self.filtered().count()
        }
    }

    pub fn selected(&self) -> Option<&JobRow> {
        self.filtered().nth(self.cursor)
    }

    pub fn move_by(&mut self, delta: i64) {
        let n = self.filtered_len() as i64;
        let i = (self.cursor as i64 + delta).clamp(0, (n - 1).max(0)) as usize;
        self.set_cursor(i);
    }

    pub fn scroll_into_view(&mut self, rows: usize) {
        let rows = rows.max(1);
        // Fewer jobs than before (cleared, filtered): no empty rows above the last page.
        self.offset = self.offset.min(self.filtered_len().saturating_sub(rows));
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + rows {
            self.offset = self.cursor + 1 - rows;
        }
    }

    pub fn totals(&self) -> Totals {
        let mut t = Totals::default();
        for r in self.rows.values() {
            let j = &r.job;
            // Skipped and cancelled files leave the totals alike: nothing of them is to move.
            if j.spec.kind != JobKind::File
                || matches!(j.state, JobState::Skipped { .. } | JobState::Cancelled)
            {
                continue;
            }
            t.files += 1;
            t.bytes += j.spec.size.unwrap_or(j.done);
            t.rate += r.rate;
            match &j.state {
                JobState::Done => {
                    t.files_done += 1;
                    t.bytes_done += j.spec.size.unwrap_or(j.done);
                }
                JobState::Running => {
                    t.running += 1;
                    t.bytes_done += j.done;
                }
                JobState::Failed { .. } => t.failed += 1,
                JobState::Queued | JobState::Paused | JobState::Conflict { .. } => {
                    t.pending += 1;
                    t.bytes_done += j.done;
                }
                _ => {}
            }
        }
        // Files of listed directories that are not jobs yet.
        for &(files, bytes) in self.backlog.values() {
            t.files += files;
            t.pending += files;
            t.bytes += bytes;
        }
        t
    }

    /// The "apply to all" answers in force: those of batches with a job still to run
    /// (for the totals line), each answer once, oldest batch first.
    pub fn policies_in_force(&self) -> Vec<OnExists> {
        if self.policies.is_empty() {
            return Vec::new();
        }
        let mut live: Vec<(JobId, OnExists)> = self
            .policies
            .iter()
            .filter(|(b, _)| {
                self.rows
                    .values()
                    .any(|r| r.job.batch == **b && !r.job.state.is_finished())
            })
            .map(|(b, p)| (*b, *p))
            .collect();
        live.sort_by_key(|(b, _)| *b);
        let mut out: Vec<OnExists> = Vec::new();
        for (_, p) in live {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        out
    }

    /// Whether something is still to be moved.
    pub fn busy(&self) -> bool {
        self.rows
            .values()
            .any(|r| matches!(r.job.state, JobState::Running | JobState::Queued))
    }
}
