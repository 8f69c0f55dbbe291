//! A TLS client for `kubegate serve` (tests and the serve benchmark): a certificate
//! authority with leaf certificates for `localhost`, and HTTP/1.1 over a kept-alive rustls
//! connection.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;
use std::time::Duration;

/// A certificate authority the test client trusts, and leaf certificates it signs.
pub struct Pki {
    issuer: rcgen::CertifiedIssuer<'static, rcgen::KeyPair>,
}

impl Pki {
    pub fn new() -> Pki {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(rcgen::DnType::CommonName, "kubegate test CA");
        Pki { issuer: rcgen::CertifiedIssuer::self_signed(params, rcgen::KeyPair::generate().unwrap()).unwrap() }
    }

    /// A new key and certificate for `localhost`: (certificate PEM, key PEM, DER).
    pub fn leaf(&self) -> (String, String, Vec<u8>) {
        let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        (cert.pem(), key.serialize_pem(), cert.der().to_vec())
    }

    pub fn client(&self) -> Arc<rustls::ClientConfig> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.issuer.der().clone()).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        Arc::new(config)
    }
}

pub struct Conn {
    pub tls: rustls::StreamOwned<rustls::ClientConnection, TcpStream>,
}

/// An HTTP response: status, headers (lower-case names), body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

impl Conn {
    /// A connection to `addr`, trusting `pki`'s authority for `localhost` (the
    /// handshake happens with the first request).
    pub fn connect(addr: SocketAddr, pki: &Pki) -> Conn {
        let tcp = TcpStream::connect(addr).unwrap();
        tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let _ = tcp.set_nodelay(true);
        let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let conn = rustls::ClientConnection::new(pki.client(), name).unwrap();
        Conn { tls: rustls::StreamOwned::new(conn, tcp) }
    }

    pub fn send(&mut self, method: &str, path: &str, body: &[u8]) -> Reply {
        self.send_head(method, path, body.len());
        self.tls.write_all(body).unwrap();
        self.tls.flush().unwrap();
        self.read_reply()
    }

    pub fn send_head(&mut self, method: &str, path: &str, length: usize) {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
        );
        self.tls.write_all(head.as_bytes()).unwrap();
        self.tls.flush().unwrap();
    }

    pub fn read_reply(&mut self) -> Reply {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            let n = self.tls.read(&mut byte).unwrap();
            assert_eq!(n, 1, "the connection closed before a response: {}", String::from_utf8_lossy(&head));
            head.push(byte[0]);
        }
        let head = String::from_utf8(head).unwrap();
        let mut lines = head.lines();
        let status: u16 = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let length: usize = headers.iter().find(|(n, _)| n == "content-length").map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; length];
        self.tls.read_exact(&mut body).unwrap();
        Reply { status, headers, body }
    }

    /// Whether the server closes the connection within `wait` (a read sees its end; a
    /// read that times out means it is still open).
    pub fn closed_within(&mut self, wait: Duration) -> bool {
        self.tls.sock.set_read_timeout(Some(wait)).unwrap();
        let mut byte = [0u8; 1];
        let closed = match self.tls.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => !matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut),
        };
        self.tls.sock.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        closed
    }

    pub fn peer_certificate(&self) -> Vec<u8> {
        self.tls.conn.peer_certificates().unwrap()[0].to_vec()
    }
}
