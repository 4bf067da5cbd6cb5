//! Text fitting for fixed-width cells: display width (CJK counts 2), truncation with an
//! ellipsis. Sizes and times as shown are in [`crate::format`].

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// `s` cut or padded to exactly `width` terminal columns; cut text ends with `…`.
/// Shown through [`crate::text::printable`]: control, bidirectional and invisible characters
/// as `?` (one column each), so a hostile name can neither move the cursor nor reorder text.
pub fn fit(s: &str, width: usize) -> String {
    let s = crate::text::printable(s);
    let mut out = String::with_capacity(width + 4);
    let total = columns(&s);
    if total <= width {
        out.push_str(&s);
        out.extend(std::iter::repeat_n(' ', width - total));
        return out;
    }
    if width == 0 {
        return out;
    }
    let mut used = 0;
    for g in s.graphemes(true) {
        let w = columns(g);
        if used + w > width - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    used += 1;
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// The one measure of how many terminal columns text takes: grapheme by grapheme, as ratatui
/// measures it when it draws (a character and its variation selector, `❤️`, is one grapheme of
/// two columns, where adding up characters says one).
pub fn columns(s: &str) -> usize {
    s.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// `s` in `width` columns keeping its end (where typing happens, a path's last part): a cut
/// start shows as `…`. Counted in display columns, so CJK text keeps its end too.
pub fn fit_end(s: &str, width: usize) -> String {
    let s = crate::text::printable(s);
    let total = columns(&s);
    if total <= width || width < 2 {
        return fit(&s, width);
    }
    let mut kept: Vec<&str> = Vec::new();
    let mut used = 1; // the `…`
    for g in s.graphemes(true).rev() {
        let w = columns(g);
        if used + w > width {
            break;
        }
        used += w;
        kept.push(g);
    }
    let mut out = String::from("…");
    out.extend(kept.into_iter().rev());
    out.extend(std::iter::repeat_n(' ', width - used));
    out
}

/// Right-aligned version of [`fit`] for numbers.
pub fn fit_right(s: &str, width: usize) -> String {
    let w = columns(s);
    if w >= width {
        fit(s, width)
    } else {
        format!("{}{}", " ".repeat(width - w), s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_kept_in_columns() {
        assert_eq!(fit_end("short", 8), "short   ");
        assert_eq!(fit_end("/a/very/long/path", 8), "…ng/path");
        // CJK counts two columns: the end stays whole.
        assert_eq!(fit_end("用户名用户名用户名", 7), "…用户名");
        assert_eq!(fit_end("用户名用户名用户名", 8), "…用户名 ");
        assert_eq!(fit_end("用户名用户名用户名", 9), "…名用户名");
        assert_eq!(fit_end("x\u{1b}[2J", 4), "…[2J");
    }

    /// Text is cut where ratatui draws it: `❤️` (a heart and a variation selector) is two
    /// columns, and a line of them must not be drawn wider than the room it was fitted to.
    #[test]
    fn emoji_with_a_variation_selector_are_two_columns() {
        let s = "❤️❤️❤️ab";
        assert_eq!(columns(s), 8);
        let cut = fit(s, 5);
        assert_eq!(ratatui::text::Line::from(cut.clone()).width(), 5, "{cut:?}");
        let end = fit_end(s, 5);
        assert_eq!(ratatui::text::Line::from(end.clone()).width(), 5, "{end:?}");
    }

    #[test]
    fn fitting() {
        assert_eq!(fit("abc", 5), "abc  ");
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("数据文件", 5), "数据…");
        assert_eq!(UnicodeWidthStr::width(fit("数据文件", 6).as_str()), 6);
        assert_eq!(UnicodeWidthStr::width(fit("数据文件abc", 7).as_str()), 7);
        assert_eq!(fit("a\u{1b}[2Jb", 8), "a?[2Jb  ");
        assert_eq!(fit("abc", 0), "");
        // Bidirectional and invisible characters are shown, one column each, not applied.
        assert_eq!(fit("photo\u{202E}gpj.exe", 14), "photo?gpj.exe ");
        assert_eq!(fit("a\u{200B}b", 3), "a?b");
        assert_eq!(fit_end("x\u{2066}yz", 3), "…yz");
        assert_eq!(fit_right("12", 4), "  12");
    }
}
