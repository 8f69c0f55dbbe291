use super::{Check, Ctx, Doc, Rule, levels};
use crate::finding::Level::{Deny, Warn};
use crate::resources::pod::Failure;
use kubegate_yaml::Node;

pub static RULE: Rule = Rule {
    id: "seccomp-profile",
    summary: "Every container's effective `seccompProfile.type` must be `RuntimeDefault` or `Localhost`",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "The effective `securityContext.seccompProfile.type` of every container must be `RuntimeDefault` or `Localhost`. A pod-level profile applies to each container that does not set its own; `Unconfined` is rejected wherever it is set.",
        why: "A seccomp profile limits the syscalls available to the container, shrinking the kernel attack surface an attacker can reach after gaining code execution.",
        example: "spec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n    - name: app\n      image: app:v1\n",
        fix: "```yaml\nspec:\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n```",
        help: "set securityContext.seccompProfile.type: RuntimeDefault at the pod level",
        references: "Seed 000, \"3. Pod Security Context\" and \"Violation: Missing seccomp Profile\"; Policy Matrix: dev/staging recommended, prod required. Pod Security Standards (restricted): Seccomp.",
    },
    check: Check::Resource(check),
};

fn profile_type<'n>(n: &'n Node<'_>) -> Option<&'n str> {
    n.get("type").and_then(|t| t.scalar_text())
}

fn check(ctx: &mut Ctx<'_, '_>) {
    let Some(pod) = &ctx.res.pod else { return };
    let ok = |n: &Node<'_>| matches!(profile_type(n), Some("RuntimeDefault" | "Localhost"));
    let rel = "securityContext.seccompProfile.type";
    for f in pod.inherited_failures("seccompProfile", ok) {
        let (subject, value) = match &f {
            Failure::Pod(v) => (ctx.subject().to_string(), *v),
            Failure::Container(c, v) => (ctx.container_subject(c), *v),
        };
        let message = match value.and_then(profile_type) {
            None => format!("{subject} must set securityContext.seccompProfile.type"),
            Some(t) => format!(
                "{subject} sets securityContext.seccompProfile.type: {t}; it must be RuntimeDefault or Localhost"
            ),
        };
        match f {
            Failure::Pod(_) => ctx.emit(pod.locate(rel), pod.field_path(rel), None, message),
            Failure::Container(c, _) => ctx.emit_container(c, rel, message),
        }
    }
}
