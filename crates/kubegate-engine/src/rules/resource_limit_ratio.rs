use super::{Check, Ctx, Doc, Param, Repair, Rule, levels};
use crate::finding::Level::{Off, Warn};
use crate::resources::PodSpec;
use crate::resources::{ContainerKind, quantity};

const MAX_RATIO: Param = Param::number("max_ratio", "The largest accepted limit/request ratio", 4.0, 1.0);

pub static RULE: Rule = Rule {
    id: "resource-limit-ratio",
    summary: "A limit should be at most 4x its request (the 2-4x guideline)",
    levels: levels(Off, Off, Warn),
    params: &[MAX_RATIO],
    doc: Doc {
        what: "For cpu and memory, where a container sets both the request and the limit, the limit \
            must be at most `max_ratio` (4 by default) times the request. Missing values are the \
            business of `resource-requests` and `resource-limits`.",
        why: "A limit far above the request overcommits the node: the scheduler places the pod by \
            its request, and under load it bursts into memory other pods were promised, ending \
            in OOM kills.",
        example: r#"resources:
  requests:
    memory: "128Mi"
  limits:
    memory: "2Gi"
"#,
        fix: r#"```yaml
resources:
  requests:
    memory: "512Mi"
  limits:
    memory: "2Gi"
```"#,
        help: "keep limits within 2-4x of requests (raise the request or lower the limit)",
        references: "[The policy: Resources](../policy.md#resources).",
    },
    repair: Repair::Manual,
    check: Check::Pod(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, pod: &PodSpec<'_>) {
    let max = ctx.number(&MAX_RATIO);
    for c in pod.containers.iter().filter(|c| c.kind != ContainerKind::Ephemeral) {
        for (i, res) in ["cpu", "memory"].into_iter().enumerate() {
            let (req_path, lim_path) = (super::resource_requests::REQUESTS[i], super::resource_requests::LIMITS[i]);
            let req = c.get(req_path).and_then(|n| n.scalar_text());
            let lim = c.get(lim_path).and_then(|n| n.scalar_text());
            let (Some(req), Some(lim)) = (req, lim) else {
                continue;
            };
            let (Some(r), Some(l)) = (quantity::parse(req), quantity::parse(lim)) else {
                continue;
            };
            if r > 0.0 && l > r * max * (1.0 + 1e-9) {
                let message = format!(
                    "{} resources.limits.{res} ({lim}) is {:.1}x resources.requests.{res} ({req}); keep limits within {max}x requests",
                    ctx.container_subject(c),
                    l / r
                );
                ctx.emit_container(c, lim_path, message);
            }
        }
    }
}
