use super::{Check, Ctx, Doc, Judged, Param, Repair, Rule, levels};
use crate::facts::{Index, Pending, Question};
use crate::finding::Level::{Deny, Off, Warn};
use crate::resources::Resource;

const MINIMUM: Param = Param::integer("minimum", "The fewest replicas accepted", 2, 1);

pub static RULE: Rule = Rule {
    id: "replicas",
    summary: "Replicated workloads must run `replicas >= 2` (or an HPA with `minReplicas >= 2`)",
    levels: levels(Off, Warn, Deny),
    params: &[MINIMUM],
    doc: Doc {
        what: "Deployments, StatefulSets, ReplicaSets, ReplicationControllers, OpenShift \
            DeploymentConfigs and the `workloads:` kinds marked `replicated` must run at least \
            `minimum` pods (2 by default). A missing `replicas` is 1. When a \
            HorizontalPodAutoscaler among the inputs, in the same namespace, names the workload \
            in its `scaleTargetRef`, its `minReplicas` (default 1) is what counts, not \
            `spec.replicas`: the autoscaler can scale down to it. The label \
            `allow-single-replica: \"true\"` is the permanent exception for workloads that cannot \
            run twice.",
        why: "Single pod = single point of failure. HA requires multiple replicas.",
        example: r#"kind: Deployment
metadata:
  name: backend
spec:
  replicas: 1
"#,
        fix: r#"```yaml
spec:
  replicas: 2
```

or, for a workload that must not run twice (use sparingly):

```yaml
metadata:
  labels:
    allow-single-replica: "true"
```"#,
        help: "set spec.replicas: 2 or more (or label allow-single-replica: \"true\" for a workload that cannot run twice)",
        references: "[The policy: High availability](../policy.md#high-availability) and [the environment \
            matrix](../policy.md#the-environment-matrix).",
    },
    repair: Repair::Manual,
    check: Check::Bundle { collect, judge },
    pss: None,
};

/// Kinds whose `spec.replicas` counts their pods: the built-in ones, OpenShift's
/// DeploymentConfig, and `workloads:` entries marked `replicated`.
pub(super) fn is_replicated(ctx: &Ctx<'_, '_>) -> bool {
    matches!(ctx.res.kind, "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController" | "DeploymentConfig")
        || ctx.settings.replicated_workload(ctx.res.api_version, ctx.res.kind)
}

/// `spec.replicas` as Kubernetes reads it: missing or null is 1; a value that is not a
/// whole number counts as 0 (the API server would reject it).
pub(super) fn declared_replicas(res: &Resource<'_>) -> i64 {
    match res.root.path("spec.replicas") {
        None => 1,
        Some(n) if n.is_null() => 1,
        Some(n) => n.as_i64().unwrap_or(0),
    }
}

/// The replicas a workload runs with at least: an HPA's `minReplicas` when one scales it
/// (it can take the workload down to that), else the declared `spec.replicas`.
pub(super) fn effective_replicas(index: &Index, p: &Pending, declared: i64) -> i64 {
    index.hpa_min(&p.resource).map_or(declared, |(min, _)| min)
}

fn collect(ctx: &mut Ctx<'_, '_>) {
    if !is_replicated(ctx) || ctx.res.label("allow-single-replica").and_then(|n| n.as_str()) == Some("true") {
        return;
    }
    let question = Question::Replicas { declared: declared_replicas(ctx.res), minimum: ctx.int(&MINIMUM) };
    // An HPA elsewhere in the inputs decides, either way.
    ctx.defer(ctx.res.locate("spec.replicas"), "spec.replicas", question);
}

fn judge(index: &Index, p: &Pending) -> Option<Judged> {
    let Question::Replicas { declared, minimum: min } = p.question else { return None };
    if effective_replicas(index, p, declared) >= min {
        return None;
    }
    let message = format!("{} must have replicas >= {min} for HA", p.subject);
    let help = index.hpa_min(&p.resource).map(|(hpa_min, hpa)| {
        format!(
            "HorizontalPodAutoscaler '{hpa}' decides the replicas: raise its spec.minReplicas from {hpa_min} to {min} or more (spec.replicas does not count while it scales the workload)"
        )
    });
    Some(Judged { message, help })
}
