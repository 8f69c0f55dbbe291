use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Off, Warn};
use crate::resources::PodSpec;

pub static RULE: Rule = Rule {
    id: "fs-group",
    summary: "Pods that mount volumes should set `securityContext.fsGroup`",
    levels: levels(Off, Off, Warn),
    params: &[],
    doc: Doc {
        what: "A pod that declares a volume `fsGroup` applies to must set the pod-level \
            `securityContext.fsGroup`. Volumes whose ownership the kubelet never changes do not \
            count: `hostPath`, `nfs`, and the other network file systems that keep the server's \
            ownership (`iscsi`, `glusterfs`, `cephfs`). Windows pods (`spec.os.name: windows`) \
            are exempt: the API rejects the field for them.",
        why: "`fsGroup` makes mounted volumes group-owned by a known GID, so a non-root container \
            can use them without world-writable permissions.",
        example: r#"spec:
  securityContext:
    runAsUser: 1001
  volumes:
    - name: cache
      emptyDir: {}
"#,
        fix: r#"```yaml
spec:
  securityContext:
    fsGroup: 1001
```"#,
        help: "set securityContext.fsGroup at the pod level",
        references: "[The policy: Pod security context](../policy.md#pod-security-context).",
    },
    repair: Repair::Manual,
    check: Check::Pod(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, pod: &PodSpec<'_>) {
    // Windows pods are exempt: the API rejects this field for them.
    if pod.is_windows() {
        return;
    }
    let mounts = pod.spec.get("volumes").is_some_and(|v| v.items().iter().any(owned_by_fs_group));
    if mounts && pod.security("fsGroup").is_none() {
        let rel = "securityContext.fsGroup";
        let message = format!("{} must set securityContext.fsGroup because it mounts volumes", ctx.subject());
        ctx.emit(pod.locate(rel), pod.field_path(rel), None, message);
    }
}

/// Volume types whose ownership the kubelet never changes: fsGroup has no effect on them.
const UNOWNED: [&str; 5] = ["hostPath", "nfs", "iscsi", "glusterfs", "cephfs"];

/// Whether `fsGroup` applies to a volume (every type but those the kubelet leaves alone).
fn owned_by_fs_group(volume: &kubegate_yaml::Node<'_>) -> bool {
    !volume.entries().iter().any(|(k, _)| UNOWNED.contains(&k.text))
}
