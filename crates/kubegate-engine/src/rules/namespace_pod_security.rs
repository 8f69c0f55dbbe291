use super::{Check, Ctx, Doc, Repair, RepairValue, Rule, Safety, levels};
use crate::finding::Level::{Deny, Off, Warn};

pub static RULE: Rule = Rule {
    id: "namespace-pod-security",
    summary: "Namespaces must enforce, audit and warn at the restricted Pod Security Standard",
    levels: levels(Off, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every Namespace among the inputs must carry the labels \
            `pod-security.kubernetes.io/enforce`, `pod-security.kubernetes.io/audit` and \
            `pod-security.kubernetes.io/warn`, each set to `restricted`; each missing or \
            different label is one finding. Namespaces that are not among the inputs are not \
            judged (kubegate cannot see them).",
        why: "The cluster's Pod Security Admission enforces the standard only where the namespace \
            asks for it; without the labels, a pod that kubegate never saw (a `kubectl run`, \
            another pipeline) is admitted unchecked.",
        example: r#"kind: Namespace
metadata:
  name: production
"#,
        fix: r#"```yaml
metadata:
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/audit: restricted
    pod-security.kubernetes.io/warn: restricted
```"#,
        help: "label the Namespace pod-security.kubernetes.io/{enforce,audit,warn}: restricted",
        references: "[The policy: Pod Security Standards](../policy.md#pod-security-standards).",
    },
    repair: Repair::Set {
        value: RepairValue::Text("restricted"),
        safety: Safety::UnsafeAt {
            key: "pod-security.kubernetes.io/enforce",
            why: "the API server then refuses the namespace's pods that are not restricted (`kubectl label --dry-run=server` lists them)",
        },
        only_missing: false,
    },
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    if ctx.res.kind != "Namespace" {
        return;
    }
    for mode in ["enforce", "audit", "warn"] {
        let key = format!("pod-security.kubernetes.io/{mode}");
        // The label's name holds dots: one key of the route.
        let path = kubegate_yaml::Route::parse("metadata.labels").key(key.clone());
        let (span, message) = match ctx.res.label(&key) {
            Some(n) if n.scalar_text() == Some("restricted") => continue,
            Some(n) => (n.span, format!("{} sets {key}: {}; it must be restricted", ctx.subject(), n.shown())),
            None => (ctx.res.locate("metadata.labels"), format!("{} must set label {key}: restricted", ctx.subject())),
        };
        ctx.emit(span, path, None, message);
    }
}
