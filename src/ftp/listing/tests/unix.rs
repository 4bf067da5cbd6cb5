//! `ls -l` lines as vsftpd, pure-ftpd, proftpd and libunftp write them: modes, field counts,
//! special files, links, names, dates and the year a date without one is in.

use super::*;

#[test]
fn unix_vsftpd() {
    let e = list("drwxr-xr-x    2 1000     1000         4096 Nov 21 12:00 dir with spaces");
    let want = entry("dir with spaces", EntryKind::Dir, 4096, Some(NOV21_NOON));
    assert_eq!(e, with_perms(want, "rwxr-xr-x"));

    let e = list("-rw-r--r--    1 0        0         3145728 Jan 02  2024 big.bin\r\n");
    let want = entry("big.bin", EntryKind::File, 3_145_728, Some(1_704_153_600));
    assert_eq!(e, with_perms(want, "rw-r--r--"));

    let e = list("lrwxrwxrwx    1 0        0              13 Nov 21 12:00 latest -> releases/1.2");
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
