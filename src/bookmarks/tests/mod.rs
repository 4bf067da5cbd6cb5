//! Tests of the bookmarks: profiles here; the store, recent connections, password sources and
//! imports in the modules below. Some run parts of themselves in child
//! processes of this test binary (real OS file locks between processes; `$NETRC`, which a
//! test must not change in its own multi-threaded process): those children are the
//! `child_*` tests, which do nothing unless `SKIFF_BM_CHILD` names them.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use super::secrets::run_password_command;
use super::*;

const CHILD_VAR: &str = "SKIFF_BM_CHILD";

/// Every password the fixtures and tests use.
const PASSWORDS: &[&str] = &[
    "hunter2",
    "c0rrect horse",
    "pässwörd",
    "plainpw",
    "s3cr@t",
    "s3cr%40t",
    "me@example.org",
    "oops-in-file",
    "from-netrc",
    "from-command",
];

fn fixture(name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/bookmarks/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn full_profile(name: &str) -> Profile {
    Profile {
        name: name.to_string(),
        host: "ftp.example.com".into(),
        port: 2121,
        protocol: Protocol::FtpsImplicit,
        user: Some("alice".into()),
        anonymous: false,
        password: PasswordSource::Command("pass show ftp/work".into()),
        passive: false,
        prefer_epsv: false,
        encoding: "windows-1252".into(),
        local_dir: Some("/home/alice/work dir".into()),
        remote_dir: Some("/srv/ftp/ünïcode".into()),
        parallel: Some(4),
        keepalive_secs: Some(45),
        cert_sha256: Some(
            "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
                .into(),
        ),
        active_ports: Some("50000-50100".into()),
        active_address: Some("203.0.113.7".into()),
        transfer_type: Some(crate::transfer::TransferMode::Auto),
        time_offset: Some(-3600),
        verify: Some(true),
        upload_temp: Some(crate::transfer::UploadTemp::Never),
        limit_rate: Some(1536 * 1024),
        segments: Some(crate::transfer::Segments::Max(3)),
    }
}

fn assert_no_password_in(dir: &Path) {
    for file in ["bookmarks.toml", "recent.toml"] {
        let path = dir.join(file);
        let Ok(text) = fs::read_to_string(&path) else {
            continue;
        };
        for pw in PASSWORDS {
            assert!(
                !text.contains(pw),
                "{file} contains the password {pw:?}:\n{text}"
            );
        }
    }
}

mod imports;
mod recent;
mod secrets;
mod store;

// ---------------------------------------------------------------------------------------------
// Child processes

/// Runs one `child_*` test of this binary, in the module `module` (the caller's
/// `module_path!()`), in a new process with `envs`; panics with its output unless it ran that
/// one test and passed.
fn run_child(module: &str, test: &str, envs: &[(&str, OsString)]) {
    let exe = std::env::current_exe().expect("path of the test binary");
    // module_path!() starts with the crate's name; test names leave it out.
    let module = module.split_once("::").map_or(module, |(_, m)| m);
    let out = Command::new(exe)
        .args([
            &format!("{module}::{test}"),
            "--exact",
            "--test-threads=1",
            "--nocapture",
        ])
        .env(CHILD_VAR, test)
        .envs(envs.iter().map(|(k, v)| (k, v)))
        .output()
        .expect("start the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "child {test} failed ({}):\n{stdout}\n{stderr}",
        out.status
    );
}

fn is_child(test: &str) -> bool {
    std::env::var(CHILD_VAR).is_ok_and(|v| v == test)
}

// ---------------------------------------------------------------------------------------------
// Profile basics

#[test]
fn new_has_the_documented_defaults() {
    let p = Profile::new("x", "h");
    assert_eq!(p.port, 21);
    assert_eq!(p.protocol, Protocol::Ftp);
    assert_eq!(p.password, PasswordSource::Ask);
    assert!(p.passive && p.prefer_epsv && !p.anonymous);
    assert_eq!(p.encoding, "utf-8");
    assert!(p.is_anonymous(), "no user means anonymous");
    assert!(p.validate().is_empty());
}

#[test]
fn validate_reports_each_field() {
    let mut p = Profile::new("", "bad host");
    p.port = 0;
    p.user = Some("a\u{7}b".into());
    p.encoding = "utf 8".into();
    p.parallel = Some(0);
    p.keepalive_secs = Some(0);
    p.cert_sha256 = Some("abc".into());
    p.remote_dir = Some("a\nb".into());
    p.password = PasswordSource::Command("  ".into());
    let fields: Vec<&str> = p.validate().into_iter().map(|(f, _)| f).collect();
    assert_eq!(
        fields,
        [
            "name",
            "host",
            "port",
            "user",
            "password",
            "encoding",
            "remote_dir",
            "parallel",
            "keepalive_secs",
            "cert_sha256"
        ]
    );
    let mut p = Profile::new("tab\there", "h\u{0}");
    p.local_dir = Some("x\u{1b}".into());
    let fields: Vec<&str> = p.validate().into_iter().map(|(f, _)| f).collect();
    assert_eq!(fields, ["name", "host", "local_dir"]);
    assert!(!Profile::new("x", "ftp://h").validate().is_empty());
    assert!(full_profile("ok").validate().is_empty());
}

#[test]
fn url_never_has_a_password_and_encodes() {
    let mut p = full_profile("w");
    assert_eq!(
        p.url(),
        "ftps://alice@ftp.example.com:2121//srv/ftp/%C3%BCn%C3%AFcode"
    );
    p.protocol = Protocol::Ftps;
    p.user = Some("a@b c".into());
    p.remote_dir = Some("pub".into());
    assert_eq!(p.url(), "ftpes://a%40b%20c@ftp.example.com:2121/pub");
    let mut q = Profile::new("v6", "::1");
    assert_eq!(q.url(), "ftp://[::1]:21/");
    q.user = Some("bob".into());
    q.anonymous = true;
    assert_eq!(q.url(), "ftp://[::1]:21/", "anonymous shows no user");
}

#[test]
fn serde_shape_matches_the_file() {
    let text = r#"
name = "s"
host = "h"
protocol = "ftps-implicit"
password = { command = "pass show x" }
"#;
    let p: Profile = toml::from_str(text).expect("serde reads the file's shape");
    assert_eq!(p.port, 990);
    assert_eq!(p.password, PasswordSource::Command("pass show x".into()));
    assert!(p.passive && p.prefer_epsv);
    let k: Profile = toml::from_str("name = \"k\"\nhost = \"h\"\npassword = \"keyring\"")
        .expect("keyring source");
    assert_eq!(k.password, PasswordSource::Keyring);
    assert_eq!(k.port, 21);
}

#[test]
fn connect_options_follow_the_profile() {
    use crate::ftp::tls::TlsMode;
    let mut p = Profile::new("t", "ftp.example.org");
    p.user = Some("alice".into());
    for (proto, tls) in [
        (Protocol::Ftp, TlsMode::Off),
        (Protocol::Ftps, TlsMode::Explicit),
        (Protocol::FtpsImplicit, TlsMode::Implicit),
        (Protocol::FtpsIfAvailable, TlsMode::IfAvailable),
    ] {
        p.protocol = proto;
        assert_eq!(p.connect_options(None).tls, tls, "{proto:?}");
        assert_eq!(Protocol::from_name(proto.as_str()), Some(proto));
    }
    p.passive = false;
    p.prefer_epsv = false;
    p.keepalive_secs = Some(45);
    p.cert_sha256 = Some("AB:CD".into());
    p.active_ports = Some("50000-50100".into());
    p.active_address = Some("203.0.113.7".into());
    let o = p.connect_options(None);
    assert_eq!(o.active_ports, Some((50000, 50100)));
    assert_eq!(o.active_address, Some("203.0.113.7".parse().unwrap()));
    assert!(o.active && !o.epsv);
    assert_eq!(o.keepalive, Some(std::time::Duration::from_secs(45)));
    assert_eq!(o.trust.pin.as_deref(), Some("AB:CD"));
    assert_eq!(o.user, "alice");
    p.keepalive_secs = Some(0);
    assert_eq!(p.connect_options(None).keepalive, None, "0 means off");
}

#[test]
fn active_mode_settings_are_checked() {
    let mut p = Profile::new("t", "h");
    p.active_ports = Some("70000-1".into());
    p.active_address = Some("not an address".into());
    let fields: Vec<&str> = p.validate().into_iter().map(|(f, _)| f).collect();
    assert!(fields.contains(&"active_ports"), "{fields:?}");
    assert!(fields.contains(&"active_address"), "{fields:?}");
}

#[test]
fn a_bookmarks_time_offset_and_checks_are_kept() {
    let dir = tmp();
    let store = Store::at(dir.path());
    store.save(&full_profile("shifted"), None).expect("save");
    let text = read(&dir.path().join("bookmarks.toml"));
    assert!(text.contains("time_offset = -3600"), "{text}");
    let back = store.get("shifted").expect("read").expect("there");
    assert_eq!(back.time_offset, Some(-3600));
    assert_eq!(back.connect_options(None).time_offset, Some(-3600));
    // The checks of its transfers too.
    assert!(
        text.contains("verify = true") && text.contains("upload_temp = \"never\""),
        "{text}"
    );
    assert_eq!(
        (back.verify, back.upload_temp),
        (Some(true), Some(crate::transfer::UploadTemp::Never))
    );
    // And its limit and segments, as people write them.
    assert!(
        text.contains("limit_rate = \"1536K\"") && text.contains("segments = \"3\""),
        "{text}"
    );
    assert_eq!(
        (back.limit_rate, back.segments),
        (Some(1536 * 1024), Some(crate::transfer::Segments::Max(3)))
    );
}
