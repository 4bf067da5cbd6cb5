//! Connecting, certificates, navigation, the status line, quitting, help, the mouse, a small terminal.

use super::*;

#[test]
fn start_without_url_opens_the_bookmarks_and_esc_leaves_it_disconnected() {
    let mut s = State::new("/", Lang::En);
    let fx = s.start(None);
    assert!(matches!(
        fx.as_slice(),
        [
            Effect::List {
                side: Side::Local,
                ..
            },
            Effect::LoadBookmarks
        ]
    ));
    assert!(matches!(s.dialog, Some(Dialog::Bookmarks(_))));
    assert!(s.wants_input());
    let fx = s.update(Action::Input(KeyPress::plain(Key::Esc)));
    assert!(fx.is_empty());
    assert!(s.dialog.is_none());
    assert_eq!(s.conn, Conn::Disconnected);
    // Browsing the remote pane while disconnected explains why nothing happens.
    s.update(Action::SwitchPane);
    assert!(s.update(Action::Open).is_empty());
    assert!(s.status.text.contains("Not connected"));
}

#[test]
fn a_server_opened_by_url_or_bookmark_gets_the_keyboard() {
    // skiff ftp://host/dir (or skiff -b NAME): the remote pane has the focus.
    let mut s = State::new("/home/u", Lang::En);
    let opts = crate::ftp::ConnectOptions::new("h", 21, None, None);
    s.start(Some((opts, Some("/dir".into()))));
    assert_eq!(s.focus, Side::Remote);
    // No URL: the local pane.
    let mut s = State::new("/home/u", Lang::En);
    s.start(None);
    assert_eq!(s.focus, Side::Local);
    // A bookmark chosen in the manager, whose password came back from the keyring.
    s.update(Action::Input(KeyPress::plain(Key::Esc)));
    s.apply(Event::ProfileResolved {
        profile: crate::bookmarks::Profile::new("work", "h"),
        password: Ok(None),
        note: None,
    });
    assert!(matches!(s.conn, Conn::Connecting { .. }), "{:?}", s.conn);
    assert_eq!(s.focus, Side::Remote);
    assert!((s.panel != Panel::Queue));
}

#[test]
fn connect_dialog_submits_a_connect_effect() {
    let mut s = State::new("/", Lang::En);
    s.start(None);
    s.update(Action::Input(KeyPress::plain(Key::Esc)));
    s.update(Action::Connect);
    for c in "ftp.example.org".chars() {
        s.update(Action::Input(KeyPress::plain(Key::Char(c))));
    }
    let fx = s.update(Action::Input(KeyPress::plain(Key::Enter)));
    match fx.as_slice() {
        [Effect::Connect { opts, .. }] => {
            assert_eq!(opts.host, "ftp.example.org");
            assert_eq!(opts.user, "anonymous");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(s.conn, Conn::Connecting { .. }));
    assert!(s.busy());
}

#[test]
fn navigation_keys_move_and_clamp() {
    let mut s = connected();
    s.update(Action::SwitchPane);
    assert_eq!(s.focus, Side::Remote);
    // ".." is row 0 on /pub.
    assert_eq!(s.remote.entries[0].name, "..");
    s.update(Action::Down);
    assert_eq!(s.remote.cursor, 1);
    s.update(Action::PageDown);
    let rows = s.areas().list_rows();
    assert_eq!(s.remote.cursor, rows);
    s.update(Action::End);
    assert_eq!(s.remote.cursor, s.remote.entries.len() - 1);
    assert!(s.remote.offset > 0, "the view follows the cursor");
    s.update(Action::Down);
    assert_eq!(s.remote.cursor, s.remote.entries.len() - 1);
    s.update(Action::Home);
    assert_eq!((s.remote.cursor, s.remote.offset), (0, 0));
    s.update(Action::Up);
    assert_eq!(s.remote.cursor, 0);
    // The local pane did not move.
    assert_eq!(s.local.cursor, 0);
}

#[test]
fn open_parent_and_stale_replies() {
    let mut s = connected();
    s.update(Action::SwitchPane);
    s.update(Action::Down); // dir00
    let fx = s.update(Action::Open);
    let req1 = match fx.as_slice() {
        [
            Effect::List {
                side: Side::Remote,
                nav: Nav::To(p),
                req,
            },
        ] => {
            assert_eq!(p, "/pub/dir00");
            *req
        }
        other => panic!("{other:?}"),
    };
    // The user changes their mind before the listing arrives.
    s.update(Action::Down);
    let fx = s.update(Action::Open);
    let req2 = match fx.as_slice() {
        [Effect::List { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    // The stale reply is ignored.
    s.apply(Event::Listed {
        side: Side::Remote,
        req: req1,
        result: Ok(listing("/pub/dir00", 0, 1)),
    });
    assert_eq!(s.remote.path, "/pub");
    s.apply(Event::Listed {
        side: Side::Remote,
        req: req2,
        result: Ok(listing("/pub/dir01", 0, 1)),
    });
    assert_eq!(s.remote.path, "/pub/dir01");
    assert_eq!(s.remote.cursor, 0);
    // Parent selects the directory we came from.
    let fx = s.update(Action::Parent);
    let req = match fx.as_slice() {
        [
            Effect::List {
                nav: Nav::Up(from),
                req,
                ..
            },
        ] => {
            assert_eq!(from, "/pub/dir01");
            *req
        }
        other => panic!("{other:?}"),
    };
    s.apply(Event::Listed {
        side: Side::Remote,
        req,
        result: Ok(listing("/pub", 3, 200)),
    });
    assert_eq!(s.remote.current().map(|e| e.name.as_str()), Some("dir01"));
}

#[test]
fn errors_reach_the_status_line_with_a_hint() {
    let mut s = connected();
    s.update(Action::SwitchPane);
    s.update(Action::Down);
    let fx = s.update(Action::Open);
    let Some(Effect::List { req, .. }) = fx.first() else {
        panic!("{fx:?}")
    };
    s.apply(Event::Listed {
        side: Side::Remote,
        req: *req,
        result: Err(ErrorInfo::new("550 Permission denied", Some(550))),
    });
    assert!(s.status.error);
    assert!(s.status.text.contains("550"));
    assert!(s.status.text.to_lowercase().contains("permission"));
    assert_eq!(s.remote.path, "/pub", "the pane stays where it was");
    assert!(s.remote.error.is_some());
}

#[test]
fn failed_login_leaves_the_pane_disconnected() {
    let mut s = State::new("/", Lang::En);
    let opts = crate::ftp::ConnectOptions::new("h", 21, Some("u"), Some(Secret::new("bad")));
    let fx = s.start(Some((opts, None)));
    let Some(Effect::Connect { req, .. }) = fx.get(1) else {
        panic!("{fx:?}")
    };
    s.apply(Event::ConnectFailed {
        req: *req,
        error: ErrorInfo::new("530 Login incorrect.", Some(530)),
    });
    assert_eq!(s.conn, Conn::Disconnected);
    assert!(s.status.text.contains("530"));
    assert!(s.status.text.contains("password"));
}

#[test]
fn an_untrusted_certificate_asks_and_trust_always_pins_it_and_reconnects() {
    let mut s = refused_by_certificate(None);
    assert_eq!(s.conn, Conn::Disconnected);
    assert!(
        matches!(s.dialog, Some(Dialog::Certificate(_))),
        "{:?}",
        s.dialog
    );
    // Other keys do nothing.
    assert!(
        s.update(Action::Input(KeyPress::plain(Key::Char('x'))))
            .is_empty()
    );
    assert!(matches!(s.dialog, Some(Dialog::Certificate(_))));
    let fx = s.update(Action::Input(KeyPress::plain(Key::Char('a'))));
    let sha = cert_info(None).sha256;
    match fx.as_slice() {
        [
            Effect::SavePin { host, port, sha256 },
            Effect::Connect { opts, path, .. },
        ] => {
            assert_eq!((host.as_str(), *port, sha256), ("h", 21, &sha));
            assert_eq!(opts.trust.pin.as_ref(), Some(&sha));
            assert_eq!(opts.tls, crate::ftp::tls::TlsMode::Explicit);
            assert_eq!(path.as_deref(), Some("pub"));
        }
        other => panic!("{other:?}"),
    }
    assert!(s.dialog.is_none());
    // Trust once: the same, without remembering it.
    let mut s = refused_by_certificate(None);
    let fx = s.update(Action::Input(KeyPress::plain(Key::Char('o'))));
    assert!(
        matches!(fx.as_slice(), [Effect::Connect { opts, .. }] if opts.trust.pin == Some(sha.clone())),
        "{fx:?}"
    );
    // Esc: not connected, and it says why.
    let mut s = refused_by_certificate(None);
    assert!(
        s.update(Action::Input(KeyPress::plain(Key::Esc)))
            .is_empty()
    );
    assert!(s.dialog.is_none());
    assert!(s.status.text.contains("certificate"), "{:?}", s.status);
}

#[test]
fn a_certificate_that_changed_under_its_pin_cannot_be_trusted_from_the_dialog() {
    let pin = format!("CD{}", ":CD".repeat(31));
    let mut s = refused_by_certificate(Some(&pin));
    assert!(matches!(&s.dialog, Some(Dialog::Certificate(f)) if f.info.pinned_mismatch.is_some()));
    for k in ['o', 'a'] {
        assert!(
            s.update(Action::Input(KeyPress::plain(Key::Char(k))))
                .is_empty()
        );
        assert!(matches!(s.dialog, Some(Dialog::Certificate(_))));
    }
    assert!(
        s.update(Action::Input(KeyPress::plain(Key::Esc)))
            .is_empty()
    );
    assert!(s.dialog.is_none());
}

#[test]
fn quit_asks_only_when_something_runs() {
    let mut s = connected();
    assert!(!s.busy());
    assert!(matches!(s.update(Action::Quit).as_slice(), [Effect::Quit]));
    assert!(s.quit);

    let mut s = connected();
    s.update(Action::Refresh);
    assert!(s.busy());
    assert!(s.update(Action::Quit).is_empty());
    assert_eq!(s.dialog, Some(Dialog::ConfirmQuit));
    assert!(
        s.update(Action::Input(KeyPress::plain(Key::Char('n'))))
            .is_empty()
    );
    assert!(!s.quit && s.dialog.is_none());
    s.update(Action::Quit);
    assert!(matches!(
        s.update(Action::Input(KeyPress::plain(Key::Char('y'))))
            .as_slice(),
        [Effect::Quit]
    ));
}

#[test]
fn help_overlay_swallows_keys_until_closed() {
    let mut s = connected();
    s.update(Action::Help);
    assert!(s.help && s.wants_input());
    // Keymap actions do nothing while help is open.
    s.update(Action::Down);
    assert_eq!(s.local.cursor, 0);
    s.update(Action::Input(KeyPress::plain(Key::Char('x'))));
    assert!(s.help);
    s.update(Action::Input(KeyPress::plain(Key::Esc)));
    assert!(!s.help);
}

#[test]
fn mouse_click_focuses_selects_and_opens() {
    let mut s = connected();
    s.update(Action::Resize {
        width: 100,
        height: 30,
    });
    let a = s.areas();
    // Row 3 of the remote list (0-based) is entries[3] = dir02.
    let row = a.remote.y + 2 + 3;
    let col = a.remote.x + 5;
    assert!(s.update(Action::Click { col, row }).is_empty());
    assert!(s.update(Action::Release { col, row }).is_empty());
    assert_eq!(s.focus, Side::Remote);
    assert_eq!(s.remote.cursor, 3);
    s.update(Action::Click { col, row });
    let fx = s.update(Action::Release { col, row });
    assert!(matches!(fx.as_slice(), [Effect::List { nav: Nav::To(p), .. }] if p == "/pub/dir02"));
    // The wheel over the local pane scrolls it.
    s.update(Action::Scroll {
        col: 2,
        row: a.local.y + 3,
        delta: 1,
    });
    assert_eq!(s.local.cursor, 3);
}

#[test]
fn symlinks_can_be_opened_and_files_cannot() {
    let mut s = connected();
    s.remote.entries.push(Entry {
        name: "ln".into(),
        kind: EntryKind::Symlink,
        size: 0,
        mtime: None,
        perms: None,
        link_target: Some("dir00".into()),
    });
    s.remote.rebuild_view();
    s.update(Action::SwitchPane);
    s.update(Action::End);
    assert!(
        matches!(s.update(Action::Open).as_slice(), [Effect::List { nav: Nav::To(p), .. }] if p == "/pub/ln")
    );
    s.update(Action::Up);
    assert!(s.update(Action::Open).is_empty());
    assert!(s.status.text.contains("not a directory"));
}

#[test]
fn the_menu_opens_on_f9_or_a_right_click_and_runs_what_is_chosen() {
    let mut s = connected();
    s.update(Action::Resize {
        width: 120,
        height: 40,
    });
    s.focus = Side::Remote;
    s.update(Action::Down);
    s.update(Action::Menu);
    let labels = |s: &State| match &s.dialog {
        Some(Dialog::Menu(m)) => m.items.iter().map(|(l, _)| *l).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    assert_eq!(labels(&s)[0], "Open");
    assert!(labels(&s).contains(&"Size"), "a directory can be sized");
    // Down to Rename, Enter: the rename prompt for dir00.
    let at = labels(&s).iter().position(|l| *l == "Rename").unwrap();
    for _ in 0..at {
        press(&mut s, Key::Down);
    }
    press(&mut s, Key::Enter);
    assert!(matches!(&s.dialog, Some(Dialog::Prompt(p)) if p.input.text == "dir00"));
    press(&mut s, Key::Esc);

    // A right click on the local pane's third row: that row is selected and its menu opens.
    let areas = s.areas();
    let (x, y) = (areas.local.x + 3, areas.local.y + 2 + 2);
    s.update(Action::RightClick { col: x, row: y });
    assert_eq!(s.focus, Side::Local);
    assert_eq!(s.local.current().unwrap().name, "dir01");
    assert!(labels(&s).contains(&"Delete"));
    // A click on an item runs it (the menu is centred, one row per item, after the frame).
    let n = labels(&s).len();
    let r = crate::state::dialog::menu_rect(120, 40, n);
    let info = labels(&s).iter().position(|l| *l == "Info").unwrap() as u16;
    s.update(Action::Click {
        col: r.x + 2,
        row: r.y + 1 + info,
    });
    assert!(matches!(&s.dialog, Some(Dialog::Info(v)) if v.rows[0].1 == "dir01"));
    press(&mut s, Key::Esc);
    // A click outside closes it.
    s.update(Action::Menu);
    s.update(Action::Click { col: 0, row: 0 });
    assert!(s.dialog.is_none());
}

/// A paste is typed into the text field that has the keyboard, on one line: it never presses
/// Enter (a pasted `dele x` and newline is not sent, and cannot answer the confirmation), and
/// where no text field has the keyboard it does nothing at all.
#[test]
fn a_paste_is_text_for_the_focused_field_and_never_keys() {
    use crate::state::console::ConsoleForm;
    let mut s = connected();
    let remote_cursor = s.remote.cursor;
    // No text field: the letters are not taken as commands (d would delete, q quit…).
    assert!(s.update(Action::Paste("dq\n".into())).is_empty());
    assert!(s.dialog.is_none() && s.remote.cursor == remote_cursor);
    s.update(Action::Console);
    let fx = s.update(Action::Paste("dele a.txt\r\n\ny\tz\u{7}\r\n".into()));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(
        matches!(&s.dialog, Some(Dialog::Console(ConsoleForm { input, .. })) if input.text == "dele a.txt  y z"),
        "{:?}",
        s.dialog
    );
    // A confirmation is not a text field: a paste of "y" answers nothing.
    s.update(Action::Input(KeyPress::plain(Key::Esc)));
    s.update(Action::Console);
    for c in "dele a.txt".chars() {
        s.update(Action::Input(KeyPress::plain(Key::Char(c))));
    }
    s.update(Action::Input(KeyPress::plain(Key::Enter)));
    assert!(
        matches!(s.dialog, Some(Dialog::Confirm(_))),
        "{:?}",
        s.dialog
    );
    assert!(s.update(Action::Paste("y\n".into())).is_empty());
    assert!(matches!(s.dialog, Some(Dialog::Confirm(_))));
}

/// Below 80x24 only a message is drawn: nothing else acts (not a menu click, not `y` in a
/// confirmation opened before the resize), and `q` quits as the message says.
#[test]
fn a_too_small_terminal_takes_only_q() {
    let mut s = connected();
    s.update(Action::Console);
    assert!(
        matches!(s.dialog, Some(Dialog::Console(_))),
        "{:?}",
        s.dialog
    );
    s.update(Action::Resize {
        width: 60,
        height: 20,
    });
    let fx = s.update(Action::Input(KeyPress::plain(Key::Char('y'))));
    assert!(fx.is_empty(), "{fx:?}");
    assert!(s.update(Action::Click { col: 10, row: 5 }).is_empty());
    assert!(s.update(Action::Down).is_empty());
    match &s.dialog {
        Some(Dialog::Console(c)) => assert_eq!(c.input.text, "", "nothing typed"),
        other => panic!("{other:?}"),
    }
    let fx = s.update(Action::Input(KeyPress::plain(Key::Char('q'))));
    assert!(matches!(fx.as_slice(), [Effect::Quit]), "{fx:?}");
    assert!(s.quit);
}

/// Notes taller than the screen (a long FEAT list in the server facts) scroll with the arrows
/// and pages, never past their end; any other key closes them.
#[test]
fn notes_scroll_and_any_other_key_closes() {
    use crate::state::logview::NotesView;
    let mut s = connected();
    let long: Vec<String> = (0..60).map(|i| format!("FEATURE{i}")).collect();
    s.dialog = Some(Dialog::Notes(NotesView {
        title: "facts".into(),
        parts: vec![("Features".into(), long.join("\n"))],
        scroll: 0,
    }));
    let scroll = |s: &State| match &s.dialog {
        Some(Dialog::Notes(v)) => v.scroll,
        other => panic!("{other:?}"),
    };
    s.update(Action::Input(KeyPress::plain(Key::Down)));
    assert_eq!(scroll(&s), 1);
    s.update(Action::Input(KeyPress::plain(Key::End)));
    let max = scroll(&s);
    // 62 rows of text (heading, 60 lines, gap) in a box of 22 inner rows.
    assert_eq!(max, 62 - 22);
    s.update(Action::Input(KeyPress::plain(Key::PageDown)));
    assert_eq!(scroll(&s), max, "not past the end");
    s.update(Action::Input(KeyPress::plain(Key::Home)));
    assert_eq!(scroll(&s), 0);
    s.update(Action::Input(KeyPress::plain(Key::Char('x'))));
    assert!(s.dialog.is_none());
}

/// Esc stops a connection being tried, as the status line says, even while the log has the
/// keyboard (once its filter, if any, is cleared).
#[test]
fn esc_in_the_log_stops_connecting() {
    let mut s = connected();
    s.conn = Conn::Connecting {
        label: "demo@h".into(),
        req: 9,
    };
    s.update(Action::LogFocus);
    assert!((s.panel == Panel::Log));
    let fx = s.update(Action::Input(KeyPress::plain(Key::Esc)));
    assert!(matches!(fx.as_slice(), [Effect::CancelConnect]), "{fx:?}");
    assert!(matches!(s.conn, Conn::Disconnected) && (s.panel != Panel::Log));
}

/// One `Panel` says where the keys go: the log (F12) keeps them until it gives them back, and
/// a click elsewhere takes them, the log forgetting its cursor as when it is left with `Esc`.
#[test]
fn the_keyboard_is_in_one_panel_and_a_click_moves_it() {
    let mut s = connected();
    s.update(Action::Resize {
        width: 100,
        height: 30,
    });
    assert_eq!(s.panel, Panel::Panes);
    s.update(Action::LogFocus);
    assert_eq!(s.panel, Panel::Log);
    assert!(s.wants_input(), "typing goes to the log");
    let a = s.areas();
    s.update(Action::Click {
        col: a.remote.x + 5,
        row: a.remote.y + 3,
    });
    s.update(Action::Release {
        col: a.remote.x + 5,
        row: a.remote.y + 3,
    });
    assert_eq!((s.panel, s.focus), (Panel::Panes, Side::Remote));
    assert_eq!(s.log.cursor, None, "the log was left");
    assert!(!s.wants_input());
    // F12 again, then Esc: back to the panes.
    s.update(Action::LogFocus);
    s.update(Action::Input(KeyPress::plain(Key::Esc)));
    assert_eq!(s.panel, Panel::Panes);
}

#[test]
fn config_problems_stay_in_the_status_line_until_a_key_with_their_count() {
    let mut s = State::new("/home/u", Lang::En);
    let errors = vec![
        "config.toml:3: unknown key `colour`".to_string(),
        "config.toml:9: \"fast\" is not a rate".to_string(),
    ];
    s.config_problems(&errors);
    // Connecting says so, but the problems stay in view.
    s.set_status("Connected to ftp.example.org", false);
    let shown = s.shown_status().text.clone();
    assert!(shown.starts_with("2 problems in config.toml"), "{shown}");
    assert!(shown.contains("unknown key `colour`"), "{shown}");
    assert!(s.shown_status().error);
    // A key: seen; the status line is the latest again.
    s.update(Action::Down);
    assert_eq!(s.shown_status().text, "Connected to ftp.example.org");
    // One problem is shown as it is.
    s.config_problems(&errors[..1]);
    assert_eq!(s.shown_status().text, errors[0]);
}
