//! Server facts (`I`): the greeting, `SYST`, the `FEAT` list with what each feature means and
//! whether skiff uses it, encryption and the certificate, the data connection mode and the
//! measured round trip.

use super::State;
use super::action::Effect;
use super::logview::NotesView;
use crate::ftp::session::{DataMode, ServerFacts};
use crate::i18n::{n_, t};
use crate::tr;

/// Features skiff knows: the `FEAT` keyword, what it means, and whether skiff uses it.
const FEATURES: &[(&str, &str, bool)] = &[
    (
        "MLST",
        n_("machine-readable listings (MLSD, MLST; RFC 3659)"),
        true,
    ),
    ("SIZE", n_("the size of a file (RFC 3659)"), true),
    (
        "MDTM",
        n_("the modification time of a file (RFC 3659)"),
        true,
    ),
    (
        "MFMT",
        n_("set a file's modification time (kept on upload)"),
        true,
    ),
    ("REST", n_("restart a transfer at an offset (resume)"), true),
    (
        "UTF8",
        n_("names in UTF-8 (RFC 2640; skiff sends OPTS UTF8 ON)"),
        true,
    ),
    (
        "EPSV",
        n_("extended passive mode, works over IPv6 (RFC 2428)"),
        true,
    ),
    (
        "EPRT",
        n_("extended active mode, works over IPv6 (RFC 2428)"),
        true,
    ),
    (
        "AUTH",
        n_("FTPS: encrypt the control connection (RFC 4217)"),
        true,
    ),
    ("PBSZ", n_("FTPS: protection buffer size (RFC 4217)"), true),
    (
        "PROT",
        n_("FTPS: encrypt the data connections (RFC 4217)"),
        true,
    ),
    (
        "CCC",
        n_("FTPS: go back to a clear control connection"),
        false,
    ),
    ("TVFS", n_("Unix-like paths with / (RFC 3659)"), false),
    ("LANG", n_("replies in another language (RFC 2640)"), false),
    ("HOST", n_("virtual hosts on one address (RFC 7151)"), false),
    ("CLNT", n_("tell the server the client's name"), false),
    (
        "HASH",
        n_("a checksum of a file computed by the server"),
        false,
    ),
    ("XCRC", n_("a CRC32 of a file (non-standard)"), false),
    ("XMD5", n_("an MD5 of a file (non-standard)"), false),
    ("XSHA1", n_("a SHA-1 of a file (non-standard)"), false),
    ("MODE", n_("compressed transfers (MODE Z)"), false),
    (
        "SITE",
        n_("site-specific commands (try them on the command line, :)"),
        false,
    ),
];

/// The features part: one line per `FEAT` line, with its meaning and use.
pub fn describe_features(features: &[String]) -> String {
    let mut out = Vec::new();
    for f in features {
        let word = f
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_ascii_uppercase();
        let known = FEATURES
            .iter()
            .find(|(k, _, _)| word == *k || (*k == "MLST" && word == "MLSD"));
        let line = match known {
            Some((_, meaning, used)) => format!(
                "{f} — {} · {}",
                t(meaning),
                if *used {
                    t("skiff uses it")
                } else {
                    t("skiff does not use it")
                }
            ),
            None => format!("{f} — {}", t("not known to skiff")),
        };
        out.push(line);
    }
    if out.is_empty() {
        out.push(t("(the server answered FEAT with no features, or not at all)").to_string());
    }
    out.join("\n")
}

impl State {
    /// `I`: ask the browsing connection for the server's facts.
    pub(super) fn server_facts(&mut self) -> Vec<Effect> {
        if !matches!(self.conn, super::Conn::Connected { .. }) {
            self.set_status(t("Not connected: press o to connect"), true);
            return vec![];
        }
        let req = self.req();
        self.facts_req = req;
        self.set_status(t("Asking the server…"), false);
        vec![Effect::ServerFacts { req }]
    }

    pub(super) fn facts_arrived(
        &mut self,
        req: u64,
        result: Result<Box<ServerFacts>, super::ErrorInfo>,
    ) {
        if req != self.facts_req || self.dialog.is_some() {
            return;
        }
        self.facts_req = 0;
        let f = match result {
            Ok(f) => f,
            Err(e) => {
                self.show_error(t("Server facts"), &e);
                return;
            }
        };
        let mut parts = Vec::new();
        parts.push((t("Greeting").to_string(), f.greeting.trim_end().to_string()));
        if let Some((code, text)) = &f.system {
            parts.push((t("System (SYST)").to_string(), format!("{code} {text}")));
        }
        let mut conn = Vec::new();
        match (&f.tls, f.encrypted) {
            (Some(seen), true) => conn.push(tr!(
                "encrypted: {version}",
                version = seen.version.unwrap_or("TLS")
            )),
            _ => conn.push(
                t("NOT encrypted: plain FTP, the password and files travel in clear text")
                    .to_string(),
            ),
        }
        conn.push(match f.data_mode {
            DataMode::Epsv => t("data connections: passive (EPSV)").to_string(),
            DataMode::Pasv => t("data connections: passive (PASV)").to_string(),
            DataMode::Active => t("data connections: active (PORT/EPRT)").to_string(),
        });
        // The browsing connection lists in binary; transfers use the type chosen with T.
        conn.push(
            match self.transfer_mode {
                crate::transfer::TransferMode::Binary => t("transfer type: binary (TYPE I)"),
                crate::transfer::TransferMode::Ascii => {
                    t("transfer type: ASCII (TYPE A) for transfers queued now")
                }
                crate::transfer::TransferMode::Auto => {
                    t("transfer type: auto (ASCII for text extensions) for transfers queued now")
                }
            }
            .to_string(),
        );
        if let Some(rtt) = f.rtt {
            conn.push(tr!(
                "round trip: {ms} ms (NOOP, best of 3)",
                ms = format!("{:.1}", rtt.as_secs_f64() * 1000.0)
            ));
        }
        parts.push((
            tr!("Connection to {label}", label = f.label),
            conn.join("\n"),
        ));
        if let Some(cert) = f.tls.as_ref().and_then(|s| s.cert.as_ref()) {
            parts.push((
                t("Certificate").to_string(),
                [
                    tr!("subject: {v}", v = cert.subject),
                    tr!("issuer: {v}", v = cert.issuer),
                    tr!(
                        "valid: {from} to {to}",
                        from = cert.not_before,
                        to = cert.not_after
                    ),
                    format!("SHA-256: {}", cert.sha256),
                    cert.reason.clone(),
                ]
                .join("\n"),
            ));
        }
        parts.push((
            t("Features (FEAT)").to_string(),
            describe_features(&f.features),
        ));
        self.dialog = Some(super::dialog::Dialog::Notes(NotesView {
            title: tr!("Server facts: {label}", label = f.label),
            parts,
            scroll: 0,
        }));
        self.set_status("", false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_explained_and_marked_used_or_not() {
        let text = describe_features(&[
            "MLST type*;size*;modify*;".into(),
            "SIZE".into(),
            "REST STREAM".into(),
            "XYZ".into(),
            "HASH SHA-256*;MD5".into(),
        ]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(lines[0].starts_with("MLST type*;size*;modify*; — machine-readable"));
        assert!(lines[0].ends_with("skiff uses it"));
        assert!(lines[2].contains("restart a transfer") && lines[2].ends_with("skiff uses it"));
        assert!(lines[3].ends_with("not known to skiff"));
        assert!(lines[4].ends_with("skiff does not use it"));
        assert!(describe_features(&[]).contains("no features"));
    }
}
