//! Golden files: each manifest in `tests/golden/` (comments, flow mappings, quoted keys
//! and values, CRLF line ends, anchors, a stream with markers and a document end, a file
//! indented by four) is fixed as production with `--unsafe-fixes`; the result must equal
//! `<name>.fixed.yaml` byte for byte and the list of repairs `<name>.report`. Each result
//! is checked again: it parses, no repaired finding is reported, and fixing it again
//! changes nothing. Every repair a rule declares is made in at least one golden file.
//!
//! `KUBEGATE_BLESS=1 cargo test -p kubegate-fix --test golden` rewrites the expected
//! files from what the fix stage does (review the diff).

use kubegate_engine::{CheckOptions, Config, Outcome, Source, check};
use kubegate_fix::plan::{FileFix, Options, fix_file};
use std::path::{Path, PathBuf};

fn run(name: &str, text: &str) -> Outcome {
    let source = Source {
        path: format!("deploy/{name}"),
        text: text.to_string(),
        walked: false,
        format: kubegate_engine::Format::Manifest,
    };
    let opts = CheckOptions { env: Some("prod".into()), ..CheckOptions::default() };
    check(std::slice::from_ref(&source), &Config::default(), &opts)
}

fn fix(name: &str, text: &str) -> (Outcome, FileFix) {
    let outcome = run(name, text);
    assert!(outcome.errors.is_empty(), "{name}: {:?}", outcome.errors);
    let findings: Vec<_> = outcome.findings.iter().collect();
    let opts = Options { unsafe_fixes: true, ..Options::default() };
    let fixed = fix_file(text, &findings, &outcome.resources, &opts);
    (outcome, fixed)
}

fn report(fixed: &FileFix) -> String {
    let mut out = String::new();
    for r in &fixed.repaired {
        out.push_str(&format!("fixed      {}:{} {} = {}\n", r.rule, r.line, r.path, r.what));
    }
    for n in &fixed.not_repaired {
        out.push_str(&format!("not fixed  {}:{} {}: {}\n", n.rule, n.line, n.path, n.why));
    }
    out
}

fn golden() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.ends_with(".yaml") && !n.ends_with(".fixed.yaml")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn each_golden_manifest_is_fixed_exactly_as_recorded_and_a_second_run_changes_nothing() {
    let bless = std::env::var_os("KUBEGATE_BLESS").is_some();
    let mut made: Vec<String> = Vec::new();
    let mut stale = Vec::new();
    for path in golden() {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let (_, fixed) = fix(&name, &text);
        let expected_path = path.with_extension("fixed.yaml");
        let report_path = path.with_extension("report");
        let rep = report(&fixed);
        if bless {
            std::fs::write(&expected_path, &fixed.after).unwrap();
            std::fs::write(&report_path, &rep).unwrap();
        } else {
            if std::fs::read_to_string(&expected_path).ok().as_deref() != Some(fixed.after.as_str()) {
                stale.push(format!("{name}:\n{}", fixed.after));
            }
            if std::fs::read_to_string(&report_path).ok().as_deref() != Some(rep.as_str()) {
                stale.push(format!("{name} report:\n{rep}"));
            }
        }
        // Nothing refused: what is not repaired is a value someone set.
        assert!(fixed.not_repaired.iter().all(|n| n.why.starts_with("left as set")), "{name}: {rep}");
        assert_ne!(fixed.after, text, "{name}: nothing was repaired");
        // Line ends as written: a CRLF file gains no bare line feed.
        if text.contains("\r\n") {
            assert_eq!(fixed.after.matches('\n').count(), fixed.after.matches("\r\n").count(), "{name}");
        }
        // Checked again: it parses, and nothing repaired is reported.
        let after = run(&name, &fixed.after);
        assert!(after.errors.is_empty(), "{name}: {:?}", after.errors);
        for r in &fixed.repaired {
            let still = after.findings.iter().any(|f| *f.rule == *r.rule && f.path.to_string() == r.path);
            assert!(!still, "{name}: {} {} still reported", r.rule, r.path);
            made.push(r.rule.clone());
        }
        // A second run changes nothing.
        let (_, again) = fix(&name, &fixed.after);
        assert_eq!(again.after, fixed.after, "{name}: a second run changed it");
        assert!(again.repaired.is_empty(), "{name}: {}", report(&again));
    }
    assert!(stale.is_empty(), "golden files differ (KUBEGATE_BLESS=1 rewrites them):\n{}", stale.join("\n"));
    // Every rule that declares a repair written by `fix` has one in the golden files.
    for rule in kubegate_engine::rules::ALL {
        if matches!(rule.repair, kubegate_engine::rules::Repair::Manual | kubegate_engine::rules::Repair::Pin) {
            continue;
        }
        assert!(made.iter().any(|m| m == rule.id), "no golden file shows the repair of {}", rule.id);
    }
}
