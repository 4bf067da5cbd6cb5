//! The protocol seam: what the transfer worker (and the pager) need from the far side of a
//! transfer, beyond what a pane needs ([`FileSystem`]): sizes and times, a file opened for
//! reading at an offset or for writing at an offset or at its end, a streamed listing, the
//! server's own checksum when it has one, and what the far side can do.
//!
//! The FTP session implements it (`ftp::session::remote`), and so does the local disk
//! ([`super::local::LocalFs`]); the worker is generic over it. A new protocol is a module that
//! implements [`Remote`] plus its connection settings (`transfer::Connect`), with no change to
//! the queue, the panes or the UI.

use std::future::Future;

use tokio::io::{AsyncRead, AsyncWrite};

use super::{Entry, FileSystem, FsError};

/// Where a listing's entries go as they are read: straight into whatever the caller keeps (a
/// directory of 100,000 entries is never held twice).
pub trait ListSink: Send {
    /// A listing (re)starts: whatever an earlier, failed attempt delivered is void.
    fn start(&mut self);
    fn entry(&mut self, e: Entry);
    /// The line `e` was parsed from, just before `entry(e)` (for a sink that wants it).
    fn line(&mut self, _text: &str, _e: &Entry) {}
}

impl ListSink for Vec<Entry> {
    fn start(&mut self) {
        self.clear();
    }
    fn entry(&mut self, e: Entry) {
        self.push(e);
    }
}

/// Where a write starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteAt {
    /// A new file (an existing one is replaced).
    Start,
    /// Keep the first `n` bytes of the file there and write from `n` on (FTP: `REST n` +
    /// `STOR`).
    Offset(u64),
    /// At the end of the file there, whatever its length (FTP: `APPE`).
    Append,
    /// Write from byte `n` on and leave the rest of the file as it is: one range of a file
    /// several connections write at once (FTP: `REST n` + `STOR`, which only some servers
    /// take that way; see [`Capabilities::ranged_writes`]).
    Range(u64),
}

/// A content digest a server can compute for a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgo {
    Crc32,
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl HashAlgo {
    /// Strongest first: the order a client prefers them in.
    pub const PREFERRED: [HashAlgo; 5] = [
        HashAlgo::Sha256,
        HashAlgo::Sha512,
        HashAlgo::Sha1,
        HashAlgo::Md5,
        HashAlgo::Crc32,
    ];

    /// The name used by the `HASH` command's draft (`SHA-256`, `MD5`, `CRC32`…).
    pub fn name(self) -> &'static str {
        match self {
            HashAlgo::Crc32 => "CRC32",
            HashAlgo::Md5 => "MD5",
            HashAlgo::Sha1 => "SHA-1",
            HashAlgo::Sha256 => "SHA-256",
            HashAlgo::Sha512 => "SHA-512",
        }
    }

    /// How skiff computes it itself (SHA-2 and SHA-1, through `ring`); `None`: it does not.
    pub fn ring(self) -> Option<&'static ring::digest::Algorithm> {
        Some(match self {
            HashAlgo::Sha256 => &ring::digest::SHA256,
            HashAlgo::Sha512 => &ring::digest::SHA512,
            HashAlgo::Sha1 => &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
            HashAlgo::Md5 | HashAlgo::Crc32 => return None,
        })
    }

    /// A digest's bytes as lowercase hex, the way servers' replies are compared.
    pub fn hex(digest: &[u8]) -> String {
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// From a name as servers spell it (`SHA-256`, `sha256`, `SHA256`…).
    pub fn from_name(s: &str) -> Option<HashAlgo> {
        let n: String = s
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .map(|c| c.to_ascii_uppercase())
            .collect();
        Some(match n.as_str() {
            "CRC32" => HashAlgo::Crc32,
            "MD5" => HashAlgo::Md5,
            "SHA1" => HashAlgo::Sha1,
            "SHA256" => HashAlgo::Sha256,
            "SHA512" => HashAlgo::Sha512,
            _ => return None,
        })
    }
}

/// A set of digest algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Algos(u8);

impl Algos {
    fn bit(a: HashAlgo) -> u8 {
        1 << (a as u8)
    }

    pub fn contains(self, a: HashAlgo) -> bool {
        self.0 & Self::bit(a) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The strongest algorithm of the set for which `ok` holds (one skiff can compute too).
    pub fn best(self, ok: impl Fn(HashAlgo) -> bool) -> Option<HashAlgo> {
        HashAlgo::PREFERRED
            .into_iter()
            .find(|a| self.contains(*a) && ok(*a))
    }
}

impl FromIterator<HashAlgo> for Algos {
    fn from_iter<I: IntoIterator<Item = HashAlgo>>(it: I) -> Algos {
        Algos(it.into_iter().fold(0, |m, a| m | Algos::bit(a)))
    }
}

/// What the far side can do; a transfer uses the features it has and works without the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Line ends converted on the way ("ASCII mode"); without it every transfer is binary.
    pub text_mode: bool,
    /// A file's modification time can be set after an upload.
    pub set_mtime: bool,
    /// The digests the far side computes itself.
    pub checksums: Algos,
    /// A file can be read from any offset (FTP: `REST STREAM` in `FEAT`), as a segmented
    /// download's ranges are.
    pub offsets: bool,
    /// Ranges of one file can be written at once by several connections
    /// ([`WriteAt::Range`]), each leaving the others' bytes alone. Known of the local disk
    /// and vsftpd; pure-ftpd takes `REST`+`STOR` but cuts the file at the end of each, and
    /// proftpd refuses it unless `AllowStoreRestart` is on.
    pub ranged_writes: bool,
}

impl Capabilities {
    /// The strongest digest the far side computes, if any.
    pub fn checksum(&self) -> Option<HashAlgo> {
        self.checksums.best(|_| true)
    }
}

/// The far side of a transfer. Paths are absolute and `/`-separated. An implementation may
/// refuse reading or writing at an offset: the caller then starts from 0 (see
/// [`FsError::is_unsupported`]).
pub trait Remote: FileSystem + Send + 'static {
    /// An open file: read from by a download, written to by an upload, then given back to
    /// [`Remote::finish`].
    type Stream: AsyncRead + AsyncWrite + Unpin + Send;

    fn capabilities(&self) -> Capabilities;

    /// A file's size in bytes; `None` when there is no such file.
    fn size(&mut self, path: &str) -> impl Future<Output = Result<Option<u64>, FsError>> + Send;

    /// A file's modification time (seconds since the epoch, UTC), when known.
    fn mtime(&mut self, path: &str) -> impl Future<Output = Option<i64>> + Send;

    /// Set a file's modification time (only when [`Capabilities::set_mtime`]).
    fn set_mtime(
        &mut self,
        path: &str,
        secs: i64,
    ) -> impl Future<Output = Result<(), FsError>> + Send;

    /// Move the next transfers as text (line ends converted) or as bytes.
    fn set_text_mode(&mut self, text: bool) -> impl Future<Output = Result<(), FsError>> + Send;

    /// Enter a directory: its canonical path (what a recursive walk compares, see
    /// `fs::walk`), or an error when it is not one.
    fn enter(&mut self, path: &str) -> impl Future<Output = Result<String, FsError>> + Send;

    /// List a directory entry by entry into `sink`; its canonical path.
    fn list_into(
        &mut self,
        path: &str,
        sink: &mut dyn ListSink,
    ) -> impl Future<Output = Result<String, FsError>> + Send;

    /// Open a file for reading from byte `offset`.
    fn open_read(
        &mut self,
        path: &str,
        offset: u64,
    ) -> impl Future<Output = Result<Self::Stream, FsError>> + Send;

    /// Open a file for writing.
    fn open_write(
        &mut self,
        path: &str,
        at: WriteAt,
    ) -> impl Future<Output = Result<Self::Stream, FsError>> + Send;

    /// Close a stream after its last byte and learn whether the far side has it all.
    fn finish(&mut self, stream: Self::Stream) -> impl Future<Output = Result<(), FsError>> + Send;

    /// Whether [`Remote::read_next`] can save anything on this connection.
    fn reads_ahead(&self) -> bool {
        false
    }

    /// Said before [`Remote::finish`] of a download: the next thing this connection will do
    /// is [`Remote::open_read`] `path` from byte 0. A far side that can ask for it while the
    /// current transfer ends does so (FTP: the `RETR` goes out with the end of the download
    /// before); if something else comes first after all, the early request is undone, at the
    /// cost of a round trip.
    fn read_next(&mut self, _path: &str) {}

    /// Stop reading a file before its end (a segmented download's range is in): close the
    /// stream and take whatever the far side says about the cut (an FTP server says 426). An
    /// error means the connection is in no known state any more.
    fn cut(&mut self, stream: Self::Stream) -> impl Future<Output = Result<(), FsError>> + Send;

    /// The far side's own digest of a file, as lowercase hex; `None` when it computes none
    /// (or not that one).
    fn checksum(
        &mut self,
        path: &str,
        algo: HashAlgo,
    ) -> impl Future<Output = Result<Option<String>, FsError>> + Send;

    /// Say goodbye (errors do not matter any more).
    fn close(self) -> impl Future<Output = ()> + Send;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_set_of_algorithms_gives_its_strongest() {
        let set: Algos = [HashAlgo::Md5, HashAlgo::Sha1, HashAlgo::Crc32]
            .into_iter()
            .collect();
        assert!(set.contains(HashAlgo::Md5) && !set.contains(HashAlgo::Sha256));
        assert_eq!(set.best(|_| true), Some(HashAlgo::Sha1));
        assert_eq!(set.best(|a| a != HashAlgo::Sha1), Some(HashAlgo::Md5));
        assert_eq!(Algos::default().best(|_| true), None);
        assert!(Algos::default().is_empty());
    }

    #[test]
    fn algorithm_names_as_servers_spell_them() {
        for a in HashAlgo::PREFERRED {
            assert_eq!(HashAlgo::from_name(a.name()), Some(a));
        }
        assert_eq!(HashAlgo::from_name("sha256"), Some(HashAlgo::Sha256));
        assert_eq!(HashAlgo::from_name("SHA-1"), Some(HashAlgo::Sha1));
        assert_eq!(HashAlgo::from_name("crc-32"), Some(HashAlgo::Crc32));
        assert_eq!(HashAlgo::from_name("BLAKE3"), None);
    }
}
