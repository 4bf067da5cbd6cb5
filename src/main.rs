//! The `skiff` command: parse the command line, then run the TUI.

use std::io::IsTerminal;

use anyhow::{Context, bail};
use clap::Parser;

use skiff::app::{self, Launch};
use skiff::cli;
use skiff::ftp::url::FtpUrl;
use skiff::ftp::{ConnectOptions, Secret};
use skiff::i18n::Lang;
use skiff::state::ConnectForm;
use skiff::transfer::OnExists;

/// A keyboard-driven dual-pane file manager for FTP.
#[derive(Debug, Parser)]
#[command(version, about, long_about = None, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Server to open in the right pane: ftp://[user[:password]@]host[:port][/path].
    /// Without a user, skiff logs in anonymously.
    url: Option<String>,

    /// Start an embedded FTP server with a sample tree and connect to it.
    #[arg(long, conflicts_with = "url")]
    demo: bool,

    /// Connect with a saved bookmark (`skiff NAME` works too when NAME is not a URL).
    #[arg(short = 'b', long = "bookmark", value_name = "NAME", conflicts_with_all = ["url", "demo"])]
    bookmark: Option<String>,

    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,

    /// Print the built-in configuration (every setting with its default) and exit.
    #[arg(long)]
    print_default_config: bool,

    /// Language of the interface and reply-code explanations (default: [ui] lang in the
    /// config file, else from LANG).
    #[arg(long, value_parser = ["en", "zh"])]
    lang: Option<String>,

    /// Directory for the left pane (default: the current directory).
    #[arg(long, value_name = "DIR")]
    local: Option<std::path::PathBuf>,

    /// Transfer connections (1-16; default: [transfer] parallel in the config file, 4).
    #[arg(long, short = 'P', value_parser = clap::value_parser!(u8).range(1..=16))]
    parallel: Option<u8>,

    /// What to do when a transfer's destination exists (default: [transfer] on_exists in the
    /// config file, ask).
    #[arg(long, value_parser = ["ask", "overwrite", "newer", "size", "resume", "skip", "rename"])]
    on_exists: Option<String>,

    #[command(flatten)]
    tls: ConnArgs,
}

/// Connection settings: FTPS trust (for ftpes:// and ftps:// URLs and FTPS bookmarks) and
/// how data connections are opened.
#[derive(Debug, Clone, clap::Args)]
struct ConnArgs {
    /// Active mode: the server connects back to skiff (PORT, or EPRT over IPv6).
    #[arg(long)]
    active: bool,

    /// Active mode: listen on a port of this range (LOW-HIGH), e.g. the ports a firewall
    /// forwards.
    #[arg(long, value_name = "LOW-HIGH", value_parser = skiff::ftp::parse_port_range)]
    active_ports: Option<(u16, u16)>,

    /// Active mode: announce this address in PORT/EPRT instead of this host's own (behind NAT).
    #[arg(long, value_name = "IP")]
    active_address: Option<std::net::IpAddr>,

    /// Seconds to wait for a reply (and to connect or open a data connection, unless
    /// --connect-timeout / --data-timeout say otherwise); default 20.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    timeout: Option<u64>,

    /// The server's encoding of file names when it is not UTF-8: a label such as gbk,
    /// big5, shift_jis, latin1 (windows-1252) or koi8-r.
    #[arg(long, value_name = "LABEL", value_parser = parse_encoding)]
    encoding: Option<&'static encoding_rs::Encoding>,

    /// Seconds to wait for the server when connecting (the greeting, TLS); default: --timeout.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    connect_timeout: Option<u64>,

    /// Seconds to wait for a data connection to open; default: --timeout.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    data_timeout: Option<u64>,

    /// Seconds a transfer may move nothing before it fails and is retried (default 30).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    stall: Option<u64>,

    /// Connection attempts when the server is busy (421), refuses or does not answer
    /// (default 4; 1: no retry). Wrong credentials (530) are never retried.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=50))]
    connect_attempts: Option<u32>,

    /// Seconds before the first retry of a connection; each next wait doubles (default 2).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=600))]
    connect_wait: Option<u64>,

    /// Passive mode with PASV only (by default EPSV is tried first when the server lists it).
    #[arg(long)]
    no_epsv: bool,

    /// Open passive data connections to the address the server's 227 reply names instead of
    /// the control connection's address (only for servers behind a misconfigured NAT).
    #[arg(long)]
    pasv_address: bool,

    /// Also trust the CA certificates in this PEM file (on top of the system's).
    #[arg(long, value_name = "PEM", env = "SKIFF_CA_FILE")]
    ca_file: Option<std::path::PathBuf>,

    /// Accept the server certificate with this SHA-256 fingerprint (AB:CD:… as skiff shows it),
    /// whoever signed it; any other certificate is refused.
    #[arg(long, value_name = "SHA256")]
    trust: Option<String>,
}

#[derive(Debug, clap::Args)]
struct XferArgs {
    /// Parallel connections (1-16).
    #[arg(long, short = 'P', default_value_t = 4, value_parser = clap::value_parser!(u8).range(1..=16))]
    parallel: u8,
    /// What to do when the destination exists.
    #[arg(long, default_value = "overwrite", value_parser = OnExists::CLI_CHOICES)]
    on_exists: String,
    /// Transfer type: binary (TYPE I, bytes as they are), ascii (TYPE A, CRLF on the wire
    /// and LF here), or auto (ascii for text extensions such as .txt, .html, .csv).
    #[arg(long = "type", value_name = "TYPE", default_value = "binary", value_parser = ["binary", "ascii", "auto"])]
    transfer_type: String,
    /// No progress line and no summary.
    #[arg(long, short)]
    quiet: bool,
    /// Print every FTP command and reply on stderr (passwords masked).
    #[arg(long, short)]
    verbose: bool,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    password_stdin: bool,

    #[command(flatten)]
    tls: ConnArgs,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Download a file or a directory tree: skiff get ftp://host/path [LOCAL]
    Get {
        url: String,
        local: Option<std::path::PathBuf>,
        #[command(flatten)]
        x: XferArgs,
    },
    /// Upload a file or a directory tree: skiff put LOCAL ftp://host/path
    Put {
        local: std::path::PathBuf,
        url: String,
        #[command(flatten)]
        x: XferArgs,
    },
    /// Manage saved bookmarks (bookmarks.toml in the config directory).
    Bookmarks {
        #[command(subcommand)]
        cmd: cli::BookmarkCmd,
    },
    /// List a remote directory: skiff ls ftp://host/path
    Ls {
        url: String,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Print every FTP command and reply on stderr (passwords masked).
        #[arg(long, short)]
        verbose: bool,
        #[command(flatten)]
        tls: ConnArgs,
    },
}

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
                    cli::connect_options(&u, cli::url_password(&u, password_stdin)?, trust(&tls))?;
                tls.apply(&mut opts);
                cli::ls(&u, opts, verbose).await
            }
            Command::Get { url, local, x } => {
                let u = FtpUrl::parse(&url)?;
                cli::warn_password_in_url(&u);
                let mut opts = cli::connect_options(
                    &u,
                    cli::url_password(&u, x.password_stdin)?,
                    trust(&x.tls),
                )?;
                x.tls.apply(&mut opts);
                cli::get(&u, local, opts, xfer(&x)).await
            }
            Command::Put { local, url, x } => {
                let u = FtpUrl::parse(&url)?;
                cli::warn_password_in_url(&u);
                let mut opts = cli::connect_options(
                    &u,
                    cli::url_password(&u, x.password_stdin)?,
                    trust(&x.tls),
                )?;
                x.tls.apply(&mut opts);
                cli::put(&local, &u, opts, xfer(&x)).await
            }
        }
    })
}

fn parse_encoding(s: &str) -> Result<&'static encoding_rs::Encoding, String> {
    match skiff::ftp::encoding::by_label(s) {
        Some(Some(e)) => Ok(e),
        Some(None) => Ok(encoding_rs::UTF_8),
        None => Err(format!(
            "unknown encoding {s:?} (try gbk, big5, latin1, shift_jis)"
        )),
    }
}

impl ConnArgs {
    /// The data-connection switches (the trust settings go through [`trust`]).
    fn apply(&self, o: &mut ConnectOptions) {
        if self.active || self.active_ports.is_some() || self.active_address.is_some() {
            o.active = true;
        }
        if self.active_ports.is_some() {
            o.active_ports = self.active_ports;
        }
        if self.active_address.is_some() {
            o.active_address = self.active_address;
        }
        if self.no_epsv {
            o.epsv = false;
        }
        if self.pasv_address {
            o.pasv_use_peer = false;
        }
        if let Some(t) = self.timeout {
            o.timeout = std::time::Duration::from_secs(t);
        }
        if let Some(e) = self.encoding {
            o.encoding = Some(e).filter(|e| *e != encoding_rs::UTF_8);
        }
        if let Some(t) = self.connect_timeout {
            o.connect_timeout = Some(std::time::Duration::from_secs(t));
        }
        if let Some(t) = self.data_timeout {
            o.data_timeout = Some(std::time::Duration::from_secs(t));
        }
        if let Some(t) = self.stall {
            o.stall = std::time::Duration::from_secs(t);
        }
        if let Some(n) = self.connect_attempts {
            o.retry.attempts = n;
        }
        if let Some(s) = self.connect_wait {
            o.retry.first_wait = std::time::Duration::from_secs(s);
        }
    }
}

fn trust(t: &ConnArgs) -> skiff::ftp::tls::TlsTrust {
    skiff::ftp::tls::TlsTrust {
        pin: t.trust.clone(),
        ca_file: t.ca_file.clone(),
    }
}

fn xfer(x: &XferArgs) -> cli::XferOptions {
    cli::XferOptions {
        parallel: x.parallel as usize,
        on_exists: OnExists::parse(&x.on_exists).unwrap_or(OnExists::Overwrite),
        mode: skiff::transfer::TransferMode::parse(&x.transfer_type).unwrap_or_default(),
        quiet: x.quiet,
        verbose: x.verbose,
    }
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
    let lang = cli
        .lang
        .as_deref()
        .map(Lang::parse)
        .or(config.lang)
        .unwrap_or_else(Lang::from_env);
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
        on_exists: cli
            .on_exists
            .as_deref()
            .and_then(OnExists::parse)
            .unwrap_or(config.transfer.on_exists),
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
