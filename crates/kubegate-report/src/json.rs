//! The JSON contract (version 1), documented in `docs/json-output.md`.

use kubegate_engine::{Level, Outcome};
use serde_json::json;
use std::collections::BTreeMap;

pub fn render(outcome: &Outcome) -> String {
    let mut envs: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &outcome.resources {
        *envs.entry(r.environment.as_str()).or_default() += 1;
    }
    let exempted = outcome
        .findings
        .iter()
        .filter(|f| f.exemption.is_some())
        .count();
    let doc = json!({
        "version": 1,
        "summary": {
            "files": outcome.files,
            "resources": outcome.resources.len(),
            "environments": envs,
            "denials": outcome.count(Level::Deny),
            "warnings": outcome.count(Level::Warn),
            "exempted": exempted,
            "errors": outcome.errors.len(),
        },
        "findings": outcome.findings,
        "errors": outcome.errors,
        "resources": outcome.resources,
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("findings serialise");
    s.push('\n');
    s
}
