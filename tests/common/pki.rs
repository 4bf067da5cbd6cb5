//! A throwaway PKI for FTPS tests: a CA, and a server certificate for `localhost` and
//! 127.0.0.1 signed by it (rustls refuses a self-signed certificate that is its own CA).

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose, SanType,
};

/// A CA, and a certificate for `localhost` and 127.0.0.1 signed by it, as PEM files.
pub struct Pki {
    pub dir: tempfile::TempDir,
    pub ca_pem: PathBuf,
    pub chain_pem: PathBuf,
    pub key_pem: PathBuf,
    pub leaf_der: Vec<u8>,
    pub leaf_key_der: Vec<u8>,
    pub ca_der: Vec<u8>,
}

pub fn pki() -> Pki {
    let dir = tempfile::tempdir().expect("tempdir");
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "skiff test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).expect("CA cert");
    let leaf_key = KeyPair::generate().expect("leaf key");
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).expect("leaf params");
    leaf.subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().expect("ip")));
    leaf.distinguished_name
        .push(DnType::CommonName, "skiff test server");
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    let leaf_cert = leaf
        .signed_by(&leaf_key, &ca_cert, &ca_key)
        .expect("leaf cert");
    let ca_pem = dir.path().join("ca.pem");
    let chain_pem = dir.path().join("server.pem");
    let key_pem = dir.path().join("server.key");
    std::fs::write(&ca_pem, ca_cert.pem()).expect("write");
    std::fs::write(&chain_pem, format!("{}{}", leaf_cert.pem(), ca_cert.pem())).expect("write");
    std::fs::write(&key_pem, leaf_key.serialize_pem()).expect("write");
    Pki {
        ca_pem,
        chain_pem,
        key_pem,
        leaf_der: leaf_cert.der().to_vec(),
        leaf_key_der: leaf_key.serialize_der(),
        ca_der: ca_cert.der().to_vec(),
        dir,
    }
}
