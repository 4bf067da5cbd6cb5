//! The browsing connection: one tokio task that owns the FTP session, serves listing requests in
//! order, and reconnects once by itself when the server dropped the connection.

use tokio::sync::mpsc::{self, UnboundedSender};

use crate::ftp::{ConnectOptions, FtpError, FtpSession, LogEvent, Tap};
use crate::state::{ErrorInfo, Event, Nav, Side};

enum Cmd {
    List { nav: Nav, req: u64 },
    Quit,
}

/// The UI side of the browsing connection. Dropping it closes the connection.
pub struct Handle {
    tx: mpsc::UnboundedSender<Cmd>,
}

impl Handle {
    pub fn list(&self, nav: Nav, req: u64) {
        let _ = self.tx.send(Cmd::List { nav, req });
    }
    pub fn quit(&self) {
        let _ = self.tx.send(Cmd::Quit);
    }
}

pub fn spawn(
    opts: ConnectOptions,
    req: u64,
    events: UnboundedSender<Event>,
    log: UnboundedSender<LogEvent>,
) -> Handle {
    let (tx, mut rx) = mpsc::unbounded_channel::<Cmd>();
    tokio::spawn(async move {
        let tap = Tap::new("browse", log);
        let mut session = match FtpSession::connect(opts.clone(), tap.clone()).await {
            Ok(s) => {
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
        while let Some(cmd) = rx.recv().await {
            match cmd {
                Cmd::Quit => break,
                Cmd::List { nav, req } => {
                    let mut result = list(&mut session, &nav).await;
                    if let Err(e) = &result
                        && e.is_connection_lost()
                    {
                        tap.warn(format!("{e}; reconnecting"));
                        match FtpSession::connect(opts.clone(), tap.clone()).await {
                            Ok(s) => {
                                session = s;
                                result = list(&mut session, &nav).await;
                            }
                            Err(e) => {
                                tap.error(format!("reconnect failed: {e}"));
                                let _ = events.send(Event::Disconnected {
                                    error: ErrorInfo::from(&e),
                                });
                                return;
                            }
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
    Handle { tx }
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
