//! The mouse: clicks focus, select and open; the wheel scrolls; a drag dropped on the other
//! pane queues a copy.

use super::*;

impl State {
    /// The end of a mouse drag: drop on the other pane queues a copy.
    pub(super) fn drop_at(&mut self, col: u16, row: u16) -> Vec<Effect> {
        let Some((from, idx, was_selected)) = self.drag.take() else {
            return vec![];
        };
        let areas = self.areas();
        let to = from.other();
        if !areas.pane(to).contains_cell(col, row) {
            // A second click (press and release) on the selected row opens it.
            let same_row = areas.pane(from).contains_cell(col, row)
                && areas.row_at(from, row).map(|i| self.pane(from).offset + i) == Some(idx);
            if same_row && was_selected {
                return self.open(from);
            }
            return vec![];
        }
        // Dragging an unmarked row drags that row alone.
        let pane = self.pane_mut(from);
        if let Some(e) = pane.row(idx)
            && !pane.marked.contains(&e.name)
        {
            pane.marked.clear();
            pane.cursor = idx;
        }
        let target = self.pane(to);
        let into = areas
            .row_at(to, row)
            .map(|i| target.offset + i)
            .and_then(|i| target.row(i))
            .filter(|e| e.is_dir() && e.name != "..")
            .map(|e| join_path(to, &target.path, &e.name));
        self.queue_transfer(from, into, false)
    }

    pub(super) fn click(&mut self, col: u16, row: u16) -> Vec<Effect> {
        let areas = self.areas();
        self.drag = None;
        if areas.queue.contains_cell(col, row) {
            self.focus_panel(Panel::Queue);
            // Below the top border: the first job.
            let first = areas.queue.y + 1;
            if row >= first {
                let i = self.queue.offset + (row - first) as usize;
                if i < self.queue.filtered_len() {
                    self.queue.set_cursor(i);
                }
            }
            return vec![];
        }
        for side in [Side::Local, Side::Remote] {
            let a = areas.pane(side);
            if a.contains_cell(col, row) {
                self.focus = side;
                self.focus_panel(Panel::Panes);
                if let Some(i) = areas.row_at(side, row) {
                    let pane = self.pane_mut(side);
                    let idx = pane.offset + i;
                    if idx < pane.len() {
                        let was_selected = pane.cursor == idx;
                        pane.cursor = idx;
                        self.drag = Some((side, idx, was_selected));
                    }
                }
            }
        }
        vec![]
    }

    pub(super) fn wheel(&mut self, col: u16, row: u16, delta: i16) -> Vec<Effect> {
        let areas = self.areas();
        if areas.log.contains_cell(col, row) {
            self.log.scroll_by(-(delta as i64) * 3);
            return vec![];
        }
        for side in [Side::Local, Side::Remote] {
            if areas.pane(side).contains_cell(col, row) {
                self.pane_mut(side).move_by(delta as i64 * 3);
            }
        }
        vec![]
    }
}
