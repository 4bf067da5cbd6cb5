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

fn line_spans(th: &Theme, l: &LogLine, width: usize) -> Line<'static> {
    let head = format!("{} {:<7} ", l.time, fit(&l.tag, 7).trim_end());
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

pub fn draw(log: &LogPanel, area: Rect, f: &mut Frame) {
    let look = crate::config::look();
    let title = if log.scroll > 0 {
        format!(
            " {} ",
            tr!("Log (back {n} lines; ] to follow)", n = log.scroll)
        )
    } else {
        format!(" {} ", t("Log"))
    };
    let block = Block::new()
        .borders(Borders::TOP)
        .border_style(look.theme.border)
        .title(title);
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = inner.height as usize;
    let end = log.lines.len().saturating_sub(log.scroll);
    let start = end.saturating_sub(rows);
    let lines: Vec<Line> = log
        .lines
        .range(start..end)
        .map(|l| line_spans(&look.theme, l, inner.width as usize))
        .collect();
    f.render_widget(Paragraph::new(lines), inner);
}
