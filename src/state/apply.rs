//! Events in: what the runner and the engine report (listings, replies, progress, finished
//! jobs, conflicts) folded into the state, with any effects they lead to.

use super::*;

impl State {
    /// Fold an engine event in.
    pub fn apply(&mut self, event: Event) -> Vec<Effect> {
        match event {
            Event::Log(e) => {
                if let crate::ftp::LogKind::Reply { code, .. } = e.kind {
                    self.learn_commands(code, &e.text);
                }
                self.log.push(e, self.lang);
                vec![]
            }
            Event::Quoted { req, result } => self.quoted(req, result),
            Event::ServerFacts { req, result } => {
                self.facts_arrived(req, result);
                vec![]
            }
            Event::LogSaved { path, result } => {
                self.log_saved(path, result);
                vec![]
            }
            Event::ConnectWaiting { req, wait } => {
                if matches!(self.conn, Conn::Connecting { req: r, .. } if r == req) {
                    self.set_status(
                        tr!(
                            "{reason}: trying again in {secs} s (attempt {next} of {of}) · Esc stops",
                            reason = wait.reason,
                            secs = wait.left.as_secs_f32().ceil(),
                            next = wait.next,
                            of = wait.of
                        ),
                        true,
                    );
                }
                vec![]
            }
            Event::Engine(e) => self.engine_event(e),
            Event::KeyringFound(kind) => {
                self.keyring = Some(kind);
                if let Some(Dialog::BookmarkForm(form)) = &mut self.dialog {
                    form.keyring = Some(kind);
                }
                vec![]
            }
            Event::BookmarksLoaded { profiles, error } => {
                if let Some(Dialog::Bookmarks(list)) = &mut self.dialog {
                    list.profiles = profiles;
                    list.error = error;
                    list.cursor = list.cursor.min(list.filtered().len().saturating_sub(1));
                }
                vec![]
            }
            Event::BookmarkStored(r) => {
                let unsaved = match &mut self.dialog {
                    Some(Dialog::Bookmarks(list)) => list.unsaved.take(),
                    _ => None,
                };
                match r {
                    Ok(msg) => self.set_status(msg, false),
                    Err(e) => {
                        self.set_status(tr!("Bookmarks: {error}", error = e), true);
                        // Back to the form as it was submitted: nothing typed is lost.
                        if let Some(form) = unsaved {
                            self.dialog = Some(Dialog::BookmarkForm(form));
                            return vec![];
                        }
                    }
                }
                if matches!(self.dialog, Some(Dialog::Bookmarks(_))) {
                    vec![Effect::LoadBookmarks]
                } else {
                    vec![]
                }
            }
            Event::ProfileResolved {
                profile,
                password,
                note,
            } => {
                if let Some(n) = note {
                    self.set_status(n, true);
                }
                match password {
                    Ok(Some(secret)) => self.connect_profile(profile, Some(secret)),
                    Ok(None) if profile.anonymous || profile.user.is_none() => {
                        self.connect_profile(profile, None)
                    }
                    Ok(None) => {
                        self.dialog = Some(Dialog::Connect(ConnectForm::for_profile(&profile)));
                        vec![]
                    }
                    Err(e) => {
                        self.set_status(format!("{}: {e}", profile.name), true);
                        vec![]
                    }
                }
            }
            Event::Listed { side, req, result } => {
                let pane = self.pane_mut(side);
                if pane.loading != req {
                    // A newer request superseded this one.
                    return vec![];
                }
                pane.loading = 0;
                match result {
                    Ok(listing) => {
                        let root = is_root(side, &listing.path);
                        pane.set_listing(listing.path, listing.entries, root);
                        self.recompare();
                        self.keep_cursors_visible();
                        let pane = self.pane_mut(side);
                        if pane.stale {
                            pane.stale = false;
                            let path = pane.path.clone();
                            return vec![self.list(side, Nav::To(path))];
                        }
                    }
                    Err(e) => {
                        pane.select = None;
                        pane.error = Some(e.message.clone());
                        // A move through the history that failed: still here, so the entry
                        // for here comes off the other list (the one that failed is dropped).
                        match pane.history_move.take() {
                            Some(true) => {
                                pane.forward.pop();
                            }
                            Some(false) => {
                                pane.back.pop();
                            }
                            None => {}
                        }
                        self.show_error(t("Cannot open directory"), &e);
                    }
                }
                vec![]
            }
            Event::Connected { req, label } => {
                if !matches!(self.conn, Conn::Connecting { req: r, .. } if r == req) {
                    return vec![];
                }
                self.conn = Conn::Connected {
                    label: label.clone(),
                };
                self.remote.label = label.clone();
                self.set_status(tr!("Connected to {label}", label = label), false);
                let path = self.initial_remote.take().unwrap_or_default();
                let mut fx = vec![
                    Effect::StartTransfers,
                    self.list(Side::Remote, Nav::To(path.clone())),
                ];
                if let Some(r) = self.recent.take() {
                    fx.push(Effect::RecordRecent(crate::bookmarks::RecentEntry {
                        remote_dir: Some(path).filter(|p| !p.is_empty()),
                        ..r
                    }));
                }
                fx
            }
            Event::ConnectFailed { req, error } => {
                if !matches!(self.conn, Conn::Connecting { req: r, .. } if r == req) {
                    return vec![];
                }
                self.conn = Conn::Disconnected;
                self.remote.loading = 0;
                self.remote.error = Some(error.message.clone());
                self.show_error(t("Connection failed"), &error);
                if let (Some(info), Some((opts, path))) = (&error.cert, self.connecting.take()) {
                    self.dialog = Some(Dialog::Certificate(Box::new(dialog::CertForm {
                        info: (**info).clone(),
                        opts,
                        path,
                    })));
                }
                vec![]
            }
            Event::Viewed { req, title, result } => self.viewed(req, title, result),
            Event::FetchedForEdit { req, result } => self.fetched_for_edit(req, result),
            Event::Edited {
                file,
                remote,
                changed,
            } => self.edited(file, remote, changed),
            Event::RemoteStat { req, result } => self.remote_stat(req, result),
            Event::LocalStat { req, size } => self.local_stat(req, size),
            Event::ContentCompared { req, result } => {
                self.content_compared(req, result);
                vec![]
            }
            Event::Checksum { req, result } => {
                self.checksum_arrived(req, result);
                vec![]
            }
            Event::ListingLine { req, result } => {
                self.listing_line(req, result);
                vec![]
            }
            Event::FsDone {
                side,
                req: _,
                op,
                report,
            } => self.fs_done(side, op, report),
            Event::Disconnected { error } => {
                self.conn = Conn::Disconnected;
                self.remote.loading = 0;
                self.remote.error = Some(error.message.clone());
                self.show_error(t("Disconnected"), &error);
                vec![]
            }
        }
    }

    pub(super) fn engine_event(&mut self, e: crate::transfer::EngineEvent) -> Vec<Effect> {
        let conflict = matches!(&e, crate::transfer::EngineEvent::Changed(j)
            if matches!(j.state, crate::transfer::JobState::Conflict { .. }));
        // A job that failed for good is said where the user looks, not only in its row.
        if let crate::transfer::EngineEvent::Changed(j) = &e
            && let crate::transfer::JobState::Failed { reason, .. } = &j.state
            && !self
                .queue
                .rows
                .get(&j.id)
                .is_some_and(|r| matches!(r.job.state, crate::transfer::JobState::Failed { .. }))
        {
            self.set_status(
                tr!("{name} failed: {reason}", name = j.name(), reason = reason),
                true,
            );
        }
        let finished = self.queue.apply(e);
        let rows = self.areas().queue.height.saturating_sub(2) as usize;
        self.queue.scroll_into_view(rows);
        if conflict && self.dialog.is_none() {
            self.next_conflict(None);
        }
        // A finished transfer refreshes the pane that shows its target directory, and a move
        // (or the removal of a moved directory) the pane that shows where it left.
        let mut fx = Vec::new();
        let mut dirs = Vec::new();
        for job in finished {
            use crate::transfer::{Direction, JobKind};
            if job.spec.direction == Direction::Upload
                && let Some(e) = self.edit_upload_done(&job.spec.src)
            {
                fx.push(e);
            }
            let (there, here) = match job.spec.direction {
                Direction::Download => (Side::Local, Side::Remote),
                Direction::Upload => (Side::Remote, Side::Local),
            };
            if job.spec.kind != JobKind::RemoveDir {
                dirs.push((there, parent_of(there, &job.spec.dst)));
            }
            if job.spec.is_move || job.spec.kind == JobKind::RemoveDir {
                dirs.push((here, parent_of(here, job.spec.src.trim_end_matches('/'))));
            }
        }
        for (side, dir) in dirs {
            let pane = self.pane_mut(side);
            if pane.path == dir {
                if pane.loading == 0
                    && !fx
                        .iter()
                        .any(|f| matches!(f, Effect::List { side: s, .. } if *s == side))
                {
                    let path = pane.path.clone();
                    fx.push(self.list(side, Nav::To(path)));
                } else {
                    pane.stale = true;
                }
            }
        }
        fx
    }

    /// Open the dialog for the next job waiting on a conflict (after `done`, if given), not
    /// one of a batch an "apply to all" answer settles (the engine answers those).
    pub(super) fn next_conflict(&mut self, done: Option<crate::transfer::JobId>) {
        let next = self
            .queue
            .order
            .iter()
            .filter_map(|id| self.queue.rows.get(id))
            .find(|r| {
                Some(r.job.id) != done
                    && !self.queue.policies.contains_key(&r.job.batch)
                    && matches!(r.job.state, crate::transfer::JobState::Conflict { .. })
            });
        if let Some(r) = next {
            self.dialog = Some(Dialog::Conflict(ConflictForm::from_job(&r.job)));
        }
    }
}
