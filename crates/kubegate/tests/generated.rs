//! The rule reference, the README's rule table and the config JSON Schema are generated
//! from the rule declarations. This test fails when the checked-in copies are stale;
//! `KUBEGATE_BLESS=1 cargo test -p kubegate --test generated` rewrites them.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const BEGIN: &str = "<!-- rules:begin (generated from the rule declarations) -->\n";
const END: &str = "<!-- rules:end -->";

fn readme_with_table(readme: &str) -> String {
    let (Some(b), Some(e)) = (readme.find(BEGIN), readme.find(END)) else {
        panic!("README.md lacks the rules:begin/rules:end markers");
    };
    format!("{}{BEGIN}{}{}", &readme[..b], kubegate_report::docs::rule_table("docs/rules/"), &readme[e..])
}

#[test]
fn generated_docs_are_up_to_date() {
    let bless = std::env::var_os("KUBEGATE_BLESS").is_some();
    let mut files = kubegate_report::docs::generated_files();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    files.push(("README.md".into(), readme_with_table(&readme)));
    let mut stale = Vec::new();
    for (rel, want) in files {
        let path = root().join(&rel);
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if bless {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, want).unwrap();
            } else {
                stale.push(rel);
            }
        }
    }
    // No page may outlive its rule.
    for entry in std::fs::read_dir(root().join("docs/rules")).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let id = name.trim_end_matches(".md");
        if name != "README.md" && kubegate_engine::rules::find(id).is_none() {
            stale.push(format!("docs/rules/{name} (no such rule)"));
        }
    }
    assert!(
        stale.is_empty(),
        "stale generated files {stale:?}; run KUBEGATE_BLESS=1 cargo test -p kubegate --test generated"
    );
}
