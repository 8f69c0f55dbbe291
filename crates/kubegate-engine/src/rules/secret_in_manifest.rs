use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Warn;

pub static RULE: Rule = Rule {
    id: "secret-in-manifest",
    summary: "Secrets with data should not be committed; use an external secret store",
    levels: levels(Warn, Warn, Warn),
    params: &[],
    doc: Doc {
        what: "A `Secret` with entries in `data` or `stringData` is reported: its values are in the \
            repository (base64 is an encoding, not encryption). Secrets without data (filled in \
            by a controller) are not.",
        why: "Secrets committed to git are readable by everyone with the repository, forever, in \
            every fork and clone; rotating them means rewriting history.",
        example: r#"kind: Secret
data:
  password: aHVudGVyMg==
"#,
        fix: "Keep the secret in an external store and let a controller create the Secret: an \
            `ExternalSecret` (External Secrets Operator), a `SealedSecret`, or the Vault agent.",
        help: "replace the Secret with an ExternalSecret or SealedSecret",
        references: "[The policy: Secrets](../policy.md#secrets).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    if ctx.res.kind != "Secret" {
        return;
    }
    let keys: usize = ["data", "stringData"].iter().map(|f| ctx.res.root.get(f).map_or(0, |d| d.entries().len())).sum();
    if keys > 0 {
        let field =
            if ctx.res.root.get("data").is_some_and(|d| !d.entries().is_empty()) { "data" } else { "stringData" };
        let message = format!(
            "{} commits {keys} secret value{} to the repository; use an external secret store",
            ctx.subject(),
            if keys == 1 { "" } else { "s" }
        );
        ctx.emit(ctx.res.locate(field), field.to_string(), None, message);
    }
}
