//! The queue panel: a totals line and one row per visible job with direction, name,
//! source → destination, size, a progress bar, speed, ETA and state.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Paragraph};

use super::text::{fit, fit_right};
use crate::config::Theme;
use crate::format::human_size;
use crate::i18n::t;
use crate::state::State;
use crate::state::queue::JobRow;
use crate::tr;
use crate::transfer::{Direction, JobKind, JobState, OnExists};

/// `1:05`, `12:00:03`, or `--` when unknown.
pub fn eta(remaining: u64, rate: u64) -> String {
    if rate == 0 {
        return "--".into();
    }
    let s = remaining / rate;
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn bar(done: u64, total: Option<u64>, width: usize) -> String {
    let Some(total) = total.filter(|t| *t > 0) else {
        return " ".repeat(width);
    };
    let filled = ((done.min(total) as u128 * width as u128) / total as u128) as usize;
    format!("{}{}", "█".repeat(filled), "░".repeat(width - filled))
}

fn state_style(th: &Theme, s: &JobState) -> Style {
    match s {
        JobState::Running => th.queue_running,
        JobState::Done => th.queue_done,
        JobState::Failed { .. } => th.queue_failed,
        JobState::Conflict { .. } => th.queue_waiting,
        JobState::Paused => th.queue_paused,
        JobState::Skipped { .. } | JobState::Cancelled => th.queue_skipped,
        JobState::Queued => th.queue_queued,
    }
}

fn row_line(th: &Theme, r: &JobRow, width: usize) -> (String, Style) {
    let j = &r.job;
    let arrow = match j.spec.direction {
        Direction::Download => '↓',
        Direction::Upload => '↑',
    };
    let mut name = j.name().to_string();
    if j.spec.kind == JobKind::Dir {
        name.push('/');
    }
    let size = match (j.spec.kind, j.spec.size) {
        (JobKind::Dir, _) => "<DIR>".to_string(),
        (JobKind::RemoveDir, _) => "rmdir".to_string(),
        (_, Some(s)) => human_size(s),
        (_, None) => "?".to_string(),
    };
    let state = match &j.state {
        JobState::Failed { reason, code } => match code {
            Some(c) if !reason.starts_with(&c.to_string()) => {
                tr!("failed {code}: {reason}", code = c, reason = reason)
            }
            _ => tr!("failed: {reason}", reason = reason),
        },
        JobState::Skipped { reason } => {
            tr!("skipped: {reason}", reason = crate::i18n::t_data(reason))
        }
        JobState::Running if r.left > 0 => tr!("running, {n} to queue", n = r.left),
        JobState::Running if r.connections > 1 => {
            tr!("running ×{n}", n = r.connections)
        }
        JobState::Running if j.attempts > 1 => tr!("running (try {n})", n = j.attempts),
        JobState::Queued if j.attempts > 0 => t("retrying").to_string(),
        s => t(s.label()).to_string(),
    };
    // Text moved in ASCII mode says so.
    let state = if j.mode.ascii_for(j.name()) && j.spec.kind == JobKind::File {
        format!("{state} · ASCII")
    } else {
        state
    };
    let (speed, eta_s) = if j.state == JobState::Running {
        // No size, no end in sight: "--", not "0:00".
        let left = match j.spec.size {
            Some(s) => eta(s.saturating_sub(j.done), r.rate),
            None => eta(0, 0),
        };
        (format!("{}/s", human_size(r.rate)), left)
    } else {
        (String::new(), String::new())
    };
    // Fixed columns on the right; name and route share the rest.
    let fixed = 2 + 1 + 7 + 1 + 12 + 1 + 8 + 1 + 7 + 1;
    let rest = width.saturating_sub(fixed);
    let state_w = (rest / 3).clamp(8, 40);
    let flexible = rest.saturating_sub(state_w + 1);
    let name_w = (flexible / 3).max(8).min(flexible);
    let route_w = flexible.saturating_sub(name_w + 1);
    let route = format!("{} → {}", j.spec.src, parent_dir(&j.spec.dst));
    let text = format!(
        "{arrow} {} {} {} {} {} {} {} {}",
        fit(&name, name_w),
        fit_tail(&route, route_w),
        fit_right(&size, 7),
        bar(j.done, j.spec.size, 12),
        fit_right(&speed, 8),
        fit_right(&eta_s, 7),
        fit(&state, state_w),
        "",
    );
    (fit(&text, width), state_style(th, &j.state))
}

fn parent_dir(p: &str) -> &str {
    match p.rfind(['/', std::path::MAIN_SEPARATOR]) {
        Some(0) => "/",
        Some(i) => &p[..i],
        None => p,
    }
}

/// What an "apply to all conflicts" answer does, in a word or two.
fn policy_label(p: OnExists) -> &'static str {
    match p {
        OnExists::Overwrite => t("overwrite all"),
        OnExists::Newer => t("overwrite if newer"),
        OnExists::Size => t("overwrite if size differs"),
        OnExists::Resume => t("resume all"),
        OnExists::Skip => t("skip all"),
        OnExists::Rename => t("rename all"),
        OnExists::Ask => t("ask"),
    }
}

/// The queue's key line from the keymap in effect: `Spc pause · x cancel · r retry · …`.
fn queue_keys(keymap: &crate::state::keymap::Keymap) -> String {
    QUEUE_HINTS
        .iter()
        .filter_map(|(action, preferred, what)| {
            let k = keymap.key_for(action, preferred)?;
            Some(format!("{} {}", crate::ui::short_key(&k), t(what)))
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Keep the end of a long path visible.
fn fit_tail(s: &str, width: usize) -> String {
    crate::ui::text::fit_end(s, width)
}

/// The queue's key line: each action with the key it is shown with by default (see
/// `Keymap::key_for`) and what it does.
const QUEUE_HINTS: &[(crate::state::Action, &str, &str)] = &[
    (
        crate::state::Action::Mark,
        "Space",
        crate::i18n::n_("pause"),
    ),
    (
        crate::state::Action::CancelJob,
        "x",
        crate::i18n::n_("cancel"),
    ),
    (
        crate::state::Action::RetryJob,
        "r",
        crate::i18n::n_("retry"),
    ),
    (
        crate::state::Action::RetryFailed,
        "R",
        crate::i18n::n_("retry failed"),
    ),
    (
        crate::state::Action::JobDown,
        "J",
        crate::i18n::n_("move down"),
    ),
    (crate::state::Action::JobUp, "K", crate::i18n::n_("move up")),
    (
        crate::state::Action::ClearFinished,
        "C",
        crate::i18n::n_("clear"),
    ),
    (
        crate::state::Action::QueueFilter,
        "f",
        crate::i18n::n_("filter"),
    ),
    (
        crate::state::Action::PauseAll,
        "P",
        crate::i18n::n_("pause all"),
    ),
];

pub fn draw(state: &State, keymap: &crate::state::keymap::Keymap, area: Rect, f: &mut Frame) {
    let q = &state.queue;
    let tot = q.totals();
    let focused = state.panel == crate::state::Panel::Queue;
    let look = crate::config::look();
    let th = &look.theme;
    let border = if focused {
        th.border_focused
    } else {
        th.border
    };
    let remaining = tot.bytes.saturating_sub(tot.bytes_done);
    let paused = if state.paused_all {
        format!(" {} ·", t("PAUSED"))
    } else {
        String::new()
    };
    // An "apply to all conflicts" answer, while its operation still has jobs to run.
    let policies = q.policies_in_force();
    let policy = if policies.is_empty() {
        String::new()
    } else {
        let names: Vec<&str> = policies.iter().map(|p| policy_label(*p)).collect();
        format!(
            " · {}",
            tr!("conflicts: {policy}", policy = names.join(", "))
        )
    };
    // A bandwidth limit in force is in view where the speed is.
    let limit = state
        .limit_rate
        .map(|r| format!(" · {}", tr!("limit {rate}/s", rate = human_size(r))))
        .unwrap_or_default();
    // The engine's speed counts every job's bytes, those that began and ended between two
    // ticks too; after the run, its average and how long it took.
    let speed = match q.speed {
        Some(s) if s.done && tot.running == 0 => tr!(
            "{rate}/s average · {elapsed}",
            rate = human_size(s.bytes * 1000 / s.elapsed_ms.max(1)),
            elapsed = eta(s.elapsed_ms / 1000, 1)
        ),
        Some(s) => tr!(
            "{rate}/s · ETA {eta}",
            rate = human_size(s.rate),
            eta = eta(remaining, s.rate)
        ),
        None => tr!(
            "{rate}/s · ETA {eta}",
            rate = human_size(tot.rate),
            eta = eta(remaining, tot.rate)
        ),
    };
    let title = format!(
        " {} ·{paused} {}{limit}{policy} ",
        t("Queue"),
        tr!(
            "{done}/{files} files · {bytes_done} / {bytes} · {speed} · {failed} failed · filter: {filter}",
            done = tot.files_done,
            files = tot.files,
            bytes_done = human_size(tot.bytes_done),
            bytes = human_size(tot.bytes),
            speed = speed,
            failed = tot.failed,
            filter = t(q.filter.label())
        )
    );
    let block = Block::new()
        .borders(Borders::TOP | Borders::BOTTOM)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(border)
        .title(Span::styled(title, border))
        .title_bottom(Line::from(Span::styled(
            format!(" {} ", queue_keys(keymap)),
            th.faint,
        )));
    let inner = block.inner(area);
    f.render_widget(block, area);
    let rows = inner.height as usize;
    let width = inner.width as usize;
    let mut lines = Vec::with_capacity(rows);
    if q.order.is_empty() {
        lines.push(Line::from(Span::styled(
            t("Nothing queued. Mark entries with Space and press F5 (copy) or F6 (move), or drag them to the other pane."),
            th.faint,
        )));
    }
    for (i, r) in q.filtered().enumerate().skip(q.offset).take(rows) {
        let (text, mut style) = row_line(th, r, width);
        if i == q.cursor && focused {
            style = th.cursor;
        } else if i == q.cursor {
            style = style.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::from(Span::styled(text, style)));
    }
    f.render_widget(Paragraph::new(lines), inner);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_totals_line_shows_an_apply_to_all_policy_while_it_holds() {
        use crate::transfer::{EngineEvent, Job, JobSpec, OnExists};
        use ratatui::{Terminal, backend::TestBackend};
        let mut state = State::new("/tmp", crate::i18n::Lang::En);
        let job = Job {
            id: 3,
            parent: None,
            spec: JobSpec {
                direction: Direction::Upload,
                kind: JobKind::File,
                src: "/tmp/a.txt".into(),
                dst: "/pub/a.txt".into(),
                size: Some(1),
                mtime: None,
                is_move: false,
            },
            state: JobState::Queued,
            done: 0,
            attempts: 0,
            on_exists: None,
            mode: Default::default(),
            never: false,
            part: None,
            above: None,
            batch: 3,
            segments: None,
            touched: false,
        };
        state.queue.apply(EngineEvent::Added {
            after: None,
            jobs: vec![job],
        });
        let title = |state: &State| {
            let mut term = Terminal::new(TestBackend::new(160, 6)).expect("terminal");
            term.draw(|f| {
                draw(
                    state,
                    &crate::state::keymap::Keymap::defaults(),
                    f.area(),
                    f,
                )
            })
            .expect("draw");
            let buf = term.backend().buffer();
            (0..buf.area.width)
                .map(|x| buf[(x, 0)].symbol().to_string())
                .collect::<String>()
        };
        assert!(!title(&state).contains("conflicts:"), "{}", title(&state));
        state.queue.policies.insert(3, OnExists::Skip);
        assert!(
            title(&state).contains("· conflicts: skip all"),
            "{}",
            title(&state)
        );
        // The engine's speed is the queue's, even with no job running at this instant (small
        // files start and end between two frames); after the run, its average and time.
        state
            .queue
            .apply(EngineEvent::Speed(crate::transfer::Speed {
                rate: 50 * 1024 * 1024,
                bytes: 10 * 1024 * 1024,
                elapsed_ms: 200,
                done: false,
            }));
        assert!(title(&state).contains("· 50M/s · ETA"), "{}", title(&state));
        state
            .queue
            .apply(EngineEvent::Speed(crate::transfer::Speed {
                rate: 0,
                bytes: 100 * 1024 * 1024,
                elapsed_ms: 4_000,
                done: true,
            }));
        assert!(
            title(&state).contains("· 25M/s average · 0:04 ·"),
            "{}",
            title(&state)
        );
    }

    #[test]
    fn etas_and_bars() {
        assert_eq!(eta(100, 0), "--");
        assert_eq!(eta(125, 1), "2:05");
        assert_eq!(eta(7322, 1), "2:02:02");
        assert_eq!(bar(5, Some(10), 4), "██░░");
        assert_eq!(bar(20, Some(10), 4), "████");
        assert_eq!(bar(0, None, 3), "   ");
        assert_eq!(fit_tail("/very/long/path/to/file", 10), "…h/to/file");
        assert_eq!(parent_dir("/a/b.txt"), "/a");
        assert_eq!(parent_dir("/b.txt"), "/");
    }
}
