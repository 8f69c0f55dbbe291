//! Rule parameters and level overrides from `kubegate.yaml`, end to end through the engine.

use kubegate_engine::{CheckOptions, Config, Source, check};
use std::path::Path;

fn findings(config: &str, manifest: &str, env: &str) -> Vec<String> {
    let config = Config::parse(config, Path::new("kubegate.yaml"), None).expect("valid config");
    let src = Source {
        path: "m.yaml".into(),
        text: manifest.into(),
        walked: false,
        format: kubegate_engine::Format::Manifest,
    };
    let out = check(&[src], &config, &CheckOptions { env: Some(env.into()), ..CheckOptions::default() });
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.findings
        .iter()
        .filter(|f| f.rule == "replicas")
        .map(|f| format!("{} {}:{} {}", f.level.as_str(), f.line, f.column, f.message))
        .collect()
}

const DEPLOYMENTS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: empty}
spec:
  replicas:
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: zero}
spec:
  replicas: 0
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: text}
spec:
  replicas: \"two\"
";

#[test]
fn an_empty_replicas_is_one_and_a_non_number_is_zero() {
    let got = findings("rules:\n  replicas:\n    minimum: 1\n", DEPLOYMENTS, "prod");
    assert_eq!(
        got,
        [
            "deny 11:13 Production deployment 'zero' must have replicas >= 1 for HA",
            "deny 17:13 Production deployment 'text' must have replicas >= 1 for HA",
        ]
    );
}

#[test]
fn levels_per_environment_override_the_tier_defaults() {
    let config = "rules:\n  replicas:\n    level: warn\n    levels: {staging: off}\n";
    assert!(findings(config, DEPLOYMENTS, "staging").is_empty());
    let prod = findings(config, DEPLOYMENTS, "prod");
    assert_eq!(prod.len(), 3);
    assert!(prod.iter().all(|f| f.starts_with("warn ")), "{prod:?}");
    // dev: replicas is off by default, but `level` sets every environment.
    assert_eq!(findings(config, DEPLOYMENTS, "dev").len(), 3);
}

#[test]
fn report_evidence_is_validated_at_its_lines() {
    let text = "report:
  evidence:
    scanning:
      - evidence: x
    monitoring:
      - note: dashboards
      - evidence: \"  \"
      - evidence: https://grafana.example.com/d/web
        name: \"[web\"
";
    let errors: Vec<String> =
        Config::parse(text, Path::new("kubegate.yaml"), None).unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "kubegate.yaml:3:5: unknown key `scanning` in `report.evidence` (did you mean vulnerability-scanning?); expected one of: vulnerability-scanning, monitoring",
            "kubegate.yaml:6:9: `report.evidence.monitoring[0]` is missing `evidence`",
        ]
    );
    // Past the shape: an empty path and a bad glob.
    let text = text.replace("    scanning:\n      - evidence: x\n", "").replace("      - note: dashboards\n", "");
    let errors: Vec<String> =
        Config::parse(&text, Path::new("kubegate.yaml"), None).unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "kubegate.yaml:4:19: `report.evidence.monitoring[0].evidence` must name a path or a URL, not be empty",
            "kubegate.yaml:6:15: bad glob `[web` in report.evidence.monitoring[1].name: error parsing glob '[web': unclosed character class; missing ']'",
        ]
    );
    let config = Config::parse(
        &text.replace("\"  \"", "scans/web.html").replace("\"[web\"", "web"),
        Path::new("kubegate.yaml"),
        None,
    )
    .expect("valid");
    let found: Vec<(&str, &str, u32)> =
        config.report.evidence.iter().map(|e| (e.item, e.evidence.as_str(), e.line)).collect();
    assert_eq!(found, [("monitoring", "scans/web.html", 4), ("monitoring", "https://grafana.example.com/d/web", 5)]);
    assert!(config.report.evidence[1].covers("Deployment", Some("shop"), Some("web")));
    assert!(!config.report.evidence[1].covers("Deployment", Some("shop"), Some("api")));
}
