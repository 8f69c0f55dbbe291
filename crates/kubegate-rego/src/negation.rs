//! A divergence from OPA that kubegate cannot close, found when the policies load and
//! reported as a warning: a `not` over a call, comparison or membership test that reads a
//! reference (`not startswith(input.x.name, "a")`, `not c.resources.limits.cpu != null`).
//! OPA moves the reference out of the negation first, so when the referenced field is
//! missing the whole body is undefined and the rule does not fire; regorus evaluates the
//! negation of an undefined expression as true, so the rule fires. Reading a field that may
//! be missing with `object.get(…, default)`, or negating the reference alone
//! (`not input.x.name`), gives both engines the same answer.

use crate::recursion::{Seen, walk_expr};
use kubegate_engine::InputError;
use regorus::Engine;
use regorus::unstable::{Expr, Literal, Query, Rule, RuleHead};

/// One warning per such `not`, at its line, in load order.
pub(crate) fn warnings(engine: &mut Engine) -> Vec<InputError> {
    let mut out = Vec::new();
    for module in engine.get_modules().iter() {
        for rule in &module.policy {
            let Rule::Spec { head, bodies, .. } = rule.as_ref() else { continue };
            // Unit tests (`test_…`) run under `with`: their bodies are the test's business.
            if let RuleHead::Compr { refr, .. } = head
                && regorus::utils::get_path_string(refr, None).is_ok_and(|n| n.starts_with("test_"))
            {
                continue;
            }
            for body in bodies {
                query(&body.query, &mut out);
            }
        }
    }
    out
}

fn query(q: &Query, out: &mut Vec<InputError>) {
    for stmt in &q.stmts {
        match &stmt.literal {
            Literal::NotExpr { span, expr } if diverges(expr) => out.push(InputError::new(
                span.source.get_path().as_str(),
                span.line,
                crate::rewrite::original_column(span.source.get_path(), span.line, span.col),
                format!(
                    "`not {}` reads a reference inside a call or comparison: when the field is missing, OPA (and so Conftest) leaves the rule undefined, where kubegate fires it; read the field with object.get(…, default) so both agree",
                    span.text().trim_start_matches("not").trim()
                ),
            )),
            Literal::Every { query: inner, .. } => query(inner, out),
            _ => {}
        }
    }
}

/// Whether a negated expression holds an operation over a reference (a function's own
/// name, `strings.any_prefix_match`, is not a reference to data).
fn diverges(e: &Expr) -> bool {
    let mut names: Vec<*const Expr> = Vec::new();
    walk_expr(e, &mut |seen| {
        if let Seen::Expr(Expr::Call { fcn, .. }) = seen {
            walk_expr(fcn, &mut |inner| {
                if let Seen::Expr(x) = inner {
                    names.push(x as *const Expr);
                }
            });
        }
    });
    let (mut operation, mut reference) = (false, false);
    walk_expr(e, &mut |seen| {
        let Seen::Expr(x) = seen else { return };
        match x {
            Expr::Call { .. } | Expr::BinExpr { .. } | Expr::Membership { .. } | Expr::ArithExpr { .. } => {
                operation = true
            }
            Expr::RefDot { .. } | Expr::RefBrack { .. }
                if !names.contains(&(x as *const Expr)) && !always_defined(x) =>
            {
                reference = true
            }
            _ => {}
        }
    });
    operation && reference
}

/// `input.kind` and `input.apiVersion`: every document kubegate evaluates has both (one
/// without is an input error), so reading them never leaves a rule undefined.
fn always_defined(e: &Expr) -> bool {
    regorus::utils::get_path_string(e, None).is_ok_and(|p| p == "input.kind" || p == "input.apiVersion")
}

/// A wildcard (`_`) inside a negation (`not startswith(x, prefixes[_])`): OPA refuses the
/// policy (`rego_unsafe_var_error`: a variable of a negated expression must be bound
/// outside it, and a wildcard never is); regorus evaluated it. kubegate refuses it too,
/// with an error at the wildcard (`some p in prefixes; not startswith(x, p)`, or a helper
/// rule, says what was meant).
pub(crate) fn unsafe_wildcards(engine: &mut Engine) -> Vec<InputError> {
    let mut out = Vec::new();
    for module in engine.get_modules().iter() {
        for rule in &module.policy {
            let Rule::Spec { head, bodies, .. } = rule.as_ref() else { continue };
            if let RuleHead::Compr { assign: Some(a), .. } | RuleHead::Func { assign: Some(a), .. } = head {
                wildcards(&a.value, false, &mut out);
            }
            for body in bodies {
                if let Some(a) = &body.assign {
                    wildcards(&a.value, false, &mut out);
                }
                negations(&body.query, &mut out);
            }
        }
    }
    out
}

fn negations(q: &Query, out: &mut Vec<InputError>) {
    for stmt in &q.stmts {
        match &stmt.literal {
            Literal::NotExpr { expr, .. } => wildcards(expr, true, out),
            Literal::Expr { expr, .. } => wildcards(expr, false, out),
            Literal::SomeIn { key, value, collection, .. } => {
                for e in key.iter().chain([value, collection]) {
                    wildcards(e, false, out);
                }
            }
            Literal::Every { domain, query, .. } => {
                wildcards(domain, false, out);
                negations(query, out);
            }
            Literal::SomeVars { .. } => {}
        }
    }
}

/// Wildcards of a negated expression (`negated`), outside the comprehensions in it (a
/// comprehension is a query of its own), and the negations inside those comprehensions.
fn wildcards(e: &Expr, negated: bool, out: &mut Vec<InputError>) {
    let mut go = |e: &Expr| wildcards(e, negated, out);
    match e {
        Expr::Var { span, .. } if negated && span.text() == "_" => out.push(InputError::new(
            span.source.get_path().as_str(),
            span.line,
            crate::rewrite::original_column(span.source.get_path(), span.line, span.col),
            "var _ is unsafe: a wildcard inside `not` is never bound, so OPA (and Conftest) refuse the policy; \
             bind it first (`some p in prefixes` then `not startswith(x, p)`) or move the test into a helper rule",
        )),
        Expr::Array { items, .. } | Expr::Set { items, .. } => items.iter().for_each(|i| go(i)),
        Expr::Object { fields, .. } => {
            for (_, k, v) in fields {
                go(k);
                go(v);
            }
        }
        Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
            wildcards(term, false, out);
            negations(query, out);
        }
        Expr::ObjectCompr { key, value, query, .. } => {
            wildcards(key, false, out);
            wildcards(value, false, out);
            negations(query, out);
        }
        Expr::Call { params, .. } => params.iter().for_each(|p| go(p)),
        Expr::UnaryExpr { expr, .. } => go(expr),
        Expr::RefDot { refr, .. } => go(refr),
        Expr::RefBrack { refr, index, .. } => {
            go(refr);
            go(index);
        }
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => {
            go(lhs);
            go(rhs);
        }
        Expr::Membership { key, value, collection, .. } => {
            for e in key.iter().chain([value, collection]) {
                go(e);
            }
        }
        _ => {}
    }
}
