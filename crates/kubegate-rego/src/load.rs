//! Loading: policy files and directories, data files, namespaces, the generated
//! entrypoint, compilation, and the bounds every evaluation runs under.

use crate::conftest::{is_failure, is_warning};
use crate::{ENTRYPOINT, Evaluator, Namespace, Policies, RuleInfo, error};
use kubegate_engine::InputError;
use regorus::unstable::{Rule, RuleHead};
use regorus::utils::limits::{ExecutionTimerConfig, set_fallback_execution_timer_config};
use regorus::{Engine, Value};
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Which namespaces (packages) run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Namespaces {
    /// `main`, Conftest's default.
    #[default]
    Main,
    /// `--namespace NS`, repeatable.
    Named(Vec<String>),
    /// `--all-namespaces`: every package of the policies.
    All,
}

/// What to load and how to evaluate.
#[derive(Clone, Debug)]
pub struct Options {
    /// `.rego` files, or directories searched recursively for them.
    pub policies: Vec<PathBuf>,
    /// `.yaml`, `.yml` and `.json` files (or directories of them) merged into `data`.
    pub data: Vec<PathBuf>,
    pub namespaces: Namespaces,
    /// `--rego-version v0`: the policies are written in Rego v0 (no `if`/`contains`).
    pub rego_v0: bool,
    /// `--combine`: evaluate once against every document together.
    pub combine: bool,
    /// How long one evaluation (one document) may run.
    pub time_limit: Duration,
    /// A long-running server (`kubegate serve`): an evaluation that runs out of time is an
    /// error for its own request only, and the next request is evaluated again (a run
    /// of `test` stops evaluating a runaway policy after the first document instead).
    pub serving: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            policies: Vec::new(),
            data: Vec::new(),
            namespaces: Namespaces::Main,
            rego_v0: false,
            combine: false,
            time_limit: DEFAULT_TIME_LIMIT,
            serving: false,
        }
    }
}

/// The default bound of one document's evaluation: generous for real policies (which take
/// microseconds), short enough that a runaway policy fails a CI job quickly.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(5);

/// The longest `--rego-timeout` accepted: one hour.
pub const MAX_TIME_LIMIT: Duration = Duration::from_secs(3600);

/// `--rego-timeout SECONDS`: a finite number of seconds from 0.001 to [`MAX_TIME_LIMIT`]
/// (`nan`, `inf`, zero and negative values are refused, not clamped).
pub fn parse_time_limit(s: &str) -> Result<Duration, String> {
    let refuse =
        || format!("`{s}` is not a time limit: give a number of seconds from 0.001 to {}", MAX_TIME_LIMIT.as_secs());
    let secs: f64 = s.trim().parse().map_err(|_| refuse())?;
    if !secs.is_finite() || !(0.001..=MAX_TIME_LIMIT.as_secs_f64()).contains(&secs) {
        return Err(refuse());
    }
    Ok(Duration::from_secs_f64(secs))
}

/// The most elements `numbers.range` and `numbers.range_step` may return. The builtins
/// build their array in one call, which regorus' execution timer does not interrupt, so
/// an unbounded range would run (and allocate) for minutes before the timer sees it.
pub const MAX_RANGE: i64 = 1_000_000;

/// Every file with one of `exts` under `path` (or `path` itself when it is a file), sorted.
pub(crate) fn files(path: &Path, exts: &[&str], out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if !path.is_dir() {
        std::fs::metadata(path)?;
        out.push(path.to_path_buf());
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?.map(|e| e.map(|e| e.path())).collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            files(&p, exts, out)?;
        } else if p.extension().and_then(|e| e.to_str()).is_some_and(|e| exts.contains(&e)) {
            out.push(p);
        }
    }
    Ok(())
}

pub(crate) fn shown(p: &Path) -> String {
    p.to_string_lossy().replace('\\', "/")
}

/// Reads every policy file into a fresh engine (with kubegate's bounded builtins) and the
/// data files into `data`. Returns the engine, the policy files' shown names and the
/// load-time warnings of `differences` (what OPA would decide otherwise).
pub(crate) fn engine(opts: &Options) -> Result<(Engine, Vec<String>, Vec<InputError>), Vec<InputError>> {
    // The timer bounds every evaluation of every engine regorus creates (one per document
    // for a compiled policy; `verify`'s tests too); it is read from this process-wide
    // setting. It is checked at every expression: an operation regorus cannot interrupt
    // (arithmetic on huge numbers: `x := x * x` forty times over) then overruns the limit
    // by one operation, not by the 32 expressions (eight squarings: forever) of regorus'
    // default interval. That costs about 10% of evaluation time (docs/limits.md).
    set_fallback_execution_timer_config(Some(ExecutionTimerConfig {
        limit: opts.time_limit,
        check_interval: NonZeroU32::new(1).unwrap_or(NonZeroU32::MIN),
    }));
    let mut errors = Vec::new();
    let mut engine = Engine::new();
    engine.set_rego_v0(opts.rego_v0);
    crate::budget::add_bounded_builtins(&mut engine);
    crate::config_builtins::add(&mut engine);
    crate::rewrite::add(&mut engine);
    let mut paths = Vec::new();
    for p in &opts.policies {
        if let Err(e) = files(p, &["rego"], &mut paths) {
            errors.push(InputError::new(shown(p), 0, 0, format!("cannot read policy: {e}")));
        }
    }
    if paths.is_empty() && errors.is_empty() {
        let named: Vec<String> = opts.policies.iter().map(|p| shown(p)).collect();
        errors.push(InputError::new(named.join(", "), 0, 0, "no .rego policies found"));
    }
    let mut names = Vec::new();
    for p in &paths {
        let name = shown(p);
        match std::fs::read_to_string(p) {
            Ok(text) => {
                if let Some(at) = text.find('\0') {
                    // regorus' lexer takes a NUL for the end of the file: every rule after
                    // it (even after one in a comment) would silently not exist.
                    let before = &text[..at];
                    let line = before.matches('\n').count() + 1;
                    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
                    errors.push(InputError::new(
                        &name,
                        u32::try_from(line).unwrap_or(u32::MAX),
                        u32::try_from(col).unwrap_or(u32::MAX),
                        "the policy contains a NUL byte; everything after it would be ignored, so the file is refused",
                    ));
                } else if let Some((line, col)) = deep_literal(&text) {
                    // regorus' parser backtracks over nested `[` and `{`: its time doubles
                    // with each level (24 levels take minutes), so a policy cannot hang
                    // the gate at load.
                    errors.push(InputError::new(
                        &name,
                        line,
                        col,
                        format!(
                            "arrays, sets and objects nest more than {MAX_LITERAL_NESTING} levels deep here (kubegate's limit: the Rego parser's time grows exponentially with this nesting)"
                        ),
                    ));
                } else if let Some((line, col, number)) = crate::rewrite::huge_number(&name, &text) {
                    errors.push(InputError::new(
                        &name,
                        line,
                        col,
                        format!(
                            "the number {number} has an exponent beyond {} (kubegate's limit: its exact value would take \
                             minutes to compute)",
                            crate::rewrite::MAX_EXPONENT
                        ),
                    ));
                } else if let Some((line, col, what)) = crate::depth::deep_text(&text) {
                    errors.push(InputError::new(&name, line, col, what));
                } else {
                    let rewritten = crate::rewrite::rewrite(&name, &text, opts.rego_v0);
                    match crate::depth::measure(&name, &rewritten, opts.rego_v0) {
                        Ok(crate::depth::Measured::TooDeep(line, col)) => errors.push(InputError::new(
                            &name,
                            line,
                            col,
                            format!(
                                "an expression of this rule nests more than {} levels deep (kubegate's limit: Rego's compiler and evaluator recurse once per level, and a long chain of operators overflows their stack)",
                                crate::depth::MAX_EXPRESSION_DEPTH
                            ),
                        )),
                        Err(e) => errors.push(InputError::new(&name, 0, 0, e)),
                        Ok(crate::depth::Measured::Unparsed(e)) => errors.push(error(&e, std::slice::from_ref(&name))),
                        Ok(crate::depth::Measured::Fine) => {
                            if let Err(e) = engine.add_policy(name.clone(), rewritten) {
                                errors.push(error(&e, std::slice::from_ref(&name)));
                            }
                        }
                    }
                }
            }
            Err(e) => errors.push(InputError::new(&name, 0, 0, format!("cannot read policy: {e}"))),
        }
        names.push(name);
    }
    errors.extend(crate::recursion::check(&mut engine));
    errors.extend(crate::chain::check(&mut engine));
    errors.extend(crate::negation::unsafe_wildcards(&mut engine));
    let (differences, refused) = crate::differences::check(&mut engine);
    errors.extend(refused);
    for p in &opts.data {
        let mut found = Vec::new();
        if let Err(e) = files(p, &["yaml", "yml", "json"], &mut found) {
            errors.push(InputError::new(shown(p), 0, 0, format!("cannot read data: {e}")));
        }
        for f in found {
            if let Err(e) = add_data(&mut engine, &f) {
                errors.push(e);
            }
        }
    }
    if errors.is_empty() { Ok((engine, names, differences)) } else { Err(errors) }
}

/// Merges one YAML or JSON data file into `data` (every document of a YAML stream).
fn add_data(engine: &mut Engine, path: &Path) -> Result<(), InputError> {
    let name = shown(path);
    let text =
        std::fs::read_to_string(path).map_err(|e| InputError::new(&name, 0, 0, format!("cannot read data: {e}")))?;
    let mut docs = Vec::new();
    let err = kubegate_yaml::load_each(&text, |doc, _| {
        if !doc.root.is_null() {
            docs.push((doc.root.span.start, crate::convert(&doc.root)));
        }
    });
    if let Some(e) = err {
        return Err(InputError::new(&name, e.pos.line, e.pos.col, format!("cannot parse data: {}", e.message)));
    }
    for (at, value) in docs {
        if !matches!(value, Value::Object(_)) {
            return Err(InputError::new(
                &name,
                at.line,
                at.col,
                "a data document must be a mapping (it is merged into `data`)",
            ));
        }
        engine
            .add_data(value)
            .map_err(|e| InputError::new(&name, at.line, at.col, format!("cannot merge data: {e}")))?;
    }
    Ok(())
}

/// The leading name of a rule head (`deny` of `deny contains msg`, `deny[msg]`), whether
/// it is a function, and whether it adds to a set (a rule whose every definition adds to a
/// set is always defined, if only as the empty set).
fn head_name(rule: &Rule) -> Option<(String, bool, bool)> {
    let (refr, func, set) = match rule {
        Rule::Spec { head: RuleHead::Set { refr, .. }, .. } => (refr, false, true),
        Rule::Spec { head: RuleHead::Compr { refr, .. }, .. } => (refr, false, false),
        Rule::Spec { head: RuleHead::Func { refr, .. }, .. } => (refr, true, false),
        Rule::Default { refr, .. } => (refr, false, false),
    };
    let path = regorus::utils::get_path_string(refr, None).ok()?;
    Some((path, func, set))
}

/// The package of every module, its Conftest rules and its `exception` rule, in load order.
pub(crate) fn namespaces(engine: &mut Engine) -> Vec<Namespace> {
    let mut out: Vec<Namespace> = Vec::new();
    for module in engine.get_modules().iter() {
        let Ok(pkg) = regorus::utils::get_path_string(&module.package.refr, None) else { continue };
        let i = match out.iter().position(|n| n.name == pkg) {
            Some(i) => i,
            None => {
                out.push(Namespace { name: pkg, rules: Vec::new(), exception: None, maybe_undefined: Vec::new() });
                out.len() - 1
            }
        };
        let ns = &mut out[i];
        for rule in &module.policy {
            let Some((name, func, set)) = head_name(rule) else { continue };
            if func {
                continue;
            }
            if !set && !ns.maybe_undefined.contains(&name) {
                ns.maybe_undefined.push(name.clone());
            }
            let span = rule.span();
            let file: Arc<str> = span.source.get_path().as_str().into();
            if name == "exception" {
                ns.exception.get_or_insert((file, span.line));
                continue;
            }
            if !(is_failure(&name) || is_warning(&name)) {
                continue;
            }
            match ns.rules.iter_mut().find(|r| r.name == name) {
                Some(r) => r.definitions += 1,
                None => {
                    ns.rules.push(RuleInfo { failure: is_failure(&name), name, definitions: 1, file, line: span.line })
                }
            }
        }
    }
    out
}

/// The generated module whose `results` is the value of every Conftest rule of the
/// selected namespaces, evaluated once per document (helper rules once, not once per
/// rule): `[v0, v1, …, rest]`, where `vi` is the value of `slots[i]`, a rule that adds to a
/// set (always defined), and `rest` the set of `[namespace, rule, value]` of the other
/// rules, one definition each, so that an undefined rule only leaves its own triple out.
/// (An array costs less to build than a set of triples.)
fn entrypoint(selected: &[Namespace]) -> (String, Vec<(String, String)>) {
    let mut slots = Vec::new();
    let mut rest = String::new();
    for ns in selected {
        let names = ns.rules.iter().map(|r| r.name.as_str()).chain(ns.exception.as_ref().map(|_| "exception"));
        for rule in names {
            if ns.maybe_undefined.iter().any(|n| n == rule) {
                rest.push_str(&format!(
                    "rest contains [{:?}, {:?}, v] if {{ v := data.{}.{} }}\n",
                    ns.name, rule, ns.name, rule
                ));
            } else {
                slots.push((ns.name.clone(), rule.to_string()));
            }
        }
    }
    // One rule a line: regorus refuses a line longer than 1,024 columns, which a policy of
    // forty rules would otherwise make.
    let mut module = String::from("package kubegate__conftest\n\nresults := [");
    for (ns, rule) in &slots {
        module.push_str(&format!("\n\tdata.{ns}.{rule},"));
    }
    module.push_str("\n\t");
    if rest.is_empty() {
        module.push_str("set()]\n");
    } else {
        module.push_str("rest]\n\n");
        module.push_str(&rest);
    }
    (module, slots)
}

/// Loads and compiles the policies. Every error (unreadable file, syntax error, data that
/// does not merge) is an input error with its file and line.
pub fn load(opts: &Options) -> Result<Policies, Vec<InputError>> {
    // A panic in regorus while reading or compiling is the policies' error (`contain`).
    let mut failed = Vec::new();
    let loaded = crate::contain::catching(|| match load_policies(opts) {
        Ok(p) => Ok(Some(p)),
        Err(e) => {
            failed = e;
            Ok(None)
        }
    });
    match loaded {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(failed),
        Err(e) => {
            let files: Vec<String> = opts.policies.iter().map(|p| p.display().to_string()).collect();
            Err(vec![InputError::new(files.join(", "), 0, 0, e.to_string())])
        }
    }
}

fn load_policies(opts: &Options) -> Result<Policies, Vec<InputError>> {
    let (mut engine, files, differences) = engine(opts)?;
    let all = namespaces(&mut engine);
    let selected: Vec<Namespace> = match &opts.namespaces {
        Namespaces::Main => all.into_iter().filter(|n| n.name == "main").collect(),
        Namespaces::Named(names) => {
            names.iter().filter_map(|name| all.iter().find(|n| &n.name == name).cloned()).collect()
        }
        Namespaces::All => all,
    };
    let (module, slots) = entrypoint(&selected);
    let any_rule = selected.iter().any(|n| !n.rules.is_empty() || n.exception.is_some());
    let limit = opts.time_limit;
    let mut warnings = crate::negation::warnings(&mut engine);
    warnings.extend(differences);
    let diagnose = engine.clone();
    let compiled = if any_rule {
        let mut with_entry = engine;
        with_entry.set_rego_v0(false);
        with_entry.add_policy("<kubegate>".into(), module).map_err(|e| vec![error(&e, &files)])?;
        if replaces_input(&mut with_entry) {
            Some(Evaluator::Engine(Box::new(Mutex::new(with_entry))))
        } else {
            Some(Evaluator::Compiled(
                with_entry.compile_with_entrypoint(&ENTRYPOINT.into()).map_err(|e| vec![error(&e, &files)])?,
            ))
        }
    } else {
        None
    };
    Ok(Policies {
        compiled,
        slots,
        namespaces: selected,
        combine: opts.combine,
        time_limit: limit,
        files,
        warnings,
        diagnose: Mutex::new(diagnose),
        exhausted: Default::default(),
        serving: opts.serving,
    })
}

/// Whether a rule (other than a unit test) replaces the input, or a part of it, with
/// `with input… as`.
fn replaces_input(engine: &mut Engine) -> bool {
    use crate::recursion::{Seen, walk_rule};
    let mut found = false;
    let mut look = |seen: Seen<'_>| {
        if let Seen::With(what, _) = seen {
            found |= regorus::utils::get_path_string(what, None).is_ok_and(|p| p == "input" || p.starts_with("input."));
        }
    };
    for module in engine.get_modules().iter() {
        for rule in &module.policy {
            let Rule::Spec { head, bodies, .. } = rule.as_ref() else { continue };
            // Unit tests (`test_…`) run under `with` in `verify`, never in a check.
            let (RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } | RuleHead::Func { refr, .. }) = head;
            if regorus::utils::get_path_string(refr, None).is_ok_and(|n| n.starts_with("test_")) {
                continue;
            }
            walk_rule(head, bodies, &mut look);
        }
    }
    found
}

/// How deeply `[` and `{` may nest in a policy's text.
pub const MAX_LITERAL_NESTING: usize = 12;

/// Where `[` and `{` first nest deeper than [`MAX_LITERAL_NESTING`] (1-based line and
/// column), outside strings and comments.
fn deep_literal(text: &str) -> Option<(u32, u32)> {
    let mut depth = 0usize;
    for (line, col, c) in crate::depth::code_chars(text) {
        match c {
            '[' | '{' => {
                depth += 1;
                if depth > MAX_LITERAL_NESTING {
                    return Some((line, col));
                }
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod nesting_tests {
    use super::deep_literal;

    #[test]
    fn nesting_is_counted_outside_strings_and_comments() {
        let deep = format!("package p\n\nx := {}1{}\n", "[".repeat(13), "]".repeat(13));
        assert_eq!(deep_literal(&deep), Some((3, 18)));
        let ok = format!("package p\n\nx := {}1{}\n", "[".repeat(12), "]".repeat(12));
        assert_eq!(deep_literal(&ok), None);
        let hidden =
            format!("package p\n# {}\nx := \"{}\\\"\"\ny := `{}`\n", "[".repeat(40), "{".repeat(40), "[".repeat(40));
        assert_eq!(deep_literal(&hidden), None);
        // Unclosed brackets count too: they are what made the parser backtrack.
        let unclosed = format!("package p\n\ndeny contains m if {{ f(\"%s\", [input.a{}b, input }}\n", "[".repeat(20));
        assert!(deep_literal(&unclosed).is_some());
    }
}

#[cfg(test)]
mod evaluator_tests {
    #[test]
    fn unit_tests_with_input_do_not_take_the_policies_off_the_compiled_path() {
        // production_test.rego replaces the input with `with`; its rules are tests.
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policies");
        let policies = super::load(&super::Options { policies: vec![root], ..super::Options::default() }).unwrap();
        assert!(matches!(policies.compiled, Some(crate::Evaluator::Compiled(_))));
    }
}
