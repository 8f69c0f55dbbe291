//! End-to-end tests of the `kubegate` binary: exit statuses, bad input, environments,
//! the config file, stdin, and the rendered outputs (insta snapshots).

use crate::common;
use common::{Run, brief, root, run_in};

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

/// Runs kubegate from the repository root (so paths in the output are relative).
fn run(args: &[&str]) -> Run {
    run_in(&root(), args, None)
}

fn json(args: &[&str]) -> (i32, Value) {
    let mut a = args.to_vec();
    a.extend(["-o", "json"]);
    let r = run(&a);
    (r.code, serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout)))
}

#[test]
fn the_examples_pass_in_every_environment() {
    let r = run(&["test", "examples/k8s"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(r.stdout, "15 files, 15 resources (dev 5, prod 5, staging 5): 0 denials, 0 warnings, 0 errors\n");
}

#[test]
fn the_broken_example_fails_with_the_seed_messages() {
    let (code, v) = json(&["test", "examples/broken"]);
    assert_eq!(code, 1);
    let all = brief(&v);
    let (deny, warn): (Vec<&String>, Vec<&String>) = all.iter().partition(|f| f.contains(" deny "));
    assert_eq!(
        deny,
        [
            "replicas deny 13:13 Production deployment 'backend' must have replicas >= 2 for HA",
            "seccomp-profile deny 22:7 Production deployment 'backend' must set securityContext.seccompProfile.type",
            "liveness-probe deny 26:17 Production deployment 'backend' container 'app' must define livenessProbe",
            "readiness-probe deny 26:17 Production deployment 'backend' container 'app' must define readinessProbe",
            "image-digest deny 27:18 Production deployment 'backend' container 'app' must use SHA256 digest (image@sha256:...), not version tags",
            "resource-limits deny 33:11 Production deployment 'backend' container 'app' must define resources.limits.cpu",
            "resource-limits deny 33:11 Production deployment 'backend' container 'app' must define resources.limits.memory",
        ]
    );
    // The deployment guidelines of seed 002 warn in prod.
    assert_eq!(
        warn,
        [
            "network-policy warn 19:7 Production deployment 'backend' pods are not isolated for Ingress and Egress by any NetworkPolicy in the inputs",
            "service-account-token warn 21:5 Production deployment 'backend' must set automountServiceAccountToken: false (ServiceAccount 'default' is not among the inputs)",
            "dedicated-service-account warn 21:5 Production deployment 'backend' runs as the default ServiceAccount; set spec.serviceAccountName to its own",
            "ephemeral-storage-limit warn 33:11 Production deployment 'backend' container 'app' must define resources.limits.ephemeral-storage",
        ]
    );
}

#[test]
fn json_output_follows_the_contract() {
    let (_, v) = json(&["test", "examples/broken"]);
    assert_eq!(v["version"], 1);
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["errors", "findings", "notices", "resources", "skipped", "summary", "version"]);
    let f = v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "image-digest").unwrap();
    let fkeys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(fkeys, common::FINDING_KEYS);
    assert_eq!(f["source"], Value::Null, "not rendered from a Helm template");
    assert_eq!(f["path"], "spec.template.spec.containers[0].image");
    assert_eq!(f["container"], "app");
    assert_eq!(f["environment"], "prod");
    assert_eq!(f["file"], "examples/broken/prod/deployment.yaml");
    assert_eq!(
        (f["line"].as_u64(), f["column"].as_u64(), f["end_line"].as_u64(), f["end_column"].as_u64()),
        (Some(27), Some(18), Some(27), Some(50))
    );
    assert_eq!(
        f["resource"],
        serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment", "namespace": "claude-hub-prod", "name": "backend"})
    );
    assert_eq!(f["exemption"], Value::Null);
    assert_eq!(
        v["summary"],
        serde_json::json!({"files": 1, "skipped": 0, "resources": 1, "environments": {"prod": 1}, "denials": 7, "warnings": 4, "exempted": 0, "errors": 0, "rego": null})
    );
    assert_eq!(v["resources"][0]["environment_reason"], "path segment `prod` in examples/broken/prod/deployment.yaml");
}

#[test]
fn pretty_output_snapshot() {
    let r = run(&["test", "examples/broken"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("pretty_broken", r.stdout);
}

#[test]
fn table_output_snapshot() {
    let r = run(&["test", "examples/broken", "-o", "table"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("table_broken", r.stdout);
}

#[test]
fn pretty_output_of_bad_input_snapshot() {
    let r = run(&["test", "crates/kubegate/tests/data/bad", "--env", "dev"]);
    assert_eq!(r.code, 2);
    insta::assert_snapshot!("pretty_bad_input", r.stdout);
}

#[test]
fn bad_input_is_an_error_with_file_and_line_and_the_rest_is_still_checked() {
    let (code, v) = json(&["test", "crates/kubegate/tests/data/bad"]);
    assert_eq!(code, 2);
    let errors: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}:{} {}",
                e["file"].as_str().unwrap().rsplit('/').next().unwrap(),
                e["line"],
                e["column"],
                e["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            "binary.yaml:2:1 binary file (contains NUL bytes): not a YAML or JSON manifest",
            "empty.yaml:1:1 empty file: no Kubernetes documents",
            "helm.yaml:4:9 unrendered Helm template (`{{ … }}`): render it first, e.g. `helm template CHART | kubegate test -`",
            "latin1.yaml:4:12 invalid UTF-8: manifests must be UTF-8 text",
            "unparseable.yaml:7:5 cannot parse YAML: \"-\" is only valid inside a block",
        ]
    );
    // Found by walking, a file with no Kubernetes document (a values file) is skipped and
    // counted; named on the command line it is an error.
    assert_eq!(
        v["skipped"],
        serde_json::json!([{"file": "crates/kubegate/tests/data/bad/nokind.yaml", "why": "no Kubernetes document (no apiVersion and kind)"}])
    );
    assert_eq!(v["summary"]["skipped"], 1);
    let (code, named) = json(&["test", "crates/kubegate/tests/data/bad/nokind.yaml"]);
    assert_eq!(code, 2);
    assert_eq!(named["errors"][0]["message"], "document has no `kind`: not a Kubernetes resource");
    // good.yaml is still checked and its findings reported.
    assert_eq!(v["summary"]["resources"], 1);
    assert_eq!(v["findings"][0]["file"], "crates/kubegate/tests/data/bad/good.yaml");
    assert_eq!(v["summary"]["denials"], 14);
}

#[test]
fn a_missing_path_is_exit_2() {
    let (code, v) = json(&["test", "does/not/exist.yaml", "examples/k8s/prod"]);
    assert_eq!(code, 2);
    assert_eq!(v["errors"][0]["message"], "no such file or directory");
    assert_eq!(v["summary"]["resources"], 5);
}

#[test]
fn environments_come_from_path_then_namespace_then_default_never_the_label() {
    let (_, v) = json(&["test", "crates/kubegate/tests/data/envs"]);
    let got: Vec<(String, String, String)> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().into(),
                r["environment"].as_str().unwrap().into(),
                r["environment_reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("api".into(), "staging".into(), "namespace `claude-hub-staging` ends in `staging`".into()),
            ("worker".into(), "prod".into(), "no path or namespace matched; prod is the strict default".into()),
            (
                "web".into(),
                "staging".into(),
                "path segment `staging` in crates/kubegate/tests/data/envs/overlays/staging/app.yaml".into()
            ),
        ]
    );
    // In staging, `latest` is denied; the dev label does not make it a warning.
    let web_latest = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["resource"]["name"] == "web" && f["rule"] == "image-tag-latest")
        .unwrap();
    assert_eq!(web_latest["level"], "deny");
    assert_eq!(
        web_latest["message"],
        "Staging deployment 'web' container 'app' must not use the :latest tag (image 'nginx:latest')"
    );
}

#[test]
fn env_flag_wins_and_unknown_env_is_exit_2() {
    let (_, v) = json(&["test", "crates/kubegate/tests/data/envs", "--env", "dev"]);
    assert!(
        v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["environment"] == "dev" && r["environment_reason"] == "--env on the command line")
    );
    let r = run(&["test", "examples/k8s", "--env", "qa"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: --env: unknown environment `qa`; known: dev, staging, prod\n"),
        "{}",
        r.stderr
    );
}

#[test]
fn fail_on_warn_turns_warnings_into_exit_1() {
    // Dev: latest is a warning only.
    let r = run(&["test", "crates/kubegate/tests/data/envs/ns.yaml", "--env", "dev", "-o", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["summary"]["warnings"].as_u64().unwrap() > 0);
    let denials = v["summary"]["denials"].as_u64().unwrap();
    assert!(denials > 0, "run-as-non-root denies in dev");
    // A file with warnings only.
    let warn_only = root().join("examples/k8s/dev/deployment.yaml");
    let text = std::fs::read_to_string(&warn_only).unwrap().replace("v1.2.3", "latest");
    let r = run_in(&root(), &["test", "-", "--env", "dev"], Some(&text));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(
        r.stdout.ends_with("1 file, 1 resource (dev 1): 0 denials, 1 warning, 0 errors\nnext: image-tag-latest is the most frequent (1 of 1): `kubegate explain image-tag-latest`\n"),
        "{}",
        r.stdout
    );
    let r = run_in(&root(), &["test", "-", "--env", "dev", "--fail-on-warn"], Some(&text));
    assert_eq!(r.code, 1);
}

#[test]
fn stdin_is_read_and_named() {
    let text = std::fs::read_to_string(root().join("examples/broken/prod/deployment.yaml")).unwrap();
    let r = run_in(&root(), &["test", "-", "-o", "json"], Some(&text));
    assert_eq!(r.code, 1);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["findings"][0]["file"], "<stdin>");
    // The namespace claude-hub-prod binds it to prod.
    assert_eq!(v["resources"][0]["environment_reason"], "namespace `claude-hub-prod` ends in `prod`");
}

#[test]
fn the_config_file_sets_environments_levels_and_parameters() {
    let dir = root().join("crates/kubegate/tests/data/config");
    let r = run_in(&dir, &["test", ".", "-o", "json"], None);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert!(v["errors"].as_array().unwrap().is_empty(), "{}", r.stdout);
    let envs: Vec<(&str, &str, &str)> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (r["name"].as_str().unwrap(), r["environment"].as_str().unwrap(), r["environment_reason"].as_str().unwrap())
        })
        .collect();
    assert_eq!(
        envs,
        [
            ("ledger", "prod", "namespace `payments-eu` matches `payments-*` in kubegate.yaml"),
            ("cart", "qa", "path matches `qa/**` in kubegate.yaml"),
        ]
    );
    let find = |name: &str, rule: &str| -> Option<Value> {
        v["findings"].as_array().unwrap().iter().find(|f| f["resource"]["name"] == name && f["rule"] == rule).cloned()
    };
    // replicas minimum 3 from the config; QA is staging-like (warn) and says "QA".
    assert_eq!(find("cart", "replicas").unwrap()["message"], "QA deployment 'cart' must have replicas >= 3 for HA");
    assert_eq!(find("cart", "replicas").unwrap()["level"], "warn");
    assert_eq!(find("ledger", "replicas").unwrap()["level"], "deny");
    // image-digest is off in qa, still on in prod.
    assert!(find("cart", "image-digest").is_none());
    assert!(find("ledger", "image-digest").is_some());
}

#[test]
fn config_mistakes_are_errors_with_file_and_line() {
    let r = run(&["test", "examples/k8s", "--config", "crates/kubegate/tests/data/config-bad.yaml", "-o", "json"]);
    assert_eq!(r.code, 2);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let errors: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| format!("{}:{} {}", e["line"], e["column"], e["message"].as_str().unwrap()))
        .collect();
    assert_eq!(
        errors,
        [
            "3:5 unknown key `pathz` in `environments.prod` (did you mean paths?); expected one of: paths, namespaces, like, display"
                .to_string(),
            "5:3 unknown key `image-digets` in `rules` (did you mean image-digest?)".to_string(),
            "8:14 `rules.replicas.minimum` must be a number, found a string".to_string(),
        ]
    );
    assert!(v["errors"][0]["file"].as_str().unwrap().ends_with("config-bad.yaml"));
}

#[test]
fn unknown_environment_in_rule_levels_is_an_error() {
    let dir = std::env::temp_dir().join(format!("kubegate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("kubegate.yaml"), "rules:\n  replicas:\n    levels:\n      prodd: deny\n").unwrap();
    std::fs::write(dir.join("a.yaml"), "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n").unwrap();
    let r = run_in(&dir, &["test", "a.yaml", "-o", "table"], None);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(r.code, 2);
    assert!(r.stdout.contains("kubegate.yaml:4:7"), "{}", r.stdout);
    assert!(
        r.stdout.contains(
            "unknown environment `prodd` in rules.replicas.levels (did you mean prod?); known: dev, staging, prod"
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn rules_and_explain_come_from_the_declarations() {
    let r = run(&["rules"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()[..4] == ["image-digest", "off", "warn", "deny"]),
        "{}",
        r.stdout
    );
    assert_eq!(r.stdout.lines().count(), kubegate_engine::rules::ALL.len() + 1);
    let r = run(&["explain", "replicas"]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stdout, kubegate_report::docs::rule_page(kubegate_engine::rules::find("replicas").unwrap()));
    let r = run(&["explain", "digest"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown rule `digest` (did you mean image-digest, dockerfile-base-digest?)"),
        "{}",
        r.stderr
    );
}

#[test]
fn no_input_makes_kubegate_panic() {
    let nasty: [&[u8]; 12] = [
        b"",
        b"---\n---\n",
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        b"kind: Pod\napiVersion: v1\nspec:\n  containers: 5\n",
        b"kind: Pod\napiVersion: v1\nspec:\n  containers:\n    - 7\n    - name: [a]\n      image: {x: 1}\n",
        b"kind: Deployment\napiVersion: apps/v1\nspec:\n  template: []\n  replicas: many\n",
        b"kind: [Pod]\n",
        b"? [complex]\n: key\n",
        b"a: *nope\n",
        b"kind: Pod\napiVersion: v1\nmetadata:\n  name: \xf0\x9f\x98\x80\nspec:\n  containers:\n    - name: \xc3\xa9\n      image: \"\"\n      resources:\n        limits: {cpu: 1e309, memory: -1}\n        requests: {cpu: 0, memory: 0}\n",
        b"\xef\xbb\xbfkind: Pod\napiVersion: v1\n",
        b"kind: CronJob\napiVersion: batch/v1\nspec:\n  jobTemplate: ~\n",
    ];
    for input in nasty {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kubegate"))
            .args(["test", "-", "-o", "json"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        let code = out.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "input {:?} exited {code:?}: {}",
            String::from_utf8_lossy(input),
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        if code == Some(2) {
            assert!(!v["errors"].as_array().unwrap().is_empty());
        }
    }
}

#[test]
fn list_items_are_resources_and_gitignored_files_are_skipped() {
    let (code, v) = json(&["test", "crates/kubegate/tests/data/list", "--env", "prod"]);
    // ignored.yaml is not valid YAML: had it been read, this would be exit 2.
    assert_eq!(code, 1, "{v}");
    assert!(v["errors"].as_array().unwrap().is_empty());
    assert_eq!(v["summary"]["files"], 1);
    let ids: Vec<(String, u64)> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (format!("{}/{}", r["kind"].as_str().unwrap(), r["name"].as_str().unwrap()), r["line"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(
        ids,
        [("Deployment/web".to_string(), 5), ("Service/web".to_string(), 17), ("Pod/debug".to_string(), 22)]
    );
    let find = |rule: &str| v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == rule).cloned().unwrap();
    let latest = find("image-tag-latest");
    assert_eq!((latest["line"].as_u64(), latest["column"].as_u64()), (Some(16), Some(22)));
    assert_eq!(latest["path"], "spec.template.spec.containers[0].image");
    let dup = find("duplicate-key");
    assert_eq!(
        dup["message"],
        "Production pod 'debug' repeats key `image` (first at line 30); only the last value takes effect"
    );
    assert_eq!((dup["line"].as_u64(), dup["path"].as_str()), (Some(31), Some("spec.containers[0].image")));
}

#[test]
fn rules_as_json_and_the_schema_are_valid_json() {
    let r = run(&["rules", "-o", "json"]);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), kubegate_engine::rules::ALL.len());
    assert_eq!(
        v[1],
        serde_json::json!({"id": "image-digest", "summary": "Images must be pinned by SHA256 digest (`image@sha256:` + 64 hex digits)", "levels": {"dev": "off", "staging": "warn", "prod": "deny"}})
    );
    let r = run(&["schema"]);
    let schema: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(schema["properties"]["rules"]["properties"]["run-as-user"]["properties"]["minimum"]["type"], "integer");
    assert_eq!(r.stdout, std::fs::read_to_string(root().join("docs/kubegate.schema.json")).unwrap());
}

#[test]
fn pss_profiles_exit_1_on_fail_fixtures_and_0_on_pass_fixtures() {
    let Some(psa) = common::corpus("psa") else { return };
    let data = format!("{psa}/test/testdata");
    let cases = [
        ("pss-baseline", "v1.0", "baseline/v1.0/fail/privileged0.yaml", 1),
        ("pss-baseline", "v1.0", "baseline/v1.0/pass/base.yaml", 0),
        // The same pod: accepted by restricted v1.0, rejected from v1.19 (seccomp required).
        ("pss-restricted", "v1.0", "restricted/v1.0/pass/base.yaml", 0),
        ("pss-restricted", "v1.19", "restricted/v1.0/pass/base.yaml", 1),
        ("pss-restricted", "latest", "restricted/v1.37/fail/runasnonroot0.yaml", 1),
        ("pss-restricted", "latest", "restricted/v1.37/pass/base_windows.yaml", 0),
        // Baseline does not judge restricted checks.
        ("pss-baseline", "latest", "restricted/v1.37/fail/runasnonroot0.yaml", 0),
    ];
    for (profile, version, file, code) in cases {
        let path = format!("{data}/{file}");
        let r = run(&["test", &path, "--profile", profile, "--pss-version", version, "-o", "json"]);
        assert_eq!(r.code, code, "{profile} {version} {file}: {}", r.stdout);
    }
    let r = run(&["test", "examples/k8s", "--profile", "pss-restricted", "--pss-version", "v1.99x"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("error: --pss-version: invalid Pod Security Standards version `v1.99x`"), "{}", r.stderr);
    // Only the standard runs: the production rules stay silent on the broken example.
    let (code, v) = json(&["test", "examples/broken", "--profile", "pss-restricted"]);
    assert_eq!(code, 1);
    let rules: std::collections::BTreeSet<&str> =
        v["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert_eq!(rules.into_iter().collect::<Vec<_>>(), ["seccomp-profile"]);
}

#[test]
fn helm_template_output_names_each_template() {
    let text = std::fs::read_to_string(root().join("crates/kubegate/tests/data/helm/rendered.yaml")).unwrap();
    let r = run_in(&root(), &["test", "-", "-o", "json"], Some(&text));
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let sources: Vec<(&str, &str)> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["kind"].as_str().unwrap(), r["source"].as_str().unwrap()))
        .collect();
    assert_eq!(
        sources,
        [
            ("ServiceAccount", "shop/templates/serviceaccount.yaml"),
            ("Service", "shop/templates/service.yaml"),
            ("Deployment", "shop/templates/deployment.yaml")
        ]
    );
    // Findings keep the stream's file and line, and name the template.
    let image = v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "image-digest").unwrap();
    assert_eq!(
        (image["file"].as_str(), image["line"].as_u64(), image["source"].as_str()),
        (Some("<stdin>"), Some(45), Some("shop/templates/deployment.yaml"))
    );
    let r = run_in(&root(), &["test", "-"], Some(&text));
    assert!(r.stdout.contains("= note: rendered from shop/templates/deployment.yaml"), "{}", r.stdout);
}

#[test]
fn large_scans_show_progress_on_a_terminal_and_nothing_in_a_pipe() {
    let dir = std::env::temp_dir().join(format!("kubegate-progress-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..250 {
        std::fs::write(
            dir.join(format!("s{i:03}.yaml")),
            format!("apiVersion: v1\nkind: Service\nmetadata:\n  name: s{i}\n"),
        )
        .unwrap();
    }
    let bin = env!("CARGO_BIN_EXE_kubegate");
    // A pipe (CI logs): not a byte on stderr.
    let out = Command::new(bin).args(["test", dir.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    // A terminal (util-linux `script` gives the command one): the progress line.
    let typescript = dir.join("typescript");
    let cmd = format!("{bin} test {} > /dev/null", dir.display());
    let status = Command::new("script").args(["-qec", &cmd]).arg(&typescript).stdout(Stdio::null()).status().unwrap();
    assert_eq!(status.code(), Some(0));
    let seen = std::fs::read_to_string(&typescript).unwrap();
    std::fs::remove_dir_all(&dir).ok();
    assert!(seen.contains("kubegate: ") && seen.contains("/250 files"), "{seen:?}");
}

#[test]
fn a_report_that_cannot_be_written_is_exit_status_2_and_says_so() {
    // /dev/full fails every write with "no space left": the passing examples' report is
    // lost, so the run must not pass.
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        eprintln!("skipped: no /dev/full here");
        return;
    };
    for format in ["sarif", "json", "pretty"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubegate"))
            .args(["test", "examples/k8s", "-o", format])
            .current_dir(root())
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "kubegate: cannot write the output: No space left on device (os error 28)\n",
            "{format}"
        );
    }
}

#[test]
fn rules_refuses_the_formats_it_cannot_write_and_verify_lists_only_its_flags() {
    let r = run(&["rules", "-o", "sarif"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.starts_with("error: invalid value 'sarif' for '--output <OUTPUT>'\n  [possible values: table, json]"),
        "{}",
        r.stderr
    );
    let help = run(&["verify", "--help"]).stdout;
    for flag in ["--policy", "--data", "--rego-version", "--rego-timeout", "--config", "--no-color"] {
        assert!(help.contains(flag), "{flag}: {help}");
    }
    for flag in ["--namespace", "--all-namespaces", "--combine", "--builtin"] {
        assert!(!help.contains(flag), "{flag}: {help}");
    }
}

#[test]
fn an_error_about_a_flag_is_a_usage_error_not_a_file_location() {
    // In every format: the message on stderr with the closest name, nothing on stdout
    // (no format shows a flag as a file), exit 2.
    for format in ["pretty", "json", "github", "junit", "sarif", "tap", "table"] {
        let r = run(&["test", "examples/k8s", "--env", "prd", "--no-color", "-o", format]);
        assert_eq!(r.code, 2, "{format}");
        assert_eq!(r.stdout, "", "{format}");
        assert_eq!(
            r.stderr,
            "error: --env: unknown environment `prd` (did you mean prod?); known: dev, staging, prod\n\nFor more information, try '--help'.\n",
            "{format}"
        );
    }
    // The other commands that take --env say it the same way.
    for command in [&["exemptions"][..], &["report", "-o", "markdown"], &["fix", "--check"], &["pin", "--check"]] {
        let r = run(&[command, &["examples/k8s", "--env", "prd"]].concat());
        assert_eq!((r.code, r.stdout.as_str()), (2, ""), "{command:?}");
        assert!(
            r.stderr.starts_with("error: --env: unknown environment `prd` (did you mean prod?)"),
            "{command:?}: {}",
            r.stderr
        );
    }
    // clap's own errors: a mistyped flag or command gets the similar one.
    let r = run(&["test", "examples/k8s", "--envv", "prod"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("tip: a similar argument exists: '--env'"), "{}", r.stderr);
    let r = run(&["tset", "examples/k8s"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("tip: a similar subcommand exists: 'test'"), "{}", r.stderr);
}

#[test]
fn policy_flags_without_a_policy_say_why() {
    let builtin = run(&["test", "examples/k8s", "--builtin"]);
    assert_eq!(builtin.code, 2);
    assert_eq!(builtin.stdout, "");
    assert!(
        builtin.stderr.starts_with(
            "error: --builtin: only has a meaning with -p/--policy: without -p the built-in rules always run"
        ),
        "{}",
        builtin.stderr
    );
    for (args, flag) in [
        (&["--combine"][..], "--combine"),
        (&["-n", "main"][..], "--namespace"),
        (&["--all-namespaces"][..], "--all-namespaces"),
    ] {
        let r = run(&[&["test", "examples/k8s"][..], args].concat());
        assert_eq!(r.code, 2, "{flag}");
        assert_eq!(
            r.stderr,
            format!(
                "error: {flag}: applies to Rego policies, and none are named: add -p/--policy PATH (or list them under `policies:` in kubegate.yaml)\n\nFor more information, try '--help'.\n"
            )
        );
    }
    // With a policy they are accepted.
    let r = run(&["test", "examples/k8s", "-p", "examples/policies", "--builtin", "--combine", "--all-namespaces"]);
    assert_ne!(r.code, 2, "{}{}", r.stdout, r.stderr);
}

#[test]
fn rule_and_skip_rule_choose_the_rules_of_one_run() {
    let (code, v) = json(&["test", "examples/broken", "--rule", "image-digest", "--rule", "seccomp-profile"]);
    assert_eq!(code, 1);
    assert_eq!(
        brief(&v),
        [
            "seccomp-profile deny 22:7 Production deployment 'backend' must set securityContext.seccompProfile.type",
            "image-digest deny 27:18 Production deployment 'backend' container 'app' must use SHA256 digest (image@sha256:...), not version tags",
        ]
    );
    let (_, all) = json(&["test", "examples/broken"]);
    let (_, skipped) = json(&["test", "examples/broken", "--skip-rule", "image-digest"]);
    let without: Vec<String> = brief(&all).into_iter().filter(|f| !f.starts_with("image-digest ")).collect();
    assert_eq!(brief(&skipped), without);
    assert_eq!(brief(&all).len(), without.len() + 1);
    // Unknown ids: exit 2, the flag named (a usage error, on stderr), the closest ids suggested.
    let r = run(&["test", "examples/broken", "--skip-rule", "image-digst", "--rule", "priviledged"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains(
            "error: --rule: unknown rule `priviledged` (did you mean privileged?); `kubegate rules` lists them"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("error: --skip-rule: unknown rule `image-digst` (did you mean image-digest?)"),
        "{}",
        r.stderr
    );
}

#[test]
fn version_names_the_git_revision_of_a_checkout() {
    let r = run(&["version"]);
    assert_eq!(r.code, 0);
    let head = std::process::Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .current_dir(common::root())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let want = match head {
        Some(rev) => format!("kubegate {} (git {rev})\n", env!("CARGO_PKG_VERSION")),
        None => format!("kubegate {}\n", env!("CARGO_PKG_VERSION")),
    };
    assert_eq!(r.stdout, want);
    assert_eq!(run(&["--version"]).stdout, want);
}

/// The commands `kubegate --help` lists, and the long flags `kubegate CMD --help` lists.
fn commands_and_flags() -> Vec<(String, Vec<String>)> {
    let help = run(&["--help"]).stdout;
    let commands: Vec<String> = help
        .split("Commands:\n")
        .nth(1)
        .unwrap()
        .lines()
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 14, "{commands:?}");
    commands
        .into_iter()
        .map(|c| {
            let text = run(&[&c, "--help"]).stdout;
            let mut flags: Vec<String> = text
                .split(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '-'))
                .filter(|w| {
                    w.starts_with("--") && w.len() > 2 && w.chars().nth(2).is_some_and(|ch| ch.is_ascii_lowercase())
                })
                .map(str::to_string)
                .collect();
            flags.sort();
            flags.dedup();
            (c, flags)
        })
        .collect()
}

#[test]
fn every_command_and_flag_is_in_the_completions_and_the_manual_pages() {
    let all = commands_and_flags();
    for shell in ["bash", "zsh", "fish"] {
        let r = run(&["completions", shell]);
        assert_eq!(r.code, 0, "{shell}");
        for (command, flags) in &all {
            assert!(r.stdout.contains(command.as_str()), "{shell}: {command}");
            for flag in flags {
                // fish writes `-l flag`, the others `--flag`.
                let fish = format!("-l {}", &flag[2..]);
                assert!(r.stdout.contains(flag.as_str()) || r.stdout.contains(&fish), "{shell}: {command} {flag}");
            }
        }
    }
    let dir = std::env::temp_dir().join(format!("kubegate-man-{}", std::process::id()));
    let r = run(&["man", &dir.display().to_string()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let main = std::fs::read_to_string(dir.join("kubegate.1")).unwrap();
    for (command, flags) in &all {
        assert!(main.contains(command.as_str()), "kubegate.1 lists {command}");
        let page = std::fs::read_to_string(dir.join(format!("kubegate-{command}.1")))
            .unwrap_or_else(|e| panic!("kubegate-{command}.1: {e}"));
        for flag in flags {
            // roff escapes each `-` as `\-`.
            assert!(page.contains(&flag.replace('-', "\\-")), "kubegate-{command}.1: {flag}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_config_is_found_upward_from_each_path_up_to_the_repository_root() {
    let dir = std::env::temp_dir().join(format!("kubegate-discovery-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let write = |rel: &str, text: &str| {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    };
    let pod =
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: r.example.com/a:1}]}\n";
    // Above the repository: never read (it would be an error).
    write("kubegate.yaml", "not_a_key: 1\n");
    std::fs::create_dir_all(dir.join("repo/.git")).unwrap();
    write("repo/plain/pod.yaml", pod);
    write("repo/app/pod.yaml", pod);
    write("repo/app/kubegate.yaml", "default_environment: dev\n");
    write("repo/other/pod.yaml", pod);
    write("repo/other/kubegate.yaml", "default_environment: staging\n");
    let env_of = |args: &[&str]| {
        let r = run_in(&dir, &[&["test", "-o", "json"][..], args].concat(), None);
        let v: serde_json::Value =
            serde_json::from_str(&r.stdout).unwrap_or_else(|_| panic!("{}{}", r.stdout, r.stderr));
        (r.code, v["resources"][0]["environment"].as_str().unwrap_or("").to_string())
    };
    // No config between the file and the repository root: the defaults (prod).
    assert_eq!(env_of(&["repo/plain/pod.yaml"]).1, "prod");
    // The working directory is above the repository; the paths' own config counts.
    assert_eq!(env_of(&["repo/app"]).1, "dev");
    assert_eq!(env_of(&["repo/app/pod.yaml"]).1, "dev");
    assert_eq!(env_of(&["repo/other/pod.yaml"]).1, "staging");
    // Two configs for one run: a usage error naming both.
    let r = run_in(&dir, &["test", "repo/app", "repo/other"], None);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert!(
        r.stderr.starts_with("error: --config: the inputs fall under different kubegate.yaml files: ")
            && r.stderr.contains("repo/app/kubegate.yaml (for repo/app)")
            && r.stderr.contains("repo/other/kubegate.yaml (for repo/other)"),
        "{}",
        r.stderr
    );
    // One under a config and one under none: the default policy is a second policy, not
    // the config's applied to both.
    let r = run_in(&dir, &["test", "repo/app", "repo/plain"], None);
    assert_eq!((r.code, r.stdout.as_str()), (2, ""));
    assert_eq!(
        r.stderr,
        format!(
            "error: --config: the inputs fall under different kubegate.yaml files: {} (for repo/app), none (for repo/plain); check them in separate runs, or name the one to use with --config\n\nFor more information, try '--help'.\n",
            dir.join("repo/app/kubegate.yaml").display()
        )
    );
    // Stdin's config is the working directory's (here the one above the repository,
    // which no path's search reaches): a second config for the run.
    let r = run_in(&dir, &["test", "repo/app", "-"], Some(pod));
    assert_eq!(r.code, 2);
    let stdin_config = format!("{} (for stdin); check them in separate runs", dir.join("kubegate.yaml").display());
    assert!(r.stderr.contains(&stdin_config), "{}", r.stderr);
    // A kubegate.yaml that is a manifest (kubegate's own Deployment) is not a config: it is
    // checked, and the search for the config goes past it.
    write("repo/deploy/kubegate.yaml", pod);
    let r = run_in(&dir, &["test", "repo/deploy", "-o", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["errors"], serde_json::json!([]));
    assert_eq!(v["resources"][0]["file"], "repo/deploy/kubegate.yaml");
    assert_eq!(v["resources"][0]["environment"], "prod");
    // Named, it is used for both.
    let r = run_in(&dir, &["test", "repo/app", "repo/other", "--config", "repo/app/kubegate.yaml", "-o", "json"], None);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["summary"]["environments"], serde_json::json!({"dev": 2}));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn rules_lists_the_levels_the_config_sets_with_its_environments() {
    let dir = std::env::temp_dir().join(format!("kubegate-rules-config-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("kubegate.yaml"),
        "environments:\n  debug:\n    like: dev\n    namespaces: ['*-debug']\nrules:\n  replicas: {levels: {debug: off, staging: deny}}\n  image-digest: {level: warn}\n",
    )
    .unwrap();
    let r = run_in(&dir, &["rules", "-o", "json"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let levels = |id: &str| v.as_array().unwrap().iter().find(|r| r["id"] == id).unwrap()["levels"].clone();
    assert_eq!(
        levels("replicas"),
        serde_json::json!({"dev": "off", "staging": "deny", "prod": "deny", "debug": "off"})
    );
    assert_eq!(
        levels("image-digest"),
        serde_json::json!({"dev": "warn", "staging": "warn", "prod": "warn", "debug": "warn"})
    );
    assert_eq!(
        levels("privileged"),
        serde_json::json!({"dev": "deny", "staging": "deny", "prod": "deny", "debug": "deny"})
    );
    let table = run_in(&dir, &["rules"], None).stdout;
    assert!(table.starts_with("RULE                        DEV    STAGING  PROD   DEBUG  SUMMARY\n"), "{table}");
    assert!(table.contains("\nreplicas                    off    deny     deny   off    "), "{table}");
    assert!(table.ends_with("\nLevels as kubegate.yaml sets them.\n"), "{table}");
    // --config names it from anywhere; a bad one is exit 2 at its line.
    let named = run(&["rules", "-o", "json", "--config", dir.join("kubegate.yaml").to_str().unwrap()]);
    assert_eq!(named.stdout, r.stdout);
    std::fs::write(dir.join("kubegate.yaml"), "rules:\n  replica: {level: off}\n").unwrap();
    let bad = run_in(&dir, &["rules"], None);
    assert_eq!(bad.code, 2);
    assert!(bad.stdout.contains("unknown key `replica` in `rules` (did you mean replicas?)"), "{}", bad.stdout);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn init_writes_a_commented_config_from_the_folders_and_never_overwrites() {
    let dir = std::env::temp_dir().join(format!("kubegate-init-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let pod = |ns: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: {ns}}}\nspec: {{containers: [{{name: a, image: r.example.com/a:1}}]}}\n"
        )
    };
    for (rel, ns) in [
        ("overlays/prod/a.yaml", "shop"),
        ("overlays/qa/b.yaml", "shop"),
        ("clusters/uat/c.yaml", "shop"),
        ("apps/d.yaml", "tools-debug"),
    ] {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, pod(ns)).unwrap();
    }
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let r = run_in(&dir, &["init"], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "wrote ./kubegate.yaml (4 manifests and Dockerfiles found)\n  clusters/uat/ (1 file) → uat, declared like staging\n  overlays/prod/ (1 file) → prod (its name is enough)\n  overlays/qa/ (1 file) → qa, declared like staging\nnext: kubegate test (and read the comments in the file; `kubegate rules` shows the levels it sets)\n"
    );
    let text = std::fs::read_to_string(dir.join("kubegate.yaml")).unwrap();
    assert!(
        text.contains("# Bound by their folder name, with nothing to declare:\n#   overlays/prod/ -> prod\n"),
        "{text}"
    );
    assert!(
        text.contains("  # Found folders named qa; its levels are staging's (change `like` if not).\n  qa:\n    like: staging\n    paths:\n      - \"overlays/qa/**\"\n"),
        "{text}"
    );
    assert!(text.contains("  # debug:\n  #   like: dev\n  #   namespaces: [\"*-debug\"]\n"), "{text}");
    // The file is a valid config, and binds what it says.
    let envs = |dir: &std::path::Path| {
        let r = run_in(dir, &["env", "-o", "json"], None);
        assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
        let mut e: Vec<String> = v["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{} {}", r["file"].as_str().unwrap(), r["environment"].as_str().unwrap()))
            .collect();
        e.sort();
        e
    };
    assert_eq!(
        envs(&dir),
        ["apps/d.yaml prod", "clusters/uat/c.yaml uat", "overlays/prod/a.yaml prod", "overlays/qa/b.yaml qa"]
    );
    // Never overwritten.
    let again = run_in(&dir, &["init"], None);
    assert_eq!(again.code, 2);
    assert!(
        again.stderr.contains("kubegate.yaml already exists; kubegate init does not overwrite a config"),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read_to_string(dir.join("kubegate.yaml")).unwrap(), text);
    // The debug example, uncommented, binds the *-debug namespaces to a dev-like environment.
    let uncommented =
        text.replace("  # debug:\n  #   like: dev\n  #   namespaces:", "  debug:\n    like: dev\n    namespaces:");
    std::fs::write(dir.join("kubegate.yaml"), uncommented).unwrap();
    assert_eq!(
        envs(&dir),
        ["apps/d.yaml debug", "clusters/uat/c.yaml uat", "overlays/prod/a.yaml prod", "overlays/qa/b.yaml qa"]
    );
    std::fs::remove_dir_all(&dir).ok();
}
