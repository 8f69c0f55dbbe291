use super::{Check, Ctx, Doc, Repair, Rule, Safety, levels};
use crate::finding::Level::{Deny, Warn};

pub static RULE: Rule = Rule {
    id: "read-only-root-filesystem",
    summary: "Every container must set `readOnlyRootFilesystem: true`",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every container (containers, init and ephemeral containers) must set \
            `securityContext.readOnlyRootFilesystem: true`. Mount an `emptyDir` where the \
            program needs to write (`/tmp`, caches). Windows pods (`spec.os.name: windows`) are \
            exempt: the API rejects the field for them.",
        why: "A read-only root filesystem stops malicious file writes, runtime binary \
            modifications and persistence mechanisms.",
        example: r#"containers:
  - name: event-service
    image: event-service:v1
    securityContext:
      readOnlyRootFilesystem: false
"#,
        fix: r#"```yaml
containers:
  - name: event-service
    securityContext:
      readOnlyRootFilesystem: true
    volumeMounts:
      - name: tmp-volume
        mountPath: /tmp
volumes:
  - name: tmp-volume
    emptyDir:
      sizeLimit: 64Mi
```"#,
        help: "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the program writes",
        references: "[The policy: Container security context](../policy.md#container-security-context) \
            and [the environment matrix](../policy.md#the-environment-matrix).",
    },
    repair: Repair::SetAndMountScratch {
        value: "true",
        mount: "/tmp",
        safety: Safety::Unsafe("a program that writes anywhere but /tmp fails: mount an emptyDir there too"),
    },
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::container_flag(ctx, "readOnlyRootFilesystem", true);
}
