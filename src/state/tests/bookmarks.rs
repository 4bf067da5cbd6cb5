//! The bookmark manager and form, and saving from the connect dialog.

use super::*;

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
    // The bookmark's checks go with the connection, for its transfers.
    let mut p = p;
    p.verify = Some(true);
    p.upload_temp = Some(crate::transfer::UploadTemp::Always);
    p.segments = Some(crate::transfer::Segments::Max(2));
    p.limit_rate = Some(1024 * 1024);
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
                transfer,
                limit_rate,
                ..
            },
        ] => {
            assert_eq!(*parallel, Some(7), "the bookmark's transfer connections");
            assert_eq!(
                (transfer.verify, transfer.upload_temp, transfer.segments),
                (
                    Some(true),
                    Some(crate::transfer::UploadTemp::Always),
                    Some(crate::transfer::Segments::Max(2))
                )
            );
            assert_eq!(*limit_rate, Some(1024 * 1024), "the bookmark's limit");
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
