//! The transfer engine: jobs, the queue that owns them, and the workers that move files over
//! their own FTP connections. No UI types here; the TUI and the headless commands share it.

pub mod ascii;
pub mod backend;
pub mod claims;
pub mod digest;
pub mod engine;
pub mod job;
pub mod rate;
pub mod segments;
pub mod worker;

pub use ascii::TransferMode;
pub use backend::{Connect, LocalDisk};
pub use engine::{
    Engine, EngineCmd, EngineConfig, EngineEvent, Overrides, Progress, Speed, UploadTemp,
};
pub use job::{Direction, Job, JobId, JobKind, JobSpec, JobState, OnExists};
pub use segments::Segments;
