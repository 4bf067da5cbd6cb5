//! The engine's core loop: the queue in order, dispatching jobs to workers that ask, folding
//! in what they report, progress ticks, and stopping.

use super::*;

impl Core {
    pub(super) fn new(
        cfg: EngineConfig<()>,
        server: String,
        events: mpsc::UnboundedSender<EngineEvent>,
        tap: Tap,
    ) -> Core {
        Core {
            cfg,
            server,
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
            paused_by_all: Default::default(),
            remembered: HashMap::new(),
            save_due: None,
            was_busy: false,
            moved: 0,
            speed: 0.0,
            busy_since: None,
            busy_bytes: 0,
            moving: HashMap::new(),
            backlogs: HashMap::new(),
            fresh_dirs: Default::default(),
            claims: Default::default(),
            limit: Default::default(),
        }
    }

    /// How many of a directory's entries are kept as queued jobs ahead of the workers; the
    /// rest wait in its compact backlog.
    pub(super) fn ahead_target(&self) -> usize {
        (self.cfg.parallel * 4).max(32)
    }

    pub(super) fn server_key(&self) -> String {
        self.server.clone()
    }

    pub(super) fn emit(&self, e: EngineEvent) {
        let _ = self.events.send(e);
    }

    pub(super) fn changed(&mut self, id: JobId) {
        if let Some(j) = self.jobs.get(&id) {
            self.emit(EngineEvent::Changed(j.clone()));
        }
        self.mark_save();
    }

    /// Where a job is in the queue. Searched from the end: the job asked about is most often
    /// one just added (a directory's last entry made a job, when the next ones go after it).
    pub(super) fn index_of(&self, id: JobId) -> Option<usize> {
        self.order.iter().rposition(|&x| x == id)
    }

    pub(super) fn requeued(&mut self, id: JobId) {
        if let Some(i) = self.index_of(id) {
            self.scan_from = self.scan_from.min(i);
        }
    }

    /// Queue `specs` after `after` (at the end: `None`). They take the transfer type of their
    /// parent directory's job, or the one in force now.
    pub(super) fn add(
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
                segments: None,
                touched: false,
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

    pub(super) fn next_runnable(&mut self) -> Option<JobId> {
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
    pub(super) fn has_queued(&self) -> bool {
        self.order[self.scan_from.min(self.order.len())..]
            .iter()
            .any(|id| {
                self.jobs
                    .get(id)
                    .is_some_and(|j| j.state == JobState::Queued)
            })
    }

    /// Without `keep_finished`, a job that ended well is dropped once nothing needs it.
    pub(super) fn maybe_forget(&mut self, id: JobId) {
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

    pub(super) fn dispatch(&mut self) {
        while !self.waiting.is_empty() {
            // Nothing to start: lend the idle connections to a segmented download that wants
            // them.
            let Some(a) = self.start_one() else {
                self.lend_helpers();
                break;
            };
            let id = a.job.id;
            let Some(worker) = self.waiting.pop() else {
                self.unstart(id);
                break;
            };
            match worker.send(Work::Job(Box::new(a))) {
                Ok(()) => self.changed(id),
                // The worker is gone; put the job back.
                Err(_) => self.unstart(id),
            }
        }
        let busy = !self.running.is_empty() || self.has_queued() || self.feeder().is_some();
        if busy && self.busy_since.is_none() {
            self.busy_since = Some(Instant::now());
            self.busy_bytes = 0;
            self.speed = 0.0;
        }
        if self.was_busy && !busy {
            if let Ok(mut d) = self.fresh_dirs.lock() {
                d.clear();
            }
            self.remembered.clear();
            // The run's average, for the totals line after the end.
            self.busy_bytes += std::mem::take(&mut self.moved);
            if let Some(t0) = self.busy_since.take() {
                self.emit(EngineEvent::Speed(Speed {
                    rate: 0,
                    bytes: self.busy_bytes,
                    elapsed_ms: t0.elapsed().as_millis() as u64,
                    done: true,
                }));
            }
            self.emit(EngineEvent::Idle);
        }
        self.was_busy = busy;
    }

    /// Start the next job that can run: from here it is `Running` and its paths are held;
    /// its assignment is for a worker. `None` when nothing can start now (nothing queued, all
    /// waiting for a retry or for a path another job holds).
    pub(super) fn start_one(&mut self) -> Option<Assignment> {
        let id = loop {
            match self.next_runnable() {
                Some(id) => break id,
                // Nothing queued: take more entries from a listed directory.
                None => {
                    let dir = self.feeder()?;
                    let n = self.ahead_target();
                    self.materialise(dir, n);
                }
            }
        };
        if !self.claim_paths(id) {
            return None;
        }
        let connections = self.cfg.segments.connections(self.cfg.parallel);
        let job = self.jobs.get_mut(&id)?;
        job.state = JobState::Running;
        job.attempts += 1;
        let ctl = Arc::new(AtomicU8::new(RUN));
        let progress = Arc::new(AtomicU64::new(job.done));
        let policy = job.on_exists.unwrap_or(self.cfg.on_exists);
        let renamed = Arc::new(std::sync::Mutex::new(None));
        let touched = Arc::new(std::sync::atomic::AtomicBool::new(job.touched));
        let segmented = job.segments.clone().map(|plan| {
            Arc::new(Segmented::new(
                plan,
                ctl.clone(),
                progress.clone(),
                connections,
            ))
        });
        let a = Assignment {
            last_try: job.attempts >= self.cfg.max_attempts,
            job: job.clone(),
            policy,
            ctl: ctl.clone(),
            progress: progress.clone(),
            renamed: renamed.clone(),
            touched: touched.clone(),
            segmented: segmented.clone(),
        };
        let parent = job.parent;
        self.not_before.remove(&id);
        self.running.insert(
            id,
            Running {
                ctl,
                progress,
                renamed,
                touched,
                segmented,
                last: a.job.done,
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
        Some(a)
    }

    /// A job started for a worker that is gone: queued again, as if it never started.
    pub(super) fn unstart(&mut self, id: JobId) {
        self.running.remove(&id);
        self.claims().release(id);
        if let Some(j) = self.jobs.get_mut(&id) {
            j.state = JobState::Queued;
            j.attempts = j.attempts.saturating_sub(1);
        }
        self.requeued(id);
    }

    /// A worker whose download is ending asks what it does next (see `Worker::with_peek`):
    /// the next job that can start, now, or nothing (it asks the usual way once it is done).
    pub(super) fn peek(&mut self, tx: oneshot::Sender<Option<Box<Assignment>>>) {
        let Some(a) = self.start_one() else {
            let _ = tx.send(None);
            return;
        };
        let id = a.job.id;
        match tx.send(Some(Box::new(a))) {
            Ok(()) => self.changed(id),
            Err(_) => self.unstart(id),
        }
    }

    /// Lend idle workers to the running segmented downloads that have work for more
    /// connections (oldest job first), one range each (see `Worker::help`).
    pub(super) fn lend_helpers(&mut self) {
        let mut ids: Vec<JobId> = self
            .running
            .iter()
            .filter(|(_, r)| r.segmented.is_some())
            .map(|(id, _)| *id)
            .collect();
        ids.sort_unstable();
        for id in ids {
            let Some(seg) = self.running.get(&id).and_then(|r| r.segmented.clone()) else {
                continue;
            };
            while !self.waiting.is_empty() && seg.wants_helper() {
                let Some(w) = self.waiting.pop() else { break };
                seg.lend();
                if w.send(Work::Help(seg.clone())).is_err() {
                    seg.leave();
                }
            }
        }
    }

    pub(super) fn finished(&mut self, id: JobId, outcome: Outcome) {
        let run = self.running.remove(&id);
        if self.running.is_empty()
            && let Some(t0) = self.busy_since
        {
            // Nothing moves now (paused, waiting to retry): the speed says so, not the last
            // figure (ticks stop while nothing runs).
            self.speed = 0.0;
            self.emit(EngineEvent::Speed(Speed {
                rate: 0,
                bytes: self.busy_bytes,
                elapsed_ms: t0.elapsed().as_millis() as u64,
                done: false,
            }));
        }
        if let Some(s) = run.as_ref().and_then(|r| r.segmented.as_ref()) {
            s.close();
        }
        self.claims().release(id);
        // What it moved since the last tick counts in the queue's speed.
        if let Some(r) = &run {
            self.moved += r.progress.load(Ordering::Relaxed).saturating_sub(r.last);
        }
        let Some(job) = self.jobs.get_mut(&id) else {
            return;
        };
        // Its progress, plan, began destination and the free name the rename policy picked
        // (from now on its destination: a retry continues that file, no second free name).
        if let Some(r) = &run {
            r.note_into(job);
        }
        match outcome {
            Outcome::Done => {
                job.state = JobState::Done;
                job.segments = None;
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
            Outcome::Cancelled => {
                job.state = JobState::Cancelled;
                // Its temporary file is gone: a retry starts afresh, with a new plan.
                if job.segments.take().is_some() {
                    job.part = None;
                    job.done = 0;
                }
            }
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

    /// A job and everything that came from it, in queue order.
    pub(super) fn subtree(&self, id: JobId) -> Vec<JobId> {
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
    pub(super) fn unpaused(&self, id: JobId) -> JobState {
        if self.backlogs.contains_key(&id) {
            JobState::Running
        } else {
            JobState::Queued
        }
    }

    pub(super) fn set_state(&mut self, id: JobId, state: JobState) {
        if let Some(j) = self.jobs.get_mut(&id) {
            j.state = state;
        }
        self.changed(id);
    }

    pub(super) fn tick(&mut self) {
        let mut out = Vec::with_capacity(self.running.len());
        let secs = TICK.as_secs_f64();
        let mut delta = 0u64;
        for (&id, r) in self.running.iter_mut() {
            let done = r.progress.load(Ordering::Relaxed);
            delta += done.saturating_sub(r.last);
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
                    connections: r
                        .segmented
                        .as_ref()
                        .map_or(1, |s| u8::try_from(s.helpers() + 1).unwrap_or(u8::MAX)),
                });
            }
            r.last = done;
        }
        if !out.is_empty() {
            self.emit(EngineEvent::Progress(out));
        }
        // The whole queue: the running jobs' bytes and those of the jobs that ended meanwhile.
        let moved: u64 = std::mem::take(&mut self.moved) + delta;
        self.busy_bytes += moved;
        let inst = moved as f64 / secs;
        self.speed = if self.running.is_empty() {
            // Nothing moves now (a tick can come with nothing running, for a save): the bytes
            // of the jobs that ended count in the average, not as a speed.
            0.0
        } else if self.speed == 0.0 {
            inst
        } else {
            self.speed * 0.7 + inst * 0.3
        };
        if let Some(t0) = self.busy_since {
            self.emit(EngineEvent::Speed(Speed {
                rate: self.speed as u64,
                bytes: self.busy_bytes,
                elapsed_ms: t0.elapsed().as_millis() as u64,
                done: false,
            }));
        }
    }

    /// Stop for good: running transfers are interrupted (briefly waited for: what they report
    /// is what gets saved, and none of them is still writing a `.part` once this returns),
    /// and the queue is saved with them queued, to resume next time.
    pub(super) async fn stop(&mut self, rx: &mut mpsc::UnboundedReceiver<Msg>) {
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
                r.note_into(j);
                j.state = JobState::Queued;
            }
        }
        self.save();
        self.waiting.clear();
    }

    pub(super) async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Msg>) {
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
                Msg::Peek(tx) => self.peek(tx),
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
