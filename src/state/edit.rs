//! Editing a file in `$VISUAL`/`$EDITOR` (`e`): local files in place; a remote file is fetched
//! into a private temporary directory, edited there and, when it changed, uploaded back after a
//! confirmation that warns when the server's copy changed in the meantime.

use super::action::{Effect, Side};
use super::dialog::{ConfirmForm, Confirmed, Dialog};
use super::{State, join_path};
use crate::i18n::t;
use crate::tr;
use crate::transfer::{Direction, JobKind, JobSpec, OnExists};

/// A remote file being edited through a local copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEdit {
    /// The remote path.
    pub path: String,
    /// The local copy (in a private temporary directory of its own).
    pub local: String,
    /// Size and time in the listing when it was opened.
    pub size: u64,
    pub mtime: Option<i64>,
}

impl State {
    /// `e`: edit the file under the cursor.
    pub(super) fn start_edit(&mut self, side: Side) -> Vec<Effect> {
        let Some(e) = self.current_file(side) else {
            return vec![];
        };
        let (name, size, mtime) = (e.name.clone(), e.size, e.mtime);
        let path = join_path(side, &self.pane(side).path, &name);
        match side {
            Side::Local => vec![Effect::Edit {
                file: path,
                remote: None,
            }],
            Side::Remote => {
                if !matches!(self.conn, super::Conn::Connected { .. }) {
                    return self.not_connected();
                }
                let req = self.req();
                self.editing = Some((
                    req,
                    RemoteEdit {
                        path: path.clone(),
                        local: String::new(),
                        size,
                        mtime,
                    },
                ));
                self.set_status(tr!("Fetching {path} for editing…", path = path), false);
                vec![Effect::FetchForEdit { path, name, req }]
            }
        }
    }

    /// The remote file is in its temporary copy: open the editor on it.
    pub(super) fn fetched_for_edit(
        &mut self,
        req: u64,
        result: Result<String, super::ErrorInfo>,
    ) -> Vec<Effect> {
        let Some((r, mut edit)) = self.editing.take() else {
            return vec![];
        };
        if r != req {
            self.editing = Some((r, edit));
            return vec![];
        }
        match result {
            Ok(local) => {
                edit.local = local.clone();
                vec![Effect::Edit {
                    file: local,
                    remote: Some(edit),
                }]
            }
            Err(e) => {
                self.show_error(t("Cannot edit"), &e);
                vec![]
            }
        }
    }

    /// The editor exited.
    pub(super) fn edited(
        &mut self,
        file: String,
        remote: Option<RemoteEdit>,
        changed: Result<bool, String>,
    ) -> Vec<Effect> {
        let changed = match changed {
            Ok(c) => c,
            Err(e) => {
                self.set_status(tr!("Editor: {error}", error = e), true);
                return vec![];
            }
        };
        match remote {
            None => {
                self.set_status(
                    if changed {
                        tr!("Edited {file}", file = file)
                    } else {
                        tr!("{file} unchanged", file = file)
                    },
                    false,
                );
                let path = self.local.path.clone();
                vec![self.list(Side::Local, super::Nav::To(path))]
            }
            Some(edit) if !changed => {
                self.set_status(
                    tr!("{file} unchanged: nothing uploaded", file = edit.path),
                    false,
                );
                vec![Effect::RemoveTemp(edit.local)]
            }
            Some(edit) => {
                // Has the server's copy changed meanwhile? Ask it before offering the upload.
                let req = self.req();
                self.editing = Some((req, edit.clone()));
                vec![Effect::StatRemote {
                    path: edit.path,
                    req,
                }]
            }
        }
    }

    /// What the server says of the file now: offer the upload, with a warning if it changed.
    pub(super) fn remote_stat(
        &mut self,
        req: u64,
        now: Result<Option<(u64, Option<i64>)>, super::ErrorInfo>,
    ) -> Vec<Effect> {
        let Some((r, edit)) = self.editing.take() else {
            return vec![];
        };
        if r != req {
            self.editing = Some((r, edit));
            return vec![];
        }
        let mut lines = vec![
            format!("  {}", edit.path),
            format!("  {}", tr!("from {file}", file = edit.local)),
            String::new(),
        ];
        let unchanged =
            matches!(now, Ok(Some((size, mtime))) if size == edit.size && mtime == edit.mtime);
        if unchanged && !self.confirm.upload_edited {
            return self.upload_edit(edit);
        }
        match now {
            Ok(Some((size, mtime))) if size != edit.size || mtime != edit.mtime => {
                lines.push(t("WARNING: the file on the server changed since you opened it").into());
                lines.push(format!(
                    "  {}",
                    tr!(
                        "then {size} bytes, {time}; now {now_size} bytes, {now_time}",
                        size = edit.size,
                        time = edit
                            .mtime
                            .map(crate::format::local_time)
                            .unwrap_or_default(),
                        now_size = size,
                        now_time = mtime.map(crate::format::local_time).unwrap_or_default()
                    )
                ));
                lines.push(format!("  {}", t("Uploading replaces what changed there.")));
            }
            Ok(Some(_)) => {
                lines.push(t("The server's copy is as it was when you opened it.").into())
            }
            Ok(None) => lines.push(t("WARNING: the file is no longer on the server").into()),
            Err(e) => lines.push(tr!(
                "Could not check the server's copy: {error}",
                error = e.message
            )),
        }
        self.dialog = Some(Dialog::Confirm(ConfirmForm {
            side: Side::Remote,
            title: t("Upload the changed file?").into(),
            lines,
            then: Confirmed::Upload(edit),
        }));
        vec![]
    }

    /// Queue the upload of an edited copy; the copy is removed once it is done.
    pub(super) fn upload_edit(&mut self, edit: RemoteEdit) -> Vec<Effect> {
        self.edit_uploads.insert(edit.local.clone());
        self.queue.visible = true;
        self.set_status(
            tr!("Uploading your edit of {file}", file = edit.path),
            false,
        );
        let spec = JobSpec {
            direction: Direction::Upload,
            kind: JobKind::File,
            src: edit.local.into(),
            dst: edit.path.into(),
            size: None,
            mtime: None,
            is_move: false,
        };
        vec![self.upload_once_sized(spec, Some(OnExists::Overwrite))]
    }

    /// Queue the upload of one local file once the runner says how big it is (the reducer
    /// reads no disk): the effect that asks.
    pub(super) fn upload_once_sized(&mut self, spec: JobSpec, policy: Option<OnExists>) -> Effect {
        let req = self.req();
        let path = spec.src.to_string();
        self.uploads_to_size.insert(req, (spec, policy));
        Effect::StatLocal { path, req }
    }

    /// The size of an upload's source: queue it.
    pub(super) fn local_stat(&mut self, req: u64, size: Option<u64>) -> Vec<Effect> {
        let Some((mut spec, policy)) = self.uploads_to_size.remove(&req) else {
            return vec![];
        };
        spec.size = size;
        let specs = vec![spec];
        vec![Effect::Engine(match policy {
            Some(policy) => crate::transfer::EngineCmd::EnqueueWith { specs, policy },
            None => crate::transfer::EngineCmd::Enqueue(specs),
        })]
    }

    /// An upload of an edited copy finished well: the copy can go.
    pub(super) fn edit_upload_done(&mut self, src: &str) -> Option<Effect> {
        self.edit_uploads
            .remove(src)
            .then(|| Effect::RemoveTemp(src.to_string()))
    }
}
