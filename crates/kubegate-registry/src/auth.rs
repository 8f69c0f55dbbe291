//! Credentials and challenges: the Docker config file (`$DOCKER_CONFIG/config.json`, else
//! `~/.docker/config.json`) as `docker login` writes it, with its credential helpers; and
//! the `WWW-Authenticate` challenge a registry answers 401 with.

use base64::Engine as _;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A user name and password (or token) for one registry.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub secret: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credentials({}, ***)", self.user)
    }
}

impl Credentials {
    /// The `Authorization` header value of Basic authentication.
    pub fn basic(&self) -> String {
        let pair = format!("{}:{}", self.user, self.secret);
        format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
    }
}

/// The Docker config file's credentials, read once per run.
#[derive(Clone, Debug, Default)]
pub struct DockerConfig {
    /// `auths`: registry → credentials written in the file.
    auths: BTreeMap<String, Credentials>,
    /// `credHelpers`: registry → helper name (`docker-credential-NAME`).
    helpers: BTreeMap<String, String>,
    /// `credsStore`: the helper for every other registry.
    store: Option<String>,
    /// The file read, for messages.
    pub path: Option<PathBuf>,
}

impl DockerConfig {
    /// The config at `$DOCKER_CONFIG/config.json`, else `$HOME/.docker/config.json`; none
    /// when neither exists. A file that exists and cannot be read is an error.
    pub fn from_environment() -> Result<DockerConfig, String> {
        let dir = match std::env::var_os("DOCKER_CONFIG") {
            Some(d) => PathBuf::from(d),
            None => match std::env::var_os("HOME") {
                Some(h) => Path::new(&h).join(".docker"),
                None => return Ok(DockerConfig::default()),
            },
        };
        let path = dir.join("config.json");
        match std::fs::read_to_string(&path) {
            Ok(text) => DockerConfig::parse(&text)
                .map(|c| DockerConfig { path: Some(path.clone()), ..c })
                .map_err(|e| format!("{}: {e}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DockerConfig::default()),
            Err(e) => Err(format!("{}: cannot read the Docker config: {e}", path.display())),
        }
    }

    /// Reads the JSON of a Docker config file.
    pub fn parse(text: &str) -> Result<DockerConfig, String> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| format!("not a Docker config file (JSON): {e}"))?;
        let mut config = DockerConfig::default();
        for (registry, entry) in v.get("auths").and_then(|a| a.as_object()).into_iter().flatten() {
            let s = |k: &str| entry.get(k).and_then(|v| v.as_str()).filter(|s| !s.is_empty());
            let creds = if let Some(auth) = s("auth") {
                let raw = base64::engine::general_purpose::STANDARD
                    .decode(auth.trim())
                    .map_err(|_| format!("auths.{registry}.auth is not base64"))?;
                let pair = String::from_utf8(raw).map_err(|_| format!("auths.{registry}.auth is not text"))?;
                let (user, secret) =
                    pair.split_once(':').ok_or_else(|| format!("auths.{registry}.auth is not user:password"))?;
                Some(Credentials { user: user.to_string(), secret: secret.to_string() })
            } else {
                s("username").zip(s("password")).map(|(u, p)| Credentials { user: u.into(), secret: p.into() })
            };
            if let Some(c) = creds {
                config.auths.insert(registry_key(registry), c);
            }
        }
        for (registry, helper) in v.get("credHelpers").and_then(|a| a.as_object()).into_iter().flatten() {
            if let Some(h) = helper.as_str() {
                config.helpers.insert(registry_key(registry), h.to_string());
            }
        }
        config.store = v.get("credsStore").and_then(|s| s.as_str()).filter(|s| !s.is_empty()).map(String::from);
        Ok(config)
    }

    /// The credentials for `registry` (`docker.io`, `ghcr.io`, `host:port`): its helper's
    /// answer when one is configured for it (or for all), else the file's `auths` entry.
    pub fn credentials(&self, registry: &str) -> Result<Option<Credentials>, String> {
        let key = registry_key(registry);
        if let Some(helper) = self.helpers.get(&key).or(self.store.as_ref()) {
            // Docker Hub's credentials are stored under its old index address.
            let server = if key == crate::DOCKER_HUB { "https://index.docker.io/v1/" } else { registry };
            if let Some(c) = run_helper(helper, server)? {
                return Ok(Some(c));
            }
        }
        Ok(self.auths.get(&key).cloned())
    }
}

/// `https://index.docker.io/v1/` → `docker.io`; `https://ghcr.io` → `ghcr.io`.
fn registry_key(server: &str) -> String {
    let host = server.trim_start_matches("https://").trim_start_matches("http://");
    let host = host.split('/').next().unwrap_or(host);
    match host {
        "index.docker.io" | "registry-1.docker.io" | "docker.io" => crate::DOCKER_HUB.to_string(),
        h => h.to_string(),
    }
}

/// Asks `docker-credential-HELPER get` for a server's credentials (none when it has none).
fn run_helper(helper: &str, server: &str) -> Result<Option<Credentials>, String> {
    let program = format!("docker-credential-{helper}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("the Docker config names the credential helper {program}, which cannot run: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| format!("{program}: {e}"))?;
    if !out.status.success() {
        // Helpers say "credentials not found in native keychain" for a server they do not know.
        return Ok(None);
    }
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("{program} answered no JSON: {e}"))?;
    let s = |k: &str| v.get(k).and_then(|v| v.as_str()).unwrap_or("").to_string();
    let (user, secret) = (s("Username"), s("Secret"));
    Ok((!secret.is_empty()).then_some(Credentials { user, secret }))
}

/// A registry's `WWW-Authenticate` challenge.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Challenge {
    /// Ask `realm?service=…&scope=…` for a token.
    Bearer { realm: String, service: Option<String>, scope: Option<String> },
    /// Send a user name and password.
    Basic,
}

/// Reads a `WWW-Authenticate` header: `Bearer realm="…",service="…",scope="…"` or
/// `Basic realm="…"`.
pub fn parse_challenge(header: &str) -> Option<Challenge> {
    let (scheme, params) = header.trim().split_once(' ').unwrap_or((header.trim(), ""));
    if scheme.eq_ignore_ascii_case("basic") {
        return Some(Challenge::Basic);
    }
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    let mut rest = params.trim();
    while !rest.is_empty() {
        let (key, after) = rest.split_once('=')?;
        let key = key.trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (value, next) = if let Some(quoted) = after.strip_prefix('"') {
            let end = quoted.find('"')?;
            (&quoted[..end], &quoted[end + 1..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (&after[..end], &after[end..])
        };
        found.insert(key, value.to_string());
        rest = next.trim_start().trim_start_matches(',').trim_start();
    }
    Some(Challenge::Bearer {
        realm: found.remove("realm")?,
        service: found.remove("service"),
        scope: found.remove("scope"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_are_read_as_registries_write_them() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/nginx:pull".into()),
            })
        );
        assert_eq!(
            parse_challenge(r#"Bearer realm="https://ghcr.io/token", scope="repository:o/a:pull""#),
            Some(Challenge::Bearer {
                realm: "https://ghcr.io/token".into(),
                service: None,
                scope: Some("repository:o/a:pull".into()),
            })
        );
        assert_eq!(parse_challenge(r#"Basic realm="kubegate-test""#), Some(Challenge::Basic));
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge(r#"Bearer service="x""#), None);
    }

    #[test]
    fn the_docker_config_gives_credentials_by_registry() {
        let config = DockerConfig::parse(
            r#"{"auths": {
                "https://index.docker.io/v1/": {"auth": "dXNlcjpwYXNz"},
                "127.0.0.1:5001": {"username": "ci", "password": "s3cret"},
                "ghcr.io": {}
            }}"#,
        )
        .unwrap();
        assert_eq!(
            config.credentials("docker.io").unwrap(),
            Some(Credentials { user: "user".into(), secret: "pass".into() })
        );
        let ci = config.credentials("127.0.0.1:5001").unwrap().unwrap();
        assert_eq!(ci.basic(), "Basic Y2k6czNjcmV0");
        assert_eq!(config.credentials("ghcr.io").unwrap(), None);
        assert!(DockerConfig::parse(r#"{"auths": {"x": {"auth": "!!"}}}"#).unwrap_err().contains("not base64"));
        assert!(DockerConfig::parse("{").unwrap_err().contains("not a Docker config file"));
        // A helper that cannot run is an error that names it.
        let config = DockerConfig::parse(r#"{"credsStore": "kubegate-test-none"}"#).unwrap();
        assert!(config.credentials("ghcr.io").unwrap_err().contains("docker-credential-kubegate-test-none"));
    }
}
