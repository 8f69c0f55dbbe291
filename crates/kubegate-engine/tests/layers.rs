//! The engine's modules form layers, and data flows one way: a module may use its own
//! layer and the layers below it, never one above. This test reads every source file and
//! fails on a `crate::…` (or crate-root re-export) reference to a higher layer, and on a
//! module that is in no layer. `docs/architecture.md` draws the same layers.

use std::collections::BTreeMap;
use std::path::Path;

/// The layers, lowest first; each module of `src/` (a file or a folder) is in one.
const LAYERS: &[(&str, &[&str])] = &[
    ("finding types, closest-name suggestions", &["finding", "suggest"]),
    ("resources, Pod Security Standards, environment types", &["resources", "pss", "environment", "secrets"]),
    ("exemptions as data", &["exemption"]),
    ("the rule API, cross-resource facts, the policy seam", &["rule", "facts", "policy"]),
    ("the rules and their registry, the checklist that names them", &["rules", "checklist"]),
    ("config and the judging of exemptions", &["config", "exemptions"]),
    ("evaluate and the document API", &["evaluate", "document"]),
];

/// What the crate root re-exports (`pub use module::{A, B};` in `lib.rs`), by the module
/// it comes from (`None` for another crate's items).
fn reexports() -> Vec<(String, Option<String>)> {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let mut out = Vec::new();
    for line in lib.lines().filter_map(|l| l.trim().strip_prefix("pub use ")) {
        let line = line.trim_end_matches(';');
        let (path, items) = match line.split_once("::{") {
            Some((path, items)) => (path, items.trim_end_matches('}').to_string()),
            None => match line.rsplit_once("::") {
                Some((path, item)) => (path, item.to_string()),
                None => continue,
            },
        };
        let module = path.split("::").next().unwrap_or("");
        let module = layer_of(module).map(|_| module.to_string());
        for item in items.split(',') {
            out.push((item.trim().to_string(), module.clone()));
        }
    }
    out
}

fn layer_of(module: &str) -> Option<usize> {
    LAYERS.iter().position(|(_, mods)| mods.contains(&module))
}

/// The modules a file's code refers to through `crate::`, outside its tests and comments.
fn references(text: &str) -> Vec<String> {
    let code: String = text
        .split("#[cfg(test)]")
        .next()
        .unwrap_or(text)
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let code = code.as_str();
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = item.trim().split("::").next().unwrap_or("").trim();
                out.push(name.to_string());
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            out.push(name);
        }
    }
    let reexports = reexports();
    out.into_iter()
        .filter(|n| !n.is_empty())
        .filter_map(|n| match reexports.iter().find(|(item, _)| *item == n) {
            Some((_, module)) => module.clone(),
            None => Some(n),
        })
        .collect()
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn no_module_uses_a_higher_layer() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    all.sort();
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &all {
        let rel = file.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        let module = rel.split('/').next().unwrap().trim_end_matches(".rs").to_string();
        if module == "lib" {
            continue;
        }
        let own =
            layer_of(&module).unwrap_or_else(|| panic!("{rel}: module `{module}` is in no layer; add it to LAYERS"));
        for r in references(&std::fs::read_to_string(file).unwrap()) {
            if r == module {
                continue;
            }
            let theirs = layer_of(&r).unwrap_or_else(|| panic!("{rel}: refers to `crate::{r}`, which is in no layer"));
            if theirs > own {
                wrong.entry(rel.clone()).or_default().push(format!("{r} ({})", LAYERS[theirs].0));
            }
        }
    }
    assert!(wrong.is_empty(), "modules that use a higher layer: {wrong:#?}");
}
