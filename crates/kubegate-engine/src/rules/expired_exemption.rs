use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::exemption::State;
use crate::finding::Level::Deny;

pub static RULE: Rule = Rule {
    id: "expired-exemption",
    summary: "An exemption must not be past its `exemption-expires` date",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "An exemption whose `exemption-expires` date is before today is expired (it holds \
            through the date itself). It exempts nothing any more: the findings it covered stand \
            again, and this finding, at the date, names the issue that was meant to fix them. \
            Today is the local date, or `--today YYYY-MM-DD`.",
        why: "An exemption is a promise to fix something by a date. When the date passes, the gate \
            closes again instead of letting the exemption quietly become permanent.",
        example: r#"metadata:
  annotations:
    policy-exemption: "SHA256 digest required after registry migration"
    exemption-expires: "2025-11-15"
    exemption-issue: "https://github.com/org/repo/issues/123"
    exemption-rules: "image-digest"
"#,
        fix: "Fix the findings and delete the annotations. If the fix really needs longer, agree a \
            new date (within `max_days`) on the issue and update `exemption-expires`.",
        help: "fix the findings it covered and remove the exemption, or agree a new date on its issue",
        references: "[The policy: Exemptions](../policy.md#exemptions).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    let exemptions = ctx.exemptions;
    for a in exemptions.iter().filter(|a| a.state == State::Expired) {
        let d = &a.declared;
        let (Some(expires), Some(issue)) = (&d.expires, &d.issue) else { continue };
        let message =
            format!("{} {} expired on {} ({}); its findings stand", ctx.subject(), d.noun(), expires.text, issue.text);
        ctx.emit_in(d.file.clone(), d.file_index, expires.span, d.path_prefix.clone().key(d.names[1]), None, message);
    }
}
