//! The differential suite: kubegate's Rego stage against real OPA, which is what Conftest
//! runs. Both engines evaluate the same policies on the same documents (the very values
//! kubegate converts, sent to OPA as JSON), and the verdicts must be equal: per document,
//! the multisets of (rule, message) of the results and of the excepted results, and the
//! number of exceptions. An evaluation error on either side must be an error on the other
//! (kubegate stops the document, OPA the rule, Conftest the run).
//!
//! What is compared:
//! - every policy in `examples/policies/`, on the generated corpus
//!   (`tests/oracle/gen_corpus.py`, 2,000 documents), the Pod Security Standards suite,
//!   the examples and the Rego test fixtures' manifests;
//! - every Rego fixture in `crates/kubegate/tests/data/rego/` (but the four whose point is
//!   what OPA does not bound or sandbox), on the fixtures' manifests;
//! - the construct policies of `tests/oracle/constructs/`, one construct each, on
//!   `constructs/documents.json`;
//! - the unit tests (`test_` rules) of the examples and of the fixtures.
//!
//! OPA comes from the `opa-golib-python-bindings` wheel (`.ci/opa` installs it) through
//! `tests/oracle/opa_eval.py`. With `KUBEGATE_OPA_PYTHONPATH` unset the tests say they are
//! skipped and pass, unless `KUBEGATE_REQUIRE_OPA=1` (CI), which makes them fail.
//!
//! [`DIVERGENCES`] lists the differences known and not closed yet: for each, the results
//! must still differ (else the entry is stale and the test fails), and any other
//! difference fails the test.

use kubegate_rego::{Namespaces, Options, load};
use regorus::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// A known difference between OPA's verdict and kubegate's (issue 11).
struct Divergence {
    /// The case: a construct policy (`constructs/negation.rego`) or fixture.
    case: &'static str,
    /// The rule whose results differ; `None` when the whole case differs (kubegate stops
    /// with an error, or OPA refuses the policy), so the construct has a file of its own.
    rule: Option<&'static str>,
    /// The construct, what OPA does, what kubegate (regorus) does.
    what: &'static str,
}

const NEGATION: &str = "negation of a call whose argument is a missing reference (`not x.f != null`, \
    `not x.f in s`, `not type_name(x.f) == t`, `not f(x.f)`, `not count(x.f) > 0`, \
    `not startswith(x.f, p)`): OPA moves the reference out of the `not`, so the expression is \
    undefined when x.f is missing; regorus evaluates the `not` to true";

const DIVERGENCES: &[Divergence] = &[
    Divergence { case: "constructs/negation.rego", rule: Some("main.deny_not_neq"), what: NEGATION },
    Divergence { case: "constructs/negation.rego", rule: Some("main.deny_not_in"), what: NEGATION },
    Divergence { case: "constructs/negation.rego", rule: Some("main.deny_not_call"), what: NEGATION },
    Divergence { case: "constructs/negation.rego", rule: Some("main.deny_not_function"), what: NEGATION },
    Divergence { case: "constructs/negation.rego", rule: Some("main.deny_not_count"), what: NEGATION },
    Divergence { case: "constructs/negation.rego", rule: Some("main.deny_not_startswith"), what: NEGATION },
    Divergence {
        case: "constructs/builtins.rego",
        rule: Some("main.deny_number_text"),
        what: "numbers keep their text in OPA, and sprintf passes a number written with an exponent and no point as that text: %v of to_number(\"1e3\"), of the literal 2e2 and of 1e21 is `1e3 2e2 1e21` in OPA, `1000 200 1000000000000000000000` in kubegate (regorus keeps the value only)",
    },
    Divergence {
        case: "constructs/builtins.rego",
        rule: Some("main.deny_decimal"),
        what: "arithmetic on decimals: 0.1 + 0.2 is `0.3` in OPA (arbitrary precision), `0.30000000000000004` in regorus (float64)",
    },
    Divergence {
        case: "constructs/builtins.rego",
        rule: Some("main.deny_walk"),
        what: "`w := walk(x)`: OPA iterates every [path, value] of x (3 results here), regorus gives none",
    },
    Divergence {
        case: "constructs/builtin_number_out_of_range.rego",
        rule: None,
        what: "a number literal beyond float64 (`1e400 > 1`): OPA `true`, regorus refuses the policy (`serde_json cannot parse number: out of range`)",
    },
];

/// The fixtures OPA does not run here, and why: what they test is what OPA does not do.
const NOT_UNDER_OPA: &[(&str, &str)] = &[
    ("bad/http.rego", "calls http.send: OPA would reach the network (kubegate has no http.send)"),
    ("bad/env.rego", "reads opa.runtime().env: OPA shows the environment (kubegate shows none)"),
    ("bad/runaway.rego", "iterates ten billion times: OPA has no time limit (kubegate stops it)"),
    ("bad/huge-range.rego", "builds a 10^12-element range: OPA would exhaust memory (kubegate refuses it)"),
    ("conftest-builtins/policy.rego", "tested with Conftest's builtins, which are Conftest's, not OPA's"),
    ("conftest-builtins/policy_test.rego", "calls parse_combined_config_files, a Conftest builtin OPA lacks"),
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn oracle_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle")
}

fn fixtures() -> PathBuf {
    root().join("crates/kubegate/tests/data/rego")
}

/// The PYTHONPATH of the OPA oracle, or `None` when the test is skipped (it says why).
fn oracle() -> Option<String> {
    let required = std::env::var("KUBEGATE_REQUIRE_OPA").is_ok_and(|v| v == "1");
    let path = std::env::var("KUBEGATE_OPA_PYTHONPATH").ok().filter(|p| !p.is_empty());
    let Some(path) = path else {
        assert!(
            !required,
            "KUBEGATE_REQUIRE_OPA=1 but KUBEGATE_OPA_PYTHONPATH is not set: run `.ci/opa` and set it to the folder it prints"
        );
        eprintln!(
            "skipped: the differential tests need real OPA; run `.ci/opa` and set KUBEGATE_OPA_PYTHONPATH to the folder it prints"
        );
        return None;
    };
    // The oracle was asked for: it must run (a broken install fails, it is not skipped).
    let probe = Command::new("python3")
        .env("PYTHONPATH", &path)
        .args(["-c", "from opa_bindings import OpaEngine; OpaEngine().close()"])
        .output();
    match probe {
        Ok(out) if out.status.success() => Some(path),
        Ok(out) => panic!("OPA cannot run from {path}: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => panic!("OPA cannot run from {path}: python3: {e}"),
    }
}

/// One document's verdict, as the suite compares it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Outcome {
    Verdict { results: Vec<(String, String)>, excepted: Vec<(String, String)>, exceptions: usize },
    Error(String),
}

impl Outcome {
    /// Equal verdicts, or both errors (their texts differ between engines).
    fn same(&self, other: &Outcome) -> bool {
        matches!((self, other), (Outcome::Error(_), Outcome::Error(_))) || self == other
    }

    /// The verdict without the results of `rule`, and those results.
    fn split(&self, rule: &str) -> (Outcome, Vec<(String, String)>) {
        match self {
            Outcome::Verdict { results, excepted, exceptions } => {
                let (theirs, rest): (Vec<_>, Vec<_>) = results.iter().cloned().partition(|(r, _)| r == rule);
                let (theirs_x, rest_x): (Vec<_>, Vec<_>) = excepted.iter().cloned().partition(|(r, _)| r == rule);
                let mut removed = theirs;
                removed.extend(theirs_x);
                (Outcome::Verdict { results: rest, excepted: rest_x, exceptions: *exceptions }, removed)
            }
            Outcome::Error(_) => (self.clone(), Vec::new()),
        }
    }
}

/// Policies (and data) as both engines load them.
struct Case {
    /// How the divergence list and messages name it.
    name: String,
    policies: Vec<PathBuf>,
    data: Vec<PathBuf>,
    namespaces: Namespaces,
    rego_v0: bool,
}

impl Case {
    fn new(name: impl Into<String>, policies: Vec<PathBuf>) -> Case {
        Case { name: name.into(), policies, data: Vec::new(), namespaces: Namespaces::Main, rego_v0: false }
    }
}

/// Every file under `dir` (or `dir` itself) whose name ends with one of `exts`, sorted.
fn files(dir: &Path, exts: &[&str]) -> Vec<PathBuf> {
    if dir.is_file() {
        return vec![dir.to_path_buf()];
    }
    let mut out = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            out.extend(files(&p, exts));
        } else if exts.iter().any(|e| p.to_string_lossy().ends_with(e)) {
            out.push(p);
        }
    }
    out
}

/// The documents of YAML files, converted as kubegate converts them (null documents and
/// kubegate.yaml files left out).
fn yaml_documents(paths: &[PathBuf]) -> Vec<Value> {
    let mut docs = Vec::new();
    for p in paths {
        if p.file_name().is_some_and(|n| n == "kubegate.yaml") {
            continue;
        }
        let text = std::fs::read_to_string(p).unwrap();
        let err = kubegate_yaml::load_each(&text, |doc, _| {
            if !doc.root.is_null() {
                docs.push(kubegate_rego::convert(&doc.root));
            }
        });
        assert!(err.is_none(), "{}: {:?}", p.display(), err.map(|e| e.message));
    }
    docs
}

fn json_array(text: &str) -> Vec<Value> {
    match Value::from_json_str(text).unwrap() {
        Value::Array(a) => a.to_vec(),
        other => panic!("not a JSON array: {other:?}"),
    }
}

/// The generated corpus: 2,000 documents, always the same.
fn corpus() -> Vec<Value> {
    let out = Command::new("python3").arg(oracle_dir().join("gen_corpus.py")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let docs = json_array(&String::from_utf8(out.stdout).unwrap());
    assert_eq!(docs.len(), 2000);
    docs
}

/// kubegate's verdict on each document, or the load error.
fn kubegate(case: &Case, docs: &[Value]) -> Result<Vec<Outcome>, String> {
    let opts = Options {
        policies: case.policies.clone(),
        data: case.data.clone(),
        namespaces: case.namespaces.clone(),
        rego_v0: case.rego_v0,
        ..Options::default()
    };
    let policies = load(&opts).map_err(|errors| {
        errors.iter().map(|e| format!("{}:{}: {}", e.file(), e.line(), e.message)).collect::<Vec<_>>().join("; ")
    })?;
    Ok(docs
        .iter()
        .map(|d| match policies.evaluate_value(d.clone()) {
            Ok(v) => {
                let (mut results, mut excepted) = (Vec::new(), Vec::new());
                for r in v.results {
                    if r.exception.is_some() {
                        excepted.push((r.rule, r.message));
                    } else {
                        results.push((r.rule, r.message));
                    }
                }
                results.sort();
                excepted.sort();
                Outcome::Verdict { results, excepted, exceptions: v.exceptions }
            }
            Err(e) => Outcome::Error(format!("{}:{}: {}", e.file(), e.line(), e.message)),
        })
        .collect())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => panic!("not a string: {other:?}"),
    }
}

fn items(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.to_vec(),
        _ => Vec::new(),
    }
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = items(v)
        .iter()
        .map(|p| {
            let p = items(p);
            (text(&p[0]), text(&p[1]))
        })
        .collect();
    out.sort();
    out
}

/// Runs opa_eval.py with the case's policies, data and namespaces, and `extra` arguments,
/// `stdin` on its input. Returns its output, or OPA's load error.
fn opa_eval(oracle: &str, case: &Case, extra: &[&str], stdin: Option<String>) -> Result<Value, String> {
    let mut cmd = Command::new("python3");
    cmd.arg(oracle_dir().join("opa_eval.py")).env("PYTHONPATH", oracle);
    for p in &case.policies {
        cmd.arg("--policy").arg(p);
    }
    // YAML data goes to OPA as the JSON kubegate reads it (YAML 1.1 booleans resolved as
    // kubegate resolves them; and no YAML library needed beside OPA).
    let mut temporary = Vec::new();
    for (i, d) in case.data.iter().enumerate() {
        if d.extension().is_some_and(|e| e == "json") {
            cmd.arg("--data").arg(d);
            continue;
        }
        for (j, doc) in yaml_documents(std::slice::from_ref(d)).iter().enumerate() {
            let path = std::env::temp_dir().join(format!(
                "kubegate-oracle-{}-{}-data{i}-{j}.json",
                std::process::id(),
                case.name.replace(['/', '.'], "_")
            ));
            std::fs::write(&path, doc.to_json_str().unwrap()).unwrap();
            cmd.arg("--data").arg(&path);
            temporary.push(path);
        }
    }
    match &case.namespaces {
        Namespaces::Main => {}
        Namespaces::Named(names) => {
            for n in names {
                cmd.arg("--namespace").arg(n);
            }
        }
        Namespaces::All => {
            cmd.arg("--all-namespaces");
        }
    }
    cmd.args(extra);
    // Large inputs go through a file: no pipe to keep fed while reading the output.
    let input = stdin.map(|s| {
        let path = std::env::temp_dir().join(format!(
            "kubegate-oracle-{}-{}.json",
            std::process::id(),
            case.name.replace(['/', '.'], "_")
        ));
        std::fs::write(&path, s).unwrap();
        path
    });
    match &input {
        Some(p) => cmd.stdin(std::fs::File::open(p).unwrap()),
        None => cmd.stdin(Stdio::null()),
    };
    let out = cmd.output().unwrap();
    for p in input.into_iter().chain(temporary) {
        let _ = std::fs::remove_file(p);
    }
    let stdout = String::from_utf8(out.stdout).unwrap();
    let value = Value::from_json_str(&stdout).unwrap_or_else(|e| {
        panic!("{}: opa_eval.py: {e}\n{stdout}\n{}", case.name, String::from_utf8_lossy(&out.stderr))
    });
    if let Value::Object(o) = &value
        && let Some(e) = o.get(&Value::from("load_error"))
    {
        return Err(text(e));
    }
    assert!(out.status.success(), "{}: opa_eval.py failed: {}", case.name, String::from_utf8_lossy(&out.stderr));
    Ok(value)
}

/// OPA's verdict on each document, or its load error.
fn opa(oracle: &str, case: &Case, docs: &[Value]) -> Result<Vec<Outcome>, String> {
    let json: Vec<String> = docs.iter().map(|d| d.to_json_str().unwrap()).collect();
    let value = opa_eval(oracle, case, &[], Some(format!("[{}]", json.join(","))))?;
    Ok(items(&value).iter().map(outcome).collect())
}

/// An opa_eval.py entry (also the form of hand-written expectations) as an outcome.
fn outcome(d: &Value) -> Outcome {
    let errors = items(&d["errors"]);
    if !errors.is_empty() {
        return Outcome::Error(errors.iter().map(text).collect::<Vec<_>>().join("; "));
    }
    Outcome::Verdict {
        results: pairs(&d["results"]),
        excepted: pairs(&d["excepted"]),
        exceptions: d["exceptions"].as_u64().unwrap() as usize,
    }
}

/// Compares kubegate's verdicts with OPA's on `docs` (named `set` in messages), allowing
/// exactly the known divergences of the case. Adds what is wrong to `problems`.
fn compare(
    case: &Case,
    set: &str,
    docs: &[Value],
    ours: Result<Vec<Outcome>, String>,
    theirs: Result<Vec<Outcome>, String>,
    problems: &mut Vec<String>,
) {
    let known: Vec<&Divergence> = DIVERGENCES.iter().filter(|d| d.case == case.name).collect();
    let whole = known.iter().find(|d| d.rule.is_none());
    // OPA refuses a policy rule by rule: every document's verdict is an error.
    let refused = |r: &Result<Vec<Outcome>, String>| match r {
        Err(_) => true,
        Ok(v) => !v.is_empty() && v.iter().all(|o| matches!(o, Outcome::Error(_))),
    };
    if refused(&ours) && refused(&theirs) {
        if let Some(d) = whole {
            problems.push(format!(
                "{} ({set}): both engines refuse the policy now; stale divergence: {}",
                case.name, d.what
            ));
        }
        return;
    }
    let (ours, theirs) = match (ours, theirs) {
        (Err(_), Err(_)) => unreachable!("both refused: handled above"),
        // Expected: the construct makes one engine refuse the policy.
        (Err(_), Ok(_)) | (Ok(_), Err(_)) if whole.is_some() => return,
        (Err(e), Ok(_)) => {
            problems.push(format!("{} ({set}): kubegate refuses the policy, OPA loads it: {e}", case.name));
            return;
        }
        (Ok(_), Err(e)) => {
            problems.push(format!("{} ({set}): OPA refuses the policy, kubegate loads it: {e}", case.name));
            return;
        }
        (Ok(a), Ok(b)) => (a, b),
    };
    assert_eq!(ours.len(), theirs.len());
    if let Some(d) = whole {
        if ours.iter().zip(&theirs).all(|(a, b)| a.same(b)) {
            problems.push(format!("{} ({set}): the engines agree now; stale divergence: {}", case.name, d.what));
        }
        return;
    }
    let mut seen = vec![false; known.len()];
    let mut shown = 0;
    for (i, (a, b)) in ours.iter().zip(&theirs).enumerate() {
        let (mut a, mut b) = (a.clone(), b.clone());
        for (k, d) in known.iter().enumerate() {
            let rule = d.rule.unwrap_or_default();
            let (a2, ra) = a.split(rule);
            let (b2, rb) = b.split(rule);
            seen[k] |= ra != rb;
            (a, b) = (a2, b2);
        }
        if !a.same(&b) {
            shown += 1;
            if shown <= 3 {
                let doc = docs[i].to_json_str().unwrap_or_default();
                let doc: String = doc.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(600).collect();
                problems.push(format!(
                    "{} ({set}) document {i}: verdicts differ\n  kubegate: {a:?}\n  OPA:      {b:?}\n  document: {doc}",
                    case.name
                ));
            }
        }
    }
    if shown > 3 {
        problems.push(format!("{} ({set}): {} more documents differ", case.name, shown - 3));
    }
    for (k, d) in known.iter().enumerate() {
        if !seen[k] {
            problems.push(format!(
                "{} ({set}): {} gives the same results in both engines now; stale divergence: {}",
                case.name,
                d.rule.unwrap_or_default(),
                d.what
            ));
        }
    }
}

fn report(problems: Vec<String>) {
    assert!(problems.is_empty(), "{} differences from OPA:\n\n{}", problems.len(), problems.join("\n\n"));
}

fn constructs() -> PathBuf {
    oracle_dir().join("constructs")
}

#[test]
fn construct_policies_give_opas_verdicts() {
    let Some(oracle) = oracle() else { return };
    let docs = json_array(&std::fs::read_to_string(constructs().join("documents.json")).unwrap());
    let mut problems = Vec::new();
    let mut cases = 0;
    for policy in files(&constructs(), &[".rego"]) {
        let rel = policy.strip_prefix(oracle_dir()).unwrap().to_string_lossy().replace('\\', "/");
        let v0 = rel.starts_with("constructs/v0/");
        let case = Case { rego_v0: v0, ..Case::new(rel, vec![policy.clone()]) };
        let theirs = if v0 {
            // OPA's results by its documented v0 semantics, written by hand: the wheel
            // loads only Rego v1.
            let expected = std::fs::read_to_string(policy.with_file_name("expected.json")).unwrap();
            Ok(json_array(&expected).iter().map(outcome).collect())
        } else {
            opa(&oracle, &case, &docs)
        };
        compare(&case, "construct documents", &docs, kubegate(&case, &docs), theirs, &mut problems);
        cases += 1;
    }
    assert!(cases >= 25, "{cases} construct policies");
    // Every divergence names a case that exists.
    for d in DIVERGENCES {
        assert!(oracle_dir().join(d.case).is_file() || fixtures().join(d.case).exists(), "{}", d.case);
    }
    report(problems);
}

/// The Conftest rules of the example policies and how many results each gives under OPA.
fn opa_counts(outcomes: &[Outcome]) -> BTreeMap<String, usize> {
    let mut counts = BTreeMap::new();
    for o in outcomes {
        if let Outcome::Verdict { results, .. } = o {
            for (rule, _) in results {
                *counts.entry(rule.clone()).or_insert(0) += 1;
            }
        }
    }
    counts
}

#[test]
fn example_policies_give_opas_verdicts_on_every_corpus() {
    let Some(oracle) = oracle() else { return };
    let root = root();
    let case = Case::new("examples/policies", files(&root.join("examples/policies"), &[".rego"]));
    let psa = root.join("../shared/corpora/psa");
    assert!(psa.is_dir(), "the Pod Security Standards suite is missing: {}", psa.display());
    let mut examples = files(&root.join("examples"), &[".yaml", ".yml"]);
    examples.extend(files(&fixtures().join("seed"), &[".yaml"]));
    examples.extend(files(&fixtures().join("odd"), &[".yaml"]));
    let sets = [
        ("generated corpus", corpus()),
        ("Pod Security Standards suite", yaml_documents(&files(&psa, &[".yaml"]))),
        ("examples", yaml_documents(&examples)),
    ];
    let mut problems = Vec::new();
    for (set, docs) in &sets {
        let theirs = opa(&oracle, &case, docs);
        if *set == "generated corpus" {
            // Not vacuous: under OPA every rule of the example policies fires on the corpus
            // (before they read missing fields with object.get, 10 of them fired only on
            // fields written as null or of the wrong type).
            let counts = opa_counts(theirs.as_ref().unwrap());
            eprintln!("results per rule under OPA on the generated corpus: {counts:#?}");
            let rules: Vec<String> = load(&Options { policies: case.policies.clone(), ..Options::default() })
                .unwrap()
                .namespaces()
                .iter()
                .flat_map(|n| n.rules.iter().map(move |r| format!("{}.{}", n.name, r.name)))
                .collect();
            assert_eq!(rules.len(), 18, "{rules:?}");
            for rule in &rules {
                assert!(counts.get(rule).copied().unwrap_or(0) > 0, "{rule} never fires under OPA: {counts:?}");
            }
        }
        compare(&case, set, docs, kubegate(&case, docs), theirs, &mut problems);
    }
    report(problems);
}

#[test]
fn rego_fixtures_give_opas_verdicts() {
    let Some(oracle) = oracle() else { return };
    let dir = fixtures();
    let manifests = [
        dir.join("app.yaml"),
        dir.join("exempt.yaml"),
        dir.join("seed/prod/workloads.yaml"),
        dir.join("odd/prod/pod.yaml"),
    ];
    let docs = yaml_documents(&manifests);
    let rego = |p: &str| files(&dir.join(p), &[".rego"]);
    let mut cases = vec![
        Case::new("basic", rego("basic")),
        Case::new("complete", rego("complete")),
        Case::new("exception", rego("exception")),
        Case::new("verify-fail", rego("verify-fail")),
        Case::new("bad/runtime.rego", rego("bad/runtime.rego")),
        Case::new("bad/syntax.rego", rego("bad/syntax.rego")),
        Case { data: files(&dir.join("data/data"), &[".yaml", ".json"]), ..Case::new("data", rego("data")) },
        Case { namespaces: Namespaces::All, ..Case::new("ns", rego("ns")) },
        Case {
            namespaces: Namespaces::Named(vec!["other".into(), "kubernetes.third".into()]),
            ..Case::new("ns", rego("ns"))
        },
    ];
    let mut problems = Vec::new();
    for case in &cases {
        compare(case, "fixture manifests", &docs, kubegate(case, &docs), opa(&oracle, case, &docs), &mut problems);
    }
    // --combine: Conftest's input, one {path, contents} entry per document.
    let combine = Case::new("combine", rego("combine"));
    let mut combined = Vec::new();
    for p in [dir.join("app.yaml"), root().join("examples/broken/prod/deployment.yaml")] {
        for doc in yaml_documents(std::slice::from_ref(&p)) {
            let mut entry = BTreeMap::new();
            entry.insert(Value::from("path"), Value::from(p.file_name().unwrap().to_string_lossy().to_string()));
            entry.insert(Value::from("contents"), doc);
            combined.push(Value::from(entry));
        }
    }
    let combined = [Value::from(combined)];
    let ours = kubegate(&combine, &combined);
    assert!(
        matches!(&ours, Ok(o) if matches!(&o[0], Outcome::Verdict { results, .. } if !results.is_empty())),
        "{ours:?}"
    );
    compare(&combine, "combined input", &combined, ours, opa(&oracle, &combine, &combined), &mut problems);
    let shape = Case::new("combine-shape", rego("combine-shape"));
    let ours = kubegate(&shape, &combined);
    compare(&shape, "combined input", &combined, ours, opa(&oracle, &shape, &combined), &mut problems);
    cases.push(shape);
    // v0: OPA's results by hand (the wheel loads only v1): the Service is denied.
    let v0 = Case { rego_v0: true, ..Case::new("v0", rego("v0")) };
    let app = yaml_documents(&[dir.join("app.yaml")]);
    let expected = Outcome::Verdict {
        results: vec![("main.deny".into(), "v0 says no".into())],
        excepted: Vec::new(),
        exceptions: 0,
    };
    let none = Outcome::Verdict { results: Vec::new(), excepted: Vec::new(), exceptions: 0 };
    compare(&v0, "app.yaml", &app, kubegate(&v0, &app), Ok(vec![none, expected]), &mut problems);
    cases.push(combine);
    cases.push(v0);
    // Every fixture policy is compared, or named with the reason OPA does not run it.
    for policy in files(&dir, &[".rego"]) {
        let rel = policy.strip_prefix(&dir).unwrap().to_string_lossy().replace('\\', "/");
        let compared = cases.iter().any(|c| c.policies.contains(&policy));
        let excluded = NOT_UNDER_OPA.iter().any(|(p, _)| *p == rel);
        assert!(compared != excluded, "{rel}: compared with OPA {compared}, listed as not run under OPA {excluded}");
    }
    report(problems);
}

/// `test_` rules: passed or failed, per engine.
fn unit_tests(oracle: &str, case: &Case) -> (BTreeMap<String, bool>, BTreeMap<String, bool>) {
    let opts = Options { policies: case.policies.clone(), ..Options::default() };
    let ours =
        kubegate_rego::verify::verify(&opts).unwrap().into_iter().map(|t| (t.name, t.failure.is_none())).collect();
    let theirs = match opa_eval(oracle, case, &["--tests"], None).unwrap() {
        Value::Object(o) => o.iter().map(|(k, v)| (text(k), text(v) == "pass")).collect(),
        other => panic!("{other:?}"),
    };
    (ours, theirs)
}

#[test]
fn unit_tests_pass_and_fail_alike_under_both_engines() {
    let Some(oracle) = oracle() else { return };
    let examples = Case::new("examples/policies", files(&root().join("examples/policies"), &[".rego"]));
    let (ours, theirs) = unit_tests(&oracle, &examples);
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), 9);
    assert!(ours.values().all(|passed| *passed), "{ours:?}");
    let failing = Case::new("verify-fail", files(&fixtures().join("verify-fail"), &[".rego"]));
    let (ours, theirs) = unit_tests(&oracle, &failing);
    assert_eq!(ours, theirs);
    assert_eq!(ours.values().filter(|passed| !**passed).count(), 2, "{ours:?}");
}
