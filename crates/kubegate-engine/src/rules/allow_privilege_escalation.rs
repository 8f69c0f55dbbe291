use super::{Check, Ctx, Doc, Rule, levels};
use crate::finding::Level::{Deny, Warn};

pub static RULE: Rule = Rule {
    id: "allow-privilege-escalation",
    summary: "Every container must set `allowPrivilegeEscalation: false`",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every container (containers, init and ephemeral containers) must set `securityContext.allowPrivilegeEscalation: false`. The field exists only on containers; there is no pod-level default. Windows pods (`spec.os.name: windows`) are exempt: the API rejects the field for them.",
        why: "Without it a process can gain more privileges than its parent (set-user-ID binaries, file capabilities), undoing `runAsNonRoot` and dropped capabilities.",
        example: "containers:\n  - name: app\n    image: app:v1\n    securityContext:\n      runAsNonRoot: true\n",
        fix: "```yaml\ncontainers:\n  - name: app\n    securityContext:\n      allowPrivilegeEscalation: false\n```",
        help: "set securityContext.allowPrivilegeEscalation: false on the container",
        references: "[The policy: Container security context](../policy.md#container-security-context). Pod Security Standards (restricted): Privilege Escalation.",
    },
    check: Check::Resource(check),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::container_flag(ctx, "allowPrivilegeEscalation", false);
}
