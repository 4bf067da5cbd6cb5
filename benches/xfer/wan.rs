//! The `wan` part of the transfer benchmark: what users on real networks feel. A delay proxy
//! (`support/delay.rs`) on 127.0.0.2 gives vsftpd a link of `SKIFF_BENCH_WAN_MS` (25) ms each
//! way and `SKIFF_BENCH_WAN_MBIT` (40) Mbit/s per connection and direction; through it:
//!
//! - a file of `SKIFF_BENCH_WAN_MB` (100) MiB (the first bytes of `src/big.bin`, copied to
//!   `src/wan.bin` once): `skiff get` with its defaults (4 connections, segments auto) vs
//!   `lftp pget -n 4` vs `curl`;
//! - the 2,000-file tree: `skiff get --parallel 8` vs `lftp mirror -P 8`;
//!
//! and on loopback, without the proxy:
//!
//! - the 1 GiB file: `skiff get` (segments auto) vs `skiff get --segments 1` vs `curl`;
//! - `skiff get --limit-rate 2M` of the `SKIFF_BENCH_WAN_MB` file: the average rate against
//!   2 MiB/s.
//!
//! - the same file up: `skiff put` (ranges where the server keeps them: vsftpd does) vs
//!   `lftp put` vs `curl -T`;
//!
//! `SKIFF_BENCH_WAN_ROWS` picks among `big,put,tree,loop,limit` (default: all);
//! `SKIFF_BENCH_WAN_SERVE` (seconds) only starts the proxy and keeps it up that long, to try
//! clients by hand (`ftp://…@127.0.0.2:2121/`).
//! `SKIFF_BENCH_WAN_ROUNDS` (2) rounds of each, tools alternating which goes first; every copy
//! is checked against its source. lftp opens data connections to the control connection's
//! address (`set ftp:ignore-pasv-address yes`), as skiff and curl do, so that its data goes
//! through the proxy too.

use super::*;

/// vsftpd's passive ports (servers.sh's default; `SKIFF_VSFTPD_PASV` changes both).
fn pasv_range() -> Result<std::ops::RangeInclusive<u16>, String> {
    let r = std::env::var("SKIFF_VSFTPD_PASV").unwrap_or_else(|_| "40000-40099".into());
    let (a, b) = r
        .split_once('-')
        .ok_or_else(|| format!("SKIFF_VSFTPD_PASV is not LOW-HIGH: {r}"))?;
    let p = |x: &str| x.trim().parse::<u16>().map_err(|e| format!("{r}: {e}"));
    Ok(p(a)?..=p(b)?)
}

/// The same server, reached through the proxy.
fn via_proxy(cfg: &Config) -> Config {
    let mut c = cfg.clone();
    c.host = "127.0.0.2".into();
    c
}

fn lftp(cfg: &Config, command: String) -> Vec<String> {
    vec![
        "lftp".into(),
        "-u".into(),
        format!("{},{}", cfg.user, cfg.password),
        "-p".into(),
        cfg.port.to_string(),
        "-e".into(),
        format!("set ftp:ssl-allow no; set ftp:ignore-pasv-address yes; {command}; exit"),
        cfg.host.clone(),
    ]
}

/// `src/wan.bin`: the first `mb` MiB of the big file, readable by the server.
fn wan_file(cfg: &Config, mb: u64) -> Result<PathBuf, String> {
    let path = cfg.dir.join("src/wan.bin");
    let want = mb * 1024 * 1024;
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == want) {
        return Ok(path);
    }
    let mut from = std::fs::File::open(cfg.src_big()).map_err(|e| e.to_string())?;
    let tmp = path.with_extension("tmp");
    let mut to = std::fs::File::create(&tmp).map_err(|e| e.to_string())?;
    let copied = std::io::copy(&mut (&mut from).take(want), &mut to).map_err(|e| e.to_string())?;
    if copied != want {
        return Err(format!(
            "{} is shorter than {mb} MiB",
            cfg.src_big().display()
        ));
    }
    drop(to);
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644))
        .map_err(|e| e.to_string())?;
    std::fs::rename(&tmp, &path).map_err(|e| e.to_string())?;
    Ok(path)
}

/// A tool in a comparison: its name, its command for an output path, and whether it is skiff
/// (which gets the password from the environment).
type Tool<'a> = (&'a str, &'a dyn Fn(&Path) -> Vec<String>, bool);

/// Timed runs of each named command, alternating the order by round; `check` looks at the
/// output after every run, which is then deleted.
fn rounds(
    rounds: usize,
    tools: &[Tool<'_>],
    out: &dyn Fn(&str, usize) -> PathBuf,
    check: &dyn Fn(&Path, &str) -> Result<(), String>,
    cfg: &Config,
    scratch: &Path,
) -> Result<Vec<Vec<Run>>, String> {
    let env = skiff_env(cfg);
    let mut runs = vec![Vec::new(); tools.len()];
    for i in 1..=rounds {
        let mut order: Vec<usize> = (0..tools.len()).collect();
        if i % 2 == 0 {
            order.reverse();
        }
        let mut line = format!("wan round {i}:");
        for k in order {
            let (name, argv, is_skiff) = &tools[k];
            // A name fit for a path and a URL: `curl -T` → `curl--T`.
            let slug: String = name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            let dst = out(&slug, i);
            remove(&dst);
            let x = run(&argv(&dst), if *is_skiff { &env } else { &[] }, scratch)?;
            check(&dst, name)?;
            remove(&dst);
            line.push_str(&format!(" {name} {:.0} ms", x.ms()));
            runs[k].push(x);
        }
        eprintln!("{line}");
    }
    Ok(runs)
}

fn print_rows(what: &str, names: &[&str], runs: &[Vec<Run>], size: u64) {
    println!();
    println!("### {what}");
    println!();
    println!("| tool | median | runs (ms) | MiB/s (median) | peak RSS (max) |");
    println!("|---|---:|---|---:|---:|");
    for (name, r) in names.iter().zip(runs) {
        let ms: Vec<f64> = r.iter().map(Run::ms).collect();
        println!(
            "| {name} | {:.0} ms | {} | {} | {:.1} MB |",
            median(&ms),
            list(&ms, 0),
            if size > 0 {
                format!("{:.1}", size as f64 / MIB / (median(&ms) / 1000.0))
            } else {
                "-".into()
            },
            mb(r.iter().map(|x| x.maxrss_kb).max().unwrap_or(0))
        );
    }
}

fn ratio(what: &str, a: &[Run], b: &[Run], limit: f64) {
    let m = |r: &[Run]| median(&r.iter().map(Run::ms).collect::<Vec<_>>());
    let x = m(a) / m(b);
    println!();
    println!(
        "{what}: **{x:.3}x** (goal ≤ {limit:.2}x: {})",
        verdict(x <= limit)
    );
}

pub fn wan(cfg: &Config, scratch: &Path) -> Result<(), String> {
    let one_way = Duration::from_millis(env_num("SKIFF_BENCH_WAN_MS", 25u64));
    let mbit = env_num("SKIFF_BENCH_WAN_MBIT", 40u64);
    let mb_ = env_num("SKIFF_BENCH_WAN_MB", 100u64).max(1);
    let rate = mbit * 1_000_000 / 8;
    delay::start(
        "127.0.0.2".parse().map_err(|_| "address")?,
        cfg.host
            .parse()
            .map_err(|_| format!("{} is not an IP address", cfg.host))?,
        cfg.port,
        pasv_range()?,
        delay::Link {
            one_way,
            rate: Some(rate),
        },
    )?;
    let serve = env_num("SKIFF_BENCH_WAN_SERVE", 0u64);
    if serve > 0 {
        eprintln!("delay proxy on 127.0.0.2:{} for {serve} s", cfg.port);
        std::thread::sleep(Duration::from_secs(serve));
        return Ok(());
    }
    let rows =
        std::env::var("SKIFF_BENCH_WAN_ROWS").unwrap_or_else(|_| "big,put,tree,loop,limit".into());
    let row = |r: &str| rows.split(',').any(|x| x.trim() == r);
    let slow = via_proxy(cfg);
    let link = format!(
        "{} ms each way, {mbit} Mbit/s per connection",
        one_way.as_millis()
    );

    let src = wan_file(cfg, mb_)?;
    if row("big") {
        big_over_link(cfg, &slow, &src, &link, scratch)?;
    }
    if row("put") {
        put_over_link(cfg, &slow, &src, &link, scratch)?;
    }
    if row("tree") {
        tree_over_link(cfg, &slow, &link, scratch)?;
    }
    if row("loop") {
        big_on_loopback(cfg, scratch)?;
    }
    if row("limit") {
        limit(cfg, &src, scratch)?;
    }
    Ok(())
}

/// One big file over the slow link.
fn big_over_link(
    cfg: &Config,
    slow: &Config,
    src: &Path,
    link: &str,
    scratch: &Path,
) -> Result<(), String> {
    let n = env_num("SKIFF_BENCH_WAN_ROUNDS", 2usize).max(1);
    let size = std::fs::metadata(src).map_err(|e| e.to_string())?.len();
    let mb_ = size / (1024 * 1024);
    let out = |tool: &str, i: usize| cfg.dl().join(format!("wan-{tool}-{i}.bin"));
    let same = |p: &Path, _: &str| same_file(src, p);
    let skiff = |d: &Path| skiff_get(slow, src, d, None);
    let lftp_pget = |d: &Path| {
        lftp(
            slow,
            format!("pget -n 4 '{}' -o '{}'", src.display(), d.display()),
        )
    };
    let curl = |d: &Path| curl_get(slow, src, d);
    let names = ["skiff get (defaults)", "lftp pget -n 4", "curl"];
    let runs = rounds(
        n,
        &[
            (names[0], &skiff, true),
            (names[1], &lftp_pget, false),
            (names[2], &curl, false),
        ],
        &out,
        &same,
        cfg,
        scratch,
    )?;
    print_rows(
        &format!("One {mb_} MiB file over a slow link ({link}), {n} rounds"),
        &names,
        &runs,
        size,
    );
    ratio("skiff / lftp pget -n 4", &runs[0], &runs[1], 1.0);
    ratio("skiff / curl", &runs[0], &runs[2], 1.0);
    Ok(())
}

/// The same file up over the slow link: `skiff put` (ranges, vsftpd keeps them) vs `lftp put`
/// vs `curl -T`.
fn put_over_link(
    cfg: &Config,
    slow: &Config,
    src: &Path,
    link: &str,
    scratch: &Path,
) -> Result<(), String> {
    let n = env_num("SKIFF_BENCH_WAN_ROUNDS", 2usize).max(1);
    let size = std::fs::metadata(src).map_err(|e| e.to_string())?.len();
    let out = |tool: &str, i: usize| cfg.up().join(format!("wan-put-{tool}-{i}.bin"));
    let same = |p: &Path, _: &str| same_file(src, p);
    let skiff = |d: &Path| skiff_put(slow, src, d, None);
    let lftp_put = |d: &Path| {
        lftp(
            slow,
            format!("put '{}' -o '{}'", src.display(), d.display()),
        )
    };
    let curl = |d: &Path| curl_put(slow, src, d);
    let names = ["skiff put (defaults)", "lftp put", "curl -T"];
    let runs = rounds(
        n,
        &[
            (names[0], &skiff, true),
            (names[1], &lftp_put, false),
            (names[2], &curl, false),
        ],
        &out,
        &same,
        cfg,
        scratch,
    )?;
    print_rows(
        &format!(
            "The {} MiB file up over the slow link ({link}), {n} rounds",
            size / (1024 * 1024)
        ),
        &names,
        &runs,
        size,
    );
    ratio("skiff / lftp put", &runs[0], &runs[1], 1.0);
    ratio("skiff / curl -T", &runs[0], &runs[2], 1.0);
    Ok(())
}

/// The tree of small files over the slow link.
fn tree_over_link(cfg: &Config, slow: &Config, link: &str, scratch: &Path) -> Result<(), String> {
    let n = env_num("SKIFF_BENCH_WAN_ROUNDS", 2usize).max(1);
    let tree_src = cfg.src_tree();
    let want = manifest(&tree_src)?;
    let tout = |tool: &str, i: usize| cfg.dl().join(format!("wan-tree-{tool}-{i}"));
    let tcheck = |p: &Path, who: &str| check_tree(&want, p, who);
    let skiff_t = |d: &Path| skiff_get(slow, &tree_src, d, Some(8));
    let lftp_t = |d: &Path| {
        lftp(
            slow,
            format!("mirror -P 8 '{}' '{}'", tree_src.display(), d.display()),
        )
    };
    let tnames = ["skiff get --parallel 8", "lftp mirror -P 8"];
    let truns = rounds(
        n,
        &[(tnames[0], &skiff_t, true), (tnames[1], &lftp_t, false)],
        &tout,
        &tcheck,
        cfg,
        scratch,
    )?;
    print_rows(
        &format!(
            "The tree ({} files of 8 KiB in {} directories) over the slow link ({link}), {n} rounds",
            want.files, want.dirs
        ),
        &tnames,
        &truns,
        0,
    );
    ratio("skiff / lftp mirror -P 8", &truns[0], &truns[1], 0.5);
    Ok(())
}

/// The big file on loopback: segments on, off, and curl.
fn big_on_loopback(cfg: &Config, scratch: &Path) -> Result<(), String> {
    let n = env_num("SKIFF_BENCH_WAN_ROUNDS", 2usize).max(1);
    let big = cfg.src_big();
    let bsize = std::fs::metadata(&big).map_err(|e| e.to_string())?.len();
    let bout = |tool: &str, i: usize| cfg.dl().join(format!("seg-{tool}-{i}.bin"));
    let bsame = |p: &Path, _: &str| same_file(&big, p);
    let seg = |d: &Path| skiff_get(cfg, &big, d, None);
    let one = |d: &Path| {
        let mut v = skiff_get(cfg, &big, d, None);
        v.extend(["--segments".into(), "1".into()]);
        v
    };
    let curl_l = |d: &Path| curl_get(cfg, &big, d);
    let bnames = [
        "skiff get (segments auto)",
        "skiff get --segments 1",
        "curl",
    ];
    warm(&big)?;
    let bruns = rounds(
        n,
        &[
            (bnames[0], &seg, true),
            (bnames[1], &one, true),
            (bnames[2], &curl_l, false),
        ],
        &bout,
        &bsame,
        cfg,
        scratch,
    )?;
    print_rows(
        &format!(
            "One {:.2} GiB file on loopback, segments on and off, {n} rounds",
            bsize as f64 / (1024.0 * MIB)
        ),
        &bnames,
        &bruns,
        bsize,
    );
    ratio("skiff (segments auto) / curl", &bruns[0], &bruns[2], 1.05);
    ratio(
        "skiff (segments auto) / skiff --segments 1",
        &bruns[0],
        &bruns[1],
        1.05,
    );
    Ok(())
}

/// The bandwidth limit, on loopback.
fn limit(cfg: &Config, src: &Path, scratch: &Path) -> Result<(), String> {
    let size = std::fs::metadata(src).map_err(|e| e.to_string())?.len();
    let mb_ = size / (1024 * 1024);
    let lout = cfg.dl().join("limit.bin");
    remove(&lout);
    let mut argv = skiff_get(cfg, src, &lout, None);
    argv.extend(["--limit-rate".into(), "2M".into()]);
    let x = run(&argv, &skiff_env(cfg), scratch)?;
    same_file(src, &lout)?;
    remove(&lout);
    let got = size as f64 / MIB / x.wall;
    let off = (got / 2.0 - 1.0) * 100.0;
    println!();
    println!("### `skiff get --limit-rate 2M` of the {mb_} MiB file on loopback");
    println!();
    println!(
        "{:.1} s, **{got:.3} MiB/s** average ({off:+.1} % from 2 MiB/s; goal within 5 %: {})",
        x.wall,
        verdict(off.abs() <= 5.0)
    );
    Ok(())
}
