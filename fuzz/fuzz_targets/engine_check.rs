//! The whole rule engine on arbitrary documents, in an environment the first byte
//! chooses: findings point inside the text, nothing panics, nothing hangs; and a stream
//! checked in parts (cut at every document start, in parallel) gives exactly the outcome
//! the whole stream gives.
#![no_main]

use kubegate_engine::{CheckOptions, Config, Source, check};
use libfuzzer_sys::fuzz_target;

static CONFIG: std::sync::LazyLock<Config> = std::sync::LazyLock::new(Config::default);

fuzz_target!(|data: &[u8]| {
    let Some((&env, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let lines = kubegate_yaml::yaml_lines(text).count() as u32 + 1;
    let source = Source { path: "k8s/overlays/prod/app.yaml".into(), text: text.to_string(), walked: false, format: kubegate_engine::Format::Manifest };
    let env = ["dev", "staging", "prod"][usize::from(env) % 3];
    // A fixed date: the two checks must not straddle midnight (the campaign once saw the
    // outcomes' dates differ at 00:00).
    let opts = CheckOptions {
        env: Some(env.to_string()),
        today: kubegate_engine::exemptions::parse_date("2026-06-01"),
        part_bytes: Some(usize::MAX),
        ..CheckOptions::default()
    };
    let whole = check(std::slice::from_ref(&source), &CONFIG, &opts);
    for f in &whole.findings {
        assert!(f.line <= lines + 1, "{f:?}");
    }
    if kubegate_yaml::split_stream(text, 1).len() > 1 {
        let parts = check(std::slice::from_ref(&source), &CONFIG, &CheckOptions { part_bytes: Some(1), ..opts });
        assert_eq!(format!("{whole:#?}"), format!("{parts:#?}"), "parts differ from the whole stream");
    }
});
