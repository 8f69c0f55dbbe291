//! The client against registries that answer as real ones do in the cases a plain
//! `docker-registry` does not cover (the pin tests in the CLI use a real one): the bearer
//! token dance, Basic credentials, a registry without `Docker-Content-Digest`, a digest
//! that does not match the manifest, refusals, and HTTPS with the roots of
//! `SSL_CERT_FILE`. A small HTTP server on loopback plays
//! the registry and records what it was asked.

use kubegate_registry::auth::DockerConfig;
use kubegate_registry::{Client, Error, Options, Reference};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// One request as the server saw it: method, path and query, Authorization and Accept.
#[derive(Debug, Clone)]
struct Seen {
    line: String,
    authorization: Option<String>,
    accept: Option<String>,
}

type Answer = (u16, Vec<(String, String)>, Vec<u8>);

/// Serves `answer` on a loopback port until the test ends; returns the port and the log.
fn serve(answer: impl Fn(&Seen, u16) -> Answer + Send + Sync + 'static) -> (u16, Arc<Mutex<Vec<Seen>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let log: Arc<Mutex<Vec<Seen>>> = Arc::default();
    let seen = log.clone();
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (seen, answer) = (seen.clone(), answer.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    return;
                }
                let mut request = Seen { line: line.trim().to_string(), authorization: None, accept: None };
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                        break;
                    }
                    let (k, v) = h.split_once(':').unwrap_or((&h, ""));
                    match k.to_ascii_lowercase().as_str() {
                        "authorization" => request.authorization = Some(v.trim().to_string()),
                        "accept" => request.accept = Some(v.trim().to_string()),
                        _ => {}
                    }
                }
                let (status, headers, body) = answer(&request, port);
                seen.lock().unwrap().push(request.clone());
                let mut out = stream;
                let mut head =
                    format!("HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let _ = out.write_all(head.as_bytes());
                if !request.line.starts_with("HEAD") {
                    let _ = out.write_all(&body);
                }
            });
        }
    });
    (port, log)
}

const MANIFEST: &[u8] = br#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"#;
/// sha256 of MANIFEST.
fn manifest_digest() -> String {
    use sha2::Digest as _;
    format!("sha256:{:x}", sha2::Sha256::digest(MANIFEST))
}

fn image(port: u16, rest: &str) -> Reference {
    Reference::parse(&format!("127.0.0.1:{port}/{rest}")).unwrap()
}

fn header(k: &str, v: &str) -> Vec<(String, String)> {
    vec![(k.to_string(), v.to_string())]
}

#[test]
fn an_anonymous_bearer_token_is_fetched_once_per_repository_and_sent() {
    let (port, log) = serve(|r, port| {
        if r.line.starts_with("GET /token?") {
            return (200, vec![], br#"{"token": "t0k3n", "expires_in": 300}"#.to_vec());
        }
        if r.authorization.as_deref() != Some("Bearer t0k3n") {
            let challenge = format!(
                r#"Bearer realm="http://127.0.0.1:{port}/token",service="test-registry",scope="repository:team/app:pull""#
            );
            return (401, header("WWW-Authenticate", &challenge), vec![]);
        }
        (200, header("Docker-Content-Digest", &manifest_digest()), vec![])
    });
    let client = Client::new(Options::default());
    let answers = client.digests(&[image(port, "team/app:v1"), image(port, "team/app:v2"), image(port, "team/app:v1")]);
    assert_eq!(answers, vec![Ok(manifest_digest()), Ok(manifest_digest()), Ok(manifest_digest())]);
    let log = log.lock().unwrap();
    let tokens: Vec<&Seen> = log.iter().filter(|s| s.line.starts_with("GET /token")).collect();
    assert!(
        tokens.first().is_some_and(|t| t.line
            == "GET /token?scope=repository%3Ateam%2Fapp%3Apull&service=test-registry HTTP/1.1"
            && t.authorization.is_none()),
        "{log:?}"
    );
    // Two tags: at most one challenge each (the lookups run in parallel), and each tag's
    // manifest asked with every media type a registry may store it as.
    let heads: Vec<&Seen> = log.iter().filter(|s| s.line.starts_with("HEAD")).collect();
    assert!(heads.len() <= 4 && tokens.len() <= 2, "{log:?}");
    for h in &heads {
        let accept = h.accept.as_deref().unwrap_or("");
        for t in [
            "application/vnd.oci.image.index.v1+json",
            "application/vnd.oci.image.manifest.v1+json",
            "application/vnd.docker.distribution.manifest.list.v2+json",
            "application/vnd.docker.distribution.manifest.v2+json",
        ] {
            assert!(accept.contains(t), "{accept}");
        }
    }
    assert_eq!(client.requests(), log.len());
}

#[test]
fn basic_credentials_come_from_the_docker_config_and_their_absence_says_how_to_log_in() {
    let (port, _) = serve(|r, _| match r.authorization.as_deref() {
        Some("Basic Y2k6czNjcmV0") => (200, header("Docker-Content-Digest", &manifest_digest()), vec![]),
        _ => (401, header("WWW-Authenticate", r#"Basic realm="test""#), vec![]),
    });
    let docker =
        DockerConfig::parse(&format!(r#"{{"auths": {{"127.0.0.1:{port}": {{"auth": "Y2k6czNjcmV0"}}}}}}"#)).unwrap();
    let client = Client::new(Options { docker, ..Options::default() });
    assert_eq!(client.digest(&image(port, "team/app:v1")), Ok(manifest_digest()));
    let anonymous = Client::new(Options::default());
    assert_eq!(
        anonymous.digest(&image(port, "team/app:v1")),
        Err(Error::Unauthorized(format!(
            "it needs credentials: run `docker login 127.0.0.1:{port}` (kubegate reads the Docker config file)"
        )))
    );
    let wrong =
        DockerConfig::parse(&format!(r#"{{"auths": {{"127.0.0.1:{port}": {{"auth": "Y2k6bm8="}}}}}}"#)).unwrap();
    let client = Client::new(Options { docker: wrong, ..Options::default() });
    assert_eq!(
        client.digest(&image(port, "team/app:v1")),
        Err(Error::Unauthorized("HTTP 401 with the credentials of the Docker config".into()))
    );
}

#[test]
fn without_the_digest_header_the_manifest_is_fetched_and_hashed_and_a_wrong_claim_is_refused() {
    let (port, log) = serve(|r, _| match r.line.split(' ').nth(1).unwrap_or("") {
        "/v2/team/app/manifests/v1" => (200, vec![], MANIFEST.to_vec()),
        "/v2/team/lies/manifests/v1" if r.line.starts_with("HEAD") => (200, vec![], MANIFEST.to_vec()),
        "/v2/team/lies/manifests/v1" => {
            (200, header("Docker-Content-Digest", &format!("sha256:{}", "0".repeat(64))), MANIFEST.to_vec())
        }
        "/v2/team/head/manifests/v1" if r.line.starts_with("HEAD") => (405, vec![], vec![]),
        "/v2/team/head/manifests/v1" => (200, vec![], MANIFEST.to_vec()),
        _ => (404, vec![], br#"{"errors":[{"code":"MANIFEST_UNKNOWN"}]}"#.to_vec()),
    });
    let client = Client::new(Options::default());
    assert_eq!(client.digest(&image(port, "team/app:v1")), Ok(manifest_digest()));
    assert_eq!(client.digest(&image(port, "team/head:v1")), Ok(manifest_digest()));
    assert_eq!(
        client.digest(&image(port, "team/lies:v1")),
        Err(Error::Protocol(format!(
            "the manifest's digest is {}, the registry says sha256:{}",
            manifest_digest(),
            "0".repeat(64)
        )))
    );
    assert_eq!(client.digest(&image(port, "team/app:nope")), Err(Error::Unknown));
    let lines: Vec<String> = log.lock().unwrap().iter().map(|s| s.line.clone()).collect();
    assert!(lines.contains(&"HEAD /v2/team/app/manifests/v1 HTTP/1.1".to_string()), "{lines:?}");
    assert!(lines.contains(&"GET /v2/team/app/manifests/v1 HTTP/1.1".to_string()), "{lines:?}");
}

#[test]
fn a_registry_that_cannot_be_reached_is_said_so_and_a_token_service_over_plain_http_is_refused() {
    let free = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = Client::new(Options::default());
    match client.digest(&image(free, "team/app:v1")) {
        Err(Error::Unreachable(why)) => assert!(why.contains(&format!("127.0.0.1:{free}")), "{why}"),
        other => panic!("{other:?}"),
    }
    let (port, _) = serve(|_, _| {
        (401, header("WWW-Authenticate", r#"Bearer realm="http://auth.example.com/token",service="x""#), vec![])
    });
    assert_eq!(
        client.digest(&image(port, "team/app:v1")),
        Err(Error::Unauthorized("the token service http://auth.example.com/token is not HTTPS".into()))
    );
}

/// HTTPS as to any registry: rustls on ring, the roots of `SSL_CERT_FILE` (a company CA
/// works), against a TLS server on loopback whose certificate a test CA signed; a
/// certificate the roots do not vouch for is refused.
#[test]
fn https_trusts_the_roots_of_ssl_cert_file_and_refuses_an_unknown_certificate() {
    use std::sync::Arc;
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = rcgen::CertifiedIssuer::self_signed(ca, rcgen::KeyPair::generate().unwrap()).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap().signed_by(&key, &ca).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let server = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![leaf.der().clone()],
            rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
        )
        .unwrap();
    let server = Arc::new(server);
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let server = server.clone();
            std::thread::spawn(move || {
                let conn = rustls::ServerConnection::new(server).unwrap();
                let mut tls = rustls::StreamOwned::new(conn, stream);
                let mut reader = BufReader::new(&mut tls);
                let mut line = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                    line.clear();
                }
                let head = format!(
                    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\nDocker-Content-Digest: {}\r\n\r\n",
                    manifest_digest()
                );
                let _ = tls.write_all(head.as_bytes());
                let _ = tls.flush();
            });
        }
    });
    let dir = std::env::temp_dir().join(format!("kubegate-registry-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let roots = dir.join("ca.pem");
    std::fs::write(&roots, ca.pem()).unwrap();
    let https = Options { plain_loopback: false, ..Options::default() };
    let image = Reference::parse(&format!("localhost:{port}/team/app:v1")).unwrap();
    // SAFETY: the other tests of this binary do not read SSL_CERT_FILE (they use plain
    // HTTP), and the roots are read when the first HTTPS request is made, below.
    unsafe { std::env::set_var("SSL_CERT_FILE", &roots) };
    assert_eq!(Client::new(https.clone()).digest(&image), Ok(manifest_digest()));
    // Another CA's roots: the server's certificate is not trusted.
    let mut other_ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    other_ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let other_ca = rcgen::CertifiedIssuer::self_signed(other_ca, rcgen::KeyPair::generate().unwrap()).unwrap();
    std::fs::write(&roots, other_ca.pem()).unwrap();
    match Client::new(https).digest(&image) {
        Err(Error::Unreachable(why)) => assert!(why.contains("certificate") || why.contains("Certificate"), "{why}"),
        other => panic!("{other:?}"),
    }
    std::fs::remove_dir_all(&dir).ok();
}
