//! Image references as a container runtime reads them: `[registry/]repository[:tag][@digest]`,
//! with Docker Hub's defaults (`nginx` is `docker.io/library/nginx:latest`).

use std::fmt;

/// The registry Docker Hub's short names resolve to.
pub const DOCKER_HUB: &str = "docker.io";

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Reference {
    /// `ghcr.io`, `127.0.0.1:5000`, `docker.io`.
    pub registry: String,
    /// `library/nginx`, `team/app`.
    pub repository: String,
    /// The tag as written, `None` when the reference has none (`latest` is asked).
    pub tag: Option<String>,
    /// `sha256:…` as written, when the reference has one.
    pub digest: Option<String>,
}

/// Why a reference cannot be resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invalid(pub String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Reference {
    /// Parses an image reference. Variables (`$(IMAGE)`, `${TAG}`), templates and
    /// characters no registry accepts are refused with the reason.
    pub fn parse(image: &str) -> Result<Reference, Invalid> {
        let bad = |why: &str| Err(Invalid(format!("'{image}' is not an image reference kubegate can resolve: {why}")));
        if image.is_empty() {
            return bad("it is empty");
        }
        if image.contains(['$', '{', '}', ' ', '\t', '\n', '\r']) {
            return bad("it holds a variable, template or space");
        }
        if image.len() > 512 {
            return bad("it is longer than 512 characters");
        }
        let (rest, digest) = match image.rsplit_once('@') {
            Some((rest, digest)) => (rest, Some(digest.to_string())),
            None => (image, None),
        };
        // A tag follows the last `:` after the last `/` (a `:` before it is a port).
        let (name, tag) = match rest.rsplit_once(':') {
            Some((name, tag)) if !tag.contains('/') => (name, Some(tag.to_string())),
            _ => (rest, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, path))
                if first.contains(['.', ':'])
                    || first == "localhost"
                    || first.chars().any(|c| c.is_ascii_uppercase()) =>
            {
                (first.to_string(), path.to_string())
            }
            Some(_) => (DOCKER_HUB.to_string(), name.to_string()),
            None => (DOCKER_HUB.to_string(), format!("library/{name}")),
        };
        let registry = if registry == "index.docker.io" || registry == "registry-1.docker.io" {
            DOCKER_HUB.to_string()
        } else {
            registry
        };
        if registry.is_empty() || !registry.chars().all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c)) {
            return bad("the registry's name is not a host name");
        }
        if repository.is_empty()
            || repository.split('/').any(|c| {
                c.is_empty()
                    || !c.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
                    || !c.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
            })
        {
            return bad("a repository is lower-case letters, digits and `._-`, in parts separated by `/`");
        }
        if let Some(t) = &tag
            && (t.is_empty()
                || t.len() > 128
                || t.starts_with(['.', '-'])
                || !t.chars().all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)))
        {
            return bad("a tag is up to 128 letters, digits and `_.-`, not starting with `.` or `-`");
        }
        if let Some(d) = &digest
            && !is_digest(d)
        {
            return bad("its digest is not sha256: followed by 64 lowercase hex digits");
        }
        Ok(Reference { registry, repository, tag, digest })
    }

    /// The tag looked up: the one written, else `latest`.
    pub fn tag_or_latest(&self) -> &str {
        self.tag.as_deref().unwrap_or("latest")
    }

    /// The host that serves the registry's API (Docker Hub's API is not at `docker.io`).
    pub fn api_host(&self) -> &str {
        if self.registry == DOCKER_HUB { "registry-1.docker.io" } else { &self.registry }
    }

    /// Whether the registry is on this machine (127.0.0.0/8, `::1`, `localhost`), where
    /// plain HTTP is used.
    pub fn is_loopback(&self) -> bool {
        is_loopback_host(&self.registry)
    }

    /// The same image without its digest: what is looked up.
    pub fn without_digest(&self) -> Reference {
        Reference { digest: None, ..self.clone() }
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}:{}", self.registry, self.repository, self.tag_or_latest())?;
        if let Some(d) = &self.digest {
            write!(f, "@{d}")?;
        }
        Ok(())
    }
}

/// Whether `host[:port]` names this machine.
pub fn is_loopback_host(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => registry.rsplit_once(':').map_or(registry, |(h, _)| h),
    };
    host == "localhost" || host == "::1" || host.parse::<std::net::Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
}

/// `sha256:` and 64 lowercase hexadecimal digits.
pub fn is_digest(d: &str) -> bool {
    d.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(image: &str) -> String {
        match Reference::parse(image) {
            Ok(r) => format!("{} | {} | {:?} | {:?}", r.registry, r.repository, r.tag, r.digest),
            Err(e) => e.0,
        }
    }

    #[test]
    fn references_read_as_a_runtime_reads_them() {
        assert_eq!(r("nginx"), "docker.io | library/nginx | None | None");
        assert_eq!(r("nginx:1.27"), "docker.io | library/nginx | Some(\"1.27\") | None");
        assert_eq!(r("bitnami/redis:7"), "docker.io | bitnami/redis | Some(\"7\") | None");
        assert_eq!(r("index.docker.io/library/nginx:1"), "docker.io | library/nginx | Some(\"1\") | None");
        assert_eq!(r("ghcr.io/org/app:v1.2.3"), "ghcr.io | org/app | Some(\"v1.2.3\") | None");
        assert_eq!(r("127.0.0.1:5000/team/app"), "127.0.0.1:5000 | team/app | None | None");
        assert_eq!(r("localhost/app:dev"), "localhost | app | Some(\"dev\") | None");
        let d = format!("sha256:{}", "a".repeat(64));
        assert_eq!(r(&format!("app:v1@{d}")), format!("docker.io | library/app | Some(\"v1\") | Some(\"{d}\")"));
        assert!(r("app@sha256:abc").contains("its digest is not sha256:"));
        assert!(r("$(IMAGE)").contains("holds a variable"));
        assert!(r("Org/App:1").contains("the registry's name") || r("Org/App:1").contains("a repository is"));
        assert!(r("app:-x").contains("a tag is"));
        assert!(r("").contains("it is empty"));
        assert!(is_loopback_host("127.0.0.1:5000") && is_loopback_host("[::1]:5000") && is_loopback_host("localhost"));
        assert!(!is_loopback_host("ghcr.io") && !is_loopback_host("10.0.0.1:5000"));
    }
}
