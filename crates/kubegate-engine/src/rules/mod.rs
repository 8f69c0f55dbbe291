//! The rule registry. Each rule is one file holding one [`Rule`] declaration: id, summary,
//! levels per tier, parameters, documentation and the check. `kubegate rules`,
//! `kubegate explain`, the config schema and `docs/rules/` are all generated from [`ALL`].

use crate::environment::Environment;
use crate::evaluate::{Index, Pending};
use crate::exemptions::{Assessed, Date};
use crate::finding::{Finding, Level};
use crate::resources::{Container, Resource};
use kubegate_yaml::Span;
use std::sync::Arc;

mod allow_privilege_escalation;
mod capabilities_drop_all;
mod duplicate_key;
mod environment_label;
mod exemption_expiring;
mod expired_exemption;
mod fs_group;
mod image_digest;
mod image_tag_latest;
mod invalid_exemption;
mod liveness_probe;
mod pod_disruption_budget;
mod read_only_root_filesystem;
mod readiness_probe;
mod replicas;
mod resource_limit_ratio;
mod resource_limits;
mod resource_requests;
mod run_as_non_root;
mod run_as_user;
mod seccomp_profile;

/// Every built-in rule, in the order they run and are listed.
pub static ALL: &[&Rule] = &[
    &image_tag_latest::RULE,
    &image_digest::RULE,
    &run_as_non_root::RULE,
    &allow_privilege_escalation::RULE,
    &read_only_root_filesystem::RULE,
    &capabilities_drop_all::RULE,
    &run_as_user::RULE,
    &seccomp_profile::RULE,
    &fs_group::RULE,
    &resource_requests::RULE,
    &resource_limits::RULE,
    &resource_limit_ratio::RULE,
    &liveness_probe::RULE,
    &readiness_probe::RULE,
    &replicas::RULE,
    &pod_disruption_budget::RULE,
    &environment_label::RULE,
    &duplicate_key::RULE,
    &invalid_exemption::RULE,
    &expired_exemption::RULE,
    &exemption_expiring::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    ALL.iter().copied().find(|r| r.id == id)
}

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
}

/// How a rule checks.
pub enum Check {
    /// From the resource alone.
    Resource(fn(&mut Ctx<'_, '_>)),
    /// Against the whole set of inputs. `collect` runs on each resource while its tree is
    /// loaded and asks its question with [`Ctx::defer`]; once every input is read,
    /// `judge` answers each question against the [`Index`] of the bundle and returns the
    /// finding's message when the rule is broken. Only small owned facts outlive a
    /// document, so memory stays bounded by one document's tree.
    Bundle { collect: fn(&mut Ctx<'_, '_>), judge: fn(&Index, &Pending) -> Option<String> },
}

/// The documentation sections of a rule (Markdown).
pub struct Doc {
    pub what: &'static str,
    pub why: &'static str,
    /// A manifest fragment that the rule reports.
    pub example: &'static str,
    /// How to fix it, with a corrected fragment.
    pub fix: &'static str,
    /// One line shown under each finding as help.
    pub help: &'static str,
    /// The seed section or standard the rule comes from.
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

/// What a check sees, and where it reports.
pub struct Ctx<'r, 'a> {
    pub rule: &'static Rule,
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
    /// A parameter's value (from the config, else its default).
    pub fn param(&self, name: &str) -> f64 {
        let i = self.rule.params.iter().position(|p| p.name == name).expect("declared parameter");
        self.params[i]
    }

    /// `Production deployment 'backend'`
    pub fn subject(&self) -> &str {
        self.res.subject.get_or_init(|| {
            format!(
                "{} {} '{}'",
                self.env.display,
                self.res.kind.to_ascii_lowercase(),
                self.res.name.unwrap_or("<unnamed>")
            )
        })
    }

    /// `Production deployment 'backend' container 'app'`
    pub fn container_subject(&self, c: &Container<'_>) -> String {
        format!("{} {} '{}'", self.subject(), c.kind.word(), c.name)
    }

    /// Records a finding at `span` about the field at `path`.
    pub fn emit(&mut self, span: Span, path: String, container: Option<&Container<'_>>, message: String) {
        let (file, file_index) = (self.file_name.clone(), self.res.file as u32);
        self.emit_in(file, file_index, span, path, container, message);
    }

    /// Records a finding about this resource whose position is in another file (a
    /// central exemption's entry in the config file: `file_index` `u32::MAX`).
    pub fn emit_in(
        &mut self,
        file: Arc<str>,
        file_index: u32,
        span: Span,
        path: String,
        container: Option<&Container<'_>>,
        message: String,
    ) {
        self.out.push(Finding {
            rule: self.rule.id.into(),
            level: self.level,
            environment: self.env.name.clone(),
            message,
            file,
            line: span.start.line,
            column: span.start.col,
            end_line: span.end.line,
            end_column: span.end.col,
            resource: self.res.id(),
            container: container.map(|c| c.name.clone()),
            path,
            exemption: None,
            file_index,
            resource_index: self.res.index as u32,
        });
    }

    /// Defers a cross-resource question (see [`Check::Bundle`]): the finding, if `judge`
    /// returns a message, will point at `span` and be about the field at `path`.
    pub fn defer(&mut self, span: Span, path: String, labels: Vec<(String, String)>, values: Vec<i64>) {
        self.deferred.push(Pending {
            rule: self.rule,
            level: self.level,
            environment: self.env.name.clone(),
            subject: self.subject().to_string(),
            file: self.file_name.clone(),
            file_index: self.res.file,
            resource_index: self.res.index,
            span,
            path,
            resource: self.res.id(),
            labels,
            values,
        });
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
