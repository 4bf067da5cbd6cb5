//! Layout snapshots (insta + ratatui's TestBackend) of the main screen, the help overlay and the
//! connect dialog, at 80x24 and 160x48.

use std::time::{Duration, UNIX_EPOCH};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use skiff::fs::{Entry, EntryKind, Listing};
use skiff::ftp::{ConnectOptions, LogEvent, LogKind, Secret};
use skiff::i18n::Lang;
use skiff::state::keymap::Keymap;
use skiff::state::{Action, ConnectForm, Dialog, Effect, Event, Key, KeyPress, Side, State};

const T0: i64 = 1_795_000_000; // 2026-11-18, a fixed moment

fn e(name: &str, kind: EntryKind, size: u64, perms: &str) -> Entry {
    Entry {
        name: name.into(),
        kind,
        size,
        mtime: Some(T0 - size as i64 % 100_000),
        perms: Some(perms.into()),
        link_target: (kind == EntryKind::Symlink).then(|| "README.txt".into()),
    }
}

fn sorted(mut v: Vec<Entry>) -> Vec<Entry> {
    skiff::state::pane::sort_entries(&mut v);
    v
}

fn log(s: &mut State, secs: u64, kind: LogKind, text: &str) {
    s.apply(Event::Log(LogEvent {
        at: UNIX_EPOCH + Duration::from_secs(T0 as u64 + secs),
        tag: "browse".into(),
        kind,
        text: text.into(),
    }));
}

fn sample_state(width: u16, height: u16) -> State {
    let mut s = State::new("/home/user/projects", skiff::i18n::lang());
    s.update(Action::Resize { width, height });
    let opts = ConnectOptions::new("127.0.0.1", 2121, Some("demo"), Some(Secret::new("pw")));
    let fx = s.start(Some((opts, None)));
    let (lreq, creq) = match fx.as_slice() {
        [Effect::List { req: a, .. }, Effect::Connect { req: b, .. }] => (*a, *b),
        other => panic!("{other:?}"),
    };
    s.apply(Event::Listed {
        side: Side::Local,
        req: lreq,
        result: Ok(Listing {
            path: "/home/user/projects".into(),
            entries: sorted(vec![
                e("skiff", EntryKind::Dir, 0, "rwxr-xr-x"),
                e("notes", EntryKind::Dir, 0, "rwxr-x---"),
                e("todo.md", EntryKind::File, 812, "rw-r--r--"),
                e("photo.jpg", EntryKind::File, 2_345_678, "rw-r--r--"),
            ]),
        }),
    });
    let fx = s.apply(Event::Connected {
        req: creq,
        label: "demo@127.0.0.1:2121".into(),
    });
    let Some(Effect::List { req, .. }) = fx.iter().find(|e| matches!(e, Effect::List { .. }))
    else {
        panic!("{fx:?}")
    };
    s.apply(Event::Listed {
        side: Side::Remote,
        req: *req,
        result: Ok(Listing {
            path: "/".into(),
            entries: sorted(vec![
                e("dir with spaces", EntryKind::Dir, 0, "rwxr-xr-x"),
                e("数据", EntryKind::Dir, 0, "rwxr-xr-x"),
                e("big", EntryKind::Dir, 0, "rwxr-xr-x"),
                e("README.txt", EntryKind::File, 169, "rw-r--r--"),
                e("readme-link", EntryKind::Symlink, 10, "rwxrwxrwx"),
                e(
                    "报告 2026 年度总结.txt",
                    EntryKind::File,
                    4_194_304,
                    "rw-r--r--",
                ),
                e(
                    "a file with a rather long name that will not fit in a narrow pane at all.txt",
                    EntryKind::File,
                    42,
                    "rw-r--r--",
                ),
            ]),
        }),
    });
    log(
        &mut s,
        0,
        LogKind::Info,
        "Connecting to 127.0.0.1:2121 (127.0.0.1:2121)",
    );
    log(
        &mut s,
        0,
        LogKind::Reply {
            code: 220,
            last: true,
        },
        "220 skiff demo server ready",
    );
    log(&mut s, 0, LogKind::Command, "USER demo");
    log(
        &mut s,
        0,
        LogKind::Reply {
            code: 331,
            last: true,
        },
        "331 Password required",
    );
    log(&mut s, 1, LogKind::Command, "PASS ****");
    log(
        &mut s,
        1,
        LogKind::Reply {
            code: 230,
            last: true,
        },
        "230 User logged in, proceed",
    );
    log(&mut s, 1, LogKind::Command, "CWD /secret");
    log(
        &mut s,
        2,
        LogKind::Reply {
            code: 550,
            last: true,
        },
        "550 Permission denied",
    );
    // Connecting gave the remote pane the keyboard.
    s.update(Action::Down);
    s
}

fn queue_jobs(s: &mut State) {
    use skiff::transfer::{Direction, EngineEvent, Job, JobKind, JobSpec, JobState, Progress};
    let mk = |id: u64, name: &str, size: u64, state: JobState, done: u64| Job {
        id,
        parent: None,
        spec: JobSpec {
            direction: if id.is_multiple_of(2) {
                Direction::Upload
            } else {
                Direction::Download
            },
            kind: JobKind::File,
            src: format!("/pub/{name}").into(),
            dst: format!("/home/user/projects/{name}").into(),
            size: Some(size),
            mtime: None,
            is_move: false,
        },
        state,
        done,
        attempts: 1,
        on_exists: None,
        mode: Default::default(),
        never: false,
        part: None,
        above: None,
        batch: 0,
        segments: None,
        touched: false,
    };
    let jobs = vec![
        mk(1, "report.pdf", 1_048_576, JobState::Done, 1_048_576),
        mk(2, "video.mp4", 734_003_200, JobState::Running, 367_001_600),
        mk(
            3,
            "secret.txt",
            12,
            JobState::Failed {
                reason: "550 Permission denied".into(),
                code: Some(550),
            },
            0,
        ),
        mk(4, "notes.md", 2_048, JobState::Queued, 0),
        mk(5, "数据.csv", 4_096, JobState::Paused, 1_024),
    ];
    s.apply(Event::Engine(EngineEvent::Added { after: None, jobs }));
    s.apply(Event::Engine(EngineEvent::Progress(vec![Progress {
        id: 2,
        done: 367_001_600,
        rate: 52_428_800,
        connections: 4,
    }])));
}

fn render(s: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let keymap = Keymap::defaults();
    t.draw(|f| skiff::ui::draw(s, &keymap, f)).unwrap();
    t
}

fn screen_text(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                // The cell behind a wide character is hidden by it.
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            out.push_str(sym);
        }
        out.push('\n');
    }
    out
}

#[test]
fn layouts() {
    // Times in the panes and the log are local: pin the zone so snapshots are stable.
    // SAFETY: this is the only test in this binary, and it sets TZ before any other thread or
    // time computation exists.
    unsafe { std::env::set_var("TZ", "UTC") };
    // Every layout in English, then in Simplified Chinese (the interface follows LANG/--lang).
    for (lang, tag) in [(Lang::En, ""), (Lang::Zh, "_zh")] {
        skiff::i18n::set_lang(lang);
        for (w, h) in [(80u16, 24u16), (160, 48)] {
            let s = sample_state(w, h);
            insta::assert_snapshot!(format!("main_{w}x{h}{tag}"), screen_text(&render(&s, w, h)));

            let mut help = s.clone();
            help.update(Action::Help);
            insta::assert_snapshot!(
                format!("help_{w}x{h}{tag}"),
                screen_text(&render(&help, w, h))
            );
            // Scrolled to its end, the help shows its last keys and the mouse note.
            help.update(Action::Input(KeyPress::plain(Key::End)));
            let text = screen_text(&render(&help, w, h));
            assert!(
                tag.is_empty() || text.contains("Ctrl") || text.contains("ctrl"),
                "{text}"
            );
            if tag.is_empty() {
                assert!(text.contains("Quit") && text.contains("Mouse:"), "{text}");
            }
            insta::assert_snapshot!(format!("help_end_{w}x{h}{tag}"), text);

            let mut dlg = s.clone();
            let mut form = ConnectForm::default();
            for c in "ftp.example.org".chars() {
                form.key(KeyPress::plain(Key::Char(c)));
            }
            form.focus = 2;
            for c in "alice".chars() {
                form.key(KeyPress::plain(Key::Char(c)));
            }
            form.focus = 3;
            for c in "hunter2".chars() {
                form.key(KeyPress::plain(Key::Char(c)));
            }
            dlg.dialog = Some(Dialog::Connect(form));
            let text = screen_text(&render(&dlg, w, h));
            assert!(!text.contains("hunter2"), "the password is masked");
            assert!(text.contains("*******"));
            insta::assert_snapshot!(format!("connect_{w}x{h}{tag}"), text);

            for (name, changed) in [("cert_untrusted", false), ("cert_changed", true)] {
                let mut c = s.clone();
                let mut opts =
                    skiff::ftp::ConnectOptions::new("ftp.example.org", 21, Some("alice"), None);
                opts.tls = skiff::ftp::tls::TlsMode::Explicit;
                let sha = format!("3F{}", ":A7".repeat(31));
                c.dialog = Some(Dialog::Certificate(Box::new(
                    skiff::state::dialog::CertForm {
                        info: skiff::ftp::tls::CertInfo {
                            subject: "CN=ftp.example.org, O=Example\u{1b}[31m".into(),
                            issuer: "CN=Example Internal CA".into(),
                            not_before: "Thu, 01 Jan 2026 00:00:00 +0000".into(),
                            not_after: "Fri, 01 Jan 2027 00:00:00 +0000".into(),
                            sha256: sha,
                            reason: "invalid peer certificate: UnknownIssuer".into(),
                            pinned_mismatch: changed.then(|| format!("0C{}", ":D2".repeat(31))),
                        },
                        opts,
                        path: None,
                    },
                )));
                let text = screen_text(&render(&c, w, h));
                assert!(
                    !text.contains('\u{1b}'),
                    "escape sequences are not drawn raw"
                );
                insta::assert_snapshot!(format!("{name}_{w}x{h}{tag}"), text);
            }

            let mut q = s.clone();
            queue_jobs(&mut q);
            insta::assert_snapshot!(
                format!("queue_{w}x{h}{tag}"),
                screen_text(&render(&q, w, h))
            );

            // File operations: the rename prompt (prefilled, cursor at the end), the delete
            // confirmation of two marked entries, the permissions dialog.
            let mut ops = s.clone();
            ops.update(Action::Down);
            ops.update(Action::Rename);
            insta::assert_snapshot!(
                format!("rename_{w}x{h}{tag}"),
                screen_text(&render(&ops, w, h))
            );
            ops.update(Action::Input(KeyPress::plain(Key::Esc)));
            ops.update(Action::Mark);
            ops.update(Action::Mark);
            ops.update(Action::Delete);
            insta::assert_snapshot!(
                format!("delete_{w}x{h}{tag}"),
                screen_text(&render(&ops, w, h))
            );
            ops.update(Action::Input(KeyPress::plain(Key::Esc)));
            ops.update(Action::Chmod);
            for c in "750".chars() {
                ops.update(Action::Input(KeyPress::plain(Key::Char(c))));
            }
            insta::assert_snapshot!(
                format!("chmod_{w}x{h}{tag}"),
                screen_text(&render(&ops, w, h))
            );

            // Sorted by size (largest first) with a filter being typed in the remote pane.
            let mut find = s.clone();
            assert_eq!(find.focus, Side::Remote);
            for _ in 0..4 {
                find.update(Action::SortCycle);
            }
            find.update(Action::Filter);
            for c in "ie".chars() {
                find.update(Action::Input(KeyPress::plain(Key::Char(c))));
            }
            let t = render(&find, w, h);
            let text = screen_text(&t);
            assert!(
                text.contains(if tag.is_empty() { "Size ↓" } else { "↓" }),
                "{text}"
            );
            assert!(text.contains("/ie"), "{text}");
            // The matched letters are drawn underlined.
            let buf = t.backend().buffer();
            let underlined = (0..buf.area.height)
                .flat_map(|y| (0..buf.area.width).map(move |x| (x, y)))
                .filter(|&(x, y)| {
                    y > 1
                        && buf[(x, y)]
                            .modifier
                            .contains(ratatui::style::Modifier::UNDERLINED)
                })
                .count();
            assert!(underlined >= 2, "highlighted matches: {underlined}\n{text}");
            insta::assert_snapshot!(format!("filter_{w}x{h}{tag}"), text);

            // Compared panes (colours checked by the unit tests) and the synchronisation preview.
            let mut cmp = s.clone();
            cmp.update(Action::Compare);
            cmp.update(Action::SyncPreview);
            insta::assert_snapshot!(
                format!("sync_{w}x{h}{tag}"),
                screen_text(&render(&cmp, w, h))
            );

            // The context menu on a file, and the pager.
            let mut m = s.clone();
            m.update(Action::Down);
            m.update(Action::Down);
            m.update(Action::Down);
            m.update(Action::Menu);
            insta::assert_snapshot!(format!("menu_{w}x{h}{tag}"), screen_text(&render(&m, w, h)));
            let mut v = s.clone();
            v.update(Action::End);
            let req = match v.update(Action::View).as_slice() {
                [Effect::View { req, .. }] => *req,
                other => panic!("{other:?}"),
            };
            v.apply(Event::Viewed {
                req,
                title: "/README.txt".into(),
                result: Ok((
                    b"Welcome to the skiff demo server.\n\n\tIndented with a tab.\n".to_vec(),
                    false,
                )),
            });
            insta::assert_snapshot!(format!("view_{w}x{h}{tag}"), screen_text(&render(&v, w, h)));

            // Info on a remote file, its listing line in and its checksum asked for (`c`):
            // long values go on below their label.
            let mut i = s.clone();
            i.update(Action::End);
            let req = match i.update(Action::Info).as_slice() {
                [Effect::ListingLine { req, .. }] => *req,
                other => panic!("{other:?}"),
            };
            i.apply(Event::ListingLine {
                req,
                result: Ok(Some(
                    "modify=20261118100000;perm=adfrw;size=169;type=file;unique=801U1A2B;UNIX.mode=0644; README.txt".into(),
                )),
            });
            let req = match i
                .update(Action::Input(KeyPress::plain(Key::Char('c'))))
                .as_slice()
            {
                [Effect::Checksum { req, .. }] => *req,
                other => panic!("{other:?}"),
            };
            i.apply(Event::Checksum {
                req,
                result: Ok(Some((
                    "SHA-256".into(),
                    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03".into(),
                ))),
            });
            insta::assert_snapshot!(format!("info_{w}x{h}{tag}"), screen_text(&render(&i, w, h)));
        }
    }
    skiff::i18n::set_lang(Lang::En);
    bidi_and_invisible_characters_are_shown();
    // Below 80x24 a message replaces the layout.
    let small = sample_state(60, 20);
    let text = screen_text(&render(&small, 60, 20));
    assert!(text.contains("skiff needs at least 80x24"), "{text}");
    insta::assert_snapshot!("too_small_60x20", text);

    // A user's config.toml: columns in its order, its colours, its keys in the help overlay.
    let (settings, errors) = skiff::state::keymap::Settings::with_user(
        "[panes]\ncolumns = [\"perms\", \"size\"]\n[theme]\ncursor = \"black on light-green\"\n\
         dir = \"magenta\"\n[keys]\nmkdir = [\"F7\", \"ctrl-x d\"]\n",
    );
    assert_eq!(errors, vec![]);
    skiff::config::set_look(settings.config.look.clone());
    let s = sample_state(160, 48);
    let t = render(&s, 160, 48);
    let text = screen_text(&t);
    insta::assert_snapshot!("configured_160x48", text);
    let buf = t.backend().buffer();
    // The cursor row of the focused (remote) pane has the configured colours; row 3 of the
    // local pane is a directory.
    let green: Vec<(u16, u16)> = (0..48u16)
        .flat_map(|y| (0..160u16).map(move |x| (x, y)))
        .filter(|&(x, y)| buf[(x, y)].bg == ratatui::style::Color::LightGreen)
        .collect();
    let cursor: Vec<_> = green.iter().filter(|&&(_, y)| y < 46).collect();
    assert_eq!(cursor.len(), 78, "{green:?}");
    assert!(cursor.iter().all(|&&(x, y)| x > 80 && y == 3));
    assert_eq!(buf[(3, 3)].fg, ratatui::style::Color::Magenta);
    let mut h = s.clone();
    h.update(Action::Help);
    let mut t = Terminal::new(TestBackend::new(80, 24)).unwrap();
    t.draw(|f| skiff::ui::draw(&h, &settings.keymap, f))
        .unwrap();
    let help = screen_text(&t);
    assert!(help.contains("F7, ctrl-x d"), "{help}");
    skiff::config::set_look(skiff::config::Config::builtin().look);
}

/// A name with a right-to-left override (`photo<RLO>gpj.exe` reads `photoexe.jpg` where the
/// terminal applies it) and other invisible characters are shown with `?`, in the pane, the
/// status line and the log; no cell sends one to the terminal. (Called from `layouts`, which
/// owns the time zone.)
fn bidi_and_invisible_characters_are_shown() {
    let mut s = sample_state(80, 24);
    assert_eq!(s.focus, Side::Remote);
    let fx = s.update(Action::Refresh);
    let req = fx
        .iter()
        .find_map(|e| match e {
            Effect::List { req, .. } => Some(*req),
            _ => None,
        })
        .expect("the remote pane is read again");
    s.apply(Event::Listed {
        side: Side::Remote,
        req,
        result: Ok(Listing {
            path: "/".into(),
            entries: sorted(vec![
                e("photo\u{202E}gpj.exe", EntryKind::File, 1234, "rw-r--r--"),
                e(
                    "zero\u{200B}width\u{2066}isolate",
                    EntryKind::File,
                    99,
                    "rw-r--r--",
                ),
            ]),
        }),
    });
    log(
        &mut s,
        3,
        LogKind::Reply {
            code: 550,
            last: true,
        },
        "550 photo\u{202E}gpj.exe: no such file",
    );
    s.set_status("Copied /photo\u{202E}gpj.exe", false);
    let text = screen_text(&render(&s, 80, 24));
    assert!(!text.contains("photoexe.jpg"), "{text}");
    assert_eq!(text.matches("photo?gpj.exe").count(), 3, "{text}");
    assert!(text.contains("zero?width?isolate"), "{text}");
    assert!(
        !text.chars().any(|c| c != '\n' && skiff::text::is_hidden(c)),
        "{text:?}"
    );
    insta::assert_snapshot!("bidi_names_80x24", text);
}
