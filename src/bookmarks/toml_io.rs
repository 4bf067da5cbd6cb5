//! `bookmarks.toml` and `recent.toml` <-> profiles, with `toml_edit` so that a rewrite keeps
//! unknown keys, comments and the user's layout. Reading keeps spans for line:column errors.

use std::ops::Range;
use std::path::Path;

use toml_edit::{
    ArrayOfTables, DocumentMut, InlineTable, Item, Table, TableLike, Value, value as toml_value,
};

use super::store::{FORMAT_VERSION, RECENT_MAX};
use super::{BookmarkError, DEFAULT_ENCODING, PasswordSource, Profile, Protocol, RecentEntry};

pub(super) const KEY_VERSION: &str = "version";
pub(super) const KEY_BOOKMARK: &str = "bookmark";
pub(super) const KEY_RECENT: &str = "recent";

const NEW_FILE_HEADER: &str = "\
# skiff bookmarks. Edit freely: skiff keeps keys it does not know and your comments.
# Passwords are never stored here; `password` says where one comes from:
#   \"ask\" (default; ~/.netrc is consulted first), \"keyring\" (the OS keyring),
#   or { command = \"pass show ftp/work\" } (first line of the command's output).
";

const RECENT_HEADER: &str = "\
# skiff: recent connections, newest first (no passwords). Rewritten by skiff.
";

/// A problem at a place in the text.
#[derive(Debug)]
pub(super) struct Problem {
    pub span: Option<Range<usize>>,
    pub message: String,
}

impl Problem {
    fn new(span: Option<Range<usize>>, message: impl Into<String>) -> Problem {
        Problem {
            span,
            message: message.into(),
        }
    }

    pub fn into_error(self, path: &Path, text: &str) -> BookmarkError {
        let (line, column) = line_col(text, self.span.map_or(0, |s| s.start));
        BookmarkError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: self.message,
        }
    }
}

/// 1-based line and column (in characters) of byte `offset`.
pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The text of a file's bytes, or a problem pointing at the first byte that is not UTF-8.
/// A UTF-8 byte order mark is dropped.
pub(super) fn decode_text(bytes: &[u8]) -> Result<&str, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        Problem::new(Some(at..at + 1), "the file is not valid UTF-8")
    })
}

/// What a read of `bookmarks.toml` found.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub profiles: Vec<Profile>,
    /// Problems with single profiles (those are left out) or with the version.
    pub problems: Vec<Problem>,
    /// `version` is newer than this skiff understands: read what we can, write nothing.
    pub newer_version: Option<i64>,
}

/// A syntax error, or a document whose shape is wrong as a whole.
pub(super) fn parse_error(e: &toml_edit::TomlError) -> Problem {
    // Only the message: TomlError's Display quotes the offending line, which could hold a
    // password someone typed into the file.
    Problem::new(e.span(), e.message().trim_end().to_string())
}

/// Checks `version` and the type of `bookmark`; returns the version (1 when absent).
fn check_shape(root: &Table, list_key: &str) -> Result<i64, Problem> {
    let version = match root.get(KEY_VERSION) {
        None => 1,
        Some(item) => match item.as_integer() {
            Some(v) if v >= 1 => v,
            _ => {
                return Err(Problem::new(
                    item.span(),
                    format!(
                        "`version` must be a whole number (this skiff writes {FORMAT_VERSION})"
                    ),
                ));
            }
        },
    };
    if let Some(item) = root.get(list_key) {
        let ok = item.is_array_of_tables()
            || item
                .as_array()
                .is_some_and(|a| a.iter().all(|v| v.is_inline_table()));
        if !ok {
            return Err(Problem::new(
                item.span(),
                format!("`{list_key}` must be a list of [[{list_key}]] tables"),
            ));
        }
    }
    Ok(version)
}

/// Each entry of the list at `key` with the span to point at when a key is missing.
fn entries<'a>(root: &'a Table, key: &str) -> Vec<(&'a dyn TableLike, Option<Range<usize>>)> {
    match root.get(key) {
        Some(Item::ArrayOfTables(aot)) => aot
            .iter()
            .map(|t| (t as &dyn TableLike, t.span()))
            .collect(),
        Some(Item::Value(Value::Array(a))) => a
            .iter()
            .filter_map(|v| v.as_inline_table().map(|t| (t as &dyn TableLike, t.span())))
            .collect(),
        _ => Vec::new(),
    }
}

/// Reads `bookmarks.toml`'s text. `Err` means the file is broken as a whole.
pub(super) fn parse_bookmarks(text: &str) -> Result<Parsed, Problem> {
    let doc = toml_edit::Document::parse(text).map_err(|e| parse_error(&e))?;
    let root = doc.as_table();
    let version = check_shape(root, KEY_BOOKMARK)?;
    let mut parsed = Parsed::default();
    if version > FORMAT_VERSION {
        parsed.newer_version = Some(version);
        parsed.problems.push(Problem::new(
            root.get(KEY_VERSION).and_then(Item::span),
            format!(
                "this file has format version {version}, from a newer skiff (this one knows \
                 {FORMAT_VERSION}); profiles are read as far as understood and the file is not \
                 changed"
            ),
        ));
    }
    let mut seen: Vec<(String, Option<Range<usize>>)> = Vec::new();
    for (table, header) in entries(root, KEY_BOOKMARK) {
        match read_profile(table, header.clone()) {
            Ok(p) => {
                if let Some((_, first)) = seen.iter().find(|(n, _)| *n == p.name) {
                    let (line, _) = line_col(text, first.as_ref().map_or(0, |s| s.start));
                    parsed.problems.push(Problem::new(
                        table.get("name").and_then(Item::span).or(header),
                        format!(
                            "a second bookmark named {:?} (the first is at line {line}); \
                             this one is ignored",
                            p.name
                        ),
                    ));
                } else {
                    seen.push((p.name.clone(), header));
                    parsed.profiles.push(p);
                }
            }
            Err(problem) => parsed.problems.push(problem),
        }
    }
    Ok(parsed)
}

fn read_str(
    t: &dyn TableLike,
    key: &str,
    header: &Option<Range<usize>>,
) -> Result<Option<String>, Problem> {
    match t.get(key) {
        None => Ok(None),
        Some(item) => match item.as_str() {
            Some(s) => Ok(Some(s.to_string())),
            None => Err(Problem::new(
                item.span().or(header.clone()),
                format!("`{key}` must be a string"),
            )),
        },
    }
}

fn read_bool(
    t: &dyn TableLike,
    key: &str,
    default: bool,
    header: &Option<Range<usize>>,
) -> Result<bool, Problem> {
    match t.get(key) {
        None => Ok(default),
        Some(item) => item.as_bool().ok_or_else(|| {
            Problem::new(
                item.span().or(header.clone()),
                format!("`{key}` must be true or false"),
            )
        }),
    }
}

fn read_int(
    t: &dyn TableLike,
    key: &str,
    range: Range<i64>,
    header: &Option<Range<usize>>,
) -> Result<Option<i64>, Problem> {
    match t.get(key) {
        None => Ok(None),
        Some(item) => match item.as_integer() {
            Some(v) if range.contains(&v) => Ok(Some(v)),
            _ => Err(Problem::new(
                item.span().or(header.clone()),
                format!(
                    "`{key}` must be a whole number from {} to {}",
                    range.start,
                    range.end - 1
                ),
            )),
        },
    }
}

/// `password`: a string `"ask"` / `"keyring"` or a table with a `command` string.
/// The value is never echoed in a message: it may be a password typed in by mistake.
pub(super) fn read_password(item: &Item) -> Result<PasswordSource, String> {
    const WANT: &str = "`password` must be \"ask\", \"keyring\" or { command = \"...\" } \
                        (a password itself is never stored in this file)";
    if let Some(s) = item.as_str() {
        return match s {
            "ask" => Ok(PasswordSource::Ask),
            "keyring" => Ok(PasswordSource::Keyring),
            _ => Err(WANT.to_string()),
        };
    }
    if let Some(t) = item.as_table_like() {
        return match t.get("command").and_then(Item::as_str) {
            Some(c) => Ok(PasswordSource::Command(c.to_string())),
            None => Err(WANT.to_string()),
        };
    }
    Err(WANT.to_string())
}

fn read_profile(t: &dyn TableLike, header: Option<Range<usize>>) -> Result<Profile, Problem> {
    let h = &header;
    let name = read_str(t, "name", h)?
        .ok_or_else(|| Problem::new(header.clone(), "this bookmark has no `name`"))?;
    let host = read_str(t, "host", h)?
        .ok_or_else(|| Problem::new(header.clone(), format!("bookmark {name:?} has no `host`")))?;
    let protocol = match t.get("protocol") {
        None => Protocol::Ftp,
        Some(item) => item.as_str().and_then(Protocol::from_name).ok_or_else(|| {
            Problem::new(
                item.span().or(header.clone()),
                "`protocol` must be \"ftp\", \"ftps\" (explicit TLS) or \"ftps-implicit\"",
            )
        })?,
    };
    let port = read_int(t, "port", 1..65536, h)?.map_or(protocol.default_port(), |p| p as u16);
    let password = match t.get("password") {
        None => PasswordSource::Ask,
        Some(item) => {
            read_password(item).map_err(|m| Problem::new(item.span().or(header.clone()), m))?
        }
    };
    let p = Profile {
        user: read_str(t, "user", h)?.filter(|s| !s.is_empty()),
        anonymous: read_bool(t, "anonymous", false, h)?,
        password,
        passive: read_bool(t, "passive", true, h)?,
        prefer_epsv: read_bool(t, "prefer_epsv", true, h)?,
        encoding: read_str(t, "encoding", h)?.unwrap_or_else(|| DEFAULT_ENCODING.to_string()),
        local_dir: read_str(t, "local_dir", h)?.filter(|s| !s.is_empty()),
        remote_dir: read_str(t, "remote_dir", h)?.filter(|s| !s.is_empty()),
        parallel: read_int(t, "parallel", 0..256, h)?.map(|v| v as u8),
        keepalive_secs: read_int(t, "keepalive_secs", 0..(u32::MAX as i64 + 1), h)?
            .map(|v| v as u32),
        cert_sha256: read_str(t, "cert_sha256", h)?.filter(|s| !s.is_empty()),
        active_ports: read_str(t, "active_ports", h)?.filter(|s| !s.is_empty()),
        active_address: read_str(t, "active_address", h)?.filter(|s| !s.is_empty()),
        transfer_type: match read_str(t, "transfer_type", h)? {
            None => None,
            Some(s) => Some(crate::transfer::TransferMode::parse(&s).ok_or_else(|| {
                Problem::new(
                    t.get("transfer_type").and_then(|i| i.span()).or(h.clone()),
                    "`transfer_type` must be \"binary\", \"ascii\" or \"auto\"".to_string(),
                )
            })?),
        },
        time_offset: read_int(t, "time_offset", -86_400..86_401, h)?,
        verify: match t.get("verify") {
            None => None,
            Some(_) => Some(read_bool(t, "verify", false, h)?),
        },
        upload_temp: match read_str(t, "upload_temp", h)? {
            None => None,
            Some(s) => Some(crate::transfer::UploadTemp::parse(&s).ok_or_else(|| {
                Problem::new(
                    t.get("upload_temp").and_then(|i| i.span()).or(h.clone()),
                    "`upload_temp` must be \"auto\", \"always\" or \"never\"".to_string(),
                )
            })?),
        },
        limit_rate: match read_str(t, "limit_rate", h)? {
            None => None,
            Some(s) if s.trim().is_empty() => None,
            Some(s) => Some(crate::transfer::rate::parse_rate(&s).map_err(|e| {
                Problem::new(
                    t.get("limit_rate").and_then(|i| i.span()).or(h.clone()),
                    format!("`limit_rate`: {e}"),
                )
            })?),
        },
        segments: match t.get("segments") {
            None => None,
            Some(item) => {
                let text = match item.as_integer() {
                    Some(n) => n.to_string(),
                    None => item.as_str().unwrap_or("").to_string(),
                };
                Some(crate::transfer::Segments::parse(&text).ok_or_else(|| {
                    Problem::new(
                        item.span().or(h.clone()),
                        "`segments` must be \"auto\" or a number from 1 to 16".to_string(),
                    )
                })?)
            }
        },
        name,
        host,
        port,
        protocol,
    };
    if let Some((field, message)) = p.validate().into_iter().next() {
        let span = t.get(field).and_then(Item::span).or(header);
        return Err(Problem::new(
            span,
            format!("bookmark {:?}: {message}", p.name),
        ));
    }
    Ok(p)
}

// ---------------------------------------------------------------------------------------------
// Editing

/// Opens the text for editing. `Err` when the file is broken as a whole (it is then backed up
/// and replaced by the caller). The version is returned so the caller can refuse to write a
/// newer format.
pub(super) fn edit_doc(text: &str, list_key: &str) -> Result<(DocumentMut, i64), Problem> {
    let doc: DocumentMut = text.parse().map_err(|e| parse_error(&e))?;
    let version = check_shape(doc.as_table(), list_key)?;
    Ok((doc, version))
}

/// A fresh `bookmarks.toml`.
pub(super) fn new_bookmarks_doc() -> DocumentMut {
    let mut doc = DocumentMut::new();
    let mut v = toml_value(FORMAT_VERSION);
    if let Some(v) = v.as_value_mut() {
        v.decor_mut().set_prefix(" ");
    }
    doc.insert(KEY_VERSION, v);
    if let Some((mut key, _)) = doc.as_table_mut().get_key_value_mut(KEY_VERSION) {
        key.leaf_decor_mut().set_prefix(NEW_FILE_HEADER);
    }
    doc
}

/// Makes sure the document has `version` and an array of tables at `list_key`.
fn list_mut<'a>(
    doc: &'a mut DocumentMut,
    list_key: &str,
) -> Result<&'a mut ArrayOfTables, BookmarkError> {
    if !doc.contains_key(KEY_VERSION) {
        // A file of comments only keeps them at the top rather than after the new tables.
        let lead = doc
            .as_table()
            .is_empty()
            .then(|| doc.trailing().as_str().map(str::to_string))
            .flatten()
            .filter(|t| !t.trim().is_empty());
        doc.insert(KEY_VERSION, toml_value(FORMAT_VERSION));
        if let Some(lead) = lead {
            doc.set_trailing("");
            if let Some((mut key, _)) = doc.as_table_mut().get_key_value_mut(KEY_VERSION) {
                key.leaf_decor_mut().set_prefix(lead);
            }
        }
    }
    let item = doc
        .as_table_mut()
        .entry(list_key)
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    if !item.is_array_of_tables() {
        // An inline `bookmark = [{...}, ...]`: turn it into [[bookmark]] tables (keeps keys).
        // check_shape has made sure it is an array of inline tables.
        let taken = std::mem::take(item);
        *item = match taken.into_array_of_tables() {
            Ok(aot) => Item::ArrayOfTables(aot),
            Err(original) => original,
        };
    }
    item.as_array_of_tables_mut().ok_or_else(|| {
        BookmarkError::Invalid(format!(
            "`{list_key}` is not a list of [[{list_key}]] tables; not changing the file"
        ))
    })
}

fn find(aot: &ArrayOfTables, name: &str) -> Option<usize> {
    aot.iter()
        .position(|t| t.get("name").and_then(Item::as_str) == Some(name))
}

/// Inserts or replaces one profile. `old_name` lets a rename replace the old entry; renaming
/// onto another existing profile's name is refused.
pub(super) fn upsert(
    doc: &mut DocumentMut,
    p: &Profile,
    old_name: Option<&str>,
) -> Result<(), BookmarkError> {
    let aot = list_mut(doc, KEY_BOOKMARK)?;
    let at_old = old_name.and_then(|o| find(aot, o));
    let at_new = find(aot, &p.name);
    let index = match (at_old, at_new) {
        (Some(i), Some(j)) if i != j => {
            return Err(BookmarkError::Invalid(format!(
                "a bookmark named {:?} already exists",
                p.name
            )));
        }
        (Some(i), _) | (None, Some(i)) => Some(i),
        (None, None) => None,
    };
    match index.and_then(|i| aot.get_mut(i)) {
        Some(t) => write_profile(t, p, false),
        None => {
            let mut t = Table::new();
            write_profile(&mut t, p, true);
            // `version` always comes first: a blank line before every new table.
            t.decor_mut().set_prefix("\n");
            aot.push(t);
        }
    }
    Ok(())
}

/// Removes every profile named `name`; true when there was one.
pub(super) fn remove(doc: &mut DocumentMut, name: &str) -> bool {
    let Some(aot) = doc
        .get_mut(KEY_BOOKMARK)
        .and_then(Item::as_array_of_tables_mut)
    else {
        if let Some(arr) = doc.get_mut(KEY_BOOKMARK).and_then(Item::as_array_mut) {
            let before = arr.len();
            arr.retain(|v| {
                v.as_inline_table()
                    .and_then(|t| t.get("name"))
                    .and_then(Value::as_str)
                    != Some(name)
            });
            return arr.len() != before;
        }
        return false;
    };
    let before = aot.len();
    aot.retain(|t| t.get("name").and_then(Item::as_str) != Some(name));
    aot.len() != before
}

/// Sets `key` to `new` (or removes it for `None`) unless the current value already means the
/// same, so untouched values keep their exact spelling. The value's decor (a trailing comment)
/// is kept. A missing key whose new value is the default is not added unless `explicit`.
fn put(
    t: &mut Table,
    key: &str,
    new: Option<Value>,
    same: impl Fn(&Item) -> bool,
    is_default: bool,
    explicit: bool,
) {
    match (t.get_mut(key), new) {
        (Some(item), Some(mut v)) => {
            if !same(item) {
                if let Some(old) = item.as_value() {
                    *v.decor_mut() = old.decor().clone();
                }
                *item = Item::Value(v);
            }
        }
        (Some(_), None) => {
            t.remove(key);
        }
        (None, Some(v)) => {
            if explicit || !is_default {
                t.insert(key, Item::Value(v));
            }
        }
        (None, None) => {}
    }
}

fn put_str(t: &mut Table, key: &str, v: Option<&str>, default: Option<&str>, explicit: bool) {
    let is_default = v.is_some() && v == default;
    let owned = v.map(str::to_string);
    put(
        t,
        key,
        v.map(Value::from),
        |item| item.as_str().map(str::to_string) == owned,
        is_default,
        explicit,
    );
}

fn put_int(t: &mut Table, key: &str, v: Option<i64>, default: Option<i64>, explicit: bool) {
    put(
        t,
        key,
        v.map(Value::from),
        |item| item.as_integer() == v,
        v.is_some() && v == default,
        explicit,
    );
}

fn put_bool(t: &mut Table, key: &str, v: bool, default: bool, explicit: bool) {
    put(
        t,
        key,
        Some(Value::from(v)),
        |item| item.as_bool() == Some(v),
        v == default,
        explicit,
    );
}

fn password_value(p: &PasswordSource) -> Value {
    match p {
        PasswordSource::Ask => Value::from("ask"),
        PasswordSource::Keyring => Value::from("keyring"),
        PasswordSource::Command(c) => {
            let mut t = InlineTable::new();
            t.insert("command", Value::from(c.as_str()));
            Value::InlineTable(t)
        }
    }
}

fn write_profile(t: &mut Table, p: &Profile, new: bool) {
    put_str(t, "name", Some(&p.name), None, new);
    put_str(t, "host", Some(&p.host), None, new);
    put_int(
        t,
        "port",
        Some(i64::from(p.port)),
        Some(i64::from(p.protocol.default_port())),
        new,
    );
    put_str(t, "protocol", Some(p.protocol.as_str()), Some("ftp"), new);
    put_str(
        t,
        "user",
        p.user.as_deref().filter(|u| !u.is_empty()),
        None,
        new,
    );
    put_bool(t, "anonymous", p.anonymous, false, new);
    // password: a `[bookmark.password]` sub-table that already holds the same command stays.
    let wanted = p.password.clone();
    let same = |item: &Item| read_password(item).ok().as_ref() == Some(&wanted);
    match t.get_mut("password") {
        Some(item) if item.is_table() && !same(item) => {
            if let (PasswordSource::Command(c), Some(sub)) = (&p.password, item.as_table_mut()) {
                sub.insert("command", toml_value(c.as_str()));
            } else {
                *item = Item::Value(password_value(&p.password));
            }
        }
        _ => put(
            t,
            "password",
            Some(password_value(&p.password)),
            same,
            p.password == PasswordSource::Ask,
            new,
        ),
    }
    put_bool(t, "passive", p.passive, true, new);
    put_bool(t, "prefer_epsv", p.prefer_epsv, true, new);
    put_str(
        t,
        "encoding",
        Some(&p.encoding),
        Some(DEFAULT_ENCODING),
        new,
    );
    put_str(
        t,
        "local_dir",
        p.local_dir.as_deref().filter(|s| !s.is_empty()),
        None,
        new,
    );
    put_str(
        t,
        "remote_dir",
        p.remote_dir.as_deref().filter(|s| !s.is_empty()),
        None,
        new,
    );
    put_int(t, "parallel", p.parallel.map(i64::from), None, new);
    put_str(
        t,
        "transfer_type",
        p.transfer_type.map(|m| m.label()),
        None,
        new,
    );
    put_int(
        t,
        "keepalive_secs",
        p.keepalive_secs.map(i64::from),
        None,
        new,
    );
    put_int(t, "time_offset", p.time_offset, None, new);
    put_str(
        t,
        "upload_temp",
        p.upload_temp.map(|u| u.label()),
        None,
        new,
    );
    let rate = p.limit_rate.map(crate::transfer::rate::rate_label);
    put_str(t, "limit_rate", rate.as_deref(), None, new);
    let segments = p.segments.map(|s| s.label());
    put_str(t, "segments", segments.as_deref(), None, new);
    put(
        t,
        "verify",
        p.verify.map(Value::from),
        |item| item.as_bool() == p.verify,
        false,
        new,
    );
    put_str(
        t,
        "cert_sha256",
        p.cert_sha256.as_deref().filter(|s| !s.is_empty()),
        None,
        new,
    );
    put_str(
        t,
        "active_ports",
        p.active_ports.as_deref().filter(|s| !s.is_empty()),
        None,
        new,
    );
    put_str(
        t,
        "active_address",
        p.active_address.as_deref().filter(|s| !s.is_empty()),
        None,
        new,
    );
}

// ---------------------------------------------------------------------------------------------
// recent.toml

/// Reads `recent.toml`: entries that do not make sense are skipped; newest first.
pub(super) fn parse_recent(text: &str) -> Result<Vec<RecentEntry>, Problem> {
    let doc = toml_edit::Document::parse(text).map_err(|e| parse_error(&e))?;
    let root = doc.as_table();
    check_shape(root, KEY_RECENT)?;
    let mut out = Vec::new();
    for (t, h) in entries(root, KEY_RECENT) {
        let entry = (|| -> Result<Option<RecentEntry>, Problem> {
            let Some(host) = read_str(t, "host", &h)? else {
                return Ok(None);
            };
            let protocol = read_str(t, "protocol", &h)?
                .and_then(|s| Protocol::from_name(&s))
                .unwrap_or_default();
            Ok(Some(RecentEntry {
                port: read_int(t, "port", 1..65536, &h)?
                    .map_or(protocol.default_port(), |p| p as u16),
                user: read_str(t, "user", &h)?.filter(|s| !s.is_empty()),
                remote_dir: read_str(t, "remote_dir", &h)?.filter(|s| !s.is_empty()),
                at_unix: read_int(t, "at_unix", i64::MIN..i64::MAX, &h)?.unwrap_or(0),
                host,
                protocol,
            }))
        })();
        if let Ok(Some(e)) = entry
            && !e.host.is_empty()
            && !super::has_control(&e.host)
        {
            out.push(e);
        }
    }
    out.sort_by_key(|e| std::cmp::Reverse(e.at_unix));
    // A hand-edited file may repeat an entry: keep the newest.
    let mut seen = std::collections::HashSet::new();
    out.retain(|e| seen.insert(e.key()));
    out.truncate(RECENT_MAX);
    Ok(out)
}

/// `recent.toml`'s text for these entries (already newest first and de-duplicated).
pub(super) fn render_recent(entries: &[RecentEntry]) -> String {
    let mut doc = DocumentMut::new();
    doc.insert(KEY_VERSION, toml_value(FORMAT_VERSION));
    if let Some((mut key, _)) = doc.as_table_mut().get_key_value_mut(KEY_VERSION) {
        key.leaf_decor_mut().set_prefix(RECENT_HEADER);
    }
    let mut aot = ArrayOfTables::new();
    for e in entries {
        let mut t = Table::new();
        t.decor_mut().set_prefix("\n");
        t.insert("host", toml_value(e.host.as_str()));
        t.insert("port", toml_value(i64::from(e.port)));
        t.insert("protocol", toml_value(e.protocol.as_str()));
        if let Some(u) = &e.user {
            t.insert("user", toml_value(u.as_str()));
        }
        if let Some(d) = &e.remote_dir {
            t.insert("remote_dir", toml_value(d.as_str()));
        }
        t.insert("at_unix", toml_value(e.at_unix));
        aot.push(t);
    }
    if !aot.is_empty() {
        doc.insert(KEY_RECENT, Item::ArrayOfTables(aot));
    }
    doc.to_string()
}
