//! The browsing connection: one tokio task that owns the FTP session, serves listing requests in
//! order, and reconnects once by itself when the server dropped the connection.

use tokio::sync::mpsc::{self, UnboundedSender};

use std::sync::Arc;
use std::time::Duration;

use crate::fs::FsError;
use crate::fs::ops::FsOp;
use crate::ftp::{ConnectOptions, FtpError, FtpSession, LogEvent, Tap};
use crate::state::{ErrorInfo, Event, Nav, Side};

/// What the browsing connection is asked to do: the one definition of its commands, given
/// to [`Handle::send`]. Each answer comes back as an [`Event`] carrying `req`.
#[derive(Debug)]
pub enum RemoteCmd {
    List {
        nav: Nav,
        req: u64,
    },
    Op {
        op: FsOp,
        req: u64,
    },
    Fetch {
        path: String,
        req: u64,
    },
    FetchToTemp {
        path: String,
        name: String,
        req: u64,
    },
    Stat {
        path: String,
        req: u64,
    },
    /// The server's checksum of a file, the strongest it offers.
    Checksum {
        path: String,
        req: u64,
    },
    /// Compare files of two directories by content (see `Effect::CompareContent`).
    CompareContent {
        local_dir: String,
        remote_dir: String,
        names: Vec<String>,
        req: u64,
    },
    ListingLine {
        dir: String,
        name: String,
        req: u64,
    },
    /// A typed command, sent with the server in `dir` (the remote pane's directory).
    Quote {
        line: String,
        dir: String,
        req: u64,
    },
    Facts {
        req: u64,
    },
    RawListing {
        line: String,
        dir: String,
        req: u64,
    },
    Quit,
}

/// The UI side of the browsing connection. Dropping it closes the connection.
pub struct Handle {
    tx: mpsc::UnboundedSender<RemoteCmd>,
    /// The connection's task (aborted to cancel a connect that waits to try again).
    task: tokio::task::JoinHandle<()>,
    /// For the work that runs on a connection of its own (the size of a directory tree).
    opts: ConnectOptions,
    events: UnboundedSender<Event>,
    log: UnboundedSender<LogEvent>,
    /// The seconds this server's `LIST` times are off UTC, found at login (see
    /// `FtpSession::detect_time_offset`), for the transfer connections.
    time_offset: Arc<std::sync::Mutex<Option<i64>>>,
}

impl Handle {
    /// The offset of this server's `LIST` times from UTC, once the login has found it.
    pub fn time_offset(&self) -> Option<i64> {
        self.time_offset.lock().ok().and_then(|o| *o)
    }

    /// Give the browsing connection a command. File operations run on it, in order with
    /// listings; counting the size of directories (which may walk a large tree) runs on a
    /// connection of its own, so browsing goes on meanwhile. If the server refuses a second
    /// login, the count waits its turn on the browsing connection instead.
    pub fn send(&self, cmd: RemoteCmd) {
        let RemoteCmd::Op {
            op: op @ FsOp::Size(_),
            req,
        } = cmd
        else {
            let _ = self.tx.send(cmd);
            return;
        };
        let (opts, events, tx) = (self.opts.clone(), self.events.clone(), self.tx.clone());
        let tap = Tap::new("size", self.log.clone());
        tokio::spawn(async move {
            match FtpSession::connect(opts, tap.clone()).await {
                Ok(mut s) => {
                    let report = crate::fs::ops::run(&mut s, &op).await;
                    s.quit().await;
                    let _ = events.send(Event::FsDone {
                        side: Side::Remote,
                        req,
                        op,
                        report,
                    });
                }
                Err(e) => {
                    tap.warn(format!(
                        "no second connection for counting ({e}); counting on the browsing one"
                    ));
                    let _ = tx.send(RemoteCmd::Op { op, req });
                }
            }
        });
    }
    /// Stop connecting (the user cancelled while skiff waited to try again).
    pub fn cancel(&self) {
        self.task.abort();
    }
}

/// Put the server in `dir` unless it is there already (a typed command's names are the
/// pane's).
async fn in_dir(session: &mut FtpSession, dir: &str) -> Result<(), crate::ftp::FtpError> {
    if dir.is_empty() || session.cwd() == dir {
        return Ok(());
    }
    session.cwd_to(dir).await.map(|_| ())
}

/// Log in again after the browsing connection was lost or fell out of step (`why`), and go
/// back to `dir`. `None` when that fails: the UI is told it is disconnected.
async fn relogin(
    opts: &ConnectOptions,
    tap: &Tap,
    events: &UnboundedSender<Event>,
    dir: &str,
    why: &crate::ftp::FtpError,
) -> Option<FtpSession> {
    tap.warn(format!("{why}; reconnecting"));
    match FtpSession::connect(opts.clone(), tap.clone()).await {
        Ok(mut s) => {
            if let Err(e) = s.cwd_to(dir).await {
                tap.warn(format!("reconnected, but {dir} is gone: {e}"));
            } else {
                tap.info(format!("reconnected; back in {dir}"));
            }
            Some(s)
        }
        Err(e) => {
            tap.error(format!("reconnect failed: {e}"));
            let _ = events.send(Event::Disconnected {
                error: ErrorInfo::from(&e),
            });
            None
        }
    }
}

pub fn spawn(
    opts: ConnectOptions,
    req: u64,
    events: UnboundedSender<Event>,
    log: UnboundedSender<LogEvent>,
) -> Handle {
    let (tx, mut rx) = mpsc::unbounded_channel::<RemoteCmd>();
    let (handle_opts, handle_events, handle_log) = (opts.clone(), events.clone(), log.clone());
    let offset = Arc::new(std::sync::Mutex::new(None));
    let found = offset.clone();
    let task = tokio::spawn(async move {
        let tap = Tap::new("browse", log);
        let waits = events.clone();
        let connected = FtpSession::connect_retrying(opts.clone(), tap.clone(), |w| {
            let _ = waits.send(Event::ConnectWaiting {
                req,
                wait: w.clone(),
            });
        })
        .await;
        let mut session = match connected {
            Ok(mut s) => {
                // A server that lists times in its own zone (no MLSD): found once, so that the
                // panes and the transfers both read UTC.
                if opts.time_offset.is_none()
                    && let Some(o) = s.detect_time_offset().await
                    && let Ok(mut f) = found.lock()
                {
                    *f = Some(o);
                }
                let label = if s.is_encrypted() {
                    format!("{} (FTPS)", opts.label())
                } else if opts.tls.is_tls() {
                    format!("{} (NOT ENCRYPTED: no FTPS)", opts.label())
                } else {
                    opts.label()
                };
                let _ = events.send(Event::Connected { req, label });
                s
            }
            Err(e) => {
                tap.error(format!("connection failed: {e}"));
                let _ = events.send(Event::ConnectFailed {
                    req,
                    error: ErrorInfo::from(&e),
                });
                return;
            }
        };
        loop {
            // With a keepalive, an idle connection sends NOOP every so often (servers drop
            // idle clients: vsftpd after 300 s); a failed NOOP is dealt with at the next request.
            let cmd = match opts.keepalive {
                Some(every) => match tokio::time::timeout(every, rx.recv()).await {
                    Ok(cmd) => cmd,
                    Err(_) => {
                        if let Err(e) = session.quote("NOOP", &[200]).await {
                            tap.warn(format!("keepalive NOOP failed: {e}"));
                        }
                        continue;
                    }
                },
                None => rx.recv().await,
            };
            let Some(cmd) = cmd else { break };
            match cmd {
                RemoteCmd::Quit => break,
                RemoteCmd::Fetch { path, req } => {
                    let timeout = session.options().timeout;
                    let result =
                        fetch_head(&mut session, &path, timeout, crate::state::view::VIEW_LIMIT)
                            .await
                            .map_err(|e| ErrorInfo::from(&e));
                    let _ = events.send(Event::Viewed {
                        req,
                        title: path,
                        result,
                    });
                }
                RemoteCmd::FetchToTemp { path, name, req } => {
                    let timeout = session.options().timeout;
                    let result = fetch_to_temp(&mut session, &path, &name, timeout).await;
                    let _ = events.send(Event::FetchedForEdit { req, result });
                }
                RemoteCmd::Quote { line, dir, req } => {
                    let r = match in_dir(&mut session, &dir).await {
                        Ok(()) => session.raw_command(&line).await,
                        Err(e) => Err(e),
                    };
                    // A typed command that timed out or got a reply skiff could not read may
                    // have left replies unread: the next command would get this one's.
                    let out_of_step = r.as_ref().err().filter(|e| {
                        e.is_connection_lost() || matches!(e, crate::ftp::FtpError::Protocol(_))
                    });
                    let fresh = match out_of_step {
                        Some(e) => {
                            let dir = session.cwd().to_string();
                            match relogin(&opts, &tap, &events, &dir, e).await {
                                Some(s) => Some(s),
                                None => return,
                            }
                        }
                        None => None,
                    };
                    let _ = events.send(Event::Quoted {
                        req,
                        result: r.map_err(|e| ErrorInfo::from(&e)),
                    });
                    if let Some(s) = fresh {
                        session = s;
                    }
                }
                RemoteCmd::Facts { req } => {
                    let result = session
                        .facts()
                        .await
                        .map(Box::new)
                        .map_err(|e| ErrorInfo::from(&e));
                    let _ = events.send(Event::ServerFacts { req, result });
                }
                RemoteCmd::RawListing { line, dir, req } => {
                    let result = match in_dir(&mut session, &dir).await {
                        Ok(()) => {
                            session
                                .raw_listing(&line, crate::state::view::VIEW_LIMIT)
                                .await
                        }
                        Err(e) => Err(e),
                    }
                    .map_err(|e| ErrorInfo::from(&e));
                    let _ = events.send(Event::Viewed {
                        req,
                        title: line,
                        result,
                    });
                }
                RemoteCmd::CompareContent {
                    local_dir,
                    remote_dir,
                    names,
                    req,
                } => {
                    let result =
                        compare_content(&mut session, &local_dir, &remote_dir, &names).await;
                    let _ = events.send(Event::ContentCompared { req, result });
                }
                RemoteCmd::Checksum { path, req } => {
                    use crate::fs::Remote;
                    let result = match session.capabilities().checksum() {
                        None => Ok(None),
                        Some(algo) => match session.checksum(&path, algo).await {
                            Ok(Some(d)) => Ok(Some((algo.name().to_string(), d))),
                            Ok(None) => Err(ErrorInfo::new(
                                "the server's reply held no checksum of the whole file",
                                None,
                            )),
                            Err(e) => Err(ErrorInfo::from(&e)),
                        },
                    };
                    let _ = events.send(Event::Checksum { req, result });
                }
                RemoteCmd::ListingLine { dir, name, req } => {
                    let result = session
                        .listing_line(&dir, &name)
                        .await
                        .map_err(|e| ErrorInfo::from(&e));
                    let _ = events.send(Event::ListingLine { req, result });
                }
                RemoteCmd::Stat { path, req } => {
                    let result = stat(&mut session, &path)
                        .await
                        .map_err(|e| ErrorInfo::from(&e));
                    let _ = events.send(Event::RemoteStat { req, result });
                }
                RemoteCmd::Op { op, req } => {
                    // On the browsing connection, in order with listings. A connection that
                    // was lost shows in the report; the next listing reconnects.
                    let report = crate::fs::ops::run(&mut session, &op).await;
                    let lost = report.lost;
                    let _ = events.send(Event::FsDone {
                        side: Side::Remote,
                        req,
                        op,
                        report,
                    });
                    // Lost or timed out on the way: a late reply would answer the next command,
                    // so log in again now, back where the operation started.
                    if lost {
                        let dir = session.cwd().to_string();
                        let why = crate::ftp::FtpError::Connection(
                            "the connection was lost during the operation".into(),
                        );
                        match relogin(&opts, &tap, &events, &dir, &why).await {
                            Some(s) => session = s,
                            None => return,
                        }
                    }
                }
                RemoteCmd::List { nav, req } => {
                    let mut result = list(&mut session, &nav).await;
                    if let Err(e) = &result
                        && e.is_connection_lost()
                    {
                        // Log in again, go back to the same directory, and answer the request
                        // there: a line in the log, not an error for the user.
                        let dir = session.cwd().to_string();
                        match relogin(&opts, &tap, &events, &dir, e).await {
                            Some(s) => {
                                session = s;
                                result = list(&mut session, &nav).await;
                            }
                            None => return,
                        }
                    }
                    let _ = events.send(Event::Listed {
                        side: Side::Remote,
                        req,
                        result: result.map_err(|e| ErrorInfo::from(&e)),
                    });
                }
            }
        }
        session.quit().await;
    });
    Handle {
        tx,
        task,
        opts: handle_opts,
        events: handle_events,
        log: handle_log,
        time_offset: offset,
    }
}

async fn list(s: &mut FtpSession, nav: &Nav) -> Result<crate::fs::Listing, FtpError> {
    let path = match nav {
        Nav::To(p) if p.is_empty() => s.cwd().to_string(),
        Nav::To(p) => s.cwd_to(p).await?,
        Nav::Up(_) => s.cdup().await?,
    };
    let mut entries = s.list_cwd().await?;
    // Sorting 100,000 names happens here, off the UI task.
    crate::state::pane::sort_entries(&mut entries);
    Ok(crate::fs::Listing { path, entries })
}

/// Read a file through the protocol seam (`fs::Remote`: the pager and the editor need no
/// more), handing each block to `sink` until it returns `false` (enough) or the file ends.
/// Returns whether it stopped early. A data connection closed early makes most FTP servers
/// answer 426 or 451 (some 226): that reply is read and is not a failure. A block that takes
/// longer than `timeout` to come is a failure.
async fn retr_into<R: crate::fs::Remote>(
    s: &mut R,
    path: &str,
    timeout: Duration,
    sink: &mut (dyn FnMut(&[u8]) -> Result<bool, FsError> + Send),
) -> Result<bool, FsError> {
    use tokio::io::AsyncReadExt;
    let mut stream = s.open_read(path, 0).await?;
    let mut chunk = vec![0u8; 64 * 1024];
    let stopped = loop {
        let n = match tokio::time::timeout(timeout, stream.read(&mut chunk)).await {
            Ok(Ok(n)) => n,
            Ok(Err(e)) => {
                return Err(FsError::Io(std::io::Error::new(
                    e.kind(),
                    format!("connection failed: data connection: {e}"),
                )));
            }
            Err(_) => {
                return Err(FsError::Io(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!(
                        "timed out after {}s while reading the file",
                        timeout.as_secs()
                    ),
                )));
            }
        };
        if n == 0 {
            break false;
        }
        if !sink(&chunk[..n])? {
            break true;
        }
    };
    match s.finish(stream).await {
        Ok(()) => Ok(stopped),
        Err(e) if stopped && e.code().is_some() => Ok(stopped),
        Err(e) => Err(e),
    }
}

/// The first `limit` bytes of a remote file, and whether there is more.
async fn fetch_head<R: crate::fs::Remote>(
    s: &mut R,
    path: &str,
    timeout: Duration,
    limit: usize,
) -> Result<(Vec<u8>, bool), FsError> {
    let mut buf = Vec::new();
    let more = retr_into(s, path, timeout, &mut |b| {
        buf.extend_from_slice(b);
        Ok(buf.len() <= limit)
    })
    .await?;
    buf.truncate(limit);
    Ok((buf, more))
}

/// Download a remote file whole into a new private directory (mode 0700, from `tempfile`),
/// under its own name so the editor recognises its type. Returns the local path.
async fn fetch_to_temp<R: crate::fs::Remote>(
    s: &mut R,
    path: &str,
    name: &str,
    timeout: Duration,
) -> Result<String, ErrorInfo> {
    let err = |e: &dyn std::fmt::Display| ErrorInfo::new(e.to_string(), None);
    crate::fs::validate_name(name).map_err(|e| err(&e))?;
    let dir = tempfile::Builder::new()
        .prefix("skiff-edit-")
        .tempdir()
        .map_err(|e| err(&e))?
        .keep();
    // Only the user reads the copy of a server's file (the README promises it).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|e| err(&e))?;
    }
    let local = dir.join(crate::names::local_path(name));
    let mut create = std::fs::OpenOptions::new();
    create.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        create.mode(0o600);
    }
    let result = match create.open(&local) {
        Ok(mut file) => retr_into(s, path, timeout, &mut |b| {
            std::io::Write::write_all(&mut file, b).map_err(|e| {
                FsError::Io(std::io::Error::new(
                    e.kind(),
                    format!("writing {}: {e}", local.display()),
                ))
            })?;
            Ok(true)
        })
        .await
        .map_err(|e| ErrorInfo::from(&e)),
        Err(e) => Err(err(&format!("creating {}: {e}", local.display()))),
    };
    match result {
        Ok(_) => Ok(crate::names::from_os(local.as_os_str())),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&dir);
            Err(e)
        }
    }
}

/// A remote file's size and time as its directory's listing says now (`None`: not there).
async fn stat(s: &mut FtpSession, path: &str) -> Result<Option<(u64, Option<i64>)>, FtpError> {
    use crate::fs::FileSystem;
    let parent = crate::paths::remote_parent(path);
    let name = path.rsplit('/').next().unwrap_or(path);
    let listing = match s.list(&parent).await {
        Ok(l) => l,
        Err(e) => {
            return Err(FtpError::from_fs(e).unwrap_or_else(|e| FtpError::Protocol(e.to_string())));
        }
    };
    Ok(listing
        .entries
        .iter()
        .find(|e| e.name == name)
        .map(|e| (e.size, e.mtime)))
}

/// Compare `names` in `local_dir` and `remote_dir` by content: the strongest digest the server
/// offers that skiff computes too, asked of the server (`remote`) and computed here (`local`),
/// through the protocol seam on both sides.
async fn compare_content<R: crate::fs::Remote>(
    remote: &mut R,
    local_dir: &str,
    remote_dir: &str,
    names: &[String],
) -> Result<crate::state::ContentComparison, ErrorInfo> {
    use crate::fs::Remote;
    let mut local = crate::fs::local::LocalFs;
    let mut out = crate::state::ContentComparison::default();
    let ours = local.capabilities().checksums;
    let Some(algo) = remote.capabilities().checksums.best(|a| ours.contains(a)) else {
        return Ok(out);
    };
    out.algo = Some(algo.name().to_string());
    for name in names {
        let here = std::path::Path::new(local_dir).join(crate::names::local_path(name));
        let here = local
            .checksum(&crate::names::from_os(here.as_os_str()), algo)
            .await;
        let there = remote
            .checksum(&crate::paths::remote_join(remote_dir, name), algo)
            .await;
        match (here, there) {
            (Ok(Some(a)), Ok(Some(b))) if a == b => out.same += 1,
            (Ok(Some(_)), Ok(Some(_))) => out.differ.push(name.clone()),
            (Err(e), _) | (_, Err(e)) => out.unknown.push((name.clone(), e.to_string())),
            _ => out
                .unknown
                .push((name.clone(), "no checksum given".to_string())),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::local::LocalFs;

    /// `#` compares by content through the seam: here the local disk plays the server.
    #[tokio::test]
    async fn files_are_compared_by_content_through_any_remote() {
        let (a, b) = (
            tempfile::tempdir().expect("tempdir"),
            tempfile::tempdir().expect("tempdir"),
        );
        for (dir, same, other) in [(&a, b"same", b"abcd"), (&b, b"same", b"abce")] {
            std::fs::write(dir.path().join("same.txt"), same).expect("write");
            std::fs::write(dir.path().join("other.txt"), other).expect("write");
        }
        let s = |p: &std::path::Path| p.to_string_lossy().into_owned();
        let names = vec![
            "same.txt".to_string(),
            "other.txt".to_string(),
            "gone".into(),
        ];
        let c = compare_content(&mut LocalFs, &s(a.path()), &s(b.path()), &names)
            .await
            .expect("compared");
        assert_eq!(c.algo.as_deref(), Some("SHA-256"));
        assert_eq!(c.differ, vec!["other.txt".to_string()]);
        assert_eq!(c.same, 1);
        assert_eq!(c.unknown.len(), 1, "{:?}", c.unknown);
    }

    /// The pager's and the editor's reads go through the protocol seam: here over the local
    /// disk, as they would over any other protocol.
    #[tokio::test]
    async fn the_pager_and_the_editor_read_through_any_remote() {
        let dir = tempfile::tempdir().expect("tempdir");
        let f = dir.path().join("f.txt");
        std::fs::write(&f, b"0123456789").expect("write");
        let path = f.to_string_lossy().into_owned();
        let t = Duration::from_secs(5);
        let (head, more) = fetch_head(&mut LocalFs, &path, t, 4).await.expect("head");
        assert_eq!((head.as_slice(), more), (&b"0123"[..], true));
        let (all, more) = fetch_head(&mut LocalFs, &path, t, 100).await.expect("all");
        assert_eq!((all.as_slice(), more), (&b"0123456789"[..], false));
        let copy = fetch_to_temp(&mut LocalFs, &path, "f.txt", t)
            .await
            .expect("copy");
        assert_eq!(std::fs::read(&copy).expect("read"), b"0123456789");
        // Only the user may read the copy or list its directory.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &std::path::Path| {
                std::fs::metadata(p).expect("meta").permissions().mode() & 0o777
            };
            let copy = std::path::Path::new(&copy);
            assert_eq!(mode(copy), 0o600);
            assert_eq!(mode(copy.parent().expect("its dir")), 0o700);
        }
        let _ = std::fs::remove_dir_all(std::path::Path::new(&copy).parent().expect("its dir"));
        let missing = dir.path().join("nope").to_string_lossy().into_owned();
        assert!(fetch_head(&mut LocalFs, &missing, t, 4).await.is_err());
    }
}
