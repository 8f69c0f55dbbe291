//! Cell states from real manifests checked by the engine, and the escaping of input text
//! in both formats.

use super::*;
use kubegate_engine::exemptions::parse_date;
use kubegate_engine::{CheckOptions, Source, check};
use std::path::Path;

/// A Deployment that passes every production rule the checklist names (given a
/// NetworkPolicy and its ServiceAccount), with extra pod-spec lines after `spec:`.
fn deployment(name: &str, annotations: &str, pod_extra: &str, container_extra: &str) -> String {
    format!(
        "apiVersion: apps/v1
kind: Deployment
metadata:
  name: \"{name}\"
  namespace: shop
  labels: {{app: web, environment: prod}}
  annotations: {{{annotations}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      serviceAccountName: web
      automountServiceAccountToken: false
      securityContext: {{runAsNonRoot: true, runAsUser: 1000, seccompProfile: {{type: RuntimeDefault}}}}
{pod_extra}      containers:
        - name: app
          image: ghcr.io/acme/web@sha256:3f0c1e7a9b2d4c6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e
          securityContext:
            allowPrivilegeEscalation: false
            capabilities: {{drop: [ALL]}}
{container_extra}          resources:
            requests: {{cpu: 100m, memory: 128Mi}}
            limits: {{cpu: 200m, memory: 256Mi, ephemeral-storage: 1Gi}}
          livenessProbe: {{httpGet: {{path: /, port: 80}}}}
          readinessProbe: {{httpGet: {{path: /, port: 80}}}}
"
    )
}

const READ_ONLY: &str = "            readOnlyRootFilesystem: true\n";

const SURROUNDINGS: &str = "apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress, Egress]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
";

struct Judged {
    outcome: Outcome,
    config: Config,
}

impl Judged {
    fn new(config: &str, env: &str, docs: &[&str]) -> Judged {
        let config = Config::parse(config, Path::new("kubegate.yaml"), None).expect("valid config");
        let text = docs.join("---\n");
        let src = Source { path: "app.yaml".into(), text, walked: false, format: kubegate_engine::Format::Manifest };
        let opts = CheckOptions { env: Some(env.into()), today: parse_date("2026-12-01"), ..CheckOptions::default() };
        let outcome = check(&[src], &config, &opts);
        assert!(outcome.errors.is_empty(), "{:?}", outcome.errors);
        Judged { outcome, config }
    }

    /// The first workload's cell for an item: state, notes, and `rule line` of its findings.
    fn cell(&self, item: &str) -> (State, Vec<String>, Vec<String>) {
        let report = judge(&self.outcome, &self.config);
        let i = ITEMS.iter().position(|it| it.id == item).unwrap();
        let c = &report.environments[0].rows[0].cells[i];
        let found = c
            .findings
            .iter()
            .map(|&f| format!("{} {}", self.outcome.findings[f].rule, self.outcome.findings[f].line))
            .collect();
        (c.state, c.notes.clone(), found)
    }

    fn markdown(&self) -> String {
        let mut out = Vec::new();
        markdown(&judge(&self.outcome, &self.config), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn html(&self) -> String {
        let mut out = Vec::new();
        html(&judge(&self.outcome, &self.config), &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }
}

#[test]
fn a_compliant_workload_passes_what_rules_check_and_leaves_the_rest_to_a_person() {
    let j = Judged::new(
        "trusted_registries: [ghcr.io/acme/]\n",
        "prod",
        &[&deployment("web", "", "", READ_ONLY), SURROUNDINGS],
    );
    let states: Vec<State> = (0..ITEMS.len()).map(|i| j.cell(ITEMS[i].id).0).collect();
    use State::*;
    assert_eq!(
        states,
        [Passed, Passed, Passed, Passed, Passed, Passed, Passed, Passed, ToConfirm, Passed, ToConfirm, ToConfirm]
    );
    assert_eq!(j.cell("pod-security-standards").1, ["Namespace 'shop' is not among the inputs"]);
    let report = judge(&j.outcome, &j.config);
    assert_eq!(report.environments[0].verdict(false), Verdict::Pending);
    assert_eq!(report.environments[0].verdict(true), Verdict::NotReady);
}

#[test]
fn a_failed_cell_names_its_findings() {
    let j = Judged::new("", "prod", &[&deployment("web", "", "", ""), SURROUNDINGS]);
    let (state, _, found) = j.cell("read-only-root-filesystem");
    assert_eq!(state, State::Failed);
    assert_eq!(found, ["read-only-root-filesystem 21"]);
    let md = j.markdown();
    assert!(md.contains("| ✘ failed [\\[1\\]](#f1) |"), "{md}");
    assert!(md.contains(
        "1. <a id=\"f1\"></a>`app.yaml:21` **read-only-root-filesystem** ✘ deny — Production deployment 'web' container 'app' must set securityContext.readOnlyRootFilesystem: true\n"
    ), "{md}");
    assert!(md.contains("| **Verdict** | **✘ not ready** |"), "{md}");
}

#[test]
fn an_exempted_finding_passes_with_its_exemption_named() {
    let annotations = "policy-exemption: \"Vendor image writes to /var/cache\", exemption-expires: \"2026-12-20\", \
        exemption-issue: \"https://example.com/issues/4\", exemption-rules: read-only-root-filesystem";
    let j = Judged::new("", "prod", &[&deployment("web", annotations, "", ""), SURROUNDINGS]);
    let (state, _, found) = j.cell("read-only-root-filesystem");
    assert_eq!(state, State::Exempted);
    assert_eq!(found, ["read-only-root-filesystem 21"]);
    let md = j.markdown();
    assert!(md.contains("✔ passed with exemption [\\[1\\]](#f1)"), "{md}");
    assert!(
        md.contains("✔ exempted until 2026-12-20 (19 days left; it would deny): Vendor image writes to /var/cache (https://example.com/issues/4)"),
        "{md}"
    );
}

#[test]
fn a_rule_off_in_the_environment_is_not_checked_never_passed() {
    // network-policy is off in dev; ephemeral-storage-limit too, so resource limits are partly checked.
    let j = Judged::new("", "dev", &[&deployment("web", "", "", READ_ONLY), SURROUNDINGS]);
    assert_eq!(j.cell("network-policies"), (State::NotChecked, vec!["network-policy is off".into()], vec![]));
    assert_eq!(
        j.cell("resource-limits"),
        (State::PartlyChecked, vec!["ephemeral-storage-limit is off".into()], vec![])
    );
    // Turned off in the config, in prod.
    let j = Judged::new(
        "rules:\n  read-only-root-filesystem:\n    levels: {prod: off}\n",
        "prod",
        &[&deployment("web", "", "", ""), SURROUNDINGS],
    );
    assert_eq!(j.cell("read-only-root-filesystem").0, State::NotChecked);
    // No trusted registries configured: the rule cannot judge anything.
    assert_eq!(
        j.cell("trusted-registry"),
        (State::NotChecked, vec!["trusted-registry has no trusted_registries in the config".into()], vec![])
    );
    assert!(j.markdown().contains("– not checked in prod<br>read-only-root-filesystem is off |"));
}

#[test]
fn items_about_containers_do_not_apply_to_a_pod_without_any() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: empty, namespace: shop}\nspec:\n  containers: []\n";
    let j = Judged::new("", "prod", &[pod]);
    assert_eq!(j.cell("non-root"), (State::NotApplicable, vec!["no containers".into()], vec![]));
    assert_eq!(j.cell("network-policies").0, State::Failed);
}

#[test]
fn monitors_that_select_the_pods_are_evidence_of_monitoring() {
    let base = [deployment("web", "", "", READ_ONLY), SURROUNDINGS.to_string()];
    let pod_monitor = |labels: &str| {
        format!(
            "apiVersion: monitoring.coreos.com/v1\nkind: PodMonitor\nmetadata: {{name: web, namespace: shop}}\nspec:\n  selector: {{matchLabels: {{{labels}}}}}\n"
        )
    };
    fn docs<'a>(base: &'a [String], extra: &[&'a str]) -> Vec<&'a str> {
        base.iter().map(String::as_str).chain(extra.iter().copied()).collect()
    }
    let j = Judged::new("", "prod", &docs(&base, &[&pod_monitor("app: web")]));
    assert_eq!(j.cell("monitoring"), (State::Passed, vec!["PodMonitor 'web' (app.yaml:48)".into()], vec![]));
    // A monitor of other pods is not evidence.
    let j = Judged::new("", "prod", &docs(&base, &[&pod_monitor("app: other")]));
    assert_eq!(j.cell("monitoring").0, State::ToConfirm);
    // A ServiceMonitor selects a Service that selects the pods.
    let service = "apiVersion: v1\nkind: Service\nmetadata: {name: web-svc, namespace: shop, labels: {team: a}}\nspec:\n  selector: {app: web}\n";
    let service_monitor = "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: sm, namespace: obs}\nspec:\n  namespaceSelector: {matchNames: [shop]}\n  selector: {matchLabels: {team: a}}\n";
    let j = Judged::new("", "prod", &docs(&base, &[service, service_monitor]));
    assert_eq!(
        j.cell("monitoring"),
        (State::Passed, vec!["ServiceMonitor 'sm' (app.yaml:54) through Service 'web-svc'".into()], vec![])
    );
    // The same ServiceMonitor looking only in its own namespace does not see the Service.
    let own = service_monitor.replace("  namespaceSelector: {matchNames: [shop]}\n", "");
    let j = Judged::new("", "prod", &docs(&base, &[service, &own]));
    assert_eq!(j.cell("monitoring").0, State::ToConfirm);
}

#[test]
fn evidence_declared_in_the_config_is_shown_with_where_it_is_declared() {
    let config = "report:
  evidence:
    vulnerability-scanning:
      - evidence: https://scanner.example.com/reports/web
        note: no critical findings
        name: \"w*\"
      - evidence: https://scanner.example.com/reports/other
        name: other
";
    let j = Judged::new(config, "prod", &[&deployment("web", "", "", READ_ONLY), SURROUNDINGS]);
    assert_eq!(j.cell("vulnerability-scanning").0, State::Declared);
    let report = judge(&j.outcome, &j.config);
    let i = ITEMS.iter().position(|it| it.id == "vulnerability-scanning").unwrap();
    assert_eq!(
        report.environments[0].rows[0].cells[i].declared,
        [Declared {
            evidence: "https://scanner.example.com/reports/web".into(),
            url: true,
            note: Some("no critical findings".into()),
            at: "kubegate.yaml:4".into(),
        }]
    );
    assert!(j.html().contains("<small><a href=\"https://scanner.example.com/reports/web\">https://scanner.example.com/reports/web</a>: no critical findings (kubegate.yaml:4)</small>"));
}

#[test]
fn namespace_secrets_and_roles_count_for_the_workloads_they_concern() {
    let pod_extra = "      volumes: [{name: s, secret: {secretName: creds}}]\n";
    let namespace = "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n";
    let secret = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Secret\nmetadata: {{name: {name}, namespace: shop}}\ndata: {{password: aHVudGVyMg==}}\n"
        )
    };
    let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: all, namespace: shop}\nrules:\n  - apiGroups: [\"\"]\n    resources: [\"*\"]\n    verbs: [get]\n";
    let binding = "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: web-all, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: all}\nsubjects: [{kind: ServiceAccount, name: web}]\n";
    let d = deployment("web", "", pod_extra, READ_ONLY);
    let (creds, unused) = (secret("creds"), secret("unused"));
    let j = Judged::new("", "prod", &[&d, SURROUNDINGS, namespace, &creds, &unused, role, binding]);
    let (state, _, found) = j.cell("pod-security-standards");
    assert_eq!((state, found.len()), (State::Failed, 3));
    assert!(found.iter().all(|f| f.starts_with("namespace-pod-security ")), "{found:?}");
    assert_eq!(j.cell("secrets-externalized"), (State::Failed, vec![], vec!["secret-in-manifest 56".into()]));
    assert_eq!(j.cell("service-account").0, State::Failed);
    assert_eq!(j.cell("service-account").2, ["rbac-wildcard 68"]);
    // The Secret no pod reads is listed, not dropped.
    let report = judge(&j.outcome, &j.config);
    let unrelated: Vec<String> = report.unrelated.iter().map(|&f| j.outcome.findings[f].rule.to_string()).collect();
    assert_eq!(unrelated, ["secret-in-manifest"]);
    assert!(j.markdown().contains("Findings \\[6\\] are on resources no workload among the inputs relates to"));
}

#[test]
fn input_text_cannot_become_markup() {
    let j = Judged::new("", "prod", &[&deployment("<script>alert(1)</script>|x", "", "", READ_ONLY), SURROUNDINGS]);
    let html = j.html();
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains(
        "<tr><th scope=\"row\">Deployment &lt;script&gt;alert(1)&lt;/script&gt;|x<small>shop · app.yaml:1</small></th>"
    ));
    let md = j.markdown();
    assert!(md.contains("| **Deployment &lt;script&gt;alert(1)&lt;/script&gt;\\|x**<br>shop · `app.yaml:1` |"), "{md}");
    assert!(!md.contains("<script"));
    assert_eq!(html::escape("a&b\"'\u{1b}"), "a&amp;b&quot;&#39;\\u{1b}");
    assert_eq!(markdown::escape("a|b*c_[d]\nnew"), "a\\|b\\*c\\_\\[d\\] new");
}
