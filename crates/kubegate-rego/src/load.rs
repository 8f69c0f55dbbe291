//! Loading: policy files and directories, data files, namespaces, the generated
//! entrypoint, compilation, and the bounds every evaluation runs under.

use crate::conftest::{is_failure, is_warning};
use crate::{ENTRYPOINT, Namespace, Policies, RuleInfo, error};
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
        }
    }
}

/// The default bound of one document's evaluation: generous for real policies (which take
/// microseconds), short enough that a runaway policy fails a CI job quickly.
pub const DEFAULT_TIME_LIMIT: Duration = Duration::from_secs(5);

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
/// data files into `data`. Returns the engine and the policy files' shown names.
pub(crate) fn engine(opts: &Options) -> Result<(Engine, Vec<String>), Vec<InputError>> {
    let mut errors = Vec::new();
    let mut engine = Engine::new();
    engine.set_rego_v0(opts.rego_v0);
    add_bounded_builtins(&mut engine);
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
                if let Err(e) = engine.add_policy(name.clone(), text) {
                    errors.push(error(&e, std::slice::from_ref(&name)));
                }
            }
            Err(e) => errors.push(InputError::new(&name, 0, 0, format!("cannot read policy: {e}"))),
        }
        names.push(name);
    }
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
    if errors.is_empty() { Ok((engine, names)) } else { Err(errors) }
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

/// `numbers.range` and `numbers.range_step` that refuse more than [`MAX_RANGE`] elements
/// (extensions are looked up before builtins). Same results otherwise: ascending or
/// descending, `range_step`'s step a positive integer; a bound that is not an integer is
/// an error, as in OPA.
fn add_bounded_builtins(engine: &mut Engine) {
    fn int(name: &str, args: &[Value], i: usize) -> anyhow::Result<i64> {
        args[i].as_i64().map_err(|_| anyhow::anyhow!("{name}: operand {} must be an integer number", i + 1))
    }
    fn range(name: &str, args: &[Value], step: i64) -> anyhow::Result<Value> {
        let (a, b) = (int(name, args, 0)?, int(name, args, 1)?);
        let count = (i128::from(b) - i128::from(a)).abs() / i128::from(step) + 1;
        if count > i128::from(MAX_RANGE) {
            anyhow::bail!("{name}: {count} elements is more than kubegate allows ({MAX_RANGE})");
        }
        let dir = if b >= a { step } else { -step };
        Ok(Value::from((0..count as i64).map(|i| Value::from(a + i * dir)).collect::<Vec<_>>()))
    }
    let plain = |args: Vec<Value>| range("numbers.range", &args, 1);
    let stepped = |args: Vec<Value>| match args[2].as_i64() {
        Ok(step) if step > 0 => range("numbers.range_step", &args, step),
        _ => anyhow::bail!("numbers.range_step: step must be a positive integer"),
    };
    // Neither name is taken yet in a fresh engine: adding cannot fail.
    let _ = engine.add_extension("numbers.range".into(), 2, Box::new(plain));
    let _ = engine.add_extension("numbers.range_step".into(), 3, Box::new(stepped));
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
    let mut module = String::from("package kubegate__conftest\n\nresults := [");
    for (ns, rule) in &slots {
        module.push_str(&format!("data.{ns}.{rule}, "));
    }
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
    let (mut engine, files) = engine(opts)?;
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
    // The timer bounds every evaluation of every engine regorus creates for a compiled
    // policy (one per document); it is read from this process-wide setting.
    set_fallback_execution_timer_config(Some(ExecutionTimerConfig {
        limit,
        check_interval: NonZeroU32::new(32).unwrap_or(NonZeroU32::MIN),
    }));
    let diagnose = engine.clone();
    let compiled = if any_rule {
        let mut with_entry = engine;
        with_entry.set_rego_v0(false);
        with_entry.add_policy("<kubegate>".into(), module).map_err(|e| vec![error(&e, &files)])?;
        Some(with_entry.compile_with_entrypoint(&ENTRYPOINT.into()).map_err(|e| vec![error(&e, &files)])?)
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
        diagnose: Mutex::new(diagnose),
    })
}
