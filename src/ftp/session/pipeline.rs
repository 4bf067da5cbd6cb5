//! Commands sent together: several lines in one write, their replies read after, in order, so
//! a sequence costs one round trip instead of one per command. A server reads its control
//! connection line by line and answers each command before it reads the next, so the replies
//! come in the order of the commands whichever way they were sent.
//!
//! Only to servers known to answer in turn (see `answers_in_turn`: libunftp, for one, answers
//! commands sent together out of order), and on plain FTP only (over TLS the control
//! connection's writes are suppaftp's, one command at a time): otherwise the same sequence
//! goes one command after another, with the same replies.

use super::*;

/// One reply, whatever its code: the code and its text (every line, as read).
#[derive(Debug, Clone)]
pub(super) struct Reply {
    pub code: u16,
    /// Every line, as read (a byte that is not UTF-8 replaced).
    pub text: String,
    /// The bytes as they came, for names in the server's encoding.
    pub body: Vec<u8>,
}

impl Reply {
    fn of(resp: suppaftp::types::Response) -> Result<Reply, FtpError> {
        let text = String::from_utf8_lossy(&resp.body).into_owned();
        if let Some(torn) = crate::ftp::torn_reply(&text) {
            return Err(torn);
        }
        Ok(Reply {
            code: resp.status.code() as u16,
            text,
            body: resp.body,
        })
    }

    /// The last line (the one with the reply's meaning for most commands).
    pub fn last_line(&self) -> &str {
        self.text.trim_end().lines().last().unwrap_or("")
    }

    /// `Ok` with the last line when the code is one of `ok`, else the reply as an error.
    pub fn expect(&self, ok: &[u16]) -> Result<&str, FtpError> {
        if ok.contains(&self.code) {
            return Ok(self.last_line());
        }
        let line = self.last_line();
        Err(FtpError::Reply {
            code: self.code,
            text: line.get(4..).unwrap_or("").trim().to_string(),
        })
    }
}

/// Read one reply, whatever its code.
pub(super) async fn read_reply(ftp: &mut AsyncRustlsFtpStream) -> Result<Reply, FtpError> {
    match ftp.read_response_in(&[]).await {
        Ok(r) | Err(suppaftp::FtpError::UnexpectedResponse(r)) => Reply::of(r),
        Err(e) => Err(e.into()),
    }
}

/// Write `lines` on a plain control connection in one write, each encoded as suppaftp encodes
/// its own commands (the server's encoding, a `0xFF` byte doubled) and logged as sent.
pub(super) async fn write_lines(
    ftp: &AsyncRustlsFtpStream,
    enc: Option<&'static encoding_rs::Encoding>,
    tap: &Tap,
    lines: &[String],
) -> Result<(), FtpError> {
    let mut bytes = Vec::new();
    for line in lines {
        check_line(line)?;
        let encoded = crate::ftp::encoding::encode_with(enc, line)
            .map_err(|e| FtpError::Unsafe(format!("{line}: {e}")))?;
        for b in encoded {
            bytes.push(b);
            if b == 0xff {
                bytes.push(0xff);
            }
        }
        bytes.extend_from_slice(b"\r\n");
    }
    for line in lines {
        tap.command(line);
    }
    let sock = ftp.get_ref().await;
    let mut at = 0;
    while at < bytes.len() {
        sock.writable()
            .await
            .map_err(|e| FtpError::Connection(e.to_string()))?;
        match sock.try_write(&bytes[at..]) {
            Ok(0) => return Err(FtpError::Connection("the control connection closed".into())),
            Ok(n) => at += n,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(e) => return Err(FtpError::Connection(e.to_string())),
        }
    }
    Ok(())
}

/// Send `lines` and read one reply for each, in order: in one write when `together`, else one
/// command after another. Any error but a reply (a timeout, a lost connection)
/// leaves the connection out of step: the caller must not use it again.
pub(super) async fn exchange(
    ftp: &mut AsyncRustlsFtpStream,
    enc: Option<&'static encoding_rs::Encoding>,
    together: bool,
    tap: &Tap,
    t: Duration,
    lines: &[String],
) -> Result<Vec<Reply>, FtpError> {
    let mut replies = Vec::with_capacity(lines.len());
    if !together {
        for line in lines {
            check_line(line)?;
            let r = timed(t, "a reply", async {
                match ftp.custom_command(line, &[]).await {
                    Ok(r) | Err(suppaftp::FtpError::UnexpectedResponse(r)) => Reply::of(r),
                    Err(e) => Err(e.into()),
                }
            })
            .await?;
            replies.push(r);
        }
        return Ok(replies);
    }
    timed(t, "sending commands", write_lines(ftp, enc, tap, lines)).await?;
    for _ in lines {
        replies.push(timed(t, "a reply", read_reply(ftp)).await?);
    }
    Ok(replies)
}

/// The directory a `257` reply names (between its first and last `"`), decoded like every
/// reply from this server.
pub(super) fn pwd_of(reply: &Reply, enc: Option<&'static encoding_rs::Encoding>) -> Option<String> {
    // A doubled 0xFF (Telnet's escape) is one byte.
    let b = &reply.body;
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        bytes.push(b[i]);
        i += if b[i] == 0xff && b.get(i + 1) == Some(&0xff) {
            2
        } else {
            1
        };
    }
    let body = crate::ftp::encoding::decode_with(enc, &bytes);
    let line = body.trim_end().lines().last()?;
    let (a, b) = (line.find('"')?, line.rfind('"')?);
    (a < b).then(|| line[a + 1..b].to_string())
}

/// The seconds since the epoch (UTC) in an `MDTM` reply: `213 20261205074501`.
pub(super) fn mdtm_of(line: &str) -> Option<i64> {
    let t = line.get(4..)?.trim();
    let n = |a: usize, b: usize| t.get(a..b)?.parse::<u32>().ok();
    Some(crate::ftp::listing::unix_from_civil(
        t.get(0..4)?.parse().ok()?,
        n(4, 6)?,
        n(6, 8)?,
        n(8, 10)?,
        n(10, 12)?,
        n(12, 14)?,
    ))
}

/// What a path on the server is, as [`FtpSession::probe`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathKind {
    /// A directory (the session is in it now).
    Dir,
    /// Not a directory the server lets us into: a file, with its size and time when the
    /// server gave them.
    File {
        size: Option<u64>,
        mtime: Option<i64>,
    },
}

/// Whether commands go to this server together (see the module's comment).
pub(super) fn together(encrypted: bool, welcome: &str) -> bool {
    !encrypted && super::remote::answers_in_turn(welcome)
}

impl FtpSession {
    /// Whether commands go to this server together (see the module's comment).
    pub(super) fn pipelines(&self) -> bool {
        !self.encrypted && self.in_turn
    }

    /// What `path` is: a directory when `CWD` enters it, else (refused with 5xx) a file, with
    /// its `SIZE` and `MDTM`. The three go out together (one round trip; the `SIZE` and `MDTM`
    /// of a directory are refused, and not looked at). Anything but a 5xx refusal of `CWD`
    /// (a timeout, a busy 421) is an error, not a guess.
    pub async fn probe(&mut self, path: &str) -> Result<PathKind, FtpError> {
        check_line(path)?;
        self.settle().await?;
        let mut lines = vec![format!("CWD {path}")];
        if !self.no_size {
            lines.push(format!("SIZE {path}"));
            lines.push(format!("MDTM {path}"));
        }
        let (t, enc, together) = (self.opts.timeout, self.opts.encoding, self.pipelines());
        let ftp = &mut self.ftp;
        let tap = self.tap.clone();
        let replies = self
            .tap
            .scope(exchange(ftp, enc, together, &tap, t, &lines))
            .await?;
        let cwd = &replies[0];
        if cwd.code == 250 || cwd.code == 200 {
            self.pwd().await?;
            return Ok(PathKind::Dir);
        }
        if cwd.code < 500 {
            cwd.expect(&[250])?;
        }
        if self.no_size {
            let size = self.size(path).await?;
            return Ok(PathKind::File {
                size,
                mtime: self.mdtm(path).await,
            });
        }
        let size = match replies.get(1) {
            Some(r) if r.code == 213 => match r.last_line().get(4..).map(|s| s.trim().parse()) {
                Some(Ok(n)) => Some(n),
                _ => {
                    self.tap.warn(format!(
                        "unreadable SIZE reply for {path} ({}); size unknown",
                        r.last_line()
                    ));
                    None
                }
            },
            // No SIZE here: the listing says (see `size`).
            Some(r) if matches!(r.code, 500 | 502 | 504) => self.size(path).await?,
            Some(r) if r.code >= 500 => None,
            Some(r) => {
                r.expect(&[213])?;
                None
            }
            None => None,
        };
        let mtime = replies
            .get(2)
            .filter(|r| r.code == 213)
            .and_then(|r| mdtm_of(r.last_line()));
        Ok(PathKind::File { size, mtime })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(code: u16, text: &str) -> Reply {
        raw(code, text.as_bytes())
    }

    fn raw(code: u16, body: &[u8]) -> Reply {
        Reply {
            code,
            text: String::from_utf8_lossy(body).into_owned(),
            body: body.to_vec(),
        }
    }

    #[test]
    fn replies_read_as_the_commands_expect() {
        let r = reply(257, "257 \"/home/a \"x\"\" is the current directory\r\n");
        assert_eq!(pwd_of(&r, None).as_deref(), Some("/home/a \"x\""));
        assert_eq!(pwd_of(&reply(257, "257 no quotes"), None), None);
        let latin1 = crate::ftp::encoding::by_label("latin1").unwrap();
        let r = raw(257, b"257 \"/caf\xe9\"\r\n");
        assert_eq!(pwd_of(&r, latin1).as_deref(), Some("/café"));
        let r = raw(257, b"257 \"/a\xff\xffb\"\r\n");
        assert_eq!(pwd_of(&r, latin1).as_deref(), Some("/a\u{ff}b"));
        assert_eq!(mdtm_of("213 19700101000100"), Some(60));
        assert_eq!(mdtm_of("213 junk"), None);
        let r = reply(550, "550 Failed to change directory.\r\n");
        match r.expect(&[250]) {
            Err(FtpError::Reply { code: 550, text }) => {
                assert_eq!(text, "Failed to change directory.")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(reply(200, "200 ok").expect(&[200]).ok(), Some("200 ok"));
    }
}
