//! Rule fixtures: `tests/fixtures/<rule-id>/*.yaml`. Each fixture states, in comments, the
//! exact findings it must produce:
//!
//! ```yaml
//! # env: dev,staging,prod          (optional; the default is all three)
//! # rules: image-digest,replicas   (optional; the default is the folder's rule)
//! # config: {trusted_registries: [ghcr.io/org]}   (optional; kubegate.yaml as flow YAML)
//! # today: 2026-06-01              (optional; the date exemptions are judged on, default 2026-06-01)
//! # expect prod image-digest deny 12:18 Production deployment 'backend' container 'app' must use ...
//! ```
//!
//! For every listed environment the file is checked with `--env`, the findings of the
//! compared rules are taken, and they must equal the `expect` lines for that environment
//! exactly (rule, level, line, column and message). An exempted finding's level reads
//! `exempted`. An environment with no `expect` line is a must-not-fire case. A finding
//! whose help is its own (not the rule's general help) ends in `[help: …]`.

use kubegate_engine::exemptions::parse_date;
use kubegate_engine::{CheckOptions, Config, Date, Source, check, rules};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

struct Fixture {
    path: PathBuf,
    envs: Vec<String>,
    rules: Vec<String>,
    config: Option<String>,
    today: Date,
    expected: BTreeSet<String>,
}

fn parse_fixture(path: &Path, folder_rule: &str) -> (Fixture, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut f = Fixture {
        path: path.to_path_buf(),
        envs: vec!["dev".into(), "staging".into(), "prod".into()],
        rules: vec![folder_rule.to_string()],
        config: None,
        today: parse_date("2026-06-01").unwrap(),
        expected: BTreeSet::new(),
    };
    for line in text.lines() {
        let Some(c) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let c = c.trim();
        if let Some(v) = c.strip_prefix("env:") {
            f.envs = v.split(',').map(|s| s.trim().to_string()).collect();
        } else if let Some(v) = c.strip_prefix("config:") {
            f.config = Some(v.trim().to_string());
        } else if let Some(v) = c.strip_prefix("rules:") {
            f.rules = v.split(',').map(|s| s.trim().to_string()).collect();
        } else if let Some(v) = c.strip_prefix("today:") {
            f.today = parse_date(v.trim()).unwrap_or_else(|| panic!("{}: bad `# today:` {v}", path.display()));
        } else if let Some(v) = c.strip_prefix("expect ") {
            f.expected.insert(v.trim().to_string());
        }
    }
    (f, text)
}

fn actual(f: &Fixture, text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let source = Source { path: f.path.display().to_string(), text: text.to_string(), walked: false };
    let config = match &f.config {
        Some(text) => Config::parse(text, Path::new("kubegate.yaml"), None).expect("fixture config"),
        None => Config::default(),
    };
    for env in &f.envs {
        let opts = CheckOptions { env: Some(env.clone()), today: Some(f.today), ..CheckOptions::default() };
        let outcome = check(std::slice::from_ref(&source), &config, &opts);
        assert!(outcome.errors.is_empty(), "{}: {:?}", f.path.display(), outcome.errors);
        for x in outcome.findings.iter().filter(|x| f.rules.iter().any(|r| *r == *x.rule)) {
            let level = if x.exemption.is_some() { "exempted" } else { x.level.as_str() };
            let help = x.help.as_ref().map(|h| format!(" [help: {h}]")).unwrap_or_default();
            out.insert(format!("{env} {} {level} {}:{} {}{help}", x.rule, x.line, x.column, x.message));
        }
    }
    out
}

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut dirs: Vec<_> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    dirs
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "json"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_fixture_produces_exactly_its_expected_findings() {
    let mut failures = Vec::new();
    let mut count = 0;
    for dir in fixture_dirs() {
        let rule = dir.file_name().unwrap().to_str().unwrap().to_string();
        for file in files(&dir) {
            let (f, text) = parse_fixture(&file, &rule);
            for r in &f.rules {
                assert!(rules::find(r).is_some(), "{}: unknown rule {r}", file.display());
            }
            let got = actual(&f, &text);
            count += 1;
            if got != f.expected {
                let missing: Vec<_> = f.expected.difference(&got).collect();
                let extra: Vec<_> = got.difference(&f.expected).collect();
                failures.push(format!("{}\n  missing: {missing:#?}\n  unexpected: {extra:#?}", file.display()));
            }
        }
    }
    assert!(count > 0, "no fixtures found");
    assert!(failures.is_empty(), "{} fixture(s) differ:\n{}", failures.len(), failures.join("\n"));
}

/// Every rule has fixtures, with at least one case where it fires and one where it must not.
#[test]
fn every_rule_has_firing_and_quiet_fixtures() {
    let mut problems = Vec::new();
    for rule in rules::ALL {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rule.id);
        if !dir.is_dir() {
            problems.push(format!("{}: no fixtures folder", rule.id));
            continue;
        }
        let (mut fires, mut quiet) = (false, false);
        for file in files(&dir) {
            let (f, _) = parse_fixture(&file, rule.id);
            for env in &f.envs {
                let n = f.expected.iter().filter(|e| e.starts_with(&format!("{env} {} ", rule.id))).count();
                if n > 0 { fires = true } else { quiet = true }
            }
        }
        if !fires || !quiet {
            problems.push(format!("{}: fires={fires} quiet={quiet}", rule.id));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
