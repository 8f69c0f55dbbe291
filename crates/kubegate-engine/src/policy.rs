//! The seam between the evaluate stage and the Rego stage (`kubegate-rego`): the engine
//! hands each resource's document tree to the loaded [`Policies`] while the tree is alive
//! (ADR 5) and keeps only the owned [`Verdict`]. The engine knows nothing of Rego itself,
//! so it does not depend on the Rego evaluator.

use crate::finding::{Exemption, InputError, Level};
use kubegate_yaml::Node;
use std::any::Any;
use std::sync::Arc;

/// One document's input, converted and owned, kept for `--combine`.
pub type Kept = Box<dyn Any + Send>;

/// Policies loaded once and shared by every thread that checks files.
pub trait Policies: Send + Sync + std::fmt::Debug {
    /// `--combine`: documents are kept ([`Policies::keep`]) and evaluated once, together,
    /// after every input is read ([`Policies::evaluate_combined`]).
    fn combine(&self) -> bool;

    /// Evaluates the policies against one document. An error is about a policy (its file
    /// and line); the engine adds which document was being evaluated.
    fn evaluate(&self, doc: &Node<'_>) -> Result<Verdict, InputError>;

    /// Converts a document for a later combined evaluation.
    fn keep(&self, doc: &Node<'_>) -> Kept;

    /// Evaluates the policies once against every kept document: `(file, documents of the file)`
    /// in input order.
    fn evaluate_combined(&self, files: Vec<(String, Vec<Kept>)>) -> Result<Verdict, InputError>;
}

/// What the policies said about one input.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Verdict {
    pub results: Vec<PolicyResult>,
    /// Rules that produced no result, counted as Conftest counts passed tests.
    pub passed: usize,
    /// Exceptions granted by `exception` rules, counted as Conftest counts them (one per
    /// match of `exception[_][_]`, whether or not the rule produced results).
    pub exceptions: usize,
}

/// One result of one policy rule.
#[derive(Clone, Debug, PartialEq)]
pub struct PolicyResult {
    /// `<namespace>.<rule>`: `main.deny_replicas`.
    pub rule: String,
    /// `deny` for `deny`/`violation` rules, `warn` for `warn` rules.
    pub level: Level,
    pub message: String,
    /// Set when an `exception` rule excepts the result: shown and counted, never failing.
    pub exception: Option<Arc<Exemption>>,
}

/// The Conftest summary of a run with policies:
/// `N tests, N passed, N warnings, N failures, N exceptions`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct PolicyCounts {
    pub tests: usize,
    pub passed: usize,
    pub warnings: usize,
    pub failures: usize,
    pub exceptions: usize,
}

impl PolicyCounts {
    /// `3 tests, 1 passed, 1 warning, 1 failure, 0 exceptions` (Conftest's words).
    pub fn line(&self) -> String {
        let s = |n: usize| if n == 1 { "" } else { "s" };
        format!(
            "{} test{}, {} passed, {} warning{}, {} failure{}, {} exception{}",
            self.tests,
            s(self.tests),
            self.passed,
            self.warnings,
            s(self.warnings),
            self.failures,
            s(self.failures),
            self.exceptions,
            s(self.exceptions)
        )
    }
}
