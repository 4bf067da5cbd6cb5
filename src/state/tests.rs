//! `update` and `apply` driven with plain data, no terminal and no network.

use super::*;
use crate::fs::ops::FsOp;
use crate::fs::{Entry, EntryKind, Listing};
use crate::ftp::{LogKind, Secret};

fn entry(name: &str, kind: EntryKind) -> Entry {
    Entry {
        name: name.into(),
        kind,
        size: 10,
        mtime: None,
        perms: None,
        link_target: None,
    }
}

fn listing(path: &str, n_dirs: usize, n_files: usize) -> Listing {
    let mut entries = Vec::new();
    for i in 0..n_dirs {
        entries.push(entry(&format!("dir{i:02}"), EntryKind::Dir));
    }
    for i in 0..n_files {
        entries.push(entry(&format!("file{i:04}"), EntryKind::File));
    }
    Listing {
        path: path.into(),
        entries,
    }
}

/// A state connected to a server, both panes listed.
fn connected() -> State {
    let mut s = State::new("/home/u", Lang::En);
    let opts = crate::ftp::ConnectOptions::new("h", 21, Some("u"), Some(Secret::new("p")));
    let fx = s.start(Some((opts, Some("/pub".into()))));
    let (local_req, conn_req) = match fx.as_slice() {
        [
            Effect::List {
                req: a,
                side: Side::Local,
                ..
            },
            Effect::Connect { req: b, path, .. },
        ] => {
            assert_eq!(path.as_deref(), Some("/pub"));
            (*a, *b)
        }
        other => panic!("unexpected start effects {other:?}"),
    };
    s.apply(Event::Listed {
        side: Side::Local,
        req: local_req,
        result: Ok(listing("/home/u", 2, 3)),
    });
    let fx = s.apply(Event::Connected {
        req: conn_req,
        label: "u@h".into(),
    });
    let req = match fx.as_slice() {
        [
            Effect::StartTransfers,
            Effect::List {
                side: Side::Remote,
                nav: Nav::To(p),
                req,
            },
            Effect::RecordRecent(r),
        ] => {
            assert_eq!(p, "/pub");
            // The recent list gets the connection, never its password.
            assert_eq!((r.host.as_str(), r.user.as_deref()), ("h", Some("u")));
            assert!(!format!("{r:?}").contains("\"p\""));
            *req
        }
        other => panic!("unexpected {other:?}"),
    };
    s.apply(Event::Listed {
        side: Side::Remote,
        req,
        result: Ok(listing("/pub", 3, 200)),
    });
    // Connecting gave the remote pane the keyboard; the tests below start on the local pane
    // (and press Tab for the remote one).
    assert_eq!(s.focus, Side::Remote);
    s.focus = Side::Local;
    s
}

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
    assert!(!s.queue_focus);
}

/// The keyring found at start reaches the bookmark form (open or opened later).
#[test]
fn the_keyring_found_reaches_the_bookmark_form() {
    use crate::bookmarks::KeyringKind;
    let mut s = State::new("/", Lang::En);
    s.start(None);
    s.apply(Event::BookmarksLoaded {
        profiles: vec![],
        error: None,
    });
    s.update(Action::Input(KeyPress::plain(Key::Char('a'))));
    let Some(Dialog::BookmarkForm(form)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert_eq!(form.keyring, None);
    s.apply(Event::KeyringFound(KeyringKind::Kernel));
    let Some(Dialog::BookmarkForm(form)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert_eq!(form.keyring, Some(KeyringKind::Kernel));
    s.update(Action::Input(KeyPress::plain(Key::Esc)));
    s.update(Action::Bookmarks);
    s.update(Action::Input(KeyPress::plain(Key::Char('a'))));
    assert!(
        matches!(&s.dialog, Some(Dialog::BookmarkForm(f)) if f.keyring == Some(KeyringKind::Kernel)),
        "{:?}",
        s.dialog
    );
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

fn cert_info(pinned: Option<&str>) -> crate::ftp::tls::CertInfo {
    crate::ftp::tls::CertInfo {
        subject: "CN=ftp.example.org".into(),
        issuer: "CN=Someone".into(),
        not_before: "Mon, 1 Jan 2026".into(),
        not_after: "Fri, 1 Jan 2027".into(),
        sha256: format!("AB{}", ":AB".repeat(31)),
        reason: "invalid peer certificate: UnknownIssuer".into(),
        pinned_mismatch: pinned.map(str::to_string),
    }
}

fn refused_by_certificate(pinned: Option<&str>) -> State {
    let mut s = State::new("/", Lang::En);
    let mut opts = crate::ftp::ConnectOptions::new("h", 21, Some("u"), Some(Secret::new("p")));
    opts.tls = crate::ftp::tls::TlsMode::Explicit;
    opts.trust.pin = pinned.map(str::to_string);
    let fx = s.start(Some((opts, Some("pub".into()))));
    let Some(Effect::Connect { req, .. }) = fx.get(1) else {
        panic!("{fx:?}")
    };
    let e = crate::ftp::FtpError::Certificate(Box::new(cert_info(pinned)));
    s.apply(Event::ConnectFailed {
        req: *req,
        error: ErrorInfo::from(&e),
    });
    s
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
fn log_cycle_changes_page_size() {
    let mut s = connected();
    let normal = s.areas().list_rows();
    s.update(Action::CycleLog);
    assert_eq!(s.log.size, LogSize::Large);
    assert!(s.areas().list_rows() < normal);
    s.update(Action::CycleLog);
    assert_eq!(s.log.size, LogSize::Hidden);
    assert!(s.areas().list_rows() > normal);
}

#[test]
fn log_events_are_kept_and_masked_upstream() {
    let mut s = State::new("/", Lang::Zh);
    s.apply(Event::Log(crate::ftp::LogEvent {
        at: std::time::SystemTime::now(),
        tag: "browse".into(),
        kind: LogKind::Reply {
            code: 421,
            last: true,
        },
        text: "421 Timeout.".into(),
    }));
    let line = s.log.lines.back().unwrap();
    let x = line.explanation.unwrap();
    assert!(x.hint.is_some());
    assert!(
        !x.meaning.is_ascii(),
        "explanations follow the chosen language"
    );
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
fn marks_copy_and_move_queue_jobs_for_the_other_pane() {
    use crate::transfer::{Direction, JobKind};
    let mut s = connected();
    // Local pane: .. dir00 dir01 file0000 file0001 file0002
    s.update(Action::Down);
    s.update(Action::Mark); // dir00, cursor moves to dir01
    s.update(Action::Down);
    s.update(Action::Mark); // file0000
    assert_eq!(s.local.marked.len(), 2);
    assert_eq!(s.local.current().unwrap().name, "file0001");
    let fx = s.update(Action::Copy);
    let specs = match fx.as_slice() {
        [Effect::Engine(EngineCmd::Enqueue(specs))] => specs.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(specs.len(), 2);
    assert!(
        specs
            .iter()
            .all(|j| j.direction == Direction::Upload && !j.is_move)
    );
    assert_eq!(specs[0].kind, JobKind::Dir);
    assert_eq!(&*specs[0].src, "/home/u/dir00");
    assert_eq!(&*specs[0].dst, "/pub/dir00");
    assert_eq!(&*specs[1].dst, "/pub/file0000");
    assert_eq!(specs[1].size, Some(10));
    assert!(s.local.marked.is_empty(), "marks are used up");
    assert!(s.queue.visible);
    // Without marks, the entry under the cursor; F6 moves.
    s.update(Action::SwitchPane);
    s.update(Action::End);
    match s.update(Action::Move).as_slice() {
        [Effect::Engine(EngineCmd::Enqueue(specs))] => {
            assert_eq!(specs.len(), 1);
            assert_eq!(specs[0].direction, Direction::Download);
            assert_eq!(&*specs[0].src, "/pub/file0199");
            assert_eq!(&*specs[0].dst, "/home/u/file0199");
            assert!(specs[0].is_move);
        }
        other => panic!("{other:?}"),
    }
    // `*` inverts: everything but `..`.
    s.update(Action::InvertMarks);
    assert_eq!(s.remote.marked.len(), 203);
    s.update(Action::InvertMarks);
    assert!(s.remote.marked.is_empty());
}

#[test]
fn dragging_to_the_other_pane_queues_a_copy_into_the_row_under_the_pointer() {
    let mut s = connected();
    s.update(Action::Resize {
        width: 100,
        height: 40,
    });
    let a = s.areas();
    // Press on local file0000 (row 3), release on remote dir01 (row 2).
    s.update(Action::Click {
        col: 3,
        row: a.local.y + 2 + 3,
    });
    let fx = s.update(Action::Release {
        col: a.remote.x + 4,
        row: a.remote.y + 2 + 2,
    });
    match fx.as_slice() {
        [Effect::Engine(EngineCmd::Enqueue(specs))] => {
            assert_eq!(specs.len(), 1);
            assert_eq!(&*specs[0].src, "/home/u/file0000");
            assert_eq!(&*specs[0].dst, "/pub/dir01/file0000");
        }
        other => panic!("{other:?}"),
    }
    // Released on a file row: the pane's own directory.
    s.update(Action::Click {
        col: 3,
        row: a.local.y + 2 + 4,
    });
    let fx = s.update(Action::Release {
        col: a.remote.x + 4,
        row: a.remote.y + 2 + 6,
    });
    assert!(
        matches!(fx.as_slice(), [Effect::Engine(EngineCmd::Enqueue(v))] if &*v[0].dst == "/pub/file0001")
    );
    // Released back on the same pane: nothing.
    s.update(Action::Click {
        col: 3,
        row: a.local.y + 2 + 4,
    });
    assert!(
        s.update(Action::Release {
            col: 5,
            row: a.local.y + 2 + 1
        })
        .is_empty()
    );
}

fn job(id: u64, state: crate::transfer::JobState) -> crate::transfer::Job {
    use crate::transfer::{Direction, JobKind, JobSpec};
    crate::transfer::Job {
        id,
        parent: None,
        spec: JobSpec {
            direction: Direction::Download,
            kind: JobKind::File,
            src: format!("/pub/file{id}").into(),
            dst: format!("/home/u/file{id}").into(),
            size: Some(100),
            mtime: None,
            is_move: false,
        },
        state,
        done: 0,
        attempts: 0,
        on_exists: None,
        mode: Default::default(),
        never: false,
        part: None,
        above: None,
        batch: 0,
    }
}

#[test]
fn engine_events_drive_the_queue_panel_and_refresh_the_target_pane() {
    use crate::transfer::{EngineEvent, JobState, Progress};
    let mut s = connected();
    s.apply(Event::Engine(EngineEvent::Added {
        after: None,
        jobs: vec![job(1, JobState::Queued), job(2, JobState::Queued)],
    }));
    assert!(s.queue.visible && s.busy());
    s.apply(Event::Engine(EngineEvent::Progress(vec![Progress {
        id: 1,
        done: 50,
        rate: 10,
    }])));
    assert_eq!(s.queue.rows[&1].job.done, 50);
    let t = s.queue.totals();
    assert_eq!((t.files, t.bytes, t.rate), (2, 200, 10));
    // Done in the local pane's directory: the local pane is re-read.
    let mut done = job(1, JobState::Done);
    done.done = 100;
    let fx = s.apply(Event::Engine(EngineEvent::Changed(done)));
    assert!(
        matches!(
            fx.as_slice(),
            [Effect::List {
                side: Side::Local,
                ..
            }]
        ),
        "{fx:?}"
    );
    // A second one while that listing is in flight only marks the pane stale.
    let fx = s.apply(Event::Engine(EngineEvent::Changed(job(2, JobState::Done))));
    assert!(fx.is_empty());
    assert!(s.local.stale);
    // Queue keys: Tab to the queue, Space pauses the selected job, x cancels it.
    s.update(Action::SwitchPane);
    s.update(Action::SwitchPane);
    assert!(s.queue_focus);
    s.apply(Event::Engine(EngineEvent::Added {
        after: None,
        jobs: vec![job(3, JobState::Queued)],
    }));
    s.update(Action::End);
    assert!(matches!(
        s.update(Action::Mark).as_slice(),
        [Effect::Engine(EngineCmd::Pause(3))]
    ));
    assert!(matches!(
        s.update(Action::CancelJob).as_slice(),
        [Effect::Engine(EngineCmd::Cancel(3))]
    ));
    assert!(matches!(
        s.update(Action::JobUp).as_slice(),
        [Effect::Engine(EngineCmd::MoveBy(3, -1))]
    ));
    s.update(Action::QueueFilter);
    assert_eq!(s.queue.filter, QueueFilter::Active);
    assert_eq!(s.queue.filtered_len(), 1);
    assert!(matches!(
        s.update(Action::PauseAll).as_slice(),
        [Effect::Engine(EngineCmd::PauseAll)]
    ));
    assert!(matches!(
        s.update(Action::PauseAll).as_slice(),
        [Effect::Engine(EngineCmd::ResumeAll)]
    ));
}

#[test]
fn a_conflict_opens_the_dialog_and_the_answer_goes_to_the_engine() {
    use crate::transfer::{EngineEvent, JobState, OnExists};
    let mut s = connected();
    s.apply(Event::Engine(EngineEvent::Added {
        after: None,
        jobs: vec![job(7, JobState::Queued)],
    }));
    let conflict = JobState::Conflict {
        dst_size: Some(5),
        dst_mtime: None,
    };
    s.apply(Event::Engine(EngineEvent::Changed(job(7, conflict))));
    assert!(matches!(s.dialog, Some(Dialog::Conflict(_))));
    s.update(Action::Input(KeyPress::plain(Key::Char('a'))));
    let fx = s.update(Action::Input(KeyPress::plain(Key::Char('e'))));
    assert!(matches!(
        fx.as_slice(),
        [Effect::Engine(EngineCmd::Resolve {
            id: 7,
            choice: OnExists::Rename,
            all: true
        })]
    ));
    assert!(s.dialog.is_none());
}

/// "Apply to all" answers the conflicts of one operation (batch): the totals line shows the
/// policy while that operation has jobs to run, and a conflict of another operation still
/// opens the dialog.
#[test]
fn apply_to_all_is_per_operation_and_shown_on_the_totals_line() {
    use crate::transfer::{EngineEvent, JobState, OnExists};
    let mut s = connected();
    let conflict = JobState::Conflict {
        dst_size: Some(5),
        dst_mtime: None,
    };
    let in_batch = |id, batch, state: JobState| {
        let mut j = job(id, state);
        j.batch = batch;
        j
    };
    s.apply(Event::Engine(EngineEvent::Added {
        after: None,
        jobs: vec![
            in_batch(7, 7, JobState::Queued),
            in_batch(8, 7, JobState::Queued),
            in_batch(9, 9, JobState::Queued),
        ],
    }));
    s.apply(Event::Engine(EngineEvent::Changed(in_batch(
        7,
        7,
        conflict.clone(),
    ))));
    s.apply(Event::Engine(EngineEvent::Changed(in_batch(
        9,
        9,
        conflict.clone(),
    ))));
    assert!(matches!(&s.dialog, Some(Dialog::Conflict(f)) if f.id == 7));
    assert!(s.queue.policies_in_force().is_empty());
    // a (all), then k (skip): the engine is told, and job 9's conflict (another F5) asks.
    s.update(Action::Input(KeyPress::plain(Key::Char('a'))));
    let fx = s.update(Action::Input(KeyPress::plain(Key::Char('k'))));
    assert!(matches!(
        fx.as_slice(),
        [Effect::Engine(EngineCmd::Resolve {
            id: 7,
            choice: OnExists::Skip,
            all: true
        })]
    ));
    assert!(
        matches!(&s.dialog, Some(Dialog::Conflict(f)) if f.id == 9),
        "{:?}",
        s.dialog
    );
    assert_eq!(s.queue.policies_in_force(), vec![OnExists::Skip]);
    // A conflict of batch 7 arriving now is the engine's to answer: no dialog for it.
    s.dialog = None;
    s.apply(Event::Engine(EngineEvent::Changed(in_batch(
        8, 7, conflict,
    ))));
    assert!(
        matches!(&s.dialog, Some(Dialog::Conflict(f)) if f.id == 9),
        "{:?}",
        s.dialog
    );
    // Once batch 7 has nothing left to run, its policy is no longer shown.
    for id in [7, 8] {
        s.apply(Event::Engine(EngineEvent::Changed(in_batch(
            id,
            7,
            JobState::Skipped {
                reason: "exists".into(),
            },
        ))));
    }
    assert!(s.queue.policies_in_force().is_empty());
    // The queue running dry forgets the answers, as the engine does.
    s.apply(Event::Engine(EngineEvent::Idle));
    assert!(s.queue.policies.is_empty());
}

fn profile(name: &str) -> crate::bookmarks::Profile {
    let mut p = crate::bookmarks::Profile::new(name, "ftp.example.org");
    p.user = Some("alice".into());
    p.local_dir = Some("/home/u/work".into());
    p.remote_dir = Some("/pub/work".into());
    p.parallel = Some(7);
    p
}

#[test]
fn bookmark_manager_lists_filters_and_connects_into_both_directories() {
    let mut s = State::new("/home/u", Lang::En);
    assert!(matches!(
        s.update(Action::Bookmarks).as_slice(),
        [Effect::LoadBookmarks]
    ));
    s.apply(Event::BookmarksLoaded {
        profiles: vec![profile("work"), profile("home"), profile("mirror")],
        error: None,
    });
    let key = |s: &mut State, k: Key| s.update(Action::Input(KeyPress::plain(k)));
    key(&mut s, Key::Char('/'));
    for c in "mir".chars() {
        key(&mut s, Key::Char(c));
    }
    key(&mut s, Key::Enter);
    let Some(Dialog::Bookmarks(list)) = &s.dialog else {
        panic!("{:?}", s.dialog)
    };
    assert_eq!(list.filtered().len(), 1);
    let fx = key(&mut s, Key::Enter);
    let p = match fx.as_slice() {
        [Effect::ResolveProfile(p)] => p.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(p.name, "mirror");
    assert!(s.dialog.is_none());
    // The password is known (keyring, command, .netrc): connect, and open both directories.
    let fx = s.apply(Event::ProfileResolved {
        profile: p.clone(),
        password: Ok(Some(Secret::new("pw"))),
        note: None,
    });
    match fx.as_slice() {
        [
            Effect::List {
                side: Side::Local,
                nav: Nav::To(l),
                ..
            },
            Effect::Connect {
                opts,
                path,
                parallel,
                ..
            },
        ] => {
            assert_eq!(*parallel, Some(7), "the bookmark's transfer connections");
            assert_eq!(l, "/home/u/work");
            assert_eq!(path.as_deref(), Some("/pub/work"));
            assert_eq!(opts.user, "alice");
            assert_eq!(opts.password.expose(), "pw");
        }
        other => panic!("{other:?}"),
    }
    // Unknown password: a masked prompt that still remembers both directories.
    let mut s2 = State::new("/home/u", Lang::En);
    s2.apply(Event::ProfileResolved {
        profile: p,
        password: Ok(None),
        note: Some("No keyring".into()),
    });
    assert!(s2.status.text.contains("No keyring"));
    let Some(Dialog::Connect(form)) = &s2.dialog else {
        panic!("{:?}", s2.dialog)
    };
    assert_eq!(form.focus, 3);
    assert_eq!(form.local_dir.as_deref(), Some("/home/u/work"));
}

#[test]
fn bookmark_list_add_edit_delete_duplicate() {
    let mut s = State::new("/", Lang::En);
    s.update(Action::Bookmarks);
    s.apply(Event::BookmarksLoaded {
        profiles: vec![profile("work")],
        error: None,
    });
    let key = |s: &mut State, k: Key| s.update(Action::Input(KeyPress::plain(k)));
    // d asks; only y deletes.
    assert!(key(&mut s, Key::Char('d')).is_empty());
    assert!(key(&mut s, Key::Char('n')).is_empty());
    key(&mut s, Key::Char('d'));
    assert!(
        matches!(key(&mut s, Key::Char('y')).as_slice(), [Effect::DeleteBookmark(n)] if n == "work")
    );
    // y duplicates under a new name.
    match key(&mut s, Key::Char('y')).as_slice() {
        [
            Effect::SaveBookmark {
                profile,
                old_name: None,
            },
        ] => assert_eq!(profile.name, "work (copy)"),
        other => panic!("{other:?}"),
    }
    // e edits; a rename keeps the old name for the store.
    key(&mut s, Key::Char('e'));
    assert!(matches!(s.dialog, Some(Dialog::BookmarkForm(_))));
    for _ in 0..4 {
        key(&mut s, Key::Backspace);
    }
    for c in "job".chars() {
        key(&mut s, Key::Char(c));
    }
    match key(&mut s, Key::Enter).as_slice() {
        [Effect::SaveBookmark { profile, old_name }] => {
            assert_eq!(profile.name, "job");
            assert_eq!(old_name.as_deref(), Some("work"));
        }
        other => panic!("{other:?}"),
    }
    // a adds; the form validates as you type and refuses to save while invalid.
    s.apply(Event::BookmarksLoaded {
        profiles: vec![],
        error: None,
    });
    key(&mut s, Key::Char('a'));
    assert!(
        key(&mut s, Key::Enter).is_empty(),
        "an empty form is not saved"
    );
    let Some(Dialog::BookmarkForm(form)) = &s.dialog else {
        panic!()
    };
    assert!(!form.errors.is_empty());
    for c in "new".chars() {
        key(&mut s, Key::Char(c));
    }
    key(&mut s, Key::Tab);
    for c in "bad host".chars() {
        key(&mut s, Key::Char(c));
    }
    let Some(Dialog::BookmarkForm(form)) = &s.dialog else {
        panic!()
    };
    assert!(
        form.errors.iter().any(|(f, _)| *f == "Host"),
        "{:?}",
        form.errors
    );
}

#[test]
fn ctrl_s_in_the_connect_dialog_saves_a_bookmark_without_the_password() {
    let mut s = State::new("/", Lang::En);
    s.update(Action::Connect);
    for c in "files.example.org".chars() {
        s.update(Action::Input(KeyPress::plain(Key::Char(c))));
    }
    s.update(Action::Input(KeyPress::plain(Key::Tab)));
    s.update(Action::Input(KeyPress::plain(Key::Tab)));
    for c in "bob".chars() {
        s.update(Action::Input(KeyPress::plain(Key::Char(c))));
    }
    s.update(Action::Input(KeyPress::plain(Key::Tab)));
    for c in "hunter2".chars() {
        s.update(Action::Input(KeyPress::plain(Key::Char(c))));
    }
    match s.update(Action::Input(KeyPress::ctrl('s'))).as_slice() {
        [Effect::SaveBookmark { profile, .. }] => {
            assert_eq!(profile.host, "files.example.org");
            assert_eq!(profile.user.as_deref(), Some("bob"));
            assert_eq!(profile.password, crate::bookmarks::PasswordSource::Ask);
            assert!(!format!("{profile:?}").contains("hunter2"));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(s.dialog, Some(Dialog::Connect(_))),
        "the dialog stays open"
    );
}

#[test]
fn a_restored_job_seen_twice_is_one_row() {
    use crate::transfer::{EngineEvent, JobState};
    let mut s = connected();
    for _ in 0..2 {
        s.apply(Event::Engine(EngineEvent::Added {
            after: None,
            jobs: vec![job(9, JobState::Queued)],
        }));
    }
    assert_eq!(s.queue.order, vec![9]);
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        s.update(Action::Input(KeyPress::plain(Key::Char(c))));
    }
}

fn press(s: &mut State, key: Key) -> Vec<Effect> {
    s.update(Action::Input(KeyPress::plain(key)))
}

#[test]
fn mkdir_asks_for_a_name_then_the_listing_follows_with_the_cursor_on_it() {
    let mut s = connected();
    s.focus = Side::Remote;
    assert!(s.update(Action::Mkdir).is_empty());
    assert!(matches!(s.dialog, Some(Dialog::Prompt(_))));
    typed(&mut s, "new dir");
    let fx = press(&mut s, Key::Enter);
    let op = match fx.as_slice() {
        [
            Effect::Fs {
                side: Side::Remote,
                op,
                ..
            },
        ] => op.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(op, FsOp::Mkdir("/pub/new dir".into()));
    assert!(s.dialog.is_none());
    assert_eq!(s.status.text, "Make directory new dir…");
    let fx = s.apply(Event::FsDone {
        side: Side::Remote,
        req: 0,
        op,
        report: crate::fs::ops::OpReport {
            done: 1,
            ..Default::default()
        },
    });
    let req = match fx.as_slice() {
        [
            Effect::List {
                side: Side::Remote,
                nav: Nav::To(p),
                req,
            },
        ] if p == "/pub" => *req,
        other => panic!("{other:?}"),
    };
    assert_eq!(s.status.text, "Make directory new dir: done");
    let mut l = listing("/pub", 3, 200);
    l.entries.push(entry("new dir", EntryKind::Dir));
    crate::fs::sort_entries(&mut l.entries);
    s.apply(Event::Listed {
        side: Side::Remote,
        req,
        result: Ok(l),
    });
    assert_eq!(s.remote.current().unwrap().name, "new dir");
}

#[test]
fn rename_is_prefilled_and_refuses_unusable_or_taken_names() {
    let mut s = connected();
    s.focus = Side::Remote;
    // `..` cannot be renamed.
    s.update(Action::Rename);
    assert!(s.dialog.is_none());
    assert!(s.status.error);
    s.update(Action::Down);
    s.update(Action::Rename);
    match &s.dialog {
        Some(Dialog::Prompt(p)) => assert_eq!(p.input.text, "dir00"),
        other => panic!("{other:?}"),
    }
    // Unchanged, taken, with a slash, `..`: each refused in the dialog, nothing sent.
    for (text, why) in [
        ("", "its name already"),
        ("file0001", "already exists"),
        ("a/b", "not a usable name"),
        ("..", "not a usable name"),
    ] {
        if !text.is_empty() {
            s.update(Action::Input(KeyPress::ctrl('u')));
            typed(&mut s, text);
        }
        assert!(press(&mut s, Key::Enter).is_empty(), "{text}");
        match &s.dialog {
            Some(Dialog::Prompt(p)) => {
                assert!(
                    p.error.as_deref().unwrap_or("").contains(why),
                    "{text}: {p:?}"
                )
            }
            other => panic!("{other:?}"),
        }
    }
    s.update(Action::Input(KeyPress::ctrl('u')));
    typed(&mut s, "z");
    let fx = press(&mut s, Key::Enter);
    assert!(matches!(
        fx.as_slice(),
        [Effect::Fs { op: FsOp::Rename { from, to }, .. }] if from == "/pub/dir00" && to == "/pub/z"
    ));
    // Esc in a prompt sends nothing.
    s.update(Action::Rename);
    assert!(press(&mut s, Key::Esc).is_empty());
    assert!(s.dialog.is_none());
}

#[test]
fn delete_confirms_first_and_reports_failures_in_the_log() {
    let mut s = connected();
    s.focus = Side::Local;
    // Local: /home/u has .., dir00, dir01, file0000…
    s.update(Action::End);
    s.update(Action::Mark);
    s.update(Action::Up);
    s.update(Action::Up);
    s.update(Action::Mark);
    s.update(Action::Delete);
    match &s.dialog {
        Some(Dialog::Confirm(c)) => assert_eq!(c.title, "Delete 2 files?"),
        other => panic!("{other:?}"),
    }
    assert!(press(&mut s, Key::Char('n')).is_empty());
    assert!(s.dialog.is_none());
    assert_eq!(s.local.marked.len(), 2, "cancel keeps the marks");
    s.update(Action::Delete);
    let fx = press(&mut s, Key::Char('y'));
    let op = match fx.as_slice() {
        [
            Effect::Fs {
                side: Side::Local,
                op: op @ FsOp::Delete(t),
                ..
            },
        ] => {
            let names: Vec<&str> = t.iter().map(|t| t.path.as_str()).collect();
            assert_eq!(names, ["/home/u/file0000", "/home/u/file0002"]);
            op.clone()
        }
        other => panic!("{other:?}"),
    };
    assert!(s.local.marked.is_empty());
    let fx = s.apply(Event::FsDone {
        side: Side::Local,
        req: 0,
        op,
        report: crate::fs::ops::OpReport {
            done: 1,
            failed: vec![("/home/u/file0002".into(), "Permission denied".into())],
            ..Default::default()
        },
    });
    assert!(matches!(
        fx.as_slice(),
        [Effect::List {
            side: Side::Local,
            ..
        }]
    ));
    assert!(s.status.error);
    assert!(
        s.status.text.contains("Permission denied"),
        "{}",
        s.status.text
    );
    assert!(
        s.log
            .lines
            .iter()
            .any(|l| l.kind == LogKind::Error && l.text.contains("/home/u/file0002")),
        "the failure is in the log"
    );
    // A directory gets its own warning.
    s.update(Action::Home);
    s.update(Action::Down);
    s.update(Action::Delete);
    match &s.dialog {
        Some(Dialog::Confirm(c)) => {
            assert_eq!(c.title, "Delete this directory and everything in it?")
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn chmod_starts_from_the_listing_and_takes_octal_or_boxes() {
    let mut s = connected();
    s.focus = Side::Remote;
    s.update(Action::Down);
    s.remote.entries[1].perms = Some("rwxr-xr-x".into());
    s.update(Action::Chmod);
    match &s.dialog {
        Some(Dialog::Chmod(c)) => assert_eq!(c.mode, 0o755),
        other => panic!("{other:?}"),
    }
    typed(&mut s, "640");
    // Space toggles the box under the cursor (owner read).
    press(&mut s, Key::Char(' '));
    press(&mut s, Key::Char(' '));
    let fx = press(&mut s, Key::Enter);
    assert!(
        matches!(fx.as_slice(), [Effect::Fs { op: FsOp::Chmod { paths, mode: 0o640 }, .. }] if paths == &["/pub/dir00".to_string()]),
        "{fx:?}"
    );
}

#[test]
fn one_key_serves_the_pane_and_the_queue() {
    let k = crate::state::keymap::Keymap::defaults();
    let mut s = connected();
    let del = k.get_all(&KeyPress::plain(Key::Delete));
    let r = k.get_all(&KeyPress::plain(Key::Char('R')));
    assert_eq!(s.pick(del), Some(&Action::Delete));
    assert_eq!(s.pick(r), Some(&Action::Rename));
    s.queue_focus = true;
    assert_eq!(s.pick(del), Some(&Action::CancelJob));
    assert_eq!(s.pick(r), Some(&Action::RetryFailed));
}

#[test]
fn copy_path_gives_a_url_without_the_password() {
    let mut s = connected();
    s.focus = Side::Remote;
    s.update(Action::Down);
    let fx = s.update(Action::CopyPath);
    assert!(
        matches!(fx.as_slice(), [Effect::Clipboard(t)] if t == "ftp://u@h:21/pub/dir00"),
        "{fx:?}"
    );
    s.focus = Side::Local;
    s.update(Action::Down);
    let fx = s.update(Action::CopyPath);
    assert!(matches!(fx.as_slice(), [Effect::Clipboard(t)] if t == "/home/u/dir00"));
}

/// Answer the pending listing of `side` with `entries` at `path` (sorted as the runner does).
fn answer(s: &mut State, side: Side, fx: &[Effect], path: &str, mut entries: Vec<Entry>) {
    let req = fx
        .iter()
        .find_map(|e| match e {
            Effect::List { side: sd, req, .. } if *sd == side => Some(*req),
            _ => None,
        })
        .expect("a listing request");
    crate::fs::sort_entries(&mut entries);
    s.apply(Event::Listed {
        side,
        req,
        result: Ok(Listing {
            path: path.into(),
            entries,
        }),
    });
}

fn names(p: &super::pane::Pane) -> Vec<String> {
    p.rows().map(|e| e.name.clone()).collect()
}

#[test]
fn sort_cycles_through_name_ext_size_and_time_keeping_the_cursor() {
    let mut s = connected();
    let mut v = vec![entry("sub", EntryKind::Dir)];
    for (n, size, t) in [("b.zip", 5, 30), ("a.txt", 50, 10), ("c.md", 1, 20)] {
        let mut e = entry(n, EntryKind::File);
        e.size = size;
        e.mtime = Some(t);
        v.push(e);
    }
    let fx = s.update(Action::Refresh);
    answer(&mut s, Side::Local, &fx, "/home/u", v);
    assert_eq!(names(&s.local), ["..", "sub", "a.txt", "b.zip", "c.md"]);
    s.update(Action::End);
    let order = |s: &mut State| {
        s.update(Action::SortCycle);
        (names(&s.local), s.local.current().unwrap().name.clone())
    };
    // name ↓, ext ↑, ext ↓, size ↓, size ↑, time ↓, time ↑, name ↑; the cursor stays on c.md.
    let expect = [
        ["..", "sub", "c.md", "b.zip", "a.txt"],
        ["..", "sub", "c.md", "a.txt", "b.zip"],
        ["..", "sub", "b.zip", "a.txt", "c.md"],
        ["..", "sub", "a.txt", "b.zip", "c.md"],
        ["..", "sub", "c.md", "b.zip", "a.txt"],
        ["..", "sub", "b.zip", "c.md", "a.txt"],
        ["..", "sub", "a.txt", "c.md", "b.zip"],
        ["..", "sub", "a.txt", "b.zip", "c.md"],
    ];
    for want in expect {
        let (got, cur) = order(&mut s);
        assert_eq!(got, want, "{}", s.local.sort.label());
        assert_eq!(cur, "c.md");
    }
    // A new listing keeps the pane's order.
    s.update(Action::SortCycle);
    let fx = s.update(Action::Refresh);
    answer(
        &mut s,
        Side::Local,
        &fx,
        "/home/u",
        vec![entry("x", EntryKind::File), entry("y", EntryKind::File)],
    );
    assert_eq!(names(&s.local), ["..", "y", "x"]);
}

#[test]
fn hidden_files_toggle_and_the_filter_narrows_as_you_type() {
    let mut s = connected();
    let fx = s.update(Action::Refresh);
    let v = [
        ".profile",
        "notes.txt",
        "report-2026.pdf",
        "readme.md",
        "src",
    ]
    .iter()
    .map(|n| {
        entry(
            n,
            if *n == "src" {
                EntryKind::Dir
            } else {
                EntryKind::File
            },
        )
    })
    .collect();
    answer(&mut s, Side::Local, &fx, "/home/u", v);
    s.update(Action::ToggleHidden);
    assert_eq!(
        names(&s.local),
        ["..", "src", "notes.txt", "readme.md", "report-2026.pdf"]
    );
    s.update(Action::ToggleHidden);
    assert!(names(&s.local).contains(&".profile".to_string()));

    s.update(Action::Filter);
    assert!(s.wants_input());
    typed(&mut s, "rep");
    assert_eq!(names(&s.local), ["..", "report-2026.pdf"]);
    assert_eq!(s.local.current().unwrap().name, "report-2026.pdf");
    press(&mut s, Key::Backspace);
    press(&mut s, Key::Backspace);
    // "r": fuzzy, anything with an r.
    assert_eq!(
        names(&s.local),
        ["..", "src", ".profile", "readme.md", "report-2026.pdf"]
    );
    typed(&mut s, "md");
    assert_eq!(names(&s.local), ["..", "readme.md"]);
    // Enter keeps the filter and gives the keys back; Esc later clears it.
    press(&mut s, Key::Enter);
    assert!(!s.wants_input());
    assert_eq!(names(&s.local).len(), 2);
    s.update(Action::Filter);
    press(&mut s, Key::Esc);
    assert_eq!(names(&s.local).len(), 6);
    assert!(s.local.filter.is_none());

    // Filter, then open the directory it leaves under the cursor: the filter goes with the
    // directory.
    s.update(Action::Filter);
    typed(&mut s, "sr");
    press(&mut s, Key::Enter);
    let fx = s.update(Action::Open);
    answer(
        &mut s,
        Side::Local,
        &fx,
        "/home/u/src",
        vec![entry("main.rs", EntryKind::File)],
    );
    assert!(s.local.filter.is_none());
    assert_eq!(names(&s.local), ["..", "main.rs"]);
}

#[test]
fn go_to_marks_by_glob_and_history() {
    let mut s = connected();
    s.focus = Side::Remote;
    s.update(Action::GoTo);
    match &s.dialog {
        Some(Dialog::Prompt(p)) => assert_eq!(p.input.text, "/pub"),
        other => panic!("{other:?}"),
    }
    s.update(Action::Input(KeyPress::ctrl('u')));
    typed(&mut s, "dir01");
    let fx = press(&mut s, Key::Enter);
    assert!(
        matches!(fx.as_slice(), [Effect::List { nav: Nav::To(p), .. }] if p == "/pub/dir01"),
        "{fx:?}"
    );
    answer(
        &mut s,
        Side::Remote,
        &fx,
        "/pub/dir01",
        vec![entry("x", EntryKind::File)],
    );
    // Back: to /pub, the cursor on the directory we came from; forward again.
    let fx = s.update(Action::Back);
    assert!(matches!(fx.as_slice(), [Effect::List { nav: Nav::To(p), .. }] if p == "/pub"));
    answer(
        &mut s,
        Side::Remote,
        &fx,
        "/pub",
        listing("/pub", 3, 200).entries,
    );
    assert_eq!(s.remote.current().unwrap().name, "dir01");
    assert!(s.update(Action::Back).is_empty(), "nothing before /pub");
    let fx = s.update(Action::Forward);
    assert!(matches!(fx.as_slice(), [Effect::List { nav: Nav::To(p), .. }] if p == "/pub/dir01"));
    answer(
        &mut s,
        Side::Remote,
        &fx,
        "/pub/dir01",
        vec![entry("x", EntryKind::File)],
    );
    assert!(s.update(Action::Forward).is_empty(), "nothing after");
    // Back to a directory that is gone (550): still in /pub/dir01, and the history still
    // works from here (the next directory entered goes on the back list).
    let fx = s.update(Action::Back);
    let req = match fx.as_slice() {
        [Effect::List { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    s.apply(Event::Listed {
        side: Side::Remote,
        req,
        result: Err(ErrorInfo::new("550 gone", Some(550))),
    });
    assert_eq!(s.remote.path, "/pub/dir01");
    assert!(s.remote.forward.is_empty(), "{:?}", s.remote.forward);
    assert!(s.remote.history_move.is_none());
    s.focus = Side::Remote;
    s.update(Action::GoTo);
    s.update(Action::Input(KeyPress::ctrl('u')));
    typed(&mut s, "/pub");
    let fx = press(&mut s, Key::Enter);
    answer(
        &mut s,
        Side::Remote,
        &fx,
        "/pub",
        listing("/pub", 3, 200).entries,
    );
    assert_eq!(s.remote.back.last().map(String::as_str), Some("/pub/dir01"));

    // Marks by glob: file000? is ten files; unmark one of them.
    s.update(Action::MarkGlob);
    s.update(Action::Input(KeyPress::ctrl('u')));
    typed(&mut s, "file000?");
    press(&mut s, Key::Enter);
    assert_eq!(s.remote.marked.len(), 10);
    s.update(Action::UnmarkGlob);
    s.update(Action::Input(KeyPress::ctrl('u')));
    typed(&mut s, "file0003");
    press(&mut s, Key::Enter);
    assert_eq!(s.remote.marked.len(), 9);
    assert!(!s.remote.marked.contains("file0003"));
    // A broken glob is refused in the dialog.
    s.update(Action::MarkGlob);
    s.update(Action::Input(KeyPress::ctrl('u')));
    typed(&mut s, "[abc");
    press(&mut s, Key::Enter);
    assert!(matches!(&s.dialog, Some(Dialog::Prompt(p)) if p.error.is_some()));
}

fn timed(name: &str, kind: EntryKind, size: u64, mtime: i64) -> Entry {
    let mut e = entry(name, kind);
    e.size = size;
    e.mtime = Some(mtime);
    e
}

/// Local /home/u and remote /pub with a known difference: `a` newer locally, `b` bigger
/// remotely, `c` only local, `d` only remote, `same` equal, `sub/` on both.
fn two_sides() -> State {
    let mut s = connected();
    let t = 1_800_000_000;
    let fx = s.update(Action::Refresh);
    answer(
        &mut s,
        Side::Local,
        &fx,
        "/home/u",
        vec![
            timed("a", EntryKind::File, 1, t + 3600),
            timed("b", EntryKind::File, 1, t),
            timed("c", EntryKind::File, 1, t),
            timed("same", EntryKind::File, 7, t),
            timed("sub", EntryKind::Dir, 0, t),
        ],
    );
    s.focus = Side::Remote;
    let fx = s.update(Action::Refresh);
    answer(
        &mut s,
        Side::Remote,
        &fx,
        "/pub",
        vec![
            timed("a", EntryKind::File, 1, t),
            timed("b", EntryKind::File, 2, t),
            timed("d", EntryKind::File, 1, t),
            timed("same", EntryKind::File, 7, t + 20),
            timed("sub", EntryKind::Dir, 0, t),
        ],
    );
    s.focus = Side::Local;
    s
}

#[test]
fn compare_marks_both_panes_and_follows_new_listings() {
    use super::compare::Diff;
    let mut s = two_sides();
    s.update(Action::Compare);
    assert!(s.comparing);
    let get = |p: &super::pane::Pane, n: &str| p.diff.get(n).copied();
    assert_eq!(get(&s.local, "a"), Some(Diff::Newer));
    assert_eq!(get(&s.remote, "a"), Some(Diff::Older));
    assert_eq!(get(&s.local, "b"), Some(Diff::Size));
    assert_eq!(get(&s.local, "c"), Some(Diff::Only));
    assert_eq!(get(&s.remote, "d"), Some(Diff::Only));
    assert_eq!(get(&s.local, "same"), None);
    assert_eq!(get(&s.local, "sub"), None);
    assert!(
        s.status.text.starts_with("Compared: local 1 only, 1 newer"),
        "{}",
        s.status.text
    );
    // A new listing is compared again.
    let fx = s.update(Action::Refresh);
    answer(
        &mut s,
        Side::Local,
        &fx,
        "/home/u",
        vec![timed("d", EntryKind::File, 1, 1_800_000_000)],
    );
    assert_eq!(get(&s.remote, "d"), None);
    assert_eq!(get(&s.local, "d"), None);
    s.update(Action::Compare);
    assert!(!s.comparing && s.local.diff.is_empty() && s.remote.diff.is_empty());
}

#[test]
fn synchronised_browsing_moves_both_panes() {
    let mut s = two_sides();
    s.update(Action::SyncBrowse);
    // Cursor to sub/ in the local pane (.., sub, a, b, c, same).
    s.update(Action::Home);
    s.update(Action::Down);
    assert_eq!(s.local.current().unwrap().name, "sub");
    let fx = s.update(Action::Open);
    let navs: Vec<(Side, String)> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::List {
                side,
                nav: Nav::To(p),
                ..
            } => Some((*side, p.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        navs,
        [
            (Side::Local, "/home/u/sub".into()),
            (Side::Remote, "/pub/sub".into())
        ]
    );
    answer(&mut s, Side::Local, &fx, "/home/u/sub", vec![]);
    answer(&mut s, Side::Remote, &fx, "/pub/sub", vec![]);
    let fx = s.update(Action::Parent);
    assert!(matches!(
        fx.as_slice(),
        [
            Effect::List {
                side: Side::Local,
                nav: Nav::Up(_),
                ..
            },
            Effect::List {
                side: Side::Remote,
                nav: Nav::Up(_),
                ..
            }
        ]
    ));
}

#[test]
fn sync_preview_queues_copies_updates_merges_and_chosen_deletions() {
    use crate::transfer::OnExists;
    let mut s = two_sides();
    s.update(Action::SyncPreview);
    let items = match &s.dialog {
        Some(Dialog::Sync(f)) => f.items.clone(),
        other => panic!("{other:?}"),
    };
    let summary: Vec<(String, super::compare::SyncAction, bool)> = items
        .iter()
        .map(|i| (i.name.clone(), i.action, i.on))
        .collect();
    use super::compare::SyncAction::*;
    assert_eq!(
        summary,
        [
            ("sub".to_string(), Merge, true),
            ("a".to_string(), Update, true),
            ("b".to_string(), Update, true),
            ("c".to_string(), Copy, true),
            ("d".to_string(), Delete, false),
        ]
    );
    // Leave b out, choose the deletions, queue.
    press(&mut s, Key::Down);
    press(&mut s, Key::Down);
    press(&mut s, Key::Char(' '));
    press(&mut s, Key::Char('d'));
    let fx = press(&mut s, Key::Enter);
    match fx.as_slice() {
        [
            Effect::Engine(EngineCmd::EnqueueWith {
                specs: copies,
                policy: OnExists::Overwrite,
            }),
            Effect::Engine(EngineCmd::EnqueueWith {
                specs: merges,
                policy: OnExists::Newer,
            }),
            Effect::Fs {
                side: Side::Remote,
                op: FsOp::Delete(t),
                ..
            },
        ] => {
            let dsts: Vec<&str> = copies.iter().map(|j| &*j.dst).collect();
            assert_eq!(dsts, ["/pub/c", "/pub/a"]);
            assert_eq!(&*merges[0].dst, "/pub/sub");
            assert_eq!(merges[0].kind, crate::transfer::JobKind::Dir);
            assert_eq!(t[0].path, "/pub/d");
        }
        other => panic!("{other:?}"),
    }
    // Tab turns it round: remote → local.
    s.update(Action::SyncPreview);
    press(&mut s, Key::Tab);
    match &s.dialog {
        Some(Dialog::Sync(f)) => {
            assert_eq!(f.from, Side::Remote);
            assert!(f.items.iter().any(|i| i.name == "d" && i.action == Copy));
            assert!(
                f.items
                    .iter()
                    .any(|i| i.name == "c" && i.action == Delete && !i.on)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn view_shows_a_file_and_only_the_answer_to_the_last_request() {
    let mut s = connected();
    s.focus = Side::Remote;
    // .., dir00..dir02, file0000: the cursor on a directory refuses.
    s.update(Action::Down);
    assert!(s.update(Action::View).is_empty());
    assert!(s.status.error);
    s.update(Action::End);
    let fx = s.update(Action::View);
    let req = match fx.as_slice() {
        [
            Effect::View {
                side: Side::Remote,
                path,
                req,
                ..
            },
        ] => {
            assert_eq!(path, "/pub/file0199");
            *req
        }
        other => panic!("{other:?}"),
    };
    // An old answer is ignored.
    s.apply(Event::Viewed {
        req: req - 1,
        title: "old".into(),
        result: Ok((b"old".to_vec(), false)),
    });
    assert!(s.dialog.is_none());
    let text: Vec<u8> = (0..500)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect();
    s.apply(Event::Viewed {
        req,
        title: "/pub/file0199".into(),
        result: Ok((text, true)),
    });
    let top = |s: &State| match &s.dialog {
        Some(Dialog::View(v)) => (v.top, v.hex, v.truncated),
        other => panic!("{other:?}"),
    };
    assert_eq!(top(&s), (0, false, true));
    press(&mut s, Key::PageDown);
    assert!(top(&s).0 > 10);
    press(&mut s, Key::End);
    press(&mut s, Key::Char('h'));
    assert_eq!(top(&s), (0, true, true));
    press(&mut s, Key::Char('q'));
    assert!(s.dialog.is_none());
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
    let r = super::dialog::menu_rect(120, 40, n);
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

#[test]
fn editing_a_remote_file_warns_when_the_server_copy_changed_and_uploads_on_yes() {
    use crate::transfer::OnExists;
    let mut s = connected();
    s.focus = Side::Remote;
    s.update(Action::End);
    let fx = s.update(Action::Edit);
    let req = match fx.as_slice() {
        [Effect::FetchForEdit { path, name, req }] => {
            assert_eq!(
                (path.as_str(), name.as_str()),
                ("/pub/file0199", "file0199")
            );
            *req
        }
        other => panic!("{other:?}"),
    };
    let fx = s.apply(Event::FetchedForEdit {
        req,
        result: Ok("/tmp/skiff-edit-x/file0199".into()),
    });
    let remote = match fx.as_slice() {
        [
            Effect::Edit {
                file,
                remote: Some(r),
            },
        ] => {
            assert_eq!(file, "/tmp/skiff-edit-x/file0199");
            r.clone()
        }
        other => panic!("{other:?}"),
    };
    // Unchanged: nothing uploaded, the copy goes.
    let fx = s.apply(Event::Edited {
        file: remote.local.clone(),
        remote: Some(remote.clone()),
        changed: Ok(false),
    });
    assert!(matches!(fx.as_slice(), [Effect::RemoveTemp(p)] if p == "/tmp/skiff-edit-x/file0199"));
    // Changed, and so was the server's copy meanwhile: a warning, then the upload on yes.
    let fx = s.apply(Event::Edited {
        file: remote.local.clone(),
        remote: Some(remote.clone()),
        changed: Ok(true),
    });
    let req = match fx.as_slice() {
        [Effect::StatRemote { path, req }] if path == "/pub/file0199" => *req,
        other => panic!("{other:?}"),
    };
    s.apply(Event::RemoteStat {
        req,
        result: Ok(Some((999, Some(1_900_000_000)))),
    });
    match &s.dialog {
        Some(Dialog::Confirm(c)) => {
            assert_eq!(c.title, "Upload the changed file?");
            assert!(
                c.lines
                    .iter()
                    .any(|l| l.contains("WARNING: the file on the server changed"))
            );
        }
        other => panic!("{other:?}"),
    }
    // The copy's size comes from the runner (the reducer reads no disk), then it is queued.
    let fx = press(&mut s, Key::Char('y'));
    let req = match fx.as_slice() {
        [Effect::StatLocal { path, req }] if path == "/tmp/skiff-edit-x/file0199" => *req,
        other => panic!("{other:?}"),
    };
    let fx = s.apply(Event::LocalStat {
        req,
        size: Some(1234),
    });
    match fx.as_slice() {
        [
            Effect::Engine(EngineCmd::EnqueueWith {
                specs,
                policy: OnExists::Overwrite,
            }),
        ] => {
            assert_eq!(&*specs[0].src, "/tmp/skiff-edit-x/file0199");
            assert_eq!(&*specs[0].dst, "/pub/file0199");
            assert_eq!(specs[0].size, Some(1234));
        }
        other => panic!("{other:?}"),
    }
    // A late or repeated answer queues nothing more.
    assert!(
        s.apply(Event::LocalStat {
            req,
            size: Some(1234)
        })
        .is_empty()
    );
    // When that upload is done, the copy is removed.
    let mut done = job(9, crate::transfer::JobState::Done);
    done.spec.direction = crate::transfer::Direction::Upload;
    done.spec.src = "/tmp/skiff-edit-x/file0199".into();
    done.spec.dst = "/pub/file0199".into();
    let fx = s.apply(Event::Engine(crate::transfer::EngineEvent::Changed(done)));
    assert!(
        fx.iter()
            .any(|e| matches!(e, Effect::RemoveTemp(p) if p == "/tmp/skiff-edit-x/file0199"))
    );
}

#[test]
fn info_on_a_remote_entry_asks_for_its_listing_line_and_shows_it() {
    let mut s = connected();
    s.focus = Side::Remote;
    s.update(Action::Down);
    let name = s.remote.current().unwrap().name.clone();
    let req = match s.update(Action::Info).as_slice() {
        [Effect::ListingLine { dir, name: n, req }] => {
            assert_eq!((dir.as_str(), n.as_str()), ("/pub", name.as_str()));
            *req
        }
        other => panic!("{other:?}"),
    };
    let last = |s: &State| match &s.dialog {
        Some(Dialog::Info(v)) => v.rows.last().cloned().unwrap(),
        other => panic!("{other:?}"),
    };
    assert_eq!(last(&s), ("Listing".to_string(), "reading…".to_string()));
    // An answer to another request changes nothing; the right one fills the row.
    s.apply(Event::ListingLine {
        req: req + 100,
        result: Ok(Some("wrong".into())),
    });
    assert_eq!(last(&s).1, "reading…");
    let line = format!("drwxr-xr-x 2 ftp ftp 4096 Nov 18 10:00 {name}");
    s.apply(Event::ListingLine {
        req,
        result: Ok(Some(line.clone())),
    });
    assert_eq!(last(&s).1, line);
    // Local entries have no listing line and ask for nothing.
    press(&mut s, Key::Esc);
    s.focus = Side::Local;
    s.update(Action::Down);
    assert!(s.update(Action::Info).is_empty());
    assert!(
        matches!(&s.dialog, Some(Dialog::Info(v)) if v.rows.iter().all(|(l, _)| l != "Listing"))
    );
    press(&mut s, Key::Esc);
    // An error is said in the row.
    s.focus = Side::Remote;
    let req = match s.update(Action::Info).as_slice() {
        [Effect::ListingLine { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    s.apply(Event::ListingLine {
        req,
        result: Err(ErrorInfo::new("421 Timeout", Some(421))),
    });
    assert_eq!(last(&s).1, "cannot read it: 421 Timeout");
}

#[test]
fn the_command_line_sends_maps_refuses_and_remembers() {
    use crate::state::console::ConsoleForm;
    let mut s = connected();
    let typed = |s: &mut State, line: &str| -> Vec<Effect> {
        s.update(Action::Console);
        assert!(matches!(s.dialog, Some(Dialog::Console(_))));
        for c in line.chars() {
            s.update(Action::Input(KeyPress::plain(Key::Char(c))));
        }
        s.update(Action::Input(KeyPress::plain(Key::Enter)))
    };
    // Raw: sent, and the reply lands in the status with its meaning.
    let req = match typed(&mut s, "syst").as_slice() {
        [Effect::Quote { line, req, .. }] => {
            assert_eq!(line, "SYST");
            *req
        }
        other => panic!("{other:?}"),
    };
    assert!(
        s.apply(Event::Quoted {
            req,
            result: Ok((215, "UNIX Type: L8".into()))
        })
        .is_empty()
    );
    assert!(
        s.status.text.starts_with("215 UNIX Type: L8 — "),
        "{:?}",
        s.status
    );
    assert!(!s.status.error);
    // A refused one is not sent, and says why.
    assert!(typed(&mut s, "PASV").is_empty());
    assert!(
        s.status.error && s.status.text.contains("PASV is not sent"),
        "{:?}",
        s.status
    );
    // RETR: a queued download into the local pane's directory.
    match typed(&mut s, "RETR f00.txt").as_slice() {
        [Effect::Engine(EngineCmd::Enqueue(specs))] => {
            assert_eq!(&*specs[0].src, "/pub/f00.txt");
            assert_eq!(&*specs[0].dst, "/home/u/f00.txt");
            assert_eq!(specs[0].direction, crate::transfer::Direction::Download);
        }
        other => panic!("{other:?}"),
    }
    // An absolute path is taken as typed; a name is from the pane's directory.
    assert!(matches!(
        typed(&mut s, "cwd /etc").as_slice(),
        [Effect::List { side: Side::Remote, nav: Nav::To(p), .. }] if p == "/etc"
    ));
    // RETR of a name that climbs out is refused.
    assert!(typed(&mut s, "RETR ..").is_empty());
    assert!(s.status.error);
    // DELE asks first; yes sends it; a 250 reads the pane again.
    assert!(typed(&mut s, "DELE f01.txt").is_empty());
    // The name is sent as a path from the pane's directory, whatever the server's is.
    let want = format!(
        "DELE {}",
        join_path(Side::Remote, &s.remote.path, "f01.txt")
    );
    assert!(
        matches!(&s.dialog, Some(Dialog::Confirm(c)) if c.title.contains(&want)),
        "{:?}",
        s.dialog
    );
    let req = match s
        .update(Action::Input(KeyPress::plain(Key::Char('y'))))
        .as_slice()
    {
        [Effect::Quote { line, req, .. }] => {
            assert_eq!(line, &want);
            *req
        }
        other => panic!("{other:?}"),
    };
    let fx = s.apply(Event::Quoted {
        req,
        result: Ok((250, "Deleted".into())),
    });
    assert!(
        matches!(
            fx.as_slice(),
            [Effect::List {
                side: Side::Remote,
                ..
            }]
        ),
        "{fx:?}"
    );
    // RNTO without RNFR is an error; with it, a confirmed rename.
    assert!(typed(&mut s, "RNTO b").is_empty());
    assert!(s.status.error);
    assert!(typed(&mut s, "RNFR a").is_empty());
    assert!(typed(&mut s, "RNTO b").is_empty());
    match &s.dialog {
        Some(Dialog::Confirm(c)) => assert_eq!(
            c.then,
            super::dialog::Confirmed::Fs(crate::fs::ops::FsOp::Rename {
                from: "/pub/a".into(),
                to: "/pub/b".into()
            })
        ),
        other => panic!("{other:?}"),
    }
    press(&mut s, Key::Esc);
    // LIST: read for the pager.
    assert!(
        matches!(typed(&mut s, "list -a").as_slice(), [Effect::RawListing { line, .. }] if line == "LIST -a")
    );
    // History: Up brings back the newest first.
    s.update(Action::Console);
    s.update(Action::Input(KeyPress::plain(Key::Up)));
    assert!(
        matches!(&s.dialog, Some(Dialog::Console(ConsoleForm { input, .. })) if input.text == "list -a")
    );
    s.update(Action::Input(KeyPress::plain(Key::Up)));
    assert!(
        matches!(&s.dialog, Some(Dialog::Console(ConsoleForm { input, .. })) if input.text == "RNTO b")
    );
    press(&mut s, Key::Esc);
    // Command names from the server's FEAT reply complete too.
    s.apply(Event::Log(crate::ftp::LogEvent {
        at: std::time::SystemTime::now(),
        tag: "browse".into(),
        kind: crate::ftp::LogKind::Reply {
            code: 211,
            last: false,
        },
        text: " XCRC \"filename\" SP EP".into(),
    }));
    s.update(Action::Console);
    for c in "xc".chars() {
        s.update(Action::Input(KeyPress::plain(Key::Char(c))));
    }
    s.update(Action::Input(KeyPress::plain(Key::Tab)));
    assert!(
        matches!(&s.dialog, Some(Dialog::Console(ConsoleForm { input, .. })) if input.text == "XCRC ")
    );
    // The word at the cursor is completed, and what follows it stays.
    s.update(Action::Input(KeyPress::plain(Key::Esc)));
    s.update(Action::Console);
    for c in "mdt x".chars() {
        s.update(Action::Input(KeyPress::plain(Key::Char(c))));
    }
    s.update(Action::Input(KeyPress::plain(Key::Left)));
    s.update(Action::Input(KeyPress::plain(Key::Left)));
    s.update(Action::Input(KeyPress::plain(Key::Tab)));
    match &s.dialog {
        Some(Dialog::Console(ConsoleForm { input, .. })) => {
            assert_eq!((input.text.as_str(), input.cursor), ("MDTM x", 5));
        }
        other => panic!("{other:?}"),
    }
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

#[test]
fn the_log_filters_jumps_folds_copies_saves_and_explains() {
    use crate::ftp::{LogEvent, LogKind};
    let mut s = connected();
    s.log.lines.clear();
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000);
    let log = |s: &mut State, tag: &str, kind: LogKind, text: &str, ms: u64| {
        s.apply(Event::Log(LogEvent {
            at: at + std::time::Duration::from_millis(ms),
            tag: tag.into(),
            kind,
            text: text.into(),
        }));
    };
    let reply = |code, last| LogKind::Reply { code, last };
    log(&mut s, "browse", LogKind::Command, "USER demo", 0);
    log(
        &mut s,
        "browse",
        reply(331, true),
        "331 Password required",
        5,
    );
    log(&mut s, "browse", LogKind::Command, "PASS ****", 6);
    log(&mut s, "browse", reply(230, true), "230 Logged in", 30);
    log(&mut s, "browse", LogKind::Command, "FEAT", 31);
    log(&mut s, "browse", reply(211, false), "211-Features:", 32);
    log(&mut s, "browse", reply(211, false), " MDTM", 32);
    log(&mut s, "browse", reply(211, false), " SIZE", 32);
    log(&mut s, "browse", reply(211, true), "211 End", 33);
    log(&mut s, "xfer-1", LogKind::Command, "RETR a", 40);
    log(&mut s, "xfer-1", reply(550, true), "550 No such file", 41);
    log(&mut s, "browse", reply(226, true), "226 Done", 50);
    assert_eq!(s.log.lines.len(), 12);
    // Folded: the FEAT reply shows its first and last lines only.
    assert_eq!(s.log.view().len(), 10);
    assert_eq!(s.log.hidden_after(5), 2);

    // F12 gives the log the keyboard, the cursor on the newest line.
    s.update(Action::LogFocus);
    assert!(s.log_focus && s.wants_input());
    assert_eq!(s.log.cursor, Some(9));
    let key = |s: &mut State, k: Key| s.update(Action::Input(KeyPress::plain(k)));
    // N: the error before.
    key(&mut s, Key::Char('N'));
    let at_cursor = |s: &State| {
        s.log.lines[s.log.view()[s.log.cursor.unwrap()]]
            .text
            .clone()
    };
    assert_eq!(at_cursor(&s), "550 No such file");
    // Enter explains it.
    key(&mut s, Key::Enter);
    match &s.dialog {
        Some(Dialog::Notes(v)) => {
            assert_eq!(v.title, "Reply 550");
            let heads: Vec<&str> = v.parts.iter().map(|(h, _)| h.as_str()).collect();
            assert_eq!(heads, ["Meaning", "Common causes", "What to try", "Class"]);
            assert!(
                v.parts
                    .iter()
                    .any(|(h, t)| h == "Common causes" && t.contains("chroot"))
            );
            assert!(
                v.parts
                    .iter()
                    .any(|(h, t)| h == "Class" && t.starts_with("5xx"))
            );
        }
        other => panic!("{other:?}"),
    }
    key(&mut s, Key::Esc);
    assert!(s.dialog.is_none() && s.log_focus);
    // y copies the line.
    let fx = key(&mut s, Key::Char('y'));
    assert!(
        matches!(fx.as_slice(), [Effect::Clipboard(t)] if t.contains("xfer-1 < 550 No such file")),
        "{fx:?}"
    );
    // Errors only, then only xfer-1's lines, then a text filter.
    key(&mut s, Key::Char('e'));
    assert_eq!(s.log.view().len(), 1);
    key(&mut s, Key::Char('e'));
    key(&mut s, Key::Char('c'));
    assert_eq!(s.log.filter.tag.as_deref(), Some("browse"));
    key(&mut s, Key::Char('c'));
    assert_eq!(s.log.filter.tag.as_deref(), Some("xfer-1"));
    assert_eq!(s.log.view().len(), 2);
    key(&mut s, Key::Char('c'));
    assert_eq!(s.log.filter.tag, None);
    key(&mut s, Key::Char('/'));
    for c in "feat".chars() {
        key(&mut s, Key::Char(c));
    }
    key(&mut s, Key::Enter);
    assert_eq!(s.log.view().len(), 2, "FEAT and 211-Features:");
    // Esc clears the filter first, then leaves.
    key(&mut s, Key::Esc);
    assert!(s.log.filter.is_empty() && s.log_focus);
    // Space unfolds the reply under the cursor.
    s.log.cursor = Some(5);
    key(&mut s, Key::Char(' '));
    assert_eq!(s.log.view().len(), 12);
    key(&mut s, Key::Char(' '));
    assert_eq!(s.log.view().len(), 10);
    // t: times relative to the line before.
    key(&mut s, Key::Char('t'));
    assert!(s.log.relative);
    // w: save what it shows, to a new file, every reply whole and no password.
    key(&mut s, Key::Char('w'));
    assert!(
        matches!(&s.dialog, Some(Dialog::Prompt(p)) if p.input.text.starts_with("/home/u/skiff-log-"))
    );
    let fx = key(&mut s, Key::Enter);
    match fx.as_slice() {
        [Effect::SaveLog { path, text }] => {
            assert!(path.starts_with("/home/u/skiff-log-"));
            assert_eq!(text.lines().count(), 12, "{text}");
            assert!(text.contains("browse > PASS ****"), "{text}");
            assert!(text.contains(" MDTM"));
        }
        other => panic!("{other:?}"),
    }
    s.apply(Event::LogSaved {
        path: "/home/u/x.txt".into(),
        result: Ok(12),
    });
    assert!(s.status.text.contains("12"));
    key(&mut s, Key::Esc);
    assert!(!s.log_focus && !s.wants_input());
}

#[test]
fn t_cycles_the_transfer_type_and_a_bookmark_sets_its_own() {
    use crate::transfer::TransferMode;
    let mut s = connected();
    assert_eq!(s.transfer_mode, TransferMode::Binary);
    let set = |fx: &[Effect], m: TransferMode| {
        fx.iter()
            .any(|e| matches!(e, Effect::Engine(EngineCmd::SetMode(x)) if *x == m))
    };
    assert!(set(&s.update(Action::TransferMode), TransferMode::Ascii));
    assert!(s.status.text.contains("TYPE A"));
    s.update(Action::TransferMode);
    assert_eq!(s.transfer_mode, TransferMode::Auto);
    s.update(Action::TransferMode);
    assert_eq!(s.transfer_mode, TransferMode::Binary);
    // A bookmark with its own transfer type sets it when connecting.
    let mut p = crate::bookmarks::Profile::new("text site", "h");
    p.transfer_type = Some(TransferMode::Auto);
    let fx = s.connect_profile(p, None);
    assert!(set(&fx, TransferMode::Auto), "{fx:?}");
    assert_eq!(s.transfer_mode, TransferMode::Auto);
    // One without goes back to the configured type.
    let fx = s.connect_profile(crate::bookmarks::Profile::new("plain", "h"), None);
    assert!(set(&fx, TransferMode::Binary), "{fx:?}");
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

/// A click on a queue row selects that row (the first job is right under the top border),
/// and clearing most jobs leaves no empty rows above the ones left.
#[test]
fn queue_clicks_pick_the_row_clicked_and_a_shorter_queue_scrolls_back() {
    use crate::transfer::{EngineEvent, JobState};
    let mut s = connected();
    s.update(Action::Resize {
        width: 120,
        height: 40,
    });
    let jobs: Vec<_> = (1..=30).map(|i| job(i, JobState::Queued)).collect();
    s.apply(Event::Engine(EngineEvent::Added { after: None, jobs }));
    let q = s.areas().queue;
    assert!(q.height > 3, "{q:?}");
    s.update(Action::Click {
        col: q.x + 5,
        row: q.y + 1,
    });
    assert!(s.queue_focus);
    assert_eq!(s.queue.cursor, 0);
    s.update(Action::Click {
        col: q.x + 5,
        row: q.y + 2,
    });
    assert_eq!(s.queue.cursor, 1);
    // To the last job, then all but two go.
    for _ in 0..40 {
        s.update(Action::Down);
    }
    assert!(s.queue.offset > 0);
    s.apply(Event::Engine(EngineEvent::Removed((1..=28).collect())));
    s.update(Action::Up);
    assert_eq!(s.queue.offset, 0, "the two left are both shown");
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
    assert!(s.log_focus);
    let fx = s.update(Action::Input(KeyPress::plain(Key::Esc)));
    assert!(matches!(fx.as_slice(), [Effect::CancelConnect]), "{fx:?}");
    assert!(matches!(s.conn, Conn::Disconnected) && !s.log_focus);
}

/// A bookmark save that fails (here: the file does not parse) opens the form again as it was
/// submitted, with the reason in the status line: nothing typed is lost.
#[test]
fn a_failed_bookmark_save_gives_the_form_back() {
    let mut s = connected();
    s.dialog = Some(Dialog::BookmarkForm(Box::new(
        crate::state::bookmarks::BookmarkForm::new(
            crate::bookmarks::Profile::new("work", "ftp.example.org"),
            None,
        ),
    )));
    let effects = s.update(Action::Input(KeyPress::plain(Key::Enter)));
    assert!(
        matches!(effects.as_slice(), [Effect::SaveBookmark { .. }]),
        "{effects:?}"
    );
    assert!(matches!(s.dialog, Some(Dialog::Bookmarks(_))));
    s.apply(Event::BookmarkStored(Err(
        "bookmark not saved: /c/bookmarks.toml:4:10: invalid basic string".into(),
    )));
    match &s.dialog {
        Some(Dialog::BookmarkForm(f)) => {
            assert_eq!(f.values[0], "work");
            assert_eq!(f.values[1], "ftp.example.org");
        }
        other => panic!("{other:?}"),
    }
    assert!(
        s.status.text.contains("bookmarks.toml:4:10"),
        "{:?}",
        s.status
    );
    // A save that works goes on to the list.
    s.update(Action::Input(KeyPress::plain(Key::Enter)));
    let effects = s.apply(Event::BookmarkStored(Ok("Saved".into())));
    assert!(matches!(s.dialog, Some(Dialog::Bookmarks(_))));
    assert!(matches!(effects.as_slice(), [Effect::LoadBookmarks]));
}

#[test]
fn stor_on_the_command_line_queues_an_upload_sized_by_the_runner() {
    let mut s = connected();
    let fx = s.run_command("STOR notes.txt");
    let (path, req) = match fx.as_slice() {
        [Effect::StatLocal { path, req }] => (path.clone(), *req),
        other => panic!("{other:?}"),
    };
    assert!(path.ends_with("notes.txt"), "{path}");
    match s.apply(Event::LocalStat { req, size: Some(7) }).as_slice() {
        [Effect::Engine(EngineCmd::Enqueue(specs))] => {
            assert_eq!(specs[0].size, Some(7));
            assert_eq!(specs[0].direction, crate::transfer::Direction::Upload);
            assert_eq!(&*specs[0].src, path);
            assert!(specs[0].dst.ends_with("/notes.txt"), "{:?}", specs[0].dst);
        }
        other => panic!("{other:?}"),
    }
}
