//! The user's commands (see `EngineCmd`): queueing, pausing, cancelling, retrying, moving
//! jobs and answering conflicts.

use super::*;

impl Core {
    pub(super) fn command(&mut self, c: EngineCmd) {
        match c {
            EngineCmd::Enqueue(specs) => {
                let jobs = self.add(None, None, specs);
                self.emit(EngineEvent::Added { after: None, jobs });
            }
            EngineCmd::SetMode(mode) => self.cfg.mode = mode,
            EngineCmd::SetRateLimit(rate) => {
                self.limit.set(rate);
                self.cfg.limit_rate = rate;
            }
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
                    // Paused on its own now: resuming the queue leaves it paused.
                    self.paused_by_all.remove(&jid);
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
                // The jobs it interrupts are the ones resuming the queue goes on with; a job the
                // user paused on its own stays paused.
                for (id, r) in &self.running {
                    // A job already paused on its own (or being cancelled) keeps that.
                    if r.ctl
                        .compare_exchange(RUN, PAUSE, Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                    {
                        self.paused_by_all.insert(*id);
                    }
                }
            }
            EngineCmd::ResumeAll => {
                self.paused_all = false;
                let ids: Vec<JobId> = self.paused_by_all.drain().collect();
                for id in ids {
                    if self
                        .jobs
                        .get(&id)
                        .is_some_and(|j| j.state == JobState::Paused)
                    {
                        self.set_state(id, self.unpaused(id));
                    }
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
}
