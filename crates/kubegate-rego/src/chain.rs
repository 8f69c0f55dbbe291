//! How deeply rules and functions evaluate through one another, bounded when the
//! policies load.
//!
//! regorus evaluates a rule a body refers to (and a function a body calls) when it meets
//! the reference, by recursing on the native stack: a chain of rules `a := b`, `b := c`, …
//! costs a few KiB of stack per rule, a call nested in a call about as much again. A few
//! hundred rules in a row, or fewer rules each with calls nested inside calls, overflow a
//! thread's stack, and the process aborts for every input, long before the execution timer
//! fires. [`crate::depth`] bounds one expression and [`crate::recursion`] refuses
//! recursion; this bounds the chain. A chain weighs what its rules and functions weigh,
//! each [`RULE`] units plus, along its deepest expression, [`CALL`] units a call or
//! comprehension and [`LEVEL`] units any other level of nesting (an operator, a
//! reference, a collection): about 4, 2 and 0.5 KiB of stack in a release build, that is
//! a quarter of a KiB a unit. No chain may weigh more than [`MAX_CHAIN_WEIGHT`].
//!
//! A reference to a package as a whole (`data.lib`, or `data.main[name]` with a name known
//! only while evaluating) reaches every rule in it. Rules that read their own package that
//! way can reach one another in any order (regorus refuses a rule only when it meets it
//! again), so together they bound a chain too: what they weigh, added up.

use crate::recursion::{Seen, imports, resolve, walk_rule};
use kubegate_engine::InputError;
use regorus::Engine;
use regorus::unstable::{Expr, Literal, Query, Rule, RuleBody, RuleHead};
use regorus::utils::get_path_string;
use std::collections::HashMap;

/// The stack a thread that evaluates policies should have: far more than the heaviest
/// chain allowed takes (under 512 KiB in a release build, a few MiB in a debug build),
/// and than what static analysis cannot weigh (a chain through references it cannot
/// follow). Reserved, not used: only the pages touched take memory.
pub const EVAL_STACK: usize = 64 << 20;

/// What a rule or function weighs by itself.
pub const RULE: usize = 16;
/// What a call or a comprehension adds along an expression.
pub const CALL: usize = 8;
/// What any other level of an expression adds.
pub const LEVEL: usize = 2;
/// The most a chain of rules and functions may weigh: 128 rules in a row, a quarter of it
/// with calls nested 30 deep, or 8 rules each with an expression 120 levels deep, in
/// under 512 KiB of stack. Real policies weigh a few hundred.
pub const MAX_CHAIN_WEIGHT: usize = 2048;

/// A rule or function (all its definitions): where it is first defined, what it weighs,
/// and the rules and functions it refers to; or a package (or the prefix of rules' paths),
/// which weighs nothing and leads to every rule and prefix directly in it.
struct Node {
    name: String,
    file: String,
    line: u32,
    weight: usize,
    refers: Vec<String>,
}

/// The rule or function that starts the heaviest chain over [`MAX_CHAIN_WEIGHT`], as one
/// error at its first definition (the rules of that chain would each say the same); and
/// the packages whose rules read the package as a whole and together weigh more.
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
            let weight = RULE + rule_nesting(head, bodies);
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
    // Every proper prefix of a rule's path below `data` is a node too (the package, the
    // first parts of a rule `a.b.c`), leading to what is directly in it.
    let rules = nodes.len();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); rules];
    let paths: Vec<String> = {
        let mut p: Vec<(String, usize)> = by_path.iter().map(|(k, &v)| (k.clone(), v)).collect();
        p.sort_by_key(|&(_, i)| i);
        p.into_iter().map(|(k, _)| k).collect()
    };
    for (i, path) in paths.iter().enumerate() {
        let mut child = i;
        let mut p = path.as_str();
        while let Some(cut) = p.rfind('.') {
            p = &p[..cut];
            if p == "data" || !p.starts_with("data.") {
                break;
            }
            match by_path.get(p) {
                // A rule whose path is a prefix of another's: not a package.
                Some(&n) if n < rules => break,
                // A prefix met before: it leads on upwards already.
                Some(&n) => {
                    children[n].push(child);
                    break;
                }
                None => {
                    let n = nodes.len();
                    by_path.insert(p.to_string(), n);
                    let name = p["data.".len()..].to_string();
                    nodes.push(Node { name, file: String::new(), line: 0, weight: 0, refers: Vec::new() });
                    children.push(vec![child]);
                    child = n;
                }
            }
        }
    }
    // A reference reaches the rule its path, or the longest prefix of it, names (`a.b.x`
    // where `a.b` is a rule: the rule, then a field of its value); a path that is exactly
    // a package or prefix (`data.lib`; `data.main[k]` reads as `data.main`) reaches it.
    let target = |p: &str| -> Option<usize> {
        if let Some(&i) = by_path.get(p) {
            return Some(i);
        }
        let mut p = p;
        loop {
            p = &p[..p.rfind('.')?];
            match by_path.get(p) {
                Some(&i) if i < rules => return Some(i),
                _ => {}
            }
        }
    };
    let mut edges: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            let mut to: Vec<usize> = n.refers.iter().filter_map(|p| target(p)).collect();
            to.sort_unstable();
            to.dedup();
            to
        })
        .collect();
    for (parent, kids) in children.into_iter().enumerate() {
        edges[parent].extend(kids);
    }
    let mut errors = self_dispatch(&nodes, &edges, rules);
    let depth = chain_depths(&nodes, &edges);
    let Some(start) = (0..rules).filter(|&i| depth[i] > MAX_CHAIN_WEIGHT).max_by_key(|&i| (depth[i], usize::MAX - i))
    else {
        return errors;
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
    let names: Vec<&str> = chain.iter().filter(|&&i| i < rules).map(|&i| nodes[i].name.as_str()).collect();
    let shown = if names.len() > 5 {
        format!("{} → … → {}", names[..3].join(" → "), names[names.len() - 1])
    } else {
        names.join(" → ")
    };
    let n = &nodes[start];
    errors.push(InputError::new(
        &n.file,
        n.line,
        1,
        format!(
            "{} evaluates through a chain of {} rules and functions ({shown}) that weighs {}, more than {MAX_CHAIN_WEIGHT} (kubegate's limit: Rego's evaluator recurses into every rule and call it meets, and a long chain overflows its stack; a rule or function weighs {RULE}, and along its deepest expression a call or comprehension {CALL}, any other level {LEVEL})",
            n.name,
            names.len(),
            depth[start]
        ),
    ));
    errors
}

/// Packages (and prefixes) whose own rules read them as a whole (`data.main[k]` in
/// package main): those rules can evaluate through one another in any order, so what they
/// weigh together is how heavy a chain of them can be.
fn self_dispatch(nodes: &[Node], edges: &[Vec<usize>], rules: usize) -> Vec<InputError> {
    let mut errors = Vec::new();
    for prefix in rules..nodes.len() {
        let under = format!("{}.", nodes[prefix].name);
        let dispatching: Vec<usize> =
            (0..rules).filter(|&r| nodes[r].name.starts_with(&under) && edges[r].contains(&prefix)).collect();
        let weight: usize = dispatching.iter().map(|&r| nodes[r].weight).sum();
        if weight > MAX_CHAIN_WEIGHT {
            let first = &nodes[dispatching[0]];
            errors.push(InputError::new(
                &first.file,
                first.line,
                1,
                format!(
                    "{} rules of {} read it as a whole (data.{}[…]), so they can evaluate through one another in any order; together they weigh {weight}, more than {MAX_CHAIN_WEIGHT} (kubegate's limit: Rego's evaluator recurses into every rule it meets, and a long chain overflows its stack)",
                    dispatching.len(),
                    nodes[prefix].name,
                    nodes[prefix].name
                ),
            ));
        }
    }
    errors
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

/// The weight of a rule's deepest expression, in its head or bodies.
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
                LEVEL + key.as_ref().map_or(0, |k| nesting(k)).max(nesting(value)).max(nesting(collection))
            }
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => nesting(expr),
            Literal::Every { domain, query, .. } => CALL + nesting(domain).max(query_nesting(query)),
        };
        let with = stmt.with_mods.iter().map(|m| LEVEL + nesting(&m.refr).max(nesting(&m.r#as))).max().unwrap_or(0);
        deepest = deepest.max(here).max(with);
    }
    deepest
}

/// The weight of `e` along its deepest path: [`CALL`] a call or comprehension, [`LEVEL`]
/// any other expression with parts. The parser and [`crate::depth`] bound how deeply
/// expressions nest, so this recursion is bounded too.
fn nesting(e: &Expr) -> usize {
    let deepest = |items: &mut dyn Iterator<Item = usize>| items.max().unwrap_or(0);
    match e {
        Expr::Array { items, .. } | Expr::Set { items, .. } => LEVEL + deepest(&mut items.iter().map(|i| nesting(i))),
        Expr::Object { fields, .. } => LEVEL + deepest(&mut fields.iter().map(|(_, k, v)| nesting(k).max(nesting(v)))),
        Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
            CALL + nesting(term).max(query_nesting(query))
        }
        Expr::ObjectCompr { key, value, query, .. } => {
            CALL + nesting(key).max(nesting(value)).max(query_nesting(query))
        }
        Expr::Call { fcn, params, .. } => CALL + deepest(&mut params.iter().map(|p| nesting(p))).max(nesting(fcn)),
        Expr::UnaryExpr { expr, .. } => LEVEL + nesting(expr),
        Expr::RefDot { refr, .. } => LEVEL + nesting(refr),
        Expr::RefBrack { refr, index, .. } => LEVEL + nesting(refr).max(nesting(index)),
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => LEVEL + nesting(lhs).max(nesting(rhs)),
        Expr::Membership { key, value, collection, .. } => {
            LEVEL + key.as_ref().map_or(0, |k| nesting(k)).max(nesting(value)).max(nesting(collection))
        }
        _ => 0,
    }
}
