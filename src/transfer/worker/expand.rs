//! A directory job: list it (remote or local), check the walk may go in (`fs::walk`), make the
//! destination directory, and hand the entries to the engine in compact form.

use super::*;

impl<C: Connect> Worker<C> {
    pub(super) async fn expand_remote(&mut self, a: &Assignment) -> Result<Outcome, TransferError> {
        let spec = &a.job.spec;
        let session = self.session().await?;
        let mut sink = ChildSink::default();
        let pwd = session.list_into(&spec.src, &mut sink).await?;
        let mark = DirMark {
            path: pwd,
            id: sink.digest.finish(),
        };
        let above = a.job.above.as_deref().unwrap_or(&[]);
        let expect = above.last().map(|p| remote_join(&p.path, a.job.name()));
        if let Some(skip) = self.stray(a, expect.as_deref(), &mark, above) {
            return Ok(skip);
        }
        let dst = local_path(&spec.dst);
        match std::fs::symlink_metadata(&dst) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                return Err(TransferError::Refused(format!(
                    "{} exists and is not a directory",
                    dst.display()
                )));
            }
            Err(_) => {
                std::fs::create_dir(&dst).map_err(local(format!("creating {}", dst.display())))?
            }
        }
        let ChildSink {
            mut children,
            skipped,
            ..
        } = sink;
        children.sort();
        Ok(Outcome::Expanded {
            src_base: spec.src.to_string(),
            children,
            skipped,
            mark,
        })
    }

    /// A directory the walk must leave alone (see `fs::walk::check`): skipped, with the
    /// reason in the log and on its row; the rest of the tree goes on.
    pub(super) fn stray(
        &self,
        a: &Assignment,
        expect: Option<&str>,
        mark: &DirMark,
        above: &[DirMark],
    ) -> Option<Outcome> {
        let why = walk::check(expect, mark, above.len(), above).err()?;
        self.tap.warn(format!("{}: {why}", a.job.spec.src));
        Some(Outcome::Skipped(why))
    }

    pub(super) async fn expand_local(&mut self, a: &Assignment) -> Result<Outcome, TransferError> {
        let spec = &a.job.spec;
        let src = local_path(&spec.src);
        let (listing, mark) = tokio::task::spawn_blocking(move || {
            let listing = crate::fs::local::read_dir_blocking(&src)?;
            let mark = walk::local_mark(&local_path(&listing.path), listing.path.clone())?;
            Ok::<_, io::Error>((listing, mark))
        })
        .await
        .map_err(|e| TransferError::Refused(e.to_string()))?
        .map_err(local(format!("reading {}", spec.src)))?;
        let above = a.job.above.as_deref().unwrap_or(&[]);
        let expect = above.last().map(|p| {
            crate::names::from_os(
                local_path(&p.path)
                    .join(local_path(a.job.name()))
                    .as_os_str(),
            )
        });
        if let Some(skip) = self.stray(a, expect.as_deref(), &mark, above) {
            return Ok(skip);
        }
        let session = self.session().await?;
        match FileSystem::mkdir(session, &spec.dst).await {
            Ok(()) => {
                if let Ok(mut d) = self.fresh_dirs.lock() {
                    d.insert(spec.dst.trim_end_matches('/').to_string());
                }
            }
            Err(e) => {
                // A refusal (FTP's 550) is also what a directory that exists gets: check by
                // entering it. ("Not now" is not checked: the job is tried again.)
                if !e.is_transient() && session.enter(&spec.dst).await.is_ok() {
                    // It exists; fine.
                } else {
                    return Err(TransferError::Remote(e));
                }
            }
        }
        let mut sink = ChildSink::default();
        for e in listing.entries {
            if e.name.contains(['\r', '\n']) || validate_name(&e.name).is_err() {
                sink.skipped
                    .push((e.name, "name cannot be sent over FTP".into()));
                continue;
            }
            sink.entry(e);
        }
        let ChildSink {
            mut children,
            skipped,
            ..
        } = sink;
        children.sort();
        Ok(Outcome::Expanded {
            src_base: listing.path,
            children,
            skipped,
            mark,
        })
    }
}

/// A directory's entries as they arrive, straight into the compact form the engine keeps;
/// what will not be copied is set aside with the reason.
#[derive(Default)]
struct ChildSink {
    children: Children,
    skipped: Vec<(String, String)>,
    /// Every entry listed, copied or not (what tells this directory apart, see `fs::walk`).
    digest: ListingDigest,
}

impl ListSink for ChildSink {
    fn start(&mut self) {
        *self = ChildSink::default();
    }

    fn entry(&mut self, e: Entry) {
        self.digest.add(&e);
        let kind = match e.kind {
            _ if validate_name(&e.name).is_err() => {
                self.skipped.push((e.name, "unsafe name".into()));
                return;
            }
            EntryKind::File => JobKind::File,
            EntryKind::Dir => JobKind::Dir,
            EntryKind::Symlink => {
                self.skipped
                    .push((e.name, "symbolic link (not followed)".into()));
                return;
            }
            EntryKind::Other => {
                self.skipped.push((e.name, "not a regular file".into()));
                return;
            }
        };
        let size = (kind == JobKind::File).then_some(e.size);
        self.children.push(&e.name, kind, size, e.mtime);
    }
}
