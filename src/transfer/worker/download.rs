//! A download: the on-exists policy, the temporary file (resumed at its length when it is the
//! job's own), the stream, the size check, the modification time and the rename.

use super::*;

impl<C: Connect> Worker<C> {
    // Local files are read and written with `std::fs` on the worker's own thread: a write of
    // one block into the page cache takes microseconds, while a trip through tokio's blocking
    // pool per block (what `tokio::fs` does) cost a 1 GiB download ~16,000 context switches
    // and a tree of small files ~80 futex calls per file (BENCHMARKS.md).
    pub(super) async fn download(&mut self, a: &Assignment) -> Result<Outcome, TransferError> {
        let spec = &a.job.spec;
        // ASCII mode: line ends converted, so offsets and sizes differ on both sides: never
        // resumed, never size-checked.
        let ascii = a.job.mode.ascii_for(a.job.name());
        let policy = ascii_policy(a.policy, ascii);
        let mut dst = local_path(&spec.dst);
        // The destination already there (not a .part of ours): apply the policy.
        if let Ok(meta) = std::fs::symlink_metadata(&dst) {
            let dst_size = meta.len();
            let dst_mtime = meta.modified().ok().map(unix_secs);
            if meta.is_dir() || meta.file_type().is_symlink() {
                return Ok(Outcome::Failed(TransferError::Refused(format!(
                    "{} exists and is not a regular file",
                    dst.display()
                ))));
            }
            match decide(policy, spec, dst_size, dst_mtime) {
                Decision::Proceed => {}
                Decision::Skip(why) => return Ok(Outcome::Skipped(why)),
                Decision::Ask => {
                    return Ok(Outcome::Conflict {
                        dst_size: Some(dst_size),
                        dst_mtime,
                    });
                }
                Decision::ResumeFrom => {
                    // Continue the existing file as if it were our .part.
                    let part = part_path(&a.job);
                    std::fs::rename(&dst, &part).map_err(local("resuming the existing file"))?;
                    self.put_back = Some((part, dst.clone()));
                }
                Decision::Rename => {
                    let to = self.free_local_name(a.job.id, &spec.dst)?;
                    dst = local_path(&to);
                    a.note_rename(&to);
                }
            }
        }
        if let Some(seg) = &a.segmented
            && let Some(outcome) = self.download_segments(a, seg, &dst).await?
        {
            return Ok(outcome);
        }
        let part = part_path(&a.job);
        // Never write through a link: a planted `NAME.part` symlink could point anywhere.
        let part_meta = std::fs::symlink_metadata(&part);
        let part_existed = part_meta.is_ok();
        let mut offset = match part_meta {
            Ok(m) if m.is_file() => m.len(),
            Ok(_) => {
                return Err(TransferError::Refused(format!(
                    "{} exists and is not a regular file",
                    part.display()
                )));
            }
            Err(_) => 0,
        };
        if spec.size.is_some_and(|s| offset > s) || ascii {
            offset = 0;
        }
        // A .part this job did not write (another program's, a download of an older version
        // of the file) is continued only when the policy says resume. The job's own: it has
        // bytes in place, or an earlier attempt ran (before a crash the saved queue may not
        // have caught up with its progress).
        let own = a.job.done > 0
            || a.job.attempts > 1
            || policy == OnExists::Resume
            || self.put_back.is_some();
        // A segmented download's file holds its ranges wherever they got: its length says
        // nothing about what is in place, so one stream never continues it.
        let ranges =
            a.job.part.as_deref().is_some_and(claims::is_segmented_name) && self.put_back.is_none();
        if offset > 0 && ranges {
            offset = 0;
        }
        if offset > 0 && !own {
            self.tap.info(format!(
                "{} was not written by this transfer: starting from the beginning",
                part.display()
            ));
            offset = 0;
        }
        // The stream first: a refused download must not leave a .part behind.
        let tap = self.tap.clone();
        let session = self.session().await?;
        // Also back to binary after an ASCII job that failed half-way on this connection.
        session.set_text_mode(ascii).await?;
        let caps = session.capabilities();
        let mut stream = match session.open_read(&spec.src, offset).await {
            Ok(s) => s,
            Err(e) if offset > 0 && e.is_unsupported() => {
                tap.warn(format!(
                    "REST refused ({e}); restarting {} from 0",
                    spec.src
                ));
                offset = 0;
                session.open_read(&spec.src, 0).await?
            }
            Err(e) => return Err(e.into()),
        };
        let mut digest = self.digester(caps, ascii);
        let early = digest
            .as_ref()
            .filter(|_| spec.size.is_some_and(|s| s >= EARLY_HASH_FROM))
            .map(|d| self.early_digest(&spec.src, d.algo));
        let mut file = open_part(&part, !part_existed)
            .map_err(local(format!("opening {}", part.display())))?;
        if part_existed {
            file.set_len(offset)
                .map_err(local("preparing the .part file"))?;
            file.seek(SeekFrom::Start(offset))
                .map_err(local("seeking the .part file"))?;
        }
        // A resumed file's first bytes are in the digest too: read back once.
        if let Some(d) = digest.as_mut()
            && offset > 0
        {
            d.feed_prefix(&mut file, offset)
                .map_err(local("reading the .part file back to verify it"))?;
        }
        a.progress.store(offset, Ordering::Relaxed);
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(CHUNK, 0);
        let mut done = offset;
        let mut to_lf = crate::transfer::ascii::ToLf::default();
        let mut text: Vec<u8> = Vec::new();
        let r = loop {
            if let Some(stop) = Self::check(a) {
                break Err(stop);
            }
            let n = match tokio::time::timeout(self.stall, stream.read(&mut buf)).await {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => break Ok(Err(TransferError::Data(e))),
                Err(_) => {
                    break Ok(Err(TransferError::Stalled {
                        after: self.stall,
                        what: "receiving data (stalled)",
                    }));
                }
            };
            if n == 0 {
                if ascii {
                    text.clear();
                    to_lf.finish(&mut text);
                    if let Err(e) = file.write_all(&text) {
                        break Ok(Err(local(format!("writing {}", part.display()))(e)));
                    }
                }
                break Ok(Ok(()));
            }
            let written = if ascii {
                if done == 0 && crate::transfer::ascii::looks_binary(&buf[..n]) {
                    self.tap.warn(wrong_mode(&spec.src));
                }
                text.clear();
                to_lf.convert(&buf[..n], &mut text);
                file.write_all(&text)
            } else {
                if let Some(d) = digest.as_mut() {
                    d.feed(&buf[..n]);
                }
                file.write_all(&buf[..n])
            };
            if let Err(e) = written {
                break Ok(Err(local(format!("writing {}", part.display()))(e)));
            }
            done += n as u64;
            a.progress.store(done, Ordering::Relaxed);
            Self::pace(&self.limit, n).await;
        };
        self.buf = buf;
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            Err(stop) => {
                drop(stream);
                self.drop_session();
                return Ok(match stop {
                    Stop::Pause => Outcome::Paused,
                    Stop::Cancel => {
                        drop(file);
                        // The user's own file (resumed) goes back in `run`; only ours goes.
                        if self.put_back.is_none() {
                            let _ = std::fs::remove_file(&part);
                        }
                        Outcome::Cancelled
                    }
                });
            }
        }
        // Nothing after the final reply needs the connection (no checksum, no size to ask,
        // no source to delete): the next download can be asked for with the end of this one.
        if !ascii && digest.is_none() && !spec.is_move && spec.size.is_some() {
            self.hint_next().await;
        }
        let session = self.session().await?;
        session.finish(stream).await?;
        // The final reply came; now the size must be right before the name is (in ASCII
        // mode the sizes differ by design).
        let expected = match spec.size {
            _ if ascii => None,
            Some(s) => Some(s),
            None => Remote::size(session, &spec.src).await.unwrap_or(None),
        };
        let got = file
            .metadata()
            .map_err(local("checking the .part file"))?
            .len();
        if let Some(expected) = expected
            && got != expected
        {
            return Err(TransferError::Verify { expected, got });
        }
        self.complete_download(a, file, &part, &dst, digest, early)
            .await
    }

    /// The last steps of a download whose size is right: the server's checksum (with
    /// `--verify`; a mismatch removes the temporary file, so the next attempt starts from
    /// zero), the modification time, the name, and for a move the source's deletion.
    pub(super) async fn complete_download(
        &mut self,
        a: &Assignment,
        file: std::fs::File,
        part: &Path,
        dst: &Path,
        digest: Option<Digester>,
        early: Option<EarlyDigest>,
    ) -> Result<Outcome, TransferError> {
        let spec = &a.job.spec;
        if let Some(d) = digest {
            let attempts = a.job.attempts;
            let session = self.session().await?;
            match compare_digest(session, &spec.src, d, attempts, early).await {
                Ok(true) => {}
                Ok(false) => self.tap.info(format!(
                    "{}: the server gave no checksum; checked by size only",
                    spec.src
                )),
                Err(e) => {
                    // Not a byte of it is to be trusted: the next attempt starts from zero.
                    drop(file);
                    let _ = std::fs::remove_file(part);
                    self.put_back = None;
                    return Err(e);
                }
            }
        }
        if let Some(mtime) = spec.mtime {
            let t = UNIX_EPOCH + Duration::from_secs(mtime.max(0) as u64);
            // A time we cannot set is not worth failing a complete download for.
            let _ = file.set_modified(t);
        }
        drop(file);
        std::fs::rename(part, dst).map_err(local(format!("renaming to {}", dst.display())))?;
        self.put_back = None;
        if spec.is_move {
            let session = self.session().await?;
            FileSystem::remove_file(session, &spec.src)
                .await
                .map_err(|e| {
                    TransferError::Refused(format!("copied, but deleting the source failed: {e}"))
                })?;
        }
        Ok(Outcome::Done)
    }
}
