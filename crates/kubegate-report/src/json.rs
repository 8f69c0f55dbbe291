//! The JSON contract (version 1), documented in `docs/json-output.md`. Serialised
//! straight to the output: no intermediate JSON tree.

use kubegate_engine::evaluate::ResourceInfo;
use kubegate_engine::{Finding, InputError, Level, Outcome, PolicyCounts};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

#[derive(Serialize)]
struct Summary<'a> {
    files: usize,
    /// Files found by walking and not checked (listed in `skipped`).
    skipped: usize,
    resources: usize,
    environments: BTreeMap<&'a str, usize>,
    denials: usize,
    warnings: usize,
    exempted: usize,
    errors: usize,
    /// Conftest's counts when Rego policies ran, else `null`.
    rego: Option<PolicyCounts>,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    summary: Summary<'a>,
    findings: &'a [Finding],
    errors: &'a [InputError],
    /// What the run noticed that does not fail it (a config glob that matches nothing).
    notices: &'a [InputError],
    /// Files found by walking and not checked, with why.
    skipped: &'a [kubegate_engine::evaluate::Skipped],
    resources: &'a [ResourceInfo],
}

pub fn render(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let mut environments: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &outcome.resources {
        *environments.entry(&*r.environment).or_default() += 1;
    }
    let doc = Document {
        version: 1,
        summary: Summary {
            files: outcome.files,
            skipped: outcome.skipped.len(),
            resources: outcome.resources.len(),
            environments,
            denials: outcome.count(Level::Deny),
            warnings: outcome.count(Level::Warn),
            exempted: outcome.findings.iter().filter(|f| f.exemption.is_some()).count(),
            errors: outcome.errors.len(),
            rego: outcome.policy,
        },
        findings: &outcome.findings,
        errors: &outcome.errors,
        notices: &outcome.notices,
        skipped: &outcome.skipped,
        resources: &outcome.resources,
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
