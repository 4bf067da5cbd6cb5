//! `update` and `apply` driven with plain data, no terminal and no network: keys and events in,
//! state and effects out. Shared helpers here; the tests by subject in the modules below.

use super::*;
use crate::fs::ops::FsOp;
use crate::fs::{Entry, EntryKind, Listing};
use crate::ftp::{LogKind, Secret};

mod bookmarks;
mod compare;
mod console;
mod files;
mod ops;
mod queue;
mod session;

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
        segments: None,
        touched: false,
    }
}

fn profile(name: &str) -> crate::bookmarks::Profile {
    let mut p = crate::bookmarks::Profile::new(name, "ftp.example.org");
    p.user = Some("alice".into());
    p.local_dir = Some("/home/u/work".into());
    p.remote_dir = Some("/pub/work".into());
    p.parallel = Some(7);
    p
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        s.update(Action::Input(KeyPress::plain(Key::Char(c))));
    }
}

fn press(s: &mut State, key: Key) -> Vec<Effect> {
    s.update(Action::Input(KeyPress::plain(key)))
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
