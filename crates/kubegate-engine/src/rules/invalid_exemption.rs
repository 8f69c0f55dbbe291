use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::exemption::{EXPIRES, ISSUE, REASON, RULES, State};
use crate::finding::Level::Deny;

pub static RULE: Rule = Rule {
    id: "invalid-exemption",
    summary: "An exemption must be complete, name known rules, and keep to the exemption governance",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "An exemption (the annotations `policy-exemption`, `exemption-expires`, \
            `exemption-issue` and `exemption-rules` on a resource, or an entry of \
            `exemptions.central` in `kubegate.yaml`) is invalid when any of the four is missing \
            or empty, `exemption-expires` is not a real date written `YYYY-MM-DD` (`2026-02-30` \
            is not), `exemption-rules` names a rule that does not exist (Rego rule ids, \
            `<package>.<rule>` such as `main.deny_replicas`, are accepted), the expiry is more \
            than `max_days` (default 90) after today, a listed rule cannot be exempted in the \
            resource's environment (`exemptions.not_exemptible`), or the issue link does not \
            match `exemptions.issue_pattern` (without one: does not look like an issue link, \
            that is a URL, a tracker key such as `SEC-123`, or `#123` / `org/repo#123`). Each problem is one finding, at the annotation it \
            is about (a missing one at `annotations:`). An invalid exemption exempts nothing: \
            the findings it tried to exempt stand. Exemption annotations written on a workload's \
            pod template (`spec.template.metadata.annotations`) are not read there (they would \
            travel to every pod): they are reported as misplaced, at the first of them.",
        why: "Exemptions must be temporary, documented and tracked (see the policy's exemptions). \
            A half-written exemption, one that runs for years, or one that silences a rule the \
            security team never lets go of in that environment is a permanent bypass in \
            disguise; failing loudly keeps every exemption reviewable.",
        example: r#"metadata:
  annotations:
    policy-exemption: "SHA256 digest required after registry migration"
    exemption-expires: "2026-02-30"
    exemption-rules: "image-digets"
"#,
        fix: r#"Write all four annotations, with a real date within `max_days` and the ids `kubegate rules` lists:

```yaml
metadata:
  annotations:
    policy-exemption: "SHA256 digest required after registry migration"
    exemption-expires: "2026-02-28"
    exemption-issue: "https://github.com/org/repo/issues/123"
    exemption-rules: "image-digest"
```

A rule that cannot be exempted in an environment has to be fixed, not exempted. See docs/exemptions.md."#,
        help: "an exemption needs policy-exemption, exemption-expires (YYYY-MM-DD, within max_days), exemption-issue and exemption-rules (known rule ids); see docs/exemptions.md",
        references: "[The policy: Exemptions](../policy.md#exemptions).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    misplaced(ctx);
    let exemptions = ctx.exemptions;
    for a in exemptions.iter().filter(|a| a.state == State::Invalid) {
        let d = &a.declared;
        for p in &a.problems {
            let message = format!("{} {} is invalid: {}; its findings stand", ctx.subject(), d.noun(), p.text);
            ctx.emit_in(d.file.clone(), d.file_index, p.span, p.path.clone(), None, message);
        }
    }
}

/// Exemption annotations on a workload's pod template are not read: say so, rather than
/// let the author believe the findings are exempted.
fn misplaced(ctx: &mut Ctx<'_, '_>) {
    let Some(pod) = &ctx.res.pod else { return };
    if ctx.res.kind == "Pod" {
        return;
    }
    let Some(annotations) = pod.annotations else { return };
    let keys = [REASON, EXPIRES, ISSUE, RULES];
    let Some((key, _)) = annotations.entries().iter().find(|(k, _)| keys.contains(&k.text)) else { return };
    let template = pod.path.strip_suffix(".spec").unwrap_or(pod.path);
    let message = format!(
        "{} has exemption annotations on its pod template ({template}.metadata.annotations), where they are not read; move them to the {}'s metadata.annotations",
        ctx.subject(),
        ctx.res.kind
    );
    let path = format!("{template}.metadata.annotations.{}", key.text);
    ctx.emit(key.span, path, None, message);
}
