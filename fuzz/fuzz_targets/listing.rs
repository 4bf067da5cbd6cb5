//! Listing lines from a hostile server: the MLSD and LIST parsers must never panic, and every
//! name they return that passes `validate_name` must be a single, plain path component.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skiff::fs::validate_name;
use skiff::ftp::listing::{parse_list_line, parse_mlsd_line};

fn check(name: &str) {
    if validate_name(name).is_ok() {
        let p = std::path::Path::new("/target").join(name);
        assert_eq!(
            p.parent(),
            Some(std::path::Path::new("/target")),
            "{name:?}"
        );
        assert!(!name.chars().any(char::is_control), "{name:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for line in text.split('\n') {
        let line = line.trim_end_matches('\r');
        if let Ok(Some(e)) = parse_mlsd_line(line) {
            check(&e.name);
        }
        if let Ok(Some(e)) = parse_list_line(line, 1_790_000_000) {
            check(&e.name);
        }
    }
});
