//! What the command-line tests share: running the `kubegate` binary.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The fields of a JSON finding, in order (docs/json-output.md), for every source of
/// findings: built-in rules and Rego policies alike.
pub const FINDING_KEYS: [&str; 15] = [
    "column",
    "container",
    "end_column",
    "end_line",
    "environment",
    "exemption",
    "file",
    "fix",
    "level",
    "line",
    "message",
    "path",
    "resource",
    "rule",
    "source",
];

/// The repository root, where paths in the output are relative to.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// A corpus of public manifests beside the repository (`../shared/corpora/NAME`), as a
/// path relative to [`root`]; `None` when it is absent, after saying that the test is
/// skipped. With `KUBEGATE_REQUIRE_CORPORA=1` (as CI sets) a missing corpus fails the test.
pub fn corpus(name: &str) -> Option<String> {
    let rel = format!("../shared/corpora/{name}");
    if root().join(&rel).is_dir() {
        return Some(rel);
    }
    let why = format!("the corpus {rel} is not beside the repository");
    assert!(std::env::var_os("KUBEGATE_REQUIRE_CORPORA").is_none(), "{why}, and KUBEGATE_REQUIRE_CORPORA is set");
    eprintln!("skipped: {why} (set KUBEGATE_REQUIRE_CORPORA=1 to require it)");
    None
}

/// What a run of kubegate returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs kubegate in `dir` with `stdin` on its standard input.
pub fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubegate"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().expect("kubegate must exit, not die from a signal"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// `rule level line:col message` of each finding of a JSON report.
pub fn brief(v: &serde_json::Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {} {}:{} {}",
                f["rule"].as_str().unwrap(),
                f["level"].as_str().unwrap(),
                f["line"],
                f["column"],
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

/// The `errors` of a JSON report as `file:line:column message`.
pub fn errors(v: &serde_json::Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!("{}:{}:{} {}", e["file"].as_str().unwrap(), e["line"], e["column"], e["message"].as_str().unwrap())
        })
        .collect()
}
