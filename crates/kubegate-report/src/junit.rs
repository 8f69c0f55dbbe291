//! JUnit XML, as GitLab, Jenkins and Azure read it: a testsuite per file, a testcase per
//! resource and rule that reported something, with a failure per denial; warnings pass
//! and carry their message in `system-out`; exempted findings are skipped; a resource
//! nothing was found on is one passing testcase. Unreadable inputs are errors. What the
//! run noticed (a config glob or central exemption that matches nothing) is its file's
//! suite's `system-out`: it neither passes nor fails.

use kubegate_engine::{Finding, Level, Outcome};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// XML text, control characters shown as in every human format (`crate::clean`).
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in crate::clean(s).chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            // XML 1.0 forbids most control characters.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o
}

#[derive(Default)]
struct Suite<'o> {
    /// (resource label, rule) → findings, in order of appearance.
    cases: Vec<(String, String, Vec<&'o Finding>)>,
    errors: Vec<(u32, &'o str)>,
    clean: Vec<String>,
    notices: Vec<String>,
}

fn resource_label(r: &kubegate_engine::ResourceId) -> String {
    match &r.namespace {
        Some(ns) => format!("{}/{}/{}", r.kind, ns, r.name.as_deref().unwrap_or("<unnamed>")),
        None => format!("{}/{}", r.kind, r.name.as_deref().unwrap_or("<unnamed>")),
    }
}

pub fn render(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    let mut suites: BTreeMap<&str, Suite<'_>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    fn suite<'o>(file: &'o str, order: &mut Vec<&'o str>) {
        if !order.contains(&file) {
            order.push(file);
        }
    }
    for f in &outcome.findings {
        suite(&f.file, &mut order);
        let s = suites.entry(&f.file).or_default();
        let label = resource_label(&f.resource);
        match s.cases.iter_mut().find(|(l, r, _)| *l == label && *r == *f.rule) {
            Some(c) => c.2.push(f),
            None => s.cases.push((label, f.rule.to_string(), vec![f])),
        }
    }
    for (i, r) in outcome.resources.iter().enumerate() {
        if !outcome.findings.iter().any(|f| f.resource_index as usize == i) {
            suite(&r.file, &mut order);
            suites.entry(&r.file).or_default().clean.push(resource_label(&r.id));
        }
    }
    for e in &outcome.errors {
        suite(e.file(), &mut order);
        suites.entry(e.file()).or_default().errors.push((e.line(), &e.message));
    }
    for n in &outcome.notices {
        suite(n.file(), &mut order);
        suites.entry(n.file()).or_default().notices.push(format!("warning: {n}"));
    }
    let failed =
        |c: &(String, String, Vec<&Finding>)| c.2.iter().any(|f| f.level == Level::Deny && f.exemption.is_none());
    let skipped = |c: &(String, String, Vec<&Finding>)| c.2.iter().all(|f| f.exemption.is_some());
    let (mut tests, mut failures, mut errors, mut skips) = (0, 0, 0, 0);
    let mut body = String::new();
    for file in &order {
        let s = &suites[file];
        let t = s.cases.len() + s.clean.len() + s.errors.len();
        let fl = s.cases.iter().filter(|c| failed(c)).count();
        let sk = s.cases.iter().filter(|c| skipped(c)).count();
        tests += t;
        failures += fl;
        errors += s.errors.len();
        skips += sk;
        body.push_str(&format!(
            "  <testsuite name=\"{}\" tests=\"{t}\" failures=\"{fl}\" errors=\"{}\" skipped=\"{sk}\">\n",
            esc(file),
            s.errors.len()
        ));
        for c in &s.cases {
            let first = c.2[0];
            body.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\" line=\"{}\">\n",
                esc(&c.0),
                esc(&c.1),
                esc(file),
                first.line
            ));
            let lines: Vec<String> =
                c.2.iter().map(|f| format!("{}:{}:{}: {}", f.file, f.line, f.column, f.message)).collect();
            if failed(c) {
                let denials: Vec<&&Finding> =
                    c.2.iter().filter(|f| f.level == Level::Deny && f.exemption.is_none()).collect();
                body.push_str(&format!(
                    "      <failure type=\"deny\" message=\"{}\">{}</failure>\n",
                    esc(&denials[0].message),
                    esc(&lines.join("\n"))
                ));
            } else if skipped(c) {
                let e = first.exemption.as_ref().expect("skipped means exempted");
                body.push_str(&format!(
                    "      <skipped message=\"{}\"/>\n",
                    esc(&crate::exempted_note(first.level, e))
                ));
            } else {
                body.push_str(&format!("      <system-out>{}</system-out>\n", esc(&lines.join("\n"))));
            }
            body.push_str("    </testcase>\n");
        }
        for label in &s.clean {
            body.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"all rules\" file=\"{}\"/>\n",
                esc(label),
                esc(file)
            ));
        }
        for (line, message) in &s.errors {
            body.push_str(&format!(
                "    <testcase classname=\"{}\" name=\"read\" file=\"{}\" line=\"{line}\">\n      <error message=\"{}\"/>\n    </testcase>\n",
                esc(file),
                esc(file),
                esc(message)
            ));
        }
        if !s.notices.is_empty() {
            body.push_str(&format!("    <system-out>{}</system-out>\n", esc(&s.notices.join("\n"))));
        }
        body.push_str("  </testsuite>\n");
    }
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<testsuites name=\"kubegate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skips}\">"
    )?;
    out.write_all(body.as_bytes())?;
    writeln!(out, "</testsuites>")
}
