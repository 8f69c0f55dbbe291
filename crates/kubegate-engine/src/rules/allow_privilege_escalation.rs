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
        references: "Seed 000, \"2. Container Security Context\". Pod Security Standards (restricted): Privilege Escalation.",
    },
    check: Check::Resource(check),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    let Some(pod) = &ctx.res.pod else { return };
    // Windows pods are exempt: the API rejects this field for them.
    if pod.is_windows() {
        return;
    }
    for c in &pod.containers {
        if c.security("allowPrivilegeEscalation").and_then(|n| n.as_bool()) != Some(false) {
            let message =
                format!("{} must set securityContext.allowPrivilegeEscalation: false", ctx.container_subject(c));
            ctx.emit_container(c, "securityContext.allowPrivilegeEscalation", message);
        }
    }
}
