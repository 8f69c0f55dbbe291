//! The upstream Pod Security Standards conformance suite (`../shared/corpora/psa/`): every
//! `fail/` pod must be rejected and every `pass/` pod accepted, at its level and policy
//! version, by `--profile pss-<level> --pss-version <version>`, and a rejected pod must be
//! rejected (at least) for the check its file is named after.

use kubegate_engine::pss::{Check, Level, Version};
use kubegate_engine::{CheckOptions, Config, Profile, Source, check};
use std::path::PathBuf;

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/psa")
}

/// Whether the suite is beside the repository; when it is not, the test says it is
/// skipped, unless `KUBEGATE_REQUIRE_CORPORA=1` (as CI sets) makes it required.
fn corpus_present() -> bool {
    if corpus().is_dir() {
        return true;
    }
    assert!(
        std::env::var_os("KUBEGATE_REQUIRE_CORPORA").is_none(),
        "the corpus ../shared/corpora/psa is not beside the repository, and KUBEGATE_REQUIRE_CORPORA is set"
    );
    eprintln!(
        "skipped: the corpus ../shared/corpora/psa is not beside the repository (set KUBEGATE_REQUIRE_CORPORA=1 to require it)"
    );
    false
}

struct Row {
    path: String,
    level: Level,
    version: Version,
    reject: bool,
    check: Option<Check>,
}

fn rows() -> Vec<Row> {
    let index = std::fs::read_to_string(corpus().join("INDEX.csv")).expect("the PSS corpus at ../shared/corpora/psa");
    index
        .lines()
        .skip(1)
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            Row {
                path: cols[0].to_string(),
                level: if cols[1] == "restricted" { Level::Restricted } else { Level::Baseline },
                version: Version::parse(cols[2]).unwrap(),
                reject: match cols[4] {
                    "reject" => true,
                    "accept" => false,
                    other => panic!("{}: unexpected verdict {other}", cols[0]),
                },
                check: Check::ALL.into_iter().find(|c| c.upstream_id() == cols[5]),
            }
        })
        .collect()
}

#[test]
fn every_upstream_fixture_gets_the_upstream_verdict() {
    if !corpus_present() {
        return;
    }
    let rows = rows();
    assert!(rows.len() > 4500, "expected the whole suite, found {} rows", rows.len());
    let config = Config::default();
    let mut wrong = Vec::new();
    let (mut rejected, mut accepted) = (0, 0);
    for row in &rows {
        let text = std::fs::read_to_string(corpus().join(&row.path)).unwrap();
        let src = Source { path: row.path.clone(), text, walked: false, format: kubegate_engine::Format::Manifest };
        let opts = CheckOptions { profile: Profile::Pss(row.level, row.version), ..CheckOptions::default() };
        let out = check(std::slice::from_ref(&src), &config, &opts);
        assert!(out.errors.is_empty(), "{}: {:?}", row.path, out.errors);
        let got_reject = !out.findings.is_empty();
        if got_reject != row.reject {
            let why: Vec<String> = out.findings.iter().map(|f| format!("{}: {}", f.rule, f.message)).collect();
            wrong.push(format!(
                "{} expected {} got {} {why:?}",
                row.path,
                if row.reject { "reject" } else { "accept" },
                if got_reject { "reject" } else { "accept" }
            ));
        } else if row.reject {
            rejected += 1;
            let check = row.check.expect("a fail fixture names its check");
            if !out.findings.iter().any(|f| f.rule == rule_id(check)) {
                wrong.push(format!("{}: rejected, but not by {} ({})", row.path, check.upstream_id(), rule_id(check)));
            }
        } else {
            accepted += 1;
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} fixtures disagree with upstream:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
    assert_eq!(rejected + accepted, rows.len());
    eprintln!("PSS conformance: {rejected} rejected and {accepted} accepted, as upstream");
}

fn rule_id(check: kubegate_engine::pss::Check) -> &'static str {
    kubegate_engine::rules::for_pss(check).map_or("<none>", |r| r.id)
}

#[test]
fn every_pod_security_check_is_reported_by_exactly_one_rule() {
    for check in kubegate_engine::pss::Check::ALL {
        let rules: Vec<&str> =
            kubegate_engine::rules::ALL.iter().filter(|r| r.pss == Some(check)).map(|r| r.id).collect();
        assert_eq!(rules.len(), 1, "{}: {rules:?}", check.upstream_id());
    }
}
