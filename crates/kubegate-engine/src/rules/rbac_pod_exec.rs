use super::{Check, Ctx, Doc, RbacRule, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};

/// Subresources that open a shell or a stream into a running container.
const SUBRESOURCES: [&str; 2] = ["pods/exec", "pods/attach"];

pub static RULE: Rule = Rule {
    id: "rbac-pod-exec",
    summary: "Roles must not grant `create` on `pods/exec` or `pods/attach`",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "No rule of a Role or ClusterRole may grant `create` (or `get`, which the API server \
            also accepts for the streaming upgrade, or `*`) on `pods/exec` or `pods/attach` in \
            the core API group.",
        why: "Exec into a pod is a shell inside it: its mounted Secrets, its ServiceAccount token \
            and its network position. A workload almost never needs it; people who debug \
            production get it through a reviewed, time-limited grant.",
        example: r#"kind: Role
rules:
  - apiGroups: [""]
    resources: ["pods/exec"]
    verbs: ["create"]
"#,
        fix: "Remove the rule from the workload's Role; give people who debug production a \
            separate, reviewed Role (or use ephemeral debug containers under an audited \
            process).",
        help: "remove create on pods/exec and pods/attach from the workload's Role",
        references: "[The policy: Service accounts and RBAC](../policy.md#service-accounts-and-rbac).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    for rule in RbacRule::of(ctx) {
        let Some((j, res)) = rule.grant("", &["create", "get"], &SUBRESOURCES) else { continue };
        let message = format!(
            "{} rule {} can open a shell in running pods ({}); remove it",
            ctx.subject(),
            rule.index + 1,
            res.scalar_text().unwrap_or_default().to_ascii_lowercase()
        );
        ctx.emit(res.span, format!("rules[{}].resources[{j}]", rule.index), None, message);
    }
}
