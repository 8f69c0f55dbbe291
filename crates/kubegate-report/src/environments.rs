//! `kubegate env`: which environment each resource is bound for and why, without checking
//! anything, as a table or as JSON.

use comfy_table::{Table, presets};
use kubegate_engine::Outcome;
use kubegate_engine::evaluate::ResourceInfo;
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    /// Resources per environment.
    environments: BTreeMap<&'a str, usize>,
    resources: &'a [ResourceInfo],
    errors: Vec<crate::json::v1::Problem<'a>>,
    /// What the run noticed (a config glob that matches nothing).
    notices: Vec<crate::json::v1::Problem<'a>>,
}

fn per_environment(outcome: &Outcome) -> BTreeMap<&str, usize> {
    let mut counts = BTreeMap::new();
    for r in &outcome.resources {
        *counts.entry(&*r.environment).or_insert(0) += 1;
    }
    counts
}

/// One row per resource: where it is, what it is, its environment and the reason.
pub fn table(outcome: &Outcome, width: Option<u16>, out: &mut dyn Write) -> io::Result<()> {
    for e in &outcome.errors {
        writeln!(out, "error: {}", crate::clean(&e.to_string()))?;
    }
    if !outcome.resources.is_empty() {
        let mut t = Table::new();
        t.load_style(presets::ASCII_FULL_CONDENSED);
        t.set_header(["WHERE", "RESOURCE", "ENV", "WHY"]);
        for r in &outcome.resources {
            let name = r.id.name.as_deref().unwrap_or("<unnamed>");
            let resource = match &r.id.namespace {
                Some(ns) => format!("{} {ns}/{name}", r.id.kind),
                None => format!("{} {name}", r.id.kind),
            };
            t.add_row([
                crate::clean(&format!("{}:{}", r.file, r.line)).into_owned(),
                crate::clean(&resource).into_owned(),
                crate::clean(&r.environment).into_owned(),
                crate::clean(&r.environment_reason).into_owned(),
            ]);
        }
        crate::fit(&mut t, width, &[3]);
        writeln!(out, "{t}")?;
    }
    for n in &outcome.notices {
        writeln!(out, "warning: {}", crate::clean(&n.to_string()))?;
    }
    let counts: Vec<String> = per_environment(outcome).iter().map(|(e, n)| format!("{e} {n}")).collect();
    writeln!(
        out,
        "{} {}{}{}, {} {}",
        outcome.resources.len(),
        if outcome.resources.len() == 1 { "resource" } else { "resources" },
        if counts.is_empty() { "" } else { ": " },
        counts.join(", "),
        outcome.errors.len(),
        if outcome.errors.len() == 1 { "error" } else { "errors" },
    )
}

/// `{"version": 1, "environments": {...}, "resources": [...], "errors": [...]}`
pub fn json(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        version: 1,
        environments: per_environment(outcome),
        resources: &outcome.resources,
        errors: outcome.errors.iter().map(crate::json::v1::Problem::of).collect(),
        notices: outcome.notices.iter().map(crate::json::v1::Problem::of).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
