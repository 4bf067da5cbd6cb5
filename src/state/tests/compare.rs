//! Comparing the panes, synchronised browsing, the synchronisation preview.

use super::*;

#[test]
fn compare_marks_both_panes_and_follows_new_listings() {
    use crate::state::compare::Diff;
    let mut s = two_sides();
    s.update(Action::Compare);
    assert!(s.comparing);
    let get = |p: &crate::state::pane::Pane, n: &str| p.diff.get(n).copied();
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
    let summary: Vec<(String, crate::state::compare::SyncAction, bool)> = items
        .iter()
        .map(|i| (i.name.clone(), i.action, i.on))
        .collect();
    use crate::state::compare::SyncAction::*;
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
fn hash_compares_same_size_files_by_content_and_marks_those_that_differ() {
    use crate::state::ContentComparison;
    let mut s = connected();
    // Files of the same size on both sides: the candidates.
    let file = |name: &str, size: u64| crate::fs::Entry {
        name: name.into(),
        kind: EntryKind::File,
        size,
        mtime: Some(1_700_000_000),
        perms: None,
        link_target: None,
    };
    s.local.entries = vec![file("a.txt", 3), file("b.txt", 4), file("c.txt", 5)];
    s.remote.entries = vec![file("a.txt", 3), file("b.txt", 4), file("c.txt", 6)];
    let req = match s.update(Action::CompareContent).as_slice() {
        [Effect::CompareContent { names, req, .. }] => {
            assert_eq!(names, &vec!["a.txt".to_string(), "b.txt".to_string()]);
            *req
        }
        other => panic!("{other:?}"),
    };
    assert!(s.comparing);
    s.apply(Event::ContentCompared {
        req,
        result: Ok(ContentComparison {
            algo: Some("SHA-256".into()),
            differ: vec!["b.txt".into()],
            same: 1,
            unknown: vec![],
        }),
    });
    assert_eq!(
        s.local.diff.get("b.txt"),
        Some(&crate::state::compare::Diff::Content)
    );
    assert_eq!(
        s.remote.diff.get("b.txt"),
        Some(&crate::state::compare::Diff::Content)
    );
    assert_eq!(s.local.diff.get("a.txt"), None);
    assert!(s.status.text.contains("1 of 2"), "{:?}", s.status);
    // A server without a usable checksum says so.
    let req = match s.update(Action::CompareContent).as_slice() {
        [Effect::CompareContent { req, .. }] => *req,
        other => panic!("{other:?}"),
    };
    s.apply(Event::ContentCompared {
        req,
        result: Ok(ContentComparison::default()),
    });
    assert!(
        s.status.error && s.status.text.contains("no checksum"),
        "{:?}",
        s.status
    );
}
