//! `exemptions:` in `kubegate.yaml`: how long exemptions may run, when they start to warn,
//! which rules an environment never exempts, the pattern issue links must match, and
//! central exemptions for resources that cannot be annotated.

use super::shape::{Field, Shape};
use crate::exemptions::{self, Date, Declared, Origin};
use crate::finding::InputError;
use globset::{Glob, GlobMatcher};
use kubegate_yaml::{Node, Span};
use std::sync::Arc;

/// The most days `max_days` and `warn_days` may be set to: a century.
pub const MAX_SETTING_DAYS: i64 = 36_500;

/// The default of `max_days`.
pub const MAX_DAYS: i64 = 90;
/// The default of `warn_days`.
pub const WARN_DAYS: i64 = 14;

/// The exemption governance of a run.
#[derive(Clone, Debug)]
pub struct Governance {
    /// The latest expiry accepted, in days from today.
    pub max_days: i64,
    /// `exemption-expiring` warns from this many days before the expiry.
    pub warn_days: i64,
    /// Per environment name, the rule ids no exemption may cover there.
    pub not_exemptible: Vec<(String, Vec<String>)>,
    /// The pattern every issue link must match, whole.
    pub issue_pattern: Option<IssuePattern>,
    /// Who may approve an exemption (names or team handles); empty: anyone named.
    pub approvers: Vec<String>,
    /// The environments where an exemption needs an approver.
    pub require_approval: Vec<String>,
    pub central: Vec<CentralExemption>,
}

impl Default for Governance {
    fn default() -> Self {
        Governance {
            max_days: MAX_DAYS,
            warn_days: WARN_DAYS,
            not_exemptible: Vec::new(),
            issue_pattern: None,
            approvers: Vec::new(),
            require_approval: Vec::new(),
            central: Vec::new(),
        }
    }
}

impl Governance {
    /// The rules that cannot be exempted in an environment.
    pub fn not_exemptible(&self, env: &str) -> &[String] {
        self.not_exemptible.iter().find(|(e, _)| e == env).map(|(_, r)| r.as_slice()).unwrap_or(&[])
    }
}

/// `issue_pattern`: a regular expression (ASCII, whole-value match).
#[derive(Clone, Debug)]
pub struct IssuePattern {
    pub text: String,
    pub regex: regex::bytes::Regex,
}

impl IssuePattern {
    /// Compiles a pattern so that it must match the whole issue link. Unicode mode is off:
    /// issue links are ASCII, `\d` means `[0-9]`, and the regex crate needs no Unicode
    /// tables (ADR 7).
    pub fn new(text: &str) -> Result<IssuePattern, String> {
        regex::bytes::RegexBuilder::new(&format!("^(?:{text})$"))
            .unicode(false)
            .size_limit(1 << 20)
            .build()
            .map(|regex| IssuePattern { text: text.to_string(), regex })
            .map_err(|e| {
                // The crate's message quotes the wrapped pattern; its last line says what is wrong.
                e.to_string().lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("").trim().to_string()
            })
    }
}

/// An entry of `exemptions.central`: the four fields, for every resource its globs match.
#[derive(Clone, Debug)]
pub struct CentralExemption {
    pub kind: GlobMatcher,
    pub namespace: GlobMatcher,
    pub name: GlobMatcher,
    /// The entry as an exemption: always complete with a valid date (anything less is a
    /// config error); `assess` judges the rest.
    pub declared: Arc<Declared>,
    pub expires: Date,
}

impl CentralExemption {
    /// Whether the globs match a resource (a missing namespace or name matches as `""`).
    pub fn matches(&self, kind: &str, namespace: Option<&str>, name: Option<&str>) -> bool {
        self.kind.is_match(kind)
            && self.namespace.is_match(namespace.unwrap_or(""))
            && self.name.is_match(name.unwrap_or(""))
    }
}

/// The `exemptions` field of the config shape.
pub fn shape() -> Field {
    let glob = |what: &str, default: bool| {
        format!(
            "Glob matched against the resource's {what}{}.",
            if default { " (default `*`; a resource without one matches as the empty string)" } else { "" }
        )
    };
    let central = Shape::object(
        "An exemption for the resources whose kind, namespace and name match the globs.",
        vec![
            Field::new("kind", glob("kind", true), Shape::Str),
            Field::new("namespace", glob("namespace", true), Shape::Str),
            Field::new("name", glob("name (required: write `\"*\"` to mean every name)", false), Shape::Str).required(),
            Field::new(
                "rules",
                "The rule ids it covers (built-in ids, or Rego ids such as `main.deny_replicas`).",
                Shape::strings(),
            )
            .required(),
            Field::new("reason", "Why the exemption is needed.", Shape::Str).required(),
            Field::new("issue", "The issue tracking the fix (a URL).", Shape::Str).required(),
            Field::new("expires", "The last day it holds, `YYYY-MM-DD`.", Shape::Str).required(),
            Field::new(
                "approved_by",
                "Who approved it (one of `approvers`); required in the environments of `require_approval`.",
                Shape::Str,
            ),
        ],
    );
    Field::new(
        "exemptions",
        "Exemption governance: how long exemptions may run, which rules cannot be exempted, and central exemptions.",
        Shape::object(
            "",
            vec![
                Field::new(
                    "max_days",
                    format!("An exemption may expire at most this many days after today (default {MAX_DAYS})."),
                    Shape::Number { min: 0.0, max: MAX_SETTING_DAYS as f64, integer: true },
                ),
                Field::new(
                    "warn_days",
                    format!(
                        "exemption-expiring warns this many days before an exemption expires (default {WARN_DAYS})."
                    ),
                    Shape::Number { min: 0.0, max: MAX_SETTING_DAYS as f64, integer: true },
                ),
                Field::new(
                    "not_exemptible",
                    "Per environment name, the rule ids that no exemption may cover there.",
                    Shape::Object {
                        doc: String::new(),
                        fields: vec![],
                        extra: Some((Box::new(Shape::strings()), "environment")),
                    },
                ),
                Field::new(
                    "issue_pattern",
                    "A regular expression (ASCII; it must match the whole value) that every exemption's issue link must match. Without it, an issue link must look like one: a URL (`https://…`), a tracker key (`SEC-123`) or an issue number (`#123`, `org/repo#123`); `'.+'` accepts any text.",
                    Shape::Str,
                ),
                Field::new(
                    "approvers",
                    "Who may approve an exemption (names or team handles, as written in `exemption-approved-by`); when empty, any approver named is accepted.",
                    Shape::strings(),
                ),
                Field::new(
                    "require_approval",
                    "The environments where an exemption needs `exemption-approved-by` naming one of `approvers` (default: none).",
                    Shape::strings(),
                ),
                Field::new(
                    "central",
                    "Exemptions for resources that cannot be annotated.",
                    Shape::Array(Box::new(central)),
                ),
            ],
        ),
    )
}

/// Reads the `exemptions` section, already validated against [`shape`]. `envs` are the
/// known environment names, `shown` the config file as reports name it.
pub fn parse(
    node: Option<&Node<'_>>,
    envs: &[&str],
    file: &str,
    shown: &Arc<str>,
    errors: &mut Vec<InputError>,
) -> Governance {
    let mut gov = Governance::default();
    let Some(node) = node else { return gov };
    let first_error = errors.len();
    let mut error = |span: Span, msg: String| errors.push(InputError::new(file, span.start.line, span.start.col, msg));
    if let Some(n) = node.get("max_days").and_then(|n| n.as_i64()) {
        gov.max_days = n;
    }
    if let Some(n) = node.get("warn_days").and_then(|n| n.as_i64()) {
        gov.warn_days = n;
    }
    let rule_id_error = |id: &str, at: &str| {
        if !exemptions::is_known_rule(id) {
            Some(format!(
                "unknown rule `{id}` in {at}; `kubegate rules` lists them (Rego rules are `<package>.<rule>`)"
            ))
        } else if crate::rules::reports_on_exemptions(id) {
            Some(format!("`{id}` in {at} reports on exemptions themselves; no exemption can cover it"))
        } else {
            None
        }
    };
    for (k, v) in node.get("not_exemptible").map(|n| n.entries()).unwrap_or_default() {
        if !envs.contains(&k.text) {
            error(k.span, super::unknown_environment(k.text, " in exemptions.not_exemptible", envs));
        }
        let at = format!("exemptions.not_exemptible.{}", k.text);
        let mut ids = Vec::new();
        for item in v.items() {
            let id = item.as_str().unwrap_or_default();
            // Listing an exemption rule here is harmless (they are never exemptible).
            if !exemptions::is_known_rule(id) {
                error(item.span, rule_id_error(id, &at).unwrap_or_default());
            }
            ids.push(id.to_string());
        }
        gov.not_exemptible.push((k.text.to_string(), ids));
    }
    if let Some(n) = node.get("issue_pattern")
        && let Some(text) = n.as_str()
    {
        match IssuePattern::new(text) {
            Ok(p) => gov.issue_pattern = Some(p),
            Err(e) => error(n.span, format!("bad regular expression in exemptions.issue_pattern: {e}")),
        }
    }
    let strings = |key: &str| -> Vec<(String, Span)> {
        node.get(key)
            .map(|n| n.items().iter().filter_map(|i| i.as_str().map(|t| (t.trim().to_string(), i.span))).collect())
            .unwrap_or_default()
    };
    for (name, span) in strings("approvers") {
        if name.is_empty() {
            error(span, "an entry of exemptions.approvers is empty".into());
        }
        gov.approvers.push(name);
    }
    for (env, span) in strings("require_approval") {
        if !envs.contains(&env.as_str()) {
            error(span, super::unknown_environment(&env, " in exemptions.require_approval", envs));
        }
        gov.require_approval.push(env);
    }
    for (i, item) in node.get("central").map(|n| n.items()).unwrap_or_default().iter().enumerate() {
        let at = format!("exemptions.central[{i}]");
        let before = errors.len();
        let mut error =
            |span: Span, msg: String| errors.push(InputError::new(file, span.start.line, span.start.col, msg));
        let mut glob = |key: &str| -> GlobMatcher {
            let Some(n) = item.get(key) else { return Glob::new("*").expect("valid glob").compile_matcher() };
            let text = n.as_str().unwrap_or_default();
            match Glob::new(text) {
                Ok(g) => g.compile_matcher(),
                Err(e) => {
                    error(n.span, format!("bad glob `{text}` in {at}.{key}: {e}"));
                    Glob::new("*").expect("valid glob").compile_matcher()
                }
            }
        };
        let (kind, namespace, name) = (glob("kind"), glob("namespace"), glob("name"));
        let field = |key: &str, errors: &mut Vec<InputError>| -> Option<exemptions::Field> {
            let n = item.get(key)?;
            let text = n.as_str().unwrap_or_default().to_string();
            if text.trim().is_empty() {
                errors.push(InputError::new(
                    file,
                    n.span.start.line,
                    n.span.start.col,
                    format!("`{at}.{key}` must not be empty"),
                ));
            }
            Some(exemptions::Field { text, span: n.span, not_text: None })
        };
        let (reason, issue, expires) = (field("reason", errors), field("issue", errors), field("expires", errors));
        let approved_by = field("approved_by", errors);
        let date = expires.as_ref().filter(|f| !f.text.trim().is_empty()).and_then(|f| {
            let d = exemptions::parse_date(&f.text);
            if d.is_none() {
                errors.push(InputError::new(
                    file,
                    f.span.start.line,
                    f.span.start.col,
                    format!("`{at}.expires` must be a real date written YYYY-MM-DD, found `{}`", f.text),
                ));
            }
            d
        });
        let rules_node = item.get("rules");
        let mut rule_ids = Vec::new();
        for r in rules_node.map(|n| n.items()).unwrap_or_default() {
            let id = r.as_str().unwrap_or_default().trim();
            if let Some(msg) = rule_id_error(id, &format!("{at}.rules")) {
                errors.push(InputError::new(file, r.span.start.line, r.span.start.col, msg));
            }
            rule_ids.push(id.to_string());
        }
        if let Some(n) = rules_node.filter(|_| rule_ids.is_empty()) {
            errors.push(InputError::new(
                file,
                n.span.start.line,
                n.span.start.col,
                format!("`{at}.rules` must name at least one rule"),
            ));
        }
        let (Some(date), true) = (date, errors.len() == before) else { continue };
        let rules = rules_node.map(|n| exemptions::Field { text: rule_ids.join(", "), span: n.span, not_text: None });
        gov.central.push(CentralExemption {
            kind,
            namespace,
            name,
            declared: Arc::new(Declared {
                origin: Origin::Config,
                file: shown.clone(),
                file_index: u32::MAX,
                span: item.span,
                missing_at: item.span,
                path_prefix: crate::Route::parse(&at),
                names: ["reason", "expires", "issue", "rules"],
                reason,
                expires,
                issue,
                rules,
                rule_ids,
                approved_by,
                syntax: Vec::new(),
            }),
            expires: date,
        });
    }
    errors[first_error..].sort_by_key(|e| (e.line(), e.column()));
    gov
}
