//! The headless commands `skiff get`, `skiff put` and `skiff ls`, on the same engine as the
//! TUI: for scripts, cron jobs and benchmarks.

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::sync::mpsc;

use crate::format::human_size;
use crate::fs::{EntryKind, FileSystem};
use crate::ftp::url::FtpUrl;
use crate::ftp::{ConnectOptions, FtpError, FtpSession, Secret, Tap};
use crate::paths::{remote_join, remote_parent};
use crate::transfer::{
    Direction, Engine, EngineConfig, EngineEvent, Job, JobId, JobKind, JobSpec, JobState, OnExists,
};

/// Print one line (or a few) on stderr through [`crate::text::printable_lines`]: names, paths,
/// replies and certificate fields in it come from servers and disks, and no control, bidi or
/// invisible character of theirs reaches the terminal or a log file. Every line the headless
/// commands print on stderr goes through here (`say!` formats, then calls this).
pub fn say(line: &str) {
    eprintln!("{}", crate::text::printable_lines(line));
}

/// [`say`] for stdout.
pub fn say_out(line: &str) {
    println!("{}", crate::text::printable_lines(line));
}

/// `eprintln!` through [`say`].
macro_rules! say {
    ($($arg:tt)*) => { say(&format!($($arg)*)) };
}

/// `println!` through [`say_out`].
macro_rules! say_out {
    ($($arg:tt)*) => { say_out(&format!($($arg)*)) };
}

/// A password typed in a URL on the command line is in the process list (`ps`,
/// `/proc/PID/cmdline`) for as long as skiff runs: one line on stderr says so.
pub fn warn_password_in_url(url: &FtpUrl) {
    if url.password.is_some() {
        say(
            "warning: the password in the URL is visible to other local users in the process \
             list while skiff runs; use SKIFF_PASSWORD, --password-stdin or a bookmark instead",
        );
    }
}

/// Options shared by `get` and `put`.
#[derive(Debug, Clone)]
pub struct XferOptions {
    pub parallel: usize,
    pub on_exists: OnExists,
    /// Binary, ASCII, or ASCII for text extensions.
    pub mode: crate::transfer::TransferMode,
    pub quiet: bool,
    /// Print each command and reply on stderr (passwords masked).
    pub verbose: bool,
}

/// Connection options from a URL and a password source.
pub fn connect_options(
    url: &FtpUrl,
    password: Option<Secret>,
    trust: crate::ftp::tls::TlsTrust,
) -> anyhow::Result<ConnectOptions> {
    let password = match (&url.password, &url.user, password) {
        (Some(p), _, _) => Some(p.clone()),
        (None, Some(_), Some(p)) => Some(p),
        (None, Some(u), None) => {
            bail!("no password for {u}: put it in SKIFF_PASSWORD or pipe it with --password-stdin")
        }
        (None, None, _) => None,
    };
    let mut o = ConnectOptions::new(&url.host, url.port, url.user.as_deref(), password);
    o.tls = url.tls;
    o.trust = trust;
    // "Trust always" answers given in the TUI count here too.
    crate::ftp::tls::apply_known_pin(&mut o);
    Ok(o)
}

/// A failed connect, with what to do about a certificate that was not trusted.
pub fn connect_error(e: FtpError) -> anyhow::Error {
    match e {
        FtpError::Certificate(info) if info.pinned_mismatch.is_some() => anyhow::anyhow!(
            "connecting: {info}\nRefused. If the server's certificate was replaced on purpose, \
             check the new fingerprint with its administrator and pass --trust {}",
            info.sha256
        ),
        FtpError::Certificate(info) => anyhow::anyhow!(
            "connecting: {info}\nTo trust this certificate, check the fingerprint with the \
             server's administrator and pass --trust {} (or --ca-file with the CA that signed it)",
            info.sha256
        ),
        other => anyhow::anyhow!("connecting: {other}"),
    }
}

/// Connect, trying a busy or unreachable server again as `opts.retry` says; each wait is
/// announced once on stderr.
async fn connect_session(opts: ConnectOptions, tap: Tap) -> Result<FtpSession, FtpError> {
    let mut said = 0;
    FtpSession::connect_retrying(opts, tap, |w| {
        if w.next != said {
            said = w.next;
            say!(
                "skiff: {}: trying again in {} s (attempt {} of {})",
                w.reason,
                w.left.as_secs_f32().ceil(),
                w.next,
                w.of
            );
        }
    })
    .await
}

fn verbose_tap(tag: &str, verbose: bool) -> Tap {
    if !verbose {
        return Tap::discard(tag);
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<crate::ftp::LogEvent>();
    tokio::spawn(async move {
        while let Some(e) = rx.recv().await {
            say!("[{}] {}", e.tag, e.text);
        }
    });
    Tap::new(tag, tx)
}

/// `skiff ls URL`: one line per entry, directories first.
pub async fn ls(url: &FtpUrl, opts: ConnectOptions, verbose: bool) -> anyhow::Result<i32> {
    let mut s = connect_session(opts, verbose_tap("browse", verbose))
        .await
        .map_err(connect_error)?;
    let path = url.path.clone().unwrap_or_default();
    let mut listing = s
        .list(&path)
        .await
        .with_context(|| format!("listing {path:?}"))?;
    crate::fs::sort_entries(&mut listing.entries);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for e in &listing.entries {
        let kind = match e.kind {
            EntryKind::Dir => 'd',
            EntryKind::Symlink => 'l',
            EntryKind::Other => '?',
            EntryKind::File => '-',
        };
        let time = e.mtime.map(crate::format::local_time).unwrap_or_default();
        // The server's names: no control or bidi character reaches the terminal.
        let name = crate::text::printable(&e.name);
        let target = e
            .link_target
            .as_deref()
            .map(|t| format!(" -> {}", crate::text::printable(t)))
            .unwrap_or_default();
        writeln!(out, "{kind} {:>12} {:16} {name}{target}", e.size, time)?;
    }
    out.flush()?;
    s.quit().await;
    Ok(0)
}

fn last_name(path: &str) -> Option<String> {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty())
        .map(str::to_string)
}

/// `skiff get URL [LOCAL]`.
pub async fn get(
    url: &FtpUrl,
    local: Option<PathBuf>,
    opts: ConnectOptions,
    x: XferOptions,
) -> anyhow::Result<i32> {
    let path = url
        .path
        .clone()
        .context("the URL names no file or directory")?;
    let name = last_name(&path).context("the URL names no file or directory")?;
    crate::fs::validate_name(&name).map_err(|e| anyhow::anyhow!("{e}"))?;
    // Is it a directory? Ask the server once, then hand everything to the engine.
    let mut s = connect_session(opts.clone(), verbose_tap("browse", x.verbose))
        .await
        .map_err(connect_error)?;
    // Workers change directories as they go: give them an absolute path.
    let home = s.cwd().to_string();
    let path = if path.starts_with('/') {
        path
    } else {
        remote_join(&home, &path)
    };
    // A directory if the server lets us in; refused (5xx): a file. Anything else (a timeout,
    // a busy 421) is an error, not a guess.
    let (kind, size) = match s.cwd_to(&path).await {
        Ok(_) => (JobKind::Dir, None),
        Err(e) if e.code().is_some_and(|c| c >= 500) => (JobKind::File, s.size(&path).await?),
        Err(e) => return Err(anyhow::anyhow!("{e}")).with_context(|| format!("opening {path}")),
    };
    let local = local.unwrap_or_else(|| PathBuf::from("."));
    let dst = if local.is_dir() {
        local.join(&name)
    } else {
        local
    };
    let spec = JobSpec {
        direction: Direction::Download,
        kind,
        src: path.into(),
        dst: dst.to_string_lossy().into(),
        size,
        mtime: None,
        is_move: false,
    };
    run_jobs(opts, x, vec![spec], Some(s)).await
}

/// `skiff put LOCAL URL`.
pub async fn put(
    local: &Path,
    url: &FtpUrl,
    opts: ConnectOptions,
    x: XferOptions,
) -> anyhow::Result<i32> {
    let meta =
        std::fs::metadata(local).with_context(|| format!("cannot read {}", local.display()))?;
    // The name as given (a symlink keeps its own name, not its target's); `.` or `..` has
    // none, so the directory's real name is used.
    let name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| {
            local
                .canonicalize()
                .ok()
                .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        })
        .context("the local path has no name")?;
    let mut s = connect_session(opts.clone(), verbose_tap("browse", x.verbose))
        .await
        .map_err(connect_error)?;
    let home = s.cwd().to_string();
    let path = match url.path.clone() {
        None => home.clone(),
        Some(p) if p.starts_with('/') => p,
        Some(p) => remote_join(&home, &p),
    };
    let into_dir = path.ends_with('/') || s.cwd_to(&path).await.is_ok();
    let dst = if into_dir {
        remote_join(path.trim_end_matches('/'), &name)
    } else {
        path
    };
    // The directories the destination lies in are made when missing, as `curl
    // --ftp-create-dirs` and `lftp mirror -R` do.
    for made in make_remote_dirs(&mut s, &remote_parent(&dst)).await? {
        if !x.quiet {
            eprintln!("skiff: created the remote directory {made}");
        }
    }
    let spec = JobSpec {
        direction: Direction::Upload,
        kind: if meta.is_dir() {
            JobKind::Dir
        } else {
            JobKind::File
        },
        src: local.to_string_lossy().into(),
        dst: dst.into(),
        size: meta.is_file().then_some(meta.len()),
        mtime: None,
        is_move: false,
    };
    run_jobs(opts, x, vec![spec], Some(s)).await
}

/// Makes `dir` and those of its parents that do not exist (the deepest one that can be
/// entered is looked for first, so parents the login may not enter are never needed).
/// Returns the directories made, outermost first.
async fn make_remote_dirs(s: &mut FtpSession, dir: &str) -> anyhow::Result<Vec<String>> {
    let mut missing = Vec::new();
    let mut at = dir.to_string();
    while at != "/" && !at.is_empty() && s.cwd_to(&at).await.is_err() {
        missing.push(at.clone());
        at = remote_parent(&at);
    }
    let mut made = Vec::new();
    for d in missing.into_iter().rev() {
        if let Err(e) = s.mkdir(&d).await {
            // Another client may have made it meanwhile.
            if s.cwd_to(&d).await.is_err() {
                bail!("cannot create the remote directory {d}: {e}");
            }
            continue;
        }
        made.push(d);
    }
    Ok(made)
}

/// What `run_jobs` remembers of a job: enough for the counters, not the job itself (a
/// 100,000-file run must not hold the queue a second time).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Seen {
    Open,
    Done,
    Failed,
    Skipped,
    Ended,
}

/// The counters of a headless run.
#[derive(Default)]
struct Tally {
    /// Per job: is it a file, and how it stands.
    seen: HashMap<JobId, (bool, Seen)>,
    open: usize,
    files: usize,
    files_finished: usize,
    ok: usize,
    ok_bytes: u64,
    skipped: usize,
    failed: BTreeMap<JobId, String>,
    /// Entries of listed directories that were not copied (links, unsafe names), with why:
    /// the first few are listed at the end.
    passed_over: Vec<String>,
    passed_over_count: usize,
    /// Bytes of the files in flight (finished ones are in `ok_bytes`).
    moving: HashMap<JobId, u64>,
    /// Files of listed directories not in the queue yet, per directory.
    backlog: HashMap<JobId, usize>,
    /// Whether any job was seen at all.
    any: bool,
}

impl Tally {
    fn note(&mut self, j: &Job) {
        let file = j.spec.kind == JobKind::File;
        let now = match &j.state {
            JobState::Done => Seen::Done,
            JobState::Failed { .. } => Seen::Failed,
            JobState::Skipped { .. } => Seen::Skipped,
            // A conflict cannot be answered here (it only happens with the policy `ask`).
            JobState::Cancelled | JobState::Conflict { .. } => Seen::Ended,
            _ => Seen::Open,
        };
        self.any = true;
        let before = self.seen.insert(j.id, (file, now)).map(|(_, s)| s);
        if before.is_none() && file {
            self.files += 1;
        }
        if now == Seen::Open {
            if file {
                self.moving.insert(j.id, j.done);
            }
        } else {
            self.moving.remove(&j.id);
        }
        if before == Some(now) {
            return;
        }
        match before {
            Some(Seen::Open) => self.open -= 1,
            Some(Seen::Done) if file => {
                self.ok -= 1;
                self.ok_bytes -= j.spec.size.unwrap_or(j.done);
            }
            Some(Seen::Skipped) => self.skipped -= 1,
            Some(Seen::Failed) => {
                self.failed.remove(&j.id);
            }
            _ => {}
        }
        if file && before.is_some_and(|b| b != Seen::Open) {
            self.files_finished -= 1;
        }
        if file && now != Seen::Open {
            self.files_finished += 1;
        }
        match now {
            Seen::Open => self.open += 1,
            Seen::Done if file => {
                self.ok += 1;
                self.ok_bytes += j.spec.size.unwrap_or(j.done);
            }
            Seen::Skipped => {
                self.skipped += 1;
                // A name it would not copy, or a directory a walk left alone (a loop).
                let listed = j.never || j.spec.kind == JobKind::Dir;
                if let (true, JobState::Skipped { reason }) = (listed, &j.state) {
                    self.passed_over_count += 1;
                    if self.passed_over.len() < 20 {
                        self.passed_over
                            .push(format!("not copied: {}: {reason}", j.spec.src));
                    }
                }
            }
            Seen::Failed => {
                if let JobState::Failed { reason, code } = &j.state {
                    let code = code.map(|c| format!(" [{c}]")).unwrap_or_default();
                    self.failed.insert(
                        j.id,
                        format!("failed{code}: {} -> {}: {reason}", j.spec.src, j.spec.dst),
                    );
                }
            }
            _ => {}
        }
        // The engine forgets a job that ended well (`keep_finished` is off) and says no more
        // of it: neither does the tally, so a long run costs no memory per file.
        if matches!(now, Seen::Done | Seen::Skipped | Seen::Ended) {
            self.seen.remove(&j.id);
        }
    }
}

async fn run_jobs(
    opts: ConnectOptions,
    x: XferOptions,
    specs: Vec<JobSpec>,
    first: Option<FtpSession>,
) -> anyhow::Result<i32> {
    let mut cfg = EngineConfig::new(opts);
    cfg.parallel = x.parallel;
    cfg.on_exists = x.on_exists;
    cfg.mode = x.mode;
    // A directory needs every connection; a single file needs one.
    cfg.preconnect = specs.iter().any(|s| s.kind == JobKind::Dir);
    cfg.keep_finished = false;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let log = if x.verbose {
        let (ltx, mut lrx) = mpsc::unbounded_channel::<crate::ftp::LogEvent>();
        tokio::spawn(async move {
            while let Some(e) = lrx.recv().await {
                say!("[{}] {}", e.tag, e.text);
            }
        });
        Some(ltx)
    } else {
        None
    };
    let engine = Engine::start_with(cfg, tx, log, first);
    engine.send(crate::transfer::EngineCmd::Enqueue(specs));
    let show = !x.quiet && std::io::stderr().is_terminal();
    let start = Instant::now();
    let mut t = Tally::default();
    let mut rate_total = 0u64;
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    while let Some(ev) = rx.recv().await {
        match ev {
            EngineEvent::Added { jobs: new, .. } => {
                for j in &new {
                    t.note(j);
                }
            }
            EngineEvent::Changed(j) => t.note(&j),
            EngineEvent::Progress(p) => {
                rate_total = p.iter().map(|p| p.rate).sum();
                for p in p {
                    if let Some(b) = t.moving.get_mut(&p.id) {
                        *b = p.done;
                    }
                }
            }
            EngineEvent::Backlog { dir, files, .. } => {
                if files == 0 {
                    t.backlog.remove(&dir);
                } else {
                    t.backlog.insert(dir, files);
                }
            }
            EngineEvent::Idle => break,
            _ => {}
        }
        if show && last_draw.elapsed() >= Duration::from_millis(200) {
            last_draw = Instant::now();
            let bytes = t.ok_bytes + t.moving.values().sum::<u64>();
            eprint!(
                "\r\x1b[K{}/{} files  {}  {}/s",
                t.files_finished,
                t.files + t.backlog.values().sum::<usize>(),
                human_size(bytes),
                human_size(rate_total)
            );
        }
        if t.any && t.open == 0 {
            break;
        }
    }
    engine.shutdown().await;
    if show {
        eprint!("\r\x1b[K");
    }
    let elapsed = start.elapsed().as_secs_f64();
    if !x.quiet {
        say!(
            "{} files, {} in {elapsed:.2} s ({}/s); {} failed, {} skipped",
            t.ok,
            human_size(t.ok_bytes),
            human_size((t.ok_bytes as f64 / elapsed.max(0.001)) as u64),
            t.failed.len(),
            t.skipped
        );
    }
    for line in t.failed.values() {
        say!("{line}");
    }
    if !x.quiet {
        for line in &t.passed_over {
            say!("{line}");
        }
        if t.passed_over_count > t.passed_over.len() {
            say!(
                "… and {} more not copied",
                t.passed_over_count - t.passed_over.len()
            );
        }
    }
    Ok(if t.failed.is_empty() { 0 } else { 1 })
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
        #[arg(long, value_parser = ["filezilla", "lftp"])]
        from: String,
        path: PathBuf,
        /// Also import stored passwords, into the OS keyring (never into the file).
        #[arg(long)]
        passwords: bool,
    },
}

#[derive(Debug, clap::Args)]
pub struct BookmarkFields {
    #[arg(long)]
    port: Option<u16>,
    #[arg(long)]
    user: Option<String>,
    /// ftp, ftps (explicit) or ftps-implicit.
    #[arg(long, value_parser = ["ftp", "ftps", "ftps-implicit", "ftps-if-available"])]
    protocol: Option<String>,
    /// ask, keyring, or command:CMD (e.g. "command:pass show ftp/work").
    #[arg(long)]
    password: Option<String>,
    /// Store this password in the OS keyring (read from the first line of standard input).
    #[arg(long)]
    password_to_keyring: bool,
    #[arg(long)]
    anonymous: Option<bool>,
    #[arg(long)]
    passive: Option<bool>,
    #[arg(long)]
    epsv: Option<bool>,
    #[arg(long)]
    encoding: Option<String>,
    #[arg(long)]
    local_dir: Option<String>,
    #[arg(long)]
    remote_dir: Option<String>,
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=16))]
    parallel: Option<u8>,
    #[arg(long)]
    keepalive: Option<u32>,
    /// Active mode: listen on a port of this range (LOW-HIGH).
    #[arg(long)]
    active_ports: Option<String>,
    /// Active mode: announce this address (behind NAT).
    #[arg(long)]
    active_address: Option<String>,
    /// binary, ascii, auto (ascii for text extensions), or default (config.toml's
    /// `[transfer] mode`).
    #[arg(long, value_parser = ["default", "binary", "ascii", "auto"])]
    transfer_type: Option<String>,
}

impl BookmarkFields {
    fn apply(&self, p: &mut crate::bookmarks::Profile) -> anyhow::Result<()> {
        use crate::bookmarks::{PasswordSource, Protocol};
        if let Some(v) = self.port {
            p.port = v;
        }
        if let Some(v) = &self.user {
            p.user = Some(v.clone()).filter(|u| !u.is_empty());
        }
        if let Some(v) = &self.protocol {
            p.protocol = match v.as_str() {
                "ftps" => Protocol::Ftps,
                "ftps-implicit" => Protocol::FtpsImplicit,
                "ftps-if-available" => Protocol::FtpsIfAvailable,
                _ => Protocol::Ftp,
            };
        }
        if let Some(v) = &self.transfer_type {
            p.transfer_type = crate::transfer::TransferMode::parse(v);
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
        if let Some(v) = &self.active_ports {
            p.active_ports = Some(v.clone()).filter(|s| !s.is_empty());
        }
        if let Some(v) = &self.active_address {
            p.active_address = Some(v.clone()).filter(|s| !s.is_empty());
        }
        if self.password_to_keyring {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .context("reading the password")?;
            let secret = line.trim_end_matches(['\r', '\n']);
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
            if let Some(e) = err {
                say!("warning: {e}");
            }
            for p in profiles {
                // Tab-separated for scripts: each field is made printable, the tab kept.
                println!(
                    "{}\t{}",
                    crate::text::printable(&p.name),
                    crate::text::printable(&p.url())
                );
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
            let (profiles, notes) = match from.as_str() {
                "filezilla" => crate::bookmarks::import::filezilla(&text, passwords, &k),
                _ => crate::bookmarks::import::lftp(&text, passwords, &k),
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
