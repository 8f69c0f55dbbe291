use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "selinux",
    summary: "SELinux options must not set a custom user, role or type",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "`securityContext.seLinuxOptions` (pod or container) must not set `user` or `role`, \
            and `type` may only be `container_t`, `container_init_t`, `container_kvm_t` or \
            `container_engine_t`.",
        why: "A custom SELinux user, role or type can lift the confinement the container type provides.",
        example: r#"securityContext:
  seLinuxOptions:
    type: spc_t
"#,
        fix: "Remove `seLinuxOptions`, or keep only `level`.",
        help: "remove seLinuxOptions user/role and custom types",
        references: "Kubernetes Pod Security Standards (baseline), check `seLinuxOptions` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::SeLinuxOptions),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::SeLinuxOptions, |_| true);
}
