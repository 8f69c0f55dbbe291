use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::exemption::State;
use crate::finding::Level::Warn;

pub static RULE: Rule = Rule {
    id: "exemption-expiring",
    summary: "An exemption expiring within `warn_days` (default 14) is announced",
    levels: levels(Warn, Warn, Warn),
    params: &[],
    doc: Doc {
        what: "A valid exemption whose `exemption-expires` date is at most `warn_days` (default 14, \
            set under `exemptions` in `kubegate.yaml`) days away still exempts its findings, and \
            this warning, at the date, says how many days are left and names the issue. On the \
            expiry date itself 0 days are left; the day after, `expired-exemption` denies.",
        why: "Teams should hear about an exemption running out while there is still time to fix \
            the findings, not on the day the pipeline turns red.",
        example: r#"metadata:
  annotations:
    policy-exemption: "SHA256 digest required after registry migration"
    exemption-expires: "2026-06-05"   # today is 2026-06-01
    exemption-issue: "https://github.com/org/repo/issues/123"
    exemption-rules: "image-digest"
"#,
        fix: "Fix the findings and delete the exemption before it expires, or agree a new date on \
            the issue. `kubegate exemptions` lists every exemption with its days left, for a \
            scheduled job.",
        help: "fix the exempted findings before the date, or agree a new date on the exemption's issue",
        references: "[The policy: Exemptions](../policy.md#exemptions).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    let exemptions = ctx.exemptions;
    for a in exemptions.iter().filter(|a| a.state == State::Expiring) {
        let d = &a.declared;
        let (Some(expires), Some(issue), Some(days)) = (&d.expires, &d.issue, a.days_left) else { continue };
        let when = match days {
            0 => "today".to_string(),
            1 => "tomorrow".to_string(),
            n => format!("in {n} days"),
        };
        let message = format!(
            "{} {} expires on {} ({when}; {}); fix its findings before then",
            ctx.subject(),
            d.noun(),
            expires.text,
            issue.text
        );
        ctx.emit_in(d.file.clone(), d.file_index, expires.span, d.path_prefix.clone().key(d.names[1]), None, message);
    }
}
