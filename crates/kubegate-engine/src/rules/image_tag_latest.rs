use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};
use crate::resources::Container;

pub static RULE: Rule = Rule {
    id: "image-tag-latest",
    summary: "Images must name a tag other than `latest` (or be pinned by digest)",
    levels: levels(Warn, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "Every container image (containers, init and ephemeral containers) must carry an \
            explicit tag that is not `latest`. An image without a tag is pulled as `latest`; a \
            port in the registry (`registry:5000/app`) is not a tag. An image pinned by a valid \
            `@sha256:` digest passes whatever its tag.",
        why: "`latest` moves: two pods of the same Deployment can run different code, a rollback \
            redeploys whatever `latest` is today, and nobody can tell from the manifest what \
            runs.",
        example: r#"containers:
  - name: app
    image: ghcr.io/org/backend          # no tag: pulled as latest
  - name: sidecar
    image: envoyproxy/envoy:latest
"#,
        fix: r#"Pin a version tag, or better a digest:

```yaml
containers:
  - name: app
    image: ghcr.io/org/backend:v1.2.3
```"#,
        help: "pin a version tag (image:v1.2.3) or a digest (image@sha256:...)",
        references: "[The policy: Images](../policy.md#images) and [the environment \
            matrix](../policy.md#the-environment-matrix).",
    },
    repair: Repair::Manual,
    check: Check::Container(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, c: &Container<'_>) {
    let Some((image, r)) = c.unpinned_image() else { return };
    let message = match r.tag {
        None => format!(
            "{} image '{image}' has no tag, so it runs :latest; pin a version tag or digest",
            ctx.container_subject(c)
        ),
        Some("latest") => format!("{} must not use the :latest tag (image '{image}')", ctx.container_subject(c)),
        Some(_) => return,
    };
    ctx.emit_container(c, "image", message);
}
