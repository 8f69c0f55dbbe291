use super::{Check, Ctx, Doc, Repair, Rule, levels};
use crate::finding::Level::{Deny, Warn};

pub static RULE: Rule = Rule {
    id: "liveness-probe",
    summary: "Every long-running container must define `livenessProbe`",
    levels: levels(Warn, Warn, Deny),
    params: &[],
    doc: Doc {
        what: "Every regular container of a long-running workload (not Job or CronJob) must define \
            `livenessProbe`. Init and ephemeral containers are not checked: they run to \
            completion or are not restarted.",
        why: "Automatic recovery from hung processes: the kubelet restarts a container whose \
            liveness probe fails.",
        example: r#"containers:
  - name: app
    image: app:v1
"#,
        fix: r#"```yaml
containers:
  - name: app
    livenessProbe:
      httpGet:
        path: /health
        port: 8080
      initialDelaySeconds: 60
      periodSeconds: 30
```"#,
        help: "define a livenessProbe (httpGet, tcpSocket, grpc or exec)",
        references: "[The policy: Health probes](../policy.md#health-probes) and [the environment \
            matrix](../policy.md#the-environment-matrix).",
    },
    repair: Repair::Manual,
    check: Check::Resource(check),
    pss: None,
};

pub(super) fn check_probe(ctx: &mut Ctx<'_, '_>, probe: &str) {
    let Some(pod) = &ctx.res.pod else { return };
    if !crate::resources::is_long_running(ctx.res.kind) {
        return;
    }
    for c in pod.containers.iter().filter(|c| c.kind == crate::resources::ContainerKind::Regular) {
        if c.get(probe).is_none() {
            let message = format!("{} must define {probe}", ctx.container_subject(c));
            ctx.emit_container(c, probe, message);
        }
    }
}

fn check(ctx: &mut Ctx<'_, '_>) {
    check_probe(ctx, "livenessProbe");
}
