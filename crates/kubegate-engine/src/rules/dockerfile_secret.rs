use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::Deny;
use crate::secrets::{is_placeholder, is_secret_name, secret_value_kind};
use kubegate_dockerfile::{Dockerfile, Instr, Word};
use kubegate_yaml::Route;

pub static RULE: Rule = Rule {
    id: "dockerfile-secret",
    summary: "A Dockerfile must not hold secrets or copy secret files into the image",
    levels: levels(Deny, Deny, Deny),
    params: &[],
    doc: Doc {
        what: "No `ENV`, `ARG` default or `LABEL` of a Dockerfile may hold a secret: a value that \
            looks like one (a private key, a known access-key shape, a JWT, credentials inside a \
            URL, a high-entropy token) or a literal under a secret-looking name (`DB_PASSWORD`, \
            `API_KEY`), with the same false-positive policy as `secret-in-env` (placeholders, \
            `${VAR}` references and values naming their own variable pass). In the final stage, \
            an `ARG` with a secret-looking name and no default is reported too: its value, \
            given with `--build-arg`, is recorded in the image's history. No `COPY` or `ADD` may \
            take a secret file from the build context: `.env` (not `.env.example`, `.sample`, \
            `.template`, `.dist`), SSH private keys (`id_rsa`, `id_ed25519`, …), `*.pem`, \
            `*.key`, `*.p12`, `*.pfx`, `.netrc`, `.pypirc`, `.git-credentials`, `.dockercfg` \
            and `credentials` files. `COPY --from=<stage>` is not judged (what it copies was made \
            by the build). Name a CA bundle `*.crt`, as a certificate is public.",
        why: "Everything a Dockerfile writes lands in a layer or the image's configuration, and \
            every layer ships with the image: anyone who can pull it can read the secret, long \
            after it was deleted in a later step. The Dockerfile itself is committed, so a \
            literal is also in every clone of the repository.",
        example: r#"FROM node:22-slim
ARG NPM_TOKEN
ENV DB_PASSWORD=hunter2-prod
COPY .env id_rsa /app/
RUN npm ci
"#,
        fix: r#"Mount build secrets for the one step that needs them, and give runtime secrets to the pod from a Secret:

```dockerfile
FROM node:22-slim
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
```

`docker build --secret id=npmrc,src=$HOME/.npmrc .` passes the file without writing it into any layer."#,
        help: "mount build secrets with RUN --mount=type=secret; give runtime secrets from a Kubernetes Secret",
        references: "[The policy: Dockerfiles](../policy.md#dockerfiles) and [Secrets](../policy.md#secrets).",
    },
    repair: Repair::Manual,
    check: Check::Dockerfile(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>, d: &Dockerfile) {
    let global = Route::root().key("ARG");
    pairs(ctx, "ARG", &global, &d.global_args, false);
    let last = d.stages.len().saturating_sub(1);
    for (i, stage) in d.stages.iter().enumerate() {
        let at = Route::root().key("stages").index(i);
        for step in &stage.instructions {
            match &step.instr {
                Instr::Env(p) => pairs(ctx, "ENV", &at.clone().key("ENV"), p, false),
                Instr::Arg(p) => pairs(ctx, "ARG", &at.clone().key("ARG"), p, i == last),
                Instr::Label(p) => pairs(ctx, "LABEL", &at.clone().key("LABEL"), p, false),
                Instr::Copy { sources, from: None } => files(ctx, "COPY", &at, sources),
                Instr::Add { sources } => files(ctx, "ADD", &at, sources),
                _ => {}
            }
        }
    }
}

/// `KEY=value` pairs; `bare_args`: a secret-named `ARG` without a default is reported.
fn pairs(ctx: &mut Ctx<'_, '_>, keyword: &str, at: &Route, pairs: &[(Word, Option<Word>)], bare_args: bool) {
    for (key, value) in pairs {
        let message = match value {
            Some(v) => {
                let what = match secret_value_kind(&v.text) {
                    Some(kind) => format!("holds what looks like {kind}"),
                    None if is_secret_name(&key.text)
                        && !is_placeholder(&v.text)
                        && !names_itself(&key.text, &v.text) =>
                    {
                        "holds a literal value under a secret-looking name".to_string()
                    }
                    None => continue,
                };
                format!("{} {keyword} {} {what}; it is written into the image", ctx.subject(), key.text)
            }
            None if bare_args && is_secret_name(&key.text) => format!(
                "{} ARG {} in the final stage records the secret given with --build-arg in the image's history; use RUN --mount=type=secret",
                ctx.subject(),
                key.text
            ),
            None => continue,
        };
        let span = value.as_ref().map_or(key.span, |v| v.span);
        ctx.emit(span, at.clone().key(key.text.as_str()), None, message);
    }
}

/// `API_KEY=api-key-goes-here`: a value that names its own variable is a placeholder.
fn names_itself(name: &str, value: &str) -> bool {
    let norm = |s: &str| s.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase();
    let (n, v) = (norm(name), norm(value));
    !n.is_empty() && v.contains(&n)
}

fn files(ctx: &mut Ctx<'_, '_>, keyword: &str, at: &Route, sources: &[Word]) {
    for (k, src) in sources.iter().enumerate() {
        let Some(what) = secret_file(&src.text) else { continue };
        let message = format!(
            "{} {keyword} {} puts {what} into the image; mount it for the build step with RUN --mount=type=secret",
            ctx.subject(),
            src.text
        );
        ctx.emit(src.span, at.clone().key(keyword).index(k), None, message);
    }
}

/// What a build-context file named so holds, when its name says it is a secret.
fn secret_file(path: &str) -> Option<&'static str> {
    let name = path.trim_end_matches('/').rsplit('/').next().unwrap_or(path);
    let lower = name.to_ascii_lowercase();
    let ext = lower.rsplit_once('.').map(|(_, e)| e);
    if lower == ".env"
        || lower
            .strip_prefix(".env.")
            .is_some_and(|rest| !["example", "sample", "template", "dist", "defaults"].contains(&rest))
    {
        return Some("an environment file of secrets");
    }
    if ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"].contains(&lower.as_str()) {
        return Some("an SSH private key");
    }
    if matches!(ext, Some("pem" | "key")) {
        return Some("a key file");
    }
    if matches!(ext, Some("p12" | "pfx")) {
        return Some("a key store");
    }
    if [".netrc", ".pypirc", ".git-credentials", ".dockercfg", "credentials", "credentials.json"]
        .contains(&lower.as_str())
    {
        return Some("a credentials file");
    }
    None
}
