//! Parsing of FTP directory listing lines.
//!
//! Two kinds of input are understood:
//!
//! * MLSD lines (RFC 3659): `fact=value;fact=value; name`. This is the machine-readable format
//!   and is preferred whenever the server offers it.
//! * LIST lines, which have no standard. Two dialects cover practically every server in use:
//!   Unix `ls -l` (vsftpd, proftpd, pure-ftpd, libunftp and friends) and DOS/IIS. The dialect is
//!   detected per line.
//!
//! Every function here is total: any input gives `Ok` or `Err`, never a panic, and nothing is
//! allocated except the strings stored in the returned [`Entry`].
//!
//! Times are returned as seconds since the Unix epoch. MLSD times are UTC by definition; LIST
//! times are in the server's local zone, which the protocol does not reveal, so they are taken
//! as UTC as well.

use std::fmt;

use crate::fs::{Entry, EntryKind};

/// Why a line could not be parsed (Display gives a short English reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub reason: &'static str,
}

impl ParseError {
    const fn new(reason: &'static str) -> Self {
        ParseError { reason }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.reason)
    }
}

impl std::error::Error for ParseError {}

const SECS_PER_DAY: i64 = 86_400;

const ERR_MISSING_NAME: ParseError = ParseError::new("missing file name");
const ERR_UNRECOGNISED: ParseError =
    ParseError::new("unrecognised listing line (neither Unix ls -l nor DOS/IIS format)");

// ---------------------------------------------------------------------------------------------
// MLSD
// ---------------------------------------------------------------------------------------------

/// Parses one MLSD line (RFC 3659 facts, then a space, then the name).
///
/// Returns `Ok(None)` for lines that carry no entry: `type=cdir`/`type=pdir`, the names `.` and
/// `..`, and empty lines. Fact names and the values of `type` are case-insensitive; unknown facts
/// are ignored, and a malformed value of a known fact (say `size=abc`) only loses that fact.
pub fn parse_mlsd_line(line: &str) -> Result<Option<Entry>, ParseError> {
    let line = strip_eol(line);
    if is_blank(line) {
        return Ok(None);
    }
    // Fact values never contain spaces, so the first space is the separator; everything after
    // it, leading spaces and semicolons included, is the name.
    let Some((facts, name)) = split_at_byte(line, b' ') else {
        return Err(ParseError::new(
            "MLSD line has no space between facts and name",
        ));
    };
    if name.is_empty() {
        return Err(ERR_MISSING_NAME);
    }

    let mut kind = EntryKind::File;
    let mut skip = false;
    let mut target: Option<&str> = None;
    let mut size: Option<u64> = None;
    let mut sizd: Option<u64> = None;
    let mut mtime: Option<i64> = None;
    let mut perm: Option<&str> = None;
    let mut mode: Option<u32> = None;

    let mut rest = facts;
    while !rest.is_empty() {
        let (fact, tail) = split_at_byte(rest, b';').unwrap_or((rest, ""));
        rest = tail;
        if fact.is_empty() {
            continue;
        }
        let Some((key, value)) = split_at_byte(fact, b'=') else {
            return Err(ParseError::new("MLSD fact without '='"));
        };
        if key.is_empty() {
            return Err(ParseError::new("MLSD fact with an empty name"));
        }
        // Lower-case the name into a small buffer; longer names are facts we do not use.
        let mut buf = [0u8; 9];
        let Some(lower) = buf.get_mut(..key.len()) else {
            continue;
        };
        for (dst, src) in lower.iter_mut().zip(key.bytes()) {
            *dst = src.to_ascii_lowercase();
        }
        match &*lower {
            b"type" => match mlsd_type(value) {
                Some((k, t)) => {
                    kind = k;
                    target = t;
                }
                None => skip = true,
            },
            b"size" => size = parse_u64(value.as_bytes()),
            b"sizd" => sizd = parse_u64(value.as_bytes()),
            b"modify" => mtime = parse_mlsd_time(value.as_bytes()),
            b"perm" => perm = Some(value).filter(|p| !p.is_empty()),
            b"unix.mode" => mode = parse_octal_mode(value.as_bytes()),
            _ => {}
        }
    }

    if skip || is_dot_name(name) {
        return Ok(None);
    }
    let perms: Option<Box<str>> = match (mode, perm) {
        (Some(m), _) => Some(mode_string(m).into()),
        (None, Some(p)) => Some(p.into()),
        (None, None) => None,
    };
    Ok(Some(Entry {
        name: name.to_owned(),
        kind,
        size: size.or(sizd).unwrap_or(0),
        mtime,
        perms,
        link_target: target.map(Into::into),
    }))
}

/// The kind named by an MLSD `type` value, with a symlink target when the value carries one
/// (`OS.unix=slink:/target`). `None` means the line names the directory itself or its parent.
fn mlsd_type(value: &str) -> Option<(EntryKind, Option<&str>)> {
    if value.eq_ignore_ascii_case("file") {
        return Some((EntryKind::File, None));
    }
    if value.eq_ignore_ascii_case("dir") {
        return Some((EntryKind::Dir, None));
    }
    if value.eq_ignore_ascii_case("cdir") || value.eq_ignore_ascii_case("pdir") {
        return None;
    }
    // `OS.<system>=<kind>`: only symlinks are told apart, the rest (devices, fifos…) are Other.
    let Some((_, os_kind)) = strip_prefix_ic(value, "os.").and_then(|v| split_at_byte(v, b'='))
    else {
        return Some((EntryKind::Other, None));
    };
    let (word, target) = match split_at_byte(os_kind, b':') {
        Some((w, t)) => (w, Some(t).filter(|t| !t.is_empty())),
        None => (os_kind, None),
    };
    if word.eq_ignore_ascii_case("symlink") || word.eq_ignore_ascii_case("slink") {
        Some((EntryKind::Symlink, target))
    } else {
        Some((EntryKind::Other, None))
    }
}

/// `YYYYMMDDHHMMSS[.sss]`, UTC. The fraction is ignored.
fn parse_mlsd_time(b: &[u8]) -> Option<i64> {
    let (main, frac) = b.split_at_checked(14)?;
    match frac.split_first() {
        None => {}
        Some((b'.', digits)) if !digits.is_empty() && digits.iter().all(u8::is_ascii_digit) => {}
        Some(_) => return None,
    }
    let year = parse_num(main.get(0..4)?)?;
    let month = parse_num(main.get(4..6)?)?;
    let day = parse_num(main.get(6..8)?)?;
    let hour = parse_num(main.get(8..10)?)?;
    let min = parse_num(main.get(10..12)?)?;
    let sec = parse_num(main.get(12..14)?)?;
    if !valid_date(month, day) || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    Some(unix_from_civil(i64::from(year), month, day, hour, min, sec))
}

/// An octal `unix.mode` value such as `0755` or `100644`; only the permission bits are kept.
fn parse_octal_mode(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 7 {
        return None;
    }
    let mut mode: u32 = 0;
    for &c in b {
        if !(b'0'..=b'7').contains(&c) {
            return None;
        }
        mode = mode * 8 + u32::from(c - b'0');
    }
    Some(mode & 0o7777)
}

/// Renders permission bits as `ls` does: `rwxr-xr-x`, with `s`/`S`/`t`/`T` for the
/// set-user-id, set-group-id and sticky bits.
fn mode_string(mode: u32) -> String {
    let mut out = String::with_capacity(9);
    // (read bit, write bit, exec bit, special bit, special char when exec is set)
    let triples = [
        (0o400, 0o200, 0o100, 0o4000, 's'),
        (0o040, 0o020, 0o010, 0o2000, 's'),
        (0o004, 0o002, 0o001, 0o1000, 't'),
    ];
    for (r, w, x, special, mark) in triples {
        out.push(if mode & r != 0 { 'r' } else { '-' });
        out.push(if mode & w != 0 { 'w' } else { '-' });
        out.push(match (mode & x != 0, mode & special != 0) {
            (true, false) => 'x',
            (false, false) => '-',
            (true, true) => mark,
            (false, true) => mark.to_ascii_uppercase(),
        });
    }
    out
}

// ---------------------------------------------------------------------------------------------
// LIST
// ---------------------------------------------------------------------------------------------

/// Parses one LIST line in Unix `ls -l` or DOS/IIS format, detected per line.
///
/// Returns `Ok(None)` for lines that carry no entry: `total 123`, the names `.` and `..`, and
/// empty lines. `now` (Unix seconds, UTC) picks the year of Unix dates that show a time instead
/// of a year: the current year, or the previous one if that would put the date more than a day
/// into the future.
pub fn parse_list_line(line: &str, now: i64) -> Result<Option<Entry>, ParseError> {
    let line = strip_eol(line);
    if is_blank(line) {
        return Ok(None);
    }
    let b = line.as_bytes();
    let toks = Tokens::split(b);
    if toks.len == 2
        && toks.get(b, 0).eq_ignore_ascii_case(b"total")
        && toks.get(b, 1).first().is_some_and(u8::is_ascii_digit)
    {
        return Ok(None);
    }
    match toks.get(b, 0).first() {
        Some(c) if c.is_ascii_digit() => parse_dos(line, &toks),
        _ => parse_unix(line, &toks, now),
    }
}

/// Up to `Tokens::MAX` space-separated tokens of a line, as byte ranges into it. Fields that
/// matter all come before the name, so a fixed number suffices and nothing is allocated.
struct Tokens {
    spans: [(usize, usize); Tokens::MAX],
    len: usize,
}

impl Tokens {
    const MAX: usize = 16;

    fn split(b: &[u8]) -> Tokens {
        let mut toks = Tokens {
            spans: [(0, 0); Tokens::MAX],
            len: 0,
        };
        let mut i = 0;
        for slot in toks.spans.iter_mut() {
            while b.get(i) == Some(&b' ') {
                i += 1;
            }
            if i >= b.len() {
                break;
            }
            let start = i;
            while b.get(i).is_some_and(|&c| c != b' ') {
                i += 1;
            }
            *slot = (start, i);
            toks.len += 1;
        }
        toks
    }

    /// The bytes of token `i`, or an empty slice when there is no such token.
    fn get<'a>(&self, b: &'a [u8], i: usize) -> &'a [u8] {
        match self.spans.get(i) {
            Some(&(s, e)) if i < self.len => b.get(s..e).unwrap_or(&[]),
            _ => &[],
        }
    }

    /// Byte offset just past token `i` (the line length when there is no such token).
    fn end(&self, b: &[u8], i: usize) -> usize {
        match self.spans.get(i) {
            Some(&(_, e)) if i < self.len => e,
            _ => b.len(),
        }
    }
}

/// The name that follows the token ending at `end`: everything after the single separator
/// space, so leading and inner spaces of the name survive.
fn name_after(line: &str, end: usize) -> Result<&str, ParseError> {
    match line.get(end..).and_then(|rest| rest.strip_prefix(' ')) {
        Some(name) if !name.is_empty() => Ok(name),
        _ => Err(ERR_MISSING_NAME),
    }
}

// --- Unix ls -l --------------------------------------------------------------------------------

fn parse_unix(line: &str, toks: &Tokens, now: i64) -> Result<Option<Entry>, ParseError> {
    let b = line.as_bytes();
    let mode = toks.get(b, 0);
    let type_char = *mode.first().ok_or(ERR_UNRECOGNISED)?;
    let kind = match type_char {
        b'-' => EntryKind::File,
        b'd' => EntryKind::Dir,
        b'l' => EntryKind::Symlink,
        b'c' | b'b' | b'p' | b's' | b'D' => EntryKind::Other,
        _ => return Err(ERR_UNRECOGNISED),
    };
    if !valid_mode(mode) {
        // A token of the right length is most likely a mangled mode string.
        return Err(if matches!(mode.len(), 10 | 11) {
            ParseError::new("invalid Unix permission string")
        } else {
            ERR_UNRECOGNISED
        });
    }
    // The nine permission characters; `valid_mode` checked they are ASCII.
    let mode_start = toks.spans.first().map_or(0, |s| s.0);
    let perms = line
        .get(mode_start + 1..mode_start + 10)
        .ok_or(ERR_UNRECOGNISED)?;
    let is_device = matches!(type_char, b'c' | b'b');

    // Between the mode and the date come the link count, owner, group and size, but servers
    // leave out the group or the link count, or print groups with spaces. The date is the first
    // `Mon DD HH:MM|YYYY` or `YYYY-MM-DD HH:MM` run of tokens that follows a size field; the
    // size is the last field before it.
    let mut error = ParseError::new("no date found in Unix listing line");
    let mut found = None;
    for i in 2..toks.len {
        let Some((date_end, mtime)) = match_unix_date(b, toks, i, now) else {
            continue;
        };
        let size_field = toks.get(b, i - 1);
        let size = if is_device {
            // `major, minor` or `major,minor` (or a plain number on some servers).
            size_field
                .iter()
                .all(|c| c.is_ascii_digit() || *c == b',')
                .then_some(0)
        } else {
            parse_u64(size_field)
        };
        match size {
            Some(size) => {
                found = Some((date_end, mtime, size));
                break;
            }
            None => error = ParseError::new("invalid size field in Unix listing line"),
        }
    }
    let (date_end, mtime, size) = found.ok_or(error)?;

    let full_name = name_after(line, date_end)?;
    let split = match kind {
        EntryKind::Symlink => full_name.split_once(" -> "),
        _ => None,
    };
    let (name, link_target) = match split {
        Some((n, t)) if !n.is_empty() => (n, Some(t).filter(|t| !t.is_empty())),
        _ => (full_name, None),
    };
    if is_dot_name(name) {
        return Ok(None);
    }
    Ok(Some(Entry {
        name: name.to_owned(),
        kind,
        size,
        mtime,
        perms: Some(perms.into()),
        link_target: link_target.map(Into::into),
    }))
}

/// A ten-character mode string (`drwxr-xr-x`), optionally followed by one of `+` (ACL),
/// `.` (SELinux context) or `@` (extended attributes).
fn valid_mode(mode: &[u8]) -> bool {
    let (core, suffix) = match mode.split_at_checked(10) {
        Some(parts) => parts,
        None => return false,
    };
    if !matches!(suffix, [] | [b'+' | b'.' | b'@']) {
        return false;
    }
    core.iter().skip(1).enumerate().all(|(i, &c)| match i % 3 {
        0 => matches!(c, b'r' | b'-'),
        1 => matches!(c, b'w' | b'-'),
        _ => matches!(c, b'x' | b'-' | b's' | b'S' | b't' | b'T' | b'l' | b'L'),
    })
}

/// Whether tokens starting at `i` form a date; if so, the byte offset where it ends and the
/// time it denotes (`None` for libunftp's `--- -- --:--` placeholder).
fn match_unix_date(b: &[u8], toks: &Tokens, i: usize, now: i64) -> Option<(usize, Option<i64>)> {
    let first = toks.get(b, i);
    if let Some(month) = month_number(first) {
        let day = parse_num(toks.get(b, i + 1)).filter(|d| (1..=31).contains(d))?;
        let third = toks.get(b, i + 2);
        let mtime = if let Some((hour, min, sec)) = parse_clock(third) {
            infer_year(now, month, day, hour, min, sec)
        } else if third.len() == 4 {
            let year = parse_num(third)?;
            unix_from_civil(i64::from(year), month, day, 0, 0, 0)
        } else {
            return None;
        };
        return Some((toks.end(b, i + 2), Some(mtime)));
    }
    if let Some((year, month, day)) = parse_iso_date(first) {
        let (hour, min, sec) = parse_clock(toks.get(b, i + 1))?;
        let mtime = unix_from_civil(i64::from(year), month, day, hour, min, sec);
        return Some((toks.end(b, i + 1), Some(mtime)));
    }
    if first == b"---" && toks.get(b, i + 1) == b"--" && toks.get(b, i + 2) == b"--:--" {
        return Some((toks.end(b, i + 2), None));
    }
    None
}

/// English three-letter month abbreviation, any case, to 1..=12.
fn month_number(tok: &[u8]) -> Option<u32> {
    let [a, b, c] = tok else {
        return None;
    };
    let lower = [
        a.to_ascii_lowercase(),
        b.to_ascii_lowercase(),
        c.to_ascii_lowercase(),
    ];
    let n = match &lower {
        b"jan" => 1,
        b"feb" => 2,
        b"mar" => 3,
        b"apr" => 4,
        b"may" => 5,
        b"jun" => 6,
        b"jul" => 7,
        b"aug" => 8,
        b"sep" => 9,
        b"oct" => 10,
        b"nov" => 11,
        b"dec" => 12,
        _ => return None,
    };
    Some(n)
}

/// `H:MM`, `HH:MM` or `HH:MM:SS`.
fn parse_clock(tok: &[u8]) -> Option<(u32, u32, u32)> {
    let colon = tok.iter().position(|&c| c == b':')?;
    let (hour, rest) = tok.split_at_checked(colon)?;
    let rest = rest.get(1..)?;
    let (min, sec) = match rest.split_at_checked(2) {
        Some((min, [])) => (min, None),
        Some((min, [b':', sec @ ..])) if sec.len() == 2 => (min, Some(sec)),
        _ => return None,
    };
    if hour.is_empty() || hour.len() > 2 || min.len() != 2 {
        return None;
    }
    let hour = parse_num(hour)?;
    let min = parse_num(min)?;
    let sec = match sec {
        Some(s) => parse_num(s)?,
        None => 0,
    };
    (hour <= 23 && min <= 59 && sec <= 60).then_some((hour, min, sec))
}

/// `YYYY-MM-DD` (ls `--time-style=long-iso`).
fn parse_iso_date(tok: &[u8]) -> Option<(u32, u32, u32)> {
    match tok {
        [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] => {
            let year = parse_num(&[*y0, *y1, *y2, *y3])?;
            let month = parse_num(&[*m0, *m1])?;
            let day = parse_num(&[*d0, *d1])?;
            valid_date(month, day).then_some((year, month, day))
        }
        _ => None,
    }
}

/// The time of a year-less Unix date: in `now`'s year, unless that lies more than a day
/// after `now`, in which case the file is from the year before.
fn infer_year(now: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> i64 {
    let (year, ..) = civil_from_unix(now);
    let t = unix_from_civil(year, month, day, hour, min, sec);
    if t > now.saturating_add(SECS_PER_DAY) {
        unix_from_civil(year - 1, month, day, hour, min, sec)
    } else {
        t
    }
}

// --- DOS / IIS ---------------------------------------------------------------------------------

fn parse_dos(line: &str, toks: &Tokens) -> Result<Option<Entry>, ParseError> {
    let b = line.as_bytes();
    let (year, month, day) = parse_dos_date(toks.get(b, 0))
        .ok_or(ParseError::new("invalid date in DOS listing line"))?;
    const ERR_TIME: ParseError = ParseError::new("invalid time in DOS listing line");
    let (mut hour, min, mut half) = parse_dos_time(toks.get(b, 1)).ok_or(ERR_TIME)?;
    let mut i = 2;
    if half.is_none() {
        // `12:00 PM` with a space, as Windows `dir` prints it.
        let next = toks.get(b, 2);
        if next.eq_ignore_ascii_case(b"AM") {
            half = Some(false);
            i = 3;
        } else if next.eq_ignore_ascii_case(b"PM") {
            half = Some(true);
            i = 3;
        }
    }
    if let Some(pm) = half {
        if !(1..=12).contains(&hour) {
            return Err(ERR_TIME);
        }
        hour = match (pm, hour) {
            (false, 12) => 0,
            (true, 12) => 12,
            (true, h) => h + 12,
            (false, h) => h,
        };
    }
    let mtime = Some(unix_from_civil(year, month, day, hour, min, 0));

    if i >= toks.len {
        return Err(ParseError::new("missing size or <DIR> in DOS listing line"));
    }
    let field = toks.get(b, i);
    let field_end = toks.end(b, i);
    let marker_kind = if field.eq_ignore_ascii_case(b"<DIR>") {
        Some(EntryKind::Dir)
    } else if field.eq_ignore_ascii_case(b"<JUNCTION>")
        || field.eq_ignore_ascii_case(b"<SYMLINKD>")
        || field.eq_ignore_ascii_case(b"<SYMLINK>")
    {
        Some(EntryKind::Symlink)
    } else {
        None
    };

    let (kind, size, name) = match marker_kind {
        Some(kind) => {
            let start = toks.spans.get(i).map_or(0, |s| s.0);
            (kind, 0, dos_marker_name(line, start, field_end)?)
        }
        None => {
            let size =
                parse_dos_size(field).ok_or(ParseError::new("invalid size in DOS listing line"))?;
            (EntryKind::File, size, name_after(line, field_end)?)
        }
    };

    // Windows `dir` shows link targets as `name [target]`.
    let split = match kind {
        EntryKind::Symlink => name.rsplit_once(" ["),
        _ => None,
    };
    let (name, link_target) = match split {
        Some((n, t)) if !n.is_empty() && t.ends_with(']') => {
            (n, t.strip_suffix(']').filter(|t| !t.is_empty()))
        }
        _ => (name, None),
    };
    if is_dot_name(name) {
        return Ok(None);
    }
    Ok(Some(Entry {
        name: name.to_owned(),
        kind,
        size,
        mtime,
        perms: None,
        link_target: link_target.map(Into::into),
    }))
}

/// The name after a `<DIR>`-style marker. IIS and Windows pad the marker to a fixed 15-column
/// field (`<DIR>` plus ten spaces), so when that padding is there the name starts right after
/// it, keeping any leading spaces of its own; otherwise all spaces after the marker are skipped.
fn dos_marker_name(line: &str, marker_start: usize, marker_end: usize) -> Result<&str, ParseError> {
    const FIELD: usize = 15;
    let rest = line.get(marker_end..).ok_or(ERR_MISSING_NAME)?;
    let pad = FIELD.saturating_sub(marker_end - marker_start);
    let name = match rest.get(..pad) {
        Some(p) if pad > 0 && p.bytes().all(|c| c == b' ') => rest.get(pad..).unwrap_or(""),
        _ => rest.trim_start_matches(' '),
    };
    if name.is_empty() {
        Err(ERR_MISSING_NAME)
    } else {
        Ok(name)
    }
}

/// `MM-DD-YY`, `MM-DD-YYYY` or `YYYY-MM-DD`, with `-` or `/`. Two-digit years 70-99 are
/// 19xx, the rest 20xx.
fn parse_dos_date(tok: &[u8]) -> Option<(i64, u32, u32)> {
    let mut parts = tok.split(|&c| c == b'-' || c == b'/');
    let (p1, p2, p3) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (year, month, day) = if p1.len() == 4 {
        if p2.len() != 2 || p3.len() != 2 {
            return None;
        }
        (i64::from(parse_num(p1)?), parse_num(p2)?, parse_num(p3)?)
    } else {
        if !(1..=2).contains(&p1.len()) || !(1..=2).contains(&p2.len()) {
            return None;
        }
        let year = match p3.len() {
            2 => {
                let yy = i64::from(parse_num(p3)?);
                if yy >= 70 { 1900 + yy } else { 2000 + yy }
            }
            4 => i64::from(parse_num(p3)?),
            _ => return None,
        };
        (year, parse_num(p1)?, parse_num(p2)?)
    };
    valid_date(month, day).then_some((year, month, day))
}

/// `HH:MM` optionally followed by `AM`/`PM` (any case). Returns the hour as written and
/// whether it is PM (`None` for a 24-hour time).
fn parse_dos_time(tok: &[u8]) -> Option<(u32, u32, Option<bool>)> {
    let (clock, half) = match tok.split_at_checked(tok.len().saturating_sub(2)) {
        Some((c, h)) if h.eq_ignore_ascii_case(b"AM") => (c, Some(false)),
        Some((c, h)) if h.eq_ignore_ascii_case(b"PM") => (c, Some(true)),
        _ => (tok, None),
    };
    let (hour, min, _) = parse_clock(clock)?;
    Some((hour, min, half))
}

/// A size that may use commas as thousands separators (`1,234`).
fn parse_dos_size(tok: &[u8]) -> Option<u64> {
    if !tok.first()?.is_ascii_digit() {
        return None;
    }
    let mut n: u64 = 0;
    for &c in tok {
        match c {
            b'0'..=b'9' => n = n.checked_mul(10)?.checked_add(u64::from(c - b'0'))?,
            b',' => {}
            _ => return None,
        }
    }
    Some(n)
}

// ---------------------------------------------------------------------------------------------
// Civil time
// ---------------------------------------------------------------------------------------------

/// Civil date and time (proleptic Gregorian, UTC) to Unix seconds.
///
/// `month` is clamped to 1..=12; day, hour, minute and second are added linearly, so
/// out-of-range values roll over (day 0 is the last day of the previous month). Results beyond
/// the `i64` range saturate.
pub fn unix_from_civil(year: i64, month: u32, day: u32, hour: u32, min: u32, sec: u32) -> i64 {
    let month = i64::from(month.clamp(1, 12));
    // Count years from March so the leap day is the last day of the year. (Saturating only
    // matters for a year of i64::MIN, whose result saturates anyway.)
    let y = year.saturating_sub(i64::from(month <= 2));
    let era = y.div_euclid(400);
    let year_of_era = y.rem_euclid(400);
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    // Wide arithmetic from here on: only additions and multiplications, no overflow.
    // 719_468 days from 0000-03-01 to 1970-01-01.
    let days = i128::from(era) * 146_097 + i128::from(day_of_era) - 719_468;
    let secs = days * i128::from(SECS_PER_DAY)
        + i128::from(hour) * 3600
        + i128::from(min) * 60
        + i128::from(sec);
    i64::try_from(secs).unwrap_or(if secs < 0 { i64::MIN } else { i64::MAX })
}

/// Unix seconds to civil date and time (proleptic Gregorian, UTC):
/// `(year, month, day, hour, minute, second)`.
pub fn civil_from_unix(ts: i64) -> (i64, u32, u32, u32, u32, u32) {
    let days = ts.div_euclid(SECS_PER_DAY);
    let secs_of_day = ts.rem_euclid(SECS_PER_DAY);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    // All of these are small and non-negative by construction.
    let small = |v: i64| u32::try_from(v).unwrap_or(0);
    (
        year,
        small(month),
        small(day),
        small(secs_of_day / 3600),
        small(secs_of_day / 60 % 60),
        small(secs_of_day % 60),
    )
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

fn strip_eol(line: &str) -> &str {
    line.trim_end_matches(['\r', '\n'])
}

fn is_blank(line: &str) -> bool {
    line.bytes().all(|c| c == b' ' || c == b'\t')
}

/// Splits around the first occurrence of an ASCII byte (cheaper than a `char` pattern).
fn split_at_byte(s: &str, sep: u8) -> Option<(&str, &str)> {
    let i = s.bytes().position(|c| c == sep)?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

fn is_dot_name(name: &str) -> bool {
    name == "." || name == ".."
}

fn valid_date(month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

/// ASCII-case-insensitive `strip_prefix`; `prefix` must be ASCII.
fn strip_prefix_ic<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// A short run of decimal digits (at most nine, so it fits a `u32`).
fn parse_num(b: &[u8]) -> Option<u32> {
    if b.is_empty() || b.len() > 9 {
        return None;
    }
    b.iter().try_fold(0u32, |n, &c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// A decimal `u64`; `None` when empty, not all digits, or too large.
fn parse_u64(b: &[u8]) -> Option<u64> {
    if b.is_empty() {
        return None;
    }
    b.iter().try_fold(0u64, |n, &c| {
        if c.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(c - b'0'))
        } else {
            None
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-11-22 00:00:00 UTC: "Nov 21 12:00" is yesterday, so year 2026.
    const NOW: i64 = 1_795_305_600;
    /// 2026-11-21 12:00:00 UTC.
    const NOV21_NOON: i64 = 1_795_262_400;

    fn ts(y: i64, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> i64 {
        unix_from_civil(y, mo, d, h, mi, s)
    }

    fn list(line: &str) -> Entry {
        match parse_list_line(line, NOW) {
            Ok(Some(e)) => e,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    fn mlsd(line: &str) -> Entry {
        match parse_mlsd_line(line) {
            Ok(Some(e)) => e,
            other => panic!("{line:?} gave {other:?}"),
        }
    }

    fn entry(name: &str, kind: EntryKind, size: u64, mtime: Option<i64>) -> Entry {
        Entry {
            name: name.to_owned(),
            kind,
            size,
            mtime,
            perms: None,
            link_target: None,
        }
    }

    fn with_perms(mut e: Entry, perms: &str) -> Entry {
        e.perms = Some(perms.into());
        e
    }

    fn with_target(mut e: Entry, target: &str) -> Entry {
        e.link_target = Some(target.into());
        e
    }

    // --- civil time ------------------------------------------------------------------------

    #[test]
    fn civil_known_values() {
        assert_eq!(unix_from_civil(1970, 1, 1, 0, 0, 0), 0);
        assert_eq!(unix_from_civil(2026, 11, 21, 12, 0, 0), NOV21_NOON);
        assert_eq!(unix_from_civil(2024, 2, 29, 0, 0, 0), 1_709_164_800);
        assert_eq!(unix_from_civil(2000, 2, 29, 12, 34, 56), 951_827_696);
        assert_eq!(unix_from_civil(1969, 12, 31, 23, 59, 59), -1);
        assert_eq!(unix_from_civil(1900, 1, 1, 0, 0, 0), -2_208_988_800);
        assert_eq!(unix_from_civil(1600, 2, 29, 0, 0, 0), -11_670_998_400);
        assert_eq!(unix_from_civil(1, 1, 1, 0, 0, 0), -62_135_596_800);
        assert_eq!(unix_from_civil(9999, 12, 31, 23, 59, 59), 253_402_300_799);
        assert_eq!(civil_from_unix(0), (1970, 1, 1, 0, 0, 0));
        assert_eq!(civil_from_unix(-1), (1969, 12, 31, 23, 59, 59));
        assert_eq!(civil_from_unix(951_827_696), (2000, 2, 29, 12, 34, 56));
        assert_eq!(civil_from_unix(-11_670_998_400), (1600, 2, 29, 0, 0, 0));
        assert_eq!(civil_from_unix(-62_135_596_800), (1, 1, 1, 0, 0, 0));
    }

    #[test]
    fn civil_leap_days() {
        // 1900 is not a leap year: Feb 29 rolls over to Mar 1. 2000 and 2024 are.
        assert_eq!(ts(1900, 2, 29, 0, 0, 0), ts(1900, 3, 1, 0, 0, 0));
        assert_eq!(
            civil_from_unix(ts(2000, 2, 29, 0, 0, 0)),
            (2000, 2, 29, 0, 0, 0)
        );
        assert_eq!(
            civil_from_unix(ts(2024, 2, 29, 23, 59, 59)),
            (2024, 2, 29, 23, 59, 59)
        );
        assert_eq!(
            ts(2024, 3, 1, 0, 0, 0) - ts(2024, 2, 28, 0, 0, 0),
            2 * SECS_PER_DAY
        );
        assert_eq!(
            ts(2023, 3, 1, 0, 0, 0) - ts(2023, 2, 28, 0, 0, 0),
            SECS_PER_DAY
        );
        assert_eq!(
            civil_from_unix(ts(1968, 2, 29, 6, 0, 0)),
            (1968, 2, 29, 6, 0, 0)
        );
    }

    #[test]
    fn civil_round_trip() {
        // Every day from 1600 to 2400 and a spread of times of day, before and after 1970.
        let mut t = ts(1600, 1, 1, 0, 0, 0);
        let end = ts(2400, 12, 31, 0, 0, 0);
        let mut previous = civil_from_unix(t - 1);
        while t < end {
            let c = civil_from_unix(t);
            assert_eq!(unix_from_civil(c.0, c.1, c.2, c.3, c.4, c.5), t, "{c:?}");
            assert!((1..=12).contains(&c.1) && (1..=31).contains(&c.2));
            assert!(c.3 < 24 && c.4 < 60 && c.5 < 60);
            assert!(c > previous, "{previous:?} then {c:?}");
            previous = c;
            t += SECS_PER_DAY + 3607;
        }
        for y in [
            -4000, -1, 0, 1, 1583, 1969, 1970, 2038, 2100, 10_000, 1_000_000,
        ] {
            for (m, d) in [(1, 1), (2, 28), (3, 1), (12, 31)] {
                let t = ts(y, m, d, 13, 14, 15);
                assert_eq!(civil_from_unix(t), (y, m, d, 13, 14, 15));
            }
        }
    }

    #[test]
    fn civil_extremes_do_not_panic() {
        for t in [i64::MIN, i64::MIN + 1, -1, i64::MAX - 1, i64::MAX] {
            let c = civil_from_unix(t);
            assert!((1..=12).contains(&c.1) && (1..=31).contains(&c.2));
        }
        assert_eq!(unix_from_civil(i64::MAX, 12, 31, 23, 59, 59), i64::MAX);
        assert_eq!(unix_from_civil(i64::MIN, 1, 1, 0, 0, 0), i64::MIN);
        let _ = unix_from_civil(2024, 0, 0, u32::MAX, u32::MAX, u32::MAX);
        let _ = unix_from_civil(2024, u32::MAX, u32::MAX, 0, 0, 0);
    }

    // --- MLSD ------------------------------------------------------------------------------

    #[test]
    fn mlsd_pure_ftpd() {
        let e = mlsd(
            "type=file;size=12;modify=20261121120000;UNIX.mode=0644;UNIX.uid=1000;UNIX.gid=1000;unique=803g2a4; a.txt\r\n",
        );
        let want = entry("a.txt", EntryKind::File, 12, Some(NOV21_NOON));
        assert_eq!(e, with_perms(want, "rw-r--r--"));
    }

    #[test]
    fn mlsd_proftpd() {
        let e = mlsd(
            "modify=20261121120000;perm=adfrw;size=12;type=file;unique=FD00U2A4;UNIX.group=1000;UNIX.mode=0644;UNIX.owner=1000; a.txt",
        );
        let want = entry("a.txt", EntryKind::File, 12, Some(NOV21_NOON));
        assert_eq!(e, with_perms(want, "rw-r--r--"));

        let e = mlsd(
            "modify=20261121120000;perm=adfrw;size=7;type=OS.unix=symlink;unique=FD00U2A5;UNIX.group=0;UNIX.mode=0777;UNIX.owner=0; latest",
        );
        let want = entry("latest", EntryKind::Symlink, 7, Some(NOV21_NOON));
        assert_eq!(e, with_perms(want, "rwxrwxrwx"));

        let e =
            mlsd("modify=20261121120000;perm=flcdmpe;type=dir;unique=FD00U2;UNIX.mode=0755; pub");
        assert_eq!(e.kind, EntryKind::Dir);
        assert_eq!(e.perms.as_deref(), Some("rwxr-xr-x"));
    }

    #[test]
    fn mlsd_slink_with_target() {
        let e = mlsd("type=OS.unix=slink:/srv/ftp/releases/1.2;size=22; current");
        let want = entry("current", EntryKind::Symlink, 22, None);
        assert_eq!(e, with_target(want, "/srv/ftp/releases/1.2"));
        let e = mlsd("Type=os.UNIX=SLINK:; current");
        assert_eq!((e.kind, e.link_target), (EntryKind::Symlink, None));
        let e = mlsd("type=OS.unix=symlink:../x; rel");
        assert_eq!(e.link_target.as_deref(), Some("../x"));
    }

    #[test]
    fn mlsd_other_os_types() {
        for t in [
            "OS.unix=chr-1/3",
            "OS.unix=blk-8/0",
            "OS.unix=fifo",
            "os.unix=socket",
            "OS.z/OS",
        ] {
            let e = mlsd(&format!("type={t};size=0; dev"));
            assert_eq!(e.kind, EntryKind::Other, "{t}");
        }
        assert_eq!(mlsd("type=weird; x").kind, EntryKind::Other);
    }

    #[test]
    fn mlsd_libunftp() {
        let e = mlsd("type=dir;size=4096;modify=20261121120000;unix.uid=0;unix.gid=0; sub dir");
        assert_eq!(e, entry("sub dir", EntryKind::Dir, 4096, Some(NOV21_NOON)));
    }

    #[test]
    fn mlsd_lines_without_entries() {
        for line in [
            "type=cdir;sizd=4096;modify=20261121120000;perm=flcdmpe; .",
            "type=pdir;sizd=4096;modify=20261121120000;perm=flcdmpe; ..",
            "type=cdir;perm=el; /pub/some dir",
            "Type=CDir; /",
            "TYPE=PDIR; /",
            "type=dir; .",
            "type=dir; ..",
            "",
            "\r\n",
            "   ",
        ] {
            assert_eq!(parse_mlsd_line(line), Ok(None), "{line:?}");
        }
    }

    #[test]
    fn mlsd_names_keep_spaces_and_semicolons() {
        assert_eq!(
            mlsd("type=file;size=1;  two leading.txt").name,
            " two leading.txt"
        );
        assert_eq!(mlsd("type=file;size=1; a; b;c=d.txt").name, "a; b;c=d.txt");
        assert_eq!(
            mlsd("type=file;size=1; trailing space ").name,
            "trailing space "
        );
        assert_eq!(
            mlsd("type=file;size=1; 数据 文件.txt\r").name,
            "数据 文件.txt"
        );
        assert_eq!(mlsd("type=file;size=1; ...").name, "...");
        // No facts at all (RFC 3659 allows it): the line is a space and the name.
        assert_eq!(
            mlsd(" bare name"),
            entry("bare name", EntryKind::File, 0, None)
        );
    }

    #[test]
    fn mlsd_fact_details() {
        // Missing type is a file; fact names and values are case-insensitive.
        assert_eq!(mlsd("size=5; f").kind, EntryKind::File);
        let e = mlsd("TYPE=DIR;SIZD=512;MODIFY=20000229123456.789; d");
        assert_eq!(e, entry("d", EntryKind::Dir, 512, Some(951_827_696)));
        // size wins over sizd when both are present.
        assert_eq!(mlsd("type=dir;sizd=512;size=9; d").size, 9);
        // perm is kept when there is no unix.mode.
        assert_eq!(
            mlsd("type=file;perm=adfrw; f").perms.as_deref(),
            Some("adfrw")
        );
        assert_eq!(mlsd("type=file;perm=; f").perms, None);
        // Special bits render like ls.
        assert_eq!(
            mlsd("unix.mode=4755; f").perms.as_deref(),
            Some("rwsr-xr-x")
        );
        assert_eq!(
            mlsd("unix.mode=2640; f").perms.as_deref(),
            Some("rw-r-S---")
        );
        assert_eq!(
            mlsd("unix.mode=1777; f").perms.as_deref(),
            Some("rwxrwxrwt")
        );
        assert_eq!(
            mlsd("unix.mode=1776; f").perms.as_deref(),
            Some("rwxrwxrwT")
        );
        assert_eq!(
            mlsd("unix.mode=100644; f").perms.as_deref(),
            Some("rw-r--r--")
        );
        // Malformed values of known facts lose only that fact.
        let e = mlsd("type=file;size=12k;modify=2026;unix.mode=0999;perm=r; f");
        assert_eq!(with_perms(entry("f", EntryKind::File, 0, None), "r"), e);
        assert_eq!(mlsd("modify=20261321120000; f").mtime, None);
        assert_eq!(mlsd("modify=20261121120000.; f").mtime, None);
        assert_eq!(mlsd("modify=20261121120000Z; f").mtime, None);
        assert_eq!(mlsd("size=18446744073709551615; f").size, u64::MAX);
        assert_eq!(mlsd("size=18446744073709551616; f").size, 0);
    }

    #[test]
    fn mlsd_errors() {
        for line in [
            "type=file;size=12;a.txt",
            "-rw-r--r--   1 ftp      ftp            12 Nov 21 12:00 a.txt",
            "hello world",
            "type=file;=x; f",
            "type=file;size=1; ",
            "12-01-24  10:00AM       <DIR>          folder",
        ] {
            let err = parse_mlsd_line(line).expect_err(line);
            assert!(!err.to_string().is_empty());
        }
    }

    // --- Unix LIST -------------------------------------------------------------------------

    #[test]
    fn unix_vsftpd() {
        let e = list("drwxr-xr-x    2 1000     1000         4096 Nov 21 12:00 dir with spaces");
        let want = entry("dir with spaces", EntryKind::Dir, 4096, Some(NOV21_NOON));
        assert_eq!(e, with_perms(want, "rwxr-xr-x"));

        let e = list("-rw-r--r--    1 0        0         3145728 Jan 02  2024 big.bin\r\n");
        let want = entry("big.bin", EntryKind::File, 3_145_728, Some(1_704_153_600));
        assert_eq!(e, with_perms(want, "rw-r--r--"));

        let e =
            list("lrwxrwxrwx    1 0        0              13 Nov 21 12:00 latest -> releases/1.2");
        let want = entry("latest", EntryKind::Symlink, 13, Some(NOV21_NOON));
        assert_eq!(
            e,
            with_target(with_perms(want, "rwxrwxrwx"), "releases/1.2")
        );
    }

    #[test]
    fn unix_pure_ftpd() {
        let e = list("-rw-r--r--    1 1000       1000            12 Nov 21 12:00 a.txt");
        let want = entry("a.txt", EntryKind::File, 12, Some(NOV21_NOON));
        assert_eq!(e, with_perms(want, "rw-r--r--"));
        assert_eq!(
            list("drwxr-xr-x    2 1000       1000          4096 Jan  1  2020 old").mtime,
            Some(1_577_836_800)
        );
    }

    #[test]
    fn unix_proftpd() {
        let e = list("-rw-r--r--   1 ftp      ftp            12 Nov 21 12:00 a.txt");
        let want = entry("a.txt", EntryKind::File, 12, Some(NOV21_NOON));
        assert_eq!(e, with_perms(want, "rw-r--r--"));
        let e = list("drwxr-sr-x   3 ftp      ftp          4096 Dec 31  1999 y2k");
        assert_eq!(e.perms.as_deref(), Some("rwxr-sr-x"));
        assert_eq!(e.mtime, Some(ts(1999, 12, 31, 0, 0, 0)));
    }

    #[test]
    fn unix_libunftp_wide_columns() {
        // libunftp: `{type}{perms} {links:>12} {uid:>12} {gid:>12} {size:14} {date:>12} {name}`.
        let e = list(
            "-rw-r--r--            1            0            0        3145728 Nov 21 23:51 big.bin",
        );
        let want = entry(
            "big.bin",
            EntryKind::File,
            3_145_728,
            Some(ts(2026, 11, 21, 23, 51, 0)),
        );
        assert_eq!(e, with_perms(want, "rw-r--r--"));
        let e = list(
            "drwxr-xr-x            2         1000         1000           4096  Jan 02 2024 old dir",
        );
        assert_eq!(e.name, "old dir");
        assert_eq!(e.mtime, Some(1_704_153_600));
        let e = list(
            "lrwxrwxrwx            1         1000         1000              5 Nov 21 12:00 ln -> a.txt",
        );
        assert_eq!(
            (e.name.as_str(), e.link_target.as_deref()),
            ("ln", Some("a.txt"))
        );
        // libunftp's placeholder for an unreadable mtime.
        let e = list(
            "-rw-r--r--            1         1000         1000             12 --- -- --:-- nodate",
        );
        assert_eq!(
            e,
            with_perms(entry("nodate", EntryKind::File, 12, None), "rw-r--r--")
        );
    }

    #[test]
    fn unix_mode_suffixes() {
        for (line, perms) in [
            (
                "-rw-r--r--. 1 root root 12 Nov 21 12:00 selinux",
                "rw-r--r--",
            ),
            ("drwxrwxr-x+ 4 root root 4096 Nov 21 12:00 acl", "rwxrwxr-x"),
            (
                "-rw-r--r--@ 1 user staff 12 Nov 21 12:00 xattr",
                "rw-r--r--",
            ),
            ("drwxrwxrwt 10 root root 4096 Nov 21 12:00 tmp", "rwxrwxrwt"),
            ("-rwsr-xr-x 1 root root 12 Nov 21 12:00 suid", "rwsr-xr-x"),
            ("-rw-r-lr-- 1 root root 12 Nov 21 12:00 lock", "rw-r-lr--"),
        ] {
            let e = list(line);
            assert_eq!(e.perms.as_deref(), Some(perms), "{line}");
            assert_eq!(e.mtime, Some(NOV21_NOON), "{line}");
        }
    }

    #[test]
    fn unix_field_count_variants() {
        let want = with_perms(
            entry("f", EntryKind::File, 1234, Some(NOV21_NOON)),
            "rw-r--r--",
        );
        for line in [
            // Missing group.
            "-rw-r--r--   1 ftp      1234 Nov 21 12:00 f",
            "-rw-r--r--   1 ftp          1234 Nov 21 12:00 f",
            // Numeric ids.
            "-rw-r--r--   1 1000 1000 1234 Nov 21 12:00 f",
            // Missing link count and group.
            "-rw-r--r-- ftp 1234 Nov 21 12:00 f",
            // Group with a space in it (Windows domain groups).
            "-rw-r--r--   1 user domain users 1234 Nov 21 12:00 f",
            // Owners and groups that look like months.
            "-rw-r--r--   1 may      jun          1234 Nov 21 12:00 f",
            "-rw-r--r--   1 dec      1234 Nov 21 12:00 f",
            // Month names in any case.
            "-rw-r--r--   1 ftp ftp 1234 NOV 21 12:00 f",
            "-rw-r--r--   1 ftp ftp 1234 nov 21 12:00 f",
        ] {
            assert_eq!(list(line), want, "{line}");
        }
    }

    #[test]
    fn unix_special_types() {
        let e = list("crw-rw-rw- 1 root root 1, 3 Jan 1 2020 null");
        let want = entry("null", EntryKind::Other, 0, Some(1_577_836_800));
        assert_eq!(e, with_perms(want, "rw-rw-rw-"));
        let e = list("brw-rw----   1 root     disk       8,   0 Nov 21 12:00 sda");
        assert_eq!(
            (e.name.as_str(), e.kind, e.size),
            ("sda", EntryKind::Other, 0)
        );
        let e = list("crw--w----   1 root     tty      136,0 Nov 21 12:00 pts0");
        assert_eq!(
            (e.name.as_str(), e.kind, e.size),
            ("pts0", EntryKind::Other, 0)
        );
        for line in [
            "prw-r--r--   1 root     root            0 Nov 21 12:00 fifo",
            "srwxrwxrwx   1 root     root            0 Nov 21 12:00 sock",
            "Drw-r--r--   1 root     root            0 Nov 21 12:00 door",
        ] {
            let e = list(line);
            assert_eq!(
                (e.kind, e.size, e.mtime),
                (EntryKind::Other, 0, Some(NOV21_NOON))
            );
        }
    }

    #[test]
    fn unix_links() {
        let e = list("lrwxrwxrwx 1 root root 7 Nov 21 12:00 bin -> usr/bin");
        assert_eq!(
            (e.name.as_str(), e.link_target.as_deref()),
            ("bin", Some("usr/bin"))
        );
        // Only the first " -> " splits: the target may contain one.
        let e = list("lrwxrwxrwx 1 root root 7 Nov 21 12:00 a -> b -> c");
        assert_eq!(
            (e.name.as_str(), e.link_target.as_deref()),
            ("a", Some("b -> c"))
        );
        // Some servers do not show targets.
        let e = list("lrwxrwxrwx 1 root root 7 Nov 21 12:00 bin");
        assert_eq!(
            (e.name.as_str(), e.link_target, e.kind),
            ("bin", None, EntryKind::Symlink)
        );
        // A plain file whose name contains " -> " keeps its whole name.
        let e = list("-rw-r--r-- 1 root root 7 Nov 21 12:00 a -> b.txt");
        assert_eq!((e.name.as_str(), e.link_target), ("a -> b.txt", None));
        let e = list("lrwxrwxrwx 1 root root 7 Nov 21 12:00 spaced name -> ../other place");
        assert_eq!(e.name, "spaced name");
        assert_eq!(e.link_target.as_deref(), Some("../other place"));
    }

    #[test]
    fn unix_names() {
        let line = "-rw-r--r--    1 1000     1000           12 Nov 21 12:00   two leading spaces";
        assert_eq!(list(line).name, "  two leading spaces");
        let line = "-rw-r--r--    1 1000     1000           12 Jan  1  2020  one leading";
        assert_eq!(list(line).name, " one leading");
        let line = "-rw-r--r--    1 1000     1000           12 Nov 21 12:00 inner   spaces  ";
        assert_eq!(list(line).name, "inner   spaces  ");
        let line = "-rw-r--r--    1 1000     1000           12 Nov 21 12:00 数据 文件.txt\r";
        assert_eq!(list(line).name, "数据 文件.txt");
        let line = "-rw-r--r--    1 用户     组             12 Nov 21 12:00 ファイル";
        assert_eq!(list(line).name, "ファイル");
        // A name that looks like a date is not mistaken for one.
        let line = "-rw-r--r-- 1 ftp ftp 12 Nov 21 12:00 Jan 1 2020";
        assert_eq!(list(line).name, "Jan 1 2020");
        let line = "-rw-r--r-- 1 ftp ftp 12 Nov 21 12:00 ...";
        assert_eq!(list(line).name, "...");
    }

    #[test]
    fn unix_dates() {
        let e = list("-rw-r--r-- 1 user group 1234 2024-01-02 09:30 iso name");
        assert_eq!(e.mtime, Some(ts(2024, 1, 2, 9, 30, 0)));
        assert_eq!(e.name, "iso name");
        let e = list("-rw-r--r-- 1 user group 1234 Feb 29  2024 leap");
        assert_eq!(e.mtime, Some(1_709_164_800));
        let e = list("-rw-r--r-- 1 user group 1234 Nov 21 9:05 short hour");
        assert_eq!(e.mtime, Some(ts(2026, 11, 21, 9, 5, 0)));
        let e = list("-rw-r--r-- 1 user group 1234 Nov 21 12:00:30 seconds");
        assert_eq!(e.mtime, Some(NOV21_NOON + 30));
    }

    #[test]
    fn unix_year_inference() {
        let now = ts(2026, 1, 2, 0, 0, 0);
        let at = |line: &str| {
            parse_list_line(line, now)
                .ok()
                .flatten()
                .and_then(|e| e.mtime)
        };
        let line = |date: &str| format!("-rw-r--r-- 1 ftp ftp 1 {date} f");
        // Dec 31 would be a year ahead: it is last year's.
        assert_eq!(at(&line("Dec 31 23:00")), Some(ts(2025, 12, 31, 23, 0, 0)));
        assert_eq!(at(&line("Jan  1 00:00")), Some(ts(2026, 1, 1, 0, 0, 0)));
        // Up to a day in the future is allowed (clock skew, time zones).
        assert_eq!(at(&line("Jan  2 23:00")), Some(ts(2026, 1, 2, 23, 0, 0)));
        assert_eq!(at(&line("Jan  3 01:00")), Some(ts(2025, 1, 3, 1, 0, 0)));
        assert_eq!(at(&line("Jun 15 12:00")), Some(ts(2025, 6, 15, 12, 0, 0)));
        // With `now` in late December the whole year is this year's.
        let now = ts(2025, 12, 31, 23, 30, 0);
        let at = |line: &str| {
            parse_list_line(line, now)
                .ok()
                .flatten()
                .and_then(|e| e.mtime)
        };
        assert_eq!(at(&line("Dec 31 23:00")), Some(ts(2025, 12, 31, 23, 0, 0)));
        assert_eq!(at(&line("Jan  1 00:00")), Some(ts(2025, 1, 1, 0, 0, 0)));
    }

    #[test]
    fn unix_lines_without_entries() {
        for line in [
            "total 123",
            "total 0\r\n",
            "total 1.5M",
            "",
            "\r",
            "    ",
            "drwxr-xr-x    2 0        0            4096 Nov 21 12:00 .",
            "drwxr-xr-x    5 0        0            4096 Nov 21 12:00 ..",
            "11-21-26  12:00PM       <DIR>          .",
        ] {
            assert_eq!(parse_list_line(line, NOW), Ok(None), "{line:?}");
        }
    }

    // --- DOS / IIS -------------------------------------------------------------------------

    #[test]
    fn dos_iis() {
        let e = list("11-21-26  12:00PM       <DIR>          folder");
        assert_eq!(e, entry("folder", EntryKind::Dir, 0, Some(NOV21_NOON)));
        let e = list("11-21-26  12:00PM                 1234 a file.txt\r\n");
        assert_eq!(
            e,
            entry("a file.txt", EntryKind::File, 1234, Some(NOV21_NOON))
        );
        let e = list("11-21-2026  14:05       1,234 report final.docx");
        let want = entry(
            "report final.docx",
            EntryKind::File,
            1234,
            Some(ts(2026, 11, 21, 14, 5, 0)),
        );
        assert_eq!(e, want);
        let e = list("11-21-26  12:00AM              1,234,567 midnight.bin");
        assert_eq!(
            (e.size, e.mtime),
            (1_234_567, Some(ts(2026, 11, 21, 0, 0, 0)))
        );
        let e = list("01-02-99  09:15am                    0 empty");
        assert_eq!(e.mtime, Some(ts(1999, 1, 2, 9, 15, 0)));
        let e = list("01-02-69  11:59PM                    0 far");
        assert_eq!(e.mtime, Some(ts(2069, 1, 2, 23, 59, 0)));
        let e = list("12-31-70  01:00PM       <DIR>          seventies");
        assert_eq!(e.mtime, Some(ts(1970, 12, 31, 13, 0, 0)));
    }

    #[test]
    fn dos_names() {
        // IIS pads `<DIR>` to a fixed column; an eleventh space belongs to the name.
        assert_eq!(
            list("11-21-26  12:00PM       <DIR>           lead").name,
            " lead"
        );
        assert_eq!(
            list("11-21-26  12:00PM       <DIR>          a  b ").name,
            "a  b "
        );
        assert_eq!(
            list("11-21-26  12:00PM  <DIR>  short pad").name,
            "short pad"
        );
        assert_eq!(list("11-21-26  12:00PM <DIR> one").name, "one");
        assert_eq!(
            list("11-21-26  12:00PM            12  lead file").name,
            " lead file"
        );
        assert_eq!(
            list("11-21-26  12:00PM            12 数据 文件.txt").name,
            "数据 文件.txt"
        );
    }

    #[test]
    fn dos_windows_dir_style() {
        let e = list("11/21/2026  02:05 PM    <DIR>          Program Files");
        let want = entry(
            "Program Files",
            EntryKind::Dir,
            0,
            Some(ts(2026, 11, 21, 14, 5, 0)),
        );
        assert_eq!(e, want);
        let e = list("11/21/2026  02:05 PM    <JUNCTION>     Docs [C:\\Users\\me\\Documents]");
        assert_eq!(e.kind, EntryKind::Symlink);
        assert_eq!(e.name, "Docs");
        assert_eq!(e.link_target.as_deref(), Some("C:\\Users\\me\\Documents"));
        let e = list("2026-11-21  14:05    <SYMLINK>      cfg [x y]");
        assert_eq!(
            (e.name.as_str(), e.link_target.as_deref()),
            ("cfg", Some("x y"))
        );
        // Brackets in a plain file name are just part of the name.
        assert_eq!(list("11-21-26  12:00PM   3 a [b]").name, "a [b]");
    }

    #[test]
    fn dos_errors() {
        for line in [
            "11-21-26  13:00PM       <DIR>          bad hour",
            "11-21-26  00:30AM       <DIR>          bad hour",
            "13-21-26  12:00PM       <DIR>          bad month",
            "11-32-26  12:00PM       <DIR>          bad day",
            "11-21-2  12:00PM       <DIR>          bad year",
            "11-21-26  24:00       <DIR>          bad hour",
            "11-21-26  12:00PM",
            "11-21-26  12:00PM       <DIR>",
            "11-21-26  12:00PM       <DIR>          ",
            "11-21-26  12:00PM       12",
            "11-21-26  12:00PM       1.234 dotted",
            "11-21-26  12:00PM       -1 negative",
            "11-21-26  12:00PM       99999999999999999999999 huge",
            "11-21-26",
            "1",
            "123 456 789",
        ] {
            assert!(parse_list_line(line, NOW).is_err(), "{line:?}");
        }
    }

    // --- garbage and robustness ------------------------------------------------------------

    #[test]
    fn list_garbage_is_rejected() {
        let long = "x".repeat(100_000);
        let long_mode = format!("-rw-r--r-- 1 a b 12 Nov 21 12:00 {}", "y ".repeat(50_000));
        let many_fields = format!("-rw-r--r-- {}12 Nov 21 12:00 f", "1 ".repeat(40));
        for line in [
            "drwxr-xr-x",
            "-rw-r--r-- 1 a b",
            "-rw-r--r-- 1 a b 12",
            "-rw-r--r-- 1 a b 12 Nov",
            "-rw-r--r-- 1 a b 12 Nov 21",
            "-rw-r--r-- 1 a b 12 Nov 21 12:00",
            "-rw-r--r-- 1 a b 12 Nov 21 12:00 ",
            "-rw-r--r-- 1 a b 12 Foo 21 12:00 f",
            "-rw-r--r-- 1 a b 12 Nov 32 12:00 f",
            "-rw-r--r-- 1 a b 12 Nov 21 25:00 f",
            "-rw-r--r-- 1 a b 12 Nov 21 12:60 f",
            "-rw-r--r-- 1 a b 12 Nov 21 20201 f",
            "-rw-r--r-- 1 a b 12 2024-13-02 12:00 f",
            "-rw-r--r-- 1 a b 1x2 Nov 21 12:00 f",
            "-rw-r--r-- 1 a b 99999999999999999999999 Nov 21 12:00 f",
            "-rw-r--r-- Nov 21 12:00 f",
            "-rw-r--r--x 1 a b 12 Nov 21 12:00 f",
            "-rw-r--r-+ 1 a b 12 Nov 21 12:00 f",
            "-rwxrwxrwxrwx 1 a b 12 Nov 21 12:00 f",
            "xrw-r--r-- 1 a b 12 Nov 21 12:00 f",
            "-rw-r--r-- 1 a b 12 Nov 21 12:00\tf",
            "d [RWCEAFMS] supervisor 512 Jan 16 18:53 netware",
            "+i8388621.48594,m825718503,r,s280,\tdjb.html",
            "CORE.DIR;1      1  8-SEP-1996 16:09 [SYSTEM] (RWED,RWED,RE,RE)",
            "type=file;size=12; a.txt",
            "total",
            "total words here",
            "hello world",
            "\u{feff}",
            "\0\0\0",
            "🦀🦀🦀 🦀 🦀",
            &long,
            &many_fields,
        ] {
            let shown: String = line.chars().take(60).collect();
            let err = parse_list_line(line, NOW).expect_err(&shown);
            assert!(!err.reason.is_empty());
        }
        // A very long name is fine, though.
        assert_eq!(list(&long_mode).name.len(), 100_000);
    }

    #[test]
    fn error_display() {
        let err = parse_list_line("drwxr-xr-x", NOW).unwrap_err();
        assert_eq!(err.to_string(), err.reason);
        let boxed: Box<dyn std::error::Error> = Box::new(err);
        assert!(!boxed.to_string().is_empty());
        let err = parse_list_line("bogus", NOW).unwrap_err();
        assert!(err.to_string().contains("unrecognised"), "{err}");
        let err = parse_list_line("-rw-r--r-- 1 a b 12", NOW).unwrap_err();
        assert!(err.to_string().contains("date"), "{err}");
    }

    /// Real-format lines, LIST and MLSD, used by the robustness tests.
    const CORPUS: &[&str] = &[
        "drwxr-xr-x    2 1000     1000         4096 Nov 21 12:00 dir with spaces",
        "-rw-r--r--    1 0        0         3145728 Jan 02  2024 big.bin\r\n",
        "-rw-r--r--    1 1000       1000            12 Nov 21 12:00 a.txt",
        "-rw-r--r--   1 ftp      ftp            12 Nov 21 12:00 a.txt",
        "-rw-r--r--            1            0            0        3145728 Nov 21 23:51 big.bin",
        "-rw-r--r--            1         1000         1000             12 --- -- --:-- nodate",
        "lrwxrwxrwx    1 0        0              13 Nov 21 12:00 latest -> releases/1.2",
        "-rw-r--r--. 1 root root 12 Nov 21 12:00 selinux",
        "drwxrwxr-x+ 4 root root 4096 Nov 21 12:00 acl",
        "-rw-r--r--   1 ftp      1234 Jan 01 12:00 name",
        "crw-rw-rw- 1 root root 1, 3 Jan 1 2020 null",
        "brw-rw----   1 root     disk       8,   0 Nov 21 12:00 sda",
        "prw-r--r--   1 root     root            0 Nov 21 12:00 fifo",
        "-rw-r--r-- 1 user group 1234 2024-01-02 09:30 iso name",
        "-rw-r--r--    1 1000     1000           12 Nov 21 12:00   two leading spaces",
        "-rw-r--r--    1 1000     1000           12 Nov 21 12:00 数据 文件.txt\r",
        "-rw-r--r-- 1 root root 7 Nov 21 12:00 a -> b.txt",
        "total 123",
        "11-21-26  12:00PM       <DIR>          folder",
        "11-21-2026  14:05       1,234 report final.docx",
        "11/21/2026  02:05 PM    <JUNCTION>     Docs [C:\\Users\\me\\Documents]",
        "type=file;size=12;modify=20261121120000;UNIX.mode=0644;UNIX.uid=1000;UNIX.gid=1000;unique=803g2a4; a.txt",
        "modify=20261121120000;perm=adfrw;size=12;type=file;unique=FD00U2A4;UNIX.group=1000;UNIX.mode=0644;UNIX.owner=1000; a.txt",
        "modify=20261121120000;perm=adfrw;size=7;type=OS.unix=symlink;unique=FD00U2A5; latest",
        "type=OS.unix=slink:/srv/ftp/releases/1.2;size=22; current",
        "type=cdir;sizd=4096;modify=20261121120000;perm=flcdmpe; .",
        "type=file;size=1; a; b;c=d.txt",
        "TYPE=DIR;SIZD=512;MODIFY=20000229123456.789; 数据 文件",
    ];

    fn check_both(line: &str) {
        for result in [parse_list_line(line, NOW), parse_mlsd_line(line)] {
            match result {
                Ok(Some(e)) => {
                    assert!(!e.name.is_empty(), "{line:?}");
                    assert!(!e.name.ends_with('\r'), "{line:?}");
                }
                Ok(None) => {}
                Err(err) => assert!(!err.reason.is_empty()),
            }
        }
    }

    #[test]
    fn every_prefix_of_the_corpus() {
        for line in CORPUS {
            for (i, _) in line.char_indices() {
                check_both(line.get(..i).unwrap_or(""));
                check_both(line.get(i..).unwrap_or(""));
            }
            check_both(line);
        }
    }

    #[test]
    fn extreme_now_values() {
        for now in [i64::MIN, i64::MIN + 1, -1, 0, i64::MAX - 1, i64::MAX] {
            for line in CORPUS {
                let _ = parse_list_line(line, now);
            }
            let e = parse_list_line("-rw-r--r-- 1 a b 1 Feb 29 12:00 f", now);
            assert!(matches!(e, Ok(Some(_))), "{now}: {e:?}");
        }
        let e = list("-rw-r--r-- 1 a b 1 Jan  1  9999 far future");
        assert_eq!(e.mtime, Some(ts(9999, 1, 1, 0, 0, 0)));
    }

    #[test]
    fn random_mutations_do_not_panic() {
        // xorshift64: deterministic and dependency-free.
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let alphabet: &[u8] = b" -:;=,.<>+@/0123456789drwxlcbpsDtTAPMJanNovDec\r\n\t\xff\xe6";
        for round in 0..20_000u64 {
            let base = CORPUS[(next() % CORPUS.len() as u64) as usize];
            let mut bytes = base.as_bytes().to_vec();
            for _ in 0..(1 + next() % 4) {
                let pos = (next() % (bytes.len() as u64 + 1)) as usize;
                let c = alphabet[(next() % alphabet.len() as u64) as usize];
                match next() % 3 {
                    0 if pos < bytes.len() => bytes[pos] = c,
                    1 if pos < bytes.len() => {
                        bytes.remove(pos);
                    }
                    _ => bytes.insert(pos, c),
                }
            }
            if round % 7 == 0 {
                bytes = (0..next() % 80).map(|_| next() as u8).collect();
            }
            check_both(&String::from_utf8_lossy(&bytes));
        }
    }

    #[test]
    fn many_lines_are_fast() {
        let lines: Vec<String> = (0..100_000)
            .map(|i| match i % 4 {
                0 => format!("-rw-r--r--    1 1000     1000     {i:>8} Nov 21 12:00 file {i}.txt"),
                1 => format!("drwxr-xr-x    2 0        0            4096 Jan 02  2024 dir{i}"),
                2 => format!("11-21-26  12:00PM             {i:>8} dos {i}.bin"),
                _ => format!("lrwxrwxrwx    1 0 0 13 Nov 21 12:00 link{i} -> target {i}"),
            })
            .collect();
        let mlsd_lines: Vec<String> = (0..100_000)
            .map(|i| format!("type=file;size={i};modify=20261121120000;UNIX.mode=0644; f{i}"))
            .collect();
        let start = std::time::Instant::now();
        let parsed = lines
            .iter()
            .filter(|l| matches!(parse_list_line(l, NOW), Ok(Some(_))))
            .count();
        let list_time = start.elapsed();
        let start = std::time::Instant::now();
        let parsed_mlsd = mlsd_lines
            .iter()
            .filter(|l| matches!(parse_mlsd_line(l), Ok(Some(_))))
            .count();
        let mlsd_time = start.elapsed();
        assert_eq!((parsed, parsed_mlsd), (100_000, 100_000));
        if !cfg!(debug_assertions) {
            let limit = std::time::Duration::from_millis(100);
            assert!(list_time < limit, "LIST took {list_time:?}");
            assert!(mlsd_time < limit, "MLSD took {mlsd_time:?}");
        }
    }
}
