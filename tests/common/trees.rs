//! A directory tree as data, to compare copies byte for byte: every file's relative path and
//! contents, every directory's path with a `/` at the end.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

/// Every file under `root`, relative path → contents (directories end in `/`; links and other
/// special files are left out). Panics on an unreadable tree (a test's own fixture).
pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    tree_now(root).unwrap_or_else(|| panic!("cannot read the tree {}", root.display()))
}

/// [`tree`] of a directory others are writing to: `None` while it is missing or an entry
/// vanishes under the walk (a temporary file renamed).
pub fn tree_now(root: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) -> Option<()> {
        for e in std::fs::read_dir(dir).ok()? {
            let e = e.ok()?;
            let rel = e
                .path()
                .strip_prefix(base)
                .ok()?
                .to_string_lossy()
                .into_owned();
            let ft = e.file_type().ok()?;
            if ft.is_dir() {
                out.insert(format!("{rel}/"), Vec::new());
                walk(base, &e.path(), out)?;
            } else if ft.is_file() {
                out.insert(rel, std::fs::read(e.path()).ok()?);
            }
        }
        Some(())
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out)?;
    Some(out)
}
