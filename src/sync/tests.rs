//! The planner over two local trees (`fs::local::LocalFs` on both sides).

use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use super::*;
use crate::fs::local::LocalFs;

fn write(root: &Path, rel: &str, body: &[u8], mtime: u64) {
    let p = root.join(rel);
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).expect("mkdir");
    }
    std::fs::write(&p, body).expect("write");
    let f = std::fs::File::options().write(true).open(&p).expect("open");
    f.set_modified(UNIX_EPOCH + Duration::from_secs(mtime))
        .expect("mtime");
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

async fn plan_of(src: &Path, dst: &Path, rules: &Rules) -> Plan {
    plan(&mut LocalFs, &s(src), &mut LocalFs, &s(dst), rules)
        .await
        .expect("plan")
}

fn steps(p: &Plan) -> Vec<(String, &'static str)> {
    let mut v: Vec<_> = p
        .items
        .iter()
        .map(|i| (i.rel.clone(), i.step.name()))
        .collect();
    v.sort();
    v
}

const T: u64 = 1_700_000_000;

#[tokio::test]
async fn missing_files_and_directories_are_copied_and_made() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "top.txt", b"1", T);
    write(a.path(), "d/e/deep.txt", b"22", T);
    std::fs::create_dir(a.path().join("empty")).unwrap();
    let target = b.path().join("mirror");
    let p = plan_of(a.path(), &target, &Rules::default()).await;
    assert_eq!(
        steps(&p),
        vec![
            ("".into(), "mkdir"),
            ("d".into(), "mkdir"),
            ("d/e".into(), "mkdir"),
            ("d/e/deep.txt".into(), "copy"),
            ("empty".into(), "mkdir"),
            ("top.txt".into(), "copy"),
        ]
    );
    assert_eq!(p.bytes(), 3);
}

#[tokio::test]
async fn size_and_time_decide_and_a_newer_target_of_the_same_size_is_left_alone() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "same", b"abc", T);
    write(b.path(), "same", b"abc", T + 30); // within the slack
    write(a.path(), "bigger", b"abcd", T);
    write(b.path(), "bigger", b"abc", T + 3600); // target newer, size differs
    write(a.path(), "newer", b"abc", T + 3600);
    write(b.path(), "newer", b"abc", T);
    write(a.path(), "older", b"abc", T);
    write(b.path(), "older", b"abc", T + 3600); // an upload dated at its arrival
    let p = plan_of(a.path(), b.path(), &Rules::default()).await;
    assert_eq!(
        steps(&p),
        vec![("bigger".into(), "update"), ("newer".into(), "update")]
    );
    let only_newer = Rules {
        compare: Compare::OnlyNewer,
        ..Rules::default()
    };
    assert_eq!(
        steps(&plan_of(a.path(), b.path(), &only_newer).await),
        vec![("newer".into(), "update")]
    );
    let size_only = Rules {
        compare: Compare::SizeOnly,
        ..Rules::default()
    };
    assert_eq!(
        steps(&plan_of(a.path(), b.path(), &size_only).await),
        vec![("bigger".into(), "update")]
    );
}

#[test]
fn listing_precision_is_respected() {
    let e = |size, mtime| Entry {
        name: "f".into(),
        kind: EntryKind::File,
        size,
        mtime,
        perms: None,
        link_target: None,
    };
    let c = Compare::SizeAndTime;
    // A bare date (midnight) is the same day as any time that day.
    let midnight: i64 = 19_675 * 86_400;
    assert_eq!(
        needs_copy(&e(1, Some(midnight + 5000)), &e(1, Some(midnight)), c),
        None
    );
    assert_eq!(
        needs_copy(&e(1, Some(T as i64 + 59)), &e(1, Some(T as i64)), c),
        None
    );
    assert!(needs_copy(&e(1, Some(T as i64 + 61)), &e(1, Some(T as i64)), c).is_some());
    // Unknown times: size alone.
    assert_eq!(needs_copy(&e(1, None), &e(1, Some(0)), c), None);
    assert!(needs_copy(&e(2, None), &e(1, None), c).is_some());
}

#[tokio::test]
async fn deletions_only_with_the_flag_children_before_parents() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "keep", b"k", T);
    write(b.path(), "keep", b"k", T);
    write(b.path(), "gone.txt", b"g", T);
    write(b.path(), "old/x/y.txt", b"y", T);
    write(b.path(), "old/z.txt", b"z", T);
    assert!(
        plan_of(a.path(), b.path(), &Rules::default())
            .await
            .is_empty()
    );
    let rules = Rules {
        delete: true,
        ..Rules::default()
    };
    let p = plan_of(a.path(), b.path(), &rules).await;
    assert_eq!(p.count(Step::Delete), 5);
    let order: Vec<&str> = p.items.iter().map(|i| i.rel.as_str()).collect();
    let at = |r: &str| order.iter().position(|x| *x == r).expect(r);
    assert!(at("old/x/y.txt") < at("old/x"));
    assert!(at("old/x") < at("old"));
    assert!(at("old/z.txt") < at("old"));
    assert!(p.items.iter().all(|i| i.why == NOT_ON_SOURCE));
}

#[tokio::test]
async fn excluded_paths_are_neither_copied_nor_deleted() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "a.tmp", b"t", T);
    write(a.path(), "cache/big", b"c", T);
    write(a.path(), "src/main.rs", b"m", T);
    write(b.path(), "old.tmp", b"o", T);
    let rules = Rules {
        delete: true,
        filter: Filter::new(&[], &["*.tmp".into(), "cache".into()]).unwrap(),
        ..Rules::default()
    };
    let p = plan_of(a.path(), b.path(), &rules).await;
    assert_eq!(
        steps(&p),
        vec![("src".into(), "mkdir"), ("src/main.rs".into(), "copy")]
    );
}

#[cfg(unix)]
#[tokio::test]
async fn links_are_passed_over_and_a_kind_in_the_way_needs_delete() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "real/f", b"f", T);
    std::os::unix::fs::symlink(a.path().join("real"), a.path().join("link")).unwrap();
    std::os::unix::fs::symlink(".", a.path().join("real/loop")).unwrap();
    write(a.path(), "thing", b"file on the source", T);
    write(b.path(), "thing/inside", b"a directory on the target", T);
    let p = plan_of(a.path(), b.path(), &Rules::default()).await;
    let over: Vec<&str> = p.passed_over.iter().map(|(r, _)| r.as_str()).collect();
    assert!(over.contains(&"link") && over.contains(&"real/loop") && over.contains(&"thing"));
    assert!(!p.items.iter().any(|i| i.rel.starts_with("thing")));
    let rules = Rules {
        delete: true,
        ..Rules::default()
    };
    let p = plan_of(a.path(), b.path(), &rules).await;
    let order: Vec<(&str, &str)> = p
        .items
        .iter()
        .filter(|i| i.rel.starts_with("thing"))
        .map(|i| (i.rel.as_str(), i.step.name()))
        .collect();
    assert_eq!(
        order,
        vec![
            ("thing/inside", "delete"),
            ("thing", "delete"),
            ("thing", "copy")
        ]
    );
    assert!(
        p.items
            .iter()
            .filter(|i| i.step == Step::Delete)
            .all(|i| i.why == IN_THE_WAY)
    );
}

#[tokio::test]
async fn an_unreadable_source_top_is_an_error() {
    let b = tempfile::tempdir().unwrap();
    let missing = b.path().join("nope");
    let r = plan(
        &mut LocalFs,
        &s(&missing),
        &mut LocalFs,
        &s(b.path()),
        &Rules::default(),
    )
    .await;
    assert!(r.is_err());
}

#[tokio::test]
async fn by_checksum_same_size_files_are_compared_by_content() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "same", b"abc", T);
    write(b.path(), "same", b"abc", T);
    // Same size, same time, other bytes: only a digest tells.
    write(a.path(), "changed", b"abc", T);
    write(b.path(), "changed", b"abd", T);
    write(a.path(), "longer", b"abcd", T);
    write(b.path(), "longer", b"abc", T + 9999);
    let by_time = plan_of(a.path(), b.path(), &Rules::default()).await;
    assert_eq!(steps(&by_time), vec![("longer".into(), "update")]);
    let rules = Rules {
        compare: Compare::Checksum,
        ..Rules::default()
    };
    let p = plan_of(a.path(), b.path(), &rules).await;
    assert_eq!(
        steps(&p),
        vec![("changed".into(), "update"), ("longer".into(), "update")]
    );
    assert_eq!(p.checksum, Some(crate::fs::HashAlgo::Sha256));
    assert_eq!(p.compared, 2, "only the files of the same size");
    let why: Vec<&str> = p.items.iter().map(|i| i.why).collect();
    assert!(why.contains(&"content differs"), "{why:?}");
}

#[tokio::test]
async fn a_subtree_is_filtered_as_part_of_the_whole() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    write(a.path(), "docs/drafts/x.txt", b"x", T);
    write(a.path(), "docs/y.txt", b"y", T);
    let rules = Rules {
        filter: Filter::new(&[], &["docs/drafts".into()]).unwrap(),
        within: "docs".into(),
        ..Rules::default()
    };
    let p = plan_of(&a.path().join("docs"), &b.path().join("docs"), &rules).await;
    assert_eq!(
        steps(&p),
        vec![("".into(), "mkdir"), ("y.txt".into(), "copy")]
    );
}
