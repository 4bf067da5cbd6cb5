//! The log panel: the tail (or a scrolled-back window) of every control-connection line, coloured
//! by reply class, with each reply's meaning and, where the user can act, a hint.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::text::fit;
use crate::ftp::LogKind;
use crate::ftp::replies::ReplyClass;
use crate::state::{LogLine, LogPanel};

pub fn reply_color(code: u16) -> Color {
    match ReplyClass::of(code) {
        ReplyClass::Preliminary => Color::LightBlue,
        ReplyClass::Completion => Color::LightGreen,
        ReplyClass::Intermediate => Color::LightCyan,
        ReplyClass::TransientNegative => Color::LightYellow,
        ReplyClass::PermanentNegative => Color::LightRed,
        ReplyClass::Protected | ReplyClass::Unknown => Color::Gray,
    }
}

fn line_spans(l: &LogLine, width: usize) -> Line<'static> {
    let head = format!("{} {:<7} ", l.time, fit(&l.tag, 7).trim_end());
    let (marker, style) = match l.kind {
        LogKind::Command => (
            "> ",
            Style::new().fg(Color::White).add_modifier(Modifier::BOLD),
        ),
        LogKind::Reply { code, .. } => ("< ", Style::new().fg(reply_color(code))),
        LogKind::Info => ("* ", Style::new().fg(Color::Gray)),
        LogKind::Warn => ("! ", Style::new().fg(Color::Yellow)),
        LogKind::Error => (
            "! ",
            Style::new()
                .fg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
        ),
    };
    let mut spans = vec![
        Span::styled(head, Style::new().fg(Color::DarkGray)),
        Span::styled(marker, style),
        Span::styled(l.text.clone(), style),
    ];
    if let Some(x) = l.explanation {
        // For failures the hint (what to do) matters most, so it comes first.
        let note = match (&x.hint, l.kind) {
            (Some(h), LogKind::Reply { code, .. }) if code >= 400 => {
                format!("  — {h} ({})", x.meaning)
            }
            (Some(h), _) => format!("  — {} {h}", x.meaning),
            (None, _) => format!("  — {}", x.meaning),
        };
        spans.push(Span::styled(
            note,
            Style::new()
                .fg(Color::DarkGray)
                .add_modifier(Modifier::ITALIC),
        ));
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

pub fn draw(log: &LogPanel, area: Rect, f: &mut Frame) {
    let title = if log.scroll > 0 {
        format!(" Log (back {} lines; ] to follow) ", log.scroll)
    } else {
        " Log ".to_string()
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(Style::new().fg(Color::DarkGray))
        .title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = inner.height as usize;
    let end = log.lines.len().saturating_sub(log.scroll);
    let start = end.saturating_sub(rows);
    let lines: Vec<Line> = log
        .lines
        .range(start..end)
        .map(|l| line_spans(l, inner.width as usize))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
