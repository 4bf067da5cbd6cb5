//! Listings: streamed and parsed line by line into a sink (MLSD, else LIST, with the fallbacks every
//! data command shares), bounded in lines and bytes; raw listings for the pager; one entry's line.

use super::*;

impl FtpSession {
    /// List the working directory, streaming and parsing the data connection line by line.
    /// Lines that cannot be parsed are logged as warnings and skipped.
    pub async fn list_cwd(&mut self) -> Result<Vec<Entry>, FtpError> {
        let mut entries = Vec::new();
        self.list_cwd_into(&mut entries).await?;
        Ok(entries)
    }

    /// Like [`FtpSession::list_cwd`], handing each entry to `sink` as it is parsed (a caller
    /// that keeps entries in a compact form of its own never holds the whole `Vec<Entry>`).
    pub async fn list_cwd_into(&mut self, sink: &mut dyn ListSink) -> Result<(), FtpError> {
        self.settle().await?;
        self.ensure_resumable().await?;
        match self.list_cwd_once(sink).await {
            Err(e) if self.recoverable(&e).await? => self.list_cwd_once(sink).await,
            r => r,
        }
    }

    /// After a failed data command: whether one of the fallbacks every data command shares
    /// explains it and has switched (EPSV unreachable or refused → PASV; a data connection
    /// refused for not resuming the TLS session → TLS 1.2), so that one more try makes sense.
    pub(super) async fn recoverable(&mut self, e: &FtpError) -> Result<bool, FtpError> {
        Ok(self.epsv_failed(e) || self.epsv_refused(e).await || self.tls13_data_refused(e).await?)
    }

    pub(super) async fn list_cwd_once(&mut self, sink: &mut dyn ListSink) -> Result<(), FtpError> {
        if !self.use_mlsd && self.list_all() {
            return self.list_all_entries(sink).await;
        }
        match self.list_with(self.use_mlsd, sink).await {
            // The refusal may be EPSV's, not MLSD's: that is checked first.
            Err(e) if self.epsv_refused(&e).await => self.list_with(self.use_mlsd, sink).await,
            Err(FtpError::Reply { code, .. }) if self.use_mlsd && (500..=504).contains(&code) => {
                self.tap
                    .warn(format!("MLSD refused ({code}); falling back to LIST"));
                self.use_mlsd = false;
                self.list_with(false, sink).await
            }
            other => other,
        }
    }

    /// Whether `LIST -a` is worth asking this server (see [`FtpSession::list_all_entries`]).
    fn list_all(&self) -> bool {
        let key = format!("{}:{}", self.opts.host, self.opts.port);
        !super::plain_list_only()
            .lock()
            .is_ok_and(|s| s.contains(&key))
    }

    /// A `LIST` with dot files (`.htaccess`, `.well-known/`), which servers such as vsftpd
    /// leave out of a plain `LIST`: `LIST -a`. A server that refuses it, or takes `-a` for a
    /// name (an empty listing where a plain `LIST` has entries), gets plain `LIST` from then
    /// on in this run. Which dot files are shown is the pane's choice.
    async fn list_all_entries(&mut self, sink: &mut dyn ListSink) -> Result<(), FtpError> {
        let key = format!("{}:{}", self.opts.host, self.opts.port);
        let mut count = CountingSink { inner: sink, n: 0 };
        let r = self.list_command("LIST -a", false, &mut count).await;
        let sink = count.inner;
        // Only a refusal of the command is a reason to try without `-a`; any other failure (a
        // listing cut short, a data connection that failed) is the listing's, as it is.
        let refused = match &r {
            Err(FtpError::Reply { code, .. }) if (500..=504).contains(code) || *code == 550 => true,
            Ok(()) => false,
            Err(_) => return r,
        };
        if !refused && count.n > 0 {
            return Ok(());
        }
        // Refused, or nothing at all: a plain LIST says whether `-a` was understood.
        let mut count = CountingSink { inner: sink, n: 0 };
        let plain = self.list_command("LIST", false, &mut count).await;
        if (refused && plain.is_ok()) || (!refused && count.n > 0) {
            self.tap.info(
                "LIST -a is not understood here: plain LIST from now on (dot files may be left \
                 out by the server)",
            );
            if let Ok(mut s) = super::plain_list_only().lock() {
                s.insert(key);
            }
        }
        plain
    }

    pub(super) async fn list_with(
        &mut self,
        mlsd: bool,
        sink: &mut dyn ListSink,
    ) -> Result<(), FtpError> {
        let cmd = if mlsd { "MLSD" } else { "LIST" };
        self.list_command(cmd, mlsd, sink).await
    }

    async fn list_command(
        &mut self,
        cmd: &str,
        mlsd: bool,
        sink: &mut dyn ListSink,
    ) -> Result<(), FtpError> {
        sink.start();
        let t = self.opts.timeout;
        let max_lines = self.opts.max_listing_lines;
        let max_bytes = self.opts.max_listing_bytes;
        let enc = self.opts.encoding;
        let tap = self.tap.clone();
        // MLSD times are UTC by definition; LIST times are the server's.
        let shift = if mlsd {
            0
        } else {
            self.time_offset.unwrap_or(0)
        };
        let stream = if own_active(&self.opts) {
            self.open_own_active(cmd, 0, false).await?
        } else {
            let ftp = &mut self.ftp;
            let (_resp, s) = self
                .tap
                .scope(timed(t, "opening the listing", async {
                    ftp.custom_data_command(cmd, &[Status::AboutToSend, Status::AlreadyOpen])
                        .await
                        .map_err(FtpError::from)
                }))
                .await?;
            DataStream::Suppa(s)
        };
        let ftp = &mut self.ftp;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let r = self
            .tap
            .scope(async move {
                // Read in large chunks and cut lines out of them: one timeout per chunk, not
                // per line, and a line that never ends cannot grow without bound.
                let mut stream = stream;
                let mut buf = vec![0u8; 64 * 1024];
                let mut pending: Vec<u8> = Vec::new();
                let entries = sink;
                let mut bad = 0usize;
                let mut lines = 0usize;
                // What the entries handed over hold (names, permissions, link targets).
                let mut kept = 0usize;
                let mut handle = |raw: &[u8], entries: &mut dyn ListSink, kept: &mut usize| {
                    let text = crate::ftp::encoding::decode_with(enc, raw);
                    let text = text.trim_end_matches(['\r', '\n']);
                    if text.is_empty() {
                        return;
                    }
                    let parsed = if mlsd {
                        parse_mlsd_line(text)
                    } else {
                        parse_list_line(text, now)
                    };
                    match parsed {
                        // `LIST -a` lists the directory itself and its parent.
                        Ok(Some(e)) if e.name == "." || e.name == ".." => {}
                        Ok(Some(mut e)) if validate_name(&e.name).is_ok() => {
                            if shift != 0 {
                                e.mtime = e.mtime.map(|t| t + shift);
                            }
                            *kept += e.name.len()
                                + e.perms.as_deref().map_or(0, str::len)
                                + e.link_target.as_deref().map_or(0, str::len);
                            entries.line(text, &e);
                            entries.entry(e);
                        }
                        Ok(Some(e)) => {
                            bad += 1;
                            if bad <= MAX_WARNED_LINES {
                                tap.warn(format!(
                                    "skipped an entry with an unsafe name: {:?}",
                                    e.name
                                ));
                            }
                        }
                        Ok(None) => {}
                        Err(err) => {
                            bad += 1;
                            if bad <= MAX_WARNED_LINES {
                                tap.warn(format!("could not parse listing line ({err}): {text:?}"));
                            }
                        }
                    }
                };
                loop {
                    let n = timed(t, "reading the listing", async {
                        stream
                            .read(&mut buf)
                            .await
                            .map_err(|e| FtpError::Connection(e.to_string()))
                    })
                    .await?;
                    if n == 0 {
                        break;
                    }
                    pending.extend_from_slice(&buf[..n]);
                    let mut start = 0;
                    while let Some(pos) = pending[start..].iter().position(|&b| b == b'\n') {
                        handle(&pending[start..start + pos], &mut *entries, &mut kept);
                        start += pos + 1;
                        lines += 1;
                        if kept > max_bytes {
                            return Err(FtpError::Protocol(format!(
                                "the listing's names add up to more than {} MiB; refused",
                                max_bytes >> 20
                            )));
                        }
                    }
                    pending.drain(..start);
                    if lines > max_lines {
                        return Err(FtpError::Protocol(format!(
                            "the listing has more than {max_lines} lines; refused"
                        )));
                    }
                    if pending.len() > 64 * 1024 {
                        return Err(FtpError::Protocol("listing line longer than 64 KiB".into()));
                    }
                }
                if !pending.is_empty() {
                    handle(&pending, &mut *entries, &mut kept);
                }
                timed(t, "the end of the listing", async {
                    match stream {
                        DataStream::Suppa(s) => s.finish().await.map_err(FtpError::from),
                        DataStream::Own(d) => finish_own(ftp, d).await,
                    }
                })
                .await?;
                if bad > MAX_WARNED_LINES {
                    tap.warn(format!("{bad} listing lines were skipped in all"));
                }
                Ok(())
            })
            .await;
        // The listing's reply was read (it ended, or a reply said why not): nothing is due.
        if r.is_ok() || r.as_ref().err().is_some_and(|e| e.code().is_some()) {
            self.reply_due = false;
        }
        r
    }

    /// A listing command typed by the user (`LIST -la /pub`, `NLST`, `MLSD x`): the data
    /// connection's bytes as the server sent them, at most `limit` of them (and whether there
    /// was more), for the pager.
    pub async fn raw_listing(
        &mut self,
        line: &str,
        limit: usize,
    ) -> Result<(Vec<u8>, bool), FtpError> {
        check_line(line)?;
        self.settle().await?;
        self.ensure_resumable().await?;
        let t = self.opts.timeout;
        let mut stream = if own_active(&self.opts) {
            self.open_own_active(line, 0, false).await?
        } else {
            let ftp = &mut self.ftp;
            let (_resp, s) = self
                .tap
                .scope(timed(t, "opening the listing", async {
                    ftp.custom_data_command(line, &[Status::AboutToSend, Status::AlreadyOpen])
                        .await
                        .map_err(FtpError::from)
                }))
                .await?;
            DataStream::Suppa(s)
        };
        let mut out = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        let mut more = false;
        loop {
            let n = timed(t, "reading the listing", async {
                stream
                    .read(&mut buf)
                    .await
                    .map_err(|e| FtpError::Connection(e.to_string()))
            })
            .await?;
            if n == 0 {
                break;
            }
            out.extend_from_slice(&buf[..n]);
            if out.len() > limit {
                out.truncate(limit);
                more = true;
                break;
            }
        }
        let ftp = &mut self.ftp;
        let finished = self
            .tap
            .scope(timed(t, "the end of the listing", async {
                match stream {
                    DataStream::Suppa(s) => s.finish().await.map_err(FtpError::from),
                    DataStream::Own(d) => finish_own(ftp, d).await,
                }
            }))
            .await;
        self.reply_due = false;
        match finished {
            Ok(()) => Ok((out, more)),
            // Stopping early makes some servers answer 426: expected.
            Err(e) if more && e.code().is_some() => Ok((out, more)),
            Err(e) => Err(e),
        }
    }

    /// The line the listing of `dir` gives for `name`, as the server wrote it (MLSD facts or
    /// `ls -l` text), for the info dialog. `None` when it is not there.
    pub async fn listing_line(
        &mut self,
        dir: &str,
        name: &str,
    ) -> Result<Option<String>, FtpError> {
        struct Find<'a> {
            name: &'a str,
            found: Option<String>,
        }
        impl ListSink for Find<'_> {
            fn start(&mut self) {
                self.found = None;
            }
            fn entry(&mut self, _e: Entry) {}
            fn line(&mut self, text: &str, e: &Entry) {
                if self.found.is_none() && e.name == self.name {
                    self.found = Some(text.to_string());
                }
            }
        }
        self.cwd_to(dir).await?;
        let mut find = Find { name, found: None };
        self.list_cwd_into(&mut find).await?;
        Ok(find.found)
    }

    /// The size of the file `path` as its directory's listing gives it (`None`: not there, or
    /// not a file), for servers without `SIZE`. Leaves the server in that directory.
    pub(super) async fn size_from_listing(&mut self, path: &str) -> Result<Option<u64>, FtpError> {
        let path = path.trim_end_matches('/');
        let (dir, name) = match path.rsplit_once('/') {
            Some((_, name)) => (remote_parent(path), name),
            None => (self.cwd.clone(), path),
        };
        if dir != self.cwd {
            match self.cwd_to(&dir).await {
                Ok(_) => {}
                Err(e) if e.code().is_some_and(|c| c >= 500) => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        let entries = self.list_cwd().await?;
        Ok(entries
            .iter()
            .find(|e| e.name == name && e.kind == crate::fs::EntryKind::File)
            .map(|e| e.size))
    }
}

impl FtpSession {
    /// The seconds to add to this server's `LIST` times to make them UTC, found once: the
    /// working directory is listed, and for a file whose line gives a time of day, `MDTM`
    /// (UTC, RFC 3659) says what it is; the difference, to the nearest quarter hour, is the
    /// offset (within 15 h, else it is not believed). `Some(0)` for a server with `MLSD`
    /// (its times are UTC). `None` when no file tells; listings then stay as they are. A
    /// known offset (`ConnectOptions::time_offset`, or found earlier) is returned as it is.
    pub async fn detect_time_offset(&mut self) -> Option<i64> {
        if self.time_offset.is_some() {
            return self.time_offset;
        }
        if self.use_mlsd {
            return Some(0);
        }
        let mut entries: Vec<Entry> = Vec::new();
        self.list_with(false, &mut entries).await.ok()?;
        let cwd = self.cwd.clone();
        let candidates = entries
            .iter()
            .filter(|e| e.kind == crate::fs::EntryKind::File)
            .filter_map(|e| Some((e.name.clone(), e.mtime?)))
            // A bare date (an old file) says nothing of the hour.
            .filter(|(_, t)| t.rem_euclid(86_400) != 0)
            .take(3)
            .collect::<Vec<_>>();
        for (name, listed) in candidates {
            let Some(utc) = self.mdtm(&remote_join(&cwd, &name)).await else {
                continue;
            };
            let quarter = 900;
            let offset = ((utc - listed) as f64 / quarter as f64).round() as i64 * quarter;
            if offset.abs() > 15 * 3600 {
                continue;
            }
            if offset != 0 {
                self.tap.info(format!(
                    "LIST times here are {:+.2} h from UTC (MDTM of {name}); corrected",
                    -(offset as f64) / 3600.0
                ));
            }
            self.time_offset = Some(offset);
            return self.time_offset;
        }
        None
    }
}

/// A sink that counts the entries it passes on.
struct CountingSink<'a> {
    inner: &'a mut dyn ListSink,
    n: usize,
}

impl ListSink for CountingSink<'_> {
    fn start(&mut self) {
        self.n = 0;
        self.inner.start();
    }
    fn entry(&mut self, e: crate::fs::Entry) {
        self.n += 1;
        self.inner.entry(e);
    }
    fn line(&mut self, text: &str, e: &crate::fs::Entry) {
        self.inner.line(text, e);
    }
}
