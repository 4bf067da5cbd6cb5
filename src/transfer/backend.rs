//! How the transfer engine reaches the far side of its transfers: a connection's settings that
//! can log in and give a [`Remote`] ([`Connect`]). FTP and FTPS (`ftp::ConnectOptions`) and
//! the local disk ([`LocalDisk`]) implement it; the engine and its workers are generic over it.
//! A new protocol implements `fs::Remote` for its session and [`Connect`] for its settings.

use std::future::Future;
use std::time::Duration;

use crate::fs::local::LocalFs;
use crate::fs::{FsError, Remote};
use crate::ftp::{ConnectOptions, FtpSession, Tap};

/// A connection's settings: what a worker logs in with, each time it needs a connection.
pub trait Connect: Clone + Send + Sync + 'static {
    type Remote: Remote;

    /// Log in; what is said on the connection goes to `tap`.
    fn connect(&self, tap: Tap) -> impl Future<Output = Result<Self::Remote, FsError>> + Send;

    /// A connection made elsewhere (already logged in) logs to `tap` from now on.
    fn adopt(remote: &mut Self::Remote, tap: Tap);

    /// The server these settings reach, as the saved queue names it: jobs saved for another
    /// server are not restored.
    fn server_key(&self) -> String;

    /// A transfer that moves nothing for this long has stalled (and is retried).
    fn stall(&self) -> Duration;
}

impl Connect for ConnectOptions {
    type Remote = FtpSession;

    async fn connect(&self, tap: Tap) -> Result<FtpSession, FsError> {
        Ok(FtpSession::connect(self.clone(), tap).await?)
    }

    fn adopt(remote: &mut FtpSession, tap: Tap) {
        remote.set_tap(tap);
    }

    fn server_key(&self) -> String {
        format!("{}@{}:{}", self.user, self.host, self.port)
    }

    fn stall(&self) -> Duration {
        self.stall
    }
}

/// The local disk as the far side: the engine copies between two local directories through the
/// same worker code as over FTP (the tests use it as a second protocol).
#[derive(Debug, Clone)]
pub struct LocalDisk {
    pub stall: Duration,
}

impl Default for LocalDisk {
    fn default() -> LocalDisk {
        LocalDisk {
            stall: Duration::from_secs(60),
        }
    }
}

impl Connect for LocalDisk {
    type Remote = LocalFs;

    async fn connect(&self, _: Tap) -> Result<LocalFs, FsError> {
        Ok(LocalFs)
    }

    fn adopt(_: &mut LocalFs, _: Tap) {}

    fn server_key(&self) -> String {
        "local disk".into()
    }

    fn stall(&self) -> Duration {
        self.stall
    }
}
