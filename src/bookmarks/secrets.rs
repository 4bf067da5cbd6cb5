//! Where passwords come from: the OS keyring, a password command, `~/.netrc`, or the user.

use std::collections::HashMap;
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use super::{BookmarkError, PasswordSource, Profile, Secret, netrc};
use crate::i18n::t;

/// The keyring service name skiff's entries are stored under.
pub const KEYRING_SERVICE: &str = "skiff";
/// How long a password command may run.
pub const PASSWORD_COMMAND_TIMEOUT: Duration = Duration::from_secs(10);

/// A place to keep passwords outside the bookmarks file.
pub trait Keyring {
    /// The secret, `None` when there is no entry.
    fn get(&self, service: &str, account: &str) -> Result<Option<String>, BookmarkError>;
    fn set(&self, service: &str, account: &str, secret: &str) -> Result<(), BookmarkError>;
    /// Removes the entry; `false` when there was none.
    fn delete(&self, service: &str, account: &str) -> Result<bool, BookmarkError>;
    /// Whether a keyring service can be reached at all.
    fn available(&self) -> bool;
}

/// The account a profile's password is stored under: `user@host:port` (`anonymous` when the
/// profile has no user; an IPv6 host in brackets). Profiles that share user, host and port share
/// the password; renaming a profile keeps it.
/// After an edit that changed a keyring profile's user, host or port: its password is stored
/// under the old account, so it is copied to the new one (unless that has one already). The
/// old entry stays: other profiles on the same account use it. Returns whether it copied.
pub fn carry_keyring_password(
    old: &Profile,
    new: &Profile,
    keyring: &dyn Keyring,
) -> Result<bool, BookmarkError> {
    let (from, to) = (keyring_account(old), keyring_account(new));
    if old.password != PasswordSource::Keyring
        || new.password != PasswordSource::Keyring
        || from == to
        || keyring.get(KEYRING_SERVICE, &to)?.is_some()
    {
        return Ok(false);
    }
    match keyring.get(KEYRING_SERVICE, &from)? {
        Some(secret) => {
            keyring.set(KEYRING_SERVICE, &to, &secret)?;
            Ok(true)
        }
        None => Ok(false),
    }
}

pub fn keyring_account(p: &Profile) -> String {
    let user = p
        .user
        .as_deref()
        .filter(|u| !u.is_empty())
        .unwrap_or("anonymous");
    if p.host.contains(':') {
        format!("{user}@[{}]:{}", p.host, p.port)
    } else {
        format!("{user}@{}:{}", p.host, p.port)
    }
}

/// Stores `password` for `p` in the keyring. Fails clearly (and stores nothing anywhere else)
/// when no keyring service is reachable. The caller sets `p.password = Keyring` and saves.
pub fn store_password(
    p: &Profile,
    keyring: &dyn Keyring,
    password: &str,
) -> Result<(), BookmarkError> {
    if !keyring.available() {
        return Err(BookmarkError::Keyring(
            "no keyring service is reachable, so the password cannot be stored; choose \
             \"ask\" or a password command instead"
                .to_string(),
        ));
    }
    keyring.set(KEYRING_SERVICE, &keyring_account(p), password)
}

/// Resolves a profile's password. `None` means "ask the user" (the caller prompts; for an
/// anonymous profile with nothing found, the caller uses its anonymous default instead).
///
/// - `Ask`: `~/.netrc` (or `$NETRC`) when it has an entry for the host whose login matches the
///   profile's user (`anonymous` for an anonymous profile; an entry without login matches any);
/// - `Keyring`: the OS keyring; no entry, or no keyring service reachable, falls back to asking
///   (never to a file) — [`resolve_password_with_note`] also says why;
/// - `Command`: runs it (`sh -c`, 10 s timeout) and takes the first line of its output; a
///   failure is an error.
pub fn resolve_password(
    p: &Profile,
    keyring: &dyn Keyring,
) -> Result<Option<Secret>, BookmarkError> {
    resolve_password_with_note(p, keyring).map(|(s, _)| s)
}

/// [`resolve_password`], plus a line for the user when the keyring was asked and could not
/// help (to show above the password prompt).
pub fn resolve_password_with_note(
    p: &Profile,
    keyring: &dyn Keyring,
) -> Result<(Option<Secret>, Option<String>), BookmarkError> {
    match &p.password {
        PasswordSource::Ask => {
            let login = p.login_user().unwrap_or("anonymous");
            Ok((
                netrc::load_for(&p.host, Some(login)).map(|(_, pw)| Secret::new(pw)),
                None,
            ))
        }
        PasswordSource::Keyring => {
            let account = keyring_account(p);
            if !keyring.available() {
                return Ok((
                    None,
                    Some(format!(
                        "No keyring service is reachable, so the password for {account} cannot \
                         be read from it; please enter it."
                    )),
                ));
            }
            match keyring.get(KEYRING_SERVICE, &account) {
                Ok(Some(pw)) => Ok((Some(Secret::new(pw)), None)),
                Ok(None) => Ok((
                    None,
                    Some(format!(
                        "The keyring has no password for {account}; please enter it."
                    )),
                )),
                Err(e) => Ok((None, Some(format!("{e}; please enter the password.")))),
            }
        }
        PasswordSource::Command(cmd) => {
            run_password_command(cmd, PASSWORD_COMMAND_TIMEOUT).map(|s| (Some(s), None))
        }
    }
}

/// Runs `cmd` through the shell and returns the first line of its standard output.
/// Errors never contain the command or its output (either may hold the password); the last line
/// of standard error is quoted, shortened.
pub(super) fn run_password_command(cmd: &str, timeout: Duration) -> Result<Secret, BookmarkError> {
    let mut c = if cfg!(windows) {
        let mut c = Command::new("cmd");
        c.arg("/C").arg(cmd);
        c
    } else {
        let mut c = Command::new("sh");
        c.arg("-c").arg(cmd);
        c
    };
    c.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .env_remove("SKIFF_PASSWORD");
    let mut child = c
        .spawn()
        .map_err(|e| BookmarkError::Command(format!("could not start the shell: {e}")))?;

    // Read both pipes on threads so a chatty command cannot block on a full pipe.
    let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
    if let Some(mut out) = child.stdout.take() {
        let tx = tx.clone();
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = (&mut out).take(1 << 20).read_to_end(&mut buf);
            let _ = std::io::copy(&mut out, &mut std::io::sink());
            let _ = tx.send((true, buf));
        });
    }
    if let Some(mut err) = child.stderr.take() {
        let tx = tx.clone();
        thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = (&mut err).take(64 << 10).read_to_end(&mut buf);
            let _ = std::io::copy(&mut err, &mut std::io::sink());
            let _ = tx.send((false, buf));
        });
    }
    drop(tx);

    let deadline = Instant::now() + timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(BookmarkError::Command(format!(
                    "timed out after {} s and was stopped",
                    timeout.as_secs_f32()
                )));
            }
            Ok(None) => thread::sleep(Duration::from_millis(10)),
            Err(e) => {
                return Err(BookmarkError::Command(format!(
                    "could not wait for it: {e}"
                )));
            }
        }
    };
    let mut stdout = Vec::new();
    let mut stderr = Vec::new();
    for _ in 0..2 {
        // The command has exited; a process it left behind may still hold the pipes open.
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(200));
        match rx.recv_timeout(left) {
            Ok((true, b)) => stdout = b,
            Ok((false, b)) => stderr = b,
            Err(_) => break,
        }
    }
    let result = password_from_output(status, &stdout, &stderr);
    stdout.fill(0);
    result
}

fn password_from_output(
    status: std::process::ExitStatus,
    stdout: &[u8],
    stderr: &[u8],
) -> Result<Secret, BookmarkError> {
    if !status.success() {
        let how = match status.code() {
            Some(code) => format!("exited with status {code}"),
            None => "was killed by a signal".to_string(),
        };
        let err = String::from_utf8_lossy(stderr);
        let last = err.lines().rev().map(str::trim).find(|l| !l.is_empty());
        // Whatever it printed as the password is not repeated from its error output.
        let printed =
            String::from_utf8_lossy(stdout.split(|b| *b == b'\n').next().unwrap_or_default())
                .trim()
                .to_string();
        return Err(BookmarkError::Command(match last {
            Some(l) => {
                let mut short: String = crate::text::printable(l).chars().take(160).collect();
                if !printed.is_empty() {
                    short = short.replace(&printed, "****");
                }
                format!("{how}: {short}")
            }
            None => how,
        }));
    }
    let first = stdout.split(|b| *b == b'\n').next().unwrap_or_default();
    let first = first.strip_suffix(b"\r").unwrap_or(first);
    if first.is_empty() {
        return Err(BookmarkError::Command(
            "printed no password (its first line of output is empty)".to_string(),
        ));
    }
    match std::str::from_utf8(first) {
        Ok(s) => Ok(Secret::new(s)),
        Err(_) => Err(BookmarkError::Command(
            "its output is not valid UTF-8".to_string(),
        )),
    }
}

/// A password command as `skiff bookmarks show` prints it: each word that looks like a
/// literal secret is `****`. Such a word is also in the process list (`ps`) while the command
/// runs, which is why a password command should fetch the secret (`pass show …`,
/// `secret-tool lookup …`, `op read …`) rather than contain it. A word looks like a secret when
/// it is
/// - the value after an option named for one (`-p`, `--password`, `--pass`, `--passphrase`,
///   `--token`, `--db-password` …) or after `=` in one (`--password=…`, `FTP_PASSWORD=…`);
/// - the password in `user:password@host` (a URL's too);
/// - printed by `echo` or `printf` (the command line is the secret);
/// - a word of 8 characters or more mixing lower case, upper case, digits and symbols, or of
///   16 or more mixing lower case, upper case and digits only (a token), that is not an
///   option, a path or a variable.
///
/// Words are split at blanks; what is masked is the whole word (quotes included), so the
/// mask tells nothing about the secret's length.
pub fn mask_password_command(cmd: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut after_secret_option = false;
    let mut printing = false;
    for (i, word) in cmd.split_whitespace().enumerate() {
        let bare = word.trim_matches(['"', '\'']);
        let starts_command = i == 0
            || matches!(
                out.last().map(String::as_str),
                Some("|" | "||" | "&&" | ";")
            );
        let shown = if after_secret_option || (printing && !is_separator(word)) {
            "****".to_string()
        } else if let Some((key, _)) = bare.split_once('=').filter(|(k, _)| names_a_secret(k)) {
            format!("{key}=****")
        } else if let Some(masked) = mask_userinfo(bare) {
            masked
        } else if !starts_command && looks_random(bare) {
            "****".to_string()
        } else {
            word.to_string()
        };
        if starts_command {
            printing = matches!(bare, "echo" | "printf");
        } else if is_separator(word) {
            printing = false;
        }
        after_secret_option = !bare.contains('=') && bare.starts_with('-') && names_a_secret(bare);
        out.push(shown);
    }
    out.join(" ")
}

fn is_separator(word: &str) -> bool {
    matches!(word, "|" | "||" | "&&" | ";")
}

/// An option or variable name that is about a secret (`-p`, `--password`, `FTP_TOKEN`).
fn names_a_secret(name: &str) -> bool {
    let n = name.trim_start_matches('-').to_ascii_lowercase();
    matches!(n.as_str(), "p" | "pw" | "pwd")
        || [
            "pass",
            "password",
            "passwd",
            "passphrase",
            "secret",
            "token",
            "apikey",
            "api-key",
            "api_key",
        ]
        .iter()
        .any(|s| n.ends_with(s))
}

/// `user:password@host` (or `scheme://user:password@host/…`) with the password masked.
fn mask_userinfo(word: &str) -> Option<String> {
    let start = word.find("://").map_or(0, |i| i + 3);
    let at = start + word[start..].find('@')?;
    let colon = start + word[start..at].find(':')?;
    Some(format!("{}:****{}", &word[..colon], &word[at..]))
}

/// A word that reads like a generated secret rather than a name, an option or a path.
fn looks_random(word: &str) -> bool {
    if word.starts_with(['-', '$', '~', '.']) || word.contains('/') {
        return false;
    }
    let n = word.chars().count();
    let lower = word.chars().any(|c| c.is_lowercase());
    let upper = word.chars().any(|c| c.is_uppercase());
    let digit = word.chars().any(|c| c.is_ascii_digit());
    let symbol = word
        .chars()
        .any(|c| !c.is_alphanumeric() && !"-_.:,@".contains(c));
    let alnum = word.chars().all(|c| c.is_ascii_alphanumeric());
    (n >= 8 && lower && upper && digit && symbol) || (n >= 16 && alnum && lower && upper && digit)
}

/// The OS keyring through the `keyring` crate: the kernel keyring (keyutils) on Linux, the
/// Keychain on macOS, the Credential Manager on Windows. Other platforms have none.
/// The keyring skiff keeps passwords in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringKind {
    /// The desktop keyring over D-Bus (GNOME Keyring, KWallet, KeePassXC): Linux and BSD.
    SecretService,
    /// Linux's kernel keyring (keyutils): kept in memory only, forgotten at reboot. Used only
    /// when no Secret Service answers.
    Kernel,
    /// The Keychain (macOS) or the Credential Manager (Windows).
    System,
    /// None answers: a keyring bookmark asks for its password.
    None,
}

impl KeyringKind {
    /// Which keyring it is, for the bookmark form and `skiff bookmarks show`.
    pub fn describe(self) -> &'static str {
        match self {
            KeyringKind::SecretService => t("the desktop keyring (Secret Service)"),
            KeyringKind::Kernel => {
                t("the kernel keyring, until reboot (no desktop keyring answered)")
            }
            KeyringKind::System => t("the system keyring"),
            KeyringKind::None => t("none is reachable: skiff asks for the password"),
        }
    }
}

/// The keyring skiff uses: the Secret Service where one answers, else the kernel keyring
/// (Linux), else none; each probe says why it failed. The probes are functions so the choice
/// can be tested without a desktop session.
pub fn choose_keyring(
    secret_service: impl FnOnce() -> Result<(), String>,
    kernel: impl FnOnce() -> Result<(), String>,
) -> (KeyringKind, Vec<String>) {
    let mut why = Vec::new();
    match secret_service() {
        Ok(()) => return (KeyringKind::SecretService, why),
        Err(e) => why.push(format!("Secret Service: {e}")),
    }
    match kernel() {
        Ok(()) => (KeyringKind::Kernel, why),
        Err(e) => {
            why.push(format!("kernel keyring: {e}"));
            (KeyringKind::None, why)
        }
    }
}

/// How long a keyring may take to answer whether it is there (a D-Bus service that hangs
/// must not hang skiff).
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long reading or storing a password may take: a locked desktop keyring asks the user to
/// unlock it first.
const KEYRING_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `f` for a keyring of `kind`: for the Secret Service on a thread of its own, giving up
/// after `timeout` (its client blocks on an executor of its own while callers may be async
/// code, and a D-Bus service may hang); for the others on the calling thread (the
/// kernel keyring resolves the session keyring per thread: a thread of its own may see none).
fn run_for<T: Send + 'static>(
    kind: KeyringKind,
    timeout: Duration,
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    if kind != KeyringKind::SecretService {
        return f();
    }
    let (tx, rx) = mpsc::channel();
    thread::Builder::new()
        .name("skiff-keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| format!("could not start a thread: {e}"))?;
    rx.recv_timeout(timeout)
        .unwrap_or_else(|_| Err(format!("no answer within {} s", timeout.as_secs())))
}

/// An entry in the keyring of `kind`.
fn entry(kind: KeyringKind, service: &str, account: &str) -> keyring::Result<keyring::Entry> {
    match kind {
        #[cfg(target_os = "linux")]
        KeyringKind::SecretService => Ok(keyring::Entry::new_with_credential(Box::new(
            keyring::secret_service::SsCredential::new_with_target(None, service, account)?,
        ))),
        #[cfg(target_os = "linux")]
        KeyringKind::Kernel => Ok(keyring::Entry::new_with_credential(Box::new(
            keyring::keyutils::KeyutilsCredential::new_with_target(None, service, account)?,
        ))),
        _ => keyring::Entry::new(service, account),
    }
}

/// Whether the keyring of `kind` answers: reading an entry that is not there works.
fn probe(kind: KeyringKind) -> Result<(), String> {
    run_for(kind, PROBE_TIMEOUT, move || {
        let e = entry(kind, KEYRING_SERVICE, "skiff-keyring-probe").map_err(|e| describe(&e))?;
        match e.get_password() {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(describe(&e)),
        }
    })
}

/// The OS keyring through the `keyring` crate: on Linux the desktop keyring (Secret Service
/// over D-Bus, pure Rust) when one answers, else the kernel keyring (forgotten at reboot); the
/// Keychain on macOS, the Credential Manager on Windows. Other platforms have none. The choice
/// is made once per process, at first use.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsKeyring;

impl OsKeyring {
    /// The keyring in use, and why the better ones were not (empty when the first answered).
    pub fn choice(&self) -> &'static (KeyringKind, Vec<String>) {
        static CHOICE: OnceLock<(KeyringKind, Vec<String>)> = OnceLock::new();
        CHOICE.get_or_init(|| {
            if cfg!(target_os = "linux") {
                choose_keyring(
                    || probe(KeyringKind::SecretService),
                    || probe(KeyringKind::Kernel),
                )
            } else if cfg!(any(
                target_os = "macos",
                target_os = "ios",
                target_os = "windows"
            )) {
                match probe(KeyringKind::System) {
                    Ok(()) => (KeyringKind::System, Vec::new()),
                    Err(e) => (KeyringKind::None, vec![e]),
                }
            } else {
                (
                    KeyringKind::None,
                    vec!["skiff has no OS keyring support on this platform".to_string()],
                )
            }
        })
    }

    /// The keyring in use.
    pub fn kind(&self) -> KeyringKind {
        self.choice().0
    }

    /// `Ok` when a keyring service answers; else why not, for the user.
    pub fn probe(&self) -> Result<(), String> {
        match self.choice() {
            (KeyringKind::None, why) => Err(why.join("; ")),
            _ => Ok(()),
        }
    }

    /// Runs `f` on an entry of the keyring in use.
    fn with_entry<T: Send + 'static>(
        &self,
        service: &str,
        account: &str,
        f: impl FnOnce(keyring::Entry) -> Result<T, BookmarkError> + Send + 'static,
    ) -> Result<T, BookmarkError> {
        if let Err(why) = self.probe() {
            return Err(BookmarkError::Keyring(why));
        }
        let kind = self.kind();
        let (service, account) = (service.to_string(), account.to_string());
        run_for(kind, KEYRING_TIMEOUT, move || {
            let e = entry(kind, &service, &account).map_err(|e| describe(&e))?;
            f(e).map_err(|e| match e {
                BookmarkError::Keyring(s) => s,
                other => other.to_string(),
            })
        })
        .map_err(BookmarkError::Keyring)
    }
}

/// A keyring error for the user; never includes secret bytes.
fn describe(e: &keyring::Error) -> String {
    match e {
        keyring::Error::PlatformFailure(inner) => format!("the keyring failed: {inner}"),
        keyring::Error::NoStorageAccess(inner) => {
            format!("no keyring service is reachable: {inner}")
        }
        keyring::Error::NoEntry => "no such entry in the keyring".to_string(),
        keyring::Error::BadEncoding(_) => "the stored password is not valid UTF-8".to_string(),
        keyring::Error::TooLong(what, max) => format!("{what} is too long (max {max})"),
        keyring::Error::Invalid(what, why) => format!("invalid {what}: {why}"),
        keyring::Error::Ambiguous(_) => "more than one matching keyring entry".to_string(),
        _ => "the keyring failed".to_string(),
    }
}

impl Keyring for OsKeyring {
    fn get(&self, service: &str, account: &str) -> Result<Option<String>, BookmarkError> {
        self.with_entry(service, account, |e| match e.get_password() {
            Ok(pw) => Ok(Some(pw)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(BookmarkError::Keyring(describe(&e))),
        })
    }

    fn set(&self, service: &str, account: &str, secret: &str) -> Result<(), BookmarkError> {
        let secret = Secret::new(secret);
        self.with_entry(service, account, move |e| {
            e.set_password(secret.expose())
                .map_err(|e| BookmarkError::Keyring(describe(&e)))
        })
    }

    fn delete(&self, service: &str, account: &str) -> Result<bool, BookmarkError> {
        self.with_entry(service, account, |e| match e.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(BookmarkError::Keyring(describe(&e))),
        })
    }

    fn available(&self) -> bool {
        self.probe().is_ok()
    }
}

/// A keyring in memory, for tests (and for running without a keyring).
#[derive(Debug)]
pub struct MemoryKeyring {
    entries: Mutex<HashMap<(String, String), String>>,
    available: bool,
}

impl Default for MemoryKeyring {
    fn default() -> Self {
        MemoryKeyring::new()
    }
}

impl MemoryKeyring {
    pub fn new() -> MemoryKeyring {
        MemoryKeyring {
            entries: Mutex::new(HashMap::new()),
            available: true,
        }
    }

    /// One that behaves like a machine without a keyring service.
    pub fn unavailable() -> MemoryKeyring {
        MemoryKeyring {
            entries: Mutex::new(HashMap::new()),
            available: false,
        }
    }

    /// How many entries it holds.
    pub fn len(&self) -> usize {
        self.map(|m| m.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn map<T>(&self, f: impl FnOnce(&mut HashMap<(String, String), String>) -> T) -> T {
        let mut guard = match self.entries.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut guard)
    }

    fn check(&self) -> Result<(), BookmarkError> {
        if self.available {
            Ok(())
        } else {
            Err(BookmarkError::Keyring(
                "no keyring service is reachable".to_string(),
            ))
        }
    }
}

impl Keyring for MemoryKeyring {
    fn get(&self, service: &str, account: &str) -> Result<Option<String>, BookmarkError> {
        self.check()?;
        Ok(self.map(|m| m.get(&(service.to_string(), account.to_string())).cloned()))
    }

    fn set(&self, service: &str, account: &str, secret: &str) -> Result<(), BookmarkError> {
        self.check()?;
        self.map(|m| {
            m.insert(
                (service.to_string(), account.to_string()),
                secret.to_string(),
            )
        });
        Ok(())
    }

    fn delete(&self, service: &str, account: &str) -> Result<bool, BookmarkError> {
        self.check()?;
        Ok(self.map(|m| {
            m.remove(&(service.to_string(), account.to_string()))
                .is_some()
        }))
    }

    fn available(&self) -> bool {
        self.available
    }
}
