//! A Dockerfile through the whole engine, in an environment the first byte chooses, with
//! exemption governance: nothing panics or hangs, findings point inside the text (lines
//! and columns from 1), a file that does not parse is one error, and an invalid or
//! forbidden exemption directive never exempts.
#![no_main]

use kubegate_engine::exemptions::{Origin, State, parse_date};
use kubegate_engine::{CheckOptions, Config, Format, Source, check};
use libfuzzer_sys::fuzz_target;

static CONFIG: std::sync::LazyLock<Config> = std::sync::LazyLock::new(|| {
    Config::parse(
        "exemptions:\n  max_days: 90\n  not_exemptible:\n    prod: [dockerfile-secret]\nminimal_bases: [registry.example.com/hardened/]\n",
        std::path::Path::new("kubegate.yaml"),
        None,
    )
    .expect("the fixed config parses")
});

fuzz_target!(|data: &[u8]| {
    let Some((&env, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let lines = text.split('\n').count() as u32;
    let env = ["dev", "staging", "prod"][usize::from(env) % 3];
    let source =
        Source { path: "services/api/Dockerfile".into(), text: text.to_string(), walked: false, format: Format::Dockerfile };
    let opts = CheckOptions { env: Some(env.to_string()), today: parse_date("2026-06-01"), ..CheckOptions::default() };
    let out = check(std::slice::from_ref(&source), &CONFIG, &opts);
    assert!(out.errors.len() <= 1, "{:?}", out.errors);
    if !out.errors.is_empty() {
        assert!(out.findings.is_empty() && out.resources.is_empty(), "{out:?}");
        return;
    }
    assert_eq!(out.resources.len(), 1);
    for f in &out.findings {
        assert!(f.line >= 1 && f.line <= lines && f.column >= 1, "{f:?}");
        if let Some(e) = &f.exemption {
            assert!(e.state.exempts(), "{f:?}");
            assert!(!(env == "prod" && f.rule == "dockerfile-secret"), "a forbidden exemption exempted: {f:?}");
        }
    }
    for record in out.exemptions.iter().filter(|r| r.source == Origin::Comment && r.state == State::Invalid) {
        assert!(
            out.findings.iter().all(|f| f.exemption.as_ref().is_none_or(|e| e.line != record.line)),
            "an invalid directive exempted: {record:?}"
        );
    }
});
