//! Rego policy loading and evaluation on small arbitrary policies (Rego v1, or v0 when the
//! first byte is odd): a policy that loads is evaluated on a small document within the
//! time limit; nothing panics or aborts.
//!
//! A stack overflow kills the process before libFuzzer can save the input that caused it.
//! With `KUBEGATE_FUZZ_LAST_INPUT=FILE`, each input is written to FILE before it runs, so
//! after such a death FILE holds it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use std::time::Duration;

static LAST_INPUT: OnceLock<Option<std::path::PathBuf>> = OnceLock::new();

fuzz_target!(
    init: {
        // As the kubegate binary does: regorus' parser builds an error for every
        // alternative it backtracks over, and a captured backtrace for each (under
        // RUST_BACKTRACE, which cargo fuzz sets) made a 12-level nesting take seconds.
        // SAFETY: before any other thread exists.
        unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };
    },
    |data: &[u8]| {
        if let Some(file) = LAST_INPUT.get_or_init(|| std::env::var_os("KUBEGATE_FUZZ_LAST_INPUT").map(Into::into)) {
            let _ = std::fs::write(file, data);
        }
        let Some((&mode, data)) = data.split_first() else { return };
        if data.len() > 4096 {
            return;
        }
        let Ok(policy) = std::str::from_utf8(data) else { return };
        let dir = std::env::temp_dir().join(format!("kubegate-fuzz-rego-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let file = dir.join("policy.rego");
        if std::fs::write(&file, format!("package main\n\n{policy}\n")).is_err() {
            return;
        }
        let opts = kubegate_rego::Options {
            policies: vec![file],
            time_limit: Duration::from_millis(20),
            rego_v0: mode % 2 == 1,
            ..kubegate_rego::Options::default()
        };
        let Ok(policies) = kubegate_rego::load(&opts) else { return };
        let arena = kubegate_yaml::Bump::new();
        let doc = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 1\n";
        let loaded = kubegate_yaml::load(doc, &arena);
        let _ = kubegate_engine::Policies::evaluate(&policies, &loaded.documents[0].root);
    }
);
