use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::facts::{Index, Pending, Question};
use crate::finding::Level::{Off, Warn};
use crate::resources::selector::labels;

pub static RULE: Rule = Rule {
    id: "network-policy",
    summary: "Pods should be selected by NetworkPolicies covering both Ingress and Egress",
    levels: levels(Off, Warn, Warn),
    params: &[],
    doc: Doc {
        what: "Every workload's pods must be selected by NetworkPolicies among the inputs, in the \
            same namespace, that together cover both directions: `policyTypes` containing \
            `Ingress` and `Egress` (without `policyTypes`, a policy is Ingress, plus Egress when \
            it has `egress` rules). A policy's `podSelector` is matched against the pod \
            template's labels; an empty selector selects every pod of the namespace. Found in \
            one index lookup per workload, not by scanning every policy.",
        why: "Pods that no policy isolates accept traffic from, and send traffic to, anything in \
            the cluster: one compromised pod reaches every database.",
        example: r#"kind: Deployment
metadata:
  name: event-service
spec:
  template:
    metadata:
      labels:
        app: event-service
"#,
        fix: r#"```yaml
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: event-service-network-policy
spec:
  podSelector:
    matchLabels:
      app: event-service
  policyTypes: [Ingress, Egress]
  ingress: [...]
  egress: [...]
```"#,
        help: "add a NetworkPolicy with policyTypes [Ingress, Egress] whose podSelector matches the pods",
        references: "[The policy: Network policies](../policy.md#network-policies).",
    },
    repair: Repair::Manual,
    check: Check::Bundle { collect, judge },
    pss: None,
};

fn collect(ctx: &mut Ctx<'_, '_>) {
    let Some(pod) = &ctx.res.pod else { return };
    let path = pod.path.strip_suffix("spec").unwrap_or("").to_string() + "metadata.labels";
    let span = ctx.res.locate(&path);
    ctx.defer(span, path, Question::Isolation { labels: labels(pod.labels) });
}

fn judge(index: &Index, p: &Pending) -> Option<super::Judged> {
    let Question::Isolation { labels } = &p.question else { return None };
    let (ingress, egress) = index.network_isolation(&p.resource.namespace, labels);
    let missing = match (ingress, egress) {
        (true, true) => return None,
        (true, false) => "Egress",
        (false, true) => "Ingress",
        (false, false) => "Ingress and Egress",
    };
    Some(format!("{} pods are not isolated for {missing} by any NetworkPolicy in the inputs", p.subject).into())
}
