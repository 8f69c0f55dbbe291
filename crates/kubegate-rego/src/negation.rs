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
                span.col,
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
