//! The in-process tests, one test binary: the FTP layer, the transfer engine, file operations
//! and the headless commands against the in-process server (libunftp, as `--demo`), scripted
//! hostile servers and a fault-injecting proxy. One binary instead of one per file, so that a
//! change to the crate relinks it once (`cargo test --test inprocess hostile::` runs one file).

#[path = "../common/mod.rs"]
mod common;

mod backends;
mod cli;
mod console;
mod data_modes;
mod encoding;
mod faults;
mod fs_ops;
mod ftp_session;
mod ftps;
mod hostile;
mod path_props;
mod pipeline;
mod segmented;
mod sync;
mod transfer;
