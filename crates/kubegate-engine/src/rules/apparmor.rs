use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "apparmor",
    summary: "An AppArmor profile, where set, must be the runtime default or a local profile",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "`securityContext.appArmorProfile.type` (pod or container) must be `RuntimeDefault` \
            or `Localhost` where set, and `container.apparmor.security.beta.kubernetes.io/*` \
            annotations must be `runtime/default` or `localhost/*`.",
        why: "On supported hosts the runtime's default AppArmor profile confines every container; \
            overriding it with `unconfined` removes that confinement.",
        example: r#"securityContext:
  appArmorProfile:
    type: Unconfined
"#,
        fix: "Remove the override, or set `type: RuntimeDefault`.",
        help: "set securityContext.appArmorProfile.type: RuntimeDefault (or remove the override)",
        references: "Kubernetes Pod Security Standards (baseline), check `appArmorProfile` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::AppArmorProfile),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::AppArmorProfile, |_| true);
}
