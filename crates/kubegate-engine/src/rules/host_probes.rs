use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "host-probes",
    summary: "Probes and lifecycle handlers must not target another host",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "The `host` field of `httpGet` and `tcpSocket` in liveness, readiness and startup \
            probes and in postStart/preStop lifecycle handlers must be unset or empty.",
        why: "The kubelet performs probes and handlers from the node; a `host` lets a manifest \
            make the kubelet send requests to any address the node can reach.",
        example: r#"livenessProbe:
  httpGet:
    host: 169.254.169.254
    path: /latest/meta-data
    port: 80
"#,
        fix: "Remove `host`: probes then target the pod's own IP.",
        help: "remove the host field from the probe or lifecycle handler",
        references: "Kubernetes Pod Security Standards (baseline), check `hostProbesAndHostLifecycle` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::HostProbesAndHostLifecycle),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::HostProbesAndHostLifecycle, |_| true);
}
