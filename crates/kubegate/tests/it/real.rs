//! kubegate over public manifests no one here wrote (`../shared/corpora/real/`:
//! GoogleCloudPlatform/microservices-demo and kubernetes-sigs/kustomize examples), its
//! Kustomize trees rendered and traced back to their files. The only errors allowed are
//! inputs that genuinely cannot be checked here; every finding is in a reviewed snapshot,
//! so any change of verdict shows in review.

use crate::common;

use serde_json::Value;
use std::path::Path;
use std::process::Command;

#[test]
fn public_manifests_are_checked_without_errors_and_their_findings_are_reviewed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let Some(corpus) = common::corpus("real") else { return };
    let corpus = corpus.as_str();
    let out = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(["test", corpus, "-o", "json"])
        .current_dir(&root)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let strip = |f: &Value| f.as_str().unwrap().trim_start_matches("../shared/corpora/real/").to_string();
    let errors: Vec<String> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            // Messages quoting kustomize may hold absolute paths: keep their beginning.
            let message: String = e["message"].as_str().unwrap().chars().take(60).collect();
            format!("{}:{} {message}", strip(&e["file"]), e["line"])
        })
        .collect();
    // Two kustomizations cannot be built here, genuinely: one refers to remote URLs (kubegate
    // renders only local files), one to a configuration file the corpus does not carry.
    assert_eq!(
        errors,
        [
            "kustomize-examples/examples/loadHttp/kustomization.yaml:4 the kustomization refers to a remote resource (https://raw.g",
            "kustomize-examples/examples/transformerconfigs/images/kustomization.yaml:0 kustomize could not build ../shared/corpora/real/kustomize-e",
        ]
    );
    assert_eq!(out.status.code(), Some(2));
    let findings: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{}:{}:{} {} {} {}",
                strip(&f["file"]),
                f["line"],
                f["column"],
                f["level"].as_str().unwrap(),
                f["rule"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect();
    insta::assert_snapshot!("real_corpus_findings", format!("{}\n\n{}", v["summary"], findings.join("\n")));
}
