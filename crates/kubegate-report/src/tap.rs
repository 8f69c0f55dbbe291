//! TAP version 13: one test point per finding and per unreadable input. A denial is
//! `not ok`; a warning is `not ok … # TODO` (reported, not failing); an exempted finding
//! is `ok … # SKIP` with its exemption. Each point carries a YAML diagnostic block. A run
//! with nothing to report is one passing point.

use kubegate_engine::{Level, Outcome};
use std::io::{self, Write};

/// A description must not contain `#` (it would start a directive), a newline, or any
/// other line break or control character (`crate::clean`).
fn desc(s: &str) -> String {
    crate::clean(s).replace('#', "\\#").replace('\n', " ")
}

/// A YAML double-quoted scalar (JSON's escapes; U+2028 and U+2029, which JSON leaves as
/// they are and YAML reads as line breaks, escaped by `crate::clean`).
fn yaml_str(s: &str) -> String {
    serde_json::to_string(&crate::clean(s)).expect("strings serialise")
}

pub fn render(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "TAP version 13")?;
    let total = outcome.errors.len() + outcome.findings.len();
    if total == 0 {
        writeln!(out, "1..1")?;
        writeln!(out, "ok 1 - {}", desc(&super::summary_line(outcome)))?;
        return notices(outcome, out);
    }
    writeln!(out, "1..{total}")?;
    let mut n = 0;
    for e in &outcome.errors {
        n += 1;
        writeln!(out, "not ok {n} - {}:{}:{} {}", desc(e.file()), e.line(), e.column(), desc(&e.message))?;
        writeln!(out, "  ---\n  severity: error\n  file: {}\n  line: {}\n  ...", yaml_str(e.file()), e.line())?;
    }
    for f in &outcome.findings {
        n += 1;
        let point = format!("{} {}:{}:{} {}", f.rule, desc(&f.file), f.line, f.column, desc(&f.message));
        match (&f.exemption, f.level) {
            (Some(e), level) => writeln!(out, "ok {n} - {point} # SKIP {}", desc(&crate::exempted_note(level, e)))?,
            (None, Level::Deny) => writeln!(out, "not ok {n} - {point}")?,
            (None, _) => writeln!(out, "not ok {n} - {point} # TODO warning")?,
        }
        writeln!(
            out,
            "  ---\n  rule: {}\n  level: {}\n  environment: {}\n  file: {}\n  line: {}\n  column: {}\n  path: {}\n  ...",
            yaml_str(&f.rule),
            f.level.as_str(),
            yaml_str(&f.environment),
            yaml_str(&f.file),
            f.line,
            f.column,
            yaml_str(&f.path.to_string())
        )?;
    }
    notices(outcome, out)?;
    writeln!(out, "# {}", super::summary_line(outcome))
}

/// What the run noticed, as TAP comments (they neither pass nor fail).
fn notices(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    for n in &outcome.notices {
        writeln!(out, "# warning: {}", desc(&n.to_string()))?;
    }
    Ok(())
}
