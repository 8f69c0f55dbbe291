use super::{Check, Ctx, Doc, Repair, Rule, Safety, levels};
use crate::finding::Level::{Deny, Warn};
use crate::resources::PodSpec;

pub static RULE: Rule = Rule {
    id: "capabilities-drop-all",
    summary: "Every container must drop `ALL` capabilities",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every container (containers, init and ephemeral containers) must list `ALL` in \
            `securityContext.capabilities.drop`. Capability names are case-sensitive: `all` does \
            not count. Windows pods (`spec.os.name: windows`) are exempt: the API rejects \
            capabilities for them.",
        why: "Container runtimes grant a default set of Linux capabilities (NET_RAW, CHOWN, \
            SETUID, …) that most programs never need; dropping them all limits what an attacker \
            can do with code execution.",
        example: r#"containers:
  - name: app
    securityContext:
      capabilities:
        drop: [NET_RAW]
"#,
        fix: r#"```yaml
containers:
  - name: app
    securityContext:
      capabilities:
        drop: [ALL]
```"#,
        help: "set securityContext.capabilities.drop: [ALL] (add back only what is needed, e.g. NET_BIND_SERVICE)",
        references: "[The policy: Container security context](../policy.md#container-security-context). \
            Pod Security Standards (restricted): Capabilities.",
    },
    repair: Repair::Prepend { item: "ALL", safety: Safety::Safe },
    check: Check::Pod(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, pod: &PodSpec<'_>) {
    // Windows pods are exempt: the API rejects this field for them.
    if pod.is_windows() {
        return;
    }
    for c in &pod.containers {
        let drops_all =
            c.security("capabilities.drop").is_some_and(|d| d.items().iter().any(|i| i.scalar_text() == Some("ALL")));
        if !drops_all {
            let message = format!(
                "{} must drop all capabilities (securityContext.capabilities.drop: [ALL])",
                ctx.container_subject(c)
            );
            ctx.emit_container(c, "securityContext.capabilities.drop", message);
        }
    }
}
