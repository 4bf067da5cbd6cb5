//! The `skiff` command: parse the command line, then run the TUI.

use std::io::IsTerminal;

use anyhow::{Context, bail};
use clap::Parser;

use skiff::app::{self, Launch};
use skiff::cli;
use skiff::cli::args::{Cli, Command};
use skiff::ftp::url::FtpUrl;
use skiff::ftp::{ConnectOptions, Secret};
use skiff::i18n::Lang;
use skiff::state::ConnectForm;

fn headless(cmd: Command) -> anyhow::Result<i32> {
    // One thread, like curl and lftp: a transfer's socket reads and file writes happen on the
    // same thread, with no hand-offs between threads (BENCHMARKS.md: a 1 GiB download made
    // ~2,000–6,000 context switches on two worker threads, ~50 on one).
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    if let Command::Bookmarks { cmd } = cmd {
        return cli::bookmarks(cmd);
    }
    rt.block_on(async move {
        match cmd {
            Command::Bookmarks { .. } => Ok(0),
            Command::Ls {
                url,
                password_stdin,
                verbose,
                tls,
            } => {
                let u = FtpUrl::parse(&url)?;
                cli::warn_password_in_url(&u);
                let mut opts =
                    cli::connect_options(&u, cli::url_password(&u, password_stdin)?, tls.trust())?;
                tls.apply(&mut opts);
                cli::ls(&u, opts, verbose).await
            }
            Command::Get { url, local, x } => {
                let u = FtpUrl::parse(&url)?;
                cli::warn_password_in_url(&u);
                let mut opts = cli::connect_options(
                    &u,
                    cli::url_password(&u, x.password_stdin)?,
                    x.tls.trust(),
                )?;
                x.tls.apply(&mut opts);
                cli::get(&u, local, opts, x.options()).await
            }
            Command::Put { local, url, x } => {
                let u = FtpUrl::parse(&url)?;
                cli::warn_password_in_url(&u);
                let mut opts = cli::connect_options(
                    &u,
                    cli::url_password(&u, x.password_stdin)?,
                    x.tls.trust(),
                )?;
                x.tls.apply(&mut opts);
                cli::put(&local, &u, opts, x.options()).await
            }
        }
    })
}

fn main() {
    if let Err(e) = run() {
        // anyhow's own report (`Error: …` and its causes), through the one sanitiser: an
        // error may quote a server's path, reply or certificate.
        cli::say(&format!("Error: {e:?}"));
        std::process::exit(1);
    }
}

fn run() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(cmd) = cli.command {
        let code = headless(cmd)?;
        std::process::exit(code);
    }
    if cli.print_default_config {
        print!("{}", skiff::config::DEFAULT_CONFIG);
        return Ok(());
    }
    let (settings, config_errors) = skiff::state::keymap::Settings::load();
    let config = &settings.config;
    let lang = cli.lang.or(config.lang).unwrap_or_else(Lang::from_env);
    let local_dir = match &cli.local {
        Some(d) => d.clone(),
        None => std::env::current_dir().context("reading the current directory")?,
    };
    let local_dir = std::fs::canonicalize(&local_dir)
        .with_context(|| format!("cannot open local directory {}", local_dir.display()))?
        .to_string_lossy()
        .into_owned();

    let mut launch = Launch {
        local_dir,
        connect: None,
        prompt: None,
        lang,
        notes: Vec::new(),
        parallel: cli.parallel.map_or(config.transfer.parallel, usize::from),
        on_exists: cli.on_exists.unwrap_or(config.transfer.on_exists),
        settings,
        config_errors,
    };

    // A bookmark: -b NAME, or a bare NAME where a URL could be.
    let bookmark = match (&cli.bookmark, &cli.url) {
        (Some(b), _) => Some(b.clone()),
        (None, Some(u)) if !FtpUrl::looks_like_url(u) => Some(u.clone()),
        _ => None,
    };
    if let Some(name) = bookmark {
        let store = skiff::bookmarks::Store::default_location()
            .context("this system has no config directory for bookmarks")?;
        let profile = store
            .get(&name)
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
        let (password, note) = app::resolve_profile_password(&profile);
        if let Some(n) = note {
            launch.notes.push(n);
        }
        let password = password.map_err(|e| anyhow::anyhow!("{}: {e}", profile.name))?;
        let anonymous = profile.anonymous || profile.user.is_none();
        match (password, anonymous) {
            (None, false) => {
                let mut form = ConnectForm::for_profile(&profile);
                form.settings.trust.ca_file = cli.tls.ca_file.clone();
                cli.tls.apply(&mut form.settings);
                launch.prompt = Some(form);
            }
            (password, _) => {
                let mut opts = profile.connect_options(password);
                opts.trust.ca_file = cli.tls.ca_file.clone();
                cli.tls.apply(&mut opts);
                launch.connect = Some((opts, profile.remote_dir.clone()));
            }
        }
    } else if let Some(url) = &cli.url {
        let u = FtpUrl::parse(url).with_context(|| "cannot use that URL".to_string())?;
        cli::warn_password_in_url(&u);
        let trust = skiff::ftp::tls::TlsTrust {
            pin: cli.tls.trust.clone(),
            ca_file: cli.tls.ca_file.clone(),
        };
        let password = cli::url_password(&u, cli.password_stdin)?;
        match (&u.user, password) {
            (Some(user), None) => {
                let mut form = ConnectForm::password_prompt(&u.host, u.port, user, u.path.clone());
                let mut settings = ConnectOptions::new(&u.host, u.port, None, None);
                settings.tls = u.tls;
                settings.trust = trust.clone();
                cli.tls.apply(&mut settings);
                form.settings = Box::new(settings);
                launch.prompt = Some(form);
            }
            (user, password) => {
                let mut opts = ConnectOptions::new(&u.host, u.port, user.as_deref(), password);
                opts.tls = u.tls;
                opts.trust = trust.clone();
                cli.tls.apply(&mut opts);
                launch.connect = Some((opts, u.path.clone()));
            }
        }
    } else if cli.password_stdin && !cli.demo {
        bail!("--password-stdin needs a URL with a user name");
    }

    if !std::io::stdout().is_terminal() {
        bail!("skiff needs a terminal (stdout is not a TTY)");
    }

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let _server = if cli.demo {
            let server = skiff::demo::start(skiff::demo::DemoOptions::default())
                .await
                .context("starting the embedded demo server")?;
            launch.notes.push(format!(
                "Demo server on 127.0.0.1:{} serving {} (user {}, password {})",
                server.port,
                server.root.display(),
                skiff::demo::DEMO_USER,
                "demo"
            ));
            launch.connect = Some((
                ConnectOptions::new(
                    "127.0.0.1",
                    server.port,
                    Some(skiff::demo::DEMO_USER),
                    Some(Secret::new(skiff::demo::DEMO_PASSWORD)),
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
