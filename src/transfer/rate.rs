//! One bandwidth limit for all of an engine's transfers together (`--limit-rate`,
//! `[transfer] limit_rate`): a token bucket the workers draw from after each block they move,
//! waiting when it is empty. The limit can change while transfers run.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The shared bucket.
#[derive(Debug)]
pub struct RateLimit {
    inner: Mutex<Bucket>,
    /// Whether a limit is in force: without one, a block costs no lock.
    on: AtomicBool,
}

#[derive(Debug)]
struct Bucket {
    /// Bytes per second; 0: no limit.
    rate: u64,
    /// Bytes that may go now without waiting (negative: owed).
    tokens: f64,
    last: Instant,
}

/// How much may go at once after a quiet spell: a quarter of a second's worth, at least one
/// block.
fn burst(rate: u64) -> f64 {
    (rate as f64 / 4.0).max(256.0 * 1024.0)
}

impl Default for RateLimit {
    fn default() -> RateLimit {
        RateLimit::new(None)
    }
}

impl RateLimit {
    pub fn new(rate: Option<u64>) -> RateLimit {
        let rate = rate.unwrap_or(0);
        RateLimit {
            inner: Mutex::new(Bucket {
                rate,
                tokens: burst(rate),
                last: Instant::now(),
            }),
            on: AtomicBool::new(rate > 0),
        }
    }

    /// A new limit (`None`: none), from now on.
    pub fn set(&self, rate: Option<u64>) {
        let mut b = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        b.rate = rate.unwrap_or(0);
        b.tokens = b.tokens.min(burst(b.rate));
        b.last = Instant::now();
        self.on.store(b.rate > 0, Ordering::Relaxed);
    }

    /// The limit in force (`None`: none).
    pub fn rate(&self) -> Option<u64> {
        let b = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        Some(b.rate).filter(|&r| r > 0)
    }

    /// `n` bytes moved: how long to wait before the next block to stay within the limit.
    pub fn take(&self, n: u64) -> Duration {
        if !self.on.load(Ordering::Relaxed) {
            return Duration::ZERO;
        }
        let mut b = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if b.rate == 0 {
            return Duration::ZERO;
        }
        let now = Instant::now();
        let rate = b.rate as f64;
        let refill = now.duration_since(b.last).as_secs_f64() * rate;
        b.tokens = (b.tokens + refill).min(burst(b.rate)) - n as f64;
        b.last = now;
        if b.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-b.tokens / rate)
        }
    }
}

/// A rate as curl spells it: `500K`, `2M`, `1G` (powers of 1024) or bytes per second.
pub fn parse_rate(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (num, mul) = match t.char_indices().last() {
        Some((i, c)) if c.eq_ignore_ascii_case(&'k') => (&t[..i], 1024u64),
        Some((i, c)) if c.eq_ignore_ascii_case(&'m') => (&t[..i], 1024 * 1024),
        Some((i, c)) if c.eq_ignore_ascii_case(&'g') => (&t[..i], 1024 * 1024 * 1024),
        _ => (t, 1),
    };
    let n: f64 = num
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a rate such as 500K, 2M or 100000"))?;
    let bytes = n * mul as f64;
    if !(1.0..1e15).contains(&bytes) {
        return Err(format!("{s:?} is not a rate such as 500K, 2M or 100000"));
    }
    Ok(bytes as u64)
}

/// A rate as [`parse_rate`] reads it back: `2M`, `500K`, `100000`.
pub fn rate_label(n: u64) -> String {
    const K: u64 = 1024;
    match n {
        0 => "0".into(),
        n if n.is_multiple_of(K * K * K) => format!("{}G", n / (K * K * K)),
        n if n.is_multiple_of(K * K) => format!("{}M", n / (K * K)),
        n if n.is_multiple_of(K) => format!("{}K", n / K),
        n => n.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_label_reads_back_as_the_rate() {
        for n in [
            1,
            1000,
            1024,
            500 * 1024,
            2 * 1024 * 1024,
            1_572_864,
            3 << 30,
        ] {
            assert_eq!(parse_rate(&rate_label(n)), Ok(n), "{n}");
        }
        assert_eq!(rate_label(2 * 1024 * 1024), "2M");
    }

    #[test]
    fn rates_are_read_as_curl_writes_them() {
        assert_eq!(parse_rate("500K"), Ok(500 * 1024));
        assert_eq!(parse_rate("2m"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_rate("1.5M"), Ok(1_572_864));
        assert_eq!(parse_rate("100000"), Ok(100_000));
        assert!(parse_rate("fast").is_err());
        assert!(parse_rate("0").is_err());
        assert!(parse_rate("-2M").is_err());
    }

    #[test]
    fn the_bucket_makes_blocks_wait_for_their_share() {
        let l = RateLimit::new(Some(1024 * 1024));
        // The first quarter second's worth goes at once, then each MiB costs a second.
        assert_eq!(l.take(256 * 1024), Duration::ZERO);
        let wait = l.take(1024 * 1024);
        assert!(
            wait > Duration::from_millis(900) && wait < Duration::from_millis(1100),
            "{wait:?}"
        );
        l.set(None);
        assert_eq!(l.take(u64::MAX / 2), Duration::ZERO);
        assert_eq!(l.rate(), None);
    }
}
