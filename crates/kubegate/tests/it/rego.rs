//! End-to-end tests of Rego policies (`-p`, `verify`): Conftest's rules, results,
//! namespaces, exceptions, data, `--combine`, Rego versions, errors, bounds, the summary
//! counts, exemptions of Rego findings, the JSON contract, and the seed's policies against
//! the built-in rules. Fixtures live in `tests/data/rego/`.

use crate::common;
use common::{Run, brief, errors, root};

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rego")
}

/// Runs kubegate in `dir` (paths in the output are relative to it), with no input on stdin.
fn run_in(dir: &Path, args: &[&str]) -> Run {
    common::run_in(dir, args, None)
}

fn run(args: &[&str]) -> Run {
    run_in(&data(), args)
}

fn json_in(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut a = args.to_vec();
    a.extend(["-o", "json"]);
    let r = run_in(dir, &a);
    (r.code, serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout)))
}

fn json_out(args: &[&str]) -> (i32, Value) {
    json_in(&data(), args)
}

/// The last line of the output: Conftest's summary.
fn conftest_line(r: &Run) -> &str {
    r.stdout.lines().last().unwrap_or("")
}

#[test]
fn string_and_object_results_and_suffixed_rules() {
    let (code, v) = json_out(&["test", "app.yaml", "-p", "basic"]);
    assert_eq!(code, 1);
    assert_eq!(
        brief(&v),
        [
            "main.deny_replicas deny 1:1 Deployment 'web' runs 1 replica",
            "main.violation deny 1:1 container 'app' is not pinned by digest",
            "main.warn_service warn 14:1 services are reviewed by the network team",
        ]
    );
    // Only the policies run with -p: no built-in rule.
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["rule"].as_str().unwrap().starts_with("main.")));
}

#[test]
fn conftest_summary_counts() {
    // Per document: 5 rule definitions (deny has two). The Deployment: 2 failures and 3
    // passed; the Service: 1 warning and 4 passed.
    let r = run(&["test", "app.yaml", "-p", "basic", "-o", "table"]);
    assert_eq!(conftest_line(&r), "10 tests, 7 passed, 1 warning, 2 failures, 0 exceptions");
    let r = run(&["test", "app.yaml", "-p", "basic"]);
    assert_eq!(
        r.stdout.lines().rev().take(3).collect::<Vec<_>>(),
        [
            // A Rego rule has no `kubegate explain` page: its policy says what to do.
            "next: main.deny_replicas is the most frequent (1 of 3): see the policy that reports it",
            "10 tests, 7 passed, 1 warning, 2 failures, 0 exceptions",
            "1 file, 2 resources (prod 2): 2 denials, 1 warning, 0 errors"
        ]
    );
    // One test, singular.
    let r = run(&["test", "app.yaml", "-p", "ns", "-n", "kubernetes.third", "-o", "table"]);
    assert_eq!(conftest_line(&r), "2 tests, 1 passed, 1 warning, 0 failures, 0 exceptions");
    assert_eq!(r.code, 0, "a warning does not fail the run");
}

#[test]
fn complete_rules_defined_or_undefined() {
    let r = run(&["test", "app.yaml", "-p", "complete", "-o", "table"]);
    // 3 definitions per document. The Deployment: 1 failure, 2 passed (`warn_note`, the
    // empty `warn_service`). The Service: 1 warning, `warn_note` passed, and the
    // undefined `deny` passed as a definition without results.
    assert_eq!(conftest_line(&r), "6 tests, 4 passed, 1 warning, 1 failure, 0 exceptions");
    let (code, v) = json_out(&["test", "app.yaml", "-p", "complete"]);
    assert_eq!(code, 1);
    assert_eq!(
        brief(&v),
        [
            "main.deny deny 1:1 deployments are frozen this week",
            "main.warn_service warn 14:1 services are reviewed by the network team",
        ]
    );
}

#[test]
fn namespaces_main_by_default_named_or_all() {
    let rules = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["test", "app.yaml", "-p", "ns"];
        a.extend(args);
        brief(&json_out(&a).1)
    };
    assert_eq!(rules(&[]), ["main.deny deny 14:1 main says no"]);
    assert_eq!(rules(&["--namespace", "other"]), ["other.deny deny 1:1 other says no"]);
    assert_eq!(
        rules(&["-n", "other", "-n", "kubernetes.third"]),
        ["other.deny deny 1:1 other says no", "kubernetes.third.warn warn 14:1 third warns"]
    );
    assert_eq!(
        rules(&["--all-namespaces"]),
        [
            "other.deny deny 1:1 other says no",
            "main.deny deny 14:1 main says no",
            "kubernetes.third.warn warn 14:1 third warns"
        ]
    );
    assert_eq!(rules(&["-n", "nosuch"]), Vec::<String>::new());
}

#[test]
fn exception_rules_except_results_and_are_counted_as_conftest_counts() {
    let (code, v) = json_out(&["test", "app.yaml", "-p", "exception"]);
    assert_eq!(code, 1, "deny_replicas is not excepted");
    assert_eq!(
        brief(&v),
        [
            "main.deny_replicas deny 1:1 runs one replica",
            "main.deny_image deny 1:1 image has a tag",
            "main.deny_image deny 1:1 image not pinned",
        ]
    );
    let f = &v["findings"].as_array().unwrap();
    assert_eq!(f[0]["exemption"], Value::Null);
    let excepted = json!({
        "reason": "main.exception lists 'image'", "expires": null, "issue": null, "days_left": null,
        "state": "active", "source": "rego", "file": "exception/policy.rego", "line": 17
    });
    assert_eq!(f[1]["exemption"], excepted);
    assert_eq!(f[2]["exemption"], excepted);
    // Per document 3 definitions: the Deployment 1 failure, 1 exception, 1 passed; the
    // Service (also named web) 1 exception, 2 passed.
    assert_eq!(v["summary"]["rego"], json!({"tests": 6, "passed": 3, "warnings": 0, "failures": 1, "exceptions": 2}));
    assert_eq!((v["summary"]["denials"].as_u64(), v["summary"]["exempted"].as_u64()), (Some(1), Some(2)));
    let r = run(&["test", "app.yaml", "-p", "exception", "-o", "table"]);
    assert!(r.stdout.contains("| exception | app.yaml:1:1 | prod | main.deny_image    | image has a tag [excepted by exception/policy.rego:17 (it would deny): main.exception lists 'image']  |"), "{}", r.stdout);
}

#[test]
fn exemption_annotations_apply_to_rego_findings() {
    let (code, v) = json_out(&["test", "exempt.yaml", "-p", "exception", "--today", "2026-12-01"]);
    assert_eq!(code, 0, "everything is exempted or excepted");
    let f = &v["findings"][0];
    assert_eq!(f["rule"], "main.deny_replicas");
    assert_eq!(
        f["exemption"],
        json!({"reason": "Scaled by hand during the migration", "expires": "2026-12-15",
               "issue": "https://github.com/acme/shop/issues/7", "days_left": 14, "state": "expiring",
               "source": "annotations", "file": "exempt.yaml", "line": 7})
    );
    // An exempted Rego result counts as an exception, like an excepted one.
    assert_eq!(v["summary"]["rego"], json!({"tests": 3, "passed": 1, "warnings": 0, "failures": 0, "exceptions": 2}));
    // Once the exemption has expired, the finding fails the run again.
    let (code, v) = json_out(&["test", "exempt.yaml", "-p", "exception", "--today", "2026-12-16"]);
    assert_eq!(code, 1);
    assert_eq!(v["findings"][0]["exemption"], Value::Null);
    assert_eq!(v["summary"]["rego"]["failures"], 1);
}

#[test]
fn data_files_are_merged_into_data() {
    let (code, v) = json_out(&["test", "app.yaml", "-p", "data", "-d", "data/data"]);
    assert_eq!(code, 1);
    assert_eq!(
        brief(&v),
        ["main.deny deny 1:1 image 'ghcr.io/acme/web:1.0' is not from registry.acme.io/ (team payments)"]
    );
    // Without the data the rule has nothing to compare against: no result.
    let (code, v) = json_out(&["test", "app.yaml", "-p", "data"]);
    assert_eq!((code, brief(&v).len()), (0, 0));
    let r = run(&["test", "app.yaml", "-p", "data", "-d", "nosuch", "-o", "table"]);
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("| error  | nosuch |"), "{}", r.stdout);
}

#[test]
fn combine_evaluates_once_with_every_document() {
    let broken = root().join("examples/broken");
    let broken = broken.to_str().unwrap();
    let (code, v) = json_out(&["test", "app.yaml", broken, "-p", "combine", "--combine"]);
    assert_eq!(code, 1);
    assert_eq!(
        brief(&v),
        [
            "main.deny deny 0:0 deployment 'backend' has no Service (3 documents)",
            "main.warn warn 0:0 app.yaml holds 2 documents"
        ]
    );
    assert_eq!(v["findings"][0]["file"], "Combined");
    assert_eq!(v["summary"]["rego"], json!({"tests": 2, "passed": 0, "warnings": 1, "failures": 1, "exceptions": 0}));
    // Conftest's shape exactly: one entry per document, ordered by path.
    let (_, v) = json_out(&["test", "app.yaml", broken, "-p", "combine-shape", "--combine"]);
    let mut got: Vec<String> =
        v["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap().to_string()).collect();
    got.sort();
    let first = format!("{broken}/prod/deployment.yaml");
    let (a, b) = if first.as_str() < "app.yaml" { (first.as_str(), "app.yaml") } else { ("app.yaml", first.as_str()) };
    let mut want = if a == "app.yaml" {
        vec![format!("0 {a} Deployment"), format!("1 {a} Service"), format!("2 {b} Deployment")]
    } else {
        vec![format!("0 {a} Deployment"), format!("1 {b} Deployment"), format!("2 {b} Service")]
    };
    want.sort();
    assert_eq!(got, want);
    // Without --combine each document is its own input: `input` is not a list of files.
    let (code, v) = json_out(&["test", "app.yaml", broken, "-p", "combine"]);
    assert_eq!((code, brief(&v).len()), (0, 0));
}

#[test]
fn rego_v0_needs_the_flag() {
    let r = run(&["test", "app.yaml", "-p", "v0", "-o", "table"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("| error  | v0/policy.rego:3:11 |     |      | `if` keyword is required before rule body |"),
        "{}",
        r.stdout
    );
    let (code, v) = json_out(&["test", "app.yaml", "-p", "v0", "--rego-version", "v0"]);
    assert_eq!(code, 1);
    assert_eq!(brief(&v), ["main.deny deny 14:1 v0 says no"]);
}

#[test]
fn syntax_and_runtime_errors_are_exit_2_with_file_and_line() {
    let (code, v) = json_out(&["test", "app.yaml", "-p", "bad/syntax.rego"]);
    assert_eq!(code, 2);
    assert_eq!(errors(&v), ["bad/syntax.rego:6:1 expecting expression"]);
    let (code, v) = json_out(&["test", "app.yaml", "-p", "bad/runtime.rego"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&v),
        ["bad/runtime.rego:5:1 rule conflicts with rule at bad/runtime.rego:3:1 (evaluating app.yaml:1)"]
    );
    // The other document is still evaluated and reported.
    assert_eq!(v["summary"]["rego"]["passed"], 1);
    let (code, v) = json_out(&["test", "app.yaml", "-p", "nosuch.rego"]);
    assert_eq!(code, 2);
    assert_eq!(errors(&v), ["nosuch.rego:0:0 cannot read policy: No such file or directory (os error 2)"]);
    // Nothing is evaluated when only the policy was to run; with --builtin the built-in
    // rules still check the inputs beside the policy's error.
    let (code, v) = json_out(&["test", "app.yaml", "-p", "bad/syntax.rego"]);
    assert_eq!((code, v["summary"]["files"].as_u64()), (2, Some(0)));
    let (code, v) = json_out(&["test", "app.yaml", "-p", "bad/syntax.rego", "--builtin", "--env", "prod"]);
    assert_eq!(code, 2);
    assert_eq!(errors(&v), ["bad/syntax.rego:6:1 expecting expression"]);
    assert_eq!(v["summary"]["files"], 1);
    assert!(brief(&v).iter().any(|f| f.starts_with("image-digest deny ")), "{:?}", brief(&v));
}

#[test]
fn policies_are_sandboxed() {
    // No network: http.send does not exist.
    let (code, v) = json_out(&["test", "app.yaml", "-p", "bad/http.rego"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&v),
        ["bad/http.rego:4:22 could not find function http.send (evaluating app.yaml:1 and 1 more documents)"]
    );
    // No environment: opa.runtime() has no `env`, so the rule is undefined.
    let (code, v) = json_out(&["test", "app.yaml", "-p", "bad/env.rego"]);
    assert_eq!((code, brief(&v).len()), (0, 0));
}

#[test]
fn a_runaway_policy_ends_with_an_error_naming_it() {
    let start = Instant::now();
    let (code, v) = json_out(&["test", "app.yaml", "-p", "bad/runaway.rego", "--rego-timeout", "0.3"]);
    assert!(start.elapsed() < Duration::from_secs(30), "took {:?}", start.elapsed());
    assert_eq!(code, 2);
    assert_eq!(
        errors(&v),
        [
            "bad/runaway.rego:4:1 rule main.deny_forever did not finish within 0.3s (a runaway policy: an unbounded iteration?); the policies are not evaluated again in this run (evaluating app.yaml:1)"
        ]
    );
    // A range too large to build is refused before it is built.
    let start = Instant::now();
    let (code, v) = json_out(&["test", "app.yaml", "-p", "bad/huge-range.rego"]);
    assert!(start.elapsed() < Duration::from_secs(30), "took {:?}", start.elapsed());
    assert_eq!(code, 2);
    assert_eq!(
        errors(&v),
        [
            "bad/huge-range.rego:4:29 numbers.range: 1000000000000 elements is more than kubegate allows (1000000) (evaluating app.yaml:1 and 1 more documents)"
        ]
    );
}

#[test]
fn verify_runs_the_test_rules() {
    let r = run_in(&root(), &["verify", "-p", "examples/policies"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.stdout, "9 tests, 9 passed, 0 warnings, 0 failures, 0 exceptions\n");
    let r = run(&["verify", "-p", "verify-fail"]);
    assert_eq!(r.code, 1);
    assert_eq!(
        r.stdout,
        "FAIL - verify-fail/policy_test.rego:7 - data.main.test_two_replicas_denied: undefined\n\
         FAIL - verify-fail/policy_test.rego:11 - data.main.test_undefined_thing: undefined\n\
         \n\
         3 tests, 1 passed, 0 warnings, 2 failures, 0 exceptions\n"
    );
    let r = run(&["verify", "-p", "bad/syntax.rego"]);
    assert_eq!((r.code, r.stdout.as_str()), (2, "error: bad/syntax.rego:6:1: expecting expression\n"));
}

#[test]
fn which_policies_run() {
    let rules = |dir: &Path, args: &[&str]| -> BTreeSet<String> {
        json_in(dir, args).1["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    // -p: only the policies. --builtin: the built-in pack too.
    let only = rules(&data(), &["test", "app.yaml", "-p", "basic"]);
    assert_eq!(
        only,
        BTreeSet::from(["main.deny_replicas".into(), "main.violation".into(), "main.warn_service".into()])
    );
    let both = rules(&data(), &["test", "app.yaml", "-p", "basic", "--builtin"]);
    assert!(both.is_superset(&only) && both.contains("image-digest") && both.contains("replicas"), "{both:?}");
    // No -p: the built-in pack plus the config's policies (relative to the config file).
    let config = data().join("config");
    assert_eq!(rules(&config, &["test", "app.yaml"]), both);
    // -p replaces the config's policies.
    assert_eq!(rules(&config, &["test", "app.yaml", "-p", "../ns"]), BTreeSet::from(["main.deny".into()]));
    // Without policies there is no Conftest line, and `rego` is null.
    let (_, v) = json_in(&root(), &["test", "examples/k8s/prod"]);
    assert_eq!(v["summary"]["rego"], Value::Null);
}

#[test]
fn json_contract_of_rego_findings() {
    let (_, v) = json_out(&["test", "app.yaml", "-p", "basic"]);
    let f = &v["findings"][0];
    let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    // The same fields as a built-in finding.
    assert_eq!(keys, common::FINDING_KEYS);
    assert_eq!(
        *f,
        json!({
            "rule": "main.deny_replicas", "level": "deny", "environment": "prod",
            "message": "Deployment 'web' runs 1 replica", "file": "app.yaml",
            "line": 1, "column": 1, "end_line": 1, "end_column": 11,
            "resource": {"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "shop-prod", "name": "web"},
            "container": null, "path": "", "fix": null, "exemption": null, "source": null
        })
    );
    assert_eq!(
        v["summary"],
        json!({"files": 1, "skipped": 0, "resources": 2, "environments": {"prod": 2}, "denials": 2, "warnings": 1, "exempted": 0,
               "errors": 0, "rego": {"tests": 10, "passed": 7, "warnings": 1, "failures": 2, "exceptions": 0}})
    );
}

#[test]
fn the_seeds_ci_command_works_verbatim() {
    let r =
        run_in(&root(), &["test", "examples/k8s/prod", "-p", "examples/policies/production.rego", "--output", "table"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(
        r.stdout,
        "5 files, 5 resources (prod 5): 0 denials, 0 warnings, 0 errors\n125 tests, 125 passed, 0 warnings, 0 failures, 0 exceptions\n"
    );
    let r = run_in(
        &root(),
        &["test", "examples/broken/prod", "-p", "examples/policies/production.rego", "--output", "table"],
    );
    assert_eq!(r.code, 1);
    assert_eq!(conftest_line(&r), "25 tests, 18 passed, 0 warnings, 7 failures, 0 exceptions");
}

/// The built-in rule a seed policy rule mirrors: `main.deny_image_digest` → `image-digest`.
fn mirrored(rule: &str) -> String {
    let name = rule.strip_prefix("main.").unwrap();
    let name = ["deny_base_", "warn_base_", "deny_", "warn_"].iter().find_map(|p| name.strip_prefix(p)).unwrap();
    name.replace('_', "-")
}

/// `(rule, level, file, resource, message)` of each finding, Rego rules mapped to the
/// built-in rule they mirror, the environment word dropped from messages when `strip`.
fn findings(v: &Value, strip: bool) -> BTreeSet<(String, String, String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let rule = f["rule"].as_str().unwrap();
            let rule = if rule.contains('.') { mirrored(rule) } else { rule.to_string() };
            let mut message = f["message"].as_str().unwrap().to_string();
            if strip {
                for word in ["Production ", "Staging ", "Development "] {
                    message = message.strip_prefix(word).map(str::to_string).unwrap_or(message);
                }
            }
            let r = &f["resource"];
            (
                rule,
                f["level"].as_str().unwrap().into(),
                f["file"].as_str().unwrap().into(),
                format!("{}/{}", r["kind"], r["name"]),
                message,
            )
        })
        .collect()
}

#[test]
fn the_seed_policies_deny_exactly_what_the_built_in_rules_deny() {
    let fixture = data().join("seed");
    let fixture = fixture.to_str().unwrap();
    // The Pod Security Standards suite: 4,537 pods of every shape (Windows pods, init and
    // ephemeral containers, pod- and container-level contexts, odd values).
    let Some(psa) = common::corpus("psa") else { return };
    let psa = psa.as_str();
    // Values of the wrong type where the rules read.
    let odd = data().join("odd");
    let odd = odd.to_str().unwrap();
    let inputs = ["examples/broken/prod", "examples/k8s/prod", "examples/exemptions/prod", fixture, odd, psa];
    // production.rego mirrors the production rules at their prod levels; the only
    // built-in prod findings it cannot make are the cross-resource ones and the
    // Pod Security Standards' and guidelines' rules, which it does not claim to mirror.
    for input in inputs {
        let (_, rego) = json_in(&root(), &["test", input, "-p", "examples/policies/production.rego"]);
        let rego = findings(&rego, false);
        let rules: BTreeSet<String> = rego.iter().map(|f| f.0.clone()).collect();
        let (_, builtin) = json_in(&root(), &["test", input, "--env", "prod", "--today", "2026-12-01"]);
        let builtin: BTreeSet<_> = findings(&builtin, false)
            .into_iter()
            .filter(|f| {
                [
                    "image-tag-latest",
                    "image-digest",
                    "run-as-non-root",
                    "allow-privilege-escalation",
                    "read-only-root-filesystem",
                    "capabilities-drop-all",
                    "run-as-user",
                    "seccomp-profile",
                    "fs-group",
                    "resource-requests",
                    "resource-limits",
                    "liveness-probe",
                    "readiness-probe",
                    "replicas",
                    "environment-label",
                ]
                .contains(&f.0.as_str())
            })
            .collect();
        assert_eq!(rego, builtin, "{input}: production.rego vs the built-in prod rules");
        if input == fixture {
            // The comparison is not vacuous: every mirrored rule fires on the fixture.
            assert_eq!(rules.len(), 15, "{rules:?}");
            assert_eq!(rego.len(), 58);
        }
        if input == odd {
            assert_eq!(rego.len(), 44);
        }
        if input == psa {
            assert_eq!(rego.len(), 97_550);
        }
    }
    // security.rego: what every environment denies (run-as-non-root), and what
    // development warns about (image-tag-latest, resource-limits), in each environment.
    for input in ["examples/k8s", "examples/broken/prod", fixture, odd] {
        let (_, rego) = json_in(&root(), &["test", input, "-p", "examples/policies/security.rego"]);
        let rego = findings(&rego, true);
        let (_, builtin) = json_in(&root(), &["test", input, "--env", "dev", "--today", "2026-12-01"]);
        let builtin: BTreeSet<_> = findings(&builtin, true)
            .into_iter()
            .filter(|f| ["run-as-non-root", "image-tag-latest", "resource-limits"].contains(&f.0.as_str()))
            .collect();
        assert_eq!(rego, builtin, "{input}: security.rego vs the built-in dev levels");
        if input == fixture {
            assert_eq!(rego.iter().filter(|f| f.1 == "deny").count(), 3);
        }
    }
}

#[test]
fn a_policy_folder_left_from_conftest_is_pointed_out_on_stderr() {
    let dir = std::env::temp_dir().join(format!("kubegate-conftest-habit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("policy")).unwrap();
    std::fs::write(dir.join("policy/deny.rego"), "package main\n\ndeny contains \"no\" if true\n").unwrap();
    std::fs::copy(root().join("examples/k8s/prod/deployment.yaml"), dir.join("deployment.yaml")).unwrap();
    let r = common::run_in(&dir, &["test", "deployment.yaml", "-o", "json"], None);
    assert!(
        r.stderr.contains("kubegate: ./policy holds Rego policies, which Conftest runs by default; kubegate runs its built-in rules unless told: `-p policy` runs them instead"),
        "{}",
        r.stderr
    );
    // The verdict is the built-in rules', unchanged by the hint.
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["rego"], serde_json::Value::Null);
    // Named, the policies run and nothing is hinted.
    let r = common::run_in(&dir, &["test", "deployment.yaml", "-p", "policy", "-o", "json"], None);
    assert_eq!(r.code, 1);
    assert!(!r.stderr.contains("Conftest runs by default"), "{}", r.stderr);
}

#[test]
fn conftests_builtins_parse_yaml_and_json_files_below_the_working_directory_only() {
    let dir = data().join("conftest-builtins");
    // Conftest's combine example: the unit tests build the combined input themselves.
    let r = common::run_in(&dir, &["verify", "-p", "policy.rego", "-p", "policy_test.rego"], None);
    assert_eq!((r.code, r.stdout.as_str()), (0, "5 tests, 5 passed, 0 warnings, 0 failures, 0 exceptions\n"));
    // A policy cannot read outside the working directory, even through `..`.
    let escape = std::env::temp_dir().join(format!("kubegate-parse-config-{}", std::process::id()));
    std::fs::create_dir_all(&escape).unwrap();
    for (path, why) in [
        ("/etc/passwd", "is outside the working directory; only files below it can be read"),
        ("../policy.rego", "is outside the working directory; only files below it can be read"),
        ("notes.txt", "is not a YAML or JSON file (kubegate parses .yaml, .yml, .json)"),
    ] {
        std::fs::write(escape.join("notes.txt"), "hello").unwrap();
        std::fs::write(
            escape.join("p.rego"),
            format!("package main\n\ndeny contains \"read\" if {{\n\tparse_config_file({path:?})\n}}\n"),
        )
        .unwrap();
        std::fs::write(escape.join("m.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: m\n").unwrap();
        let r = common::run_in(&escape, &["test", "m.yaml", "-p", "p.rego", "-o", "json"], None);
        assert_eq!(r.code, 2, "{path}: {}", r.stdout);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let message = v["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(&format!("parse_config_file: `{path}` {why}")), "{path}: {message}");
    }
}

#[test]
fn a_negation_whose_verdict_differs_from_opa_is_a_warning_at_its_line() {
    let dir = std::env::temp_dir().join(format!("kubegate-negation-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("p.rego"),
        "package main\n\ndeny contains \"unpinned\" if {\n\tsome c in input.spec.containers\n\tnot contains(c.image, \"@sha256:\")\n}\n\n# Not a divergence: the reference alone, object.get, a function's dotted name, input.kind.\nwarn contains \"w\" if {\n\tnot input.metadata.labels.team\n\tnot object.get(input, [\"metadata\", \"name\"], \"\") == \"x\"\n\tnot strings.any_prefix_match(\"abc\", [\"z\"])\n\tnot input.kind == \"Job\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("pod.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n",
    )
    .unwrap();
    let r = common::run_in(&dir, &["test", "pod.yaml", "-p", "p.rego", "-o", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    // The container has no image: kubegate fires the rule, OPA would leave it undefined.
    assert_eq!(r.code, 1);
    assert_eq!(
        v["notices"],
        json!([{"file": "p.rego", "line": 5, "column": 5,
            "message": "`not contains(c.image, \"@sha256:\")` reads a reference inside a call or comparison: when the field is missing, OPA (and so Conftest) leaves the rule undefined, where kubegate fires it; read the field with object.get(…, default) so both agree"}])
    );
}

#[test]
fn constructs_regorus_read_otherwise_are_read_as_opa_reads_them() {
    let dir = std::env::temp_dir().join(format!("kubegate-opa-reading-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // A line starting with `(` after a reference is a new expression; `some … in` over
    // null iterates nothing; `with input` replaces the input of the rule it calls.
    std::fs::write(
        dir.join("p.rego"),
        "package main\n\nbig if input.spec.replicas > 2\n\ndeny_spread contains \"spread\" if {\n\tspread := input.spec.replicas\n\t(spread > 2)\n}\n\ndeny_containers contains c.name if {\n\tsome c in input.spec.containers\n}\n\ndeny_replaced contains \"replaced\" if big with input as {\"spec\": {\"replicas\": 9}}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("app.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: 3\n  containers: null\n",
    )
    .unwrap();
    let r = common::run_in(&dir, &["test", "app.yaml", "-p", "p.rego", "-o", "json"], None);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let found: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap().to_string(), f["message"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(
        found,
        [("main.deny_spread".to_string(), "spread".to_string()), ("main.deny_replaced".into(), "replaced".into())]
    );
    assert_eq!(v["errors"], json!([]));

    // A wildcard inside `not` is refused at load, as OPA refuses it.
    std::fs::write(
        dir.join("w.rego"),
        "package main\n\ndeny contains \"registry\" if {\n  some c in input.spec.containers\n  not startswith(c.image, [\"docker.io/\", \"nginx\"][_])\n}\n",
    )
    .unwrap();
    let r = common::run_in(&dir, &["test", "app.yaml", "-p", "w.rego", "-o", "json"], None);
    assert_eq!(r.code, 2, "{}", r.stdout);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["errors"],
        json!([{"file": "w.rego", "line": 5, "column": 51,
            "message": "var _ is unsafe: a wildcard inside `not` is never bound, so OPA (and Conftest) refuse the policy; bind it first (`some p in prefixes` then `not startswith(x, p)`) or move the test into a helper rule"}])
    );
}

#[test]
fn what_would_still_differ_from_opa_is_a_warning_at_load_and_what_opa_refuses_is_an_error() {
    let dir = std::env::temp_dir().join(format!("kubegate-differences-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("p.rego"),
        "package main\n\ndeny_walk contains \"w\" if {\n  w := walk(input)\n  w[0] == [\"kind\"]\n}\n\ndeny_half contains \"h\" if {\n  input.spec.replicas * 0.5 > 1\n}\n\ndeny_exp contains sprintf(\"%v\", [2e2]) if true\n\n# Not a difference: whole numbers, and the two-argument walk.\nok if {\n  y := 2 * 3\n  walk(input, [p, v])\n  y > 2.0\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("app.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: a\nspec:\n  replicas: 3\n",
    )
    .unwrap();
    let r = common::run_in(&dir, &["test", "app.yaml", "-p", "p.rego", "-o", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let notices: Vec<String> = v["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| format!("{}:{} {}", n["line"], n["column"], n["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        notices,
        [
            "4:8 `walk(x)` with one argument yields nothing in kubegate, where OPA (and Conftest) yields every [path, value] of x; write `walk(x, [path, value])`, which both read alike",
            "9:3 arithmetic (`*`) on a decimal number is float64 in kubegate and exact in OPA (and Conftest): 0.1 + 0.2 is 0.30000000000000004 here, 0.3 there, so an exact comparison can differ; compare with a margin, or scale to whole numbers (millicores, bytes)",
            "12:34 the number `2e2` is printed as its value in kubegate and from its text in OPA (and Conftest), so sprintf gives other text; write it without an exponent",
        ]
    );
    // OPA's type checker refuses a constant object indexed by a key it lacks.
    std::fs::write(dir.join("k.rego"), "package main\n\ndeny contains \"x\" if {\n  v := {\"a\": 1}[\"b\"]\n}\n")
        .unwrap();
    let r = common::run_in(&dir, &["test", "app.yaml", "-p", "k.rego", "-o", "json"], None);
    assert_eq!(r.code, 2);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["errors"],
        json!([{"file": "k.rego", "line": 4, "column": 16,
            "message": "the object has no key \"b\", so this is never defined; OPA (and Conftest) refuse the policy (rego_type_error: undefined ref)"}])
    );
}

#[test]
fn combine_holds_a_list_whole_as_conftest_does() {
    // Conftest's combined input has one entry per document as written: a `kind: List` is
    // one entry whose contents is the List, not its items.
    let dir = std::env::temp_dir().join(format!("kubegate-combine-list-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("p.rego"),
        "package main\n\ndeny contains sprintf(\"%d %s %s\", [i, input[i].path, input[i].contents.kind]) if some i, _ in input\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("list.yaml"),
        "apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: Service\n    metadata: {name: a}\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: b}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: c}\n",
    )
    .unwrap();
    let r = common::run_in(&dir, &["test", "list.yaml", "-p", "p.rego", "--combine", "-o", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let mut got: Vec<&str> = v["findings"].as_array().unwrap().iter().map(|f| f["message"].as_str().unwrap()).collect();
    got.sort();
    assert_eq!(got, ["0 list.yaml List", "1 list.yaml Secret"]);
}
