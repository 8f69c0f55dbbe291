//! Exemptions as data: the four annotations, an exemption as written ([`Declared`], read
//! from a resource's annotations or built from a central entry), and as judged
//! ([`Assessed`]). Judging them against the governance and today's date is the
//! `exemptions` stage's, above the rules; the rules only read the judgement.

pub use crate::finding::{Exemption, Origin, State};
use crate::resources::Resource;
pub use jiff::civil::Date;
use kubegate_yaml::Span;
use std::sync::Arc;

/// The reason.
pub const REASON: &str = "policy-exemption";
/// The last day the exemption holds, `YYYY-MM-DD`.
pub const EXPIRES: &str = "exemption-expires";
/// The issue tracking the fix (a URL).
pub const ISSUE: &str = "exemption-issue";
/// The rule ids it covers, comma-separated.
pub const RULES: &str = "exemption-rules";
/// Who approved it (`exemptions.approvers`); required where `exemptions.require_approval`
/// says so.
pub const APPROVED_BY: &str = "exemption-approved-by";

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
    /// Who approved it (`exemption-approved-by`, `approved-by=`, `approved_by:`).
    pub approved_by: Option<Field>,
    /// What could not be read in how it is written (a comment directive's unknown key or
    /// unclosed quote): each makes it invalid.
    pub syntax: Vec<Problem>,
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
        let approved_by = field(APPROVED_BY).map(|x| x.1);
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
            approved_by,
            syntax: Vec::new(),
        })
    }

    /// Reads the exemption directives among a Dockerfile's comments, one per comment:
    ///
    /// ```dockerfile
    /// # kubegate:exempt rules=dockerfile-user expires=2027-01-31 issue=https://… reason="needs root for apt"
    /// ```
    ///
    /// Values are single words or double-quoted (`\"` and `\\` inside). Each covers the
    /// whole Dockerfile, as annotations cover their resource.
    pub fn from_directives(
        comments: &[kubegate_dockerfile::Comment],
        file: &Arc<str>,
        file_index: u32,
    ) -> Vec<Declared> {
        comments
            .iter()
            .filter_map(|c| {
                let rest = c.text.strip_prefix(DIRECTIVE)?;
                (rest.is_empty() || rest.starts_with(char::is_whitespace)).then_some(c)
            })
            .enumerate()
            .map(|(k, c)| directive(c, k, file, file_index))
            .collect()
    }

    /// The approver's field as it is written where this exemption is.
    pub fn approver_key(&self) -> &'static str {
        match self.origin {
            Origin::Annotations | Origin::Rego => APPROVED_BY,
            Origin::Config => "approved_by",
            Origin::Comment => "approved-by",
        }
    }

    /// `exemption` or `central exemption`, as messages call it.
    pub fn noun(&self) -> &'static str {
        match self.origin {
            Origin::Annotations => "exemption",
            Origin::Config => "central exemption",
            Origin::Comment => "exemption directive",
            Origin::Rego => "exception",
        }
    }

    pub(crate) fn fields(&self) -> [(&Option<Field>, &'static str); 4] {
        [
            (&self.reason, self.names[0]),
            (&self.expires, self.names[1]),
            (&self.issue, self.names[2]),
            (&self.rules, self.names[3]),
        ]
    }

    pub(crate) fn text(f: &Option<Field>) -> Option<&str> {
        f.as_ref().map(|f| f.text.as_str()).filter(|t| !t.trim().is_empty())
    }
}

/// What starts an exemption directive in a Dockerfile comment.
pub const DIRECTIVE: &str = "kubegate:exempt";

/// One directive (the `k`-th of its file) read into an exemption.
fn directive(c: &kubegate_dockerfile::Comment, k: usize, file: &Arc<str>, file_index: u32) -> Declared {
    const NAMES: [&str; 4] = ["reason", "expires", "issue", "rules"];
    let prefix = crate::Route::root().key("exemptions").index(k);
    let line = c.at.line;
    let span_of = |from: usize, to: usize| Span {
        start: kubegate_yaml::Pos { line, col: c.at.col + from as u32 },
        end: kubegate_yaml::Pos { line, col: c.at.col + to as u32 },
    };
    let chars: Vec<char> = c.text.chars().collect();
    let head = DIRECTIVE.chars().count();
    let mut d = Declared {
        origin: Origin::Comment,
        file: file.clone(),
        file_index,
        span: span_of(0, head),
        missing_at: span_of(0, head),
        path_prefix: prefix.clone(),
        names: NAMES,
        reason: None,
        expires: None,
        issue: None,
        rules: None,
        rule_ids: Vec::new(),
        approved_by: None,
        syntax: Vec::new(),
    };
    let mut i = head;
    while i < chars.len() {
        if chars[i].is_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && !chars[i].is_whitespace() && chars[i] != '=' {
            i += 1;
        }
        let key: String = chars[start..i].iter().collect();
        if i >= chars.len() || chars[i] != '=' {
            let text = format!("`{key}` is not key=value (keys: reason, expires, issue, rules, approved-by)");
            d.syntax.push(Problem { span: span_of(start, i), path: prefix.clone(), text });
            continue;
        }
        i += 1;
        let value_start = i;
        let mut value = String::new();
        let mut closed = true;
        if chars.get(i) == Some(&'"') {
            i += 1;
            closed = false;
            while i < chars.len() {
                match chars[i] {
                    '\\' if i + 1 < chars.len() => {
                        value.push(chars[i + 1]);
                        i += 2;
                    }
                    '"' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    ch => {
                        value.push(ch);
                        i += 1;
                    }
                }
            }
        } else {
            while i < chars.len() && !chars[i].is_whitespace() {
                value.push(chars[i]);
                i += 1;
            }
        }
        let span = span_of(value_start, i);
        if !closed {
            let text = format!("the value of {key} has no closing quote");
            d.syntax.push(Problem { span, path: prefix.clone().key(key.as_str()), text });
            continue;
        }
        let slot = match key.as_str() {
            "reason" => &mut d.reason,
            "expires" => &mut d.expires,
            "issue" => &mut d.issue,
            "rules" => &mut d.rules,
            "approved-by" => &mut d.approved_by,
            _ => {
                let text = format!("unknown key `{key}` (keys: reason, expires, issue, rules, approved-by)");
                d.syntax.push(Problem { span: span_of(start, value_start - 1), path: prefix.clone(), text });
                continue;
            }
        };
        if slot.is_some() {
            let text = format!("{key} is given twice");
            d.syntax.push(Problem {
                span: span_of(start, value_start - 1),
                path: prefix.clone().key(key.as_str()),
                text,
            });
            continue;
        }
        *slot = Some(Field { text: value, span, not_text: None });
    }
    d.rule_ids = d.rules.as_ref().map(|f| split_rules(&f.text)).unwrap_or_default();
    d
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
