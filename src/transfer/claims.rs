//! The paths the queue's jobs write, so that two jobs never share one: a running job holds its
//! destination and its temporary file until it ends (another job for the same path waits),
//! and a name skiff makes up (a temporary `NAME.skiff-XXXXXXXX.part`, a numbered `NAME (1)`
//! for the rename policy) is never one that a job in the queue, or an entry of a directory
//! being copied, will write.
//!
//! Paths are kept in the form jobs carry them (`JobSpec::dst`), local and remote apart.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use super::job::JobId;

/// Which side a path is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Side {
    Local,
    Remote,
}

/// Shared between the engine and its workers.
pub type SharedClaims = Arc<Mutex<Claims>>;

#[derive(Debug, Default)]
pub struct Claims {
    /// Paths written by running jobs (destinations, temporary files, names the rename policy
    /// picked), with the job that writes each.
    held: HashMap<(Side, String), JobId>,
    /// Destinations of jobs queued in this engine's life, and of entries of listed
    /// directories, whose names look like one skiff makes up (see [`looks_made_up`]). Only
    /// those can equal a made-up name, so only those are kept, and never dropped: a job may
    /// wait on a conflict or a retry for as long as the user likes, and a name kept clear
    /// for nothing costs only a step to the next candidate.
    planned: HashSet<(Side, String)>,
}

/// Whether `name` could be a temporary or numbered name: it ends in `.part` or holds ` (`.
pub fn looks_made_up(name: &str) -> bool {
    name.ends_with(".part") || name.contains(" (")
}

fn file_name(path: &str) -> &str {
    path.rsplit(['/', std::path::MAIN_SEPARATOR])
        .next()
        .unwrap_or(path)
}

impl Claims {
    /// A destination some job will write (kept only when its name looks made up).
    pub fn plan(&mut self, side: Side, path: &str) {
        if looks_made_up(file_name(path)) {
            self.planned.insert((side, path.to_string()));
        }
    }

    /// Whether `path` is held by a running job other than `me`, or planned.
    pub fn taken(&self, side: Side, path: &str, me: JobId) -> bool {
        let key = (side, path.to_string());
        self.held.get(&key).is_some_and(|&j| j != me) || self.planned.contains(&key)
    }

    /// Whether a running job other than `me` holds `path`.
    pub fn held_by_other(&self, side: Side, path: &str, me: JobId) -> bool {
        self.held
            .get(&(side, path.to_string()))
            .is_some_and(|&j| j != me)
    }

    /// Hold `paths` for job `me`; false (and nothing held) when another running job holds one.
    pub fn hold_all(&mut self, me: JobId, paths: &[(Side, &str)]) -> bool {
        if paths.iter().any(|(s, p)| self.held_by_other(*s, p, me)) {
            return false;
        }
        for (s, p) in paths {
            self.held.insert((*s, p.to_string()), me);
        }
        true
    }

    /// Hold one more path for `me` (a free name it picked); false when another job has it.
    pub fn hold(&mut self, me: JobId, side: Side, path: &str) -> bool {
        self.hold_all(me, &[(side, path)])
    }

    /// Everything `me` held is free again.
    pub fn release(&mut self, me: JobId) {
        self.held.retain(|_, j| *j != me);
    }

    #[cfg(test)]
    fn held_count(&self) -> usize {
        self.held.len()
    }
}

/// Longest file name most file systems take, in bytes.
const NAME_MAX: usize = 255;

/// The temporary name a download of `src` to `dst` writes before renaming it to `dst`:
/// `NAME.skiff-XXXXXXXX.part` in the same directory, `XXXXXXXX` from a digest of both paths and
/// `n` (the n-th choice, when an earlier one is taken). The same job gets the same name
/// again, so a resume finds it; `NAME` is shortened when the whole would be too long.
pub fn temp_name(src: &str, dst: &str, n: u32) -> String {
    let mut input = Vec::with_capacity(src.len() + dst.len() + 8);
    input.extend_from_slice(src.as_bytes());
    input.push(0);
    input.extend_from_slice(dst.as_bytes());
    input.push(0);
    input.extend_from_slice(&n.to_le_bytes());
    let d = ring::digest::digest(&ring::digest::SHA256, &input);
    let tag = crate::fs::HashAlgo::hex(&d.as_ref()[..4]);
    let suffix = format!(".skiff-{tag}.part");
    let name = file_name(dst);
    let mut keep = name.len().min(NAME_MAX.saturating_sub(suffix.len()));
    while !name.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}{suffix}", &name[..keep])
}

/// The temporary name of a segmented download (see [`temp_name`]): `NAME.skiff-XXXXXXXX.seg.part`.
/// Its bytes are where the ranges put them, so only a segmented download, following its plan,
/// ever continues it.
pub fn segmented_temp_name(src: &str, dst: &str, n: u32) -> String {
    let plain = temp_name(src, dst, n.wrapping_add(SEGMENTED_SALT));
    let stem = plain.strip_suffix(".part").unwrap_or(&plain);
    // Shortened like `temp_name` when the whole would be too long.
    let mut keep = stem.len().min(NAME_MAX - ".seg.part".len());
    while !stem.is_char_boundary(keep) {
        keep -= 1;
    }
    if keep < stem.len() {
        // Cut from the name, not from its tag.
        let tag_at = stem.rfind(".skiff-").unwrap_or(0);
        let cut = stem.len() - keep;
        let mut name_end = tag_at.saturating_sub(cut);
        while !stem.is_char_boundary(name_end) {
            name_end -= 1;
        }
        return format!("{}{}.seg.part", &stem[..name_end], &stem[tag_at..]);
    }
    format!("{stem}.seg.part")
}

/// Whether a job's temporary name is a segmented download's (see [`segmented_temp_name`]).
pub fn is_segmented_name(name: &str) -> bool {
    name.ends_with(".seg.part")
}

/// Where the segmented names' choices start (apart from the one-stream names').
const SEGMENTED_SALT: u32 = 1 << 20;

/// `dst`'s directory joined with `name` (in the separator `dst` uses).
pub fn sibling(dst: &str, name: &str) -> String {
    match dst.rfind(['/', std::path::MAIN_SEPARATOR]) {
        Some(i) => format!("{}{name}", &dst[..=i]),
        None => name.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names_are_stable_distinct_and_short_enough() {
        let a = temp_name("/pub/x", "/tmp/d/x", 0);
        assert_eq!(
            a,
            temp_name("/pub/x", "/tmp/d/x", 0),
            "derivable from the job"
        );
        assert!(a.starts_with("x.skiff-") && a.ends_with(".part"), "{a}");
        assert_eq!(a.len(), "x.skiff-12345678.part".len());
        assert_ne!(a, temp_name("/pub/x", "/tmp/d/x", 1));
        assert_ne!(a, temp_name("/pub/x.part", "/tmp/d/x", 0));
        let long = "数".repeat(100);
        let t = temp_name("/a", &format!("/tmp/{long}"), 0);
        assert!(t.len() <= NAME_MAX, "{}", t.len());
        assert!(t.ends_with(".part"));
        assert_eq!(sibling("/tmp/d/x", "y"), "/tmp/d/y");
        let s = segmented_temp_name("/pub/x", "/tmp/d/x", 0);
        assert!(s.starts_with("x.skiff-") && is_segmented_name(&s), "{s}");
        assert!(!is_segmented_name(&a));
        assert_ne!(
            s.replace(".seg.part", ".part"),
            a,
            "apart from one-stream names"
        );
        assert!(looks_made_up(&s));
        let t = segmented_temp_name("/a", &format!("/tmp/{long}"), 0);
        assert!(t.len() <= NAME_MAX && is_segmented_name(&t), "{}", t.len());
        assert!(t.contains(".skiff-"), "{t}");
    }

    #[test]
    fn a_held_path_is_not_held_twice_and_plans_are_only_made_up_names() {
        let mut c = Claims::default();
        assert!(c.hold_all(1, &[(Side::Local, "/d/x"), (Side::Local, "/d/x.t.part")]));
        assert!(!c.hold_all(2, &[(Side::Local, "/d/y"), (Side::Local, "/d/x")]));
        assert!(
            !c.taken(Side::Local, "/d/y", 2),
            "nothing held after a refusal"
        );
        assert!(
            c.hold_all(2, &[(Side::Remote, "/d/x")]),
            "the other side is apart"
        );
        assert!(c.taken(Side::Local, "/d/x", 2));
        assert!(!c.taken(Side::Local, "/d/x", 1), "its own");
        c.release(1);
        assert!(!c.taken(Side::Local, "/d/x", 2));
        c.plan(Side::Local, "/d/plain");
        c.plan(Side::Local, "/d/x (1)");
        c.plan(Side::Local, "/d/x.part");
        assert!(!c.taken(Side::Local, "/d/plain", 9));
        assert!(c.taken(Side::Local, "/d/x (1)", 9));
        assert!(c.taken(Side::Local, "/d/x.part", 9));
        assert_eq!(c.held_count(), 1);
    }
}
