use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Off, Warn};
use kubegate_dockerfile::{Base, Dockerfile};

/// The bases `dockerfile-minimal-base` accepts when the config names none.
pub const DEFAULT_MINIMAL_BASES: &[&str] = &["gcr.io/distroless/", "cgr.dev/chainguard/"];

pub static RULE: Rule = Rule {
    id: "dockerfile-minimal-base",
    summary: "A Dockerfile's final stage should build on a minimal base (distroless, `scratch` or one of `minimal_bases`)",
    levels: levels(Off, Warn, Warn),
    params: &[],
    doc: Doc {
        what: "The image a Dockerfile builds (its last stage, following `FROM <stage>` to the image \
            it starts from) should be `scratch` or start with one of the prefixes of \
            `minimal_bases` in `kubegate.yaml` (default: `gcr.io/distroless/` and \
            `cgr.dev/chainguard/`; a list given in the config replaces the default, so add your \
            own hardened bases there). Builder stages may use any image. A base made of a build \
            argument without a default is not judged.",
        why: "Every package in the runtime image is attack surface and a line in the vulnerability \
            report: a shell and a package manager let an intruder install tools, and a full \
            distribution carries hundreds of packages the service never calls. A distroless or \
            scratch image holds the program and what it links.",
        example: r#"FROM golang:1.23 AS build
RUN CGO_ENABLED=0 go build -o /app .
FROM ubuntu:24.04
COPY --from=build /app /app
"#,
        fix: r#"Build in a full image, run in a minimal one:

```dockerfile
FROM golang:1.23 AS build
RUN CGO_ENABLED=0 go build -o /app .
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /app /app
```

Or list your organisation's hardened bases under `minimal_bases` in `kubegate.yaml`."#,
        help: "run on a distroless or scratch base, or list your hardened base under minimal_bases in kubegate.yaml",
        references: "[The policy: Dockerfiles](../policy.md#dockerfiles).",
    },
    repair: Repair::Manual,
    check: Check::Dockerfile(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, d: &Dockerfile) {
    let Some(mut i) = d.stages.len().checked_sub(1) else { return };
    let image = loop {
        match d.base(i) {
            Some(Base::Stage(j)) => i = j,
            Some(Base::Image(image)) => break image,
            Some(Base::Scratch) | None => return,
        }
    };
    let bases = &ctx.settings.minimal_bases;
    let minimal = match bases {
        Some(list) => list.iter().any(|b| image.starts_with(b.as_str())),
        None => DEFAULT_MINIMAL_BASES.iter().any(|b| image.starts_with(b)),
    };
    if minimal {
        return;
    }
    let message = format!(
        "{} runs on '{image}', not a minimal base (distroless, scratch or one of minimal_bases)",
        ctx.subject()
    );
    ctx.emit(d.stages[i].image.span, super::dockerfile_route(i, "FROM"), None, message);
}
