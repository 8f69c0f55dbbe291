//! The engine's entry for one document held in memory (an admission request's object, a
//! test's text): no path to read, no folder to walk, no file touched.

use crate::evaluate::{CheckOptions, Outcome, Source, check};
use crate::exemptions::Date;
use crate::{Config, InputError};

/// One document, as text (YAML or JSON bytes) or as a parsed JSON value.
pub enum Document<'a> {
    Text(&'a [u8]),
    Value(&'a serde_json::Value),
}

/// The name findings give a document checked without one.
pub const UNNAMED: &str = "<document>";

/// Checks one document bound for the environment `env`, with the config's levels,
/// parameters and exemptions. Findings are named `name` (default [`UNNAMED`]); their
/// routes (`path`) always say which field, and their lines and columns are those of the
/// text (for a value, of its JSON written with two-space indents, one field a line).
/// Text that is not UTF-8, or holds a NUL byte, is an error in the outcome, as is an
/// environment the config does not know.
pub fn check_document(
    doc: Document<'_>,
    env: &str,
    name: Option<&str>,
    config: &Config,
    today: Option<Date>,
) -> Outcome {
    let opts = CheckOptions { env: Some(env.to_string()), today, ..CheckOptions::default() };
    check_object(doc, name, config, &opts)
}

/// [`check_document`] with every option of a run: Rego policies, the environment (or
/// none: bound by the document's namespace and `name` as a path), and
/// [`CheckOptions::alone`] for an object judged without the others (admission).
pub fn check_object(doc: Document<'_>, name: Option<&str>, config: &Config, opts: &CheckOptions) -> Outcome {
    let name = name.unwrap_or(UNNAMED);
    let source = match doc {
        Document::Text(bytes) => Source::from_bytes(name, bytes.to_vec()),
        Document::Value(value) => serde_json::to_string_pretty(value)
            .map(|text| Source { path: name.to_string(), text, walked: false, format: crate::Format::Manifest })
            .map_err(|e| InputError::new(name, 0, 0, format!("cannot write the value as JSON: {e}"))),
    };
    match source {
        Ok(source) => check(std::slice::from_ref(&source), config, opts),
        Err(e) => {
            let today = opts.today.unwrap_or_else(crate::exemptions::local_today);
            Outcome { files: 1, errors: vec![e], today, ..Outcome::default() }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: shop\nspec:\n  containers:\n    - name: app\n      image: nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n      securityContext:\n        privileged: true\n";

    fn privileged(o: &Outcome) -> Vec<(String, u32, String)> {
        o.findings
            .iter()
            .filter(|f| f.rule == "privileged")
            .map(|f| (f.file.to_string(), f.line, f.path.to_string()))
            .collect()
    }

    #[test]
    fn text_and_value_give_the_same_findings_on_the_same_routes() {
        let config = Config::default();
        let today = crate::exemptions::parse_date("2026-12-01");
        let text = check_document(Document::Text(POD.as_bytes()), "prod", Some("pod.yaml"), &config, today);
        assert!(text.errors.is_empty(), "{:?}", text.errors);
        assert_eq!(
            privileged(&text),
            [("pod.yaml".to_string(), 11, "spec.containers[0].securityContext.privileged".to_string())]
        );
        let value: serde_json::Value = serde_json::json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "shop"},
            "spec": {"containers": [{"name": "app",
                "image": "nginx@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                "securityContext": {"privileged": true}}]}
        });
        let from_value = check_document(Document::Value(&value), "prod", None, &config, today);
        assert_eq!(
            privileged(&from_value),
            [(UNNAMED.to_string(), 14, "spec.containers[0].securityContext.privileged".to_string())]
        );
        let rules =
            |o: &Outcome| o.findings.iter().map(|f| (f.rule.to_string(), f.path.to_string())).collect::<Vec<_>>();
        assert_eq!(rules(&text), rules(&from_value));
        assert!(text.findings.iter().all(|f| &*f.environment == "prod"));
    }

    #[test]
    fn bytes_that_are_not_a_manifest_and_unknown_environments_are_errors() {
        let config = Config::default();
        let o = check_document(Document::Text(b"kind: Pod\n\xff\n"), "prod", None, &config, None);
        assert_eq!(o.errors.len(), 1);
        assert_eq!(o.errors[0].file(), UNNAMED);
        let o = check_document(Document::Text(b"kind: Pod\0"), "prod", None, &config, None);
        assert_eq!(o.errors[0].message, "binary file (contains NUL bytes): not a YAML or JSON manifest");
        let o = check_document(Document::Text(POD.as_bytes()), "qa", None, &config, None);
        assert_eq!(o.errors[0].message, "unknown environment `qa`; known: dev, staging, prod");
        assert!(o.findings.is_empty());
    }
}
