//! kubegate over public manifests no one here wrote (`../shared/corpora/real/`:
//! GoogleCloudPlatform/microservices-demo and kubernetes-sigs/kustomize examples). The only
//! error allowed is a file that is genuinely not a manifest; every finding is in a
//! reviewed snapshot, so any change of verdict shows in review.

use serde_json::Value;
use std::path::Path;
use std::process::Command;

#[test]
fn public_manifests_are_checked_without_errors_and_their_findings_are_reviewed() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let corpus = "../shared/corpora/real";
    assert!(root.join(corpus).is_dir(), "the corpus must be beside the repository: {corpus}");
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
        .map(|e| format!("{}:{} {}", strip(&e["file"]), e["line"], e["message"].as_str().unwrap()))
        .collect();
    // A kustomize transformer configuration (`images: [{path, kind}]`), not a manifest.
    assert_eq!(
        errors,
        [
            "kustomize-examples/examples/transformerconfigs/images/mykind.yaml:1 document has no `kind`: not a Kubernetes resource"
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
