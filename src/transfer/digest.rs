//! A file's digest computed while its bytes stream through a transfer, on a thread of its own
//! so that hashing overlaps with the network (`--verify`): the worker hands each block over
//! (a copy into a recycled buffer) and reads the result after the last one.

use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use crate::fs::HashAlgo;

/// Whether skiff can compute `algo` itself (see [`HashAlgo::ring`]).
pub fn computable(algo: HashAlgo) -> bool {
    algo.ring().is_some()
}

/// Blocks in flight between the worker and the hashing thread.
const IN_FLIGHT: usize = 8;

/// A digest being computed on its own thread.
pub struct Digester {
    pub algo: HashAlgo,
    tx: Option<SyncSender<Vec<u8>>>,
    /// Buffers the thread is done with, for the next blocks.
    back: Receiver<Vec<u8>>,
    thread: Option<JoinHandle<String>>,
}

impl Digester {
    /// Start hashing with `algo`; `None` when skiff cannot compute it or no thread starts.
    pub fn start(algo: HashAlgo) -> Option<Digester> {
        let ralgo = algo.ring()?;
        let (tx, rx) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (back_tx, back) = sync_channel::<Vec<u8>>(IN_FLIGHT + 2);
        let thread = std::thread::Builder::new()
            .name("skiff-digest".into())
            .spawn(move || {
                let mut ctx = ring::digest::Context::new(ralgo);
                for block in rx {
                    ctx.update(&block);
                    let _ = back_tx.try_send(block);
                }
                HashAlgo::hex(ctx.finish().as_ref())
            })
            .ok()?;
        Some(Digester {
            algo,
            tx: Some(tx),
            back,
            thread: Some(thread),
        })
    }

    /// Add bytes (waits when the thread is `IN_FLIGHT` blocks behind).
    pub fn feed(&mut self, bytes: &[u8]) {
        let mut block = self.back.try_recv().unwrap_or_default();
        block.clear();
        block.extend_from_slice(bytes);
        if let Some(tx) = &self.tx {
            let _ = tx.send(block);
        }
    }

    /// Add the first `len` bytes of `file` (the part of a resumed transfer that is already
    /// there), reading from its start; the file's position is left at `len`.
    pub fn feed_prefix(&mut self, file: &mut std::fs::File, len: u64) -> std::io::Result<()> {
        use std::io::{Read, Seek, SeekFrom};
        file.seek(SeekFrom::Start(0))?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut left = len;
        while left > 0 {
            let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
            let n = file.read(&mut buf[..want])?;
            if n == 0 {
                return Err(std::io::Error::from(std::io::ErrorKind::UnexpectedEof));
            }
            self.feed(&buf[..n]);
            left -= n as u64;
        }
        file.seek(SeekFrom::Start(len))?;
        Ok(())
    }

    /// The digest of everything fed, as lowercase hex.
    pub fn finish(mut self) -> Option<String> {
        drop(self.tx.take());
        self.thread.take()?.join().ok()
    }
}

impl Drop for Digester {
    fn drop(&mut self) {
        // An abandoned digest: let the thread end on its own.
        drop(self.tx.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_match_the_known_values_in_any_block_sizes() {
        let data: Vec<u8> = (0..1_000_000u32).map(|i| (i % 251) as u8).collect();
        let whole = |algo| {
            let mut d = Digester::start(algo).expect("starts");
            d.feed(&data);
            d.finish().expect("a digest")
        };
        let pieces = |algo| {
            let mut d = Digester::start(algo).expect("starts");
            for c in data.chunks(7919) {
                d.feed(c);
            }
            d.finish().expect("a digest")
        };
        for algo in [HashAlgo::Sha256, HashAlgo::Sha512, HashAlgo::Sha1] {
            assert_eq!(whole(algo), pieces(algo), "{algo:?}");
        }
        let mut d = Digester::start(HashAlgo::Sha256).expect("starts");
        d.feed(b"hello\n");
        assert_eq!(
            d.finish().as_deref(),
            Some("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        );
        assert!(Digester::start(HashAlgo::Md5).is_none());
        assert!(!computable(HashAlgo::Crc32));
    }

    #[test]
    fn a_resumed_prefix_is_read_from_the_start() {
        use std::io::{Seek, Write};
        let mut f = tempfile::tempfile().expect("temp");
        f.write_all(b"hello\nworld").expect("write");
        f.seek(std::io::SeekFrom::Start(3)).expect("seek");
        let mut d = Digester::start(HashAlgo::Sha256).expect("starts");
        d.feed_prefix(&mut f, 6).expect("prefix");
        assert_eq!(f.stream_position().expect("pos"), 6);
        assert_eq!(
            d.finish().as_deref(),
            Some("5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        );
    }
}
