//! Modal overlays: the connect dialog (password masked), the quit confirmation, the help screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};

use super::th;
use crate::i18n::t;
use crate::tr;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph};

use super::text::fit;
use crate::format::{human_size, local_time};
use crate::state::Dialog;
use crate::state::dialog::{
    CONFLICT_CHOICES, CertForm, ChmodForm, ConfirmForm, ConflictForm, ConnectForm, FIELDS,
    InfoView, PromptForm, TextInput,
};
use crate::state::keymap::{ACTION_HELP, Keymap};
use crate::state::layout::{notes_max_scroll, notes_size};

pub(crate) fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

pub(crate) fn frame(title: &str) -> Block<'static> {
    Block::new()
        .borders(Borders::ALL)
        .border_type(BorderType::Rounded)
        .border_style(th().dialog_border)
        .title(format!(" {} ", crate::text::printable(title)))
}

pub fn draw(d: &Dialog, full: Rect, f: &mut Frame) {
    match d {
        Dialog::Connect(form) => draw_connect(form, full, f),
        Dialog::Conflict(form) => draw_conflict(form, full, f),
        Dialog::Certificate(form) => draw_certificate(form, full, f),
        Dialog::Bookmarks(list) => super::bookmarks::draw_list(list, full, f),
        Dialog::BookmarkForm(form) => super::bookmarks::draw_form(form, full, f),
        Dialog::Prompt(form) => draw_prompt(form, full, f),
        Dialog::Confirm(form) => draw_confirm(form, full, f),
        Dialog::Chmod(form) => draw_chmod(form, full, f),
        Dialog::Info(view) => draw_info(view, full, f),
        Dialog::Sync(form) => draw_sync(form, full, f),
        Dialog::View(form) => draw_view(form, full, f),
        Dialog::Menu(form) => {
            let area = crate::state::dialog::menu_rect(full.width, full.height, form.items.len());
            f.render_widget(Clear, area);
            let block = frame(&form.title);
            let inner = block.inner(area);
            f.render_widget(block, area);
            let lines: Vec<Line> = form
                .items
                .iter()
                .enumerate()
                .map(|(i, (label, _))| {
                    let style = if i == form.cursor {
                        th().selected
                    } else {
                        Style::new()
                    };
                    Line::from(Span::styled(
                        fit(&format!(" {label}"), inner.width as usize),
                        style,
                    ))
                })
                .collect();
            f.render_widget(Paragraph::new(lines), inner);
        }
        // Drawn over the status line by `ui::draw`.
        Dialog::Console(_) => {}
        Dialog::Notes(v) => draw_notes(v, full, f),
        Dialog::ConfirmQuit => {
            let area = centered(full, 44, 5);
            f.render_widget(Clear, area);
            let p = Paragraph::new(vec![
                Line::from(t("Something is still running.")),
                Line::from(t("Quit anyway? (y/n)")),
            ])
            .block(frame(t("Quit")));
            f.render_widget(p, area);
        }
    }
}

/// A text field as spans: the text with the cursor cell reversed, scrolled to keep the cursor
/// in `width` cells.
pub(crate) fn input_line(input: &TextInput, width: usize) -> Line<'static> {
    use unicode_width::UnicodeWidthChar;
    // One character shown for each typed one (a pasted bidi control shows as `?`), so the
    // cursor's index stays right.
    let chars: Vec<char> = crate::text::printable(&input.text).chars().collect();
    // Scroll so the cursor fits: drop characters from the left until it does.
    let mut start = 0;
    let width_of = |a: usize, b: usize| -> usize {
        chars[a..b]
            .iter()
            .map(|c| UnicodeWidthChar::width(*c).unwrap_or(0))
            .sum()
    };
    while start < input.cursor && width_of(start, input.cursor) + 1 > width.max(1) {
        start += 1;
    }
    if input.selected {
        // All of it selected: shown reversed, the cursor after it.
        let shown: String = chars[start..].iter().collect();
        return Line::from(vec![
            Span::styled(shown, Style::new().add_modifier(Modifier::REVERSED)),
            Span::styled(" ", Style::new().add_modifier(Modifier::REVERSED)),
        ]);
    }
    let before: String = chars[start..input.cursor].iter().collect();
    let at: String = chars
        .get(input.cursor)
        .map_or(" ".to_string(), |c| c.to_string());
    let after: String = chars
        .get(input.cursor + 1..)
        .map_or(String::new(), |r| r.iter().collect());
    Line::from(vec![
        Span::raw(before),
        Span::styled(at, Style::new().add_modifier(Modifier::REVERSED)),
        Span::raw(after),
    ])
}

fn draw_prompt(form: &PromptForm, full: Rect, f: &mut Frame) {
    let area = centered(full, 60, 7);
    f.render_widget(Clear, area);
    let block = frame(&form.title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let mut lines = vec![
        Line::from(form.label.clone()),
        input_line(&form.input, w.saturating_sub(1)),
    ];
    match &form.error {
        Some(e) => lines.push(Line::from(Span::styled(fit(e, w), th().error))),
        None => lines.push(Line::from("")),
    }
    lines.push(Line::from(Span::styled(
        t("Enter OK · Esc cancel"),
        th().hint,
    )));
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_confirm(form: &ConfirmForm, full: Rect, f: &mut Frame) {
    let h = (form.lines.len() as u16 + 5).min(20);
    let area = centered(full, 64, h);
    f.render_widget(Clear, area);
    let block = frame(&form.title).border_style(th().error);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let mut lines: Vec<Line> = form.lines.iter().map(|l| Line::from(fit(l, w))).collect();
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        form.then.prompt(),
        Style::new().add_modifier(Modifier::BOLD),
    )));
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_chmod(form: &ChmodForm, full: Rect, f: &mut Frame) {
    let area = centered(full, 58, 11);
    f.render_widget(Clear, area);
    let title = match form.paths.as_slice() {
        [one] => tr!(
            "Permissions of {name}",
            name = one
                .rsplit(['/', std::path::MAIN_SEPARATOR])
                .next()
                .unwrap_or(one)
        ),
        many => tr!("Permissions of {n} entries", n = many.len()),
    };
    let block = frame(&title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let mut lines = vec![Line::from(format!(
        "          {}{}{}",
        fit(t("read"), 7),
        fit(t("write"), 7),
        t("execute")
    ))];
    for (row, who) in [t("owner"), t("group"), t("others")].iter().enumerate() {
        let mut spans = vec![Span::raw(format!("  {} ", fit(who, 7)))];
        for col in 0..3 {
            let i = row * 3 + col;
            let on = form.mode & (1 << (8 - i)) != 0;
            let text = format!(" [{}]   ", if on { 'x' } else { ' ' });
            let style = if i == form.cursor {
                th().selected
            } else {
                Style::new()
            };
            spans.push(Span::styled(text, style));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    let typed = if form.typed.is_empty() {
        String::new()
    } else {
        format!("   {}", tr!("(typing {typed})", typed = form.typed))
    };
    lines.push(Line::from(vec![
        Span::raw(format!("  {} ", t("octal:"))),
        Span::styled(
            format!("{:04o}", form.mode),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(typed),
    ]));
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        t("Space toggle · 0-7 octal · Enter apply · Esc cancel"),
        th().hint,
    )));
    f.render_widget(
        Paragraph::new(lines).wrap(ratatui::widgets::Wrap { trim: false }),
        inner,
    );
}

fn draw_sync(form: &crate::state::compare::SyncForm, full: Rect, f: &mut Frame) {
    use crate::state::Side;
    use crate::state::compare::SyncAction;
    let h = (form.items.len() as u16 + 6).clamp(10, full.height.saturating_sub(2).max(10));
    let area = centered(full, 76, h);
    f.render_widget(Clear, area);
    let block = frame(match form.from {
        Side::Local => t("Synchronise: make the remote directory match the local one"),
        Side::Remote => t("Synchronise: make the local directory match the remote one"),
    });
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let hints = hint_lines(
        t("Space toggle · a all · n none · d deletions · Tab other way · Enter queue · Esc cancel"),
        w,
        th().hint,
    );
    let rows = (inner.height as usize).saturating_sub(2 + hints.len());
    let mut lines = Vec::new();
    if form.items.is_empty() {
        lines.push(Line::from(t(
            "Nothing to do: the directories already match.",
        )));
    }
    let offset = form
        .cursor
        .saturating_sub(rows.saturating_sub(1))
        .min(form.items.len().saturating_sub(rows));
    for (i, it) in form.items.iter().enumerate().skip(offset).take(rows) {
        let verb = fit(
            match it.action {
                SyncAction::Copy => t("copy"),
                SyncAction::Update => t("update"),
                SyncAction::Merge => t("merge"),
                SyncAction::Delete => t("DELETE"),
            },
            6,
        );
        let name = if it.kind == crate::fs::EntryKind::Dir {
            format!("{}/", it.name)
        } else {
            it.name.clone()
        };
        let text = format!(
            "[{}] {verb} {}  {}",
            if it.on { 'x' } else { ' ' },
            fit(&name, w.saturating_sub(40)),
            t(it.why)
        );
        let mut style = match it.action {
            SyncAction::Delete => th().error,
            _ if !it.on => th().faint,
            _ => Style::new(),
        };
        if i == form.cursor {
            style = th().selected;
        }
        lines.push(Line::from(Span::styled(fit(&text, w), style)));
    }
    let chosen = form.items.iter().filter(|i| i.on).count();
    let deletions = form
        .items
        .iter()
        .filter(|i| i.action == SyncAction::Delete)
        .count();
    let deleting = form
        .items
        .iter()
        .filter(|i| i.on && i.action == SyncAction::Delete)
        .count();
    lines.push(Line::from(""));
    // What `d` did is in view: deletions chosen, or still off.
    let summary = if deleting > 0 {
        tr!(
            "{chosen} of {n} chosen, {d} of them deletions",
            chosen = chosen,
            n = form.items.len(),
            d = deleting
        )
    } else if deletions > 0 {
        tr!(
            "{chosen} of {n} chosen (deletions are off until chosen)",
            chosen = chosen,
            n = form.items.len()
        )
    } else {
        tr!(
            "{chosen} of {n} chosen",
            chosen = chosen,
            n = form.items.len()
        )
    };
    let style = if deleting > 0 {
        th().error
    } else {
        Style::new()
    };
    lines.push(Line::from(Span::styled(summary, style)));
    lines.extend(hints);
    f.render_widget(Paragraph::new(lines), inner);
}

/// The pager takes the whole screen but the status line.
fn draw_view(v: &crate::state::view::ViewForm, full: Rect, f: &mut Frame) {
    let area = Rect::new(full.x, full.y, full.width, full.height.saturating_sub(1));
    f.render_widget(Clear, area);
    let mode = if v.hex { t("hex") } else { t("text") };
    let more = if v.truncated {
        format!(" · {}", t("the first 4 MiB"))
    } else {
        String::new()
    };
    let block =
        frame(&format!("{} · {mode}{more}", v.title)).title_bottom(Line::from(Span::styled(
            format!(" {} ", t("↑↓ PgUp PgDn Home End · h hex/text · q close")),
            th().hint,
        )));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let lines: Vec<Line> = (v.top..v.rows().min(v.top + inner.height as usize))
        .map(|i| {
            let text = if v.hex {
                v.hex_row(i)
            } else {
                v.lines[i].clone()
            };
            Line::from(fit(&text, w))
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_info(view: &InfoView, full: Rect, f: &mut Frame) {
    // The dialog is 72 columns wide; a value too long for a line (a digest, a listing line)
    // goes on below its label instead of being cut.
    let w = usize::from(full.width.min(72).saturating_sub(2));
    let label_w = view
        .rows
        .iter()
        .map(|(l, _)| unicode_width::UnicodeWidthStr::width(l.as_str()))
        .max()
        .unwrap_or(0)
        + 2;
    let room = w.saturating_sub(label_w).max(8);
    let mut lines: Vec<Line> = Vec::new();
    for (l, v) in &view.rows {
        for (i, piece) in wrap_width(v, room).into_iter().enumerate() {
            let label = if i == 0 {
                fit(l, label_w)
            } else {
                " ".repeat(label_w)
            };
            lines.push(Line::from(vec![
                Span::styled(label, th().hint),
                Span::raw(piece),
            ]));
        }
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(t("any key closes"), th().hint)));
    let h = (lines.len() as u16 + 2).min(full.height);
    let area = centered(full, 72, h);
    f.render_widget(Clear, area);
    let block = frame(&view.title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    f.render_widget(Paragraph::new(lines), inner);
}

/// A key hint line (`Enter connect · Tab field · Esc`) in lines of at most `width` columns,
/// broken between its parts, never inside one (a hint cut off reads as another key).
fn hint_lines(text: &str, width: usize, style: Style) -> Vec<Line<'static>> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for part in text.split(" · ") {
        let joined = if cur.is_empty() {
            format!(" {part}")
        } else {
            format!("{cur} · {part}")
        };
        if crate::ui::text::columns(&joined) <= width || cur.is_empty() {
            cur = joined;
        } else {
            lines.push(std::mem::take(&mut cur));
            cur = format!(" {part}");
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    lines
        .into_iter()
        .map(|l| Line::from(Span::styled(fit(&l, width).trim_end().to_string(), style)))
        .collect()
}

/// `text` cut into pieces of at most `width` columns (at least one piece).
fn wrap_width(text: &str, width: usize) -> Vec<String> {
    use unicode_segmentation::UnicodeSegmentation;
    let mut out = vec![String::new()];
    let mut used = 0;
    for g in text.graphemes(true) {
        let cw = crate::ui::text::columns(g);
        if used + cw > width && used > 0 {
            out.push(String::new());
            used = 0;
        }
        if let Some(last) = out.last_mut() {
            last.push_str(g);
        }
        used += cw;
    }
    out
}

/// Headed paragraphs (a reply code explained, the server's facts), wrapped, scrolled.
fn draw_notes(v: &crate::state::logview::NotesView, full: Rect, f: &mut Frame) {
    let (w, body) = notes_size(v, full);
    let max = notes_max_scroll(v, full);
    let area = centered(
        full,
        w,
        u16::try_from(body + 2).unwrap_or(u16::MAX).min(full.height),
    );
    f.render_widget(Clear, area);
    let hint = if max > 0 {
        t("↑↓ PgUp PgDn scroll · any other key closes")
    } else {
        t("any key closes")
    };
    let block =
        frame(&v.title).title_bottom(Line::from(Span::styled(format!(" {hint} "), th().hint)));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let mut lines = Vec::new();
    for (head, text) in &v.parts {
        lines.push(Line::from(Span::styled(
            head.clone(),
            th().key.add_modifier(Modifier::BOLD),
        )));
        for l in text.lines() {
            // Control and bidi characters from a server never reach the terminal.
            lines.push(Line::from(crate::text::printable(l).into_owned()));
        }
        lines.push(Line::from(""));
    }
    f.render_widget(
        Paragraph::new(lines)
            .wrap(ratatui::widgets::Wrap { trim: true })
            .scroll((u16::try_from(v.scroll.min(max)).unwrap_or(u16::MAX), 0)),
        inner,
    );
}

fn draw_certificate(form: &CertForm, full: Rect, f: &mut Frame) {
    let info = &form.info;
    let changed = info.pinned_mismatch.is_some();
    let area = centered(full, 76, 17);
    f.render_widget(Clear, area);
    let block = frame(if changed {
        t("WARNING: the server's certificate has CHANGED")
    } else {
        t("Untrusted server certificate")
    })
    .border_style(if changed {
        th().error
    } else {
        th().dialog_border
    });
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let field = |name: &str, value: &str| Line::from(fit(&format!(" {}{value}", fit(name, 10)), w));
    // The fingerprint in two halves: 16 bytes per line.
    let (fp1, fp2) = info.sha256.split_at(info.sha256.len().min(47));
    let mut lines = vec![
        Line::from(Span::styled(
            fit(&format!(" {}:{}", form.opts.host, form.opts.port), w),
            Style::new().add_modifier(Modifier::BOLD),
        )),
        field(t("subject"), &info.subject),
        field(t("issuer"), &info.issuer),
        field(t("valid"), &tr!("{from} to", from = info.not_before)),
        field("", &info.not_after),
        field("SHA-256", fp1),
        field("", fp2.trim_start_matches(':')),
        Line::from(Span::styled(
            fit(&format!(" {} {}", t("why:"), info.reason), w),
            th().hint,
        )),
        Line::from(""),
    ];
    if let Some(pin) = &info.pinned_mismatch {
        let (p1, p2) = pin.split_at(pin.len().min(47));
        lines.push(field(t("pinned"), p1));
        lines.push(field("", p2.trim_start_matches(':')));
        lines.push(Line::from(Span::styled(
            fit(
                &format!(
                    " {}",
                    t("Refused: someone may be intercepting the connection. If the certificate")
                ),
                w,
            ),
            th().error,
        )));
        lines.push(Line::from(Span::styled(
            fit(
                &format!(
                    " {}",
                    t("was replaced on purpose, change the pin (bookmark or known_hosts file).")
                ),
                w,
            ),
            th().error,
        )));
        lines.push(Line::from(Span::styled(
            format!(" {}", t("Esc close")),
            th().hint,
        )));
    } else {
        lines.push(Line::from(format!(
            " {}",
            t("Compare the fingerprint with what the server's administrator says.")
        )));
        lines.push(Line::from(format!(
            " o  {}",
            t("trust once (this session)")
        )));
        lines.push(Line::from(format!(
            " a  {}",
            t("trust always (pin it for this server)")
        )));
        lines.push(Line::from(format!(" Esc  {}", t("do not connect"))));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_conflict(form: &ConflictForm, full: Rect, f: &mut Frame) {
    let area = centered(full, 64, 17);
    f.render_widget(Clear, area);
    let block = frame(t("The destination exists"));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let w = inner.width as usize;
    let describe = |size: Option<u64>, mtime: Option<i64>| {
        format!(
            "{}  {}",
            size.map(human_size).unwrap_or_else(|| t("size ?").into()),
            mtime.map(local_time).unwrap_or_else(|| t("time ?").into())
        )
    };
    let mut lines = vec![
        Line::from(Span::styled(
            fit(&form.dst, w),
            Style::new().add_modifier(Modifier::BOLD),
        )),
        Line::from(format!(
            " {} {}",
            fit(t("source:"), 12),
            describe(form.src_size, form.src_mtime)
        )),
        Line::from(format!(
            " {} {}",
            fit(t("destination:"), 12),
            describe(form.dst_size, form.dst_mtime)
        )),
        Line::from(""),
    ];
    for (i, (key, label, _)) in CONFLICT_CHOICES.iter().enumerate() {
        let style = if i == form.choice {
            th().selected
        } else {
            Style::new()
        };
        lines.push(Line::from(Span::styled(
            fit(&format!(" {key}  {}", t(label)), w),
            style,
        )));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(format!(
        " [{}] {}",
        if form.all { "x" } else { " " },
        t("a: apply to all conflicts of this operation")
    )));
    lines.extend(hint_lines(
        t("Enter choose · key letter · Esc later (Enter on the queue row)"),
        w,
        th().hint,
    ));
    f.render_widget(Paragraph::new(lines), inner);
}

fn draw_connect(form: &ConnectForm, full: Rect, f: &mut Frame) {
    let area = centered(full, 52, 11);
    f.render_widget(Clear, area);
    let title = form
        .title
        .as_deref()
        .unwrap_or(t("Connect to an FTP server"));
    let block = frame(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let field_w = (inner.width as usize).saturating_sub(12);
    let mut lines = Vec::new();
    for (i, name) in FIELDS.iter().enumerate() {
        let value = match i {
            0 => form.host.clone(),
            1 => form.port.clone(),
            2 => form.user.clone(),
            _ => "*".repeat(form.password.expose().chars().count()),
        };
        let focused = form.focus == i;
        let shown = if focused {
            // Keep the end (where typing happens) visible, with a cursor mark.
            let mut v = value;
            v.push('▏');
            crate::ui::text::fit_end(&v, field_w).trim_end().to_string()
        } else {
            value
        };
        let style = if focused {
            th().selected
        } else {
            Style::new().bg(ratatui::style::Color::DarkGray)
        };
        lines.push(Line::from(vec![
            Span::raw(format!(" {} ", fit(t(name), 9))),
            Span::styled(fit(&shown, field_w), style),
        ]));
    }
    lines.push(Line::from(""));
    // Said only while it is true.
    if form.user.trim().is_empty() {
        lines.push(Line::from(Span::styled(
            format!(" {}", t("Empty user: anonymous login.")),
            th().faint,
        )));
    }
    let w = inner.width as usize;
    match &form.error {
        Some(e) => lines.push(Line::from(Span::styled(
            format!(" {e}"),
            th().error.add_modifier(Modifier::BOLD),
        ))),
        None => lines.extend(hint_lines(
            t("Enter connect · Tab field · Ctrl-S bookmark · Esc"),
            w,
            th().hint,
        )),
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// The help overlay, scrolled down by `top` lines when it is taller than the screen.
pub fn draw_help(keymap: &Keymap, top: usize, full: Rect, f: &mut Frame) {
    let n = ACTION_HELP.len();
    // One column when it fits, else two side by side (every key stays on screen at 80x24).
    let one_col = n as u16 + 6 <= full.height;
    let rows = if one_col { n } else { n.div_ceil(2) };
    let width = if one_col { 72 } else { 80 };
    let area = centered(full, width, rows as u16 + 5);
    f.render_widget(Clear, area);
    let shown = area.height.saturating_sub(2) as usize;
    let total = rows + 3;
    let top = top.min(total.saturating_sub(shown));
    let block = frame(&if total > shown {
        tr!(
            "Keys · {from}–{to} of {total} lines · ↑↓ scroll",
            from = top + 1,
            to = (top + shown).min(total),
            total = total
        )
    } else {
        t("Keys").to_string()
    });
    let inner = block.inner(area);
    f.render_widget(block, area);
    let (key_w, what_w) = if one_col {
        (24, inner.width.saturating_sub(25) as usize)
    } else {
        (15, (inner.width as usize / 2).saturating_sub(17))
    };
    let cell = |i: usize| -> Vec<Span<'static>> {
        let Some((action, what)) = ACTION_HELP.get(i) else {
            return vec![];
        };
        let keys = keymap
            .listing
            .iter()
            .find(|(a, _)| a == action)
            .map(|(_, k)| k.join(", "))
            .unwrap_or_default();
        vec![
            Span::styled(fit(&keys, key_w), th().key),
            Span::raw(" "),
            Span::raw(fit(t(what), what_w)),
        ]
    };
    let mut lines = Vec::new();
    for r in 0..rows {
        let mut spans = cell(r);
        if !one_col {
            spans.push(Span::raw("  "));
            spans.extend(cell(r + rows));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled(
        t("Mouse: click selects, click again opens, right click: menu, drag copies."),
        th().hint,
    )));
    lines.push(Line::from(Span::styled(
        t("Esc or ? closes this help."),
        th().hint,
    )));
    f.render_widget(Paragraph::new(lines).scroll((top as u16, 0)), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hint too long for its dialog goes on the next line between two of its parts; no key
    /// is cut in half (the sync preview's `Esc cancel` was cut to `Esc …`).
    #[test]
    fn hint_lines_break_between_parts() {
        let text = "Space toggle · a all · n none · d deletions · Tab other way · Enter queue · Esc cancel";
        let lines = hint_lines(text, 40, Style::new());
        let shown: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        assert!(shown.len() >= 2, "{shown:?}");
        for l in &shown {
            assert!(crate::ui::text::columns(l) <= 40, "{l:?}");
            assert!(!l.contains('…'), "{l:?}");
        }
        let joined = shown
            .iter()
            .map(|l| l.trim().to_string())
            .collect::<Vec<_>>()
            .join(" · ");
        assert_eq!(joined, text);
        // It fits: one line.
        assert_eq!(hint_lines("Enter · Esc", 40, Style::new()).len(), 1);
    }
}
