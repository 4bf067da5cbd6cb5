//! skiff: a keyboard-driven dual-pane file manager for the terminal that speaks FTP.
//!
//! The data flow is one-directional: terminal events become [`state::Action`]s, `update`
//! folds them into [`state::State`] and returns [`state::Effect`]s, the effect runner in
//! [`app`] performs those on tokio tasks and reports back with events, and [`ui::draw`] renders
//! the state. `ftp/` and `fs/` know nothing about the terminal. The layers of these modules,
//! and which may use which, are in `ARCHITECTURE.md` (`tests/layers.rs` enforces them).

pub mod app;
pub mod bookmarks;
pub mod cli;
pub mod config;
pub mod demo;
pub mod format;
pub mod fs;
pub mod ftp;
pub mod i18n;
pub mod names;
pub mod paths;
pub mod state;
pub mod sync;
pub mod text;
pub mod transfer;
pub mod ui;
