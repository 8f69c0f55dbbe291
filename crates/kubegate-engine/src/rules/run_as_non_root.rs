use super::{Check, Ctx, Doc, Repair, RepairValue, Rule, Safety, levels};
use crate::finding::Level::Deny;
use crate::resources::PodSpec;
use crate::resources::pod::Failure;

pub static RULE: Rule = Rule {
    id: "run-as-non-root",
    summary: "Every container must effectively run with `runAsNonRoot: true`",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "The effective `securityContext.runAsNonRoot` of every container (containers, init \
            and ephemeral containers) must be `true`. A pod-level value applies to each \
            container that does not set its own; a container's own value wins. Set once at the \
            pod level it is one fix; missing everywhere it is one finding at the pod.",
        why: "With `runAsNonRoot: true` the kubelet refuses to start a container whose image would \
            run as UID 0, so a root image cannot slip into the cluster.",
        example: r#"spec:
  securityContext:
    runAsNonRoot: false
  containers:
    - name: app
      image: app:v1
"#,
        fix: r#"```yaml
spec:
  securityContext:
    runAsNonRoot: true
```"#,
        help: "set securityContext.runAsNonRoot: true at the pod level (or on every container)",
        references: "[The policy: Container security context](../policy.md#container-security-context) \
            and [the environment matrix](../policy.md#the-environment-matrix). Pod Security \
            Standards (restricted): Running as Non-root.",
    },
    repair: Repair::Set {
        value: RepairValue::Text("true"),
        safety: Safety::Unsafe("the kubelet refuses to start a container whose image runs as root"),
        only_missing: false,
    },
    check: Check::Pod(check),
    pss: Some(crate::pss::Check::RunAsNonRoot),
};

fn check(ctx: &mut Ctx<'_, '_>, pod: &PodSpec<'_>) {
    for f in pod.inherited_failures("runAsNonRoot", |n| n.as_bool() == Some(true)) {
        match f {
            Failure::Pod(value) => {
                let message = match value {
                    None => format!("{} must set securityContext.runAsNonRoot: true", ctx.subject()),
                    Some(v) => {
                        format!("{} sets securityContext.runAsNonRoot: {}; it must be true", ctx.subject(), v.shown())
                    }
                };
                let rel = "securityContext.runAsNonRoot";
                ctx.emit(pod.locate(rel), pod.field_path(rel), None, message);
            }
            Failure::Container(c, value) => {
                let message = match value {
                    None => format!("{} must set securityContext.runAsNonRoot: true", ctx.container_subject(c)),
                    Some(v) => format!(
                        "{} sets securityContext.runAsNonRoot: {}; it must be true",
                        ctx.container_subject(c),
                        v.shown()
                    ),
                };
                let own = value.is_some();
                ctx.emit_container(c, "securityContext.runAsNonRoot", message);
                if own {
                    // The container's own value overrides the pod's: it is what to change.
                    ctx.help(
                        "set the container's securityContext.runAsNonRoot: true (its own value overrides the pod's)"
                            .into(),
                    );
                }
            }
        }
    }
}
