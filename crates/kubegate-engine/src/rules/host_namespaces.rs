use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "host-namespaces",
    summary: "Pods must not share the host's network, PID or IPC namespace",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "`spec.hostNetwork`, `spec.hostPID` and `spec.hostIPC` must be unset or `false`.",
        why: "Sharing the host network, PID, and IPC namespaces lets a pod see and talk to every \
            process and port of the node, bypassing network policy.",
        example: r#"spec:
  hostNetwork: true
"#,
        fix: "Remove `hostNetwork`, `hostPID` and `hostIPC`; expose ports through a Service.",
        help: "remove hostNetwork/hostPID/hostIPC: true",
        references: "Kubernetes Pod Security Standards (baseline), check `hostNamespaces` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::HostNamespaces),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::HostNamespaces, |_| true);
}
