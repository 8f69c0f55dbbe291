//! The whole rule engine on arbitrary documents, in every environment: findings point
//! inside the text, nothing panics, nothing hangs.
#![no_main]

use kubegate_engine::{CheckOptions, Config, Source, check};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines = text.lines().count() as u32 + 1;
    let source = Source { path: "k8s/overlays/prod/app.yaml".into(), text: text.to_string(), walked: false };
    let config = Config::default();
    for env in [None, Some("dev"), Some("staging")] {
        let opts = CheckOptions { env: env.map(str::to_string), ..CheckOptions::default() };
        let out = check(std::slice::from_ref(&source), &config, &opts);
        for f in &out.findings {
            assert!(f.line <= lines + 1, "{f:?}");
        }
    }
});
