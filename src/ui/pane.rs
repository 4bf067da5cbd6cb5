//! One file pane: a framed list with a path bar, column header and only the visible rows.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::text::{fit, fit_right};
use crate::config::{Column, Theme};
use crate::format::{human_size, local_time};
use crate::fs::{Entry, EntryKind};
use crate::i18n::t;
use crate::state::pane::SortBy;
use crate::state::{Conn, Side, State};
use crate::tr;

const SIZE_W: usize = 7;
const TIME_W: usize = 16;
const PERM_W: usize = 10;

struct Columns {
    name: usize,
    /// The optional columns shown, in the configured order.
    shown: Vec<Column>,
}

impl Column {
    fn width(self) -> usize {
        match self {
            Column::Size => SIZE_W,
            Column::Time => TIME_W,
            Column::Perms => PERM_W,
        }
    }

    /// The pane width from which the column is shown.
    fn min_pane(self) -> usize {
        match self {
            Column::Size => 20,
            Column::Time => 48,
            Column::Perms => 70,
        }
    }
}

/// The configured columns that fit in `inner` cells (size from 20, time from 48, permissions
/// from 70), in the configured order.
fn columns(wanted: &[Column], inner: usize) -> Columns {
    let shown: Vec<Column> = wanted
        .iter()
        .copied()
        .filter(|c| inner >= c.min_pane())
        .collect();
    let fixed: usize = shown.iter().map(|c| c.width() + 1).sum();
    Columns {
        name: inner.saturating_sub(fixed),
        shown,
    }
}

fn row_text(e: &Entry, c: &Columns, marked: bool, counted: Option<u64>) -> String {
    // Marked rows also carry a `*`, for terminals without colour.
    let mut name = if marked {
        format!("*{}", e.name)
    } else {
        e.name.clone()
    };
    match e.kind {
        EntryKind::Dir if e.name != ".." => name.push('/'),
        EntryKind::Symlink => {
            if let Some(t) = &e.link_target {
                name.push_str(" -> ");
                name.push_str(t);
            } else {
                name.push('@');
            }
        }
        _ => {}
    }
    let mut s = fit(&name, c.name);
    for col in &c.shown {
        s.push(' ');
        match col {
            Column::Size => {
                let size = match e.kind {
                    EntryKind::Dir => counted.map_or_else(|| "<DIR>".to_string(), human_size),
                    EntryKind::Symlink => "<LNK>".to_string(),
                    _ => human_size(e.size),
                };
                s.push_str(&fit_right(&size, SIZE_W));
            }
            Column::Time => {
                s.push_str(&fit(&e.mtime.map(local_time).unwrap_or_default(), TIME_W));
            }
            Column::Perms => s.push_str(&fit(e.perms.as_deref().unwrap_or(""), PERM_W)),
        }
    }
    s
}

fn entry_style(th: &Theme, e: &Entry) -> Style {
    match e.kind {
        EntryKind::Dir => th.dir,
        EntryKind::Symlink => th.link,
        EntryKind::Other => th.special,
        EntryKind::File => th.file,
    }
}

pub fn draw(state: &State, side: Side, area: Rect, f: &mut Frame) {
    if area.width < 4 || area.height < 3 {
        return;
    }
    let pane = state.pane(side);
    let focused = state.focus == side;
    let look = crate::config::look();
    let th = &look.theme;
    let border = if focused {
        th.border_focused
    } else {
        th.border
    };
    let inner_w = area.width.saturating_sub(2) as usize;
    // The host is never cut from its start (a title cut on the left looks like another host):
    // the path gives way first, then the host's end, marked `…`.
    let label = {
        use unicode_width::UnicodeWidthStr;
        let text = crate::text::printable(&pane.label);
        let room = inner_w.saturating_sub(2);
        if text.width() <= room {
            format!(" {text} ")
        } else {
            format!(" {} ", crate::ui::text::fit(&text, room))
        }
    };
    let label_w = unicode_width::UnicodeWidthStr::width(label.as_str());
    let path_room = inner_w.saturating_sub(label_w + 1);
    let shown_path = if pane.path.is_empty() {
        "—"
    } else {
        pane.path.as_str()
    };
    // Too narrow for even `…` of the path: the host alone.
    let path = if path_room >= 3 {
        format!(" {} ", fit_path(shown_path, path_room.saturating_sub(2)))
    } else {
        String::new()
    };
    let footer = if let Some(f) = &pane.filter {
        let typing = pane.filter_typing && focused;
        let shown = pane
            .len()
            .saturating_sub(usize::from(pane.row(0).is_some_and(|e| e.name == "..")));
        let total = pane.counts.0 + pane.counts.1;
        let style = th.marked;
        let mut spans = vec![Span::styled(
            format!(" /{}", fit(&f.query, inner_w.saturating_sub(24)).trim_end()),
            style.add_modifier(Modifier::BOLD),
        )];
        if typing {
            spans.push(Span::styled(
                " ",
                Style::new().add_modifier(Modifier::REVERSED),
            ));
        }
        spans.push(Span::styled(
            format!(
                " {} ",
                tr!("{shown} of {total}", shown = shown, total = total)
            ),
            style,
        ));
        Line::from(spans)
    } else if pane.loading != 0 {
        Line::from(Span::styled(format!(" {} ", t("loading…")), th.hint))
    } else if let Some(err) = &pane.error {
        Line::from(Span::styled(
            format!(" {} ", fit(err, inner_w.saturating_sub(2)).trim_end()),
            th.error,
        ))
    } else {
        let (dirs, files) = pane.counts;
        if pane.marked.is_empty() {
            Line::from(format!(
                " {} ",
                tr!("{dirs} dirs, {files} files", dirs = dirs, files = files)
            ))
        } else {
            Line::from(Span::styled(
                format!(
                    " {} ",
                    tr!(
                        "{dirs} dirs, {files} files, {marked} marked",
                        dirs = dirs,
                        files = files,
                        marked = pane.marked.len()
                    )
                ),
                th.marked,
            ))
        }
    };
    let block = Block::new()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Line::from(Span::styled(path, border)))
        .title(Line::from(Span::styled(label, border)).alignment(Alignment::Right))
        .title_bottom(footer);
    let inner = block.inner(area);
    f.render_widget(block, area);

    let cols = columns(&look.columns, inner.width as usize);
    // The column the pane is sorted by carries an arrow (the extension sorts under Name).
    let arrow = if pane.sort.desc { '↓' } else { '↑' };
    let mark = |by: SortBy, label: &str| -> String {
        if pane.sort.by == by {
            format!("{label} {arrow}")
        } else {
            label.to_string()
        }
    };
    let name_label = match pane.sort.by {
        SortBy::Ext => tr!("Name (by ext {arrow})", arrow = arrow),
        _ => mark(SortBy::Name, t("Name")),
    };
    let mut header = fit(&name_label, cols.name);
    for col in &cols.shown {
        header.push(' ');
        match col {
            Column::Size => header.push_str(&fit_right(&mark(SortBy::Size, t("Size")), SIZE_W)),
            Column::Time => header.push_str(&fit(&mark(SortBy::Time, t("Modified")), TIME_W)),
            Column::Perms => header.push_str(&fit(t("Perms"), PERM_W)),
        }
    }
    let rows = inner.height.saturating_sub(1) as usize;
    let mut lines = Vec::with_capacity(rows + 1);
    lines.push(Line::from(Span::styled(header, th.header)));
    if pane.is_empty() {
        let msg = if side == Side::Remote && !matches!(state.conn, Conn::Connected { .. }) {
            match &state.conn {
                Conn::Connecting { label, .. } => tr!("Connecting to {label}…", label = label),
                _ => t("Not connected. Press o to connect.").to_string(),
            }
        } else if pane.loading != 0 {
            t("Loading…").to_string()
        } else if pane.error.is_some() {
            t("Cannot read this directory.").to_string()
        } else {
            t("(empty)").to_string()
        };
        lines.push(Line::from(Span::styled(
            fit(&msg, inner.width as usize),
            th.faint,
        )));
    }
    // Matched characters are highlighted while a filter is set.
    let mut finder = pane
        .filter
        .as_ref()
        .filter(|f| !f.query.is_empty())
        .cloned();
    let end = (pane.offset + rows).min(pane.len());
    for (i, e) in (pane.offset.min(end)..end)
        .filter_map(|r| pane.row(r))
        .enumerate()
    {
        let idx = pane.offset + i;
        let mut style = entry_style(th, e);
        // While comparing: only on this side, newer here, different size or kind.
        if let Some(d) = pane.diff.get(&e.name) {
            use crate::state::compare::Diff;
            style = match d {
                Diff::Only => th.diff_only,
                Diff::Newer => th.diff_newer,
                Diff::Older => th.diff_older,
                Diff::Size | Diff::Kind | Diff::Content => th.diff_differs,
            };
        }
        let marked = !pane.marked.is_empty() && pane.marked.contains(&e.name);
        if marked {
            style = th.marked;
        }
        let on_cursor = idx == pane.cursor && focused;
        if idx == pane.cursor {
            style = if focused {
                th.cursor
            } else {
                style.add_modifier(Modifier::REVERSED)
            };
        }
        let text = row_text(e, &cols, marked, pane.dir_sizes.get(&e.name).copied());
        match finder.as_mut() {
            Some(fd) if e.name != ".." => {
                let hits = fd.indices(&e.name);
                let hit = if on_cursor {
                    style.add_modifier(Modifier::UNDERLINED)
                } else {
                    style.patch(th.filter_match)
                };
                lines.push(highlighted(
                    &text,
                    usize::from(marked),
                    cols.name,
                    &hits,
                    style,
                    hit,
                ));
            }
            _ => lines.push(Line::from(Span::styled(text, style))),
        }
    }
    f.render_widget(Paragraph::new(lines), inner);
}

/// A row with the characters of the name at `hits` (indices into the name, which starts
/// `skip` characters into `text` and fills at most `width` columns) underlined and yellow.
fn highlighted(
    text: &str,
    skip: usize,
    width: usize,
    hits: &[u32],
    base: Style,
    hit: Style,
) -> Line<'static> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_hit = false;
    let mut cols = 0;
    for (i, c) in text.chars().enumerate() {
        cols += unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        let is_hit = i >= skip
            && cols <= width
            && c != '…'
            && hits.binary_search(&((i - skip) as u32)).is_ok();
        if is_hit != run_hit && !run.is_empty() {
            spans.push(Span::styled(
                std::mem::take(&mut run),
                if run_hit { hit } else { base },
            ));
        }
        run_hit = is_hit;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_hit { hit } else { base }));
    }
    Line::from(spans)
}

/// Shorten a path from the left (`…/deep/dir`) so its end stays visible.
fn fit_path(path: &str, width: usize) -> String {
    // The server's path (from its `PWD` reply): hidden characters show as `?`.
    let path = &*crate::text::printable(path);
    if crate::ui::text::columns(path) <= width {
        return path.to_string();
    }
    crate::ui::text::fit_end(path, width)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_cut_from_the_left() {
        assert_eq!(fit_path("/home/user/projects", 10), "…/projects");
        assert_eq!(fit_path("/a", 10), "/a");
        assert_eq!(fit_path("/\u{1b}[2J\u{202E}cod", 10), "/?[2J?cod");
    }

    /// A narrow pane keeps the host's start and cuts its end with `…` (it was cut from the
    /// left, `7.0.0.1:2121 (NOT ENCRYPTED…`, which reads as another host); the path gives way
    /// first.
    #[test]
    fn a_narrow_title_keeps_the_host_from_its_start() {
        use ratatui::{Terminal, backend::TestBackend};
        let mut state = State::new("/tmp", crate::i18n::Lang::En);
        state.remote.label = "skiffci@127.0.0.1:2121 (NOT ENCRYPTED: password in clear)".into();
        state.remote.path = "/srv/ftp/some/long/directory".into();
        let top = |w: u16| {
            let mut term = Terminal::new(TestBackend::new(w, 5)).expect("terminal");
            term.draw(|f| draw(&state, Side::Remote, f.area(), f))
                .expect("draw");
            let buf = term.backend().buffer();
            (0..buf.area.width)
                .map(|x| buf[(x, 0)].symbol().to_string())
                .collect::<String>()
        };
        for w in [30u16, 40, 50] {
            let t = top(w);
            assert!(t.contains(" skiffci@127.0.0."), "{w}: {t}");
            assert!(t.contains('…'), "{w}: the cut is marked: {t}");
        }
        // Room for the host alone: it is whole, the path gives way.
        let t = top(64);
        assert!(
            t.contains(" skiffci@127.0.0.1:2121 (NOT ENCRYPTED: password in clear) "),
            "{t}"
        );
        let wide = top(100);
        assert!(
            wide.contains("(NOT ENCRYPTED: password in clear)"),
            "{wide}"
        );
        assert!(wide.contains("/srv/ftp"), "{wide}");
    }

    #[test]
    fn columns_drop_when_narrow() {
        let all = [Column::Size, Column::Time, Column::Perms];
        let c = columns(&all, 38);
        assert_eq!(c.shown, vec![Column::Size]);
        assert_eq!(c.name, 30);
        let c = columns(&all, 78);
        assert_eq!(c.shown, all);
        // The configured choice and order.
        let c = columns(&[Column::Perms, Column::Size], 78);
        assert_eq!(c.shown, vec![Column::Perms, Column::Size]);
        assert_eq!(c.name, 78 - 11 - 8);
    }
}
