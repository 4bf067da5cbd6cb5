//! Comparing the two panes' directories, browsing them in step, and the synchronisation
//! preview that turns a comparison into transfers (and optional deletions).

use crate::i18n::{n_, t};
use crate::tr;
use std::collections::HashMap;

use super::action::{Effect, Key, KeyPress, Nav, Side};
use super::dialog::Dialog;
use super::pane::Pane;
use super::{Conn, State, join_path};
use crate::fs::ops::{FsOp, Target};
use crate::fs::{Entry, EntryKind};
use crate::sync::same_time;
use crate::transfer::{Direction, JobKind, JobSpec, OnExists};

/// How an entry compares with the other pane's entry of the same name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Diff {
    /// No entry of that name on the other side.
    Only,
    /// Both have it; this one is newer.
    Newer,
    /// Both have it; this one is older.
    Older,
    /// Same time (within the tolerance), different size.
    Size,
    /// A file on one side, a directory on the other.
    Kind,
    /// Same size, different content (their checksums differ; `#`).
    Content,
}

/// Compare two listings by name. Returns, for each side, the names that differ and how.
/// Directories present on both sides are not marked (their contents are not read).
pub fn compare(a: &[Entry], b: &[Entry]) -> (HashMap<String, Diff>, HashMap<String, Diff>) {
    let index: HashMap<&str, &Entry> = b
        .iter()
        .filter(|e| e.name != "..")
        .map(|e| (e.name.as_str(), e))
        .collect();
    let mut da = HashMap::new();
    let mut db = HashMap::new();
    let mut seen = 0usize;
    for x in a.iter().filter(|e| e.name != "..") {
        let Some(y) = index.get(x.name.as_str()) else {
            da.insert(x.name.clone(), Diff::Only);
            continue;
        };
        seen += 1;
        let (xd, yd) = (x.is_dir(), y.is_dir());
        if xd != yd {
            da.insert(x.name.clone(), Diff::Kind);
            db.insert(x.name.clone(), Diff::Kind);
            continue;
        }
        if xd {
            continue;
        }
        match (x.mtime, y.mtime) {
            (Some(tx), Some(ty)) if !same_time(tx, ty) => {
                let (p, q) = if tx > ty {
                    (Diff::Newer, Diff::Older)
                } else {
                    (Diff::Older, Diff::Newer)
                };
                da.insert(x.name.clone(), p);
                db.insert(x.name.clone(), q);
            }
            _ if x.size != y.size => {
                da.insert(x.name.clone(), Diff::Size);
                db.insert(x.name.clone(), Diff::Size);
            }
            _ => {}
        }
    }
    if seen < index.len() {
        let names: std::collections::HashSet<&str> = a.iter().map(|e| e.name.as_str()).collect();
        for (n, _) in index.iter().filter(|(n, _)| !names.contains(**n)) {
            db.insert(n.to_string(), Diff::Only);
        }
    }
    (da, db)
}

/// What one line of the synchronisation preview does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncAction {
    /// Copy a file or directory that the target lacks.
    Copy,
    /// Replace the target's file (newer or different on the source).
    Update,
    /// A directory on both sides: copy into it, each file only when the source is newer.
    Merge,
    /// Delete from the target what the source lacks.
    Delete,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncItem {
    pub name: String,
    pub kind: EntryKind,
    pub action: SyncAction,
    pub why: &'static str,
    pub on: bool,
    /// Size and time of the source entry, for the jobs.
    pub size: u64,
    pub mtime: Option<i64>,
}

/// The synchronisation preview: what would make `to` mirror `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncForm {
    pub from: Side,
    pub items: Vec<SyncItem>,
    pub cursor: usize,
    pub offset: usize,
}

/// The plan that makes the directory of `to` mirror the one of `from`. Deletions are listed
/// but off until chosen.
pub fn plan(from: &Pane, to: &Pane) -> Vec<SyncItem> {
    let (dfrom, dto) = compare(&from.entries, &to.entries);
    let mut items = Vec::new();
    for e in from.entries.iter().filter(|e| e.name != "..") {
        if !matches!(e.kind, EntryKind::File | EntryKind::Dir) {
            continue;
        }
        let (action, why) = match (dfrom.get(&e.name), e.is_dir()) {
            (Some(Diff::Only), _) => (SyncAction::Copy, n_("missing there")),
            (Some(Diff::Newer), false) => (SyncAction::Update, n_("newer here")),
            (Some(Diff::Size), false) => (SyncAction::Update, n_("size differs")),
            (None, true) => (SyncAction::Merge, n_("on both sides: newer files")),
            _ => continue,
        };
        items.push(SyncItem {
            name: e.name.clone(),
            kind: e.kind,
            action,
            why,
            on: true,
            size: e.size,
            mtime: e.mtime,
        });
    }
    for e in to.entries.iter().filter(|e| e.name != "..") {
        if dto.get(&e.name) == Some(&Diff::Only) {
            items.push(SyncItem {
                name: e.name.clone(),
                kind: e.kind,
                action: SyncAction::Delete,
                why: n_("not on the source"),
                on: false,
                size: e.size,
                mtime: e.mtime,
            });
        }
    }
    items
}

impl State {
    /// `=`: compare the two directories, or stop comparing.
    pub(super) fn toggle_compare(&mut self) -> Vec<Effect> {
        if self.comparing {
            self.comparing = false;
            self.local.diff.clear();
            self.remote.diff.clear();
            self.set_status(t("Comparison off"), false);
            return vec![];
        }
        if self.local.path.is_empty() || self.remote.path.is_empty() {
            self.set_status(t("Both panes need a directory to compare"), true);
            return vec![];
        }
        self.comparing = true;
        self.recompare();
        vec![]
    }

    /// `#`: compare the files of the same size on both sides by content, through the server's
    /// checksums (the comparison itself stays on).
    pub(super) fn compare_content(&mut self) -> Vec<Effect> {
        if self.local.path.is_empty() || self.remote.path.is_empty() {
            self.set_status(t("Both panes need a directory to compare"), true);
            return vec![];
        }
        if !self.can_browse(Side::Remote) {
            return self.not_connected();
        }
        let theirs: HashMap<&str, &Entry> = self
            .remote
            .entries
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .map(|e| (e.name.as_str(), e))
            .collect();
        let names: Vec<String> = self
            .local
            .entries
            .iter()
            .filter(|e| e.kind == EntryKind::File)
            .filter(|e| {
                theirs
                    .get(e.name.as_str())
                    .is_some_and(|t| t.size == e.size)
            })
            .map(|e| e.name.clone())
            .collect();
        if names.is_empty() {
            self.set_status(t("No file has the same size on both sides"), false);
            return vec![];
        }
        if !self.comparing {
            self.comparing = true;
            self.recompare();
        }
        let req = self.req();
        self.content_req = req;
        self.set_status(
            tr!(
                "Comparing {n} files of the same size by content…",
                n = names.len()
            ),
            false,
        );
        vec![Effect::CompareContent {
            local_dir: self.local.path.clone(),
            remote_dir: self.remote.path.clone(),
            names,
            req,
        }]
    }

    /// The answer to `#`: files whose content differs are marked on both sides.
    pub(super) fn content_compared(
        &mut self,
        req: u64,
        result: Result<super::action::ContentComparison, super::ErrorInfo>,
    ) {
        if req == 0 || req != self.content_req {
            return;
        }
        self.content_req = 0;
        let c = match result {
            Ok(c) => c,
            Err(e) => {
                self.show_error(t("Comparing by content"), &e);
                return;
            }
        };
        let Some(algo) = c.algo else {
            self.set_status(
                t("The server offers no checksum skiff can compute (SHA-256, SHA-512, SHA-1)"),
                true,
            );
            return;
        };
        self.comparing = true;
        for name in &c.differ {
            self.local.diff.insert(name.clone(), Diff::Content);
            self.remote.diff.insert(name.clone(), Diff::Content);
        }
        let mut text = tr!(
            "By {algo}: {differ} of {n} files of the same size differ in content (red), {same} are the same",
            algo = algo.as_str(),
            differ = c.differ.len(),
            n = c.differ.len() + c.same + c.unknown.len(),
            same = c.same
        );
        if let Some((name, why)) = c.unknown.first() {
            text.push(' ');
            text.push_str(&tr!(
                "({n} could not be read: {first})",
                n = c.unknown.len(),
                first = format!("{name}: {why}")
            ));
        }
        self.set_status(text, !c.differ.is_empty());
    }

    /// Compare again (after a listing arrived while comparing).
    pub(super) fn recompare(&mut self) {
        if !self.comparing {
            return;
        }
        let (a, b) = compare(&self.local.entries, &self.remote.entries);
        let count = |d: &HashMap<String, Diff>, k: Diff| d.values().filter(|&&x| x == k).count();
        let text = tr!(
            "Compared: local {lonly} only, {lnewer} newer · remote {ronly} only, {rnewer} newer · {differ} differ in size (yellow: only on one side, green: newer, red: size or kind differs; = ends)",
            lonly = count(&a, Diff::Only),
            lnewer = count(&a, Diff::Newer),
            ronly = count(&b, Diff::Only),
            rnewer = count(&b, Diff::Newer),
            differ = count(&a, Diff::Size) + count(&a, Diff::Kind),
        );
        self.local.diff = a;
        self.remote.diff = b;
        self.set_status(text, false);
    }

    /// `S`: browse both panes in step.
    pub(super) fn toggle_sync_browse(&mut self) -> Vec<Effect> {
        self.sync_browse = !self.sync_browse;
        self.set_status(
            if self.sync_browse {
                t("Synchronised browsing on: entering or leaving a directory does the same on the other side")
            } else {
                t("Synchronised browsing off")
            },
            false,
        );
        vec![]
    }

    /// `W`: keep the server's directory (the remote pane's) up to date with the local pane's:
    /// what changes there is uploaded, as it changes. Again to stop.
    pub(super) fn toggle_keep_up(&mut self) -> Vec<Effect> {
        if self.keep_up.take().is_some() {
            self.set_status(t("No longer keeping the server up to date"), false);
            return vec![Effect::KeepUpToDate(None)];
        }
        if self.local.path.is_empty() || self.remote.path.is_empty() {
            self.set_status(t("Both panes need a directory to compare"), true);
            return vec![];
        }
        if !self.can_browse(Side::Remote) {
            return self.not_connected();
        }
        let dirs = (self.local.path.clone(), self.remote.path.clone());
        self.set_status(
            tr!(
                "Keeping {remote} up to date with {local}: what is new or changed here is uploaded, now and as it changes (W stops)",
                remote = dirs.1.as_str(),
                local = dirs.0.as_str()
            ),
            false,
        );
        self.keep_up = Some(dirs.clone());
        vec![Effect::KeepUpToDate(Some(dirs))]
    }

    /// With synchronised browsing, follow a move of `side` into `name` (or up with `None`) on
    /// the other side, when it can.
    pub(super) fn follow(&mut self, side: Side, name: Option<&str>) -> Vec<Effect> {
        let other = side.other();
        if !self.sync_browse || !self.can_follow(other) {
            return vec![];
        }
        let pane = self.pane(other);
        match name {
            None => {
                if super::is_root(other, &pane.path) {
                    return vec![];
                }
                let from = pane.path.clone();
                self.pane_mut(other).select = super::last_component(other, &from);
                vec![self.list(other, Nav::Up(from))]
            }
            Some(n) => {
                if pane.entries.iter().any(|e| e.name == n && e.is_dir()) {
                    let target = join_path(other, &pane.path, n);
                    vec![self.list(other, Nav::To(target))]
                } else {
                    self.set_status(
                        tr!(
                            "No directory {name} on the other side: only this side moved",
                            name = n
                        ),
                        true,
                    );
                    vec![]
                }
            }
        }
    }

    fn can_follow(&self, side: Side) -> bool {
        !self.pane(side).path.is_empty()
            && (side == Side::Local || matches!(self.conn, Conn::Connected { .. }))
    }

    /// The synchronisation preview, mirroring the focused pane onto the other one.
    pub(super) fn start_sync(&mut self, from: Side) -> Vec<Effect> {
        if !matches!(self.conn, Conn::Connected { .. }) {
            return self.not_connected();
        }
        if self.local.path.is_empty() || self.remote.path.is_empty() {
            self.set_status(t("Both panes need a directory"), true);
            return vec![];
        }
        let items = plan(self.pane(from), self.pane(from.other()));
        self.dialog = Some(Dialog::Sync(Box::new(SyncForm {
            from,
            items,
            cursor: 0,
            offset: 0,
        })));
        vec![]
    }

    pub(super) fn sync_key(&mut self, mut form: Box<SyncForm>, key: KeyPress) -> Vec<Effect> {
        let n = form.items.len();
        match key.key {
            Key::Esc | Key::Char('q') => return vec![],
            Key::Up | Key::Char('k') => form.cursor = form.cursor.saturating_sub(1),
            Key::Down | Key::Char('j') => form.cursor = (form.cursor + 1).min(n.saturating_sub(1)),
            Key::Char(' ') => {
                if let Some(i) = form.items.get_mut(form.cursor) {
                    i.on = !i.on;
                }
                form.cursor = (form.cursor + 1).min(n.saturating_sub(1));
            }
            Key::Char('a') => form.items.iter_mut().for_each(|i| i.on = true),
            Key::Char('n') => form.items.iter_mut().for_each(|i| i.on = false),
            Key::Char('d') => {
                let on = !form
                    .items
                    .iter()
                    .filter(|i| i.action == SyncAction::Delete)
                    .all(|i| i.on);
                for i in form
                    .items
                    .iter_mut()
                    .filter(|i| i.action == SyncAction::Delete)
                {
                    i.on = on;
                }
            }
            // The other way round.
            Key::Tab | Key::Char('r') => {
                let from = form.from.other();
                let items = plan(self.pane(from), self.pane(from.other()));
                *form = SyncForm {
                    from,
                    items,
                    cursor: 0,
                    offset: 0,
                };
            }
            Key::Enter => return self.run_sync(&form),
            _ => {}
        }
        self.dialog = Some(Dialog::Sync(form));
        vec![]
    }

    fn run_sync(&mut self, form: &SyncForm) -> Vec<Effect> {
        let from = form.from;
        let to = from.other();
        let (src_dir, dst_dir) = (self.pane(from).path.clone(), self.pane(to).path.clone());
        let direction = match from {
            Side::Local => Direction::Upload,
            Side::Remote => Direction::Download,
        };
        let spec = |i: &SyncItem| JobSpec {
            direction,
            kind: if i.kind == EntryKind::Dir {
                JobKind::Dir
            } else {
                JobKind::File
            },
            src: join_path(from, &src_dir, &i.name).into(),
            dst: join_path(to, &dst_dir, &i.name).into(),
            size: (i.kind == EntryKind::File).then_some(i.size),
            mtime: i.mtime,
            is_move: false,
        };
        let chosen = |a: SyncAction| form.items.iter().filter(move |i| i.on && i.action == a);
        let mut fx = Vec::new();
        let copies: Vec<JobSpec> = chosen(SyncAction::Copy)
            .chain(chosen(SyncAction::Update))
            .map(spec)
            .collect();
        let merges: Vec<JobSpec> = chosen(SyncAction::Merge).map(spec).collect();
        let deletes: Vec<Target> = chosen(SyncAction::Delete)
            .map(|i| Target {
                path: join_path(to, &dst_dir, &i.name),
                kind: i.kind,
            })
            .collect();
        let (nc, nm, nd) = (copies.len(), merges.len(), deletes.len());
        if !copies.is_empty() {
            fx.push(Effect::Engine(crate::transfer::EngineCmd::EnqueueWith {
                specs: copies,
                policy: OnExists::Overwrite,
            }));
        }
        if !merges.is_empty() {
            fx.push(Effect::Engine(crate::transfer::EngineCmd::EnqueueWith {
                specs: merges,
                policy: OnExists::Newer,
            }));
        }
        if !deletes.is_empty() {
            let req = self.req();
            fx.push(Effect::Fs {
                side: to,
                op: FsOp::Delete(deletes),
                req,
            });
        }
        if fx.is_empty() {
            self.set_status(t("Nothing chosen to synchronise"), false);
        } else {
            self.queue.visible = true;
            self.set_status(
                tr!(
                    "Synchronising: {copies} copies, {merged} directories merged, {deleted} deletions",
                    copies = nc,
                    merged = nm,
                    deleted = nd
                ),
                false,
            );
        }
        fx
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(name: &str, size: u64, mtime: i64) -> Entry {
        Entry {
            name: name.into(),
            kind: EntryKind::File,
            size,
            mtime: Some(mtime),
            perms: None,
            link_target: None,
        }
    }

    fn d(name: &str) -> Entry {
        Entry {
            kind: EntryKind::Dir,
            ..f(name, 0, 0)
        }
    }

    #[test]
    fn compares_by_name_time_and_size() {
        let t = 1_800_000_123;
        let a = vec![
            d(".."),
            f("same", 10, t),
            f("same-minute", 10, t + 30),
            f("newer", 10, t + 3600),
            f("bigger", 20, t),
            f("only-a", 1, t),
            d("dir"),
            f("kind", 1, t),
            // A bare date on the other side, the same day here: the same.
            f("old", 5, 1_700_006_400 + 5_000),
        ];
        let b = vec![
            f("same", 10, t),
            f("same-minute", 10, t),
            f("newer", 10, t),
            f("bigger", 10, t),
            f("only-b", 1, t),
            d("dir"),
            d("kind"),
            f("old", 5, 1_700_006_400),
        ];
        let (da, db) = compare(&a, &b);
        let get = |m: &HashMap<String, Diff>, k: &str| m.get(k).copied();
        assert_eq!(get(&da, "same"), None);
        assert_eq!(get(&da, "same-minute"), None);
        assert_eq!(get(&da, "newer"), Some(Diff::Newer));
        assert_eq!(get(&db, "newer"), Some(Diff::Older));
        assert_eq!(get(&da, "bigger"), Some(Diff::Size));
        assert_eq!(get(&da, "only-a"), Some(Diff::Only));
        assert_eq!(get(&db, "only-b"), Some(Diff::Only));
        assert_eq!(get(&da, "dir"), None);
        assert_eq!(get(&da, "kind"), Some(Diff::Kind));
        assert_eq!(get(&da, "old"), None);
        assert_eq!(get(&da, ".."), None);
        assert_eq!(da.len(), 4);
        assert_eq!(db.len(), 4);
    }

    #[test]
    fn comparing_100k_entries_is_linear() {
        let a: Vec<Entry> = (0..100_000).map(|i| f(&format!("f{i:06}"), i, 0)).collect();
        let mut b = a.clone();
        b[5].size = 1;
        b.truncate(99_000);
        let (da, db) = compare(&a, &b);
        assert_eq!(da.len(), 1_001);
        assert!(db.len() == 1);
    }
}
