//! The queue on disk: saved atomically a second after a change, restored for the same server
//! at start (interrupted jobs resume).

use super::*;

impl Core {
    pub(super) fn mark_save(&mut self) {
        if self.cfg.state_file.is_some() && self.save_due.is_none() {
            self.save_due = Some(Instant::now() + Duration::from_secs(1));
        }
    }

    pub(super) fn restore(&mut self) {
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
    pub(super) fn save(&mut self) {
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
                    r.note_into(&mut j);
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
}
