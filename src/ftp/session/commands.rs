//! Commands without a data connection: directories, typed commands, the transfer type, SIZE and
//! MFMT.

use super::*;

impl FtpSession {
    pub async fn cwd_to(&mut self, path: &str) -> Result<String, FtpError> {
        check_line(path)?;
        self.settle().await?;
        if self.pipelines() {
            return self.enter_together(format!("CWD {path}")).await;
        }
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        let cwd = self
            .tap
            .scope(async {
                timed(t, "CWD", async {
                    ftp.cwd(path).await.map_err(FtpError::from)
                })
                .await?;
                timed(t, "PWD", async { ftp.pwd().await.map_err(FtpError::from) }).await
            })
            .await?;
        self.cwd = cwd.clone();
        Ok(cwd)
    }

    pub async fn cdup(&mut self) -> Result<String, FtpError> {
        self.settle().await?;
        if self.pipelines() {
            return self.enter_together("CDUP".into()).await;
        }
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        let cwd = self
            .tap
            .scope(async {
                timed(t, "CDUP", async {
                    ftp.cdup().await.map_err(FtpError::from)
                })
                .await?;
                timed(t, "PWD", async { ftp.pwd().await.map_err(FtpError::from) }).await
            })
            .await?;
        self.cwd = cwd.clone();
        Ok(cwd)
    }

    /// `CWD`/`CDUP` and `PWD` in one write (see `pipeline`): the directory entered, or the
    /// change's refusal (the `PWD` after it, answered with the directory as it was, is read
    /// and left).
    async fn enter_together(&mut self, change: String) -> Result<String, FtpError> {
        let (t, enc) = (self.opts.timeout, self.opts.encoding);
        let tap = self.tap.clone();
        let lines = [change, "PWD".to_string()];
        let ftp = &mut self.ftp;
        let replies = self
            .tap
            .scope(pipeline::exchange(ftp, enc, true, &tap, t, &lines))
            .await?;
        let (Some(changed), Some(pwd)) = (replies.first(), replies.get(1)) else {
            return Err(FtpError::Protocol("a reply missing".into()));
        };
        changed.expect(&[200, 250])?;
        pwd.expect(&[257])?;
        let cwd = pipeline::pwd_of(pwd, enc).ok_or_else(|| {
            FtpError::Protocol(format!(
                "no directory in the PWD reply: {}",
                pwd.last_line()
            ))
        })?;
        self.cwd = cwd.clone();
        Ok(cwd)
    }

    pub async fn pwd(&mut self) -> Result<String, FtpError> {
        self.settle().await?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        let cwd = self
            .tap
            .scope(timed(t, "PWD", async {
                ftp.pwd().await.map_err(FtpError::from)
            }))
            .await?;
        self.cwd = cwd.clone();
        Ok(cwd)
    }

    /// Send a command that needs no data connection and return the final reply line.
    pub async fn quote(&mut self, line: &str, ok: &[u16]) -> Result<String, FtpError> {
        check_line(line)?;
        self.settle().await?;
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        let expected: Vec<Status> = ok.iter().map(|&c| Status::from(u32::from(c))).collect();
        let resp = self
            .tap
            .scope(timed(t, "a reply", async {
                ftp.custom_command(line, &expected)
                    .await
                    .map_err(FtpError::from)
            }))
            .await?;
        let body = String::from_utf8_lossy(&resp.body);
        if let Some(torn) = crate::ftp::torn_reply(&body) {
            return Err(torn);
        }
        Ok(body.trim_end().lines().last().unwrap_or("").to_string())
    }

    /// Send a command typed by the user and return its final reply, whatever its code (a 5xx is
    /// an answer here, not an error). Every line is in the log through the tap.
    ///
    /// A `1xx` is preliminary: the final reply is read too (a few at most), so the next
    /// command is not answered with this one's leftovers. Any error other than a reply means
    /// the control connection may be out of step: the caller must not use it again.
    pub async fn raw_command(&mut self, line: &str) -> Result<(u16, String), FtpError> {
        self.settle().await?;
        fn answer(r: Result<String, FtpError>) -> Result<(u16, String), FtpError> {
            match r {
                Ok(last) => Err(FtpError::Protocol(format!("unexpected reply: {last}"))),
                Err(FtpError::Reply { code, text }) => Ok((code, text)),
                Err(e) => Err(e),
            }
        }
        let mut reply = answer(self.quote(line, &[]).await)?;
        for _ in 0..MAX_PRELIMINARY {
            if !(100..200).contains(&reply.0) {
                return Ok(reply);
            }
            let t = self.opts.timeout;
            let ftp = &mut self.ftp;
            let next = self
                .tap
                .scope(timed(t, "the final reply", async {
                    ftp.read_response_in(&[]).await.map_err(FtpError::from)
                }))
                .await
                .map(|r| String::from_utf8_lossy(&r.body).trim_end().to_string());
            reply = answer(next)?;
        }
        if (100..200).contains(&reply.0) {
            return Err(FtpError::Protocol(format!(
                "more than {MAX_PRELIMINARY} preliminary replies to {line}"
            )));
        }
        Ok(reply)
    }

    /// `TYPE A` (ASCII, line ends converted by the client) or back to `TYPE I` (binary); sent
    /// only when the type in force differs.
    pub async fn set_ascii(&mut self, ascii: bool) -> Result<(), FtpError> {
        if self.ascii == ascii {
            return Ok(());
        }
        self.quote(if ascii { "TYPE A" } else { "TYPE I" }, &[200])
            .await?;
        self.ascii = ascii;
        Ok(())
    }

    /// `SIZE path`: `None` when the file does not exist (550) or the server lacks SIZE.
    pub async fn size(&mut self, path: &str) -> Result<Option<u64>, FtpError> {
        check_line(path)?;
        self.settle().await?;
        if self.no_size {
            return self.size_from_listing(path).await;
        }
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        let r = self
            .tap
            .scope(timed(t, "SIZE", async {
                ftp.size(path).await.map_err(FtpError::from)
            }))
            .await;
        match r {
            Ok(n) => Ok(Some(n as u64)),
            // No SIZE on this server: "no such file" would be a guess (a transfer's on-exists
            // choice would overwrite what it cannot see), so the directory's listing says.
            Err(e) if matches!(e.code(), Some(500 | 502 | 504)) => {
                self.no_size = true;
                self.tap.info(format!(
                    "the server has no SIZE ({e}): sizes come from directory listings"
                ));
                self.size_from_listing(path).await
            }
            Err(e) if e.code().is_some_and(|c| c >= 500) => Ok(None),
            // A 213 with junk where the number should be: the size is unknown, not an error
            // (the reply was read whole, so the connection is still in step).
            Err(FtpError::Protocol(why)) => {
                self.tap.warn(format!(
                    "unreadable SIZE reply for {path} ({why}); size unknown"
                ));
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Set a remote file's modification time with `MFMT` (when the server has it).
    pub async fn mfmt(&mut self, path: &str, mtime: i64) -> Result<(), FtpError> {
        let (y, mo, d, h, mi, s) = crate::ftp::listing::civil_from_unix(mtime);
        let cmd = format!("MFMT {y:04}{mo:02}{d:02}{h:02}{mi:02}{s:02} {path}");
        self.quote(&cmd, &[213, 253]).await.map(|_| ())
    }

    pub(super) fn remote_path_checked(path: &str) -> Result<(), FtpError> {
        check_line(path)
    }
}
