//! Exemptions end to end through the engine: the governance settings of `kubegate.yaml`,
//! central exemptions, config mistakes, and exempting findings of every kind. Every check
//! fixes today's date, so no result depends on the day the tests run.

use kubegate_engine::exemptions::{self, State, parse_date};
use kubegate_engine::{CheckOptions, Config, ExemptionRecord, Finding, Outcome, Source, check};
use std::path::Path;

fn config(text: &str) -> Config {
    Config::parse(text, Path::new("kubegate.yaml"), None).unwrap_or_else(|e| panic!("invalid config: {e:?}"))
}

fn run(config_text: &str, manifest: &str, env: &str, today: &str) -> Outcome {
    let src = Source {
        path: "m.yaml".into(),
        text: manifest.into(),
        walked: false,
        format: kubegate_engine::Format::Manifest,
    };
    let opts =
        CheckOptions { env: Some(env.into()), today: Some(parse_date(today).unwrap()), ..CheckOptions::default() };
    let out = check(&[src], &config(config_text), &opts);
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out
}

/// `file:line:col rule level message` of the findings of `rules`; an exempted finding's
/// level reads `exempted`.
fn brief(out: &Outcome, rules: &[&str]) -> Vec<String> {
    out.findings
        .iter()
        .filter(|f| rules.contains(&&*f.rule))
        .map(|f| {
            let level = if f.exemption.is_some() { "exempted" } else { f.level.as_str() };
            format!("{}:{}:{} {} {level} {}", f.file, f.line, f.column, f.rule, f.message)
        })
        .collect()
}

/// A Pod whose only findings in every environment are the pod-level hardening ones and
/// `image-digest` (a version tag), exempted by annotations for `rules`.
fn pod(name: &str, rules: &str, expires: &str, issue: &str) -> String {
    format!(
        "apiVersion: v1
kind: Pod
metadata:
  name: {name}
  annotations:
    policy-exemption: \"Root until the base image moves\"
    exemption-expires: \"{expires}\"
    exemption-issue: \"{issue}\"
    exemption-rules: \"{rules}\"
spec:
  containers:
    - name: app
      image: ghcr.io/acme/app:v1
"
    )
}

const ISSUE: &str = "https://github.com/acme/app/issues/12";

#[test]
fn not_exemptible_rules_are_invalid_in_their_environment_only() {
    let cfg = "exemptions:\n  not_exemptible:\n    prod: [run-as-non-root]\n";
    let manifest = pod("app", "run-as-non-root", "2026-06-20", ISSUE);
    let prod = run(cfg, &manifest, "prod", "2026-06-01");
    assert_eq!(
        brief(&prod, &["invalid-exemption", "run-as-non-root"]),
        [
            "m.yaml:9:22 invalid-exemption deny Production pod 'app' exemption is invalid: 'run-as-non-root' cannot be exempted in prod (exemptions.not_exemptible.prod in kubegate.yaml); its findings stand",
            "m.yaml:10:1 run-as-non-root deny Production pod 'app' must set securityContext.runAsNonRoot: true",
        ]
    );
    assert_eq!(prod.exemptions[0].state, State::Invalid);
    let staging = run(cfg, &manifest, "staging", "2026-06-01");
    assert_eq!(
        brief(&staging, &["invalid-exemption", "run-as-non-root"]),
        ["m.yaml:10:1 run-as-non-root exempted Staging pod 'app' must set securityContext.runAsNonRoot: true"]
    );
    assert_eq!(staging.exemptions[0].state, State::Active);
}

#[test]
fn the_issue_must_match_the_whole_pattern() {
    let cfg = "exemptions:\n  issue_pattern: 'https://github\\.com/acme/[a-z]+/issues/\\d+'\n";
    let cases = [
        ("https://github.com/acme/app/issues/12", true),
        ("https://github.com/acme/app/issues/12#comment", false),
        ("see https://github.com/acme/app/issues/12", false),
        ("https://github.com/other/app/issues/12", false),
        ("https://github.com/acme/app/pull/12", false),
        ("https://github.com/acme/app/issues/", false),
    ];
    for (issue, ok) in cases {
        let out = run(cfg, &pod("app", "image-digest", "2026-06-30", issue), "prod", "2026-06-01");
        let got = brief(&out, &["invalid-exemption", "image-digest"]);
        if ok {
            assert_eq!(
                got,
                [
                    "m.yaml:13:14 image-digest exempted Production pod 'app' container 'app' must use SHA256 digest (image@sha256:...), not version tags"
                ],
                "{issue}"
            );
        } else {
            assert_eq!(got.len(), 2, "{issue}: {got:#?}");
            assert_eq!(
                got[0],
                format!(
                    "m.yaml:8:22 invalid-exemption deny Production pod 'app' exemption is invalid: exemption-issue '{issue}' does not match issue_pattern 'https://github\\.com/acme/[a-z]+/issues/\\d+' in kubegate.yaml; its findings stand"
                ),
                "{issue}"
            );
            assert!(got[1].contains(" image-digest deny "), "{issue}: the finding stands");
        }
    }
}

fn state_on(cfg: &str, expires: &str, today: &str) -> (State, Vec<String>) {
    let out = run(cfg, &pod("app", "image-digest", expires, ISSUE), "prod", today);
    assert_eq!(out.exemptions.len(), 1);
    let e = &out.exemptions[0];
    (e.state, e.problems.clone())
}

#[test]
fn max_days_and_warn_days_come_from_the_config() {
    // Defaults: 90 and 14.
    assert_eq!(state_on("", "2026-08-30", "2026-06-01").0, State::Active);
    assert_eq!(
        state_on("", "2026-08-31", "2026-06-01"),
        (State::Invalid, vec!["exemption-expires 2026-08-31 is 91 days away, more than max_days (90) allows".into()])
    );
    assert_eq!(state_on("", "2026-06-15", "2026-06-01").0, State::Expiring);
    assert_eq!(state_on("", "2026-06-16", "2026-06-01").0, State::Active);
    // Configured.
    let cfg = "exemptions:\n  max_days: 30\n  warn_days: 0\n";
    assert_eq!(state_on(cfg, "2026-07-01", "2026-06-01").0, State::Active);
    assert_eq!(state_on(cfg, "2026-07-02", "2026-06-01").0, State::Invalid);
    assert_eq!(state_on(cfg, "2026-06-02", "2026-06-01").0, State::Active, "warn_days 0: only the last day warns");
    assert_eq!(state_on(cfg, "2026-06-01", "2026-06-01").0, State::Expiring);
    assert_eq!(state_on(cfg, "2026-05-31", "2026-06-01").0, State::Expired);
    // max_days 0: nothing but an exemption ending today.
    let cfg = "exemptions:\n  max_days: 0\n";
    assert_eq!(state_on(cfg, "2026-06-02", "2026-06-01").0, State::Invalid);
    assert_eq!(state_on(cfg, "2026-06-01", "2026-06-01").0, State::Expiring);
}

#[test]
fn days_left_cross_months_years_and_leap_days() {
    for (today, expires, days) in [
        ("2028-02-28", "2028-03-01", 2),
        ("2027-02-28", "2027-03-01", 1),
        ("2026-12-31", "2027-01-01", 1),
        ("2026-01-31", "2026-03-01", 29),
        ("2027-12-01", "2028-02-29", 90),
    ] {
        let out = run("", &pod("app", "image-digest", expires, ISSUE), "prod", today);
        assert_eq!(out.exemptions[0].days_left, Some(days), "{today} → {expires}");
        let exempted = out.findings.iter().find(|f| f.rule == "image-digest").unwrap().exemption.clone().unwrap();
        assert_eq!(exempted.days_left, Some(days));
    }
}

#[test]
fn an_invalid_exemption_is_not_also_reported_expired() {
    let manifest = pod("app", "image-digets", "2026-05-01", ISSUE);
    let out = run("", &manifest, "prod", "2026-06-01");
    assert_eq!(
        brief(&out, &["invalid-exemption", "expired-exemption"]),
        [
            "m.yaml:9:22 invalid-exemption deny Production pod 'app' exemption is invalid: exemption-rules names unknown rule 'image-digets' (`kubegate rules` lists them); its findings stand"
        ]
    );
    assert_eq!((out.exemptions[0].state, out.exemptions[0].days_left), (State::Invalid, Some(-31)));
}

#[test]
fn turning_an_exemption_rule_off_silences_it_but_never_exempts() {
    let cfg = "rules:\n  invalid-exemption:\n    level: off\n";
    let out = run(cfg, &pod("app", "image-digest", "2026-02-30", ISSUE), "prod", "2026-01-10");
    assert_eq!(
        brief(&out, &["invalid-exemption", "image-digest"]),
        [
            "m.yaml:13:14 image-digest deny Production pod 'app' container 'app' must use SHA256 digest (image@sha256:...), not version tags"
        ]
    );
    assert_eq!(out.exemptions[0].state, State::Invalid);
}

const REPLICATED: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: backend
  labels: {app: backend}
  annotations:
    policy-exemption: \"Single instance until the lock is distributed\"
    exemption-expires: \"2026-07-01\"
    exemption-issue: \"https://github.com/acme/app/issues/7\"
    exemption-rules: \"replicas\"
spec:
  replicas: 1
  template:
    metadata:
      labels: {app: backend}
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:v1
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
  annotations:
    policy-exemption: \"PDB arrives with the chart split\"
    exemption-expires: \"2026-06-10\"
    exemption-issue: \"https://github.com/acme/app/issues/8\"
    exemption-rules: \"pod-disruption-budget\"
spec:
  replicas: 3
  template:
    metadata:
      labels: {app: worker}
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:v1
";

#[test]
fn cross_resource_findings_are_exempted_too() {
    let out = run("", REPLICATED, "prod", "2026-06-01");
    assert_eq!(
        brief(&out, &["replicas", "pod-disruption-budget"]),
        [
            "m.yaml:12:13 replicas exempted Production deployment 'backend' must have replicas >= 2 for HA",
            "m.yaml:34:7 pod-disruption-budget exempted Production deployment 'worker' should have a PodDisruptionBudget selecting its pods (app=worker)",
        ]
    );
    let e = out.findings.iter().find(|f| f.rule == "replicas").unwrap().exemption.clone().unwrap();
    assert_eq!(
        (
            e.reason.as_str(),
            e.expires.as_deref().unwrap_or(""),
            e.issue.as_deref().unwrap_or(""),
            e.days_left.unwrap_or(i64::MIN),
            e.state
        ),
        (
            "Single instance until the lock is distributed",
            "2026-07-01",
            "https://github.com/acme/app/issues/7",
            30,
            State::Active
        )
    );
    assert_eq!((e.file.as_ref(), e.line), ("m.yaml", 7));
}

#[test]
fn allow_single_replica_stays_the_permanent_exception_for_replicas_only() {
    let manifest = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: debug
  labels: {allow-single-replica: \"true\"}
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: app
          image: ghcr.io/acme/app:v1
";
    let out = run("", manifest, "prod", "2026-06-01");
    assert!(brief(&out, &["replicas"]).is_empty());
    assert!(out.exemptions.is_empty(), "the label is not an exemption");
    assert!(out.findings.iter().all(|f| f.exemption.is_none()));
    assert_eq!(brief(&out, &["image-digest"]).len(), 1);
}

#[test]
fn rego_rule_ids_in_annotations_exempt_rego_findings() {
    let out = run("", &pod("app", "main.deny_replicas", "2026-06-30", ISSUE), "prod", "2026-06-01");
    assert!(brief(&out, &["invalid-exemption"]).is_empty(), "a Rego id is accepted");
    let record = &out.exemptions[0];
    assert_eq!((record.state, record.rules.clone()), (State::Active, vec!["main.deny_replicas".to_string()]));
    // A Rego policy's finding on the same resource, as the Rego stage will emit it.
    let built_in = out.findings.iter().find(|f| f.rule == "image-digest").unwrap().clone();
    let rego = Finding { rule: "main.deny_replicas".into(), exemption: None, ..built_in.clone() };
    let other_rego = Finding { rule: "main.deny_latest".into(), exemption: None, ..built_in.clone() };
    let mut findings = vec![rego, other_rego, Finding { exemption: None, ..built_in }];
    exemptions::apply(&mut findings, &out.exemptions);
    assert_eq!(findings[0].exemption.as_ref().and_then(|e| e.issue.as_deref()), Some(ISSUE));
    assert!(findings[1].exemption.is_none());
    assert!(findings[2].exemption.is_none(), "image-digest is not listed");
}

const CENTRAL: &str = "exemptions:
  central:
    - kind: Deployment
      namespace: \"vendor-*\"
      name: \"agent-*\"
      rules: [image-digest, main.deny_root]
      reason: \"Vendor chart\"
      issue: \"https://github.com/acme/platform/issues/42\"
      expires: \"2026-07-01\"
";

fn deployment(kind: &str, namespace: Option<&str>, name: &str) -> String {
    let ns = namespace.map(|n| format!("  namespace: {n}\n")).unwrap_or_default();
    format!(
        "apiVersion: apps/v1\nkind: {kind}\nmetadata:\n  name: {name}\n{ns}spec:\n  replicas: 2\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/acme/app:v1\n"
    )
}

fn resource_names(records: &[ExemptionRecord]) -> Vec<String> {
    records.iter().map(|r| r.resource.as_ref().and_then(|r| r.name.clone()).unwrap_or("-".into())).collect()
}

#[test]
fn central_exemptions_match_kind_namespace_and_name_globs() {
    let manifest = [
        deployment("Deployment", Some("vendor-a"), "agent-1"),
        deployment("Deployment", Some("vendor-a"), "web"),
        deployment("StatefulSet", Some("vendor-a"), "agent-2"),
        deployment("Deployment", Some("team-a"), "agent-3"),
        deployment("Deployment", None, "agent-4"),
        deployment("Deployment", Some("vendor-b"), "agent-5"),
    ]
    .join("---\n");
    let out = run(CENTRAL, &manifest, "prod", "2026-06-01");
    let exempted: Vec<&str> = out
        .findings
        .iter()
        .filter(|f| f.rule == "image-digest" && f.exemption.is_some())
        .map(|f| f.resource.name.as_deref().unwrap())
        .collect();
    assert_eq!(exempted, ["agent-1", "agent-5"]);
    assert_eq!(out.findings.iter().filter(|f| f.rule == "image-digest" && f.exemption.is_none()).count(), 4);
    let e = out.findings.iter().find(|f| f.exemption.is_some()).unwrap().exemption.clone().unwrap();
    assert_eq!((e.file.as_ref(), e.line, e.source), ("kubegate.yaml", 3, exemptions::Origin::Config));
    // Listed once per resource it matches.
    assert_eq!(resource_names(&out.exemptions), ["agent-1", "agent-5"]);
    assert!(out.exemptions.iter().all(|r| r.state == State::Active && &*r.file == "kubegate.yaml" && r.line == 3));
}

#[test]
fn namespace_and_kind_default_to_every_one() {
    let cfg = "exemptions:
  central:
    - name: legacy
      rules: [image-digest]
      reason: \"Legacy\"
      issue: \"https://github.com/acme/platform/issues/1\"
      expires: \"2026-07-01\"
";
    let manifest = [
        deployment("Deployment", Some("a"), "legacy"),
        deployment("StatefulSet", None, "legacy"),
        deployment("Deployment", Some("a"), "modern"),
    ]
    .join("---\n");
    let out = run(cfg, &manifest, "prod", "2026-06-01");
    assert_eq!(resource_names(&out.exemptions), ["legacy", "legacy"]);
}

#[test]
fn central_exemption_findings_point_into_the_config_file() {
    let cfg = "exemptions:
  issue_pattern: 'https://github\\.com/acme/.*'
  not_exemptible:
    prod: [main.deny_root]
  central:
    - kind: Deployment
      namespace: \"vendor-*\"
      name: \"agent-*\"
      rules: [image-digest, main.deny_root]
      reason: \"Vendor chart\"
      issue: \"https://jira.example/ACME-1\"
      expires: \"2026-07-01\"
    - name: agent-1
      rules: [resource-limits]
      reason: \"Vendor chart\"
      issue: \"https://github.com/acme/platform/issues/43\"
      expires: \"2026-05-31\"
";
    let manifest = deployment("Deployment", Some("vendor-a"), "agent-1");
    let out = run(cfg, &manifest, "prod", "2026-06-01");
    let rules = ["invalid-exemption", "expired-exemption", "image-digest", "resource-limits"];
    assert_eq!(
        brief(&out, &rules),
        [
            "m.yaml:11:17 resource-limits deny Production deployment 'agent-1' container 'app' must define resources.limits.cpu",
            "m.yaml:11:17 resource-limits deny Production deployment 'agent-1' container 'app' must define resources.limits.memory",
            "m.yaml:12:18 image-digest deny Production deployment 'agent-1' container 'app' must use SHA256 digest (image@sha256:...), not version tags",
            "kubegate.yaml:9:14 invalid-exemption deny Production deployment 'agent-1' central exemption is invalid: 'main.deny_root' cannot be exempted in prod (exemptions.not_exemptible.prod in kubegate.yaml); its findings stand",
            "kubegate.yaml:11:14 invalid-exemption deny Production deployment 'agent-1' central exemption is invalid: issue 'https://jira.example/ACME-1' does not match issue_pattern 'https://github\\.com/acme/.*' in kubegate.yaml; its findings stand",
            "kubegate.yaml:17:16 expired-exemption deny Production deployment 'agent-1' central exemption expired on 2026-05-31 (https://github.com/acme/platform/issues/43); its findings stand",
        ]
    );
    let expired = out.findings.iter().find(|f| f.rule == "expired-exemption").unwrap();
    assert_eq!(expired.path, "exemptions.central[1].expires");
    assert_eq!(expired.resource.name.as_deref(), Some("agent-1"));
    // In staging main.deny_root may be exempted; the issue pattern still applies.
    let staging = run(cfg, &manifest, "staging", "2026-06-01");
    assert_eq!(staging.exemptions[0].problems.len(), 1);
}

#[test]
fn a_central_exemption_that_matches_nothing_is_still_judged_and_listed() {
    let cfg = "exemptions:
  not_exemptible:
    prod: [image-digest]
  central:
    - name: gone
      rules: [image-digest]
      reason: \"Legacy\"
      issue: \"https://github.com/acme/platform/issues/1\"
      expires: \"2026-05-01\"
";
    let out = run(cfg, &deployment("Deployment", Some("a"), "web"), "prod", "2026-06-01");
    assert_eq!(out.exemptions.len(), 1);
    let r = &out.exemptions[0];
    // No environment, so no environment's policy: expired, not invalid.
    assert_eq!((r.resource.is_none(), r.environment.is_none(), r.state), (true, true, State::Expired));
    assert!(brief(&out, &["expired-exemption", "invalid-exemption"]).is_empty(), "no resource, no finding");
}

#[test]
fn an_annotation_exemption_covers_before_a_central_one() {
    let mut manifest = deployment("Deployment", Some("vendor-a"), "agent-1");
    manifest = manifest.replace(
        "metadata:\n",
        &format!("metadata:\n  annotations:\n    policy-exemption: \"Own reason\"\n    exemption-expires: \"2026-06-10\"\n    exemption-issue: \"{ISSUE}\"\n    exemption-rules: \"image-digest\"\n"),
    );
    let out = run(CENTRAL, &manifest, "prod", "2026-06-01");
    let e = out.findings.iter().find(|f| f.rule == "image-digest").unwrap().exemption.clone().unwrap();
    assert_eq!(
        (e.reason.as_str(), e.source, e.state),
        ("Own reason", exemptions::Origin::Annotations, State::Expiring)
    );
    assert_eq!(out.exemptions.len(), 2, "both are listed");
}

fn config_errors(text: &str) -> Vec<String> {
    let errors = Config::parse(text, Path::new("kubegate.yaml"), None).expect_err("the config is invalid");
    errors.iter().map(|e| format!("{}:{} {}", e.line(), e.column(), e.message)).collect()
}

#[test]
fn central_exemption_mistakes_are_config_errors_with_lines() {
    let text = "exemptions:
  central:
    - name: a
      rules: [image-digets, expired-exemption, main.deny_x]
      reason: \"\"
      issue: \"https://github.com/acme/platform/issues/1\"
      expires: \"2026-02-30\"
    - name: \"[b\"
      rules: []
      reason: r
      issue: i
      expires: 2026-13-01
    - kind: Deployment
      rules: [image-digest]
";
    assert_eq!(
        config_errors(text),
        [
            "13:7 `exemptions.central[2]` is missing `name`",
            "13:7 `exemptions.central[2]` is missing `reason`",
            "13:7 `exemptions.central[2]` is missing `issue`",
            "13:7 `exemptions.central[2]` is missing `expires`",
        ]
    );
    // With the shape right, the contents are checked.
    let text = text.split("    - kind: Deployment").next().unwrap();
    assert_eq!(
        config_errors(text),
        [
            "4:15 unknown rule `image-digets` in exemptions.central[0].rules; `kubegate rules` lists them (Rego rules are `<package>.<rule>`)",
            "4:29 `expired-exemption` in exemptions.central[0].rules reports on exemptions themselves; no exemption can cover it",
            "5:15 `exemptions.central[0].reason` must not be empty",
            "7:16 `exemptions.central[0].expires` must be a real date written YYYY-MM-DD, found `2026-02-30`",
            "8:13 bad glob `[b` in exemptions.central[1].name: error parsing glob '[b': unclosed character class; missing ']'",
            "9:14 `exemptions.central[1].rules` must name at least one rule",
            "12:16 `exemptions.central[1].expires` must be a real date written YYYY-MM-DD, found `2026-13-01`",
        ]
    );
}

#[test]
fn governance_mistakes_are_config_errors_with_lines() {
    let text = "exemptions:
  max_days: -1
  warn_days: 1.5
  not_exemptible:
    prod: [run-as-non-root]
";
    assert_eq!(
        config_errors(text),
        [
            "2:13 `exemptions.max_days` must be at least 0, found -1",
            "3:14 `exemptions.warn_days` must be a whole number"
        ]
    );
    let text = "exemptions:
  issue_pattern: 'https://(github'
  not_exemptible:
    prodd: [run-as-non-root]
    prod: [run-as-nonroot, main.deny_privileged]
  unknown: 1
";
    assert_eq!(
        config_errors(text),
        [
            "6:3 unknown key `unknown` in `exemptions`; expected one of: max_days, warn_days, not_exemptible, issue_pattern, approvers, require_approval, central"
        ]
    );
    let text = text.replace("  unknown: 1\n", "");
    assert_eq!(
        config_errors(&text),
        [
            "2:18 bad regular expression in exemptions.issue_pattern: error: unclosed group",
            "4:5 unknown environment `prodd` in exemptions.not_exemptible (did you mean prod?); known: dev, staging, prod",
            "5:12 unknown rule `run-as-nonroot` in exemptions.not_exemptible.prod; `kubegate rules` lists them (Rego rules are `<package>.<rule>`)",
        ]
    );
    // Approval: environments must exist, approvers must not be empty.
    let text = "exemptions:\n  approvers: [alice, '']\n  require_approval: [prod, prd]\n";
    assert_eq!(
        config_errors(text),
        [
            "2:22 an entry of exemptions.approvers is empty",
            "3:28 unknown environment `prd` in exemptions.require_approval (did you mean prod?); known: dev, staging, prod",
        ]
    );
    // A configured environment can have its own policy.
    let ok = "environments:\n  qa:\n    like: staging\nexemptions:\n  not_exemptible:\n    qa: [image-digest]\n";
    assert_eq!(config(ok).exemptions.not_exemptible("qa"), ["image-digest"]);
}

#[test]
fn the_default_governance_is_90_and_14_days() {
    let c = Config::default();
    assert_eq!((c.exemptions.max_days, c.exemptions.warn_days), (90, 14));
    assert!(c.exemptions.issue_pattern.is_none() && c.exemptions.central.is_empty());
}
