//! The command line (`:`): FTP commands typed by the user, sent on the browsing connection
//! and answered in the log. Commands that need a data connection become skiff actions;
//! commands that would change the session behind skiff's back are refused with a reason;
//! destructive ones ask first.

use super::action::{Effect, Key, KeyPress, Nav, Side};
use super::dialog::{ConfirmForm, Confirmed, Dialog, TextInput};
use super::{State, join_path};
use crate::fs::ops::FsOp;
use crate::i18n::{n_, t};
use crate::tr;
use crate::transfer::{Direction, JobKind, JobSpec};

/// The command line being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleForm {
    pub input: TextInput,
    /// Where Up/Down stands in the history (`None`: a new line).
    pub hist: Option<usize>,
    /// Candidates shown after an ambiguous Tab.
    pub hint: Option<String>,
}

/// What a typed command becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Sent as typed (the verb in capitals).
    Raw(String),
    /// A listing on a data connection: its text in the pager.
    Listing(String),
    /// `RETR name`: a queued download into the local pane's directory.
    Download(String),
    /// `STOR name`: a queued upload from the local pane's directory.
    Upload(String),
    /// `MKD name`: the make-directory operation.
    Mkdir(String),
    /// `CWD path` (`None`: `CDUP`): the remote pane goes there.
    Cd(Option<String>),
    /// `DELE`, `RMD` (the verb, the name): asks first, then sent with the name as a path from
    /// the remote pane's directory; the pane is read again.
    Destructive {
        verb: String,
        name: String,
    },
    /// `RNFR name`: remembered for the `RNTO` that follows.
    RenameFrom(String),
    /// `RNTO name`: with the `RNFR` before it, the rename operation (asks first).
    RenameTo(String),
    /// Not sent, and why.
    Refused {
        verb: String,
        why: &'static str,
    },
    Nothing,
}

/// Commands that change the session's state behind skiff's back, and what to do instead.
const REFUSED: &[(&[&str], &str)] = &[
    (
        &["USER", "PASS", "ACCT"],
        n_("skiff keeps the login; connect again with o or a bookmark to log in as someone else"),
    ),
    (
        &["REIN"],
        n_("it would log the session out behind skiff's back; connect again with o"),
    ),
    (
        &["PORT", "EPRT", "LPRT", "PASV", "EPSV", "LPSV"],
        n_(
            "skiff opens data connections itself: passive or active mode is a connection setting (--active, the bookmark's Passive)",
        ),
    ),
    (
        &["TYPE"],
        n_(
            "skiff sets the transfer type itself for each transfer: T switches binary, ASCII and auto",
        ),
    ),
    (
        &["MODE", "STRU"],
        n_("skiff uses stream mode and file structure, and sets them itself"),
    ),
    (
        &["AUTH", "PROT", "PBSZ", "CCC", "ADAT", "CONF", "ENC", "MIC"],
        n_(
            "encryption is chosen when connecting (ftpes:// or ftps://, or the bookmark's protocol)",
        ),
    ),
    (
        &["REST"],
        n_("skiff resumes transfers itself (the queue's resume choice)"),
    ),
    (
        &["ABOR"],
        n_("nothing runs on this connection; cancel a transfer in the queue with x"),
    ),
    (&["QUIT"], n_("q quits skiff; o connects elsewhere")),
    (
        &["STOU", "APPE", "SMNT"],
        n_("not available here: use the transfer queue (F5, F6)"),
    ),
];

/// Commands every server is expected to know (RFC 959 and its common extensions), for
/// completion before the server's own `FEAT`/`HELP` lists are known.
pub const KNOWN: &[&str] = &[
    "ABOR", "ALLO", "APPE", "CDUP", "CWD", "DELE", "EPSV", "FEAT", "HELP", "LIST", "MDTM", "MFMT",
    "MKD", "MLSD", "MLST", "MODE", "NLST", "NOOP", "OPTS", "PASV", "PWD", "RETR", "RMD", "RNFR",
    "RNTO", "SITE", "SIZE", "STAT", "STOR", "STRU", "SYST", "TYPE",
];

/// What `line` becomes. The verb is matched without regard to case.
pub fn plan(line: &str) -> Plan {
    let line = line.trim();
    if line.is_empty() {
        return Plan::Nothing;
    }
    // Any blank ends the verb (`pass<Tab>x` is PASS too).
    let (verb, arg) = match line.split_once(char::is_whitespace) {
        Some((v, a)) => (v.to_ascii_uppercase(), a.trim().to_string()),
        None => (line.to_ascii_uppercase(), String::new()),
    };
    let typed = if arg.is_empty() {
        verb.clone()
    } else {
        format!("{verb} {arg}")
    };
    if let Some((_, why)) = REFUSED
        .iter()
        .find(|(verbs, _)| verbs.contains(&verb.as_str()))
    {
        return Plan::Refused { verb, why };
    }
    let need = |p: Plan| {
        if arg.is_empty() {
            Plan::Refused {
                verb: verb.clone(),
                why: n_("it needs a name"),
            }
        } else {
            p
        }
    };
    match verb.as_str() {
        "LIST" | "NLST" | "MLSD" => Plan::Listing(typed),
        "RETR" => need(Plan::Download(arg.clone())),
        "STOR" => need(Plan::Upload(arg.clone())),
        "MKD" | "XMKD" => need(Plan::Mkdir(arg.clone())),
        "CWD" | "XCWD" => need(Plan::Cd(Some(arg.clone()))),
        "CDUP" | "XCUP" => Plan::Cd(None),
        "DELE" | "RMD" | "XRMD" => need(Plan::Destructive {
            verb: verb.clone(),
            name: arg.clone(),
        }),
        "OPTS" => {
            let option = arg.to_ascii_uppercase();
            let option = option.split_whitespace().collect::<Vec<_>>();
            match option.as_slice() {
                ["UTF8" | "UTF-8", rest @ ..] if *rest != ["ON"] => Plan::Refused {
                    verb: "OPTS UTF8".into(),
                    why: n_(
                        "skiff asked for UTF-8 names at login; for another encoding set it when connecting (the bookmark's Encoding, --encoding)",
                    ),
                },
                ["MLST", ..] => Plan::Refused {
                    verb: "OPTS MLST".into(),
                    why: n_(
                        "skiff reads the MLSD facts the server sends by default; fewer would break its listings",
                    ),
                },
                _ => Plan::Raw(typed),
            }
        }
        "RNFR" => need(Plan::RenameFrom(arg.clone())),
        "RNTO" => need(Plan::RenameTo(arg.clone())),
        _ => Plan::Raw(typed),
    }
}

/// Complete the word before the cursor: a command name (from `commands`) for the first word,
/// else a name from `names`. Returns the new line and, when several fit, the candidates.
pub fn complete(line: &str, commands: &[String], names: &[&str]) -> (String, Option<String>) {
    let (head, word) = match line.rfind(' ') {
        Some(i) => (&line[..=i], &line[i + 1..]),
        None => ("", line),
    };
    let first = head.trim().is_empty();
    let upper = word.to_ascii_uppercase();
    let mut found: Vec<String> = if first {
        commands
            .iter()
            .filter(|c| c.starts_with(&upper))
            .cloned()
            .collect()
    } else {
        names
            .iter()
            .filter(|n| n.starts_with(word))
            .map(|n| n.to_string())
            .collect()
    };
    found.sort();
    found.dedup();
    match found.as_slice() {
        [] => (line.to_string(), None),
        [one] => (format!("{head}{one} "), None),
        many => {
            // As far as they agree.
            let mut common = many[0].clone();
            for m in &many[1..] {
                let n = common
                    .chars()
                    .zip(m.chars())
                    .take_while(|(a, b)| a == b)
                    .count();
                common = common.chars().take(n).collect();
            }
            let shown: Vec<&str> = many.iter().take(12).map(String::as_str).collect();
            let more = if many.len() > 12 { " …" } else { "" };
            let done = if common.len() > word.len() {
                format!("{head}{common}")
            } else {
                line.to_string()
            };
            (done, Some(format!("{}{more}", shown.join("  "))))
        }
    }
}

/// Command names in a `FEAT` (211) or `HELP` (214) reply line: words of 3-4 capitals (digits
/// allowed after the first letter, as in `UTF8`).
pub fn command_words(text: &str) -> Vec<String> {
    let body = text
        .get(4..)
        .filter(|_| text.as_bytes().get(3) == Some(&b'-'));
    let body = body.unwrap_or(text);
    body.split(|c: char| c.is_whitespace() || c == ',' || c == ';')
        .filter(|w| {
            (3..=4).contains(&w.len())
                && w.starts_with(|c: char| c.is_ascii_uppercase())
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        })
        .map(str::to_string)
        .collect()
}

impl State {
    /// `:` opens the command line (on a connected server).
    pub(super) fn open_console(&mut self) -> Vec<Effect> {
        if !matches!(self.conn, super::Conn::Connected { .. }) {
            self.set_status(t("Not connected: press o to connect"), true);
            return vec![];
        }
        self.dialog = Some(Dialog::Console(ConsoleForm {
            input: TextInput::new(""),
            hist: None,
            hint: None,
        }));
        vec![]
    }

    pub(super) fn console_key(&mut self, mut form: ConsoleForm, key: KeyPress) -> Vec<Effect> {
        match key.key {
            Key::Esc => vec![],
            Key::Enter => {
                let line = form.input.text.trim().to_string();
                if !line.is_empty() && self.console_history.last() != Some(&line) {
                    self.console_history.push(line.clone());
                    if self.console_history.len() > 200 {
                        self.console_history.remove(0);
                    }
                }
                self.run_command(&line)
            }
            Key::Up | Key::Down => {
                let n = self.console_history.len();
                if n > 0 {
                    let at = match (form.hist, key.key) {
                        (None, Key::Up) => Some(n - 1),
                        (Some(i), Key::Up) => Some(i.saturating_sub(1)),
                        (Some(i), _) if i + 1 < n => Some(i + 1),
                        _ => None,
                    };
                    form.hist = at;
                    let text = at.map_or("", |i| self.console_history[i].as_str());
                    form.input = TextInput::new(text);
                }
                self.dialog = Some(Dialog::Console(form));
                vec![]
            }
            Key::Tab => {
                let mut commands: Vec<String> = KNOWN.iter().map(|s| s.to_string()).collect();
                commands.extend(self.server_commands.iter().cloned());
                let names: Vec<&str> = self
                    .remote
                    .entries
                    .iter()
                    .map(|e| e.name.as_str())
                    .filter(|n| *n != "..")
                    .collect();
                // The word at the cursor is completed; what follows it stays.
                let (before, after) = form.input.split();
                let (done, hint) = complete(before, &commands, &names);
                let cursor = done.chars().count();
                let after = match after.strip_prefix(' ') {
                    Some(rest) if done.ends_with(' ') => rest.to_string(),
                    _ => after.to_string(),
                };
                form.input = TextInput::new(&format!("{done}{after}"));
                form.input.cursor = cursor;
                form.hint = hint;
                self.dialog = Some(Dialog::Console(form));
                vec![]
            }
            _ => {
                form.input.key(key);
                form.hint = None;
                form.hist = None;
                self.dialog = Some(Dialog::Console(form));
                vec![]
            }
        }
    }

    /// Carry out a typed command.
    pub(super) fn run_command(&mut self, line: &str) -> Vec<Effect> {
        if !matches!(self.conn, super::Conn::Connected { .. }) {
            self.set_status(t("Not connected: press o to connect"), true);
            return vec![];
        }
        let dir = self.remote.path.clone();
        // A name from the pane's directory, or an absolute path as typed.
        let remote = |name: &str| {
            if name.starts_with('/') {
                name.to_string()
            } else {
                join_path(Side::Remote, &dir, name)
            }
        };
        match plan(line) {
            Plan::Nothing => vec![],
            Plan::Raw(line) => {
                let req = self.req();
                self.set_status(tr!("Sent {command}…", command = line), false);
                self.quoting = Some((req, line.clone(), false));
                vec![Effect::Quote {
                    line,
                    dir: self.remote.path.clone(),
                    req,
                }]
            }
            Plan::Listing(line) => {
                let req = self.req();
                self.viewing = req;
                self.set_status(
                    tr!(
                        "{command}: reading the listing for the pager…",
                        command = line
                    ),
                    false,
                );
                vec![Effect::RawListing {
                    line,
                    dir: self.remote.path.clone(),
                    req,
                }]
            }
            Plan::Download(name) => {
                let src = remote(&name);
                let leaf = super::last_component(Side::Remote, &src).unwrap_or(name.clone());
                if crate::fs::validate_name(&leaf).is_err() {
                    self.set_status(tr!("{name} is not a usable name", name = leaf), true);
                    return vec![];
                }
                let dst = join_path(Side::Local, &self.local.path, &leaf);
                self.queue.visible = true;
                self.set_status(
                    tr!(
                        "RETR is a download: queued {src} → {dst}",
                        src = src,
                        dst = dst
                    ),
                    false,
                );
                vec![Effect::Engine(crate::transfer::EngineCmd::Enqueue(vec![
                    JobSpec {
                        direction: Direction::Download,
                        kind: JobKind::File,
                        src: src.into(),
                        dst: dst.into(),
                        size: None,
                        mtime: None,
                        is_move: false,
                    },
                ]))]
            }
            Plan::Upload(name) => {
                let src = join_path(Side::Local, &self.local.path, &name);
                let leaf = super::last_component(Side::Local, &src).unwrap_or(name.clone());
                if crate::fs::validate_name(&leaf).is_err() {
                    self.set_status(tr!("{name} is not a usable name", name = leaf), true);
                    return vec![];
                }
                let dst = remote(&leaf);
                self.queue.visible = true;
                self.set_status(
                    tr!(
                        "STOR is an upload: queued {src} → {dst}",
                        src = src,
                        dst = dst
                    ),
                    false,
                );
                let spec = JobSpec {
                    direction: Direction::Upload,
                    kind: JobKind::File,
                    src: src.into(),
                    dst: dst.into(),
                    size: None,
                    mtime: None,
                    is_move: false,
                };
                vec![self.upload_once_sized(spec, None)]
            }
            Plan::Mkdir(name) => self.run_op(Side::Remote, FsOp::Mkdir(remote(&name))),
            Plan::Cd(Some(path)) => vec![self.list(Side::Remote, Nav::To(remote(&path)))],
            Plan::Cd(None) => self.parent(Side::Remote),
            Plan::Destructive { verb, name } => {
                // The pane's directory, not whatever the server's working directory is by now
                // (a failed listing or a size count may have left it elsewhere).
                let line = format!("{verb} {}", remote(&name));
                self.dialog = Some(Dialog::Confirm(ConfirmForm {
                    side: Side::Remote,
                    title: tr!("Send {command}?", command = line),
                    lines: vec![
                        tr!("in {dir}", dir = dir),
                        t("This cannot be undone.").to_string(),
                    ],
                    then: Confirmed::Raw(line),
                }));
                vec![]
            }
            Plan::RenameFrom(name) => {
                self.rename_from = Some(remote(&name));
                self.set_status(
                    tr!(
                        "RNFR {name} noted: now type RNTO and the new name",
                        name = name
                    ),
                    false,
                );
                vec![]
            }
            Plan::RenameTo(name) => match self.rename_from.take() {
                None => {
                    self.set_status(t("RNTO needs an RNFR first"), true);
                    vec![]
                }
                Some(from) => {
                    let to = remote(&name);
                    self.dialog = Some(Dialog::Confirm(ConfirmForm {
                        side: Side::Remote,
                        title: t("Rename on the server?").to_string(),
                        lines: vec![format!("  {from}"), format!("→ {to}")],
                        then: Confirmed::Fs(FsOp::Rename { from, to }),
                    }));
                    vec![]
                }
            },
            Plan::Refused { verb, why } => {
                self.set_status(
                    tr!("{command} is not sent: {why}", command = verb, why = t(why)),
                    true,
                );
                vec![]
            }
        }
    }

    /// A confirmed destructive command: send it, then read the pane again.
    pub(super) fn send_confirmed(&mut self, line: String) -> Vec<Effect> {
        let req = self.req();
        self.quoting = Some((req, line.clone(), true));
        self.set_status(tr!("Sent {command}…", command = line), false);
        vec![Effect::Quote {
            line,
            dir: self.remote.path.clone(),
            req,
        }]
    }

    /// The reply to a typed command.
    pub(super) fn quoted(
        &mut self,
        req: u64,
        result: Result<(u16, String), super::ErrorInfo>,
    ) -> Vec<Effect> {
        let Some((r, line, refresh)) = self.quoting.take() else {
            return vec![];
        };
        if r != req {
            self.quoting = Some((r, line, refresh));
            return vec![];
        }
        match result {
            Ok((code, text)) => {
                let meaning = crate::ftp::replies::book()
                    .explain(code, self.lang)
                    .map(|x| format!(" — {}", x.meaning))
                    .unwrap_or_default();
                let verb = line.split(' ').next().unwrap_or_default();
                // A checksum command's reply says what it is: which digest, of what.
                let digest = (200..300)
                    .contains(&code)
                    .then(|| crate::ftp::session::digest_of_reply(verb, &format!("{code} {text}")))
                    .flatten();
                match digest {
                    Some((algo, hex, range)) => {
                        let file = line.split_once(' ').map_or("", |(_, f)| f.trim());
                        let text = match range {
                            Some(r) => tr!(
                                "the server's {algo} checksum of {file} (bytes {range}): {digest}",
                                algo = algo.name(),
                                file = file,
                                range = r.as_str(),
                                digest = hex.as_str()
                            ),
                            None => tr!(
                                "the server's {algo} checksum of {file}: {digest}",
                                algo = algo.name(),
                                file = file,
                                digest = hex.as_str()
                            ),
                        };
                        self.set_status(format!("{code} — {text}"), false);
                    }
                    None => self.set_status(format!("{code} {text}{meaning}"), code >= 400),
                }
                // What changed the directory is shown changed.
                if (refresh || verb == "SITE") && (200..300).contains(&code) {
                    let path = self.remote.path.clone();
                    return vec![self.list(Side::Remote, Nav::To(path))];
                }
                vec![]
            }
            Err(e) => {
                self.show_error(&line, &e);
                vec![]
            }
        }
    }

    /// Remember the command names a `FEAT` or `HELP` reply lists, for completion.
    pub(super) fn learn_commands(&mut self, code: u16, text: &str) {
        if code != 211 && code != 214 {
            return;
        }
        for w in command_words(text) {
            if !self.server_commands.contains(&w) {
                self.server_commands.push(w);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_sent_mapped_or_refused() {
        assert_eq!(plan("syst"), Plan::Raw("SYST".into()));
        assert_eq!(
            plan("  site chmod 644 a b  "),
            Plan::Raw("SITE chmod 644 a b".into())
        );
        assert_eq!(plan("list -la /pub"), Plan::Listing("LIST -la /pub".into()));
        assert_eq!(plan("NLST"), Plan::Listing("NLST".into()));
        assert_eq!(plan("retr a.txt"), Plan::Download("a.txt".into()));
        assert_eq!(plan("STOR b.bin"), Plan::Upload("b.bin".into()));
        assert_eq!(plan("mkd new"), Plan::Mkdir("new".into()));
        assert_eq!(plan("cwd /pub"), Plan::Cd(Some("/pub".into())));
        assert_eq!(plan("CDUP"), Plan::Cd(None));
        let gone = |verb: &str, name: &str| Plan::Destructive {
            verb: verb.into(),
            name: name.into(),
        };
        assert_eq!(plan("dele x"), gone("DELE", "x"));
        assert_eq!(plan("RMD d"), gone("RMD", "d"));
        assert_eq!(plan("opts utf8 on"), Plan::Raw("OPTS utf8 on".into()));
        assert_eq!(
            plan("OPTS MODE Z LEVEL 1"),
            Plan::Raw("OPTS MODE Z LEVEL 1".into())
        );
        assert!(matches!(plan("opts utf8 off"), Plan::Refused { .. }));
        assert!(matches!(plan("OPTS UTF8"), Plan::Refused { .. }));
        assert!(matches!(plan("opts mlst size;"), Plan::Refused { .. }));
        assert_eq!(plan("rnfr a"), Plan::RenameFrom("a".into()));
        assert_eq!(plan("rnto b"), Plan::RenameTo("b".into()));
        for refused in [
            "USER x",
            "pass y",
            "pass\tsecret",
            "  PASS\u{a0}secret",
            "REIN",
            "PORT 1,2,3,4,5,6",
            "pasv",
            "EPSV",
            "TYPE A",
            "MODE S",
            "STRU F",
            "PROT P",
            "AUTH TLS",
            "CCC",
            "REST 10",
            "QUIT",
            "ABOR",
        ] {
            assert!(matches!(plan(refused), Plan::Refused { .. }), "{refused}");
        }
        assert!(matches!(plan("RETR"), Plan::Refused { .. }));
        assert_eq!(plan("   "), Plan::Nothing);
    }

    #[test]
    fn completion_of_commands_and_names() {
        let cmds: Vec<String> = KNOWN.iter().map(|s| s.to_string()).collect();
        assert_eq!(complete("sy", &cmds, &[]), ("SYST ".into(), None));
        let (line, hint) = complete("S", &cmds, &[]);
        assert_eq!(line, "S");
        assert!(hint.unwrap().contains("SYST"));
        let (line, hint) = complete("RN", &cmds, &[]);
        assert_eq!((line.as_str(), hint.as_deref()), ("RN", Some("RNFR  RNTO")));
        assert_eq!(complete("MD", &cmds, &[]), ("MDTM ".into(), None));
        let names = ["README.txt", "readme-link", "big"];
        assert_eq!(
            complete("SIZE RE", &cmds, &names),
            ("SIZE README.txt ".into(), None)
        );
        assert_eq!(
            complete("SIZE b", &cmds, &names),
            ("SIZE big ".into(), None)
        );
        assert_eq!(complete("SIZE z", &cmds, &names), ("SIZE z".into(), None));
    }

    #[test]
    fn command_names_from_feat_and_help_replies() {
        assert_eq!(command_words(" MLST type*;size*;modify*;"), vec!["MLST"]);
        assert_eq!(command_words(" UTF8"), vec!["UTF8"]);
        assert_eq!(
            command_words("214-The following commands are recognized:"),
            Vec::<String>::new()
        );
        assert_eq!(
            command_words(" ABOR ACCT ALLO APPE CDUP CWD  DELE EPRT EPSV FEAT"),
            vec![
                "ABOR", "ACCT", "ALLO", "APPE", "CDUP", "CWD", "DELE", "EPRT", "EPSV", "FEAT"
            ]
        );
        assert_eq!(
            command_words(" Connected to 127.0.0.1"),
            Vec::<String>::new()
        );
    }
}
