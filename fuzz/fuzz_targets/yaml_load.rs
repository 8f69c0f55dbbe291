//! The YAML loader on arbitrary bytes: every document it delivers, and every error, in
//! bounded time and memory; positions within the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines = kubegate_yaml::yaml_lines(text).count() as u32 + 1;
    let arena = kubegate_yaml::Bump::new();
    let loaded = kubegate_yaml::load(text, &arena);
    for d in &loaded.documents {
        assert!(d.root.span.start.line <= lines + 1);
    }
    let mut delivered = 0usize;
    let errors = kubegate_yaml::load_each_recovering(text, |_, _| delivered += 1);
    for e in &errors {
        assert!(e.pos.line <= lines + 1, "error past the end: {e:?}");
    }
    // Recovery never delivers fewer documents than a parse that stops at the first error.
    assert!(delivered >= loaded.documents.len());
});
