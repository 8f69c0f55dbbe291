//! The report stage: one [`Finding`](kubegate_engine::Finding) type, many renderers.
//! Renderers never decide anything; they only show what the engine found.

pub mod checklist;
pub mod docs;
pub mod environments;
pub mod exemptions;
mod github;
mod json;
mod junit;
mod pretty;
pub mod sarif;
mod table;
mod tap;
#[cfg(test)]
mod tests;

pub use github::render as github;
pub use json::render as json;
pub use junit::render as junit;
pub use pretty::render as pretty;
pub use sarif::render as sarif;
pub use table::render as table;
pub use tap::render as tap;

use kubegate_engine::exemptions::Origin;
use kubegate_engine::{Exemption, Level, Outcome};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Text from inputs (names, namespaces, messages, exemption reasons, file names) as every
/// human format shows it: control characters other than newline and tab (C0, DEL, C1:
/// terminal escape sequences, carriage returns), the Unicode line and paragraph separators
/// and the bidirectional overrides are written as `\u{1b}`, so that a manifest cannot
/// clear the screen, rewrite a line, or forge a verdict in a terminal or a CI log.
pub fn clean(s: &str) -> Cow<'_, str> {
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if unsafe_char(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{61c}')
        || ('\u{202a}'..='\u{202e}').contains(&c)
        || ('\u{2066}'..='\u{2069}').contains(&c)
}

/// What an exempted finding says about its exemption:
/// `exempted until 2026-12-15 (30 days left; it would deny): <reason> (<issue>)`, naming
/// the config file and line for a central exemption; for a Rego `exception` rule,
/// `excepted by policies/p.rego:12 (it would deny): <reason>`.
pub fn exempted_note(level: Level, e: &Exemption) -> String {
    let left = match e.days_left {
        Some(0) => "expires today".to_string(),
        Some(1) => "1 day left".to_string(),
        Some(n) => format!("{n} days left"),
        None => String::new(),
    };
    let by = match e.source {
        Origin::Annotations | Origin::Comment => String::new(),
        Origin::Config => format!(" by {}:{}", e.file, e.line),
        Origin::Rego => {
            return format!("excepted by {}:{} (it would {}): {}", e.file, e.line, level.as_str(), e.reason);
        }
    };
    format!(
        "exempted{by} until {} ({left}; it would {}): {} ({})",
        e.expires.as_deref().unwrap_or(""),
        level.as_str(),
        e.reason,
        e.issue.as_deref().unwrap_or("")
    )
}

/// The word for an exempted finding: `exception` when a Rego `exception` rule excepts
/// it (Conftest's word), else `exempted`.
pub fn exempted_word(e: &Exemption) -> &'static str {
    match e.source {
        Origin::Rego => "exception",
        _ => "exempted",
    }
}

/// The summary lines of a run: kubegate's, then, when Rego policies ran, Conftest's
/// (`N tests, N passed, N warnings, N failures, N exceptions`).
pub fn summary_lines(outcome: &Outcome) -> String {
    let mut s = String::new();
    for n in &outcome.notices {
        s.push_str(&format!("warning: {n}\n"));
    }
    s.push_str(&summary_line(outcome));
    if let Some(p) = &outcome.policy {
        s.push_str(&format!("\n{}", p.line()));
    }
    s
}

/// `1 file`, `3 files`: a count with its noun.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// `3 files, 12 resources (prod 8, staging 4): 5 denials, 3 warnings, 0 errors`, with
/// `, 2 exempted` before the errors when findings were exempted.
pub fn summary_line(outcome: &Outcome) -> String {
    let mut envs: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &outcome.resources {
        *envs.entry(&*r.environment).or_default() += 1;
    }
    let envs: Vec<String> = envs.iter().map(|(e, n)| format!("{e} {n}")).collect();
    let exempted = outcome.findings.iter().filter(|f| f.exemption.is_some()).count();
    let skipped = match outcome.skipped.len() {
        0 => String::new(),
        n => format!(" ({n} skipped)"),
    };
    format!(
        "{}{skipped}, {}{}: {}, {}{}, {}",
        plural(outcome.files, "file", "files"),
        plural(outcome.resources.len(), "resource", "resources"),
        if envs.is_empty() { String::new() } else { format!(" ({})", envs.join(", ")) },
        plural(outcome.count(Level::Deny), "denial", "denials"),
        plural(outcome.count(Level::Warn), "warning", "warnings"),
        if exempted > 0 { format!(", {exempted} exempted") } else { String::new() },
        plural(outcome.errors.len(), "error", "errors"),
    )
}

/// What to do about a finding: its own help when the rule's general help does not fit it,
/// else its rule's (`None` for a Rego rule, whose message is all there is).
pub fn fix_text(f: &kubegate_engine::Finding) -> Option<&str> {
    f.help.as_deref().or_else(|| kubegate_engine::rules::find(&f.rule).map(|r| r.doc.help))
}

/// The line a person reads last: the most frequent rule among the findings that count
/// and how to read about it, then what `kubegate fix` and `kubegate pin` can repair.
/// `None` when nothing is to be done.
pub fn next_step(outcome: &Outcome) -> Option<String> {
    use kubegate_engine::rule::Repair;
    let open: Vec<&kubegate_engine::Finding> = outcome.findings.iter().filter(|f| f.exemption.is_none()).collect();
    if open.is_empty() {
        return None;
    }
    // Counted in first-appearance order, so that a tie goes to the rule met first.
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for f in &open {
        match counts.iter_mut().find(|(r, _)| *r == &*f.rule) {
            Some((_, n)) => *n += 1,
            None => counts.push((&f.rule, 1)),
        }
    }
    let (rule, n) = counts.iter().fold(counts[0], |best, c| if c.1 > best.1 { *c } else { best });
    let repair = |f: &&kubegate_engine::Finding| kubegate_engine::rules::find(&f.rule).map(|r| &r.repair);
    // What `kubegate fix` repairs as it is, and what only with `--unsafe-fixes`.
    let (mut fixable, mut risky) = (0, 0);
    for f in &open {
        match repair(f).and_then(Repair::safety).map(|s| s.risk(&f.path)) {
            Some(None) => fixable += 1,
            Some(Some(_)) => risky += 1,
            None => {}
        }
    }
    let pinnable = open.iter().filter(|f| matches!(repair(f), Some(Repair::Pin))).count();
    let mut s = format!("next: {rule} is the most frequent ({n} of {}):", open.len());
    if kubegate_engine::rules::find(rule).is_some() {
        s.push_str(&format!(" `kubegate explain {rule}`"));
    } else {
        s.push_str(" see the policy that reports it");
    }
    let findings = |n| plural(n, "finding", "findings");
    match (fixable, risky) {
        (0, 0) => {}
        (0, r) => s.push_str(&format!(
            "; `kubegate fix --unsafe-fixes --diff` previews the repair of {} (a reviewer must look: it can stop a workload from starting)",
            findings(r)
        )),
        (n, 0) => s.push_str(&format!("; `kubegate fix --diff` previews the repair of {}", findings(n))),
        (n, r) => s.push_str(&format!(
            "; `kubegate fix --diff` previews the repair of {} ({r} more with --unsafe-fixes)",
            findings(n)
        )),
    }
    if pinnable > 0 {
        // Counted from the findings: `pin` itself says which of them it cannot pin (a
        // Dockerfile base put together from build arguments) and why.
        s.push_str(&format!("; {} not pinned by digest: `kubegate pin --diff`", plural(pinnable, "image", "images")));
    }
    Some(clean(&s).into_owned())
}

/// Fits a table to `width` columns (a terminal's width) by wrapping the free-text columns
/// `wrap` (messages, reasons); the others keep their whole text (a `file:line:column` cut
/// in two cannot be clicked or copied). Without a width, rows are as long as their text,
/// which a CI log and `grep` want. Call after the header is set.
pub fn fit(t: &mut comfy_table::Table, width: Option<u16>, wrap: &[usize]) {
    let Some(w) = width else { return };
    t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    t.set_width(w);
    for (i, column) in t.column_iter_mut().enumerate() {
        // A wrapped column keeps at least 30 characters a line: on a narrow terminal the
        // table is wider than it rather than one word a line.
        column.set_constraint(if wrap.contains(&i) {
            comfy_table::ColumnConstraint::LowerBoundary(comfy_table::Width::Fixed(30))
        } else {
            comfy_table::ColumnConstraint::ContentWidth
        });
    }
}
