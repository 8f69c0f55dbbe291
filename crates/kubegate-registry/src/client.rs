//! The digest of a tag, asked of the registry over the OCI distribution API: `HEAD
//! /v2/<repository>/manifests/<tag>` accepting the four manifest and index media types,
//! the `Docker-Content-Digest` header, a `GET` and the body's SHA-256 when the header is
//! missing; Basic credentials and anonymous or credentialed bearer tokens on a 401.

use crate::auth::{Challenge, Credentials, DockerConfig, parse_challenge};
use crate::reference::{Reference, is_digest, is_loopback_host};
use sha2::Digest as _;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use ureq::Agent;
use ureq::http::Response;

/// The manifest and index media types a registry may store a tag as. A registry answers
/// 404 for an OCI manifest when the request does not accept its type.
pub const ACCEPT: &str = "application/vnd.oci.image.index.v1+json, \
    application/vnd.docker.distribution.manifest.list.v2+json, \
    application/vnd.oci.image.manifest.v1+json, \
    application/vnd.docker.distribution.manifest.v2+json";

/// A manifest body larger than this is not read (the distribution spec asks registries
/// to accept manifests of at least 4 MiB).
const MANIFEST_LIMIT: u64 = 4 << 20;

/// How the client reaches registries.
#[derive(Clone, Debug)]
pub struct Options {
    /// Registries (`host:port`) asked over plain HTTP besides the loopback ones.
    pub insecure: Vec<String>,
    /// Credentials (`docker login`).
    pub docker: DockerConfig,
    /// The longest one request may take, connecting included.
    pub timeout: Duration,
    /// How many lookups run at once.
    pub parallel: usize,
    /// Ask loopback registries (`127.0.0.1`, `::1`, `localhost`) over plain HTTP, as
    /// container runtimes do by default; `false` asks them over HTTPS like any other.
    pub plain_loopback: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            insecure: Vec::new(),
            docker: DockerConfig::default(),
            timeout: Duration::from_secs(30),
            parallel: 8,
            plain_loopback: true,
        }
    }
}

/// Why a tag has no digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The registry could not be reached (name, connection, TLS, timeout).
    Unreachable(String),
    /// The registry has no such repository or tag.
    Unknown,
    /// The registry wants credentials kubegate does not have, or refused them.
    Unauthorized(String),
    /// The registry answered something the protocol does not allow.
    Protocol(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Unreachable(why) => write!(f, "the registry cannot be reached: {why}"),
            Error::Unknown => f.write_str("the registry has no such repository or tag"),
            Error::Unauthorized(why) => write!(f, "the registry refused access: {why}"),
            Error::Protocol(why) => write!(f, "the registry's answer is not usable: {why}"),
        }
    }
}

/// A registry client for one run: connections, tokens and answers are kept for the run.
pub struct Client {
    opts: Options,
    /// Plain or HTTPS, proxied or not (see [`Client::agent`]).
    agents: [OnceLock<Result<Agent, String>>; 4],
    tokens: Mutex<HashMap<String, String>>,
    requests: AtomicUsize,
}

impl Client {
    pub fn new(opts: Options) -> Client {
        Client { opts, agents: Default::default(), tokens: Mutex::new(HashMap::new()), requests: AtomicUsize::new(0) }
    }

    /// How many HTTP requests the client has made.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    /// The digests of `images` (each looked up once however often it is named), asked in
    /// parallel; the answers in the same order.
    pub fn digests(&self, images: &[Reference]) -> Vec<Result<String, Error>> {
        let mut distinct: Vec<Reference> = images.iter().map(Reference::without_digest).collect();
        distinct.sort();
        distinct.dedup();
        let next = AtomicUsize::new(0);
        let answers: Mutex<HashMap<Reference, Result<String, Error>>> = Mutex::new(HashMap::new());
        let workers = self.opts.parallel.clamp(1, 32).min(distinct.len());
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(r) = distinct.get(i) else { break };
                        let answer = self.digest(r);
                        answers.lock().unwrap_or_else(|e| e.into_inner()).insert(r.clone(), answer);
                    }
                });
            }
        });
        let answers = answers.into_inner().unwrap_or_else(|e| e.into_inner());
        images.iter().map(|r| answers.get(&r.without_digest()).cloned().unwrap_or(Err(Error::Unknown))).collect()
    }

    /// The digest of one tag: the index digest for an image built for several platforms.
    pub fn digest(&self, image: &Reference) -> Result<String, Error> {
        let url = format!("{}/v2/{}/manifests/{}", self.base(image)?, image.repository, image.tag_or_latest());
        let head = self.send(image, "HEAD", &url)?;
        match head.status().as_u16() {
            200 => {
                if let Some(d) = header(&head, "docker-content-digest").filter(|d| is_digest(d)) {
                    return Ok(d);
                }
            }
            404 => return Err(Error::Unknown),
            // Some registries answer HEAD with 405 or without the header: GET decides.
            _ => {}
        }
        let mut get = self.send(image, "GET", &url)?;
        match get.status().as_u16() {
            200 => {}
            404 => return Err(Error::Unknown),
            s => return Err(Error::Protocol(format!("HTTP {s} for {url}"))),
        }
        let claimed = header(&get, "docker-content-digest");
        let body = get
            .body_mut()
            .with_config()
            .limit(MANIFEST_LIMIT)
            .read_to_vec()
            .map_err(|e| Error::Protocol(format!("the manifest of {url} cannot be read: {e}")))?;
        let computed = format!("sha256:{:x}", sha2::Sha256::digest(&body));
        match claimed {
            Some(c) if c.starts_with("sha256:") && c != computed => {
                Err(Error::Protocol(format!("the manifest's digest is {computed}, the registry says {c}")))
            }
            _ => Ok(computed),
        }
    }

    /// `https://host`, or `http://host` for loopback registries and those named insecure.
    fn base(&self, image: &Reference) -> Result<String, Error> {
        let host = image.api_host();
        let plain = (self.opts.plain_loopback && is_loopback_host(host))
            || self.opts.insecure.iter().any(|h| h == host || *h == image.registry);
        Ok(format!("{}://{host}", if plain { "http" } else { "https" }))
    }

    /// The agent for a URL: HTTPS or plain, and through the environment's proxy unless
    /// the host is this machine. Each is made when first needed (the system's roots are
    /// read only for HTTPS).
    fn agent(&self, url: &str) -> Result<&Agent, Error> {
        let host = url.split("://").nth(1).and_then(|r| r.split('/').next()).unwrap_or("");
        let (https, loopback) = (url.starts_with("https://"), is_loopback_host(host));
        self.agents[usize::from(https) * 2 + usize::from(loopback)]
            .get_or_init(|| {
                let mut config = Agent::config_builder()
                    .http_status_as_error(false)
                    .timeout_global(Some(self.opts.timeout))
                    .max_redirects(5)
                    .user_agent(concat!("kubegate/", env!("CARGO_PKG_VERSION")));
                if loopback {
                    config = config.proxy(None);
                }
                if https {
                    let tls = ureq::tls::TlsConfig::builder()
                        .provider(ureq::tls::TlsProvider::Rustls)
                        .root_certs(ureq::tls::RootCerts::Specific(roots()?))
                        .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
                        .build();
                    config = config.tls_config(tls);
                }
                Ok(config.build().into())
            })
            .as_ref()
            .map_err(|e| Error::Unreachable(e.clone()))
    }

    /// One request, answering the registry's 401 challenge once.
    fn send(&self, image: &Reference, method: &str, url: &str) -> Result<Response<ureq::Body>, Error> {
        let first = self.request(method, url, self.cached_token(image).as_deref())?;
        if first.status().as_u16() != 401 {
            return Ok(first);
        }
        let challenge = header(&first, "www-authenticate").and_then(|h| parse_challenge(&h));
        let creds = self.opts.docker.credentials(&image.registry).map_err(Error::Unauthorized)?;
        let authorization = match challenge {
            Some(Challenge::Basic) => match &creds {
                Some(c) => c.basic(),
                None => return Err(Error::Unauthorized(self.login_hint(image))),
            },
            Some(Challenge::Bearer { realm, service, scope }) => {
                let scope = scope.unwrap_or_else(|| format!("repository:{}:pull", image.repository));
                let token = self.token(&realm, service.as_deref(), &scope, creds.as_ref(), image)?;
                self.tokens.lock().unwrap_or_else(|e| e.into_inner()).insert(token_key(image), token.clone());
                format!("Bearer {token}")
            }
            None => return Err(Error::Unauthorized("HTTP 401 without a challenge kubegate can answer".into())),
        };
        let second = self.request(method, url, Some(&authorization))?;
        if second.status().as_u16() == 401 || second.status().as_u16() == 403 {
            return Err(Error::Unauthorized(match creds {
                Some(_) => format!("HTTP {} with the credentials of the Docker config", second.status().as_u16()),
                None => self.login_hint(image),
            }));
        }
        Ok(second)
    }

    fn login_hint(&self, image: &Reference) -> String {
        format!("it needs credentials: run `docker login {}` (kubegate reads the Docker config file)", image.registry)
    }

    fn cached_token(&self, image: &Reference) -> Option<String> {
        let tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        tokens.get(&token_key(image)).map(|t| format!("Bearer {t}"))
    }

    /// A bearer token from the realm (anonymous, or with the registry's credentials).
    fn token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
        creds: Option<&Credentials>,
        image: &Reference,
    ) -> Result<String, Error> {
        let realm_host = realm.split("://").nth(1).and_then(|r| r.split('/').next()).unwrap_or("");
        let plain_loopback = realm.starts_with("http://") && is_loopback_host(realm_host);
        if !realm.starts_with("https://") && !plain_loopback {
            return Err(Error::Unauthorized(format!("the token service {realm} is not HTTPS")));
        }
        let mut url = format!("{realm}{}scope={}", if realm.contains('?') { '&' } else { '?' }, encode(scope));
        if let Some(s) = service {
            url.push_str(&format!("&service={}", encode(s)));
        }
        let basic = creds.map(Credentials::basic);
        let mut answer = self.request("GET", &url, basic.as_deref())?;
        let status = answer.status().as_u16();
        if status != 200 {
            return Err(Error::Unauthorized(match creds {
                Some(_) => format!("the token service answered HTTP {status} for the Docker config's credentials"),
                None if status == 401 || status == 403 => self.login_hint(image),
                None => format!("the token service answered HTTP {status}"),
            }));
        }
        let body = answer
            .body_mut()
            .with_config()
            .limit(1 << 20)
            .read_to_vec()
            .map_err(|e| Error::Protocol(format!("the token cannot be read: {e}")))?;
        let v: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| Error::Protocol(format!("the token answer is not JSON: {e}")))?;
        v.get("token")
            .or_else(|| v.get("access_token"))
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .map(String::from)
            .ok_or_else(|| Error::Protocol("the token answer holds no token".into()))
    }

    fn request(&self, method: &str, url: &str, authorization: Option<&str>) -> Result<Response<ureq::Body>, Error> {
        let agent = self.agent(url)?;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let result = match method {
            "HEAD" => {
                let mut r = agent.head(url).header("Accept", ACCEPT);
                if let Some(a) = authorization {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
            _ => {
                let mut r = agent.get(url).header("Accept", ACCEPT);
                if let Some(a) = authorization {
                    r = r.header("Authorization", a);
                }
                r.call()
            }
        };
        result.map_err(|e| Error::Unreachable(format!("{url}: {e}")))
    }
}

/// Tokens are kept per registry and repository (a token's scope is one repository).
fn token_key(image: &Reference) -> String {
    format!("{}/{}", image.registry, image.repository)
}

fn header(r: &Response<ureq::Body>, name: &str) -> Option<String> {
    r.headers().get(name).and_then(|v| v.to_str().ok()).map(|s| s.trim().to_string())
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The system's root certificates (`SSL_CERT_FILE` and `SSL_CERT_DIR` are honoured).
fn roots() -> Result<Arc<Vec<ureq::tls::Certificate<'static>>>, String> {
    let found = rustls_native_certs::load_native_certs();
    if found.certs.is_empty() {
        let why = found.errors.first().map(|e| format!(": {e}")).unwrap_or_default();
        return Err(format!("no root certificates found on this machine (set SSL_CERT_FILE){why}"));
    }
    Ok(Arc::new(found.certs.iter().map(|c| ureq::tls::Certificate::from_der(c.as_ref()).to_owned()).collect()))
}
