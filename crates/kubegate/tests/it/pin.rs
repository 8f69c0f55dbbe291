//! `kubegate pin` against a real registry: Debian's `docker-registry` started on a
//! loopback port, images pushed by `skopeo` from an OCI layout the test writes (one
//! image, and an index for two platforms). The digests kubegate writes must be those of
//! the registry's content as `skopeo inspect --raw` fetches it. Without `docker-registry`
//! and `skopeo` the tests are skipped; `KUBEGATE_REQUIRE_REGISTRY=1` (CI) requires them.

use sha2::Digest as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

fn sha(bytes: &[u8]) -> String {
    format!("sha256:{:x}", sha2::Sha256::digest(bytes))
}

/// A registry on a loopback port, stopped when dropped.
struct Registry {
    child: Child,
    port: u16,
    dir: PathBuf,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Starts a registry, or says why the test is skipped (`None`).
fn registry(name: &str) -> Option<Registry> {
    if !installed("docker-registry") || !installed("skopeo") {
        let why = "docker-registry and skopeo (Debian packages) are not installed";
        assert!(std::env::var_os("KUBEGATE_REQUIRE_REGISTRY").is_none(), "{why}, and KUBEGATE_REQUIRE_REGISTRY is set");
        eprintln!("skipped: {why} (set KUBEGATE_REQUIRE_REGISTRY=1 to require them)");
        return None;
    }
    let dir = std::env::temp_dir().join(format!("kubegate-pin-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    // A free port: the kernel's choice, released for the registry to take.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = format!(
        "version: 0.1\nlog: {{level: error}}\nstorage: {{filesystem: {{rootdirectory: {}}}}}\nhttp: {{addr: 127.0.0.1:{port}}}\n",
        dir.join("data").display()
    );
    std::fs::write(dir.join("config.yml"), config).unwrap();
    let child = Command::new("docker-registry")
        .args(["serve", &dir.join("config.yml").to_string_lossy()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let registry = Registry { child, port, dir };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Some(registry);
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("the registry did not start on port {port}");
}

/// Writes a blob into the OCI layout; its descriptor's digest and size.
fn blob(layout: &Path, bytes: &[u8]) -> (String, usize) {
    let digest = sha(bytes);
    std::fs::write(layout.join("blobs/sha256").join(&digest[7..]), bytes).unwrap();
    (digest, bytes.len())
}

/// An image manifest for one platform (no layers).
fn manifest(layout: &Path, arch: &str) -> (String, usize) {
    let config =
        format!(r#"{{"architecture":"{arch}","os":"linux","rootfs":{{"type":"layers","diff_ids":[]}},"config":{{}}}}"#);
    let (cd, cs) = blob(layout, config.as_bytes());
    let m = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"{cd}","size":{cs}}},"layers":[]}}"#
    );
    blob(layout, m.as_bytes())
}

/// The digests of `team/app:v1` (one image) and `team/app:multi` (an index of two
/// platforms), pushed to the registry with skopeo.
fn push(reg: &Registry) -> (String, String) {
    let layout = reg.dir.join("layout");
    std::fs::create_dir_all(layout.join("blobs/sha256")).unwrap();
    std::fs::write(layout.join("oci-layout"), r#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    let (v1, v1_size) = manifest(&layout, "amd64");
    let (amd, amd_size) = manifest(&layout, "amd64");
    let (arm, arm_size) = manifest(&layout, "arm64");
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{amd}","size":{amd_size},"platform":{{"architecture":"amd64","os":"linux"}}}},{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{arm}","size":{arm_size},"platform":{{"architecture":"arm64","os":"linux"}}}}]}}"#
    );
    let (multi, multi_size) = blob(&layout, index.as_bytes());
    let top = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{v1}","size":{v1_size},"annotations":{{"org.opencontainers.image.ref.name":"v1"}}}},{{"mediaType":"application/vnd.oci.image.index.v1+json","digest":"{multi}","size":{multi_size},"annotations":{{"org.opencontainers.image.ref.name":"multi"}}}}]}}"#
    );
    std::fs::write(layout.join("index.json"), top).unwrap();
    for (tag, all) in [("v1", false), ("multi", true)] {
        let mut args = vec!["copy", "--insecure-policy", "--dest-tls-verify=false"];
        if all {
            args.push("--all");
        }
        let src = format!("oci:{}:{tag}", layout.display());
        let dest = format!("docker://127.0.0.1:{}/team/app:{tag}", reg.port);
        let out = Command::new("skopeo").args(&args).args([&src, &dest]).output().unwrap();
        assert!(out.status.success(), "skopeo copy: {}", String::from_utf8_lossy(&out.stderr));
    }
    // The oracle: what the registry serves, fetched by skopeo, is what was pushed.
    for (tag, digest) in [("v1", &v1), ("multi", &multi)] {
        let out = Command::new("skopeo")
            .args([
                "inspect",
                "--raw",
                "--tls-verify=false",
                &format!("docker://127.0.0.1:{}/team/app:{tag}", reg.port),
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "skopeo inspect: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(&sha(&out.stdout), digest, "the registry serves {tag} as pushed");
    }
    (v1, multi)
}

/// Runs kubegate in `dir` with no Docker credentials.
fn kubegate(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(args)
        .current_dir(dir)
        .env("DOCKER_CONFIG", dir.join(".no-docker-config"))
        .output()
        .unwrap();
    assert!(out.stderr.is_empty(), "{}", String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

const APP: &str = "\
# The shop's API.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: shop-prod
spec:
  template:
    spec:
      initContainers:
        - {name: migrate, image: 'REG/team/app:multi'}
      containers:
        - name: app
          image: \"REG/team/app:v1\"   # the release
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop-prod}
spec:
  schedule: \"0 * * * *\"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: report
              image: REG/team/app:v1
";

fn workdir(reg: &Registry, files: &[(&str, &str)]) -> PathBuf {
    let dir = reg.dir.join("work");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("deploy")).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join("deploy").join(name), text.replace("REG", &format!("127.0.0.1:{}", reg.port))).unwrap();
    }
    dir
}

#[test]
fn tags_and_indexes_are_pinned_in_place_keeping_the_tag_quotes_comments_and_line_ends() {
    let Some(reg) = registry("pin") else { return };
    let (v1, multi) = push(&reg);
    let crlf = "apiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: debug\r\n  namespace: shop-prod\r\nspec:\r\n  containers:\r\n    - name: sh\r\n      image: REG/team/app:v1\r\n";
    let dir = workdir(&reg, &[("app.yaml", APP), ("crlf.yaml", crlf)]);
    let reg_name = format!("127.0.0.1:{}", reg.port);
    let shown = |s: &str| s.replace(&reg_name, "REG");

    // --check lists what is unpinned, without the network.
    let (code, out) = kubegate(&dir, &["pin", "deploy/", "--env", "prod", "--check"]);
    assert_eq!(
        (code, shown(&out)),
        (
            1,
            "\
unpinned     deploy/app.yaml:11 spec.template.spec.initContainers[0].image = REG/team/app:multi
unpinned     deploy/app.yaml:14 spec.template.spec.containers[0].image = REG/team/app:v1
unpinned     deploy/app.yaml:27 spec.jobTemplate.spec.template.spec.containers[0].image = REG/team/app:v1
unpinned     deploy/crlf.yaml:9 spec.containers[0].image = REG/team/app:v1
4 images not pinned by digest in 2 files
"
            .to_string()
        )
    );

    let (code, out) = kubegate(&dir, &["pin", "deploy/", "--env", "prod", "--diff"]);
    assert_eq!(code, 0, "{out}");
    let expected = format!(
        "\
to pin       deploy/app.yaml:11 [image-digest] spec.template.spec.initContainers[0].image = REG/team/app:multi@{multi}
to pin       deploy/app.yaml:14 [image-digest] spec.template.spec.containers[0].image = REG/team/app:v1@{v1}
to pin       deploy/app.yaml:27 [image-digest] spec.jobTemplate.spec.template.spec.containers[0].image = REG/team/app:v1@{v1}
--- a/deploy/app.yaml
+++ b/deploy/app.yaml
@@ -8,10 +8,10 @@
   template:
     spec:
       initContainers:
-        - {{name: migrate, image: 'REG/team/app:multi'}}
+        - {{name: migrate, image: 'REG/team/app:multi@{multi}'}}
       containers:
         - name: app
-          image: \"REG/team/app:v1\"   # the release
+          image: \"REG/team/app:v1@{v1}\"   # the release
 ---
 apiVersion: batch/v1
 kind: CronJob
@@ -24,4 +24,4 @@
         spec:
           containers:
             - name: report
-              image: REG/team/app:v1
+              image: REG/team/app:v1@{v1}
to pin       deploy/crlf.yaml:9 [image-digest] spec.containers[0].image = REG/team/app:v1@{v1}
--- a/deploy/crlf.yaml
+++ b/deploy/crlf.yaml
@@ -6,4 +6,4 @@
 spec:\r
   containers:\r
     - name: sh\r
-      image: REG/team/app:v1\r
+      image: REG/team/app:v1@{v1}\r
4 images to pin in 2 files; 0 not pinned (see above); 2 tags looked up in 2 registry requests
"
    );
    assert_eq!(shown(&out), expected);
    assert_eq!(std::fs::read_to_string(dir.join("deploy/app.yaml")).unwrap(), APP.replace("REG", &reg_name));

    // Written: exactly the diff; the check then reports no unpinned image; a second run
    // changes nothing.
    let (code, out) = kubegate(&dir, &["pin", "deploy/", "--env", "prod"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with(
            "4 images pinned in 2 files; 0 not pinned (see above); 2 tags looked up in 2 registry requests\n"
        ),
        "{out}"
    );
    let written = std::fs::read_to_string(dir.join("deploy/app.yaml")).unwrap();
    assert_eq!(
        shown(&written),
        APP.replace("app:multi'", &format!("app:multi@{multi}'")).replace("app:v1", &format!("app:v1@{v1}"))
    );
    assert_eq!(
        shown(&std::fs::read_to_string(dir.join("deploy/crlf.yaml")).unwrap()),
        crlf.replace("app:v1", &format!("app:v1@{v1}"))
    );
    let (_, json) = kubegate(&dir, &["test", "deploy/", "--env", "prod", "-o", "json"]);
    assert!(!json.contains("\"image-digest\""), "{json}");
    assert_eq!(
        kubegate(&dir, &["pin", "deploy/", "--env", "prod"]),
        (0, "0 images pinned in 0 files; 0 not pinned (see above); 0 tags looked up in 0 registry requests\n".into())
    );
    assert_eq!(kubegate(&dir, &["pin", "deploy/", "--env", "prod", "--check"]).0, 0);
}

#[test]
fn an_unknown_tag_or_an_unreachable_registry_names_the_image_and_nothing_is_written() {
    let Some(reg) = registry("errors") else { return };
    let _ = push(&reg);
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let good = "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: shop-prod}\nspec:\n  containers:\n    - name: a\n      image: REG/team/app:v1\n";
    let unknown = good.replace("name: a,", "name: b,").replace(":v1", ":nope");
    let gone = good.replace("name: a,", "name: c,").replace("REG", &format!("127.0.0.1:{closed}"));
    let dir = workdir(&reg, &[("a.yaml", good), ("b.yaml", &unknown), ("c.yaml", &gone)]);
    let before: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(format!("deploy/{f}.yaml"))).unwrap())
        .collect();
    let (code, out) = kubegate(&dir, &["pin", "deploy/", "--env", "prod"]);
    let out = out.replace(&format!("127.0.0.1:{}", reg.port), "REG").replace(&closed.to_string(), "CLOSED");
    assert_eq!(code, 2, "{out}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert_eq!(
        lines[0],
        "error: deploy/b.yaml:7: image 'REG/team/app:nope': the registry has no such repository or tag"
    );
    assert!(
        lines[1].starts_with(
            "error: deploy/c.yaml:7: image '127.0.0.1:CLOSED/team/app:v1': the registry cannot be reached: http://127.0.0.1:CLOSED/v2/team/app/manifests/v1: "
        ),
        "{out}"
    );
    assert_eq!(lines[2], "2 images could not be looked up; nothing was written");
    let after: Vec<String> = ["a", "b", "c"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(format!("deploy/{f}.yaml"))).unwrap())
        .collect();
    assert_eq!(before, after, "all of a run's edits land, or none");
}

/// 1,000 manifests naming 100 distinct tags: each tag is asked once.
#[test]
fn each_distinct_tag_is_asked_once_however_many_manifests_name_it() {
    let Some(reg) = registry("many") else { return };
    let (v1, _) = push(&reg);
    // The tags t0…t99 name v1's manifest (pushed over the registry API).
    let agent = ureq::Agent::new_with_defaults();
    let base = format!("http://127.0.0.1:{}/v2/team/app/manifests", reg.port);
    let manifest = agent
        .get(format!("{base}/v1"))
        .header("Accept", "application/vnd.oci.image.manifest.v1+json")
        .call()
        .unwrap()
        .body_mut()
        .read_to_vec()
        .unwrap();
    for i in 0..100 {
        agent
            .put(format!("{base}/t{i}"))
            .header("Content-Type", "application/vnd.oci.image.manifest.v1+json")
            .send(&manifest[..])
            .unwrap();
    }
    let dir = reg.dir.join("work");
    std::fs::create_dir_all(dir.join("deploy")).unwrap();
    for i in 0..1000 {
        let pod = format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: shop-prod}}\nspec:\n  containers:\n    - name: a\n      image: 127.0.0.1:{}/team/app:t{}\n",
            reg.port,
            i % 100
        );
        std::fs::write(dir.join(format!("deploy/p{i}.yaml")), pod).unwrap();
    }
    let (code, out) = kubegate(&dir, &["pin", "deploy/", "--env", "prod"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with(
            "1000 images pinned in 1000 files; 0 not pinned (see above); 100 tags looked up in 100 registry requests\n"
        ),
        "{}",
        &out[out.len().saturating_sub(300)..]
    );
    let p7 = std::fs::read_to_string(dir.join("deploy/p7.yaml")).unwrap();
    assert!(p7.ends_with(&format!("image: 127.0.0.1:{}/team/app:t7@{v1}\n", reg.port)), "{p7}");
}

/// Through Kustomize: the base's image is pinned in the base, an overlay's `images:`
/// entry gets the digest of the image it makes; the rendered check then reports neither.
#[test]
fn through_kustomize_the_base_image_and_the_overlays_images_entry_are_pinned() {
    let Some(reg) = registry("kustomize") else { return };
    let (v1, multi) = push(&reg);
    let base = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  selector:\n    matchLabels: {app: api}\n  template:\n    metadata:\n      labels: {app: api}\n    spec:\n      containers:\n        - name: app\n          image: REG/team/app:v1   # the release\n";
    let files = [
        ("k8s/base/kustomization.yaml", "resources:\n  - deployment.yaml\n".to_string()),
        ("k8s/base/deployment.yaml", base.to_string()),
        (
            "k8s/overlays/staging/kustomization.yaml",
            "resources:\n  - ../../base\nnamespace: shop-staging\n".to_string(),
        ),
        (
            "k8s/overlays/prod/kustomization.yaml",
            "resources:\n  - ../../base\nnamespace: shop-prod\nimages:\n  - name: REG/team/app\n    newTag: multi\n"
                .to_string(),
        ),
    ];
    let dir = reg.dir.join("work");
    let reg_name = format!("127.0.0.1:{}", reg.port);
    for (path, text) in &files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text.replace("REG", &reg_name)).unwrap();
    }
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let shown = |s: &str| s.replace(&reg_name, "REG");
    let (code, out) = kubegate(&dir, &["pin", "k8s/", "--check"]);
    assert_eq!(
        (code, shown(&out)),
        (
            1,
            "\
unpinned     k8s/base/deployment.yaml:14 spec.template.spec.containers[0].image = REG/team/app:v1
unpinned     k8s/overlays/prod/kustomization.yaml:6 images[0] = REG/team/app:multi
2 images not pinned by digest in 2 files
"
            .to_string()
        )
    );
    let (code, out) = kubegate(&dir, &["pin", "k8s/"]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.ends_with(
            "2 images pinned in 2 files; 0 not pinned (see above); 2 tags looked up in 2 registry requests\n"
        ),
        "{out}"
    );
    assert_eq!(
        shown(&std::fs::read_to_string(dir.join("k8s/base/deployment.yaml")).unwrap()),
        base.replace("app:v1", &format!("app:v1@{v1}"))
    );
    assert_eq!(
        shown(&std::fs::read_to_string(dir.join("k8s/overlays/prod/kustomization.yaml")).unwrap()),
        format!(
            "resources:\n  - ../../base\nnamespace: shop-prod\nimages:\n  - digest: {multi}\n    name: REG/team/app\n    newTag: multi\n"
        )
    );
    // Rendered, prod runs the index it was pinned to, staging the base's image.
    let (_, json) = kubegate(&dir, &["test", "k8s/", "-o", "json"]);
    assert!(!json.contains("\"image-digest\""), "{json}");
    assert_eq!(kubegate(&dir, &["pin", "k8s/", "--check"]).0, 0);
}

/// `--check` needs no registry: an image a transformation sets (an inline JSON patch)
/// has no line to pin, and is still counted as unpinned.
#[test]
fn check_counts_an_image_a_transformation_sets() {
    let dir = std::env::temp_dir().join(format!("kubegate-pin-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let files = [
        ("k8s/base/kustomization.yaml", "resources:\n  - pod.yaml\n"),
        (
            "k8s/base/pod.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: ghcr.io/acme/a:v1\n",
        ),
        (
            "k8s/overlays/prod/kustomization.yaml",
            "resources:\n  - ../../base\nnamespace: shop-prod\npatches:\n  - target: {kind: Pod}\n    patch: |-\n      - op: replace\n        path: /spec/containers/0/image\n        value: ghcr.io/acme/a:v2\n",
        ),
    ];
    for (path, text) in files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let (code, out) = kubegate(&dir, &["pin", "k8s/overlays/prod", "--check"]);
    assert_eq!(
        (code, out.as_str()),
        (
            1,
            "not pinned   k8s/base/pod.yaml:8 [image-digest] spec.containers[0].image: cannot be placed: the value comes from a Kustomize transformation in k8s/overlays/prod/kustomization.yaml: change it there\n1 image not pinned by digest in 0 files\n"
        )
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `--check` answers whether the images are pinned, not whether kubegate can edit them:
/// a stream piped in and rendered Helm output count (a pipeline of `helm template |
/// kubegate pin - --check` must not pass an unpinned image), with why they are not pinned
/// in place.
#[test]
fn check_counts_the_images_of_stdin_and_of_rendered_helm_output() {
    let dir = std::env::temp_dir().join(format!("kubegate-pin-readonly-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: ghcr.io/acme/a:v1\n";
    let r = crate::common::run_in(&dir, &["pin", "-", "--check", "--env", "prod"], Some(pod));
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            1,
            "unpinned     <stdin>:8 spec.containers[0].image = ghcr.io/acme/a:v1\n\
             not pinned: stdin cannot be edited in place\n\
             1 image not pinned by digest in 1 file\n"
        )
    );
    std::fs::write(dir.join("rendered.yaml"), format!("---\n# Source: shop/templates/pod.yaml\n{pod}")).unwrap();
    let r = crate::common::run_in(&dir, &["pin", "rendered.yaml", "--check", "--env", "prod"], None);
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (
            1,
            "unpinned     rendered.yaml:10 spec.containers[0].image = ghcr.io/acme/a:v1\n\
             not pinned: rendered.yaml is rendered Helm output; fix the chart's values or templates instead\n\
             1 image not pinned by digest in 1 file\n"
        )
    );
    // Writing leaves both alone and says why.
    let r = crate::common::run_in(&dir, &["pin", "-", "--env", "prod"], Some(pod));
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.starts_with("not pinned: stdin cannot be edited in place\n"), "{}", r.stdout);
    std::fs::remove_dir_all(&dir).ok();
}

const DOCKERFILE: &str = "\
# syntax=docker/dockerfile:1
ARG BASE=\"REG/team/app:multi\"
ARG GO=v1
FROM REG/team/app:v1 AS build
RUN make
FROM REG/team/app:${GO} AS tools
FROM ${BASE}
COPY --from=build /app /app
USER 10001
";

/// A Dockerfile's bases are pinned where they are written: on the `FROM` line, or in the
/// default of the `ARG` the image is taken from whole; an image put together from
/// arguments is left, with the reason.
#[test]
fn dockerfile_bases_are_pinned_on_the_from_line_or_in_the_arg_default() {
    let Some(reg) = registry("dockerfile") else { return };
    let (v1, multi) = push(&reg);
    let dir = workdir(&reg, &[("Dockerfile", DOCKERFILE)]);
    let reg_name = format!("127.0.0.1:{}", reg.port);
    let shown = |s: &str| s.replace(&reg_name, "REG");

    let (code, out) = kubegate(&dir, &["pin", "deploy/", "--env", "prod", "--check"]);
    assert_eq!(
        (code, shown(&out).as_str()),
        (
            1,
            "\
unpinned     deploy/Dockerfile:4 stages[0].FROM = REG/team/app:v1
unpinned     deploy/Dockerfile:6 stages[1].FROM = REG/team/app:${GO} (not pinnable: 'REG/team/app:${GO}' is put together from build arguments: pin it by hand, or take the whole image from one ARG with a default)
unpinned     deploy/Dockerfile:7 stages[2].FROM = REG/team/app:multi
3 images not pinned by digest in 1 file
"
        )
    );

    let (code, out) = kubegate(&dir, &["pin", "deploy/", "--env", "prod", "--diff"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        shown(&out),
        format!(
            "\
to pin       deploy/Dockerfile:4 [dockerfile-base-digest] stages[0].FROM = REG/team/app:v1@{v1}
to pin       deploy/Dockerfile:2 [dockerfile-base-digest] ARG.BASE = REG/team/app:multi@{multi}
--- a/deploy/Dockerfile
+++ b/deploy/Dockerfile
@@ -1,7 +1,7 @@
 # syntax=docker/dockerfile:1
-ARG BASE=\"REG/team/app:multi\"
+ARG BASE=\"REG/team/app:multi@{multi}\"
 ARG GO=v1
-FROM REG/team/app:v1 AS build
+FROM REG/team/app:v1@{v1} AS build
 RUN make
 FROM REG/team/app:${{GO}} AS tools
 FROM ${{BASE}}
not pinned   deploy/Dockerfile:6 [dockerfile-base-digest] stages[1].FROM: 'REG/team/app:${{GO}}' is put together from build arguments: pin it by hand, or take the whole image from one ARG with a default
2 images to pin in 1 file; 1 not pinned (see above); 2 tags looked up in 2 registry requests
"
        )
    );
    assert_eq!(std::fs::read_to_string(dir.join("deploy/Dockerfile")).unwrap(), DOCKERFILE.replace("REG", &reg_name));

    let (code, out) = kubegate(&dir, &["pin", "deploy/", "--env", "prod"]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        shown(&out),
        format!(
            "\
pinned       deploy/Dockerfile:4 [dockerfile-base-digest] stages[0].FROM = REG/team/app:v1@{v1}
pinned       deploy/Dockerfile:2 [dockerfile-base-digest] ARG.BASE = REG/team/app:multi@{multi}
not pinned   deploy/Dockerfile:6 [dockerfile-base-digest] stages[1].FROM: 'REG/team/app:${{GO}}' is put together from build arguments: pin it by hand, or take the whole image from one ARG with a default
2 images pinned in 1 file; 1 not pinned (see above); 2 tags looked up in 2 registry requests
"
        )
    );
    let written = DOCKERFILE
        .replace("REG/team/app:multi", &format!("REG/team/app:multi@{multi}"))
        .replace("REG/team/app:v1 AS", &format!("REG/team/app:v1@{v1} AS"))
        .replace("REG", &reg_name);
    assert_eq!(std::fs::read_to_string(dir.join("deploy/Dockerfile")).unwrap(), written);

    // The gate agrees: only the stage put together from arguments is still unpinned.
    let (_, json) = kubegate(&dir, &["test", "deploy/", "--env", "prod", "-o", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let left: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "dockerfile-base-digest")
        .map(|f| (f["path"].as_str().unwrap().to_string(), f["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(left, [("stages[1].FROM".to_string(), 6)]);
    // A second run has nothing to write.
    let (code, out) = kubegate(&dir, &["pin", "deploy/", "--env", "prod"]);
    assert_eq!(
        (code, out.lines().last()),
        (0, Some("0 images pinned in 0 files; 1 not pinned (see above); 0 tags looked up in 0 registry requests")),
        "{out}"
    );
    assert_eq!(std::fs::read_to_string(dir.join("deploy/Dockerfile")).unwrap(), written);
}

/// `--check` needs no registry: a Dockerfile whose comment says `# Source:` is still a
/// Dockerfile (not rendered Helm output), and an argument another argument's default uses
/// is counted as unpinned with the reason given when pinning.
#[test]
fn check_lists_a_dockerfiles_bases_whatever_its_comments_say() {
    let dir = std::env::temp_dir().join(format!("kubegate-pin-dockerfile-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("prod")).unwrap();
    std::fs::create_dir_all(dir.join(".git")).unwrap();
    std::fs::write(
        dir.join("prod/Dockerfile"),
        "# Source: https://github.com/acme/base\nARG BASE=python:3.12\nARG DEV=${BASE}-dev\nFROM $BASE\nFROM $DEV\nUSER 10001\n",
    )
    .unwrap();
    let (code, out) = kubegate(&dir, &["pin", "prod", "--check"]);
    assert_eq!(
        (code, out.as_str()),
        (
            1,
            "\
unpinned     prod/Dockerfile:4 stages[0].FROM = $BASE (not pinnable: the default of ARG DEV uses BASE too, and would change with it: pin it by hand)
unpinned     prod/Dockerfile:5 stages[1].FROM = $DEV (not pinnable: the default of ARG DEV is put together from other arguments: pin it by hand)
2 images not pinned by digest in 1 file
"
        )
    );
    std::fs::remove_dir_all(&dir).ok();
}
