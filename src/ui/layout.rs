//! Where everything goes on screen. Pure arithmetic shared by `draw` and by `update` (paging,
//! mouse hit-testing), so both always agree.

use ratatui::layout::Rect;

use crate::state::{LogSize, Side};

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
