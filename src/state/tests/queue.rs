//! The queue: copies and moves from marks and drags, engine events, conflicts, the transfer type.

use super::*;

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
        connections: 3,
    }])));
    assert_eq!(s.queue.rows[&1].connections, 3);
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
    assert!((s.panel == Panel::Queue));
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

#[test]
fn one_key_serves_the_pane_and_the_queue() {
    let k = crate::state::keymap::Keymap::defaults();
    let mut s = connected();
    let del = k.get_all(&KeyPress::plain(Key::Delete));
    let r = k.get_all(&KeyPress::plain(Key::Char('R')));
    assert_eq!(s.pick(del), Some(&Action::Delete));
    assert_eq!(s.pick(r), Some(&Action::Rename));
    s.panel = Panel::Queue;
    assert_eq!(s.pick(del), Some(&Action::CancelJob));
    assert_eq!(s.pick(r), Some(&Action::RetryFailed));
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
    assert!((s.panel == Panel::Queue));
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

#[test]
fn percent_sets_and_clears_a_bandwidth_limit_while_transfers_run() {
    use crate::transfer::EngineCmd;
    let mut s = connected();
    let typed = |s: &mut State, text: &str| -> Vec<Effect> {
        assert!(s.update(Action::RateLimit).is_empty());
        assert!(matches!(s.dialog, Some(Dialog::Prompt(_))));
        // Whatever the prompt starts with goes first.
        for _ in 0..12 {
            s.update(Action::Input(KeyPress::plain(Key::Backspace)));
        }
        for c in text.chars() {
            s.update(Action::Input(KeyPress::plain(Key::Char(c))));
        }
        s.update(Action::Input(KeyPress::plain(Key::Enter)))
    };
    assert!(matches!(
        typed(&mut s, "2M").as_slice(),
        [Effect::Engine(EngineCmd::SetRateLimit(Some(2_097_152)))]
    ));
    assert_eq!(s.limit_rate, Some(2 * 1024 * 1024));
    assert!(s.status.text.contains("limited"), "{:?}", s.status);
    // A rate that is not one stays in the prompt with the reason.
    assert!(typed(&mut s, "fast").is_empty());
    assert!(
        matches!(&s.dialog, Some(Dialog::Prompt(p)) if p.error.is_some()),
        "{:?}",
        s.dialog
    );
    s.update(Action::Input(KeyPress::plain(Key::Esc)));
    assert_eq!(s.limit_rate, Some(2 * 1024 * 1024), "Esc changes nothing");
    assert!(matches!(
        typed(&mut s, "").as_slice(),
        [Effect::Engine(EngineCmd::SetRateLimit(None))]
    ));
    assert_eq!(s.limit_rate, None);
}

#[test]
fn the_highlight_stays_on_its_job_while_rows_are_added_and_removed_above_it() {
    use crate::transfer::{EngineEvent, JobState};
    let mut s = connected();
    s.update(Action::Resize {
        width: 120,
        height: 40,
    });
    let jobs: Vec<_> = (1..=5).map(|i| job(i, JobState::Queued)).collect();
    s.apply(Event::Engine(EngineEvent::Added { after: None, jobs }));
    s.panel = Panel::Queue;
    s.update(Action::End);
    assert_eq!(s.queue.selected().map(|r| r.job.id), Some(5));
    // A directory's entries arrive after job 1, above the highlight: it stays on job 5.
    let entries: Vec<_> = (10..=40).map(|i| job(i, JobState::Queued)).collect();
    s.apply(Event::Engine(EngineEvent::Added {
        after: Some(1),
        jobs: entries,
    }));
    assert_eq!(s.queue.selected().map(|r| r.job.id), Some(5));
    // Rows above it go away: still job 5.
    s.apply(Event::Engine(EngineEvent::Removed((10..=30).collect())));
    assert_eq!(s.queue.selected().map(|r| r.job.id), Some(5));
    // A key acts on the job the user saw highlighted.
    s.update(Action::Up);
    assert_eq!(s.queue.selected().map(|r| r.job.id), Some(4));
    s.apply(Event::Engine(EngineEvent::Added {
        after: None,
        jobs: vec![job(50, JobState::Queued)],
    }));
    s.apply(Event::Engine(EngineEvent::Added {
        after: Some(1),
        jobs: (60..=70).map(|i| job(i, JobState::Queued)).collect(),
    }));
    let fx = s.update(Action::CancelJob);
    assert!(
        matches!(fx.as_slice(), [Effect::Engine(EngineCmd::Cancel(4))]),
        "{fx:?}"
    );
    // The selected job itself goes: the highlight takes the row now at its place.
    s.apply(Event::Engine(EngineEvent::Removed(vec![4])));
    assert_eq!(s.queue.selected().map(|r| r.job.id), Some(5));
    // Moving a job up keeps the highlight on it once the engine has moved it.
    let fx = s.update(Action::JobUp);
    assert!(
        matches!(fx.as_slice(), [Effect::Engine(EngineCmd::MoveBy(5, -1))]),
        "{fx:?}"
    );
    let at = s.queue.cursor;
    s.apply(Event::Engine(EngineEvent::Moved {
        id: 5,
        index: at - 1,
    }));
    assert_eq!(s.queue.selected().map(|r| r.job.id), Some(5));
    assert_eq!(s.queue.cursor, at - 1);
}

#[test]
fn a_finished_move_refreshes_the_pane_it_left_as_well() {
    use crate::transfer::{EngineEvent, JobState};
    let mut s = connected();
    // `connected()`: the local pane in /home/u, the remote pane in /pub.
    let mut moved = job(1, JobState::Queued);
    moved.spec.is_move = true;
    s.apply(Event::Engine(EngineEvent::Added {
        after: None,
        jobs: vec![moved.clone()],
    }));
    moved.state = JobState::Done;
    let fx = s.apply(Event::Engine(EngineEvent::Changed(moved)));
    let sides: Vec<Side> = fx
        .iter()
        .filter_map(|f| match f {
            Effect::List { side, .. } => Some(*side),
            _ => None,
        })
        .collect();
    assert_eq!(sides, [Side::Local, Side::Remote], "{fx:?}");
    // The last step of a moved directory (removing it) re-reads where it was.
    let mut rmdir = job(2, JobState::Queued);
    rmdir.spec.kind = crate::transfer::JobKind::RemoveDir;
    rmdir.spec.src = "/pub/olddir".into();
    s.apply(Event::Engine(EngineEvent::Added {
        after: None,
        jobs: vec![rmdir.clone()],
    }));
    s.local.loading = 0;
    s.remote.loading = 0;
    rmdir.state = JobState::Done;
    let fx = s.apply(Event::Engine(EngineEvent::Changed(rmdir)));
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
}

#[test]
fn a_job_that_fails_says_so_in_the_status_line() {
    use crate::transfer::{EngineEvent, JobState};
    let mut s = connected();
    s.apply(Event::Engine(EngineEvent::Added {
        after: None,
        jobs: vec![job(7, JobState::Queued)],
    }));
    let failed = JobState::Failed {
        reason: "550 Permission denied".into(),
        code: Some(550),
    };
    s.apply(Event::Engine(EngineEvent::Changed(job(7, failed))));
    assert!(s.status.error);
    assert!(
        s.status.text.contains("file7") && s.status.text.contains("550 Permission denied"),
        "{}",
        s.status.text
    );
}

#[test]
fn skipped_and_cancelled_files_leave_the_totals_alike() {
    use crate::transfer::{EngineEvent, JobState};
    let mut s = connected();
    let jobs = vec![
        job(1, JobState::Done),
        job(
            2,
            JobState::Skipped {
                reason: "exists".into(),
            },
        ),
        job(3, JobState::Cancelled),
        job(4, JobState::Queued),
    ];
    s.apply(Event::Engine(EngineEvent::Added { after: None, jobs }));
    let t = s.queue.totals();
    assert_eq!((t.files_done, t.files), (1, 2), "{t:?}");
    assert_eq!(t.bytes, 200);
}
