use super::{Check, Ctx, Doc, Repair, RepairValue, Rule, Safety, levels};
use crate::finding::Level::{Deny, Off};

pub static RULE: Rule = Rule {
    id: "environment-label",
    summary: "Workloads must carry the label `environment: <their environment>`",
    levels: levels(Off, Off, Deny),
    params: &[],
    doc: Doc {
        what: "Every workload (a kind with a pod template) must carry `metadata.labels.environment` \
            equal to the name of the environment kubegate bound it to (`prod` in production). \
            The label is checked, never used to choose the environment: a manifest cannot talk \
            itself into a laxer tier.",
        why: "Clear identification of environment for tooling, alerts, and dashboards.",
        example: r#"kind: Deployment
metadata:
  name: backend
  namespace: claude-hub-prod
  labels:
    app: backend
"#,
        fix: r#"```yaml
metadata:
  labels:
    environment: prod
```"#,
        help: "set metadata.labels.environment to the environment's name",
        references: "[The policy: Environment labels](../policy.md#environment-labels).",
    },
    repair: Repair::Set { value: RepairValue::Environment, safety: Safety::Safe, only_missing: false },
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    if ctx.res.pod.is_none() {
        return;
    }
    let want = ctx.env.name.clone();
    let have = ctx.res.label("environment");
    let message = match have.and_then(|n| n.scalar_text()) {
        Some(v) if v == &*want => return,
        Some(v) => {
            format!("{} has label environment: {v}, but it is bound for {want}; set environment: {want}", ctx.subject())
        }
        None => format!("{} must have label environment: {want}", ctx.subject()),
    };
    ctx.emit(ctx.res.locate("metadata.labels.environment"), "metadata.labels.environment", None, message);
}
