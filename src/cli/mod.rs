//! The headless commands `skiff get`, `skiff put` and `skiff ls`, on the same engine as the
//! TUI: for scripts, cron jobs and benchmarks. Running the jobs and the summary are in `run`,
//! `skiff bookmarks …` in `bookmark_cmds`; the command line's clap types in `args`, and what
//! they start (the TUI or one of these) in `startup`.

use std::collections::{BTreeMap, HashMap};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::sync::mpsc;

use crate::format::human_size;
use crate::fs::{EntryKind, FileSystem};
use crate::ftp::url::FtpUrl;
use crate::ftp::{ConnectOptions, FtpError, FtpSession, PathKind, Secret, Tap};
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

pub mod args;
mod bookmark_cmds;
mod run;
pub mod startup;
pub mod sync_cmd;
mod watch;

pub use args::{BookmarkCmd, BookmarkFields};
pub use bookmark_cmds::bookmarks;
use run::run_jobs;

/// A password typed in a URL on the command line is in the process list (`ps`,
/// `/proc/PID/cmdline`) for as long as skiff runs: one line on stderr says so.
pub fn warn_password_in_url(url: &FtpUrl, env: &impl startup::Environment) {
    if url.password.is_some() {
        env.warn(
            "warning: the password in the URL is visible to other local users in the process \
             list while skiff runs; use SKIFF_PASSWORD, --password-stdin or a bookmark instead",
        );
    }
}

/// The password for `url`, the one rule for the TUI and the headless commands: the URL's own,
/// else (when it names a user) the first line of standard input with `--password-stdin`, else
/// `SKIFF_PASSWORD`; none for an anonymous URL. `None` with a user means "ask" (the TUI) or
/// "refuse" (the headless commands, see [`connect_options`]).
pub fn url_password(
    url: &FtpUrl,
    from_stdin: bool,
    env: &impl startup::Environment,
) -> anyhow::Result<Option<Secret>> {
    password_with(
        url,
        from_stdin,
        || env.stdin_line(),
        || env.var("SKIFF_PASSWORD"),
    )
}

/// [`url_password`] with its two sources given (so a test needs no terminal or environment).
fn password_with(
    url: &FtpUrl,
    from_stdin: bool,
    stdin: impl FnOnce() -> std::io::Result<String>,
    env: impl FnOnce() -> Option<String>,
) -> anyhow::Result<Option<Secret>> {
    Ok(match (&url.password, &url.user) {
        (Some(p), _) => Some(p.clone()),
        (None, None) => None,
        (None, Some(_)) if from_stdin => Some(Secret::new(
            stdin().context("reading the password from standard input")?,
        )),
        (None, Some(_)) => env().map(Secret::new),
    })
}

/// The first line of standard input, without its line end (the one place a password is read
/// from standard input: `--password-stdin` and `bookmarks set --password-to-keyring`).
pub(crate) fn read_stdin_line() -> std::io::Result<String> {
    let mut line = String::new();
    std::io::BufRead::read_line(&mut std::io::stdin().lock(), &mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
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
    /// Compare each file with the server's checksum (`--verify`).
    pub verify: bool,
    /// Attempts per file before a transient failure is final (`[transfer] attempts`).
    pub attempts: u32,
    /// When uploads go to a temporary name first (`--temp-upload`, `[transfer] upload_temp`).
    pub upload_temp: crate::transfer::UploadTemp,
    /// Bytes per second for all transfers together (`--limit-rate`).
    pub limit_rate: Option<u64>,
    /// Connections one big download may use (`--segments`).
    pub segments: crate::transfer::Segments,
}

/// With `--verify`, say once what the server offers: the checksum used, or that files are
/// checked by size only.
fn say_verify(s: &FtpSession, x: &XferOptions) {
    use crate::fs::Remote;
    if !x.verify || x.quiet {
        return;
    }
    let offered = s.capabilities().checksums;
    match offered.best(crate::transfer::digest::computable) {
        Some(a) => say(&crate::tr!(
            "skiff: verifying each file with the server's {algo} checksum",
            algo = a.name()
        )),
        None if offered.is_empty() => say(crate::i18n::t(
            "skiff: the server offers no checksum command: files are checked by size only",
        )),
        None => say(crate::i18n::t(
            "skiff: the server's checksums are not ones skiff computes (SHA-256, SHA-512, SHA-1): files are checked by size only",
        )),
    }
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
    say_verify(&s, &x);
    let home = s.cwd().to_string();
    let path = if path.starts_with('/') {
        path
    } else {
        remote_join(&home, &path)
    };
    // A directory if the server lets us in; refused (5xx): a file, which keeps the server's
    // modification time, as a directory's files do (theirs come from the listing). Anything
    // else (a timeout, a busy 421) is an error, not a guess.
    let (kind, size, mtime) = match s.probe(&path).await {
        Ok(PathKind::Dir) => (JobKind::Dir, None, None),
        Ok(PathKind::File { size, mtime }) => (JobKind::File, size, mtime),
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
        mtime,
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
    say_verify(&s, &x);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_rule_finds_the_password_for_a_url() {
        let url = |s: &str| FtpUrl::parse(s).expect("url");
        let no_stdin = || -> std::io::Result<String> { panic!("stdin read") };
        let no_env = || -> Option<String> { panic!("environment read") };
        let got =
            |r: anyhow::Result<Option<Secret>>| r.expect("ok").map(|s| s.expose().to_string());
        // The URL's own password wins, and nothing else is read.
        assert_eq!(
            got(password_with(&url("ftp://a:pw@h/"), true, no_stdin, no_env)),
            Some("pw".into())
        );
        // Anonymous: no password, nothing read.
        assert_eq!(
            got(password_with(&url("ftp://h/"), true, no_stdin, no_env)),
            None
        );
        // A user: standard input when asked for, else the environment.
        assert_eq!(
            got(password_with(
                &url("ftp://a@h/"),
                true,
                || Ok("in".into()),
                no_env
            )),
            Some("in".into())
        );
        assert_eq!(
            got(password_with(&url("ftp://a@h/"), false, no_stdin, || Some(
                "env".into()
            ))),
            Some("env".into())
        );
        assert_eq!(
            got(password_with(&url("ftp://a@h/"), false, no_stdin, || None)),
            None
        );
        let err = password_with(
            &url("ftp://a@h/"),
            true,
            || Err(std::io::Error::other("closed")),
            no_env,
        )
        .expect_err("a failed read");
        assert!(format!("{err:#}").contains("standard input"), "{err:#}");
    }
}
