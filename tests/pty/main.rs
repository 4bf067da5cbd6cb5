//! The end-to-end tests, one test binary: the real `skiff` binary in a pseudo-terminal, its
//! screen read back through a vt100 emulator (`common::pty`), against the embedded FTP server.
//! One binary instead of one per file (`cargo test --test pty e2e_queue::` runs one file).

#[path = "../common/mod.rs"]
mod common;

mod connect_retry;
mod e2e_bookmarks;
mod e2e_config;
mod e2e_console;
mod e2e_ftps;
mod e2e_ops;
mod e2e_pty;
mod e2e_queue;
