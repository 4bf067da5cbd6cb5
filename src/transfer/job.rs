//! Jobs as data: what to move, where, and how far it got. Serializable, so the queue survives
//! a restart.

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
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Paused => "paused",
            JobState::Done => "done",
            JobState::Conflict { .. } => "exists?",
            JobState::Failed { .. } => "failed",
            JobState::Skipped { .. } => "skipped",
            JobState::Cancelled => "cancelled",
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
}

impl Job {
    pub fn name(&self) -> &str {
        let p = self.spec.src.trim_end_matches('/');
        p.rsplit(['/', std::path::MAIN_SEPARATOR])
            .next()
            .unwrap_or(p)
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
        };
        let text = serde_json::to_string(&j).unwrap();
        assert_eq!(serde_json::from_str::<Job>(&text).unwrap(), j);
        assert_eq!(j.name(), "a b.txt");
    }

    #[test]
    fn policies_parse() {
        for c in OnExists::CLI_CHOICES {
            assert!(OnExists::parse(c).is_some(), "{c}");
        }
        assert_eq!(OnExists::parse("bogus"), None);
    }
}
