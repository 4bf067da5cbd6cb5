//! Directories: a listed directory's entries wait in a compact backlog and become jobs a few
//! dozen at a time; moving a directory ends with removing its source once all of it moved.

use super::*;

impl Core {
    /// The oldest directory whose backlog may feed the queue now (not paused or cancelled).
    pub(super) fn feeder(&self) -> Option<JobId> {
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
    pub(super) fn materialise(&mut self, dir: JobId, n: usize) {
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

    pub(super) fn report_backlog(&self, dir: JobId) {
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

    /// A directory was listed: the names it will not copy are listed as skipped at once, its
    /// entries go into a backlog that feeds the queue as workers take jobs, and the
    /// directory's job runs until the backlog is used up.
    pub(super) fn expanded(
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
    pub(super) fn track_move(&mut self, id: JobId) {
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

    pub(super) fn maybe_remove_dir(&mut self, dir: JobId) {
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
}
