use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "capabilities-baseline",
    summary: "Containers must not add capabilities beyond the runtime's default set",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "`securityContext.capabilities.add` may only hold capabilities of the container \
            runtime's default set: AUDIT_WRITE, CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, \
            MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP, SETUID, SYS_CHROOT. NET_RAW, \
            SYS_ADMIN, NET_ADMIN and the like are forbidden.",
        why: "Capabilities beyond the default set (SYS_ADMIN, NET_ADMIN, SYS_PTRACE, …) each grant \
            a slice of root over the node.",
        example: r#"securityContext:
  capabilities:
    add: [NET_ADMIN, SYS_TIME]
"#,
        fix: "Drop the added capability; if the program truly needs it, run it outside the \
            cluster's workload namespaces.",
        help: "remove the capability from securityContext.capabilities.add",
        references: "Kubernetes Pod Security Standards (baseline), check `capabilities_baseline` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::CapabilitiesBaseline),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::CapabilitiesBaseline, |_| true);
}
