use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Off, Warn};
use crate::resources::Container;

pub static RULE: Rule = Rule {
    id: "image-digest",
    summary: "Images must be pinned by SHA256 digest (`image@sha256:` + 64 hex digits)",
    levels: levels(Off, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every container image must be pinned as `@sha256:` followed by exactly 64 lowercase \
            hexadecimal digits. A tag may stand beside the digest (`app:v1@sha256:…`); the \
            digest is what counts. A short or upper-case digest (`@sha256:abc123`) is not a \
            valid digest.",
        why: "Digest pins ensure immutability - the exact same image is deployed every time. Tags \
            can be overwritten.",
        example: r#"containers:
  - name: app
    image: ghcr.io/sdottatum/backend:v1.2.3
"#,
        fix: r#"Pin the digest of the tag you tested, keeping the tag for readers. `kubegate pin`
looks the tag up in the registry and writes the digest beside it:

```bash
kubegate pin deploy/
```

```yaml
containers:
  - name: app
    image: ghcr.io/sdottatum/backend:v1.2.3@sha256:<64 hex digits>
```"#,
        help: "pin the image by digest (image:tag@sha256:<64 hex digits>): `kubegate pin` looks it up and writes it",
        references: "[The policy: Images](../policy.md#images) and [the environment \
            matrix](../policy.md#the-environment-matrix).",
    },
    repair: Repair::Pin,
    check: Check::Container(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, c: &Container<'_>) {
    let Some((image, r)) = c.unpinned_image() else { return };
    let message = match r.digest {
        Some(d) => format!(
            "{} image '{image}' has an invalid digest '@{d}'; a digest is sha256: followed by 64 lowercase hex digits",
            ctx.container_subject(c)
        ),
        None => format!("{} must use SHA256 digest (image@sha256:...), not version tags", ctx.container_subject(c)),
    };
    ctx.emit_container(c, "image", message);
}
