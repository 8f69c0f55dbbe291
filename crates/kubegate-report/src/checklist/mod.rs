//! `kubegate report`: the production checklist ([`kubegate_engine::checklist::ITEMS`]) judged
//! for every workload of a run, and rendered as evidence (HTML, Markdown).
//!
//! [`judge`] decides each cell from the outcome and the config; the renderers only show
//! the result. A cell is never "passed" for something that was not checked: a rule that
//! is off in the workload's environment makes it "not checked" (or "partly checked"),
//! what no manifest shows is "to be confirmed by a person" unless evidence is declared.

pub mod html;
pub mod markdown;

pub use html::render as html;
pub use markdown::render as markdown;

use kubegate_engine::checklist::{Basis, ITEMS, Item};
use kubegate_engine::config::Config;
use kubegate_engine::evaluate::ResourceInfo;
use kubegate_engine::resources::related::{Related, Workload};
use kubegate_engine::{Level, Outcome};
use std::collections::{BTreeSet, HashMap};

/// What a cell says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum State {
    /// Every rule behind the item ran, and none reported the workload.
    Passed,
    /// The item's rules reported the workload only in findings an exemption covers.
    Exempted,
    /// Evidence is declared in the config (a person vouches for it; kubegate cannot see it).
    Declared,
    /// The item does not apply (a pod spec without containers).
    NotApplicable,
    /// Some rules behind the item ran and passed; others are off in this environment.
    PartlyChecked,
    /// Every rule behind the item is off in this environment.
    NotChecked,
    /// Nothing among the inputs can show it: a person must confirm.
    ToConfirm,
    /// A rule behind the item reported the workload (a finding no exemption covers).
    Failed,
}

impl State {
    /// The words a cell shows, with a symbol so the state does not rest on colour.
    pub fn words(self, environment: &str) -> String {
        match self {
            State::Passed => "✔ passed".into(),
            State::Exempted => "✔ passed with exemption".into(),
            State::Declared => "☑ evidence declared".into(),
            State::NotApplicable => "○ not applicable".into(),
            State::PartlyChecked => format!("◐ partly checked in {environment}"),
            State::NotChecked => format!("– not checked in {environment}"),
            State::ToConfirm => "? to be confirmed by a person".into(),
            State::Failed => "✘ failed".into(),
        }
    }

    /// The CSS class of the state.
    pub fn class(self) -> &'static str {
        match self {
            State::Passed => "passed",
            State::Exempted => "exempted",
            State::Declared => "declared",
            State::NotApplicable => "na",
            State::PartlyChecked => "partly",
            State::NotChecked => "unchecked",
            State::ToConfirm => "confirm",
            State::Failed => "failed",
        }
    }

    /// Every state, in the order the legend explains them.
    pub const ALL: [State; 8] = [
        State::Passed,
        State::Exempted,
        State::Declared,
        State::NotApplicable,
        State::PartlyChecked,
        State::NotChecked,
        State::ToConfirm,
        State::Failed,
    ];

    /// What the state means in full, for the documentation's table of cells.
    pub fn explained(self) -> &'static str {
        match self {
            State::Passed => {
                "every rule behind the item ran for this workload and reported nothing; for monitoring, a ServiceMonitor or PodMonitor among the inputs selects its pods (named in the cell)"
            }
            State::Exempted => {
                "a rule reported the workload, and an active exemption covers the finding: the finding is listed with the exemption's reason, issue and expiry"
            }
            State::Declared => {
                "a person declared evidence in the config (`report.evidence`): the cell shows it and where it is declared; kubegate cannot verify it"
            }
            State::NotApplicable => "the item is about containers and the pod spec has none",
            State::PartlyChecked => {
                "some rules behind the item ran and passed; the others are off in that environment (named in the cell)"
            }
            State::NotChecked => {
                "every rule behind the item is off in that environment, or cannot judge (`trusted-registry` with no `trusted_registries`)"
            }
            State::ToConfirm => {
                "nothing among the inputs can show it (a scan, monitoring without a monitor, a Namespace that is not among the inputs) and no evidence is declared"
            }
            State::Failed => {
                "a rule behind the item reported the workload and no exemption covers it: the cell links to each finding (file:line, rule, level, message) in the list below the tables"
            }
        }
    }

    /// What the state means in a few words, for the legend under the report (`None`: its
    /// words say it).
    fn meaning(self) -> Option<&'static str> {
        match self {
            State::Passed => Some("every rule behind the item ran and reported nothing"),
            State::Exempted => Some("reported, and an exemption covers it until its date"),
            State::Declared => Some("in the config, by a person"),
            State::PartlyChecked => Some("some rules behind the item are off in that environment"),
            State::NotChecked => Some("every rule behind the item is off in that environment"),
            State::NotApplicable | State::ToConfirm | State::Failed => None,
        }
    }

    /// Whether the item counts as met.
    pub fn met(self) -> bool {
        matches!(self, State::Passed | State::Exempted | State::Declared | State::NotApplicable)
    }
}

/// Evidence a person declared in the config for a cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Declared {
    pub evidence: String,
    pub url: bool,
    pub note: Option<String>,
    /// `kubegate.yaml:12`
    pub at: String,
}

/// The legend under a report: every state's words and what it means, from [`State`].
pub fn legend() -> String {
    let states: Vec<String> = State::ALL
        .iter()
        .map(|&st| {
            // The words without an environment: `◐ partly checked`.
            let words = st.words("").trim_end_matches(" in ").to_string();
            match st.meaning() {
                Some(m) => format!("{words} ({m})"),
                None => words,
            }
        })
        .collect();
    format!("States: {}.", states.join("; "))
}

/// The sentence under the findings that names those on resources no workload relates to
/// (`refs`: their references, rendered).
pub fn unrelated_sentence(refs: &str) -> String {
    format!(
        "Findings {refs} are on resources no workload among the inputs relates to (a Role bound to no workload's account, a Secret or ConfigMap no pod reads)."
    )
}

/// One workload's verdict on one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub state: State,
    /// Why, in a few words each: the rules not checked, what was seen or not seen.
    pub notes: Vec<String>,
    /// The findings behind the cell (indices into the outcome's findings): failing and
    /// exempted ones.
    pub findings: Vec<usize>,
    pub declared: Vec<Declared>,
}

/// One workload's row.
#[derive(Debug)]
pub struct Row {
    /// Index into the outcome's resources.
    pub resource: usize,
    /// One cell per item of [`ITEMS`].
    pub cells: Vec<Cell>,
}

/// The workloads and Dockerfiles of one environment.
#[derive(Debug)]
pub struct Environment {
    pub name: String,
    pub rows: Vec<Row>,
    /// One row per Dockerfile, one cell per Dockerfile rule ([`dockerfile_rules`]): the
    /// image side of the checklist (its user, its secrets, its bases).
    pub dockerfiles: Vec<Row>,
    /// Per item: the rules behind it that do not run here, and why.
    pub unchecked: Vec<(String, String)>,
}

impl Environment {
    /// How many workloads meet an item (by its index).
    pub fn met(&self, item: usize) -> usize {
        self.rows.iter().filter(|r| r.cells[item].state.met()).count()
    }

    /// How many Dockerfiles meet every Dockerfile rule.
    pub fn dockerfiles_met(&self) -> usize {
        self.dockerfiles.iter().filter(|r| r.cells.iter().all(|c| c.state.met())).count()
    }

    /// How many workloads are in a state for an item.
    pub fn count(&self, item: usize, state: State) -> usize {
        self.rows.iter().filter(|r| r.cells[item].state == state).count()
    }

    /// Ready: nothing failed and every cell is met; pending: nothing failed, but cells
    /// need a person or were not (fully) checked; not ready: something failed, or an
    /// input could not be read.
    pub fn verdict(&self, input_errors: bool) -> Verdict {
        let cells = || self.rows.iter().chain(&self.dockerfiles).flat_map(|r| &r.cells);
        if input_errors || cells().any(|c| c.state == State::Failed) {
            Verdict::NotReady
        } else if cells().all(|c| c.state.met()) {
            Verdict::Ready
        } else {
            Verdict::Pending
        }
    }
}

/// An environment's overall verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Ready,
    Pending,
    NotReady,
}

impl Verdict {
    pub fn words(self) -> &'static str {
        match self {
            Verdict::Ready => "✔ ready",
            Verdict::Pending => "? pending: items to confirm or not checked",
            Verdict::NotReady => "✘ not ready",
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Verdict::Ready => "passed",
            Verdict::Pending => "confirm",
            Verdict::NotReady => "failed",
        }
    }
}

/// The whole report: the environments with workloads, in the config's order, and the
/// findings of the checklist's rules that no workload's row shows.
#[derive(Debug)]
pub struct Checklist<'o> {
    pub outcome: &'o Outcome,
    pub environments: Vec<Environment>,
    /// Findings of the checklist's rules on resources no workload among the inputs relates
    /// to (a Role bound to no workload's account, a Secret no pod reads).
    pub unrelated: Vec<usize>,
    /// The config file as the report names it (`kubegate.yaml` when there is none).
    pub config_file: String,
    pub config_read: bool,
}

impl Checklist<'_> {
    /// The findings every cell refers to, numbered in the order the page first shows
    /// them (1-based), then the unrelated ones.
    pub fn numbered(&self) -> Vec<usize> {
        let mut seen = BTreeSet::new();
        let mut out = Vec::new();
        let cells = self.environments.iter().flat_map(|e| e.rows.iter().chain(&e.dockerfiles)).flat_map(|r| &r.cells);
        for f in cells.flat_map(|c| &c.findings).chain(&self.unrelated) {
            if seen.insert(*f) {
                out.push(*f);
            }
        }
        out
    }
}

fn workload(r: &ResourceInfo) -> Option<&Workload> {
    match r.related.as_deref() {
        // Pseudo-resources (a Dockerfile) are never workload rows.
        Some(Related::Workload(w)) if r.id.kind != "Dockerfile" => Some(w),
        _ => None,
    }
}

/// Which workloads (resource indices) each resource's findings concern.
struct Relations {
    /// By resource index: the workloads its findings are about.
    targets: HashMap<usize, Vec<usize>>,
    /// Namespaces among the inputs (`kind: Namespace`), by name.
    namespaces: BTreeSet<String>,
}

fn relate(outcome: &Outcome) -> Relations {
    let res = &outcome.resources;
    let workloads: Vec<(usize, &ResourceInfo, &Workload)> =
        res.iter().enumerate().filter_map(|(i, r)| workload(r).map(|w| (i, r, w))).collect();
    let ns = |r: &ResourceInfo| r.id.namespace.clone();
    // (namespace, account) → the workloads running as it.
    let mut by_account: HashMap<(Option<String>, &str), Vec<usize>> = HashMap::new();
    for (i, r, w) in &workloads {
        by_account.entry((ns(r), w.service_account.as_str())).or_default().push(*i);
    }
    let mut targets: HashMap<usize, Vec<usize>> = HashMap::new();
    // Roles and ClusterRoles, by (namespace, name) and name: the accounts bindings grant them to.
    let mut role_accounts: HashMap<(String, Option<String>, String), Vec<usize>> = HashMap::new();
    for (i, r) in res.iter().enumerate() {
        let Some(Related::Binding { role_kind, role_name, service_accounts }) = r.related.as_deref() else { continue };
        let mut bound: Vec<usize> = Vec::new();
        for (sa_ns, sa) in service_accounts {
            bound.extend(by_account.get(&(sa_ns.clone(), sa.as_str())).into_iter().flatten());
        }
        let role_ns = if role_kind == "Role" { ns(r) } else { None };
        role_accounts.entry((role_kind.clone(), role_ns, role_name.clone())).or_default().extend(&bound);
        targets.entry(i).or_default().extend(bound);
    }
    let mut namespaces = BTreeSet::new();
    for (i, r) in res.iter().enumerate() {
        let name = r.id.name.clone().unwrap_or_default();
        let t: Vec<usize> = match r.id.kind.as_str() {
            _ if workload(r).is_some() => vec![i],
            "Namespace" => {
                namespaces.insert(name.clone());
                workloads.iter().filter(|(_, w, _)| w.id.namespace.as_deref() == Some(&name)).map(|x| x.0).collect()
            }
            "Secret" | "ConfigMap" => workloads
                .iter()
                .filter(|(_, w, _)| w.id.namespace == r.id.namespace)
                .filter(|(_, _, p)| {
                    let names = if r.id.kind == "Secret" { &p.secrets } else { &p.config_maps };
                    names.contains(&name)
                })
                .map(|x| x.0)
                .collect(),
            "Role" => role_accounts.get(&("Role".into(), ns(r), name)).cloned().unwrap_or_default(),
            "ClusterRole" => role_accounts.get(&("ClusterRole".into(), None, name)).cloned().unwrap_or_default(),
            _ => continue,
        };
        targets.entry(i).or_default().extend(t);
    }
    for t in targets.values_mut() {
        t.sort_unstable();
        t.dedup();
    }
    Relations { targets, namespaces }
}

/// The monitors that select a workload's pods: `PodMonitor 'web' (file:line)`.
fn monitors_of(outcome: &Outcome, w: &ResourceInfo, pods: &Workload) -> Vec<String> {
    let res = &outcome.resources;
    let name = |r: &ResourceInfo| {
        format!("{} '{}' ({}:{})", r.id.kind, r.id.name.as_deref().unwrap_or("<unnamed>"), r.file, r.line)
    };
    let mut out = Vec::new();
    for m in res {
        let Some(Related::Monitor { pods: selects_pods, selector, namespaces }) = m.related.as_deref() else {
            continue;
        };
        let own = m.id.namespace.as_deref();
        if *selects_pods {
            if namespaces.includes(own, w.id.namespace.as_deref()) && selector.matches(&pods.pod_labels) {
                out.push(name(m));
            }
            continue;
        }
        // A ServiceMonitor: through a Service of the workload's namespace that selects its pods.
        for s in res {
            let Some(Related::Service { labels, selector: Some(service_selector) }) = s.related.as_deref() else {
                continue;
            };
            let selects = service_selector.iter().all(|pair| pods.pod_labels.contains(pair));
            if s.id.namespace == w.id.namespace
                && selects
                && namespaces.includes(own, s.id.namespace.as_deref())
                && selector.matches(labels)
            {
                out.push(format!("{} through Service '{}'", name(m), s.id.name.as_deref().unwrap_or("<unnamed>")));
                break;
            }
        }
    }
    out
}

/// Why a rule does not run in an environment, if it does not.
fn not_run(config: &Config, env: Option<usize>, rule: &str) -> Option<String> {
    let r = kubegate_engine::rules::find(rule)?;
    if let Some(e) = env
        && config.level(r, e) == Level::Off
    {
        return Some(format!("{rule} is off"));
    }
    if rule == "trusted-registry" && config.trusted_registries.is_empty() {
        return Some(format!("{rule} has no trusted_registries in the config"));
    }
    None
}

fn cell(
    item: &Item,
    outcome: &Outcome,
    config: &Config,
    relations: &Relations,
    findings: &[usize],
    w: &ResourceInfo,
    pods: &Workload,
) -> Cell {
    let mut cell = Cell { state: State::Passed, notes: Vec::new(), findings: Vec::new(), declared: Vec::new() };
    let env = config.env_index(&w.environment);
    let off: Vec<String> = item.rules.iter().filter_map(|r| not_run(config, env, r)).collect();
    if item.basis == Basis::Containers && pods.containers == 0 {
        cell.state = State::NotApplicable;
        cell.notes.push("no containers".into());
        return cell;
    }
    cell.findings = findings.iter().copied().filter(|&f| item.rules.contains(&&*outcome.findings[f].rule)).collect();
    let failed = cell.findings.iter().any(|&f| outcome.findings[f].exemption.is_none());
    cell.notes.extend(off.iter().cloned());
    if failed {
        cell.state = State::Failed;
        return cell;
    }
    if let Basis::Outside { monitors } = item.basis {
        let seen = if monitors { monitors_of(outcome, w, pods) } else { Vec::new() };
        let (kind, ns, name) = (w.id.kind.as_str(), w.id.namespace.as_deref(), w.id.name.as_deref());
        cell.declared = config
            .report
            .evidence_for(item.id, kind, ns, name)
            .map(|e| Declared {
                evidence: e.evidence.clone(),
                url: e.is_url(),
                note: e.note.clone(),
                at: format!("{}:{}", config.display_path(), e.line),
            })
            .collect();
        cell.state = if !seen.is_empty() {
            cell.notes.extend(seen);
            State::Passed
        } else if !cell.declared.is_empty() {
            State::Declared
        } else {
            cell.notes.push(match monitors {
                true => {
                    "no ServiceMonitor or PodMonitor among the inputs selects its pods, and no evidence is declared"
                        .into()
                }
                false => "no manifest shows it, and no evidence is declared".into(),
            });
            State::ToConfirm
        };
        return cell;
    }
    if item.basis == Basis::Namespace && off.len() < item.rules.len() {
        match w.id.namespace.as_deref() {
            None => {
                cell.notes.push("the workload names no namespace".into());
                cell.state = State::ToConfirm;
                return cell;
            }
            Some(ns) if !relations.namespaces.contains(ns) => {
                cell.notes.push(format!("Namespace '{ns}' is not among the inputs"));
                cell.state = State::ToConfirm;
                return cell;
            }
            Some(_) => {}
        }
    }
    cell.state = if off.len() == item.rules.len() {
        State::NotChecked
    } else if !cell.findings.is_empty() {
        State::Exempted
    } else if !off.is_empty() {
        State::PartlyChecked
    } else {
        State::Passed
    };
    cell
}

/// The rules that read Dockerfiles, in the order of the rule registry: the columns of a
/// Dockerfile row.
pub fn dockerfile_rules() -> Vec<&'static kubegate_engine::rules::Rule> {
    kubegate_engine::rules::ALL.iter().copied().filter(|r| r.check.reads_dockerfiles()).collect()
}

/// A Dockerfile's cell for one rule: failed with its findings, passed with exemption, not
/// checked where the rule is off, else passed.
fn dockerfile_cell(rule: &str, outcome: &Outcome, config: &Config, own: &[usize], r: &ResourceInfo) -> Cell {
    let findings: Vec<usize> = own.iter().copied().filter(|&f| &*outcome.findings[f].rule == rule).collect();
    let mut cell = Cell { state: State::Passed, notes: Vec::new(), findings, declared: Vec::new() };
    let off = not_run(config, config.env_index(&r.environment), rule);
    cell.state = if cell.findings.iter().any(|&f| outcome.findings[f].exemption.is_none()) {
        State::Failed
    } else if !cell.findings.is_empty() {
        State::Exempted
    } else if let Some(why) = off {
        cell.notes.push(why);
        State::NotChecked
    } else {
        State::Passed
    };
    cell
}

/// Judges every workload of the outcome against the checklist.
pub fn judge<'o>(outcome: &'o Outcome, config: &Config) -> Checklist<'o> {
    let relations = relate(outcome);
    let checklist_rule = |id: &str| ITEMS.iter().any(|i| i.rules.contains(&id));
    // Each workload's findings of the checklist's rules, and those no workload takes.
    let mut by_workload: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut unrelated = Vec::new();
    for (fi, f) in outcome.findings.iter().enumerate().filter(|(_, f)| checklist_rule(&f.rule)) {
        match relations.targets.get(&(f.resource_index as usize)).filter(|t| !t.is_empty()) {
            Some(targets) => targets.iter().for_each(|&w| by_workload.entry(w).or_default().push(fi)),
            None => unrelated.push(fi),
        }
    }
    // Each Dockerfile's findings, found once (a report over many Dockerfiles stays linear).
    let mut dockerfile_findings: HashMap<usize, Vec<usize>> = HashMap::new();
    for (fi, f) in outcome.findings.iter().enumerate() {
        let i = f.resource_index as usize;
        if outcome.resources.get(i).is_some_and(|r| r.id.kind == "Dockerfile") {
            dockerfile_findings.entry(i).or_default().push(fi);
        }
    }
    let mut environments: Vec<Environment> = Vec::new();
    for e in &config.environments {
        let name = &*e.env.name;
        let rows: Vec<Row> = outcome
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| &*r.environment == name)
            .filter_map(|(i, r)| workload(r).map(|w| (i, r, w)))
            .map(|(i, r, w)| Row {
                resource: i,
                cells: ITEMS
                    .iter()
                    .map(|item| {
                        let found = by_workload.get(&i).map(Vec::as_slice).unwrap_or_default();
                        cell(item, outcome, config, &relations, found, r, w)
                    })
                    .collect(),
            })
            .collect();
        let docker_rules = dockerfile_rules();
        let own = |i: usize| dockerfile_findings.get(&i).map(Vec::as_slice).unwrap_or_default();
        let dockerfiles: Vec<Row> = outcome
            .resources
            .iter()
            .enumerate()
            .filter(|(_, r)| &*r.environment == name && r.id.kind == "Dockerfile")
            .map(|(i, r)| Row {
                resource: i,
                cells: docker_rules.iter().map(|rule| dockerfile_cell(rule.id, outcome, config, own(i), r)).collect(),
            })
            .collect();
        if rows.is_empty() && dockerfiles.is_empty() {
            continue;
        }
        let env = config.env_index(name);
        let mut unchecked = Vec::new();
        for item in ITEMS {
            for rule in item.rules {
                if let Some(why) = not_run(config, env, rule) {
                    unchecked.push((item.title.to_string(), why));
                }
            }
        }
        environments.push(Environment { name: name.to_string(), rows, dockerfiles, unchecked });
    }
    Checklist {
        outcome,
        environments,
        unrelated,
        config_file: config.display_path(),
        config_read: config.file.is_some(),
    }
}

/// What a summary cell adds to `N of M met`: the workloads in other states
/// (` (1 failed, 2 to confirm)`), nothing when all are met.
pub fn summary_detail(e: &Environment, item: usize) -> String {
    let parts: Vec<String> = [
        (State::Failed, "failed"),
        (State::ToConfirm, "to confirm"),
        (State::PartlyChecked, "partly checked"),
        (State::NotChecked, "not checked"),
    ]
    .into_iter()
    .filter_map(|(state, word)| match e.count(item, state) {
        0 => None,
        n => Some(format!("{n} {word}")),
    })
    .collect();
    if parts.is_empty() { String::new() } else { format!(" ({})", parts.join(", ")) }
}

/// How the findings list shows a finding's state: `✘ deny`, or `✔ exempted … until …`.
pub fn finding_state(f: &kubegate_engine::Finding) -> String {
    match &f.exemption {
        Some(e) => format!("✔ {}", crate::exempted_note(f.level, e)),
        None => format!("✘ {}", f.level.as_str()),
    }
}

/// `Deployment backend`: how a row names its workload.
pub fn workload_name(r: &ResourceInfo) -> String {
    format!("{} {}", r.id.kind, r.id.name.as_deref().unwrap_or("<unnamed>"))
}

#[cfg(test)]
mod tests;
