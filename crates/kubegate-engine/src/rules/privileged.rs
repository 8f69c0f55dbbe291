use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "privileged",
    summary: "Containers must not run privileged",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "No container (init, regular or ephemeral) may set `securityContext.privileged: true`.",
        why: "Privileged Pods disable most security mechanisms: the container sees every device of \
            the node and can load kernel modules, which is root on the node.",
        example: r#"containers:
  - name: app
    securityContext:
      privileged: true
"#,
        fix: "Remove `privileged: true`; grant the one capability the program needs instead (and \
            only if the restricted standard allows it).",
        help: "remove securityContext.privileged: true",
        references: "Kubernetes Pod Security Standards (baseline), check `privileged` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::Privileged),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::Privileged, |_| true);
}
