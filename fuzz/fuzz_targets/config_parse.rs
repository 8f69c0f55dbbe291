//! `kubegate.yaml` on arbitrary text: a config or errors with positions, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Err(errors) = kubegate_engine::Config::parse(text, std::path::Path::new("kubegate.yaml"), None) {
        assert!(!errors.is_empty());
    }
});
