//! The panes on a 100,000-entry directory, in process (no terminal, no server): how long the
//! operations a person does with one key take on the UI thread. Run with
//!
//! ```text
//! cargo bench --bench panes
//! ```
//!
//! Measured, each `SKIFF_BENCH_ROUNDS` times (default 15), median and max:
//! - sort: each of the eight orders (`s`), applied to the listing;
//! - filter: typing `f01234` one character at a time (`/`), each keystroke re-filtering all
//!   entries with the fuzzy matcher, plus clearing it;
//! - compare: two 100,000-entry listings, 1,000 of them different (`=`);
//! - a frame: the whole screen drawn into ratatui's `TestBackend`, at 160x48 and 80x24, with
//!   the cursor in the middle of the listing, with and without a filter highlighting matches.
//!
//! The issue's limits: under 50 ms for sorting, a filter keystroke and a comparison; under
//! 5 ms for a frame.

#[path = "support/mod.rs"]
mod support;

use std::time::Instant;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use skiff::fs::{Entry, EntryKind, Listing};
use skiff::i18n::Lang;
use skiff::state::keymap::Keymap;
use skiff::state::{Action, Effect, Event, Key, KeyPress, Side, State};
use support::{env_num, median};

const N: usize = 100_000;

fn entries(n: usize, seed: u64) -> Vec<Entry> {
    let mut x = seed;
    (0..n)
        .map(|i| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let ext = ["txt", "log", "jpg", "tar.gz", "rs", ""][(x >> 60) as usize % 6];
            let name = if ext.is_empty() {
                format!("file-{i:06}")
            } else {
                format!("file-{i:06}.{ext}")
            };
            Entry {
                name,
                kind: if i % 50 == 0 {
                    EntryKind::Dir
                } else {
                    EntryKind::File
                },
                size: (x >> 20) % 10_000_000,
                mtime: Some(1_700_000_000 + ((x >> 8) % 50_000_000) as i64),
                perms: Some("rw-r--r--".into()),
                link_target: None,
            }
        })
        .collect()
}

/// A state with both panes showing a 100,000-entry directory.
fn state(w: u16, h: u16) -> State {
    let mut s = State::new("/data", Lang::En);
    s.update(Action::Resize {
        width: w,
        height: h,
    });
    let fx = s.start(None);
    // Not connected: the start opens the bookmark list; close it.
    s.dialog = None;
    let req = fx
        .iter()
        .find_map(|e| match e {
            Effect::List { req, .. } => Some(*req),
            _ => None,
        })
        .expect("a listing request");
    let mut v = entries(N, 1);
    skiff::fs::sort_entries(&mut v);
    s.apply(Event::Listed {
        side: Side::Local,
        req,
        result: Ok(Listing {
            path: "/data".into(),
            entries: v,
        }),
    });
    s
}

fn time<F: FnMut()>(rounds: usize, mut f: F) -> Vec<f64> {
    (0..rounds)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect()
}

fn row(what: &str, ms: &[f64], limit: f64) {
    let max = ms.iter().cloned().fold(0.0, f64::max);
    println!(
        "| {what} | {:.2} ms | {:.2} ms | {limit} ms | {} |",
        median(ms),
        max,
        if max < limit { "met" } else { "MISSED" }
    );
}

fn main() {
    let rounds = env_num("SKIFF_BENCH_ROUNDS", 15usize);
    println!("# skiff panes benchmark: {N} entries, {rounds} rounds each\n");
    println!("| operation | median | max | limit | verdict |");
    println!("|---|---:|---:|---:|---|");

    let mut s = state(160, 48);
    // Sorting: `s` from each order to the next, as a person cycles through them (the whole
    // listing is sorted each time; the previous order is put back, untimed, between rounds).
    let mut from = s.local.sort;
    for _ in 0..8 {
        let to = from.next();
        let mut ms = Vec::new();
        for _ in 0..rounds {
            s.local.set_sort(from);
            let t = Instant::now();
            s.update(Action::SortCycle);
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(s.local.sort, to);
        }
        row(
            &format!("sort: {} → {}", from.label(), to.label()),
            &ms,
            50.0,
        );
        from = to;
    }
    assert_eq!(
        from,
        skiff::state::pane::Sort::default(),
        "the cycle came round"
    );

    // Filter: one keystroke at a time.
    let keys: Vec<char> = "f01234".chars().collect();
    let mut per_key: Vec<Vec<f64>> = vec![Vec::new(); keys.len() + 1];
    for _ in 0..rounds {
        s.update(Action::Filter);
        for (i, c) in keys.iter().enumerate() {
            let t = Instant::now();
            s.update(Action::Input(KeyPress::plain(Key::Char(*c))));
            per_key[i].push(t.elapsed().as_secs_f64() * 1000.0);
        }
        let shown = s.local.len();
        assert!(shown < N / 10, "the filter narrowed: {shown}");
        let t = Instant::now();
        s.update(Action::Input(KeyPress::plain(Key::Esc)));
        per_key[keys.len()].push(t.elapsed().as_secs_f64() * 1000.0);
        assert_eq!(s.local.len(), N + 1);
    }
    for (i, ms) in per_key.iter().enumerate() {
        let what = match keys.get(i) {
            Some(_) => format!(
                "filter keystroke: /{}",
                keys[..=i].iter().collect::<String>()
            ),
            None => "filter cleared (Esc)".to_string(),
        };
        row(&what, ms, 50.0);
    }

    // Compare two listings, 1,000 entries different.
    let a = entries(N, 1);
    let mut b = entries(N, 1);
    for e in b.iter_mut().skip(1).step_by(100) {
        e.size += 1;
    }
    let ms = time(rounds, || {
        let (x, _) = skiff::state::compare::compare(&a, &b);
        assert_eq!(x.len(), 1_000);
    });
    row("compare 100,000 with 100,000", &ms, 50.0);

    // Frames.
    let keymap = Keymap::defaults();
    for (w, h) in [(160u16, 48u16), (80, 24)] {
        let mut s = state(w, h);
        for _ in 0..10 {
            s.update(Action::PageDown);
        }
        s.local.move_to(N / 2);
        s.update(Action::Down);
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
        let ms = time(rounds * 4, || {
            term.draw(|f| skiff::ui::draw(&s, &keymap, f))
                .expect("draw");
        });
        row(&format!("frame {w}x{h}"), &ms, 5.0);
        s.update(Action::Filter);
        for c in "file-0".chars() {
            s.update(Action::Input(KeyPress::plain(Key::Char(c))));
        }
        let ms = time(rounds * 4, || {
            term.draw(|f| skiff::ui::draw(&s, &keymap, f))
                .expect("draw");
        });
        row(&format!("frame {w}x{h}, filter highlighting"), &ms, 5.0);
    }
}
