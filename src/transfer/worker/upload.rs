//! An upload: the source opened safely, the on-exists policy against the far side's file, a
//! write at an offset or at the end to resume, the stream, the size check and the modification
//! time.

use super::*;

impl<C: Connect> Worker<C> {
    pub(super) async fn upload(&mut self, a: &Assignment) -> Result<Outcome, TransferError> {
        let spec = &a.job.spec;
        // ASCII mode: never resumed, never size-checked (see `download`).
        let ascii = a.job.mode.ascii_for(a.job.name());
        let policy = ascii_policy(a.policy, ascii);
        let src = local_path(&spec.src);
        // An entry of a listed directory is opened without following a link and must still be
        // a regular file: one swapped for a link (or a pipe) since the listing is skipped. A
        // file the user picked may be a link to one (`skiff put link` sends what it points to).
        let listed = a.job.parent.is_some();
        let mut file = match open_source(&src, listed) {
            Ok(f) => f,
            Err(e) if listed && e.raw_os_error() == Some(libc::ELOOP) => {
                return Ok(Outcome::Skipped(
                    "became a symbolic link after it was listed; not followed".into(),
                ));
            }
            Err(e) => return Err(local(format!("opening {}", src.display()))(e)),
        };
        let meta = file
            .metadata()
            .map_err(local(format!("reading {}", src.display())))?;
        if !meta.is_file() {
            return Ok(Outcome::Skipped(
                "not a regular file (changed since it was listed?)".into(),
            ));
        }
        let size = meta.len();
        let mtime = meta.modified().ok().map(unix_secs).or(spec.mtime);
        let mut dst = spec.dst.clone();
        let in_fresh_dir = a.job.attempts <= 1
            && a.job.done == 0
            && dst
                .rsplit_once('/')
                .is_some_and(|(dir, _)| self.fresh_dirs.lock().is_ok_and(|d| d.contains(dir)));
        let claims = self.claims.clone();
        let tap = self.tap.clone();
        let no_rename_over = self.no_rename_over;
        let session = self.session().await?;
        let caps = session.capabilities();
        // SIZE in binary: some servers refuse it in ASCII mode (vsftpd), which would look like
        // "no such file" to the on-exists policy.
        session.set_text_mode(false).await?;
        let remote_size = if in_fresh_dir {
            None
        } else {
            Remote::size(session, &dst).await?
        };
        let mut offset = 0;
        // Only this job's own earlier bytes are continued: a remote file that was there before
        // (shorter or not) is the on-exists policy's to decide. (`attempts` already counts this
        // attempt, and a failed attempt may never have reached STOR.)
        let resuming = a.job.done > 0 && !ascii;
        // A segmented upload's temporary file holds its ranges wherever they got: one stream
        // never continues it (the plan does, below).
        let ranges_file = a.job.part.as_deref().is_some_and(claims::is_segmented_name);
        // A temporary name first (see `UploadTemp`): not when the server refused to rename over
        // an existing file and one is there, nor when the policy continues the file there.
        let mut temp = a
            .job
            .part
            .as_deref()
            .map(|p| claims::sibling(&dst, p))
            .filter(|_| !(no_rename_over && remote_size.is_some()));
        if let Some(rsize) = remote_size {
            // Continued only while what is there can be this job's own bytes.
            if temp.is_none() && resuming && rsize < size && rsize <= a.job.done {
                offset = rsize;
            } else if temp.is_some() && resuming {
                // This job's own bytes are in the temporary file (below).
            } else if a.job.touched && temp.is_none() {
                // The file there is the one this job began (an earlier run, then a quit or a
                // failure before its bytes were counted): sent again, not asked about.
            } else if ascii && a.job.done > 0 {
                // This job's own interrupted text upload: sent again from the start.
            } else {
                let rtime = if policy == OnExists::Newer || policy == OnExists::Ask {
                    session.mtime(&dst).await
                } else {
                    None
                };
                let local_spec = JobSpec {
                    mtime,
                    size: Some(size),
                    ..spec.clone()
                };
                match decide(policy, &local_spec, rsize, rtime) {
                    Decision::Proceed => {}
                    Decision::Skip(why) => return Ok(Outcome::Skipped(why)),
                    Decision::Ask => {
                        return Ok(Outcome::Conflict {
                            dst_size: Some(rsize),
                            dst_mtime: rtime,
                        });
                    }
                    Decision::ResumeFrom => {
                        // The user's own partial file is continued where it is.
                        temp = None;
                        offset = rsize;
                    }
                    Decision::Rename => {
                        dst = free_remote_name(session, &claims, a.job.id, &dst)
                            .await?
                            .into();
                        a.note_rename(&dst);
                    }
                }
            }
        }
        if let Some(t) = &temp
            && resuming
            && !ranges_file
            && let Some(tsize) = Remote::size(session, t).await?
            && tsize < size
            && tsize <= a.job.done
        {
            offset = tsize;
        }
        // Where the bytes go: the temporary name, or the destination itself.
        let target = temp.clone().unwrap_or_else(|| dst.to_string());
        if let Some(seg) = &a.segmented {
            let go = !ascii && offset == 0 && temp.is_some() && spec.size == Some(size);
            match self
                .upload_segments(a, seg, &file, &target, size, go)
                .await?
            {
                Some(Outcome::Done) => {
                    return self
                        .complete_upload(a, temp.as_deref(), &dst, mtime, caps, &src)
                        .await;
                }
                Some(stopped) => return Ok(stopped),
                None => {}
            }
        }
        let session = self.session().await?;
        session.set_text_mode(ascii).await?;
        if temp.is_none() {
            // From here on a file under its name is this job's.
            a.touched.store(true, Ordering::Relaxed);
        }
        let mut stream = if offset > 0 {
            match session.open_write(&target, WriteAt::Offset(offset)).await {
                Ok(s) => s,
                Err(e) if e.is_unsupported() => {
                    tap.warn(format!("REST refused ({e}); appending with APPE"));
                    match session.open_write(&target, WriteAt::Append).await {
                        Ok(s) => s,
                        Err(e) if e.is_unsupported() => {
                            tap.warn(format!("APPE refused ({e}); uploading from 0"));
                            offset = 0;
                            session.open_write(&target, WriteAt::Start).await?
                        }
                        Err(e) => return Err(e.into()),
                    }
                }
                Err(e) => return Err(e.into()),
            }
        } else {
            session.open_write(&target, WriteAt::Start).await?
        };
        let mut digest = self.digester(caps, ascii);
        match digest.as_mut() {
            // A resumed upload's first bytes are in the digest too: read once more.
            Some(d) if offset > 0 => d
                .feed_prefix(&mut file, offset)
                .map_err(local(format!("reading {}", src.display())))?,
            _ => {
                file.seek(SeekFrom::Start(offset))
                    .map_err(local("seeking the source"))?;
            }
        }
        a.progress.store(offset, Ordering::Relaxed);
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(CHUNK, 0);
        let mut done = offset;
        let mut to_crlf = crate::transfer::ascii::ToCrlf::default();
        let mut text: Vec<u8> = Vec::new();
        let r = loop {
            if let Some(stop) = Self::check(a) {
                break Err(stop);
            }
            let n = match file.read(&mut buf) {
                Ok(n) => n,
                Err(e) => break Ok(Err(local(format!("reading {}", src.display()))(e))),
            };
            if n == 0 {
                break Ok(Ok(()));
            }
            if let Some(d) = digest.as_mut() {
                d.feed(&buf[..n]);
            }
            let out: &[u8] = if ascii {
                if done == 0 && crate::transfer::ascii::looks_binary(&buf[..n]) {
                    self.tap.warn(wrong_mode(&spec.src));
                }
                text.clear();
                to_crlf.convert(&buf[..n], &mut text);
                &text
            } else {
                &buf[..n]
            };
            match tokio::time::timeout(self.stall, stream.write_all(out)).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => break Ok(Err(TransferError::Data(e))),
                Err(_) => {
                    break Ok(Err(TransferError::Stalled {
                        after: self.stall,
                        what: "sending data (stalled)",
                    }));
                }
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
                    Stop::Cancel => Outcome::Cancelled,
                });
            }
        }
        let session = self.session().await?;
        session.finish(stream).await?;
        // The 226/250 says the server has it all. The size is checked too where a mistake is
        // plausible and the check is cheap next to the transfer: a file of 1 MiB or more, a
        // resumed upload, a retry, a move (whose source is deleted next). For a tree of small
        // files that extra round trip per file cost 5–10 % of the run (BENCHMARKS.md).
        // A file about to be renamed to its name is always checked first.
        let verify = !ascii
            && (size >= VERIFY_UPLOADS_FROM
                || offset > 0
                || a.job.attempts > 1
                || spec.is_move
                || temp.is_some());
        if verify
            && let Some(got) = Remote::size(session, &target).await?
            && got != size
        {
            return Err(TransferError::Verify {
                expected: size,
                got,
            });
        }
        if let Some(d) = digest {
            match compare_digest(session, &target, d, a.job.attempts, None).await {
                Ok(true) => {}
                Ok(false) => tap.info(format!(
                    "{dst}: the server gave no checksum; checked by size only"
                )),
                Err(e) => {
                    // The next attempt starts from zero, not from what is there.
                    let _ = FileSystem::remove_file(session, &target).await;
                    return Err(e);
                }
            }
        }
        self.complete_upload(a, temp.as_deref(), &dst, mtime, caps, &src)
            .await
    }

    /// The last steps of an upload that is in and checked: the temporary file renamed to its
    /// name, the modification time, and for a move the local file's deletion.
    pub(super) async fn complete_upload(
        &mut self,
        a: &Assignment,
        temp: Option<&str>,
        dst: &str,
        mtime: Option<i64>,
        caps: crate::fs::Capabilities,
        src: &Path,
    ) -> Result<Outcome, TransferError> {
        let tap = self.tap.clone();
        if let Some(t) = temp {
            self.rename_into_place(t, dst, &tap).await?;
        }
        let session = self.session().await?;
        if let Some(m) = mtime
            && caps.set_mtime
            && let Err(e) = session.set_mtime(dst, m).await
        {
            self.tap
                .warn(format!("could not set the modification time: {e}"));
        }
        if a.job.spec.is_move {
            std::fs::remove_file(src).map_err(local(format!(
                "copied, but deleting {} failed",
                src.display()
            )))?;
        }
        Ok(Outcome::Done)
    }
}
