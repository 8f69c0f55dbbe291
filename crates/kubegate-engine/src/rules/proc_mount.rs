use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "proc-mount",
    summary: "Containers must keep the default /proc masks",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "`securityContext.procMount` must be unset or `Default`, unless the pod runs in a \
            user namespace (`hostUsers: false`).",
        why: "The default /proc masks hide kernel interfaces a container must not reach; \
            `Unmasked` exposes them.",
        example: r#"securityContext:
  procMount: Unmasked
"#,
        fix: "Remove `procMount` (or set `Default`).",
        help: "remove securityContext.procMount or set it to Default",
        references: "Kubernetes Pod Security Standards (baseline), check `procMount` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::ProcMount),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::ProcMount, |_| true);
}
