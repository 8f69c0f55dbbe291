//! `kubegate report`: the checklist of the bundled examples as Markdown (a snapshot), the
//! exit status, and the HTML page as a real browser renders it (headless Chromium, when
//! installed; `KUBEGATE_REQUIRE_CHROMIUM=1` makes it required).

use crate::common::{Run, root, run_in};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn run(args: &[&str]) -> Run {
    run_in(&root(), args, None)
}

/// A fresh folder under the system's temporary folder.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubegate-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn report_of_the_examples_snapshot() {
    // As the README's first command checks them.
    let r = run(&["report", "examples/k8s", "-o", "markdown", "--today", "2026-12-01"]);
    assert_eq!((r.code, r.stderr.as_str()), (0, ""));
    insta::assert_snapshot!("report_examples_markdown", r.stdout);
}

#[test]
fn a_report_is_written_with_failures_and_exits_0() {
    let r = run(&["report", "examples/broken", "-o", "markdown", "--today", "2026-12-01"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("| **Verdict** | **✘ not ready** |"), "{}", r.stdout);
    assert!(
        r.stdout.contains("1. <a id=\"f1\"></a>`examples/broken/prod/deployment.yaml:19` **network-policy** ✘ warn — Production deployment 'backend' pods are not isolated for Ingress and Egress by any NetworkPolicy in the inputs\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn unreadable_inputs_are_named_on_the_page_and_exit_2() {
    let r = run(&["report", "crates/kubegate/tests/data/bad", "--env", "dev", "-o", "markdown"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout.contains("## Errors: inputs or config that could not be read\n\n✘ This report is incomplete"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.contains("- `crates/kubegate/tests/data/bad/unparseable.yaml:"), "{}", r.stdout);
    assert!(r.stdout.contains("**✘ not ready**"), "{}", r.stdout);
}

#[test]
fn a_bad_config_writes_no_page_and_exits_2() {
    let dir = scratch("config");
    std::fs::write(dir.join("kubegate.yaml"), "report:\n  evidence:\n    scans: []\n").unwrap();
    std::fs::write(dir.join("pod.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n")
        .unwrap();
    let r = run_in(&dir, &["report", "pod.yaml"], None);
    assert_eq!(r.code, 2);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        format!(
            "error: {}:3:5: unknown key `scans` in `report.evidence`; expected one of: vulnerability-scanning, monitoring\n",
            dir.join("kubegate.yaml").display()
        )
    );
    // Declared evidence that names a missing file is an error at its line; the page is written.
    std::fs::write(
        dir.join("kubegate.yaml"),
        "report:\n  evidence:\n    vulnerability-scanning:\n      - evidence: scans/p.html\n",
    )
    .unwrap();
    let r = run_in(&dir, &["report", "pod.yaml", "-o", "markdown"], None);
    assert_eq!(r.code, 2);
    assert!(
        r.stdout
            .contains("- ``kubegate.yaml:4:9: report.evidence.vulnerability-scanning: `scans/p.html` does not exist"),
        "{}",
        r.stdout
    );
    std::fs::create_dir_all(dir.join("scans")).unwrap();
    std::fs::write(dir.join("scans/p.html"), "scan").unwrap();
    let r = run_in(&dir, &["report", "pod.yaml", "-o", "markdown"], None);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("☑ evidence declared<br>`scans/p.html` (`kubegate.yaml:4`)"), "{}", r.stdout);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The Chromium binary, or `None` after saying the test is skipped.
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"].iter().find_map(|name| {
        std::env::var_os("PATH").and_then(|p| std::env::split_paths(&p).map(|d| d.join(name)).find(|p| p.is_file()))
    });
    if found.is_none() {
        let why = "no chromium in PATH (Debian: apt-get install --no-install-recommends chromium)";
        assert!(std::env::var_os("KUBEGATE_REQUIRE_CHROMIUM").is_none(), "{why}, and KUBEGATE_REQUIRE_CHROMIUM is set");
        eprintln!("skipped: {why}; set KUBEGATE_REQUIRE_CHROMIUM=1 to require it");
    }
    found
}

/// Runs headless Chromium on a local page with `args` (`--dump-dom`, `--screenshot=…`),
/// offline (no proxy, no background networking, a fresh profile), killed after a minute.
pub fn headless(chromium: &Path, page: &Path, args: &[&str]) -> String {
    let profile = page.parent().unwrap().join("profile");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-proxy-server",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--disable-dev-shm-usage",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish within 60 seconds");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "chromium failed: {:?}", out.status);
    String::from_utf8(out.stdout).unwrap()
}

/// The part of `dom` from `start` to the next `end`.
fn between<'a>(dom: &'a str, start: &str, end: &str) -> &'a str {
    let from = dom.find(start).unwrap_or_else(|| panic!("no {start} in {dom}"));
    let rest = &dom[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

#[test]
fn the_html_report_renders_in_a_browser() {
    let Some(chromium) = chromium() else { return };
    let dir = scratch("chromium");
    // The examples, and a workload whose name is markup.
    std::fs::create_dir_all(dir.join("prod")).unwrap();
    std::fs::write(
        dir.join("prod/hostile.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: \"<script>document.title='owned'</script><img src=x>\"}\nspec: {containers: []}\n",
    )
    .unwrap();
    let hostile = dir.join("prod/hostile.yaml").display().to_string();
    let r = run(&["report", "examples/k8s", "examples/broken", &hostile, "--today", "2026-12-01"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let page = dir.join("report.html");
    std::fs::write(&page, &r.stdout).unwrap();
    let dom = headless(&chromium, &page, &["--dump-dom"]);

    assert!(dom.contains("<title>Production readiness report</title>"), "{dom}");
    // Nothing of the input became an element: the name is text.
    assert!(!dom.contains("<script") && !dom.contains("<img"), "{dom}");
    assert!(dom.contains("Pod &lt;script&gt;document.title='owned'&lt;/script&gt;&lt;img src=x&gt;"), "{dom}");

    let prod = between(&dom, "<section id=\"env-prod\">", "</section>");
    assert!(prod.contains("<caption>The production checklist for the 3 workloads bound for prod</caption>"));
    let headers: Vec<&str> = prod.split("<th scope=\"col\">").skip(1).map(|h| &h[..h.find("</th>").unwrap()]).collect();
    assert_eq!(
        headers,
        [
            "Workload",
            "Read-only root filesystem",
            "Non-root user",
            "No privilege escalation",
            "All capabilities dropped",
            "Network policies",
            "Resource limits",
            "Secrets externalized",
            "Image from a trusted registry",
            "Image scanned for vulnerabilities",
            "Service account with minimal permissions",
            "Pod Security Standards enforced",
            "Monitoring and alerting",
        ]
    );
    assert_eq!(prod.matches("<th scope=\"row\">").count(), 3);
    let broken = between(prod, "<th scope=\"row\">Deployment backend<small>claude-hub-prod · examples/broken", "</tr>");
    assert!(
        broken.contains(
            "<td class=\"failed\">✘ failed <a href=\"#f1\">[1]</a> <a href=\"#f2\">[2]</a> <a href=\"#f3\">[3]</a></td>"
        ),
        "{broken}"
    );
    assert!(
        dom.contains(
            "<li id=\"f1\"><code>examples/broken/prod/deployment.yaml:33</code> <strong>resource-limits</strong> ✘ deny — Production deployment 'backend' container 'app' must define resources.limits.cpu</li>"
        ),
        "{dom}"
    );
    let summary = between(&dom, "<section id=\"summary\">", "</section>");
    assert!(summary.contains("<tr><th scope=\"row\">Verdict</th><td class=\"confirm\">? pending: items to confirm or not checked</td><td class=\"confirm\">? pending: items to confirm or not checked</td><td class=\"failed\">✘ not ready</td></tr>"), "{summary}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dockerfiles_have_their_own_rows_and_count_in_the_verdict() {
    // One Dockerfile passes every Dockerfile rule, the other fails each: the environment
    // is not ready, and every finding is listed.
    let r = run(&["report", "examples/dockerfiles", "-o", "markdown", "--today", "2026-12-01"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("report_dockerfiles_markdown", r.stdout);
}
