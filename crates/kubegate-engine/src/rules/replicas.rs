use super::{Check, Ctx, Doc, Param, Rule, levels};
use crate::evaluate::{Index, Pending};
use crate::finding::Level::{Deny, Off, Warn};
use crate::resources::Resource;

pub static RULE: Rule = Rule {
    id: "replicas",
    summary: "Replicated workloads must run `replicas >= 2` (or an HPA with `minReplicas >= 2`)",
    levels: levels(Off, Warn, Deny),
    params: &[Param { name: "minimum", doc: "The fewest replicas accepted", default: 2.0, min: 1.0, integer: true }],
    doc: Doc {
        what: "Deployments, StatefulSets, ReplicaSets and ReplicationControllers must set `spec.replicas` to at least `minimum` (2 by default). A missing `replicas` is 1. A HorizontalPodAutoscaler among the inputs, in the same namespace, whose `scaleTargetRef` names the workload with `minReplicas >= minimum` satisfies the rule. The label `allow-single-replica: \"true\"` is the permanent exception for workloads that cannot run twice.",
        why: "Single pod = single point of failure. HA requires multiple replicas.",
        example: "kind: Deployment\nmetadata:\n  name: backend\nspec:\n  replicas: 1\n",
        fix: "```yaml\nspec:\n  replicas: 2\n```\n\nor, for a workload that must not run twice (use sparingly):\n\n```yaml\nmetadata:\n  labels:\n    allow-single-replica: \"true\"\n```",
        help: "set spec.replicas: 2 or more (or label allow-single-replica: \"true\" for a workload that cannot run twice)",
        references: "Seed 000, \"6. High Availability\" and \"Violation: Single Replica in Production\"; Policy Matrix (dev not required, staging recommended, prod required).",
    },
    check: Check::Bundle { collect, judge },
};

pub(super) fn is_replicated_kind(kind: &str) -> bool {
    matches!(kind, "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController")
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

/// The replicas a workload runs with at least: declared, or an HPA's higher minimum.
pub(super) fn effective_replicas(index: &Index, p: &Pending) -> i64 {
    p.values[0].max(index.hpa_min(&p.resource))
}

fn collect(ctx: &mut Ctx<'_, '_>) {
    if !is_replicated_kind(ctx.res.kind)
        || ctx.res.label("allow-single-replica").and_then(|n| n.as_str()) == Some("true")
    {
        return;
    }
    let (declared, min) = (declared_replicas(ctx.res), ctx.param("minimum") as i64);
    if declared < min {
        // Only an HPA elsewhere in the inputs can still satisfy the rule.
        ctx.defer(ctx.res.locate("spec.replicas"), "spec.replicas".into(), Vec::new(), vec![declared, min]);
    }
}

fn judge(index: &Index, p: &Pending) -> Option<String> {
    let min = p.values[1];
    (effective_replicas(index, p) < min).then(|| format!("{} must have replicas >= {min} for HA", p.subject))
}
