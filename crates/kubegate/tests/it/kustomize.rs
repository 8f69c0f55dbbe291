//! Kustomize inputs: rendered without touching the user's files, findings traced to the
//! base's lines and to the patch's lines for what the patch sets, the overlay's path
//! choosing the environment, bases and patches not read twice, and clear errors when the
//! tool is missing or the kustomization needs the network.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

const TREE: &str = "crates/kubegate/tests/data/kustomize";

fn run(args: &[&str], path_env: Option<&str>) -> (i32, Value) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubegate"));
    cmd.args(args).args(["-o", "json"]).current_dir(root());
    if let Some(p) = path_env {
        cmd.env("PATH", p);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout))),
    )
}

fn brief(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{}:{} {}",
                f["rule"].as_str().unwrap(),
                f["level"].as_str().unwrap(),
                f["file"].as_str().unwrap().trim_start_matches(&format!("{TREE}/")),
                f["line"],
                f["column"],
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        walk(dir).into_iter().map(|p| p.strip_prefix(dir).unwrap().display().to_string()).collect();
    names.sort();
    names
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .flat_map(|e| {
            let p = e.unwrap().path();
            if p.is_dir() { walk(&p) } else { vec![p] }
        })
        .collect()
}

#[test]
fn an_overlay_is_traced_to_base_and_patch_lines() {
    let before = listing(&root().join(TREE));
    let (code, v) = run(&["test", &format!("{TREE}/overlays/prod")], None);
    assert_eq!(code, 1);
    assert_eq!(
        brief(&v),
        [
            "environment-label deny base/deployment.yaml:5:3 Production deployment 'prod-backend' must have label environment: prod",
            "network-policy warn base/deployment.yaml:14:7 Production deployment 'prod-backend' pods are not isolated for Ingress and Egress by any NetworkPolicy in the inputs",
            "service-account-token warn base/deployment.yaml:16:5 Production deployment 'prod-backend' must set automountServiceAccountToken: false (ServiceAccount 'default' is not among the inputs)",
            "dedicated-service-account warn base/deployment.yaml:16:5 Production deployment 'prod-backend' runs as the default ServiceAccount; set spec.serviceAccountName to its own",
            // The patch sets these: the patch's lines.
            "replicas deny overlays/prod/deployment-patch.yaml:6:13 Production deployment 'prod-backend' must have replicas >= 2 for HA",
            "privileged deny overlays/prod/deployment-patch.yaml:12:25 Production deployment 'prod-backend' container 'app' must not set securityContext.privileged: true",
            // The overlay's `images:` entry set the tag judged: its `newTag` is what to
            // edit, and the message stays the policy's own.
            "image-digest deny overlays/prod/kustomization.yaml:7:13 Production deployment 'prod-backend' container 'app' must use SHA256 digest (image@sha256:...), not version tags",
        ]
    );
    // The snippet shows the value judged, and a note says where it came from.
    let pretty = std::process::Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["test", &format!("{TREE}/overlays/prod"), "--no-color"])
        .current_dir(root())
        .output()
        .unwrap();
    let pretty = String::from_utf8(pretty.stdout).unwrap();
    let image = pretty.split("error[image-digest]").nth(1).unwrap();
    assert!(image.contains("7 |     newTag: v1.3.0\n  |             ^^^^^^"), "{image}");
    assert!(
        image.contains(&format!(
            "= note: the image is ghcr.io/sdottatum/backend:v1.3.0 after the `images:` entry of {TREE}/overlays/prod/kustomization.yaml"
        )),
        "{image}"
    );
    // The overlay's path chose the environment; the resources are named where they are written.
    let resources: Vec<(String, String, String)> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["file"].as_str().unwrap().trim_start_matches(&format!("{TREE}/")).to_string(),
                r["name"].as_str().unwrap().to_string(),
                r["environment_reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let reason = format!("path segment `prod` in {TREE}/overlays/prod");
    assert_eq!(
        resources,
        [
            ("base/service.yaml".to_string(), "prod-backend".to_string(), reason.clone()),
            ("base/deployment.yaml".to_string(), "prod-backend".to_string(), reason),
        ]
    );
    // Rendering wrote nothing into the user's tree.
    assert_eq!(listing(&root().join(TREE)), before);
}

#[test]
fn a_walked_tree_renders_each_overlay_once_and_never_reads_bases_or_patches_as_plain_files() {
    let (code, v) = run(&["test", TREE], None);
    assert_eq!(code, 1);
    assert!(v["errors"].as_array().unwrap().is_empty(), "{}", v["errors"]);
    // Two inputs (the overlays), not the base or the partial patch document.
    assert_eq!(v["summary"]["files"], 2);
    let envs: Vec<String> = v["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{}/{}", r["environment"].as_str().unwrap(), r["name"].as_str().unwrap()))
        .collect();
    assert_eq!(envs, ["dev/backend", "dev/backend", "prod/prod-backend", "prod/prod-backend"]);
    // The base passes in dev; every finding is prod's, the same seven as the prod overlay alone.
    let (_, prod_alone) = run(&["test", &format!("{TREE}/overlays/prod")], None);
    assert_eq!(brief(&v), brief(&prod_alone));
    assert!(v["findings"].as_array().unwrap().iter().all(|f| f["environment"] == "prod"));
}

#[test]
fn without_kustomize_or_kubectl_the_error_names_both_and_the_pipe() {
    let empty = std::env::temp_dir().join(format!("kubegate-empty-path-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let (code, v) = run(&["test", &format!("{TREE}/overlays/prod")], Some(empty.to_str().unwrap()));
    std::fs::remove_dir_all(&empty).ok();
    assert_eq!(code, 2);
    let message = v["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("neither `kustomize` nor `kubectl` was found on PATH"), "{message}");
    assert!(message.contains(&format!("`kustomize build {TREE}/overlays/prod | kubegate test -`")), "{message}");
    assert_eq!(v["errors"][0]["file"], format!("{TREE}/overlays/prod/kustomization.yaml"));
}

#[test]
fn kustomize_bin_chooses_the_tool() {
    let (code, v) = run(&["test", &format!("{TREE}/overlays/prod"), "--kustomize-bin", "kubectl"], None);
    assert_eq!(code, 1);
    assert_eq!(brief(&v).len(), 7);
    let (code, v) = run(&["test", &format!("{TREE}/overlays/prod"), "--kustomize-bin", "/nonexistent/kustomize"], None);
    assert_eq!(code, 2);
    assert!(
        v["errors"][0]["message"].as_str().unwrap().contains("--kustomize-bin `/nonexistent/kustomize` was not found")
    );
}

#[test]
fn a_remote_resource_is_refused_before_any_network_access() {
    let dir = std::env::temp_dir().join(format!("kubegate-remote-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("kustomization.yaml"),
        "resources:\n  - service.yaml\n  - https://example.com/deploy.yaml\n",
    )
    .unwrap();
    std::fs::write(dir.join("service.yaml"), "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n").unwrap();
    let (code, v) = run(&["test", dir.to_str().unwrap()], None);
    std::fs::remove_dir_all(&dir).ok();
    assert_eq!(code, 2);
    let e = &v["errors"][0];
    assert_eq!((e["line"].as_u64(), e["column"].as_u64()), (Some(3), Some(5)));
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with("the kustomization refers to a remote resource (https://example.com/deploy.yaml)")
    );
}

const TRACE: &str = "crates/kubegate/tests/data/overlay-trace";

#[test]
fn a_missing_field_and_an_invalid_exemption_point_at_the_patch_that_holds_their_parent() {
    let (code, v) = run(&["test", &format!("{TRACE}/prod"), "--today", "2026-12-01"], None);
    assert_eq!(code, 1);
    let at = |rule: &str, message_part: &str| -> Vec<String> {
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule && f["message"].as_str().unwrap().contains(message_part))
            .map(|f| {
                format!(
                    "{}:{}:{}",
                    f["file"].as_str().unwrap().trim_start_matches(&format!("{TRACE}/")),
                    f["line"],
                    f["column"]
                )
            })
            .collect()
    };
    // The patch sets `limits:` without `cpu`: its `limits:` is the parent to complete.
    assert_eq!(at("resource-limits", "limits.cpu"), ["prod/api-patch.yaml:15:13"]);
    // `resources:` is the patch's too.
    assert_eq!(at("resource-requests", "requests.cpu"), ["prod/api-patch.yaml:14:11"]);
    // The exemption annotations are written in the patch, without an issue.
    assert_eq!(at("invalid-exemption", "exemption-issue is missing"), ["prod/api-patch.yaml:5:3"]);
    // Fields missing from base and patch alike stay in the base, where the block is.
    assert_eq!(at("liveness-probe", ""), ["base/deployment.yaml:18:17"]);
}

#[test]
fn an_exemption_written_in_a_patch_is_listed_at_the_patch_line() {
    let out = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["exemptions", &format!("{TRACE}/prod"), "--today", "2026-12-01", "-o", "json"])
        .current_dir(root())
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &v["exemptions"][0];
    assert_eq!(
        (e["file"].as_str().unwrap(), e["line"].as_u64(), e["column"].as_u64(), e["state"].as_str()),
        (format!("{TRACE}/prod/api-patch.yaml").as_str(), Some(6), Some(5), Some("invalid"))
    );
}

#[test]
fn a_build_error_is_kustomize_whole_message_at_the_entry_it_names() {
    let dir = std::env::temp_dir().join(format!("kubegate-kustomize-error-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::write(dir.join("app/kustomization.yaml"), "resources:\n  - service.yaml\n  - missing.yaml\n").unwrap();
    std::fs::write(dir.join("app/service.yaml"), "apiVersion: v1\nkind: Service\nmetadata:\n  name: s\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["test", "app", "-o", "json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let e = &v["errors"][0];
    assert_eq!(
        (e["file"].as_str(), e["line"].as_u64(), e["column"].as_u64()),
        (Some("app/kustomization.yaml"), Some(3), Some(5))
    );
    let message = e["message"].as_str().unwrap();
    assert!(message.starts_with("kustomize could not build app: accumulating resources: "), "{message}");
    // kustomize's own reason, whole, in the user's paths; nothing of kubegate's wrapper.
    assert!(
        message.contains("'missing.yaml'") && message.contains("app/missing.yaml: no such file or directory"),
        "{message}"
    );
    assert!(
        !message.contains("kubegate-kustomize-") && !message.contains("`: ") && !message.contains("recursed"),
        "{message}"
    );
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_configmap_key_with_dots_is_one_key_through_a_base() {
    // `application.properties` is one key: the finding's route quotes it, and through the
    // overlay it lands on the secret's line inside the value, in the base.
    let dir = "crates/kubegate/tests/data/kustomize-dotted";
    for input in [format!("{dir}/prod"), format!("{dir}/base/configmap.yaml")] {
        let (code, v) = run(&["test", &input], None);
        assert_eq!(code, 1, "{input}");
        let f = &v["findings"][0];
        assert_eq!(v["findings"].as_array().unwrap().len(), 1, "{input}");
        assert_eq!(
            (f["rule"].as_str(), f["file"].as_str(), f["line"].as_u64(), f["column"].as_u64(), f["path"].as_str()),
            (
                Some("secret-in-configmap"),
                Some(format!("{dir}/base/configmap.yaml").as_str()),
                Some(10),
                Some(5),
                Some("data['application.properties']")
            ),
            "{input}"
        );
    }
}
