use super::{Check, Ctx, Doc, Repair, RepairValue, Rule, Safety, levels};
use crate::facts::{Index, Pending, Question};
use crate::finding::Level::{Off, Warn};

pub static RULE: Rule = Rule {
    id: "service-account-token",
    summary: "Pods should not mount a ServiceAccount token they do not need",
    levels: levels(Off, Warn, Warn),
    params: &[],
    doc: Doc {
        what: "The pod must set `automountServiceAccountToken: false`, or leave it unset and run as \
            a ServiceAccount, among the inputs in the same namespace, that sets it to `false`. A \
            pod-level `true` wins over the ServiceAccount and is reported. When the \
            ServiceAccount is not among the inputs, only the pod's own setting counts.",
        why: "A mounted token is an API credential inside every container; most workloads never \
            call the Kubernetes API, and a stolen token is the first step of lateral movement.",
        example: r#"kind: ServiceAccount
metadata:
  name: event-service
# automountServiceAccountToken not set
"#,
        fix: r#"```yaml
apiVersion: v1
kind: ServiceAccount
metadata:
  name: event-service
automountServiceAccountToken: false  # Disable unless needed
```"#,
        help: "set automountServiceAccountToken: false on the ServiceAccount (or the pod)",
        references: "[The policy: Service accounts and RBAC](../policy.md#service-accounts-and-rbac).",
    },
    repair: Repair::Set {
        value: RepairValue::Text("false"),
        safety: Safety::Unsafe("a workload that calls the Kubernetes API needs its token"),
        only_missing: false,
    },
    check: Check::Bundle { collect, judge },
    pss: None,
};

fn collect(ctx: &mut Ctx<'_, '_>) {
    let Some(pod) = &ctx.res.pod else { return };
    let own = pod.spec.get("automountServiceAccountToken").and_then(|n| n.as_bool());
    if own == Some(false) {
        return;
    }
    let sa = pod
        .spec
        .get("serviceAccountName")
        .or_else(|| pod.spec.get("serviceAccount"))
        .and_then(|n| n.as_str())
        .unwrap_or("default");
    let rel = "automountServiceAccountToken";
    let question = Question::Token { service_account: sa.to_string(), pod_mounts: own == Some(true) };
    ctx.defer(pod.locate(rel), pod.field_path(rel), question);
}

fn judge(index: &Index, p: &Pending) -> Option<super::Judged> {
    let Question::Token { service_account: sa, pod_mounts } = &p.question else { return None };
    if *pod_mounts {
        // The pod's own setting wins over its ServiceAccount's: the pod is what to edit.
        return Some(super::Judged {
            message: format!(
                "{} sets automountServiceAccountToken: true; set it to false unless the pod calls the API",
                p.subject
            ),
            help: Some(
                "set automountServiceAccountToken: false in the pod spec (the pod's own setting wins over its ServiceAccount's)"
                    .into(),
            ),
        });
    }
    match index.service_account_automount(&p.resource.namespace, sa) {
        Some(false) => None,
        Some(true) | None if index.has_service_account(&p.resource.namespace, sa) => Some(
            format!(
                "{} mounts a token of ServiceAccount '{sa}', which does not set automountServiceAccountToken: false",
                p.subject
            )
            .into(),
        ),
        _ => Some(
            format!(
                "{} must set automountServiceAccountToken: false (ServiceAccount '{sa}' is not among the inputs)",
                p.subject
            )
            .into(),
        ),
    }
}
