//! Text as skiff shows it: the one place that decides which characters may reach a terminal,
//! a file or the clipboard.
//!
//! Names, paths, replies, certificate fields and error messages come from servers and disks
//! skiff does not control. Before any of it is printed (stdout, stderr, the status line, a
//! pane, a dialog, the log panel, a saved log, the OSC 52 clipboard), it goes through
//! [`printable`] (one line) or [`printable_lines`] (several lines):
//!
//! - control characters (C0, DEL, C1: escape sequences, CR, LF, tab, bell) become `?`;
//! - bidirectional controls (U+202A–U+202E, U+2066–U+2069, U+061C, U+200E/U+200F) and
//!   invisible format characters (U+200B–U+200D, U+2060–U+2064, U+FEFF, U+180E, U+206A–U+206F,
//!   U+FFF9–U+FFFB, tag characters U+E0000–U+E007F) become `?`, so `photo\u{202E}gpj.exe` shows
//!   as `photo?gpj.exe`, never as `photoexe.jpg`; line and paragraph separators (U+2028,
//!   U+2029) too;
//! - bytes of a name that are not UTF-8 (kept as U+10FF80–U+10FFFF, see `ftp::encoding`) become
//!   `�`.
//!
//! Every replacement is one column wide, so the text's width is what ratatui lays out. A zero
//! width joiner (U+200D) also shows as `?`: emoji sequences joined by it show their parts.
//!
//! This module sits below every other one: it uses nothing from skiff.

use std::borrow::Cow;

/// What a hidden or dangerous character is shown as.
pub const SHOWN_AS: char = '?';

/// The first character that stands for a byte that is not UTF-8 (`ftp::encoding`).
const RAW_BYTE_FIRST: char = '\u{10FF80}';

/// Whether `c` must not reach a terminal as it is: a control character, a bidirectional or
/// invisible format character, a line or paragraph separator.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

fn raw_byte(c: char) -> bool {
    c >= RAW_BYTE_FIRST
}

/// `s` as one line that is safe to print anywhere: see the module's documentation. Borrowed
/// when nothing had to change (the common case costs no allocation).
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_hidden(c) || raw_byte(c)) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if raw_byte(c) {
                    char::REPLACEMENT_CHARACTER
                } else if is_hidden(c) {
                    SHOWN_AS
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// [`printable`] for text of several lines: each line is made printable and the line breaks
/// (`\n`, or `\r\n`, which becomes `\n`) are kept.
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    if !s
        .chars()
        .any(|c| (is_hidden(c) && c != '\n') || raw_byte(c))
    {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&printable(line.strip_suffix('\r').unwrap_or(line)));
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use unicode_width::UnicodeWidthStr;

    #[test]
    fn escapes_and_bidi_are_shown_not_applied() {
        assert_eq!(printable("photo\u{202E}gpj.exe"), "photo?gpj.exe");
        assert_eq!(
            printable("/\u{1b}]0;title\u{7}\u{1b}[2J"),
            "/?]0;title??[2J"
        );
        assert_eq!(printable("a\u{9b}31mb"), "a?31mb");
        assert_eq!(printable("line\nbreak\ttab\r"), "line?break?tab?");
        for c in [
            '\u{200B}',
            '\u{200D}',
            '\u{200E}',
            '\u{200F}',
            '\u{202A}',
            '\u{202C}',
            '\u{2066}',
            '\u{2069}',
            '\u{061C}',
            '\u{FEFF}',
            '\u{E0041}',
            '\u{2028}',
        ] {
            assert_eq!(printable(&format!("x{c}y")), "x?y", "{:04X}", c as u32);
        }
        // Bytes that are not UTF-8 (ftp::encoding) show as the replacement character.
        assert_eq!(printable("caf\u{10FFE9}"), "caf\u{fffd}");
        // Ordinary text, CJK and emoji pass as they are, without a copy.
        assert!(matches!(printable("数据 ünïcode 👍"), Cow::Borrowed(_)));
    }

    #[test]
    fn lines_keep_their_breaks_only() {
        assert_eq!(
            printable_lines("one\r\ntwo \u{1b}[2J\nthree\u{202E}"),
            "one\ntwo ?[2J\nthree?"
        );
        assert_eq!(printable_lines("a\nb\n"), "a\nb\n");
        assert_eq!(printable_lines("a\rb"), "a?b");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        /// No output character is a control, bidirectional or invisible format character,
        /// and each line's width is at least the count of characters that were replaced.
        #[test]
        fn nothing_hidden_survives(s in prop_oneof![
            any::<String>(),
            proptest::collection::vec(
                prop_oneof![
                    Just("\u{1b}[2J"), Just("\u{202E}"), Just("\u{2067}"), Just("\u{200B}"),
                    Just("\n"), Just("\r\n"), Just("\u{9b}"), Just("\u{10FFEE}"), Just("a"),
                    Just("数据"), Just("\u{7}"), Just("\u{E0020}"),
                ],
                0..12,
            ).prop_map(|v| v.concat()),
        ]) {
            let one = printable(&s);
            prop_assert!(!one.chars().any(is_hidden), "{:?}", one);
            prop_assert_eq!(one.chars().count(), s.chars().count());
            let many = printable_lines(&s);
            prop_assert!(!many.chars().any(|c| is_hidden(c) && c != '\n'), "{:?}", many);
            prop_assert_eq!(many.lines().count(), s.lines().count());
            // Every replaced character takes a column of its own.
            let replaced = s.chars().filter(|c| is_hidden(*c)).count();
            prop_assert!(one.width() >= replaced);
        }
    }
}
