use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;

pub static RULE: Rule = Rule {
    id: "duplicate-key",
    summary: "A mapping must not repeat a key",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "No mapping in a manifest may hold the same key twice. kubegate checks the last \
            value, as the Kubernetes YAML decoder keeps it, and reports the repetition at the \
            later key.",
        why: "A repeated key silently discards the first value: a reviewer reads `runAsNonRoot: \
            true` while the cluster receives the `false` written twenty lines below. The API \
            server's strict field validation rejects such manifests.",
        example: r#"securityContext:
  runAsNonRoot: true
  runAsUser: 1000
  runAsNonRoot: false
"#,
        fix: "Delete one of the two keys, keeping the value you mean.",
        help: "remove one of the repeated keys",
        references: "Kubernetes strict field validation (`kubectl apply --validate=strict`): duplicate \
            fields are errors.",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    for d in &ctx.res.duplicates {
        let message = format!(
            "{} repeats key `{}` (first at line {}); only the last value takes effect",
            ctx.subject(),
            d.key,
            d.first.start.line
        );
        ctx.emit(d.span, d.path.clone(), None, message);
    }
}
