//! The checklist as GitHub-flavoured Markdown: a summary table, one table per
//! environment, and the findings as a numbered list the cells refer to (`[3]`).
//! Every piece of input text is escaped so it stays text inside a table cell.

use super::{Cell, Checklist, summary_detail, workload_name};
use crate::{clean, plural};
use kubegate_engine::checklist::ITEMS;
use std::collections::HashMap;
use std::io::Write;

/// Text as it must appear in Markdown (and inside a table cell): Markdown punctuation
/// backslash-escaped, `|` too, `<`, `>` and `&` as entities, line breaks as spaces,
/// control characters shown as escapes (see [`crate::clean`]).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        match c {
            // `$` starts math on GitHub; `[` and `]` links (so `(` needs nothing).
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Input text as a code span: backticks that fit any content, `|` escaped (GitHub ends
/// a table cell at an unescaped `|`, even in code), line breaks as spaces.
fn code(s: &str) -> String {
    let text = clean(s).replace(['\n', '\r', '\t'], " ").replace('|', "\\|");
    let run = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(run + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') { " " } else { "" };
    format!("{ticks}{pad}{text}{pad}{ticks}")
}

/// Writes the report.
pub fn render(report: &Checklist<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let o = report.outcome;
    let numbered = report.numbered();
    let number: HashMap<usize, usize> = numbered.iter().enumerate().map(|(n, f)| (*f, n + 1)).collect();
    let mut s = String::from("# Production readiness report\n\n");
    let workloads: usize = report.environments.iter().map(|e| e.rows.len()).sum();
    s.push_str(&format!(
        "kubegate {} · judged on {} · {} · {} · config: {}\n",
        env!("CARGO_PKG_VERSION"),
        o.today,
        plural(o.files, "file", "files"),
        plural(workloads, "workload", "workloads"),
        if report.config_read { code(&report.config_file) } else { "none".into() },
    ));
    if !o.errors.is_empty() {
        s.push_str("\n## Errors: inputs or config that could not be read\n\n");
        s.push_str(
            "✘ This report is incomplete: what these errors hide was not judged, so no environment is ready.\n\n",
        );
        for e in &o.errors {
            s.push_str(&format!("- {}\n", code(&e.to_string())));
        }
    }
    if !o.notices.is_empty() {
        s.push_str("\n## Notices\n\n");
        for n in &o.notices {
            s.push_str(&format!("- {}\n", code(&n.to_string())));
        }
    }

    s.push_str("\n## Summary per environment\n\n");
    if report.environments.is_empty() {
        s.push_str("No workload (a resource with a pod spec) among the inputs.\n");
    } else {
        s.push_str("| Checklist item |");
        for e in &report.environments {
            s.push_str(&format!(" {} |", escape(&e.name)));
        }
        s.push_str("\n|---|");
        s.push_str(&"---|".repeat(report.environments.len()));
        s.push('\n');
        for (i, item) in ITEMS.iter().enumerate() {
            s.push_str(&format!("| {} |", escape(item.title)));
            for e in &report.environments {
                s.push_str(&format!(" {} of {} met{} |", e.met(i), e.rows.len(), summary_detail(e, i)));
            }
            s.push('\n');
        }
        if report.environments.iter().any(|e| !e.dockerfiles.is_empty()) {
            s.push_str("| Dockerfiles (every Dockerfile rule) |");
            for e in &report.environments {
                let ok = e.dockerfiles_met();
                s.push_str(&format!(" {ok} of {} met |", e.dockerfiles.len()));
            }
            s.push('\n');
        }
        s.push_str("| **Verdict** |");
        for e in &report.environments {
            s.push_str(&format!(" **{}** |", e.verdict(!o.errors.is_empty()).words()));
        }
        s.push('\n');
        for e in report.environments.iter().filter(|e| !e.unchecked.is_empty()) {
            let list: Vec<String> =
                e.unchecked.iter().map(|(item, why)| format!("{} ({})", escape(why), escape(item))).collect();
            s.push_str(&format!("\nNot checked in {}: {}.\n", escape(&e.name), list.join("; ")));
        }
    }

    for e in &report.environments {
        s.push_str(&format!("\n## {}\n", escape(&e.name)));
        if !e.rows.is_empty() {
            workload_table(&mut s, e, o, &number);
        }
        if !e.dockerfiles.is_empty() {
            let rules = super::dockerfile_rules();
            s.push_str("\n| Dockerfile |");
            for r in &rules {
                s.push_str(&format!(" {} |", code(r.id)));
            }
            s.push_str("\n|---|");
            s.push_str(&"---|".repeat(rules.len()));
            s.push('\n');
            for row in &e.dockerfiles {
                let r = &o.resources[row.resource];
                s.push_str(&format!("| {} |", code(&format!("{}:{}", r.file, r.line))));
                for c in &row.cells {
                    s.push_str(&format!(" {} |", cell_md(c, &e.name, &number)));
                }
                s.push('\n');
            }
        }
    }

    if !numbered.is_empty() {
        s.push_str("\n## Findings\n\n");
        for (n, &fi) in numbered.iter().enumerate() {
            let f = &o.findings[fi];
            let state = escape(&super::finding_state(f));
            s.push_str(&format!(
                "{}. <a id=\"f{}\"></a>{} **{}** {} — {}\n",
                n + 1,
                n + 1,
                code(&format!("{}:{}", f.file, f.line)),
                escape(&f.rule),
                state,
                escape(&f.message)
            ));
        }
        if !report.unrelated.is_empty() {
            let refs: Vec<String> = report.unrelated.iter().map(|f| format!("\\[{}\\]", number[f])).collect();
            s.push_str(&format!("\n{}\n", super::unrelated_sentence(&refs.join(", "))));
        }
    }

    s.push_str("\n## What each item checks\n\n");
    for item in ITEMS {
        let rules = if item.rules.is_empty() {
            "no rule: evidence only".to_string()
        } else {
            item.rules.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", ")
        };
        s.push_str(&format!("- **{}**: {} Rules: {rules}.\n", item.title, item.checks));
    }
    s.push_str(&format!("\n{} `kubegate test` lists every finding.\n", escape(&super::legend())));
    out.write_all(s.as_bytes())
}

/// One environment's workload table.
fn workload_table(
    s: &mut String,
    e: &super::Environment,
    o: &kubegate_engine::Outcome,
    number: &HashMap<usize, usize>,
) {
    s.push_str("\n| Workload |");
    for item in ITEMS {
        s.push_str(&format!(" {} |", escape(item.title)));
    }
    s.push_str("\n|---|");
    s.push_str(&"---|".repeat(ITEMS.len()));
    s.push('\n');
    for row in &e.rows {
        let r = &o.resources[row.resource];
        let ns = r.id.namespace.as_deref().map(|n| format!("{} · ", escape(n))).unwrap_or_default();
        s.push_str(&format!(
            "| **{}**<br>{ns}{} |",
            escape(&workload_name(r)),
            code(&format!("{}:{}", r.file, r.line))
        ));
        for c in &row.cells {
            s.push_str(&format!(" {} |", cell_md(c, &e.name, number)));
        }
        s.push('\n');
    }
}

fn cell_md(c: &Cell, env: &str, number: &HashMap<usize, usize>) -> String {
    let mut s = escape(&c.state.words(env));
    for f in &c.findings {
        s.push_str(&format!(" [\\[{0}\\]](#f{0})", number[f]));
    }
    for d in &c.declared {
        let what =
            if d.url { format!("<{}>", d.evidence.replace(['<', '>', '|', ' '], "")) } else { code(&d.evidence) };
        let note = d.note.as_deref().map(|n| format!(": {}", escape(n))).unwrap_or_default();
        s.push_str(&format!("<br>{what}{note} ({})", code(&d.at)));
    }
    for n in &c.notes {
        s.push_str(&format!("<br>{}", escape(n)));
    }
    s
}
