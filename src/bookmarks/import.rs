//! Importing bookmarks from FileZilla's `sitemanager.xml` and lftp's `bookmarks` file.
//!
//! Passwords are imported only when asked (`import_passwords`), and then only into the keyring
//! (the profile's password source becomes `keyring`); when no keyring service is reachable the
//! import fails before anything is stored. Without `import_passwords` the profiles ask.
//! The returned notes are for the user (skipped sites, things not imported); they never contain
//! a password.
//!
//! Nothing here writes the bookmarks file: the caller saves the profiles it wants (names are
//! made unique within one import, not against the existing bookmarks).
//!
//! FileZilla facts used (`sitemanager.xml`, FileZilla 3):
//! - `<FileZilla3><Servers>` holds `<Server>` and `<Folder>` elements; a folder's name is its
//!   own text, folders nest; a site becomes `Folder/Sub/Site`;
//! - a site's name is `<Name>` (old versions: the `<Server>` element's own text), else the host;
//! - `<Protocol>`: 0 FTP (FileZilla: "use explicit TLS if available"; imported as plain `ftp`),
//!   1 SFTP, 2 HTTP, 3 FTPS implicit, 4 FTPES explicit, 5 HTTPS, 6 insecure FTP, 7+ cloud
//!   protocols; only 0, 3, 4 and 6 are imported;
//! - `<Logontype>`: 0 anonymous, 1 normal (password stored), 2 ask, 3 interactive,
//!   4 account (password + `<Account>`), 5 key file, 6 profile;
//! - `<Pass encoding="base64">` holds base64 of the UTF-8 password; without `encoding` it is
//!   the password itself (old versions); `encoding="crypt"` is protected by a master password
//!   and cannot be imported;
//! - `<PasvMode>`: `MODE_DEFAULT` (FileZilla's default is passive), `MODE_ACTIVE`,
//!   `MODE_PASSIVE`;
//! - `<EncodingType>`: `Auto`, `UTF-8` or `Custom` with `<CustomEncoding>`;
//! - `<LocalDir>`; `<RemoteDir>` in FileZilla's "safe path" encoding
//!   `TYPE PREFIXLEN [PREFIX] (LEN SEGMENT)*`, e.g. `1 0 3 pub 8 incoming` = `/pub/incoming`,
//!   `1 0` = `/`; TYPE is the server type (0 default, 1 Unix, 2 VMS, 3 DOS, 4 MVS, 5 VxWorks,
//!   6 z/VM, 7 HP NonStop, 8 DOS-like, 9 Cygwin, 10 DOS with forward slashes). LEN counts
//!   characters (FileZilla's `wchar_t` units: code points on Unix; on Windows UTF-16 units,
//!   retried when counting code points does not fit). DOS types give `C:\dir` (3) or `C:/dir`
//!   (8, 10), VMS and MVS paths are not imported (with a note), all others give `/seg/seg`;
//! - `<MaximumMultipleConnections>` > 0 becomes `parallel`.
//!
//! lftp facts used (`~/.local/share/lftp/bookmarks`, formerly `~/.lftp/bookmarks`): one
//! bookmark a line, `NAME`, a tab (spaces are accepted too) and a URL or host; `#` starts a
//! comment line. `ftp://` is plain FTP, `ftps://` implicit FTPS (lftp's meaning, port 990);
//! a value without a scheme is an FTP host; other schemes (sftp, fish, http, ...) are skipped.
//! User, password and path are percent-decoded; the path is taken as lftp does: `/dir` is the
//! absolute `/dir`, `/~/dir` is `~/dir` (home-relative), `/` or nothing means no directory.

use std::collections::HashSet;

use base64::Engine as _;
use quick_xml::events::Event;

use super::{BookmarkError, Keyring, PasswordSource, Profile, Protocol, percent_decode};
use super::{KEYRING_SERVICE, keyring_account};

// ---------------------------------------------------------------------------------------------
// A small element tree, enough for sitemanager.xml.

#[derive(Debug, Default)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    /// The element's own text (not its children's), entity references resolved.
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
    }

    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

fn xml_error(xml: &str, pos: u64, what: impl std::fmt::Display) -> BookmarkError {
    let pos = usize::try_from(pos).unwrap_or(usize::MAX).min(xml.len());
    let (line, column) = super::toml_io::line_col(xml, pos);
    BookmarkError::Import(format!(
        "not a readable FileZilla file (XML error at line {line}, column {column}: {what})"
    ))
}

/// How deep elements may nest in an imported XML file.
const MAX_XML_DEPTH: usize = 100;

fn parse_xml(xml: &str) -> Result<Element, BookmarkError> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Element> = vec![Element::default()];
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| xml_error(xml, pos, e))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let mut el = Element {
                    name: e.name().as_ref().to_string(),
                    ..Element::default()
                };
                for a in e.attributes() {
                    let a = a.map_err(|err| xml_error(xml, pos, err))?;
                    let v = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|err| xml_error(xml, pos, err))?;
                    el.attrs.push((a.key.as_ref().to_string(), v.into_owned()));
                }
                stack.push(el);
                // A site manager is a few folders deep; thousands of levels are an attack on
                // the stack (the walk and the tree's drop recurse).
                if stack.len() > MAX_XML_DEPTH {
                    return Err(BookmarkError::Invalid(format!(
                        "the file nests elements more than {MAX_XML_DEPTH} deep; not a FileZilla site manager"
                    )));
                }
                if matches!(event, Event::Empty(_)) {
                    close(&mut stack);
                }
            }
            Event::End(_) => close(&mut stack),
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => {
                        let name: &str = r.as_ref();
                        quick_xml::escape::resolve_predefined_entity(name).map(str::to_string)
                    }
                    Err(err) => return Err(xml_error(xml, pos, err)),
                };
                match (resolved, stack.last_mut()) {
                    (Some(s), Some(top)) => top.text.push_str(&s),
                    (None, _) => return Err(xml_error(xml, pos, "unknown entity")),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() > 1 {
        let open: Vec<String> = stack[1..].iter().map(|e| format!("<{}>", e.name)).collect();
        return Err(BookmarkError::Import(format!(
            "not a complete FileZilla file: it ends inside {}",
            open.join(" ")
        )));
    }
    let mut doc = stack.pop().unwrap_or_default();
    doc.children
        .pop()
        .ok_or_else(|| BookmarkError::Import("the file has no XML element".to_string()))
}

fn close(stack: &mut Vec<Element>) {
    if stack.len() > 1
        && let Some(el) = stack.pop()
        && let Some(parent) = stack.last_mut()
    {
        parent.children.push(el);
    }
}

// ---------------------------------------------------------------------------------------------

/// Decodes FileZilla's safe path encoding; `Ok(None)` for an empty string.
fn decode_safe_path(s: &str) -> Result<Option<String>, String> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || format!("could not decode the remote directory {s:?}");
    let (ty, rest) = s.split_once(' ').ok_or_else(bad)?;
    let ty: u32 = ty.parse().map_err(|_| bad())?;
    let (prefix, segments) = split_segments(rest, false)
        .or_else(|| split_segments(rest, true))
        .ok_or_else(bad)?;
    let path = match ty {
        2 | 4 => {
            return Err(format!(
                "the remote directory is in {} format, which skiff does not import",
                if ty == 2 { "VMS" } else { "MVS" }
            ));
        }
        3 | 8 | 10 if segments.first().is_some_and(|f| f.ends_with(':')) => {
            let sep = if ty == 3 { "\\" } else { "/" };
            let mut p = segments.join(sep);
            if segments.len() == 1 {
                p.push_str(sep);
            }
            p
        }
        _ => format!("/{}", segments.join("/")),
    };
    let _ = prefix;
    Ok(Some(path))
}

/// `PREFIXLEN [PREFIX] (LEN SEGMENT)*`, lengths in code points (or UTF-16 units).
fn split_segments(s: &str, utf16: bool) -> Option<(String, Vec<String>)> {
    let mut rest = s;
    let take_len = |rest: &mut &str| -> Option<usize> {
        let (n, after) = rest.split_once(' ').unwrap_or((rest, ""));
        let n = n.parse().ok()?;
        *rest = after;
        Some(n)
    };
    let take_text = |rest: &mut &str, n: usize| -> Option<String> {
        let mut units = 0;
        let mut end = rest.len();
        for (i, c) in rest.char_indices() {
            if units == n {
                end = i;
                break;
            }
            units += if utf16 { c.len_utf16() } else { 1 };
        }
        if units < n {
            return None;
        }
        let text = rest[..end].to_string();
        let after = &rest[end..];
        *rest = match after.strip_prefix(' ') {
            Some(a) => a,
            None if after.is_empty() => after,
            None => return None,
        };
        Some(text)
    };
    let plen = take_len(&mut rest)?;
    let prefix = if plen > 0 {
        take_text(&mut rest, plen)?
    } else {
        String::new()
    };
    let mut segments = Vec::new();
    while !rest.is_empty() {
        let n = take_len(&mut rest)?;
        let seg = take_text(&mut rest, n)?;
        if !seg.is_empty() {
            segments.push(seg);
        }
    }
    Some((prefix, segments))
}

/// Makes `name` unique among `used` with ` (2)`, ` (3)`, ...
fn unique_name(name: String, used: &mut HashSet<String>, notes: &mut Vec<String>) -> String {
    if used.insert(name.clone()) {
        return name;
    }
    let mut n = 2;
    loop {
        let candidate = format!("{name} ({n})");
        if used.insert(candidate.clone()) {
            notes.push(format!(
                "{name:?}: a second site of that name was imported as {candidate:?}"
            ));
            return candidate;
        }
        n += 1;
    }
}

/// Puts the collected passwords into the keyring and switches those profiles to `keyring`.
/// Checks first that a keyring is reachable, so that nothing is half stored.
fn store_passwords(
    profiles: &mut [Profile],
    passwords: Vec<(usize, String)>,
    import_passwords: bool,
    keyring: &dyn Keyring,
    notes: &mut Vec<String>,
) -> Result<(), BookmarkError> {
    if passwords.is_empty() {
        return Ok(());
    }
    if !import_passwords {
        notes.push(format!(
            "{} stored password{} not imported; {} ask for the password (import with \
             passwords to put them into the keyring)",
            passwords.len(),
            if passwords.len() == 1 {
                " was"
            } else {
                "s were"
            },
            if passwords.len() == 1 {
                "that bookmark will"
            } else {
                "those bookmarks"
            },
        ));
        return Ok(());
    }
    if !keyring.available() {
        return Err(BookmarkError::Keyring(format!(
            "no keyring service is reachable, so the {} stored password{} cannot be imported \
             (skiff never writes passwords to its files); nothing was imported — import \
             without passwords instead",
            passwords.len(),
            if passwords.len() == 1 { "" } else { "s" }
        )));
    }
    for (i, pw) in passwords {
        if let Some(p) = profiles.get_mut(i) {
            let account = keyring_account(p);
            // A password the keyring holds already (yours, or an earlier site of this import
            // on the same account) is never replaced by an imported one.
            match keyring.get(KEYRING_SERVICE, &account)? {
                Some(existing) if existing != pw => notes.push(format!(
                    "{}: the keyring already holds a password for {account}; kept that one,                      not the imported one",
                    p.name
                )),
                Some(_) => {}
                None => keyring.set(KEYRING_SERVICE, &account, &pw)?,
            }
            p.password = PasswordSource::Keyring;
        }
    }
    Ok(())
}

/// Imports FileZilla's `sitemanager.xml`. Returns the profiles and notes for the user.
pub fn filezilla(
    xml: &str,
    import_passwords: bool,
    keyring: &dyn Keyring,
) -> Result<(Vec<Profile>, Vec<String>), BookmarkError> {
    let root = parse_xml(xml)?;
    if root.name != "FileZilla3" {
        return Err(BookmarkError::Import(format!(
            "not a FileZilla site manager file (its root element is <{}>, not <FileZilla3>)",
            root.name
        )));
    }
    let mut ctx = FzContext::default();
    match root.child("Servers") {
        Some(servers) => ctx.walk(servers, &[]),
        None => ctx
            .notes
            .push("the file has no <Servers>: no sites".to_string()),
    }
    let FzContext {
        mut profiles,
        mut notes,
        passwords,
        tls_if_available,
        ..
    } = ctx;
    if tls_if_available > 0 {
        notes.push(format!(
            "{tls_if_available} site{} used FileZilla's \"explicit TLS if available\" mode and \
             {} imported as ftps-if-available (plain FTP when the server refuses TLS, said \
             loudly); choose ftps for servers that must use TLS",
            if tls_if_available == 1 { "" } else { "s" },
            if tls_if_available == 1 { "was" } else { "were" },
        ));
    }
    store_passwords(
        &mut profiles,
        passwords,
        import_passwords,
        keyring,
        &mut notes,
    )?;
    Ok((profiles, notes))
}

#[derive(Default)]
struct FzContext {
    profiles: Vec<Profile>,
    notes: Vec<String>,
    passwords: Vec<(usize, String)>,
    used: HashSet<String>,
    /// Sites with protocol 0, FileZilla's "use explicit TLS if available".
    tls_if_available: usize,
}

impl FzContext {
    fn walk(&mut self, el: &Element, folders: &[String]) {
        for child in &el.children {
            match child.name.as_str() {
                "Server" => self.site(child, folders),
                "Folder" => {
                    let mut path = folders.to_vec();
                    let name = child.text.trim();
                    path.push(if name.is_empty() { "Folder" } else { name }.to_string());
                    self.walk(child, &path);
                }
                _ => {}
            }
        }
    }

    fn site(&mut self, s: &Element, folders: &[String]) {
        let host = s.child_text("Host").unwrap_or_default();
        // An IPv6 address may be written in brackets.
        let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(inner) => inner.to_string(),
            None => host.to_string(),
        };
        let own = s
            .child_text("Name")
            .map(str::to_string)
            .or_else(|| Some(s.text.trim().to_string()).filter(|t| !t.is_empty()))
            .unwrap_or_else(|| host.clone());
        let mut full: Vec<String> = folders.to_vec();
        full.push(own);
        let display = full.join("/");
        if host.is_empty() {
            self.notes
                .push(format!("{display:?}: skipped, it has no host"));
            return;
        }
        let protocol_num = s.child_text("Protocol").unwrap_or("0");
        let protocol = match protocol_num {
            "0" => {
                self.tls_if_available += 1;
                Protocol::FtpsIfAvailable
            }
            "6" => Protocol::Ftp,
            "3" => Protocol::FtpsImplicit,
            "4" => Protocol::Ftps,
            "1" => {
                self.notes.push(format!(
                    "{display:?}: skipped, it is an SFTP site (skiff speaks FTP and FTPS only)"
                ));
                return;
            }
            other => {
                let what = match other {
                    "2" => "HTTP".to_string(),
                    "5" => "HTTPS".to_string(),
                    "7" => "S3".to_string(),
                    _ => format!("protocol number {other}"),
                };
                self.notes.push(format!(
                    "{display:?}: skipped, it uses {what}, which skiff does not speak"
                ));
                return;
            }
        };
        let name = unique_name(display.clone(), &mut self.used, &mut self.notes);
        let mut p = Profile::new(&name, &host);
        p.protocol = protocol;
        p.port = s
            .child_text("Port")
            .and_then(|v| v.parse::<u16>().ok())
            .filter(|v| *v > 0)
            .unwrap_or(protocol.default_port());
        let logon = s.child_text("Logontype").unwrap_or("1");
        let mut password = None;
        if logon == "0" {
            p.anonymous = true;
        } else {
            p.user = s.child_text("User").map(str::to_string);
            if p.user.is_none() {
                p.anonymous = true;
            }
        }
        if matches!(logon, "1" | "4")
            && let Some(pass) = s.child("Pass")
        {
            match pass.attr("encoding") {
                Some("base64") => {
                    match base64::engine::general_purpose::STANDARD
                        .decode(pass.text.trim())
                        .ok()
                        .and_then(|b| String::from_utf8(b).ok())
                    {
                        Some(pw) => password = Some(pw),
                        None => self.notes.push(format!(
                            "{display:?}: the stored password could not be decoded; not imported"
                        )),
                    }
                }
                None | Some("plain") => password = Some(pass.text.clone()),
                Some("crypt") => self.notes.push(format!(
                    "{display:?}: the password is protected by FileZilla's master password; \
                     not imported"
                )),
                Some(_) => self.notes.push(format!(
                    "{display:?}: the password's encoding is unknown; not imported"
                )),
            }
        }
        if logon == "4" && s.child_text("Account").is_some() {
            self.notes.push(format!(
                "{display:?}: the FTP account (ACCT) is not supported by skiff; not imported"
            ));
        }
        p.passive = s.child_text("PasvMode") != Some("MODE_ACTIVE");
        if s.child_text("EncodingType") == Some("Custom")
            && let Some(enc) = s.child_text("CustomEncoding")
        {
            let mut probe = Profile::new("x", "h");
            probe.encoding = enc.to_ascii_lowercase();
            if probe.validate().is_empty() {
                p.encoding = probe.encoding;
            } else {
                self.notes.push(format!(
                    "{display:?}: the custom encoding name is not understood; using utf-8"
                ));
            }
        }
        p.local_dir = s.child_text("LocalDir").map(str::to_string);
        match decode_safe_path(s.child_text("RemoteDir").unwrap_or_default()) {
            Ok(dir) => p.remote_dir = dir,
            Err(why) => self.notes.push(format!("{display:?}: {why}")),
        }
        p.parallel = s
            .child_text("MaximumMultipleConnections")
            .and_then(|v| v.parse::<u32>().ok())
            .filter(|v| *v > 0)
            .map(|v| v.min(u32::from(u8::MAX)) as u8);
        let bookmarks = s.children.iter().filter(|c| c.name == "Bookmark").count();
        if bookmarks > 0 {
            self.notes.push(format!(
                "{display:?}: {bookmarks} site bookmark(s) (saved directories) not imported"
            ));
        }
        let problems = p.validate();
        if !problems.is_empty() {
            let text: Vec<String> = problems.into_iter().map(|(_, m)| m).collect();
            self.used.remove(&name);
            self.notes
                .push(format!("{display:?}: skipped, {}", text.join("; ")));
            return;
        }
        if let Some(pw) = password.filter(|pw| !pw.is_empty()) {
            self.passwords.push((self.profiles.len(), pw));
        }
        self.profiles.push(p);
    }
}

/// Imports lftp's bookmarks file. Returns the profiles and notes for the user.
pub fn lftp(
    text: &str,
    import_passwords: bool,
    keyring: &dyn Keyring,
) -> Result<(Vec<Profile>, Vec<String>), BookmarkError> {
    let mut profiles = Vec::new();
    let mut notes = Vec::new();
    let mut passwords = Vec::new();
    let mut used = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let lineno = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, value) = match line.find(char::is_whitespace) {
            Some(at) => (&line[..at], line[at..].trim()),
            None => (line, ""),
        };
        if value.is_empty() {
            notes.push(format!(
                "line {lineno}: bookmark {name:?} has no URL; skipped"
            ));
            continue;
        }
        let url = match parse_lftp_url(value) {
            Ok(u) => u,
            Err(why) => {
                notes.push(format!("line {lineno}: bookmark {name:?} skipped: {why}"));
                continue;
            }
        };
        let name = unique_name(name.to_string(), &mut used, &mut notes);
        let mut p = Profile::new(&name, &url.host);
        p.protocol = url.protocol;
        p.port = url.port.unwrap_or(url.protocol.default_port());
        p.user = url.user;
        p.anonymous = p.user.is_none() || p.user.as_deref() == Some("anonymous");
        if p.user.as_deref() == Some("anonymous") {
            p.user = None;
        }
        p.remote_dir = url.path;
        let problems = p.validate();
        if !problems.is_empty() {
            let text: Vec<String> = problems.into_iter().map(|(_, m)| m).collect();
            used.remove(&name);
            notes.push(format!(
                "line {lineno}: bookmark {name:?} skipped: {}",
                text.join("; ")
            ));
            continue;
        }
        if let Some(pw) = url.password.filter(|pw| !pw.is_empty()) {
            if p.anonymous {
                notes.push(format!(
                    "line {lineno}: bookmark {name:?}: the anonymous password is not imported"
                ));
            } else {
                passwords.push((profiles.len(), pw));
            }
        }
        profiles.push(p);
    }
    store_passwords(
        &mut profiles,
        passwords,
        import_passwords,
        keyring,
        &mut notes,
    )?;
    Ok((profiles, notes))
}

struct LftpUrl {
    protocol: Protocol,
    host: String,
    port: Option<u16>,
    user: Option<String>,
    password: Option<String>,
    path: Option<String>,
}

/// Messages never include the URL: it may hold a password.
fn parse_lftp_url(value: &str) -> Result<LftpUrl, String> {
    let (protocol, rest) = match value.split_once("://") {
        Some((scheme, rest)) => match scheme.to_ascii_lowercase().as_str() {
            "ftp" => (Protocol::Ftp, rest),
            "ftps" => (Protocol::FtpsImplicit, rest),
            other => {
                return Err(format!(
                    "{other}:// is not FTP or FTPS, which is all skiff speaks"
                ));
            }
        },
        None => (Protocol::Ftp, value),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let (creds, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let decode = |s: &str, what: &str| {
        percent_decode(s).ok_or_else(|| format!("bad percent-encoding in the {what}"))
    };
    let (user, password) = match creds {
        None => (None, None),
        Some(c) => match c.split_once(':') {
            Some((u, p)) => (Some(decode(u, "user")?), Some(decode(p, "password")?)),
            None => (Some(decode(c, "user")?), None),
        },
    };
    let (host, port) = if let Some(v6) = hostport.strip_prefix('[') {
        let end = v6.find(']').ok_or("bad IPv6 address")?;
        (v6[..end].to_string(), v6[end + 1..].strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), Some(p)),
            None => (hostport.to_string(), None),
        }
    };
    let host = decode(&host, "host")?;
    if host.is_empty() {
        return Err("the URL has no host".to_string());
    }
    let port = match port {
        None | Some("") => None,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 => Some(n),
            _ => return Err("bad port".to_string()),
        },
    };
    let path = decode(path, "path")?;
    let path = if let Some(home) = path.strip_prefix("/~") {
        Some(format!("~{home}"))
    } else if path.is_empty() || path == "/" {
        None
    } else {
        Some(path)
    };
    Ok(LftpUrl {
        protocol,
        host,
        port,
        user: user.filter(|u| !u.is_empty()),
        password,
        path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_paths() {
        let d = |s: &str| decode_safe_path(s);
        assert_eq!(d("1 0 3 pub 8 incoming"), Ok(Some("/pub/incoming".into())));
        assert_eq!(d("1 0"), Ok(Some("/".into())));
        assert_eq!(d(""), Ok(None));
        assert_eq!(d("1 0 8 my files 3 web"), Ok(Some("/my files/web".into())));
        assert_eq!(d("0 0 4 höme 1 ü"), Ok(Some("/höme/ü".into())));
        // Windows FileZilla counts UTF-16 units: an emoji is 2.
        assert_eq!(d("1 0 2 😀 1 x"), Ok(Some("/😀/x".into())));
        assert_eq!(d("3 0 2 C: 5 Users"), Ok(Some("C:\\Users".into())));
        assert_eq!(d("3 0 2 C:"), Ok(Some("C:\\".into())));
        assert_eq!(d("10 0 2 D: 3 www"), Ok(Some("D:/www".into())));
        assert!(d("2 4 DKA0 3 USR").is_err());
        // A wrong length (the brief's `4 incoming`) is reported, not guessed.
        assert!(d("1 0 3 pub 4 incoming").is_err());
        assert!(d("x 0").is_err());
    }

    #[test]
    fn lftp_urls() {
        let u = parse_lftp_url("ftp://al%40ice:p%3Ass@[::1]:2121/~/up%20load")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u.host, "::1");
        assert_eq!(u.port, Some(2121));
        assert_eq!(u.user.as_deref(), Some("al@ice"));
        assert_eq!(u.password.as_deref(), Some("p:ss"));
        assert_eq!(u.path.as_deref(), Some("~/up load"));
        let u = parse_lftp_url("ftp.example.org").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (u.host.as_str(), u.port, u.path),
            ("ftp.example.org", None, None)
        );
        assert!(parse_lftp_url("sftp://h/").is_err());
        assert!(parse_lftp_url("ftp://h:0/").is_err());
        assert!(parse_lftp_url("ftp://h%zz/").is_err());
    }
}
