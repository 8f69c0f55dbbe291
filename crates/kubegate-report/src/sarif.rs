//! SARIF 2.1.0: one run, the rules that produced results with their help text and a link
//! to their documentation, one result per finding with its physical location (columns in
//! Unicode code points), fingerprints that survive edits elsewhere in the file, and
//! exempted findings as suppressions. Input errors are tool execution notifications.

use kubegate_engine::exemptions::Origin;
use kubegate_engine::{Finding, Level, Outcome, rules};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Where rule documentation lives, for `helpUri`.
pub const DOCS_BASE: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules/");

/// FNV-1a, 64 bits: a stable hash for fingerprints (no randomness, no dependency).
fn fnv1a(parts: &[&str]) -> String {
    let mut h: u64 = 0xcbf29ce484222325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    format!("{h:016x}")
}

/// Identifies a finding across runs without its line: rule, file, resource, field,
/// container. Moving the resource in its file keeps the fingerprint.
pub fn fingerprint(f: &Finding) -> String {
    let r = &f.resource;
    fnv1a(&[
        &f.rule,
        &f.file,
        &r.kind,
        r.namespace.as_deref().unwrap_or(""),
        r.name.as_deref().unwrap_or(""),
        &f.path.to_string(),
        f.container.as_deref().unwrap_or(""),
    ])
}

fn rule_descriptor(id: &str) -> Value {
    match rules::find(id) {
        Some(r) => json!({
            "id": r.id,
            "shortDescription": {"text": r.summary.replace('`', "")},
            "fullDescription": {"text": r.doc.what.replace('`', "")},
            "help": {"text": r.doc.help, "markdown": crate::docs::rule_page(r)},
            "helpUri": format!("{DOCS_BASE}{}.md", r.id),
            "properties": {"levels": {"dev": r.levels[0].as_str(), "staging": r.levels[1].as_str(), "prod": r.levels[2].as_str()}},
        }),
        // A Rego policy's rule: no declaration to describe it.
        None => json!({"id": id, "shortDescription": {"text": format!("Rego policy rule {id}")}}),
    }
}

/// A file's path as a relative URI reference (RFC 3986): `\\` becomes `/`, and every byte
/// of the UTF-8 path other than an unreserved character or `/` is percent-encoded (a
/// space, `%`, `#`, `?`, `:` and control characters among them).
pub fn uri(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    for b in file.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(file: &str, line: u32, column: u32, end_line: u32, end_column: u32) -> Value {
    let mut region = serde_json::Map::new();
    if line > 0 {
        region.insert("startLine".into(), json!(line));
        region.insert("startColumn".into(), json!(column.max(1)));
        if end_line >= line {
            region.insert("endLine".into(), json!(end_line));
            region.insert("endColumn".into(), json!(end_column.max(1)));
        }
    }
    let mut physical = json!({"artifactLocation": {"uri": uri(file)}});
    if !region.is_empty() {
        physical["region"] = Value::Object(region);
    }
    json!({"physicalLocation": physical})
}

pub fn render(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    // Rules in first-appearance order, each once.
    let mut index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut descriptors = Vec::new();
    for f in &outcome.findings {
        if !index.contains_key(&*f.rule) {
            index.insert(&f.rule, descriptors.len());
            descriptors.push(rule_descriptor(&f.rule));
        }
    }
    let results: Vec<Value> = outcome
        .findings
        .iter()
        .map(|f| {
            let mut r = json!({
                "ruleId": &*f.rule,
                "ruleIndex": index[&*f.rule],
                "level": if f.level == Level::Deny { "error" } else { "warning" },
                "message": {"text": &f.message},
                "locations": [location(&f.file, f.line, f.column, f.end_line, f.end_column)],
                "partialFingerprints": {"kubegateFinding/v1": fingerprint(f)},
                "properties": {
                    "environment": &*f.environment,
                    "path": f.path.to_string(),
                    "resource": &*f.resource,
                },
            });
            // What to do about this finding (the rule's help, or the finding's own when the
            // rule's does not fit); the rule's full page is the descriptor's `help`.
            if let Some(fix) = crate::fix_text(f) {
                r["properties"]["fix"] = json!(fix);
            }
            if let Some(e) = &f.exemption {
                let mut justification = e.reason.clone();
                let details: Vec<String> =
                    e.issue.iter().cloned().chain(e.expires.as_ref().map(|d| format!("until {d}"))).collect();
                if !details.is_empty() {
                    justification.push_str(&format!(" ({})", details.join("; ")));
                }
                r["suppressions"] = json!([{
                    // Annotations sit in the manifest, directives in the Dockerfile;
                    // central exemptions and Rego `exception` rules live elsewhere.
                    "kind": if matches!(e.source, Origin::Annotations | Origin::Comment) { "inSource" } else { "external" },
                    "status": "accepted",
                    "justification": justification,
                }]);
            }
            r
        })
        .collect();
    let notifications: Vec<Value> = outcome
        .errors
        .iter()
        .map(|e| json!({"level": "error", "message": {"text": &e.message}, "locations": [location(e.file(), e.line(), e.column(), 0, 0)]}))
        // What the run noticed (a config glob or central exemption that matches nothing)
        // does not fail it: a note.
        .chain(outcome.notices.iter().map(|n| json!({"level": "note", "message": {"text": &n.message}, "locations": [location(n.file(), n.line(), n.column(), 0, 0)]})))
        .collect();
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "kubegate",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": descriptors,
            }},
            "columnKind": "unicodeCodePoints",
            "invocations": [{"executionSuccessful": outcome.errors.is_empty(), "toolExecutionNotifications": notifications}],
            "results": results,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
