use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::secrets::{is_placeholder, is_secret_name, secret_value_kind};
use kubegate_yaml::Route;

pub static RULE: Rule = Rule {
    id: "secret-in-configmap",
    summary: "ConfigMaps must not hold secrets",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "No entry of a ConfigMap's `data` may hold a secret: a value that looks like one (a \
            private key block, an AWS/GitHub/Slack/Google/Stripe key, a JWT, credentials inside \
            a URL, a long high-entropy token), or a literal value under a secret-looking name \
            (`DB_PASSWORD`, `apiKey`, `client-secret`), also inside an embedded \
            properties/YAML/env file (`spring.datasource.password=…`). Never reported: empty \
            values, obvious placeholders (`changeme`, `<password>`, `${DB_PASSWORD}`, `{{ … }}`, \
            `xxxx`, `REPLACE_ME`), numbers, booleans, paths, names that only point at a secret \
            (`SECRET_NAME`, `TOKEN_URL`, `PASSWORD_FILE`), and public material or identifiers by \
            their look alone: certificates and public keys (PEM), OpenSSH public keys and \
            `known_hosts` lines (`ssh-ed25519 AAAA…`), UUIDs, and hexadecimal identifiers, \
            checksums and digests (a dashboard's 32-digit uid; a hexadecimal secret is still \
            caught by its name). A private key block is a secret whatever the dashes of its \
            armour (`---BEGIN OPENSSH PRIVATE KEY---`).",
        why: "ConfigMaps are readable by anyone who can read the namespace's configuration, are \
            printed by `kubectl describe`, and live in git in plain text: never put secrets in \
            ConfigMaps.",
        example: r#"kind: ConfigMap
data:
  DATABASE_URL: postgres://app:s3cr3t@db:5432/shop
  JWT_SECRET: 9f8e7d6c5b4a39281706f5e4d3c2b1a0
"#,
        fix: "Move the value to a Secret managed outside git (External Secrets Operator, Sealed \
            Secrets, Vault) and reference it with `secretKeyRef` or a mounted volume.",
        help: "move the value to an externally managed Secret and reference it",
        references: "[The policy: Secrets](../policy.md#secrets).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

/// What is wrong with one ConfigMap value, if anything, and on which line of the value.
fn problem(key: &str, value: &str) -> Option<(usize, String)> {
    if let Some(kind) = secret_value_kind(value) {
        let line = value.lines().position(|l| secret_value_kind(l).is_some()).unwrap_or(0);
        return Some((line, format!("key '{key}' holds what looks like {kind}")));
    }
    if !value.contains('\n') {
        return (is_secret_name(key) && !is_placeholder(value))
            .then(|| (0, format!("key '{key}' holds a literal secret")));
    }
    // An embedded file: look for `name = value` / `name: value` lines with secret names.
    value.lines().enumerate().find_map(|(i, line)| {
        let (name, val) = line.split_once(['=', ':'])?;
        let (name, val) = (name.trim(), val.trim().trim_matches(['"', '\'']));
        (!name.contains(' ') && is_secret_name(name) && !is_placeholder(val))
            .then(|| (i, format!("key '{key}' sets {name} to a literal secret")))
    })
}

fn check(ctx: &mut Ctx<'_, '_>) {
    if ctx.res.kind != "ConfigMap" {
        return;
    }
    for (k, v) in ctx.res.root.get("data").map(|d| d.entries()).unwrap_or_default() {
        let Some(value) = v.scalar_text() else { continue };
        if let Some((line, what)) = problem(k.text, value) {
            let message = format!("{} {what}; keep secrets out of ConfigMaps", ctx.subject());
            // In a literal block (`|`) the value's lines are the file's lines: point at the one.
            let mut span = v.span;
            let start = span.start.line + line as u32;
            if line > 0 && start <= span.end.line {
                let len = value.lines().nth(line).map_or(0, |l| l.chars().count()) as u32;
                span = kubegate_yaml::Span {
                    start: kubegate_yaml::Pos { line: start, col: span.start.col },
                    end: kubegate_yaml::Pos { line: start, col: span.start.col + len },
                };
            }
            ctx.emit(span, Route::parse("data").key(k.text), None, message);
        }
    }
}
