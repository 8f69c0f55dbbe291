use super::{Check, Ctx, Doc, Repair, RepairValue, Rule, Safety, levels};
use crate::finding::Level::{Off, Warn};
use crate::resources::PodSpec;

pub static RULE: Rule = Rule {
    id: "emptydir-size-limit",
    summary: "Every emptyDir volume should set `sizeLimit`",
    levels: levels(Off, Warn, Warn),
    params: &[],
    doc: Doc {
        what: "Every volume of the pod that is an `emptyDir` must set `emptyDir.sizeLimit` \
            (memory-backed ones too).",
        why: "An unbounded emptyDir grows until the node's disk (or, with `medium: Memory`, its \
            memory) runs out.",
        example: r#"volumes:
  - name: tmp
    emptyDir: {}
"#,
        fix: r#"```yaml
volumes:
  - name: tmp
    emptyDir:
      sizeLimit: 64Mi
```"#,
        help: "set emptyDir.sizeLimit",
        references: "[The policy: Resources](../policy.md#resources).",
    },
    repair: Repair::Set { value: RepairValue::SizeLimit, safety: Safety::Safe, only_missing: true },
    check: Check::Pod(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, pod: &PodSpec<'_>) {
    for (i, v) in pod.spec.get("volumes").map(|v| v.items()).unwrap_or_default().iter().enumerate() {
        let Some((key, dir)) = v.entry("emptyDir") else { continue };
        if dir.get("sizeLimit").and_then(|n| n.scalar_text()).is_none() {
            let name = v.get("name").and_then(|n| n.scalar_text()).unwrap_or("");
            let message = format!("{} emptyDir volume '{name}' must set sizeLimit", ctx.subject());
            ctx.emit(key.span, pod.field_path(&format!("volumes[{i}].emptyDir.sizeLimit")), None, message);
        }
    }
}
