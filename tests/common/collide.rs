//! A remote directory whose names used to collide with skiff's own temporary and numbered
//! names (`x`, `x.part`, `x (1)`, `x (1).part`), and what a download of it must leave locally
//! under each on-exists policy, when the target already held a shorter, newer `x`.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Write the four files into `dir` (dated 2020, older than anything local) and return them.
pub fn colliding_tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let files: [(&str, Vec<u8>); 4] = [
        ("x", (0..3_000_000u32).map(|i| (i % 251) as u8).collect()),
        ("x.part", b"x.part".to_vec()),
        (
            "x (1)",
            (0..2_000_000u32).map(|i| (i % 241) as u8).collect(),
        ),
        ("x (1).part", b"x (1)p".to_vec()),
    ];
    let old = std::time::UNIX_EPOCH + Duration::from_secs(1_600_000_000);
    let mut out = BTreeMap::new();
    for (name, bytes) in files {
        let p = dir.join(name);
        std::fs::write(&p, &bytes).unwrap();
        let f = std::fs::File::options().write(true).open(&p).unwrap();
        f.set_modified(old).unwrap();
        out.insert(name.to_string(), bytes);
    }
    out
}

/// The local `x` already in the target: the server's first 1000 bytes, written now.
pub fn local_x(files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    files["x"][..1000].to_vec()
}

/// What the target must hold afterwards under `policy` (one of skiff's `--on-exists` words).
pub fn expected(files: &BTreeMap<String, Vec<u8>>, policy: &str) -> BTreeMap<String, Vec<u8>> {
    let mut want = files.clone();
    match policy {
        "newer" | "skip" => {
            want.insert("x".into(), local_x(files));
        }
        "rename" => {
            want.insert("x".into(), local_x(files));
            // `x (1)` is the server's own: the free name steps over it.
            want.insert("x (2)".into(), files["x"].clone());
        }
        _ => {}
    }
    want
}

/// Every file directly in `dir`, name → bytes.
pub fn files_in(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap_or_default(),
            )
        })
        .collect()
}

/// Each file's length and a digest of its bytes (what a failed comparison prints).
pub fn summary(t: &BTreeMap<String, Vec<u8>>) -> BTreeMap<String, (usize, u64)> {
    t.iter()
        .map(|(k, v)| {
            let h = v.iter().fold(0xcbf29ce484222325u64, |h, &b| {
                (h ^ u64::from(b)).wrapping_mul(0x100000001b3)
            });
            (k.clone(), (v.len(), h))
        })
        .collect()
}
