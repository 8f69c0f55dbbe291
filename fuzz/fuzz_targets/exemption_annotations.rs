//! Exemption annotations with arbitrary values (dates, rule lists, links) on a workload,
//! judged against a config with governance: never a panic, and an invalid exemption
//! never exempts.
#![no_main]

use kubegate_engine::{CheckOptions, Config, Source, check, exemptions::parse_date};
use libfuzzer_sys::fuzz_target;

static CONFIG: std::sync::LazyLock<Config> = std::sync::LazyLock::new(|| {
    Config::parse(
        "exemptions:\n  max_days: 90\n  issue_pattern: 'https://github\\.com/org/[^/]+/issues/[0-9]+'\n  not_exemptible:\n    prod: [privileged]\n",
        std::path::Path::new("kubegate.yaml"),
        None,
    )
    .expect("the fixed config parses")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(4, '\n');
    let quote = |s: Option<&str>| serde_json_escape(s.unwrap_or(""));
    let (reason, expires, issue, rules) = (quote(parts.next()), quote(parts.next()), quote(parts.next()), quote(parts.next()));
    let manifest = format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\n  annotations:\n    policy-exemption: {reason}\n    exemption-expires: {expires}\n    exemption-issue: {issue}\n    exemption-rules: {rules}\nspec:\n  replicas: 1\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:latest\n"
    );
    let config = &*CONFIG;
    let source = Source { path: "prod/app.yaml".into(), text: manifest, walked: false, format: kubegate_engine::Format::Manifest };
    let opts = CheckOptions { today: parse_date("2026-06-01"), ..CheckOptions::default() };
    let out = check(std::slice::from_ref(&source), config, &opts);
    let invalid = out.findings.iter().any(|f| f.rule == "invalid-exemption");
    if invalid {
        assert!(out.findings.iter().all(|f| f.exemption.is_none()), "an invalid exemption exempted something");
    }
});

/// A YAML double-quoted scalar holding `s`.
fn serde_json_escape(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}
