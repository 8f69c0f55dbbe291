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
use crate::environment;
use crate::exemptions::{self, Date, ExemptionRecord};
use crate::facts::{Fact, Index, Pending};
use crate::finding::{Finding, InputError, Level, Place, ResourceId};
use crate::policy::{Kept, Policies, PolicyCounts, Verdict};
use crate::pss;
use crate::resources::{self, NotAResource};
use crate::rules::{self, Check, Ctx};
use kubegate_yaml::Node;
use kubegate_yaml::Route;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

/// One input: the path shown in reports (`<stdin>` for stdin) and its text.
#[derive(Clone, Debug)]
pub struct Source {
    pub path: String,
    pub text: String,
    /// Found by walking a folder (not named): a file with no Kubernetes document in it
    /// (a values file, a CI workflow) is then skipped and counted, not an error.
    pub walked: bool,
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
                Ok(Source { path, text, walked: false })
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
}

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
    pub fn count(&self, level: Level) -> usize {
        self.findings.iter().filter(|f| f.level == level && f.exemption.is_none()).count()
    }
}

/// The `# Source: chart/templates/x.yaml` comments `helm template` writes before each
/// document, by line.
fn helm_sources(text: &str) -> Vec<(u32, Arc<str>)> {
    if !text.contains("# Source: ") {
        return Vec::new();
    }
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| l.strip_prefix("# Source: ").map(|s| (i as u32 + 1, Arc::from(s.trim()))))
        .collect()
}

/// Where an unrendered Helm template shows in the document around `line` (a document
/// that failed to parse): the first `{{` outside a comment between the document markers
/// (`---`) before and after that line. Valid YAML holding `{{ … }}` in its strings (an
/// alerting rule's `{{ $labels.instance }}`) is a manifest, not a template: only text
/// that fails to parse is looked at here.
fn template_in_document(lines: &[&str], line: u32) -> Option<(u32, u32)> {
    if lines.is_empty() {
        return None;
    }
    let at = (line as usize).saturating_sub(1).min(lines.len().saturating_sub(1));
    let is_marker = |l: &str| l.starts_with("---") && l[3..].chars().next().is_none_or(char::is_whitespace);
    let start = (0..=at).rev().find(|&i| is_marker(lines[i])).unwrap_or(0);
    let end = (at + 1..lines.len()).find(|&i| is_marker(lines[i])).unwrap_or(lines.len());
    (start..end).find_map(|i| {
        let l = lines[i];
        let code = match l.find(" #") {
            Some(c) => &l[..c],
            None if l.trim_start().starts_with('#') => "",
            None => l,
        };
        let col = code.find("{{")?;
        Some((i as u32 + 1, l[..col].chars().count() as u32 + 1))
    })
}

/// Everything one file yields; resource indices are local to the file until merged.
#[derive(Default)]
struct FileResult {
    findings: Vec<Finding>,
    errors: Vec<InputError>,
    resources: Vec<ResourceInfo>,
    facts: Vec<Fact>,
    pending: Vec<Pending>,
    exemptions: Vec<ExemptionRecord>,
    /// Rego: rules without results (Conftest's passed tests) and granted exceptions.
    policy_passed: usize,
    policy_exceptions: usize,
    /// Rego errors, each with the document it happened on (`file:line`).
    policy_errors: Vec<(InputError, String)>,
    /// `--combine`: each resource's converted document.
    kept: Vec<Kept>,
    /// A walked file with no Kubernetes document: skipped.
    skipped: Option<Skipped>,
}

/// The state of checking one file: its identity and what it has yielded so far.
struct FileCheck<'c> {
    fi: usize,
    path: &'c str,
    shown: Arc<str>,
    config: &'c Config,
    forced: Option<usize>,
    profile: Profile,
    plan: &'c Plan,
    policies: Option<&'c dyn Policies>,
    policies_only: bool,
    bind_only: bool,
    /// Documents of one file mostly share a namespace, hence a binding: reuse it.
    last_binding: Option<(Option<String>, environment::Binding)>,
    /// Documents that are not Kubernetes resources (no `kind`, no `apiVersion`).
    not_kubernetes: usize,
    /// `# Source:` lines of a `helm template` stream, and the previous document's start.
    helm: Vec<(u32, Arc<str>)>,
    previous_doc_line: u32,
    out: FileResult,
}

impl FileCheck<'_> {
    /// Checks one resource (a document, or an item of a `List`).
    fn resource(&mut self, doc_index: usize, root: &Node<'_>, duplicates: Vec<kubegate_yaml::DuplicateKey>) {
        let out = &mut self.out;
        let (api_version, kind) = match resources::identify(root) {
            Ok(id) => id,
            Err(NotAResource::Skip) => return,
            Err(NotAResource::Error(span, msg)) => {
                out.errors.push(InputError::new(self.path, span.start.line, span.start.col, msg));
                self.not_kubernetes += 1;
                return;
            }
        };
        let ns = resources::environment_namespace(kind, root);
        let binding = match &self.last_binding {
            Some((last_ns, b)) if last_ns.as_deref() == ns => b.clone(),
            _ => {
                let b = crate::config::binding::bind(self.config, self.forced, self.path, ns);
                self.last_binding = Some((ns.map(str::to_string), b.clone()));
                b
            }
        };
        let pod_spec = self.config.pod_spec_path(api_version, kind);
        let mut r = resources::build(self.fi, doc_index, root, (api_version, kind), binding, duplicates, pod_spec);
        r.index = out.resources.len();
        let env = &self.config.environments[r.binding.env].env;
        // The template is the last `# Source:` between the previous document and this one.
        let start = root.span.start.line;
        let source = match self.helm.partition_point(|(l, _)| *l < start) {
            0 => None,
            i => Some(&self.helm[i - 1]).filter(|(l, _)| *l >= self.previous_doc_line).map(|(_, s)| s.clone()),
        };
        if start > self.previous_doc_line {
            self.previous_doc_line = start;
        }
        out.resources.push(ResourceInfo {
            file: self.shown.clone(),
            line: root.span.start.line,
            id: r.id(),
            environment: env.name.clone(),
            environment_reason: r.binding.reason.clone(),
            source,
        });
        if self.bind_only {
            return;
        }
        out.facts.extend(Fact::of(&r));
        // Most resources carry no exemption and match no central one: no allocation then.
        let assessed = exemptions::for_resource(&r, &self.shown, self.config, self.plan.today);
        if self.policies_only {
            // `-p` without `--builtin`: the policies alone, as in Conftest.
        } else if let Profile::Pss(level, version) = self.profile {
            // Exactly the standard, nothing else.
            if let Some(pod) = &r.pod {
                for check in pss::checks(level, version) {
                    for v in pss::run(check, version, pod) {
                        let message = format!("{} {}", r.subject(&env.display), v.message);
                        let place = place(&self.shown, self.fi, &r, Some(v.span));
                        let f = Finding::new(check.rule_id(), Level::Deny, env.name.clone(), message, place, v.path);
                        out.findings.push(Finding { container: v.container, ..f });
                    }
                }
            }
        } else {
            for (ri, rule) in rules::ALL.iter().enumerate() {
                let (level, params) = &self.plan.levels[ri][r.binding.env];
                if *level == Level::Off {
                    continue;
                }
                let mut ctx = Ctx {
                    rule,
                    settings: &self.plan.settings,
                    res: &r,
                    env,
                    level: *level,
                    file_name: &self.shown,
                    today: self.plan.today,
                    exemptions: &assessed,
                    params,
                    out: &mut out.findings,
                    deferred: &mut out.pending,
                };
                match rule.check {
                    Check::Resource(check) => check(&mut ctx),
                    Check::Pod(check) => {
                        if let Some(pod) = &r.pod {
                            check(&mut ctx, pod);
                        }
                    }
                    Check::Container(check) => {
                        for c in r.pod.iter().flat_map(|p| &p.containers) {
                            check(&mut ctx, c);
                        }
                    }
                    Check::Bundle { collect, .. } => collect(&mut ctx),
                }
            }
        }
        if let Some(policies) = self.policies {
            if policies.combine() {
                out.kept.push(policies.keep(root));
            } else {
                match policies.evaluate(root) {
                    Ok(verdict) => {
                        // A Rego result is about the whole document: it points at the
                        // document's first key, the line where the document starts.
                        let span = root.entries().first().map(|(k, _)| k.span).unwrap_or(root.span);
                        push_verdict(out, verdict, |rule, level, message, exemption| Finding {
                            exemption,
                            ..Finding::new(
                                rule,
                                level,
                                env.name.clone(),
                                message,
                                place(&self.shown, self.fi, &r, Some(span)),
                                Route::root(),
                            )
                        });
                    }
                    Err(e) => out.policy_errors.push((e, format!("{}:{}", self.path, root.span.start.line))),
                }
            }
        }
        for a in &assessed {
            out.exemptions.push(ExemptionRecord::new(a, Some((r.index as u32, r.id(), env.name.clone()))));
        }
    }
}

impl FileCheck<'_> {
    /// Checks a document: a resource, or a `List` (`kind: List`, `kubectl get -o yaml`
    /// output such as `PodList`) whose `items` are checked at any depth, as `kubectl`
    /// flattens nested lists. `prefix` is the path of `root` in the document.
    fn document(
        &mut self,
        doc_index: usize,
        root: &Node<'_>,
        duplicates: &[kubegate_yaml::DuplicateKey],
        prefix: &Route,
        depth: usize,
    ) {
        let kind = root.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        let Some(items) = root.get("items").filter(|_| kind.ends_with("List")) else {
            let dups = duplicates
                .iter()
                .filter_map(|d| {
                    let path = d.path.strip_prefix(prefix)?;
                    Some(kubegate_yaml::DuplicateKey { path, ..d.clone() })
                })
                .collect();
            return self.resource(doc_index, root, dups);
        };
        if !matches!(items.data, kubegate_yaml::Data::Seq(_)) && !items.is_null() {
            let at = items.span.start;
            let message = format!("`items` of a {kind} must be a list of resources, found {}", items.type_name());
            self.out.errors.push(InputError::new(self.path, at.line, at.col, message));
            return;
        }
        if depth >= MAX_LIST_DEPTH {
            let at = root.span.start;
            let message = format!("lists nested more than {MAX_LIST_DEPTH} deep");
            self.out.errors.push(InputError::new(self.path, at.line, at.col, message));
            return;
        }
        for (i, item) in items.items().iter().enumerate() {
            self.document(doc_index, item, duplicates, &prefix.clone().key("items").index(i), depth + 1);
        }
    }
}

/// Where a finding about resource `r` of the file `shown` (input `fi`) is.
fn place(shown: &Arc<str>, fi: usize, r: &resources::Resource<'_>, span: Option<kubegate_yaml::Span>) -> Place {
    Place { file: shown.clone(), file_index: fi as u32, span, resource: r.id(), resource_index: r.index as u32 }
}

/// How deeply `List`s may nest inside each other.
const MAX_LIST_DEPTH: usize = 32;

/// Turns a policy verdict into findings (built by `finding(rule, level, message, exemption)`)
/// and counts.
fn push_verdict(
    out: &mut FileResult,
    verdict: Verdict,
    finding: impl Fn(String, Level, String, Option<Arc<exemptions::Exemption>>) -> Finding,
) {
    out.policy_passed += verdict.passed;
    out.policy_exceptions += verdict.exceptions;
    for res in verdict.results {
        out.findings.push(finding(res.rule, res.level, res.message, res.exception));
    }
}

/// Levels and parameters per (rule, environment), resolved once per run.
struct Plan {
    levels: Vec<Vec<(Level, Vec<f64>)>>,
    today: Date,
    settings: rules::Settings,
}

fn check_file(
    fi: usize,
    src: Result<Cow<'_, Source>, InputError>,
    config: &Config,
    forced: Option<usize>,
    opts: &CheckOptions,
    plan: &Plan,
) -> FileResult {
    let failed = |e: InputError| FileResult { errors: vec![e], ..FileResult::default() };
    let src = match src {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let mut file = FileCheck {
        fi,
        path: &src.path,
        shown: src.path.as_str().into(),
        config,
        forced,
        profile: opts.profile,
        plan,
        policies: opts.policies.as_deref(),
        policies_only: opts.policies_only && opts.policies.is_some(),
        bind_only: opts.bind_only,
        not_kubernetes: 0,
        last_binding: None,
        helm: helm_sources(&src.text),
        previous_doc_line: 0,
        out: FileResult::default(),
    };
    let mut any_document = false;
    let errors = kubegate_yaml::load_each_recovering(&src.text, |doc, duplicates| {
        if doc.root.is_null() {
            return;
        }
        any_document = true;
        file.document(doc.index, &doc.root, &duplicates, &Route::root(), 0);
    });
    let not_kubernetes = file.not_kubernetes;
    let mut out = file.out;
    if !out.kept.is_empty() {
        out.kept.shrink_to_fit();
    }
    // The file's lines, split once for every error (only a file holding `{{` can hold a
    // template).
    let lines: Vec<&str> = if errors.is_empty() || !src.text.contains("{{") {
        Vec::new()
    } else {
        kubegate_yaml::yaml_lines(&src.text).map(|l| l.trim_end_matches(['\r', '\n'])).collect()
    };
    for e in &errors {
        // One document that cannot be parsed is an error in its place; the documents
        // around it were checked.
        out.errors.push(match template_in_document(&lines, e.pos.line) {
            Some((line, col)) => InputError::new(
                &src.path,
                line,
                col,
                "unrendered Helm template (`{{ … }}`): render it first, e.g. `helm template CHART | kubegate test -`",
            ),
            None => InputError::new(&src.path, e.pos.line, e.pos.col, format!("cannot parse YAML: {}", e.message)),
        });
    }
    // A file found by walking whose documents are none of them Kubernetes resources (no
    // `apiVersion` and `kind` anywhere: a values file, a CI workflow) is not a manifest:
    // it is skipped and counted, where a file named on the command line is an error.
    if src.walked
        && errors.is_empty()
        && not_kubernetes > 0
        && out.resources.is_empty()
        && out.errors.len() == not_kubernetes
    {
        let why = "no Kubernetes document (no apiVersion and kind)".into();
        return FileResult { skipped: Some(Skipped { file: src.path.clone(), why }), ..FileResult::default() };
    }
    if errors.is_empty() && !any_document {
        out.errors.push(InputError::new(&src.path, 1, 1, "empty file: no Kubernetes documents"));
    }
    out
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
    let today = opts.today.unwrap_or_else(exemptions::local_today);
    let mut outcome = Outcome { files: count, today, ..Outcome::default() };
    let forced = match &opts.env {
        Some(name) => match config.env_index(name) {
            Some(i) => Some(i),
            None => {
                outcome.errors.push(InputError::new(
                    "--env",
                    0,
                    0,
                    format!("unknown environment `{name}`; known: {}", config.env_names().join(", ")),
                ));
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
    let results: Vec<FileResult> =
        (0..count).into_par_iter().map(|fi| check_file(fi, load(fi), config, forced, opts, &plan)).collect();

    // Merge, turning file-local resource indices into run-wide ones; sized exactly, so
    // the merge does not double the findings' memory.
    let total = |f: fn(&FileResult) -> usize| results.iter().map(f).sum::<usize>();
    outcome.findings.reserve_exact(total(|r| r.findings.len()));
    outcome.resources.reserve_exact(total(|r| r.resources.len()));
    let mut facts = Vec::with_capacity(total(|r| r.facts.len()));
    let mut pending = Vec::with_capacity(total(|r| r.pending.len()));
    let (mut policy_passed, mut policy_exceptions) = (0, 0);
    let mut policy_errors: Vec<(InputError, Vec<String>)> = Vec::new();
    let mut kept: Vec<(String, Vec<Kept>)> = Vec::new();
    for mut r in results {
        if let Some(s) = r.skipped.take() {
            // Not a manifest: counted as skipped, not as a file checked.
            outcome.files -= 1;
            outcome.skipped.push(s);
        }
        policy_passed += r.policy_passed;
        policy_exceptions += r.policy_exceptions;
        // One broken policy fails on every document: report it once, saying where.
        for (e, doc) in r.policy_errors {
            match policy_errors.iter_mut().find(|(seen, _)| *seen == e) {
                Some((_, docs)) => docs.push(doc),
                None => policy_errors.push((e, vec![doc])),
            }
        }
        if !r.kept.is_empty() {
            let path = r.resources.first().map(|i| i.file.to_string()).unwrap_or_default();
            kept.push((path, std::mem::take(&mut r.kept)));
        }
        let offset = outcome.resources.len();
        outcome.findings.extend(r.findings.into_iter().map(|mut f| {
            f.resource_index += offset as u32;
            f
        }));
        outcome.errors.append(&mut r.errors);
        outcome.resources.append(&mut r.resources);
        facts.extend(r.facts.into_iter().map(|mut f| {
            if let Fact::Pdb { resource, .. } = &mut f {
                *resource += offset;
            }
            f
        }));
        pending.extend(r.pending.into_iter().map(|mut p| {
            p.resource_index += offset;
            p
        }));
        outcome.exemptions.extend(r.exemptions.into_iter().map(|mut e| {
            e.resource_index = e.resource_index.map(|i| i + offset as u32);
            e
        }));
    }

    let index = Index::new(facts);
    let judged: Vec<Finding> = pending
        .into_par_iter()
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
    // Stable: within one position, rules keep their registry order.
    let order: HashMap<&str, usize> = rules::ALL.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    outcome
        .findings
        .sort_by_cached_key(|f| (f.file_index, f.line, f.column, order.get(&*f.rule).copied().unwrap_or(usize::MAX)));
    outcome
}
