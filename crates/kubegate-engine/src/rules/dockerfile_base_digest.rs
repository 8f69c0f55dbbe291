use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Off, Warn};
use crate::resources::image::ImageRef;
use kubegate_dockerfile::{Base, Dockerfile};

pub static RULE: Rule = Rule {
    id: "dockerfile-base-digest",
    summary: "A Dockerfile's `FROM` images must be pinned by digest",
    levels: levels(Off, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every `FROM` of a Dockerfile that names an image (not `scratch`, not an earlier \
            stage) must pin it by a valid digest: `@sha256:` and 64 lowercase hex digits, with \
            or without a tag (`golang:1.23@sha256:…`). Build arguments are replaced by the \
            defaults their `ARG` gives before the first `FROM`. An image made of an argument \
            without a default is reported too: the pin must be visible in the repository, so \
            give the `ARG` a pinned default.",
        why: "A tag is a pointer the registry may move: a rebuild of the same commit can pull a \
            different base, with different packages and different vulnerabilities. A digest \
            names exactly one image, so a build can be repeated and audited.",
        example: r#"FROM golang:1.23 AS build
FROM gcr.io/distroless/static-debian12:nonroot
"#,
        fix: r#"Run `kubegate pin`: it looks each base's tag up in its registry and writes the digest beside the tag, on the `FROM` line or in the default of the `ARG` the image is taken from. By hand (`docker buildx imagetools inspect IMAGE` or `crane digest IMAGE` prints the digest), keeping the tag for readers:

```dockerfile
FROM golang:1.23@sha256:4f1c4a... AS build
FROM gcr.io/distroless/static-debian12:nonroot@sha256:6ec5aa...
```"#,
        help: "pin the base by digest (FROM image:tag@sha256:<64 hex digits>): `kubegate pin` looks it up and writes it",
        references: "[The policy: Dockerfiles](../policy.md#dockerfiles) and [Images](../policy.md#images).",
    },
    repair: Repair::Pin,
    check: Check::Dockerfile(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, d: &Dockerfile) {
    for (i, stage) in d.stages.iter().enumerate() {
        let stage_name = super::dockerfile_base_latest::stage_name(d, i);
        let message = match d.base(i) {
            Some(Base::Image(image)) => {
                let r = ImageRef::parse(image);
                match r.digest {
                    _ if r.has_valid_digest() => continue,
                    Some(digest) => format!(
                        "{} stage {stage_name} builds on '{image}', whose digest '@{digest}' is not sha256: and 64 lowercase hex digits",
                        ctx.subject()
                    ),
                    None => format!(
                        "{} stage {stage_name} builds on '{image}', which is not pinned by digest (image@sha256:...)",
                        ctx.subject()
                    ),
                }
            }
            Some(Base::Scratch | Base::Stage(_)) => continue,
            None => format!(
                "{} stage {stage_name} builds on '{}', a build argument without a default: the pin cannot be seen; give the ARG a digest-pinned default",
                ctx.subject(),
                stage.image.text
            ),
        };
        ctx.emit(stage.image.span, super::dockerfile_route(i, "FROM"), None, message);
    }
}
