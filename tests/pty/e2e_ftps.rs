//! FTPS as a person meets it, in a pseudo-terminal: an `ftpes://` URL to a server whose
//! certificate nobody vouches for shows the certificate dialog; "trust always" connects, and
//! the next start connects straight away because the fingerprint was remembered.

use crate::common::pki::pki;
use crate::common::{self, Side, SkiffScreen, TestServer, skiff};
use skiff::demo::DemoOptions;
use skiff::ftp::tls::fingerprint;

#[test]
fn an_unknown_certificate_asks_and_trust_always_is_remembered() {
    let pki = pki();
    let server = TestServer::start(DemoOptions {
        ftps: Some((pki.chain_pem.clone(), pki.key_pem.clone())),
        ..DemoOptions::default()
    });
    let home = tempfile::tempdir().unwrap();
    let url = format!("ftpes://demo@127.0.0.1:{}/", server.port);
    let start = || {
        skiff()
            .arg(&url)
            .arg("--local")
            .arg(home.path())
            .env("SKIFF_PASSWORD", "demo")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("XDG_DATA_HOME", home.path().join("data"))
            .spawn()
            .unwrap()
    };
    let fp = fingerprint(&pki.leaf_der);

    let mut t = start();
    let s = t.expect_text("Untrusted server certificate");
    // The facts a person checks before trusting it.
    assert!(s.contains("skiff test server"), "{}", s.framed());
    assert!(s.contains("skiff test CA"), "{}", s.framed());
    assert!(s.contains(&fp[..47]), "the fingerprint: {}", s.framed());
    assert!(s.contains("trust always"), "{}", s.framed());
    t.send_keys("a");
    let s = t.expect("the remote tree over FTPS", |s| {
        s.has_entry(Side::Remote, "docs/")
    });
    assert!(s.contains("(FTPS)"), "{}", s.framed());
    t.send_keys("q");
    t.wait_exit(common::TIMEOUT).unwrap();
    let known = std::fs::read_to_string(home.path().join("config/skiff/known_hosts"))
        .expect("the pin was saved");
    assert!(
        known.contains(&format!("127.0.0.1:{} {fp}", server.port)),
        "{known}"
    );

    // Next time: no question, straight in.
    let mut t = start();
    let s = t.expect("the remote tree", |s| s.has_entry(Side::Remote, "docs/"));
    assert!(!s.contains("Untrusted"), "{}", s.framed());
    t.send_keys("q");
    t.wait_exit(common::TIMEOUT).unwrap();
}
