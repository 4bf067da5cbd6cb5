//! `ftp://user:password@host:port/path` URLs, with percent-decoding and clear errors.
//!
//! Schemes, as curl, lftp and FileZilla read them: `ftp://` is plain FTP, `ftpes://` is explicit
//! FTPS (`AUTH TLS` on port 21), `ftps://` is implicit FTPS (TLS from the first byte, port 990).

use super::session::Secret;
use super::tls::TlsMode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtpUrl {
    pub host: String,
    pub port: u16,
    /// `None` means anonymous.
    pub user: Option<String>,
    pub password: Option<Secret>,
    /// The path part, decoded, relative to the login directory as in RFC 1738
    /// (`ftp://h/pub` → `pub`; `ftp://h//srv/pub` → `/srv/pub`); `None` when the URL has none.
    pub path: Option<String>,
    /// From the scheme: `Off` (ftp), `Explicit` (ftpes) or `Implicit` (ftps).
    pub tls: TlsMode,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlError {
    #[error("not an ftp://, ftpes:// or ftps:// URL: {0}")]
    Scheme(String),
    #[error("the URL has no host")]
    NoHost,
    /// The text is not shown: with a `/` left unencoded in a password, the password is what
    /// lands where the port should be.
    #[error(
        "bad port (expected 1-65535; a '/', '@' or ':' in a user name or password must be written %2F, %40, %3A)"
    )]
    Port,
    #[error("bad percent-encoding in the URL")]
    Percent,
    #[error("control characters are not allowed in a URL")]
    Control,
}

fn percent_decode(s: &str) -> Result<String, UrlError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3).ok_or(UrlError::Percent)?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| UrlError::Percent)?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    let text = String::from_utf8(out).map_err(|_| UrlError::Percent)?;
    if text.chars().any(|c| c.is_control()) {
        return Err(UrlError::Control);
    }
    Ok(text)
}

impl FtpUrl {
    /// Whether `s` looks like something [`FtpUrl::parse`] is meant for.
    pub fn looks_like_url(s: &str) -> bool {
        let lower = s.to_ascii_lowercase();
        lower.starts_with("ftp://") || lower.starts_with("ftps://") || lower.starts_with("ftpes://")
    }

    pub fn parse(s: &str) -> Result<FtpUrl, UrlError> {
        let lower = s.to_ascii_lowercase();
        let (rest, tls) = if lower.starts_with("ftp://") {
            (&s[6..], TlsMode::Off)
        } else if lower.starts_with("ftpes://") {
            (&s[8..], TlsMode::Explicit)
        } else if lower.starts_with("ftps://") {
            (&s[7..], TlsMode::Implicit)
        } else {
            // Only a scheme is repeated: text without "://" may be `user:password@host`.
            return Err(UrlError::Scheme(match s.split_once("://") {
                Some((scheme, _)) => scheme.chars().take(16).collect(),
                None => "no scheme".to_string(),
            }));
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], Some(&rest[i..])),
            None => (rest, None),
        };
        // The last '@' separates credentials: a password may contain a literal '@'.
        let (creds, hostport) = match authority.rfind('@') {
            Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
            None => (None, authority),
        };
        let (user, password) = match creds {
            None => (None, None),
            Some(c) => match c.find(':') {
                Some(i) => (
                    Some(percent_decode(&c[..i])?),
                    Some(Secret::new(percent_decode(&c[i + 1..])?)),
                ),
                None => (Some(percent_decode(c)?), None),
            },
        };
        let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
            let end = v6.find(']').ok_or(UrlError::NoHost)?;
            let port = v6[end + 1..].strip_prefix(':');
            (v6[..end].to_string(), port)
        } else {
            match hostport.rfind(':') {
                Some(i) => (hostport[..i].to_string(), Some(&hostport[i + 1..])),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return Err(UrlError::NoHost);
        }
        if host.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(UrlError::Control);
        }
        let port = match port {
            None | Some("") if tls == TlsMode::Implicit => 990,
            None | Some("") => 21,
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => return Err(UrlError::Port),
            },
        };
        let path = match path {
            None | Some("/") => None,
            Some(p) => Some(percent_decode(&p[1..])?).filter(|p| !p.is_empty()),
        };
        Ok(FtpUrl {
            host,
            port,
            user: user.filter(|u| !u.is_empty()),
            password,
            path,
            tls,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls_schemes() {
        let u = FtpUrl::parse("ftps://h/x").unwrap();
        assert_eq!((u.tls, u.port), (TlsMode::Implicit, 990));
        let u = FtpUrl::parse("FTPES://h:2121").unwrap();
        assert_eq!((u.tls, u.port), (TlsMode::Explicit, 2121));
        let u = FtpUrl::parse("ftp://h").unwrap();
        assert_eq!((u.tls, u.port), (TlsMode::Off, 21));
        assert!(FtpUrl::looks_like_url("ftpes://h"));
        assert!(FtpUrl::parse("sftp://h").is_err());
    }

    #[test]
    fn full_url() {
        let u =
            FtpUrl::parse("ftp://alice:p%40ss:w@example.org:2121/pub/dir%20with%20spaces").unwrap();
        assert_eq!(u.host, "example.org");
        assert_eq!(u.port, 2121);
        assert_eq!(u.user.as_deref(), Some("alice"));
        assert_eq!(u.password.as_ref().map(|p| p.expose()), Some("p@ss:w"));
        assert_eq!(u.path.as_deref(), Some("pub/dir with spaces"));
        let abs = FtpUrl::parse("ftp://h//srv/pub/").unwrap();
        assert_eq!(abs.path.as_deref(), Some("/srv/pub/"));
    }

    #[test]
    fn anonymous_and_defaults() {
        let u = FtpUrl::parse("ftp://host").unwrap();
        assert_eq!(
            (u.host.as_str(), u.port, u.user, u.path),
            ("host", 21, None, None)
        );
        let u = FtpUrl::parse("FTP://bob@[::1]:21/").unwrap();
        assert_eq!(u.host, "::1");
        assert_eq!(u.user.as_deref(), Some("bob"));
        assert!(u.password.is_none());
    }

    #[test]
    fn bad_urls_are_clear_errors() {
        assert_eq!(
            FtpUrl::parse("http://x"),
            Err(UrlError::Scheme("http".into()))
        );
        assert_eq!(FtpUrl::parse("ftp://:21/"), Err(UrlError::NoHost));
        assert_eq!(FtpUrl::parse("ftp://h:0"), Err(UrlError::Port));
        assert_eq!(FtpUrl::parse("ftp://h:99999"), Err(UrlError::Port));
        // Text without a scheme may be user:password@host: it is not repeated.
        let e = FtpUrl::parse("alice:hunter2@h/x").unwrap_err().to_string();
        assert!(!e.contains("hunter2"), "{e}");
        // A password with an unencoded '/' is never repeated in the error.
        let e = FtpUrl::parse("ftp://u:se/cret@h/").unwrap_err().to_string();
        assert!(!e.contains("cret") && !e.contains("\"se\""), "{e}");
        assert_eq!(
            FtpUrl::parse("ftp://h/%0d%0aDELE%20x"),
            Err(UrlError::Control)
        );
        assert_eq!(FtpUrl::parse("ftp://h/%zz"), Err(UrlError::Percent));
    }

    #[test]
    fn password_never_in_debug() {
        let u = FtpUrl::parse("ftp://a:topsecret@h/").unwrap();
        assert!(!format!("{u:?}").contains("topsecret"));
    }
}
