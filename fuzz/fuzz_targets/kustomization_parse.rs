//! Kustomization parsing on arbitrary text: the paths it names, with their places and
//! whether they are remote, and the local paths it builds from. Nothing panics; every
//! place is inside the text; a remote reference never becomes a local path.
#![no_main]

use kubegate_inputs::kustomize::{Kustomization, references};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let lines = kubegate_yaml::yaml_lines(text).count() as u32 + 1;
    let refs = references(text);
    for r in &refs {
        assert!(r.line >= 1 && r.line <= lines, "{r:?}");
    }
    let dir = Path::new("k8s/overlays/prod");
    if let Some(k) = Kustomization::parse(text, dir) {
        for path in k.builds_from.iter().chain(&k.patches).chain(&k.generator_files) {
            let shown = path.to_string_lossy();
            assert!(!shown.contains("://"), "a remote reference became a local path: {shown}");
        }
    }
});
