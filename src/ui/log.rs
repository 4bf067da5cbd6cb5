//! The log panel: the tail (or a scrolled-back window) of every control-connection line, coloured
//! by reply class, with each reply's meaning and, where the user can act, a hint.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::text::fit;
use crate::config::Theme;
use crate::ftp::LogKind;
use crate::ftp::replies::ReplyClass;
use crate::i18n::t;
use crate::state::{LogLine, LogPanel};
use crate::tr;

/// The theme's style for a reply of this code's class.
pub fn reply_style(th: &Theme, code: u16) -> Style {
    match ReplyClass::of(code) {
        ReplyClass::Preliminary => th.reply_1xx,
        ReplyClass::Completion => th.reply_2xx,
        ReplyClass::Intermediate => th.reply_3xx,
        ReplyClass::TransientNegative => th.reply_4xx,
        ReplyClass::PermanentNegative => th.reply_5xx,
        ReplyClass::Protected | ReplyClass::Unknown => th.reply_6xx,
    }
}

fn line_spans(th: &Theme, l: &LogLine, time: &str, folded: usize, width: usize) -> Line<'static> {
    let head = format!("{time} {:<7} ", fit(&l.tag, 7).trim_end());
    let (marker, style) = match l.kind {
        LogKind::Command => ("> ", th.log_command),
        LogKind::Reply { code, .. } => ("< ", reply_style(th, code)),
        LogKind::Info => ("* ", th.log_info),
        LogKind::Warn => ("! ", th.log_warn),
        LogKind::Error => ("! ", th.log_error),
    };
    let mut spans = vec![
        Span::styled(head, th.faint),
        Span::styled(marker, style),
        Span::styled(crate::text::printable(&l.text).into_owned(), style),
    ];
    if folded > 0 {
        spans.push(Span::styled(
            format!("  ▸ {}", tr!("{n} more lines (Space)", n = folded)),
            th.faint,
        ));
    }
    if let Some(x) = l.explanation {
        // For failures the hint (what to do) matters most, so it comes first.
        let note = match (&x.hint, l.kind) {
            (Some(h), LogKind::Reply { code, .. }) if code >= 400 => {
                format!("  — {h} ({})", x.meaning)
            }
            (Some(h), _) => format!("  — {} {h}", x.meaning),
            (None, _) => format!("  — {}", x.meaning),
        };
        spans.push(Span::styled(note, th.faint.add_modifier(Modifier::ITALIC)));
    }
    // Cut to the width; the panel never wraps.
    let mut used = 0usize;
    let mut out = Vec::with_capacity(spans.len());
    for s in spans {
        let w = unicode_width::UnicodeWidthStr::width(s.content.as_ref());
        if used >= width {
            break;
        }
        if used + w > width {
            out.push(Span::styled(fit(&s.content, width - used), s.style));
            used = width;
        } else {
            used += w;
            out.push(s);
        }
    }
    Line::from(out)
}

/// The time column: the clock, or seconds since the line shown before.
fn time_of(log: &LogPanel, view: &[usize], k: usize) -> String {
    let l = &log.lines[view[k]];
    if !log.relative {
        return l.time.clone();
    }
    let before = k.checked_sub(1).map(|p| log.lines[view[p]].at);
    let d = before
        .and_then(|b| l.at.duration_since(b).ok())
        .unwrap_or_default();
    format!("{:>+8.3}", d.as_secs_f64())
}

pub fn draw(log: &LogPanel, focused: bool, area: Rect, f: &mut Frame) {
    let look = crate::config::look();
    let th = &look.theme;
    let mut title = format!(" {} ", t("Log"));
    if log.scroll > 0 && !focused {
        title = format!(
            " {} ",
            tr!("Log (back {n} lines; ] to follow)", n = log.scroll)
        );
    }
    // What narrows it, in the title.
    let mut notes: Vec<String> = Vec::new();
    if log.typing || !log.filter.text.is_empty() {
        let cursor = if log.typing { "▏" } else { "" };
        notes.push(format!("/{}{cursor}", log.filter.text));
    }
    if log.filter.errors_only {
        notes.push(t("errors only").to_string());
    }
    if let Some(tag) = &log.filter.tag {
        notes.push(tr!("connection {tag}", tag = tag));
    }
    if log.relative {
        notes.push(t("relative times").to_string());
    }
    if !notes.is_empty() {
        title = format!("{title}· {} ", notes.join(" · "));
    }
    let border = if focused {
        th.border_focused
    } else {
        th.border
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(border)
        .title(Span::styled(title, border));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = inner.height as usize;
    // At most 5,000 lines: building the view each frame costs tens of microseconds.
    let view = log.view();
    let end = view.len().saturating_sub(log.scroll);
    let start = end.saturating_sub(rows);
    let width = inner.width as usize;
    let lines: Vec<Line> = (start..end)
        .map(|k| {
            let i = view[k];
            let time = time_of(log, &view, k);
            let line = line_spans(th, &log.lines[i], &time, log.hidden_after(i), width);
            if focused && log.cursor == Some(k) {
                line.patch_style(th.cursor)
            } else {
                line
            }
        })
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
