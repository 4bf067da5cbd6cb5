//! One pane: where it is, what it shows, where the cursor is. Sorting and cursor arithmetic only.

use super::action::Side;
use crate::fs::{Entry, EntryKind};

pub use crate::fs::sort::{Sort, SortBy};

/// Filter-as-you-type: the query, and a fuzzy matcher (nucleo) built for it.
pub struct Finder {
    pub query: String,
    pattern: nucleo_matcher::pattern::Pattern,
    matcher: nucleo_matcher::Matcher,
    buf: Vec<char>,
}

impl Finder {
    pub fn new(query: &str) -> Finder {
        use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
        Finder {
            query: query.to_string(),
            pattern: Pattern::parse(query, CaseMatching::Smart, Normalization::Smart),
            matcher: nucleo_matcher::Matcher::new(nucleo_matcher::Config::DEFAULT),
            buf: Vec::new(),
        }
    }

    pub fn matches(&mut self, name: &str) -> bool {
        let hay = nucleo_matcher::Utf32Str::new(name, &mut self.buf);
        self.pattern.score(hay, &mut self.matcher).is_some()
    }

    /// Which characters of `name` (by index) the query matched, in order.
    pub fn indices(&mut self, name: &str) -> Vec<u32> {
        let mut out = Vec::new();
        let hay = nucleo_matcher::Utf32Str::new(name, &mut self.buf);
        self.pattern.indices(hay, &mut self.matcher, &mut out);
        out.sort_unstable();
        out.dedup();
        out
    }
}

impl Clone for Finder {
    fn clone(&self) -> Finder {
        Finder::new(&self.query)
    }
}

impl std::fmt::Debug for Finder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Finder({:?})", self.query)
    }
}

#[derive(Debug, Clone)]
pub struct Pane {
    pub side: Side,
    /// Current directory ("" before the first listing arrives).
    pub path: String,
    /// The whole listing in the pane's order: `..` first (when not at the root), directories,
    /// then files.
    pub entries: Vec<Entry>,
    /// Indices into `entries` in the pane's order (`entries` stays in the standard order).
    pub order: Vec<u32>,
    /// Indices into `entries` of the rows shown, in order (hidden files and the filter
    /// leave some out).
    pub view: Vec<u32>,
    /// Row of `view` under the cursor.
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
    pub sort: Sort,
    /// Show names that start with a dot.
    pub show_hidden: bool,
    /// The filter, while one is set.
    pub filter: Option<Finder>,
    /// The filter line has the keyboard.
    pub filter_typing: bool,
    /// Directories visited before (back) and after (forward) the current one.
    pub back: Vec<String>,
    pub forward: Vec<String>,
    /// The pending listing is a move through the history (which is already updated):
    /// `Some(true)` back, `Some(false)` forward.
    pub history_move: Option<bool>,
    /// While the panes are compared: how each differing entry (by name) stands.
    pub diff: std::collections::HashMap<String, super::compare::Diff>,
}

/// How many directories the back and forward lists keep.
const HISTORY: usize = 100;

impl Pane {
    pub fn new(side: Side, label: &str) -> Pane {
        Pane {
            side,
            path: String::new(),
            entries: Vec::new(),
            order: Vec::new(),
            view: Vec::new(),
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
            sort: Sort::default(),
            show_hidden: true,
            filter: None,
            filter_typing: false,
            back: Vec::new(),
            forward: Vec::new(),
            history_move: None,
            diff: Default::default(),
        }
    }

    /// Rows shown.
    pub fn len(&self) -> usize {
        self.view.len()
    }

    pub fn is_empty(&self) -> bool {
        self.view.is_empty()
    }

    /// The entry on row `row`.
    pub fn row(&self, row: usize) -> Option<&Entry> {
        self.view
            .get(row)
            .and_then(|&i| self.entries.get(i as usize))
    }

    /// The shown entries, in order.
    pub fn rows(&self) -> impl Iterator<Item = &Entry> {
        self.view
            .iter()
            .filter_map(|&i| self.entries.get(i as usize))
    }

    pub fn current(&self) -> Option<&Entry> {
        self.row(self.cursor)
    }

    /// The row showing `name`, if it is shown.
    pub fn row_of(&self, name: &str) -> Option<usize> {
        self.view
            .iter()
            .position(|&i| self.entries.get(i as usize).is_some_and(|e| e.name == name))
    }

    /// Work out which entries are shown (after a listing, a toggle or a filter change), keeping
    /// the cursor on the same name when it is still shown.
    pub fn rebuild_view(&mut self) {
        if self.order.len() != self.entries.len() {
            self.order = self.sort.order(&self.entries);
        }
        let keep = self.view.get(self.cursor).copied();
        let show_hidden = self.show_hidden;
        let mut finder = self.filter.take();
        let entries = &self.entries;
        self.view = self
            .order
            .iter()
            .copied()
            .filter(|&i| {
                let e = &entries[i as usize];
                e.name == ".."
                    || ((show_hidden || !e.name.starts_with('.'))
                        && finder.as_mut().is_none_or(|f| f.matches(&e.name)))
            })
            .collect();
        self.filter = finder;
        self.cursor = keep
            .and_then(|k| self.view.iter().position(|&i| i == k))
            .unwrap_or(self.cursor)
            .min(self.view.len().saturating_sub(1));
        // A filter that matches something puts the cursor on the first match, not on `..`.
        if self.filter.is_some()
            && self.current().is_some_and(|e| e.name == "..")
            && self.view.len() > 1
        {
            self.cursor = 1;
        }
    }

    /// Sort again in a new order (keeping the cursor on its entry).
    pub fn set_sort(&mut self, sort: Sort) {
        self.sort = sort;
        self.order = sort.order(&self.entries);
        self.rebuild_view();
    }

    /// Set (or with `""`, clear) the filter.
    pub fn set_filter(&mut self, query: &str) {
        self.filter = (!query.is_empty()).then(|| Finder::new(query));
        self.rebuild_view();
    }

    /// Replace the listing, keeping the cursor on `select` (or on the same name) when present.
    /// `entries` must already be sorted with [`sort_entries`] (done off the UI task); another
    /// order of the pane's is applied here.
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
            self.filter = None;
            self.filter_typing = false;
            // History: the directory left goes on the back list, and a new way forward
            // forgets the old one (a move through the history has done its own bookkeeping).
            if self.history_move.take().is_some() {
                // Nothing to do.
            } else if !self.path.is_empty() {
                self.back.push(std::mem::take(&mut self.path));
                if self.back.len() > HISTORY {
                    self.back.remove(0);
                }
                self.forward.clear();
            }
        } else {
            // Marks of entries that vanished go with them.
            let names: std::collections::HashSet<&str> =
                entries.iter().map(|e| e.name.as_str()).collect();
            self.marked.retain(|m| names.contains(m.as_str()));
        }
        self.path = path;
        self.entries = entries;
        self.order = self.sort.order(&self.entries);
        self.error = None;
        self.cursor = 0;
        self.view.clear();
        self.rebuild_view();
        let found = keep.and_then(|n| self.row_of(&n));
        self.cursor = match found {
            Some(i) => i,
            None if same_dir => self.cursor.min(self.view.len().saturating_sub(1)),
            None => 0,
        };
        if !same_dir {
            self.offset = 0;
        }
    }

    /// Move the cursor by `delta` rows, clamped.
    pub fn move_by(&mut self, delta: i64) {
        if self.view.is_empty() {
            self.cursor = 0;
            return;
        }
        let last = self.view.len() as i64 - 1;
        self.cursor = (self.cursor as i64 + delta).clamp(0, last) as usize;
    }

    pub fn move_to(&mut self, index: usize) {
        self.cursor = index.min(self.view.len().saturating_sub(1));
    }

    /// Keep the cursor inside a window of `rows` rows.
    pub fn scroll_into_view(&mut self, rows: usize) {
        let rows = rows.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + rows {
            self.offset = self.cursor + 1 - rows;
        }
        let max_offset = self.view.len().saturating_sub(rows);
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
        assert_eq!(p.row(0).unwrap().name, "..");
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
