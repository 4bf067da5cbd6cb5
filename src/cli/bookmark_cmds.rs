//! `skiff bookmarks …`: list, show, add, edit, remove and import bookmarks from the command line.

use super::*;
use crate::cli::args::{BookmarkCmd, BookmarkFields, ImportFrom};

impl BookmarkFields {
    fn apply(&self, p: &mut crate::bookmarks::Profile) -> anyhow::Result<()> {
        use crate::bookmarks::PasswordSource;
        if let Some(v) = self.port {
            p.port = v;
        }
        if let Some(v) = &self.user {
            p.user = Some(v.clone()).filter(|u| !u.is_empty());
        }
        if let Some(v) = self.protocol {
            p.protocol = v;
        }
        if let Some(v) = self.transfer_type {
            p.transfer_type = v.mode();
        }
        if let Some(v) = &self.password {
            p.password = match v.as_str() {
                "ask" => PasswordSource::Ask,
                "keyring" => PasswordSource::Keyring,
                c if c.starts_with("command:") => {
                    PasswordSource::Command(c[8..].trim().to_string())
                }
                // The value is not repeated: it may be the password itself.
                _ => bail!(
                    "--password takes ask, keyring or command:CMD (never the password itself: \
                     store it with --password-to-keyring)"
                ),
            };
        }
        if let Some(v) = self.anonymous {
            p.anonymous = v;
        }
        if let Some(v) = self.passive {
            p.passive = v;
        }
        if let Some(v) = self.epsv {
            p.prefer_epsv = v;
        }
        if let Some(v) = &self.encoding {
            p.encoding = v.clone();
        }
        if let Some(v) = &self.local_dir {
            p.local_dir = Some(v.clone()).filter(|s| !s.is_empty());
        }
        if let Some(v) = &self.remote_dir {
            p.remote_dir = Some(v.clone()).filter(|s| !s.is_empty());
        }
        if let Some(v) = self.parallel {
            p.parallel = Some(v);
        }
        if let Some(v) = self.keepalive {
            p.keepalive_secs = Some(v);
        }
        if let Some(v) = self.time_offset {
            p.time_offset = Some(v).filter(|&s| s != 0);
        }
        if let Some(v) = &self.verify {
            p.verify = match v.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                "default" => None,
                other => bail!("--verify takes true, false or default, not {other:?}"),
            };
        }
        if let Some(v) = &self.upload_temp {
            p.upload_temp = match v.as_str() {
                "default" => None,
                other => Some(crate::transfer::UploadTemp::parse(other).with_context(|| {
                    format!("--upload-temp takes auto, always, never or default, not {other:?}")
                })?),
            };
        }
        if let Some(v) = &self.limit_rate {
            p.limit_rate = match v.as_str() {
                "default" | "" => None,
                other => {
                    Some(crate::transfer::rate::parse_rate(other).map_err(|e| anyhow::anyhow!(e))?)
                }
            };
        }
        if let Some(v) = &self.segments {
            p.segments = match v.as_str() {
                "default" => None,
                other => Some(crate::transfer::Segments::parse(other).with_context(|| {
                    format!("--segments takes auto, 1 to 16 or default, not {other:?}")
                })?),
            };
        }
        if let Some(v) = &self.active_ports {
            p.active_ports = Some(v.clone()).filter(|s| !s.is_empty());
        }
        if let Some(v) = &self.active_address {
            p.active_address = Some(v.clone()).filter(|s| !s.is_empty());
        }
        if self.password_to_keyring {
            let line = super::read_stdin_line().context("reading the password")?;
            let secret = line.as_str();
            let k = crate::bookmarks::OsKeyring;
            crate::bookmarks::Keyring::set(
                &k,
                "skiff",
                &crate::bookmarks::keyring_account(p),
                secret,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            eprintln!("the password is kept in {}", k.kind().describe());
            p.password = PasswordSource::Keyring;
        }
        Ok(())
    }
}

fn store() -> anyhow::Result<crate::bookmarks::Store> {
    crate::bookmarks::Store::default_location().context("this system has no config directory")
}

/// How `bookmarks show` describes a profile's password source; for the keyring, which one
/// (asked only then): the kernel keyring forgets the password at reboot.
fn password_line(
    p: &crate::bookmarks::Profile,
    keyring: impl FnOnce() -> crate::bookmarks::KeyringKind,
) -> String {
    use crate::bookmarks::PasswordSource;
    match &p.password {
        PasswordSource::Ask => "ask".to_string(),
        PasswordSource::Keyring => format!("keyring: {}", keyring().describe()),
        // A literal secret in the command is not repeated (see `mask_password_command`).
        PasswordSource::Command(c) => {
            format!("command: {}", crate::bookmarks::mask_password_command(c))
        }
    }
}

/// A host, or a URL whose parts fill the profile's fields (the options given beside it win).
fn set_host(p: &mut crate::bookmarks::Profile, host: &str) -> anyhow::Result<()> {
    match p.take_url(host) {
        Ok(true) => {}
        Ok(false) => p.host = host.to_string(),
        Err(e) => bail!("invalid bookmark: host: {e}"),
    }
    Ok(())
}

fn check(p: &crate::bookmarks::Profile) -> anyhow::Result<()> {
    let problems = p.validate();
    if problems.is_empty() {
        return Ok(());
    }
    let text: Vec<String> = problems.iter().map(|(f, m)| format!("{f}: {m}")).collect();
    bail!("invalid bookmark: {}", text.join("; "))
}

/// Run a `skiff bookmarks` command.
pub fn bookmarks(cmd: BookmarkCmd) -> anyhow::Result<i32> {
    use crate::bookmarks::Profile;
    let store = store()?;
    match cmd {
        BookmarkCmd::List => {
            let (profiles, err) = store.load().map_err(|e| anyhow::anyhow!("{e}"))?;
            for p in profiles {
                // Tab-separated for scripts: each field is made printable, the tab kept.
                println!(
                    "{}\t{}",
                    crate::text::printable(&p.name),
                    crate::text::printable(&p.url())
                );
            }
            // What could be read is listed; a file with a mistake is still an error (exit 1),
            // so that a script notices.
            if let Some(e) = err {
                bail!("{e}");
            }
        }
        BookmarkCmd::Show { name } => {
            let p = store
                .get(&name)
                .map_err(|e| anyhow::anyhow!("{e}"))?
                .with_context(|| format!("no bookmark named {name:?}"))?;
            let proto = p.protocol.as_str();
            let opt = |o: &Option<String>| o.clone().unwrap_or_else(|| "-".into());
            say_out!("name        {}", p.name);
            say_out!("url         {}", p.url());
            say_out!("host        {}", p.host);
            say_out!("port        {}", p.port);
            say_out!("protocol    {proto}");
            say_out!("user        {}", opt(&p.user));
            say_out!("anonymous   {}", p.anonymous);
            say_out!(
                "password    {}",
                password_line(&p, || crate::bookmarks::OsKeyring.kind())
            );
            if let crate::bookmarks::PasswordSource::Command(c) = &p.password
                && !crate::bookmarks::mask_password_command(c)
                    .split_whitespace()
                    .eq(c.split_whitespace())
            {
                say!(
                    "note: the password command has what looks like a secret in it (shown as \
                     ****); other local users can see it in the process list while it runs"
                );
            }
            say_out!("passive     {}", p.passive);
            say_out!("prefer epsv {}", p.prefer_epsv);
            say_out!("encoding    {}", p.encoding);
            say_out!("local dir   {}", opt(&p.local_dir));
            say_out!("remote dir  {}", opt(&p.remote_dir));
            say_out!(
                "parallel    {}",
                p.parallel
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "-".into())
            );
            say_out!(
                "keepalive   {}",
                p.keepalive_secs
                    .map(|n| format!("{n} s"))
                    .unwrap_or_else(|| "-".into())
            );
            say_out!("cert sha256 {}", opt(&p.cert_sha256));
            say_out!("active ports {}", opt(&p.active_ports));
            say_out!("active addr {}", opt(&p.active_address));
            say_out!(
                "transfer    {}",
                p.transfer_type.map_or("default", |m| m.label())
            );
            say_out!(
                "time offset {}",
                p.time_offset
                    .map(|n| format!("{n} s"))
                    .unwrap_or_else(|| "-".into())
            );
            say_out!(
                "verify      {}",
                p.verify.map_or("default".to_string(), |v| v.to_string())
            );
            say_out!(
                "upload temp {}",
                p.upload_temp.map_or("default", |u| u.label())
            );
            say_out!(
                "limit rate  {}",
                p.limit_rate
                    .map_or("default".to_string(), crate::transfer::rate::rate_label)
            );
            say_out!(
                "segments    {}",
                p.segments.map_or("default".to_string(), |s| s.label())
            );
        }
        BookmarkCmd::Add { name, host, fields } => {
            if store
                .get(&name)
                .map_err(|e| anyhow::anyhow!("{}", e.unsaved()))?
                .is_some()
            {
                bail!("a bookmark named {name:?} exists: use `skiff bookmarks edit`");
            }
            let mut p = Profile::new(&name, &host);
            set_host(&mut p, &host)?;
            fields.apply(&mut p)?;
            check(&p)?;
            store.save(&p, None).map_err(|e| anyhow::anyhow!("{e}"))?;
            say!("saved {name:?} in {}", store.path().display());
        }
        BookmarkCmd::Edit {
            name,
            host,
            rename,
            fields,
        } => {
            let mut p = store
                .get(&name)
                .map_err(|e| anyhow::anyhow!("{}", e.unsaved()))?
                .with_context(|| format!("no bookmark named {name:?}"))?;
            let before = p.clone();
            if let Some(h) = host {
                set_host(&mut p, &h)?;
            }
            if let Some(r) = rename {
                p.name = r;
            }
            fields.apply(&mut p)?;
            check(&p)?;
            store
                .save(&p, Some(&name))
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            // A new user, host or port: the keyring password follows.
            match crate::bookmarks::carry_keyring_password(
                &before,
                &p,
                &crate::bookmarks::OsKeyring,
            ) {
                Ok(true) => say!(
                    "the keyring password now also serves {}",
                    crate::bookmarks::keyring_account(&p)
                ),
                Ok(false) => {}
                Err(e) => say!("note: the keyring password was not carried over: {e}"),
            }
        }
        BookmarkCmd::Rm { name } => {
            if !store.remove(&name).map_err(|e| anyhow::anyhow!("{e}"))? {
                bail!("no bookmark named {name:?}");
            }
        }
        BookmarkCmd::Import {
            from,
            path,
            passwords,
        } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let k = crate::bookmarks::OsKeyring;
            let (profiles, notes) = match from {
                ImportFrom::Filezilla => crate::bookmarks::import::filezilla(&text, passwords, &k),
                ImportFrom::Lftp => crate::bookmarks::import::lftp(&text, passwords, &k),
            }
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            for n in notes {
                say!("note: {n}");
            }
            let mut added = 0;
            for p in &profiles {
                if let Err(e) = check(p) {
                    say!("skipped {:?}: {e}", p.name);
                    continue;
                }
                if store
                    .get(&p.name)
                    .map_err(|e| anyhow::anyhow!("{}", e.unsaved()))?
                    .is_some()
                {
                    say!("skipped {:?}: a bookmark with that name exists", p.name);
                    continue;
                }
                store.save(p, None).map_err(|e| anyhow::anyhow!("{e}"))?;
                added += 1;
            }
            say!(
                "imported {added} bookmark(s) into {}",
                store.path().display()
            );
        }
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bookmarks::{KeyringKind, PasswordSource, Profile};

    #[test]
    fn bookmarks_show_names_the_keyring_and_the_kernel_keyrings_limit() {
        let mut p = Profile::new("work", "h");
        p.password = PasswordSource::Keyring;
        let line = password_line(&p, || KeyringKind::Kernel);
        assert!(
            line.starts_with("keyring: the kernel keyring") && line.contains("until reboot"),
            "{line}"
        );
        let line = password_line(&p, || KeyringKind::SecretService);
        assert_eq!(line, "keyring: the desktop keyring (Secret Service)");
        assert!(password_line(&p, || KeyringKind::None).contains("asks for the password"));
        // Only a keyring bookmark asks which keyring it is.
        p.password = PasswordSource::Ask;
        assert_eq!(password_line(&p, || unreachable!()), "ask");
    }
}
