//! skiff's transfer benchmark against a real FTP server on loopback, side by side with curl and
//! lftp. `bench/run.sh` creates the data and sets everything up; run alone with
//!
//! ```text
//! SKIFF_BENCH_XFER_URL=ftp://USER:PASS@127.0.0.1:2121 SKIFF_BENCH_XFER_DIR=/abs/xfer \
//!   SKIFF_BENCH_QUEUE_DIR=/abs/big100k cargo bench --bench xfer
//! ```
//!
//! `SKIFF_BENCH_XFER_DIR` is a directory on this machine that the server also serves under the
//! same absolute path (vsftpd without chroot): `src/big.bin`, `src/tree2k/`, `one/big.bin`,
//! `up/` (writable by the FTP user) and `dl/`. Uploads are checked by reading `up/` directly.
//!
//! Parts (`SKIFF_BENCH_PARTS`, default `big,tree,tui,queue,ascii`; they run in the order big,
//! tui, tree, ascii, queue):
//! - `big`: one file (1 GiB), download and upload: `skiff get|put --quiet` (default parallel)
//!   vs `curl -s -o FILE URL` / `curl -s -T FILE URL`, alternating which tool goes first,
//!   `SKIFF_BENCH_ROUNDS` rounds (5). Every copy is compared byte for byte with the source,
//!   then deleted; uploads go to fresh names. Peak RSS, user and system CPU of every run from
//!   `wait4`'s rusage.
//! - `tree`: 2,000 files of 8 KiB in 20 directories, `skiff get|put --parallel 8` vs
//!   `lftp -e 'mirror -P 8 SRC DST'` (`mirror -R -P 8` up), fresh destinations,
//!   `SKIFF_BENCH_TREE_ROUNDS` rounds (5). Every copy is checked: file and directory counts,
//!   total bytes and a hash over every path and content, against the source.
//! - `tui`: skiff in a pseudo-terminal (120×36) showing `one/`; `F5` on `big.bin` downloads it
//!   to the local pane's directory; meanwhile `j`/`k` alternately in the local pane, each time
//!   measuring send → the screen showing the moved cursor. The transfer's time is F5 → `big.bin`
//!   (no `.part`) existing; each round also runs `skiff get` of the same file for the
//!   same-round throughput ratio. `SKIFF_BENCH_TUI_RUNS` rounds (5), then
//!   `SKIFF_BENCH_TUI_QUIET_RUNS` (2) without key presses, to tell their cost apart. The TUI's
//!   CPU time from F5 to the end is read from /proc (whole process, and by thread name).
//! - `queue`: `skiff get --parallel 8` of `SKIFF_BENCH_QUEUE_DIR` (100,000 empty files), once,
//!   with VmRSS sampled every 0.5 s and the peak from rusage; stopped after
//!   `SKIFF_BENCH_QUEUE_TIMEOUT` seconds (600).
//!
//! - `ascii`: a text file of `SKIFF_BENCH_TEXT_MB` MiB (64) in ASCII mode (`TYPE A`), made
//!   by the bench in two copies, CRLF and LF line ends. Download of the CRLF copy (vsftpd sends
//!   it as stored, so CRLF is on the wire) into LF: `skiff get --type ascii` vs curl with
//!   `;type=A` vs `lftp get -a`; upload of the LF copy with CRLF on the wire: `skiff put --type
//!   ascii` vs `curl -B --crlf -T` vs `lftp put -a`. Each result is compared with the copy it
//!   should equal; a tool that does not convert is reported as such, not failed.
//!
//! - `wan`: through a delay proxy (25 ms each way, 40 Mbit/s per connection): 100 MiB with
//!   `skiff get` vs `lftp pget -n 4` vs curl, and the tree vs `lftp mirror -P 8`; on loopback
//!   the 1 GiB file with segments on and off vs curl, and `--limit-rate 2M` (see `xfer/wan.rs`).
//!
//! Before every timed run: outputs deleted, `sync`, 100 ms pause. `SKIFF_BENCH_BIN` overrides
//! the skiff binary (default: the one Cargo built for this bench).

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/delay.rs"]
mod delay;
#[path = "support/mod.rs"]
mod support;
#[path = "xfer/wan.rs"]
mod wan;

use std::hash::Hasher;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Side, SkiffScreen, Spawn};
use support::{clk_tck, env_num, median, percentile, proc_status_kb};

const MIB: f64 = 1024.0 * 1024.0;

// ---------------------------------------------------------------- configuration

#[derive(Clone)]
struct Config {
    user: String,
    password: String,
    host: String,
    port: u16,
    dir: PathBuf,
    queue_dir: Option<PathBuf>,
    queue_count: usize,
    parts: Vec<String>,
    rounds: usize,
    tree_rounds: usize,
    tui_runs: usize,
    tui_quiet_runs: usize,
    queue_timeout: Duration,
    bin: PathBuf,
    text_mb: u64,
    /// A server with checksums (proftpd with mod_digest) for the `verify` part:
    /// `ftp://user:pass@host:port` (SKIFF_BENCH_VERIFY_URL).
    verify_url: Option<String>,
}

impl Config {
    fn from_env() -> Result<Option<Config>, String> {
        let Ok(url) = std::env::var("SKIFF_BENCH_XFER_URL") else {
            return Ok(None);
        };
        let rest = url
            .strip_prefix("ftp://")
            .ok_or_else(|| format!("SKIFF_BENCH_XFER_URL is not ftp://…: {url}"))?;
        let authority = rest.split('/').next().unwrap_or("");
        let (creds, hostport) = authority
            .rsplit_once('@')
            .ok_or("SKIFF_BENCH_XFER_URL needs user:password@")?;
        let (user, password) = creds
            .split_once(':')
            .ok_or("SKIFF_BENCH_XFER_URL needs a password")?;
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| format!("bad port in {url}"))?),
            None => (hostport, 21),
        };
        let dir = PathBuf::from(
            std::env::var("SKIFF_BENCH_XFER_DIR").map_err(|_| "SKIFF_BENCH_XFER_DIR is not set")?,
        );
        if !dir.is_absolute() {
            return Err("SKIFF_BENCH_XFER_DIR must be absolute".into());
        }
        let parts = std::env::var("SKIFF_BENCH_PARTS")
            .unwrap_or_else(|_| "big,tree,tui,queue,ascii,sync,verify,wan".into())
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        Ok(Some(Config {
            user: user.to_string(),
            password: password.to_string(),
            host: host.to_string(),
            port,
            dir,
            queue_dir: std::env::var_os("SKIFF_BENCH_QUEUE_DIR").map(PathBuf::from),
            queue_count: env_num("SKIFF_BENCH_COUNT", 100_000),
            parts,
            rounds: env_num("SKIFF_BENCH_ROUNDS", 5usize).max(1),
            tree_rounds: env_num("SKIFF_BENCH_TREE_ROUNDS", 5usize).max(1),
            tui_runs: env_num("SKIFF_BENCH_TUI_RUNS", 5usize).max(1),
            tui_quiet_runs: env_num("SKIFF_BENCH_TUI_QUIET_RUNS", 2usize),
            queue_timeout: Duration::from_secs(env_num("SKIFF_BENCH_QUEUE_TIMEOUT", 600u64)),
            text_mb: env_num("SKIFF_BENCH_TEXT_MB", 64u64).max(1),
            verify_url: std::env::var("SKIFF_BENCH_VERIFY_URL")
                .ok()
                .map(|u| u.trim_end_matches('/').to_string()),
            bin: std::env::var_os("SKIFF_BENCH_BIN")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_skiff"))),
        }))
    }

    fn part(&self, p: &str) -> bool {
        self.parts.iter().any(|x| x == p)
    }

    /// `ftp://USER[:PASS]@HOST:PORT//abs/path`: an absolute path (double slash), as curl and
    /// skiff read it.
    fn url(&self, abs: &Path, with_password: bool) -> String {
        let pw = if with_password {
            format!(":{}", self.password)
        } else {
            String::new()
        };
        format!(
            "ftp://{}{pw}@{}:{}/{}",
            self.user,
            self.host,
            self.port,
            abs.display()
        )
    }

    fn src_big(&self) -> PathBuf {
        self.dir.join("src/big.bin")
    }
    fn src_tree(&self) -> PathBuf {
        self.dir.join("src/tree2k")
    }
    fn up(&self) -> PathBuf {
        self.dir.join("up")
    }
    fn dl(&self) -> PathBuf {
        self.dir.join("dl")
    }
}

// ---------------------------------------------------------------- running a command

#[repr(C)]
#[derive(Default)]
struct Timeval {
    sec: i64,
    usec: i64,
}

/// `struct rusage` on 64-bit Linux.
#[repr(C)]
#[derive(Default)]
struct Rusage {
    utime: Timeval,
    stime: Timeval,
    maxrss: i64,
    ixrss: i64,
    idrss: i64,
    isrss: i64,
    minflt: i64,
    majflt: i64,
    nswap: i64,
    inblock: i64,
    oublock: i64,
    msgsnd: i64,
    msgrcv: i64,
    nsignals: i64,
    nvcsw: i64,
    nivcsw: i64,
}

unsafe extern "C" {
    fn wait4(pid: i32, status: *mut i32, options: i32, rusage: *mut Rusage) -> i32;
}

/// VmRSS samples: (seconds since the start, kB).
type Samples = Mutex<Vec<(f64, u64)>>;

/// One timed run of a command.
#[derive(Clone, Copy, Default)]
struct Run {
    wall: f64,
    /// CPU seconds in user and kernel mode.
    user: f64,
    sys: f64,
    maxrss_kb: u64,
    /// Voluntary and involuntary context switches.
    vcsw: u64,
    ivcsw: u64,
    /// CPU the whole machine was busy during the run (every core, from /proc/stat: the
    /// client, the server, the kernel's network and disk work, anything else), seconds.
    machine: Option<f64>,
}

impl Run {
    fn ms(&self) -> f64 {
        self.wall * 1000.0
    }
}

/// Run `argv` (stdout discarded, stderr kept for errors), timed from spawn to exit, reaped
/// with `wait4` for its rusage. With `sample`, VmRSS is read every 0.5 s while it runs.
/// `timeout` kills it (SIGKILL) and fails.
fn run_cmd(
    argv: &[String],
    env: &[(&str, &str)],
    scratch: &Path,
    sample: Option<&Samples>,
    timeout: Option<Duration>,
) -> Result<Run, String> {
    let err_path = scratch.join("stderr");
    let err_file = std::fs::File::create(&err_path).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env("HOME", scratch)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(err_file);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let t0 = Instant::now();
    let child = cmd.spawn().map_err(|e| format!("{}: {e}", argv[0]))?;
    let pid = child.id() as i32;
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = if sample.is_some() || timeout.is_some() {
        let stop = stop.clone();
        let samples: Option<Arc<Samples>> = sample.map(|_| Arc::new(Mutex::new(Vec::new())));
        let out = samples.clone();
        let h = std::thread::spawn(move || {
            let mut next = Instant::now();
            while !stop.load(Ordering::Relaxed) {
                if let Some(s) = &samples
                    && Instant::now() >= next
                {
                    if let Some(kb) = proc_status_kb(pid as u32, "VmRSS") {
                        s.lock().unwrap().push((t0.elapsed().as_secs_f64(), kb));
                    }
                    next += Duration::from_millis(500);
                }
                if timeout.is_some_and(|t| t0.elapsed() > t) {
                    let _ = Command::new("kill")
                        .arg("-KILL")
                        .arg(pid.to_string())
                        .status();
                    return true;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            false
        });
        Some((h, out))
    } else {
        None
    };
    let mut status = 0i32;
    let mut ru = Rusage::default();
    loop {
        // SAFETY: plain syscall on our own child, with valid pointers.
        let r = unsafe { wait4(pid, &mut status, 0, &mut ru) };
        if r == pid {
            break;
        }
        let e = std::io::Error::last_os_error();
        if e.kind() != std::io::ErrorKind::Interrupted {
            return Err(format!("wait4: {e}"));
        }
    }
    let wall = t0.elapsed().as_secs_f64();
    drop(child);
    stop.store(true, Ordering::Relaxed);
    let mut killed = false;
    if let Some((h, out)) = watcher {
        killed = h.join().unwrap_or(false);
        if let (Some(dst), Some(src)) = (sample, out) {
            *dst.lock().unwrap() = std::mem::take(&mut *src.lock().unwrap());
        }
    }
    if killed {
        return Err(format!(
            "{} did not finish within {:?}; killed",
            argv[0],
            timeout.unwrap_or_default()
        ));
    }
    // WIFEXITED && WEXITSTATUS == 0
    if status & 0x7f != 0 || (status >> 8) & 0xff != 0 {
        let err = std::fs::read_to_string(&err_path).unwrap_or_default();
        return Err(format!(
            "{} failed (wait status {status:#x}): {}",
            mask(&argv.join(" ")),
            err.trim()
        ));
    }
    let tv = |t: &Timeval| t.sec as f64 + t.usec as f64 / 1e6;
    Ok(Run {
        wall,
        user: tv(&ru.utime),
        sys: tv(&ru.stime),
        maxrss_kb: ru.maxrss.max(0) as u64,
        vcsw: ru.nvcsw.max(0) as u64,
        ivcsw: ru.nivcsw.max(0) as u64,
        machine: None,
    })
}

static PASSWORD: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// `text` with the password hidden (for error messages).
fn mask(text: &str) -> String {
    match PASSWORD.get() {
        Some(p) if !p.is_empty() => text.replace(p.as_str(), "****"),
        _ => text.to_string(),
    }
}

/// Flush dirty pages (earlier copies being written back would slow the next run down), then
/// let the machine settle a moment.
fn settle() {
    let _ = Command::new("sync").status();
    std::thread::sleep(Duration::from_millis(100));
}

fn remove(p: &Path) {
    match std::fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => {
            let _ = std::fs::remove_dir_all(p);
        }
        Ok(_) => {
            let _ = std::fs::remove_file(p);
        }
        Err(_) => {}
    }
}

fn s(x: impl AsRef<std::ffi::OsStr>) -> String {
    x.as_ref().to_string_lossy().into_owned()
}

// ---------------------------------------------------------------- checking copies

/// Read a file through, so that it is in the page cache before a timed run. Needed on this
/// kind of machine: DAMON's `pageout` scheme evicts pages nobody touched for ~30 s, so a
/// source left alone for a while would be read from disk by whichever tool came first.
fn warm(p: &Path) -> Result<(), String> {
    let mut f = std::fs::File::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
    let mut buf = vec![0u8; 4 << 20];
    while read_full(&mut f, &mut buf)? > 0 {}
    Ok(())
}

/// Byte-for-byte comparison of two files.
fn same_file(a: &Path, b: &Path) -> Result<(), String> {
    let ma = std::fs::metadata(a).map_err(|e| format!("{}: {e}", a.display()))?;
    let mb = std::fs::metadata(b).map_err(|e| format!("{}: {e}", b.display()))?;
    if ma.len() != mb.len() {
        return Err(format!(
            "{} has {} bytes, {} has {}",
            b.display(),
            mb.len(),
            a.display(),
            ma.len()
        ));
    }
    let mut fa = std::fs::File::open(a).map_err(|e| e.to_string())?;
    let mut fb = std::fs::File::open(b).map_err(|e| e.to_string())?;
    let mut ba = vec![0u8; 4 << 20];
    let mut bb = vec![0u8; 4 << 20];
    let mut off = 0u64;
    loop {
        let n = read_full(&mut fa, &mut ba)?;
        let m = read_full(&mut fb, &mut bb)?;
        if n != m || ba[..n] != bb[..m] {
            return Err(format!(
                "{} differs from {} near byte {off}",
                b.display(),
                a.display()
            ));
        }
        if n == 0 {
            return Ok(());
        }
        off += n as u64;
    }
}

fn read_full(f: &mut std::fs::File, buf: &mut [u8]) -> Result<usize, String> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    Ok(n)
}

/// What a tree holds: counts, bytes, and a hash over every relative path and content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Manifest {
    files: usize,
    dirs: usize,
    bytes: u64,
    hash: u64,
}

fn manifest(root: &Path) -> Result<Manifest, String> {
    // SipHash with fixed keys: the same in every run of this binary.
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new();
    let mut m = Manifest::default();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let mut names: Vec<_> = std::fs::read_dir(root.join(&rel))
            .map_err(|e| format!("{}: {e}", root.join(&rel).display()))?
            .filter_map(|e| e.ok())
            .collect();
        names.sort_by_key(|e| e.file_name());
        for e in names.into_iter().rev() {
            let r = rel.join(e.file_name());
            let ft = e.file_type().map_err(|e| e.to_string())?;
            h.write(r.as_os_str().as_encoded_bytes());
            if ft.is_dir() {
                m.dirs += 1;
                h.write_u8(b'/');
                stack.push(r);
            } else {
                let data = std::fs::read(root.join(&r)).map_err(|e| e.to_string())?;
                m.files += 1;
                m.bytes += data.len() as u64;
                h.write_u64(data.len() as u64);
                h.write(&data);
            }
        }
    }
    m.hash = h.finish();
    Ok(m)
}

fn check_tree(want: &Manifest, copy: &Path, who: &str) -> Result<(), String> {
    let got = manifest(copy)?;
    if got != *want {
        return Err(format!(
            "{who}: the copy {} is not the source: {} files / {} dirs / {} bytes / hash {:016x}, expected {} / {} / {} / {:016x}",
            copy.display(),
            got.files,
            got.dirs,
            got.bytes,
            got.hash,
            want.files,
            want.dirs,
            want.bytes,
            want.hash
        ));
    }
    Ok(())
}

// ---------------------------------------------------------------- statistics

fn list(v: &[f64], digits: usize) -> String {
    v.iter()
        .map(|x| format!("{x:.digits$}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn mb(kb: u64) -> f64 {
    kb as f64 / 1024.0
}

fn verdict(ok: bool) -> &'static str {
    if ok { "met" } else { "MISSED" }
}

// ---------------------------------------------------------------- the tools

fn skiff_env(cfg: &Config) -> Vec<(&'static str, String)> {
    vec![("SKIFF_PASSWORD", cfg.password.clone())]
}

fn skiff_get(cfg: &Config, remote: &Path, local: &Path, parallel: Option<usize>) -> Vec<String> {
    let mut v = vec![
        s(&cfg.bin),
        "get".into(),
        cfg.url(remote, false),
        s(local),
        "--on-exists".into(),
        "overwrite".into(),
        "--quiet".into(),
    ];
    if let Some(p) = parallel {
        v.extend(["--parallel".into(), p.to_string()]);
    }
    v
}

fn skiff_put(cfg: &Config, local: &Path, remote: &Path, parallel: Option<usize>) -> Vec<String> {
    let mut v = vec![
        s(&cfg.bin),
        "put".into(),
        s(local),
        cfg.url(remote, false),
        "--on-exists".into(),
        "overwrite".into(),
        "--quiet".into(),
    ];
    if let Some(p) = parallel {
        v.extend(["--parallel".into(), p.to_string()]);
    }
    v
}

fn curl_get(cfg: &Config, remote: &Path, local: &Path) -> Vec<String> {
    vec![
        "curl".into(),
        "-s".into(),
        "-o".into(),
        s(local),
        cfg.url(remote, true),
    ]
}

fn curl_put(cfg: &Config, local: &Path, remote: &Path) -> Vec<String> {
    vec![
        "curl".into(),
        "-s".into(),
        "-T".into(),
        s(local),
        cfg.url(remote, true),
    ]
}

fn lftp_mirror(cfg: &Config, reverse: bool, src: &Path, dst: &Path) -> Vec<String> {
    lftp_one(
        cfg,
        format!(
            "mirror{} -P 8 '{}' '{}'",
            if reverse { " -R" } else { "" },
            src.display(),
            dst.display()
        ),
    )
}

/// `skiff sync` quietly, plus `extra` switches.
fn skiff_sync(cfg: &Config, from: String, to: String, extra: &[&str]) -> Vec<String> {
    let mut v = vec![
        s(&cfg.bin),
        "sync".into(),
        "-q".into(),
        "-P".into(),
        "8".into(),
    ];
    v.extend(extra.iter().map(|x| x.to_string()));
    v.extend([from, to]);
    v
}

fn run(argv: &[String], env: &[(&'static str, String)], scratch: &Path) -> Result<Run, String> {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    settle();
    let m0 = machine_busy();
    let mut r = run_cmd(argv, &env, scratch, None, None)?;
    if let (Some(a), Some(b)) = (m0, machine_busy()) {
        r.machine = Some(b - a);
    }
    Ok(r)
}

/// CPU time the machine has been busy, all cores together (user, nice, system, irq, softirq,
/// steal from the first line of /proc/stat), seconds. Over a run, minus the client's own CPU,
/// it is what the server and the kernel spent on the transfer (plus any background noise).
fn machine_busy() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/stat").ok()?;
    let line = s.lines().next()?.strip_prefix("cpu ")?;
    let f: Vec<u64> = line
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal
    let busy = f.first()? + f.get(1)? + f.get(2)? + f.get(5)? + f.get(6)? + f.get(7)?;
    Some(busy as f64 / clk_tck())
}

// ---------------------------------------------------------------- part 1: one big file

#[derive(Default)]
struct BigResults {
    curl_get: Vec<Run>,
    skiff_get: Vec<Run>,
    curl_put: Vec<Run>,
    skiff_put: Vec<Run>,
    small_get: Option<Run>,
    size: u64,
}

fn big(cfg: &Config, scratch: &Path) -> Result<BigResults, String> {
    let src = cfg.src_big();
    let size = std::fs::metadata(&src)
        .map_err(|e| format!("{}: {e}", src.display()))?
        .len();
    let mut r = BigResults {
        size,
        ..Default::default()
    };
    let env = skiff_env(cfg);
    let dl = |tool: &str, i: usize| cfg.dl().join(format!("big-{tool}-{i}.bin"));
    let up = |tool: &str, i: usize| cfg.up().join(format!("big-{tool}-{i}.bin"));

    // Warm-up (untimed): the source in the page cache, both tools checked once.
    for (tool, argv) in [
        ("curl", curl_get(cfg, &src, &dl("curl", 0))),
        ("skiff", skiff_get(cfg, &src, &dl("skiff", 0), None)),
    ] {
        remove(&dl(tool, 0));
        run(&argv, if tool == "skiff" { &env } else { &[] }, scratch)?;
        same_file(&src, &dl(tool, 0))?;
        remove(&dl(tool, 0));
    }
    // The smallest transfer, for the memory baseline: one 8 KiB file.
    let small_src = cfg.src_tree().join("d00/f000");
    let small_dst = cfg.dl().join("small-f000");
    remove(&small_dst);
    r.small_get = Some(run(
        &skiff_get(cfg, &small_src, &small_dst, None),
        &env,
        scratch,
    )?);
    same_file(&small_src, &small_dst)?;
    remove(&small_dst);

    for i in 1..=cfg.rounds {
        // Odd rounds curl first, even rounds skiff first.
        let order: [&str; 2] = if i % 2 == 1 {
            ["curl", "skiff"]
        } else {
            ["skiff", "curl"]
        };
        for tool in order {
            let out = dl(tool, i);
            remove(&out);
            warm(&src)?;
            let run_ = if tool == "curl" {
                run(&curl_get(cfg, &src, &out), &[], scratch)?
            } else {
                run(&skiff_get(cfg, &src, &out, None), &env, scratch)?
            };
            same_file(&src, &out)?;
            remove(&out);
            if tool == "curl" {
                r.curl_get.push(run_);
            } else {
                r.skiff_get.push(run_);
            }
        }
        for tool in order {
            let dst = up(tool, i);
            remove(&dst);
            warm(&src)?;
            let run_ = if tool == "curl" {
                run(&curl_put(cfg, &src, &dst), &[], scratch)?
            } else {
                run(&skiff_put(cfg, &src, &dst, None), &env, scratch)?
            };
            same_file(&src, &dst)?;
            remove(&dst);
            if tool == "curl" {
                r.curl_put.push(run_);
            } else {
                r.skiff_put.push(run_);
            }
        }
        let (cg, sg, cp, sp) = (
            r.curl_get[i - 1],
            r.skiff_get[i - 1],
            r.curl_put[i - 1],
            r.skiff_put[i - 1],
        );
        eprintln!(
            "big round {i}: get curl {:.0} ms, skiff {:.0} ms ({:.2}x) | put curl {:.0} ms, skiff {:.0} ms ({:.2}x)",
            cg.ms(),
            sg.ms(),
            sg.wall / cg.wall,
            cp.ms(),
            sp.ms(),
            sp.wall / cp.wall
        );
    }
    Ok(r)
}

fn print_pair(what: &str, limit: f64, a_name: &str, a: &[Run], b_name: &str, b: &[Run], size: u64) {
    let am: Vec<f64> = a.iter().map(Run::ms).collect();
    let bm: Vec<f64> = b.iter().map(Run::ms).collect();
    let paired: Vec<f64> = bm.iter().zip(&am).map(|(s, c)| s / c).collect();
    let (ma, mb_) = (median(&am), median(&bm));
    let mbps = |ms: f64| size as f64 / MIB / (ms / 1000.0);
    println!();
    println!("### {what}");
    println!();
    println!(
        "| tool | median | runs (ms) | MiB/s (median) | CPU user+sys (median, s) | context switches vol./invol. (median) | machine CPU busy, all cores (median, s) | peak RSS (max) |"
    );
    println!("|---|---:|---|---:|---:|---:|---:|---:|");
    for (name, runs, ms) in [(a_name, a, &am), (b_name, b, &bm)] {
        let cpu: Vec<f64> = runs.iter().map(|r| r.user + r.sys).collect();
        let user: Vec<f64> = runs.iter().map(|r| r.user).collect();
        let sys: Vec<f64> = runs.iter().map(|r| r.sys).collect();
        let vcsw: Vec<f64> = runs.iter().map(|r| r.vcsw as f64).collect();
        let ivcsw: Vec<f64> = runs.iter().map(|r| r.ivcsw as f64).collect();
        let machine: Vec<f64> = runs.iter().filter_map(|r| r.machine).collect();
        println!(
            "| {name} | {:.0} ms | {} | {} | {:.2} ({:.2} + {:.2}) | {:.0} / {:.0} | {} | {:.1} MB |",
            median(ms),
            list(ms, 0),
            if size > 0 {
                format!("{:.0}", mbps(median(ms)))
            } else {
                "-".into()
            },
            median(&cpu),
            median(&user),
            median(&sys),
            median(&vcsw),
            median(&ivcsw),
            if machine.is_empty() {
                "-".to_string()
            } else {
                format!("{:.2}", median(&machine))
            },
            mb(runs.iter().map(|r| r.maxrss_kb).max().unwrap_or(0))
        );
    }
    println!();
    println!(
        "{b_name} / {a_name}: ratio of medians **{:.3}x** (limit {limit:.2}x: {}); same-round ratios {} (median {:.3}x, worst {:.3}x)",
        mb_ / ma,
        verdict(mb_ / ma <= limit),
        list(&paired, 3),
        median(&paired),
        percentile(&paired, 100.0)
    );
}

// ---------------------------------------------------------------- part 2: a tree of small files

#[derive(Default)]
struct TreeResults {
    lftp_get: Vec<Run>,
    skiff_get: Vec<Run>,
    lftp_put: Vec<Run>,
    skiff_put: Vec<Run>,
    manifest: Manifest,
}

fn tree(cfg: &Config, scratch: &Path) -> Result<TreeResults, String> {
    let src = cfg.src_tree();
    let want = manifest(&src)?;
    if want.files != 2000 || want.dirs != 20 {
        return Err(format!(
            "{}: expected 2,000 files in 20 directories, found {} in {}",
            src.display(),
            want.files,
            want.dirs
        ));
    }
    let mut r = TreeResults {
        manifest: want,
        ..Default::default()
    };
    let env = skiff_env(cfg);
    let dl = |tool: &str, i: usize| cfg.dl().join(format!("tree-{tool}-{i}"));
    let up = |tool: &str, i: usize| cfg.up().join(format!("tree-{tool}-{i}"));
    // Copies are deleted at the end of the part, not after each run: ext4 skips inodes freed in
    // the last ~30 s when it allocates new ones, scanning past them one by one, so deleting
    // 2,000 files and creating 2,000 more right away makes each new file cost more and more
    // (perf: `recently_deleted` under `ext4_create`, 10 % of skiff's CPU) — for every tool.
    let mut kept: Vec<PathBuf> = Vec::new();
    // Warm-up, untimed (and a first check of both tools).
    for tool in ["lftp", "skiff"] {
        let d = dl(tool, 0);
        remove(&d);
        let argv = if tool == "lftp" {
            lftp_mirror(cfg, false, &src, &d)
        } else {
            skiff_get(cfg, &src, &d, Some(8))
        };
        run(&argv, if tool == "skiff" { &env } else { &[] }, scratch)?;
        check_tree(&want, &d, tool)?;
        kept.push(d);
    }
    for i in 1..=cfg.tree_rounds {
        let order: [&str; 2] = if i % 2 == 1 {
            ["lftp", "skiff"]
        } else {
            ["skiff", "lftp"]
        };
        for tool in order {
            let d = dl(tool, i);
            remove(&d);
            let (argv, env) = if tool == "lftp" {
                (lftp_mirror(cfg, false, &src, &d), &[][..])
            } else {
                (skiff_get(cfg, &src, &d, Some(8)), &env[..])
            };
            manifest(&src)?; // warm (see `warm`)
            let x = run(&argv, env, scratch)?;
            check_tree(&want, &d, tool)?;
            kept.push(d);
            if tool == "lftp" {
                r.lftp_get.push(x);
            } else {
                r.skiff_get.push(x);
            }
        }
        for tool in order {
            let d = up(tool, i);
            remove(&d);
            let (argv, env) = if tool == "lftp" {
                (lftp_mirror(cfg, true, &src, &d), &[][..])
            } else {
                (skiff_put(cfg, &src, &d, Some(8)), &env[..])
            };
            manifest(&src)?; // warm (see `warm`)
            let x = run(&argv, env, scratch)?;
            check_tree(&want, &d, tool)?;
            kept.push(d);
            if tool == "lftp" {
                r.lftp_put.push(x);
            } else {
                r.skiff_put.push(x);
            }
        }
        eprintln!(
            "tree round {i}: get lftp {:.0} ms, skiff {:.0} ms ({:.2}x) | put lftp {:.0} ms, skiff {:.0} ms ({:.2}x)",
            r.lftp_get[i - 1].ms(),
            r.skiff_get[i - 1].ms(),
            r.skiff_get[i - 1].wall / r.lftp_get[i - 1].wall,
            r.lftp_put[i - 1].ms(),
            r.skiff_put[i - 1].ms(),
            r.skiff_put[i - 1].wall / r.lftp_put[i - 1].wall,
        );
    }
    for d in &kept {
        remove(d);
    }
    Ok(r)
}

// ---------------------------------------------------------------- mirroring: nothing changed

#[derive(Default)]
struct SyncResults {
    skiff_down: Vec<Run>,
    lftp_down: Vec<Run>,
    skiff_up: Vec<Run>,
    lftp_up: Vec<Run>,
}

/// What a mirroring cron job does most of the time: find that nothing changed. Each tool
/// first mirrors the tree into its own local copy and its own server copy (checked), then,
/// rounds alternating, mirrors again both ways with nothing to do: `skiff sync URL DIR` vs
/// `lftp mirror -P 8`, and `skiff sync DIR URL` vs `lftp mirror -R -n -P 8` (`-n`, only
/// newer: vsftpd cannot set times, and without it lftp uploads every file again).
fn sync_part(cfg: &Config, scratch: &Path) -> Result<SyncResults, String> {
    let src = cfg.src_tree();
    let want = manifest(&src)?;
    let env = skiff_env(cfg);
    let local = |tool: &str| cfg.dl().join(format!("sync-{tool}"));
    let remote = |tool: &str| cfg.up().join(format!("sync-{tool}"));
    let down = |tool: &str| {
        if tool == "lftp" {
            lftp_mirror(cfg, false, &src, &local(tool))
        } else {
            skiff_sync(cfg, cfg.url(&src, false), s(local(tool)), &[])
        }
    };
    let up = |tool: &str| {
        if tool == "lftp" {
            lftp_one(
                cfg,
                format!(
                    "mirror -R -n -P 8 '{}' '{}'",
                    local(tool).display(),
                    remote(tool).display()
                ),
            )
        } else {
            skiff_sync(cfg, s(local(tool)), cfg.url(&remote(tool), false), &[])
        }
    };
    for tool in ["lftp", "skiff"] {
        remove(&local(tool));
        remove(&remote(tool));
        let e = if tool == "skiff" { &env[..] } else { &[][..] };
        run(&down(tool), e, scratch)?;
        check_tree(&want, &local(tool), tool)?;
        run(&up(tool), e, scratch)?;
        check_tree(&want, &remote(tool), tool)?;
    }
    let mut r = SyncResults::default();
    for i in 1..=cfg.tree_rounds {
        let order: [&str; 2] = if i % 2 == 1 {
            ["lftp", "skiff"]
        } else {
            ["skiff", "lftp"]
        };
        for tool in order {
            let e = if tool == "skiff" { &env[..] } else { &[][..] };
            manifest(&src)?; // warm (see `warm`)
            let x = run(&down(tool), e, scratch)?;
            if tool == "lftp" {
                r.lftp_down.push(x);
            } else {
                r.skiff_down.push(x);
            }
            let x = run(&up(tool), e, scratch)?;
            if tool == "lftp" {
                r.lftp_up.push(x);
            } else {
                r.skiff_up.push(x);
            }
        }
        eprintln!(
            "sync round {i}: down lftp {:.0} ms, skiff {:.0} ms | up lftp {:.0} ms, skiff {:.0} ms",
            r.lftp_down[i - 1].ms(),
            r.skiff_down[i - 1].ms(),
            r.lftp_up[i - 1].ms(),
            r.skiff_up[i - 1].ms(),
        );
    }
    // Nothing moved: the copies are still the tree.
    for tool in ["lftp", "skiff"] {
        check_tree(&want, &local(tool), tool)?;
        check_tree(&want, &remote(tool), tool)?;
        remove(&local(tool));
        remove(&remote(tool));
    }
    Ok(r)
}

// ---------------------------------------------------------------- verification

#[derive(Default)]
struct VerifyResults {
    plain: Vec<Run>,
    verify: Vec<Run>,
    curl: Vec<Run>,
}

/// The 1 GiB download from a server with checksums (proftpd's mod_digest), with and without
/// `--verify` (SHA-256 computed here while the bytes stream, then the server's `HASH`), curl
/// beside them for scale; rounds alternate the order.
fn verify_part(cfg: &Config, base: &str, scratch: &Path) -> Result<VerifyResults, String> {
    let src = cfg.src_big();
    let url = format!("{base}/{}", src.display());
    let (user_pw, _) = base
        .strip_prefix("ftp://")
        .and_then(|r| r.split_once('@'))
        .ok_or("SKIFF_BENCH_VERIFY_URL is not ftp://user:pass@host:port")?;
    let password = user_pw.split_once(':').map(|(_, p)| p).unwrap_or("");
    let no_pw = url.replacen(&format!(":{password}@"), "@", 1);
    let env = vec![("SKIFF_PASSWORD", password.to_string())];
    let dst = cfg.dl().join("verify-big.bin");
    let get = |verify: bool| {
        let mut v = vec![
            s(&cfg.bin),
            "get".into(),
            no_pw.clone(),
            s(&dst),
            "--quiet".into(),
        ];
        if verify {
            v.push("--verify".into());
        }
        v
    };
    let curl = vec![
        "curl".into(),
        "-s".into(),
        "-o".into(),
        s(&dst),
        url.clone(),
    ];
    let mut r = VerifyResults::default();
    for i in 0..=cfg.rounds {
        let order: [&str; 3] = if i % 2 == 0 {
            ["plain", "verify", "curl"]
        } else {
            ["verify", "curl", "plain"]
        };
        for what in order {
            remove(&dst);
            warm(&src)?;
            let x = match what {
                "plain" => run(&get(false), &env, scratch)?,
                "verify" => run(&get(true), &env, scratch)?,
                _ => run(&curl, &[], scratch)?,
            };
            same_file(&src, &dst)?;
            if i == 0 {
                continue; // warm-up
            }
            match what {
                "plain" => r.plain.push(x),
                "verify" => r.verify.push(x),
                _ => r.curl.push(x),
            }
        }
    }
    remove(&dst);
    Ok(r)
}

// ---------------------------------------------------------------- part 3: the TUI

struct TuiRun {
    /// F5 → the file under its final name.
    transfer: f64,
    /// The same file with `skiff get` in the same round.
    cli: Run,
    /// Key → screen showing the moved cursor, ms.
    keys: Vec<f64>,
    hwm_kb: Option<u64>,
    exit_ok: bool,
    /// Whether keys were pressed during the transfer.
    with_keys: bool,
    /// CPU the TUI process used from F5 to the end (utime + stime, whole process), ms.
    cpu_ms: f64,
    /// The same by thread name (scheduler clocks of threads alive at the end), ms.
    threads: Vec<(String, f64)>,
}

/// utime + stime of the whole process (exited threads included), ms.
fn proc_cpu_ms(pid: u32) -> Option<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 * 1000.0 / clk_tck())
}

/// Each live thread: (tid, name, scheduler clock in ms) from /proc/PID/task/*.
fn thread_clocks(pid: u32) -> Vec<(String, String, f64)> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in dir.flatten() {
        let tid = t.file_name().to_string_lossy().into_owned();
        let comm = std::fs::read_to_string(t.path().join("comm"))
            .unwrap_or_default()
            .trim()
            .to_string();
        let Ok(s) = std::fs::read_to_string(t.path().join("sched")) else {
            continue;
        };
        if let Some(v) = s.lines().find_map(|l| {
            let l = l.strip_prefix("se.sum_exec_runtime")?;
            l.split(':').nth(1)?.trim().parse::<f64>().ok()
        }) {
            out.push((tid, comm, v));
        }
    }
    out
}

/// CPU by thread name between two snapshots (threads born in between count from zero).
fn thread_delta(a: &[(String, String, f64)], b: &[(String, String, f64)]) -> Vec<(String, f64)> {
    let mut by: Vec<(String, f64)> = Vec::new();
    for (tid, comm, v) in b {
        let v0 = a.iter().find(|x| &x.0 == tid).map_or(0.0, |x| x.2);
        let d = v - v0;
        match by.iter_mut().find(|x| &x.0 == comm) {
            Some(x) => x.1 += d,
            None => by.push((comm.clone(), d)),
        }
    }
    by.sort_by(|x, y| y.1.total_cmp(&x.1));
    by
}

fn tui_run(cfg: &Config, i: usize, with_keys: bool, scratch: &Path) -> Result<TuiRun, String> {
    let src = cfg.src_big();
    let size = std::fs::metadata(&src).map_err(|e| e.to_string())?.len();
    let local = cfg.dl().join(format!("tui-{i}"));
    remove(&local);
    std::fs::create_dir_all(&local).map_err(|e| e.to_string())?;
    // Something for j/k to move over in the local pane.
    for k in 0..30 {
        std::fs::write(local.join(format!("k{k:02}")), b"k").map_err(|e| e.to_string())?;
    }
    let target = local.join("big.bin");
    // The download's temporary file (`big.bin.skiff-XXXXXXXX.part`): its size so far.
    let part_len = |dir: &Path| -> u64 {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| {
                let n = e.file_name().to_string_lossy().into_owned();
                n.starts_with("big.bin.") && n.ends_with(".part")
            })
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .max()
            .unwrap_or(0)
    };

    // The same file from the command line, this round (alternating which goes first).
    let env = skiff_env(cfg);
    let cli_out = cfg.dl().join(format!("tui-cli-{i}.bin"));
    let cli_run = |cli_out: &Path| -> Result<Run, String> {
        remove(cli_out);
        warm(&src)?;
        let r = run(&skiff_get(cfg, &src, cli_out, None), &env, scratch)?;
        same_file(&src, cli_out)?;
        remove(cli_out);
        Ok(r)
    };
    let cli_first = i.is_multiple_of(2);
    let mut cli = if cli_first {
        Some(cli_run(&cli_out)?)
    } else {
        None
    };

    settle();
    let one = cfg.dir.join("one");
    let mut t = Spawn::new(&cfg.bin)
        .size(120, 36)
        .arg("--local")
        .arg(&local)
        .arg(cfg.url(&one, true))
        .spawn()?;
    let pid = t.pid().ok_or("no pid")?;
    t.wait_for(
        "the remote pane listing big.bin",
        Duration::from_secs(30),
        |s| s.has_entry(Side::Remote, "big.bin") && s.has_entry(Side::Local, "k00"),
    )?;
    t.wait_quiet(Duration::from_millis(30), Duration::from_secs(5));
    // Focus the remote pane (a URL opened the session: it is, unless an older skiff) and put
    // the cursor on big.bin.
    let remote_focused = |s: &common::Screen| {
        s.pane(Side::Remote)
            .is_some_and(|p| s.0.cell(p.top, p.x).is_some_and(|c| c.contents() == "┏"))
    };
    if !remote_focused(&t.screen()) {
        t.send(b"\t");
    }
    t.wait_for("the remote pane focused", Duration::from_secs(10), |s| {
        s.pane(Side::Remote)
            .is_some_and(|p| s.0.cell(p.top, p.x).is_some_and(|c| c.contents() == "┏"))
    })?;
    t.send(b"j");
    t.wait_for("the cursor on big.bin", Duration::from_secs(10), |s| {
        s.cursor_is(Side::Remote, "big.bin")
    })?;
    t.wait_quiet(Duration::from_millis(30), Duration::from_secs(5));

    // A watcher for the final name, polling every millisecond.
    let done_at: Arc<Mutex<Option<Instant>>> = Arc::new(Mutex::new(None));
    let stop = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (done_at, stop, target) = (done_at.clone(), stop.clone(), target.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                if std::fs::symlink_metadata(&target).is_ok() {
                    *done_at.lock().unwrap() = Some(Instant::now());
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
        })
    };
    let is_done = || done_at.lock().unwrap().is_some();
    warm(&src)?;
    let cpu0 = proc_cpu_ms(pid).unwrap_or(0.0);
    let th0 = thread_clocks(pid);
    let f5 = Instant::now();
    t.send(b"\x1b[15~");

    // Wait for the transfer to run at full speed: the .part file past 64 MiB.
    let full_speed = (64u64 << 20).min(size / 4);
    let deadline = Instant::now() + Duration::from_secs(60);
    while !is_done() && part_len(&local) < full_speed && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(2));
    }
    // Focus the local pane: after F5 the queue panel is shown, and Tab goes remote → queue →
    // local.
    t.send(b"\t\t");
    let local_focused = |s: &common::Screen| {
        s.0.cell(0, 0).is_some_and(|c| c.contents() == "┏") && s.cursor(Side::Local).is_some()
    };
    t.wait_for(
        "the local pane focused",
        Duration::from_secs(10),
        local_focused,
    )?;
    t.wait_quiet(Duration::from_millis(5), Duration::from_millis(200));

    // j, k, j, k… with 10–40 ms between presses, until the file is complete.
    let mut keys = Vec::new();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15 ^ i as u64;
    let mut down = true;
    while !with_keys && !is_done() {
        std::thread::sleep(Duration::from_millis(5));
    }
    while !is_done() {
        let before = t.screen().cursor(Side::Local);
        let key: &[u8] = if down { b"j" } else { b"k" };
        let sent = Instant::now();
        t.send(key);
        let (_, at) = t.wait_for_timed("the cursor to move", Duration::from_secs(10), |s| {
            let c = s.cursor(Side::Local);
            c.is_some() && c != before
        })?;
        let lat = at
            .unwrap_or_else(Instant::now)
            .saturating_duration_since(sent);
        // Only presses sent while the transfer still ran.
        let finished_before_send = done_at.lock().unwrap().is_some_and(|d| d <= sent);
        if !finished_before_send {
            keys.push(lat.as_secs_f64() * 1000.0);
        }
        down = !down;
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        std::thread::sleep(Duration::from_millis(10 + (seed >> 33) % 31));
    }
    watcher.join().ok();
    stop.store(true, Ordering::Relaxed);
    let end = done_at.lock().unwrap().ok_or("no end time")?;
    let transfer = end.duration_since(f5).as_secs_f64();
    let cpu_ms = proc_cpu_ms(pid).unwrap_or(0.0) - cpu0;
    let threads = thread_delta(&th0, &thread_clocks(pid));
    let hwm_kb = proc_status_kb(pid, "VmHWM");
    // Let the queue settle (the final reply, the pane refresh), then quit.
    t.wait_quiet(Duration::from_millis(300), Duration::from_secs(5));
    t.send(b"q");
    let exit = t.wait_exit(Duration::from_secs(10));
    let exit_ok = exit.as_ref().is_ok_and(|s| s.success());
    if !exit_ok {
        eprintln!(
            "tui run {i}: no clean exit after q ({}):\n{}",
            match &exit {
                Ok(s) => format!("{s:?}"),
                Err(e) => e.lines().next().unwrap_or("").to_string(),
            },
            t.screen().framed()
        );
    }
    drop(t);
    same_file(&src, &target)?;
    remove(&local);
    if cli.is_none() {
        cli = Some(cli_run(&cli_out)?);
    }
    Ok(TuiRun {
        transfer,
        cli: cli.unwrap_or_default(),
        keys,
        hwm_kb,
        exit_ok,
        with_keys,
        cpu_ms,
        threads,
    })
}

// ---------------------------------------------------------------- part 4: a long queue

struct QueueResult {
    run: Run,
    samples: Vec<(f64, u64)>,
    files: usize,
}

fn queue(cfg: &Config, dir: &Path, scratch: &Path) -> Result<QueueResult, String> {
    let out = cfg.dl().join("q100k");
    remove(&out);
    settle();
    let samples = Mutex::new(Vec::new());
    let env = [("SKIFF_PASSWORD", cfg.password.as_str())];
    let m0 = machine_busy();
    let r = run_cmd(
        &skiff_get(cfg, dir, &out, Some(8)),
        &env,
        scratch,
        Some(&samples),
        Some(cfg.queue_timeout),
    );
    let files = std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0);
    remove(&out);
    let mut run = r?;
    if let (Some(a), Some(b)) = (m0, machine_busy()) {
        run.machine = Some(b - a);
    }
    Ok(QueueResult {
        run,
        samples: samples.into_inner().unwrap(),
        files,
    })
}

// ---------------------------------------------------------------- main

// ---------------------------------------------------------------- part 5: ASCII mode

/// The two copies of the text file: (CRLF, LF). Made once, reused while their sizes fit.
fn text_files(cfg: &Config) -> Result<(PathBuf, PathBuf), String> {
    use std::io::Write;
    let crlf = cfg.dir.join("src/text-crlf.txt");
    let lf = cfg.dir.join("src/text-lf.txt");
    let want = cfg.text_mb << 20;
    let have = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    if have(&lf) >= want && have(&crlf) > have(&lf) {
        return Ok((crlf, lf));
    }
    let open = |p: &Path| {
        std::fs::File::create(p)
            .map(std::io::BufWriter::new)
            .map_err(|e| format!("{}: {e}", p.display()))
    };
    let (mut a, mut b) = (open(&crlf)?, open(&lf)?);
    let words = [
        "transfer",
        "reply",
        "passive",
        "binary",
        "server",
        "directory",
        "listing",
        "queue",
        "resume",
        "ascii",
        "lftp",
        "curl",
        "skiff",
        "vsftpd",
        "proftpd",
        "pure-ftpd",
    ];
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut written = 0u64;
    let mut n = 0u64;
    while written < want {
        let mut line = format!("{n:08}");
        // Lines of 8 to ~110 characters: a number and up to 11 words, as in a log file.
        for _ in 0..(x % 12) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            line.push(' ');
            line.push_str(words[(x % words.len() as u64) as usize]);
        }
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        let err = |e: std::io::Error| e.to_string();
        a.write_all(line.as_bytes()).map_err(err)?;
        a.write_all(b"\r\n").map_err(err)?;
        b.write_all(line.as_bytes()).map_err(err)?;
        b.write_all(b"\n").map_err(err)?;
        written += line.len() as u64 + 1;
        n += 1;
    }
    a.flush().map_err(|e| e.to_string())?;
    b.flush().map_err(|e| e.to_string())?;
    Ok((crlf, lf))
}

/// lftp running one command and exiting. No TLS attempt (curl and skiff don't try either);
/// lftp's default would send AUTH TLS.
fn lftp_one(cfg: &Config, command: String) -> Vec<String> {
    vec![
        "lftp".into(),
        "-u".into(),
        format!("{},{}", cfg.user, cfg.password),
        "-p".into(),
        cfg.port.to_string(),
        "-e".into(),
        format!("set ftp:ssl-allow no; {command}; exit"),
        cfg.host.clone(),
    ]
}

/// The ASCII part's command for `tool`, downloading `remote` to `local` or uploading `local`
/// to `remote`.
fn ascii_cmd(cfg: &Config, tool: &str, upload: bool, remote: &Path, local: &Path) -> Vec<String> {
    let (r, l) = (remote.display(), local.display());
    match (tool, upload) {
        ("skiff", false) => {
            let mut v = skiff_get(cfg, remote, local, None);
            v.extend(["--type".into(), "ascii".into()]);
            v
        }
        ("skiff", true) => {
            let mut v = skiff_put(cfg, local, remote, None);
            v.extend(["--type".into(), "ascii".into()]);
            v
        }
        ("curl", false) => vec![
            "curl".into(),
            "-s".into(),
            "-o".into(),
            s(local),
            format!("{};type=A", cfg.url(remote, true)),
        ],
        ("curl", true) => vec![
            "curl".into(),
            "-s".into(),
            "-B".into(),
            "--crlf".into(),
            "-T".into(),
            s(local),
            cfg.url(remote, true),
        ],
        (_, false) => lftp_one(cfg, format!("get -a '{r}' -o '{l}'")),
        (_, true) => lftp_one(cfg, format!("put -a '{l}' -o '{r}'")),
    }
}

struct AsciiResult {
    tool: &'static str,
    upload: bool,
    runs: Vec<Run>,
    /// Whether every result equalled the expected copy (else: what it was).
    right: Result<(), String>,
}

fn ascii(cfg: &Config, scratch: &Path) -> Result<(Vec<AsciiResult>, u64), String> {
    let (crlf, lf) = text_files(cfg)?;
    let size = std::fs::metadata(&lf).map_err(|e| e.to_string())?.len();
    let env = skiff_env(cfg);
    let tools = ["curl", "skiff", "lftp"];
    let mut out: Vec<AsciiResult> = Vec::new();
    for upload in [false, true] {
        for tool in tools {
            out.push(AsciiResult {
                tool,
                upload,
                runs: Vec::new(),
                right: Ok(()),
            });
        }
    }
    for i in 0..=cfg.rounds {
        // Round 0 is the untimed warm-up. The order rotates each round.
        let mut order = tools;
        order.rotate_left(i % 3);
        for upload in [false, true] {
            for tool in order {
                let (src, want, dst) = if upload {
                    (&lf, &crlf, cfg.up().join(format!("text-{tool}.txt")))
                } else {
                    (&crlf, &lf, cfg.dl().join(format!("text-{tool}.txt")))
                };
                remove(&dst);
                warm(src)?;
                let argv = if upload {
                    ascii_cmd(cfg, tool, true, &dst, src)
                } else {
                    ascii_cmd(cfg, tool, false, src, &dst)
                };
                let env_: &[(&'static str, String)] = if tool == "skiff" { &env } else { &[] };
                let r = run(&argv, env_, scratch)?;
                let check = same_file(want, &dst);
                remove(&dst);
                let slot = out
                    .iter_mut()
                    .find(|a| a.tool == tool && a.upload == upload)
                    .ok_or("no slot")?;
                if let Err(e) = check
                    && slot.right.is_ok()
                {
                    slot.right = Err(e);
                }
                if i > 0 {
                    slot.runs.push(r);
                }
            }
        }
        if i > 0 {
            let line: Vec<String> = out
                .iter()
                .map(|a| {
                    format!(
                        "{} {} {:.0} ms",
                        if a.upload { "put" } else { "get" },
                        a.tool,
                        a.runs.last().map_or(0.0, Run::ms)
                    )
                })
                .collect();
            eprintln!("ascii round {i}: {}", line.join(", "));
        }
    }
    Ok((out, size))
}

fn print_ascii(results: &[AsciiResult], size: u64, rounds: usize) {
    for upload in [false, true] {
        println!();
        println!(
            "### ASCII mode, a {:.0} MiB text file, {} ({rounds} rounds)",
            size as f64 / MIB,
            if upload {
                "upload: LF here, CRLF on the wire (`skiff put --type ascii` vs `curl -B --crlf -T` vs `lftp put -a`)"
            } else {
                "download: CRLF on the wire, LF here (`skiff get --type ascii` vs `curl URL;type=A` vs `lftp get -a`)"
            }
        );
        println!();
        println!(
            "| tool | median | runs (ms) | MiB/s | CPU user+sys (median, s) | line ends right | skiff's time / this tool's |"
        );
        println!("|---|---:|---|---:|---:|---|---:|");
        let skiff = results
            .iter()
            .find(|a| a.tool == "skiff" && a.upload == upload)
            .map(|a| median(&a.runs.iter().map(Run::ms).collect::<Vec<_>>()));
        for a in results.iter().filter(|a| a.upload == upload) {
            let ms: Vec<f64> = a.runs.iter().map(Run::ms).collect();
            let cpu: Vec<f64> = a.runs.iter().map(|r| r.user + r.sys).collect();
            let m = median(&ms);
            println!(
                "| {} | {m:.0} ms | {} | {:.0} | {:.2} | {} | {} |",
                a.tool,
                list(&ms, 0),
                size as f64 / MIB / (m / 1000.0),
                median(&cpu),
                match &a.right {
                    Ok(()) => "yes".to_string(),
                    Err(e) => format!("no ({e})"),
                },
                match skiff {
                    Some(sk) if a.tool != "skiff" => format!("{:.2}x", sk / m),
                    _ => "-".into(),
                }
            );
        }
    }
}

fn main() {
    let cfg = match Config::from_env() {
        Ok(Some(c)) => c,
        Ok(None) => {
            eprintln!(
                "benches/xfer: SKIFF_BENCH_XFER_URL is not set; nothing to measure (see bench/run.sh)"
            );
            return;
        }
        Err(e) => {
            eprintln!("benches/xfer: {e}");
            std::process::exit(2);
        }
    };
    let _ = PASSWORD.set(cfg.password.clone());
    if let Err(e) = run_all(&cfg) {
        eprintln!("benches/xfer: {}", mask(&e));
        std::process::exit(1);
    }
}

fn run_all(cfg: &Config) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let started = Instant::now();
    eprintln!(
        "benches/xfer: {}:{} data {}; skiff {}; parts {}",
        cfg.host,
        cfg.port,
        cfg.dir.display(),
        cfg.bin.display(),
        cfg.parts.join(",")
    );
    println!();
    println!("## Transfers");

    let mut memory: Vec<(String, u64, String)> = Vec::new();
    let mut skiff_get_big: Option<Vec<Run>> = None;
    if cfg.part("big") {
        let r = big(cfg, scratch.path())?;
        let gib = r.size as f64 / (1024.0 * MIB);
        print_pair(
            &format!(
                "One {gib:.2} GiB file, download (`skiff get` vs `curl -o`), {} rounds",
                cfg.rounds
            ),
            1.05,
            "curl",
            &r.curl_get,
            "skiff",
            &r.skiff_get,
            r.size,
        );
        print_pair(
            &format!(
                "One {gib:.2} GiB file, upload (`skiff put` vs `curl -T`), {} rounds",
                cfg.rounds
            ),
            1.05,
            "curl",
            &r.curl_put,
            "skiff",
            &r.skiff_put,
            r.size,
        );
        if let Some(s) = r.small_get {
            memory.push((
                "`skiff get`, one 8 KiB file (baseline)".into(),
                s.maxrss_kb,
                format!("{:.0} ms", s.ms()),
            ));
        }
        memory.push((
            format!("`skiff get`, {gib:.2} GiB (max of {})", r.skiff_get.len()),
            r.skiff_get.iter().map(|x| x.maxrss_kb).max().unwrap_or(0),
            String::new(),
        ));
        memory.push((
            format!("`skiff put`, {gib:.2} GiB (max of {})", r.skiff_put.len()),
            r.skiff_put.iter().map(|x| x.maxrss_kb).max().unwrap_or(0),
            String::new(),
        ));
        memory.push((
            "curl -o / -T, same file (max)".into(),
            r.curl_get
                .iter()
                .chain(&r.curl_put)
                .map(|x| x.maxrss_kb)
                .max()
                .unwrap_or(0),
            String::new(),
        ));
        skiff_get_big = Some(r.skiff_get);
        eprintln!("(big done at {:.0} s)", started.elapsed().as_secs_f64());
    }
    // The TUI before the trees: right after the tree part deletes its 44,000 copies, ext4 is
    // busy (a first 1 GiB download then took twice the CPU and time, in every full run).
    if cfg.part("tui") {
        let size = std::fs::metadata(cfg.src_big())
            .map_err(|e| e.to_string())?
            .len();
        let mut runs = Vec::new();
        // Keyed runs (the target), then runs without keys (to tell the keys' cost apart).
        let total = cfg.tui_runs + cfg.tui_quiet_runs;
        for i in 1..=total {
            let with_keys = i <= cfg.tui_runs;
            let r = tui_run(cfg, i, with_keys, scratch.path())?;
            eprintln!(
                "tui run {i} ({}): F5 → file {:.0} ms, skiff get {:.0} ms (TUI throughput {:.2}x the CLI's); {} keys, median {:.2} ms, max {:.2} ms; CPU TUI {:.0} ms / CLI {:.0} ms; VmHWM {} kB; exit {}",
                if with_keys { "keys" } else { "no keys" },
                r.transfer * 1000.0,
                r.cli.ms(),
                r.cli.wall / r.transfer,
                r.keys.len(),
                median(&r.keys),
                percentile(&r.keys, 100.0),
                r.cpu_ms,
                (r.cli.user + r.cli.sys) * 1000.0,
                r.hwm_kb.map_or("?".into(), |k| k.to_string()),
                if r.exit_ok { "ok" } else { "FAILED" }
            );
            runs.push(r);
        }
        let keyed: Vec<&TuiRun> = runs.iter().filter(|r| r.with_keys).collect();
        let quiet: Vec<&TuiRun> = runs.iter().filter(|r| !r.with_keys).collect();
        let tui_ms: Vec<f64> = keyed.iter().map(|r| r.transfer * 1000.0).collect();
        let cli_ms: Vec<f64> = keyed.iter().map(|r| r.cli.ms()).collect();
        let keys: Vec<f64> = keyed.iter().flat_map(|r| r.keys.iter().copied()).collect();
        let paired: Vec<f64> = keyed.iter().map(|r| r.cli.wall / r.transfer).collect();
        let rate = |ms: f64| size as f64 / MIB / (ms / 1000.0);
        let thr = median(&cli_ms) / median(&tui_ms);
        println!();
        println!(
            "### The TUI during a {:.2} GiB download (F5), {} runs with keys pressed, {} without",
            size as f64 / (1024.0 * MIB),
            keyed.len(),
            quiet.len()
        );
        println!();
        println!("| | median | runs (ms) | MiB/s (median) |");
        println!("|---|---:|---|---:|");
        println!(
            "| TUI with keys: F5 → `big.bin` complete | {:.0} ms | {} | {:.0} |",
            median(&tui_ms),
            list(&tui_ms, 0),
            rate(median(&tui_ms))
        );
        println!(
            "| CLI: `skiff get` (same rounds, process start to exit) | {:.0} ms | {} | {:.0} |",
            median(&cli_ms),
            list(&cli_ms, 0),
            rate(median(&cli_ms))
        );
        if !quiet.is_empty() {
            let q_ms: Vec<f64> = quiet.iter().map(|r| r.transfer * 1000.0).collect();
            let qc_ms: Vec<f64> = quiet.iter().map(|r| r.cli.ms()).collect();
            println!(
                "| TUI without keys: F5 → `big.bin` complete | {:.0} ms | {} | {:.0} |",
                median(&q_ms),
                list(&q_ms, 0),
                rate(median(&q_ms))
            );
            println!(
                "| CLI: `skiff get` (same rounds as those) | {:.0} ms | {} | {:.0} |",
                median(&qc_ms),
                list(&qc_ms, 0),
                rate(median(&qc_ms))
            );
        }
        if let Some(g) = &skiff_get_big {
            let ms: Vec<f64> = g.iter().map(Run::ms).collect();
            println!(
                "| CLI: `skiff get` (the download rounds above) | {:.0} ms | {} | {:.0} |",
                median(&ms),
                list(&ms, 0),
                rate(median(&ms))
            );
        }
        println!();
        println!(
            "TUI throughput (with keys) / CLI throughput: **{thr:.3}x** of medians (limit ≥ 0.90x: {}); same-round {} (median {:.3}x, worst {:.3}x).",
            verdict(thr >= 0.9),
            list(&paired, 3),
            median(&paired),
            percentile(&paired, 0.0)
        );
        println!();
        println!(
            "CPU time (TUI: F5 → file, whole process, and by thread; CLI: the whole `skiff get` run):"
        );
        println!();
        println!(
            "| run | keys | TUI CPU | TUI threads, ms (scheduler clock) | CLI CPU (user + sys) |"
        );
        println!("|---|---:|---:|---|---:|");
        for (i, r) in runs.iter().enumerate() {
            let th: Vec<String> = r
                .threads
                .iter()
                .filter(|(_, ms)| *ms >= 1.0)
                .take(6)
                .map(|(n, ms)| format!("{n} {ms:.0}"))
                .collect();
            println!(
                "| {} | {} | {:.0} ms | {} | {:.0} ms ({:.0} + {:.0}) |",
                i + 1,
                r.keys.len(),
                r.cpu_ms,
                th.join(", "),
                (r.cli.user + r.cli.sys) * 1000.0,
                r.cli.user * 1000.0,
                r.cli.sys * 1000.0
            );
        }
        let (p50, p95, max) = (
            median(&keys),
            percentile(&keys, 95.0),
            percentile(&keys, 100.0),
        );
        println!();
        println!(
            "Key press (`j`/`k` in the local pane) → screen showing the moved cursor, during the transfer: {} samples, median **{p50:.2} ms**, p95 **{p95:.2} ms**, max **{max:.2} ms** (limit 50 ms: {}; {} of {} over 50 ms).",
            keys.len(),
            verdict(max <= 50.0),
            keys.iter().filter(|&&k| k > 50.0).count(),
            keys.len(),
        );
        println!();
        println!(
            "Clean exit (q) in {}/{} runs; every download matched the source byte for byte.",
            runs.iter().filter(|r| r.exit_ok).count(),
            runs.len()
        );
        memory.push((
            format!(
                "TUI, {:.2} GiB download (VmHWM, max)",
                size as f64 / (1024.0 * MIB)
            ),
            runs.iter().filter_map(|r| r.hwm_kb).max().unwrap_or(0),
            String::new(),
        ));
        eprintln!("(tui done at {:.0} s)", started.elapsed().as_secs_f64());
    }
    if cfg.part("tree") {
        let r = tree(cfg, scratch.path())?;
        let m = r.manifest;
        let what = |dir: &str| {
            format!(
                "{} files ({} KiB total) in {} directories, {dir}, {} rounds",
                m.files,
                m.bytes / 1024,
                m.dirs,
                cfg.tree_rounds
            )
        };
        print_pair(
            &what("download (`skiff get --parallel 8` vs `lftp mirror -P 8`)"),
            0.7,
            "lftp",
            &r.lftp_get,
            "skiff",
            &r.skiff_get,
            0,
        );
        print_pair(
            &what("upload (`skiff put --parallel 8` vs `lftp mirror -R -P 8`)"),
            0.7,
            "lftp",
            &r.lftp_put,
            "skiff",
            &r.skiff_put,
            0,
        );
        println!();
        println!(
            "Every copy (warm-up included) matched the source: {} files, {} directories, {} bytes, hash {:016x}.",
            m.files, m.dirs, m.bytes, m.hash
        );
        memory.push((
            format!("`skiff get --parallel 8`, {} files (max)", m.files),
            r.skiff_get.iter().map(|x| x.maxrss_kb).max().unwrap_or(0),
            String::new(),
        ));
        memory.push((
            format!("`skiff put --parallel 8`, {} files (max)", m.files),
            r.skiff_put.iter().map(|x| x.maxrss_kb).max().unwrap_or(0),
            String::new(),
        ));
        memory.push((
            "lftp mirror, same trees (max)".into(),
            r.lftp_get
                .iter()
                .chain(&r.lftp_put)
                .map(|x| x.maxrss_kb)
                .max()
                .unwrap_or(0),
            String::new(),
        ));
        eprintln!("(tree done at {:.0} s)", started.elapsed().as_secs_f64());
    }
    if cfg.part("sync") {
        let r = sync_part(cfg, scratch.path())?;
        let what = |dir: &str| {
            format!(
                "`skiff sync` of the 2,000-file tree when nothing changed, {dir}, {} rounds",
                cfg.tree_rounds
            )
        };
        print_pair(
            &what("server to here (vs `lftp mirror -P 8`)"),
            1.0,
            "lftp",
            &r.lftp_down,
            "skiff",
            &r.skiff_down,
            0,
        );
        print_pair(
            &what("here to server (vs `lftp mirror -R -n -P 8`)"),
            1.0,
            "lftp",
            &r.lftp_up,
            "skiff",
            &r.skiff_up,
            0,
        );
        println!();
        println!(
            "Before the rounds each tool mirrored the tree both ways into copies of its own (checked); after them the copies were checked again: nothing moved."
        );
        eprintln!("(sync done at {:.0} s)", started.elapsed().as_secs_f64());
    }
    if cfg.part("wan") {
        wan::wan(cfg, scratch.path())?;
        eprintln!("(wan done at {:.0} s)", started.elapsed().as_secs_f64());
    }
    if cfg.part("verify") {
        match cfg.verify_url.clone() {
            None => println!(
                "\n(verify part skipped: SKIFF_BENCH_VERIFY_URL names no server with checksums)"
            ),
            Some(base) => {
                let r = verify_part(cfg, &base, scratch.path())?;
                let size = std::fs::metadata(cfg.src_big())
                    .map(|m| m.len())
                    .unwrap_or(0);
                print_pair(
                    "One 1 GiB file from proftpd (mod_digest): `skiff get --verify` (SHA-256 here while streaming, then the server's `HASH`) vs `skiff get`",
                    1.2,
                    "skiff get",
                    &r.plain,
                    "skiff get --verify",
                    &r.verify,
                    size,
                );
                print_pair(
                    "The same: `skiff get` vs `curl -o`, for scale",
                    1.05,
                    "curl",
                    &r.curl,
                    "skiff",
                    &r.plain,
                    size,
                );
                eprintln!("(verify done at {:.0} s)", started.elapsed().as_secs_f64());
            }
        }
    }
    if cfg.part("ascii") {
        let (r, size) = ascii(cfg, scratch.path())?;
        print_ascii(&r, size, cfg.rounds);
        eprintln!("(ascii done at {:.0} s)", started.elapsed().as_secs_f64());
    }
    if cfg.part("queue")
        && let Some(dir) = &cfg.queue_dir
    {
        let q = queue(cfg, dir, scratch.path())?;
        let n = cfg.queue_count;
        println!();
        println!(
            "### A queue of {n} files (`skiff get --parallel 8` of a directory of empty files)"
        );
        println!();
        println!(
            "{:.1} s ({:.0} files/s), {} files arrived{}; peak RSS **{:.1} MB**; CPU {:.1} s user + {:.1} s system; the machine's CPU busy in all (every core) {}.",
            q.run.wall,
            n as f64 / q.run.wall,
            q.files,
            if q.files == n {
                " (all)"
            } else {
                " — INCOMPLETE"
            },
            mb(q.run.maxrss_kb),
            q.run.user,
            q.run.sys,
            q.run.machine.map_or("-".into(), |s| format!("{s:.1} s"))
        );
        if !q.samples.is_empty() {
            let pick: Vec<String> = (0..=10)
                .map(|k| {
                    let i = (q.samples.len() - 1) * k / 10;
                    let (t, kb) = q.samples[i];
                    format!("{t:.0} s: {:.1}", mb(kb))
                })
                .collect();
            println!();
            println!("VmRSS over the run (MB): {}.", pick.join(", "));
        }
        memory.push((
            format!("`skiff get --parallel 8`, {n} files"),
            q.run.maxrss_kb,
            format!("{:.1} s", q.run.wall),
        ));
        if q.files != n {
            return Err(format!("the queue run copied {} of {n} files", q.files));
        }
        eprintln!("(queue done at {:.0} s)", started.elapsed().as_secs_f64());
    }
    if !memory.is_empty() {
        println!();
        println!("### Peak memory (rusage ru_maxrss of the process; VmHWM for the TUI)");
        println!();
        println!("| run | peak RSS | |");
        println!("|---|---:|---|");
        for (what, kb, note) in &memory {
            println!("| {what} | {:.1} MB | {note} |", mb(*kb));
        }
    }
    println!();
    println!("(all parts: {:.0} s)", started.elapsed().as_secs_f64());
    Ok(())
}
