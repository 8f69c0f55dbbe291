//! `kubegate fix` on a copy of a manifest: the diff it prints (which `patch` applies), the
//! file it writes (idempotent, the check then quiet about what it repaired), `--check`'s
//! status, and what it refuses.

use crate::common::{root, run_in};
use std::path::{Path, PathBuf};

fn copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubegate-fix-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("deploy")).unwrap();
    std::fs::copy(root().join("crates/kubegate/tests/data/fix/app.yaml"), dir.join("deploy/app.yaml")).unwrap();
    dir
}

const DIFF: &str = "\
--- a/deploy/app.yaml
+++ b/deploy/app.yaml
@@ -1,6 +1,8 @@
 apiVersion: apps/v1
 kind: Deployment
 metadata:
+  labels:
+    environment: prod
   name: api
   namespace: shop-prod
 spec:
@@ -13,13 +15,18 @@
       labels:
         app: api
     spec:
+      securityContext:
+        seccompProfile:
+          type: RuntimeDefault
       # scratch space for the app
       volumes:
         - name: tmp
-          emptyDir: {}
+          emptyDir: {sizeLimit: 1Gi}
       containers:
         - name: app
           image: nginx:1.27
           securityContext:
+            allowPrivilegeEscalation: false
             capabilities:
+              drop: [ALL]
               add: [NET_BIND_SERVICE]
";

#[test]
fn the_diff_check_and_write_agree_and_a_second_run_changes_nothing() {
    let dir = copy("write");
    let original = std::fs::read_to_string(dir.join("deploy/app.yaml")).unwrap();
    let diff = run_in(&dir, &["fix", "deploy/", "--diff"], None);
    assert_eq!(diff.code, 0, "{}", diff.stderr);
    let printed = &diff.stdout[diff.stdout.find("--- a/").unwrap()..diff.stdout.rfind("\n5 repairs").unwrap() + 1];
    assert_eq!(printed, DIFF);
    assert!(diff.stdout.ends_with("5 repairs to make in 1 file; 4 not made (--unsafe-fixes, or refused: see above); 12 findings need a person\n"), "{}", diff.stdout);
    assert_eq!(std::fs::read_to_string(dir.join("deploy/app.yaml")).unwrap(), original, "--diff changes nothing");
    assert_eq!(run_in(&dir, &["fix", "deploy/", "--check"], None).code, 1);

    let written = run_in(&dir, &["fix", "deploy/"], None);
    assert_eq!(written.code, 0, "{}", written.stdout);
    assert!(written.stdout.contains("fixed        deploy/app.yaml:23 [allow-privilege-escalation] spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = false\n"), "{}", written.stdout);
    assert!(written.stdout.contains(
        "by hand      deploy/app.yaml:21 [liveness-probe] define a livenessProbe (httpGet, tcpSocket, grpc or exec)\n"
    ));
    let fixed = std::fs::read_to_string(dir.join("deploy/app.yaml")).unwrap();
    // The diff is exactly what was written: `patch` turns the original into the file.
    let patched = dir.join("patched");
    std::fs::create_dir_all(patched.join("deploy")).unwrap();
    std::fs::write(patched.join("deploy/app.yaml"), &original).unwrap();
    let status = std::process::Command::new("patch")
        .args(["-p1", "--quiet"])
        .current_dir(&patched)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin.take().unwrap().write_all(DIFF.as_bytes())?;
            c.wait()
        });
    if let Ok(status) = status {
        assert!(status.success());
        assert_eq!(std::fs::read_to_string(patched.join("deploy/app.yaml")).unwrap(), fixed);
    } else {
        eprintln!("skipped the patch comparison: no `patch` on this machine");
    }
    // The check no longer reports what was repaired; a second run changes nothing.
    let test = run_in(&dir, &["test", "deploy/", "-o", "json"], None);
    let report: serde_json::Value = serde_json::from_str(&test.stdout).unwrap();
    let rules: Vec<&str> = report["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    for repaired in [
        "environment-label",
        "seccomp-profile",
        "emptydir-size-limit",
        "allow-privilege-escalation",
        "capabilities-drop-all",
    ] {
        assert!(!rules.contains(&repaired), "{repaired} in {rules:?}");
    }
    assert_eq!(run_in(&dir, &["fix", "deploy/", "--check"], None).code, 0);
    let again = run_in(&dir, &["fix", "deploy/"], None);
    assert!(
        again.stdout.ends_with(
            "0 repairs made in 0 files; 4 not made (--unsafe-fixes, or refused: see above); 12 findings need a person\n"
        ),
        "{}",
        again.stdout
    );
    assert_eq!(std::fs::read_to_string(dir.join("deploy/app.yaml")).unwrap(), fixed);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn unsafe_fixes_when_asked_one_rule_when_asked_and_what_is_refused() {
    let dir = copy("unsafe");
    let r = run_in(&dir, &["fix", "deploy/", "--unsafe-fixes", "--rule", "run-as-non-root", "--diff"], None);
    assert!(r.stdout.contains("+        runAsNonRoot: true\n"), "{}", r.stdout);
    assert!(
        r.stdout.ends_with(
            "1 repair to make in 1 file; 0 not made (--unsafe-fixes, or refused: see above); 0 findings need a person\n"
        ),
        "{}",
        r.stdout
    );
    let r = run_in(&dir, &["fix", "deploy/", "--rule", "no-such-rule"], None);
    assert_eq!(
        (r.code, r.stdout.as_str(), r.stderr.as_str()),
        (
            2,
            "",
            "error: --rule: unknown rule `no-such-rule`; `kubegate rules` lists them\n\nFor more information, try '--help'.\n"
        )
    );
    // A file that does not parse: its error first, the others still fixed, status 2.
    std::fs::write(dir.join("deploy/broken.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n").unwrap();
    let r = run_in(&dir, &["fix", "deploy/", "--check"], None);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.starts_with("error: deploy/broken.yaml:4:1: cannot parse YAML"), "{}", r.stdout);
    assert!(r.stdout.contains("not fixed: deploy/broken.yaml has errors (above); fix them first\n"), "{}", r.stdout);
    assert!(r.stdout.contains("to fix       deploy/app.yaml:"), "{}", r.stdout);
    // Stdin is not edited, but --check counts what it would repair there: a stream piped
    // in is no pass.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, image: x}]}\n";
    let r = run_in(Path::new(&dir), &["fix", "-", "--check", "--rule", "seccomp-profile"], Some(pod));
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            1,
            "to fix       <stdin>:4 [seccomp-profile] spec.securityContext.seccompProfile.type = RuntimeDefault\n\
             not fixed: stdin cannot be edited in place\n\
             1 repair to make in 1 file; 0 not made (--unsafe-fixes, or refused: see above); 0 findings need a person\n"
        )
    );
    let r = run_in(Path::new(&dir), &["fix", "-", "--rule", "seccomp-profile"], Some(pod));
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            0,
            "not fixed: stdin cannot be edited in place\n\
             0 repairs made in 0 files; 0 not made (--unsafe-fixes, or refused: see above); 0 findings need a person\n"
        )
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_config_chooses_the_size_limit_and_the_user_and_a_bad_value_is_an_error_at_its_line() {
    let dir = copy("config");
    std::fs::write(dir.join("kubegate.yaml"), "fix:\n  empty_dir_size_limit: 256Mi\n  run_as_user: 20000\n").unwrap();
    let r = run_in(&dir, &["fix", "deploy/", "--diff", "--unsafe-fixes"], None);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("+          emptyDir: {sizeLimit: 256Mi}\n"), "{}", r.stdout);
    assert!(r.stdout.contains("+        runAsUser: 20000\n"), "{}", r.stdout);
    // The pod's own `tmp` emptyDir is mounted at /tmp for the read-only root filesystem.
    assert!(r.stdout.contains("+        - volumeMounts: [{name: tmp, mountPath: /tmp}]\n"), "{}", r.stdout);
    std::fs::write(dir.join("kubegate.yaml"), "fix:\n  empty_dir_size_limit: lots\n").unwrap();
    let r = run_in(&dir, &["fix", "deploy/", "--diff"], None);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout.contains("kubegate.yaml:2:25: fix.empty_dir_size_limit: `lots` is not a positive Kubernetes quantity (`512Mi`, `1Gi`)"),
        "{}",
        r.stdout
    );
    std::fs::write(dir.join("kubegate.yaml"), "fix:\n  run_as_user: 0\n").unwrap();
    let r = run_in(&dir, &["fix", "deploy/", "--diff"], None);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.contains("kubegate.yaml:2:16: `fix.run_as_user` must be at least 1, found 0"), "{}", r.stdout);
    std::fs::remove_dir_all(&dir).ok();
}

/// A Kustomize tree: a base shared by two overlays, a production patch that turns a
/// setting off, and a staging overlay whose label comes from a transformation.
fn kustomize_tree(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubegate-fix-kustomize-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let files = [
        ("k8s/base/kustomization.yaml", "resources:\n  - deployment.yaml\n"),
        (
            "k8s/base/deployment.yaml",
            "# The API, as every environment runs it.\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 2\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      volumes:\n        - name: cache\n          emptyDir: {}\n      containers:\n        - name: app\n          image: ghcr.io/acme/api@sha256:0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a090807060504030201000\n          securityContext:\n            capabilities:\n              add: [NET_BIND_SERVICE]   # binds :80\n",
        ),
        (
            "k8s/overlays/prod/kustomization.yaml",
            "# Production: more replicas, and the debug switch the team forgot.\nresources:\n  - ../../base\nnamespace: shop-prod\npatches:\n  - path: patch.yaml\n",
        ),
        (
            "k8s/overlays/prod/patch.yaml",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: app\n          securityContext:\n            allowPrivilegeEscalation: true   # for the debugger\n",
        ),
        (
            "k8s/overlays/staging/kustomization.yaml",
            "resources:\n  - ../../base\n  - namespace.yaml\nnamespace: shop-staging\nlabels:\n  - pairs:\n      pod-security.kubernetes.io/enforce: baseline\n",
        ),
        ("k8s/overlays/staging/namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop-staging\n"),
    ];
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    dir
}

const KUSTOMIZE_DIFF: &str = "\
--- a/k8s/base/deployment.yaml
+++ b/k8s/base/deployment.yaml
@@ -11,12 +11,17 @@
     metadata:
       labels: {app: api}
     spec:
+      securityContext:
+        seccompProfile:
+          type: RuntimeDefault
       volumes:
         - name: cache
-          emptyDir: {}
+          emptyDir: {sizeLimit: 1Gi}
       containers:
         - name: app
           image: ghcr.io/acme/api@sha256:0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a090807060504030201000
           securityContext:
+            allowPrivilegeEscalation: false
             capabilities:
+              drop: [ALL]
               add: [NET_BIND_SERVICE]   # binds :80
--- a/k8s/overlays/prod/kustomization.yaml
+++ b/k8s/overlays/prod/kustomization.yaml
@@ -1,4 +1,5 @@
 # Production: more replicas, and the debug switch the team forgot.
+labels: [{pairs: {environment: prod}}]
 resources:
   - ../../base
 namespace: shop-prod
--- a/k8s/overlays/prod/patch.yaml
+++ b/k8s/overlays/prod/patch.yaml
@@ -9,4 +9,4 @@
       containers:
         - name: app
           securityContext:
-            allowPrivilegeEscalation: true   # for the debugger
+            allowPrivilegeEscalation: false   # for the debugger
--- a/k8s/overlays/staging/namespace.yaml
+++ b/k8s/overlays/staging/namespace.yaml
@@ -1,4 +1,7 @@
 apiVersion: v1
 kind: Namespace
 metadata:
+  labels:
+    pod-security.kubernetes.io/warn: restricted
+    pod-security.kubernetes.io/audit: restricted
   name: shop-staging
";

#[test]
fn through_kustomize_the_base_the_patch_and_the_overlay_are_fixed_where_the_trace_leads() {
    let dir = kustomize_tree("trace");
    let r = run_in(&dir, &["fix", "k8s/", "--diff"], None);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let diff: String = r
        .stdout
        .lines()
        .filter(|l| !l.contains("    k8s/") && !l.contains(" repairs "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(diff, KUSTOMIZE_DIFF);
    for line in [
        "to fix       k8s/base/deployment.yaml:13 [seccomp-profile] spec.template.spec.securityContext.seccompProfile.type = RuntimeDefault",
        "to fix       k8s/overlays/prod/patch.yaml:12 [allow-privilege-escalation] spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation = false",
        "to fix       k8s/overlays/prod/kustomization.yaml:4 [environment-label] labels = [{pairs: {environment: prod}}]",
    ] {
        assert!(r.stdout.lines().any(|l| l == line), "{line}\n{}", r.stdout);
    }
    // A value a transformation set (staging's `labels:`) cannot be repaired in a file.
    let r = run_in(&dir, &["fix", "k8s/", "--diff", "--unsafe-fixes"], None);
    let line = "not fixed    k8s/overlays/staging/namespace.yaml:3 [namespace-pod-security] metadata.labels['pod-security.kubernetes.io/enforce']: cannot be placed: the value comes from a Kustomize transformation in k8s/overlays/staging/kustomization.yaml: change it there";
    assert!(r.stdout.lines().any(|l| l == line), "{}", r.stdout);
    // The patch and the base are both fixed: prod's patch had overridden the base.
    let r = run_in(&dir, &["fix", "k8s/"], None);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert_eq!(run_in(&dir, &["fix", "k8s/", "--check"], None).code, 0, "a second run changes nothing");
    let test = run_in(&dir, &["test", "k8s/", "-o", "json"], None);
    let json: serde_json::Value = serde_json::from_str(&test.stdout).unwrap();
    let left: Vec<String> =
        json["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap().to_string()).collect();
    for fixed in ["seccomp-profile", "allow-privilege-escalation", "capabilities-drop-all", "emptydir-size-limit"] {
        assert!(!left.iter().any(|r| r == fixed), "{fixed} still reported: {left:?}");
    }
    assert!(!left.iter().any(|r| r == "environment-label"), "{left:?}");
    // Only staging's enforce label, which a transformation sets, is still reported.
    assert_eq!(left.iter().filter(|r| *r == "namespace-pod-security").count(), 1, "{left:?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn through_kustomize_a_finding_a_repair_brings_about_does_not_undo_the_repairs() {
    // A scratch volume for the read-only root filesystem makes fs-group apply to a pod
    // that had no volume: the check after writing still finds the repairs made.
    let dir = std::env::temp_dir().join(format!("kubegate-fix-kustomize-new-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: ghcr.io/acme/a@sha256:0f0e0d0c0b0a09080706050403020100f0e0d0c0b0a090807060504030201000\n";
    for (path, text) in [
        ("k8s/base/kustomization.yaml", "resources:\n  - pod.yaml\n"),
        ("k8s/base/pod.yaml", pod),
        ("k8s/overlays/prod/kustomization.yaml", "resources:\n  - ../../base\nnamespace: shop-prod\n"),
    ] {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let before = run_in(&dir, &["test", "k8s/", "-o", "json"], None);
    assert!(!before.stdout.contains("\"fs-group\""), "{}", before.stdout);
    let r = run_in(&dir, &["fix", "k8s/", "--unsafe-fixes", "--rule", "read-only-root-filesystem"], None);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let written = std::fs::read_to_string(dir.join("k8s/base/pod.yaml")).unwrap();
    assert!(
        written.contains("readOnlyRootFilesystem: true")
            && written.contains("volumes: [{name: tmp, emptyDir: {sizeLimit: 1Gi}}]"),
        "{written}"
    );
    let after = run_in(&dir, &["test", "k8s/", "-o", "json"], None);
    assert!(
        after.stdout.contains("\"fs-group\"") && !after.stdout.contains("\"read-only-root-filesystem\""),
        "{}",
        after.stdout
    );
    std::fs::remove_dir_all(&dir).ok();
}
