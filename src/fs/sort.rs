//! The orders a listing can be shown in (name, extension, size, time, either way), as indices
//! into a listing in the standard order of [`super::sort_entries`].

use super::Entry;

/// What a pane sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortBy {
    #[default]
    Name,
    /// The extension, then the name.
    Ext,
    Size,
    Time,
}

/// A pane's order: what by, which way. Directories always come first, `..` before them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sort {
    pub by: SortBy,
    pub desc: bool,
}

impl Sort {
    /// The next order in the cycle: name ↑, name ↓, ext ↑, ext ↓, size ↓, size ↑, time ↓,
    /// time ↑ (size and time start with the largest and newest, as people look for them).
    pub fn next(self) -> Sort {
        use SortBy::*;
        let (by, desc) = match (self.by, self.desc) {
            (Name, false) => (Name, true),
            (Name, true) => (Ext, false),
            (Ext, false) => (Ext, true),
            (Ext, true) => (Size, true),
            (Size, true) => (Size, false),
            (Size, false) => (Time, true),
            (Time, true) => (Time, false),
            (Time, false) => (Name, false),
        };
        Sort { by, desc }
    }

    /// For the column header: `name ↑`.
    pub fn label(self) -> String {
        use crate::i18n::t;
        let by = match self.by {
            SortBy::Name => t("name"),
            SortBy::Ext => t("ext"),
            SortBy::Size => t("size"),
            SortBy::Time => t("time"),
        };
        format!("{by} {}", if self.desc { '↓' } else { '↑' })
    }

    /// The rows of `entries` in this order, as indices. `entries` is a listing in the
    /// standard order (`..` first, directories, then files, each by name: what
    /// [`super::sort_entries`] gives), so an entry's index is its rank by name, and every order is a
    /// sort of integers: directories first, then the order's key, then that rank.
    pub fn order(self, entries: &[Entry]) -> Vec<u32> {
        let up = entries.first().is_some_and(|e| e.name == "..");
        let mut idx: Vec<u32> = (u32::from(up)..entries.len() as u32).collect();
        let dir = |i: u32| entries[i as usize].is_dir();
        let desc = self.desc;
        let by_key = |key: &dyn Fn(u32) -> i128, idx: &mut Vec<u32>| {
            idx.sort_unstable_by(|&a, &b| {
                let o = key(a).cmp(&key(b)).then(a.cmp(&b));
                dir(b).cmp(&dir(a)).then(if desc { o.reverse() } else { o })
            });
        };
        match self.by {
            SortBy::Name if !desc => {}
            SortBy::Name => by_key(&|_| 0, &mut idx),
            SortBy::Size => by_key(&|i| i128::from(entries[i as usize].size), &mut idx),
            SortBy::Time => by_key(
                &|i| entries[i as usize].mtime.map_or(i128::MIN, i128::from),
                &mut idx,
            ),
            SortBy::Ext => {
                // Rank the few distinct extensions once, case-insensitively.
                let ext_of = |e: &Entry| -> String {
                    match e.name.rfind('.') {
                        Some(p) if p > 0 => e.name[p + 1..].to_lowercase(),
                        _ => String::new(),
                    }
                };
                let mut seen: std::collections::HashMap<String, u32> = Default::default();
                let raw: Vec<u32> = entries
                    .iter()
                    .map(|e| {
                        let n = seen.len() as u32;
                        *seen.entry(ext_of(e)).or_insert(n)
                    })
                    .collect();
                let mut distinct: Vec<(&String, &u32)> = seen.iter().collect();
                distinct.sort_unstable_by(|a, b| a.0.cmp(b.0));
                let mut rank = vec![0u32; distinct.len()];
                for (r, (_, id)) in distinct.iter().enumerate() {
                    rank[**id as usize] = r as u32;
                }
                by_key(&|i| i128::from(rank[raw[i as usize] as usize]), &mut idx);
            }
        }
        if up {
            idx.insert(0, 0);
        }
        idx
    }
}
