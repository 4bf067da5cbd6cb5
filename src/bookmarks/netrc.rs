//! `~/.netrc`: `machine NAME login USER password PASS`, `default`, `account`, and `macdef NAME`
//! (a macro: the lines after it up to an empty line, skipped). Tokens are separated by any
//! white space; a token may be written in double quotes with `\"`, `\\`, `\n`, `\r`, `\t`
//! escapes (as curl reads it); a `#` where a keyword is expected starts a comment to the end of
//! the line. `$NETRC` names another file (used by tests).

use std::path::PathBuf;

#[derive(Debug, Default)]
struct Entry {
    /// `None` for `default`.
    machine: Option<String>,
    login: Option<String>,
    password: Option<String>,
}

struct Tokens<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Tokens<'a> {
    fn skip_space(&mut self) {
        let rest = &self.s[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// The next token, unquoted.
    fn next_token(&mut self) -> Option<String> {
        self.skip_space();
        let rest = &self.s[self.pos..];
        if rest.is_empty() {
            return None;
        }
        if let Some(body) = rest.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = body.char_indices();
            while let Some((i, c)) = chars.next() {
                match c {
                    '"' => {
                        self.pos += 1 + i + 1;
                        return Some(out);
                    }
                    '\\' => match chars.next() {
                        Some((_, 'n')) => out.push('\n'),
                        Some((_, 'r')) => out.push('\r'),
                        Some((_, 't')) => out.push('\t'),
                        Some((_, other)) => out.push(other),
                        None => break,
                    },
                    _ => out.push(c),
                }
            }
            // Unterminated quote: the rest of the file.
            self.pos = self.s.len();
            return Some(out);
        }
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        self.pos += end;
        Some(rest[..end].to_string())
    }

    /// Skips to the end of the current line.
    fn skip_line(&mut self) {
        let rest = &self.s[self.pos..];
        self.pos += rest.find('\n').map_or(rest.len(), |i| i + 1);
    }

    /// Skips a macro body: everything up to and including the next empty line.
    fn skip_macro(&mut self) {
        self.skip_line(); // the rest of the `macdef NAME` line
        loop {
            let rest = &self.s[self.pos..];
            if rest.is_empty() {
                return;
            }
            let line_end = rest.find('\n').map_or(rest.len(), |i| i + 1);
            let line = rest[..line_end].trim_end_matches(['\n', '\r']);
            self.pos += line_end;
            if line.is_empty() {
                return;
            }
        }
    }
}

fn parse(text: &str) -> Vec<Entry> {
    let mut t = Tokens { s: text, pos: 0 };
    let mut entries: Vec<Entry> = Vec::new();
    loop {
        t.skip_space();
        if t.s[t.pos..].starts_with('#') {
            t.skip_line();
            continue;
        }
        let Some(tok) = t.next_token() else { break };
        match tok.as_str() {
            "machine" => entries.push(Entry {
                machine: Some(t.next_token().unwrap_or_default()),
                ..Entry::default()
            }),
            "default" => entries.push(Entry::default()),
            "login" | "password" | "account" => {
                let v = t.next_token().unwrap_or_default();
                if let Some(e) = entries.last_mut() {
                    match tok.as_str() {
                        "login" => e.login = Some(v),
                        "password" => e.password = Some(v),
                        _ => {}
                    }
                }
            }
            "macdef" => {
                let _name = t.next_token();
                t.skip_macro();
            }
            // Unknown tokens (e.g. `port` written by some tools) are ignored.
            _ => {}
        }
    }
    entries
}

/// The `(login, password)` netrc gives for `host`: the first `machine` entry for it (host names
/// compared without regard to ASCII case) whose login is `user` when a user is given (an entry
/// without login matches any user), else the `default` entry on the same terms. Entries without a
/// password are passed over.
pub fn lookup(text: &str, host: &str, user: Option<&str>) -> Option<(Option<String>, String)> {
    let entries = parse(text);
    let fits = |e: &&Entry| {
        e.password.is_some()
            && match (user, e.login.as_deref()) {
                (Some(u), Some(l)) => u == l,
                _ => true,
            }
    };
    let found = entries
        .iter()
        .filter(|e| {
            e.machine
                .as_deref()
                .is_some_and(|m| m.eq_ignore_ascii_case(host))
        })
        .find(fits)
        .or_else(|| entries.iter().filter(|e| e.machine.is_none()).find(fits))?;
    Some((found.login.clone(), found.password.clone()?))
}

/// The netrc file: `$NETRC` when set, else `~/.netrc` (on Windows `~/_netrc` when there is no
/// `~/.netrc`).
pub fn path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("NETRC").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let home = directories::BaseDirs::new()?.home_dir().to_path_buf();
    let dot = home.join(".netrc");
    if cfg!(windows) && !dot.exists() {
        return Some(home.join("_netrc"));
    }
    Some(dot)
}

/// [`lookup`] in the netrc file; `None` when there is no file or no entry.
pub fn load_for(host: &str, user: Option<&str>) -> Option<(Option<String>, String)> {
    let bytes = std::fs::read(path()?).ok()?;
    lookup(&String::from_utf8_lossy(&bytes), host, user)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\
# a comment line
machine ftp.example.com login alice password s3cret
machine ftp.example.com
    login bob
    password \"pa ss\\\"word\"
    account acct1

macdef init
machine evil.example.com login mallory password fromMacro
cd /pub

machine Other.Example.org login carol password c4rol
default login anonymous password guest@example.org
";

    #[test]
    fn finds_by_host_and_login() {
        assert_eq!(
            lookup(SAMPLE, "ftp.example.com", None),
            Some((Some("alice".into()), "s3cret".into()))
        );
        assert_eq!(
            lookup(SAMPLE, "ftp.example.com", Some("bob")),
            Some((Some("bob".into()), "pa ss\"word".into()))
        );
        assert_eq!(
            lookup(SAMPLE, "other.example.ORG", Some("carol")),
            Some((Some("carol".into()), "c4rol".into()))
        );
    }

    #[test]
    fn default_entry_and_no_match() {
        // A user with no machine entry falls to `default` only when its login fits.
        assert_eq!(lookup(SAMPLE, "ftp.example.com", Some("dave")), None);
        assert_eq!(
            lookup(SAMPLE, "unknown.host", Some("anonymous")),
            Some((Some("anonymous".into()), "guest@example.org".into()))
        );
        assert_eq!(
            lookup(SAMPLE, "unknown.host", None),
            Some((Some("anonymous".into()), "guest@example.org".into()))
        );
        assert_eq!(lookup("machine a login b password c", "z", None), None);
    }

    #[test]
    fn macro_bodies_are_not_entries() {
        assert_eq!(lookup(SAMPLE, "evil.example.com", Some("mallory")), None);
    }

    #[test]
    fn single_line_and_entries_without_password() {
        let text = "machine h login u\nmachine h login u password p";
        assert_eq!(
            lookup(text, "h", Some("u")),
            Some((Some("u".into()), "p".into()))
        );
        let text = "machine h password onlypw";
        assert_eq!(lookup(text, "h", Some("x")), Some((None, "onlypw".into())));
        assert_eq!(lookup("", "h", None), None);
        assert_eq!(lookup("machine", "h", None), None);
    }

    #[test]
    fn hash_inside_a_password_is_not_a_comment() {
        let text = "machine h login u password #notacomment # but this is\nmachine i password x";
        assert_eq!(
            lookup(text, "h", Some("u")),
            Some((Some("u".into()), "#notacomment".into()))
        );
        assert_eq!(lookup(text, "i", None), Some((None, "x".into())));
    }
}
