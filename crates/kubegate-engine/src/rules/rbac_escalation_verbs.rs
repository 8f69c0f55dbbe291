use super::{Check, Ctx, Doc, RbacRule, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};

/// Verbs that let a subject gain permissions it was not given.
const VERBS: [&str; 3] = ["escalate", "bind", "impersonate"];

pub static RULE: Rule = Rule {
    id: "rbac-escalation-verbs",
    summary: "Roles must not grant `escalate`, `bind` or `impersonate`",
    levels: levels(Warn, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "No rule of a Role or ClusterRole may grant the verbs `escalate`, `bind` or \
            `impersonate`; each is its own finding, at the verb. (`*` verbs are \
            `rbac-wildcard`'s finding.)",
        why: "`escalate` lets a subject write a Role with permissions it does not hold, `bind` \
            lets it bind any Role to itself, and `impersonate` lets it act as any user, group or \
            ServiceAccount: each one is every permission in the cluster, one step removed.",
        example: r#"kind: ClusterRole
rules:
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["clusterroles"]
    verbs: ["get", "bind", "escalate"]
"#,
        fix: r#"Remove the verbs; grant the Roles the workload needs directly, and leave RBAC changes to the people who review them.

```yaml
rules:
  - apiGroups: ["rbac.authorization.k8s.io"]
    resources: ["clusterroles"]
    verbs: ["get", "list"]
```"#,
        help: "remove escalate, bind and impersonate; grant the permissions the workload needs directly",
        references: "[The policy: Service accounts and RBAC](../policy.md#service-accounts-and-rbac).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    for rule in RbacRule::of(ctx) {
        for (j, verb) in rule.items("verbs") {
            let Some(v) = verb.scalar_text().filter(|v| VERBS.iter().any(|w| w.eq_ignore_ascii_case(v))) else {
                continue;
            };
            let message = format!(
                "{} rule {} grants the verb {}, which lets it gain permissions it was not given",
                ctx.subject(),
                rule.index + 1,
                v.to_ascii_lowercase()
            );
            ctx.emit(verb.span, format!("rules[{}].verbs[{j}]", rule.index), None, message);
        }
    }
}
