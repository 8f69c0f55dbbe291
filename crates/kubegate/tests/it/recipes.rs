//! The CI recipes of docs/ci.md and the pre-commit hooks of .pre-commit-hooks.yaml: their
//! YAML parses, and every kubegate command they run works here, on the examples standing
//! in for a team's `k8s/` tree.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// Runs a recipe's shell line with kubegate first on PATH, in a copy of the examples laid
/// out as `k8s/overlays/prod` and `k8s/`.
fn sh(line: &str) -> i32 {
    let bin = Path::new(env!("CARGO_BIN_EXE_kubegate")).parent().unwrap().to_path_buf();
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let work = std::env::temp_dir().join(format!("kubegate-recipe-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(work.join("k8s/overlays")).unwrap();
    for (from, to) in [("examples/k8s/prod", "k8s/overlays/prod"), ("examples/k8s/dev", "k8s/overlays/dev")] {
        let to = work.join(to);
        std::fs::create_dir_all(&to).unwrap();
        for e in std::fs::read_dir(root().join(from)).unwrap() {
            let p = e.unwrap().path();
            std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
        }
    }
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let status = Command::new("bash")
        .args(["-euc", line])
        .current_dir(&work)
        .env("PATH", path)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    std::fs::remove_dir_all(&work).ok();
    status.code().unwrap()
}

/// The YAML code blocks of a Markdown file.
fn yaml_blocks(md: &str) -> Vec<String> {
    md.split("```yaml\n").skip(1).map(|b| b.split("```").next().unwrap().to_string()).collect()
}

fn commands(text: &str) -> Vec<String> {
    let arena = kubegate_yaml::Bump::new();
    let loaded = kubegate_yaml::load(text, &arena);
    assert!(loaded.error.is_none(), "{:?}\n{text}", loaded.error);
    let mut out = Vec::new();
    fn walk(n: &kubegate_yaml::Node<'_>, out: &mut Vec<String>) {
        for (k, v) in n.entries() {
            if matches!(k.text, "run" | "entry") {
                out.extend(v.as_str().map(str::to_string));
            }
            if k.text == "script" {
                out.extend(v.items().iter().filter_map(|i| i.as_str()).map(str::to_string));
            }
            walk(v, out);
        }
        for i in n.items() {
            walk(i, out);
        }
    }
    for d in &loaded.documents {
        walk(&d.root, &mut out);
    }
    out.into_iter().filter(|c| c.starts_with("kubegate ")).collect()
}

#[test]
fn the_ci_recipes_run() {
    let md = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    let blocks = yaml_blocks(&md);
    assert_eq!(blocks.len(), 5, "GitHub Actions, the kubegate action, GitLab CI, pre-commit config, pin and fix");
    let cmds: Vec<String> = blocks.iter().flat_map(|b| commands(b)).collect();
    assert_eq!(
        cmds,
        [
            "kubegate test k8s/overlays/prod -o github",
            "kubegate test k8s/ -o sarif > kubegate.sarif || test $? -eq 1",
            "kubegate test k8s/ -o junit > kubegate-junit.xml",
            "kubegate pin k8s/ --check && kubegate fix k8s/ --diff && kubegate fix k8s/ --check",
        ]
    );
    // The examples pass: the gate lets them through, and the reports are written.
    assert_eq!(sh(&cmds[0]), 0);
    assert_eq!(sh(&format!("{} && test -s kubegate.sarif", cmds[1])), 0);
    assert_eq!(sh(&format!("{}; test -s kubegate-junit.xml && grep -q '<testsuites' kubegate-junit.xml", cmds[2])), 0);
    // Nothing the rules repair safely is left undone in the examples, and their
    // production images are pinned; an image that loses its digest, or a repair undone,
    // fails the job.
    assert_eq!(sh(&cmds[3]), 0);
    let prod = "k8s/overlays/prod/deployment.yaml";
    assert_eq!(sh(&format!("sed -i 's/backend@sha256:[0-9a-f]*/backend:v1.2.3/' {prod} && {}", cmds[3])), 1);
    assert_eq!(sh(&format!("sed -i '/allowPrivilegeEscalation: false/d' {prod} && {}", cmds[3])), 1);
}

#[test]
fn the_pre_commit_hooks_check_the_files_they_are_given() {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let entries = commands(&text);
    assert_eq!(entries, ["kubegate test --no-color", "kubegate test --no-color --fail-on-warn"]);
    // pre-commit appends the staged file names.
    let good = "k8s/overlays/prod/deployment.yaml k8s/overlays/prod/service.yaml";
    assert_eq!(sh(&format!("{} {good}", entries[0])), 0);
    assert_eq!(
        sh(&format!("sed -i 's/replicas: 2/replicas: 1/' k8s/overlays/prod/deployment.yaml && {} {good}", entries[0])),
        1
    );
    // The strict hook fails on a warning (a dev image on latest warns in dev).
    let dev = "k8s/overlays/dev/deployment.yaml";
    assert_eq!(sh(&format!("sed -i 's/backend:v1.2.3/backend:latest/' {dev} && {} {dev}", entries[0])), 0);
    assert_eq!(sh(&format!("sed -i 's/backend:v1.2.3/backend:latest/' {dev} && {} {dev}", entries[1])), 1);
}

/// Runs a line in a copy of the example Kustomize tree (`k8s/base`, `k8s/overlays/*`),
/// returning the exit status and what kubegate printed.
fn sh_kustomize(line: &str) -> (i32, String) {
    fn copy(from: &Path, to: &Path) {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                copy(&p, &to.join(p.file_name().unwrap()));
            } else {
                std::fs::copy(&p, to.join(p.file_name().unwrap())).unwrap();
            }
        }
    }
    let bin = Path::new(env!("CARGO_BIN_EXE_kubegate")).parent().unwrap().to_path_buf();
    let work = std::env::temp_dir().join(format!("kubegate-recipe-kustomize-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    copy(&root().join("examples/kustomize"), &work);
    // A repository of its own: the project root for finding the overlays.
    std::fs::create_dir_all(work.join(".git")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("bash").args(["-euc", line]).current_dir(&work).env("PATH", path).output().unwrap();
    std::fs::remove_dir_all(&work).ok();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

#[test]
fn the_pre_commit_hook_checks_staged_kustomize_files_through_their_overlays() {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).unwrap();
    let hook = &commands(&text)[0];
    // A change to a base and two patches: every overlay that renders them, once each, and
    // no false finding (on their own the patches are partial documents).
    let staged = "k8s/base/deployment.yaml k8s/overlays/prod/backend-deployment.yaml k8s/overlays/staging/backend-deployment.yaml k8s/base/kustomization.yaml";
    let (code, out) = sh_kustomize(&format!("{hook} {staged}"));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with("3 files, 17 resources (dev 5, prod 6, staging 6): 0 denials, 0 warnings, 0 errors\n"),
        "{out}"
    );
    // The patch breaks production: the finding is the patch's, at its line.
    let (code, out) = sh_kustomize(&format!(
        "sed -i 's/replicas: 3/replicas: 1/' k8s/overlays/prod/backend-deployment.yaml && {hook} {staged}"
    ));
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("error[replicas]: Production deployment 'backend' must have replicas >= 2 for HA\n --> k8s/overlays/prod/backend-deployment.yaml:6:13"),
        "{out}"
    );
    assert!(
        out.ends_with("3 files, 17 resources (dev 5, prod 6, staging 6): 1 denial, 0 warnings, 0 errors\nnext: replicas is the most frequent (1 of 1): `kubegate explain replicas`\n"),
        "{out}"
    );
}
