//! Every output format, rendered from one outcome that sets every field (a denial with an
//! exemption, a warning in a container, an error, a notice, a skipped file, resources
//! with and without a Helm source, Conftest's counts), as snapshots: a change of any
//! format shows in the diff.

use crate::clean;
use kubegate_engine::evaluate::{ResourceInfo, Skipped};
use kubegate_engine::exemptions::{Exemption, Origin, State};
use kubegate_engine::{Finding, InputError, Level, Outcome, PolicyCounts, ResourceId, Route};
use std::borrow::Cow;
use std::sync::Arc;

/// An outcome with every field of the contract set, and the optional ones both ways.
pub(crate) fn outcome() -> Outcome {
    let resource = Arc::new(ResourceId {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        namespace: Some("shop".into()),
        name: Some("app".into()),
    });
    let finding = Finding {
        rule: "secret-in-configmap".into(),
        level: Level::Deny,
        environment: "prod".into(),
        message: "Production configmap 'app' key 'application.properties' sets db.password to a literal secret".into(),
        file: "k8s/base/configmap.yaml".into(),
        line: 10,
        column: 5,
        end_line: 10,
        end_column: 31,
        resource: resource.clone(),
        container: None,
        source: Some("chart/templates/cm.yaml".into()),
        path: Route::parse("data").key("application.properties"),
        exemption: Some(Arc::new(Exemption {
            reason: "migrating to a Secret".into(),
            expires: Some("2027-01-15".into()),
            issue: Some("https://example.com/issues/7".into()),
            days_left: Some(45),
            state: State::Active,
            source: Origin::Annotations,
            file: "k8s/base/configmap.yaml".into(),
            line: 6,
        })),
        note: Some("not in the contract".into()),
        help: Some("the finding's own help (`fix` in JSON and SARIF)".into()),
        file_index: 0,
        resource_index: 0,
    };
    let warn = Finding {
        rule: "main.warn_replicas".into(),
        level: Level::Warn,
        container: Some("app".into()),
        source: None,
        path: Route::root(),
        exemption: None,
        ..finding.clone()
    };
    Outcome {
        findings: vec![finding, warn],
        errors: vec![InputError::new("k8s/bad.yaml", 3, 7, "cannot parse YAML: mapping values are not allowed here")],
        notices: vec![InputError::new("kubegate.yaml", 6, 13, "environments.qa.paths: `qa/**` matches no input")],
        skipped: vec![Skipped { file: "k8s/README.md".into(), why: "no Kubernetes document".into() }],
        resources: vec![
            ResourceInfo {
                file: "k8s/base/configmap.yaml".into(),
                line: 1,
                id: resource.clone(),
                environment: "prod".into(),
                environment_reason: "path segment `prod`".into(),
                source: Some("chart/templates/cm.yaml".into()),
                related: None,
            },
            ResourceInfo {
                file: "k8s/base/configmap.yaml".into(),
                line: 12,
                id: Arc::new(ResourceId { namespace: None, name: None, ..(*resource).clone() }),
                environment: "dev".into(),
                environment_reason: "default environment".into(),
                source: None,
                related: None,
            },
        ],
        files: 3,
        policy: Some(PolicyCounts { tests: 4, passed: 2, warnings: 1, failures: 0, exceptions: 1 }),
        ..Outcome::default()
    }
}

/// The text of the fixture's file, for the formats that quote it.
const CONFIGMAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: shop\n  annotations:\n    policy-exemption: migrating to a Secret\ndata:\n  application.properties: |\n    db.password=hunter2hunter2\n    server.port=8080\n---\napiVersion: v1\nkind: ConfigMap\n";

fn rendered(render: impl Fn(&Outcome, &mut dyn std::io::Write) -> std::io::Result<()>) -> String {
    let mut out = Vec::new();
    render(&outcome(), &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn pretty_output() {
    let source = |name: &str| (name == "k8s/base/configmap.yaml").then(|| CONFIGMAP.to_string());
    insta::assert_snapshot!(rendered(|o, out| crate::pretty(o, &source, false, out)));
}

#[test]
fn table_output() {
    insta::assert_snapshot!(rendered(|o, out| crate::table(o, None, out)));
}

#[test]
fn sarif_output() {
    insta::assert_snapshot!(rendered(crate::sarif));
}

#[test]
fn junit_output() {
    insta::assert_snapshot!(rendered(crate::junit));
}

#[test]
fn github_output() {
    insta::assert_snapshot!(rendered(crate::github));
}

#[test]
fn tap_output() {
    insta::assert_snapshot!(rendered(crate::tap));
}

#[test]
fn clean_escapes_what_a_terminal_would_act_on_and_nothing_else() {
    assert!(matches!(clean("plain text, tabs\tand\nnewlines: été ✓"), Cow::Borrowed(_)));
    assert_eq!(clean("a\u{1b}[2Jb\rc\u{7f}d\u{85}e"), r"a\u{1b}[2Jb\u{d}c\u{7f}d\u{85}e");
    assert_eq!(clean("x\u{2028}y\u{2029}z\u{202e}w\u{2066}v"), r"x\u{2028}y\u{2029}z\u{202e}w\u{2066}v");
}

#[test]
fn sarif_uris_encode_everything_but_unreserved_characters_and_slashes() {
    assert_eq!(crate::sarif::uri(r"k8s\prod/a b%#?:é.yaml"), "k8s/prod/a%20b%25%23%3F%3A%C3%A9.yaml");
    assert_eq!(crate::sarif::uri("deploy/app-1_v2.~.yaml"), "deploy/app-1_v2.~.yaml");
}
