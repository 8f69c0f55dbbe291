use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "seccomp-baseline",
    summary: "A seccomp profile, where set, must not be Unconfined",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "Where a pod or container sets `securityContext.seccompProfile.type`, it must be \
            `RuntimeDefault` or `Localhost` (`Unconfined` is forbidden). Before policy v1.19 the \
            same held for the `seccomp.security.alpha.kubernetes.io` annotations.",
        why: "An unconfined container can make every syscall, including the ones container escapes use.",
        example: r#"securityContext:
  seccompProfile:
    type: Unconfined
"#,
        fix: r#"```yaml
securityContext:
  seccompProfile:
    type: RuntimeDefault
```"#,
        help: "set securityContext.seccompProfile.type: RuntimeDefault",
        references: "Kubernetes Pod Security Standards (baseline), check `seccompProfile_baseline` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::SeccompProfileBaseline),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::SeccompProfileBaseline, |_| true);
}
