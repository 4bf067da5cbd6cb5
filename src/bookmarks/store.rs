//! Where the files live and how they are read and written: a lock file around every
//! read-modify-write, atomic replacement, `0700`/`0600` permissions, backups of broken files.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::toml_io::{self, KEY_BOOKMARK};
use super::{BookmarkError, Profile, RecentEntry};

/// The format version this skiff writes into `bookmarks.toml`.
pub const FORMAT_VERSION: i64 = 1;
/// How many recent connections are kept.
pub const RECENT_MAX: usize = 20;

const BOOKMARKS_FILE: &str = "bookmarks.toml";
const RECENT_FILE: &str = "recent.toml";
const LOCK_FILE: &str = "bookmarks.lock";
const DEFAULT_LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// The bookmark files in one directory. Cheap: holds only the path; every call reads the disk.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
    /// How long a change waits for another process's lock before giving up with `Locked`.
    pub(super) lock_timeout: Duration,
}

impl Store {
    /// skiff's config directory (`directories::ProjectDirs::from("", "", "skiff")`), e.g.
    /// `~/.config/skiff` on Linux. `None` when no home directory is known.
    pub fn default_location() -> Option<Store> {
        directories::ProjectDirs::from("", "", "skiff").map(|d| Store::at(d.config_dir()))
    }

    /// The files in `dir` (created on the first write).
    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store {
            dir: dir.into(),
            lock_timeout: DEFAULT_LOCK_TIMEOUT,
        }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `.../bookmarks.toml`.
    pub fn path(&self) -> PathBuf {
        self.dir.join(BOOKMARKS_FILE)
    }

    /// `.../recent.toml`.
    pub fn recent_path(&self) -> PathBuf {
        self.dir.join(RECENT_FILE)
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join(LOCK_FILE)
    }

    /// Loads the profiles, in file order. A missing file is empty. A file that does not parse
    /// gives `Ok((vec![], Some(error with line:column)))` and is left untouched. A profile with a
    /// bad value is left out and reported the same way (the first problem, with a count of the
    /// others); the other profiles load. Never writes anything.
    pub fn load(&self) -> Result<(Vec<Profile>, Option<BookmarkError>), BookmarkError> {
        let path = self.path();
        let Some(bytes) = read_if_exists(&path)? else {
            return Ok((Vec::new(), None));
        };
        let text = match toml_io::decode_text(&bytes) {
            Ok(t) => t,
            Err(problem) => {
                let lossy = String::from_utf8_lossy(&bytes);
                return Ok((Vec::new(), Some(problem.into_error(&path, &lossy))));
            }
        };
        match toml_io::parse_bookmarks(text) {
            Err(problem) => Ok((Vec::new(), Some(problem.into_error(&path, text)))),
            Ok(parsed) => {
                let more = parsed.problems.len().saturating_sub(1);
                let error = parsed.problems.into_iter().next().map(|p| {
                    let mut e = p.into_error(&path, text);
                    if let BookmarkError::Parse { message, .. } = &mut e
                        && more > 0
                    {
                        message.push_str(&format!(
                            " (and {more} more problem{})",
                            if more == 1 { "" } else { "s" }
                        ));
                    }
                    e
                });
                Ok((parsed.profiles, error))
            }
        }
    }

    /// The profile named `name`. When it is not there and the file has a problem (it may be
    /// that profile that is broken), the problem is the error.
    pub fn get(&self, name: &str) -> Result<Option<Profile>, BookmarkError> {
        let (profiles, problem) = self.load()?;
        match profiles.into_iter().find(|p| p.name == name) {
            Some(p) => Ok(Some(p)),
            None => match problem {
                Some(e) => Err(e),
                None => Ok(None),
            },
        }
    }

    /// Under the lock: re-reads the file, inserts `p` or replaces the profile of the same name
    /// (or the one named `old_name`, for a rename), writes atomically. Other profiles, unknown
    /// keys and comments are kept. Refused with `Invalid` when `p` does not validate, when the
    /// rename target exists, or when the file is from a newer skiff; refused with `Unsaved`
    /// (its parse error naming the file, line and column) when the file does not parse: a
    /// broken file is never replaced, whatever it held.
    pub fn save(&self, p: &Profile, old_name: Option<&str>) -> Result<(), BookmarkError> {
        let problems = p.validate();
        if !problems.is_empty() {
            let text: Vec<String> = problems.into_iter().map(|(_, m)| m).collect();
            return Err(BookmarkError::Invalid(format!(
                "bookmark not saved: {}",
                text.join("; ")
            )));
        }
        self.with_lock(|| {
            let path = self.path();
            let mut doc = match read_if_exists(&path)? {
                None => toml_io::new_bookmarks_doc(),
                Some(bytes) => {
                    let broken = |e: BookmarkError| BookmarkError::Unsaved(Box::new(e));
                    let text = toml_io::decode_text(&bytes).map_err(|p| {
                        broken(p.into_error(&path, &String::from_utf8_lossy(&bytes)))
                    })?;
                    let (doc, version) = toml_io::edit_doc(text, KEY_BOOKMARK)
                        .map_err(|p| broken(p.into_error(&path, text)))?;
                    refuse_newer(&path, version)?;
                    doc
                }
            };
            toml_io::upsert(&mut doc, p, old_name)?;
            write_atomic(&path, doc.to_string().as_bytes())?;
            Ok(())
        })
    }

    /// Under the lock: removes the profile named `name` (every entry of that name). `Ok(false)`
    /// when there is none. A file that does not parse is an error and is not changed.
    pub fn remove(&self, name: &str) -> Result<bool, BookmarkError> {
        if !self.path().exists() {
            return Ok(false);
        }
        self.with_lock(|| {
            let path = self.path();
            let Some(bytes) = read_if_exists(&path)? else {
                return Ok(false);
            };
            let text = toml_io::decode_text(&bytes)
                .map_err(|p| p.into_error(&path, &String::from_utf8_lossy(&bytes)))?;
            let (mut doc, version) =
                toml_io::edit_doc(text, KEY_BOOKMARK).map_err(|p| p.into_error(&path, text))?;
            refuse_newer(&path, version)?;
            if !toml_io::remove(&mut doc, name) {
                return Ok(false);
            }
            write_atomic(&path, doc.to_string().as_bytes())?;
            Ok(true)
        })
    }

    /// Recent connections, newest first, at most [`RECENT_MAX`]. A missing or unreadable file
    /// is an empty list.
    pub fn recent(&self) -> Vec<RecentEntry> {
        let Ok(Some(bytes)) = read_if_exists(&self.recent_path()) else {
            return Vec::new();
        };
        toml_io::decode_text(&bytes)
            .and_then(toml_io::parse_recent)
            .unwrap_or_default()
    }

    /// Under the lock: puts `e` first, drops an older entry with the same `user@host:port`
    /// and keeps [`RECENT_MAX`]. An unreadable `recent.toml` is backed up and started afresh.
    pub fn push_recent(&self, e: RecentEntry) -> Result<(), BookmarkError> {
        if e.host.is_empty() || e.host.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(BookmarkError::Invalid(
                "recent entry not saved: bad host".to_string(),
            ));
        }
        if e.port == 0
            || [e.user.as_deref(), e.remote_dir.as_deref()]
                .into_iter()
                .flatten()
                .any(super::has_control)
        {
            return Err(BookmarkError::Invalid(
                "recent entry not saved: bad port, user or directory".to_string(),
            ));
        }
        self.with_lock(|| {
            let path = self.recent_path();
            let mut entries = match read_if_exists(&path)? {
                None => Vec::new(),
                Some(bytes) => match toml_io::decode_text(&bytes).and_then(toml_io::parse_recent) {
                    Ok(list) => list,
                    Err(_) => {
                        write_backup(&path, &bytes)?;
                        Vec::new()
                    }
                },
            };
            let key = e.key();
            entries.retain(|old| old.key() != key);
            entries.insert(0, e);
            entries.truncate(RECENT_MAX);
            write_atomic(&path, toml_io::render_recent(&entries).as_bytes())
        })
    }

    /// Runs `f` holding an exclusive OS lock (`flock`/`LockFileEx`) on `bookmarks.lock`.
    pub(super) fn with_lock<T>(
        &self,
        f: impl FnOnce() -> Result<T, BookmarkError>,
    ) -> Result<T, BookmarkError> {
        ensure_dir(&self.dir)?;
        let lock_path = self.lock_path();
        let file = open_private(&lock_path, false).map_err(|e| BookmarkError::io(&lock_path, e))?;
        let mut lock = fd_lock::RwLock::new(file);
        let deadline = Instant::now() + self.lock_timeout;
        let _guard = loop {
            match lock.try_write() {
                Ok(guard) => break guard,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(BookmarkError::Locked);
                    }
                    thread::sleep(Duration::from_millis(20));
                }
                Err(e) => return Err(BookmarkError::io(&lock_path, e)),
            }
        };
        f()
    }
}

fn refuse_newer(path: &Path, version: i64) -> Result<(), BookmarkError> {
    if version > FORMAT_VERSION {
        return Err(BookmarkError::Invalid(format!(
            "{} has format version {version}, from a newer skiff; not changing it",
            path.display()
        )));
    }
    Ok(())
}

fn read_if_exists(path: &Path) -> Result<Option<Vec<u8>>, BookmarkError> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(BookmarkError::io(path, e)),
    }
}

/// Creates the directory (and missing parents) with mode `0700`. An existing directory is left
/// as it is.
fn ensure_dir(dir: &Path) -> Result<(), BookmarkError> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir).map_err(|e| BookmarkError::io(dir, e))
}

/// Opens (creating with `0600`) a file for writing; `create_new` for backups.
fn open_private(path: &Path, create_new: bool) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true).write(true);
    if create_new {
        o.create_new(true);
    } else {
        o.create(true).truncate(false);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

/// [`crate::paths::write_atomic`], its error naming the file it was about.
pub(super) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), BookmarkError> {
    crate::paths::write_atomic(path, bytes).map_err(|e| BookmarkError::io(&e.path, e.source))
}

/// Copies a broken file's bytes to `<name>.bak-<UTC timestamp>` (`0600`, never overwriting an
/// earlier backup).
pub(super) fn write_backup(path: &Path, bytes: &[u8]) -> Result<PathBuf, BookmarkError> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let base = format!(
        "{}.bak-{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        utc_stamp(secs)
    );
    let dir = path.parent().unwrap_or(Path::new("."));
    for n in 0..1000 {
        let candidate = if n == 0 {
            dir.join(&base)
        } else {
            dir.join(format!("{base}-{n}"))
        };
        match open_private(&candidate, true) {
            Ok(mut f) => {
                f.write_all(bytes)
                    .and_then(|()| f.sync_all())
                    .map_err(|e| BookmarkError::io(&candidate, e))?;
                return Ok(candidate);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(BookmarkError::io(&candidate, e)),
        }
    }
    Err(BookmarkError::io(
        dir.join(base),
        io::Error::new(io::ErrorKind::AlreadyExists, "too many backups"),
    ))
}

/// `YYYYMMDDTHHMMSSZ` for seconds since the epoch (UTC, proleptic Gregorian).
pub(super) fn utc_stamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil date from a day count (the well-known era-based conversion).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}
