//! Regular expressions as Go's RE2 reads them. OPA's `regex.*` builtins are Go's regexp,
//! where `\d`, `\w`, `\s` and `\b` are ASCII (`\d` is `[0-9]`); the regex crate under
//! regorus makes them Unicode (`\d` matches `٣`). A pattern is rewritten before it is
//! compiled: each of these escapes becomes its ASCII class, inside a character class too.

use regorus::Value;
use std::borrow::Cow;

/// The regex builtins and which argument is the pattern.
pub(crate) const PATTERN_ARGUMENT: [(&str, usize); 6] = [
    ("regex.match", 0),
    ("regex.is_valid", 0),
    ("regex.split", 0),
    ("regex.find_n", 0),
    ("regex.find_all_string_submatch_n", 0),
    ("regex.replace", 1),
];

/// The arguments of a call of `name` with its pattern read as Go reads it (unchanged for
/// other builtins).
pub(crate) fn arguments<'a>(name: &str, args: &'a [Value]) -> Cow<'a, [Value]> {
    let Some(&(_, i)) = PATTERN_ARGUMENT.iter().find(|(n, _)| *n == name) else { return Cow::Borrowed(args) };
    match args.get(i) {
        Some(Value::String(p)) => match go_pattern(p) {
            Cow::Borrowed(_) => Cow::Borrowed(args),
            Cow::Owned(p) => {
                let mut owned = args.to_vec();
                owned[i] = Value::from(p);
                Cow::Owned(owned)
            }
        },
        _ => Cow::Borrowed(args),
    }
}

/// The pattern with Go's ASCII meaning of `\d \D \w \W \s \S \b \B` spelled out.
pub(crate) fn go_pattern(p: &str) -> Cow<'_, str> {
    if !p.contains('\\') {
        return Cow::Borrowed(p);
    }
    let mut out = String::with_capacity(p.len() + 16);
    let mut chars = p.chars().peekable();
    // Inside `[…]`: how deep (POSIX `[:alpha:]` and nested classes open more).
    let mut class = 0usize;
    let mut changed = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(e) = chars.next() else {
                    out.push('\\');
                    break;
                };
                let ascii = match (e, class > 0) {
                    ('d', false) => Some("[0-9]"),
                    ('D', false) => Some("[^0-9]"),
                    ('w', false) => Some("[0-9A-Za-z_]"),
                    ('W', false) => Some("[^0-9A-Za-z_]"),
                    ('s', false) => Some(r"[\t\n\f\r ]"),
                    ('S', false) => Some(r"[^\t\n\f\r ]"),
                    ('b', false) => Some(r"(?-u:\b)"),
                    ('B', false) => Some(r"(?-u:\B)"),
                    ('d', true) => Some("0-9"),
                    ('w', true) => Some("0-9A-Za-z_"),
                    ('s', true) => Some(r"\t\n\f\r "),
                    // A negated class inside a class: a nested class.
                    ('D', true) => Some("[^0-9]"),
                    ('W', true) => Some("[^0-9A-Za-z_]"),
                    ('S', true) => Some(r"[^\t\n\f\r ]"),
                    _ => None,
                };
                match ascii {
                    Some(a) => {
                        out.push_str(a);
                        changed = true;
                    }
                    None => {
                        out.push('\\');
                        out.push(e);
                    }
                }
            }
            '[' => {
                out.push(c);
                if class > 0 && chars.peek() == Some(&':') {
                    // `[:alpha:]`: copied whole.
                    for d in chars.by_ref() {
                        out.push(d);
                        if d == ']' {
                            break;
                        }
                    }
                    continue;
                }
                class += 1;
                // A `]` first (after `^`) is a literal.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push(']');
                    chars.next();
                }
            }
            ']' if class > 0 => {
                class -= 1;
                out.push(c);
            }
            c => out.push(c),
        }
    }
    if changed { Cow::Owned(out) } else { Cow::Borrowed(p) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perl_classes_become_ascii_classes_outside_and_inside_brackets() {
        assert_eq!(go_pattern(r"^\d+\s\w+$"), r"^[0-9]+[\t\n\f\r ][0-9A-Za-z_]+$");
        assert_eq!(go_pattern(r"[\d.]+"), r"[0-9.]+");
        assert_eq!(go_pattern(r"[^\w-]"), r"[^0-9A-Za-z_-]");
        assert_eq!(go_pattern(r"[\D]"), r"[[^0-9]]");
        assert_eq!(go_pattern(r"\bx\B"), r"(?-u:\b)x(?-u:\B)");
        assert_eq!(go_pattern(r"[]\d]"), r"[]0-9]");
        assert_eq!(go_pattern(r"[[:alpha:]\d]"), r"[[:alpha:]0-9]");
        // Other escapes stay.
        assert_eq!(go_pattern(r"\.\pL\\d"), r"\.\pL\\d");
        assert!(matches!(go_pattern("^abc$"), Cow::Borrowed(_)));
        for p in [r"^\d+\s\w+$", r"[\d.]+", r"[^\w-]", r"[\D]", r"\bx\B", r"[]\d]", r"[[:alpha:]\d]"] {
            assert!(regex::Regex::new(&go_pattern(p)).is_ok(), "{p}");
        }
    }
}
