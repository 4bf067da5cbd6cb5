//! Start-up: from the parsed command line ([`super::args`]), the configuration and what the
//! environment says, what skiff runs: the TUI's [`Launch`] ([`resolve`], then [`run_tui`]) or
//! a headless command ([`run_command`]). What start-up reads besides its arguments (the
//! language variables, the current directory, standard input, `SKIFF_PASSWORD`, the bookmarks
//! and their passwords) comes through [`Environment`], so the rules are tested without a
//! terminal, a keyring or the user's files.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::{Context, bail};

use super::args::{Cli, Command, ConnArgs};
use crate::app::{self, Launch};
use crate::bookmarks::{Profile, Store};
use crate::ftp::url::FtpUrl;
use crate::ftp::{ConnectOptions, Secret};
use crate::i18n::Lang;
use crate::state::ConnectForm;
use crate::state::keymap::Settings;

/// What start-up reads from outside the command line and the configuration file.
pub trait Environment {
    /// The language `LC_ALL`, `LC_MESSAGES` or `LANG` names ([`Lang::from_env`]).
    fn lang(&self) -> Lang;
    /// The directory skiff was started in (the left pane's, without `--local`).
    fn current_dir(&self) -> std::io::Result<PathBuf>;
    /// An environment variable (`SKIFF_PASSWORD`).
    fn var(&self, name: &str) -> Option<String>;
    /// The first line of standard input, without its line end (`--password-stdin`).
    fn stdin_line(&self) -> std::io::Result<String>;
    /// The bookmarks; `None` when this system has no config directory.
    fn bookmarks(&self) -> Option<Store>;
    /// A bookmark's password ([`app::resolve_profile_password`]): `Ok(None)` means ask, and
    /// the note is a line for the log.
    fn profile_password(&self, p: &Profile) -> (Result<Option<Secret>, String>, Option<String>);
    /// A line for the user on stderr.
    fn warn(&self, line: &str);
}

/// The real environment: the process's variables, standard input, the bookmarks in the config
/// directory, the OS keyring.
pub struct System;

impl Environment for System {
    fn lang(&self) -> Lang {
        Lang::from_env()
    }

    fn current_dir(&self) -> std::io::Result<PathBuf> {
        std::env::current_dir()
    }

    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn stdin_line(&self) -> std::io::Result<String> {
        super::read_stdin_line()
    }

    fn bookmarks(&self) -> Option<Store> {
        Store::default_location()
    }

    fn profile_password(&self, p: &Profile) -> (Result<Option<Secret>, String>, Option<String>) {
        app::resolve_profile_password(p)
    }

    fn warn(&self, line: &str) {
        super::say(line);
    }
}

/// How the TUI starts.
pub struct Start {
    pub launch: Launch,
    /// `--demo`: start the embedded server first and connect to it ([`run_tui`]).
    pub demo: bool,
}

/// The TUI's start from the command line (`args.command` is not looked at), the configuration
/// (`settings`, and the mistakes found in the user's file) and the environment: the language
/// (`--lang`, else `[ui] lang`, else the locale variables), the left pane's directory, the
/// transfer defaults (`-P`, `--on-exists`, else `[transfer]`), and what to open: a bookmark
/// (`-b NAME`, or a bare NAME that is not a URL), a URL, or nothing. A bookmark or URL with a
/// user and no password opens the password prompt instead of connecting.
pub fn resolve(
    args: &Cli,
    settings: Settings,
    config_errors: Vec<String>,
    env: &impl Environment,
) -> anyhow::Result<Start> {
    let config = &settings.config;
    let lang = args.lang.or(config.lang).unwrap_or_else(|| env.lang());
    let local_dir = match &args.local {
        Some(d) => d.clone(),
        None => env.current_dir().context("reading the current directory")?,
    };
    let local_dir = std::fs::canonicalize(&local_dir)
        .with_context(|| format!("cannot open local directory {}", local_dir.display()))?
        .to_string_lossy()
        .into_owned();
    let parallel = args.parallel.map_or(config.transfer.parallel, usize::from);
    let on_exists = args.on_exists.unwrap_or(config.transfer.on_exists);
    let mut launch = Launch {
        local_dir,
        connect: None,
        prompt: None,
        lang,
        notes: Vec::new(),
        parallel,
        on_exists,
        settings,
        config_errors,
    };

    // A bookmark: -b NAME, or a bare NAME where a URL could be.
    let bookmark = match (&args.bookmark, &args.url) {
        (Some(b), _) => Some(b),
        (None, Some(u)) if !FtpUrl::looks_like_url(u) => Some(u),
        _ => None,
    };
    if let Some(name) = bookmark {
        open_bookmark(name, &args.tls, env, &mut launch)?;
    } else if let Some(url) = &args.url {
        open_url(url, args, env, &mut launch)?;
    } else if args.password_stdin && !args.demo {
        bail!("--password-stdin needs a URL with a user name");
    }
    Ok(Start {
        launch,
        demo: args.demo,
    })
}

/// A saved bookmark: its local directory, and a connection or (no password, not anonymous)
/// the password prompt. `--ca-file` and the data-connection switches apply; `--trust` and
/// `--password-stdin` do not.
fn open_bookmark(
    name: &str,
    tls: &ConnArgs,
    env: &impl Environment,
    launch: &mut Launch,
) -> anyhow::Result<()> {
    let store = env
        .bookmarks()
        .context("this system has no config directory for bookmarks")?;
    let profile = store
        .get(name)
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .with_context(|| {
            // What looks like credentials is not repeated on the terminal.
            if name.contains('@') || name.contains("://") {
                "that is neither an ftp://, ftpes:// or ftps:// URL nor a saved bookmark \
                 (see `skiff bookmarks list`)"
                    .to_string()
            } else {
                format!(
                    "{name:?} is neither an ftp:// URL nor a saved bookmark (see `skiff bookmarks list`)"
                )
            }
        })?;
    if let Some(dir) = &profile.local_dir {
        launch.local_dir = dir.clone();
    }
    let (password, note) = env.profile_password(&profile);
    if let Some(n) = note {
        launch.notes.push(n);
    }
    let password = password.map_err(|e| anyhow::anyhow!("{}: {e}", profile.name))?;
    let anonymous = profile.anonymous || profile.user.is_none();
    match (password, anonymous) {
        (None, false) => {
            let mut form = ConnectForm::for_profile(&profile);
            form.settings.trust.ca_file = tls.ca_file.clone();
            tls.apply(&mut form.settings);
            launch.prompt = Some(form);
        }
        (password, _) => {
            let mut opts = profile.connect_options(password);
            opts.trust.ca_file = tls.ca_file.clone();
            tls.apply(&mut opts);
            launch.connect = Some((opts, profile.remote_dir.clone()));
        }
    }
    Ok(())
}

/// A URL: a connection, or (a user and no password from [`super::url_password`]) the password
/// prompt.
fn open_url(
    url: &str,
    args: &Cli,
    env: &impl Environment,
    launch: &mut Launch,
) -> anyhow::Result<()> {
    let u = FtpUrl::parse(url).with_context(|| "cannot use that URL".to_string())?;
    super::warn_password_in_url(&u, env);
    let trust = args.tls.trust();
    let password = super::url_password(&u, args.password_stdin, env)?;
    match (&u.user, password) {
        (Some(user), None) => {
            let mut form = ConnectForm::password_prompt(&u.host, u.port, user, u.path.clone());
            let mut settings = ConnectOptions::new(&u.host, u.port, None, None);
            settings.tls = u.tls;
            settings.trust = trust;
            args.tls.apply(&mut settings);
            form.settings = Box::new(settings);
            launch.prompt = Some(form);
        }
        (user, password) => {
            let mut opts = ConnectOptions::new(&u.host, u.port, user.as_deref(), password);
            opts.tls = u.tls;
            opts.trust = trust;
            args.tls.apply(&mut opts);
            launch.connect = Some((opts, u.path.clone()));
        }
    }
    Ok(())
}

/// Run the TUI from a resolved start: on a terminal only; with `--demo`, the embedded server
/// is started first and connected to.
pub fn run_tui(start: Start) -> anyhow::Result<()> {
    if !std::io::stdout().is_terminal() {
        bail!("skiff needs a terminal (stdout is not a TTY)");
    }
    let Start { mut launch, demo } = start;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let _server = if demo {
            let server = crate::demo::start(crate::demo::DemoOptions::default())
                .await
                .context("starting the embedded demo server")?;
            launch.notes.push(format!(
                "Demo server on 127.0.0.1:{} serving {} (user {}, password {})",
                server.port,
                server.root.display(),
                crate::demo::DEMO_USER,
                "demo"
            ));
            launch.connect = Some((
                ConnectOptions::new(
                    "127.0.0.1",
                    server.port,
                    Some(crate::demo::DEMO_USER),
                    Some(Secret::new(crate::demo::DEMO_PASSWORD)),
                ),
                None,
            ));
            Some(server)
        } else {
            None
        };
        app::run_tui(launch).await
    })
}

/// Run a headless command (`get`, `put`, `sync`, `ls`, `bookmarks`…) and return its exit
/// code. The transfers take their defaults from the config file's `[transfer]` section
/// (`settings`), as the TUI does; its mistakes are said on stderr first.
pub fn run_command(
    cmd: Command,
    settings: impl FnOnce() -> (crate::config::Config, Vec<String>),
    env: &impl Environment,
) -> anyhow::Result<i32> {
    // Only the transfers read the configuration (a parse that costs memory the others need
    // not pay): each of their arms below calls this once.
    // They also speak the configured language, as the TUI does (`[ui] lang`, else the locale).
    crate::i18n::set_lang(env.lang());
    let transfer_defaults = move || {
        let (config, errors) = settings();
        for e in &errors {
            env.warn(&format!("skiff: {e}"));
        }
        if let Some(lang) = config.lang {
            crate::i18n::set_lang(lang);
        }
        config.transfer
    };
    // One thread, like curl and lftp: a transfer's socket reads and file writes happen on the
    // same thread, with no hand-offs between threads (BENCHMARKS.md: a 1 GiB download made
    // ~2,000–6,000 context switches on two worker threads, ~50 on one).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match cmd {
        Command::Bookmarks { cmd } => super::bookmarks(cmd),
        Command::Completions { shell } => print_all(&completions(shell)),
        Command::Man => print_all(&man_page()?),
        Command::Ls {
            url,
            password_stdin,
            verbose,
            tls,
        } => rt.block_on(async {
            let (u, opts) = url_options(&url, password_stdin, &tls, env)?;
            super::ls(&u, opts, verbose).await
        }),
        Command::Get { url, local, x } => rt.block_on(async {
            let (u, opts) = url_options(&url, x.run.password_stdin, &x.run.tls, env)?;
            super::get(&u, local, opts, x.options(&transfer_defaults())).await
        }),
        Command::Put { local, url, x } => rt.block_on(async {
            let (u, opts) = url_options(&url, x.run.password_stdin, &x.run.tls, env)?;
            super::put(&local, &u, opts, x.options(&transfer_defaults())).await
        }),
        Command::Sync { from, to, s } => {
            use super::sync_cmd::{Way, is_url};
            let (way, url, local) = match (is_url(&from), is_url(&to)) {
                (false, true) => (Way::Up, to, from),
                (true, false) => (Way::Down, from, to),
                _ => {
                    env.warn(
                        "skiff sync: one side must be a local directory and the other an ftp://, ftps:// \
                         or ftpes:// URL",
                    );
                    return Ok(2);
                }
            };
            let o = match s.options(&transfer_defaults()) {
                Ok(o) => o,
                Err(e) => {
                    env.warn(&format!("skiff sync: {e:#}"));
                    return Ok(2);
                }
            };
            rt.block_on(async {
                let (u, opts) = url_options(&url, s.run.password_stdin, &s.run.tls, env)?;
                super::sync_cmd::sync(way, std::path::Path::new(&local), &u, opts, o).await
            })
        }
    }
}

/// The completion script for `shell`, from the same clap definitions as the parser.
pub fn completions(shell: clap_complete::Shell) -> Vec<u8> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "skiff", &mut out);
    out
}

/// The manual page (roff), from the same clap definitions as the parser.
pub fn man_page() -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
        .render(&mut out)
        .context("writing the manual page")?;
    Ok(out)
}

/// Write `bytes` to stdout; a reader that stopped early (`| head`) is not an error.
fn print_all(bytes: &[u8]) -> anyhow::Result<i32> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(e).context("writing to standard output")
        }
        _ => Ok(0),
    }
}

/// A headless command's URL and connection options: the password by
/// [`super::url_password`] (none for a user is an error here, see [`super::connect_options`]),
/// then the switches.
fn url_options(
    url: &str,
    password_stdin: bool,
    tls: &ConnArgs,
    env: &impl Environment,
) -> anyhow::Result<(FtpUrl, ConnectOptions)> {
    let u = FtpUrl::parse(url)?;
    super::warn_password_in_url(&u, env);
    let password = super::url_password(&u, password_stdin, env)?;
    let mut opts = super::connect_options(&u, password, tls.trust())?;
    tls.apply(&mut opts);
    Ok((u, opts))
}

#[cfg(test)]
mod tests;
