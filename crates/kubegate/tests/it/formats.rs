//! The CI formats, each read back by a real consumer: SARIF by the SARIF Multitool when it
//! is installed (CI installs it; `KUBEGATE_REQUIRE_SARIF_MULTITOOL=1` makes it required)
//! and by structural checks always; JUnit by an XML parser; GitHub workflow commands by
//! the runner's own grammar; TAP by Perl's `prove`. Every format must say what the JSON
//! says: the same findings, at the same places.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

fn kubegate(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubegate")).args(args).current_dir(root()).output().unwrap();
    (out.status.code().unwrap(), String::from_utf8(out.stdout).unwrap())
}

/// The exemption example: denials, warnings, exempted findings and a central exemption.
const EXEMPTIONS: [&str; 6] =
    ["test", "examples/exemptions", "--config", "examples/exemptions/kubegate.yaml", "--today", "2026-12-01"];
const BROKEN: [&str; 2] = ["test", "examples/broken"];

fn with(base: &[&str], output: &str) -> Vec<String> {
    base.iter().map(|s| s.to_string()).chain(["-o".to_string(), output.to_string()]).collect()
}

fn run(base: &[&str], output: &str) -> (i32, String) {
    let args = with(base, output);
    kubegate(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

fn findings(base: &[&str]) -> Vec<Value> {
    let (_, out) = run(base, "json");
    serde_json::from_str::<Value>(&out).unwrap()["findings"].as_array().unwrap().clone()
}

fn multitool() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("KUBEGATE_SARIF_MULTITOOL").map(PathBuf::from),
        Some(root().join("target/sarif-multitool/node_modules/.bin/sarif-multitool")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

#[test]
fn sarif_results_match_the_findings_and_validate() {
    for base in [&EXEMPTIONS[..], &BROKEN[..], &["test", "crates/kubegate/tests/data/bad"][..]] {
        let (_, text) = run(base, "sarif");
        let sarif: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(sarif["version"], "2.1.0");
        let run0 = &sarif["runs"][0];
        assert_eq!(run0["tool"]["driver"]["name"], "kubegate");
        assert_eq!(run0["columnKind"], "unicodeCodePoints");
        let rules: Vec<&str> =
            run0["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        let results = run0["results"].as_array().unwrap();
        let expected = findings(base);
        assert_eq!(results.len(), expected.len(), "{base:?}");
        for (r, f) in results.iter().zip(&expected) {
            assert_eq!(r["ruleId"], f["rule"]);
            assert_eq!(rules[r["ruleIndex"].as_u64().unwrap() as usize], f["rule"].as_str().unwrap());
            let level = if f["level"] == "deny" { "error" } else { "warning" };
            assert_eq!(r["level"], level);
            assert_eq!(r["message"]["text"], f["message"]);
            let loc = &r["locations"][0]["physicalLocation"];
            assert_eq!(loc["artifactLocation"]["uri"], f["file"]);
            assert_eq!(loc["region"]["startLine"], f["line"]);
            assert_eq!(loc["region"]["startColumn"], f["column"]);
            assert_eq!(r["suppressions"].is_array(), !f["exemption"].is_null(), "exempted findings are suppressions");
            // What to do travels with every finding, in both formats.
            assert!(f["fix"].as_str().is_some_and(|t| !t.is_empty()), "{f}");
            assert_eq!(r["properties"]["fix"], f["fix"]);
        }
        // Fingerprints are stable across runs and distinct per finding.
        let (_, again) = run(base, "sarif");
        let prints = |t: &str| -> Vec<String> {
            let v: Value = serde_json::from_str(t).unwrap();
            v["runs"][0]["results"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["partialFingerprints"]["kubegateFinding/v1"].as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(prints(&text), prints(&again));
        // Each rule's help links to its page.
        for r in run0["tool"]["driver"]["rules"].as_array().unwrap() {
            let uri = r["helpUri"].as_str().unwrap();
            assert!(
                uri.starts_with("https://") && uri.ends_with(&format!("docs/rules/{}.md", r["id"].as_str().unwrap())),
                "{uri}"
            );
        }
        validate_with_multitool(&text, base);
    }
    // The exemption example has suppressions, external for the central exemption.
    let (_, text) = run(&EXEMPTIONS, "sarif");
    let v: Value = serde_json::from_str(&text).unwrap();
    let kinds: Vec<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["inSource", "external"]);
    // Unreadable input is a tool execution notification, and the run did not succeed.
    let (_, text) = run(&["test", "crates/kubegate/tests/data/bad"], "sarif");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["runs"][0]["invocations"][0]["executionSuccessful"], false);
    // Five unreadable files; the values file found by walking is skipped, not an error.
    assert_eq!(v["runs"][0]["invocations"][0]["toolExecutionNotifications"].as_array().unwrap().len(), 5);
}

pub fn validate_with_multitool(sarif: &str, base: &[&str]) {
    let Some(tool) = multitool() else {
        assert!(
            std::env::var_os("KUBEGATE_REQUIRE_SARIF_MULTITOOL").is_none(),
            "KUBEGATE_REQUIRE_SARIF_MULTITOOL is set but the SARIF Multitool is not installed (see .ci/run)"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("kubegate-sarif-{}-{}", std::process::id(), base.len()));
    std::fs::create_dir_all(&dir).unwrap();
    let (input, output) = (dir.join("in.sarif"), dir.join("out.sarif"));
    std::fs::write(&input, sarif).unwrap();
    let _ = std::fs::remove_file(&output);
    let status = Command::new(&tool).arg("validate").arg(&input).arg("-o").arg(&output).output().unwrap();
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&output).unwrap()).unwrap();
    let problems: Vec<String> = report["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| format!("{} {}", r["ruleId"], r["message"]))
        .collect();
    std::fs::remove_dir_all(&dir).ok();
    assert!(status.status.success() && problems.is_empty(), "SARIF Multitool on {base:?}: {problems:#?}");
}

#[test]
fn junit_parses_and_counts_like_the_findings() {
    use quick_xml::Reader;
    use quick_xml::events::Event;
    for base in [
        &EXEMPTIONS[..],
        &BROKEN[..],
        &["test", "examples/k8s/prod"][..],
        &["test", "crates/kubegate/tests/data/bad"][..],
    ] {
        let (_, xml) = run(base, "junit");
        let mut reader = Reader::from_str(&xml);
        let (mut suites, mut cases, mut failures, mut skipped, mut errors) = (0, 0, 0, 0, 0);
        let mut top: Option<(usize, usize, usize, usize)> = None;
        loop {
            match reader.read_event().unwrap() {
                Event::Eof => break,
                Event::Start(e) | Event::Empty(e) => {
                    let attr = |name: &str| -> usize {
                        e.attributes()
                            .flatten()
                            .find(|a| a.key.as_ref() == name)
                            .map(|a| a.value.parse().unwrap())
                            .unwrap()
                    };
                    match e.name().as_ref() {
                        "testsuites" => top = Some((attr("tests"), attr("failures"), attr("errors"), attr("skipped"))),
                        "testsuite" => suites += 1,
                        "testcase" => cases += 1,
                        "failure" => failures += 1,
                        "skipped" => skipped += 1,
                        "error" => errors += 1,
                        _ => {}
                    }
                }
                _ => {}
            }
        }
        assert_eq!(top, Some((cases, failures, errors, skipped)), "{base:?}: totals agree with the elements");
        let f = findings(base);
        let denied = f
            .iter()
            .filter(|f| f["level"] == "deny" && f["exemption"].is_null())
            .map(|f| (f["resource"].to_string(), f["rule"].to_string()))
            .collect::<std::collections::BTreeSet<_>>();
        assert_eq!(failures, denied.len(), "{base:?}: one failure per resource and rule denied");
        assert!(suites >= 1);
    }
}

/// A partial run (one file of the exemption example) leaves the central exemption unused:
/// a notice, which SARIF carries as a note notification at its place (valid for the
/// Multitool, and the run still a success) and JUnit as its file's suite's `system-out`.
#[test]
fn notices_are_a_sarif_note_and_a_junit_system_out() {
    let partial = ["test", "examples/exemptions/prod/backend.yaml", "--today", "2026-12-01"];
    let (_, json) = run(&partial, "json");
    let notices = serde_json::from_str::<Value>(&json).unwrap()["notices"].clone();
    assert_eq!(notices.as_array().map(Vec::len), Some(1), "{notices}");
    let message = notices[0]["message"].as_str().unwrap();
    assert!(message.starts_with("exemptions.central[0] (kind `Deployment`, namespace `monitoring-prod`, name `metrics-agent`) matches no resource checked in this run"), "{message}");

    let (code, sarif) = run(&partial, "sarif");
    let v: Value = serde_json::from_str(&sarif).unwrap();
    let invocation = &v["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], true);
    let n = &invocation["toolExecutionNotifications"];
    assert_eq!(n.as_array().map(Vec::len), Some(1), "{n}");
    assert_eq!((n[0]["level"].as_str(), n[0]["message"]["text"].as_str()), (Some("note"), Some(message)));
    let place = &n[0]["locations"][0]["physicalLocation"];
    assert_eq!(place["artifactLocation"]["uri"], "examples/exemptions/kubegate.yaml");
    assert_eq!((place["region"]["startLine"].as_u64(), place["region"]["startColumn"].as_u64()), (Some(18), Some(7)));
    validate_with_multitool(&sarif, &partial);

    let (junit_code, xml) = run(&partial, "junit");
    assert_eq!(junit_code, code, "a notice fails neither");
    let suite = xml.split("<testsuite ").find(|s| s.starts_with("name=\"examples/exemptions/kubegate.yaml\"")).unwrap();
    assert!(suite.starts_with("name=\"examples/exemptions/kubegate.yaml\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\">\n    <system-out>warning: examples/exemptions/kubegate.yaml:18:7: exemptions.central[0] (kind `Deployment`"), "{suite}");
}

/// A workflow command: its name, its properties and its message.
type Command3 = (String, Vec<(String, String)>, String);

/// Splits `::error file=a,line=1::message` and decodes the runner's escapes.
fn parse_command(line: &str) -> Option<Command3> {
    let rest = line.strip_prefix("::")?;
    let (head, message) = rest.split_once("::")?;
    let (command, props) = head.split_once(' ').unwrap_or((head, ""));
    let unescape = |s: &str| {
        s.replace("%0D", "\r").replace("%0A", "\n").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")
    };
    let props = props.split(',').filter(|p| !p.is_empty()).map(|p| {
        let (k, v) = p.split_once('=').unwrap();
        (k.to_string(), unescape(v))
    });
    Some((command.to_string(), props.collect(), unescape(message)))
}

#[test]
fn github_commands_carry_each_finding_where_it_is() {
    for base in [&EXEMPTIONS[..], &BROKEN[..]] {
        let (_, text) = run(base, "github");
        let commands: Vec<_> = text.lines().filter_map(parse_command).collect();
        let f = findings(base);
        assert_eq!(commands.len(), f.len());
        for ((command, props, message), f) in commands.iter().zip(&f) {
            let prop = |k: &str| props.iter().find(|(pk, _)| pk == k).map(|(_, v)| v.clone()).unwrap();
            let want = match (f["exemption"].is_null(), f["level"].as_str().unwrap()) {
                (false, _) => "notice",
                (true, "deny") => "error",
                _ => "warning",
            };
            assert_eq!(command, want);
            assert_eq!(prop("file"), f["file"].as_str().unwrap());
            assert_eq!(prop("line"), f["line"].to_string());
            assert_eq!(prop("col"), f["column"].to_string());
            assert!(prop("title").starts_with(f["rule"].as_str().unwrap()));
            assert!(message.starts_with(f["message"].as_str().unwrap()), "{message}");
        }
        assert!(text.lines().last().unwrap().contains(" denials, "), "the summary closes the output");
    }
}

#[test]
fn tap_is_read_by_prove() {
    let prove = |tap: &str| -> (bool, String) {
        let file = std::env::temp_dir().join(format!("kubegate-{}-{}.tap", std::process::id(), tap.len()));
        std::fs::write(&file, tap).unwrap();
        let out = Command::new("prove")
            .arg("--exec")
            .arg("cat")
            .arg(&file)
            .output()
            .expect("Perl's prove (TAP harness) is on every machine of this project");
        std::fs::remove_file(&file).ok();
        let text = String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
        (text.contains("Result: PASS"), text)
    };
    // Broken: 7 denials fail, 4 warnings are TODO.
    let (_, tap) = run(&BROKEN, "tap");
    let (pass, text) = prove(&tap);
    assert!(!pass, "{text}");
    assert!(text.contains("Tests: 11 Failed: 7"), "{text}");
    // Exempted findings are skipped, not failed: the exemption example passes.
    let (code, tap) = run(&EXEMPTIONS, "tap");
    assert_eq!(code, 0);
    assert!(tap.contains("# SKIP exempted until 2027-02-15"), "{tap}");
    let (pass, text) = prove(&tap);
    assert!(pass, "{text}");
    // Nothing found: one passing point.
    let (_, tap) = run(&["test", "examples/k8s/prod"], "tap");
    assert_eq!(tap.lines().take(2).collect::<Vec<_>>(), ["TAP version 13", "1..1"]);
    assert!(prove(&tap).0);
}

#[test]
fn findings_carry_what_to_do_and_pretty_ends_with_the_next_step() {
    let f = findings(&BROKEN);
    let fix = |rule: &str| f.iter().find(|f| f["rule"] == rule).unwrap()["fix"].as_str().unwrap().to_string();
    // The rule's help line, in JSON as under the finding in `pretty`.
    assert_eq!(fix("liveness-probe"), "define a livenessProbe (httpGet, tcpSocket, grpc or exec)");
    let (code, pretty) = run(&BROKEN, "pretty");
    assert_eq!(code, 1);
    assert!(pretty.contains("= help: define a livenessProbe (httpGet, tcpSocket, grpc or exec)"), "{pretty}");
    let last: Vec<&str> = pretty.lines().rev().take(2).collect();
    assert_eq!(
        last,
        [
            "next: resource-limits is the most frequent (2 of 11): `kubegate explain resource-limits`; `kubegate fix --diff` previews the repair of 1 finding (1 more with --unsafe-fixes); 1 image not pinned by digest: `kubegate pin --diff`",
            "1 file, 1 resource (prod 1): 7 denials, 4 warnings, 0 errors",
        ]
    );
    // Nothing to do: no next line.
    let (code, pretty) = run(&["test", "examples/k8s"], "pretty");
    assert_eq!(code, 0);
    assert!(!pretty.contains("next:"), "{pretty}");
}

#[test]
fn the_table_wraps_messages_to_the_terminal_width() {
    let table = |columns: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kubegate"));
        c.args(["test", "examples/broken", "-o", "table"]).current_dir(root()).env_remove("COLUMNS");
        if let Some(w) = columns {
            c.env("COLUMNS", w);
        }
        String::from_utf8(c.output().unwrap().stdout).unwrap()
    };
    // In a pipe (a CI log): whole rows, for grep.
    let whole = table(None);
    assert!(whole.lines().any(|l| l.chars().count() > 140), "{whole}");
    assert!(whole.contains("| failure | examples/broken/prod/deployment.yaml:13:13 | prod | replicas "), "{whole}");
    // COLUMNS (a terminal's width): every line fits; the message wraps, the location stays whole.
    let wrapped = table(Some("140"));
    assert!(wrapped.lines().all(|l| l.chars().count() <= 140), "{wrapped}");
    assert!(wrapped.contains("| failure | examples/broken/prod/deployment.yaml:13:13 | prod |"), "{wrapped}");
    let message_lines = |t: &str| t.lines().filter(|l| l.starts_with('|')).count();
    assert!(message_lines(&wrapped) > message_lines(&whole), "{wrapped}");
    // The same words, only broken differently.
    let words = |t: &str| {
        t.split(|c: char| c == '|' || c.is_whitespace()).filter(|w| !w.is_empty() && !w.starts_with('+')).count()
    };
    assert_eq!(words(&wrapped), words(&whole));
}
