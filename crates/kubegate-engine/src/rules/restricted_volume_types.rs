use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};
use crate::pss;

pub static RULE: Rule = Rule {
    id: "restricted-volume-types",
    summary: "Volumes must be of the types the restricted standard allows",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every volume must be `configMap`, `csi`, `downwardAPI`, `emptyDir`, `ephemeral`, \
            `persistentVolumeClaim`, `projected`, `secret` or `image` (a volume with no source \
            is an `emptyDir`). `hostPath` is reported by `host-path`.",
        why: "Inline volume sources such as `nfs`, `iscsi`, `rbd` or `gcePersistentDisk` mount \
            storage directly with node credentials, outside the PersistentVolume access \
            controls.",
        example: r#"volumes:
  - name: data
    nfs:
      server: 10.0.0.5
      path: /exports
"#,
        fix: "Use a `persistentVolumeClaim` bound to a PersistentVolume of that storage.",
        help: "use a persistentVolumeClaim (or configMap, secret, emptyDir, projected) instead",
        references: "Kubernetes Pod Security Standards (restricted), check `restrictedVolumes` \
            (pod-security-admission); evaluated at the latest policy version (v1.37). `kubegate \
            test --profile pss-restricted --pss-version V` runs the standard of any version \
            exactly.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: Some(crate::pss::Check::RestrictedVolumes),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::pss_check(ctx, pss::Check::RestrictedVolumes, |v| !v.path.ends_with_key("hostPath"));
}
