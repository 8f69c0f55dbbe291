use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};

pub static RULE: Rule = Rule {
    id: "rbac-cluster-admin-binding",
    summary: "Only kube-system may be bound to `cluster-admin`",
    levels: levels(Warn, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "A ClusterRoleBinding or RoleBinding whose `roleRef` is the ClusterRole \
            `cluster-admin` may only bind ServiceAccounts of `kube-system`; each other subject \
            (a ServiceAccount of another namespace, a user, a group) is a finding at the \
            subject.",
        why: "`cluster-admin` is every permission on every resource. A workload's ServiceAccount \
            bound to it turns any compromise of that workload into a compromise of the cluster; \
            the control plane's own components in kube-system are the exception.",
        example: r#"kind: ClusterRoleBinding
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: cluster-admin
subjects:
  - kind: ServiceAccount
    name: deployer
    namespace: ci
"#,
        fix: r#"Bind a ClusterRole (or better, a namespaced Role) that names the resources and verbs the subject needs.

```yaml
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: deployer
```"#,
        help: "bind a Role that names what the subject needs instead of cluster-admin",
        references: "[The policy: Service accounts and RBAC](../policy.md#service-accounts-and-rbac).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    if !matches!(ctx.res.kind, "ClusterRoleBinding" | "RoleBinding") {
        return;
    }
    let role = ctx.res.root.get("roleRef");
    let text = |k: &str| role.and_then(|r| r.get(k)).and_then(|n| n.scalar_text());
    if text("kind") != Some("ClusterRole") || text("name") != Some("cluster-admin") {
        return;
    }
    let subjects = ctx.res.root.get("subjects").map(|s| s.items()).unwrap_or_default();
    for (i, s) in subjects.iter().enumerate() {
        let field = |k: &str| s.get(k).and_then(|n| n.scalar_text());
        // A RoleBinding's ServiceAccount subject without a namespace is in the binding's.
        let ns = field("namespace").or(if ctx.res.kind == "RoleBinding" { ctx.res.namespace } else { None });
        if field("kind") == Some("ServiceAccount") && ns == Some("kube-system") {
            continue;
        }
        let who = match (field("kind").unwrap_or("subject"), ns) {
            ("ServiceAccount", Some(ns)) => format!("ServiceAccount {ns}/{}", field("name").unwrap_or("?")),
            (kind, _) => format!("{kind} {}", field("name").unwrap_or("?")),
        };
        let message = format!("{} binds {who} to cluster-admin; only kube-system may hold it", ctx.subject());
        let span = s.get("name").map(|n| n.span).unwrap_or(s.span);
        ctx.emit(span, format!("subjects[{i}]"), None, message);
    }
}
