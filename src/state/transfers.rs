//! Transfers from the panes: copies and moves of marked entries, and the queue panel's keys.

use super::*;

impl State {
    pub(super) fn pause_all(&mut self) -> Vec<Effect> {
        self.paused_all = !self.paused_all;
        self.set_status(
            if self.paused_all {
                t("Queue paused")
            } else {
                t("Queue resumed")
            },
            false,
        );
        vec![Effect::Engine(if self.paused_all {
            EngineCmd::PauseAll
        } else {
            EngineCmd::ResumeAll
        })]
    }

    /// Keys while the queue panel has the focus. `None`: not a queue action, handle as usual.
    pub(super) fn queue_action(&mut self, action: &Action) -> Option<Vec<Effect>> {
        let rows = self.areas().queue.height.saturating_sub(2).max(1) as i64;
        let selected = self
            .queue
            .selected()
            .map(|r| (r.job.id, r.job.state.clone()));
        let fx = match action {
            Action::Up => {
                self.queue.move_by(-1);
                vec![]
            }
            Action::Down => {
                self.queue.move_by(1);
                vec![]
            }
            Action::PageUp => {
                self.queue.move_by(-rows);
                vec![]
            }
            Action::PageDown => {
                self.queue.move_by(rows);
                vec![]
            }
            Action::Home => {
                self.queue.move_by(i64::MIN / 2);
                vec![]
            }
            Action::End => {
                self.queue.move_by(i64::MAX / 2);
                vec![]
            }
            Action::Mark => match selected {
                Some((id, crate::transfer::JobState::Paused)) => {
                    vec![Effect::Engine(EngineCmd::Resume(id))]
                }
                Some((id, st)) if !st.is_finished() => vec![Effect::Engine(EngineCmd::Pause(id))],
                _ => vec![],
            },
            Action::CancelJob => match selected {
                Some((id, _)) => vec![Effect::Engine(EngineCmd::Cancel(id))],
                None => vec![],
            },
            Action::RetryJob => match selected {
                Some((id, st)) if st.is_finished() && st != crate::transfer::JobState::Done => {
                    vec![Effect::Engine(EngineCmd::Retry(id))]
                }
                _ => vec![],
            },
            Action::JobUp | Action::JobDown => match selected {
                Some((id, _)) => {
                    // The highlight stays on the job; the engine's `Moved` takes it there.
                    let d = if *action == Action::JobUp { -1 } else { 1 };
                    vec![Effect::Engine(EngineCmd::MoveBy(id, d))]
                }
                None => vec![],
            },
            Action::QueueFilter => {
                self.queue.filter = self.queue.filter.next();
                self.queue.set_cursor(0);
                self.queue.offset = 0;
                vec![]
            }
            Action::Open => {
                // Enter on a conflict opens its dialog again.
                if let Some(r) = self.queue.selected()
                    && matches!(r.job.state, crate::transfer::JobState::Conflict { .. })
                {
                    self.dialog = Some(Dialog::Conflict(ConflictForm::from_job(&r.job)));
                }
                vec![]
            }
            _ => return None,
        };
        self.queue.scroll_into_view(rows as usize);
        Some(fx)
    }

    /// Queue the marked entries of `side` (or the one under the cursor, or `only`) for the
    /// other pane's directory (or `into`, a directory there).
    pub(super) fn queue_transfer(
        &mut self,
        side: Side,
        into: Option<String>,
        is_move: bool,
    ) -> Vec<Effect> {
        use crate::transfer::{Direction, JobKind, JobSpec};
        if !matches!(self.conn, Conn::Connected { .. }) {
            return self.not_connected();
        }
        let target = self.pane(side.other());
        if target.path.is_empty() {
            self.set_status(t("The other pane has no directory yet"), true);
            return vec![];
        }
        let dst_dir = into.unwrap_or_else(|| target.path.clone());
        let pane = self.pane(side);
        let chosen = self.chosen(side);
        let direction = match side {
            Side::Local => Direction::Upload,
            Side::Remote => Direction::Download,
        };
        let mut specs = Vec::new();
        let mut refused = Vec::new();
        for e in chosen {
            let kind = match e.kind {
                crate::fs::EntryKind::Dir => JobKind::Dir,
                crate::fs::EntryKind::File => JobKind::File,
                // Links are not followed: that is how trees escape their directory.
                _ => {
                    refused.push(e.name.clone());
                    continue;
                }
            };
            if crate::fs::validate_name(&e.name).is_err() {
                refused.push(e.name.clone());
                continue;
            }
            specs.push(JobSpec {
                direction,
                kind,
                src: join_path(side, &pane.path, &e.name).into(),
                dst: join_path(side.other(), &dst_dir, &e.name).into(),
                size: (kind == JobKind::File).then_some(e.size),
                mtime: e.mtime,
                is_move,
            });
        }
        if specs.is_empty() {
            let msg = if refused.is_empty() {
                t("Nothing to copy: mark entries with Space or move to one").to_string()
            } else {
                tr!(
                    "Not copied (links and special files are skipped): {names}",
                    names = refused.join(", ")
                )
            };
            self.set_status(msg, !refused.is_empty());
            return vec![];
        }
        let mut msg = if is_move {
            tr!(
                "Moving {n} item(s) to {dir}",
                n = specs.len(),
                dir = dst_dir
            )
        } else {
            tr!(
                "Copying {n} item(s) to {dir}",
                n = specs.len(),
                dir = dst_dir
            )
        };
        if !refused.is_empty() {
            msg.push(' ');
            msg.push_str(&tr!("(skipped: {names})", names = refused.join(", ")));
        }
        self.set_status(msg, false);
        self.pane_mut(side).marked.clear();
        self.queue.visible = true;
        vec![Effect::Engine(EngineCmd::Enqueue(specs))]
    }
}
