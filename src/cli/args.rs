//! The `skiff` command line, every clap type in one place: the TUI's options ([`Cli`]), the
//! connection switches all commands share ([`ConnArgs`]), the headless commands ([`Command`],
//! [`XferArgs`]) and `skiff bookmarks …` ([`BookmarkCmd`], [`BookmarkFields`]). What the
//! options mean at start-up is decided in [`super::startup`].

use std::path::PathBuf;

use clap::ValueEnum;
use clap::builder::PossibleValue;

use crate::bookmarks::Protocol;
use crate::ftp::ConnectOptions;
use crate::i18n::Lang;
use crate::transfer::{OnExists, TransferMode};

/// A keyboard-driven dual-pane file manager for FTP.
#[derive(Debug, clap::Parser)]
#[command(version, about, long_about = None, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Server to open in the right pane: ftp://[user[:password]@]host[:port][/path].
    /// Without a user, skiff logs in anonymously.
    pub url: Option<String>,

    /// Start an embedded FTP server with a sample tree and connect to it.
    #[arg(long, conflicts_with = "url")]
    pub demo: bool,

    /// Connect with a saved bookmark (`skiff NAME` works too when NAME is not a URL).
    #[arg(short = 'b', long = "bookmark", value_name = "NAME", conflicts_with_all = ["url", "demo"])]
    pub bookmark: Option<String>,

    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,

    /// Print the built-in configuration (every setting with its default) and exit.
    #[arg(long)]
    pub print_default_config: bool,

    /// Language of the interface and reply-code explanations (default: [ui] lang in the
    /// config file, else from LANG).
    #[arg(long, value_enum)]
    pub lang: Option<Lang>,

    /// Directory for the left pane (default: the current directory).
    #[arg(long, value_name = "DIR")]
    pub local: Option<std::path::PathBuf>,

    /// Transfer connections (1-16; default: [transfer] parallel in the config file, 4).
    #[arg(long, short = 'P', value_parser = clap::value_parser!(u8).range(1..=16))]
    pub parallel: Option<u8>,

    /// What to do when a transfer's destination exists (default: [transfer] on_exists in the
    /// config file, ask).
    #[arg(long, value_enum)]
    pub on_exists: Option<OnExists>,

    #[command(flatten)]
    pub tls: ConnArgs,
}

/// Connection settings: FTPS trust (for ftpes:// and ftps:// URLs and FTPS bookmarks) and
/// how data connections are opened.
#[derive(Debug, Clone, clap::Args)]
pub struct ConnArgs {
    /// Active mode: the server connects back to skiff (PORT, or EPRT over IPv6).
    #[arg(long)]
    pub active: bool,

    /// Active mode: listen on a port of this range (LOW-HIGH), e.g. the ports a firewall
    /// forwards.
    #[arg(long, value_name = "LOW-HIGH", value_parser = crate::ftp::parse_port_range)]
    pub active_ports: Option<(u16, u16)>,

    /// Active mode: announce this address in PORT/EPRT instead of this host's own (behind NAT).
    #[arg(long, value_name = "IP")]
    pub active_address: Option<std::net::IpAddr>,

    /// Seconds to wait for a reply (and to connect or open a data connection, unless
    /// --connect-timeout / --data-timeout say otherwise); default 20.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: Option<u64>,

    /// The server's encoding of file names when it is not UTF-8: a label such as gbk,
    /// big5, shift_jis, latin1 (windows-1252) or koi8-r.
    #[arg(long, value_name = "LABEL", value_parser = parse_encoding)]
    pub encoding: Option<&'static encoding_rs::Encoding>,

    /// Seconds to wait for the server when connecting (the greeting, TLS); default: --timeout.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub connect_timeout: Option<u64>,

    /// Seconds to wait for a data connection to open; default: --timeout.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub data_timeout: Option<u64>,

    /// Seconds a transfer may move nothing before it fails and is retried (default 30).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub stall: Option<u64>,

    /// Connection attempts when the server is busy (421), refuses or does not answer
    /// (default 4; 1: no retry). Wrong credentials (530) are never retried.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=50))]
    pub connect_attempts: Option<u32>,

    /// Seconds before the first retry of a connection; each next wait doubles (default 2).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=600))]
    pub connect_wait: Option<u64>,

    /// Passive mode with PASV only (by default EPSV is tried first when the server lists it).
    #[arg(long)]
    pub no_epsv: bool,

    /// Seconds to add to the times a server without MLSD lists (in its own time zone) to get
    /// UTC, e.g. -3600 for a server an hour ahead (`skiff sync` finds it with MDTM otherwise).
    #[arg(long, value_name = "SECS", allow_hyphen_values = true, value_parser = clap::value_parser!(i64).range(-86_400..=86_400))]
    pub time_offset: Option<i64>,

    /// Open passive data connections to the address the server's 227 reply names instead of
    /// the control connection's address (only for servers behind a misconfigured NAT).
    #[arg(long)]
    pub pasv_address: bool,

    /// Also trust the CA certificates in this PEM file (on top of the system's).
    #[arg(long, value_name = "PEM", env = "SKIFF_CA_FILE")]
    pub ca_file: Option<std::path::PathBuf>,

    /// Accept the server certificate with this SHA-256 fingerprint (AB:CD:… as skiff shows it),
    /// whoever signed it; any other certificate is refused.
    #[arg(long, value_name = "SHA256")]
    pub trust: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct XferArgs {
    /// What to do when the destination exists (default: [transfer] on_exists in the config
    /// file unless that is "ask", else overwrite).
    #[arg(long, value_enum)]
    pub on_exists: Option<XferOnExists>,
    #[command(flatten)]
    pub run: RunArgs,
}

/// What every transfer command (`get`, `put`, `sync`) takes: connections, type, checks, the
/// limit, output, the password and the connection settings.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Parallel connections (1-16; default: [transfer] parallel in the config file, else 4).
    #[arg(long, short = 'P', value_parser = clap::value_parser!(u8).range(1..=16))]
    pub parallel: Option<u8>,
    /// Transfer type: binary (TYPE I, bytes as they are), ascii (TYPE A, CRLF on the wire
    /// and LF here), or auto (ascii for text extensions such as .txt, .html, .csv); default:
    /// [transfer] mode in the config file, else binary.
    #[arg(long = "type", value_name = "TYPE", value_enum)]
    pub transfer_type: Option<TransferMode>,
    /// After each file, compare the server's checksum (HASH, XSHA256…) with one computed
    /// here as the bytes streamed; a mismatch fails the file and it is copied again once
    /// from zero. Without a checksum on the server, files are checked by size only.
    #[arg(long)]
    pub verify: bool,
    /// Upload to a temporary name in the destination's directory and rename it once complete
    /// and checked, so that nobody reads half a file: auto (files of 1 MiB or more, and all
    /// of a sync), always or never (default: [transfer] upload_temp in the config file, else
    /// auto).
    #[arg(long, value_name = "WHEN", value_enum)]
    pub temp_upload: Option<UploadTempArg>,
    /// At most this many bytes per second for all transfers together: 500K, 2M… (default:
    /// [transfer] limit_rate in the config file, else none).
    #[arg(long, value_name = "RATE", value_parser = crate::transfer::rate::parse_rate)]
    pub limit_rate: Option<u64>,
    /// Connections one big download may use at once, each reading a range of the file: auto
    /// (as many as --parallel, for binary files of 16 MiB or more) or 1-16, 1 for one stream
    /// (default: [transfer] segments in the config file, else auto).
    #[arg(long, value_name = "N", value_parser = parse_segments)]
    pub segments: Option<crate::transfer::Segments>,
    /// No progress line and no summary.
    #[arg(long, short)]
    pub quiet: bool,
    /// Print every FTP command and reply on stderr (passwords masked).
    #[arg(long, short)]
    pub verbose: bool,
    /// Read the password from the first line of standard input.
    #[arg(long)]
    pub password_stdin: bool,

    #[command(flatten)]
    pub tls: ConnArgs,
}

/// `skiff sync`'s own options.
#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// Delete on the target what the source lacks (never without this flag).
    #[arg(long)]
    pub delete: bool,
    /// Refuse a plan that deletes more than N entries (a guard against an empty source).
    #[arg(long, value_name = "N")]
    pub max_delete: Option<usize>,
    /// Copy a file present on both sides only when the source is newer.
    #[arg(long, conflicts_with = "size_only")]
    pub only_newer: bool,
    /// Copy a file present on both sides only when the sizes differ (times are ignored).
    #[arg(long, conflicts_with = "checksum")]
    pub size_only: bool,
    /// Compare files of the same size by content: the server's checksum (HASH, XSHA256…)
    /// against one computed here; times are ignored. Without a checksum on the server, size
    /// and time decide (and skiff says so).
    #[arg(long, conflicts_with = "only_newer")]
    pub checksum: bool,
    /// Leave out paths matching GLOB (repeatable; `*.tmp` matches a name at any depth,
    /// `docs/**/draft-*` a path from the top). Excluded entries are neither copied nor deleted.
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Look only at files matching GLOB (repeatable; directories are still entered).
    #[arg(long, value_name = "GLOB")]
    pub include: Vec<String>,
    /// Exclude patterns from FILE, one per line (`#` starts a comment).
    #[arg(long, value_name = "FILE")]
    pub exclude_from: Vec<std::path::PathBuf>,
    /// Print the plan and change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// The plan and the result as JSON lines on stdout, for scripts.
    #[arg(long)]
    pub json: bool,
    /// After the first pass, keep watching LOCAL and bring the server's copy up to date as
    /// files change (a line per action; deletions only with --delete); Ctrl-C stops.
    #[arg(long, conflicts_with_all = ["dry_run", "json"])]
    pub watch: bool,
    /// With --watch: how long the tree must stay quiet before a pass, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 1.0, requires = "watch")]
    pub watch_delay: f64,
    #[command(flatten)]
    pub run: RunArgs,
}

impl SyncArgs {
    /// The options `cli::sync_cmd::sync` runs with; an unreadable pattern file or a bad
    /// pattern is an error.
    pub fn options(
        &self,
        t: &crate::config::TransferDefaults,
    ) -> anyhow::Result<crate::cli::sync_cmd::SyncOptions> {
        use anyhow::Context;
        let mut exclude = self.exclude.clone();
        for f in &self.exclude_from {
            let text = std::fs::read_to_string(f)
                .with_context(|| format!("reading --exclude-from {}", f.display()))?;
            exclude.extend(crate::sync::Filter::lines_of(&text));
        }
        let filter = crate::sync::Filter::new(&self.include, &exclude)?;
        if !(0.05..=3600.0).contains(&self.watch_delay) {
            anyhow::bail!("--watch-delay must be between 0.05 and 3600 seconds");
        }
        let compare = if self.checksum {
            crate::sync::Compare::Checksum
        } else if self.only_newer {
            crate::sync::Compare::OnlyNewer
        } else if self.size_only {
            crate::sync::Compare::SizeOnly
        } else {
            crate::sync::Compare::SizeAndTime
        };
        Ok(crate::cli::sync_cmd::SyncOptions {
            rules: crate::sync::Rules {
                delete: self.delete,
                compare,
                filter,
                within: String::new(),
            },
            watch: self
                .watch
                .then(|| std::time::Duration::from_secs_f64(self.watch_delay)),
            dry_run: self.dry_run,
            json: self.json,
            max_delete: self.max_delete,
            x: {
                let mut x = self.run.options(OnExists::Overwrite, t);
                // What sync copies replaces files in place: under a temporary name unless
                // told otherwise.
                if x.upload_temp == crate::transfer::UploadTemp::Auto {
                    x.upload_temp = crate::transfer::UploadTemp::Always;
                }
                x
            },
        })
    }
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
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
    /// Mirror a directory tree: skiff sync LOCAL ftp://host/path uploads, skiff sync
    /// ftp://host/path LOCAL downloads. Copies what is missing, differs in size or is newer on
    /// the source; deletes only with --delete. Exit status 0 when all went well, 1 when
    /// something failed, 2 for bad arguments.
    Sync {
        /// The source: a local directory, or an ftp://, ftps:// or ftpes:// URL.
        from: String,
        /// The target: a URL when the source is local, a local directory when it is a URL.
        to: String,
        #[command(flatten)]
        s: SyncArgs,
    },
    /// Manage saved bookmarks (bookmarks.toml in the config directory).
    Bookmarks {
        #[command(subcommand)]
        cmd: BookmarkCmd,
    },
    /// Print a shell completion script: skiff completions bash > ~/.local/share/bash-completion/completions/skiff
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): skiff man > ~/.local/share/man/man1/skiff.1
    Man,
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

/// `skiff bookmarks …`
#[derive(Debug, clap::Subcommand)]
pub enum BookmarkCmd {
    /// One line per bookmark.
    List,
    /// Every field of one bookmark (never a password).
    Show { name: String },
    /// Add a bookmark.
    Add {
        name: String,
        /// A host name or address, or a URL (ftp://user@host:port/dir, ftpes://, ftps://):
        /// its user, port, scheme and path fill those fields (a password in it is refused).
        host: String,
        #[command(flatten)]
        fields: BookmarkFields,
    },
    /// Change fields of a bookmark.
    Edit {
        name: String,
        /// A new host, or a URL whose user, port, scheme and path replace those fields.
        #[arg(long)]
        host: Option<String>,
        /// A new name.
        #[arg(long)]
        rename: Option<String>,
        #[command(flatten)]
        fields: BookmarkFields,
    },
    /// Delete a bookmark.
    Rm { name: String },
    /// Import FileZilla's sitemanager.xml or lftp's bookmarks file.
    Import {
        #[arg(long, value_enum)]
        from: ImportFrom,
        path: PathBuf,
        /// Also import stored passwords, into the OS keyring (never into the file).
        #[arg(long)]
        passwords: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct BookmarkFields {
    #[arg(long)]
    pub port: Option<u16>,
    #[arg(long)]
    pub user: Option<String>,
    /// ftp, ftps (explicit) or ftps-implicit.
    #[arg(long, value_enum)]
    pub protocol: Option<Protocol>,
    /// ask, keyring, or command:CMD (e.g. "command:pass show ftp/work").
    #[arg(long)]
    pub password: Option<String>,
    /// Store this password in the OS keyring (read from the first line of standard input).
    #[arg(long)]
    pub password_to_keyring: bool,
    #[arg(long)]
    pub anonymous: Option<bool>,
    #[arg(long)]
    pub passive: Option<bool>,
    #[arg(long)]
    pub epsv: Option<bool>,
    #[arg(long)]
    pub encoding: Option<String>,
    #[arg(long)]
    pub local_dir: Option<String>,
    #[arg(long)]
    pub remote_dir: Option<String>,
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=16))]
    pub parallel: Option<u8>,
    #[arg(long)]
    pub keepalive: Option<u32>,
    /// Check each file with the server's checksum (true/false; `default` clears it).
    #[arg(long, value_name = "true|false|default")]
    pub verify: Option<String>,
    /// Upload to a temporary name first: auto, always, never or default.
    #[arg(long, value_name = "WHEN")]
    pub upload_temp: Option<String>,
    /// At most this many bytes per second for this server's transfers (500K, 2M…;
    /// `default` clears it).
    #[arg(long, value_name = "RATE")]
    pub limit_rate: Option<String>,
    /// Connections one big download may use: auto, 1-16, or default.
    #[arg(long, value_name = "N")]
    pub segments: Option<String>,
    /// Seconds to add to the server's LIST times to get UTC (0 clears it).
    #[arg(long, value_name = "SECS", allow_hyphen_values = true, value_parser = clap::value_parser!(i64).range(-86_400..=86_400))]
    pub time_offset: Option<i64>,
    /// Active mode: listen on a port of this range (LOW-HIGH).
    #[arg(long)]
    pub active_ports: Option<String>,
    /// Active mode: announce this address (behind NAT).
    #[arg(long)]
    pub active_address: Option<String>,
    /// binary, ascii, auto (ascii for text extensions), or default (config.toml's
    /// `[transfer] mode`).
    #[arg(long, value_enum)]
    pub transfer_type: Option<TypeOrDefault>,
}

/// `--encoding`: a label `encoding_rs` knows (UTF-8 as none).
fn parse_encoding(s: &str) -> Result<&'static encoding_rs::Encoding, String> {
    match crate::ftp::encoding::by_label(s) {
        Some(Some(e)) => Ok(e),
        Some(None) => Ok(encoding_rs::UTF_8),
        None => Err(format!(
            "unknown encoding {s:?} (try gbk, big5, latin1, shift_jis)"
        )),
    }
}

impl ConnArgs {
    /// The data-connection switches (the trust settings go through [`ConnArgs::trust`]).
    pub fn apply(&self, o: &mut ConnectOptions) {
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
        if self.time_offset.is_some() {
            o.time_offset = self.time_offset;
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

    /// The certificates FTPS accepts: `--trust` and `--ca-file`.
    pub fn trust(&self) -> crate::ftp::tls::TlsTrust {
        crate::ftp::tls::TlsTrust {
            pin: self.trust.clone(),
            ca_file: self.ca_file.clone(),
        }
    }
}

impl XferArgs {
    /// The options of `get` and `put` (see [`RunArgs::options`]). Nobody answers a question
    /// in a script: `ask` in the config file is overwrite here.
    pub fn options(&self, t: &crate::config::TransferDefaults) -> super::XferOptions {
        let configured = match t.on_exists {
            OnExists::Ask => OnExists::Overwrite,
            other => other,
        };
        self.run
            .options(self.on_exists.map_or(configured, |o| o.0), t)
    }
}

impl RunArgs {
    /// The options of a run that answers `on_exists`: these switches, else the config file's
    /// `[transfer]` settings (`t`), else the built-in defaults.
    pub fn options(
        &self,
        on_exists: OnExists,
        t: &crate::config::TransferDefaults,
    ) -> super::XferOptions {
        super::XferOptions {
            parallel: self.parallel.map_or(t.parallel, usize::from),
            on_exists,
            mode: self.transfer_type.unwrap_or(t.mode),
            quiet: self.quiet,
            verbose: self.verbose,
            verify: self.verify || t.verify,
            attempts: t.attempts,
            limit_rate: self.limit_rate.or(t.limit_rate),
            segments: self.segments.unwrap_or(t.segments),
            upload_temp: self.temp_upload.map_or(t.upload_temp, |u| u.0),
        }
    }
}

/// `--segments`: `auto` or 1 to 16.
fn parse_segments(s: &str) -> Result<crate::transfer::Segments, String> {
    crate::transfer::Segments::parse(s).ok_or_else(|| format!("{s:?} is not \"auto\" or 1 to 16"))
}

// The closed choices. A variant's spelling is the one the library reads and writes elsewhere
// (`config.toml`, `bookmarks.toml`; a test checks they agree). The values carry no help text:
// clap would list them one per line under `--help`.

impl ValueEnum for Lang {
    fn value_variants<'a>() -> &'a [Self] {
        &[Lang::En, Lang::Zh]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            Lang::En => "en",
            Lang::Zh => "zh",
        }))
    }
}

/// The TUI's `--on-exists`, in the order `--help` lists them.
impl ValueEnum for OnExists {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            OnExists::Ask,
            OnExists::Overwrite,
            OnExists::Newer,
            OnExists::Size,
            OnExists::Resume,
            OnExists::Skip,
            OnExists::Rename,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            OnExists::Ask => "ask",
            OnExists::Overwrite => "overwrite",
            OnExists::Newer => "newer",
            OnExists::Size => "size",
            OnExists::Resume => "resume",
            OnExists::Skip => "skip",
            OnExists::Rename => "rename",
        }))
    }
}

/// `--temp-upload`: when uploads go to a temporary name first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadTempArg(pub crate::transfer::UploadTemp);

impl ValueEnum for UploadTempArg {
    fn value_variants<'a>() -> &'a [Self] {
        use crate::transfer::UploadTemp as U;
        &[
            UploadTempArg(U::Auto),
            UploadTempArg(U::Always),
            UploadTempArg(U::Never),
        ]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        use crate::transfer::UploadTemp as U;
        Some(clap::builder::PossibleValue::new(match self.0 {
            U::Auto => "auto",
            U::Always => "always",
            U::Never => "never",
        }))
    }
}

/// `--on-exists` of `get` and `put`: an [`OnExists`] but `ask` (there is nobody to ask).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct XferOnExists(pub OnExists);

impl ValueEnum for XferOnExists {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            XferOnExists(OnExists::Overwrite),
            XferOnExists(OnExists::Newer),
            XferOnExists(OnExists::Size),
            XferOnExists(OnExists::Resume),
            XferOnExists(OnExists::Skip),
            XferOnExists(OnExists::Rename),
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        match self.0 {
            OnExists::Ask => None,
            o => o.to_possible_value(),
        }
    }
}

impl ValueEnum for TransferMode {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            TransferMode::Binary,
            TransferMode::Ascii,
            TransferMode::Auto,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            TransferMode::Binary => "binary",
            TransferMode::Ascii => "ascii",
            TransferMode::Auto => "auto",
        }))
    }
}

/// `bookmarks add|edit --transfer-type`: a [`TransferMode`], or `default` for none (the
/// `[transfer] mode` of `config.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TypeOrDefault {
    Default,
    Binary,
    Ascii,
    Auto,
}

impl TypeOrDefault {
    /// The bookmark's `transfer_type`.
    pub fn mode(self) -> Option<TransferMode> {
        match self {
            TypeOrDefault::Default => None,
            TypeOrDefault::Binary => Some(TransferMode::Binary),
            TypeOrDefault::Ascii => Some(TransferMode::Ascii),
            TypeOrDefault::Auto => Some(TransferMode::Auto),
        }
    }
}

/// `bookmarks add|edit --protocol`, spelled as in `bookmarks.toml`.
impl ValueEnum for Protocol {
    fn value_variants<'a>() -> &'a [Self] {
        &[
            Protocol::Ftp,
            Protocol::Ftps,
            Protocol::FtpsImplicit,
            Protocol::FtpsIfAvailable,
        ]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()))
    }
}

/// `bookmarks import --from`: whose bookmarks file it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportFrom {
    Filezilla,
    Lftp,
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("skiff").chain(args.iter().copied()))
    }

    fn name(v: &impl ValueEnum) -> String {
        v.to_possible_value()
            .map(|p| p.get_name().to_string())
            .unwrap_or_default()
    }

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn choices_are_spelled_as_the_library_reads_them() {
        for l in Lang::value_variants() {
            assert_eq!(Lang::parse(&name(l)), *l);
        }
        assert_eq!(OnExists::value_variants().len(), 7);
        for o in OnExists::value_variants() {
            assert_eq!(OnExists::parse(&name(o)), Some(*o));
        }
        // The headless commands take what they took before, without "ask".
        let xfer: Vec<String> = XferOnExists::value_variants().iter().map(name).collect();
        assert_eq!(xfer, OnExists::CLI_CHOICES);
        assert_eq!(XferOnExists(OnExists::Ask).to_possible_value(), None);
        for m in TransferMode::value_variants() {
            assert_eq!(TransferMode::parse(&name(m)), Some(*m));
        }
        for t in TypeOrDefault::value_variants() {
            assert_eq!(TransferMode::parse(&name(t)), t.mode(), "{t:?}");
        }
        assert_eq!(name(&TypeOrDefault::Default), "default");
        for p in Protocol::value_variants() {
            assert_eq!(Protocol::from_name(&name(p)), Some(*p));
        }
        let from: Vec<String> = ImportFrom::value_variants().iter().map(name).collect();
        assert_eq!(from, ["filezilla", "lftp"]);
    }

    #[test]
    fn closed_choices_parse_to_their_types() {
        let cli = parse(&["--lang", "zh", "--on-exists", "ask"]).expect("parses");
        assert_eq!(cli.lang, Some(Lang::Zh));
        assert_eq!(cli.on_exists, Some(OnExists::Ask));
        let cli = parse(&[]).expect("parses");
        assert_eq!((cli.lang, cli.on_exists), (None, None));
        // Case matters, as it did.
        assert!(parse(&["--lang", "ZH"]).is_err());

        let Some(Command::Get { x, .. }) = parse(&["get", "ftp://h/f"]).expect("parses").command
        else {
            panic!("not a get");
        };
        let builtin = crate::config::Config::builtin().transfer;
        let o = x.options(&builtin);
        assert_eq!(
            (o.on_exists, o.mode, o.parallel, o.verify, o.attempts),
            (OnExists::Overwrite, TransferMode::Binary, 4, false, 5)
        );
        // The config file's [transfer] settings are the defaults; "ask" is overwrite here.
        let (configured, errors) = crate::config::Config::with_user(
            "[transfer]\nparallel = 9\non_exists = \"newer\"\nmode = \"auto\"\nverify = true\nattempts = 2\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let o = x.options(&configured.transfer);
        assert_eq!(
            (o.on_exists, o.mode, o.parallel, o.verify, o.attempts),
            (OnExists::Newer, TransferMode::Auto, 9, true, 2)
        );
        let Some(Command::Put { x, .. }) = parse(&[
            "put",
            "f",
            "ftp://h/",
            "--on-exists",
            "resume",
            "--type",
            "auto",
        ])
        .expect("parses")
        .command
        else {
            panic!("not a put");
        };
        // The switches win over the config file.
        let o = x.options(&configured.transfer);
        assert_eq!(
            (o.on_exists, o.mode),
            (OnExists::Resume, TransferMode::Auto)
        );
        // Nobody answers a question in a script.
        assert!(parse(&["get", "ftp://h/f", "--on-exists", "ask"]).is_err());
    }

    #[test]
    fn conflicting_starts_are_refused_by_the_parser() {
        assert!(parse(&["--demo", "ftp://h/"]).is_err());
        assert!(parse(&["--demo", "-b", "work"]).is_err());
        assert!(parse(&["-b", "work", "ftp://h/"]).is_err());
        assert!(parse(&["-P", "17"]).is_err());
        assert!(parse(&["--password-stdin", "--demo"]).is_ok());
    }

    #[test]
    fn connection_switches_apply_to_the_options() {
        let cli = parse(&[
            "--active-ports",
            "50000-50010",
            "--no-epsv",
            "--timeout",
            "5",
            "--connect-attempts",
            "1",
            "--encoding",
            "utf-8",
            "--trust",
            "AB:CD",
        ])
        .expect("parses");
        let mut o = ConnectOptions::new("h", 21, None, None);
        cli.tls.apply(&mut o);
        // A port range means active mode.
        assert!(o.active);
        assert_eq!(o.active_ports, Some((50000, 50010)));
        assert!(!o.epsv);
        assert_eq!(o.timeout, std::time::Duration::from_secs(5));
        assert_eq!(o.retry.attempts, 1);
        assert_eq!(o.encoding, None);
        // The trust settings are not among them.
        assert_eq!(o.trust.pin, None);
        assert_eq!(cli.tls.trust().pin.as_deref(), Some("AB:CD"));
    }
}
