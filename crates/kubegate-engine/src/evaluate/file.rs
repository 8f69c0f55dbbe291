//! One file of the evaluate stage: its documents parsed one at a time, each resource bound
//! to its environment and checked by the per-resource rules and the policies while its
//! tree is alive, leaving findings, owned facts and deferred questions.

use crate::config::Config;
use crate::environment;
use crate::exemptions::{self, ExemptionRecord};
use crate::facts::{Fact, Pending};
use crate::finding::{Finding, InputError, Level, Place};
use crate::policy::{Kept, Policies, Verdict};
use crate::pss;
use crate::resources::{self, NotAResource};
use crate::rules::{self, Check, Ctx};
use kubegate_yaml::Node;
use kubegate_yaml::Route;
use rayon::prelude::*;
use std::borrow::Cow;
use std::sync::Arc;

use super::{CheckOptions, PART_BYTES, Plan, Profile, ResourceInfo, Skipped, Source};

/// The `# Source: chart/templates/x.yaml` comments `helm template` writes before each
/// document, by line.
fn helm_sources(text: &str) -> Vec<(u32, Arc<str>)> {
    if !text.contains("# Source: ") {
        return Vec::new();
    }
    kubegate_yaml::yaml_lines(text)
        .enumerate()
        .filter_map(|(i, l)| l.strip_prefix("# Source: ").map(|s| (i as u32 + 1, Arc::from(s.trim()))))
        .collect()
}

/// Names the template each resource of a `helm template` stream was rendered from: the
/// last `# Source:` line between the previous resource and this one (resources in the
/// order of the file).
fn name_templates(sources: &[(u32, Arc<str>)], resources: &mut [ResourceInfo]) {
    if sources.is_empty() {
        return;
    }
    let mut previous = 0;
    for r in resources {
        let start = r.line;
        r.source = match sources.partition_point(|(l, _)| *l < start) {
            0 => None,
            i => Some(&sources[i - 1]).filter(|(l, _)| *l >= previous).map(|(_, s)| s.clone()),
        };
        previous = previous.max(start);
    }
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
pub(super) struct FileResult {
    pub(super) findings: Vec<Finding>,
    pub(super) errors: Vec<InputError>,
    pub(super) resources: Vec<ResourceInfo>,
    /// Facts and deferred questions, a list per file or part (joining them would copy
    /// them all).
    pub(super) facts: Vec<Vec<Fact>>,
    pub(super) pending: Vec<Vec<Pending>>,
    pub(super) exemptions: Vec<ExemptionRecord>,
    /// Rego: rules without results (Conftest's passed tests) and granted exceptions.
    pub(super) policy_passed: usize,
    pub(super) policy_exceptions: usize,
    /// Rego errors, each with the document it happened on (`file:line`).
    pub(super) policy_errors: Vec<(InputError, String)>,
    /// `--combine`: each resource's converted document.
    pub(super) kept: Vec<Kept>,
    /// A walked file with no Kubernetes document: skipped.
    pub(super) skipped: Option<Skipped>,
}

impl FileResult {
    /// Makes room for the results of `all`, to be appended one after another (so that
    /// the lists are allocated once, at their final size).
    pub(super) fn reserve<'r>(&mut self, all: impl Iterator<Item = &'r FileResult> + Clone) {
        let total = |f: fn(&FileResult) -> usize| all.clone().map(f).sum::<usize>();
        self.findings.reserve_exact(total(|r| r.findings.len()));
        self.resources.reserve_exact(total(|r| r.resources.len()));
        self.exemptions.reserve_exact(total(|r| r.exemptions.len()));
    }

    /// Appends what a later file (or a later part of the same stream) yielded, turning its
    /// local resource indices into indices among the resources gathered so far.
    pub(super) fn append(&mut self, mut later: FileResult) {
        let offset = self.resources.len();
        for f in &mut later.findings {
            f.resource_index += offset as u32;
        }
        for f in later.facts.iter_mut().flatten() {
            if let Fact::Pdb { resource, .. } = f {
                *resource += offset;
            }
        }
        for p in later.pending.iter_mut().flatten() {
            p.resource_index += offset;
        }
        for e in &mut later.exemptions {
            e.resource_index = e.resource_index.map(|i| i + offset as u32);
        }
        // Into an empty list that has not room for it, the later list moves whole.
        fn join<T>(to: &mut Vec<T>, mut from: Vec<T>) {
            if to.is_empty() && to.capacity() < from.len() {
                *to = from;
            } else {
                to.append(&mut from);
            }
        }
        join(&mut self.findings, later.findings);
        join(&mut self.errors, later.errors);
        join(&mut self.resources, later.resources);
        join(&mut self.facts, later.facts);
        join(&mut self.pending, later.pending);
        join(&mut self.exemptions, later.exemptions);
        self.policy_passed += later.policy_passed;
        self.policy_exceptions += later.policy_exceptions;
        join(&mut self.policy_errors, later.policy_errors);
        join(&mut self.kept, later.kept);
    }
}

/// The state of checking one file (or one part of a stream): its identity and what it
/// has yielded so far.
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
    alone: bool,
    /// Documents of one file mostly share a namespace, hence a binding: reuse it.
    last_binding: Option<(Option<String>, environment::Binding)>,
    /// Documents that are not Kubernetes resources (no `kind`, no `apiVersion`).
    not_kubernetes: usize,
    /// Whether any document was not empty.
    any_document: bool,
    facts: Vec<Fact>,
    pending: Vec<Pending>,
    out: FileResult,
}

impl<'c> FileCheck<'c> {
    fn new(
        fi: usize,
        path: &'c str,
        shown: Arc<str>,
        config: &'c Config,
        forced: Option<usize>,
        opts: &'c CheckOptions,
        plan: &'c Plan,
    ) -> FileCheck<'c> {
        FileCheck {
            fi,
            path,
            shown,
            config,
            forced,
            profile: opts.profile,
            plan,
            policies: opts.policies.as_deref(),
            policies_only: opts.policies_only && opts.policies.is_some(),
            bind_only: opts.bind_only,
            alone: opts.alone,
            not_kubernetes: 0,
            any_document: false,
            last_binding: None,
            facts: Vec::new(),
            pending: Vec::new(),
            out: FileResult::default(),
        }
    }
}

impl FileCheck<'_> {
    /// Checks one resource (a document, or an item of a `List`).
    fn resource(&mut self, root: &Node<'_>, duplicates: Vec<kubegate_yaml::DuplicateKey>) {
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
        let mut r = resources::build(self.fi, root, (api_version, kind), binding, duplicates, pod_spec);
        r.index = out.resources.len();
        let env = &self.config.environments[r.binding.env].env;
        out.resources.push(ResourceInfo {
            file: self.shown.clone(),
            line: root.span.start.line,
            id: r.id(),
            environment: env.name.clone(),
            environment_reason: r.binding.reason.clone(),
            // Set once the whole file is read (see `helm_sources`).
            source: None,
            related: resources::related::Related::of(&r).map(Arc::new),
        });
        if self.bind_only {
            return;
        }
        self.facts.extend(Fact::of(&r));
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
                        let id = rules::for_pss(check).map_or(check.upstream_id(), |r| r.id);
                        let f = Finding::new(id, Level::Deny, env.name.clone(), message, place, v.path);
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
                    deferred: &mut self.pending,
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
                    Check::Bundle { .. } if self.alone => {}
                    Check::Bundle { collect, .. } => collect(&mut ctx),
                    Check::Dockerfile(_) => {}
                }
            }
        }
        if let Some(policies) = self.policies {
            if policies.combine() {
                // Kept whole, List or not, by `document` (Conftest's combined input).
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
    fn document(&mut self, root: &Node<'_>, duplicates: &[kubegate_yaml::DuplicateKey], prefix: &Route, depth: usize) {
        if depth == 0
            && root.is_map()
            && root.get("kind").is_some()
            && let Some(policies) = self.policies.filter(|p| p.combine())
        {
            // Conftest's combined input holds each document as written: a List whole.
            self.out.kept.push(policies.keep(root));
        }
        let kind = root.get("kind").and_then(|k| k.as_str()).unwrap_or("");
        let Some(items) = root.get("items").filter(|_| kind.ends_with("List")) else {
            let dups = duplicates
                .iter()
                .filter_map(|d| {
                    let path = d.path.strip_prefix(prefix)?;
                    Some(kubegate_yaml::DuplicateKey { path, ..d.clone() })
                })
                .collect();
            return self.resource(root, dups);
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
            self.document(item, duplicates, &prefix.clone().key("items").index(i), depth + 1);
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
pub(super) fn push_verdict(
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

/// Checks one document already parsed, as input `fi` named `name`.
pub(super) fn check_tree(
    fi: usize,
    name: &str,
    root: &Node<'_>,
    config: &Config,
    forced: Option<usize>,
    opts: &CheckOptions,
    plan: &Plan,
) -> FileResult {
    let mut file = FileCheck::new(fi, name, name.into(), config, forced, opts, plan);
    file.document(root, &[], &Route::root(), 0);
    let mut out = file.out;
    out.facts.push(file.facts);
    out.pending.push(file.pending);
    out
}

pub(super) fn check_file(
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
    if src.format == super::Format::Dockerfile {
        return super::dockerfile::check(fi, &src, config, forced, opts, plan);
    }
    // The text is freed before the results are joined: what outlives it is copied.
    let (path, walked) = (src.path.clone(), src.walked);
    let shown: Arc<str> = src.path.as_str().into();
    let blank = || FileCheck::new(fi, &path, shown.clone(), config, forced, opts, plan);
    let each = |file: &mut FileCheck<'_>, doc: kubegate_yaml::Document<'_>, duplicates: Vec<_>| {
        if doc.root.is_null() {
            return;
        }
        file.any_document = true;
        file.document(&doc.root, &duplicates, &Route::root(), 0);
    };
    // A long stream is checked in parts, in parallel, when every part parses on its own;
    // else (a document that fails to parse, a file over the alias budget) as a whole, so
    // that errors and the recovery after them are exactly the whole stream's.
    let parts = kubegate_yaml::split_stream(&src.text, opts.part_bytes.unwrap_or(PART_BYTES));
    // A policy that ran away in a part is reported even when the stream is then checked
    // whole (where it is no longer evaluated).
    let mut carried: Vec<(InputError, String)> = Vec::new();
    let in_parts = (parts.len() > 1)
        .then(|| {
            let checked: Vec<(FileCheck<'_>, kubegate_yaml::PartLoad)> = parts
                .into_par_iter()
                .map(|part| {
                    let mut file = blank();
                    let load = kubegate_yaml::load_part(part, |doc, dups| each(&mut file, doc, dups));
                    (file, load)
                })
                .collect();
            let expanded: usize = checked.iter().map(|(_, l)| l.expanded).sum();
            let clean =
                expanded <= kubegate_yaml::ALIAS_EXPANSION_BUDGET && checked.iter().all(|(_, l)| l.errors.is_empty());
            let parts = checked.into_iter().map(|(part, _)| part);
            if clean {
                return Some(parts.collect::<Vec<_>>());
            }
            carried = parts.flat_map(|p| p.out.policy_errors).collect();
            None
        })
        .flatten();
    let (checked, errors) = match in_parts {
        Some(parts) => (parts, Vec::new()),
        None => {
            let mut file = blank();
            let errors = kubegate_yaml::load_each_recovering(&src.text, |doc, dups| each(&mut file, doc, dups));
            for e in carried.drain(..) {
                if !file.out.policy_errors.contains(&e) {
                    file.out.policy_errors.push(e);
                }
            }
            (vec![file], errors)
        }
    };
    // What still needs the text: the Helm templates named in it, and the places of
    // unrendered templates among the errors. A file read for this check is then freed
    // before its parts' results are joined.
    let helm = helm_sources(&src.text);
    let errors: Vec<InputError> = {
        // The file's lines, split once for every error (only a file holding `{{` can
        // hold a template).
        let lines: Vec<&str> = if errors.is_empty() || !src.text.contains("{{") {
            Vec::new()
        } else {
            kubegate_yaml::yaml_lines(&src.text).map(|l| l.trim_end_matches(['\r', '\n'])).collect()
        };
        // One document that cannot be parsed is an error in its place; the documents
        // around it were checked.
        errors
            .iter()
            .map(|e| match template_in_document(&lines, e.pos.line) {
                Some((line, col)) => InputError::new(
                    &src.path,
                    line,
                    col,
                    "unrendered Helm template (`{{ … }}`): render it first, e.g. `helm template CHART | kubegate test -`",
                ),
                None => InputError::new(&src.path, e.pos.line, e.pos.col, format!("cannot parse YAML: {}", e.message)),
            })
            .collect()
    };
    drop(src);
    let (mut any_document, mut not_kubernetes) = (false, 0);
    let mut out = FileResult::default();
    if checked.len() > 1 {
        out.reserve(checked.iter().map(|part| &part.out));
    }
    for part in checked {
        not_kubernetes += part.not_kubernetes;
        any_document |= part.any_document;
        let mut part_out = part.out;
        part_out.facts.push(part.facts);
        part_out.pending.push(part.pending);
        out.append(part_out);
    }
    if !out.kept.is_empty() {
        out.kept.shrink_to_fit();
    }
    name_templates(&helm, &mut out.resources);
    let unparsed = errors.len();
    out.errors.extend(errors);
    // A file found by walking whose documents are none of them Kubernetes resources (no
    // `apiVersion` and `kind` anywhere: a values file, a CI workflow) is not a manifest:
    // it is skipped and counted, where a file named on the command line is an error.
    if walked && unparsed == 0 && not_kubernetes > 0 && out.resources.is_empty() && out.errors.len() == not_kubernetes {
        let why = "no Kubernetes document (no apiVersion and kind)".into();
        return FileResult { skipped: Some(Skipped { file: path.clone(), why }), ..FileResult::default() };
    }
    if unparsed == 0 && !any_document {
        out.errors.push(InputError::new(&path, 1, 1, "empty file: no Kubernetes documents"));
    }
    out
}
