//! The rule API: what a rule declares (id, levels, parameters, documentation, check), what
//! a check sees and how it reports ([`Ctx`]). The rules themselves and their registry are
//! in `rules`, above this.

use crate::environment::Environment;
use crate::exemption::{Assessed, Date};
use crate::facts::{Index, Pending, Question};
use crate::finding::{Finding, Level, Place};
use crate::resources::{Container, PodSpec, Resource};
use kubegate_yaml::Route;
use kubegate_yaml::Span;
use std::sync::Arc;

/// Levels in dev, staging and prod.
pub type Levels = [Level; 3];

/// A rule, declared once.
pub struct Rule {
    /// Kebab-case, self-explaining and stable.
    pub id: &'static str,
    pub summary: &'static str,
    pub levels: Levels,
    pub params: &'static [Param],
    pub doc: Doc,
    pub check: Check,
    /// The Pod Security Standards check this rule reports (`--profile pss-*` names that
    /// check's findings with this rule's id).
    pub pss: Option<crate::pss::Check>,
    /// How a finding is repaired in the source, if it can be.
    pub repair: Repair,
}

/// How a finding of a rule is repaired in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repair {
    /// Never written: the value needs knowledge of the application (probes, resource
    /// values, replicas); the finding's help says what to do.
    Manual,
    /// The finding's field (its route) is set to the value; with `only_missing`, only
    /// where the field is missing (a value someone set is their choice).
    Set { value: RepairValue, safety: Safety, only_missing: bool },
    /// The finding's list gains the item first; a missing list is set to `[item]`.
    Prepend { item: &'static str, safety: Safety },
    /// `kubegate pin` writes the digest the registry gives for the image's tag.
    Pin,
    /// The finding's field (a container's) is set to the value, and the container gets a
    /// size-limited `emptyDir` mounted at `mount` (unless something is mounted there), so
    /// that a program that writes there still can.
    SetAndMountScratch { value: &'static str, mount: &'static str, safety: Safety },
}

/// The value a repair writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepairValue {
    /// This YAML text.
    Text(&'static str),
    /// The name of the environment the resource is bound for.
    Environment,
    /// The size limit of a new or limited `emptyDir` (`fix.empty_dir_size_limit` in the
    /// config, default [`DEFAULT_SIZE_LIMIT`]).
    SizeLimit,
    /// The user a container runs as (`fix.run_as_user` in the config, default
    /// [`DEFAULT_RUN_AS_USER`]).
    RunAsUser,
}

/// The `emptyDir.sizeLimit` repairs write unless the config says otherwise.
pub const DEFAULT_SIZE_LIMIT: &str = "1Gi";
/// The `runAsUser` repairs write unless the config says otherwise.
pub const DEFAULT_RUN_AS_USER: i64 = 10001;

/// Whether a repair may stop a workload from starting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Safety {
    /// It cannot: applied by default.
    Safe,
    /// It can, and a reviewer must look: applied only when asked, with the reason.
    Unsafe(&'static str),
    /// Safe, except for the field named `key` (the last key of the finding's route),
    /// which is unsafe for the reason.
    UnsafeAt { key: &'static str, why: &'static str },
}

impl Repair {
    /// How safe the repair is, for those `kubegate fix` writes (`None`: by a person, or
    /// by `kubegate pin`).
    pub fn safety(&self) -> Option<Safety> {
        match self {
            Repair::Manual | Repair::Pin => None,
            Repair::Set { safety, .. } | Repair::Prepend { safety, .. } | Repair::SetAndMountScratch { safety, .. } => {
                Some(*safety)
            }
        }
    }
}

impl Safety {
    /// Why writing the field at `route` can stop a workload from starting (`None`: it
    /// cannot, and `kubegate fix` writes it without `--unsafe-fixes`).
    pub fn risk(self, route: &Route) -> Option<&'static str> {
        match self {
            Safety::Safe => None,
            Safety::Unsafe(why) => Some(why),
            Safety::UnsafeAt { key, why } => route.ends_with_key(key).then_some(why),
        }
    }
}

/// How a rule checks.
pub enum Check {
    /// From the resource alone.
    Resource(fn(&mut Ctx<'_, '_>)),
    /// From a workload's pod spec; resources without one are not asked.
    Pod(fn(&mut Ctx<'_, '_>, &PodSpec<'_>)),
    /// From each container of a workload's pod spec (init and ephemeral ones too).
    Container(fn(&mut Ctx<'_, '_>, &Container<'_>)),
    /// Against the whole set of inputs. `collect` runs on each resource while its tree is
    /// loaded and asks its question with [`Ctx::defer`]; once every input is read,
    /// `judge` answers each question against the [`Index`] of the bundle and returns the
    /// finding's message when the rule is broken. Only small owned facts outlive a
    /// document, so memory stays bounded by one document's tree.
    Bundle { collect: fn(&mut Ctx<'_, '_>), judge: fn(&Index, &Pending) -> Option<Judged> },
    /// From a Dockerfile. Only Dockerfile inputs are asked, and they are asked nothing
    /// else (but the exemption rules): `ctx.res` stands for the file (kind `Dockerfile`,
    /// named by its path, no fields), so `emit` and `subject` work as for a resource.
    Dockerfile(fn(&mut Ctx<'_, '_>, &kubegate_dockerfile::Dockerfile)),
}

impl Check {
    /// What the rule reads: Kubernetes manifests, or Dockerfiles.
    pub fn reads_dockerfiles(&self) -> bool {
        matches!(self, Check::Dockerfile(_))
    }
}

/// A cross-resource rule's answer: the finding's message, and its own help when the
/// rule's general help does not fit (the field that decides is in another resource).
pub struct Judged {
    pub message: String,
    pub help: Option<String>,
}

impl From<String> for Judged {
    fn from(message: String) -> Judged {
        Judged { message, help: None }
    }
}

/// The documentation sections of a rule (Markdown).
pub struct Doc {
    pub what: &'static str,
    pub why: &'static str,
    /// A manifest fragment (a Dockerfile for Dockerfile rules) that the rule reports.
    pub example: &'static str,
    /// How to fix it, with a corrected fragment.
    pub fix: &'static str,
    /// One line shown under each finding as help.
    pub help: &'static str,
    /// The policy section (docs/policy.md) or standard the rule comes from.
    pub references: &'static str,
}

/// A numeric parameter of a rule, settable in `kubegate.yaml`.
pub struct Param {
    pub name: &'static str,
    pub doc: &'static str,
    pub default: f64,
    pub min: f64,
    pub integer: bool,
}

impl Param {
    /// A whole-number parameter (`ctx.int(&P)` reads it).
    pub const fn integer(name: &'static str, doc: &'static str, default: i64, min: i64) -> Param {
        Param { name, doc, default: default as f64, min: min as f64, integer: true }
    }

    /// A number parameter (`ctx.number(&P)` reads it).
    pub const fn number(name: &'static str, doc: &'static str, default: f64, min: f64) -> Param {
        Param { name, doc, default, min, integer: false }
    }
}

/// What rules read of the run's configuration (built from the config once per run).
#[derive(Clone, Debug, Default)]
pub struct Settings {
    /// Registries images must come from (`trusted_registries`); empty: any.
    pub trusted_registries: Vec<String>,
    /// Kinds configured under `workloads:` whose `spec.replicas` says how many pods run:
    /// (the API version they must have, any when `None`; the kind).
    pub replicated_workloads: Vec<(Option<String>, String)>,
    /// Image prefixes `dockerfile-minimal-base` accepts (`minimal_bases`); `None`: the
    /// rule's default list.
    pub minimal_bases: Option<Vec<String>>,
}

impl Settings {
    /// Whether a configured workload kind counts its pods in `spec.replicas`.
    pub fn replicated_workload(&self, api_version: &str, kind: &str) -> bool {
        self.replicated_workloads.iter().any(|(a, k)| k == kind && a.as_deref().is_none_or(|a| a == api_version))
    }
}

/// What a check sees, and where it reports.
pub struct Ctx<'r, 'a> {
    pub rule: &'static Rule,
    /// Run-wide settings (trusted registries); levels and parameters are resolved already.
    pub settings: &'r Settings,
    pub res: &'r Resource<'a>,
    pub env: &'r Environment,
    pub level: Level,
    pub file_name: &'r Arc<str>,
    /// The date exemptions are judged on (`--today`, else the local date).
    pub today: Date,
    /// The exemptions that concern this resource (its annotations, matching central
    /// entries), already judged; the exemption rules report on them.
    pub exemptions: &'r [Assessed],
    pub(crate) params: &'r [f64],
    pub(crate) out: &'r mut Vec<Finding>,
    pub(crate) deferred: &'r mut Vec<Pending>,
}

impl Ctx<'_, '_> {
    /// The value of one of the rule's whole-number parameters (from the config, else its
    /// default).
    pub fn int(&self, p: &Param) -> i64 {
        debug_assert!(p.integer, "{} is not a whole-number parameter", p.name);
        self.value(p) as i64
    }

    /// The value of one of the rule's number parameters (from the config, else its default).
    pub fn number(&self, p: &Param) -> f64 {
        self.value(p)
    }

    fn value(&self, p: &Param) -> f64 {
        match self.rule.params.iter().position(|q| q.name == p.name) {
            Some(i) => self.params.get(i).copied().unwrap_or(p.default),
            None => p.default,
        }
    }

    /// `Production deployment 'backend'`
    pub fn subject(&self) -> &str {
        self.res.subject(&self.env.display)
    }

    /// `Production deployment 'backend' container 'app'`
    pub fn container_subject(&self, c: &Container<'_>) -> String {
        format!("{} {} '{}'", self.subject(), c.kind.word(), c.name)
    }

    /// Records a finding at `span` about the field at `path`.
    pub fn emit(&mut self, span: Span, path: impl Into<Route>, container: Option<&Container<'_>>, message: String) {
        let (file, file_index) = (self.file_name.clone(), self.res.file as u32);
        self.emit_in(file, file_index, span, path.into(), container, message);
    }

    /// Records a finding about this resource whose position is in another file (a
    /// central exemption's entry in the config file: `file_index` `u32::MAX`).
    pub fn emit_in(
        &mut self,
        file: Arc<str>,
        file_index: u32,
        span: Span,
        path: Route,
        container: Option<&Container<'_>>,
        message: String,
    ) {
        let place = Place {
            file,
            file_index,
            span: Some(span),
            resource: self.res.id(),
            resource_index: self.res.index as u32,
        };
        let f = Finding::new(self.rule.id, self.level, self.env.name.clone(), message, place, path);
        self.out.push(Finding { container: container.map(|c| c.name.clone()), ..f });
    }

    /// Defers a cross-resource question (see [`Check::Bundle`]): the finding, if `judge`
    /// returns a message, will point at `span` and be about the field at `path`.
    pub fn defer(&mut self, span: Span, path: impl Into<Route>, question: Question) {
        self.deferred.push(Pending {
            rule: self.rule,
            level: self.level,
            environment: self.env.name.clone(),
            subject: self.subject().to_string(),
            file: self.file_name.clone(),
            file_index: self.res.file,
            resource_index: self.res.index,
            span,
            path: path.into(),
            resource: self.res.id(),
            question,
        });
    }

    /// Sets the help of the finding just emitted, where the rule's general help does not
    /// fit it (the field that decides is not the one the general help names).
    pub fn help(&mut self, help: String) {
        if let Some(f) = self.out.last_mut() {
            f.help = Some(help);
        }
    }

    /// Reports a field of a container at its position (or its nearest existing parent).
    pub fn emit_container(&mut self, c: &Container<'_>, rel: &str, message: String) {
        let span = c.locate(rel);
        self.emit(span, c.field_path(rel), Some(c), message);
    }
}

/// Levels shorthand used by the declarations: `levels(Warn, Deny, Deny)`.
pub const fn levels(dev: Level, staging: Level, prod: Level) -> Levels {
    [dev, staging, prod]
}
