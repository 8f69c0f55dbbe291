//! The whole rule engine on arbitrary documents, in an environment the first byte
//! chooses: findings point inside the text, nothing panics, nothing hangs.
#![no_main]

use kubegate_engine::{CheckOptions, Config, Source, check};
use libfuzzer_sys::fuzz_target;

static CONFIG: std::sync::LazyLock<Config> = std::sync::LazyLock::new(Config::default);

fuzz_target!(|data: &[u8]| {
    let Some((&env, rest)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(rest) else { return };
    let lines = kubegate_yaml::yaml_lines(text).count() as u32 + 1;
    let source = Source { path: "k8s/overlays/prod/app.yaml".into(), text: text.to_string(), walked: false };
    let env = ["dev", "staging", "prod"][usize::from(env) % 3];
    let opts = CheckOptions { env: Some(env.to_string()), ..CheckOptions::default() };
    let out = check(std::slice::from_ref(&source), &CONFIG, &opts);
    for f in &out.findings {
        assert!(f.line <= lines + 1, "{f:?}");
    }
});
