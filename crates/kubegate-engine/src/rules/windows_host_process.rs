use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "windows-host-process",
    summary: "Windows pods must not run as host processes",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "`securityContext.windowsOptions.hostProcess` (pod or container) must be unset or `false`.",
        why: "A Windows HostProcess container runs directly on the host with the host's privileges.",
        example: r#"securityContext:
  windowsOptions:
    hostProcess: true
"#,
        fix: "Remove `hostProcess: true`.",
        help: "remove securityContext.windowsOptions.hostProcess: true",
        references: "Kubernetes Pod Security Standards (baseline), check `windowsHostProcess` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::WindowsHostProcess),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::WindowsHostProcess, |_| true);
}
