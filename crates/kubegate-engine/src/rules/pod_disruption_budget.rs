use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::facts::{Index, Pending, Question};
use crate::finding::Level::{Off, Warn};
use crate::resources::selector::labels;

pub static RULE: Rule = Rule {
    id: "pod-disruption-budget",
    summary: "A replicated workload should have a PodDisruptionBudget selecting its pods",
    levels: levels(Off, Off, Warn),
    params: &[],
    doc: Doc {
        what: "A Deployment, StatefulSet, ReplicaSet or ReplicationController running two or more \
            replicas (counting an HPA's `minReplicas`) must have a PodDisruptionBudget among the \
            inputs, in the same namespace, whose `spec.selector` matches the labels of its pod \
            template. `matchLabels` and `matchExpressions` are honoured; an empty selector \
            selects every pod (policy/v1) or none (policy/v1beta1).",
        why: "Without a budget, a node drain or cluster upgrade may evict every replica at once, \
            and the HA that `replicas >= 2` bought is gone exactly when it is needed.",
        example: r#"kind: Deployment
metadata:
  name: backend
spec:
  replicas: 2
  template:
    metadata:
      labels:
        app: backend
"#,
        fix: r#"```yaml
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: backend-pdb
spec:
  minAvailable: 1
  selector:
    matchLabels:
      app: backend
```"#,
        help: "add a PodDisruptionBudget whose selector matches the pod template's labels",
        references: "[The policy: High availability](../policy.md#high-availability).",
    },
    repair: Repair::Manual,
    check: Check::Bundle { collect, judge },
    pss: None,
};

fn collect(ctx: &mut Ctx<'_, '_>) {
    if !super::replicas::is_replicated(ctx) {
        return;
    }
    let Some(pod) = &ctx.res.pod else { return };
    let path = pod.path.trim_end_matches(".spec").to_string() + ".metadata.labels";
    let span = ctx.res.locate(&path);
    let question = Question::Disruption {
        labels: labels(pod.labels),
        declared_replicas: super::replicas::declared_replicas(ctx.res),
    };
    ctx.defer(span, path, question);
}

fn judge(index: &Index, p: &Pending) -> Option<super::Judged> {
    let Question::Disruption { labels, declared_replicas } = &p.question else { return None };
    if super::replicas::effective_replicas(index, p, *declared_replicas) < 2
        || !index.pdbs.matching(&p.resource.namespace, labels).is_empty()
    {
        return None;
    }
    let shown: Vec<String> = labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Some(
        format!(
            "{} should have a PodDisruptionBudget selecting its pods ({})",
            p.subject,
            if shown.is_empty() { "its pod template has no labels".to_string() } else { shown.join(",") }
        )
        .into(),
    )
}
