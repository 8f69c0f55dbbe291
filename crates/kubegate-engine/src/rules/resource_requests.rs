use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};
use crate::resources::ContainerKind;

pub static RULE: Rule = Rule {
    id: "resource-requests",
    summary: "Every container must define `requests.cpu` and `requests.memory`",
    levels: levels(Warn, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "Every regular and init container must define `resources.requests.cpu` and \
            `resources.requests.memory`; each missing one is its own finding. Ephemeral \
            containers cannot set resources and are not checked.",
        why: "Requests drive scheduling and the pod's QoS class; without them the scheduler packs \
            nodes blindly and the pod is first to be evicted.",
        example: r#"containers:
  - name: app
    resources:
      limits:
        cpu: "1000m"
        memory: "2Gi"
"#,
        fix: r#"```yaml
resources:
  requests:
    cpu: "250m"
    memory: "512Mi"
```"#,
        help: "define resources.requests.cpu and resources.requests.memory",
        references: "[The policy: Resources](../policy.md#resources) and [the environment \
            matrix](../policy.md#the-environment-matrix).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

pub(super) const REQUESTS: [&str; 2] = ["resources.requests.cpu", "resources.requests.memory"];
pub(super) const LIMITS: [&str; 2] = ["resources.limits.cpu", "resources.limits.memory"];

/// Reports each of `fields` missing on a regular or init container.
pub(super) fn check_fields(ctx: &mut Ctx<'_, '_>, fields: [&str; 2]) {
    let Some(pod) = &ctx.res.pod else { return };
    for c in pod.containers.iter().filter(|c| c.kind != ContainerKind::Ephemeral) {
        for rel in fields {
            if c.get(rel).and_then(|n| n.scalar_text()).is_none() {
                let message = format!("{} must define {rel}", ctx.container_subject(c));
                ctx.emit_container(c, rel, message);
            }
        }
    }
}

fn check(ctx: &mut Ctx<'_, '_>) {
    check_fields(ctx, REQUESTS);
}
