//! Dockerfiles through the binary: found by walking (beside a kustomization too) and by
//! name, bound by their path, ignored files counted, a broken one an error at the
//! parser's line while the others are still checked, line and column in every format,
//! exemption directives listed by `kubegate exemptions`, and the repository's own
//! Dockerfile passing every rule.

use crate::common::{brief, errors, root, run_in};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn tree(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubegate-dockerfiles-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn json(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut a = args.to_vec();
    a.extend(["-o", "json", "--today", "2026-06-01"]);
    let r = run_in(dir, &a, None);
    (r.code, serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", r.stdout, r.stderr)))
}

const ROOT_USER: &str = "FROM gcr.io/distroless/static-debian12:nonroot@sha256:6ec5aa99dc335666e79dc64e4a6c8b89c33a543a1967f20d360922a80dd21f02\nUSER root\n";

#[test]
fn dockerfiles_are_found_by_walking_and_by_name_and_bound_by_their_path() {
    let dir = tree("walk");
    write(&dir, "repo/services/api/Dockerfile", ROOT_USER);
    write(&dir, "repo/services/worker/dev.Dockerfile", ROOT_USER);
    write(&dir, "repo/services/worker/Dockerfile.j2", "{{ not a Dockerfile }}\n");
    write(&dir, "repo/legacy/Containerfile", ROOT_USER);
    write(&dir, "repo/.kubegateignore", "legacy/\n");
    // A kustomization's folder: Kustomize renders the manifests, the Dockerfile beside
    // them is checked too.
    write(&dir, "repo/app/kustomization.yaml", "resources: [cm.yaml]\n");
    write(
        &dir,
        "repo/app/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  mode: fast\n",
    );
    write(&dir, "repo/app/Dockerfile", ROOT_USER);
    let (code, v) = json(&dir.join("repo"), &["test", "."]);
    assert_eq!(code, 1, "{v}");
    let found: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {} {} {}:{}", f["file"], f["environment"], f["rule"], f["line"], f["column"]))
        .collect();
    assert_eq!(
        found,
        [
            r#""app/Dockerfile" "prod" "dockerfile-user" 2:6"#,
            r#""services/api/Dockerfile" "prod" "dockerfile-user" 2:6"#,
            r#""services/worker/dev.Dockerfile" "dev" "dockerfile-user" 2:6"#,
        ]
    );
    assert_eq!(
        v["findings"][0]["message"],
        "Production Dockerfile 'app/Dockerfile' runs as root (USER root); switch to a non-root user"
    );
    assert_eq!(v["findings"][0]["path"], "stages[0].USER");
    assert_eq!(
        v["findings"][0]["resource"],
        serde_json::json!({"apiVersion": "", "kind": "Dockerfile", "namespace": null, "name": "app/Dockerfile"})
    );
    assert_eq!(
        v["skipped"],
        serde_json::json!([{"file": "legacy/Containerfile", "why": "ignored by .gitignore or .kubegateignore"}])
    );
    assert_eq!(v["summary"]["resources"], 4, "three Dockerfiles and the rendered ConfigMap");
    // Named: the Dockerfile alone, bound by its path; --env binds it as it binds manifests.
    let (code, v) = json(&dir.join("repo"), &["test", "services/worker/dev.Dockerfile"]);
    assert_eq!((code, brief(&v)), (0, vec!["dockerfile-user warn 2:6 Development Dockerfile 'services/worker/dev.Dockerfile' runs as root (USER root); switch to a non-root user".to_string()]));
    let (_, v) = json(&dir.join("repo"), &["test", "services/worker/dev.Dockerfile", "--env", "prod"]);
    assert_eq!(v["findings"][0]["level"], "deny");
    // A named kustomization folder: its Dockerfiles are checked, and --exclude leaves them out.
    let (_, v) = json(&dir.join("repo"), &["test", "app", "--exclude", "app/Dockerfile"]);
    assert_eq!(
        v["skipped"],
        serde_json::json!([{"file": "app/Dockerfile", "why": "excluded by --exclude `app/Dockerfile`"}])
    );
    assert!(brief(&v).is_empty(), "{v}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_dockerfile_that_does_not_parse_is_an_error_at_its_line_and_the_others_are_checked() {
    let dir = tree("broken");
    write(&dir, "prod/Dockerfile", "FROM alpine:3.20\nRUN echo \\\n  one\nNOTANINSTRUCTION x\n");
    write(&dir, "prod/api.Dockerfile", ROOT_USER);
    let (code, v) = json(&dir, &["test", "prod"]);
    assert_eq!(code, 2);
    assert_eq!(errors(&v), ["prod/Dockerfile:4:1 cannot parse Dockerfile: unknown instruction 'NOTANINSTRUCTION'"]);
    assert_eq!(
        brief(&v),
        [
            "dockerfile-user deny 2:6 Production Dockerfile 'prod/api.Dockerfile' runs as root (USER root); switch to a non-root user"
        ]
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn every_format_points_at_the_dockerfile_line_and_column() {
    let args = ["test", "examples/dockerfiles", "--today", "2026-06-01", "-o"];
    let run = |format: &str| {
        let mut a = args.to_vec();
        a.push(format);
        let r = run_in(&root(), &a, None);
        assert_eq!(r.code, 1, "{format}: {}", r.stderr);
        r.stdout
    };
    let github = run("github");
    assert!(
        github.contains("::error file=examples/dockerfiles/prod/worker.Dockerfile,line=3,col=49,endLine=3,endColumn=89,title=dockerfile-secret::"),
        "{github}"
    );
    let table = run("table");
    assert!(table.contains("examples/dockerfiles/prod/worker.Dockerfile:8:6"), "{table}");
    let junit = run("junit");
    assert!(junit.contains("Dockerfile/examples/dockerfiles/prod/worker.Dockerfile"), "{junit}");
    let tap = run("tap");
    assert!(tap.contains("line: 8"), "{tap}");
    let sarif = run("sarif");
    let v: Value = serde_json::from_str(&sarif).unwrap();
    let secret =
        v["runs"][0]["results"].as_array().unwrap().iter().find(|r| r["ruleId"] == "dockerfile-secret").unwrap();
    let region = &secret["locations"][0]["physicalLocation"]["region"];
    assert_eq!((region["startLine"].as_u64(), region["startColumn"].as_u64()), (Some(3), Some(49)));
    crate::formats::validate_with_multitool(&sarif, &["examples/dockerfiles"]);
}

#[test]
fn exemption_directives_are_listed_and_exempt() {
    let dir = tree("exempt");
    write(
        &dir,
        "prod/Dockerfile",
        "FROM gcr.io/distroless/static-debian12:nonroot@sha256:6ec5aa99dc335666e79dc64e4a6c8b89c33a543a1967f20d360922a80dd21f02\n# kubegate:exempt rules=dockerfile-user reason=\"the vendor's agent needs root\" issue=https://github.com/org/repo/issues/9 expires=2026-07-01\nUSER root\n",
    );
    let (code, v) = json(&dir, &["test", "prod"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["findings"][0]["exemption"]["source"], "comment");
    assert_eq!(v["findings"][0]["exemption"]["line"], 2);
    let (code, v) = json(&dir, &["exemptions", "prod"]);
    assert_eq!(code, 0, "{v}");
    let e = &v["exemptions"][0];
    assert_eq!(
        (e["file"].as_str(), e["line"].as_u64(), e["source"].as_str(), e["state"].as_str(), e["reason"].as_str()),
        (Some("prod/Dockerfile"), Some(2), Some("comment"), Some("active"), Some("the vendor's agent needs root"))
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_repository_dockerfile_passes_every_rule() {
    let r = run_in(&root(), &["test", "Dockerfile", "--env", "prod", "-o", "json"], None);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!((r.code, brief(&v)), (0, Vec::<String>::new()));
    assert_eq!(v["summary"]["resources"], 1);
}
