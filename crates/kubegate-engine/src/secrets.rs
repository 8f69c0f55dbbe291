//! Recognising secrets written into manifests, for `secret-in-configmap` and
//! `secret-in-env`.
//!
//! Two signals:
//! - **the value looks like a secret** whatever its name: a private key block, a cloud or
//!   SaaS access key of a known shape, a JWT, credentials inside a URL, or a long,
//!   high-entropy token;
//! - **the name says secret** (`DB_PASSWORD`, `apiKey`, `client-secret`) and the value is
//!   a real literal.
//!
//! False-positive policy: never on references (`valueFrom`, `secretKeyRef`), never on
//! empty values or obvious placeholders (`changeme`, `<password>`, `${DB_PASSWORD}`,
//! `{{ .Values.x }}`, `xxxx`, `***`, `REPLACE_ME`, `TODO`, `dummy`, `example`, constants
//! meant for substitution such as `GOOGLE_API_KEY_VAL`, a value naming its own key), never on
//! booleans, plain numbers or file paths, never on names that only point at a secret
//! (`SECRET_NAME`, `TOKEN_URL`, `PASSWORD_FILE`, `TOKEN_TTL`), and never on public
//! material or identifiers by their look alone: certificates and public keys in PEM
//! armour, OpenSSH public keys and `known_hosts` lines, UUIDs, and hexadecimal
//! identifiers, checksums and digests (a Grafana dashboard's uid, a sha256). A private key
//! block is a secret whatever the number of dashes in its armour.

/// Words that make a key name secret-looking.
const SECRET_WORDS: [&str; 14] = [
    "password",
    "passwd",
    "pwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "credential",
    "credentials",
    "privatekey",
    "accesskey",
    "secretkey",
    "clientsecret",
    "bearer",
];

/// Final words that make a secret-looking name point at a secret rather than hold one.
const POINTER_WORDS: [&str; 18] = [
    "name", "names", "url", "uri", "endpoint", "file", "path", "dir", "ref", "key", "header", "length", "ttl",
    "expiry", "timeout", "enabled", "type", "id",
];

/// Splits `DB_PASSWORD`, `dbPassword`, `db-password` and `db.password` into lower-case words.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        cur.push(ch.to_ascii_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A key name that says it holds a secret (`DB_PASSWORD`, `apiKey`, `client_secret`).
pub fn is_secret_name(name: &str) -> bool {
    let w = words(name);
    let Some(last) = w.last() else { return false };
    // `api_key`, `access_key`, `private_key`, `secret_key`: joined pairs count as one word.
    let joined: Vec<String> = w.windows(2).map(|p| format!("{}{}", p[0], p[1])).collect();
    let has_word = w.iter().chain(&joined).any(|x| SECRET_WORDS.contains(&x.as_str()));
    let pair_key = joined.last().is_some_and(|j| SECRET_WORDS.contains(&j.as_str()));
    has_word && (pair_key || !POINTER_WORDS.contains(&last.as_str()))
}

/// An empty value or an obvious placeholder.
pub fn is_placeholder(value: &str) -> bool {
    let v = value.trim();
    if v.is_empty() || v.len() < 3 {
        return true;
    }
    let lower = v.to_ascii_lowercase();
    let wrapped = |open: &str, close: &str| v.starts_with(open) && v.ends_with(close);
    wrapped("<", ">")
        || wrapped("${", "}")
        || wrapped("$(", ")")
        || wrapped("{{", "}}")
        || wrapped("%(", ")s")
        || v.chars().all(|c| c == 'x' || c == 'X' || c == '*' || c == '.' || c == '-' || c == '#')
        || matches!(
            lower.as_str(),
            "changeme"
                | "change-me"
                | "change_me"
                | "changeit"
                | "replace_me"
                | "replaceme"
                | "replace-me"
                | "todo"
                | "tbd"
                | "dummy"
                | "example"
                | "placeholder"
                | "none"
                | "null"
                | "nil"
                | "true"
                | "false"
                | "yes"
                | "no"
                | "password"
                | "secret"
                | "token"
                | "redacted"
                | "default"
                | "test"
                | "unset"
        )
        || lower.starts_with("your-")
        || lower.starts_with("your_")
        // A substitution constant: `GOOGLE_API_KEY_VAL`, `DB_PASSWORD_HERE`.
        || (v.contains('_') && v.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
        || v.parse::<f64>().is_ok()
        || (v.starts_with('/') && !v.contains(' '))
}

fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    counts.iter().filter(|&&c| c > 0).map(|&c| c as f64 / n).map(|p| -p * p.log2()).sum()
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() })
}

fn all_of(s: &str, ok: impl Fn(char) -> bool) -> bool {
    !s.is_empty() && s.chars().all(ok)
}

/// The label of a PEM armour line (`-----BEGIN CERTIFICATE-----` → `CERTIFICATE`),
/// whatever the number of dashes (`---BEGIN OPENSSH PRIVATE KEY---` too).
fn pem_begin(line: &str) -> Option<&str> {
    let rest = line.trim().strip_prefix("--")?.trim_start_matches('-').trim_start();
    Some(rest.strip_prefix("BEGIN ")?.trim_end_matches('-').trim())
}

fn pem_end(line: &str) -> bool {
    line.trim().strip_prefix("--").is_some_and(|r| r.trim_start_matches('-').trim_start().starts_with("END "))
}

/// An OpenSSH public key line (`authorized_keys`, `known_hosts`): `[hosts] ssh-ed25519
/// AAAA… [comment]`. Public keys are published on purpose.
fn is_ssh_public_key_line(line: &str) -> bool {
    let mut words = line.split_whitespace().peekable();
    while let Some(w) = words.next() {
        let algorithm = w.starts_with("ssh-")
            || w.starts_with("ecdsa-sha2-")
            || w.starts_with("sk-ssh-")
            || w.starts_with("sk-ecdsa-sha2-");
        if algorithm && words.peek().is_some_and(|blob| blob.starts_with("AAAA")) {
            return true;
        }
    }
    false
}

/// What kind of secret a value looks like, if any. Public material is never a secret:
/// certificates and public keys in PEM armour, OpenSSH public keys (`ssh-rsa AAAA…`,
/// `known_hosts` lines), and identifiers, checksums and digests written in hexadecimal
/// (a dashboard's 32-digit id, a sha256): a private key is a secret whatever its armour.
pub fn secret_value_kind(value: &str) -> Option<&'static str> {
    let mut in_public_pem = false;
    for line in value.lines() {
        if let Some(label) = pem_begin(line) {
            if label.contains("PRIVATE KEY") {
                return Some("a private key");
            }
            in_public_pem = true;
            continue;
        }
        if pem_end(line) {
            in_public_pem = false;
            continue;
        }
        if in_public_pem || is_ssh_public_key_line(line) {
            continue;
        }
        for word in line.split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '=' || c == ',') {
            if let Some(kind) = token_kind(word) {
                return Some(kind);
            }
        }
    }
    None
}

fn token_kind(w: &str) -> Option<&'static str> {
    let upper_digits = |s: &str| all_of(s, |c| c.is_ascii_uppercase() || c.is_ascii_digit());
    let b64url = |s: &str| all_of(s, |c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if w.len() == 20 && (w.starts_with("AKIA") || w.starts_with("ASIA")) && upper_digits(&w[4..]) {
        return Some("an AWS access key");
    }
    for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"] {
        if let Some(rest) = w.strip_prefix(prefix)
            && rest.len() >= 30
            && b64url(rest)
        {
            return Some("a GitHub token");
        }
    }
    for prefix in ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"] {
        if w.starts_with(prefix) && w.len() > 20 {
            return Some("a Slack token");
        }
    }
    if w.len() == 39 && w.starts_with("AIza") && b64url(&w[4..]) {
        return Some("a Google API key");
    }
    if w.starts_with("sk_live_") && w.len() > 20 {
        return Some("a Stripe secret key");
    }
    let parts: Vec<&str> = w.split('.').collect();
    if parts.len() == 3 && parts[0].starts_with("eyJ") && parts[1].starts_with("eyJ") && parts.iter().all(|p| b64url(p))
    {
        return Some("a JWT");
    }
    if let Some((scheme, rest)) = w.split_once("://")
        && !scheme.is_empty()
        && let Some((userinfo, _host)) = rest.split_once('@')
        && let Some((_user, password)) = userinfo.split_once(':')
        && !is_placeholder(password)
        && !password.starts_with('$')
    {
        return Some("credentials in a URL");
    }
    // A long random-looking token: base64 or hex alphabet, letters and digits, high entropy.
    let base64 = all_of(w, |c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '-' | '_'));
    if w.len() >= 32 && base64 && !is_uuid(w) && !w.contains("sha256") {
        let letters = w.chars().any(|c| c.is_ascii_alphabetic());
        let digits = w.chars().any(|c| c.is_ascii_digit());
        // Hexadecimal alone is how identifiers, checksums and digests are written: a
        // secret in hex is caught by its name (`API_KEY: 9f8e…`), not by its look.
        let hex = all_of(w, |c| c.is_ascii_hexdigit());
        if !hex && letters && digits && !w.contains('/') && shannon_entropy(w) >= 4.2 {
            return Some("a high-entropy token");
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "dbPassword",
            "api-key",
            "API_KEY",
            "client_secret",
            "GITHUB_TOKEN",
            "aws_secret_access_key",
            "privateKey",
            "SECRET",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "SECRET_NAME",
            "TOKEN_URL",
            "PASSWORD_FILE",
            "token_ttl",
            "LOG_LEVEL",
            "PASSWORD_MIN_LENGTH",
            "keycloak_url",
            "secretRef",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }

    #[test]
    fn values() {
        assert_eq!(secret_value_kind("-----BEGIN RSA PRIVATE KEY-----\nMIIE..."), Some("a private key"));
        assert_eq!(secret_value_kind("AKIAIOSFODNN7EXAMPLE"), Some("an AWS access key"));
        assert_eq!(
            secret_value_kind(
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
            ),
            Some("a JWT")
        );
        assert_eq!(secret_value_kind("postgres://app:s3cr3t-pass@db:5432/shop"), Some("credentials in a URL"));
        assert_eq!(secret_value_kind("ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"), Some("a GitHub token"));
        assert_eq!(secret_value_kind("wJalrXUtnFEMI/K7MDENG+bPxRfiCYz9kQ3mZ8vL2pT6"), None, "a slash: a path");
        assert_eq!(secret_value_kind("xK9mQ2vL7pT4nR8sW3yZ6bC1dF5gH0jA2kE7uI"), Some("a high-entropy token"));
        assert_eq!(
            secret_value_kind(
                "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBa\n-----END CERTIFICATE-----\ntoken=xK9mQ2vL7pT4nR8sW3yZ6bC1dF5gH0jA2kE7uI"
            ),
            Some("a high-entropy token"),
            "a token after a certificate"
        );
        assert_eq!(secret_value_kind("---BEGIN OPENSSH PRIVATE KEY---\nb3BlbnNzaC1rZXktdjE="), Some("a private key"));
        assert_eq!(
            secret_value_kind("key: |\n  -----BEGIN EC PRIVATE KEY-----\n  MHcCAQEE\n"),
            Some("a private key"),
            "indented, inside an embedded file"
        );
        for v in [
            "postgres://app:${DB_PASSWORD}@db:5432/shop",
            "https://example.com/path",
            "-----BEGIN CERTIFICATE-----\nMIID",
            "123e4567-e89b-12d3-a456-426614174000",
            "registry.example.com/shop/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "checkout,search,recommendations",
            "info",
            // Hexadecimal identifiers, checksums and digests.
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0a1b2c3d4e5f60718293a4b5c6d7e8f90",
            "\"uid\": \"09ec8aa1e996d6ffcd6817bbaff4db1b\"",
            // Public keys and certificates.
            "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
            "[ssh.example.com]:2222 ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT",
            "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7vbqajDhA8x9mQ2vL7pT4nR8sW3yZ6bC1dF5gH0jA2kE7uI deploy@ci",
            "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmwIDAQAB\n-----END PUBLIC KEY-----",
            "-----BEGIN CERTIFICATE-----\nMIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJRTESMBAGA1UEChMJQmFsdGltb3JlMRMw\n-----END CERTIFICATE-----",
        ] {
            assert_eq!(secret_value_kind(v), None, "{v}");
        }
    }

    #[test]
    fn placeholders() {
        for v in [
            "",
            "GOOGLE_API_KEY_VAL",
            "changeme",
            "<password>",
            "${DB_PASSWORD}",
            "{{ .Values.password }}",
            "xxxxxx",
            "****",
            "REPLACE_ME",
            "3600",
            "true",
            "/etc/secrets/db",
        ] {
            assert!(is_placeholder(v), "{v}");
        }
        assert!(!is_placeholder("hunter2!"));
    }
}
