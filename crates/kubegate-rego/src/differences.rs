//! Where kubegate's verdict would still differ from OPA's, found when the policies load:
//! each is a warning at its place saying what OPA does instead (or, where OPA refuses the
//! policy, an error, as OPA's). `negation` has the `not` case; these are the others the
//! differential suite found and kubegate cannot close:
//!
//! - `walk(x)` with one argument (the iterating form): regorus turns every `walk` call into
//!   a loop binding the call's last argument, here `x` itself, so it yields nothing;
//!   `walk(x, [path, value])` is the same in both engines.
//! - arithmetic on a decimal literal (`x * 0.1`): OPA computes exactly, regorus in float64
//!   (`0.1 + 0.2` is `0.30000000000000004`), so an exact comparison can differ;
//! - a number literal written with an exponent (`2e2`, `1e21`, `1.0e6`): OPA keeps its
//!   text and `sprintf` prints that text or Go's float form (`1e+06`), regorus prints the
//!   value (`200`, `1000000`).
//! - a constant object indexed by a key it does not have (`{"a": 1}["b"]`): OPA's type
//!   checker refuses the policy; kubegate refuses it too (regorus made it undefined).

use crate::recursion::{Seen, walk_rule};
use kubegate_engine::InputError;
use regorus::Engine;
use regorus::unstable::{ArithOp, Expr, Rule, Span};

/// Warnings (constructs whose verdict may differ) and errors (constructs OPA refuses), in
/// load order.
pub(crate) fn check(engine: &mut Engine) -> (Vec<InputError>, Vec<InputError>) {
    let (mut warnings, mut errors) = (Vec::new(), Vec::new());
    for module in engine.get_modules().iter() {
        for rule in &module.policy {
            let Rule::Spec { head, bodies, .. } = rule.as_ref() else { continue };
            walk_rule(head, bodies, &mut |seen| {
                let Seen::Expr(e) = seen else { return };
                expression(e, &mut warnings, &mut errors);
            });
        }
    }
    (warnings, errors)
}

fn at(span: &Span, message: String) -> InputError {
    let file = span.source.get_path();
    InputError::new(file.as_str(), span.line, crate::rewrite::original_column(file, span.line, span.col), message)
}

fn expression(e: &Expr, warnings: &mut Vec<InputError>, errors: &mut Vec<InputError>) {
    match e {
        Expr::Call { fcn, params, .. }
            if params.len() == 1 && regorus::utils::get_path_string(fcn, None).is_ok_and(|n| n == "walk") =>
        {
            warnings.push(at(
                fcn.span(),
                "`walk(x)` with one argument yields nothing in kubegate, where OPA (and Conftest) yields every \
                 [path, value] of x; write `walk(x, [path, value])`, which both read alike"
                    .into(),
            ));
        }
        Expr::ArithExpr { op, lhs, rhs, .. } if [lhs, rhs].iter().any(|x| is_decimal(x)) => {
            let op = match op {
                ArithOp::Add => "+",
                ArithOp::Sub => "-",
                ArithOp::Mul => "*",
                ArithOp::Div => "/",
                ArithOp::Mod => "%",
            };
            warnings.push(at(
                leftmost(lhs),
                format!(
                    "arithmetic (`{op}`) on a decimal number is float64 in kubegate and exact in OPA (and Conftest): \
                     0.1 + 0.2 is 0.30000000000000004 here, 0.3 there, so an exact comparison can differ; compare \
                     with a margin, or scale to whole numbers (millicores, bytes)"
                ),
            ));
        }
        Expr::Number { span, .. } if span.text().contains(['e', 'E']) => warnings.push(at(
            span,
            format!(
                "the number `{}` is printed as its value in kubegate and from its text in OPA (and Conftest), \
                 so sprintf gives other text; write it without an exponent",
                span.text()
            ),
        )),
        Expr::RefBrack { span, refr, index, .. } => {
            if let (Expr::Object { fields, .. }, Expr::String { value, .. }) = (refr.as_ref(), index.as_ref())
                && !fields.iter().any(|(_, k, _)| matches!(k.as_ref(), Expr::String { value: key, .. } | Expr::RawString { value: key, .. } if key == value))
                && fields.iter().all(|(_, k, _)| matches!(k.as_ref(), Expr::String { .. } | Expr::RawString { .. }))
            {
                errors.push(at(
                    span,
                    format!(
                        "the object has no key {value}, so this is never defined; OPA (and Conftest) refuse the \
                         policy (rego_type_error: undefined ref)"
                    ),
                ));
            }
        }
        _ => {}
    }
}

/// Where an expression starts as written (regorus' span of a reference or an operation
/// starts at its last part or its operator).
fn leftmost(e: &Expr) -> &Span {
    match e {
        Expr::RefDot { refr, .. } | Expr::RefBrack { refr, .. } => leftmost(refr),
        Expr::ArithExpr { lhs, .. } | Expr::BinExpr { lhs, .. } | Expr::BoolExpr { lhs, .. } => leftmost(lhs),
        _ => e.span(),
    }
}

/// A number literal written with a fraction that is not zero: `0.1`, `2.50`.
fn is_decimal(e: &Expr) -> bool {
    let Expr::Number { span, .. } = e else { return false };
    let text = span.text();
    let mantissa = text.split(['e', 'E']).next().unwrap_or(text);
    mantissa.split_once('.').is_some_and(|(_, frac)| frac.bytes().any(|b| b != b'0'))
}
