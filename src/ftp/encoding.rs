//! The encoding of a server's names: UTF-8 or a legacy one (GBK, Latin-1…), on top of the byte
//! escapes of [`crate::names`] (a byte that is not valid in the encoding is kept as one).

use crate::names::{decode, encode, unescape};

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
    use crate::names::decode;

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
