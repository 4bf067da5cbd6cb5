//! File operations (`fs::ops`) on both backends: a local temp directory and the in-process FTP
//! server. The same operations, the same checks: what was made, renamed or deleted is really
//! so on disk, links are never followed, and what cannot be done is reported with its reason.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use skiff::demo::{self, DemoOptions};
use skiff::fs::local::LocalFs;
use skiff::fs::ops::{self, FsOp, Target};
use skiff::fs::{EntryKind, FileSystem, FsError};
use skiff::ftp::{ConnectOptions, FtpSession, Secret, Tap};

/// A small tree: `top/` with two files, `top/sub/` with one, and an empty `top/empty/`.
fn tree(root: &Path) {
    std::fs::create_dir_all(root.join("top/sub")).unwrap();
    std::fs::create_dir_all(root.join("top/empty")).unwrap();
    std::fs::write(root.join("top/a.txt"), b"aaaa").unwrap();
    std::fs::write(root.join("top/b.bin"), vec![7u8; 1000]).unwrap();
    std::fs::write(root.join("top/sub/c.txt"), b"cc").unwrap();
    std::fs::write(root.join("keep.txt"), b"keep").unwrap();
}

/// Every operation on `fs`, whose root is `base` (a path in `fs`'s own terms) and which shows
/// the directory `disk` on this machine.
async fn exercise<F: FileSystem>(fs: &mut F, base: &str, disk: &Path) {
    let join = |p: &str| {
        if base.ends_with('/') {
            format!("{base}{p}")
        } else {
            format!("{base}/{p}")
        }
    };

    // Size of a tree: 3 files, 1006 bytes, 4 directories (top, sub, empty and top itself).
    let r = ops::run(
        fs,
        &FsOp::Size(vec![Target {
            path: join("top"),
            kind: EntryKind::Dir,
        }]),
    )
    .await;
    assert_eq!((r.done, r.bytes, r.dirs), (3, 1006, 3), "{r:?}");
    assert!(r.failed.is_empty(), "{r:?}");

    // mkdir, and mkdir of something that exists (reported, nothing else harmed).
    let r = ops::run(fs, &FsOp::Mkdir(join("made"))).await;
    assert_eq!(r.done, 1, "{r:?}");
    assert!(disk.join("made").is_dir());
    let r = ops::run(fs, &FsOp::Mkdir(join("made"))).await;
    assert_eq!((r.done, r.failed.len()), (0, 1), "{r:?}");

    // A new empty file; a second one by the same name is refused and the first one kept.
    std::fs::write(disk.join("made/x"), b"").unwrap();
    let r = ops::run(fs, &FsOp::Touch(join("new.txt"))).await;
    assert_eq!(r.done, 1, "{r:?}");
    assert_eq!(std::fs::read(disk.join("new.txt")).unwrap(), b"");
    std::fs::write(disk.join("new.txt"), b"now with content").unwrap();
    let r = ops::run(fs, &FsOp::Touch(join("new.txt"))).await;
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert!(r.failed[0].1.contains("exists"), "{r:?}");
    assert_eq!(
        std::fs::read(disk.join("new.txt")).unwrap(),
        b"now with content"
    );

    // Rename a file and a directory.
    let r = ops::run(
        fs,
        &FsOp::Rename {
            from: join("new.txt"),
            to: join("renamed.txt"),
        },
    )
    .await;
    assert_eq!(r.done, 1, "{r:?}");
    assert!(!disk.join("new.txt").exists());
    assert_eq!(
        std::fs::read(disk.join("renamed.txt")).unwrap(),
        b"now with content"
    );
    let r = ops::run(
        fs,
        &FsOp::Rename {
            from: join("made"),
            to: join("made2"),
        },
    )
    .await;
    assert_eq!(r.done, 1, "{r:?}");
    assert!(disk.join("made2/x").is_file());

    // Delete: a file and a whole tree in one go; the rest stays.
    let r = ops::run(
        fs,
        &FsOp::Delete(vec![
            Target {
                path: join("renamed.txt"),
                kind: EntryKind::File,
            },
            Target {
                path: join("top"),
                kind: EntryKind::Dir,
            },
            Target {
                path: join("made2"),
                kind: EntryKind::Dir,
            },
        ]),
    )
    .await;
    assert!(r.failed.is_empty(), "{r:?}");
    // renamed.txt; a.txt, b.bin, c.txt, sub, empty, top; x, made2
    assert_eq!(r.done, 9, "{r:?}");
    assert!(!disk.join("top").exists());
    assert!(!disk.join("made2").exists());
    assert!(!disk.join("renamed.txt").exists());
    assert_eq!(std::fs::read(disk.join("keep.txt")).unwrap(), b"keep");

    // Deleting what is not there: a clear failure.
    let r = ops::run(
        fs,
        &FsOp::Delete(vec![Target {
            path: join("ghost"),
            kind: EntryKind::File,
        }]),
    )
    .await;
    assert_eq!((r.done, r.failed.len()), (0, 1), "{r:?}");
}

#[tokio::test]
async fn every_operation_on_a_local_directory() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let base = dir.path().to_string_lossy().into_owned();
    exercise(&mut LocalFs, &base, dir.path()).await;
}

#[tokio::test]
async fn every_operation_over_ftp() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    let server = demo::start(DemoOptions {
        root: Some(dir.path().to_path_buf()),
        ..DemoOptions::default()
    })
    .await
    .unwrap();
    let mut o = ConnectOptions::new(
        "127.0.0.1",
        server.port,
        Some("demo"),
        Some(Secret::new("demo")),
    );
    o.timeout = Duration::from_secs(5);
    let mut s = FtpSession::connect(o, Tap::discard("browse"))
        .await
        .unwrap();
    exercise(&mut s, "/", dir.path()).await;
    // This server has no SITE CHMOD: the refusal comes back with the server's reply.
    let r = ops::run(
        &mut s,
        &FsOp::Chmod {
            paths: vec!["/keep.txt".into()],
            mode: 0o600,
        },
    )
    .await;
    assert_eq!((r.done, r.failed.len()), (0, 1), "{r:?}");
    assert!(
        r.failed[0].1.starts_with("502 "),
        "the reply code is in the reason: {r:?}"
    );
    // The session is still usable afterwards.
    assert!(s.list("/").await.is_ok());

    // The info dialog's raw line: the entry's own line in the server's listing (this server
    // answers MLSD, so facts then the name), whatever the working directory was.
    std::fs::write(dir.path().join("raw line.txt"), b"12345").unwrap();
    s.cwd_to("/").await.unwrap();
    let line = s.listing_line("/", "raw line.txt").await.unwrap().unwrap();
    assert!(
        line.ends_with("; raw line.txt") || line.ends_with(" raw line.txt"),
        "{line}"
    );
    assert!(line.to_ascii_lowercase().contains("size=5"), "{line}");
    assert_eq!(s.listing_line("/", "not there").await.unwrap(), None);
    // With LIST, the `ls -l` line.
    s.set_use_mlsd(false);
    let line = s.listing_line("/", "raw line.txt").await.unwrap().unwrap();
    assert!(
        line.starts_with('-') && line.ends_with(" raw line.txt"),
        "{line}"
    );
    assert!(line.contains(" 5 "), "{line}");
}

#[tokio::test]
async fn local_rename_never_replaces_and_delete_never_follows_links() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("precious"), b"do not touch").unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("tree")).unwrap();
    std::os::unix::fs::symlink(outside.path(), d.join("tree/link-to-outside")).unwrap();
    std::fs::write(d.join("a"), b"a").unwrap();
    std::fs::write(d.join("b"), b"b").unwrap();
    let p = |n: &str| d.join(n).to_string_lossy().into_owned();

    let r = ops::run(
        &mut LocalFs,
        &FsOp::Rename {
            from: p("a"),
            to: p("b"),
        },
    )
    .await;
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert!(r.failed[0].1.contains("already exists"), "{r:?}");
    assert_eq!(std::fs::read(d.join("b")).unwrap(), b"b");

    let r = ops::run(
        &mut LocalFs,
        &FsOp::Delete(vec![Target {
            path: p("tree"),
            kind: EntryKind::Dir,
        }]),
    )
    .await;
    assert!(r.failed.is_empty(), "{r:?}");
    assert!(!d.join("tree").exists());
    assert_eq!(
        std::fs::read(outside.path().join("precious")).unwrap(),
        b"do not touch"
    );

    // chmod: bits set; a link is refused (chmod would change its target).
    let r = ops::run(
        &mut LocalFs,
        &FsOp::Chmod {
            paths: vec![p("a")],
            mode: 0o640,
        },
    )
    .await;
    assert!(r.failed.is_empty(), "{r:?}");
    let mode = std::fs::metadata(d.join("a")).unwrap().permissions().mode() & 0o7777;
    assert_eq!(mode, 0o640);
    std::os::unix::fs::symlink(outside.path().join("precious"), d.join("l")).unwrap();
    let r = ops::run(
        &mut LocalFs,
        &FsOp::Chmod {
            paths: vec![p("l")],
            mode: 0o777,
        },
    )
    .await;
    assert_eq!(r.failed.len(), 1, "{r:?}");
    let outside_mode = std::fs::metadata(outside.path().join("precious"))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_ne!(outside_mode, 0o777);
}

/// The local file system, except that removing a file named `refuse` fails the way a server
/// says no (a permission problem that even root would meet on a read-only mount).
struct Refusing {
    inner: LocalFs,
    refuse: &'static str,
}

impl FileSystem for Refusing {
    async fn list(&mut self, path: &str) -> Result<skiff::fs::Listing, FsError> {
        self.inner.list(path).await
    }
    fn parent(&self, path: &str) -> String {
        self.inner.parent(path)
    }
    fn join(&self, dir: &str, name: &str) -> Result<String, FsError> {
        self.inner.join(dir, name)
    }
    async fn mkdir(&mut self, path: &str) -> Result<(), FsError> {
        self.inner.mkdir(path).await
    }
    async fn rename(&mut self, from: &str, to: &str) -> Result<(), FsError> {
        self.inner.rename(from, to).await
    }
    async fn remove_file(&mut self, path: &str) -> Result<(), FsError> {
        if path.ends_with(self.refuse) {
            return Err(FsError::Io(std::io::Error::from(
                std::io::ErrorKind::PermissionDenied,
            )));
        }
        self.inner.remove_file(path).await
    }
    async fn remove_dir(&mut self, path: &str) -> Result<(), FsError> {
        self.inner.remove_dir(path).await
    }
    async fn create_file(&mut self, path: &str) -> Result<(), FsError> {
        self.inner.create_file(path).await
    }
    async fn chmod(&mut self, path: &str, mode: u32) -> Result<(), FsError> {
        self.inner.chmod(path, mode).await
    }
}

#[tokio::test]
async fn a_failure_inside_a_tree_keeps_its_directories_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("t/deep/er")).unwrap();
    std::fs::write(d.join("t/deep/er/stuck"), b"f").unwrap();
    std::fs::write(d.join("t/deep/free"), b"x").unwrap();
    std::fs::create_dir_all(d.join("t/other")).unwrap();
    std::fs::write(d.join("t/other/gone"), b"x").unwrap();
    let mut fs = Refusing {
        inner: LocalFs,
        refuse: "/stuck",
    };
    let r = ops::run(
        &mut fs,
        &FsOp::Delete(vec![Target {
            path: d.join("t").to_string_lossy().into_owned(),
            kind: EntryKind::Dir,
        }]),
    )
    .await;
    // One failure, with its path and reason; no "directory not empty" for the three
    // directories above it, which stay.
    assert_eq!(r.failed.len(), 1, "{r:?}");
    assert!(r.failed[0].0.ends_with("deep/er/stuck"), "{r:?}");
    assert!(r.failed[0].1.contains("ermission"), "{r:?}");
    assert!(d.join("t/deep/er/stuck").exists());
    // Everything else went: free, gone and other/.
    assert!(!d.join("t/deep/free").exists());
    assert!(!d.join("t/other").exists());
    assert_eq!(r.done, 3, "{r:?}");
}
