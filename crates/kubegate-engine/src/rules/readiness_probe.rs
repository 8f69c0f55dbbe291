use super::{Check, Ctx, Doc, Rule, levels};
use crate::finding::Level::{Deny, Warn};

pub static RULE: Rule = Rule {
    id: "readiness-probe",
    summary: "Every long-running container must define `readinessProbe`",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every regular container of a long-running workload (not Job or CronJob) must define `readinessProbe`. Init and ephemeral containers are not checked.",
        why: "Zero-downtime rolling updates: a pod receives traffic only once its readiness probe passes, and is taken out of the Service while it fails.",
        example: "containers:\n  - name: app\n    image: app:v1\n    livenessProbe:\n      httpGet: {path: /health, port: 8080}\n",
        fix: "```yaml\ncontainers:\n  - name: app\n    readinessProbe:\n      httpGet:\n        path: /ready\n        port: 8080\n      initialDelaySeconds: 30\n      periodSeconds: 10\n```",
        help: "define a readinessProbe (httpGet, tcpSocket, grpc or exec)",
        references: "[The policy: Health probes](../policy.md#health-probes) and [the environment matrix](../policy.md#the-environment-matrix).",
    },
    check: Check::Resource(check),
};

fn check(ctx: &mut Ctx<'_, '_>) {
    super::liveness_probe::check_probe(ctx, "readinessProbe");
}
