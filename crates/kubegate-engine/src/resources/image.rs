//! Container image references: `[registry[:port]/]repository[:tag][@algorithm:digest]`.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ImageRef<'s> {
    /// `registry.example.com:5000`, when the first path component names a host.
    pub registry: Option<&'s str>,
    pub repository: &'s str,
    pub tag: Option<&'s str>,
    /// Everything after `@`, e.g. `sha256:…`.
    pub digest: Option<&'s str>,
}

impl<'s> ImageRef<'s> {
    pub fn parse(s: &'s str) -> ImageRef<'s> {
        let (name, digest) = match s.split_once('@') {
            Some((n, d)) => (n, Some(d)),
            None => (s, None),
        };
        // A tag is a `:` after the last `/`; a `:` before it is a registry port.
        let last_slash = name.rfind('/').map(|i| i + 1).unwrap_or(0);
        let (name, tag) = match name[last_slash..].rfind(':') {
            Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
            None => (name, None),
        };
        let (registry, repository) = match name.split_once('/') {
            Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (Some(first), rest)
            }
            _ => (None, name),
        };
        ImageRef { registry, repository, tag, digest }
    }

    /// Pinned by a valid digest: `sha256:` followed by exactly 64 lowercase hex digits.
    pub fn has_valid_digest(&self) -> bool {
        self.digest.is_some_and(is_valid_sha256_digest)
    }
}

pub fn is_valid_sha256_digest(d: &str) -> bool {
    d.strip_prefix("sha256:")
        .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms() {
        let r = ImageRef::parse("registry:5000/app");
        assert_eq!((r.registry, r.repository, r.tag), (Some("registry:5000"), "app", None));
        let r = ImageRef::parse("nginx");
        assert_eq!((r.registry, r.repository, r.tag, r.digest), (None, "nginx", None, None));
        let r = ImageRef::parse("ghcr.io/org/backend:v1.2.3");
        assert_eq!((r.registry, r.repository, r.tag), (Some("ghcr.io"), "org/backend", Some("v1.2.3")));
        let d = format!("sha256:{}", "a".repeat(64));
        let s = format!("localhost:5000/x/y:1.0@{d}");
        let r = ImageRef::parse(&s);
        assert_eq!(
            (r.registry, r.repository, r.tag, r.digest),
            (Some("localhost:5000"), "x/y", Some("1.0"), Some(d.as_str()))
        );
        assert!(r.has_valid_digest());
        assert!(!ImageRef::parse("app@sha256:abc123").has_valid_digest());
        assert!(!ImageRef::parse(&format!("app@sha256:{}", "A".repeat(64))).has_valid_digest());
        assert!(!ImageRef::parse(&format!("app@sha512:{}", "a".repeat(64))).has_valid_digest());
        let r = ImageRef::parse("library/nginx:latest");
        assert_eq!((r.registry, r.repository, r.tag), (None, "library/nginx", Some("latest")));
    }
}
