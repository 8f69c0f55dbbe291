//! Recursive functions are refused when the policies load.
//!
//! regorus evaluates a function call by recursing on the native stack and has no call
//! depth limit, so `f(x) := y if { y := f(x + 1) }` overflows the stack (the process
//! aborts, for every input) long before the execution timer fires. OPA refuses such a
//! policy at compile time (`rego_recursion_error`), so refusing it when it loads is what a
//! Conftest user expects. Recursion through a rule (`f` calls rule `r`, which calls `f`) is
//! caught by regorus while it evaluates (`recursion detected when evaluating rule`), so the
//! graph here is the one of functions calling functions.

use kubegate_engine::InputError;
use regorus::Engine;
use regorus::unstable::{Expr, Literal, Module, Query, Rule, RuleBody, RuleHead};
use regorus::utils::get_path_string;
use std::collections::HashMap;

/// A function (all its definitions) and the functions its definitions call.
struct Function {
    /// `main.f`
    name: String,
    file: String,
    line: u32,
    calls: Vec<String>,
}

/// Every function that can call itself (directly or through other functions), as an error
/// at its first definition; one error per cycle, in load order.
pub(crate) fn check(engine: &mut Engine) -> Vec<InputError> {
    let mut functions: Vec<Function> = Vec::new();
    let mut by_path: HashMap<String, usize> = HashMap::new();
    // `with f as g` anywhere (in a rule or a function): while it holds, a call of f runs g.
    let mut replaced: Vec<(String, String)> = Vec::new();
    for module in engine.get_modules().iter() {
        let Ok(pkg) = get_path_string(&module.package.refr, None) else { continue };
        let imports = imports(module);
        let path_of = |e: &Expr| get_path_string(e, None).ok().map(|p| resolve(&p, &pkg, &imports));
        for rule in &module.policy {
            let Rule::Spec { head, bodies, span } = rule.as_ref() else { continue };
            let mut calls = Vec::new();
            let mut collect = |seen: Seen<'_>| match seen {
                Seen::Expr(Expr::Call { fcn, .. }) => calls.extend(path_of(fcn)),
                Seen::Expr(_) => {}
                Seen::With(what, with) => {
                    if let (Some(what), Some(with)) = (path_of(what), path_of(with)) {
                        // The function that writes the `with` calls the replacement too.
                        calls.push(with.clone());
                        replaced.push((what, with));
                    }
                }
            };
            walk_rule(head, bodies, &mut collect);
            let RuleHead::Func { refr, .. } = head else { continue };
            let Ok(name) = get_path_string(refr, None) else { continue };
            let path = format!("data.{pkg}.{name}");
            match by_path.get(&path) {
                Some(&i) => functions[i].calls.append(&mut calls),
                None => {
                    by_path.insert(path, functions.len());
                    functions.push(Function {
                        name: format!("{pkg}.{name}"),
                        file: span.source.get_path().to_string(),
                        line: span.line,
                        calls,
                    });
                }
            }
        }
    }
    for (what, with) in replaced {
        if let Some(&i) = by_path.get(&what) {
            functions[i].calls.push(with);
        }
    }
    let edges: Vec<Vec<usize>> =
        functions.iter().map(|f| f.calls.iter().filter_map(|c| by_path.get(c).copied()).collect()).collect();
    let mut errors = Vec::new();
    let mut reported = vec![false; functions.len()];
    for start in 0..functions.len() {
        if reported[start] {
            continue;
        }
        if let Some(cycle) = cycle_through(start, &edges) {
            for &i in &cycle {
                reported[i] = true;
            }
            let f = &functions[start];
            let through: Vec<&str> = cycle[1..].iter().map(|&i| functions[i].name.as_str()).collect();
            let how = if through.is_empty() {
                "calls itself".to_string()
            } else {
                format!("calls itself through {}", through.join(" → "))
            };
            errors.push(InputError::new(
                &f.file,
                f.line,
                1,
                format!(
                    "function {} {how}: recursion is not allowed in Rego (OPA refuses it too: rego_recursion_error)",
                    f.name
                ),
            ));
        }
    }
    errors
}

/// The shortest path of calls from `start` back to `start` (`[start, …]`), if there is one:
/// a breadth-first search, so nothing here recurses.
fn cycle_through(start: usize, edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    let mut parent: Vec<Option<usize>> = vec![None; edges.len()];
    let mut queue = std::collections::VecDeque::from([start]);
    let mut seen = vec![false; edges.len()];
    while let Some(at) = queue.pop_front() {
        for &next in &edges[at] {
            if next == start {
                let mut path = vec![at];
                let mut cur = at;
                while let Some(p) = parent[cur] {
                    path.push(p);
                    cur = p;
                }
                path.reverse();
                return Some(path);
            }
            if !seen[next] {
                seen[next] = true;
                parent[next] = Some(at);
                queue.push_back(next);
            }
        }
    }
    None
}

/// The module's imports of `data`: alias (the `as` name, else the last component) → path.
pub(crate) fn imports(module: &Module) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for import in &module.imports {
        let Ok(path) = get_path_string(&import.refr, None) else { continue };
        if !path.starts_with("data.") {
            continue;
        }
        let alias = match &import.r#as {
            Some(a) => a.text().to_string(),
            None => path.rsplit('.').next().unwrap_or_default().to_string(),
        };
        out.insert(alias, path);
    }
    out
}

/// The full path (`data.pkg.f`) of a called name as written in package `pkg`.
pub(crate) fn resolve(called: &str, pkg: &str, imports: &HashMap<String, String>) -> String {
    if called.starts_with("data.") {
        return called.to_string();
    }
    let (first, rest) = match called.split_once('.') {
        Some((first, rest)) => (first, Some(rest)),
        None => (called, None),
    };
    match (imports.get(first), rest) {
        (Some(path), Some(rest)) => format!("{path}.{rest}"),
        // `import data.lib.f` (or `… as g`), then `f(x)`: the name is the import.
        (Some(path), None) => path.clone(),
        _ => format!("data.{pkg}.{called}"),
    }
}

/// What the walk meets: an expression, or a `with what as with` modifier.
pub(crate) enum Seen<'e> {
    Expr(&'e Expr),
    With(&'e Expr, &'e Expr),
}

/// Calls `f` on every expression of a rule: its head's value (or a set rule's key) and
/// each body.
pub(crate) fn walk_rule<'e>(head: &'e RuleHead, bodies: &'e [RuleBody], f: &mut dyn FnMut(Seen<'e>)) {
    match head {
        RuleHead::Compr { assign: Some(a), .. } | RuleHead::Func { assign: Some(a), .. } => walk_expr(&a.value, f),
        RuleHead::Set { key: Some(k), .. } => walk_expr(k, f),
        _ => {}
    }
    for body in bodies {
        if let Some(a) = &body.assign {
            walk_expr(&a.value, f);
        }
        walk_query(&body.query, f);
    }
}

pub(crate) fn walk_query<'e>(q: &'e Query, f: &mut dyn FnMut(Seen<'e>)) {
    for stmt in &q.stmts {
        match &stmt.literal {
            Literal::SomeVars { .. } => {}
            Literal::SomeIn { key, value, collection, .. } => {
                if let Some(k) = key {
                    walk_expr(k, f);
                }
                walk_expr(value, f);
                walk_expr(collection, f);
            }
            Literal::Expr { expr, .. } | Literal::NotExpr { expr, .. } => walk_expr(expr, f),
            Literal::Every { domain, query, .. } => {
                walk_expr(domain, f);
                walk_query(query, f);
            }
        }
        for m in &stmt.with_mods {
            f(Seen::With(&m.refr, &m.r#as));
            walk_expr(&m.refr, f);
            walk_expr(&m.r#as, f);
        }
    }
}

/// Calls `f` on `e` and every expression inside it. The parser bounds how deeply
/// expressions nest, so this recursion is bounded too.
pub(crate) fn walk_expr<'e>(e: &'e Expr, f: &mut dyn FnMut(Seen<'e>)) {
    f(Seen::Expr(e));
    match e {
        Expr::Array { items, .. } | Expr::Set { items, .. } => items.iter().for_each(|i| walk_expr(i, f)),
        Expr::Object { fields, .. } => {
            for (_, k, v) in fields {
                walk_expr(k, f);
                walk_expr(v, f);
            }
        }
        Expr::ArrayCompr { term, query, .. } | Expr::SetCompr { term, query, .. } => {
            walk_expr(term, f);
            walk_query(query, f);
        }
        Expr::ObjectCompr { key, value, query, .. } => {
            walk_expr(key, f);
            walk_expr(value, f);
            walk_query(query, f);
        }
        Expr::Call { fcn, params, .. } => {
            walk_expr(fcn, f);
            params.iter().for_each(|p| walk_expr(p, f));
        }
        Expr::UnaryExpr { expr, .. } => walk_expr(expr, f),
        Expr::RefDot { refr, .. } => walk_expr(refr, f),
        Expr::RefBrack { refr, index, .. } => {
            walk_expr(refr, f);
            walk_expr(index, f);
        }
        Expr::BinExpr { lhs, rhs, .. }
        | Expr::BoolExpr { lhs, rhs, .. }
        | Expr::ArithExpr { lhs, rhs, .. }
        | Expr::AssignExpr { lhs, rhs, .. } => {
            walk_expr(lhs, f);
            walk_expr(rhs, f);
        }
        Expr::Membership { key, value, collection, .. } => {
            if let Some(k) = key {
                walk_expr(k, f);
            }
            walk_expr(value, f);
            walk_expr(collection, f);
        }
        _ => {}
    }
}
