use super::{Check, Ctx, Doc, Repair, RepairValue, Rule, Safety, levels};
use crate::finding::Level::{Deny, Warn};

pub static RULE: Rule = Rule {
    id: "allow-privilege-escalation",
    summary: "Every container must set `allowPrivilegeEscalation: false`",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every container (containers, init and ephemeral containers) must set \
            `securityContext.allowPrivilegeEscalation: false`. The field exists only on \
            containers; there is no pod-level default. Windows pods (`spec.os.name: windows`) \
            are exempt: the API rejects the field for them.",
        why: "Without it a process can gain more privileges than its parent (set-user-ID binaries, \
            file capabilities), undoing `runAsNonRoot` and dropped capabilities.",
        example: r#"containers:
  - name: app
    image: app:v1
    securityContext:
      runAsNonRoot: true
"#,
        fix: r#"```yaml
containers:
  - name: app
    securityContext:
      allowPrivilegeEscalation: false
```"#,
        help: "set securityContext.allowPrivilegeEscalation: false on the container",
        references: "[The policy: Container security context](../policy.md#container-security-context). \
            Pod Security Standards (restricted): Privilege Escalation.",
    },
    repair: Repair::Set { value: RepairValue::Text("false"), safety: Safety::Safe, only_missing: false },
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::AllowPrivilegeEscalation),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::container_flag(ctx, "allowPrivilegeEscalation", false);
}
