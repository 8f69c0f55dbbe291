//! `kubegate exemptions`: every exemption met, where it is written, what it covers and
//! what it amounts to today, as a table or as JSON (documented in `docs/exemptions.md`).

use crate::clean;
use comfy_table::{Table, presets};
use kubegate_engine::exemptions::State;
use kubegate_engine::{ExemptionRecord, Outcome, ResourceId};
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Summary {
    exemptions: usize,
    active: usize,
    expiring: usize,
    expired: usize,
    invalid: usize,
    errors: usize,
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    today: String,
    summary: Summary,
    exemptions: &'a [ExemptionRecord],
    errors: Vec<crate::json::v1::Problem<'a>>,
}

fn summary(outcome: &Outcome) -> Summary {
    let count = |s: State| outcome.exemptions.iter().filter(|e| e.state == s).count();
    Summary {
        exemptions: outcome.exemptions.len(),
        active: count(State::Active),
        expiring: count(State::Expiring),
        expired: count(State::Expired),
        invalid: count(State::Invalid),
        errors: outcome.errors.len(),
    }
}

/// `4 exemptions on 2026-06-01: 1 active, 1 expiring, 1 expired, 1 invalid, 0 errors`
pub fn summary_line(outcome: &Outcome) -> String {
    let s = summary(outcome);
    format!(
        "{} {} on {}: {} active, {} expiring, {} expired, {} invalid, {} {}",
        s.exemptions,
        if s.exemptions == 1 { "exemption" } else { "exemptions" },
        outcome.today,
        s.active,
        s.expiring,
        s.expired,
        s.invalid,
        s.errors,
        if s.errors == 1 { "error" } else { "errors" },
    )
}

/// `Deployment claude-hub-prod/backend`
fn resource(id: Option<&ResourceId>) -> String {
    match id {
        None => "(matches no resource)".into(),
        Some(r) => {
            let name = r.name.as_deref().unwrap_or("<unnamed>");
            match &r.namespace {
                Some(ns) => format!("{} {ns}/{name}", r.kind),
                None => format!("{} {name}", r.kind),
            }
        }
    }
}

/// The table: one row per exemption (a central one once per resource it matches).
/// Errors (unreadable inputs or config) are listed above it.
pub fn table(outcome: &Outcome, width: Option<u16>, out: &mut dyn Write) -> io::Result<()> {
    for e in &outcome.errors {
        writeln!(out, "error: {}", clean(&e.to_string()))?;
    }
    if !outcome.exemptions.is_empty() {
        let mut t = Table::new();
        t.load_style(presets::ASCII_FULL_CONDENSED);
        t.set_header([
            "STATE",
            "WHERE",
            "RESOURCE",
            "ENV",
            "RULES",
            "EXPIRES",
            "DAYS LEFT",
            "ISSUE",
            "APPROVED BY",
            "REASON",
            "PROBLEMS",
        ]);
        for e in &outcome.exemptions {
            let text = |s: &Option<String>| s.as_deref().map(|s| clean(s).into_owned()).unwrap_or_else(|| "-".into());
            let row = [
                e.state.as_str().to_string(),
                format!("{}:{}", e.file, e.line),
                resource(e.resource.as_deref()),
                e.environment.as_deref().unwrap_or("-").to_string(),
                if e.rules.is_empty() { "-".into() } else { e.rules.join(", ") },
                text(&e.expires),
                e.days_left.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                text(&e.issue),
                text(&e.approved_by),
                text(&e.reason),
                e.problems.join("; "),
            ];
            t.add_row(row.map(|cell| clean(&cell).into_owned()));
        }
        crate::fit(&mut t, width, &[9, 10]);
        writeln!(out, "{t}")?;
    }
    writeln!(out, "{}", summary_line(outcome))
}

/// `{"version": 1, "today", "summary", "exemptions": [...], "errors": [...]}`
pub fn json(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        version: 1,
        today: outcome.today.to_string(),
        summary: summary(outcome),
        exemptions: &outcome.exemptions,
        errors: outcome.errors.iter().map(crate::json::v1::Problem::of).collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
