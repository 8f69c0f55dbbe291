//! Conftest's semantics, applied to the values of one evaluation.
//!
//! For each namespace and each of its `deny`/`violation`/`warn` rules (Conftest queries
//! each rule once, whatever the number of its definitions):
//! - **exceptions**: every match of `data.<ns>.exception[_][_] == "<name>"`, where
//!   `<name>` is the rule's name without its `deny_`, `violation_` or `warn_` prefix, is one
//!   exception. When there is one, the rule's results are not failures, warnings or passed
//!   tests (kubegate still shows them, as excepted findings);
//! - **results**: a rule whose value is a non-empty set or array yields one result per
//!   string element, or per object element (its `msg`, which must be a string); a value
//!   that is empty, or not a set or array, is one passed test; an undefined rule yields
//!   nothing. A result whose message is empty counts as passed;
//! - **passed**: when the namespace yields fewer results than it has rule definitions,
//!   the difference counts as passed tests (two `deny` bodies without results: 2 passed).

use crate::{Namespace, RuleInfo};
use kubegate_engine::exemptions::{Exemption, Origin, State};
use kubegate_engine::policy::{PolicyResult, Verdict};
use kubegate_engine::{InputError, Level};
use regorus::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// `deny` or `violation`, optionally followed by `_suffix` parts (`[a-zA-Z0-9]+` each).
pub fn is_failure(name: &str) -> bool {
    ["deny", "violation"].iter().any(|p| name.strip_prefix(p).is_some_and(suffix_ok))
}

/// `warn`, optionally followed by `_suffix` parts.
pub fn is_warning(name: &str) -> bool {
    name.strip_prefix("warn").is_some_and(suffix_ok)
}

fn suffix_ok(rest: &str) -> bool {
    rest.is_empty()
        || rest
            .strip_prefix('_')
            .is_some_and(|r| r.split('_').all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric())))
}

/// The name an `exception` rule lists to except a rule: `deny_replicas` → `replicas`
/// (`deny` itself stays `deny`).
pub fn exception_name(rule: &str) -> &str {
    let mut name = rule;
    for p in ["violation_", "deny_", "warn_"] {
        name = name.strip_prefix(p).unwrap_or(name);
    }
    name
}

/// The elements of a set, array or object (its values), in a stable order.
fn elements(v: &Value) -> Vec<&Value> {
    match v {
        Value::Set(s) => s.iter_sorted().collect(),
        Value::Array(a) => a.iter().collect(),
        Value::Object(o) => o.iter_sorted().map(|(_, v)| v).collect(),
        _ => Vec::new(),
    }
}

/// Builds the verdict from the entrypoint's value: `[v0, v1, …, rest]`, `vi` the value of
/// the rule `slots[i]`, and `rest` a set of `[namespace, rule, value]`.
pub fn verdict(namespaces: &[Namespace], slots: &[(String, String)], value: &Value) -> Result<Verdict, InputError> {
    let mut values: HashMap<(&str, &str), &Value> = HashMap::new();
    let all = match value {
        Value::Array(a) => a.as_slice(),
        _ => &[],
    };
    for ((ns, rule), v) in slots.iter().zip(all) {
        values.insert((ns, rule), v);
    }
    let rest = all.get(slots.len()).unwrap_or(&Value::Undefined);
    for triple in elements(rest) {
        if let Value::Array(a) = triple
            && let (Some(Value::String(ns)), Some(Value::String(rule)), Some(v)) = (a.get(0), a.get(1), a.get(2))
        {
            values.insert((ns, rule), v);
        }
    }
    let mut verdict = Verdict::default();
    for ns in namespaces {
        let exception = values.get(&(ns.name.as_str(), "exception")).copied();
        let (mut results, mut definitions) = (0, 0);
        for rule in &ns.rules {
            definitions += rule.definitions;
            let excepted = exception.map(|e| matches(e, exception_name(&rule.name))).unwrap_or(0);
            let grant = (excepted > 0).then(|| grant(ns, rule));
            verdict.exceptions += excepted;
            results += excepted;
            let Some(value) = values.get(&(ns.name.as_str(), rule.name.as_str())) else { continue };
            let items = match value {
                Value::Set(_) | Value::Array(_) => elements(value),
                _ => Vec::new(),
            };
            if items.is_empty() {
                if grant.is_none() {
                    verdict.passed += 1;
                    results += 1;
                }
                continue;
            }
            for item in items {
                let message = match item {
                    Value::String(s) => s.to_string(),
                    Value::Object(o) => match o.get(&Value::from("msg")) {
                        Some(Value::String(m)) => m.to_string(),
                        Some(_) => return Err(bad_result(ns, rule, "its `msg` field must be a string", item)),
                        None => return Err(bad_result(ns, rule, "an object result must have a `msg` field", item)),
                    },
                    // Conftest ignores results of other types.
                    _ => continue,
                };
                if let Some(g) = &grant {
                    // Conftest hides the results of an excepted rule; kubegate shows them,
                    // excepted (the exception itself is what is counted).
                    if !message.is_empty() {
                        verdict.results.push(result(ns, rule, message, Some(g.clone())));
                    }
                    continue;
                }
                results += 1;
                if message.is_empty() {
                    verdict.passed += 1;
                } else {
                    verdict.results.push(result(ns, rule, message, None));
                }
            }
        }
        if results < definitions {
            verdict.passed += definitions - results;
        }
    }
    Ok(verdict)
}

fn result(ns: &Namespace, rule: &RuleInfo, message: String, exception: Option<Arc<Exemption>>) -> PolicyResult {
    PolicyResult {
        rule: format!("{}.{}", ns.name, rule.name),
        level: if rule.failure { Level::Deny } else { Level::Warn },
        message,
        exception,
    }
}

/// How many `exception[_][_]` equal `name`.
fn matches(exception: &Value, name: &str) -> usize {
    let name = Value::from(name);
    elements(exception).into_iter().map(|inner| elements(inner).into_iter().filter(|v| **v == name).count()).sum()
}

/// What an excepted result carries: the exception rule that lists it, and where.
fn grant(ns: &Namespace, rule: &RuleInfo) -> Arc<Exemption> {
    let (file, line) = ns.exception.clone().unwrap_or_else(|| (rule.file.clone(), rule.line));
    Arc::new(Exemption {
        reason: format!("{}.exception lists '{}'", ns.name, exception_name(&rule.name)),
        expires: None,
        issue: None,
        days_left: None,
        state: State::Active,
        source: Origin::Rego,
        file,
        line,
    })
}

fn bad_result(ns: &Namespace, rule: &RuleInfo, why: &str, item: &Value) -> InputError {
    let shown = item.to_json_str().map(|s| s.split_whitespace().collect::<Vec<_>>().join(" ")).unwrap_or_default();
    InputError::new(&*rule.file, rule.line, 1, format!("rule {}.{} returned {shown}: {why}", ns.name, rule.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conftest_rule_names() {
        for ok in ["deny", "violation", "warn", "deny_replicas", "warn_x_1", "violation_A9_b"] {
            assert!(is_failure(ok) || is_warning(ok), "{ok}");
        }
        assert!(is_failure("violation_x") && !is_warning("violation_x"));
        assert!(is_warning("warn_x") && !is_failure("warn_x"));
        for no in ["denyx", "deny_", "deny__x", "deny_x-y", "warning", "exception", "test_deny", "Deny"] {
            assert!(!is_failure(no) && !is_warning(no), "{no}");
        }
    }

    #[test]
    fn exception_names_drop_the_prefix() {
        assert_eq!(exception_name("deny_replicas"), "replicas");
        assert_eq!(exception_name("violation_x"), "x");
        assert_eq!(exception_name("warn_latest_tag"), "latest_tag");
        assert_eq!(exception_name("deny"), "deny");
    }
}
