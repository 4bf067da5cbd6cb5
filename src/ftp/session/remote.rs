//! The FTP session as the far side of a transfer ([`Remote`]): `SIZE`, `MDTM`, `MFMT`,
//! `TYPE`, `CWD`+`PWD`, streamed listings, `REST`+`RETR`, `STOR`/`REST`+`STOR`/`APPE`, and the
//! server's checksums (the draft `HASH` command, else `XSHA256`, `XSHA1`, `XMD5`, `XCRC`).

use super::*;
use crate::fs::{Algos, Capabilities, HashAlgo, Remote, WriteAt};

impl FtpSession {
    /// `MDTM path` as seconds since the epoch (UTC), if the server says.
    pub async fn mdtm(&mut self, path: &str) -> Option<i64> {
        let line = self.quote(&format!("MDTM {path}"), &[213]).await.ok()?;
        pipeline::mdtm_of(&line)
    }
}

/// Whether a server reads no command before it has answered the one before, a transfer's
/// included: what commands sent together (`pipeline`) and a `RETR` sent ahead (see
/// `FtpSession::finish`) need. Known of vsftpd, proftpd and pure-ftpd (each session one
/// process, reading its control connection only between commands), told by their greetings;
/// not of others: libunftp (skiff's demo server) answers `SIZE` and `MDTM` sent together in
/// either order, and an `EPSV` sent after a download's data before that download's `226`.
pub(super) fn answers_in_turn(welcome: &str) -> bool {
    ["vsFTPd", "ProFTPD", "Pure-FTPd"]
        .iter()
        .any(|name| welcome.contains(name))
}

/// Whether a server reads no command until an upload's data has all come in and been
/// answered, so that an `EPSV` sent as the upload's data connection closes is answered after
/// its `226`. Known of vsftpd; not of proftpd and pure-ftpd, which read commands during a
/// transfer and answer such an `EPSV` with `450 EPSV: data transfer in progress` before the
/// upload's `226` (seen with a 3 MB upload; downloads are safe: the `EPSV` goes out only once
/// the server has closed the data connection).
pub(super) fn reads_nothing_during_uploads(welcome: &str) -> bool {
    welcome.contains("vsFTPd")
}

/// What a server's `FEAT` offers for transfers, read once at login: the digests of `HASH`
/// (its list), those of the older one-algorithm commands, and `MFMT`.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Offer {
    by_hash: Algos,
    by_x: Algos,
    mfmt: bool,
    /// `REST STREAM`: a download may start at any offset.
    rest: bool,
}

impl Offer {
    /// From the `FEAT` keywords (upper case), the algorithms of its `HASH` line and whether
    /// its `REST` line says `STREAM`.
    pub(super) fn from_features(features: &[String], by_hash: Vec<HashAlgo>, rest: bool) -> Offer {
        let has = |name: &str| features.iter().any(|f| f == name);
        Offer {
            by_hash: by_hash.into_iter().collect(),
            by_x: HashAlgo::PREFERRED
                .into_iter()
                .filter(|a| has(x_command(*a)))
                .collect(),
            mfmt: has("MFMT"),
            rest,
        }
    }
}

/// The algorithms of a `HASH` feature line's argument (`SHA-1;SHA-256*;MD5`: the `*` marks the
/// one selected now).
pub(super) fn hash_list(args: &str) -> Vec<HashAlgo> {
    args.split(';')
        .filter_map(|a| HashAlgo::from_name(a.trim().trim_end_matches('*')))
        .collect()
}

/// What a checksum command's reply says, for a person: the algorithm, the digest and, for
/// `HASH`, the byte range it covers. `None` for another command or a reply without a digest.
pub fn digest_of_reply(verb: &str, line: &str) -> Option<(HashAlgo, String, Option<String>)> {
    let algo = match verb.to_ascii_uppercase().as_str() {
        "HASH" => {
            let mut words = line.get(4..)?.split_whitespace();
            let algo = HashAlgo::from_name(words.next()?)?;
            let range = words.next()?.to_string();
            let digest = hex_digest(words.next()?, algo)?;
            return Some((algo, digest, Some(range)));
        }
        "XCRC" => HashAlgo::Crc32,
        "XMD5" => HashAlgo::Md5,
        "XSHA" | "XSHA1" => HashAlgo::Sha1,
        "XSHA256" => HashAlgo::Sha256,
        "XSHA512" => HashAlgo::Sha512,
        _ => return None,
    };
    Some((algo, parse_x_reply(line, algo)?, None))
}

/// The one-algorithm command for `algo` (`XSHA256`…).
fn x_command(algo: HashAlgo) -> &'static str {
    match algo {
        HashAlgo::Crc32 => "XCRC",
        HashAlgo::Md5 => "XMD5",
        HashAlgo::Sha1 => "XSHA1",
        HashAlgo::Sha256 => "XSHA256",
        HashAlgo::Sha512 => "XSHA512",
    }
}

/// The digest in a `HASH` reply: `213 SHA-256 0-49 169cd2…e9dd name` (algorithm, byte range,
/// digest, name). Only a digest of the whole file, of the algorithm asked for, counts.
pub(crate) fn parse_hash_reply(line: &str, algo: HashAlgo, size: Option<u64>) -> Option<String> {
    let mut words = line.get(4..)?.split_whitespace();
    if HashAlgo::from_name(words.next()?)? != algo {
        return None;
    }
    let (from, to) = words.next()?.split_once('-')?;
    if from != "0" {
        return None;
    }
    // The range's end is the last byte's offset (the draft's example) or the length (some
    // servers); for an empty file it is 0 either way.
    if let (Some(size), Ok(to)) = (size, to.parse::<u64>())
        && to != size
        && to + 1 != size
        && !(size == 0 && to == 0)
    {
        return None;
    }
    hex_digest(words.next()?, algo)
}

/// The digest in an `XSHA256`/`XMD5`… reply: the first word after the code that is a hex
/// string of the algorithm's length (servers differ in what else they put on the line).
pub(crate) fn parse_x_reply(line: &str, algo: HashAlgo) -> Option<String> {
    line.get(4..)?
        .split_whitespace()
        .find_map(|w| hex_digest(w, algo))
}

fn hex_digest(w: &str, algo: HashAlgo) -> Option<String> {
    let len = match algo {
        HashAlgo::Crc32 => 8,
        HashAlgo::Md5 => 32,
        HashAlgo::Sha1 => 40,
        HashAlgo::Sha256 => 64,
        HashAlgo::Sha512 => 128,
    };
    (w.len() == len && w.bytes().all(|b| b.is_ascii_hexdigit())).then(|| w.to_ascii_lowercase())
}

impl Remote for FtpSession {
    type Stream = DataStream;

    fn capabilities(&self) -> Capabilities {
        let o = self.offer;
        Capabilities {
            text_mode: true,
            set_mtime: o.mfmt,
            checksums: HashAlgo::PREFERRED
                .into_iter()
                .filter(|a| o.by_hash.contains(*a) || o.by_x.contains(*a))
                .collect(),
            offsets: o.rest,
            // vsftpd writes a `REST`+`STOR` range into the file there and leaves the rest
            // (checked against vsftpd 3.0.3 here); servers are told apart by their greeting,
            // and one whose banner says nothing gets one stream.
            ranged_writes: o.rest && self.welcome.contains("vsFTPd"),
        }
    }

    async fn size(&mut self, path: &str) -> Result<Option<u64>, FsError> {
        Ok(FtpSession::size(self, path).await?)
    }

    async fn mtime(&mut self, path: &str) -> Option<i64> {
        self.mdtm(path).await
    }

    async fn set_mtime(&mut self, path: &str, secs: i64) -> Result<(), FsError> {
        Ok(self.mfmt(path, secs).await?)
    }

    async fn set_text_mode(&mut self, text: bool) -> Result<(), FsError> {
        Ok(self.set_ascii(text).await?)
    }

    async fn enter(&mut self, path: &str) -> Result<String, FsError> {
        Ok(self.cwd_to(path).await?)
    }

    async fn list_into(&mut self, path: &str, sink: &mut dyn ListSink) -> Result<String, FsError> {
        let pwd = self.cwd_to(path).await?;
        self.list_cwd_into(sink).await?;
        Ok(pwd)
    }

    async fn open_read(&mut self, path: &str, offset: u64) -> Result<DataStream, FsError> {
        Ok(self.retr(path, offset).await?)
    }

    fn reads_ahead(&self) -> bool {
        self.own_passive_data() && !self.ascii && self.in_turn
    }

    fn read_next(&mut self, path: &str) {
        // A name the server's encoding cannot carry is not sent ahead (it would fail the
        // end of the download before it, not its own).
        if Remote::reads_ahead(self)
            && check_line(path).is_ok()
            && crate::ftp::encoding::encode_with(self.opts.encoding, path).is_ok()
        {
            self.read_next = Some(path.to_string());
        }
    }

    async fn open_write(&mut self, path: &str, at: WriteAt) -> Result<DataStream, FsError> {
        Ok(match at {
            WriteAt::Start => self.stor(path, 0, false).await?,
            WriteAt::Offset(n) | WriteAt::Range(n) => self.stor(path, n, false).await?,
            WriteAt::Append => self.stor(path, 0, true).await?,
        })
    }

    async fn finish(&mut self, stream: DataStream) -> Result<(), FsError> {
        Ok(FtpSession::finish(self, stream).await?)
    }

    async fn cut(&mut self, stream: DataStream) -> Result<(), FsError> {
        Ok(FtpSession::cut(self, stream).await?)
    }

    async fn checksum(&mut self, path: &str, algo: HashAlgo) -> Result<Option<String>, FsError> {
        let Offer { by_hash, by_x, .. } = self.offer;
        if by_hash.contains(algo) {
            self.quote(&format!("OPTS HASH {}", algo.name()), &[200])
                .await?;
            let size = FtpSession::size(self, path).await?;
            let line = self.quote(&format!("HASH {path}"), &[213]).await?;
            return Ok(parse_hash_reply(&line, algo, size));
        }
        if by_x.contains(algo) {
            let line = self
                .quote(&format!("{} {path}", x_command(algo)), &[213, 250])
                .await?;
            return Ok(parse_x_reply(&line, algo));
        }
        Ok(None)
    }

    async fn close(self) {
        self.quit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "169cd22282da7f147cb491e559e9dd169cd22282da7f147cb491e559e9ddabcd";

    #[test]
    fn a_hash_reply_counts_only_for_the_whole_file_and_the_algorithm_asked() {
        let line = format!("213 SHA-256 0-49 {SHA} hash.txt");
        assert_eq!(
            parse_hash_reply(&line, HashAlgo::Sha256, Some(50)).as_deref(),
            Some(SHA)
        );
        // The range's end as a length is accepted too; a part of the file is not.
        let line = format!("213 SHA-256 0-50 {SHA} hash.txt");
        assert!(parse_hash_reply(&line, HashAlgo::Sha256, Some(50)).is_some());
        let line = format!("213 SHA-256 0-20 {SHA} hash.txt");
        assert_eq!(parse_hash_reply(&line, HashAlgo::Sha256, Some(50)), None);
        let line = format!("213 SHA-256 10-49 {SHA} hash.txt");
        assert_eq!(parse_hash_reply(&line, HashAlgo::Sha256, Some(50)), None);
        // Another algorithm than the one asked for, or a digest of the wrong length.
        let line = format!("213 SHA-1 0-49 {SHA} hash.txt");
        assert_eq!(parse_hash_reply(&line, HashAlgo::Sha256, Some(50)), None);
        assert_eq!(
            parse_hash_reply("213 SHA-256 0-49 abc f", HashAlgo::Sha256, Some(50)),
            None
        );
        assert_eq!(parse_hash_reply("213", HashAlgo::Sha256, None), None);
    }

    #[test]
    fn a_checksum_reply_is_told_for_a_person() {
        let (a, d, r) =
            digest_of_reply("hash", &format!("213 SHA-256 0-49 {SHA} hash.txt")).expect("hash");
        assert_eq!(
            (a, d.as_str(), r.as_deref()),
            (HashAlgo::Sha256, SHA, Some("0-49"))
        );
        let (a, d, r) =
            digest_of_reply("XMD5", "250 D41D8CD98F00B204E9800998ECF8427E").expect("md5");
        assert_eq!(
            (a, d.as_str(), r),
            (HashAlgo::Md5, "d41d8cd98f00b204e9800998ecf8427e", None)
        );
        assert_eq!(digest_of_reply("SIZE", "213 4"), None);
        assert_eq!(digest_of_reply("XSHA256", "250 nope"), None);
    }

    #[test]
    fn an_x_reply_gives_the_first_digest_of_the_right_length() {
        assert_eq!(
            parse_x_reply("250 D41D8CD98F00B204E9800998ECF8427E", HashAlgo::Md5).as_deref(),
            Some("d41d8cd98f00b204e9800998ecf8427e")
        );
        assert_eq!(
            parse_x_reply("213 file.bin 0a1b2c3d", HashAlgo::Crc32).as_deref(),
            Some("0a1b2c3d")
        );
        assert_eq!(parse_x_reply("250 not-a-digest", HashAlgo::Md5), None);
    }
}
