//! The command line and the log as a tool.

use super::*;

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
            crate::state::dialog::Confirmed::Fs(crate::fs::ops::FsOp::Rename {
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
    assert!((s.panel == Panel::Log) && s.wants_input());
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
    assert!(s.dialog.is_none() && (s.panel == Panel::Log));
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
    assert!(s.log.filter.is_empty() && (s.panel == Panel::Log));
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
    assert!((s.panel != Panel::Log) && !s.wants_input());
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

#[test]
fn a_checksum_command_s_reply_says_which_digest_of_what() {
    let mut s = connected();
    let send = |s: &mut State, line: &str| -> u64 {
        s.update(Action::Console);
        for c in line.chars() {
            s.update(Action::Input(KeyPress::plain(Key::Char(c))));
        }
        match s
            .update(Action::Input(KeyPress::plain(Key::Enter)))
            .as_slice()
        {
            [Effect::Quote { req, .. }] => *req,
            other => panic!("{other:?}"),
        }
    };
    let sha = "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";
    let req = send(&mut s, "HASH hello.txt");
    s.apply(Event::Quoted {
        req,
        result: Ok((213, format!("SHA-256 0-6 {sha} hello.txt"))),
    });
    assert_eq!(
        s.status.text,
        format!("213 — the server's SHA-256 checksum of hello.txt (bytes 0-6): {sha}")
    );
    let req = send(&mut s, "XMD5 hello.txt");
    s.apply(Event::Quoted {
        req,
        result: Ok((250, "B1946AC92492D2347C6235B4D2611184".into())),
    });
    assert_eq!(
        s.status.text,
        "250 — the server's MD5 checksum of hello.txt: b1946ac92492d2347c6235b4d2611184"
    );
    // Any other reply is explained as before.
    let req = send(&mut s, "XMD5 nope");
    s.apply(Event::Quoted {
        req,
        result: Ok((550, "nope: No such file".into())),
    });
    assert!(
        s.status.text.starts_with("550 nope: No such file — "),
        "{:?}",
        s.status
    );
}
