//! Names that are not valid UTF-8, kept byte for byte. Neutral: a local directory, a server and
//! the panes all use it, and it imports nothing from skiff.
//!
//! skiff keeps names as Rust strings. A byte that is not part of valid UTF-8 (a Latin-1 or GBK
//! name on a server or a disk that is not UTF-8) becomes one private-use character,
//! `U+10FF00 + byte`, when it is read, and that byte again when the name is sent to the server
//! or used as a local path. So such a file is shown lossily (as `�`) but listed, downloaded,
//! uploaded and named with its original bytes. The characters `U+10FF80..=U+10FFFF` are
//! reserved for this; a name that really contains one of them is mangled (never seen in the
//! wild: plane 16 is private use).

use std::borrow::Cow;
use std::ffi::{OsStr, OsString};
use std::path::PathBuf;

/// The first escape character; only bytes 0x80..=0xFF ever need one.
const BASE: u32 = 0x10FF00;

fn escape(b: u8) -> char {
    char::from_u32(BASE + u32::from(b)).unwrap_or(char::REPLACEMENT_CHARACTER)
}

/// The byte an escape character stands for.
pub fn unescape(c: char) -> Option<u8> {
    let v = u32::from(c);
    (BASE + 0x80..=BASE + 0xFF)
        .contains(&v)
        .then(|| (v - BASE) as u8)
}

/// Bytes to a name: valid UTF-8 as it is, every other byte escaped.
pub fn decode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        out.extend(chunk.invalid().iter().map(|&b| escape(b)));
    }
    out
}

/// A name back to its original bytes.
pub fn encode(s: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    for c in s.chars() {
        match unescape(c) {
            Some(b) => out.push(b),
            None => {
                let mut buf = [0u8; 4];
                out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            }
        }
    }
    out
}

/// Whether `s` holds escaped bytes (then it is not what it looks like as UTF-8).
pub fn has_escapes(s: &str) -> bool {
    s.chars().any(|c| unescape(c).is_some())
}

/// For the screen: escaped bytes as `�`.
pub fn display(s: &str) -> Cow<'_, str> {
    if has_escapes(s) {
        Cow::Owned(
            s.chars()
                .map(|c| {
                    if unescape(c).is_some() {
                        char::REPLACEMENT_CHARACTER
                    } else {
                        c
                    }
                })
                .collect(),
        )
    } else {
        Cow::Borrowed(s)
    }
}

/// A local path (as skiff keeps it) for the file system, with its original bytes.
pub fn local_path(s: &str) -> PathBuf {
    if !has_escapes(s) {
        return PathBuf::from(s);
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        PathBuf::from(OsString::from_vec(encode(s)))
    }
    #[cfg(not(unix))]
    {
        PathBuf::from(display(s).into_owned())
    }
}

/// A name or path from the local file system, as skiff keeps it.
pub fn from_os(os: &OsStr) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        decode(os.as_bytes())
    }
    #[cfg(not(unix))]
    {
        os.to_string_lossy().into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_show_lossily() {
        for bytes in [
            b"plain.txt".to_vec(),
            b"caf\xe9.txt".to_vec(),
            "数据 ok".as_bytes().to_vec(),
            b"\xc4\xe3\xba\xc3.txt".to_vec(), // GBK for 你好
            vec![0xff, 0xfe, b'a', 0x80],
            b"half \xe6\x95".to_vec(), // a cut UTF-8 sequence
        ] {
            let s = decode(&bytes);
            assert_eq!(encode(&s), bytes, "{s:?}");
            assert_eq!(local_path(&s).as_os_str().len(), bytes.len());
            assert!(!display(&s).chars().any(|c| unescape(c).is_some()));
        }
        assert_eq!(display(&decode(b"caf\xe9.txt")), "caf\u{fffd}.txt");
        assert!(matches!(display("plain"), Cow::Borrowed(_)));
        assert!(!has_escapes("数据"));
    }
}
