//! The exemptions stage. An exemption names the rules it covers, says why,
//! links the issue that tracks the fix and expires:
//!
//! ```yaml
//! metadata:
//!   annotations:
//!     policy-exemption: "SHA256 digest required after registry migration"
//!     exemption-expires: "2026-12-15"
//!     exemption-issue: "https://github.com/org/repo/issues/123"
//!     exemption-rules: "image-digest"
//! ```
//!
//! or stands in `kubegate.yaml` under `exemptions.central` for resources that cannot be
//! annotated. While a resource's tree is alive its exemptions are read into an owned
//! [`Declared`] and [`assess`]ed against the governance and today's date; the
//! `invalid-exemption`, `expired-exemption` and `exemption-expiring` rules report what the
//! assessment found. Only an active or expiring exemption grants anything: once every
//! finding exists (the judged cross-resource ones too), [`apply`] marks the findings of
//! the rules it lists on its resource as exempted. Matching is by rule id alone, so a
//! Rego rule's id (`main.deny_replicas`) is exempted the same way.

use crate::config::Config;
use crate::config::governance::Governance;
use crate::environment::Environment;
pub use crate::exemption::*;
use crate::finding::{Finding, ResourceId};
use crate::resources::Resource;
use crate::rules;
use kubegate_yaml::Span;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// A rule id an exemption may name: a built-in rule or a Rego rule id.
pub fn is_known_rule(id: &str) -> bool {
    rules::find(id).is_some() || is_rego_id(id)
}

/// Judges an exemption. `env` is the environment of the resource it is on (`None` for a
/// central exemption that matched no resource: environment policies cannot apply).
pub fn assess(
    declared: Arc<Declared>,
    central: Option<usize>,
    env: Option<&Environment>,
    config: &Config,
    today: Date,
) -> Assessed {
    let gov: &Governance = &config.exemptions;
    let d = &*declared;
    let mut problems = Vec::new();
    let mut problem = |span: Span, name: &str, text: String| {
        problems.push(Problem { span, path: d.path_prefix.clone().key(name), text });
    };
    for (field, name) in d.fields() {
        match field {
            None => problem(d.missing_at, name, format!("{name} is missing")),
            Some(Field { not_text: Some(t), span, .. }) => {
                problem(*span, name, format!("{name} must be a string, found {t}"))
            }
            Some(f) if f.text.trim().is_empty() || (name == d.names[3] && d.rule_ids.is_empty()) => {
                problem(f.span, name, format!("{name} is empty"))
            }
            Some(_) => {}
        }
    }
    let mut expires = None;
    if let (Some(text), Some(f)) = (Declared::text(&d.expires), &d.expires) {
        match parse_date(text) {
            Some(date) => expires = Some(date),
            None => problem(f.span, d.names[1], format!("{} '{text}' is not a date (YYYY-MM-DD)", d.names[1])),
        }
    }
    if let Some(f) = &d.rules {
        for id in &d.rule_ids {
            let text = if !is_known_rule(id) {
                format!("{} names unknown rule '{id}' (`kubegate rules` lists them)", d.names[3])
            } else if rules::reports_on_exemptions(id) {
                format!("'{id}' cannot be exempted: it reports on exemptions themselves")
            } else if let Some(env) = env.filter(|e| gov.not_exemptible(&e.name).iter().any(|r| r == id)) {
                format!(
                    "'{id}' cannot be exempted in {} (exemptions.not_exemptible.{} in {})",
                    env.name,
                    env.name,
                    config.display_path()
                )
            } else {
                continue;
            };
            problem(f.span, d.names[3], text);
        }
    }
    if let (Some(text), Some(f)) = (Declared::text(&d.issue), &d.issue) {
        let complaint = match &gov.issue_pattern {
            Some(pattern) => (!pattern.regex.is_match(text.as_bytes()))
                .then(|| format!("does not match issue_pattern '{}' in {}", pattern.text, config.display_path())),
            None => (!text.trim().is_empty() && !looks_like_issue_link(text)).then(|| {
                format!(
                    "does not look like an issue link: a URL, a tracker key (SEC-123) or an issue number (#123, org/repo#123); exemptions.issue_pattern in {} can accept other forms",
                    config.display_path()
                )
            }),
        };
        if let Some(complaint) = complaint {
            problem(f.span, d.names[2], format!("{} '{text}' {complaint}", d.names[2]));
        }
    }
    // Approval: where the environment requires it, an approver; any approver named must be
    // one of `approvers` when the config lists them.
    let key = d.approver_key();
    match (&d.approved_by, Declared::text(&d.approved_by)) {
        (Some(f), Some(who)) if !gov.approvers.is_empty() && !gov.approvers.iter().any(|a| a == who.trim()) => {
            let text = format!(
                "{key} '{who}' is not one of exemptions.approvers in {} ({})",
                config.display_path(),
                gov.approvers.join(", ")
            );
            problem(f.span, key, text);
        }
        (field, None) => {
            if let Some(env) = env.filter(|e| gov.require_approval.iter().any(|r| *r == *e.name)) {
                let who = if gov.approvers.is_empty() { "an approver".to_string() } else { gov.approvers.join(", ") };
                let text = format!(
                    "{key} is missing: exemptions in {} need the approval of {who} (exemptions.require_approval in {})",
                    env.name,
                    config.display_path()
                );
                problem(field.as_ref().map_or(d.missing_at, |f| f.span), key, text);
            }
        }
        _ => {}
    }
    let days_left = expires.map(|e| days_between(today, e));
    if let (Some(days), Some(f)) = (days_left, &d.expires)
        && days > gov.max_days
    {
        let text =
            format!("{} {} is {days} days away, more than max_days ({}) allows", d.names[1], f.text, gov.max_days);
        problem(f.span, d.names[1], text);
    }
    problems.extend(d.syntax.iter().cloned());
    problems.sort_by_key(|p| (p.span.start.line, p.span.start.col));
    let state = match days_left {
        _ if !problems.is_empty() => State::Invalid,
        Some(days) if days < 0 => State::Expired,
        Some(days) if days <= gov.warn_days => State::Expiring,
        _ => State::Active,
    };
    Assessed { declared, central, state, expires, days_left, problems }
}

/// Whether an issue link, with no `issue_pattern` configured, looks like one: a URL
/// (`scheme://…`, no spaces), a tracker key (`SEC-123`: an upper-case letter, then upper-case
/// letters, digits or `_`, a dash and a number) or an issue number (`#123`, `org/repo#123`).
pub fn looks_like_issue_link(text: &str) -> bool {
    let t = text.trim();
    let number = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if let Some((scheme, rest)) = t.split_once("://") {
        return scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
            && !rest.is_empty()
            && !rest.contains(char::is_whitespace);
    }
    if let Some((repo, n)) = t.rsplit_once('#') {
        let name = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        let repo_ok = repo.is_empty() || repo.split_once('/').is_some_and(|(o, r)| name(o) && name(r));
        return repo_ok && number(n);
    }
    if let Some((key, n)) = t.rsplit_once('-') {
        return key.starts_with(|c: char| c.is_ascii_uppercase())
            && key.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
            && number(n);
    }
    false
}

/// Every exemption that concerns one resource: its annotations, then the central entries
/// whose globs match it.
pub fn for_resource(res: &Resource<'_>, file: &Arc<str>, config: &Config, today: Date) -> Vec<Assessed> {
    let env = &config.environments[res.binding.env].env;
    let mut out = Vec::new();
    if let Some(d) = Declared::from_annotations(res, file) {
        out.push(assess(Arc::new(d), None, Some(env), config, today));
    }
    for (i, c) in config.exemptions.central.iter().enumerate() {
        if c.matches(res.kind, res.namespace, res.name) {
            out.push(assess(c.declared.clone(), Some(i), Some(env), config, today));
        }
    }
    out
}

/// Every exemption that concerns a Dockerfile: its comment directives, then the central
/// entries that match kind `Dockerfile` and its path as the name.
pub fn for_dockerfile(
    comments: &[kubegate_dockerfile::Comment],
    file: &Arc<str>,
    file_index: usize,
    env: &Environment,
    config: &Config,
    today: Date,
) -> Vec<Assessed> {
    let mut out: Vec<Assessed> = Declared::from_directives(comments, file, file_index as u32)
        .into_iter()
        .map(|d| assess(Arc::new(d), None, Some(env), config, today))
        .collect();
    for (i, c) in config.exemptions.central.iter().enumerate() {
        if c.matches("Dockerfile", None, Some(file)) {
            out.push(assess(c.declared.clone(), Some(i), Some(env), config, today));
        }
    }
    out
}

/// One exemption as `kubegate exemptions` lists it: where it is written, what it covers,
/// and what it amounts to today.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExemptionRecord {
    pub file: Arc<str>,
    pub line: u32,
    pub column: u32,
    pub source: Origin,
    /// The resource it is on (for a central exemption, the one it matched); `null` for a
    /// central exemption that matched no resource.
    pub resource: Option<Arc<ResourceId>>,
    pub environment: Option<Arc<str>>,
    pub rules: Vec<String>,
    pub reason: Option<String>,
    pub issue: Option<String>,
    pub expires: Option<String>,
    /// Who approved it, when it says.
    pub approved_by: Option<String>,
    pub days_left: Option<i64>,
    pub state: State,
    /// Why it is invalid (empty otherwise).
    pub problems: Vec<String>,
    #[serde(skip)]
    pub file_index: u32,
    #[serde(skip)]
    pub resource_index: Option<u32>,
    #[serde(skip)]
    pub central: Option<usize>,
    /// What the covered findings carry, when the exemption exempts.
    #[serde(skip)]
    pub grant: Option<Arc<Exemption>>,
}

impl ExemptionRecord {
    pub fn new(a: &Assessed, resource: Option<(u32, Arc<ResourceId>, Arc<str>)>) -> ExemptionRecord {
        let d = &*a.declared;
        let text = |f: &Option<Field>| f.as_ref().map(|f| f.text.clone());
        let grant = a.state.exempts().then(|| {
            Arc::new(Exemption {
                reason: text(&d.reason).unwrap_or_default(),
                expires: Some(text(&d.expires).unwrap_or_default()),
                issue: Some(text(&d.issue).unwrap_or_default()),
                days_left: Some(a.days_left.unwrap_or_default()),
                state: a.state,
                source: d.origin,
                file: d.file.clone(),
                line: d.span.start.line,
            })
        });
        let (resource_index, resource, environment) = match resource {
            Some((i, id, env)) => (Some(i), Some(id), Some(env)),
            None => (None, None, None),
        };
        ExemptionRecord {
            file: d.file.clone(),
            line: d.span.start.line,
            column: d.span.start.col,
            source: d.origin,
            resource,
            environment,
            rules: d.rule_ids.clone(),
            reason: text(&d.reason),
            issue: text(&d.issue),
            expires: text(&d.expires),
            approved_by: text(&d.approved_by),
            days_left: a.days_left,
            state: a.state,
            problems: a.problems.iter().map(|p| p.text.clone()).collect(),
            file_index: d.file_index,
            resource_index,
            central: a.central,
            grant,
        }
    }
}

/// Marks the findings that an active or expiring exemption on their resource covers: the
/// first one (annotations before central entries) that lists the finding's rule id. Rule
/// ids are compared as strings, so Rego findings (`main.deny_replicas`) are covered too.
pub fn apply(findings: &mut [Finding], records: &[ExemptionRecord]) {
    let mut by_resource: HashMap<u32, Vec<&ExemptionRecord>> = HashMap::new();
    for r in records {
        if let (Some(i), Some(_)) = (r.resource_index, &r.grant) {
            by_resource.entry(i).or_default().push(r);
        }
    }
    if by_resource.is_empty() {
        return;
    }
    for f in findings.iter_mut().filter(|f| f.exemption.is_none()) {
        let Some(records) = by_resource.get(&f.resource_index) else { continue };
        if let Some(r) = records.iter().find(|r| r.rules.iter().any(|id| *id == *f.rule)) {
            f.exemption = r.grant.clone();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> Date {
        parse_date(s).unwrap_or_else(|| panic!("{s} is a date"))
    }

    #[test]
    fn dates_must_be_real_and_exactly_yyyy_mm_dd() {
        assert_eq!(parse_date("2026-12-15"), Some(Date::new(2026, 12, 15).unwrap()));
        assert_eq!(parse_date("2028-02-29"), Some(Date::new(2028, 2, 29).unwrap()));
        for bad in [
            "2026-02-30",
            "2027-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "2026-4-01",
            "20260401",
            "2026/04/01",
            " 2026-04-01",
            "2026-04-01 ",
            "2026-04-01T00:00",
            "+2026-04-01",
            "２０２６-04-01",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn days_left_across_month_year_and_leap_days() {
        let cases = [
            ("2028-02-28", "2028-03-01", 2), // 2028 is a leap year
            ("2027-02-28", "2027-03-01", 1), // 2027 is not
            ("2100-02-28", "2100-03-01", 1), // nor is 2100
            ("2000-02-28", "2000-03-01", 2), // 2000 is
            ("2026-12-31", "2027-01-01", 1),
            ("2026-01-31", "2026-02-01", 1),
            ("2026-04-30", "2026-05-01", 1),
            ("2026-06-15", "2026-06-15", 0),
            ("2026-06-15", "2026-06-14", -1),
            ("2027-01-01", "2026-12-31", -1),
            ("2026-01-01", "2027-01-01", 365),
            ("2028-01-01", "2029-01-01", 366),
            ("2026-03-01", "2026-05-30", 90),
        ];
        for (today, day, want) in cases {
            assert_eq!(days_between(date(today), date(day)), want, "{today} → {day}");
        }
    }

    #[test]
    fn rego_ids_are_dotted_identifiers() {
        for ok in ["main.deny_replicas", "kubernetes.admission.deny", "main.warn", "_x.y1"] {
            assert!(is_rego_id(ok) && is_known_rule(ok), "{ok}");
        }
        for bad in ["main.", ".deny", "main..deny", "main.deny-x", "1main.deny", "image-digets", "main"] {
            assert!(!is_rego_id(bad), "{bad}");
        }
        assert!(is_known_rule("image-digest"));
        assert!(!is_known_rule("image-digets"));
    }

    #[test]
    fn rules_are_comma_separated_and_trimmed() {
        assert_eq!(split_rules(" image-digest ,replicas,, "), ["image-digest", "replicas"]);
        assert!(split_rules(" , ").is_empty());
    }

    fn finding(rule: &'static str, resource_index: u32) -> Finding {
        Finding {
            rule: rule.into(),
            level: crate::Level::Deny,
            environment: "prod".into(),
            message: String::new(),
            file: "m.yaml".into(),
            line: 1,
            column: 1,
            end_line: 1,
            end_column: 1,
            resource: Arc::default(),
            container: None,
            source: None,
            path: kubegate_yaml::Route::root(),
            exemption: None,
            help: None,
            note: None,
            file_index: 0,
            resource_index,
        }
    }

    fn record(rules: &str, resource_index: u32, state: State) -> ExemptionRecord {
        let grant = state.exempts().then(|| {
            Arc::new(Exemption {
                reason: "r".into(),
                expires: Some("2026-12-15".into()),
                issue: Some("https://x/1".into()),
                days_left: Some(30),
                state,
                source: Origin::Annotations,
                file: "m.yaml".into(),
                line: 1,
            })
        });
        ExemptionRecord {
            file: "m.yaml".into(),
            line: 1,
            column: 1,
            source: Origin::Annotations,
            resource: None,
            environment: None,
            rules: split_rules(rules),
            reason: None,
            issue: None,
            expires: None,
            approved_by: None,
            days_left: None,
            state,
            problems: vec![],
            file_index: 0,
            resource_index: Some(resource_index),
            central: None,
            grant,
        }
    }

    #[test]
    fn rego_findings_are_exempted_by_their_rule_id() {
        let mut findings =
            vec![finding("main.deny_replicas", 0), finding("main.deny_other", 0), finding("main.deny_replicas", 1)];
        apply(&mut findings, &[record("main.deny_replicas", 0, State::Active)]);
        assert_eq!(findings[0].exemption.as_ref().and_then(|e| e.issue.as_deref()), Some("https://x/1"));
        assert!(findings[1].exemption.is_none(), "another rule of the same resource");
        assert!(findings[2].exemption.is_none(), "the same rule on another resource");
    }

    #[test]
    fn only_active_and_expiring_exemptions_exempt() {
        for (state, exempted) in
            [(State::Active, true), (State::Expiring, true), (State::Expired, false), (State::Invalid, false)]
        {
            let mut findings = vec![finding("image-digest", 3)];
            apply(&mut findings, &[record("replicas, image-digest", 3, state)]);
            assert_eq!(findings[0].exemption.is_some(), exempted, "{state:?}");
        }
    }

    #[test]
    fn issue_links_without_a_pattern() {
        for ok in [
            "https://github.com/org/repo/issues/123",
            "http://jira.example.com/browse/SEC-1",
            "SEC-123",
            "PLAT2-7",
            "#123",
            "org/repo#45",
            " JIRA_X-9 ",
        ] {
            assert!(looks_like_issue_link(ok), "{ok}");
        }
        for bad in [
            "later",
            "TODO",
            "sec-123",
            "SEC-",
            "SEC-12a",
            "#",
            "#abc",
            "see ticket",
            "https://",
            "https://a b",
            "a/b/c#1",
            "123",
            "://x",
        ] {
            assert!(!looks_like_issue_link(bad), "{bad}");
        }
    }
}
