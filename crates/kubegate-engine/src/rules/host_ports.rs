use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "host-ports",
    summary: "Containers must not bind host ports",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "No container port may set a non-zero `hostPort`.",
        why: "A host port binds the node's network interface directly, bypasses Services and \
            NetworkPolicies, and limits scheduling to nodes where the port is free.",
        example: r#"ports:
  - containerPort: 8080
    hostPort: 80
"#,
        fix: "Remove `hostPort`; expose the port through a Service (NodePort or LoadBalancer if it \
            must be reachable from outside).",
        help: "remove hostPort and expose the port through a Service",
        references: "Kubernetes Pod Security Standards (baseline), check `hostPorts` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::HostPorts),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::HostPorts, |_| true);
}
