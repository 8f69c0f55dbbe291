//! A long stream is checked in parts, in parallel (`CheckOptions::part_bytes`): the
//! outcome must be exactly the one the whole stream gives (every finding, error, resource,
//! exemption, in order), whatever the size of the parts. Compared here on every rule
//! fixture, on the fixtures and the public corpora as one stream each, and on the streams
//! where parts cannot stand alone (a document that fails to parse, aliases over the
//! file's budget together).

use kubegate_engine::exemptions::parse_date;
use kubegate_engine::{CheckOptions, Config, Outcome, Source, check};
use std::path::{Path, PathBuf};

fn run(text: &str, config: &Config, env: Option<&str>, part_bytes: usize) -> Outcome {
    let source = Source {
        path: "deploy/prod/stream.yaml".into(),
        text: text.to_string(),
        walked: false,
        format: kubegate_engine::Format::Manifest,
    };
    let opts = CheckOptions {
        env: env.map(str::to_string),
        today: parse_date("2026-06-01"),
        part_bytes: Some(part_bytes),
        ..CheckOptions::default()
    };
    check(std::slice::from_ref(&source), config, &opts)
}

/// Checks `text` whole and in parts of several sizes; the outcomes must be equal. Returns
/// the whole stream's outcome and the number of parts of the smallest size.
fn same_in_parts(what: &str, text: &str, config: &Config, env: Option<&str>) -> (Outcome, usize) {
    let whole = run(text, config, env, usize::MAX);
    let expected = format!("{whole:#?}");
    for size in [1, 300, 4096] {
        let parts = run(text, config, env, size);
        let got = format!("{parts:#?}");
        if got != expected {
            let at = expected.lines().zip(got.lines()).position(|(a, b)| a != b).unwrap_or(0);
            let context = |s: &str| s.lines().skip(at.saturating_sub(8)).take(12).collect::<Vec<_>>().join("\n");
            panic!(
                "{what}: parts of {size} bytes differ from the whole stream\n--- whole:\n{}\n--- parts:\n{}",
                context(&expected),
                context(&got)
            );
        }
    }
    (whole, kubegate_yaml::split_stream(text, 1).len())
}

/// Whether every document of the stream parsed (so that its parts were checked in
/// parallel, not the whole stream again).
fn parsed_whole(outcome: &Outcome) -> bool {
    let unparsed: Vec<_> = outcome.errors.iter().filter(|e| e.message.starts_with("cannot parse YAML")).collect();
    assert!(unparsed.is_empty(), "{unparsed:#?}");
    true
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            out.push(p);
        }
    }
}

#[test]
fn every_rule_fixture_and_all_of_them_as_one_stream() {
    let mut files = Vec::new();
    yaml_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"), &mut files);
    assert!(files.len() > 100, "{} fixtures", files.len());
    let config = Config::default();
    let mut stream = String::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        for env in ["dev", "staging", "prod"] {
            same_in_parts(&f.display().to_string(), &text, &config, Some(env));
        }
        stream.push_str("---\n");
        stream.push_str(&text);
        if !text.ends_with('\n') {
            stream.push('\n');
        }
    }
    let (whole, parts) = same_in_parts("all fixtures", &stream, &config, None);
    assert!(parts > 200, "{parts} parts");
    assert!(whole.findings.len() > 1000, "{} findings", whole.findings.len());
    assert!(whole.exemptions.len() > 15, "{} exemptions", whole.exemptions.len());
    assert!(parsed_whole(&whole));
}

#[test]
fn the_public_corpora_as_one_stream() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/real");
    if !dir.is_dir() {
        assert!(
            std::env::var_os("KUBEGATE_REQUIRE_CORPORA").is_none(),
            "the corpus ../shared/corpora/real is not beside the repository, and KUBEGATE_REQUIRE_CORPORA is set"
        );
        eprintln!("skipped: the corpus ../shared/corpora/real is not beside the repository");
        return;
    }
    let mut files = Vec::new();
    yaml_files(&dir, &mut files);
    let mut stream = String::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else { continue };
        stream.push_str("---\n");
        stream.push_str(&text);
        if !text.ends_with('\n') {
            stream.push('\n');
        }
    }
    let (whole, parts) = same_in_parts("the public corpora", &stream, &Config::default(), None);
    assert!(parts > 200, "{parts} parts");
    assert!(whole.resources.len() > 150, "{} resources", whole.resources.len());
    assert!(parsed_whole(&whole));
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p{i}\nspec:\n  containers:\n    - name: app\n      image: nginx:latest\n      securityContext: {privileged: true}\n";

fn pods(n: usize) -> Vec<String> {
    (0..n).map(|i| POD.replace("{i}", &i.to_string())).collect()
}

#[test]
fn a_document_that_fails_to_parse_gives_the_whole_streams_errors_and_recovery() {
    let mut docs = pods(6);
    // An unclosed flow sequence runs into the next document's marker: the error is on
    // that marker's line, and parsing resumes there, as for the whole stream.
    docs[2] = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: broken\n".into();
    docs[4] = "a: \"open quote\n".into();
    let text = docs.join("---\n");
    let (whole, parts) = same_in_parts("broken documents", &text, &Config::default(), Some("prod"));
    assert_eq!(parts, 6);
    let errors: Vec<_> = whole.errors.iter().map(|e| (e.line(), e.message.clone())).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    let privileged: Vec<_> = whole.findings.iter().filter(|f| f.rule == "privileged").map(|f| f.line).collect();
    assert_eq!(privileged, [9, 19, 33, 45], "{privileged:?}");
}

#[test]
fn aliases_over_the_files_budget_only_together_are_refused_as_for_the_whole_stream() {
    // Each document expands 60,000 nodes: one document is within the file's budget of
    // 100,000, two are not; each part alone would be.
    let list = format!("[{}]", vec!["x"; 1999].join(", "));
    let doc = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata:\n  a: &a {list}\n  b: [{}]\n",
        vec!["*a"; 30].join(", ")
    );
    let text = [doc.clone(), doc.clone(), doc].join("---\n");
    let (whole, parts) = same_in_parts("aliases", &text, &Config::default(), Some("prod"));
    assert_eq!(parts, 3);
    let messages: Vec<_> = whole.errors.iter().map(|e| (e.line(), e.message.as_str())).collect();
    assert!(
        messages.len() == 2 && messages.iter().all(|(_, m)| m.contains("alias expansion exceeds the budget")),
        "{messages:?}"
    );
}

#[test]
fn helm_sources_directives_lists_and_line_breaks_in_parts() {
    let mut text = String::new();
    for (i, pod) in pods(5).iter().enumerate() {
        text.push_str(&format!("---\n# Source: chart/templates/pod-{i}.yaml\n{pod}"));
    }
    // A document without a `# Source:` of its own names no template.
    text.push_str(&format!("---\n{}", pods(1)[0]));
    // A directive belongs to the document after it (the one before ends with `...`); a
    // List's items are resources.
    text.push_str(&format!(
        "...\n%YAML 1.2\n---\napiVersion: v1\nkind: List\nitems:\n{}",
        pods(2).iter().map(|p| format!("  - {}", p.replace('\n', "\n    ").trim_end())).collect::<Vec<_>>().join("\n")
    ));
    text.push('\n');
    let (whole, parts) = same_in_parts("helm", &text, &Config::default(), Some("prod"));
    assert_eq!(parts, 6, "no part starts at the marker after the directive");
    assert!(parsed_whole(&whole));
    let sources: Vec<_> = whole.resources.iter().map(|r| r.source.as_deref().unwrap_or("-").to_string()).collect();
    assert_eq!(
        sources,
        [
            "chart/templates/pod-0.yaml",
            "chart/templates/pod-1.yaml",
            "chart/templates/pod-2.yaml",
            "chart/templates/pod-3.yaml",
            "chart/templates/pod-4.yaml",
            "-",
            "-",
            "-",
        ]
    );
    // CRLF, lone CR and a byte-order mark count lines as the whole stream does.
    let config = Config::default();
    let crlf = format!("\u{feff}{}", pods(4).join("---\n").replace('\n', "\r\n"));
    assert!(parsed_whole(&same_in_parts("crlf", &crlf, &config, None).0));
    let cr = pods(4).join("---\n").replace('\n', "\r");
    assert!(parsed_whole(&same_in_parts("cr", &cr, &config, None).0));
    // A block scalar ends at the marker; a plain scalar too.
    let scalars = format!("--- |\n  text\n---\n{POD}---\nplain\n  more\n---\n{POD}");
    assert!(parsed_whole(&same_in_parts("block scalar", &scalars, &config, None).0));
}

/// Policies that run away on the first document they are given, and are then not
/// evaluated again, as the Rego stage does in a run of `test`.
#[derive(Debug, Default)]
struct RunawayOnce(std::sync::atomic::AtomicBool);

impl kubegate_engine::Policies for RunawayOnce {
    fn combine(&self) -> bool {
        false
    }

    fn evaluate(
        &self,
        _: &kubegate_yaml::Node<'_>,
    ) -> Result<kubegate_engine::policy::Verdict, kubegate_engine::InputError> {
        match self.0.swap(true, std::sync::atomic::Ordering::Relaxed) {
            false => Err(kubegate_engine::InputError::new("slow.rego", 3, 1, "rule main.deny ran away")),
            true => Ok(kubegate_engine::policy::Verdict::default()),
        }
    }

    fn keep(&self, _: &kubegate_yaml::Node<'_>) -> kubegate_engine::policy::Kept {
        Box::new(())
    }

    fn evaluate_combined(
        &self,
        _: Vec<(String, Vec<kubegate_engine::policy::Kept>)>,
    ) -> Result<kubegate_engine::policy::Verdict, kubegate_engine::InputError> {
        Ok(kubegate_engine::policy::Verdict::default())
    }
}

#[test]
fn a_policy_that_ran_away_in_a_part_is_reported_when_the_stream_is_then_checked_whole() {
    let mut docs = pods(4);
    docs[3] = "a: [unclosed\n".into();
    let text = docs.join("---\n");
    let source = Source { path: "stream.yaml".into(), text, walked: false, format: kubegate_engine::Format::Manifest };
    let opts = CheckOptions {
        env: Some("prod".into()),
        policies: Some(std::sync::Arc::new(RunawayOnce::default())),
        part_bytes: Some(1),
        ..CheckOptions::default()
    };
    let outcome = check(std::slice::from_ref(&source), &Config::default(), &opts);
    let messages: Vec<&str> = outcome.errors.iter().map(|e| e.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("cannot parse YAML"), "{messages:?}");
    assert!(messages[1].starts_with("rule main.deny ran away (evaluating stream.yaml:"), "{messages:?}");
}

#[test]
fn an_empty_block_scalar_before_a_marker_is_placed_as_in_the_whole_stream() {
    // Found by fuzzing (`engine_check`, the 6 bytes `i|\r---`): an empty block scalar is
    // placed at the next marker when one follows, at its indicator when the text ends.
    let config = Config::default();
    for text in ["|\r---", "|\n---", "a: |\n---\nb: 1\n", "a: >-  # folded\n\n---\n{POD}", "- |2\n---\n"] {
        let text = text.replace("{POD}", POD);
        let (_, parts) = same_in_parts(&text, &text, &config, Some("staging"));
        assert_eq!(parts, 1, "{text:?} is not cut after the indicator");
    }
    // Other empty values before a marker are placed alike whether cut there or not.
    for text in ["a:\n---\nb: 1\n", "a: &x\n---\nb: 1\n", "- \n---\n", "a: !!str\n---\n", "--- >\n...\n---\n"] {
        same_in_parts(text, text, &config, Some("staging"));
    }
    // A marker after a scalar that is not a block indicator still cuts.
    assert_eq!(kubegate_yaml::split_stream("a: b|\n---\nc: 1\n", 1).len(), 2);
}
