//! Decisions held to what the API server does with a webhook's answer: the oracle below
//! is written from the API server's documented rules (the response's version and kind,
//! the uid echoed, no patch from a validating webhook, denial codes under 400 raised to
//! 400, warnings dropped for a control character, deduplicated, cut to 256 characters
//! once a request's warnings pass 4,096), and every response of these tests must pass it
//! with no warning lost or cut.

use super::*;
use serde_json::{Value, json};

/// What the user sees of a webhook's answer, as the API server makes it.
#[derive(Debug)]
struct Seen {
    allowed: bool,
    code: i64,
    message: String,
    warnings: Vec<String>,
}

fn api_server(uid: &str, body: &[u8]) -> Result<Seen, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    if v["apiVersion"] != "admission.k8s.io/v1" || v["kind"] != "AdmissionReview" {
        return Err(format!("expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got {v}"));
    }
    let r = v.get("response").filter(|r| r.is_object()).ok_or("webhook response was absent")?;
    if r["uid"] != uid {
        return Err(format!("expected response.uid={uid:?}, got {}", r["uid"]));
    }
    if r.get("patch").is_some() || r.get("patchType").is_some() {
        return Err("validating webhook may not return a patch".into());
    }
    let allowed = r["allowed"].as_bool().ok_or("allowed is not a boolean")?;
    let (mut code, mut message) = (200, String::new());
    if !allowed {
        code = r["status"]["code"].as_i64().unwrap_or(0).max(400);
        message = r["status"]["message"].as_str().unwrap_or("").to_string();
        if message.is_empty() {
            message = "denied the request without explanation".into();
        }
    }
    let mut warnings: Vec<String> = Vec::new();
    let mut total = 0;
    for w in r["warnings"].as_array().into_iter().flatten() {
        let w = w.as_str().ok_or("a warning is not a string")?;
        if w.chars().any(char::is_control) {
            return Err(format!("warning dropped by the API server (control character): {w:?}"));
        }
        if warnings.iter().any(|s| s == w) {
            return Err(format!("warning dropped by the API server (duplicate): {w:?}"));
        }
        total += w.chars().count();
        if total > 4096 {
            return Err(format!("warnings past 4,096 characters: the API server cuts them ({w:?})"));
        }
        warnings.push(w.to_string());
    }
    Ok(Seen { allowed, code, message, warnings })
}

fn review(operation: &str, namespace: &str, object: Value) -> Vec<u8> {
    let kind = object["kind"].as_str().unwrap_or("").to_string();
    let name = object["metadata"]["name"].as_str().unwrap_or("").to_string();
    serde_json::to_vec(&json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
            "kind": {"group": "apps", "version": "v1", "kind": kind},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "name": name,
            "namespace": namespace,
            "operation": operation,
            "userInfo": {"username": "admin"},
            "object": if operation == "DELETE" { Value::Null } else { object.clone() },
            "oldObject": if operation == "CREATE" { Value::Null } else { object },
            "dryRun": false
        }
    }))
    .unwrap()
}

const DIGEST: &str = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

/// A Deployment that passes every rule in every environment, with `change` applied to
/// its pod template's first container.
fn deployment(name: &str, change: impl FnOnce(&mut Value)) -> Value {
    let mut d = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": {"app": name, "environment": "prod"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "serviceAccountName": name,
                    "automountServiceAccountToken": false,
                    "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "app",
                        "image": format!("registry.example.com/shop/app@{DIGEST}"),
                        "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}},
                        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "200m", "memory": "256Mi", "ephemeral-storage": "1Gi"}},
                        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                        "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8080}}
                    }]
                }
            }
        }
    });
    change(&mut d["spec"]["template"]["spec"]["containers"][0]);
    d
}

fn gate(mode: Mode) -> Gate {
    Gate {
        config: Config::default(),
        policies: None,
        policies_only: false,
        mode,
        today: kubegate_engine::exemptions::parse_date("2026-06-01"),
    }
}

fn seen(gate: &Gate, body: &[u8]) -> (Decision, Seen) {
    let d = decide(gate, body).expect("a decision");
    let response = d.response.clone().expect("a response");
    let s = api_server("705ab4f5-6393-11e8-b7cc-42010a800002", &response).expect("the API server accepts the response");
    (d, s)
}

#[test]
fn a_compliant_deployment_is_allowed_in_every_environment() {
    for ns in ["shop-prod", "shop-staging", "shop-dev", "payments"] {
        let (d, s) = seen(&gate(Mode::Enforce), &review("CREATE", ns, deployment("api", |_| {})));
        assert!(s.allowed && s.warnings.is_empty(), "{ns}: {s:?} {:?}", d.findings);
        assert_eq!(d.outcome, "allowed");
    }
}

#[test]
fn deny_level_findings_deny_with_403_and_one_line_each_naming_the_resource() {
    let object = deployment("api", |c| {
        c["securityContext"]["privileged"] = json!(true);
        c["image"] = json!("nginx:latest");
    });
    let (d, s) = seen(&gate(Mode::Enforce), &review("CREATE", "shop-prod", object));
    assert!(!s.allowed);
    assert_eq!(s.code, 403);
    assert_eq!(d.environment.as_deref(), Some("prod"));
    assert_eq!(d.log["environment_reason"], "namespace `shop-prod` ends in `prod`");
    let lines: Vec<&str> = s.message.lines().collect();
    assert_eq!(
        lines,
        [
            "[image-tag-latest] Production deployment 'api' container 'app' must not use the :latest tag (image 'nginx:latest')",
            "[image-digest] Production deployment 'api' container 'app' must use SHA256 digest (image@sha256:...), not version tags",
            "[privileged] Production deployment 'api' container 'app' must not set securityContext.privileged: true",
        ],
        "{}",
        s.message
    );
}

#[test]
fn the_environment_comes_from_the_namespace_and_sets_the_levels() {
    let object = deployment("api", |c| c["image"] = json!("nginx:1.27"));
    // A mutable tag: denied in prod, a warning in staging, nothing in dev.
    let (_, prod) = seen(&gate(Mode::Enforce), &review("CREATE", "shop-prod", object.clone()));
    assert!(!prod.allowed);
    let (d, staging) = seen(&gate(Mode::Enforce), &review("CREATE", "shop-staging", object.clone()));
    assert!(staging.allowed, "{staging:?}");
    assert_eq!(d.environment.as_deref(), Some("staging"));
    assert_eq!(
        staging.warnings,
        ["[image-digest] deployment/api/app: must use SHA256 digest (image@sha256:...), not version tags"]
    );
    let (d, dev) = seen(&gate(Mode::Enforce), &review("UPDATE", "team-dev", object));
    assert!(dev.allowed && dev.warnings.is_empty(), "{dev:?}");
    assert_eq!(d.environment.as_deref(), Some("dev"));
}

#[test]
fn exempted_findings_are_warnings_with_their_expiry() {
    let mut object = deployment("api", |c| c["securityContext"]["readOnlyRootFilesystem"] = json!(false));
    object["metadata"]["annotations"] = json!({
        "policy-exemption": "vendor image writes to /var/cache",
        "exemption-expires": "2026-08-01",
        "exemption-issue": "https://github.com/org/app/issues/12",
        "exemption-rules": "read-only-root-filesystem"
    });
    let (_, s) = seen(&gate(Mode::Enforce), &review("CREATE", "shop-prod", object));
    assert!(s.allowed, "{s:?}");
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert!(
        s.warnings[0].starts_with("[read-only-root-filesystem] deployment/api/app: exempted until 2026-08-01: "),
        "{:?}",
        s.warnings
    );
}

#[test]
fn audit_mode_allows_and_warns_what_it_would_deny() {
    let object = deployment("api", |c| c["securityContext"]["privileged"] = json!(true));
    let (d, s) = seen(&gate(Mode::Audit), &review("CREATE", "shop-prod", object));
    assert!(s.allowed);
    assert_eq!(d.outcome, "audit");
    assert_eq!(
        s.warnings,
        ["[privileged] deployment/api/app: audit, would deny: must not set securityContext.privileged: true"]
    );
    assert_eq!(d.log["rules"], json!(["privileged"]));
}

#[test]
fn delete_connect_and_owned_pods_are_allowed_unjudged_and_dry_runs_are_judged() {
    let bad = deployment("api", |c| c["securityContext"]["privileged"] = json!(true));
    let (d, s) = seen(&gate(Mode::Enforce), &review("DELETE", "shop-prod", bad.clone()));
    assert!(s.allowed && d.outcome == "skipped", "{d:?}");
    let mut body: Value = serde_json::from_slice(&review("CREATE", "shop-prod", bad.clone())).unwrap();
    body["request"]["dryRun"] = json!(true);
    let (d, s) = seen(&gate(Mode::Enforce), &serde_json::to_vec(&body).unwrap());
    assert!(!s.allowed && d.log["dry_run"] == true);
    // A Pod a ReplicaSet controls.
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "api-7d9f-x", "ownerReferences": [
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "api-7d9f", "uid": "1", "controller": true}]}});
    pod["spec"] = bad["spec"]["template"]["spec"].clone();
    let (d, s) = seen(&gate(Mode::Enforce), &review("CREATE", "shop-prod", pod.clone()));
    assert!(s.allowed && d.outcome == "skipped", "{d:?}");
    assert_eq!(d.log["why"], "a Pod controlled by ReplicaSet api-7d9f is judged through its owner's template");
    // The same Pod bare is judged as it is.
    pod["metadata"].as_object_mut().unwrap().remove("ownerReferences");
    let (_, s) = seen(&gate(Mode::Enforce), &review("CREATE", "shop-prod", pod));
    assert!(!s.allowed);
    assert_eq!(
        s.message.lines().collect::<Vec<_>>(),
        [
            "[environment-label] Production pod 'api-7d9f-x' must have label environment: prod",
            "[privileged] Production pod 'api-7d9f-x' container 'app' must not set securityContext.privileged: true"
        ]
    );
}

#[test]
fn many_findings_are_capped_and_every_warning_arrives_whole() {
    // Forty containers each missing its probes and using a mutable tag, in staging.
    let mut object = deployment("api", |_| {});
    let template = object["spec"]["template"]["spec"]["containers"][0].clone();
    let containers: Vec<Value> = (0..40)
        .map(|i| {
            let mut c = template.clone();
            c["name"] = json!(format!("container-with-a-rather-long-name-{i}"));
            c["image"] = json!("registry.example.com/shop/app:1.0");
            c
        })
        .collect();
    object["spec"]["template"]["spec"]["containers"] = json!(containers);
    let (_, s) = seen(&gate(Mode::Enforce), &review("CREATE", "shop-staging", object));
    assert!(s.allowed);
    assert_eq!(s.warnings.len(), warnings::MAX_WARNINGS);
    assert!(s.warnings.iter().all(|w| w.chars().count() <= warnings::MAX_CHARS), "{:?}", s.warnings);
    assert_eq!(s.warnings[19], "… 21 more findings: run `kubegate test` on the manifest to see them all");
}

#[test]
fn the_same_manifest_gets_the_verdict_kubegate_test_gives() {
    let object = deployment("api", |c| {
        c["securityContext"]["privileged"] = json!(true);
        c["image"] = json!("nginx:1.27");
        c.as_object_mut().unwrap().remove("livenessProbe");
    });
    let config = Config::default();
    for (ns, env) in [("shop-prod", "prod"), ("shop-staging", "staging"), ("shop-dev", "dev")] {
        let (d, _) = seen(&gate(Mode::Enforce), &review("CREATE", ns, object.clone()));
        let text = serde_json::to_string(&object).unwrap();
        let ci = kubegate_engine::check_document(
            kubegate_engine::Document::Text(text.as_bytes()),
            env,
            None,
            &config,
            kubegate_engine::exemptions::parse_date("2026-06-01"),
        );
        // Every finding `kubegate test` gives, except those of rules that need other
        // resources (here, no PodDisruptionBudget and no NetworkPolicy beside it).
        let single: Vec<(String, Level)> = ci
            .findings
            .iter()
            .filter(|f| {
                kubegate_engine::rules::find(&f.rule)
                    .is_none_or(|r| !matches!(r.check, kubegate_engine::rules::Check::Bundle { .. }))
            })
            .map(|f| (f.rule.to_string(), f.level))
            .collect();
        assert_eq!(d.findings, single, "{env}");
        if env == "prod" {
            assert!(ci.findings.len() > single.len(), "some rules need other resources");
        }
    }
}

#[test]
fn bad_requests_say_what_is_wrong() {
    let cases: [(&[u8], &str); 7] = [
        (b"{not json", "the body is not an AdmissionReview: key must be a string at line 1 column 2"),
        (b"\xff", "the body is not UTF-8: invalid utf-8 sequence of 1 bytes from index 0"),
        (
            br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{}}"#,
            "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got admission.k8s.io/v1beta1 and AdmissionReview",
        ),
        (br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#, "the AdmissionReview has no `request`"),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}"#,
            "`request.uid` is missing",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","operation":"CREATE","object":null}}"#,
            "`request.object` is missing for CREATE",
        ),
        (
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"1","operation":"PATCH"}}"#,
            "unknown `request.operation` \"PATCH\"",
        ),
    ];
    for (body, message) in cases {
        assert_eq!(decide(&gate(Mode::Enforce), body).unwrap_err(), BadRequest(message.into()));
    }
    // Deeper than serde_json reads (128 levels): a bad request, not a stack overflow.
    let deep = format!(
        r#"{{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{{"uid":"1","operation":"CREATE","object":{{"a":{}1{}}}}}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let err = decide(&gate(Mode::Enforce), deep.as_bytes()).unwrap_err().0;
    assert_eq!(err, "`request.object` cannot be read: recursion limit exceeded at line 1 column 132");
}
