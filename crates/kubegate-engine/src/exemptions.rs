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
use crate::finding::{Finding, ResourceId};
use crate::resources::Resource;
use crate::rules;
pub use jiff::civil::Date;
use kubegate_yaml::Span;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// The reason.
pub const REASON: &str = "policy-exemption";
/// The last day the exemption holds, `YYYY-MM-DD`.
pub const EXPIRES: &str = "exemption-expires";
/// The issue tracking the fix (a URL).
pub const ISSUE: &str = "exemption-issue";
/// The rule ids it covers, comma-separated.
pub const RULES: &str = "exemption-rules";

/// The rules that report on exemptions; an exemption cannot cover them.
pub const EXEMPTION_RULES: [&str; 3] = ["invalid-exemption", "expired-exemption", "exemption-expiring"];

/// A date written exactly as `YYYY-MM-DD` that exists in the calendar (`2026-02-30` does
/// not; neither does `2026-2-3` or `20260203`).
pub fn parse_date(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let number = |r: std::ops::Range<usize>| -> Option<i16> {
        if b[r.clone()].iter().all(u8::is_ascii_digit) { s[r].parse().ok() } else { None }
    };
    let (y, m, d) = (number(0..4)?, number(5..7)?, number(8..10)?);
    Date::new(y, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

/// Whole calendar days from `today` to `day` (negative when `day` is past).
pub fn days_between(today: Date, day: Date) -> i64 {
    i64::from((day - today).get_days())
}

/// Today in the system's time zone (`TZ`, else `/etc/localtime`; UTC when neither says).
pub fn local_today() -> Date {
    jiff::Zoned::now().date()
}

/// A Rego rule's id: the package path and the rule name, dot-separated
/// (`main.deny_replicas`, `kubernetes.admission.deny`).
pub fn is_rego_id(id: &str) -> bool {
    id.contains('.')
        && id.split('.').all(|seg| {
            let mut chars = seg.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// A rule id an exemption may name: a built-in rule or a Rego rule id.
pub fn is_known_rule(id: &str) -> bool {
    rules::find(id).is_some() || is_rego_id(id)
}

/// Where an exemption is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The resource's own annotations.
    Annotations,
    /// `exemptions.central` in the config file.
    Config,
    /// A Conftest `exception` rule of a Rego policy (its result is excepted, not exempted
    /// for a while: no expiry, no issue).
    Rego,
}

/// What an exemption amounts to today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Complete, valid, and more than `warn_days` from its expiry: it exempts.
    Active,
    /// Complete and valid, expiring within `warn_days`: it exempts, and
    /// `exemption-expiring` warns.
    Expiring,
    /// Its date is past: it exempts nothing, and `expired-exemption` denies.
    Expired,
    /// Incomplete or against the governance: it exempts nothing, and
    /// `invalid-exemption` denies.
    Invalid,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Expiring => "expiring",
            State::Expired => "expired",
            State::Invalid => "invalid",
        }
    }

    /// Whether the exemption covers its rules' findings.
    pub fn exempts(self) -> bool {
        matches!(self, State::Active | State::Expiring)
    }
}

/// The exemption a covered finding carries (`findings[].exemption` in the JSON output).
/// `expires`, `issue` and `days_left` are `None` only for [`Origin::Rego`] exceptions.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Exemption {
    pub reason: String,
    pub expires: Option<String>,
    pub issue: Option<String>,
    /// Days from today to `expires`; 0 on the last day.
    pub days_left: Option<i64>,
    /// `active` or `expiring`.
    pub state: State,
    pub source: Origin,
    /// Where the exemption is written: the manifest, the config file, or the policy
    /// holding the `exception` rule.
    pub file: Arc<str>,
    pub line: u32,
}

/// One of an exemption's four fields as written, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The value's text (empty for a null or non-scalar value).
    pub text: String,
    /// The value's span (the key's when the value is null).
    pub span: Span,
    /// What the value is instead, when it is a list or a mapping (`a list`).
    pub not_text: Option<&'static str>,
}

/// An exemption as written, owned, so it outlives the document it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    pub origin: Origin,
    /// The manifest (for annotations) or the config file, as reports name it.
    pub file: Arc<str>,
    /// The input's index, or `u32::MAX` for the config file (its findings sort last).
    pub file_index: u32,
    /// Where the exemption starts: its first annotation key, or the central entry.
    pub span: Span,
    /// Where a missing field is reported: the `annotations:` key, or the central entry.
    pub missing_at: Span,
    /// The path of the fields: `metadata.annotations.` or `exemptions.central[2].`
    pub path_prefix: crate::Route,
    /// The four fields' names where they are written (annotation or config key names).
    pub names: [&'static str; 4],
    pub reason: Option<Field>,
    pub expires: Option<Field>,
    pub issue: Option<Field>,
    pub rules: Option<Field>,
    /// The rule ids, trimmed, empty ones dropped.
    pub rule_ids: Vec<String>,
}

impl Declared {
    /// Reads the exemption annotations of a resource; `None` when it has none of the four.
    pub fn from_annotations(res: &Resource<'_>, file: &Arc<str>) -> Option<Declared> {
        let ann = res.annotations?;
        let field = |key: &str| {
            ann.entry(key).map(|(k, v)| {
                let text = if v.is_scalar() { v.scalar_text().unwrap_or("").to_string() } else { String::new() };
                let not_text = (!v.is_scalar()).then(|| v.type_name());
                (k.span, Field { text, span: if v.is_null() { k.span } else { v.span }, not_text })
            })
        };
        let (reason, expires, issue, rules) = (field(REASON), field(EXPIRES), field(ISSUE), field(RULES));
        let start =
            [&reason, &expires, &issue, &rules].into_iter().flatten().map(|(k, _)| *k).min_by_key(|s| s.start)?;
        let rule_ids = rules.as_ref().map(|(_, f)| split_rules(&f.text)).unwrap_or_default();
        Some(Declared {
            origin: Origin::Annotations,
            file: file.clone(),
            file_index: res.file as u32,
            span: start,
            missing_at: res.locate("metadata.annotations"),
            path_prefix: crate::Route::parse("metadata.annotations"),
            names: [REASON, EXPIRES, ISSUE, RULES],
            reason: reason.map(|x| x.1),
            expires: expires.map(|x| x.1),
            issue: issue.map(|x| x.1),
            rules: rules.map(|x| x.1),
            rule_ids,
        })
    }

    /// `exemption` or `central exemption`, as messages call it.
    pub fn noun(&self) -> &'static str {
        match self.origin {
            Origin::Annotations => "exemption",
            Origin::Config => "central exemption",
            Origin::Rego => "exception",
        }
    }

    fn fields(&self) -> [(&Option<Field>, &'static str); 4] {
        [
            (&self.reason, self.names[0]),
            (&self.expires, self.names[1]),
            (&self.issue, self.names[2]),
            (&self.rules, self.names[3]),
        ]
    }

    fn text(f: &Option<Field>) -> Option<&str> {
        f.as_ref().map(|f| f.text.as_str()).filter(|t| !t.trim().is_empty())
    }
}

/// `"image-digest, replicas"` → `["image-digest", "replicas"]`.
pub fn split_rules(text: &str) -> Vec<String> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// Why an exemption is invalid, where, and about which field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub span: Span,
    pub path: crate::Route,
    /// `exemption-issue is missing`
    pub text: String,
}

/// An exemption judged against the governance and today's date.
#[derive(Clone, Debug)]
pub struct Assessed {
    pub declared: Arc<Declared>,
    /// The central entry's index, for config exemptions.
    pub central: Option<usize>,
    pub state: State,
    pub expires: Option<Date>,
    pub days_left: Option<i64>,
    /// Empty unless the state is [`State::Invalid`].
    pub problems: Vec<Problem>,
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
            } else if EXEMPTION_RULES.contains(&id.as_str()) {
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
    if let (Some(text), Some(f), Some(pattern)) = (Declared::text(&d.issue), &d.issue, &gov.issue_pattern)
        && !pattern.regex.is_match(text.as_bytes())
    {
        let text = format!(
            "{} '{text}' does not match issue_pattern '{}' in {}",
            d.names[2],
            pattern.text,
            config.display_path()
        );
        problem(f.span, d.names[2], text);
    }
    let days_left = expires.map(|e| days_between(today, e));
    if let (Some(days), Some(f)) = (days_left, &d.expires)
        && days > gov.max_days
    {
        let text =
            format!("{} {} is {days} days away, more than max_days ({}) allows", d.names[1], f.text, gov.max_days);
        problem(f.span, d.names[1], text);
    }
    problems.sort_by_key(|p| (p.span.start.line, p.span.start.col));
    let state = match days_left {
        _ if !problems.is_empty() => State::Invalid,
        Some(days) if days < 0 => State::Expired,
        Some(days) if days <= gov.warn_days => State::Expiring,
        _ => State::Active,
    };
    Assessed { declared, central, state, expires, days_left, problems }
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
}
