use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};

pub static RULE: Rule = Rule {
    id: "rbac-wildcard",
    summary: "Roles must not grant `*` verbs, resources or API groups",
    levels: levels(Warn, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "No rule of a Role or ClusterRole may list `*` in `verbs`, `resources` or \
            `apiGroups`; each wildcard is its own finding, at the `*`.",
        why: "A wildcard grants everything that exists today and everything added tomorrow (new \
            CRDs, `escalate`, `impersonate`): least privilege means naming what the workload \
            needs.",
        example: r#"kind: Role
rules:
  - apiGroups: [""]
    resources: ["*"]
    verbs: ["*"]
"#,
        fix: r#"```yaml
rules:
  - apiGroups: [""]
    resources: ["configmaps"]
    resourceNames: ["event-service-config"]
    verbs: ["get"]
```"#,
        help: "name the verbs, resources and API groups the workload needs",
        references: "[The policy: Service accounts and RBAC](../policy.md#service-accounts-and-rbac).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    if !matches!(ctx.res.kind, "Role" | "ClusterRole") {
        return;
    }
    let rules = ctx.res.root.get("rules").map(|r| r.items()).unwrap_or_default();
    for (i, rule) in rules.iter().enumerate() {
        for field in ["apiGroups", "resources", "verbs"] {
            let items = rule.get(field).map(|f| f.items()).unwrap_or_default();
            if let Some((j, star)) = items.iter().enumerate().find(|(_, n)| n.scalar_text() == Some("*")) {
                let message = format!("{} rule {} grants * {field}; name what is needed instead", ctx.subject(), i + 1);
                ctx.emit(star.span, format!("rules[{i}].{field}[{j}]"), None, message);
            }
        }
    }
}
