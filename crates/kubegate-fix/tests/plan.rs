//! Fixing a file: the repairs each rule declares are made in place, the result is
//! checked again and no longer reports what was repaired, the rest of the text stays as
//! written, and a second run changes nothing.

use kubegate_engine::{CheckOptions, Config, Outcome, Source, check};
use kubegate_fix::plan::{Options, fix_file};

const MANIFEST: &str = "\
# The web tier.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api   # public
  namespace: shop-prod
spec:
  replicas: 3
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels:
        app: api
    spec:
      volumes:
        - name: tmp
          emptyDir: {}
      containers:
        - name: app
          image: \"registry.example.com/api:1.4\"
          securityContext:
            # the app binds :80
            capabilities:
              add: [NET_BIND_SERVICE]
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
  namespace: shop-prod
spec:
  securityContext:
    runAsUser: 0
  containers:
    - {name: sh, image: busybox}
";

fn run(text: &str) -> Outcome {
    let source = Source {
        path: "deploy/app.yaml".into(),
        text: text.to_string(),
        walked: false,
        format: kubegate_engine::Format::Manifest,
    };
    let opts = CheckOptions { env: Some("prod".into()), ..CheckOptions::default() };
    check(std::slice::from_ref(&source), &Config::default(), &opts)
}

fn rules(o: &Outcome) -> Vec<(String, String)> {
    o.findings.iter().map(|f| (f.rule.to_string(), f.path.to_string())).collect()
}

#[test]
fn the_safe_repairs_are_made_in_place_and_the_check_no_longer_reports_them() {
    let before = run(MANIFEST);
    let findings: Vec<_> = before.findings.iter().collect();
    let fixed = fix_file(MANIFEST, &findings, &before.resources, &Options::default());
    let made: Vec<(&str, &str, &str)> =
        fixed.repaired.iter().map(|r| (r.rule.as_str(), r.path.as_str(), r.what.as_str())).collect();
    assert_eq!(
        made,
        [
            ("environment-label", "metadata.labels.environment", "prod"),
            ("seccomp-profile", "spec.template.spec.securityContext.seccompProfile.type", "RuntimeDefault"),
            ("emptydir-size-limit", "spec.template.spec.volumes[0].emptyDir.sizeLimit", "1Gi"),
            (
                "allow-privilege-escalation",
                "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
                "false"
            ),
            ("capabilities-drop-all", "spec.template.spec.containers[0].securityContext.capabilities.drop", "[ALL]"),
            ("environment-label", "metadata.labels.environment", "prod"),
            ("seccomp-profile", "spec.securityContext.seccompProfile.type", "RuntimeDefault"),
            ("allow-privilege-escalation", "spec.containers[0].securityContext.allowPrivilegeEscalation", "false"),
            ("capabilities-drop-all", "spec.containers[0].securityContext.capabilities.drop", "[ALL]"),
        ],
        "{}",
        fixed.after
    );
    // The unsafe ones wait for --unsafe-fixes; runAsUser 0 is someone's choice.
    let waiting: Vec<(&str, &str)> = fixed.not_repaired.iter().map(|n| (n.rule.as_str(), n.why.as_str())).collect();
    assert!(
        waiting.contains(&(
            "run-as-non-root",
            "needs --unsafe-fixes: the kubelet refuses to start a container whose image runs as root"
        )),
        "{waiting:?}"
    );
    assert!(fixed.manual.iter().any(|m| m.rule == "liveness-probe"));
    // The text: comments, quotes, flow style kept; only what the repairs need changed.
    assert!(fixed.after.starts_with("# The web tier.\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  labels:\n    environment: prod\n  name: api   # public\n"), "{}", fixed.after);
    assert!(fixed.after.contains("          emptyDir: {sizeLimit: 1Gi}\n"), "{}", fixed.after);
    assert!(
        fixed.after.contains(
            "            allowPrivilegeEscalation: false\n            # the app binds :80\n            capabilities:\n              drop: [ALL]\n              add: [NET_BIND_SERVICE]\n"
        ),
        "{}",
        fixed.after
    );
    assert!(
        fixed.after.contains("    - {securityContext: {capabilities: {drop: [ALL]}, allowPrivilegeEscalation: false}, name: sh, image: busybox}\n"),
        "{}",
        fixed.after
    );
    assert!(fixed.after.contains("image: \"registry.example.com/api:1.4\""));
    // Checked again: nothing repaired is reported.
    let after = run(&fixed.after);
    let left = rules(&after);
    for r in &fixed.repaired {
        assert!(!left.contains(&(r.rule.clone(), r.path.clone())), "{} {} still reported", r.rule, r.path);
    }
    // A second run changes nothing.
    let findings: Vec<_> = after.findings.iter().collect();
    let again = fix_file(&fixed.after, &findings, &after.resources, &Options::default());
    assert_eq!(again.after, fixed.after);
    assert!(again.repaired.is_empty());
}

#[test]
fn unsafe_repairs_are_made_when_asked_and_a_value_someone_set_is_left() {
    let before = run(MANIFEST);
    let findings: Vec<_> = before.findings.iter().collect();
    let opts = Options {
        unsafe_fixes: true,
        rules: vec!["run-as-user".into(), "run-as-non-root".into()],
        ..Options::default()
    };
    let fixed = fix_file(MANIFEST, &findings, &before.resources, &opts);
    let made: Vec<(&str, &str)> = fixed.repaired.iter().map(|r| (r.rule.as_str(), r.path.as_str())).collect();
    assert_eq!(
        made,
        [
            ("run-as-non-root", "spec.template.spec.securityContext.runAsNonRoot"),
            ("run-as-user", "spec.template.spec.securityContext.runAsUser"),
            ("run-as-non-root", "spec.securityContext.runAsNonRoot"),
        ]
    );
    let left: Vec<(&str, &str)> = fixed.not_repaired.iter().map(|r| (r.rule.as_str(), r.why.as_str())).collect();
    assert_eq!(left, [("run-as-user", "left as set (0)")]);
}
