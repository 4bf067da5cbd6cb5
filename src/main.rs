//! The `skiff` command: parse the command line, then run a headless command or, from what
//! `cli::startup` resolves, the TUI. Exit codes: the command's own, 1 on an error, 2 for a
//! command line clap refused.

use clap::Parser;

use skiff::cli;
use skiff::cli::args::Cli;
use skiff::cli::startup::{self, System};
use skiff::state::keymap::Settings;

fn main() {
    if let Err(e) = run() {
        // The error and its causes, through the one sanitiser (an error may quote a server's
        // path, reply or certificate); a backtrace only when asked with SKIFF_BACKTRACE
        // (RUST_BACKTRACE, set by many Rust developers, would add one to every message).
        cli::say(&report(&e, std::env::var_os("SKIFF_BACKTRACE").is_some()));
        std::process::exit(1);
    }
}

/// `Error: …`, then `Caused by:` and each cause on a line of its own, then the backtrace when
/// `backtrace` says so.
fn report(e: &anyhow::Error, backtrace: bool) -> String {
    let mut text = format!("Error: {e}");
    let causes: Vec<String> = e.chain().skip(1).map(|c| c.to_string()).collect();
    if !causes.is_empty() {
        text.push_str("\n\nCaused by:");
        for (i, c) in causes.iter().enumerate() {
            text.push_str(&format!("\n    {i}: {c}"));
        }
    }
    if backtrace {
        text.push_str(&format!("\n\nBacktrace:\n{}", e.backtrace()));
    }
    text
}

fn run() -> anyhow::Result<()> {
    let mut args = Cli::parse();
    if args.print_default_config {
        print!("{}", skiff::config::DEFAULT_CONFIG);
        return Ok(());
    }
    if let Some(cmd) = args.command.take() {
        let config = || {
            skiff::config::load(|user| match user {
                Some(text) => skiff::config::Config::with_user(text),
                None => (skiff::config::Config::builtin(), Vec::new()),
            })
        };
        let code = startup::run_command(cmd, config, &System)?;
        std::process::exit(code);
    }
    let (settings, config_errors) = Settings::load();
    let start = startup::resolve(&args, settings, config_errors, &System)?;
    startup::run_tui(start)
}
