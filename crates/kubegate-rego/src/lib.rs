//! The Rego stage of the pipeline: Conftest-compatible policies evaluated
//! with regorus, one document at a time, on whichever thread checks the document's file.
//!
//! - [`load`] reads the `.rego` files (`-p`, files or directories) and the data files
//!   (`-d`), finds the Conftest rules of the selected namespaces (`deny`, `violation`,
//!   `warn` and their `_suffix` variants, and `exception`), and compiles them once into a
//!   [`regorus::CompiledPolicy`] that every thread shares (it is an `Arc` inside).
//! - [`Policies`] implements the engine's [`kubegate_engine::policy::Policies`]: each
//!   document's tree is converted to the Rego `input` ([`convert`]) while it is alive and
//!   evaluated once; Conftest's semantics turn the values of the rules into results,
//!   passed tests and exceptions (see [`conftest`]).
//! - [`verify()`](verify::verify) runs the `test_` rules (`kubegate verify`).
//!
//! Policies are sandboxed: regorus is built without `http` (no `http.send`), and no
//! builtin reads files or the environment. Every evaluation is bounded (docs/limits.md):
//! regorus' execution timer, checked at every expression, stops a runaway policy (which
//! is then not evaluated again in the run); the builtins that can build large values are
//! replaced by versions that check the size first (`budget`), since a builtin call is
//! not interrupted by the timer; recursive functions and NUL bytes are refused at load
//! (`recursion`, `load`) (ADR 9).

mod budget;
mod chain;
pub use chain::EVAL_STACK;
mod config_builtins;
pub mod conftest;
mod contain;
mod convert;
mod depth;
mod differences;
mod load;
mod negation;
mod opa_builtins;
mod recursion;
mod rewrite;
pub mod verify;

pub use budget::{
    MAX_CIDR_ADDRESSES, MAX_ELEMENTS, MAX_EVALUATION_BYTES, MAX_FORMAT_WIDTH, MAX_NUMBER_BITS, MAX_STRING_BYTES,
};
pub use convert::convert;
pub use load::{MAX_TIME_LIMIT, Namespaces, Options, load, parse_time_limit};

use kubegate_engine::policy::{Kept, Verdict};
use kubegate_engine::{InputError, policy};
use kubegate_yaml::Node;
use regorus::{CompiledPolicy, Value};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The rule every evaluation asks for: the generated module collects the values of every
/// Conftest rule of the selected namespaces as `[namespace, rule, value]` triples, so one
/// evaluation per document computes them all (helper rules once, not once per rule).
const ENTRYPOINT: &str = "data.kubegate__conftest.results";

/// A Conftest rule found in the policies.
#[derive(Clone, Debug)]
pub struct RuleInfo {
    /// `deny_replicas`
    pub name: String,
    /// `deny`/`violation` rules fail; `warn` rules warn.
    pub failure: bool,
    /// How many definitions (bodies) the rule has: Conftest counts a passed test for each
    /// definition that produced no result.
    pub definitions: usize,
    /// The policy file and line of its first definition.
    pub file: Arc<str>,
    pub line: u32,
}

/// A namespace (package) whose rules run.
#[derive(Clone, Debug)]
pub struct Namespace {
    /// `main`, `kubernetes.admission`
    pub name: String,
    pub rules: Vec<RuleInfo>,
    /// Where its `exception` rule is defined, when it has one.
    pub exception: Option<(Arc<str>, u32)>,
    /// Its rules (Conftest's and `exception`) with a definition that does not add to a set,
    /// which may be undefined.
    pub maybe_undefined: Vec<String>,
}

/// How the policies are evaluated on one input.
enum Evaluator {
    /// Compiled once for the entrypoint: the fast path.
    Compiled(CompiledPolicy),
    /// Policies that replace the input with `with input…` (regorus' compiled evaluation
    /// fails them with `previous value is not an object`, where OPA evaluates the rule
    /// against the replaced input): a copy of the loaded engine per evaluation.
    Engine(Box<Mutex<regorus::Engine>>),
}

impl Evaluator {
    fn eval(&self, input: Value) -> anyhow::Result<Value> {
        contain::catching(|| match self {
            Evaluator::Compiled(c) => c.eval_with_input(input),
            Evaluator::Engine(engine) => {
                let mut engine = match engine.lock() {
                    Ok(g) => g.clone(),
                    Err(poisoned) => poisoned.into_inner().clone(),
                };
                engine.set_input(input);
                engine.eval_rule(ENTRYPOINT.into())
            }
        })
    }
}

/// Policies loaded, compiled once, shared by every thread.
pub struct Policies {
    compiled: Option<Evaluator>,
    namespaces: Vec<Namespace>,
    /// `(namespace, rule)` of the leading elements of the entrypoint's value.
    slots: Vec<(String, String)>,
    combine: bool,
    time_limit: Duration,
    /// The policy files loaded (for messages).
    files: Vec<String>,
    /// Constructs found at load whose verdict differs from OPA's (see `negation`): said,
    /// not refused.
    pub warnings: Vec<InputError>,
    /// An engine ready to compile one rule at a time: only used to find which rule ran
    /// away after an evaluation hit the time limit.
    diagnose: Mutex<regorus::Engine>,
    /// Set once an evaluation exhausted its budget: the policies are then reported (by
    /// that evaluation) and not evaluated again in this run, so that a runaway policy
    /// costs the limit once, not once per document.
    exhausted: AtomicBool,
    /// [`Options::serving`]: no run-wide exhaustion.
    serving: bool,
}

impl std::fmt::Debug for Policies {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Policies").field("namespaces", &self.namespaces).field("files", &self.files).finish()
    }
}

impl Policies {
    /// The namespaces whose rules run, with their rules.
    pub fn namespaces(&self) -> &[Namespace] {
        &self.namespaces
    }

    /// Evaluates one input value (a document, or the combined array).
    pub fn evaluate_value(&self, input: Value) -> Result<Verdict, InputError> {
        let Some(compiled) = &self.compiled else {
            return Ok(Verdict::default());
        };
        if self.exhausted.load(Ordering::Relaxed) {
            return Ok(Verdict::default());
        }
        let started = Instant::now();
        budget::start_evaluation();
        match compiled.eval(input.clone()) {
            Ok(v) => conftest::verdict(&self.namespaces, &self.slots, &v),
            Err(e) if is_time_limit(&e) && self.serving => Err(InputError::new(
                self.files.join(", "),
                0,
                0,
                format!("policy evaluation did not finish within {} (a runaway policy)", seconds(self.time_limit)),
            )),
            // Only the first evaluation to run out reports (documents run in parallel).
            Err(e) if is_time_limit(&e) => match self.exhausted.swap(true, Ordering::Relaxed) {
                false => {
                    let mut e = if started.elapsed() > self.time_limit + self.time_limit / 2 {
                        // Far past the limit: one operation regorus cannot interrupt (the
                        // timer is checked between expressions). Evaluating the rules one by
                        // one to name it would cost as much again.
                        self.stuck()
                    } else {
                        self.runaway(input)
                    };
                    e.message.push_str(AFTER_RUNAWAY);
                    Err(e)
                }
                true => Ok(Verdict::default()),
            },
            Err(e) => Err(error(&e, &self.files)),
        }
    }

    /// After an evaluation hit the time limit: evaluates the rules one by one to name the
    /// one that runs away (each under the same limit, so this ends too).
    fn runaway(&self, input: Value) -> InputError {
        let limit = self.time_limit;
        let mut engine = match self.diagnose.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        for ns in &self.namespaces {
            for rule in &ns.rules {
                let path = format!("data.{}.{}", ns.name, rule.name);
                let Ok(one) = engine.compile_with_entrypoint(&path.as_str().into()) else { continue };
                budget::start_evaluation();
                if let Err(e) = contain::catching(|| one.eval_with_input(input.clone()))
                    && is_time_limit(&e)
                {
                    return InputError::new(
                        &*rule.file,
                        rule.line,
                        1,
                        format!(
                            "rule {}.{} did not finish within {} (a runaway policy: an unbounded iteration?)",
                            ns.name,
                            rule.name,
                            seconds(limit)
                        ),
                    );
                }
            }
        }
        InputError::new(
            self.files.join(", "),
            0,
            0,
            format!("policy evaluation did not finish within {} (a runaway policy)", seconds(limit)),
        )
    }

    /// After an evaluation ran far past the limit.
    fn stuck(&self) -> InputError {
        InputError::new(
            self.files.join(", "),
            0,
            0,
            format!(
                "policy evaluation ran far past its limit of {} (a runaway policy: one operation that cannot be \
                 interrupted, such as arithmetic on huge numbers?)",
                seconds(self.time_limit)
            ),
        )
    }
}

const AFTER_RUNAWAY: &str = "; the policies are not evaluated again in this run";

fn seconds(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 { format!("{s:.0}s") } else { format!("{s}s") }
}

fn is_time_limit(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.downcast_ref::<regorus::LimitError>().is_some())
        || format!("{e:#}").contains("exceeded time limit")
}

/// A regorus error as an input error at the policy's file, line and column: regorus
/// writes `--> file:line:col`, the source line, and `error: message`.
pub(crate) fn error(e: &anyhow::Error, files: &[String]) -> InputError {
    let text = format!("{e:#}");
    if let Some(at) = text.rfind("--> ") {
        let loc = text[at + 4..].lines().next().unwrap_or("");
        let mut parts = loc.rsplitn(3, ':');
        let (col, line, file) = (parts.next(), parts.next(), parts.next());
        if let (Some(col), Some(line), Some(file)) = (col, line, file)
            && let (Ok(line), Ok(col)) = (line.parse::<u32>(), col.parse::<u32>())
        {
            let message = text[at..]
                .lines()
                .rev()
                .find_map(|l| l.strip_prefix("error: "))
                .map(str::to_string)
                .unwrap_or_else(|| text.trim().to_string());
            let before = text[..at].trim().trim_end_matches(':').trim();
            let message = if before.is_empty() { message } else { format!("{before}: {message}") };
            let col = rewrite::original_column(file, line, col);
            return InputError::new(file, line, col, message);
        }
    }
    InputError::new(files.join(", "), 0, 0, text.trim().to_string())
}

impl policy::Policies for Policies {
    fn combine(&self) -> bool {
        self.combine
    }

    fn evaluate(&self, doc: &Node<'_>) -> Result<Verdict, InputError> {
        self.evaluate_value(convert(doc))
    }

    fn keep(&self, doc: &Node<'_>) -> Kept {
        Box::new(convert(doc))
    }

    /// Conftest's combined input: `[{"path": file, "contents": document}]`, the contents
    /// being the array of the file's documents when it holds more than one.
    fn evaluate_combined(&self, files: Vec<(String, Vec<Kept>)>) -> Result<Verdict, InputError> {
        // Conftest's shape: one `{path, contents}` entry per document (a file of three
        // documents gives three entries with the same path), ordered by path, stably.
        let mut entries: Vec<(String, Value)> = Vec::new();
        for (path, docs) in files {
            for doc in docs.into_iter().filter_map(|d| d.downcast::<Value>().ok()) {
                entries.push((path.clone(), *doc));
            }
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let combined: Vec<Value> = entries
            .into_iter()
            .map(|(path, contents)| {
                let mut entry = std::collections::BTreeMap::new();
                entry.insert(Value::from("path"), Value::from(path));
                entry.insert(Value::from("contents"), contents);
                Value::from(entry)
            })
            .collect();
        self.evaluate_value(Value::from(combined))
    }
}
