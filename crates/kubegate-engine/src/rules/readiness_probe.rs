use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};

pub static RULE: Rule = Rule {
    id: "readiness-probe",
    summary: "Every long-running container must define `readinessProbe`",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every regular container of a long-running workload (not Job or CronJob) must define \
            `readinessProbe`. Init and ephemeral containers are not checked.",
        why: "Zero-downtime rolling updates: a pod receives traffic only once its readiness probe \
            passes, and is taken out of the Service while it fails.",
        example: r#"containers:
  - name: app
    image: app:v1
    livenessProbe:
      httpGet: {path: /health, port: 8080}
"#,
        fix: r#"```yaml
containers:
  - name: app
    readinessProbe:
      httpGet:
        path: /ready
        port: 8080
      initialDelaySeconds: 30
      periodSeconds: 10
```"#,
        help: "define a readinessProbe (httpGet, tcpSocket, grpc or exec)",
        references: "[The policy: Health probes](../policy.md#health-probes) and [the environment \
            matrix](../policy.md#the-environment-matrix).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::liveness_probe::check_probe(ctx, "readinessProbe");
}
