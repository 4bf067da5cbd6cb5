//! The paths jobs write (see `claims`): the temporary name a download gets at its first run,
//! the paths a running job holds, and the destinations made-up names keep clear of.

use super::*;

impl Core {
    /// The claims, even after a worker panicked holding the lock (they are plain data).
    pub(super) fn claims(&self) -> std::sync::MutexGuard<'_, claims::Claims> {
        self.claims.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Note a file job's destination, so that no made-up name lands on it.
    pub(super) fn plan(&self, spec: &JobSpec) {
        if spec.kind == JobKind::File {
            self.claims().plan(side_of(spec.direction), &spec.dst);
        }
    }

    /// Note the destinations of a listed directory's entries (see [`Core::plan`]).
    pub(super) fn plan_children(&self, direction: Direction, dst: &str, children: &Children) {
        // The paths `materialise` will make.
        let base = dst.trim_end_matches('/');
        let mut c = self.claims();
        for (name, kind) in children.remaining() {
            if kind == JobKind::File && claims::looks_made_up(name) {
                c.plan(side_of(direction), &format!("{base}/{name}"));
            }
        }
    }

    /// Whether a queued job must wait: a running job writes one of its paths.
    pub(super) fn blocked(&self, id: JobId) -> bool {
        let Some(j) = self.jobs.get(&id) else {
            return false;
        };
        let side = side_of(j.spec.direction);
        let c = self.claims();
        c.held_by_other(side, &j.spec.dst, id)
            || j.part
                .as_deref()
                .is_some_and(|p| c.held_by_other(side, &claims::sibling(&j.spec.dst, p), id))
    }

    /// Give a download its temporary file's name (at its first run) and hold its paths; false
    /// when another running job holds one of them.
    pub(super) fn claim_paths(&mut self, id: JobId) -> bool {
        let Some(j) = self.jobs.get(&id) else {
            return false;
        };
        let side = side_of(j.spec.direction);
        if j.spec.kind != JobKind::File {
            return true;
        }
        let dst = j.spec.dst.to_string();
        let mut part = j.part.clone();
        let temp = match side {
            Side::Local => true,
            Side::Remote => self.cfg.upload_temp.applies(j.spec.size),
        };
        let mut plan = None;
        if temp && part.is_none() {
            // A big download's first run: segmented (its plan and its temporary name are
            // given together, and saved together).
            if self.segmentable(j) {
                plan = j.spec.size.map(segments::whole);
            }
            part = Some(self.pick_temp_name(j, side, plan.is_some()));
        }
        let mut paths = vec![(side, dst.as_str())];
        let part_path = part.as_deref().map(|p| claims::sibling(&dst, p));
        if let Some(p) = &part_path {
            paths.push((side, p.as_str()));
        }
        if !self.claims().hold_all(id, &paths) {
            return false;
        }
        if let Some(j) = self.jobs.get_mut(&id) {
            j.part = part;
            if plan.is_some() {
                j.segments = plan;
            }
        }
        true
    }

    /// Whether a transfer gets several connections (see `transfer::segments`): a file of
    /// known size past [`segments::SEGMENTS_FROM`], moved as bytes, with more than one
    /// connection allowed, and no bytes of an older run in place; an upload only to a
    /// temporary name (its worker checks that the server writes ranges of one file).
    fn segmentable(&self, j: &Job) -> bool {
        // Uploads only when asked for by number: vsftpd, the one server known to write ranges
        // of a file right, locks a file being uploaded by default (`lock_upload_files`), so
        // its ranges go one after the other, each waiting (a wait past the stall timeout
        // fails the range); with that lock off, four ranges took 6.8 s instead of 21.9 s.
        let temp = match j.spec.direction {
            Direction::Download => true,
            Direction::Upload => {
                matches!(self.cfg.segments, super::super::Segments::Max(n) if n > 1)
                    && self.cfg.upload_temp.applies(j.spec.size)
            }
        };
        temp && j.spec.kind == JobKind::File
            && j.spec.size.is_some_and(|s| s >= segments::SEGMENTS_FROM)
            && !j.mode.ascii_for(j.name())
            && self.cfg.segments.connections(self.cfg.parallel) > 1
            && j.done == 0
    }

    /// A temporary name for a download's first run: not held by another running job nor
    /// planned as one's destination (a listed entry called `NAME.skiff-XXXXXXXX.part`). A file
    /// already there under it is an earlier run's of the same job: the worker continues it
    /// only when it is the job's own (see `Worker::download`). A job queued by an older skiff
    /// with bytes in place keeps writing its `NAME.part`.
    pub(super) fn pick_temp_name(&self, j: &Job, side: Side, segmented: bool) -> String {
        let c = self.claims();
        let free = |name: &str| {
            let path = claims::sibling(&j.spec.dst, name);
            !c.taken(side, &path, j.id)
        };
        let legacy = format!("{}.part", j.name());
        if side == Side::Local && j.done > 0 && !segmented && free(&legacy) {
            return legacy;
        }
        let mut n = 0;
        loop {
            let name = if segmented {
                claims::segmented_temp_name(&j.spec.src, &j.spec.dst, n)
            } else {
                claims::temp_name(&j.spec.src, &j.spec.dst, n)
            };
            if free(&name) || n >= 1000 {
                return name;
            }
            n += 1;
        }
    }
}
