//! The event loop and the effect runner: the only place that wires the terminal, the state and
//! the engines together. Terminal events and engine events are drained, folded into the state,
//! and the screen is drawn once, only when something changed. No timer ticks: idle is idle.
//! The effect runner is in `runner`, the browsing connection's task in `remote`.

mod keep;
pub mod remote;
mod runner;
pub mod terminal;

pub use runner::Runner;

use crate::i18n::t;
use crate::tr;
use std::io;

use crossterm::event::{
    Event as TermEvent, EventStream, KeyCode, KeyEvent, KeyEventKind, KeyModifiers, MouseButton,
    MouseEventKind,
};
use futures_util::StreamExt;
use tokio::sync::mpsc::{self, UnboundedReceiver, UnboundedSender};

use crate::bookmarks::Store;
use crate::fs::FileSystem;
use crate::fs::local::LocalFs;
use crate::ftp::{ConnectOptions, LogEvent};
use crate::state::keymap::Keymap;
use crate::state::{Action, Effect, EngineCmd, ErrorInfo, Event, Key, KeyPress, Nav, Side, State};
use crate::transfer::{Engine, EngineConfig, OnExists};

/// Translate a crossterm key into ours.
pub fn key_from_crossterm(k: &KeyEvent) -> Option<KeyPress> {
    let ctrl = k.modifiers.contains(KeyModifiers::CONTROL);
    let alt = k.modifiers.contains(KeyModifiers::ALT);
    let key = match k.code {
        KeyCode::Char(c) => Key::Char(if ctrl { c.to_ascii_lowercase() } else { c }),
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::F(n) => Key::F(n),
        KeyCode::Insert => Key::Insert,
        _ => return None,
    };
    Some(KeyPress { key, ctrl, alt })
}

/// Turn a terminal event into actions, using the keymap unless a dialog wants the keys. A key
/// that starts, continues or abandons a chord gives an [`Action::Chord`] with the keys pending
/// from now on (before the action it completes, if any): the chord is state, changed by
/// `update` only.
pub fn actions_for(state: &State, keymap: &Keymap, ev: &TermEvent) -> Vec<Action> {
    let chord_to = |keys: Vec<KeyPress>| (keys != state.chord).then_some(Action::Chord(keys));
    match ev {
        TermEvent::Key(k) if k.kind != KeyEventKind::Release => {
            let Some(kp) = key_from_crossterm(k) else {
                return Vec::new();
            };
            if state.wants_input() {
                chord_to(Vec::new())
                    .into_iter()
                    .chain([Action::Input(kp)])
                    .collect()
            } else {
                let mut pending = state.chord.clone();
                let found = match keymap.resolve(&mut pending, kp) {
                    crate::state::keymap::Chord::Actions(a) => state.pick(a).cloned(),
                    _ => None,
                };
                chord_to(pending).into_iter().chain(found).collect()
            }
        }
        other => action_for(other).into_iter().collect(),
    }
}

/// A terminal event other than a key as an action.
fn action_for(ev: &TermEvent) -> Option<Action> {
    match ev {
        TermEvent::Mouse(m) => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click {
                col: m.column,
                row: m.row,
            }),
            MouseEventKind::Down(MouseButton::Right) => Some(Action::RightClick {
                col: m.column,
                row: m.row,
            }),
            MouseEventKind::Up(MouseButton::Left) => Some(Action::Release {
                col: m.column,
                row: m.row,
            }),
            MouseEventKind::ScrollUp => Some(Action::Scroll {
                col: m.column,
                row: m.row,
                delta: -1,
            }),
            MouseEventKind::ScrollDown => Some(Action::Scroll {
                col: m.column,
                row: m.row,
                delta: 1,
            }),
            _ => None,
        },
        TermEvent::Resize(w, h) => Some(Action::Resize {
            width: *w,
            height: *h,
        }),
        TermEvent::Paste(text) => Some(Action::Paste(text.clone())),
        _ => None,
    }
}

/// OSC 52: the terminal puts `text` on the clipboard (over ssh too). What is copied is
/// [`crate::text::printable`]: a path with a line break or an escape sequence in it is copied
/// with `?` there, so pasting it into a shell cannot run a command.
pub fn osc52(text: &str) -> String {
    use base64::Engine as _;
    let clean = crate::text::printable(text);
    let b64 = base64::engine::general_purpose::STANDARD.encode(clean.as_bytes());
    format!("\x1b]52;c;{b64}\x07")
}

/// The password for a profile: the keyring (falling back to asking, with a note, when no
/// keyring service is reachable), a command, or `.netrc`; `Ok(None)` means ask.
pub fn resolve_profile_password(
    p: &crate::bookmarks::Profile,
) -> (Result<Option<crate::ftp::Secret>, String>, Option<String>) {
    let keyring = crate::bookmarks::OsKeyring;
    if p.password == crate::bookmarks::PasswordSource::Keyring
        && !crate::bookmarks::Keyring::available(&keyring)
    {
        return (
            Ok(None),
            Some("No keyring service is reachable: asking for the password instead".to_string()),
        );
    }
    match crate::bookmarks::resolve_password(p, &keyring) {
        Ok(pw) => (Ok(pw), None),
        Err(e) => (Err(e.to_string()), None),
    }
}

/// The editor to run: `$VISUAL`, then `$EDITOR`, then `vi`.
fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_string())
}

/// Run the editor on `file` (through `sh`, so `EDITOR="code -w"` works) and tell whether the
/// file changed: its length, time or contents.
fn run_editor(file: &str) -> Result<bool, String> {
    use std::hash::{Hash, Hasher};
    let p = crate::names::local_path(file);
    let fingerprint = |p: &std::path::Path| -> Option<(u64, Option<std::time::SystemTime>, u64)> {
        let m = std::fs::metadata(p).ok()?;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        std::fs::read(p).ok()?.hash(&mut h);
        Some((m.len(), m.modified().ok(), h.finish()))
    };
    let before = fingerprint(&p);
    let editor = editor_command();
    let status = std::process::Command::new("sh")
        // The editor has no business with a password given to skiff.
        .env_remove("SKIFF_PASSWORD")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(&p)
        .status()
        .map_err(|e| format!("cannot run {editor}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{editor} exited with {status}; nothing uploaded (your copy is kept in {})",
            p.display()
        ));
    }
    Ok(fingerprint(&p) != before)
}

/// How the TUI starts.
pub struct Launch {
    pub local_dir: String,
    pub connect: Option<(ConnectOptions, Option<String>)>,
    /// Open the connect dialog pre-filled as a password prompt instead of connecting.
    pub prompt: Option<crate::state::ConnectForm>,
    pub lang: crate::i18n::Lang,
    /// Lines for the log panel before anything else (e.g. the demo server's address).
    pub notes: Vec<String>,
    /// Transfer connections (1–16).
    pub parallel: usize,
    /// The default answer when a destination exists.
    pub on_exists: OnExists,
    /// The configuration (built-in defaults overlaid by the user's file) and its keymap.
    pub settings: crate::state::keymap::Settings,
    /// Mistakes found in the user's configuration file (shown at start).
    pub config_errors: Vec<String>,
}

/// Run the TUI until the user quits.
pub async fn run_tui(launch: Launch) -> anyhow::Result<()> {
    let crate::state::keymap::Settings { config, keymap } = launch.settings;
    crate::config::set_look(config.look.clone());
    // Updates and frames happen on this thread: its language is the interface's.
    crate::i18n::set_lang(launch.lang);
    let mut state = State::new(&launch.local_dir, launch.lang);
    state.configure(&config);
    let (ev_tx, mut ev_rx) = mpsc::unbounded_channel::<Event>();
    let (log_tx, mut log_rx) = mpsc::unbounded_channel::<LogEvent>();
    let mut runner = Runner::new(ev_tx, log_tx.clone());
    runner.parallel = launch.parallel;
    runner.on_exists = launch.on_exists;
    runner.attempts = config.transfer.attempts;
    runner.verify = config.transfer.verify;
    runner.upload_temp = config.transfer.upload_temp;
    runner.limit_rate = config.transfer.limit_rate;
    runner.segments = config.transfer.segments;
    runner.mode = config.transfer.mode;
    // Which keyring "keyring" passwords go to (a D-Bus round trip): the bookmark form names it.
    let events = runner.events.clone();
    tokio::task::spawn_blocking(move || {
        let kind = crate::bookmarks::OsKeyring.kind();
        let _ = events.send(Event::KeyringFound(kind));
    });

    let mut term = terminal::Tui::enter()?;
    let size = term.size()?;
    state.update(Action::Resize {
        width: size.width,
        height: size.height,
    });
    let notes_tap = crate::ftp::Tap::new("skiff", log_tx);
    for n in &launch.notes {
        notes_tap.info(n.clone());
    }
    for e in &launch.config_errors {
        notes_tap.warn(e.clone());
    }
    if let Some(form) = launch.prompt {
        state.dialog = Some(crate::state::Dialog::Connect(form));
    }
    let fx = state.start(launch.connect);
    runner.run_all(fx);
    state.config_problems(&launch.config_errors);

    let mut input = EventStream::new();
    let mut signals = Signals::new()?;
    let mut dirty = true;
    // Effects that need the terminal (the editor) wait here until the select below is done.
    let mut edits: Vec<(String, Option<crate::state::edit::RemoteEdit>)> = Vec::new();
    let run = |runner: &mut Runner, fx: Vec<Effect>, edits: &mut Vec<_>| {
        for e in fx {
            match e {
                Effect::Edit { file, remote } => edits.push((file, remote)),
                other => runner.run_all(vec![other]),
            }
        }
    };
    loop {
        if dirty {
            term.draw(|f| crate::ui::draw(&state, &keymap, f))?;
            dirty = false;
        }
        tokio::select! {
            ev = input.next() => match ev {
                Some(Ok(ev)) => {
                    for a in actions_for(&state, &keymap, &ev) {
                        let fx = state.update(a);
                        run(&mut runner, fx, &mut edits);
                        dirty = true;
                    }
                }
                Some(Err(e)) => return Err(e.into()),
                None => break,
            },
            Some(ev) = ev_rx.recv() => {
                let fx = state.apply(ev);
                run(&mut runner, fx, &mut edits);
                while let Ok(ev) = ev_rx.try_recv() {
                    let fx = state.apply(ev);
                    run(&mut runner, fx, &mut edits);
                }
                dirty = true;
            }
            Some(line) = log_rx.recv() => {
                drain_log(&mut state, line, &mut log_rx);
                dirty = true;
            }
            // SIGTERM, SIGHUP, SIGINT: leave as `q` would, so the terminal is restored, the
            // queue saved and the demo tree removed.
            _ = signals.next() => break,
        }
        // The editor gets the terminal to itself: no event reader, no raw mode.
        while let Some((file, remote)) = edits.pop() {
            drop(input);
            term.suspend();
            // Blocking on purpose: the screen belongs to the editor until it exits (the
            // connections and the transfer engine run on other threads meanwhile).
            let changed = run_editor(&file);
            let resumed = term.resume();
            input = EventStream::new();
            resumed?;
            let fx = state.apply(Event::Edited {
                file,
                remote,
                changed,
            });
            run(&mut runner, fx, &mut edits);
            dirty = true;
        }
        if state.quit {
            break;
        }
    }
    runner.shutdown().await;
    term.leave()?;
    Ok(())
}

/// The termination signals the TUI answers by quitting cleanly.
struct Signals {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
}

impl Signals {
    #[cfg(unix)]
    fn new() -> io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> io::Result<Signals> {
        Ok(Signals {})
    }

    #[cfg(unix)]
    async fn next(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
            _ = self.int.recv() => {}
        }
    }

    #[cfg(not(unix))]
    async fn next(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn drain_log(state: &mut State, first: LogEvent, rx: &mut UnboundedReceiver<LogEvent>) {
    state.apply(Event::Log(first));
    while let Ok(l) = rx.try_recv() {
        state.apply(Event::Log(l));
    }
}

/// Whether stdin/stdout are a terminal we can draw on.
pub fn is_terminal() -> bool {
    use std::io::IsTerminal;
    io::stdout().is_terminal()
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    /// A key of a chord is an action that sets the keys pending: `actions_for` reads the
    /// state, `update` changes it.
    #[test]
    fn a_chord_is_state_that_only_update_changes() {
        use super::{Action, KeyPress, State, TermEvent};
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let (settings, errors) =
            crate::state::keymap::Settings::with_user("[keys]\nmkdir = [\"F7\", \"ctrl-x d\"]\n");
        assert_eq!(errors, vec![]);
        let keymap = &settings.keymap;
        let mut state = State::new("/", crate::i18n::Lang::En);
        let key = |code, m| TermEvent::Key(KeyEvent::new(code, m));
        let ctrl_x = key(KeyCode::Char('x'), KeyModifiers::CONTROL);
        let a = super::actions_for(&state, keymap, &ctrl_x);
        assert_eq!(a, vec![Action::Chord(vec![KeyPress::ctrl('x')])]);
        assert!(state.chord.is_empty());
        for a in a {
            state.update(a);
        }
        assert_eq!(state.chord, vec![KeyPress::ctrl('x')]);
        let a = super::actions_for(&state, keymap, &key(KeyCode::Char('d'), KeyModifiers::NONE));
        assert_eq!(a, vec![Action::Chord(Vec::new()), Action::Mkdir]);
        // A key bound to nothing, with no chord pending: nothing at all.
        assert_eq!(
            super::actions_for(
                &State::new("/", crate::i18n::Lang::En),
                keymap,
                &key(KeyCode::F(11), KeyModifiers::NONE)
            ),
            vec![]
        );
    }

    /// A local name with a line break (a pasted newline runs a shell command), an escape
    /// sequence and a bidi override: copied with `?` in their place, and the sequence itself
    /// is one well-formed OSC 52.
    #[test]
    fn the_clipboard_gets_no_control_or_bidi_characters() {
        let seq = super::osc52("/home/u/a\nrm -rf ~\u{1b}[2J\u{202E}gpj.exe");
        let b64 = seq
            .strip_prefix("\u{1b}]52;c;")
            .and_then(|s| s.strip_suffix('\u{7}'))
            .expect("an OSC 52 sequence");
        let copied = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        let copied = String::from_utf8(copied).expect("UTF-8");
        assert_eq!(copied, "/home/u/a?rm -rf ~?[2J?gpj.exe");
    }
}
