//! Names that are not valid UTF-8, kept byte for byte.
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

fn unescape(c: char) -> Option<u8> {
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

/// The encoding of a server's names: UTF-8 (`None`) or a legacy one such as GBK or
/// windows-1252 (Latin-1), by its WHATWG label.
pub fn by_label(label: &str) -> Option<Option<&'static encoding_rs::Encoding>> {
    let l = label.trim().to_ascii_lowercase();
    if l.is_empty() || l == "utf-8" || l == "utf8" {
        return Some(None);
    }
    encoding_rs::Encoding::for_label(l.as_bytes()).map(Some)
}

/// Bytes from the server to a name: in its legacy encoding when they are valid there, else
/// as UTF-8 with escapes (so nothing is lost either way).
pub fn decode_with(enc: Option<&'static encoding_rs::Encoding>, bytes: &[u8]) -> String {
    if let Some(e) = enc
        && let Some(s) = e.decode_without_bom_handling_and_without_replacement(bytes)
    {
        return s.into_owned();
    }
    decode(bytes)
}

/// A name to the server's bytes. Escaped bytes go back as they came; other characters in the
/// legacy encoding, and one it cannot represent is an error (never a `?` in a file name).
pub fn encode_with(
    enc: Option<&'static encoding_rs::Encoding>,
    s: &str,
) -> std::io::Result<Vec<u8>> {
    let Some(e) = enc else {
        return Ok(encode(s));
    };
    let mut out = Vec::with_capacity(s.len());
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut Vec<u8>| -> std::io::Result<()> {
        if run.is_empty() {
            return Ok(());
        }
        let (bytes, _, unmappable) = e.encode(run);
        if unmappable {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{run:?} cannot be written in {}", e.name()),
            ));
        }
        out.extend_from_slice(&bytes);
        run.clear();
        Ok(())
    };
    for c in s.chars() {
        match unescape(c) {
            Some(b) => {
                flush(&mut run, &mut out)?;
                out.push(b);
            }
            None => run.push(c),
        }
    }
    flush(&mut run, &mut out)?;
    Ok(out)
}

/// The encoding of the control connection: UTF-8 (or a legacy encoding), with the escapes
/// above for bytes that do not fit.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServerEncoding(pub Option<&'static encoding_rs::Encoding>);

impl suppaftp::Encoding for ServerEncoding {
    fn decode(&self, bytes: &[u8]) -> String {
        decode_with(self.0, bytes)
    }

    fn encode(&self, text: &str) -> std::io::Result<Vec<u8>> {
        encode_with(self.0, text)
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

    #[test]
    fn legacy_encodings_round_trip_and_refuse_what_they_cannot_write() {
        let gbk = by_label("GBK").unwrap();
        let s = decode_with(gbk, b"\xc4\xe3\xba\xc3.txt");
        assert_eq!(s, "你好.txt");
        assert_eq!(encode_with(gbk, &s).unwrap(), b"\xc4\xe3\xba\xc3.txt");
        // Bytes that are not GBK still come through, escaped.
        let odd = decode_with(gbk, b"a\xff");
        assert_eq!(encode_with(gbk, &odd).unwrap(), b"a\xff");
        let latin1 = by_label("latin1").unwrap();
        assert_eq!(decode_with(latin1, b"caf\xe9"), "café");
        assert_eq!(encode_with(latin1, "café").unwrap(), b"caf\xe9");
        assert!(encode_with(latin1, "数据").is_err(), "not in Latin-1");
        assert_eq!(by_label("utf-8"), Some(None));
        assert_eq!(by_label("klingon"), None);
    }

    #[test]
    fn escapes_never_make_separators_or_controls() {
        for b in 0x80..=0xffu8 {
            let s = decode(&[b]);
            assert!(crate::fs::validate_name(&s).is_ok(), "{b:#x}");
            assert!(!s.contains(['/', '\\', '\r', '\n', '\0']));
        }
    }
}
