//! Data connections: passive (EPSV, else PASV, remembered per server) or active, protected with
//! a resumed TLS session (TLS 1.2 again when TLS 1.3 has no ticket left), for RETR and STOR.

use super::*;

impl FtpSession {
    /// After a failed data command: if it was an `EPSV` data connection that could not be
    /// opened, switch to `PASV` (for this server, for the rest of the process) and say so; the
    /// caller then tries once more.
    pub(super) fn epsv_failed(&mut self, e: &FtpError) -> bool {
        let unreachable = matches!(e, FtpError::Connection(m) if m.contains(DATA_CONNECT));
        if self.data_mode != DataMode::Epsv || !unreachable {
            return false;
        }
        self.use_pasv(format!("EPSV data connection failed ({e})"));
        true
    }

    /// After a data command refused with 500–504 in EPSV mode: ask `EPSV` alone. If that is
    /// what the server refuses (it listed EPSV in FEAT but does not do it), switch to `PASV`
    /// like [`Self::epsv_failed`] and let the caller try again; otherwise the refusal was the
    /// command's own.
    pub(super) async fn epsv_refused(&mut self, e: &FtpError) -> bool {
        if self.data_mode != DataMode::Epsv || !e.code().is_some_and(|c| (500..=504).contains(&c)) {
            return false;
        }
        match self.quote("EPSV", &[229]).await {
            Err(FtpError::Reply { code, text }) if (500..=504).contains(&code) => {
                self.use_pasv(format!("EPSV refused ({code} {text})"));
                true
            }
            _ => false,
        }
    }

    pub(super) fn use_pasv(&mut self, why: String) {
        self.ftp.set_mode(suppaftp::Mode::Passive);
        self.data_mode = DataMode::Pasv;
        if let Ok(mut s) = pasv_only().lock() {
            s.insert(format!("{}:{}", self.opts.host, self.opts.port));
        }
        self.tap.warn(format!("{why}; using PASV from now on"));
    }

    /// Open a download of `path`, starting at `offset` (sends `REST` first when non-zero).
    pub async fn retr(&mut self, path: &str, offset: u64) -> Result<DataStream, FtpError> {
        // Asked ahead with the last download's end: its data connection, its reply.
        if let Some(ahead) = self.retr_ahead.take() {
            if offset == 0
                && ahead.path == path
                && ahead.at.elapsed() < Duration::from_secs(5)
                && let Some(port) = ahead.port
            {
                return self.take_retr_ahead(port).await;
            }
            self.retr_ahead = Some(ahead);
        }
        // A port asked ahead is this download's (any other command forgets it, see `settle`).
        let port = self.next_epsv.take();
        self.settle().await?;
        self.next_epsv = port;
        self.ensure_resumable().await?;
        match self.retr_once(path, offset).await {
            Err(e) if self.recoverable(&e).await? => self.retr_once(path, offset).await,
            r => r,
        }
    }

    /// After a failed data command on an FTPS connection: if the server refused the data
    /// connection (425, or 522 "TLS required/failed", RFC 4217), it may be one that insists on
    /// TLS session reuse while rustls has no TLS 1.3 ticket left to offer. Log in again with
    /// TLS 1.2 only (remembered for the server), back in the same directory; the caller then
    /// tries once more. Returns whether it did.
    pub(super) async fn tls13_data_refused(&mut self, e: &FtpError) -> Result<bool, FtpError> {
        let refused = matches!(e.code(), Some(425 | 522));
        if !self.encrypted || !refused || self.tls12_marked() {
            return Ok(false);
        }
        self.relogin_tls12(format!(
            "the server refused a TLS data connection ({e}): it probably requires TLS session \
             reuse, which TLS 1.3 tickets cannot always give"
        ))
        .await?;
        Ok(true)
    }

    /// This connection already speaks TLS 1.2 only (another one switching the server over
    /// does not change a connection that is still on TLS 1.3).
    pub(super) fn tls12_marked(&self) -> bool {
        self.tickets.as_ref().is_some_and(|t| t.tls12_only)
    }

    /// Before a data connection over TLS 1.3: rustls uses each session ticket once, and a
    /// server that sends no new ticket after some data connections (proftpd after an upload)
    /// leaves none, so the next data connection could not resume the session, which such
    /// servers require. Then switch this server to TLS 1.2 (whose sessions resume any number
    /// of times) before the data connection, not after it failed.
    pub(super) async fn ensure_resumable(&mut self) -> Result<(), FtpError> {
        let dry = self
            .tickets
            .as_ref()
            .is_some_and(|t| t.tickets_for(&self.opts.host) == Some(0));
        if dry && !self.tls12_marked() {
            self.relogin_tls12(
                "no TLS 1.3 session ticket is left for the next data connection (the server \
                 sends no new one after some transfers)"
                    .into(),
            )
            .await?;
        }
        Ok(())
    }

    /// Log in again offering TLS 1.2 only (remembered for this server), back in the same
    /// directory.
    pub(super) async fn relogin_tls12(&mut self, why: String) -> Result<(), FtpError> {
        if let Ok(mut s) = tls12_only().lock() {
            s.insert(format!("{}:{}", self.opts.host, self.opts.port));
        }
        self.tap
            .warn(format!("{why}; logging in again with TLS 1.2"));
        let dir = self.cwd.clone();
        let ascii = self.ascii;
        let fresh = FtpSession::connect(self.opts.clone(), self.tap.clone()).await?;
        let old = std::mem::replace(self, fresh);
        let _ = tokio::time::timeout(Duration::from_secs(2), old.quit()).await;
        // Transfers name absolute paths: a directory that is gone by now (a tree being
        // deleted) is no reason to fail the login.
        if let Err(e) = self.cwd_to(&dir).await {
            self.tap
                .warn(format!("logged in again, but not back in {dir}: {e}"));
        }
        // The transfer this login is for was to run in the type set before it.
        self.set_ascii(ascii).await
    }

    /// Log in afresh in place of this connection, which is dropped without a `QUIT` (it may
    /// be waiting for something that never comes), back in the same directory and transfer
    /// type.
    pub(super) async fn log_in_again(&mut self) -> Result<(), FtpError> {
        let dir = self.cwd.clone();
        let ascii = self.ascii;
        let fresh = FtpSession::connect(self.opts.clone(), self.tap.clone()).await?;
        drop(std::mem::replace(self, fresh));
        if let Err(e) = self.cwd_to(&dir).await {
            self.tap
                .warn(format!("logged in again, but not back in {dir}: {e}"));
        }
        self.set_ascii(ascii).await
    }

    pub(super) async fn retr_once(
        &mut self,
        path: &str,
        offset: u64,
    ) -> Result<DataStream, FtpError> {
        check_line(path)?;
        if own_active(&self.opts) {
            return self
                .open_own_active(&format!("RETR {path}"), offset, false)
                .await;
        }
        // Plain FTP only: over TLS the data connection must resume the control connection's
        // session, which suppaftp's own data path does (with skiff's own one, a vsftpd run
        // reset a handshake now and then).
        if self.own_passive_data() {
            return self
                .open_own_passive(&format!("RETR {path}"), offset, false)
                .await;
        }
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(
                t,
                "opening the download",
                async {
                    ftp.resume_transfer(offset as usize).await?;
                    ftp.retr_as_stream(path).await
                }
                .map_err_ftp(),
            ))
            .await
            .map(DataStream::Suppa)
    }

    /// Active mode the way suppaftp cannot do it: listen on a port of the configured range,
    /// announce the configured external address (`PORT`, or `EPRT` for IPv6), send `REST` and
    /// the command, take the server's connection (from the control connection's peer only:
    /// anyone else who reaches the port first is ignored), and start TLS on it when the
    /// session is encrypted, resuming its TLS session.
    pub(super) async fn open_own_active(
        &mut self,
        cmd: &str,
        offset: u64,
        upload: bool,
    ) -> Result<DataStream, FtpError> {
        let t = self.opts.timeout;
        let (local, peer) = {
            let sock = self.ftp.get_ref().await;
            (sock.local_addr(), sock.peer_addr())
        };
        let lost = |e: std::io::Error| FtpError::Connection(e.to_string());
        let (local, peer) = (local.map_err(lost)?, peer.map_err(lost)?);
        // Behind NAT (an external address set) the server reaches this host through a
        // forwarded port, maybe not on the control connection's address: listen on all.
        let bind_ip = match (self.opts.active_address, local.ip()) {
            (None, ip) => ip,
            (Some(_), std::net::IpAddr::V4(_)) => std::net::Ipv4Addr::UNSPECIFIED.into(),
            (Some(_), std::net::IpAddr::V6(_)) => std::net::Ipv6Addr::UNSPECIFIED.into(),
        };
        let listener = listen_active(bind_ip, self.opts.active_ports).map_err(|e| {
            FtpError::Connection(format!("{DATA_CONNECT} listen for active mode: {e}"))
        })?;
        let port = listener.local_addr().map_err(lost)?.port();
        let announce = self.opts.active_address.unwrap_or(local.ip());
        let port_cmd = match announce {
            std::net::IpAddr::V4(a) => {
                let o = a.octets();
                format!(
                    "PORT {},{},{},{},{},{}",
                    o[0],
                    o[1],
                    o[2],
                    o[3],
                    port >> 8,
                    port & 255
                )
            }
            std::net::IpAddr::V6(a) => format!("EPRT |2|{a}|{port}|"),
        };
        self.quote(&port_cmd, &[200]).await?;
        if offset > 0 {
            self.quote(&format!("REST {offset}"), &[350]).await?;
        }
        self.quote(cmd, &[150, 125]).await?;
        // From here the transfer's final reply is due (see `settle`).
        self.reply_due = true;
        let tap = self.tap.clone();
        let dt = self.opts.data_timeout.unwrap_or(t);
        let stream = timed(dt, "waiting for the server's data connection", async {
            loop {
                let (s, from) = listener.accept().await.map_err(lost)?;
                if from.ip().to_canonical() == peer.ip().to_canonical() {
                    break Ok(s);
                }
                tap.warn(format!(
                    "ignored a data connection from {from} (not the server)"
                ));
            }
        })
        .await?;
        self.own_data(stream, upload, false).await
    }

    /// Whether transfers go over passive data connections skiff opens itself: plain FTP in
    /// EPSV mode. Over TLS the data connection must resume the control connection's session,
    /// which suppaftp's own data path does (with skiff's own one, a vsftpd run reset a
    /// handshake now and then).
    pub(super) fn own_passive_data(&self) -> bool {
        self.data_mode == DataMode::Epsv && !self.encrypted && !own_active(&self.opts)
    }

    /// A TCP connection to a passive `port` of the server (at the control connection's peer).
    async fn passive_connect(&self, port: u16) -> Result<tokio::net::TcpStream, FtpError> {
        let dt = self.opts.data_timeout.unwrap_or(self.opts.timeout);
        let peer = {
            let sock = self.ftp.get_ref().await;
            sock.peer_addr()
        }
        .map_err(|e| FtpError::Connection(e.to_string()))?;
        let addr = std::net::SocketAddr::new(peer.ip(), port);
        match tokio::time::timeout(dt, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(s)) => Ok(s),
            Ok(Err(e)) => Err(FtpError::Connection(format!("{DATA_CONNECT} {addr}: {e}"))),
            Err(_) => Err(FtpError::Connection(format!(
                "{DATA_CONNECT} {addr}: timed out"
            ))),
        }
    }

    /// The download whose `RETR` went out with the last one's end: connect to the port of
    /// the `EPSV` sent with it and read its reply. A refusal (550…) is the download's error,
    /// the connection still in step (a server that refused it may have closed the port too:
    /// its reply is read all the same). A data connection that cannot be opened, with no
    /// refusal to explain it, leaves the server waiting for it: an error after which the
    /// connection is not used again (no `PASV` fallback here: the next attempt logs in
    /// afresh).
    async fn take_retr_ahead(&mut self, port: u16) -> Result<DataStream, FtpError> {
        let t = self.opts.timeout;
        let stream = match self.passive_connect(port).await {
            Ok(s) => s,
            Err(e) => {
                let ftp = &mut self.ftp;
                let wait = t.min(Duration::from_secs(5));
                let refused = self
                    .tap
                    .scope(timed(wait, "a reply", pipeline::read_reply(ftp)))
                    .await
                    .ok()
                    .filter(|r| r.code >= 400);
                if let Some(r) = refused {
                    r.expect(&[])?;
                }
                return Err(FtpError::Connection(format!(
                    "the download asked ahead: {}",
                    e.to_string().replace(DATA_CONNECT, "connecting to")
                )));
            }
        };
        let ftp = &mut self.ftp;
        let reply = self
            .tap
            .scope(timed(t, "opening the download", pipeline::read_reply(ftp)))
            .await?;
        reply.expect(&[150, 125])?;
        self.own_data(stream, false, true).await
    }

    /// A transfer on a passive data connection skiff opens itself (EPSV mode): to the port
    /// asked ahead at the end of the transfer before when there is one (see
    /// [`FtpSession::finish`]; saves the round trip of an `EPSV` per file), else to the port
    /// of an `EPSV` asked now. Then `REST` and the command, and TLS on the data connection
    /// when the session is encrypted, resuming its TLS session.
    pub(super) async fn open_own_passive(
        &mut self,
        cmd: &str,
        offset: u64,
        upload: bool,
    ) -> Result<DataStream, FtpError> {
        let ahead = self
            .next_epsv
            .take()
            .filter(|(_, at)| at.elapsed() < Duration::from_secs(5))
            .map(|(p, _)| p);
        let stream = match ahead {
            Some(p) => match self.passive_connect(p).await {
                Ok(s) => s,
                // Gone meanwhile: ask again.
                Err(_) => {
                    let p = self.epsv_port().await?;
                    self.passive_connect(p).await?
                }
            },
            None => {
                let p = self.epsv_port().await?;
                self.passive_connect(p).await?
            }
        };
        if offset > 0 {
            self.quote(&format!("REST {offset}"), &[350]).await?;
        }
        self.quote(cmd, &[150, 125]).await?;
        self.own_data(stream, upload, true).await
    }

    /// Before a command: forget a passive port asked ahead (see below), undo a download asked
    /// ahead (see `drop_retr_ahead`), and read the final reply of a data stream skiff opened
    /// itself and that was dropped without `finish` or `cut` (a read that failed or was
    /// abandoned), whatever it says, so that it does not answer this command. A connection that gives none in a
    /// few seconds is in no known state: an error (the caller logs in again).
    pub(super) async fn settle(&mut self) -> Result<(), FtpError> {
        // A passive port asked ahead is for the next download only: after any other command
        // it may be gone, and another session of the same server may have been given the
        // same port by then (a connection to it could reach that session's transfer).
        self.next_epsv = None;
        if let Some(ahead) = self.retr_ahead.take() {
            self.drop_retr_ahead(ahead).await?;
        }
        if !std::mem::take(&mut self.reply_due) {
            return Ok(());
        }
        let ftp = &mut self.ftp;
        let any: Vec<Status> = [226, 250, 425, 426, 450, 451, 452, 550, 551, 552]
            .into_iter()
            .map(Status::from)
            .collect();
        self.tap
            .scope(timed(
                Duration::from_secs(5),
                "the reply of a transfer left off",
                async {
                    match ftp.read_response_in(&any).await {
                        Ok(_) | Err(suppaftp::FtpError::UnexpectedResponse(_)) => Ok(()),
                        Err(e) => Err(FtpError::from(e)),
                    }
                },
            ))
            .await
    }

    /// A download asked ahead that is not wanted after all (another command comes first): its
    /// data connection opened and closed at once (a server waits for it before it answers),
    /// its reply read, and when that says the transfer began, the transfer's end too.
    async fn drop_retr_ahead(&mut self, ahead: RetrAhead) -> Result<(), FtpError> {
        self.tap.info(format!(
            "the download of {} asked ahead is not needed now: closing it",
            ahead.path
        ));
        let Some(port) = ahead.port else {
            // Its EPSV was refused: a server may then wait for that transfer's data
            // connection for good (proftpd after `425 EPSV: Address already in use` never
            // answered the RETR in 20 s), so this connection is given up for a new one.
            self.tap.warn(format!(
                "the passive port asked with the download of {} was refused, and the server \
                 may wait for that download's connection for good: logging in again",
                ahead.path
            ));
            // Failing that, this connection is out of step for good: an error that is not
            // a reply, so that it is not used again.
            return Box::pin(self.log_in_again())
                .await
                .map_err(|e| FtpError::Connection(format!("logging in again: {e}")));
        };
        let conn = self.passive_connect(port).await.ok();
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(
                Duration::from_secs(5).min(self.opts.timeout),
                "the reply of a download asked ahead",
                async {
                    let first = pipeline::read_reply(ftp).await?;
                    drop(conn);
                    if (100..200).contains(&first.code) {
                        pipeline::read_reply(ftp).await?;
                    }
                    Ok(())
                },
            ))
            .await
    }

    /// The data stream of a transfer the server has begun (it said `150`) on a connection skiff
    /// opened or accepted itself: from here its final reply is due (see `settle`).
    async fn own_data(
        &mut self,
        stream: tokio::net::TcpStream,
        upload: bool,
        passive: bool,
    ) -> Result<DataStream, FtpError> {
        self.reply_due = true;
        let conn = self.own_conn(stream).await?;
        Ok(DataStream::Own(OwnData {
            conn,
            upload,
            passive,
        }))
    }

    /// A data connection skiff opened or accepted itself, with TLS on it when the session is
    /// encrypted (resuming the control connection's TLS session).
    async fn own_conn(&self, stream: tokio::net::TcpStream) -> Result<OwnConn, FtpError> {
        Ok(match &self.data_tls {
            Some(c) => {
                let name = rustls_name(&self.opts.host)?;
                let s = timed(self.opts.timeout, "TLS on the data connection", async {
                    c.connect(name, stream)
                        .await
                        .map_err(|e| FtpError::Connection(format!("TLS handshake: {e}")))
                })
                .await?;
                OwnConn::Tls(Box::new(s))
            }
            None => OwnConn::Plain(stream),
        })
    }

    /// `EPSV`, and the port its reply names.
    async fn epsv_port(&mut self) -> Result<u16, FtpError> {
        let line = self.quote("EPSV", &[229]).await?;
        epsv_port_of(&line)
            .ok_or_else(|| FtpError::Protocol(format!("no port in the EPSV reply: {line}")))
    }

    /// Open an upload to `path`: `STOR`, `REST offset` + `STOR`, or `APPE`.
    pub async fn stor(
        &mut self,
        path: &str,
        offset: u64,
        append: bool,
    ) -> Result<DataStream, FtpError> {
        // A port asked ahead is this upload's (any other command forgets it, see `settle`).
        let port = self.next_epsv.take();
        self.settle().await?;
        self.next_epsv = port;
        self.ensure_resumable().await?;
        match self.stor_once(path, offset, append).await {
            Err(e) if self.recoverable(&e).await? => self.stor_once(path, offset, append).await,
            r => r,
        }
    }

    pub(super) async fn stor_once(
        &mut self,
        path: &str,
        offset: u64,
        append: bool,
    ) -> Result<DataStream, FtpError> {
        check_line(path)?;
        if own_active(&self.opts) {
            let cmd = if append {
                format!("APPE {path}")
            } else {
                format!("STOR {path}")
            };
            return self.open_own_active(&cmd, offset, true).await;
        }
        if self.own_passive_data() {
            let cmd = if append {
                format!("APPE {path}")
            } else {
                format!("STOR {path}")
            };
            return self.open_own_passive(&cmd, offset, true).await;
        }
        let t = self.opts.timeout;
        let ftp = &mut self.ftp;
        self.tap
            .scope(timed(
                t,
                "opening the upload",
                async {
                    if append {
                        ftp.append_with_stream(path).await
                    } else {
                        ftp.resume_transfer(offset as usize).await?;
                        ftp.put_with_stream(path).await
                    }
                }
                .map_err_ftp(),
            ))
            .await
            .map(DataStream::Suppa)
    }

    /// Close a data stream and read the transfer's final reply (226/250).
    pub async fn finish(&mut self, stream: DataStream) -> Result<(), FtpError> {
        self.reply_due = false;
        let t = self.opts.timeout;
        let next = self.read_next.take();
        let (enc, tap) = (self.opts.encoding, self.tap.clone());
        let ahead_after_uploads = self.quiet_uploads;
        let ftp = &mut self.ftp;
        let mut ahead = None;
        let mut sent = None;
        let r = self
            .tap
            .scope(timed(t, "the end of the transfer", async {
                match stream {
                    DataStream::Suppa(s) => s.finish().await.map_err(FtpError::from),
                    DataStream::Own(d) if d.passive && (!d.upload || ahead_after_uploads) => {
                        let end = finish_own_ahead(ftp, d, next.as_deref(), enc, &tap).await;
                        ahead = end.port;
                        sent = end.sent;
                        end.result
                    }
                    DataStream::Own(d) => finish_own(ftp, d).await,
                }
            }))
            .await;
        match sent {
            // The RETR went out with the EPSV: its port is that download's.
            Some(path) => {
                self.retr_ahead = Some(RetrAhead {
                    path,
                    port: ahead,
                    at: std::time::Instant::now(),
                })
            }
            None => self.next_epsv = ahead.map(|p| (p, std::time::Instant::now())),
        }
        // A server that rejects a data connection that did not resume the TLS session says so
        // only here, after the fact (proftpd: 425). The transfer failed (its caller retries);
        // the connection switches to TLS 1.2 so that the retry can succeed.
        if let Err(e) = &r
            && let Err(again) = self.tls13_data_refused(e).await
        {
            self.tap
                .warn(format!("logging in again with TLS 1.2 failed: {again}"));
        }
        r
    }

    /// Stop a download before the end of the file: close the data connection and read the
    /// transfer's reply, whatever it says (servers answer a cut with 426 or 451, or with 226
    /// when the rest was already on its way). Only a connection that gives no reply fails.
    pub async fn cut(&mut self, stream: DataStream) -> Result<(), FtpError> {
        self.reply_due = false;
        self.tap.info(
            "the range is in: closing the data connection before the end of the file (a 426 \
             reply to that is expected)",
        );
        let t = self.opts.timeout.min(Duration::from_secs(10));
        let ftp = &mut self.ftp;
        let r = self
            .tap
            .scope(timed(t, "the end of a range", async {
                match stream {
                    DataStream::Suppa(s) => s.finish().await.map_err(FtpError::from),
                    DataStream::Own(d) => finish_own(ftp, d).await,
                }
            }))
            .await;
        match r {
            Err(e) if e.code().is_some() && !e.is_connection_lost() => Ok(()),
            r => r,
        }
    }
}

/// The port in an `EPSV` reply: `229 Entering Extended Passive Mode (|||40051|)`.
pub(super) fn epsv_port_of(line: &str) -> Option<u16> {
    let inside = line.split_once('(')?.1.split_once(')')?.0;
    let d = inside.chars().next()?;
    let parts: Vec<&str> = inside.split(d).collect();
    // `(|||port|)`: empty, empty, empty, port, empty.
    if parts.len() != 5 {
        return None;
    }
    parts[3].parse().ok()
}

/// How [`finish_own_ahead`] ended: the transfer's result, the port of the `EPSV` asked
/// ahead (none: refused, or not asked), and the path of a `RETR` sent with it.
struct AheadEnd {
    result: Result<(), FtpError>,
    port: Option<u16>,
    sent: Option<String>,
}

/// The end of a transfer on a passive data connection of skiff's own: the data connection
/// closed (an upload's cleanly, or its reply and an error), then `EPSV` for the next transfer
/// sent at once, before the transfer's `226` has
/// come (the server reads it once it has sent that reply): both replies come back together,
/// a round trip sooner than asking after the `226`. The replies are told apart by their codes
/// whatever their order; the transfer's decides the result, the `EPSV`'s gives the port (none
/// when it is refused).
///
/// With `next` (the download said to come next, see `Remote::read_next`) its `RETR` goes out
/// in the same write, after the `EPSV`: the server has it as soon as it answered the `EPSV`
/// and waits for the data connection, half a round trip sooner than a `RETR` sent once the
/// port is known. Its reply (`150` once connected, or a refusal) is left to read by the
/// download (see `FtpSession::retr`). The server must then answer in order (the transfer's
/// reply, then the `EPSV`'s): one that answered the `EPSV` first may be answering the `RETR`
/// out of turn too, so the connection is out of step (an error: it is not used again) and
/// the server is not sent a `RETR` ahead again in this process.
async fn finish_own_ahead(
    ftp: &mut AsyncRustlsFtpStream,
    d: OwnData,
    next: Option<&str>,
    enc: Option<&'static encoding_rs::Encoding>,
    tap: &Tap,
) -> AheadEnd {
    use tokio::io::AsyncWriteExt;
    let upload = d.upload;
    let mut s = DataStream::Own(d);
    let shut = s.shutdown().await;
    drop(s);
    let fail = |e: FtpError| AheadEnd {
        result: Err(e),
        port: None,
        sent: None,
    };
    // An upload whose data connection did not close cleanly may not have reached the server
    // whole: its reply, then the error (nothing asked ahead).
    if upload && let Err(e) = shut {
        let lost = FtpError::Connection(format!("data connection: {e}"));
        return fail(match pipeline::read_reply(ftp).await {
            Ok(r) => r.expect(&[226, 250]).err().unwrap_or(lost),
            Err(x) => x,
        });
    }
    // The server, for the record of those that answered out of turn (asked only when a RETR
    // is to go ahead: this runs once per file).
    let key = match next {
        Some(_) => {
            let sock = ftp.get_ref().await;
            sock.peer_addr().map(|a| a.to_string()).unwrap_or_default()
        }
        None => String::new(),
    };
    let next = next.filter(|_| !no_retr_ahead().lock().is_ok_and(|s| s.contains(&key)));
    let lines: Vec<String> = match next {
        Some(p) => vec!["EPSV".into(), format!("RETR {p}")],
        None => vec!["EPSV".into()],
    };
    if let Err(e) = pipeline::write_lines(ftp, enc, tap, &lines).await {
        return fail(e);
    }
    let first = match pipeline::read_reply(ftp).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let second = match pipeline::read_reply(ftp).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    // The transfer's reply is the one that is not the EPSV's 229, or the one that says the
    // transfer went well when the other is a refusal (a server that reads commands during a
    // transfer answers the EPSV with `450 … data transfer in progress` before the `226`);
    // else the first.
    let done = |r: &pipeline::Reply| r.code == 226 || r.code == 250;
    let out_of_turn = first.code == 229 || (!done(&first) && done(&second));
    if out_of_turn && let Some(p) = next {
        if let Ok(mut s) = no_retr_ahead().lock() {
            s.insert(key);
        }
        return fail(FtpError::Connection(format!(
            "the server answered EPSV before the end of the transfer, with RETR {p} sent \
             after it: its replies cannot be told apart (no RETR is sent ahead to it again)"
        )));
    }
    let (transfer, epsv) = if out_of_turn {
        (second, first)
    } else {
        (first, second)
    };
    let port = (epsv.code == 229)
        .then(|| epsv_port_of(epsv.last_line()))
        .flatten();
    AheadEnd {
        result: transfer.expect(&[226, 250]).map(|_| ()),
        port,
        sent: next.map(str::to_string),
    }
}

/// Servers (`address:port`) that answered out of turn when a `RETR` was sent ahead, in this
/// process: none is sent to them any more.
fn no_retr_ahead() -> &'static std::sync::Mutex<std::collections::HashSet<String>> {
    static SET: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<String>>> =
        std::sync::OnceLock::new();
    SET.get_or_init(Default::default)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_epsv_reply_gives_its_port() {
        assert_eq!(
            epsv_port_of("229 Entering Extended Passive Mode (|||40051|)"),
            Some(40051)
        );
        assert_eq!(epsv_port_of("229 EPSV ok (!!!2121!)"), Some(2121));
        assert_eq!(epsv_port_of("229 Entering Extended Passive Mode"), None);
        assert_eq!(epsv_port_of("229 (|||x|)"), None);
        assert_eq!(
            epsv_port_of("229 (||1|2|)"),
            Some(2),
            "four fields: the last is the port"
        );
    }
}
