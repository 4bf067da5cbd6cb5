//! Where everything goes on screen. Pure arithmetic shared by `update` (paging, scrolling,
//! mouse hit-testing) and by `draw`, so both always agree. It lives with the state, as helix
//! keeps `Rect` in its view crate: the state needs it, and `ui` draws into these rectangles.

use ratatui::layout::Rect;

use super::keymap::ACTION_HELP;
use super::logview::NotesView;
use super::{LogSize, Side};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Areas {
    pub local: Rect,
    pub remote: Rect,
    /// The transfer queue (zero height when hidden).
    pub queue: Rect,
    pub log: Rect,
    pub status: Rect,
    pub keys: Rect,
}

/// Rows a pane spends on its frame and column header.
const PANE_CHROME: u16 = 3;

pub trait RectExt {
    fn contains_cell(&self, col: u16, row: u16) -> bool;
}

impl RectExt for Rect {
    fn contains_cell(&self, col: u16, row: u16) -> bool {
        col >= self.x && col < self.x + self.width && row >= self.y && row < self.y + self.height
    }
}

impl Areas {
    pub fn pane(&self, side: Side) -> Rect {
        match side {
            Side::Local => self.local,
            Side::Remote => self.remote,
        }
    }

    /// Entry rows visible in a pane.
    pub fn list_rows(&self) -> usize {
        self.local.height.saturating_sub(PANE_CHROME).max(1) as usize
    }

    /// Which visible entry row (0-based) a screen row falls on.
    pub fn row_at(&self, side: Side, row: u16) -> Option<usize> {
        let p = self.pane(side);
        let first = p.y + 2;
        let last = p.y + p.height.saturating_sub(1);
        (row >= first && row < last).then(|| (row - first) as usize)
    }
}

pub fn areas(width: u16, height: u16, log: LogSize, queue: bool) -> Areas {
    let bottom = 2.min(height);
    let body = height - bottom;
    let log_h = match log {
        LogSize::Hidden => 0,
        LogSize::Normal => (body / 4).clamp(5, 14).min(body.saturating_sub(6)),
        LogSize::Large => (body * 3 / 5).min(body.saturating_sub(6)),
    };
    let queue_h = if queue {
        (body / 4).clamp(5, 14).min(body.saturating_sub(log_h + 6))
    } else {
        0
    };
    let panes_h = body - log_h - queue_h;
    let left_w = width / 2;
    Areas {
        local: Rect::new(0, 0, left_w, panes_h),
        remote: Rect::new(left_w, 0, width - left_w, panes_h),
        queue: Rect::new(0, panes_h, width, queue_h),
        log: Rect::new(0, panes_h + queue_h, width, log_h),
        status: Rect::new(0, body, width, bottom.min(1)),
        keys: Rect::new(0, body + bottom.min(1), width, bottom.saturating_sub(1)),
    }
}

/// The smallest terminal the layout is made for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// The notes' width and their height in rows once wrapped (headings and gaps included, the
/// hint line not).
pub fn notes_size(v: &NotesView, full: Rect) -> (u16, usize) {
    let w = 76u16.min(full.width.saturating_sub(2));
    let inner_w = w.saturating_sub(2).max(1) as usize;
    let body: usize = v
        .parts
        .iter()
        .map(|(_, text)| {
            text.lines()
                .map(|l| unicode_width::UnicodeWidthStr::width(l) / inner_w + 1)
                .sum::<usize>()
                + 2
        })
        .sum();
    (w, body)
}

/// How far the notes can scroll on a screen of `full`'s size.
pub fn notes_max_scroll(v: &NotesView, full: Rect) -> usize {
    let (_, body) = notes_size(v, full);
    // The box is at most the screen, less its two borders (the hint is in the bottom one).
    body.saturating_sub(full.height.saturating_sub(2) as usize)
}

/// How far the help overlay can scroll on a `width`x`height` screen (0: it fits).
pub fn help_max_top(height: u16) -> usize {
    let n = ACTION_HELP.len();
    let one_col = n as u16 + 6 <= height;
    let rows = if one_col { n } else { n.div_ceil(2) };
    let shown = (rows as u16 + 5).min(height).saturating_sub(2) as usize;
    (rows + 3).saturating_sub(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everything_fits() {
        for (w, h) in [(80, 24), (160, 48), (20, 5), (1, 1), (0, 0)] {
            for size in [LogSize::Normal, LogSize::Large, LogSize::Hidden] {
                for q in [false, true] {
                    let a = areas(w, h, size, q);
                    let used = a.local.height + a.queue.height + a.log.height;
                    assert!(used + a.status.height + a.keys.height <= h);
                    assert!(a.local.width + a.remote.width <= w);
                }
            }
        }
        assert_eq!(areas(80, 24, LogSize::Normal, true).queue.height, 5);
        let a = areas(80, 24, LogSize::Normal, false);
        assert_eq!(a.list_rows(), 14);
        assert_eq!(a.row_at(Side::Local, 2), Some(0));
        assert_eq!(a.row_at(Side::Local, 1), None);
    }
}
