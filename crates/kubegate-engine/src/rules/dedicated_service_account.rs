use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Off, Warn};
use crate::resources::PodSpec;

pub static RULE: Rule = Rule {
    id: "dedicated-service-account",
    summary: "Pods should not run as the namespace's `default` ServiceAccount",
    levels: levels(Off, Warn, Warn),
    params: &[],
    doc: Doc {
        what: "The pod must name its own ServiceAccount in `spec.serviceAccountName`; missing \
            (which means `default`) or `default` is reported.",
        why: "Every pod that uses `default` shares its permissions: a RoleBinding granted for one \
            workload silently applies to all of them.",
        example: r#"spec:
  containers:
    - name: app
      image: app:v1
"#,
        fix: r#"```yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: event-service
automountServiceAccountToken: false
---
# in the pod spec
serviceAccountName: event-service
```"#,
        help: "create a ServiceAccount for the workload and set spec.serviceAccountName",
        references: "[The policy: Service accounts and RBAC](../policy.md#service-accounts-and-rbac).",
    },
    repair: Repair::Manual,
    check: Check::Pod(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, pod: &PodSpec<'_>) {
    let named = pod.spec.get("serviceAccountName").or_else(|| pod.spec.get("serviceAccount"));
    if named.and_then(|n| n.as_str()).is_none_or(|n| n == "default") {
        let message =
            format!("{} runs as the default ServiceAccount; set spec.serviceAccountName to its own", ctx.subject());
        let rel = "serviceAccountName";
        ctx.emit(pod.locate(rel), pod.field_path(rel), None, message);
    }
}
