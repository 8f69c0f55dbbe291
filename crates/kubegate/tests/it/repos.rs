//! Right on real repositories: nothing named on the command line is passed without being
//! checked, one broken document does not drop the others, Go templates in valid strings
//! are not templates, and a path's tier is read only below the project root, the
//! strictest segment winning.

use crate::common;

use common::{errors, root, run_in};
use serde_json::Value;
use std::path::Path;

const DATA: &str = "crates/kubegate/tests/data";

fn json_in(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut all = args.to_vec();
    all.extend(["-o", "json"]);
    let r = run_in(dir, &all, None);
    let v = serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {} {}", r.stdout, r.stderr));
    (r.code, v)
}

fn json(args: &[&str]) -> (i32, Value) {
    json_in(&root(), args)
}

/// `rule line name` of each denial.
fn denied(v: &Value) -> Vec<String> {
    let mut out: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == "deny")
        .map(|f| format!("{} {} {}", f["rule"].as_str().unwrap(), f["line"], f["resource"]["name"].as_str().unwrap()))
        .collect();
    out.dedup();
    out
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kubegate-repos-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_kustomization_file_named_on_its_own_is_its_overlay() {
    let dir = "crates/kubegate/tests/data/kustomize/overlays/prod";
    let (code_dir, by_dir) = json(&["test", dir]);
    let (code_file, by_file) = json(&["test", &format!("{dir}/kustomization.yaml")]);
    assert_eq!(by_dir["summary"]["resources"], 2, "{by_dir}");
    assert_eq!((code_file, &by_file["summary"]), (code_dir, &by_dir["summary"]));
    assert_eq!(by_file["findings"], by_dir["findings"]);
}

#[test]
fn a_folder_with_no_manifests_is_an_error_not_a_pass() {
    let empty = temp_dir("empty");
    let readme = temp_dir("readme");
    std::fs::write(readme.join("README.md"), "# nothing to deploy\n").unwrap();
    for dir in [&empty, &readme] {
        let shown = dir.display().to_string();
        let (code, v) = json(&["test", &shown]);
        assert_eq!(code, 2, "{v}");
        assert_eq!(
            errors(&v),
            [format!(
                "{shown}:0:0 no manifests found in {shown}: no .yaml, .yml or .json file, no Dockerfile and no kustomization"
            )]
        );
    }
    // Beside a directory that has manifests, the empty one is still an error, and the
    // other is still checked.
    let (code, v) = json(&["test", &empty.display().to_string(), &format!("{DATA}/repos/tiers")]);
    assert_eq!((code, v["summary"]["resources"].as_u64()), (2, Some(2)));
}

#[test]
fn one_broken_document_does_not_drop_the_others_and_go_templates_in_strings_are_checked() {
    let (code, v) = json(&["test", &format!("{DATA}/repos/stream/stack.yaml")]);
    assert_eq!(code, 2);
    // The alerting rule (with `{{ $labels… }}` and `{{ with … -}}` in a string) and both
    // pods around the broken ConfigMap are checked.
    assert_eq!(v["summary"]["resources"], 3);
    assert_eq!(
        errors(&v),
        [format!(
            "{DATA}/repos/stream/stack.yaml:32:5 cannot parse YAML: while parsing a flow mapping, did not find expected ',' or '}}'"
        )]
    );
    let denied = denied(&v);
    assert!(denied.contains(&"privileged 27 first".to_string()), "{denied:?}");
    assert!(denied.contains(&"host-namespaces 40 second".to_string()), "{denied:?}");
}

#[test]
fn only_text_that_fails_to_parse_is_called_a_template() {
    let (code, v) = json(&["test", &format!("{DATA}/repos/templates/chart.yaml")]);
    assert_eq!(code, 2);
    // The comment's braces are not a template; the unrendered Deployment is, at its first
    // `{{`; the Pod before it is checked.
    assert_eq!(
        errors(&v),
        [format!(
            "{DATA}/repos/templates/chart.yaml:16:9 unrendered Helm template (`{{{{ … }}}}`): render it first, e.g. `helm template CHART | kubegate test -`"
        )]
    );
    assert_eq!(v["summary"]["resources"], 1);
    assert!(denied(&v).contains(&"privileged 11 good".to_string()));
}

/// `environment (reason)` of each resource, as `kubegate env` reports it.
fn environments(dir: &Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["env"];
    all.extend(args);
    all.extend(["-o", "json"]);
    let r = run_in(dir, &all, None);
    assert_eq!(r.code, 0, "{} {}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} ({})", r["environment"].as_str().unwrap(), r["environment_reason"].as_str().unwrap()))
        .collect()
}

#[test]
fn the_folders_a_checkout_lives_in_never_choose_the_tier() {
    // A CI workspace under `…/dev/…`: the repository (a Git work tree) is the project root.
    let ws = temp_dir("workspace");
    let repo = ws.join("dev/repo");
    std::fs::create_dir_all(repo.join("k8s")).unwrap();
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    let manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: app\nspec:\n  containers:\n    - name: app\n      image: registry.example.com/app:1.0\n      securityContext:\n        privileged: true\n";
    std::fs::write(repo.join("k8s/app.yaml"), manifest).unwrap();
    let abs = repo.join("k8s/app.yaml").display().to_string();
    let strict = "prod (no path or namespace matched; prod is the strict default)";
    // Given relatively inside the repository, absolutely from there, and absolutely from
    // the workspace above it: the same tier each time.
    assert_eq!(environments(&repo, &["k8s/app.yaml"]), [strict]);
    assert_eq!(environments(&repo, &[&abs]), [strict]);
    assert_eq!(environments(&ws, &[&abs]), [strict]);
    let (code, v) = json_in(&ws, &["test", &abs]);
    assert_eq!((code, v["summary"]["environments"].clone()), (1, serde_json::json!({"prod": 1})));
    // Without a Git work tree, the working directory is the root: `dev/` below it counts.
    std::fs::remove_dir_all(repo.join(".git")).unwrap();
    assert_eq!(environments(&ws, &[&abs]), [format!("dev (path segment `dev` in {abs})")]);
    assert_eq!(environments(&repo, &[&abs]), [strict]);
}

#[test]
fn when_path_segments_name_different_tiers_the_strictest_wins() {
    let tiers = format!("{DATA}/repos/tiers");
    assert_eq!(
        environments(&root(), &[&tiers]),
        [
            format!("prod (path segment `prod` in {tiers}/prod/dev/app.yaml (also `dev`; the strictest wins))"),
            format!("prod (path segment `prod` in {tiers}/prod/dev.yaml (also `dev`; the strictest wins))"),
        ]
    );
}

#[test]
fn a_kustomize_file_named_on_its_own_is_checked_through_its_overlays_once() {
    let tree = "examples/kustomize/k8s";
    let patch = format!("{tree}/overlays/prod/backend-deployment.yaml");
    let (code, alone) = json(&["test", &patch]);
    let (_, overlay) = json(&["test", &format!("{tree}/overlays/prod")]);
    assert_eq!(code, 0, "{alone}");
    assert_eq!(alone["summary"], overlay["summary"]);
    assert_eq!(alone["summary"]["resources"], 6);
    // With its overlay beside it, the overlay is checked once.
    let (_, both) = json(&["test", &patch, &format!("{tree}/overlays/prod")]);
    assert_eq!(both["summary"], overlay["summary"]);
    // A base is checked through every overlay that builds from it.
    let (_, base) = json(&["test", &format!("{tree}/base/deployment.yaml")]);
    assert_eq!(base["summary"]["environments"], serde_json::json!({"dev": 5, "prod": 6, "staging": 6}));
    // The patch on its own, as a plain file, would have been a partial Deployment: no
    // errors and no findings about what the base holds.
    assert_eq!(base["summary"]["denials"], 0);
    assert_eq!(base["errors"], serde_json::json!([]));
}

#[test]
fn a_path_glob_matches_a_rendered_overlay_by_its_folder_and_a_glob_matching_nothing_is_reported() {
    let dir = temp_dir("globs");
    let overlay = dir.join("k8s/overlays/staging");
    std::fs::create_dir_all(&overlay).unwrap();
    std::fs::write(overlay.join("kustomization.yaml"), "resources:\n  - namespace.yaml\n").unwrap();
    std::fs::write(overlay.join("namespace.yaml"), "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n")
        .unwrap();
    std::fs::write(
        dir.join("kubegate.yaml"),
        "environments:\n  staging:\n    paths: [\"k8s/overlays/staging/**\"]\n  qa:\n    like: staging\n    paths: [\"k8s/overlay/qa/**\"]\n",
    )
    .unwrap();
    // The glob written for the files below the overlay covers the rendered overlay.
    let r = run_in(&dir, &["env", "k8s/overlays/staging", "-o", "json"], None);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["resources"][0]["environment_reason"], "path matches `k8s/overlays/staging/**` in kubegate.yaml",
        "{v}"
    );
    // The typo matches nothing: said, with its line, without failing the run.
    let (code, v) = json_in(&dir, &["test", "k8s"]);
    assert_eq!(code, 0, "{v}");
    assert_eq!(
        v["notices"],
        serde_json::json!([{
            "file": "kubegate.yaml", "line": 6, "column": 13,
            "message": "environments.qa.paths: `k8s/overlay/qa/**` matches no input and no file or folder beside the config file; check the pattern (paths are relative to the config file's folder)"
        }])
    );
    let r = run_in(&dir, &["test", "k8s", "--no-color"], None);
    assert!(
        r.stdout.contains("warning: kubegate.yaml:6:13: environments.qa.paths: `k8s/overlay/qa/**` matches no input"),
        "{}",
        r.stdout
    );
}
