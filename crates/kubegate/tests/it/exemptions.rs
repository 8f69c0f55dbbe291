//! End-to-end tests of exemptions: exempted findings in every output, exit statuses, and
//! the `kubegate exemptions` command. Every run passes `--today`, so no result depends on
//! the day the tests run.
//!
//! `examples/exemptions` holds a production Deployment exempted by annotations from
//! `image-digest` until 2027-02-15, and a vendor Deployment exempted centrally (in
//! `examples/exemptions/kubegate.yaml`) from `read-only-root-filesystem` until 2026-12-10.

use crate::common;
use common::{Run, root, run_in};

use serde_json::{Value, json};

/// `kubegate <command> examples/exemptions --config examples/exemptions/kubegate.yaml --today <today> <extra>`
fn example(command: &str, today: &str, extra: &[&str]) -> Run {
    let mut args =
        vec![command, "examples/exemptions", "--config", "examples/exemptions/kubegate.yaml", "--today", today];
    args.extend(extra);
    run_in(&root(), &args, None)
}

fn parse(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// `rule level-or-exempted line:col message` of each finding.
fn brief(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let level = if f["exemption"].is_null() { f["level"].as_str().unwrap() } else { "exempted" };
            format!(
                "{} {level} {}:{}:{} {}",
                f["rule"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

#[test]
fn exempted_denials_do_not_fail_the_run() {
    let r = example("test", "2026-12-01", &["-o", "json"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let v = parse(&r);
    assert_eq!(
        brief(&v),
        [
            "image-digest exempted examples/exemptions/prod/backend.yaml:35:18 Production deployment 'backend' container 'app' must use SHA256 digest (image@sha256:...), not version tags",
            "read-only-root-filesystem exempted examples/exemptions/prod/metrics-agent.yaml:29:11 Production deployment 'metrics-agent' container 'agent' must set securityContext.readOnlyRootFilesystem: true",
            "exemption-expiring warn examples/exemptions/kubegate.yaml:24:16 Production deployment 'metrics-agent' central exemption expires on 2026-12-10 (in 9 days; https://github.com/sdottatum/platform/issues/88); fix its findings before then",
        ]
    );
    assert_eq!(
        v["summary"],
        json!({"files": 2, "skipped": 0, "resources": 8, "environments": {"prod": 8}, "denials": 0, "warnings": 1, "exempted": 2, "errors": 0, "rego": null})
    );
    // The exemption object of the JSON contract.
    assert_eq!(
        v["findings"][0]["exemption"],
        json!({
            "reason": "SHA256 digest required after registry migration",
            "expires": "2027-02-15",
            "issue": "https://github.com/sdottatum/backend/issues/123",
            "days_left": 76,
            "state": "active",
            "source": "annotations",
            "file": "examples/exemptions/prod/backend.yaml",
            "line": 14
        })
    );
    assert_eq!(v["findings"][0]["level"], "deny", "the level stays what the rule says");
    assert_eq!(
        v["findings"][1]["exemption"],
        json!({
            "reason": "The vendor image writes its cache to /var/cache; fixed upstream in 2.4",
            "expires": "2026-12-10",
            "issue": "https://github.com/sdottatum/platform/issues/88",
            "days_left": 9,
            "state": "expiring",
            "source": "config",
            "file": "examples/exemptions/kubegate.yaml",
            "line": 18
        })
    );
    // The expiring exemption's warning fails a run that fails on warnings.
    assert_eq!(example("test", "2026-12-01", &["--fail-on-warn"]).code, 1);
    // Fifteen days before the central expiry nothing warns.
    let r = example("test", "2026-11-25", &["--fail-on-warn"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.ends_with("2 files, 8 resources (prod 8): 0 denials, 0 warnings, 2 exempted, 0 errors\n"));
}

#[test]
fn without_its_exemption_a_finding_fails_the_run() {
    // An empty config: the central exemption is gone, the annotations still hold.
    let empty = std::env::temp_dir().join(format!("kubegate-empty-config-{}.yaml", std::process::id()));
    std::fs::write(&empty, "").unwrap();
    let config = empty.to_str().unwrap();
    let r = run_in(
        &root(),
        &["test", "examples/exemptions", "--config", config, "--today", "2026-12-01", "-o", "json"],
        None,
    );
    std::fs::remove_file(&empty).ok();
    assert_eq!(r.code, 1);
    assert_eq!(
        brief(&parse(&r)),
        [
            "image-digest exempted examples/exemptions/prod/backend.yaml:35:18 Production deployment 'backend' container 'app' must use SHA256 digest (image@sha256:...), not version tags",
            "read-only-root-filesystem deny examples/exemptions/prod/metrics-agent.yaml:29:11 Production deployment 'metrics-agent' container 'agent' must set securityContext.readOnlyRootFilesystem: true",
        ]
    );
}

#[test]
fn expired_exemptions_fail_the_run_and_their_findings_stand() {
    let r = example("test", "2027-02-16", &["-o", "json"]);
    assert_eq!(r.code, 1);
    let v = parse(&r);
    assert_eq!(
        brief(&v),
        [
            "expired-exemption deny examples/exemptions/prod/backend.yaml:15:24 Production deployment 'backend' exemption expired on 2027-02-15 (https://github.com/sdottatum/backend/issues/123); its findings stand",
            "image-digest deny examples/exemptions/prod/backend.yaml:35:18 Production deployment 'backend' container 'app' must use SHA256 digest (image@sha256:...), not version tags",
            "read-only-root-filesystem deny examples/exemptions/prod/metrics-agent.yaml:29:11 Production deployment 'metrics-agent' container 'agent' must set securityContext.readOnlyRootFilesystem: true",
            "expired-exemption deny examples/exemptions/kubegate.yaml:24:16 Production deployment 'metrics-agent' central exemption expired on 2026-12-10 (https://github.com/sdottatum/platform/issues/88); its findings stand",
        ]
    );
    assert_eq!((v["summary"]["denials"].as_u64(), v["summary"]["exempted"].as_u64()), (Some(4), Some(0)));
    // The last day still exempts.
    let r = example("test", "2027-02-15", &["-o", "json"]);
    let v = parse(&r);
    let digest = v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "image-digest").unwrap();
    assert_eq!(
        (digest["exemption"]["days_left"].as_i64(), digest["exemption"]["state"].as_str()),
        (Some(0), Some("expiring"))
    );
    assert_eq!(r.code, 1, "the central exemption has expired");
}

#[test]
fn invalid_exemptions_fail_the_run_and_their_findings_stand() {
    // 2027-02-15 is 97 days after 2026-11-10: beyond max_days (90).
    let r = example("test", "2026-11-10", &["-o", "json"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        brief(&parse(&r)),
        [
            "invalid-exemption deny examples/exemptions/prod/backend.yaml:15:24 Production deployment 'backend' exemption is invalid: exemption-expires 2027-02-15 is 97 days away, more than max_days (90) allows; its findings stand",
            "image-digest deny examples/exemptions/prod/backend.yaml:35:18 Production deployment 'backend' container 'app' must use SHA256 digest (image@sha256:...), not version tags",
            "read-only-root-filesystem exempted examples/exemptions/prod/metrics-agent.yaml:29:11 Production deployment 'metrics-agent' container 'agent' must set securityContext.readOnlyRootFilesystem: true",
        ]
    );
}

#[test]
fn a_rule_production_never_exempts_is_an_invalid_exemption() {
    let text = std::fs::read_to_string(root().join("examples/exemptions/prod/backend.yaml"))
        .unwrap()
        .replace("exemption-rules: \"image-digest\"", "exemption-rules: \"image-digest, privileged\"")
        .replace("allowPrivilegeEscalation: false", "allowPrivilegeEscalation: false\n            privileged: true");
    let args = [
        "test",
        "-",
        "--config",
        "examples/exemptions/kubegate.yaml",
        "--today",
        "2026-12-01",
        "--env",
        "prod",
        "-o",
        "json",
    ];
    let r = run_in(&root(), &args, Some(&text));
    assert_eq!(r.code, 1);
    assert_eq!(
        brief(&parse(&r)),
        [
            "invalid-exemption deny <stdin>:17:22 Production deployment 'backend' exemption is invalid: 'privileged' cannot be exempted in prod (exemptions.not_exemptible.prod in examples/exemptions/kubegate.yaml); its findings stand",
            "image-digest deny <stdin>:35:18 Production deployment 'backend' container 'app' must use SHA256 digest (image@sha256:...), not version tags",
            "privileged deny <stdin>:38:25 Production deployment 'backend' container 'app' must not set securityContext.privileged: true",
        ]
    );
    // In staging the same exemption is valid.
    let staging = args.map(|a| if a == "prod" { "staging" } else { a });
    let r = run_in(&root(), &staging, Some(&text));
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn pretty_output_of_exempted_findings_snapshot() {
    let r = example("test", "2026-12-01", &[]);
    assert_eq!(r.code, 0);
    insta::assert_snapshot!("pretty_exempted", r.stdout);
}

#[test]
fn table_output_of_exempted_findings_snapshot() {
    let r = example("test", "2026-12-01", &["-o", "table"]);
    assert_eq!(r.code, 0);
    insta::assert_snapshot!("table_exempted", r.stdout);
}

#[test]
fn exemptions_command_table_snapshot() {
    let r = example("exemptions", "2026-12-01", &[]);
    assert_eq!(r.code, 0, "active and expiring exemptions pass");
    insta::assert_snapshot!("exemptions_table", r.stdout);
}

#[test]
fn exemptions_command_lists_states_and_exits_1_on_expired_or_invalid() {
    let states = |today: &str| -> (i32, Vec<String>) {
        let r = example("exemptions", today, &["-o", "json"]);
        let v = parse(&r);
        let rows = v["exemptions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                format!(
                    "{} {} {} {}",
                    e["file"].as_str().unwrap(),
                    e["line"],
                    e["state"].as_str().unwrap(),
                    e["days_left"]
                )
            })
            .collect();
        (r.code, rows)
    };
    assert_eq!(
        states("2026-11-20"),
        (
            0,
            vec![
                "examples/exemptions/prod/backend.yaml 14 active 87".into(),
                "examples/exemptions/kubegate.yaml 18 active 20".into()
            ]
        )
    );
    assert_eq!(
        states("2026-12-11"),
        (
            1,
            vec![
                "examples/exemptions/prod/backend.yaml 14 active 66".into(),
                "examples/exemptions/kubegate.yaml 18 expired -1".into()
            ]
        )
    );
    assert_eq!(
        states("2026-11-10"),
        (
            1,
            vec![
                "examples/exemptions/prod/backend.yaml 14 invalid 97".into(),
                "examples/exemptions/kubegate.yaml 18 active 30".into()
            ]
        )
    );
}

#[test]
fn exemptions_command_json_follows_its_contract() {
    let r = example("exemptions", "2026-11-10", &["-o", "json"]);
    let v = parse(&r);
    assert_eq!(v["version"], 1);
    assert_eq!(v["today"], "2026-11-10");
    assert_eq!(
        v["summary"],
        json!({"exemptions": 2, "active": 1, "expiring": 0, "expired": 0, "invalid": 1, "errors": 0})
    );
    assert_eq!(
        v["exemptions"][0],
        json!({
            "file": "examples/exemptions/prod/backend.yaml",
            "line": 14,
            "column": 5,
            "source": "annotations",
            "resource": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "claude-hub-prod", "name": "backend"},
            "environment": "prod",
            "rules": ["image-digest"],
            "reason": "SHA256 digest required after registry migration",
            "issue": "https://github.com/sdottatum/backend/issues/123",
            "expires": "2027-02-15",
            "approved_by": null,
            "days_left": 97,
            "state": "invalid",
            "problems": ["exemption-expires 2027-02-15 is 97 days away, more than max_days (90) allows"]
        })
    );
    assert_eq!(v["exemptions"][1]["source"], "config");
    assert_eq!(v["errors"], json!([]));
}

#[test]
fn exemptions_command_lists_incomplete_exemptions_and_unmatched_central_ones() {
    let manifest = "apiVersion: v1
kind: Pod
metadata:
  name: seed
  annotations:
    policy-exemption: \"SHA256 digest required after registry migration\"
    exemption-expires: \"2026-11-15\"
    exemption-issue: \"https://github.com/org/repo/issues/123\"
spec:
  containers:
    - name: app
      image: ghcr.io/org/app:v1
";
    let r = run_in(&root(), &["exemptions", "-", "--today", "2026-11-01", "-o", "json"], Some(manifest));
    assert_eq!(r.code, 1);
    let v = parse(&r);
    let e = &v["exemptions"][0];
    assert_eq!(
        (e["file"].as_str(), e["line"].as_u64(), e["state"].as_str()),
        (Some("<stdin>"), Some(6), Some("invalid"))
    );
    assert_eq!(e["problems"], json!(["exemption-rules is missing"]));
    assert_eq!(e["rules"], json!([]));
    // The examples' central exemption matches nothing in examples/k8s: listed, without a resource.
    let r = run_in(
        &root(),
        &[
            "exemptions",
            "examples/k8s",
            "--config",
            "examples/exemptions/kubegate.yaml",
            "--today",
            "2026-12-01",
            "-o",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 0);
    let v = parse(&r);
    assert_eq!(v["exemptions"].as_array().unwrap().len(), 1);
    assert_eq!(
        (v["exemptions"][0]["resource"].is_null(), v["exemptions"][0]["state"].as_str()),
        (true, Some("expiring"))
    );
    let r = run_in(
        &root(),
        &["exemptions", "examples/k8s", "--config", "examples/exemptions/kubegate.yaml", "--today", "2026-12-01"],
        None,
    );
    assert!(r.stdout.contains("| (matches no resource) |"), "{}", r.stdout);
}

#[test]
fn exemptions_command_exits_2_on_unreadable_input_or_config() {
    let r = example("exemptions", "2026-12-01", &["does/not/exist.yaml"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.starts_with("error: does/not/exist.yaml: no such file or directory\n"), "{}", r.stdout);
    // The readable inputs are still listed.
    assert!(
        r.stdout.ends_with("2 exemptions on 2026-12-01: 1 active, 1 expiring, 0 expired, 0 invalid, 1 error\n"),
        "{}",
        r.stdout
    );
    let r = run_in(
        &root(),
        &[
            "exemptions",
            "examples/exemptions",
            "--config",
            "crates/kubegate/tests/data/config-bad.yaml",
            "--today",
            "2026-12-01",
            "-o",
            "json",
        ],
        None,
    );
    assert_eq!(r.code, 2);
    assert_eq!(parse(&r)["summary"]["errors"], 3);
}

#[test]
fn today_must_be_a_real_date() {
    for bad in ["2026-02-30", "2026-2-3", "tomorrow"] {
        let r = run_in(&root(), &["test", "examples/k8s", "--today", bad], None);
        assert_eq!(r.code, 2, "{bad}");
        assert!(r.stderr.contains(&format!("`{bad}` is not a real date written YYYY-MM-DD")), "{}", r.stderr);
    }
    let r = run_in(&root(), &["exemptions", "examples/k8s", "--today", "2026-02-30"], None);
    assert_eq!(r.code, 2);
}

#[test]
fn issue_links_must_look_like_one_and_unused_central_entries_are_noticed() {
    let dir = std::env::temp_dir().join(format!("kubegate-issue-links-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let pod = |name: &str, issue: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: shop-dev\n  annotations:\n    policy-exemption: \"vendor image, replaced next sprint\"\n    exemption-expires: \"2026-12-20\"\n    exemption-issue: \"{issue}\"\n    exemption-rules: \"image-digest\"\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.0\n"
        )
    };
    let docs = ["https://tracker.example.com/SEC-1", "SEC-123", "#42", "org/repo#7", "later"]
        .iter()
        .enumerate()
        .map(|(i, issue)| pod(&format!("p{i}"), issue))
        .collect::<Vec<_>>()
        .join("---\n");
    std::fs::write(dir.join("pods.yaml"), docs).unwrap();
    let config = "exemptions:\n  central:\n    - kind: Deployment\n      name: gone\n      rules: [privileged]\n      reason: legacy agent\n      issue: SEC-9\n      expires: 2026-12-20\n";
    std::fs::write(dir.join("kubegate.yaml"), config).unwrap();
    let r = run_in(&dir, &["test", "pods.yaml", "--today", "2026-12-01", "-o", "json"], None);
    assert_eq!(r.code, 1, "{}", r.stdout);
    let v = parse(&r);
    let invalid: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "invalid-exemption")
        .map(|f| format!("{} {}", f["line"], f["message"].as_str().unwrap()))
        .collect();
    // Only the fifth pod's link (line 9 of its document, 4 documents of 14 lines and 4
    // separators before it) is refused.
    assert_eq!(
        invalid,
        [
            "69 Development pod 'p4' exemption is invalid: exemption-issue 'later' does not look like an issue link: a URL, a tracker key (SEC-123) or an issue number (#123, org/repo#123); exemptions.issue_pattern in kubegate.yaml can accept other forms; its findings stand"
        ]
    );
    assert_eq!(
        v["notices"],
        json!([{"file": "kubegate.yaml", "line": 3, "column": 7, "message": "exemptions.central[0] (kind `Deployment`, namespace `*`, name `gone`) matches no resource checked in this run; if what it exempted is gone, remove it"}])
    );
    // The config relaxes the rule: any text is accepted.
    std::fs::write(dir.join("kubegate.yaml"), "exemptions:\n  issue_pattern: '.+'\n").unwrap();
    let r = run_in(&dir, &["test", "pods.yaml", "--today", "2026-12-01", "-o", "json"], None);
    let v = parse(&r);
    assert!(!v["findings"].as_array().unwrap().iter().any(|f| f["rule"] == "invalid-exemption"), "{}", r.stdout);
    assert_eq!(v["notices"], json!([]));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn config_typos_get_the_closest_key_or_environment() {
    let dir = std::env::temp_dir().join(format!("kubegate-config-typos-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n")
        .unwrap();
    std::fs::write(
        dir.join("kubegate.yaml"),
        "environmets:\n  qa: {}\nrules:\n  privilegd: {level: off}\nexemptions:\n  not_exemptable: {}\n",
    )
    .unwrap();
    let r = run_in(&dir, &["test", "pod.yaml", "-o", "json"], None);
    assert_eq!(r.code, 2);
    let prefix = format!("{}/", dir.display());
    let errors = |r: &Run| crate::common::errors(&parse(r)).iter().map(|e| e.replace(&prefix, "")).collect::<Vec<_>>();
    assert_eq!(
        errors(&r),
        [
            "kubegate.yaml:1:1 unknown key `environmets` in the top level (did you mean environments?); expected one of: default_environment, environments, rules, trusted_registries, exclude, minimal_bases, policies, workloads, fix, exemptions, report",
            // The rule ids are too many to list beside a close match.
            "kubegate.yaml:4:3 unknown key `privilegd` in `rules` (did you mean privileged?)",
            "kubegate.yaml:6:3 unknown key `not_exemptable` in `exemptions` (did you mean not_exemptible?); expected one of: max_days, warn_days, not_exemptible, issue_pattern, approvers, require_approval, central",
        ]
    );
    std::fs::write(
        dir.join("kubegate.yaml"),
        "default_environment: prd\nrules:\n  replicas: {levels: {stagin: deny}}\nexemptions:\n  require_approval: [prod, dve]\n",
    )
    .unwrap();
    let r = run_in(&dir, &["test", "pod.yaml", "-o", "json"], None);
    assert_eq!(r.code, 2);
    assert_eq!(
        errors(&r),
        [
            "kubegate.yaml:1:22 unknown environment `prd` (did you mean prod?); known: dev, staging, prod",
            "kubegate.yaml:3:23 unknown environment `stagin` in rules.replicas.levels (did you mean staging?); known: dev, staging, prod",
            "kubegate.yaml:5:28 unknown environment `dve` in exemptions.require_approval (did you mean dev?); known: dev, staging, prod",
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}
