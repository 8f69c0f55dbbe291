//! The rule reference, the README's rule table and the config JSON Schema are generated
//! from the rule declarations. This test fails when the checked-in copies are stale;
//! `KUBEGATE_BLESS=1 cargo test -p kubegate --test it generated` rewrites them.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

const BEGIN: &str = "<!-- rules:begin (generated from the rule declarations) -->\n";
const END: &str = "<!-- rules:end -->";

fn readme_with_table(readme: &str) -> String {
    with_block(readme, "README.md", BEGIN, END, &kubegate_report::docs::rule_table("docs/rules/"))
}

const CHECKLIST_BEGIN: &str = "<!-- checklist:begin (generated from the checklist declaration) -->\n";
const CHECKLIST_END: &str = "<!-- checklist:end -->";

const STATES_BEGIN: &str = "<!-- states:begin (generated from the cell states) -->\n";
const STATES_END: &str = "<!-- states:end -->";

/// `text` with what lies between the markers replaced by `block`.
fn with_block(text: &str, name: &str, begin: &str, end: &str, block: &str) -> String {
    let (Some(b), Some(e)) = (text.find(begin), text.find(end)) else {
        panic!("{name} lacks the markers {begin:?} and {end:?}");
    };
    format!("{}{begin}{block}{}", &text[..b], &text[e..])
}

#[test]
fn generated_docs_are_up_to_date() {
    let bless = std::env::var_os("KUBEGATE_BLESS").is_some();
    let mut files = kubegate_report::docs::generated_files();
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    files.push(("README.md".into(), readme_with_table(&readme)));
    // docs/report.md: the checklist, its items and their rules.
    let report = std::fs::read_to_string(root().join("docs/report.md")).unwrap();
    let table = kubegate_report::docs::checklist_table("rules/");
    files
        .push(("docs/report.md".into(), with_block(&report, "docs/report.md", CHECKLIST_BEGIN, CHECKLIST_END, &table)));
    // docs/report.md: what a cell can say.
    let (_, report) = files.last().unwrap();
    let with_states =
        with_block(report, "docs/report.md", STATES_BEGIN, STATES_END, &kubegate_report::docs::states_table());
    files.last_mut().unwrap().1 = with_states;
    // docs/dockerfiles.md: the Dockerfile rules and their levels.
    let dockerfiles = std::fs::read_to_string(root().join("docs/dockerfiles.md")).unwrap();
    let table = kubegate_report::docs::dockerfile_rule_table("rules/");
    files.push(("docs/dockerfiles.md".into(), with_block(&dockerfiles, "docs/dockerfiles.md", BEGIN, END, &table)));
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
        "stale generated files {stale:?}; run KUBEGATE_BLESS=1 cargo test -p kubegate --test it generated"
    );
}

/// The product's documents speak to its users: no page, rule page or `explain` text
/// refers to documents they do not have (the project's internal specification).
#[test]
fn documents_refer_only_to_what_users_have() {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    let mut pages = vec![root().join("README.md")];
    walk(&root().join("docs"), &mut pages);
    let mut texts: Vec<(String, String)> =
        pages.iter().map(|p| (p.display().to_string(), std::fs::read_to_string(p).unwrap())).collect();
    for r in kubegate_engine::rules::ALL {
        texts.push((format!("explain {}", r.id), kubegate_report::docs::rule_page(r)));
    }
    let internal = ["seed 0", "seed document", "the seed", "seed's", "design.md", "../shared", "shared/corpora"];
    let mut found = Vec::new();
    for (name, text) in &texts {
        for (i, line) in text.lines().enumerate() {
            let lower = line.to_lowercase();
            if let Some(word) = internal.iter().find(|w| lower.contains(*w)) {
                found.push(format!("{name}:{}: `{word}` in {line}", i + 1));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
    // Every link to the policy page names a section it has.
    let policy = std::fs::read_to_string(root().join("docs/policy.md")).unwrap();
    let anchors: Vec<String> = policy
        .lines()
        .filter_map(|l| l.strip_prefix("## "))
        .map(|h| h.to_lowercase().replace(' ', "-").chars().filter(|c| c.is_alphanumeric() || *c == '-').collect())
        .collect();
    for r in kubegate_engine::rules::ALL {
        for part in r.doc.references.split("policy.md#").skip(1) {
            let anchor = part.split(')').next().unwrap();
            assert!(anchors.iter().any(|a| a == anchor), "{}: no section #{anchor} in docs/policy.md", r.id);
        }
    }
}
