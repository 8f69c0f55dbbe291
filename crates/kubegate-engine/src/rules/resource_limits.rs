use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};

pub static RULE: Rule = Rule {
    id: "resource-limits",
    summary: "Every container must define `limits.cpu` and `limits.memory`",
    levels: levels(Warn, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "Every regular and init container must define `resources.limits.cpu` and \
            `resources.limits.memory`; each missing one is its own finding. Ephemeral containers \
            cannot set resources and are not checked.",
        why: "Limits prevent resource exhaustion attacks and noisy neighbours, and make cost and \
            capacity plannable.",
        example: r#"containers:
  - name: app
    resources:
      requests:
        cpu: "250m"
        memory: "512Mi"
"#,
        fix: r#"```yaml
resources:
  requests:
    cpu: "250m"
    memory: "512Mi"
  limits:
    cpu: "1000m"
    memory: "2Gi"
```"#,
        help: "define resources.limits.cpu and resources.limits.memory (2-4x the requests)",
        references: "[The policy: Resources](../policy.md#resources) and [the environment \
            matrix](../policy.md#the-environment-matrix).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::resource_requests::check_fields(ctx, super::resource_requests::LIMITS);
}
