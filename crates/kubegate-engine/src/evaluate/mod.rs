//! The evaluate stage. Each file is parsed one document at a time (files in parallel):
//! every document becomes a resource, is bound to an environment and checked by the
//! per-resource rules, and leaves behind only small owned facts (PDB selectors, HPA
//! minimums) and the questions cross-resource rules deferred. Once every input is read,
//! the facts form the [`Index`] and the deferred questions are judged against it.
//! Exemptions are read and judged with their resource (see [`crate::exemptions`]) and
//! applied once every finding exists. Rego policies ([`crate::policy::Policies`]) are
//! evaluated on each document while its tree is alive, and only their results are kept
//! (with `--combine`, each document's converted input is kept and evaluated once at the
//! end). Findings come out in a stable order: by input file, then line, then column;
//! findings positioned in the config file come last, then those of a combined evaluation.

use crate::config::Config;
use crate::exemptions::{self, Date, ExemptionRecord};
use crate::facts::Index;
use crate::finding::{Finding, InputError, Level, Place, ResourceId};
use crate::policy::{Kept, Policies, PolicyCounts};
use crate::pss;
use crate::rules::{self, Check};
use kubegate_yaml::Route;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

mod dockerfile;
mod file;
use file::{FileResult, check_file, push_verdict};
/// One input: the path shown in reports (`<stdin>` for stdin) and its text.
#[derive(Clone, Debug)]
pub struct Source {
    pub path: String,
    pub text: String,
    /// Found by walking a folder (not named): a file with no Kubernetes document in it
    /// (a values file, a CI workflow) is then skipped and counted, not an error.
    pub walked: bool,
    /// What the text is: the inputs stage decides, from the file's name; the engine never
    /// guesses (an admission object or a rendered overlay is a manifest whatever its name).
    pub format: Format,
}

/// What an input's text is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    /// YAML or JSON Kubernetes manifests.
    #[default]
    Manifest,
    /// A Dockerfile (or Containerfile).
    Dockerfile,
}

impl Format {
    /// What a file's name says it holds: a Dockerfile by its name (`Dockerfile`,
    /// `Containerfile`, `*.Dockerfile`, `Dockerfile.*`), else manifests.
    pub fn of_path(path: &std::path::Path) -> Format {
        if kubegate_dockerfile::is_dockerfile_name(path) { Format::Dockerfile } else { Format::Manifest }
    }
}

impl Source {
    /// Accepts the bytes of an input file, or says why they are not a manifest.
    pub fn from_bytes(path: impl Into<String>, bytes: Vec<u8>) -> Result<Source, InputError> {
        let path = path.into();
        if let Some(at) = bytes.iter().position(|&b| b == 0) {
            let line = bytes[..at].iter().filter(|&&b| b == b'\n').count() as u32 + 1;
            return Err(InputError::new(
                path,
                line,
                1,
                "binary file (contains NUL bytes): not a YAML or JSON manifest",
            ));
        }
        match String::from_utf8(bytes) {
            Ok(mut text) => {
                if text.starts_with('\u{feff}') {
                    text.remove(0);
                }
                Ok(Source { path, text, walked: false, format: Format::Manifest })
            }
            Err(e) => {
                let good = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = good.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
                let col = good.iter().rev().take_while(|&&b| b != b'\n').count() as u32 + 1;
                Err(InputError::new(path, line, col, "invalid UTF-8: manifests must be UTF-8 text"))
            }
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Rego policies (`-p`, or `policies:` in the config), evaluated on every resource.
    pub policies: Option<Arc<dyn Policies>>,
    /// Run the policies only, not the built-in rule pack (`-p` without `--builtin`, as
    /// Conftest runs only the policies it is given).
    pub policies_only: bool,
    /// `--env NAME`: every resource is bound for this environment.
    pub env: Option<String>,
    /// `--today DATE`: the date exemptions are judged on (default: the local date).
    pub today: Option<Date>,
    /// What to check: the rule pack, or exactly one Pod Security Standard.
    pub profile: Profile,
    /// Bind each resource to its environment and check nothing (`kubegate env`).
    pub bind_only: bool,
    /// Judge each object alone (admission): the rules that need other resources (a
    /// PodDisruptionBudget, a NetworkPolicy, a ServiceAccount, an HPA) are skipped, as
    /// one object cannot answer them.
    pub alone: bool,
    /// A stream longer than this many bytes is cut at document starts into parts of
    /// about this size, checked in parallel (default [`PART_BYTES`]). The outcome is the
    /// same whatever the size: tests and fuzzing compare small parts with none.
    pub part_bytes: Option<usize>,
}

/// The default of [`CheckOptions::part_bytes`]: large enough that a part's fixed costs
/// vanish, small enough that a `kustomize build` stream of a few megabytes keeps every
/// core busy.
pub const PART_BYTES: usize = 256 * 1024;

/// `--profile`: the built-in rule pack with its levels per environment (default), or
/// exactly the Pod Security Standard of one level and version, every violation denied.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Profile {
    #[default]
    Default,
    Pss(pss::Level, pss::Version),
}

/// A file found by walking a folder and not checked, and why.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Skipped {
    pub file: String,
    pub why: String,
}

/// What the report says about each resource: where it is and which environment it got.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ResourceInfo {
    pub file: Arc<str>,
    pub line: u32,
    #[serde(flatten)]
    pub id: Arc<ResourceId>,
    pub environment: Arc<str>,
    pub environment_reason: Arc<str>,
    /// The Helm template the resource was rendered from (`# Source:`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Arc<str>>,
    /// What the resource says about others (a workload's pods, a Service's or monitor's
    /// selector, a binding's subjects), for reports that relate resources to workloads.
    /// Not part of the JSON contract.
    #[serde(skip)]
    pub related: Option<Arc<crate::resources::related::Related>>,
}

#[derive(Debug, Default)]
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub errors: Vec<InputError>,
    pub resources: Vec<ResourceInfo>,
    pub files: usize,
    /// Files found by walking a folder and not checked, with why: no Kubernetes document
    /// in them, or an ignore file names them.
    pub skipped: Vec<Skipped>,
    /// Every exemption met: on the resources, and every central one (matched or not), in
    /// the order of findings.
    pub exemptions: Vec<ExemptionRecord>,
    /// The date exemptions were judged on.
    pub today: Date,
    /// Conftest's counts, when Rego policies ran.
    pub policy: Option<PolicyCounts>,
    /// What the run noticed that does not fail it (a config glob that matches nothing),
    /// with the place it is about.
    pub notices: Vec<InputError>,
}

impl Outcome {
    /// Orders the findings as every report shows them: by input, then file (a finding
    /// traced from a rendered overlay to a source file stands in that file), line and
    /// column; at one position, by resource (documents of one overlay traced to one base
    /// line), then rules in registry order (Rego results last).
    pub fn sort_findings(&mut self) {
        let order: HashMap<&str, usize> = rules::ALL.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
        self.findings.sort_by_cached_key(|f| {
            let rule = order.get(&*f.rule).copied().unwrap_or(usize::MAX);
            (f.file_index, f.file.clone(), f.line, f.column, f.resource_index, rule)
        });
    }

    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level && f.exemption.is_none()).count()
    }
}

/// Levels and parameters per (rule, environment), resolved once per run.
pub(crate) struct Plan {
    pub(crate) levels: Vec<Vec<(Level, Vec<f64>)>>,
    pub(crate) today: Date,
    pub(crate) settings: rules::Settings,
}

/// Runs the built-in rules over sources already in memory.
pub fn check(sources: &[Source], config: &Config, opts: &CheckOptions) -> Outcome {
    check_inputs(sources.len(), |i| Ok(Cow::Borrowed(&sources[i])), config, opts)
}

/// Runs the built-in rules over `count` inputs, reading input `i` with `load(i)` when its
/// turn comes (in parallel), so that only the inputs being checked are in memory. An
/// input that cannot be read is an error in its place; the others are still checked.
pub fn check_inputs<'s>(
    count: usize,
    load: impl Fn(usize) -> Result<Cow<'s, Source>, InputError> + Sync,
    config: &Config,
    opts: &CheckOptions,
) -> Outcome {
    run(count, |fi, forced, plan| check_file(fi, load(fi), config, forced, opts, plan), config, opts)
}

/// Runs the built-in rules (and policies) over one document already parsed (an admission
/// request's object, read with [`kubegate_yaml::from_json`]), named `name` in the outcome.
pub fn check_tree(root: &kubegate_yaml::Node<'_>, name: &str, config: &Config, opts: &CheckOptions) -> Outcome {
    run(1, |fi, forced, plan| file::check_tree(fi, name, root, config, forced, opts, plan), config, opts)
}

/// A run over `count` inputs, input `i` checked by `one(i, forced environment, plan)`.
fn run(
    count: usize,
    one: impl Fn(usize, Option<usize>, &Plan) -> FileResult + Sync,
    config: &Config,
    opts: &CheckOptions,
) -> Outcome {
    let today = opts.today.unwrap_or_else(exemptions::local_today);
    let mut outcome = Outcome { files: count, today, ..Outcome::default() };
    let forced = match &opts.env {
        Some(name) => match config.env_index(name) {
            Some(i) => Some(i),
            None => {
                outcome.errors.push(InputError::flag("--env", config.unknown_environment(name, "")));
                return outcome;
            }
        },
        None => None,
    };
    let plan = Plan {
        levels: rules::ALL
            .iter()
            .map(|r| (0..config.environments.len()).map(|e| (config.level(r, e), config.params(r))).collect())
            .collect(),
        today,
        settings: config.rule_settings(),
    };
    let results: Vec<FileResult> = (0..count).into_par_iter().map(|fi| one(fi, forced, &plan)).collect();

    // Merge, turning file-local resource indices into run-wide ones; sized exactly, so
    // the merge does not double the findings' memory.
    // One input's lists move whole.
    let mut all = FileResult::default();
    if results.len() > 1 {
        all.reserve(results.iter());
    }
    let mut policy_errors: Vec<(InputError, Vec<String>)> = Vec::new();
    let mut kept: Vec<(String, Vec<Kept>)> = Vec::new();
    for mut r in results {
        if let Some(s) = r.skipped.take() {
            // Not a manifest: counted as skipped, not as a file checked.
            outcome.files -= 1;
            outcome.skipped.push(s);
        }
        // One broken policy fails on every document: report it once, saying where.
        for (e, doc) in std::mem::take(&mut r.policy_errors) {
            match policy_errors.iter_mut().find(|(seen, _)| *seen == e) {
                Some((_, docs)) => docs.push(doc),
                None => policy_errors.push((e, vec![doc])),
            }
        }
        if !r.kept.is_empty() {
            let path = r.resources.first().map(|i| i.file.to_string()).unwrap_or_default();
            kept.push((path, std::mem::take(&mut r.kept)));
        }
        all.append(r);
    }
    let FileResult {
        findings, errors, resources, facts, pending, exemptions, policy_passed, policy_exceptions, ..
    } = all;
    let (mut policy_passed, mut policy_exceptions) = (policy_passed, policy_exceptions);
    (outcome.findings, outcome.errors, outcome.resources, outcome.exemptions) =
        (findings, errors, resources, exemptions);

    let index = Index::new(facts.into_iter().flatten());
    let judged: Vec<Finding> = pending
        .into_par_iter()
        .flatten()
        .filter_map(|p| {
            let Check::Bundle { judge, .. } = p.rule.check else {
                return None;
            };
            let rules::Judged { message, help } = judge(&index, &p)?;
            let place = Place {
                file: p.file,
                file_index: p.file_index as u32,
                span: Some(p.span),
                resource: p.resource,
                resource_index: p.resource_index as u32,
            };
            Some(Finding { help, ..Finding::new(p.rule.id, p.level, p.environment, message, place, p.path) })
        })
        .collect();
    outcome.findings.extend(judged);
    // Helm: every finding names the template its resource was rendered from.
    for f in &mut outcome.findings {
        if let Some(r) = outcome.resources.get(f.resource_index as usize) {
            f.source = r.source.clone();
        }
    }
    if let Some(policies) = opts.policies.as_deref().filter(|p| p.combine()) {
        // Conftest names the combined input's results `Combined`.
        let mut combined = FileResult::default();
        match policies.evaluate_combined(kept) {
            Ok(verdict) => {
                let environment: Arc<str> = forced.map(|i| config.environments[i].env.name.clone()).unwrap_or_default();
                let file: Arc<str> = "Combined".into();
                let resource = Arc::new(ResourceId::default());
                push_verdict(&mut combined, verdict, |rule, level, message, exemption| {
                    let place = Place {
                        file: file.clone(),
                        file_index: u32::MAX,
                        span: None,
                        resource: resource.clone(),
                        resource_index: u32::MAX,
                    };
                    Finding {
                        exemption,
                        ..Finding::new(rule, level, environment.clone(), message, place, Route::root())
                    }
                });
            }
            Err(e) => policy_errors.push((e, vec!["the combined input".into()])),
        }
        policy_passed += combined.policy_passed;
        policy_exceptions += combined.policy_exceptions;
        outcome.findings.append(&mut combined.findings);
    }
    for (mut e, docs) in policy_errors {
        e.message = match docs.len() {
            1 => format!("{} (evaluating {})", e.message, docs[0]),
            n => format!("{} (evaluating {} and {} more documents)", e.message, docs[0], n - 1),
        };
        outcome.errors.push(e);
    }
    exemptions::apply(&mut outcome.findings, &outcome.exemptions);
    if opts.policies.is_some() {
        // Conftest's counts. A Rego result exempted by kubegate's annotations is counted
        // as an exception, like one excepted by an `exception` rule (which the policy
        // counted already): either way it does not fail the run.
        let rego = outcome.findings.iter().filter(|f| exemptions::is_rego_id(&f.rule));
        let (mut counts, mut exempted) = (PolicyCounts { passed: policy_passed, ..PolicyCounts::default() }, 0);
        for f in rego {
            match (&f.exemption, f.level) {
                (Some(e), _) if e.source == exemptions::Origin::Rego => {}
                (Some(_), _) => exempted += 1,
                (None, Level::Deny) => counts.failures += 1,
                (None, _) => counts.warnings += 1,
            }
        }
        counts.exceptions = policy_exceptions + exempted;
        counts.tests = counts.passed + counts.warnings + counts.failures + counts.exceptions;
        outcome.policy = Some(counts);
    }
    // A central exemption that matched nothing is still listed, judged without an environment.
    let matched: std::collections::HashSet<usize> = outcome.exemptions.iter().filter_map(|e| e.central).collect();
    for (i, c) in config.exemptions.central.iter().enumerate().filter(|(i, _)| !matched.contains(i)) {
        let a = exemptions::assess(c.declared.clone(), Some(i), None, config, today);
        outcome.exemptions.push(ExemptionRecord::new(&a, None));
    }
    outcome.exemptions.sort_by_key(|e| (e.file_index, e.line, e.column));
    outcome.sort_findings();
    outcome
}
