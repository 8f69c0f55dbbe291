use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};
use crate::pss::BASELINE_CAPABILITIES;
use crate::resources::PodSpec;

pub static RULE: Rule = Rule {
    id: "capabilities-restricted",
    summary: "Containers may add only NET_BIND_SERVICE",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "`securityContext.capabilities.add` may hold only `NET_BIND_SERVICE`. This rule \
            reports the capabilities baseline allows but restricted does not (CHOWN, SETUID, \
            KILL, …); capabilities outside the baseline set are reported by \
            `capabilities-baseline`, and the required `drop: [ALL]` by `capabilities-drop-all`, \
            so each mistake is one finding. Windows pods are exempt (the API rejects \
            capabilities for them).",
        why: "Even the runtime's default capabilities let a compromised process change file \
            ownership, switch users or signal other processes; restricted workloads keep none \
            but the right to bind low ports.",
        example: r#"securityContext:
  capabilities:
    drop: [ALL]
    add: [CHOWN, NET_BIND_SERVICE]
"#,
        fix: r#"```yaml
securityContext:
  capabilities:
    drop: [ALL]
    add: [NET_BIND_SERVICE]
```"#,
        help: "add only NET_BIND_SERVICE back after dropping ALL",
        references: "Kubernetes Pod Security Standards (restricted), check `capabilities_restricted` \
            (pod-security-admission); `kubegate test --profile pss-restricted --pss-version V` \
            runs the whole check of any version exactly.",
    },
    repair: Repair::Manual,
    check: Check::Pod(check),
    pss: Some(crate::pss::Check::CapabilitiesRestricted),
};

fn check(ctx: &mut Ctx<'_, '_>, pod: &PodSpec<'_>) {
    if pod.is_windows() {
        return;
    }
    for c in &pod.containers {
        let added = c.security("capabilities.add").map(|a| a.items()).unwrap_or_default();
        let extra: Vec<&str> = added
            .iter()
            .filter_map(|n| n.scalar_text())
            .filter(|cap| *cap != "NET_BIND_SERVICE" && BASELINE_CAPABILITIES.contains(cap))
            .collect();
        if !extra.is_empty() {
            let message =
                format!("{} may add only NET_BIND_SERVICE, not {}", ctx.container_subject(c), extra.join(", "));
            ctx.emit_container(c, "securityContext.capabilities.add", message);
        }
    }
}
