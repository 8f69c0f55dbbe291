use super::{Ctx, Doc, Param, Rule, levels};
use crate::evaluate::Bundle;
use crate::finding::Level::{Deny, Off, Warn};
use crate::resources::Resource;

pub static RULE: Rule = Rule {
    id: "replicas",
    summary: "Replicated workloads must run `replicas >= 2` (or an HPA with `minReplicas >= 2`)",
    levels: levels(Off, Warn, Deny),
    params: &[Param {
        name: "minimum",
        doc: "The fewest replicas accepted",
        default: 2.0,
        min: 1.0,
        integer: true,
    }],
    doc: Doc {
        what: "Deployments, StatefulSets, ReplicaSets and ReplicationControllers must set `spec.replicas` to at least `minimum` (2 by default). A missing `replicas` is 1. A HorizontalPodAutoscaler among the inputs, in the same namespace, whose `scaleTargetRef` names the workload with `minReplicas >= minimum` satisfies the rule. The label `allow-single-replica: \"true\"` is the permanent exception for workloads that cannot run twice.",
        why: "Single pod = single point of failure. HA requires multiple replicas.",
        example: "kind: Deployment\nmetadata:\n  name: backend\nspec:\n  replicas: 1\n",
        fix: "```yaml\nspec:\n  replicas: 2\n```\n\nor, for a workload that must not run twice (use sparingly):\n\n```yaml\nmetadata:\n  labels:\n    allow-single-replica: \"true\"\n```",
        help: "set spec.replicas: 2 or more (or label allow-single-replica: \"true\" for a workload that cannot run twice)",
        references: "Seed 000, \"6. High Availability\" and \"Violation: Single Replica in Production\"; Policy Matrix (dev not required, staging recommended, prod required).",
    },
    check,
};

pub(super) fn is_replicated_kind(kind: &str) -> bool {
    matches!(
        kind,
        "Deployment" | "StatefulSet" | "ReplicaSet" | "ReplicationController"
    )
}

/// The replica count a workload runs with at least: `spec.replicas` (missing is 1), or
/// more when an HPA keeps a higher minimum.
pub(super) fn effective_replicas(res: &Resource<'_>, bundle: &Bundle<'_>) -> i64 {
    let declared = res
        .root
        .path("spec.replicas")
        .map(|n| n.as_i64().unwrap_or(0))
        .unwrap_or(1);
    let hpa = res
        .name
        .and_then(|n| bundle.hpa_min.get(&(res.namespace, res.kind, n)))
        .copied()
        .unwrap_or(0);
    declared.max(hpa)
}

fn check(ctx: &mut Ctx<'_, '_>) {
    if !is_replicated_kind(ctx.res.kind) {
        return;
    }
    if ctx
        .res
        .label("allow-single-replica")
        .and_then(|n| n.as_str())
        == Some("true")
    {
        return;
    }
    let min = ctx.param("minimum") as i64;
    if effective_replicas(ctx.res, ctx.bundle) < min {
        let message = format!("{} must have replicas >= {min} for HA", ctx.subject());
        ctx.emit(
            ctx.res.locate("spec.replicas"),
            "spec.replicas".into(),
            None,
            message,
        );
    }
}
