//! The effect runner: each effect the state returns is done here, on tokio tasks or the transfer
//! engine's thread, and its result comes back as an event. Nothing here decides what to do.

use super::*;

use crate::transfer::Overrides;

/// Runs effects on tokio tasks and reports back through `events`.
pub struct Runner {
    pub(super) events: UnboundedSender<Event>,
    log: UnboundedSender<LogEvent>,
    remote: Option<remote::Handle>,
    engine: Option<Engine>,
    /// Which server (and how many connections) the engine works for.
    engine_for: Option<(ConnectOptions, usize, Overrides)>,
    /// The last `Connect`, waiting for its login to succeed, with its bookmark's transfer
    /// settings (connections, verify, temporary uploads).
    pending_engine: Option<(ConnectOptions, Option<usize>, Overrides)>,
    /// Connections the transfer engine may open (1–16).
    pub parallel: usize,
    pub on_exists: OnExists,
    /// Attempts per job before a transient failure is final.
    pub attempts: u32,
    /// The transfer type of the transfers queued from now on.
    pub mode: crate::transfer::TransferMode,
    /// Check each file with the server's checksum (`[transfer] verify`).
    pub verify: bool,
    /// The task keeping the server up to date (`W`), if on.
    keeping: Option<tokio::task::JoinHandle<()>>,
    /// When uploads go to a temporary name first (`[transfer] upload_temp`).
    pub upload_temp: crate::transfer::UploadTemp,
    /// Bytes per second for all transfers together (`[transfer] limit_rate`, then what `%`
    /// or a bookmark set).
    pub limit_rate: Option<u64>,
    /// Connections one big download may use (`[transfer] segments`).
    pub segments: crate::transfer::Segments,
}

impl Runner {
    pub fn new(events: UnboundedSender<Event>, log: UnboundedSender<LogEvent>) -> Runner {
        Runner {
            events,
            log,
            remote: None,
            engine: None,
            engine_for: None,
            pending_engine: None,
            parallel: 4,
            on_exists: OnExists::Ask,
            attempts: 5,
            mode: Default::default(),
            verify: false,
            keeping: None,
            upload_temp: Default::default(),
            limit_rate: None,
            segments: Default::default(),
        }
    }

    fn start_engine(&mut self, opts: ConnectOptions, parallel: Option<usize>, checks: Overrides) {
        let parallel = parallel.unwrap_or(self.parallel);
        let same = |o: &ConnectOptions| {
            o.host == opts.host
                && o.port == opts.port
                && o.user == opts.user
                && o.password == opts.password
        };
        if let Some((current, n, c)) = &self.engine_for
            && same(current)
            && *n == parallel
            && *c == checks
        {
            // The same server again: keep the queue running as it is (with the limit in force).
            if let Some(e) = &self.engine {
                e.send(EngineCmd::SetRateLimit(self.limit_rate));
            }
            return;
        }
        if let Some(old) = self.engine.take() {
            tokio::spawn(async move { old.shutdown().await });
        }
        // One saved queue per server, so switching servers never clobbers another's queue.
        let key: String = format!("{}@{}:{}", opts.user, opts.host, opts.port)
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "@.-_".contains(c) {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.engine_for = Some((opts.clone(), parallel, checks));
        let mut cfg = EngineConfig::new(opts);
        cfg.parallel = parallel;
        cfg.on_exists = self.on_exists;
        cfg.max_attempts = self.attempts;
        cfg.mode = self.mode;
        cfg.verify = checks.verify.unwrap_or(self.verify);
        cfg.upload_temp = checks.upload_temp.unwrap_or(self.upload_temp);
        cfg.limit_rate = self.limit_rate;
        cfg.segments = checks.segments.unwrap_or(self.segments);
        cfg.state_file = crate::paths::data_dir().map(|d| d.join(format!("queue-{key}.json")));
        let (tx, mut rx) = mpsc::unbounded_channel();
        let events = self.events.clone();
        tokio::spawn(async move {
            while let Some(e) = rx.recv().await {
                if events.send(Event::Engine(e)).is_err() {
                    break;
                }
            }
        });
        match Engine::start_threaded(cfg, tx, Some(self.log.clone())) {
            Ok(e) => self.engine = Some(e),
            Err(e) => crate::ftp::Tap::new("xfer", self.log.clone())
                .warn(format!("cannot start the transfer engine: {e}")),
        }
    }

    /// Stop the engine (interrupted transfers keep their `.part` files; the queue is saved).
    pub async fn shutdown(&mut self) {
        if let Some(e) = self.engine.take() {
            e.shutdown().await;
        }
        if let Some(h) = self.remote.take() {
            h.send(remote::RemoteCmd::Quit);
        }
    }

    /// Hand a command to the transfer engine. The transfer type is also kept for an engine
    /// started later; jobs queued before there is one are refused in the log.
    fn engine_cmd(&mut self, cmd: EngineCmd) {
        match &cmd {
            EngineCmd::SetMode(mode) => self.mode = *mode,
            // Kept for an engine started later (another server).
            EngineCmd::SetRateLimit(rate) => self.limit_rate = *rate,
            _ => {}
        }
        match &self.engine {
            Some(e) => e.send(cmd),
            None if matches!(cmd, EngineCmd::Enqueue(_) | EngineCmd::EnqueueWith { .. }) => {
                let tap = crate::ftp::Tap::new("xfer", self.log.clone());
                tap.error("not connected: nothing was queued");
            }
            None => {}
        }
    }

    pub fn run(&mut self, fx: Effect) {
        match fx {
            Effect::List {
                side: Side::Local,
                nav,
                req,
            } => {
                let events = self.events.clone();
                tokio::spawn(async move {
                    let mut fs = LocalFs;
                    let path = match nav {
                        Nav::To(p) => p,
                        Nav::Up(from) => fs.parent(&from),
                    };
                    let result = fs
                        .list(&path)
                        .await
                        .map(|mut l| {
                            // Sorting happens here, off the UI task.
                            crate::state::pane::sort_entries(&mut l.entries);
                            l
                        })
                        .map_err(|e| {
                            // The path it could not open, as typed or reached.
                            let mut info = ErrorInfo::from(&e);
                            info.message = format!("{path}: {}", info.message);
                            info
                        });
                    let _ = events.send(Event::Listed {
                        side: Side::Local,
                        req,
                        result,
                    });
                });
            }
            Effect::List {
                side: Side::Remote,
                nav,
                req,
            } => match &self.remote {
                Some(h) => h.send(remote::RemoteCmd::List { nav, req }),
                None => {
                    let _ = self.events.send(Event::Listed {
                        side: Side::Remote,
                        req,
                        result: Err(ErrorInfo::new("not connected", None)),
                    });
                }
            },
            Effect::Connect {
                opts,
                path: _,
                req,
                parallel,
                transfer,
                limit_rate,
            } => {
                self.limit_rate = limit_rate;
                // "Trust always" answers from earlier sessions.
                let mut opts = opts;
                crate::ftp::tls::apply_known_pin(&mut opts);
                // Dropping the old handle closes the old browsing connection.
                self.remote = Some(remote::spawn(
                    opts.clone(),
                    req,
                    self.events.clone(),
                    self.log.clone(),
                ));
                // The engine starts once the login has worked (see StartTransfers).
                self.pending_engine = Some((opts, parallel.map(usize::from), transfer));
            }
            Effect::ServerFacts { req } => match &self.remote {
                Some(h) => h.send(remote::RemoteCmd::Facts { req }),
                None => {
                    let _ = self.events.send(Event::ServerFacts {
                        req,
                        result: Err(ErrorInfo::new("not connected", None)),
                    });
                }
            },
            Effect::SaveLog { path, text } => {
                let events = self.events.clone();
                let text = crate::text::printable_lines(&text).into_owned();
                tokio::task::spawn_blocking(move || {
                    // A new file only: an existing one is never overwritten.
                    let result = std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .open(crate::names::local_path(&path))
                        .and_then(|mut f| std::io::Write::write_all(&mut f, text.as_bytes()))
                        .map(|()| text.lines().count())
                        .map_err(|e| e.to_string());
                    let _ = events.send(Event::LogSaved { path, result });
                });
            }
            Effect::CancelConnect => {
                if let Some(h) = self.remote.take() {
                    h.cancel();
                }
                self.pending_engine = None;
            }
            Effect::StartTransfers => {
                if let Some((mut opts, parallel, checks)) = self.pending_engine.take() {
                    // What the login found of the server's time zone, for the engine's
                    // listings too.
                    if opts.time_offset.is_none() {
                        opts.time_offset = self.remote.as_ref().and_then(|h| h.time_offset());
                    }
                    self.start_engine(opts, parallel, checks);
                }
            }
            Effect::Engine(cmd) => self.engine_cmd(cmd),
            Effect::SavePin { host, port, sha256 } => {
                let tap = crate::ftp::Tap::new("browse", self.log.clone());
                match crate::ftp::tls::known_hosts_path() {
                    Some(path) => match crate::ftp::tls::save_pin(&path, &host, port, &sha256) {
                        Ok(()) => tap.info(format!(
                            "Trusting the certificate {sha256} for {host}:{port} from now on ({})",
                            path.display()
                        )),
                        Err(e) => tap.error(format!(
                            "could not remember the certificate in {}: {e}",
                            path.display()
                        )),
                    },
                    None => tap.error("no config directory to remember the certificate in"),
                }
            }
            Effect::LoadBookmarks => {
                let events = self.events.clone();
                tokio::task::spawn_blocking(move || {
                    let (profiles, error) = match Store::default_location() {
                        None => (
                            Vec::new(),
                            Some("no config directory on this system".to_string()),
                        ),
                        Some(store) => match store.load() {
                            Ok((p, e)) => (p, e.map(|e| e.to_string())),
                            Err(e) => (Vec::new(), Some(e.to_string())),
                        },
                    };
                    let _ = events.send(Event::BookmarksLoaded { profiles, error });
                });
            }
            Effect::SaveBookmark { profile, old_name } => {
                let events = self.events.clone();
                tokio::task::spawn_blocking(move || {
                    let r = match Store::default_location() {
                        None => Err(t("no config directory on this system").to_string()),
                        Some(store) => {
                            // An edit that changes user, host or port: the keyring password
                            // follows (see `carry_keyring_password`).
                            let before = old_name
                                .as_deref()
                                .and_then(|n| store.get(n).ok().flatten());
                            if let Some(before) = before {
                                let _ = crate::bookmarks::carry_keyring_password(
                                    &before,
                                    &profile,
                                    &crate::bookmarks::OsKeyring,
                                );
                            }
                            store
                                .save(&profile, old_name.as_deref())
                                .map(|()| {
                                    tr!(
                                        "Saved bookmark {name} in {file}",
                                        name = format!("{:?}", profile.name),
                                        file = store.path().display()
                                    )
                                })
                                .map_err(|e| e.to_string())
                        }
                    };
                    let _ = events.send(Event::BookmarkStored(r));
                });
            }
            Effect::DeleteBookmark(name) => {
                let events = self.events.clone();
                tokio::task::spawn_blocking(move || {
                    let r = match Store::default_location() {
                        None => Err(t("no config directory on this system").to_string()),
                        Some(store) => match store.remove(&name) {
                            Ok(true) => {
                                Ok(tr!("Deleted bookmark {name}", name = format!("{name:?}")))
                            }
                            Ok(false) => {
                                Err(tr!("no bookmark named {name}", name = format!("{name:?}")))
                            }
                            Err(e) => Err(e.to_string()),
                        },
                    };
                    let _ = events.send(Event::BookmarkStored(r));
                });
            }
            Effect::ResolveProfile(profile) => {
                let events = self.events.clone();
                tokio::task::spawn_blocking(move || {
                    let (password, note) = resolve_profile_password(&profile);
                    let _ = events.send(Event::ProfileResolved {
                        profile,
                        password,
                        note,
                    });
                });
            }
            Effect::RecordRecent(entry) => {
                tokio::task::spawn_blocking(move || {
                    if let Some(store) = Store::default_location() {
                        // The recent list is a convenience: failing to update it is not an error
                        // worth interrupting anyone for.
                        let _ = store.push_recent(entry);
                    }
                });
            }
            Effect::Quit => {
                if let Some(h) = self.remote.take() {
                    h.send(remote::RemoteCmd::Quit);
                }
            }
            Effect::Fs {
                side: Side::Local,
                op,
                req,
            } => {
                let events = self.events.clone();
                tokio::spawn(async move {
                    let report = crate::fs::ops::run(&mut LocalFs, &op).await;
                    let _ = events.send(Event::FsDone {
                        side: Side::Local,
                        req,
                        op,
                        report,
                    });
                });
            }
            Effect::Fs {
                side: Side::Remote,
                op,
                req,
            } => match &self.remote {
                Some(h) => h.send(remote::RemoteCmd::Op { op, req }),
                None => {
                    let report = crate::fs::ops::OpReport {
                        failed: vec![(String::new(), "not connected".into())],
                        ..Default::default()
                    };
                    let _ = self.events.send(Event::FsDone {
                        side: Side::Remote,
                        req,
                        op,
                        report,
                    });
                }
            },
            Effect::View {
                side: Side::Local,
                path,
                size: _,
                req,
            } => {
                let events = self.events.clone();
                tokio::spawn(async move {
                    let p = crate::names::local_path(&path);
                    let read = tokio::task::spawn_blocking(move || read_head(&p)).await;
                    let result = match read {
                        Ok(Ok(r)) => Ok(r),
                        Ok(Err(e)) => Err(ErrorInfo::new(e.to_string(), None)),
                        Err(e) => Err(ErrorInfo::new(e.to_string(), None)),
                    };
                    let _ = events.send(Event::Viewed {
                        req,
                        title: path,
                        result,
                    });
                });
            }
            Effect::View {
                side: Side::Remote,
                path,
                size: _,
                req,
            } => match &self.remote {
                Some(h) => h.send(remote::RemoteCmd::Fetch { path, req }),
                None => {
                    let _ = self.events.send(Event::Viewed {
                        req,
                        title: path,
                        result: Err(ErrorInfo::new("not connected", None)),
                    });
                }
            },
            Effect::FetchForEdit { path, name, req } => match &self.remote {
                Some(h) => h.send(remote::RemoteCmd::FetchToTemp { path, name, req }),
                None => {
                    let _ = self.events.send(Event::FetchedForEdit {
                        req,
                        result: Err(ErrorInfo::new("not connected", None)),
                    });
                }
            },
            Effect::Quote { line, dir, req } => match &self.remote {
                Some(h) => h.send(remote::RemoteCmd::Quote { line, dir, req }),
                None => {
                    let _ = self.events.send(Event::Quoted {
                        req,
                        result: Err(ErrorInfo::new("not connected", None)),
                    });
                }
            },
            Effect::RawListing { line, dir, req } => match &self.remote {
                Some(h) => h.send(remote::RemoteCmd::RawListing { line, dir, req }),
                None => {
                    let _ = self.events.send(Event::Viewed {
                        req,
                        title: line,
                        result: Err(ErrorInfo::new("not connected", None)),
                    });
                }
            },
            Effect::ListingLine { dir, name, req } => match &self.remote {
                Some(h) => h.send(remote::RemoteCmd::ListingLine { dir, name, req }),
                None => {
                    let _ = self.events.send(Event::ListingLine {
                        req,
                        result: Err(ErrorInfo::new("not connected", None)),
                    });
                }
            },
            Effect::KeepUpToDate(dirs) => {
                if let Some(old) = self.keeping.take() {
                    old.abort();
                }
                let tap = crate::ftp::Tap::new("watch", self.log.clone());
                match (dirs, &self.engine, &self.engine_for) {
                    (None, _, _) => tap.info("no longer keeping the server up to date"),
                    (Some((local, remote)), Some(engine), Some((opts, _, _))) => {
                        self.keeping =
                            keep::start(local, remote, opts.clone(), engine.clone(), tap);
                    }
                    (Some(_), _, _) => {
                        tap.warn("cannot keep the server up to date: not connected yet")
                    }
                }
            }
            Effect::CompareContent {
                local_dir,
                remote_dir,
                names,
                req,
            } => match &self.remote {
                Some(h) => h.send(remote::RemoteCmd::CompareContent {
                    local_dir,
                    remote_dir,
                    names,
                    req,
                }),
                None => {
                    let _ = self.events.send(Event::ContentCompared {
                        req,
                        result: Err(ErrorInfo::new("not connected", None)),
                    });
                }
            },
            Effect::Checksum { path, req } => match &self.remote {
                Some(h) => h.send(remote::RemoteCmd::Checksum { path, req }),
                None => {
                    let _ = self.events.send(Event::Checksum {
                        req,
                        result: Err(ErrorInfo::new("not connected", None)),
                    });
                }
            },
            Effect::StatRemote { path, req } => match &self.remote {
                Some(h) => h.send(remote::RemoteCmd::Stat { path, req }),
                None => {
                    let _ = self.events.send(Event::RemoteStat {
                        req,
                        result: Err(ErrorInfo::new("not connected", None)),
                    });
                }
            },
            Effect::RemoveTemp(file) => remove_edit_copy(&file),
            Effect::StatLocal { path, req } => {
                let size = std::fs::metadata(crate::names::local_path(&path))
                    .map(|m| m.len())
                    .ok();
                let _ = self.events.send(Event::LocalStat { req, size });
            }
            // The event loop runs the editor itself (it owns the terminal); one that reaches
            // here has no terminal to run in.
            Effect::Edit { file, remote } => {
                let _ = self.events.send(Event::Edited {
                    file,
                    remote,
                    changed: Err("no terminal to run the editor in".into()),
                });
            }
            Effect::Clipboard(text) => {
                use std::io::Write;
                let mut out = io::stdout();
                let _ = out.write_all(osc52(&text).as_bytes());
                let _ = out.flush();
            }
        }
    }

    pub fn run_all(&mut self, fx: Vec<Effect>) {
        for f in fx {
            self.run(f);
        }
    }
}

/// The first [`VIEW_LIMIT`](crate::state::view::VIEW_LIMIT) bytes of a local file, and
/// whether there is more.
fn read_head(p: &std::path::Path) -> io::Result<(Vec<u8>, bool)> {
    use std::io::Read;
    let limit = crate::state::view::VIEW_LIMIT;
    let mut f = std::fs::File::open(p)?;
    let mut buf = Vec::new();
    f.by_ref().take(limit as u64 + 1).read_to_end(&mut buf)?;
    let more = buf.len() > limit;
    buf.truncate(limit);
    Ok((buf, more))
}

/// Remove an edited copy of a remote file, and its private directory when that is one of ours.
fn remove_edit_copy(file: &str) {
    let p = crate::names::local_path(file);
    let _ = std::fs::remove_file(&p);
    if let Some(dir) = p.parent()
        && dir
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("skiff-edit-"))
    {
        let _ = std::fs::remove_dir(dir);
    }
}
