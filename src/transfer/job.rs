//! Jobs as data: what to move, where, and how far it got. Serializable, so the queue survives
//! a restart.

use crate::i18n::n_;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub type JobId = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Remote to local.
    Download,
    /// Local to remote.
    Upload,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    File,
    /// A directory: listing it adds one job per entry.
    Dir,
    /// The last step of moving a directory: remove the (now empty) source directory.
    RemoveDir,
}

/// What to do when the destination already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnExists {
    /// Replace it.
    Overwrite,
    /// Replace it only if the source is newer.
    Newer,
    /// Replace it only if the sizes differ.
    Size,
    /// Continue from the destination's length when it is shorter (else skip if equal).
    Resume,
    /// Keep both: write `name (1).ext`.
    Rename,
    Skip,
    /// Stop and ask (the TUI's default).
    Ask,
}

impl OnExists {
    pub const CLI_CHOICES: [&'static str; 6] =
        ["overwrite", "newer", "size", "resume", "skip", "rename"];

    pub fn parse(s: &str) -> Option<OnExists> {
        Some(match s {
            "overwrite" => OnExists::Overwrite,
            "newer" => OnExists::Newer,
            "size" => OnExists::Size,
            "resume" => OnExists::Resume,
            "skip" => OnExists::Skip,
            "rename" => OnExists::Rename,
            "ask" => OnExists::Ask,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobState {
    Queued,
    Running,
    Paused,
    Done,
    /// Waiting for the user to choose what to do with an existing destination.
    Conflict {
        dst_size: Option<u64>,
        dst_mtime: Option<i64>,
    },
    Failed {
        reason: String,
        code: Option<u16>,
    },
    Skipped {
        reason: String,
    },
    Cancelled,
}

impl JobState {
    pub fn is_finished(&self) -> bool {
        matches!(
            self,
            JobState::Done
                | JobState::Failed { .. }
                | JobState::Skipped { .. }
                | JobState::Cancelled
        )
    }
    pub fn label(&self) -> &'static str {
        match self {
            JobState::Queued => n_("queued"),
            JobState::Running => n_("running"),
            JobState::Paused => n_("paused"),
            JobState::Done => n_("done"),
            JobState::Conflict { .. } => n_("exists?"),
            JobState::Failed { .. } => n_("failed"),
            JobState::Skipped { .. } => n_("skipped"),
            JobState::Cancelled => n_("cancelled"),
        }
    }
}

/// What the caller asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobSpec {
    pub direction: Direction,
    pub kind: JobKind,
    /// Source path (remote for downloads, local for uploads). Shared, so the copies of a job
    /// in events and views cost a reference count, not the path.
    pub src: Arc<str>,
    /// Full destination path, including the name.
    pub dst: Arc<str>,
    /// Size from the listing, when known.
    pub size: Option<u64>,
    /// Source modification time, when known.
    pub mtime: Option<i64>,
    /// Delete the source after a verified copy.
    pub is_move: bool,
}

/// A job in the queue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Job {
    pub id: JobId,
    /// The directory job this one came from.
    pub parent: Option<JobId>,
    #[serde(flatten)]
    pub spec: JobSpec,
    #[serde(flatten)]
    pub state: JobState,
    /// Bytes in place at the destination (what a resume continues from).
    pub done: u64,
    /// Attempts made so far (retries included).
    pub attempts: u32,
    /// A per-job answer to a conflict, set by the user.
    pub on_exists: Option<OnExists>,
    /// Binary, ASCII or auto: the transfer type chosen when the job was queued (a directory's
    /// jobs inherit it).
    #[serde(default, skip_serializing_if = "is_binary")]
    pub mode: super::TransferMode,
    /// An entry a directory's listing had but skiff will not copy (an unsafe name such as
    /// `../x`, a special file): shown as skipped, never run, not even by a retry.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub never: bool,
    /// The temporary file written before it is renamed to the destination (every download;
    /// an upload when the engine's `UploadTemp` says so): a name in the destination's
    /// directory chosen at its first run (see `claims::temp_name`) and kept, so that a
    /// resume, even after a restart, continues the same file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    /// For a directory found inside one being copied: the directories above it as the walk
    /// recognised them (see `fs::walk`), so that a link back up or a loop is left alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub above: Option<Arc<[crate::fs::walk::DirMark]>>,
    /// The operation it belongs to (one F5/F6, drop or synchronisation): the id of the first
    /// job that operation queued; a directory's jobs inherit it. "Apply to all conflicts"
    /// answers the conflicts of one batch. 0 for a job saved before batches existed.
    #[serde(default)]
    pub batch: JobId,
    /// A segmented download's ranges and how far each got (see `transfer::segments`): given
    /// at its first run together with its temporary name (the two are saved together, and only
    /// a segmented download writes a temporary file named `….seg.part`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segments: Option<Vec<super::segments::Segment>>,
    /// An upload that wrote straight to its destination has begun to (its `STOR` went out): a
    /// file there is this job's own, continued or sent again without asking, never taken for
    /// the user's existing file (after a quit at 0 bytes, the empty file skiff made).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub touched: bool,
}

fn is_binary(m: &super::TransferMode) -> bool {
    *m == super::TransferMode::Binary
}

impl Job {
    pub fn name(&self) -> &str {
        let p = self.spec.src.trim_end_matches('/');
        p.rsplit(['/', std::path::MAIN_SEPARATOR])
            .next()
            .unwrap_or(p)
    }
}

/// The entries of a listed directory that are not jobs yet, kept compact (one string for all
/// names, 32 bytes per entry besides): the engine turns them into jobs a few at a time, so a
/// directory of 100,000 files costs a few megabytes while it waits, not a `Job` per file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Children {
    names: String,
    items: Vec<Child>,
    /// Entries before this one were taken.
    next: usize,
    files_left: usize,
    bytes_left: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
struct Child {
    /// Where the name ends in `names` (it starts where the previous one ends).
    end: usize,
    kind: JobKind,
    /// `u64::MAX` when unknown.
    size: u64,
    /// `i64::MIN` when unknown.
    mtime: i64,
}

/// One entry taken out of [`Children`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildEntry {
    pub name: String,
    pub kind: JobKind,
    pub size: Option<u64>,
    pub mtime: Option<i64>,
}

impl Children {
    pub fn push(&mut self, name: &str, kind: JobKind, size: Option<u64>, mtime: Option<i64>) {
        self.names.push_str(name);
        self.items.push(Child {
            end: self.names.len(),
            kind,
            size: size.unwrap_or(u64::MAX),
            mtime: mtime.unwrap_or(i64::MIN),
        });
        if kind == JobKind::File {
            self.files_left += 1;
            self.bytes_left += size.unwrap_or(0);
        }
    }

    fn name_at(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.items[i - 1].end };
        &self.names[start..self.items[i].end]
    }

    /// The names and kinds of the entries not taken yet.
    pub fn remaining(&self) -> impl Iterator<Item = (&str, JobKind)> + '_ {
        (self.next..self.items.len()).map(|i| (self.name_at(i), self.items[i].kind))
    }

    /// Entries not taken yet.
    pub fn len(&self) -> usize {
        self.items.len() - self.next
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Files (not directories) not taken yet, and their bytes as far as known.
    pub fn files_left(&self) -> (usize, u64) {
        (self.files_left, self.bytes_left)
    }

    /// Directories first, then by name, as the panes sort (the order the jobs are made in).
    pub fn sort(&mut self) {
        let rank = |k: JobKind| u8::from(k != JobKind::Dir);
        let mut idx: Vec<usize> = (self.next..self.items.len()).collect();
        idx.sort_unstable_by(|&a, &b| {
            rank(self.items[a].kind)
                .cmp(&rank(self.items[b].kind))
                .then_with(|| crate::fs::compare_names(self.name_at(a), self.name_at(b)))
        });
        let mut sorted = Children::default();
        for i in idx {
            let c = self.items[i];
            sorted.push(
                self.name_at(i),
                c.kind,
                (c.size != u64::MAX).then_some(c.size),
                (c.mtime != i64::MIN).then_some(c.mtime),
            );
        }
        *self = sorted;
    }

    /// Take the next entry.
    pub fn pop(&mut self) -> Option<ChildEntry> {
        if self.next >= self.items.len() {
            return None;
        }
        let c = self.items[self.next];
        let e = ChildEntry {
            name: self.name_at(self.next).to_string(),
            kind: c.kind,
            size: (c.size != u64::MAX).then_some(c.size),
            mtime: (c.mtime != i64::MIN).then_some(c.mtime),
        };
        self.next += 1;
        if c.kind == JobKind::File {
            self.files_left -= 1;
            self.bytes_left -= e.size.unwrap_or(0);
        }
        if self.next == self.items.len() {
            // All taken: give the memory back now.
            *self = Children::default();
        }
        Some(e)
    }
}

/// `name (1).ext`, `name (2).ext`… the n-th alternative for a name that exists.
pub fn numbered_name(name: &str, n: u32) -> String {
    match name.rfind('.') {
        Some(i) if i > 0 => format!("{} ({n}){}", &name[..i], &name[i..]),
        _ => format!("{name} ({n})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_names() {
        assert_eq!(numbered_name("a.txt", 1), "a (1).txt");
        assert_eq!(numbered_name("archive.tar.gz", 2), "archive.tar (2).gz");
        assert_eq!(numbered_name(".bashrc", 1), ".bashrc (1)");
        assert_eq!(numbered_name("README", 3), "README (3)");
    }

    #[test]
    fn jobs_round_trip_through_json() {
        let j = Job {
            id: 7,
            parent: Some(1),
            spec: JobSpec {
                direction: Direction::Download,
                kind: JobKind::File,
                src: "/pub/a b.txt".into(),
                dst: "/tmp/a b.txt".into(),
                size: Some(10),
                mtime: Some(1),
                is_move: false,
            },
            state: JobState::Failed {
                reason: "no".into(),
                code: Some(550),
            },
            done: 3,
            attempts: 2,
            on_exists: None,
            mode: crate::transfer::TransferMode::Ascii,
            never: false,
            part: Some("a b.txt.skiff-0123abcd.part".into()),
            above: None,
            batch: 0,
            segments: None,
            touched: false,
        };
        let text = serde_json::to_string(&j).unwrap();
        assert_eq!(serde_json::from_str::<Job>(&text).unwrap(), j);
        assert_eq!(j.name(), "a b.txt");
    }

    #[test]
    fn children_sort_and_drain_in_order() {
        let mut c = Children::default();
        c.push("b.txt", JobKind::File, Some(5), Some(10));
        c.push("Zdir", JobKind::Dir, None, None);
        c.push("A.txt", JobKind::File, Some(7), None);
        c.push("数据", JobKind::File, None, Some(-3));
        assert_eq!(c.files_left(), (3, 12));
        c.sort();
        assert_eq!(c.len(), 4);
        let first = c.pop().unwrap();
        assert_eq!((first.name.as_str(), first.kind), ("Zdir", JobKind::Dir));
        assert_eq!((first.size, first.mtime), (None, None));
        let a = c.pop().unwrap();
        assert_eq!((a.name.as_str(), a.size, a.mtime), ("A.txt", Some(7), None));
        assert_eq!(c.files_left(), (2, 5));
        // A round trip through the saved queue keeps the place.
        let mut c: Children = serde_json::from_str(&serde_json::to_string(&c).unwrap()).unwrap();
        let b = c.pop().unwrap();
        assert_eq!(
            (b.name.as_str(), b.size, b.mtime),
            ("b.txt", Some(5), Some(10))
        );
        let d = c.pop().unwrap();
        assert_eq!((d.name.as_str(), d.size, d.mtime), ("数据", None, Some(-3)));
        assert!(c.is_empty());
        assert_eq!(c.pop(), None);
        assert_eq!(c.files_left(), (0, 0));
    }

    #[test]
    fn policies_parse() {
        for c in OnExists::CLI_CHOICES {
            assert!(OnExists::parse(c).is_some(), "{c}");
        }
        assert_eq!(OnExists::parse("bogus"), None);
    }
}
