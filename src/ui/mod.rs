//! Rendering: `draw` reads the state and paints one frame. It never mutates state and builds
//! rows only for what is visible, so a 100,000-entry directory costs what one screen costs.

pub mod bookmarks;
pub mod dialog;
pub mod log;
pub mod pane;
pub mod queue;
pub mod text;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::i18n::{n_, t};
use crate::state::keymap::Keymap;
use crate::state::layout::{self, MIN_HEIGHT, MIN_WIDTH};
use crate::state::{Conn, Side, State};
use crate::tr;

/// The theme this thread draws with (a copy: styles are small).
pub(crate) fn th() -> crate::config::Theme {
    crate::config::look().theme.clone()
}

/// Paint the whole screen.
pub fn draw(state: &State, keymap: &Keymap, f: &mut Frame) {
    draw_all(state, keymap, f);
    scrub(f.buffer_mut());
}

/// The last line of defence behind [`crate::text::printable`] (which `text::fit`, dialog
/// titles and the log use, and which shows hidden characters as `?`): no cell sends a
/// control, bidirectional or invisible character to the terminal, whatever was drawn. ratatui
/// appends a zero-width character to the cell before it, so such a character is dropped from
/// the cell here rather than replaced, keeping the layout ratatui computed.
fn scrub(buf: &mut ratatui::buffer::Buffer) {
    for cell in &mut buf.content {
        if cell.symbol().chars().any(crate::text::is_hidden) {
            let kept: String = cell
                .symbol()
                .chars()
                .filter(|c| !crate::text::is_hidden(*c))
                .collect();
            cell.set_symbol(if kept.is_empty() { " " } else { &kept });
        }
    }
}

fn draw_all(state: &State, keymap: &Keymap, f: &mut Frame) {
    let full = f.area();
    if full.width < MIN_WIDTH || full.height < MIN_HEIGHT {
        draw_too_small(full, f);
        return;
    }
    let a = layout::areas(full.width, full.height, state.log.size, state.queue.visible);
    pane::draw(state, Side::Local, a.local, f);
    pane::draw(state, Side::Remote, a.remote, f);
    if a.queue.height > 0 {
        queue::draw(state, keymap, a.queue, f);
    }
    if a.log.height > 0 {
        log::draw(
            &state.log,
            state.panel == crate::state::Panel::Log,
            a.log,
            f,
        );
    }
    if let Some(crate::state::Dialog::Console(form)) = &state.dialog {
        draw_console(form, a.status, a.keys, f);
    } else {
        draw_status(state, a.status, f);
        draw_keys(keymap, a.keys, f);
    }
    if let Some(d) = &state.dialog {
        dialog::draw(d, full, f);
    }
    if state.help {
        dialog::draw_help(keymap, state.help_top, full, f);
    }
}

/// The command line over the status line, and what Tab found (or the keys) under it.
fn draw_console(form: &crate::state::console::ConsoleForm, line: Rect, below: Rect, f: &mut Frame) {
    if line.height == 0 {
        return;
    }
    let mut input = dialog::input_line(&form.input, (line.width as usize).saturating_sub(2));
    input
        .spans
        .insert(0, Span::styled(":", th().key.add_modifier(Modifier::BOLD)));
    f.render_widget(Paragraph::new(input), line);
    if below.height > 0 {
        let text = match &form.hint {
            Some(h) => h.clone(),
            None => t("Enter send · Tab complete · ↑↓ history · Esc cancel · answers in the log")
                .to_string(),
        };
        f.render_widget(
            Paragraph::new(Line::from(Span::styled(
                text::fit(&text, below.width as usize),
                th().hint,
            ))),
            below,
        );
    }
}

fn draw_too_small(full: Rect, f: &mut Frame) {
    let msg = [
        tr!(
            "skiff needs at least {w}x{h}",
            w = MIN_WIDTH,
            h = MIN_HEIGHT
        ),
        tr!(
            "(this terminal is {w}x{h})",
            w = full.width,
            h = full.height
        ),
        t("Enlarge it, or press q to quit.").to_string(),
    ];
    let top = full.height.saturating_sub(msg.len() as u16) / 2;
    let lines: Vec<Line> = std::iter::repeat_n(Line::from(""), top as usize)
        .chain(msg.iter().map(|m| {
            Line::from(Span::styled(
                text::fit(m, full.width as usize).trim_end().to_string(),
                Style::new().add_modifier(Modifier::BOLD),
            ))
            .alignment(ratatui::layout::Alignment::Center)
        }))
        .collect();
    f.render_widget(Paragraph::new(lines), full);
}

fn draw_status(state: &State, area: Rect, f: &mut Frame) {
    if area.height == 0 {
        return;
    }
    let look = crate::config::look();
    let th = &look.theme;
    let conn = match &state.conn {
        Conn::Disconnected => Span::styled(
            format!(" {} ", t("offline")),
            Style::new().fg(Color::Black).bg(Color::Gray),
        ),
        Conn::Connecting { .. } => Span::styled(
            format!(" {} ", t("connecting")),
            Style::new().fg(Color::Black).bg(Color::Yellow),
        ),
        Conn::Connected { .. } => Span::styled(
            format!(" {} ", t("online")),
            Style::new().fg(Color::Black).bg(Color::Green),
        ),
    };
    let status = state.shown_status();
    let style = if status.error {
        th.error.add_modifier(Modifier::BOLD)
    } else {
        Style::new()
    };
    // A transfer type other than binary is always in view.
    let mode = match state.transfer_mode {
        crate::transfer::TransferMode::Binary => None,
        crate::transfer::TransferMode::Ascii => Some(t("ASCII")),
        crate::transfer::TransferMode::Auto => Some(t("AUTO")),
    };
    let mode = mode.map(|m| Span::styled(format!(" {m} "), th.selected));
    // Keeping the server up to date (`W`) is always in view too.
    let keep = state
        .keep_up
        .as_ref()
        .map(|_| Span::styled(format!(" {} ", t("SYNC")), th.selected));
    let used = conn.width()
        + 1
        + mode.as_ref().map_or(0, |m| m.width() + 1)
        + keep.as_ref().map_or(0, |k| k.width() + 1);
    // The start of a chord waits for its next key.
    let pending;
    let shown = if state.chord.is_empty() {
        status.text.as_str()
    } else {
        pending = format!("{} …", crate::state::keymap::chord_label(&state.chord));
        pending.as_str()
    };
    let msg = text::fit(shown, (area.width as usize).saturating_sub(used));
    let mut spans = vec![conn, Span::raw(" ")];
    if let Some(m) = mode {
        spans.push(m);
        spans.push(Span::raw(" "));
    }
    if let Some(k) = keep {
        spans.push(k);
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(msg, style));
    let line = Line::from(spans);
    f.render_widget(Paragraph::new(line), area);
}

/// The key bar: each action with the key it is shown with by default (see
/// [`Keymap::key_for`]: a rebinding in `[keys]` shows the key in effect).
const KEY_HINTS: &[(crate::state::Action, &str, &str)] = &[
    (crate::state::Action::Help, "F1", n_("Help")),
    (crate::state::Action::SwitchPane, "Tab", n_("Pane")),
    (crate::state::Action::Mark, "Space", n_("Mark")),
    (crate::state::Action::Copy, "F5", n_("Copy")),
    (crate::state::Action::Move, "F6", n_("Move")),
    (crate::state::Action::ToggleQueue, "Q", n_("Queue")),
    (crate::state::Action::Connect, "o", n_("Connect")),
    (crate::state::Action::CycleLog, "L", n_("Log")),
    (crate::state::Action::Refresh, "r", n_("Reload")),
    (crate::state::Action::Quit, "q", n_("Quit")),
];

/// A key as the bars show it (`Space` is `Spc`).
pub(crate) fn short_key(k: &str) -> String {
    if k == "Space" {
        "Spc".into()
    } else {
        k.to_string()
    }
}

fn draw_keys(keymap: &Keymap, area: Rect, f: &mut Frame) {
    if area.height == 0 {
        return;
    }
    let mut spans = Vec::new();
    let mut used = 0usize;
    for (action, preferred, what) in KEY_HINTS {
        let Some(k) = keymap.key_for(action, preferred) else {
            continue;
        };
        let k = short_key(&k);
        // Only whole hints: a cut-off one is worse than none.
        let what = t(what);
        let w = k.len() + unicode_width::UnicodeWidthStr::width(what) + 4;
        if used + w > area.width as usize {
            break;
        }
        used += w;
        spans.push(Span::styled(
            format!(" {k} "),
            crate::config::look().theme.cursor,
        ));
        spans.push(Span::raw(format!(" {what} ")));
    }
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

#[cfg(test)]
mod key_bar_tests {
    use super::*;

    /// The key bar and the queue's key line name the keys in effect: a rebinding in `[keys]`
    /// shows there (the bar said `r Reload` after `refresh` moved to F9), and the queue's
    /// retry is the keymap's.
    #[test]
    fn the_key_bars_show_the_keys_in_effect() {
        use ratatui::{Terminal, backend::TestBackend};
        let (settings, errors) = crate::state::keymap::Settings::with_user(
            "[keys]\nrefresh = [\"F9\"]\nretry_job = [\"ctrl-t\"]\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let mut state = State::new("/tmp", crate::i18n::Lang::En);
        state.update(crate::state::Action::Resize {
            width: 140,
            height: 30,
        });
        state.queue.visible = true;
        let mut term = Terminal::new(TestBackend::new(140, 30)).expect("terminal");
        term.draw(|f| draw(&state, &settings.keymap, f))
            .expect("draw");
        let buf = term.backend().buffer().clone();
        let row = |y: u16| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        };
        let bottom = row(buf.area.height - 1);
        assert!(bottom.contains("F9  Reload"), "{bottom}");
        assert!(!bottom.contains(" r  Reload"), "{bottom}");
        let all: String = (0..buf.area.height).map(row).collect();
        assert!(all.contains("ctrl-t retry"), "the queue's key line: {all}");
        // The defaults: as they were.
        let defaults = crate::state::keymap::Keymap::defaults();
        term.draw(|f| draw(&state, &defaults, f)).expect("draw");
        let buf = term.backend().buffer().clone();
        let bottom: String = (0..buf.area.width)
            .map(|x| buf[(x, buf.area.height - 1)].symbol().to_string())
            .collect();
        assert!(
            bottom.contains("F1  Help") && bottom.contains("r  Reload"),
            "{bottom}"
        );
    }
}
