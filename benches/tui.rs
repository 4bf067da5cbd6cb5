//! skiff's big-directory benchmark, measured the way a user sees it: the release binary in a
//! pseudo-terminal (the e2e tests' harness, `tests/common`), against a real FTP server, side by
//! side with curl and lftp fetching the same listing. `bench/run.sh` sets everything up; run
//! alone with
//!
//! ```text
//! SKIFF_BENCH_URL=ftp://USER:PASS@127.0.0.1:2121/big100k cargo bench --bench tui
//! ```
//!
//! Measured, each tool run `SKIFF_BENCH_RUNS` times (default 5), alternating:
//! - skiff: spawn → the first screen that shows the directory's entries and its footer count
//!   (`N files`); connect and login included. curl: a fresh `curl -s -o /dev/null URL/`
//!   (connect, login, raw LIST). lftp: `cls -1` and `cls -l` of the directory.
//! - skiff PageDown: send PgDn, time until the screen changes and until the frame is complete
//!   (the output pauses); `SKIFF_BENCH_PGDN` presses per run (default 50); median and p95.
//! - skiff peak memory: `VmHWM` from /proc/PID/status after listing and paging.
//! - skiff idle CPU: /proc/PID/stat utime+stime (and the per-thread scheduler clock) over
//!   `SKIFF_BENCH_IDLE_SECS` (default 10) of doing nothing, in the last run.
//! - lftp and curl peak RSS via `/usr/bin/time -f %M` when it exists.
//!
//! Other knobs: `SKIFF_BENCH_COUNT` (entries expected, default 100000), `SKIFF_BENCH_BIN` (the
//! skiff binary; default the one Cargo built for this bench), `SKIFF_BENCH_LFTP=0` (skip lftp),
//! `SKIFF_BENCH_LFTP_LONG=0` (skip `cls -l`, ~10 s a run).

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support/mod.rs"]
mod support;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Side, SkiffScreen, Spawn};
use support::{clk_tck, env_num, median, percentile, proc_status_kb};

/// The output must pause this long for a frame to count as complete.
const QUIET: Duration = Duration::from_millis(30);

#[derive(Clone)]
struct Config {
    url: String,
    user: String,
    password: String,
    host: String,
    port: u16,
    /// The directory as the server should see it (decoded; relative to the login directory
    /// unless it starts with `/`).
    path: String,
    count: usize,
    runs: usize,
    pgdn: usize,
    idle: Duration,
    bin: PathBuf,
    lftp: bool,
    lftp_long: bool,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl Config {
    fn from_env() -> Result<Option<Config>, String> {
        let Ok(url) = std::env::var("SKIFF_BENCH_URL") else {
            return Ok(None);
        };
        let rest = url
            .strip_prefix("ftp://")
            .ok_or_else(|| format!("SKIFF_BENCH_URL is not ftp://…: {url}"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, ""),
        };
        let (creds, hostport) = authority
            .rsplit_once('@')
            .ok_or("SKIFF_BENCH_URL needs user:password@")?;
        let (user, password) = creds
            .split_once(':')
            .ok_or("SKIFF_BENCH_URL needs a password")?;
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (h, p.parse().map_err(|_| format!("bad port in {url}"))?),
            None => (hostport, 21),
        };
        let path = percent_decode(path.trim_end_matches('/'));
        if path.is_empty() {
            return Err("SKIFF_BENCH_URL must name the big directory".into());
        }
        Ok(Some(Config {
            user: percent_decode(user),
            password: percent_decode(password),
            host: host.to_string(),
            port,
            path,
            count: env_num("SKIFF_BENCH_COUNT", 100_000),
            runs: env_num("SKIFF_BENCH_RUNS", 5usize).max(1),
            pgdn: env_num("SKIFF_BENCH_PGDN", 50usize),
            idle: Duration::from_secs_f64(env_num("SKIFF_BENCH_IDLE_SECS", 10.0)),
            bin: std::env::var_os("SKIFF_BENCH_BIN")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_skiff"))),
            lftp: env_num("SKIFF_BENCH_LFTP", 1) != 0,
            lftp_long: env_num("SKIFF_BENCH_LFTP_LONG", 1) != 0,
            url: url.trim_end_matches('/').to_string(),
        }))
    }

    /// The same directory for curl (a trailing slash makes it a listing).
    fn curl_url(&self) -> String {
        format!("{}/", self.url)
    }
}

// ---------------------------------------------------------------- /proc

/// utime + stime of the whole process (exited threads included), in clock ticks.
fn proc_cpu_ticks(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // "pid (comm) state ppid …": fields after the comm's closing parenthesis.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    // rest[0] is field 3 (state); utime is field 14, stime field 15.
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Each live thread's scheduler clock (`se.sum_exec_runtime`, ms) from /proc/PID/task/*/sched.
fn thread_runtimes_ms(pid: u32) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return out;
    };
    for t in dir.flatten() {
        let tid = t.file_name().to_string_lossy().into_owned();
        let Ok(s) = std::fs::read_to_string(t.path().join("sched")) else {
            continue;
        };
        if let Some(v) = s.lines().find_map(|l| {
            let l = l.strip_prefix("se.sum_exec_runtime")?;
            l.split(':').nth(1)?.trim().parse::<f64>().ok()
        }) {
            out.push((tid, v));
        }
    }
    out
}

// ---------------------------------------------------------------- statistics

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------- the other clients

struct Timed {
    wall: Duration,
    max_rss_kb: Option<u64>,
}

fn have_gnu_time() -> bool {
    std::path::Path::new("/usr/bin/time").exists()
}

/// Run `argv` with output discarded, timing it from spawn to exit; with `rss`, under
/// `/usr/bin/time -f %M` for the peak RSS.
fn run_timed(argv: &[String], home: &std::path::Path, rss: bool) -> Result<Timed, String> {
    let rss_file = home.join("maxrss");
    let mut cmd = if rss && have_gnu_time() {
        let mut c = Command::new("/usr/bin/time");
        c.arg("-f").arg("%M").arg("-o").arg(&rss_file).args(argv);
        c
    } else {
        let mut c = Command::new(&argv[0]);
        c.args(&argv[1..]);
        c
    };
    cmd.env("HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let t0 = Instant::now();
    let out = cmd.output().map_err(|e| format!("{}: {e}", argv[0]))?;
    let wall = t0.elapsed();
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            argv[0],
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let max_rss_kb = std::fs::read_to_string(&rss_file)
        .ok()
        .and_then(|s| s.lines().last()?.trim().parse().ok());
    let _ = std::fs::remove_file(&rss_file);
    Ok(Timed { wall, max_rss_kb })
}

/// The number of lines `argv` prints (to check that every tool really lists N entries).
fn count_lines(argv: &[String], home: &std::path::Path) -> Result<usize, String> {
    let out = Command::new(&argv[0])
        .args(&argv[1..])
        .env("HOME", home)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{}: {e}", argv[0]))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}): {}",
            argv[0],
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(out
        .stdout
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count())
}

fn curl_argv(cfg: &Config, out: &str) -> Vec<String> {
    ["curl", "-s", "-o", out, &cfg.curl_url()]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn lftp_argv(cfg: &Config, long: bool) -> Vec<String> {
    // No TLS attempt (curl and skiff don't try either); lftp's default would send AUTH TLS.
    let script = format!(
        "set ftp:ssl-allow no; cls {} \"{}\"; exit",
        if long { "-l" } else { "-1" },
        cfg.path.replace('"', "\\\"")
    );
    vec![
        "lftp".into(),
        "-u".into(),
        format!("{},{}", cfg.user, cfg.password),
        "-p".into(),
        cfg.port.to_string(),
        "-e".into(),
        script,
        cfg.host.clone(),
    ]
}

// ---------------------------------------------------------------- skiff

struct SkiffRun {
    /// Spawn → the chunk that completed the first screen with entries and the footer count.
    first: Duration,
    /// Spawn → the end of that frame (output paused).
    first_settled: Duration,
    /// PageDown: (first change, frame complete).
    pgdn: Vec<(Duration, Duration)>,
    hwm_kb: Option<u64>,
    rss_kb: Option<u64>,
    idle: Option<Idle>,
    exit_ok: bool,
}

struct Idle {
    secs: f64,
    ticks: u64,
    tick_pct: f64,
    sched_ms: f64,
    sched_pct: f64,
    threads: usize,
    /// The threads' scheduler clocks summed at the end (all the CPU they ever used), ms.
    total_ms: f64,
    /// Output chunks written while idle (redraws).
    chunks: u64,
}

fn skiff_run(cfg: &Config, local: &std::path::Path, idle: bool) -> Result<SkiffRun, String> {
    let want = format!(" {} files", cfg.count);
    let mut t = Spawn::new(&cfg.bin)
        .size(120, 36)
        .arg("--local")
        .arg(local)
        .arg(&cfg.url)
        .spawn()?;
    let start = t.spawned_at();
    let pid = t.pid().ok_or("no pid")?;
    let (_, at) = t.wait_for_timed(
        "the first screen of the big directory",
        Duration::from_secs(300),
        |s| {
            s.footer(Side::Remote).contains(&want)
                && s.entries(Side::Remote)
                    .get(1)
                    .is_some_and(|r| !r.is_empty())
        },
    )?;
    let first = at.unwrap_or_else(Instant::now).duration_since(start);
    let settled_at = t
        .wait_quiet(QUIET, Duration::from_secs(5))
        .unwrap_or_else(Instant::now);
    let first_settled = settled_at.duration_since(start);

    // PageDown goes to the focused pane: the remote one (focused at start when a URL opened
    // the session; Tab to it otherwise).
    let remote_focused = |s: &common::Screen| {
        s.pane(Side::Remote)
            .is_some_and(|p| s.0.cell(p.top, p.x).is_some_and(|c| c.contents() == "┏"))
    };
    if !remote_focused(&t.screen()) {
        t.send(b"\t");
    }
    t.wait_for("the remote pane focused", Duration::from_secs(10), |s| {
        s.cursor(Side::Remote).is_some_and(|c| c.starts_with(".."))
            && s.pane(Side::Remote)
                .is_some_and(|p| s.0.cell(p.top, p.x).is_some_and(|c| c.contents() == "┏"))
    })?;
    t.wait_quiet(QUIET, Duration::from_secs(5));
    let mut pgdn = Vec::with_capacity(cfg.pgdn);
    for i in 0..cfg.pgdn {
        // Compared with attributes: the first PageDown only moves the highlight.
        let before = t.screen().formatted();
        let t0 = Instant::now();
        t.send(b"\x1b[6~");
        let (_, changed) = t.wait_for_timed(
            &format!("PageDown {i} to redraw"),
            Duration::from_secs(10),
            |s| s.formatted() != before,
        )?;
        let done = t
            .wait_quiet(QUIET, Duration::from_secs(5))
            .unwrap_or_else(Instant::now);
        pgdn.push((
            changed.unwrap_or(done).saturating_duration_since(t0),
            done.saturating_duration_since(t0),
        ));
    }

    let hwm_kb = proc_status_kb(pid, "VmHWM");
    let rss_kb = proc_status_kb(pid, "VmRSS");
    let idle = if idle {
        // Let anything the last key started finish, then watch it do nothing.
        std::thread::sleep(Duration::from_secs(1));
        let (c0, _) = t.output_stats();
        let k0 = proc_cpu_ticks(pid).ok_or("reading /proc/PID/stat")?;
        let r0 = thread_runtimes_ms(pid);
        let w0 = Instant::now();
        std::thread::sleep(cfg.idle);
        let k1 = proc_cpu_ticks(pid).ok_or("reading /proc/PID/stat")?;
        let r1 = thread_runtimes_ms(pid);
        let secs = w0.elapsed().as_secs_f64();
        let (c1, _) = t.output_stats();
        let ticks = k1.saturating_sub(k0);
        // Threads alive at both samples (tokio may retire an idle blocking thread).
        let sched_ms: f64 = r1
            .iter()
            .filter_map(|(tid, v)| r0.iter().find(|(t0, _)| t0 == tid).map(|(_, v0)| v - v0))
            .sum();
        Some(Idle {
            secs,
            ticks,
            tick_pct: ticks as f64 / clk_tck() / secs * 100.0,
            sched_ms,
            sched_pct: sched_ms / 1000.0 / secs * 100.0,
            threads: r1.len(),
            total_ms: r1.iter().map(|(_, v)| v).sum(),
            chunks: c1 - c0,
        })
    } else {
        None
    };

    t.send(b"q");
    let exit_ok = t
        .wait_exit(Duration::from_secs(10))
        .is_ok_and(|s| s.success());
    Ok(SkiffRun {
        first,
        first_settled,
        pgdn,
        hwm_kb,
        rss_kb,
        idle,
        exit_ok,
    })
}

// ---------------------------------------------------------------- main

fn main() {
    let cfg = match Config::from_env() {
        Ok(Some(c)) => c,
        Ok(None) => {
            eprintln!(
                "benches/tui: SKIFF_BENCH_URL is not set; nothing to measure (see bench/run.sh)"
            );
            return;
        }
        Err(e) => {
            eprintln!("benches/tui: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&cfg) {
        eprintln!("benches/tui: {e}");
        std::process::exit(1);
    }
}

fn run(cfg: &Config) -> Result<(), String> {
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let home = scratch.path().join("home");
    let local = scratch.path().join("local");
    std::fs::create_dir_all(&home).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&local).map_err(|e| e.to_string())?;
    let lftp = cfg.lftp && Command::new("lftp").arg("--version").output().is_ok();

    eprintln!(
        "benches/tui: {} entries at {}:{} {:?}; skiff {}; {} runs",
        cfg.count,
        cfg.host,
        cfg.port,
        cfg.path,
        cfg.bin.display(),
        cfg.runs
    );
    // Warm-up (untimed), which also checks that each tool lists every entry.
    let n = count_lines(&curl_argv(cfg, "-"), &home)?;
    eprintln!("warm-up: curl listed {n} lines");
    if n != cfg.count {
        return Err(format!("curl listed {n} lines, expected {}", cfg.count));
    }
    if lftp {
        let n = count_lines(&lftp_argv(cfg, false), &home)?;
        eprintln!("warm-up: lftp cls -1 listed {n} lines");
        if n != cfg.count {
            return Err(format!("lftp listed {n} lines, expected {}", cfg.count));
        }
    }
    let warm = skiff_run(
        &Config {
            pgdn: 2,
            ..cfg.clone()
        },
        &local,
        false,
    )?;
    eprintln!("warm-up: skiff first screen {:.0} ms", ms(warm.first));

    let mut curl = Vec::new();
    let mut curl_rss = Vec::new();
    let mut skiff = Vec::new();
    let mut lftp1 = Vec::new();
    let mut lftpl = Vec::new();
    for i in 0..cfg.runs {
        let c = run_timed(&curl_argv(cfg, "/dev/null"), &home, false)?;
        curl.push(c.wall);
        if i == 0 {
            // RSS in a separate, untimed run (so /usr/bin/time does not add to the timing).
            if let Ok(c) = run_timed(&curl_argv(cfg, "/dev/null"), &home, true) {
                curl_rss.extend(c.max_rss_kb);
            }
        }
        let s = skiff_run(cfg, &local, i + 1 == cfg.runs)?;
        if lftp {
            lftp1.push(run_timed(&lftp_argv(cfg, false), &home, true)?);
            if cfg.lftp_long {
                lftpl.push(run_timed(&lftp_argv(cfg, true), &home, true)?);
            }
        }
        let pg: Vec<f64> = s.pgdn.iter().map(|p| ms(p.1)).collect();
        eprintln!(
            "run {}: curl {:.0} ms | skiff first screen {:.0} ms (frame done {:.0} ms), PgDn median {:.2} ms, VmHWM {} kB, exit {} | lftp cls -1 {} | cls -l {}",
            i + 1,
            ms(c.wall),
            ms(s.first),
            ms(s.first_settled),
            median(&pg),
            s.hwm_kb.map_or("?".into(), |v| v.to_string()),
            if s.exit_ok { "ok" } else { "FAILED" },
            lftp1
                .last()
                .map_or("-".into(), |t| format!("{:.0} ms", ms(t.wall))),
            lftpl
                .last()
                .map_or("-".into(), |t| format!("{:.0} ms", ms(t.wall))),
        );
        skiff.push(s);
    }

    // ------------------------------------------------------------ report
    let curl_ms: Vec<f64> = curl.iter().map(|d| ms(*d)).collect();
    let first_ms: Vec<f64> = skiff.iter().map(|s| ms(s.first)).collect();
    let settled_ms: Vec<f64> = skiff.iter().map(|s| ms(s.first_settled)).collect();
    let pg_done: Vec<f64> = skiff
        .iter()
        .flat_map(|s| s.pgdn.iter().map(|p| ms(p.1)))
        .collect();
    let pg_first: Vec<f64> = skiff
        .iter()
        .flat_map(|s| s.pgdn.iter().map(|p| ms(p.0)))
        .collect();
    let hwm: Vec<u64> = skiff.iter().filter_map(|s| s.hwm_kb).collect();
    let hwm_max = hwm.iter().copied().max().unwrap_or(0);
    let rss_last = skiff.last().and_then(|s| s.rss_kb).unwrap_or(0);
    let idle = skiff.iter().find_map(|s| s.idle.as_ref());
    let l1_ms: Vec<f64> = lftp1.iter().map(|t| ms(t.wall)).collect();
    let ll_ms: Vec<f64> = lftpl.iter().map(|t| ms(t.wall)).collect();
    let l1_rss = lftp1.iter().filter_map(|t| t.max_rss_kb).max();
    let ll_rss = lftpl.iter().filter_map(|t| t.max_rss_kb).max();
    let curl_med = median(&curl_ms);
    let first_med = median(&first_ms);
    let ratio = first_med / curl_med;
    // Each round ran curl and skiff back to back, so their ratio cancels slow phases of a
    // shared machine better than the ratio of medians does.
    let paired: Vec<f64> = first_ms.iter().zip(&curl_ms).map(|(s, c)| s / c).collect();
    let mb = |kb: u64| kb as f64 / 1024.0;
    let verdict = |ok: bool| if ok { "met" } else { "MISSED" };

    println!();
    println!(
        "## {} entries, {}:{} `{}`, {} runs (medians)",
        cfg.count, cfg.host, cfg.port, cfg.path, cfg.runs
    );
    println!();
    println!("| tool | time to listing (median) | all runs (ms) | peak RSS |");
    println!("|---|---:|---|---:|");
    let runs = |v: &[f64]| {
        v.iter()
            .map(|x| format!("{x:.0}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    println!(
        "| curl (raw LIST) | {curl_med:.0} ms | {} | {} |",
        runs(&curl_ms),
        curl_rss
            .first()
            .map_or("-".into(), |k| format!("{:.1} MB", mb(*k)))
    );
    println!(
        "| skiff (first screen) | {first_med:.0} ms | {} | {:.1} MB (VmHWM) |",
        runs(&first_ms),
        mb(hwm_max)
    );
    if !l1_ms.is_empty() {
        println!(
            "| lftp `cls -1` | {:.0} ms | {} | {} |",
            median(&l1_ms),
            runs(&l1_ms),
            l1_rss.map_or("-".into(), |k| format!("{:.1} MB", mb(k)))
        );
    }
    if !ll_ms.is_empty() {
        println!(
            "| lftp `cls -l` | {:.0} ms | {} | {} |",
            median(&ll_ms),
            runs(&ll_ms),
            ll_rss.map_or("-".into(), |k| format!("{:.1} MB", mb(k)))
        );
    }
    println!();
    println!("| target | measured | limit | |");
    println!("|---|---:|---:|---|");
    println!(
        "| first screen / curl LIST | {ratio:.2}x ({first_med:.0} / {curl_med:.0} ms) | 1.30x | {} |",
        verdict(ratio <= 1.3)
    );
    println!(
        "| first screen / curl LIST, same round (median; max) | {:.2}x; {:.2}x | 1.30x | {} |",
        median(&paired),
        percentile(&paired, 100.0),
        verdict(median(&paired) <= 1.3)
    );
    println!(
        "| peak memory (VmHWM, max of runs) | {:.1} MB | 50 MB | {} |",
        mb(hwm_max),
        verdict(mb(hwm_max) < 50.0)
    );
    let p50 = median(&pg_done);
    let p95 = percentile(&pg_done, 95.0);
    println!(
        "| PageDown redraw, frame complete (median / p95 of {}) | {p50:.2} / {p95:.2} ms | 10 ms | {} |",
        pg_done.len(),
        verdict(p95 < 10.0)
    );
    if let Some(i) = idle {
        println!(
            "| idle CPU over {:.0} s (utime+stime) | {:.3} % ({} ticks) | 0.1 % | {} |",
            i.secs,
            i.tick_pct,
            i.ticks,
            verdict(i.tick_pct < 0.1)
        );
        println!(
            "| idle CPU, scheduler clock of {} threads | {:.4} % ({:.2} ms of {:.0} ms in all), {} redraws | 0.1 % | {} |",
            i.threads,
            i.sched_pct,
            i.sched_ms,
            i.total_ms,
            i.chunks,
            verdict(i.sched_pct < 0.1)
        );
    }
    println!();
    println!(
        "More: skiff first frame complete {:.0} ms (median); PageDown first change median {:.2} ms, p95 {:.2} ms, max {:.2} ms; frame complete max {:.2} ms; VmRSS after paging {:.1} MB; clean exit in {}/{} runs.",
        median(&settled_ms),
        median(&pg_first),
        percentile(&pg_first, 95.0),
        percentile(&pg_first, 100.0),
        percentile(&pg_done, 100.0),
        mb(rss_last),
        skiff.iter().filter(|s| s.exit_ok).count(),
        skiff.len()
    );
    if !l1_ms.is_empty() {
        println!(
            "Ratios to curl: skiff {ratio:.2}x, lftp cls -1 {:.2}x{}.",
            median(&l1_ms) / curl_med,
            if ll_ms.is_empty() {
                String::new()
            } else {
                format!(", lftp cls -l {:.2}x", median(&ll_ms) / curl_med)
            }
        );
    }
    Ok(())
}
