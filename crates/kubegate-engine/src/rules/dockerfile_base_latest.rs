use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};
use crate::resources::image::ImageRef;
use kubegate_dockerfile::{Base, Dockerfile};

pub static RULE: Rule = Rule {
    id: "dockerfile-base-latest",
    summary: "A Dockerfile's `FROM` images must name a tag other than `latest` (or be pinned by digest)",
    levels: levels(Warn, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "Every `FROM` of a Dockerfile that names an image (not `scratch`, not an earlier \
            stage) must carry an explicit tag that is not `latest`; an image pinned by a valid \
            `@sha256:` digest passes whatever its tag. A build argument in the image \
            (`FROM golang:${GO}`) is replaced by the default its `ARG` gives before the first \
            `FROM`; an image whose argument has no default is not judged, since only the build \
            command knows it.",
        why: "A base image without a tag is `latest`, and `latest` moves: two builds of the same \
            commit produce different images, and nobody can tell from the repository what the \
            image was built on.",
        example: r#"FROM golang AS build
RUN go build -o /app .
FROM debian:latest
COPY --from=build /app /app
"#,
        fix: r#"Name a version tag, or better a digest:

```dockerfile
FROM golang:1.23 AS build
RUN go build -o /app .
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /app /app
```"#,
        help: "name a version tag (FROM image:1.2.3) or a digest (FROM image@sha256:...)",
        references: "[The policy: Dockerfiles](../policy.md#dockerfiles) and [Images](../policy.md#images).",
    },
    repair: Repair::Manual,
    check: Check::Dockerfile(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, d: &Dockerfile) {
    for (i, stage) in d.stages.iter().enumerate() {
        let Some(Base::Image(image)) = d.base(i) else { continue };
        let r = ImageRef::parse(image);
        if r.has_valid_digest() {
            continue;
        }
        let message = match r.tag {
            None => format!(
                "{} stage {} builds on '{image}', which has no tag, so it is :latest; name a version tag or digest",
                ctx.subject(),
                stage_name(d, i)
            ),
            Some("latest") => format!(
                "{} stage {} builds on '{image}': the :latest tag moves; name a version tag or digest",
                ctx.subject(),
                stage_name(d, i)
            ),
            Some(_) => continue,
        };
        ctx.emit(stage.image.span, super::dockerfile_route(i, "FROM"), None, message);
    }
}

/// `1 ('build')`: a stage as messages name it, by its number from 1 and its alias.
pub(super) fn stage_name(d: &Dockerfile, i: usize) -> String {
    match &d.stages[i].alias {
        Some(a) => format!("{} ('{a}')", i + 1),
        None => format!("{}", i + 1),
    }
}
