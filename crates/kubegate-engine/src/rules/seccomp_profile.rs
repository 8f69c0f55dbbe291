use super::{Check, Ctx, Doc, Repair, RepairValue, Rule, Safety, levels};
use crate::finding::Level::{Deny, Warn};
use crate::resources::PodSpec;
use crate::resources::pod::Failure;
use kubegate_yaml::Node;

pub static RULE: Rule = Rule {
    id: "seccomp-profile",
    summary: "Every container's effective `seccompProfile.type` must be `RuntimeDefault` or `Localhost`",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every container must run with a seccomp profile: \
            `securityContext.seccompProfile.type` set to `RuntimeDefault` or `Localhost` on the \
            pod (inherited by every container that does not set its own) or on each container. \
            This rule reports a missing profile; a profile set to anything else (`Unconfined`) \
            is reported by `seccomp-baseline`, at deny in every environment. Windows pods \
            (`spec.os.name: windows`) are exempt: the API rejects the field for them.",
        why: "A seccomp profile limits the syscalls available to the container, shrinking the \
            kernel attack surface an attacker can reach after gaining code execution.",
        example: r#"spec:
  securityContext:
    runAsNonRoot: true
  containers:
    - name: app
      image: app:v1
"#,
        fix: r#"```yaml
spec:
  securityContext:
    seccompProfile:
      type: RuntimeDefault
```"#,
        help: "set securityContext.seccompProfile.type: RuntimeDefault at the pod level",
        references: "[The policy: Pod security context](../policy.md#pod-security-context) and [the \
            environment matrix](../policy.md#the-environment-matrix). Pod Security Standards \
            (restricted): Seccomp.",
    },
    repair: Repair::Set { value: RepairValue::Text("RuntimeDefault"), safety: Safety::Safe, only_missing: false },
    check: Check::Pod(check),
    pss: Some(crate::pss::Check::SeccompProfileRestricted),
};

fn profile_type<'n>(n: &'n Node<'_>) -> Option<&'n str> {
    n.get("type").and_then(|t| t.scalar_text())
}

fn check(ctx: &mut Ctx<'_, '_>, pod: &PodSpec<'_>) {
    // Windows pods are exempt: the API rejects this field for them.
    if pod.is_windows() {
        return;
    }
    let ok = |n: &Node<'_>| matches!(profile_type(n), Some("RuntimeDefault" | "Localhost"));
    let rel = "securityContext.seccompProfile.type";
    // A profile that is set but not allowed is seccomp-baseline's finding, not this one's.
    for f in pod.inherited_failures("seccompProfile", ok) {
        match f {
            Failure::Pod(None) => {
                let message = format!("{} must set securityContext.seccompProfile.type", ctx.subject());
                ctx.emit(pod.locate(rel), pod.field_path(rel), None, message);
            }
            Failure::Container(c, None) => {
                let message = format!("{} must set securityContext.seccompProfile.type", ctx.container_subject(c));
                ctx.emit_container(c, rel, message);
            }
            Failure::Pod(Some(_)) | Failure::Container(_, Some(_)) => {}
        }
    }
}
