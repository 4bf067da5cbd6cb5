//! Reply lines from a hostile server through skiff's reply reader (the log tap that groups
//! multi-line replies and neutralises control characters) and the reply-code reader: no
//! panic, no control, bidi or invisible format character ever reaches what the terminal
//! shows, codes stay in range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skiff::ftp::logtap::mask_command;
use skiff::ftp::{LogKind, Tap, reply_code};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let tap = Tap::new("fuzz", tx);
    for line in text.split_inclusive('\n') {
        tap.reply_line(line);
        let _ = reply_code(line);
        let masked = mask_command(line.trim_end());
        assert!(!masked.chars().any(skiff::text::is_hidden), "{masked:?}");
    }
    while let Ok(e) = rx.try_recv() {
        assert!(!e.text.chars().any(skiff::text::is_hidden), "{:?}", e.text);
        if let LogKind::Reply { code, .. } = e.kind {
            assert!(code < 1000);
        }
    }
});
