//! The JSON contract, version 1, documented in `docs/json-output.md`.
//!
//! The shape is frozen in the types of [`v1`], written for this output alone: the
//! engine's own types (`Finding`, `InputError`, `ResourceInfo`, …) are converted into them
//! field by field, so a change inside the engine cannot change what users' scripts read.
//! A new field is added here, on purpose, and documented; renaming or removing one is a
//! version 2. The snapshot test below fails on any change of the shape.

use kubegate_engine::{Level, Outcome};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// The version 1 document, as borrowed views of an outcome.
pub mod v1 {
    use serde::Serialize;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    pub struct Document<'a> {
        pub version: u32,
        pub summary: Summary<'a>,
        pub findings: Vec<Finding<'a>>,
        pub errors: Vec<Problem<'a>>,
        /// What the run noticed that does not fail it (a config glob that matches nothing).
        pub notices: Vec<Problem<'a>>,
        /// Files found by walking and not checked, with why.
        pub skipped: Vec<Skipped<'a>>,
        pub resources: Vec<Resource<'a>>,
    }

    #[derive(Serialize)]
    pub struct Summary<'a> {
        pub files: usize,
        /// Files found by walking and not checked (listed in `skipped`).
        pub skipped: usize,
        pub resources: usize,
        pub environments: BTreeMap<&'a str, usize>,
        pub denials: usize,
        pub warnings: usize,
        pub exempted: usize,
        pub errors: usize,
        /// Conftest's counts when Rego policies ran, else `null`.
        pub rego: Option<RegoCounts>,
    }

    #[derive(Serialize)]
    pub struct RegoCounts {
        pub tests: usize,
        pub passed: usize,
        pub warnings: usize,
        pub failures: usize,
        pub exceptions: usize,
    }

    #[derive(Serialize)]
    pub struct Finding<'a> {
        pub rule: &'a str,
        /// `deny` or `warn`.
        pub level: &'static str,
        pub environment: &'a str,
        pub message: &'a str,
        pub file: &'a str,
        pub line: u32,
        pub column: u32,
        pub end_line: u32,
        pub end_column: u32,
        pub resource: ResourceId<'a>,
        pub container: Option<&'a str>,
        /// The Helm template the document was rendered from.
        pub source: Option<&'a str>,
        /// The field's route as text (`data['application.properties']`).
        pub path: String,
        /// What to do: the finding's own help, else its rule's (`null` for a Rego rule).
        pub fix: Option<&'a str>,
        pub exemption: Option<Exemption<'a>>,
    }

    #[derive(Serialize)]
    pub struct ResourceId<'a> {
        #[serde(rename = "apiVersion")]
        pub api_version: &'a str,
        pub kind: &'a str,
        pub namespace: Option<&'a str>,
        pub name: Option<&'a str>,
    }

    #[derive(Serialize)]
    pub struct Exemption<'a> {
        pub reason: &'a str,
        pub expires: Option<&'a str>,
        pub issue: Option<&'a str>,
        pub days_left: Option<i64>,
        /// `active` or `expiring`.
        pub state: &'static str,
        /// `annotations`, `config` or `rego`.
        pub source: &'static str,
        pub file: &'a str,
        pub line: u32,
    }

    /// An error or a notice, at its place (`line` 0: the whole file; `file` names the
    /// flag of an error about one).
    #[derive(Serialize)]
    pub struct Problem<'a> {
        pub file: &'a str,
        pub line: u32,
        pub column: u32,
        pub message: &'a str,
    }

    impl Problem<'_> {
        pub fn of(e: &kubegate_engine::InputError) -> Problem<'_> {
            Problem { file: e.file(), line: e.line(), column: e.column(), message: &e.message }
        }
    }

    #[derive(Serialize)]
    pub struct Skipped<'a> {
        pub file: &'a str,
        pub why: &'a str,
    }

    #[derive(Serialize)]
    pub struct Resource<'a> {
        pub file: &'a str,
        pub line: u32,
        #[serde(rename = "apiVersion")]
        pub api_version: &'a str,
        pub kind: &'a str,
        pub namespace: Option<&'a str>,
        pub name: Option<&'a str>,
        pub environment: &'a str,
        pub environment_reason: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        pub source: Option<&'a str>,
    }
}

/// The version 1 document of an outcome.
pub fn document(outcome: &Outcome) -> v1::Document<'_> {
    use kubegate_engine::exemptions::Origin;
    let mut environments: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &outcome.resources {
        *environments.entry(&*r.environment).or_default() += 1;
    }
    let problem = v1::Problem::of;
    let findings = outcome
        .findings
        .iter()
        .map(|f| v1::Finding {
            rule: &f.rule,
            level: f.level.as_str(),
            environment: &f.environment,
            message: &f.message,
            file: &f.file,
            line: f.line,
            column: f.column,
            end_line: f.end_line,
            end_column: f.end_column,
            resource: v1::ResourceId {
                api_version: &f.resource.api_version,
                kind: &f.resource.kind,
                namespace: f.resource.namespace.as_deref(),
                name: f.resource.name.as_deref(),
            },
            container: f.container.as_deref(),
            source: f.source.as_deref(),
            path: f.path.to_string(),
            fix: crate::fix_text(f),
            exemption: f.exemption.as_deref().map(|e| v1::Exemption {
                reason: &e.reason,
                expires: e.expires.as_deref(),
                issue: e.issue.as_deref(),
                days_left: e.days_left,
                state: e.state.as_str(),
                source: match e.source {
                    Origin::Annotations => "annotations",
                    Origin::Config => "config",
                    Origin::Comment => "comment",
                    Origin::Rego => "rego",
                },
                file: &e.file,
                line: e.line,
            }),
        })
        .collect();
    v1::Document {
        version: 1,
        summary: v1::Summary {
            files: outcome.files,
            skipped: outcome.skipped.len(),
            resources: outcome.resources.len(),
            environments,
            denials: outcome.count(Level::Deny),
            warnings: outcome.count(Level::Warn),
            exempted: outcome.findings.iter().filter(|f| f.exemption.is_some()).count(),
            errors: outcome.errors.len(),
            rego: outcome.policy.map(|p| v1::RegoCounts {
                tests: p.tests,
                passed: p.passed,
                warnings: p.warnings,
                failures: p.failures,
                exceptions: p.exceptions,
            }),
        },
        findings,
        errors: outcome.errors.iter().map(problem).collect(),
        notices: outcome.notices.iter().map(problem).collect(),
        skipped: outcome.skipped.iter().map(|s| v1::Skipped { file: &s.file, why: &s.why }).collect(),
        resources: outcome
            .resources
            .iter()
            .map(|r| v1::Resource {
                file: &r.file,
                line: r.line,
                api_version: &r.id.api_version,
                kind: &r.id.kind,
                namespace: r.id.namespace.as_deref(),
                name: r.id.name.as_deref(),
                environment: &r.environment,
                environment_reason: &r.environment_reason,
                source: r.source.as_deref(),
            })
            .collect(),
    }
}

pub fn render(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    // serde_json writes token by token: into a buffer of a concrete type, not through
    // `dyn Write` for each (that was a fifth of a large run's time).
    let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer_pretty(&mut buffered, &document(outcome))?;
    writeln!(buffered)?;
    buffered.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_version_1_shape_is_frozen() {
        let mut out = Vec::new();
        render(&crate::tests::outcome(), &mut out).unwrap();
        insta::assert_snapshot!(String::from_utf8(out).unwrap());
    }
}
