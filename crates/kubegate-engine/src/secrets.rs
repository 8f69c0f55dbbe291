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
//! material (certificates, `sha256:` digests, UUIDs).

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

/// What kind of secret a value looks like, if any.
pub fn secret_value_kind(value: &str) -> Option<&'static str> {
    let v = value.trim();
    if v.contains("-----BEGIN") {
        // PEM: a private key is a secret; certificates and public keys are public material.
        return v.contains("PRIVATE KEY").then_some("a private key");
    }
    for word in v.split(|c: char| c.is_whitespace() || c == '"' || c == '\'' || c == '=' || c == ',') {
        if let Some(kind) = token_kind(word) {
            return Some(kind);
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
        let hex = all_of(w, |c| c.is_ascii_hexdigit());
        let threshold = if hex { 3.5 } else { 4.2 };
        if letters && digits && !w.contains('/') && shannon_entropy(w) >= threshold {
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
        assert_eq!(
            secret_value_kind("9f8e7d6c5b4a39281706f5e4d3c2b1a0a1b2c3d4e5f60718293a4b5c6d7e8f90"),
            Some("a high-entropy token")
        );
        for v in [
            "postgres://app:${DB_PASSWORD}@db:5432/shop",
            "https://example.com/path",
            "-----BEGIN CERTIFICATE-----\nMIID",
            "123e4567-e89b-12d3-a456-426614174000",
            "registry.example.com/shop/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "checkout,search,recommendations",
            "info",
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
