use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Off, Warn};
use crate::resources::ContainerKind;
use crate::resources::PodSpec;

pub static RULE: Rule = Rule {
    id: "ephemeral-storage-limit",
    summary: "Every container should limit `ephemeral-storage`",
    levels: levels(Off, Warn, Warn),
    params: &[],
    doc: Doc {
        what: "Every regular and init container must define `resources.limits.ephemeral-storage`.",
        why: "Without a limit, a container writing logs or temporary files can fill the node's \
            disk and get every pod on the node evicted.",
        example: r#"resources:
  limits:
    cpu: "1"
    memory: "512Mi"
"#,
        fix: r#"```yaml
resources:
  limits:
    ephemeral-storage: "256Mi"
```"#,
        help: "define resources.limits.ephemeral-storage",
        references: "[The policy: Resources](../policy.md#resources).",
    },
    repair: Repair::Manual,
    check: Check::Pod(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, pod: &PodSpec<'_>) {
    let rel = "resources.limits.ephemeral-storage";
    for c in pod.containers.iter().filter(|c| c.kind != ContainerKind::Ephemeral) {
        if c.get(rel).and_then(|n| n.scalar_text()).is_none() {
            let message = format!("{} must define {rel}", ctx.container_subject(c));
            ctx.emit_container(c, rel, message);
        }
    }
}
