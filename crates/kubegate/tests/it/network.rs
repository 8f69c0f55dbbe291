//! Kustomize trees never reach the network: every remote reference, in every field that
//! takes a path, is refused before the tool runs (at its file and line), cycles are
//! errors, and a run under a network namespace with its system calls traced attempts no
//! connection off the machine.

use crate::common;

use common::run_in;
use serde_json::Value;
use std::path::PathBuf;

fn tree(name: &str, kustomization: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubegate-network-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("app")).unwrap();
    std::fs::write(dir.join("app/kustomization.yaml"), kustomization).unwrap();
    std::fs::write(dir.join("app/cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n").unwrap();
    dir
}

#[test]
fn every_remote_reference_in_every_path_field_is_refused_at_its_line() {
    let cases = [
        (
            "configMapGenerator:\n  - name: c\n    files:\n      - https://example.com/app.properties\n",
            4,
            "https://example.com/app.properties",
        ),
        (
            "configMapGenerator:\n  - name: c\n    files:\n      - key=https://example.com/x\n",
            4,
            "key=https://example.com/x",
        ),
        ("generators:\n  - https://example.com/gen.yaml\n", 2, "https://example.com/gen.yaml"),
        ("transformers:\n  - https://example.com/t.yaml\n", 2, "https://example.com/t.yaml"),
        ("validators:\n  - https://example.com/v.yaml\n", 2, "https://example.com/v.yaml"),
        ("replacements:\n  - path: https://example.com/r.yaml\n", 2, "https://example.com/r.yaml"),
        ("openapi:\n  path: https://example.com/schema.json\n", 2, "https://example.com/schema.json"),
        ("configurations:\n  - https://example.com/c.yaml\n", 2, "https://example.com/c.yaml"),
        ("resources:\n  - deploy@git.example.com:org/repo.git\n", 2, "deploy@git.example.com:org/repo.git"),
        ("resources:\n  - GITHUB.COM/org/repo/app?ref=v1\n", 2, "GITHUB.COM/org/repo/app?ref=v1"),
        ("resources:\n  - git::https://example.com/org/repo\n", 2, "git::https://example.com/org/repo"),
    ];
    for (i, (k, line, url)) in cases.into_iter().enumerate() {
        let dir = tree(
            &format!("remote{i}"),
            &format!("resources:\n  - cm.yaml\n{k}").replacen(
                "resources:\n  - cm.yaml\nresources:\n",
                "resources:\n  - cm.yaml\n",
                1,
            ),
        );
        let r = run_in(&dir, &["test", "app", "-o", "json"], None);
        let v: Value = serde_json::from_str(&r.stdout).unwrap();
        assert_eq!(r.code, 2, "{k}: {v}");
        let e = &v["errors"][0];
        assert_eq!(e["file"], "app/kustomization.yaml", "{k}");
        // The cm.yaml entry is line 2 when the case adds its own `resources:` entry.
        let want = if k.starts_with("resources:") { 3 } else { line + 2 };
        assert_eq!(e["line"], want, "{k}: {e}");
        assert!(e["message"].as_str().unwrap().contains(&format!("refers to a remote resource ({url})")), "{k}: {e}");
    }
}

#[test]
fn kustomizations_that_build_from_each_other_are_an_error() {
    let dir = std::env::temp_dir().join(format!("kubegate-network-cycle-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for (d, to) in [("a", "../b"), ("b", "../c"), ("c", "../a")] {
        std::fs::create_dir_all(dir.join("t").join(d)).unwrap();
        std::fs::write(dir.join("t").join(d).join("kustomization.yaml"), format!("resources:\n  - {to}\n")).unwrap();
    }
    let r = run_in(&dir, &["test", "t", "-o", "json"], None);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(r.code, 2);
    assert_eq!(
        v["errors"],
        serde_json::json!([{"file": "t/a/kustomization.yaml", "line": 0, "column": 0,
            "message": "kustomizations build from each other in a circle (t/a → t/b → t/c → t/a): none of them can be rendered"}])
    );
}

/// Whether `unshare -n` and `strace` can run here (root, the tools installed).
fn can_trace() -> bool {
    std::process::Command::new("unshare")
        .args(["-n", "strace", "-o", "/dev/null", "true"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_kustomize_run_attempts_no_connection_off_the_machine() {
    if !can_trace() {
        eprintln!("skipped: `unshare -n` and `strace` are not both available here");
        return;
    }
    let dir = tree("trace", "resources:\n  - cm.yaml\n  - https://example.com/remote.yaml\n");
    std::fs::create_dir_all(dir.join("local")).unwrap();
    std::fs::write(dir.join("local/kustomization.yaml"), "resources:\n  - cm.yaml\n").unwrap();
    std::fs::copy(dir.join("app/cm.yaml"), dir.join("local/cm.yaml")).unwrap();
    let log = dir.join("strace.log");
    let out = std::process::Command::new("unshare")
        .args(["-n", "strace", "-f", "-e", "trace=connect", "-o"])
        .arg(&log)
        .arg(env!("CARGO_BIN_EXE_kubegate"))
        .args(["test", "app", "local", "-o", "json"])
        .current_dir(&dir)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    // The local overlay was rendered (the tool ran), the remote one refused.
    assert_eq!(v["summary"]["resources"], 1, "{v}");
    let trace = std::fs::read_to_string(&log).unwrap();
    let off_machine: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("connect("))
        .filter(|l| l.contains("AF_INET"))
        .filter(|l| !l.contains("127.0.0.1") && !l.contains("::1"))
        .collect();
    assert!(off_machine.is_empty(), "{off_machine:#?}");
}
