//! Rule fixtures: `tests/fixtures/<rule-id>/*.yaml`. Each fixture states, in comments, the
//! exact findings it must produce:
//!
//! ```yaml
//! # env: dev,staging,prod          (optional; the default is all three)
//! # rules: image-digest,replicas   (optional; the default is the folder's rule)
//! # config: {trusted_registries: [ghcr.io/org]}   (optional; kubegate.yaml as flow YAML)
//! # today: 2026-06-01              (optional; the date exemptions are judged on, default 2026-06-01)
//! # expect image-digest 12:18 {env} deployment 'backend' container 'app' must use ...
//! # expect prod image-digest deny 14:18 Production deployment 'api' container 'app' must use ...
//! ```
//!
//! For every listed environment the file is checked with `--env`, the findings of the
//! compared rules are taken, and they must equal the `expect` lines for that environment
//! exactly (rule, level, line, column and message). An `expect` line that starts with the
//! rule says its finding once for every listed environment where the rule runs, at the
//! level the config gives it there, `{env}` standing for the environment's word
//! (`Production`); one that starts with an environment is that environment's alone. An
//! exempted finding's level reads `exempted`. An environment with no finding is a
//! must-not-fire case. A finding whose help is its own (not the rule's general help) ends
//! in `[help: …]`.
//!
//! `KUBEGATE_BLESS=1 cargo test -p kubegate-engine --test fixtures` rewrites every
//! fixture's `expect` lines from what the rules find (the short form wherever it says the
//! same), for review in the diff.

use kubegate_engine::exemptions::parse_date;
use kubegate_engine::{CheckOptions, Config, Date, Format, Source, check, rules};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

struct Fixture {
    path: PathBuf,
    envs: Vec<String>,
    rules: Vec<String>,
    config: Option<String>,
    today: Date,
    /// The `expect` lines as written.
    written: Vec<String>,
}

fn parse_fixture(path: &Path, folder_rule: &str) -> (Fixture, String) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut f = Fixture {
        path: path.to_path_buf(),
        envs: vec!["dev".into(), "staging".into(), "prod".into()],
        rules: vec![folder_rule.to_string()],
        config: None,
        today: parse_date("2026-06-01").unwrap(),
        written: Vec::new(),
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
            f.written.push(v.trim().to_string());
        }
    }
    (f, text)
}

fn config(f: &Fixture) -> Config {
    match &f.config {
        Some(text) => Config::parse(text, Path::new("kubegate.yaml"), None).expect("fixture config"),
        None => Config::default(),
    }
}

/// The level a rule runs at in an environment (`off` when it does not), and the
/// environment's word for messages.
fn level_in(config: &Config, rule: &str, env: &str) -> (&'static str, String) {
    let i = config.env_index(env).unwrap_or_else(|| panic!("unknown environment {env}"));
    let rule = rules::find(rule).unwrap_or_else(|| panic!("unknown rule {rule}"));
    (config.level(rule, i).as_str(), config.environments[i].env.display.clone())
}

/// The findings the `expect` lines say, one line per environment.
fn expected(f: &Fixture) -> BTreeSet<String> {
    let config = config(f);
    let mut out = BTreeSet::new();
    for line in &f.written {
        let first = line.split(' ').next().unwrap_or("");
        if f.envs.iter().any(|e| e == first) {
            out.insert(line.clone());
            continue;
        }
        // `<rule> <line:col> <message with {env}>`: every listed environment the rule runs in.
        let (rule, rest) = line.split_once(' ').unwrap_or((line, ""));
        for env in &f.envs {
            let (level, word) = level_in(&config, rule, env);
            if level != "off" {
                out.insert(format!("{env} {rule} {level} {}", rest.replace("{env}", &word)));
            }
        }
    }
    out
}

/// `expect` lines that say `got`: the short form for a finding every running environment
/// has, at its level there, with the same message but for the environment's word.
fn bless_lines(f: &Fixture, got: &BTreeSet<String>) -> Vec<String> {
    let config = config(f);
    let mut lines: Vec<String> = Vec::new();
    let mut done: BTreeSet<String> = BTreeSet::new();
    for g in got {
        if done.contains(g) {
            continue;
        }
        let mut parts = g.splitn(4, ' ');
        let (env, rule, level, rest) =
            (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap_or(""));
        let (_, word) = level_in(&config, rule, env);
        let general = rest.replace(&word, "{env}");
        let each: Vec<String> = f
            .envs
            .iter()
            .filter_map(|e| {
                let (l, w) = level_in(&config, rule, e);
                (l != "off").then(|| format!("{e} {rule} {l} {}", general.replace("{env}", &w)))
            })
            .collect();
        if level != "exempted" && each.iter().all(|x| got.contains(x)) {
            done.extend(each);
            lines.push(format!("{rule} {general}"));
        } else {
            done.insert(g.clone());
            lines.push(g.clone());
        }
    }
    lines
}

/// Rewrites a fixture's `expect` lines (where the first one stood, else after the
/// leading comments).
fn bless(f: &Fixture, text: &str, got: &BTreeSet<String>) {
    let mut out = Vec::new();
    let mut placed = false;
    let new: Vec<String> = bless_lines(f, got).into_iter().map(|l| format!("# expect {l}")).collect();
    for line in text.lines() {
        if line.trim_start().starts_with("# expect ") {
            if !placed {
                out.extend(new.iter().cloned());
                placed = true;
            }
            continue;
        }
        if !placed && !line.trim_start().starts_with('#') {
            out.extend(new.iter().cloned());
            placed = true;
        }
        out.push(line.to_string());
    }
    if !placed {
        out.extend(new);
    }
    let mut written = out.join("\n");
    if text.ends_with('\n') {
        written.push('\n');
    }
    std::fs::write(&f.path, written).unwrap();
}

fn actual(f: &Fixture, text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    // Named from the fixtures folder (`dockerfile-user/forms.Dockerfile`): a Dockerfile's
    // messages name its path.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let path = f.path.strip_prefix(&root).unwrap_or(&f.path).display().to_string();
    let format = kubegate_engine::Format::of_path(&f.path);
    let source = Source { path, text: text.to_string(), walked: false, format };
    let config = config(f);
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
        .filter(|p| {
            p.extension().is_some_and(|e| e == "yaml" || e == "json") || Format::of_path(p) == Format::Dockerfile
        })
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
            let want = expected(&f);
            count += 1;
            if std::env::var_os("KUBEGATE_BLESS").is_some() {
                // Rewriting the comments moves the lines below them: again until it holds.
                let (mut f, mut text, mut got, mut want) = (f, text, got, want);
                for _ in 0..4 {
                    if got == want && bless_lines(&f, &got) == f.written {
                        break;
                    }
                    bless(&f, &text, &got);
                    (f, text) = parse_fixture(&file, &rule);
                    (got, want) = (actual(&f, &text), expected(&f));
                }
                continue;
            }
            if got != want {
                let missing: Vec<_> = want.difference(&got).collect();
                let extra: Vec<_> = got.difference(&want).collect();
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
            let want = expected(&f);
            for env in &f.envs {
                let n = want.iter().filter(|e| e.starts_with(&format!("{env} {} ", rule.id))).count();
                if n > 0 { fires = true } else { quiet = true }
            }
        }
        if !fires || !quiet {
            problems.push(format!("{}: fires={fires} quiet={quiet}", rule.id));
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}
