//! ASCII mode (`TYPE A`): text files travel with CRLF line ends on the wire and are stored with
//! LF locally (Unix). Binary is the default; "auto" uses ASCII for known text extensions.

use serde::{Deserialize, Serialize};

/// How files are transferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransferMode {
    /// `TYPE I`: bytes as they are.
    #[default]
    Binary,
    /// `TYPE A`: line ends converted.
    Ascii,
    /// ASCII for the extensions in [`TEXT_EXTENSIONS`], binary for the rest.
    Auto,
}

/// Extensions that "auto" moves in ASCII mode.
pub const TEXT_EXTENSIONS: &[&str] = &[
    "txt",
    "text",
    "md",
    "rst",
    "csv",
    "tsv",
    "log",
    "ini",
    "cfg",
    "conf",
    "properties",
    "xml",
    "html",
    "htm",
    "css",
    "js",
    "json",
    "yml",
    "yaml",
    "toml",
    "sql",
    "sh",
    "bash",
    "py",
    "pl",
    "pm",
    "php",
    "rb",
    "c",
    "h",
    "cpp",
    "hpp",
    "java",
    "bat",
    "cmd",
    "svg",
    "tex",
];

impl TransferMode {
    /// Whether a file of this name moves in ASCII mode.
    pub fn ascii_for(self, name: &str) -> bool {
        match self {
            TransferMode::Binary => false,
            TransferMode::Ascii => true,
            TransferMode::Auto => name.rsplit_once('.').is_some_and(|(_, ext)| {
                TEXT_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
            }),
        }
    }

    /// Binary → ASCII → auto → binary.
    pub fn next(self) -> TransferMode {
        match self {
            TransferMode::Binary => TransferMode::Ascii,
            TransferMode::Ascii => TransferMode::Auto,
            TransferMode::Auto => TransferMode::Binary,
        }
    }

    pub fn parse(s: &str) -> Option<TransferMode> {
        match s {
            "binary" | "i" | "I" => Some(TransferMode::Binary),
            "ascii" | "a" | "A" => Some(TransferMode::Ascii),
            "auto" => Some(TransferMode::Auto),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TransferMode::Binary => "binary",
            TransferMode::Ascii => "ascii",
            TransferMode::Auto => "auto",
        }
    }
}

/// Local text to the wire: a LF not already after a CR becomes CRLF.
#[derive(Debug, Default)]
pub struct ToCrlf {
    last_cr: bool,
}

impl ToCrlf {
    /// Copies the runs between line feeds whole (found with `memchr`), adding a CR before a
    /// LF that has none.
    pub fn convert(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len() + input.len() / 16);
        let mut rest = input;
        while let Some(i) = memchr::memchr(b'\n', rest) {
            out.extend_from_slice(&rest[..i]);
            let cr_before = if i == 0 {
                self.last_cr
            } else {
                rest[i - 1] == b'\r'
            };
            if !cr_before {
                out.push(b'\r');
            }
            out.push(b'\n');
            self.last_cr = false;
            rest = &rest[i + 1..];
        }
        out.extend_from_slice(rest);
        if let Some(&b) = rest.last() {
            self.last_cr = b == b'\r';
        }
    }
}

/// The wire to local text: CRLF becomes LF; a CR on its own stays. A CR at the end of one
/// chunk waits for the next.
#[derive(Debug, Default)]
pub struct ToLf {
    held_cr: bool,
}

impl ToLf {
    /// Copies the runs between carriage returns whole (found with `memchr`), dropping a CR
    /// that a LF follows.
    pub fn convert(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len() + 1);
        let mut rest = input;
        if rest.is_empty() {
            return;
        }
        if std::mem::take(&mut self.held_cr) && rest[0] != b'\n' {
            out.push(b'\r');
        }
        while let Some(i) = memchr::memchr(b'\r', rest) {
            out.extend_from_slice(&rest[..i]);
            match rest.get(i + 1) {
                // The last byte: whether it pairs with a LF is for the next chunk to say.
                None => {
                    self.held_cr = true;
                    return;
                }
                Some(b'\n') => {}
                Some(_) => out.push(b'\r'),
            }
            rest = &rest[i + 1..];
        }
        out.extend_from_slice(rest);
    }

    /// The end of the data: a CR still held is written.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if std::mem::take(&mut self.held_cr) {
            out.push(b'\r');
        }
    }
}

/// Whether bytes look like something other than text (a NUL, or many control characters):
/// moving them in ASCII mode would damage them.
pub fn looks_binary(head: &[u8]) -> bool {
    let sample = &head[..head.len().min(8192)];
    if sample.contains(&0) {
        return true;
    }
    let odd = sample
        .iter()
        .filter(|&&b| b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x1b))
        .count();
    odd * 10 > sample.len().max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn up(chunks: &[&[u8]]) -> Vec<u8> {
        let mut c = ToCrlf::default();
        let mut out = Vec::new();
        for ch in chunks {
            c.convert(ch, &mut out);
        }
        out
    }

    fn down(chunks: &[&[u8]]) -> Vec<u8> {
        let mut c = ToLf::default();
        let mut out = Vec::new();
        for ch in chunks {
            c.convert(ch, &mut out);
        }
        c.finish(&mut out);
        out
    }

    #[test]
    fn line_ends_both_ways_across_chunk_boundaries() {
        let local = b"a\nb\r\nc\rd\n\n";
        let wire = b"a\r\nb\r\nc\rd\r\n\r\n";
        assert_eq!(up(&[local]), wire);
        assert_eq!(down(&[wire]), b"a\nb\nc\rd\n\n");
        // Every split point gives the same result.
        for i in 0..=wire.len() {
            assert_eq!(
                down(&[&wire[..i], &wire[i..]]),
                b"a\nb\nc\rd\n\n",
                "split at {i}"
            );
        }
        for i in 0..=local.len() {
            assert_eq!(up(&[&local[..i], &local[i..]]), wire, "split at {i}");
        }
        assert_eq!(down(&[b"end\r"]), b"end\r");
        assert_eq!(up(&[b""]), b"");
    }

    /// The byte-at-a-time definitions the block-copying converters must agree with.
    fn up_by_byte(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut last_cr = false;
        for &b in input {
            if b == b'\n' && !last_cr {
                out.push(b'\r');
            }
            out.push(b);
            last_cr = b == b'\r';
        }
        out
    }

    fn down_by_byte(input: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < input.len() {
            if input[i] == b'\r' && input.get(i + 1) == Some(&b'\n') {
                i += 1;
                continue;
            }
            out.push(input[i]);
            i += 1;
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn block_copies_agree_with_the_byte_definitions(
            // Mostly CR, LF and letters, so every pairing occurs.
            data in proptest::collection::vec(
                proptest::sample::select(vec![b'\r', b'\n', b'a', b'b', 0u8]),
                0..200,
            ),
            cuts in proptest::collection::vec(0usize..200, 0..6),
        ) {
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(data.len())).collect();
            cuts.sort_unstable();
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut from = 0;
            for c in cuts {
                chunks.push(&data[from..c]);
                from = c;
            }
            chunks.push(&data[from..]);
            proptest::prop_assert_eq!(up(&chunks), up_by_byte(&data));
            proptest::prop_assert_eq!(down(&chunks), down_by_byte(&data));
        }
    }

    #[test]
    fn modes_and_binary_detection() {
        assert!(!TransferMode::Binary.ascii_for("a.txt"));
        assert!(TransferMode::Ascii.ascii_for("a.zip"));
        assert!(TransferMode::Auto.ascii_for("README.TXT"));
        assert!(TransferMode::Auto.ascii_for("index.html"));
        assert!(!TransferMode::Auto.ascii_for("photo.jpg"));
        assert!(!TransferMode::Auto.ascii_for("Makefile"));
        assert_eq!(
            TransferMode::Binary.next().next().next(),
            TransferMode::Binary
        );
        assert!(looks_binary(b"PK\x03\x04\x00\x00"));
        assert!(!looks_binary(b"hello\r\nworld\t1\n"));
        assert!(looks_binary(&[1, 2, 3, 4, 5, 6, b'a']));
    }
}
