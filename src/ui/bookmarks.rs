//! The bookmark manager (a filterable list) and the bookmark form.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::th;
use crate::i18n::t;
use crate::tr;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::dialog::{centered, frame};
use super::text::fit;
use crate::state::bookmarks::{BookmarkForm, BookmarkList, FORM_FIELDS};

pub fn draw_list(l: &BookmarkList, full: Rect, f: &mut Frame) {
    let area = centered(full, 76, full.height.saturating_sub(4).clamp(8, 24));
    f.render_widget(Clear, area);
    let block = frame(t("Bookmarks"));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let mut lines = Vec::new();
    let filter = if l.filtering {
        Span::styled(format!(" / {}▏", l.filter), th().selected)
    } else if l.filter.is_empty() {
        Span::styled(format!(" {}", t("/ to filter")), th().faint)
    } else {
        Span::raw(format!(" / {}", l.filter))
    };
    lines.push(Line::from(filter));
    if let Some(e) = &l.error {
        lines.push(Line::from(Span::styled(
            fit(&format!(" {e}"), w),
            th().error,
        )));
    }
    let items = l.filtered();
    let rows = (inner.height as usize).saturating_sub(lines.len() + 2);
    let offset = l.cursor.saturating_sub(rows.saturating_sub(1));
    if items.is_empty() {
        let msg = if l.profiles.is_empty() {
            t("No bookmarks yet: press a to add one (or Ctrl-S in the connect dialog).")
        } else {
            t("Nothing matches the filter.")
        };
        lines.push(Line::from(Span::styled(format!(" {msg}"), th().faint)));
    }
    for (i, p) in items.iter().enumerate().skip(offset).take(rows) {
        let target = match &p.user {
            Some(u) if !p.anonymous => format!("{u}@{}:{}", p.host, p.port),
            _ => format!("{}:{}", p.host, p.port),
        };
        let text = format!(
            " {} {}",
            fit(&p.name, 28),
            fit(&target, w.saturating_sub(31))
        );
        let style = if i == l.cursor && !l.filtering {
            th().cursor
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(fit(&text, w), style)));
    }
    while lines.len() < inner.height as usize - 1 {
        lines.push(Line::from(""));
    }
    let help = match &l.confirm_delete {
        Some(name) => Span::styled(
            fit(
                &format!(
                    " {}",
                    tr!(
                        "Delete {name}? y to confirm, any other key keeps it",
                        name = name
                    )
                ),
                w,
            ),
            th().error.add_modifier(Modifier::BOLD),
        ),
        None => Span::styled(
            format!(
                " {}",
                t("Enter connect · a add · e edit · d delete · y duplicate · / filter · Esc close")
            ),
            th().hint,
        ),
    };
    lines.push(Line::from(help));
    f.render_widget(Paragraph::new(lines), inner);
}

pub fn draw_form(form: &BookmarkForm, full: Rect, f: &mut Frame) {
    let area = centered(full, 72, FORM_FIELDS.len() as u16 + 6);
    f.render_widget(Clear, area);
    let title = if form.old_name.is_some() {
        t("Edit bookmark")
    } else {
        t("New bookmark")
    };
    let block = frame(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = (inner.width as usize).saturating_sub(15);
    let mut lines = Vec::new();
    // On a short terminal the rows scroll with the cursor, and the lines under them (the keys,
    // the password note, the keyring) stay in view.
    let below = 4usize;
    let rows = (inner.height as usize).saturating_sub(below).max(1);
    let first = form
        .focus
        .saturating_sub(rows.saturating_sub(1))
        .min(FORM_FIELDS.len().saturating_sub(rows));
    for (i, label) in FORM_FIELDS.iter().enumerate().skip(first).take(rows) {
        let bad = form.errors.iter().any(|(l, _)| l == label);
        let mut value = form.values[i].clone();
        if i == form.focus {
            value.push('▏');
        }
        let style = match (i == form.focus, bad) {
            (true, _) => th().selected,
            (false, true) => th().error.bg(ratatui::style::Color::DarkGray),
            (false, false) => Style::new().bg(ratatui::style::Color::DarkGray),
        };
        let label_style = if bad { th().error } else { Style::new() };
        lines.push(Line::from(vec![
            Span::styled(format!(" {} ", fit(t(label), 12)), label_style),
            // The field being typed in keeps its end (and the cursor mark) in view.
            Span::styled(
                if i == form.focus {
                    crate::ui::text::fit_end(&value, w)
                } else {
                    fit(&value, w)
                },
                style,
            ),
        ]));
    }
    lines.push(Line::from(""));
    match form.errors.first() {
        Some((label, msg)) => lines.push(Line::from(Span::styled(
            fit(&format!(" {}: {msg}", t(label)), inner.width as usize),
            th().error.add_modifier(Modifier::BOLD),
        ))),
        None => lines.push(Line::from(Span::styled(
            format!(
                " {}",
                t("Enter save · Tab next · Space cycles a choice · Esc cancel")
            ),
            th().hint,
        ))),
    }
    lines.push(Line::from(Span::styled(
        format!(
            " {}",
            t("Passwords are never saved here: ask, the OS keyring, or a command.")
        ),
        th().faint,
    )));
    // Where a keyring password goes: the kernel keyring forgets it at reboot.
    if let Some(kind) = form.keyring.filter(|_| form.values[6] == "keyring") {
        let style = match kind {
            crate::bookmarks::KeyringKind::Kernel | crate::bookmarks::KeyringKind::None => {
                th().error
            }
            _ => th().faint,
        };
        lines.push(Line::from(Span::styled(
            fit(
                &format!(" {}", tr!("Keyring: {which}", which = kind.describe())),
                inner.width as usize,
            ),
            style,
        )));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bookmarks::{KeyringKind, PasswordSource, Profile};
    use ratatui::{Terminal, backend::TestBackend};

    fn screen(form: &BookmarkForm) -> String {
        screen_of(form, 100, 30)
    }

    fn screen_of(form: &BookmarkForm, w: u16, h: u16) -> String {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("terminal");
        term.draw(|f| draw_form(form, f.area(), f)).expect("draw");
        let buf = term.backend().buffer();
        let mut out = String::new();
        for y in 0..buf.area.height {
            for x in 0..buf.area.width {
                out.push_str(buf[(x, y)].symbol());
            }
            out.push('\n');
        }
        out
    }

    #[test]
    fn the_form_names_the_keyring_a_keyring_password_goes_to() {
        let mut p = Profile::new("work", "h");
        p.password = PasswordSource::Keyring;
        let mut form = BookmarkForm::new(p, None);
        // Not known yet: nothing said.
        assert!(!screen(&form).contains("Keyring:"));
        form.keyring = Some(KeyringKind::Kernel);
        let text = screen(&form);
        assert!(
            text.contains("Keyring: the kernel keyring, until reboot"),
            "{text}"
        );
        form.keyring = Some(KeyringKind::SecretService);
        assert!(screen(&form).contains("Keyring: the desktop keyring (Secret Service)"));
        // A password that is asked for needs no keyring.
        form.values[6] = "ask".into();
        assert!(!screen(&form).contains("Keyring:"));
    }

    #[test]
    fn on_a_short_terminal_the_rows_scroll_and_the_keys_stay_in_view() {
        let mut form = BookmarkForm::new(Profile::new("w", "h"), None);
        let top = screen_of(&form, 80, 24);
        assert!(
            top.contains("Name") && !top.contains("Time offset"),
            "{top}"
        );
        assert!(top.contains("Enter save"), "{top}");
        form.focus = FORM_FIELDS.len() - 1;
        let bottom = screen_of(&form, 80, 24);
        assert!(
            bottom.contains("Time offset") && bottom.contains("Upload temp"),
            "{bottom}"
        );
        assert!(bottom.contains("Enter save"), "{bottom}");
        // With room for every row, nothing scrolls.
        let all = screen_of(&form, 100, 30);
        assert!(all.contains("Name") && all.contains("Time offset"), "{all}");
    }
}
