//! What a server is and how skiff talks to it, for the server facts dialog.

use super::*;

/// What a server is and how skiff talks to it, for the server facts dialog.
#[derive(Debug, Clone)]
pub struct ServerFacts {
    pub label: String,
    pub greeting: String,
    /// The `SYST` reply (code and text).
    pub system: Option<(u16, String)>,
    pub features: Vec<String>,
    pub encrypted: bool,
    pub tls: Option<crate::ftp::tls::Seen>,
    pub data_mode: DataMode,
    /// The best of three `NOOP` round trips.
    pub rtt: Option<Duration>,
}

impl FtpSession {
    /// Ask the server what it is (`SYST`) and time three `NOOP`s; the rest is known already.
    pub async fn facts(&mut self) -> Result<ServerFacts, FtpError> {
        let system = match self.raw_command("SYST").await {
            Ok(r) => Some(r),
            Err(e) if e.is_connection_lost() => return Err(e),
            Err(_) => None,
        };
        let mut rtt: Option<Duration> = None;
        for _ in 0..3 {
            let start = std::time::Instant::now();
            self.quote("NOOP", &[200]).await?;
            let took = start.elapsed();
            rtt = Some(rtt.map_or(took, |r| r.min(took)));
        }
        Ok(ServerFacts {
            label: self.opts.label(),
            greeting: self.welcome.clone(),
            system,
            features: self.features.to_vec(),
            encrypted: self.encrypted,
            tls: self.tls_facts(),
            data_mode: self.data_mode,
            rtt,
        })
    }
}
