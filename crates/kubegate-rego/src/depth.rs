//! How deeply a policy's expressions may nest, checked before regorus sees the policy.
//!
//! regorus parses, analyses and evaluates expressions by recursing on the native stack.
//! Its parser bounds parentheses (32 levels), but not a chain of unary minus signs
//! (`- - - … 1`, across lines) nor calls nested in calls (`abs(abs(…))`): both overflow the
//! stack while parsing. A chain of binary operators (`1 + 1 + … + 1`, one term a line) is
//! parsed in a loop into a tree as deep as the chain is long, which its later passes walk
//! recursively: that overflows too. An overflow aborts the process, for every input, so
//! both are refused when the policy loads, at the place they start:
//!
//! - in the text, a run of more than [`MAX_MINUS_RUN`] minus signs, or parentheses and
//!   calls nested more than [`MAX_PAREN_NESTING`] levels (what the parser would recurse
//!   on);
//! - in the parsed policy, an expression more than [`MAX_EXPRESSION_DEPTH`] levels deep
//!   (parsed on a thread with a stack deep enough for the parser's own recursive checks,
//!   and walked with a stack of our own, not the native one).

use regorus::unstable::{Expr, Literal, Module, Query, Rule, RuleHead};

/// The most minus signs in a row (separated by blanks only).
pub const MAX_MINUS_RUN: usize = 32;
/// How deeply parentheses (and the parentheses of calls) may nest.
pub const MAX_PAREN_NESTING: usize = 32;
/// How deeply a parsed expression may nest (a chain of binary operators counts one level
/// per operator).
pub const MAX_EXPRESSION_DEPTH: usize = 256;

/// The characters of a policy's text outside strings and comments, with their 1-based
/// line and column. The quotes and the `#` that open (and close) strings and comments are
/// included, so that they separate what stands around them; line breaks are not.
pub fn code_chars(text: &str) -> impl Iterator<Item = (u32, u32, char)> + '_ {
    let mut chars = text.chars();
    let (mut line, mut col) = (1u32, 0u32);
    // Inside a "…" string, a `…` raw string, or a # comment.
    let (mut quoted, mut raw, mut comment) = (false, false, false);
    std::iter::from_fn(move || {
        loop {
            let c = chars.next()?;
            col += 1;
            if c == '\n' {
                (line, col, comment) = (line + 1, 0, false);
                continue;
            }
            match c {
                _ if comment => {}
                // The escaped character is part of the string.
                '\\' if quoted => {
                    if chars.next().is_some() {
                        col += 1;
                    }
                }
                '"' if !raw => {
                    quoted = !quoted;
                    return Some((line, col, c));
                }
                '`' if !quoted => {
                    raw = !raw;
                    return Some((line, col, c));
                }
                _ if quoted || raw => {}
                '#' => {
                    comment = true;
                    return Some((line, col, c));
                }
                _ => return Some((line, col, c)),
            }
        }
    })
}

/// Where the text first nests parentheses or runs minus signs beyond the limits (1-based
/// line and column), with what it is; outside strings and comments.
pub fn deep_text(text: &str) -> Option<(u32, u32, String)> {
    let (mut parens, mut minus_run) = (0usize, 0usize);
    let mut run_start = (1u32, 1u32);
    for (line, col, c) in code_chars(text) {
        match c {
            // Blanks do not end a run of minus signs.
            ' ' | '\t' | '\r' => continue,
            '-' => {
                if minus_run == 0 {
                    run_start = (line, col);
                }
                minus_run += 1;
                if minus_run > MAX_MINUS_RUN {
                    let (l, c) = run_start;
                    return Some((
                        l,
                        c,
                        format!(
                            "more than {MAX_MINUS_RUN} minus signs in a row here (kubegate's limit: the Rego parser recurses once per sign, and a long run overflows its stack)"
                        ),
                    ));
                }
                continue;
            }
            '(' => {
                parens += 1;
                if parens > MAX_PAREN_NESTING {
                    return Some((
                        line,
                        col,
                        format!(
                            "parentheses and calls nest more than {MAX_PAREN_NESTING} levels deep here (kubegate's limit: the Rego parser recurses once per level, and deep nesting overflows its stack)"
                        ),
                    ));
                }
            }
            ')' => parens = parens.saturating_sub(1),
            _ => {}
        }
        minus_run = 0;
    }
    None
}

/// The stack of the thread that parses a policy to measure it: the parser checks (and
/// the tree is dropped) by recursing once per level, and regorus' size limits (1 MiB, a
/// chain of at most about 500,000 operators) keep that within it. Reserved, not used:
/// only the pages touched take memory.
const PARSE_STACK: usize = 1 << 30;

/// What measuring a policy found.
pub enum Measured {
    /// It parses, and no expression nests too deeply: regorus may be given it.
    Fine,
    /// An expression nests more than [`MAX_EXPRESSION_DEPTH`] levels deep, in the rule that
    /// starts at this line and column.
    TooDeep(u32, u32),
    /// It does not parse (or breaks regorus' size limits): regorus' own error. The policy
    /// must not be parsed again on an ordinary stack: the parser can recurse deeply on
    /// text it then refuses (the rego_policy fuzz target found runs of minus signs between
    /// names that overflowed an 8 MiB stack before the parse failed).
    Unparsed(anyhow::Error),
}

/// Parses the policy (as regorus will, with its size limits) on a thread with a stack
/// deep enough for any policy those limits allow, and finds an expression nested too
/// deeply ([`deep_expression`]).
pub fn measure(name: &str, text: &str, rego_v0: bool) -> Result<Measured, String> {
    let (name, text) = (name.to_string(), text.to_string());
    let measure = move || -> Measured {
        let parsed = (|| {
            let source = regorus::Source::from_contents(name, text)?;
            let mut parser = regorus::unstable::Parser::new(&source)?;
            if !rego_v0 {
                parser.enable_rego_v1()?;
            }
            parser.parse()
        })();
        match parsed {
            Ok(module) => match deep_expression(&module) {
                Some((line, col)) => Measured::TooDeep(line, col),
                None => Measured::Fine,
            },
            Err(e) => Measured::Unparsed(e),
        }
    };
    std::thread::Builder::new()
        .name("rego-depth".into())
        .stack_size(PARSE_STACK)
        .spawn(measure)
        .map_err(|e| format!("cannot measure how deeply the policy nests: {e}"))?
        .join()
        .map_err(|_| "the Rego parser failed while measuring how deeply the policy nests".to_string())
}

/// What the walk visits: an expression or a query, at a depth.
enum Node<'e> {
    Expr(&'e Expr, usize),
    Query(&'e Query, usize),
}

/// The first rule of `module` with an expression nested more than [`MAX_EXPRESSION_DEPTH`]
/// levels deep, as the line and column where the rule starts.
pub fn deep_expression(module: &Module) -> Option<(u32, u32)> {
    let mut stack: Vec<Node<'_>> = Vec::new();
    for rule in &module.policy {
        match rule.as_ref() {
            Rule::Spec { head, bodies, .. } => {
                match head {
                    RuleHead::Compr { refr, assign, .. } => {
                        stack.push(Node::Expr(refr, 1));
                        stack.extend(assign.iter().map(|a| Node::Expr(&a.value, 1)));
                    }
                    RuleHead::Set { refr, key, .. } => {
                        stack.push(Node::Expr(refr, 1));
                        stack.extend(key.iter().map(|k| Node::Expr(k, 1)));
                    }
                    RuleHead::Func { refr, args, assign, .. } => {
                        stack.push(Node::Expr(refr, 1));
                        stack.extend(args.iter().map(|a| Node::Expr(a, 1)));
                        stack.extend(assign.iter().map(|a| Node::Expr(&a.value, 1)));
                    }
                }
                for body in bodies {
                    stack.extend(body.assign.iter().map(|a| Node::Expr(&a.value, 1)));
                    stack.push(Node::Query(&body.query, 1));
                }
            }
            Rule::Default { refr, args, value, .. } => {
                stack.push(Node::Expr(refr, 1));
                stack.extend(args.iter().map(|a| Node::Expr(a, 1)));
                stack.push(Node::Expr(value, 1));
            }
        }
        while let Some(node) = stack.pop() {
            match node {
                Node::Expr(e, depth) => {
                    if depth > MAX_EXPRESSION_DEPTH {
                        let span = rule.span();
                        return Some((span.line, span.col));
                    }
                    push_children(e, depth + 1, &mut stack);
                }
                Node::Query(q, depth) => push_query(q, depth, &mut stack),
            }
        }
    }
    None
}

/// A query's expressions, at the depth of the query itself.
fn push_query<'e>(q: &'e Query, depth: usize, stack: &mut Vec<Node<'e>>) {
    for stmt in &q.stmts {
        match &stmt.literal {
            Literal::SomeVars { .. } => {}
            Literal::SomeIn { key, value, collection, .. } => {
                stack.extend(key.iter().map(|k| Node::Expr(k, depth)));
                stack.push(Node::Expr(value, depth));
                stack.push(Node::Expr(collection, depth));
            }
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => stack.push(Node::Expr(expr, depth)),
            Literal::Every { domain, query, .. } => {
                stack.push(Node::Expr(domain, depth));
                stack.push(Node::Query(query, depth));
            }
        }
        for m in &stmt.with_mods {
            stack.push(Node::Expr(&m.refr, depth));
            stack.push(Node::Expr(&m.r#as, depth));
        }
    }
}

/// An expression's direct parts (and the queries of comprehensions), at `depth`.
fn push_children<'e>(e: &'e Expr, depth: usize, stack: &mut Vec<Node<'e>>) {
    match e {
        Expr::Array { items, .. } | Expr::Set { items, .. } => stack.extend(items.iter().map(|i| Node::Expr(i, depth))),
        Expr::Object { fields, .. } => {
            for (_, k, v) in fields {
                stack.push(Node::Expr(k, depth));
                stack.push(Node::Expr(v, depth));
            }
        }
        Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
            stack.push(Node::Expr(term, depth));
            stack.push(Node::Query(query, depth));
        }
        Expr::ObjectCompr { key, value, query, .. } => {
            stack.push(Node::Expr(key, depth));
            stack.push(Node::Expr(value, depth));
            stack.push(Node::Query(query, depth));
        }
        Expr::Call { fcn, params, .. } => {
            stack.push(Node::Expr(fcn, depth));
            stack.extend(params.iter().map(|p| Node::Expr(p, depth)));
        }
        Expr::UnaryExpr { expr, .. } => stack.push(Node::Expr(expr, depth)),
        Expr::RefDot { refr, .. } => stack.push(Node::Expr(refr, depth)),
        Expr::RefBrack { refr, index, .. } => {
            stack.push(Node::Expr(refr, depth));
            stack.push(Node::Expr(index, depth));
        }
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => {
            stack.push(Node::Expr(lhs, depth));
            stack.push(Node::Expr(rhs, depth));
        }
        Expr::Membership { key, value, collection, .. } => {
            stack.extend(key.iter().map(|k| Node::Expr(k, depth)));
            stack.push(Node::Expr(value, depth));
            stack.push(Node::Expr(collection, depth));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::deep_text;

    #[test]
    fn minus_runs_and_parentheses_are_counted_outside_strings_and_comments() {
        let run = format!("package p\n\nx := {}1\n", "-\n".repeat(33));
        assert_eq!(deep_text(&run).map(|(l, c, _)| (l, c)), Some((3, 6)));
        assert_eq!(deep_text(&format!("package p\nx := {}1\n", "- ".repeat(32))), None);
        assert_eq!(deep_text(&format!("package p\nx := {}1\n", "- ".repeat(33))).map(|(l, c, _)| (l, c)), Some((2, 6)));
        // Binary minus between terms breaks the run.
        assert_eq!(deep_text(&format!("package p\nx := 1{}\n", " - 1".repeat(100))), None);
        let calls = format!("package p\nx := {}1{}\n", "abs(".repeat(33), ")".repeat(33));
        assert_eq!(deep_text(&calls).map(|(l, c, _)| (l, c)), Some((2, 5 + 4 * 33)));
        assert_eq!(deep_text(&format!("package p\nx := {}1{}\n", "(".repeat(32), ")".repeat(32))), None);
        let hidden =
            format!("package p\n# {}\nx := \"{}\"\ny := `{}`\n", "-".repeat(99), "(".repeat(99), "-".repeat(99));
        assert_eq!(deep_text(&hidden), None);
    }
}
