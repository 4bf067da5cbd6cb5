//! Viewing, editing and inspecting files: the pager, remote edits, file info.

use super::*;

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
fn info_on_a_remote_file_asks_for_its_checksum_on_c() {
    let mut s = connected();
    s.focus = Side::Remote;
    // The first file of the listing.
    while s
        .remote
        .current()
        .is_some_and(|e| e.kind != crate::fs::EntryKind::File)
    {
        s.update(Action::Down);
    }
    let name = s.remote.current().unwrap().name.clone();
    s.update(Action::Info);
    let row = |s: &State| match &s.dialog {
        Some(Dialog::Info(v)) => v
            .rows
            .iter()
            .find(|(l, _)| l == "Checksum")
            .map(|(_, v)| v.clone()),
        other => panic!("{other:?}"),
    };
    assert_eq!(row(&s).as_deref(), Some("c asks the server for it"));
    let req = match press(&mut s, Key::Char('c')).as_slice() {
        [Effect::Checksum { path, req }] => {
            assert_eq!(path, &format!("/pub/{name}"));
            *req
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(row(&s).as_deref(), Some("asking the server…"));
    // A second c while it is asked does nothing more (and keeps the dialog).
    assert!(press(&mut s, Key::Char('c')).is_empty());
    assert_eq!(row(&s).as_deref(), Some("asking the server…"));
    press(&mut s, Key::Esc);
    assert!(s.dialog.is_none(), "any other key closes it");
    s.update(Action::Info);
    let req2 = match press(&mut s, Key::Char('c')).as_slice() {
        [Effect::Checksum { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    assert_ne!(req, req2);
    s.apply(Event::Checksum {
        req,
        result: Ok(Some(("SHA-256".into(), "ab".repeat(32)))),
    });
    assert_eq!(
        row(&s).as_deref(),
        Some("asking the server…"),
        "an old answer"
    );
    s.apply(Event::Checksum {
        req: req2,
        result: Ok(Some(("SHA-256".into(), "ab".repeat(32)))),
    });
    assert_eq!(row(&s), Some(format!("SHA-256 {}", "ab".repeat(32))));
}
