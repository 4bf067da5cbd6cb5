//! Property tests for the names that come from listings and the paths built from them: any
//! name `validate_name` lets through stays one component inside the target directory, locally
//! and remotely, and every name a parser returns is either safe or refused.

use std::path::{Component, Path};

use proptest::prelude::*;
use skiff::fs::validate_name;
use skiff::ftp::listing::{parse_list_line, parse_mlsd_line};
use skiff::paths::remote_join;

/// Names built from the characters that make trouble, and any other text.
fn nasty_name() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::collection::vec(
            prop_oneof![
                Just(".".to_string()),
                Just("..".to_string()),
                Just("/".to_string()),
                Just("\\".to_string()),
                Just("\r".to_string()),
                Just("\n".to_string()),
                Just("\0".to_string()),
                Just("\u{1b}[2J".to_string()),
                Just(" ".to_string()),
                Just("a".to_string()),
                Just("数据".to_string()),
                Just("~".to_string()),
                Just("C:".to_string()),
            ],
            0..6
        )
        .prop_map(|parts| parts.concat()),
        any::<String>(),
    ]
}

fn stays_inside(dir: &Path, name: &str) {
    let joined = dir.join(name);
    assert!(joined.starts_with(dir), "{joined:?} left {dir:?}");
    assert_eq!(
        joined.parent(),
        Some(dir),
        "{name:?} is more than one component"
    );
    assert!(
        joined
            .components()
            .all(|c| !matches!(c, Component::ParentDir | Component::CurDir)),
        "{joined:?}"
    );
    assert_eq!(
        joined.file_name().map(|n| n.to_string_lossy().into_owned()),
        Some(name.to_string())
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn a_valid_name_is_one_component_inside_the_target(name in nasty_name()) {
        if validate_name(&name).is_ok() {
            prop_assert!(!name.is_empty() && name != "." && name != "..");
            prop_assert!(!name.contains(['/', '\\', '\r', '\n', '\0']));
            prop_assert!(!name.chars().any(char::is_control));
            stays_inside(Path::new("/tmp/target dir"), &name);
            let remote = remote_join("/srv/ftp/pub", &name);
            prop_assert_eq!(remote.strip_prefix("/srv/ftp/pub/"), Some(name.as_str()));
            let from_root = remote_join("/", &name);
            prop_assert_eq!(from_root, format!("/{name}"));
        }
    }

    #[test]
    fn names_from_listing_lines_are_safe_or_refused(name in nasty_name(), dir in any::<bool>()) {
        let kind = if dir { 'd' } else { '-' };
        let line = format!("{kind}rw-r--r-- 1 user group 42 Nov 21 12:00 {name}");
        if let Ok(Some(e)) = parse_list_line(&line, 1_790_000_000) {
            // The worker refuses what validate_name refuses; what it accepts stays inside.
            if validate_name(&e.name).is_ok() {
                stays_inside(Path::new("/tmp/t"), &e.name);
            }
        }
        let mlsd = format!("type={};size=42;modify=20261121120000; {name}", if dir { "dir" } else { "file" });
        if let Ok(Some(e)) = parse_mlsd_line(&mlsd)
            && validate_name(&e.name).is_ok()
        {
            stays_inside(Path::new("/tmp/t"), &e.name);
        }
    }

    #[test]
    fn parsers_never_panic_on_any_line(line in any::<String>()) {
        let _ = parse_list_line(&line, 0);
        let _ = parse_mlsd_line(&line);
    }
}
