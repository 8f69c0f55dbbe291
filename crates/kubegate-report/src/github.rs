//! GitHub Actions workflow commands: `::error file=…,line=…,col=…,endLine=…,endColumn=…,
//! title=RULE::message` for denials, `::warning` for warnings, `::notice` for exempted
//! findings, `::warning` for the run's notices, then the summary line. Values are escaped as the runner expects.

use kubegate_engine::{Level, Outcome};
use std::io::{self, Write};

/// Escaping for a command's message (control characters first, as in every human format).
fn data(s: &str) -> String {
    crate::clean(s).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escaping for a command's properties.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    for e in &outcome.errors {
        let at = if e.line() > 0 { format!(",line={},col={}", e.line(), e.column().max(1)) } else { String::new() };
        writeln!(out, "::error file={}{at},title=kubegate::{}", property(e.file()), data(&e.message))?;
    }
    for f in &outcome.findings {
        let (command, title, message) = match (&f.exemption, f.level) {
            (Some(e), level) => (
                "notice",
                format!("{} (exempted)", f.rule),
                format!("{} [{}]", f.message, crate::exempted_note(level, e)),
            ),
            (None, Level::Deny) => ("error", f.rule.to_string(), f.message.clone()),
            (None, _) => ("warning", f.rule.to_string(), f.message.clone()),
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            property(&f.file),
            f.line,
            f.column,
            f.end_line,
            f.end_column,
            property(&title),
            data(&message)
        )?;
    }
    // What the run noticed (a config glob or central exemption that matches nothing): a
    // warning annotation on the config line, which does not fail the job.
    for n in &outcome.notices {
        let at = if n.line() > 0 { format!(",line={},col={}", n.line(), n.column().max(1)) } else { String::new() };
        writeln!(out, "::warning file={}{at},title=kubegate::{}", property(n.file()), data(&n.message))?;
    }
    writeln!(out, "{}", super::summary_line(outcome))
}
