//! Recent connections: newest first, no duplicates, bounded.

use super::*;

#[test]
fn recent_is_newest_first_deduplicated_and_bounded() {
    let dir = tmp();
    let store = Store::at(dir.path());
    let entry = |host: &str, user: Option<&str>, at: i64| RecentEntry {
        host: host.into(),
        port: 21,
        user: user.map(str::to_string),
        protocol: Protocol::Ftps,
        remote_dir: Some("/pub".into()),
        at_unix: at,
    };
    for i in 0..25 {
        store
            .push_recent(entry(&format!("h{i}"), Some("u"), 100 + i))
            .expect("push");
    }
    let list = store.recent();
    assert_eq!(list.len(), RECENT_MAX);
    assert_eq!(list[0].host, "h24");
    assert_eq!(list[19].host, "h5");
    // Same user@host:port again moves to the front instead of adding a row.
    store
        .push_recent(entry("H10", Some("u"), 200))
        .expect("push");
    let list = store.recent();
    assert_eq!(list.len(), RECENT_MAX);
    assert_eq!(list[0].host, "H10");
    assert_eq!(list.iter().filter(|e| e.key() == "u@h10:21").count(), 1);
    // A different user is a different entry.
    store.push_recent(entry("h24", None, 300)).expect("push");
    assert_eq!(store.recent()[0].key(), "anonymous@h24:21");
    assert_eq!(store.recent()[1].key(), "u@h10:21");
    assert_eq!(store.recent()[0].remote_dir.as_deref(), Some("/pub"));
    assert!(!store.path().exists(), "recent connections live apart");
    // Bad entries are refused; a broken file is an empty list and is backed up on push.
    assert!(store.push_recent(entry("a b", None, 1)).is_err());
    fs::write(store.recent_path(), "[[recent]\n").expect("break");
    assert!(store.recent().is_empty());
    store.push_recent(entry("z", None, 5)).expect("push");
    assert_eq!(store.recent().len(), 1);
    assert!(
        fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .any(|e| e
                .file_name()
                .to_string_lossy()
                .starts_with("recent.toml.bak-"))
    );
}
