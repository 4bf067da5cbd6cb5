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
        // anyhow's own report (`Error: …` and its causes), through the one sanitiser: an
        // error may quote a server's path, reply or certificate.
        cli::say(&format!("Error: {e:?}"));
        std::process::exit(1);
    }
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
