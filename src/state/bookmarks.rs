//! The bookmark manager's model: the saved profiles with a filter and a cursor, and the form
//! that adds or edits one (validated as you type). No file access here: loading and saving
//! are effects.

use super::action::{Key, KeyPress};
use crate::bookmarks::{PasswordSource, Profile, Protocol};
use crate::i18n::{n_, t};

/// What the list does with a key.
pub enum ListKey {
    Stay,
    Close,
    Connect(Profile),
    Add,
    Edit(Profile),
    Duplicate(Profile),
    Delete(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookmarkList {
    pub profiles: Vec<Profile>,
    pub filter: String,
    /// Typing goes to the filter (after `/`).
    pub filtering: bool,
    /// Index into the filtered list.
    pub cursor: usize,
    /// Waiting for `y` to delete this one.
    pub confirm_delete: Option<String>,
    /// A problem with the file (shown, but the list still works).
    pub error: Option<String>,
    /// The form just submitted, while its save is under way: a save that fails (a file that
    /// does not parse, a lock) opens it again as it was, so nothing typed is lost.
    pub unsaved: Option<Box<BookmarkForm>>,
}

impl BookmarkList {
    pub fn filtered(&self) -> Vec<&Profile> {
        let f = self.filter.to_lowercase();
        self.profiles
            .iter()
            .filter(|p| {
                f.is_empty()
                    || p.name.to_lowercase().contains(&f)
                    || p.host.to_lowercase().contains(&f)
                    || p.user
                        .as_deref()
                        .is_some_and(|u| u.to_lowercase().contains(&f))
            })
            .collect()
    }

    fn selected(&self) -> Option<Profile> {
        self.filtered().get(self.cursor).map(|p| (*p).clone())
    }

    pub fn key(&mut self, k: KeyPress) -> ListKey {
        if let Some(name) = self.confirm_delete.take() {
            return match k.key {
                Key::Char('y') | Key::Char('Y') => ListKey::Delete(name),
                _ => ListKey::Stay,
            };
        }
        let n = self.filtered().len();
        if self.filtering {
            match k.key {
                Key::Esc => {
                    self.filtering = false;
                    self.filter.clear();
                }
                Key::Enter | Key::Down | Key::Tab => self.filtering = false,
                Key::Backspace => {
                    self.filter.pop();
                }
                Key::Char(c) if !k.ctrl && !c.is_control() => self.filter.push(c),
                _ => {}
            }
            self.cursor = 0;
            return ListKey::Stay;
        }
        match k.key {
            Key::Esc | Key::Char('q') => ListKey::Close,
            Key::Up | Key::Char('k') => {
                self.cursor = self.cursor.saturating_sub(1);
                ListKey::Stay
            }
            Key::Down | Key::Char('j') => {
                self.cursor = (self.cursor + 1).min(n.saturating_sub(1));
                ListKey::Stay
            }
            Key::Home | Key::Char('g') => {
                self.cursor = 0;
                ListKey::Stay
            }
            Key::End | Key::Char('G') => {
                self.cursor = n.saturating_sub(1);
                ListKey::Stay
            }
            Key::PageUp => {
                self.cursor = self.cursor.saturating_sub(10);
                ListKey::Stay
            }
            Key::PageDown => {
                self.cursor = (self.cursor + 10).min(n.saturating_sub(1));
                ListKey::Stay
            }
            Key::Char('/') => {
                self.filtering = true;
                ListKey::Stay
            }
            Key::Enter => self.selected().map_or(ListKey::Stay, ListKey::Connect),
            Key::Char('a') => ListKey::Add,
            Key::Char('e') => self.selected().map_or(ListKey::Stay, ListKey::Edit),
            Key::Char('y') => self.selected().map_or(ListKey::Stay, ListKey::Duplicate),
            Key::Char('d') | Key::Delete => {
                self.confirm_delete = self.selected().map(|p| p.name);
                ListKey::Stay
            }
            _ => ListKey::Stay,
        }
    }
}

/// The fields of the bookmark form, in order, with their labels.
pub const FORM_FIELDS: [&str; 22] = [
    n_("Name"),
    n_("Host"),
    n_("Port"),
    n_("Protocol"),
    n_("User"),
    n_("Anonymous"),
    n_("Password"),
    n_("Passive"),
    n_("Prefer EPSV"),
    n_("Encoding"),
    n_("Local dir"),
    n_("Remote dir"),
    n_("Parallel"),
    n_("Keepalive s"),
    n_("Active ports"),
    n_("Active addr"),
    n_("Transfer"),
    n_("Verify"),
    n_("Upload temp"),
    n_("Time offset"),
    n_("Limit rate"),
    n_("Segments"),
];

/// Add or edit one profile. Text fields are edited as text; choices cycle with Space.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BookmarkForm {
    /// The name the profile had (for a rename); `None` when adding.
    pub old_name: Option<String>,
    pub values: [String; 22],
    pub focus: usize,
    /// Problems found as you type, by field label.
    pub errors: Vec<(&'static str, String)>,
    /// Everything else the profile carries (pinned certificate…), kept as it was.
    pub base: Profile,
    /// The keyring a "keyring" password goes to, when known (named under the form).
    pub keyring: Option<crate::bookmarks::KeyringKind>,
}

const CHOICES: [(usize, &[&str]); 8] = [
    (3, &["ftp", "ftps", "ftps-implicit", "ftps-if-available"]),
    (5, &["no", "yes"]),
    (6, &["ask", "keyring", "command"]),
    (7, &["yes", "no"]),
    (8, &["yes", "no"]),
    // "default" follows `[transfer] mode` in config.toml.
    (16, &["default", "binary", "ascii", "auto"]),
    // "default" follows `[transfer] verify` and `upload_temp`.
    (17, &["default", "yes", "no"]),
    (18, &["default", "auto", "always", "never"]),
];

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

impl BookmarkForm {
    pub fn new(p: Profile, old_name: Option<String>) -> BookmarkForm {
        let protocol = match p.protocol {
            Protocol::Ftp => "ftp",
            Protocol::Ftps => "ftps",
            Protocol::FtpsImplicit => "ftps-implicit",
            Protocol::FtpsIfAvailable => "ftps-if-available",
        };
        let password = match &p.password {
            PasswordSource::Ask => "ask".to_string(),
            PasswordSource::Keyring => "keyring".to_string(),
            PasswordSource::Command(c) => format!("command: {c}"),
        };
        let values = [
            p.name.clone(),
            p.host.clone(),
            p.port.to_string(),
            protocol.to_string(),
            p.user.clone().unwrap_or_default(),
            yes(p.anonymous),
            password,
            yes(p.passive),
            yes(p.prefer_epsv),
            p.encoding.clone(),
            p.local_dir.clone().unwrap_or_default(),
            p.remote_dir.clone().unwrap_or_default(),
            p.parallel.map(|n| n.to_string()).unwrap_or_default(),
            p.keepalive_secs.map(|n| n.to_string()).unwrap_or_default(),
            p.active_ports.clone().unwrap_or_default(),
            p.active_address.clone().unwrap_or_default(),
            p.transfer_type.map_or("default", |m| m.label()).to_string(),
            p.verify.map_or("default".to_string(), yes),
            p.upload_temp.map_or("default", |u| u.label()).to_string(),
            p.time_offset.map(|n| n.to_string()).unwrap_or_default(),
            p.limit_rate
                .map(crate::transfer::rate::rate_label)
                .unwrap_or_default(),
            p.segments.map(|s| s.label()).unwrap_or_default(),
        ];
        let mut f = BookmarkForm {
            old_name,
            values,
            focus: 0,
            errors: Vec::new(),
            base: p,
            keyring: None,
        };
        f.errors = f.check();
        f
    }

    fn editable(&self) -> bool {
        self.is_choice().is_none() || self.values[self.focus].starts_with("command:")
    }

    fn is_choice(&self) -> Option<&'static [&'static str]> {
        CHOICES
            .iter()
            .find(|(i, _)| *i == self.focus)
            .map(|(_, c)| *c)
    }

    /// Edit the focused field. Returns true when Enter asks to save a valid form.
    pub fn key(&mut self, k: KeyPress) -> bool {
        let n = FORM_FIELDS.len();
        // A URL typed as the host fills the other rows when the cursor leaves it.
        if self.focus == 1
            && matches!(
                k.key,
                Key::Tab | Key::BackTab | Key::Up | Key::Down | Key::Enter
            )
        {
            self.split_host_url();
            self.errors = self.check();
        }
        match k.key {
            Key::Tab | Key::Down => self.focus = (self.focus + 1) % n,
            Key::BackTab | Key::Up => self.focus = (self.focus + n - 1) % n,
            Key::Enter => return self.errors.is_empty(),
            // Space cycles a choice, except in a command being typed (`command: pass show x`).
            Key::Char(' ') | Key::Left | Key::Right
                if self.is_choice().is_some()
                    && !(k.key == Key::Char(' ')
                        && self.values[self.focus].starts_with("command:")) =>
            {
                let choices = self.is_choice().unwrap_or(&[]);
                let cur = &self.values[self.focus];
                let base = cur.split(':').next().unwrap_or("");
                let i = choices.iter().position(|c| *c == base).unwrap_or(0);
                let next = if k.key == Key::Left {
                    (i + choices.len() - 1) % choices.len()
                } else {
                    (i + 1) % choices.len()
                };
                self.values[self.focus] = if choices[next] == "command" {
                    "command: ".to_string()
                } else {
                    choices[next].to_string()
                };
            }
            // Choices take text only after "command:".
            Key::Backspace if self.editable() => {
                self.values[self.focus].pop();
            }
            Key::Char(c) if !k.ctrl && !k.alt && self.editable() => {
                self.values[self.focus].push(c);
            }
            _ => {}
        }
        self.errors = self.check();
        false
    }

    /// When the Host row holds a URL: its host, port, scheme, user and path go to their rows.
    fn split_host_url(&mut self) {
        let mut p = Profile::new("", "");
        p.protocol = Protocol::from_name(&self.values[3]).unwrap_or_default();
        if let Ok(true) = p.take_url(&self.values[1]) {
            self.values[1] = p.host;
            self.values[2] = p.port.to_string();
            self.values[3] = p.protocol.as_str().to_string();
            if let Some(u) = p.user {
                self.values[4] = u;
                self.values[5] = yes(false);
            }
            if let Some(d) = p.remote_dir {
                self.values[11] = d;
            }
        }
    }

    /// The profile the form describes, or the problems with it.
    pub fn profile(&self) -> Result<Profile, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let v = &self.values;
        let mut p = self.base.clone();
        p.name = v[0].trim().to_string();
        p.host = v[1].trim().to_string();
        match v[2].trim().parse::<u16>() {
            Ok(n) if n > 0 => p.port = n,
            _ => errors.push(("Port", t("must be 1-65535").to_string())),
        }
        p.protocol = match v[3].as_str() {
            "ftps" => Protocol::Ftps,
            "ftps-implicit" => Protocol::FtpsImplicit,
            "ftps-if-available" => Protocol::FtpsIfAvailable,
            _ => Protocol::Ftp,
        };
        p.user = Some(v[4].trim().to_string()).filter(|u| !u.is_empty());
        p.anonymous = v[5] == "yes";
        p.password = match v[6].as_str() {
            "keyring" => PasswordSource::Keyring,
            s if s.starts_with("command:") => {
                let cmd = s["command:".len()..].trim().to_string();
                if cmd.is_empty() {
                    errors.push(("Password", t("the command is empty").to_string()));
                }
                PasswordSource::Command(cmd)
            }
            _ => PasswordSource::Ask,
        };
        p.passive = v[7] == "yes";
        p.prefer_epsv = v[8] == "yes";
        p.encoding = if v[9].trim().is_empty() {
            "utf-8".to_string()
        } else {
            v[9].trim().to_string()
        };
        p.local_dir = Some(v[10].trim().to_string()).filter(|s| !s.is_empty());
        p.remote_dir = Some(v[11].trim().to_string()).filter(|s| !s.is_empty());
        p.parallel = match v[12].trim() {
            "" => None,
            s => match s.parse::<u8>() {
                Ok(n @ 1..=16) => Some(n),
                _ => {
                    errors.push(("Parallel", t("must be 1-16").to_string()));
                    None
                }
            },
        };
        p.keepalive_secs = match v[13].trim() {
            "" => None,
            s => match s.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push(("Keepalive s", t("must be a number of seconds").to_string()));
                    None
                }
            },
        };
        p.active_ports = Some(v[14].trim().to_string()).filter(|s| !s.is_empty());
        p.active_address = Some(v[15].trim().to_string()).filter(|s| !s.is_empty());
        p.transfer_type = crate::transfer::TransferMode::parse(&v[16]);
        p.verify = match v[17].as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        p.upload_temp = crate::transfer::UploadTemp::parse(&v[18]);
        p.time_offset = match v[19].trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) if n.abs() <= 86_400 => Some(n).filter(|&n| n != 0),
                _ => {
                    errors.push((
                        "Time offset",
                        t("must be seconds between -86400 and 86400").to_string(),
                    ));
                    None
                }
            },
        };
        p.limit_rate = match v[20].trim() {
            "" => None,
            s => match crate::transfer::rate::parse_rate(s) {
                Ok(n) => Some(n),
                Err(_) => {
                    errors.push((
                        "Limit rate",
                        t("must be a rate such as 500K or 2M, or empty").to_string(),
                    ));
                    None
                }
            },
        };
        p.segments = match v[21].trim() {
            "" => None,
            s => match crate::transfer::Segments::parse(s) {
                Some(n) => Some(n),
                None => {
                    errors.push((
                        "Segments",
                        t("must be auto or a number from 1 to 16, or empty").to_string(),
                    ));
                    None
                }
            },
        };
        // A URL as the host (split into the rows when the cursor leaves it).
        match p.take_url(&v[1]) {
            Ok(_) => {}
            Err(crate::bookmarks::HostUrlError::Password) => errors.push((
                "Host",
                t("a password in the URL is never kept with a bookmark: leave it out and choose keyring, command or ask as the Password").to_string(),
            )),
            Err(e) => errors.push(("Host", e.to_string())),
        }
        for (field, msg) in p.validate() {
            let label = match field {
                "keepalive_secs" => "Keepalive s",
                "active_ports" => "Active ports",
                "active_address" => "Active addr",
                _ => FORM_FIELDS
                    .iter()
                    .find(|l| l.to_lowercase().starts_with(&field.to_lowercase()))
                    .copied()
                    .unwrap_or("Name"),
            };
            if !errors.iter().any(|(l, _)| *l == label) {
                errors.push((label, msg));
            }
        }
        if errors.is_empty() {
            Ok(p)
        } else {
            Err(errors)
        }
    }

    fn check(&self) -> Vec<(&'static str, String)> {
        self.profile().err().unwrap_or_default()
    }
}

#[cfg(test)]
mod active_mode_form_tests {
    use super::*;

    #[test]
    fn active_mode_rows_reach_the_profile_and_are_checked() {
        let mut p = Profile::new("t", "ftp.example.org");
        p.active_ports = Some("50000-50100".into());
        let mut f = BookmarkForm::new(p, None);
        assert_eq!(f.values[14], "50000-50100");
        f.values[15] = "203.0.113.7".into();
        let p = f.profile().expect("valid");
        assert_eq!(p.active_ports.as_deref(), Some("50000-50100"));
        assert_eq!(p.active_address.as_deref(), Some("203.0.113.7"));
        f.values[14] = "9-1".into();
        f.values[15] = "nowhere".into();
        let errors = f.profile().expect_err("both are wrong");
        let labels: Vec<&str> = errors.iter().map(|(l, _)| *l).collect();
        assert!(labels.contains(&"Active ports"), "{errors:?}");
        assert!(labels.contains(&"Active addr"), "{errors:?}");
    }

    #[test]
    fn a_url_typed_as_the_host_fills_the_rows_and_a_password_in_it_is_refused() {
        let mut f = BookmarkForm::new(Profile::new("t", ""), None);
        f.focus = 1;
        for c in "ftp://alice@host:2121/pub".chars() {
            f.key(KeyPress::plain(Key::Char(c)));
        }
        // Valid while typed: the URL is what the rows will say.
        assert!(f.errors.is_empty(), "{:?}", f.errors);
        f.key(KeyPress::plain(Key::Tab));
        assert_eq!(
            (&f.values[1][..], &f.values[2][..], &f.values[3][..]),
            ("host", "2121", "ftp")
        );
        assert_eq!((&f.values[4][..], &f.values[11][..]), ("alice", "pub"));
        let p = f.profile().expect("valid");
        assert_eq!((p.host.as_str(), p.port), ("host", 2121));
        assert_eq!(p.user.as_deref(), Some("alice"));
        assert_eq!(p.remote_dir.as_deref(), Some("pub"));
        // ftps:// is implicit FTPS on 990.
        f.focus = 1;
        f.values[1] = "ftps://h2".into();
        f.key(KeyPress::plain(Key::Enter));
        assert_eq!((&f.values[1][..], &f.values[2][..]), ("h2", "990"));
        assert_eq!(f.values[3], "ftps-implicit");
        // A password: an error on the Host row that does not repeat it.
        f.focus = 1;
        f.values[1] = "ftp://alice:hunter2@host/".into();
        assert!(!f.key(KeyPress::plain(Key::Enter)));
        let (label, msg) = &f.errors[0];
        assert_eq!(*label, "Host");
        assert!(
            msg.contains("password") && !msg.contains("hunter2"),
            "{msg}"
        );
        assert_eq!(f.values[1], "ftp://alice:hunter2@host/");
    }

    #[test]
    fn a_password_command_takes_spaces() {
        let mut f = BookmarkForm::new(Profile::new("t", "ftp.example.org"), None);
        f.focus = 6;
        f.key(KeyPress::plain(Key::Char(' ')));
        f.key(KeyPress::plain(Key::Char(' ')));
        assert_eq!(f.values[6], "command: ");
        for c in "pass show ftp/work".chars() {
            f.key(KeyPress::plain(Key::Char(c)));
        }
        assert_eq!(f.values[6], "command: pass show ftp/work");
        assert_eq!(
            f.profile().expect("valid").password,
            PasswordSource::Command("pass show ftp/work".into())
        );
    }

    #[test]
    fn the_list_goes_to_its_ends_with_home_and_end() {
        let mut list = BookmarkList {
            profiles: ["a", "b", "c"]
                .iter()
                .map(|n| Profile::new(n, "ftp.example.org"))
                .collect(),
            ..BookmarkList::default()
        };
        list.key(KeyPress::plain(Key::End));
        assert_eq!(list.cursor, 2);
        list.key(KeyPress::plain(Key::Home));
        assert_eq!(list.cursor, 0);
        list.key(KeyPress::plain(Key::Char('G')));
        assert_eq!(list.cursor, 2);
    }

    #[test]
    fn the_checks_and_the_time_offset_rows_reach_the_profile() {
        use crate::transfer::UploadTemp;
        let mut p = Profile::new("t", "ftp.example.org");
        p.verify = Some(false);
        p.upload_temp = Some(UploadTemp::Never);
        p.time_offset = Some(-3600);
        let mut f = BookmarkForm::new(p, None);
        assert_eq!(
            (
                f.values[17].as_str(),
                f.values[18].as_str(),
                f.values[19].as_str()
            ),
            ("no", "never", "-3600")
        );
        f.focus = 17;
        f.key(KeyPress::plain(Key::Char(' ')));
        f.focus = 18;
        f.key(KeyPress::plain(Key::Char(' ')));
        let q = f.profile().expect("valid");
        assert_eq!(
            (q.verify, q.upload_temp, q.time_offset),
            (None, None, Some(-3600))
        );
        f.values[19] = "a while".into();
        let errors = f.profile().expect_err("not a number");
        assert!(
            errors.iter().any(|(l, _)| *l == "Time offset"),
            "{errors:?}"
        );
        f.values[19] = "0".into();
        assert_eq!(f.profile().expect("valid").time_offset, None, "0 is none");
    }

    #[test]
    fn the_limit_and_segments_rows_reach_the_profile_and_are_checked() {
        use crate::transfer::Segments;
        let mut p = Profile::new("t", "ftp.example.org");
        p.limit_rate = Some(2 * 1024 * 1024);
        p.segments = Some(Segments::Max(4));
        let mut f = BookmarkForm::new(p, None);
        assert_eq!((f.values[20].as_str(), f.values[21].as_str()), ("2M", "4"));
        f.values[20] = "500K".into();
        f.values[21] = "auto".into();
        let q = f.profile().expect("valid");
        assert_eq!(
            (q.limit_rate, q.segments),
            (Some(500 * 1024), Some(Segments::Auto))
        );
        f.values[20] = "fast".into();
        f.values[21] = "40".into();
        let errors = f.profile().expect_err("neither is valid");
        let labels: Vec<&str> = errors.iter().map(|(l, _)| *l).collect();
        assert_eq!(labels, ["Limit rate", "Segments"], "{errors:?}");
        f.values[20] = String::new();
        f.values[21] = String::new();
        let q = f.profile().expect("valid");
        assert_eq!(
            (q.limit_rate, q.segments),
            (None, None),
            "empty: skiff's settings"
        );
    }

    #[test]
    fn the_transfer_type_row_cycles_and_reaches_the_profile() {
        use crate::transfer::TransferMode;
        let mut p = Profile::new("t", "ftp.example.org");
        p.transfer_type = Some(TransferMode::Ascii);
        let mut f = BookmarkForm::new(p, None);
        assert_eq!(f.values[16], "ascii");
        f.focus = 16;
        // Typing does nothing on a choice; Space moves on, Left goes back.
        f.key(KeyPress::plain(Key::Char('x')));
        assert_eq!(f.values[16], "ascii");
        f.key(KeyPress::plain(Key::Char(' ')));
        assert_eq!(
            f.profile().expect("valid").transfer_type,
            Some(TransferMode::Auto)
        );
        f.key(KeyPress::plain(Key::Char(' ')));
        assert_eq!(f.values[16], "default");
        assert_eq!(f.profile().expect("valid").transfer_type, None);
        f.key(KeyPress::plain(Key::Left));
        f.key(KeyPress::plain(Key::Left));
        assert_eq!(
            f.profile().expect("valid").transfer_type,
            Some(TransferMode::Ascii)
        );
        f.key(KeyPress::plain(Key::Left));
        assert_eq!(
            f.profile().expect("valid").transfer_type,
            Some(TransferMode::Binary)
        );
    }
}
