//! How deeply rules and functions evaluate through one another, bounded when the
//! policies load.
//!
//! regorus evaluates a rule a body refers to (and a function a body calls) when it meets
//! the reference, by recursing on the native stack: a chain of rules `a := b`, `b := c`, …
//! costs a few KiB of stack per rule, a call nested in a call about as much again. A few
//! hundred rules in a row, or fewer rules each with calls nested inside calls, overflow a
//! thread's stack, and the process aborts for every input, long before the execution timer
//! fires. [`crate::depth`] bounds one expression and [`crate::recursion`] refuses
//! recursion; this bounds the chain: each rule (or function) weighs one level plus how
//! deeply calls and comprehensions nest inside it, and no chain of references may weigh
//! more than [`MAX_CHAIN_DEPTH`].

use crate::recursion::{Seen, imports, resolve, walk_rule};
use kubegate_engine::InputError;
use regorus::Engine;
use regorus::unstable::{Expr, Literal, Query, Rule, RuleBody, RuleHead};
use regorus::utils::get_path_string;
use std::collections::HashMap;

/// The most a chain of rules and functions may weigh: a rule or function weighs 1, plus
/// the deepest nesting of calls and comprehensions in it. Real policies weigh a few tens;
/// 128 levels of the costliest kind take well under the 2 MiB of stack a worker thread has.
pub const MAX_CHAIN_DEPTH: usize = 128;

/// A rule or function (all its definitions): where it is first defined, what it weighs,
/// and the rules and functions it refers to.
struct Node {
    name: String,
    file: String,
    line: u32,
    weight: usize,
    refers: Vec<String>,
}

/// The rule or function that starts the heaviest chain over [`MAX_CHAIN_DEPTH`], as one
/// error at its first definition (the rules of that chain would each say the same).
pub(crate) fn check(engine: &mut Engine) -> Vec<InputError> {
    let mut nodes: Vec<Node> = Vec::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();
    for module in engine.get_modules().iter() {
        let Ok(pkg) = get_path_string(&module.package.refr, None) else { continue };
        let imports = imports(module);
        let path_of = |e: &Expr| get_path_string(e, None).ok().map(|p| resolve(&p, &pkg, &imports));
        for rule in &module.policy {
            let Rule::Spec { head, bodies, span } = rule.as_ref() else { continue };
            let refr = match head {
                RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } | RuleHead::Func { refr, .. } => refr,
            };
            let Ok(name) = get_path_string(refr, None) else { continue };
            let mut refers = Vec::new();
            walk_rule(head, bodies, &mut |seen| match seen {
                Seen::Expr(Expr::Call { fcn, .. }) => refers.extend(path_of(fcn)),
                Seen::Expr(e @ (Expr::Var { .. } | Expr::RefDot { .. } | Expr::RefBrack { .. })) => {
                    refers.extend(path_of(e))
                }
                Seen::Expr(_) => {}
                Seen::With(_, with) => refers.extend(path_of(with)),
            });
            let weight = 1 + rule_nesting(head, bodies);
            let path = format!("data.{pkg}.{name}");
            match by_path.get(&path) {
                Some(&i) => {
                    nodes[i].refers.append(&mut refers);
                    nodes[i].weight = nodes[i].weight.max(weight);
                }
                None => {
                    by_path.insert(path, nodes.len());
                    nodes.push(Node {
                        name: format!("{pkg}.{name}"),
                        file: span.source.get_path().to_string(),
                        line: span.line,
                        weight,
                        refers,
                    });
                }
            }
        }
    }
    // A reference reaches the rule its path, or the longest prefix of it, names
    // (`a.b.x` where `a.b` is a rule: the rule, then a field of its value).
    let edges: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            let mut to: Vec<usize> = n
                .refers
                .iter()
                .filter_map(|p| {
                    let mut p = p.as_str();
                    loop {
                        if let Some(&i) = by_path.get(p) {
                            return Some(i);
                        }
                        p = &p[..p.rfind('.')?];
                    }
                })
                .collect();
            to.sort_unstable();
            to.dedup();
            to
        })
        .collect();
    let depth = chain_depths(&nodes, &edges);
    let Some(start) =
        (0..nodes.len()).filter(|&i| depth[i] > MAX_CHAIN_DEPTH).max_by_key(|&i| (depth[i], usize::MAX - i))
    else {
        return Vec::new();
    };
    // The chain itself: from the start, the heaviest next step each time.
    let mut chain = vec![start];
    let mut on_chain = vec![false; nodes.len()];
    on_chain[start] = true;
    while let Some(&next) = edges[*chain.last().unwrap_or(&start)]
        .iter()
        .filter(|&&to| !on_chain[to])
        .max_by_key(|&&to| (depth[to], usize::MAX - to))
    {
        on_chain[next] = true;
        chain.push(next);
    }
    let names: Vec<&str> = chain.iter().map(|&i| nodes[i].name.as_str()).collect();
    let shown = if names.len() > 5 {
        format!("{} → … → {}", names[..3].join(" → "), names[names.len() - 1])
    } else {
        names.join(" → ")
    };
    let n = &nodes[start];
    vec![InputError::new(
        &n.file,
        n.line,
        1,
        format!(
            "{} evaluates through a chain of {} rules and functions ({shown}) that weighs {} levels, more than {MAX_CHAIN_DEPTH} (kubegate's limit: Rego's evaluator recurses into every rule and call it meets, and a long chain overflows its stack); each rule or function is one level, plus how deeply calls and comprehensions nest in it",
            n.name,
            chain.len(),
            depth[start]
        ),
    )]
}

/// The weight of the heaviest chain from each node: its own weight plus the heaviest of
/// the nodes it refers to. Without recursing (the graph can be as long as the policies):
/// a depth-first walk with a stack of our own; an edge back into the walk's own path (a
/// cycle, which regorus refuses when it evaluates) adds nothing.
fn chain_depths(nodes: &[Node], edges: &[Vec<usize>]) -> Vec<usize> {
    const NEW: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; nodes.len()];
    let mut depth = vec![0usize; nodes.len()];
    for root in 0..nodes.len() {
        if state[root] != NEW {
            continue;
        }
        // (node, index of the next edge to follow)
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = OPEN;
        while let Some(&mut (at, ref mut next)) = stack.last_mut() {
            if let Some(&to) = edges[at].get(*next) {
                *next += 1;
                if state[to] == NEW {
                    state[to] = OPEN;
                    stack.push((to, 0));
                }
                continue;
            }
            let heaviest = edges[at].iter().filter(|&&to| state[to] == DONE).map(|&to| depth[to]).max().unwrap_or(0);
            depth[at] = nodes[at].weight.saturating_add(heaviest);
            state[at] = DONE;
            stack.pop();
        }
    }
    depth
}

/// How deeply calls and comprehensions nest in a rule's head and bodies.
fn rule_nesting(head: &RuleHead, bodies: &[RuleBody]) -> usize {
    let mut deepest = match head {
        RuleHead::Compr { assign: Some(a), .. } | RuleHead::Func { assign: Some(a), .. } => nesting(&a.value),
        RuleHead::Set { key: Some(k), .. } => nesting(k),
        _ => 0,
    };
    for body in bodies {
        if let Some(a) = &body.assign {
            deepest = deepest.max(nesting(&a.value));
        }
        deepest = deepest.max(query_nesting(&body.query));
    }
    deepest
}

fn query_nesting(q: &Query) -> usize {
    let mut deepest = 0;
    for stmt in &q.stmts {
        let here = match &stmt.literal {
            Literal::SomeVars { .. } => 0,
            Literal::SomeIn { key, value, collection, .. } => {
                key.as_ref().map_or(0, |k| nesting(k)).max(nesting(value)).max(nesting(collection))
            }
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => nesting(expr),
            Literal::Every { domain, query, .. } => nesting(domain).max(1 + query_nesting(query)),
        };
        let with = stmt.with_mods.iter().map(|m| nesting(&m.refr).max(nesting(&m.r#as))).max().unwrap_or(0);
        deepest = deepest.max(here).max(with);
    }
    deepest
}

/// How deeply calls and comprehensions nest in `e` (each one level). The parser and
/// [`crate::depth`] bound how deeply expressions nest, so this recursion is bounded too.
fn nesting(e: &Expr) -> usize {
    match e {
        Expr::Array { items, .. } | Expr::Set { items, .. } => items.iter().map(|i| nesting(i)).max().unwrap_or(0),
        Expr::Object { fields, .. } => fields.iter().map(|(_, k, v)| nesting(k).max(nesting(v))).max().unwrap_or(0),
        Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
            1 + nesting(term).max(query_nesting(query))
        }
        Expr::ObjectCompr { key, value, query, .. } => 1 + nesting(key).max(nesting(value)).max(query_nesting(query)),
        Expr::Call { fcn, params, .. } => 1 + params.iter().map(|p| nesting(p)).max().unwrap_or(0).max(nesting(fcn)),
        Expr::UnaryExpr { expr, .. } => nesting(expr),
        Expr::RefDot { refr, .. } => nesting(refr),
        Expr::RefBrack { refr, index, .. } => nesting(refr).max(nesting(index)),
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => nesting(lhs).max(nesting(rhs)),
        Expr::Membership { key, value, collection, .. } => {
            key.as_ref().map_or(0, |k| nesting(k)).max(nesting(value)).max(nesting(collection))
        }
        _ => 0,
    }
}
