//! File operations in the panes: the dialogs that ask for names and confirmations, the effects
//! that run them, and what the panes do with the result.

use super::action::{Effect, Key, KeyPress, Nav, Side};
use super::dialog::{
    ChmodForm, ChmodKey, ConfirmForm, Confirmed, Dialog, InfoView, PromptFor, PromptForm, TextInput,
};
use super::{Conn, State, join_path};
use crate::format::human_size;
use crate::fs::ops::{FsOp, OpReport, Target};
use crate::fs::{Entry, EntryKind, validate_name};
use crate::i18n::t;
use crate::tr;

impl State {
    /// The marked entries of a pane, or the one under the cursor (never `..`).
    pub(super) fn chosen(&self, side: Side) -> Vec<&Entry> {
        let pane = self.pane(side);
        if pane.marked.is_empty() {
            pane.current()
                .filter(|e| e.name != "..")
                .into_iter()
                .collect()
        } else {
            pane.entries
                .iter()
                .filter(|e| pane.marked.contains(&e.name))
                .collect()
        }
    }

    /// Whether the pane can be worked on now (connected, listed, not loading).
    fn ready(&mut self, side: Side) -> bool {
        if side == Side::Remote && !matches!(self.conn, Conn::Connected { .. }) {
            self.set_status(t("Remote pane not connected: press o to connect"), true);
            return false;
        }
        if self.pane(side).path.is_empty() {
            self.set_status(t("This pane has no directory yet"), true);
            return false;
        }
        true
    }

    fn prompt(&mut self, side: Side, purpose: PromptFor, title: &str, label: &str, text: &str) {
        self.dialog = Some(Dialog::Prompt(PromptForm {
            side,
            purpose,
            title: title.to_string(),
            label: label.to_string(),
            input: TextInput::new(text),
            error: None,
        }));
    }

    pub(super) fn start_mkdir(&mut self, side: Side) -> Vec<Effect> {
        if self.ready(side) {
            self.prompt(side, PromptFor::Mkdir, t("Make directory"), t("Name:"), "");
        }
        vec![]
    }

    pub(super) fn start_new_file(&mut self, side: Side) -> Vec<Effect> {
        if self.ready(side) {
            self.prompt(
                side,
                PromptFor::NewFile,
                t("New empty file"),
                t("Name:"),
                "",
            );
        }
        vec![]
    }

    pub(super) fn start_rename(&mut self, side: Side) -> Vec<Effect> {
        if !self.ready(side) {
            return vec![];
        }
        let Some(name) = self
            .pane(side)
            .current()
            .filter(|e| e.name != "..")
            .map(|e| e.name.clone())
        else {
            self.set_status(t("Nothing to rename here"), true);
            return vec![];
        };
        self.prompt(
            side,
            PromptFor::Rename(name.clone()),
            t("Rename"),
            t("New name:"),
            &name,
        );
        vec![]
    }

    pub(super) fn start_delete(&mut self, side: Side) -> Vec<Effect> {
        if !self.ready(side) {
            return vec![];
        }
        let dir = self.pane(side).path.clone();
        let chosen: Vec<(String, EntryKind)> = self
            .chosen(side)
            .iter()
            .map(|e| (e.name.clone(), e.kind))
            .collect();
        if chosen.is_empty() {
            self.set_status(t("Nothing to delete here"), true);
            return vec![];
        }
        let dirs = chosen.iter().filter(|(_, k)| *k == EntryKind::Dir).count();
        let mut lines: Vec<String> = chosen
            .iter()
            .take(8)
            .map(|(n, k)| {
                if *k == EntryKind::Dir {
                    format!("  {n}/  {}", t("(and everything in it)"))
                } else {
                    format!("  {n}")
                }
            })
            .collect();
        if chosen.len() > 8 {
            lines.push(format!("  {}", tr!("… and {n} more", n = chosen.len() - 8)));
        }
        lines.push(String::new());
        lines.push(tr!("in {dir}", dir = dir));
        let title = match (chosen.len(), dirs) {
            (1, 0) => t("Delete this file?").to_string(),
            (1, _) => t("Delete this directory and everything in it?").to_string(),
            (n, 0) => tr!("Delete {n} files?", n = n),
            (n, 1) => tr!("Delete {n} entries (1 directory with its contents)?", n = n),
            (n, _) => tr!(
                "Delete {n} entries ({dirs} directories with their contents)?",
                n = n,
                dirs = dirs
            ),
        };
        let targets = chosen
            .into_iter()
            .map(|(n, kind)| Target {
                path: join_path(side, &dir, &n),
                kind,
            })
            .collect();
        let form = ConfirmForm {
            side,
            title,
            lines,
            then: Confirmed::Fs(FsOp::Delete(targets)),
        };
        if self.confirm.delete {
            self.dialog = Some(Dialog::Confirm(form));
            vec![]
        } else {
            self.confirm_key(form, KeyPress::plain(Key::Enter))
        }
    }

    pub(super) fn start_chmod(&mut self, side: Side) -> Vec<Effect> {
        if !self.ready(side) {
            return vec![];
        }
        let dir = self.pane(side).path.clone();
        let chosen = self.chosen(side);
        let Some(first) = chosen.first() else {
            self.set_status(t("Nothing to change here"), true);
            return vec![];
        };
        let mode = first
            .perms
            .as_deref()
            .and_then(crate::fs::ops::mode_from_perms)
            .unwrap_or(if first.is_dir() { 0o755 } else { 0o644 });
        let paths = chosen
            .iter()
            .map(|e| join_path(side, &dir, &e.name))
            .collect();
        self.dialog = Some(Dialog::Chmod(ChmodForm {
            side,
            paths,
            mode,
            cursor: 0,
            typed: String::new(),
        }));
        vec![]
    }

    pub(super) fn show_info(&mut self, side: Side) -> Vec<Effect> {
        let pane = self.pane(side);
        let Some(e) = pane.current().filter(|e| e.name != "..") else {
            self.set_status(t("No entry under the cursor"), true);
            return vec![];
        };
        let kind = match e.kind {
            EntryKind::Dir => t("directory"),
            EntryKind::File => t("file"),
            EntryKind::Symlink => t("symbolic link"),
            EntryKind::Other => t("other (device, pipe, socket…)"),
        };
        let mut rows = vec![
            (t("Name").to_string(), e.name.clone()),
            (t("Path").to_string(), join_path(side, &pane.path, &e.name)),
            (t("Kind").to_string(), kind.to_string()),
        ];
        if e.kind != EntryKind::Dir {
            rows.push((
                t("Size").to_string(),
                tr!(
                    "{human} ({bytes} bytes)",
                    human = human_size(e.size),
                    bytes = e.size
                ),
            ));
        } else if let Some(sz) = pane.dir_sizes.get(&e.name) {
            rows.push((
                t("Size").to_string(),
                tr!(
                    "{human} ({bytes} bytes, counted)",
                    human = human_size(*sz),
                    bytes = sz
                ),
            ));
        }
        rows.push((
            t("Modified").to_string(),
            e.mtime
                .map(crate::format::local_time)
                .unwrap_or_else(|| t("unknown").into()),
        ));
        if let Some(p) = &e.perms {
            let octal = crate::fs::ops::mode_from_perms(p)
                .map(|m| format!(" ({m:03o})"))
                .unwrap_or_default();
            rows.push((t("Permissions").to_string(), format!("{p}{octal}")));
        }
        if let Some(target) = &e.link_target {
            rows.push((t("Points to").to_string(), target.to_string()));
        }
        let title = if side == Side::Local {
            tr!("Local {kind}", kind = kind)
        } else {
            tr!("Remote {kind}", kind = kind)
        };
        // For a remote entry, the server's own words: its line in the directory listing.
        let mut fx = Vec::new();
        let mut waiting = 0;
        let mut checksum = None;
        if side == Side::Remote && e.kind == EntryKind::File {
            checksum = Some((join_path(side, &pane.path, &e.name), rows.len()));
            rows.push((
                t("Checksum").to_string(),
                t("c asks the server for it").to_string(),
            ));
        }
        if side == Side::Remote {
            let (dir, name) = (pane.path.clone(), e.name.clone());
            rows.push((t("Listing").to_string(), t("reading…").to_string()));
            waiting = self.req();
            fx.push(Effect::ListingLine {
                dir,
                name,
                req: waiting,
            });
        }
        self.dialog = Some(Dialog::Info(InfoView {
            title,
            rows,
            waiting,
            checksum,
            checksum_req: 0,
        }));
        fx
    }

    /// `c` in the info dialog of a remote file: ask the server for its checksum.
    pub(super) fn info_key(&mut self, mut v: InfoView, key: KeyPress) -> Vec<Effect> {
        match (&v.checksum, key.key) {
            (Some((path, row)), Key::Char('c')) if v.checksum_req == 0 => {
                let (path, row) = (path.clone(), *row);
                let req = self.req();
                v.checksum_req = req;
                if let Some(r) = v.rows.get_mut(row) {
                    r.1 = t("asking the server…").to_string();
                }
                self.dialog = Some(Dialog::Info(v));
                vec![Effect::Checksum { path, req }]
            }
            // Asked already: the answer is on its way.
            (Some(_), Key::Char('c')) => {
                self.dialog = Some(Dialog::Info(v));
                vec![]
            }
            // Any other key closes the facts.
            _ => vec![],
        }
    }

    /// The checksum for the info dialog arrived (if the dialog still waits for it).
    pub(super) fn checksum_arrived(
        &mut self,
        req: u64,
        result: Result<Option<(String, String)>, super::ErrorInfo>,
    ) {
        if let Some(Dialog::Info(v)) = &mut self.dialog
            && v.checksum_req == req
            && req != 0
            && let Some((_, row)) = v.checksum
        {
            let text = match result {
                Ok(Some((algo, digest))) => format!("{algo} {digest}"),
                Ok(None) => t("the server offers no checksum command").to_string(),
                Err(e) => tr!("cannot read it: {error}", error = e.message),
            };
            if let Some(r) = v.rows.get_mut(row) {
                r.1 = text;
            }
        }
    }

    /// The listing line for the info dialog arrived (if the dialog still waits for it).
    pub(super) fn listing_line(
        &mut self,
        req: u64,
        result: Result<Option<String>, super::ErrorInfo>,
    ) {
        if let Some(Dialog::Info(v)) = &mut self.dialog
            && v.waiting == req
            && req != 0
        {
            v.waiting = 0;
            let text = match result {
                Ok(Some(line)) => line,
                Ok(None) => t("(no longer in the listing)").to_string(),
                Err(e) => tr!("cannot read it: {error}", error = e.message),
            };
            if let Some(last) = v.rows.last_mut() {
                last.1 = text;
            }
        }
    }

    pub(super) fn dir_size(&mut self, side: Side) -> Vec<Effect> {
        if !self.ready(side) {
            return vec![];
        }
        let dir = self.pane(side).path.clone();
        let chosen: Vec<(String, EntryKind, u64)> = self
            .chosen(side)
            .iter()
            .map(|e| (e.name.clone(), e.kind, e.size))
            .collect();
        let mut fx = Vec::new();
        let (mut files, mut bytes) = (0usize, 0u64);
        for (name, kind, size) in chosen {
            if kind == EntryKind::Dir {
                let req = self.req();
                fx.push(Effect::Fs {
                    side,
                    op: FsOp::Size(vec![Target {
                        path: join_path(side, &dir, &name),
                        kind,
                    }]),
                    req,
                });
            } else {
                files += 1;
                bytes += size;
            }
        }
        if fx.is_empty() && files == 0 {
            // Nothing chosen (the cursor on `..`): the directory shown.
            let req = self.req();
            fx.push(Effect::Fs {
                side,
                op: FsOp::Size(vec![Target {
                    path: dir.clone(),
                    kind: EntryKind::Dir,
                }]),
                req,
            });
            self.set_status(tr!("Counting {n} directories…", n = 1), false);
        } else if fx.is_empty() {
            self.set_status(
                tr!(
                    "{size} in {files}",
                    size = human_size(bytes),
                    files = count_files(files)
                ),
                false,
            );
        } else {
            self.set_status(tr!("Counting {n} directories…", n = fx.len()), false);
        }
        fx
    }

    pub(super) fn copy_path(&mut self, side: Side) -> Vec<Effect> {
        let pane = self.pane(side);
        let Some(e) = pane.current() else {
            return vec![];
        };
        let path = if e.name == ".." {
            pane.path.clone()
        } else {
            join_path(side, &pane.path, &e.name)
        };
        let text = match (side, &self.url_base) {
            (Side::Remote, Some(base)) => format!("{base}{}", url_path(&path)),
            _ => path,
        };
        self.set_status(tr!("Copied {text}", text = text), false);
        vec![Effect::Clipboard(text)]
    }

    /// `%`: ask for a bandwidth limit for all transfers (the one in force to start with).
    pub(super) fn ask_rate_limit(&mut self) -> Vec<Effect> {
        let now = self
            .limit_rate
            .map(crate::format::human_size)
            .unwrap_or_default();
        self.prompt(
            self.focus,
            PromptFor::RateLimit,
            t("Bandwidth limit"),
            t("Per second, all transfers together (500K, 2M; empty: none):"),
            &now,
        );
        vec![]
    }

    /// A new bandwidth limit, from now on.
    pub(super) fn set_rate_limit(&mut self, rate: Option<u64>) -> Vec<Effect> {
        self.limit_rate = rate;
        self.set_status(
            match rate {
                Some(r) => tr!(
                    "Transfers limited to {rate}/s in all",
                    rate = crate::format::human_size(r)
                ),
                None => t("No bandwidth limit").to_string(),
            },
            false,
        );
        vec![Effect::Engine(crate::transfer::EngineCmd::SetRateLimit(
            rate,
        ))]
    }

    pub(super) fn run_op(&mut self, side: Side, op: FsOp) -> Vec<Effect> {
        let req = self.req();
        self.set_status(format!("{}…", capitalise(&op.describe(), self.lang)), false);
        vec![Effect::Fs { side, op, req }]
    }

    pub(super) fn prompt_key(&mut self, mut form: PromptForm, key: KeyPress) -> Vec<Effect> {
        match key.key {
            Key::Esc => vec![],
            Key::Enter => {
                let name = form.input.text.trim().to_string();
                if let Err(why) = self.check_new_name(form.side, &name, &form.purpose) {
                    form.error = Some(why);
                    self.dialog = Some(Dialog::Prompt(form));
                    return vec![];
                }
                let side = form.side;
                match form.purpose {
                    PromptFor::GoTo => return self.goto(side, &form.input.text),
                    PromptFor::SaveLog => {
                        let text = self.log_for_saving();
                        return vec![Effect::SaveLog { path: name, text }];
                    }
                    PromptFor::Glob(mark) => {
                        if let Err(why) = self.apply_glob(side, &form.input.text, mark) {
                            form.error = Some(why);
                            self.dialog = Some(Dialog::Prompt(form));
                        }
                        return vec![];
                    }
                    PromptFor::RateLimit => {
                        let rate = match name.as_str() {
                            "" | "0" => None,
                            r => match crate::transfer::rate::parse_rate(r) {
                                Ok(n) => Some(n),
                                Err(why) => {
                                    form.error = Some(why);
                                    self.dialog = Some(Dialog::Prompt(form));
                                    return vec![];
                                }
                            },
                        };
                        return self.set_rate_limit(rate);
                    }
                    _ => {}
                }
                let dir = self.pane(side).path.clone();
                let path = join_path(side, &dir, &name);
                // The cursor goes to the new name once the directory is read again.
                self.pane_mut(side).select = Some(name.clone());
                let op = match form.purpose {
                    PromptFor::Mkdir => FsOp::Mkdir(path),
                    PromptFor::NewFile => FsOp::Touch(path),
                    PromptFor::Rename(old) => FsOp::Rename {
                        from: join_path(side, &dir, &old),
                        to: path,
                    },
                    PromptFor::GoTo
                    | PromptFor::Glob(_)
                    | PromptFor::SaveLog
                    | PromptFor::RateLimit => return vec![],
                };
                self.run_op(side, op)
            }
            _ => {
                form.input.key(key);
                form.error = None;
                self.dialog = Some(Dialog::Prompt(form));
                vec![]
            }
        }
    }

    /// A name typed for a new or renamed entry: one safe component, not taken.
    fn check_new_name(&self, side: Side, name: &str, purpose: &PromptFor) -> Result<(), String> {
        if matches!(purpose, PromptFor::SaveLog) {
            return if name.is_empty() {
                Err(t("Type a file name (Esc cancels)").into())
            } else {
                Ok(())
            };
        }
        if matches!(
            purpose,
            PromptFor::GoTo | PromptFor::Glob(_) | PromptFor::RateLimit
        ) {
            return Ok(());
        }
        if name.is_empty() {
            return Err(t("Type a name (Esc cancels)").into());
        }
        if validate_name(name).is_err() {
            return Err(tr!(
                "{name} is not a usable name: no / or \\, no . or .., no control characters",
                name = format!("{name:?}")
            ));
        }
        if let PromptFor::Rename(old) = purpose
            && old == name
        {
            return Err(t("That is its name already").into());
        }
        if self.pane(side).entries.iter().any(|e| e.name == name) {
            return Err(tr!("{name} already exists here", name = name));
        }
        Ok(())
    }

    pub(super) fn confirm_key(&mut self, form: ConfirmForm, key: KeyPress) -> Vec<Effect> {
        match key.key {
            Key::Char('y') | Key::Char('Y') | Key::Enter => match form.then {
                Confirmed::Fs(op) => {
                    if let FsOp::Delete(_) = &op {
                        self.pane_mut(form.side).marked.clear();
                    }
                    self.run_op(form.side, op)
                }
                Confirmed::Upload(edit) => self.upload_edit(edit),
                Confirmed::Raw(line) => self.send_confirmed(line),
            },
            Key::Esc | Key::Char('n') | Key::Char('N') | Key::Char('q') => {
                match form.then {
                    Confirmed::Upload(edit) => self.set_status(
                        tr!(
                            "Not uploaded: your edit stays in {file} (not removed)",
                            file = edit.local
                        ),
                        false,
                    ),
                    Confirmed::Fs(_) | Confirmed::Raw(_) => self.set_status(t("Cancelled"), false),
                }
                vec![]
            }
            _ => {
                self.dialog = Some(Dialog::Confirm(form));
                vec![]
            }
        }
    }

    pub(super) fn chmod_key(&mut self, mut form: ChmodForm, key: KeyPress) -> Vec<Effect> {
        match form.key(key) {
            ChmodKey::Stay => {
                self.dialog = Some(Dialog::Chmod(form));
                vec![]
            }
            ChmodKey::Close => vec![],
            ChmodKey::Apply(mode) => self.run_op(
                form.side,
                FsOp::Chmod {
                    paths: form.paths,
                    mode,
                },
            ),
        }
    }

    /// A file operation finished: say how it went and show the result.
    pub(super) fn fs_done(&mut self, side: Side, op: FsOp, report: OpReport) -> Vec<Effect> {
        let what = capitalise(&op.describe(), self.lang);
        if let FsOp::Size(targets) = &op {
            if let Some(first) = targets.first() {
                let pane = self.pane_mut(side);
                if let Some(name) = super::last_component(side, &first.path)
                    && report.failed.is_empty()
                {
                    pane.dir_sizes.insert(name, report.bytes);
                }
            }
            let mut text = tr!(
                "{what}: {size} in {files}, {dirs}",
                what = what,
                size = human_size(report.bytes),
                files = count_files(report.done),
                dirs = count_dirs(report.dirs)
            );
            if !report.failed.is_empty() {
                text.push(' ');
                text.push_str(&tr!(
                    "({n} could not be read: {first})",
                    n = report.failed.len(),
                    first = report.failed[0].1
                ));
            }
            self.set_status(text, !report.failed.is_empty());
            return vec![];
        }
        match report.failed.as_slice() {
            [] => self.set_status(tr!("{what}: done", what = what), false),
            [(path, why)] => self.set_status(format!("{what}: {path}: {why}"), true),
            [(path, why), rest @ ..] => self.set_status(
                tr!(
                    "{what}: {done} done, {failed} failed; first: {path}: {why} (all in the log)",
                    what = what,
                    done = report.done,
                    failed = rest.len() + 1,
                    path = path,
                    why = why
                ),
                true,
            ),
        }
        for (path, why) in &report.failed {
            self.log.push(
                crate::ftp::LogEvent {
                    at: std::time::SystemTime::now(),
                    tag: if side == Side::Local {
                        "local"
                    } else {
                        "browse"
                    }
                    .into(),
                    kind: crate::ftp::LogKind::Error,
                    text: format!("{what}: {path}: {why}"),
                },
                self.lang,
            );
        }
        if !report.failed.is_empty() {
            self.pane_mut(side).select = None;
        }
        if !op.changes() {
            return vec![];
        }
        let path = self.pane(side).path.clone();
        vec![self.list(side, Nav::To(path))]
    }
}

/// A description at the start of a sentence: capitalised in English; in Chinese it starts
/// with a name (`small 的大小`), which stays as it is.
fn capitalise(s: &str, lang: crate::i18n::Lang) -> String {
    if lang != crate::i18n::Lang::En {
        return s.to_string();
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `1 file`, `3 files`.
fn count_files(n: usize) -> String {
    if n == 1 {
        t("1 file").to_string()
    } else {
        tr!("{n} files", n = n)
    }
}

/// `1 directory`, `3 directories`.
fn count_dirs(n: usize) -> String {
    if n == 1 {
        t("1 directory").to_string()
    } else {
        tr!("{n} directories", n = n)
    }
}

/// A remote path as it goes into a URL: each byte outside the unreserved set and `/`
/// percent-encoded, so spaces and non-ASCII names survive a paste.
fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_paths_are_percent_encoded() {
        assert_eq!(url_path("/pub/a b/数.txt"), "/pub/a%20b/%E6%95%B0.txt");
        assert_eq!(capitalise("delete x", crate::i18n::Lang::En), "Delete x");
        assert_eq!(
            capitalise("small 的大小", crate::i18n::Lang::Zh),
            "small 的大小",
            "a name is not capitalised"
        );
        assert_eq!(count_dirs(1), "1 directory");
        assert_eq!(count_files(2), "2 files");
    }
}
