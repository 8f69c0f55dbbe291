use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::resources::Container;
use crate::secrets::{is_placeholder, is_secret_name, secret_value_kind};

pub static RULE: Rule = Rule {
    id: "secret-in-env",
    summary: "Environment variables must not hold literal secrets",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "No container `env[].value` may hold a secret: a value that looks like one (a private \
            key, a known access-key shape, a JWT, credentials inside a URL, a high-entropy \
            token) or a literal value under a secret-looking name (`DB_PASSWORD`, `API_KEY`). \
            Variables set with `valueFrom` (`secretKeyRef`, `configMapKeyRef`, `fieldRef`) are \
            never reported, nor empty values and placeholders (see `secret-in-configmap` for the \
            full false-positive policy).",
        why: "A literal in the manifest is a secret committed to git, visible in `kubectl get -o \
            yaml` and in every copy of the repository.",
        example: r#"env:
  - name: DB_PASSWORD
    value: hunter2-prod
"#,
        fix: r#"```yaml
env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        name: backend-secrets
        key: db-password
```"#,
        help: "reference a Secret with valueFrom.secretKeyRef instead of a literal value",
        references: "[The policy: Secrets](../policy.md#secrets).",
    },
    repair: Repair::Manual,
    check: Check::Container(check),
    pss: None,
};

/// `API_KEY: api-key-goes-here`: a value that names its own variable is a placeholder.
fn names_itself(name: &str, value: &str) -> bool {
    let norm = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    norm(value).contains(&norm(name))
}

fn check(ctx: &mut Ctx<'_, '_>, c: &Container<'_>) {
    for (i, e) in c.get("env").map(|e| e.items()).unwrap_or_default().iter().enumerate() {
        let name = e.get("name").and_then(|n| n.scalar_text()).unwrap_or("");
        let Some(value) = e.get("value").filter(|_| e.get("valueFrom").is_none()) else { continue };
        let Some(text) = value.scalar_text() else { continue };
        let what = match secret_value_kind(text) {
            Some(kind) => format!("holds what looks like {kind}"),
            None if is_secret_name(name) && !is_placeholder(text) && !names_itself(name, text) => {
                "holds a literal secret".to_string()
            }
            None => continue,
        };
        let message = format!("{} env {name} {what}; use valueFrom.secretKeyRef", ctx.container_subject(c));
        ctx.emit(value.span, c.field_path(&format!("env[{i}].value")), Some(c), message);
    }
}
