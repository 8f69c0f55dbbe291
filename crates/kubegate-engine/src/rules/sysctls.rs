use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "sysctls",
    summary: "Pods may only set safe, namespaced sysctls",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "`spec.securityContext.sysctls[*].name` must be one of the safe sysctls: \
            kernel.shm_rmid_forced, net.ipv4.ip_local_port_range, net.ipv4.tcp_syncookies, \
            net.ipv4.ping_group_range, net.ipv4.ip_unprivileged_port_start, \
            net.ipv4.ip_local_reserved_ports, net.ipv4.tcp_keepalive_time, \
            net.ipv4.tcp_fin_timeout, net.ipv4.tcp_keepalive_intvl, \
            net.ipv4.tcp_keepalive_probes, net.ipv4.tcp_rmem, net.ipv4.tcp_wmem, \
            net.ipv4.tcp_slow_start_after_idle, net.ipv4.tcp_notsent_lowat.",
        why: "Sysctls can disable security mechanisms or affect all containers on a host; only \
            namespaced sysctls isolated from other pods are safe.",
        example: r#"securityContext:
  sysctls:
    - name: kernel.msgmax
      value: "65536"
"#,
        fix: "Remove the sysctl, or tune the node instead.",
        help: "remove the sysctl (only namespaced, safe sysctls are allowed)",
        references: "Kubernetes Pod Security Standards (baseline), check `sysctls` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::Sysctls),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::Sysctls, |_| true);
}
