use super::{Check, Ctx, Doc, RbacRule, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};

const RESOURCES: [&str; 2] = ["validatingwebhookconfigurations", "mutatingwebhookconfigurations"];
const WRITE: [&str; 5] = ["create", "update", "patch", "delete", "deletecollection"];

pub static RULE: Rule = Rule {
    id: "rbac-admission-webhooks",
    summary: "Roles must not modify admission webhook configurations",
    levels: levels(Warn, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "No rule of a Role or ClusterRole may grant `create`, `update`, `patch`, `delete` or \
            `deletecollection` (or `*`) on `validatingwebhookconfigurations` or \
            `mutatingwebhookconfigurations` of `admissionregistration.k8s.io`.",
        why: "Admission webhooks are where the cluster enforces its policy: whoever can change or \
            delete them can switch enforcement off, or register a mutating webhook that rewrites \
            every pod the cluster admits.",
        example: r#"kind: ClusterRole
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["validatingwebhookconfigurations"]
    verbs: ["get", "update", "delete"]
"#,
        fix: r#"Grant read access only; webhook configurations are installed by the platform team's pipeline.

```yaml
rules:
  - apiGroups: ["admissionregistration.k8s.io"]
    resources: ["validatingwebhookconfigurations"]
    verbs: ["get", "list", "watch"]
```"#,
        help: "grant get, list and watch only; leave webhook configurations to the platform's pipeline",
        references: "[The policy: Service accounts and RBAC](../policy.md#service-accounts-and-rbac).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    for rule in RbacRule::of(ctx) {
        let Some((j, res)) = rule.grant("admissionregistration.k8s.io", &WRITE, &RESOURCES) else { continue };
        let message = format!(
            "{} rule {} can modify admission webhook configurations ({}); grant read access only",
            ctx.subject(),
            rule.index + 1,
            res.scalar_text().unwrap_or_default().to_ascii_lowercase()
        );
        ctx.emit(res.span, format!("rules[{}].resources[{j}]", rule.index), None, message);
    }
}
