//! One pane: where it is, what it shows, where the cursor is. Sorting and cursor arithmetic only.

use super::action::Side;
use crate::fs::{Entry, EntryKind};

#[derive(Debug, Clone)]
pub struct Pane {
    pub side: Side,
    /// Current directory ("" before the first listing arrives).
    pub path: String,
    /// Sorted: `..` first (when not at the root), directories, then files, each by name.
    pub entries: Vec<Entry>,
    pub cursor: usize,
    /// Index of the first visible row.
    pub offset: usize,
    /// A listing request is in flight with this id (0: none).
    pub loading: u64,
    /// The last listing error, shown in the pane until the next success.
    pub error: Option<String>,
    /// Select this name when the pending listing arrives (the directory we came up from).
    pub select: Option<String>,
    /// Host label for the path bar (`local`, `user@host`).
    pub label: String,
    /// Directories and other entries in `entries` (without `..`), counted once per listing.
    pub counts: (usize, usize),
    /// Names marked for copying.
    pub marked: std::collections::HashSet<String>,
    /// A transfer finished here while a listing was in flight: read it again afterwards.
    pub stale: bool,
    /// Sizes of directories counted on request (by name), shown instead of `<DIR>`.
    pub dir_sizes: std::collections::HashMap<String, u64>,
}

impl Pane {
    pub fn new(side: Side, label: &str) -> Pane {
        Pane {
            side,
            path: String::new(),
            entries: Vec::new(),
            cursor: 0,
            offset: 0,
            loading: 0,
            error: None,
            select: None,
            label: label.to_string(),
            counts: (0, 0),
            marked: Default::default(),
            stale: false,
            dir_sizes: Default::default(),
        }
    }

    pub fn current(&self) -> Option<&Entry> {
        self.entries.get(self.cursor)
    }

    /// Replace the listing, keeping the cursor on `select` (or on the same name) when present.
    /// `entries` must already be sorted with [`sort_entries`] (done off the UI task).
    pub fn set_listing(&mut self, path: String, mut entries: Vec<Entry>, is_root: bool) {
        let keep = self.select.take().or_else(|| {
            (path == self.path)
                .then(|| self.current().map(|e| e.name.clone()))
                .flatten()
        });
        let dirs = entries.iter().filter(|e| e.is_dir()).count();
        self.counts = (dirs, entries.len() - dirs);
        if !is_root {
            entries.insert(
                0,
                Entry {
                    name: "..".into(),
                    kind: EntryKind::Dir,
                    size: 0,
                    mtime: None,
                    perms: None,
                    link_target: None,
                },
            );
        }
        let same_dir = path == self.path;
        if !same_dir {
            self.marked.clear();
            self.dir_sizes.clear();
        } else {
            // Marks of entries that vanished go with them.
            let names: std::collections::HashSet<&str> =
                entries.iter().map(|e| e.name.as_str()).collect();
            self.marked.retain(|m| names.contains(m.as_str()));
        }
        self.path = path;
        self.entries = entries;
        self.error = None;
        let found = keep.and_then(|n| self.entries.iter().position(|e| e.name == n));
        self.cursor = match found {
            Some(i) => i,
            None if same_dir => self.cursor.min(self.entries.len().saturating_sub(1)),
            None => 0,
        };
        if !same_dir {
            self.offset = 0;
        }
    }

    /// Move the cursor by `delta` rows, clamped.
    pub fn move_by(&mut self, delta: i64) {
        if self.entries.is_empty() {
            self.cursor = 0;
            return;
        }
        let last = self.entries.len() as i64 - 1;
        self.cursor = (self.cursor as i64 + delta).clamp(0, last) as usize;
    }

    pub fn move_to(&mut self, index: usize) {
        self.cursor = index.min(self.entries.len().saturating_sub(1));
    }

    /// Keep the cursor inside a window of `rows` rows.
    pub fn scroll_into_view(&mut self, rows: usize) {
        let rows = rows.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + rows {
            self.offset = self.cursor + 1 - rows;
        }
        let max_offset = self.entries.len().saturating_sub(rows);
        self.offset = self.offset.min(max_offset);
    }
}

pub use crate::fs::sort_entries;

#[cfg(test)]
mod tests {
    use super::*;

    fn e(name: &str, kind: EntryKind) -> Entry {
        Entry {
            name: name.into(),
            kind,
            size: 0,
            mtime: None,
            perms: None,
            link_target: None,
        }
    }

    #[test]
    fn dirs_first_then_names() {
        let mut v = vec![
            e("b.txt", EntryKind::File),
            e("Zeta", EntryKind::Dir),
            e("alpha", EntryKind::Dir),
            e("A.txt", EntryKind::File),
            e("link", EntryKind::Symlink),
        ];
        sort_entries(&mut v);
        let names: Vec<_> = v.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["alpha", "Zeta", "A.txt", "b.txt", "link"]);
    }

    #[test]
    fn listing_keeps_the_selected_name() {
        let mut p = Pane::new(Side::Local, "local");
        p.select = Some("b".into());
        assert_eq!(p.counts, (0, 0));
        p.set_listing(
            "/x".into(),
            vec![e("a", EntryKind::Dir), e("b", EntryKind::Dir)],
            false,
        );
        assert_eq!(p.entries[0].name, "..");
        assert_eq!(p.counts, (2, 0));
        assert_eq!(p.current().unwrap().name, "b");
        p.move_by(100);
        assert_eq!(p.cursor, 2);
        p.move_by(-100);
        assert_eq!(p.cursor, 0);
    }

    #[test]
    fn scrolling_follows_the_cursor() {
        let mut p = Pane::new(Side::Local, "local");
        let v: Vec<_> = (0..100)
            .map(|i| e(&format!("f{i:03}"), EntryKind::File))
            .collect();
        p.set_listing("/".into(), v, true);
        p.move_to(50);
        p.scroll_into_view(10);
        assert_eq!(p.offset, 41);
        p.move_to(0);
        p.scroll_into_view(10);
        assert_eq!(p.offset, 0);
    }
}
