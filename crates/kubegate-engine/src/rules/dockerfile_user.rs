use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};
use crate::resources::image::ImageRef;
use kubegate_dockerfile::{Base, Dockerfile, Instr};

pub static RULE: Rule = Rule {
    id: "dockerfile-user",
    summary: "A Dockerfile's final stage must run as a non-root user",
    levels: levels(Warn, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "The image a Dockerfile builds (its last stage) must run as a user other than root: \
            its last `USER` must not be `root` or `0` (with any group: `0:0`, `root:staff`), and \
            there must be one. A stage built on an earlier stage (`FROM build`) inherits that \
            stage's `USER`, so the chain is followed. With no `USER` anywhere in the chain the \
            image runs as its base's user, root for most bases; a base whose tag says \
            `nonroot` (`gcr.io/distroless/static:nonroot`) sets a non-root user and passes. \
            Builder stages are not judged: their user never runs in the cluster. A `USER` \
            written with a build argument (`USER $UID`) is not judged, since only the build \
            knows it. A numeric UID is better than a name: `runAsNonRoot` can only verify a \
            number.",
        why: "A process running as root in a container is root on the node as soon as anything \
            else goes wrong (a kernel bug, a mounted socket, a privileged sidecar). The image is \
            where the user is decided for every environment that runs it; the pod's \
            `runAsNonRoot` then confirms it.",
        example: r#"FROM golang:1.23 AS build
RUN go build -o /app .
FROM debian:12
COPY --from=build /app /app
ENTRYPOINT ["/app"]
"#,
        fix: r#"Create an unprivileged user (or use one the base provides) and switch to it by number:

```dockerfile
FROM debian:12
RUN useradd --uid 10001 --no-create-home app
COPY --from=build /app /app
USER 10001:10001
ENTRYPOINT ["/app"]
```"#,
        help: "end the final stage with USER <numeric non-root uid>, e.g. USER 10001:10001",
        references: "[The policy: Dockerfiles](../policy.md#dockerfiles) and [Container security \
            context](../policy.md#container-security-context).",
    },
    repair: Repair::Manual,
    check: Check::Dockerfile(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, d: &Dockerfile) {
    let Some(last) = d.stages.len().checked_sub(1) else { return };
    // The last USER of the final stage, else of the stage it is built on, and so on.
    let mut i = last;
    loop {
        let user = d.stages[i].instructions.iter().rev().find_map(|s| match &s.instr {
            Instr::User(w) => Some(w),
            _ => None,
        });
        if let Some(user) = user {
            if user.text.contains('$') {
                return;
            }
            let name = user.text.split(':').next().unwrap_or("").trim();
            if name == "root" || (!name.is_empty() && name.bytes().all(|b| b == b'0')) {
                let message = format!("{} runs as root (USER {}); switch to a non-root user", ctx.subject(), user.text);
                let route = super::dockerfile_route(i, "USER");
                ctx.emit(user.span, route, None, message);
            }
            return;
        }
        match d.base(i) {
            Some(Base::Stage(j)) => i = j,
            Some(Base::Image(image)) if ImageRef::parse(image).tag.is_some_and(|tag| tag.contains("nonroot")) => return,
            Some(Base::Image(_) | Base::Scratch) => break,
            None => return,
        }
    }
    let from = &d.stages[last];
    let message = format!(
        "{} sets no USER in its final stage{}, so it runs as its base image's user, root for most bases; set USER to a numeric non-root UID",
        ctx.subject(),
        if i == last { String::new() } else { " or the stages it is built on".to_string() }
    );
    ctx.emit(from.span, super::dockerfile_route(last, "USER"), None, message);
}
