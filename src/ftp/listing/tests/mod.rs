//! The listing parsers against real servers' lines (vsftpd, pure-ftpd, proftpd, libunftp, IIS:
//! Unix `ls -l` dialects, DOS, MLSD facts), date arithmetic, and garbage and mutated input.

use super::*;

mod unix;

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

    let e = mlsd("modify=20261121120000;perm=flcdmpe;type=dir;unique=FD00U2;UNIX.mode=0755; pub");
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
