use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::pss;

pub static RULE: Rule = Rule {
    id: "host-path",
    summary: "Pods must not mount hostPath volumes",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "No entry of `spec.volumes` may use `hostPath`.",
        why: "A hostPath volume exposes the node's filesystem to the pod: container runtime \
            sockets, kubelet credentials, other pods' data.",
        example: r#"volumes:
  - name: docker
    hostPath:
      path: /var/run/docker.sock
"#,
        fix: "Use a `persistentVolumeClaim`, `configMap`, `secret` or `emptyDir` volume instead.",
        help: "replace the hostPath volume with a PVC, configMap, secret or emptyDir",
        references: "Kubernetes Pod Security Standards (baseline), check `hostPathVolumes` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-baseline --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::HostPathVolumes),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::HostPathVolumes, |_| true);
}
