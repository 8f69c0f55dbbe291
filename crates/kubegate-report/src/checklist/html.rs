//! The checklist as one self-contained HTML page: inline CSS (screen and print), no
//! script, no font, image or style sheet from anywhere; every piece of input text escaped.

use super::{Cell, Checklist, State, workload_name};
use crate::{clean, plural};
use kubegate_engine::checklist::ITEMS;
use std::collections::HashMap;
use std::io::Write;

/// Text for HTML content and attribute values: `& < > " '` as entities, control
/// characters shown as escapes (see [`crate::clean`]).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in clean(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Inline Markdown of the declarations (code spans only) as HTML.
fn code_spans(s: &str) -> String {
    let mut out = String::new();
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str(&format!("<code>{}</code>", escape(part)));
        } else {
            out.push_str(&escape(part));
        }
    }
    out
}

const STYLE: &str = r#"
:root { --pass: #1a7f37; --fail: #b42318; --warn: #9a6700; --muted: #57606a; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  color: #1f2328; background: #fff; margin: 0 auto; padding: 1.5rem; max-width: 110rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; border-bottom: 1px solid var(--line); padding-bottom: .25rem; }
h3 { font-size: 1.05rem; margin: 1.25rem 0 .4rem; }
p.meta, .muted { color: var(--muted); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .88em; overflow-wrap: anywhere; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; }
caption { text-align: left; font-weight: 600; padding: .3rem 0; }
th, td { border: 1px solid var(--line); padding: .35rem .45rem; vertical-align: top; text-align: left; }
thead th { background: #f6f8fa; font-size: .85rem; }
tbody th { font-weight: 600; background: #fbfcfd; }
td small, th small { display: block; color: var(--muted); font-weight: 400; font-size: .78rem; overflow-wrap: anywhere; }
.checklist { table-layout: fixed; }
.checklist th, .checklist td, .dockerfiles th, .dockerfiles td { font-size: .8rem; overflow-wrap: break-word; hyphens: auto; }
table.summary { width: auto; min-width: 40%; }
.checklist thead th:first-child { width: 10rem; }
.passed, .exempted, .declared { color: var(--pass); background: #eef9f0; }
.failed { color: var(--fail); background: #fdf0ef; font-weight: 600; }
.confirm, .partly, .unchecked { color: var(--warn); background: #fdf8e8; }
.na { color: var(--muted); background: #f6f8fa; }
td a { color: inherit; }
ol.findings li, ul.plain li { margin: .3rem 0; }
ul.plain { padding-left: 1.2rem; }
dl.items dt { font-weight: 600; margin-top: .6rem; }
dl.items dd { margin: .1rem 0 0 1.2rem; }
@media print {
  @page { size: A4 landscape; margin: 1cm; }
  body { font-size: 9.5pt; padding: 0; max-width: none; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  thead { display: table-header-group; }
  tr, li { break-inside: avoid; }
  h2 { break-after: avoid; }
  a { text-decoration: none; }
}
"#;

/// Writes the page.
pub fn render(report: &Checklist<'_>, out: &mut dyn Write) -> std::io::Result<()> {
    let o = report.outcome;
    let numbered = report.numbered();
    let number: HashMap<usize, usize> = numbered.iter().enumerate().map(|(n, f)| (*f, n + 1)).collect();
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    s.push_str("<title>Production readiness report</title>\n<style>");
    s.push_str(STYLE);
    s.push_str("</style>\n</head>\n<body>\n<header>\n<h1>Production readiness report</h1>\n");
    let workloads: usize = report.environments.iter().map(|e| e.rows.len()).sum();
    s.push_str(&format!(
        "<p class=\"meta\">kubegate {} · judged on {} · {} · {} · config: {}</p>\n</header>\n",
        env!("CARGO_PKG_VERSION"),
        o.today,
        plural(o.files, "file", "files"),
        plural(workloads, "workload", "workloads"),
        if report.config_read { format!("<code>{}</code>", escape(&report.config_file)) } else { "none".into() },
    ));

    if !o.errors.is_empty() {
        s.push_str("<section id=\"errors\">\n<h2>Errors: inputs or config that could not be read</h2>\n");
        s.push_str("<p class=\"failed\">✘ This report is incomplete: what these errors hide was not judged, so no environment is ready.</p>\n<ul class=\"plain\">\n");
        for e in &o.errors {
            s.push_str(&format!("<li><code>{}</code></li>\n", escape(&e.to_string())));
        }
        s.push_str("</ul>\n</section>\n");
    }
    if !o.notices.is_empty() {
        s.push_str("<section id=\"notices\">\n<h2>Notices</h2>\n<ul class=\"plain\">\n");
        for n in &o.notices {
            s.push_str(&format!("<li><code>{}</code></li>\n", escape(&n.to_string())));
        }
        s.push_str("</ul>\n</section>\n");
    }

    // Summary per environment.
    s.push_str("<section id=\"summary\">\n<h2>Summary per environment</h2>\n");
    if report.environments.is_empty() {
        s.push_str("<p>No workload (a resource with a pod spec) among the inputs.</p>\n");
    } else {
        s.push_str("<table class=\"summary\">\n<caption>Workloads meeting each item, per environment</caption>\n<thead><tr><th scope=\"col\">Checklist item</th>");
        for e in &report.environments {
            s.push_str(&format!("<th scope=\"col\">{}</th>", escape(&e.name)));
        }
        s.push_str("</tr></thead>\n<tbody>\n");
        for (i, item) in ITEMS.iter().enumerate() {
            s.push_str(&format!("<tr><th scope=\"row\"><a href=\"#item-{}\">{}</a></th>", item.id, escape(item.title)));
            for e in &report.environments {
                let met = e.met(i);
                let class = if met == e.rows.len() {
                    "passed"
                } else if e.count(i, State::Failed) > 0 {
                    "failed"
                } else {
                    "confirm"
                };
                s.push_str(&format!(
                    "<td class=\"{class}\">{met} of {} met{}</td>",
                    e.rows.len(),
                    escape(&super::summary_detail(e, i))
                ));
            }
            s.push_str("</tr>\n");
        }
        if report.environments.iter().any(|e| !e.dockerfiles.is_empty()) {
            s.push_str("<tr><th scope=\"row\">Dockerfiles (every Dockerfile rule)</th>");
            for e in &report.environments {
                let ok = e.dockerfiles_met();
                let class = if ok == e.dockerfiles.len() { "passed" } else { "failed" };
                s.push_str(&format!("<td class=\"{class}\">{ok} of {} met</td>", e.dockerfiles.len()));
            }
            s.push_str("</tr>\n");
        }
        s.push_str("<tr><th scope=\"row\">Verdict</th>");
        for e in &report.environments {
            let v = e.verdict(!o.errors.is_empty());
            s.push_str(&format!("<td class=\"{}\">{}</td>", v.class(), v.words()));
        }
        s.push_str("</tr>\n</tbody>\n</table>\n");
        for e in report.environments.iter().filter(|e| !e.unchecked.is_empty()) {
            s.push_str(&format!("<p>Not checked in {}: ", escape(&e.name)));
            let list: Vec<String> =
                e.unchecked.iter().map(|(item, why)| format!("{} ({})", escape(why), escape(item))).collect();
            s.push_str(&list.join("; "));
            s.push_str(".</p>\n");
        }
    }
    s.push_str("</section>\n");

    for e in &report.environments {
        s.push_str(&format!("<section id=\"env-{0}\">\n<h2>{0}</h2>\n", escape(&e.name)));
        if !e.rows.is_empty() {
            workload_table(&mut s, e, o, &number);
        }
        if !e.dockerfiles.is_empty() {
            let rules = super::dockerfile_rules();
            s.push_str(&format!(
                "<table class=\"dockerfiles\">\n<caption>The image side: the {} bound for {}</caption>\n<thead><tr><th scope=\"col\">Dockerfile</th>",
                plural(e.dockerfiles.len(), "Dockerfile", "Dockerfiles"),
                escape(&e.name)
            ));
            for r in &rules {
                s.push_str(&format!("<th scope=\"col\"><code>{}</code></th>", r.id));
            }
            s.push_str("</tr></thead>\n<tbody>\n");
            for row in &e.dockerfiles {
                let r = &o.resources[row.resource];
                s.push_str(&format!("<tr><th scope=\"row\"><code>{}:{}</code></th>", escape(&r.file), r.line));
                for c in &row.cells {
                    s.push_str(&cell_html(c, &e.name, &number));
                }
                s.push_str("</tr>\n");
            }
            s.push_str("</tbody>\n</table>\n");
        }
        s.push_str("</section>\n");
    }

    if !numbered.is_empty() {
        s.push_str("<section id=\"findings\">\n<h2>Findings</h2>\n<ol class=\"findings\">\n");
        for (n, &fi) in numbered.iter().enumerate() {
            let f = &o.findings[fi];
            let state = escape(&super::finding_state(f));
            s.push_str(&format!(
                "<li id=\"f{}\"><code>{}:{}</code> <strong>{}</strong> {} — {}</li>\n",
                n + 1,
                escape(&f.file),
                f.line,
                escape(&f.rule),
                state,
                escape(&f.message)
            ));
        }
        s.push_str("</ol>\n");
        if !report.unrelated.is_empty() {
            let refs: Vec<String> =
                report.unrelated.iter().map(|f| format!("<a href=\"#f{0}\">[{0}]</a>", number[f])).collect();
            s.push_str(&format!("<p>{}</p>\n", super::unrelated_sentence(&refs.join(", "))));
        }
        s.push_str("</section>\n");
    }

    s.push_str("<section id=\"items\">\n<h2>What each item checks</h2>\n<dl class=\"items\">\n");
    for item in ITEMS {
        let rules = if item.rules.is_empty() {
            "no rule: evidence only".to_string()
        } else {
            item.rules.iter().map(|r| format!("<code>{r}</code>")).collect::<Vec<_>>().join(", ")
        };
        s.push_str(&format!(
            "<dt id=\"item-{}\">{}</dt>\n<dd>{} <span class=\"muted\">Rules: {rules}.</span></dd>\n",
            item.id,
            escape(item.title),
            code_spans(item.checks)
        ));
    }
    s.push_str(&format!(
        "</dl>\n<p class=\"muted\">{} <code>kubegate test</code> lists every finding.</p>\n</section>\n</body>\n</html>\n",
        escape(&super::legend())
    ));
    out.write_all(s.as_bytes())
}

/// One environment's workload table.
fn workload_table(
    s: &mut String,
    e: &super::Environment,
    o: &kubegate_engine::Outcome,
    number: &HashMap<usize, usize>,
) {
    s.push_str(&format!(
        "<table class=\"checklist\">\n<caption>The production checklist for the {} bound for {}</caption>\n<thead><tr><th scope=\"col\">Workload</th>",
        plural(e.rows.len(), "workload", "workloads"),
        escape(&e.name)
    ));
    for item in ITEMS {
        s.push_str(&format!("<th scope=\"col\">{}</th>", escape(item.title)));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for row in &e.rows {
        let r = &o.resources[row.resource];
        s.push_str(&format!(
            "<tr><th scope=\"row\">{}<small>{}{}:{}</small></th>",
            escape(&workload_name(r)),
            r.id.namespace.as_deref().map(|n| format!("{} · ", escape(n))).unwrap_or_default(),
            escape(&r.file),
            r.line
        ));
        for c in &row.cells {
            s.push_str(&cell_html(c, &e.name, number));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
}

fn cell_html(c: &Cell, env: &str, number: &HashMap<usize, usize>) -> String {
    let mut s = format!("<td class=\"{}\">{}", c.state.class(), escape(&c.state.words(env)));
    if !c.findings.is_empty() {
        let refs: Vec<String> = c.findings.iter().map(|f| format!("<a href=\"#f{0}\">[{0}]</a>", number[f])).collect();
        s.push_str(&format!(" {}", refs.join(" ")));
    }
    for d in &c.declared {
        let what = if d.url {
            format!("<a href=\"{0}\">{0}</a>", escape(&d.evidence))
        } else {
            format!("<code>{}</code>", escape(&d.evidence))
        };
        let note = d.note.as_deref().map(|n| format!(": {}", escape(n))).unwrap_or_default();
        s.push_str(&format!("<small>{what}{note} ({})</small>", escape(&d.at)));
    }
    for n in &c.notes {
        s.push_str(&format!("<small>{}</small>", escape(n)));
    }
    s.push_str("</td>");
    s
}
