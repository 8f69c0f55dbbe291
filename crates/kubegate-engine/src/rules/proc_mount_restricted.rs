use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};
use crate::pss;

pub static RULE: Rule = Rule {
    id: "proc-mount-restricted",
    summary: "Containers keep the default /proc masks even in a user namespace",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "`securityContext.procMount` must be unset or `Default`, also in pods with \
            `hostUsers: false`. Outside a user namespace the same mistake is reported by \
            `proc-mount` (baseline), so this rule speaks only for pods with `hostUsers: false`.",
        why: "A user namespace limits what an unmasked /proc exposes, but the restricted standard \
            keeps the masks anyway: defence in depth.",
        example: r#"spec:
  hostUsers: false
  containers:
    - name: app
      securityContext:
        procMount: Unmasked
"#,
        fix: "Remove `procMount` (or set `Default`).",
        help: "remove securityContext.procMount or set it to Default",
        references: "Kubernetes Pod Security Standards (restricted, from v1.35), check \
            `procMount_restricted` (pod-security-admission).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::ProcMountRestricted),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    let in_user_namespace =
        ctx.res.pod.as_ref().is_some_and(|p| p.spec.get("hostUsers").and_then(|n| n.as_bool()) == Some(false));
    if in_user_namespace {
        super::pss_check(ctx, pss::Check::ProcMountRestricted, |_| true);
    }
}
