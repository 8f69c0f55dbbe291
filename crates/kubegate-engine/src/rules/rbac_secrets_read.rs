use super::{Check, Ctx, Doc, RbacRule, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};

pub static RULE: Rule = Rule {
    id: "rbac-secrets-read",
    summary: "ClusterRoles must not read Secrets in every namespace",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "No rule of a ClusterRole may grant `get`, `list` or `watch` on `secrets` of the core \
            API group (a named `secrets` resource with a wildcard verb counts too; a `*` \
            resource is `rbac-wildcard`'s). A rule limited by `resourceNames` is not reported. A \
            namespaced Role that reads its own namespace's Secrets is not reported.",
        why: "A ClusterRole bound with a ClusterRoleBinding reads every Secret of the cluster: \
            database passwords, registry credentials and every ServiceAccount token, which is a \
            path to every other permission. `list` and `watch` return the Secrets' contents, not \
            only their names.",
        example: r#"kind: ClusterRole
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    verbs: ["get", "list", "watch"]
"#,
        fix: r#"Grant Secret access in a namespaced Role, limited to the Secrets the workload needs:

```yaml
kind: Role
rules:
  - apiGroups: [""]
    resources: ["secrets"]
    resourceNames: ["backend-db"]
    verbs: ["get"]
```"#,
        help: "read Secrets through a namespaced Role limited by resourceNames, not a ClusterRole",
        references: "[The policy: Service accounts and RBAC](../policy.md#service-accounts-and-rbac).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    if ctx.res.kind != "ClusterRole" {
        return;
    }
    for rule in RbacRule::of(ctx) {
        if rule.node.get("resourceNames").is_some_and(|n| !n.items().is_empty()) {
            continue;
        }
        let Some((j, secrets)) = rule.grant("", &["get", "list", "watch"], &["secrets"]) else { continue };
        let message = format!(
            "{} rule {} can read Secrets in every namespace; grant it in a namespaced Role instead",
            ctx.subject(),
            rule.index + 1
        );
        ctx.emit(secrets.span, format!("rules[{}].resources[{j}]", rule.index), None, message);
    }
}
