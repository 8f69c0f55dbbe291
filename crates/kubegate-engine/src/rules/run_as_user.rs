use super::{Check, Ctx, Doc, Param, Repair, RepairValue, Rule, Safety, levels};
use crate::finding::Level::{Deny, Warn};
use crate::resources::PodSpec;
use crate::resources::pod::Failure;

const MINIMUM: Param = Param::integer("minimum", "The lowest UID accepted", 1000, 0);

pub static RULE: Rule = Rule {
    id: "run-as-user",
    summary: "Every container must effectively run as a UID >= 1000",
    levels: levels(Warn, Warn, Deny),
    params: &[MINIMUM],
    doc: Doc {
        what: "The effective `securityContext.runAsUser` of every container must be set and at \
            least `minimum` (1000 by default). A pod-level value applies to each container that \
            does not set its own. Windows pods (`spec.os.name: windows`) are exempt: they name \
            users with `windowsOptions.runAsUserName`.",
        why: "UIDs below 1000 are system users on most distributions (0 is root); a workload \
            running as one of them shares identity with system daemons on the node and in \
            mounted volumes.",
        example: r#"spec:
  securityContext:
    runAsUser: 0
"#,
        fix: r#"```yaml
spec:
  securityContext:
    runAsNonRoot: true
    runAsUser: 1000
```"#,
        help: "set securityContext.runAsUser to a UID >= 1000 at the pod level",
        references: "[The policy: Pod security context](../policy.md#pod-security-context).",
    },
    repair: Repair::Set {
        value: RepairValue::RunAsUser,
        safety: Safety::Unsafe("the image must work as that user: its files, its ports"),
        only_missing: true,
    },
    check: Check::Pod(check),
    pss: Some(crate::pss::Check::RunAsUser),
};

fn check(ctx: &mut Ctx<'_, '_>, pod: &PodSpec<'_>) {
    // Windows pods are exempt: the API rejects this field for them.
    if pod.is_windows() {
        return;
    }
    let min = ctx.int(&MINIMUM);
    for f in pod.inherited_failures("runAsUser", |n| n.as_i64().is_some_and(|u| u >= min)) {
        let rel = "securityContext.runAsUser";
        match f {
            Failure::Pod(value) => {
                let message = match value {
                    None => format!("{} must set securityContext.runAsUser >= {min}", ctx.subject()),
                    Some(v) => {
                        format!("{} sets securityContext.runAsUser: {}; it must be >= {min}", ctx.subject(), v.shown())
                    }
                };
                ctx.emit(pod.locate(rel), pod.field_path(rel), None, message);
            }
            Failure::Container(c, value) => {
                let message = match value {
                    None => format!("{} must set securityContext.runAsUser >= {min}", ctx.container_subject(c)),
                    Some(v) => format!(
                        "{} sets securityContext.runAsUser: {}; it must be >= {min}",
                        ctx.container_subject(c),
                        v.shown()
                    ),
                };
                let own = c.security("runAsUser").is_some();
                ctx.emit_container(c, rel, message);
                if own {
                    // The container's own value overrides the pod's: it is what to change.
                    ctx.help(format!(
                        "set the container's securityContext.runAsUser to a UID >= {min} (its own value overrides the pod's)"
                    ));
                }
            }
        }
    }
}
