//! Text fitting for fixed-width cells: display width (CJK counts 2), truncation with an
//! ellipsis. Sizes and times as shown are in [`crate::format`].

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `s` cut or padded to exactly `width` terminal columns; cut text ends with `…`.
/// Shown through [`crate::text::printable`]: control, bidirectional and invisible characters
/// as `?` (one column each), so a hostile name can neither move the cursor nor reorder text.
pub fn fit(s: &str, width: usize) -> String {
    let s = crate::text::printable(s);
    let mut out = String::with_capacity(width + 4);
    let total: usize = s.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        out.push_str(&s);
        out.extend(std::iter::repeat_n(' ', width - total));
        return out;
    }
    if width == 0 {
        return out;
    }
    let mut used = 0;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    used += 1;
    out.extend(std::iter::repeat_n(' ', width.saturating_sub(used)));
    out
}

/// `s` in `width` columns keeping its end (where typing happens, a path's last part): a cut
/// start shows as `…`. Counted in display columns, so CJK text keeps its end too.
pub fn fit_end(s: &str, width: usize) -> String {
    let s = crate::text::printable(s);
    let w = |c: char| c.width().unwrap_or(0);
    let total: usize = s.chars().map(w).sum();
    if total <= width || width < 2 {
        return fit(&s, width);
    }
    let mut kept: Vec<char> = Vec::new();
    let mut used = 1; // the `…`
    for c in s.chars().rev() {
        if used + w(c) > width {
            break;
        }
        used += w(c);
        kept.push(c);
    }
    let mut out = String::from("…");
    out.extend(kept.into_iter().rev());
    out.extend(std::iter::repeat_n(' ', width - used));
    out
}

/// Right-aligned version of [`fit`] for numbers.
pub fn fit_right(s: &str, width: usize) -> String {
    let w = UnicodeWidthStr::width(s);
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
