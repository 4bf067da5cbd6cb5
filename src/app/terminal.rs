//! Entering and leaving the terminal's raw, alternate-screen, mouse-capturing mode. The terminal
//! is restored when the guard drops, on error, and from the panic hook.

use std::io::{self, Stdout, Write};
use std::sync::Once;

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub struct Tui {
    terminal: Terminal<CrosstermBackend<Stdout>>,
    active: bool,
}

/// Put the terminal back the way we found it. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(
        out,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = out.flush();
}

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

impl Tui {
    pub fn enter() -> io::Result<Tui> {
        install_panic_hook();
        enable_raw_mode()?;
        let mut out = io::stdout();
        if let Err(e) = execute!(
            out,
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        ) {
            restore();
            return Err(e);
        }
        let terminal = match Terminal::new(CrosstermBackend::new(out)) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        Ok(Tui {
            terminal,
            active: true,
        })
    }

    pub fn size(&self) -> io::Result<ratatui::layout::Size> {
        self.terminal.size()
    }

    pub fn draw<F: FnOnce(&mut ratatui::Frame)>(&mut self, f: F) -> io::Result<()> {
        self.terminal.draw(f).map(|_| ())
    }

    /// Step aside for another full-screen program (the editor): the terminal as it was.
    pub fn suspend(&mut self) {
        restore();
    }

    /// Take the terminal back after [`Tui::suspend`] and repaint everything.
    pub fn resume(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        let mut out = io::stdout();
        execute!(
            out,
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste,
            crossterm::terminal::Clear(crossterm::terminal::ClearType::All)
        )?;
        // A new terminal has no idea of what is on screen, so the next frame is drawn whole
        // (`Terminal::clear` would also ask the terminal where its cursor is, which not every
        // terminal answers).
        self.terminal = Terminal::new(CrosstermBackend::new(out))?;
        Ok(())
    }

    pub fn leave(mut self) -> io::Result<()> {
        self.active = false;
        restore();
        self.terminal.show_cursor()
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        if self.active {
            restore();
        }
    }
}
