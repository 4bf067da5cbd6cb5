//! File operations and pane tools: mkdir, rename, delete, chmod, copy path, sort, filter, go to.

use super::*;

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
    // The path shown is selected: what is typed replaces it (it was appended to it, which
    // sent `CWD /pub/pub/dir01`).
    typed(&mut s, "/pub/dir01");
    match &s.dialog {
        Some(Dialog::Prompt(p)) => assert_eq!(p.input.text, "/pub/dir01"),
        other => panic!("{other:?}"),
    }
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
    // A movement key keeps the text and ends the selection: typing then edits it.
    press(&mut s, Key::End);
    typed(&mut s, "/x");
    match &s.dialog {
        Some(Dialog::Prompt(p)) => assert_eq!(p.input.text, "/pub/dir01/x"),
        other => panic!("{other:?}"),
    }
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

#[test]
fn size_on_dotdot_counts_the_directory_shown() {
    let mut s = connected();
    // The local pane's cursor starts on `..`.
    assert_eq!(s.local.current().map(|e| e.name.as_str()), Some(".."));
    let fx = s.update(Action::DirSize);
    match fx.as_slice() {
        [
            Effect::Fs {
                op: FsOp::Size(targets),
                ..
            },
        ] => {
            assert_eq!(targets.len(), 1);
            assert_eq!(targets[0].path, "/home/u");
        }
        other => panic!("it said \"0 in 0 files\" instead: {other:?}"),
    }
}
