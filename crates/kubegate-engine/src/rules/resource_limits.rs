use super::{Check, Ctx, Doc, Rule, levels};
use crate::finding::Level::{Deny, Warn};

pub static RULE: Rule = Rule {
    id: "resource-limits",
    summary: "Every container must define `limits.cpu` and `limits.memory`",
    levels: levels(Warn, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "Every regular and init container must define `resources.limits.cpu` and `resources.limits.memory`; each missing one is its own finding. Ephemeral containers cannot set resources and are not checked.",
        why: "Limits prevent resource exhaustion attacks and noisy neighbours, and make cost and capacity plannable.",
        example: "containers:\n  - name: app\n    resources:\n      requests:\n        cpu: \"250m\"\n        memory: \"512Mi\"\n",
        fix: "```yaml\nresources:\n  requests:\n    cpu: \"250m\"\n    memory: \"512Mi\"\n  limits:\n    cpu: \"1000m\"\n    memory: \"2Gi\"\n```",
        help: "define resources.limits.cpu and resources.limits.memory (2-4x the requests)",
        references: "[The policy: Resources](../policy.md#resources) and [the environment matrix](../policy.md#the-environment-matrix).",
    },
    check: Check::Resource(check),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::resource_requests::check_fields(ctx, super::resource_requests::LIMITS);
}
