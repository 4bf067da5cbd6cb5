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
mod tests;
