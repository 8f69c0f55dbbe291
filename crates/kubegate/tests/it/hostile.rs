//! Hostile input (issue 18): no crash, no hang, no silent pass. Each test is built from a
//! reproducer of the issue and asserts the exact outcome: the error, its file and line,
//! exit status 2, and that the other inputs are still checked. Fixtures live in
//! `tests/data/hostile/`; the large inputs are generated into a temporary folder.

use crate::common;
use common::{brief, errors};

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/hostile")
}

fn run(args: &[&str]) -> common::Run {
    common::run_in(&data(), args, None)
}

fn json_in(dir: &Path, args: &[&str]) -> (i32, Value) {
    let mut a = args.to_vec();
    a.extend(["-o", "json"]);
    let r = common::run_in(dir, &a, None);
    (r.code, serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", r.stdout, r.stderr)))
}

fn json_out(args: &[&str]) -> (i32, Value) {
    json_in(&data(), args)
}

/// A fresh temporary folder holding `files` (name, content).
fn scratch(name: &str, files: &[(&str, String)]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubegate-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (file, text) in files {
        std::fs::write(dir.join(file), text).unwrap();
    }
    std::fs::copy(data().join("deny-all.rego"), dir.join("deny-all.rego")).unwrap();
    dir
}

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n";
const TOO_DEEP: &str = "collections nest more than 256 levels deep (kubegate's limit)";

#[test]
fn deep_block_sequences_are_an_error_and_the_other_files_are_checked() {
    // Issue 18, 1: 100,000 levels of `- `, with -p (the Rego input conversion overflowed
    // the stack), beside a second file; 20,000 levels beside it were enough.
    for levels in [20_000, 100_000] {
        let dir =
            scratch("deep", &[("a-deep.yaml", format!("{}x\n", "- ".repeat(levels))), ("b-pod.yaml", POD.into())]);
        let (code, v) = json_in(&dir, &["test", ".", "-p", "deny-all.rego"]);
        assert_eq!(code, 2);
        assert_eq!(errors(&v), [format!("a-deep.yaml:1:513 cannot parse YAML: {TOO_DEEP}")]);
        assert_eq!(brief(&v), ["main.deny deny 1:1 Pod 'web' is checked"]);
    }
}

#[test]
fn an_anchor_on_a_deep_node_is_an_error_in_test_and_exemptions() {
    // Issue 18, 2: an anchor on a 300,000-level node overflowed the stack counting its
    // nodes, with or without -p, and in `kubegate exemptions`.
    let deep = format!("a: &x\n{}x\nb: *x\n", "- ".repeat(300_000));
    let dir = scratch("anchor", &[("a-deep.yaml", deep), ("b-pod.yaml", POD.into())]);
    let want = format!("a-deep.yaml:2:511 cannot parse YAML: {TOO_DEEP}");
    for args in [&["test", "."][..], &["test", ".", "-p", "deny-all.rego"], &["exemptions", "."]] {
        let (code, v) = json_in(&dir, args);
        assert_eq!(code, 2, "{args:?}");
        assert_eq!(errors(&v), std::slice::from_ref(&want), "{args:?}");
    }
    let (_, v) = json_in(&dir, &["test", ".", "-p", "deny-all.rego"]);
    assert_eq!(brief(&v), ["main.deny deny 1:1 Pod 'web' is checked"]);
}

#[test]
fn a_recursive_function_is_refused_when_the_policies_load() {
    // Issue 18, 3: `f(x) := y if { y := f(x + 1) }` overflowed the stack in test and verify.
    let (code, v) = json_out(&["test", "pod.yaml", "-p", "recursive.rego"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&v),
        [
            "recursive.rego:3:1 function main.f calls itself: recursion is not allowed in Rego (OPA refuses it too: rego_recursion_error)"
        ]
    );
    let r = run(&["verify", "-p", "recursive.rego"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stdout,
        "error: recursive.rego:3:1: function main.f calls itself: recursion is not allowed in Rego (OPA refuses it too: rego_recursion_error)\n"
    );
    // Through a `with g as f` that puts f in place of the function g that f calls, in f
    // itself or in the rule that calls f.
    for policy in ["with-recursion", "with-in-rule"] {
        let (code, v) = json_out(&["test", "pod.yaml", "-p", &format!("{policy}.rego")]);
        assert_eq!(code, 2);
        assert_eq!(
            errors(&v),
            [format!(
                "{policy}.rego:3:1 function main.g calls itself through main.f: recursion is not allowed in Rego (OPA refuses it too: rego_recursion_error)"
            )]
        );
    }
    // Through another package, by an import alias and a full `data.` path.
    let (code, v) = json_out(&["test", "pod.yaml", "-p", "mutual"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&v),
        [
            "mutual/lib/util.rego:3:1 function lib.util.h calls itself through main.g: recursion is not allowed in Rego (OPA refuses it too: rego_recursion_error)"
        ]
    );
}

#[test]
fn the_rego_timeout_must_be_a_finite_positive_number_of_seconds() {
    // Issue 18, 4: `nan` panicked, `inf` was taken as one day.
    for bad in ["nan", "inf", "-1", "0", "-inf", "1e9", "soon"] {
        let flag = format!("--rego-timeout={bad}");
        let r = run(&["test", "pod.yaml", "-p", "deny-all.rego", &flag]);
        assert_eq!(r.code, 2, "{bad}");
        assert_eq!(
            r.stderr.lines().next().unwrap_or(""),
            format!(
                "error: invalid value '{bad}' for '--rego-timeout <SECONDS>': `{bad}` is not a time limit: give a number of seconds from 0.001 to 3600"
            )
        );
        assert_eq!(r.stdout, "");
    }
    let r = run(&["test", "pod.yaml", "-p", "deny-all.rego", "--rego-timeout", "0.5", "-o", "table"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
}

#[test]
fn a_runaway_policy_is_reported_once_and_not_evaluated_again() {
    // Issue 18, 6: ten documents cost ten times the limit.
    let start = Instant::now();
    let (code, v) = json_out(&["test", "ten.yaml", "-p", "runaway.rego", "--rego-timeout", "0.5"]);
    let took = start.elapsed();
    assert_eq!(code, 2);
    let e = errors(&v);
    assert_eq!(e.len(), 1, "{e:?}");
    assert_eq!(
        e[0],
        ("runaway.rego:4:1 rule main.deny_forever did not finish within 0.5s (a runaway policy: an unbounded iteration?); the policies are not evaluated again in this run (evaluating ten.yaml:2)")
    );
    // The first evaluation and the diagnosis of which rule ran away: two limits, plus
    // the evaluations already under way on other threads, not ten.
    assert!(took < Duration::from_millis(3 * 500 + 1500), "took {took:?}");
}

#[test]
fn deeply_nested_literals_in_a_policy_are_refused_before_the_parser_sees_them() {
    // Found by the rego_policy fuzz target: the parser's time doubles with each `[`
    // (this one, 40 deep, would take hours to load).
    let started = std::time::Instant::now();
    let (code, v) = json_out(&["test", "pod.yaml", "-p", "deep-literal.rego"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&v),
        [
            "deep-literal.rego:3:62 arrays, sets and objects nest more than 12 levels deep here (kubegate's limit: the Rego parser's time grows exponentially with this nesting)"
        ]
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn policies_whose_expressions_would_overflow_the_stack_are_refused_and_the_others_run() {
    // Found by the rego_policy fuzz target: a run of minus signs (one a line, past the
    // parser's column limit) aborted the process in the Rego parser. Calls nested in calls
    // did the same, and a chain of operators, one term a line, overflowed its compiler.
    let policy = |x: &str| format!("package main\nimport rego.v1\n\nx := {x}\n\ndeny contains \"x\" if x\n");
    let cases = [
        (
            "minus.rego",
            policy(&format!("{}1", "-\n".repeat(5000))),
            "minus.rego:4:6 more than 32 minus signs in a row here (kubegate's limit: the Rego parser recurses once per sign, and a long run overflows its stack)",
        ),
        (
            "calls.rego",
            policy(&format!("{}1{}", "abs(\n".repeat(5000), ")\n".repeat(5000))),
            "calls.rego:36:4 parentheses and calls nest more than 32 levels deep here (kubegate's limit: the Rego parser recurses once per level, and deep nesting overflows its stack)",
        ),
        (
            // Found by the rego_policy campaign: on text it then refuses, the parser
            // recursed once per minus sign between names and overflowed the stack before
            // failing. A policy is parsed once, on a thread with a deep stack.
            "unparsed.rego",
            format!("package main\n\nx := {} {{\n", vec![vec!["n--------------------"; 40].join(" "); 80].join("\n")),
            "unparsed.rego:83:1 expecting expression",
        ),
        (
            "chain.rego",
            policy(&format!("1{}", "\n+ 1".repeat(19_000))),
            "chain.rego:4:1 an expression of this rule nests more than 256 levels deep (kubegate's limit: Rego's compiler and evaluator recurse once per level, and a long chain of operators overflows their stack)",
        ),
    ];
    for (file, text, error) in cases {
        let dir = scratch("deep-expression", &[(file, text), ("pod.yaml", POD.into())]);
        let (code, v) = json_in(&dir, &["test", "pod.yaml", "-p", file, "-p", "deny-all.rego"]);
        assert_eq!(code, 2, "{file}");
        assert_eq!(errors(&v), [error], "{file}");
    }
    // Just within the limits, the same shapes load and evaluate.
    let within = policy(&format!("{}-1{}", "abs(\n".repeat(30), ")".repeat(30)));
    let chain = policy(&format!("1{}", "\n+ 1".repeat(250)));
    for text in [within, chain] {
        let dir = scratch("deep-expression-ok", &[("ok.rego", text), ("pod.yaml", POD.into())]);
        let (code, v) = json_in(&dir, &["test", "pod.yaml", "-p", "ok.rego"]);
        assert_eq!((code, errors(&v)), (1, Vec::<String>::new()));
        assert_eq!(brief(&v), ["main.deny deny 1:1 x"]);
    }
}

#[test]
fn policies_whose_rules_chain_too_deeply_are_refused_and_the_others_run() {
    // regorus evaluates a rule a body refers to by recursing, a few KiB of stack a rule,
    // so a chain of rules (a := b, b := c, …; 560 fit in a 4 KiB policy), fewer rules with
    // calls or long operator chains in each, rules that read their own package by a name
    // known only while evaluating, or names imported under an alias, aborted the process.
    let names: Vec<String> = (0..700).map(|i| format!("r{i}")).collect();
    let chain = |n: usize, wrap: &dyn Fn(&str) -> String| {
        let rules: String = (0..n).map(|i| format!("{} := {}\n", names[i], wrap(&names[i + 1]))).collect();
        format!("package main\n\n{rules}{} := 1\n\ndeny contains \"x\" if r0\n", names[n])
    };
    let plain = |name: &str| name.to_string();
    let calls = |name: &str| format!("{}{name}{}", "abs(".repeat(30), ")".repeat(30));
    let operators = |name: &str| format!("{name}{}", "+0".repeat(250));
    let dispatch: String = (0..600).map(|i| format!("r{i} := data.main[k] if k := \"r{}\"\n", i + 1)).collect();
    let aliases: String = (0..600).map(|i| format!("import data.main.r{} as a{i}\n", i + 1)).collect();
    let aliased: String = (0..600).map(|i| format!("r{i} := a{i}\n")).collect();
    let limit = "(kubegate's limit: Rego's evaluator recurses into every rule and call it meets, and a long chain overflows its stack; a rule or function weighs 16, and along its deepest expression a call or comprehension 8, any other level 2)";
    let cases = [
        (
            "rules.rego",
            chain(560, &plain),
            format!("rules.rego:565:1 main.deny evaluates through a chain of 562 rules and functions (main.deny → main.r0 → main.r1 → … → main.r560) that weighs 9008, more than 2048 {limit}"),
        ),
        (
            "calls.rego",
            chain(16, &calls),
            format!("calls.rego:21:1 main.deny evaluates through a chain of 18 rules and functions (main.deny → main.r0 → main.r1 → … → main.r16) that weighs 4144, more than 2048 {limit}"),
        ),
        (
            "operators.rego",
            chain(20, &operators),
            format!("operators.rego:25:1 main.deny evaluates through a chain of 22 rules and functions (main.deny → main.r0 → main.r1 → … → main.r20) that weighs 10368, more than 2048 {limit}"),
        ),
        (
            "dispatch.rego",
            format!("package main\n\n{dispatch}r600 := 1\n\ndeny contains \"x\" if r0\n"),
            "dispatch.rego:3:1 600 rules of main read it as a whole (data.main[…]), so they can evaluate through one another in any order; together they weigh 12000, more than 2048 (kubegate's limit: Rego's evaluator recurses into every rule it meets, and a long chain overflows its stack)".to_string(),
        ),
        (
            "aliases.rego",
            format!("package main\n\n{aliases}\n{aliased}r600 := 1\n\ndeny contains \"x\" if r0\n"),
            format!("aliases.rego:1206:1 main.deny evaluates through a chain of 602 rules and functions (main.deny → main.r0 → main.r1 → … → main.r600) that weighs 9648, more than 2048 {limit}"),
        ),
        (
            "alias-recursion.rego",
            "package main\n\nimport data.main.f as g\n\nf(x) := g(x)\n\ndeny contains \"x\" if f(1)\n".to_string(),
            "alias-recursion.rego:5:1 function main.f calls itself: recursion is not allowed in Rego (OPA refuses it too: rego_recursion_error)".to_string(),
        ),
    ];
    for (file, text, error) in cases {
        let dir = scratch("rule-chain", &[(file, text), ("pod.yaml", POD.into())]);
        let (code, v) = json_in(&dir, &["test", "pod.yaml", "-p", file, "-p", "deny-all.rego"]);
        assert_eq!(code, 2, "{file}");
        assert_eq!(errors(&v), [error], "{file}");
    }
    // Within the limit, the same shapes load and evaluate, on several documents at once
    // (each checked on a worker thread).
    let pods: Vec<(String, String)> = (0..6).map(|i| (format!("pod{i}.yaml"), POD.to_string())).collect();
    for text in [chain(126, &plain), chain(3, &calls)] {
        let mut files: Vec<(&str, String)> = pods.iter().map(|(n, t)| (n.as_str(), t.clone())).collect();
        files.push(("ok.rego", text));
        let dir = scratch("rule-chain-ok", &files);
        let (code, v) = json_in(&dir, &["test", ".", "-p", "ok.rego"]);
        assert_eq!((code, errors(&v)), (1, Vec::<String>::new()));
        assert_eq!(brief(&v), vec!["main.deny deny 1:1 x"; 6]);
    }
}

#[test]
fn a_nul_byte_in_a_policy_refuses_the_file() {
    // Issue 18, 12: a NUL, even in a comment, silently dropped every rule after it.
    let (code, v) = json_out(&["test", "pod.yaml", "-p", "nul.rego"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&v),
        ["nul.rego:5:24 the policy contains a NUL byte; everything after it would be ignored, so the file is refused"]
    );
    // verify reported the tests before the NUL as passing, and lost the failing one.
    let r = run(&["verify", "-p", "nul_test.rego"]);
    assert_eq!(r.code, 2);
    assert_eq!(
        r.stdout,
        "error: nul_test.rego:5:3: the policy contains a NUL byte; everything after it would be ignored, so the file is refused\n"
    );
}

#[test]
fn builtins_that_would_escape_the_time_limit_are_refused_before_they_run() {
    // Issue 18, 5: each ran far past the limit or grew to gigabytes and aborted.
    let cases = [
        (
            "lsh",
            "budget/lsh.rego:4:18 bits.lsh: a number of 200000001 bits (more than 4096), beyond kubegate's evaluation budget",
        ),
        (
            "cidr",
            "budget/cidr.rego:4:25 net.cidr_expand: 10.0.0.0/8 has more than 65536 addresses to list, beyond kubegate's evaluation budget",
        ),
        (
            "replace",
            "budget/replace.rego:28:19 replace: a result of 33554432 bytes (more than 16777216), beyond kubegate's evaluation budget",
        ),
        (
            "aconcat",
            "budget/aconcat.rego:23:24 array.concat: a result of 1048578 elements (more than 1000000), beyond kubegate's evaluation budget",
        ),
        (
            "concat",
            "budget/concat.rego:5:16 concat: a result of 9919803004 bytes (more than 16777216), beyond kubegate's evaluation budget",
        ),
        (
            "many",
            "budget/many.rego:6:64 concat: the bounded builtins have built 272201183 bytes in this evaluation (more than 268435456), beyond kubegate's evaluation budget",
        ),
        (
            "sprintf",
            "budget/sprintf.rego:27:19 sprintf: a result of 16777228 bytes (more than 16777216), beyond kubegate's evaluation budget",
        ),
    ];
    for (policy, want) in cases {
        let start = Instant::now();
        // The budget, not the timer, must stop these: a timer generous enough for a debug
        // build on a busy machine (the doubling chains build 16 MiB before they are refused).
        let (code, v) =
            json_out(&["test", "budget/pod.yaml", "-p", &format!("budget/{policy}.rego"), "--rego-timeout", "15"]);
        assert!(start.elapsed() < Duration::from_secs(20), "{policy} took {:?}", start.elapsed());
        assert_eq!(code, 2, "{policy}");
        assert_eq!(errors(&v), [format!("{want} (evaluating budget/pod.yaml:1)")], "{policy}");
    }
}

#[test]
fn a_manifest_that_blows_a_builtin_up_is_an_error_and_the_other_documents_are_evaluated() {
    // A 20,000-character name as concat's separator, then a normal document.
    let (code, v) = json_out(&["test", "budget/two.yaml", "-p", "budget/by-manifest.rego"]);
    assert_eq!(code, 2);
    assert_eq!(
        errors(&v),
        [
            "budget/by-manifest.rego:6:18 concat: a result of 20043004 bytes (more than 16777216), beyond kubegate's evaluation budget (evaluating budget/two.yaml:1)"
        ]
    );
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["line"], 6);
    assert_eq!(findings[0]["message"], ".-".repeat(999) + ".");
}

#[test]
fn the_bounded_builtins_give_their_results_within_the_budget() {
    let (code, v) = json_out(&["test", "budget/pod.yaml", "-p", "within.rego"]);
    assert_eq!(code, 1);
    assert_eq!(
        v["findings"][0]["message"],
        "a-b-Pod bANANa b1221221 k_s-app 00042|ab  |3.14 6869 aGk= aGk_ a+b%26c {\"k\":[1,\"x\"]} ff \
         12345678901234567890 [\"a\", \"b\", \"\", \"c\"] [1, 2, 3] \
         [\"192.168.1.0\", \"192.168.1.1\", \"192.168.1.2\", \"192.168.1.3\"] \
         1267650600228229401496703205376 [3, 2, 1]"
    );
}

#[test]
fn arithmetic_on_huge_numbers_overruns_the_limit_by_one_operation_not_forever() {
    // Issue 18, 5: `x := x * x` forty times over never finished (the timer was checked
    // every 32 expressions: eight squarings between two checks).
    let start = Instant::now();
    let (code, v) = json_out(&["test", "budget/pod.yaml", "-p", "budget/square.rego", "--rego-timeout", "0.5"]);
    let took = start.elapsed();
    assert_eq!(code, 2);
    let e = errors(&v);
    assert_eq!(e.len(), 1, "{e:?}");
    let stuck = "budget/square.rego:0:0 policy evaluation ran far past its limit of 0.5s (a runaway policy: one operation that cannot be interrupted, such as arithmetic on huge numbers?); the policies are not evaluated again in this run (evaluating budget/pod.yaml:1)";
    let named = "budget/square.rego:3:1 rule main.deny did not finish within 0.5s (a runaway policy: an unbounded iteration?); the policies are not evaluated again in this run (evaluating budget/pod.yaml:1)";
    assert!(e[0] == stuck || e[0] == named, "{e:?}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
}

/// The first character a terminal or a line-based reader would act on, if any: a control
/// character other than newline and tab, a Unicode line or paragraph separator, or a
/// bidirectional override.
fn unsafe_char(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|&(_, c)| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[test]
fn control_characters_from_manifests_are_escaped_in_every_human_format() {
    // Issue 18, 15: a name, namespace, image or exemption reason holding terminal escape
    // sequences, a carriage return, U+2028/U+2029 or a right-to-left override was printed
    // raw by `github` and the exemptions table (a reason could clear the screen and
    // forge "ALL GOOD"), and TAP kept carriage returns and line separators.
    let dir = data().join("inject");
    let name = r"web\u{1b}[2J\u{1b}[1;1HALL GOOD";
    for format in ["pretty", "table", "github", "tap", "junit"] {
        let r = common::run_in(&dir, &["test", ".", "--today", "2026-12-01", "--no-color", "-o", format], None);
        assert_eq!(r.code, 1, "{format}");
        assert_eq!(unsafe_char(&r.stdout), None, "{format}:\n{}", r.stdout);
        assert!(r.stdout.contains(name), "{format}:\n{}", r.stdout);
    }
    let r = common::run_in(&dir, &["test", "raw.yaml", "--env", "dev", "--no-color"], None);
    assert_eq!(unsafe_char(&r.stdout), None, "{}", r.stdout);
    // The quoted source line is escaped too, and its underline still falls on the value.
    assert!(
        r.stdout.contains(
            "9 |       securityContext: {privileged: true}  # \\u{1b}[2J\\u{1b}[1;1H\\u{202e}ALL GOOD\n  |                                     ^^^^\n"
        ),
        "{}",
        r.stdout
    );
    let r = common::run_in(&dir, &["test", ".", "--today", "2026-12-01", "-o", "tap"], None);
    assert!(r.stdout.contains(r#"  file: "inject me%.yaml""#), "{}", r.stdout);
    let r = common::run_in(&dir, &["exemptions", ".", "--today", "2026-12-01"], None);
    assert_eq!(r.code, 0);
    assert_eq!(unsafe_char(&r.stdout), None, "{}", r.stdout);
    assert!(r.stdout.contains(r"| reason\u{1b}]0;title\u{7}\u{1b}[1A\u{202e}evil |"), "{}", r.stdout);
    assert!(r.stdout.contains(r"Pod ns\u{d}forged\u{2028}\u{2029}end/web\u{1b}[2J"), "{}", r.stdout);
    // JSON keeps the text as it is (JSON escapes it).
    let (_, v) = json_in(&dir, &["exemptions", ".", "--today", "2026-12-01"]);
    assert_eq!(v["exemptions"][0]["reason"], "reason\u{1b}]0;title\u{7}\u{1b}[1A\u{202e}evil");
}

#[test]
fn sarif_artifact_uris_are_percent_encoded() {
    let dir = data().join("inject");
    let r = common::run_in(&dir, &["test", "inject me%.yaml", "--today", "2026-12-01", "-o", "sarif"], None);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let uris: std::collections::BTreeSet<&str> = v["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].as_str().unwrap())
        .collect();
    assert_eq!(uris.into_iter().collect::<Vec<_>>(), ["inject%20me%25.yaml"]);
}

#[test]
fn out_of_range_config_values_are_errors_at_their_line() {
    // Issue 18, 16: a huge, infinite or NaN number was accepted (a `max_days` beyond
    // 64 bits silently became the default).
    let dir = data().join("config");
    let (code, v) = json_in(&dir, &["test", "pod.yaml"]);
    assert_eq!(code, 2);
    // A discovered config is named by its full path.
    let prefix = format!("{}/", dir.display());
    let shown: Vec<String> = errors(&v).iter().map(|e| e.replace(&prefix, "")).collect();
    assert_eq!(
        shown,
        [
            "kubegate.yaml:4:14 `rules.run-as-user.minimum` must be at most 9000000000000000, found 1e300",
            "kubegate.yaml:6:14 `rules.replicas.minimum` must be at least 1, found -2",
            "kubegate.yaml:8:16 `rules.resource-limit-ratio.max_ratio` must be a finite number, found .nan",
            "kubegate.yaml:10:13 `exemptions.max_days` must be at most 36500, found 99999999999999999999",
            "kubegate.yaml:11:14 `exemptions.warn_days` must be a finite number, found .inf",
        ]
    );
}

#[test]
fn verify_is_bounded_by_the_rego_timeout_too() {
    // The timer was only set for `test`: a runaway test rule hung `verify`.
    let start = Instant::now();
    let r = run(&["verify", "-p", "runaway_test.rego", "--rego-timeout", "0.5"]);
    assert!(start.elapsed() < Duration::from_secs(20), "took {:?}", start.elapsed());
    assert_eq!(r.code, 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", r.stdout);
    assert!(
        lines[0].starts_with(
            "FAIL - runaway_test.rego:5 - data.main.test_forever: execution exceeded time limit (elapsed="
        ),
        "{}",
        r.stdout
    );
    assert_eq!(lines[2], "2 tests, 1 passed, 0 warnings, 1 failure, 0 exceptions");
}

#[test]
fn walk_over_the_deepest_input_allowed_is_quick() {
    // Issue 18, 5: walk() over a 20,000-deep input took 27 s and 4.7 GB. Such an input is
    // now an error at load; the deepest one allowed (256 levels) is walked at once.
    let policy = "package main\n\ndeny contains msg if {\n\tn := count([p | walk(input, [p, v])])\n\tmsg := sprintf(\"%d nodes\", [n])\n}\n";
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\ndata:\n  x: {}1{}\n",
        "[".repeat(254),
        "]".repeat(254)
    );
    let dir = scratch("walk", &[("deep.yaml", deep), ("walk.rego", policy.into())]);
    let start = Instant::now();
    let (code, v) = json_in(&dir, &["test", "deep.yaml", "-p", "walk.rego"]);
    assert!(start.elapsed() < Duration::from_secs(10), "took {:?}", start.elapsed());
    assert_eq!(code, 1, "{v}");
    // The root, apiVersion, kind, metadata, name, data, 254 nested lists and the 1.
    assert_eq!(brief(&v), ["main.deny deny 1:1 261 nodes"]);
}

#[test]
fn a_panic_inside_the_rego_engine_is_the_policys_error_not_the_end_of_the_run() {
    // Found by the fuzzing campaign: regorus formats a number beyond a double's range in
    // an error message, and its formatting panics. kubegate stopped (status 101).
    let r = run(&["test", "budget/pod.yaml", "budget/two.yaml", "-p", "budget/huge-number-message.rego", "-o", "json"]);
    assert_eq!(r.code, 2, "{}{}", r.stdout, r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).unwrap();
    let e = errors(&v);
    let why = "the Rego engine failed on this policy (a formatting trait implementation returned an error when the underlying stream did not: Error); kubegate reported it instead of stopping";
    assert!(!e.is_empty() && e.iter().all(|m| m.contains(why)), "{e:?}");
    // One error for the policy, naming the documents it failed on.
    assert_eq!(
        e,
        [format!("budget/huge-number-message.rego:0:0 {why} (evaluating budget/pod.yaml:1 and 2 more documents)")]
    );
    // The files are still read and checked.
    assert_eq!(v["summary"]["files"], 2, "{v}");
}
