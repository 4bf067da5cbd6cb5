//! A segmented download (see `transfer::segments`): the worker that runs the job leads (checks
//! the temporary file against the plan, opens it, reads ranges itself, and finishes the file
//! once every range is in); workers the engine lends to the job help, one range each, on the
//! connections they already have.

use super::*;
use crate::transfer::segments::{self, Open, Segmented, Taken};

/// Why reading a range stopped before its end.
pub(super) enum Halt {
    /// Paused or cancelled.
    Stop(Stop),
    /// The job ended meanwhile (its lead failed or stopped): the range waits for the next run.
    Closed,
    /// No connection could be made (the server may refuse more per user).
    Connect(TransferError),
    /// The server would not write a range of the file at an offset (an upload).
    Refused(TransferError),
    Failed(TransferError),
}

impl From<TransferError> for Halt {
    fn from(e: TransferError) -> Halt {
        Halt::Failed(e)
    }
}

impl From<FsError> for Halt {
    fn from(e: FsError) -> Halt {
        Halt::Failed(e.into())
    }
}

/// How a range's reading ended well.
enum End {
    /// At the end of the file: the transfer's reply says whether the server sent it all.
    Eof,
    /// At the end of the range, before the end of the file: the stream is cut.
    Cut,
}

/// Write all of `buf` at `at` in `file`, whatever its position (the ranges share the file).
fn write_all_at(file: &std::fs::File, buf: &[u8], at: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.write_all_at(buf, at)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let (mut buf, mut at) = (buf, at);
        while !buf.is_empty() {
            let n = file.seek_write(buf, at)?;
            if n == 0 {
                return Err(io::Error::from(io::ErrorKind::WriteZero));
            }
            buf = &buf[n..];
            at += n as u64;
        }
        Ok(())
    }
}

impl<C: Connect> Worker<C> {
    /// Lead a segmented download to `dst` (the on-exists policy has been applied). `None`: not
    /// segmented after all (the far side cannot start at an offset, the size is unknown), for
    /// the caller to move the file in one stream; nothing was written then.
    pub(super) async fn download_segments(
        &mut self,
        a: &Assignment,
        seg: &Arc<Segmented>,
        dst: &Path,
    ) -> Result<Option<Outcome>, TransferError> {
        let r = self.lead(a, seg, dst).await;
        // However it ended, no helper is still writing once this returns.
        seg.close();
        seg.helpers_gone().await;
        r
    }

    async fn lead(
        &mut self,
        a: &Assignment,
        seg: &Arc<Segmented>,
        dst: &Path,
    ) -> Result<Option<Outcome>, TransferError> {
        let spec = &a.job.spec;
        let Some(size) = spec.size else {
            seg.replan(Vec::new());
            return Ok(None);
        };
        let tap = self.tap.clone();
        let session = self.session().await?;
        session.set_text_mode(false).await?;
        let caps = session.capabilities();
        if !caps.offsets {
            tap.info(format!(
                "{}: the server does not say it can start a download at an offset (no REST \
                 STREAM in FEAT): one connection",
                spec.src
            ));
            seg.replan(Vec::new());
            return Ok(None);
        }
        let part = part_path(&a.job);
        let meta = std::fs::symlink_metadata(&part);
        if meta.as_ref().is_ok_and(|m| !m.is_file()) {
            return Err(TransferError::Refused(format!(
                "{} exists and is not a regular file",
                part.display()
            )));
        }
        let len = meta.map_or(0, |m| m.len());
        if self.put_back.is_some() {
            // The user's own file, resumed: one stream continues it, so that whatever happens it
            // goes back under its name whole up to its length, never with holes.
            seg.replan(Vec::new());
            return Ok(None);
        }
        {
            let plan = seg.plan();
            if !segments::valid(&plan, size) || len < segments::extent(&plan) {
                if segments::bytes_done(&plan) > 0 {
                    tap.info(format!(
                        "{} is not what this transfer left (shorter, or another size): \
                         starting every range over",
                        part.display()
                    ));
                }
                seg.replan(segments::whole(size));
            }
        }
        let file = open_part(&part, false).map_err(local(format!("opening {}", part.display())))?;
        let mut mine = file
            .try_clone()
            .map_err(local(format!("opening {}", part.display())))?;
        let digest = self.digester(caps, false);
        let early = digest
            .as_ref()
            .filter(|_| size >= EARLY_HASH_FROM)
            .map(|d| self.early_digest(&spec.src, d.algo));
        seg.open(Open {
            file,
            src: spec.src.clone(),
            size,
            upload: false,
        });
        let Some(open) = seg.opened().await else {
            return Err(TransferError::Refused("the download was closed".into()));
        };
        // The lead reads ranges too, until every byte is in; it waits only while the helpers
        // read the last ranges (too short to split). A range whose connection broke is taken
        // up again on a new one (a few times; then the job fails, to be retried later).
        let mut broke = 0;
        let stopped = loop {
            if let Some(stop) = Self::check(a) {
                break Some(stop);
            }
            let changed = seg.notified();
            match seg.take() {
                Some(t) => {
                    let r = self.read_range(seg, &open, t).await;
                    seg.release(t);
                    match r {
                        Ok(()) => {}
                        Err(Halt::Stop(stop)) => break Some(stop),
                        Err(Halt::Closed) => break None,
                        Err(Halt::Failed(e)) if e.is_transient() && broke < 3 => {
                            broke += 1;
                            tap.warn(format!(
                                "{}: the range from byte {} stopped ({e}); going on with it \
                                 on a new connection",
                                spec.src, t.0
                            ));
                        }
                        Err(Halt::Connect(e) | Halt::Failed(e) | Halt::Refused(e)) => {
                            return Err(e);
                        }
                    }
                }
                None if seg.all_done() => break None,
                None => {
                    let _ = tokio::time::timeout(Duration::from_millis(250), changed).await;
                }
            }
        };
        drop(open);
        seg.close();
        seg.helpers_gone().await;
        if let Some(stop) = stopped {
            return Ok(Some(match stop {
                Stop::Pause => Outcome::Paused,
                Stop::Cancel => {
                    drop(mine);
                    if self.put_back.is_none() {
                        let _ = std::fs::remove_file(&part);
                    }
                    Outcome::Cancelled
                }
            }));
        }
        if !seg.all_done() {
            return Err(TransferError::Refused("the download was closed".into()));
        }
        // Every range is in: the file is `size` bytes (a longer one left by an earlier run of
        // another size is cut to it).
        let got = mine
            .metadata()
            .map_err(local("checking the .part file"))?
            .len();
        if got > size {
            mine.set_len(size)
                .map_err(local("preparing the .part file"))?;
        } else if got < size {
            return Err(TransferError::Verify {
                expected: size,
                got,
            });
        }
        let mut digest = digest;
        if let Some(d) = digest.as_mut() {
            // The ranges came in any order: the digest reads the finished file once.
            d.feed_prefix(&mut mine, size)
                .map_err(local("reading the .part file back to verify it"))?;
        }
        let r = self
            .complete_download(a, mine, &part, dst, digest, early)
            .await;
        if matches!(r, Err(TransferError::Checksum { .. })) {
            // The file is gone: every range starts over.
            seg.replan(segments::whole(size));
        }
        r.map(Some)
    }

    /// Help a segmented download the engine lent this worker to: read one range on this
    /// worker's connection, then go back to the pool (the engine lends it again while the job
    /// wants more connections and nothing else is queued).
    pub async fn help(&mut self, seg: Arc<Segmented>) {
        self.forget_if_idle().await;
        self.help_once(seg).await;
        self.last_used = std::time::Instant::now();
    }

    async fn help_once(&mut self, seg: Arc<Segmented>) {
        if let Some(open) = seg.opened().await
            && let Some(t) = seg.take()
        {
            let r = if open.upload {
                self.write_range(&seg, &open, t, None).await
            } else {
                self.read_range(&seg, &open, t).await
            };
            match r {
                Ok(()) | Err(Halt::Stop(_) | Halt::Closed) => {}
                Err(Halt::Refused(e)) => {
                    seg.refuse_ranges(e.to_string());
                    self.tap.warn(format!(
                        "{}: the server would not write a range of the file ({e}): it goes \
                         in one stream",
                        open.src
                    ));
                }
                Err(Halt::Connect(e)) => {
                    seg.refuse();
                    self.tap.info(format!(
                        "no more connections for {} ({e}): going on with those there are",
                        open.src
                    ));
                }
                Err(Halt::Failed(e)) => self.tap.warn(format!(
                    "{}: the range from byte {} stopped ({e}); another connection goes on \
                     with it",
                    open.src, t.0
                )),
            }
            seg.release(t);
        }
        seg.leave();
    }

    /// Read range `t` from where it got to its end (which another connection may move down
    /// meanwhile, taking the rest), writing each block at its offset.
    async fn read_range(&mut self, seg: &Segmented, open: &Open, t: Taken) -> Result<(), Halt> {
        let Some(r) = seg.range(t) else {
            return Ok(());
        };
        if r.left() == 0 {
            return Ok(());
        }
        if let Some(stop) = Self::check_segmented(seg) {
            return Err(stop);
        }
        let session = self.session().await.map_err(Halt::Connect)?;
        session.set_text_mode(false).await?;
        let mut stream = session.open_read(&open.src, r.next()).await?;
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(CHUNK, 0);
        let res: Result<End, Halt> = loop {
            if let Some(stop) = Self::check_segmented(seg) {
                break Err(stop);
            }
            let n = match tokio::time::timeout(self.stall, stream.read(&mut buf)).await {
                Ok(Ok(n)) => n,
                Ok(Err(e)) => break Err(TransferError::Data(e).into()),
                Err(_) => {
                    break Err(TransferError::Stalled {
                        after: self.stall,
                        what: "receiving data (stalled)",
                    }
                    .into());
                }
            };
            let Some(now) = seg.range(t) else {
                break Err(Halt::Closed);
            };
            if n == 0 {
                if now.left() > 0 {
                    // The file ended early: it is shorter than it was listed.
                    break Err(TransferError::Verify {
                        expected: open.size,
                        got: now.next(),
                    }
                    .into());
                }
                break Ok(End::Eof);
            }
            let k = n.min(usize::try_from(now.left()).unwrap_or(usize::MAX));
            if k > 0 {
                if let Err(e) = write_all_at(&open.file, &buf[..k], now.next()) {
                    break Err(local("writing the .part file")(e).into());
                }
                seg.wrote(t, k as u64);
                Self::pace(&self.limit, k).await;
            }
            if k == now.left() as usize {
                if now.end < open.size {
                    break Ok(End::Cut);
                }
                if k < n {
                    // More than the listed size: the file changed since it was listed.
                    break Err(TransferError::Verify {
                        expected: open.size,
                        got: open.size + (n - k) as u64,
                    }
                    .into());
                }
                // The last range: the file must end here (the next read says so).
            }
        };
        self.buf = buf;
        match res {
            Ok(End::Eof) => {
                let session = self.session().await?;
                session.finish(stream).await?;
                Ok(())
            }
            Ok(End::Cut) => {
                let session = self.session().await?;
                if session.cut(stream).await.is_err() {
                    // The range is in; the connection is of no known use any more.
                    self.drop_session();
                }
                Ok(())
            }
            Err(e) => {
                drop(stream);
                self.drop_session();
                Err(e)
            }
        }
    }

    fn check_segmented(seg: &Segmented) -> Option<Halt> {
        match seg.ctl.load(Ordering::Relaxed) {
            PAUSE => Some(Halt::Stop(Stop::Pause)),
            CANCEL => Some(Halt::Stop(Stop::Cancel)),
            _ if seg.is_closed() => Some(Halt::Closed),
            _ => None,
        }
    }

    /// Lead a segmented upload of `file` (`size` bytes) to `target`, a temporary name (the
    /// policy has been applied; `go`: nothing speaks against ranges on this side). `None`: not
    /// segmented after all (the far side cannot write ranges of one file, or is known not to
    /// do it right), for the caller to send the file in one stream; nothing was sent then.
    /// `Some(Done)`: every range is in, the size (and with `--verify` the checksum) checked.
    pub(super) async fn upload_segments(
        &mut self,
        a: &Assignment,
        seg: &Arc<Segmented>,
        file: &std::fs::File,
        target: &str,
        size: u64,
        go: bool,
    ) -> Result<Option<Outcome>, TransferError> {
        let r = self.lead_upload(a, seg, file, target, size, go).await;
        seg.close();
        seg.helpers_gone().await;
        if r.is_err() && seg.ranges_refused().is_some() {
            // One stream from now on, from the start.
            seg.replan(Vec::new());
        }
        r
    }

    async fn lead_upload(
        &mut self,
        a: &Assignment,
        seg: &Arc<Segmented>,
        file: &std::fs::File,
        target: &str,
        size: u64,
        go: bool,
    ) -> Result<Option<Outcome>, TransferError> {
        let server = self.connect.server_key();
        let known_bad = segments::ranges_unsafe(&server);
        let session = self.session().await?;
        let caps = session.capabilities();
        if !go || known_bad || !caps.offsets || !caps.ranged_writes {
            seg.replan(Vec::new());
            return Ok(None);
        }
        session.set_text_mode(false).await?;
        // The plan's ranges are in the temporary file only while it is there, long enough, and
        // the range at 0 is among them (sending that one again would cut the file).
        let plan = seg.plan();
        let there = Remote::size(session, target).await?.unwrap_or(0);
        let fresh = plan.iter().all(|s| s.done == 0);
        if !segments::valid(&plan, size)
            || there < segments::extent(&plan)
            || (!fresh && plan[0].done == 0)
        {
            if !fresh {
                self.tap.info(format!(
                    "{target} is not what this transfer left: every range starts over"
                ));
            }
            seg.replan(segments::whole(size));
        }
        let mine = file.try_clone().map_err(local("opening the source"))?;
        let digest = self.digester(caps, false);
        let open = Arc::new(Open {
            file: mine,
            src: target.into(),
            size,
            upload: true,
        });
        // The range at 0 goes first and makes the file (or cuts an old one); helpers start
        // once its STOR is under way. With it in already, they start at once.
        let mut first = Some(open.clone());
        if seg.plan()[0].done > 0 {
            seg.publish(open.clone());
            first = None;
        }
        let tap = self.tap.clone();
        let mut broke = 0;
        let stopped = loop {
            if let Some(stop) = Self::check(a) {
                break Some(stop);
            }
            if let Some(why) = seg.ranges_refused() {
                return Err(TransferError::Segments(why));
            }
            let changed = seg.notified();
            match seg.take() {
                Some(t) => {
                    let r = self.write_range(seg, &open, t, first.take().as_ref()).await;
                    if t.0 == 0 && matches!(r, Err(Halt::Failed(_) | Halt::Connect(_))) {
                        // The range at 0 again would cut the file: nobody takes it again in
                        // this attempt (closed first), and the next one starts over.
                        seg.close();
                        seg.replan(segments::whole(size));
                    }
                    seg.release(t);
                    match r {
                        Ok(()) => {}
                        Err(Halt::Stop(stop)) => break Some(stop),
                        Err(Halt::Closed) => break None,
                        // The range at 0 again would cut the file: the job fails, and its next
                        // attempt starts over.
                        Err(Halt::Failed(e)) if e.is_transient() && t.0 > 0 && broke < 3 => {
                            broke += 1;
                            tap.warn(format!(
                                "{target}: the range from byte {} stopped ({e}); going on \
                                 with it on a new connection",
                                t.0
                            ));
                        }
                        Err(Halt::Failed(e) | Halt::Connect(e)) => return Err(e),
                        Err(Halt::Refused(e)) => {
                            seg.refuse_ranges(e.to_string());
                            return Err(TransferError::Segments(e.to_string()));
                        }
                    }
                }
                None if seg.all_done() => break None,
                None => {
                    let _ = tokio::time::timeout(Duration::from_millis(250), changed).await;
                }
            }
        };
        drop(open);
        seg.close();
        seg.helpers_gone().await;
        if let Some(stop) = stopped {
            // What the server has of the ranges stays for the next run (the plan says which).
            return Ok(Some(match stop {
                Stop::Pause => Outcome::Paused,
                Stop::Cancel => Outcome::Cancelled,
            }));
        }
        if !seg.all_done() {
            return Err(TransferError::Refused("the upload was closed".into()));
        }
        let session = self.session().await?;
        let got = Remote::size(session, target).await?.unwrap_or(0);
        if got != size {
            // Every range said 226, and still: this server does not keep a file's other bytes
            // when it writes a range (pure-ftpd cuts the file at each range's end). Never
            // again in this run; the next attempt sends it in one stream.
            segments::mark_ranges_unsafe(&server);
            seg.replan(Vec::new());
            tap.warn(format!(
                "{target}: the server has {got} bytes after every range was sent, not {size}: \
                 it does not write ranges of one file correctly; one stream from now on"
            ));
            return Err(TransferError::Verify {
                expected: size,
                got,
            });
        }
        // The size can be right and the file still wrong: a server that cuts the file at the end
        // of each range (pure-ftpd does) loses the first bytes other ranges had written beyond
        // that end, and the range that ends last puts the length back. Every range's first
        // bytes are read back and compared.
        for s in seg.plan().iter().filter(|s| s.start > 0) {
            let n = usize::try_from((s.end - s.start).min(4096)).unwrap_or(4096);
            let mut here = vec![0u8; n];
            read_exact_at(file, &mut here, s.start).map_err(local("reading the source"))?;
            let there = self.read_back(target, s.start, n).await?;
            if there != here {
                segments::mark_ranges_unsafe(&server);
                seg.replan(Vec::new());
                tap.warn(format!(
                    "{target}: the bytes at {} are not what was sent: the server does not \
                     write ranges of one file correctly; one stream from now on",
                    s.start
                ));
                return Err(TransferError::Segments(format!(
                    "the bytes at {} came back different",
                    s.start
                )));
            }
        }
        if let Some(mut d) = digest {
            let mut f = file.try_clone().map_err(local("opening the source"))?;
            d.feed_prefix(&mut f, size)
                .map_err(local("reading the source to verify it"))?;
            let session = self.session().await?;
            if let Err(e) = compare_digest(session, target, d, a.job.attempts, None).await {
                let _ = FileSystem::remove_file(session, target).await;
                seg.replan(segments::whole(size));
                return Err(e);
            }
        }
        Ok(Some(Outcome::Done))
    }

    /// Send range `t` of the upload from where it got to its end (which another connection
    /// may move down meanwhile), reading the source at its offsets. The server's `226`
    /// confirms the range; until then its bytes count in the progress, not in the plan.
    /// `first`: the range at 0 of a new file, whose `STOR` makes the file; once it is under
    /// way the helpers may start (`first` is published).
    async fn write_range(
        &mut self,
        seg: &Segmented,
        open: &Open,
        t: Taken,
        first: Option<&Arc<Open>>,
    ) -> Result<(), Halt> {
        let Some(r) = seg.range(t) else {
            return Ok(());
        };
        if r.left() == 0 {
            return Ok(());
        }
        if let Some(stop) = Self::check_segmented(seg) {
            return Err(stop);
        }
        let session = self.session().await.map_err(Halt::Connect)?;
        session.set_text_mode(false).await?;
        let at = if r.next() == 0 {
            WriteAt::Start
        } else {
            WriteAt::Range(r.next())
        };
        let mut stream = match session.open_write(&open.src, at).await {
            Ok(s) => s,
            // A refusal of the command (proftpd: `451 Append/Restart not permitted`), not a
            // data connection that failed (425) or a lost one.
            Err(e)
                if r.next() > 0
                    && !e.is_connection_lost()
                    && e.code()
                        .is_some_and(|c| c == 451 || (500..600).contains(&c)) =>
            {
                return Err(Halt::Refused(e.into()));
            }
            Err(e) => return Err(e.into()),
        };
        if let Some(o) = first {
            seg.publish(o.clone());
        }
        let mut buf = std::mem::take(&mut self.buf);
        buf.resize(CHUNK, 0);
        let res: Result<(), Halt> = loop {
            if let Some(stop) = Self::check_segmented(seg) {
                break Err(stop);
            }
            let (Some(pos), Some(now)) = (seg.position(t), seg.range(t)) else {
                break Err(Halt::Closed);
            };
            if pos >= now.end {
                break Ok(());
            }
            let k = usize::try_from(now.end - pos).map_or(CHUNK, |l| l.min(CHUNK));
            if let Err(e) = read_exact_at(&open.file, &mut buf[..k], pos) {
                break Err(local("reading the source")(e).into());
            }
            match tokio::time::timeout(self.stall, stream.write_all(&buf[..k])).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => break Err(TransferError::Data(e).into()),
                Err(_) => {
                    break Err(TransferError::Stalled {
                        after: self.stall,
                        what: "sending data (stalled)",
                    }
                    .into());
                }
            }
            seg.sent(t, k as u64);
            Self::pace(&self.limit, k).await;
        };
        self.buf = buf;
        match res {
            Ok(()) => {
                let session = self.session().await?;
                match session.finish(stream).await {
                    Ok(()) => {
                        seg.settle(t, true);
                        Ok(())
                    }
                    Err(e) => {
                        seg.settle(t, false);
                        Err(e.into())
                    }
                }
            }
            Err(e) => {
                drop(stream);
                self.drop_session();
                seg.settle(t, false);
                Err(e)
            }
        }
    }
}

impl<C: Connect> Worker<C> {
    /// Up to `n` bytes of the far side's `path` from `at` (a check of what a range left).
    async fn read_back(&mut self, path: &str, at: u64, n: usize) -> Result<Vec<u8>, TransferError> {
        let session = self.session().await?;
        let mut stream = session.open_read(path, at).await?;
        let mut out = vec![0u8; n];
        let mut got = 0;
        while got < n {
            match tokio::time::timeout(self.stall, stream.read(&mut out[got..])).await {
                Ok(Ok(0)) => break,
                Ok(Ok(k)) => got += k,
                Ok(Err(e)) => {
                    self.drop_session();
                    return Err(TransferError::Data(e));
                }
                Err(_) => {
                    self.drop_session();
                    return Err(TransferError::Stalled {
                        after: self.stall,
                        what: "reading a range back",
                    });
                }
            }
        }
        out.truncate(got);
        let session = self.session().await?;
        if got < n {
            session.finish(stream).await?;
        } else if session.cut(stream).await.is_err() {
            self.drop_session();
        }
        Ok(out)
    }
}

/// Read exactly `buf.len()` bytes of `file` at `at` (an upload's ranges share the source).
fn read_exact_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileExt;
        file.read_exact_at(buf, at)
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::FileExt;
        let (mut buf, mut at) = (buf, at);
        while !buf.is_empty() {
            let n = file.seek_read(buf, at)?;
            if n == 0 {
                return Err(io::Error::from(io::ErrorKind::UnexpectedEof));
            }
            buf = &mut buf[n..];
            at += n as u64;
        }
        Ok(())
    }
}
