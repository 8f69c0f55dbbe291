//! A Conftest-like table: one row per finding or error.

use crate::clean;
use comfy_table::{Table, presets};
use kubegate_engine::{Level, Outcome};
use std::io::{self, Write};

/// The table, its cells wrapped to `width` columns when given (a terminal's width).
pub fn render(outcome: &Outcome, width: Option<u16>, out: &mut dyn Write) -> io::Result<()> {
    let mut t = Table::new();
    t.load_style(presets::ASCII_FULL_CONDENSED);
    t.set_header(["RESULT", "FILE", "ENV", "RULE", "MESSAGE"]);
    for e in &outcome.errors {
        t.add_row([
            "error".to_string(),
            location(e.file(), e.line(), e.column()),
            String::new(),
            String::new(),
            clean(&e.message).into_owned(),
        ]);
    }
    for f in &outcome.findings {
        let result = match (f.level, &f.exemption) {
            (_, Some(e)) => super::exempted_word(e),
            (Level::Deny, None) => "failure",
            _ => "warning",
        };
        t.add_row([
            result.to_string(),
            location(&f.file, f.line, f.column),
            clean(&f.environment).into_owned(),
            clean(&f.rule).into_owned(),
            match &f.exemption {
                Some(e) => clean(&format!("{} [{}]", f.message, super::exempted_note(f.level, e))).into_owned(),
                None => clean(&f.message).into_owned(),
            },
        ]);
    }
    if !(outcome.findings.is_empty() && outcome.errors.is_empty()) {
        crate::fit(&mut t, width, &[4]);
        writeln!(out, "{t}")?;
    }
    writeln!(out, "{}", super::summary_lines(outcome))
}

fn location(file: &str, line: u32, col: u32) -> String {
    let file = clean(file);
    if line == 0 { file.into_owned() } else { format!("{file}:{line}:{col}") }
}
